"""Regions: municipalities as CBS names them, the 40 COROP regions, the 12 provinces,
the Netherlands, and the catalogue's custom regions, with their members and aliases.

Memberships of COROP regions and provinces come from CBS's "Gebieden in Nederland 2025"
(`regions_nl.json`, built by scripts/build_snapshot.py); Drenthe's are also written out
below, as the monitor's own regions with their aliases.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any

from bwmonitor.core.errors import InvalidInput
from bwmonitor.core.suggest import closest

if TYPE_CHECKING:
    import polars as pl

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


# CBS region codes start with their kind: GM0106 a municipality (gemeente), WK010601 a
# district (wijk), BU01060101 a neighbourhood (buurt)
MUNICIPALITY_PREFIX = "GM"
BELOW_MUNICIPALITY_PREFIXES = ("WK", "BU")
#: the kinds of region fetched unless the catalogue says otherwise: the country, the
#: provinces, the COROP regions and every municipality (for ranks and quartiles)
DEFAULT_REGION_LEVELS = ("NL", "PV", "CR", MUNICIPALITY_PREFIX)


def is_municipality(code: str) -> bool:
    """True for a municipality's code ('GM0106')."""
    return code.startswith(MUNICIPALITY_PREFIX)


def municipality_codes(column: str = "region") -> pl.Expr:
    """`is_municipality` as a polars filter on `column`."""
    import polars as pl

    return pl.col(column).str.starts_with(MUNICIPALITY_PREFIX)


def below_municipality_codes(column: str) -> pl.Expr:
    """True where `column` holds a district's or a neighbourhood's code (WK, BU)."""
    import polars as pl

    return pl.col(column).str.slice(0, 2).is_in(BELOW_MUNICIPALITY_PREFIXES)


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


# CBS tells same-named regions apart in its labels: 'Groningen (gemeente)', 'Groningen (PV)'
CBS_LEVEL_SUFFIX = re.compile(r"\s*\((?:gemeente|PV)\)$")
# the order in which same-named regions are offered: largest first
LEVEL_ORDER = (Level.COUNTRY, Level.PROVINCE, Level.COROP, Level.MUNICIPALITY, Level.CUSTOM)


def plain_name(name: str) -> str:
    """'Groningen (gemeente)' -> 'Groningen'; other names unchanged ('Bergen (NH.)')."""
    return CBS_LEVEL_SUFFIX.sub("", name)


def qualified_name(region: Region) -> str:
    """The name that tells a region apart from same-named ones: 'Groningen (provincie)'."""
    return f"{plain_name(region.name)} ({region.level.value})"


def _names_of(region: Region) -> list[str]:
    names = [region.name, plain_name(region.name), qualified_name(region)]
    if region.level is Level.PROVINCE:
        names.append(f"{plain_name(region.name)} (PV)")  # as CBS's RegioS labels spell it
    return names


