"""Excel sheet names from theme titles: valid, unique ignoring case, recognisable."""

from __future__ import annotations

import pytest

from bwmonitor.publish.sheet_names import sheet_names as derive

FIXED_SHEETS = ("Overzicht", "Gegevens", "Bronnen")


def sheet_names(titles: list[str]) -> list[str]:
    return derive(titles, reserved=FIXED_SHEETS)


def test_ordinary_dutch_titles_keep_their_name() -> None:
    """Titles Excel accepts stay as they are."""
    titles = ["Materiële welvaart", "Gezondheid", "Arbeid en vrije tijd", "Wonen"]
    assert sheet_names(titles) == titles


def test_forbidden_characters_are_replaced_readably() -> None:
    """Excel forbids / \\ : ? * [ ] in sheet names; they become readable substitutes."""
    assert sheet_names(["Materiële welvaart: inkomen", "Wonen/werken", "[Wat?*]", "a\\b"]) == [
        "Materiële welvaart - inkomen",
        "Wonen-werken",
        "(Wat)",
        "a-b",
    ]


def test_names_are_unique_ignoring_case_and_after_cutting_to_31() -> None:
    """Excel compares sheet names ignoring case, after at most 31 characters."""
    long = "Materiële welvaart en inkomen van huishoudens"
    names = sheet_names(["Wonen", "WONEN", f"{long} 2023", f"{long} 2024"])
    assert names[:2] == ["Wonen", "WONEN (2)"]
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == 4
    assert names[2] == long[:31].rstrip()


@pytest.mark.parametrize("title", ["Gegevens", "overzicht", "BRONNEN", "History"])
def test_fixed_and_reserved_sheet_names_are_not_taken(title: str) -> None:
    """A theme titled like a fixed sheet (or Excel's reserved 'History') gets another name."""
    [name] = sheet_names([title])
    assert name.casefold() not in {"gegevens", "overzicht", "bronnen", "history"}
    assert name.startswith(title)


@pytest.mark.parametrize("title", ["'quoted'", "''", "   ", "?*", "'"])
def test_no_name_is_empty_or_starts_or_ends_with_an_apostrophe(title: str) -> None:
    """Excel refuses empty names and names with an apostrophe at either end."""
    [name] = sheet_names([title])
    assert name and name[0] != "'" and name[-1] != "'" and len(name) <= 31
