"""Terminal output: tables on stdout, progress and messages on stderr (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from bwmonitor.errors import BwmonitorError, CatalogInvalid, FetchFailed, StaleTables
from bwmonitor.formatting import dutch_number

if TYPE_CHECKING:
    from bwmonitor.catalog import Catalog
    from bwmonitor.checks import MetadataReport
    from bwmonitor.pipeline import FetchReport, IndicatorDetail, TableOutcome
    from bwmonitor.regions import RegionRegistry
    from bwmonitor.store import StoredTable
    from bwmonitor.update import UpdateResult
    from bwmonitor.views import TableExtract

stdout = Console(highlight=False)
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
def fetch_progress(
    enabled: bool,
) -> Iterator[tuple[Callable[[list[str]], None], Callable[[TableOutcome], None]]]:
    """Hooks for pipeline.fetch drawing a progress bar on stderr (when enabled), and
    saying, as each table is done, when its stored copy was damaged and repaired."""

    def notices(outcome: TableOutcome) -> None:
        for line in outcome.notices if enabled else ():
            message(line)

    if not enabled or not stderr.is_terminal:
        yield (lambda ids: None), notices
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr
    ) as bar:
        task = bar.add_task("CBS StatLine", total=None)

        def start(table_ids: list[str]) -> None:
            bar.update(task, total=len(table_ids))

        def done(outcome: TableOutcome) -> None:
            bar.update(task, advance=1, description=f"{outcome.table_id} {outcome.status}")
            notices(outcome)

        yield start, done


def fetch_summary(report: FetchReport) -> None:
    parts = [
        f"{report.count(s)} {s}"
        for s in ("updated", "unchanged", "failed", "skipped")
        if report.count(s)
    ]
    kib = sum(o.bytes for o in report.outcomes) / 1024
    requests = sum(o.requests for o in report.outcomes)
    message(
        f"fetch: {len(report.outcomes)} tables ({', '.join(parts)}); "
        f"{requests} requests, {dutch_number(kib)} KiB; store {report.data_dir}"
    )


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
    table = Table(title=f"Indicatoren: {catalog.title}", title_justify="left")
    for column in ("id", "titel", "eenheid", "bron", "aggregatie"):
        table.add_column(column)
    for theme in catalog.themes.values():
        members = [i for i in catalog.indicators.values() if i.theme == theme.id]
        if not members:
            continue
        table.add_section()
        table.add_row(f"[bold]{theme.title}[/bold]", "", "", "", "")
        for indicator in members:
            if indicator.ratio is not None:
                source = f"{indicator.ratio.numerator} / {indicator.ratio.denominator}"
            else:
                found = catalog.sources[indicator.source or ""]
                source = found.table_ids[0] if len(found.table_ids) == 1 else found.id
                if found.is_series:
                    source += f" ({len(found.table_ids)} jaren)"
            table.add_row(
                indicator.id, indicator.title, indicator.unit, source, indicator.aggregate.value
            )
    stdout.print(table)


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
    for i, line in enumerate(detail.source_lines):
        _out(f"  {'bron:' if i == 0 else '':<13} {line}")
    _out(f"  aggregatie:   {detail.aggregation}")
    if ind.footnote:
        _out(f"  voetnoot:     {ind.footnote}")
    if detail.periods:
        counts = ", ".join(f"{p[:4]} ({n} regio's)" for p, n in detail.regions_per_period.items())
        _out(f"  in de data:   {counts}")
    else:
        _out("  in de data:   geen waarden")
    for gap in detail.gaps:
        _out(f"  ontbreekt:    {gap}")


def regions(registry: RegionRegistry, all_municipalities: bool) -> None:
    from bwmonitor.regions import DRENTHE_MUNICIPALITIES, Level

    table = Table(title="Regio's", title_justify="left")
    for column in ("code", "naam", "niveau", "gemeenten", "aliassen"):
        table.add_column(column)
    for region in registry.regions.values():
        if (
            region.level is Level.MUNICIPALITY
            and not all_municipalities
            and region.code not in DRENTHE_MUNICIPALITIES
        ):
            continue
        table.add_row(
            region.code,
            region.name,
            region.level.value,
            ", ".join(region.members) if region.members else "",
            ", ".join(region.aliases),
        )
    stdout.print(table)


def tables(stored: Sequence[StoredTable]) -> None:
    from bwmonitor.store import describe_origin

    table = Table(title="Tabellen in gebruik", title_justify="left")
    for column in ("tabel", "titel", "herkomst", "CBS gewijzigd", "rijen"):
        table.add_column(column, justify="right" if column == "rijen" else "left")
    for item in stored:
        meta = item.meta
        table.add_row(
            meta.table_id,
            meta.title,
            describe_origin(meta),
            meta.modified[:10],
            dutch_number(meta.rows),
        )
    stdout.print(table)


def extract(view: TableExtract) -> None:
    table = Table(
        title=view.title, title_justify="left", caption=view.footer, caption_justify="left"
    )
    table.add_column("regio")
    table.add_column("naam")
    if view.has_categories:
        table.add_column("")
    if view.has_periods:
        table.add_column("periode")
    for column in view.measures:
        table.add_column(f"{column.title}\n({column.unit})", justify="right")
    for row in view.rows:
        cells: list[Any] = [row.region, row.region_name]
        if view.has_categories:
            cells.append(row.category)
        if view.has_periods:
            cells.append(row.period_label)
        cells += [
            dutch_number(v, m.decimals) for v, m in zip(row.values, view.measures, strict=True)
        ]
        table.add_row(*cells)
    stdout.print(table)
    if view.legend:
        stdout.print(view.legend, markup=False)


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
