"""The welvaartswiel, as the regional research bureau draws it: per "hier en nu" theme a
sector, its outer ring the theme's score 0–10 (compute/scores.py), its inner ring the
theme's trend. Drawn in charts.py's house style (palette, fonts, footer, SVG text),
saved by `charts.save` as PNG and SVG.

A theme's trend counts its indicators' trend judgements (compute/trend.py): "beter" when
more indicators improve significantly than deteriorate, "slechter" for the reverse,
otherwise "geen duidelijke richting". Only the judgements "beter" and "slechter" count;
"geen significante verandering" and "onvoldoende gegevens" count for neither.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from matplotlib.patches import Patch
from matplotlib.projections.polar import PolarAxes

from bwmonitor.compute.comparison import ComparisonRow
from bwmonitor.compute.scores import welfare_themes
from bwmonitor.compute.trend import TREND_WINDOW
from bwmonitor.core.catalog import TABLE_ID
from bwmonitor.core.formatting import dutch_number
from bwmonitor.publish import charts

#: fewer scored indicators than this: the theme's sector is marked, not coloured
MIN_SCORED = 2
BETTER, WORSE, NO_DIRECTION = "beter", "slechter", "geen duidelijke richting"
# Okabe-Ito's bluish green and vermillion: told apart with any colour vision, and also
# marked by a symbol; the score's classes are charts.py's sequential blues
TREND_COLOURS = {BETTER: "#009E73", WORSE: "#D55E00", NO_DIRECTION: "#D9D9D9"}
TREND_SYMBOLS = {BETTER: "↑", WORSE: "↓", NO_DIRECTION: "–"}
TOO_FEW = "te weinig indicatoren"
SCORE_CLASSES = ((0, 2), (2, 4), (4, 6), (6, 8), (8, 10))
# the rings' radii: the centre stays white, the trend inside, the score outside
HOLE, INNER, OUTER, LABEL = 0.22, 0.5, 1.0, 1.07
SIZE_IN = 8.0


@dataclass(frozen=True, slots=True)
class Sector:
    """One theme of the wheel."""

    theme: str
    score: float | None  #: the theme's mean score 0–10
    scored: int  #: indicators with a score
    improving: int  #: indicators judged "beter"
    deteriorating: int  #: indicators judged "slechter"

    @property
    def trend(self) -> str:
        if self.improving > self.deteriorating:
            return BETTER
        if self.deteriorating > self.improving:
            return WORSE
        return NO_DIRECTION

    @property
    def too_few(self) -> bool:
        return self.scored < MIN_SCORED


def wheel_sectors(records: Sequence[ComparisonRow]) -> list[Sector]:
    """One region's records as sectors, in the catalogue's theme order: the themes with
    an indicator that has a better direction (a grouping of context figures, such as
    "Bevolking", has none and is no part of the wheel)."""
    sectors = []
    for theme in welfare_themes((r.theme, r.better) for r in records):
        mine = [r for r in records if r.theme == theme]
        judgements = [r.trend_judgement for r in mine]
        sectors.append(
            Sector(
                theme=theme,
                score=mine[0].theme_score,
                scored=mine[0].theme_score_n,
                improving=judgements.count(BETTER),
                deteriorating=judgements.count(WORSE),
            )
        )
    return sectors


def wheel_tables(records: Sequence[ComparisonRow]) -> list[str]:
    """The CBS tables of the figures a wheel sums up (scored or judged ones)."""
    tables = {
        part
        for r in records
        if r.score is not None or r.trend_judgement in (BETTER, WORSE)
        for part in (r.source or "").split(", ")
        if TABLE_ID.match(part)
    }
    return sorted(tables)


def score_colour(score: float) -> str:
    """The score's class colour: 0–2 lightest ... 8–10 darkest."""
    index = min(int(score // 2), len(SCORE_CLASSES) - 1)
    return charts.SEQUENTIAL[index]


#: fills dark enough for white text
DARK_FILLS = {*charts.SEQUENTIAL[-2:], TREND_COLOURS[BETTER], TREND_COLOURS[WORSE]}


def _text_colour(fill: str) -> str:
    return "white" if fill in DARK_FILLS else charts.TEXT


def _score_label(sector: Sector) -> str:
    if sector.too_few:
        if sector.score is None:
            return "te weinig\nindicatoren"
        return f"te weinig\nindicatoren\n({dutch_number(sector.score, 1)}; n={sector.scored})"
    return f"{dutch_number(sector.score, 1)}\nn={sector.scored}"


def draw_wheel(name: str, sectors: Sequence[Sector], tables: Sequence[str]) -> charts.ChartFigure:
    """The welvaartswiel of one region."""
    label = "tabel" if len(tables) == 1 else "tabellen"
    spec = charts.ChartSpec(
        title=f"Welvaartswiel {name}",
        unit="",
        decimals=1,
        source=f"Bron: CBS StatLine, {label} {', '.join(tables)}; bewerking bwmonitor",
        footnote=(
            "Buitenring: thema-score 0–10, het gemiddelde van de scores van de indicatoren "
            "(10 = de beste Nederlandse gemeente in de jaren van de trend; n = aantal "
            "indicatoren). Binnenring: trend van het thema, beter als meer indicatoren "
            "significant verbeteren dan verslechteren (t-toets over "
            f"{TREND_WINDOW} jaar), slechter bij het omgekeerde."
        ),
    )
    with charts._house_style():
        fig, flat = charts._frame(spec, SIZE_IN + 0.9)
        flat.remove()  # the frame's axes, replaced by a polar one in the same place
        ax = fig.add_subplot(projection="polar")
        assert isinstance(ax, PolarAxes)
        _draw_rings(ax, sectors)
        _legend(ax)
        fig.bwmonitor_data |= {
            "sectors": [
                {
                    "theme": s.theme,
                    "score": s.score,
                    "scored": s.scored,
                    "trend": s.trend,
                    "too_few": s.too_few,
                }
                for s in sectors
            ]
        }
    return fig


def _draw_rings(ax: PolarAxes, sectors: Sequence[Sector]) -> None:
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)  # clockwise from the top, as a clock is read
    ax.set_ylim(0, OUTER)
    ax.set_axis_off()
    width = 2 * math.pi / max(len(sectors), 1)
    for index, sector in enumerate(sectors):
        middle = index * width + width / 2
        trend_fill = TREND_COLOURS[sector.trend]
        ax.bar(middle, INNER - HOLE, width, HOLE, color=trend_fill, edgecolor="white", linewidth=2)
        ax.text(
            middle,
            (HOLE + INNER) / 2,
            TREND_SYMBOLS[sector.trend],
            ha="center",
            va="center",
            fontsize=charts.TITLE_SIZE + 3,
            fontweight="bold",
            color=_text_colour(trend_fill),
        )
        if sector.too_few or sector.score is None:
            fill, hatch = charts.MISSING, charts.MISSING_HATCH
        else:
            fill, hatch = score_colour(sector.score), None
        ax.bar(
            middle,
            OUTER - INNER,
            width,
            INNER,
            color=fill,
            hatch=hatch,
            edgecolor="white",
            linewidth=2,
        )
        ax.text(
            middle,
            (INNER + OUTER) / 2,
            _score_label(sector),
            ha="center",
            va="center",
            fontsize=charts.BASE_SIZE + (0 if sector.too_few else 2),
            fontweight="normal" if sector.too_few else "bold",
            color=charts.TEXT if hatch else _text_colour(fill),
            linespacing=1.1,
        )
        # the theme's title outside the ring, on the side its sector points to
        side = math.sin(middle)
        ax.text(
            middle,
            LABEL,
            sector.theme,
            ha="left" if side > 0.1 else "right" if side < -0.1 else "center",
            va="center",
            fontsize=charts.BASE_SIZE + 1,
            color=charts.TEXT,
            clip_on=False,
        )


def _legend(ax: PolarAxes) -> None:
    handles = [
        Patch(facecolor=charts.SEQUENTIAL[i], label=f"score {low}–{high}")
        for i, (low, high) in enumerate(SCORE_CLASSES)
    ]
    handles.append(
        Patch(
            facecolor=charts.MISSING,
            hatch=charts.MISSING_HATCH,
            edgecolor=charts.MISSING_EDGE,
            label=f"{TOO_FEW} (minder dan {MIN_SCORED} met een score)",
        )
    )
    handles += [
        Patch(facecolor=colour, label=f"{TREND_SYMBOLS[trend]} {trend}")
        for trend, colour in TREND_COLOURS.items()
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.04),
        ncol=3,
        title="Buitenring: thema-score · binnenring: trend",
        fontsize=charts.SMALL_SIZE + 0.5,
        title_fontsize=charts.BASE_SIZE,
    )


