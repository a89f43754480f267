"""Download one CBS table through OData v4, stored exactly as the v3 road stores it.

v4 is long: one observation per measure and cell (`Measure`, `Value`, `ValueAttribute`,
`StringValue` and a column per dimension), and a cell without a value may be left out.
This module turns it back into the v3 shape that the store, compare and export know:

1. **Measures.** The catalogue names a measure by its v3 key (`BevolkingOp1Januari_1`)
   or, for a table known only in v4 form, by its v4 identifier (`M000352`). A v3 key is
   mapped to the v4 identifier whose Title and Unit are those v3's DataProperties give
   for the key; v3's metadata comes from the table as stored (the store or the shipped
   snapshot), so the mapping works while v3 is down. The column keeps the catalogue's
   name, so the stored table has the same columns whichever road brought it.
2. **Rows.** The code lists are read with the same server-side filters v3 uses (regions
   by level, years, the catalogue's codes) and the observations with those and the
   measures as `$filter`. Every combination of the codes becomes a row, as v3's
   TypedDataSet has it, so a left-out cell is a null, as in v3.
3. **Why a value is missing.** `ValueAttribute` (`Impossible`, `Confidential`, ...) of a
   cell without a value is kept in the sidecar (`value_attributes`).
4. **Status.** A period's status is on the period code list, as in v3.

The v4 metadata is rewritten into v3's record shapes (`Key`, `Type`, `Datatype`), and
the v3 module's helpers assemble the frame and the sidecar.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import product

from bwmonitor.core.catalog import TableRequest
from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.measures import REGION_TYPES, resolve_measure
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.fetch.cbs_v4 import Record, V4Client
from bwmonitor.fetch.download import (
    DownloadedTable,
    all_of,
    any_of,
    dimension_info,
    measure_info,
    period_problems,
    request_signature,
    to_frame,
)
from bwmonitor.fetch.http import recording
from bwmonitor.store.tables import TableMeta

#: v4's dimension Kind -> v3's DataProperties Type
V3_TYPES = {
    "Dimension": "Dimension",
    "TimeDimension": "TimeDimension",
    "GeoDimension": "GeoDimension",
    "GeoDetailDimension": "GeoDetail",
    "GeoDetail": "GeoDetail",
}
#: v4's ValueAttribute of an ordinary value
NO_ATTRIBUTE = "None"


def download_v4(
    client: V4Client, request: TableRequest, properties: Record, known: TableMeta | None
) -> DownloadedTable:
    """Fetch the rows and metadata `request` needs (Properties already read); `known` is
    the table as stored (store or snapshot), whose v3 metadata maps v3 keys."""
    table_id = request.table_id
    problems: list[CbsTableChanged] = []
    with recording() as log:
        dims = _dimensions(client.feed(table_id, "Dimensions"))
        topics = _topics(client.feed(table_id, "MeasureCodes"))
        columns, requested = _measure_columns(request, topics, known, problems)
        codes = {name: _codes(client, request, name, prop, problems) for name, prop in dims.items()}
        for name in request.filters:
            if name not in dims:
                problems.append(
                    CbsTableChanged(
                        f"CBS table {table_id} has no dimension {name!r}{did_you_mean(name, dims)}"
                    )
                )
        period = _period(properties)
        problems += period_problems(request, dims, period or "")
        observations = (
            client.feed(
                table_id,
                "Observations",
                filters=_observation_filter(columns, codes, dims),
                select=_observation_fields(columns, topics, dims),
            )
            if columns
            else []
        )
    rows, attributes = _dense_rows(observations, dims, codes, columns, topics)
    stored = {column: {**topics[v4_id], "Key": column} for column, v4_id in columns.items()}
    frame = to_frame(rows, dims, stored)
    sidecar = TableMeta(
        table_id,
        catalog=request.catalog,
        title=str(properties.get("Title", "")),
        modified=str(properties.get("Modified", "")),
        period=period,
        origin="cbs",
        road="v4",
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        base_url=client.table_url("").rstrip("/"),
        urls=tuple(log.urls),
        requests=log.requests,
        bytes=log.bytes,
        request=request_signature(request),
        dimensions={name: dimension_info(prop, codes[name]) for name, prop in dims.items()},
        measures={
            column: {**measure_info(stored[column], measure), "v4": columns[column]}
            for column, measure in requested.items()
        },
        table_measures=_table_measures(topics, columns),
        value_attributes=attributes or None,
    )
    return DownloadedTable(table_id, frame, sidecar, problems)


def metadata_v4(
    client: V4Client,
    table_id: str,
    with_codes: Callable[[Record], bool],
    known: TableMeta | None,
) -> TableMeta:
    """CBS's live v4 metadata in the shape of a stored sidecar (as `metadata_from_cbs`
    makes v3's), for `catalog check --online`: v3 keys where the known v3 metadata maps
    them by Title and Unit, v4 identifiers otherwise. No data rows."""
    properties = client.properties(table_id)
    dims = _dimensions(client.feed(table_id, "Dimensions"))
    topics = _topics(client.feed(table_id, "MeasureCodes"))
    columns: dict[str, str] = {}
    for key in _known_measures(known):
        try:
            column, v4_id = map_measure(key, topics, known, table_id)
        except CbsTableChanged:
            continue  # not in v4 under that title and unit: the check reports it missing
        columns[column] = v4_id
    column_of = {v4_id: column for column, v4_id in columns.items()}
    dimensions = {
        name: {
            "type": prop["Type"],
            "title": prop["Title"],
            "labels": {
                str(r["Identifier"]).strip(): str(r.get("Title") or "").strip()
                for r in client.feed(table_id, f"{name}Codes")
            }
            if with_codes(prop)
            else {},
        }
        for name, prop in dims.items()
    }
    raw = {
        "title": properties.get("Title", ""),
        "modified": properties.get("Modified", ""),
        "road": "v4",
        "dimensions": dimensions,
        # a measure under its v4 identifier, and under the v3 key it maps to as well
        "measures": {
            name: {"unit": topic["Unit"], "decimals": topic["Decimals"]}
            for v4_id, topic in topics.items()
            for name in {v4_id, column_of.get(v4_id, v4_id)}
        },
        "table_measures": {**_table_measures(topics, {}), **_table_measures(topics, columns)},
    }
    return TableMeta.from_json(table_id, raw)


def _dimensions(records: Sequence[Record]) -> dict[str, Record]:
    """The table's dimensions as v3 DataProperties records, in v4's order."""
    return {
        str(r["Identifier"]): {
            "Key": str(r["Identifier"]),
            "Title": str(r.get("Title") or ""),
            "Type": V3_TYPES.get(str(r.get("Kind")), str(r.get("Kind") or "Dimension")),
        }
        for r in records
        if r.get("Identifier")
    }


def _topics(records: Sequence[Record]) -> dict[str, Record]:
    """MeasureCodes as v3 Topic records, by v4 identifier."""
    return {
        str(r["Identifier"]): {
            "Key": str(r["Identifier"]),
            "Title": str(r.get("Title") or "").strip(),
            "Unit": str(r.get("Unit") or "").strip(),
            "Decimals": r.get("Decimals"),
            "Datatype": str(r.get("DataType") or ""),
            "Description": str(r.get("Description") or "").strip(),
            "Type": "Topic",
        }
        for r in records
        if r.get("Identifier")
    }


def _measure_columns(
    request: TableRequest,
    topics: Mapping[str, Record],
    known: TableMeta | None,
    problems: list[CbsTableChanged],
) -> tuple[dict[str, str], dict[str, str]]:
    """Per catalogue measure that maps: its column (v3 key, or the v4 identifier) -> v4
    identifier, and column -> the catalogue's measure."""
    columns: dict[str, str] = {}
    requested: dict[str, str] = {}
    for measure in request.measures:
        try:
            column, v4_id = map_measure(measure, topics, known, request.table_id, request.series)
        except CbsTableChanged as problem:
            problems.append(problem)
        else:
            columns[column] = v4_id
            requested[column] = measure
    return columns, requested


