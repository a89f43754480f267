"""The data the monitor works from: the catalogue, the tables at hand, the regions and
the observations computed from them. compare, export, update and `catalog show` start
here."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bwmonitor.compute.observations import Observations, observe
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Catalog, inputs_digest
from bwmonitor.core.regions import (
    DRENTHE_MUNICIPALITIES,
    Level,
    Region,
    RegionRegistry,
    build_registry,
    is_municipality,
)
from bwmonitor.core.settings import Settings
from bwmonitor.pipeline.results import TableInUse
from bwmonitor.store import observation_cache
from bwmonitor.store.tables import DataView, StoredTable, TableDir, describe_origin

if TYPE_CHECKING:
    import polars as pl


@dataclass
class MonitorData:
    """What compare, export and the catalogue commands work from."""

    catalog: Catalog
    view: DataView
    registry: RegionRegistry
    observations: Observations


def monitor_data(settings: Settings, pinned: Mapping[str, TableDir] | None = None) -> MonitorData:
    """The catalogue's observations from the store (and the snapshot); `pinned` reads
    those tables from a folder of their own (update's stale tables)."""
    catalog = load_catalog(settings)
    view = data_view(settings, pinned)
    registry = region_registry(catalog, view)
    if pinned:  # update's stale tables: a one-off view, not worth keeping
        return MonitorData(catalog, view, registry, observe(catalog, view, registry))
    return MonitorData(
        catalog, view, registry, _kept_observations(settings, catalog, view, registry)
    )


def _kept_observations(
    settings: Settings, catalog: Catalog, view: DataView, registry: RegionRegistry
) -> Observations:
    """`observe`, or its result kept from an earlier run on the same data, catalogue and
    bwmonitor (store/observation_cache.py): compare's time is mostly this step."""
    key = observation_key(catalog, view)
    kept = observation_cache.read(settings.data_dir, key)
    if kept is not None:
        gaps = kept.details.get("gaps", {})
        tables = kept.details.get("tables", [])
        return Observations(kept.frame, {i: list(r) for i, r in gaps.items()}, set(tables))
    observations = observe(catalog, view, registry)
    details = {"gaps": observations.gaps, "tables": sorted(observations.tables)}
    observation_cache.write(settings.data_dir, key, observations.frame, details)
    return observations


def observation_key(catalog: Catalog, view: DataView) -> str:
    """A digest of everything observations are computed from: every table at hand (its
    sidecar names its data file by content hash), the catalogue and its CSV files, and
    bwmonitor's own code and region list."""
    sha = hashlib.sha256(_code_digest().encode())
    sha.update(inputs_digest(catalog).encode())
    for table in view.tables():
        sha.update(json.dumps(table.meta.to_json(), sort_keys=True).encode())
    return sha.hexdigest()[:24]


@functools.cache
def _code_digest() -> str:
    """bwmonitor's source and data files that observations depend on, and polars'
    version: a new release or an edited checkout computes them anew."""
    import polars as pl

    package = Path(__file__).resolve().parents[1]
    sha = hashlib.sha256(pl.__version__.encode())
    for path in sorted([*package.rglob("*.py"), package / "regions_nl.json"]):
        sha.update(str(path.relative_to(package)).encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def observations_in(folder: TableDir, catalog: Catalog, registry: RegionRegistry) -> Observations:
    """The catalogue's observations from `folder` alone (update: the last export's copy)."""
    return observe(catalog, DataView(folder, use_snapshot=False), registry)


def load_catalog(settings: Settings) -> Catalog:
    return catalog_module.load(settings.catalog_path)


def data_view(settings: Settings, pinned: Mapping[str, TableDir] | None = None) -> DataView:
    """The store, with the snapshot for tables never fetched. `pinned` reads those
    tables from elsewhere: update's stale tables from their last good version."""
    store = TableDir(settings.data_dir)
    return PinnedView(store, pinned) if pinned else DataView(store)


class PinnedView(DataView):
    """A DataView that reads some tables from a folder of their own."""

    def __init__(self, store: TableDir, pinned: Mapping[str, TableDir]) -> None:
        super().__init__(store)
        self.pinned = {t: DataView(folder, use_snapshot=False) for t, folder in pinned.items()}

    def table(self, table_id: str) -> StoredTable | None:
        if table_id in self.pinned:
            return self.pinned[table_id].table(table_id)
        return super().table(table_id)

    def frame(self, table_id: str) -> pl.DataFrame | None:
        if table_id in self.pinned:
            return self.pinned[table_id].frame(table_id)
        return super().frame(table_id)


def region_registry(catalog: Catalog, view: DataView) -> RegionRegistry:
    """Regions from the data (municipality names as CBS spells them) and the catalogue."""
    names: dict[str, str] = {}
    stored = sorted(view.tables(), key=lambda t: (t.meta.modified, t.meta.fetched_at))
    for table in stored:  # later tables win: the current spelling of a name
        region_dim = table.meta.region_dimension
        if region_dim is not None:
            labels = table.meta.dimensions[region_dim].get("labels", {})
            names.update({c: n for c, n in labels.items() if is_municipality(c) and n})
    custom = [
        Region(r.id, r.name, Level.CUSTOM, r.members, r.aliases) for r in catalog.regions.values()
    ]
    return build_registry(names, custom)


def known_regions(settings: Settings, all_municipalities: bool = False) -> list[Region]:
    """Every region but municipalities outside Drenthe (those too: `all_municipalities`)."""
    registry = region_registry(load_catalog(settings), data_view(settings))
    return [
        region
        for region in registry.regions.values()
        if region.level is not Level.MUNICIPALITY
        or all_municipalities
        or region.code in DRENTHE_MUNICIPALITIES
    ]


def tables_in_use(settings: Settings) -> list[TableInUse]:
    """`bwmonitor tables`: exactly the tables the catalogue reads (every year of a series),
    as fetch would fetch them, with the version compare would read."""
    view = data_view(settings)
    requests = load_catalog(settings).table_requests()
    return [TableInUse(r.table_id, view.table(r.table_id)) for r in requests]


def data_used(view: DataView, table_ids: set[str], stale: Collection[str] = ()) -> list[str]:
    """One line per table: id, origin and date; 'verouderd' for update's stale tables."""
    lines = []
    for table_id in sorted(table_ids):
        stored = view.table(table_id)
        if stored is not None:
            mark = ", verouderd" if table_id in stale else ""
            lines.append(f"{table_id} ({describe_origin(stored.meta)}{mark})")
    return lines
