"""Second stage of catalogue validation: against the CBS metadata bwmonitor has stored.

The first stage (catalog.py) needs only the TOML. This one asks, for every indicator,
whether each of its tables has the measure, whether the dimension codes it filters on
exist, whether a dimension with several codes is left unchosen, and whether a series
keeps its unit across years. Tables not yet fetched (nor in the snapshot) cannot be
checked and are listed as such; `bwmonitor fetch` checks them against live metadata.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass, field

from bwmonitor.catalog import Catalog, Indicator, Source
from bwmonitor.download import resolve_measure
from bwmonitor.errors import CbsTableChanged
from bwmonitor.mapping import read_local_csv
from bwmonitor.store import DataView, TableMeta
from bwmonitor.suggest import did_you_mean


@dataclass
class MetadataReport:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchecked_tables: set[str] = field(default_factory=set)


def check_against_metadata(catalog: Catalog, view: DataView) -> MetadataReport:
    report = MetadataReport()
    for indicator in catalog.indicators.values():
        source = catalog.sources.get(indicator.source or "")
        if source is not None and source.csv_path is not None:
            continue  # check_csv_sources, which knows the regions
        if source is None or indicator.measure is None:
            continue
        units: dict[str, str] = {}
        for _, table_id in source.tables:
            stored = view.table(table_id)
            if stored is None:
                report.unchecked_tables.add(table_id)
                continue
            for problem in _check_table(indicator, source, stored.meta):
                target = report.warnings if source.is_series else report.problems
                target.append(f"indicators.{indicator.id}: {problem}")
            unit = _unit_of(indicator, source, stored.meta)
            if unit is not None:
                units[table_id] = unit
        if len(set(units.values())) > 1:
            listed = ", ".join(f"{t}: {u!r}" for t, u in sorted(units.items()))
            report.problems.append(
                f"indicators.{indicator.id}: the unit differs between the tables ({listed})"
            )
    report.problems = list(dict.fromkeys(report.problems))  # a shared source: once
    return report


def check_csv_sources(catalog: Catalog, known_regions: Container[str]) -> list[str]:
    """Every row of every local CSV source: a number, a known region code, and a year
    or span of years as period; each problem with its file and line."""
    problems: list[str] = []
    for source in catalog.sources.values():
        if source.csv_path is not None:
            _, found = read_local_csv(source.csv_path, known_regions)
            problems += [f"sources.{source.id}.csv: {p}" for p in found]
    return problems


def _check_table(indicator: Indicator, source: Source, meta: TableMeta) -> Iterator[str]:
    table_measures = meta.raw.get("table_measures")
    if table_measures:  # the table's full DataProperties are known
        try:
            resolve_measure(
                indicator.measure or "", table_measures, meta.table_id, source.is_series
            )
        except CbsTableChanged as problem:
            yield problem.message
    dimensions = meta.dimensions
    for dim, code in indicator.filters.items():
        if dim not in dimensions:
            yield f"{meta.table_id} has no dimension {dim!r}{did_you_mean(dim, dimensions)}"
        elif code not in dimensions[dim].get("labels", {}):
            labels = dimensions[dim].get("labels", {})
            yield (
                f"{meta.table_id} has no code {code!r} in dimension {dim}"
                f"{did_you_mean(code, labels)}"
            )
    for dim, info in dimensions.items():
        if info.get("type") in ("GeoDimension", "GeoDetail", "TimeDimension"):
            continue
        codes = info.get("labels", {})
        if dim not in indicator.filters and len(codes) > 1:
            choices = ", ".join(f"{c} ({t})" for c, t in list(codes.items())[:5])
            yield f"{meta.table_id} has several {dim} codes; choose one in filters: {choices}"


def _unit_of(indicator: Indicator, source: Source, meta: TableMeta) -> str | None:
    try:
        key = resolve_measure(
            indicator.measure or "", meta.measures, meta.table_id, source.is_series
        )
    except CbsTableChanged:
        return None
    return str(meta.measures[key].get("unit", ""))
