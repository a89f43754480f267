"""What changed in the data between two states of the store, for update's change report.

Two levels: per CBS table (Modified, new periods, period status such as provisional ->
definitive, from the sidecars) and per catalogue figure (the observations of every
indicator, region and period before and after, compared value by value). Figures
bwmonitor computes from municipalities change with their parts and are listed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bwmonitor.store.tables import TableMeta

if TYPE_CHECKING:
    import polars as pl

# Two floats read from the same CBS figure are equal; this only absorbs the last bit
# of a ratio computed again.
RELATIVE_TOLERANCE = 1e-9


@dataclass
class StatusChange:
    period: str
    before: str
    after: str


@dataclass
class TableChange:
    """One CBS table that differs from the last export."""

    table_id: str
    title: str
    modified_before: str  #: "" when the table was not in the last export
    modified_after: str
    new_periods: list[str] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)


@dataclass
class Revision:
    """One figure of the catalogue whose value changed for a period it already had."""

    indicator: str
    region: str
    period: str
    old: float | None  #: None: there was no figure (e.g. secret), now there is
    new: float | None  #: None: the figure was withdrawn
    old_status: str
    new_status: str
    computed: bool  #: computed by bwmonitor from municipalities (or a ratio)


def table_changes(before: dict[str, TableMeta], after: dict[str, TableMeta]) -> list[TableChange]:
    """The tables whose published content differs, in table id order."""
    from bwmonitor.store.baseline import table_version

    changed = []
    for table_id, now in sorted(after.items()):
        then = before.get(table_id)
        if then is not None and table_version(then) == table_version(now):
            continue
        change = TableChange(table_id, now.title, then.modified if then else "", now.modified)
        if then is not None:
            old_status, new_status = then.period_status(), now.period_status()
            change.new_periods = sorted(_periods(now) - _periods(then))
            change.status_changes = [
                StatusChange(period, old_status[period], status)
                for period, status in sorted(new_status.items())
                if period in old_status and old_status[period] != status
            ]
        changed.append(change)
    return changed


def _periods(meta: TableMeta) -> set[str]:
    time_dim = meta.time_dimension
    if time_dim is None:
        return set()
    return set(meta.dimensions[time_dim].get("labels", {}))


def figure_changes(
    before: pl.DataFrame, after: pl.DataFrame
) -> tuple[dict[str, list[str]], list[Revision]]:
    """New periods per indicator, and the revised figures of periods seen before.

    Both frames are observations (see mapping.COLUMNS).
    """
    import polars as pl

    key = ["indicator", "region", "period"]
    series = ["indicator", "period"]
    seen = before.select(series).unique()
    fresh = after.select(series).unique().join(seen, on=series, how="anti")
    new_periods: dict[str, list[str]] = {}
    for row in fresh.sort("indicator", "period").iter_rows(named=True):
        new_periods.setdefault(row["indicator"], []).append(row["period"])

    old = before.select(*key, old=pl.col("value"), old_status=pl.col("status"))
    new = after.select(*key, new=pl.col("value"), new_status=pl.col("status"), computed="computed")
    both = old.join(new, on=key, how="full", coalesce=True).join(seen, on=series, how="semi")
    tolerance = RELATIVE_TOLERANCE * pl.max_horizontal(pl.lit(1.0), pl.col("old").abs())
    differs = (pl.col("old").is_null() != pl.col("new").is_null()) | (
        (pl.col("old") - pl.col("new")).abs() > tolerance
    )
    revised = both.filter(differs).sort(key)
    revisions = [
        Revision(
            r["indicator"],
            r["region"],
            r["period"],
            r["old"],
            r["new"],
            r["old_status"] or "",
            r["new_status"] or "",
            bool(r["computed"]),
        )
        for r in revised.iter_rows(named=True)
    ]
    return new_periods, revisions
