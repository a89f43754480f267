"""Issue 10, point 10: an unknown CBS table is a clear error; `catalog check` notices and
`--online`; one table that fails for good does not stop `update` from exporting."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from tests.conftest import FETCH_CATALOG, Project
from tests.odata_server import ODataServer

UNKNOWN_TABLE = """
[sources.weg]
table = "99999NED"

[indicators.weg]
title = "Verdwenen tabel"
theme = "t"
better = "neutral"
source = "weg"
measure = "Iets_1"
aggregate = "sum"
"""
EMMEN_2025 = 109_678  # BevolkingOp1Januari_1, 03759ned, GM0114, 2025JJ00 (real CBS figure)
MODIFIED_03759 = "2026-06-23T02:00:00"  # 03759ned's Modified in the fixtures
REVISED = "2026-12-01T02:00:00"


def with_unknown_table(project: Project) -> None:
    project.catalog.write_text(FETCH_CATALOG + UNKNOWN_TABLE, encoding="utf-8")


def edit_catalog(project: Project, old: str, new: str) -> None:
    text = project.catalog.read_text("utf-8")
    assert old in text
    project.catalog.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_update(project: Project, *args: str) -> tuple[int, str, str]:
    out = project.root / "export"
    log = project.root / "update.log"
    return project.run(
        "update", "--out", str(out), "--log-file", str(log), "--no-charts", "--quiet", *args
    )


def export_folders(project: Project) -> list[str]:
    root = project.root / "export"
    return sorted(p.name for p in root.iterdir() if p.name[:1].isdigit()) if root.exists() else []


def latest(project: Project) -> Path:
    return (project.root / "export" / "latest").resolve()


def latest_report(project: Project) -> dict[str, Any]:
    return json.loads((latest(project) / "wijzigingen.json").read_text("utf-8"))  # type: ignore[no-any-return]


def sources_sheet(project: Project) -> dict[str, dict[str, Any]]:
    """The Bronnen sheet read back: table id -> {header: cell value}."""
    workbook = openpyxl.load_workbook(latest(project) / "monitor-brede-welvaart.xlsx")
    rows = list(workbook["Bronnen"].iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return {str(r[0]): dict(zip(header, r, strict=False)) for r in rows[1:]}


def data_value(project: Project, indicator: str, region: str, year: int) -> Any:
    workbook = openpyxl.load_workbook(latest(project) / "monitor-brede-welvaart.xlsx")
    rows = list(workbook["Gegevens"].iter_rows(values_only=True))
    header = list(rows[0])
    at = {name: header.index(name) for name in ("indicator", "regio", "jaar", "waarde")}
    for row in rows[1:]:
        if (row[at["indicator"]], row[at["regio"]], row[at["jaar"]]) == (indicator, region, year):
            return row[at["waarde"]]
    raise AssertionError(f"no row for {indicator} {region} {year}")


def drop_measure(server: ODataServer, table_id: str, key: str) -> None:
    """CBS renames a measure (key -> key with another number) and marks the table modified."""
    table = server.tables[table_id]
    table.table_infos["Modified"] = REVISED
    renamed = key.rsplit("_", 1)[0] + "_9"
    for prop in table.data_properties:
        if prop["Key"] == key:
            prop["Key"] = renamed
    for row in table.rows:
        row[renamed] = row.pop(key)


# --------------------------------------------------------------------------- fetch


def test_fetch_of_an_unknown_table_exits_2_with_cbs_own_text(project: Project) -> None:
    """A table id CBS does not know: exit 2, its id and catalogue, and CBS's own words."""
    with_unknown_table(project)
    code, _, err = project.run("fetch", "--quiet")
    assert code == 2, err
    assert "CBS table 99999NED not found in the opendata catalogue" in err
    assert "Tabel '99999NED' is niet gevonden" in err
    assert "HTTP 0" not in err and "Traceback" not in err
    assert err.count("error:") == 1
    assert (project.data_dir / "tables" / "03759ned.json").is_file()  # the others are stored


# --------------------------------------------------------------------------- catalog check


def test_catalog_check_lists_an_unverifiable_table_as_a_notice_not_a_warning(
    project: Project,
) -> None:
    """A table neither fetched nor in the snapshot: 'notice:', and still zero warnings."""
    with_unknown_table(project)
    code, out, err = project.run("catalog", "check")
    assert code == 0, err
    assert "0 warnings" in out
    assert "warning:" not in out + err
    [notice] = [line for line in out.splitlines() if "notice:" in line]
    assert "99999NED" in notice and "--online" in notice


def test_catalog_check_online_verifies_every_table_and_measure(
    project: Project, cbs_server: ODataServer
) -> None:
    """Against the (local) CBS: exit 0, saying how many tables and measures it verified;
    every table's metadata was asked of the server, nothing was stored. 6 measures: two
    per KWB year, one each in 03759ned and 50090NED."""
    code, out, err = project.run("catalog", "check", "--online")
    assert code == 0, err
    assert "verified against CBS: 4 tables, 6 measures" in out
    assert {r.table_id for r in cbs_server.requests_to("DataProperties")} == {
        "03759ned",
        "50090NED",
        "84799NED",
        "85984NED",
    }
    assert not cbs_server.requests_to("TypedDataSet")
    assert not project.data_dir.exists()


