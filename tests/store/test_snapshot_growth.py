"""Issue 14's additions to the offline snapshot: each new table is there, and each new
indicator prints the figure the raw file in data/ holds (read here on its own, not through
bwmonitor's build script or store).

Sources: data/cbs/70072ned_gemeenten_2015-2026/ (v4 capture), the 50140NED download, the
education-level exports (85525NED), and, for CBS's own COROP figures, the independent 2015
download of 70072ned.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli.commands import app
from bwmonitor.fetch.roads import RoadChooser

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
EMMEN, DRENTHE = "GM0114", "PV22"
runner = CliRunner()

#: indicator -> the column of the 50140NED download it shows (young adults, 2024)
YOUNG_ADULTS = {
    "jv_moeite_met_rondkomen": "MoeiteMetRondkomen_1",
    "jv_schulden": "HeeftSchulden_3",
    "jv_ervaren_gezondheid": "GoedErvarenGezondheid_6",
    "jv_mentale_gezondheid": "GoedErvarenMentaleGezondheid_12",
    "jv_tevreden_met_leven": "TevredenMetEigenLeven_11",
    "jv_sterk_eenzaam": "SterkEenzaam_54",
    "jv_overgewicht": "Overgewicht_59",
    "jv_wekelijks_sporten": "SportWekelijks_66",
    "jv_kan_terecht_bij_iemand": "KanBijIemandTerechtBijProbleem_130",
}


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[int, str, str]]:
    """bwmonitor on an empty store: what it shows comes from the shipped snapshot."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path_factory.mktemp("store")), "COLUMNS": "200"}

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args), env=env)
        return result.exit_code, result.stdout, result.stderr

    return run


def compare_json(
    cli: Callable[..., tuple[int, str, str]], *args: str
) -> dict[tuple[str, str], Any]:
    """compare --format json, by (indicator, region)."""
    code, out, err = cli("compare", "--format", "json", *args)
    assert code == 0, err
    return {(row["indicator"], row["region"]): row for row in json.loads(out)}


def v4_value(measure: str, region: str, period: str) -> float:
    """One cell of the raw 70072ned capture (long format, values as text)."""
    raw = pl.read_parquet(
        DATA / "70072ned_gemeenten_2015-2026" / "cbs_70072ned_motorvoertuigen_gemeente.parquet"
    )
    cell = raw.filter(
        (pl.col("Measure") == measure)
        & (pl.col("RegioS") == region)
        & (pl.col("Perioden") == period)
    )
    assert cell.height == 1
    return float(cell["Value"][0])


def young_adults_row(region: str) -> dict[str, str]:
    path = DATA / "50140NED_gezondheidsmonitor_jongvolwassenen_2024_regio.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter=";") if r["RegioS"].strip() == region]
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize(
    ("table", "measure", "title"),
    [
        ("70072ned", "M000352_3", "Regionale kerncijfers Nederland (70072ned)"),
        ("50140NED", "SterkEenzaam_54", "Gezondheidsmonitor Jongvolwassenen 2024 (50140NED)"),
        ("85525NED", "k_3HboWo_4", "Bevolking; hoogstbehaald onderwijsniveau en regio (85525NED)"),
    ],
)
def test_the_snapshot_holds_each_new_table(
    cli: Callable[..., tuple[int, str, str]], table: str, measure: str, title: str
) -> None:
    code, out, err = cli("show", table, "-m", measure)
    assert code == 0, err
    assert out.startswith(title)
    assert "snapshot" in out