def map_measure(
    measure: str,
    topics: Mapping[str, Record],
    known: TableMeta | None,
    table_id: str,
    series: bool = False,
) -> tuple[str, str]:
    """A catalogue measure's column and v4 identifier: a v4 identifier stands for itself;
    a v3 key (or stem) is looked up in the known v3 metadata and matched by Title and
    Unit. CbsTableChanged says why it cannot be mapped."""
    if measure in topics:
        return measure, measure
    known_measures = _known_measures(known)
    if not known_measures:
        raise CbsTableChanged(
            f"measure {measure!r} of CBS table {table_id} is a v3 key, and its v4 identifier "
            "is found through the table's v3 metadata, which is not at hand",
            hint="fetch the table once through v3, or name the v4 identifier in indicators.toml",
        )
    titles = {key: info[0] for key, info in known_measures.items()}
    key = resolve_measure(measure, titles, table_id, series, titles=titles)
    title, unit = known_measures[key]
    matches = [
        v4_id
        for v4_id, topic in topics.items()
        if topic["Title"].casefold() == title.casefold() and (unit is None or topic["Unit"] == unit)
    ]
    if len(matches) != 1:
        what = f"title {title!r}" + (f" and unit {unit!r}" if unit is not None else "")
        found = "no" if not matches else f"{len(matches)} ({', '.join(matches)})"
        raise CbsTableChanged(
            f"measure {key!r}: CBS table {table_id} has {found} v4 measure with {what}",
            hint="CBS may have renamed it; name the v4 identifier in indicators.toml",
        )
    return key, matches[0]


