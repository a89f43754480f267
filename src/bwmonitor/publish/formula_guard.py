"""Text that a spreadsheet would run as a formula, made inert for CSV files.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, after a tab or carriage return, the same) as a formula, so a title such
as ``=HYPERLINK(...)`` in a catalogue or a local CSV would run when a colleague opens
an exported CSV file. Following OWASP's advice on CSV injection, such **text** fields get
a leading single quote; numbers are never touched (a difference of -17958436 stays a
number). The workbook needs none of this: it writes text as text cells (export/xlsx.py).

Two dialects (docs/data.md): the plain CSV for scripts (`,`, decimal point, no BOM), and
with `--excel` the one Excel with Dutch settings opens as columns of numbers: `;`
between fields, a decimal comma, and a UTF-8 byte order mark so it reads UTF-8.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
INERT_PREFIX = "'"


def neutralise(text: str) -> str:
    """``'=1+2`` for ``=1+2``; any other text unchanged."""
    return INERT_PREFIX + text if text.startswith(FORMULA_TRIGGERS) else text


def neutralise_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record with its text values neutralised; numbers, booleans and None as they are."""
    return {k: neutralise(v) if isinstance(v, str) else v for k, v in record.items()}


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every String column neutralised; numeric columns as they are."""
    import polars as pl

    triggers = "^[" + "".join(FORMULA_TRIGGERS).replace("-", r"\-") + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(triggers))
        .then(pl.lit(INERT_PREFIX) + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


EXCEL_SEPARATOR = ";"
EXCEL_BOM = "\ufeff"  #: without it Excel reads the file in the system's code page


def excel_field(value: Any) -> str:
    """One field of the Excel dialect: numbers bare with a decimal comma (28,4), booleans
    bare, None empty, text neutralised and quoted with any `"` doubled."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return repr(value).replace(".", ",")
    text = neutralise(str(value)).replace('"', '""')
    return f'"{text}"'


def excel_csv(rows: list[dict[str, Any]]) -> str:
    """Records (already flat) as the Excel dialect: BOM, header row, `;`, `\\n` line ends."""
    if not rows:
        return ""
    lines = [EXCEL_SEPARATOR.join(excel_field(name) for name in rows[0])]
    lines += [EXCEL_SEPARATOR.join(excel_field(v) for v in row.values()) for row in rows]
    return EXCEL_BOM + "\n".join(lines) + "\n"
