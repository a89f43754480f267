"""Download one CBS table as the catalogue needs it: only its measures and regions.

For a `TableRequest` this reads the table's DataProperties, resolves the catalogue's
measures (exact keys, or key stems for table series whose suffixes change yearly),
reads the dimensions it filters on to learn CBS's padded keys, and asks the
TypedDataSet for just those columns and rows. Padding is stripped here, once.
`metadata_from_cbs` puts CBS's live metadata in the same sidecar shape, so that
`catalog check --online` applies the offline checks to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bwmonitor.core.catalog import TableRequest
from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.measures import DIMENSION_TYPES, REGION_TYPES, resolve_measure
from bwmonitor.core.periods import table_period
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.fetch.cbs import CbsClient, Record, TableMetadata
from bwmonitor.fetch.http import recording
from bwmonitor.store.tables import TableMeta

if TYPE_CHECKING:
    import polars as pl


@dataclass
class DownloadedTable:
    table_id: str
    frame: pl.DataFrame
    sidecar: TableMeta
    problems: list[CbsTableChanged] = field(default_factory=list)


def request_signature(request: TableRequest) -> dict[str, Any]:
    """What was asked of a table; a stored table answers a request only when they match."""
    return {
        "measures": list(request.measures),
        "filters": {dim: list(codes) for dim, codes in request.filters.items()},
        "region_levels": list(request.region_levels),
        "period_types": list(request.period_types),
    }


def download(client: CbsClient, request: TableRequest, infos: Record) -> DownloadedTable:
    """Fetch the rows and metadata `request` needs from CBS (TableInfos already read)."""
    table_id, catalog = request.table_id, request.catalog
    problems: list[CbsTableChanged] = []
    with recording() as log:
        properties = client.data_properties(table_id, catalog)
        dims = {p["Key"]: p for p in properties if p.get("Type") in DIMENSION_TYPES}
        topics = {p["Key"]: p for p in properties if p.get("Type") == "Topic"}
        titles = {key: str(p.get("Title", "")) for key, p in topics.items()}
        measures: dict[str, str] = {}  # table key -> catalogue measure
        for measure in request.measures:
            try:
                key = resolve_measure(measure, topics, table_id, request.series, titles=titles)
                measures[key] = measure
            except CbsTableChanged as problem:
                problems.append(problem)
        dimension_info, conditions = _dimension_filters(client, request, dims, problems)
        period = str(infos.get("Period") or "").strip()
        problems += period_problems(request, dims, period)
        select = [*dims, *sorted(measures)]
        rows = client.entity(
            table_id, catalog, "TypedDataSet", select=select, filters=all_of(conditions)
        )
    frame = to_frame(rows, dims, {key: topics[key] for key in measures})
    sidecar = TableMeta(
        table_id,
        catalog=catalog,
        title=infos.get("Title", ""),
        modified=infos.get("Modified", ""),
        # the year of a table without a Perioden dimension (KWB) is said only here
        period=period,
        origin="cbs",
        road="v3",
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        base_url=client.base_url(catalog),
        urls=tuple(log.urls),
        requests=log.requests,
        bytes=log.bytes,
        request=request_signature(request),
        dimensions=dimension_info,
        measures={key: measure_info(topics[key], requested) for key, requested in measures.items()},
        # every measure the table has, for `catalog check` and suggestions
        table_measures={key: str(p.get("Title", "")).strip() for key, p in topics.items()},
    )
    return DownloadedTable(table_id, frame, sidecar, problems)


def metadata_from_cbs(metadata: TableMetadata) -> TableMeta:
    """CBS's live metadata in the shape of a stored sidecar, so the same rules apply."""
    topics = {str(p["Key"]): p for p in metadata.properties if p.get("Type") == "Topic"}
    dimensions = {
        str(p["Key"]): {
            "type": p.get("Type", "Dimension"),
            "title": p.get("Title", ""),
            "labels": {
                str(c["Key"]).strip(): str(c.get("Title", "")).strip()
                for c in metadata.codes.get(str(p["Key"]), [])
            },
        }
        for p in metadata.properties
        if p.get("Type") in DIMENSION_TYPES
    }
    raw = {
        "table_id": metadata.table_id,
        "title": metadata.infos.get("Title", ""),
        "modified": metadata.infos.get("Modified", ""),
        "dimensions": dimensions,
        "measures": {
            k: {"unit": str(p.get("Unit") or "").strip(), "decimals": p.get("Decimals")}
            for k, p in topics.items()
        },
        "table_measures": {k: str(p.get("Title", "")).strip() for k, p in topics.items()},
    }
    return TableMeta.from_json(metadata.table_id, raw)


