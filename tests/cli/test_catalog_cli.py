"""`bwmonitor catalog check|list|show` and `bwmonitor regions`, as an analyst uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.core.catalog import parse, shipped_catalog_text
from bwmonitor.core.errors import CatalogInvalid

runner = CliRunner()


def run(*args: str, data_dir: Path) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_shipped_catalogue_passes_check_offline(tmp_path: Path) -> None:
    """The default catalogue is valid against the snapshot's metadata, with no warning
    (notices, for tables only `--online` can check, are allowed)."""
    import tomllib
    from importlib import resources

    shipped = tomllib.loads(resources.files("bwmonitor").joinpath("indicators.toml").read_text())
    code, out, err = run("catalog", "check", data_dir=tmp_path)
    assert code == 0, err
    assert f"valid; {len(shipped['indicators'])} indicators" in out
    assert "; 0 warnings" in out


def test_broken_catalogue_lists_every_problem_in_one_run(tmp_path: Path) -> None:
    """A wrong value, an unknown theme and a measure CBS lacks: all listed, exit 2. (In
    a table series a missing measure is a warning: one year may lack it.)"""
    text = shipped_catalog_text()
    text = text.replace(
        'measure = "BevolkingOp1Januari_1"', 'measure = "BevolkingOp1Januari_10"', 1
    )
    text = text.replace('aggregate = "ratio"', 'aggregate = "ratios"', 1)
    text = text.replace('theme = "wonen"', 'theme = "woonen"', 1)
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("catalog", "check", "--catalog", str(path), data_dir=tmp_path)
    assert code == 2
    assert f"{path}: 3 problems" in err
    assert "indicators.aandeel_0_15.aggregate: 'ratios' is not one of" in err
    assert "indicators.woningvoorraad.theme: unknown theme 'woonen'; did you mean 'wonen'?" in err
    assert (
        "indicators.inwoners: CBS table 03759ned has no measure 'BevolkingOp1Januari_10'; "
        "did you mean 'BevolkingOp1Januari_1'?"
    ) in err


def test_unknown_filter_code_is_a_problem(tmp_path: Path) -> None:
    """A dimension code the stored table does not have is reported with a suggestion."""
    text = shipped_catalog_text().replace('Populatie = "1050010"', 'Populatie = "1050011"', 1)
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("catalog", "check", "--catalog", str(path), data_dir=tmp_path)
    assert code == 2
    assert "86161NED has no code '1050011' in dimension Populatie; did you mean '1050010'?" in err


def test_catalog_show_tells_definition_and_periods(tmp_path: Path) -> None:
    """`catalog show` gives source, aggregation and which periods the data has."""
    code, out, _ = run("catalog", "show", "bijstand_per_1000", data_dir=tmp_path)
    assert code == 0
    assert "bijstand / inwoners_kwb × 1000" in out
    assert "som van de tellers / som van de noemers" in out
    assert "2020 (" in out


def test_catalog_show_unknown_indicator_suggests(tmp_path: Path) -> None:
    code, _, err = run("catalog", "show", "bijstand_per_100", data_dir=tmp_path)
    assert code == 2
    assert "did you mean 'bijstand_per_1000'?" in err


def test_catalog_list_groups_by_theme(tmp_path: Path) -> None:
    code, out, _ = run("catalog", "list", data_dir=tmp_path)
    assert code == 0
    assert "Materiële welvaart" in out and "bijstand_per_1000" in out


def test_regions_lists_corop_province_and_custom_regions(tmp_path: Path) -> None:
    code, out, _ = run("regions", data_dir=tmp_path)
    assert code == 0
    for text in (
        "CR08",
        "Zuidoost-Drenthe",
        "zuidoost",
        "PV22",
        "regiodeal_zuid_oost",
        "Regio Deal Zuid- en Oost-Drenthe",
        "NL01",
    ):
        assert text in out


LINES = shipped_catalog_text().splitlines()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(LINES) - 1),
            st.sampled_from(["delete", "duplicate", "garble", "retype"]),
            st.text(max_size=12),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_fuzzed_catalogues_never_cause_a_traceback(edits: list[tuple[int, str, str]]) -> None:
    """Random edits of the shipped catalogue give a catalogue or CatalogInvalid, nothing else."""
    lines = list(LINES)
    for index, action, text in edits:
        index %= len(lines)
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "garble":
            lines[index] = lines[index][: len(text)] + text
        else:
            key = lines[index].split("=")[0]
            lines[index] = f"{key}= {[text, 1, True, {'a': text}][len(text) % 4]!r}".replace(
                "'", '"'
            )
        if not lines:
            lines = [""]
    try:
        parse("\n".join(lines), "fuzz.toml", base=None)
    except CatalogInvalid as invalid:
        assert invalid.problems


EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_example_catalogue_with_local_csv_gives_the_published_figures(tmp_path: Path) -> None:
    """docs/examples: the province's own figures come in through a local CSV source."""
    code, _, err = run(
        "catalog",
        "check",
        "--catalog",
        str(EXAMPLE / "indicators-met-eigen-cijfers.toml"),
        data_dir=tmp_path,
    )
    assert code == 0, err
    from bwmonitor.core.settings import resolve
    from bwmonitor.pipeline.monitor_data import monitor_data

    settings = resolve(data_dir=tmp_path, catalog=EXAMPLE / "indicators-met-eigen-cijfers.toml")
    frame = monitor_data(settings).observations.frame
    own = {
        r["region"]: r["value"]
        for r in frame.filter(frame["indicator"] == "vrijwilligerswerk_2023").iter_rows(named=True)
    }
    assert own["GM1730"] == 58.5 and own["PV22"] == 52.6 and own["NL01"] == 48.7
    assert "GM1701" not in own  # Westerveld: no figure published, not a zero


def test_broken_local_csv_is_a_catalogue_problem(tmp_path: Path) -> None:
    """A non-number in the CSV is named with file and line, not a traceback."""
    csv_file = tmp_path / "cijfers.csv"
    csv_file.write_text("region_code,period,value\nGM0114,2023,veel\n", encoding="utf-8")
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(
        (EXAMPLE / "indicators-met-eigen-cijfers.toml")
        .read_text(encoding="utf-8")
        .replace('csv = "vrijwilligerswerk-2023.csv"', 'csv = "cijfers.csv"'),
        encoding="utf-8",
    )
    code, _, err = run("catalog", "check", "--catalog", str(catalog), data_dir=tmp_path)
    assert code == 2
    assert "cijfers.csv, line 2: value 'veel' is not a number" in err


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('total = "inwoners"\naggregate = "sum"', "a derived difference needs 'minus'"),
        (
            'total = "inwoners"\nminus = "inwoners"\naggregate = "ratio"',
            "a difference of counts is a count: use 'sum'",
        ),
        (
            'total = "inwoners"\nminus = "inwonertjes"\naggregate = "sum"',
            "unknown indicator 'inwonertjes'",
        ),
    ],
)
def test_a_difference_needs_both_parts_and_is_a_count(
    tmp_path: Path, entry: str, problem: str
) -> None:
    text = (
        shipped_catalog_text()
        + f"""
[indicators.verschil]
title = "Verschil"
theme = "bevolking"
better = "neutral"
{entry}
"""
    )
    path = tmp_path / "indicators.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run("catalog", "check", "--catalog", str(path), data_dir=tmp_path)
    assert code == 2
    assert problem in err
