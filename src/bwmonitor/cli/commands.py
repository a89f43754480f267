"""The command line: options -> one API call (bwmonitor.api.Monitor) -> render. Errors ->
exit codes, here only.

Exit codes: 0 success; 1 an error reported as one clear message; 2 invalid input (usage,
unknown region or table, invalid catalogue); 75 temporary failure worth retrying later
(CBS unreachable after retries, the fetch deadline, another run holds the lock); 130
interrupted (Ctrl-C); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, TypeVar

import typer

from bwmonitor.api import Monitor
from bwmonitor.cli import render
from bwmonitor.core.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    BwmonitorError,
    FetchFailed,
    Terminated,
)
from bwmonitor.core.settings import (
    DEFAULT_FETCH_DEADLINE,
    ENV_CATALOG,
    ENV_CBS_API,
    ENV_CSV_EXCEL,
    ENV_DATA_DIR,
    ENV_FETCH_DEADLINE,
    ENV_LOG_FILE,
)

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 error (one clear message); 2 invalid input "
    "(usage, unknown region or table, invalid catalogue); 75 temporary failure, "
    "retry later (CBS unreachable, fetch deadline reached, another run holds the lock); "
    "130 interrupted (Ctrl-C); 143 terminated (SIGTERM)."
)
STOPPED_KEEPS = "the store and the last export keep their last complete state"

app = typer.Typer(
    help="Monitor Brede Welvaart: CBS StatLine figures for Drenthe, compared and published.\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _show_version(asked: bool) -> None:
    """--version: what a bug report needs, bwmonitor's and Python's versions and the age
    of the shipped data."""
    if not asked:
        return
    import platform

    from bwmonitor import __version__
    from bwmonitor.store.tables import snapshot_manifest

    tables = snapshot_manifest().get("tables", {})
    captured = [str(t.get("captured", "")) for t in tables.values() if t.get("captured")]
    snapshot = f"CBS data up to {max(captured)}" if captured else "date unknown"
    typer.echo(f"bwmonitor {__version__}")
    typer.echo(f"snapshot: {snapshot} ({len(tables)} tables)")
    typer.echo(f"Python {platform.python_version()}")
    raise typer.Exit()


@app.callback()
def _global_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the version, the snapshot's date and the Python version, and exit.",
        ),
    ] = False,
) -> None:
    pass


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar=ENV_DATA_DIR,
        help="Local store of fetched CBS tables. Default: the user data folder.",
        show_default=False,
    ),
]
CatalogOption = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        envvar=ENV_CATALOG,
        help="Indicator catalogue. Default: ./indicators.toml if present, else the shipped one.",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress or summary; only errors.")
]

DeadlineOption = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        help=f"Seconds the fetch may take in all; tables not finished by then keep their "
        f"previous version and the run exits 75. Env {ENV_FETCH_DEADLINE}. "
        f"Default: {DEFAULT_FETCH_DEADLINE:g}.",
        show_default=False,
    ),
]


class CbsApi(StrEnum):
    v3 = "v3"
    v4 = "v4"
    auto = "auto"


CbsApiOption = Annotated[
    CbsApi | None,
    typer.Option(
        "--cbs-api",
        help="The road to CBS: v3 (opendata.cbs.nl), v4 (datasets.cbs.nl) or auto (v3, and "
        "v4 for a table v3 fails; after two such tables v4 for the rest). Third-party "
        f"tables always take v3. Env {ENV_CBS_API}. Default: auto.",
        show_default=False,
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated, so a run unwinds
    (requests abandoned, staging folders removed, the lock released); a second signal
    during that ends the process at once.

    Python runs handlers only in the main thread; elsewhere (a notebook's worker) this
    does nothing. After a signal the handlers stay: the process is on its way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def exit_now(signum: int, frame: FrameType | None) -> None:
        os._exit(128 + signum)  # the first signal's orderly stop takes too long for the user

    def first(signum: int, frame: FrameType | None) -> None:
        for each in previous:
            signal.signal(each, exit_now)
        if signum == signal.SIGTERM:
            raise Terminated("terminated")
        raise KeyboardInterrupt

    for each in previous:
        signal.signal(each, first)
    stopped = False
    try:
        yield
    except (KeyboardInterrupt, Terminated):
        stopped = True
        raise
    finally:
        if not stopped:
            for each, handler in previous.items():
                signal.signal(each, handler)


def reports_errors(command: F) -> F:
    """Turn our errors into one line on stderr and their exit code; never a traceback.
    SIGINT and SIGTERM stop the command with 130 and 143."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with signals_as_exceptions():
                return command(*args, **kwargs)
        except BwmonitorError as problem:
            render.error(problem)
            raise typer.Exit(problem.exit_code) from None
        except KeyboardInterrupt:
            render.message(f"interrupted; {STOPPED_KEEPS}")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Terminated:
            render.message(f"terminated; {STOPPED_KEEPS}")
            raise typer.Exit(EXIT_TERMINATED) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as bug:  # a bug: still one line, details on request
            if os.environ.get("BWMONITOR_DEBUG"):
                raise
            render.message(
                f"error: unexpected {type(bug).__name__}: {bug} "
                "(a bug in bwmonitor; set BWMONITOR_DEBUG=1 for the traceback)"
            )
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def _monitor(
    data_dir: Path | None,
    catalog: Path | None,
    deadline: float | None = None,
    cbs_api: CbsApi | None = None,
) -> Monitor:
    return Monitor(
        catalog=catalog,
        data_dir=data_dir,
        fetch_deadline=deadline,
        cbs_api=cbs_api.value if cbs_api is not None else None,
    )


