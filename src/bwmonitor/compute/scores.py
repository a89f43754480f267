"""Scores 0–10 per indicator (OECD Regional Well-Being style) and, per theme, a region's
mean score and (for Drenthe's municipalities) its mean rank among the twelve, as the
regional research bureau sums a theme up.

Pure functions of the observations: no network, no disk. The rules (docs/compare.md,
"Thema's: rangen en scores"):

- score of a value x of indicator i in year t: min–max normalised over every Dutch
  municipality's value of i in the calendar years t-(window-1) .. t (the trend's
  window), 10 = best: 10·(x-min)/(max-min) when higher is better, 10·(max-x)/(max-min)
  when lower is better. A COROP region, the province or the country is scored on the
  same municipal scale, its score clamped to 0–10 (its value may lie outside when CBS
  publishes it from another source). No score for neutral indicators, counts, or when
  every municipality has the same value (max = min);
- theme score: the mean of the scores of its indicators with a score, with their number;
- theme rank: the mean of the ranks among Drenthe's twelve (`ranking.py`, 1 = best) of
  its indicators with a rank (neutral indicators and counts have none), with their
  number. A rank is relative: the last can still do well, and a rank says nothing about
  how large the differences are (`RANK_CAVEAT`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Aggregation, Direction, Indicator
from bwmonitor.core.periods import year_of, year_periods
from bwmonitor.core.regions import municipality_codes

if TYPE_CHECKING:
    import polars as pl

TOP_SCORE = 10.0
#: the bureau's caveat, wherever a mean rank is shown
RANK_CAVEAT = (
    "Een rang is relatief: een gemeente kan de laagste rang hebben en het toch goed doen, "
    "en een rang zegt niets over de grootte van de verschillen."
)


def score_formula(window: int) -> str:
    """The score's rule in the reader's words, for legends."""
    first = f"t−{window - 1}" if window > 1 else "t"
    return (
        "Score (0–10): per indicator 10 × (x − min) / (max − min), bij 'lager is beter' "
        f"10 × (max − x) / (max − min); min en max over alle Nederlandse gemeenten in de jaren "
        f"{first} t/m t (t = het getoonde jaar; het venster van de trend). Een regio krijgt "
        "een score op dezelfde schaal, begrensd op 0–10. Geen score voor indicatoren zonder "
        "beter of slechter en voor aantallen. Thema-score: het gemiddelde van de scores van "
        "de indicatoren van het thema (n = hoeveel)."
    )


RANK_FORMULA = (
    "Gemiddelde rang: het gemiddelde van de rangen onder de 12 Drentse gemeenten (1 = "
    "beste) over de indicatoren van het thema met een rang (n = hoeveel); zonder "
    "indicatoren zonder beter of slechter en aantallen."
)


def scored(indicator: Indicator) -> bool:
    """Whether an indicator gets a score and a rank: it has a better direction and is
    not a count (a large municipality is not the best one)."""
    return indicator.better is not Direction.NEUTRAL and indicator.aggregate is not (
        Aggregation.SUM
    )


def scale_score(value: float, low: float, high: float, better: Direction) -> float | None:
    """`value` on the 0–10 scale from `low` (the worst when higher is better) to
    `high`, clamped to 0–10; None when the scale has no width or no direction."""
    if high <= low or better is Direction.NEUTRAL:
        return None
    share = (value - low) / (high - low)
    if better is Direction.LOWER:
        share = 1 - share
    return min(TOP_SCORE, max(0.0, TOP_SCORE * share))


def indicator_scores(
    observations: pl.DataFrame,
    indicators: Sequence[Indicator],
    years: Mapping[str, int | None],
    window: int,
    regions: Sequence[str] | None = None,
) -> dict[tuple[str, str], float]:
    """(indicator, region) -> the score of the region's value in `years[indicator]`, for
    the scored indicators (`scored`) and `regions` (default: every region with a value).
    The scale: every municipality's value in the `window` years up to that year."""
    import polars as pl

    shown = {i.id: years.get(i.id) for i in indicators if scored(i)}
    chosen = pl.DataFrame(
        [(i, y) for i, y in shown.items() if y is not None],
        schema={"indicator": pl.String, "t": pl.Int32},
        orient="row",
    )
    values = (
        observations.filter(
            year_periods() & pl.col("value").is_not_null() & pl.col("value").is_not_nan()
        )
        .with_columns(year=year_of())
        .join(chosen, on="indicator")
    )
    bounds = (
        values.filter(
            municipality_codes()
            & (pl.col("year") > pl.col("t") - window)
            & (pl.col("year") <= pl.col("t"))
        )
        .group_by("indicator")
        .agg(low=pl.col("value").min(), high=pl.col("value").max())
    )
    at_shown = values.filter(pl.col("year") == pl.col("t"))
    if regions is not None:
        at_shown = at_shown.filter(pl.col("region").is_in(list(regions)))
    better = {i.id: i.better for i in indicators}
    scores = {}
    for row in at_shown.join(bounds, on="indicator").iter_rows(named=True):
        score = scale_score(row["value"], row["low"], row["high"], better[row["indicator"]])
        if score is not None:
            scores[(row["indicator"], row["region"])] = score
    return scores


def welfare_themes(themes: Iterable[tuple[str, str]]) -> list[str]:
    """The themes of (theme, better) pairs that have an indicator with a better
    direction, in order: a grouping of context figures (the catalogue's "Bevolking")
    has none, so it gets no score, no rank and no place in the welvaartswiel."""
    pairs = list(themes)
    return [
        theme
        for theme in dict.fromkeys(theme for theme, _ in pairs)
        if any(t == theme and better != Direction.NEUTRAL.value for t, better in pairs)
    ]


@dataclass(frozen=True, slots=True)
class ThemeStanding:
    """A region's summary of one theme: its mean score and its mean rank among
    Drenthe's twelve, each with the number of indicators it is over."""

    theme: str  #: the theme's title
    score: float | None  #: mean of the indicators' scores, 0–10; None: no score
    scored: int  #: indicators with a score
    rank: float | None  #: mean rank among Drenthe's 12; None: not a municipality of Drenthe
    ranked: int  #: indicators with a rank


def mean_of(values: Iterable[float | None]) -> tuple[float | None, int]:
    """(the mean of the values that exist, how many exist); (None, 0) for none."""
    present = [v for v in values if v is not None]
    return (sum(present) / len(present), len(present)) if present else (None, 0)


def theme_standings(
    rows: Iterable[tuple[str, float | None, int | None]],
) -> dict[str, ThemeStanding]:
    """Per theme, in order of first appearance: (theme title, score, rank) of a
    region's indicators summed up (`mean_of`)."""
    scores: dict[str, list[float | None]] = {}
    ranks: dict[str, list[float | None]] = {}
    for theme, score, rank in rows:
        scores.setdefault(theme, []).append(score)
        ranks.setdefault(theme, []).append(None if rank is None else float(rank))
    standings = {}
    for theme in scores:
        mean_score, scored_count = mean_of(scores[theme])
        mean_rank, ranked_count = mean_of(ranks[theme])
        standings[theme] = ThemeStanding(theme, mean_score, scored_count, mean_rank, ranked_count)
    return standings
