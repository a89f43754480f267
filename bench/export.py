"""Time and peak memory of a full `bwmonitor export` (workbook and all charts).

    .venv/bin/python bench/export.py [--repeat 3]

Runs the real CLI in a subprocess on the shipped offline snapshot (empty store) and
reads the child's peak resident memory from getrusage. Prints a Markdown table and
writes it to bench/results/export-latest.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = 30.0


def run_export(args: list[str], folder: Path) -> tuple[float, int]:
    env = {**os.environ, "BWMONITOR_DATA_DIR": str(folder / "store")}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bwmonitor",
            "export",
            "--quiet",
            "--out",
            str(folder / "out"),
            *args,
        ],
        check=True,
        env=env,
        cwd=folder,
    )
    elapsed = time.perf_counter() - started
    files = sum(1 for p in (folder / "out").rglob("*") if p.is_file())
    return elapsed, files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    rows = []
    for label, args in (
        ("xlsx + charts", []),
        ("xlsx, --no-charts", ["--no-charts"]),
        ("csv, --no-charts", ["--format", "csv", "--no-charts"]),
    ):
        times, files = [], 0
        for _ in range(options.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                elapsed, files = run_export(args, Path(tmp))
                times.append(elapsed)
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append((label, statistics.median(times), files, peak_mib))
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"median of {options.repeat} runs, shipped snapshot.",
        "",
        "| export | wall time (s) | files | peak memory, largest child so far (MiB) |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {t:.1f} | {n} | {m:.0f} |" for label, t, n, m in rows),
    ]
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "export-latest.md").write_text(report + "\n", encoding="utf-8")
    if rows[0][1] > BUDGET_SECONDS:
        print(f"full export took {rows[0][1]:.1f} s, over the {BUDGET_SECONDS:.0f} s budget")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
