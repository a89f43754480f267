"""The local store: atomic versions, the previous one kept on failure, the lock."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import polars as pl
import pytest

from bwmonitor.core.errors import LockHeld, StoreError
from bwmonitor.store.lock import store_lock
from bwmonitor.store.tables import DataView, TableDir, TableMeta


def frame(value: int) -> pl.DataFrame:
    return pl.DataFrame({"RegioS": ["GM0114"], "Perioden": ["2023JJ00"], "X_1": [value]})


def sidecar() -> dict[str, object]:
    return {
        "table_id": "T1",
        "title": "Test",
        "modified": "2024-01-01T00:00:00",
        "dimensions": {"RegioS": {"type": "GeoDimension", "labels": {"GM0114": "Emmen"}}},
    }


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    """What is written is what is read back, with its sidecar."""
    store = TableDir(tmp_path)
    store.write(TableMeta.from_json("T1", sidecar()), frame(5))
    meta = store.meta("T1")
    assert meta is not None and meta.rows == 1 and meta.region_dimension == "RegioS"
    assert store.frame(meta)["X_1"].to_list() == [5]


def test_new_version_replaces_old_and_leaves_one_data_file(tmp_path: Path) -> None:
    """A rewrite swaps the version and removes the superseded data file."""
    store = TableDir(tmp_path)
    store.write(TableMeta.from_json("T1", sidecar()), frame(5))
    store.write(TableMeta.from_json("T1", sidecar()), frame(6))
    assert len(list(store.tables.glob("T1.*.parquet"))) == 1
    meta = store.meta("T1")
    assert meta is not None and store.frame(meta)["X_1"].to_list() == [6]


def test_failed_write_keeps_previous_version_and_leaves_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while writing the sidecar: old data intact, no temp files, StoreError."""
    store = TableDir(tmp_path)
    store.write(TableMeta.from_json("T1", sidecar()), frame(5))
    before = sorted(p.name for p in store.tables.iterdir())

    real_replace = os.replace

    def full_disk(src: str, dst: str) -> None:
        if str(dst).endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(StoreError, match="No space left on device"):
        store.write(TableMeta.from_json("T1", sidecar()), frame(6))
    monkeypatch.undo()
    meta = store.meta("T1")
    assert meta is not None and store.frame(meta)["X_1"].to_list() == [5]
    assert not [p for p in store.tables.iterdir() if p.name.startswith(".")]
    after_t1 = sorted(p.name for p in store.tables.iterdir() if p.name.startswith("T1"))
    assert set(before) <= set(after_t1)


def test_sidecar_is_never_half_written(tmp_path: Path) -> None:
    """The sidecar on disk is always complete JSON naming an existing data file."""
    store = TableDir(tmp_path)
    for value in range(5):
        store.write(TableMeta.from_json("T1", sidecar()), frame(value))
        raw = json.loads(store.sidecar_path("T1").read_text())
        assert (store.tables / raw["data_file"]).is_file()


def test_data_view_prefers_fetched_over_snapshot(tmp_path: Path) -> None:
    """A table in the store shadows the same table in the snapshot."""
    snapshot, fetched = TableDir(tmp_path / "snap"), TableDir(tmp_path / "store")
    snapshot.write(TableMeta.from_json("T1", {**sidecar(), "origin": "snapshot"}), frame(1))
    view = DataView(fetched, snapshot)
    found = view.table("T1")
    assert found is not None and found.meta.origin == "snapshot"
    fetched.write(TableMeta.from_json("T1", sidecar()), frame(2))
    assert DataView(fetched, snapshot).frame("T1")["X_1"].to_list() == [2]  # type: ignore[index]


def test_second_lock_holder_is_refused_at_once(tmp_path: Path) -> None:
    """Two runs on one store: the second gets LockHeld (exit 75) without waiting."""
    with store_lock(tmp_path), pytest.raises(LockHeld) as caught, store_lock(tmp_path):
        pass
    assert caught.value.exit_code == 75
    with store_lock(tmp_path):  # released after the first run ends
        pass
