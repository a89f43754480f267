"""`compare`: a region against its benchmarks, from the monitor's data."""

from __future__ import annotations

from bwmonitor.compute.comparison import compare
from bwmonitor.compute.trend import TREND_WINDOW
from bwmonitor.core.settings import Settings
from bwmonitor.pipeline.monitor_data import data_used, monitor_data
from bwmonitor.pipeline.results import ComparisonResult
from bwmonitor.pipeline.selection import resolve_regions, select_indicators


def compare_regions(
    settings: Settings,
    regions: list[str],
    benchmarks: list[str],
    year: int | None = None,
    themes: list[str] | None = None,
    indicators: list[str] | None = None,
    trend_window: int | None = None,
) -> ComparisonResult:
    """Resolve the names, select the indicators, compare; with the tables it read."""
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
        window=TREND_WINDOW if trend_window is None else trend_window,
    )
    tables = {
        table_id.strip()
        for record in comparison.records
        for source in [record.source, *(b.source for b in record.benchmarks)]
        if source
        for table_id in source.split(",")
    }
    return ComparisonResult(comparison, data_used(data.view, tables))
