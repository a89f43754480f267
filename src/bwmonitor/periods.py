"""CBS period codes ('2023JJ00', '2023KW02') and their status markers."""

from __future__ import annotations

STATUS_MARKERS = {"Definitief": "", "Voorlopig": "*", "NaderVoorlopig": "**"}
MARKER_LEGEND = "* voorlopig cijfer, ** nader voorlopig cijfer"


def marker(status: str | None) -> str:
    """'*' for provisional, '**' for revised provisional, '' for definitive or unknown."""
    return STATUS_MARKERS.get(status or "", "")


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
