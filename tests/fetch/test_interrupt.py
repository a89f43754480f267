"""Stopping early: Ctrl-C and SIGTERM (real subprocesses), and the fetch deadline.

The signal tests run `python -m bwmonitor` as a child process against the local CBS
server, because only a real process shows what a user sees: how long it takes to exit,
its exit code, and whether requests still reach CBS after the signal.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import Project
from tests.odata_server import ODataServer

PROMPT = 5.0  # seconds a stopped run may take to exit (the bound)
# A request sent just before the signal may be logged by the server a moment after it;
# a bwmonitor that kept fetching would send its next ones well after this.
LOG_SLACK = 0.1
HANG = 30.0  # a CBS that accepts the request and then says nothing


def sidecars(project: Project) -> dict[str, bytes]:
    tables = project.data_dir / "tables"
    return {p.name: p.read_bytes() for p in sorted(tables.glob("*.json"))}


def modified(project: Project, table_id: str) -> str:
    path = project.data_dir / "tables" / f"{table_id}.json"
    return str(json.loads(path.read_text("utf-8"))["modified"])


@contextmanager
def bwmonitor_process(project: Project, *args: str, **env: str) -> Iterator[subprocess.Popen[str]]:
    """`python -m bwmonitor ARGS` in the project, killed if a test leaves it running."""
    environment = {
        **os.environ,
        **project.env,
        "BWMONITOR_CBS_TIMEOUT": "60",  # CBS's real read timeout: a hang is not cut short
        **env,
    }
    environment.pop("BWMONITOR_DEBUG", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bwmonitor", *args],
        cwd=project.root,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def wait_until(
    condition: Callable[[], bool], process: subprocess.Popen[str], what: str, seconds: float = 30
) -> None:
    """Poll until condition holds; fail if the process ended first or it takes too long."""
    limit = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"bwmonitor exited ({process.returncode}) before {what}")
        if time.monotonic() > limit:
            pytest.fail(f"no {what} within {seconds} s")
        time.sleep(0.02)


def exit_within(process: subprocess.Popen[str], seconds: float) -> tuple[int, str, float]:
    """Wait for the process to end: its exit code, stderr and how long it took."""
    started = time.monotonic()
    try:
        _, err = process.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"bwmonitor still running {seconds} s after the signal")
    return process.returncode, err, time.monotonic() - started


def hanging_requests(server: ODataServer) -> int:
    return sum(1 for r in server.requests_to("TypedDataSet") if r.fault == "hang")


def requests_after(server: ODataServer, moment: float) -> list[str]:
    return [r.path for r in list(server.log) if r.received > moment + LOG_SLACK]


# ---------------------------------------------------------------- signals during fetch


@pytest.mark.parametrize(
    ("signum", "exit_code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_abandons_requests_in_flight_and_commits_nothing(
    project: Project, cbs_server: ODataServer, signum: int, exit_code: int, word: str
) -> None:
    """Ctrl-C or SIGTERM while CBS hangs: exit 130/143 within 5 s, no request after the
    signal, and every stored table as it was (nothing committed after the signal)."""
    assert project.run("fetch")[0] == 0
    before = sidecars(project)
    cbs_server.latency = 0.1  # other tables are still asking for metadata at the signal
    cbs_server.add_fault("TypedDataSet", "hang", times=None, delay=HANG)
    with bwmonitor_process(project, "fetch", "--force") as process:
        wait_until(lambda: hanging_requests(cbs_server) > 0, process, "request in flight")
        signalled = time.monotonic()
        process.send_signal(signum)
        code, err, took = exit_within(process, PROMPT)
    assert code == exit_code, err
    assert took < PROMPT
    assert err.strip().splitlines() == [err.strip()] and err.startswith(f"{word};"), err
    assert requests_after(cbs_server, signalled) == []
    assert sidecars(project) == before


def test_second_ctrl_c_exits_at_once(project: Project, cbs_server: ODataServer) -> None:
    """Two Ctrl-C in quick succession (an impatient user): exit 130 promptly, no traceback."""
    assert project.run("fetch")[0] == 0
    before = sidecars(project)
    cbs_server.add_fault("TypedDataSet", "hang", times=None, delay=HANG)
    with bwmonitor_process(project, "fetch", "--force") as process:
        wait_until(lambda: hanging_requests(cbs_server) > 0, process, "request in flight")
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        code, err, _ = exit_within(process, PROMPT)
    # 130, or killed by SIGINT when the second signal found the interpreter already
    # shutting down (Python restores the default handler then); a shell shows 130 for both
    assert code in (130, -signal.SIGINT), err
    assert "Traceback" not in err
    assert sidecars(project) == before


def test_sigterm_during_update_exports_nothing_and_exits_143(
    project: Project, cbs_server: ODataServer
) -> None:
    """cron's or systemd's kill during update's fetch: exit 143 promptly, no export, no
    baseline, and the run's log says it ended."""
    out = project.root / "export"
    log = project.root / "update.log"
    cbs_server.add_fault("TypedDataSet", "hang", times=None, delay=HANG)
    with bwmonitor_process(
        project, "update", "--out", str(out), "--log-file", str(log), "--quiet"
    ) as process:
        wait_until(lambda: hanging_requests(cbs_server) > 0, process, "request in flight")
        process.send_signal(signal.SIGTERM)
        code, err, took = exit_within(process, PROMPT)
    assert code == 143, err
    assert took < PROMPT
    assert not out.exists() or not any(out.iterdir())
    assert not (project.data_dir / "last-export").exists()
    assert "update terminated (SIGTERM), exit 143" in log.read_text("utf-8").splitlines()[-1]


