"""Terminal output: tables on stdout, progress and messages on stderr (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from bwmonitor.cli.terminal_layout import Column, Row, print_rows
from bwmonitor.core.catalog import Aggregation
from bwmonitor.core.errors import BwmonitorError, CatalogInvalid, FetchFailed, StaleTables
from bwmonitor.core.formatting import dutch_number

if TYPE_CHECKING:
    from bwmonitor.compute.catalog_checks import MetadataReport
    from bwmonitor.core.catalog import Catalog
    from bwmonitor.core.regions import Region
    from bwmonitor.fetch.report import FetchEvent, FetchReport
    from bwmonitor.pipeline.results import IndicatorDetail, TableInUse, UpdateResult
    from bwmonitor.store.views import TableExtract

stdout = Console(highlight=False)
NOT_FETCHED = "niet opgehaald (fetch)"  #: a catalogue table neither in the store nor the snapshot
stderr = Console(stderr=True, highlight=False)


def message(text: str) -> None:
    """One line on stderr, never wrapped or styled (cron mails and logs read it)."""
    stderr.print(text, markup=False, soft_wrap=True, highlight=False)


def error(problem: BwmonitorError) -> None:
    """One line per problem, 'error: ...', plus the catalogue's full list when invalid."""
    if isinstance(problem, FetchFailed | StaleTables):
        for line in problem.lines():
            message(f"error: {line}")
        if problem.hint:
            message(f"  {problem.hint}")
        return
    message(f"error: {problem}")
    if isinstance(problem, CatalogInvalid):
        for line in problem.problems:
            message(f"  {line}")


def warning(text: str) -> None:
    message(f"warning: {text}")


@contextmanager
def fetch_progress(enabled: bool) -> Iterator[Callable[[FetchEvent], None]]:
    """A receiver of a fetch's events drawing a progress bar on stderr (when enabled),
    and saying, as each table is done, when its stored copy was damaged and repaired."""
    from bwmonitor.fetch.report import FetchStarted

    def notices(event: FetchEvent) -> None:
        if enabled and not isinstance(event, FetchStarted):
            for line in event.notices:
                message(line)

    if not enabled or not stderr.is_terminal:
        yield notices
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr
    ) as bar:
        task = bar.add_task("CBS StatLine", total=None)

        def show(event: FetchEvent) -> None:
            if isinstance(event, FetchStarted):
                bar.update(task, total=len(event.table_ids))
                return
            bar.update(task, advance=1, description=f"{event.table_id} {event.status}")
            notices(event)

        yield show


def fetch_summary(report: FetchReport) -> None:
    parts = [
        f"{report.count(s)} {s}"
        for s in ("updated", "unchanged", "failed", "skipped")
        if report.count(s)
    ]
    kib = sum(o.bytes for o in report.outcomes) / 1024
    requests = sum(o.requests for o in report.outcomes)
    roads = ", ".join(f"{road} {count}" for road, count in report.roads().items())
    message(
        f"fetch: {len(report.outcomes)} tables ({', '.join(parts)}); "
        + (f"via {roads}; " if roads else "")
        + f"{requests} requests, {dutch_number(kib)} KiB; store {report.data_dir}"
    )


def _text_column(header: str) -> Column:
    return Column((header,), numeric=False)


def _row(texts: Iterable[str], group: str = "") -> Row:
    return Row(group, [(Text(text),) for text in texts])


def _out(text: str) -> None:
    stdout.print(text, markup=False, soft_wrap=True, highlight=False)


def catalog_ok(catalog: Catalog, report: MetadataReport) -> None:
    """The verdict on a valid catalogue; the count is of warnings only: notices (e.g. a
    table that could not be checked offline) are listed, never counted against it."""
    tables = {t for source in catalog.sources.values() for t in source.table_ids}
    warnings = len(report.warnings)
    _out(
        f"{catalog.path}: valid; {len(catalog.indicators)} indicators in "
        f"{len(catalog.themes)} themes, {len(tables)} CBS tables, "
        f"{len(catalog.regions)} custom regions; "
        f"{warnings} warning{'' if warnings == 1 else 's'}"
    )
    if report.verified_tables is not None:
        _out(
            f"  verified against CBS: {report.verified_tables} tables, "
            f"{report.verified_measures} measures"
        )
    for line in report.warnings:
        _out(f"  warning: {line}")
    for line in report.notices:
        _out(f"  notice: {line}")


