"""Peer groups (`--with peers`, `--with nearest:K`): who the peers are, checked against
CBS's Gebieden in Nederland files in data/ read here on their own; the group's mean over
the members with a value; the nearest municipalities against a hand computation."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import polars as pl
import pytest

from bwmonitor.compute.peers import (
    ContextIndicator,
    PeerGroup,
    classes_year,
    group_values,
    nearest_members,
    nearest_peers,
    same_class_peers,
)
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.regions import municipality_classes
from bwmonitor.core.settings import resolve
from bwmonitor.pipeline.monitor_data import monitor_data

GEBIEDEN = Path(__file__).resolve().parents[2] / "data" / "cbs" / "gebieden_in_nederland_2020-2025"


def classes_from_parquet(year: int) -> dict[str, tuple[str, str]]:
    """{municipality: (size class, urbanisation class)} straight from CBS's raw v4
    Observations (codes in StringValue, padded), not from the shipped file."""
    frame = pl.read_parquet(GEBIEDEN / f"cbs_gebieden_{year}.parquet")
    frame = frame.with_columns(pl.col("Measure", "StringValue", "RegioS").str.strip_chars())
    wide = frame.filter(pl.col("Measure").is_in(["GM000E", "ST0001"])).pivot(
        on="Measure", index="RegioS", values="StringValue"
    )
    return {
        code: (size, urb) for code, size, urb in wide.select("RegioS", "GM000E", "ST0001").rows()
    }


def expected_peers(year: int, code: str) -> set[str]:
    classes = classes_from_parquet(year)
    return {other for other, cls in classes.items() if cls == classes[code] and other != code}


def test_emmen_is_size_class_6_and_urbanisation_4_in_2024() -> None:
    """The issue's premise, read from the parquet: Emmen GM0114 has classes 6 and 4."""
    assert classes_from_parquet(2024)["GM0114"] == ("6", "4")


@pytest.mark.parametrize(
    ("code", "year"),
    [("GM0114", 2024), ("GM0114", 2025), ("GM0118", 2024), ("GM0106", 2025), ("GM1699", 2020)],
)
def test_peers_are_the_same_size_and_urbanisation_class(code: str, year: int) -> None:
    """Emmen's peers in 2024 are exactly the other municipalities of size class 6 and
    urbanisation 4 (there are none: Emmen is the only one); Hoogeveen's, Assen's and
    Noordenveld's likewise in their classes and years (15, 24 and many peers)."""
    group = same_class_peers(municipality_classes(), code, year)
    assert set(group.members) == expected_peers(year, code)
    assert code not in group.members
    assert list(group.members) == sorted(group.members)


def test_emmen_has_no_peers_and_hoogeveen_fifteen() -> None:
    """What the reader sees follows from CBS's classes: Emmen alone in its class (the
    classes are coarse at the top), Hoogeveen with 15 others of 50-100k, matig stedelijk."""
    classes = municipality_classes()
    assert same_class_peers(classes, "GM0114", 2024).members == ()
    hoogeveen = same_class_peers(classes, "GM0118", 2024)
    assert len(hoogeveen.members) == len(expected_peers(2024, "GM0118")) == 15
    assert hoogeveen.name == "vergelijkbare gemeenten"
    assert hoogeveen.rule.startswith(
        "gemeenten met grootteklasse 5 (50 000 tot 100 000 inwoners) en stedelijkheid 3 "
        "(matig stedelijk) in CBS Gebieden in Nederland 2024"
    )


def test_the_reference_year_is_the_asked_year_when_the_classes_have_it() -> None:
    """`--year 2021` takes the classes of 2021; a year outside 2020-2025, or none, the
    latest (2025)."""
    classes = municipality_classes()
    assert classes_year(classes, 2021) == 2021
    assert classes_year(classes, 2026) == 2025
    assert classes_year(classes, None) == 2025


# ------------------------------------------------------------------ nearest


# Five municipalities, two context indicators; the focus is GM0003 at (3, 30).
POINTS = {
    "GM0001": [1.0, 10.0],
    "GM0002": [2.0, 10.0],
    "GM0003": [3.0, 30.0],
    "GM0004": [4.0, 20.0],
    "GM0005": [5.0, 30.0],
}


