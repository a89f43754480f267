"""The trend test (compute/trend.py) and the recent change: Student's t against scipy,
least-squares lines computed by hand, irregular survey years, the judgement's edges, and
what compare, its terminal table and the workbook show on the shipped snapshot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from scipy import stats
from typer.testing import CliRunner

import bwmonitor as bw
from bwmonitor.cli import app
from bwmonitor.compute.comparison import recent_change, trend
from bwmonitor.compute.trend import fit, period_date, student_t_two_sided
from bwmonitor.core.catalog import Direction
from tests.conftest import ShippedExports

# ---------------------------------------------------------------- Student's t


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 6, 8, 10, 15, 30, 100, 1000])
def test_the_t_distribution_agrees_with_scipy(df: int) -> None:
    """The two-sided p-value, from the standard library, is scipy's to 1e-9 over a grid
    of t (both signs) from barely off zero to far in the tail."""
    for t in (0.0, 0.01, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 10.0, 30.0, 100.0):
        for signed in (t, -t):
            expected = 2 * stats.t.sf(abs(signed), df)
            got = student_t_two_sided(signed, df)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), (signed, df)


def test_the_t_distribution_matches_its_closed_forms() -> None:
    """df = 1 (Cauchy): p = 1 - 2/π·atan(t); df = 2: p = 1 - t/sqrt(2 + t²)."""
    for t in (0.3, 1.0, 4.3):
        assert student_t_two_sided(t, 1) == pytest.approx(1 - 2 / math.pi * math.atan(t))
        assert student_t_two_sided(t, 2) == pytest.approx(1 - t / math.sqrt(2 + t * t))


# ---------------------------------------------------------------- the line, by hand


def p_df3(t: float) -> float:
    """The two-sided p-value of Student's t with 3 degrees of freedom, in closed form:
    1 - (2/π)·(atan(u) + u/(1 + u²)), u = t/√3."""
    u = t / math.sqrt(3)
    return 1 - 2 / math.pi * (math.atan(u) + u / (1 + u * u))


def yearly(*values: float, first: int = 2017) -> list[tuple[str, float]]:
    return [(f"{first + i}JJ00", v) for i, v in enumerate(values)]


def test_a_rising_series_that_is_not_significant() -> None:
    """2017–2021: 10, 12, 11, 14, 13. Dates minus their mean: -2, -1, 0, 1, 2 (Sxx = 10);
    values minus 12: -2, 0, -1, 2, 1; Sxy = 4 + 0 + 0 + 2 + 2 = 8; slope 0,8 per year.
    Line 10,4 11,2 12 12,8 13,6; residuals -0,4 0,8 -1 1,2 -0,6; SSE = 3,6;
    s² = 3,6/3 = 1,2; se = sqrt(1,2/10); t = 0,8/sqrt(0,12) = 4/√3 ≈ 2,31; df = 3;
    p = 1 - (2/π)(atan(4/3) + 12/25) ≈ 0,1041: not significant."""
    got = trend(yearly(10, 12, 11, 14, 13), "2021JJ00", Direction.HIGHER)
    assert got["trend_slope"] == pytest.approx(0.8)
    assert got["trend_p"] == pytest.approx(p_df3(4 / math.sqrt(3)))
    assert got["trend_p"] == pytest.approx(0.10409, abs=1e-5)
    assert got["trend_n"] == 5 and got["trend_window"] == "2014–2021"
    assert got["trend_movement"] == "hoger"
    assert got["trend_judgement"] == "geen significante verandering"
    assert (got["trend_from"], got["trend_to"], got["trend_change"]) == ("2017", "2021", 3.0)


def test_a_rising_series_that_is_significant_is_judged_by_direction() -> None:
    """2017–2021: 10, 12, 13, 15, 15. Values minus 13: -3, -1, 0, 2, 2; Sxy = 6 + 1 + 0
    + 2 + 4 = 13; slope 1,3. Line 10,4 11,7 13 14,3 15,6; residuals -0,4 0,3 0 0,7
    -0,6; SSE = 1,1; se = sqrt(1,1/3/10); t = 1,3/se ≈ 6,79; p ≈ 0,00653 < 0,05."""
    points = yearly(10, 12, 13, 15, 15)
    t = 1.3 / math.sqrt(1.1 / 3 / 10)
    higher = trend(points, "2021JJ00", Direction.HIGHER)
    assert higher["trend_slope"] == pytest.approx(1.3)
    assert higher["trend_p"] == pytest.approx(p_df3(t))
    assert higher["trend_p"] == pytest.approx(0.00653, abs=1e-5)
    assert higher["trend_judgement"] == "beter"
    assert trend(points, "2021JJ00", Direction.LOWER)["trend_judgement"] == "slechter"
    neutral = trend(points, "2021JJ00", Direction.NEUTRAL)
    assert (neutral["trend_movement"], neutral["trend_judgement"]) == ("hoger", None)
    assert neutral["trend_p"] == higher["trend_p"]  # the test is done; only no word


def test_irregular_survey_years_keep_their_spacing() -> None:
    """Health monitor years 2012, 2016, 2020, 2022 with 20, 22, 25, 26, at mid-year
    (2012,5 ...). Mean date 2018,0; dates minus it -5,5 -1,5 2,5 4,5 (Sxx = 30,25 +
    2,25 + 6,25 + 20,25 = 59); values minus 23,25: -3,25 -1,25 1,75 2,75; Sxy = 17,875
    + 1,875 + 4,375 + 12,375 = 36,5; slope 36,5/59 ≈ 0,619 per year (evenly spaced it
    would be 2,1 per step). An 11-year window up to 2022 holds all four."""
    points = [("2012JJ00", 20.0), ("2016JJ00", 22.0), ("2020JJ00", 25.0), ("2022JJ00", 26.0)]
    got = trend(points, "2022JJ00", Direction.LOWER, window=11)
    assert got["trend_n"] == 4 and got["trend_window"] == "2012–2022"
    assert got["trend_slope"] == pytest.approx(36.5 / 59)
    reference = stats.linregress([2012.5, 2016.5, 2020.5, 2022.5], [20, 22, 25, 26])
    assert got["trend_p"] == pytest.approx(reference.pvalue, rel=1e-9)
    assert got["trend_judgement"] == (
        "slechter" if reference.pvalue < 0.05 else "geen significante verandering"
    )


def test_the_default_window_is_eight_calendar_years() -> None:
    """Up to 2022 the window is 2015–2022: 2012 drops out, 2016, 2020 and 2022 stay.
    Dates minus their mean: -10/3, 2/3, 8/3 (Sxx = 168/9); values 22, 25, 26 minus
    73/3: -7/3, 2/3, 5/3; Sxy = (70 + 4 + 40)/9 = 114/9; slope 114/168 = 19/28."""
    points = [("2012JJ00", 20.0), ("2016JJ00", 22.0), ("2020JJ00", 25.0), ("2022JJ00", 26.0)]
    got = trend(points, "2022JJ00", Direction.HIGHER)
    assert got["trend_window"] == "2015–2022" and got["trend_n"] == 3
    assert got["trend_from"] == "2016"
    assert got["trend_slope"] == pytest.approx(19 / 28)


def test_a_span_of_years_sits_at_its_middle() -> None:
    """'2018-2021' covers 2018,0 to 2022,0: its date is 2020,0; a year's is mid-year."""
    assert period_date("2018-2021") == 2020.0
    assert period_date("2020JJ00") == 2020.5
    assert period_date("2020KW02") is None
    # spans at 2014,0, 2018,0 and 2022,0 (four years apart) with 1, 3, 5: slope 0,5
    points = [("2012-2015", 1.0), ("2016-2019", 3.0), ("2020-2023", 5.0)]
    got = trend(points, "2023JJ00", Direction.HIGHER, window=12)
    assert got["trend_slope"] == pytest.approx(0.5)
    assert (got["trend_from"], got["trend_to"]) == ("2012-2015", "2020-2023")


