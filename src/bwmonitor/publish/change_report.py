"""The change report of an update, in Markdown (for people) and JSON (for scripts).

The Markdown shows every revised figure of Drenthe's municipalities and of the regions
bwmonitor knows (COROP, Drenthe, Nederland, the catalogue's own regions) and counts
the rest; the JSON lists every figure. docs/update.md describes both.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bwmonitor.compute.changes import Revision, TableChange
from bwmonitor.core.catalog import Catalog
from bwmonitor.core.errors import StoreError
from bwmonitor.core.formatting import with_unit
from bwmonitor.core.periods import COMPUTED_MARK, MARKER_LEGEND, label, marks
from bwmonitor.core.regions import DRENTHE_REGIONS, Level, RegionRegistry
from bwmonitor.store.stale import StaleTable

REPORT_NAME = "wijzigingen"

REASONS = {
    "first": "eerste export: er is nog geen eerdere export om mee te vergelijken",
    "changed": "CBS heeft tabellen gewijzigd sinds de vorige export",
    "inputs": "de catalogus of een eigen bestand is gewijzigd sinds de vorige export",
    "missing": "de vorige export ontbreekt: verwijderd, onleesbaar of niet onder deze --out",
    "forced": "export op verzoek (--force); de gegevens zijn niet gewijzigd",
}


@dataclass
class ChangeReport:
    run_id: str
    created: str  #: ISO time, UTC
    export_folder: str
    reason: str  #: a key of REASONS
    previous: Mapping[str, Any] | None  #: the last export: run_id, created, folder
    tables: list[TableChange]
    new_periods: dict[str, list[str]] = field(default_factory=dict)
    revisions: list[Revision] = field(default_factory=list)
    #: why figures could not be compared, when they could not
    revisions_unavailable: str = ""
    #: tables that could not be refreshed and were exported in their last good version
    stale: list[StaleTable] = field(default_factory=list)

    def summary(self) -> str:
        """'1 table changed, 2 figures revised, 0 new periods', for the terminal and log."""
        new_periods = sum(len(p) for p in self.new_periods.values())
        parts = [
            _count(len(self.tables), "table") + " changed",
            _count(len(self.revisions), "figure") + " revised",
            _count(new_periods, "new period"),
        ]
        if self.stale:
            parts.append(_count(len(self.stale), "table") + " stale")
        return ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def write(
    folder: Path,
    report: ChangeReport,
    catalog: Catalog,
    registry: RegionRegistry,
) -> list[Path]:
    """Write wijzigingen.md and wijzigingen.json into folder; return their paths."""
    markdown = folder / f"{REPORT_NAME}.md"
    data = folder / f"{REPORT_NAME}.json"
    markdown.write_text(to_markdown(report, catalog, registry), encoding="utf-8")
    data.write_text(
        json.dumps(to_json(report, registry), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return [markdown, data]


def keep_copy(export_folder: Path, history: Path, run_id: str) -> list[Path]:
    """Copy the report of an export to <history>/<run id>.md|.json, which later exports
    of the same day do not replace."""
    copies = [history / f"{run_id}{suffix}" for suffix in (".md", ".json")]
    try:
        history.mkdir(parents=True, exist_ok=True)
        for copy in copies:
            shutil.copyfile(export_folder / f"{REPORT_NAME}{copy.suffix}", copy)
    except OSError as error:
        raise StoreError(
            f"cannot keep the change report in {history}: {error.strerror or error}",
            hint=f"the export and its report are complete in {export_folder}",
        ) from None
    return copies


def to_json(report: ChangeReport, registry: RegionRegistry) -> dict[str, Any]:
    return {
        "run_id": report.run_id,
        "created": report.created,
        "export_folder": report.export_folder,
        "reason": report.reason,
        "previous_export": dict(report.previous) if report.previous else None,
        "tables": [asdict(t) for t in report.tables],
        "new_periods": report.new_periods,
        "revisions": [
            {**asdict(r), "region_name": registry.name_of(r.region)} for r in report.revisions
        ],
        "revisions_unavailable": report.revisions_unavailable or None,
        "stale": [table.as_json() for table in report.stale],
    }


def to_markdown(report: ChangeReport, catalog: Catalog, registry: RegionRegistry) -> str:
    lines = [
        "# Wijzigingen in de cijfers",
        "",
        f"Update {report.run_id}, {_time(report.created)} UTC. Export: `{report.export_folder}`.",
        "",
        f"Reden: {REASONS[report.reason]}.",
    ]
    if report.previous:
        lines += [
            "",
            f"Vergeleken met de vorige export: `{report.previous.get('folder', '')}` "
            f"({_time(str(report.previous.get('created', '')))} UTC, "
            f"update {report.previous.get('run_id', '')}).",
        ]
    lines += _stale_section(report.stale)
    lines += _tables_section(report.tables)
    if report.reason == "first":
        return "\n".join(lines) + "\n"
    lines += _new_periods_section(report.new_periods, catalog)
    lines += _revisions_section(report, catalog, registry)
    computed = f"{COMPUTED_MARK} door bwmonitor berekend uit de gemeenten"
    lines += ["", f"Tekens: {MARKER_LEGEND}; {computed}.", ""]
    return "\n".join(lines)


ORIGINS = {"store": "de opslag", "last-export": "de vorige export", "snapshot": "de snapshot"}


def _stale_section(stale: list[StaleTable]) -> list[str]:
    """Tables update could not refresh: shown first, since their figures are old."""
    if not stale:
        return []
    lines = [
        "",
        "## Verouderde tabellen",
        "",
        "Deze tabellen konden niet worden bijgewerkt; de export gebruikt hun laatste goede "
        "versie. De cijfers eruit zijn verouderd.",
        "",
        "| Tabel | Verouderd sinds | CBS gewijzigd | Gelezen uit | Reden |",
        "|---|---|---|---|---|",
    ]
    for table in stale:
        origin = ORIGINS.get(table.origin, "geen eerdere versie: geen cijfers")
        lines.append(
            f"| {table.table_id} | {table.since or '-'} | {_time(table.modified) or '-'} "
            f"| {origin} | {table.reason.replace('|', '/')} |"
        )
    return lines


def _tables_section(tables: list[TableChange]) -> list[str]:
    lines = ["", "## Gewijzigde CBS-tabellen", ""]
    if not tables:
        return [*lines, "Geen."]
    lines += [
        "| Tabel | Titel | CBS gewijzigd, was | CBS gewijzigd, nu | Nieuwe perioden "
        "| Status gewijzigd |",
        "|---|---|---|---|---|---|",
    ]
    for table in tables:
        status = ", ".join(
            f"{label(s.period)}: {s.before.lower()} → {s.after.lower()}"
            for s in table.status_changes
        )
        lines.append(
            f"| {table.table_id} | {table.title} | {_time(table.modified_before) or 'nieuw'} "
            f"| {_time(table.modified_after)} "
            f"| {', '.join(label(p) for p in table.new_periods)} | {status} |"
        )
    return lines


def _new_periods_section(new_periods: dict[str, list[str]], catalog: Catalog) -> list[str]:
    lines = ["", "## Nieuwe perioden", ""]
    if not new_periods:
        return [*lines, "Geen."]
    for indicator_id, periods in new_periods.items():
        title = _title(catalog, indicator_id)
        lines.append(f"- {title}: {', '.join(label(p) for p in periods)}")
    return lines


def _revisions_section(
    report: ChangeReport, catalog: Catalog, registry: RegionRegistry
) -> list[str]:
    lines = ["", "## Herziene cijfers"]
    if report.revisions_unavailable:
        return [*lines, "", f"Niet te vergelijken: {report.revisions_unavailable}."]
    if not report.revisions:
        return [*lines, "", "Geen: geen enkel cijfer van de catalogus is veranderd."]
    shown_regions = _shown_regions(registry)
    by_indicator: dict[str, list[Revision]] = {}
    for revision in report.revisions:
        by_indicator.setdefault(revision.indicator, []).append(revision)
    for indicator_id, revisions in by_indicator.items():
        indicator = catalog.indicators.get(indicator_id)
        unit, decimals = (indicator.unit, indicator.decimals) if indicator else ("", 1)
        lines += ["", f"### {_title(catalog, indicator_id)}", ""]
        shown = [r for r in revisions if r.region in shown_regions]
        if shown:
            lines += ["| Regio | Periode | Was | Nu |", "|---|---|---|---|"]
        for r in shown:
            lines.append(
                f"| {registry.name_of(r.region)} | {label(r.period)} "
                f"| {_figure(r.old, r.old_status, r.computed, unit, decimals)} "
                f"| {_figure(r.new, r.new_status, r.computed, unit, decimals)} |"
            )
        others = len(revisions) - len(shown)
        if others:
            lines += [
                "",
                f"En {others} cijfer{'s' if others != 1 else ''} van andere regio's "
                f"(alle in {REPORT_NAME}.json).",
            ]
    return lines


def _shown_regions(registry: RegionRegistry) -> set[str]:
    # Drenthe's own regions and the catalogue's; the other provinces and COROP regions
    # are in the JSON report only
    return set(DRENTHE_REGIONS) | {
        r.code for r in registry.regions.values() if r.level is Level.CUSTOM
    }


def _figure(value: float | None, status: str, computed: bool, unit: str, decimals: int) -> str:
    if value is None:
        return "geen cijfer"
    return with_unit(value, unit, decimals) + marks(status, computed)


def _title(catalog: Catalog, indicator_id: str) -> str:
    indicator = catalog.indicators.get(indicator_id)
    return f"{indicator.title} (`{indicator_id}`)" if indicator else indicator_id


def _time(stamp: str) -> str:
    """'2026-11-23T02:00:01Z' -> '2026-11-23 02:00'."""
    return stamp.replace("T", " ")[:16]
