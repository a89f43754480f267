"""The monitor as one HTML page: the overview per region, a section per theme and per
capital with the municipalities ranked (table, chart, map) and the regional comparison,
a section per municipality of Drenthe (against Drenthe, Nederland and its peers, its
ranks, theme scores and welvaartswiel), sources and method, and a colofon.

One self-contained file: styles, the filter's script and the charts (inline SVG) are in
it, and it asks no host for anything. Built from the same comparison as `bwmonitor
compare` (`compute.comparison.compare`), with the same marks, footnotes and number
texts as the workbook, so the page, the workbook and the terminal agree.

Safe with a hostile catalogue: every text goes through Jinja2's autoescape, links are
only bwmonitor's own CBS addresses, and a Content-Security-Policy allows no script but
the page's own (by its hash). Same data, same bytes: no clock, everything in catalogue
or sorted order.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from bwmonitor.compute.aggregation import by_note, weight_notes
from bwmonitor.compute.breaks import BREAK_MARK, definition_breaks
from bwmonitor.compute.comparison import BenchmarkValue, Comparison, ComparisonRow, compare
from bwmonitor.compute.peers import PEERS, distance_drivers
from bwmonitor.compute.ranking import LEVEL_PLURALS, Summary
from bwmonitor.compute.scores import RANK_CAVEAT, RANK_FORMULA, score_formula, welfare_themes
from bwmonitor.compute.trend import (
    BETTER,
    FULL_WORDS,
    TREND_WINDOW,
    WORSE,
    change_text,
    short_reading,
    trend_legend_lines,
    window_size,
)
from bwmonitor.core.catalog import Capital, Catalog, Indicator
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import COMPUTED_MARK, MARKER_LEGEND, marks
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES, Region, RegionRegistry
from bwmonitor.core.units import Quantity, Unit
from bwmonitor.publish.formula_guard import neutralise
from bwmonitor.publish.workbook import LICENCE, POSITION_LEGEND, SUMMARY_LEGEND, SourceRow

if TYPE_CHECKING:
    import polars as pl
    from markupsafe import Markup

REPORT_FILE = "monitor-brede-welvaart.html"
TEMPLATE = "report.html.j2"
# the page's only script: the filter on indicator titles (the template's {% script %})
SCRIPT_FILE = "filter.js"
QUARTER_CLASS = {1: "best", 4: "worst"}
QUARTER_ICON = {1: "●", 4: "○"}  # a cue besides the colour: filled best, open worst


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as the reader sees it; `css` picks its colour (never alone)."""

    text: str
    css: str = ""
    icon: str = ""  #: shown before the text on the page, not in its CSV


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator of one region's overview; `cells` by column key (the template's
    column list names them, so a new column is a line there and a key here)."""

    indicator: str
    title: str
    cells: Mapping[str, Cell]


@dataclass(frozen=True, slots=True)
class ThemeGroup:
    title: str
    rows: list[IndicatorRow]


@dataclass(frozen=True, slots=True)
class Download:
    """A table's data as a `data:text/csv` link."""

    href: str
    filename: str


@dataclass(frozen=True, slots=True)
class RegionOverview:
    code: str
    anchor: str
    name: str
    groups: list[ThemeGroup]
    summary: list[str]
    download: Download


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    text: str  #: the value as printed, with its marks
    y: float
    x: float  #: where the bar starts (the zero line or left of it)
    width: float
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class BarChart:
    """A horizontal bar chart's geometry; the template draws it as SVG."""

    title: str
    desc: str
    height: float
    bars: list[Bar]
    label_width: float = 150
    width: float = 560


@dataclass(frozen=True, slots=True)
class Shape:
    """A municipality's outline, drawn once on the page (an SVG <symbol>)."""

    code: str
    anchor: str
    path: str


@dataclass(frozen=True, slots=True)
class MapFill:
    anchor: str  #: the shape's id
    fill: str
    label: str  #: 'Emmen: € 53.200*'


@dataclass(frozen=True, slots=True)
class MapView:
    """One indicator's map: the shared shapes with this indicator's fills, and a
    legend of its classes (the values themselves are in the table beside it)."""

    title: str
    desc: str
    fills: list[MapFill]
    legend: list[tuple[str, str]]  #: (fill, 'from – to')
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class RankedRow:
    rank: str
    name: str
    value: str
    quarter: Cell


@dataclass(frozen=True, slots=True)
class RegionalRow:
    """One region of an indicator's regional comparison (the overview's regions)."""

    name: str
    value: str
    year: str
    position: str
    trend: Cell


