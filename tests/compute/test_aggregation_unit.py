"""The aggregation rules on small frames: a custom region of two municipalities, called
without a store, a catalogue file or the CLI."""

from __future__ import annotations

import polars as pl
import pytest

from bwmonitor.compute.aggregation import derive_ratio, fill_regions
from bwmonitor.compute.observations import schema
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Indicator
from bwmonitor.core.regions import Level, Region, RegionRegistry, build_registry

CATALOG = """
[themes.t]
title = "T"

[sources.s]
table = "99999TST"

[indicators.bijstand]
title = "Bijstand"
theme = "t"
better = "lower"
source = "s"
measure = "Bijstand_1"
aggregate = "sum"

[indicators.inwoners]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "s"
measure = "Inwoners_2"
aggregate = "sum"

[indicators.inkomen]
title = "Inkomen per inwoner"
theme = "t"
better = "higher"
source = "s"
measure = "Inkomen_3"
aggregate = "weighted_mean"
weight = "inwoners"

[indicators.woningen]
title = "Woningvoorraad"
theme = "t"
better = "neutral"
source = "s"
measure = "Woningen_5"
aggregate = "sum"
population = "woningen"

[indicators.woz]
title = "WOZ-waarde"
theme = "t"
better = "neutral"
source = "s"
measure = "Woz_6"
aggregate = "weighted_mean"
weight = "woningen"
population = "woningen"

[indicators.gezond]
title = "Ervaren gezondheid (18+)"
theme = "t"
better = "higher"
source = "s"
measure = "Gezond_7"
aggregate = "weighted_mean"
weight = "inwoners_alle"
population = "inwoners van 18 jaar en ouder"

[indicators.inwoners_alle]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "s"
measure = "Inwoners_8"
aggregate = "sum"
population = "inwoners"

[indicators.achttien_plus]
title = "Inwoners van 18 jaar of ouder"
theme = "t"
better = "neutral"
source = "s"
measure = "Inwoners_9"
aggregate = "sum"
population = "inwoners van 18 jaar en ouder"

[indicators.gezond_live]
title = "Ervaren gezondheid (18+), live gewogen"
theme = "t"
better = "higher"
source = "s"
measure = "Gezond_10"
aggregate = "weighted_mean"
weight = "achttien_plus"
weight_fallback = "inwoners_alle"
population = "inwoners van 18 jaar en ouder"

[indicators.mediaan]
title = "Mediaan"
theme = "t"
better = "higher"
source = "s"
measure = "Mediaan_4"
aggregate = "none"

[indicators.vijftien_plus]
title = "Inwoners van 15 jaar of ouder"
theme = "t"
better = "neutral"
total = "inwoners"
minus = "bijstand"
aggregate = "sum"

[indicators.bijstand_per_1000]
title = "Bijstand per 1.000 inwoners"
theme = "t"
better = "lower"
numerator = "bijstand"
denominator = "inwoners"
scale = 1000
aggregate = "ratio"
"""
PERIOD = "2020JJ00"
MEMBERS = ("GM0001", "GM0002")


def indicator(indicator_id: str) -> Indicator:
    return catalog_module.parse(CATALOG, "test", None).indicators[indicator_id]


def two_municipalities() -> RegionRegistry:
    """GM0001 and GM0002, and the custom region 'duo' made of both."""
    custom = Region("duo", "Duo", Level.CUSTOM, MEMBERS)
    return build_registry({"GM0001": "Een", "GM0002": "Twee"}, [custom])


def published(
    indicator_id: str,
    values: dict[str, float | None],
    status: dict[str, str] | None = None,
    period: str = PERIOD,
) -> pl.DataFrame:
    """CBS's figures for the two municipalities, as observe() reads them from a table."""
    return pl.DataFrame(
        [
            {
                "indicator": indicator_id,
                "region": code,
                "period": period,
                "value": value,
                "status": (status or {}).get(code, "Definitief"),
                "source": "99999TST",
                "computed": False,
                "rule": None,
            }
            for code, value in values.items()
        ],
        schema=schema(),
    )