def test_nearest_matches_a_hand_computation() -> None:
    """By hand: x has mean 3 and population sd sqrt(2); y mean 20, sd sqrt(80). In
    z-scores the squared differences to GM0003 are GM0001 2 + 5 = 7, GM0002 0.5 + 5 =
    5.5, GM0004 0.5 + 1.25 = 1.75, GM0005 2 + 0 = 2. The 2 nearest are GM0004 and
    GM0005; of their summed squared distance 3.75, x gives 2.5 (2/3) and y 1.25 (1/3)."""
    found, shares = nearest_members(POINTS, "GM0003", 2)
    assert [code for code, _ in found] == ["GM0004", "GM0005"]
    assert [d for _, d in found] == pytest.approx([math.sqrt(1.75), math.sqrt(2.0)])
    assert shares == pytest.approx([2 / 3, 1 / 3])
    four, _ = nearest_members(POINTS, "GM0003", 4)
    assert [code for code, _ in four] == ["GM0004", "GM0005", "GM0002", "GM0001"]


def test_nearest_breaks_ties_by_code() -> None:
    """GM0009 and GM0001 lie at the same distance from GM0005: the lower code first,
    whatever the order of the input."""
    points = {
        "GM0009": [1.0, 0.0],
        "GM0005": [0.0, 0.0],
        "GM0001": [-1.0, 0.0],
        "GM0007": [0.0, 9.0],
    }
    found, _ = nearest_members(points, "GM0005", 2)
    assert [code for code, _ in found] == ["GM0001", "GM0009"]
    reversed_points = dict(reversed(list(points.items())))
    assert nearest_members(reversed_points, "GM0005", 2)[0] == found


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    """The monitor's data on the shipped snapshot (no store, no network)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        shipped = Path(str(resources.files("bwmonitor").joinpath("indicators.toml")))
        settings = resolve(data_dir=Path(folder) / "store", catalog=shipped, environ={})
        yield monitor_data(settings)


def test_nearest_on_the_snapshot_is_deterministic(data) -> None:  # type: ignore[no-untyped-def]
    """Twice the same ten, Emmen not among them, the shares adding to 1."""
    frame = data.observations.frame
    first = nearest_peers(frame, municipality_classes(), "GM0114", 10)
    second = nearest_peers(
        frame.sample(fraction=1.0, shuffle=True, seed=7), municipality_classes(), "GM0114", 10
    )
    assert first == second
    assert len(first.members) == 10 and "GM0114" not in first.members
    assert sum(share for _, share in first.distance_shares) == pytest.approx(1.0)


def test_nearest_uses_the_context_indicators_named(data) -> None:  # type: ignore[no-untyped-def]
    """With one context indicator (inhabitants 2021) the nearest are those closest in
    inhabitants, read from the observations here."""
    frame = data.observations.frame
    context = [ContextIndicator("inwoners", "inwoners", 2021)]
    group = nearest_peers(frame, municipality_classes(), "GM0114", 3, context)
    latest = set(municipality_classes()["years"]["2025"]["municipalities"])
    inhabitants = {
        code: value
        for code, value in frame.filter(
            (pl.col("indicator") == "inwoners") & (pl.col("period") == "2021JJ00")
        )
        .select("region", "value")
        .rows()
        if code in latest
    }
    emmen = inhabitants.pop("GM0114")
    by_hand = sorted(inhabitants, key=lambda code: (abs(inhabitants[code] - emmen), code))[:3]
    assert list(group.members) == by_hand
    assert group.distance_shares == (("inwoners", pytest.approx(1.0)),)


# ------------------------------------------------------------------ the group's value

CATALOG = """
[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.inwoners]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "s"
measure = "Inwoners_1"
aggregate = "sum"

[indicators.kinderen]
title = "Kinderen"
theme = "t"
better = "neutral"
source = "s"
measure = "Kinderen_2"
aggregate = "sum"

[indicators.inkomen]
title = "Inkomen per inwoner"
theme = "t"
better = "higher"
source = "s"
measure = "Inkomen_3"
aggregate = "weighted_mean"
weight = "inwoners"