class RegionRegistry:
    """Every region bwmonitor knows, found by code or alias (these win), or by name
    (any case); a name several regions share must be asked for as 'Name (level)'."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: dict[str, Region] = {}
        self._exact: dict[str, str] = {}  #: code or alias (lower case) -> code
        self._names: dict[str, list[str]] = {}  #: name (lower case) -> codes
        for region in regions:
            self.regions[region.code] = region
        for region in self.regions.values():
            self._exact.setdefault(region.code.lower(), region.code)
        for region in self.regions.values():
            for alias in region.aliases:
                self._exact.setdefault(alias.lower(), region.code)
        self._exact[NETHERLANDS_KWB.lower()] = NETHERLANDS
        for region in self.regions.values():
            for name in _names_of(region):
                codes = self._names.setdefault(name.lower(), [])
                if region.code not in codes:
                    codes.append(region.code)

    def __contains__(self, code: str) -> bool:
        return code in self.regions

    def get(self, code: str) -> Region:
        return self.regions[code]

    def name_of(self, code: str) -> str:
        region = self.regions.get(canonical_code(code))
        return region.name if region else code

    def resolve(self, text: str) -> Region:
        """A region by code, alias or name; InvalidInput listing the candidates for a
        name several regions share, or with a suggestion for an unknown one."""
        key = text.strip().lower()
        if key in self._exact:
            return self.regions[self._exact[key]]
        codes = self._names.get(key, [])
        if len(codes) == 1:
            return self.regions[codes[0]]
        hint = "see `bwmonitor regions`"
        if codes:
            raise InvalidInput(
                f"region {text!r} is ambiguous: did you mean {self._choices(codes)}?", hint=hint
            )
        best = closest(text.strip(), [*self._exact, *self._names])
        if best in self._exact:
            hint = f"did you mean {self.regions[self._exact[best]].name!r}? " + hint
        elif best:
            hint = f"did you mean {self._choices(self._names[best], quoted=True)}? " + hint
        raise InvalidInput(f"region {text!r} is not known", hint=hint)

    def _choices(self, codes: list[str], quoted: bool = False) -> str:
        """'Groningen (provincie) or Groningen (gemeente)', largest region first."""
        regions = sorted((self.regions[c] for c in codes), key=lambda r: LEVEL_ORDER.index(r.level))
        if len(regions) == 1:
            return repr(regions[0].name) if quoted else regions[0].name
        names = [qualified_name(r) for r in regions]
        if quoted:
            names = [repr(n) for n in names]
        return ", ".join(names[:-1]) + " or " + names[-1]

    def aggregates(self) -> list[Region]:
        """Regions that may need a value computed from their member municipalities."""
        return [r for r in self.regions.values() if r.members]


@functools.cache
def national_regions() -> Mapping[str, Any]:
    """COROP regions and provinces with their municipalities (package data, see
    data/SOURCES.md): {"corop": {code: {name, members}}, "provinces": {...}}."""
    path = resources.files("bwmonitor").joinpath("regions_nl.json")
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class SameArea:
    """A region CBS publishes under another division (a GGD region) that covers exactly
    the municipalities of one of ours: its figure is CBS's own figure for our region."""

    code: str  #: the other division's code, e.g. GG0706
    name: str  #: GGD Drenthe
    region: str  #: ours, e.g. PV22
    size: int  #: the number of municipalities both consist of


@functools.cache
def same_areas() -> tuple[SameArea, ...]:
    """GGD regions whose municipalities are exactly those of a province or a COROP
    region (Gebieden in Nederland 2025): GGD Drenthe is Drenthe's twelve. A GGD region
    that is a province and its only COROP region (Flevoland) gives both their figure."""
    data = national_regions()
    ours = [
        (frozenset(info["members"]), code)
        for level in ("corop", "provinces")
        for code, info in data[level].items()
    ]
    return tuple(
        SameArea(code, info["name"], region, len(info["members"]))
        for code, info in data.get("ggd", {}).items()
        for members, region in ours
        if members == frozenset(info["members"])
    )


def larger_regions() -> list[Region]:
    """The 40 COROP regions and 12 provinces; Drenthe's as the monitor defines them."""
    data = national_regions()
    corop = [
        Region(code, COROP_NAMES[code], Level.COROP, COROP_MEMBERS[code], COROP_ALIASES[code])
        if code in COROP_MEMBERS
        else Region(code, info["name"], Level.COROP, tuple(info["members"]))
        for code, info in data["corop"].items()
    ]
    provinces = [
        Region(DRENTHE, "Drenthe", Level.PROVINCE, DRENTHE_MUNICIPALITIES, ("drenthe",))
        if code == DRENTHE
        else Region(code, info["name"], Level.PROVINCE, tuple(info["members"]))
        for code, info in data["provinces"].items()
    ]
    return [*corop, *provinces]


def build_registry(
    municipality_names: Mapping[str, str], custom: Iterable[Region] = ()
) -> RegionRegistry:
    """The registry: CBS's municipalities, COROP regions, provinces, NL, custom regions."""
    regions = [
        Region(code, name, Level.MUNICIPALITY)
        for code, name in sorted(municipality_names.items())
        if is_municipality(code)
    ]
    regions += larger_regions()
    regions.append(Region(NETHERLANDS, "Nederland", Level.COUNTRY, (), ("nederland", "nl")))
    regions += list(custom)
    return RegionRegistry(regions)


@functools.cache
def municipality_classes() -> Mapping[str, Any]:
    """CBS's size and urbanisation classes per year and municipality, 2020–2025 (package
    data from "Gebieden in Nederland", built by scripts/build_municipality_classes.py):
    {"years": {"2025": {"size_labels", "urbanisation_labels", "municipalities": {code:
    [name, size, urbanisation, inhabitants, address_density]}}}}."""
    path = resources.files("bwmonitor").joinpath("municipality_classes.json")
    return json.loads(path.read_text("utf-8"))  # type: ignore[no-any-return]
