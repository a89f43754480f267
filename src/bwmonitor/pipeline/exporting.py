"""`export`: the monitor's files (workbook or CSV/Parquet, charts) in a dated folder that
appears whole. `update` writes the same files, with its change report, through
`write_monitor_files`."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from bwmonitor.compute.comparison import Comparison
from bwmonitor.compute.trend import TREND_WINDOW
from bwmonitor.core.catalog import Indicator
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.regions import DRENTHE, DRENTHE_MUNICIPALITIES, NETHERLANDS
from bwmonitor.core.settings import Settings
from bwmonitor.pipeline.monitor_data import MonitorData, data_used, monitor_data
from bwmonitor.pipeline.results import ExportResult
from bwmonitor.pipeline.selection import resolve_regions, select_indicators
from bwmonitor.store.stale import StaleTable
from bwmonitor.store.tables import DataView

if TYPE_CHECKING:
    import polars as pl

    from bwmonitor.publish.workbook import Scores

EXPORT_NAME = "monitor-brede-welvaart"
DEFAULT_EXPORT_ROOT = Path("bwmonitor-export")
EXPORT_FORMATS = ("xlsx", "csv", "parquet", "html")


def export_monitor(
    settings: Settings,
    out: Path | None = None,
    fmt: str = "xlsx",
    charts: bool = True,
    regions: list[str] | None = None,
    excel: bool = False,
) -> ExportResult:
    """The workbook (or CSV/Parquet) and charts, in a dated folder under `out` written as
    a whole; the same data gives the same bytes. `regions` are the overview's and the
    regional charts' (default: noord, zuidwest, zuidoost); `excel` writes the CSV for
    Dutch Excel. InvalidInput for an unknown format or region."""
    check_format(fmt)
    from bwmonitor.publish.folder import staged_folder

    data = monitor_data(settings)
    focus = [r.code for r in resolve_regions(data.registry, regions or [])]
    target = export_folder(out)
    with staged_folder(target) as staging:
        used = write_monitor_files(staging, data, fmt, charts, focus, excel)
    return exported(target, data.view, used)


def check_format(fmt: str) -> None:
    """InvalidInput unless `fmt` is a format the export writes."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(
            f"export format {fmt!r} is not known", hint=f"choose {', '.join(EXPORT_FORMATS)}"
        )


def export_folder(out: Path | None, today: date | None = None) -> Path:
    """Where an export of today goes: <out>/<YYYY-MM-DD>, or when that exists already
    <YYYY-MM-DD>-2 (-3, ...). The same rule for `export` and `update`: an earlier export
    of the day, and whatever a user put in it, stays."""
    first = (out or DEFAULT_EXPORT_ROOT) / (today or date.today()).isoformat()
    candidate, number = first, 1
    while candidate.exists() or candidate.is_symlink():
        number += 1
        candidate = first.with_name(f"{first.name}-{number}")
    return candidate


def write_monitor_files(
    folder: Path,
    data: MonitorData,
    fmt: str,
    charts: bool,
    focus: Sequence[str],
    excel: bool = False,
    stale: Sequence[StaleTable] = (),
    changes: str | None = None,
) -> list[str]:
    """Write the monitor's files for `data` into `folder` (a staging folder) and return
    the ids of the tables they were drawn from. `focus`: region codes for the overview
    (empty: Tabel 1's); `stale` tables are marked on the sources sheet; `changes`
    (update's change report): the HTML page is written too, whatever `fmt`, with it."""
    from bwmonitor.publish import tables
    from bwmonitor.publish.folder import inside

    forget_wheels()
    indicators = select_indicators(data.catalog, [], [])
    columns = tables.overview_columns(focus or tables.DEFAULT_FOCUS)
    long = tables.long_table(
        data.observations.frame, data.catalog, data.registry, indicators, focus
    )
    used = sorted(set(long["bron"].str.split(", ").explode().drop_nulls().to_list()))
    scored = scored_comparison(data, indicators, focus)
    write_data = partial(
        _write_data,
        folder,
        data,
        fmt,
        excel,
        long,
        indicators,
        columns,
        used,
        stale,
        changes,
        scored,
    )
    if charts:
        from bwmonitor.publish.chart_set import write_charts

        def data_and_wheels() -> None:
            write_data()
            write_wheels(inside(folder, "grafieken"), scored, columns)

        # the chart workers start first and draw while this process writes the data
        write_charts(
            inside(folder, "grafieken"), long, indicators, columns, meanwhile=data_and_wheels
        )
    else:
        write_data()
    return used


