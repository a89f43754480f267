"""Peer groups: the municipalities a municipality is compared with besides its regions.

Two rules (docs/compare.md, "Vergelijkbare gemeenten"):

- ``peers``: the municipalities of the same CBS size class (gemeentegrootte) and the same
  urbanisation class (stedelijkheid) in "Gebieden in Nederland" of the reference year;
- ``nearest:K``: the K municipalities nearest by standardised Euclidean distance over
  context indicators (`CONTEXT`): each indicator as a z-score over all candidate
  municipalities, the distance the root of the summed squared z-differences; ties are
  broken by code.

In both the municipality itself is left out. A group's value per indicator follows the
regions' rules (aggregation.py) over the members **with a value** (a region needs all):
a weighted mean weighs by the same weight, a ratio is sum / sum, a count is the
members' mean (their sum divided by their number: a share of the sum of fifteen
municipalities would say nothing), and a `none` indicator gets no value.

Pure functions: the classes come in as the mapping `core.regions.municipality_classes`
gives, the figures as the observations frame.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bwmonitor.compute.aggregation import chosen_weights, status_of_parts, weighted_mean_rule
from bwmonitor.core.catalog import Aggregation, Catalog, Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import year_code, year_periods
from bwmonitor.core.regions import Level, Region

if TYPE_CHECKING:
    import polars as pl

PEERS = "peers"
NEAREST = "nearest"
DEFAULT_NEAREST = 10
MAX_NEAREST = 50
#: the figure of the classes file used as a context indicator (not in the catalogue)
ADDRESS_DENSITY = "omgevingsadressendichtheid"


@dataclass(frozen=True, slots=True)
class ContextIndicator:
    """One coordinate of `nearest`: an indicator's figure in a fixed year."""

    id: str  #: a catalogue indicator, or ADDRESS_DENSITY from the classes file
    label: str  #: how the footer names it
    year: int
    log: bool = False  #: on a log scale: a city of 800 000 is not 8x as far as 100 000


# The snapshot has the age structure for every municipality only up to 2020 and income
# per inhabitant only for 2021, so the reference year is 2021 with the age of 2020
# (docs/compare.md). Population and density are skewed (Amsterdam), so they count on a
# log scale: otherwise the four cities alone set their standard deviation.
CONTEXT = (
    ContextIndicator("inwoners", "inwoners", 2021, log=True),
    ContextIndicator(ADDRESS_DENSITY, "omgevingsadressendichtheid", 2021, log=True),
    ContextIndicator("aandeel_0_15", "aandeel 0 tot 15 jaar", 2020),
    ContextIndicator("aandeel_65plus", "aandeel 65 jaar of ouder", 2020),
    ContextIndicator("inkomen_per_inwoner", "gemiddeld inkomen per inwoner", 2021),
)


@dataclass(frozen=True, slots=True)
class PeerRequest:
    rule: str  #: PEERS or NEAREST
    k: int = 0  #: for NEAREST: how many

    @property
    def code(self) -> str:
        """The benchmark's code in JSON and CSV: 'peers', 'nearest:10'."""
        return self.rule if self.rule == PEERS else f"{self.rule}:{self.k}"


#: how the peers' column is called (terminal, JSON region_name, workbook)
PEERS_NAME = "vergelijkbare gemeenten"


@dataclass(frozen=True, slots=True)
class PeerGroup:
    """The municipalities a focus municipality is compared with, and why these."""

    code: str  #: 'peers' or 'nearest:10'
    name: str  #: the column's name: 'vergelijkbare gemeenten' (the classes: `rule`)
    focus: str
    year: int  #: the reference year of the classes or the context
    members: tuple[str, ...]  #: by code (peers) or by distance (nearest)
    member_names: tuple[str, ...]
    rule: str  #: how the group was formed, in the reader's words
    #: nearest: per context indicator its share of the members' summed squared distance
    distance_shares: tuple[tuple[str, float], ...] = ()

    def as_region(self) -> Region:
        return Region(self.code, self.name, Level.CUSTOM, self.members)

    def as_json(self) -> dict[str, Any]:
        """What JSON says of the group besides the counts: its rule, year, members and
        (nearest) what drives the distance."""
        return {
            "rule": self.rule,
            "year": self.year,
            "members": [
                {"region": code, "region_name": name}
                for code, name in zip(self.members, self.member_names, strict=True)
            ],
            "distance_shares": dict(self.distance_shares) or None,
        }


