"""The sidecar as a typed record: read and written in one place, the same bytes back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from bwmonitor.store import integrity
from bwmonitor.store.baseline import table_version
from bwmonitor.store.tables import TableDir, TableMeta, snapshot_dir

# a sidecar as bwmonitor wrote it before checksums, `period`, `warnings` and
# `table_measures` were kept
OLD_SIDECAR: dict[str, Any] = {
    "base_url": "http://127.0.0.1:8080/ODataApi/odata",
    "bytes": 1234,
    "catalog": "opendata",
    "data_file": "T1.0123456789ab.parquet",
    "dimensions": {"RegioS": {"labels": {"GM0114": "Emmen"}, "type": "GeoDimension"}},
    "fetched_at": "2026-11-01T10:00:00+00:00",
    "format": 1,
    "measures": {"X_1": {"decimals": None, "title": "X", "unit": "aantal"}},
    "modified": "2026-10-01T02:00:00",
    "origin": "cbs",
    "problems": [],
    "request": {"measures": ["X_1"], "filters": {}},
    "requests": 4,
    "rows": 1,
    "table_id": "T1",
    "title": "Test",
    "urls": ["http://127.0.0.1:8080/ODataApi/odata/T1/TableInfos"],
}


def as_stored(raw: dict[str, Any]) -> str:
    """The bytes TableDir writes for a sidecar."""
    return json.dumps(raw, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def test_every_snapshot_sidecar_reads_and_writes_back_byte_for_byte() -> None:
    """The shipped sidecars (no fetch details, notes and provenance) survive a round trip."""
    snapshot = snapshot_dir()
    for table_id in snapshot.table_ids():
        text = snapshot.sidecar_path(table_id).read_text("utf-8")
        meta = TableMeta.from_json(table_id, json.loads(text))
        assert as_stored(meta.to_json()) == text, table_id


def test_an_old_sidecar_keeps_its_fields_absent() -> None:
    """Fields a sidecar lacks stay absent when written: a store from before them keeps
    its bytes, and its table its version."""
    meta = TableMeta.from_json("T1", OLD_SIDECAR)
    assert meta.period is None and meta.data_sha256 is None and meta.warnings is None
    assert meta.to_json() == OLD_SIDECAR


def test_fields_read_as_typed_values() -> None:
    """Lists become tuples, numbers stay numbers, defaults fill what a sidecar lacks."""
    meta = TableMeta.from_json("T1", {**OLD_SIDECAR, "period": "2020"})
    assert meta.urls == ("http://127.0.0.1:8080/ODataApi/odata/T1/TableInfos",)
    assert (meta.rows, meta.requests, meta.period) == (1, 4, "2020")
    assert meta.region_dimension == "RegioS" and meta.time_dimension is None
    bare = TableMeta.from_json("T2", {"title": "Kaal"})
    assert (bare.origin, bare.catalog, bare.rows, bare.measures) == ("cbs", "opendata", 0, {})


def test_the_file_name_gives_the_table_id() -> None:
    """The table is the one the sidecar's file is named for."""
    assert TableMeta.from_json("T9", {"title": "x"}).to_json()["table_id"] == "T9"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "a sidecar is a JSON object"),
        ({"rows": "12"}, "sidecar field 'rows' is not a int"),
        ({"urls": "https://x"}, "sidecar field 'urls' is not a list"),
        ({"dimensions": []}, "sidecar field 'dimensions' is not a dict"),
        ({"requests": True}, "sidecar field 'requests' is not a int"),
    ],
)
def test_a_sidecar_of_the_wrong_shape_is_refused(raw: object, message: str) -> None:
    """A hand-edited sidecar with a field of the wrong type is an error, not a crash later."""
    with pytest.raises(ValueError, match=message):
        TableMeta.from_json("T1", raw)


def test_a_store_reports_a_sidecar_of_the_wrong_shape_as_damage(tmp_path: Path) -> None:
    """integrity counts such a sidecar unreadable, so fetch downloads the table again."""
    store = TableDir(tmp_path)
    store.tables.mkdir()
    store.sidecar_path("T1").write_text('{"rows": "many"}', "utf-8")
    damage = integrity.inspect(store, "T1")
    assert damage is not None and damage.detail == "its sidecar is unreadable"


def test_writing_sets_the_data_file_fields(tmp_path: Path) -> None:
    """TableDir.write records rows, data file, checksum and size; the rest as given."""
    store = TableDir(tmp_path)
    frame = pl.DataFrame({"RegioS": ["GM0114", "GM0106"], "X_1": [1.0, 2.0]})
    written = store.write(TableMeta.from_json("T1", OLD_SIDECAR), frame)
    assert written == store.meta("T1")
    assert written.rows == 2 and written.data_file.startswith("T1.")
    assert written.data_sha256 is not None and written.data_sha256.startswith(
        written.data_file.split(".")[1]
    )
    assert written.data_size == (store.tables / written.data_file).stat().st_size
    assert replace(written, rows=1, data_file="", data_sha256=None, data_size=None) == replace(
        TableMeta.from_json("T1", OLD_SIDECAR), data_file=""
    )


def test_gaining_a_checksum_is_no_new_version(tmp_path: Path) -> None:
    """integrity writes checksums into an old sidecar; baseline sees the same version."""
    store = TableDir(tmp_path)
    frame = pl.DataFrame({"RegioS": ["GM0114"], "X_1": [1.0]})
    written = store.write(TableMeta.from_json("T1", OLD_SIDECAR), frame)
    old = replace(written, data_sha256=None, data_size=None)
    store.rewrite_meta(old)
    assert integrity.inspect(store, "T1") is None
    upgraded = store.meta("T1")
    assert upgraded is not None and upgraded.data_sha256 == written.data_sha256
    assert table_version(upgraded) == table_version(old)


def test_adopting_a_copy_keeps_its_sidecar(tmp_path: Path) -> None:
    """A table put back from a copy has that copy's sidecar, checksums added."""
    snapshot = snapshot_dir()
    table_id = snapshot.table_ids()[0]
    meta = snapshot.meta(table_id)
    assert meta is not None
    adopted = TableDir(tmp_path).adopt(snapshot, meta)
    assert adopted.data_file == meta.data_file and adopted.data_sha256 is not None
    assert replace(adopted, data_sha256=None, data_size=None) == meta
