"""docs/examples/tabel1.toml rebuilds Tabel 1 of the Sociale Agenda 2024 (docs/tabel1.md).

Run on the shipped offline snapshot with an empty store. Tabel 1's published figures
(data/publication/sociale-agenda-2024-tabel1.csv) are only the expected values here;
the catalogue never reads them. Offline, volunteering is the one row the data allows
for Tabel 1's year; every other row is asserted with the data it lacks, so no gap can
hide.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "docs" / "examples" / "tabel1.toml"
DOC = ROOT / "docs" / "tabel1.md"
PUBLISHED = ROOT / "data" / "publication" / "sociale-agenda-2024-tabel1.csv"
REGIONS = "noord,zuidwest,zuidoost"
COROP = ("CR07", "CR09", "CR08")  # Tabel 1's column order
THEME = "Sociale Agenda, Tabel 1"

# Tabel 1's rows (its own ids) by what the offline snapshot allows.
COMPARED = {"vrijwilligerswerk"}
# in the catalogue under the same id, but Tabel 1's year is not offline
NOT_OFFLINE = {"besteedbaar_inkomen_huishouden", "bijstand_per_1000"}
HEALTH = {"langdurige_ziekte", "ervaren_gezondheid"}  # offline only the 2020 edition
# no StatLine table at municipal or COROP level: not in the catalogue
NO_TABLE = {"problematische_schuld", "startkwalificatie", "vertrouwen_in_anderen"}
# StatLine counts households, Tabel 1 inhabitants: its own row, not compared
OTHER_POPULATION = {"inwoners_onder_lage_inkomensgrens": "huishoudens_laag_inkomen"}

# Tabel 1's COROP volunteering is a population-weighted mean of Afbeelding 2's
# municipal figures; computed from them it must come this close to the published one.
VOLUNTEERING_TOLERANCE = 1.0  # percentage point

runner = CliRunner()


def published() -> dict[str, dict[str, dict[str, str]]]:
    """indicator -> region code -> Tabel 1's row as published."""
    rows: dict[str, dict[str, dict[str, str]]] = {}
    with PUBLISHED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["indicator"], {})[row["region_code"]] = row
    return rows


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "80"}
    result = runner.invoke(app, [*args, "--catalog", str(CATALOG)], env=env)
    return result.exit_code, result.stdout, result.stderr


