"""The HTML report in a real browser: Debian's Chromium driven by Playwright.

One page of the shipped export is opened once for the module (the tests only read it,
except the filter's, which restores it). Every request is intercepted: only the file
itself and data: URIs may occur. Skips, with one line, only when no Chromium is found.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.compute.trend import change_text
from bwmonitor.core.periods import marks
from bwmonitor.core.units import Quantity, Unit
from tests.conftest import ShippedExports
from tests.publish.test_html_report import PAGE, hostile_page, score_text, trend_text

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "no Chromium found (apt-get install chromium): HTML browser tests skipped",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, Route, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow  # a browser, a PDF and axe: about a minute together

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REGIONS = ("CR07", "CR09", "CR08", "PV22", "NL01")  # the default overview's columns
# screenshots for people to look at (docs/img holds the committed ones)
SCREENSHOTS = os.environ.get("BWMONITOR_SCREENSHOT_DIR")


class Opened:
    """A page with what it asked for and what it said."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.goto(url)

    def _route(self, route: Route) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def html_file(shipped_exports: ShippedExports) -> Path:
    return shipped_exports.folder("html") / PAGE


@pytest.fixture(scope="module")
def opened(browser: Browser, html_file: Path) -> Iterator[Opened]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    yield Opened(page, html_file.as_uri())
    page.close()


def test_only_the_file_and_data_uris_are_requested(opened: Opened) -> None:
    assert opened.requests[0] == opened.url
    assert [u for u in opened.requests if u != opened.url and not u.startswith("data:")] == []


def test_no_console_errors(opened: Opened) -> None:
    assert opened.errors == []


def test_every_chart_has_a_title_a_description_and_real_text(opened: Opened) -> None:
    charts = opened.page.evaluate(
        """() => [...document.querySelectorAll('svg')].map(svg => ({
            title: svg.querySelector(':scope > title')?.textContent ?? '',
            desc: svg.querySelector(':scope > desc')?.textContent ?? '',
            viewBox: svg.getAttribute('viewBox'),
            texts: svg.querySelectorAll('text').length,
            chart: svg.getAttribute('role') === 'img',
        }))"""
    )
    assert len(charts) > 40
    for chart in charts:
        assert chart["title"] and chart["desc"], chart
        # the one that is no chart: the map's outlines, drawn once for every map
        if chart["chart"]:
            assert chart["viewBox"] and chart["texts"] >= 2, chart
    assert [c["chart"] for c in charts].count(False) == 1