def test_under_three_figures_is_not_enough() -> None:
    """Two figures give a slope (the arrow) but no scatter to test it against."""
    got = trend(yearly(10, 12, first=2019), "2020JJ00", Direction.HIGHER)
    assert (got["trend_movement"], got["trend_judgement"]) == ("hoger", "onvoldoende gegevens")
    assert got["trend_p"] is None and got["trend_n"] == 2
    one = trend(yearly(10, first=2020), "2020JJ00", Direction.HIGHER)
    assert (one["trend_movement"], one["trend_judgement"], one["trend_n"]) == (
        None,
        "onvoldoende gegevens",
        1,
    )


def test_a_line_without_scatter_does_not_crash() -> None:
    """Flat: slope 0, p = 1, no significant change. Exactly straight and sloping: p = 0."""
    flat = trend(yearly(0.1, 0.1, 0.1, 0.1), "2020JJ00", Direction.HIGHER)
    assert (flat["trend_slope"], flat["trend_p"], flat["trend_movement"]) == (0.0, 1.0, "gelijk")
    assert flat["trend_judgement"] == "geen significante verandering"
    straight = trend(yearly(1, 2, 3, 4), "2020JJ00", Direction.HIGHER)
    assert straight["trend_slope"] == pytest.approx(1.0)
    assert straight["trend_p"] == pytest.approx(0.0, abs=1e-12)
    assert straight["trend_judgement"] == "beter"


