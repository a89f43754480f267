"""`bwmonitor compare` output: a rich table grouped by theme, or JSON / CSV records."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.text import Text

from bwmonitor.cli.render import stdout
from bwmonitor.cli.terminal_layout import Cell, Column, Row, print_rows
from bwmonitor.compute.aggregation import by_note, same_area_note, weight_notes
from bwmonitor.compute.breaks import BREAK_MARK
from bwmonitor.compute.comparison import BenchmarkValue, Comparison, ComparisonRow
from bwmonitor.compute.peers import distance_drivers
from bwmonitor.compute.ranking import LEVEL_PLURALS, RANKED_LEVELS, Summary
from bwmonitor.compute.scores import ThemeStanding
from bwmonitor.compute.trend import (
    BETTER,
    WORSE,
    change_text,
    short_reading,
    trend_legend_lines,
)
from bwmonitor.core.catalog import TABLE_ID
from bwmonitor.core.formatting import dutch_number
from bwmonitor.core.periods import COMPUTED_MARK, MARKER_LEGEND, marker, marks
from bwmonitor.core.regions import Level, Region
from bwmonitor.core.units import Quantity, Unit
from bwmonitor.publish.formula_guard import excel_csv, neutralise_record

QUARTILE_STYLE = {1: "green", 4: "red"}
# CBS's dashboards: the arrow shows the movement (the slope's sign), the colour the
# judgement (grey when the change is not significant, too few figures, or the indicator
# has no direction)
JUDGEMENT_STYLE = {BETTER: "green", WORSE: "red"}
NO_JUDGEMENT_STYLE = "grey50"


def comparison(
    result: Comparison,
    data_used: list[str],
    fmt: str,
    console: Console | None = None,
    excel: bool = False,
) -> None:
    """Print a comparison as a table (terminal), JSON or CSV records on `console`."""
    console = console or stdout
    if fmt == "json":
        console.out(to_json(result.records), highlight=False)
    elif fmt == "csv":
        console.out(to_csv(result.records, excel), highlight=False, end="")
    else:
        _table(result, data_used, console)


def to_json(records: list[ComparisonRow]) -> str:
    return json.dumps([r.as_json() for r in records], ensure_ascii=False, indent=2)


def flat(record: ComparisonRow) -> dict[str, Any]:
    """A record with its benchmarks as columns: benchmark_PV22, difference_PV22 and
    share_PV22 (one of the two is empty: counts have a share, other indicators a
    difference), ..."""
    row = {k: v for k, v in record.as_json().items() if k != "benchmarks"}
    for benchmark in record.benchmarks:
        row[f"benchmark_{benchmark.region}"] = benchmark.value
        row[f"difference_{benchmark.region}"] = benchmark.difference
        row[f"share_{benchmark.region}"] = benchmark.share
    # a peer group's counts after every benchmark's columns, which keep their places
    for benchmark in record.benchmarks:
        if benchmark.group is not None:
            row[f"members_{benchmark.region}"] = benchmark.members
            row[f"members_with_value_{benchmark.region}"] = benchmark.members_with_value
    return row


def to_csv(records: list[ComparisonRow], excel: bool = False) -> str:
    """Comma-separated, text quoted and numbers bare; text a spreadsheet would run as a
    formula gets a leading ' (docs/data.md). `excel`: for Dutch Excel, `;`, decimal
    comma and a byte order mark."""
    if excel:
        return excel_csv([flat(r) for r in records])
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


def _quantity(record: ComparisonRow) -> Quantity:
    """The unit model of a record, from its unit, scale and decimals."""
    return Quantity(Unit(record.unit, record.scale), record.decimals)


def _value_text(
    value: float | None, record: ComparisonRow, status: str | None, computed: bool
) -> Text:
    text = _quantity(record).text(value)
    text += marks(status, computed and value is not None)
    return Text(text)


def _against_benchmark_text(record: ComparisonRow, benchmark: BenchmarkValue) -> Text | None:
    """'(+2,1 %-punt)' with a benchmark's value; for counts the region's share of the
    benchmark instead ('(21,6% van Drenthe)'); None when there is neither."""
    if benchmark.share is not None:
        return Text(f"({dutch_number(benchmark.share, 1)}% van {benchmark.region_name})")
    if benchmark.difference is not None:
        return Text(f"({_quantity(record).text(benchmark.difference, difference=True)})")
    return None


def _position_cells(record: ComparisonRow) -> list[Text]:
    rank = record.rank_drenthe
    quartile = record.quartile_nl
    style = "" if record.better == "neutral" else QUARTILE_STYLE.get(quartile or 0, "")
    return [
        Text(f"{rank} van {record.rank_of}" if rank else ""),
        Text(record.quartile_label or "", style=style),
    ]


def _level_position_cell(record: ComparisonRow) -> Cell:
    """'30 van 36 COROP-gebieden' and '(slechtste kwart)', the quarter coloured as the
    NL quarter is; empty for a count or a region without a value."""
    if record.position is None or record.position_level is None:
        return (Text(""),)
    style = (
        "" if record.better == "neutral" else QUARTILE_STYLE.get(record.position_quarter or 0, "")
    )
    place = f"{record.position} van {record.position_of} {LEVEL_PLURALS[record.position_level]}"
    if record.position_quarter_label is None:  # too few regions for quarters
        return (Text(place), Text(""))
    return (Text(place), Text(f"({record.position_quarter_label})", style=style))


def _placed(region: Region) -> bool:
    """A region of a level whose regions are placed among each other (not the country
    or a custom region)."""
    return region.level in RANKED_LEVELS.values()


def _trend_cell(record: ComparisonRow) -> Text:
    """'▲ beter 2016–2023': the arrow the slope's sign, word and colour the judgement
    (`trend.short_reading`), the years those of the first and last figure in the
    window; empty when the region has no figure in it."""
    if not record.trend_n:
        return Text("")
    neutral = record.better == "neutral"
    parts = [short_reading(record.trend_movement, record.trend_judgement, record.trend_p, neutral)]
    if record.trend_from and record.trend_to:
        parts.append(f"{record.trend_from}–{record.trend_to}")
    if record.breaks:  # the trend crosses a break in the series: see the footnote
        parts.append(BREAK_MARK)
    style = JUDGEMENT_STYLE.get(record.trend_judgement or "", NO_JUDGEMENT_STYLE)
    return Text(" ".join(parts), style=style)


def _change_cell(record: ComparisonRow) -> Text:
    """The change since the previous figure and that figure's year (`trend.change_text`)."""
    return Text(
        change_text(record.change, record.change_unit, record.change_from, _quantity(record))
    )


