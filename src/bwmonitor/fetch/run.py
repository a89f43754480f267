"""A fetch run: the catalogue's tables fetched in parallel, within the run's deadline.

The caller holds the store's lock. Worker threads fetch (`incremental.fetch_table`),
each table on the road(s) `roads.RoadChooser` gives it: v3, v4, or v3 then v4; the main
thread only waits, in short steps. One table that fails keeps its previous version.
Once CBS proves unreachable on every road, tables not yet started are skipped rather
than each waiting out its own retries. At the deadline, on KeyboardInterrupt or on any
exception the workers are stopped: requests in flight are abandoned, not awaited, and
nothing is committed after.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from contextlib import suppress

from bwmonitor.core.catalog import Catalog, TableRequest
from bwmonitor.core.errors import (
    BwmonitorError,
    CbsTableChanged,
    CbsTableNotFound,
    CbsUnavailable,
    DeadlineReached,
    TemporaryFailure,
)
from bwmonitor.core.settings import Settings
from bwmonitor.fetch.cbs import CbsClient
from bwmonitor.fetch.cbs_v4 import V4Client
from bwmonitor.fetch.http import CbsConfig
from bwmonitor.fetch.incremental import fetch_table
from bwmonitor.fetch.report import FetchProgress, FetchReport, FetchStarted, TableOutcome
from bwmonitor.fetch.roads import Road, RoadChooser, V3Road, V4Road
from bwmonitor.fetch.stopping import FetchStop
from bwmonitor.store import integrity
from bwmonitor.store.tables import TableDir

MAX_PARALLEL_TABLES = 4  # polite to CBS, and enough to hide its latency
# How often the waiting main thread wakes: to notice the deadline, and to let Python run
# signal handlers, which it does only in the main thread, between bytecodes.
WAIT_STEP = 0.1


def cbs_config(settings: Settings) -> CbsConfig:
    """How to reach CBS, from the settings (BWMONITOR_CBS_URL and the like)."""
    return CbsConfig(
        base_url=settings.cbs_base_url,
        read_timeout=settings.cbs_read_timeout,
        attempts=settings.cbs_attempts,
        backoff=settings.cbs_backoff,
        v4_url=settings.cbs_v4_url,
    )


def fetch_tables(
    settings: Settings,
    catalog: Catalog,
    force: bool = False,
    progress: FetchProgress | None = None,
) -> FetchReport:
    """Bring the catalogue's tables into the store; the caller holds the store's lock."""
    requests = catalog.table_requests()
    store = TableDir(settings.data_dir)
    stop = FetchStop(settings.fetch_deadline)
    client = CbsClient(cbs_config(settings), stop)
    v4_client = V4Client(cbs_config(settings), stop)
    chooser = RoadChooser(settings.cbs_api, V3Road(client), V4Road(v4_client))
    unreachable = threading.Event()
    pending: queue.SimpleQueue[TableRequest] = queue.SimpleQueue()
    results: queue.SimpleQueue[TableOutcome | BaseException] = queue.SimpleQueue()
    for request in requests:
        pending.put(request)

    def run(request: TableRequest) -> TableOutcome:
        outcome = attempt(request)
        if outcome.status in ("failed", "skipped") and stop.reason() is None:
            # a damaged table gets a good copy back; a restore is a commit, so not
            # once the run is stopping
            with suppress(TemporaryFailure), stop.committing(request.table_id):
                outcome.notices += integrity.restore_if_damaged(
                    store, request.table_id, settings.data_dir, outcome.error
                )
        return outcome

    def attempt(request: TableRequest) -> TableOutcome:
        if unreachable.is_set():
            return TableOutcome(request.table_id, "skipped")
        roads = chooser.roads(request)
        failures: list[tuple[Road, BwmonitorError]] = []
        for road in roads:
            try:
                outcome = fetch_table(road, store, request, force, stop)
            except BwmonitorError as error:
                failures.append((road, error))
                if road.name == "v3":
                    chooser.v3_failed()
                if not isinstance(error, _ROAD_FAILURES) or stop.reason() is not None:
                    break  # not the road's fault, or the run is stopping: no other road
                continue
            outcome.notices += [_fell_back(request, road, f) for f in failures]
            return outcome
        if len(failures) == len(roads) and all(isinstance(e, CbsUnavailable) for _, e in failures):
            unreachable.set()
        worst = _worst(failures)
        also = [
            f"{request.table_id}: {r.name} failed too: {e}" for r, e in failures if e is not worst
        ]
        return TableOutcome(request.table_id, "failed", error=worst, notices=also)

    def work() -> None:
        while stop.reason() is None:
            try:
                request = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results.put(run(request))
            except BaseException as bug:  # re-raised in the main thread
                results.put(bug)
                return

    outcomes: dict[str, TableOutcome] = {}

    def receive(result: TableOutcome | BaseException) -> None:
        if isinstance(result, BaseException):
            raise result
        outcomes[result.table_id] = result
        if progress is not None:
            progress(result)

    with client, v4_client:
        if progress is not None:
            progress(FetchStarted(tuple(r.table_id for r in requests)))
        try:
            # daemon threads: a thread stuck in a request must not keep the process alive
            # (ThreadPoolExecutor joins its threads at exit, however long they take)
            for number in range(max(1, min(MAX_PARALLEL_TABLES, len(requests)))):
                threading.Thread(target=work, name=f"fetch-{number}", daemon=True).start()
            while len(outcomes) < len(requests) and not stop.deadline_passed():
                with suppress(queue.Empty):
                    receive(results.get(timeout=WAIT_STEP))
        finally:
            if len(outcomes) < len(requests):  # a signal, a bug or the deadline:
                stop.cancel()  # nothing new starts, nothing more is committed
        _collect_committed(stop, results, outcomes, receive)
    if len(outcomes) < len(requests):
        deadline = DeadlineReached(settings.fetch_deadline)
        for request in requests:
            if request.table_id not in outcomes:
                outcomes[request.table_id] = TableOutcome(
                    request.table_id, "failed", error=deadline
                )
    return FetchReport(str(settings.data_dir), [outcomes[r.table_id] for r in requests])


def _collect_committed(
    stop: FetchStop,
    results: queue.SimpleQueue[TableOutcome | BaseException],
    outcomes: dict[str, TableOutcome],
    receive: Callable[[TableOutcome | BaseException], None],
) -> None:
    """Once the wait has ended: the outcomes already sent, and those of tables committed
    just before the deadline (their worker is a few instructions from sending them), so
    the report says exactly which tables have their new version."""
    give_up = time.monotonic() + 5.0  # a bound, should a worker die right there
    while True:
        waiting = stop.committed - outcomes.keys()
        try:
            receive(results.get(timeout=WAIT_STEP) if waiting else results.get_nowait())
        except queue.Empty:
            if not waiting or time.monotonic() > give_up:
                return


# a road's failure that another road may not share: CBS down, the table unknown there,
# a request refused
_ROAD_FAILURES = (CbsUnavailable, CbsTableNotFound, CbsTableChanged)


def _fell_back(request: TableRequest, road: Road, failure: tuple[Road, BwmonitorError]) -> str:
    failed, error = failure
    return f"{request.table_id}: {failed.name} failed ({error}); fetched through {road.name}"


def _worst(failures: list[tuple[Road, BwmonitorError]]) -> BwmonitorError:
    """The error a table that failed on every road reports: a temporary one when there
    is one (the next run may succeed), else the first road's."""
    temporary = [e for _, e in failures if isinstance(e, TemporaryFailure)]
    return temporary[0] if temporary else failures[0][1]
