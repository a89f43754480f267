"""Regions: municipalities as CBS names them, Drenthe's COROP regions, the province,
the Netherlands, and the catalogue's custom regions, with their members and aliases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bwmonitor.errors import InvalidInput
from bwmonitor.suggest import closest

NETHERLANDS = "NL01"
NETHERLANDS_KWB = "NL00"  # the KWB tables spell the country NL00
DRENTHE = "PV22"

# CBS's COROP indeling of Drenthe, unchanged since 1998.
COROP_MEMBERS: dict[str, tuple[str, ...]] = {
    "CR07": ("GM1680", "GM0106", "GM1731", "GM1699", "GM1730"),
    "CR08": ("GM1681", "GM0109", "GM0114"),
    "CR09": ("GM1690", "GM0118", "GM0119", "GM1701"),
}
COROP_NAMES = {"CR07": "Noord-Drenthe", "CR08": "Zuidoost-Drenthe", "CR09": "Zuidwest-Drenthe"}
COROP_ALIASES = {"CR07": ("noord",), "CR08": ("zuidoost",), "CR09": ("zuidwest",)}
DRENTHE_MUNICIPALITIES: tuple[str, ...] = tuple(
    code for members in COROP_MEMBERS.values() for code in members
)
DRENTHE_REGIONS: tuple[str, ...] = (
    *DRENTHE_MUNICIPALITIES,
    *COROP_MEMBERS,
    DRENTHE,
    NETHERLANDS,
    NETHERLANDS_KWB,
)


class Level(StrEnum):
    MUNICIPALITY = "gemeente"
    COROP = "corop"
    PROVINCE = "provincie"
    COUNTRY = "land"
    CUSTOM = "eigen regio"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: Level
    members: tuple[str, ...] = ()  #: municipality codes; empty for a municipality
    aliases: tuple[str, ...] = ()

    @property
    def is_aggregate(self) -> bool:
        return bool(self.members) or self.level is Level.COUNTRY


def canonical_code(code: str) -> str:
    """One code per region: KWB's NL00 is the Netherlands, NL01 elsewhere."""
    return NETHERLANDS if code == NETHERLANDS_KWB else code


class RegionRegistry:
    """Every region bwmonitor knows, found by code, name (any case) or alias."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: dict[str, Region] = {}
        self._names: dict[str, str] = {}
        for region in regions:
            self.regions[region.code] = region
        for region in self.regions.values():
            for name in (region.code, region.name, *region.aliases):
                self._names.setdefault(name.lower(), region.code)
        self._names[NETHERLANDS_KWB.lower()] = NETHERLANDS

    def __contains__(self, code: str) -> bool:
        return code in self.regions

    def get(self, code: str) -> Region:
        return self.regions[code]

    def name_of(self, code: str) -> str:
        region = self.regions.get(canonical_code(code))
        return region.name if region else code

    def resolve(self, text: str) -> Region:
        """A region by code, name or alias; InvalidInput with a suggestion otherwise."""
        code = self._names.get(text.strip().lower())
        if code is not None:
            return self.regions[code]
        best = closest(text.strip(), self._names)
        hint = "see `bwmonitor regions`"
        if best:
            hint = f"did you mean {self.regions[self._names[best]].name!r}? " + hint
        raise InvalidInput(f"region {text!r} is not known", hint=hint)

    def aggregates(self) -> list[Region]:
        """Regions that may need a value computed from their member municipalities."""
        return [r for r in self.regions.values() if r.members]

    def municipalities(self) -> list[Region]:
        return [r for r in self.regions.values() if r.level is Level.MUNICIPALITY]


def build_registry(
    municipality_names: Mapping[str, str], custom: Iterable[Region] = ()
) -> RegionRegistry:
    """The registry: CBS's municipalities, Drenthe's regions, NL, and custom regions."""
    regions = [
        Region(code, name, Level.MUNICIPALITY)
        for code, name in sorted(municipality_names.items())
        if code.startswith("GM")
    ]
    regions += [
        Region(code, COROP_NAMES[code], Level.COROP, members, COROP_ALIASES[code])
        for code, members in COROP_MEMBERS.items()
    ]
    regions.append(Region(DRENTHE, "Drenthe", Level.PROVINCE, DRENTHE_MUNICIPALITIES, ("drenthe",)))
    regions.append(Region(NETHERLANDS, "Nederland", Level.COUNTRY, (), ("nederland", "nl")))
    regions += list(custom)
    return RegionRegistry(regions)