@app.command()
@reports_errors
def fetch(
    data_dir: DataDirOption = None,
    catalog: CatalogOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refetch every table, changed or not.")
    ] = False,
    quiet: QuietOption = False,
    deadline: DeadlineOption = None,
    cbs_api: CbsApiOption = None,
) -> None:
    """Bring the catalogue's CBS StatLine tables into the local store.

    Only tables whose CBS 'Modified' date changed are downloaded, and of those only the
    catalogue's measures and regions. A table that fails keeps its previous version.
    Exit 75 when CBS could not be reached or the deadline passed; Ctrl-C (130) and
    SIGTERM (143) stop at once, committing nothing more.
    """
    monitor = _monitor(data_dir, catalog, deadline, cbs_api)
    with render.fetch_progress(enabled=not quiet) as progress:
        report = monitor.fetch(force=force, progress=progress)
    if not quiet:
        render.fetch_summary(report)
    for message in report.warnings if not quiet else ():
        render.warning(message)
    if report.failures:
        raise FetchFailed(report.failures)
    for problem in report.problems:
        render.error(BwmonitorError(problem))
    if report.problems:
        raise typer.Exit(EXIT_ERROR)


@app.command()
@reports_errors
def tables(catalog: CatalogOption = None, data_dir: DataDirOption = None) -> None:
    """List the CBS tables the catalogue reads (every year of a series) and where each
    comes from: fetched into the store, the shipped snapshot, or not fetched yet."""
    render.tables(_monitor(data_dir, catalog).tables())


