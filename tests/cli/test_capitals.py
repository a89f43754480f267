"""The brede welvaart "later" capitals: an indicator names the capital CBS assigns it to,
and `--theme` selects a capital like a theme."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import ShippedExports


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def compared(tmp_path: Path, theme: str) -> set[str]:
    code, out, err = run(
        tmp_path, "compare", "-r", "zuidoost", "--theme", theme, "--format", "json"
    )
    assert code == 0, err
    return {r["indicator"] for r in json.loads(out)}


def test_theme_accepts_a_capital_by_id_or_title(tmp_path: Path) -> None:
    assert compared(tmp_path, "sociaal_kapitaal") == {"sociale_samenhang"}
    assert compared(tmp_path, "Economisch kapitaal") == {"mediaan_vermogen"}
    both = compared(tmp_path, "sociaal_kapitaal,veiligheid")
    assert both == {"sociale_samenhang", "onveilig_buurt", "misdrijven_per_1000"}


def test_an_unknown_theme_or_capital_is_one_line_with_a_suggestion(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "compare", "-r", "zuidoost", "--theme", "sociaal_kapitaa")
    assert code == 2
    assert "theme 'sociaal_kapitaa' is not in the catalogue" in err
    assert "sociaal_kapitaal" in err
    assert "Traceback" not in err


def test_a_capital_outside_cbs_four_is_refused_by_check(tmp_path: Path) -> None:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(
        """
[themes.t]
title = "T"

[sources.s]
table = "03759ned"

[indicators.inwoners]
title = "Inwoners"
theme = "t"
capital = "groen_kapitaal"
better = "neutral"
source = "s"
measure = "BevolkingOp1Januari_1"
aggregate = "sum"
""",
        encoding="utf-8",
    )
    code, out, err = run(tmp_path, "catalog", "check", "--catalog", str(catalog))
    assert code != 0
    assert "indicators.inwoners.capital" in out + err
    assert "sociaal_kapitaal" in out + err


def test_json_and_csv_carry_the_capital(tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path, "compare", "-r", "zuidoost", "--theme", "samenleving", "--format", "json"
    )
    assert code == 0, err
    capitals = {r["indicator"]: r["capital"] for r in json.loads(out)}
    assert capitals["sociale_samenhang"] == "sociaal_kapitaal"
    assert capitals["mantelzorgers"] is None
    code, out, err = run(
        tmp_path, "compare", "-r", "zuidoost", "--theme", "samenleving", "--format", "csv"
    )
    assert code == 0, err
    rows = {r["indicator"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["sociale_samenhang"]["capital"] == "sociaal_kapitaal"
    assert rows["mantelzorgers"]["capital"] == ""


CAPITAL_CATALOG = """
[themes.bevolking]
title = "Bevolking"

[themes.wonen]
title = "Wonen"

[sources.bevolking]
table = "03759ned"

[indicators.inwoners]
title = "Inwoners op 1 januari"
theme = "bevolking"
capital = "menselijk_kapitaal"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = { Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }
aggregate = "sum"
"""


def test_the_workbook_has_a_sheet_per_capital_after_the_themes(
    tmp_path: Path, shipped_exports: ShippedExports
) -> None:
    """The shipped export: a sheet per capital with indicators, after the themes; a
    catalogue's own: the capital's sheet holds its indicators' rows."""
    names = openpyxl.load_workbook(
        shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx"
    ).sheetnames
    assert names.index("Economisch kapitaal") > names.index("Bevolking")
    assert names.index("Sociaal kapitaal") < names.index("Gegevens")
    assert "Natuurlijk kapitaal" not in names  # no shipped indicator has it
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(CAPITAL_CATALOG, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(
        tmp_path, "export", "--no-charts", "--catalog", str(catalog), "--out", str(out)
    )
    assert code == 0, err
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    workbook = openpyxl.load_workbook(folder / "monitor-brede-welvaart.xlsx")
    assert workbook.sheetnames == [
        "Overzicht",
        "Bevolking",
        "Menselijk kapitaal",
        "Gegevens",
        "Bronnen",
    ]
    titles = [r[0] for r in workbook["Menselijk kapitaal"].iter_rows(values_only=True)]
    assert "Inwoners op 1 januari" in titles


def test_catalog_show_marks_a_table_nothing_offline_has_checked(tmp_path: Path) -> None:
    """85146NED is neither fetched nor in the snapshot: its key is a lead until
    `catalog check --online`; a table in the snapshot is not so marked."""
    code, out, err = run(tmp_path, "catalog", "show", "onveilig_buurt")
    assert code == 0, err
    assert (
        "CBS-tabel 85146NED, VoeltZichVaakOnveiligInBuurt_51 (niet opgehaald; "
        "niet offline geverifieerd: `bwmonitor catalog check --online`)"
    ) in out
    assert "populatie:    inwoners van 15 jaar en ouder" in out
    code, out, err = run(tmp_path, "catalog", "show", "inwoners")
    assert code == 0, err
    assert "niet offline geverifieerd" not in out
