"""changes.py: what counts as a revision, a new period or a changed table."""

from __future__ import annotations

from typing import Any

import polars as pl

from bwmonitor.compute.changes import figure_changes, table_changes
from bwmonitor.compute.observations import schema
from bwmonitor.store.tables import TableMeta


def observations(*rows: tuple[str, str, str, float | None, str]) -> pl.DataFrame:
    records = [
        {
            "indicator": i,
            "region": r,
            "period": p,
            "value": v,
            "status": s,
            "source": "T",
            "computed": False,
            "rule": "",
        }
        for i, r, p, v, s in rows
    ]
    return pl.DataFrame(records, schema=schema())


def test_identical_observations_have_no_changes() -> None:
    frame = observations(("a", "GM0114", "2024JJ00", 1.5, "Definitief"))
    assert figure_changes(frame, frame) == ({}, [])


def test_recomputed_ratio_within_float_noise_is_not_a_revision() -> None:
    before = observations(("a", "CR08", "2024JJ00", 0.1 + 0.2, ""))
    after = observations(("a", "CR08", "2024JJ00", 0.3, ""))
    assert figure_changes(before, after) == ({}, [])


def test_changed_withdrawn_and_filled_in_figures_are_revisions() -> None:
    before = observations(
        ("a", "GM0114", "2024JJ00", 10.0, "Voorlopig"),
        ("a", "GM0106", "2024JJ00", 5.0, "Voorlopig"),
        ("a", "GM0109", "2024JJ00", None, "Voorlopig"),
        ("a", "GM0118", "2024JJ00", 7.0, "Voorlopig"),
    )
    after = observations(
        ("a", "GM0114", "2024JJ00", 11.0, "Definitief"),
        ("a", "GM0106", "2024JJ00", None, "Definitief"),
        ("a", "GM0109", "2024JJ00", 3.0, "Definitief"),
        ("a", "GM0118", "2024JJ00", 7.0, "Definitief"),
    )
    new_periods, revisions = figure_changes(before, after)
    assert new_periods == {}
    found = {(r.region, r.old, r.new, r.old_status, r.new_status) for r in revisions}
    assert found == {
        ("GM0114", 10.0, 11.0, "Voorlopig", "Definitief"),
        ("GM0106", 5.0, None, "Voorlopig", "Definitief"),
        ("GM0109", None, 3.0, "Voorlopig", "Definitief"),
    }


def test_a_region_missing_before_in_a_known_period_is_a_revision() -> None:
    before = observations(("a", "GM0114", "2024JJ00", 1.0, ""))
    after = observations(("a", "GM0114", "2024JJ00", 1.0, ""), ("a", "CR08", "2024JJ00", 2.0, ""))
    _, revisions = figure_changes(before, after)
    assert [(r.region, r.old, r.new) for r in revisions] == [("CR08", None, 2.0)]


def test_new_period_is_reported_once_per_indicator_not_as_revisions() -> None:
    before = observations(("a", "GM0114", "2024JJ00", 1.0, ""))
    after = observations(
        ("a", "GM0114", "2024JJ00", 1.0, ""),
        ("a", "GM0114", "2025JJ00", 2.0, "Voorlopig"),
        ("a", "CR08", "2025JJ00", 4.0, "Voorlopig"),
        ("b", "GM0114", "2025JJ00", 4.0, ""),
    )
    new_periods, revisions = figure_changes(before, after)
    assert new_periods == {"a": ["2025JJ00"], "b": ["2025JJ00"]}
    assert revisions == []


def meta(table_id: str, modified: str, status: dict[str, str], **extra: Any) -> TableMeta:
    dims = {
        "Perioden": {
            "type": "TimeDimension",
            "labels": {p: p[:4] for p in status},
            "status": status,
        }
    }
    raw = {"title": "T", "modified": modified, "dimensions": dims, "data_file": "x", **extra}
    return TableMeta.from_json(table_id, raw)


def test_table_changes_ignore_fetch_details_and_report_periods_and_status() -> None:
    old = meta("T", "2026-01-01", {"2024JJ00": "Voorlopig"}, fetched_at="a", requests=3)
    same = meta("T", "2026-01-01", {"2024JJ00": "Voorlopig"}, fetched_at="b", requests=9)
    assert table_changes({"T": old}, {"T": same}) == []
    new = meta("T", "2026-06-01", {"2024JJ00": "Definitief", "2025JJ00": "Voorlopig"})
    [change] = table_changes({"T": old}, {"T": new})
    assert (change.modified_before, change.modified_after) == ("2026-01-01", "2026-06-01")
    assert change.new_periods == ["2025JJ00"]
    assert [(s.period, s.before, s.after) for s in change.status_changes] == [
        ("2024JJ00", "Voorlopig", "Definitief")
    ]
    [added] = table_changes({}, {"T": new})
    assert added.modified_before == "" and added.new_periods == []