def wheel_svg(figure: charts.ChartFigure) -> str:
    """The wheel as SVG text, as `save_wheel` writes its .svg (the HTML report puts it
    inline); the figure is closed."""
    import io

    from matplotlib import pyplot

    buffer = io.StringIO()
    with charts._house_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    pyplot.close(figure)
    return buffer.getvalue()


@lru_cache(maxsize=64)
def drawn_wheel_svg(name: str, sectors: tuple[Sector, ...], tables: tuple[str, ...]) -> str:
    """The SVG text of `draw_wheel(name, sectors, tables)`, drawn once per process: the
    export's page and its grafieken/ show the same wheel, and matplotlib takes about
    0.2 s to write one."""
    return wheel_svg(draw_wheel(name, sectors, tables))


def save_wheel(
    name: str, sectors: Sequence[Sector], tables: Sequence[str], stem: Path
) -> list[Path]:
    """`stem.png` (200 dpi) and `stem.svg` of the wheel, reproducibly. The SVG is the
    text the page shows (`drawn_wheel_svg`, from a figure of its own: a figure that has
    been saved as PNG first lays its SVG out differently); the PNG comes from a fresh
    figure, as `charts.save` writes it."""
    from matplotlib import pyplot

    svg_text = drawn_wheel_svg(name, tuple(sectors), tuple(tables))
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")
    figure = draw_wheel(name, sectors, tables)
    with charts._house_style():
        figure.savefig(png, format="png", dpi=200, metadata={"Software": None})
    pyplot.close(figure)
    svg.write_bytes(svg_text.encode("utf-8"))
    return [png, svg]
