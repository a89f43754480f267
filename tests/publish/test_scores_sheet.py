"""The workbook's scores, read back with openpyxl: the sheet "Posities en scores" (per
region and theme the mean rank among Drenthe's 12 and the theme score, each with n, and
the bureau's caveat), and the score columns of the Overzicht and the theme sheets."""

from __future__ import annotations

import json
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import ShippedExports

SHEET = "Posities en scores"


@pytest.fixture(scope="module")
def workbook(shipped_exports: ShippedExports) -> Any:
    return openpyxl.load_workbook(shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx")


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """`compare --format json` of Emmen and Zuidoost-Drenthe on the shipped snapshot."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path_factory.mktemp("store")), "BWMONITOR_CATALOG": ""}
    args = ["compare", "--region", "emmen,zuidoost", "--format", "json"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    records: list[dict[str, Any]] = json.loads(result.stdout)
    return records


def sheet_rows(workbook: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(region code, theme) -> the row of "Posities en scores"."""
    sheet = workbook[SHEET]
    assert [c.value for c in sheet[3]] == [
        "Regio",
        "Regionaam",
        "Thema",
        "Gemiddelde rang onder de 12 Drentse gemeenten",
        "Aantal indicatoren (rang)",
        "Thema-score (0–10)",
        "Aantal indicatoren (score)",
    ]
    return {(r[0], r[2]): r for r in sheet.iter_rows(min_row=4, values_only=True) if r[2]}


def test_the_sheet_holds_the_themes_of_compare_with_their_n(
    workbook: Any, compared: list[dict[str, Any]]
) -> None:
    """Emmen's and Zuidoost-Drenthe's themes hold compare's mean rank and theme score,
    each with the number of indicators it is over; a COROP region has no rank among
    Drenthe's municipalities; "Bevolking" (context figures only) has no row."""
    rows = sheet_rows(workbook)
    assert ("GM0114", "Bevolking") not in rows
    checked = 0
    for record in compared:
        row = rows[(record["region"], record["theme"])] if record["theme"] != "Bevolking" else None
        if row is None or record["theme_score"] is None:
            continue
        assert row[5] == pytest.approx(record["theme_score"])
        assert row[6] == record["theme_score_n"]
        if record["region"] == "CR08":
            assert row[3] is None and row[4] is None
        else:
            assert row[3] == pytest.approx(record["theme_rank"])
            assert row[4] == record["theme_rank_n"]
        checked += 1
    assert checked > 40  # every indicator row of the themes with a score


def test_a_theme_score_is_the_mean_of_its_indicators_scores_on_the_theme_sheet(
    workbook: Any,
) -> None:
    """Emmen's Gezondheid on "Posities en scores" is the mean of the scores of Emmen's
    rows on the sheet Gezondheid (its last column), over as many indicators as there
    are scores."""
    theme = workbook["Gezondheid"]
    headers = [c.value for c in theme[1]]
    assert headers[-2:] == ["Scorejaar", "Score (0–10)"]
    scores = [
        row[-1]
        for row in theme.iter_rows(min_row=2, values_only=True)
        if row[2] == "GM0114" and row[-1] is not None
    ]
    assert len(scores) >= 2
    row = sheet_rows(workbook)[("GM0114", "Gezondheid")]
    assert row[5] == pytest.approx(sum(scores) / len(scores))
    assert row[6] == len(scores)
    assert all(0 <= s <= 10 for s in scores)
    score_cell = next(c for c in theme[2] if c.column == len(headers))
    assert score_cell.number_format == "0.0"


def test_the_overview_has_a_score_column_per_region(
    workbook: Any, compared: list[dict[str, Any]]
) -> None:
    """After the overview's columns: 'score (0–10) Zuidoost-Drenthe', holding compare's
    score of each indicator shown in the same year; none for a count."""
    sheet = workbook["Overzicht"]
    headers = [c.value for c in sheet[3]]
    column = headers.index("score (0–10) Zuidoost-Drenthe")
    assert column > headers.index("Nederland")  # the columns before keep their places
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    checked = 0
    for record in compared:
        if record["region"] != "CR08" or record["title"] not in rows:
            continue
        row = rows[record["title"]]
        if row[1] != int(record["period"] or 0):
            continue
        if record["score"] is None:
            assert row[column] is None
        else:
            assert row[column] == pytest.approx(record["score"])
            checked += 1
    assert checked > 20


def test_the_sheet_states_the_caveat_and_the_formulas(workbook: Any) -> None:
    """The bureau's caveat that a rank is relative, and both formulas, under the table."""
    cells = [c.value for row in workbook[SHEET].iter_rows() for c in row]
    texts = [value for value in cells if isinstance(value, str)]
    assert any("Een rang is relatief" in t and "grootte van de verschillen" in t for t in texts)
    assert any(t.startswith("Gemiddelde rang:") for t in texts)
    assert any(t.startswith("Score (0–10):") and "10 × (max − x)" in t for t in texts)
