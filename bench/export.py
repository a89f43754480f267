"""A full `bwmonitor export` (workbook and all charts), today and before the renovation.

    .venv/bin/python bench/export.py [--repeat 1] [--ref pre-renovation] [--no-serial]

Runs the real CLI in a subprocess on the shipped offline snapshot (an empty store), with
the shipped catalogue, once per variant and round, the variants of a round one after
the other so that they share the machine's load:

- `pre-renovation`: the tag's `src/` (unpacked by `git archive`) on PYTHONPATH, same
  interpreter and virtualenv: charts drawn one after another;
- `today`: the working tree, charts drawn by the pool (one worker per core);
- `today, serial`: the same with BWMONITOR_CHART_WORKERS=1 (skipped with --no-serial);
- each of the first two again with `--no-charts`, for the cost of the charts alone.

Per run: wall time around the process; CPU time (user + system) of the process and the
workers it waited for (`os.wait4`, which on Linux includes reaped descendants); peak
memory of the whole process tree: a thread reads VmRSS of the export and every
descendant (from /proc/<pid>/task/*/children) every 20 ms and keeps the largest sum,
and `ru_maxrss` of `wait4` gives the largest single process. The sum of RSS counts
shared pages (libraries) once per process, so it overstates the tree's real use.

Both variants export the pre-renovation catalogue (the tag's `indicators.toml`), so that
they draw the same indicators: the shipped catalogue has grown since (issue 14).

Budgets (issue 12): per chart, today's export takes at most 0.5x the pre-renovation
time (whole export wall time / charts), and the tree's peak stays under 400 MiB. The
script also checks that today writes every file the baseline writes (it may write
more: a regional chart for an indicator that now gets regional values); bytes differ since
issue 14 words the rules of computed values differently and names the weight of a
mean in the footnotes (scripts/golden.py shows what a reader sees). It exits 1 when a
budget or the check fails, and writes its report to bench/results/export-latest.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pre_renovation import DEFAULT_REF, ROOT, baseline_source, machine, revision

PER_CHART_BUDGET = 0.5  # today's time per chart / the pre-renovation's
MEMORY_BUDGET_MIB = 400
SAMPLE_SECONDS = 0.02


@dataclass
class Run:
    wall: float
    cpu: float
    tree_peak_mib: float  #: largest sum of the tree's RSS seen
    process_peak_mib: float  #: largest single process (ru_maxrss)
    charts: int
    files: dict[str, str]  #: relative path -> sha256


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                found += [int(c) for c in children]
                todo += [int(c) for c in children]
        except OSError:
            continue
    return found


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def export(folder: Path, env: dict[str, str], *extra: str) -> Run:
    out = folder / "out"
    command = [sys.executable, "-m", "bwmonitor", "export", "--quiet", "--out", str(out)]
    peak = [0]
    finished = threading.Event()
    started = time.perf_counter()
    process = subprocess.Popen([*command, *extra], env=env, cwd=folder)

    def sample() -> None:
        while not finished.is_set():
            total = sum(rss_kib(p) for p in [process.pid, *descendants(process.pid)])
            peak[0] = max(peak[0], total)
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    finished.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"export {' '.join(extra)} failed with {process.returncode}")
    [target] = [p for p in out.iterdir() if not p.name.startswith(".")]
    files = {
        str(p.relative_to(target)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(target.rglob("*"))
        if p.is_file()
    }
    return Run(
        wall,
        usage.ru_utime + usage.ru_stime,
        peak[0] / 1024,
        usage.ru_maxrss / 1024,
        sum(1 for name in files if name.endswith(".png")),
        files,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--ref", default=DEFAULT_REF, help="the baseline revision (a git tag)")
    parser.add_argument("--baseline-src", type=Path, help="a baseline src/ folder to use as is")
    parser.add_argument("--no-serial", action="store_true", help="skip today's serial run")
    options = parser.parse_args()
    runs: dict[str, list[Run]] = {}
    with baseline_source(options.ref, options.baseline_src) as baseline:
        plain = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        plain.pop("BWMONITOR_CHART_WORKERS", None)
        before = {**plain, "PYTHONPATH": str(baseline)}
        # the same catalogue for both: the one the baseline shipped
        catalog = str(baseline / "bwmonitor" / "indicators.toml")
        plain["BWMONITOR_CATALOG"] = before["BWMONITOR_CATALOG"] = catalog
        variants = [
            ("pre-renovation", before, ()),
            ("today", plain, ()),
            *(
                []
                if options.no_serial
                else [("today, serial", {**plain, "BWMONITOR_CHART_WORKERS": "1"}, ())]
            ),
            ("pre-renovation, --no-charts", before, ("--no-charts",)),
            ("today, --no-charts", plain, ("--no-charts",)),
        ]
        load_before = machine()
        for _ in range(options.repeat):
            for label, env, extra in variants:
                with tempfile.TemporaryDirectory() as tmp:
                    env = {**env, "BWMONITOR_DATA_DIR": str(Path(tmp) / "store")}
                    runs.setdefault(label, []).append(export(Path(tmp), env, *extra))
    median = {label: statistics.median(r.wall for r in rs) for label, rs in runs.items()}
    cpu = {label: statistics.median(r.cpu for r in rs) for label, rs in runs.items()}
    tree = {label: max(r.tree_peak_mib for r in rs) for label, rs in runs.items()}
    single = {label: max(r.process_peak_mib for r in rs) for label, rs in runs.items()}
    charts = {label: rs[0].charts for label, rs in runs.items()}
    files = {label: len(rs[0].files) for label, rs in runs.items()}
    pre_chart = median["pre-renovation"] / charts["pre-renovation"]
    now_chart = median["today"] / charts["today"]
    marginal = {
        label: (median[label] - median[f"{base}, --no-charts"]) / charts[label]
        for label, base in (
            ("pre-renovation", "pre-renovation"),
            ("today", "today"),
            ("today, serial", "today"),
        )
        if label in runs
    }
    # every file the baseline writes, today writes too; today may write more (a regional
    # chart for an indicator that now gets regional values, issue 14)
    extra = sorted(runs["today"][0].files.keys() - runs["pre-renovation"][0].files.keys())
    same = runs["pre-renovation"][0].files.keys() <= runs["today"][0].files.keys() and (
        runs["pre-renovation, --no-charts"][0].files.keys()
        <= runs["today, --no-charts"][0].files.keys()
    )
    serial_same = "today, serial" not in runs or (
        runs["today, serial"][0].files == runs["today"][0].files
    )
    lines = [
        f"Machine: {load_before} (at the start). Shipped snapshot, the pre-renovation "
        "catalogue, empty store; "
        f"median of {options.repeat} round(s); baseline `{options.ref}` "
        f"({revision(options.ref)}).",
        "",
        "| export | wall (s) | CPU (s) | files | charts | wall per chart (s) | "
        "charts only, per chart (s) | peak RSS, tree (MiB) | largest process (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {label} | {median[label]:.1f} | {cpu[label]:.1f} | {files[label]} | "
            f"{charts[label]} | "
            + (f"{median[label] / charts[label]:.3f}" if charts[label] else "–")
            + " | "
            + (f"{marginal[label]:.3f}" if label in marginal else "–")
            + f" | {tree[label]:.0f} | {single[label]:.0f} |"
            for label in runs
        ),
        "",
        f"Per chart, today / pre-renovation: {now_chart / pre_chart:.2f}x (whole export), "
        f"{marginal['today'] / marginal['pre-renovation']:.2f}x (charts only). "
        f"Files: {'all' if same else 'NOT all'} of the pre-renovation export's"
        + (f", and {', '.join(extra)}" if extra else "")
        + f"; the pool's {'byte-identical' if serial_same else 'DIFFERENT'} to a serial "
        "export's.",
        f"Machine at the end: {machine()}.",
    ]
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "export-latest.md").write_text(report + "\n", encoding="utf-8")
    failed = []
    if now_chart > PER_CHART_BUDGET * pre_chart:
        failed.append(f"per chart {now_chart / pre_chart:.2f}x > {PER_CHART_BUDGET}x")
    if tree["today"] >= MEMORY_BUDGET_MIB:
        failed.append(f"peak {tree['today']:.0f} MiB >= {MEMORY_BUDGET_MIB} MiB")
    if not same:
        failed.append("not every file of the pre-renovation export")
    if not serial_same:
        failed.append("the pool's files differ from a serial export's")
    if failed:
        print("budget not met: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
