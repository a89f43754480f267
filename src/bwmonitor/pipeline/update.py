"""`bwmonitor update`, what cron runs: fetch; when the data changed since the last
export, export into a new dated folder, point `latest` at it and report the changes.

The store's lock is held for the whole run: a second update or fetch exits 75, and
nothing changes the store while it is exported. A run that fails anywhere exports
nothing, or nothing visible: `latest` keeps pointing at the last good export, and
the baseline (baseline.py) moves only after a complete export, so the next run
finds the same changes and tries again.

One exception: a table that failed for good (unknown at CBS, a measure gone) does not
stop the export. The others are exported fresh, that one in its last good version,
marked stale (stale.py); the run then exits 1 so that a person looks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bwmonitor.compute import changes
from bwmonitor.core.catalog import inputs_digest
from bwmonitor.core.errors import (
    EXIT_INTERRUPTED,
    EXIT_TEMPORARY,
    EXIT_TERMINATED,
    BwmonitorError,
    CbsTableChanged,
    CbsTableNotFound,
    FetchFailed,
    StoreError,
    TemporaryFailure,
    Terminated,
)
from bwmonitor.core.settings import Settings
from bwmonitor.fetch.report import FetchProgress, FetchReport, TableOutcome
from bwmonitor.pipeline.exporting import (
    DEFAULT_EXPORT_ROOT,
    EXPORT_NAME,
    check_format,
    export_folder,
    exported,
    write_monitor_files,
)
from bwmonitor.pipeline.monitor_data import (
    MonitorData,
    data_view,
    load_catalog,
    monitor_data,
    observations_in,
    region_registry,
)
from bwmonitor.pipeline.results import UpdateResult
from bwmonitor.pipeline.runlog import RunLog, utc_now
from bwmonitor.pipeline.selection import resolve_regions
from bwmonitor.publish import change_report
from bwmonitor.publish.change_report import ChangeReport
from bwmonitor.publish.folder import point_latest, staged_folder
from bwmonitor.store import baseline, integrity
from bwmonitor.store.lock import store_lock
from bwmonitor.store.stale import StaleTable, last_good_version
from bwmonitor.store.tables import TableDir, TableMeta, snapshot_dir

HISTORY_DIR = "wijzigingen"  #: next to the dated folders: every run's report, kept
NOT_EXPORTED = "nothing exported; the last export stays in place"


@dataclass
class ExportSettings:
    """What update exports: the options of `bwmonitor export`."""

    out: Path | None = None
    fmt: str = "xlsx"
    charts: bool = True
    regions: list[str] | None = None
    today: date | None = None
    excel: bool = False  #: with fmt "csv": the dialect for Dutch Excel


def update(
    settings: Settings,
    log: RunLog,
    export: ExportSettings | None = None,
    force: bool = False,
    progress: FetchProgress | None = None,
) -> UpdateResult:
    """Fetch, and export when anything changed since the last export (or when forced).
    Every step is logged to `log`; `progress` receives the fetch's events."""
    export = export or ExportSettings()
    log.event(f"update start: store {settings.data_dir}, catalogue {settings.catalog_path}")
    try:
        result = _update(settings, log, export, force, progress)
    except BwmonitorError as error:
        log.event(f"update failed, exit {error.exit_code}: {error}")
        raise
    except KeyboardInterrupt:
        log.event(f"update interrupted (Ctrl-C), exit {EXIT_INTERRUPTED}; {NOT_EXPORTED}")
        raise
    except Terminated:
        log.event(f"update terminated (SIGTERM), exit {EXIT_TERMINATED}; {NOT_EXPORTED}")
        raise
    except BaseException as error:
        log.event(f"update failed: {type(error).__name__}: {error}")
        raise
    stale = result.stale_error()
    for line in stale.lines() if stale is not None else ():
        log.event(f"stale: {line}")
    log.event(f"update done, exit {stale.exit_code if stale is not None else 0}")
    return result