@dataclass(frozen=True, slots=True)
class RankedIndicator:
    indicator: str
    anchor: str
    title: str
    year: str
    unit: str
    rows: list[RankedRow]
    chart: BarChart | None
    map: MapView | None
    download: Download
    footnote: str | None
    regional: list[RegionalRow]
    regional_download: Download
    missing: str = ""  #: why no municipality has a figure, as compare's footer says it


@dataclass(frozen=True, slots=True)
class ThemePage:
    """A theme's ("hier en nu") or a capital's ("later") page."""

    anchor: str
    title: str
    indicators: list[RankedIndicator]
    kind: str = "thema"  #: or "kapitaal"


@dataclass(frozen=True, slots=True)
class StandingRow:
    """A municipality's theme summed up: mean score and mean rank, each with its n."""

    theme: str
    score: str
    scored: int
    rank: str
    ranked: int


@dataclass(frozen=True, slots=True)
class MunicipalityPage:
    """A council member's view of one municipality: every indicator against Drenthe,
    Nederland and its peers, its rank among the twelve, its themes and its wheel."""

    code: str
    anchor: str
    name: str
    columns: list[tuple[str, str]]  #: (cell key, header)
    groups: list[ThemeGroup]
    peers: list[str]  #: who the peers are and why
    standings: list[StandingRow]
    wheel: Markup | None  #: the welvaartswiel as inline SVG
    download: Download
    standings_download: Download


@dataclass(frozen=True, slots=True)
class Source:
    table_id: str
    title: str
    modified: str
    fetched: str
    url: str  #: empty unless an https address bwmonitor built
    note: str


def write_report(path: Path, context: Mapping[str, object], changes: str | None = None) -> None:
    """Write the page of `context` (`build`) to `path`; `changes`: update's change report
    in Markdown, when update writes the page."""
    page = render({**context, "changes": changes})
    path.write_bytes(page.encode("utf-8"))


def build(
    observations: pl.DataFrame,
    catalog: Catalog,
    registry: RegionRegistry,
    indicators: Sequence[Indicator],
    columns: Sequence[str],
    long: pl.DataFrame,
    sources: Sequence[SourceRow],
    created: datetime,
    gaps: dict[str, list[str]] | None = None,
    municipalities: Sequence[Comparison] = (),
) -> dict[str, object]:
    """The template's context. `columns`: the overview's regions (focus, Drenthe,
    Nederland); `long`: the export's long table (for the weights' footnotes);
    `municipalities`: per municipality of Drenthe its comparison with Drenthe,
    Nederland and its peers (pipeline/exporting.municipality_comparisons)."""
    regions = [registry.get(code) for code in columns]
    # the overview is `compare --region <columns>`: every region its own record
    overview = compare(observations, catalog, regions, [], indicators, gaps=gaps)
    twelve = [registry.get(code) for code in DRENTHE_MUNICIPALITIES]
    ranked = compare(observations, catalog, twelve, [], indicators, gaps=gaps)
    script = _script()
    every = [*overview.records, *(r for c in municipalities for r in c.records)]
    return {
        "title": catalog.title,
        "version": _version(),
        "published": created.date().isoformat(),
        "regions": [
            _region_overview(region, overview.records, overview.summaries[region.code])
            for region in regions
        ],
        "trend_years": _trend_years(overview.records),
        "themes": _theme_pages(catalog, indicators, ranked.records, overview.records, regions),
        "capitals": _capital_pages(indicators, ranked.records, overview.records, regions),
        "municipalities": [_municipality_page(c) for c in municipalities],
        "shapes": municipality_shapes(),
        "missing_fill": MAP_MISSING,
        "sources": [_source(row) for row in sources],
        "sources_download": _download(
            "bronnen",
            ["tabel", "titel", "CBS gewijzigd", "opgehaald / stand", "adres", "licentie"],
            [[s.table_id, s.title, s.modified, s.fetched, s.url, LICENCE] for s in sources],
        ),
        "legend": legend_lines(indicators, long, every),
        "rank_caveat": RANK_CAVEAT,
        "licence": LICENCE,
        "script": script,
        "script_hash": base64.b64encode(hashlib.sha256(script.encode()).digest()).decode(),
        "level_plurals": LEVEL_PLURALS,
    }


