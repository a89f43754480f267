"""compare keeps its observations between runs (store/observation_cache.py), and never
shows kept figures once the data, the catalogue or bwmonitor changed."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from tests.conftest import Project

COMPARE = ("compare", "--region", "zuidoost", "--format", "json")


def _entry(project: Project) -> Path:
    entries = sorted((project.data_dir / "cache").glob("observations-*.arrow"))
    assert len(entries) == 1, entries  # only the newest entry stays
    return entries[0]


def _doctor(entry: Path) -> None:
    """Plant figures no computation gives: every value times 1000."""
    frame = pl.read_ipc(entry)
    frame.with_columns(pl.col("value") * 1000).write_ipc(entry)


def _bijstand(output: str) -> float:
    value = next(r["value"] for r in json.loads(output) if r["indicator"] == "bijstand")
    assert isinstance(value, float)
    return value


def test_compare_keeps_its_observations_and_drops_them_when_the_catalogue_changes(
    project: Project,
) -> None:
    code, first, _ = project.run(*COMPARE)
    assert code == 0
    entry = _entry(project)
    _doctor(entry)
    code, kept, _ = project.run(*COMPARE)
    assert code == 0
    assert _bijstand(kept) == _bijstand(first) * 1000  # the kept entry was read

    project.catalog.write_text(project.catalog.read_text("utf-8") + "\n# edited\n", "utf-8")
    code, after_edit, _ = project.run(*COMPARE)
    assert code == 0
    assert after_edit == first  # computed anew
    assert _entry(project) != entry


def test_kept_observations_are_dropped_after_a_fetch(project: Project) -> None:
    code, before, _ = project.run(*COMPARE)
    _doctor(_entry(project))
    assert project.run("fetch", "--quiet")[0] == 0
    code, after, _ = project.run(*COMPARE)
    assert code == 0
    (project.data_dir / "cache").rename(project.root / "old-cache")
    code, computed, _ = project.run(*COMPARE)
    assert code == 0
    assert after == computed  # the fetched data's figures, not the doctored ones
    assert _bijstand(after) != _bijstand(before) * 1000


def test_a_damaged_entry_is_computed_again(project: Project) -> None:
    code, first, _ = project.run(*COMPARE)
    entry = _entry(project)
    entry.write_bytes(entry.read_bytes()[:1000])  # cut off, as by a full disk
    code, again, _ = project.run(*COMPARE)
    assert code == 0
    assert again == first
    assert pl.read_ipc(_entry(project)).height > 0  # written whole again


def test_a_cache_that_cannot_be_written_is_no_error(project: Project) -> None:
    project.data_dir.mkdir(parents=True, exist_ok=True)
    (project.data_dir / "cache").write_text("not a folder", "utf-8")
    code, first, err = project.run(*COMPARE)
    assert code == 0, err
    code, second, _ = project.run(*COMPARE)
    assert second == first