def test_population_and_cars_of_emmen_2015_are_the_raw_cells(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    """Emmen, 1 January 2015: 107,775 inhabitants and 507 cars per 1,000 in the capture."""
    population = v4_value("M000352_3", EMMEN, "2015JJ00")
    cars = v4_value("A018943_2", EMMEN, "2015JJ00")
    rows = compare_json(
        cli, "-r", "emmen", "--year", "2015", "--indicator", "inwoners_rk,personenautos_per_1000"
    )
    assert rows[("inwoners_rk", EMMEN)]["value"] == population
    assert rows[("personenautos_per_1000", EMMEN)]["value"] == cars
    assert not rows[("inwoners_rk", EMMEN)]["computed"]
    code, out, err = cli("compare", "-r", "emmen", "--year", "2015", "--indicator", "inwoners_rk")
    assert code == 0, err
    assert f"{population:,.0f}".replace(",", ".") in out  # 107.775, as printed


def test_corop_figures_from_municipalities_equal_cbs_own_for_2015(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    """CBS published COROP figures for 2015 (the 2018 download of 70072ned): the sum of
    inhabitants matches exactly, cars per 1,000 weighted by inhabitants to CBS's rounding."""
    with (DATA / "70072ned_regionale_kerncijfers_2015_regio.csv").open(encoding="utf-8") as f:
        cbs = {r["RegioS"]: r for r in csv.DictReader(f) if r["RegioS"] in ("CR07", "CR08", "CR09")}
    rows = compare_json(
        cli,
        "-r",
        "noord,zuidoost,zuidwest",
        "--year",
        "2015",
        "--indicator",
        "inwoners_rk,personenautos_per_1000",
    )
    for corop, published in cbs.items():
        inhabitants = rows[("inwoners_rk", corop)]
        cars = rows[("personenautos_per_1000", corop)]
        assert inhabitants["computed"] and cars["computed"]
        assert inhabitants["value"] == float(published["TotaleBevolking_1"])
        assert round(cars["value"]) == int(published["PersonenautoSRelatief_201"])


def test_young_adults_figures_of_emmen_are_the_raw_cells(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    raw = young_adults_row(EMMEN)
    rows = compare_json(cli, "-r", "emmen", "--indicator", ",".join(YOUNG_ADULTS))
    for indicator, column in YOUNG_ADULTS.items():
        row = rows[(indicator, EMMEN)]
        assert (row["period"], row["value"]) == ("2024", float(raw[column])), indicator
        assert "jongvolwassenen" in row["title"].lower()
        # the province: CBS's young-adult figure for GGD Drenthe (the same twelve
        # municipalities), saying so; no 18+ figure stands in for it
        drenthe = row["benchmarks"][0]
        assert drenthe["region"] == DRENTHE and not drenthe["computed"]
        assert drenthe["value"] == float(young_adults_row("GG0706")[column])
        assert drenthe["rule"].startswith("cijfer van CBS voor GGD Drenthe")


def test_share_with_hbo_or_wo_is_bachelor_plus_master(
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    """Drenthe 2022 in the export: 18,1% hbo-/wo-bachelor and 7,1% master or doctor."""
    path = DATA / "onderwijsniveau_provincies_2015-2023" / "2022_onderwijsniveau.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        row = next(
            r for r in csv.DictReader(handle, delimiter=";") if r["Regio's"] == "Drenthe (PV)"
        )
    shares = [
        float(v.replace(",", ".")) for k, v in row.items() if k.split("/")[-1][:2] in ("31", "32")
    ]
    expected = round(sum(shares), 1)
    code, out, err = cli(
        "compare", "-r", "drenthe", "--year", "2022", "--indicator", "hoogopgeleiden"
    )
    assert code == 0, err
    assert f"{expected:.1f}%".replace(".", ",") in out  # 25,2%


def test_a_table_named_by_suffixed_v4_identifiers_takes_v4() -> None:
    """70072ned's measures (A018943_2, M000352_3) have no v3 key to ask for."""

    @dataclass
    class Road:
        name: str

        def serves(self, request: Any) -> bool:
            return True

    @dataclass
    class Request:
        measures: tuple[str, ...]
        catalog: str = "opendata"

    chooser = RoadChooser("auto", Road("v3"), Road("v4"))  # type: ignore[arg-type]
    v4_named = Request(("A018943_2", "M000352_3"))
    v3_named = Request(("PersonenautoSRelatief_201", "TotaleBevolking_1"))
    assert [r.name for r in chooser.roads(v4_named)] == ["v4"]  # type: ignore[arg-type]
    assert [r.name for r in chooser.roads(v3_named)] == ["v3", "v4"]  # type: ignore[arg-type]
