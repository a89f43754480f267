"""`bwmonitor export --format html`: one self-contained page, reproducible, escaped.

What a browser makes of the page (requests, script, layout, axe) is in
test_html_browser.py; these read the file as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import Project, ShippedExports
from tests.conftest import toml_string as q

runner = CliRunner()
PAGE = "monitor-brede-welvaart.html"

# hostile catalogue text: markup, an event handler, a script link and a formula
SCRIPT = "<script>window.__pwned = 1; alert(1)</script>"
ONERROR = '<img src="x" onerror="window.__pwned = 2">'
JS_LINK = '<a href="javascript:alert(3)">klik</a>'
FORMULA = '=HYPERLINK("http://x","y")'
SVG_ONLOAD = "<svg onload=alert(4)>"


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
    assert not re.search(r"\ssrc=|<link\b|@import|url\((?!#)", shipped)  # url(#...): inside
    addresses = re.findall(r'href="(https?:[^"]*)"', shipped)
    assert addresses and all(a.startswith("https://") and "cbs.nl" in a for a in addresses)
    assert shipped.count("<script") == 1
    # the Content-Security-Policy allows that one script only, by its hash
    assert "default-src 'none'" in shipped and "script-src 'sha256-" in shipped


def test_the_legend_names_the_page_own_quarter_marks(shipped: str) -> None:
    """The page marks quarters with ● and ○ on blue and orange: its legend says that,
    not the workbook's green and red."""
    assert "● (blauw): beste kwart, ○ (oranje): slechtste kwart" in shipped
    assert "groen: beste kwart" not in shipped


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
    maps = len(re.findall(r'<title id="[^"]*-kt">', shipped))
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


# ---------------------------------------------------------------- municipality pages

ARROWS = {"hoger": "▲", "lager": "▼", "gelijk": "►"}
EMMEN, HOOGEVEEN = "GM0114", "GM0118"


def section(page: str, anchor: str) -> str:
    """The text of the <section> with this id."""
    start = page.index(f' id="{anchor}"')
    return page[start : page.index("</section>", start)]


def row_cells(part: str) -> dict[str, dict[str, str]]:
    """Per indicator (data-indicator) the row's cells by data-column, as text."""
    rows = {}
    for indicator, cells in re.findall(
        r'<tr data-title="[^"]*" data-indicator="([^"]*)">(.*?)</tr>', part
    ):
        found = re.findall(r'<td data-column="([^"]+)"[^>]*>(.*?)</td>', cells)
        rows[indicator] = {key: unescape(re.sub("<[^>]+>", "", text)) for key, text in found}
    return rows


