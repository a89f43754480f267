"""The Python API: `Monitor`, what a notebook calls and what every CLI command calls.

Each method is one step of the monitor (fetch, observe, compare, export, update, the
catalogue's checks) and calls one pipeline function; no method calls another step on
its own. Defaults live here, not in the CLI. Data comes back as polars DataFrames with
the schemas in `bwmonitor.frames` (docs/api.md); everything else as plain records.

Heavy libraries (polars, cbsodata, requests, matplotlib, xlsxwriter) are imported in
the methods that need them, so `import bwmonitor` stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bwmonitor.core.settings import Settings, resolve

if TYPE_CHECKING:
    import polars as pl

    from bwmonitor.compute.catalog_checks import MetadataReport
    from bwmonitor.core.catalog import Catalog
    from bwmonitor.core.regions import Region
    from bwmonitor.fetch.report import FetchProgress, FetchReport
    from bwmonitor.pipeline.results import (
        ComparisonResult,
        ExportResult,
        IndicatorDetail,
        TableInUse,
        UpdateResult,
    )
    from bwmonitor.store.views import TableExtract

#: what a region is compared with when no benchmarks are named
DEFAULT_BENCHMARKS = ("drenthe", "nederland")

Names = str | Sequence[str] | None  #: one name, several, or comma-separated ones


class Monitor:
    """The Monitor Brede Welvaart on one catalogue and one store.

    `catalog`: the indicator catalogue (default: $BWMONITOR_CATALOG, else
    ./indicators.toml if present, else the shipped one). `data_dir`: the store of
    fetched CBS tables (default: $BWMONITOR_DATA_DIR, else the user data folder).
    `fetch_deadline`: seconds a fetch may take in all (default: 900, or
    $BWMONITOR_FETCH_DEADLINE). `cbs_api`: the road to CBS, "v3", "v4" or "auto"
    (default: $BWMONITOR_CBS_API, else auto; see docs/data.md). The same defaults as
    the command line.
    """

    def __init__(
        self,
        catalog: str | Path | None = None,
        data_dir: str | Path | None = None,
        *,
        fetch_deadline: float | None = None,
        cbs_api: str | None = None,
    ) -> None:
        self.settings: Settings = resolve(
            data_dir=Path(data_dir) if data_dir is not None else None,
            catalog=Path(catalog) if catalog is not None else None,
            fetch_deadline=fetch_deadline,
            cbs_api=cbs_api,
        )

    def __repr__(self) -> str:
        catalog = self.settings.catalog_path or "shipped catalogue"
        return f"Monitor(catalog={str(catalog)!r}, data_dir={str(self.settings.data_dir)!r})"

    def fetch(self, force: bool = False, progress: FetchProgress | None = None) -> FetchReport:
        """Bring the catalogue's CBS tables into the store, downloading only tables CBS
        changed (all with `force`). `progress` receives a `FetchStarted`, then each
        table's `TableOutcome` as it is done."""
        from bwmonitor.pipeline.fetching import fetch

        return fetch(self.settings, force=force, progress=progress)

    def update(
        self,
        out: str | Path | None = None,
        format: str = "xlsx",
        charts: bool = True,
        regions: Names = None,
        excel: bool = False,
        force: bool = False,
        log_file: str | Path | None = None,
        progress: FetchProgress | None = None,
        today: date | None = None,
    ) -> UpdateResult:
        """What cron runs: fetch, and when the data changed since the last export,
        export into a new dated folder under `out`, point `latest` at it and write a
        change report. `log_file` gets one line per step."""
        from bwmonitor.pipeline.runlog import RunLog, new_run_id
        from bwmonitor.pipeline.update import ExportSettings, update

        export = ExportSettings(
            out=_path(out),
            fmt=format,
            charts=charts,
            regions=_names(regions),
            today=today,
            excel=excel,
        )
        with RunLog(_path(log_file), new_run_id()) as log:
            return update(self.settings, log, export, force, progress)

    def observations(self) -> pl.DataFrame:
        """Every indicator's values for every region and period the data allows, one
        row per indicator, region and period (schema: docs/api.md)."""
        from bwmonitor import frames
        from bwmonitor.pipeline.monitor_data import monitor_data

        data = monitor_data(self.settings)
        return frames.observations(data.observations.frame, data.catalog, data.registry)

    def compare(
        self,
        regions: Names,
        benchmarks: Names = None,
        year: int | None = None,
        theme: Names = None,
        indicator: Names = None,
        trend_window: int | None = None,
    ) -> pl.DataFrame:
        """`regions` against `benchmarks` (default: Drenthe and Nederland), one row per
        indicator and region: the fields of `bwmonitor compare --format json`. For one
        municipality a benchmark may also be "peers" or "nearest:10" (similar
        municipalities, docs/compare.md). `trend_window`: the trend's calendar years up
        to the shown year (default, as CBS's monitors: 8)."""
        from bwmonitor import frames

        result = self.comparison(regions, benchmarks, year, theme, indicator, trend_window)
        return frames.comparison(result.comparison)

    def comparison(
        self,
        regions: Names,
        benchmarks: Names = None,
        year: int | None = None,
        theme: Names = None,
        indicator: Names = None,
        trend_window: int | None = None,
    ) -> ComparisonResult:
        """`compare` as records, with the regions and the tables read: what the
        terminal table is drawn from."""
        from bwmonitor.pipeline.comparing import compare_regions

        return compare_regions(
            self.settings,
            regions=_names(regions),
            benchmarks=list(DEFAULT_BENCHMARKS) if benchmarks is None else _names(benchmarks),
            year=year,
            themes=_names(theme),
            indicators=_names(indicator),
            trend_window=trend_window,
        )

    def export(
        self,
        out: str | Path | None = None,
        format: str = "xlsx",
        charts: bool = True,
        regions: Names = None,
        excel: bool = False,
    ) -> ExportResult:
        """The publication tables (xlsx workbook, or the long table as csv or parquet)
        and the charts, in a new dated folder under `out` (default:
        ./bwmonitor-export). `regions`: the overview's (default: noord, zuidwest,
        zuidoost). InvalidInput for an unknown format."""
        from bwmonitor.pipeline.exporting import export_monitor

        return export_monitor(
            self.settings,
            out=_path(out),
            fmt=format,
            charts=charts,
            regions=_names(regions),
            excel=excel,
        )

    def tables(self) -> list[TableInUse]:
        """The CBS tables the catalogue reads, each with the version compare would read
        (None: neither fetched nor in the snapshot)."""
        from bwmonitor.pipeline.monitor_data import tables_in_use

        return tables_in_use(self.settings)

    def regions(self, all_municipalities: bool = False) -> list[Region]:
        """The known regions: COROP regions, province, country, the catalogue's own, and
        Drenthe's municipalities (every Dutch one with `all_municipalities`)."""
        from bwmonitor.pipeline.monitor_data import known_regions

        return known_regions(self.settings, all_municipalities)

    def load_catalog(self) -> Catalog:
        """The catalogue, validated (CatalogInvalid lists every problem)."""
        from bwmonitor.pipeline.monitor_data import load_catalog

        return load_catalog(self.settings)

    def check_catalog(self, online: bool = False) -> tuple[Catalog, MetadataReport]:
        """The catalogue on its own and against CBS's metadata (the store's, or CBS's
        live metadata with `online`). CatalogInvalid lists every problem."""
        from bwmonitor.pipeline.checking import check_catalog

        return check_catalog(self.settings, online=online)

    def indicator(self, indicator_id: str) -> IndicatorDetail:
        """One indicator: its definition, source, aggregation and periods in the data."""
        from bwmonitor.pipeline.indicator_detail import indicator_detail
        from bwmonitor.pipeline.monitor_data import monitor_data

        return indicator_detail(monitor_data(self.settings), indicator_id)

    def extract(
        self, table_id: str, measures: Sequence[str] = (), period: str | None = None
    ) -> TableExtract:
        """A stored table's values for Drenthe's municipalities, COROP regions, province
        and NL (default: every stored measure, the latest period)."""
        from bwmonitor.pipeline.monitor_data import data_view
        from bwmonitor.store.views import extract_drenthe

        return extract_drenthe(data_view(self.settings), table_id, measures, period)


def _names(names: Names) -> list[str]:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _path(path: str | Path | None) -> Path | None:
    return Path(path) if path is not None else None