def forget_wheels() -> None:
    """Each export draws its own wheels: the page and grafieken/ share them within one
    export (wheel.drawn_wheel_svg), not with an earlier export of the same process."""
    import sys

    # only when loaded: an export without page and charts needs no matplotlib
    wheel = sys.modules.get("bwmonitor.publish.wheel")
    if wheel is not None:
        wheel.drawn_wheel_svg.cache_clear()


def scored_comparison(
    data: MonitorData, indicators: Sequence[Indicator], focus: Sequence[str]
) -> Comparison:
    """`compare` over every region the export shows: the scores 0–10, the themes'
    mean ranks and scores, and the trends, as `bwmonitor compare` gives them."""
    from bwmonitor.compute.comparison import compare
    from bwmonitor.publish.tables import export_regions

    regions = [data.registry.get(code) for code in export_regions(data.registry, focus)]
    return compare(data.observations.frame, data.catalog, regions, [], indicators)


def wheel_regions(comparison: Comparison, columns: Sequence[str]) -> list[str]:
    """The regions that get a welvaartswiel and a row on "Posities en scores": Drenthe's
    municipalities, then the overview's regions."""
    shown = {region.code for region in comparison.regions}
    return [c for c in dict.fromkeys([*DRENTHE_MUNICIPALITIES, *columns]) if c in shown]


def workbook_scores(comparison: Comparison, columns: Sequence[str]) -> Scores:
    from bwmonitor.compute.scores import welfare_themes
    from bwmonitor.publish.workbook import Scores

    names = {region.code: region.name for region in comparison.regions}
    themes = welfare_themes((r.theme, r.better) for r in comparison.records)
    return Scores(
        by_indicator={
            (r.indicator, r.region): (int(r.period), r.score)
            for r in comparison.records
            if r.score is not None and r.period
        },
        themes={
            code: {theme: of_region[theme] for theme in themes if theme in of_region}
            for code, of_region in comparison.themes.items()
        },
        regions={code: names[code] for code in wheel_regions(comparison, columns)},
        window=TREND_WINDOW,
    )


def write_wheels(folder: Path, comparison: Comparison, columns: Sequence[str]) -> list[Path]:
    """A welvaartswiel per municipality of Drenthe and per region of the overview."""
    from bwmonitor.publish.folder import inside
    from bwmonitor.publish.wheel import save_wheel, wheel_sectors, wheel_tables

    names = {region.code: region.name for region in comparison.regions}
    written = []
    for code in wheel_regions(comparison, columns):
        records = [r for r in comparison.records if r.region == code]
        stem = inside(folder, f"welvaartswiel-{code}")
        written += save_wheel(names[code], wheel_sectors(records), wheel_tables(records), stem)
    return written


