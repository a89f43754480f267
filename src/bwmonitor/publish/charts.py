"""Publication charts for the monitor: ranked bars, trend lines, regional bars, a map.

Pure functions on plain data that return a matplotlib figure; ``save`` writes it as
PNG and SVG, byte-for-byte reproducibly. This is the only module in bwmonitor that
imports matplotlib. Every figure is a ``ChartFigure`` whose ``bwmonitor_data`` holds
what was drawn (labels, values, colours), so tests need not dig through artists.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from bwmonitor.core.formatting import dutch_number, with_unit
from bwmonitor.core.periods import (
    COMPUTED_LEGEND,
    MARKER_MEANINGS,
    STATUS_MARKERS,
    marker,
    marks,
)
from bwmonitor.core.units import parse_unit

# --- house style -------------------------------------------------------------------

FOCUS = "#0B4A8B"  # the region the chart is about (Drenthe, a highlighted municipality)
NEUTRAL = "#9DB4CC"  # ordinary bars
REFERENCE = {"Drenthe": "#E07B00", "Nederland": "#4D4D4D"}  # reference lines and bars
OTHER_SERIES = ["#5FA3D9", "#7CB342", "#8E5EA2", "#C2185B", "#00897B", "#A1887F"]
MISSING = "#E3E3E3"  # 'geen cijfer' fill, hatched
MISSING_HATCH = "////"
MISSING_EDGE = "#A0A0A0"
TEXT = "#222222"
TEXT_GREY = "#6B6B6B"
SEQUENTIAL = ["#DCE9F5", "#A9C8E6", "#6FA3D2", "#3475B4", "#0B4A8B"]  # map classes, light->dark

TITLE_SIZE = 13.0
BASE_SIZE = 9.0
SMALL_SIZE = 7.5
WIDTH_IN = 8.0
TITLE_SPACE_IN = 0.55  # reserved at the top for the title
FOOTER_LINE_IN = 0.19  # per footer line (footnote, marker legend, source)
MARGIN_IN = 0.12
CHAR_WIDTH_EM = 0.6  # a generous mean glyph width of the font stack, for wrapping footers
NO_FIGURE = "geen cijfer"
MAP_CLASSES = 4
MAP_LABEL_BOX = {
    "boxstyle": "round,pad=0.15",
    "facecolor": "white",
    "edgecolor": "none",
    "alpha": 0.75,
}

# fonts a reader has locally (DejaVu ships with matplotlib); the SVG names the same stack
FONT_STACK = ["DejaVu Sans", "Liberation Sans", "Arial"]

RC: dict[RcKeyType, Any] = {
    "font.family": ["sans-serif"],
    "font.sans-serif": FONT_STACK,
    "font.size": BASE_SIZE,
    "axes.edgecolor": "#8A8A8A",
    "axes.labelcolor": TEXT,
    "axes.labelsize": BASE_SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "xtick.color": "#555555",
    "ytick.color": TEXT,
    "xtick.labelsize": SMALL_SIZE + 0.5,
    "ytick.labelsize": BASE_SIZE,
    "legend.frameon": False,
    "legend.fontsize": SMALL_SIZE + 0.5,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    # text stays <text>, not glyph outlines: searchable, read by screen readers, testable
    "svg.fonttype": "none",
    "svg.hashsalt": "bwmonitor",
    "hatch.linewidth": 0.6,
    "hatch.color": MISSING_EDGE,
    # titles, names and footnotes come from the catalogue: '$' is a dollar, not mathtext
    "text.parse_math": False,
}

GEOJSON = "geo/drenthe_gemeenten_2022.geojson"


@dataclass(frozen=True)
class Value:
    """A figure with what the reader must be told about it: its CBS status, and
    whether bwmonitor computed it (a region CBS publishes nothing for)."""

    number: float | None
    status: str | None = None
    computed: bool = False


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    status: str | None = None
    highlight: bool = False
    computed: bool = False


class Point(NamedTuple):
    """One year of a trend line."""

    year: int
    value: float | None
    status: str | None = None
    computed: bool = False


@dataclass(frozen=True)
class ChartSpec:
    title: str
    unit: str
    decimals: int
    source: str  # 'Bron: CBS StatLine, tabel 84799NED'; the chart adds 'bewerking bwmonitor'
    footnote: str | None = None


class ChartFigure(Figure):
    """A matplotlib Figure that remembers what it drew in ``bwmonitor_data``."""

    bwmonitor_data: dict[str, Any]

    def draw(self, renderer: Any) -> None:
        # savefig draws a figure twice: once with its layout engine on, to lay it out,
        # throwing the drawing away, then with the engine off to write the file. The
        # first pass need only lay out: the second draws every artist anew.
        engine = self.get_layout_engine()
        if self.canvas.is_saving() and isinstance(engine, ConstrainedLayoutEngine):
            for axes in self.axes:  # the map's equal aspect, applied first as draw does
                axes.apply_aspect()
            engine.execute(self)
            self.stale = False
            return
        super().draw(renderer)


# --- shared frame ------------------------------------------------------------------


@contextmanager
def _house_style() -> Iterator[None]:
    with matplotlib.rc_context(RC):
        yield


def _as_value(figure: Value | float | None) -> Value:
    return figure if isinstance(figure, Value) else Value(figure)


def _with_marks(number: float, unit: str, decimals: int, status: str | None, computed: bool) -> str:
    return with_unit(number, unit, decimals) + marks(status, computed)


def _marks_legend(statuses: Sequence[str | None], computed: bool) -> str | None:
    """The meaning of each mark the chart shows, and only those:
    '* voorlopig cijfer; † berekend door bwmonitor uit CBS-cijfers'."""
    used = {marker(s) for s in statuses} - {""}
    parts = [f"{m} {meaning}" for m, meaning in MARKER_MEANINGS.items() if m in used]
    provisional = ", ".join(parts)
    return (
        "; ".join(part for part in (provisional, COMPUTED_LEGEND if computed else "") if part)
        or None
    )


def _source_line(source: str, computed: bool) -> str:
    """CBS's table, and bwmonitor's share when it computed a figure shown."""
    return f"{source}; bewerking bwmonitor" if computed else source


def _frame(
    spec: ChartSpec,
    height: float,
    statuses: Sequence[str | None] = (),
    computed: bool = False,
    width: float = WIDTH_IN,
) -> tuple[ChartFigure, Axes]:
    """A figure with the title on top, footnote/marks legend/source below, one axes between.

    ``statuses`` and ``computed`` describe the figures shown: they decide the marks
    legend and whether the source line credits bwmonitor.
    """
    footer = [
        line
        for line in (
            spec.footnote,
            _marks_legend(statuses, computed),
            _source_line(spec.source, computed),
        )
        if line
    ]
    rows = [  # (text, is the source line)
        (row, n == len(footer) - 1)
        for n, line in enumerate(footer)
        for row in _wrapped(line, width - 2 * MARGIN_IN, SMALL_SIZE)
    ]
    footer_in = MARGIN_IN + FOOTER_LINE_IN * len(rows) + 0.05
    bottom = footer_in / height
    top = 1 - TITLE_SPACE_IN / height
    fig = ChartFigure(figsize=(width, height))
    fig.set_layout_engine(
        ConstrainedLayoutEngine(rect=(0.0, bottom, 1.0, top - bottom), w_pad=0.08, h_pad=0.05)
    )
    left = MARGIN_IN / width
    fig.text(
        left,
        1 - MARGIN_IN / height,
        spec.title,
        ha="left",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=TEXT,
    )
    # drawn top to bottom, so that the SVG (and a screen reader) has them in reading order
    for i, (line, is_source) in enumerate(rows):
        fig.text(
            left,
            (MARGIN_IN + FOOTER_LINE_IN * (len(rows) - 1 - i)) / height,
            line,
            ha="left",
            va="bottom",
            fontsize=SMALL_SIZE,
            color=TEXT_GREY,
            style="normal" if is_source else "italic",
        )
    ax = fig.add_subplot()
    fig.bwmonitor_data = {"title": spec.title, "footer": footer}
    return fig, ax


def _wrapped(line: str, width_in: float, fontsize: float) -> list[str]:
    """A footer line cut into rows that fit the figure: a long footnote ran off the edge."""
    chars = int(width_in * 72 / (fontsize * CHAR_WIDTH_EM))
    return textwrap.wrap(line, chars, break_long_words=False) or [line]


def _tick_label(x: float, _pos: int | None = None) -> str:
    """Dutch tick labels with as few decimals as the tick needs: 0, 2,5, 1.000."""
    decimals = 0
    while decimals < 4 and abs(round(x, decimals) - x) > 1e-9:
        decimals += 1
    return dutch_number(x, decimals)


def _unit_label(unit: str) -> str:
    """The axis label: the unit of the amounts the ticks and labels show ('euro' for
    CBS's 'x 1 000 euro', 'aantal' for 'x 1 000'), as ``with_unit`` prints them."""
    return parse_unit(unit).name


def _value_formatter(unit: str) -> FuncFormatter:
    """Ticks in the reader's amount: CBS's 28,4 (x 1 000 euro) is drawn at 28.4 and
    read as 28.400."""
    scale = parse_unit(unit).scale
    return FuncFormatter(lambda x, pos: _tick_label(x * scale, pos))


def _range_label(low: float, high: float, unit: str, decimals: int) -> str:
    if low == high:
        return with_unit(low, unit, decimals)
    return f"{with_unit(low, unit, decimals)} – {with_unit(high, unit, decimals)}"


def _series_colour(name: str, index: int, focus: str | None) -> str:
    if name == focus:
        return FOCUS
    if name in REFERENCE:
        return REFERENCE[name]
    return OTHER_SERIES[index % len(OTHER_SERIES)]


def _labelled(label: str, status: str | None, computed: bool = False) -> str:
    return f"{label}{marks(status, computed)}"


# --- ranked bars -------------------------------------------------------------------


def ranked_bars(
    spec: ChartSpec, bars: list[Bar], references: dict[str, Value | float]
) -> ChartFigure:
    """Horizontal bars, highest value on top, with labelled vertical reference lines.

    Bars without a value go to the bottom and read 'geen cijfer'; a provisional or
    computed figure gets its marks after the value ('€ 53.200*', 'Drenthe: 23,0%†').
    """
    known = sorted((b for b in bars if b.value is not None), key=lambda b: -(b.value or 0.0))
    ordered = known + [b for b in bars if b.value is None]
    marked_refs = {name: _as_value(figure) for name, figure in references.items()}
    shown = [Value(b.value, b.status, b.computed) for b in known] + list(marked_refs.values())
    height = 1.5 + 0.32 * max(len(ordered), 3) + 0.25 * len(references)
    with _house_style():
        fig, ax = _frame(spec, height, [v.status for v in shown], any(v.computed for v in shown))
        labels = [b.label for b in ordered]
        ys = list(range(len(ordered)))
        colours = [FOCUS if b.highlight else NEUTRAL for b in ordered]
        values = [b.value for b in ordered]
        drawn = [(y, v, c) for y, v, c in zip(ys, values, colours, strict=True) if v is not None]
        ax.barh(
            [y for y, _, _ in drawn],
            [v for _, v, _ in drawn],
            color=[c for _, _, c in drawn],
            height=0.68,
            zorder=2,
        )
        ax.set_yticks(ys, labels)
        ax.set_ylim(len(ordered) - 0.5, -0.5)  # highest on top; room for a 'geen cijfer' row
        ref_numbers = [r.number for r in marked_refs.values() if r.number is not None]
        numbers = [v for v in values if v is not None] + ref_numbers + [0.0]
        low, high = min(numbers), max(numbers)
        span = (high - low) or 1.0
        ax.set_xlim(low - (0.14 * span if low < 0 else 0.0), high + 0.16 * span)
        for y, bar in zip(ys, ordered, strict=True):
            value = bar.value
            if value is None:
                ax.text(
                    0,
                    y,
                    f" {NO_FIGURE}",
                    va="center",
                    ha="left",
                    color=TEXT_GREY,
                    fontsize=SMALL_SIZE,
                    style="italic",
                )
            else:
                pad = 0.01 * span
                ax.text(
                    value + (pad if value >= 0 else -pad),
                    y,
                    _with_marks(value, spec.unit, spec.decimals, bar.status, bar.computed),
                    va="center",
                    ha="left" if value >= 0 else "right",
                    fontsize=SMALL_SIZE,
                    color=TEXT,
                    zorder=4,
                    # a reference line may run through the label: keep the figure legible
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.8, "alpha": 0.85},
                )
        ref_colours: dict[str, str] = {}
        for i, (name, reference) in enumerate(marked_refs.items()):
            if reference.number is None:
                continue
            x = reference.number
            colour = REFERENCE.get(name, OTHER_SERIES[i % len(OTHER_SERIES)])
            ref_colours[name] = colour
            ax.axvline(x, color=colour, linewidth=1.4, linestyle=(0, (4, 2)), zorder=3, label=name)
            ax.text(
                x,
                1.0 + 0.012 + 0.045 * i * (6 / height),
                f"{name}: "
                + _with_marks(x, spec.unit, spec.decimals, reference.status, reference.computed),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=SMALL_SIZE,
                color=colour,
                fontweight="bold",
                clip_on=False,
            )
        ax.xaxis.set_major_formatter(_value_formatter(spec.unit))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.set_xlabel(_unit_label(spec.unit))
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#E6E6E6", linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
    fig.bwmonitor_data.update(
        kind="ranked_bars",
        labels=labels,
        values=values,
        colors=colours,
        missing=[lab for lab, v in zip(labels, values, strict=True) if v is None],
        references={name: r.number for name, r in marked_refs.items()},
        reference_colors=ref_colours,
    )
    return fig


