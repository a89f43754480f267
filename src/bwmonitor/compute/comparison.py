"""Comparisons on observations: a region against its benchmarks, per indicator.

Pure functions of the observations frame: no network, no disk. For each indicator
and region this gives the value of the shown year with its status, the benchmarks'
values and the difference to each (for counts: the share of each), the rank among
Drenthe's twelve municipalities, the quartile among all Dutch municipalities, the
position among all regions of its level, and the trend over recent years; and per
region a summary over the indicators shown.

Rules (documented in docs/compare.md):
- year: `shown_years`, shared with the export's overview;
- rank: 1 = best by the indicator's direction; ties share the better rank; only for
  municipalities, and not for neutral indicators or counts;
- quartile: 1 = the best quarter of all Dutch municipalities with a value that year
  (for neutral indicators: the highest quarter); none for counts;
- position: "k van N" among all municipalities, COROP regions or provinces (the
  region's level) with a value that year, and its quarter there; none for counts;
- summary: per region, the indicators in the best and the worst quarter of its level
  (neutral indicators and counts do not count) and the indicators with a value;
- trend (`compute/trend.py`): a least-squares line through every figure of the calendar
  years t-7 .. t (t the shown year; `window`), its arrow the sign of the slope, its
  judgement by a two-sided t-test on the slope ("beter"/"slechter" when p < 0.05 by
  the direction, "geen significante verandering" otherwise, "onvoldoende gegevens"
  under three figures; none for neutral indicators);
- recent change: since the previous figure before the shown year; shares and rates in
  their own unit (percentage points for %), counts and amounts in % (`recent_change`);
- score and themes (`scores.py`): each row's score 0–10 on the municipal scale of the
  trend window, and per region each theme's mean score and mean rank among Drenthe's 12.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bwmonitor.compute.breaks import (
    boundary_breaks,
    definition_breaks,
    municipality_codes_by_year,
    within,
)
from bwmonitor.compute.observations import NOT_IN_SNAPSHOT
from bwmonitor.compute.ranking import (
    Standing,
    Summary,
    level_positions,
    municipality_positions,
    summary,
)
from bwmonitor.compute.scores import ThemeStanding, indicator_scores, theme_standings
from bwmonitor.compute.trend import (
    MIN_POINTS,
    TREND_WINDOW,
    Fit,
    fit,
    in_window,
    judgement,
    movement,
    window_years,
)
from bwmonitor.compute.trend import period_date as trend_date
from bwmonitor.core.catalog import Aggregation, Catalog, Direction, Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.periods import YEAR_SPAN, label, year_code, year_of, year_periods
from bwmonitor.core.regions import Level, Region
from bwmonitor.core.units import PERCENT

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True, slots=True)
class BenchmarkValue:
    """A benchmark's figure next to a row's, and how the row's value compares with it:
    for counts by `share` (the value as a % of the benchmark's), else by `difference`
    (value - benchmark, unrounded); the other one is None."""

    region: str
    region_name: str
    value: float | None
    status: str | None
    source: str | None
    computed: bool
    by_share: bool  #: a count: compared by share
    difference: float | None = None
    rule: str | None = None  #: how bwmonitor computed it, when it did
    share: float | None = None
    #: a peer group (peers.py): its municipalities, how many had a value (the mean's),
    #: why it has none, and the group itself (rule, year, members); None for a region
    members: int | None = None
    members_with_value: int | None = None
    reason: str | None = None
    group: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The record of `compare --format json`: only the comparison that applies."""
        against = {"share": self.share} if self.by_share else {"difference": self.difference}
        return {
            "region": self.region,
            "region_name": self.region_name,
            "value": self.value,
            "status": self.status,
            "source": self.source,
            "computed": self.computed,
            "rule": self.rule,
            **against,
            **self._group_fields(),
        }

    def _group_fields(self) -> dict[str, Any]:
        """A peer group's fields (last, so a region's record stays as it was)."""
        if self.group is None:
            return {}
        return {
            "members": self.members,
            "members_with_value": self.members_with_value,
            "reason": self.reason,
            "group": self.group,
        }


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One indicator for one region: its value in the shown year, the benchmarks, its
    position among municipalities and among its level, its trend, and the region's
    summary over all indicators shown (the same on each of its rows). The fields are
    those of `compare --format json`, in that order."""

    indicator: str
    title: str
    theme: str  #: the theme's title
    unit: str  #: CBS's value stays as it is: value × scale is the amount in unit (units.py)
    scale: int
    decimals: int
    better: str  #: "higher", "lower" or "neutral"
    region: str
    region_name: str
    period: str | None  #: the shown year, '2020'; None: no region shown has a figure
    value: float | None
    status: str | None
    source: str | None
    computed: bool
    rule: str | None
    reason: str | None  #: why there is no value, in the analyst's words
    benchmarks: tuple[BenchmarkValue, ...]
    rank_drenthe: int | None
    rank_of: int | None
    quartile_nl: int | None
    quartile_of: int | None
    quartile_label: str | None
    position: int | None  #: among the regions of its level with a value, 1 = best
    position_of: int | None  #: how many regions of its level have a value (N)
    position_level: str | None  #: "gemeente", "corop" or "provincie"
    position_quarter: int | None  #: 1 = best quarter of the level (neutral: highest)
    position_quarter_label: str | None
    trend_movement: str | None
    trend_judgement: str | None
    trend_from: str | None
    trend_to: str | None
    trend_change: float | None
    summary_best: int = 0  #: the region's indicators in the best quarter of its level
    summary_worst: int = 0  #: ... in the worst quarter
    summary_placed: int = 0  #: ... with a position that counts (not neutral, not counts)
    summary_with_value: int = 0  #: ... with a value
    summary_shown: int = 0  #: indicators shown
    #: the brede welvaart "later" capital CBS assigns, if any (last: the CSV's columns
    #: before it keep their places)
    capital: str | None = None
    #: breaks in the series shown (breaks.py): "2020 (definitie): ..."; None: none
    breaks: str | None = None
    # the trend's test (compute/trend.py); last, so the CSV's columns before keep places
    trend_slope: float | None = None  #: per year, in CBS's value (as `value`)
    trend_p: float | None = None  #: two-sided p-value of the slope; None under 3 figures
    trend_n: int | None = None  #: figures in the window
    trend_window: str | None = None  #: the window's calendar years, "2017–2024"
    # the change since the previous figure (`recent_change`)
    change_from: str | None = None  #: the previous figure's year
    change: float | None = None
    change_unit: str | None = None  #: "procentpunt", "%", or a rate's own unit
    #: the score 0–10 of the value (scores.py); None: neutral, a count, or no value
    score: float | None = None
    #: the region's theme of this row summed up (scores.py), the same on each of its rows:
    #: the mean score over `theme_score_n` indicators, the mean rank among Drenthe's 12
    #: over `theme_rank_n` indicators
    theme_score: float | None = None
    theme_score_n: int = 0
    theme_rank: float | None = None
    theme_rank_n: int = 0

    def as_json(self) -> dict[str, Any]:
        """The record of `compare --format json`."""
        record = {name: getattr(self, name) for name in self.__dataclass_fields__}
        record["benchmarks"] = [b.as_json() for b in self.benchmarks]
        return record


@dataclass(frozen=True, slots=True)
class Comparison:
    records: list[ComparisonRow]
    regions: list[Region]
    benchmarks: list[Region]
    indicators: list[Indicator]
    summaries: dict[str, Summary] = field(default_factory=dict)  #: per region code
    #: per region code, per theme title: its mean score and mean rank (scores.py)
    themes: dict[str, dict[str, ThemeStanding]] = field(default_factory=dict)


def compare(
    observations: pl.DataFrame,
    catalog: Catalog,
    regions: Sequence[Region],
    benchmarks: Sequence[Region],
    indicators: Sequence[Indicator],
    year: int | None = None,
    gaps: dict[str, list[str]] | None = None,
    window: int = TREND_WINDOW,
) -> Comparison:
    """One record per indicator and region, in catalogue order."""
    import polars as pl

    if year is not None:
        check_year(observations, year)
    check_window(window)
    ids = [i.id for i in indicators]
    yearly = observations.filter(pl.col("indicator").is_in(ids) & year_periods())
    years = shown_years(
        yearly.select("indicator", "region", year=year_of()),
        [r.code for r in regions],
        [b.code for b in benchmarks],
        year,
    )
    chosen = pl.DataFrame(
        [(i, year_code(y)) for i, y in years.items() if y is not None],
        schema={"indicator": pl.String, "period": pl.String},
        orient="row",
    )
    at_chosen = yearly.join(chosen, on=["indicator", "period"])
    # ranks need every municipality; the records only the regions shown
    shown_regions = [r.code for r in (*regions, *benchmarks)]
    positions = _positions(at_chosen, catalog, shown_regions)
    levels = _level_positions(at_chosen, catalog, shown_regions)
    at_shown = at_chosen.filter(pl.col("region").is_in(shown_regions))
    lookup = {(row["indicator"], row["region"]): row for row in at_shown.iter_rows(named=True)}
    series = _series(observations, ids, [r.code for r in regions])
    observed = {
        (indicator_id, period)
        for indicator_id, period in observations.select("indicator", "period").unique().iter_rows()
    }
    with_any = {indicator_id for indicator_id, _ in observed}
    with_data = set(yearly["indicator"].unique().to_list())
    records = []
    for indicator in indicators:
        shown = years.get(indicator.id, year)
        period = year_code(shown) if shown is not None else None
        for region in regions:
            row = lookup.get((indicator.id, region.code))
            # no weight has figures at all (in no year: the nearest year would do)
            weight_missing = bool(indicator.weights) and not with_any & set(indicator.weights)
            # a year the indicator has no figures for at all, anywhere (`--year`)
            year_missing = period is not None and (indicator.id, period) not in observed
            records.append(
                _record(
                    indicator,
                    region,
                    period,
                    row,
                    benchmarks,
                    lookup,
                    positions,
                    levels.get((indicator.id, region.code), {}),
                    series.get((indicator.id, region.code), []),
                    window,
                    catalog,
                    gaps_of(indicator, gaps or {}),
                    weight_missing,
                    indicator.id in with_data,
                    year_missing,
                )
            )
    codes_by_year = municipality_codes_by_year(observations)
    by_id = {indicator.id: indicator for indicator in indicators}
    names = {region.code: region.name for region in regions}
    records = [
        replace(record, breaks=crossed_breaks(record, by_id, names, codes_by_year, window))
        for record in records
    ]
    summaries = {region.code: region_summary(records, region.code) for region in regions}
    records = [with_summary(record, summaries[record.region]) for record in records]
    records, themes = with_scores(observations, records, indicators, years, window)
    return Comparison(records, list(regions), list(benchmarks), list(indicators), summaries, themes)


def with_scores(
    observations: pl.DataFrame,
    records: list[ComparisonRow],
    indicators: Sequence[Indicator],
    years: dict[str, int | None],
    window: int,
) -> tuple[list[ComparisonRow], dict[str, dict[str, ThemeStanding]]]:
    """The records with their score, and per region its themes summed up (scores.py):
    the mean score and the mean rank among Drenthe's 12 over the indicators shown."""
    regions = list(dict.fromkeys(record.region for record in records))
    scores = indicator_scores(observations, indicators, years, window, regions)
    records = [
        replace(record, score=scores.get((record.indicator, record.region))) for record in records
    ]
    themes = {
        region: theme_standings(
            (record.theme, record.score, record.rank_drenthe)
            for record in records
            if record.region == region
        )
        for region in regions
    }
    records = [with_theme(record, themes[record.region][record.theme]) for record in records]
    return records, themes


def with_theme(record: ComparisonRow, standing: ThemeStanding) -> ComparisonRow:
    return replace(
        record,
        theme_score=standing.score,
        theme_score_n=standing.scored,
        theme_rank=standing.rank,
        theme_rank_n=standing.ranked,
    )


def crossed_breaks(
    record: ComparisonRow,
    indicators: dict[str, Indicator],
    names: dict[str, str],
    codes_by_year: dict[int, set[str]],
    window: int,
) -> str | None:
    """The breaks in the series a record shows (`breaks.py`), as one text: a definition
    break its trend crosses, and a municipality created or merged away within the trend
    window (why its series starts or ends there). None: none."""
    found = []
    if record.trend_from and record.trend_to:
        declared = definition_breaks(indicators[record.indicator])
        # a span's first and last year ('2018-2021'); a year is both
        first, last_to = int(record.trend_from[:4]), int(record.trend_to[-4:])
        found += within(declared, first, last_to)
    if record.period:
        last = int(record.period)
        boundaries = boundary_breaks(record.region, names[record.region], codes_by_year)
        found += within(boundaries, last - window, last)
    return "; ".join(str(b) for b in found) or None


def region_summary(records: Sequence[ComparisonRow], region: str) -> Summary:
    """The summary (`ranking.summary`) of `region` over its records."""
    return summary(
        Standing(
            has_value=record.value is not None,
            quarter=record.position_quarter,
            directed=record.better != Direction.NEUTRAL.value,
        )
        for record in records
        if record.region == region
    )


def with_summary(record: ComparisonRow, of_region: Summary) -> ComparisonRow:
    return replace(
        record,
        summary_best=of_region.best,
        summary_worst=of_region.worst,
        summary_placed=of_region.placed,
        summary_with_value=of_region.with_value,
        summary_shown=of_region.shown,
    )


def check_year(observations: pl.DataFrame, year: int) -> None:
    """InvalidInput unless some indicator has a figure for `year`: a year the data does
    not have gets one line naming the years it covers, not a table of empty cells."""

    years = observations.filter(year_periods()).select(year_of().unique()).to_series().to_list()
    if not years:
        covers = "the data has no yearly figures"
    elif min(years) == max(years):
        covers = f"the data covers {min(years)}"
    else:
        covers = f"the data covers {min(years)}–{max(years)}"
    if not 1000 <= year <= 9999:
        raise InvalidInput(f"--year {year} is not a year", hint=covers)
    if year not in years:
        raise InvalidInput(f"no data for {year}", hint=covers)


def check_window(window: int) -> None:
    """InvalidInput for a trend window too short to test a slope in."""
    if window < MIN_POINTS:
        raise InvalidInput(
            f"--trend-window {window} holds too few years for a trend",
            hint=f"at least {MIN_POINTS} calendar years; CBS's monitors use {TREND_WINDOW}",
        )


def shown_years(
    values: pl.DataFrame,
    focus: Sequence[str],
    benchmarks: Sequence[str],
    year: int | None = None,
) -> dict[str, int | None]:
    """Per indicator, the year a comparison shows; `compare` and the export's overview
    both ask this, so they never show different years for the same regions.

    `values` has one row per figure that exists: `indicator`, `region`, `year` (int).
    The year is `year` when asked; else the latest year in which a focus region has a
    value; else (no focus region has one, e.g. a `none` rule for COROP regions) the
    latest year in which a benchmark has one, so the reader sees at least that; else
    None: none of the shown regions has a figure in any year.
    """
    import polars as pl

    indicators = values["indicator"].unique().to_list()
    if year is not None:
        return dict.fromkeys(indicators, year)
    shown: dict[str, int | None] = dict.fromkeys(indicators)
    # benchmarks first, so that a focus region's year overwrites theirs
    for regions in (benchmarks, focus):
        latest = (
            values.filter(pl.col("region").is_in(list(regions)))
            .group_by("indicator")
            .agg(pl.col("year").max())
        )
        shown.update({i: int(y) for i, y in latest.iter_rows()})
    return shown


def _positions(
    at_chosen: pl.DataFrame, catalog: Catalog, shown: Sequence[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Rank among Drenthe's municipalities and quartile among all Dutch ones, of the
    regions `shown`."""
    import polars as pl

    positions: dict[tuple[str, str], dict[str, Any]] = {}
    ranked = municipality_positions(at_chosen, catalog).filter(pl.col("region").is_in(shown))
    for row in ranked.iter_rows(named=True):
        entry = {"quartile": row["quartile"], "quartile_of": row["quartile_of"]}
        if row["rank_drenthe"] is not None:
            entry |= {"rank_drenthe": row["rank_drenthe"], "rank_of": row["rank_of"]}
        positions[(row["indicator"], row["region"])] = entry
    return positions


def _level_positions(
    at_chosen: pl.DataFrame, catalog: Catalog, shown: Sequence[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Position among the regions of their level, of the regions `shown`."""
    import polars as pl

    placed = level_positions(at_chosen, catalog).filter(pl.col("region").is_in(shown))
    return {
        (row["indicator"], row["region"]): {
            "position": row["position"],
            "position_of": row["position_of"],
            "position_level": row["level"],
            "position_quarter": row["position_quarter"],
        }
        for row in placed.iter_rows(named=True)
    }


def _series(
    observations: pl.DataFrame, ids: list[str], focus: list[str]
) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Per indicator and focus region its figures (period, value), for the trend and the
    recent change: yearly ones and spans of years ('2018-2021', a local CSV's)."""
    import polars as pl

    spans = pl.col("period").str.contains(YEAR_SPAN.pattern)
    rows = observations.filter(
        pl.col("indicator").is_in(ids)
        & pl.col("region").is_in(focus)
        & (year_periods() | spans)
        & pl.col("value").is_not_null()
    )
    series: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for indicator_id, region, period, value in rows.select(
        "indicator", "region", "period", "value"
    ).iter_rows():
        series.setdefault((indicator_id, region), []).append((period, value))
    return series


NO_TREND: dict[str, Any] = {
    "trend_movement": None,
    "trend_judgement": None,
    "trend_from": None,
    "trend_to": None,
    "trend_change": None,
    "trend_slope": None,
    "trend_p": None,
    "trend_n": None,
    "trend_window": None,
}


def trend(
    points: Sequence[tuple[str, float]],
    period: str | None,
    better: Direction,
    window: int = TREND_WINDOW,
) -> dict[str, Any]:
    """The trend (`compute/trend.py`) of a series of (period, value) in the `window`
    calendar years up to `period`'s year: the fields of a ComparisonRow.

    `trend_from`/`trend_to` are the first and the last figure in the window and
    `trend_change` the change between them; the arrow and the judgement come from the
    line through all of them, not from those two."""
    if period is None:
        return dict(NO_TREND)
    shown = int(period[:4])
    inside = sorted(
        ((p, v) for p, v in points if in_window(p, shown, window)),
        key=lambda point: trend_date(point[0]) or 0.0,
    )
    first_year, last_year = window_years(shown, window)
    found: Fit = fit([(trend_date(p) or 0.0, v) for p, v in inside])
    ends = (
        {
            "trend_from": label(inside[0][0]),
            "trend_to": label(inside[-1][0]),
            "trend_change": inside[-1][1] - inside[0][1],
        }
        if len(inside) >= 2
        else {"trend_from": None, "trend_to": None, "trend_change": None}
    )
    return {
        "trend_movement": movement(found.slope),
        "trend_judgement": judgement(found, better),
        **ends,
        "trend_slope": found.slope,
        "trend_p": found.p,
        "trend_n": found.n,
        "trend_window": f"{first_year}–{last_year}",
    }


#: units whose change reads as a difference in the unit itself: a share in percentage
#: points, a rate per 1.000 in per 1.000, a scale score in points; a count or an amount
#: (euro, km, kWh) changes in %
POINTS_UNIT = "procentpunt"
PERCENT_CHANGE = "%"


def change_unit(unit: str) -> str:
    """How a change of a figure in `unit` reads: "procentpunt" for %, the unit itself
    for a rate ("per 1.000 inwoners") or a score, "%" for counts and amounts."""
    if unit == PERCENT:
        return POINTS_UNIT
    if unit.startswith("per ") or unit == "score":
        return unit
    return PERCENT_CHANGE


def recent_change(
    points: Sequence[tuple[str, float]], period: str | None, value: float | None, unit: str
) -> dict[str, Any]:
    """The change since the previous figure before `period` (the latest earlier one the
    region has): `change_from` its year, `change` the difference in the unit
    (`change_unit`), or for counts and amounts the change in % of the previous figure."""
    none: dict[str, Any] = {"change_from": None, "change": None, "change_unit": None}
    if period is None or value is None:
        return none
    shown = trend_date(year_code(period[:4])) or 0.0
    earlier = [(p, v) for p, v in points if (trend_date(p) or shown) < shown]
    if not earlier:
        return none
    previous_period, previous = max(earlier, key=lambda point: trend_date(point[0]) or 0.0)
    reads = change_unit(unit)
    if reads == PERCENT_CHANGE:
        if previous == 0:
            return none
        change = (value - previous) / abs(previous) * 100
    else:
        change = value - previous
    return {"change_from": label(previous_period), "change": change, "change_unit": reads}


def is_count(indicator: Indicator) -> bool:
    """A count (`aggregate = "sum"`) grows with the region: a large municipality is
    neither better nor worse for it, and its difference to a larger benchmark says
    nothing, so it gets no rank, no quarter, and a share instead of a difference."""
    return indicator.aggregate is Aggregation.SUM


NEUTRAL_QUARTERS = {
    1: "hoogste kwart",
    2: "2e hoogste kwart",
    3: "2e laagste kwart",
    4: "laagste kwart",
}


DIRECTED_QUARTERS = {
    1: "beste kwart",
    2: "tweede kwart",
    3: "derde kwart",
    4: "slechtste kwart",
}
NEUTRAL_POSITION_QUARTERS = {
    1: "hoogste kwart",
    2: "tweede hoogste kwart",
    3: "tweede laagste kwart",
    4: "laagste kwart",
}


def position_quarter_label(quarter: int | None, better: Direction) -> str | None:
    """How the quarter of a position reads: 'beste kwart' to 'slechtste kwart' by the
    direction, as the summary counts them; for a neutral indicator 'hoogste kwart' to
    'laagste kwart' (in words, as beside them: 'tweede hoogste kwart')."""
    if quarter is None:
        return None
    if better is Direction.NEUTRAL:
        return NEUTRAL_POSITION_QUARTERS[quarter]
    return DIRECTED_QUARTERS[quarter]


def quarter_label(quartile: int | None, better: Direction) -> str | None:
    """How a quarter reads: '1e kwart' (= best) to '4e kwart' (= worst) by the
    direction; for a neutral indicator 'hoogste kwart' to 'laagste kwart', since a
    high value is not better there."""
    if quartile is None:
        return None
    if better is Direction.NEUTRAL:
        return NEUTRAL_QUARTERS[quartile]
    return f"{quartile}e kwart"


def share_or_difference(
    indicator: Indicator, value: float | None, benchmark: float | None
) -> dict[str, float | None]:
    """The benchmark field comparing `value` with it: for counts `share` (the value as
    a % of the benchmark's), else `difference` (value - benchmark, unrounded)."""
    field = "share" if is_count(indicator) else "difference"
    if value is None or benchmark is None or (field == "share" and benchmark == 0):
        return {field: None}
    return {field: value / benchmark * 100 if field == "share" else value - benchmark}


def _record(
    indicator: Indicator,
    region: Region,
    period: str | None,
    row: dict[str, Any] | None,
    benchmarks: Sequence[Region],
    lookup: dict[tuple[str, str], dict[str, Any]],
    positions: dict[tuple[str, str], dict[str, Any]],
    level_position: dict[str, Any],
    points: list[tuple[str, float]],
    window: int,
    catalog: Catalog,
    gaps: list[str],
    weight_missing: bool,
    has_data: bool,
    year_missing: bool = False,
) -> ComparisonRow:
    value = row["value"] if row else None
    benchmark_values = []
    for benchmark in benchmarks:
        other = lookup.get((indicator.id, benchmark.code))
        other_value = other["value"] if other else None
        against = share_or_difference(indicator, value, other_value)
        benchmark_values.append(
            BenchmarkValue(
                region=benchmark.code,
                region_name=benchmark.name,
                value=other_value,
                status=(other["status"] or None) if other else None,
                source=other["source"] if other else None,
                computed=bool(other["computed"]) if other else False,
                rule=other["rule"] if other else None,
                by_share="share" in against,
                difference=against.get("difference"),
                share=against.get("share"),
            )
        )
    position = {} if is_count(indicator) else positions.get((indicator.id, region.code), {})
    placed = {} if is_count(indicator) else level_position
    neutral = indicator.better is Direction.NEUTRAL
    return ComparisonRow(
        indicator=indicator.id,
        title=indicator.title,
        theme=catalog.themes[indicator.theme].title,
        capital=indicator.capital.value if indicator.capital else None,
        unit=indicator.quantity.unit.name,
        scale=indicator.quantity.unit.scale,
        decimals=indicator.decimals,
        better=indicator.better.value,
        region=region.code,
        region_name=region.name,
        period=period[:4] if period else None,
        value=value,
        status=(row["status"] or None) if row else None,
        source=row["source"] if row else None,
        computed=bool(row["computed"]) if row else False,
        rule=row["rule"] if row else None,
        reason=None
        if row
        else _reason(indicator, region, period, gaps, weight_missing, has_data, year_missing),
        benchmarks=tuple(benchmark_values),
        rank_drenthe=None if neutral else position.get("rank_drenthe"),
        rank_of=None if neutral else position.get("rank_of"),
        quartile_nl=position.get("quartile"),
        quartile_of=position.get("quartile_of"),
        quartile_label=quarter_label(position.get("quartile"), indicator.better),
        position=placed.get("position"),
        position_of=placed.get("position_of"),
        position_level=placed.get("position_level"),
        position_quarter=placed.get("position_quarter"),
        position_quarter_label=position_quarter_label(
            placed.get("position_quarter"), indicator.better
        ),
        **trend(points, period, indicator.better, window),
        **recent_change(points, period, value, indicator.quantity.unit.name),
    )


def gaps_of(indicator: Indicator, gaps: dict[str, list[str]]) -> list[str]:
    """Why an indicator lacks data: its own gaps, or for a derived ratio (which reads no
    table itself) those of its numerator and denominator."""
    own = gaps.get(indicator.id, [])
    parts = [gap for part in indicator.dependencies for gap in gaps.get(part, [])]
    return own or list(dict.fromkeys(parts))


def _reason(
    indicator: Indicator,
    region: Region,
    period: str | None,
    gaps: list[str],
    weight_missing: bool = False,
    has_data: bool = False,
    year_missing: bool = False,
) -> str:
    """Why an indicator has no value for a region, in the analyst's words."""
    if period is None and not has_data:
        details = "; ".join(gaps) if gaps else "de tabel is nog niet opgehaald"
        if gaps and all(NOT_IN_SNAPSHOT in gap for gap in gaps):
            return f"{NOT_IN_SNAPSHOT}; `bwmonitor fetch` haalt dit op: {details}"
        return f"niet in de beschikbare tabellen: {details}"
    if region.level is not Level.MUNICIPALITY and indicator.aggregate.value == "none":
        why = indicator.aggregate_reason or "niet uit gemeenten samen te stellen (regel 'none')"
        return f"{why}, en niet door de bron gepubliceerd voor deze regio"
    if year_missing and period is not None:
        known = f" ({'; '.join(gaps)})" if gaps else ""
        return f"de tabellen hebben voor {period[:4]} geen cijfers van deze indicator{known}"
    if region.is_aggregate and weight_missing:
        return f"het gewicht '{indicator.weight}' heeft geen cijfers, dus geen gewogen gemiddelde"
    when = f"voor {period[:4]}" if period else "in enig jaar"
    if region.is_aggregate:
        return f"niet alle gemeenten van de regio hebben een cijfer {when}"
    return f"geen cijfer {when}"
