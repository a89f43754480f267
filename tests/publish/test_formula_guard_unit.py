"""Formula neutralising and the Excel CSV dialect, called directly on values and frames."""

from __future__ import annotations

import polars as pl
import pytest

from bwmonitor.publish.formula_guard import (
    excel_csv,
    excel_field,
    neutralise,
    neutralise_frame,
    neutralise_record,
)


@pytest.mark.parametrize(
    "text",
    ["=1+2", '=HYPERLINK("http://x","y")', "+31 6", "-2", "@SUM(A1)", "\t=1", "\r=1"],
)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Emmen", "", " =1", "a=b", "'al gequote"])
def test_other_text_stays_as_it_is(text: str) -> None:
    assert neutralise(text) == text


def test_a_record_keeps_its_numbers_booleans_and_nones() -> None:
    """A difference of -17958436 is a number, not a formula: only text is touched."""
    record = {"title": "=cmd", "difference": -17958436, "computed": True, "rule": None}
    assert neutralise_record(record) == {
        "title": "'=cmd",
        "difference": -17958436,
        "computed": True,
        "rule": None,
    }


def test_a_frame_neutralises_its_text_columns_only() -> None:
    frame = pl.DataFrame(
        {"titel": ["-min", "Wonen", None], "waarde": [-1.5, 2.0, None], "jaar": [2020, 2021, 2022]}
    )
    got = neutralise_frame(frame)
    assert got.schema == frame.schema
    assert got["titel"].to_list() == ["'-min", "Wonen", None]
    assert got["waarde"].to_list() == [-1.5, 2.0, None]
    assert got["jaar"].to_list() == [2020, 2021, 2022]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (28.4, "28,4"),
        (-3, "-3"),
        (True, "True"),
        (None, ""),
        ("Emmen", '"Emmen"'),
        ('zei "ja"', '"zei ""ja"""'),
        ("=1", '"\'=1"'),
    ],
)
def test_excel_fields_have_a_decimal_comma_and_quoted_neutralised_text(
    value: object, field: str
) -> None:
    assert excel_field(value) == field


def test_excel_csv_has_a_bom_a_header_and_semicolons() -> None:
    rows = [{"regio": "Emmen", "waarde": 28.4}, {"regio": "=x", "waarde": None}]
    assert excel_csv(rows) == '\ufeff"regio";"waarde"\n"Emmen";28,4\n"\'=x";\n'
    assert excel_csv([]) == ""
