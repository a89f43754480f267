"""The publication workbook: Tabel 1 (with each region's position at its level and a
summary per region), a sheet per theme, the data and the sources.

Reproducible: the same data gives the same bytes (the workbook's creation date is the
newest CBS date of the data, never the time of the run). Dutch labels; values keep
their numbers with a number format per unit, so Excel shows them in the reader's
locale (1.234,5 in Dutch Excel) and they stay usable in formulas.

Text from the catalogue or the data (titles, names, units, footnotes, a local CSV's
status) is always written as text, never as a formula, link or number: a title such as
``=HYPERLINK(...)`` reads back verbatim. Sheet names are derived from theme titles so
that any title the catalogue accepts makes a valid, unique sheet (export/sheet_names.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bwmonitor.compute.aggregation import by_note, same_area_note, weight_notes
from bwmonitor.compute.breaks import BREAK_MARK, definition_breaks
from bwmonitor.compute.comparison import POINTS_UNIT, recent_change, trend
from bwmonitor.compute.ranking import LEVEL_PLURALS, Summary, ranked_level
from bwmonitor.compute.scores import RANK_CAVEAT, RANK_FORMULA, ThemeStanding, score_formula
from bwmonitor.compute.trend import ALPHA, BETTER, MIN_POINTS, TREND_WINDOW, WORSE, short_reading
from bwmonitor.core.catalog import Capital, Catalog, Direction, Indicator
from bwmonitor.core.periods import COMPUTED_MARK, MARKER_LEGEND, marks, year_code
from bwmonitor.core.units import EURO, PERCENT, Quantity
from bwmonitor.publish.sheet_names import sheet_names
from bwmonitor.publish.tables import LevelPosition, overview, overview_summaries

if TYPE_CHECKING:
    import polars as pl
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

LICENCE = "CBS, CC BY 4.0"
BEST, WORST = "#C6EFCE", "#FFC7CE"  # Excel's own good/bad fills
OVERVIEW_SHEET, DATA_SHEET, SOURCES_SHEET = "Overzicht", "Gegevens", "Bronnen"
SCORES_SHEET = "Posities en scores"
SCORE_FORMAT = "0.0"
# xlsxwriter's write() turns text starting with '=' into a formula and 'http://...' into
# a link; text from a catalogue or a CSV must stay text (polars' write_excel of the data
# sheet writes through the same workbook, so these options cover it too)
TEXT_STAYS_TEXT = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True, slots=True)
class SourceRow:
    table_id: str
    title: str
    modified: str
    fetched: str
    url: str
    note: str = ""  #: e.g. "verouderd sinds 2026-07-02: ..." for a table update could not refresh


def number_format(quantity: Quantity, suffix: str = "") -> str:
    """Excel format for the reader's amount: '#,##0.0"%"', '"€ "#,##0', with a marker suffix."""
    decimals = max(quantity.reader_decimals, 0)
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    mark = f'"{suffix}"' if suffix else ""
    if quantity.unit.name == EURO:
        return f'"€ "{digits}{mark}'
    if quantity.unit.name == PERCENT:
        return f'{digits}"%"{mark}'
    return f"{digits}{mark}"


def change_format(quantity: Quantity, change_unit: str) -> str:
    """Excel format of a recent change, signed: in % ('+0.0"%"'), in percentage points
    ('+0.0" %-punt"'), or in the unit's own decimals (a rate, a score)."""
    if change_unit == "%":
        digits, suffix = "0.0", '"%"'
    else:
        decimals = max(quantity.reader_decimals, 0)
        digits = "#,##0" + ("." + "0" * decimals if decimals else "")
        suffix = '" %-punt"' if change_unit == POINTS_UNIT else ""
    return f"+{digits}{suffix};-{digits}{suffix};{digits}{suffix}"


def cell_value(value: float, quantity: Quantity) -> float:
    """The reader's amount of CBS's value (28,4 thousand euro -> 28400).

    Unscaled values keep every digit, for formulas; the number format shows the
    decimals. A scaled one is written as printed: no format rounds 28437 to hundreds.
    """
    return quantity.amount(value) if quantity.unit.scale != 1 else value


