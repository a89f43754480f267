"""Regional values: CBS's own where published, else computed honestly from municipalities."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmonitor.compute.observations import observe
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.regions import Level, Region, build_registry
from bwmonitor.store.tables import DataView, TableDir, TableMeta

DATA = Path(__file__).resolve().parents[2] / "data" / "cbs"
CR08 = ("GM1681", "GM0109", "GM0114")


@pytest.fixture(scope="module")
def snapshot_observations() -> pl.DataFrame:
    """Observations of the shipped catalogue on the shipped snapshot (empty store)."""
    with tempfile.TemporaryDirectory() as empty:
        catalog = catalog_module.load(None)
        view = DataView(TableDir(Path(empty)))
        names = {"GM0114": "Emmen"}
        custom = [
            Region(r.id, r.name, Level.CUSTOM, r.members, r.aliases)
            for r in catalog.regions.values()
        ]
        return observe(catalog, view, build_registry(names, custom)).frame


def value(frame: pl.DataFrame, indicator: str, region: str, period: str) -> dict[str, object]:
    rows = frame.filter(
        (pl.col("indicator") == indicator)
        & (pl.col("region") == region)
        & (pl.col("period") == period)
    )
    assert rows.height == 1, f"{indicator} {region} {period}: {rows.height} rows"
    return rows.row(0, named=True)


def raw_kwb_2020() -> dict[str, dict[str, str]]:
    with (DATA / "84799NED_kwb2020_gemeenten.csv").open(encoding="utf-8", newline="") as handle:
        return {row["WijkenEnBuurten"].strip(): row for row in csv.DictReader(handle)}


def test_bijstand_per_1000_for_cr08_is_sum_over_sum_from_the_raw_file(
    snapshot_observations: pl.DataFrame,
) -> None:
    """CR08 = Σ bijstand / Σ inhabitants × 1000 over GM1681, GM0109, GM0114 (KWB 2020)."""
    raw = raw_kwb_2020()
    bijstand = sum(int(raw[m]["PersonenPerSoortUitkeringBijstand_83"]) for m in CR08)
    inwoners = sum(int(raw[m]["AantalInwoners_5"]) for m in CR08)
    got = value(snapshot_observations, "bijstand_per_1000", "CR08", "2020JJ00")
    assert got["value"] == pytest.approx(bijstand / inwoners * 1000)
    assert got["computed"] is True and "som bijstand / som inwoners_kwb" in got["rule"]
    # and not the naive mean of the three municipalities' own rates
    naive = (
        sum(
            int(raw[m]["PersonenPerSoortUitkeringBijstand_83"]) / int(raw[m]["AantalInwoners_5"])
            for m in CR08
        )
        / 3
        * 1000
    )
    assert abs(got["value"] - naive) > 0.5


def test_weighted_mean_differs_from_the_plain_mean(snapshot_observations: pl.DataFrame) -> None:
    """Income per inhabitant for CR08 (KWB 2021) is weighted by inhabitants."""
    with (DATA / "85039NED_kwb2021_gemeenten_derived.csv").open(encoding="utf-8") as handle:
        raw = {row["code"]: row for row in csv.DictReader(handle)}
    income = "IncomeWealth.Avg income per inhabitant (x€1k)"
    pairs = [(float(raw[m][income]), float(raw[m]["Population"])) for m in CR08]
    weighted = sum(v * w for v, w in pairs) / sum(w for _, w in pairs)
    plain = sum(v for v, _ in pairs) / len(pairs)
    got = value(snapshot_observations, "inkomen_per_inwoner", "CR08", "2021JJ00")
    assert got["value"] == pytest.approx(weighted)
    assert got["value"] != pytest.approx(plain, abs=1e-3)
    assert got["rule"] == "gewogen gemiddelde van 3 gemeenten (gewicht: inwoners)"


def test_published_value_wins_over_a_computed_one(snapshot_observations: pl.DataFrame) -> None:
    """03759ned publishes Drenthe (PV22): that value is used, not a sum of municipalities."""
    got = value(snapshot_observations, "inwoners", "PV22", "2024JJ00")
    assert got["computed"] is False and got["source"] == "03759ned"


def test_none_rule_gives_no_computed_value(snapshot_observations: pl.DataFrame) -> None:
    """A median is never averaged into a COROP value."""
    rows = snapshot_observations.filter(
        (pl.col("indicator") == "mediaan_besteedbaar_inkomen") & (pl.col("region") == "CR08")
    )
    assert rows.height == 0


def test_country_rows_of_kwb_become_nl01(snapshot_observations: pl.DataFrame) -> None:
    """KWB's NL00 is reported as NL01, the code every other table uses."""
    got = value(snapshot_observations, "inwoners_kwb", "NL01", "2020JJ00")
    assert got["value"] == 17_407_585 and got["computed"] is False


# ---------------------------------------------------------------- synthetic tables