def period_problems(
    request: TableRequest, dims: Mapping[str, Record], period: str
) -> list[CbsTableChanged]:
    """A table without a Perioden dimension needs one year in TableInfos' Period,
    unless the catalogue names its year (one year of a series)."""
    has_time = any(p.get("Type") == "TimeDimension" for p in dims.values())
    if has_time or request.series or table_period(period) is not None:
        return []
    return [
        CbsTableChanged(
            f"CBS table {request.table_id} has no Perioden dimension and its TableInfos "
            f"Period {period!r} is not one year",
            hint='name its year in a series: series = { "2020" = "' + request.table_id + '" }',
        )
    ]


def _dimension_filters(
    client: CbsClient,
    request: TableRequest,
    dims: Mapping[str, Record],
    problems: list[CbsTableChanged],
) -> tuple[dict[str, Any], list[str]]:
    """Per dimension: its labels for the sidecar, and the $filter condition on it."""
    table_id, catalog = request.table_id, request.catalog
    info: dict[str, Any] = {}
    conditions: list[str] = []
    for name, prop in dims.items():
        kind = prop.get("Type", "Dimension")
        if kind in REGION_TYPES:
            condition = any_of(f"startswith({name},'{p}')" for p in request.region_levels)
            key_filter = any_of(f"startswith(Key,'{p}')" for p in request.region_levels)
        elif kind == "TimeDimension":
            condition = any_of(f"substringof('{t}',{name})" for t in request.period_types)
            key_filter = any_of(f"substringof('{t}',Key)" for t in request.period_types)
        else:
            condition = key_filter = None
        codes = client.entity(table_id, catalog, name, filters=key_filter)
        padded = {str(c["Key"]).strip(): str(c["Key"]) for c in codes}
        wanted = request.filters.get(name)
        if wanted:
            missing = [code for code in wanted if code not in padded]
            for code in missing:
                problems.append(
                    CbsTableChanged(
                        f"CBS table {table_id} has no code {code!r} in dimension {name}"
                        f"{did_you_mean(code, padded)}"
                    )
                )
            # `eq` needs CBS's padded key: 'T001038' does not match 'T001038  '
            condition = any_of(f"{name} eq '{padded[c]}'" for c in wanted if c in padded)
        if condition:
            conditions.append(condition)
        info[name] = dimension_info(prop, codes)
    for name in request.filters:
        if name not in dims:
            problems.append(
                CbsTableChanged(
                    f"CBS table {table_id} has no dimension {name!r}{did_you_mean(name, dims)}"
                )
            )
    return info, conditions


def dimension_info(prop: Record, codes: Iterable[Record]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "type": prop.get("Type", "Dimension"),
        "title": prop.get("Title", ""),
        "labels": {str(c["Key"]).strip(): str(c.get("Title", "")).strip() for c in codes},
    }
    statuses = {str(c["Key"]).strip(): c["Status"] for c in codes if c.get("Status")}
    if statuses:
        info["status"] = statuses
    return info


def measure_info(prop: Record, requested: str) -> dict[str, Any]:
    return {
        "requested": requested,
        "title": prop.get("Title", ""),
        "unit": (prop.get("Unit") or "").strip(),
        "decimals": prop.get("Decimals"),
        "datatype": prop.get("Datatype", ""),
        # what CBS says the measure counts, for `catalog show` (issue 11: titles that
        # said "uitkeringen" where CBS counts persons)
        "description": str(prop.get("Description") or "").strip(),
    }


def any_of(conditions: Iterable[str]) -> str | None:
    parts = list(conditions)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def all_of(conditions: list[str]) -> str | None:
    return " and ".join(conditions) if conditions else None


POLARS_TYPES = {
    "Long": "Int64",
    "Integer": "Int64",
    "Short": "Int64",
    "Double": "Float64",
    "Float": "Float64",
    "Decimal": "Float64",
    "String": "String",
}


def to_frame(
    rows: list[Record], dims: Mapping[str, Record], topics: Mapping[str, Record]
) -> pl.DataFrame:
    """Rows as a typed frame: dimension codes and strings stripped of CBS's padding."""
    import polars as pl

    schema: dict[str, Any] = {name: pl.String for name in dims}
    for key, prop in topics.items():
        schema[key] = getattr(pl, POLARS_TYPES.get(str(prop.get("Datatype")), "Float64"))
    columns = {name: [row.get(name) for row in rows] for name in schema}
    frame = pl.DataFrame(columns, schema=schema, strict=False)
    return frame.with_columns(pl.col(pl.String).str.strip_chars())