class _Formats:
    """xlsxwriter formats made once per distinct look."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.cache: dict[tuple[Any, ...], Any] = {}
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.header = workbook.add_format(
            {"bold": True, "bottom": 1, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
        )
        self.note = workbook.add_format({"italic": True, "font_color": "#595959"})
        self.theme = workbook.add_format({"bold": True})
        self.score = workbook.add_format({"num_format": SCORE_FORMAT})

    def value(self, quantity: Quantity, suffix: str, fill: str | None = None) -> Any:
        key = (quantity, suffix, fill)
        if key not in self.cache:
            spec: dict[str, Any] = {"num_format": number_format(quantity, suffix)}
            if fill:
                spec["bg_color"] = fill
            self.cache[key] = self.workbook.add_format(spec)
        return self.cache[key]

    def change(self, quantity: Quantity, change_unit: str) -> Any:
        """A recent change with its sign: '+2,9 %-punt', '-1,2%', '+10'."""
        key = ("change", quantity, change_unit)
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format(
                {"num_format": change_format(quantity, change_unit)}
            )
        return self.cache[key]

    def fill(self, colour: str | None) -> Any:
        """A text cell filled green or red (None: no fill)."""
        key = ("fill", colour)
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format({"bg_color": colour} if colour else {})
        return self.cache[key]

    def out_of(self, total: int, fill: str | None = None) -> Any:
        """A whole number read as 'k van N': 12 shows '12 van 40' and stays a number."""
        key = ("van", total, fill)
        if key not in self.cache:
            spec: dict[str, Any] = {"num_format": f'0" van {total}"'}
            if fill:
                spec["bg_color"] = fill
            self.cache[key] = self.workbook.add_format(spec)
        return self.cache[key]


def write_workbook(
    path: Path,
    long: pl.DataFrame,
    quartiles: Mapping[tuple[str, str, int], int],
    catalog: Catalog,
    indicators: Sequence[Indicator],
    sources: Sequence[SourceRow],
    region_names: Mapping[str, str],
    created: datetime,
    positions: Mapping[tuple[str, str, int], LevelPosition] | None = None,
    scores: Scores | None = None,
) -> None:
    """`region_names`: the overview's columns (region code -> name), in order;
    `positions`: their positions at their level (`tables.positions`); `scores`: the
    scores 0–10 and the themes summed up, for score columns and the sheet "Posities en
    scores"."""
    from xlsxwriter import Workbook

    workbook = Workbook(str(path), TEXT_STAYS_TEXT)
    workbook.set_properties({"title": catalog.title, "author": "bwmonitor", "created": created})
    formats = _Formats(workbook)
    overview_width = _overview_sheet(
        workbook.add_worksheet(OVERVIEW_SHEET),
        formats,
        long,
        indicators,
        region_names,
        catalog,
        positions or {},
    )
    if scores is not None:
        overview_sheet = workbook.get_worksheet_by_name(OVERVIEW_SHEET)
        _overview_scores(
            overview_sheet, formats, overview_width, long, indicators, region_names, scores
        )
    # a sheet per theme ("hier en nu"), then one per capital ("later") that has indicators
    groups = [
        (theme.title, members)
        for theme in catalog.themes.values()
        if (members := [i for i in indicators if i.theme == theme.id])
    ] + [
        (capital.label, members)
        for capital in Capital
        if (members := [i for i in indicators if i.capital is capital])
    ]
    names = sheet_names(
        [title for title, _ in groups],
        reserved=(OVERVIEW_SHEET, DATA_SHEET, SOURCES_SHEET, SCORES_SHEET),
    )
    for name, (_, members) in zip(names, groups, strict=True):
        sheet = workbook.add_worksheet(name)
        width = _theme_sheet(sheet, formats, long, members, quartiles)
        if scores is not None:
            _theme_sheet_scores(sheet, formats, width, long, members, scores)
    if scores is not None and scores.themes_shown:
        _scores_sheet(workbook.add_worksheet(SCORES_SHEET), formats, scores)
    long.write_excel(
        workbook,
        DATA_SHEET,
        autofilter=True,
        freeze_panes=(1, 0),
        float_precision=6,
        header_format={"bold": True, "bg_color": "#DDEBF7"},
        autofit=True,
    )
    _sources_sheet(workbook.add_worksheet(SOURCES_SHEET), formats, sources)
    workbook.close()