[indicators.aandeel_kinderen]
title = "Aandeel kinderen"
theme = "t"
better = "neutral"
numerator = "kinderen"
denominator = "inwoners"
scale = 100
aggregate = "ratio"

[indicators.volwassenen]
title = "Volwassenen"
theme = "t"
better = "neutral"
source = "s"
measure = "Volwassenen_5"
aggregate = "sum"

[indicators.gezond]
title = "Gezond"
theme = "t"
better = "higher"
source = "s"
measure = "Gezond_6"
aggregate = "weighted_mean"
weight = "volwassenen"
weight_fallback = "inwoners"

[indicators.mediaan]
title = "Mediaan"
theme = "t"
better = "higher"
source = "s"
measure = "Mediaan_4"
aggregate = "none"
aggregate_reason = "een mediaan is niet samen te stellen"
"""

GROUP = PeerGroup(
    "peers",
    "vergelijkbare gemeenten",
    "GM0001",
    2024,
    ("GM0002", "GM0003", "GM0004"),
    ("B", "C", "D"),
    "test",
)


def observations(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(i, r, "2024JJ00", v, "Definitief", "99999TST", False, None) for i, r, v in rows],
        schema={
            "indicator": pl.String,
            "region": pl.String,
            "period": pl.String,
            "value": pl.Float64,
            "status": pl.String,
            "source": pl.String,
            "computed": pl.Boolean,
            "rule": pl.String,
        },
        orient="row",
    )


def test_the_group_value_is_over_the_members_with_a_value() -> None:
    """GM0004 has no income: the weighted mean is over GM0002 and GM0003 only,
    (10 x 100 + 20 x 300) / 400 = 17.5, with 2 members with a value; the focus GM0001
    and a non-member GM0009 do not count. Inhabitants (a count) get the members' mean
    (100 + 300 + 600) / 3; the share of children sum / sum: (10 + 60 + 90) / 1000 x 100;
    the median no value; a weight without figures gives way to its fallback."""
    catalog = catalog_module.parse(CATALOG, "test", None)
    frame = observations(
        [
            ("inwoners", "GM0001", 50.0),
            ("inwoners", "GM0002", 100.0),
            ("inwoners", "GM0003", 300.0),
            ("inwoners", "GM0004", 600.0),
            ("inwoners", "GM0009", 9999.0),
            ("kinderen", "GM0002", 10.0),
            ("kinderen", "GM0003", 60.0),
            ("kinderen", "GM0004", 90.0),
            ("aandeel_kinderen", "GM0002", 10.0),
            ("aandeel_kinderen", "GM0003", 20.0),
            ("aandeel_kinderen", "GM0004", 15.0),
            ("inkomen", "GM0001", 99.0),
            ("inkomen", "GM0002", 10.0),
            ("inkomen", "GM0003", 20.0),
            ("inkomen", "GM0009", 99.0),
            ("mediaan", "GM0002", 5.0),
            ("gezond", "GM0002", 10.0),
            ("gezond", "GM0003", 30.0),
        ]
    )
    rows, counts = group_values(frame, catalog, list(catalog.indicators.values()), GROUP)
    value = {i: v for i, v in rows.select("indicator", "value").rows()}
    assert value["inkomen"] == pytest.approx(17.5)
    assert value["inwoners"] == pytest.approx(1000 / 3)
    assert value["aandeel_kinderen"] == pytest.approx(16.0)
    assert "mediaan" not in value
    # no member has a figure for the weight (adults): the fallback, inhabitants, as a
    # region would: (10 x 100 + 30 x 300) / 400
    assert value["gezond"] == pytest.approx(25.0)
    assert counts[("inkomen", "2024JJ00")] == 2
    assert counts[("inwoners", "2024JJ00")] == 3
    assert counts[("mediaan", "2024JJ00")] == 1
    rules = dict(rows.select("indicator", "rule").rows())
    assert rules["inkomen"] == "gewogen gemiddelde van 2 gemeenten (gewicht: inwoners)"
    assert set(rows["region"]) == {"peers"}
