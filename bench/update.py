"""Benchmark: `bwmonitor update` night by night against an always-refetch nightly script.

Claims under test (see bench/README.md):

1. a quiet night (nothing changed at CBS) costs `bwmonitor update` at most one small
   request per table, prints nothing and exports nothing;
2. a quiet night is at least 10x cheaper in bytes, and at least 5x in wall time (3x
   with ``--no-charts``), than the always-refetch alternative
   ``bwmonitor fetch --force && bwmonitor export``;
3. a revision night (one table changed) costs `bwmonitor update` at most 1.25x the
   wall time of the always-refetch alternative, and at most 1.25x that of
   ``bwmonitor fetch && bwmonitor export``: the same fetch and export without update's
   bookkeeping (the copy of the exported store, the previous export's
   figures, the change report). The margin is for noise: chart drawing varies by
   ±0.5 s between runs on the same data.

Everything runs offline against ``tests.odata_server.ODataServer`` on 127.0.0.1 with the
real-data fixture tables of ``tests.fixtures_cbs`` and the catalogue ``FETCH_CATALOG``
of ``tests.conftest``, with the latency, bandwidth and 84799NED size of bench/fetch.py.
In one run, on one server, three nights; each night, in turn, on its own store:

- ``bwmonitor update --quiet --out OUT`` (what cron runs);
- always refetch: ``bwmonitor fetch --force --quiet && bwmonitor export --quiet --out OUT2``;
- fetch + export: ``bwmonitor fetch --quiet && bwmonitor export --quiet --out OUT3``
  (incremental fetch, always export: the reference for update's own overhead);
- plain ``cbsodata.get_data`` per table (bench/fetch.py's baseline; download only).

Night 1 starts from empty stores; night 2 changes nothing; before night 3 the server
revises Emmen's population on 1 January 2025 in 03759ned and bumps the table's
``Modified``, and update's change report must list that revision.

Wall time and peak memory (``ru_maxrss`` from ``os.wait4``; of two commands, the
larger) of each subprocess are taken by a small wrapper process that starts it (process
start included); requests and bytes come from the server's log. Exit status: 0 if the
claims hold, 1 if one does not (named on stderr), 2 if a run failed or did not do its
job (e.g. update's report misses the revision).

    .venv/bin/python bench/update.py [--no-charts] [--no-plain] [--latency 0.05]
                                     [--bandwidth 2000000] [--districts 16985] [--repeat 1]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.fetch import (  # noqa: E402
    BASELINE_SCRIPT,
    Run,
    RunFailed,
    add_server_arguments,
    catalogue_tables,
    fmt_bytes,
    fmt_ratio,
    noop_failures,
    publish,
    startup,
)
from tests.conftest import FETCH_CATALOG  # noqa: E402
from tests.fixtures_cbs import all_tables  # noqa: E402
from tests.odata_server import ODataServer  # noqa: E402

RESULTS = REPO / "bench" / "results" / "update-latest.md"

NIGHTS = ["first night", "quiet night", "revision night"]
FIRST, QUIET, REVISION = range(3)
UPDATE, REFETCH, INCREMENTAL, PLAIN = (
    "bwmonitor update",
    "fetch --force && export (always refetch)",
    "fetch && export",
    "plain `cbsodata.get_data` (download only)",
)
FOLDERS = {UPDATE: "update", REFETCH: "refetch", INCREMENTAL: "incremental", PLAIN: "plain"}

# The revision of tests/test_update.py: CBS revises Emmen's population on 1 January 2025.
REVISED_TABLE = "03759ned"
REVISED_MODIFIED = "2026-12-01T02:00:00"
REVISED_VALUE = 111_111
REVISION_KEY = ("inwoners", "GM0114", "2025JJ00")
FETCHED = re.compile(r"opgehaald \d{4}-\d\d-\d\d \d\d:\d\d UTC")  # store.describe_origin
REPORT_FILES = {"wijzigingen.md", "wijzigingen.json"}  # update's extra files in an export

# Runs a command and writes its wall time and peak RSS (os.wait4) to argv[1]. The
# command is started from this small process, not from the benchmark's: on Linux a
# child's ru_maxrss starts at the RSS of the process that forked it (its memory map at
# exec counts), and the benchmark holds the fake server's tables (~180 MiB).
MEASURE_SCRIPT = """
import json, os, subprocess, sys, time
start = time.perf_counter()
_, status, usage = os.wait4(subprocess.Popen(sys.argv[2:]).pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss_kib": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""

QUIET_BYTES_RATIO = 10.0  # always refetch / update, bytes, quiet night
QUIET_TIME_RATIO = 5.0  # always refetch / update, wall time, quiet night (with charts)
QUIET_TIME_RATIO_NO_CHARTS = 3.0
REVISION_RATIO = 1.25  # update / either exporting alternative, wall time, revision night


@dataclass
class Night(Run):
    """One way of doing one night: Run's wall times and server log, plus peak memory."""

    rss: list[float] = field(default_factory=list)  # MiB, largest of its processes, per repeat
    steps: dict[str, list[float]] = field(default_factory=dict)  # wall time per command
    stdout: str = ""
    stderr: str = ""


@dataclass
class Checks:
    """What update's quiet nights changed in its export folder; per exporting night and
    alternative, the files that differ from update's export."""

    changed: set[str] = field(default_factory=set)
    differ: dict[str, set[str]] = field(default_factory=dict)


def run_child(
    cmd: list[str], env: dict[str, str], stats: Path
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time (s), peak RSS (MiB) and output of cmd, run under MEASURE_SCRIPT."""
    wrapped = [sys.executable, "-c", MEASURE_SCRIPT, str(stats), *cmd]
    proc = subprocess.run(wrapped, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        name = " ".join(cmd[1:5]) if cmd[1] == "-m" else "plain get_data"
        raise RunFailed(f"{name} exited {proc.returncode}:\n{proc.stderr.strip()[-2000:]}")
    measured = json.loads(stats.read_text("utf-8"))
    return measured["seconds"], measured["maxrss_kib"] / 1024, proc


def measure(
    night: Night, server: ODataServer, commands: list[list[str]], env: dict[str, str], stats: Path
) -> None:
    """Run the commands one after another (stop at the first failure), as one night."""
    server.reset_log()
    seconds, peak, stdout, stderr = 0.0, 0.0, "", ""
    for cmd in commands:
        took, maxrss, proc = run_child(cmd, env, stats)
        step = cmd[3] if cmd[1] == "-m" else "get_data"
        night.steps.setdefault(step, []).append(took)
        seconds += took
        peak = max(peak, maxrss)
        stdout += proc.stdout
        stderr += proc.stderr
    if server.errors:
        raise RunFailed(f"{night.name}: the fake server failed:\n{server.errors[-1]}")
    night.times.append(seconds)
    night.rss.append(peak)
    night.log = list(server.log)
    night.counts.append((night.requests, night.bytes))
    night.stdout, night.stderr = stdout, stderr


def revise(server: ODataServer) -> None:
    """CBS revises Emmen's population on 1 January 2025 and marks 03759ned modified."""
    table = server.tables[REVISED_TABLE]
    table.table_infos["Modified"] = REVISED_MODIFIED
    row = next(r for r in table.rows if r["RegioS"].strip() == "GM0114" and "2025" in r["Perioden"])
    row["BevolkingOp1Januari_1"] = REVISED_VALUE


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under folder (links not followed) with its mtime and size."""
    return {
        str(p.relative_to(folder)): (p.lstat().st_mtime_ns, p.lstat().st_size)
        for p in sorted(folder.rglob("*"))
    }


def latest_report(out: Path) -> dict[str, Any]:
    path = out / "latest" / "wijzigingen.json"
    try:
        return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError) as error:
        raise RunFailed(f"update wrote no readable change report at {path}: {error}") from None


def check_report(out: Path, reason: str, revision: bool) -> None:
    report = latest_report(out)
    if report.get("reason") != reason:
        raise RunFailed(f"update's report gives reason {report.get('reason')!r}, not {reason!r}")
    if revision:
        found = {(r["indicator"], r["region"], r["period"]) for r in report.get("revisions", [])}
        if REVISION_KEY not in found:
            raise RunFailed(f"update's report does not list the revision {REVISION_KEY}: {found}")


def same_export(mine: Path, other: Path) -> list[str]:
    """Files that differ between update's export and another (update's report aside)."""
    a = {str(p.relative_to(mine)): p for p in mine.rglob("*") if p.is_file()}
    b = {str(p.relative_to(other)): p for p in other.rglob("*") if p.is_file()}
    names = sorted((set(a) | set(b)) - REPORT_FILES)
    return [n for n in names if n not in a or n not in b or content(a[n]) != content(b[n])]


def content(path: Path) -> object:
    """A file's bytes; for a workbook its cell values, with the fetch times masked: a
    store fetched a minute later says so in the sources sheet."""
    if path.suffix != ".xlsx":
        return path.read_bytes()
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    book = load_workbook(path, read_only=True)
    cells = [
        [FETCHED.sub("opgehaald (time)", v) if isinstance(v, str) else v for v in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    book.close()
    return cells


def report(
    args: argparse.Namespace,
    nights: list[dict[str, Night]],
    tables: list[tuple[str, str]],
    kwb_rows: int,
    notes: list[str],
) -> str:
    bandwidth = f"{args.bandwidth / 1e6:g} MB/s per response" if args.bandwidth else "unlimited"
    lines = [
        "# `bwmonitor update` night by night vs an always-refetch nightly script",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        f"- server: latency {args.latency * 1000:g} ms per request, bandwidth {bandwidth}; "
        f"84799NED with {kwb_rows:,} rows ({args.districts:,} synthetic wijk/buurt rows)",
        f"- tables: {', '.join(t for t, _ in tables)}; catalogue `FETCH_CATALOG` "
        f"(5 indicators); export: xlsx{' + charts' if not args.no_charts else ', --no-charts'}; "
        f"repeats: {args.repeat} (wall time and peak RSS are medians)",
        "",
        "| night | run | wall time (s) | requests | bytes | peak RSS (MiB) "
        "| time: run / update | bytes: run / update | RSS: run / update |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, runs in zip(NIGHTS, nights, strict=True):
        mine = runs[UPDATE]
        for run in runs.values():
            lines.append(
                f"| {name} | {run.name} | {seconds(run)} | {run.requests} "
                f"| {fmt_bytes(run.bytes)} | {rss(run):.0f} | {fmt_ratio(run.time, mine.time)} "
                f"| {fmt_ratio(run.bytes, mine.bytes)} | {fmt_ratio(rss(run), rss(mine))} |"
            )
    lines += ["", "Wall time per command (s):", ""]
    for name, runs in zip(NIGHTS, nights, strict=True):
        parts = [
            f"{run.name}: "
            + " + ".join(f"{step} {statistics.median(t):.2f}" for step, t in run.steps.items())
            for run in runs.values()
            if len(run.steps) > 1
        ]
        lines.append(f"- {name}: " + "; ".join(parts))
    update, incremental = nights[REVISION][UPDATE], nights[REVISION][INCREMENTAL]
    lines += [
        "",
        f"Update's overhead on the revision night: {update.time:.2f} s against "
        f"{incremental.time:.2f} s for `fetch && export` on the same night "
        f"({fmt_ratio(update.time, incremental.time)}, {update.time - incremental.time:+.2f} s; "
        f"peak RSS {rss(update):.0f} vs {rss(incremental):.0f} MiB).",
        "",
        "Per table, `bwmonitor update` (requests / bytes):",
        "",
        "| table | " + " | ".join(NIGHTS) + " |",
        "|---|" + "---:|" * len(NIGHTS),
    ]
    per_table = [runs[UPDATE].per_table() for runs in nights]
    for table_id, _ in tables:
        cells = [f"{n} / {fmt_bytes(b)}" for n, b in (c.get(table_id, (0, 0)) for c in per_table)]
        lines.append(f"| {table_id} | " + " | ".join(cells) + " |")
    varied = [
        f"{run.name} ({name})"
        for name, runs in zip(NIGHTS, nights, strict=True)
        for run in runs.values()
        if len(set(run.counts)) > 1
    ]
    if varied:
        lines += ["", f"Requests or bytes differed between repeats for: {', '.join(varied)}."]
    return "\n".join([*lines, "", *notes]) + "\n"


def seconds(run: Night) -> str:
    """The median wall time, with the range when there are repeats."""
    spread = f" ({min(run.times):.2f}–{max(run.times):.2f})" if len(run.times) > 1 else ""
    return f"{run.time:.2f}{spread}"


def rss(run: Night) -> float:
    return statistics.median(run.rss)


def check_claims(
    nights: list[dict[str, Night]],
    tables: list[tuple[str, str]],
    changed: list[str],
    quiet_time_ratio: float,
) -> list[str]:
    update = nights[QUIET][UPDATE]
    failed = noop_failures("quiet night", update.log, tables)
    if changed:
        failed.append(f"quiet night: update changed its export folder: {changed[:5]}")
    if update.stdout or update.stderr:
        printed = (update.stdout + update.stderr)[:200]
        failed.append(f"quiet night: update --quiet printed {printed!r}")
    refetch = nights[QUIET][REFETCH]
    if refetch.bytes < QUIET_BYTES_RATIO * update.bytes:
        failed.append(
            f"quiet night: always refetch moved only {fmt_ratio(refetch.bytes, update.bytes)} "
            f"update's bytes (< {QUIET_BYTES_RATIO:g}×)"
        )
    if refetch.time < quiet_time_ratio * update.time:
        failed.append(
            f"quiet night: always refetch took only {fmt_ratio(refetch.time, update.time)} "
            f"update's wall time (< {quiet_time_ratio:g}×)"
        )
    update = nights[REVISION][UPDATE]
    for way in (REFETCH, INCREMENTAL):
        other = nights[REVISION][way]
        if update.time > REVISION_RATIO * other.time:
            failed.append(
                f"revision night: update took {fmt_ratio(update.time, other.time)} the wall "
                f"time of {way} (> {REVISION_RATIO:g}×)"
            )
    return failed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser, "night")
    parser.add_argument(
        "--no-charts", action="store_true", help="export the workbook only (cron's line has charts)"
    )
    parser.add_argument(
        "--no-plain", action="store_true", help="skip plain get_data (about 40 s a night)"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"Markdown report (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.districts < 0 or args.latency < 0 or args.bandwidth < 0:
        parser.error("--repeat must be ≥ 1; --districts, --latency, --bandwidth ≥ 0")
    return args


def plans(
    args: argparse.Namespace, server: ODataServer, tables: list[tuple[str, str]], root: Path
) -> dict[str, tuple[Path, list[list[str]]]]:
    """Per way of doing a night: its data directory and its commands."""
    bw = [sys.executable, "-m", "bwmonitor"]
    charts = ["--no-charts"] if args.no_charts else []

    def export(name: str) -> list[str]:
        return [*bw, "export", "--quiet", "--out", str(root / FOLDERS[name] / "out"), *charts]

    ways = {
        UPDATE: [[*bw, "update", "--quiet", "--out", str(root / FOLDERS[UPDATE] / "out"), *charts]],
        REFETCH: [[*bw, "fetch", "--force", "--quiet"], export(REFETCH)],
        INCREMENTAL: [[*bw, "fetch", "--quiet"], export(INCREMENTAL)],
    }
    if not args.no_plain:
        ways[PLAIN] = [[sys.executable, "-c", BASELINE_SCRIPT, server.host, json.dumps(tables)]]
    return {way: (root / FOLDERS[way] / "store", cmds) for way, cmds in ways.items()}


def one_repeat(
    args: argparse.Namespace,
    server: ODataServer,
    nights: list[dict[str, Night]],
    tables: list[tuple[str, str]],
    root: Path,
    env: dict[str, str],
    checks: Checks,
) -> None:
    """The three nights, on fresh stores under root."""
    ways = plans(args, server, tables, root)
    stats = root / "rusage.json"
    root.mkdir(parents=True)
    kwb_rows = len(server.tables["84799NED"].rows)
    out = root / FOLDERS[UPDATE] / "out"
    for night, runs in enumerate(nights):
        if night == REVISION:
            revise(server)
        before = files(out) if night == QUIET else {}
        for way, (store, commands) in ways.items():
            print(f"{root.name}, {NIGHTS[night]}: {way} …", file=sys.stderr, flush=True)
            measure(runs[way], server, commands, {**env, "BWMONITOR_DATA_DIR": str(store)}, stats)
            if way == PLAIN and json.loads(runs[way].stdout).get("84799NED") != kwb_rows:
                raise RunFailed(f"plain get_data got {runs[way].stdout}, not 84799NED={kwb_rows}")
        if night == QUIET:
            after = files(out)
            checks.changed |= {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            continue
        check_report(out, "changed" if night == REVISION else "first", night == REVISION)
        today = dt.date.today().isoformat()
        exported = (out / "latest").resolve()  # update keeps the first night's: <today>-2
        for way in (REFETCH, INCREMENTAL):
            other = root / FOLDERS[way] / "out" / today
            checks.differ.setdefault(f"{NIGHTS[night]}, {way}", set()).update(
                same_export(exported, other)
            )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tables = catalogue_tables(FETCH_CATALOG)
    fake = all_tables(with_districts=args.districts)
    kwb_rows = len(next(t for t in fake if t.table_id == "84799NED").rows)
    pristine = copy.deepcopy(next(t for t in fake if t.table_id == REVISED_TABLE))
    ways = [UPDATE, REFETCH, INCREMENTAL] + ([] if args.no_plain else [PLAIN])
    nights = [{way: Night(way) for way in ways} for _ in NIGHTS]
    server = ODataServer(fake, latency=args.latency, bandwidth=args.bandwidth or None)
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="bwmonitor-bench-") as tmp, server:
        catalog = Path(tmp) / "indicators.toml"
        catalog.write_text(FETCH_CATALOG, encoding="utf-8")
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        env = dict(os.environ, NO_PROXY=no_proxy, no_proxy=no_proxy)
        env.update(BWMONITOR_CBS_URL=server.base_url, BWMONITOR_CATALOG=str(catalog))
        start = startup([sys.executable, "-m", "bwmonitor", "--help"], env)
        try:
            for i in range(args.repeat):
                server.tables[REVISED_TABLE] = copy.deepcopy(pristine)
                root = Path(tmp) / f"repeat-{i + 1}"
                one_repeat(args, server, nights, tables, root, env, checks)
        except RunFailed as error:
            print(f"benchmark run failed: {error}", file=sys.stderr)
            return 2
    differ = {k: sorted(v) for k, v in checks.differ.items() if v}
    notes = [
        "Exports: update's folder (its change report aside) and the other two exports are "
        + (
            "the same on the first and the revision night (charts byte for byte, the "
            "workbook's cells but for the minute each store was fetched)."
            if not differ
            else "NOT identical: "
            + "; ".join(f"{k}: {', '.join(v[:5])}" for k, v in differ.items())
        ),
        f"Process start, included above: `python -m bwmonitor --help` {start:.2f} s.",
    ]
    text = report(args, nights, tables, kwb_rows, notes)
    ratio = QUIET_TIME_RATIO_NO_CHARTS if args.no_charts else QUIET_TIME_RATIO
    return publish(text, check_claims(nights, tables, sorted(checks.changed), ratio), args)


if __name__ == "__main__":
    sys.exit(main())
