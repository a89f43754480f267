"""Tests for the fake CBS OData v3 server, driven through the real cbsodata client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import cbsodata
import pytest
import requests
from cbsodata import cbsodata3

from tests.fixtures_cbs import DATA_DIR as DATA
from tests.fixtures_cbs import (
    all_tables,
    health_50090,
    kwb_2020,
    kwb_2024,
    padded_key_width,
    population_03759,
    woonplaatsen_84489,
)
from tests.odata_server import FakeTable, FilterError, ODataServer, compile_filter

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def cbs_options() -> Iterator[None]:
    """Point cbsodata at plain http and bypass any proxy; restore the options afterwards."""
    old_https = cbsodata.options.use_https
    old_requests = cbsodata.options.requests
    cbsodata.options.use_https = False
    cbsodata.options.requests = {"proxies": {"http": None, "https": None}}
    yield
    cbsodata.options.use_https = old_https
    cbsodata.options.requests = old_requests


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ODataServer]:
    with ODataServer(all_tables()) as server:
        yield server


@pytest.fixture
def server(shared_server: ODataServer) -> Iterator[ODataServer]:
    """The shared server with a clean log, no faults and default pacing."""
    shared_server.reset_log()
    shared_server.clear_faults()
    shared_server.page_size, shared_server.latency, shared_server.bandwidth = 10_000, 0.0, None
    yield shared_server
    shared_server.clear_faults()
    assert shared_server.errors == []


def fetch(server: ODataServer, table: str, entity: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Download an entity set with cbsodata's own pager (select/filters as keywords)."""
    result: list[dict[str, Any]] = cbsodata3._download_metadata(
        table, entity, catalog_url=server.host, **kwargs
    )
    return result


def get(server: ODataServer, path: str, **params: str) -> requests.Response:
    return requests.get(server.base_url + path, params=params, timeout=5)


# --------------------------------------------------------------------------- paging


def test_paging_follows_next_link_until_all_rows_are_read() -> None:
    """A table over 10,000 rows comes in pages; cbsodata follows the absolute nextLink."""
    table = kwb_2020(with_districts=9_700)
    assert len(table.rows) > 10_000
    with ODataServer([table]) as server:
        rows = cbsodata.get_meta("84799NED", "TypedDataSet", catalog_url=server.host)
        pages = server.requests_to("TypedDataSet")
    assert [r["ID"] for r in rows] == [r["ID"] for r in table.rows]
    assert len(pages) == 2
    assert "$skip" not in pages[0].query
    assert pages[1].query == {"$format": "json", "$skip": "10000"}


def test_next_link_keeps_select_filter_and_top(server: ODataServer) -> None:
    """The nextLink carries the original $select/$filter/$format and the remaining $top."""
    server.page_size = 100
    response = get(
        server,
        "/ODataFeed/odata/84799NED/TypedDataSet",
        **{"$format": "json", "$select": "ID,WijkenEnBuurten", "$filter": "ID ge 0", "$top": "250"},
    )
    link = response.json()["odata.nextLink"]
    assert link.startswith(server.base_url + "/ODataFeed/odata/84799NED/TypedDataSet?")
    assert "$select=ID,WijkenEnBuurten" in link
    assert "$filter=ID%20ge%200" in link
    assert "$top=150" in link and link.endswith("$skip=100")
    rows = fetch(server, "84799NED", "TypedDataSet", select=["ID"], filters="ID ge 0")
    assert len(rows) == 356
    assert len(server.requests_to("TypedDataSet")) == 1 + 4  # the manual GET + 4 pages


def test_top_and_skip(server: ODataServer) -> None:
    """$skip drops leading rows and $top caps the result."""
    body = get(
        server,
        "/ODataFeed/odata/03759ned/TypedDataSet",
        **{"$format": "json", "$skip": "3", "$top": "2", "$select": "ID"},
    ).json()
    assert body["value"] == [{"ID": 3}, {"ID": 4}]
    assert "odata.nextLink" not in body


# --------------------------------------------------------------------------- $select / $filter


def test_select_returns_only_selected_columns(server: ODataServer) -> None:
    """$select returns exactly the chosen properties (no ID unless asked)."""
    rows = fetch(server, "84799NED", "TypedDataSet", select=["WijkenEnBuurten", "AantalInwoners_5"])
    assert len(rows) == 356
    assert {tuple(r) for r in rows} == {("WijkenEnBuurten", "AantalInwoners_5")}


