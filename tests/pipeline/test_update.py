"""`bwmonitor update` end to end, against the local CBS OData v3 server."""

from __future__ import annotations

import errno
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bwmonitor.core.settings import resolve
from bwmonitor.pipeline.results import UpdateResult
from bwmonitor.pipeline.runlog import RunLog, new_run_id
from bwmonitor.pipeline.update import ExportSettings, update
from bwmonitor.store import baseline
from bwmonitor.store.lock import store_lock
from tests.conftest import Project
from tests.odata_server import ODataServer

EMMEN_2025 = 109_678  # BevolkingOp1Januari_1, 03759ned, GM0114, 2025JJ00 (real CBS figure)
REVISED = "2026-12-01T02:00:00"


def run_update(project: Project, *args: str, **env: str) -> tuple[int, str, str]:
    out = project.root / "export"
    log = project.root / "update.log"
    return project.run(
        "update", "--out", str(out), "--log-file", str(log), "--no-charts", *args, **env
    )


def export_root(project: Project) -> Path:
    return project.root / "export"


def tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under folder (links followed) with its mtime and bytes."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def revise_emmen(server: ODataServer, value: int) -> None:
    """CBS revises Emmen's population on 1 January 2025 and marks the table modified."""
    table = server.tables["03759ned"]
    table.table_infos["Modified"] = REVISED
    row = next(r for r in table.rows if r["RegioS"].strip() == "GM0114" and "2025" in r["Perioden"])
    row["BevolkingOp1Januari_1"] = value


def latest_report(project: Project) -> dict[str, Any]:
    path = export_root(project) / "latest" / "wijzigingen.json"
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


def test_first_run_exports_and_points_latest_at_it(project: Project) -> None:
    code, out, err = run_update(project)
    assert code == 0, err
    assert out == ""
    today = export_root(project) / date.today().isoformat()
    latest = export_root(project) / "latest"
    assert latest.is_symlink() and latest.resolve() == today.resolve()
    assert (today / "monitor-brede-welvaart.xlsx").is_file()
    report = latest_report(project)
    assert report["reason"] == "first" and report["previous_export"] is None
    assert {t["table_id"]: t["modified_before"] for t in report["tables"]} == {
        "03759ned": "",
        "50090NED": "",
        "84799NED": "",
        "85984NED": "",
    }
    assert "eerste export" in (today / "wijzigingen.md").read_text("utf-8")
    assert f"{today}" in err and "change report" in err


def test_second_run_with_nothing_changed_is_silent_and_exports_nothing(
    project: Project, cbs_server: ODataServer
) -> None:
    assert run_update(project, "--quiet")[0] == 0
    before = tree(export_root(project))
    cbs_server.reset_log()
    code, out, err = run_update(project, "--quiet")
    assert (code, out, err) == (0, "", "")
    assert tree(export_root(project)) == before
    assert {r.entity for r in cbs_server.log} == {"TableInfos"}
    log = (project.root / "update.log").read_text("utf-8")
    assert "no changes since the last export; nothing exported" in log


