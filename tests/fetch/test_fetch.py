"""`bwmonitor fetch` against a local CBS OData v3 server, with the real cbsodata client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bwmonitor.store.lock import store_lock
from bwmonitor.store.tables import TableDir
from tests.conftest import Project, fake_tables
from tests.odata_server import ODataServer


def stored(project: Project, table_id: str) -> tuple[dict[str, Any], pl.DataFrame]:
    store = TableDir(project.data_dir)
    meta = store.meta(table_id)
    assert meta is not None, f"{table_id} not stored"
    return meta.to_json(), store.frame(meta)


def store_bytes(project: Project) -> dict[str, bytes]:
    tables = project.data_dir / "tables"
    return {p.name: p.read_bytes() for p in sorted(tables.iterdir())} if tables.exists() else {}


def data_requests(server: ODataServer) -> list[str]:
    return [r.path for r in server.log if r.entity not in ("TableInfos",)]


def test_fetch_stores_exactly_the_servers_values_codes_trimmed(
    project: Project, cbs_server: ODataServer
) -> None:
    """03759ned: the requested measure for NL/PV/CR/GM in the filtered slice, unpadded."""
    code, _, err = project.run("fetch")
    assert code == 0, err
    _, frame = stored(project, "03759ned")
    expected = {
        (row["RegioS"].strip(), row["Perioden"].strip()): row["BevolkingOp1Januari_1"]
        for row in cbs_server.tables["03759ned"].rows
        if row["RegioS"].strip()[:2] in ("NL", "PV", "CR", "GM")
        and row["Geslacht"].strip() == "T001038"
        and "JJ" in row["Perioden"]
    }
    got = {
        (r["RegioS"], r["Perioden"]): r["BevolkingOp1Januari_1"]
        for r in frame.iter_rows(named=True)
    }
    assert got == expected
    assert set(frame.columns) == {
        "Geslacht",
        "Leeftijd",
        "BurgerlijkeStaat",
        "RegioS",
        "Perioden",
        "BevolkingOp1Januari_1",
    }
    assert frame["Geslacht"].unique().to_list() == ["T001038"]


def test_fetch_keeps_period_status_and_labels_in_the_sidecar(
    project: Project, cbs_server: ODataServer
) -> None:
    """Perioden.Status travels into the sidecar, with region names and measure units."""
    cbs_server.tables["03759ned"].dimensions["Perioden"][-1]["Status"] = "Voorlopig"
    assert project.run("fetch")[0] == 0
    sidecar, _ = stored(project, "03759ned")
    status = sidecar["dimensions"]["Perioden"]["status"]
    assert status["2026JJ00"] == "Voorlopig" and status["2019JJ00"] == "Definitief"
    assert sidecar["dimensions"]["RegioS"]["labels"]["GM0114"] == "Emmen"
    assert sidecar["measures"]["BevolkingOp1Januari_1"]["unit"] == "aantal"
    assert sidecar["modified"] == cbs_server.tables["03759ned"].table_infos["Modified"]
    assert all(url.startswith(cbs_server.base_url) for url in sidecar["urls"])


def test_padded_keys_are_used_in_eq_filters(project: Project, cbs_server: ODataServer) -> None:
    """The server only matches padded codes with `eq`; fetch still gets the filtered rows."""
    assert project.run("fetch")[0] == 0
    filters = [
        r.query.get("$filter", "") for r in cbs_server.requests_to("TypedDataSet", "03759ned")
    ]
    assert any("Geslacht eq 'T001038'" in f for f in filters)
    _, frame = stored(project, "03759ned")
    assert frame.height > 0


def test_kwb_table_without_periods_keeps_municipalities_and_country(
    project: Project, cbs_server: ODataServer
) -> None:
    """A KWB table (GeoDetail, no Perioden) with districts: only GM and NL rows are fetched."""
    cbs_server.tables = {t.table_id: t for t in fake_tables(with_districts=2000)}
    assert project.run("fetch")[0] == 0
    sidecar, frame = stored(project, "84799NED")
    assert "Perioden" not in frame.columns
    assert {code[:2] for code in frame["WijkenEnBuurten"].to_list()} == {"NL", "GM"}
    assert frame.height == 356
    assert sidecar["dimensions"]["WijkenEnBuurten"]["type"] == "GeoDetail"
    emmen = frame.filter(pl.col("WijkenEnBuurten") == "GM0114").row(0, named=True)
    assert emmen["AantalInwoners_5"] == 107048
    assert emmen["PersonenPerSoortUitkeringBijstand_83"] == 3600


def test_geodimension_with_another_name_than_regios(
    project: Project, cbs_server: ODataServer
) -> None:
    """50090NED's regions live in WijkenEnBuurten (a GeoDimension) next to Perioden."""
    assert project.run("fetch")[0] == 0
    sidecar, frame = stored(project, "50090NED")
    assert sidecar["catalog"] == "dataderden"
    assert set(frame["Leeftijd"].unique()) == {"20300"}
    emmen_2020 = frame.filter(
        (pl.col("WijkenEnBuurten") == "GM0114") & (pl.col("Perioden") == "2020JJ00")
    )
    assert emmen_2020.height == 1
    assert emmen_2020["ErvarenGezondheidGoedZeerGoed_4"][0] is not None


