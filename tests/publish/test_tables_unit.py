"""The export's tables as data, from a small observations frame and a catalogue of two
indicators: the long table, Tabel 1's overview and the quarters, without writing a file."""

from __future__ import annotations

import polars as pl
import pytest

from bwmonitor.compute.observations import schema
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Catalog
from bwmonitor.core.regions import DRENTHE_MUNICIPALITIES, RegionRegistry, build_registry
from bwmonitor.publish.tables import LONG_COLUMNS, long_table, overview, quartiles

CATALOG = """
[themes.werk]
title = "Arbeid"

[themes.inkomen]
title = "Inkomen"

[sources.s]
table = "99999TST"

[indicators.werkloosheid]
title = "Werkloosheid"
theme = "werk"
unit = "%"
better = "lower"
source = "s"
measure = "Werkloosheid_1"
aggregate = "none"

[indicators.inkomen]
title = "Gemiddeld inkomen"
theme = "inkomen"
unit = "x 1.000 euro"
better = "higher"
source = "s"
measure = "Inkomen_2"
aggregate = "none"

[indicators.inwoners]
title = "Inwoners"
theme = "werk"
better = "neutral"
source = "s"
measure = "Inwoners_3"
aggregate = "sum"
"""
NAMES = {code: f"Gemeente {code}" for code in DRENTHE_MUNICIPALITIES} | {
    "GM0114": "Emmen",
    "GM0106": "Assen",
    "GM0363": "Amsterdam",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return catalog_module.parse(CATALOG, "test", None)


@pytest.fixture(scope="module")
def registry() -> RegionRegistry:
    return build_registry(NAMES)


def observations(rows: list[tuple[str, str, str, float | None, str]]) -> pl.DataFrame:
    """(indicator, region, period, value, status) rows as published by CBS."""
    return pl.DataFrame(
        [
            {
                "indicator": indicator,
                "region": region,
                "period": period,
                "value": value,
                "status": status,
                "source": "99999TST",
                "computed": False,
                "rule": None,
            }
            for indicator, region, period, value, status in rows
        ],
        schema=schema(),
    )


TWO_INDICATORS = [
    ("werkloosheid", "NL01", "2021JJ00", 4.2, "Definitief"),
    ("werkloosheid", "GM0114", "2021JJ00", 5.1, "Voorlopig"),
    ("werkloosheid", "GM0114", "2020JJ00", 5.6, "Definitief"),
    ("werkloosheid", "GM0114", "2021KW01", 5.0, ""),  # a quarter: not in the yearly table
    ("werkloosheid", "GM0363", "2021JJ00", 6.0, ""),  # Amsterdam: not an export region
    ("werkloosheid", "PV22", "2021JJ00", 4.6, ""),
    ("inkomen", "GM0106", "2021JJ00", 28.4, "Definitief"),
]


def test_long_table_has_the_dutch_columns_in_order(
    catalog: Catalog, registry: RegionRegistry
) -> None:
    indicators = [catalog.indicators["inkomen"], catalog.indicators["werkloosheid"]]
    long = long_table(observations(TWO_INDICATORS), catalog, registry, indicators)
    assert tuple(long.columns) == LONG_COLUMNS


def test_long_table_follows_the_catalogue_then_the_regions_then_the_years(
    catalog: Catalog, registry: RegionRegistry
) -> None:
    """Indicators in the order asked, regions municipality -> province -> country, years
    ascending; quarters and regions outside the export are left out."""
    indicators = [catalog.indicators["inkomen"], catalog.indicators["werkloosheid"]]
    long = long_table(observations(TWO_INDICATORS), catalog, registry, indicators)
    assert long.select("indicator", "regio", "jaar").rows() == [
        ("inkomen", "GM0106", 2021),
        ("werkloosheid", "GM0114", 2020),
        ("werkloosheid", "GM0114", 2021),
        ("werkloosheid", "PV22", 2021),
        ("werkloosheid", "NL01", 2021),
    ]


def test_long_table_names_theme_region_level_unit_and_scale(
    catalog: Catalog, registry: RegionRegistry
) -> None:
    """CBS's value stays as served (28.4) with unit euro and scale 1000; an unknown
    status ("") becomes empty."""
    indicators = [catalog.indicators["inkomen"], catalog.indicators["werkloosheid"]]
    long = long_table(observations(TWO_INDICATORS), catalog, registry, indicators)
    rows = {(r["indicator"], r["regio"], r["jaar"]): r for r in long.iter_rows(named=True)}
    assen = rows["inkomen", "GM0106", 2021]
    assert (assen["thema"], assen["titel"], assen["regionaam"], assen["niveau"]) == (
        "Inkomen",
        "Gemiddeld inkomen",
        "Assen",
        "gemeente",
    )
    assert (assen["waarde"], assen["eenheid"], assen["schaal"]) == (28.4, "euro", 1000)
    drenthe = rows["werkloosheid", "PV22", 2021]
    assert (drenthe["regionaam"], drenthe["niveau"], drenthe["eenheid"]) == (
        "Drenthe",
        "provincie",
        "%",
    )
    assert drenthe["status"] is None
    assert rows["werkloosheid", "NL01", 2021]["niveau"] == "land"


def test_overview_shows_the_year_compare_shows_and_each_columns_figure(
    catalog: Catalog, registry: RegionRegistry
) -> None:
    """Tabel 1 with Zuidoost-Drenthe (no figure) against Drenthe and Nederland: the
    benchmarks' year, their values with status, and an empty cell for CR08."""
    indicators = [catalog.indicators["werkloosheid"]]
    long = long_table(observations(TWO_INDICATORS), catalog, registry, indicators)
    [row] = overview(long, indicators, ["CR08", "PV22", "NL01"])
    assert row.year == 2021
    assert row.cells == ((None, None, False), (4.6, None, False), (4.2, "Definitief", False))


def test_quarters_count_the_best_first_by_direction(catalog: Catalog) -> None:
    """Lower unemployment is better: of four municipalities the lowest is in quarter 1;
    Amsterdam counts among all Dutch municipalities but gets no entry."""
    rates = {"GM0114": 3.0, "GM0106": 5.0, "GM1680": 7.0, "GM0363": 9.0}
    frame = observations([("werkloosheid", r, "2021JJ00", v, "") for r, v in rates.items()])
    assert quartiles(frame, catalog) == {
        ("werkloosheid", "GM0114", 2021): 1,
        ("werkloosheid", "GM0106", 2021): 2,
        ("werkloosheid", "GM1680", 2021): 3,
    }


def test_a_count_has_no_quarter(catalog: Catalog) -> None:
    """A larger population is not a better one: counts get no quarter."""
    frame = observations(
        [
            ("inwoners", "GM0114", "2021JJ00", 107_000.0, ""),
            ("inwoners", "GM0106", "2021JJ00", 1.0, ""),
        ]
    )
    assert quartiles(frame, catalog) == {}
