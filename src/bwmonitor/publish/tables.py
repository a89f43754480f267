"""The export's tables, as data: the long table, the regional overview (Tabel 1) with
each region's position at its level, and the overview's summary per region.

Pure functions of the observations: no files, no matplotlib. The workbook, the CSV and
Parquet files and the charts are all drawn from these, so they agree with each other
and with `bwmonitor compare`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bwmonitor.compute.comparison import is_count, shown_years
from bwmonitor.compute.ranking import (
    Standing,
    Summary,
    level_positions,
    municipality_positions,
    summary,
)
from bwmonitor.core.catalog import Catalog, Direction, Indicator
from bwmonitor.core.periods import year_of, year_periods
from bwmonitor.core.regions import (
    COROP_MEMBERS,
    DRENTHE,
    DRENTHE_MUNICIPALITIES,
    NETHERLANDS,
    Level,
    RegionRegistry,
)

if TYPE_CHECKING:
    import polars as pl

# Tabel 1's regions, in the order the province prints them; Drenthe and NL follow.
DEFAULT_FOCUS = ("CR07", "CR09", "CR08")


def overview_columns(focus: Sequence[str] = DEFAULT_FOCUS) -> tuple[str, ...]:
    """The overview's region columns: the focus regions, then Drenthe and Nederland."""
    return tuple(dict.fromkeys([*focus, DRENTHE, NETHERLANDS]))


LONG_COLUMNS = (
    "thema",
    "indicator",
    "titel",
    "eenheid",
    "regio",
    "regionaam",
    "niveau",
    "jaar",
    "waarde",  #: CBS's value, as served: waarde × schaal is the amount in eenheid
    "schaal",
    "status",
    "bron",
    "berekend",
    "regel",
)


def export_regions(registry: RegionRegistry, focus: Sequence[str] = ()) -> list[str]:
    """Drenthe's municipalities, its COROP regions, the province, NL, custom regions, and
    any other region asked for."""
    custom = [r.code for r in registry.regions.values() if r.level is Level.CUSTOM]
    regions = [*DRENTHE_MUNICIPALITIES, *COROP_MEMBERS, DRENTHE, NETHERLANDS, *custom, *focus]
    return list(dict.fromkeys(regions))


