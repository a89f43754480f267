"""Which key of a CBS table is the catalogue's measure, and which properties are dimensions.

A rule of the domain, not of the download: fetching a table, reading a stored one
and checking the catalogue against CBS's metadata all resolve a measure the same way.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.suggest import closest

#: DataProperties types that are dimensions of a table (the rest are topics: measures)
DIMENSION_TYPES = ("Dimension", "GeoDimension", "TimeDimension", "GeoDetail")
#: the dimension types whose codes are regions
REGION_TYPES = ("GeoDimension", "GeoDetail")
KEY_SUFFIX = re.compile(r"_\d+$")
#: a measure identifier of CBS's OData v4 (MeasureCodes), e.g. 'M000352', and in tables
#: that show one concept several ways, with a suffix and other letters: 'A018943_2'
V4_IDENTIFIER = re.compile(r"^[A-Z]\d{6}(_\d+)?$")


def is_v4_identifier(measure: str) -> bool:
    """Whether a catalogue measure names a v4 identifier rather than a v3 key."""
    return V4_IDENTIFIER.match(measure) is not None


def key_stem(key: str) -> str:
    """'GemiddeldInkomenPerInwoner_72' -> 'GemiddeldInkomenPerInwoner'."""
    return KEY_SUFFIX.sub("", key)


def resolve_measure(
    measure: str,
    keys: Collection[str],
    table_id: str,
    series: bool = False,
    *,
    titles: Mapping[str, str] | None = None,
) -> str:
    """The table's key for a catalogue measure: the key itself, or the one key with its stem.

    A full key ('BevolkingOp1Januari_1') must match exactly, except in a table series,
    where CBS renumbers keys every year. Stems compare case-insensitively: CBS wrote
    'NettoArbeidsparticipatie' in one KWB year and 'Nettoarbeidsparticipatie' in another.
    `keys` are the table's measure keys; `titles` (key -> title), where known, name the
    choices when a stem is ambiguous.
    """
    if measure in keys:
        return measure
    stem = key_stem(measure).lower()
    stem_allowed = series or key_stem(measure) == measure
    by_stem = [key for key in keys if stem_allowed and key_stem(key).lower() == stem]
    if len(by_stem) == 1:
        return by_stem[0]
    if len(by_stem) > 1:
        choices = ", ".join(f"{k} ({(titles or {}).get(k, '')})" for k in by_stem)
        raise CbsTableChanged(
            f"measure {measure!r} is ambiguous in CBS table {table_id}: {choices}",
            hint="name the full key in indicators.toml",
        )
    stems = {key_stem(key): key for key in keys}
    best = closest(key_stem(measure), stems)
    guess = f"; did you mean {stems[best]!r}?" if best else ""
    raise CbsTableChanged(
        f"CBS table {table_id} has no measure {measure!r}{guess}",
        hint="CBS may have renamed or dropped it; fix indicators.toml",
    )
