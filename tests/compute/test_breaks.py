"""Breaks in a series, on real cases: the health monitor's 19+ of 2012 and 2016 against
18+ from 2020 (declared in the catalogue), and Eemsdelta, created in 2021 from
Appingedam, Delfzijl and Loppersum (found in the data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.compute.breaks import boundary_breaks
from tests.conftest import CHARTED_INDICATORS, ShippedExports

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
HEALTH_BREAK = (
    "2020 (definitie): vanaf 2020 inwoners van 18 jaar en ouder; in 2012 en 2016 19 jaar en ouder"
)


def run(tmp_path: Path, *args: str) -> str:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": "", "COLUMNS": "80"}
    result = CliRunner().invoke(app, ["compare", *args], env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def records(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    return json.loads(run(tmp_path, *args, "--format", "json"))  # type: ignore[no-any-return]


def test_a_trend_across_the_health_monitors_age_change_is_flagged(tmp_path: Path) -> None:
    [record] = records(tmp_path, "-r", "zuidoost", "--indicator", "overgewicht")
    assert (record["trend_from"], record["trend_to"]) == ("2016", "2020")
    assert record["breaks"] == HEALTH_BREAK
    out = run(tmp_path, "-r", "zuidoost", "--indicator", "overgewicht")
    assert "2016–2020 ‡" in out
    assert f"‡ breuk in de reeks, {HEALTH_BREAK}: Overgewicht (18+)" in out


def test_a_trend_before_the_change_crosses_no_break(tmp_path: Path) -> None:
    [record] = records(tmp_path, "-r", "zuidoost", "--indicator", "overgewicht", "--year", "2016")
    assert (record["trend_from"], record["trend_to"]) == ("2012", "2016")
    assert record["breaks"] is None
    assert "‡" not in run(
        tmp_path, "-r", "zuidoost", "--indicator", "overgewicht", "--year", "2016"
    )


def test_a_municipality_created_by_a_merger_says_so(tmp_path: Path) -> None:
    """The raw 70072ned capture: Eemsdelta (GM1979) has figures from 2021, Appingedam
    (GM0003) until 2020; compare says why their series start or end there."""
    raw = pl.read_parquet(
        DATA / "70072ned_gemeenten_2015-2026" / "cbs_70072ned_motorvoertuigen_gemeente.parquet"
    )
    years = {
        code: sorted(
            raw.filter((pl.col("RegioS") == code) & pl.col("Value").is_not_null())["Perioden"]
            .str.slice(0, 4)
            .unique()
            .to_list()
        )
        for code in ("GM1979", "GM0003")
    }
    assert years["GM1979"][0] == "2021" and years["GM0003"][-1] == "2020"
    eemsdelta, appingedam = records(
        tmp_path, "-r", "eemsdelta,appingedam", "--indicator", "inwoners_rk"
    )
    assert eemsdelta["breaks"] == (
        "2021 (indeling): Eemsdelta (GM1979) bestaat sinds 2021 (herindeling); de jaren "
        "ervoor staan onder de codes van de oude gemeenten"
    )
    assert appingedam["breaks"] == (
        "2021 (indeling): Appingedam (GM0003) bestaat na 2020 niet meer (herindeling)"
    )
    [emmen] = records(tmp_path, "-r", "emmen", "--indicator", "inwoners_rk")
    assert emmen["breaks"] is None


def test_a_boundary_break_needs_both_years_in_the_data() -> None:
    """A year missing between two (2019, 2021): when the code appeared is not known;
    a COROP region's members are fixed, so it has no boundary break of its own."""
    codes = {2019: {"GM0001"}, 2021: {"GM0001", "GM0002"}, 2022: {"GM0001", "GM0002"}}
    assert boundary_breaks("GM0002", "Nieuw", codes) == []
    codes[2020] = {"GM0001"}
    [found] = boundary_breaks("GM0002", "Nieuw", codes)
    assert found.year == 2021 and found.kind == "indeling"
    assert boundary_breaks("CR08", "Zuidoost-Drenthe", codes) == []


def test_the_workbook_and_the_trend_chart_name_the_break(
    shipped_exports: ShippedExports,
) -> None:
    workbook = openpyxl.load_workbook(
        shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx"
    )
    sheet = workbook["Gezondheid"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    [line] = [t for t in texts if t.startswith(f"‡ breuk in de reeks, {HEALTH_BREAK}: ")]
    assert "Overgewicht (18+)" in line
    svg = (shipped_exports.charts(CHARTED_INDICATORS) / "angst_depressie-trend.svg").read_text()
    # the footer wraps: the break's year on one line, the rest on the next
    assert "‡ Breuk in de reeks, 2020" in svg and "(definitie): vanaf 2020" in svg


@pytest.mark.parametrize("year", ["20", "twintig"])
def test_a_break_must_be_keyed_by_a_year(tmp_path: Path, year: str) -> None:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(
        f"""
[themes.t]
title = "T"

[sources.s]
table = "03759ned"
breaks = {{ "{year}" = "anders geteld" }}

[indicators.inwoners]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "s"
measure = "BevolkingOp1Januari_1"
aggregate = "sum"
""",
        encoding="utf-8",
    )
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store")}
    result = CliRunner().invoke(app, ["catalog", "check", "--catalog", str(catalog)], env=env)
    assert result.exit_code != 0
    assert f'sources.s.breaks.{year}: the key must be a year, e.g. "2020"' in (
        result.stdout + result.stderr
    )
