"""The comparison's rules called directly: the year shown, share or difference, the
quarter's wording and the trend's reading, on small frames and plain values."""

from __future__ import annotations

import polars as pl
import pytest

from bwmonitor.compute.comparison import (
    check_year,
    quarter_label,
    share_or_difference,
    shown_years,
    trend,
)
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Direction, Indicator
from bwmonitor.core.errors import InvalidInput

CATALOG = """
[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.inwoners]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "s"
measure = "Inwoners_1"
aggregate = "sum"

[indicators.werkloosheid]
title = "Werkloosheid"
theme = "t"
unit = "%"
better = "lower"
source = "s"
measure = "Werkloosheid_2"
aggregate = "none"
"""


def indicator(indicator_id: str) -> Indicator:
    return catalog_module.parse(CATALOG, "test", None).indicators[indicator_id]


def figures(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """(indicator, region, year) of each figure that exists."""
    return pl.DataFrame(
        rows, schema={"indicator": pl.String, "region": pl.String, "year": pl.Int32}, orient="row"
    )


# ---------------------------------------------------------------- the year shown


def test_the_latest_year_of_a_focus_region_is_shown() -> None:
    """The benchmarks' later year does not win over the focus region's latest year."""
    values = figures([("a", "CR08", 2021), ("a", "CR08", 2022), ("a", "PV22", 2024)])
    assert shown_years(values, ["CR08"], ["PV22", "NL01"]) == {"a": 2022}


def test_without_a_focus_figure_the_benchmarks_latest_year_is_shown() -> None:
    """A `none` rule leaves COROP regions without figures: Drenthe's year is shown."""
    values = figures([("a", "PV22", 2020), ("a", "NL01", 2023), ("a", "GM0114", 2024)])
    assert shown_years(values, ["CR08"], ["PV22", "NL01"]) == {"a": 2023}


def test_an_indicator_no_shown_region_has_gets_no_year() -> None:
    values = figures([("a", "GM0114", 2024), ("b", "CR08", 2020)])
    assert shown_years(values, ["CR08"], ["PV22"]) == {"a": None, "b": 2020}


def test_an_asked_year_is_shown_for_every_indicator() -> None:
    values = figures([("a", "CR08", 2022), ("b", "CR08", 2020)])
    assert shown_years(values, ["CR08"], ["PV22"], year=2019) == {"a": 2019, "b": 2019}


def test_a_year_without_data_names_the_years_covered() -> None:
    observations = pl.DataFrame({"period": ["2019JJ00", "2023JJ00", "2024KW01"]})
    check_year(observations, 2019)
    with pytest.raises(InvalidInput) as error:
        check_year(observations, 2021)
    assert (error.value.message, error.value.hint) == (
        "no data for 2021",
        "the data covers 2019–2023",
    )


# ---------------------------------------------------------------- share or difference


def test_a_count_is_compared_as_a_share_of_the_benchmark() -> None:
    """Emmen's 107.000 inhabitants against Drenthe's 500.000: 21,4% of it, no difference."""
    assert share_or_difference(indicator("inwoners"), 107_000, 500_000) == {
        "share": pytest.approx(21.4)
    }


def test_a_share_of_a_benchmark_of_zero_is_none() -> None:
    assert share_or_difference(indicator("inwoners"), 5, 0) == {"share": None}


def test_a_rate_is_compared_as_an_unrounded_difference() -> None:
    got = share_or_difference(indicator("werkloosheid"), 10.04, 9.96)
    assert got.keys() == {"difference"}
    assert got["difference"] == pytest.approx(0.08)


def test_a_missing_value_or_benchmark_compares_to_none() -> None:
    assert share_or_difference(indicator("werkloosheid"), None, 4.0) == {"difference": None}
    assert share_or_difference(indicator("inwoners"), 100, None) == {"share": None}


# ---------------------------------------------------------------- quarters


@pytest.mark.parametrize("better", [Direction.HIGHER, Direction.LOWER])
def test_a_quarter_with_a_direction_reads_first_to_fourth(better: Direction) -> None:
    assert [quarter_label(q, better) for q in (1, 2, 3, 4)] == [
        "1e kwart",
        "2e kwart",
        "3e kwart",
        "4e kwart",
    ]


def test_a_neutral_quarter_reads_highest_to_lowest() -> None:
    """A high value is not better for a neutral indicator: no 'first quarter'."""
    assert [quarter_label(q, Direction.NEUTRAL) for q in (1, 2, 3, 4)] == [
        "hoogste kwart",
        "2e hoogste kwart",
        "2e laagste kwart",
        "laagste kwart",
    ]
    assert quarter_label(None, Direction.NEUTRAL) is None


# ---------------------------------------------------------------- trend


def test_a_significant_fall_is_better_when_lower_is_better() -> None:
    """12, 11, 9, 8 over 2017–2020 falls significantly (slope -1,4, t ≈ -9,9, df 2, p ≈ 0,01)."""
    points = [("2017JJ00", 12.0), ("2018JJ00", 11.0), ("2019JJ00", 9.0), ("2020JJ00", 8.0)]
    lower = trend(points, "2020JJ00", Direction.LOWER)
    assert (lower["trend_movement"], lower["trend_judgement"]) == ("lager", "beter")
    assert lower["trend_slope"] == pytest.approx(-1.4)
    higher = trend(points, "2020JJ00", Direction.HIGHER)
    assert (higher["trend_movement"], higher["trend_judgement"]) == ("lager", "slechter")


def test_a_change_within_the_scatter_is_not_significant() -> None:
    """The arrow still shows the slope's sign; the judgement says it is not significant
    (10, 12, 9, 12: slope 0,3 per year, p ≈ 0,7)."""
    points = [("2017JJ00", 10.0), ("2018JJ00", 12.0), ("2019JJ00", 9.0), ("2020JJ00", 12.0)]
    got = trend(points, "2020JJ00", Direction.HIGHER)
    assert got["trend_movement"] == "hoger" and got["trend_p"] > 0.05
    assert got["trend_judgement"] == "geen significante verandering"


def test_a_neutral_trend_has_a_movement_and_no_judgement() -> None:
    points = [("2018JJ00", 1.0), ("2019JJ00", 2.0), ("2020JJ00", 3.5)]
    got = trend(points, "2020JJ00", Direction.NEUTRAL)
    assert (got["trend_movement"], got["trend_judgement"]) == ("hoger", None)


def test_the_trend_runs_from_the_first_to_the_last_year_in_the_window() -> None:
    """A window of 5 years up to 2022 starts in 2018: 2016's figure is left out; three
    figures on a straight line are a significant rise."""
    points = [("2016JJ00", 1.0), ("2018JJ00", 10.0), ("2020JJ00", 11.0), ("2022JJ00", 12.0)]
    got = trend(points, "2022JJ00", Direction.HIGHER, 5)
    assert (got["trend_from"], got["trend_to"], got["trend_window"]) == (
        "2018",
        "2022",
        "2018–2022",
    )
    assert got["trend_change"] == pytest.approx(2.0)
    assert got["trend_slope"] == pytest.approx(0.5) and got["trend_n"] == 3
    assert (got["trend_movement"], got["trend_judgement"]) == ("hoger", "beter")