def test_padded_eq_matches(server: ODataServer) -> None:
    """`eq` with the key padded to width 10 finds the municipality (real CBS behaviour)."""
    rows = fetch(
        server,
        "84799NED",
        "TypedDataSet",
        select=["WijkenEnBuurten", "AantalInwoners_5"],
        filters="WijkenEnBuurten eq 'GM1680    '",
    )
    assert rows == [{"WijkenEnBuurten": "GM1680    ", "AantalInwoners_5": 25445}]


def test_unpadded_eq_matches_nothing(server: ODataServer) -> None:
    """`eq` compares exactly, so the unpadded key matches no row -- the CBS quirk."""
    assert fetch(server, "84799NED", "TypedDataSet", filters="WijkenEnBuurten eq 'GM1680'") == []


def test_startswith_returns_the_municipalities(server: ODataServer) -> None:
    """startswith(WijkenEnBuurten,'GM') selects the 355 municipalities of 2020."""
    rows = fetch(
        server,
        "84799NED",
        "TypedDataSet",
        select=["WijkenEnBuurten"],
        filters="startswith(WijkenEnBuurten,'GM')",
    )
    assert len(rows) == 355
    assert all(r["WijkenEnBuurten"].startswith("GM") for r in rows)


def test_substringof_uses_cbs_argument_order(server: ODataServer) -> None:
    """substringof('needle', Field) tests whether the needle occurs in the field."""
    rows = fetch(
        server,
        "03759ned",
        "TypedDataSet",
        select=["Perioden"],
        filters="substringof('2020JJ',Perioden)",
    )
    assert len(rows) == 368
    assert (
        len(
            fetch(
                server,
                "03759ned",
                "TypedDataSet",
                select=["ID"],
                filters="substringof('JJ',Perioden)",
            )
        )
        == 2879
    )


def test_and_or_with_parentheses(server: ODataServer) -> None:
    """Parentheses group `or` inside `and`; `not`, numeric comparisons and null work."""
    rows = fetch(
        server,
        "03759ned",
        "TypedDataSet",
        select=["RegioS", "Perioden"],
        filters="(RegioS eq 'GM1680' or RegioS eq 'NL01  ') and "
        "(Perioden eq '2019JJ00' or Perioden eq '2026JJ00')",
    )
    assert sorted((r["RegioS"], r["Perioden"]) for r in rows) == [
        ("GM1680", "2019JJ00"),
        ("GM1680", "2026JJ00"),
        ("NL01  ", "2019JJ00"),
        ("NL01  ", "2026JJ00"),
    ]
    nulls = fetch(
        server,
        "03759ned",
        "TypedDataSet",
        select=["Perioden"],
        filters="GemiddeldeBevolking_2 eq null and not (BevolkingOp1Januari_1 lt 1000)",
    )
    assert {r["Perioden"] for r in nulls} == {"2026JJ00"}


def test_filter_on_dimension_endpoint_and_quote_escaping(server: ODataServer) -> None:
    """$filter works on dimension endpoints (Key, Title), and '' escapes a quote."""
    rows = fetch(server, "84799NED", "WijkenEnBuurten", filters="Title eq '''s-Gravenhage'")
    assert [r["Key"] for r in rows] == ["GM0518    "]


@pytest.mark.parametrize(
    "expression",
    [
        "RegioS eq",
        "RegioS eq 'GM1680",
        "(RegioS eq 'x'",
        "startswith(RegioS)",
        "RegioS",
        "RegioS eq 'x' and",
        "tolower(RegioS) eq 'x'",
        "Unknown eq 1",
        "RegioS eq 1",
        "RegioS == 'x'",
    ],
)
def test_malformed_filter_gives_400(server: ODataServer, expression: str) -> None:
    """A filter that does not parse or type-check is an HTTP 400 with an odata.error body."""
    response = get(
        server,
        "/ODataFeed/odata/03759ned/TypedDataSet",
        **{"$format": "json", "$filter": expression},
    )
    assert response.status_code == 400
    assert response.json()["odata.error"]["message"]["lang"] == "nl-NL"


def test_compile_filter_is_usable_on_its_own() -> None:
    """compile_filter evaluates against plain dicts and rejects unknown columns."""
    keep = compile_filter("A gt 1.5 and not (B eq 'x' or B eq null)", ["A", "B"])
    assert (
        keep({"A": 2, "B": "y"}) and not keep({"A": 2, "B": None}) and not keep({"A": 1, "B": "y"})
    )
    with pytest.raises(FilterError):
        compile_filter("C eq 1", ["A"])