def of_region(frame: pl.DataFrame, region: str) -> dict[str, object]:
    [row] = frame.filter(pl.col("region") == region).iter_rows(named=True)
    return row


def filled(
    indicator_id: str, values: dict[str, float | None], status: dict[str, str] | None = None
) -> pl.DataFrame:
    """fill_regions for an indicator that needs no other indicator (no weight)."""
    frame = published(indicator_id, values, status)
    return fill_regions(indicator(indicator_id), frame, {}, two_municipalities())


def test_sum_of_a_count_adds_the_members() -> None:
    """A count for the region is the sum of its members, marked as computed."""
    duo = of_region(filled("inwoners", {"GM0001": 1000.0, "GM0002": 3000.0}), "duo")
    assert duo["value"] == 4000.0
    assert duo["computed"] is True and duo["rule"] == "som van 2 gemeenten"
    assert duo["source"] == "99999TST"


def test_the_members_keep_their_published_values() -> None:
    """fill_regions adds regions; the municipalities' own figures stay as CBS gave them."""
    frame = filled("inwoners", {"GM0001": 1000.0, "GM0002": 3000.0})
    assert of_region(frame, "GM0001")["value"] == 1000.0
    assert of_region(frame, "GM0001")["computed"] is False


def test_a_member_without_a_value_gives_the_region_none() -> None:
    """No partial total: with GM0002's figure missing, the region gets no row."""
    frame = filled("inwoners", {"GM0001": 1000.0, "GM0002": None})
    assert frame.filter(pl.col("region") == "duo").height == 0
    assert frame["region"].to_list() == ["GM0001"]


def test_ratio_of_two_municipalities_is_the_sum_over_the_sum() -> None:
    """bijstand per 1.000 for the region: (10 + 90) / (1000 + 3000) x 1000 = 25, not the
    mean of the members' rates (10 and 30, mean 20)."""
    registry = two_municipalities()
    complete = {
        "bijstand": fill_regions(
            indicator("bijstand"),
            published("bijstand", {"GM0001": 10.0, "GM0002": 90.0}),
            {},
            registry,
        ),
        "inwoners": fill_regions(
            indicator("inwoners"),
            published("inwoners", {"GM0001": 1000.0, "GM0002": 3000.0}),
            {},
            registry,
        ),
    }
    ratio = derive_ratio(indicator("bijstand_per_1000"), complete)
    assert of_region(ratio, "GM0001")["value"] == pytest.approx(10.0)
    assert of_region(ratio, "GM0002")["value"] == pytest.approx(30.0)
    duo = of_region(ratio, "duo")
    assert duo["value"] == pytest.approx(25.0)
    assert duo["rule"] == "som bijstand / som inwoners × 1.000 (som van 2 gemeenten)"
    assert of_region(ratio, "GM0001")["rule"] == "bijstand / inwoners × 1.000"


def test_ratio_with_a_zero_denominator_has_no_value() -> None:
    """A region with no inhabitants gets no rate (no division by zero, no infinity)."""
    complete = {
        "bijstand": published("bijstand", {"GM0001": 0.0, "GM0002": 5.0}),
        "inwoners": published("inwoners", {"GM0001": 0.0, "GM0002": 500.0}),
    }
    ratio = derive_ratio(indicator("bijstand_per_1000"), complete)
    assert ratio["region"].to_list() == ["GM0002"]


def test_weighted_mean_weighs_each_member_by_its_weight() -> None:
    """Income per inhabitant: (20 x 1000 + 40 x 3000) / 4000 = 35, not the plain mean 30."""
    registry = two_municipalities()
    weights = fill_regions(
        indicator("inwoners"),
        published("inwoners", {"GM0001": 1000.0, "GM0002": 3000.0}),
        {},
        registry,
    )
    frame = fill_regions(
        indicator("inkomen"),
        published("inkomen", {"GM0001": 20.0, "GM0002": 40.0}),
        {"inwoners": weights},
        registry,
    )
    duo = of_region(frame, "duo")
    assert duo["value"] == pytest.approx(35.0)
    assert duo["rule"] == "gewogen gemiddelde van 2 gemeenten (gewicht: inwoners)"


