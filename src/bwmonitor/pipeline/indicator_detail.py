"""`catalog show`: one indicator, its definition, source and the periods in the data."""

from __future__ import annotations

from bwmonitor.compute.comparison import gaps_of
from bwmonitor.core.catalog import Catalog, Indicator, Source
from bwmonitor.core.errors import CbsTableChanged, InvalidInput
from bwmonitor.core.measures import resolve_measure
from bwmonitor.core.suggest import did_you_mean
from bwmonitor.pipeline.monitor_data import MonitorData
from bwmonitor.pipeline.results import Definition, IndicatorDetail, SourceTable
from bwmonitor.store.tables import DataView


def indicator_detail(data: MonitorData, indicator_id: str) -> IndicatorDetail:
    """Everything `catalog show` tells about one indicator."""
    import polars as pl

    indicator = data.catalog.indicators.get(indicator_id)
    if indicator is None:
        raise InvalidInput(
            f"indicator {indicator_id!r} is not in {data.catalog.path}"
            f"{did_you_mean(indicator_id, data.catalog.indicators)}",
            hint="see `bwmonitor catalog list`",
        )
    source = None if indicator.is_derived else data.catalog.sources[indicator.source or ""]
    tables = [
        SourceTable(label, table_id, indicator.measure_for(label), data.view.table(table_id))
        for label, table_id in (source.tables if source is not None else ())
    ]
    frame = data.observations.frame.filter(pl.col("indicator") == indicator_id)
    counts = frame.group_by("period").len().sort("period")
    per_period = dict(zip(counts["period"].to_list(), counts["len"].to_list(), strict=True))
    return IndicatorDetail(
        indicator=indicator,
        theme=data.catalog.themes[indicator.theme].title,
        csv_path=source.csv_path if source is not None else None,
        tables=tables,
        periods=list(per_period),
        regions_per_period=per_period,
        gaps=gaps_of(indicator, data.observations.gaps),
        definition=definition_of(data.catalog, data.view, indicator),
    )


def definition_of(catalog: Catalog, view: DataView, indicator: Indicator) -> Definition | None:
    """CBS's Description of the indicator's measure, from the newest stored table that
    has one; else the catalogue's own `definition`; None when neither exists.

    CBS's text wins: it is what the figure means, and a fetch keeps it current.
    """
    source = catalog.sources.get(indicator.source or "")
    if not indicator.is_derived and source is not None:
        for label, table_id in reversed(source.tables):
            description = _cbs_description(view, table_id, indicator.measure_for(label), source)
            if description:
                return Definition(_paragraphs(description), f"CBS, tabel {table_id}")
    if indicator.definition:
        return Definition(_paragraphs(indicator.definition), indicator.definition_source or "")
    return None


def _cbs_description(view: DataView, table_id: str, measure: str | None, source: Source) -> str:
    stored = view.table(table_id)
    if stored is None or measure is None:
        return ""
    measures = stored.meta.measures
    try:
        key = resolve_measure(measure, measures, table_id, source.is_series)
    except CbsTableChanged:
        return ""
    return str(measures[key].get("description") or "").strip()


def _paragraphs(text: str) -> tuple[str, ...]:
    """The text's lines, spaces collapsed: CBS breaks its Descriptions with \r\n, also
    after a heading ('Participatiewet'), so a line stays a line."""
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())
