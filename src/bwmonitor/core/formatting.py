"""Dutch number formatting for what users read: 1.234,5 and € 51.200 and 6,5%."""

from __future__ import annotations


def dutch_number(value: float | int | None, decimals: int = 0) -> str:
    """12345.678 with 1 decimal -> '12.345,7'; None -> '.' (CBS's sign for 'no figure')."""
    if value is None:
        return "."
    text = f"{value:,.{decimals}f}"  # '12,345.7'
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # -0,0 reads as a difference where there is none
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def with_unit(value: float | None, unit: str, decimals: int, difference: bool = False) -> str:
    """A value as printed in the monitor: '€ 51.200', '6,5%', '1.234', '1,1 km'.

    A shortcut for ``Quantity.of(unit, decimals).text(value, difference)`` (units.py):
    CBS's unit text, such as 'x 1 000 euro', decides the amount and unit shown.
    """
    from bwmonitor.core.units import Quantity  # units.py builds on dutch_number above

    return Quantity.of(unit, decimals).text(value, difference)
