"""What a figure means, read back as a reader sees it: statuses of computed values, trend
arrows and judgements, quarters, shares of counts, the year shown, whole totals."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from bwmonitor.cli import app
from bwmonitor.store.tables import TableDir, TableMeta
from tests.conftest import ShippedExports

runner = CliRunner()


def run(*args: str, data_dir: Path, catalog: Path | None = None) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    if catalog is not None:
        env["BWMONITOR_CATALOG"] = str(catalog)
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def compare_json(tmp_path: Path, *args: str, catalog: Path | None = None) -> list[dict[str, Any]]:
    code, out, err = run("compare", *args, "--format", "json", data_dir=tmp_path, catalog=catalog)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def compare_text(tmp_path: Path, *args: str) -> str:
    code, out, err = run("compare", *args, data_dir=tmp_path)
    assert code == 0, err
    return out


def row_of(text: str, title: str) -> str:
    """An indicator's block in compare's piped layout: its title, then 'label: value'."""
    [block] = [block for block in text.split("\n\n") if block.startswith(title)]
    return block


def benchmark(record: dict[str, Any], code: str) -> dict[str, Any]:
    [found] = [b for b in record["benchmarks"] if b["region"] == code]
    return found


# ---------------------------------------------------------------- 4. status


def test_computed_value_of_definitive_parts_is_definitief(tmp_path: Path) -> None:
    """Regio Deal Zuid-Oost's 2024 population is summed from four municipalities whose
    2024 figures 03759ned marks Definitief: the sum is Definitief too, not unknown."""
    [record] = compare_json(
        tmp_path, "-r", "regiodeal-zo", "--indicator", "inwoners", "--year", "2024"
    )
    assert record["computed"] is True
    assert record["status"] == "Definitief"


def test_status_of_parts_combines_unknown_and_provisional() -> None:
    """Definitive + unknown parts give unknown (""); any provisional part gives the least
    definitive status among the parts."""
    from bwmonitor.compute.aggregation import status_of_parts

    frame = pl.DataFrame(
        {
            "group": [1, 1, 2, 2, 3, 3, 3, 4, 4],
            "status": [
                "Definitief",
                "Definitief",
                "Definitief",
                "",
                "Definitief",
                "NaderVoorlopig",
                "Voorlopig",
                None,
                "NaderVoorlopig",
            ],
        }
    )
    got = dict(
        frame.group_by("group", maintain_order=True)
        .agg(status_of_parts(pl.col("status")).alias("status"))
        .iter_rows()
    )
    assert got == {1: "Definitief", 2: "", 3: "Voorlopig", 4: "NaderVoorlopig"}


# ---------------------------------------------------------------- 5. trend


def test_trend_arrow_shows_the_fall_and_the_word_judges_it(tmp_path: Path) -> None:
    """Smoking in Emmen fell from 2016 to 2020: the arrow points down, but two survey
    years in the 8-year window are too few to test ('te weinig'). Drenthe's share with
    hbo or wo rose over 8 yearly figures, significantly: '▲ beter'."""
    row = row_of(compare_text(tmp_path, "-r", "Emmen", "--indicator", "rokers"), "Rokers (18+)")
    assert "▼ te weinig 2016–2020" in row
    text = compare_text(tmp_path, "-r", "drenthe", "--indicator", "hoogopgeleiden")
    assert "▲ beter 2016–2023" in row_of(text, "Inwoners van 15 tot 75 jaar met hbo of wo")


def test_trend_json_has_movement_and_judgement_fields(tmp_path: Path) -> None:
    """JSON gives the direction of movement and the judgement separately, with the
    test behind the judgement (slope, p, the number of figures and the window)."""
    [record] = compare_json(tmp_path, "-r", "Emmen", "--indicator", "rokers")
    assert record["trend_change"] < 0 and record["trend_slope"] < 0
    assert record["trend_movement"] == "lager"
    assert record["trend_judgement"] == "onvoldoende gegevens"
    assert (record["trend_n"], record["trend_p"], record["trend_window"]) == (2, None, "2013–2020")


def test_neutral_trend_has_an_arrow_and_no_judgement(tmp_path: Path) -> None:
    """A neutral indicator's trend moves, but is neither better nor worse."""
    [record] = compare_json(tmp_path, "-r", "Emmen", "--indicator", "inwoners_65plus")
    assert record["trend_movement"] == "hoger" and record["trend_judgement"] is None
    text = compare_text(tmp_path, "-r", "Emmen", "--indicator", "inwoners_65plus")
    row = row_of(text, "Inwoners van 65 jaar of ouder")
    assert "▲" in row and "beter" not in row and "slechter" not in row


