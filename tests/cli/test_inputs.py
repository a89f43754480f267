"""Input the user gives (regions, years, catalogues, local CSVs) and what bwmonitor says
back: a KWB table named on its own, one-line refusals with exit 2, every province and
COROP region, and `--version`. Issue 10, points 11 to 13."""

from __future__ import annotations

import csv
import json
import platform
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bwmonitor import __version__
from bwmonitor.cli import app
from tests.conftest import POPULATION_INDICATOR, Project

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
runner = CliRunner()

HEADER = """
[monitor]
title = "Testmonitor"

[themes.t]
title = "Test"
"""

KWB_2020_AS_TABLE = (
    HEADER
    + """
[sources.kwb2020]
title = "Kerncijfers wijken en buurten 2020"
table = "84799NED"

[indicators.inwoners_kwb]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "kwb2020"
measure = "AantalInwoners_5"
aggregate = "sum"
"""
)

POPULATION = (
    HEADER
    + """
[sources.bevolking]
table = "03759ned"
"""
    + POPULATION_INDICATOR
)


def run(tmp_path: Path, *args: str, catalog: str | None = None) -> tuple[int, str, str]:
    """bwmonitor with an empty store (so the shipped snapshot) and, if given, a catalogue."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "COLUMNS": "200"}
    if catalog is not None:
        path = tmp_path / "indicators.toml"
        path.write_text(catalog, encoding="utf-8")
        env["BWMONITOR_CATALOG"] = str(path)
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def compare_json(tmp_path: Path, *args: str, catalog: str | None = None) -> list[dict[str, Any]]:
    code, out, err = run(tmp_path, "compare", *args, "--format", "json", catalog=catalog)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def one_line_refusal(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def kwb_2020_inhabitants() -> dict[str, int]:
    with (DATA / "84799NED_kwb2020_gemeenten.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["WijkenEnBuurten"].strip(): int(row["AantalInwoners_5"])
            for row in csv.DictReader(handle)
        }


# ------------------------------------------------------------ 11: a KWB table on its own


def test_kwb_table_named_with_table_gives_its_year_from_table_infos(tmp_path: Path) -> None:
    """84799NED named with `table =` (no Perioden dimension) has its values for 2020, the
    Period of its TableInfos, like one year of a series; Drenthe is computed from them."""
    [emmen] = compare_json(tmp_path, "--region", "Emmen", catalog=KWB_2020_AS_TABLE)
    raw = kwb_2020_inhabitants()
    assert emmen["period"] == "2020" and emmen["value"] == raw["GM0114"]
    drenthe, nederland = emmen["benchmarks"]
    assert drenthe["value"] == sum(raw[c] for c in raw if c in DRENTHE_CODES)
    assert nederland["value"] == raw["NL00"]


def test_kwb_table_named_with_table_exports(tmp_path: Path) -> None:
    """The same catalogue exports without a crash."""
    code, _, err = run(
        tmp_path, "export", "--no-charts", "--out", str(tmp_path / "out"), catalog=KWB_2020_AS_TABLE
    )
    assert code == 0, err
    assert list((tmp_path / "out").glob("*/monitor-brede-welvaart.xlsx"))


def test_fetched_kwb_table_keeps_the_period_of_its_table_infos(project: Project) -> None:
    """Fetched from CBS, 84799NED's sidecar keeps TableInfos' Period, so compare has 2020."""
    project.catalog.write_text(KWB_2020_AS_TABLE, encoding="utf-8")
    code, _, err = project.run("fetch", "--quiet")
    assert code == 0, err
    sidecar = json.loads((project.data_dir / "tables" / "84799NED.json").read_text("utf-8"))
    assert sidecar["period"] == "2020"
    code, out, err = project.run("compare", "--region", "Emmen", "--format", "json")
    assert code == 0, err
    [emmen] = json.loads(out)
    assert emmen["period"] == "2020" and emmen["value"] == kwb_2020_inhabitants()["GM0114"]


# ------------------------------------------------------------ 12: regions and years


DRENTHE_CODES = {
    "GM1680", "GM0106", "GM1731", "GM1699", "GM1730", "GM1681",
    "GM0109", "GM0114", "GM1690", "GM0118", "GM0119", "GM1701",
}  # fmt: skip


@pytest.mark.parametrize("region", ["", ",", " , "])
def test_empty_region_is_refused(tmp_path: Path, region: str) -> None:
    """--region that names no region is invalid input, not an empty table."""
    line = one_line_refusal(*run(tmp_path, "compare", "--region", region)[::2])
    assert "--region" in line


def test_year_without_data_names_the_range_of_the_data_in_use(tmp_path: Path) -> None:
    """--year 1850: one line naming the years the data covers; two catalogues reading
    tables that cover different years give different ranges."""
    population = tmp_path / "population"
    kwb = tmp_path / "kwb"
    population.mkdir()
    kwb.mkdir()
    line = one_line_refusal(
        *run(population, "compare", "-r", "Emmen", "--year", "1850", catalog=POPULATION)[::2]
    )
    assert line == "error: no data for 1850 (the data covers 2019–2026)"
    line = one_line_refusal(
        *run(kwb, "compare", "-r", "Emmen", "--year", "1850", catalog=KWB_2020_AS_TABLE)[::2]
    )
    assert line == "error: no data for 1850 (the data covers 2020)"


def test_year_with_data_is_still_compared(tmp_path: Path) -> None:
    """A year inside the range keeps working (the refusal is only for years without data)."""
    [record] = compare_json(tmp_path, "-r", "Emmen", "--year", "2021", catalog=POPULATION)
    assert record["period"] == "2021" and record["value"] is not None


@pytest.mark.parametrize("year", ["-1", "0"])
def test_negative_year_is_refused(tmp_path: Path, year: str) -> None:
    """--year -1 is invalid input in one line, not an unexpected ValueError."""
    line = one_line_refusal(*run(tmp_path, "compare", "-r", "Emmen", "--year", year)[::2])
    assert f"--year {year}" in line and "unexpected" not in line


def test_name_of_a_province_and_a_municipality_lists_both(tmp_path: Path) -> None:
    """-r Groningen is ambiguous: the province and the municipality, not Wageningen."""
    line = one_line_refusal(*run(tmp_path, "compare", "-r", "Groningen")[::2])
    assert "did you mean Groningen (provincie) or Groningen (gemeente)?" in line
    assert "Wageningen" not in line


def test_utrecht_is_a_province_a_corop_region_and_a_municipality(tmp_path: Path) -> None:
    line = one_line_refusal(*run(tmp_path, "compare", "-r", "utrecht")[::2])
    assert "Utrecht (provincie), Utrecht (corop) or Utrecht (gemeente)" in line


def population_2025() -> dict[str, int]:
    with (DATA / "03759ned_bevolking_2019-2026_regio.csv").open(encoding="utf-8") as handle:
        return {
            r["RegioS"]: int(r["M000352"])
            for r in csv.DictReader(handle)
            if r["Perioden"] == "2025JJ00"
        }


def corop_members(code: str) -> list[str]:
    with (DATA / "gebieden_in_nederland_2025_gemeenten.csv").open(encoding="utf-8") as handle:
        return [r["gemeente_code"] for r in csv.DictReader(handle) if r["corop_code"] == code]


@pytest.mark.parametrize(
    ("asked", "code"),
    [("Groningen (provincie)", "PV20"), ("PV20", "PV20"), ("groningen (gemeente)", "GM0014")],
)
def test_disambiguated_names_and_codes_are_compared(tmp_path: Path, asked: str, code: str) -> None:
    """The province of Groningen is compared with CBS's own figure for it."""
    [record] = compare_json(tmp_path, "-r", asked, "--year", "2025", catalog=POPULATION)
    assert record["region"] == code
    assert record["value"] == population_2025()[code] and record["computed"] is False


