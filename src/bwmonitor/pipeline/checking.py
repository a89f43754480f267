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
    """Ask CBS for every table's metadata (no data rows) and apply the same checks, on
    the road(s) the setting gives each table (v3, v4, or v3 then v4)."""
    from bwmonitor.fetch.cbs import CbsClient
    from bwmonitor.fetch.cbs_v4 import V4Client
    from bwmonitor.fetch.roads import RoadChooser, V3Road, V4Road
    from bwmonitor.fetch.run import MAX_PARALLEL_TABLES, cbs_config

    requests = catalog.table_requests()
    client, v4_client = CbsClient(cbs_config(settings)), V4Client(cbs_config(settings))
    chooser = RoadChooser(settings.cbs_api, V3Road(client), V4Road(v4_client))
    view = data_view(settings)  # the v3 metadata that maps v3 keys to v4 identifiers
    unreachable: list[CbsUnavailable] = []  # once CBS is down on every road, ask nothing more

    def ask(request: TableRequest) -> TableMeta | BwmonitorError:
        if unreachable:
            raise unreachable[0]
        stored = view.table(request.table_id)
        known = stored.meta if stored is not None else None
        errors: list[BwmonitorError] = []
        for road in chooser.roads(request):
            try:
                return road.metadata(request, wants_codes(request.filters), known)
            except BwmonitorError as error:  # unknown table, refused, or CBS down
                errors.append(error)
                if road.name == "v3":
                    chooser.v3_failed()
        down = [e for e in errors if isinstance(e, CbsUnavailable)]
        if len(down) == len(errors):  # not the catalogue's fault: exit 75
            unreachable.append(down[0])
            raise down[0]
        return next(e for e in errors if not isinstance(e, CbsUnavailable))

    with client, v4_client, ThreadPoolExecutor(max_workers=MAX_PARALLEL_TABLES) as pool:
        answers = dict(zip([r.table_id for r in requests], pool.map(ask, requests), strict=True))
    live = {t: a for t, a in answers.items() if isinstance(a, TableMeta)}
    report = check_against_cbs(catalog, live)
    for source in catalog.sources.values():
        for table_id in source.table_ids:
            answer = answers.get(table_id)
            if isinstance(answer, BwmonitorError):
                report.problems.append(f"sources.{source.id}: {answer}")
    return report
