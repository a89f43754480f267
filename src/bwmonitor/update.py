"""`bwmonitor update`, what cron runs: fetch; when the data changed since the last
export, export into a new dated folder, point `latest` at it and report the changes.

The store's lock is held for the whole run: a second update or fetch exits 75, and
nothing changes the store while it is exported. A run that fails anywhere exports
nothing, or nothing visible: `latest` keeps pointing at the last good export, and
the baseline (baseline.py) moves only after a complete export, so the next run
finds the same changes and tries again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bwmonitor import baseline, change_report, changes, integrity
from bwmonitor.catalog import Catalog
from bwmonitor.change_report import ChangeReport
from bwmonitor.errors import BwmonitorError, CbsTableChanged, FetchFailed, StoreError
from bwmonitor.export.folder import point_latest
from bwmonitor.lock import store_lock
from bwmonitor.mapping import observe
from bwmonitor.pipeline import (
    DEFAULT_EXPORT_ROOT,
    EXPORT_NAME,
    ExportResult,
    FetchReport,
    MonitorData,
    ProgressHook,
    TableOutcome,
    data_view,
    export_folder,
    export_monitor,
    fetch_locked,
    load_catalog,
    region_registry,
    resolve_regions,
)
from bwmonitor.runlog import RunLog, utc_now
from bwmonitor.settings import Settings
from bwmonitor.store import DataView, TableDir, TableMeta

HISTORY_DIR = "wijzigingen"  #: next to the dated folders: every run's report, kept
NOT_EXPORTED = "nothing exported; the last export stays in place"


@dataclass
class ExportSettings:
    out: Path | None = None
    fmt: str = "xlsx"
    charts: bool = True
    regions: list[str] | None = None
    today: date | None = None


@dataclass
class UpdateResult:
    run_id: str
    fetch: FetchReport
    previous: Mapping[str, Any] | None  #: the last export before this run
    export: ExportResult | None = None  #: None: nothing changed, nothing exported
    report: ChangeReport | None = None
    report_files: list[Path] = field(default_factory=list)
    latest: Path | None = None


def update(
    settings: Settings,
    log: RunLog,
    export: ExportSettings | None = None,
    force: bool = False,
    on_start: Callable[[list[str]], None] | None = None,
    on_table_done: ProgressHook | None = None,
) -> UpdateResult:
    """Fetch, and export when anything changed since the last export (or when forced)."""
    log.event(f"update start: store {settings.data_dir}, catalogue {settings.catalog_path}")
    try:
        result = _update(settings, log, export or ExportSettings(), force, on_start, on_table_done)
    except BwmonitorError as error:
        log.event(f"update failed, exit {error.exit_code}: {error}")
        raise
    except BaseException as error:
        log.event(f"update failed: {type(error).__name__}: {error}")
        raise
    log.event("update done, exit 0")
    return result


def _update(
    settings: Settings,
    log: RunLog,
    export: ExportSettings,
    force: bool,
    on_start: Callable[[list[str]], None] | None,
    on_table_done: ProgressHook | None,
) -> UpdateResult:
    catalog = load_catalog(settings)
    if export.regions:  # a wrong region is refused before CBS is asked anything
        resolve_regions(region_registry(catalog, data_view(settings)), export.regions)
    with store_lock(settings.data_dir):
        fetched = fetch_locked(settings, catalog, force, on_table_done, on_start)
        for outcome in fetched.outcomes:
            log.event(_outcome_line(outcome))
            for notice in outcome.notices:
                log.event(notice)
        for warning in fetched.warnings:
            log.event(f"warning: {warning}")
        if fetched.failures:
            raise FetchFailed(fetched.failures, hint=NOT_EXPORTED)
        if fetched.problems:
            problems = [("", CbsTableChanged(p)) for p in fetched.problems]
            raise FetchFailed(problems, hint=NOT_EXPORTED)

        store = TableDir(settings.data_dir)
        table_ids = [r.table_id for r in catalog.table_requests()]
        versions = baseline.current_versions(store, table_ids)
        _check_readable(store, table_ids)  # never "no changes" over a broken store
        inputs = inputs_digest(catalog)
        previous = baseline.load(settings.data_dir)
        result = UpdateResult(log.run_id, fetched, previous.state if previous else None)
        reason = _reason(previous, versions, inputs, force, export.out)
        if reason is None:
            log.event("no changes since the last export; nothing exported")
            return result

        # every export of update stays: a second one on the same day goes to <date>-2
        target = export_folder(export.out, export.today)
        report = ChangeReport(
            log.run_id, utc_now(), str(target), reason, result.previous, tables=[]
        )

        def add_report(folder: Path, data: MonitorData) -> None:
            _compare_with_baseline(report, previous, store, table_ids, data)
            change_report.write(folder, report, data.catalog, data.registry)

        result.export = export_monitor(
            settings,
            out=export.out,
            fmt=export.fmt,
            charts=export.charts,
            regions=export.regions,
            add_files=add_report,
            folder=target,
        )
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
        baseline.save(settings.data_dir, store, table_ids, state)
        return result


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


def _last_export_in_place(previous: baseline.Baseline, out: Path | None) -> bool:
    """Whether the last export's folder lies under this run's --out and still holds its
    main file (the workbook, or the CSV or Parquet table): the user may have removed it,
    or asked for a new --out, and "no changes" would then leave them with nothing."""
    folder = Path(str(previous.state.get("folder") or ""))
    if not folder.name or folder.parent.resolve() != (out or DEFAULT_EXPORT_ROOT).resolve():
        return False
    return any(path.is_file() for path in folder.glob(f"{EXPORT_NAME}.*"))


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
) -> None:
    """Fill the report: tables that changed, new periods, revised figures."""
    now = _metas(store, table_ids)
    if previous is None:
        report.tables = changes.table_changes({}, now)
        return
    report.tables = changes.table_changes(_metas(previous.tables, table_ids), now)
    try:
        before = observe(data.catalog, DataView(previous.tables, use_snapshot=False), data.registry)
    except BwmonitorError as error:
        report.revisions_unavailable = f"de vorige export is niet te lezen ({error})"
        return
    report.new_periods, report.revisions = changes.figure_changes(
        before.frame, data.observations.frame
    )


def _metas(tables: TableDir, table_ids: list[str]) -> dict[str, TableMeta]:
    found = {table_id: tables.meta(table_id) for table_id in table_ids}
    return {table_id: meta for table_id, meta in found.items() if meta is not None}


def inputs_digest(catalog: Catalog) -> str:
    """A digest of the user's own inputs: the catalogue and its local CSV files."""
    sha = hashlib.sha256()
    paths = [Path(catalog.path)] + [
        s.csv_path for s in catalog.sources.values() if s.csv_path is not None
    ]
    for path in paths:
        sha.update(str(path).encode("utf-8"))
        try:
            sha.update(path.read_bytes())
        except OSError:
            sha.update(b"(unreadable)")
    return sha.hexdigest()[:16]


def _outcome_line(outcome: TableOutcome) -> str:
    text = f"fetch {outcome.table_id} {outcome.status}"
    if outcome.status == "updated":
        text += f" (CBS Modified {outcome.previous_modified or 'none'} -> {outcome.modified})"
    if outcome.error is not None:
        text += f": {outcome.error}"
    return text
