"""Period codes, statuses and marks: the one place each is decided."""

from __future__ import annotations

import polars as pl

from bwmonitor.compute.aggregation import status_of_parts
from bwmonitor.core import periods
from bwmonitor.core.periods import (
    COMPUTED_MARK,
    DEFINITIVE,
    MARKER_LEGEND,
    PROVISIONAL,
    REVISED_PROVISIONAL,
    STATUS_ORDER,
    UNKNOWN_STATUS,
    marker,
    marks,
    year_code,
    year_of,
    year_periods,
)


def test_each_status_has_its_marker() -> None:
    """Provisional '*', revised provisional '**'; definitive and unknown none."""
    assert [marker(s) for s in (DEFINITIVE, PROVISIONAL, REVISED_PROVISIONAL)] == ["", "*", "**"]
    assert marker(UNKNOWN_STATUS) == marker(None) == marker("Geschat") == ""


def test_marks_put_the_status_marker_before_the_computed_mark() -> None:
    """A computed provisional figure reads '12,3*†'."""
    assert marks(PROVISIONAL, computed=True) == "*" + COMPUTED_MARK
    assert marks(REVISED_PROVISIONAL, computed=False) == "**"
    assert marks(DEFINITIVE, computed=True) == COMPUTED_MARK
    assert marks(None, computed=False) == ""


def test_the_legend_names_the_markers_in_reading_order() -> None:
    assert MARKER_LEGEND == "* voorlopig cijfer, ** nader voorlopig cijfer"


def test_statuses_are_ordered_from_most_to_least_definitive() -> None:
    """Unknown sits between definitive and provisional: it might be either."""
    assert STATUS_ORDER == (DEFINITIVE, UNKNOWN_STATUS, REVISED_PROVISIONAL, PROVISIONAL)


def test_a_computed_figure_takes_its_least_definitive_parts_status() -> None:
    """The aggregation reads the order from periods: one provisional part decides."""
    parts = pl.DataFrame(
        {
            "group": ["a", "a", "b", "b", "c", "c"],
            "status": [DEFINITIVE, PROVISIONAL, DEFINITIVE, None, REVISED_PROVISIONAL, ""],
        }
    )
    result = parts.group_by("group").agg(status_of_parts(pl.col("status"))).sort("group")
    assert result["status"].to_list() == [PROVISIONAL, UNKNOWN_STATUS, REVISED_PROVISIONAL]


def test_year_codes_and_years() -> None:
    """'2023' and 2023 give CBS's '2023JJ00'; its year reads back as a number."""
    assert year_code("2023") == year_code(2023) == "2023JJ00"
    frame = pl.DataFrame({"period": ["2023JJ00", "2023KW02", "2024MM01", "2018-2021"]})
    assert frame.filter(year_periods())["period"].to_list() == ["2023JJ00"]
    assert frame.filter(year_periods()).select(year_of())["period"].to_list() == [2023]


def test_year_periods_read_any_column() -> None:
    frame = pl.DataFrame({"Perioden": ["2020JJ00", "2020KW01"]})
    assert frame.filter(year_periods("Perioden")).height == 1


def test_a_period_label_is_its_year_or_quarter() -> None:
    assert periods.label("2023JJ00") == "2023"
    assert periods.label("2023KW02") == "2023 2e kwartaal"
