"""The OData v4 road beside v3 (issue 13): the same stored table whichever road brought
it, the fallback of `auto`, and Modified compared as one instant. Against the local CBS
server, which serves v3 from the real-data fixtures and v4 from real v4 captures."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.modified import modified_utc, same_modified
from bwmonitor.core.settings import DEFAULT_CBS_V4_URL
from bwmonitor.fetch.roads import V3_FAILURES_BEFORE_SWITCH, RoadChooser
from tests.conftest import BOTH_ROADS_CATALOG, POPULATION_CATALOG, fake_tables
from tests.fixtures_cbs_v4 import all_v4_tables
from tests.odata_server import V3_PATH_MARK, V4_PATH_MARK, ODataServer

DATA = Path(__file__).resolve().parents[2] / "data"


@dataclass
class Roads:
    """A user's folder with the catalogue above, against a server with both roads."""

    root: Path
    server: ODataServer
    env: dict[str, str]

    def on_both_roads(self) -> None:
        """The catalogue of the one table with a v3 and a v4 form (03759ned)."""
        Path(self.env["BWMONITOR_CATALOG"]).write_text(POPULATION_CATALOG, encoding="utf-8")

    def run(self, *args: str, store: str = "store", **env: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(
            app,
            list(args),
            env={**self.env, "BWMONITOR_DATA_DIR": str(self.root / store), **env},
            catch_exceptions=False,
        )
        return result.exit_code, result.stdout, result.stderr

    def sidecar(self, table_id: str, store: str = "store") -> dict[str, Any]:
        path = self.root / store / "tables" / f"{table_id}.json"
        return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]

    def frame(self, table_id: str, store: str = "store") -> pl.DataFrame:
        data_file = self.sidecar(table_id, store)["data_file"]
        return pl.read_parquet(self.root / store / "tables" / data_file)


@pytest.fixture
def roads(tmp_path: Path) -> Iterator[Roads]:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(BOTH_ROADS_CATALOG, encoding="utf-8")
    with ODataServer(fake_tables(), v4_tables=all_v4_tables()) as server:
        env = {
            "BWMONITOR_CATALOG": str(catalog),
            "BWMONITOR_CBS_URL": server.base_url,
            "BWMONITOR_CBS_TIMEOUT": "2",
            "BWMONITOR_CBS_ATTEMPTS": "2",
            "BWMONITOR_CBS_BACKOFF": "0.01",
        }
        yield Roads(tmp_path, server, env)


def v3_down(server: ODataServer) -> None:
    server.add_fault(V3_PATH_MARK, "status", times=None, status=503)


def population(frame: pl.DataFrame) -> pl.DataFrame:
    """The values v3 and v4 both hold, comparable whatever the column and row order."""
    return (
        frame.select("RegioS", "Perioden", "BevolkingOp1Januari_1")
        .drop_nulls("BevolkingOp1Januari_1")
        .sort("RegioS", "Perioden")
    )


def test_v4_fetch_stores_the_table_as_v3_does(roads: Roads) -> None:
    """`--cbs-api v4`: the table has v3's columns and dtypes, its values and statuses,
    with the road in the sidecar. The v3 form of 03759ned in these tests was made from
    the same v4 capture, so this comparison alone proves the shape, not the figures:
    test_v4_reproduces_an_independently_known_figure does that."""
    roads.on_both_roads()
    assert roads.run("fetch", "--cbs-api", "v3", store="v3")[0] == 0
    code, _, err = roads.run("fetch", "--cbs-api", "v4", store="v4", BWMONITOR_CBS_API="v3")
    assert code == 0, err  # the option wins over the environment
    v3, v4 = roads.frame("03759ned", "v3"), roads.frame("03759ned", "v4")
    assert sorted(v4.columns) == sorted(v3.columns)
    assert v4.select(sorted(v4.columns)).schema == v3.select(sorted(v3.columns)).schema
    assert population(v4).equals(population(v3))
    side3, side4 = roads.sidecar("03759ned", "v3"), roads.sidecar("03759ned", "v4")
    assert (side3["road"], side4["road"]) == ("v3", "v4")
    assert side4["measures"]["BevolkingOp1Januari_1"]["v4"] == "M000352"
    status3 = side3["dimensions"]["Perioden"]["status"]
    status4 = side4["dimensions"]["Perioden"]["status"]
    assert {p: s for p, s in status4.items() if p in status3} == status3
    assert same_modified(side3["modified"], side4["modified"])


