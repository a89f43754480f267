"""`bwmonitor compare`: each region's position "k van N" among the regions of its level,
and per region the summary (best / worst quarter) and the coverage count, checked
against figures the tests compute themselves from CBS's files and the observations."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

import bwmonitor as bw
from bwmonitor.cli import app
from bwmonitor.core.catalog import Aggregation, load
from bwmonitor.core.regions import national_regions
from tests.raw_cbs import kwb_2020_bijstand

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(data_dir: Path, *args: str, width: int = 200, terminal: bool = False) -> str:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": str(width), "NO_COLOR": "1"}
    env["TTY_COMPATIBLE"] = "1" if terminal else "0"
    result = runner.invoke(app, ["compare", *args], env=env)
    assert result.exit_code == 0, result.stderr
    return ANSI.sub("", result.stdout)


def compare_json(data_dir: Path, *args: str) -> list[dict[str, Any]]:
    return json.loads(run(data_dir, *args, "--format", "json"))  # type: ignore[no-any-return]


def test_zuidoost_drenthe_among_the_40_corop_regions(tmp_path: Path) -> None:
    """Bijstand per 1.000 in 2020 (lower is better): Zuidoost-Drenthe's position among
    the COROP regions whose every municipality has a figure in CBS's KWB 2020 file,
    each region's rate Σ bijstand / Σ inhabitants, by hand."""
    raw = kwb_2020_bijstand()
    rates = {}
    for code, info in national_regions()["corop"].items():
        if all(member in raw for member in info["members"]):
            members = [raw[m] for m in info["members"]]
            rates[code] = sum(b for b, _ in members) / sum(i for _, i in members) * 1000
    mine = rates["CR08"]
    position = 1 + sum(rate < mine for rate in rates.values())
    quarter = min(4, 1 + (position - 1) * 4 // len(rates))
    assert 30 <= len(rates) < 40  # merged municipalities leave a few regions without one

    [record] = compare_json(tmp_path, "-r", "zuidoost", "--indicator", "bijstand_per_1000")
    assert record["period"] == "2020"
    assert (record["position"], record["position_of"]) == (position, len(rates))
    assert record["position_level"] == "corop"
    assert record["position_quarter"] == quarter
    words = {1: "beste kwart", 2: "tweede kwart", 3: "derde kwart", 4: "slechtste kwart"}
    assert record["position_quarter_label"] == words[quarter]
    text = run(tmp_path, "-r", "zuidoost", "--indicator", "bijstand_per_1000")
    assert f"positie:              {position} van {len(rates)} COROP-gebieden" in text


def test_a_municipality_among_all_municipalities(tmp_path: Path) -> None:
    """Emmen's bijstand per 1.000 among every municipality with a figure in the raw
    file; the quarter of that position is the NL quarter compare already gave."""
    rates = {code: b / i * 1000 for code, (b, i) in kwb_2020_bijstand().items()}
    position = 1 + sum(rate < rates["GM0114"] for rate in rates.values())
    [record] = compare_json(tmp_path, "-r", "Emmen", "--indicator", "bijstand_per_1000")
    assert (record["position"], record["position_of"]) == (position, len(rates))
    assert record["position_level"] == "gemeente"
    assert record["position_quarter"] == record["quartile_nl"]


def test_a_province_among_the_12_provinces(tmp_path: Path) -> None:
    """Average sale price of existing homes (neutral: 1 = highest), CBS's own province
    figures in 83625NED for the latest year: Drenthe's place among the 12."""
    with (DATA / "83625NED_gem_verkoopprijs_koopwoningen_2015-2025_regio.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        rows = [r for r in csv.DictReader(handle) if r["RegioS"].startswith("PV")]
    latest = max(r["Perioden"] for r in rows)
    prices = {r["RegioS"]: float(r["M001534"]) for r in rows if r["Perioden"] == latest}
    assert len(prices) == 12
    position = 1 + sum(price > prices["PV22"] for price in prices.values())

    [record] = compare_json(
        tmp_path, "-r", "drenthe", "--with", "nederland", "--indicator", "verkoopprijs"
    )
    assert record["period"] == latest[:4] and record["better"] == "neutral"
    assert (record["position"], record["position_of"]) == (position, 12)
    assert record["position_level"] == "provincie"
    words = {1: "hoogste kwart", 2: "tweede hoogste kwart", 3: "tweede laagste kwart"}
    words[4] = "laagste kwart"
    assert record["position_quarter_label"] == words[min(4, 1 + (position - 1) * 4 // 12)]


def test_counts_and_the_country_have_no_position(tmp_path: Path) -> None:
    """A count grows with the region; the Netherlands has no peers."""
    [count] = compare_json(tmp_path, "-r", "zuidoost", "--indicator", "bijstand")
    [country] = compare_json(
        tmp_path, "-r", "nederland", "--with", "drenthe", "--indicator", "bijstand_per_1000"
    )
    for record in (count, country):
        assert record["position"] is None and record["position_of"] is None
        assert record["position_level"] is None


def independent_summary(
    data_dir: Path, records: list[dict[str, Any]], region: str
) -> tuple[int, int, int]:
    """(best, worst, placed) of `region` over compare's indicators, from the
    observations: in the year compare shows, the region's place among all regions of
    its level (same code prefix) with a value, by the catalogue's direction."""
    catalog = load(None)
    obs = bw.Monitor(data_dir=data_dir).observations()
    best = worst = placed = 0
    for record in records:
        indicator = catalog.indicators[record["indicator"]]
        if record["value"] is None or indicator.aggregate is Aggregation.SUM:
            continue
        if indicator.better.value == "neutral":
            continue
        peers = obs.filter(
            (pl.col("indicator") == indicator.id)
            & (pl.col("period") == f"{record['period']}JJ00")
            & pl.col("region").str.starts_with(region[:2])
            & pl.col("value").is_not_null()
        )["value"].to_list()
        mine = record["value"]
        better = sum((v < mine) if indicator.better.value == "lower" else (v > mine) for v in peers)
        quarter = min(4, 1 + better * 4 // len(peers))
        placed += 1
        best += quarter == 1
        worst += quarter == 4
    return best, worst, placed


def test_summary_of_emmen_recomputed_from_the_observations(tmp_path: Path) -> None:
    """Emmen's count of indicators in the best and the worst quarter of all Dutch
    municipalities, and of indicators with a value, in JSON and in compare's footer."""
    records = compare_json(tmp_path, "-r", "Emmen")
    best, worst, placed = independent_summary(tmp_path, records, "GM0114")
    with_value = sum(r["value"] is not None for r in records)
    assert placed > 10 and worst > 0  # a real case, not an empty one
    for record in records:
        assert (record["summary_best"], record["summary_worst"]) == (best, worst)
        assert record["summary_placed"] == placed
        assert (record["summary_with_value"], record["summary_shown"]) == (
            with_value,
            len(records),
        )
    text = run(tmp_path, "-r", "Emmen")
    assert f"Emmen: {with_value} van {len(records)} indicatoren met een waarde." in text
    assert f"Emmen: {best} van {placed} indicatoren in het beste kwart, {worst} in het" in text


def test_footer_at_80_columns_and_in_a_file(tmp_path: Path) -> None:
    """Tabel 1's three regions: each region's coverage and summary in the footer, in a
    terminal of 80 columns (no line wider) and piped to a file (one line each)."""
    records = compare_json(tmp_path, "-r", "noord,zuidwest,zuidoost")
    by_region = {r["region_name"]: r for r in records}
    piped = run(tmp_path, "-r", "noord,zuidwest,zuidoost")
    terminal = run(tmp_path, "-r", "noord,zuidwest,zuidoost", width=80, terminal=True)
    assert max(len(line) for line in terminal.splitlines()) <= 80
    flowing = " ".join(terminal.split())
    for name in ("Noord-Drenthe", "Zuidwest-Drenthe", "Zuidoost-Drenthe"):
        record = by_region[name]
        coverage = (
            f"{name}: {record['summary_with_value']} van {record['summary_shown']} "
            "indicatoren met een waarde."
        )
        quarters = (
            f"{name}: {record['summary_best']} van {record['summary_placed']} indicatoren "
            f"in het beste kwart, {record['summary_worst']} in het slechtste."
        )
        assert coverage in piped.splitlines() and quarters in piped.splitlines()
        assert coverage in flowing and quarters in flowing
    shown = len({r["indicator"] for r in records})
    with_value = sum(r["value"] is not None for r in records if r["region"] == "CR08")
    assert by_region["Zuidoost-Drenthe"]["summary_with_value"] == with_value
    assert by_region["Zuidoost-Drenthe"]["summary_shown"] == shown


def test_a_region_with_no_directed_position_gets_no_quarter_line(tmp_path: Path) -> None:
    """Only a neutral indicator shown: the coverage line, but no 'beste kwart' line."""
    text = run(tmp_path, "-r", "Emmen", "--indicator", "aandeel_0_15")
    assert "Emmen: 1 van 1 indicatoren met een waarde." in text
    assert "in het beste kwart" not in text


def test_csv_carries_the_position_and_the_summary(tmp_path: Path) -> None:
    """CSV has the JSON's fields: the position and the region's summary on each row."""
    out = run(tmp_path, "-r", "zuidoost", "--theme", "materiele_welvaart", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    [rate] = [r for r in rows if r["indicator"] == "bijstand_per_1000"]
    [record] = compare_json(tmp_path, "-r", "zuidoost", "--indicator", "bijstand_per_1000")
    assert int(rate["position"]) == record["position"]
    assert rate["position_level"] == "corop"
    assert {r["summary_shown"] for r in rows} == {str(len(rows))}
