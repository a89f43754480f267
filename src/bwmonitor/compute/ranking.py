"""Where a region stands: a municipality's rank among Drenthe's municipalities and its
quarter among all Dutch ones; every municipality, COROP region and province's position
"k van N" among the regions of its own level; and per region the summary CBS's
Regionale Monitor Brede Welvaart shows (indicators in the best and the worst quarter).
`compare` and the export's workbook both ask here.

1 = best by the indicator's direction; for a neutral indicator, 1 = highest. Ties share
the better rank (rank 1, 1, 3). Only regions with a value take part; counts are left
out by the callers (`comparison.is_count`), as a large municipality is not the best one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Catalog, Direction
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES, Level, municipality_codes

if TYPE_CHECKING:
    import polars as pl


def direction_sign(better: Direction) -> float:
    """-1 when a lower value is better, else 1: value x sign is higher for the better."""
    return -1.0 if better is Direction.LOWER else 1.0


def quarter(rank: pl.Expr, count: pl.Expr) -> pl.Expr:
    """The quarter of a rank among `count`: 1 holds the best quarter, 4 the worst."""
    import polars as pl

    return pl.min_horizontal(pl.lit(4, pl.UInt32), 1 + (rank - 1) * 4 // count)


def _score(catalog: Catalog) -> pl.Expr:
    """The value turned so that higher is better (neutral: higher is first)."""
    import polars as pl

    signs = {i.id: direction_sign(i.better) for i in catalog.indicators.values()}
    return pl.col("value") * pl.col("indicator").replace_strict(signs, default=1.0)


def municipality_positions(
    values: pl.DataFrame, catalog: Catalog, over: Sequence[str] = ("indicator",)
) -> pl.DataFrame:
    """The municipalities' rows of `values` (indicator, region, value, and the columns of
    `over`), each group of `over` ranked on its own, with:

    - `quartile`: the quarter among all municipalities of the group, of `quartile_of`;
    - `rank_drenthe`: the rank among Drenthe's municipalities of the group, of
      `rank_of`; null for a municipality outside Drenthe.
    """
    import polars as pl

    groups = list(over)
    municipalities = values.filter(municipality_codes()).with_columns(
        _score(catalog).alias("_score")
    )
    rank = pl.col("_score").rank("min", descending=True).over(groups)
    count = pl.len().over(groups)
    drenthe = municipalities.filter(pl.col("region").is_in(DRENTHE_MUNICIPALITIES)).select(
        *groups, "region", rank.alias("rank_drenthe"), count.alias("rank_of")
    )
    return (
        municipalities.with_columns(
            quarter(rank, count).alias("quartile"), count.alias("quartile_of")
        )
        .join(drenthe, on=[*groups, "region"], how="left", maintain_order="left")
        .drop("_score")
    )


#: the levels whose regions are placed among each other, by their code's prefix (CBS:
#: GM0114, CR08, PV22); the country and the catalogue's own regions have no peers
RANKED_LEVELS = {"GM": Level.MUNICIPALITY, "CR": Level.COROP, "PV": Level.PROVINCE}
#: how a level's regions are called in "12 van 40 COROP-gebieden"
LEVEL_PLURALS = {
    Level.MUNICIPALITY.value: "gemeenten",
    Level.COROP.value: "COROP-gebieden",
    Level.PROVINCE.value: "provincies",
}


def ranked_level(code: str) -> Level | None:
    """The level among whose regions `code` is placed; None for the country and the
    catalogue's own regions."""
    return RANKED_LEVELS.get(code[:2])


#: fewer regions with a value than this get a position but no quarter
MIN_FOR_QUARTERS = 4


def level_positions(
    values: pl.DataFrame, catalog: Catalog, over: Sequence[str] = ("indicator",)
) -> pl.DataFrame:
    """The rows of `values` (indicator, region, value, and the columns of `over`) of a
    municipality, COROP region or province with a value, each placed among the regions
    of its own level in its group of `over`, with:

    - `level`: the level's name (`Level`: "gemeente", "corop", "provincie");
    - `position`: 1 = best, ties sharing the better position;
    - `position_of`: how many regions of that level have a value in the group (N);
    - `position_quarter`: the quarter of the position among N, 1 = best (`quarter`);
      null below `MIN_FOR_QUARTERS` regions, where a quarter says nothing (2 of 2 would
      be "third quarter").
    """
    import polars as pl

    groups = [*over, "level"]
    prefixes = {prefix: level.value for prefix, level in RANKED_LEVELS.items()}
    level = pl.col("region").str.slice(0, 2).replace_strict(prefixes, default=None)
    placed = values.with_columns(level.alias("level")).filter(
        pl.col("level").is_not_null() & pl.col("value").is_not_null() & pl.col("value").is_not_nan()
    )
    position = _score(catalog).rank("min", descending=True).over(groups)
    count = pl.len().over(groups)
    return placed.with_columns(
        position.alias("position"),
        count.alias("position_of"),
        pl.when(count >= MIN_FOR_QUARTERS)
        .then(quarter(position, count))
        .otherwise(None)
        .alias("position_quarter"),
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """One indicator shown for one region, as the summary counts it."""

    has_value: bool
    quarter: int | None  #: of the region's position at its level; None: no position
    directed: bool  #: the indicator has a better direction (not neutral)


@dataclass(frozen=True, slots=True)
class Summary:
    """A region over the indicators shown, as CBS's RMBW sums it up: "6 van 38
    indicatoren in het beste kwart, 14 in het slechtste", and how many have a value."""

    best: int  #: indicators in the best quarter of the region's level
    worst: int  #: ... in the worst quarter
    placed: int  #: indicators with a position that counts: not neutral (counts have none)
    with_value: int  #: indicators shown with a value for the region
    shown: int  #: indicators shown


def summary(standings: Iterable[Standing]) -> Summary:
    """Best and worst quarters among the positioned, directed indicators; a neutral
    indicator's quarter is not better or worse, so it does not count."""
    standings = list(standings)
    quarters = [s.quarter for s in standings if s.directed and s.quarter is not None]
    return Summary(
        best=quarters.count(1),
        worst=quarters.count(4),
        placed=len(quarters),
        with_value=sum(s.has_value for s in standings),
        shown=len(standings),
    )
