"""Benchmark: `bwmonitor compare` against a plain pandas script doing the same comparison.

First, issue 12's per-indicator budget (bench/README.md), with every field of compare's
JSON computed (issue 15's trend test, recent change, scores, theme scores and ranks):
rounds of ``python -c "import polars"`` and ``bwmonitor compare --region zuidoost`` on a
store whose observations are kept; compare may cost at most 1.5 x the import / N per
indicator above the import (N: the shipped catalogue's indicators), wall and CPU time.

Part 1, same data, same run (the shipped offline snapshot, an empty data directory):
for each of Drenthe's 12 municipalities, CR07, CR08, CR09 and the catalogue's two
custom regions,

1. ``bwmonitor compare --region R --format json``, the CLI in a subprocess (process
   start and imports included: what a user sees);
2. ``pipeline.compare_regions(settings, [R], ["drenthe", "nederland"])`` in one process,
   per region after one warm-up call;
3. the pandas baseline (``pandas_compare`` below) in its own subprocess per region;
4. the pandas baseline in one process, per region after one warm-up call.

The baseline reads the same Parquet files and catalogue and computes, per indicator,
the region's value (published, else sum / ratio of sums / weighted mean of the member
municipalities, as docs/compare.md says), the difference to PV22 and NL01, and the rank
among Drenthe's 12 municipalities. Its values are checked against bwmonitor's JSON.

Part 2, at scale: a synthetic store of 10 KWB-like tables (2015-2024) of ~17,000 regions
(NL00, ~355 GM, ~3,200 WK, ~13,500 BU) x 50 Float64 measures, a catalogue of 50 indicators
on them plus 5 derived ratios; `bwmonitor compare --region zuidoost --format json` and
the pandas baseline in a subprocess each, with wall time and peak RSS (``os.wait4``);
then the same on a store with only the NL00 and GM rows of those tables.

Exit status: 0 when every run succeeded, the values agree and the budget holds, 1 if the
value check disagrees or the budget does not hold, 2 if a run failed. Needs pandas
(``.venv/bin/pip install pandas``), which is not a bwmonitor dependency.

    .venv/bin/python bench/compare.py [--repeat 1] [--skip-scale] [--pandas-timeout 300]
    .venv/bin/python bench/compare.py --budget-only [--budget-rounds 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "compare-latest.md"
SHIPPED_CATALOG = REPO / "src" / "bwmonitor" / "indicators.toml"
SNAPSHOT = REPO / "src" / "bwmonitor" / "snapshot"

# The baseline's own knowledge of Drenthe's regions (an analyst would write these down).
COROP = {
    "CR07": ["GM1680", "GM0106", "GM1731", "GM1699", "GM1730"],
    "CR08": ["GM1681", "GM0109", "GM0114"],
    "CR09": ["GM1690", "GM0118", "GM0119", "GM1701"],
}
DRENTHE_GM = [gm for members in COROP.values() for gm in members]
BENCHMARKS = ["PV22", "NL01"]
# CBS publishes some figures for GGD regions; GGD Drenthe is exactly the province
SAME_AREA = {"GG0706": "PV22"}
REGIONS = [*DRENTHE_GM, "CR07", "CR08", "CR09", "regiodeal_zuid_oost", "regiodeal_noord"]
CHECK_REGION = "CR08"
CHECK_INDICATORS = ["bijstand_per_1000", "inwoners", "inkomen_per_inwoner", "besteedbaar_inkomen"]

# Part 2: the synthetic store.
SCALE_YEARS = list(range(2015, 2025))
SCALE_MEASURES = 50
SCALE_WK = 3_200
SCALE_BU = 13_500
SCALE_SEED = 20261123


# ==================================================================== pandas baseline
# A plain script: pandas, tomllib and json only. Loops over indicators, merge/groupby.


def pandas_compare(catalog_path: Path, table_dirs: list[Path], region: str) -> dict[str, Any]:
    """Per indicator: value, period, benchmark values and differences, rank in Drenthe."""
    import pandas as pd

    with open(catalog_path, "rb") as handle:
        catalog = tomllib.load(handle)
    indicators = catalog["indicators"]
    sources = catalog["sources"]
    aggregates = dict(COROP)
    aggregates["PV22"] = DRENTHE_GM
    for region_id, entry in catalog.get("regions", {}).items():
        aggregates[region_id] = entry["members"]

    tables: dict[str, Any] = {}

    def load(table_id):
        if table_id not in tables:
            tables[table_id] = None
            for folder in table_dirs:
                sidecar = folder / "tables" / f"{table_id}.json"
                if sidecar.exists():
                    meta = json.loads(sidecar.read_text("utf-8"))
                    frame = pd.read_parquet(folder / "tables" / meta["data_file"])
                    tables[table_id] = (meta, frame)
                    break
        return tables[table_id]

    def find_column(measure, measures, series):
        if measure in measures:
            return measure
        stem = measure.rsplit("_", 1)[0] if measure.rsplit("_", 1)[-1].isdigit() else measure
        if not series and stem != measure:
            return None
        hits = [k for k in measures if k.rsplit("_", 1)[0].lower() == stem.lower()]
        return hits[0] if len(hits) == 1 else None

    # 1. published values per indicator
    published = {}
    for indicator_id, ind in indicators.items():
        if "numerator" in ind or "total" in ind:  # derived: computed below
            continue
        source = sources[ind["source"]]
        series = "series" in source
        parts = list(source["series"].items()) if series else [(None, source["table"])]
        frames = []
        for year, table_id in parts:
            found = load(table_id)
            if found is None:
                continue
            meta, df = found
            column = find_column(ind["measure"], meta["measures"], year is not None)
            if column is None:
                continue
            dims = meta["dimensions"]
            geo = next(k for k, v in dims.items() if v["type"] in ("GeoDimension", "GeoDetail"))
            times = [k for k, v in dims.items() if v["type"] == "TimeDimension"]
            for dim, code in ind.get("filters", {}).items():
                if dim in df.columns:
                    df = df[df[dim] == code]
            # one year per table: the series' label, else TableInfos' Period ("2024")
            single = f"{year}JJ00" if year else f"{str(meta.get('period', '')).strip()}JJ00"
            part = pd.DataFrame(
                {
                    "region": df[geo].astype(str).values,
                    "period": df[times[0]].astype(str).values if times else single,
                    "value": df[column].astype(float).values,
                }
            )
            for dim, codes in ind.get("sum_over", {}).items():
                # rows of every code added up; a region without all of them gets no value
                part = part[df[dim].isin(codes).values] if dim in df.columns else part[:0]
                part = (
                    part.groupby(["region", "period"])["value"].agg(["sum", "count"]).reset_index()
                )
                part = part[part["count"] == len(codes)].rename(columns={"sum": "value"})
                part = part[["region", "period", "value"]]
            frames.append(part.dropna(subset=["value"]))
        if frames:
            pub = pd.concat(frames, ignore_index=True)
        else:
            pub = pd.DataFrame(
                {
                    "region": pd.Series(dtype=str),
                    "period": pd.Series(dtype=str),
                    "value": pd.Series(dtype=float),
                }
            )
        pub["region"] = pub["region"].replace("NL00", "NL01")
        # a GGD region with exactly a province's or COROP region's municipalities is it
        for ggd, target in SAME_AREA.items():
            copy = pub[pub["region"] == ggd].assign(region=target)
            taken = set(zip(pub["region"], pub["period"], strict=True))
            copy = copy[[(target, p) not in taken for p in copy["period"]]]
            pub = pd.concat([pub, copy], ignore_index=True)
        published[indicator_id] = pub

    # 2. computed values for regions without a published one, in dependency order
    complete = {}

    def fill(indicator_id):
        if indicator_id in complete:
            return complete[indicator_id]
        ind = indicators[indicator_id]
        rule = ind["aggregate"]
        if "numerator" in ind:
            num = fill(ind["numerator"])[["region", "period", "value"]]
            den = fill(ind["denominator"])[["region", "period", "value"]]
            both = num.merge(den, on=["region", "period"], suffixes=("_num", "_den"))
            both = both[both["value_den"] != 0]
            both["value"] = both["value_num"] / both["value_den"] * float(ind.get("scale", 1))
            complete[indicator_id] = both[["region", "period", "value"]]
            return complete[indicator_id]
        if "total" in ind:  # a difference of two counts, wherever both exist
            total = fill(ind["total"])[["region", "period", "value"]]
            minus = fill(ind["minus"])[["region", "period", "value"]]
            both = total.merge(minus, on=["region", "period"], suffixes=("_total", "_minus"))
            both["value"] = both["value_total"] - both["value_minus"]
            complete[indicator_id] = both[["region", "period", "value"]]
            return complete[indicator_id]
        pub = published[indicator_id]
        if rule == "none" or len(pub) == 0:
            complete[indicator_id] = pub
            return pub
        pairs = [(t, m) for t, members in aggregates.items() for m in members]
        members = pd.DataFrame(pairs, columns=["target", "member"]).merge(
            pd.DataFrame({"period": pub["period"].unique()}), how="cross"
        )
        gm = pub[pub["region"].str.startswith("GM")][["region", "period"]].drop_duplicates()
        per_period = gm.groupby("period").size()
        whole_country = per_period[per_period >= 300].index
        nl = gm[gm["period"].isin(whole_country)].rename(columns={"region": "member"})
        nl["target"] = "NL01"
        members = pd.concat([members, nl[["target", "member", "period"]]], ignore_index=True)
        values = pub[["region", "period", "value"]].copy()
        joined = members.merge(
            values,
            left_on=["member", "period"],
            right_on=["region", "period"],
            how="left",
        )
        if rule == "weighted_mean":
            joined = with_weights(joined, members, ind)
        else:
            joined["weight"] = 1.0
        joined["present"] = joined["value"].notna() & joined["weight"].notna()
        joined["weighted"] = joined["value"] * joined["weight"]
        grouped = (
            joined.groupby(["target", "period"])
            .agg(
                n=("member", "size"),
                present=("present", "sum"),
                weighted=("weighted", "sum"),
                weights=("weight", "sum"),
            )
            .reset_index()
        )
        grouped = grouped[grouped["present"] == grouped["n"]]
        if rule == "weighted_mean":
            grouped = grouped[grouped["weights"] != 0]
            grouped["value"] = grouped["weighted"] / grouped["weights"]
        else:
            grouped["value"] = grouped["weighted"]
        computed = grouped.rename(columns={"target": "region"})[["region", "period", "value"]]
        marked = computed.merge(
            pub[["region", "period"]], on=["region", "period"], how="left", indicator=True
        )
        computed = marked[marked["_merge"] == "left_only"].drop(columns="_merge")
        complete[indicator_id] = pd.concat([pub, computed], ignore_index=True)
        return complete[indicator_id]

    def with_weights(joined, members, ind):
        """Each member's weight: the first of weight, weight_fallback that every member
        of the target has in the period or else the nearest year (the earlier of two)."""
        chosen = None
        for weight_id in [ind["weight"], ind.get("weight_fallback")]:
            if weight_id is None:
                continue
            weights = fill(weight_id)[["region", "period", "value"]].dropna(subset=["value"])
            weights = weights[weights["period"].str.endswith("JJ00")]
            sizes = members.groupby(["target", "period"]).size().rename("size")
            found = members.merge(
                weights.rename(columns={"region": "member", "period": "weight_period"}),
                on="member",
            )
            counts = found.groupby(["target", "period", "weight_period"]).size().rename("n")
            counts = counts.reset_index().merge(sizes.reset_index(), on=["target", "period"])
            counts = counts[counts["n"] == counts["size"]].copy()
            counts["distance"] = (
                counts["weight_period"].str[:4].astype(int) - counts["period"].str[:4].astype(int)
            ).abs()
            best = counts.sort_values(["distance", "weight_period"]).drop_duplicates(
                ["target", "period"]
            )[["target", "period", "weight_period"]]
            best["weight_id"] = weight_id
            if chosen is not None:
                seen = set(zip(chosen["target"], chosen["period"], strict=True))
                pairs = zip(best["target"], best["period"], strict=True)
                keep = [(t, p) not in seen for t, p in pairs]
                best = best[keep]
                chosen = pd.concat([chosen, best], ignore_index=True)
            else:
                chosen = best
        figures = pd.concat(
            [
                fill(w)[["region", "period", "value"]].assign(weight_id=w)
                for w in [ind["weight"], ind.get("weight_fallback")]
                if w is not None
            ],
            ignore_index=True,
        ).rename(columns={"region": "member", "period": "weight_period", "value": "weight"})
        joined = joined.merge(chosen, on=["target", "period"])
        return joined.merge(figures, on=["member", "weight_period", "weight_id"], how="left")

    for indicator_id in indicators:
        fill(indicator_id)

    # 3. the comparison: latest year with a value for the region, benchmarks, rank
    result = {}
    for indicator_id, ind in indicators.items():
        data = complete[indicator_id]
        data = data[data["period"].str.endswith("JJ00")]
        own = data[data["region"] == region]
        benchmarks = data[data["region"].isin(BENCHMARKS) & data["value"].notna()]
        if len(own):
            period = own["period"].max()
        elif len(benchmarks):  # the focus region has none: the benchmarks' latest year
            period = benchmarks["period"].max()
        else:
            period = None
        at = data[data["period"] == period]
        values = dict(zip(at["region"], at["value"], strict=True))
        value = values.get(region)
        record = {"period": period[:4] if period else None, "value": value, "benchmarks": {}}
        count = ind["aggregate"] == "sum"  # counts: a share of the benchmark, no rank
        for benchmark in BENCHMARKS:
            other = values.get(benchmark)
            missing = value is None or other is None
            if count:
                share = None if missing or not other else value / other * 100
                record["benchmarks"][benchmark] = {"value": other, "share": share}
            else:
                diff = None if missing else value - other
                record["benchmarks"][benchmark] = {"value": other, "difference": diff}
        rank = None
        if ind["better"] != "neutral" and not count and region in DRENTHE_GM and value is not None:
            drenthe = at[at["region"].isin(DRENTHE_GM)].copy()
            sign = -1.0 if ind["better"] == "lower" else 1.0
            drenthe["rank"] = (drenthe["value"] * sign).rank(method="min", ascending=False)
            rank = int(drenthe.loc[drenthe["region"] == region, "rank"].iloc[0])
        record["rank_drenthe"] = rank
        result[indicator_id] = record
    return result


# ==================================================================== workers (subprocesses)


def worker(args: argparse.Namespace) -> int:
    """Compare regions in this process; print timings (and records) as JSON."""
    regions = args.regions.split(",")
    catalog, data_dir = Path(args.catalog), Path(args.data_dir)
    if args.worker == "pandas":

        def run(region: str) -> Any:
            return pandas_compare(catalog, [data_dir, SNAPSHOT], region)

    else:
        from bwmonitor.core.settings import resolve
        from bwmonitor.pipeline.comparing import compare_regions

        settings = resolve(data_dir=data_dir, catalog=catalog)

        def run(region: str) -> Any:
            result = compare_regions(settings, [region], ["drenthe", "nederland"])
            return len(result.comparison.records)

    out: dict[str, Any] = {"seconds": {}, "records": {}}
    if args.warmup:
        start = time.perf_counter()
        run(regions[0])
        out["warmup"] = time.perf_counter() - start
    for region in regions:
        start = time.perf_counter()
        records = run(region)
        out["seconds"][region] = time.perf_counter() - start
        if args.worker == "pandas":
            out["records"][region] = records
    json.dump(out, sys.stdout)
    return 0


# ==================================================================== harness


class RunFailed(Exception):
    pass


def run_child(cmd: list[str], env: dict[str, str], timeout: float | None = None) -> dict[str, Any]:
    """Run cmd; wall time, peak RSS of that child (os.wait4), stdout. None on timeout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=err)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
            if pid:
                break
            if deadline and time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"timeout": True, "seconds": time.perf_counter() - start}
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RunFailed(f"{' '.join(cmd[:6])} … exited {proc.returncode}: {stderr[-2000:]}")
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mib": usage.ru_maxrss / 1024,
        "stdout": stdout,
    }


