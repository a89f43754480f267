"""CBS's `Modified` of a table, as one instant in UTC whichever road said it.

The two APIs write the same moment differently:

- v4 (`Properties.Modified`) gives the Dutch local time with its offset:
  ``2026-06-23T00:00:00+02:00``, midnight of the publication day;
- v3 (`TableInfos.Modified`) gives a time without offset, two hours later on the clock:
  ``2026-06-23T02:00:00``. Every v3 `Modified` we have seen, in summer and in winter time
  (84799NED: ``2021-03-26T02:00:00``), is the publication day at 02:00; read as Dutch
  local time minus two hours, it is the same instant v4 gives.

Comparing the instants, not the texts, means that a table fetched through the other road
is not "changed" (no needless download or export), and a real change is never missed:
a later publication is a later instant on either road.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
#: how far v3's clock runs ahead of the Dutch local time v4 writes
V3_CLOCK_AHEAD = timedelta(hours=2)


def modified_instant(text: str) -> datetime | None:
    """The moment a `Modified` text names, in UTC; None when it is not a timestamp."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:  # v3
        moment = (moment - V3_CLOCK_AHEAD).replace(tzinfo=DUTCH_TIME)
    return moment.astimezone(UTC)


def modified_utc(text: str) -> str:
    """`modified_instant` as text (``2026-06-22T22:00:00Z``), or the text itself when it
    is not a timestamp, so that two unreadable texts still compare as texts."""
    moment = modified_instant(text)
    if moment is None:
        return text.strip()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def same_modified(one: str, other: str) -> bool:
    """Whether two `Modified` texts, from either road, name the same moment."""
    return modified_utc(one) == modified_utc(other)