def peer_request(name: str) -> PeerRequest | None:
    """'peers' or 'nearest:K' as a benchmark name; None for a region's name;
    InvalidInput for a K that is not 1 to MAX_NEAREST."""
    key = name.strip().lower()
    if key == PEERS:
        return PeerRequest(PEERS)
    if key == NEAREST or key.startswith(NEAREST + ":"):
        count = key.partition(":")[2] or str(DEFAULT_NEAREST)
        if not count.isdigit() or not 1 <= int(count) <= MAX_NEAREST:
            raise InvalidInput(
                f"--with {name.strip()!r}: K must be a whole number from 1 to {MAX_NEAREST}",
                hint="e.g. --with nearest:10",
            )
        return PeerRequest(NEAREST, int(count))
    return None


def classes_year(classes: Mapping[str, Any], year: int | None) -> int:
    """The year whose classes form the peers: the asked year when the classes have it,
    else their latest year."""
    years = sorted(int(y) for y in classes["years"])
    return year if year in years else years[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def same_class_peers(classes: Mapping[str, Any], focus: str, year: int) -> PeerGroup:
    """The municipalities with the same size class and urbanisation class as `focus` in
    Gebieden in Nederland `year`, by code; `focus` itself left out."""
    entry = classes["years"][str(year)]
    municipalities = entry["municipalities"]
    if focus not in municipalities:
        raise InvalidInput(f"--with peers: {focus} is not a municipality in {year}")
    _, size, urbanisation = municipalities[focus][:3]
    members = sorted(
        code
        for code, row in municipalities.items()
        if row[1] == size and row[2] == urbanisation and code != focus
    )
    size_label = _lower_first(entry["size_labels"][str(size)])
    urbanisation_label = _lower_first(entry["urbanisation_labels"][str(urbanisation)])
    return PeerGroup(
        code=PEERS,
        # short, as a column's name; the classes are in the rule the footer prints
        name=PEERS_NAME,
        focus=focus,
        year=year,
        members=tuple(members),
        member_names=tuple(municipalities[code][0] for code in members),
        rule=(
            f"gemeenten met grootteklasse {size} ({size_label}) en stedelijkheid "
            f"{urbanisation} ({urbanisation_label}) in CBS "
            f"Gebieden in Nederland {year} ({entry['table']})"
        ),
    )


def standardised(points: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """Each coordinate as a z-score over all points (population standard deviation); a
    coordinate that is the same everywhere counts 0."""
    codes = list(points)
    columns = list(zip(*(points[code] for code in codes), strict=True))
    scaled = []
    for column in columns:
        mean = statistics.fmean(column)
        spread = statistics.pstdev(column)
        scaled.append([(x - mean) / spread if spread else 0.0 for x in column])
    return {code: [column[i] for column in scaled] for i, code in enumerate(codes)}


def nearest_members(
    points: Mapping[str, Sequence[float]], focus: str, k: int
) -> tuple[list[tuple[str, float]], list[float]]:
    """The `k` points nearest to `focus` by standardised Euclidean distance, nearest
    first, ties by code, `focus` left out: [(code, distance)], and per coordinate its
    share of the members' summed squared distance (what drives it)."""
    z = standardised(points)
    centre = z[focus]
    squared = {
        code: [(a - b) ** 2 for a, b in zip(z[code], centre, strict=True)]
        for code in z
        if code != focus
    }
    ranked = sorted(squared, key=lambda code: (sum(squared[code]), code))[:k]
    total = sum(sum(squared[code]) for code in ranked)
    shares = [
        sum(squared[code][i] for code in ranked) / total if total else 0.0
        for i in range(len(centre))
    ]
    return [(code, math.sqrt(sum(squared[code]))) for code in ranked], shares


def context_points(
    observations: pl.DataFrame,
    classes: Mapping[str, Any],
    context: Sequence[ContextIndicator] = CONTEXT,
) -> dict[str, list[float]]:
    """The candidates of `nearest`: the municipalities of the classes' latest year with a
    figure for every context indicator, each as its coordinates (log where asked)."""
    import polars as pl

    latest = classes["years"][str(classes_year(classes, None))]["municipalities"]
    columns: list[dict[str, float]] = []
    for item in context:
        if item.id == ADDRESS_DENSITY:
            municipalities = classes["years"].get(str(item.year), {}).get("municipalities", {})
            found = {code: row[4] for code, row in municipalities.items() if row[4] is not None}
        else:
            rows = observations.filter(
                (pl.col("indicator") == item.id)
                & (pl.col("period") == year_code(item.year))
                & pl.col("value").is_not_null()
            ).select("region", "value")
            found = dict(rows.iter_rows())
        columns.append(
            {
                code: math.log10(value) if item.log else value
                for code, value in found.items()
                if not item.log or value > 0
            }
        )
    return {
        code: [column[code] for column in columns]
        for code in sorted(latest)
        if all(code in column for column in columns)
    }


def nearest_peers(
    observations: pl.DataFrame,
    classes: Mapping[str, Any],
    focus: str,
    k: int,
    context: Sequence[ContextIndicator] = CONTEXT,
) -> PeerGroup:
    """The `k` municipalities nearest to `focus` over the context indicators."""
    points = context_points(observations, classes, context)
    names = classes["years"][str(classes_year(classes, None))]["municipalities"]
    if focus not in points:
        years = sorted({item.year for item in context})
        name = names[focus][0] if focus in names else focus
        raise InvalidInput(
            f"--with nearest:{k}: {name} lacks a figure for a context indicator "
            f"({', '.join(item.label for item in context)}; {'/'.join(map(str, years))})",
            hint="a municipality formed after these years has none",
        )
    found, shares = nearest_members(points, focus, k)
    described = ", ".join(f"{item.label} {item.year}" for item in context)
    return PeerGroup(
        code=f"{NEAREST}:{k}",
        name=f"{k} meest gelijkende gemeenten",
        focus=focus,
        year=max(item.year for item in context),
        members=tuple(code for code, _ in found),
        member_names=tuple(names[code][0] for code, _ in found),
        rule=(
            f"de {k} gemeenten met de kleinste gestandaardiseerde afstand over {described} "
            f"(z-scores over {len(points)} gemeenten)"
        ),
        distance_shares=tuple(
            (item.label, share) for item, share in zip(context, shares, strict=True)
        ),
    )


# ------------------------------------------------------------ the group's values

#: a group's rows under its code, and per (indicator, period) its members with a figure
GroupValues = tuple["pl.DataFrame", dict[tuple[str, str], int]]


def group_values(
    observations: pl.DataFrame,
    catalog: Catalog,
    indicators: Sequence[Indicator],
    group: PeerGroup,
) -> GroupValues:
    """The group's value per indicator and year, as observation rows under the group's
    code, over the members with a value; and per (indicator, period) how many members
    had one (also where that gave no value: a weight missing)."""
    [values] = groups_values(observations, catalog, indicators, [group])
    return values


def groups_values(
    observations: pl.DataFrame,
    catalog: Catalog,
    indicators: Sequence[Indicator],
    groups: Sequence[PeerGroup],
) -> list[GroupValues]:
    """`group_values` of each of `groups`, in their order, computed together: one pass
    per indicator for all groups (the export's twelve municipality pages), each group a
    `target` of its own, since two groups may share a code and members."""
    import polars as pl

    membership = pl.DataFrame(
        [(str(index), member) for index, group in enumerate(groups) for member in group.members],
        schema={"target": pl.String, "region": pl.String},
        orient="row",
    )
    members = membership["region"].unique().to_list()
    yearly = observations.filter(pl.col("region").is_in(members) & year_periods())
    # a member's rows once per group it is in; in the observations' order
    targeted = yearly.join(membership, on="region", maintain_order="left_right")
    by_indicator = targeted.partition_by("indicator", as_dict=True)
    plain = yearly.partition_by("indicator", as_dict=True)
    parts = _Parts(by_indicator, plain, targeted)
    frames = []
    counts: dict[str, dict[tuple[str, str], int]] = {str(i): {} for i in range(len(groups))}
    for indicator in indicators:
        rows, counted = _indicator_values(parts, catalog, indicator)
        for target, period, n in counted.iter_rows():
            counts[target][(indicator.id, period)] = n
        if rows is not None:
            frames.append(rows)
    found = pl.concat(frames) if frames else None
    results = []
    for index, group in enumerate(groups):
        rows = observations.clear()
        if found is not None:
            mine = found.filter(pl.col("target") == str(index))
            rows = mine.with_columns(pl.lit(group.code).alias("region"))
            rows = rows.select(observations.columns).cast(observations.schema)
        results.append((rows, counts[str(index)]))
    return results


@dataclass(frozen=True, slots=True)
class _Parts:
    """The members' yearly observations, split by indicator once: with `target` (a
    member's rows once per group) and without (the weights, per member)."""

    targeted: dict[tuple[object, ...], pl.DataFrame]
    plain: dict[tuple[object, ...], pl.DataFrame]
    empty: pl.DataFrame

    def values(self, indicator_id: str, name: str = "value") -> pl.DataFrame:
        import polars as pl

        frame = self.targeted.get((indicator_id,), self.empty.clear())
        return frame.filter(pl.col("value").is_not_null()).select(
            "target", "region", "period", pl.col("value").alias(name), "status", "source"
        )

    def weights(self, indicator_id: str) -> pl.DataFrame:
        import polars as pl

        frame = self.plain.get((indicator_id,), self.empty.drop("target").clear())
        return frame.filter(pl.col("value").is_not_null()).select("region", "period", "value")


def _indicator_values(
    parts: _Parts, catalog: Catalog, indicator: Indicator
) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    import polars as pl

    if indicator.ratio is not None:
        ratio = indicator.ratio
        joined = parts.values(ratio.numerator, "a").join(
            parts.values(ratio.denominator, "b").select("target", "region", "period", "b"),
            on=["target", "region", "period"],
            maintain_order="left",
        )
        counts = _counts(joined)
        grouped = joined.group_by("target", "period").agg(
            pl.len().alias("size"),
            pl.col("a").sum(),
            pl.col("b").sum(),
            status_of_parts(pl.col("status")).alias("status"),
            _sources(),
        )
        scale = f" × {dutch_number(ratio.scale)}" if ratio.scale != 1 else ""
        rows = grouped.filter(pl.col("b") != 0).with_columns(
            (pl.col("a") / pl.col("b") * ratio.scale).alias("value"),
            pl.format(
                "som {} / som {}{} van {} gemeenten",
                pl.lit(ratio.numerator),
                pl.lit(ratio.denominator),
                pl.lit(scale),
                pl.col("size"),
            ).alias("rule"),
        )
        return _as_rows(rows, indicator), counts
    values = parts.values(indicator.id)
    counts = _counts(values)
    if indicator.aggregate is Aggregation.NONE:
        return None, counts
    if indicator.aggregate is Aggregation.WEIGHTED_MEAN:
        return _weighted_mean(parts, catalog, indicator, values), counts
    # a count: the members' mean, so that the share reads "x% of a peer's"
    rows = values.group_by("target", "period").agg(
        pl.len().alias("size"),
        pl.col("value").mean(),
        status_of_parts(pl.col("status")).alias("status"),
        _sources(),
    )
    rows = rows.with_columns(
        pl.format("gemiddelde van {} gemeenten (som / aantal)", pl.col("size")).alias("rule")
    )
    return _as_rows(rows, indicator), counts


def _weighted_mean(
    parts: _Parts, catalog: Catalog, indicator: Indicator, values: pl.DataFrame
) -> pl.DataFrame | None:
    """sum(value x weight) / sum(weight) over the members with a value, with the weight
    a region would use (`chosen_weights`: the first of the indicator's weights that each
    of them has, in the same year or the nearest one)."""
    import polars as pl

    figures = {weight_id: parts.weights(weight_id) for weight_id in indicator.weights}
    figures = {weight_id: frame for weight_id, frame in figures.items() if frame.height}
    members = values.select("target", "period", pl.col("region").alias("member"))
    chosen = chosen_weights(indicator, members, figures)
    if chosen is None:
        return None
    weights = pl.concat(
        frame.select(
            "region",
            pl.col("period").alias("weight_period"),
            pl.col("value").alias("w"),
            pl.lit(weight_id).alias("weight_id"),
        )
        for weight_id, frame in figures.items()
    )
    joined = values.join(chosen, on=["target", "period"], maintain_order="left").join(
        weights, on=["region", "weight_period", "weight_id"], maintain_order="left"
    )
    grouped = (
        joined.group_by("target", "period")
        .agg(
            pl.len().alias("size"),
            (pl.col("value") * pl.col("w")).sum().alias("weighted"),
            pl.col("w").sum().alias("weights"),
            pl.col("weight_period").first(),
            pl.col("weight_id").first(),
            status_of_parts(pl.col("status")).alias("status"),
            _sources(),
        )
        .filter(pl.col("weights") != 0)
    )
    known = [catalog.indicators[w] for w in indicator.weights if w in catalog.indicators]
    rows = grouped.with_columns(
        (pl.col("weighted") / pl.col("weights")).alias("value"),
        weighted_mean_rule(indicator, known).alias("rule"),
    )
    return _as_rows(rows, indicator)


def _counts(values: pl.DataFrame) -> pl.DataFrame:
    """(target, period, n): how many members had a figure."""
    return values.group_by("target", "period").len()


def _sources() -> pl.Expr:
    import polars as pl

    return pl.col("source").drop_nulls().unique().sort().str.join(", ").alias("source")


def _as_rows(rows: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """Observation rows with the group's `target` (its code comes later)."""
    import polars as pl

    return rows.select(
        "target",
        pl.lit(indicator.id).alias("indicator"),
        "period",
        "value",
        "status",
        "source",
        pl.lit(True).alias("computed"),
        "rule",
    )


def no_value_reason(indicator: Indicator, group: PeerGroup, with_value: int, year: str) -> str:
    """Why a group has no value for an indicator, in the analyst's words."""
    if indicator.aggregate is Aggregation.NONE:
        return indicator.aggregate_reason or "niet uit gemeenten samen te stellen (regel 'none')"
    if not group.members:
        return f"geen andere gemeente heeft deze klassen ({group.rule})"
    if with_value == 0:
        return f"geen van de {len(group.members)} gemeenten heeft een cijfer voor {year}"
    return f"het gewicht '{indicator.weight}' ontbreekt voor gemeenten met een cijfer in {year}"


def distance_drivers(shares: Mapping[str, float]) -> str:
    """What makes `nearest` near, for a reader: each context indicator's share of the
    distance, largest first ("inwoners 47%, omgevingsadressendichtheid 25%, ...")."""
    ordered = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{label} {dutch_number(share * 100, 0)}%" for label, share in ordered)
