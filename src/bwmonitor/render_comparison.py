"""`bwmonitor compare` output: a rich table grouped by theme, or JSON / CSV records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from rich.table import Table
from rich.text import Text

from bwmonitor.compare import Comparison
from bwmonitor.export.formula_guard import neutralise_record
from bwmonitor.formatting import dutch_number, with_unit
from bwmonitor.periods import MARKER_LEGEND, marker
from bwmonitor.regions import Level
from bwmonitor.render import stdout

COMPUTED_MARK = "†"
QUARTILE_STYLE = {1: "green", 4: "red"}
# CBS's dashboards: the arrow shows the movement, the colour the judgement (grey when
# the change does not count as better or worse, or the indicator has no direction)
TREND_ARROW = {"hoger": "▲", "lager": "▼", "gelijk": "►"}
JUDGEMENT_STYLE = {"beter": "green", "slechter": "red"}
NO_JUDGEMENT_STYLE = "grey50"


def comparison(result: Comparison, data_used: list[str], fmt: str) -> None:
    if fmt == "json":
        stdout.out(to_json(result.records), highlight=False)
    elif fmt == "csv":
        stdout.out(to_csv(result.records), highlight=False, end="")
    else:
        _table(result, data_used)


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)


def flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record with its benchmarks as columns: benchmark_PV22, difference_PV22 and
    share_PV22 (one of the two is empty: counts have a share, other indicators a
    difference), ..."""
    row = {k: v for k, v in record.items() if k != "benchmarks"}
    for benchmark in record["benchmarks"]:
        row[f"benchmark_{benchmark['region']}"] = benchmark["value"]
        row[f"difference_{benchmark['region']}"] = benchmark.get("difference")
        row[f"share_{benchmark['region']}"] = benchmark.get("share")
    return row


def to_csv(records: list[dict[str, Any]]) -> str:
    """Comma-separated, text quoted and numbers bare; text a spreadsheet would run as a
    formula gets a leading ' (docs/data.md)."""
    rows = [neutralise_record(flat(r)) for r in records]
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _value_text(
    value: float | None, record: dict[str, Any], status: str | None, computed: bool
) -> Text:
    text = with_unit(value, record["unit"], record["decimals"])
    text += marker(status) + (COMPUTED_MARK if computed and value is not None else "")
    return Text(text)


def _table(result: Comparison, data_used: list[str]) -> None:
    single = len(result.regions) == 1
    municipality = single and result.regions[0].level is Level.MUNICIPALITY
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for record in result.records:
        by_indicator.setdefault(record["indicator"], []).append(record)
    names = ", ".join(r.name for r in result.regions)
    table = Table(
        title=f"{names} vergeleken met " + " en ".join(b.name for b in result.benchmarks),
        title_justify="left",
    )
    table.add_column("indicator", min_width=24)
    table.add_column("jaar")
    for region in result.regions:
        table.add_column(region.name, justify="right")
    for benchmark in result.benchmarks:
        table.add_column(
            f"{benchmark.name} (verschil)" if single else benchmark.name, justify="right"
        )
    if municipality:
        table.add_column("rang Drenthe", justify="right")
        table.add_column("kwartiel NL", justify="right")
    if single:
        table.add_column("trend")
    theme = None
    for records in by_indicator.values():
        first = records[0]
        if first["theme"] != theme:
            theme = first["theme"]
            table.add_section()
            table.add_row(Text(theme, style="bold"))
        cells: list[Any] = [first["title"], first["period"] or ""]
        cells += [_value_text(r["value"], r, r["status"], r["computed"]) for r in records]
        for benchmark in first["benchmarks"]:
            text = _value_text(
                benchmark["value"], first, benchmark["status"], benchmark["computed"]
            )
            if single:
                text.append(_against_benchmark_text(first, benchmark))
            cells.append(text)
        if municipality:
            cells += _position_cells(first)
        if single:
            cells.append(_trend_cell(first))
        table.add_row(*cells)
    stdout.print(table)
    _notes(result.records, data_used)


def _against_benchmark_text(record: dict[str, Any], benchmark: dict[str, Any]) -> str:
    """' (+2,1 %-punt)' after a benchmark's value; for counts the region's share of the
    benchmark instead (' (21,6% van Drenthe)'); '' when there is neither."""
    if benchmark.get("share") is not None:
        return f" ({dutch_number(benchmark['share'], 1)}% van {benchmark['region_name']})"
    if benchmark.get("difference") is not None:
        difference = with_unit(
            benchmark["difference"], record["unit"], record["decimals"], difference=True
        )
        return f" ({difference})"
    return ""


def _position_cells(record: dict[str, Any]) -> list[Any]:
    rank = record["rank_drenthe"]
    quartile = record["quartile_nl"]
    style = "" if record["better"] == "neutral" else QUARTILE_STYLE.get(quartile or 0, "")
    return [
        f"{rank} van {record['rank_of']}" if rank else "",
        Text(record["quartile_label"] or "", style=style),
    ]


def _trend_cell(record: dict[str, Any]) -> Text:
    """'▼ beter 2016–2020': the arrow the movement, word and colour the judgement; a
    neutral indicator's word is its movement, in grey."""
    movement, judgement = record["trend_movement"], record["trend_judgement"]
    if movement is None:
        return Text("")
    word = judgement or movement
    label = f"{TREND_ARROW[movement]} {word} {record['trend_from']}–{record['trend_to']}"
    return Text(label, style=JUDGEMENT_STYLE.get(judgement or "", NO_JUDGEMENT_STYLE))


def _notes(records: Iterable[dict[str, Any]], data_used: list[str]) -> None:
    records = list(records)
    missing: dict[str, list[str]] = {}
    for record in records:
        if record["value"] is None and record["reason"]:
            # the reason's first clause groups; the details are in --format json
            key = record["reason"].split(":")[0]
            missing.setdefault(key, []).append(f"{record['title']} ({record['region_name']})")
    for reason, entries in missing.items():
        _line(f"Geen waarde, {reason}: {'; '.join(entries)}.")
    legend = [f"{COMPUTED_MARK} berekend door bwmonitor uit cijfers van CBS (regel: --format json)"]
    if any(marker(r["status"]) for r in records):
        legend.append(MARKER_LEGEND)
    if any(r["quartile_nl"] and r["better"] != "neutral" for r in records):
        legend.append(
            "rang 1 = beste van de 12 Drentse gemeenten; 1e kwart = beste kwart van "
            "alle Nederlandse gemeenten"
        )
    if any(r["quartile_nl"] and r["better"] == "neutral" for r in records):
        legend.append(
            "hoogste/laagste kwart: positie onder alle Nederlandse gemeenten bij een "
            "indicator zonder beter of slechter"
        )
    for line in legend:
        _line(line)
    _line("Bron: CBS StatLine, tabel " + "; ".join(data_used) + ".")


def _line(text: str) -> None:
    stdout.print(text, markup=False, highlight=False)