def test_catalog_check_online_unknown_table_exits_2_naming_it(project: Project) -> None:
    """A table CBS does not have: exit 2 and one line with its source and CBS's text."""
    with_unknown_table(project)
    code, _, err = project.run("catalog", "check", "--online")
    assert code == 2
    [line] = [line for line in err.splitlines() if "99999NED" in line]
    assert line.strip().startswith("sources.weg: CBS table 99999NED not found in the opendata")
    assert "Tabel '99999NED' is niet gevonden" in line


def test_catalog_check_online_unknown_measure_exits_2_with_a_suggestion(
    project: Project,
) -> None:
    """A measure key the live table lacks (the store and snapshot are not asked)."""
    edit_catalog(project, '"BevolkingOp1Januari_1"', '"BevolkingOp1Januar_1"')
    code, _, err = project.run("catalog", "check", "--online")
    assert code == 2
    assert (
        "indicators.inwoners: CBS table 03759ned has no measure 'BevolkingOp1Januar_1'; "
        "did you mean 'BevolkingOp1Januari_1'?"
    ) in err
    assert err.count("\n  ") == 1  # one line for the one problem


def test_catalog_check_online_unknown_filter_code_exits_2(project: Project) -> None:
    """A dimension code the live table lacks is a problem, with a suggestion."""
    edit_catalog(project, 'Leeftijd = "10000"', 'Leeftijd = "10001"')
    code, _, err = project.run("catalog", "check", "--online")
    assert code == 2
    assert "03759ned has no code '10001' in dimension Leeftijd; did you mean '10000'?" in err


def test_catalog_check_online_exits_75_when_cbs_cannot_be_reached(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS down (after the configured retries): exit 75, one line, not 'invalid'."""
    cbs_server.add_fault("TableInfos", "status", status=503, times=None)
    code, out, err = project.run("catalog", "check", "--online")
    assert code == 75
    assert out == "" and err.count("\n") == 1 and "503" in err


# --------------------------------------------------------------------------- update


def test_update_exports_the_other_tables_when_one_is_unknown_at_cbs(project: Project) -> None:
    """One table CBS does not have: the others are exported fresh, the unknown one is
    listed as stale in the report and on the sources sheet, and the run exits 1 with one
    line saying so."""
    with_unknown_table(project)
    code, out, err = run_update(project)
    assert code == 1 and out == ""
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    assert "99999NED" in line and "not found in the opendata catalogue" in line
    assert "last good version" in line
    assert len(export_folders(project)) == 1
    report = latest_report(project)
    assert [s["table_id"] for s in report["stale"]] == ["99999NED"]
    assert "not found" in report["stale"][0]["reason"]
    assert data_value(project, "inwoners", "GM0114", 2025) == EMMEN_2025
    assert "verouderd" in sources_sheet(project)["99999NED"]["Opmerking"]


def test_update_keeps_the_last_good_version_of_a_table_that_lost_a_measure(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS renamed a catalogue measure; another table changed. update exports: the renamed
    table's figures are those of the last export, marked stale with its CBS date."""
    assert run_update(project)[0] == 0
    drop_measure(cbs_server, "03759ned", "BevolkingOp1Januari_1")
    cbs_server.tables["50090NED"].table_infos["Modified"] = REVISED
    code, _, err = run_update(project)
    assert code == 1
    assert "03759ned has no measure 'BevolkingOp1Januari_1'" in err
    assert "last good version" in err
    assert len(export_folders(project)) == 2
    report = latest_report(project)
    [stale] = report["stale"]
    assert (stale["table_id"], stale["modified"]) == ("03759ned", MODIFIED_03759)
    assert [t["table_id"] for t in report["tables"]] == ["50090NED"]
    assert data_value(project, "inwoners", "GM0114", 2025) == EMMEN_2025
    markdown = (latest(project) / "wijzigingen.md").read_text("utf-8")
    assert "Verouderde tabellen" in markdown and "03759ned" in markdown
    note = sources_sheet(project)["03759ned"]["Opmerking"]
    assert note.startswith("verouderd sinds")
    assert sources_sheet(project)["50090NED"]["Opmerking"] in (None, "")


def test_a_lasting_failure_does_not_export_again_every_run(
    project: Project, cbs_server: ODataServer
) -> None:
    """The next run with the same broken table and nothing else new: nothing exported,
    but still exit 1 so cron keeps mailing."""
    assert run_update(project)[0] == 0
    drop_measure(cbs_server, "03759ned", "BevolkingOp1Januari_1")
    cbs_server.tables["50090NED"].table_infos["Modified"] = REVISED
    assert run_update(project)[0] == 1
    folders = export_folders(project)
    code, _, err = run_update(project)
    assert code == 1 and "03759ned" in err and "last good version" in err
    assert export_folders(project) == folders


def test_a_temporary_failure_next_to_a_lasting_one_exports_nothing_and_exits_75(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS down for one table and another unknown: no export at all, exit 75 (retry)."""
    assert run_update(project)[0] == 0
    folders = export_folders(project)
    with_unknown_table(project)
    cbs_server.tables["50090NED"].table_infos["Modified"] = REVISED
    cbs_server.add_fault("50090NED/TypedDataSet", "status", status=503, times=None)
    code, _, err = run_update(project)
    assert code == 75
    assert "99999NED" in err and "50090NED" in err and "nothing exported" in err
    assert export_folders(project) == folders
