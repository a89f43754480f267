"""Breaks in a series: years from which a figure no longer compares with the years
before, so that a trend across them is never shown without saying so.

- **Definition breaks** are declared in the catalogue (`breaks` on a source or an
  indicator: year -> what changed), e.g. the health monitor's 19+ of 2012 and 2016
  against 18+ from 2020.
- **Boundary breaks** are found in the data: a municipality's code that first appears
  in a year (a merger created it; its earlier years are under the old municipalities'
  codes) or last appears in one (it was merged away). A year counts only when the data
  holds the whole country's municipalities in the years on both sides of it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bwmonitor.core.catalog import Indicator
from bwmonitor.core.regions import is_municipality

if TYPE_CHECKING:
    import polars as pl

#: fewer municipalities than this in a year is a part of the country, not its indeling
MIN_MUNICIPALITIES = 300
DEFINITION = "definitie"
#: marks a series with a break, in every output, explained in its footnotes
BREAK_MARK = "‡"
BOUNDARY = "indeling"


@dataclass(frozen=True, slots=True)
class SeriesBreak:
    """From `year` on, the series measures something else than before."""

    year: int
    kind: str  #: DEFINITION or BOUNDARY
    text: str

    def __str__(self) -> str:
        return f"{self.year} ({self.kind}): {self.text}"


def definition_breaks(indicator: Indicator) -> list[SeriesBreak]:
    """The catalogue's breaks of the indicator (its source's included), by year."""
    return [
        SeriesBreak(int(year), DEFINITION, text) for year, text in sorted(indicator.breaks.items())
    ]


def municipality_codes_by_year(observations: pl.DataFrame) -> dict[int, set[str]]:
    """Every municipality code with a figure in each year, over all indicators: the
    indeling of that year as far as the data shows it."""
    import polars as pl

    from bwmonitor.core.periods import year_of, year_periods

    municipal = observations.filter(year_periods() & pl.col("region").str.starts_with("GM"))
    years: dict[int, set[str]] = {}
    for year, region in municipal.select(year_of().alias("year"), "region").unique().iter_rows():
        years.setdefault(year, set()).add(region)
    return {year: codes for year, codes in years.items() if len(codes) >= MIN_MUNICIPALITIES}


def boundary_breaks(
    region: str, name: str, codes_by_year: Mapping[int, set[str]]
) -> list[SeriesBreak]:
    """A municipality that appears or disappears between two consecutive years of the
    data; nothing for other regions (their members are fixed, see aggregation.py)."""
    if not is_municipality(region):
        return []
    found = []
    for before, after in itertools.pairwise(sorted(codes_by_year)):
        if after != before + 1:
            continue  # a gap in the years: when it happened is not known
        if region in codes_by_year[after] and region not in codes_by_year[before]:
            text = (
                f"{name} ({region}) bestaat sinds {after} (herindeling); de jaren ervoor "
                "staan onder de codes van de oude gemeenten"
            )
            found.append(SeriesBreak(after, BOUNDARY, text))
        if region in codes_by_year[before] and region not in codes_by_year[after]:
            text = f"{name} ({region}) bestaat na {before} niet meer (herindeling)"
            found.append(SeriesBreak(after, BOUNDARY, text))
    return found


def within(breaks: Iterable[SeriesBreak], first: int, last: int) -> list[SeriesBreak]:
    """The breaks a comparison from `first` to `last` crosses: those in (first, last]."""
    return [b for b in breaks if first < b.year <= last]
