"""Region codes tell their kind by prefix: one function each, in core/regions.py."""

from __future__ import annotations

import polars as pl

from bwmonitor.core.regions import (
    DEFAULT_REGION_LEVELS,
    below_municipality_codes,
    build_registry,
    is_municipality,
    municipality_codes,
)

CODES = ["GM0106", "WK010601", "BU01060101", "CR07", "PV22", "NL01", "NL00"]


def test_is_municipality_knows_the_gm_prefix() -> None:
    assert [is_municipality(c) for c in CODES] == [True] + [False] * 6


def test_municipality_codes_filter_a_frame_as_is_municipality_does() -> None:
    frame = pl.DataFrame({"region": CODES, "RegioS": CODES})
    assert frame.filter(municipality_codes())["region"].to_list() == ["GM0106"]
    assert frame.filter(municipality_codes("RegioS"))["RegioS"].to_list() == ["GM0106"]


def test_districts_and_neighbourhoods_are_below_municipalities() -> None:
    frame = pl.DataFrame({"WijkenEnBuurten": CODES})
    below = frame.filter(below_municipality_codes("WijkenEnBuurten"))
    assert below["WijkenEnBuurten"].to_list() == ["WK010601", "BU01060101"]


def test_the_registry_takes_only_municipalities_from_cbs_labels() -> None:
    """A table's region labels also name provinces: those come from regions_nl.json."""
    registry = build_registry({"GM0106": "Assen", "PV22": "Drenthe (PV)", "WK010601": "Wijk"})
    assert registry.get("GM0106").name == "Assen"
    assert "WK010601" not in registry
    assert registry.get("PV22").name == "Drenthe"


def test_every_municipality_is_fetched_by_default() -> None:
    """Ranks and quartiles need all municipalities, not only Drenthe's."""
    assert DEFAULT_REGION_LEVELS == ("NL", "PV", "CR", "GM")