def test_any_corop_region_is_computed_from_its_municipalities(tmp_path: Path) -> None:
    """CR01 Oost-Groningen: no table publishes it, so the sum of its members (2025 indeling)."""
    members = corop_members("CR01")
    assert len(members) >= 4
    [record] = compare_json(tmp_path, "-r", "CR01", "--year", "2025", catalog=POPULATION)
    assert record["region_name"] == "Oost-Groningen"
    assert record["value"] == sum(population_2025()[m] for m in members)
    assert record["computed"] is True


def test_every_province_and_corop_region_is_known(tmp_path: Path) -> None:
    """`bwmonitor regions` lists all 12 provinces and all 40 COROP regions."""
    code, out, err = run(tmp_path, "regions")
    assert code == 0, err
    assert {f"PV{n}" for n in range(20, 32)} <= set(re.findall(r"\bPV\d\d\b", out))
    assert {f"CR{n:02d}" for n in range(1, 41)} <= set(re.findall(r"\bCR\d\d\b", out))


# ------------------------------------------------------------ 12: local CSV sources


CSV_CATALOG = (
    HEADER
    + """
[sources.panel]
csv = "panel.csv"

[indicators.panel]
title = "Drents Panel"
theme = "t"
unit = "%"
better = "higher"
source = "panel"
aggregate = "none"
"""
)


