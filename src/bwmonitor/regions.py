"""Drenthe's regions as CBS defines them (COROP indeling, stable since 1998)."""

from __future__ import annotations

NETHERLANDS = "NL01"
NETHERLANDS_KWB = "NL00"  # the KWB tables spell the country NL00
DRENTHE = "PV22"

COROP_MEMBERS: dict[str, tuple[str, ...]] = {
    "CR07": ("GM1680", "GM0106", "GM1731", "GM1699", "GM1730"),  # Noord-Drenthe
    "CR08": ("GM1681", "GM0109", "GM0114"),  # Zuidoost-Drenthe
    "CR09": ("GM1690", "GM0118", "GM0119", "GM1701"),  # Zuidwest-Drenthe
}
COROP_NAMES = {"CR07": "Noord-Drenthe", "CR08": "Zuidoost-Drenthe", "CR09": "Zuidwest-Drenthe"}
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
