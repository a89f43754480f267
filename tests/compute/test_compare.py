"""`bwmonitor compare`: values, benchmarks, ranks, quartiles and trends, checked by hand."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.compute.comparison import trend
from bwmonitor.core.catalog import Direction
from bwmonitor.core.regions import COROP_MEMBERS, DRENTHE_MUNICIPALITIES
from tests.raw_cbs import kwb_2020_bijstand

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
runner = CliRunner()


def run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    result = runner.invoke(app, ["compare", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def compare_json(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = run(*args, "--format", "json", data_dir=tmp_path)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_json_agrees_with_hand_computation_from_the_raw_file(tmp_path: Path) -> None:
    """Zuidoost-Drenthe's bijstand per 1.000 and its difference to Drenthe, by hand."""
    raw = kwb_2020_bijstand()

    def rate(members: tuple[str, ...]) -> float:
        return sum(raw[m][0] for m in members) / sum(raw[m][1] for m in members) * 1000

    [record] = compare_json(tmp_path, "--region", "zuidoost", "--indicator", "bijstand_per_1000")
    assert record["region"] == "CR08" and record["period"] == "2020"
    assert record["value"] == pytest.approx(rate(COROP_MEMBERS["CR08"]))
    drenthe, nederland = record["benchmarks"]
    assert drenthe["region"] == "PV22"
    assert drenthe["value"] == pytest.approx(rate(DRENTHE_MUNICIPALITIES))
    assert drenthe["difference"] == pytest.approx(record["value"] - drenthe["value"])
    assert nederland["region"] == "NL01" and nederland["computed"] is True
    assert record["computed"] is True and record["rule"].startswith("som bijstand")


