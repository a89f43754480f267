"""The code before issue 12's renovation, for the benchmarks to run next to today's.

`baseline_source` unpacks `src/` of a git revision (by default the tag `pre-renovation`)
into a temporary folder with `git archive`. Run with ``PYTHONPATH=<that folder>``, the
same interpreter and virtualenv import that code instead of the working tree's: the
dependencies are the same, so the comparison is between the two versions of bwmonitor
only, on the same machine, data and catalogue.
"""

from __future__ import annotations

import io
import os
import platform
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REF = "pre-renovation"


@contextmanager
def baseline_source(ref: str = DEFAULT_REF, folder: Path | None = None) -> Iterator[Path]:
    """A folder whose `bwmonitor` package is the code at `ref`; `folder` uses one as is."""
    if folder is not None:
        yield folder
        return
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="bwmonitor-baseline-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "src"


def revision(ref: str) -> str:
    """The commit `ref` names, abbreviated, or `ref` itself outside a git checkout."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], capture_output=True, text=True
    )
    return done.stdout.strip() or ref


def machine() -> str:
    """One line on where a benchmark ran, with the load it shared the machine with."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()} "
        f"{platform.machine()}, Python {platform.python_version()}, load average {load}"
    )
