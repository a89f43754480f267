"""Any catalogue that `catalog check` accepts exports; what cannot export is refused."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bwmonitor.cli import app

runner = CliRunner()

FIXED_SHEETS = ("Overzicht", "Gegevens", "Bronnen")
FORBIDDEN = "/\\:?*[]"
SHARED_PREFIX = "Materiële welvaart en inkomen van huishoudens"  # longer than 31
LOCAL_CSV = "region_code,period,value\nGM0114,2023,46.8\nPV22,2023,52.6\nNL01,2023,48.7\n"


def q(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text)


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    env = {
        "BWMONITOR_CATALOG": str(folder / "indicators.toml"),
        "BWMONITOR_DATA_DIR": str(folder / "store"),
        "COLUMNS": "200",
    }
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


plain_titles = st.text(alphabet="abcëé ABC'-=+@" + FORBIDDEN, min_size=0, max_size=40)
hazard_titles = st.one_of(
    st.sampled_from(
        [
            *FIXED_SHEETS,
            "gegevens",
            "OVERZICHT",
            "History",
            "Materiële welvaart: inkomen",
            "Wonen/werken [2024]?",
            "*",
            "'Tussen aanhalingstekens'",
            '=HYPERLINK("http://x","y")',
            "=cmd|' /C calc'!A0",
            "   ",
            "x" * 40,
        ]
    ),
    st.builds(lambda tail: SHARED_PREFIX + tail, plain_titles),
    plain_titles,
)


@st.composite
def hazardous_catalogues(draw: st.DrawFn) -> str:
    """2–3 themes with hazardous titles, some the same as another ignoring case; each
    theme's indicator reads the snapshot or a local CSV, so no network is needed. Now and
    then no indicators at all."""
    titles = draw(st.lists(hazard_titles, min_size=2, max_size=3))
    if draw(st.booleans()):  # a duplicate of the first title, in another case
        titles[-1] = draw(st.sampled_from([titles[0].upper(), titles[0].lower(), titles[0]]))
    lines = [f"[monitor]\ntitle = {q(draw(hazard_titles))}\n"]
    lines += [f"[themes.t{i}]\ntitle = {q(title)}\n" for i, title in enumerate(titles)]
    lines += [
        '[sources.eigen]\ncsv = "eigen.csv"\n',
        '[sources.bevolking]\ntable = "03759ned"\n',
    ]
    if draw(st.integers(0, 9)) == 0:
        return "\n".join(lines)
    for i in range(len(titles)):
        title = draw(hazard_titles)
        if draw(st.booleans()):
            source = 'source = "eigen"\nunit = "%"\naggregate = "none"'
        else:
            source = (
                'source = "bevolking"\nmeasure = "BevolkingOp1Januari_1"\n'
                'filters = { Geslacht = "T001038", Leeftijd = "10000", '
                'BurgerlijkeStaat = "T001019" }\naggregate = "sum"'
            )
        lines.append(
            f'[indicators.i{i}]\ntitle = {q(title)}\ntheme = "t{i}"\nbetter = "higher"\n{source}\n'
        )
    return "\n".join(lines)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(text=hazardous_catalogues())
def test_a_catalogue_that_check_accepts_exports(text: str) -> None:
    """If `catalog check` accepts a catalogue, `export --no-charts` exits 0; if it
    rejects it, both exit 2 and name the catalogue file."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "indicators.toml").write_text(text, encoding="utf-8")
        (folder / "eigen.csv").write_text(LOCAL_CSV, encoding="utf-8")
        checked, _, check_err = run(folder, "catalog", "check")
        exported, _, export_err = run(folder, "export", "--no-charts", "--out", str(folder / "out"))
        event(f"check exits {checked}")
        if checked == 0:
            assert exported == 0, export_err
        else:
            assert checked == 2, check_err
            assert str(folder / "indicators.toml") in check_err
            assert exported == 2 and str(folder / "indicators.toml") in export_err


def test_an_empty_catalogue_is_refused_with_its_path(tmp_path: Path) -> None:
    """A catalogue without indicators cannot make a monitor: check and export exit 2."""
    (tmp_path / "indicators.toml").write_text('[themes.t]\ntitle = "Thema"\n', "utf-8")
    for args in (("catalog", "check"), ("export", "--no-charts", "--out", str(tmp_path / "o"))):
        code, _, err = run(tmp_path, *args)
        assert code == 2, err
        assert str(tmp_path / "indicators.toml") in err and "no indicators" in err


def test_themes_titled_like_a_fixed_sheet_or_alike_all_get_a_sheet(tmp_path: Path) -> None:
    """Theme titles that clash with a fixed sheet, with each other (ignoring case) or hold
    forbidden characters each get their own recognisable sheet."""
    import openpyxl

    titles = ["Gegevens", "gegevens", "Materiële welvaart: inkomen", "Wonen/werken"]
    text = "\n".join(f"[themes.t{i}]\ntitle = {q(t)}\n" for i, t in enumerate(titles))
    text += '\n[sources.eigen]\ncsv = "eigen.csv"\n'
    text += "".join(
        f'\n[indicators.i{i}]\ntitle = "Indicator {i}"\ntheme = "t{i}"\nbetter = "higher"\n'
        'source = "eigen"\naggregate = "none"\n'
        for i in range(len(titles))
    )
    (tmp_path / "indicators.toml").write_text(text, "utf-8")
    (tmp_path / "eigen.csv").write_text(LOCAL_CSV, "utf-8")
    code, _, err = run(tmp_path, "export", "--no-charts", "--out", str(tmp_path / "out"))
    assert code == 0, err
    [folder] = (tmp_path / "out").iterdir()
    names = openpyxl.load_workbook(folder / "monitor-brede-welvaart.xlsx").sheetnames
    assert names[0] == "Overzicht" and names[-3:] == ["Posities en scores", "Gegevens", "Bronnen"]
    assert len(names) == 4 + len(titles)
    assert "Materiële welvaart - inkomen" in names and "Wonen-werken" in names