def test_revision_at_cbs_is_reported_exactly(project: Project, cbs_server: ODataServer) -> None:
    """The server revises one figure: the report lists it (and the COROP total bwmonitor
    computes from it), old -> new, and nothing else."""
    assert run_update(project, "--quiet")[0] == 0
    revise_emmen(cbs_server, 111_111)
    code, out, err = run_update(project, "--quiet")
    assert (code, out, err) == (0, "", "")
    report = latest_report(project)
    assert report["reason"] == "changed"
    assert [(t["table_id"], t["modified_after"]) for t in report["tables"]] == [
        ("03759ned", REVISED)
    ]
    assert report["tables"][0]["modified_before"] == "2026-06-23T02:00:00"
    revisions = {(r["indicator"], r["region"], r["period"]): r for r in report["revisions"]}
    assert set(revisions) == {("inwoners", "GM0114", "2025JJ00"), ("inwoners", "CR08", "2025JJ00")}
    emmen = revisions["inwoners", "GM0114", "2025JJ00"]
    assert (emmen["old"], emmen["new"], emmen["computed"]) == (EMMEN_2025, 111_111, False)
    corop = revisions["inwoners", "CR08", "2025JJ00"]
    assert corop["computed"] and corop["new"] - corop["old"] == 111_111 - EMMEN_2025
    assert report["new_periods"] == {}
    markdown = (export_root(project) / "latest" / "wijzigingen.md").read_text("utf-8")
    assert "| Emmen | 2025 | 109.678 | 111.111 |" in markdown
    history = sorted((export_root(project) / "wijzigingen").glob("*.md"))
    assert len(history) == 2  # the first export's report and this one
    # the morning's export stays; the second of the day goes next to it
    today = date.today().isoformat()
    assert report["export_folder"].endswith(f"{today}-2")
    assert report["previous_export"]["folder"].endswith(today)
    assert (export_root(project) / "latest").resolve().name == f"{today}-2"
    assert (export_root(project) / today / "wijzigingen.json").is_file()


def test_report_covers_everything_since_the_last_export_even_after_a_manual_fetch(
    project: Project, cbs_server: ODataServer
) -> None:
    """A `bwmonitor fetch` between two updates does not swallow the revision."""
    assert run_update(project, "--quiet")[0] == 0
    revise_emmen(cbs_server, 111_111)
    assert project.run("fetch", "--quiet")[0] == 0
    assert run_update(project, "--quiet")[0] == 0
    report = latest_report(project)
    assert ("inwoners", "GM0114", "2025JJ00") in {
        (r["indicator"], r["region"], r["period"]) for r in report["revisions"]
    }


def test_new_period_and_provisional_to_definitive(
    project: Project, cbs_server: ODataServer
) -> None:
    table = cbs_server.tables["03759ned"]
    periods = table.dimensions["Perioden"]
    newest = periods.pop()  # CBS has not published 2026 yet ...
    rows_2026 = [r for r in table.rows if r["Perioden"].strip() == newest["Key"].strip()]
    table.rows = [r for r in table.rows if r not in rows_2026]
    periods[-1]["Status"] = "Voorlopig"  # ... and 2025 is provisional
    assert run_update(project, "--quiet")[0] == 0

    periods[-1]["Status"] = "Definitief"
    periods.append(newest)
    table.rows += rows_2026
    table.table_infos["Modified"] = REVISED
    assert run_update(project, "--quiet")[0] == 0
    report = latest_report(project)
    [change] = report["tables"]
    assert change["new_periods"] == ["2026JJ00"]
    assert change["status_changes"] == [
        {"period": "2025JJ00", "before": "Voorlopig", "after": "Definitief"}
    ]
    assert report["new_periods"] == {"inwoners": ["2026JJ00"]}
    # the values stayed; only their status changed, which the table section reports
    assert report["revisions"] == []
    markdown = (export_root(project) / "latest" / "wijzigingen.md").read_text("utf-8")
    assert "2025: voorlopig → definitief" in markdown
    assert "Inwoners op 1 januari (`inwoners`): 2026" in markdown


def test_force_exports_unchanged_data(project: Project) -> None:
    assert run_update(project, "--quiet")[0] == 0
    assert run_update(project, "--quiet", "--force")[0] == 0
    report = latest_report(project)
    assert report["reason"] == "forced" and report["tables"] == [] and report["revisions"] == []


def test_catalogue_change_exports_again(project: Project) -> None:
    assert run_update(project, "--quiet")[0] == 0
    project.catalog.write_text(
        project.catalog.read_text().replace('title = "Bijstand"', 'title = "Bijstandsuitkeringen"')
    )
    assert run_update(project, "--quiet")[0] == 0
    assert latest_report(project)["reason"] == "inputs"