def catalog_list(catalog: Catalog) -> None:
    """The indicators by theme; a table when it fits the terminal, else one block each."""
    columns = [_text_column(name) for name in ("id", "titel", "eenheid", "bron", "aggregatie")]
    rows = []
    for theme in catalog.themes.values():
        for indicator in (i for i in catalog.indicators.values() if i.theme == theme.id):
            if indicator.ratio is not None:
                source = f"{indicator.ratio.numerator} / {indicator.ratio.denominator}"
            elif indicator.difference is not None:
                source = f"{indicator.difference.total} - {indicator.difference.minus}"
            else:
                found = catalog.sources[indicator.source or ""]
                source = found.table_ids[0] if len(found.table_ids) == 1 else found.id
                if found.is_series:
                    source += f" ({len(found.table_ids)} jaren)"
            texts = (
                indicator.id,
                indicator.title,
                indicator.unit,
                source,
                indicator.aggregate.value,
            )
            rows.append(_row(texts, group=theme.title))
    print_rows(f"Indicatoren: {catalog.title}", columns, rows, stdout)


#: a table neither fetched nor in the snapshot: its measure key is unchecked until then
NOT_VERIFIED_OFFLINE = "niet offline geverifieerd: `bwmonitor catalog check --online`"
AGGREGATION_TEXT = {
    Aggregation.SUM: "som van de gemeenten",
    Aggregation.RATIO: "som van de tellers / som van de noemers",
    Aggregation.WEIGHTED_MEAN: "gewogen gemiddelde van de gemeenten",
    Aggregation.NONE: "geen: alleen waarden die de bron zelf publiceert",
}


def _source_lines(detail: IndicatorDetail) -> list[str]:
    """Where an indicator's figures come from: a ratio, a local file, CBS tables."""
    from bwmonitor.store.tables import describe_origin

    indicator = detail.indicator
    if indicator.ratio is not None:
        ratio = indicator.ratio
        return [f"{ratio.numerator} / {ratio.denominator} × {ratio.scale:g}"]
    if indicator.difference is not None:
        return [f"{indicator.difference.total} - {indicator.difference.minus}"]
    lines = []
    if detail.csv_path is not None:
        lines.append(f"lokaal bestand {detail.csv_path}")
    for table in detail.tables:
        # neither fetched nor shipped: nothing offline has checked its measure key
        where = (
            f"niet opgehaald; {NOT_VERIFIED_OFFLINE}"
            if table.stored is None
            else describe_origin(table.stored.meta)
        )
        prefix = f"{table.label}: " if table.label else ""
        lines.append(f"{prefix}CBS-tabel {table.table_id}, {table.measure} ({where})")
    if indicator.filters:
        lines.append("filters: " + ", ".join(f"{d} = {c}" for d, c in indicator.filters.items()))
    for dim, codes in indicator.sum_over.items():
        shown = ", ".join(codes) if len(codes) <= 3 else f"{codes[0]} … {codes[-1]}"
        lines.append(f"som over {dim}: {len(codes)} codes, {shown}")
    return lines


