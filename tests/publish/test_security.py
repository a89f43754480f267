"""Hostile input cannot reach beyond the data: no formulas in the workbook or CSV files,
no files outside the export folder, no earlier export deleted."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.errors import BwmonitorError
from tests.conftest import POPULATION_INDICATOR
from tests.conftest import toml_string as q

runner = CliRunner()

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"
PLUS = "+1+cmd|' /C calc'!A0"
MINUS = "-2+3"
AT = "@SUM(1+1)"
CSV_NAME = "+bron.csv"


HOSTILE_CATALOG = f"""
[monitor]
title = {q(HYPERLINK)}

[themes.eigen]
title = {q(AT)}

[themes.bevolking]
title = {q("=1+2")}

[sources.eigen]
csv = {q(CSV_NAME)}

[sources.bevolking]
table = "03759ned"

[indicators.eigen]
title = {q(HYPERLINK)}
theme = "eigen"
unit = {q(MINUS)}
decimals = 1
better = "higher"
source = "eigen"
aggregate = "none"
footnote = {q(DDE)}

[indicators.inwoners]
title = {q(DDE)}
theme = "bevolking"
unit = "aantal"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = {{ Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }}
aggregate = "sum"

[regions.eigen]
name = {q(PLUS)}
members = ["GM0114", "GM0109"]
"""

# status and value text of a local CSV source are data too
HOSTILE_ROWS = [
    ("region_code", "period", "value", "status"),
    ("GM0114", "2023", "-17958436", HYPERLINK),
    ("GM0109", "2023", "52.5", DDE),
    ("GM0106", "2023", "=1+1", AT),
    ("PV22", "2023", "52.6", MINUS),
    ("NL01", "2023", "48.7", ""),
]
HOSTILE = {HYPERLINK, DDE, PLUS, MINUS, AT, "=1+2", CSV_NAME}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def hostile_project(tmp_path: Path) -> dict[str, str]:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(HOSTILE_CATALOG, encoding="utf-8")
    with (tmp_path / CSV_NAME).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(HOSTILE_ROWS)
    return {
        "BWMONITOR_CATALOG": str(catalog),
        "BWMONITOR_DATA_DIR": str(tmp_path / "store"),
        "COLUMNS": "200",
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def export_once(env: dict[str, str], out: Path, *extra: str) -> Path:
    code, _, err = run(env, "export", "--no-charts", "--out", str(out), *extra)
    assert code == 0, err
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


@pytest.fixture(scope="module")
def hostile_workbook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("hostile")
    env = hostile_project(tmp)
    folder = export_once(env, tmp / "out", "--region", "eigen")
    return openpyxl.load_workbook(folder / "monitor-brede-welvaart.xlsx")


def all_cells(workbook: Any) -> list[Any]:
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def test_no_cell_of_a_hostile_catalogue_becomes_a_formula(hostile_workbook: Any) -> None:
    """Text starting with = + - @ from the catalogue or a CSV is written as text, never
    as a formula; each hostile string reads back verbatim as a text cell."""
    cells = all_cells(hostile_workbook)
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    texts = {c.value for c in cells if c.data_type == "s"}
    assert texts >= HOSTILE
    assert f"{HYPERLINK}: regionale vergelijking" in texts  # the overview's title
    assert f"{HYPERLINK}: {DDE}" in texts  # the indicator's footnote in the legend


def test_numbers_of_a_hostile_csv_stay_numbers(hostile_workbook: Any) -> None:
    """Figures from the CSV round-trip unchanged as numbers; its text value is no figure."""
    sheet = hostile_workbook["Gegevens"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    mine = {r["regio"]: (r["waarde"], r["status"]) for r in rows if r["indicator"] == "eigen"}
    assert mine["GM0114"] == (-17958436, HYPERLINK)
    assert mine["GM0109"] == (52.5, DDE)
    assert mine["PV22"] == (52.6, MINUS)
    assert "GM0106" not in mine  # '=1+1' is not a number: a gap, not a cell
    numbers = [c for c in sheet["I"][1:] if c.value is not None]
    assert numbers and all(c.data_type == "n" for c in numbers)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_export_csv_neutralises_text_fields_not_numbers(tmp_path: Path) -> None:
    """The long table as CSV: text fields starting with = + - @ get a leading quote; a
    negative figure stays a plain number."""
    env = hostile_project(tmp_path)
    folder = export_once(env, tmp_path / "out", "--format", "csv")
    rows = read_csv((folder / "monitor-brede-welvaart.csv").read_text("utf-8"))
    emmen = next(r for r in rows if r["indicator"] == "eigen" and r["regio"] == "GM0114")
    assert emmen["titel"] == "'" + HYPERLINK
    assert emmen["eenheid"] == "'" + MINUS
    assert emmen["thema"] == "'" + AT
    assert emmen["status"] == "'" + HYPERLINK
    assert emmen["bron"] == "'" + CSV_NAME
    assert float(emmen["waarde"]) == -17958436 and emmen["waarde"].startswith("-")
    for row in rows:
        for name, text in row.items():
            assert not text.startswith(TRIGGERS) or name == "waarde", (name, text)


def test_compare_csv_neutralises_text_fields_not_numbers(tmp_path: Path) -> None:
    """`compare --format csv`: hostile titles get a leading quote, negative differences
    stay numbers."""
    env = hostile_project(tmp_path)
    code, out, err = run(env, "compare", "--region", "emmen", "--format", "csv")
    assert code == 0, err
    rows = read_csv(out)
    own = next(r for r in rows if r["indicator"] == "eigen")
    assert own["title"] == "'" + HYPERLINK and own["unit"] == "'" + MINUS
    assert float(own["difference_PV22"]) == pytest.approx(-17958436 - 52.6)
    assert own["difference_PV22"].startswith("-")
    numeric = {"value", "decimals", "difference_PV22", "difference_NL01"}
    for row in rows:
        for name, text in row.items():
            assert not text.startswith(TRIGGERS) or name in numeric, (name, text)


# ------------------------------------------------------------ files outside the folder

UNSAFE_IDS = ["../../x", "/abs/x"]
SAFE_CATALOG = (
    """
