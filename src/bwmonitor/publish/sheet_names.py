"""Excel sheet names from catalogue titles: valid, unique, and still recognisable.

Excel refuses a sheet name that is empty, longer than 31 characters, holds one of
``/ \\ : ? * [ ]``, starts or ends with an apostrophe, equals another sheet's name
ignoring case, or is ``History`` (reserved for its change tracking). A catalogue title
may be any of these; the workbook gets a name derived from it instead of crashing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_LENGTH = 31  #: counted by Excel in UTF-16 units
EXCEL_RESERVED = ("History",)
FALLBACK = "Thema"
# readable stand-ins, so "Materiële welvaart: inkomen" becomes "Materiële welvaart - inkomen"
SUBSTITUTES = {":": " -", "/": "-", "\\": "-", "?": "", "*": "", "[": "(", "]": ")"}


def sheet_names(titles: Sequence[str], reserved: Iterable[str] = ()) -> list[str]:
    """One valid sheet name per title, in order, unique ignoring case and different from
    `reserved` (the workbook's fixed sheets) and Excel's reserved names. A name taken
    already gets " (2)", " (3)", ... within the 31 characters."""
    taken: set[str] = set()
    for name in (*reserved, *EXCEL_RESERVED):
        taken |= _keys(name)
    names = []
    for title in titles:
        base = valid_sheet_name(title)
        name, number = base, 1
        while _keys(name) & taken:
            number += 1
            suffix = f" ({number})"
            name = _strip(_cut(base, MAX_LENGTH - len(suffix))) + suffix
        taken |= _keys(name)
        names.append(name)
    return names


def valid_sheet_name(title: str) -> str:
    """`title` as a name Excel accepts (not yet unique): forbidden and control characters
    replaced, at most 31 characters, no apostrophe at either end, never empty."""
    text = "".join(SUBSTITUTES.get(c, c) for c in title)
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    text = re.sub(r"\s+", " ", text)
    return _strip(_cut(_strip(text), MAX_LENGTH)) or FALLBACK


def _keys(name: str) -> set[str]:
    # Excel compares names ignoring case; lower() is what xlsxwriter checks, casefold()
    # also catches ß/SS and the like
    return {name.lower(), name.casefold()}


def _strip(text: str) -> str:
    return text.strip(" '")


def _cut(text: str, limit: int) -> str:
    """The longest start of `text` that is at most `limit` UTF-16 units long."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text
