"""The one place that wires the steps: catalogue -> CBS -> store, and store -> views.

Each command in cli.py calls one function here (`update`, which strings fetch and
export together, in update.py). No step calls the next on its own.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.compute.catalog_checks import (
    MetadataReport,
    check_against_cbs,
    check_against_metadata,
    check_csv_sources,
    wants_codes,
)
from bwmonitor.compute.comparison import Comparison, compare
from bwmonitor.compute.observations import Observations, observe
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Aggregation, Catalog, Indicator, Source, TableRequest
from bwmonitor.core.errors import (
    BwmonitorError,
    CatalogInvalid,
    CbsTableChanged,
    CbsUnavailable,
    DeadlineReached,
    InvalidInput,
    TemporaryFailure,
)
from bwmonitor.core.measures import resolve_measure
from bwmonitor.core.regions import (
    Level,
    Region,
    RegionRegistry,
    build_registry,
    is_municipality,
)
from bwmonitor.core.settings import Settings
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.fetch.cbs import CbsClient, CbsConfig, recording
from bwmonitor.fetch.download import download, metadata_from_cbs, request_signature
from bwmonitor.fetch.stopping import FetchStop
from bwmonitor.store import integrity
from bwmonitor.store.lock import store_lock
from bwmonitor.store.stale import StaleTable
from bwmonitor.store.tables import DataView, StoredTable, TableDir, TableMeta, describe_origin

if TYPE_CHECKING:
    import polars as pl

MAX_PARALLEL_TABLES = 4  # polite to CBS, and enough to hide its latency
# How often the waiting main thread wakes: to notice the deadline, and to let Python run
# signal handlers, which it does only in the main thread, between bytecodes.
WAIT_STEP = 0.1


@dataclass
class TableOutcome:
    """What happened to one table during a fetch."""

    table_id: str
    status: str  #: "updated", "unchanged", "failed" or "skipped"
    modified: str = ""
    previous_modified: str = ""
    rows: int = 0
    requests: int = 0
    bytes: int = 0
    error: BwmonitorError | None = None
    problems: list[str] = field(default_factory=list)  #: the catalogue asks what CBS lacks
    warnings: list[str] = field(default_factory=list)  #: one year of a series lacks a measure
    notices: list[str] = field(default_factory=list)  #: a damaged stored table, repaired


@dataclass
class FetchReport:
    data_dir: str
    outcomes: list[TableOutcome]

    @property
    def failures(self) -> list[tuple[str, BwmonitorError]]:
        return [(o.table_id, o.error) for o in self.outcomes if o.error is not None]

    @property
    def problems(self) -> list[str]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def warnings(self) -> list[str]:
        return [w for o in self.outcomes for w in o.warnings]

    @property
    def notices(self) -> list[str]:
        return [n for o in self.outcomes for n in o.notices]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


ProgressHook = Callable[[TableOutcome], None]


def load_catalog(settings: Settings) -> Catalog:
    return catalog_module.load(settings.catalog_path)


def cbs_config(settings: Settings) -> CbsConfig:
    return CbsConfig(
        base_url=settings.cbs_base_url,
        read_timeout=settings.cbs_read_timeout,
        attempts=settings.cbs_attempts,
        backoff=settings.cbs_backoff,
    )


def fetch(
    settings: Settings,
    *,
    force: bool = False,
    on_table_done: ProgressHook | None = None,
    on_start: Callable[[list[str]], None] | None = None,
) -> FetchReport:
    """Bring the catalogue's CBS tables into the store, downloading only what changed.

    The catalogue is validated before any request. Tables are fetched in parallel;
    one that fails keeps its previous version. Once CBS proves unreachable, tables not
    yet started are skipped rather than each waiting out its own retries. At
    `settings.fetch_deadline` the tables not finished keep their previous version.
    """
    catalog = load_catalog(settings)
    with store_lock(settings.data_dir):
        return fetch_locked(settings, catalog, force, on_table_done, on_start)


def fetch_locked(
    settings: Settings,
    catalog: Catalog,
    force: bool = False,
    on_table_done: ProgressHook | None = None,
    on_start: Callable[[list[str]], None] | None = None,
) -> FetchReport:
    """`fetch` for a caller that already holds the store's lock (update).

    Worker threads download; this (main) thread only waits, in short steps. On
    KeyboardInterrupt (or any exception) it stops the workers and returns at once:
    requests in flight are abandoned, not awaited, and nothing is committed after.
    """
    requests = catalog.table_requests()
    store = TableDir(settings.data_dir)
    stop = FetchStop(settings.fetch_deadline)
    client = CbsClient(cbs_config(settings), stop)
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
        try:
            return _fetch_table(client, store, request, force, stop)
        except CbsUnavailable as error:
            unreachable.set()
            return TableOutcome(request.table_id, "failed", error=error)
        except BwmonitorError as error:
            return TableOutcome(request.table_id, "failed", error=error)

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
        if on_table_done is not None:
            on_table_done(result)

    with client:
        if on_start is not None:
            on_start([r.table_id for r in requests])
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


def _fetch_table(
    client: CbsClient, store: TableDir, request: TableRequest, force: bool, stop: FetchStop
) -> TableOutcome:
    table_id = request.table_id
    damage = integrity.inspect(store, table_id)  # a damaged table is never up to date
    with recording() as log:
        infos = client.table_infos(table_id, request.catalog)
    modified = str(infos.get("Modified", ""))
    stored = store.meta(table_id) if damage is None else None
    previous = stored.modified if stored is not None else ""
    up_to_date = (
        stored is not None
        and previous == modified
        and stored.request == request_signature(request)
        and not _lacks_its_year(stored, request)
    )
    if up_to_date and not force and stored is not None:
        return TableOutcome(
            table_id,
            "unchanged",
            modified=modified,
            previous_modified=previous,
            rows=stored.rows,
            requests=log.requests,
            bytes=log.bytes,
            problems=list(stored.problems or ()),
            warnings=list(stored.warnings or ()),
        )
    table = download(client, request, infos)
    found = [str(p) for p in table.problems]
    problems, warnings = ([], found) if request.series else (found, [])
    # the sidecar counts the TableInfos request made before the download too
    sidecar = replace(
        table.sidecar,
        problems=tuple(problems),
        warnings=tuple(warnings),
        requests=log.requests + (table.sidecar.requests or 0),
        bytes=log.bytes + (table.sidecar.bytes or 0),
        urls=(*log.urls, *(table.sidecar.urls or ())),
    )
    with stop.committing(table_id):  # not once the run is stopping: it keeps the old one
        meta = store.write(sidecar, table.frame)
    return TableOutcome(
        table_id,
        "updated",
        modified=modified,
        previous_modified=previous,
        rows=meta.rows,
        requests=meta.requests or 0,
        bytes=meta.bytes or 0,
        problems=problems,
        warnings=warnings,
        notices=[f"{damage.describe()}; refetched"] if damage is not None else [],
    )


def _lacks_its_year(stored: TableMeta, request: TableRequest) -> bool:
    """A table without a Perioden dimension, named on its own, stored before sidecars
    kept TableInfos' Period: fetched once more, so it has its year."""
    return not request.series and stored.time_dimension is None and stored.period is None


