"""`fetch`: the catalogue's CBS tables into the store, under the store's lock."""

from __future__ import annotations

from bwmonitor.core.settings import Settings
from bwmonitor.fetch.report import FetchProgress, FetchReport
from bwmonitor.pipeline.monitor_data import load_catalog
from bwmonitor.store.lock import store_lock


def fetch(
    settings: Settings, force: bool = False, progress: FetchProgress | None = None
) -> FetchReport:
    """Bring the catalogue's CBS tables into the store, downloading only what changed
    (fetch/incremental.py). The catalogue is validated before any request; a second
    run while this one holds the store's lock gets LockHeld (exit 75)."""
    from bwmonitor.fetch.run import fetch_tables

    catalog = load_catalog(settings)
    with store_lock(settings.data_dir):
        return fetch_tables(settings, catalog, force, progress)