def test_series_measures_resolve_by_key_stem_per_year(
    project: Project, cbs_server: ODataServer
) -> None:
    """'AantalInwoners' becomes AantalInwoners_5 in each KWB year's table."""
    assert project.run("fetch")[0] == 0
    for table_id in ("84799NED", "85984NED"):
        sidecar, frame = stored(project, table_id)
        assert "AantalInwoners_5" in frame.columns
        assert sidecar["measures"]["AantalInwoners_5"]["requested"] == "AantalInwoners"


def test_paging_over_next_link_fetches_more_than_10000_rows(
    project: Project, cbs_server: ODataServer
) -> None:
    """With districts and neighbourhoods requested, the table pages over odata.nextLink."""
    cbs_server.tables = {t.table_id: t for t in fake_tables(with_districts=9700)}
    text = project.catalog.read_text().replace(
        'title = "Testmonitor"', 'title = "Testmonitor"\nregion_levels = ["NL", "GM", "WK", "BU"]'
    )
    project.catalog.write_text(text)
    assert project.run("fetch")[0] == 0
    _, frame = stored(project, "84799NED")
    server_rows = len(cbs_server.tables["84799NED"].rows)
    assert frame.height == server_rows > 10_000
    assert len(cbs_server.requests_to("TypedDataSet", "84799NED")) >= 2


def test_noop_rerun_makes_no_data_requests(project: Project, cbs_server: ODataServer) -> None:
    """Nothing changed at CBS: one small TableInfos request per table, nothing stored anew."""
    assert project.run("fetch")[0] == 0
    before = store_bytes(project)
    cbs_server.reset_log()
    code, _, err = project.run("fetch")
    assert code == 0, err
    assert data_requests(cbs_server) == []
    assert len(cbs_server.log) == 4  # one per table in the catalogue
    assert store_bytes(project) == before