def cli_cmd(region: str) -> list[str]:
    return [sys.executable, "-m", "bwmonitor", "compare", "--region", region, "--format", "json"]


def worker_cmd(kind: str, regions: list[str], catalog: Path, data_dir: Path, warmup: bool):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    cmd += ["--regions", ",".join(regions), "--catalog", str(catalog), "--data-dir", str(data_dir)]
    return [*cmd, "--warmup"] if warmup else cmd


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check_values(bw: list[dict[str, Any]], pd_records: dict[str, Any]) -> list[str]:
    """Differences between bwmonitor's JSON records and the baseline's, for one region."""
    problems = []
    for record in bw:
        ours = pd_records.get(record["indicator"])
        where = f"{record['indicator']} {record['region']}"
        if ours is None:
            problems.append(f"{where}: missing in the pandas output")
            continue
        if record["period"] != ours["period"] or not close(record["value"], ours["value"]):
            problems.append(
                f"{where}: bwmonitor {record['period']} {record['value']}, "
                f"pandas {ours['period']} {ours['value']}"
            )
        for bench in record["benchmarks"]:
            theirs = ours["benchmarks"][bench["region"]]
            field = "share" if "share" in theirs else "difference"
            if not close(bench["value"], theirs["value"]) or not close(
                bench.get(field), theirs[field]
            ):
                problems.append(f"{where} vs {bench['region']}: {bench} != {theirs}")
        if record["rank_drenthe"] != ours["rank_drenthe"]:
            problems.append(
                f"{where}: rank {record['rank_drenthe']} (bwmonitor) "
                f"!= {ours['rank_drenthe']} (pandas)"
            )
    return problems