# ---------------------------------------------------------------- 6. quarters


def test_count_has_no_quarter_and_no_rank(tmp_path: Path) -> None:
    """Emmen's population is a count: a large municipality is not 'best'."""
    [record] = compare_json(tmp_path, "-r", "Emmen", "--indicator", "inwoners")
    assert record["quartile_nl"] is None and record["rank_drenthe"] is None
    row = row_of(compare_text(tmp_path, "-r", "Emmen", "--indicator", "inwoners"), "Inwoners")
    fields = dict(line.split(":", 1) for line in row.splitlines()[1:])
    assert fields["  kwartiel NL"].strip() == "-" and fields["  rang Drenthe"].strip() == "-"


def test_neutral_indicator_quarter_says_highest_or_lowest(tmp_path: Path) -> None:
    """Emmen's share of under-15s is in the lowest quarter, not the worst."""
    text = compare_text(tmp_path, "-r", "Emmen", "--indicator", "aandeel_0_15")
    row = row_of(text, "Aandeel inwoners 0 tot 15 jaar")
    assert "laagste kwart" in row
    assert "beste kwart" not in text


COUNT_WITH_DIRECTION = """
[monitor]
title = "Telling"

[themes.t]
title = "Uitkeringen"

[sources.kwb]
series = { "2020" = "84799NED" }

[indicators.bijstand]
title = "Personen met bijstand"
theme = "t"
better = "lower"
source = "kwb"
measure = "PersonenPerSoortUitkeringBijstand"
aggregate = "sum"
"""


