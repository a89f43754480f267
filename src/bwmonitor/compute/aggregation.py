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
  same region (e.g. mean income per inhabitant weighted by inhabitants), from the same
  year, or else from the nearest year in which every member has one (the rule says
  which year); a fallback weight only where the first has no such year (15+ where the
  18+ are not fetched). The rule names the weight's population, and the population the
  figure is about where the weight only approximates it.
- ``none``: medians and the like: no computed value, only CBS's own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Aggregation, Indicator
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import STATUS_ORDER, UNKNOWN_STATUS, year_of, year_periods
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


def weight_periods(members: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """(target, period, weight_period): the period whose weights a region's mean uses.

    The same period when every member has a weight then; otherwise the year nearest to
    it in which every member has one (the earlier of two equally near), so that WOZ
    values of 2021 are weighted with the dwellings of 2024 when only 2024 has them,
    and the rule says so. A region with no such year gets no row (no value).
    """
    import polars as pl

    sizes = members.group_by("target", "period").agg(pl.len().alias("size"))
    candidates = (
        members.join(
            weights.filter(pl.col("value").is_not_null()).select(
                pl.col("region").alias("member"), pl.col("period").alias("weight_period")
            ),
            on="member",
        )
        .group_by("target", "period", "weight_period")
        .agg(pl.len().alias("present"))
        .join(sizes, on=["target", "period"])
        .filter(pl.col("present") == pl.col("size"))
    )
    same = pl.col("weight_period") == pl.col("period")
    # years only: a quarter or month is weighted with its own period or not at all
    yearly = year_periods("period") & year_periods("weight_period")
    distance = (year_of("weight_period") - year_of("period")).abs()
    return (
        candidates.filter(same | yearly)
        .with_columns(pl.when(same).then(0).otherwise(distance).alias("_distance"))
        .sort("_distance", "weight_period")
        .group_by("target", "period", maintain_order=True)
        .first()
        .select("target", "period", "weight_period")
    )


def weighted_mean_rule(indicator: Indicator, weights: Sequence[Indicator]) -> pl.Expr:
    """The rule of a weighted mean as a reader reads it, naming the weight actually used
    (column `weight_id`): its population, its year when that is not the figure's own, and
    the population the figure is about when the weight only approximates it."""
    import polars as pl

    populations = {w.id: w.population or w.id for w in weights}
    weight_population = pl.col("weight_id").replace_strict(
        populations, default=pl.col("weight_id"), return_dtype=pl.String
    )
    other_year = pl.col("weight_period") != pl.col("period")
    year = (
        pl.when(other_year)
        .then(pl.format(" in {} (dichtstbijzijnde jaar met cijfers)", year_of("weight_period")))
        .otherwise(pl.lit(""))
    )
    about = indicator.population
    approximation = (
        pl.when(weight_population != about)
        .then(pl.lit(f", benadering van {about}"))
        .otherwise(pl.lit(""))
        if about
        else pl.lit("")
    )
    return pl.format(
        "gewogen gemiddelde van {} gemeenten (gewicht: {}{}{})",
        pl.col("size"),
        weight_population,
        year,
        approximation,
    )


def chosen_weights(
    indicator: Indicator, members: pl.DataFrame, complete: dict[str, pl.DataFrame]
) -> pl.DataFrame | None:
    """(target, period, weight_period, weight_id): per region and period the weight a
    mean uses. The first of the indicator's weights (`Indicator.weights`) that every
    member has in the period or the nearest year; its fallback only where it has none
    (18+ inhabitants where fetched, else 15+). None: no weight has any figures."""
    import polars as pl

    chosen: pl.DataFrame | None = None
    for weight_id in indicator.weights:
        figures = complete.get(weight_id)
        if figures is None:
            continue
        found = weight_periods(members, figures).with_columns(pl.lit(weight_id).alias("weight_id"))
        if chosen is not None:
            found = found.join(chosen, on=["target", "period"], how="anti")
        chosen = found if chosen is None else pl.concat([chosen, found])
    return chosen


_MEMBER_COUNT = re.compile(r"^gewogen gemiddelde van \d+ gemeenten ")


def weight_note(rule: str | None) -> str | None:
    """The footnote of a weighted mean, from its rule without the number of members
    (which differs per region): "gewogen gemiddelde van gemeentelijke cijfers (gewicht:
    inwoners, benadering van inwoners van 18 jaar en ouder)". None for any other rule."""
    if rule is None or not _MEMBER_COUNT.match(rule):
        return None
    return _MEMBER_COUNT.sub("gewogen gemiddelde van gemeentelijke cijfers ", rule)


def same_area_note(rule: str | None) -> str | None:
    """The footnote of CBS's figure for a GGD region that is exactly one of ours
    (observations.same_area_rule): the rule itself. None for any other rule."""
    return rule if rule is not None and rule.startswith(SAME_AREA_PREFIX) else None


#: how the rule of a figure taken from a GGD region covering the same area starts
SAME_AREA_PREFIX = "cijfer van CBS voor "


def weight_notes(
    pairs: Iterable[tuple[str, str | None]],
    note_of: Callable[[str | None], str | None] = weight_note,
) -> dict[str, list[str]]:
    """(key, rule) pairs (an indicator's title or id and the rule of one of its values)
    -> each key's distinct notes (`note_of`: weight notes, or `same_area_note`), in
    order: what the footnotes name."""
    notes: dict[str, list[str]] = {}
    for key, rule in pairs:
        note = note_of(rule)
        if note is not None and note not in notes.setdefault(key, []):
            notes[key].append(note)
    return {key: found for key, found in notes.items() if found}


def by_note(notes: dict[str, list[str]]) -> dict[str, list[str]]:
    """{key: its notes} -> {note: the keys it applies to}, in order of appearance: one
    footnote per weight (or break), naming the indicators it applies to."""
    grouped: dict[str, list[str]] = {}
    for key, found in notes.items():
        for note in found:
            if key not in grouped.setdefault(note, []):
                grouped[note].append(key)
    return grouped


def fill_regions(
    indicator: Indicator,
    published: pl.DataFrame,
    complete: dict[str, pl.DataFrame],
    registry: RegionRegistry,
    weights: Sequence[Indicator] = (),
) -> pl.DataFrame:
    """Published values plus computed ones for regions CBS gives no value for.

    `published` may hold rows without a value: municipalities the table lists for a
    period but without a figure for this measure. They count as members of the
    Netherlands (so its total is not made without them) and are left out of the result.
    `weights`: the weight indicators of a weighted mean (`Indicator.weights`), whose
    populations the rule names.
    """
    import polars as pl

    with_value = published.filter(pl.col("value").is_not_null())
    if indicator.aggregate is Aggregation.NONE or with_value.height == 0:
        return with_value
    members = membership(registry, published)
    values = with_value.select("region", "period", "value", "status", "source")
    joined = members.join(
        values, left_on=["member", "period"], right_on=["region", "period"], how="left"
    )
    if indicator.aggregate is Aggregation.WEIGHTED_MEAN:
        chosen = chosen_weights(indicator, members, complete)
        if chosen is None:
            return published
        figures = pl.concat(
            complete[weight_id].select(
                pl.col("region").alias("member"),
                pl.col("period").alias("weight_period"),
                pl.col("value").alias("weight"),
                pl.lit(weight_id).alias("weight_id"),
            )
            for weight_id in indicator.weights
            if weight_id in complete
        )
        joined = joined.join(chosen, on=["target", "period"]).join(
            figures, on=["member", "weight_period", "weight_id"], how="left"
        )
    else:
        joined = joined.with_columns(
            pl.lit(1.0).alias("weight"),
            pl.col("period").alias("weight_period"),
            pl.lit(None, dtype=pl.String).alias("weight_id"),
        )
    grouped = joined.group_by("target", "period").agg(
        pl.len().alias("size"),
        (pl.col("value").is_not_null() & pl.col("weight").is_not_null()).sum().alias("present"),
        (pl.col("value") * pl.col("weight")).sum().alias("weighted"),
        pl.col("weight").sum().alias("weights"),
        pl.col("weight_period").first(),
        pl.col("weight_id").first(),
        status_of_parts(pl.col("status")).alias("status"),
        pl.col("source").drop_nulls().unique().sort().str.join(", ").alias("source"),
    )
    # a member without a value means no value for the region, never a partial total
    grouped = grouped.filter(pl.col("present") == pl.col("size"))
    if indicator.aggregate is Aggregation.WEIGHTED_MEAN:
        value = pl.col("weighted") / pl.col("weights")
        grouped = grouped.filter(pl.col("weights") != 0)
        rule = weighted_mean_rule(indicator, weights)
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


def _both_parts(first: str, second: str, complete: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """(region, period, a, b, a_rule, b_rule, status, source) where both indicators have a
    value: the status of the least definitive part, the source(s) of both."""
    import polars as pl

    def part(indicator_id: str, name: str) -> pl.DataFrame:
        return complete[indicator_id].select(
            "region",
            "period",
            pl.col("value").alias(name),
            pl.col("status").alias(f"{name}_status"),
            pl.col("source").alias(f"{name}_source"),
            pl.col("rule").alias(f"{name}_rule"),
        )

    joined = part(first, "a").join(part(second, "b"), on=["region", "period"])
    status = rank_status(
        pl.max_horizontal(status_rank(pl.col("a_status")), status_rank(pl.col("b_status")))
    )
    source = (
        pl.when(pl.col("a_source") == pl.col("b_source"))
        .then(pl.col("a_source"))
        .otherwise(pl.format("{}, {}", "a_source", "b_source"))
    )
    return joined.with_columns(status.alias("status"), source.alias("source"))


def _derived(
    indicator: Indicator, frame: pl.DataFrame, value: pl.Expr, rule: pl.Expr
) -> pl.DataFrame:
    """A derived indicator's rows: computed by bwmonitor at every level."""
    import polars as pl

    return frame.select(
        pl.lit(indicator.id).alias("indicator"),
        "region",
        "period",
        value.alias("value"),
        "status",
        "source",
        pl.lit(True).alias("computed"),
        rule.alias("rule"),
    )


def derive_ratio(indicator: Indicator, complete: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """numerator / denominator x scale wherever both exist, at every regional level."""
    import polars as pl

    assert indicator.ratio is not None
    ratio = indicator.ratio
    joined = _both_parts(ratio.numerator, ratio.denominator, complete).filter(pl.col("b") != 0)
    scale = f" × {dutch_number(ratio.scale)}" if ratio.scale != 1 else ""
    aggregated = pl.col("a_rule").is_not_null() | pl.col("b_rule").is_not_null()
    rule = (
        pl.when(aggregated)
        .then(
            pl.format(
                "som {} / som {}{} ({})",
                pl.lit(ratio.numerator),
                pl.lit(ratio.denominator),
                pl.lit(scale),
                pl.coalesce("a_rule", "b_rule"),
            )
        )
        .otherwise(pl.lit(f"{ratio.numerator} / {ratio.denominator}{scale}"))
    )
    return _derived(indicator, joined, pl.col("a") / pl.col("b") * ratio.scale, rule)


def derive_difference(indicator: Indicator, complete: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """total - part wherever both exist, at every regional level (both are counts, so a
    larger region's are sums of its municipalities'); computed by bwmonitor everywhere."""
    import polars as pl

    assert indicator.difference is not None
    total, minus = indicator.difference.total, indicator.difference.minus
    joined = _both_parts(total, minus, complete)
    return _derived(indicator, joined, pl.col("a") - pl.col("b"), pl.lit(f"{total} - {minus}"))
