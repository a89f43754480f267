"""`compare --with peers` and `--with nearest:10` on the shipped snapshot, offline: what
the reader sees in the table's footer, in JSON and in CSV."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor import Monitor
from bwmonitor.cli import app

GEBIEDEN = Path(__file__).resolve().parents[2] / "data" / "cbs" / "gebieden_in_nederland_2020-2025"


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def records(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = run(tmp_path, "compare", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def benchmark(record: dict[str, Any], region: str) -> dict[str, Any]:
    return next(b for b in record["benchmarks"] if b["region"] == region)


def peers_2025(code: str) -> list[str]:
    """The same-class municipalities of Gebieden in Nederland 2025, from data/ directly."""
    frame = pl.read_parquet(GEBIEDEN / "cbs_gebieden_2025.parquet").with_columns(
        pl.col("Measure", "StringValue", "RegioS").str.strip_chars()
    )
    wide = frame.filter(pl.col("Measure").is_in(["GM000E", "ST0001"])).pivot(
        on="Measure", index="RegioS", values="StringValue"
    )
    classes = {r: (s, u) for r, s, u in wide.select("RegioS", "GM000E", "ST0001").rows()}
    return sorted(other for other, c in classes.items() if c == classes[code] and other != code)


def test_emmen_with_peers_works_and_says_it_has_none(tmp_path: Path) -> None:
    """Emmen is the only municipality of size class 6 and urbanisation 4: the peers
    column has no values, JSON says 0 members and why, the footer points to nearest."""
    code, out, err = run(tmp_path, "compare", "--region", "emmen", "--with", "peers")
    assert code == 0, err
    assert (
        "vergelijkbare gemeenten: geen; Emmen is de enige van de gemeenten met "
        "grootteklasse 6 (100 000 tot 150 000 inwoners) en stedelijkheid 4 (weinig "
        "stedelijk)" in out
    )
    found = records(
        tmp_path, "--region", "emmen", "--with", "peers", "--indicator", "inkomen_per_inwoner"
    )
    peers = benchmark(found[0], "peers")
    assert peers["value"] is None
    assert (peers["members"], peers["members_with_value"]) == (0, 0)
    assert peers["reason"].startswith("geen andere gemeente heeft deze klassen")


def test_the_peer_mean_is_the_weighted_mean_of_the_peers_with_a_value(tmp_path: Path) -> None:
    """Hoogeveen's peers (size 5, urbanisation 3 in 2025): its income benchmark equals
    sum(income x inhabitants) / sum(inhabitants) over the peers with an income in 2021,
    computed here from the observations of each peer (inhabitants from KWB, the
    indicator's weight)."""
    found = records(
        tmp_path, "--region", "hoogeveen", "--with", "peers", "--indicator", "inkomen_per_inwoner"
    )
    peers = benchmark(found[0], "peers")
    expected = peers_2025("GM0118")
    assert [m["region"] for m in peers["group"]["members"]] == expected
    own = records(
        tmp_path,
        "--region",
        ",".join(expected),
        "--with",
        "nederland",
        "--indicator",
        "inkomen_per_inwoner,inwoners_kwb",
        "--year",
        "2021",
    )
    by = {(r["indicator"], r["region"]): r["value"] for r in own}
    with_income = [c for c in expected if by.get(("inkomen_per_inwoner", c)) is not None]
    weights = sum(by[("inwoners_kwb", c)] for c in with_income)
    by_hand = (
        sum(by[("inkomen_per_inwoner", c)] * by[("inwoners_kwb", c)] for c in with_income) / weights
    )
    assert peers["value"] == pytest.approx(by_hand)
    assert peers["members"] == len(expected) == 15
    assert peers["members_with_value"] == len(with_income)
    assert found[0]["benchmarks"][0]["difference"] == pytest.approx(found[0]["value"] - by_hand)


def test_nearest_10_is_deterministic_and_names_what_drives_it(tmp_path: Path) -> None:
    """Twice the same output; ten members, not Emmen itself, the context indicators'
    shares of the distance in JSON (adding to 1) and in the footer."""
    args = ("compare", "--region", "emmen", "--with", "nearest:10", "--theme", "bevolking")
    first, second = run(tmp_path, *args), run(tmp_path, *args)
    assert first[0] == 0, first[2]
    assert first == second
    footer = [
        line for line in first[1].splitlines() if line.startswith("10 meest gelijkende gemeenten:")
    ]
    assert len(footer) == 2
    assert "aandeel in de afstand: inwoners" in footer[1]
    found = records(tmp_path, *args[1:])
    group = benchmark(found[0], "nearest:10")
    members = [m["region"] for m in group["group"]["members"]]
    assert len(members) == len(set(members)) == 10 and "GM0114" not in members
    names = ", ".join(m["region_name"] for m in group["group"]["members"])
    assert f"10 meest gelijkende gemeenten: {names} (" in footer[0]
    shares = group["group"]["distance_shares"]
    assert set(shares) == {
        "inwoners",
        "omgevingsadressendichtheid",
        "aandeel 0 tot 15 jaar",
        "aandeel 65 jaar of ouder",
        "gemiddeld inkomen per inwoner",
    }
    assert sum(shares.values()) == pytest.approx(1.0)


def test_csv_puts_the_group_counts_after_the_existing_columns(tmp_path: Path) -> None:
    """With peers the CSV's columns of `--with drenthe` keep their places; the group's
    value follows Drenthe's columns and its counts come last."""

    def header_and_rows(*extra: str) -> tuple[list[str], list[dict[str, str]]]:
        code, out, err = run(
            tmp_path,
            "compare",
            "-r",
            "hoogeveen",
            "--indicator",
            "inkomen_per_inwoner",
            "--format",
            "csv",
            *extra,
        )
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        return list(rows[0]), rows

    plain, _ = header_and_rows("--with", "drenthe")
    with_peers, rows = header_and_rows("--with", "drenthe,peers")
    assert with_peers[: len(plain)] == plain
    assert with_peers[len(plain) :] == [
        "benchmark_peers",
        "difference_peers",
        "share_peers",
        "members_peers",
        "members_with_value_peers",
    ]
    assert rows[0]["members_peers"] == "15"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-r", "drenthe", "--with", "peers"),
            "--with peers compares one municipality with similar ones, not Drenthe",
        ),
        (
            ("-r", "emmen", "--with", "nearest:0"),
            "--with 'nearest:0': K must be a whole number from 1 to 50",
        ),
        (
            ("-r", "emmen", "--with", "nearest:x"),
            "--with 'nearest:x': K must be a whole number from 1 to 50",
        ),
        (
            ("-r", "dijk en waard", "--with", "nearest:10"),
            "--with nearest:10: Dijk en Waard lacks a figure for a context indicator",
        ),
    ],
)
def test_a_peer_group_for_no_single_municipality_or_a_bad_k_is_one_line(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(tmp_path, "compare", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_the_python_api_takes_peer_groups_as_benchmarks(tmp_path: Path) -> None:
    """`Monitor.compare(..., ["peers", "nearest:10"])`: the benchmarks carry the groups'
    counts; a median (rule `none`) gets no group value, and JSON says why."""
    shipped = Path(str(resources.files("bwmonitor").joinpath("indicators.toml")))
    monitor = Monitor(catalog=shipped, data_dir=tmp_path / "store")
    frame = monitor.compare(
        "hoogeveen", ["peers", "nearest:10"], indicator="inkomen_per_inwoner,mediaan_vermogen"
    )
    income = frame.filter(pl.col("indicator") == "inkomen_per_inwoner")["benchmarks"][0]
    counts = [(b["region"], b["members"], b["members_with_value"]) for b in income]
    assert counts == [("peers", 15, 12), ("nearest:10", 10, 10)]
    found = records(
        tmp_path, "-r", "hoogeveen", "--with", "peers", "--indicator", "mediaan_besteedbaar_inkomen"
    )
    peers = benchmark(found[0], "peers")
    assert peers["value"] is None
    assert peers["reason"] == "een mediaan is niet uit gemeentelijke cijfers samen te stellen"