def check_csv(tmp_path: Path, rows: str) -> tuple[int, str, str]:
    (tmp_path / "panel.csv").write_text("region_code,period,value\n" + rows, encoding="utf-8")
    return run(tmp_path, "catalog", "check", catalog=CSV_CATALOG)


def test_csv_with_an_unknown_region_code_is_refused_with_its_line(tmp_path: Path) -> None:
    code, _, err = check_csv(tmp_path, "GM0114,2023,50.1\nGM9999,2023,48.0\n")
    assert code == 2, err
    assert "sources.panel.csv: " in err and "panel.csv, line 3: unknown region code 'GM9999'" in err


@pytest.mark.parametrize("period", ["2018/19", "23", "abcdJJ00", "2021-2018", ""])
def test_csv_with_a_period_that_is_no_year_is_refused(tmp_path: Path, period: str) -> None:
    code, _, err = check_csv(tmp_path, f"GM0114,{period},50.1\n")
    assert code == 2, err
    assert f"panel.csv, line 2: period {period!r} is not a year" in err


def test_csv_with_years_and_spans_of_years_passes(tmp_path: Path) -> None:
    """A year (2023, or CBS's 2023JJ00) and a span (2018-2021) are the documented forms;
    custom, COROP and province codes are regions too."""
    code, _, err = check_csv(
        tmp_path, "GM0114,2023,50.1\nPV22,2018-2021,49.0\nCR08,2022JJ00,47.5\nNL01,2023,48.7\n"
    )
    assert code == 0, err


# ------------------------------------------------------------ 13: --version


def test_version_names_package_snapshot_and_python(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "--version")
    assert code == 0, err
    assert f"bwmonitor {__version__}" in out
    manifest = json.loads(
        (Path(__file__).resolve().parents[2] / "src/bwmonitor/snapshot/manifest.json").read_text(
            "utf-8"
        )
    )
    newest = max(t["captured"] for t in manifest["tables"].values())
    assert newest in out
    assert f"Python {platform.python_version()}" in out


def test_drenthe_memberships_agree_with_gebieden_in_nederland() -> None:
    """Drenthe's regions, written out in regions.py, are CBS's indeling in the package data."""
    from bwmonitor.core.regions import (
        COROP_MEMBERS,
        DRENTHE,
        DRENTHE_MUNICIPALITIES,
        national_regions,
    )

    data = national_regions()
    for code, members in COROP_MEMBERS.items():
        assert set(data["corop"][code]["members"]) == set(members)
    assert set(data["provinces"][DRENTHE]["members"]) == set(DRENTHE_MUNICIPALITIES)
    assert len(data["corop"]) == 40 and len(data["provinces"]) == 12


def test_kwb_table_stored_without_its_year_is_fetched_again(project: Project) -> None:
    """A store written before sidecars kept TableInfos' Period: the next fetch of a KWB
    table named with `table =` downloads it again instead of calling it unchanged."""
    project.catalog.write_text(KWB_2020_AS_TABLE, encoding="utf-8")
    assert project.run("fetch", "--quiet")[0] == 0
    sidecar_path = project.data_dir / "tables" / "84799NED.json"
    sidecar = json.loads(sidecar_path.read_text("utf-8"))
    del sidecar["period"]
    sidecar_path.write_text(json.dumps(sidecar), encoding="utf-8")
    code, _, err = project.run("fetch", "--quiet")
    assert code == 0, err
    assert json.loads(sidecar_path.read_text("utf-8"))["period"] == "2020"
    code, out, err = project.run("compare", "--region", "Emmen", "--format", "json")
    assert code == 0, err
    assert json.loads(out)[0]["period"] == "2020"
