"""Benchmark: the HTML report (issue 16 point 6), small and fast.

On the shipped snapshot (an empty store) with the shipped catalogue:

(a) render: the exported page opened in headless Chromium (Debian's, through Playwright,
    every request but the file itself and data: URIs refused), a fresh page per run;
    the Navigation Timing `loadEventEnd` and the Paint Timing `first-paint` and
    `first-contentful-paint`, median and range over `--runs`. Budget: under 1 s.
(b) export time: the workbook alone (`export --format xlsx`) against the workbook with
    the HTML report added, the way `update` writes both (`write_monitor_files` with a
    change report), each in its own process, in alternating rounds. Budget: at most 20%
    more time. Without charts by default (the stricter case: the report's share is
    larger); `--charts` draws them too.
(c) size: the page of the full catalogue against the page of a one-indicator catalogue
    (`--catalog`); the slope per indicator and the fixed part, checked by measuring the
    fixed parts (styles, scripts, map geometry) in the page itself. Budget: fixed part
    under 1 MB, at most 60 KB per indicator on average. The workbook's size is reported
    beside it.

Exit status 0 when every budget holds, 1 when one does not (named), 2 when a run fails.

    .venv/bin/python bench/report.py [--runs 9] [--rounds 5] [--charts]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "report-latest.md"
SHIPPED_CATALOG = ROOT / "src" / "bwmonitor" / "indicators.toml"
PAGE = "monitor-brede-welvaart.html"
WORKBOOK = "monitor-brede-welvaart.xlsx"
ONE_INDICATOR = "inwoners"  # a count straight from one table: no dependencies

# update hands write_monitor_files its change report, which makes it add the page
CHANGE_REPORT = "# Wijzigingen\n\nEerste export: alle cijfers zijn nieuw.\n"

RENDER_BUDGET_MS = 1000.0
EXPORT_BUDGET = 0.20
FIXED_BUDGET = 1_000_000
PER_INDICATOR_BUDGET = 60_000

# as tests/publish/test_html_browser.py launches it
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class RunFailed(Exception):
    pass


# ==================================================================== catalogues


def one_indicator_catalog(text: str, keep: str) -> str:
    """The catalogue with every `[indicators.*]` table but `keep` left out (themes,
    sources and regions stay): the page's fixed part plus one indicator."""
    blocks = re.split(r"(?m)^(?=\[)", text)
    kept = [
        block
        for block in blocks
        if not block.startswith("[indicators.") or block.startswith(f"[indicators.{keep}]")
    ]
    return "".join(kept)


def indicator_count(text: str) -> int:
    return len(re.findall(r"(?m)^\[indicators\.[^\]]+\]\s*$", text))


# ==================================================================== (b) export worker


def worker(kind: str, out: Path, charts: bool) -> int:
    """One export in this process: the workbook (`xlsx`) or the workbook and the HTML
    report as update writes them (`both`). Prints the in-process seconds."""
    started = time.perf_counter()
    from bwmonitor.core.settings import resolve
    from bwmonitor.pipeline.exporting import write_monitor_files
    from bwmonitor.pipeline.monitor_data import monitor_data
    from bwmonitor.publish.folder import staged_folder

    settings = resolve()
    data = monitor_data(settings)
    # update hands write_monitor_files its change report, which makes it add the page
    changes = (
        "# Wijzigingen\n\nEerste export: alle cijfers zijn nieuw.\n" if kind == "both" else None
    )
    with staged_folder(out) as staging:
        write_monitor_files(staging, data, "xlsx", charts, [], changes=changes)
    print(f"{time.perf_counter() - started:.6f}")
    return 0


