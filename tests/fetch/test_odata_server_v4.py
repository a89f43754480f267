"""Tests for the OData v4 side of the fake CBS server, driven with plain requests."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import cbsodata
import pytest
import requests

from tests.fixtures_cbs import woonplaatsen_84489
from tests.fixtures_cbs_v4 import (
    V4_DATA_DIR,
    all_v4_tables,
    koopwoningen_83625_v4,
    population_03759_v4,
)
from tests.odata_server import (
    CONTENT_TYPE,
    CONTENT_TYPE_V4,
    DEFAULT_V4_PATH,
    V3_PATH_MARK,
    V4_PATH_MARK,
    FilterError,
    ODataServer,
    compile_filter,
)

Record = dict[str, Any]

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ODataServer]:
    """One server for the module: a v3 table and both v4 tables."""
    with ODataServer([woonplaatsen_84489()], v4_tables=all_v4_tables()) as server:
        yield server


@pytest.fixture(scope="module")
def population() -> Record:
    """The 03759ned capture, for comparing (read-only: tests must not edit it)."""
    table = population_03759_v4()
    return {"observations": table.observations, "table": table}


@pytest.fixture
def server(shared_server: ODataServer) -> Iterator[ODataServer]:
    """The shared server with a clean log, no faults, default pacing and v4 path."""
    shared_server.reset_log()
    shared_server.clear_faults()
    shared_server.page_size, shared_server.latency, shared_server.bandwidth = 10_000, 0.0, None
    shared_server.v4_path = DEFAULT_V4_PATH
    yield shared_server
    shared_server.clear_faults()
    shared_server.v4_path = DEFAULT_V4_PATH
    assert shared_server.errors == []


@pytest.fixture
def v3_plain_http() -> Iterator[None]:
    """Point cbsodata at plain http and bypass any proxy; restore the options afterwards."""
    old_https, old_requests = cbsodata.options.use_https, cbsodata.options.requests
    cbsodata.options.use_https = False
    cbsodata.options.requests = {"proxies": {"http": None, "https": None}}
    yield
    cbsodata.options.use_https, cbsodata.options.requests = old_https, old_requests


_SESSION = requests.Session()
_SESSION.trust_env = False  # no proxies from the environment for 127.0.0.1


def url(server: ODataServer, table: str, entity: str = "") -> str:
    return f"{server.base_url}{server.v4_path}/{table}" + (f"/{entity}" if entity else "")


def get(server: ODataServer, table: str, entity: str = "", **params: str) -> requests.Response:
    return _SESSION.get(url(server, table, entity), params=params or None, timeout=10)


def feed(server: ODataServer, table: str, entity: str, **params: str) -> list[Record]:
    """One page of a feed (asserting that it is the only page)."""
    response = get(server, table, entity, **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "@odata.nextLink" not in body
    rows: list[Record] = body["value"]
    return rows


def read_all(server: ODataServer, first: str, params: dict[str, str]) -> tuple[list[Record], int]:
    """Follow @odata.nextLink to the end; returns the rows and the number of pages."""
    response = _SESSION.get(first, params=params, timeout=10)
    rows: list[Record] = []
    pages = 0
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["value"]
        pages += 1
        link = body.get("@odata.nextLink")
        if link is None:
            return rows, pages
        assert link.startswith(f"{server.base_url}{server.v4_path}/")
        response = _SESSION.get(link, timeout=10)


def captured(name: str) -> Any:
    return json.loads((V4_DATA_DIR / name).read_bytes())


# --------------------------------------------------------------------------- metadata


def test_service_document_lists_the_entity_sets(server: ODataServer) -> None:
    response = get(server, "03759ned")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CONTENT_TYPE_V4
    body = response.json()
    assert body["@odata.context"] == f"{server.base_url}/odata/v1/CBS/03759ned/$metadata"
    names = [e["name"] for e in body["value"]]
    assert names == [
        "Observations", "Dimensions", "MeasureCodes", "Properties", "BurgerlijkeStaatCodes",
        "GeslachtCodes", "LeeftijdCodes", "RegioSCodes", "PeriodenCodes",
    ]  # fmt: skip
    assert all(
        e == {"name": e["name"], "kind": "EntitySet", "url": e["name"]} for e in body["value"]
    )
    assert [e["name"] for e in get(server, "83625NED").json()["value"]][-2:] == [
        "RegioSCodes",
        "PeriodenCodes",
    ]


def test_properties_is_one_object_as_captured(server: ODataServer) -> None:
    body = get(server, "03759ned", "Properties").json()
    assert "value" not in body
    assert body["@odata.context"] == f"{server.base_url}/odata/v1/CBS/03759ned/$metadata#Properties"
    expected = captured("03759ned/properties.json")
    del expected["@odata.context"]
    del body["@odata.context"]
    assert body == expected
    assert body["Modified"] == "2026-06-23T00:00:00+02:00"
    assert get(server, "83625NED", "Properties").json()["Modified"] == "2026-02-17T00:00:00+01:00"


def test_measure_codes_as_captured(server: ODataServer) -> None:
    rows = feed(server, "03759ned", "MeasureCodes")
    assert rows == captured("03759ned/measure-codes.json")["value"]
    first = rows[0]
    assert (first["Identifier"], first["Title"], first["Unit"]) == (
        "M000352",
        "Bevolking op 1 januari",
        "aantal",
    )
    assert [r["Identifier"] for r in feed(server, "83625NED", "MeasureCodes")] == ["M001534"]


def test_perioden_codes_carry_status(server: ODataServer) -> None:
    rows = feed(server, "03759ned", "PeriodenCodes")
    assert rows == captured("03759ned/codes-Perioden.json")["value"]
    assert all(r["Status"] == "Definitief" for r in rows)
    assert rows[-1]["Identifier"] == "2026JJ00"


def test_dimensions_point_their_urls_at_the_local_server(server: ODataServer) -> None:
    rows = feed(server, "03759ned", "Dimensions")
    original = captured("03759ned/dimensions.json")["value"]
    assert [r["Kind"] for r in rows] == [
        "Dimension", "Dimension", "Dimension", "GeoDimension", "TimeDimension",
    ]  # fmt: skip
    base = f"{server.base_url}/odata/v1/CBS/03759ned"
    for row, raw in zip(rows, original, strict=True):
        assert row["CodesUrl"] == f"{base}/{raw['Identifier']}Codes"
        assert row["GroupsUrl"] == (raw["GroupsUrl"] and f"{base}/{raw['Identifier']}Groups")
        assert {k: v for k, v in row.items() if not k.endswith("Url")} == {
            k: v for k, v in raw.items() if not k.endswith("Url")
        }
    regio = next(r for r in rows if r["Identifier"] == "RegioS")
    codes = _SESSION.get(regio["CodesUrl"], timeout=10).json()["value"]
    assert codes == captured("03759ned/codes-RegioS.json")["value"]
    assert {"Identifier": "GM0114", "Title": "Emmen"}.items() <= next(
        c for c in codes if c["Identifier"] == "GM0114"
    ).items()


def test_codes_and_keys_are_not_padded(server: ODataServer) -> None:
    codes = feed(server, "03759ned", "RegioSCodes", **{"$filter": "Identifier eq 'GM0114'"})
    assert [c["Identifier"] for c in codes] == ["GM0114"]
    rows = feed(server, "83625NED", "Observations", **{"$filter": "RegioS eq 'GM0114'"})
    assert len(rows) == 11 and {r["RegioS"] for r in rows} == {"GM0114"}


# --------------------------------------------------------------------------- $filter and friends


def test_emmen_population_on_1_january_2024(server: ODataServer) -> None:
    """Emmen, 1 January 2024: 109,346 (also in Gebieden in Nederland 2024)."""
    rows = feed(
        server,
        "03759ned",
        "Observations",
        **{"$filter": "Measure eq 'M000352' and RegioS eq 'GM0114' and Perioden eq '2024JJ00'"},
    )
    assert len(rows) == 1
    assert rows[0]["Value"] == 109346
    assert rows[0]["ValueAttribute"] == "None"
    assert server.requests_to("Observations", "03759ned")[-1].query["$filter"].startswith("Measure")


Predicate = Callable[[Record], bool]
FILTERS: list[tuple[str, Predicate]] = [
    ("startswith(RegioS,'GM')", lambda r: r["RegioS"].startswith("GM")),
    ("endswith(RegioS,'14')", lambda r: r["RegioS"].endswith("14")),
    ("contains(RegioS,'011')", lambda r: "011" in r["RegioS"]),
    (
        "RegioS eq 'GM0114' or RegioS eq 'PV22'",
        lambda r: r["RegioS"] in ("GM0114", "PV22"),
    ),
    (
        "RegioS eq 'GM0114' and Perioden ge '2020JJ00' and Perioden le '2022JJ00'",
        lambda r: r["RegioS"] == "GM0114" and "2020JJ00" <= r["Perioden"] <= "2022JJ00",
    ),
    (
        "startswith(RegioS,'PV') and ValueAttribute ne 'None'",
        lambda r: r["RegioS"].startswith("PV") and r["ValueAttribute"] != "None",
    ),
    (
        "not startswith(RegioS,'GM') and (Perioden eq '2019JJ00' or Perioden eq '2026JJ00')",
        lambda r: not r["RegioS"].startswith("GM") and r["Perioden"] in ("2019JJ00", "2026JJ00"),
    ),
    ("Value gt 1000000 and Measure eq 'M000352'", lambda r: (r["Value"] or 0) > 1_000_000
     and r["Measure"] == "M000352"),
    ("Value eq null", lambda r: r["Value"] is None),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "predicate"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filter_matches_the_same_rows_as_python(
    server: ODataServer, population: Record, expression: str, predicate: Predicate
) -> None:
    expected = [r for r in population["observations"] if predicate(r)]
    assert expected, "a filter that selects nothing proves little"
    first = url(server, "03759ned", "Observations")
    assert read_all(server, first, {"$filter": expression})[0] == expected


def test_select_returns_only_those_fields_in_declaration_order(server: ODataServer) -> None:
    rows = feed(
        server,
        "03759ned",
        "Observations",
        **{"$filter": "RegioS eq 'GM0114'", "$select": "Value,RegioS,Perioden,Measure"},
    )
    assert len(rows) == 16
    assert all(list(r) == ["Measure", "Value", "RegioS", "Perioden"] for r in rows)
    assert get(server, "03759ned", "Observations", **{"$select": "Nope"}).status_code == 400


def test_top_and_skip(server: ODataServer, population: Record) -> None:
    rows = feed(server, "03759ned", "Observations", **{"$skip": "100", "$top": "7"})
    assert rows == population["observations"][100:107]
    codes = feed(server, "83625NED", "PeriodenCodes", **{"$top": "2"})
    assert [c["Identifier"] for c in codes] == ["1995JJ00", "1996JJ00"]


def test_paging_returns_every_row_once_in_order(server: ODataServer, population: Record) -> None:
    server.page_size = 500
    expression = "startswith(RegioS,'GM') and Perioden ge '2024JJ00' and Measure eq 'M000352'"
    expected = [
        {"Id": r["Id"], "Value": r["Value"], "RegioS": r["RegioS"]}
        for r in population["observations"]
        if r["RegioS"].startswith("GM")
        and r["Perioden"] >= "2024JJ00"
        and r["Measure"] == "M000352"
    ]
    first = url(server, "03759ned", "Observations")
    rows, pages = read_all(server, first, {"$filter": expression, "$select": "Id,Value,RegioS"})
    assert rows == expected
    assert pages == math.ceil(len(expected) / 500) > 1
    later = server.requests_to("Observations", "03759ned")[1:]
    assert len(later) == pages - 1
    assert all(r.query["$filter"] == expression for r in later)
    assert all(r.query["$select"] == "Id,Value,RegioS" for r in later)
    assert [int(r.query["$skip"]) for r in later] == [500 * i for i in range(1, pages)]


def test_paging_honours_top(server: ODataServer, population: Record) -> None:
    server.page_size = 500
    first = url(server, "83625NED", "Observations")
    rows, pages = read_all(server, first, {"$top": "1200", "$skip": "10"})
    assert pages == 3
    assert rows == koopwoningen_83625_v4().observations[10:1210]


# --------------------------------------------------------------------------- errors


def test_unknown_table_is_a_v4_404(server: ODataServer) -> None:
    for path in ("99999NED", "99999NED/Observations"):
        response = _SESSION.get(f"{server.base_url}/odata/v1/CBS/{path}", timeout=10)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == CONTENT_TYPE_V4
        error = response.json()["error"]
        assert error["code"] == "NotFound" and "99999NED" in error["message"]


def test_unknown_entity_is_a_v4_404(server: ODataServer) -> None:
    for entity in ("TypedDataSet", "FooCodes", "RegioSGroups", "observations"):
        response = get(server, "03759ned", entity)
        assert response.status_code == 404, entity
        assert set(response.json()["error"]) == {"code", "message"}


def test_table_lookup_ignores_case(server: ODataServer) -> None:
    body = get(server, "83625ned", "Properties").json()
    assert body["Identifier"] == "83625NED"
    assert "/83625NED/$metadata" in body["@odata.context"]


@pytest.mark.parametrize(
    "expression",
    [
        "Nope eq 'x'",
        "RegioS eq",
        "RegioS eq 'GM0114' and",
        "(RegioS eq 'GM0114'",
        "substringof('GM',RegioS)",
        "contains(RegioS)",
        "RegioS eq 5",
        "RegioS",
    ],
)
def test_bad_filter_is_a_v4_400(server: ODataServer, expression: str) -> None:
    response = get(server, "03759ned", "Observations", **{"$filter": expression})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


def test_compile_filter_v4_argument_order() -> None:
    keep = compile_filter("contains(RegioS,'011')", ["RegioS"], version=4)
    assert keep({"RegioS": "GM0114"}) and not keep({"RegioS": "GM0014"})
    with pytest.raises(FilterError):
        compile_filter("contains(RegioS,'011')", ["RegioS"])  # not a v3 function
    with pytest.raises(FilterError):
        compile_filter("substringof('011',RegioS)", ["RegioS"], version=4)


# --------------------------------------------------------------------------- faults, log, path


def test_status_fault_gives_a_v4_error_body(server: ODataServer) -> None:
    server.add_fault("03759ned/Observations", "status", status=503)
    response = get(server, "03759ned", "Observations", **{"$top": "1"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == CONTENT_TYPE_V4
    assert response.json()["error"]["code"] == "ServiceUnavailable"
    assert len(feed(server, "03759ned", "Observations", **{"$top": "1"})) == 1
    statuses = [(r.status, r.fault) for r in server.requests_to("Observations", "03759ned")]
    assert statuses == [(503, "status"), (200, None)]


def test_reset_fault_on_v4(server: ODataServer) -> None:
    server.add_fault("/Properties", "reset")
    with pytest.raises(requests.ConnectionError):
        get(server, "03759ned", "Properties")
    assert server.requests_to("Properties", "03759ned")[-1].status == 0


def test_truncate_fault_on_v4(server: ODataServer) -> None:
    server.add_fault("83625NED/Observations", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(server, "83625NED", "Observations")


def test_badjson_fault_on_v4(server: ODataServer) -> None:
    server.add_fault("RegioSCodes", "badjson")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        get(server, "83625NED", "RegioSCodes").json()


def test_fault_matches_a_decoded_v4_filter(server: ODataServer) -> None:
    server.add_fault("$filter=RegioS eq 'GM0114'", "status", times=None, status=500)
    assert get(server, "83625NED", "Observations", **{"$filter": "RegioS eq 'GM0106'"}).ok
    assert (
        get(server, "83625NED", "Observations", **{"$filter": "RegioS eq 'GM0114'"}).status_code
        == 500
    )


@pytest.mark.usefixtures("v3_plain_http")
def test_v3_down_leaves_v4_up(server: ODataServer) -> None:
    """V3_PATH_MARK takes down cbsodata's and bwmonitor's v3 paths, and no v4 path."""
    server.add_fault(V3_PATH_MARK, "status", times=None, status=503)
    with pytest.raises(requests.HTTPError, match="503"):
        cbsodata.get_info("84489NED", catalog_url=server.host)  # /ODataApi/odata/...
    v3_feed = f"{server.base_url}/ODataFeed/odata/84489NED/TypedDataSet"  # bwmonitor's data path
    assert _SESSION.get(v3_feed, timeout=10).status_code == 503
    assert _SESSION.get(f"{server.base_url}/ODataCatalog/Tables", timeout=10).status_code == 503
    for entity in ("", "Properties", "Dimensions", "MeasureCodes", "PeriodenCodes"):
        assert get(server, "03759ned", entity).status_code == 200, entity
    assert get(server, "03759ned", "Observations", **{"$top": "5"}).status_code == 200
    assert all(r.fault is None for r in server.log if r.path.startswith("/odata/v1/"))


@pytest.mark.usefixtures("v3_plain_http")
def test_v4_down_leaves_v3_up(server: ODataServer) -> None:
    server.add_fault(V4_PATH_MARK, "status", times=None, status=503)
    assert get(server, "03759ned", "Properties").status_code == 503
    assert get(server, "03759ned").status_code == 503
    assert cbsodata.get_info("84489NED", catalog_url=server.host)["Identifier"] == "84489NED"
    v3_feed = f"{server.base_url}/ODataFeed/odata/84489NED/TypedDataSet"
    assert _SESSION.get(v3_feed, params={"$top": "1"}, timeout=10).status_code == 200
    v3_response = _SESSION.get(f"{server.base_url}/ODataApi/odata/84489NED/Nope", timeout=10)
    assert v3_response.headers["Content-Type"] == CONTENT_TYPE
    assert "odata.error" in v3_response.json()


def test_log_counts_bytes_and_names_entity_and_table(server: ODataServer) -> None:
    response = get(server, "83625NED", "Observations", **{"$filter": "RegioS eq 'NL01'"})
    (record,) = server.requests_to("Observations", "83625NED")
    assert record.bytes_sent == len(response.content) == int(response.headers["Content-Length"])
    assert (record.status, record.path) == (200, "/odata/v1/CBS/83625NED/Observations")
    get(server, "83625ned", "RegioSCodes")
    assert server.requests_to("RegioSCodes", "83625NED")[-1].entity == "RegioSCodes"
    get(server, "03759ned")
    assert server.log[-1].table_id == "03759ned"


def test_latency_applies_to_v4(server: ODataServer) -> None:
    server.latency = 0.1
    response = get(server, "83625NED", "MeasureCodes")
    assert response.elapsed.total_seconds() >= 0.1


def test_changing_v4_path_moves_the_service(server: ODataServer) -> None:
    old = url(server, "03759ned", "Properties")
    server.v4_path = "/odata/v2/CBS/"
    moved = get(server, "03759ned", "Properties")
    assert moved.status_code == 200
    assert moved.json()["@odata.context"].startswith(f"{server.base_url}/odata/v2/CBS/03759ned/")
    dims = feed(server, "03759ned", "Dimensions")
    assert dims[0]["CodesUrl"].startswith(f"{server.base_url}/odata/v2/CBS/03759ned/")
    gone = _SESSION.get(old, timeout=10)
    assert gone.status_code == 404
    assert gone.headers["Content-Type"] == CONTENT_TYPE  # no longer a v4 path at all


def test_edits_to_a_served_table_are_visible(server: ODataServer) -> None:
    """A test may simulate a CBS revision by replacing or editing v4_tables live."""
    revised = koopwoningen_83625_v4()
    revised.properties["Modified"] = "2027-01-01T00:00:00+01:00"
    revised.observations[0]["Value"] = 1
    original = server.v4_tables["83625NED"]
    server.v4_tables["83625NED"] = revised
    try:
        assert get(server, "83625NED", "Properties").json()["Modified"].startswith("2027")
        assert feed(server, "83625NED", "Observations", **{"$top": "1"})[0]["Value"] == 1
    finally:
        server.v4_tables["83625NED"] = original
    assert feed(server, "83625NED", "Observations", **{"$top": "1"})[0]["Value"] == 230194


# --------------------------------------------------------------------------- the fixtures


def test_fixtures_return_independent_copies() -> None:
    one, two = population_03759_v4(), population_03759_v4()
    one.observations[0]["Value"] = -1
    one.properties["Modified"] = "x"
    one.codes["Perioden"][0]["Status"] = "x"
    one.dimensions[0]["Kind"] = "x"
    assert two.observations[0]["Value"] == 17282163
    assert two.properties["Modified"] == "2026-06-23T00:00:00+02:00"
    assert two.codes["Perioden"][0]["Status"] == "Definitief"
    assert two.dimensions[0]["Kind"] == "Dimension"
    assert population_03759_v4().observations[0]["Value"] == 17282163


def test_fixtures_have_the_captured_shape() -> None:
    population, koop = all_v4_tables()
    index = captured("03759ned/index.json")
    assert population.table_id == "03759ned" and koop.table_id == "83625NED"
    assert len(population.observations) == index["observationRows"] == 13568
    assert len(koop.observations) == 8195
    assert list(population.codes) == population.dimension_ids()
    assert "@odata.context" not in population.properties
    assert {r["ValueAttribute"] for r in population.observations} == {"None", "Impossible"}
    assert all(r["Value"] is None for r in koop.observations if r["ValueAttribute"] != "None")
