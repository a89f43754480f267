"""What an indicator counts: titles and definitions (`catalog show`), and measures that
CBS renamed within a KWB series (`measure_by_year`), read as an analyst reads them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.catalog import parse, shipped_catalog_text
from bwmonitor.store.tables import TableDir
from tests.conftest import FETCH_CATALOG, Project, fake_tables
from tests.odata_server import ODataServer

runner = CliRunner()

# The KWB WOZ value under both of CBS's names: GemiddeldeWoningwaarde in the 2019 and
# 2020 tables, GemiddeldeWOZWaardeVanWoningen from 2021 on.
WOZ_INDICATOR = """
[indicators.woz]
title = "Gemiddelde WOZ-waarde van woningen"
theme = "t"
unit = "x 1.000 euro"
better = "neutral"
source = "kwb"
measure = "GemiddeldeWOZWaardeVanWoningen"
measure_by_year = { "2020" = "GemiddeldeWoningwaarde" }
aggregate = "none"
"""


def run(*args: str, data_dir: Path, **env: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, list(args), env={"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200", **env}
    )
    return result.exit_code, result.stdout, result.stderr


def definition_line(show_output: str) -> str:
    """The text after `definitie:` in `catalog show`'s output ('' when absent)."""
    for line in show_output.splitlines():
        if line.strip().startswith("definitie:"):
            return line.split("definitie:", 1)[1].strip()
    return ""


# ---------------------------------------------------------------- point 9: definitions


def test_bijstand_rate_title_says_persons_and_show_gives_its_definition(tmp_path: Path) -> None:
    """The rate counts persons with bijstand, not benefits; `catalog show` says what it is."""
    code, out, err = run("catalog", "show", "bijstand_per_1000", data_dir=tmp_path)
    assert code == 0, err
    title = out.splitlines()[0]
    assert title == "bijstand_per_1000: Personen met bijstand per 1.000 inwoners"
    assert "uitkeringen" not in title.lower()
    assert "Personen die een bijstandsuitkering" in definition_line(out)


def test_show_quotes_cbs_description_with_its_table(tmp_path: Path) -> None:
    """For a CBS measure, the Description from the table's metadata, naming the table."""
    code, out, err = run("catalog", "show", "bijstand", data_dir=tmp_path)
    assert code == 0, err
    assert definition_line(out).startswith(
        "Personen die een bijstandsuitkering op grond van de Participatiewet ontvangen."
    )
    assert "bron van de definitie: CBS, tabel 84799NED\n" in out


@pytest.mark.slow
def test_every_shipped_indicator_shows_a_definition(tmp_path: Path) -> None:
    """Each indicator of the shipped catalogue has a definition: CBS's or the catalogue's."""
    catalog = parse(shipped_catalog_text(), "shipped", base=None)
    missing = []
    for indicator_id in catalog.indicators:
        code, out, err = run("catalog", "show", indicator_id, data_dir=tmp_path)
        assert code == 0, err
        if not definition_line(out):
            missing.append(indicator_id)
    assert missing == []


def test_a_definition_must_name_its_source(tmp_path: Path) -> None:
    """A catalogue definition without `definition_source` is a catalogue problem (exit 2)."""
    text = shipped_catalog_text() + (
        '\n[indicators.eigen_aandeel]\ntitle = "Aandeel 0-15"\ntheme = "bevolking"\n'
        'better = "neutral"\nnumerator = "inwoners_0_15"\ndenominator = "inwoners_kwb"\n'
        'scale = 100\naggregate = "ratio"\ndefinition = "Inwoners van 0 tot 15 jaar, in %."\n'
    )
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("catalog", "check", "--catalog", str(path), data_dir=tmp_path)
    assert code == 2
    assert "indicators.eigen_aandeel.definition: name where it comes from" in err


# ---------------------------------------------------------------- point 15: renamed measures


