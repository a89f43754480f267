"""Charts as a reader sees them: the text in the SVG's <text> elements.

Marks travel with the figure (`*` provisional, `**` revised provisional, `†` computed
by bwmonitor), a legend line explains the marks that are used, the source line credits
bwmonitor where it computed, and every line in a trend chart is named.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")

from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.regions import DRENTHE, DRENTHE_MUNICIPALITIES, NETHERLANDS
from bwmonitor.publish import charts
from bwmonitor.publish.chart_set import write_charts
from bwmonitor.publish.charts import Bar, ChartSpec
from bwmonitor.publish.tables import LONG_COLUMNS, overview_columns

SVG = "{http://www.w3.org/2000/svg}"
SPEC = ChartSpec(
    title="Aandeel inwoners met hoog opleidingsniveau",
    unit="%",
    decimals=1,
    source="Bron: CBS StatLine, tabel 85525NED",
)
LEGEND_PROVISIONAL = "* voorlopig cijfer"
LEGEND_COMPUTED = "† berekend door bwmonitor uit CBS-cijfers"
GM_CODES = [m.code for m in charts.drenthe_municipalities()]


def svg_texts(figure: charts.ChartFigure, tmp_path: Path) -> list[str]:
    """Every <text> element of the saved SVG, as a reader (or screen reader) gets it."""
    _, svg = charts.save(figure, tmp_path / "chart")
    root = ET.parse(svg).getroot()
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def plain_bars() -> list[Bar]:
    return [Bar("Assen", 27.4), Bar("Emmen", 18.1), Bar("Meppel", 24.0)]


def test_svg_keeps_chart_text_as_text(tmp_path: Path) -> None:
    """Title, names and source are searchable SVG text, not glyph outlines."""
    texts = svg_texts(charts.ranked_bars(SPEC, plain_bars(), {}), tmp_path)
    assert SPEC.title in texts
    assert "Assen" in texts
    assert SPEC.source in texts


def test_svg_names_a_local_font_stack_and_no_web_font(tmp_path: Path) -> None:
    """The text asks for fonts a reader has locally, ending in a generic family."""
    _, svg = charts.save(charts.ranked_bars(SPEC, plain_bars(), {}), tmp_path / "chart")
    text = svg.read_text("utf-8")
    assert "font-family: 'DejaVu Sans', 'Liberation Sans', 'Arial', sans-serif" in text
    assert "@font-face" not in text and "url(" not in text.split("<defs>")[0]


def test_ranked_bar_value_label_marks_a_provisional_figure(tmp_path: Path) -> None:
    """A provisional bar's value label ends in '*'."""
    bars = [Bar("Assen", 27.4), Bar("Emmen", 18.1, status="Voorlopig")]
    texts = svg_texts(charts.ranked_bars(SPEC, bars, {}), tmp_path)
    assert "18,1%*" in texts
    assert "27,4%" in texts


def test_ranked_bar_value_label_marks_a_computed_figure(tmp_path: Path) -> None:
    """A figure bwmonitor computed carries '†' on its value label."""
    bars = [Bar("Assen", 27.4, computed=True), Bar("Emmen", 18.1, status="NaderVoorlopig")]
    texts = svg_texts(charts.ranked_bars(SPEC, bars, {}), tmp_path)
    assert "27,4%†" in texts
    assert "18,1%**" in texts


def test_reference_line_label_carries_its_marks(tmp_path: Path) -> None:
    """Drenthe's and Nederland's reference lines say they are provisional or computed."""
    references = {
        "Drenthe": charts.Value(23.0, status="Voorlopig", computed=True),
        "Nederland": charts.Value(24.2, status="Voorlopig"),
    }
    texts = svg_texts(charts.ranked_bars(SPEC, plain_bars(), references), tmp_path)
    assert "Drenthe: 23,0%*†" in texts
    assert "Nederland: 24,2%*" in texts


def test_regional_bar_value_label_carries_its_marks(tmp_path: Path) -> None:
    """The regional comparison's value labels carry '*' and '†'."""
    values: dict[str, list[charts.Value | float | None]] = {
        "Noord-Drenthe": [charts.Value(59.3, status="Voorlopig", computed=True)],
        "Nederland": [charts.Value(60.2, status="Voorlopig")],
    }
    texts = svg_texts(charts.regional_comparison(SPEC, ["2024"], values), tmp_path)
    assert "59,3%*†" in texts
    assert "60,2%*" in texts


def test_map_label_carries_the_marks_of_its_figure(tmp_path: Path) -> None:
    """A municipality's name on the map carries the marks of its figure."""
    values: dict[str, charts.Value | float | None] = {
        code: 10.0 + i for i, code in enumerate(GM_CODES)
    }
    values["GM0114"] = charts.Value(12.0, status="Voorlopig", computed=True)  # Emmen
    texts = svg_texts(charts.choropleth(SPEC, values), tmp_path)
    assert "Emmen*†" in texts
    assert "Assen" in texts


def test_legend_line_explains_the_marks_used(tmp_path: Path) -> None:
    """When a chart shows '*' and '†', one line below it says what they mean."""
    bars = [Bar("Assen", 27.4, computed=True), Bar("Emmen", 18.1, status="Voorlopig")]
    texts = svg_texts(charts.ranked_bars(SPEC, bars, {}), tmp_path)
    assert f"{LEGEND_PROVISIONAL}; {LEGEND_COMPUTED}" in texts


def test_no_legend_line_without_marks(tmp_path: Path) -> None:
    """A chart of definitive CBS figures has no marks legend."""
    texts = svg_texts(charts.ranked_bars(SPEC, plain_bars(), {"Drenthe": 23.0}), tmp_path)
    assert SPEC.source in texts
    assert not [t for t in texts if "voorlopig" in t or "†" in t]


