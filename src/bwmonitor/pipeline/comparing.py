"""`compare`: a region against its benchmarks, from the monitor's data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bwmonitor.compute.comparison import BenchmarkValue, Comparison, ComparisonRow, compare
from bwmonitor.compute.peers import (
    PEERS,
    GroupValues,
    PeerGroup,
    PeerRequest,
    classes_year,
    groups_values,
    nearest_peers,
    no_value_reason,
    peer_request,
    same_class_peers,
)
from bwmonitor.compute.trend import TREND_WINDOW
from bwmonitor.core.catalog import Catalog, Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.periods import year_code
from bwmonitor.core.regions import Level, Region, municipality_classes
from bwmonitor.core.settings import Settings
from bwmonitor.pipeline.monitor_data import data_used, monitor_data
from bwmonitor.pipeline.results import ComparisonResult
from bwmonitor.pipeline.selection import resolve_regions, select_indicators

if TYPE_CHECKING:
    import polars as pl


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
    names, requests = split_benchmarks(benchmarks)
    others = [r for r in resolve_regions(data.registry, names, "--with") if r not in focus]
    selected = select_indicators(data.catalog, themes or [], indicators or [])
    observations = data.observations.frame
    groups = [peer_group(request, focus, observations, year) for request in requests]
    comparison = compare_with_groups(
        observations,
        data.catalog,
        focus,
        others,
        groups,
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


def compare_with_groups(
    observations: pl.DataFrame,
    catalog: Catalog,
    focus: list[Region],
    others: list[Region],
    groups: list[PeerGroup],
    selected: list[Indicator],
    year: int | None = None,
    gaps: dict[str, list[str]] | None = None,
    window: int = TREND_WINDOW,
    values: Sequence[GroupValues] | None = None,
) -> Comparison:
    """`focus` against the regions `others` and the peer `groups`, each group's mean a
    benchmark like any region's (`compare`), with its counts (`with_group_counts`).
    `compare` and the HTML report's municipality pages both compare this way. `values`:
    the groups' `groups_values` when the caller computed them (for many groups at once)."""
    if values is None:
        values = groups_values(observations, catalog, selected, groups)
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for group, (rows, counted) in zip(groups, values, strict=True):
        # the group's values join the observations under its code, so that compare
        # treats it as any benchmark (years, differences, shares)
        counts[group.code] = counted
        observations = observations.vstack(rows)
    comparison = compare(
        observations,
        catalog,
        focus,
        [*others, *(group.as_region() for group in groups)],
        selected,
        year=year,
        gaps=gaps,
        window=window,
    )
    if groups:
        comparison = with_group_counts(comparison, groups, counts)
    return comparison


def split_benchmarks(benchmarks: list[str]) -> tuple[list[str], list[PeerRequest]]:
    """The names of regions, and the peer groups asked for ('peers', 'nearest:10')."""
    names: list[str] = []
    requests: list[PeerRequest] = []
    for name in (part for text in benchmarks for part in text.split(",")):
        request = peer_request(name)
        if request is None:
            names.append(name)
        elif request not in requests:
            requests.append(request)
    if benchmarks and not names and not requests:
        names = benchmarks  # let resolve_regions say that they name no region
    return names, requests


def peer_group(
    request: PeerRequest, focus: list[Region], observations: pl.DataFrame, year: int | None
) -> PeerGroup:
    """The group a request forms around the one focus municipality; InvalidInput for
    another focus (a peer group belongs to one municipality)."""
    if len(focus) != 1 or focus[0].level is not Level.MUNICIPALITY:
        shown = ", ".join(region.name for region in focus)
        raise InvalidInput(
            f"--with {request.code} compares one municipality with similar ones, not {shown}",
            hint="e.g. bwmonitor compare --region emmen --with peers",
        )
    classes = municipality_classes()
    if request.rule == PEERS:
        return same_class_peers(classes, focus[0].code, classes_year(classes, year))
    return nearest_peers(observations, classes, focus[0].code, request.k)


def with_group_counts(
    comparison: Comparison,
    groups: list[PeerGroup],
    counts: dict[str, dict[tuple[str, str], int]],
) -> Comparison:
    """The records with each peer group's size, its members with a value in the year
    shown, why it has no value, and the group itself."""
    by_code = {group.code: group for group in groups}
    by_id = {indicator.id: indicator for indicator in comparison.indicators}

    def counted(record: ComparisonRow, benchmark: BenchmarkValue) -> BenchmarkValue:
        group = by_code.get(benchmark.region)
        if group is None:
            return benchmark
        indicator: Indicator = by_id[record.indicator]
        period = year_code(record.period) if record.period else ""
        with_value = counts[group.code].get((record.indicator, period), 0)
        reason = None
        if benchmark.value is None:
            reason = no_value_reason(indicator, group, with_value, record.period or "")
        return replace(
            benchmark,
            members=len(group.members),
            members_with_value=with_value,
            reason=reason,
            group=group.as_json(),
        )

    records = [
        replace(record, benchmarks=tuple(counted(record, b) for b in record.benchmarks))
        for record in comparison.records
    ]
    return replace(comparison, records=records)
