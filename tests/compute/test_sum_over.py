"""Inhabitants of an age group as a sum over single years of age (`sum_over`): the
catalogue rule, the request it makes, the sum itself on small frames, the codes of the
shipped catalogue against CBS's own code list, and what an offline compare says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from bwmonitor.compute.observations import ANY_FIGURE, add_up, missing_codes
from bwmonitor.core.catalog import load, parse
from bwmonitor.core.errors import CatalogInvalid

from ..core.test_catalog_parsing import MINIMAL

ROOT = Path(__file__).resolve().parents[2]
#: CBS's v4 LeeftijdCodes of 03759ned (data/SOURCES.md), read here on their own
AGE_CODES = ROOT / "data" / "odata-v4" / "03759ned" / "codes-Leeftijd.json"

ADULTS = """
[indicators.volwassenen]
title = "Inwoners van 18 jaar of ouder"
theme = "wonen"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = { Geslacht = "T001038" }
sum_over = { Leeftijd = ["11800", "11900", "12000"] }
aggregate = "sum"
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogInvalid) as caught:
        parse(text, "test.toml", base=None)
    return caught.value.problems


def test_a_sum_asks_its_codes_next_to_the_other_indicators_filters() -> None:
    request = next(
        r for r in parse(MINIMAL + ADULTS, "t", None).table_requests() if r.table_id == "03759ned"
    )
    assert request.filters == {
        "Geslacht": ("T001038",),
        "Leeftijd": ("10000", "11800", "11900", "12000"),
    }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ('aggregate = "sum"', "indicators.volwassenen.sum_over: a sum of rows is a count"),
        ('filters = { Geslacht = "T001038", Leeftijd = "10000" }', "Leeftijd is also in filters"),
        ('sum_over = { Leeftijd = ["11800", "11800"] }', "a code is listed twice"),
        ("sum_over = { Leeftijd = [] }", "must be a table of non-empty lists of strings"),
    ],
)
def test_a_sum_that_would_count_wrongly_is_refused(change: str, problem: str) -> None:
    key = change.split(" =")[0]
    text = re.sub(rf"(?m)^{key} = .*$", change, ADULTS)
    if key == "aggregate":
        text = text.replace('aggregate = "sum"', 'aggregate = "weighted_mean"\nweight = "inwoners"')
    assert any(problem in p for p in problems_of(MINIMAL + text))


def test_a_fallback_weight_needs_a_weight_and_a_weighted_mean() -> None:
    text = MINIMAL.replace(
        'measure = "AantalInwoners"\naggregate = "sum"',
        'measure = "AantalInwoners"\naggregate = "sum"\nweight_fallback = "inwoners"',
    )
    found = problems_of(text)
    assert any("weight_fallback: only used with aggregate = 'weighted_mean'" in p for p in found)
    assert any("weight_fallback: a fallback needs a 'weight'" in p for p in found)


def rows(values: dict[tuple[str, str], float | None]) -> pl.DataFrame:
    """(region, age code) -> a 2024 figure, as a stored 03759ned table holds them."""
    return pl.DataFrame(
        [
            {"RegioS": r, "Perioden": "2024JJ00", "Leeftijd": a, "Bevolking_1": v}
            for (r, a), v in values.items()
        ],
        schema={
            "RegioS": pl.String,
            "Perioden": pl.String,
            "Leeftijd": pl.String,
            "Bevolking_1": pl.Float64,
        },
    )


def test_the_sum_adds_every_code_and_a_secret_year_of_age_means_no_figure() -> None:
    """GM0001: 10 + 20 + 30 = 60; GM0002 has one year without a figure: no sum, never 40.
    The total row (10000) is not counted."""
    frame = rows(
        {
            ("GM0001", "10000"): 999.0,
            ("GM0001", "11800"): 10.0,
            ("GM0001", "11900"): 20.0,
            ("GM0001", "12000"): 30.0,
            ("GM0002", "11800"): 10.0,
            ("GM0002", "11900"): None,
            ("GM0002", "12000"): 30.0,
        }
    )
    codes = {"Leeftijd": ("11800", "11900", "12000")}
    summed = add_up(frame, codes, "Bevolking_1", ["Bevolking_1"], ["RegioS", "Perioden"])
    by_region = {r["RegioS"]: r for r in summed.iter_rows(named=True)}
    assert by_region["GM0001"]["Bevolking_1"] == 60.0
    assert by_region["GM0002"]["Bevolking_1"] is None
    assert by_region["GM0002"][ANY_FIGURE] == 1  # listed: it is a municipality of 2024


def test_codes_the_stored_table_lacks_are_named() -> None:
    frame = rows({("GM0001", "10000"): 1.0, ("GM0001", "11800"): 1.0})
    assert missing_codes(frame, {"Leeftijd": ("11800",)}) is None
    assert missing_codes(frame, {"Leeftijd": ("11800", "11900", "12000", "12100")}) == (
        "Leeftijd 11900 … 12100 (3 codes)"
    )


def single_years(low: int, high: int) -> list[str]:
    """CBS's codes of the single years of age from `low` to `high`, by their titles."""
    codes = json.loads(AGE_CODES.read_text("utf-8"))["value"]
    found = []
    for code in codes:
        age = re.fullmatch(r"(\d+) jaar", code["Title"].strip())
        if age and low <= int(age.group(1)) <= high:
            found.append(code["Identifier"])
    return found


def test_the_shipped_age_groups_are_exactly_cbs_single_years() -> None:
    """18+ is 18 to 104 and '105 jaar of ouder' (not '95 jaar of ouder', which would
    count 95 to 104 twice); 15 to 75 is 15 to 74: checked against CBS's own code list."""
    codes = json.loads(AGE_CODES.read_text("utf-8"))["value"]
    oldest = [c["Identifier"] for c in codes if c["Title"].strip() == "105 jaar of ouder"]
    indicators = load(None).indicators
    adults = indicators["inwoners_18plus"].sum_over["Leeftijd"]
    working_age = indicators["inwoners_15_75"].sum_over["Leeftijd"]
    assert sorted(adults) == sorted(single_years(18, 104) + oldest)
    assert len(adults) == 88
    assert sorted(working_age) == sorted(single_years(15, 74))
    assert len(working_age) == 60