# The cells first, then their layout: what a cell says (above) is independent of how
# the cells are laid out (terminal_layout.py), for a table or for blocks of lines.


def _columns(result: Comparison) -> list[Column]:
    """The fields of one indicator's row, in order; their headers are the labels of the
    long layout too."""
    single = len(result.regions) == 1
    columns = [Column(("indicator",), numeric=False), Column(("jaar",), numeric=False)]
    columns += [Column((region.name,)) for region in result.regions]
    columns += [Column((b.name, "(verschil)") if single else (b.name,)) for b in result.benchmarks]
    if single and result.regions[0].level is Level.MUNICIPALITY:
        columns += [Column(("rang", "Drenthe")), Column(("kwartiel", "NL"))]
    columns += [
        Column(("positie",) if single else ("positie", region.name), numeric=False)
        for region in result.regions
        if _placed(region)
    ]
    if single:
        columns.append(Column(("trend",), numeric=False))
        columns.append(Column(("recente", "verandering")))
    return columns


def _rows(result: Comparison) -> list[Row]:
    """One row of cells per indicator, each cell its parts (a benchmark's value, then its
    difference), in the order of `_columns`."""
    single = len(result.regions) == 1
    municipality = single and result.regions[0].level is Level.MUNICIPALITY
    by_indicator: dict[str, list[ComparisonRow]] = {}
    for record in result.records:
        by_indicator.setdefault(record.indicator, []).append(record)
    rows = []
    for records in by_indicator.values():
        first = records[0]
        cells: list[Cell] = [(Text(first.title),), (Text(first.period or ""),)]
        cells += [(_value_text(r.value, r, r.status, r.computed),) for r in records]
        for benchmark in first.benchmarks:
            value = _value_text(benchmark.value, first, benchmark.status, benchmark.computed)
            difference = _against_benchmark_text(first, benchmark) if single else None
            cells.append((value,) if difference is None else (value, difference))
        if municipality:
            cells += [(cell,) for cell in _position_cells(first)]
        cells += [
            _level_position_cell(record)
            for record, region in zip(records, result.regions, strict=True)
            if _placed(region)
        ]
        if single:
            cells.append((_trend_cell(first),))
            cells.append((_change_cell(first),))
        rows.append(Row(first.theme, cells))
    return rows