def median(values: list[float]) -> float:
    return statistics.median(values)


def part1(args: argparse.Namespace, tmp: Path, lines: list[str]) -> list[str]:
    data_dir = tmp / "empty-store"
    data_dir.mkdir()
    # one copy of the shipped catalogue for every run, both sides
    catalog = tmp / "indicators.toml"
    catalog.write_bytes(SHIPPED_CATALOG.read_bytes())
    env = {**os.environ, "BWMONITOR_DATA_DIR": str(data_dir), "BWMONITOR_CATALOG": str(catalog)}
    cli: dict[str, list[float]] = {r: [] for r in REGIONS}
    pd_sub: dict[str, list[float]] = {r: [] for r in REGIONS}
    bw_in: dict[str, list[float]] = {r: [] for r in REGIONS}
    pd_in: dict[str, list[float]] = {r: [] for r in REGIONS}
    bw_records: dict[str, list[dict[str, Any]]] = {}
    pd_records: dict[str, dict[str, Any]] = {}
    warm = {"bwmonitor": [], "pandas": []}
    for i in range(args.repeat):
        log(f"part 1, repeat {i + 1}/{args.repeat}: bwmonitor CLI per region …")
        for region in REGIONS:
            run = run_child(cli_cmd(region), env)
            cli[region].append(run["seconds"])
            bw_records[region] = json.loads(run["stdout"])
        log("part 1: pandas script per region …")
        for region in REGIONS:
            cmd = worker_cmd("pandas", [region], catalog, data_dir, warmup=False)
            run = run_child(cmd, env)
            pd_sub[region].append(run["seconds"])
            pd_records[region] = json.loads(run["stdout"])["records"][region]
        log("part 1: in-process, both …")
        for kind, store in (("bwmonitor", bw_in), ("pandas", pd_in)):
            cmd = worker_cmd(kind, REGIONS, catalog, data_dir, warmup=True)
            out = json.loads(run_child(cmd, env)["stdout"])
            warm[kind].append(out["warmup"])
            for region, seconds in out["seconds"].items():
                store[region].append(seconds)

    problems = []
    for region in REGIONS:
        problems += check_values(bw_records[region], pd_records[region])
    checked = sum(len(bw_records[r]) for r in REGIONS)

    help_cmd = [sys.executable, "-m", "bwmonitor", "--help"]
    pandas_cmd = [sys.executable, "-c", "import pandas"]
    starts = {
        "bwmonitor --help": median([run_child(help_cmd, env)["seconds"] for _ in range(3)]),
        "import pandas": median([run_child(pandas_cmd, env)["seconds"] for _ in range(3)]),
    }

    med = {
        name: {r: median(v) for r, v in series.items()}
        for name, series in (("cli", cli), ("pd_sub", pd_sub), ("bw_in", bw_in), ("pd_in", pd_in))
    }
    totals = {name: sum(values.values()) for name, values in med.items()}
    lines += [
        f"## Part 1: shipped snapshot, {len(REGIONS)} regions",
        "",
        f"Catalogue: {SHIPPED_CATALOG.relative_to(REPO)} ({len(bw_records[REGIONS[0]])} "
        "indicators); data: the shipped snapshot only (empty `BWMONITOR_DATA_DIR`); "
        "benchmarks PV22 and NL01. Wall times in seconds"
        + (f", median of {args.repeat} runs" if args.repeat > 1 else "")
        + ".",
        "",
        "| region | bwmonitor CLI (subprocess) | pandas script (subprocess) "
        "| bwmonitor in-process | pandas in-process |",
        "|---|---:|---:|---:|---:|",
    ]
    for region in REGIONS:
        lines.append(
            f"| {region} | {med['cli'][region]:.3f} | {med['pd_sub'][region]:.3f} "
            f"| {med['bw_in'][region]:.3f} | {med['pd_in'][region]:.3f} |"
        )
    lines.append(
        f"| **total** | **{totals['cli']:.2f}** | **{totals['pd_sub']:.2f}** "
        f"| **{totals['bw_in']:.2f}** | **{totals['pd_in']:.2f}** |"
    )
    lines += [
        "",
        f"- Ratio pandas / bwmonitor, subprocess per region: "
        f"{totals['pd_sub'] / totals['cli']:.2f}×; in-process: "
        f"{totals['pd_in'] / totals['bw_in']:.2f}×.",
        f"- Warm-up call (first call in the process, not in the totals): bwmonitor "
        f"{median(warm['bwmonitor']):.3f} s, pandas {median(warm['pandas']):.3f} s.",
        f"- Process start (median of 3): `python -m bwmonitor --help` "
        f"{starts['bwmonitor --help']:.3f} s; `python -c 'import pandas'` "
        f"{starts['import pandas']:.3f} s.",
        "",
        f"Value check: {checked} records ({len(REGIONS)} regions × indicators): period, "
        "value, PV22/NL01 values and differences, rank in Drenthe — "
        + ("all agree (rel. tol. 1e-9)." if not problems else f"{len(problems)} DISAGREE."),
        "",
        f"| {CHECK_REGION} indicator | year | bwmonitor | pandas | − PV22 (bw / pd) "
        "| − NL01 (bw / pd) |",  # for counts (inwoners): the share of PV22/NL01, in %
        "|---|---|---:|---:|---:|---:|",
    ]
    for indicator_id in CHECK_INDICATORS:
        bw = next(r for r in bw_records[CHECK_REGION] if r["indicator"] == indicator_id)
        ours = pd_records[CHECK_REGION][indicator_id]
        diffs = [
            f"{fmt(against(b))} / {fmt(against(ours['benchmarks'][b['region']]))}"
            for b in bw["benchmarks"]
        ]
        lines.append(
            f"| {indicator_id} | {bw['period']} | {fmt(bw['value'])} | {fmt(ours['value'])} "
            f"| {diffs[0]} | {diffs[1]} |"
        )
    lines.append("")
    return problems


