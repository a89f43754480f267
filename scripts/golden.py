"""Golden outputs: what bwmonitor shows its users, recorded so that a refactoring can be
proven not to change it (issue 12).

    python scripts/golden.py record DIR [--src SRC] [--no-exports]
                                                      # run the CLI of SRC (default: src/)
    python scripts/golden.py diff OLD NEW             # list every output that differs

`record` runs the command line in a subprocess, on the shipped offline snapshot (an empty
store), 80 columns wide and piped, and writes into DIR:

- compare/<region>.json and .csv for every Drenthe region, and .txt (the table);
- help/<command>.txt: every --help text;
- errors.txt: the exit code and message of each error case below;
- export-<kind>.txt: every file of an export folder with its size and SHA-256.

The pre-renovation code is kept as the git tag `pre-renovation`: check it out into a
worktree and record with `--src <worktree>/src` to repeat the comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REGIONS = [
    "noord",
    "zuidoost",
    "zuidwest",
    "drenthe",
    "GM1680",
    "GM0106",
    "GM1731",
    "GM1699",
    "GM1730",
    "GM1681",
    "GM0109",
    "GM0114",
    "GM1690",
    "GM0118",
    "GM0119",
    "GM1701",
]

COMMANDS = [
    [],
    ["fetch"],
    ["tables"],
    ["show"],
    ["compare"],
    ["export"],
    ["update"],
    ["catalog"],
    ["catalog", "check"],
    ["catalog", "list"],
    ["catalog", "show"],
    ["regions"],
]

EMPTY_TOML = ""
BAD_ID_TOML = """
[themes.x]
title = "X"
[sources.s]
table = "84799NED"
[indicators."../../x"]
title = "X"
theme = "x"
source = "s"
measure = "Bijstand_1"
unit = "aantal"
"""

# (name, arguments, catalogue text or None): each should fail with a clear message
ERROR_CASES: list[tuple[str, list[str], str | None]] = [
    ("unknown region", ["compare", "--region", "atlantis"], None),
    ("empty region", ["compare", "--region", ","], None),
    ("unknown benchmark", ["compare", "-r", "noord", "--with", "mars"], None),
    ("unknown theme", ["compare", "-r", "noord", "--theme", "geluk"], None),
    ("unknown indicator", ["compare", "-r", "noord", "--indicator", "nope"], None),
    ("year too early", ["compare", "-r", "noord", "--year", "1850"], None),
    ("year not a number", ["compare", "-r", "noord", "--year", "abc"], None),
    ("unknown compare format", ["compare", "-r", "noord", "--format", "pdf"], None),
    ("unknown export format", ["export", "--format", "pdf", "--no-charts"], None),
    ("unknown table", ["show", "99999XXX"], None),
    ("unknown catalogue indicator", ["catalog", "show", "nope"], None),
    ("missing catalogue", ["catalog", "check", "--catalog", "/nonexistent/x.toml"], None),
    ("empty catalogue", ["catalog", "check"], EMPTY_TOML),
    ("id that is a path", ["catalog", "check"], BAD_ID_TOML),
    ("bad deadline", ["fetch", "--deadline", "-3"], None),
]

EXPORTS: list[tuple[str, list[str]]] = [
    ("xlsx-charts", ["export", "--format", "xlsx"]),
    ("csv", ["export", "--format", "csv", "--no-charts"]),
    ("csv-excel", ["export", "--format", "csv", "--excel", "--no-charts"]),
    ("parquet", ["export", "--format", "parquet", "--no-charts"]),
]


def run(src: Path, home: Path, args: list[str], catalog: Path | None = None) -> tuple[int, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("BWMONITOR_") and key not in ("PYTHONPATH", "COLUMNS")
    }
    env |= {
        "PYTHONPATH": str(src),
        "COLUMNS": "80",
        "BWMONITOR_DATA_DIR": str(home / "store"),
        "HOME": str(home),
        "NO_COLOR": "1",
        "LC_ALL": "C.UTF-8",
    }
    if catalog is not None:
        env["BWMONITOR_CATALOG"] = str(catalog)
    done = subprocess.run(
        [sys.executable, "-m", "bwmonitor", *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # the temporary folder's name differs per run; a reader sees it as <home>
    return done.returncode, (done.stdout + done.stderr).replace(str(home), "<home>")


def record(out: Path, src: Path, exports: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        for kind in ("compare", "help"):
            (out / kind).mkdir(parents=True, exist_ok=True)
        for region in REGIONS:
            for fmt in ("json", "csv", "table"):
                code, text = run(src, home, ["compare", "--region", region, "--format", fmt])
                suffix = "txt" if fmt == "table" else fmt
                (out / "compare" / f"{region}.{suffix}").write_text(f"exit {code}\n{text}")
        for command in COMMANDS:
            name = "-".join(command) or "bwmonitor"
            code, text = run(src, home, [*command, "--help"])
            (out / "help" / f"{name}.txt").write_text(f"exit {code}\n{text}")
        lines = []
        for name, args, toml in ERROR_CASES:
            catalog = None
            if toml is not None:
                catalog = home / "case.toml"
                catalog.write_text(toml)
            code, text = run(src, home, args, catalog)
            lines.append(f"## {name}: bwmonitor {' '.join(args)}\nexit {code}\n{text}\n")
        (out / "errors.txt").write_text("".join(lines))
        for kind, args in EXPORTS if exports else ():
            target = home / f"export-{kind}"
            code, text = run(src, home, [*args, "--out", str(target)])
            manifest = [f"exit {code}"]
            for path in sorted(p for p in target.rglob("*") if p.is_file()):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                relative = path.relative_to(target).parts[1:]  # without the dated folder
                manifest.append(f"{digest}  {path.stat().st_size:>9}  {'/'.join(relative)}")
            (out / f"export-{kind}.txt").write_text("\n".join(manifest) + "\n")


def diff(old: Path, new: Path) -> int:
    names = sorted(
        {p.relative_to(old) for p in old.rglob("*") if p.is_file()}
        | {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    )
    differing = 0
    for name in names:
        a, b = old / name, new / name
        if not b.exists():
            print(f"not recorded in {new}: {name}")
        elif not a.exists() or a.read_bytes() != b.read_bytes():
            differing += 1
            print(f"differs: {name}")
    print(f"{len(names)} outputs, {differing} differ")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    record_parser = commands.add_parser("record")
    record_parser.add_argument("out", type=Path)
    record_parser.add_argument("--src", type=Path, default=ROOT / "src")
    record_parser.add_argument(
        "--no-exports", action="store_true", help="skip the exports (about 2 minutes)"
    )
    diff_parser = commands.add_parser("diff")
    diff_parser.add_argument("old", type=Path)
    diff_parser.add_argument("new", type=Path)
    options = parser.parse_args()
    if options.command == "record":
        record(options.out, options.src.resolve(), exports=not options.no_exports)
        return 0
    return diff(options.old, options.new)


if __name__ == "__main__":
    sys.exit(main())
