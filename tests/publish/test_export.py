"""`bwmonitor export`: the workbook agrees with compare, is reproducible and safe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import CHARTED_INDICATORS, ShippedExports

runner = CliRunner()


def run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def export(tmp_path: Path, out: Path, *extra: str) -> Path:
    code, _, err = run("export", "--no-charts", "--out", str(out), *extra, data_dir=tmp_path)
    assert code == 0, err
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


@pytest.fixture(scope="module")
def workbook(shipped_exports: ShippedExports) -> Any:
    return openpyxl.load_workbook(shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx")


def test_workbook_has_overview_theme_data_and_sources_sheets(workbook: Any) -> None:
    names = workbook.sheetnames
    assert names[0] == "Overzicht" and names[-2:] == ["Gegevens", "Bronnen"]
    assert "Materiële welvaart" in names and "Gezondheid" in names


def test_overview_cells_match_compare_json(workbook: Any, tmp_path: Path) -> None:
    """Tabel 1 in the workbook holds the same numbers as `compare --format json`."""
    code, out, _ = run(
        "compare", "--region", "noord,zuidwest,zuidoost", "--format", "json", data_dir=tmp_path
    )
    assert code == 0
    records = json.loads(out)
    sheet = workbook["Overzicht"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    checked = 0
    for record in records:
        if record["value"] is None or record["indicator"] not in (
            "bijstand_per_1000",
            "bijstand",
            "inwoners",
            "aandeel_65plus",
        ):
            continue
        row = rows[record["title"]]
        # each region's value has its position beside it
        column = {"CR07": 3, "CR09": 5, "CR08": 7}[record["region"]]
        assert row[1] == int(record["period"])
        assert row[column] == pytest.approx(record["value"])
        assert row[9] == pytest.approx(record["benchmarks"][0]["value"])  # Drenthe
        checked += 1
    assert checked == 12


def test_thousands_of_euros_are_written_in_euros_with_a_marker(workbook: Any) -> None:
    sheet = workbook["Overzicht"]
    for row in sheet.iter_rows(min_row=4):
        if row[0].value == "Gemiddeld besteedbaar inkomen van huishoudens":
            assert row[7].value == 54900  # Zuidoost-Drenthe, 54,9 thousand euro
            assert row[7].number_format == '"€ "#,##0"*†"'
            assert row[11].value == 60200 and row[11].number_format == '"€ "#,##0"*"'
            return
    raise AssertionError("indicator row not found")


def test_theme_sheet_colours_best_and_worst_quarters(workbook: Any) -> None:
    """Emmen's bijstand rate is in the worst quarter of all municipalities: red fill."""
    sheet = workbook["Materiële welvaart"]
    header = [c.value for c in sheet[1]]
    column = header.index("2020")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "Personen met bijstand per 1.000 inwoners" and row[2].value == "GM0114":
            assert row[column].fill.fgColor.rgb.endswith("FFC7CE")
            return
    raise AssertionError("row not found")


def test_sources_sheet_cites_cbs_tables_with_licence(workbook: Any) -> None:
    rows = list(workbook["Bronnen"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} >= {"84799NED", "03759ned", "86161NED"}
    assert all(r[5] == "CBS, CC BY 4.0" for r in rows)


def test_same_data_gives_identical_bytes(tmp_path: Path, shipped_exports: ShippedExports) -> None:
    first = shipped_exports.folder("xlsx")
    second = export(tmp_path / "store", tmp_path / "b")
    for name in ("monitor-brede-welvaart.xlsx",):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    csv_a = shipped_exports.folder("csv")
    csv_b = export(tmp_path / "store", tmp_path / "d", "--format", "csv")
    assert (csv_a / "monitor-brede-welvaart.csv").read_bytes() == (
        csv_b / "monitor-brede-welvaart.csv"
    ).read_bytes()


def test_failed_export_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error while writing leaves the earlier export folder untouched, no debris."""
    out = tmp_path / "out"
    folder = export(tmp_path / "store", out)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bwmonitor.publish.workbook.write_workbook", broken)
    code, _, err = run("export", "--no-charts", "--out", str(out), data_dir=tmp_path / "store")
    assert code == 1 and "No space left on device" in err and "previous export is kept" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in out.iterdir()] == [folder.name]


@pytest.mark.slow
def test_export_charts_come_out_the_same_when_drawn_again_one_by_one(
    tmp_path: Path, shipped_exports: ShippedExports
) -> None:
    """Charts of the shipped data drawn by the export's pool of workers are byte for byte
    the charts this process draws again, one after another, from the same long table:
    for a few indicators that between them have every kind of chart and every mark the
    shipped data has (provisional, computed; a municipality without a figure when the
    data has one). The workbook's own
    reproducibility is test_same_data_gives_identical_bytes; the whole export's, against
    the code before the renovation, scripts/golden.py and bench/export.py."""
    import polars as pl

    from bwmonitor.core import catalog as catalog_module
    from bwmonitor.publish.chart_set import write_charts
    from bwmonitor.publish.tables import overview_columns

    first = shipped_exports.charts(CHARTED_INDICATORS)
    drawn = sorted(p.name for p in first.iterdir())
    long = pl.read_parquet(shipped_exports.folder("parquet") / "monitor-brede-welvaart.parquet")
    chosen = covering_indicators(long, drawn)
    catalog = catalog_module.load(None)
    again = write_charts(
        tmp_path, long, [catalog.indicators[i] for i in chosen], overview_columns(), workers=1
    )
    assert len(again) >= 8
    for path in again:
        assert path.read_bytes() == (first / path.name).read_bytes(), path.name
    assert {p.name for p in again} == {n for n in drawn if n.split("-")[0] in chosen}


def covering_indicators(long: Any, drawn: list[str]) -> list[str]:
    """Few indicators that between them have every kind of chart in `drawn` and every
    mark a chart can carry, chosen greedily."""
    import polars as pl

    features: dict[str, set[str]] = {}
    for name in drawn:
        indicator, kind = name.rsplit(".", 1)[0].split("-", 1)
        features.setdefault(indicator, set()).add(f"chart {kind}")
    for indicator, rows in long.partition_by("indicator", as_dict=True).items():
        found = features.setdefault(indicator[0], set())
        if rows["status"].is_not_null().any():
            found.add("provisional")
        if rows["berekend"].any():
            found.add("computed")
        latest = rows.filter(pl.col("regio").str.starts_with("GM"))["jaar"].max()
        if latest is None:  # no municipal figures (a province-only table)
            continue
        if (
            rows.filter(pl.col("jaar") == latest).height
            and rows.filter(
                (pl.col("jaar") == latest) & pl.col("regio").str.starts_with("GM")
            ).height
            < 12
        ):
            found.add("municipality without a figure")
    wanted = set().union(*features.values())
    assert wanted >= {
        *(f"chart {kind}" for kind in ("gemeenten", "kaart", "regio", "trend")),
        *("provisional", "computed"),
    }, wanted
    chosen: list[str] = []
    while wanted:
        best = max(sorted(features), key=lambda i: len(features[i] & wanted))
        chosen.append(best)
        wanted -= features[best]
    return chosen
