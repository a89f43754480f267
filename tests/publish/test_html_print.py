"""The HTML report printed on A4: each region's overview starts a page, and nothing
overflows the printed page. Debian's Chromium driven by Playwright; skips, with one
line, only when no Chromium is found.

The page is laid out for print media at the width an A4 page leaves between margins
of 10 mm (190 mm: 718 CSS px at 96 px per inch), and printed with those margins.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import ShippedExports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "no Chromium found (apt-get install chromium): HTML print tests skipped",
        allow_module_level=True,
    )

from playwright.sync_api import Page, Route, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow  # a browser and a PDF of the whole report

PAGE = "monitor-brede-welvaart.html"
MARGIN_MM = 10
CONTENT_PX = (210 - 2 * MARGIN_MM) / 25.4 * 96  # A4's width inside the margins
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def printed(shipped_exports: ShippedExports) -> Iterator[Page]:
    """The shipped export's page, laid out for print at A4's content width."""
    url = (shipped_exports.folder("html") / PAGE).as_uri()

    def only_the_file(route: Route) -> None:
        if route.request.url == url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": int(CONTENT_PX), "height": 1000})
        page.route("**/*", only_the_file)
        page.goto(url)
        page.emulate_media(media="print")
        yield page
        browser.close()


def wider_than_the_page(page: Page, selector: str, inside_scrollers: bool) -> list[str]:
    """Elements (matching `selector`) that reach past the page's content box, in or out
    of a table scroller; visually hidden text (.sr) aside."""
    return page.evaluate(  # type: ignore[no-any-return]
        """([selector, inside, width]) => [...document.querySelectorAll(selector)]
            .filter(e => !e.closest('.sr') && !!e.closest('.scroll') === inside)
            .filter(e => {
                const box = e.getBoundingClientRect();
                return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
            })
            .map(e => {
                const where = e.closest('[aria-label]')?.getAttribute('aria-label') ?? '';
                const right = Math.round(e.getBoundingClientRect().right);
                return `${e.tagName.toLowerCase()} ${where}: ${right} px`;
            })""",
        [selector, inside_scrollers, CONTENT_PX],
    )


def test_every_region_overview_starts_a_printed_page(printed: Page) -> None:
    from pypdf import PdfReader

    headings = printed.evaluate(
        "[...document.querySelectorAll('section.region h2')].map(h => h.textContent.trim())"
    )
    margin = f"{MARGIN_MM}mm"
    pdf = PdfReader(
        io.BytesIO(
            printed.pdf(
                format="A4",
                margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
            )
        )
    )
    pages = [page.extract_text().lstrip() for page in pdf.pages]
    assert abs(float(pdf.pages[0].mediabox.width) - 595.3) < 1  # A4: 210 mm in points
    starts = [[i for i, text in enumerate(pages) if text.startswith(h)] for h in headings]
    # Noord, Zuidwest, Zuidoost, Drenthe and Nederland: each heading opens one page
    assert len(headings) == 5
    assert all(len(found) == 1 for found in starts), dict(zip(headings, starts, strict=True))
    first_pages = [found[0] for found in starts]
    assert first_pages == sorted(set(first_pages)) and first_pages[0] > 0


def test_nothing_outside_a_table_scroller_is_wider_than_the_printed_page(
    printed: Page,
) -> None:
    assert printed.evaluate("window.innerWidth") == int(CONTENT_PX)
    assert wider_than_the_page(printed, "body *", inside_scrollers=False) == []


def test_tables_in_scrollers_fit_the_printed_page(printed: Page) -> None:
    """On paper a scroller does not scroll: every table, the sources' long addresses
    and the municipalities' ten columns included, fits the page's width."""
    assert wider_than_the_page(printed, ".scroll table", inside_scrollers=True) == []


def test_the_printed_layout_is_the_print_stylesheets(printed: Page) -> None:
    """The checks above measure the print layout: the navigation and the filter, which
    print hides, take no room."""
    hidden = printed.evaluate(
        "['nav', '.search'].map(s => document.querySelector(s)?.getBoundingClientRect().height)"
    )
    assert hidden == [0, 0]