def _write_texts(
    sheet: Worksheet, row: int, col: int, texts: Sequence[str], cell_format: Any = None
) -> None:
    """A row of text cells; text that looks like a formula, link or number stays text."""
    for offset, text in enumerate(texts):
        if text:
            sheet.write_string(row, col + offset, text, cell_format)
        else:  # an empty cell, not an empty string
            sheet.write_blank(row, col + offset, None, cell_format)


def _overview_sheet(
    sheet: Worksheet,
    formats: _Formats,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    region_names: Mapping[str, str],
    catalog: Catalog,
    positions: Mapping[tuple[str, str, int], LevelPosition],
) -> int:
    """Tabel 1; returns its number of columns."""
    sheet.write_string(0, 0, f"{catalog.title}: regionale vergelijking", formats.title)
    columns = list(region_names)
    # each region's value, and next to it its position when its level places regions
    value_columns: list[int] = []
    position_columns: dict[str, int] = {}
    headers = ["Indicator", "Jaar", "Eenheid"]
    for code, name in region_names.items():
        value_columns.append(len(headers))
        headers.append(name)
        level = ranked_level(code)
        if level is not None:
            position_columns[code] = len(headers)
            headers.append(f"positie onder de {LEVEL_PLURALS[level.value]}")
    _write_texts(sheet, 2, 0, headers, formats.header)
    sheet.freeze_panes(3, 1)
    row = 3
    rows = overview(long, indicators, columns)
    for item in rows:
        ind = item.indicator
        sheet.write_string(row, 0, ind.title)
        if item.year:
            sheet.write_number(row, 1, item.year)
        _write_texts(sheet, row, 2, [ind.quantity.unit.name])
        for col, code, (value, status, computed) in zip(
            value_columns, columns, item.cells, strict=True
        ):
            if value is None:
                sheet.write_string(row, col, ".")
            else:
                sheet.write_number(
                    row,
                    col,
                    cell_value(value, ind.quantity),
                    formats.value(ind.quantity, marks(status, computed)),
                )
            position = positions.get((ind.id, code, item.year)) if item.year else None
            if code in position_columns and position is not None:
                fill = None
                if ind.better is not Direction.NEUTRAL:
                    fill = {1: BEST, 4: WORST}.get(position.quarter)
                sheet.write_number(
                    row,
                    position_columns[code],
                    position.position,
                    formats.out_of(position.of, fill),
                )
        row += 1
    sheet.autofilter(2, 0, row - 1, len(headers) - 1)
    summaries = overview_summaries(rows, columns, positions)
    row = _summary_block(
        sheet, formats, row + 1, dict(zip(value_columns, columns, strict=True)), summaries
    )
    _legend(sheet, formats, row + 1, indicators, long, OVERVIEW_LEGEND)
    sheet.set_column(0, 0, 48)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, len(headers) - 1, 17)
    return len(headers)


POSITION_LEGEND = (
    "positie: k van N = de k-de van de N gemeenten, COROP-gebieden of provincies (het "
    "niveau van de regio) met een cijfer dat jaar; 1 = beste (zonder beter of slechter: "
    "1 = hoogste)"
)
SUMMARY_LEGEND = (
    "Samenvatting: beste en slechtste kwart van de positie; indicatoren zonder beter of "
    "slechter en aantallen tellen daar niet mee"
)
#: the workbook fills the best quarter green and the worst red (the report: its own)
OVERVIEW_LEGEND = (
    f"{POSITION_LEGEND}; groen: beste kwart, rood: slechtste kwart",
    SUMMARY_LEGEND,
)


def _summary_block(
    sheet: Worksheet,
    formats: _Formats,
    row: int,
    columns: Mapping[int, str],
    summaries: Mapping[str, Summary],
) -> int:
    """Under the table, per region in its value column: its indicators with a value,
    and those in the best and the worst quarter of its level ('6 van 38'), as CBS's
    regional monitor sums a region up. Returns the row after the block."""
    sheet.write_string(row, 0, "Samenvatting per regio", formats.theme)
    for offset, label in enumerate(SUMMARY_LABELS, start=1):
        sheet.write_string(row + offset, 0, label)
    for col, code in columns.items():
        counts = _summary_counts(summaries[code])
        for offset, count in enumerate(counts, start=1):
            if count is not None:
                number, total = count
                sheet.write_number(row + offset, col, number, formats.out_of(total))
    return row + len(SUMMARY_LABELS) + 1


SUMMARY_LABELS = (
    "Indicatoren met een waarde",
    "Indicatoren in het beste kwart van hun niveau",
    "Indicatoren in het slechtste kwart van hun niveau",
)