def warm_worker(rounds: int, charts: bool) -> int:
    """Both exports in one process, alternating, after one of each to warm it (imports,
    the template's compile): the steady cost of the page, free of process start. Prints
    one line per export: its kind and seconds."""
    from bwmonitor.core.settings import resolve
    from bwmonitor.pipeline.exporting import write_monitor_files
    from bwmonitor.pipeline.monitor_data import monitor_data

    data = monitor_data(resolve())
    for i in range(rounds + 1):
        for kind in ("both", "xlsx") if i % 2 == 0 else ("xlsx", "both"):
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                changes = CHANGE_REPORT if kind == "both" else None
                write_monitor_files(Path(folder), data, "xlsx", charts, [], changes=changes)
                seconds = time.perf_counter() - started
            if i:
                print(f"{kind} {seconds:.6f}")
    return 0


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RunFailed(f"{' '.join(cmd[:8])} … exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds, done.stdout


def export_time(args: argparse.Namespace, tmp: Path, env: dict[str, str]) -> dict[str, Any]:
    times: dict[str, list[float]] = {"xlsx": [], "both": []}
    inside: dict[str, list[float]] = {"xlsx": [], "both": []}
    sizes: dict[str, int] = {}
    for i in range(args.rounds):
        # alternate the order, so that a drift in the machine's load hits both
        for kind in ("xlsx", "both") if i % 2 == 0 else ("both", "xlsx"):
            out = tmp / f"export-{kind}-{i}"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
            cmd += ["--out", str(out)] + (["--charts"] if args.charts else [])
            seconds, stdout = run_child(cmd, env)
            times[kind].append(seconds)
            inside[kind].append(float(stdout.strip().splitlines()[-1]))
            if i == 0:
                sizes[kind] = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
                if kind == "both":
                    sizes["page"] = (out / PAGE).stat().st_size
                    sizes["workbook"] = (out / WORKBOOK).stat().st_size
            shutil.rmtree(out)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "warm"]
    cmd += ["--rounds", str(args.rounds)] + (["--charts"] if args.charts else [])
    warm: dict[str, list[float]] = {"xlsx": [], "both": []}
    for line in run_child(cmd, env)[1].splitlines():
        kind, seconds = line.split()
        warm[kind].append(float(seconds))
    return {"process": times, "inside": inside, "warm": warm, "sizes": sizes}


# ==================================================================== (c) sizes


def export_page(catalog: Path, out: Path, env: dict[str, str]) -> Path:
    cmd = [sys.executable, "-m", "bwmonitor", "export", "--format", "html", "--no-charts"]
    cmd += ["--quiet", "--out", str(out), "--catalog", str(catalog)]
    run_child(cmd, env)
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder / PAGE


def fixed_parts(html: str) -> dict[str, int]:
    """Bytes (UTF-8) of the page's parts that do not grow with the catalogue."""
    parts = {
        "styles": r"<style\b.*?</style>",
        "scripts": r"<script\b.*?</script>",
        "map geometry": r"<symbol\b.*?</symbol>",
    }
    return {
        name: sum(len(m.encode()) for m in re.findall(pattern, html, flags=re.S))
        for name, pattern in parts.items()
    }


def page_sizes(tmp: Path, env: dict[str, str]) -> dict[str, Any]:
    text = SHIPPED_CATALOG.read_text(encoding="utf-8")
    full_catalog = tmp / "full.toml"
    full_catalog.write_text(text, encoding="utf-8")
    one_catalog = tmp / "one.toml"
    one_catalog.write_text(one_indicator_catalog(text, ONE_INDICATOR), encoding="utf-8")
    n = indicator_count(text)
    full = export_page(full_catalog, tmp / "page-full", env)
    one = export_page(one_catalog, tmp / "page-one", env)
    full_bytes, one_bytes = full.stat().st_size, one.stat().st_size
    slope = (full_bytes - one_bytes) / (n - 1)
    return {
        "n": n,
        "full": full_bytes,
        "one": one_bytes,
        "slope": slope,
        "fixed": one_bytes - slope,
        "average": (full_bytes - (one_bytes - slope)) / n,
        "parts": fixed_parts(full.read_text(encoding="utf-8")),
        "page": full,
    }


# ==================================================================== (a) render