def render(context: Mapping[str, object]) -> str:
    """The page from the template, with autoescape on for every text."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("bwmonitor.publish", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template(TEMPLATE).render(context)


def _script() -> str:
    from importlib.resources import files

    return (files("bwmonitor.publish") / "templates" / SCRIPT_FILE).read_text("utf-8")


def _version() -> str:
    try:
        return metadata.version("bwmonitor")
    except metadata.PackageNotFoundError:  # run from a source tree
        return "onbekend"


def anchor(prefix: str, key: str) -> str:
    """An id for a section: the catalogue's ids are [a-z0-9_-] already; anything else
    (a region code's capitals, a stray character) becomes safe here."""
    return f"{prefix}-" + re.sub(r"[^a-z0-9_-]+", "-", key.lower())


# ---------------------------------------------------------------- the overview


def quantity(record: ComparisonRow) -> Quantity:
    """The unit model of a record, as `compare` prints it."""
    return Quantity(Unit(record.unit, record.scale), record.decimals)


def value_text(record: ComparisonRow) -> str:
    """'€ 28.400*†': the figure as `compare` prints it, with its marks; '.' for none."""
    value = record.value
    computed = record.computed and value is not None
    return quantity(record).text(value) + marks(record.status, computed)


def trend_cell(record: ComparisonRow) -> Cell:
    """'▼ beter 2016–2023', '▲ geen significante verandering 2017–2024': compare's
    reading (`trend.short_reading`) in full words, as CBS's dashboard reads; the arrow
    the slope's sign, the word (and the colour, never alone) the judgement; empty when
    the region has no figure in the window."""
    if not record.trend_n:
        return Cell("")
    neutral = record.better == "neutral"
    parts = [
        short_reading(
            record.trend_movement, record.trend_judgement, record.trend_p, neutral, FULL_WORDS
        )
    ]
    if record.trend_from and record.trend_to:
        parts.append(f"{record.trend_from}–{record.trend_to}")
    if record.breaks:  # the trend crosses a break in the series: see the footnote
        parts.append(BREAK_MARK)
    judged = record.trend_judgement if record.trend_judgement in (BETTER, WORSE) else ""
    return Cell(" ".join(parts), judged or "")


def change_cell(record: ComparisonRow) -> Cell:
    """'+2,9 %-punt (2016)': the recent change as compare prints it (`trend.change_text`)."""
    return Cell(
        change_text(record.change, record.change_unit, record.change_from, quantity(record))
    )


def score_text(score: float | None) -> str:
    """'6,3': a score 0–10 with one decimal; empty without one."""
    return "" if score is None else dutch_number(score, 1)


def position_cell(record: ComparisonRow) -> Cell:
    """'30 van 36 COROP-gebieden'; empty for a count, the country or no value."""
    if record.position is None or record.position_level is None:
        return Cell("")
    return Cell(
        f"{record.position} van {record.position_of} {LEVEL_PLURALS[record.position_level]}"
    )


def quarter_cell(label: str | None, quarter: int | None, better: str) -> Cell:
    """The quarter's words with an icon, coloured only when the indicator has a better
    direction: the colour is never the only cue."""
    if label is None:
        return Cell("")
    if better == "neutral" or quarter not in QUARTER_CLASS:
        return Cell(label)
    return Cell(label, QUARTER_CLASS[quarter], QUARTER_ICON[quarter])


OVERVIEW_HEADERS = (
    "indicator",
    "thema",
    "waarde",
    "jaar",
    "recente verandering",
    "trend",
    "positie",
    "kwart",
    "score (0-10)",
)


def _overview_cells(record: ComparisonRow) -> dict[str, Cell]:
    return {
        "value": Cell(value_text(record)),
        "year": Cell(record.period[:4] if record.period else ""),
        "change": change_cell(record),
        "trend": trend_cell(record),
        "position": position_cell(record),
        "quarter": quarter_cell(
            record.position_quarter_label, record.position_quarter, record.better
        ),
        "score": Cell(score_text(record.score)),
    }


def _region_overview(
    region: Region, records: Sequence[ComparisonRow], of_region: Summary
) -> RegionOverview:
    groups: list[ThemeGroup] = []
    csv_rows = []
    for record in records:
        if record.region != region.code:
            continue
        cells = _overview_cells(record)
        if not groups or groups[-1].title != record.theme:
            groups.append(ThemeGroup(record.theme, []))
        groups[-1].rows.append(IndicatorRow(record.indicator, record.title, cells))
        csv_rows.append([record.title, record.theme, *(cells[k].text for k in OVERVIEW_CELL_KEYS)])
    return RegionOverview(
        region.code,
        anchor("regio", region.code),
        region.name,
        groups,
        summary_lines(of_region),
        _download(f"overzicht-{region.code}", OVERVIEW_HEADERS, csv_rows),
    )


OVERVIEW_CELL_KEYS = ("value", "year", "change", "trend", "position", "quarter", "score")


def summary_lines(of_region: Summary) -> list[str]:
    """The region's position summary, in the words `compare` prints under its table."""
    lines = [f"{of_region.with_value} van {of_region.shown} indicatoren met een waarde."]
    if of_region.placed:
        lines.append(
            f"{of_region.best} van {of_region.placed} indicatoren in het beste kwart van hun "
            f"niveau, {of_region.worst} in het slechtste."
        )
    return lines


# ---------------------------------------------------------------- the theme pages


def _trend_years(records: Sequence[ComparisonRow]) -> str:
    """'8': the trend's window in years, as the records have it ('7 of 8' if mixed)."""
    sizes = sorted({window_size(r.trend_window) for r in records if r.trend_window})
    return " of ".join(str(size) for size in sizes) or str(TREND_WINDOW)


def _by_indicator(records: Sequence[ComparisonRow]) -> dict[str, list[ComparisonRow]]:
    found: dict[str, list[ComparisonRow]] = {}
    for record in records:
        found.setdefault(record.indicator, []).append(record)
    return found


def _theme_pages(
    catalog: Catalog,
    indicators: Sequence[Indicator],
    records: Sequence[ComparisonRow],
    regional: Sequence[ComparisonRow],
    regions: Sequence[Region],
) -> list[ThemePage]:
    """A page per theme ("hier en nu"), its indicators in catalogue order."""
    pages = []
    for theme in catalog.themes.values():
        members = [i for i in indicators if i.theme == theme.id]
        if members:
            ranked = _ranked_page("", members, records, regional, regions)
            pages.append(ThemePage(anchor("thema", theme.id), theme.title, ranked))
    return pages


def _capital_pages(
    indicators: Sequence[Indicator],
    records: Sequence[ComparisonRow],
    regional: Sequence[ComparisonRow],
    regions: Sequence[Region],
) -> list[ThemePage]:
    """A page per capital ("later") that has indicators, as the workbook has a sheet."""
    pages = []
    for capital in Capital:
        members = [i for i in indicators if i.capital is capital]
        if members:
            page = anchor("kapitaal", capital.value)
            ranked = _ranked_page(page, members, records, regional, regions)
            pages.append(ThemePage(page, capital.label, ranked, "kapitaal"))
    return pages


def _ranked_page(
    page: str,
    members: Sequence[Indicator],
    records: Sequence[ComparisonRow],
    regional: Sequence[ComparisonRow],
    regions: Sequence[Region],
) -> list[RankedIndicator]:
    """The page's indicators. On a capital's `page` their anchors and CSV names carry
    the page's, since each is on its theme's page too (as 'indicator-<id>')."""
    ranked, around = _by_indicator(records), _by_indicator(regional)
    order = {region.code: index for index, region in enumerate(regions)}
    return [
        _ranked(
            indicator,
            ranked.get(indicator.id, []),
            sorted(around.get(indicator.id, []), key=lambda r: order.get(r.region, 0)),
            page,
        )
        for indicator in members
    ]


def _ranked(
    indicator: Indicator,
    records: Sequence[ComparisonRow],
    regional: Sequence[ComparisonRow] = (),
    page: str = "",
) -> RankedIndicator:
    """The twelve municipalities from best to worst (by value when the indicator has
    no better direction or is a count); those without a value last, by name. With the
    regional comparison: the overview's regions, their values, positions and trends."""
    with_value = [r for r in records if r.value is not None]
    without = sorted((r for r in records if r.value is None), key=lambda r: r.region_name)
    with_value.sort(key=lambda r: (r.rank_drenthe or 0, -(r.value or 0), r.region_name))
    ordered = [*with_value, *without]
    rows = [
        RankedRow(
            f"{r.rank_drenthe} van {r.rank_of}" if r.rank_drenthe else "",
            r.region_name,
            value_text(r),
            quarter_cell(r.quartile_label, r.quartile_nl, r.better),
        )
        for r in ordered
    ]
    period = next((r.period for r in records if r.period), None)
    year = period[:4] if period else ""
    unit = records[0].unit if records else indicator.unit
    around = [
        RegionalRow(
            r.region_name,
            value_text(r),
            r.period[:4] if r.period else "",
            position_cell(r).text,
            trend_cell(r),
        )
        for r in regional
    ]
    stem = f"{page}-{indicator.id}" if page else indicator.id
    return RankedIndicator(
        indicator.id,
        f"{page}-{indicator.id}" if page else anchor("indicator", indicator.id),
        indicator.title,
        year,
        unit,
        rows,
        bar_chart(indicator.title, year, unit, with_value),
        municipality_map(indicator.title, year, records),
        _download(
            f"{stem}-gemeenten",
            ("rang", "gemeente", "waarde", "jaar", "kwart onder alle gemeenten"),
            [[r.rank, r.name, r.value, year, r.quarter.text] for r in rows],
        ),
        indicator.footnote,
        around,
        _download(
            f"{stem}-regios",
            ("regio", "waarde", "jaar", "positie op het niveau", "trend"),
            [[r.name, r.value, r.year, r.position, r.trend.text] for r in around],
        ),
        "" if with_value else missing_reason(records),
    )


def missing_reason(records: Sequence[ComparisonRow]) -> str:
    """Why there is no figure: the reason's first clause, as compare's footer groups
    it ('niet in de snapshot; `bwmonitor fetch` haalt dit op'); the details are in
    compare's JSON."""
    reason = next((r.reason for r in records if r.reason), None)
    return reason.split(":")[0] if reason else ""


# ---------------------------------------------------------------- the municipality pages


def _municipality_page(comparison: Comparison) -> MunicipalityPage:
    """One municipality (the comparison's one region) against its benchmarks."""
    [region] = comparison.regions
    records = [r for r in comparison.records if r.region == region.code]
    page = anchor("gemeente", region.code)
    benchmarks = records[0].benchmarks if records else ()
    years = _trend_years(records)
    columns = [
        ("value", region.name),
        ("year", "Jaar"),
        *((f"b{i}", f"{_benchmark_name(b)} (verschil)") for i, b in enumerate(benchmarks)),
        ("rank", "Rang in Drenthe"),
        ("score", "Score (0–10)"),
        ("change", "Recente verandering"),
        ("trend", f"Trend ({years} jaar)"),
    ]
    groups: list[ThemeGroup] = []
    csv_rows = []
    for record in records:
        cells = {
            "value": Cell(value_text(record)),
            "year": Cell(record.period[:4] if record.period else ""),
            **{f"b{i}": Cell(benchmark_text(record, b)) for i, b in enumerate(record.benchmarks)},
            "rank": Cell(
                f"{record.rank_drenthe} van {record.rank_of}" if record.rank_drenthe else ""
            ),
            "score": Cell(score_text(record.score)),
            "change": change_cell(record),
            "trend": trend_cell(record),
        }
        if not groups or groups[-1].title != record.theme:
            groups.append(ThemeGroup(record.theme, []))
        groups[-1].rows.append(IndicatorRow(record.indicator, record.title, cells))
        csv_rows.append([record.title, record.theme, *(cells[key].text for key, _ in columns)])
    standings = _standings(comparison, region.code, records)
    return MunicipalityPage(
        region.code,
        page,
        region.name,
        columns,
        groups,
        peer_lines(region.name, benchmarks),
        standings,
        wheel_markup(region.name, records, f"{page}-wiel") if records else None,
        _download(
            f"gemeente-{region.code}",
            ("indicator", "thema", *(label for _, label in columns)),
            csv_rows,
        ),
        _download(
            f"gemeente-{region.code}-themas",
            ("thema", "score (0-10)", "n score", "gemiddelde rang", "n rang"),
            [[s.theme, s.score, str(s.scored), s.rank, str(s.ranked)] for s in standings],
        ),
    )


def _benchmark_name(benchmark: BenchmarkValue) -> str:
    """'Drenthe'; a peer group by what it is: 'Vergelijkbare gemeenten (...)'."""
    name = benchmark.region_name
    return name[:1].upper() + name[1:]


def benchmark_text(record: ComparisonRow, benchmark: BenchmarkValue) -> str:
    """'€ 26.200 (-1.200)', as compare prints a benchmark beside one region: its value
    with its marks and the difference (a count: the region's share of it); a peer
    group's mean says how many of its members had a figure when not all did."""
    computed = benchmark.computed and benchmark.value is not None
    text = quantity(record).text(benchmark.value) + marks(benchmark.status, computed)
    against = []
    if benchmark.share is not None:
        against.append(f"{dutch_number(benchmark.share, 1)}% van {benchmark.region_name}")
    elif benchmark.difference is not None:
        against.append(quantity(record).text(benchmark.difference, difference=True))
    if benchmark.members is not None and benchmark.members_with_value != benchmark.members:
        against.append(f"{benchmark.members_with_value} van {benchmark.members} met een cijfer")
    return f"{text} ({'; '.join(against)})" if against else text


def peer_lines(name: str, benchmarks: Sequence[BenchmarkValue]) -> list[str]:
    """Who the peers are and how they were chosen; for a municipality alone in its CBS
    classes (the pipeline then takes its nearest), that it is, and what drives the
    distance."""
    lines = []
    for benchmark in benchmarks:
        group = benchmark.group
        if group is None:
            continue
        names = ", ".join(member["region_name"] for member in group["members"])
        if benchmark.region == PEERS and not names:
            lines.append(
                f"Vergelijkbare gemeenten: geen; {name} is de enige van de {group['rule']}."
            )
        elif benchmark.region == PEERS:
            lines.append(f"Vergelijkbare gemeenten: {names} ({group['rule']}).")
        else:
            lines.append(
                f"Geen andere gemeente heeft de CBS-grootteklasse en stedelijkheid van {name}; "
                f"daarom vergeleken met de {benchmark.region_name}: {names} ({group['rule']})."
            )
        if group["distance_shares"]:
            drivers = distance_drivers(group["distance_shares"])
            lines.append(f"Aandeel in de afstand: {drivers}.")
    if lines:
        lines.append(
            "Hun cijfer is het gemiddelde over de gemeenten met een cijfer, naar de regel "
            "van de indicator (som, som/som of gewogen gemiddelde)."
        )
    return lines


def _standings(
    comparison: Comparison, code: str, records: Sequence[ComparisonRow]
) -> list[StandingRow]:
    """Per theme of the wheel its mean score and mean rank (scores.py)."""
    themes = comparison.themes.get(code, {})
    rows = []
    for theme in welfare_themes((r.theme, r.better) for r in records):
        standing = themes.get(theme)
        if standing is None:
            continue
        rank = "" if standing.rank is None else dutch_number(standing.rank, 1)
        rows.append(
            StandingRow(theme, score_text(standing.score), standing.scored, rank, standing.ranked)
        )
    return rows


def wheel_markup(name: str, records: Sequence[ComparisonRow], prefix: str) -> Markup:
    """The welvaartswiel (publish/wheel.py, matplotlib: loaded only here, when a page
    is written) as inline SVG with a title and a description that say what it shows."""
    from bwmonitor.publish.wheel import drawn_wheel_svg, wheel_sectors, wheel_tables

    sectors = wheel_sectors(records)
    parts = []
    for sector in sectors:
        score = score_text(sector.score) or "geen"
        few = ", te weinig indicatoren" if sector.too_few else ""
        parts.append(
            f"{sector.theme}: score {score} (n={sector.scored}{few}), trend {sector.trend}"
        )
    desc = (
        "Per thema de thema-score 0–10 (buitenring) en de trend van het thema "
        "(binnenring): " + "; ".join(parts) + "."
    )
    # drawn once: the export's grafieken/ reuse this wheel's SVG (wheel.save_wheel)
    svg = drawn_wheel_svg(name, tuple(sectors), tuple(wheel_tables(records)))
    return inline_svg(svg, prefix, f"Welvaartswiel {name}", desc)


def inline_svg(svg: str, prefix: str, title: str, desc: str) -> Markup:
    """A matplotlib SVG file's text made fit to sit in the page: no XML prolog, no
    metadata and no page-wide style (its line joins become the root's attributes), the
    size given by its viewBox only, ids prefixed (a page holds many), and a <title>
    and <desc> (escaped) that the root's aria-labelledby names."""
    from markupsafe import Markup, escape

    body = svg[svg.index("<svg") :]
    body = re.sub(r"<metadata>.*?</metadata>\s*", "", body, flags=re.S)
    body = re.sub(r"<style[^>]*>.*?</style>\s*", "", body, flags=re.S)
    end = body.index(">") + 1
    found = re.search(r'viewBox="([^"]*)"', body[:end])
    view_box = found.group(1) if found else "0 0 576 576"
    rest = body[end:]
    rest = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', rest)
    rest = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", rest)
    rest = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', rest)
    root = (
        f'<svg viewBox="{view_box}" role="img" aria-labelledby="{prefix}-t {prefix}-d" '
        'stroke-linejoin="round" stroke-linecap="butt" xmlns="http://www.w3.org/2000/svg" '
        'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        f'<title id="{prefix}-t">{escape(title)}</title>\n'
        f'<desc id="{prefix}-d">{escape(desc)}</desc>'
    )
    # matplotlib escapes the text it writes; title and desc are escaped above
    return Markup(root + rest.rstrip() + "\n")


BAR_HEIGHT, BAR_GAP, CHART_TOP = 22.0, 6.0, 8.0


def bar_chart(
    title: str, year: str, unit: str, records: Sequence[ComparisonRow]
) -> BarChart | None:
    """Horizontal bars from a zero line, one per municipality with a value, in the
    given order; None when none has a value."""
    if not records:
        return None
    amounts = [quantity(r).amount(r.value or 0.0) for r in records]
    low, high = min(0.0, *amounts), max(0.0, *amounts)
    span = (high - low) or 1.0
    label_width, plot = 150.0, 300.0
    zero = label_width + plot * (0 - low) / span
    bars = []
    for index, (record, amount) in enumerate(zip(records, amounts, strict=True)):
        length = plot * abs(amount) / span
        bars.append(
            Bar(
                record.region_name,
                value_text(record),
                CHART_TOP + index * (BAR_HEIGHT + BAR_GAP),
                zero if amount >= 0 else zero - length,
                round(length, 2),
            )
        )
    listed = "; ".join(f"{b.label} {b.text}" for b in bars)
    return BarChart(
        f"{title}, Drentse gemeenten, {year}",
        f"Staafdiagram in {unit}, in de volgorde van de tabel: {listed}.",
        CHART_TOP * 2 + len(bars) * (BAR_HEIGHT + BAR_GAP),
        bars,
    )


# ---------------------------------------------------------------- the map

GEOJSON = "geo/drenthe_gemeenten_2022.geojson"  #: charts.py draws the same outlines
MAP_FILLS = ("#DCE9F5", "#A9C8E6", "#3475B4", "#0B4A8B")  # charts.py's blues, light to dark
MAP_MISSING = "#E3E3E3"
MAP_WIDTH, LEGEND_WIDTH = 300.0, 190.0


@lru_cache(maxsize=1)
def _outlines() -> tuple[tuple[str, list[list[tuple[float, float]]]], ...]:
    """(GM code, rings in lon/lat) of Drenthe's 12 municipalities, by code."""
    text = resources.files("bwmonitor.publish").joinpath(GEOJSON).read_text("utf-8")
    found = []
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings = [[(float(x), float(y)) for x, y, *_ in ring] for poly in polygons for ring in poly]
        found.append((str(feature["properties"]["statcode"]), rings))
    return tuple(sorted(found))


def _projection() -> tuple[float, float, float, float]:
    """(west, north, x scale, y scale): lon/lat to the map's units, the width MAP_WIDTH;
    a degree of longitude is cos(latitude) of a degree of latitude."""
    points = [p for _, rings in _outlines() for ring in rings for p in ring]
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = MAP_WIDTH / ((east - west) * squeeze)
    return west, north, scale * squeeze, scale


def municipality_shapes() -> list[Shape]:
    """Each municipality as one SVG path, in the map's units."""
    west, north, sx, sy = _projection()
    shapes = []
    for code, rings in _outlines():
        path = " ".join(
            "M" + " L".join(f"{(x - west) * sx:.1f},{(north - y) * sy:.1f}" for x, y in ring) + "Z"
            for ring in rings
        )
        shapes.append(Shape(code, anchor("gm", code), path))
    return shapes


def map_height() -> float:
    _, north, _, sy = _projection()
    south = min(p[1] for _, rings in _outlines() for ring in rings for p in ring)
    return round((north - south) * sy + 2, 1)


def value_classes(
    values: Sequence[float], count: int = len(MAP_FILLS)
) -> list[tuple[float, float]]:
    """Up to `count` classes (low, high) of the distinct values in runs of equal size:
    charts.map_classes' rule (charts.py loads matplotlib, which a page does not need)."""
    distinct = sorted(set(values))
    count = max(1, min(count, len(distinct)))
    size, extra = divmod(len(distinct), count)
    classes, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        classes.append((distinct[start], distinct[end - 1]))
        start = end
    return classes


def municipality_map(title: str, year: str, records: Sequence[ComparisonRow]) -> MapView | None:
    """The indicator's values as fills of the shared outlines, darker for higher; None
    when no municipality has a value."""
    amounts = {r.region: r.value for r in records if r.value is not None}
    if not amounts:
        return None
    classes = value_classes(list(amounts.values()))
    fills = MAP_FILLS if len(classes) > 1 else MAP_FILLS[1:2]
    step = (len(fills) - 1) / max(len(classes) - 1, 1)
    palette = [fills[round(i * step)] for i in range(len(classes))]
    by_code = {r.region: r for r in records}
    drawn = []
    for code, _ in _outlines():
        record = by_code.get(code)
        amount = amounts.get(code)
        fill = MAP_MISSING
        if amount is not None:
            fill = palette[next(i for i, (_, high) in enumerate(classes) if amount <= high)]
        name = record.region_name if record else code
        text = value_text(record) if record else "."
        drawn.append(MapFill(anchor("gm", code), fill, f"{name}: {text}"))
    printed = quantity(records[0]).text
    legend = [
        (colour, printed(low) if low == high else f"{printed(low)} – {printed(high)}")
        for colour, (low, high) in zip(palette, classes, strict=True)
    ]
    if len(amounts) < len(drawn):
        legend.append((MAP_MISSING, "geen cijfer"))
    return MapView(
        f"Kaart: {title}, Drentse gemeenten, {year}",
        "Kaart van de 12 Drentse gemeenten, donkerder is hoger: "
        + "; ".join(f.label for f in drawn)
        + ".",
        drawn,
        legend,
        MAP_WIDTH + LEGEND_WIDTH,
        max(map_height(), 24.0 * len(legend) + 10),
    )


# ---------------------------------------------------------------- sources, legend, CSV


def _source(row: SourceRow) -> Source:
    # an address is a link only when it is bwmonitor's own https one, never a catalogue's text
    url = row.url if row.url.startswith("https://") else ""
    return Source(row.table_id, row.title, row.modified, row.fetched, url, row.note)


def legend_lines(
    indicators: Sequence[Indicator], long: pl.DataFrame, records: Sequence[ComparisonRow] = ()
) -> list[str]:
    """The footnotes, in the workbook's and the terminal's words: marks, positions, the
    trend, the recent change and the scores, indicators' footnotes, the weights of
    weighted means and breaks in series (the catalogue's, and those the shown trends
    cross, as `compare` names them)."""
    import polars as pl

    lines = [
        f"{COMPUTED_MARK} berekend door bwmonitor uit de cijfers van de gemeenten "
        "(som, som/som of gewogen gemiddelde; zie de CSV-export, kolom regel)",
        MARKER_LEGEND,
        ". = geen cijfer (niet gepubliceerd, of niet eerlijk uit gemeenten samen te stellen)",
        # the page marks the quarters with a symbol and a word, coloured blue and orange
        f"{POSITION_LEGEND}; ● (blauw): beste kwart, ○ (oranje): slechtste kwart",
        SUMMARY_LEGEND,
        *trend_legend_lines(
            [r.trend_window for r in records if r.trend_window],
            trends=any(r.trend_n for r in records),
            changes=any(r.change is not None for r in records),
        ),
    ]
    if any(r.score is not None for r in records):
        windows = sorted({window_size(r.trend_window) for r in records if r.trend_window})
        lines += [score_formula(windows[-1] if windows else TREND_WINDOW), RANK_FORMULA]
    lines += [f"{ind.title}: {ind.footnote}" for ind in indicators if ind.footnote]
    shown = long.filter(pl.col("indicator").is_in([ind.id for ind in indicators]))
    notes = weight_notes(zip(shown["indicator"], shown["regel"], strict=True))
    titles = {ind.id: ind.title for ind in indicators}
    lines += [
        f"{COMPUTED_MARK} {note}: {'; '.join(titles[i] for i in ids)}"
        for note, ids in by_note(notes).items()
    ]
    breaks = {ind.title: [str(b) for b in definition_breaks(ind)] for ind in indicators}
    for record in records:
        known = breaks.setdefault(record.title, [])
        if record.breaks and record.breaks not in known:
            known.append(record.breaks)
    lines += [
        f"{BREAK_MARK} breuk in de reeks, {found}: {'; '.join(names)}"
        for found, names in by_note(breaks).items()
    ]
    return lines


def csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table as CSV; text a spreadsheet would run as a formula gets a leading '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def _download(stem: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Download:
    filename = re.sub(r"[^A-Za-z0-9_-]+", "-", stem) + ".csv"
    href = "data:text/csv;charset=utf-8," + quote(csv_text(header, rows), safe="")
    return Download(href, filename)
