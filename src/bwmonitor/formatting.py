"""Dutch number formatting for what users read: 1.234,5 and € 51.200."""

from __future__ import annotations


def dutch_number(value: float | int | None, decimals: int = 0) -> str:
    """12345.678 with 1 decimal -> '12.345,7'; None -> '.' (CBS's sign for 'no figure')."""
    if value is None:
        return "."
    text = f"{value:,.{decimals}f}"  # '12,345.7'
    return text.replace(",", "_").replace(".", ",").replace("_", ".")
