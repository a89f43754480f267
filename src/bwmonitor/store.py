"""The local store: per CBS table a Parquet file and a JSON sidecar, written atomically.

Layout under the data directory::

    tables/84799NED.json                  sidecar: what the data is and where it came from
    tables/84799NED.3f9a1c2e.parquet      the rows, named by content hash

The sidecar names its Parquet file, so replacing the sidecar (an atomic rename) is the
single moment a new version becomes visible: a crash or a full disk before it leaves
the previous version in place, and readers never see a new sidecar with old rows.

The shipped offline snapshot (``bwmonitor/snapshot/``) has the same layout. `DataView`
reads a table from the store when it was fetched and from the snapshot otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.errors import StoreError

if TYPE_CHECKING:
    import polars as pl

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class TableMeta:
    """The sidecar of one stored table (see docs/architecture.md for every field)."""

    table_id: str
    raw: Mapping[str, Any]  #: the sidecar as stored

    @property
    def title(self) -> str:
        return str(self.raw.get("title", ""))

    @property
    def modified(self) -> str:
        return str(self.raw.get("modified", ""))

    @property
    def fetched_at(self) -> str:
        return str(self.raw.get("fetched_at", ""))

    @property
    def origin(self) -> str:
        """'cbs' when fetched by bwmonitor, 'snapshot' for the shipped data."""
        return str(self.raw.get("origin", "cbs"))

    @property
    def rows(self) -> int:
        return int(self.raw.get("rows", 0))

    @property
    def data_file(self) -> str:
        return str(self.raw["data_file"])

    @property
    def request(self) -> Mapping[str, Any]:
        return self.raw.get("request", {})  # type: ignore[no-any-return]

    @property
    def region_dimension(self) -> str | None:
        return self._dimension_of_type("GeoDimension", "GeoDetail")

    @property
    def time_dimension(self) -> str | None:
        return self._dimension_of_type("TimeDimension")

    @property
    def dimensions(self) -> Mapping[str, Any]:
        return self.raw.get("dimensions", {})  # type: ignore[no-any-return]

    @property
    def measures(self) -> Mapping[str, Any]:
        return self.raw.get("measures", {})  # type: ignore[no-any-return]

    def period_status(self) -> Mapping[str, str]:
        time_dim = self.time_dimension
        if time_dim is None:
            return {}
        return self.dimensions[time_dim].get("status", {})  # type: ignore[no-any-return]

    def _dimension_of_type(self, *types: str) -> str | None:
        for name, dim in self.dimensions.items():
            if dim.get("type") in types:
                return name
        return None


class TableDir:
    """A folder of tables in the store layout: the user's store or the snapshot."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tables = root / "tables"

    def sidecar_path(self, table_id: str) -> Path:
        return self.tables / f"{table_id}.json"

    def table_ids(self) -> list[str]:
        if not self.tables.is_dir():
            return []
        return sorted(p.stem for p in self.tables.glob("*.json"))

    def meta(self, table_id: str) -> TableMeta | None:
        path = self.sidecar_path(table_id)
        try:
            raw = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StoreError(f"cannot read {path}: {error}") from None
        return TableMeta(table_id, raw)

    def frame(self, meta: TableMeta) -> pl.DataFrame:
        import polars as pl

        path = self.tables / meta.data_file
        try:
            return pl.read_parquet(path)
        except (OSError, pl.exceptions.PolarsError) as error:
            raise StoreError(f"cannot read {path}: {error}") from None

    def write(self, table_id: str, frame: pl.DataFrame, sidecar: Mapping[str, Any]) -> TableMeta:
        """Store a new version of a table; the previous one stays until this succeeds."""
        self.tables.mkdir(parents=True, exist_ok=True)
        previous = self.meta(table_id)
        data_tmp = self._temp_path(table_id, ".parquet")
        try:
            frame.write_parquet(data_tmp, compression="zstd", statistics=False)
            digest = file_digest(data_tmp)[:12]
            data_file = f"{table_id}.{digest}.parquet"
            os.replace(data_tmp, self.tables / data_file)
            raw = {**sidecar, "format": FORMAT_VERSION, "data_file": data_file}
            raw["rows"] = frame.height
            write_json_atomically(self.sidecar_path(table_id), raw)
        except OSError as error:
            with suppress(OSError):
                data_tmp.unlink()
            raise StoreError(
                f"cannot write table {table_id} to {self.tables}: {error.strerror or error}",
                hint="the previous version is kept",
            ) from None
        if previous is not None and previous.data_file != data_file:
            with suppress(OSError):
                (self.tables / previous.data_file).unlink()
        self._remove_orphans(table_id, keep=data_file)
        return TableMeta(table_id, raw)

    def _temp_path(self, table_id: str, suffix: str) -> Path:
        handle, name = tempfile.mkstemp(prefix=f".{table_id}.", suffix=suffix, dir=self.tables)
        os.close(handle)
        return Path(name)

    def _remove_orphans(self, table_id: str, keep: str) -> None:
        """Data files of this table that no sidecar names, e.g. after an interrupted write."""
        for path in self.tables.glob(f"{table_id}.*.parquet"):
            if path.name != keep:
                with suppress(OSError):
                    path.unlink()


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def write_json_atomically(path: Path, data: Mapping[str, Any]) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(name)
        raise


def snapshot_dir() -> TableDir:
    """The offline snapshot shipped inside the package."""
    return TableDir(Path(str(resources.files("bwmonitor").joinpath("snapshot"))))


def snapshot_manifest() -> Mapping[str, Any]:
    path = snapshot_dir().root / "manifest.json"
    try:
        return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


@dataclass(frozen=True, slots=True)
class StoredTable:
    meta: TableMeta
    location: TableDir


class DataView:
    """The tables bwmonitor computes with: fetched ones first, the snapshot otherwise."""

    def __init__(
        self, store: TableDir, snapshot: TableDir | None = None, *, use_snapshot: bool = True
    ) -> None:
        self.store = store
        # the shipped snapshot fills in tables never fetched; a past state of the
        # store (update's baseline) is read on its own
        fallback = snapshot if snapshot is not None else snapshot_dir()
        self.locations = (store, fallback) if use_snapshot else (store,)
        # a view serves one command: read each sidecar and table once
        self._tables: dict[str, StoredTable | None] = {}
        self._frames: dict[str, pl.DataFrame] = {}

    def table(self, table_id: str) -> StoredTable | None:
        if table_id not in self._tables:
            self._tables[table_id] = None
            for location in self.locations:
                meta = location.meta(table_id)
                if meta is not None:
                    self._tables[table_id] = StoredTable(meta, location)
                    break
        return self._tables[table_id]

    def frame(self, table_id: str) -> pl.DataFrame | None:
        found = self.table(table_id)
        if found is None:
            return None
        if table_id not in self._frames:
            self._frames[table_id] = found.location.frame(found.meta)
        return self._frames[table_id]

    def tables(self) -> Iterator[StoredTable]:
        ids = sorted({t for location in self.locations for t in location.table_ids()})
        for table_id in ids:
            found = self.table(table_id)
            if found is not None:
                yield found


def describe_origin(meta: TableMeta) -> str:
    """'snapshot, stand 2026-07-02' or 'opgehaald 2026-11-23 10:04 UTC', for footers."""
    if meta.origin == "snapshot":
        return f"snapshot, stand {meta.fetched_at[:10] or 'onbekend'}"
    stamp = meta.fetched_at.replace("T", " ")[:16]
    return f"opgehaald {stamp} UTC"
