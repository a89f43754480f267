"""The monitor as one HTML page: the overview per region, a section per theme with the
municipalities ranked (table and chart), sources and method, and a colofon.

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
from bwmonitor.compute.comparison import ComparisonRow, compare
from bwmonitor.compute.ranking import LEVEL_PLURALS, Summary
from bwmonitor.core.catalog import Catalog, Indicator
from bwmonitor.core.periods import COMPUTED_MARK, MARKER_LEGEND, marks
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES, Region, RegionRegistry
from bwmonitor.core.units import Quantity, Unit
from bwmonitor.publish.formula_guard import neutralise
from bwmonitor.publish.workbook import LICENCE, OVERVIEW_LEGEND, SourceRow

if TYPE_CHECKING:
    import polars as pl

REPORT_FILE = "monitor-brede-welvaart.html"
TEMPLATE = "report.html.j2"
# the page's only script: the filter on indicator titles (the template's {% script %})
SCRIPT_FILE = "filter.js"
# CBS's dashboards: the arrow shows the movement, the word the judgement
TREND_ARROW = {"hoger": "▲", "lager": "▼", "gelijk": "►"}
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


@dataclass(frozen=True, slots=True)
class ThemePage:
    anchor: str
    title: str
    indicators: list[RankedIndicator]


@dataclass(frozen=True, slots=True)
class Source:
    table_id: str
    title: str
    modified: str
    fetched: str
    url: str  #: empty unless an https address bwmonitor built
    note: str


def write_report(
    path: Path,
    observations: pl.DataFrame,
    catalog: Catalog,
    registry: RegionRegistry,
    indicators: Sequence[Indicator],
    columns: Sequence[str],
    long: pl.DataFrame,
    sources: Sequence[SourceRow],
    created: datetime,
    gaps: dict[str, list[str]] | None = None,
    changes: str | None = None,
) -> None:
    """Write the report to `path`. `columns`: the overview's regions (focus, Drenthe,
    Nederland); `long`: the export's long table (for the weights' footnotes);
    `changes`: update's change report in Markdown, when update writes the page."""
    page = render(
        build(observations, catalog, registry, indicators, columns, long, sources, created, gaps)
        | {"changes": changes}
    )
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
) -> dict[str, object]:
    """The template's context."""
    regions = [registry.get(code) for code in columns]
    # the overview is `compare --region <columns>`: every region its own record
    overview = compare(observations, catalog, regions, [], indicators, gaps=gaps)
    municipalities = [registry.get(code) for code in DRENTHE_MUNICIPALITIES]
    ranked = compare(observations, catalog, municipalities, [], indicators, gaps=gaps)
    script = _script()
    return {
        "title": catalog.title,
        "version": _version(),
        "published": created.date().isoformat(),
        "regions": [
            _region_overview(region, overview.records, overview.summaries[region.code])
            for region in regions
        ],
        "themes": _theme_pages(catalog, indicators, ranked.records),
        "shapes": municipality_shapes(),
        "missing_fill": MAP_MISSING,
        "sources": [_source(row) for row in sources],
        "sources_download": _download(
            "bronnen",
            ["tabel", "titel", "CBS gewijzigd", "opgehaald / stand", "adres", "licentie"],
            [[s.table_id, s.title, s.modified, s.fetched, s.url, LICENCE] for s in sources],
        ),
        "legend": legend_lines(indicators, long, overview.records),
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
    """'▼ beter 2016–2020': the arrow the movement, the word the judgement."""
    movement, judgement = record.trend_movement, record.trend_judgement
    if movement is None:
        return Cell("")
    text = f"{TREND_ARROW[movement]} {judgement or movement} {record.trend_from}–{record.trend_to}"
    if record.breaks:
        text += f" {BREAK_MARK}"
    return Cell(text, judgement or "")


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


OVERVIEW_HEADERS = ("indicator", "thema", "waarde", "jaar", "trend", "positie", "kwart")


def _overview_cells(record: ComparisonRow) -> dict[str, Cell]:
    return {
        "value": Cell(value_text(record)),
        "year": Cell(record.period[:4] if record.period else ""),
        "trend": trend_cell(record),
        "position": position_cell(record),
        "quarter": quarter_cell(
            record.position_quarter_label, record.position_quarter, record.better
        ),
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


OVERVIEW_CELL_KEYS = ("value", "year", "trend", "position", "quarter")


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


def _theme_pages(
    catalog: Catalog, indicators: Sequence[Indicator], records: Sequence[ComparisonRow]
) -> list[ThemePage]:
    by_indicator: dict[str, list[ComparisonRow]] = {}
    for record in records:
        by_indicator.setdefault(record.indicator, []).append(record)
    pages = []
    for theme in catalog.themes.values():
        members = [i for i in indicators if i.theme == theme.id]
        ranked = [_ranked(i, by_indicator.get(i.id, [])) for i in members]
        if ranked:
            pages.append(ThemePage(anchor("thema", theme.id), theme.title, ranked))
    return pages


def _ranked(indicator: Indicator, records: Sequence[ComparisonRow]) -> RankedIndicator:
    """The twelve municipalities from best to worst (by value when the indicator has
    no better direction or is a count); those without a value last, by name."""
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
    return RankedIndicator(
        indicator.id,
        anchor("indicator", indicator.id),
        indicator.title,
        year,
        unit,
        rows,
        bar_chart(indicator.title, year, unit, with_value),
        municipality_map(indicator.title, year, records),
        _download(
            f"{indicator.id}-gemeenten",
            ("rang", "gemeente", "waarde", "jaar", "kwart onder alle gemeenten"),
            [[r.rank, r.name, r.value, year, r.quarter.text] for r in rows],
        ),
        indicator.footnote,
    )


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
    """The footnotes, in the workbook's words: marks, positions, indicators' footnotes,
    the weights of weighted means and breaks in series (the catalogue's, and those the
    overview's trends cross, as `compare` names them)."""
    import polars as pl

    lines = [
        f"{COMPUTED_MARK} berekend door bwmonitor uit de cijfers van de gemeenten "
        "(som, som/som of gewogen gemiddelde; zie de CSV-export, kolom regel)",
        MARKER_LEGEND,
        ". = geen cijfer (niet gepubliceerd, of niet eerlijk uit gemeenten samen te stellen)",
        *OVERVIEW_LEGEND,
    ]
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