def test_v4_reproduces_an_independently_known_figure(roads: Roads) -> None:
    """Emmen (GM0114) had 109,346 inhabitants on 1 January 2024: the v4 road's 03759ned
    says so, and so does CBS's "Gebieden in Nederland" 2024, a different table fetched
    from v4 by another project (data/SOURCES.md)."""
    assert roads.run("fetch", "--cbs-api", "v4")[0] == 0
    stored = roads.frame("03759ned").filter(
        (pl.col("RegioS") == "GM0114") & (pl.col("Perioden") == "2024JJ00")
    )
    gebieden = pl.read_parquet(DATA / "cbs" / "gebieden_in_nederland_2024.parquet")
    codes = pl.read_parquet(DATA / "cbs" / "gebieden_in_nederland_measurecodes.parquet")
    [inhabitants] = codes.filter(pl.col("Title").str.strip_chars() == "Inwonertal")[
        "Identifier"
    ].to_list()
    emmen = gebieden.filter(
        (pl.col("Measure") == inhabitants) & (pl.col("RegioS").str.strip_chars() == "GM0114")
    )
    assert stored["BevolkingOp1Januari_1"].to_list() == [109_346]
    assert [float(v) for v in emmen["Value"].to_list()] == [109_346]


def test_a_v4_only_measure_and_why_values_are_missing(roads: Roads) -> None:
    """A table known only in v4 form is named by its v4 identifier; a left-out cell
    becomes a null row, as v3 would give it; ValueAttribute says why a value is missing."""
    table = roads.server.v4_tables["83625NED"]
    dropped = next(
        o
        for o in table.observations
        if o["RegioS"] == "GM0114" and o["Perioden"] == "2020JJ00" and o["Value"] is not None
    )
    table.observations.remove(dropped)
    assert roads.run("fetch", "--cbs-api", "v4")[0] == 0
    frame = roads.frame("83625NED")
    emmen = frame.filter(pl.col("RegioS") == "GM0114").sort("Perioden")
    assert "M001534" in frame.columns
    assert emmen.filter(pl.col("Perioden") == "2020JJ00")["M001534"].to_list() == [None]
    assert emmen.filter(pl.col("Perioden") == "2021JJ00")["M001534"].to_list()[0] > 100_000
    attributes = roads.sidecar("83625NED")["value_attributes"]["M001534"]
    assert set(attributes.values()) == {"Impossible"}
    assert all(cell.startswith("RegioS=") and ";Perioden=" in cell for cell in attributes)


def test_only_the_catalogues_measures_and_regions_move_and_pages_are_followed(
    roads: Roads,
) -> None:
    """Filters go to the server ($filter on Measure, regions, periods); with a small
    page size the observations come in pages, and the stored table is the same."""
    roads.on_both_roads()
    assert roads.run("fetch", "--cbs-api", "v4", store="one-page")[0] == 0
    [request] = roads.server.requests_to("Observations", "03759ned")
    assert "Measure eq 'M000352'" in request.query.get("$filter", "")
    assert "startswith(RegioS,'GM')" in request.query["$filter"]
    roads.server.page_size = 2500
    roads.server.reset_log()
    assert roads.run("fetch", "--cbs-api", "v4", store="paged")[0] == 0
    assert len(roads.server.requests_to("Observations", "03759ned")) == 3  # 6,784 records
    assert roads.frame("03759ned", "paged").equals(roads.frame("03759ned", "one-page"))


def test_auto_falls_back_to_v4_when_v3_is_down_and_says_so(roads: Roads) -> None:
    v3_down(roads.server)
    code, _, err = roads.run("fetch")
    assert code == 0, err
    assert "03759ned: v3 failed" in err and "fetched through v4" in err
    assert "via v4 2" in err
    assert roads.sidecar("03759ned")["road"] == "v4"


def test_auto_tries_v4_for_a_table_v3_does_not_know(roads: Roads) -> None:
    """A 404 on v3 is a v3 failure: v4 is asked at once."""
    roads.on_both_roads()
    del roads.server.tables["03759ned"]
    code, _, err = roads.run("fetch")
    assert code == 0, err
    assert "03759ned: v3 failed (CBS table 03759ned not found" in err
    assert roads.sidecar("03759ned")["road"] == "v4"


