"""Tables `update` could not refresh for good, and the last good version standing in.

A table CBS no longer has, or that lost a measure the catalogue asks for, must not stop
the monitor: update exports the other tables fresh and this one as it last was good,
marked stale ("verouderd") in the change report and on the sources sheet. The last
good version is the first without problems of: the store (a failed fetch keeps it), the
copy of the last export (fetch stores a table that lost a measure, minus that measure),
and the shipped snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bwmonitor.store.tables import TableDir


@dataclass(frozen=True, slots=True)
class StaleTable:
    """One table exported in its last good version instead of CBS's current one."""

    table_id: str
    reason: str  #: why it could not be refreshed: the error, one line
    modified: str = ""  #: CBS Modified of the version used; "" when there is none
    fetched_at: str = ""  #: when that version was fetched (for the snapshot: taken)
    origin: str = ""  #: where it was read: "store", "last-export", "snapshot"; "" none
    location: TableDir | None = field(default=None, compare=False)

    @property
    def since(self) -> str:
        """The date the data is as of: its fetch date, else CBS's; '' when unknown."""
        return (self.fetched_at or self.modified)[:10]

    def as_json(self) -> dict[str, str]:
        return {
            "table_id": self.table_id,
            "reason": self.reason,
            "modified": self.modified,
            "fetched_at": self.fetched_at,
            "origin": self.origin,
        }


def last_good_version(
    table_id: str, reason: str, candidates: Sequence[tuple[str, TableDir]]
) -> StaleTable:
    """The first of `candidates` (origin, folder) holding the table without problems."""
    for origin, location in candidates:
        meta = location.meta(table_id)
        if meta is not None and not meta.problems:
            return StaleTable(table_id, reason, meta.modified, meta.fetched_at, origin, location)
    return StaleTable(table_id, reason)
