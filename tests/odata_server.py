"""A local stand-in for CBS StatLine's OData v3 service, for tests and benchmarks.

The server speaks the wire format that the real ``cbsodata`` client (1.3.5) expects from
``opendata.cbs.nl``: service roots, entity sets (``TableInfos``, ``DataProperties``,
``CategoryGroups``, ``TypedDataSet``, ``UntypedDataSet`` and one per dimension), the
``ODataCatalog/Tables`` catalog, server-side paging with an absolute ``odata.nextLink``,
``$select``, ``$filter``, ``$top`` and ``$skip``. It never touches the network beyond
127.0.0.1.

Values are served exactly as stored in :class:`FakeTable` -- in particular keys stay
right-padded with spaces as CBS serves them, so ``RegioS eq 'GM1680'`` does not match
``'GM1680    '`` (the real quirk).

Failures can be injected per request with :meth:`ODataServer.add_fault`, and every
request is recorded in :attr:`ODataServer.log`.

The same server also stands in for CBS's OData **v4** API (``datasets.cbs.nl/odata/v1/CBS``)
for the tables in :attr:`ODataServer.v4_tables` (:class:`V4Table`), under
:attr:`ODataServer.v4_path` (default ``/odata/v1/CBS``) on the same host and port:
``{v4_path}/{table}`` (service document), ``.../Properties`` (a single object),
``.../Dimensions``, ``.../MeasureCodes``, ``.../<Dimension>Codes`` and ``.../Observations``
(feeds with ``@odata.context``, ``value`` and an absolute ``@odata.nextLink`` when
``page_size`` cuts them). ``$filter`` takes v4's ``contains(Field,'x')`` (haystack first)
instead of v3's ``substringof``. Errors have the v4 form ``{"error": {"code", "message"}}``.
v4 codes are served unpadded, as captured. Faults, latency, bandwidth and the request log
work for v4 requests exactly as for v3 ones.

Taking one road down (``add_fault`` matches a case-sensitive substring of the request target):

* v3 down: ``server.add_fault(V3_PATH_MARK, "status", times=None, status=503)`` with
  ``V3_PATH_MARK = "/OData"``. Every v3 path starts with it -- cbsodata 1.3.5 asks
  ``/ODataApi/odata/<table>/...`` for metadata and ``/ODataFeed/odata/<table>/...`` for
  data (bwmonitor's ``feed_url``), the catalog is ``/ODataCatalog/Tables`` -- and the v4
  path ``/odata/v1/CBS/...`` does not contain it (lower-case ``odata``). ``"/ODataApi/"``
  alone takes down only the metadata requests, not the ``/ODataFeed/`` data reads.
  Never use ``"/odata/"``: it matches both ``/ODataFeed/odata/`` and ``/odata/v1/``.
* v4 down: ``server.add_fault(V4_PATH_MARK, ...)`` with ``V4_PATH_MARK = "/odata/v1/CBS/"``
  (no v3 path contains ``v1/CBS``). After changing ``v4_path``, match the new path instead.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote_plus, urlsplit

__all__ = [
    "CONTENT_TYPE",
    "CONTENT_TYPE_V4",
    "DEFAULT_V4_PATH",
    "FAULT_KINDS",
    "V3_PATH_MARK",
    "V4_PATH_MARK",
    "FakeTable",
    "FilterError",
    "ODataError",
    "ODataServer",
    "RequestRecord",
    "V4Table",
    "compile_filter",
    "render_feed",
    "render_v4_error",
    "render_v4_json",
]

CONTENT_TYPE = (
    "application/json;odata=minimalmetadata;streaming=true;IEEE754Compatible=false;charset=utf-8"
)
CONTENT_TYPE_V4 = (
    "application/json; odata.metadata=minimal; odata.streaming=true; "
    "IEEE754Compatible=false; charset=utf-8"
)
DEFAULT_PAGE_SIZE = 10_000
DEFAULT_V4_PATH = "/odata/v1/CBS"
V3_PATH_MARK = "/OData"  # in every v3 target (ODataApi, ODataFeed, ODataCatalog), in no v4 one
V4_PATH_MARK = DEFAULT_V4_PATH + "/"  # in every v4 target at the default v4_path, in no v3 one
DIMENSION_TYPES = frozenset({"Dimension", "GeoDimension", "TimeDimension", "GeoDetail"})
# "hang" is an addition to the brief's list: it sleeps before sending anything, which is
# the only way to make requests raise ReadTimeout (a stall mid-body surfaces as
# requests.exceptions.ConnectionError, see ODataServer.add_fault).
FAULT_KINDS = frozenset({"status", "truncate", "badjson", "reset", "stall", "hang"})
FEED_PREFIXES = {"odatafeed": "ODataFeed", "odataapi": "ODataApi"}
Record = dict[str, Any]
T = TypeVar("T")


# --------------------------------------------------------------------------- data model


@dataclass
class FakeTable:
    """One StatLine table as the fake server holds it (values padded as CBS serves them)."""

    table_id: str
    table_infos: dict[str, Any]
    data_properties: list[dict[str, Any]]
    dimensions: dict[str, list[dict[str, Any]]]
    rows: list[dict[str, Any]]
    catalog: str = "opendata"
    category_groups: list[dict[str, Any]] = field(default_factory=list)

    def dimension_keys(self) -> list[str]:
        """Keys of the dimension columns, in DataProperties order."""
        return [p["Key"] for p in self.data_properties if p.get("Type") in DIMENSION_TYPES]

    def topic_keys(self) -> list[str]:
        """Keys of the topic (measure) columns, in DataProperties order."""
        return [p["Key"] for p in self.data_properties if p.get("Type") == "Topic"]

    def dataset_columns(self) -> list[str]:
        """Columns of TypedDataSet/UntypedDataSet: ID, dimensions, topics (+ any extras)."""
        columns = ["ID", *self.dimension_keys(), *self.topic_keys()]
        if self.rows:
            columns += [k for k in self.rows[0] if k not in columns]
        return columns


@dataclass
class V4Table:
    """One table as CBS's OData v4 API serves it (values as captured: codes unpadded).

    ``properties`` is the Properties object without ``@odata.context``; ``dimensions`` the
    Dimensions records (their ``CodesUrl``/``GroupsUrl`` are rewritten to the local server
    when served); ``codes`` maps a dimension Identifier to its ``<Dimension>Codes`` records;
    ``observations`` are the Observations records (Id, Measure, ValueAttribute, Value,
    StringValue, one key per dimension).
    """

    table_id: str
    properties: dict[str, Any]
    dimensions: list[dict[str, Any]]
    measure_codes: list[dict[str, Any]]
    codes: dict[str, list[dict[str, Any]]]
    observations: list[dict[str, Any]]

    def dimension_ids(self) -> list[str]:
        """Dimension Identifiers in Dimensions order."""
        return [str(d["Identifier"]) for d in self.dimensions]


@dataclass
class RequestRecord:
    """One request, logged on arrival and completed while it is answered.

    ``status`` is 0 while no status line has been sent, and stays 0 when the connection
    was reset without reply. ``bytes_sent`` counts body bytes handed to the socket.
    ``received`` is ``time.monotonic()`` on arrival (compare with the test's own clock).
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    bytes_sent: int
    entity: str | None
    table_id: str | None
    fault: str | None = None
    received: float = field(default_factory=time.monotonic)


@dataclass
class _Fault:
    match: str
    kind: str
    times: int | None
    status: int
    delay: float


@dataclass
class _Response:
    status: int
    body: bytes
    entity: str | None = None
    table_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    v4: bool = False  # decides the error body of an injected status fault and Content-Type


class ODataError(Exception):
    """An error that the server reports as an ``odata.error`` JSON body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FilterError(ODataError):
    """A malformed or unsupported ``$filter`` expression (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


# --------------------------------------------------------------------------- rendering


def _dumps(value: Any) -> str:
    # CBS (.NET) escapes non-ASCII as \uXXXX and uses no spaces around separators.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def render_feed(
    metadata_url: str, records: Sequence[Mapping[str, Any]], next_link: str | None = None
) -> bytes:
    """Render a feed with CBS's pretty-printing (CRLF, 2/4/6-space indents, one line per record)."""
    head = '{\r\n  "odata.metadata":' + _dumps(metadata_url) + ',"value":[\r\n'
    value = ""
    if records:
        inner = [_dumps(dict(r))[1:-1] for r in records]
        value = "    {\r\n      " + "\r\n    },{\r\n      ".join(inner) + "\r\n    }\r\n"
    tail = "  ]"
    if next_link is not None:
        tail += ',"odata.nextLink":' + _dumps(next_link)
    return (head + value + tail + "\r\n}").encode("ascii")


def render_error(message: str) -> bytes:
    """Render an OData v3 error body the way CBS does."""
    text = (
        '{\r\n  "odata.error":{\r\n    "code":"","message":{\r\n      "lang":"nl-NL","value":'
        + _dumps(message)
        + "\r\n    }\r\n  }\r\n}"
    )
    return text.encode("ascii")


def render_v4_json(document: Mapping[str, Any]) -> bytes:
    """Render a v4 response body: compact JSON, non-ASCII escaped (plain ASCII bytes)."""
    return json.dumps(document, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def render_v4_error(status: int, message: str) -> bytes:
    """Render an OData v4 error body: ``{"error": {"code": ..., "message": ...}}``."""
    try:
        code = HTTPStatus(status).phrase.replace(" ", "")
    except ValueError:
        code = str(status)
    return render_v4_json({"error": {"code": code, "message": message}})


# --------------------------------------------------------------------------- $filter


_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[mMdDfFlL]?(?![A-Za-z0-9_])
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)
_COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith": 2, "endswith": 2, "substringof": 2}
_FUNCTIONS_V4 = {"startswith": 2, "endswith": 2, "contains": 2}  # v4 dropped substringof

Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass
class _Token:
    kind: str  # "str" | "num" | "name" | "punct" | "end"
    value: Any
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise FilterError(
                f"Syntax error in $filter at position {pos}: {text[pos : pos + 20]!r}"
            )
        kind = m.lastgroup or ""
        raw = m.group(kind)
        value: Any = raw
        if kind == "str":
            value = raw[1:-1].replace("''", "'")
        elif kind == "num":
            value = float(raw) if any(c in raw for c in ".eE") else int(raw)
        tokens.append(_Token(kind, value, m.start(kind)))
        pos = m.end()
    tokens.append(_Token("end", None, len(text)))
    return tokens


@dataclass
class _Node:
    is_bool: bool
    fn: Evaluator
    field: str | None = None  #: an operand that is a property
    literal: Any = None  #: an operand that is a constant
    #: `field eq 'a' or field eq 'b' ...`: the field and its strings (a catalogue's
    #: codes; bwmonitor sends hundreds of them), checked as one set lookup
    one_of: tuple[str, frozenset[str]] | None = None


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        # OData: null equals only null; ordering comparisons with null are false.
        return (a is b) if op == "eq" else (a is not b) if op == "ne" else False
    if _kind_of(a) != _kind_of(b):
        raise FilterError(f"Operator '{op}' is not defined for {_kind_of(a)} and {_kind_of(b)}")
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if op == "gt":
        return bool(a > b)
    if op == "ge":
        return bool(a >= b)
    if op == "lt":
        return bool(a < b)
    return bool(a <= b)


def _string_function(name: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if not isinstance(a, str) or not isinstance(b, str):
        raise FilterError(f"Function '{name}' needs string arguments")
    if name == "startswith":
        return a.startswith(b)
    if name == "endswith":
        return a.endswith(b)
    if name == "contains":
        return b in a  # contains(haystack, needle): OData v4 argument order
    return a in b  # substringof(needle, haystack): note CBS/OData v3 argument order


# Evaluator factories (closures built here, so loop variables are never captured late).


def _constant(value: Any) -> Evaluator:
    return lambda row: value


def _field(name: str) -> Evaluator:
    return lambda row: row.get(name)


def _either(a: Evaluator, b: Evaluator) -> Evaluator:
    return lambda row: bool(a(row)) or bool(b(row))


def _both(a: Evaluator, b: Evaluator) -> Evaluator:
    return lambda row: bool(a(row)) and bool(b(row))


def _negate(a: Evaluator) -> Evaluator:
    return lambda row: not a(row)


def _comparer(op: str, a: Evaluator, b: Evaluator) -> Evaluator:
    return lambda row: _compare(op, a(row), b(row))


def _member(name: str, values: frozenset[str], general: Evaluator) -> Evaluator:
    """`general` (the chain of `or`s) for a row whose field is a string, at the cost of
    one set lookup; any other value goes through `general`, with its null rule and errors."""

    def check(row: Mapping[str, Any]) -> Any:
        value = row.get(name)
        return value in values if isinstance(value, str) else general(row)

    return check


def _caller(name: str, a: Evaluator, b: Evaluator) -> Evaluator:
    return lambda row: _string_function(name, a(row), b(row))


def _joined(a: _Node, b: _Node) -> tuple[str, frozenset[str]] | None:
    """The set test of `a or b` when both are equality tests of one field."""
    if a.one_of is None or b.one_of is None or a.one_of[0] != b.one_of[0]:
        return None
    return a.one_of[0], a.one_of[1] | b.one_of[1]


class _FilterParser:
    """Recursive descent: or -> and -> not -> comparison -> operand."""

    def __init__(self, text: str, columns: Iterable[str], version: int = 3) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0
        self.columns = set(columns)
        self.functions = _FUNCTIONS_V4 if version == 4 else _FUNCTIONS

    def parse(self) -> Evaluator:
        node = self._or()
        if self._peek().kind != "end":
            raise FilterError(f"Unexpected {self._peek().value!r} at position {self._peek().pos}")
        if not node.is_bool:
            raise FilterError("$filter must be a boolean expression")
        return node.fn

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _next(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _at_keyword(self, *words: str) -> bool:
        token = self._peek()
        return token.kind == "name" and token.value in words

    def _expect(self, punct: str) -> None:
        token = self._next()
        if token.kind != "punct" or token.value != punct:
            raise FilterError(f"Expected '{punct}' at position {token.pos}")

    def _bool(self, node: _Node, word: str) -> Evaluator:
        if not node.is_bool:
            raise FilterError(f"Operand of '{word}' must be a boolean expression")
        return node.fn

    def _or(self) -> _Node:
        node = self._and()
        while self._at_keyword("or"):
            self._next()
            other = self._and()
            left, right = self._bool(node, "or"), self._bool(other, "or")
            node = _Node(True, _either(left, right), one_of=_joined(node, other))
            if node.one_of is not None:
                node.fn = _member(*node.one_of, node.fn)
        return node

    def _and(self) -> _Node:
        node = self._not()
        while self._at_keyword("and"):
            self._next()
            left, right = self._bool(node, "and"), self._bool(self._not(), "and")
            node = _Node(True, _both(left, right))
        return node

    def _not(self) -> _Node:
        if self._at_keyword("not"):
            self._next()
            inner = self._bool(self._not(), "not")
            return _Node(True, _negate(inner))
        return self._comparison()

    def _comparison(self) -> _Node:
        left = self._operand()
        if not self._at_keyword(*_COMPARISONS):
            return left
        op = self._next().value
        right = self._operand()
        if left.is_bool or right.is_bool:
            raise FilterError(f"Operands of '{op}' must be values, not boolean expressions")
        one_of = None
        if op == "eq" and left.field is not None and isinstance(right.literal, str):
            one_of = (left.field, frozenset([right.literal]))
        return _Node(True, _comparer(op, left.fn, right.fn), one_of=one_of)

    def _operand(self) -> _Node:
        token = self._next()
        if token.kind == "punct" and token.value == "(":
            node = self._or()
            self._expect(")")
            return node
        if token.kind in ("str", "num"):
            return _Node(False, _constant(token.value), literal=token.value)
        if token.kind != "name":
            raise FilterError(f"Unexpected {token.value!r} at position {token.pos}")
        word = token.value
        if word in ("null", "true", "false"):
            literal = {"null": None, "true": True, "false": False}[word]
            return _Node(False, _constant(literal))
        if self._peek().kind == "punct" and self._peek().value == "(":
            return self._function(word, token.pos)
        if word not in self.columns:
            raise FilterError(f"Could not find a property named '{word}'")
        return _Node(False, _field(word), field=word)

    def _function(self, name: str, pos: int) -> _Node:
        if name not in self.functions:
            raise FilterError(f"Unknown function '{name}' at position {pos}")
        self._expect("(")
        args = [self._operand()]
        while self._peek().kind == "punct" and self._peek().value == ",":
            self._next()
            args.append(self._operand())
        self._expect(")")
        arity = self.functions[name]
        if len(args) != arity or any(a.is_bool for a in args):
            raise FilterError(f"Function '{name}' takes {arity} value arguments")
        return _Node(True, _caller(name, args[0].fn, args[1].fn))


def compile_filter(
    text: str, columns: Iterable[str], *, version: int = 3
) -> Callable[[Mapping[str, Any]], bool]:
    """Compile an OData ``$filter`` into a row predicate; raises FilterError (HTTP 400).

    ``version=3`` (default) knows ``substringof(needle, haystack)``; ``version=4`` knows
    ``contains(haystack, needle)`` instead. Both know ``startswith`` and ``endswith``.
    """
    evaluate = _FilterParser(text, columns, version).parse()
    return lambda row: bool(evaluate(row))


# --------------------------------------------------------------------------- query options


def _ordered_keys(records: Iterable[Mapping[str, Any]], start: Iterable[str] = ()) -> list[str]:
    keys = dict.fromkeys(start)
    for record in records:
        keys.update(dict.fromkeys(record))
    return list(keys)


def _non_negative_int(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise ODataError(400, f"Invalid value for {name}: {raw!r}")
    return int(raw)


def _select_columns(raw: str | None, columns: Sequence[str], entity: str) -> list[str] | None:
    if raw is None or raw.strip() in ("", "*"):
        return None
    wanted = [c.strip() for c in raw.split(",") if c.strip()]
    for name in wanted:
        if name not in columns:
            raise ODataError(
                400,
                "The query specified in the URI is not valid. Could not find a property named "
                f"'{name}' on type 'Cbs.OData.WebAPI.{entity}'.",
            )
    # OData returns properties in declaration order, whatever order $select used.
    return [c for c in columns if c in wanted]


def _to_untyped(table: FakeTable, rows: Sequence[Mapping[str, Any]]) -> list[Record]:
    """UntypedDataSet approximation: every topic value as a right-aligned string ('.' = null)."""
    decimals = {
        p["Key"]: p.get("Decimals") or 0
        for p in table.data_properties
        if p.get("Type") == "Topic" and p.get("Datatype") != "String"
    }
    texts: dict[str, list[str]] = {}
    for key, dec in decimals.items():
        values = [row.get(key) for row in rows]
        col = [
            "." if v is None else f"{v:.{dec}f}" if isinstance(v, float) else str(v) for v in values
        ]
        width = max((len(s) for s in col), default=1)
        texts[key] = [s.rjust(width) for s in col]
    untyped = []
    for i, row in enumerate(rows):
        record = dict(row)
        for key, col in texts.items():
            if key in record:
                record[key] = col[i]
        untyped.append(record)
    return untyped


# --------------------------------------------------------------------------- HTTP plumbing


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: ODataServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects are part of the game (faults, timeouts); stay quiet.
        # Anything else is kept for the tests to inspect instead of printed.
        if not isinstance(sys.exc_info()[1], OSError):
            self.owner.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr logging."""

    def do_GET(self) -> None:
        owner = self.server.owner
        self.close_connection = True
        split = urlsplit(self.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        fault = owner._take_fault(self.path)
        # Logged on arrival and filled in while responding, so the record is complete
        # before the client can have read the last byte (no race in tests).
        self._entry = RequestRecord(
            "GET", split.path, query, 0, 0, None, None, fault.kind if fault else None
        )
        owner._record(self._entry)
        self._content_type = CONTENT_TYPE
        try:
            response = owner._respond(split.path, query, self.headers.get("Host") or owner.host)
            self._entry.entity, self._entry.table_id = response.entity, response.table_id
            self._content_type = CONTENT_TYPE_V4 if response.v4 else CONTENT_TYPE
            owner._pause(owner.latency)
            if fault is None:
                self._send(response.status, response.body, response.headers)
            else:
                self._apply_fault(fault, response)
        except OSError:  # BrokenPipe, ConnectionReset, timeouts
            pass  # the client went away; nothing left to tell it

    # -- sending

    def _send_head(self, status: int, length: int, headers: Mapping[str, str]) -> None:
        self._entry.status = status
        self.send_response(status)
        self.send_header("Content-Type", self._content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _write(self, data: bytes) -> None:
        """Write body bytes, throttled to the server's bandwidth (bytes/s) if set."""
        owner = self.server.owner
        bandwidth = owner.bandwidth
        if not bandwidth:
            self._entry.bytes_sent += len(data)
            self.wfile.write(data)
            return
        chunk = max(1, int(bandwidth / 20))  # ~50 ms per chunk keeps the pacing smooth
        start = time.monotonic()
        for offset in range(0, len(data), chunk):
            part = data[offset : offset + chunk]
            self._entry.bytes_sent += len(part)
            self.wfile.write(part)
            due = start + (offset + len(part)) / bandwidth - time.monotonic()
            if due > 0 and owner._pause(due):
                return

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self._send_head(status, len(body), headers or {})
        self._write(body)

    # -- faults

    def _apply_fault(self, fault: _Fault, response: _Response) -> None:
        owner = self.server.owner
        body = response.body
        half = len(body) // 2
        if fault.kind == "status":
            headers = {"Retry-After": "0"} if fault.status == 429 else {}
            message = f"Injected fault: HTTP {fault.status}"
            error = render_v4_error(fault.status, message) if response.v4 else render_error(message)
            self._send(fault.status, error, headers)
        elif fault.kind == "truncate":
            # Promise the whole body, deliver half, then close: an incomplete read.
            self._send_head(response.status, len(body), response.headers)
            self._write(body[:half])
        elif fault.kind == "badjson":
            # A strict prefix of a JSON object is never valid JSON.
            broken = body[:half] if half else b"{"
            self._send(200, broken)
        elif fault.kind == "reset":
            self._reset()
        elif fault.kind == "stall":
            self._send_head(response.status, len(body), response.headers)
            self._write(body[:half])
            self.wfile.flush()
            if not owner._pause(fault.delay):
                self._write(body[half:])
        elif fault.kind == "hang":
            if owner._pause(fault.delay):
                self._reset()
            else:
                self._send(response.status, body, response.headers)

    def _reset(self) -> None:
        """Close with SO_LINGER 0 so the kernel sends RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drop makefile()'s reference so close() really closes the fd
        self.connection.close()


# --------------------------------------------------------------------------- the server


class ODataServer:
    """Threaded fake of CBS's OData v3 service (and v4 API) on 127.0.0.1 (ephemeral port).

    Use as a context manager or call :meth:`start` / :meth:`stop`. ``tables``,
    ``v4_tables``, ``v4_path``, ``page_size``, ``latency`` and ``bandwidth`` may be
    changed while it runs.
    """

    def __init__(
        self,
        tables: Iterable[FakeTable] = (),
        *,
        v4_tables: Iterable[V4Table] = (),
        v4_path: str = DEFAULT_V4_PATH,
        page_size: int = DEFAULT_PAGE_SIZE,
        latency: float = 0.0,
        bandwidth: float | None = None,
    ) -> None:
        self.tables: dict[str, FakeTable] = {t.table_id: t for t in tables}
        # The v4 road: tables and the path they are served under (both may change live).
        self.v4_tables: dict[str, V4Table] = {t.table_id: t for t in v4_tables}
        self.v4_path = v4_path
        self.page_size = page_size
        self.latency = latency
        self.bandwidth = bandwidth
        self.log: list[RequestRecord] = []
        self.errors: list[str] = []  # tracebacks of unexpected server-side exceptions
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> ODataServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; returns promptly even while handlers are stalled or throttled."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes stalled/slow handlers so they give up
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ODataServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``, usable as cbsodata's ``catalog_url``."""
        if self._httpd is None:
            raise RuntimeError("ODataServer is not running; call start() first")
        address = self._httpd.server_address
        return f"{address[0]!s}:{address[1]}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}"

    # -- log and faults

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    def requests_to(self, entity: str, table_id: str | None = None) -> list[RequestRecord]:
        """Logged requests for one entity set (optionally of one table)."""
        with self._lock:
            return [
                r
                for r in self.log
                if r.entity == entity and (table_id is None or r.table_id == table_id)
            ]

    def add_fault(
        self,
        match: str,
        kind: str,
        *,
        times: int | None = 1,
        status: int = 503,
        delay: float = 0.0,
    ) -> None:
        """Inject a failure into requests whose path+query contains ``match``.

        ``match`` is tested against the raw request target and its URL-decoded form.
        ``times=None`` means every matching request; faults are consumed in the order
        added. Kinds: ``status`` (reply ``status`` with an odata.error body; 429 carries
        ``Retry-After: 0``), ``truncate`` (full Content-Length, half the body, close),
        ``badjson`` (200 with a broken JSON body), ``reset`` (TCP RST, no response),
        ``stall`` (headers and half the body, then sleep ``delay`` s -- with requests a
        read timeout here raises ``requests.exceptions.ConnectionError``), ``hang``
        (sleep ``delay`` s before any byte -- requests raises ``ReadTimeout``).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._lock:
            self._faults.append(_Fault(match, kind, times, status, delay))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- internals used by the handler

    def _take_fault(self, target: str) -> _Fault | None:
        decoded = unquote_plus(target)
        with self._lock:
            for fault in self._faults:
                if fault.match in target or fault.match in decoded:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return _Fault(fault.match, fault.kind, None, fault.status, fault.delay)
        return None

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.log.append(record)

    def _pause(self, seconds: float) -> bool:
        """Sleep, but wake up early when the server stops. Returns True if stopping."""
        if seconds <= 0:
            return self._stopping.is_set()
        return self._stopping.wait(seconds)

    def _respond(self, path: str, query: dict[str, str], host: str) -> _Response:
        parts = [p for p in path.split("/") if p]
        v4_rest = self._v4_rest(parts)
        try:
            if v4_rest is not None:
                return self._route_v4(v4_rest, query, host)
            return self._route(path, query, host)
        except ODataError as err:
            if v4_rest is not None:
                return _Response(err.status, render_v4_error(err.status, err.message), v4=True)
            return _Response(err.status, render_error(err.message))
        except Exception:
            self.errors.append(traceback.format_exc())
            message = "Internal error in the fake OData server"
            if v4_rest is not None:
                return _Response(500, render_v4_error(500, message), v4=True)
            return _Response(500, render_error(message))

    # -- routing

    def _v4_rest(self, parts: list[str]) -> list[str] | None:
        """The path segments after ``v4_path`` (case-insensitive), or None if not under it."""
        prefix = [p.lower() for p in self.v4_path.split("/") if p]
        if not prefix or [p.lower() for p in parts[: len(prefix)]] != prefix:
            return None
        return parts[len(prefix) :]

    def _route(self, path: str, query: dict[str, str], host: str) -> _Response:
        parts = [p for p in path.split("/") if p]
        lowered = [p.lower() for p in parts]
        if lowered[:2] == ["odatacatalog", "tables"] and len(parts) == 2:
            return self._catalog(query, host)
        if len(parts) in (3, 4) and lowered[0] in FEED_PREFIXES and lowered[1] == "odata":
            prefix = FEED_PREFIXES[lowered[0]]
            table = self._find_table(parts[2])
            if len(parts) == 3:
                return self._service_root(table, prefix, host)
            return self._entity_set(table, parts[3], prefix, query, host)
        raise ODataError(404, f"No HTTP resource was found that matches the request URI '{path}'.")

    def _find_table(self, table_id: str) -> FakeTable:
        table = _lookup(self.tables, table_id)
        if table is None:
            raise ODataError(404, f"Tabel '{table_id}' is niet gevonden.")
        return table

    def _service_root(self, table: FakeTable, prefix: str, host: str) -> _Response:
        names = ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties"]
        names += ["CategoryGroups", *table.dimensions]
        base = f"http://{host}/{prefix}/odata/{table.table_id}/"
        records = [{"name": n, "url": base + n} for n in names]
        metadata = f"http://{host}/{prefix}/OData/{table.table_id}/$metadata"
        return _Response(200, render_feed(metadata, records), None, table.table_id)

    def _entity_records(self, table: FakeTable, entity: str) -> tuple[list[Record], list[str]]:
        if entity in ("TypedDataSet", "UntypedDataSet"):
            rows = table.rows if entity == "TypedDataSet" else _to_untyped(table, table.rows)
            return list(rows), table.dataset_columns()
        fixed: dict[str, tuple[list[Record], list[str]]] = {
            "TableInfos": ([table.table_infos], []),
            "DataProperties": (table.data_properties, []),
            "CategoryGroups": (
                table.category_groups,
                ["ID", "DimensionKey", "Title", "Description", "ParentID"],
            ),
        }
        if entity in fixed:
            records, start = fixed[entity]
        elif entity in table.dimensions:
            records, start = table.dimensions[entity], ["Key", "Title", "Description"]
        else:
            raise ODataError(
                404, f"No HTTP resource was found for '{entity}' in table '{table.table_id}'."
            )
        return list(records), _ordered_keys(records, start)

    def _entity_set(
        self, table: FakeTable, entity: str, prefix: str, query: dict[str, str], host: str
    ) -> _Response:
        records, columns = self._entity_records(table, entity)
        path = f"/{prefix}/odata/{table.table_id}/{entity}"
        page, next_link, select = self._apply_query(records, columns, entity, query, host, path)
        metadata = (
            f"http://{host}/{prefix}/OData/{table.table_id}/$metadata#Cbs.OData.WebAPI.{entity}"
        )
        if select is not None:
            metadata += "&$select=" + ",".join(select)
        return _Response(200, render_feed(metadata, page, next_link), entity, table.table_id)

    def _catalog(self, query: dict[str, str], host: str) -> _Response:
        records = [_catalog_record(i, t, host) for i, t in enumerate(self.tables.values())]
        columns = _ordered_keys(records, _CATALOG_FIELDS)
        page, next_link, _ = self._apply_query(
            records, columns, "Catalog.Table", query, host, "/ODataCatalog/Tables"
        )
        metadata = f"http://{host}/ODataCatalog/$metadata#Cbs.OData.WebAPI.Catalog.Tables"
        return _Response(200, render_feed(metadata, page, next_link), "Tables", None)

    def _apply_query(
        self,
        records: list[Record],
        columns: Sequence[str],
        entity: str,
        query: Mapping[str, str],
        host: str,
        path: str,
        version: int = 3,
    ) -> tuple[list[Record], str | None, list[str] | None]:
        """Apply $select/$filter/$skip/$top and the server page size; build the nextLink."""
        select = _select_columns(query.get("$select"), columns, entity)
        skip = _non_negative_int(query, "$skip") or 0
        top = _non_negative_int(query, "$top")
        if query.get("$filter", "").strip():
            keep = compile_filter(query["$filter"], columns, version=version)
            records = [r for r in records if keep(r)]
        available = records[skip:] if top is None else records[skip : skip + top]
        page = available[: max(1, self.page_size)]
        next_link = None
        if len(available) > len(page):
            remaining_top = None if top is None else top - len(page)
            next_link = _next_link(host, path, query, skip + len(page), remaining_top)
        if select is not None:
            page = [{k: r.get(k) for k in select} for r in page]
        return page, next_link, select

    # -- the v4 road

    def _route_v4(self, rest: list[str], query: dict[str, str], host: str) -> _Response:
        if not rest or len(rest) > 2:
            raise ODataError(404, f"No resource was found at '/{'/'.join(rest)}' of the v4 API.")
        table = self._find_v4_table(rest[0])
        base = f"http://{host}{self._v4_base()}/{table.table_id}"
        if len(rest) == 1:
            return self._v4_service_document(table, base)
        entity = rest[1]
        if entity == "Properties":
            single = {"@odata.context": f"{base}/$metadata#Properties", **table.properties}
            return _Response(200, render_v4_json(single), entity, table.table_id, v4=True)
        records, columns = self._v4_records(table, entity, base)
        path = f"{self._v4_base()}/{table.table_id}/{entity}"
        page, next_link, _ = self._apply_query(records, columns, entity, query, host, path, 4)
        document: dict[str, Any] = {"@odata.context": f"{base}/$metadata#{entity}", "value": page}
        if next_link is not None:
            document["@odata.nextLink"] = next_link
        return _Response(200, render_v4_json(document), entity, table.table_id, v4=True)

    def _v4_base(self) -> str:
        return "/" + "/".join(p for p in self.v4_path.split("/") if p)

    def _find_v4_table(self, table_id: str) -> V4Table:
        table = _lookup(self.v4_tables, table_id)
        if table is None:
            raise ODataError(404, f"Table '{table_id}' not found.")
        return table

    def _v4_service_document(self, table: V4Table, base: str) -> _Response:
        names = ["Observations", "Dimensions", "MeasureCodes", "Properties"]
        names += [f"{d}Codes" for d in table.dimension_ids() if d in table.codes]
        document = {
            "@odata.context": f"{base}/$metadata",
            "value": [{"name": n, "kind": "EntitySet", "url": n} for n in names],
        }
        return _Response(200, render_v4_json(document), None, table.table_id, v4=True)

    def _v4_records(self, table: V4Table, entity: str, base: str) -> tuple[list[Record], list[str]]:
        if entity == "Observations":
            start = ["Id", "Measure", "ValueAttribute", "Value", "StringValue"]
            return list(table.observations), _ordered_keys(
                table.observations, [*start, *table.dimension_ids()]
            )
        if entity == "Dimensions":
            records = [_local_dimension(d, base) for d in table.dimensions]
            start = ["Identifier", "Title", "Description", "Kind", "CodesUrl", "GroupsUrl"]
            return records, _ordered_keys(records, start)
        if entity == "MeasureCodes":
            start = ["Identifier", "Index", "Title", "Description", "DataType", "Unit"]
            return list(table.measure_codes), _ordered_keys(table.measure_codes, start)
        if entity.endswith("Codes") and entity[: -len("Codes")] in table.codes:
            records = table.codes[entity[: -len("Codes")]]
            start = ["Identifier", "Index", "Title", "Description", "DimensionGroupId"]
            return list(records), _ordered_keys(records, start)
        raise ODataError(
            404, f"No entity set '{entity}' in table '{table.table_id}' of the v4 API."
        )


def _local_dimension(dimension: Mapping[str, Any], base: str) -> Record:
    """A Dimensions record whose CodesUrl/GroupsUrl point at the local server."""
    record = dict(dimension)
    identifier = record.get("Identifier")
    for key, suffix in (("CodesUrl", "Codes"), ("GroupsUrl", "Groups")):
        if record.get(key):
            record[key] = f"{base}/{identifier}{suffix}"
    return record


def _lookup(tables: Mapping[str, T], table_id: str) -> T | None:
    """A table by id, as CBS finds it: exactly, else ignoring case ('03759NED')."""
    found = dict(tables)
    return found.get(table_id) or {k.lower(): t for k, t in found.items()}.get(table_id.lower())


_QUERY_SAFE = ",'()$:/"


def _next_link(host: str, path: str, query: Mapping[str, str], skip: int, top: int | None) -> str:
    """Absolute URL with the original options and a new $skip (as CBS builds it)."""
    params = {k: v for k, v in query.items() if k not in ("$skip", "$top")}
    if top is not None:
        params["$top"] = str(top)
    params["$skip"] = str(skip)
    encoded = "&".join(f"{k}={quote(v, safe=_QUERY_SAFE)}" for k, v in params.items())
    return f"http://{host}{path}?{encoded}"


# The field order of a real ODataCatalog/Tables record.
_CATALOG_FIELDS = [
    "Updated", "ID", "Identifier", "Title", "ShortTitle", "ShortDescription", "Summary",
    "Modified", "MetaDataModified", "ReasonDelivery", "ExplanatoryText", "OutputStatus",
    "Source", "Language", "Catalog", "Frequency", "Period", "SummaryAndLinks", "ApiUrl",
    "FeedUrl", "DefaultPresentation", "DefaultSelection", "GraphTypes", "RecordCount",
    "ColumnCount", "SearchPriority",
]  # fmt: skip


def _catalog_record(index: int, table: FakeTable, host: str) -> Record:
    info = table.table_infos
    api = f"http://{host}/ODataApi/OData/{table.table_id}"
    feed = f"http://{host}/ODataFeed/OData/{table.table_id}"
    computed: Record = {
        "Updated": info.get("Modified", ""),
        "ID": index,
        "Identifier": table.table_id,
        "SummaryAndLinks": f'{info.get("Summary", "")}<br /><a href="{api}">{api}</a>',
        "ApiUrl": api,
        "FeedUrl": feed,
        "RecordCount": len(table.rows),
        "ColumnCount": len(table.dimension_keys()) + len(table.topic_keys()),
    }
    return {k: computed[k] if k in computed else info.get(k, "") for k in _CATALOG_FIELDS}