def test_auto_takes_v4_for_a_table_named_by_v4_identifiers(roads: Roads) -> None:
    """83625NED is named by M001534, which v3 cannot ask for: v4 at once, no v3 request."""
    code, _, err = roads.run("fetch")
    assert code == 0, err
    assert (roads.sidecar("03759ned")["road"], roads.sidecar("83625NED")["road"]) == ("v3", "v4")
    assert not [r for r in roads.server.log if r.table_id == "83625NED" and "/OData" in r.path]


def test_after_two_v3_failures_the_rest_of_the_run_takes_v4() -> None:
    class Road:
        def __init__(self, name: str) -> None:
            self.name = name

        def serves(self, request: Any) -> bool:
            return request.catalog == "opendata"

    chooser = RoadChooser("auto", Road("v3"), Road("v4"))  # type: ignore[arg-type]

    @dataclass
    class Request:
        catalog: str
        measures: tuple[str, ...] = ("BevolkingOp1Januari_1",)

    cbs, third_party = Request("opendata"), Request("dataderden")
    assert [r.name for r in chooser.roads(cbs)] == ["v3", "v4"]  # type: ignore[arg-type]
    for _ in range(V3_FAILURES_BEFORE_SWITCH):
        chooser.v3_failed()
    assert [r.name for r in chooser.roads(cbs)] == ["v4"]  # type: ignore[arg-type]
    assert [r.name for r in chooser.roads(third_party)] == ["v3"]  # type: ignore[arg-type]
    only_v3 = RoadChooser("v3", Road("v3"), Road("v4"))  # type: ignore[arg-type]
    assert [r.name for r in only_v3.roads(cbs)] == ["v3"]  # type: ignore[arg-type]


def test_both_roads_down_exits_75_within_the_deadline_and_changes_nothing(roads: Roads) -> None:
    assert roads.run("fetch")[0] == 0
    tables = roads.root / "store" / "tables"
    before = {p.name: p.read_bytes() for p in tables.iterdir()}
    v3_down(roads.server)
    roads.server.add_fault(V4_PATH_MARK, "hang", times=None, delay=30)
    started = time.monotonic()
    code, _, err = roads.run(
        "fetch",
        "--force",
        "--deadline",
        "3",
        BWMONITOR_CBS_ATTEMPTS="10",
        BWMONITOR_CBS_TIMEOUT="30",
    )
    elapsed = time.monotonic() - started
    assert code == 75, err
    assert elapsed < 3 + 2.5
    assert {p.name: p.read_bytes() for p in tables.iterdir()} == before


def test_switching_roads_is_no_change_but_a_new_modified_is(roads: Roads) -> None:
    """v3 then v4 with nothing new at CBS: the v4 run downloads nothing (Modified names
    the same moment on both roads); a later Modified on v4 is downloaded."""
    roads.on_both_roads()
    assert roads.run("fetch", "--cbs-api", "v3")[0] == 0
    roads.server.reset_log()
    code, _, err = roads.run("fetch", "--cbs-api", "v4")
    assert code == 0, err
    assert roads.server.requests_to("Observations", "03759ned") == []
    assert "1 unchanged" in err
    roads.server.v4_tables["03759ned"].properties["Modified"] = "2026-06-24T00:00:00+02:00"
    assert roads.run("fetch", "--cbs-api", "v4")[0] == 0
    assert len(roads.server.requests_to("Observations", "03759ned")) == 1
    assert roads.sidecar("03759ned")["road"] == "v4"


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("2026-06-23T00:00:00+02:00", "2026-06-23T02:00:00", True),  # summer time
        ("2021-03-26T00:00:00+01:00", "2021-03-26T02:00:00", True),  # winter time
        ("2026-06-24T00:00:00+02:00", "2026-06-23T02:00:00", False),
        ("2026-06-23T02:00:00", "2026-06-23T02:00:00", True),
    ],
)
def test_modified_is_compared_as_one_instant(one: str, other: str, same: bool) -> None:
    assert same_modified(one, other) is same
    assert modified_utc("2026-06-23T00:00:00+02:00") == "2026-06-22T22:00:00Z"