def test_fit_needs_two_distinct_dates() -> None:
    assert fit([(2020.5, 1.0)]).slope is None
    assert fit([]).n == 0


# ---------------------------------------------------------------- recent change


def test_a_share_changes_in_percentage_points_and_a_count_in_percent() -> None:
    """Since the latest earlier figure: 12,5% after 10,0% is +2,5 procentpunt; 1.100
    after 1.000 inhabitants is +10%; a rate per 1.000 changes in its own unit."""
    points = [("2016JJ00", 8.0), ("2018JJ00", 10.0), ("2020JJ00", 12.5)]
    share = recent_change(points, "2020JJ00", 12.5, "%")
    assert share == {"change_from": "2018", "change": 2.5, "change_unit": "procentpunt"}
    count = recent_change([("2019JJ00", 1000.0)], "2020JJ00", 1100.0, "aantal")
    assert count["change"] == pytest.approx(10.0) and count["change_unit"] == "%"
    rate = recent_change([("2019JJ00", 30.0)], "2020JJ00", 28.0, "per 1.000 inwoners")
    assert (rate["change"], rate["change_unit"]) == (-2.0, "per 1.000 inwoners")
    assert recent_change([("2020JJ00", 1.0)], "2020JJ00", 1.0, "%")["change"] is None


# ---------------------------------------------------------------- on the snapshot