def test_concurrent_update_exits_75_and_touches_nothing(
    project: Project, cbs_server: ODataServer
) -> None:
    with store_lock(project.data_dir):
        code, out, err = run_update(project, "--quiet")
    assert code == 75
    assert out == "" and "another bwmonitor run" in err and "Traceback" not in err
    assert cbs_server.log == [] and not export_root(project).exists()
    log = (project.root / "update.log").read_text("utf-8").splitlines()
    assert log[-1].endswith("update failed, exit 75: " + err.strip().removeprefix("error: "))


def store_bytes(project: Project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project.data_dir / "tables").iterdir())}


def test_cbs_down_keeps_store_and_last_export_and_next_run_catches_up(
    project: Project, cbs_server: ODataServer
) -> None:
    assert run_update(project, "--quiet")[0] == 0
    store, exported = store_bytes(project), tree(export_root(project))
    revise_emmen(cbs_server, 111_111)
    cbs_server.add_fault("ODataFeed", "status", status=503, times=None)
    code, out, err = run_update(project, "--quiet")
    assert code == 75 and out == ""
    assert "503" in err and "nothing exported; the last export stays in place" in err
    assert "Traceback" not in err
    assert store_bytes(project) == store and tree(export_root(project)) == exported

    cbs_server.clear_faults()
    assert run_update(project, "--quiet")[0] == 0
    assert latest_report(project)["revisions"]


def test_failure_after_a_partial_fetch_exports_nothing(
    project: Project, cbs_server: ODataServer
) -> None:
    """One table is revised and stored, another fails: no export of a half-new state;
    the next run exports and still reports the revision."""
    assert run_update(project, "--quiet")[0] == 0
    exported = tree(export_root(project))
    revise_emmen(cbs_server, 111_111)
    cbs_server.tables["50090NED"].table_infos["Modified"] = REVISED
    cbs_server.add_fault("50090NED/TypedDataSet", "status", status=500, times=None)
    code, _, err = run_update(project, "--quiet")
    assert code == 75 and "50090NED" in err
    assert tree(export_root(project)) == exported

    cbs_server.clear_faults()
    assert run_update(project, "--quiet")[0] == 0
    report = latest_report(project)
    assert {t["table_id"] for t in report["tables"]} == {"03759ned", "50090NED"}
    assert ("inwoners", "GM0114", "2025JJ00") in {
        (r["indicator"], r["region"], r["period"]) for r in report["revisions"]
    }