def data_view(settings: Settings, pinned: Mapping[str, TableDir] | None = None) -> DataView:
    """The store, with the snapshot for tables never fetched. `pinned` reads those
    tables from elsewhere: update's stale tables from their last good version."""
    store = TableDir(settings.data_dir)
    return PinnedView(store, pinned) if pinned else DataView(store)


@dataclass(frozen=True, slots=True)
class TableInUse:
    """A table the catalogue reads, and its version in use (None: not at hand)."""

    table_id: str
    stored: StoredTable | None  #: from the store, else the snapshot; None: neither


def tables_in_use(settings: Settings) -> list[TableInUse]:
    """`bwmonitor tables`: exactly the tables the catalogue reads (every year of a series),
    as fetch would fetch them, with the version compare would read."""
    view = data_view(settings)
    requests = load_catalog(settings).table_requests()
    return [TableInUse(r.table_id, view.table(r.table_id)) for r in requests]


class PinnedView(DataView):
    """A DataView that reads some tables from a folder of their own."""

    def __init__(self, store: TableDir, pinned: Mapping[str, TableDir]) -> None:
        super().__init__(store)
        self.pinned = {t: DataView(folder, use_snapshot=False) for t, folder in pinned.items()}

    def table(self, table_id: str) -> StoredTable | None:
        if table_id in self.pinned:
            return self.pinned[table_id].table(table_id)
        return super().table(table_id)

    def frame(self, table_id: str) -> pl.DataFrame | None:
        if table_id in self.pinned:
            return self.pinned[table_id].frame(table_id)
        return super().frame(table_id)


