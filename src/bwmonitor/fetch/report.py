"""What a fetch reports: one outcome per table, the run's report, and its progress events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bwmonitor.core.errors import BwmonitorError


@dataclass
class TableOutcome:
    """What happened to one table during a fetch; also the event "this table is done"."""

    table_id: str
    status: str  #: "updated", "unchanged", "failed" or "skipped"
    modified: str = ""
    previous_modified: str = ""
    rows: int = 0
    requests: int = 0
    bytes: int = 0
    error: BwmonitorError | None = None
    problems: list[str] = field(default_factory=list)  #: the catalogue asks what CBS lacks
    warnings: list[str] = field(default_factory=list)  #: one year of a series lacks a measure
    notices: list[str] = field(default_factory=list)  #: a damaged stored table, repaired
    road: str = ""  #: the API that answered: "v3" or "v4" ("" when none did)


@dataclass
class FetchReport:
    """Every table's outcome, in the catalogue's order."""

    data_dir: str
    outcomes: list[TableOutcome]

    @property
    def failures(self) -> list[tuple[str, BwmonitorError]]:
        return [(o.table_id, o.error) for o in self.outcomes if o.error is not None]

    @property
    def problems(self) -> list[str]:
        return [p for o in self.outcomes for p in o.problems]

    @property
    def warnings(self) -> list[str]:
        return [w for o in self.outcomes for w in o.warnings]

    @property
    def notices(self) -> list[str]:
        return [n for o in self.outcomes for n in o.notices]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def roads(self) -> dict[str, int]:
        """How many tables each road answered for, e.g. {"v3": 3, "v4": 1}."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.road:
                counts[outcome.road] = counts.get(outcome.road, 0) + 1
        return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class FetchStarted:
    """The event "the fetch starts, with these tables"."""

    table_ids: tuple[str, ...]


FetchEvent = FetchStarted | TableOutcome
#: receives a fetch's events as they happen (the CLI draws its progress bar from them)
FetchProgress = Callable[[FetchEvent], None]
