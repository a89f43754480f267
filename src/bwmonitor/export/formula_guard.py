"""Text that a spreadsheet would run as a formula, made inert for CSV files.

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, after a tab or carriage return, the same) as a formula, so a title such
as ``=HYPERLINK(...)`` in a catalogue or a local CSV would run when a colleague opens
an exported CSV file. Following OWASP's advice on CSV injection, such **text** fields get
a leading single quote; numbers are never touched (a difference of -17958436 stays a
number). The workbook needs none of this: it writes text as text cells (export/xlsx.py).
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