def region_registry(catalog: Catalog, view: DataView) -> RegionRegistry:
    """Regions from the data (municipality names as CBS spells them) and the catalogue."""
    names: dict[str, str] = {}
    stored = sorted(view.tables(), key=lambda t: (t.meta.modified, t.meta.fetched_at))
    for table in stored:  # later tables win: the current spelling of a name
        region_dim = table.meta.region_dimension
        if region_dim is not None:
            labels = table.meta.dimensions[region_dim].get("labels", {})
            names.update({c: n for c, n in labels.items() if is_municipality(c) and n})
    custom = [
        Region(r.id, r.name, Level.CUSTOM, r.members, r.aliases) for r in catalog.regions.values()
    ]
    return build_registry(names, custom)


def check_catalog(settings: Settings, online: bool = False) -> tuple[Catalog, MetadataReport]:
    """Both stages at once: the TOML on its own, and its sound part against CBS metadata:
    the stored metadata, or with `online` CBS's live metadata (a TOML with problems is
    refused before CBS is asked). Raises CatalogInvalid listing every problem of both;
    CbsUnavailable when CBS cannot be reached."""
    catalog, problems = catalog_module.validate_file(settings.catalog_path)
    report = MetadataReport()
    if catalog is not None and not (online and problems):
        if online:
            report = _check_online(settings, catalog)
        else:
            view = data_view(settings)
            report = check_against_metadata(catalog, view)
            problems += check_csv_sources(catalog, region_registry(catalog, view).regions.keys())
    problems += report.problems
    if problems or catalog is None:
        raise CatalogInvalid(catalog.path if catalog else str(settings.catalog_path), problems)
    return catalog, report


def _check_online(settings: Settings, catalog: Catalog) -> MetadataReport:
    """Ask CBS for every table's metadata (no data rows) and apply the same checks."""
    requests = catalog.table_requests()
    client = CbsClient(cbs_config(settings))
    unreachable: list[CbsUnavailable] = []  # once CBS is down, ask nothing more

    def ask(request: TableRequest) -> TableMeta | BwmonitorError:
        if unreachable:
            raise unreachable[0]
        wanted = wants_codes(request.filters)
        try:
            return metadata_from_cbs(client.metadata(request.table_id, request.catalog, wanted))
        except CbsUnavailable as error:  # not the catalogue's fault: exit 75
            unreachable.append(error)
            raise
        except BwmonitorError as error:  # unknown table, or CBS refuses the request
            return error

    with client, ThreadPoolExecutor(max_workers=MAX_PARALLEL_TABLES) as pool:
        answers = dict(zip([r.table_id for r in requests], pool.map(ask, requests), strict=True))
    live = {t: a for t, a in answers.items() if isinstance(a, TableMeta)}
    report = check_against_cbs(catalog, live)
    for source in catalog.sources.values():
        for table_id in source.table_ids:
            answer = answers.get(table_id)
            if isinstance(answer, BwmonitorError):
                report.problems.append(f"sources.{source.id}: {answer}")
    return report


@dataclass
class MonitorData:
    """What compare, export and the catalogue commands work from."""

    catalog: Catalog
    view: DataView
    registry: RegionRegistry
    observations: Observations


def monitor_data(settings: Settings, pinned: Mapping[str, TableDir] | None = None) -> MonitorData:
    catalog = load_catalog(settings)
    view = data_view(settings, pinned)
    registry = region_registry(catalog, view)
    return MonitorData(catalog, view, registry, observe(catalog, view, registry))


@dataclass
class IndicatorDetail:
    indicator: Indicator
    theme: str
    source_lines: list[str]
    aggregation: str
    periods: list[str]  #: periods with a value for at least one region
    regions_per_period: dict[str, int]
    gaps: list[str]
    definition: Definition | None = None


