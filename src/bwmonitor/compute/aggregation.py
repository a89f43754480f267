"""How a larger region gets a value CBS does not publish: the indicator's rule, applied
to its member municipalities, and only when every member has a value for that period.

The members of a COROP region, a province or a custom region are fixed lists; the
Netherlands' members in a period are every municipality the source table lists for
that period, with or without a figure for the measure (see `mapping.py`). A member
without a figure means no value for the region, never a partial total.

- ``sum``: counts add up.
- ``ratio``: a derived indicator is numerator / denominator x scale at every level, the
  numerator and denominator being sums for larger regions (never a mean of ratios).
- ``weighted_mean``: sum(value x weight) / sum(weight), the weight an indicator of the
  same region and period (e.g. mean income per inhabitant weighted by inhabitants).
- ``none``: medians, model estimates, distances: no computed value, only CBS's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Aggregation, Indicator
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import STATUS_ORDER, UNKNOWN_STATUS
from bwmonitor.core.regions import NETHERLANDS, RegionRegistry, municipality_codes

if TYPE_CHECKING:
    import polars as pl

# A table with fewer municipalities than this is not the whole country (there were
# 342 to 393 municipalities from 2015 to 2026), so no Netherlands total is made from it.
MIN_MUNICIPALITIES_FOR_COUNTRY = 300

# A result is as definitive as its least definitive part (periods.STATUS_ORDER). A part
# whose status the source does not record ("") might be either, so it makes the result
# unknown unless some part is provisional: a provisional part always shows its mark.
STATUS_RANK = {status: rank for rank, status in enumerate(STATUS_ORDER)}
RANK_STATUS = dict(enumerate(STATUS_ORDER))


def status_rank(status: pl.Expr) -> pl.Expr:
    """0 Definitief, 1 unknown (empty, null or a status CBS does not use), 2 and 3 the
    provisional statuses, least definitive highest."""
    import polars as pl

    return status.fill_null(UNKNOWN_STATUS).replace_strict(
        STATUS_RANK, default=STATUS_RANK[UNKNOWN_STATUS], return_dtype=pl.Int8
    )


def rank_status(rank: pl.Expr) -> pl.Expr:
    """The status of a rank from `status_rank`."""
    import polars as pl

    return rank.replace_strict(RANK_STATUS, return_dtype=pl.String)


def status_of_parts(status: pl.Expr) -> pl.Expr:
    """In an aggregation: the status of a value computed from the parts' `status`."""
    return rank_status(status_rank(status).max())


def membership(registry: RegionRegistry, published: pl.DataFrame) -> pl.DataFrame:
    """(target, period, member) rows: fixed members per region, all municipalities for NL."""
    import polars as pl

    fixed = pl.DataFrame(
        [(r.code, m) for r in registry.aggregates() for m in r.members],
        schema={"target": pl.String, "member": pl.String},
        orient="row",
    )
    periods = published.select("period").unique()
    rows = fixed.join(periods, how="cross")
    municipalities = published.filter(municipality_codes())
    country = municipalities.select(
        pl.lit(NETHERLANDS).alias("target"), pl.col("region").alias("member"), "period"
    ).unique()
    big_enough = (
        country.group_by("period").len().filter(pl.col("len") >= MIN_MUNICIPALITIES_FOR_COUNTRY)
    )
    country = country.join(big_enough.select("period"), on="period")
    columns = ["target", "period", "member"]
    return pl.concat([rows.select(columns), country.select(columns)])


