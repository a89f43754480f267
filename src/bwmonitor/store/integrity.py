"""Is every stored table whole? fetch and update ask before deciding anything.

A stored table is damaged when its sidecar cannot be read, names a data file that is
gone, or when that file's size or sha256 differs from what the sidecar recorded (a
disk error, a copy cut short, a hand edit). A damaged table counts as out of date, so
fetch downloads it again. When CBS cannot give it, a verified copy is put back: the
shipped snapshot's or the last export's, whichever is newer.

Checking costs one sha256 over each data file (a few MB at most: milliseconds). A
sidecar written before checksums gains one here, quietly, when its data file matches
the content hash in its name; that is not a change of the table (see baseline.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from pathlib import Path

from bwmonitor.core.errors import BwmonitorError, StoreError, TemporaryFailure
from bwmonitor.store.baseline import BASELINE_DIR
from bwmonitor.store.tables import TableDir, TableMeta, file_digest, snapshot_dir

# data files are named <table>.<first 12 hex digits of their sha256>.parquet
_NAMED_DIGEST = re.compile(r"\.([0-9a-f]{12})\.parquet$")


@dataclass(frozen=True, slots=True)
class Damage:
    """What is wrong with one stored table."""

    table_id: str
    state: str  #: "corrupt" or "missing"
    detail: str  #: e.g. "checksum mismatch"

    def describe(self) -> str:
        """'store: 84799NED was corrupt (checksum mismatch)', the start of every notice."""
        return f"store: {self.table_id} was {self.state} ({self.detail})"


def inspect(store: TableDir, table_id: str) -> Damage | None:
    """Check one stored table; None when it is whole or was never fetched.

    A sidecar without a checksum that passes is upgraded: the checksum is written in.
    """
    try:
        meta = store.meta(table_id)
    except StoreError:
        return Damage(table_id, "corrupt", "its sidecar is unreadable")
    if meta is None:
        return None
    problem = _verify(store, meta)
    if isinstance(problem, Damage):
        return problem
    # a store from before checksums: record them, and give each data file its own
    # copy where the last export of then hard-linked it; both quietly, and an upgrade
    # that fails is tried again next run
    with suppress(OSError):
        sidecar = store.sidecar_path(table_id)
        if meta.data_sha256 is None or sidecar.stat().st_nlink > 1:
            digest, size = problem  # a new file, written whole: never shared
            store.rewrite_meta(replace(meta, data_sha256=digest, data_size=size))
        if (store.tables / meta.data_file).stat().st_nlink > 1:
            store.unshare(meta.data_file)
    return None


def ensure_readable(store: TableDir, table_ids: Iterable[str]) -> None:
    """StoreError for the first table whose copy compare would read (the store's, or
    the snapshot's for a table never fetched) is damaged now.

    Every data file was read back once when it was written (TableDir.write), so one
    that still matches its checksum reads: this needs no Parquet reader, and a quiet
    `update` stays cheap.
    """
    for table_id in table_ids:
        damage = inspect(store, table_id)
        if damage is None and not store.sidecar_path(table_id).exists():
            snapshot = snapshot_dir()
            meta = snapshot.meta(table_id)
            found = _verify(snapshot, meta) if meta is not None else None
            damage = found if isinstance(found, Damage) else None
        if damage is not None:
            raise StoreError(
                f"store: {table_id} is {damage.state} ({damage.detail})",
                hint="the next fetch or update downloads it again",
            )


def restore_if_damaged(
    store: TableDir, table_id: str, data_dir: Path, error: BwmonitorError | None
) -> list[str]:
    """For a table fetch could not refresh: when it is damaged, put back the newest
    verified copy. Returns the notice to show and log (none for a whole table)."""
    damage = inspect(store, table_id)
    if damage is None:
        return []
    why = "CBS unreachable" if error is None or isinstance(error, TemporaryFailure) else None
    why = why or "fetch failed"
    copies = [
        ("the last export", TableDir(data_dir / BASELINE_DIR)),
        ("the shipped snapshot", snapshot_dir()),
    ]
    found = [
        (label, location, meta)
        for label, location in copies
        if (meta := _intact(location, table_id))
    ]
    if not found:
        return [f"{damage.describe()}; {why}, and no intact copy to restore it from"]
    # newest first by CBS's Modified, then by when it was fetched; ties go to the export
    label, location, meta = max(found, key=lambda c: (c[2].modified, c[2].fetched_at))
    try:
        store.adopt(location, meta)
    except StoreError as problem:
        return [f"{damage.describe()}; {why}, restoring from {label} failed: {problem}"]
    stand = meta.fetched_at[:10] or meta.modified[:10] or "onbekend"
    return [f"{damage.describe()}; {why}, restored from {label} (stand {stand})"]


def _intact(location: TableDir, table_id: str) -> TableMeta | None:
    """The sidecar of a copy whose data file passes the check, else None."""
    try:
        meta = location.meta(table_id)
    except StoreError:
        return None
    if meta is None or isinstance(_verify(location, meta), Damage):
        return None
    return meta


def _verify(location: TableDir, meta: TableMeta) -> Damage | tuple[str, int]:
    """Damage, or the data file's sha256 and size when it matches its sidecar."""
    data_file = meta.data_file
    if not data_file or "/" in data_file:
        return Damage(meta.table_id, "corrupt", "its sidecar names no data file")
    path = location.tables / data_file
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Damage(meta.table_id, "missing", "its data file is gone")
    except OSError as error:
        return Damage(meta.table_id, "corrupt", f"data file unreadable: {error.strerror}")
    mismatch = Damage(meta.table_id, "corrupt", "checksum mismatch")
    if meta.data_size is not None and size != meta.data_size:
        return mismatch  # the cheap half of the checksum
    try:
        digest = file_digest(path)
    except OSError as error:
        return Damage(meta.table_id, "corrupt", f"data file unreadable: {error.strerror}")
    expected = meta.data_sha256
    if expected is None:  # written before checksums: the name carries the digest's start
        named = _NAMED_DIGEST.search(data_file)
        if named is not None and not digest.startswith(named.group(1)):
            return mismatch
    elif digest != expected:
        return mismatch
    return digest, size
