"""The workbook's Overzicht: each region's position at its level beside its value, and
the summary per region under the table, read back with openpyxl."""

from __future__ import annotations

import json
import re
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.catalog import load
from bwmonitor.publish.tables import LevelPosition, positions
from tests.conftest import ShippedExports

runner = CliRunner()
REGIONS = ("Noord-Drenthe", "Zuidwest-Drenthe", "Zuidoost-Drenthe", "Drenthe", "Nederland")
BEST, WORST = "C6EFCE", "FFC7CE"


@pytest.fixture(scope="module")
def sheet(shipped_exports: ShippedExports) -> Any:
    path = shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx"
    return openpyxl.load_workbook(path)["Overzicht"]


@pytest.fixture(scope="module")
def tabel1(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """compare's records for the overview's regions, by (title, region name)."""
    data_dir = tmp_path_factory.mktemp("store")
    result = runner.invoke(
        app,
        ["compare", "-r", "noord,zuidwest,zuidoost", "--format", "json"],
        env={"BWMONITOR_DATA_DIR": str(data_dir)},
    )
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    return {(r["title"], r["region_name"]): r for r in records}


def header(sheet: Any) -> list[Any]:
    return [cell.value for cell in sheet[3]]


def row_titled(sheet: Any, title: str) -> Any:
    [row] = [row for row in sheet.iter_rows(min_row=4) if row[0].value == title]
    return row


def test_each_focus_region_and_drenthe_have_a_position_column_beside_their_values(
    sheet: Any,
) -> None:
    """A COROP region's column is followed by its place among the COROP regions,
    Drenthe's by its place among the provinces; the Netherlands has none."""
    names = header(sheet)
    for name in REGIONS[:3]:
        assert names[names.index(name) + 1] == "positie onder de COROP-gebieden"
    assert names[names.index("Drenthe") + 1] == "positie onder de provincies"
    # the score columns (tests/publish/test_scores_sheet.py) follow the regions' columns
    assert names[names.index("Nederland") + 1] == "score (0–10) Noord-Drenthe"


def test_position_cells_are_numbers_read_as_k_van_n_and_coloured_by_quarter(
    sheet: Any, tabel1: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Bijstand per 1.000: the position compare gives (tested against CBS's raw file in
    tests/compute/test_positions.py), a number formatted '0" van N"', red in the worst
    quarter and green in the best."""
    names = header(sheet)
    title = "Personen met bijstand per 1.000 inwoners"
    row = row_titled(sheet, title)
    fills = set()
    for name in REGIONS[:3]:
        record = tabel1[title, name]
        cell = row[names.index(name) + 1]
        assert cell.value == record["position"]
        assert cell.number_format == f'0" van {record["position_of"]}"'
        fill = {1: BEST, 4: WORST}.get(record["position_quarter"])
        if fill:
            assert cell.fill.fgColor.rgb.endswith(fill)
            fills.add(fill)
        else:
            assert cell.fill.fill_type is None
    assert WORST in fills  # Zuidoost-Drenthe: a real worst quarter, not an empty case


def test_a_count_has_no_position_cell(sheet: Any) -> None:
    names = header(sheet)
    row = row_titled(sheet, "Personen met bijstand")
    assert row[names.index("Zuidoost-Drenthe")].value is not None
    assert row[names.index("Zuidoost-Drenthe") + 1].value is None


def test_summary_block_counts_each_regions_indicators_under_its_values(
    sheet: Any, tabel1: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Under the table, per region in its value column: indicators with a value (of all
    rows), in the best and in the worst quarter (of the directed indicators with a
    position), recounted from the sheet's own cells and the catalogue's directions;
    for the focus regions also compare's summary. The Netherlands has only the first."""
    directed = {i.title for i in load(None).indicators.values() if i.better.value != "neutral"}
    names = header(sheet)
    labels = [row[0].value for row in sheet.iter_rows(min_row=1)]
    start = labels.index("Samenvatting per regio") + 1  # 1-based row of the block's title
    table = [row for row in sheet.iter_rows(min_row=4, max_row=start - 2) if row[0].value]
    block = {row[0].value: row for row in sheet.iter_rows(min_row=start + 1, max_row=start + 3)}
    with_value_row = block["Indicatoren met een waarde"]
    best_row = block["Indicatoren in het beste kwart van hun niveau"]
    worst_row = block["Indicatoren in het slechtste kwart van hun niveau"]
    for name in REGIONS:
        column = names.index(name)
        with_value = sum(row[column].value != "." for row in table)
        cell = with_value_row[column]
        assert (cell.value, cell.number_format) == (with_value, f'0" van {len(table)}"')
        if name == "Nederland":
            assert best_row[column].value is None and worst_row[column].value is None
            continue
        # a position among fewer than four regions has no quarter, and does not count
        placed = [
            row[column + 1]
            for row in table
            if row[0].value in directed
            and row[column + 1].value is not None
            and int(re.search(r'van (\d+)"', row[column + 1].number_format)[1]) >= 4  # type: ignore[index]
        ]
        best = sum(c.fill.fgColor.rgb.endswith(BEST) for c in placed if c.fill.fill_type)
        worst = sum(c.fill.fgColor.rgb.endswith(WORST) for c in placed if c.fill.fill_type)
        assert (best_row[column].value, worst_row[column].value) == (best, worst), name
        assert best_row[column].number_format == f'0" van {len(placed)}"'
        assert worst_row[column].number_format == f'0" van {len(placed)}"'
        if name in REGIONS[:3]:
            # the summary is the same on each of the region's records
            record = next(r for (_, region), r in tabel1.items() if region == name)
            assert (record["summary_best"], record["summary_worst"]) == (best, worst)
            assert record["summary_placed"] == len(placed)
            assert record["summary_with_value"] == with_value
    assert worst_row[names.index("Zuidoost-Drenthe")].value > 0  # a real case


def test_positions_are_per_year_among_the_whole_level_and_skip_counts() -> None:
    """Three COROP regions in two years: each year places them on its own, a region
    not asked for still counts in N, and a count (inhabitants) gets no position."""
    rows = [
        ("bijstand_per_1000", "CR07", "2020JJ00", 20.0),
        ("bijstand_per_1000", "CR08", "2020JJ00", 29.0),
        ("bijstand_per_1000", "CR01", "2020JJ00", 25.0),
        ("bijstand_per_1000", "CR07", "2021JJ00", 30.0),
        ("bijstand_per_1000", "CR08", "2021JJ00", 10.0),
        ("inwoners", "CR08", "2021JJ00", 170_000.0),
        ("inwoners", "CR07", "2021JJ00", 200_000.0),
    ]
    frame = pl.DataFrame(rows, schema=["indicator", "region", "period", "value"], orient="row")
    assert positions(frame, load(None), ["CR07", "CR08"]) == {
        # fewer than four regions with a value: positions without quarters
        ("bijstand_per_1000", "CR07", 2020): LevelPosition(1, 3, "corop", None),
        ("bijstand_per_1000", "CR08", 2020): LevelPosition(3, 3, "corop", None),
        ("bijstand_per_1000", "CR07", 2021): LevelPosition(2, 2, "corop", None),
        ("bijstand_per_1000", "CR08", 2021): LevelPosition(1, 2, "corop", None),
    }
