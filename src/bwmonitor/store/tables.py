"""The local store: per CBS table a Parquet file and a JSON sidecar, written atomically.

Layout under the data directory::

    tables/84799NED.json                  sidecar: what the data is and where it came from
    tables/84799NED.3f9a1c2e.parquet      the rows, named by content hash

The sidecar names its Parquet file and records its size and sha256, so replacing the
sidecar (an atomic rename) is the single moment a new version becomes visible: a crash
or a full disk before it leaves the previous version in place, and readers never see a
new sidecar with old rows. integrity.py checks the recorded checksum on every fetch.

The shipped offline snapshot (``bwmonitor/snapshot/``) has the same layout. `DataView`
reads a table from the store when it was fetched and from the snapshot otherwise.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.core.errors import StoreError

if TYPE_CHECKING:
    import polars as pl

FORMAT_VERSION = 1
#: sidecar fields that vouch for the data file: its sha256 and its size in bytes
CHECKSUM, SIZE = "data_sha256", "data_size"
#: how often a reader reads a table again when fetch replaced it mid-read
READ_ATTEMPTS = 3


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

    def read_version(self, table_id: str) -> TableVersion | None:
        """A table's sidecar and the bytes of the data file it names, as one version.

        fetch may replace the table between the two reads and remove the old data file;
        then the sidecar is read again (a few times), so the pair always matches.
        """
        meta = self.meta(table_id)
        for _ in range(READ_ATTEMPTS):
            if meta is None:
                return None
            try:
                return TableVersion(meta, (self.tables / meta.data_file).read_bytes())
            except (OSError, KeyError):
                again = self.meta(table_id)
                if again is None or again.raw.get("data_file") != meta.raw.get("data_file"):
                    meta = again  # replaced meanwhile: read the new version
                    continue
                break  # not replaced, just unreadable: frame() says why
        return TableVersion(meta, None) if meta is not None else None

    def frame(self, meta: TableMeta, data: bytes | None = None) -> pl.DataFrame:
        """The rows of a table version: from `data` when already read, else its file."""
        import polars as pl

        path = self.tables / meta.data_file
        try:
            return pl.read_parquet(io.BytesIO(data) if data is not None else path)
        except (OSError, pl.exceptions.PolarsError) as error:
            raise StoreError(f"cannot read {path}: {error}") from None

    def write(self, table_id: str, frame: pl.DataFrame, sidecar: Mapping[str, Any]) -> TableMeta:
        """Store a new version of a table; the previous one stays until this succeeds."""

        import polars as pl

        def write_rows(path: Path) -> None:
            frame.write_parquet(path, compression="zstd", statistics=False)
            # read back once: from now on, a file matching its checksum is one that reads
            pl.read_parquet(path)

        return self._commit(table_id, write_rows, {**sidecar, "rows": frame.height})

    def adopt(self, source: TableDir, meta: TableMeta) -> TableMeta:
        """Make a copy of a table kept elsewhere (the snapshot, the last export) the
        current version, byte for byte: its data file keeps its name and its version."""
        return self._commit(
            meta.table_id,
            lambda path: shutil.copyfile(source.tables / meta.data_file, path),
            dict(meta.raw),
        )

    def _commit(
        self, table_id: str, fill: Callable[[Path], object], sidecar: Mapping[str, Any]
    ) -> TableMeta:
        """Write the data file (via `fill`), then the sidecar naming it: both or neither.

        On any failure the new data file and temporary files are removed and the
        previous version is left whole.
        """
        import polars as pl

        self.tables.mkdir(parents=True, exist_ok=True)
        previous = self._current_data_file(table_id)
        data_tmp: Path | None = None
        placed: Path | None = None
        try:
            data_tmp = self._temp_path(table_id, ".parquet")
            fill(data_tmp)
            digest = file_digest(data_tmp)
            data_file = f"{table_id}.{digest[:12]}.parquet"
            raw = {**sidecar, "format": FORMAT_VERSION, "data_file": data_file}
            raw |= {CHECKSUM: digest, SIZE: data_tmp.stat().st_size}
            placed = self.tables / data_file
            os.replace(data_tmp, placed)
            data_tmp = None
            write_json_atomically(self.sidecar_path(table_id), raw)
        # polars reports a full disk as its own error (ComputeError), not as OSError
        except (OSError, pl.exceptions.PolarsError) as error:
            for leftover in (data_tmp, placed):
                # the same rows as the previous version share its file: keep that one
                if leftover is not None and leftover.name != previous:
                    with suppress(OSError):
                        leftover.unlink()
            reason = error.strerror if isinstance(error, OSError) else None
            raise StoreError(
                f"cannot write table {table_id} to {self.tables}: {reason or error}",
                hint="the previous version is kept",
            ) from None
        self._remove_orphans(table_id, keep=data_file)
        return TableMeta(table_id, raw)

    def unshare(self, data_file: str) -> None:
        """Give a data file its own copy when it is hard-linked elsewhere (a last export
        made by an older bwmonitor), so damage to one cannot reach the other."""
        path = self.tables / data_file
        copy = self._temp_path(data_file.split(".")[0], ".parquet")
        try:
            shutil.copy2(path, copy)
            os.replace(copy, path)
        except BaseException:
            with suppress(OSError):
                copy.unlink()
            raise

    def _current_data_file(self, table_id: str) -> str | None:
        """The data file the sidecar names now; None when there is none or it is unreadable."""
        try:
            meta = self.meta(table_id)
        except StoreError:
            return None
        return str(meta.raw.get("data_file")) if meta is not None else None

    def _temp_path(self, table_id: str, suffix: str) -> Path:
        handle, name = tempfile.mkstemp(prefix=f".{table_id}.", suffix=suffix, dir=self.tables)
        os.close(handle)
        return Path(name)

    def _remove_orphans(self, table_id: str, keep: str) -> None:
        """Data files of this table that no sidecar names, and temporary files a killed
        run left; only the lock holder writes, so none of them is in use."""
        leftovers = [
            *self.tables.glob(f"{table_id}.*.parquet"),
            *self.tables.glob(f".{table_id}.*"),
        ]
        for path in leftovers:
            if path.name != keep:
                with suppress(OSError):
                    path.unlink()


@dataclass(frozen=True, slots=True)
class TableVersion:
    """A sidecar and the bytes of its data file (None: the file could not be read)."""

    meta: TableMeta
    data: bytes | None


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
        # a table's bytes are read with its sidecar, so a fetch committing meanwhile
        # cannot pair this sidecar with another version's rows (or a removed file)
        self._data: dict[str, bytes | None] = {}

    def table(self, table_id: str) -> StoredTable | None:
        if table_id not in self._tables:
            self._tables[table_id] = None
            for location in self.locations:
                version = location.read_version(table_id)
                if version is not None:
                    self._tables[table_id] = StoredTable(version.meta, location)
                    self._data[table_id] = version.data
                    break
        return self._tables[table_id]

    def frame(self, table_id: str) -> pl.DataFrame | None:
        found = self.table(table_id)
        if found is None:
            return None
        if table_id not in self._frames:
            self._frames[table_id] = found.location.frame(found.meta, self._data.get(table_id))
            self._data.pop(table_id, None)
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