def indicator_detail(detail: IndicatorDetail) -> None:
    ind = detail.indicator
    _out(f"{ind.id}: {ind.title}")
    if detail.definition is not None:
        # quoted whole, a paragraph a line: the reader sees exactly what is counted
        for i, paragraph in enumerate(detail.definition.paragraphs):
            _out(f"  {'definitie:' if i == 0 else '':<13} {paragraph}")
        _out(f"  {'':<13} bron van de definitie: {detail.definition.source}")
    else:
        _out("  definitie:    - (geen Description bij CBS; vul 'definition' in de catalogus)")
    _out(f"  thema:        {detail.theme}")
    _out(f"  eenheid:      {ind.unit or '-'} ({ind.decimals} decimalen)")
    _out(f"  beter:        {ind.better.value}")
    for i, line in enumerate(_source_lines(detail)):
        _out(f"  {'bron:' if i == 0 else '':<13} {line}")
    aggregation = AGGREGATION_TEXT[ind.aggregate]
    if ind.weight:
        fallback = f", anders {ind.weight_fallback}" if ind.weight_fallback else ""
        aggregation += f" (gewicht: {ind.weight}{fallback})"
    if ind.aggregate_reason:
        aggregation += f" ({ind.aggregate_reason})"
    _out(f"  aggregatie:   {aggregation}")
    if ind.population:
        _out(f"  populatie:    {ind.population}")
    if ind.footnote:
        _out(f"  voetnoot:     {ind.footnote}")
    if detail.periods:
        counts = ", ".join(f"{p[:4]} ({n} regio's)" for p, n in detail.regions_per_period.items())
        _out(f"  in de data:   {counts}")
    else:
        _out("  in de data:   geen waarden")
    for gap in detail.gaps:
        _out(f"  ontbreekt:    {gap}")


def regions(known: Sequence[Region]) -> None:
    """Known regions; a table when it fits the terminal, else one block each."""
    columns = [_text_column(name) for name in ("code", "naam", "niveau", "gemeenten", "aliassen")]
    rows = [
        _row(
            (
                region.code,
                region.name,
                region.level.value,
                ", ".join(region.members),
                ", ".join(region.aliases),
            )
        )
        for region in known
    ]
    print_rows("Regio's", columns, rows, stdout)


def tables(in_use: Sequence[TableInUse]) -> None:
    """`bwmonitor tables`: every table the catalogue reads, and where its data comes from."""
    from bwmonitor.store.tables import describe_origin

    names = ("tabel", "titel", "herkomst", "CBS gewijzigd", "rijen")
    columns = [_text_column(name) for name in names[:-1]] + [Column(("rijen",))]
    rows = []
    for item in in_use:
        if item.stored is None:
            rows.append(_row((item.table_id, "", NOT_FETCHED, "", "")))
            continue
        meta = item.stored.meta
        rows.append(
            _row(
                (
                    meta.table_id,
                    meta.title,
                    describe_origin(meta),  # with the road: "... via OData v4"
                    meta.modified[:10],
                    dutch_number(meta.rows),
                )
            )
        )
    print_rows("Tabellen in gebruik", columns, rows, stdout)


def extract(view: TableExtract, console: Console | None = None) -> None:
    """`bwmonitor show`: a table when it fits the terminal, else one block per region."""
    console = console or stdout
    columns = [Column(("regio",), numeric=False), Column(("naam",), numeric=False)]
    if view.has_categories:
        columns.append(Column(("categorie",), numeric=False))
    if view.has_periods:
        columns.append(Column(("periode",), numeric=False))
    columns += [Column((m.title, f"({m.unit})") if m.unit else (m.title,)) for m in view.measures]
    rows = []
    for row in view.rows:
        texts = [row.region, row.region_name]
        texts += [row.category] if view.has_categories else []
        texts += [row.period_label] if view.has_periods else []
        texts += [
            dutch_number(v, m.decimals) for v, m in zip(row.values, view.measures, strict=True)
        ]
        rows.append(Row("", [(Text(text),) for text in texts]))
    print_rows(view.title, columns, rows, console)
    for line in (view.footer, view.legend):
        if line:
            console.print(line, markup=False, soft_wrap=not console.is_terminal)


def export_summary(folder: Path, files: list[Path], data_used: list[str]) -> None:
    message(f"export: {len(files)} files in {folder}")
    message("data: " + "; ".join(data_used))


def update_summary(result: UpdateResult) -> None:
    if result.export is None or result.report is None:
        since = ""
        if result.previous:
            since = f" ({result.previous.get('folder', '')})"
        message(f"update: no changes since the last export{since}; nothing exported")
        return
    message(f"update: {result.report.summary()}")
    export_summary(result.export.folder, result.export.files, result.export.data_used)
    if result.latest is not None:
        message(f"latest: {result.latest} -> {result.export.folder.name}")
    message(f"change report: {result.export.folder / 'wijzigingen.md'}")
