"""CBS StatLine OData v3 transport: the only module that imports cbsodata.

cbsodata builds CBS's URLs and follows ``odata.nextLink`` paging well, but it has no
timeouts and no retries, opens a new session per request and keeps its options
module-global. We keep what it does well and own the rest at this border:

- every HTTP request cbsodata makes goes through `_CbsSession.send`, which applies the
  rules both roads share (`fetch/http.py`: timeouts, retries, the mirror's host,
  accounting);
- the client's `FetchStop` is asked before every request and between retries, and clips
  each timeout to the run's deadline, so a stopped run starts nothing new;
- HTTP errors that are not worth retrying become `CbsTableNotFound` (an unknown table)
  or `CbsTableChanged`, with CBS's message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import cbsodata
import cbsodata.cbsodata3 as cbsodata_impl
import requests

from bwmonitor.core.errors import CbsTableChanged, CbsTableNotFound
from bwmonitor.core.settings import DEFAULT_CBS_V4_URL
from bwmonitor.fetch import http
from bwmonitor.fetch.http import CbsConfig
from bwmonitor.fetch.stopping import FetchStop

CATALOG_HOSTS = {"opendata": "opendata.cbs.nl", "dataderden": "dataderden.cbs.nl"}


def feed_url(table_id: str, catalog: str = "opendata", road: str | None = None) -> str:
    """The table's OData feed at CBS, as a reader opens it (the workbook's sources): the
    v4 address for a table fetched through v4, else v3's."""
    if road == "v4":
        return f"{DEFAULT_CBS_V4_URL}/{table_id}"
    host = CATALOG_HOSTS.get(catalog, CATALOG_HOSTS["opendata"])
    return f"https://{host}/ODataFeed/odata/{table_id}"


Record = dict[str, Any]

_open_client: CbsClient | None = None  # the innermost open client
_current_client = threading.local()  # the client whose request this thread is making


class _CbsSession(requests.Session):
    """The session cbsodata uses for every request: timeouts, retries, accounting."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        client: CbsClient | None = getattr(_current_client, "client", None) or _open_client
        if client is None:  # cbsodata used on its own, outside any CbsClient
            return super().send(request, **kwargs)
        return http.send(request, super().send, client.config, client.stop, **kwargs)


@dataclass(frozen=True, slots=True)
class TableMetadata:
    """What CBS says one table has, as CBS serves it (keys padded)."""

    table_id: str
    infos: Record  #: TableInfos
    properties: list[Record]  #: DataProperties: dimensions and topics (measures)
    codes: dict[str, list[Record]]  #: dimension -> its codes, for the dimensions asked


class CbsClient:
    """The CBS endpoints bwmonitor uses, with CBS's failures turned into our errors.

    Use as a context manager: inside it, cbsodata's requests go through `_CbsSession`.
    `stop` ends every request of the client early (a signal, the fetch deadline).
    """

    def __init__(self, config: CbsConfig, stop: FetchStop | None = None) -> None:
        self.config = config
        self.stop = stop or FetchStop()
        self._saved: tuple[Any, CbsClient | None, bool] | None = None

    def __enter__(self) -> CbsClient:
        global _open_client
        self._saved = (cbsodata_impl.Session, _open_client, cbsodata.options.use_https)
        # cbsodata creates `Session()` from its module namespace for each request.
        cbsodata_impl.Session = _CbsSession
        _open_client = self
        # cbsodata's scheme switch is module-global; the host is passed per call and
        # rewritten by _CbsSession when BWMONITOR_CBS_URL is set.
        cbsodata.options.use_https = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _open_client
        if self._saved is not None:
            session, _open_client, cbsodata.options.use_https = self._saved
            self._saved = None
            # After a stop, threads abandoned inside cbsodata's pager would create their
            # next page's Session() from the restored, unchecked class and reach CBS.
            # Ours stays instead: it stops their requests, and it passes any other
            # thread's requests through unchanged.
            if self.stop.reason() is None:
                cbsodata_impl.Session = session

    @contextmanager
    def _requests_of_this_thread(self) -> Iterator[None]:
        """The requests cbsodata makes in this thread in the block are this client's,
        even after the client is closed (an abandoned thread): its stop still applies."""
        previous = getattr(_current_client, "client", None)
        _current_client.client = self
        try:
            yield
        finally:
            _current_client.client = previous

    def base_url(self, catalog: str) -> str:
        return self.config.base_url or f"https://{CATALOG_HOSTS[catalog]}"

    def table_infos(self, table_id: str, catalog: str) -> Record:
        records = self.entity(table_id, catalog, "TableInfos")
        if not records:
            raise CbsTableChanged(f"CBS table {table_id} has no TableInfos")
        return records[0]

    def data_properties(self, table_id: str, catalog: str) -> list[Record]:
        return self.entity(table_id, catalog, "DataProperties")

    def metadata(
        self, table_id: str, catalog: str, with_codes: Callable[[Record], bool]
    ) -> TableMetadata:
        """A table's TableInfos and DataProperties, and the code lists of the dimensions
        `with_codes` picks (a region dimension can hold 17,000 districts): what
        `catalog check --online` verifies the catalogue against. No data rows."""
        infos = self.table_infos(table_id, catalog)
        properties = self.data_properties(table_id, catalog)
        codes = {
            str(p["Key"]): self.entity(table_id, catalog, str(p["Key"]))
            for p in properties
            if with_codes(p)
        }
        return TableMetadata(table_id, infos, properties, codes)

    def entity(
        self,
        table_id: str,
        catalog: str,
        name: str,
        select: list[str] | None = None,
        filters: str | None = None,
    ) -> list[Record]:
        """Any entity set (a dimension's codes, the TypedDataSet), filtered server-side."""
        try:
            # The pager is private in cbsodata 1.3.x but is the only entry point that
            # takes $select and $filter without also downloading every other entity set.
            with self._requests_of_this_thread():
                records: list[Record] = cbsodata_impl._download_metadata(
                    table_id,
                    name,
                    select=select,
                    filters=filters,
                    catalog_url=CATALOG_HOSTS[catalog],
                )
        except requests.HTTPError as error:
            raise _table_error(table_id, catalog, name, error) from None
        except (ValueError, KeyError, TypeError) as error:
            raise CbsTableChanged(
                f"CBS table {table_id}: unexpected answer from {name} ({error})"
            ) from None
        return records


def _table_error(
    table_id: str, catalog: str, name: str, error: requests.HTTPError
) -> CbsTableChanged | CbsTableNotFound:
    # cbsodata re-raises the HTTPError without its response; the original is the cause.
    response = error.response
    if response is None and isinstance(error.__cause__, requests.HTTPError):
        response = error.__cause__.response
    status = response.status_code if response is not None else 0
    # TableInfos is the first thing asked of any table
    where = f"the {catalog} catalogue"
    return http.refused(
        table_id, name, status, _odata_message(response), where, name == "TableInfos"
    )


def _odata_message(response: requests.Response | None) -> str:
    if response is None:
        return ""
    try:
        body = response.json()
        return str(body["odata.error"]["message"]["value"]).strip()
    except (ValueError, KeyError, TypeError):
        return response.text[:200].strip()