@app.command()
@reports_errors
def show(
    table: Annotated[str, typer.Argument(help="CBS table id, e.g. 84799NED.")],
    measure: Annotated[
        list[str] | None,
        typer.Option("--measure", "-m", help="Measure key; repeatable. Default: all stored."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="CBS period code, e.g. 2023JJ00. Default: the latest."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Show a stored table's values for Drenthe's municipalities, COROP regions, province and NL."""
    render.extract(_monitor(data_dir, None).extract(table, measure or (), period))


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
@reports_errors
def compare(
    region: Annotated[
        list[str],
        typer.Option(
            "--region",
            "-r",
            help="Region by code, name or alias (zuidoost, CR08, Emmen); repeatable or "
            "comma-separated: --region noord,zuidwest,zuidoost gives Tabel 1's shape.",
        ),
    ],
    benchmark: Annotated[
        list[str] | None,
        typer.Option(
            "--with",
            help="Benchmark regions. Default: drenthe,nederland. For one municipality also "
            "'peers' (CBS's same size and urbanisation class) and 'nearest:K' (the K most "
            "similar municipalities, K 1 to 50); see docs/compare.md.",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", help="Year to compare. Default: the latest year with data, per indicator."
        ),
    ] = None,
    theme: Annotated[
        list[str] | None,
        typer.Option("--theme", help="Only these themes or brede welvaart capitals (id or title)."),
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", help="Only these indicators (id).")
    ] = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="table (terminal), json or csv.")
    ] = OutputFormat.table,
    trend_window: Annotated[
        int | None,
        typer.Option(
            "--trend-window",
            help="Calendar years of the trend, up to the year shown. Default: 8, as CBS's "
            "monitors.",
        ),
    ] = None,
    excel: ExcelOption = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Compare a region with its benchmarks for every indicator of the catalogue.

    Values with unit and provisional markers, the difference to each benchmark, the rank
    among Drenthe's 12 municipalities, the quartile among all Dutch municipalities, the
    trend (a t-test over 8 years) and the change since the previous figure. Values
    bwmonitor computed from municipalities are marked. See docs/compare.md for the rules
    and the JSON/CSV fields.
    """
    from bwmonitor.cli import render_comparison

    result = _monitor(data_dir, catalog).comparison(
        region,
        benchmarks=benchmark,
        year=year,
        theme=theme,
        indicator=indicator,
        trend_window=trend_window,
    )
    render_comparison.comparison(result.comparison, result.data_used, fmt.value, excel=excel)


class ExportFormat(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    parquet = "parquet"
    html = "html"


ExportFormatOption = Annotated[
    ExportFormat,
    typer.Option(
        "--format",
        help="xlsx (workbook), csv or parquet (the long table), or html (the monitor as "
        "one web page). update adds the web page to every export.",
    ),
]
EXCEL_HELP = (
    "With --format csv: for Excel with Dutch settings (';' separator, decimal comma, "
    "UTF-8 BOM) instead of plain CSV."
)
ExcelOption = Annotated[bool, typer.Option("--excel", help=EXCEL_HELP)]
# cron cannot easily change update's arguments: the setting has an environment variable
UpdateExcelOption = Annotated[
    bool,
    typer.Option("--excel", envvar=ENV_CSV_EXCEL, help=f"{EXCEL_HELP} Env {ENV_CSV_EXCEL}=1."),
]
ExportOutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Folder for the dated export folders. Default: ./bwmonitor-export."),
]
ChartsOption = Annotated[
    bool, typer.Option("--charts/--no-charts", help="Also write the charts (PNG and SVG).")
]
ExportRegionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        "-r",
        help="Regions for the overview and the regional charts (next to Drenthe and "
        "Nederland). Default: noord,zuidwest,zuidoost.",
    ),
]


@app.command()
@reports_errors
def export(
    fmt: ExportFormatOption = ExportFormat.xlsx,
    out: ExportOutOption = None,
    charts: ChartsOption = True,
    region: ExportRegionOption = None,
    excel: ExcelOption = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
    quiet: QuietOption = False,
) -> None:
    """Write the publication tables (and charts) into a dated folder, all at once.

    The same data gives byte-identical files; a failed export leaves the previous one.
    """
    result = _monitor(data_dir, catalog).export(
        out, format=fmt.value, charts=charts, regions=region, excel=excel
    )
    if not quiet:
        render.export_summary(result.folder, result.files, result.data_used)


@app.command()
@reports_errors
def update(
    out: ExportOutOption = None,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            envvar=ENV_LOG_FILE,
            help="Append one line per step, with the run id, to this file.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Refetch every table and export even if unchanged.")
    ] = False,
    fmt: ExportFormatOption = ExportFormat.xlsx,
    charts: ChartsOption = True,
    region: ExportRegionOption = None,
    excel: UpdateExcelOption = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Nothing on stdout or stderr unless it fails (cron)."),
    ] = False,
    deadline: DeadlineOption = None,
    cbs_api: CbsApiOption = None,
) -> None:
    """What cron runs: fetch, and when the data changed since the last export, export
    into a new dated folder, point <out>/latest at it and write a change report.

    The report (wijzigingen.md and .json in the export folder, and every run's in
    <out>/wijzigingen/) lists the CBS tables that changed, new periods, revised
    figures (old -> new) and provisional figures that became definitive. When nothing
    changed, nothing is exported. A failed run exports nothing and keeps the last
    export; the next run finds the same changes. Exit codes: 0 done; 1 error; 2
    invalid input; 75 retry later (CBS unreachable, the fetch deadline passed, another
    run holds the lock); 130 Ctrl-C; 143 SIGTERM. See docs/update.md.
    """
    monitor = _monitor(data_dir, catalog, deadline, cbs_api)
    with render.fetch_progress(enabled=not quiet) as progress:
        result = monitor.update(
            out,
            format=fmt.value,
            charts=charts,
            regions=region,
            excel=excel,
            force=force,
            log_file=log_file,
            progress=progress,
        )
    if not quiet:
        render.fetch_summary(result.fetch)
        for message in result.fetch.warnings:
            render.warning(message)
        render.update_summary(result)
    stale = result.stale_error()  # exported, but a table kept its last good version
    if stale is not None:
        raise stale


catalog_app = typer.Typer(
    help="The indicator catalogue (indicators.toml).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("check")
@reports_errors
def catalog_check(
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Check against CBS's live metadata instead of the store and snapshot "
            "(exit 75 when CBS cannot be reached).",
        ),
    ] = False,
    cbs_api: CbsApiOption = None,
) -> None:
    """Validate the catalogue and list every problem with its TOML path (exit 2 if any).

    Checks the file on its own, then against the CBS metadata in the store and the
    snapshot: measures present in each table, dimension codes that exist, units. A
    table in neither gets a notice; --online checks every table against CBS itself.
    """
    loaded, report = _monitor(data_dir, catalog, cbs_api=cbs_api).check_catalog(online=online)
    render.catalog_ok(loaded, report)


@catalog_app.command("list")
@reports_errors
def catalog_list(catalog: CatalogOption = None) -> None:
    """List the catalogue's indicators by theme: id, title, unit, source, aggregation."""
    render.catalog_list(_monitor(None, catalog).load_catalog())


@catalog_app.command("show")
@reports_errors
def catalog_show(
    indicator: Annotated[str, typer.Argument(help="Indicator id, e.g. bijstand_per_1000.")],
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """One indicator: its definition, source, aggregation, and the periods in the data."""
    render.indicator_detail(_monitor(data_dir, catalog).indicator(indicator))


@app.command()
@reports_errors
def regions(
    all_municipalities: Annotated[
        bool, typer.Option("--all", help="Also every Dutch municipality, not only Drenthe's.")
    ] = False,
    catalog: CatalogOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Known regions: code, name, level, member municipalities and aliases."""
    render.regions(_monitor(data_dir, catalog).regions(all_municipalities))


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # `bwmonitor show ... | head`
        sys.stderr.close()
        sys.exit(EXIT_ERROR)
