"""The unit model: what an indicator's figures are counted in, as CBS has them and as
a reader expects them.

CBS publishes some amounts in thousands (``x 1 000 euro``, ``x 1 000`` households). The
store and every data output keep CBS's value, with the reader's unit and the scale to
it (``unit = "euro"``, ``scale = 1000``: the value × 1000 is euros). What people read
(terminal, workbook sheets, charts) shows the amount itself, `€ 28.400` and `77.400`,
never a bare 28,4 next to a unit it is not in. One ``Quantity`` per indicator, built
from the catalogue's ``unit`` and ``decimals``, is used by every output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bwmonitor.core.formatting import dutch_number

COUNT = "aantal"
EURO = "euro"
PERCENT = "%"
#: units printed after the number ('1,1 km'); euro goes before it and % sticks to it
SUFFIXED = ("km", "m³", "kWh", "personen")

# CBS writes the factor as 'x 1 000', '1 000', 'x 1.000', '1.000' (and mln for millions)
_FACTOR = re.compile(
    r"^(?:x\s*)?(?P<factor>1(?:[ .\u00a0]?000)+|(?:1\s*)?(?:mln|miljoen))(?:\s+|$)(?P<rest>.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Unit:
    """The reader's unit and CBS's scale: CBS's value × ``scale`` is an amount in ``name``."""

    name: str  #: "euro", "aantal", "%", "km", "per 1.000 inwoners", or "" when none is given
    scale: int = 1


@cache
def parse_unit(text: str) -> Unit:
    """CBS's (or the catalogue's) unit text as a Unit.

    'x 1 000 euro' -> Unit('euro', 1000); 'x 1.000' -> Unit('aantal', 1000);
    'euro' -> Unit('euro', 1); any other text is taken as it is, with scale 1.
    """
    text = " ".join(text.split())
    found = _FACTOR.match(text)
    if found is None:
        return Unit(text)
    factor = found["factor"].lower()
    digits = re.sub(r"\D", "", factor)
    scale = int(digits) if digits.strip("1") else 1_000_000  # '1 mln', 'mln' and 'miljoen'
    return Unit(found["rest"] or COUNT, scale)


@dataclass(frozen=True, slots=True)
class Quantity:
    """How one indicator's figures read: its unit and the decimals of CBS's value."""

    unit: Unit
    decimals: int  #: of CBS's value (the catalogue's `decimals`)

    @classmethod
    def of(cls, unit_text: str, decimals: int) -> Quantity:
        """The quantity of a catalogue unit text and decimals."""
        return cls(parse_unit(unit_text), decimals)

    @property
    def reader_decimals(self) -> int:
        """Decimals of the reader's amount; negative when the figure is rounded to tens or
        more (28,4 thousand euro is rounded to hundreds of euros: -2)."""
        return self.decimals - (len(str(self.unit.scale)) - 1)

    def amount(self, value: float) -> float:
        """CBS's value as the reader's amount, rounded once to the precision CBS's figure
        has: 28,44 (x 1 000 euro, 1 decimal) -> 28400.0 euro.

        The zeros that scaling adds are not precision the figure has, so a scaled amount
        is never shown as 28.437.
        """
        # the second round removes float noise of the scaling (28.4 × 1000)
        return round(value * self.unit.scale, self.reader_decimals) + 0.0

    def text(self, value: float | None, difference: bool = False) -> str:
        """A figure as printed: '€ 28.400', '6,5%', '77.400', '1,1 km', '.' for none.

        A difference gets its sign, and for percentages is in percentage points
        ('+2,1 %-punt'). The value is rounded here, once: a difference is computed from
        unrounded values before it comes here.
        """
        if value is None:
            return "."
        amount = self.amount(value)
        number = dutch_number(abs(amount), max(self.reader_decimals, 0))
        sign = "-" if amount < 0 and number.strip("0,.") else ""
        if difference and amount > 0:
            sign = "+"
        name = self.unit.name
        if name == EURO:
            return f"{sign}€ {number}"
        if name == PERCENT:
            return f"{sign}{number} %-punt" if difference else f"{sign}{number}%"
        if name in SUFFIXED:
            return f"{sign}{number} {name}"
        return sign + number