def weighted(
    indicator_id: str, values: dict[str, float], period: str, weights: pl.DataFrame
) -> pl.DataFrame:
    weight = indicator(indicator(indicator_id).weight or "")
    registry = two_municipalities()
    return fill_regions(
        indicator(indicator_id),
        published(indicator_id, values, period=period),
        {weight.id: fill_regions(weight, weights, {}, registry)},
        registry,
        [weight],
    )


def test_a_weight_missing_in_the_year_comes_from_the_nearest_year_and_the_rule_says_so() -> None:
    """WOZ 2021 with dwellings for 2019 and 2024 only: 2019 is nearer; (200 x 10 + 300 x
    30) / 40 = 275."""
    dwellings = pl.concat(
        [
            published("woningen", {"GM0001": 10.0, "GM0002": 30.0}, period="2019JJ00"),
            published("woningen", {"GM0001": 90.0, "GM0002": 10.0}, period="2024JJ00"),
        ]
    )
    duo = of_region(
        weighted("woz", {"GM0001": 200.0, "GM0002": 300.0}, "2021JJ00", dwellings), "duo"
    )
    assert duo["value"] == pytest.approx(275.0)
    assert duo["rule"] == (
        "gewogen gemiddelde van 2 gemeenten "
        "(gewicht: woningen in 2019 (dichtstbijzijnde jaar met cijfers))"
    )


def test_the_same_year_wins_and_a_year_where_a_member_lacks_the_weight_is_skipped() -> None:
    """Weights in 2021 itself are used; without them, 2022 (all members) wins over 2020
    (one member missing), however near."""
    same = pl.concat(
        [
            published("woningen", {"GM0001": 1.0, "GM0002": 3.0}, period="2021JJ00"),
            published("woningen", {"GM0001": 3.0, "GM0002": 1.0}, period="2022JJ00"),
        ]
    )
    duo = of_region(weighted("woz", {"GM0001": 100.0, "GM0002": 200.0}, "2021JJ00", same), "duo")
    assert duo["value"] == pytest.approx(175.0)
    assert "dichtstbijzijnde" not in str(duo["rule"])
    gappy = pl.concat(
        [
            published("woningen", {"GM0001": 1.0, "GM0002": None}, period="2020JJ00"),
            published("woningen", {"GM0001": 3.0, "GM0002": 1.0}, period="2023JJ00"),
        ]
    )
    duo = of_region(weighted("woz", {"GM0001": 100.0, "GM0002": 200.0}, "2021JJ00", gappy), "duo")
    assert duo["value"] == pytest.approx(125.0)
    assert "in 2023 (dichtstbijzijnde jaar met cijfers)" in str(duo["rule"])


def test_a_weight_that_only_approximates_the_population_says_so() -> None:
    """18+ figures weighted by all inhabitants: the rule names both populations."""
    inhabitants = published("inwoners_alle", {"GM0001": 100.0, "GM0002": 300.0})
    duo = of_region(
        weighted("gezond", {"GM0001": 80.0, "GM0002": 60.0}, PERIOD, inhabitants), "duo"
    )
    assert duo["value"] == pytest.approx(65.0)
    assert duo["rule"] == (
        "gewogen gemiddelde van 2 gemeenten "
        "(gewicht: inwoners, benadering van inwoners van 18 jaar en ouder)"
    )


def test_no_year_with_every_members_weight_means_no_value() -> None:
    lacking = published("woningen", {"GM0001": 1.0, "GM0002": None}, period="2021JJ00")
    frame = weighted("woz", {"GM0001": 100.0, "GM0002": 200.0}, "2021JJ00", lacking)
    assert frame.filter(pl.col("region") == "duo").height == 0


def test_none_rule_computes_nothing() -> None:
    """A median cannot be made from the members' medians: no value for the region."""
    frame = filled("mediaan", {"GM0001": 20.0, "GM0002": 40.0})
    assert sorted(frame["region"].to_list()) == ["GM0001", "GM0002"]