SLOW_CLEANUP = """
import sys, time
from bwmonitor.cli.commands import signals_as_exceptions

with signals_as_exceptions():
    try:
        print("working", flush=True)
        time.sleep(30)
    finally:
        print("cleaning up", flush=True)
        time.sleep(30)  # a cleanup that takes long (a slow disk, a network share)
"""


def test_second_ctrl_c_during_a_slow_cleanup_exits_at_once(tmp_path: Path) -> None:
    """The first Ctrl-C starts an orderly stop; a second one while that is slow ends the
    process at once with 130."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_CLEANUP],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "working\n"
        process.send_signal(signal.SIGINT)
        assert process.stdout.readline() == "cleaning up\n"
        process.send_signal(signal.SIGINT)
        code, _, took = exit_within(process, 2)
        assert code == 130 and took < 2
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


# ---------------------------------------------------------------- signals during export


@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_during_export_leaves_no_temporary_folder_and_keeps_the_last_export(
    project: Project, signum: int, exit_code: int
) -> None:
    """Stopped while drawing charts: no hidden staging folder is left behind and the
    previous export is untouched."""
    out = project.root / "export"
    assert project.run("fetch")[0] == 0
    assert project.run("export", "--out", str(out), "--no-charts")[0] == 0
    previous = out / date.today().isoformat()
    files_before = {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()}

    def staging_has_charts() -> bool:
        return any(out.glob(".*/grafieken/*"))

    with bwmonitor_process(project, "export", "--out", str(out), "--charts") as process:
        wait_until(staging_has_charts, process, "chart being written")
        process.send_signal(signum)
        code, err, took = exit_within(process, PROMPT)
    assert code == exit_code, err
    assert took < PROMPT
    assert sorted(p.name for p in out.iterdir()) == [previous.name]
    assert {p: p.read_bytes() for p in previous.rglob("*") if p.is_file()} == files_before


# ---------------------------------------------------------------- the fetch deadline


def test_fetch_deadline_commits_finished_tables_and_keeps_the_rest(
    project: Project, cbs_server: ODataServer
) -> None:
    """CBS hangs on one table: the run ends at the deadline (plus a margin) with 75; the
    other tables are committed, the hanging one keeps its previous version."""
    assert project.run("fetch")[0] == 0
    for table in cbs_server.tables.values():  # CBS published a new version of every table
        table.table_infos["Modified"] = "2030-01-01T00:00:00"
    cbs_server.add_fault("85984NED/TypedDataSet", "hang", times=None, delay=HANG)
    started = time.monotonic()
    # long enough for the other tables on a loaded machine (03759ned asks 149 age codes
    # since the 18+ and 15-75 sums), far below the hang
    code, _, err = project.run("fetch", BWMONITOR_FETCH_DEADLINE="6", BWMONITOR_CBS_TIMEOUT="20")
    took = time.monotonic() - started
    assert took < 6 + 3
    assert code == 75, err
    assert "fetch deadline of 6 s reached; 85984NED keeps its previous version" in err
    assert modified(project, "85984NED") != "2030-01-01T00:00:00"
    for table_id in ("84799NED", "03759ned", "50090NED"):
        assert modified(project, table_id) == "2030-01-01T00:00:00"


def test_update_deadline_exports_nothing(project: Project, cbs_server: ODataServer) -> None:
    """`update --deadline 2` against a CBS that hangs on one table: exit 75 within the
    deadline plus a margin, and no export folder."""
    out = project.root / "export"
    cbs_server.add_fault("03759ned/TypedDataSet", "hang", times=None, delay=HANG)
    started = time.monotonic()
    code, _, err = project.run(
        "update", "--out", str(out), "--no-charts", "--deadline", "2", BWMONITOR_CBS_TIMEOUT="10"
    )
    took = time.monotonic() - started
    assert took < 2 + 3
    assert code == 75, err
    assert "fetch deadline of 2 s reached" in err and "nothing exported" in err
    assert not out.exists() or not any(out.iterdir())


def test_deadline_that_is_not_a_number_is_invalid_input(project: Project) -> None:
    """BWMONITOR_FETCH_DEADLINE=soon is refused before any request, exit 2."""
    code, _, err = project.run("fetch", BWMONITOR_FETCH_DEADLINE="soon")
    assert code == 2
    assert "BWMONITOR_FETCH_DEADLINE" in err


def test_help_lists_the_signal_exit_codes(project: Project) -> None:
    """`bwmonitor --help` lists 130 (Ctrl-C) and 143 (SIGTERM) beside 0, 1, 2 and 75."""
    code, out, _ = project.run("--help")
    assert code == 0
    assert "130" in out and "143" in out