@dataclass(frozen=True)
class Definition:
    """What an indicator counts, in its author's words, and who the author is."""

    paragraphs: tuple[str, ...]
    source: str  #: "CBS, tabel 84799NED", or the catalogue's definition_source


AGGREGATION_TEXT = {
    Aggregation.SUM: "som van de gemeenten",
    Aggregation.RATIO: "som van de tellers / som van de noemers",
    Aggregation.WEIGHTED_MEAN: "gewogen gemiddelde van de gemeenten",
    Aggregation.NONE: "geen: alleen waarden die de bron zelf publiceert",
}


def indicator_detail(data: MonitorData, indicator_id: str) -> IndicatorDetail:
    """Everything `catalog show` tells about one indicator."""
    import polars as pl

    indicator = data.catalog.indicators.get(indicator_id)
    if indicator is None:
        raise InvalidInput(
            f"indicator {indicator_id!r} is not in {data.catalog.path}"
            f"{did_you_mean(indicator_id, data.catalog.indicators)}",
            hint="see `bwmonitor catalog list`",
        )
    lines = []
    if indicator.ratio is not None:
        ratio = indicator.ratio
        lines.append(f"{ratio.numerator} / {ratio.denominator} × {ratio.scale:g}")
    else:
        source = data.catalog.sources[indicator.source or ""]
        if source.csv_path is not None:
            lines.append(f"lokaal bestand {source.csv_path}")
        for label, table_id in source.tables:
            stored = data.view.table(table_id)
            where = "niet opgehaald" if stored is None else describe_origin(stored.meta)
            prefix = f"{label}: " if label else ""
            measure = indicator.measure_for(label)
            lines.append(f"{prefix}CBS-tabel {table_id}, {measure} ({where})")
        if indicator.filters:
            lines.append(
                "filters: " + ", ".join(f"{d} = {c}" for d, c in indicator.filters.items())
            )
    aggregation = AGGREGATION_TEXT[indicator.aggregate]
    if indicator.weight:
        aggregation += f" (gewicht: {indicator.weight})"
    frame = data.observations.frame.filter(pl.col("indicator") == indicator_id)
    counts = frame.group_by("period").len().sort("period")
    per_period = dict(zip(counts["period"].to_list(), counts["len"].to_list(), strict=True))
    return IndicatorDetail(
        indicator=indicator,
        theme=data.catalog.themes[indicator.theme].title,
        source_lines=lines,
        aggregation=aggregation,
        periods=list(per_period),
        regions_per_period=per_period,
        gaps=data.observations.gaps.get(indicator_id, []),
        definition=definition_of(data.catalog, data.view, indicator),
    )


def definition_of(catalog: Catalog, view: DataView, indicator: Indicator) -> Definition | None:
    """CBS's Description of the indicator's measure, from the newest stored table that
    has one; else the catalogue's own `definition`; None when neither exists.

    CBS's text wins: it is what the figure means, and a fetch keeps it current.
    """
    source = catalog.sources.get(indicator.source or "")
    if indicator.ratio is None and source is not None:
        for label, table_id in reversed(source.tables):
            description = _cbs_description(view, table_id, indicator.measure_for(label), source)
            if description:
                return Definition(_paragraphs(description), f"CBS, tabel {table_id}")
    if indicator.definition:
        return Definition(_paragraphs(indicator.definition), indicator.definition_source or "")
    return None


def _cbs_description(view: DataView, table_id: str, measure: str | None, source: Source) -> str:
    stored = view.table(table_id)
    if stored is None or measure is None:
        return ""
    measures = stored.meta.measures
    try:
        key = resolve_measure(measure, measures, table_id, source.is_series)
    except CbsTableChanged:
        return ""
    return str(measures[key].get("description") or "").strip()


def _paragraphs(text: str) -> tuple[str, ...]:
    """The text's lines, spaces collapsed: CBS breaks its Descriptions with \r\n, also
    after a heading ('Participatiewet'), so a line stays a line."""
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


@dataclass
class ComparisonResult:
    comparison: Comparison
    data_used: list[str]  #: one line per table: id, origin and date