def _summary_counts(of_region: Summary) -> list[tuple[int, int] | None]:
    """(number, out of) for each of SUMMARY_LABELS; a region without positions that
    count (the country, a custom region) has no best or worst quarter: None."""
    placed = of_region.placed
    return [
        (of_region.with_value, of_region.shown),
        (of_region.best, placed) if placed else None,
        (of_region.worst, placed) if placed else None,
    ]


def _legend(
    sheet: Worksheet,
    formats: _Formats,
    row: int,
    indicators: Sequence[Indicator],
    long: pl.DataFrame,
    extra: Sequence[str] = (),
) -> None:
    lines = [
        f"{COMPUTED_MARK} berekend door bwmonitor uit de cijfers van de gemeenten "
        "(som, som/som of gewogen gemiddelde; zie het blad Gegevens, kolom regel)",
        MARKER_LEGEND,
        ". = geen cijfer (niet gepubliceerd, of niet eerlijk uit gemeenten samen te stellen)",
        *extra,
        f"Bron: CBS StatLine ({LICENCE}); zie het blad Bronnen.",
    ]
    lines += [f"{ind.title}: {ind.footnote}" for ind in indicators if ind.footnote]
    # a weighted mean's footnote names the weight it used (and what it approximates)
    import polars as pl

    shown = long.filter(pl.col("indicator").is_in([ind.id for ind in indicators]))
    notes = weight_notes(zip(shown["indicator"], shown["regel"], strict=True))
    titles = {ind.id: ind.title for ind in indicators}
    lines += [
        f"{COMPUTED_MARK} {note}: {'; '.join(titles[i] for i in ids)}"
        for note, ids in by_note(notes).items()
    ]
    # CBS's own figure for a GGD region that is exactly the region: which one was used
    same_areas = weight_notes(zip(shown["indicator"], shown["regel"], strict=True), same_area_note)
    lines += [
        f"{note}: {'; '.join(titles[i] for i in ids)}" for note, ids in by_note(same_areas).items()
    ]
    # a series whose definition changes: its years do not all compare (compute/breaks.py)
    breaks = {ind.title: [str(b) for b in definition_breaks(ind)] for ind in indicators}
    lines += [
        f"{BREAK_MARK} breuk in de reeks, {found}: {'; '.join(names)}"
        for found, names in by_note(breaks).items()
    ]
    for offset, line in enumerate(lines):
        sheet.write_string(row + offset, 0, line, formats.note)


def _theme_sheet(
    sheet: Worksheet,
    formats: _Formats,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    quartiles: Mapping[tuple[str, str, int], int],
) -> int:
    """A theme's indicators per region and year; returns its number of columns."""
    ids = [i.id for i in indicators]
    mine = long.filter(long["indicator"].is_in(ids))
    years = sorted(set(mine["jaar"].to_list()))
    headers = ["Indicator", "Eenheid", "Regio", "Regionaam", "Niveau", *map(str, years)]
    _write_texts(sheet, 0, 0, headers, formats.header)
    sheet.freeze_panes(1, 4)
    cells: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    names: dict[str, tuple[str, str]] = {}
    for record in mine.iter_rows(named=True):
        key = (record["indicator"], record["regio"])
        cells.setdefault(key, {})[record["jaar"]] = record
        names[record["regio"]] = (record["regionaam"], record["niveau"])
    # after the years: the trend up to the row's last year, and the change since the
    # figure before it (compute/trend.py, comparison.recent_change), as compare has them
    trend_col = 5 + len(years)
    _write_texts(sheet, 0, trend_col, TREND_HEADERS, formats.header)
    row = 1
    for ind in indicators:
        for (indicator_id, region), by_year in cells.items():
            if indicator_id != ind.id:
                continue
            _write_texts(sheet, row, 0, [ind.title, ind.quantity.unit.name, region, *names[region]])
            for col, year in enumerate(years, start=5):
                found = by_year.get(year)
                if found is None:
                    continue
                quartile = quartiles.get((ind.id, region, year))
                fill = None
                if ind.better.value != "neutral":
                    fill = {1: BEST, 4: WORST}.get(quartile or 0)
                sheet.write_number(
                    row,
                    col,
                    cell_value(found["waarde"], ind.quantity),
                    formats.value(ind.quantity, marks(found["status"], found["berekend"]), fill),
                )
            _trend_cells(sheet, formats, row, trend_col, ind, by_year)
            row += 1
    sheet.autofilter(0, 0, max(row - 1, 1), trend_col + len(TREND_HEADERS) - 1)
    sheet.write_string(
        row + 1,
        0,
        "Groen: beste kwart van alle Nederlandse gemeenten dat jaar; "
        "rood: slechtste kwart (naar de richting van de indicator).",
        formats.note,
    )
    _legend(sheet, formats, row + 2, indicators, long, TREND_LEGEND)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 4, 14)
    sheet.set_column(5, 4 + len(years), 11)
    sheet.set_column(trend_col, trend_col, 22)
    sheet.set_column(trend_col + 1, trend_col + 2, 13)
    return trend_col + len(TREND_HEADERS)