def compare_json(env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["compare", *args, "--format", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def shipped_env(shipped_exports: ShippedExports) -> dict[str, str]:
    return {"BWMONITOR_DATA_DIR": str(shipped_exports.root / "store"), "BWMONITOR_CATALOG": ""}


def trend_text(record: dict[str, Any]) -> str:
    """The trend as a reader reads it on CBS's dashboard: arrow, judgement in full
    (a neutral indicator: its movement when significant), the years, a break's mark."""
    if not record["trend_n"]:
        return ""
    movement, p = record["trend_movement"], record["trend_p"]
    if record["better"] != "neutral":
        word = record["trend_judgement"]
    elif p is None:
        word = "onvoldoende gegevens"
    else:
        word = movement if p < 0.05 else "geen significante verandering"
    parts = [f"{ARROWS[movement]} {word}" if movement else word]
    if record["trend_from"] and record["trend_to"]:
        parts.append(f"{record['trend_from']}–{record['trend_to']}")
    if record["breaks"]:
        parts.append("‡")
    return " ".join(parts)


def score_text(score: float | None) -> str:
    return "" if score is None else f"{score:.1f}".replace(".", ",")


def test_each_municipality_has_its_page_with_its_wheel(shipped: str) -> None:
    """Drenthe's twelve, each a section with its table, theme summary and welvaartswiel:
    inline SVG that scales by its viewBox, with a title and a description naming every
    theme, ids of its own and no reference outside the page."""
    from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES

    codes = re.findall(
        r'<section class="municipality" id="[^"]*" data-municipality="([^"]*)"', shipped
    )
    assert codes == list(DRENTHE_MUNICIPALITIES)
    ids = re.findall(r'\sid="([^"]+)"', shipped)
    assert len(ids) == len(set(ids))
    for code in codes:
        part = section(shipped, f"gemeente-{code.lower()}")
        [wheel] = re.findall(r'<figure class="wheel">\s*(<svg .*?</svg>)', part, flags=re.S)
        root = wheel[: wheel.index(">")]
        assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', root) and " width=" not in root
        title = re.search(r'<title id="([^"]+)">Welvaartswiel ([^<]+)</title>', wheel)
        desc = re.search(r'<desc id="([^"]+)">([^<]+)</desc>', wheel)
        assert title and desc and f'aria-labelledby="{title[1]} {desc[1]}"' in root
        themes = re.findall(r"<th scope=\"row\">([^<]+)</th><td class=\"num\">", part)
        assert themes and all(f"{theme}: score" in desc[2] for theme in themes)
        assert not re.search(r'(href|src)="(?!#)|url\((?!#)|<metadata|<style', wheel)
        assert "<text" in wheel  # real text, not glyph outlines


@pytest.mark.parametrize(("code", "group"), [(HOOGEVEEN, "peers"), (EMMEN, "nearest:10")])
def test_a_municipality_page_shows_what_compare_says(
    shipped: str, shipped_exports: ShippedExports, code: str, group: str
) -> None:
    """A municipality against Drenthe, Nederland and its peers is `compare --region it
    --with drenthe,nederland,<peers>`: every value, benchmark, rank, score, change and
    trend; Emmen, alone in its CBS classes, against its 10 nearest, and the page says
    so and names them."""
    from bwmonitor.compute.trend import change_text
    from bwmonitor.core.periods import marks
    from bwmonitor.core.units import Quantity, Unit

    records = compare_json(
        shipped_env(shipped_exports), "--region", code, "--with", f"drenthe,nederland,{group}"
    )
    part = section(shipped, f"gemeente-{code.lower()}")
    cells = row_cells(part)
    assert len(cells) == len(records) > 40
    for record in records:
        shown = cells[record["indicator"]]
        quantity = Quantity(Unit(record["unit"], record["scale"]), record["decimals"])
        value = record["value"]
        assert shown["value"] == quantity.text(value) + marks(
            record["status"], record["computed"] and value
        )
        for index, benchmark in enumerate(record["benchmarks"]):
            figure = quantity.text(benchmark["value"])
            assert shown[f"b{index}"].startswith(figure), (record["indicator"], benchmark)
        rank = record["rank_drenthe"]
        assert shown["rank"] == (f"{rank} van {record['rank_of']}" if rank else "")
        assert shown["score"] == score_text(record["score"])
        change = change_text(
            record["change"], record["change_unit"], record["change_from"], quantity
        )
        assert shown["change"] == change
        assert shown["trend"] == trend_text(record)
    peers = record["benchmarks"][2]["group"]
    names = [member["region_name"] for member in peers["members"]]
    assert names and all(unescape(name) in unescape(part) for name in names)
    said = unescape(" ".join(re.findall(r'<p class="peers">([^<]*)</p>', part)))
    assert ", ".join(names) in said
    if group.startswith("nearest"):
        assert "Geen andere gemeente heeft de CBS-grootteklasse en stedelijkheid van Emmen" in said
        assert "Aandeel in de afstand: inwoners" in said


def test_each_capital_has_its_page(shipped: str) -> None:
    """A page per capital with indicators (as the workbook's sheets): its indicators
    ranked with chart, map and table, and the regional comparison."""
    from bwmonitor.core import catalog as catalog_module
    from bwmonitor.core.catalog import Capital

    indicators = catalog_module.load(None).indicators.values()
    capitals = [c for c in Capital if any(i.capital is c for i in indicators)]
    assert capitals
    for capital in capitals:
        part = section(shipped, f"kapitaal-{capital.value}")
        assert f">{capital.label}: de Drentse gemeenten</h2>" in part
        titles = [
            unescape(t) for t in re.findall(r'<article id="[^"]*" data-title="([^"]*)"', part)
        ]
        assert titles == [i.title for i in indicators if i.capital is capital]
        # a bar chart and a map, or (not in the snapshot) why there are none
        missing = part.count('<p class="notes">Geen cijfer voor de gemeenten: ')
        assert part.count("<figure>") == 2 * (len(titles) - missing)
        assert part.count("regionale vergelijking</caption>") == len(titles)


def test_the_overview_names_the_trend_window(shipped: str) -> None:
    """The trend's header says its window in years, as compare's records have it."""
    headers = re.findall(
        r'<th scope="col">(Trend \(\d+ jaar\)|Recente verandering|Score \(0–10\))</th>',
        section(shipped, "regio-pv22"),
    )
    assert headers == ["Recente verandering", "Trend (8 jaar)", "Score (0–10)"]