def fill_regions(
    indicator: Indicator,
    published: pl.DataFrame,
    complete: dict[str, pl.DataFrame],
    registry: RegionRegistry,
) -> pl.DataFrame:
    """Published values plus computed ones for regions CBS gives no value for.

    `published` may hold rows without a value: municipalities the table lists for a
    period but without a figure for this measure. They count as members of the
    Netherlands (so its total is not made without them) and are left out of the result.
    """
    import polars as pl

    with_value = published.filter(pl.col("value").is_not_null())
    if indicator.aggregate is Aggregation.NONE or with_value.height == 0:
        return with_value
    members = membership(registry, published)
    values = with_value.select("region", "period", "value", "status", "source")
    if indicator.aggregate is Aggregation.WEIGHTED_MEAN:
        weights = complete.get(indicator.weight or "")
        if weights is None:
            return published
        values = values.join(
            weights.select("region", "period", pl.col("value").alias("weight")),
            on=["region", "period"],
        )
    else:
        values = values.with_columns(pl.lit(1.0).alias("weight"))
    joined = members.join(
        values, left_on=["member", "period"], right_on=["region", "period"], how="left"
    )
    grouped = joined.group_by("target", "period").agg(
        pl.len().alias("size"),
        (pl.col("value").is_not_null() & pl.col("weight").is_not_null()).sum().alias("present"),
        (pl.col("value") * pl.col("weight")).sum().alias("weighted"),
        pl.col("weight").sum().alias("weights"),
        status_of_parts(pl.col("status")).alias("status"),
        pl.col("source").drop_nulls().unique().sort().str.join(", ").alias("source"),
    )
    # a member without a value means no value for the region, never a partial total
    grouped = grouped.filter(pl.col("present") == pl.col("size"))
    if indicator.aggregate is Aggregation.WEIGHTED_MEAN:
        value = pl.col("weighted") / pl.col("weights")
        grouped = grouped.filter(pl.col("weights") != 0)
        rule = pl.format(
            "gemiddelde van {} gemeenten, gewogen met {}", pl.col("size"), pl.lit(indicator.weight)
        )
    else:
        value = pl.col("weighted")
        rule = pl.format("som van {} gemeenten", pl.col("size"))
    computed = grouped.select(
        pl.lit(indicator.id).alias("indicator"),
        pl.col("target").alias("region"),
        "period",
        value.alias("value"),
        "status",
        "source",
        pl.lit(True).alias("computed"),
        rule.alias("rule"),
    )
    computed = computed.join(with_value, on=["region", "period"], how="anti")
    return pl.concat([with_value, computed])


def derive_ratio(indicator: Indicator, complete: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """numerator / denominator x scale wherever both exist, at every regional level."""
    import polars as pl

    assert indicator.ratio is not None
    ratio = indicator.ratio
    numerator = complete[ratio.numerator].select(
        "region",
        "period",
        "source",
        pl.col("value").alias("num"),
        pl.col("status").alias("num_status"),
        pl.col("rule").alias("num_rule"),
    )
    denominator = complete[ratio.denominator].select(
        "region",
        "period",
        pl.col("value").alias("den"),
        pl.col("status").alias("den_status"),
        pl.col("source").alias("den_source"),
        pl.col("rule").alias("den_rule"),
    )
    joined = numerator.join(denominator, on=["region", "period"]).filter(pl.col("den") != 0)
    scale = f" × {dutch_number(ratio.scale)}" if ratio.scale != 1 else ""
    aggregated = pl.col("num_rule").is_not_null() | pl.col("den_rule").is_not_null()
    rule = (
        pl.when(aggregated)
        .then(
            pl.format(
                "som {} / som {}{} ({})",
                pl.lit(ratio.numerator),
                pl.lit(ratio.denominator),
                pl.lit(scale),
                pl.coalesce("num_rule", "den_rule"),
            )
        )
        .otherwise(pl.lit(f"{ratio.numerator} / {ratio.denominator}{scale}"))
    )
    status = rank_status(
        pl.max_horizontal(status_rank(pl.col("num_status")), status_rank(pl.col("den_status")))
    )
    source = (
        pl.when(pl.col("source") == pl.col("den_source"))
        .then(pl.col("source"))
        .otherwise(pl.format("{}, {}", "source", "den_source"))
    )
    return joined.select(
        pl.lit(indicator.id).alias("indicator"),
        "region",
        "period",
        (pl.col("num") / pl.col("den") * ratio.scale).alias("value"),
        status.alias("status"),
        source.alias("source"),
        pl.lit(True).alias("computed"),
        rule.alias("rule"),
    )
