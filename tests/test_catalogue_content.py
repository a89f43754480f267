"""docs/catalogue.md, the monitor's content, against the shipped catalogue: every RMBW
indicator and Tabel 1 row has a status, what it calls "in catalogue" is there, what is
not says why, and no indicator of the catalogue goes unlisted."""

from __future__ import annotations

import csv
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATUSES = {
    "in catalogue",
    "not at municipal level",
    "no StatLine table",
    "key not verified",
    "other",
}
COLUMNS = ["source", "theme", "indicator", "status", "catalogue", "note"]


def shipped() -> dict[str, Any]:
    return tomllib.loads(resources.files("bwmonitor").joinpath("indicators.toml").read_text())


def content_rows() -> list[dict[str, str]]:
    """The rows of the page's tables with the six content columns."""
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in (ROOT / "docs" / "catalogue.md").read_text("utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif header == COLUMNS and not set(line) <= set("|- "):
            rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


def ids(row: dict[str, str]) -> list[str]:
    return [i.strip() for i in row["catalogue"].split(",") if i.strip()]


def test_every_row_has_a_known_status_and_a_reason_when_it_is_not_in_the_catalogue() -> None:
    rows = content_rows()
    assert len([r for r in rows if r["source"] == "RMBW"]) >= 30
    for row in rows:
        assert row["status"] in STATUSES, row
        if row["status"] == "in catalogue":
            assert ids(row), row
        else:
            assert row["note"], row


def test_what_the_page_calls_in_the_catalogue_is_in_it() -> None:
    indicators = shipped()["indicators"]
    for row in content_rows():
        for indicator_id in ids(row):
            assert indicator_id in indicators, (row["indicator"], indicator_id)


def test_every_indicator_of_the_catalogue_is_on_the_page() -> None:
    listed = {i for row in content_rows() for i in ids(row)}
    assert set(shipped()["indicators"]) <= listed, set(shipped()["indicators"]) - listed


def test_every_row_of_tabel_1_is_on_the_page() -> None:
    published = ROOT / "data" / "publication" / "sociale-agenda-2024-tabel1.csv"
    with published.open(encoding="utf-8") as handle:
        titles = {row["title"] for row in csv.DictReader(handle)}
    on_page = {r["indicator"] for r in content_rows() if r["source"] == "Tabel 1"}
    assert titles == on_page


@pytest.mark.parametrize("capital", ["economisch_kapitaal", "sociaal_kapitaal"])
def test_the_capitals_the_page_names_are_the_catalogues(capital: str) -> None:
    """A "later" row in the catalogue carries its capital there too."""
    title = capital.replace("_", " ").capitalize()
    indicators = shipped()["indicators"]
    for row in content_rows():
        if row["theme"] == title and row["status"] == "in catalogue":
            for indicator_id in ids(row):
                assert indicators[indicator_id].get("capital") == capital, indicator_id
