"""What a user sees in a terminal of 60, 80 or 120 columns, and in a file or pipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.catalog import load
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES
from tests.conftest import POPULATION_INDICATOR

runner = CliRunner()
WIDTHS = (60, 80, 120)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# the headers of compare's fields, as the table and the long layout both print them
# (the long layout puts the indicator's title above its block, without a header)
SINGLE_MUNICIPALITY_HEADERS = (
    "jaar",
    "Emmen",
    "Drenthe (verschil)",
    "Nederland (verschil)",
    "rang Drenthe",
    "kwartiel NL",
    "trend",
    "recente verandering",
)


def run(tmp_path: Path, *args: str, width: int, terminal: bool) -> str:
    """bwmonitor's stdout in a terminal of `width` columns, or piped (not a terminal)."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "COLUMNS": str(width)}
    # rich: TTY_COMPATIBLE=1 is a terminal, 0 is not (CliRunner's stdout is never a tty)
    env |= {"TTY_COMPATIBLE": "1" if terminal else "0", "NO_COLOR": "1"}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.stderr
    return ANSI.sub("", result.stdout)


def widest_line(text: str) -> int:
    return max(len(line) for line in text.splitlines())


def flowing(text: str) -> str:
    """The text with box characters and line breaks as single spaces: what is read."""
    return " ".join(re.sub(r"[│┃║|]", " ", text).split())


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_shows_every_field_of_a_municipality_at_any_width(
    tmp_path: Path, width: int
) -> None:
    """compare -r Emmen: value, benchmarks with difference, rank, quarter, trend and
    recent change all appear at 60, 80 and 120 columns, and no line is wider than the
    terminal."""
    out = run(tmp_path, "compare", "-r", "Emmen", width=width, terminal=True)
    for header in SINGLE_MUNICIPALITY_HEADERS:
        for word in header.split():  # a narrow table stacks "Drenthe" over "(verschil)"
            assert word in flowing(out), f"{header!r} missing at {width} columns"
    assert "Eenzaam (18+)" in flowing(out)
    assert widest_line(out) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_of_three_regions_fits_the_terminal(tmp_path: Path, width: int) -> None:
    """Tabel 1's shape (three regions, two benchmarks): every region's and benchmark's
    header appears, and no line is wider than the terminal."""
    out = run(tmp_path, "compare", "-r", "noord,zuidwest,zuidoost", width=width, terminal=True)
    for header in ("Noord-Drenthe", "Zuidwest-Drenthe", "Zuidoost-Drenthe", "Drenthe"):
        assert header in flowing(out), f"{header!r} missing at {width} columns"
    assert "Nederland" in flowing(out)
    assert widest_line(out) <= width


def test_compare_piped_does_not_depend_on_the_terminal_width(tmp_path: Path) -> None:
    """`compare > file.txt` writes the same text at COLUMNS=60 and COLUMNS=200, and that
    text has every field (the long layout of docs/compare.md)."""
    narrow = run(tmp_path, "compare", "-r", "Emmen", width=60, terminal=False)
    wide = run(tmp_path, "compare", "-r", "Emmen", width=200, terminal=False)
    assert narrow == wide
    for header in SINGLE_MUNICIPALITY_HEADERS:
        assert f"{header}:" in narrow


@pytest.mark.parametrize("width", WIDTHS)
def test_regions_never_cuts_a_code_or_alias(tmp_path: Path, width: int) -> None:
    """Every code and alias a user must type next appears whole, within the width."""
    out = run(tmp_path, "regions", width=width, terminal=True)
    words = set(re.findall(r"[\w-]+", out))
    expected = {*DRENTHE_MUNICIPALITIES, "CR07", "CR08", "CR09", "PV22", "NL01"}
    expected |= {"noord", "zuidoost", "zuidwest", "drenthe", "nederland"}
    assert expected <= words, sorted(expected - words)
    assert widest_line(out) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_catalog_list_never_cuts_an_indicator_id(tmp_path: Path, width: int) -> None:
    """Every indicator id appears whole (`catalog show ID` needs it), within the width."""
    out = run(tmp_path, "catalog", "list", width=width, terminal=True)
    catalog = load(None)
    words = set(re.findall(r"[\w-]+", out))
    assert set(catalog.indicators) <= words, sorted(set(catalog.indicators) - words)
    assert widest_line(out) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_show_is_readable_at_any_width(tmp_path: Path, width: int) -> None:
    """show 84799NED: every measure's title and every region's name appear, no line wider
    than the terminal (not a grid of empty columns)."""
    out = run(tmp_path, "show", "84799NED", width=width, terminal=True)
    text = flowing(out)
    for title in ("Aantal inwoners", "Gemiddelde huishoudensgrootte", "Emmen", "Drenthe"):
        assert title in text, f"{title!r} missing at {width} columns"
    assert widest_line(out) <= width


def test_piped_lists_do_not_depend_on_the_terminal_width(tmp_path: Path) -> None:
    """regions, catalog list, tables and show write the same text to a pipe at any width."""
    for command in (["regions"], ["catalog", "list"], ["tables"], ["show", "84799NED"]):
        narrow = run(tmp_path, *command, width=60, terminal=False)
        wide = run(tmp_path, *command, width=200, terminal=False)
        assert narrow == wide, command


SERIES_CATALOG = (
    """
[monitor]
title = "Test"

[themes.t]
title = "Test"

[sources.kwb]
series = { "2020" = "84799NED", "2022" = "85318NED" }

[sources.bevolking]
table = "03759ned"

[indicators.inwoners_kwb]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "kwb"
measure = "AantalInwoners"
aggregate = "sum"
"""
    + POPULATION_INDICATOR
)


def test_tables_lists_exactly_the_catalogues_tables(tmp_path: Path) -> None:
    """`tables --catalog` lists the tables the catalogue reads, a series' every year
    included, and no other; one neither fetched nor in the snapshot says so."""
    catalog_path = tmp_path / "indicators.toml"
    catalog_path.write_text(SERIES_CATALOG, encoding="utf-8")
    expected = {r.table_id for r in load(catalog_path).table_requests()}
    assert expected == {"84799NED", "85318NED", "03759ned"}

    out = run(tmp_path, "tables", "--catalog", str(catalog_path), width=200, terminal=False)
    # to a pipe: one block per table, its id on the first line (docs/compare.md)
    blocks = {block.split("\n")[0]: block for block in out.strip().split("\n\n")[1:]}
    assert set(blocks) == expected
    assert "herkomst:      niet opgehaald" in blocks["85318NED"]
