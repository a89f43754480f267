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


THOUSANDS_OF_EUROS = {"x 1.000 euro", "x 1 000 euro", "1 000 euro", "1.000 euro"}


def with_unit(value: float | None, unit: str, decimals: int, difference: bool = False) -> str:
    """A value as printed in the monitor: '€ 51.200', '6,5%', '1.234', '1,1 km'.

    Thousands of euros are printed in euros, rounded to what the figure's decimals
    carry (51,2 thousand -> € 51.200). A difference gets its sign, and for
    percentages is in percentage points ('+2,1 %-punt').
    """
    if value is None:
        return "."
    sign = "+" if difference and round(value, decimals) > 0 else ""
    if unit in THOUSANDS_OF_EUROS:
        return f"{sign}€ {dutch_number(round(value, decimals) * 1000, 0)}"
    if unit == "euro":
        return f"{sign}€ {dutch_number(value, decimals)}"
    number = sign + dutch_number(value, decimals)
    if unit == "%":
        return f"{number} %-punt" if difference else f"{number}%"
    if unit in ("km", "m³", "personen"):
        return f"{number} {unit}"
    return number
