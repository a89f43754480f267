"""Observations kept between runs, so that `compare` does not compute them again.

Computing every indicator for every region and period takes most of a compare's time
(0.7 s of 1.2 s), and gives the same frame until the data, the catalogue or bwmonitor
itself changes. The pipeline names an entry by a digest of all three
(`pipeline/monitor_data.observation_key`); this module only keeps entries.

An entry is two files in `<data dir>/cache/`: `observations-<key>.json` (the reasons
indicators lack values, the tables read) and `observations-<key>.arrow` (the frame,
Arrow IPC: read back in milliseconds, dtypes exact). The frame is renamed into place
last, so an entry is whole or absent. The cache is best-effort: an entry that cannot
be read is computed again, and one that cannot be written is simply not kept. Only the
newest entry stays.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

CACHE_DIR = "cache"
PREFIX = "observations-"


@dataclass(frozen=True)
class CachedObservations:
    frame: pl.DataFrame
    details: dict[str, Any]  #: what the pipeline keeps beside the frame (JSON)


def read(data_dir: Path, key: str) -> CachedObservations | None:
    """The entry for `key`, or None when there is none or it cannot be read."""
    import polars as pl

    folder = data_dir / CACHE_DIR
    try:
        details = json.loads((folder / f"{PREFIX}{key}.json").read_text("utf-8"))
        # from bytes, not a memory map: on Windows a mapped file cannot be replaced
        frame = pl.read_ipc(io.BytesIO((folder / f"{PREFIX}{key}.arrow").read_bytes()))
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    if not isinstance(details, dict):
        return None
    return CachedObservations(frame, details)


def write(data_dir: Path, key: str, frame: pl.DataFrame, details: dict[str, Any]) -> None:
    """Keep `frame` and `details` as the entry for `key`, replacing older entries;
    quietly nothing when the folder cannot be written (read-only, disk full)."""
    folder = data_dir / CACHE_DIR
    temporary = [folder / f".{PREFIX}{key}.{os.getpid()}.{suffix}" for suffix in ("json", "arrow")]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary[0].write_text(json.dumps(details, ensure_ascii=False), "utf-8")
        frame.write_ipc(temporary[1])
        os.replace(temporary[0], folder / f"{PREFIX}{key}.json")
        os.replace(temporary[1], folder / f"{PREFIX}{key}.arrow")  # the entry is whole
    except Exception:  # a cache that cannot be written is no error
        for path in temporary:
            with suppress(OSError):
                path.unlink(missing_ok=True)
        return
    for old in folder.glob(f"{PREFIX}*"):
        if not old.name.startswith(f"{PREFIX}{key}."):
            with suppress(OSError):
                old.unlink(missing_ok=True)