def test_workbook_does_not_colour_the_quarter_of_a_count(tmp_path: Path) -> None:
    """Even with a direction, a count's cells on the theme sheet get no quarter fill."""
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(COUNT_WITH_DIRECTION, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(
        "export", "--no-charts", "--out", str(out), data_dir=tmp_path / "store", catalog=catalog
    )
    assert code == 0, err
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    [book] = list(folder.glob("*.xlsx"))
    sheet = openpyxl.load_workbook(book)["Uitkeringen"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("2020")
    fills = [
        row[column].fill.fgColor.rgb
        for row in sheet.iter_rows(min_row=2)
        if row[headers.index("Regio")].value == "GM0114"
    ]
    assert fills and all(fill in (None, "00000000") for fill in fills), fills


# ---------------------------------------------------------------- 7. shares


def test_count_shows_its_share_of_the_benchmark_not_a_difference(tmp_path: Path) -> None:
    """Emmen's population is 21,6% of Drenthe's, not '-398.228'."""
    text = compare_text(tmp_path, "-r", "Emmen", "--indicator", "inwoners")
    row = row_of(text, "Inwoners op 1 januari")
    assert "(21,6% van Drenthe)" in row
    assert "-398" not in row


def test_count_json_has_share_instead_of_difference(tmp_path: Path) -> None:
    """The JSON benchmark of a count carries `share` (in %), and no `difference`."""
    [record] = compare_json(tmp_path, "-r", "Emmen", "--indicator", "inwoners")
    drenthe = benchmark(record, "PV22")
    assert "difference" not in drenthe
    assert drenthe["share"] == pytest.approx(record["value"] / drenthe["value"] * 100)


def test_count_csv_has_a_share_column(tmp_path: Path) -> None:
    """CSV: share_PV22 holds the share for a count; difference_PV22 stays empty."""
    code, out, err = run(
        "compare", "-r", "Emmen", "--indicator", "inwoners", "--format", "csv", data_dir=tmp_path
    )
    assert code == 0, err
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert float(row["share_PV22"]) == pytest.approx(21.6, abs=0.05)
    assert row["difference_PV22"] == ""


# ---------------------------------------------------------------- 10. the year shown


def test_compare_and_export_show_the_same_year_for_every_indicator(
    tmp_path: Path, shipped_exports: ShippedExports
) -> None:
    """Tabel 1's regions: the overview sheet's year equals compare's, indicator by
    indicator, also where the focus regions have no value (the sale price of homes)."""
    records = compare_json(tmp_path / "store", "-r", "noord,zuidwest,zuidoost")
    compared = {r["title"]: int(r["period"]) if r["period"] else None for r in records}
    folder = shipped_exports.folder("xlsx")
    sheet = openpyxl.load_workbook(folder / "monitor-brede-welvaart.xlsx")["Overzicht"]
    headers = [c.value for c in sheet[3]]
    year_column = headers.index("Jaar")
    exported = {
        row[0]: row[year_column] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]
    }
    for title, year in compared.items():
        assert exported[title] == year, title
    assert compared["Gemiddelde verkoopprijs bestaande koopwoningen"] == 2025


# ---------------------------------------------------------------- 11. whole totals

ONE_TABLE = """
[monitor]
title = "Heel land"

[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.teller]
title = "Teller"
theme = "t"
better = "neutral"
source = "s"
measure = "Teller_1"
aggregate = "sum"

[indicators.noemer]
title = "Noemer"
theme = "t"
better = "neutral"
source = "s"
measure = "Noemer_2"
aggregate = "sum"
"""


def country_of_310(data_dir: Path) -> None:
    """A table of 310 municipalities (no country row); GM9310 has no Teller figure."""
    codes = [f"GM{9001 + i}" for i in range(310)]
    frame = pl.DataFrame(
        {
            "RegioS": codes,
            "Perioden": ["2020JJ00"] * len(codes),
            "Teller_1": [None if c == "GM9310" else 1.0 for c in codes],
            "Noemer_2": [2.0] * len(codes),
        },
        schema={
            "RegioS": pl.String,
            "Perioden": pl.String,
            "Teller_1": pl.Float64,
            "Noemer_2": pl.Float64,
        },
    )
    TableDir(data_dir).write(
        TableMeta.from_json(
            "99999TST",
            {
                "title": "Test",
                "dimensions": {
                    "RegioS": {
                        "type": "GeoDimension",
                        "labels": {c: f"Gemeente {c}" for c in codes},
                    },
                    "Perioden": {
                        "type": "TimeDimension",
                        "labels": {"2020JJ00": "2020"},
                        "status": {"2020JJ00": "Definitief"},
                    },
                },
                "measures": {k: {"unit": "aantal"} for k in ("Teller_1", "Noemer_2")},
            },
        ),
        frame,
    )


def test_netherlands_is_never_a_partial_total(tmp_path: Path) -> None:
    """One municipality of 310 lacks a figure: no Netherlands sum, with a reason; the
    measure every municipality has still sums all 310."""
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(ONE_TABLE, encoding="utf-8")
    country_of_310(tmp_path / "store")
    records = compare_json(tmp_path / "store", "-r", "nederland", catalog=catalog)
    by_id = {r["indicator"]: r for r in records}
    assert by_id["teller"]["value"] is None
    assert re.search(r"niet alle gemeenten", by_id["teller"]["reason"])
    assert by_id["noemer"]["value"] == 620.0
    assert by_id["noemer"]["rule"] == "som van 310 gemeenten"
