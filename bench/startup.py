"""`bwmonitor compare --region zuidoost` against `python -c "import polars"`, today and
before the renovation (issue 12's budget: at most 2.5x the polars import).

    .venv/bin/python bench/startup.py [--repeat 9] [--ref pre-renovation]

Each round runs, one after the other: the polars import, today's compare and the
pre-renovation compare (the tag's `src/`, unpacked by `git archive`, on PYTHONPATH), each
in its own process on the shipped snapshot (an empty store). Wall time is taken around
the process; CPU time (user + system) comes from `os.wait4`, and varies less when other
work shares the machine. The report gives medians, the ratios to the polars import, the
heavy packages each compare imports (`python -X importtime`), and checks that every
round prints what the first compare printed (and says whether the pre-renovation code
printed the same; since issues 14 and 15 it does not). It is written to
bench/results/startup-latest.md; the script exits 1 when today's compare takes more than
2.5x the import by either measure.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pre_renovation import DEFAULT_REF, ROOT, baseline_source, machine, revision

BUDGET = 2.5
COMPARE = ["-m", "bwmonitor", "compare", "--region", "zuidoost"]
PACKAGES = ("polars", "typer", "pydantic", "rich", "cbsodata", "requests", "matplotlib")


@dataclass
class Run:
    wall: float
    cpu: float
    stdout: bytes


def run(args: list[str], env: dict[str, str]) -> Run:
    started = time.perf_counter()
    # outside the repository: its ./indicators.toml is today's catalogue, which the
    # pre-renovation code cannot read; each version takes its own shipped one
    process = subprocess.Popen(
        [sys.executable, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=tempfile.gettempdir(),
    )
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return Run(wall, usage.ru_utime + usage.ru_stime, stdout)


def imported_packages(env: dict[str, str]) -> dict[str, float]:
    """Seconds spent importing each heavy package (with what it imports), for one compare."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *COMPARE],
        env=env,
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
        if match and match[2] in PACKAGES and match[2] not in found:
            found[match[2]] = int(match[1]) / 1e6
    return found


def per_indicator(wall: dict[str, float], indicators: int) -> list[str]:
    """The budget in the catalogue's unit: what compare may cost per indicator above the
    polars import, and what it costs (start-up, the CLI and rendering included)."""
    above = {k: (wall[k] - wall["polars"]) / indicators * 1000 for k in ("today", "pre")}
    budget = (BUDGET - 1) * wall["polars"] / indicators * 1000
    return [
        f"Per indicator ({indicators} in the shipped catalogue), wall time above the polars "
        f"import: today {above['today']:.1f} ms, pre-renovation {above['pre']:.1f} ms; "
        f"the 2.5x budget allows {budget:.1f} ms."
    ]


def shipped_indicators() -> int:
    catalog = tomllib.loads((ROOT / "src" / "bwmonitor" / "indicators.toml").read_text("utf-8"))
    return len(catalog["indicators"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--ref", default=DEFAULT_REF, help="the baseline revision (a git tag)")
    parser.add_argument("--baseline-src", type=Path, help="a baseline src/ folder to use as is")
    parser.add_argument(
        "--today-src", type=Path, help="measure this src/ folder instead of the working tree"
    )
    options = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as store,
        baseline_source(options.ref, options.baseline_src) as baseline,
    ):
        plain = {**os.environ, "BWMONITOR_DATA_DIR": store, "COLUMNS": "120"}
        plain.pop("PYTHONPATH", None)
        if options.today_src is not None:
            plain["PYTHONPATH"] = str(options.today_src.resolve())
        before = {**plain, "PYTHONPATH": str(baseline)}
        load_before = machine()
        # the first compare on a store computes the observations and keeps them
        # (store/observation_cache.py); the rounds then measure what an analyst's next
        # compare costs, this one what the first costs
        with tempfile.TemporaryDirectory() as fresh:
            first = run(COMPARE, {**plain, "BWMONITOR_DATA_DIR": fresh})
        rounds: dict[str, list[Run]] = {"polars": [], "today": [], "pre": []}
        for _ in range(options.repeat):
            rounds["polars"].append(run(["-c", "import polars"], plain))
            rounds["today"].append(run(COMPARE, plain))
            rounds["pre"].append(run(COMPARE, before))
        imports = {"today": imported_packages(plain), "pre": imported_packages(before)}
    # a compare from the kept observations prints what the first one computed
    same_output = all(r.stdout == first.stdout for r in rounds["today"])
    as_before = first.stdout == rounds["pre"][0].stdout
    wall = {k: statistics.median(r.wall for r in v) for k, v in rounds.items()}
    cpu = {k: statistics.median(r.cpu for r in v) for k, v in rounds.items()}
    label = {
        "polars": '`python -c "import polars"`',
        "today": "`bwmonitor compare --region zuidoost`, "
        + (f"`{options.today_src}`" if options.today_src else "today"),
        "pre": f"the same, `{options.ref}` ({revision(options.ref)})",
    }
    lines = [
        f"Machine: {load_before} (at the start). Median of {options.repeat} rounds; "
        "shipped snapshot, shipped catalogue, empty store.",
        "",
        "| run | wall (s) | wall / polars | CPU (s) | CPU / polars |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {label[k]} | {wall[k]:.3f} | {wall[k] / wall['polars']:.2f}x | "
            f"{cpu[k]:.3f} | {cpu[k] / cpu['polars']:.2f}x |"
            for k in rounds
        ),
        f"| today's first compare on a store (computes and keeps the observations) | "
        f"{first.wall:.3f} | {first.wall / wall['polars']:.2f}x | {first.cpu:.3f} | "
        f"{first.cpu / cpu['polars']:.2f}x |",
        "",
        *per_indicator(wall, shipped_indicators()),
        "",
        "Imports of heavy packages in one compare (`-X importtime`, s, with their own imports):",
        "",
        "| package | today | pre-renovation |",
        "|---|---:|---:|",
        *(
            f"| {p} | {imports['today'].get(p, 0):.3f} | {imports['pre'].get(p, 0):.3f} |"
            for p in PACKAGES
        ),
        "",
        f"Output: every round {'byte-identical' if same_output else 'DIFFERENT'} to the "
        "first compare (which computed the observations); "
        + (
            "byte-identical to the pre-renovation code."
            if as_before
            else "different from the pre-renovation code's, as issues 14 and 15 changed "
            "what compare shows."
        ),
        f"Machine at the end: {machine()}.",
    ]
    report = "\n".join(lines)
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "startup-latest.md").write_text(report + "\n", encoding="utf-8")
    over = [
        what
        for what, ratio in (
            ("wall", wall["today"] / wall["polars"]),
            ("CPU", cpu["today"] / cpu["polars"]),
        )
        if ratio > BUDGET
    ]
    if over or not same_output:
        print(f"budget not met ({', '.join(over) or 'the kept observations print otherwise'})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