def test_catalog_check_online_on_the_v4_road(roads: Roads) -> None:
    code, out, err = roads.run("catalog", "check", "--online", "--cbs-api", "v4")
    assert code == 0, out + err
    assert "verified against CBS: 2 tables" in out
    v3_down(roads.server)
    code, out, err = roads.run("catalog", "check", "--online")
    assert code == 0, out + err
    roads.server.add_fault(V4_PATH_MARK, "status", times=None, status=503)
    assert roads.run("catalog", "check", "--online")[0] == 75


def test_tables_shows_the_road(roads: Roads) -> None:
    assert roads.run("fetch", "--cbs-api", "v4")[0] == 0
    code, out, _ = roads.run("tables", COLUMNS="200")
    assert code == 0
    assert "via OData v4" in out


def workbook_cells(folder: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cells (value and number format), as a reader sees them."""
    import openpyxl

    book = openpyxl.load_workbook(folder / "monitor-brede-welvaart.xlsx")
    return {
        sheet.title: [tuple((c.value, c.number_format) for c in row) for row in sheet.iter_rows()]
        for sheet in book.worksheets
    }


def test_update_with_v3_down_exports_through_v4_the_same_workbook(roads: Roads) -> None:
    """A night with v3 down: update exports, its log says v4, and the workbook is the one
    a v3 night writes, cell for cell, but for the sources sheet's origin (road and
    fetch time). The change reports are each night's own."""
    roads.on_both_roads()
    for night, env in (("v3", {}), ("v4", {"BWMONITOR_CBS_API": "auto"})):
        if night == "v4":
            v3_down(roads.server)
        log = roads.root / f"{night}.log"
        code, _, err = roads.run(
            "update", "--no-charts", "--quiet", "--out", str(roads.root / f"out-{night}"),
            "--log-file", str(log), store=night, **env,
        )  # fmt: skip
        assert code == 0, err
    assert "fetch 03759ned updated via v4" in (roads.root / "v4.log").read_text("utf-8")
    assert "fetch 03759ned updated via v3" in (roads.root / "v3.log").read_text("utf-8")
    v3_book = workbook_cells(roads.root / "out-v3" / "latest")
    v4_book = workbook_cells(roads.root / "out-v4" / "latest")
    assert v3_book.keys() == v4_book.keys()
    for sheet in v3_book:
        if sheet != "Bronnen":
            assert v4_book[sheet] == v3_book[sheet], sheet
    header = [value for value, _ in v3_book["Bronnen"][0]]
    # the road's own: when and through which API it was fetched, and its address
    own = {header.index("Opgehaald / stand"), header.index("Adres")}
    for row3, row4 in zip(v3_book["Bronnen"], v4_book["Bronnen"], strict=True):
        assert [c for i, c in enumerate(row3) if i not in own] == [
            c for i, c in enumerate(row4) if i not in own
        ]
    [row] = v4_book["Bronnen"][1:]
    assert "via OData v4" in row[header.index("Opgehaald / stand")][0]
    # the address a reader opens (never asked by the tests), not the local server's
    assert row[header.index("Adres")][0] == f"{DEFAULT_CBS_V4_URL}/03759ned"


def test_v4_retries_a_reset_a_cut_off_body_and_a_503(roads: Roads) -> None:
    for kind in ("reset", "truncate", "status"):
        roads.server.add_fault("/03759ned/Observations", kind, times=1, status=503)
    code, _, err = roads.run("fetch", "--cbs-api", "v4", BWMONITOR_CBS_ATTEMPTS="4")
    assert code == 0, err
    assert roads.frame("03759ned").filter(pl.col("RegioS") == "GM0114").height > 0


def test_the_v4_address_is_a_setting_for_the_day_cbs_moves_it(roads: Roads) -> None:
    roads.server.v4_path = "/odata/v2/CBS"
    code, _, err = roads.run("fetch", "--cbs-api", "v4")
    assert code == 2 and "not found" in err  # the old path is gone
    moved = f"{roads.server.base_url}/odata/v2/CBS"
    code, _, err = roads.run("fetch", "--cbs-api", "v4", BWMONITOR_CBS_V4_URL=moved)
    assert code == 0, err
    assert roads.sidecar("03759ned")["base_url"] == moved
    code, _, err = roads.run("fetch", BWMONITOR_CBS_V4_URL="no-scheme/odata")
    assert code == 2 and "BWMONITOR_CBS_V4_URL" in err
