"""Which charts the export draws, from the long table: per indicator the municipalities
ranked with Drenthe and Nederland as reference lines, a map of the municipalities, the
regional comparison (Tabel 1's regions) and the trend of the regions since the first
year with data. Rendering is in charts.py (the only matplotlib importer).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.core.catalog import Aggregation, Indicator
from bwmonitor.core.regions import DRENTHE, DRENTHE_MUNICIPALITIES, NETHERLANDS

if TYPE_CHECKING:
    import polars as pl

MIN_TREND_YEARS = 3


def write_charts(
    folder: Path, long: pl.DataFrame, indicators: Sequence[Indicator], columns: Sequence[str]
) -> list[Path]:
    """Draw and save every chart the data allows; returns the files written."""
    from bwmonitor.publish import charts
    from bwmonitor.publish.folder import inside

    written: list[Path] = []
    for indicator in indicators:
        rows = [r for r in long.filter(long["indicator"] == indicator.id).iter_rows(named=True)]
        if not rows:
            continue
        for name, figure in _figures(charts, indicator, rows, columns):
            written += charts.save(figure, inside(folder, f"{indicator.id}-{name}"))
    return written


def _spec(
    charts: Any, indicator: Indicator, rows: list[dict[str, Any]], year: int | None, what: str
) -> Any:
    tables = sorted({t for r in rows for t in (r["bron"] or "").split(", ") if t})
    label = "tabel" if len(tables) == 1 else "tabellen"
    when = f", {year}" if year else ""
    return charts.ChartSpec(
        title=f"{indicator.title}{when}{what}",
        unit=indicator.unit,
        decimals=indicator.decimals,
        source=f"Bron: CBS StatLine, {label} {', '.join(tables)}",
        footnote=indicator.footnote,
    )


def _figure(charts: Any, row: dict[str, Any] | None) -> Any:
    """A row's value with its marks: CBS's status as given, and whether bwmonitor computed it."""
    if row is None:
        return charts.Value(None)
    return charts.Value(row["waarde"], row["status"], bool(row["berekend"]))


def _figures(
    charts: Any, indicator: Indicator, rows: list[dict[str, Any]], columns: Sequence[str]
) -> list[tuple[str, Any]]:
    by_key = {(r["regio"], r["jaar"]): r for r in rows}
    names = {r["regio"]: r["regionaam"] for r in rows}
    figures: list[tuple[str, Any]] = []
    # counts of regions of different size do not compare: no reference lines, no
    # regional or trend chart for them, only the municipalities and the map
    comparable = indicator.aggregate is not Aggregation.SUM
    municipal_years = sorted({r["jaar"] for r in rows if r["regio"] in DRENTHE_MUNICIPALITIES})
    if municipal_years:
        year = municipal_years[-1]
        at_year = [r for r in rows if r["jaar"] == year]
        bars = [
            charts.Bar(
                names.get(code, code),
                by_key[(code, year)]["waarde"],
                by_key[(code, year)]["status"],
                computed=bool(by_key[(code, year)]["berekend"]),
            )
            if (code, year) in by_key
            else charts.Bar(code, None)
            for code in DRENTHE_MUNICIPALITIES
        ]
        references = {
            names[code]: _figure(charts, by_key[(code, year)])
            for code in (DRENTHE, NETHERLANDS)
            if (code, year) in by_key and comparable
        }
        figures.append(
            (
                "gemeenten",
                charts.ranked_bars(_spec(charts, indicator, at_year, year, ""), bars, references),
            )
        )
        on_map = {
            code: _figure(charts, by_key.get((code, year))) for code in DRENTHE_MUNICIPALITIES
        }
        figures.append(
            ("kaart", charts.choropleth(_spec(charts, indicator, at_year, year, ""), on_map))
        )
    focus = [c for c in columns if c not in (DRENTHE, NETHERLANDS)]
    regional_years = sorted({r["jaar"] for r in rows if r["regio"] in focus})
    if regional_years and comparable:
        year = regional_years[-1]
        regional = {
            names[c]: [_figure(charts, by_key[(c, year)])] for c in columns if (c, year) in by_key
        }
        figures.append(
            (
                "regio",
                charts.regional_comparison(
                    _spec(charts, indicator, [by_key[k] for k in by_key if k[1] == year], year, ""),
                    [str(year)],
                    regional,
                ),
            )
        )
    trend_regions = [
        c for c in columns if len({y for (code, y) in by_key if code == c}) >= MIN_TREND_YEARS
    ]
    if trend_regions and comparable:
        series = {
            names[c]: [
                charts.Point(
                    y,
                    by_key[(c, y)]["waarde"],
                    by_key[(c, y)]["status"],
                    bool(by_key[(c, y)]["berekend"]),
                )
                for y in sorted(y for (code, y) in by_key if code == c)
            ]
            for c in trend_regions
        }
        first = min(p.year for points in series.values() for p in points)
        last = max(p.year for points in series.values() for p in points)
        figures.append(
            (
                "trend",
                charts.trend_lines(
                    _spec(charts, indicator, rows, None, f", {first}–{last}"),
                    series,
                    focus="Drenthe",
                ),
            )
        )
    return figures