def _update(
    settings: Settings,
    log: RunLog,
    export: ExportSettings,
    force: bool,
    progress: FetchProgress | None,
) -> UpdateResult:
    from bwmonitor.fetch.run import fetch_tables

    check_format(export.fmt)
    catalog = load_catalog(settings)
    if export.regions:  # a wrong region is refused before CBS is asked anything
        resolve_regions(region_registry(catalog, data_view(settings)), export.regions)
    with store_lock(settings.data_dir):
        fetched = fetch_tables(settings, catalog, force, progress)
        for outcome in fetched.outcomes:
            log.event(_outcome_line(outcome))
            for notice in outcome.notices:
                log.event(notice)
        for warning in fetched.warnings:
            log.event(f"warning: {warning}")
        lasting = _lasting_failures(fetched)  # raises when nothing may be exported

        store = TableDir(settings.data_dir)
        table_ids = [r.table_id for r in catalog.table_requests()]
        previous = baseline.load(settings.data_dir)
        stale = _stale_tables(lasting, store, previous)
        pinned = {s.table_id: s.location for s in stale if s.location is not None}
        versions = baseline.current_versions(store, table_ids)
        versions.update(_versions(pinned))  # what the export reads, so no churn
        _check_readable(store, table_ids)  # never "no changes" over a broken store
        inputs = inputs_digest(catalog)
        result = UpdateResult(log.run_id, fetched, previous.state if previous else None)
        result.stale = stale
        reason = _reason(previous, versions, inputs, force, export.out)
        if reason is None:
            log.event("no changes since the last export; nothing exported")
            return result

        # every export of update stays: a second one on the same day goes to <date>-2
        target = export_folder(export.out, export.today)
        report = ChangeReport(
            log.run_id, utc_now(), str(target), reason, result.previous, tables=[], stale=stale
        )

        data = monitor_data(settings, pinned)
        focus = [r.code for r in resolve_regions(data.registry, export.regions or [])]
        with staged_folder(target) as staging:
            _compare_with_baseline(report, previous, store, table_ids, data, pinned)
            # every update's export has the HTML page too, with the change report on it
            changed = change_report.to_markdown(report, data.catalog, data.registry)
            used = write_monitor_files(
                staging, data, export.fmt, export.charts, focus, export.excel, stale, changed
            )
            change_report.write(staging, report, data.catalog, data.registry)
        result.export = exported(target, data.view, used, stale)
        result.report = report
        log.event(f"export {result.export.folder} ({len(result.export.files)} files)")
        result.latest = point_latest(result.export.folder)
        history = result.export.folder.parent / HISTORY_DIR
        result.report_files = change_report.keep_copy(result.export.folder, history, log.run_id)
        log.event(f"change report {result.report_files[0]}: {report.summary()}")
        state = {
            "run_id": log.run_id,
            "created": report.created,
            "folder": str(result.export.folder),
            "tables": versions,
            "catalog": inputs,
        }
        baseline.save(settings.data_dir, store, table_ids, state, pinned)
        return result


# Failures that a run cannot fix by retrying: the catalogue or CBS's table must change.
LASTING_FAILURES = (CbsTableNotFound, CbsTableChanged)


def _lasting_failures(fetched: FetchReport) -> dict[str, str]:
    """Tables that failed for good (unknown at CBS, a measure gone): table id -> why.

    They do not stop the export: each keeps its last good version. Any other failure
    does, and raises FetchFailed: a temporary one (CBS down) exits 75 even next to
    lasting ones, since the next run retries; a local one (a full disk) exits 1.
    """
    lasting: list[tuple[str, BwmonitorError]] = [
        (table_id, error)
        for table_id, error in fetched.failures
        if isinstance(error, LASTING_FAILURES)
    ]
    lasting += [
        (o.table_id, CbsTableChanged("; ".join(o.problems))) for o in fetched.outcomes if o.problems
    ]
    others = [(t, e) for t, e in fetched.failures if not isinstance(e, LASTING_FAILURES)]
    if others:
        temporary = all(isinstance(e, TemporaryFailure) for _, e in others)
        raise FetchFailed(
            others + lasting, hint=NOT_EXPORTED, exit_code=EXIT_TEMPORARY if temporary else None
        )
    return {table_id: str(error) for table_id, error in lasting}


