"""Benchmark: `bwmonitor fetch` against plain `cbsodata.get_data`, on one fake CBS server.

Claim under test (see bench/README.md): `bwmonitor fetch` is at least 10x faster and
moves at least 10x fewer bytes than plain ``cbsodata.get_data(table)`` for the tables of
the same catalogue on the same server, and a no-op re-run costs at most one small
request per table.

Everything runs offline against ``tests.odata_server.ODataServer`` on 127.0.0.1 with
the real-data fixture tables of ``tests.fixtures_cbs``. In one run on one server:

1. baseline: a plain script (own process) calls ``cbsodata.get_data`` per table, in turn;
2. ``bwmonitor fetch --quiet`` on an empty store (cold);
3. the same command again, nothing changed (no-op);
4. ``bwmonitor fetch --quiet --force`` (everything again, for completeness).

A second part (skip it with ``--no-v4``) compares the two roads to CBS, OData v3 and v4,
for the tables with v4 captures (``tests.fixtures_cbs_v4``), on the same server with the
same latency and bandwidth, each cold run on an empty store:

1. ``bwmonitor fetch --quiet --cbs-api v3``, 03759ned;
2. ``bwmonitor fetch --quiet --cbs-api v4``, 03759ned;
3. the same v4 command again, nothing changed (no-op: one Properties request per table);
4. ``bwmonitor fetch --quiet --cbs-api v4``, 03759ned and 83625NED (83625NED has a v4
   capture only, so it has no v3 row).

Wall time is measured around each subprocess (process start included; the start-up
cost of each interpreter is reported on its own), requests and bytes come from the
server's log. Exit status: 0 if the claims hold (the v4 no-op's one small request per
table included), 1 if one does not (named on stderr), 2 if a run itself failed.

    .venv/bin/python bench/fetch.py [--latency 0.05] [--bandwidth 2000000]
                                    [--districts 16985] [--repeat 1] [--no-force] [--no-v4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.conftest import (  # noqa: E402
    BOTH_ROADS_CATALOG,
    FETCH_CATALOG,
    POPULATION_CATALOG,
)
from tests.fixtures_cbs import all_tables  # noqa: E402
from tests.fixtures_cbs_v4 import all_v4_tables  # noqa: E402
from tests.odata_server import V4_PATH_MARK, ODataServer, RequestRecord  # noqa: E402

RESULTS = REPO / "bench" / "results" / "fetch-latest.md"

# 84799NED has NL00 + 355 municipalities of real data; CBS's real table has 17,341 rows,
# so 16,985 synthetic wijk/buurt rows give it its real size.
KWB_BASE_ROWS = 356
KWB_REAL_ROWS = 17_341
DEFAULT_DISTRICTS = KWB_REAL_ROWS - KWB_BASE_ROWS

# 50 ms per request: a round trip plus server think time for a remote service.
DEFAULT_LATENCY = 0.05
# 2 MB/s per response (16 Mbit/s): a modest office/VPN link, well below what CBS serves.
DEFAULT_BANDWIDTH = 2_000_000

CLAIM_RATIO = 10.0  # baseline / bwmonitor, for wall time and for bytes
SMALL_REQUEST = 16 * 1024  # "small": a no-op request may move at most this many bytes

# The v4 comparison's catalogues (tests/conftest.py): 03759ned, the one table with a v3
# fake and a v4 capture, named by its v3 key; and 83625NED besides, by its v4 identifier.
V4_CATALOG = POPULATION_CATALOG
V4_ONLY_CATALOG = BOTH_ROADS_CATALOG

# What an analyst without bwmonitor writes: every table, in turn, with plain get_data.
BASELINE_SCRIPT = """
import json, sys
import cbsodata

cbsodata.options.use_https = False
cbsodata.options.requests = {"proxies": {"http": None, "https": None}}
host, tables = sys.argv[1], json.loads(sys.argv[2])
rows = {}
for table_id, catalog in tables:
    # On CBS, dataderden tables live on dataderden.cbs.nl; the fake server is one host.
    rows[table_id] = len(cbsodata.get_data(table_id, catalog_url=host))