def test_full_disk_during_export_keeps_the_last_export(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_update(project, "--quiet")[0] == 0
    exported = tree(export_root(project))
    state = (project.data_dir / baseline.BASELINE_DIR / "state.json").read_bytes()
    revise_emmen(cbs_server, 111_111)
    real_write_text = Path.write_text

    def full_disk(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name.startswith("wijzigingen"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    code, _, err = run_update(project, "--quiet")
    monkeypatch.undo()
    assert code == 1
    assert "No space left on device" in err and "previous export is kept" in err
    assert tree(export_root(project)) == exported
    assert not [p for p in export_root(project).iterdir() if p.name.startswith(".")]
    assert (project.data_dir / baseline.BASELINE_DIR / "state.json").read_bytes() == state

    assert run_update(project, "--quiet")[0] == 0  # the disk has room again
    assert latest_report(project)["revisions"]


def test_export_error_keeps_the_last_export(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_update(project, "--quiet")[0] == 0
    exported = tree(export_root(project))
    revise_emmen(cbs_server, 111_111)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("workbook writer broke")

    monkeypatch.setattr("bwmonitor.publish.workbook.write_workbook", broken)
    code, _, err = run_update(project, "--quiet")
    assert code == 1 and "workbook writer broke" in err and "Traceback" not in err
    assert tree(export_root(project)) == exported
    log = (project.root / "update.log").read_text("utf-8")
    assert "update failed: ValueError: workbook writer broke" in log


def test_log_lines_carry_one_run_id_per_run(project: Project) -> None:
    assert run_update(project, "--quiet")[0] == 0
    assert run_update(project, "--quiet")[0] == 0
    lines = (project.root / "update.log").read_text("utf-8").splitlines()
    runs = [line.split()[1] for line in lines]
    assert all(r.startswith("run=") for r in runs)
    assert len(set(runs)) == 2
    first = [line for line in lines if line.split()[1] == runs[0]]
    assert first[0].endswith(f"catalogue {project.catalog}") and "update start" in first[0]
    assert first[-1].endswith("update done, exit 0")
    assert any("export " in line for line in first)


def test_unwritable_log_file_is_invalid_input(project: Project) -> None:
    blocker = project.root / "not-a-folder"
    blocker.write_text("")
    code, _, err = project.run("update", "--log-file", str(blocker / "update.log"))
    assert code == 2 and "cannot write the log file" in err


def api_update(project: Project, day: date) -> UpdateResult:
    settings = resolve(environ=project.env)
    export = ExportSettings(out=export_root(project), charts=False, today=day)
    with RunLog(None, new_run_id()) as log:
        return update(settings, log, export)


def test_a_later_day_gets_its_own_folder_and_latest_moves(
    project: Project, cbs_server: ODataServer
) -> None:
    first = api_update(project, date(2026, 11, 23))
    revise_emmen(cbs_server, 111_111)
    second = api_update(project, date(2026, 11, 24))
    assert first.export is not None and second.export is not None
    assert first.export.folder.name == "2026-11-23" and first.export.folder.is_dir()
    latest = export_root(project) / "latest"
    assert latest.resolve() == second.export.folder.resolve()
    assert second.report is not None and second.report.previous is not None
    assert second.report.previous["folder"] == str(first.export.folder)
    nothing = api_update(project, date(2026, 11, 25))
    assert nothing.export is None and not (export_root(project) / "2026-11-25").exists()


def crontab_from_docs() -> tuple[dict[str, str], str]:
    """The environment lines and the command of the crontab in docs/update.md."""
    text = (Path(__file__).parents[2] / "docs" / "update.md").read_text("utf-8")
    block = text.split("```crontab\n", 1)[1].split("```", 1)[0]
    env, command = {}, ""
    for line in block.splitlines():
        name, _, value = line.partition("=")
        if name.isidentifier() and " " not in name:
            env[name] = value
        elif line.strip():
            command = line.split(None, 5)[5]  # after minute, hour, day, month, weekday
    return env, command


@pytest.mark.slow
def test_the_documented_crontab_line_reports_a_revision_and_is_silent_otherwise(
    tmp_path: Path, cbs_server: ODataServer
) -> None:
    """The issue's acceptance: the docs' crontab line, run as cron would (sh, a bare
    environment), twice with a CBS revision in between, and once with nothing new. (With
    a catalogue of one indicator: each run is a new process that fetches and exports.)"""
    import subprocess
    import sys

    from tests.conftest import POPULATION_CATALOG

    env, command = crontab_from_docs()
    root = "/srv/bwmonitor"
    venv_bin = f"{root}/.venv/bin/"
    assert command.startswith(venv_bin + "bwmonitor update --quiet")
    command = command.replace(venv_bin, str(Path(sys.executable).parent) + "/")
    command = command.replace(root, str(tmp_path))
    cron_env = {k: v.replace(root, str(tmp_path)) for k, v in env.items() if k != "MAILTO"}
    Path(cron_env["BWMONITOR_CATALOG"]).write_text(POPULATION_CATALOG, encoding="utf-8")
    cron_env |= {
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "BWMONITOR_CBS_URL": cbs_server.base_url,  # the local CBS instead of the real one
    }

    def cron() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=tmp_path,
            env=cron_env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    exports = tmp_path / "export"
    first = cron()
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    folder = (exports / "latest").resolve()
    workbook = (folder / "monitor-brede-welvaart.xlsx").read_bytes()
    assert list((folder / "grafieken").iterdir())  # the cron line exports the charts too

    quiet = cron()
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (folder / "monitor-brede-welvaart.xlsx").read_bytes() == workbook
    assert len(list((exports / "wijzigingen").glob("*.md"))) == 1

    revise_emmen(cbs_server, 111_111)
    revised = cron()
    assert (revised.returncode, revised.stdout, revised.stderr) == (0, "", "")
    assert len(list((exports / "wijzigingen").glob("*.md"))) == 2
    assert (exports / "latest" / "monitor-brede-welvaart.xlsx").read_bytes() != workbook
    report = (exports / "latest" / "wijzigingen.md").read_text("utf-8")
    assert "Inwoners op 1 januari" in report and "| Emmen | 2025 | 109.678 | 111.111 |" in report
    log = (tmp_path / "update.log").read_text("utf-8")
    assert log.count("update done, exit 0") == 3
    assert log.count("nothing exported") == 1


def test_export_folder_is_readable_by_colleagues(project: Project) -> None:
    """Not private like a temporary folder: the umask decides, as for any new folder."""
    import os

    umask = os.umask(0o022)
    try:
        assert run_update(project, "--quiet")[0] == 0
    finally:
        os.umask(umask)
    folder = (export_root(project) / "latest").resolve()
    assert folder.stat().st_mode & 0o777 == 0o755


def test_table_that_dropped_a_measure_exits_1_and_exports_nothing(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS renamed a measure the catalogue uses: one line naming it, the last export stays."""
    assert run_update(project, "--quiet")[0] == 0
    exported = tree(export_root(project))
    table = cbs_server.tables["03759ned"]
    table.table_infos["Modified"] = REVISED
    for prop in table.data_properties:
        if prop["Key"] == "BevolkingOp1Januari_1":
            prop["Key"] = "BevolkingOp1Januari_9"
    for row in table.rows:
        row["BevolkingOp1Januari_9"] = row.pop("BevolkingOp1Januari_1")
    code, out, err = run_update(project, "--quiet")
    assert code == 1 and out == ""
    assert "03759ned has no measure 'BevolkingOp1Januari_1'" in err
    assert "nothing exported" in err and "Traceback" not in err
    assert tree(export_root(project)) == exported


def test_latest_is_a_copy_where_the_file_system_has_no_symlinks(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_symlinks(self: Path, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    with monkeypatch.context() as patched:
        patched.setattr(Path, "symlink_to", no_symlinks)
        assert run_update(project, "--quiet")[0] == 0
        latest = export_root(project) / "latest"
        assert latest.is_dir() and not latest.is_symlink()
        revise_emmen(cbs_server, 111_111)
        assert run_update(project, "--quiet")[0] == 0
        assert latest_report(project)["revisions"]  # the copy was replaced
    assert run_update(project, "--quiet", "--force")[0] == 0
    assert latest.is_symlink() and latest_report(project)["reason"] == "forced"
    assert [p.name for p in export_root(project).iterdir() if p.name.startswith(".")] == []


def test_full_disk_when_recording_the_export_reports_the_same_changes_next_time(
    project: Project, cbs_server: ODataServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_update(project, "--quiet")[0] == 0
    state_file = project.data_dir / baseline.BASELINE_DIR / "state.json"
    state = state_file.read_bytes()
    revise_emmen(cbs_server, 111_111)

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr("bwmonitor.store.baseline.write_json_atomically", full_disk)
        code, _, err = run_update(project, "--quiet")
    assert code == 1 and "cannot record the export" in err and "Traceback" not in err
    assert latest_report(project)["revisions"]  # the export itself is complete
    assert state_file.read_bytes() == state
    assert not [p for p in project.data_dir.iterdir() if p.name.startswith(".last-export")]

    assert run_update(project, "--quiet")[0] == 0
    assert latest_report(project)["revisions"]  # reported again, as the message said


def test_unknown_region_is_refused_before_cbs_is_asked(
    project: Project, cbs_server: ODataServer
) -> None:
    code, _, err = run_update(project, "--region", "zuidoots")
    assert code == 2 and "region 'zuidoots' is not known" in err and "Zuidoost" in err
    assert cbs_server.log == [] and not export_root(project).exists()
