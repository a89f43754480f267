"""Which indicators an indicator is computed from: one rule for the catalogue's cycle
check and the order in which observations are computed."""

from __future__ import annotations

from typing import Any

from bwmonitor.core.catalog import Aggregation, Direction, Indicator, Ratio


def indicator(aggregate: Aggregation = Aggregation.NONE, **fields: Any) -> Indicator:
    return Indicator("x", "X", "t", "%", 1, Direction.HIGHER, aggregate, **fields)


def test_a_published_indicator_depends_on_nothing() -> None:
    assert indicator().dependencies == ()


def test_a_weighted_mean_depends_on_its_weight() -> None:
    weighted = indicator(Aggregation.WEIGHTED_MEAN, weight="inwoners")
    assert weighted.dependencies == ("inwoners",)


def test_a_ratio_depends_on_its_numerator_and_denominator() -> None:
    ratio = indicator(Aggregation.RATIO, ratio=Ratio("bijstand", "inwoners", 1000))
    assert ratio.dependencies == ("bijstand", "inwoners")
