"""CBS's unit texts as bwmonitor reads them: a unit and a scale (the factor CBS writes)."""

from __future__ import annotations

import pytest

from bwmonitor.core.units import parse_unit


@pytest.mark.parametrize(
    ("text", "unit", "scale"),
    [
        ("x 1 000 euro", "euro", 1000),
        ("1 000 euro", "euro", 1000),
        ("x 1.000 euro", "euro", 1000),
        ("x 1 000", "aantal", 1000),
        ("mln euro", "euro", 1_000_000),
        ("per 1.000 inwoners", "per 1.000 inwoners", 1),
        ("%", "%", 1),
    ],
)
def test_cbs_unit_texts_read_as_unit_and_scale(text: str, unit: str, scale: int) -> None:
    """CBS's ways of writing a factor all give the same unit and scale."""
    assert (parse_unit(text).name, parse_unit(text).scale) == (unit, scale)
