"""`bwmonitor export --format html`: one self-contained page, reproducible, escaped.

What a browser makes of the page (requests, script, layout, axe) is in
test_html_browser.py; these read the file as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import Project, ShippedExports

runner = CliRunner()
PAGE = "monitor-brede-welvaart.html"

# hostile catalogue text: markup, an event handler, a script link and a formula
SCRIPT = "<script>window.__pwned = 1; alert(1)</script>"
ONERROR = '<img src="x" onerror="window.__pwned = 2">'
JS_LINK = '<a href="javascript:alert(3)">klik</a>'
FORMULA = '=HYPERLINK("http://x","y")'
SVG_ONLOAD = "<svg onload=alert(4)>"


def q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text)


HOSTILE_CATALOG = f"""
[monitor]
title = {q(SCRIPT)}

[themes.eigen]
title = {q(ONERROR)}

[themes.bevolking]
title = {q(JS_LINK)}

[sources.eigen]
csv = "bron.csv"

[sources.bevolking]
table = "03759ned"

[indicators.eigen]
title = {q(FORMULA + " " + SCRIPT)}
theme = "eigen"
unit = {q(ONERROR)}
decimals = 1
better = "higher"
source = "eigen"
aggregate = "none"
footnote = {q(JS_LINK + " " + SVG_ONLOAD)}

[indicators.inwoners]
title = {q("inwoners " + ONERROR)}
theme = "bevolking"
unit = "aantal"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = {{ Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }}
aggregate = "sum"

[regions.eigen]
name = {q(SVG_ONLOAD)}
members = ["GM0114", "GM0109"]
"""

# a local CSV's status text is data too
HOSTILE_ROWS = [
    ("region_code", "period", "value", "status"),
    ("GM0114", "2023", "17.5", SCRIPT),
    ("GM0109", "2023", "52.5", JS_LINK),
    ("GM0106", "2023", "40.1", ""),
    ("PV22", "2023", "52.6", ONERROR),
    ("NL01", "2023", "48.7", ""),
]
HOSTILE = (SCRIPT, ONERROR, JS_LINK, SVG_ONLOAD)


def hostile_env(root: Path) -> dict[str, str]:
    root.mkdir(parents=True, exist_ok=True)
    catalog = root / "indicators.toml"
    catalog.write_text(HOSTILE_CATALOG, encoding="utf-8")
    with (root / "bron.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(HOSTILE_ROWS)
    return {"BWMONITOR_CATALOG": str(catalog), "BWMONITOR_DATA_DIR": str(root / "store")}


def export_html(env: dict[str, str], out: Path, *extra: str) -> Path:
    args = ["export", "--format", "html", "--no-charts", "--out", str(out), *extra]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder / PAGE


def hostile_page(root: Path) -> Path:
    """The hostile catalogue's page, with its custom region in the overview."""
    return export_html(hostile_env(root), root / "out", "--region", "eigen,emmen")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> str:
    return hostile_page(tmp_path_factory.mktemp("hostile-html")).read_text("utf-8")