def compare_records(shipped_exports: ShippedExports) -> list[dict[str, Any]]:
    """`compare --format json` for the overview's regions, on the export's data."""
    env = {"BWMONITOR_DATA_DIR": str(shipped_exports.root / "store"), "BWMONITOR_CATALOG": ""}
    args = ["compare", "--region", ",".join(REGIONS), "--format", "json"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_overview_shows_what_compare_says(
    opened: Opened, shipped_exports: ShippedExports
) -> None:
    """Each overview cell (value with marks, year, recent change, trend, position, score)
    is compare's figure in the text compare prints it with; the trend reads the
    significance judgement in full, as CBS's dashboard does."""
    cells = opened.page.evaluate(
        """() => [...document.querySelectorAll('section[data-region] tr[data-indicator]')]
            .map(tr => ({
                region: tr.closest('section').dataset.region,
                indicator: tr.dataset.indicator,
                ...Object.fromEntries([...tr.querySelectorAll('td')]
                    .map(td => [td.dataset.column, td.textContent])),
            }))"""
    )
    shown = {(c["region"], c["indicator"]): c for c in cells}
    records = compare_records(shipped_exports)
    assert len(records) == len(shown) > 100
    for record in records:
        cell = shown[(record["region"], record["indicator"])]
        quantity = Quantity(Unit(record["unit"], record["scale"]), record["decimals"])
        value = record["value"]
        expected = quantity.text(value) + marks(record["status"], record["computed"] and value)
        assert cell["value"] == expected, record
        assert cell["year"] == (record["period"] or "")[:4]
        if record["position"] is not None:
            assert cell["position"].startswith(f"{record['position']} van {record['position_of']} ")
        assert (record["position_quarter_label"] or "") in cell["quarter"]
        assert cell["change"] == change_text(
            record["change"], record["change_unit"], record["change_from"], quantity
        )
        assert cell["trend"] == trend_text(record)
        assert cell["score"] == score_text(record["score"])


def visible_titles(page: Page) -> list[str]:
    return page.evaluate(  # type: ignore[no-any-return]
        """() => [...document.querySelectorAll('[data-title]')]
            .filter(e => e.offsetParent !== null).map(e => e.dataset.title)"""
    )


def test_the_filter_shows_exactly_the_matching_rows(opened: Opened) -> None:
    page = opened.page
    everything = page.evaluate("document.querySelectorAll('[data-title]').length")
    page.focus("#filter")
    page.keyboard.type("inkomen")
    shown = visible_titles(page)
    titles = page.evaluate(
        "[...document.querySelectorAll('[data-title]')].map(e => e.dataset.title)"
    )
    assert shown == [t for t in titles if "inkomen" in t.lower()] != []
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    assert len(visible_titles(page)) == everything


def test_the_keyboard_reaches_every_control(browser: Browser, html_file: Path) -> None:
    """Tab from the top visits every link, input and scrollable table, in page order."""
    page = browser.new_page()
    Opened(page, html_file.as_uri())
    controls = page.evaluate(
        """() => [...document.querySelectorAll('a[href], input, [tabindex="0"]')]
            .map((e, i) => { e.dataset.control = i; return i; })"""
    )
    reached = []
    for _ in range(len(controls)):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.dataset.control ?? null"))
    page.close()
    assert [int(r) for r in reached if r is not None] == controls


def test_printing_puts_each_region_on_its_own_a4_page(opened: Opened) -> None:
    from pypdf import PdfReader

    names = opened.page.evaluate(
        "[...document.querySelectorAll('section[data-region] h2')].map(h => h.textContent)"
    )
    pdf = PdfReader(io.BytesIO(opened.page.pdf(format="A4")))
    pages = [page.extract_text() for page in pdf.pages]
    assert abs(float(pdf.pages[0].mediabox.width) - 595.3) < 1  # A4: 210 mm in points
    starts = []
    for name in names:
        [start] = [i for i, text in enumerate(pages) if name in text]
        starts.append(start)
    assert len(names) == len(REGIONS) and starts == sorted(set(starts))
    assert starts[0] > 0  # the first region starts a page too, after the contents


EVERY_SECTION_LAID_OUT = "main > section { content-visibility: visible !important; }"


def test_no_horizontal_overflow_at_375_px(browser: Browser, html_file: Path) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    Opened(page, html_file.as_uri())
    # every section laid out, as a reader scrolling through sees it (on screen the page
    # skips the layout of sections far from the viewport: content-visibility)
    page.add_style_tag(content=EVERY_SECTION_LAID_OUT)
    wider = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.scroll') && !e.closest('.sr') && !e.closest('.skip'))
            .filter(e => e.getBoundingClientRect().right > 375.5)
            .map(e => e.tagName + ' ' + e.className)"""
    )
    assert wider == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()


def test_axe_finds_no_a_or_aa_violations(opened: Opened) -> None:
    from axe_playwright_python.sync_playwright import Axe

    opened.page.add_style_tag(content=EVERY_SECTION_LAID_OUT)
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
    options = {"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    results = Axe().run(opened.page, options=options)
    assert results.violations_count == 0, results.generate_report()


def png_width(path: Path) -> int:
    """A PNG's width in pixels, from its IHDR header."""
    return int(struct.unpack(">I", path.read_bytes()[16:20])[0])


def test_screenshots_for_people_to_look_at(
    browser: Browser, html_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The first screen at 1280 and at 375 px, and Emmen's page and wheel at 1280,
    written where BWMONITOR_SCREENSHOT_DIR says (docs/img for the README's)."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path_factory.mktemp("screenshots")
    for width in (1280, 375):
        page = browser.new_page(viewport={"width": width, "height": 900})
        Opened(page, html_file.as_uri())
        path = folder / f"report-{width}.png"
        page.screenshot(path=path)
        page.close()
        assert png_width(path) == width
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    Opened(page, html_file.as_uri())
    for name, selector in (
        ("emmen", "#gemeente-gm0114-kop"),
        ("emmen-wiel", "#gemeente-gm0114 figure.wheel"),
    ):
        page.locator(selector).evaluate("e => e.scrollIntoView()")
        path = folder / f"report-{name}-1280.png"
        page.screenshot(path=path)
        assert png_width(path) == 1280
    page.close()


def test_a_hostile_catalogue_stays_inert(browser: Browser, tmp_path: Path) -> None:
    """Markup in catalogue titles, units, footnotes and a CSV's status: no dialog, no
    script of its own runs, no request leaves, no error is raised."""
    page = browser.new_page()
    hostile = Opened(page, hostile_page(tmp_path).as_uri())
    assert hostile.dialogs == []
    assert page.evaluate("window.__pwned === undefined")
    assert [u for u in hostile.requests if u != hostile.url and not u.startswith("data:")] == []
    assert hostile.errors == []
    assert page.evaluate("document.querySelectorAll('img, iframe, object').length") == 0
    page.close()