TREND_HEADERS = ("trend", "recente verandering", "sinds")
TREND_LEGEND = (
    f"trend: lijn (kleinste kwadraten) door alle cijfers van de {TREND_WINDOW} "
    "kalenderjaren tot en met het laatste jaar van de rij; ▲/▼ = stijgend/dalend; "
    f"beter/slechter (groen/rood): significant (t-toets, {100 - ALPHA * 100:.0f}%); "
    "n.s. = geen significante verandering; te weinig = onvoldoende gegevens (minder dan "
    f"{MIN_POINTS} cijfers); jaren: het eerste en laatste cijfer",
    "recente verandering: van het vorige cijfer (jaar: sinds) tot het laatste; "
    "percentages in %-punt, per 1.000 en scores in hun eenheid, aantallen en bedragen in %",
)


def _trend_cells(
    sheet: Worksheet,
    formats: _Formats,
    row: int,
    col: int,
    ind: Indicator,
    by_year: Mapping[int, Mapping[str, Any]],
) -> None:
    """A row's trend ('▲ beter 2016–2023', green or red when significant), its recent
    change (a signed number in its unit or in %) and the year it is since."""
    points = [
        (year_code(year), found["waarde"])
        for year, found in sorted(by_year.items())
        if found["waarde"] is not None
    ]
    if not points:
        return
    last_period, last_value = points[-1]
    found = trend(points, last_period, ind.better)
    reading = short_reading(
        found["trend_movement"],
        found["trend_judgement"],
        found["trend_p"],
        ind.better is Direction.NEUTRAL,
    )
    if found["trend_from"] and found["trend_to"]:
        reading += f" {found['trend_from']}–{found['trend_to']}"
    colour = {BETTER: BEST, WORSE: WORST}.get(found["trend_judgement"] or "")
    sheet.write_string(row, col, reading, formats.fill(colour))
    change = recent_change(points, last_period, last_value, ind.quantity.unit.name)
    if change["change"] is None:
        return
    amount = change["change"]
    if change["change_unit"] != "%":  # in the unit: the reader's amount, as the values
        amount = cell_value(amount, ind.quantity)
    sheet.write_number(row, col + 1, amount, formats.change(ind.quantity, change["change_unit"]))
    sheet.write_number(row, col + 2, int(change["change_from"][:4]))


def _sources_sheet(sheet: Worksheet, formats: _Formats, sources: Sequence[SourceRow]) -> None:
    headers = [
        "Tabel",
        "Titel",
        "CBS gewijzigd",
        "Opgehaald / stand",
        "Adres",
        "Licentie",
        "Opmerking",
    ]
    _write_texts(sheet, 0, 0, headers, formats.header)
    sheet.freeze_panes(1, 0)
    for row, source in enumerate(sources, start=1):
        texts = [source.table_id, source.title, source.modified, source.fetched]
        _write_texts(sheet, row, 0, texts)
        if source.url:  # built by bwmonitor from a checked table id: a link is safe
            sheet.write_url(row, 4, source.url)
        sheet.write_string(row, 5, LICENCE)
        if source.note:  # only stale tables: the column stays empty otherwise
            sheet.write_string(row, 6, source.note)
    sheet.autofilter(0, 0, max(len(sources), 1), len(headers) - 1)
    sheet.set_column(0, 0, 11)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 3, 22)
    sheet.set_column(4, 4, 60)
    sheet.set_column(5, 5, 16)
    sheet.set_column(6, 6, 60)


