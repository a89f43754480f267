"""The workbook's sources sheet: one row per table the export read, in Dutch.

Pure: it reads the stored tables' metadata, never CBS. The table's address at CBS comes
from the fetch layer (`fetch.cbs.feed_url`), passed in, so that CBS's host names are
written in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from bwmonitor.publish.workbook import SourceRow
from bwmonitor.store.stale import StaleTable
from bwmonitor.store.tables import DataView, describe_origin


def stale_note(table: StaleTable) -> str:
    """The sources sheet's remark on a stale table, in Dutch."""
    if not table.since:
        return f"verouderd: niet bijgewerkt en geen eerdere versie ({table.reason})"
    return f"verouderd sinds {table.since}: niet bijgewerkt ({table.reason})"


def source_rows(
    view: DataView,
    table_ids: Iterable[str],
    stale: Sequence[StaleTable],
    feed_url: Callable[[str, str, str | None], str],
) -> tuple[list[SourceRow], datetime]:
    """The rows for `table_ids` (a stale table with no data too), and the workbook's
    date: the newest CBS or fetch date among them, so the same data gives the same
    bytes. `feed_url(table_id, catalog, road)` is the table's address at CBS."""
    rows = []
    stamps = []
    notes = {s.table_id: stale_note(s) for s in stale}
    for table_id in sorted(set(table_ids) | set(notes)):
        stored = view.table(table_id)
        note = notes.get(table_id, "")
        if stored is None:
            title = "CBS-tabel" if note else "eigen bestand"
            rows.append(SourceRow(table_id, title, "", "", "", note))
            continue
        meta = stored.meta
        catalog = meta.catalog
        rows.append(
            SourceRow(
                table_id,
                meta.title,
                meta.modified[:10],
                describe_origin(meta),
                feed_url(table_id, catalog, meta.road),
                note,
            )
        )
        stamps += [s for s in (meta.modified[:10], meta.fetched_at[:10]) if s]
    created = datetime.fromisoformat(max(stamps)) if stamps else datetime(2000, 1, 1)
    return rows, created