def cli(tmp_path: Path, *args: str) -> str:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": ""}
    result = CliRunner().invoke(app, ["compare", *args], env={**env, "COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def records(tmp_path: Path, *args: str) -> dict[str, dict[str, Any]]:
    found = json.loads(cli(tmp_path, *args, "--format", "json"))
    return {record["indicator"]: record for record in found}


def series(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, indicator: str, region: str
) -> list[tuple[int, float]]:
    """(year, value) of the yearly figures the API's observations hold."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BWMONITOR_CATALOG", raising=False)
    frame = bw.Monitor(data_dir=tmp_path / "store").observations()
    rows = frame.filter(
        (frame["indicator"] == indicator)
        & (frame["region"] == region)
        & frame["period"].str.ends_with("JJ00")
    )
    return sorted((int(p[:4]), v) for p, v in rows.select("period", "value").iter_rows())


def test_zuidoost_has_a_population_trend_and_too_few_health_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compare -r zuidoost: the yearly population series has a tested trend over its 8
    years (slope and p as scipy's linregress finds them from the observations); the
    health monitor's series (2016 and 2020 in 2013–2020) read "onvoldoende gegevens"."""
    found = records(tmp_path, "-r", "zuidoost")
    people = found["inwoners"]
    shown = int(people["period"])
    points = [(y, v) for y, v in series(tmp_path, monkeypatch, "inwoners", "CR08") if y > shown - 8]
    reference = stats.linregress([y + 0.5 for y, _ in points], [v for _, v in points])
    assert people["trend_n"] == len(points) == 8
    assert people["trend_window"] == f"{shown - 7}–{shown}"
    assert people["trend_slope"] == pytest.approx(reference.slope)
    assert people["trend_p"] == pytest.approx(reference.pvalue, rel=1e-6)
    assert people["trend_movement"] == ("hoger" if reference.slope > 0 else "lager")
    assert people["trend_judgement"] is None  # a count: neutral
    health = [r for r in found.values() if r["source"] and "50090NED" in r["source"]]
    assert len(health) >= 5
    insufficient = [r for r in health if r["trend_judgement"] == "onvoldoende gegevens"]
    assert len(insufficient) >= len(health) - 1
    assert all(r["trend_n"] <= 2 for r in insufficient)


def test_drenthe_has_more_highly_educated_significantly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drenthe's share with hbo or wo, 8 yearly figures up to the shown year: significant
    (scipy's linregress on the observations agrees), so "beter"; the recent change is
    the difference to the year before in percentage points; the terminal reads
    '▲ beter' and explains the words under the table."""
    record = records(tmp_path, "-r", "drenthe", "--indicator", "hoogopgeleiden")["hoogopgeleiden"]
    shown = int(record["period"])
    points = series(tmp_path, monkeypatch, "hoogopgeleiden", "PV22")
    inside = [(y, v) for y, v in points if y > shown - 8]
    reference = stats.linregress([y + 0.5 for y, _ in inside], [v for _, v in inside])
    assert record["trend_slope"] == pytest.approx(reference.slope)
    assert record["trend_p"] == pytest.approx(reference.pvalue, rel=1e-6)
    assert reference.pvalue < 0.05 and reference.slope > 0
    assert record["trend_judgement"] == "beter"
    (previous_year, previous), (_, last) = points[-2], points[-1]
    assert record["change_from"] == str(previous_year)
    assert record["change"] == pytest.approx(last - previous)
    assert record["change_unit"] == "procentpunt"
    text = cli(tmp_path, "-r", "drenthe", "--indicator", "hoogopgeleiden")
    first = inside[0][0]
    assert f"trend:                ▲ beter {first}–{shown}" in text
    change = f"{last - previous:+.1f}".replace(".", ",")
    assert f"recente verandering:  {change} %-punt ({previous_year})" in text
    assert "n.s. = geen significante verandering" in text


def test_the_workbook_shows_the_same_trend_and_change(
    tmp_path: Path, shipped_exports: ShippedExports
) -> None:
    """The theme sheet's trend and recent change of Drenthe's hbo/wo share are compare's:
    the trend text filled green, the change a signed number in percentage points."""
    record = records(tmp_path, "-r", "drenthe", "--indicator", "hoogopgeleiden")["hoogopgeleiden"]
    book = openpyxl.load_workbook(shipped_exports.folder("xlsx") / "monitor-brede-welvaart.xlsx")
    sheet = book["Arbeid en vrije tijd"]
    header = [c.value for c in sheet[1]]
    col = header.index("trend")
    assert header[col : col + 3] == ["trend", "recente verandering", "sinds"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == record["title"] and row[2].value == "PV22":
            assert row[col].value == f"▲ beter {record['trend_from']}–{record['trend_to']}"
            assert row[col].fill.fgColor.rgb.endswith("C6EFCE")
            assert row[col + 1].value == pytest.approx(record["change"])
            assert (
                row[col + 1].number_format == '+#,##0.0" %-punt";-#,##0.0" %-punt";#,##0.0" %-punt"'
            )
            assert row[col + 2].value == int(record["change_from"])
            return
    raise AssertionError("Drenthe's row not found")


def test_the_window_is_configurable(tmp_path: Path) -> None:
    """--trend-window 4: Drenthe's hbo/wo share over 2020–2023 only (24,9 25,0 25,2
    26,3: slope 0,44, t ≈ 2,62, df 2, p ≈ 0,12), not significant; under 3 years is
    refused in one line, exit 2."""
    found = records(
        tmp_path, "-r", "drenthe", "--indicator", "hoogopgeleiden", "--trend-window", "4"
    )
    record = found["hoogopgeleiden"]
    assert (record["trend_window"], record["trend_n"]) == ("2020–2023", 4)
    # dates minus their mean -1,5 -0,5 0,5 1,5 (Sxx = 5); Sxy = 1,5 × 1,4 + 0,5 × 0,2 = 2,2
    assert record["trend_slope"] == pytest.approx(2.2 / 5)
    assert record["trend_judgement"] == "geen significante verandering"
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": ""}
    result = CliRunner().invoke(app, ["compare", "-r", "drenthe", "--trend-window", "2"], env=env)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --trend-window 2 holds too few years for a trend "
        "(at least 3 calendar years; CBS's monitors use 8)"
    )
