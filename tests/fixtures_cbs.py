"""FakeTable builders from real CBS data (copied into tests/data/, provenance in SOURCES.md).

Each builder returns a fresh :class:`FakeTable` (tests may mutate it). Values are padded
exactly as CBS's OData v3 service serves them; see the ``*_WIDTH`` constants. Anything
that is not real CBS data (synthetic districts, assumed dates, titles we had to make up)
is marked as such where it is built.
"""

from __future__ import annotations

import csv
import functools
import json
import random
from pathlib import Path
from typing import Any

try:  # works whether tests/ is a package or a plain rootdir-inserted folder
    from .odata_server import FakeTable
except ImportError:
    from odata_server import FakeTable  # type: ignore[no-redef]

__all__ = [
    "DATA_DIR",
    "all_tables",
    "health_50090",
    "kwb_2020",
    "kwb_2024",
    "pad",
    "padded_key_width",
    "population_03759",
    "woonplaatsen_84489",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # the repository's data/

# Fixed widths CBS pads to (observed in the real responses / exports).
KWB_REGION_WIDTH = 10  # WijkenEnBuurten, Codering_3: "GM1680    ", "BU00140000"
KWB_SOORT_WIDTH = 10  # SoortRegio_2: "Gemeente  "
KWB_NAME_WIDTH = 40  # Gemeentenaam_1 in 84799NED (assumed the same for 85984NED / 50090NED)
REGIOS_WIDTH = 6  # RegioS in 03759ned: "NL01  ", "GM1680"

Record = dict[str, Any]

# Fields the real API sends per DataProperties record type (taken from 85984NED, which
# was saved straight from the API; 84799NED went through parquet, which added nulls).
_PROPERTY_FIELDS = {
    "GeoDetail": ["odata.type", "ID", "Position", "ParentID", "Type", "Key", "Title",
                  "Description", "MapYear"],
    "TopicGroup": ["odata.type", "ID", "Position", "ParentID", "Type", "Key", "Title",
                   "Description"],
    "Topic": ["odata.type", "ID", "Position", "ParentID", "Type", "Key", "Title", "Description",
              "Datatype", "Unit", "Decimals", "Default", "PresentationType"],
}  # fmt: skip
# The wire field order of a TableInfos record (from 85984NED).
_TABLE_INFO_FIELDS = [
    "ID", "Title", "ShortTitle", "Identifier", "Summary", "Modified", "ReasonDelivery",
    "ExplanatoryText", "Language", "Catalog", "Frequency", "Period", "ShortDescription",
    "Description", "DefaultPresentation", "DefaultSelection", "GraphTypes", "OutputStatus",
    "Source", "MetaDataModified", "SearchPriority",
]  # fmt: skip


# --------------------------------------------------------------------------- helpers


def pad(value: str, width: int) -> str:
    """Right-pad with spaces to CBS's fixed column width."""
    return value.ljust(width)


def _read_csv(relative: str) -> list[dict[str, str]]:
    with open(DATA_DIR / relative, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _read_json(relative: str) -> Any:
    with open(DATA_DIR / relative, encoding="utf-8") as handle:
        return json.load(handle)


def _typed(raw: str, datatype: str | None) -> Any:
    """Convert a CSV cell to the JSON type CBS serves for this Datatype (empty -> null)."""
    if raw == "":
        return None
    if datatype in ("Long", "Integer", "Short"):
        return int(raw)
    if datatype in ("Double", "Float", "Decimal"):
        return float(raw)
    return raw  # String: keep the padding as served


def _datatypes(properties: list[Record]) -> dict[str, str | None]:
    return {p["Key"]: p.get("Datatype") for p in properties if p.get("Type") == "Topic"}


def _clean_property(record: Record) -> Record:
    """Drop the fields that do not belong to this record type (the API omits them)."""
    fields = _PROPERTY_FIELDS.get(record["Type"])
    if fields is None:
        return dict(record)
    return {k: record.get(k) for k in fields}


def _table_infos(source: Record, **overrides: Any) -> Record:
    """A TableInfos wire record from a catalog-style record."""
    merged = {**source, **overrides}
    return {k: merged.get(k, "") for k in _TABLE_INFO_FIELDS}


def _dimension_property(
    index: int, key: str, title: str, kind: str, description: str = "", **extra: Any
) -> Record:
    return {
        "odata.type": f"Cbs.OData.{kind}",
        "ID": index,
        "Position": index,
        "ParentID": None,
        "Type": kind,
        "Key": key,
        "Title": title,
        "Description": description,
        **extra,
    }


def _topic_group(index: int, title: str, parent: int | None = None) -> Record:
    return {
        "odata.type": "Cbs.OData.TopicGroup",
        "ID": index,
        "Position": None,
        "ParentID": parent,
        "Type": "TopicGroup",
        "Key": "",
        "Title": title,
        "Description": "",
    }


def _topic(
    index: int,
    position: int,
    key: str,
    title: str,
    *,
    unit: str,
    datatype: str,
    decimals: int = 0,
    parent: int | None = None,
    presentation: str = "",
) -> Record:
    return {
        "odata.type": "Cbs.OData.Topic",
        "ID": index,
        "Position": position,
        "ParentID": parent,
        "Type": "Topic",
        "Key": key,
        "Title": title,
        "Description": "",
        "Datatype": datatype,
        "Unit": unit,
        "Decimals": decimals,
        "Default": "Impossible",
        "PresentationType": presentation,
    }


def _dimension_entry(key: str, title: str, width: int, **extra: Any) -> Record:
    return {"Key": pad(key, width), "Title": title, "Description": "", **extra}


def _fresh(rows: tuple[Record, ...]) -> list[Record]:
    # Cached rows hold only immutable scalars, so one dict copy per row isolates callers.
    return [dict(r) for r in rows]


# --------------------------------------------------------------------------- 84799NED


@functools.lru_cache(maxsize=1)
def _kwb_2020_properties() -> tuple[Record, ...]:
    return tuple(_clean_property(p) for p in _read_json("cbs/84799NED_DataProperties.json"))


@functools.lru_cache(maxsize=1)
def _kwb_2020_base_rows() -> tuple[Record, ...]:
    types = _datatypes(list(_kwb_2020_properties()))
    rows = []
    for raw in _read_csv("cbs/84799NED_kwb2020_gemeenten.csv"):
        row: Record = {"ID": int(raw["ID"]), "WijkenEnBuurten": raw["WijkenEnBuurten"]}
        row.update({k: _typed(v, types.get(k)) for k, v in raw.items() if k not in row})
        rows.append(row)
    return tuple(rows)


@functools.lru_cache(maxsize=4)
def _kwb_2020_districts(count: int) -> tuple[tuple[Record, ...], tuple[Record, ...]]:
    """SYNTHETIC wijk/buurt rows (not CBS data) so the table can exceed one 10,000-row page.

    Wijken ``WK{gm}{nn}`` and their buurten ``BU{gm}{nn}{bb}`` are dealt round-robin over
    the real municipalities. Values derive from the municipality's real row with a fixed
    seed: absolute counts are a random share of the municipality's figure, relative
    measures (densities, averages, distances) vary by +/-15 %. Real IDs are kept; the
    synthetic rows follow with IDs from max(ID)+1.
    """
    rng = random.Random(84799)
    base = _kwb_2020_base_rows()
    properties = [p for p in _kwb_2020_properties() if p["Type"] == "Topic"]
    numeric = [p for p in properties if p["Datatype"] != "String"]
    municipalities = [r for r in base if r["WijkenEnBuurten"].startswith("GM")]
    next_id = max(r["ID"] for r in base) + 1
    rows: list[Record] = []
    entries: list[Record] = []
    wijk = 0
    while len(rows) < count:
        if wijk > 99:
            raise ValueError(f"with_districts={count} exceeds the synthetic code space")
        for municipality in municipalities:
            gm = municipality["WijkenEnBuurten"].strip()[2:]
            name = municipality["Gemeentenaam_1"].strip()
            codes = [(f"WK{gm}{wijk:02d}", "Wijk", f"Wijk {wijk:02d} {name} (synthetisch)")]
            codes += [
                (
                    f"BU{gm}{wijk:02d}{b:02d}",
                    "Buurt",
                    f"Buurt {wijk:02d}{b:02d} {name} (synthetisch)",
                )
                for b in range(rng.randint(1, 4))
            ]
            for code, kind, title in codes:
                if len(rows) == count:
                    break
                rows.append(_district_row(municipality, code, kind, next_id, numeric, rng))
                entries.append(_dimension_entry(code, title, KWB_REGION_WIDTH))
                next_id += 1
        wijk += 1
    return tuple(rows), tuple(entries)


def _district_row(
    municipality: Record,
    code: str,
    kind: str,
    row_id: int,
    numeric: list[Record],
    rng: random.Random,
) -> Record:
    row = dict(municipality)
    row["ID"] = row_id
    row["WijkenEnBuurten"] = pad(code, KWB_REGION_WIDTH)
    row["Codering_3"] = pad(code, KWB_REGION_WIDTH)
    row["SoortRegio_2"] = pad(kind, KWB_SOORT_WIDTH)
    row["IndelingswijzigingWijkenEnBuurten_4"] = "1"
    share = rng.uniform(0.01, 0.08)  # one share per row keeps counts mutually consistent
    for prop in numeric:
        value = municipality.get(prop["Key"])
        if value is None:
            continue
        factor = share if prop.get("PresentationType") == "Absolute" else rng.uniform(0.85, 1.15)
        scaled = value * factor
        row[prop["Key"]] = (
            round(scaled) if prop["Datatype"] == "Long" else round(scaled, prop["Decimals"] or 0)
        )
    return row


def kwb_2020(with_districts: int = 0) -> FakeTable:
    """84799NED "Kerncijfers wijken en buurten 2020": NL00 + 355 municipalities (real).

    ``with_districts`` adds that many SYNTHETIC wijk/buurt rows (see _kwb_2020_districts),
    e.g. 12_000 to get past CBS's 10,000-row page like the real 17,341-row table.
    """
    rows = _fresh(_kwb_2020_base_rows())
    regions = [
        _dimension_entry(
            r["WijkenEnBuurten"].strip(), r["Gemeentenaam_1"].strip(), KWB_REGION_WIDTH
        )
        for r in rows
    ]
    if with_districts > 0:
        extra_rows, extra_entries = _kwb_2020_districts(with_districts)
        rows += _fresh(extra_rows)
        regions += [dict(e) for e in extra_entries]
    source = _read_json("cbs/84799NED_TableInfos.json")
    # The source is a catalog-style record; the TableInfos record has ID 0 and no
    # Description in that snapshot.
    infos = _table_infos(source, ID=0, Description="")
    return FakeTable(
        table_id="84799NED",
        table_infos=infos,
        data_properties=[dict(p) for p in _kwb_2020_properties()],
        dimensions={"WijkenEnBuurten": regions},
        rows=rows,
    )


# --------------------------------------------------------------------------- 85984NED


@functools.lru_cache(maxsize=1)
def _population_csv() -> tuple[dict[str, str], ...]:
    return tuple(_read_csv("cbs/03759ned_bevolking_2019-2026_regio.csv"))


def _kwb_municipality_names(period: str) -> dict[str, str]:
    """Municipality names as KWB tables spell them, from 03759ned's RegioS titles.

    RegioS titles disambiguate ("Utrecht (gemeente)", "Beek (L.)") where KWB uses the
    official name ("Utrecht", "Beek"); the translation is learnt from the 2020 pairs.
    """
    kwb = {r["WijkenEnBuurten"].strip(): r["Gemeentenaam_1"].strip() for r in _kwb_2020_base_rows()}
    titles_2020 = {
        r["RegioS"]: r["RegioS_Title"] for r in _population_csv() if r["Perioden"] == "2020JJ00"
    }
    translate = {titles_2020[c]: kwb[c] for c in kwb if c in titles_2020}
    return {
        r["RegioS"]: translate.get(r["RegioS_Title"], r["RegioS_Title"])
        for r in _population_csv()
        if r["Perioden"] == period and r["RegioS"].startswith("GM")
    }


def kwb_2024() -> FakeTable:
    """85984NED "Kerncijfers wijken en buurten 2024": 342 municipalities, 8 real measures.

    DataProperties are complete (172 records); only the 8 measures of the subset plus
    Gemeentenaam_1/SoortRegio_2/Codering_3 (derived) are filled, other topics are null.
    Row IDs are 0..341 (the real IDs, positions in the full wijk/buurt table, are unknown).
    """
    properties = _read_json("odata-v3/85984NED_DataProperties.value.json")
    types = _datatypes(properties)
    names = _kwb_municipality_names("2024JJ00")
    rows = []
    for index, raw in enumerate(_read_csv("cbs/85984NED_kwb2024_gemeenten_subset.csv")):
        code = raw["WijkenEnBuurten"].strip()
        row: Record = {"ID": index, "WijkenEnBuurten": pad(code, KWB_REGION_WIDTH)}
        row.update(dict.fromkeys(types))
        row["Gemeentenaam_1"] = pad(names[code], KWB_NAME_WIDTH)
        row["SoortRegio_2"] = pad("Gemeente", KWB_SOORT_WIDTH)
        row["Codering_3"] = pad(code, KWB_REGION_WIDTH)
        row.update({k: _typed(v, types[k]) for k, v in raw.items() if k != "WijkenEnBuurten"})
        rows.append(row)
    regions = [
        _dimension_entry(
            r["WijkenEnBuurten"].strip(), r["Gemeentenaam_1"].strip(), KWB_REGION_WIDTH
        )
        for r in rows
    ]
    return FakeTable(
        table_id="85984NED",
        table_infos=_read_json("odata-v3/85984NED_TableInfos.value.json")[0],
        data_properties=properties,
        dimensions={"WijkenEnBuurten": regions},
        rows=rows,
        category_groups=_read_json("odata-v3/85984NED_CategoryGroups.value.json"),
    )


# --------------------------------------------------------------------------- 03759ned


def population_03759() -> FakeTable:
    """03759ned "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio".

    The CSV is a v4 slice (totals for sex/age/marital status; NL01, PV and GM rows,
    2019-2026) served here the way the v3 endpoint has it. Topic values: M000352 ->
    BevolkingOp1Januari_1 (Long), M000365 -> GemiddeldeBevolking_2 (Double; empty = null,
    e.g. 2026). Dimension key widths are the longest key in each code list we serve.
    """
    sexes = [("T001038", "Totaal mannen en vrouwen"), ("3000", "Mannen"), ("4000", "Vrouwen")]
    geslacht = [_dimension_entry(k, t, 7) for k, t in sexes]  # rows exist for T001038 only
    leeftijd = [_dimension_entry("10000", "Totaal", 5)]
    staat = [_dimension_entry("T001019", "Totaal burgerlijke staat", 7)]
    source = _population_csv()
    regions: dict[str, str] = {}
    for raw in source:
        regions[raw["RegioS"]] = raw["RegioS_Title"]  # later years win: the current title
    periods = sorted({raw["Perioden"] for raw in source})
    rows = [
        {
            "ID": index,
            "Geslacht": geslacht[0]["Key"],
            "Leeftijd": leeftijd[0]["Key"],
            "BurgerlijkeStaat": staat[0]["Key"],
            "RegioS": pad(raw["RegioS"], REGIOS_WIDTH),
            "Perioden": raw["Perioden"],
            "BevolkingOp1Januari_1": _typed(raw["M000352"], "Long"),
            "GemiddeldeBevolking_2": _typed(raw["M000365"], "Double"),
        }
        for index, raw in enumerate(source)
    ]
    properties = [
        _dimension_property(0, "Geslacht", "Geslacht", "Dimension"),
        _dimension_property(1, "Leeftijd", "Leeftijd", "Dimension"),
        _dimension_property(2, "BurgerlijkeStaat", "Burgerlijke staat", "Dimension"),
        _dimension_property(3, "RegioS", "Regio's", "GeoDimension", MapYear=2026),
        _dimension_property(4, "Perioden", "Perioden", "TimeDimension"),
        _topic(
            5,
            5,
            "BevolkingOp1Januari_1",
            "Bevolking op 1 januari",
            unit="aantal",
            datatype="Long",
            presentation="Absolute",
        ),
        _topic(
            6,
            6,
            "GemiddeldeBevolking_2",
            "Gemiddelde bevolking",
            unit="aantal",
            datatype="Double",
            presentation="Absolute",
        ),
    ]
    title = "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio"
    infos = _table_infos(
        {},
        ID=0,
        Title=title,
        ShortTitle="Bevolking; geslacht, leeftijd en regio",  # assumed short title
        Identifier="03759ned",
        Summary="Bevolking op 1 januari en gemiddelde bevolking naar regio",
        Modified="2026-06-23T02:00:00",
        MetaDataModified="2026-06-23T02:00:00",
        ReasonDelivery="Actualisering",
        Language="nl",
        Catalog="CBS",
        Frequency="Perjaar",
        Period="2019-2026",  # the slice served here (the real table starts in 1988)
        OutputStatus="Regulier",
        Source="CBS.",
        GraphTypes="Table,Bar,Line,Map",
        SearchPriority="1",
    )
    return FakeTable(
        table_id="03759ned",
        table_infos=infos,
        data_properties=properties,
        dimensions={
            "Geslacht": geslacht,
            "Leeftijd": leeftijd,
            "BurgerlijkeStaat": staat,
            "RegioS": [_dimension_entry(k, t, REGIOS_WIDTH) for k, t in regions.items()],
            "Perioden": [
                # The CSV marks every period Definitief, so no Voorlopig here.
                _dimension_entry(p, p[:4], 8, Status="Definitief")
                for p in periods
            ],
        },
        rows=rows,
    )


# --------------------------------------------------------------------------- 50090NED

# (key, Dutch title) per percentage topic; titles follow the keys / SOURCES.md notes.
_HEALTH_TOPICS = [
    ("ErvarenGezondheidGoedZeerGoed_4", "Ervaren gezondheid goed/zeer goed"),
    ("VoldoetAanBeweegrichtlijn_5", "Voldoet aan beweegrichtlijn"),
    ("WekelijkseSporters_6", "Wekelijkse sporters"),
    ("Ondergewicht_7", "Ondergewicht"),
    ("NormaalGewicht_8", "Normaal gewicht"),
    ("Overgewicht_9", "Overgewicht"),
    ("ErnstigOvergewicht_10", "Ernstig overgewicht"),
    ("Roker_11", "Roker"),
    ("VoldoetAanAlcoholRichtlijn_12", "Voldoet aan alcoholrichtlijn"),
    ("Drinker_13", "Drinker"),
    ("ZwareDrinker_14", "Zware drinker"),
    ("OvermatigeDrinker_15", "Overmatige drinker"),
    ("EenOfMeerLangdurigeAandoeningen_16", "Eén of meer langdurige aandoeningen"),
    ("BeperktVanwegeGezondheid_17", "Beperkt vanwege gezondheid"),
    ("ErnstigBeperktVanwegeGezondheid_18", "Ernstig beperkt vanwege gezondheid"),
    ("LangdurigeZiekteEnBeperkt_19", "Langdurige ziekte en beperkt"),
    ("EenOfMeerLichamelijkeBeperkingen_20", "Eén of meer lichamelijke beperkingen"),
    ("BeperkingInHoren_21", "Beperking in horen"),
    ("BeperkingInZien_22", "Beperking in zien"),
    ("BeperkingInBewegen_23", "Beperking in bewegen"),
    ("MatigHoogRisicoOpAngstOfDepressie_24", "Matig hoog risico op angst of depressie"),
    ("HoogRisicoOpAngstOfDepressie_25", "Hoog risico op angst of depressie"),
    ("HeelVeelStressInAfgelopen4Weken_26", "Heel veel stress in afgelopen 4 weken"),
    ("MatigVeelRegieOverEigenLeven_27", "Matig veel regie over eigen leven"),
    ("Eenzaam_28", "Eenzaam"),
    ("ErnstigZeerErnstigEenzaam_29", "Ernstig/zeer ernstig eenzaam"),
    ("EmotioneelEenzaam_30", "Emotioneel eenzaam"),
    ("SociaalEenzaam_31", "Sociaal eenzaam"),
    ("Mantelzorger_32", "Mantelzorger"),
    ("Vrijwilligerswerk_33", "Vrijwilligerswerk"),
    ("LopenEnOfFietsenNaarSchoolOfWerk_34", "Lopen en/of fietsen naar school of werk"),
    ("LopenNaarSchoolOfWerk_35", "Lopen naar school of werk"),
    ("FietsenNaarSchoolOfWerk_36", "Fietsen naar school of werk"),
    ("ErnstigeGeluidhinderDoorBuren_37", "Ernstige geluidhinder door buren"),
    ("MoeiteMetRondkomen_38", "Moeite met rondkomen"),
]


def _health_properties() -> list[Record]:
    properties = [
        _dimension_property(0, "Leeftijd", "Leeftijd", "Dimension"),
        _dimension_property(1, "Marges", "Marges", "Dimension"),
        _dimension_property(
            2, "WijkenEnBuurten", "Wijken en buurten", "GeoDimension", MapYear=2020
        ),
        _dimension_property(3, "Perioden", "Perioden", "TimeDimension"),
        _topic_group(4, "Regioaanduiding"),
        _topic(5, 4, "Gemeentenaam_1", "Gemeentenaam", unit="naam", datatype="String", parent=4),
        _topic(
            6, 5, "SoortRegio_2", "Soort regio", unit="omschrijving", datatype="String", parent=4
        ),
        _topic(7, 6, "Codering_3", "Codering", unit="code", datatype="String", parent=4),
        _topic_group(8, "Gezondheid en welzijn"),  # assumed grouping: one group for all
    ]
    for offset, (key, title) in enumerate(_HEALTH_TOPICS):
        properties.append(
            _topic(
                9 + offset,
                7 + offset,
                key,
                title,
                unit="%",
                datatype="Double",
                decimals=1,
                parent=8,
                presentation="Relative",
            )
        )
    return properties


def health_50090() -> FakeTable:
    """50090NED "Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)" (dataderden).

    NL01 + 355 municipalities x {2012, 2016, 2020} x {18+, 18-65, 65+} (2020 x 18-65 is
    missing in the source). The region dimension is a GeoDimension called WijkenEnBuurten
    (not RegioS). The CSV had CBS padding stripped; it is restored here.
    """
    properties = _health_properties()
    types = _datatypes(properties)
    rows = []
    for raw in _read_csv("cbs/50090NED_gezondheid_2012-2016-2020_gemeenten.csv"):
        row: Record = {
            "ID": int(raw["ID"]),
            "Leeftijd": pad(raw["Leeftijd"], 5),
            "Marges": pad(raw["Marges"], 7),
            "WijkenEnBuurten": pad(raw["WijkenEnBuurten"], KWB_REGION_WIDTH),
            "Perioden": pad(raw["Perioden"], 8),
            "Gemeentenaam_1": pad(raw["Gemeentenaam_1"], KWB_NAME_WIDTH),
            "SoortRegio_2": pad(raw["SoortRegio_2"], KWB_SOORT_WIDTH),
            "Codering_3": pad(raw["Codering_3"], KWB_REGION_WIDTH),
        }
        row.update({k: _typed(raw[k], types[k]) for k, _ in _HEALTH_TOPICS})
        rows.append(row)
    regions = {r["WijkenEnBuurten"].strip(): r["Gemeentenaam_1"].strip() for r in rows}
    ages = [
        ("20300", "18 jaar of ouder"),
        ("53115", "18 tot 65 jaar"),
        ("80200", "65 jaar of ouder"),
    ]
    infos = _table_infos(
        {},
        ID=0,
        Title="Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)",
        ShortTitle="Gezondheid per wijk en buurt",
        Identifier="50090NED",
        Summary="Gezondheid, leefstijl en welzijn van volwassenen per gemeente, wijk en buurt",
        # ASSUMPTION: the real Modified date is not in our sources; any fixed date will do.
        Modified="2022-11-30T02:00:00",
        MetaDataModified="2022-11-30T02:00:00",
        ReasonDelivery="Nieuw",
        Language="nl",
        Catalog="RIVM",
        Frequency="Onregelmatig",
        Period="2012, 2016, 2020",
        OutputStatus="Regulier",
        Source="RIVM, GGD'en, CBS.",
        GraphTypes="Table,Map",
        SearchPriority="2",
    )
    return FakeTable(
        table_id="50090NED",
        table_infos=infos,
        data_properties=properties,
        dimensions={
            "Leeftijd": [_dimension_entry(k, t, 5) for k, t in ages],
            "Marges": [_dimension_entry("MW00000", "Waarde", 7)],
            "WijkenEnBuurten": [
                _dimension_entry(k, t, KWB_REGION_WIDTH) for k, t in regions.items()
            ],
            "Perioden": [
                _dimension_entry(f"{y}JJ00", str(y), 8, Status="Definitief")
                for y in (2012, 2016, 2020)
            ],
        },
        rows=rows,
        catalog="dataderden",
    )


# --------------------------------------------------------------------------- 84489NED


def _woonplaatsen_properties() -> list[Record]:
    """Plausible DataProperties; only the keys are real (the source has no metadata)."""
    groups = [
        ("Gemeente", "Naam_2", "Code_3"),
        ("Provincie", "Naam_4", "Code_5"),
        ("Landsdeel", "Naam_6", "Code_7"),
    ]
    properties = [
        _dimension_property(0, "Woonplaatsen", "Woonplaatsen", "Dimension"),
        _topic(1, 1, "Woonplaatscode_1", "Woonplaatscode", unit="code", datatype="String"),
    ]
    for group_index, (title, name_key, code_key) in enumerate(groups):
        group_id = 2 + 3 * group_index
        position = 2 + 2 * group_index
        properties += [
            _topic_group(group_id, title),
            _topic(
                group_id + 1,
                position,
                name_key,
                "Naam",
                unit="naam",
                datatype="String",
                parent=group_id,
            ),
            _topic(
                group_id + 2,
                position + 1,
                code_key,
                "Code",
                unit="code",
                datatype="String",
                parent=group_id,
            ),
        ]
    return properties


@functools.lru_cache(maxsize=1)
def _woonplaatsen_rows() -> tuple[Record, ...]:
    return tuple(_read_json("odata-v3/84489NED_TypedDataSet.raw.json")["value"])


def woonplaatsen_84489() -> FakeTable:
    """84489NED "Woonplaatsen in Nederland 2019": the 2,500 rows exactly as CBS served them."""
    rows = _fresh(_woonplaatsen_rows())
    # The woonplaats names are not in the source (Naam_2 is the municipality), so the
    # dimension entries use the code as Title -- a stand-in, not CBS data.
    places = [_dimension_entry(r["Woonplaatsen"], r["Woonplaatsen"], 6) for r in rows]
    infos = _table_infos(
        {},
        ID=0,
        Title="Woonplaatsen in Nederland 2019",
        ShortTitle="Woonplaatsen in Nederland 2019",
        Identifier="84489NED",
        Summary="Woonplaatsen met de gemeente, provincie en landsdeel waarin zij liggen",
        Modified="2019-07-05T02:00:00",  # ASSUMPTION: not in the source
        MetaDataModified="2019-07-05T02:00:00",
        ReasonDelivery="Actualisering",
        Language="nl",
        Catalog="CBS",
        Frequency="Perjaar",
        Period="2019",
        OutputStatus="Regulier",
        Source="CBS.",
        GraphTypes="Table",
        SearchPriority="2",
    )
    return FakeTable(
        table_id="84489NED",
        table_infos=infos,
        data_properties=_woonplaatsen_properties(),
        dimensions={"Woonplaatsen": places},
        rows=rows,
    )


# --------------------------------------------------------------------------- all


def all_tables(with_districts: int = 0) -> list[FakeTable]:
    """Every fixture table; ``with_districts`` is passed to :func:`kwb_2020`."""
    return [
        kwb_2020(with_districts=with_districts),
        kwb_2024(),
        population_03759(),
        health_50090(),
        woonplaatsen_84489(),
    ]


def padded_key_width(table: FakeTable, dimension: str) -> int:
    """The width a dimension's keys are padded to (all keys share it)."""
    widths = {len(entry["Key"]) for entry in table.dimensions[dimension]}
    if len(widths) != 1:
        raise ValueError(f"{table.table_id}.{dimension} keys have mixed widths {sorted(widths)}")
    return widths.pop()
