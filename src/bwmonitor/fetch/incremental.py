"""How fetch is incremental: a table is downloaded only when CBS changed it.

A stored table is up to date when CBS's `Modified` of the table names the moment stored
(on either road: v3 and v4 write it differently, core/modified.py), the catalogue asks
the same of it (measures, filters: the request signature), and it knows its year.
Anything else, or `--force`, or a damaged stored copy, downloads it again; the new
version is committed whole, or the old one stays.
"""

from __future__ import annotations

from dataclasses import replace

from bwmonitor.core.catalog import TableRequest
from bwmonitor.core.modified import same_modified
from bwmonitor.fetch.download import request_signature
from bwmonitor.fetch.http import recording
from bwmonitor.fetch.report import TableOutcome
from bwmonitor.fetch.roads import Road
from bwmonitor.fetch.stopping import FetchStop
from bwmonitor.store import integrity
from bwmonitor.store.tables import TableDir, TableMeta, snapshot_dir


def is_up_to_date(stored: TableMeta | None, modified: str, request: TableRequest) -> bool:
    """Whether the stored table answers `request` as CBS's version `modified` would."""
    return (
        stored is not None
        and same_modified(stored.modified, modified)
        and stored.request == request_signature(request)
        and not lacks_its_year(stored, request)
    )


def lacks_its_year(stored: TableMeta, request: TableRequest) -> bool:
    """A table without a Perioden dimension, named on its own, stored before sidecars
    kept TableInfos' Period: fetched once more, so it has its year."""
    return not request.series and stored.time_dimension is None and stored.period is None


def fetch_table(
    road: Road, store: TableDir, request: TableRequest, force: bool, stop: FetchStop
) -> TableOutcome:
    """Ask CBS, on `road`, for the table's `Modified`; download and commit it only when it
    changed."""
    table_id = request.table_id
    damage = integrity.inspect(store, table_id)  # a damaged table is never up to date
    with recording() as log:
        version = road.version(request)
    modified = str(version.get("Modified", ""))
    stored = store.meta(table_id) if damage is None else None
    previous = stored.modified if stored is not None else ""
    if is_up_to_date(stored, modified, request) and not force and stored is not None:
        return TableOutcome(
            table_id,
            "unchanged",
            modified=modified,
            previous_modified=previous,
            rows=stored.rows,
            requests=log.requests,
            bytes=log.bytes,
            problems=list(stored.problems or ()),
            warnings=list(stored.warnings or ()),
            road=road.name,
        )
    # the table as last stored, or shipped: v4 finds v3's measure keys in it
    known = stored if stored is not None else snapshot_dir().meta(table_id)
    table = road.download(request, version, known)
    found = [str(p) for p in table.problems]
    problems, warnings = ([], found) if request.series else (found, [])
    # the sidecar counts the TableInfos request made before the download too
    sidecar = replace(
        table.sidecar,
        problems=tuple(problems),
        warnings=tuple(warnings),
        requests=log.requests + (table.sidecar.requests or 0),
        bytes=log.bytes + (table.sidecar.bytes or 0),
        urls=(*log.urls, *(table.sidecar.urls or ())),
    )
    with stop.committing(table_id):  # not once the run is stopping: it keeps the old one
        meta = store.write(sidecar, table.frame)
    return TableOutcome(
        table_id,
        "updated",
        modified=modified,
        previous_modified=previous,
        rows=meta.rows,
        requests=meta.requests or 0,
        bytes=meta.bytes or 0,
        problems=problems,
        warnings=warnings,
        notices=[f"{damage.describe()}; refetched"] if damage is not None else [],
        road=road.name,
    )