[themes.t]
title = "Thema"

[sources.bevolking]
table = "03759ned"
"""
    + POPULATION_INDICATOR
)


def catalog_with(tmp_path: Path, text: str) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(text, encoding="utf-8")
    return {
        "BWMONITOR_CATALOG": str(catalog),
        "BWMONITOR_DATA_DIR": str(tmp_path / "store"),
        "COLUMNS": "200",
    }


@pytest.mark.parametrize("unsafe", UNSAFE_IDS)
def test_catalog_check_refuses_an_indicator_id_that_is_a_path(tmp_path: Path, unsafe: str) -> None:
    """An indicator id becomes a file name: `catalog check` refuses one that is a path,
    naming the catalogue, the TOML path and the allowed pattern."""
    text = SAFE_CATALOG.replace("[indicators.inwoners]", f'[indicators."{unsafe}"]')
    env = catalog_with(tmp_path, text)
    code, _, err = run(env, "catalog", "check")
    assert code == 2, err
    assert str(tmp_path / "indicators.toml") in err
    assert f'indicators."{unsafe}"' in err and "^[a-z0-9][a-z0-9_-]{0,63}$" in err


@pytest.mark.parametrize("relative", [True, False])
def test_export_refuses_an_indicator_id_that_is_a_path(tmp_path: Path, relative: bool) -> None:
    """`export` writes no file for such an id, inside or outside its folder."""
    unsafe = "../../x" if relative else str(tmp_path / "abs" / "x")  # never a real /abs
    text = SAFE_CATALOG.replace("[indicators.inwoners]", f'[indicators."{unsafe}"]')
    env = catalog_with(tmp_path / "work" / "project", text)
    out = tmp_path / "work" / "project" / "out"
    code, _, err = run(env, "export", "--out", str(out))
    assert code == 2, err
    assert f'indicators."{unsafe}"' in err
    assert not out.exists()
    assert not list((tmp_path / "work").glob("x-*")) and not (tmp_path / "abs").exists()


@pytest.mark.parametrize(
    ("section", "entry"),
    [
        ("themes", '[themes."../t"]\ntitle = "Ander thema"'),
        ("regions", '[regions."../r"]\nname = "Eigen regio"\nmembers = ["GM0114"]'),
    ],
)
def test_catalog_check_refuses_theme_and_region_ids_that_are_paths(
    tmp_path: Path, section: str, entry: str
) -> None:
    """Theme and custom region ids follow the same safe pattern as indicator ids."""
    env = catalog_with(tmp_path, SAFE_CATALOG + "\n" + entry + "\n")
    code, _, err = run(env, "catalog", "check")
    assert code == 2, err
    assert f'{section}."../' in err and "^[a-z0-9][a-z0-9_-]{0,63}$" in err


def test_inside_refuses_paths_that_leave_the_folder(tmp_path: Path) -> None:
    """The second guard: every file the export writes resolves inside its folder."""
    from bwmonitor.publish.folder import inside

    folder = tmp_path / "export"
    folder.mkdir()
    assert inside(folder, "grafieken/inwoners-kaart") == (
        folder.resolve() / "grafieken" / "inwoners-kaart"
    )
    (folder / "link").symlink_to(tmp_path)
    for escape in ("../x", "/abs/x", "grafieken/../../x", "link/x"):
        with pytest.raises(BwmonitorError, match="outside the export folder"):
            inside(folder, escape)


# ------------------------------------------------------------ a second export the same day


def test_second_export_of_the_day_keeps_the_first_and_its_users_files(tmp_path: Path) -> None:
    """A second export goes to <date>-2; the first folder, with a file the user put in
    it, is left byte-identical; the CLI names the new folder."""
    env = catalog_with(tmp_path, SAFE_CATALOG)
    out = tmp_path / "out"
    first = export_once(env, out)
    (first / "mijn notities.txt").write_text("niet weggooien", encoding="utf-8")
    before = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    code, _, err = run(env, "export", "--no-charts", "--out", str(out))
    assert code == 0, err
    assert first.name == date.today().isoformat()
    second = out / f"{first.name}-2"
    assert sorted(p.name for p in out.iterdir()) == sorted([first.name, second.name])
    assert {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()} == (
        before
    )
    assert (second / "monitor-brede-welvaart.xlsx").is_file()
    assert f"in {second}" in err.replace("\n", "")


def test_dollar_signs_in_titles_are_drawn_as_text_in_charts(tmp_path: Path) -> None:
    """A title with '$' (matplotlib's mathtext) is text in a chart, not a crash."""
    title = 'title = "Inwoners op 1 januari"'
    text = SAFE_CATALOG.replace(title, "title = 'Kosten $\\frac{ in $ euro'")
    env = catalog_with(tmp_path, text + "footnote = '$_$'\n")
    code, _, err = run(env, "export", "--out", str(tmp_path / "out"))
    assert code == 0, err
    [folder] = (tmp_path / "out").iterdir()
    assert list((folder / "grafieken").glob("inwoners-*.svg"))
