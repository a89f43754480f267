"""Rank among Drenthe's municipalities and quarter among all Dutch ones, on small frames."""

from __future__ import annotations

import polars as pl

from bwmonitor.compute.ranking import direction_sign, municipality_positions, quarter
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
