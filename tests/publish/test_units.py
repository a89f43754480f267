"""One unit model: every output shows an indicator's figure with the unit it is in.

What people read (terminal, Overzicht and theme sheets, charts) shows the reader's
amount in the reader's unit (`€ 28.400`, `77.400`); data outputs (compare JSON and CSV,
the Gegevens sheet, export CSV/Parquet) keep CBS's value with explicit `unit` and
`scale` (the value × scale is the amount in the unit). The expectations below are the
test's own reading of the shipped catalogue, not bwmonitor's code.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import CHARTED_INDICATORS, ShippedExports

runner = CliRunner()

#: catalogue unit text -> (the reader's unit, scale): what a reader of CBS's table expects
READER_UNITS = {
    "aantal": ("aantal", 1),
    "x 1.000": ("aantal", 1000),
    "%": ("%", 1),
    "personen": ("personen", 1),
    "per 1.000 inwoners": ("per 1.000 inwoners", 1),
    "x 1.000 euro": ("euro", 1000),
    "euro": ("euro", 1),
    "km": ("km", 1),
    "m³": ("m³", 1),
    "kWh": ("kWh", 1),
    "score": ("score", 1),  # a scale score (0-10), printed as the number alone
}
SUFFIXED = ("km", "m³", "kWh", "personen")
OVERVIEW_COLUMNS = ("CR07", "CR09", "CR08", "PV22", "NL01")


def shipped() -> dict[str, Any]:
    text = resources.files("bwmonitor").joinpath("indicators.toml").read_text("utf-8")
    return tomllib.loads(text)


INDICATORS: dict[str, dict[str, Any]] = shipped()["indicators"]


def reader_unit(indicator_id: str) -> tuple[str, int, int]:
    """(unit, scale, decimals of the reader's amount) of a shipped indicator."""
    entry = INDICATORS[indicator_id]
    unit, scale = READER_UNITS[entry.get("unit", "")]
    return unit, scale, entry.get("decimals", 0) - (len(str(scale)) - 1)


def amount(indicator_id: str, value: float) -> float:
    """CBS's value as the reader's amount, rounded to the precision CBS's figure has."""
    _, scale, digits = reader_unit(indicator_id)
    return round(round(value * scale, digits), 6)


def shown(indicator_id: str, value: float) -> str:
    """How a reader sees the figure: '€ 28.400', '64%', '77.400', '1,1 km'."""
    unit, _, digits = reader_unit(indicator_id)
    number = f"{amount(indicator_id, value):,.{max(digits, 0)}f}"
    number = number.replace(",", "_").replace(".", ",").replace("_", ".")
    if unit == "euro":
        return f"€ {number}"
    if unit == "%":
        return f"{number}%"
    return f"{number} {unit}" if unit in SUFFIXED else number


def run(data_dir: Path, *args: str) -> str:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200", "BWMONITOR_CATALOG": ""}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def outputs(
    shipped_exports: ShippedExports, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    store = tmp_path_factory.mktemp("units") / "store"
    xlsx = shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx"
    csv_file = shipped_exports.folder("csv") / "monitor-brede-welvaart.csv"
    parquet = shipped_exports.folder("parquet") / "monitor-brede-welvaart.parquet"
    records = json.loads(
        run(store, "compare", "--region", "emmen,noord,zuidoost", "--format", "json")
    )
    return {
        "workbook": openpyxl.load_workbook(xlsx),
        "csv": list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig")))),
        "parquet": pl.read_parquet(parquet),
        "records": records,
    }


def gegevens(workbook: Any) -> dict[tuple[str, str, int], dict[str, Any]]:
    sheet = workbook["Gegevens"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    return {(r["indicator"], r["regio"], int(r["jaar"])): r for r in rows}


def format_decimals(number_format: str) -> int:
    digits = re.search(r"#,##0(?:\.(0+))?", number_format)
    assert digits, number_format
    return len(digits.group(1) or "")


def check_cell(indicator_id: str, cell: Any, value: float) -> None:
    """A reader's cell: the reader's amount, formatted in the reader's unit."""
    unit, _, digits = reader_unit(indicator_id)
    where = f"{indicator_id} {cell.coordinate}"
    assert cell.value == pytest.approx(amount(indicator_id, value), abs=0.5 * 10**-digits), where
    assert ('"€ "' in cell.number_format) == (unit == "euro"), where
    assert ('"%"' in cell.number_format) == (unit == "%"), where
    assert format_decimals(cell.number_format) == max(digits, 0), where


def test_the_shipped_catalogue_uses_only_units_this_test_knows() -> None:
    """Every shipped indicator's unit has an expected reading (extend READER_UNITS)."""
    assert {e.get("unit", "") for e in INDICATORS.values()} <= set(READER_UNITS)


def test_compare_json_carries_unit_and_scale_with_cbs_value(outputs: dict[str, Any]) -> None:
    """compare's records keep CBS's value, with the reader's unit and the scale to it."""
    data = gegevens(outputs["workbook"])
    checked = set()
    for record in outputs["records"]:
        unit, scale, _ = reader_unit(record["indicator"])
        assert (record["unit"], record["scale"]) == (unit, scale), record["indicator"]
        key = (record["indicator"], record["region"], int(record["period"] or 0))
        if record["value"] is not None and key in data:
            assert record["value"] == pytest.approx(data[key]["waarde"])
            checked.add(record["indicator"])
    assert len(checked) >= 20


def test_gegevens_sheet_keeps_cbs_value_with_unit_and_scale(outputs: dict[str, Any]) -> None:
    """Gegevens: waarde as CBS serves it, eenheid the reader's unit, schaal to get there."""
    rows = gegevens(outputs["workbook"])
    assert len({key[0] for key in rows}) >= 25
    for (indicator_id, _, _), row in rows.items():
        unit, scale, _ = reader_unit(indicator_id)
        assert (row["eenheid"], row["schaal"]) == (unit, scale), indicator_id
    income = rows[("besteedbaar_inkomen", "NL01", 2024)]
    assert income["waarde"] == pytest.approx(60.2)  # thousands of euros, as CBS has it


def test_export_csv_and_parquet_carry_unit_and_scale(outputs: dict[str, Any]) -> None:
    """The long table as CSV and Parquet: the same value, unit and scale as Gegevens."""
    data = gegevens(outputs["workbook"])
    parquet = {
        (r["indicator"], r["regio"], r["jaar"]): r for r in outputs["parquet"].iter_rows(named=True)
    }
    assert len(outputs["csv"]) == len(parquet) == len(data)
    for row in outputs["csv"]:
        key = (row["indicator"], row["regio"], int(row["jaar"]))
        unit, scale, _ = reader_unit(row["indicator"])
        assert (row["eenheid"], int(row["schaal"])) == (unit, scale)
        assert (parquet[key]["eenheid"], parquet[key]["schaal"]) == (unit, scale)
        if row["waarde"]:
            assert float(row["waarde"]) == pytest.approx(data[key]["waarde"])
            assert parquet[key]["waarde"] == pytest.approx(data[key]["waarde"])


def test_overview_shows_reader_amounts_in_the_unit_it_names(outputs: dict[str, Any]) -> None:
    """Overzicht: Eenheid names the unit the cells are in; € 28.400 next to 'euro'."""
    workbook = outputs["workbook"]
    data = gegevens(workbook)
    by_title = {e["title"]: i for i, e in INDICATORS.items()}
    sheet = workbook["Overzicht"]
    seen = set()
    for row in sheet.iter_rows(min_row=4):
        indicator_id = by_title.get(row[0].value)
        if indicator_id is None:
            continue
        seen.add(indicator_id)
        assert row[2].value == reader_unit(indicator_id)[0], indicator_id
        # the value columns; beside each but the country's, its position at its level
        # (the scores follow them)
        values = row[3 : 3 + 2 * len(OVERVIEW_COLUMNS) - 1 : 2]
        for cell, region in zip(values, OVERVIEW_COLUMNS, strict=True):
            if cell.value != ".":
                check_cell(indicator_id, cell, data[(indicator_id, region, row[1].value)]["waarde"])
    assert seen == set(INDICATORS)


def test_theme_sheets_show_reader_amounts_in_the_unit_they_name(outputs: dict[str, Any]) -> None:
    """Each theme sheet: Eenheid and every year's cell agree with Gegevens × schaal."""
    workbook = outputs["workbook"]
    data = gegevens(workbook)
    by_title = {e["title"]: i for i, e in INDICATORS.items()}
    seen = set()
    for name in workbook.sheetnames[1:-2]:
        sheet = workbook[name]
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            indicator_id = by_title.get(row[0].value)
            if indicator_id is None:
                continue
            seen.add(indicator_id)
            assert row[1].value == reader_unit(indicator_id)[0], indicator_id
            for cell, year in zip(row[5:], header[5:], strict=True):
                # the year columns; trend, recent change and score come after them
                if cell.value is not None and str(year).isdigit():
                    value = data[(indicator_id, row[2].value, int(year))]["waarde"]
                    check_cell(indicator_id, cell, value)
    assert len(seen) >= 25


def svg_texts(path: Path) -> list[str]:
    """The text an SVG shows: <text> elements, or the comments matplotlib writes when it
    draws text as outlines."""
    svg = path.read_text("utf-8")
    found = re.findall(r"<!-- (.*?) -->", svg)
    found += [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]
    return [html.unescape(t).strip() for t in found]


@pytest.mark.slow
def test_chart_axis_labels_and_value_labels_use_the_reader_unit(
    outputs: dict[str, Any], shipped_exports: ShippedExports
) -> None:
    """The municipalities chart of an indicator in each unit, with each number of
    decimals, of the shipped indicators with municipal figures: the axis is labelled
    with the reader's unit and Emmen's bar reads its figure as the reader's amount."""
    folder = shipped_exports.charts(CHARTED_INDICATORS)
    long = outputs["parquet"]
    municipal = long.filter(pl.col("regio").str.starts_with("GM") | pl.col("regio").is_in(["PV22"]))

    def units(ids: Any) -> set[tuple[str, int]]:
        return {(INDICATORS[i].get("unit", ""), INDICATORS[i].get("decimals", 0)) for i in ids}

    with_municipalities = municipal.filter(pl.col("regio").str.starts_with("GM"))["indicator"]
    assert units(CHARTED_INDICATORS) == units(with_municipalities.unique())
    assert len(list(folder.glob("*-gemeenten.svg"))) == len(CHARTED_INDICATORS)
    for indicator_id in CHARTED_INDICATORS:
        emmen = municipal.filter(
            (pl.col("indicator") == indicator_id) & (pl.col("regio") == "GM0114")
        ).sort("jaar")
        texts = svg_texts(folder / f"{indicator_id}-gemeenten.svg")
        assert reader_unit(indicator_id)[0] in texts, (indicator_id, texts[:20])
        value = emmen["waarde"][-1]
        if value is not None:
            expected = shown(indicator_id, value)
            assert any(t.startswith(expected) for t in texts), (indicator_id, expected)


def test_terminal_shows_thousands_of_households_as_households(tmp_path: Path) -> None:
    """'Particuliere huishoudens' in thousands reads as whole households: 77.400."""
    out = run(tmp_path, "compare", "--region", "zuidoost", "--theme", "materiele_welvaart")
    block = out.split("Particuliere huishoudens\n", 1)[1].split("\n\n", 1)[0]
    region_line = next(line for line in block.splitlines() if "Zuidoost-Drenthe:" in line)
    assert "77.400" in region_line and "77,4" not in block


# ------------------------------------------------------------------ decimals


def test_catalog_check_notes_more_decimals_than_cbs_publishes(project: Any) -> None:
    """A catalogue showing 2 decimals of a figure CBS publishes with 1 gets a notice,
    which is no warning."""
    text = project.catalog.read_text("utf-8")
    text = text.replace('unit = "%"\n', 'unit = "%"\ndecimals = 2\n')
    project.catalog.write_text(text, "utf-8")
    code, out, err = project.run("catalog", "check")
    assert code == 0, err
    assert "0 warnings" in out
    assert (
        "notice: indicators.gezondheid: decimals = 2, but CBS publishes "
        "ErvarenGezondheidGoedZeerGoed_4 of 50090NED with 1"
    ) in out


def test_labour_participation_shows_no_decimal_cbs_does_not_publish(tmp_path: Path) -> None:
    """CBS publishes net labour participation in whole percents: '64%', not '64,0%'."""
    out = run(tmp_path, "compare", "--region", "emmen", "--theme", "arbeid_en_vrije_tijd")
    title = next(line for line in out.splitlines() if "arbeidsparticipatie" in line)
    block = out.split(title + "\n", 1)[1].split("\n\n", 1)[0]
    emmen = next(line for line in block.splitlines() if line.strip().startswith("Emmen:"))
    assert re.search(r"Emmen:\s+\d\d%", emmen), emmen
    assert not re.search(r"\d\d,\d%", block), block


DIFFERENCE_CATALOG = """
[themes.t]
title = "Test"

[sources.eigen]
csv = "eigen.csv"

[indicators.aandeel]
title = "Aandeel"
theme = "t"
unit = "%"
decimals = 1
better = "higher"
source = "eigen"
aggregate = "none"
"""


def test_differences_are_computed_unrounded_then_rounded_once(tmp_path: Path) -> None:
    """10,04% against 9,96%: both read 10,0%, and the difference is +0,1 %-punt (from the
    unrounded values), not 0,0 (from the rounded ones)."""
    (tmp_path / "indicators.toml").write_text(DIFFERENCE_CATALOG, "utf-8")
    (tmp_path / "eigen.csv").write_text(
        "region_code,period,value\nGM0114,2023,10.04\nPV22,2023,9.96\nNL01,2023,9.96\n", "utf-8"
    )
    env = {
        "BWMONITOR_DATA_DIR": str(tmp_path / "store"),
        "BWMONITOR_CATALOG": str(tmp_path / "indicators.toml"),
        "COLUMNS": "200",
    }
    result = runner.invoke(app, ["compare", "--region", "emmen"], env=env)
    assert result.exit_code == 0, result.stderr
    block = result.stdout.split("Aandeel\n", 1)[1].split("\n\n", 1)[0]
    assert "Emmen:                10,0%" in block
    assert "Drenthe (verschil):   10,0% (+0,1 %-punt)" in block
