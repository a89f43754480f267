"""Read-only views of stored tables, for `bwmonitor show`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bwmonitor.core import periods
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.regions import DRENTHE_REGIONS
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.store.tables import DataView, describe_origin


@dataclass(frozen=True, slots=True)
class MeasureColumn:
    key: str
    title: str
    unit: str
    decimals: int


@dataclass(frozen=True, slots=True)
class ExtractRow:
    region: str
    region_name: str
    category: str  #: labels of the other dimensions, where the table has several codes
    period_label: str
    values: tuple[float | int | None, ...]


@dataclass(frozen=True, slots=True)
class TableExtract:
    title: str
    footer: str
    has_periods: bool
    has_categories: bool
    measures: tuple[MeasureColumn, ...]
    rows: tuple[ExtractRow, ...]
    legend: str


def extract_drenthe(
    view: DataView, table_id: str, measures: Sequence[str] = (), period: str | None = None
) -> TableExtract:
    """The stored values of a table for Drenthe's municipalities, regions and NL.

    Without `period`, the latest period in the table. Values are CBS's, unchanged.
    """
    import polars as pl

    stored = view.table(table_id)
    if stored is None:
        known = [t.meta.table_id for t in view.tables()]
        raise InvalidInput(
            f"table {table_id!r} is neither fetched nor in the snapshot"
            f"{did_you_mean(table_id, known)}",
            hint="see `bwmonitor tables`",
        )
    meta = stored.meta
    keys = list(measures) or list(meta.measures)
    for key in keys:
        if key not in meta.measures:
            raise InvalidInput(
                f"table {table_id} has no stored measure {key!r}{did_you_mean(key, meta.measures)}"
            )
    frame = view.frame(table_id)  # the rows of this very sidecar, even while fetch commits
    assert frame is not None  # the view found the table above
    region_dim = meta.region_dimension
    time_dim = meta.time_dimension
    if region_dim is None:
        raise InvalidInput(f"table {table_id} has no region dimension")
    frame = frame.filter(pl.col(region_dim).is_in(DRENTHE_REGIONS))
    status = meta.period_status()
    if time_dim is not None:
        available = sorted(frame[time_dim].unique().to_list())
        chosen = period or (available[-1] if available else None)
        if chosen not in available:
            raise InvalidInput(
                f"table {table_id} has no period {period!r}",
                hint=f"stored periods: {', '.join(available)}",
            )
        frame = frame.filter(pl.col(time_dim) == chosen)
    order = {code: i for i, code in enumerate(DRENTHE_REGIONS)}
    others = [d for d in meta.dimensions if d not in (region_dim, time_dim)]
    varying = [d for d in others if d in frame.columns and frame[d].n_unique() > 1]
    frame = frame.sort(pl.col(region_dim).replace_strict(order, default=len(order)), *varying)
    labels = meta.dimensions[region_dim].get("labels", {})
    columns = tuple(
        MeasureColumn(
            key,
            meta.measures[key].get("title", key),
            meta.measures[key].get("unit", ""),
            int(meta.measures[key].get("decimals") or 0),
        )
        for key in keys
    )
    rows = []
    provisional = False
    for record in frame.iter_rows(named=True):
        code = record[time_dim] if time_dim else ""
        mark = periods.marker(status.get(code))
        provisional = provisional or bool(mark)
        rows.append(
            ExtractRow(
                region=record[region_dim],
                region_name=labels.get(record[region_dim], ""),
                category=", ".join(
                    meta.dimensions[d]["labels"].get(record[d], record[d]) for d in varying
                ),
                period_label=periods.label(code) + mark if time_dim else "",
                values=tuple(record[key] for key in keys),
            )
        )
    return TableExtract(
        title=f"{meta.title} ({table_id})",
        footer=f"Bron: CBS StatLine, tabel {table_id}; {describe_origin(meta)}"
        + (f", CBS gewijzigd {meta.modified[:10]}" if meta.modified else ""),
        has_periods=time_dim is not None,
        has_categories=bool(varying),
        measures=columns,
        rows=tuple(rows),
        legend=periods.MARKER_LEGEND if provisional else "",
    )