# --- scores 0–10 and the themes summed up (compute/scores.py) ----------------------


@dataclass(frozen=True, slots=True)
class Scores:
    """What the workbook shows of the scores: per (indicator, region) the year and
    score 0–10 of its value; per region (code -> name, in the sheet's order) per theme
    its mean rank among Drenthe's 12 and its mean score; the trend's window."""

    by_indicator: Mapping[tuple[str, str], tuple[int, float]]
    themes: Mapping[str, Mapping[str, ThemeStanding]]
    regions: Mapping[str, str]
    window: int

    @property
    def themes_shown(self) -> bool:
        """Whether a region has a theme to sum up (a catalogue of context figures only,
        all neutral or counts, has none: no sheet of empty rows)."""
        return any(self.themes.get(code) for code in self.regions)


def _overview_scores(
    sheet: Worksheet,
    formats: _Formats,
    first: int,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    region_names: Mapping[str, str],
    scores: Scores,
) -> None:
    """After the overview's columns, one score column per region: the score of the
    value shown (empty when its year is not the row's, or it has none). At the end, so
    the columns before keep their places."""
    rows = overview(long, indicators, list(region_names))
    for offset, (code, name) in enumerate(region_names.items()):
        col = first + offset
        sheet.write_string(2, col, f"score (0–10) {name}", formats.header)
        for row, item in enumerate(rows, start=3):
            found = scores.by_indicator.get((item.indicator.id, code))
            if found is not None and found[0] == item.year:
                sheet.write_number(row, col, found[1], formats.score)
    sheet.set_column(first, first + len(region_names) - 1, 13)


def _theme_sheet_scores(
    sheet: Worksheet,
    formats: _Formats,
    first: int,
    long: pl.DataFrame,
    indicators: Sequence[Indicator],
    scores: Scores,
) -> None:
    """After the years of a theme sheet (from column `first`): each row's score year
    and score 0–10, in the order `_theme_sheet` wrote the rows."""
    mine = long.filter(long["indicator"].is_in([i.id for i in indicators]))
    _write_texts(sheet, 0, first, ["Scorejaar", "Score (0–10)"], formats.header)
    keys = list(dict.fromkeys(zip(mine["indicator"], mine["regio"], strict=True)))
    row = 1
    for ind in indicators:
        for indicator_id, region in keys:
            if indicator_id != ind.id:
                continue
            found = scores.by_indicator.get((indicator_id, region))
            if found is not None:
                sheet.write_number(row, first, found[0])
                sheet.write_number(row, first + 1, found[1], formats.score)
            row += 1
    sheet.set_column(first, first + 1, 12)


SCORES_HEADERS = (
    "Regio",
    "Regionaam",
    "Thema",
    "Gemiddelde rang onder de 12 Drentse gemeenten",
    "Aantal indicatoren (rang)",
    "Thema-score (0–10)",
    "Aantal indicatoren (score)",
)


def _scores_sheet(sheet: Worksheet, formats: _Formats, scores: Scores) -> None:
    """Per region (Drenthe's municipalities, then the overview's regions) and theme: its
    mean rank among the 12 and its theme score, each with the number of indicators it
    is over; the bureau's caveat and the formulas below."""
    sheet.write_string(0, 0, "Posities en scores per thema", formats.title)
    _write_texts(sheet, 2, 0, SCORES_HEADERS, formats.header)
    sheet.freeze_panes(3, 3)
    row = 3
    for code, name in scores.regions.items():
        for theme, standing in scores.themes.get(code, {}).items():
            _write_texts(sheet, row, 0, [code, name, theme])
            if standing.rank is not None:
                sheet.write_number(row, 3, standing.rank, formats.score)
                sheet.write_number(row, 4, standing.ranked)
            if standing.score is not None:
                sheet.write_number(row, 5, standing.score, formats.score)
                sheet.write_number(row, 6, standing.scored)
            row += 1
    sheet.autofilter(2, 0, max(row - 1, 3), len(SCORES_HEADERS) - 1)
    legend = [
        RANK_CAVEAT,
        RANK_FORMULA,
        score_formula(scores.window),
        f"Bron: CBS StatLine ({LICENCE}); bewerking bwmonitor.",
    ]
    for offset, line in enumerate(legend):
        sheet.write_string(row + 1 + offset, 0, line, formats.note)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 2, 24)
    sheet.set_column(3, 6, 16)
