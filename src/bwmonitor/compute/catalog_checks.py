"""Second stage of catalogue validation: against CBS metadata, stored or live.

The first stage (catalog.py) needs only the TOML. This one asks, for every indicator,
whether each of its tables has the measure, whether the dimension codes it filters on
exist, whether a dimension with several codes is left unchosen, and whether a series
keeps its unit across years; and notes decimals the catalogue shows that CBS does not
publish. Offline it reads the metadata in the store and the
snapshot; a table in neither cannot be checked and gets a notice (not a warning).
`catalog check --online` runs the same rules on CBS's live metadata
(`fetch.download.metadata_from_cbs`).
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field

from bwmonitor.compute.observations import read_local_csv
from bwmonitor.core.catalog import Catalog, Indicator, Source
from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.measures import DIMENSION_TYPES, REGION_TYPES, resolve_measure
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.store.tables import DataView, TableMeta


@dataclass
class MetadataReport:
    problems: list[str] = field(default_factory=list)  #: the catalogue cannot be used
    warnings: list[str] = field(default_factory=list)  #: e.g. one year of a series lacks a measure
    #: worth knowing, never a fault: e.g. a table that could not be checked offline
    notices: list[str] = field(default_factory=list)
    unchecked_tables: set[str] = field(default_factory=set)
    #: with --online: how many tables and (table, measure) pairs CBS confirmed
    verified_tables: int | None = None
    verified_measures: int = 0


MetaLookup = Callable[[str], TableMeta | None]


def check_against_metadata(catalog: Catalog, view: DataView) -> MetadataReport:
    """The catalogue against the metadata in the store and the snapshot (offline)."""

    def stored(table_id: str) -> TableMeta | None:
        found = view.table(table_id)
        return found.meta if found is not None else None

    report = check_with(catalog, stored)
    report.notices += [
        f"{table_id} not checked: neither fetched nor in the snapshot "
        "(`bwmonitor catalog check --online` or `bwmonitor fetch` checks it against CBS)"
        for table_id in sorted(report.unchecked_tables)
    ]
    return report


def check_against_cbs(catalog: Catalog, live: Mapping[str, TableMeta]) -> MetadataReport:
    """The catalogue against CBS's live metadata (`metadata_from_cbs` per table); tables
    missing from `live` are the caller's to report (CBS does not know them)."""
    report = check_with(catalog, live.get)
    report.verified_tables = len(live)
    report.verified_measures = sum(
        len(r.measures) for r in catalog.table_requests() if r.table_id in live
    )
    return report


def check_with(catalog: Catalog, lookup: MetaLookup) -> MetadataReport:
    """Every rule, against the metadata `lookup` gives per table (None: unknown)."""
    report = MetadataReport()
    for indicator in catalog.indicators.values():
        source = catalog.sources.get(indicator.source or "")
        if source is not None and source.csv_path is not None:
            continue  # check_csv_sources, which knows the regions
        if source is None or indicator.measure is None:
            continue
        units: dict[str, str] = {}
        for label, table_id in source.tables:
            meta = lookup(table_id)
            if meta is None:
                report.unchecked_tables.add(table_id)
                continue
            for problem in _check_table(indicator, source, label, meta):
                target = report.warnings if source.is_series else report.problems
                target.append(f"indicators.{indicator.id}: {problem}")
            unit = _unit_of(indicator, source, label, meta)
            if unit is not None:
                units[table_id] = unit
        report.notices += _decimals_notices(indicator, source, lookup)
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


def _check_table(
    indicator: Indicator, source: Source, label: str, meta: TableMeta
) -> Iterator[str]:
    table_measures = meta.table_measures
    if table_measures:  # the table's full DataProperties are known
        try:
            # the year's own stem where CBS renamed the measure (measure_by_year)
            resolve_measure(
                indicator.measure_for(label) or "",
                table_measures,
                meta.table_id,
                source.is_series,
                titles=table_measures,  # key -> CBS's title
            )
        except CbsTableChanged as problem:
            yield problem.message
    dimensions = meta.dimensions
    for dim, codes in indicator.wanted_codes.items():
        if dim not in dimensions:
            yield f"{meta.table_id} has no dimension {dim!r}{did_you_mean(dim, dimensions)}"
            continue
        labels = dimensions[dim].get("labels", {})
        for code in codes:
            if code not in labels:
                yield (
                    f"{meta.table_id} has no code {code!r} in dimension {dim}"
                    f"{did_you_mean(code, labels)}"
                )
    for dim, info in dimensions.items():
        if info.get("type") in (*REGION_TYPES, "TimeDimension"):
            continue
        codes = info.get("labels", {})
        if dim not in indicator.wanted_codes and len(codes) > 1:
            choices = ", ".join(f"{c} ({t})" for c, t in list(codes.items())[:5])
            yield f"{meta.table_id} has several {dim} codes; choose one in filters: {choices}"


def _unit_of(indicator: Indicator, source: Source, label: str, meta: TableMeta) -> str | None:
    try:
        key = resolve_measure(
            indicator.measure_for(label) or "", meta.measures, meta.table_id, source.is_series
        )
    except CbsTableChanged:
        return None
    return str(meta.measures[key].get("unit", ""))


def _decimals_notices(indicator: Indicator, source: Source, lookup: MetaLookup) -> list[str]:
    """A notice where the catalogue shows more decimals than CBS publishes the measure
    with (DataProperties' Decimals): a '64,0%' whose 0 CBS never published."""
    fewer = []
    for _, table_id in source.tables:
        meta = lookup(table_id)
        if meta is None:
            continue
        try:
            key = resolve_measure(
                indicator.measure or "", meta.measures, meta.table_id, source.is_series
            )
        except CbsTableChanged:
            continue  # reported by the measure check
        published = meta.measures[key].get("decimals")
        if isinstance(published, int) and indicator.decimals > published:
            fewer.append(f"{key} of {table_id} with {published}")
    if not fewer:
        return []
    return [
        f"indicators.{indicator.id}: decimals = {indicator.decimals}, but CBS publishes "
        + "; ".join(fewer)
    ]


def wants_codes(filters: Mapping[str, object]) -> Callable[[Mapping[str, object]], bool]:
    """Which dimensions' code lists the checks need: plain dimensions (one code must be
    chosen) and any dimension the catalogue filters on; not the big region lists."""

    def wanted(prop: Mapping[str, object]) -> bool:
        kind = prop.get("Type")
        return kind == "Dimension" or (kind in DIMENSION_TYPES and prop.get("Key") in filters)

    return wanted
