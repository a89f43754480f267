"""Shared fixtures: a local CBS OData v3 server with real tables, a store, a runner."""

from __future__ import annotations

import functools
import json
import os
import pickle
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests import fixtures_cbs
from tests.odata_server import FakeTable, ODataServer

# Total population on 1 January from 03759ned (source "bevolking"), in theme "t".
POPULATION_INDICATOR = """
[indicators.inwoners]
title = "Inwoners op 1 januari"
theme = "t"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = { Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }
aggregate = "sum"
"""

# The catalogues of the two roads to CBS (issue 13): 03759ned is the one table with both a
# v3 form and a v4 capture, its indicator names the v3 key (which v4 maps to M000352
# through the shipped snapshot's metadata); 83625NED has a v4 capture only and is named by
# its v4 identifier.
POPULATION_CATALOG = (
    """
[monitor]
title = "Testmonitor"

[themes.t]
title = "Test"

[sources.bevolking]
table = "03759ned"
"""
    + POPULATION_INDICATOR
)
BOTH_ROADS_CATALOG = (
    POPULATION_CATALOG
    + """
[sources.koopwoningen]
table = "83625NED"

[indicators.verkoopprijs]
title = "Gemiddelde verkoopprijs bestaande koopwoningen"
theme = "t"
unit = "euro"
better = "neutral"
source = "koopwoningen"
measure = "M001534"
aggregate = "none"
"""
)

FETCH_CATALOG = (
    """
[monitor]
title = "Testmonitor"

[themes.t]
title = "Test"

[sources.kwb]
series = { "2020" = "84799NED", "2024" = "85984NED" }

[sources.bevolking]
table = "03759ned"

[sources.gezondheid]
table = "50090NED"
catalog = "dataderden"

[indicators.inwoners_kwb]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "kwb"
measure = "AantalInwoners"
aggregate = "sum"

[indicators.bijstand]
title = "Bijstand"
theme = "t"
better = "lower"
source = "kwb"
measure = "PersonenPerSoortUitkeringBijstand"
aggregate = "sum"

"""
    + POPULATION_INDICATOR
    + """
[indicators.gezondheid]
title = "Ervaren gezondheid (zeer) goed"
theme = "t"
unit = "%"
better = "higher"
source = "gezondheid"
measure = "ErvarenGezondheidGoedZeerGoed_4"
filters = { Leeftijd = "20300", Marges = "MW00000" }
aggregate = "none"
"""
)