def test_the_region_is_as_provisional_as_its_least_definitive_member() -> None:
    """One member Voorlopig makes the sum Voorlopig."""
    frame = filled(
        "inwoners",
        {"GM0001": 1000.0, "GM0002": 3000.0},
        status={"GM0001": "Definitief", "GM0002": "Voorlopig"},
    )
    assert of_region(frame, "duo")["status"] == "Voorlopig"


def test_a_difference_is_total_minus_part_marked_computed_and_as_definitive_as_its_parts() -> None:
    """15+ = all inhabitants - those under 15 (here: the test's two counts), in every
    region that has both; a provisional part makes the result provisional."""
    from bwmonitor.compute.aggregation import derive_difference

    complete = {
        "inwoners": published("inwoners", {"GM0001": 1000.0, "GM0002": 3000.0}),
        "bijstand": published(
            "bijstand", {"GM0001": 150.0, "GM0002": 400.0}, status={"GM0002": "Voorlopig"}
        ),
    }
    frame = derive_difference(indicator("vijftien_plus"), complete)
    one, two = of_region(frame, "GM0001"), of_region(frame, "GM0002")
    assert (one["value"], two["value"]) == (850.0, 2600.0)
    assert one["computed"] and one["rule"] == "inwoners - bijstand"
    assert (one["status"], two["status"]) == ("Definitief", "Voorlopig")


def with_fallback(adults: pl.DataFrame, everyone: pl.DataFrame) -> dict[str, object]:
    """Health 2020 (80 and 60) weighted by 18+ where every member has it, else by all."""
    registry = two_municipalities()
    first, fallback = indicator("achttien_plus"), indicator("inwoners_alle")
    frame = fill_regions(
        indicator("gezond_live"),
        published("gezond_live", {"GM0001": 80.0, "GM0002": 60.0}),
        {
            first.id: fill_regions(first, adults, {}, registry),
            fallback.id: fill_regions(fallback, everyone, {}, registry),
        },
        registry,
        [first, fallback],
    )
    return of_region(frame, "duo")


def test_the_first_weight_wins_when_every_member_has_it_and_the_rule_names_it() -> None:
    """18+ of 100 and 300: (80 x 100 + 60 x 300) / 400 = 65; no approximation named."""
    duo = with_fallback(
        published("achttien_plus", {"GM0001": 100.0, "GM0002": 300.0}),
        published("inwoners_alle", {"GM0001": 300.0, "GM0002": 100.0}),
    )
    assert duo["value"] == pytest.approx(65.0)
    assert duo["rule"] == (
        "gewogen gemiddelde van 2 gemeenten (gewicht: inwoners van 18 jaar en ouder)"
    )


def test_the_first_weight_of_another_year_still_beats_the_fallback() -> None:
    """18+ only for 2019 (the nearest year with every member): it is used, and said so."""
    duo = with_fallback(
        published("achttien_plus", {"GM0001": 100.0, "GM0002": 300.0}, period="2019JJ00"),
        published("inwoners_alle", {"GM0001": 300.0, "GM0002": 100.0}),
    )
    assert duo["value"] == pytest.approx(65.0)
    assert "inwoners van 18 jaar en ouder in 2019 (dichtstbijzijnde" in str(duo["rule"])


def test_the_fallback_weighs_where_a_member_lacks_the_first_and_the_rule_says_so() -> None:
    """GM0002 has no 18+ figure in any year: all inhabitants (300 and 100) weigh,
    (80 x 300 + 60 x 100) / 400 = 75, and the rule names the approximation."""
    duo = with_fallback(
        published("achttien_plus", {"GM0001": 100.0, "GM0002": None}),
        published("inwoners_alle", {"GM0001": 300.0, "GM0002": 100.0}),
    )
    assert duo["value"] == pytest.approx(75.0)
    assert duo["rule"] == (
        "gewogen gemiddelde van 2 gemeenten "
        "(gewicht: inwoners, benadering van inwoners van 18 jaar en ouder)"
    )