# --------------------------------------------------------------------------- metadata endpoints


def test_perioden_endpoint_has_status(server: ODataServer) -> None:
    """Perioden records carry Status (all Definitief in the 03759ned slice)."""
    periods = cbsodata.get_meta("03759ned", "Perioden", catalog_url=server.host)
    assert [p["Key"] for p in periods] == [f"{y}JJ00" for y in range(2019, 2027)]
    assert {p["Status"] for p in periods} == {"Definitief"}


def test_dimension_keys_are_padded(server: ODataServer) -> None:
    """Dimension keys come padded to the table's fixed width, as CBS serves them."""
    regions = cbsodata.get_meta("03759ned", "RegioS", catalog_url=server.host)
    keys = {r["Key"] for r in regions}
    assert {"NL01  ", "PV22  ", "GM1680"} <= keys
    wijken = cbsodata.get_meta("50090NED", "WijkenEnBuurten", catalog_url=server.host)
    assert {len(r["Key"]) for r in wijken} == {10}


def test_service_root_lists_entity_sets_like_cbs(server: ODataServer) -> None:
    """The service root has CBS's shape and order (compared with a real 70895ned root)."""
    real = json.loads((DATA / "odata-v3/70895ned_service_root.raw.json").read_text())
    fake = get(server, "/ODataApi/odata/03759ned").json()
    assert [e["name"] for e in real["value"]][:5] == [e["name"] for e in fake["value"]][:5]
    assert [e["name"] for e in fake["value"]][5:] == [
        "Geslacht",
        "Leeftijd",
        "BurgerlijkeStaat",
        "RegioS",
        "Perioden",
    ]
    assert fake["value"][0]["url"] == f"{server.base_url}/ODataApi/odata/03759ned/TableInfos"


def test_get_data_resolves_dimension_titles(server: ODataServer) -> None:
    """cbsodata.get_data walks the root and every endpoint and maps keys to titles.

    Note cbsodata 1.3.5 inverts `typed`: the default typed=False downloads TypedDataSet.
    """
    first = cbsodata.get_data("50090NED", catalog_url=server.host)[0]
    assert first["Leeftijd"] == "18 jaar of ouder" and first["Perioden"] == "2012"
    assert first["WijkenEnBuurten"] == "Nederland"
    assert first["ErvarenGezondheidGoedZeerGoed_4"] == 76.1
    untyped = cbsodata.get_data("50090NED", typed=True, catalog_url=server.host)[0]
    assert untyped["ErvarenGezondheidGoedZeerGoed_4"].strip() == "76.1"


def test_untyped_dataset_serves_padded_strings(server: ODataServer) -> None:
    """UntypedDataSet has the same rows with topic values as strings ('.' for null)."""
    rows = fetch(server, "03759ned", "UntypedDataSet", filters="Perioden eq '2026JJ00'")
    assert {r["GemiddeldeBevolking_2"].strip() for r in rows} == {"."}
    assert rows[0]["BevolkingOp1Januari_1"].strip() == "18130208"
    assert (
        get(server, "/ODataApi/odata/03759ned/UntypedDataSet", **{"$top": "1"}).status_code == 200
    )


def test_catalog_lists_all_tables(server: ODataServer) -> None:
    """ODataCatalog/Tables lists every table with its Modified date."""
    tables = cbsodata.get_table_list(catalog_url=server.host)
    assert {t["Identifier"]: t["Modified"] for t in tables}["84799NED"] == "2021-03-26T02:00:00"
    assert len(tables) == 5


def test_unknown_column_in_select_gives_400(server: ODataServer) -> None:
    """Selecting a column the table does not have is an HTTP 400."""
    with pytest.raises(requests.HTTPError, match="400"):
        fetch(server, "84799NED", "TypedDataSet", select=["WijkenEnBuurten", "RegioS"])


def test_unknown_table_gives_404(server: ODataServer) -> None:
    """An unknown table id is an HTTP 404 with an odata.error body."""
    with pytest.raises(requests.HTTPError, match="404"):
        cbsodata.get_info("99999NED", catalog_url=server.host)
    response = get(server, "/ODataFeed/odata/99999NED/TypedDataSet")
    assert "odata.error" in response.json()


