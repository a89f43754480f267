"""Catalogue x stored tables -> observations: one value per indicator, region and period.

Published CBS values come first. A COROP region, the province, the Netherlands or a
custom region without a published value gets one computed from its member
municipalities by the indicator's rule (see `aggregation.py`), only when every member
has a figure; derived ratios are computed at every level from their numerator and
denominator. Every value that bwmonitor computed is marked `computed`, with the rule in
`rule`.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bwmonitor.compute import aggregation
from bwmonitor.core.catalog import Catalog, Indicator, Source
from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.measures import resolve_measure
from bwmonitor.core.periods import local_period, table_period, year_code
from bwmonitor.core.regions import (
    NETHERLANDS,
    NETHERLANDS_KWB,
    RegionRegistry,
    SameArea,
    below_municipality_codes,
    canonical_code,
    municipality_codes,
    same_areas,
)
from bwmonitor.store.tables import DataView

if TYPE_CHECKING:
    import polars as pl

#: the words of a gap the shipped snapshot has and a fetch fills
NOT_IN_SNAPSHOT = "niet in de snapshot"
COLUMNS = ("indicator", "region", "period", "value", "status", "source", "computed", "rule")


def schema() -> dict[str, pl.DataType]:
    import polars as pl

    return {
        "indicator": pl.String(),
        "region": pl.String(),
        "period": pl.String(),
        "value": pl.Float64(),
        "status": pl.String(),
        "source": pl.String(),
        "computed": pl.Boolean(),
        "rule": pl.String(),
    }


@dataclass
class Observations:
    """The observations of a catalogue, and why some indicators have none."""

    frame: pl.DataFrame
    #: indicator id -> reasons it lacks values (table not stored, measure missing, ...)
    gaps: dict[str, list[str]] = field(default_factory=dict)
    #: table ids read, for footers and source lists
    tables: set[str] = field(default_factory=set)


def observe(catalog: Catalog, view: DataView, registry: RegionRegistry) -> Observations:
    """Every indicator's values for every region and period the data allows."""
    import polars as pl

    result = Observations(pl.DataFrame(schema=schema()))
    published: dict[str, pl.DataFrame] = {}
    for indicator in catalog.indicators.values():
        if indicator.is_derived:
            continue
        source = catalog.sources[indicator.source or ""]
        parts = list(_source_frames(indicator, source, view, result))
        frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema())
        published[indicator.id] = with_same_areas(
            frame.with_columns(pl.col("region").replace(NETHERLANDS_KWB, NETHERLANDS))
        )
    complete: dict[str, pl.DataFrame] = {}
    for indicator_id in _dependency_order(catalog):
        indicator = catalog.indicators[indicator_id]
        if indicator.ratio is not None:
            complete[indicator_id] = aggregation.derive_ratio(indicator, complete)
        elif indicator.difference is not None:
            complete[indicator_id] = aggregation.derive_difference(indicator, complete)
        else:
            weights = [catalog.indicators[w] for w in indicator.weights]
            complete[indicator_id] = aggregation.fill_regions(
                indicator, published[indicator_id], complete, registry, weights
            )
    frames = [f for f in complete.values() if f.height]
    if frames:
        result.frame = pl.concat(frames).sort("indicator", "region", "period")
    return result


def same_area_rule(area: SameArea) -> str:
    """How a reader learns which figure a region shows: CBS's own, for another division."""
    same = f"hetzelfde gebied: dezelfde {area.size} gemeenten"
    return f"{aggregation.SAME_AREA_PREFIX}{area.name} ({same})"


def with_same_areas(published: pl.DataFrame) -> pl.DataFrame:
    """CBS's figure for a GGD region that covers exactly a province or COROP region
    (GGD Drenthe: Drenthe's twelve) becomes that region's figure, where the table has none
    of its own: CBS's figure for the area is preferred over one computed from the
    municipalities. It stays CBS's (not computed); its rule says where it comes from."""
    import polars as pl

    areas = [a for a in same_areas() if a.code in set(published["region"].unique())]
    if not areas:
        return published
    copies = pl.concat(
        published.filter(pl.col("region") == area.code).with_columns(
            pl.lit(area.region).alias("region"), pl.lit(same_area_rule(area)).alias("rule")
        )
        for area in areas
    ).join(published, on=["region", "period"], how="anti")
    return pl.concat([published, copies.filter(pl.col("value").is_not_null())])