def test_changed_table_is_refetched_whole_and_others_are_not(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS revised 03759ned: only that table is downloaded again, with the new value."""
    assert project.run("fetch")[0] == 0
    table = cbs_server.tables["03759ned"]
    table.table_infos["Modified"] = "2026-12-01T02:00:00"
    row = next(r for r in table.rows if r["RegioS"].strip() == "GM0114" and "2025" in r["Perioden"])
    row["BevolkingOp1Januari_1"] = 111111
    cbs_server.reset_log()
    assert project.run("fetch")[0] == 0
    assert {r.table_id for r in cbs_server.log if r.entity != "TableInfos"} == {"03759ned"}
    _, frame = stored(project, "03759ned")
    emmen = frame.filter((pl.col("RegioS") == "GM0114") & (pl.col("Perioden") == "2025JJ00"))
    assert emmen["BevolkingOp1Januari_1"].to_list() == [111111]


def test_force_refetches_unchanged_tables(project: Project, cbs_server: ODataServer) -> None:
    """--force downloads every table again."""
    assert project.run("fetch")[0] == 0
    cbs_server.reset_log()
    assert project.run("fetch", "--force")[0] == 0
    assert {r.table_id for r in cbs_server.requests_to("TypedDataSet")} == {
        "03759ned",
        "50090NED",
        "84799NED",
        "85984NED",
    }


def test_catalogue_change_refetches_even_when_cbs_did_not_change(
    project: Project, cbs_server: ODataServer
) -> None:
    """A measure added to the catalogue is fetched though CBS's Modified is the same."""
    assert project.run("fetch")[0] == 0
    text = project.catalog.read_text().replace(
        'measure = "ErvarenGezondheidGoedZeerGoed_4"', 'measure = "Eenzaam_28"'
    )
    project.catalog.write_text(text)
    assert project.run("fetch")[0] == 0
    _, frame = stored(project, "50090NED")
    assert "Eenzaam_28" in frame.columns


# ---------------------------------------------------------------- faults


def test_burst_of_503_is_retried_and_succeeds(project: Project, cbs_server: ODataServer) -> None:
    """Three 503s, then success: the run retries and exits 0."""
    cbs_server.add_fault("TypedDataSet", "status", status=503, times=3)
    code, _, err = project.run("fetch", BWMONITOR_CBS_ATTEMPTS="5")
    assert code == 0, err
    _, frame = stored(project, "03759ned")
    assert frame.height > 0


def test_persistent_503_exits_75_and_keeps_the_store(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS keeps failing: exit 75, one line naming the host, stored tables untouched."""
    assert project.run("fetch")[0] == 0
    before = store_bytes(project)
    cbs_server.add_fault("ODataFeed", "status", status=503, times=None)
    code, out, err = project.run("fetch", "--force", "--quiet")
    assert code == 75
    lines = err.strip().splitlines()
    assert len(lines) == 1 and cbs_server.host in lines[0] and "503" in lines[0]
    assert "Traceback" not in err and out == ""
    assert store_bytes(project) == before


@pytest.mark.parametrize("kind", ["truncate", "badjson", "reset"])
def test_broken_responses_are_retried(project: Project, cbs_server: ODataServer, kind: str) -> None:
    """A cut-off body, broken JSON or a reset connection once: retried, exit 0."""
    cbs_server.add_fault("TypedDataSet", kind, times=1)
    code, _, err = project.run("fetch")
    assert code == 0, err


@pytest.mark.parametrize("kind", ["truncate", "badjson", "reset"])
def test_persistently_broken_responses_exit_75(
    project: Project, cbs_server: ODataServer, kind: str
) -> None:
    """Always broken: exit 75 with one line, no traceback, no table half-stored."""
    cbs_server.add_fault("TypedDataSet", kind, times=None)
    code, _, err = project.run("fetch", "--quiet")
    assert code == 75, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (project.data_dir / "tables").exists() or not list(
        (project.data_dir / "tables").glob("*.json")
    )


@pytest.mark.parametrize("kind", ["stall", "hang"])
def test_stalled_read_is_bounded_by_the_timeout(
    project: Project, cbs_server: ODataServer, kind: str
) -> None:
    """A server that stops sending: each attempt ends at the read timeout; exit 75."""
    cbs_server.add_fault("TypedDataSet", kind, times=None, delay=30)
    code, _, err = project.run(
        "fetch", "--quiet", BWMONITOR_CBS_TIMEOUT="0.5", BWMONITOR_CBS_ATTEMPTS="2"
    )
    assert code == 75, err
    assert "read timeout" in err


def test_cbs_unreachable_exits_75_naming_the_host(project: Project) -> None:
    """No network (nothing listens): exit 75, one line, store untouched."""
    code, _, err = project.run("fetch", "--quiet", BWMONITOR_CBS_URL="http://127.0.0.1:9")
    assert code == 75
    assert err.count("\n") == 1 and "127.0.0.1:9" in err
    assert not (project.data_dir / "tables").exists()


def test_missing_measure_is_one_clear_error_with_a_suggestion(
    project: Project, cbs_server: ODataServer
) -> None:
    """A measure CBS dropped: exit 1 naming table and measure, the rest still stored."""
    text = project.catalog.read_text().replace(
        'measure = "BevolkingOp1Januari_1"', 'measure = "BevolkingOp1Januari_9"'
    )
    text = text.replace(
        "[indicators.gezondheid]",
        '[indicators.extra]\ntitle = "x"\ntheme = "t"\nbetter = "neutral"\nsource = "bevolking"\n'
        'measure = "GemiddeldeBevolking_2"\n'
        'filters = { Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }\n'
        'aggregate = "sum"\n\n[indicators.gezondheid]',
    )
    project.catalog.write_text(text)
    code, _, err = project.run("fetch", "--quiet")
    assert code == 1
    assert err.strip() == (
        "error: CBS table 03759ned has no measure 'BevolkingOp1Januari_9'; did you mean "
        "'BevolkingOp1Januari_1'? (CBS may have renamed or dropped it; fix indicators.toml)"
    )
    _, frame = stored(project, "03759ned")
    assert "GemiddeldeBevolking_2" in frame.columns
    # the problem is reported again on the next (no-op) run, so cron keeps mailing it
    assert project.run("fetch", "--quiet")[0] == 1


def test_failing_disk_write_keeps_previous_version(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Disk full while storing: exit 1 with one line per table, old files intact."""
    import errno
    import os

    assert project.run("fetch")[0] == 0
    before = store_bytes(project)
    real_replace = os.replace

    def full_disk(src: Any, dst: Any) -> None:
        if str(dst).endswith(".json") and "tables" in str(dst):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    code, _, err = project.run("fetch", "--force", "--quiet")
    monkeypatch.undo()
    assert code == 1
    assert "No space left on device" in err and "Traceback" not in err
    after = store_bytes(project)
    for name, content in before.items():
        assert after[name] == content
    assert not [n for n in after if n.startswith(".")]


def test_second_run_while_one_holds_the_lock_exits_75(project: Project) -> None:
    """Two cron runs at once: the second says so and exits 75 without touching CBS."""
    with store_lock(project.data_dir):
        code, _, err = project.run("fetch", "--quiet")
    assert code == 75
    assert "another bwmonitor run" in err


def test_invalid_catalogue_is_refused_before_any_request(
    project: Project, cbs_server: ODataServer
) -> None:
    """A typo in indicators.toml: exit 2, every problem listed, CBS not contacted."""
    project.catalog.write_text(project.catalog.read_text().replace("better =", "beter =", 2))
    code, _, err = project.run("fetch")
    assert code == 2
    assert "2 problems" in err and "did you mean 'better'?" in err
    assert cbs_server.log == []


def test_sidecar_is_valid_json_with_provenance(project: Project) -> None:
    """Each table's sidecar records what was asked and what it cost."""
    assert project.run("fetch")[0] == 0
    raw = json.loads((project.data_dir / "tables" / "84799NED.json").read_text())
    for key in (
        "table_id",
        "title",
        "modified",
        "fetched_at",
        "urls",
        "rows",
        "request",
        "dimensions",
        "measures",
        "data_file",
    ):
        assert key in raw
    assert Path(project.data_dir / "tables" / raw["data_file"]).is_file()