def test_revision_is_visible_after_editing_the_table(server: ODataServer) -> None:
    """Tests can simulate a CBS revision by swapping a table while the server runs."""
    revised = population_03759()
    revised.table_infos["Modified"] = "2026-09-01T02:00:00"
    revised.rows[0]["BevolkingOp1Januari_1"] += 1
    original = server.tables["03759ned"]
    server.tables["03759ned"] = revised
    try:
        info = cbsodata.get_info("03759ned", catalog_url=server.host)
        rows = fetch(server, "03759ned", "TypedDataSet", filters="ID eq 0")
    finally:
        server.tables["03759ned"] = original
    assert info["Modified"] == "2026-09-01T02:00:00"
    assert rows[0]["BevolkingOp1Januari_1"] == 17282164


# --------------------------------------------------------------------------- 84489NED replay


def test_woonplaatsen_records_equal_the_real_response(server: ODataServer) -> None:
    """The served 84489NED TypedDataSet parses to the same records as CBS's raw response."""
    raw = json.loads((DATA / "odata-v3/84489NED_TypedDataSet.raw.json").read_text("utf-8"))
    served = cbsodata.get_meta("84489NED", "TypedDataSet", catalog_url=server.host)
    assert served == raw["value"]


def test_woonplaatsen_bytes_equal_the_real_response(server: ODataServer) -> None:
    """Apart from the host, the body is byte-for-byte CBS's formatting."""
    raw = (DATA / "odata-v3/84489NED_TypedDataSet.raw.json").read_bytes()
    body = get(server, "/ODataApi/odata/84489NED/TypedDataSet", **{"$format": "json"}).content
    local = f"{server.base_url}/ODataApi/OData".encode()
    assert body.replace(local, b"https://opendata.cbs.nl/ODataApi/OData") == raw


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("status", [500, 503, 429])
def test_status_fault_raises_http_error(server: ODataServer, status: int) -> None:
    """A `status` fault makes cbsodata raise HTTPError (429 carries Retry-After: 0)."""
    server.add_fault("TableInfos", "status", status=status)
    with pytest.raises(requests.HTTPError, match=str(status)):
        cbsodata.get_info("84799NED", catalog_url=server.host)
    record = server.requests_to("TableInfos")[-1]
    assert (record.status, record.fault) == (status, "status")
    if status == 429:
        server.add_fault("TableInfos", "status", status=429)
        assert get(server, "/ODataFeed/odata/84799NED/TableInfos").headers["Retry-After"] == "0"


def test_truncate_fault_raises_incomplete_read(server: ODataServer) -> None:
    """A truncated body (short of Content-Length) surfaces as ChunkedEncodingError."""
    server.add_fault("84799NED/TypedDataSet", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        cbsodata.get_meta("84799NED", "TypedDataSet", catalog_url=server.host)


def test_reset_fault_raises_connection_error(server: ODataServer) -> None:
    """A TCP reset without any response surfaces as requests' ConnectionError."""
    server.add_fault("DataProperties", "reset")
    with pytest.raises(requests.ConnectionError):
        cbsodata.get_meta("84799NED", "DataProperties", catalog_url=server.host)
    assert server.requests_to("DataProperties")[-1].status == 0


def test_badjson_fault_raises_decode_error(server: ODataServer) -> None:
    """A 200 with broken JSON makes cbsodata's json.loads fail."""
    server.add_fault("Perioden", "badjson")
    with pytest.raises(json.JSONDecodeError):
        cbsodata.get_meta("03759ned", "Perioden", catalog_url=server.host)


def test_stall_mid_body_times_out(server: ODataServer) -> None:
    """A stall after headers trips the read timeout; requests reports it as ConnectionError.

    (requests turns a read timeout *while streaming the body* into ConnectionError
    wrapping urllib3's ReadTimeoutError; only a timeout before the headers is ReadTimeout.)
    """
    server.add_fault("TypedDataSet", "stall", delay=5)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError, match="Read timed out"):
        cbsodata.get_meta("50090NED", "TypedDataSet", catalog_url=server.host, timeout=(1, 1))
    assert time.monotonic() - started < 3


