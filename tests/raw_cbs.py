"""Readings of the raw CBS files in data/cbs/, made by the tests themselves, never by
bwmonitor: the independent side of a comparison with what bwmonitor prints."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "cbs"


def kwb_2020_bijstand() -> dict[str, tuple[int, int]]:
    """(persons with bijstand, inhabitants) per municipality with a bijstand figure, from
    CBS's raw KWB 2020 file (84799NED)."""
    with (DATA / "84799NED_kwb2020_gemeenten.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["WijkenEnBuurten"].strip(): (
                int(row["PersonenPerSoortUitkeringBijstand_83"]),
                int(row["AantalInwoners_5"]),
            )
            for row in csv.DictReader(handle)
            if row["WijkenEnBuurten"].startswith("GM")
            and row["PersonenPerSoortUitkeringBijstand_83"].strip()
        }