def compare_regions(
    settings: Settings,
    regions: list[str],
    benchmarks: list[str],
    year: int | None = None,
    themes: list[str] | None = None,
    indicators: list[str] | None = None,
) -> ComparisonResult:
    """`bwmonitor compare`: resolve names, select indicators, compare."""
    data = monitor_data(settings)
    focus = resolve_regions(data.registry, regions)
    others = [r for r in resolve_regions(data.registry, benchmarks, "--with") if r not in focus]
    selected = select_indicators(data.catalog, themes or [], indicators or [])
    comparison = compare(
        data.observations.frame,
        data.catalog,
        focus,
        others,
        selected,
        year=year,
        gaps=data.observations.gaps,
    )
    tables = {
        table_id.strip()
        for record in comparison.records
        for source in [record["source"], *(b.get("source") for b in record["benchmarks"])]
        if source
        for table_id in source.split(",")
    }
    return ComparisonResult(comparison, data_used(data.view, tables))


def resolve_regions(
    registry: RegionRegistry, names: list[str], option: str = "--region"
) -> list[Region]:
    """Regions named by code, name or alias (repeated or comma-separated), each once;
    InvalidInput with a suggestion for a name that is not known, and when `option` was
    given but names no region at all ('' or ',')."""
    found: list[Region] = []
    for name in (part.strip() for text in names for part in text.split(",")):
        if name:
            region = registry.resolve(name)
            if region not in found:
                found.append(region)
    if names and not found:
        raise InvalidInput(f"{option} {', '.join(map(repr, names))} names no region")
    return found


def select_indicators(catalog: Catalog, themes: list[str], ids: list[str]) -> list[Indicator]:
    """The catalogue's indicators (in order), narrowed to themes and ids when given."""
    wanted_themes = [t.strip() for text in themes for t in text.split(",") if t.strip()]
    wanted_ids = [i.strip() for text in ids for i in text.split(",") if i.strip()]
    by_title = {t.title.lower(): t.id for t in catalog.themes.values()}
    theme_ids = set()
    for theme in wanted_themes:
        theme_id = theme if theme in catalog.themes else by_title.get(theme.lower())
        if theme_id is None:
            raise InvalidInput(
                f"theme {theme!r} is not in the catalogue"
                f"{did_you_mean(theme, [*catalog.themes, *by_title])}",
                hint="see `bwmonitor catalog list`",
            )
        theme_ids.add(theme_id)
    for indicator_id in wanted_ids:
        if indicator_id not in catalog.indicators:
            raise InvalidInput(
                f"indicator {indicator_id!r} is not in the catalogue"
                f"{did_you_mean(indicator_id, catalog.indicators)}",
                hint="see `bwmonitor catalog list`",
            )
    return [
        indicator
        for theme_id in catalog.themes
        for indicator in catalog.indicators.values()
        if indicator.theme == theme_id
        and (not theme_ids or theme_id in theme_ids)
        and (not wanted_ids or indicator.id in wanted_ids)
    ]


def data_used(view: DataView, table_ids: set[str], stale: Collection[str] = ()) -> list[str]:
    """One line per table: id, origin and date; 'verouderd' for update's stale tables."""
    lines = []
    for table_id in sorted(table_ids):
        stored = view.table(table_id)
        if stored is not None:
            mark = ", verouderd" if table_id in stale else ""
            lines.append(f"{table_id} ({describe_origin(stored.meta)}{mark})")
    return lines


@dataclass
class ExportResult:
    folder: Path
    files: list[Path]
    data_used: list[str]


EXPORT_NAME = "monitor-brede-welvaart"
DEFAULT_EXPORT_ROOT = Path("bwmonitor-export")


def export_folder(out: Path | None, today: date | None = None) -> Path:
    """Where an export of today goes: <out>/<YYYY-MM-DD>, or when that exists already
    <YYYY-MM-DD>-2 (-3, ...). The same rule for `export` and `update`: an earlier export
    of the day, and whatever a user put in it, stays."""
    first = (out or DEFAULT_EXPORT_ROOT) / (today or date.today()).isoformat()
    candidate, number = first, 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = first.with_name(f"{first.name}-{number}")
    return candidate