def render_times(page: Path, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import Route, sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    url = page.as_uri()
    refused: list[str] = []

    def only_the_file(route: Route) -> None:
        if route.request.url == url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    found: dict[str, list[float]] = {
        "load": [],
        "first-paint": [],
        "first-contentful-paint": [],
        "main-thread busy": [],
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for i in range(runs + 1):  # the first run warms the browser and is not counted
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            tab.route("**/*", only_the_file)
            # the main thread's busy time (Chromium's own counters): less at the mercy of
            # the other processes on the machine than the wall-clock events
            cdp = context.new_cdp_session(tab)
            cdp.send("Performance.enable")
            tab.goto(url, wait_until="load")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            timing = tab.evaluate(
                """() => {
                    const nav = performance.getEntriesByType('navigation')[0];
                    const paints = Object.fromEntries(performance.getEntriesByType('paint')
                        .map(p => [p.name, p.startTime]));
                    return {load: nav.loadEventEnd, ...paints};
                }"""
            )
            context.close()
            timing["main-thread busy"] = metrics.get("TaskDuration", 0.0) * 1000
            if i:  # a paint entry can be missing (a load that painted before timing)
                for name in found:
                    if timing.get(name) is not None:
                        found[name].append(float(timing[name]))
        browser.close()
    if refused:
        raise RunFailed(f"the page asked for other hosts: {refused[:3]}")
    return found


# ==================================================================== report


def machine() -> str:
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()} "
        f"{platform.machine()}, Python {platform.python_version()}, load average {load}"
    )