def _write_data(
    folder: Path,
    data: MonitorData,
    fmt: str,
    excel: bool,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    columns: Sequence[str],
    used: Sequence[str],
    stale: Sequence[StaleTable],
    changes: str | None = None,
    scored: Comparison | None = None,
) -> None:
    """The export's data file: the workbook, the long table as CSV or Parquet, or the
    HTML report."""
    from bwmonitor.publish import tables
    from bwmonitor.publish.folder import inside
    from bwmonitor.publish.formula_guard import neutralise_frame

    if fmt == "html" or changes is not None:
        write_html_report(folder, data, long, indicators, columns, used, stale, changes)
    if fmt == "csv":
        # text a spreadsheet would run as a formula gets a leading ' (docs/data.md)
        # --excel: the dialect Dutch Excel opens as numbers (`;`, 28,4, BOM)
        neutralise_frame(long).write_csv(
            inside(folder, f"{EXPORT_NAME}.csv"),
            quote_style="non_numeric",
            separator=";" if excel else ",",
            decimal_comma=excel,
            include_bom=excel,
        )
    elif fmt == "parquet":
        long.write_parquet(inside(folder, f"{EXPORT_NAME}.parquet"), statistics=False)
    elif fmt == "xlsx":
        from bwmonitor.fetch.cbs import feed_url
        from bwmonitor.publish.sources import source_rows
        from bwmonitor.publish.workbook import write_workbook

        sources, created = source_rows(data.view, used, stale, feed_url)
        names = {code: data.registry.name_of(code) for code in columns}
        write_workbook(
            inside(folder, f"{EXPORT_NAME}.xlsx"),
            long,
            tables.quartiles(data.observations.frame, data.catalog),
            data.catalog,
            indicators,
            sources,
            names,
            created,
            tables.positions(data.observations.frame, data.catalog, columns),
            workbook_scores(scored, columns) if scored is not None else None,
        )


def write_html_report(
    folder: Path,
    data: MonitorData,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    columns: Sequence[str],
    used: Sequence[str],
    stale: Sequence[StaleTable] = (),
    changes: str | None = None,
) -> None:
    """The monitor as one HTML page (publish/html_report.py); `changes`: update's change
    report, shown on the page."""
    from bwmonitor.fetch.cbs import feed_url
    from bwmonitor.publish.folder import inside
    from bwmonitor.publish.html_report import REPORT_FILE, build, write_report
    from bwmonitor.publish.sources import source_rows

    sources, created = source_rows(data.view, used, stale, feed_url)
    context = build(
        data.observations.frame,
        data.catalog,
        data.registry,
        indicators,
        columns,
        long,
        sources,
        created,
        gaps=data.observations.gaps,
        municipalities=municipality_comparisons(data, indicators),
    )
    write_report(inside(folder, REPORT_FILE), context, changes)


def municipality_comparisons(
    data: MonitorData, indicators: Sequence[Indicator]
) -> list[Comparison]:
    """Each of Drenthe's municipalities against Drenthe, Nederland and its peers, as
    `compare --region <it> --with drenthe,nederland,peers` gives it; a municipality that
    is the only one of its CBS classes (Emmen) against its 10 nearest instead
    (`--with nearest:10`), as docs/compare.md "Vergelijkbare gemeenten" advises; when
    the catalogue lacks nearest's context figures, its empty group of peers stays."""
    from bwmonitor.compute.peers import DEFAULT_NEAREST, NEAREST, PEERS, PeerRequest, groups_values
    from bwmonitor.pipeline.comparing import compare_with_groups, peer_group

    observations = data.observations.frame
    benchmarks = [data.registry.get(code) for code in (DRENTHE, NETHERLANDS)]
    focuses = [[data.registry.get(code)] for code in DRENTHE_MUNICIPALITIES]
    groups = []
    for focus in focuses:
        group = peer_group(PeerRequest(PEERS), focus, observations, None)
        if not group.members:
            with suppress(InvalidInput):
                nearest = PeerRequest(NEAREST, DEFAULT_NEAREST)
                group = peer_group(nearest, focus, observations, None)
        groups.append(group)
    # the twelve groups' means in one pass over the indicators, not one pass per group
    values = groups_values(observations, data.catalog, indicators, groups)
    compared = []
    for focus, group, of_group in zip(focuses, groups, values, strict=True):
        compared.append(
            compare_with_groups(
                observations,
                data.catalog,
                focus,
                benchmarks,
                [group],
                list(indicators),
                gaps=data.observations.gaps,
                values=[of_group],
            )
        )
    return compared


def exported(
    folder: Path, view: DataView, used: Sequence[str], stale: Sequence[StaleTable] = ()
) -> ExportResult:
    """The result of an export now in `folder`: its files and the tables it read."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    lines = data_used(view, set(used), stale={s.table_id for s in stale})
    return ExportResult(folder, files, lines)