def _known_measures(known: TableMeta | None) -> dict[str, tuple[str, str | None]]:
    """v3 key -> (title, unit) from a stored sidecar; unit None where only the title is
    known (a measure that was not stored)."""
    if known is None or known.road == "v4":
        stored_v3: dict[str, tuple[str, str | None]] = {}
        if known is not None:  # a v4 sidecar keeps the v3 keys it mapped
            stored_v3 = {
                key: (str(info.get("title", "")).strip(), str(info.get("unit", "")).strip())
                for key, info in known.measures.items()
                if key != info.get("v4")
            }
        return stored_v3
    found: dict[str, tuple[str, str | None]] = {
        key: (str(title).strip(), None) for key, title in (known.table_measures or {}).items()
    }
    for key, info in known.measures.items():
        found[key] = (str(info.get("title", "")).strip(), str(info.get("unit", "")).strip())
    return found


def _codes(
    client: V4Client,
    request: TableRequest,
    name: str,
    prop: Record,
    problems: list[CbsTableChanged],
) -> list[Record]:
    """One dimension's codes, as v3 code records (Key, Title, Status), limited as v3's
    request is: regions by level, periods by type, the catalogue's codes."""
    kind = prop["Type"]
    key_filter = None
    if kind in REGION_TYPES:
        key_filter = any_of(f"startswith(Identifier,'{p}')" for p in request.region_levels)
    # not the codes' descriptions: a region list's run to hundreds of KiB
    fields = ["Identifier", "Index", "Title", *(["Status"] if kind == "TimeDimension" else [])]
    records = client.feed(request.table_id, f"{name}Codes", filters=key_filter, select=fields)
    codes = [
        {
            "Key": str(r["Identifier"]),
            "Title": str(r.get("Title") or ""),
            **({"Status": r["Status"]} if r.get("Status") else {}),
        }
        for r in sorted(records, key=lambda r: (r.get("Index") is None, r.get("Index") or 0))
        if r.get("Identifier") is not None
    ]
    if kind == "TimeDimension":
        codes = [c for c in codes if any(t in c["Key"] for t in request.period_types)]
    wanted = request.filters.get(name)
    if wanted:
        present = {c["Key"] for c in codes}
        for code in wanted:
            if code not in present:
                problems.append(
                    CbsTableChanged(
                        f"CBS table {request.table_id} has no code {code!r} in dimension "
                        f"{name}{did_you_mean(code, present)}"
                    )
                )
        codes = [c for c in codes if c["Key"] in wanted]
    return codes