def export_monitor(
    settings: Settings,
    out: Path | None = None,
    fmt: str = "xlsx",
    charts: bool = True,
    today: date | None = None,
    regions: list[str] | None = None,
    add_files: Callable[[Path, MonitorData], None] | None = None,
    folder: Path | None = None,
    stale: Sequence[StaleTable] = (),
    excel: bool = False,
) -> ExportResult:
    """`bwmonitor export`: the workbook (or CSV/Parquet) and charts, in a dated folder
    written as a whole; the same data gives the same bytes. `add_files` may write more
    files into the folder before it appears (update's change report); `folder` replaces
    the dated folder under `out`; `stale` tables are read from their last good version
    and marked on the sources sheet; `excel` writes the CSV for Dutch Excel."""
    from bwmonitor.publish import tables
    from bwmonitor.publish.folder import inside, staged_folder
    from bwmonitor.publish.formula_guard import neutralise_frame

    pinned = {s.table_id: s.location for s in stale if s.location is not None}
    data = monitor_data(settings, pinned)
    indicators = select_indicators(data.catalog, [], [])
    focus = [r.code for r in resolve_regions(data.registry, regions or [])]
    columns = tables.overview_columns(focus or tables.DEFAULT_FOCUS)
    long = tables.long_table(
        data.observations.frame, data.catalog, data.registry, indicators, focus
    )
    used = sorted(set(long["bron"].str.split(", ").explode().drop_nulls().to_list()))
    target = folder or export_folder(out, today)
    with staged_folder(target) as staging:
        if fmt == "csv":
            # text a spreadsheet would run as a formula gets a leading ' (docs/data.md)
            # --excel: the dialect Dutch Excel opens as numbers (`;`, 28,4, BOM)
            neutralise_frame(long).write_csv(
                inside(staging, f"{EXPORT_NAME}.csv"),
                quote_style="non_numeric",
                separator=";" if excel else ",",
                decimal_comma=excel,
                include_bom=excel,
            )
        elif fmt == "parquet":
            long.write_parquet(inside(staging, f"{EXPORT_NAME}.parquet"), statistics=False)
        else:
            path = inside(staging, f"{EXPORT_NAME}.xlsx")
            _write_workbook(path, data, long, indicators, used, columns, stale)
        if charts:
            from bwmonitor.publish.chart_set import write_charts

            write_charts(inside(staging, "grafieken"), long, indicators, columns)
        if add_files is not None:
            add_files(staging, data)
    files = sorted(p for p in target.rglob("*") if p.is_file())
    used_lines = data_used(data.view, set(used), stale={s.table_id for s in stale})
    return ExportResult(target, files, used_lines)


def stale_note(table: StaleTable) -> str:
    """The sources sheet's remark on a stale table, in Dutch."""
    if not table.since:
        return f"verouderd: niet bijgewerkt en geen eerdere versie ({table.reason})"
    return f"verouderd sinds {table.since}: niet bijgewerkt ({table.reason})"


def _write_workbook(
    path: Path,
    data: MonitorData,
    long: Any,
    indicators: list[Indicator],
    used: list[str],
    columns: tuple[str, ...],
    stale: Sequence[StaleTable] = (),
) -> None:
    from bwmonitor.publish import tables
    from bwmonitor.publish.workbook import SourceRow, write_workbook

    sources = []
    stamps = []
    notes = {s.table_id: stale_note(s) for s in stale}
    for table_id in sorted(set(used) | set(notes)):  # a stale table with no data too
        stored = data.view.table(table_id)
        note = notes.get(table_id, "")
        if stored is None:
            title = "CBS-tabel" if note else "eigen bestand"
            sources.append(SourceRow(table_id, title, "", "", "", note))
            continue
        meta = stored.meta
        catalog = meta.catalog
        host = "dataderden.cbs.nl" if catalog == "dataderden" else "opendata.cbs.nl"
        sources.append(
            SourceRow(
                table_id,
                meta.title,
                meta.modified[:10],
                describe_origin(meta),
                f"https://{host}/ODataFeed/odata/{table_id}",
                note,
            )
        )
        stamps += [s for s in (meta.modified[:10], meta.fetched_at[:10]) if s]
    # the workbook's date comes from the data, so the same data gives the same bytes
    created = datetime.fromisoformat(max(stamps)) if stamps else datetime(2000, 1, 1)
    names = {code: data.registry.name_of(code) for code in columns}
    write_workbook(
        path,
        long,
        tables.quartiles(data.observations.frame, data.catalog),
        data.catalog,
        indicators,
        sources,
        names,
        created,
    )
