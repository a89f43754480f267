"""Charts: what is drawn matches the data, and saving is byte-for-byte reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex
from matplotlib.patches import PathPatch, Rectangle

from bwmonitor.publish import charts
from bwmonitor.publish.charts import Bar, ChartSpec, Point

SPEC = ChartSpec(
    title="Aandeel inwoners met hoog opleidingsniveau",
    unit="%",
    decimals=1,
    source="Bron: CBS StatLine, tabel 85525NED",
)
BARS = [
    Bar("Assen", 27.4),
    Bar("Emmen", 18.1, status="Voorlopig"),
    Bar("Tynaarlo", 38.2, highlight=True),
    Bar("Coevorden", None),
    Bar("Meppel", 24.0, status="NaderVoorlopig"),
]
REFERENCES = {"Drenthe": 23.0, "Nederland": 24.2}
GM_CODES = [m.code for m in charts.drenthe_municipalities()]


def _bars(figure: charts.ChartFigure) -> list[Rectangle]:
    return [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]


def _ylabels(figure: charts.ChartFigure) -> list[str]:
    return [t.get_text() for t in figure.axes[0].get_yticklabels()]


def test_ranked_bars_are_ordered_highest_first() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    assert _ylabels(figure)[:4] == ["Tynaarlo", "Assen", "Meppel", "Emmen"]
    assert figure.axes[0].yaxis_inverted()


def test_ranked_bar_lengths_equal_the_values() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    widths = [bar.get_width() for bar in sorted(_bars(figure), key=lambda b: b.get_y())]
    assert widths == pytest.approx([38.2, 27.4, 24.0, 18.1])


def test_ranked_bars_draw_references_at_their_value() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    lines = {line.get_label(): line.get_xdata() for line in figure.axes[0].get_lines()}
    assert list(lines["Drenthe"]) == [23.0, 23.0]
    assert list(lines["Nederland"]) == [24.2, 24.2]
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert "Drenthe: 23,0%" in texts and "Nederland: 24,2%" in texts


def test_ranked_bars_mark_provisional_labels() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    assert "18,1%*" in [t.get_text() for t in figure.axes[0].texts]
    assert "* voorlopig cijfer, ** nader voorlopig cijfer" in figure.bwmonitor_data["footer"]


def test_ranked_bars_show_missing_value_as_geen_cijfer() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    assert _ylabels(figure)[-1] == "Coevorden"
    assert len(_bars(figure)) == 4
    assert any(t.get_text().strip() == "geen cijfer" for t in figure.axes[0].texts)
    assert figure.bwmonitor_data["missing"] == ["Coevorden"]


def test_ranked_bars_highlight_uses_focus_colour() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    top = min(_bars(figure), key=lambda b: b.get_y())
    assert to_hex(top.get_facecolor()) == charts.FOCUS.lower()


def test_ranked_bars_value_labels_are_dutch() -> None:
    figure = charts.ranked_bars(SPEC, BARS, REFERENCES)
    texts = {t.get_text() for t in figure.axes[0].texts}
    assert {"38,2%", "27,4%"} <= texts


def test_trend_lines_draw_one_line_per_region_with_its_points() -> None:
    series = {
        "Drenthe": [Point(2020, 70.1), Point(2021, 71.0), Point(2022, 72.5, "Voorlopig")],
        "Nederland": [Point(2020, 72.0), Point(2021, 72.4), Point(2022, 73.0, "Voorlopig")],
        "Noord-Drenthe": [Point(2021, 74.2), Point(2020, 73.9)],
    }
    figure = charts.trend_lines(SPEC, series)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert set(lines) == set(series)
    assert list(lines["Drenthe"].get_xdata()) == [2020, 2021, 2022]
    assert list(lines["Drenthe"].get_ydata()) == [70.1, 71.0, 72.5]
    assert list(lines["Noord-Drenthe"].get_xdata()) == [2020, 2021]
    assert lines["Drenthe"].get_linewidth() > lines["Nederland"].get_linewidth()
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["2020", "2021", "2022*"]


def test_regional_comparison_draws_one_bar_per_region() -> None:
    values: dict[str, list[float | None]] = {
        "Noord-Drenthe": [25.0],
        "Zuidoost-Drenthe": [None],
        "Drenthe": [23.0],
        "Nederland": [24.2],
    }
    figure = charts.regional_comparison(SPEC, ["Hoog opgeleid"], values)
    heights = [bar.get_height() for bar in _bars(figure)]
    assert heights == pytest.approx([25.0, 0.0, 23.0, 24.2])
    assert any(t.get_text() == "geen cijfer" for t in figure.axes[0].texts)


def _map_values() -> dict[str, float | None]:
    values: dict[str, float | None] = {code: 10.0 + i for i, code in enumerate(GM_CODES)}
    values["GM0114"] = None  # Emmen
    return values


def _map_patches(figure: charts.ChartFigure) -> dict[str, PathPatch]:
    return {p.get_gid(): p for p in figure.axes[0].patches if isinstance(p, PathPatch)}


def test_choropleth_draws_the_twelve_municipalities() -> None:
    figure = charts.choropleth(SPEC, _map_values())
    patches = _map_patches(figure)
    assert len(patches) == 12
    assert set(patches) == set(GM_CODES)


def test_choropleth_colours_lowest_and_highest_class_differently() -> None:
    values = _map_values()
    figure = charts.choropleth(SPEC, values)
    known = {code: v for code, v in values.items() if v is not None}
    lowest, highest = min(known, key=known.__getitem__), max(known, key=known.__getitem__)
    patches = _map_patches(figure)
    assert figure.bwmonitor_data["classes"][lowest] == 0
    assert figure.bwmonitor_data["classes"][highest] == charts.MAP_CLASSES - 1
    assert to_hex(patches[lowest].get_facecolor()) != to_hex(patches[highest].get_facecolor())


def test_choropleth_missing_value_is_hatched_geen_cijfer() -> None:
    figure = charts.choropleth(SPEC, _map_values())
    emmen = _map_patches(figure)["GM0114"]
    assert emmen.get_hatch() == charts.MISSING_HATCH
    assert to_hex(emmen.get_facecolor()) == charts.MISSING.lower()
    assert figure.bwmonitor_data["classes"]["GM0114"] is None
    assert "geen cijfer" in figure.bwmonitor_data["legend"]


def test_choropleth_legend_uses_dutch_numbers() -> None:
    figure = charts.choropleth(SPEC, _map_values())
    # 11 values 10..21 without Emmen's 12 -> first class 10, 11, 13
    assert figure.bwmonitor_data["legend"][0] == "10,0% – 13,0%"


def test_map_classes_split_distinct_values_evenly() -> None:
    assert charts.map_classes([1, 2, 3, 4, 5, 6, 7, 8], 4) == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert charts.map_classes([5, 5, 5], 4) == [(5, 5)]
    assert charts.map_classes([], 4) == []


def test_save_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    first = charts.save(charts.choropleth(SPEC, _map_values()), tmp_path / "a" / "kaart")
    second = charts.save(charts.choropleth(SPEC, _map_values()), tmp_path / "b" / "kaart")
    assert [p.suffix for p in first] == [".png", ".svg"]
    for one, other in zip(first, second, strict=True):
        assert one.read_bytes() == other.read_bytes()


def test_save_writes_what_matplotlibs_own_two_full_draws_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ChartFigure's shortcut (savefig's layout pass only lays out, and the map's
    patches skip their data limits) changes no byte: a map with a hatched municipality
    and a bar chart come out as matplotlib writes them with its own full draws and
    add_patch."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    values = {**_map_values(), GM_CODES[0]: None}
    ours = [
        *charts.save(charts.choropleth(SPEC, values), tmp_path / "ours" / "kaart"),
        *charts.save(charts.ranked_bars(SPEC, BARS, REFERENCES), tmp_path / "ours" / "staaf"),
    ]
    monkeypatch.setattr(charts.ChartFigure, "draw", Figure.draw)
    monkeypatch.setattr(Axes, "add_artist", Axes.add_patch)
    plain = [
        *charts.save(charts.choropleth(SPEC, values), tmp_path / "plain" / "kaart"),
        *charts.save(charts.ranked_bars(SPEC, BARS, REFERENCES), tmp_path / "plain" / "staaf"),
    ]
    for one, other in zip(ours, plain, strict=True):
        assert one.read_bytes() == other.read_bytes(), one.name


def test_save_svg_carries_no_date_or_creator(tmp_path: Path) -> None:
    _, svg = charts.save(charts.ranked_bars(SPEC, BARS, REFERENCES), tmp_path / "staaf")
    text = svg.read_text("utf-8")
    assert "<dc:date>" not in text and "Matplotlib" not in text


def test_rendering_smoke(tmp_path: Path) -> None:
    png, svg = charts.save(charts.ranked_bars(SPEC, BARS, REFERENCES), tmp_path / "staaf")
    assert png.exists() and png.stat().st_size > 10_000
    assert svg.exists()