print(json.dumps(rows))
"""


@dataclass
class Run:
    """One measured run: wall times over the repeats, the server log of the last one."""

    name: str
    road: str = ""  # the v4 part: v3 or v4
    tables: list[tuple[str, str]] = field(default_factory=list)  # the v4 part's catalogue
    times: list[float] = field(default_factory=list)
    log: list[RequestRecord] = field(default_factory=list)
    counts: list[tuple[int, int]] = field(default_factory=list)  # (requests, bytes) per repeat

    @property
    def time(self) -> float:
        return statistics.median(self.times)

    @property
    def requests(self) -> int:
        return len(self.log)

    @property
    def bytes(self) -> int:
        return sum(r.bytes_sent for r in self.log)

    def per_table(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for record in self.log:
            key = record.table_id or "(catalog)"
            n, b = out.get(key, (0, 0))
            out[key] = (n + 1, b + record.bytes_sent)
        return out

    def per_entity(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for record in self.log:
            key = f"{record.table_id or '(catalog)'} {record.entity or '(service root)'}"
            n, b = out.get(key, (0, 0))
            out[key] = (n + 1, b + record.bytes_sent)
        return out


class RunFailed(Exception):
    pass


def catalogue_tables(text: str) -> list[tuple[str, str]]:
    """(table id, catalog) for every CBS table the catalogue uses, in catalogue order."""
    tables: list[tuple[str, str]] = []
    for source in tomllib.loads(text).get("sources", {}).values():
        ids = list(source["series"].values()) if "series" in source else [source["table"]]
        tables += [(t, source.get("catalog", "opendata")) for t in ids]
    return tables


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RunFailed(
            f"{' '.join(cmd[1:])} exited {proc.returncode}:\n{proc.stderr.strip()[-2000:]}"
        )
    return elapsed, proc.stdout


def measure(run: Run, server: ODataServer, cmd: list[str], env: dict[str, str]) -> str:
    server.reset_log()
    elapsed, stdout = timed(cmd, env)
    if server.errors:
        raise RunFailed(f"{run.name}: the fake server failed:\n{server.errors[-1]}")
    run.times.append(elapsed)
    run.log = list(server.log)
    run.counts.append((run.requests, run.bytes))
    return stdout


def startup(cmd: list[str], env: dict[str, str], times: int = 3) -> float:
    return statistics.median(timed(cmd, env)[0] for _ in range(times))


def fmt_bytes(n: float) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MiB"
    return f"{n / 1024:.1f} KiB"


def fmt_ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "∞"


def report(
    args: argparse.Namespace,
    runs: list[Run],
    tables: list[tuple[str, str]],
    kwb_rows: int,
    starts: dict[str, float],
) -> str:
    baseline = runs[0]
    bandwidth = f"{args.bandwidth / 1e6:g} MB/s per response" if args.bandwidth else "unlimited"
    lines = [
        "# `bwmonitor fetch` vs plain `cbsodata.get_data`",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        f"- machine: {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
        f"- server: latency {args.latency * 1000:g} ms per request, bandwidth {bandwidth}; "
        f"84799NED with {kwb_rows:,} rows ({args.districts:,} synthetic wijk/buurt rows)",
        f"- tables: {', '.join(t for t, _ in tables)}; repeats: {args.repeat} "
        "(wall time is the median)",
        f"- load average (1, 5, 15 min) at start: {fmt_load(args.load_start)}; "
        f"at end: {fmt_load(os.getloadavg())}",
        "",
        "| run | wall time (s) | requests | bytes | time: baseline / run | bytes: baseline / run |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.time:.2f} | {run.requests} | {fmt_bytes(run.bytes)} "
            f"| {fmt_ratio(baseline.time, run.time)} | {fmt_ratio(baseline.bytes, run.bytes)} |"
        )
    lines += [
        "",
        "Process start, included in the wall times above (median of 3): "
        f"`python -m bwmonitor --help` {starts['bwmonitor']:.2f} s; "
        f"interpreter + everything `fetch` imports (cli, pipeline, polars) "
        f"{starts['imports']:.2f} s; baseline's `python -c 'import cbsodata'` "
        f"{starts['cbsodata']:.2f} s.",
        "",
        "Per table (requests / bytes):",
        "",
        "| table | " + " | ".join(r.name for r in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    per_table = [r.per_table() for r in runs]
    for table_id, _ in tables:
        cells = []
        for counts in per_table:
            n, b = counts.get(table_id, (0, 0))
            cells.append(f"{n} / {fmt_bytes(b)}")
        lines.append(f"| {table_id} | " + " | ".join(cells) + " |")
    varied = [r.name for r in runs if len(set(r.counts)) > 1]
    if varied:
        lines += ["", f"Requests or bytes differed between repeats for: {', '.join(varied)}."]
    return "\n".join(lines) + "\n"


def fmt_load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def v4_report(runs: list[Run]) -> str:
    """The v4 part: the four runs, the v4/v3 ratios for 03759ned, per table and request."""
    v3, v4 = runs[0], runs[1]
    lines = [
        "",
        "## OData v4 against v3 (the tables with v4 captures)",
        "",
        "Same server, latency and bandwidth as above; `bwmonitor fetch --quiet --cbs-api "
        "<road>` on an empty store (the no-op on the store of the run before it).",
        "",
        "| run | road | tables | wall time (s) | requests | bytes |",
        "|---|---|---|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.road} | {', '.join(t for t, _ in run.tables)} "
            f"| {run.time:.2f} | {run.requests} | {fmt_bytes(run.bytes)} |"
        )
    lines += [
        "",
        f"v4 / v3 for 03759ned ({v4.name} against {v3.name}): "
        f"time {fmt_ratio(v4.time, v3.time)}, requests {fmt_ratio(v4.requests, v3.requests)}, "
        f"bytes {fmt_ratio(v4.bytes, v3.bytes)}.",
        "",
        "Per table and entity (requests / bytes; – where a run did not ask it):",
        "",
        "| table, entity | " + " | ".join(r.name for r in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    per_entity = [r.per_entity() for r in runs]
    keys = list(dict.fromkeys(k for counts in per_entity for k in counts))
    keys.sort(key=lambda k: k.split(" ")[0])  # stable: by table, in order of first request
    for key in keys:
        cells = []
        for counts in per_entity:
            n, b = counts.get(key, (0, 0))
            cells.append(f"{n} / {fmt_bytes(b)}" if n else "–")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    varied = [r.name for r in runs if len(set(r.counts)) > 1]
    if varied:
        lines += ["", f"Requests or bytes differed between repeats for: {', '.join(varied)}."]
    return "\n".join(lines) + "\n"


def check_road(run: Run) -> None:
    """Every request of a run went to the road it asked for (else the run is no measure)."""
    v4_requests = sum(V4_PATH_MARK in r.path for r in run.log)
    wrong = run.requests - v4_requests if run.road == "v4" else v4_requests
    if wrong:
        other = "v3" if run.road == "v4" else "v4"
        raise RunFailed(f"{run.name}: {wrong} of {run.requests} requests went to {other}")


def check_claims(runs: list[Run], tables: list[tuple[str, str]]) -> list[str]:
    baseline, cold, noop = runs[0], runs[1], runs[2]
    failed = []
    if baseline.time < CLAIM_RATIO * cold.time:
        failed.append(
            f"time: baseline {baseline.time:.2f} s is only "
            f"{baseline.time / cold.time:.1f}× bwmonitor fetch's {cold.time:.2f} s (< 10×)"
        )
    if baseline.bytes < CLAIM_RATIO * cold.bytes:
        failed.append(
            f"bytes: baseline {fmt_bytes(baseline.bytes)} is only "
            f"{baseline.bytes / max(cold.bytes, 1):.1f}× bwmonitor fetch's "
            f"{fmt_bytes(cold.bytes)} (< 10×)"
        )
    return failed + noop_failures("no-op", noop.log, tables)


def noop_failures(label: str, log: list[RequestRecord], tables: list[tuple[str, str]]) -> list[str]:
    """A run with nothing changed may cost one small request per table, and no other."""
    failed = []
    ids = {t for t, _ in tables}
    for table_id in sorted(ids):
        mine = [r for r in log if r.table_id == table_id]
        if len(mine) > 1 or any(r.bytes_sent > SMALL_REQUEST for r in mine):
            failed.append(
                f"{label}: {table_id} cost {len(mine)} requests, "
                f"{fmt_bytes(sum(r.bytes_sent for r in mine))} (want ≤ 1 request ≤ "
                f"{fmt_bytes(SMALL_REQUEST)})"
            )
    strays = [r for r in log if r.table_id not in ids]
    if strays:
        failed.append(f"{label}: {len(strays)} requests outside the catalogue's tables")
    return failed


def add_server_arguments(parser: argparse.ArgumentParser, each: str) -> None:
    """The fake server's link and table size, and the repeats (of each `each`)."""
    parser.add_argument(
        "--latency",
        type=float,
        default=DEFAULT_LATENCY,
        help=f"seconds of server delay per request (default {DEFAULT_LATENCY})",
    )
    parser.add_argument(
        "--bandwidth",
        type=float,
        default=DEFAULT_BANDWIDTH,
        help=f"bytes/s per response, 0 = unlimited (default {DEFAULT_BANDWIDTH:,})",
    )
    parser.add_argument(
        "--districts",
        type=int,
        default=DEFAULT_DISTRICTS,
        help="synthetic wijk/buurt rows added to 84799NED's 356 real rows "
        f"(default {DEFAULT_DISTRICTS:,}: the real table's {KWB_REAL_ROWS:,} rows)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help=f"measure every {each} this many times (median)"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_arguments(parser, "run")
    parser.add_argument("--no-force", action="store_true", help="skip the --force run")
    parser.add_argument(
        "--no-v4", action="store_true", help="skip the runs that compare OData v4 with v3"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"Markdown report (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    args.load_start = os.getloadavg()
    if args.repeat < 1 or args.districts < 0 or args.latency < 0 or args.bandwidth < 0:
        parser.error("--repeat must be ≥ 1; --districts, --latency, --bandwidth ≥ 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tables = catalogue_tables(FETCH_CATALOG)
    fake = all_tables(with_districts=args.districts)
    kwb_rows = len(next(t for t in fake if t.table_id == "84799NED").rows)
    runs = [Run("plain `cbsodata.get_data` (baseline)"), Run("bwmonitor fetch (cold)")]
    runs.append(Run("bwmonitor fetch (no-op re-run)"))
    if not args.no_force:
        runs.append(Run("bwmonitor fetch --force"))
    fetch = [sys.executable, "-m", "bwmonitor", "fetch", "--quiet"]
    v4_runs = [
        Run("v3 cold", "v3", catalogue_tables(V4_CATALOG)),
        Run("v4 cold", "v4", catalogue_tables(V4_CATALOG)),
        Run("v4 no-op re-run", "v4", catalogue_tables(V4_CATALOG)),
        Run("v4 cold, with 83625NED", "v4", catalogue_tables(V4_ONLY_CATALOG)),
    ]
    server = ODataServer(
        fake,
        v4_tables=all_v4_tables(),
        latency=args.latency,
        bandwidth=args.bandwidth or None,
    )
    with tempfile.TemporaryDirectory(prefix="bwmonitor-bench-") as tmp, server:
        catalog = Path(tmp) / "indicators.toml"
        catalog.write_text(FETCH_CATALOG, encoding="utf-8")
        v4_catalog = Path(tmp) / "indicators-v4.toml"
        v4_catalog.write_text(V4_CATALOG, encoding="utf-8")
        v4_only_catalog = Path(tmp) / "indicators-v4-only.toml"
        v4_only_catalog.write_text(V4_ONLY_CATALOG, encoding="utf-8")
        no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
        env = {
            **os.environ,
            "BWMONITOR_CBS_URL": server.base_url,
            "BWMONITOR_CATALOG": str(catalog),
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
        }
        starts = {
            "bwmonitor": startup([sys.executable, "-m", "bwmonitor", "--help"], env),
            "imports": startup(
                [sys.executable, "-c", "import bwmonitor.cli, bwmonitor.pipeline.fetching, polars"],
                env,
            ),
            "cbsodata": startup([sys.executable, "-c", "import cbsodata"], env),
        }
        baseline_cmd = [sys.executable, "-c", BASELINE_SCRIPT, server.host, json.dumps(tables)]
        try:
            for i in range(args.repeat):
                print(f"repeat {i + 1}/{args.repeat}: baseline …", file=sys.stderr, flush=True)
                rows = json.loads(measure(runs[0], server, baseline_cmd, env))
                if rows.get("84799NED") != kwb_rows:
                    raise RunFailed(f"baseline got {rows} rows, expected 84799NED={kwb_rows}")
                run_env = {**env, "BWMONITOR_DATA_DIR": str(Path(tmp) / f"store-{i}")}
                print(f"repeat {i + 1}/{args.repeat}: bwmonitor …", file=sys.stderr, flush=True)
                measure(runs[1], server, fetch, run_env)
                measure(runs[2], server, fetch, run_env)
                if not args.no_force:
                    measure(runs[3], server, [*fetch, "--force"], run_env)
            for i in range(0 if args.no_v4 else args.repeat):
                print(f"repeat {i + 1}/{args.repeat}: v4 against v3 …", file=sys.stderr, flush=True)
                stores = Path(tmp) / f"v4-{i}"
                plan = [
                    (v4_runs[0], v4_catalog, "v3-cold"),
                    (v4_runs[1], v4_catalog, "v4-cold"),
                    (v4_runs[2], v4_catalog, "v4-cold"),  # the no-op: the store just filled
                    (v4_runs[3], v4_only_catalog, "v4-both"),
                ]
                for run, catalogue, store in plan:
                    road_env = {
                        **env,
                        "BWMONITOR_CATALOG": str(catalogue),
                        "BWMONITOR_DATA_DIR": str(stores / store),
                    }
                    measure(run, server, [*fetch, "--cbs-api", run.road], road_env)
                    check_road(run)
        except RunFailed as error:
            print(f"benchmark run failed: {error}", file=sys.stderr)
            return 2
    text = report(args, runs, tables, kwb_rows, starts)
    failed = check_claims(runs, tables)
    if not args.no_v4:
        text += v4_report(v4_runs)
        failed += noop_failures("v4 no-op", v4_runs[2].log, v4_runs[2].tables)
    return publish(text, failed, args)


def publish(text: str, failed: list[str], args: argparse.Namespace) -> int:
    """Print the report with the verdict on the claims, save it, and return the exit code."""
    text += "\n" + (
        "Claims: " + ("all hold." if not failed else "NOT MET: " + "; ".join(failed)) + "\n"
    )
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    for message in failed:
        print(f"claim failed: {message}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