# Issue 12's budget, in the catalogue's unit (bench/README.md): `bwmonitor compare
# --region zuidoost` may cost at most (BUDGET - 1) x the polars import / N per indicator
# above that import, with every field of compare's JSON computed (issue 15's trend,
# recent change, scores and theme ranks included).
BUDGET = 2.5
BUDGET_COMPARE = ["-m", "bwmonitor", "compare", "--region", "zuidoost"]


def per_indicator_budget(args: argparse.Namespace, tmp: Path, lines: list[str]) -> list[str]:
    """Rounds of `python -c "import polars"` and compare (table output) on a store whose
    observations are kept; medians of wall and CPU time, per indicator above the import."""
    data_dir = tmp / "budget-store"
    data_dir.mkdir()
    env = {**os.environ, "BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    env.pop("BWMONITOR_CATALOG", None)
    first = run_child([sys.executable, *BUDGET_COMPARE], env)  # computes and keeps them
    json_run = run_child([sys.executable, *BUDGET_COMPARE, "--format", "json"], env)
    indicators = len(json.loads(json_run["stdout"]))
    rounds: dict[str, list[dict[str, Any]]] = {"polars": [], "compare": []}
    log(f"budget: {args.budget_rounds} rounds of the polars import and compare …")
    for _ in range(args.budget_rounds):
        rounds["polars"].append(run_child([sys.executable, "-c", "import polars"], env))
        rounds["compare"].append(run_child([sys.executable, *BUDGET_COMPARE], env))
    wall = {k: median([r["seconds"] for r in v]) for k, v in rounds.items()}
    cpu = {k: median([r["cpu"] for r in v]) for k, v in rounds.items()}
    spread = {
        k: (min(r["seconds"] for r in v), max(r["seconds"] for r in v)) for k, v in rounds.items()
    }
    allowed = {
        m: (BUDGET - 1) * t["polars"] / indicators * 1000 for m, t in (("wall", wall), ("CPU", cpu))
    }
    above = {
        m: (t["compare"] - t["polars"]) / indicators * 1000
        for m, t in (("wall", wall), ("CPU", cpu))
    }
    over = [m for m in ("wall", "CPU") if above[m] > allowed[m]]
    lines += [
        "## Issue 12's per-indicator budget, with issue 15's fields",
        "",
        f'`bwmonitor compare --region zuidoost` (table output) against `python -c "import '
        f'polars"`, {args.budget_rounds} rounds, medians; shipped catalogue ({indicators} '
        "indicators, every JSON field computed: trend test, recent change, scores, theme "
        f"scores and ranks); the store's observations kept (the first compare took "
        f"{first['seconds']:.3f} s wall, {first['cpu']:.3f} s CPU). Load: {load()}.",
        "",
        "| run | wall (s) | range (s) | CPU (s) |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {wall[k]:.3f} | {spread[k][0]:.3f}–{spread[k][1]:.3f} | {cpu[k]:.3f} |"
            for k, name in (
                ("polars", "`import polars`"),
                ("compare", "`compare --region zuidoost`"),
            )
        ),
        "",
        f"compare / polars: wall {wall['compare'] / wall['polars']:.2f}×, CPU "
        f"{cpu['compare'] / cpu['polars']:.2f}× (budget {BUDGET}×). Per indicator above the "
        f"import: wall {above['wall']:.1f} ms (budget {allowed['wall']:.1f} ms), CPU "
        f"{above['CPU']:.1f} ms (budget {allowed['CPU']:.1f} ms): "
        + ("**within the budget**." if not over else f"**over the budget ({', '.join(over)})**."),
        "",
    ]
    return [f"per-indicator budget exceeded ({m})" for m in over]


