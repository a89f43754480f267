"""`catalog check`: the catalogue on its own, then against CBS's metadata."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bwmonitor.compute.catalog_checks import (
    MetadataReport,
    check_against_cbs,
    check_against_metadata,
    check_csv_sources,
    wants_codes,
)
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Catalog, TableRequest
from bwmonitor.core.errors import BwmonitorError, CatalogInvalid, CbsUnavailable
from bwmonitor.core.settings import Settings
from bwmonitor.pipeline.monitor_data import data_view, region_registry
from bwmonitor.store.tables import TableMeta


def check_catalog(settings: Settings, online: bool = False) -> tuple[Catalog, MetadataReport]:
    """Both stages at once: the TOML on its own, and its sound part against CBS metadata:
    the stored metadata, or with `online` CBS's live metadata (a TOML with problems is
    refused before CBS is asked). Raises CatalogInvalid listing every problem of both;
    CbsUnavailable when CBS cannot be reached."""
    catalog, problems = catalog_module.validate_file(settings.catalog_path)
    report = MetadataReport()
    if catalog is not None and not (online and problems):
        if online:
            report = _check_online(settings, catalog)
        else:
            view = data_view(settings)
            report = check_against_metadata(catalog, view)
            problems += check_csv_sources(catalog, region_registry(catalog, view).regions.keys())
    problems += report.problems
    if problems or catalog is None:
        raise CatalogInvalid(catalog.path if catalog else str(settings.catalog_path), problems)
    return catalog, report


def _check_online(settings: Settings, catalog: Catalog) -> MetadataReport:
    """Ask CBS for every table's metadata (no data rows) and apply the same checks."""
    from bwmonitor.fetch.cbs import CbsClient
    from bwmonitor.fetch.download import metadata_from_cbs
    from bwmonitor.fetch.run import MAX_PARALLEL_TABLES, cbs_config

    requests = catalog.table_requests()
    client = CbsClient(cbs_config(settings))
    unreachable: list[CbsUnavailable] = []  # once CBS is down, ask nothing more

    def ask(request: TableRequest) -> TableMeta | BwmonitorError:
        if unreachable:
            raise unreachable[0]
        wanted = wants_codes(request.filters)
        try:
            return metadata_from_cbs(client.metadata(request.table_id, request.catalog, wanted))
        except CbsUnavailable as error:  # not the catalogue's fault: exit 75
            unreachable.append(error)
            raise
        except BwmonitorError as error:  # unknown table, or CBS refuses the request
            return error

    with client, ThreadPoolExecutor(max_workers=MAX_PARALLEL_TABLES) as pool:
        answers = dict(zip([r.table_id for r in requests], pool.map(ask, requests), strict=True))
    live = {t: a for t, a in answers.items() if isinstance(a, TableMeta)}
    report = check_against_cbs(catalog, live)
    for source in catalog.sources.values():
        for table_id in source.table_ids:
            answer = answers.get(table_id)
            if isinstance(answer, BwmonitorError):
                report.problems.append(f"sources.{source.id}: {answer}")
    return report
