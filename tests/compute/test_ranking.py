"""Rank among Drenthe's municipalities, quarter among all Dutch ones, position among the
regions of a level, and the summary per region, on small frames."""

from __future__ import annotations

import polars as pl

from bwmonitor.compute.ranking import (
    Standing,
    direction_sign,
    level_positions,
    municipality_positions,
    quarter,
    summary,
)
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Direction

CATALOG = catalog_module.parse(
    """
[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.inkomen]
title = "Inkomen"
theme = "t"
better = "higher"
source = "s"
measure = "Inkomen_1"
aggregate = "none"

[indicators.bijstand]
title = "Bijstand"
theme = "t"
better = "lower"
source = "s"
measure = "Bijstand_2"
aggregate = "none"

[indicators.huishoudgrootte]
title = "Huishoudgrootte"
theme = "t"
better = "neutral"
source = "s"
measure = "Huishoudgrootte_3"
aggregate = "none"
""",
    "test",
    None,
)
ASSEN, COEVORDEN, EMMEN = "GM0106", "GM0109", "GM0114"
ELSEWHERE = ["GM0363", "GM0599", "GM0344", "GM0518", "GM0014"]


def values(indicator: str, by_region: dict[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator": [indicator] * len(by_region),
            "region": list(by_region),
            "period": ["2020JJ00"] * len(by_region),
            "value": list(by_region.values()),
        }
    )


