"""Where a municipality stands: its rank among Drenthe's municipalities and its quarter
among all Dutch ones. `compare` and the export's workbook both ask here.

1 = best by the indicator's direction; for a neutral indicator, 1 = highest. Ties share
the better rank (rank 1, 1, 3). Only municipalities with a row take part; counts are
left out by the callers (`comparison.is_count`), as a large municipality is not the
best one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Catalog, Direction
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES, municipality_codes

if TYPE_CHECKING:
    import polars as pl


def direction_sign(better: Direction) -> float:
    """-1 when a lower value is better, else 1: value x sign is higher for the better."""
    return -1.0 if better is Direction.LOWER else 1.0


def quarter(rank: pl.Expr, count: pl.Expr) -> pl.Expr:
    """The quarter of a rank among `count`: 1 holds the best quarter, 4 the worst."""
    import polars as pl

    return pl.min_horizontal(pl.lit(4, pl.UInt32), 1 + (rank - 1) * 4 // count)


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
    signs = {i.id: direction_sign(i.better) for i in catalog.indicators.values()}
    score = pl.col("value") * pl.col("indicator").replace_strict(signs, default=1.0)
    municipalities = values.filter(municipality_codes()).with_columns(score.alias("_score"))
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