def _source_frames(
    indicator: Indicator, source: Source, view: DataView, result: Observations
) -> Iterator[pl.DataFrame]:
    if source.csv_path is not None:
        yield _csv_frame(indicator, source.csv_path, result)
        return
    for label, table_id in source.tables:
        frame = _table_frame(indicator, source, label, table_id, view, result)
        if frame is not None:
            yield frame


def _table_frame(
    indicator: Indicator,
    source: Source,
    label: str,
    table_id: str,
    view: DataView,
    result: Observations,
) -> pl.DataFrame | None:
    import polars as pl

    stored = view.table(table_id)
    if stored is None:
        result.gaps.setdefault(indicator.id, []).append(
            f"tabel {table_id} is niet opgehaald en {NOT_IN_SNAPSHOT}"
        )
        return None
    meta = stored.meta
    measure = indicator.measure_for(label) or ""  # the year's stem where CBS renamed it
    try:
        key = resolve_measure(measure, meta.measures, table_id, source.is_series)
    except CbsTableChanged:
        where = NOT_IN_SNAPSHOT if meta.origin == "snapshot" else "niet in de opgeslagen tabel"
        result.gaps.setdefault(indicator.id, []).append(f"{measure} van {table_id} {where}")
        return None
    region_dim, time_dim = meta.region_dimension, meta.time_dimension
    if region_dim is None:
        result.gaps.setdefault(indicator.id, []).append(f"table {table_id} has no regions")
        return None
    # one year per table (KWB): the series' label, else TableInfos' Period
    single_year = year_code(label) if label else table_period(meta.period)
    if time_dim is None and single_year is None:
        result.gaps.setdefault(indicator.id, []).append(
            f"table {table_id} has no Perioden dimension and no year in its TableInfos "
            "(fetch it again with `bwmonitor fetch --force`, or name its year in a series)"
        )
        return None
    result.tables.add(table_id)
    frame = view.frame(table_id)
    assert frame is not None
    # districts and neighbourhoods (WK, BU) are not compared; keeping them only costs
    frame = frame.filter(~below_municipality_codes(region_dim))
    for dim, code in indicator.filters.items():
        if dim in frame.columns:
            frame = frame.filter(pl.col(dim) == code)
    period = pl.col(time_dim) if time_dim else pl.lit(single_year)
    status = meta.period_status()
    measures = [m for m in meta.measures if m in frame.columns]
    if indicator.sum_over:
        missing = missing_codes(frame, indicator.sum_over)
        if missing:
            where = NOT_IN_SNAPSHOT if meta.origin == "snapshot" else "niet in de opgeslagen tabel"
            result.gaps.setdefault(indicator.id, []).append(f"{missing} van {table_id} {where}")
            return None
        keys = [c for c in (region_dim, time_dim) if c]
        frame = add_up(frame, indicator.sum_over, key, measures, keys)
        measures = [key, ANY_FIGURE]
    # A municipality with a row that has some figure belongs to the table's year even
    # when this measure is empty: it is kept (without a value) so that a Netherlands
    # total knows it would be incomplete. Rows with no figure at all are municipalities
    # of other years (CBS's multi-year tables list every code for every period).
    listed = municipality_codes(region_dim) & pl.any_horizontal(
        [pl.col(m).is_not_null() for m in measures] or [pl.lit(False)]
    )
    return frame.filter(pl.col(key).is_not_null() | listed).select(
        pl.lit(indicator.id).alias("indicator"),
        pl.col(region_dim).alias("region"),
        period.alias("period"),
        pl.col(key).cast(pl.Float64).alias("value"),
        period.replace_strict(status, default="", return_dtype=pl.String).alias("status")
        if status
        else pl.lit("").alias("status"),
        pl.lit(table_id).alias("source"),
        pl.lit(False).alias("computed"),
        pl.lit(None, dtype=pl.String).alias("rule"),
    )


#: after `add_up`: 1 where some row of the group had any figure (the "listed" test)
ANY_FIGURE = "_any_figure"