def _table(result: Comparison, data_used: list[str], console: Console) -> None:
    heading = f"{', '.join(r.name for r in result.regions)} vergeleken met " + " en ".join(
        b.name for b in result.benchmarks
    )
    print_rows(heading, _columns(result), _rows(result), console)
    _notes(result, data_used, console)


def summary_lines(name: str, summary: Summary) -> list[str]:
    """The footer's lines of one region: its indicators with a value, and (when it has
    positions that count) those in the best and the worst quarter of its level."""
    lines = [f"{name}: {summary.with_value} van {summary.shown} indicatoren met een waarde"]
    if summary.placed:
        lines.append(
            f"{name}: {summary.best} van {summary.placed} indicatoren in het beste kwart, "
            f"{summary.worst} in het slechtste"
        )
    return lines


def theme_scores_line(name: str, themes: Mapping[str, ThemeStanding]) -> str | None:
    """'Emmen, thema-scores (0–10): Gezondheid 4,2 · Wonen 6,8': per theme the mean
    score of its indicators (scores.py); None when no theme has one."""
    parts = [
        f"{theme} {dutch_number(standing.score, 1)}"
        for theme, standing in themes.items()
        if standing.score is not None
    ]
    return f"{name}, thema-scores (0–10): {' · '.join(parts)}" if parts else None