def kib(n: float) -> str:
    return f"{n / 1024:.1f} KiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="page loads measured (median)")
    parser.add_argument("--rounds", type=int, default=5, help="export rounds (median)")
    parser.add_argument("--charts", action="store_true", help="exports draw the charts too")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report")
    parser.add_argument("--worker", choices=["xlsx", "both", "warm"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "warm":
        return warm_worker(args.rounds, args.charts)
    if args.worker:
        return worker(args.worker, args.out, args.charts)

    started = machine()
    try:
        with tempfile.TemporaryDirectory(prefix="bwmonitor-bench-report-") as name:
            tmp = Path(name)
            (tmp / "store").mkdir()
            env = {**os.environ, "BWMONITOR_DATA_DIR": str(tmp / "store")}
            env.pop("BWMONITOR_CATALOG", None)
            print("sizes: the page of the full and of a one-indicator catalogue …", flush=True)
            sizes = page_sizes(tmp, env)
            print(f"render: {args.runs} page loads in Chromium …", flush=True)
            render = render_times(sizes["page"], args.runs)
            print(f"export: {args.rounds} rounds, workbook alone and with the page …", flush=True)
            export = export_time(args, tmp, env)
    except RunFailed as error:
        print(f"benchmark run failed: {error}", file=sys.stderr)
        return 2

    over: list[str] = []
    med = {k: statistics.median(v) if v else math.nan for k, v in render.items()}
    if med["load"] >= RENDER_BUDGET_MS:
        over.append("render")
    proc = {k: statistics.median(v) for k, v in export["process"].items()}
    inner = {k: statistics.median(v) for k, v in export["inside"].items()}
    added = proc["both"] / proc["xlsx"] - 1
    added_inner = inner["both"] / inner["xlsx"] - 1
    warm = {k: statistics.median(v) for k, v in export["warm"].items()}
    added_warm = warm["both"] / warm["xlsx"] - 1
    if added > EXPORT_BUDGET:
        over.append("export time")
    if sizes["fixed"] >= FIXED_BUDGET:
        over.append("fixed part")
    if sizes["average"] > PER_INDICATOR_BUDGET:
        over.append("per indicator")

    def spread(values: list[float], unit: str = "ms", digits: int = 0) -> str:
        if not values:
            return "–"
        return f"{min(values):.{digits}f}–{max(values):.{digits}f} {unit}"

    parts = sizes["parts"]
    charts = "with charts" if args.charts else "without charts (`--no-charts`)"
    lines = [
        "# The HTML report: render time, export time, size",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Machine: {started} at the start; "
        f"{machine()} at the end. Shipped catalogue ({sizes['n']} indicators), shipped "
        "snapshot, empty store.",
        "",
        f"## (a) Render in headless Chromium ({args.runs} loads, a fresh context each)",
        "",
        "| event | median | range | loads with it |",
        "|---|---:|---:|---:|",
        *(
            f"| `{k}` | {med[k]:.0f} ms | {spread(v)} | {len(v)} of {args.runs} |"
            for k, v in render.items()
        ),
        "",
        f"Budget under {RENDER_BUDGET_MS:.0f} ms to `load`: "
        + ("**met**" if "render" not in over else "**not met**")
        + f" ({med['load'] / RENDER_BUDGET_MS:.2f} of it). Page: {kib(sizes['full'])}.",
        "",
        f"## (b) Export time, {charts}, {args.rounds} alternating rounds",
        "",
        "| export | process wall (median) | range | in-process (median) | files |",
        "|---|---:|---:|---:|---:|",
        f"| workbook alone (`export --format xlsx`) | {proc['xlsx']:.2f} s | "
        f"{spread(export['process']['xlsx'], 's', 2)} | {inner['xlsx']:.2f} s | "
        f"{kib(export['sizes']['xlsx'])} |",
        f"| workbook + HTML report (as `update` writes them) | {proc['both']:.2f} s | "
        f"{spread(export['process']['both'], 's', 2)} | {inner['both']:.2f} s | "
        f"{kib(export['sizes']['both'])} |",
        "",
        "",
        f"The same two in one warm process (`write_monitor_files`, alternating, after one "
        f"of each): workbook alone {warm['xlsx']:.2f} s "
        f"({spread(export['warm']['xlsx'], 's', 2)}), with the report {warm['both']:.2f} s "
        f"({spread(export['warm']['both'], 's', 2)}).",
        "",
        f"Added by the report: {added:+.1%} of the process wall time "
        f"(+{proc['both'] - proc['xlsx']:.2f} s), {added_inner:+.1%} in-process, "
        f"{added_warm:+.1%} in a warm process (+{warm['both'] - warm['xlsx']:.2f} s); budget "
        f"{EXPORT_BUDGET:.0%} (on the process wall time): "
        + ("**met**." if "export time" not in over else "**not met**."),
        "",
        "## (c) Size",
        "",
        "| page | bytes |",
        "|---|---:|",
        f"| full catalogue ({sizes['n']} indicators) | {sizes['full']:,} ({kib(sizes['full'])}) |",
        f"| one indicator (`{ONE_INDICATOR}`) | {sizes['one']:,} ({kib(sizes['one'])}) |",
        f"| slope per indicator | {sizes['slope']:,.0f} ({kib(sizes['slope'])}) |",
        f"| fixed part (one-indicator page − slope) | {sizes['fixed']:,.0f} "
        f"({kib(sizes['fixed'])}) |",
        f"| per indicator on average ((full − fixed) / {sizes['n']}) | "
        f"{sizes['average']:,.0f} ({kib(sizes['average'])}) |",
        "",
        "Fixed parts measured in the full page: "
        + ", ".join(f"{k} {kib(v)}" for k, v in parts.items())
        + f" ({kib(sum(parts.values()))} together).",
        f"Beside it: the workbook {kib(export['sizes']['workbook'])}; the page is "
        f"{export['sizes']['page'] / export['sizes']['workbook']:.1f}× the workbook.",
        "",
        f"Budgets: fixed part under {FIXED_BUDGET / 1e6:.0f} MB "
        + ("**met**" if "fixed part" not in over else "**not met**")
        + f" ({sizes['fixed'] / FIXED_BUDGET:.2f} of it); at most "
        f"{PER_INDICATOR_BUDGET / 1000:.0f} KB per indicator "
        + ("**met**" if "per indicator" not in over else "**not met**")
        + f" ({sizes['average'] / PER_INDICATOR_BUDGET:.2f} of it).",
    ]
    text = "\n".join(lines)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    if over:
        print(f"budget not met: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
