"""How a larger region gets a value CBS does not publish: the indicator's rule, applied
to its member municipalities, and only when every member has a value for that period.

- ``sum``: counts add up.
- ``ratio``: a derived indicator is numerator / denominator x scale at every level, the
  numerator and denominator being sums for larger regions (never a mean of ratios).
- ``weighted_mean``: sum(value x weight) / sum(weight), the weight an indicator of the
  same region and period (e.g. mean income per inhabitant weighted by inhabitants).
- ``none``: medians, model estimates, distances: no computed value, only CBS's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bwmonitor.catalog import Aggregation, Indicator
from bwmonitor.formatting import dutch_number
from bwmonitor.regions import NETHERLANDS, RegionRegistry

if TYPE_CHECKING:
    import polars as pl

# A table with fewer municipalities than this is not the whole country (there were
# 342 to 393 municipalities from 2015 to 2026), so no Netherlands total is made from it.
MIN_MUNICIPALITIES_FOR_COUNTRY = 300

# The most provisional status among the parts is the status of the result.
STATUS_RANK = {"": 0, "Definitief": 0, "NaderVoorlopig": 1, "Voorlopig": 2}
RANK_STATUS = {0: "", 1: "NaderVoorlopig", 2: "Voorlopig"}


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
    municipalities = published.filter(pl.col("region").str.starts_with("GM"))
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
    """Published values plus computed ones for regions CBS gives no value for."""
    import polars as pl

    if indicator.aggregate is Aggregation.NONE or published.height == 0:
        return published
    members = membership(registry, published)
    values = published.select("region", "period", "value", "status", "source")
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
        pl.col("status").replace_strict(STATUS_RANK, default=0).max().alias("rank"),
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
        pl.col("rank").replace_strict(RANK_STATUS, return_dtype=pl.String).alias("status"),
        "source",
        pl.lit(True).alias("computed"),
        rule.alias("rule"),
    )
    computed = computed.join(published, on=["region", "period"], how="anti")
    return pl.concat([published, computed])


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
    status_rank = pl.max_horizontal(
        pl.col("num_status").replace_strict(STATUS_RANK, default=0),
        pl.col("den_status").replace_strict(STATUS_RANK, default=0),
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
        status_rank.replace_strict(RANK_STATUS, return_dtype=pl.String).alias("status"),
        source.alias("source"),
        pl.lit(True).alias("computed"),
        rule.alias("rule"),
    )