def _notes(result: Comparison, data_used: list[str], console: Console) -> None:
    records = result.records
    missing: dict[str, list[str]] = {}
    for record in records:
        if record.value is None and record.reason:
            # the reason's first clause groups; the details are in --format json
            key = record.reason.split(":")[0]
            missing.setdefault(key, []).append(f"{record.title} ({record.region_name})")
    for reason, entries in missing.items():
        _line(console, f"Geen waarde, {reason}: {'; '.join(entries)}.")
    for region in result.regions:
        if region.code in result.summaries:
            for line in summary_lines(region.name, result.summaries[region.code]):
                _line(console, line + ".")
    for region in result.regions:
        scores = theme_scores_line(region.name, result.themes.get(region.code, {}))
        if scores:
            _line(console, scores)
    for line in peer_lines(records):
        _line(console, line)
    values = [(r.computed, r.source) for r in records] + [
        (b.computed, b.source) for r in records for b in r.benchmarks
    ]
    legend = []
    if any(computed for computed, _ in values):
        legend.append(
            f"{COMPUTED_MARK} berekend door bwmonitor uit de cijfers van de gemeenten "
            "(regel: --format json)"
        )
    # a weighted mean's footnote names the weight it used (and what it approximates),
    # one line per weight with the indicators it weighs
    notes = weight_notes(
        (r.title, rule) for r in records for rule in (r.rule, *(b.rule for b in r.benchmarks))
    )
    legend += [
        f"{COMPUTED_MARK} {note}: {'; '.join(titles)}" for note, titles in by_note(notes).items()
    ]
    # CBS's own figure for a GGD region that is exactly the region: which one was used
    same_areas = weight_notes(
        ((r.title, rule) for r in records for rule in (r.rule, *(b.rule for b in r.benchmarks))),
        same_area_note,
    )
    legend += [f"{note}: {'; '.join(titles)}" for note, titles in by_note(same_areas).items()]
    if any(marker(r.status) for r in records):
        legend.append(MARKER_LEGEND)
    if any(r.quartile_nl and r.better != "neutral" for r in records):
        legend.append(
            "rang 1 = beste van de 12 Drentse gemeenten; 1e kwart = beste kwart van "
            "alle Nederlandse gemeenten"
        )
    if any(r.quartile_nl and r.better == "neutral" for r in records):
        legend.append(
            "hoogste/laagste kwart: positie onder alle Nederlandse gemeenten bij een "
            "indicator zonder beter of slechter"
        )
    if any(r.position is not None for r in records):
        legend.append(
            "positie: k van N = k-de van de N gemeenten, COROP-gebieden of provincies (het "
            "niveau van de regio) met een waarde, 1 = beste (zonder beter of slechter: "
            "1 = hoogste)"
        )
    if any(s.score is not None for themes in result.themes.values() for s in themes.values()):
        legend.append(
            "thema-score: gemiddelde van de scores 0–10 van de indicatoren van het thema "
            "(10 = beste gemeente van Nederland in de jaren van de trend; aantallen en "
            "indicatoren zonder beter of slechter tellen niet mee); per indicator: "
            "--format json, veld score"
        )
    if any(s.placed for s in result.summaries.values()):
        legend.append(
            "beste/slechtste kwart: van de positie; indicatoren zonder beter of slechter "
            "en aantallen tellen niet mee"
        )
    legend += trend_legend(records)
    # a break in a series shown, one line per break with its indicators: a series must
    # not silently compare different things
    breaks = {r.title: [r.breaks] for r in records if r.breaks}
    legend += [
        f"{BREAK_MARK} breuk in de reeks, {found}: {'; '.join(titles)}"
        for found, titles in by_note(breaks).items()
    ]
    for line in legend:
        _line(console, line)
    if data_used:
        _line(console, "Bron: CBS StatLine, tabel " + "; ".join(data_used) + ".")
    # a catalogue's own files (a local CSV source) are named as the user's, not CBS's
    parts = {part for _, source in values for part in (source or "").split(", ") if part}
    own = sorted(part for part in parts if not TABLE_ID.match(part))
    if own:
        _line(console, "Eigen bron: " + "; ".join(own) + ".")


def trend_legend(records: list[ComparisonRow]) -> list[str]:
    """What the trend's words and the recent change mean, when a record has them."""
    return trend_legend_lines(
        [r.trend_window for r in records if r.trend_window],
        trends=any(r.trend_n for r in records),
        changes=any(r.change is not None for r in records),
    )


def peer_lines(records: list[ComparisonRow]) -> list[str]:
    """Per peer group (`--with peers`, `nearest:K`) its members, how it was formed and,
    for nearest, what drives the distance."""
    groups = {b.region: b for b in (records[0].benchmarks if records else ()) if b.group}
    lines = []
    for benchmark in groups.values():
        group = benchmark.group or {}
        names = [member["region_name"] for member in group["members"]]
        if not names:
            lines.append(
                f"{benchmark.region_name}: geen; {records[0].region_name} is de enige van "
                f"de {group['rule']}; --with nearest:10 vergelijkt met de meest gelijkende."
            )
        else:
            lines.append(f"{benchmark.region_name}: {', '.join(names)} ({group['rule']}).")
        if group["distance_shares"]:
            drivers = distance_drivers(group["distance_shares"])
            lines.append(f"{benchmark.region_name}: aandeel in de afstand: {drivers}.")
    if groups:
        lines.append(
            "vergelijkbare gemeenten: gemiddelde over de gemeenten met een cijfer, "
            "naar de regel van de indicator (aantal per indicator: --format json)"
        )
    return lines


def _line(console: Console, text: str) -> None:
    # to a file or pipe a line is never wrapped: the text does not depend on COLUMNS
    console.print(text, markup=False, highlight=False, soft_wrap=not console.is_terminal)
