"""The DataFrames of the Python API: their schemas are the public contract (docs/api.md).

`observations` and `comparison` turn the pipeline's results into them. polars is
imported inside, so that `import bwmonitor` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from bwmonitor.compute.comparison import Comparison
    from bwmonitor.core.catalog import Catalog
    from bwmonitor.core.regions import RegionRegistry


def observations_schema() -> pl.Schema:
    """indicator, title, theme, unit, scale, region, region_name, period, value, status,
    source, computed, rule, weight."""
    import polars as pl

    return pl.Schema(
        {
            "indicator": pl.String(),
            "title": pl.String(),
            "theme": pl.String(),  #: the theme's title
            "unit": pl.String(),
            "scale": pl.Int64(),  #: value × scale is the amount in unit
            "region": pl.String(),
            "region_name": pl.String(),
            "period": pl.String(),  #: CBS's period code, '2023JJ00'
            "value": pl.Float64(),
            "status": pl.String(),  #: 'Voorlopig', 'NaderVoorlopig'; null: definitive
            "source": pl.String(),  #: the CBS table(s) or local file
            "computed": pl.Boolean(),  #: computed by bwmonitor from municipalities
            "rule": pl.String(),  #: how, when computed
            "weight": pl.String(),  #: the weighting indicator of a weighted mean
        }
    )


def benchmark_schema() -> pl.Struct:
    import polars as pl

    return pl.Struct(
        {
            "region": pl.String(),
            "region_name": pl.String(),
            "value": pl.Float64(),
            "status": pl.String(),
            "source": pl.String(),
            "computed": pl.Boolean(),
            "rule": pl.String(),  #: how, when computed
            "difference": pl.Float64(),  #: value - benchmark; null for counts
            "share": pl.Float64(),  #: counts: value as % of the benchmark's
            "members": pl.Int64(),  #: a peer group: its municipalities; null for a region
            "members_with_value": pl.Int64(),  #: ... of which had a value (the mean's)
        }
    )


def comparison_schema() -> pl.Schema:
    """The fields of `compare --format json`, one row per indicator and region."""
    import polars as pl

    return pl.Schema(
        {
            "indicator": pl.String(),
            "title": pl.String(),
            "theme": pl.String(),
            "unit": pl.String(),
            "scale": pl.Int64(),
            "decimals": pl.Int64(),
            "better": pl.String(),
            "region": pl.String(),
            "region_name": pl.String(),
            "period": pl.String(),
            "value": pl.Float64(),
            "status": pl.String(),
            "source": pl.String(),
            "computed": pl.Boolean(),
            "rule": pl.String(),
            "reason": pl.String(),
            "benchmarks": pl.List(benchmark_schema()),
            "rank_drenthe": pl.Int64(),
            "rank_of": pl.Int64(),
            "quartile_nl": pl.Int64(),
            "quartile_of": pl.Int64(),
            "quartile_label": pl.String(),
            "position": pl.Int64(),
            "position_of": pl.Int64(),
            "position_level": pl.String(),
            "position_quarter": pl.Int64(),
            "position_quarter_label": pl.String(),
            "trend_movement": pl.String(),
            "trend_judgement": pl.String(),
            "trend_from": pl.String(),
            "trend_to": pl.String(),
            "trend_change": pl.Float64(),
            # the region's summary over the indicators shown, the same on each of its rows
            "summary_best": pl.Int64(),
            "summary_worst": pl.Int64(),
            "summary_placed": pl.Int64(),
            "summary_with_value": pl.Int64(),
            "summary_shown": pl.Int64(),
            "capital": pl.String(),  #: brede welvaart "later" capital, if any
            "breaks": pl.String(),  #: breaks in the series shown
            # the trend's test (compute/trend.py) and the change since the previous figure
            "trend_slope": pl.Float64(),
            "trend_p": pl.Float64(),
            "trend_n": pl.Int64(),
            "trend_window": pl.String(),
            "change_from": pl.String(),
            "change": pl.Float64(),
            "change_unit": pl.String(),
            "score": pl.Float64(),  #: 0–10, 10 = best (compute/scores.py)
            # the region's theme of the row summed up, the same on each of its rows
            "theme_score": pl.Float64(),
            "theme_score_n": pl.Int64(),
            "theme_rank": pl.Float64(),  #: mean rank among Drenthe's 12
            "theme_rank_n": pl.Int64(),
        }
    )


def observations(frame: pl.DataFrame, catalog: Catalog, registry: RegionRegistry) -> pl.DataFrame:
    """The observations (compute/observations.py) with what each figure is: the
    indicator's title, theme, unit and weight, and the region's name."""
    import polars as pl

    indicators = catalog.indicators
    ids = frame["indicator"].unique().to_list()
    codes = frame["region"].unique().to_list()

    def of_indicator(values: dict[str, object], dtype: pl.DataType) -> pl.Expr:
        return pl.col("indicator").replace_strict(values, return_dtype=dtype)

    return frame.select(
        "indicator",
        of_indicator({i: indicators[i].title for i in ids}, pl.String()).alias("title"),
        of_indicator(
            {i: catalog.themes[indicators[i].theme].title for i in ids}, pl.String()
        ).alias("theme"),
        of_indicator({i: indicators[i].quantity.unit.name for i in ids}, pl.String()).alias("unit"),
        of_indicator({i: indicators[i].quantity.unit.scale for i in ids}, pl.Int64()).alias(
            "scale"
        ),
        "region",
        pl.col("region")
        .replace_strict({c: registry.name_of(c) for c in codes}, return_dtype=pl.String)
        .alias("region_name"),
        "period",
        "value",
        pl.col("status").replace("", None),
        "source",
        "computed",
        "rule",
        of_indicator({i: indicators[i].weight or None for i in ids}, pl.String()).alias("weight"),
    ).cast(observations_schema())


def comparison(result: Comparison) -> pl.DataFrame:
    """One row per indicator and region; the benchmarks as a list of structs."""
    import polars as pl

    rows = []
    for record in result.records:
        row = record.as_json()
        row["benchmarks"] = [
            {
                "region": b.region,
                "region_name": b.region_name,
                "value": b.value,
                "status": b.status,
                "source": b.source,
                "computed": b.computed,
                "rule": b.rule,
                "difference": b.difference,
                "share": b.share,
                "members": b.members,
                "members_with_value": b.members_with_value,
            }
            for b in record.benchmarks
        ]
        rows.append(row)
    return pl.DataFrame(rows, schema=comparison_schema())