def long_table(
    observations: pl.DataFrame,
    catalog: Catalog,
    registry: RegionRegistry,
    indicators: Sequence[Indicator],
    focus: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per indicator, region and year, with Dutch column names, in catalogue order.

    `waarde` is CBS's value; `eenheid` and `schaal` say what it counts (units.py):
    28.4 with eenheid "euro" and schaal 1000 is € 28.400.
    """
    import polars as pl

    regions = export_regions(registry, focus)
    order = {ind.id: i for i, ind in enumerate(indicators)}
    region_order = {code: i for i, code in enumerate(regions)}
    frame = observations.filter(
        pl.col("indicator").is_in(list(order)) & pl.col("region").is_in(regions) & year_periods()
    )
    by_id = {ind.id: ind for ind in indicators}
    return (
        frame.with_columns(
            pl.col("indicator")
            .replace_strict({i: catalog.themes[by_id[i].theme].title for i in order})
            .alias("thema"),
            pl.col("indicator").replace_strict({i: by_id[i].title for i in order}).alias("titel"),
            pl.col("indicator")
            .replace_strict({i: by_id[i].quantity.unit.name for i in order})
            .alias("eenheid"),
            pl.col("indicator")
            .replace_strict({i: by_id[i].quantity.unit.scale for i in order}, return_dtype=pl.Int64)
            .alias("schaal"),
            pl.col("region")
            .replace_strict({c: registry.name_of(c) for c in regions})
            .alias("regionaam"),
            pl.col("region")
            .replace_strict({c: registry.get(c).level.value for c in regions})
            .alias("niveau"),
            year_of().alias("jaar"),
            pl.col("status").replace("", None),
            pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_i"),
            pl.col("region").replace_strict(region_order, return_dtype=pl.Int32).alias("_r"),
        )
        .sort("_i", "_r", "jaar")
        .select(
            "thema",
            "indicator",
            "titel",
            "eenheid",
            pl.col("region").alias("regio"),
            "regionaam",
            "niveau",
            "jaar",
            pl.col("value").alias("waarde"),
            "schaal",
            "status",
            pl.col("source").alias("bron"),
            pl.col("computed").alias("berekend"),
            pl.col("rule").alias("regel"),
        )
    )


@dataclass(frozen=True, slots=True)
class OverviewRow:
    indicator: Indicator
    year: int | None
    cells: tuple[tuple[float | None, str | None, bool], ...]  #: (value, status, computed)


def overview(
    long: pl.DataFrame, indicators: Sequence[Indicator], columns: Sequence[str]
) -> list[OverviewRow]:
    """Tabel 1: per indicator the year `bwmonitor compare` shows for the focus regions
    against Drenthe and Nederland (`compare.shown_years`), and each column's value."""
    focus = [c for c in columns if c not in (DRENTHE, NETHERLANDS)]
    benchmarks = [c for c in columns if c in (DRENTHE, NETHERLANDS)]
    figures = long.filter(long["waarde"].is_not_null()).select(
        "indicator", region="regio", year="jaar"
    )
    years = shown_years(figures, focus, benchmarks)
    rows = []
    for indicator in indicators:
        mine = long.filter((long["indicator"] == indicator.id) & long["regio"].is_in(list(columns)))
        year = years.get(indicator.id)
        at_year = {
            r["regio"]: (r["waarde"], r["status"], r["berekend"])
            for r in mine.iter_rows(named=True)
            if r["jaar"] == year
        }
        cells = tuple(at_year.get(code, (None, None, False)) for code in columns)
        rows.append(OverviewRow(indicator, year, cells))
    return rows


def quartiles(observations: pl.DataFrame, catalog: Catalog) -> dict[tuple[str, str, int], int]:
    """(indicator, municipality, year) -> quarter among all Dutch municipalities that year,
    1 = best by the indicator's direction (neutral: highest). Counts have no quarter
    (`compare.is_count`): a large municipality is not the best one."""
    import polars as pl

    counts = [i.id for i in catalog.indicators.values() if is_count(i)]
    ranked = municipality_positions(
        observations.filter(year_periods() & ~pl.col("indicator").is_in(counts)),
        catalog,
        over=("indicator", "period"),
    ).filter(pl.col("region").is_in(DRENTHE_MUNICIPALITIES))
    return {
        (r["indicator"], r["region"], r["year"]): r["quartile"]
        for r in ranked.with_columns(year=year_of()).iter_rows(named=True)
    }


@dataclass(frozen=True, slots=True)
class LevelPosition:
    """A region's position among the regions of its level (`ranking.level_positions`)."""

    position: int  #: 1 = best by the indicator's direction (neutral: highest)
    of: int  #: how many regions of the level have a value (N)
    level: str  #: "gemeente", "corop" or "provincie"
    quarter: int  #: 1 = best quarter


def positions(
    observations: pl.DataFrame, catalog: Catalog, regions: Sequence[str]
) -> dict[tuple[str, str, int], LevelPosition]:
    """(indicator, region, year) -> the position of each of `regions` among all regions
    of its level with a value that year. Counts have none (`compare.is_count`)."""
    import polars as pl

    counts = [i.id for i in catalog.indicators.values() if is_count(i)]
    placed = level_positions(
        observations.filter(year_periods() & ~pl.col("indicator").is_in(counts)),
        catalog,
        over=("indicator", "period"),
    ).filter(pl.col("region").is_in(list(regions)))
    return {
        (r["indicator"], r["region"], r["year"]): LevelPosition(
            r["position"], r["position_of"], r["level"], r["position_quarter"]
        )
        for r in placed.with_columns(year=year_of()).iter_rows(named=True)
    }


def overview_summaries(
    rows: Sequence[OverviewRow],
    columns: Sequence[str],
    placed: Mapping[tuple[str, str, int], LevelPosition],
) -> dict[str, Summary]:
    """Per column region, the summary (`ranking.summary`) over the overview's rows: its
    indicators with a value, and those in the best and the worst quarter of its level."""
    summaries = {}
    for index, code in enumerate(columns):
        standings = []
        for row in rows:
            position = placed.get((row.indicator.id, code, row.year)) if row.year else None
            standings.append(
                Standing(
                    has_value=row.cells[index][0] is not None,
                    quarter=position.quarter if position else None,
                    directed=row.indicator.better is not Direction.NEUTRAL,
                )
            )
        summaries[code] = summary(standings)
    return summaries
