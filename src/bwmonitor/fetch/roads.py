"""The two roads to CBS, OData v3 and v4, behind one interface, and which one a table
takes (BWMONITOR_CBS_API, `--cbs-api`):

- ``v3``: every table through v3 (opendata.cbs.nl, dataderden.cbs.nl), via cbsodata;
- ``v4``: CBS's own tables through v4 (datasets.cbs.nl); third-party tables (the
  dataderden catalogue) have no known v4 address and stay on v3;
- ``auto`` (the default): v3 first, except for a table the catalogue names by v4
  identifiers (known only in v4 form), which takes v4. A table whose v3 request fails
  (a 404 included) is tried on v4 at once; after v3 has failed for
  `V3_FAILURES_BEFORE_SWITCH` tables, the rest of the run goes straight to v4. The
  run's deadline and stop cover both roads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bwmonitor.core.catalog import TableRequest
from bwmonitor.core.measures import is_v4_identifier
from bwmonitor.core.settings import parse_cbs_api
from bwmonitor.fetch.cbs import CbsClient, Record
from bwmonitor.fetch.cbs_v4 import V4Client, has_road
from bwmonitor.fetch.download import DownloadedTable, download, metadata_from_cbs
from bwmonitor.fetch.download_v4 import download_v4, metadata_v4
from bwmonitor.store.tables import TableMeta

V3, V4 = "v3", "v4"
#: in `auto`, after v3 failed for this many tables, the run takes v4 for the rest
V3_FAILURES_BEFORE_SWITCH = 2


class Road(Protocol):
    """One API to CBS: the table's version record, then its download."""

    name: str

    def serves(self, request: TableRequest) -> bool: ...

    def version(self, request: TableRequest) -> Record:
        """What the road says of the table's version: a record with `Modified`."""
        ...

    def download(
        self, request: TableRequest, version: Record, known: TableMeta | None
    ) -> DownloadedTable: ...

    def metadata(
        self, request: TableRequest, with_codes: Callable[[Record], bool], known: TableMeta | None
    ) -> TableMeta:
        """The table's live metadata as a sidecar, for `catalog check --online`, with the
        code lists of the dimensions `with_codes` picks."""
        ...


@dataclass
class V3Road:
    client: CbsClient
    name: str = V3

    def serves(self, request: TableRequest) -> bool:
        return True

    def version(self, request: TableRequest) -> Record:
        return self.client.table_infos(request.table_id, request.catalog)

    def download(
        self, request: TableRequest, version: Record, known: TableMeta | None
    ) -> DownloadedTable:
        return download(self.client, request, version)

    def metadata(
        self, request: TableRequest, with_codes: Callable[[Record], bool], known: TableMeta | None
    ) -> TableMeta:
        table = self.client.metadata(request.table_id, request.catalog, with_codes)
        return metadata_from_cbs(table)


@dataclass
class V4Road:
    client: V4Client
    name: str = V4

    def serves(self, request: TableRequest) -> bool:
        return has_road(request.catalog)

    def version(self, request: TableRequest) -> Record:
        return self.client.properties(request.table_id)

    def download(
        self, request: TableRequest, version: Record, known: TableMeta | None
    ) -> DownloadedTable:
        return download_v4(self.client, request, version, known)

    def metadata(
        self, request: TableRequest, with_codes: Callable[[Record], bool], known: TableMeta | None
    ) -> TableMeta:
        return metadata_v4(self.client, request.table_id, with_codes, known)


class RoadChooser:
    """Which roads a table tries, in order, under the run's setting; counts v3's
    failures (thread-safe: tables are fetched in parallel)."""

    def __init__(self, choice: str, v3: Road, v4: Road) -> None:
        self.choice = parse_cbs_api(choice)
        self.v3, self.v4 = v3, v4
        self._v3_failures = 0
        self._lock = threading.Lock()

    def roads(self, request: TableRequest) -> list[Road]:
        if not self.v4.serves(request) or self.choice == V3:
            return [self.v3]
        # a table the catalogue knows only in v4 form (a measure named M000352) has no
        # v3 key to ask for
        known_in_v4_only = any(is_v4_identifier(m) for m in request.measures)
        if self.choice == V4 or known_in_v4_only or self.v3_given_up():
            return [self.v4]
        return [self.v3, self.v4]

    def v3_failed(self) -> None:
        with self._lock:
            self._v3_failures += 1

    def v3_given_up(self) -> bool:
        with self._lock:
            return self._v3_failures >= V3_FAILURES_BEFORE_SWITCH
