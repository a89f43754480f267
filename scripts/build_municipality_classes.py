"""Build `src/bwmonitor/municipality_classes.json` (package data) from CBS's "Gebieden in
Nederland" 2020–2025 in data/cbs/gebieden_in_nederland_2020-2025/.

    python scripts/build_municipality_classes.py

Per year and municipality of that year's indeling: its name, CBS's size class
(gemeentegrootte, GM000E/GM000D), urbanisation class (stedelijkheid, ST0001/ST0002),
inhabitants on 1 January (T001036_2) and address density (omgevingsadressendichtheid,
ST0003). `compare --with peers` and `--with nearest:K` read it (compute/peers.py); nothing
reads data/ at run time. The output is deterministic; see docs/snapshot.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "cbs" / "gebieden_in_nederland_2020-2025"
OUT = ROOT / "src" / "bwmonitor" / "municipality_classes.json"
YEARS = range(2020, 2026)
TABLES = {
    2020: "84721NED",
    2021: "84929NED",
    2022: "85067NED",
    2023: "85385NED",
    2024: "85755NED",
    2025: "86059NED",
}
# measure -> (field, kind): the codes and names are text (StringValue), the counts numbers
MEASURES = {
    "GM000C_1": ("name", "text"),
    "GM000E": ("size", "code"),
    "GM000D": ("size_label", "text"),
    "ST0001": ("urbanisation", "code"),
    "ST0002": ("urbanisation_label", "text"),
    "T001036_2": ("inhabitants", "number"),
    "ST0003": ("address_density", "number"),
}


def year_classes(year: int) -> dict[str, Any]:
    """One year's municipalities: {code: [name, size, urbanisation, inhabitants, density]}
    and the labels of the size and urbanisation classes that occur."""
    frame = pl.read_parquet(SOURCE / f"cbs_gebieden_{year}.parquet").with_columns(
        # CBS pads codes and names: 'GM0114    ', 'Emmen      '
        pl.col("Measure", "StringValue", "RegioS").str.strip_chars()
    )
    frame = frame.filter(pl.col("Measure").is_in(list(MEASURES)))
    fields: dict[str, dict[str, Any]] = {}
    for measure, text, number, region in frame.select(
        "Measure", "StringValue", "Value", "RegioS"
    ).iter_rows():
        name, kind = MEASURES[measure]
        value: Any = text
        if kind == "code":
            value = int(text)
        elif kind == "number":
            value = None if number is None else float(number)
        fields.setdefault(region, {})[name] = value
    municipalities = {}
    size_labels: dict[str, str] = {}
    urbanisation_labels: dict[str, str] = {}
    for code in sorted(fields):
        row = fields[code]
        municipalities[code] = [
            row["name"],
            row["size"],
            row["urbanisation"],
            row.get("inhabitants"),
            row.get("address_density"),
        ]
        size_labels[str(row["size"])] = row["size_label"]
        urbanisation_labels[str(row["urbanisation"])] = row["urbanisation_label"]
    return {
        "table": TABLES[year],
        "size_labels": dict(sorted(size_labels.items(), key=lambda kv: int(kv[0]))),
        "urbanisation_labels": dict(sorted(urbanisation_labels.items())),
        "municipalities": municipalities,
    }


def build(out: Path = OUT) -> dict[str, Any]:
    classes = {
        "source": "data/cbs/gebieden_in_nederland_2020-2025/cbs_gebieden_{year}.parquet "
        "(CBS Gebieden in Nederland 2020–2025; see data/SOURCES.md)",
        "built_by": "scripts/build_municipality_classes.py",
        "fields": ["name", "size", "urbanisation", "inhabitants", "address_density"],
        "years": {str(year): year_classes(year) for year in YEARS},
    }
    # one municipality per line: small, and a diff shows what CBS changed
    years = []
    for year, entry in classes["years"].items():
        rows = ",\n".join(
            f"    {json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}"
            for code, row in entry["municipalities"].items()
        )
        head = {k: v for k, v in entry.items() if k != "municipalities"}
        years.append(
            f"  {json.dumps(year)}: {json.dumps(head, ensure_ascii=False)[:-1]}, "
            f'"municipalities": {{\n{rows}\n  }}}}'
        )
    top = {k: v for k, v in classes.items() if k != "years"}
    text = (
        json.dumps(top, ensure_ascii=False)[:-1] + ', "years": {\n' + ",\n".join(years) + "\n}}\n"
    )
    json.loads(text)  # the hand-made layout is still JSON
    out.write_text(text, encoding="utf-8")
    return classes


if __name__ == "__main__":
    built = build()
    for year, entry in built["years"].items():
        print(f"{year}: {len(entry['municipalities'])} municipalities ({entry['table']})")
