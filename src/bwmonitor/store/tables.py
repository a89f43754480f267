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

import functools
import hashlib
import io
import json
import os
import shutil
import tempfile
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin, get_type_hints

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
    """The sidecar of one stored table: what CBS published and how it was fetched.

    Read by `from_json` and written by `to_json`, nowhere else. A field that is None was
    not in the sidecar (the snapshot has no fetch details; older stores lack the fields
    added since) and stays out when written again, so a sidecar read and written back
    is the same bytes and the same version (baseline.table_version).
    """

    table_id: str
    # what CBS published
    title: str = ""
    modified: str = ""  #: CBS's Modified of the table
    catalog: str = "opendata"
    #: TableInfos' Period, the year of a table without a Perioden dimension (KWB);
    #: None: stored before sidecars kept it
    period: str | None = None
    #: per dimension: type, title, labels (code -> label), status (period -> status)
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    #: per stored measure: requested, title, unit, decimals, datatype, description
    measures: Mapping[str, Any] = field(default_factory=dict)
    #: every measure of the table: key -> title
    table_measures: Mapping[str, Any] | None = None
    # how and when it was fetched
    origin: str = "cbs"  #: "cbs" when fetched by bwmonitor, "snapshot" for shipped data
    #: the API that brought it, "v3" or "v4"; None: fetched before there were two
    road: str | None = None
    #: per stored measure, why CBS gives no value for a row ("RegioS=GM0997;Perioden=2026JJ00"
    #: -> "Impossible", "Confidential"): v4's ValueAttribute; v3 says nothing of it
    value_attributes: Mapping[str, Any] | None = None
    fetched_at: str = ""
    request: Mapping[str, Any] = field(default_factory=dict)  #: download.request_signature
    base_url: str | None = None
    urls: tuple[str, ...] | None = None
    requests: int | None = None
    bytes: int | None = None
    problems: tuple[str, ...] | None = None  #: what CBS lacks that the catalogue asks for
    warnings: tuple[str, ...] | None = None  #: the same, for one year of a table series
    # the shipped snapshot's account of its source
    provenance: str | None = None
    notes: tuple[str, ...] | None = None
    # the data file this sidecar vouches for, set when the version is stored
    format: int = FORMAT_VERSION
    data_file: str = ""
    rows: int = 0
    data_sha256: str | None = None  #: None: stored before checksums (integrity.py)
    data_size: int | None = None

    @classmethod
    def from_json(cls, table_id: str, raw: object) -> TableMeta:
        """The sidecar of `table_id` from its JSON; ValueError when it is not one."""
        if not isinstance(raw, dict):
            raise ValueError("a sidecar is a JSON object")
        values: dict[str, Any] = {}
        for name, kind in _json_kinds().items():
            value = raw.get(name)
            if value is None or name == "table_id":
                continue
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"sidecar field {name!r} is not a {kind.__name__}")
            values[name] = tuple(value) if isinstance(value, list) else value
        return cls(table_id, **values)

    def to_json(self) -> dict[str, Any]:
        """The sidecar as stored: every field but those that are None."""
        raw: dict[str, Any] = {}
        for name in _json_kinds():
            value = getattr(self, name)
            if value is not None:
                raw[name] = list(value) if isinstance(value, tuple) else value
        return raw

    @property
    def region_dimension(self) -> str | None:
        return self._dimension_of_type("GeoDimension", "GeoDetail")

    @property
    def time_dimension(self) -> str | None:
        return self._dimension_of_type("TimeDimension")

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


@functools.cache
def _json_kinds() -> dict[str, type]:
    """Each sidecar field and its JSON type (str, int, dict or list), from TableMeta."""
    kinds = {}
    for name, hint in get_type_hints(TableMeta).items():
        declared = hint
        if isinstance(hint, types.UnionType):  # X | None
            declared = next(t for t in get_args(hint) if t is not type(None))
        origin = get_origin(declared) or declared
        kinds[name] = {tuple: list, Mapping: dict}.get(origin, origin)
    return kinds


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
            return TableMeta.from_json(table_id, json.loads(path.read_text("utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            raise StoreError(f"cannot read {path}: {error}") from None

    def rewrite_meta(self, meta: TableMeta) -> None:
        """Replace a table's sidecar in place, its data file unchanged (integrity.py)."""
        write_json_atomically(self.sidecar_path(meta.table_id), meta.to_json())

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
            except OSError:
                again = self.meta(table_id)
                if again is None or again.data_file != meta.data_file:
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

    def write(self, meta: TableMeta, frame: pl.DataFrame) -> TableMeta:
        """Store `frame` as the new version of `meta`'s table, with `meta` as its sidecar
        (counting its rows); the previous version stays until this succeeds."""

        import polars as pl

        def write_rows(path: Path) -> None:
            frame.write_parquet(path, compression="zstd", statistics=False)
            # read back once: from now on, a file matching its checksum is one that reads
            pl.read_parquet(path)

        return self._commit(write_rows, replace(meta, rows=frame.height))

    def adopt(self, source: TableDir, meta: TableMeta) -> TableMeta:
        """Make a copy of a table kept elsewhere (the snapshot, the last export) the
        current version, byte for byte: its data file keeps its name and its version."""

        def copy(path: Path) -> None:
            shutil.copyfile(source.tables / meta.data_file, path)

        return self._commit(copy, meta)

    def _commit(self, fill: Callable[[Path], object], meta: TableMeta) -> TableMeta:
        """Write the data file (via `fill`), then the sidecar naming it: both or neither.

        On any failure the new data file and temporary files are removed and the
        previous version is left whole.
        """
        import polars as pl

        table_id = meta.table_id
        self.tables.mkdir(parents=True, exist_ok=True)
        previous = self._current_data_file(table_id)
        data_tmp: Path | None = None
        placed: Path | None = None
        try:
            data_tmp = self._temp_path(table_id, ".parquet")
            fill(data_tmp)
            digest = file_digest(data_tmp)
            data_file = f"{table_id}.{digest[:12]}.parquet"
            meta = replace(
                meta,
                format=FORMAT_VERSION,
                data_file=data_file,
                data_sha256=digest,
                data_size=data_tmp.stat().st_size,
            )
            placed = self.tables / data_file
            os.replace(data_tmp, placed)
            data_tmp = None
            self.rewrite_meta(meta)
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
        return meta

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
        return meta.data_file if meta is not None else None

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
    """'snapshot, stand 2026-07-02' or 'opgehaald 2026-11-23 10:04 UTC via OData v4'
    (the road, once fetches record it), for footers and the sources sheet."""
    if meta.origin == "snapshot":
        return f"snapshot, stand {meta.fetched_at[:10] or 'onbekend'}"
    stamp = meta.fetched_at.replace("T", " ")[:16]
    road = f" via OData {meta.road}" if meta.road else ""
    return f"opgehaald {stamp} UTC{road}"
