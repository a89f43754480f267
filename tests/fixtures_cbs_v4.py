"""V4Table builders from real CBS OData v4 captures (data/odata-v4/, provenance in SOURCES.md).

Each builder returns a fresh :class:`V4Table` (tests may edit it, e.g. change ``Modified`` or
a value to simulate a CBS revision). The parsed JSON is cached per file, so a test does not
re-parse the 3.5 MB of 03759ned's observations; every call copies it.

Everything is served as captured: codes unpadded, ``Impossible`` cells kept as rows with
``Value`` null, the dimensions' ``CodesUrl``/``GroupsUrl`` still pointing at
CBS's v4 host (the server rewrites them to itself when it serves ``Dimensions``).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

try:  # works whether tests/ is a package or a plain rootdir-inserted folder
    from .odata_server import V4Table
except ImportError:
    from odata_server import V4Table  # type: ignore[no-redef,import-not-found]

__all__ = [
    "V4_DATA_DIR",
    "all_v4_tables",
    "koopwoningen_83625_v4",
    "population_03759_v4",
    "v4_table_from_capture",
]

V4_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "odata-v4"

_CODES_PREFIX = "codes-"


@functools.cache
def _parsed(path: Path) -> Any:
    """The file's JSON, parsed once per process (never hand this object out: copy it)."""
    return json.loads(path.read_bytes())


def _records(path: Path) -> list[dict[str, Any]]:
    """A fresh copy of a feed's ``value`` records (flat records: a copy per record is enough)."""
    document = _parsed(path)
    return [
        dict(r) if all(not isinstance(v, dict | list) for v in r.values()) else copy.deepcopy(r)
        for r in document["value"]
    ]


def v4_table_from_capture(folder: Path) -> V4Table:
    """Build a V4Table from one capture folder; its ``index.json`` names the files."""
    index = _parsed(folder / "index.json")
    files: dict[str, str] = index["files"]
    properties = copy.deepcopy(_parsed(folder / files["properties"]))
    properties.pop("@odata.context", None)
    dimensions = _records(folder / files["dimensions"])
    codes = {
        key[len(_CODES_PREFIX) :]: _records(folder / name)
        for key, name in files.items()
        if key.startswith(_CODES_PREFIX)
    }
    # Keep Dimensions order for the code lists (index.json lists them alphabetically).
    order = [d["Identifier"] for d in dimensions]
    codes = {d: codes[d] for d in order if d in codes} | {
        d: v for d, v in codes.items() if d not in order
    }
    observations: list[dict[str, Any]] = []
    for page in index["observationPages"]:
        observations += _records(folder / page)
    return V4Table(
        table_id=str(index["tableId"]),
        properties=properties,
        dimensions=dimensions,
        measure_codes=_records(folder / files["measure-codes"]),
        codes=codes,
        observations=observations,
    )


def population_03759_v4() -> V4Table:
    """03759ned "Bevolking op 1 januari en gemiddeld" (slice: totals, NL/PV/GM, 2019-2026)."""
    return v4_table_from_capture(V4_DATA_DIR / "03759ned")


def koopwoningen_83625_v4() -> V4Table:
    """83625NED "Bestaande koopwoningen; gemiddelde verkoopprijzen, regio" (2015-2025)."""
    return v4_table_from_capture(V4_DATA_DIR / "83625NED")


def all_v4_tables() -> list[V4Table]:
    """Every captured v4 table, fresh copies."""
    return [population_03759_v4(), koopwoningen_83625_v4()]
