"""Which charts the export draws, from the long table: per indicator the municipalities
ranked with Drenthe and Nederland as reference lines, a map of the municipalities, the
regional comparison (Tabel 1's regions) and the trend of the regions since the first
year with data. Rendering is in charts.py (the only matplotlib importer).

Drawing is nearly all of an export's time, so the indicators' charts are drawn in a pool
of processes, one per core, when there are enough of them. Workers get plain data (the
indicator and its rows) and write the same bytes a serial drawing writes. As with any
"spawn" pool, a worker imports the script that started the export: a script (not the
CLI, not a notebook) that exports must keep its top level under
``if __name__ == "__main__":``, or set BWMONITOR_CHART_WORKERS=1.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.compute.aggregation import same_area_note, weight_notes
from bwmonitor.compute.breaks import BREAK_MARK, definition_breaks, within
from bwmonitor.core.catalog import Aggregation, Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.regions import DRENTHE, DRENTHE_MUNICIPALITIES, NETHERLANDS

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    import polars as pl

MIN_TREND_YEARS = 3
#: BWMONITOR_CHART_WORKERS=1 draws in the exporting process (debugging, profiling)
ENV_CHART_WORKERS = "BWMONITOR_CHART_WORKERS"
#: a worker starts in about the time it takes to draw one indicator's charts, so a
#: worker is only worth it for at least this many indicators
MIN_INDICATORS_PER_WORKER = 4


@dataclass(frozen=True, slots=True)
class ChartJob:
    """One indicator's charts, as plain data a worker process can be sent."""

    folder: Path
    indicator: Indicator
    rows: list[dict[str, Any]]  #: the indicator's rows of the long table
    columns: tuple[str, ...]  #: the overview's regions, in order


def write_charts(
    folder: Path,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    columns: Sequence[str],
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Path]:
    """Draw and save every chart the data allows; returns the files written.

    `workers` processes draw them (default: one per core, BWMONITOR_CHART_WORKERS, or
    none when there are few charts); 1 draws them here, one after another.
    `meanwhile` (the workbook) runs in this process while the workers draw.
    """
    by_indicator = long.partition_by("indicator", as_dict=True, maintain_order=True)
    jobs = [
        ChartJob(folder, indicator, frame.rows(named=True), tuple(columns))
        for indicator in indicators
        if (frame := by_indicator.get((indicator.id,))) is not None and frame.height
    ]
    count = _worker_count(len(jobs)) if workers is None else max(1, min(workers, len(jobs)))
    if count <= 1:
        if meanwhile is not None:
            meanwhile()
        return [path for job in jobs for path in draw(job)]
    return _draw_in_pool(jobs, count, meanwhile)


def draw(job: ChartJob) -> list[Path]:
    """Draw and save one indicator's charts (in a worker or here)."""
    from bwmonitor.publish import charts
    from bwmonitor.publish.folder import inside

    written: list[Path] = []
    for name, figure in _figures(charts, job.indicator, job.rows, job.columns):
        written += charts.save(figure, inside(job.folder, f"{job.indicator.id}-{name}"))
    return written


def _worker_count(jobs: int) -> int:
    text = os.environ.get(ENV_CHART_WORKERS, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise InvalidInput(f"{ENV_CHART_WORKERS}={text!r} must be a whole number >= 1")
        return min(int(text), jobs)
    return min(_cores(), jobs // MIN_INDICATORS_PER_WORKER)


def _cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _draw_in_pool(
    jobs: list[ChartJob], workers: int, meanwhile: Callable[[], object] | None = None
) -> list[Path]:
    """The jobs drawn by `workers` processes, the files in the order of the jobs.

    The largest jobs go first, so that no worker is left with a large one at the end
    while the other waits.

    "spawn" everywhere: the default on Windows and macOS, and on Linux it keeps the
    exporting process's threads (polars's) and memory out of the workers. On any error,
    Ctrl-C or SIGTERM the workers are stopped before this returns, so none of them
    writes into the export's staging folder after it is removed.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_ctrl_c
    )
    try:
        futures = {id(job): pool.submit(draw, job) for job in sorted(jobs, key=_size, reverse=True)}
        if meanwhile is not None:
            meanwhile()
        return [path for job in jobs for path in futures[id(job)].result()]
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _size(job: ChartJob) -> int:
    # more rows: more years and regions, so a trend and a regional chart besides the two
    return len(job.rows)


def _ignore_ctrl_c() -> None:
    # Ctrl-C reaches the whole process group; the exporting process stops the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    # before Python 3.14 (Executor.terminate_workers) a ProcessPoolExecutor has no public
    # way to stop work that is running; 3.14 does it the same way, through this table
    for process in list((pool._processes or {}).values()):
        process.terminate()
    for process in list((pool._processes or {}).values()):
        process.join()


def _spec(
    charts: Any, indicator: Indicator, rows: list[dict[str, Any]], year: int | None, what: str
) -> Any:
    tables = sorted({t for r in rows for t in (r["bron"] or "").split(", ") if t})
    label = "tabel" if len(tables) == 1 else "tabellen"
    when = f", {year}" if year else ""
    # a computed regional mean drawn here names the weight it used
    notes = weight_notes((indicator.id, r["regel"]) for r in rows).get(indicator.id, [])
    # ... and a region's figure taken from the GGD region with the same municipalities
    same_areas = weight_notes(((indicator.id, r["regel"]) for r in rows), same_area_note)
    # a chart over years that cross a break in the series says so
    years = [r["jaar"] for r in rows]
    crossed = within(definition_breaks(indicator), min(years), max(years)) if years else []
    footnote = " ".join(
        [
            *([indicator.footnote] if indicator.footnote else []),
            *(f"† {n}." for n in notes),
            *(f"{n[0].upper()}{n[1:]}." for n in same_areas.get(indicator.id, [])),
            *(f"{BREAK_MARK} Breuk in de reeks, {b}." for b in crossed),
        ]
    )
    return charts.ChartSpec(
        title=f"{indicator.title}{when}{what}",
        unit=indicator.unit,
        decimals=indicator.decimals,
        source=f"Bron: CBS StatLine, {label} {', '.join(tables)}",
        footnote=footnote or None,
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