def _stale_tables(
    lasting: Mapping[str, str], store: TableDir, previous: baseline.Baseline | None
) -> list[StaleTable]:
    """Each lasting failure with the last good version the export reads instead."""
    candidates = [("store", store)]
    if previous is not None:
        candidates.append(("last-export", previous.tables))
    candidates.append(("snapshot", snapshot_dir()))
    return [
        last_good_version(table_id, reason, candidates)
        for table_id, reason in sorted(lasting.items())
    ]


def _versions(tables: Mapping[str, TableDir]) -> dict[str, str]:
    return {table_id: baseline.table_version(m) for table_id, m in _metas_of(tables).items()}


def _reason(
    previous: baseline.Baseline | None,
    versions: dict[str, str],
    inputs: str,
    force: bool,
    out: Path | None,
) -> str | None:
    """Why this run exports (a key of change_report.REASONS), or None: it does not."""
    if previous is None:
        return "first"
    if previous.versions != versions:
        return "changed"
    if previous.catalog_digest != inputs:
        return "inputs"
    if not _last_export_in_place(previous, out):
        return "missing"
    return "forced" if force else None


#: the kinds of an export's main file; the HTML report only comes with one of them
MAIN_FILE_KINDS = ("xlsx", "csv", "parquet")


def _last_export_in_place(previous: baseline.Baseline, out: Path | None) -> bool:
    """Whether the last export's folder lies under this run's --out and still holds its
    main file (the workbook, or the CSV or Parquet table): the user may have removed it,
    or asked for a new --out, and "no changes" would then leave them with nothing."""
    folder = Path(str(previous.state.get("folder") or ""))
    if not folder.name or folder.parent.resolve() != (out or DEFAULT_EXPORT_ROOT).resolve():
        return False
    # the HTML report is written beside the main file, never instead of it
    return any((folder / f"{EXPORT_NAME}.{kind}").is_file() for kind in MAIN_FILE_KINDS)


def _check_readable(store: TableDir, table_ids: list[str]) -> None:
    """Every table the monitor uses is whole, as compare will read it, or StoreError."""
    try:
        integrity.ensure_readable(store, table_ids)
    except StoreError as error:
        raise StoreError(error.message, hint=f"{NOT_EXPORTED}; {error.hint}") from None


def _compare_with_baseline(
    report: ChangeReport,
    previous: baseline.Baseline | None,
    store: TableDir,
    table_ids: list[str],
    data: MonitorData,
    pinned: Mapping[str, TableDir],
) -> None:
    """Fill the report: tables that changed, new periods, revised figures; a stale
    table as the export read it."""
    now = _metas(store, [t for t in table_ids if t not in pinned])
    now.update(_metas_of(pinned))
    if previous is None:
        report.tables = changes.table_changes({}, now)
        return
    report.tables = changes.table_changes(_metas(previous.tables, table_ids), now)
    try:
        before = observations_in(previous.tables, data.catalog, data.registry)
    except BwmonitorError as error:
        report.revisions_unavailable = f"de vorige export is niet te lezen ({error})"
        return
    report.new_periods, report.revisions = changes.figure_changes(
        before.frame, data.observations.frame
    )


def _metas(tables: TableDir, table_ids: list[str]) -> dict[str, TableMeta]:
    found = {table_id: tables.meta(table_id) for table_id in table_ids}
    return {table_id: meta for table_id, meta in found.items() if meta is not None}


def _metas_of(tables: Mapping[str, TableDir]) -> dict[str, TableMeta]:
    found = {table_id: folder.meta(table_id) for table_id, folder in tables.items()}
    return {table_id: meta for table_id, meta in found.items() if meta is not None}


def _outcome_line(outcome: TableOutcome) -> str:
    text = f"fetch {outcome.table_id} {outcome.status}"
    if outcome.road:
        text += f" via {outcome.road}"
    if outcome.status == "updated":
        text += f" (CBS Modified {outcome.previous_modified or 'none'} -> {outcome.modified})"
    if outcome.error is not None:
        text += f": {outcome.error}"
    return text
