"""The Python API (`bwmonitor.Monitor`): the DataFrames' contracts, its defaults, its
errors, and that importing it stays cheap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import bwmonitor as bw
from bwmonitor import frames
from bwmonitor.cli import app
from bwmonitor.cli.render_comparison import to_json
from tests.conftest import Project

HEAVY = ("cbsodata", "requests", "matplotlib", "xlsxwriter")


def imported_modules(code: str, tmp_path: Path) -> set[str]:
    """The top-level modules a fresh Python has imported after running `code`."""
    script = code + "\nimport sys\nsys.stderr.write(' '.join(sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "PATH": ""},
    )
    return {name.split(".")[0] for name in result.stderr.split()}


def test_import_bwmonitor_is_cheap(tmp_path: Path) -> None:
    """`import bwmonitor` loads none of the heavy libraries, nor polars or the CLI's."""
    found = imported_modules("import bwmonitor", tmp_path)
    assert "bwmonitor" in found
    assert found.isdisjoint({*HEAVY, "polars", "typer", "rich"})


@pytest.fixture(scope="module")
def compare_imports(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    code = (
        "from bwmonitor.cli import app\n"
        "try:\n"
        "    app(['compare', '--region', 'zuidoost', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    return imported_modules(code, tmp_path_factory.mktemp("compare"))


@pytest.mark.parametrize("module", HEAVY)
def test_compare_does_not_import(module: str, compare_imports: set[str]) -> None:
    """`bwmonitor compare` needs no CBS client and no publishing library."""
    assert "bwmonitor" in compare_imports
    assert module not in compare_imports


def test_public_names_are_importable() -> None:
    """Everything `__all__` promises is there."""
    assert all(hasattr(bw, name) for name in bw.__all__)


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bw.Monitor:
    """A Monitor on the shipped catalogue and snapshot (an empty store)."""
    monkeypatch.chdir(tmp_path)  # no ./indicators.toml
    monkeypatch.delenv("BWMONITOR_CATALOG", raising=False)
    return bw.Monitor(data_dir=tmp_path / "store")


def test_observations_have_the_documented_columns(shipped: bw.Monitor) -> None:
    """observations(): the columns in the promised order, with their dtypes; region
    names and weights filled in."""
    obs = shipped.observations()
    assert obs.columns == [
        "indicator",
        "title",
        "theme",
        "unit",
        "scale",
        "region",
        "region_name",
        "period",
        "value",
        "status",
        "source",
        "computed",
        "rule",
        "weight",
    ]
    assert obs.schema == frames.observations_schema()
    emmen = obs.filter(obs["region"] == "GM0114")
    assert emmen.height and set(emmen["region_name"]) == {"Emmen"}
    assert "" not in set(obs["status"].drop_nulls())  # definitive is null, not ""
    weighted = [i.id for i in shipped.load_catalog().indicators.values() if i.weight]
    assert set(obs.filter(obs["indicator"].is_in(weighted))["weight"].drop_nulls())


def test_compare_frame_holds_the_json_records(shipped: bw.Monitor) -> None:
    """compare(): one row per indicator and region with the fields of
    `compare --format json`; each benchmark has both difference and share (one null)."""
    frame = shipped.compare(["zuidoost", "Emmen"])
    records = json.loads(to_json(shipped.comparison(["zuidoost", "Emmen"]).comparison.records))
    assert frame.schema == frames.comparison_schema()
    assert frame.height == len(records) == 2 * len(shipped.load_catalog().indicators)
    for row, record in zip(frame.to_dicts(), records, strict=True):
        assert list(row) == list(record)
        for entry, expected in zip(row["benchmarks"], record["benchmarks"], strict=True):
            assert {k: entry[k] for k in expected} == expected
            assert entry["difference"] is None or entry["share"] is None
        assert {**row, "benchmarks": None} == {**record, "benchmarks": None}


def test_compare_benchmarks_default_to_drenthe_and_nederland(shipped: bw.Monitor) -> None:
    frame = shipped.compare("zuidoost", indicator="bijstand_per_1000")
    assert [b["region"] for b in frame["benchmarks"][0]] == ["PV22", "NL01"]


def test_unknown_export_format_is_invalid_input(shipped: bw.Monitor, tmp_path: Path) -> None:
    """An unknown format is refused before anything is written (it used to write a
    workbook)."""
    with pytest.raises(bw.InvalidInput, match="'pdf'"):
        shipped.export(tmp_path / "out", format="pdf")
    assert not (tmp_path / "out").exists()


def test_cli_refuses_unknown_export_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_fetch_sends_progress_events(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """fetch(progress=...) hears first which tables it fetches, then each table when done;
    nothing is printed."""
    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    events: list[bw.FetchStarted | bw.TableOutcome] = []
    report = bw.Monitor().fetch(progress=events.append)
    started, *done = events
    assert isinstance(started, bw.FetchStarted)
    assert list(started.table_ids) == [o.table_id for o in report.outcomes]
    assert sorted(o.table_id for o in done) == sorted(started.table_ids)
    assert {o.status for o in report.outcomes} == {"updated"}
    assert capsys.readouterr() == ("", "")
