"""CBS period codes ('2023JJ00', '2023KW02'), the status of a period's figures, and the
marks that follow a figure. Every module asks here: none spells a status, a mark or a
period code itself."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# CBS's status of a period's figures (Perioden.Status), and "" where the source
# records none: CBS's first estimate is Voorlopig, revised it is NaderVoorlopig.
DEFINITIVE = "Definitief"
REVISED_PROVISIONAL = "NaderVoorlopig"
PROVISIONAL = "Voorlopig"
UNKNOWN_STATUS = ""
#: most definitive first; an unknown status might be either, so it sits between
STATUS_ORDER = (DEFINITIVE, UNKNOWN_STATUS, REVISED_PROVISIONAL, PROVISIONAL)

STATUS_MARKERS = {DEFINITIVE: "", PROVISIONAL: "*", REVISED_PROVISIONAL: "**"}
MARKER_MEANINGS = {"*": "voorlopig cijfer", "**": "nader voorlopig cijfer"}
MARKER_LEGEND = ", ".join(f"{mark} {meaning}" for mark, meaning in MARKER_MEANINGS.items())
# a figure bwmonitor computed from CBS figures (a region's sum, ratio or weighted mean)
COMPUTED_MARK = "†"
COMPUTED_LEGEND = f"{COMPUTED_MARK} berekend door bwmonitor uit CBS-cijfers"


def marker(status: str | None) -> str:
    """'*' for provisional, '**' for revised provisional, '' for definitive or unknown."""
    return STATUS_MARKERS.get(status or "", "")


def marks(status: str | None, computed: bool) -> str:
    """What follows a figure: its status marker, then '†' when bwmonitor computed it
    ('**†', '†', '*', '')."""
    return marker(status) + (COMPUTED_MARK if computed else "")


def label(period: str) -> str:
    """'2023JJ00' -> '2023', '2023KW02' -> '2023 2e kwartaal', others unchanged."""
    year, kind, number = period[:4], period[4:6], period[6:]
    if kind == "JJ":
        return year
    if kind == "KW":
        return f"{year} {int(number)}e kwartaal"
    if kind == "MM":
        return f"{year}-{number}"
    return period


#: CBS's code for a year ends in this: '2023JJ00'
YEAR_SUFFIX = "JJ00"
YEAR = re.compile(r"^\d{4}$")
YEAR_CODE = re.compile(rf"^\d{{4}}{YEAR_SUFFIX}$")
YEAR_SPAN = re.compile(r"^(\d{4})-(\d{4})$")


def year_code(year: str | int) -> str:
    """'2023' -> '2023JJ00', CBS's code for a year."""
    return f"{year}{YEAR_SUFFIX}"


def year_periods(column: str = "period") -> pl.Expr:
    """True where `column` holds a year's code ('2023JJ00'), not a quarter's, a
    month's or a span of years."""
    import polars as pl

    return pl.col(column).str.ends_with(YEAR_SUFFIX)


def year_of(column: str = "period") -> pl.Expr:
    """The year of a period code in `column` as a number: '2023JJ00' -> 2023."""
    import polars as pl

    return pl.col(column).str.slice(0, 4).cast(pl.Int32)


def table_period(period: str | None) -> str | None:
    """The year code of a table without a Perioden dimension, from its TableInfos
    `Period` ('2020' -> '2020JJ00'); None unless that names exactly one year.

    The KWB tables (84799NED, 85984NED, ...) hold one year each and say which only there.
    """
    text = (period or "").strip()
    return year_code(text) if YEAR.match(text) else None


def local_period(text: str) -> str | None:
    """A local CSV's period as stored: a year ('2023', or CBS's '2023JJ00') becomes
    '2023JJ00', a span of years ('2018-2021', first before last) stays as written;
    None for anything else."""
    text = text.strip()
    if YEAR.match(text):
        return year_code(text)
    if YEAR_CODE.match(text):
        return text
    span = YEAR_SPAN.match(text)
    if span and span.group(1) < span.group(2):
        return text
    return None