def test_shipped_catalogue_check_has_zero_warnings(tmp_path: Path) -> None:
    """The shipped catalogue passes its own offline check without a single warning."""
    code, out, err = run("catalog", "check", data_dir=tmp_path)
    assert code == 0, err
    assert "; 0 warnings" in out.splitlines()[0]
    assert "warning:" not in out + err


def test_measure_by_year_must_name_years_of_the_series(tmp_path: Path) -> None:
    """A year the source's series does not have is a catalogue problem, with the choices."""
    text = shipped_catalog_text() + (
        '\n[indicators.woz_oud]\ntitle = "WOZ"\ntheme = "wonen"\nbetter = "neutral"\n'
        'source = "kwb"\nmeasure = "GemiddeldeWOZWaardeVanWoningen"\n'
        'measure_by_year = { "2018" = "GemiddeldeWoningwaarde" }\naggregate = "none"\n'
    )
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("catalog", "check", "--catalog", str(path), data_dir=tmp_path)
    assert code == 2
    assert (
        "indicators.woz_oud.measure_by_year.2018: source 'kwb' has no table for 2018 "
        "(its years: 2019, 2020, 2021, 2022, 2023, 2024)"
    ) in err


def test_fetch_resolves_a_measure_renamed_within_the_series(
    project: Project, cbs_server: ODataServer
) -> None:
    """84799NED (2020) is asked for GemiddeldeWoningwaarde, 85984NED (2024) for the new name."""
    project.catalog.write_text(FETCH_CATALOG + WOZ_INDICATOR, encoding="utf-8")
    code, _, err = project.run("fetch")
    assert code == 0, err
    assert "GemiddeldeWOZWaardeVanWoningen" not in err  # no "has no measure" warning
    store = TableDir(project.data_dir)
    meta_2020, meta_2024 = store.meta("84799NED"), store.meta("85984NED")
    assert meta_2020 is not None and meta_2024 is not None
    assert meta_2020.measures["GemiddeldeWoningwaarde_35"]["requested"] == (
        "GemiddeldeWoningwaarde"
    )
    assert meta_2024.measures["GemiddeldeWOZWaardeVanWoningen_39"]["requested"] == (
        "GemiddeldeWOZWaardeVanWoningen"
    )


def test_fetch_keeps_cbs_description_in_the_sidecar(
    project: Project, cbs_server: ODataServer
) -> None:
    """The measure's Description from DataProperties is stored with its title and unit."""
    assert project.run("fetch")[0] == 0
    meta = TableDir(project.data_dir).meta("84799NED")
    assert meta is not None
    description = meta.measures["PersonenPerSoortUitkeringBijstand_83"]["description"]
    assert description.startswith("Personen die een bijstandsuitkering op grond van")


def test_compare_json_has_woz_for_2020_under_its_old_name(tmp_path: Path) -> None:
    """WOZ 2020 comes from GemiddeldeWoningwaarde_35 and appears in `compare --format json`."""
    tables = fake_tables()
    kwb_2020 = next(t for t in tables if t.table_id == "84799NED")
    for row in kwb_2020.rows:
        # SYNTHETIC: the real 2020 capture predates CBS filling in WOZ (all null)
        if row["WijkenEnBuurten"].strip() == "GM0114":
            row["GemiddeldeWoningwaarde_35"] = 187.0
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(FETCH_CATALOG + WOZ_INDICATOR, encoding="utf-8")
    env = {"BWMONITOR_CATALOG": str(catalog), "BWMONITOR_CBS_ATTEMPTS": "1"}
    with ODataServer(tables) as server:
        code, _, err = run(
            "fetch", data_dir=tmp_path / "store", BWMONITOR_CBS_URL=server.base_url, **env
        )
    assert code == 0, err
    code, out, err = run(
        "compare",
        "--region",
        "Emmen",
        "--indicator",
        "woz",
        "--year",
        "2020",
        "--format",
        "json",
        data_dir=tmp_path / "store",
        **env,
    )
    assert code == 0, err
    records: list[dict[str, Any]] = json.loads(out)
    assert [(r["region"], r["period"], r["value"]) for r in records] == [("GM0114", "2020", 187.0)]