CATALOG = """
[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.teller]
title = "Teller"
theme = "t"
better = "higher"
source = "s"
measure = "Teller_1"
aggregate = "sum"

[indicators.noemer]
title = "Noemer"
theme = "t"
better = "neutral"
source = "s"
measure = "Noemer_2"
aggregate = "sum"

[indicators.gemiddelde]
title = "Gemiddelde"
theme = "t"
better = "higher"
source = "s"
measure = "Gemiddelde_3"
aggregate = "weighted_mean"
weight = "noemer"

[indicators.quotient]
title = "Quotient"
theme = "t"
better = "higher"
numerator = "teller"
denominator = "noemer"
scale = 100
aggregate = "ratio"
"""

Municipality = tuple[str, float | None, float, float]  # code, teller, noemer, gemiddelde


@contextmanager
def observations_for(
    municipalities: Sequence[Municipality], members: Sequence[str]
) -> Iterator[pl.DataFrame]:
    with tempfile.TemporaryDirectory() as folder:
        store = TableDir(Path(folder) / "store")
        frame = pl.DataFrame(
            {
                "RegioS": [m[0] for m in municipalities],
                "Perioden": ["2020JJ00"] * len(municipalities),
                "Teller_1": [m[1] for m in municipalities],
                "Noemer_2": [m[2] for m in municipalities],
                "Gemiddelde_3": [m[3] for m in municipalities],
            },
            schema={
                "RegioS": pl.String,
                "Perioden": pl.String,
                "Teller_1": pl.Float64,
                "Noemer_2": pl.Float64,
                "Gemiddelde_3": pl.Float64,
            },
        )
        codes = {m[0]: m[0] for m in municipalities}
        store.write(
            TableMeta.from_json(
                "99999TST",
                {
                    "title": "Test",
                    "dimensions": {
                        "RegioS": {"type": "GeoDimension", "labels": codes},
                        "Perioden": {"type": "TimeDimension", "labels": {"2020JJ00": "2020"}},
                    },
                    "measures": {
                        k: {"unit": "aantal"} for k in ("Teller_1", "Noemer_2", "Gemiddelde_3")
                    },
                },
            ),
            frame,
        )
        catalog = catalog_module.parse(CATALOG, "test", None)
        registry = build_registry(codes, [Region("eigen", "Eigen", Level.CUSTOM, tuple(members))])
        view = DataView(store, TableDir(Path(folder) / "no-snapshot"))
        yield observe(catalog, view, registry).frame


def region_values(frame: pl.DataFrame, region: str) -> dict[str, float]:
    rows = frame.filter(pl.col("region") == region)
    return dict(zip(rows["indicator"].to_list(), rows["value"].to_list(), strict=True))


def test_a_member_without_data_means_no_value_never_a_partial_total() -> None:
    """One of three members lacks the count: the region gets no sum and no ratio."""
    data = [("GM0001", 5.0, 10.0, 1.0), ("GM0002", None, 20.0, 2.0), ("GM0003", 1.0, 5.0, 3.0)]
    with observations_for(data, ["GM0001", "GM0002", "GM0003"]) as frame:
        values = region_values(frame, "eigen")
    assert "teller" not in values and "quotient" not in values
    assert values["noemer"] == 35.0


amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False)
positive = st.floats(min_value=1, max_value=1e6, allow_nan=False)
municipality_lists = st.lists(st.tuples(amounts, positive, amounts), min_size=1, max_size=8).map(
    lambda rows: [(f"GM{i:04d}", *row) for i, row in enumerate(rows, start=1)]
)


@settings(max_examples=25, deadline=None)
@given(municipality_lists)
def test_custom_region_of_one_municipality_equals_that_municipality(
    municipalities: list[Municipality],
) -> None:
    """Every rule applied to one member returns that member's own value."""
    first = municipalities[0][0]
    with observations_for(municipalities, [first]) as frame:
        own, region = region_values(frame, first), region_values(frame, "eigen")
    assert region.keys() == own.keys()
    for indicator, got in region.items():
        assert got == pytest.approx(own[indicator])


@settings(max_examples=25, deadline=None)
@given(municipality_lists, st.randoms(use_true_random=False))
def test_aggregation_does_not_depend_on_member_order(
    municipalities: list[Municipality], random: object
) -> None:
    """Listing the members in another order gives the same regional values."""
    codes = [m[0] for m in municipalities]
    shuffled = list(codes)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    with observations_for(municipalities, codes) as frame:
        forward = region_values(frame, "eigen")
    with observations_for(list(reversed(municipalities)), shuffled) as frame:
        backward = region_values(frame, "eigen")
    assert forward.keys() == backward.keys()
    for indicator, got in forward.items():
        assert backward[indicator] == pytest.approx(got)


@settings(max_examples=25, deadline=None)
@given(municipality_lists)
def test_ratio_of_a_region_is_the_ratio_of_its_summed_parts(
    municipalities: list[Municipality],
) -> None:
    """quotient(region) = Σ teller / Σ noemer × scale, and the weighted mean is Σvw/Σw."""
    codes = [m[0] for m in municipalities]
    with observations_for(municipalities, codes) as frame:
        region = region_values(frame, "eigen")
    teller = sum(m[1] or 0 for m in municipalities)
    noemer = sum(m[2] for m in municipalities)
    assert region["quotient"] == pytest.approx(teller / noemer * 100)
    weighted = sum(m[3] * m[2] for m in municipalities) / noemer
    assert region["gemiddelde"] == pytest.approx(weighted)