def _observation_filter(
    columns: Mapping[str, str], codes: Mapping[str, list[Record]], dims: Mapping[str, Record]
) -> str | None:
    """The measures and every dimension's codes as a $filter: only what is stored moves."""
    conditions = [any_of(f"Measure eq '{v4_id}'" for v4_id in columns.values())]
    for name, prop in dims.items():
        if prop["Type"] in REGION_TYPES:
            # a region list can be long; the level prefixes say the same in a few words
            prefixes = sorted({str(c["Key"])[:2] for c in codes[name]})
            conditions.append(any_of(f"startswith({name},'{p}')" for p in prefixes))
        else:
            conditions.append(any_of(f"{name} eq '{c['Key']}'" for c in codes[name]))
    return all_of([c for c in conditions if c])


def _observation_fields(
    columns: Mapping[str, str], topics: Mapping[str, Record], dims: Mapping[str, Record]
) -> list[str]:
    """The observation fields used: not its Id, and StringValue only for a text measure."""
    strings = any(topics[v4_id]["Datatype"] == "String" for v4_id in columns.values())
    return ["Measure", "Value", "ValueAttribute", *(["StringValue"] if strings else []), *dims]


def _dense_rows(
    observations: Sequence[Record],
    dims: Mapping[str, Record],
    codes: Mapping[str, list[Record]],
    columns: Mapping[str, str],
    topics: Mapping[str, Record],
) -> tuple[list[Record], dict[str, dict[str, str]]]:
    """One row per combination of codes (v3's cube), the observations' values in their
    measure's column; and per column, the ValueAttribute of cells without a value."""
    names = list(dims)
    column_of = {v4_id: column for column, v4_id in columns.items()}
    strings = {v4_id for v4_id in columns.values() if topics[v4_id]["Datatype"] == "String"}
    cells: dict[tuple[str, ...], Record] = {}
    attributes: dict[str, dict[str, str]] = {}
    for obs in observations:
        column = column_of.get(str(obs.get("Measure")))
        if column is None:
            continue
        key = tuple(str(obs.get(name) or "").strip() for name in names)
        value = obs.get("StringValue") if obs.get("Measure") in strings else obs.get("Value")
        cells.setdefault(key, {})[column] = value
        attribute = str(obs.get("ValueAttribute") or NO_ATTRIBUTE)
        if value is None and attribute != NO_ATTRIBUTE:
            cell = ";".join(f"{n}={k}" for n, k in zip(names, key, strict=True))
            attributes.setdefault(column, {})[cell] = attribute
    rows = []
    for key in product(*(tuple(str(c["Key"]) for c in codes[name]) for name in names)):
        row: Record = dict(zip(names, key, strict=True))
        row.update(cells.get(key, {}))
        rows.append(row)
    return rows, attributes


def _table_measures(topics: Mapping[str, Record], columns: Mapping[str, str]) -> dict[str, str]:
    """Every measure of the table, key -> title; a mapped one under its stored column."""
    column_of = {v4_id: column for column, v4_id in columns.items()}
    return {column_of.get(v4_id, v4_id): topic["Title"] for v4_id, topic in topics.items()}


def _period(properties: Record) -> str | None:
    """v4 has no TableInfos Period: its TemporalCoverage ('1995 t/m 2025', '2020') says
    the same, and names the year of a table without a Perioden dimension."""
    coverage = str(properties.get("TemporalCoverage") or "").strip()
    return coverage or None