# --- trend lines -------------------------------------------------------------------


def trend_lines(
    spec: ChartSpec,
    series: dict[str, Sequence[Point]],
    focus: str | None = None,
) -> ChartFigure:
    """One line per region over the years; the focus region (default Drenthe) bold.

    Every line is named in the legend, even a lone one: a single unnamed line was read
    as Drenthe's. A line drawn from computed figures is named with '†' ('Drenthe†').
    Provisional points are open circles, and their year gets the marker ('2024*').
    """
    if focus is None:
        focus = "Drenthe" if "Drenthe" in series else next(iter(series), None)
    statuses = [p.status for points in series.values() for p in points]
    computed = any(p.computed for points in series.values() for p in points)
    year_status: dict[int, str] = {}
    for points in series.values():
        for year, _, status, _ in points:
            year_status.setdefault(year, "")
            if len(marker(status)) > len(year_status.get(year, "")):
                year_status[year] = marker(status)
    with _house_style():
        fig, ax = _frame(spec, 4.8, statuses, computed)
        drawn: dict[str, dict[str, Any]] = {}
        for i, (name, unsorted) in enumerate(series.items()):
            points = sorted(unsorted, key=lambda p: p.year)
            years = [p[0] for p in points]
            values = [math.nan if p[1] is None else p[1] for p in points]
            colour = _series_colour(name, i, focus)
            is_focus = name == focus
            ax.plot(
                years,
                values,
                color=colour,
                linewidth=2.8 if is_focus else 1.5,
                marker="o",
                markersize=5 if is_focus else 3.5,
                zorder=4 if is_focus else 3,
                linestyle=(0, (5, 2)) if name == "Nederland" else "-",
                label=_labelled(name, None, any(p.computed for p in points)),
            )
            provisional = [
                (y, v)
                for (y, v), p in zip(zip(years, values, strict=True), points, strict=True)
                if marker(p[2])
            ]
            if provisional:
                ax.scatter(
                    [y for y, _ in provisional],
                    [v for _, v in provisional],
                    s=34 if is_focus else 22,
                    facecolors="white",
                    edgecolors=colour,
                    linewidths=1.4,
                    zorder=5,
                )
            drawn[name] = {
                "years": years,
                "values": values,
                "color": colour,
                "focus": is_focus,
                "provisional": [y for y, _ in provisional],
            }
        all_years = sorted(year_status)
        if all_years:
            step = max(1, math.ceil(len(all_years) / 12))
            shown = all_years[::step]
            ax.set_xticks(shown, [f"{y}{year_status[y]}" for y in shown])
            ax.set_xlim(all_years[0] - 0.4, all_years[-1] + 0.4)
        ax.yaxis.set_major_formatter(_value_formatter(spec.unit))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.set_ylabel(_unit_label(spec.unit))
        ax.grid(axis="y", color="#E6E6E6", linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
        if series:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), handlelength=2.2)
    fig.bwmonitor_data.update(kind="trend_lines", lines=drawn, focus=focus)
    return fig