def parsed(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag of the page with its attributes, as a browser's parser sees them."""
    tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append((tag, attrs))

    Collector().feed(page)
    return tags


def downloads(page: str) -> dict[str, str]:
    """Each CSV download's file name -> its text."""
    found = re.findall(r'href="data:text/csv;charset=utf-8,([^"]*)" download="([^"]*)"', page)
    return {name: unquote(data) for data, name in found}


@pytest.fixture(scope="module")
def shipped(shipped_exports: ShippedExports) -> str:
    return (shipped_exports.folder("html") / PAGE).read_text("utf-8")


def test_the_page_loads_nothing_from_anywhere(shipped: str) -> None:
    """No src, stylesheet link, @import or url(): styles, script and charts are inline;
    the only addresses are the sources' links to CBS, which a reader follows."""
    assert not re.search(r"\ssrc=|<link\b|@import|url\(", shipped)
    addresses = re.findall(r'href="(https?:[^"]*)"', shipped)
    assert addresses and all(a.startswith("https://") and "cbs.nl" in a for a in addresses)
    assert shipped.count("<script") == 1
    # the Content-Security-Policy allows that one script only, by its hash
    assert "default-src 'none'" in shipped and "script-src 'sha256-" in shipped


def test_same_data_same_bytes(shipped_exports: ShippedExports, tmp_path: Path) -> None:
    """A second export of the same data writes the same page, byte for byte."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": ""}
    again = export_html(env, tmp_path / "out").read_bytes()
    assert again == (shipped_exports.folder("html") / PAGE).read_bytes()


def test_the_map_is_drawn_once_and_filled_per_indicator(shipped: str) -> None:
    """Each municipality's outline is one <symbol>; each map uses all twelve with its own
    fills, and the values are also in the table beside it."""
    outlines = re.findall(r'<symbol id="(gm-gm\d{4})"', shipped)
    assert len(outlines) == len(set(outlines)) == 12
    uses = re.findall(r'<use href="#(gm-gm\d{4})" fill="(#[0-9A-Fa-f]{6})"', shipped)
    maps = shipped.count('<title id="indicator-') - shipped.count('-t">')
    assert maps > 20 and len(uses) == 12 * maps
    assert {code for code, _ in uses} == set(outlines)
    assert len({fill for _, fill in uses}) > 2


def test_every_table_offers_its_csv(shipped: str) -> None:
    """One CSV per table (overviews, indicators, sources), whose rows are the table's."""
    files = downloads(shipped)
    assert len(files) == shipped.count("<table>")
    overview = list(csv.DictReader(io.StringIO(files["overzicht-CR08.csv"])))
    income = next(r for r in overview if r["indicator"].startswith("Gemiddeld besteedbaar"))
    row = re.search(
        r'<tr data-title="Gemiddeld besteedbaar[^"]*" data-indicator="[^"]*">(.*?)</tr>',
        shipped[shipped.index('id="regio-cr08"') :],
    )
    assert row is not None
    cells = re.findall(r'<td data-column="value"[^>]*>([^<]*)</td>', row.group(1))
    assert cells == [income["waarde"]]


def test_hostile_catalogue_text_is_escaped(hostile: str) -> None:
    """Markup from the catalogue and a CSV source arrives as text: no tag, handler or
    script link of its own, and the page's one script is bwmonitor's."""
    for text in HOSTILE:
        assert text not in hostile
    assert "&lt;script&gt;window.__pwned = 1" in hostile
    assert hostile.count("<script") == 1
    tags = parsed(hostile)
    assert [name for _, attrs in tags for name, _ in attrs if name.startswith("on")] == []
    assert [v for _, attrs in tags for _, v in attrs if "javascript:" in (v or "")[:11]] == []
    assert [tag for tag, _ in tags].count("img") == 0
    assert "<svg onload" not in hostile and "&lt;svg onload=alert(4)&gt;" in hostile


def test_hostile_csv_text_cannot_become_a_formula(hostile: str) -> None:
    """A downloaded table's text that a spreadsheet would run gets a leading '."""
    overview = downloads(hostile)["overzicht-eigen.csv"]
    rows = list(csv.reader(io.StringIO(overview)))
    titles = [row[0] for row in rows[1:]]
    assert "'" + FORMULA + " " + SCRIPT in titles
    for row in rows:
        for text in row:
            assert not text.startswith(("=", "+", "-", "@")), text


def test_the_overview_follows_region(hostile: str) -> None:
    """--region picks the overview's regions; Drenthe and Nederland follow."""
    headings = re.findall(r'<h2 id="regio-[^"]*-kop">Overzicht: ([^<]*)</h2>', hostile)
    assert headings == ["&lt;svg onload=alert(4)&gt;", "Emmen", "Drenthe", "Nederland"]


def test_update_adds_the_page_with_its_changes(project: Project) -> None:
    """update writes the page beside the workbook, with its change report on it."""
    out = project.root / "export"
    code, _, err = project.run(
        "update", "--out", str(out), "--log-file", str(project.root / "u.log"), "--no-charts"
    )
    assert code == 0, err
    page = (out / "latest" / PAGE).read_text("utf-8")
    assert (out / "latest" / "monitor-brede-welvaart.xlsx").is_file()
    assert '<h2 id="wijzigingen-kop">Wat is er veranderd</h2>' in page
    assert "Wijzigingen in de cijfers" in page