def compare(data_dir: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = run(data_dir, "compare", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def show(data_dir: Path, indicator: str) -> list[str]:
    """`catalog show`'s lines for one indicator."""
    code, out, err = run(data_dir, "catalog", "show", indicator)
    assert code == 0, err
    return out.splitlines()


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict[str, Any]]:
    """compare -r noord,zuidwest,zuidoost on the snapshot: (indicator, region) -> row."""
    data = compare(tmp_path_factory.mktemp("store"), "-r", REGIONS)
    return {(row["indicator"], row["region"]): row for row in data}


def test_every_row_of_tabel1_is_accounted_for() -> None:
    """A row added to Tabel 1 without a place here fails, so none is silently dropped."""
    named = COMPARED | NOT_OFFLINE | HEALTH | NO_TABLE | set(OTHER_POPULATION)
    assert set(published()) == named


def test_rows_come_in_tabel1_order_with_its_titles(
    rows: dict[tuple[str, str], dict[str, Any]],
) -> None:
    expected = [
        OTHER_POPULATION.get(indicator, indicator)
        for indicator in published()
        if indicator not in NO_TABLE
    ]
    shown = list(dict.fromkeys(ind for ind, _ in rows if rows[(ind, "CR07")]["theme"] == THEME))
    assert shown == expected
    for indicator, by_region in published().items():
        if indicator in COMPARED | NOT_OFFLINE | HEALTH:
            assert rows[(indicator, "CR07")]["title"] == by_region["CR07"]["title"]


def test_volunteering_lands_within_a_point_of_tabel1(
    rows: dict[tuple[str, str], dict[str, Any]],
) -> None:
    """Afbeelding 2 weighted by inhabitants on 1 January 2023 (03759ned): Noord-Drenthe
    53,0 against the published 52,6 (+0,4), Zuidoost-Drenthe 49,2 against 49,6 (-0,4).
    Unweighted means (54,7 and 51,4) would miss Noord-Drenthe by more than a point."""
    expected = published()["vrijwilligerswerk"]
    for region in ("CR07", "CR08"):
        row = rows[("vrijwilligerswerk", region)]
        assert row["period"] == "2023" and row["computed"] is True
        assert abs(row["value"] - float(expected[region]["value"])) <= VOLUNTEERING_TOLERANCE


def test_zuidwest_volunteering_has_no_value_as_westerveld_has_no_figure(
    rows: dict[tuple[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """Zuidwest-Drenthe gets no value, and says a member has no figure. Its three
    municipalities with a figure give 56,1: 1,3 below the published 57,4, more than the
    rounding, so Tabel 1's figure rests on something Afbeelding 2 does not publish."""
    row = rows[("vrijwilligerswerk", "CR09")]
    assert row["value"] is None
    assert "gemeenten" in row["reason"] and "cijfer" in row["reason"]
    without = compare(
        tmp_path, "-r", "zuidwest-zonder-westerveld", "--indicator", "vrijwilligerswerk"
    )
    assert without[0]["computed"] is True
    published_value = float(published()["vrijwilligerswerk"]["CR09"]["value"])
    assert published_value - without[0]["value"] > 0.05


def test_the_terminal_view_prints_the_computed_volunteering(
    rows: dict[tuple[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    code, out, err = run(tmp_path, "compare", "-r", REGIONS)
    assert code == 0, err
    block = out.split("Aandeel inwoners dat vrijwilligerswerk doet", 1)[1].split("\n\n", 1)[0]
    for region, name in (("CR07", "Noord-Drenthe"), ("CR08", "Zuidoost-Drenthe")):
        value = rows[("vrijwilligerswerk", region)]["value"]
        assert value is not None
        shown = f"{value:.1f}".replace(".", ",")
        assert f"{name}:" in block and f"{shown}%" in block
    assert re.search(r"^  Zuidwest-Drenthe: +\.$", block, re.M), block


def test_rows_without_a_statline_table_are_not_invented(
    rows: dict[tuple[str, str], dict[str, Any]],
) -> None:
    shown = {indicator for indicator, _ in rows}
    assert not shown & (NO_TABLE | set(OTHER_POPULATION))
    doc = DOC.read_text(encoding="utf-8")
    for title in ("problematische schuld", "startkwalificatie", "vertrouwen in anderen"):
        assert title in doc.lower()


def test_income_has_no_value_for_tabel1s_year_offline(
    rows: dict[tuple[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """The snapshot's 86161NED holds 2024 only; Tabel 1 shows 2022."""
    year = published()["besteedbaar_inkomen_huishouden"]["CR07"]["period"]
    for region in COROP:
        assert rows[("besteedbaar_inkomen_huishouden", region)]["period"] != year
    in_year = compare(tmp_path, "-r", REGIONS, "--year", year, "--indicator",
                      "besteedbaar_inkomen_huishouden")  # fmt: skip
    assert all(row["value"] is None for row in in_year)


def test_bijstand_and_low_income_lack_their_kwb_tables_offline(
    rows: dict[tuple[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """KWB 2023 (85618NED) is not in the snapshot, and the snapshot's copy of KWB 2024
    (85984NED) lacks bijstand, households and low income: no value, with a reason in
    compare, and `catalog show` names the table and measure that are missing."""
    for region in COROP:
        for indicator in ("bijstand_per_1000", "huishoudens_laag_inkomen"):
            assert rows[(indicator, region)]["value"] is None
            assert rows[(indicator, region)]["reason"]
    for indicator, measure in (
        ("bijstand", "PersonenPerSoortUitkeringBijstand"),
        ("huishoudens", "HuishoudensTotaal"),
        ("huishoudens_laag_inkomen", "HuishoudensMetEenLaagInkomen"),
    ):
        lines = show(tmp_path, indicator)
        assert any("85618NED" in line and "niet opgehaald" in line for line in lines)
        missing = [line for line in lines if "ontbreekt" in line]
        assert any("85984NED" in line and measure in line for line in missing)


def test_health_rows_show_the_2020_edition_only(
    rows: dict[tuple[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    """The snapshot has the Gezondheidsmonitor 2020 (50090NED), not 2022 (50120NED):
    the rows carry 2020 values, computed as inhabitant-weighted means, never compared
    with Tabel 1 (whose figures fit the 2022 edition, docs/tabel1.md)."""
    for indicator in HEALTH:
        for region in COROP:
            row = rows[(indicator, region)]
            assert row["period"] == "2020" and row["computed"] is True
        lines = show(tmp_path, indicator)
        assert any("50120NED" in line and "niet opgehaald" in line for line in lines)


def test_catalog_check_and_doc_name_the_tables_not_offline(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "catalog", "check")
    assert code == 0, err
    notices = out + err
    doc = DOC.read_text(encoding="utf-8")
    for table in ("50120NED", "85618NED"):
        assert table in notices
        assert table in doc
    assert "0 warnings" in notices
