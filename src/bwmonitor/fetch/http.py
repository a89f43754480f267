"""What both roads to CBS (OData v3 and v4) do with every HTTP request: timeouts,
retries, the run's stop and deadline, a mirror's host, and accounting.

- `send` sets connect and read timeouts (clipped to the run's deadline), retries
  connection errors, timeouts, 429, 5xx and unparsable JSON with exponential backoff,
  and raises `CbsUnavailable` when CBS did not answer usefully;
- `rewrite` points CBS's URLs (next links included) at ``BWMONITOR_CBS_URL``: scheme and
  host are replaced, CBS's paths stay;
- `recording` counts the requests and bytes of one table's download, per thread, for
  the store's sidecar.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from bwmonitor.core.errors import CbsTableChanged, CbsTableNotFound, CbsUnavailable
from bwmonitor.core.settings import DEFAULT_CBS_V4_URL
from bwmonitor.fetch.stopping import FetchStop


@dataclass(frozen=True, slots=True)
class CbsConfig:
    """How to reach CBS. Defaults suit the real service; tests shorten them."""

    base_url: str | None = None  #: replaces scheme and host of every catalogue, both roads
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 4  #: tries per request, the first included
    backoff: float = 1.0  #: seconds before the first retry, doubled each time
    max_backoff: float = 30.0
    v4_url: str = (
        DEFAULT_CBS_V4_URL  #: the v4 API's root, up to the catalogue (BWMONITOR_CBS_V4_URL)
    )


@dataclass
class RequestLog:
    """What one table's download cost: URLs queried, requests made, bytes received."""

    urls: list[str] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0


_current_log = threading.local()  # the RequestLog of the table this thread downloads


@contextmanager
def recording() -> Iterator[RequestLog]:
    """Count the requests this thread makes inside the block."""
    log = RequestLog()
    previous = getattr(_current_log, "log", None)
    _current_log.log = log
    try:
        yield log
    finally:
        _current_log.log = previous


def send(
    request: requests.PreparedRequest,
    transmit: Callable[..., requests.Response],
    config: CbsConfig,
    stop: FetchStop,
    **kwargs: Any,
) -> requests.Response:
    """`transmit(request, **kwargs)` (a session's own send), with the rules above."""
    request.url = rewrite(str(request.url), config.base_url)
    # honour no_proxy for the mirror, rather than proxies read once at import time
    kwargs["proxies"] = requests.utils.get_environ_proxies(request.url)
    host = urlsplit(request.url).netloc
    reason = ""
    for attempt in range(1, config.attempts + 1):
        stop.check()
        # a CBS that never answers costs at most the time left, not 60 s per attempt
        kwargs["timeout"] = (stop.clip(config.connect_timeout), stop.clip(config.read_timeout))
        retry_after = 0.0
        try:
            response = transmit(request, **kwargs)
        except _TRANSIENT as error:
            stop.check()  # a timeout cut short by the deadline is the deadline's
            reason = _describe(error)
        else:
            why = _retry_reason(response)
            if why is None:
                _account(request.url, len(response.content))
                return response
            reason = why
            retry_after = _retry_after_seconds(response)
        if attempt < config.attempts:
            delay = min(config.backoff * 2 ** (attempt - 1), config.max_backoff)
            stop.sleep(max(delay, min(retry_after, config.max_backoff)))
    raise CbsUnavailable(
        f"CBS at {host} did not answer usefully after {config.attempts} "
        f"attempt{'s' if config.attempts != 1 else ''}: {reason}",
        hint="the stored version is kept; try again later",
    )


def rewrite(url: str, base_url: str | None) -> str:
    """Point a CBS URL (next links included) at the configured mirror."""
    if base_url is None:
        return url
    base = urlsplit(base_url)
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


def _retry_reason(response: requests.Response) -> str | None:
    """Why a complete response is not usable and worth asking again, or None."""
    if response.status_code == 429 or response.status_code >= 500:
        return f"HTTP {response.status_code} {response.reason}"
    if response.ok:
        try:
            json.loads(response.content)
        except ValueError:
            return "a response that is not valid JSON (cut off?)"
    return None


def _describe(error: requests.RequestException) -> str:
    if isinstance(error, requests.ConnectTimeout):
        return "no connection within the connect timeout"
    if isinstance(error, requests.ReadTimeout):
        return "no data within the read timeout"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection broke off mid-response"
    text = str(error)
    if "Read timed out" in text:
        return "no data within the read timeout"
    for marker in _CONNECTION_FAILURES:
        if marker in text:
            return marker.lower()
    return "connection failed"


_CONNECTION_FAILURES = (
    "Name or service not known",
    "Temporary failure in name resolution",
    "Connection refused",
    "Connection reset",
    "Network is unreachable",
    "No route to host",
    "RemoteDisconnected",
)


_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _retry_after_seconds(response: requests.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", 0))
    except ValueError:
        return 0.0


def _account(url: str, size: int) -> None:
    log: RequestLog | None = getattr(_current_log, "log", None)
    if log is not None:
        log.urls.append(url)
        log.requests += 1
        log.bytes += size


def refused(
    table_id: str, entity: str, status: int, detail: str, where: str, first_asked: bool
) -> CbsTableChanged | CbsTableNotFound:
    """An HTTP error not worth retrying, as our error: a 404 to the first thing asked of
    a table (`first_asked`) is an unknown table, `where` ("the opendata catalogue", "CBS's
    v4 API"); anything else a refused request. `detail` is CBS's own message."""
    if status == 404 and first_asked:
        said = f': CBS says "{detail}"' if detail else ""
        return CbsTableNotFound(
            f"CBS table {table_id} not found in {where}{said}",
            hint="check the table id in indicators.toml; CBS may have replaced the table",
        )
    return CbsTableChanged(
        f"CBS refused the request for {table_id}/{entity}: HTTP {status}"
        + (f": {detail}" if detail else "")
    )