def test_hang_before_headers_raises_read_timeout(server: ODataServer) -> None:
    """A `hang` (nothing sent for `delay` s) gives requests.exceptions.ReadTimeout."""
    server.add_fault("TableInfos", "hang", delay=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        cbsodata.get_meta("84799NED", "TableInfos", catalog_url=server.host, timeout=(1, 1))


def test_fault_with_times_stops_after_that_many(server: ODataServer) -> None:
    """times=3 fails exactly three matching requests, then the table is served again."""
    server.add_fault("CategoryGroups", "status", times=3, status=503)
    for _ in range(3):
        with pytest.raises(requests.HTTPError):
            cbsodata.get_meta("85984NED", "CategoryGroups", catalog_url=server.host)
    assert cbsodata.get_meta("85984NED", "CategoryGroups", catalog_url=server.host) == []
    assert [r.status for r in server.requests_to("CategoryGroups")] == [503, 503, 503, 200]


def test_fault_matches_decoded_query(server: ODataServer) -> None:
    """`match` may name decoded query text such as a $filter clause."""
    server.add_fault("$filter=ID eq 7", "status", times=None, status=500)
    assert fetch(server, "03759ned", "TypedDataSet", filters="ID eq 8")[0]["ID"] == 8
    with pytest.raises(requests.HTTPError):
        fetch(server, "03759ned", "TypedDataSet", filters="ID eq 7")


def test_stop_returns_promptly_while_a_handler_stalls() -> None:
    """stop() does not wait for a stalled handler to finish its sleep."""
    server = ODataServer([woonplaatsen_84489()]).start()
    server.add_fault("TypedDataSet", "stall", delay=30)
    with socket.create_connection(("127.0.0.1", int(server.host.split(":")[1]))) as sock:
        sock.sendall(b"GET /ODataFeed/odata/84489NED/TypedDataSet HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(100)  # the stall has begun once the headers arrive
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2


# --------------------------------------------------------------------------- latency / bandwidth


def test_latency_delays_each_response(server: ODataServer) -> None:
    """With latency set, a request takes at least that long."""
    server.latency = 0.3
    started = time.monotonic()
    cbsodata.get_info("84489NED", catalog_url=server.host)
    assert time.monotonic() - started >= 0.3


def test_bandwidth_caps_transfer_rate(server: ODataServer) -> None:
    """With bandwidth set, a body of N bytes takes at least about N / bandwidth seconds."""
    server.bandwidth = 200_000
    started = time.monotonic()
    cbsodata.get_meta("85984NED", "DataProperties", catalog_url=server.host)
    elapsed = time.monotonic() - started
    size = server.requests_to("DataProperties")[-1].bytes_sent
    assert size > 100_000
    assert elapsed >= 0.9 * size / 200_000


# --------------------------------------------------------------------------- fixtures themselves


def test_fixture_tables_have_the_documented_shape() -> None:
    """Row counts, padding widths and catalogs match the source files and SOURCES.md."""
    kwb, kwb24, population, health = kwb_2020(), kwb_2024(), population_03759(), health_50090()
    assert len(kwb.rows) == 356 and padded_key_width(kwb, "WijkenEnBuurten") == 10
    assert "Perioden" not in kwb.dimensions
    assert len(kwb24.rows) == 342 and kwb24.rows[0]["Gemeentenaam_1"].strip() == "Aa en Hunze"
    assert padded_key_width(population, "RegioS") == 6 and len(population.rows) == 2879
    assert padded_key_width(population, "Geslacht") == 7
    assert len(health.rows) == 2848 and health.catalog == "dataderden"
    types = {p["Key"]: p["Type"] for p in health.data_properties}
    assert types["WijkenEnBuurten"] == "GeoDimension"


def test_kwb_2020_data_properties_omit_inapplicable_nulls() -> None:
    """Topic groups carry no Datatype/Unit fields; topics keep theirs (as the API sends)."""
    by_type = {p["Type"]: p for p in kwb_2020().data_properties}
    assert "Datatype" not in by_type["TopicGroup"] and "MapYear" not in by_type["Topic"]
    assert by_type["GeoDetail"]["MapYear"] == 2020


def test_synthetic_districts_are_deterministic() -> None:
    """with_districts adds WK/BU rows with unique IDs, identical on every build."""
    first, second = kwb_2020(with_districts=500), kwb_2020(with_districts=500)
    assert first.rows == second.rows and len(first.rows) == 856
    extra = first.rows[356:]
    assert {r["WijkenEnBuurten"][:2] for r in extra} == {"WK", "BU"}
    assert len({r["ID"] for r in first.rows}) == 856
    assert len(first.dimensions["WijkenEnBuurten"]) == 856


def test_tables_are_independent_copies() -> None:
    """Mutating one built table does not leak into the next build."""
    table: FakeTable = kwb_2020()
    table.rows[0]["AantalInwoners_5"] = -1
    assert kwb_2020().rows[0]["AantalInwoners_5"] != -1
