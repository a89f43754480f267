"""The store as it was at the last export `bwmonitor update` made: what changed since?

update compares the store with this copy, not with the previous fetch. So an export
that failed is retried on the next run, and a manual `bwmonitor fetch` in between does
not swallow a CBS revision: the change report always covers everything since the
figures the analysts last received.

Layout under the data directory::

    last-export/state.json            run id, time, export folder, table versions
    last-export/tables/...            copies of the store's tables at that export

The files are copies, never hard links into the store: damage to one (a file cut
short) must not reach the other, so each can restore the other (integrity.py). The
copy keeps a replaced table version readable after fetch has dropped it from the store.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bwmonitor.core.errors import StoreError
from bwmonitor.core.modified import modified_utc
from bwmonitor.core.periods import table_period
from bwmonitor.store.tables import CHECKSUM, SIZE, TableDir, TableMeta, write_json_atomically

BASELINE_DIR = "last-export"

# Sidecar fields that say how and when a table was fetched, not what CBS published;
# and the checksum, which the data file's name already carries (its start), so that a
# sidecar gaining one (a store from before checksums) is no change.
_FETCH_DETAILS = {"fetched_at", "requests", "bytes", "urls", CHECKSUM, SIZE}


def table_version(meta: TableMeta) -> str:
    """A digest of what CBS published for a table: its rows (the data file is named by
    content hash), Modified, labels and period status; not when or how we fetched it.

    A table fetched since there are two roads is digested by what both roads say alike
    (`_published`), so that the other road brings the same version; one fetched before
    keeps the digest it had, so that no stored table looks changed after an upgrade."""
    if meta.road is None:
        published = {k: v for k, v in meta.to_json().items() if k not in _FETCH_DETAILS}
    else:
        published = _published(meta)
    text = json.dumps(published, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _published(meta: TableMeta) -> dict[str, Any]:
    """What v3 and v4 say alike of a table: the rows, Modified as an instant, the labels
    and statuses, each stored measure's title, unit and decimals, and what was asked.
    Not the road's own words: v4's measure identifiers, descriptions, TableInfos'
    Period (v4 has a TemporalCoverage instead), the road, its URLs."""
    return {
        "table_id": meta.table_id,
        "title": meta.title.strip(),
        "modified": modified_utc(meta.modified),
        "year": table_period(meta.period or "") if meta.time_dimension is None else None,
        "dimensions": meta.dimensions,
        "measures": {
            key: {field: info.get(field) for field in ("title", "unit", "decimals")}
            for key, info in meta.measures.items()
        },
        "request": meta.request,
        "data_file": meta.data_file,
    }


@dataclass(frozen=True)
class Baseline:
    """The last export's state and its copy of the tables."""

    tables: TableDir
    state: Mapping[str, Any]

    @property
    def versions(self) -> Mapping[str, str]:
        return self.state.get("tables", {})  # type: ignore[no-any-return]

    @property
    def catalog_digest(self) -> str:
        return str(self.state.get("catalog", ""))


def load(data_dir: Path) -> Baseline | None:
    """The last export's baseline, or None before the first export."""
    root = data_dir / BASELINE_DIR
    path = root / "state.json"
    try:
        state = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise StoreError(
            f"cannot read {path}: {error}",
            hint=f"remove {root} to start over; the next update then exports anew",
        ) from None
    return Baseline(TableDir(root), state)


def current_versions(store: TableDir, table_ids: Iterable[str]) -> dict[str, str]:
    """Version digests of the given tables as they are in the store now."""
    versions = {}
    for table_id in sorted(table_ids):
        meta = store.meta(table_id)
        if meta is not None:
            versions[table_id] = table_version(meta)
    return versions


def save(
    data_dir: Path,
    store: TableDir,
    table_ids: Iterable[str],
    state: dict[str, Any],
    pinned: Mapping[str, TableDir] | None = None,
) -> None:
    """Make the store's current tables the new baseline, replacing the old one whole.
    `pinned` tables are taken from elsewhere: a stale table's last good version."""
    root = data_dir / BASELINE_DIR
    staging = data_dir / f".{BASELINE_DIR}.new"
    old = data_dir / f".{BASELINE_DIR}.old"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "tables").mkdir(parents=True)
        for table_id in table_ids:
            source = (pinned or {}).get(table_id, store)
            meta = source.meta(table_id)
            if meta is None:
                continue
            for name in (f"{table_id}.json", meta.data_file):
                shutil.copy2(source.tables / name, staging / "tables" / name)
        write_json_atomically(staging / "state.json", state)
        shutil.rmtree(old, ignore_errors=True)
        if root.exists():
            root.rename(old)
        staging.rename(root)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        with suppress(OSError):
            if old.exists() and not root.exists():
                old.rename(root)  # the previous baseline stays in force
        shutil.rmtree(staging, ignore_errors=True)
        raise StoreError(
            f"cannot record the export in {root}: {error.strerror or error}",
            hint="the export is written; the next update reports the same changes again",
        ) from None