def test_source_line_credits_bwmonitor_when_a_figure_is_computed(tmp_path: Path) -> None:
    """'bewerking bwmonitor' follows the CBS table when bwmonitor computed a figure."""
    references = {"Drenthe": charts.Value(23.0, computed=True)}
    texts = svg_texts(charts.ranked_bars(SPEC, plain_bars(), references), tmp_path)
    assert "Bron: CBS StatLine, tabel 85525NED; bewerking bwmonitor" in texts


def test_source_line_credits_cbs_alone_when_nothing_is_computed(tmp_path: Path) -> None:
    """Figures taken from CBS as published: no 'bewerking bwmonitor'."""
    texts = svg_texts(charts.ranked_bars(SPEC, plain_bars(), {"Drenthe": 23.0}), tmp_path)
    assert SPEC.source in texts
    assert not [t for t in texts if "bewerking" in t]


def test_trend_legend_marks_a_computed_line(tmp_path: Path) -> None:
    """A line drawn from computed figures is named with '†' in the legend."""
    series = {
        "Drenthe": [
            charts.Point(y, 70.0 + i, computed=True) for i, y in enumerate((2020, 2021, 2022))
        ],
        "Nederland": [charts.Point(y, 72.0 + i) for i, y in enumerate((2020, 2021, 2022))],
    }
    texts = svg_texts(charts.trend_lines(SPEC, series), tmp_path)
    assert "Drenthe†" in texts
    assert "Nederland" in texts
    assert LEGEND_COMPUTED in texts


def test_a_single_trend_line_is_named(tmp_path: Path) -> None:
    """A chart with only the Nederland line says so; readers took it for Drenthe."""
    series = {
        "Nederland": [charts.Point(2012, 24.1), charts.Point(2016, 21.7), charts.Point(2020, 17.9)]
    }
    texts = svg_texts(charts.trend_lines(SPEC, series), tmp_path)
    assert "Nederland" in texts


# --- through the export's chart selection ---------------------------------------------


def _long_rows(indicator_id: str, rows: list[tuple[str, int, float, str | None, bool]]) -> Any:
    import polars as pl

    records = [
        {
            "thema": "Thema",
            "indicator": indicator_id,
            "titel": "titel",
            "eenheid": "%",
            "regio": code,
            "regionaam": {DRENTHE: "Drenthe", NETHERLANDS: "Nederland"}.get(code, code),
            "niveau": "gemeente",
            "jaar": year,
            "waarde": value,
            "schaal": 1,
            "status": status,
            "bron": "85525NED",
            "berekend": computed,
            "regel": "ratio" if computed else None,
        }
        for code, year, value, status, computed in rows
    ]
    return pl.DataFrame(records).select(LONG_COLUMNS)


def _chart_texts(folder: Path, name: str) -> list[str]:
    root = ET.parse(folder / f"{name}.svg").getroot()
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def test_export_charts_mark_computed_province_and_credit_bwmonitor(tmp_path: Path) -> None:
    """The export's municipal chart marks Drenthe's computed reference line, and its
    source line says 'bewerking bwmonitor'."""
    shipped = catalog_module.load(None)
    indicator = shipped.indicators["aandeel_65plus"]
    rows = [(code, 2024, 20.0 + i, None, False) for i, code in enumerate(DRENTHE_MUNICIPALITIES)]
    rows += [(DRENTHE, 2024, 25.5, "Voorlopig", True), (NETHERLANDS, 2024, 20.4, None, False)]
    long = _long_rows(indicator.id, rows)
    write_charts(tmp_path, long, [indicator], overview_columns())
    texts = _chart_texts(tmp_path, f"{indicator.id}-gemeenten")
    drenthe = [t for t in texts if t.startswith("Drenthe: ")]
    assert drenthe and drenthe[0].endswith("*†")
    assert "Bron: CBS StatLine, tabel 85525NED; bewerking bwmonitor" in texts


LONG_FOOTNOTE = (
    "CBS berekent het aandeel over huishoudens met bekend inkomen; dat aantal staat niet in "
    "de tabel, dus regio's krijgen alleen een door CBS gepubliceerd cijfer, nooit een berekend."
)


def test_long_footnote_is_wrapped_inside_the_chart(tmp_path: Path) -> None:
    """A long footnote wraps onto rows that all end inside the chart (it ran off the edge)."""
    from dataclasses import replace

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = charts.ranked_bars(replace(SPEC, footnote=LONG_FOOTNOTE), plain_bars(), {})
    renderer = FigureCanvasAgg(figure).get_renderer()
    right_edges = [t.get_window_extent(renderer).x1 for t in figure.texts]
    assert max(right_edges) <= figure.bbox.x1
    rows = [t for t in svg_texts(figure, tmp_path) if t and t in LONG_FOOTNOTE]
    assert " ".join(rows) == LONG_FOOTNOTE


def test_map_labels_are_dark_on_a_light_box(tmp_path: Path) -> None:
    """Names on the map read on any fill: dark text on a light box (Meppel's name ran
    into its neighbour in white on a light fill)."""
    from matplotlib.colors import to_hex

    values: dict[str, charts.Value | float | None] = {c: 10.0 + i for i, c in enumerate(GM_CODES)}
    figure = charts.choropleth(SPEC, values)
    labels = {t.get_text(): t for t in figure.axes[0].texts}
    meppel = labels["Meppel"]
    box = meppel.get_bbox_patch()
    assert to_hex(meppel.get_color()) == charts.TEXT.lower()
    assert box is not None and to_hex(box.get_facecolor()) == "#ffffff"
