"""Analysts run compare and export on Windows and macOS; cron runs fetch and update on Linux.

Windows has no fcntl (nor pwd, grp, termios, resource): the commands run here in a
Python where these modules cannot be imported. The store's lock is an OS lock through
filelock, so a second run still exits 75 and a killed run still leaves no lock behind.
`latest` is a copy of the newest export where symlinks cannot be used, Windows included.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bwmonitor.pipeline.runlog import new_run_id
from bwmonitor.publish import folder
from bwmonitor.store.lock import LOCK_NAME, store_lock
from tests.conftest import Project

UNIX_ONLY = ("fcntl", "pwd", "grp", "termios", "resource")
# characters that Windows refuses in a file name
NOT_ON_WINDOWS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')

# makes the Unix-only modules unimportable: None in sys.modules
WITHOUT_UNIX_MODULES = f"import sys; sys.modules.update(dict.fromkeys({UNIX_ONLY!r}))\n"

BWMONITOR = """
from bwmonitor.cli import main
sys.argv[0] = "bwmonitor"
main()
"""

# every module of the package, and filelock, which store/lock.py imports when a run locks
EVERY_MODULE = """
import importlib, pkgutil, bwmonitor, filelock
for module in pkgutil.walk_packages(bwmonitor.__path__, "bwmonitor."):
    if module.name != "bwmonitor.__main__":
        importlib.import_module(module.name)
"""

# holds the store's lock until its stdin closes, like a fetch that runs long
HOLDER = """
import sys
from pathlib import Path
from bwmonitor.store.lock import store_lock
with store_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


def run_without_unix_modules(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BWMONITOR_DATA_DIR": str(tmp_path / "store"), "NO_COLOR": "1"}
    env.pop("BWMONITOR_CATALOG", None)
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_UNIX_MODULES + BWMONITOR, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@contextmanager
def lock_holder(data_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the store's lock, killed if the test leaves it running."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()


def test_compare_runs_without_unix_only_modules(tmp_path: Path) -> None:
    """`compare` on the shipped data needs neither fcntl nor any other Unix-only module."""
    result = run_without_unix_modules(tmp_path, "compare", "--region", "zuidoost")
    assert result.returncode == 0, result.stderr
    assert "Zuidoost-Drenthe" in result.stdout


def test_export_runs_without_unix_only_modules(tmp_path: Path) -> None:
    """`export --no-charts` writes its workbook without fcntl or another Unix-only module."""
    result = run_without_unix_modules(
        tmp_path, "export", "--no-charts", "--out", str(tmp_path / "out"), "--quiet"
    )
    assert result.returncode == 0, result.stderr
    [export] = (tmp_path / "out").iterdir()
    assert [p.suffix for p in export.iterdir()] == [".xlsx"]
    assert not NOT_ON_WINDOWS.search(export.name)


def test_run_ids_name_files_on_windows_too() -> None:
    """update names its change-report copies after the run id: no ':' in its time."""
    assert not NOT_ON_WINDOWS.search(new_run_id())


def test_every_module_imports_without_unix_only_modules(tmp_path: Path) -> None:
    """fetch and update too: every module they may need imports without them."""
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_UNIX_MODULES + EVERY_MODULE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_fetch_while_another_process_holds_the_lock_exits_75(project: Project) -> None:
    """A second cron run says which process holds the store, exits 75 and asks CBS nothing."""
    with lock_holder(project.data_dir) as holder:
        code, _, err = project.run("fetch", "--quiet")
    assert code == 75
    assert f"another bwmonitor run (pid {holder.pid}) is using {project.data_dir}" in err
    assert (project.data_dir / LOCK_NAME).exists()


def test_a_killed_lock_holder_leaves_no_lock_behind(tmp_path: Path) -> None:
    """A run killed outright (SIGKILL, or TerminateProcess on Windows) cannot clean up;
    the OS releases its lock, so the next run starts at once."""
    with lock_holder(tmp_path) as holder:
        holder.kill()
        holder.wait(timeout=30)
    with store_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).exists()


def test_latest_is_a_copy_on_windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows allows symlinks only with a privilege and cannot rename one over a
    folder: `latest` is a copy of the newest export there, replaced whole each time."""
    monkeypatch.setattr(folder, "ON_WINDOWS", True)
    for day in ("2026-01-05", "2026-01-06"):
        (tmp_path / day).mkdir()
        (tmp_path / day / "monitor.xlsx").write_text(day)
        latest = folder.point_latest(tmp_path / day)
    assert not latest.is_symlink()
    assert [p.name for p in latest.iterdir()] == ["monitor.xlsx"]
    assert (latest / "monitor.xlsx").read_text() == "2026-01-06"


def test_latest_is_a_copy_where_the_file_system_has_no_symlinks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network share that refuses symlinks (EPERM) gets a copy as `latest` too."""

    def refuse(*_: object, **__: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(Path, "symlink_to", refuse)
    (tmp_path / "2026-01-05").mkdir()
    (tmp_path / "2026-01-05" / "monitor.xlsx").write_text("x")
    latest = folder.point_latest(tmp_path / "2026-01-05")
    assert not latest.is_symlink() and (latest / "monitor.xlsx").read_text() == "x"