def missing_codes(frame: pl.DataFrame, sum_over: Mapping[str, tuple[str, ...]]) -> str | None:
    """The codes a sum needs that the stored table has no rows for, as a reader reads
    them ("Leeftijd 11800 ... 22300 (88 codes)"); None: all are there."""
    missing = []
    for dim, codes in sum_over.items():
        present = set(frame[dim].unique().to_list()) if dim in frame.columns else set()
        absent = [code for code in codes if code not in present]
        if len(absent) == 1:
            missing.append(f"{dim} {absent[0]}")
        elif absent:
            missing.append(f"{dim} {absent[0]} … {absent[-1]} ({len(absent)} codes)")
    return "; ".join(missing) or None


def add_up(
    frame: pl.DataFrame,
    sum_over: Mapping[str, tuple[str, ...]],
    key: str,
    measures: list[str],
    keys: list[str],
) -> pl.DataFrame:
    """One row per region (and period): the sum of `key` over the rows of the codes in
    `sum_over`, only where every one of those rows has a figure (ages 18 and over lack
    a value when one year of age is secret, never a partial count)."""
    import polars as pl

    rows = math.prod(len(codes) for codes in sum_over.values())
    chosen = frame.filter(pl.all_horizontal(pl.col(d).is_in(c) for d, c in sum_over.items()))
    has_figure = pl.any_horizontal([pl.col(m).is_not_null() for m in measures] or [False])
    return chosen.group_by(keys).agg(
        pl.when(pl.col(key).count() == rows).then(pl.col(key).sum()).alias(key),
        pl.when(has_figure.any()).then(pl.lit(1)).alias(ANY_FIGURE),
    )


def _csv_frame(indicator: Indicator, path: Path, result: Observations) -> pl.DataFrame:
    """A local CSV (region_code, period, value[, status]) for figures CBS does not have."""
    import polars as pl

    records, problems = read_local_csv(path)
    result.gaps.setdefault(indicator.id, []).extend(problems)
    rows = [
        {**record, "indicator": indicator.id, "source": path.name, "computed": False, "rule": None}
        for record in records
    ]
    return pl.DataFrame(rows, schema=schema()) if rows else pl.DataFrame(schema=schema())


CSV_COLUMNS = ("region_code", "period", "value")


def read_local_csv(
    path: Path, known_regions: Container[str] | None = None
) -> tuple[list[dict[str, object]], list[str]]:
    """Rows of a local CSV source as (region, period, value, status), and its problems.

    A period is a year ('2023', or CBS's '2023JJ00') or a span of years ('2018-2021');
    with `known_regions`, a region code outside it is a problem too. Rows with a problem
    are left out. Empty values are figures that do not exist (e.g. not published), not
    zeros.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                return [], [f"{path}: missing column(s) {', '.join(missing)}"]
            rows = list(reader)
    except (OSError, UnicodeDecodeError) as error:
        return [], [f"cannot read {path}: {getattr(error, 'strerror', None) or error}"]
    records: list[dict[str, object]] = []
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        found = _row_problems(row, known_regions)
        problems += [f"{path}, line {line}: {problem}" for problem in found]
        text = (row.get("value") or "").strip().replace(",", ".")
        if found or not text:
            continue
        try:
            value = float(text)
        except ValueError:
            problems.append(f"{path}, line {line}: value {row.get('value')!r} is not a number")
            continue
        records.append(
            {
                "region": canonical_code((row.get("region_code") or "").strip()),
                "period": local_period(row.get("period") or ""),
                "value": value,
                "status": (row.get("status") or "").strip(),
            }
        )
    return records, problems


def _row_problems(row: Mapping[str, str | None], known_regions: Container[str] | None) -> list[str]:
    problems = []
    code = canonical_code((row.get("region_code") or "").strip())
    if known_regions is not None and code not in known_regions:
        problems.append(f"unknown region code {code!r}")
    period = row.get("period") or ""
    if local_period(period) is None:
        problems.append(f"period {period!r} is not a year (2023) or a span of years (2018-2021)")
    return problems


def _dependency_order(catalog: Catalog) -> list[str]:
    """Indicators after the ones they are computed from (weights, numerators)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(indicator_id: str) -> None:
        if indicator_id in seen:
            return
        seen.add(indicator_id)
        indicator = catalog.indicators[indicator_id]
        for dependency in indicator.dependencies:
            visit(dependency)
        order.append(indicator_id)

    for indicator_id in catalog.indicators:
        visit(indicator_id)
    return order