def positions(frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    """Per region: its row of one indicator's positions in one year."""
    ranked = municipality_positions(frame, CATALOG)
    return {row["region"]: row for row in ranked.iter_rows(named=True)}


def test_the_sign_turns_lower_is_better_around() -> None:
    assert direction_sign(Direction.LOWER) == -1.0
    assert direction_sign(Direction.HIGHER) == direction_sign(Direction.NEUTRAL) == 1.0


def test_quarter_splits_the_ranks_into_four() -> None:
    """Of 5: ranks 1-2 the best quarter, 5 the worst; a lone value is in the best."""
    frame = pl.DataFrame({"rank": [1, 2, 3, 4, 5, 1], "count": [5, 5, 5, 5, 5, 1]})
    result = frame.select(quarter(pl.col("rank"), pl.col("count")).alias("q"))
    assert result["q"].to_list() == [1, 1, 2, 3, 4, 1]


def test_higher_is_better_ranks_the_highest_first() -> None:
    ranked = positions(values("inkomen", {ASSEN: 30.0, COEVORDEN: 20.0, EMMEN: 25.0}))
    assert [ranked[c]["rank_drenthe"] for c in (ASSEN, COEVORDEN, EMMEN)] == [1, 3, 2]
    assert {ranked[c]["rank_of"] for c in ranked} == {3}


def test_lower_is_better_ranks_the_lowest_first() -> None:
    ranked = positions(values("bijstand", {ASSEN: 30.0, COEVORDEN: 20.0, EMMEN: 25.0}))
    assert [ranked[c]["rank_drenthe"] for c in (ASSEN, COEVORDEN, EMMEN)] == [3, 1, 2]


def test_a_neutral_indicator_ranks_the_highest_first() -> None:
    ranked = positions(values("huishoudgrootte", {ASSEN: 2.1, EMMEN: 2.3}))
    assert (ranked[EMMEN]["quartile"], ranked[ASSEN]["quartile"]) == (1, 3)


def test_ties_share_the_better_rank() -> None:
    ranked = positions(values("inkomen", {ASSEN: 20.0, COEVORDEN: 20.0, EMMEN: 10.0}))
    assert [ranked[c]["rank_drenthe"] for c in (ASSEN, COEVORDEN, EMMEN)] == [1, 1, 3]


def test_quarters_count_every_municipality_the_rank_only_drenthes() -> None:
    """Eight municipalities, three of them in Drenthe: the quarter is among all eight,
    the rank among the three; a municipality elsewhere has no Drenthe rank."""
    figures = {code: float(i) for i, code in enumerate(ELSEWHERE, start=10)}
    figures |= {ASSEN: 1.0, COEVORDEN: 100.0, EMMEN: 12.5}
    ranked = positions(values("inkomen", figures | {"PV22": 50.0, "NL01": 40.0}))
    assert "PV22" not in ranked and "NL01" not in ranked
    assert ranked[COEVORDEN]["quartile"] == 1 and ranked[ASSEN]["quartile"] == 4
    # Emmen's 12.5 is 4th of 8: 1 + 3 * 4 // 8 = the second quarter
    assert ranked[EMMEN]["quartile"] == 2 and ranked[EMMEN]["quartile_of"] == 8
    assert (ranked[EMMEN]["rank_drenthe"], ranked[EMMEN]["rank_of"]) == (2, 3)
    assert ranked[ELSEWHERE[0]]["rank_drenthe"] is None


def test_each_group_is_ranked_on_its_own() -> None:
    """Ranked per indicator and year, a year's figures never push another year's."""
    frame = pl.concat(
        [
            values("inkomen", {ASSEN: 1.0, EMMEN: 2.0}),
            values("inkomen", {ASSEN: 3.0, EMMEN: 2.0}).with_columns(period=pl.lit("2021JJ00")),
        ]
    )
    ranked = municipality_positions(frame, CATALOG, over=("indicator", "period"))
    by_year = {(r["period"], r["region"]): r["rank_drenthe"] for r in ranked.iter_rows(named=True)}
    assert by_year == {
        ("2020JJ00", ASSEN): 2,
        ("2020JJ00", EMMEN): 1,
        ("2021JJ00", ASSEN): 1,
        ("2021JJ00", EMMEN): 2,
    }


def placed(frame: pl.DataFrame) -> dict[str, tuple[int, int, str, int]]:
    """Per region: (position, of, level, quarter) of one indicator in one year."""
    return {
        row["region"]: (row["position"], row["position_of"], row["level"], row["position_quarter"])
        for row in level_positions(frame, CATALOG).iter_rows(named=True)
    }


def test_each_level_is_placed_among_its_own_regions() -> None:
    """Municipalities, COROP regions and provinces each among their own level: a COROP
    region never pushes a municipality down; the country and a custom region have no
    peers and no position."""
    frame = values(
        "inkomen",
        {
            ASSEN: 30.0,
            EMMEN: 25.0,
            "CR07": 28.0,
            "CR08": 26.0,
            "CR09": 27.0,
            "PV22": 27.0,
            "PV21": 29.0,
            "NL01": 29.5,
            "drentsezorg": 99.0,
        },
    )
    # fewer than four regions of a level: positions, but no quarters
    assert placed(frame) == {
        ASSEN: (1, 2, "gemeente", None),
        EMMEN: (2, 2, "gemeente", None),
        "CR07": (1, 3, "corop", None),
        "CR09": (2, 3, "corop", None),
        "CR08": (3, 3, "corop", None),
        "PV21": (1, 2, "provincie", None),
        "PV22": (2, 2, "provincie", None),
    }


def test_position_of_counts_only_regions_with_a_value() -> None:
    """N is the number of regions of the level that have a value: a row without one
    neither takes a position nor counts."""
    frame = values("bijstand", {"CR07": 20.0, "CR08": 30.0, "CR09": 0.0}).with_columns(
        value=pl.when(pl.col("region") == "CR09").then(None).otherwise(pl.col("value"))
    )
    assert placed(frame) == {"CR07": (1, 2, "corop", None), "CR08": (2, 2, "corop", None)}


def test_a_quarter_needs_four_regions_of_the_level() -> None:
    """2 of 2 is no "third quarter": below four regions with a value there is none;
    from four on, each position has its quarter."""
    three = values("bijstand", {"CR07": 20.0, "CR08": 30.0, "CR09": 25.0})
    assert {p[3] for p in placed(three).values()} == {None}
    four = values("bijstand", {"CR07": 20.0, "CR08": 30.0, "CR09": 25.0, "CR10": 35.0})
    assert sorted(p[3] for p in placed(four).values()) == [1, 2, 3, 4]


def test_positions_follow_the_direction_and_ties_share_the_better_one() -> None:
    """Lower bijstand is better: the two lowest share position 1, the next is 3 of 4;
    a neutral indicator places the highest first."""
    lower = values("bijstand", {"PV20": 10.0, "PV21": 10.0, "PV22": 12.0, "PV23": 15.0})
    assert {code: p[0] for code, p in placed(lower).items()} == {
        "PV20": 1,
        "PV21": 1,
        "PV22": 3,
        "PV23": 4,
    }
    assert placed(lower)["PV23"][3] == 4 and placed(lower)["PV21"][3] == 1
    neutral = values("huishoudgrootte", {"CR07": 2.1, "CR08": 2.3})
    assert placed(neutral)["CR08"][0] == 1 and placed(neutral)["CR07"][0] == 2


def test_summary_counts_best_and_worst_quarters_of_directed_positions_only() -> None:
    """Of five indicators shown: two in the best quarter (one of them neutral, which
    does not count), one in the worst, a count without a position, one without a
    value: 1 of 2 in the best quarter, 1 in the worst; 4 of 5 with a value."""
    result = summary(
        [
            Standing(has_value=True, quarter=1, directed=True),
            Standing(has_value=True, quarter=1, directed=False),
            Standing(has_value=True, quarter=4, directed=True),
            Standing(has_value=True, quarter=None, directed=True),
            Standing(has_value=False, quarter=None, directed=True),
        ]
    )
    assert (result.best, result.worst, result.placed) == (1, 1, 2)
    assert (result.with_value, result.shown) == (4, 5)
