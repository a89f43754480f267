"""What the pipeline's steps return: plain records, for the API and the CLI to show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwmonitor.compute.comparison import Comparison
from bwmonitor.core.catalog import Indicator
from bwmonitor.core.errors import StaleTables
from bwmonitor.fetch.report import FetchReport
from bwmonitor.publish.change_report import ChangeReport
from bwmonitor.store.stale import StaleTable
from bwmonitor.store.tables import StoredTable


@dataclass(frozen=True, slots=True)
class TableInUse:
    """A table the catalogue reads, and its version in use (None: not at hand)."""

    table_id: str
    stored: StoredTable | None  #: from the store, else the snapshot; None: neither


@dataclass(frozen=True)
class Definition:
    """What an indicator counts, in its author's words, and who the author is."""

    paragraphs: tuple[str, ...]
    source: str  #: "CBS, tabel 84799NED", or the catalogue's definition_source


@dataclass(frozen=True, slots=True)
class SourceTable:
    """A CBS table an indicator reads, the measure it reads there, and the version at
    hand (None: neither fetched nor in the snapshot)."""

    label: str  #: the year of a table series; "" for a single table
    table_id: str
    measure: str | None
    stored: StoredTable | None


@dataclass
class IndicatorDetail:
    """Everything `catalog show` tells about one indicator."""

    indicator: Indicator
    theme: str
    csv_path: Path | None  #: a local CSV source
    tables: list[SourceTable]  #: empty for a ratio of two indicators
    periods: list[str]  #: periods with a value for at least one region
    regions_per_period: dict[str, int]
    gaps: list[str]
    definition: Definition | None = None


@dataclass
class ComparisonResult:
    comparison: Comparison
    data_used: list[str]  #: one line per table: id, origin and date


@dataclass
class ExportResult:
    folder: Path
    files: list[Path]
    data_used: list[str]


@dataclass
class UpdateResult:
    run_id: str
    fetch: FetchReport
    previous: Mapping[str, Any] | None  #: the last export before this run
    export: ExportResult | None = None  #: None: nothing changed, nothing exported
    report: ChangeReport | None = None
    report_files: list[Path] = field(default_factory=list)
    latest: Path | None = None
    #: tables that failed for good and were exported in their last good version
    stale: list[StaleTable] = field(default_factory=list)

    def stale_error(self) -> StaleTables | None:
        """The error a run with stale tables ends in (exit 1, so cron mails), or None."""
        if not self.stale:
            return None
        used = "the export used" if self.export is not None else "the last export keeps"
        lines = []
        for table in self.stale:
            where = "none: its figures are missing"
            if table.origin:
                where = (
                    f"CBS Modified {table.modified[:10] or '?'}, from {ORIGIN_TEXT[table.origin]}"
                )
            text = table.reason
            if table.table_id not in text:
                text = f"{table.table_id}: {text}"
            lines.append(f"{text}; {used} its last good version ({where})")
        hint = "fix indicators.toml or follow CBS's change"
        if self.export is None:
            hint = f"nothing else changed, nothing exported; {hint}"
        return StaleTables(lines, hint=hint)


ORIGIN_TEXT = {"store": "the store", "last-export": "the last export", "snapshot": "the snapshot"}