def load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def against(benchmark: dict[str, Any]) -> float | None:
    """The difference to a benchmark; for counts their share (%) of it instead."""
    return benchmark["share"] if "share" in benchmark else benchmark.get("difference")


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.6g}"


def build_scale_store(root: Path) -> tuple[Path, Path, Path, dict[str, Any]]:
    """10 KWB-like tables in the store layout, and a catalogue of 55 indicators on them.

    Two stores: ``root/full`` with NL00, GM, WK and BU rows, and ``root/gm`` with only
    the NL00 and GM rows of the same tables (what `bwmonitor fetch` stores with the
    default region_levels).
    """
    import numpy as np
    import polars as pl

    from bwmonitor.store.tables import TableDir, TableMeta

    snapshot = json.loads((SNAPSHOT / "tables" / "84799NED.json").read_text("utf-8"))
    names = snapshot["dimensions"]["WijkenEnBuurten"]["labels"]
    gms = sorted(code for code in names if code.startswith("GM"))
    assert set(DRENTHE_GM) <= set(gms)
    labels = {"NL00": "Nederland", **{gm: names[gm] for gm in gms}}
    wk_per_gm = [SCALE_WK // len(gms) + (i < SCALE_WK % len(gms)) for i in range(len(gms))]
    wks = []
    for gm, count in zip(gms, wk_per_gm, strict=True):
        for w in range(count):
            wks.append(f"WK{gm[2:]}{w:02d}")
            labels[wks[-1]] = f"Wijk {w:02d} {names[gm]}"
    for i, wk in enumerate(wks):
        for b in range(SCALE_BU // len(wks) + (i < SCALE_BU % len(wks))):
            labels[f"BU{wk[2:]}{b:02d}"] = f"Buurt {b:02d}"
    codes = list(labels)
    rng = np.random.default_rng(SCALE_SEED)
    measures = [f"M{m:02d}_{m}" for m in range(1, SCALE_MEASURES + 1)]
    store, gm_store = TableDir(root / "full"), TableDir(root / "gm")
    gm_labels = {code: name for code, name in labels.items() if code[:2] in ("NL", "GM")}
    table_ids = {}
    start = time.perf_counter()
    for n, year in enumerate(SCALE_YEARS, start=1):
        table_id = f"999{n:02d}TST"
        table_ids[str(year)] = table_id
        data = {"WijkenEnBuurten": codes}
        for m, key in enumerate(measures, start=1):
            scale = 100_000.0 if m <= 2 else 1_000.0
            data[key] = rng.uniform(1.0, scale, len(codes))
        sidecar = {
            "table_id": table_id,
            "title": f"Synthetische kerncijfers wijken en buurten {year}",
            "modified": f"{year + 1}-07-01T02:00:00",
            "fetched_at": "2026-11-23T00:00:00",
            "origin": "cbs",
            "catalog": "opendata",
            "dimensions": {"WijkenEnBuurten": {"type": "GeoDetail", "labels": labels}},
            "measures": {
                key: {
                    "title": f"Maat {key.split('_')[0]}",
                    "unit": "aantal",
                    "decimals": 1,
                    "datatype": "Double",
                }
                for key in measures
            },
        }
        frame = pl.DataFrame(data)
        store.write(TableMeta.from_json(table_id, sidecar), frame)
        gm_sidecar = {**sidecar, "dimensions": {"WijkenEnBuurten": {"type": "GeoDetail"}}}
        gm_sidecar["dimensions"]["WijkenEnBuurten"]["labels"] = gm_labels
        gm_frame = frame.filter(pl.col("WijkenEnBuurten").is_in(list(gm_labels)))
        gm_store.write(TableMeta.from_json(table_id, gm_sidecar), gm_frame)
    built = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (root / "full" / "tables").iterdir())

    shipped = tomllib.loads(SHIPPED_CATALOG.read_text("utf-8"))
    themes = list(shipped["themes"])
    toml = [
        "[monitor]",
        'title = "Synthetische benchmark"',
        'region_levels = ["NL", "PV", "CR", "GM", "WK", "BU"]',
        'period_types = ["JJ"]',
        "",
    ]
    for theme_id, theme in shipped["themes"].items():
        toml += [f"[themes.{theme_id}]", f"title = {json.dumps(theme['title'])}", ""]
    series = ", ".join(f'"{year}" = "{tid}"' for year, tid in table_ids.items())
    toml += ["[sources.kwb]", 'title = "Synthetische KWB"', f"series = {{ {series} }}", ""]
    rules = {"sum": 0, "weighted_mean": 0, "ratio": 0}
    directions = ["higher", "lower", "neutral"]
    for m in range(1, SCALE_MEASURES + 1):
        rule = "sum" if m <= 30 else "weighted_mean"
        rules[rule] += 1
        toml += [
            f"[indicators.m{m:02d}]",
            f'title = "Maat {m:02d}"',
            f'theme = "{themes[m % len(themes)]}"',
            'unit = "aantal"',
            f'better = "{directions[m % 3]}"',
            'source = "kwb"',
            f'measure = "M{m:02d}"',
            f'aggregate = "{rule}"',
        ]
        if rule == "weighted_mean":
            toml.append(f'weight = "m{1 + m % 2:02d}"')
        toml.append("")
    for r in range(1, 6):
        rules["ratio"] += 1
        toml += [
            f"[indicators.r{r:02d}]",
            f'title = "Verhouding {r:02d}"',
            f'theme = "{themes[r % len(themes)]}"',
            'unit = "per 1.000"',
            "decimals = 1",
            f'better = "{directions[r % 3]}"',
            f'numerator = "m{r + 2:02d}"',
            'denominator = "m01"',
            "scale = 1000",
            'aggregate = "ratio"',
            "",
        ]
    for region_id, region in shipped.get("regions", {}).items():
        toml += [
            f"[regions.{region_id}]",
            f"name = {json.dumps(region['name'])}",
            f"members = {json.dumps(region['members'])}",
            "",
        ]
    catalog = root / "indicators.toml"
    catalog.write_text("\n".join(toml), encoding="utf-8")
    info = {
        "rows": len(codes),
        "gm": len(gms),
        "wk": len(wks),
        "bu": len(codes) - 1 - len(gms) - len(wks),
        "built": built,
        "bytes": size,
        "rules": rules,
    }
    return catalog, root / "full", root / "gm", info


def part2(args: argparse.Namespace, tmp: Path, lines: list[str]) -> list[str]:
    log("part 2: building the synthetic stores …")
    catalog, full_dir, gm_dir, info = build_scale_store(tmp / "scale")
    cells = info["rows"] * SCALE_MEASURES * len(SCALE_YEARS)
    lines += [
        "## Part 2: at scale (synthetic store)",
        "",
        f"10 KWB-like tables ({SCALE_YEARS[0]}–{SCALE_YEARS[-1]}), each {info['rows']:,} rows "
        f"(NL00, {info['gm']} GM incl. Drenthe's 12, {info['wk']:,} WK, {info['bu']:,} BU) × "
        f"{SCALE_MEASURES} Float64 measures: {cells:,} values, "
        f"{info['bytes'] / 2**20:.1f} MiB of Parquet (zstd), built in {info['built']:.1f} s. "
        f"Catalogue: {SCALE_MEASURES} indicators on the series ({info['rules']['sum']} `sum`, "
        f"{info['rules']['weighted_mean']} `weighted_mean`) plus {info['rules']['ratio']} "
        "derived `ratio` indicators; region `zuidoost` (CR08), benchmarks PV22 and NL01. "
        f"The second store holds only the {info['gm'] + 1} NL00 and GM rows of the same "
        "tables (what `bwmonitor fetch` keeps with the default `region_levels`).",
        "",
        "| store | run (own subprocess) | wall time (s) | peak RSS (MiB) | records |",
        "|---|---|---:|---:|---:|",
    ]
    problems: list[str] = []
    notes = []
    for label, data_dir in (("NL+GM+WK+BU", full_dir), ("NL+GM only", gm_dir)):
        env = {**os.environ, "BWMONITOR_DATA_DIR": str(data_dir)}
        env["BWMONITOR_CATALOG"] = str(catalog)
        log(f"part 2 ({label}): bwmonitor compare --region zuidoost …")
        bw = run_child(cli_cmd("zuidoost"), env)
        bw_records = json.loads(bw["stdout"])
        lines.append(
            f"| {label} | `bwmonitor compare --region zuidoost --format json` "
            f"| {bw['seconds']:.2f} | {bw['maxrss_mib']:.0f} | {len(bw_records)} |"
        )
        log(f"part 2 ({label}): pandas script …")
        cmd = worker_cmd("pandas", [CHECK_REGION], catalog, data_dir, warmup=False)
        pd_run = run_child(cmd, env, timeout=args.pandas_timeout)
        if pd_run.get("timeout"):
            lines.append(
                f"| {label} | pandas script | > {args.pandas_timeout:.0f} (stopped) | – | – |"
            )
            continue
        records = json.loads(pd_run["stdout"])["records"][CHECK_REGION]
        lines.append(
            f"| {label} | pandas script | {pd_run['seconds']:.2f} "
            f"| {pd_run['maxrss_mib']:.0f} | {len(records)} |"
        )
        found = check_values(bw_records, records)
        problems += found
        notes.append(
            f"- {label}: pandas / bwmonitor {pd_run['seconds'] / bw['seconds']:.2f}× wall time, "
            f"{pd_run['maxrss_mib'] / bw['maxrss_mib']:.2f}× peak memory; value check "
            f"({len(bw_records)} records): "
            + ("all agree." if not found else f"{len(found)} DISAGREE.")
        )
    lines += ["", *notes, ""]
    return problems


def environment() -> str:
    import pandas
    import polars

    return (
        f"Environment: {os.cpu_count()} cores (`nproc` = {len(os.sched_getaffinity(0))}), "
        f"{platform.system()} {platform.release()} {platform.machine()}, Python "
        f"{platform.python_version()}, polars {polars.__version__}, pandas {pandas.__version__}, "
        f"numpy {__import__('numpy').__version__}; {dt.date.today().isoformat()}."
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per part-1 case (median)")
    parser.add_argument("--skip-scale", action="store_true", help="only part 1")
    parser.add_argument(
        "--budget-rounds", type=int, default=7, help="rounds for the per-indicator budget"
    )
    parser.add_argument("--budget-only", action="store_true", help="only the budget")
    parser.add_argument(
        "--pandas-timeout",
        type=float,
        default=300.0,
        help="seconds after which the pandas run at scale is stopped (default 300)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown report")
    # internal: run one side in this process (used by the harness in subprocesses)
    parser.add_argument("--worker", choices=["pandas", "bwmonitor"], help=argparse.SUPPRESS)
    parser.add_argument("--regions", help=argparse.SUPPRESS)
    parser.add_argument("--catalog", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    try:
        import pandas  # noqa: F401
    except ImportError:
        print("this benchmark needs pandas: .venv/bin/pip install pandas", file=sys.stderr)
        return 2
    lines = ["# `bwmonitor compare` against a plain pandas script", "", environment(), ""]
    problems: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bwmonitor-bench-compare-") as tmp:
            problems += per_indicator_budget(args, Path(tmp), lines)
            if not args.budget_only:
                problems += part1(args, Path(tmp), lines)
            if not args.skip_scale and not args.budget_only:
                problems += part2(args, Path(tmp), lines)
    except RunFailed as error:
        print(f"benchmark run failed: {error}", file=sys.stderr)
        return 2
    text = "\n".join(lines)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    for problem in problems:
        print(f"value check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
