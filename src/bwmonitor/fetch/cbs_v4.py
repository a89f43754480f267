"""CBS StatLine OData v4 transport (datasets.cbs.nl/odata/v1/CBS): plain HTTP.

One `requests` session per client; every request follows the rules both roads share
(`fetch/http.py`: timeouts, retries, the run's stop and deadline, a mirror's host,
accounting). Feeds are read page by page through ``@odata.nextLink``. HTTP errors that
are not worth retrying become `CbsTableNotFound` (an unknown table) or `CbsTableChanged`,
with CBS's message.

Only CBS's own catalogue is served in v4; third-party tables (the dataderden catalogue,
e.g. RIVM's 50090NED) have no known v4 address and stay on v3 (`has_road`).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import requests

from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.fetch import http
from bwmonitor.fetch.http import CbsConfig
from bwmonitor.fetch.stopping import FetchStop

Record = dict[str, Any]
#: the catalogues v4 serves
V4_CATALOGS = frozenset({"opendata"})
#: at most this many pages per feed: a next link that never ends is CBS's fault, not ours
MAX_PAGES = 10_000


def has_road(catalog: str) -> bool:
    """Whether v4 serves tables of this catalogue."""
    return catalog in V4_CATALOGS


class V4Client:
    """The v4 endpoints bwmonitor uses. `stop` ends every request early."""

    def __init__(self, config: CbsConfig, stop: FetchStop | None = None) -> None:
        self.config = config
        self.stop = stop or FetchStop()
        self._session = requests.Session()

    def __enter__(self) -> V4Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._session.close()

    def table_url(self, table_id: str) -> str:
        return http.rewrite(f"{self.config.v4_url.rstrip('/')}/{table_id}", self.config.base_url)

    def properties(self, table_id: str) -> Record:
        """The table's Properties (Title, Modified, TemporalCoverage, ...)."""
        body = self._get(table_id, "Properties", {})
        if not isinstance(body, dict) or ("Identifier" not in body and "Title" not in body):
            raise CbsTableChanged(f"CBS table {table_id}: unexpected answer from Properties (v4)")
        return body

    def feed(
        self,
        table_id: str,
        entity: str,
        filters: str | None = None,
        select: list[str] | None = None,
    ) -> list[Record]:
        """Every record of an entity set (Dimensions, MeasureCodes, RegioSCodes,
        Observations, ...), filtered on the server, following the next links."""
        query: dict[str, str] = {}
        if filters:
            query["$filter"] = filters
        if select:
            query["$select"] = ",".join(select)
        body = self._get(table_id, entity, query)
        records: list[Record] = []
        for _ in range(MAX_PAGES):
            value = body.get("value") if isinstance(body, dict) else None
            if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
                raise CbsTableChanged(f"CBS table {table_id}: unexpected answer from {entity} (v4)")
            records += value
            link = body.get("@odata.nextLink")
            if not link:
                return records
            body = self._fetch(table_id, entity, str(link))
        raise CbsTableChanged(f"CBS table {table_id}: {entity} (v4) pages without end")

    def _get(self, table_id: str, entity: str, query: dict[str, str]) -> Any:
        url = f"{self.table_url(table_id)}/{entity}"
        if query:
            url += "?" + "&".join(f"{k}={quote(v, safe=_SAFE)}" for k, v in query.items())
        return self._fetch(table_id, entity, url)

    def _fetch(self, table_id: str, entity: str, url: str) -> Any:
        request = self._session.prepare_request(
            requests.Request("GET", url, headers={"Accept": "application/json"})
        )
        response = http.send(request, self._session.send, self.config, self.stop)
        if not response.ok:  # Properties is the first thing asked of a table
            raise http.refused(
                table_id,
                f"{entity} (v4)",
                response.status_code,
                _odata_message(response),
                "CBS's v4 API",
                entity == "Properties",
            )
        return json.loads(response.content)


_SAFE = ",'()$:/"


def _odata_message(response: requests.Response) -> str:
    try:
        body = response.json()
        return str(body["error"]["message"]).strip()
    except (ValueError, KeyError, TypeError):
        return response.text[:200].strip()