# --- regional comparison -----------------------------------------------------------


def regional_comparison(
    spec: ChartSpec,
    groups: list[str],
    values: dict[str, Sequence[Value | float | None]],
    focus: str | None = None,
) -> ChartFigure:
    """Vertical bars per region (keys of ``values``), grouped by ``groups`` (indicators, years).

    With one group the regions are the categories on the x axis; with several,
    each group is a cluster with one bar per region and a legend. Value labels carry
    the figure's marks ('€ 59.300*†').
    """
    names = list(values)
    if focus is None:
        focus = "Drenthe" if "Drenthe" in values else None
    single = len(groups) == 1
    figures = {name: [_as_value(v) for v in row] for name, row in values.items()}
    shown = [v for row in figures.values() for v in row if v.number is not None]
    with _house_style():
        fig, ax = _frame(spec, 4.8, [v.status for v in shown], any(v.computed for v in shown))
        width = 0.7 if single else 0.8 / max(len(names), 1)
        numbers = [v.number for v in shown if v.number is not None] + [0.0]
        span = (max(numbers) - min(numbers)) or 1.0
        bars: dict[str, dict[str, Any]] = {}
        for i, name in enumerate(names):
            row = [v.number for v in figures[name]]
            if len(row) != len(groups):
                raise ValueError(f"{name}: {len(row)} values for {len(groups)} groups")
            if single:
                colour = FOCUS if name == focus else REFERENCE.get(name, NEUTRAL)
                xs = [float(i)]
            else:
                colour = _series_colour(name, i, focus)
                xs = [g + (i - (len(names) - 1) / 2) * width for g in range(len(groups))]
            heights = [0.0 if v is None else v for v in row]
            ax.bar(
                xs,
                heights,
                width=width * (0.85 if single else 0.92),
                color=colour,
                label=name,
                zorder=2,
            )
            for x, figure in zip(xs, figures[name], strict=True):
                v = figure.number
                if v is None:
                    ax.text(
                        x,
                        0,
                        NO_FIGURE,
                        ha="center",
                        va="bottom",
                        rotation=0 if single else 90,
                        fontsize=SMALL_SIZE - 0.5,
                        color=TEXT_GREY,
                        style="italic",
                    )
                else:
                    ax.text(
                        x,
                        v + (0.01 * span if v >= 0 else -0.01 * span),
                        _with_marks(v, spec.unit, spec.decimals, figure.status, figure.computed),
                        ha="center",
                        va="bottom" if v >= 0 else "top",
                        fontsize=SMALL_SIZE if single else SMALL_SIZE - 1,
                        color=TEXT,
                    )
            bars[name] = {"x": xs, "values": list(row), "color": colour}
        if single:
            ax.set_xticks(range(len(names)), names)
        else:
            ax.set_xticks(range(len(groups)), groups)
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        low = min(numbers)
        ax.set_ylim(low - (0.1 * span if low < 0 else 0.0), max(numbers) + 0.12 * span)
        ax.axhline(0, color="#8A8A8A", linewidth=0.8, zorder=3)
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        ax.yaxis.set_major_formatter(_value_formatter(spec.unit))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.set_ylabel(_unit_label(spec.unit))
        ax.grid(axis="y", color="#E6E6E6", linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
    fig.bwmonitor_data.update(kind="regional_comparison", groups=list(groups), bars=bars)
    return fig


# --- choropleth --------------------------------------------------------------------


@dataclass(frozen=True)
class Municipality:
    code: str  # GMxxxx
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # lon/lat rings, exteriors and holes


@lru_cache(maxsize=1)
def drenthe_municipalities() -> tuple[Municipality, ...]:
    """The 12 Drenthe municipalities (2022) from the shipped, generalised geojson."""
    text = resources.files("bwmonitor.publish").joinpath(GEOJSON).read_text("utf-8")
    result = []
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings = tuple(
            tuple((float(x), float(y)) for x, y, *_ in ring)
            for polygon in polygons
            for ring in polygon
        )
        props = feature["properties"]
        result.append(Municipality(str(props["statcode"]), str(props["statnaam"]), rings))
    return tuple(sorted(result, key=lambda m: m.code))


def map_classes(values: Sequence[float], count: int = MAP_CLASSES) -> list[tuple[float, float]]:
    """Up to ``count`` classes (low, high) splitting the distinct values in equal-size runs."""
    distinct = sorted(set(values))
    if not distinct:
        return []
    count = max(1, min(count, len(distinct)))
    size, extra = divmod(len(distinct), count)
    classes, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        run = distinct[start:end]
        classes.append((run[0], run[-1]))
        start = end
    return classes


def _class_of(value: float, classes: Sequence[tuple[float, float]]) -> int:
    for i, (_, high) in enumerate(classes):
        if value <= high:
            return i
    return len(classes) - 1


def _class_colours(count: int) -> list[str]:
    if count <= 1:
        return [SEQUENTIAL[2]][:count]
    last = len(SEQUENTIAL) - 1
    return [SEQUENTIAL[round(i * last / (count - 1))] for i in range(count)]


def _ring_area_centroid(ring: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in pairwise(ring):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area / 2, cx / (3 * area), cy / (3 * area)


def choropleth(
    spec: ChartSpec,
    values: dict[str, Value | float | None],
    classes: int = MAP_CLASSES,
) -> ChartFigure:
    """The 12 Drenthe municipalities, filled by value class; no value: hatched grey.

    Keys of ``values`` are GM codes. Each name carries the marks of its figure
    ('Emmen*†'). Longitude is scaled by cos(mean latitude) so the map has the right
    proportions on an equal-aspect axes.
    """
    municipalities = drenthe_municipalities()
    figures = {m.code: _as_value(values.get(m.code)) for m in municipalities}
    known = [v for m in municipalities if (v := figures[m.code].number) is not None]
    shown = [f for f in figures.values() if f.number is not None]
    bounds = map_classes(known, classes)
    colours = _class_colours(len(bounds))
    all_lat = [y for m in municipalities for ring in m.rings for _, y in ring]
    scale = math.cos(math.radians((min(all_lat) + max(all_lat)) / 2))
    with _house_style():
        fig, ax = _frame(spec, 6.6, [f.status for f in shown], any(f.computed for f in shown))
        drawn_class: dict[str, int | None] = {}
        drawn_colour: dict[str, str] = {}
        for m in municipalities:
            vertices: list[tuple[float, float]] = []
            codes: list[int] = []
            for ring in m.rings:
                vertices.extend((x * scale, y) for x, y in ring)
                vertices.append((ring[0][0] * scale, ring[0][1]))
                codes.extend(
                    [int(MplPath.MOVETO)]
                    + [int(MplPath.LINETO)] * (len(ring) - 1)
                    + [int(MplPath.CLOSEPOLY)]
                )
            figure = figures[m.code]
            value = figure.number
            if value is None:
                patch = PathPatch(
                    MplPath(vertices, codes),
                    facecolor=MISSING,
                    edgecolor=MISSING_EDGE,
                    hatch=MISSING_HATCH,
                    linewidth=0.8,
                    zorder=2,
                )
                drawn_class[m.code] = None
                drawn_colour[m.code] = MISSING
            else:
                index = _class_of(value, bounds)
                patch = PathPatch(
                    MplPath(vertices, codes),
                    facecolor=colours[index],
                    edgecolor="white",
                    linewidth=1.0,
                    zorder=2,
                )
                drawn_class[m.code] = index
                drawn_colour[m.code] = colours[index]
            patch.set_gid(m.code)
            patch.set_label(m.name)
            # add_artist, not add_patch: the limits are set below, so the data limits
            # add_patch would compute (a Python loop over every vertex) are never used
            ax.add_artist(patch)
            _, cx, cy = max(_ring_area_centroid(ring) for ring in m.rings)
            ax.text(
                cx * scale,
                cy,
                _labelled(m.name, figure.status, figure.computed) if value is not None else m.name,
                ha="center",
                va="center",
                fontsize=SMALL_SIZE - 0.5,
                color=TEXT,
                zorder=4,
                # a name can overrun its municipality into a darker or lighter neighbour
                # (Meppel): dark text on a light box reads on every fill
                bbox=MAP_LABEL_BOX,
            )
        xs = [x * scale for m in municipalities for ring in m.rings for x, _ in ring]
        ax.set_xlim(min(xs) - 0.01, max(xs) + 0.01)
        ax.set_ylim(min(all_lat) - 0.01, max(all_lat) + 0.01)
        ax.set_aspect("equal")
        ax.set_axis_off()
        legend_labels = [_range_label(low, high, spec.unit, spec.decimals) for low, high in bounds]
        handles = [
            Patch(facecolor=c, edgecolor="white", label=lab)
            for c, lab in zip(colours, legend_labels, strict=True)
        ]
        if len(known) < len(municipalities):
            handles.append(
                Patch(
                    facecolor=MISSING, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH, label=NO_FIGURE
                )
            )
        ax.legend(
            handles=handles,
            title=_unit_label(spec.unit),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            alignment="left",
            title_fontsize=SMALL_SIZE + 0.5,
        )
    fig.bwmonitor_data.update(
        kind="choropleth",
        classes=drawn_class,
        colors=drawn_colour,
        legend=[h.get_label() for h in handles],
        bounds=bounds,
    )
    return fig


# --- saving ------------------------------------------------------------------------


def save(figure: Figure, stem: Path) -> list[Path]:
    """Write ``stem.png`` (200 dpi) and ``stem.svg`` reproducibly, close the figure."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    with _house_style():
        figure.savefig(png, format="png", dpi=200, metadata={"Software": None})
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    from matplotlib import pyplot

    pyplot.close(figure)
    return [png, svg]


__all__ = [
    "FOCUS",
    "NEUTRAL",
    "NO_FIGURE",
    "REFERENCE",
    "STATUS_MARKERS",
    "Bar",
    "ChartFigure",
    "ChartSpec",
    "Point",
    "Value",
    "choropleth",
    "drenthe_municipalities",
    "map_classes",
    "ranked_bars",
    "regional_comparison",
    "save",
    "trend_lines",
]