def pytest_configure(config: pytest.Config) -> None:
    """Rich fixes a console's width from COLUMNS when the console is made, and
    cli/render.py makes its consoles on import. pytest-xdist's workers export COLUMNS=80,
    so without this every test in a worker would print at 80 columns whatever COLUMNS it
    asks for. (Test modules are imported after this; this module must not import the
    CLI at the top.)"""
    os.environ.pop("COLUMNS", None)
    os.environ.pop("LINES", None)
    # Where PYTHONDONTWRITEBYTECODE is set (as on our build machines), every xdist worker
    # and every `bwmonitor` subprocess a test starts would compile the sources and
    # rewrite the test modules anew, each time: half of collection's time. The tests'
    # own processes may keep bytecode beside the sources (.gitignore'd __pycache__).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than there are cores. Many tests spend part of their
    time waiting (on the local CBS server's threads, a stalled response, a bwmonitor
    subprocess, a chart pool), and a third worker fills those waits: on 2 cores the
    suite takes about 105 s instead of 120 s (4 workers: 120 s again)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` run first, in their order. In a parallel run (pytest-xdist,
    --dist worksteal) the first worker starts with them and the others take over its
    remaining tests as they run out, so no worker is left with a slow test at the end.
    The byte-identical export and the chart-unit test stay neighbours on that worker
    (xdist never takes a worker's next test away), so they share one drawing of the
    shipped export with charts."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@functools.cache
def _pickled_tables(with_districts: int) -> bytes:
    return pickle.dumps(fixtures_cbs.all_tables(with_districts=with_districts))


def fake_tables(with_districts: int = 0) -> list[FakeTable]:
    """Fresh copies of the real-data fixture tables (tests may edit them).

    Built once per process and unpickled per call: about ten times faster than a
    deepcopy, and most tests that fetch start from these tables.
    """
    tables: list[FakeTable] = pickle.loads(_pickled_tables(with_districts))
    return tables


@pytest.fixture
def cbs_server() -> Iterator[ODataServer]:
    with ODataServer(fake_tables()) as server:
        yield server


@dataclass
class Project:
    """A user's working folder: catalogue, store, and how to run bwmonitor there."""

    root: Path
    catalog: Path
    data_dir: Path
    env: dict[str, str]
    runner: CliRunner

    def run(self, *args: str, **env: str) -> tuple[int, str, str]:
        from bwmonitor.cli import app

        result = self.runner.invoke(
            app, list(args), env={**self.env, **env}, catch_exceptions=False
        )
        return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path, cbs_server: ODataServer) -> Project:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(FETCH_CATALOG, encoding="utf-8")
    data_dir = tmp_path / "store"
    env = {
        "BWMONITOR_CATALOG": str(catalog),
        "BWMONITOR_DATA_DIR": str(data_dir),
        "BWMONITOR_CBS_URL": cbs_server.base_url,
        "BWMONITOR_CBS_TIMEOUT": "2",
        "BWMONITOR_CBS_ATTEMPTS": "3",
        "BWMONITOR_CBS_BACKOFF": "0.01",
    }
    return Project(tmp_path, catalog, data_dir, env, CliRunner())


#: shipped indicators whose charts the chart tests read: between them every kind of chart
#: (municipalities, map, regions, trend), every mark the shipped data has (the first two
#: cover these) and every unit with every number of decimals among the shipped
#: indicators with municipal figures (tests/publish/test_units.py checks both)
CHARTED_INDICATORS = (
    "besteedbaar_inkomen",
    "angst_depressie",
    "inwoners",
    "huishoudensgrootte",
    "bijstand_per_1000",
    "particuliere_huishoudens",
    "afstand_huisarts",
    "arbeidsparticipatie",
    "woz_waarde",
    "verkoopprijs",
)


class ShippedExports:
    """Exports of the shipped catalogue on the shipped snapshot (an empty store), each
    made once per session (per xdist worker) and shared by the tests that only read
    them. Their files are read-only; a test that changes an export makes its own."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: dict[tuple[Any, ...], Path] = {}

    def folder(self, fmt: str = "xlsx") -> Path:
        """The export folder (the dated one inside --out) of `bwmonitor export --no-charts`."""
        key = (fmt,)
        if key not in self._folders:
            from bwmonitor.cli import app

            out = self.root / fmt
            args = ["export", "--format", fmt, "--no-charts", "--out", str(out)]
            env = {"BWMONITOR_DATA_DIR": str(self.root / "store"), "BWMONITOR_CATALOG": ""}
            result = CliRunner().invoke(app, args, env=env)
            assert result.exit_code == 0, result.stderr
            [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
            for path in folder.rglob("*"):
                if path.is_file():
                    path.chmod(0o444)
            self._folders[key] = folder
        return self._folders[key]

    def charts(self, indicator_ids: tuple[str, ...]) -> Path:
        """The charts the export draws of these shipped indicators, drawn from the shipped
        export's long table by the export's pool of two workers. (All 33 take half a
        minute of both cores; the tests that read charts need a few that cover every
        kind of chart, mark and unit.)"""
        key = ("charts", *indicator_ids)
        if key not in self._folders:
            import polars as pl

            from bwmonitor.core import catalog as catalog_module
            from bwmonitor.publish.chart_set import write_charts
            from bwmonitor.publish.tables import overview_columns

            long = pl.read_parquet(self.folder("parquet") / "monitor-brede-welvaart.parquet")
            shipped = catalog_module.load(None).indicators
            folder = self.root / "charts" / "-".join(indicator_ids)
            folder.mkdir(parents=True)
            indicators = [shipped[i] for i in indicator_ids]
            for path in write_charts(folder, long, indicators, overview_columns(), workers=2):
                path.chmod(0o444)
            self._folders[key] = folder
        return self._folders[key]


@pytest.fixture(scope="session")
def shipped_exports(tmp_path_factory: pytest.TempPathFactory) -> ShippedExports:
    return ShippedExports(tmp_path_factory.mktemp("shipped"))


def toml_string(text: str) -> str:
    """`text` as a TOML basic string (JSON's escapes are TOML's), for catalogues a test
    writes, hostile ones included."""
    return json.dumps(text)
