"""Charts drawn by a pool of worker processes: the same bytes as drawn one by one, and
nothing written once the export stops."""

from __future__ import annotations

import _thread
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("matplotlib")

from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.regions import DRENTHE, DRENTHE_MUNICIPALITIES, NETHERLANDS
from bwmonitor.publish import chart_set
from bwmonitor.publish.chart_set import write_charts
from bwmonitor.publish.tables import LONG_COLUMNS, overview_columns

# a count (municipalities and map only) and a share (all four charts)
INDICATORS = ("inwoners", "aandeel_65plus")
YEARS = (2021, 2022, 2023)


def long_table(indicator_ids: tuple[str, ...]) -> Any:
    """A small long table: every region of the overview, three years, a provisional
    last year and computed values for the province."""
    import polars as pl

    names = {DRENTHE: "Drenthe", NETHERLANDS: "Nederland"}
    codes = [*DRENTHE_MUNICIPALITIES, *overview_columns()]
    records = [
        {
            "thema": "Thema",
            "indicator": indicator_id,
            "titel": "titel",
            "eenheid": "%",
            "regio": code,
            "regionaam": names.get(code, code),
            "niveau": "gemeente",
            "jaar": year,
            "waarde": 10.0 + 3.7 * number + 0.9 * (year - YEARS[0]) + index,
            "schaal": 1,
            "status": "Voorlopig" if year == YEARS[-1] else None,
            "bron": "85525NED",
            "berekend": code == DRENTHE,
            "regel": "som" if code == DRENTHE else None,
        }
        for index, indicator_id in enumerate(indicator_ids)
        for number, code in enumerate(dict.fromkeys(codes))
        for year in YEARS
    ]
    return pl.DataFrame(records).select(LONG_COLUMNS)


def shipped_indicators(ids: tuple[str, ...]) -> list[Any]:
    catalog = catalog_module.load(None)
    return [catalog.indicators[i] for i in ids]


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_pool_writes_the_same_bytes_as_drawing_one_by_one(tmp_path: Path) -> None:
    """Every PNG and SVG drawn by two worker processes ("spawn") is byte for byte the
    file the exporting process draws itself, and the list of files is in the same order."""
    long = long_table(INDICATORS)
    indicators = shipped_indicators(INDICATORS)
    serial = write_charts(tmp_path / "serial", long, indicators, overview_columns(), workers=1)
    pooled = write_charts(tmp_path / "pool", long, indicators, overview_columns(), workers=2)
    assert [p.name for p in pooled] == [p.name for p in serial]
    assert len(serial) == 2 * (2 + 4)  # PNG and SVG of each chart
    assert files_of(tmp_path / "pool") == files_of(tmp_path / "serial")


def test_a_failing_worker_raises_the_error_with_its_hint(tmp_path: Path) -> None:
    """An error in a worker reaches the exporting process as the same error, hint included."""
    long = long_table(INDICATORS)
    indicators = shipped_indicators(INDICATORS)
    outside = tmp_path / "elsewhere"
    jobs = [
        chart_set.ChartJob(tmp_path / "out", indicators[0], long.rows(named=True)[:0], ()),
        chart_set.ChartJob(
            tmp_path / "out",
            indicators[1].__class__(**{**_fields(indicators[1]), "id": f"../{outside.name}/x"}),
            long.filter(long["indicator"] == indicators[1].id).rows(named=True),
            tuple(overview_columns()),
        ),
    ]
    with pytest.raises(InvalidInput) as raised:
        chart_set._draw_in_pool(jobs, 1)
    assert "outside the export folder" in raised.value.message
    assert raised.value.hint and "simple names" in raised.value.hint
    assert not outside.exists()
    assert multiprocessing.active_children() == []


def test_interrupt_stops_the_workers_before_returning(tmp_path: Path) -> None:
    """Ctrl-C while the pool draws: KeyboardInterrupt reaches the caller only after every
    worker has stopped, so no file appears afterwards (the export's staging folder is
    removed next, and nothing may write into it again)."""
    ids = tuple(catalog_module.load(None).indicators)[:6]
    long = long_table(ids)
    out = tmp_path / "out"

    def interrupt_at_first_chart() -> None:
        deadline = time.monotonic() + 120
        while not any(out.glob("*.png")) and time.monotonic() < deadline:
            time.sleep(0.02)
        _thread.interrupt_main()

    threading.Thread(target=interrupt_at_first_chart, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        write_charts(out, long, shipped_indicators(ids), overview_columns(), workers=2)
    assert multiprocessing.active_children() == []
    written = files_of(out)
    time.sleep(1.0)
    assert files_of(out) == written
    assert len(written) < 2 * 4 * len(ids)


def test_serial_when_few_indicators_or_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pool for fewer indicators than a worker is worth, for one core, or when
    BWMONITOR_CHART_WORKERS=1; an invalid setting is invalid input."""
    monkeypatch.setattr(chart_set, "_cores", lambda: 2)
    assert chart_set._worker_count(3) == 0
    assert chart_set._worker_count(8) == 2
    assert chart_set._worker_count(80) == 2
    monkeypatch.setattr(chart_set, "_cores", lambda: 1)
    assert chart_set._worker_count(80) == 1
    monkeypatch.setenv(chart_set.ENV_CHART_WORKERS, "1")
    monkeypatch.setattr(chart_set, "_cores", lambda: 8)
    assert chart_set._worker_count(80) == 1
    monkeypatch.setenv(chart_set.ENV_CHART_WORKERS, "many")
    with pytest.raises(InvalidInput, match="BWMONITOR_CHART_WORKERS"):
        chart_set._worker_count(80)


def _fields(indicator: Any) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(indicator, f.name) for f in fields(indicator)}