def test_rank_and_quartile_of_a_municipality_by_hand(tmp_path: Path) -> None:
    """Emmen: rank among the 12 (1 = fewest bijstand) and quarter among all municipalities."""
    raw = kwb_2020_bijstand()
    rates = {code: b / i * 1000 for code, (b, i) in raw.items()}
    emmen = rates["GM0114"]
    rank_drenthe = 1 + sum(rates[m] < emmen for m in DRENTHE_MUNICIPALITIES)
    rank_nl = 1 + sum(r < emmen for r in rates.values())
    [record] = compare_json(tmp_path, "--region", "Emmen", "--indicator", "bijstand_per_1000")
    assert record["rank_drenthe"] == rank_drenthe and record["rank_of"] == 12
    assert record["quartile_of"] == len(rates)
    assert record["quartile_nl"] == min(4, 1 + (rank_nl - 1) * 4 // len(rates))


def test_tabel1_shape_has_one_record_per_region(tmp_path: Path) -> None:
    """--region noord,zuidwest,zuidoost gives the three COROP regions side by side."""
    records = compare_json(
        tmp_path, "--region", "noord,zuidwest,zuidoost", "--indicator", "besteedbaar_inkomen"
    )
    assert [r["region"] for r in records] == ["CR07", "CR09", "CR08"]
    assert all(r["status"] == "Voorlopig" and r["period"] == "2024" for r in records)


def test_year_option_and_missing_values_explain_themselves(tmp_path: Path) -> None:
    """A median has no COROP value; the record says why instead of a number."""
    [record] = compare_json(
        tmp_path,
        "--region",
        "zuidoost",
        "--indicator",
        "mediaan_besteedbaar_inkomen",
        "--year",
        "2024",
    )
    assert record["value"] is None and record["period"] == "2024"
    assert record["reason"] == (
        "een mediaan is niet uit gemeentelijke cijfers samen te stellen, "
        "en niet door de bron gepubliceerd voor deze regio"
    )


def test_data_the_snapshot_lacks_says_a_fetch_brings_it(tmp_path: Path) -> None:
    """Gas use is in KWB tables the snapshot holds without that measure: not a bare dot
    but what to do."""
    [record] = compare_json(tmp_path, "--region", "zuidoost", "--indicator", "aardgasverbruik")
    assert record["value"] is None
    assert record["reason"].startswith("niet in de snapshot; `bwmonitor fetch` haalt dit op: ")
    assert "GemiddeldAardgasverbruikTotaal van 84583NED niet in de snapshot" in record["reason"]


def test_csv_has_a_stable_header_with_benchmark_columns(tmp_path: Path) -> None:
    code, out, _ = run(
        "--region", "emmen", "--theme", "bevolking", "--format", "csv", data_dir=tmp_path
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:9] == [
        "indicator",
        "title",
        "theme",
        "unit",
        "scale",
        "decimals",
        "better",
        "region",
        "region_name",
    ]
    assert "benchmark_PV22" in rows[0] and "difference_NL01" in rows[0]


def test_terminal_table_shows_values_markers_and_sources(tmp_path: Path) -> None:
    code, out, _ = run("--region", "zuidoost", data_dir=tmp_path)
    assert code == 0
    assert "Zuidoost-Drenthe vergeleken met Drenthe en Nederland" in out
    assert "Materiële welvaart" in out and "€ 54.900*†" in out
    assert "* voorlopig cijfer" in out and "Bron: CBS StatLine, tabel" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--region", "zuidoos"],
            "region 'zuidoos' is not known (did you mean 'Zuidoost-Drenthe'?",
        ),
        (
            ["--region", "emmen", "--indicator", "bijstand_per_100"],
            "did you mean 'bijstand_per_1000'?",
        ),
        (["--region", "emmen", "--theme", "gezondhied"], "did you mean 'gezondheid'?"),
    ],
)
def test_wrong_input_gets_one_helpful_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = run(*args, data_dir=tmp_path)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_trend_is_classified_by_direction() -> None:
    """A significant rise (10, 11, 12 on a straight line: p = 0): higher-is-better =
    beter, lower-is-better = slechter, neutral = no judgement; a rise within the scatter
    (100, 103, 101: p ≈ 0,79) is no significant change; the movement is the slope's
    sign either way."""
    points = [("2016JJ00", 10.0), ("2018JJ00", 11.0), ("2020JJ00", 12.0)]
    assert trend(points, "2020JJ00", Direction.HIGHER, 5)["trend_judgement"] == "beter"
    assert trend(points, "2020JJ00", Direction.LOWER, 5)["trend_judgement"] == "slechter"
    neutral = trend(points, "2020JJ00", Direction.NEUTRAL, 5)
    assert (neutral["trend_movement"], neutral["trend_judgement"]) == ("hoger", None)
    noisy = [("2018JJ00", 100.0), ("2019JJ00", 103.0), ("2020JJ00", 101.0)]
    scattered = trend(noisy, "2020JJ00", Direction.HIGHER, 5)
    assert scattered["trend_movement"] == "hoger"
    assert scattered["trend_judgement"] == "geen significante verandering"
    assert trend(points, "2020JJ00", Direction.HIGHER, 3)["trend_from"] == "2018"
    one = trend(points[:1], "2016JJ00", Direction.HIGHER, 5)
    assert (one["trend_movement"], one["trend_judgement"]) == (None, "onvoldoende gegevens")


def test_compare_does_not_import_matplotlib(tmp_path: Path) -> None:
    """The terminal comparison stays light: matplotlib is only for export."""
    code = (
        "import sys\n"
        "from bwmonitor.cli import app\n"
        "try:\n"
        "    app(['compare', '--region', 'zuidoost', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(str('matplotlib' in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"BWMONITOR_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.stderr.strip().endswith("False"), result.stderr


def test_a_year_without_figures_and_a_ratio_without_tables_say_so(tmp_path: Path) -> None:
    """--year 2023: no table has Zuidoost-Drenthe's bijstand rate for 2023 (KWB 2023 is
    not in the snapshot), which the reason says with what is missing, rather than
    blaming a municipality; the ratio names its numerator's and denominator's gaps."""
    [record] = compare_json(
        tmp_path, "--region", "zuidoost", "--indicator", "bijstand_per_1000", "--year", "2023"
    )
    assert record["value"] is None
    assert record["reason"].startswith(
        "de tabellen hebben voor 2023 geen cijfers van deze indicator ("
    )
    assert "tabel 85618NED is niet opgehaald en niet in de snapshot" in record["reason"]
    assert "niet alle gemeenten" not in record["reason"]
