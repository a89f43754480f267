"""Build the offline snapshot shipped with bwmonitor from the real CBS files in data/cbs/.

    python scripts/build_snapshot.py            # rewrites src/bwmonitor/snapshot/

Each CBS dataset in data/cbs/ that the catalogue can use becomes one table in the
store format (Parquet + sidecar), under the table's real OData v3 id, dimension names
and measure keys, so that a later `bwmonitor fetch` replaces it like for like.
Only CBS's own values are kept, never a third party's derived ones. Where a source
file came from CBS's v4 API or a StatLine CSV export, the v3 keys used are listed in
MEASURES_V3 below with the evidence for them (see data/SOURCES.md and
docs/snapshot.md). Re-run whenever data/cbs/ gains files; the output is deterministic.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "cbs"
ODATA = ROOT / "data" / "odata-v3"
OUT = ROOT / "src" / "bwmonitor" / "snapshot"
sys.path.insert(0, str(ROOT / "src"))

from bwmonitor.store.tables import TableDir, TableMeta  # noqa: E402

NUMERIC = {
    "Long": pl.Int64,
    "Integer": pl.Int64,
    "Short": pl.Int64,
    "Double": pl.Float64,
    "Float": pl.Float64,
    "Decimal": pl.Float64,
}


@dataclass
class Table:
    """One snapshot table: the frame as `bwmonitor fetch` would store it, and its sidecar."""

    table_id: str
    title: str
    modified: str  #: CBS's Modified of the table version the data came from, if known
    captured: str  #: when the data was taken from CBS (date)
    provenance: str
    frame: pl.DataFrame
    dimensions: dict[str, Any]
    measures: dict[str, Any]
    catalog: str = "opendata"
    notes: list[str] = field(default_factory=list)
    complete_measures: bool = False  #: `measures` holds every measure of the CBS table
    #: every measure of the CBS table (key -> title), where all of them are known
    table_measures: dict[str, str] | None = None
    #: TableInfos' Period, for a table without a Perioden dimension (KWB: its year)
    period: str | None = None
    #: "v4" where the measures are kept under their v4 identifiers (no v3 keys known)
    road: str | None = None
    #: per measure, why CBS gives no value for a kept row (v4's ValueAttribute)
    value_attributes: dict[str, dict[str, str]] | None = None

    def __post_init__(self) -> None:
        if self.complete_measures and self.table_measures is None:
            self.table_measures = {k: v["title"] for k, v in self.measures.items()}

    def sidecar(self) -> TableMeta:
        return TableMeta(
            self.table_id,
            catalog=self.catalog,
            title=self.title,
            modified=self.modified,
            origin="snapshot",
            fetched_at=self.captured,
            provenance=self.provenance,
            notes=tuple(self.notes),
            dimensions=self.dimensions,
            measures=self.measures,
            request={},
            table_measures=self.table_measures or None,
            period=self.period or None,
            road=self.road,
            value_attributes=self.value_attributes or None,
        )


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def number(text: str | None) -> float | None:
    """CBS CSV cells: '' and '.' mean no figure; padding is stripped."""
    text = (text or "").strip()
    if text in ("", ".", "None"):
        return None
    return float(text)


def measure(
    title: str, unit: str, decimals: int, datatype: str = "Double", description: str = ""
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "title": title,
        "unit": unit,
        "decimals": decimals,
        "datatype": datatype,
        "requested": None,
    }
    if description:  # only where the real DataProperties have one (KWB 2020, 2024)
        info["description"] = description
    return info


def dimension(
    kind: str, title: str, labels: Mapping[str, str], status: Mapping[str, str] | None = None
) -> dict[str, Any]:
    info: dict[str, Any] = {"type": kind, "title": title, "labels": dict(sorted(labels.items()))}
    if status:
        info["status"] = dict(sorted(status.items()))
    return info


def typed_frame(columns: Mapping[str, list[Any]], measures: Mapping[str, Any]) -> pl.DataFrame:
    schema = {
        name: NUMERIC.get(measures[name]["datatype"], pl.Float64) if name in measures else pl.String
        for name in columns
    }
    return pl.DataFrame(dict(columns), schema=schema, strict=False)


def camel_title(key: str) -> str:
    """'ErvarenGezondheidGoedZeerGoed_4' -> 'Ervaren gezondheid goed zeer goed'."""
    words = re.findall(r"[A-Z][a-z]*|\d+", re.sub(r"_\d+$", "", key))
    return " ".join([words[0], *[w.lower() for w in words[1:]]]) if words else key


# ------------------------------------------------------------------ KWB tables


def kwb_table(
    table_id: str,
    rows: list[dict[str, str]],
    properties: list[dict[str, Any]],
    infos: Mapping[str, Any],
    region_key: str,
    names: Mapping[str, str],
    captured: str,
    provenance: str,
) -> Table:
    """A KWB year: municipality (and country) rows, every numeric topic that has values."""
    topics = {p["Key"]: p for p in properties if p.get("Type") == "Topic"}
    keep = [
        key
        for key, p in topics.items()
        if key in rows[0]
        and p.get("Datatype") in NUMERIC
        and (p.get("Unit") or "") != "code"
        and any(number(r[key]) is not None for r in rows)
    ]
    measures = {
        k: measure(
            topics[k]["Title"].strip(),
            (topics[k].get("Unit") or "").strip(),
            int(topics[k].get("Decimals") or 0),
            topics[k]["Datatype"],
            str(topics[k].get("Description") or "").strip(),
        )
        for k in keep
    }
    codes = [r[region_key].strip() for r in rows]
    columns: dict[str, list[Any]] = {"WijkenEnBuurten": codes}
    for key in keep:
        columns[key] = [number(r[key]) for r in rows]
    geo = next(p for p in properties if p.get("Type") == "GeoDetail")
    return Table(
        table_id=table_id,
        title=infos["Title"],
        modified=infos["Modified"],
        captured=captured,
        provenance=provenance,
        frame=typed_frame(columns, measures),
        dimensions={
            "WijkenEnBuurten": dimension(
                "GeoDetail", geo["Title"], {c: names.get(c, "") for c in codes}
            )
        },
        measures=measures,
        table_measures={k: str(p["Title"]).strip() for k, p in topics.items()},
        period=str(infos["Period"]).strip(),
    )


def kwb_2020() -> Table:
    rows = read_csv("84799NED_kwb2020_gemeenten.csv")
    properties = json.loads((DATA / "84799NED_DataProperties.json").read_text())
    infos = json.loads((DATA / "84799NED_TableInfos.json").read_text())
    names = {r["WijkenEnBuurten"].strip(): r["Gemeentenaam_1"].strip() for r in rows}
    return kwb_table(
        "84799NED",
        rows,
        properties,
        infos,
        "WijkenEnBuurten",
        names,
        captured=infos["Modified"][:10],
        provenance="data/cbs/84799NED_kwb2020_gemeenten.csv (statline-bq test "
        "data, TypedDataSet as served, table state of 2021-03-26)",
    )


def municipality_names(year: str) -> dict[str, str]:
    """Names of each year's municipalities as CBS's RegioS code list spells them."""
    return {
        r["RegioS"]: r["RegioS_Title"]
        for r in read_csv("03759ned_bevolking_2019-2026_regio.csv")
        if r["Perioden"] == f"{year}JJ00"
    }


def kwb_2024() -> Table:
    rows = read_csv("85984NED_kwb2024_gemeenten_subset.csv")
    properties = json.loads((ODATA / "85984NED_DataProperties.value.json").read_text())
    infos = json.loads((ODATA / "85984NED_TableInfos.value.json").read_text())[0]
    return kwb_table(
        "85984NED",
        rows,
        properties,
        infos,
        "WijkenEnBuurten",
        municipality_names("2024"),
        captured=infos["Modified"][:10],
        provenance="data/cbs/85984NED_kwb2024_gemeenten_subset.csv (eight measures "
        "of 85984NED as served), DataProperties/TableInfos from data/odata-v3/",
    )


# ------------------------------------------------------------------ health monitor


def health_50090() -> Table:
    """Gezondheidsmonitor small-area estimates per municipality, 2012/2016/2020."""
    rows = read_csv("50090NED_gezondheid_2012-2016-2020_gemeenten.csv")
    topic_keys = [
        k for k in rows[0] if re.match(r"^[A-Z].*_\d+$", k) and int(k.rsplit("_", 1)[1]) >= 4
    ]
    measures = {k: measure(camel_title(k), "%", 1) for k in topic_keys}
    columns: dict[str, list[Any]] = {
        "Leeftijd": [r["Leeftijd"] for r in rows],
        "Marges": [r["Marges"] for r in rows],
        "WijkenEnBuurten": [r["WijkenEnBuurten"] for r in rows],
        "Perioden": [r["Perioden"] for r in rows],
    }
    for key in topic_keys:
        columns[key] = [number(r[key]) for r in rows]
    names = {r["WijkenEnBuurten"]: r["Gemeentenaam_1"] for r in rows}
    periods = sorted({r["Perioden"] for r in rows})
    return Table(
        table_id="50090NED",
        catalog="dataderden",
        title="Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)",
        modified="",
        captured="",
        provenance="data/cbs/50090NED_gezondheid_2012-2016-2020_gemeenten.csv (full 50090NED "
        "downloads per period and age group, municipality rows)",
        frame=typed_frame(columns, measures),
        dimensions={
            "Leeftijd": dimension(
                "Dimension",
                "Leeftijd",
                {
                    "20300": "18 jaar of ouder",
                    "53115": "18 tot 65 jaar",
                    "80200": "65 jaar of ouder",
                },
            ),
            "Marges": dimension("Dimension", "Marges", {"MW00000": "Waarde"}),
            "WijkenEnBuurten": dimension("GeoDimension", "Wijken en buurten", names),
            "Perioden": dimension(
                "TimeDimension",
                "Perioden",
                {p: p[:4] for p in periods},
                {p: "Definitief" for p in periods},
            ),
        },
        measures=measures,
        complete_measures=True,
        notes=[
            "Measure titles are derived from the keys; 2020 x 18-65 is missing in the "
            "source; RIVM model estimates (no aggregation to larger regions)."
        ],
    )


def kwb_from_renamed_csv(
    table_id: str,
    title: str,
    file: str,
    code_column: str,
    columns: Mapping[str, tuple[str, str, str, int, str]],
    keep_row: Callable[[dict[str, str]], bool],
    names: Mapping[str, str],
    provenance: str,
    notes: list[str],
    period: str,
) -> Table:
    """A KWB year from a third party's CSV: only the columns that are CBS's own values,
    under the table's v3 keys (`columns`: source column -> key, title, unit, decimals, type).
    `period` is the year CBS's TableInfos gives as Period (the year in the table's title)."""
    rows = [r for r in read_csv(file) if keep_row(r)]
    measures = {key: measure(t, unit, dec, dtype) for key, t, unit, dec, dtype in columns.values()}
    frame_columns: dict[str, list[Any]] = {"WijkenEnBuurten": [r[code_column] for r in rows]}
    for source_column, (key, *_rest) in columns.items():
        frame_columns[key] = [number(r[source_column]) for r in rows]
    codes = frame_columns["WijkenEnBuurten"]
    return Table(
        table_id=table_id,
        title=title,
        modified="",
        captured="",
        provenance=provenance,
        frame=typed_frame(frame_columns, measures),
        dimensions={
            "WijkenEnBuurten": dimension(
                "GeoDetail", "Wijken en buurten", {c: names.get(c, "") for c in codes}
            )
        },
        measures=measures,
        notes=notes,
        period=period,
    )


def kwb_2019() -> Table:
    """KWB 2019 (84583NED) population figures from CBS's kwb-2019.xls, columns renamed."""
    columns = {
        "population": ("AantalInwoners_5", "Aantal inwoners", "aantal", 0, "Long"),
        "men": ("Mannen_6", "Mannen", "aantal", 0, "Long"),
        "women": ("Vrouwen_7", "Vrouwen", "aantal", 0, "Long"),
        "b_00_14": ("k_0Tot15Jaar_8", "0 tot 15 jaar", "aantal", 0, "Long"),
        "b_15_24": ("k_15Tot25Jaar_9", "15 tot 25 jaar", "aantal", 0, "Long"),
        "b_25_44": ("k_25Tot45Jaar_10", "25 tot 45 jaar", "aantal", 0, "Long"),
        "b_45_64": ("k_45Tot65Jaar_11", "45 tot 65 jaar", "aantal", 0, "Long"),
        "b_65_oo": ("k_65JaarOfOuder_12", "65 jaar of ouder", "aantal", 0, "Long"),
        "unmarried": ("Ongehuwd_13", "Ongehuwd", "aantal", 0, "Long"),
        "married": ("Gehuwd_14", "Gehuwd", "aantal", 0, "Long"),
        "divorced": ("Gescheiden_15", "Gescheiden", "aantal", 0, "Long"),
        "widowed": ("Verweduwd_16", "Verweduwd", "aantal", 0, "Long"),
    }
    names = {r["unique_id"]: r["region"] for r in read_csv("kwb2019_gemeenten_bevolking.csv")}
    return kwb_from_renamed_csv(
        "84583NED",
        "Kerncijfers wijken en buurten 2019",
        "kwb2019_gemeenten_bevolking.csv",
        "unique_id",
        columns,
        lambda r: r["unique_id"].startswith("GM"),
        names,
        provenance="data/cbs/kwb2019_gemeenten_bevolking.csv (CBS kwb-2019.xls, municipality "
        "rows, columns renamed by a third party, values as published)",
        period="2019",
        notes=[
            "v3 keys of 84583NED: AantalInwoners_5 seen in public code; _6 to _16 follow "
            "the layout of 84286NED and 84799NED (medium-high confidence)."
        ],
    )


def kwb_2021() -> Table:
    """KWB 2021 (85039NED): the columns a third party copied unchanged from CBS."""
    columns = {
        "Population": ("AantalInwoners_5", "Aantal inwoners", "aantal", 0, "Long"),
        "IncomeWealth.Avg income per inhabitant (x€1k)": (
            "GemiddeldInkomenPerInwoner_72",
            "Gemiddeld inkomen per inwoner",
            "x 1 000 euro",
            1,
            "Double",
        ),
        "IncomeWealth.Avg income per earner (x€1k)": (
            "GemiddeldInkomenPerInkomensontvanger_71",
            "Gemiddeld inkomen per inkomensontvanger",
            "x 1 000 euro",
            1,
            "Double",
        ),
        "Inequality.Low income threshold (%)": (
            "HuishoudensMetEenLaagInkomen_78",
            "Huishoudens met een laag inkomen",
            "%",
            1,
            "Double",
        ),
        "Inequality.At-or-below social minimum (%)": (
            "HuishOnderOfRondSociaalMinimum_79",
            "Huish. onder of rond sociaal minimum",
            "%",
            1,
            "Double",
        ),
        "Housing.Avg WOZ value (x€1k)": (
            "GemiddeldeWOZWaardeVanWoningen_35",
            "Gemiddelde WOZ-waarde van woningen",
            "x 1 000 euro",
            0,
            "Double",
        ),
        "HumanCapital.Labour participation (%)": (
            "Nettoarbeidsparticipatie_67",
            "Nettoarbeidsparticipatie",
            "%",
            1,
            "Double",
        ),
        "Services.Distance to GP (km)": (
            "AfstandTotHuisartsenpraktijk_106",
            "Afstand tot huisartsenpraktijk",
            "km",
            1,
            "Double",
        ),
        "Services.Distance to supermarket (km)": (
            "AfstandTotGroteSupermarkt_107",
            "Afstand tot grote supermarkt",
            "km",
            1,
            "Double",
        ),
        "Services.Distance to daycare (km)": (
            "AfstandTotKinderdagverblijf_108",
            "Afstand tot kinderdagverblijf",
            "km",
            1,
            "Double",
        ),
        "Services.Distance to school (km)": (
            "AfstandTotSchool_109",
            "Afstand tot school",
            "km",
            1,
            "Double",
        ),
    }
    names = {r["code"]: r["name"] for r in read_csv("85039NED_kwb2021_gemeenten_derived.csv")}
    return kwb_from_renamed_csv(
        "85039NED",
        "Kerncijfers wijken en buurten 2021",
        "85039NED_kwb2021_gemeenten_derived.csv",
        "code",
        columns,
        lambda r: r["code"].startswith("GM"),
        names,
        provenance="data/cbs/85039NED_kwb2021_gemeenten_derived.csv (a third party's fetch of "
        "85039NED; only its columns that are CBS values unchanged; its own NL01 row and derived "
        "shares are left out)",
        period="2021",
        notes=[
            "v3 keys taken from the $select of the script that fetched the data (high confidence)."
        ],
    )


def v4_regional(
    table_id: str,
    title: str,
    modified: str,
    captured: str,
    file: str,
    measures_v3: Mapping[str, tuple[str, dict[str, Any]]],
    fixed: Mapping[str, tuple[str, str, str]],
    provenance: str,
    period_types: tuple[str, ...] = ("JJ",),
    status: str | None = "Definitief",
    notes: list[str] | None = None,
    complete_measures: bool = False,
) -> Table:
    """A table captured from CBS's v4 API, stored as its v3 twin: RegioS, Perioden, keys.

    `measures_v3`: v4 measure code -> (v3 key, measure info); `fixed`: v3 dimension ->
    (code, dimension title, code title) for the slice the capture took.
    """
    rows = [r for r in read_csv(file) if r["Perioden"][4:6] in period_types]
    columns: dict[str, list[Any]] = {dim: [code] * len(rows) for dim, (code, _, _) in fixed.items()}
    columns["RegioS"] = [r["RegioS"] for r in rows]
    columns["Perioden"] = [r["Perioden"] for r in rows]
    measures = {key: info for key, info in measures_v3.values()}
    for code, (key, _) in measures_v3.items():
        columns[key] = [number(r[code]) for r in rows]
    periods = sorted(set(columns["Perioden"]))
    dimensions = {
        dim: dimension("Dimension", dim_title, {code: code_title})
        for dim, (code, dim_title, code_title) in fixed.items()
    }
    dimensions["RegioS"] = dimension(
        "GeoDimension", "Regio's", {r["RegioS"]: r["RegioS_Title"] for r in rows}
    )
    dimensions["Perioden"] = dimension(
        "TimeDimension",
        "Perioden",
        {p: p[:4] for p in periods},
        {p: status for p in periods} if status else None,
    )
    return Table(
        table_id=table_id,
        title=title,
        modified=modified,
        captured=captured,
        provenance=provenance,
        frame=typed_frame(columns, measures),
        dimensions=dimensions,
        measures=measures,
        notes=notes or [],
        complete_measures=complete_measures,
    )


def population_03759() -> Table:
    table = v4_regional(
        "03759ned",
        "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio",
        modified="2026-06-23T02:00:00",
        captured="2026-07-02",
        file="03759ned_bevolking_2019-2026_regio.csv",
        measures_v3={
            "M000352": (
                "BevolkingOp1Januari_1",
                measure("Bevolking op 1 januari", "aantal", 0, "Long"),
            ),
            "M000365": ("GemiddeldeBevolking_2", measure("Gemiddelde bevolking", "aantal", 1)),
        },
        fixed={
            "Geslacht": ("T001038", "Geslacht", "Totaal mannen en vrouwen"),
            "Leeftijd": ("10000", "Leeftijd", "Totaal"),
            "BurgerlijkeStaat": ("T001019", "Burgerlijke staat", "Totaal burgerlijke staat"),
        },
        complete_measures=True,
        provenance="data/cbs/03759ned_bevolking_2019-2026_regio.csv (CBS OData v4 capture of "
        "2026-07-02, totals slice, NL/PV/GM rows)",
        notes=[
            "v4 M000352/M000365 stored as v3 BevolkingOp1Januari_1/GemiddeldeBevolking_2 "
            "(keys from a StatLine metadata export of 03759ned). All periods Definitief.",
            "Leeftijd lists all 108 codes of the table (data/odata-v4/03759ned/"
            "codes-Leeftijd.json, CBS's v4 LeeftijdCodes), so that `catalog check` verifies "
            "the single years of age the catalogue adds up offline; the rows are the total "
            "(10000) only, so those sums are fetched.",
        ],
    )
    table.dimensions["Leeftijd"]["labels"] = age_codes_03759()
    return table


def age_codes_03759() -> dict[str, str]:
    """03759ned's Leeftijd codes and titles, from the v4 capture's LeeftijdCodes."""
    path = DATA.parent / "odata-v4" / "03759ned" / "codes-Leeftijd.json"
    codes = json.loads(path.read_text("utf-8"))["value"]
    return {str(c["Identifier"]): str(c["Title"]).strip() for c in codes}


def house_prices_83625() -> Table:
    return v4_regional(
        "83625NED",
        "Bestaande koopwoningen; gemiddelde verkoopprijzen, regio",
        modified="2026-02-17T02:00:00",
        captured="2026-07-17",
        file="83625NED_gem_verkoopprijs_koopwoningen_2015-2025_regio.csv",
        measures_v3={
            "M001534": (
                "GemiddeldeVerkoopprijs_1",
                measure("Gemiddelde verkoopprijs", "euro", 0, "Long"),
            )
        },
        fixed={},
        status=None,
        complete_measures=True,
        provenance="data/cbs/83625NED_gem_verkoopprijs_koopwoningen_2015-2025_regio.csv (CBS "
        "OData v4 capture of 2026-07-17)",
        notes=[
            "Period status was not part of the capture, so no period is marked; the latest "
            "year may be provisional at CBS."
        ],
    )


def price_index_85792() -> Table:
    return v4_regional(
        "85792NED",
        "Bestaande koopwoningen; verkoopprijzen, prijsindex 2020=100, regio",
        modified="2026-04-22T02:00:00",
        captured="2026-07-17",
        file="85792NED_prijsindex_koopwoningen_2020-2026_landsdeel_provincie.csv",
        measures_v3={
            "M001505_2": (
                "PrijsindexVerkoopprijzen_1",
                measure("Prijsindex verkoopprijzen", "2020=100", 1),
            ),
            "M005355": (
                "OntwikkelingTOVEenJaarEerder_3",
                measure("Ontwikkeling t.o.v. een jaar eerder", "%", 1),
            ),
            "M001532_2": (
                "VerkochteWoningen_4",
                measure("Verkochte woningen", "aantal", 0, "Long"),
            ),
            "M001534": (
                "GemiddeldeVerkoopprijs_7",
                measure("Gemiddelde verkoopprijs", "euro", 0, "Long"),
            ),
            "M001535": (
                "TotaleWaardeVerkoopprijzen_8",
                measure("Totale waarde verkoopprijzen", "mln euro", 0),
            ),
        },
        fixed={},
        status=None,
        provenance="data/cbs/85792NED_prijsindex_koopwoningen_2020-2026_landsdeel_provincie.csv "
        "(CBS OData v4 capture of 2026-07-17, years only)",
        notes=[
            "Only the measures whose v3 keys were confirmed in public code; quarters left "
            "out as the catalogue uses years. Period status not captured."
        ],
    )


def income_86161() -> Table:
    """Household income per municipality, 2024 (provisional), from a StatLine CSV export."""
    rows = read_csv("inkomen_huishoudens_2024_gemeenten.csv")
    sources = {
        "Particuliere huishoudens (x 1 000)": (
            "ParticuliereHuishoudens_1",
            measure("Particuliere huishoudens", "x 1 000", 1),
        ),
        "Inkomen/Gemiddeld gestandaardiseerd inkomen (1 000 euro)": (
            "GemiddeldGestandaardiseerdInkomen_3",
            measure("Gemiddeld gestandaardiseerd inkomen", "1 000 euro", 1),
        ),
        "Inkomen/Mediaan gestandaardiseerd inkomen (1 000 euro)": (
            "MediaanGestandaardiseerdInkomen_4",
            measure("Mediaan gestandaardiseerd inkomen", "1 000 euro", 1),
        ),
        "Inkomen/Gemiddeld besteedbaar inkomen (1 000 euro)": (
            "GemiddeldBesteedbaarInkomen_5",
            measure("Gemiddeld besteedbaar inkomen", "1 000 euro", 1),
        ),
        "Inkomen/Mediaan besteedbaar inkomen (1 000 euro)": (
            "MediaanBesteedbaarInkomen_6",
            measure("Mediaan besteedbaar inkomen", "1 000 euro", 1),
        ),
    }
    columns: dict[str, list[Any]] = {
        "Populatie": ["1050010"] * len(rows),
        "KenmerkenVanHuishoudens": ["1050010"] * len(rows),
        "RegioS": [r["RegioS_code_added"] for r in rows],
        "Perioden": ["2024JJ00"] * len(rows),
    }
    measures = {key: info for key, info in sources.values()}
    for column, (key, _) in sources.items():
        columns[key] = [number(r[column]) for r in rows]
    return Table(
        table_id="86161NED",
        title="Inkomen van huishoudens; huishoudenskenmerken, regio (indeling 2025)",
        modified="",
        captured="2025-12-11",
        provenance="data/cbs/inkomen_huishoudens_2024_gemeenten.csv (StatLine CSV export of "
        "2025-12-11, 'Inkomen van huishoudens; regio', 2024*)",
        frame=typed_frame(columns, measures),
        dimensions={
            "Populatie": dimension(
                "Dimension", "Populatie", {"1050010": "Particuliere huishoudens incl. studenten"}
            ),
            "KenmerkenVanHuishoudens": dimension(
                "Dimension", "Kenmerken van huishoudens", {"1050010": "Particuliere huishoudens"}
            ),
            "RegioS": dimension(
                "GeoDimension", "Regio's", {r["RegioS_code_added"]: r["Regio's"] for r in rows}
            ),
            "Perioden": dimension(
                "TimeDimension", "Perioden", {"2024JJ00": "2024"}, {"2024JJ00": "Voorlopig"}
            ),
        },
        measures=measures,
        notes=[
            "The export does not name its table; 86161NED is the current StatLine table of "
            "that title (medium confidence). Keys _4 and _6 seen in public code for 86161NED, "
            "_1, _3, _5 follow its predecessor 84639NED. 2024 is provisional (2024*)."
        ],
    )


# ------------------------------------------------------------------ issue 14: more real data


def v4_codes(file: str) -> dict[str, dict[str, Any]]:
    """A captured v4 code list (MeasureCodes, <Dimension>Codes) by Identifier."""
    frame = pl.read_parquet(DATA / file)
    return {str(r["Identifier"]).strip(): r for r in frame.iter_rows(named=True)}


def regional_key_figures_70072() -> Table:
    """Regionale kerncijfers (70072ned), municipalities 2015-2025: population and vehicles.

    The capture came from v4 and names its measures by v4 identifier (M000352_3,
    A018943_2, ...). Their v3 keys carry a suffix that drifts between versions of this
    table (PersonenautoSRelatief_197 in the 2019 download, _201 in the 2018 one), so the
    current ones are not known offline: the measures are stored under the v4
    identifiers, as a v4 fetch stores a measure the catalogue names that way.
    """
    folder = "70072ned_gemeenten_2015-2026"
    observations = pl.read_parquet(DATA / folder / "cbs_70072ned_motorvoertuigen_gemeente.parquet")
    topics = v4_codes(f"{folder}/cbs_70072ned_measurecodes.parquet")
    regions = v4_codes(f"{folder}/cbs_70072ned_regiocodes.parquet")
    periods = v4_codes(f"{folder}/cbs_70072ned_periodencodes.parquet")
    order = list(dict.fromkeys(observations["Measure"]))  # the capture's measure order
    # a region-year CBS marks Impossible for every measure did not exist (all of 2026,
    # former municipalities): left out, as 03759ned's capture does
    present = (
        observations.filter(pl.col("Value").is_not_null())
        .select("RegioS", "Perioden")
        .unique()
        .sort("Perioden", "RegioS")
    )
    cells = {
        (r["RegioS"], r["Perioden"], r["Measure"]): r for r in observations.iter_rows(named=True)
    }
    columns: dict[str, list[Any]] = {
        "RegioS": present["RegioS"].to_list(),
        "Perioden": present["Perioden"].to_list(),
    }
    attributes: dict[str, dict[str, str]] = {}
    for code in order:
        values = []
        for region, period in zip(columns["RegioS"], columns["Perioden"], strict=True):
            cell = cells[(region, period, code)]
            values.append(number(cell["Value"]))
            if cell["Value"] is None:
                attributes.setdefault(code, {})[f"RegioS={region};Perioden={period}"] = str(
                    cell["ValueAttribute"]
                )
        columns[code] = values
    measures = {
        code: {
            **measure(
                str(topics[code]["Title"]).strip(),
                str(topics[code]["Unit"]).strip(),
                int(topics[code]["Decimals"]),
                str(topics[code]["DataType"]),
                str(topics[code]["Description"] or "").strip(),
            ),
            "v4": code,
        }
        for code in order
    }
    kept_periods = sorted(set(columns["Perioden"]))
    return Table(
        table_id="70072ned",
        title="Regionale kerncijfers Nederland",
        modified="",
        captured="2026-07-29",
        provenance="data/cbs/70072ned_gemeenten_2015-2026/ (CBS OData v4 Observations of "
        "70072ned, municipality rows 2015-2026, ten measures, with the table's "
        "MeasureCodes, RegioSCodes and PeriodenCodes)",
        frame=typed_frame(columns, measures),
        dimensions={
            "RegioS": dimension(
                "GeoDimension",
                "Regio's",
                {c: str(regions[c]["Title"]).strip() for c in set(columns["RegioS"])},
            ),
            "Perioden": dimension(
                "TimeDimension",
                "Perioden",
                {p: str(periods[p]["Title"]).strip() for p in kept_periods},
            ),
        },
        measures=measures,
        table_measures={c: str(t["Title"]).strip() for c, t in sorted(topics.items())},
        road="v4",
        value_attributes=attributes,
        notes=[
            "Measures under their v4 identifiers: the v3 keys' suffixes drift between "
            "versions of 70072ned, and the current ones are not known offline.",
            "Region-years without any value (all of 2026, former municipalities) left out. "
            "The capture's PeriodenCodes have no Status; their descriptions say which "
            "subjects are provisional (2025: the population on 1 January).",
        ],
    )


def ggd_regions(year: str) -> dict[str, dict[str, Any]]:
    """GGD region code -> name and member municipalities, from that year's Gebieden in
    Nederland (v4 Observations: GG0001 code, GG0002 name, per municipality)."""
    frame = pl.read_parquet(
        DATA / "gebieden_in_nederland_2020-2025" / f"cbs_gebieden_{year}.parquet"
    )
    by_municipality: dict[str, dict[str, str]] = {}
    for row in frame.filter(pl.col("Measure").is_in(["GG0001", "GG0002"])).iter_rows(named=True):
        by_municipality.setdefault(row["RegioS"], {})[row["Measure"]] = row["StringValue"].strip()
    regions: dict[str, dict[str, Any]] = {}
    for municipality, ggd in sorted(by_municipality.items()):
        region = regions.setdefault(ggd["GG0001"], {"name": ggd["GG0002"], "members": []})
        region["members"].append(municipality)
    return dict(sorted(regions.items()))


def ggd_region_names(year: str) -> dict[str, str]:
    """GGD region code -> name, from that year's Gebieden in Nederland (v4 Observations)."""
    frame = pl.read_parquet(
        DATA / "gebieden_in_nederland_2020-2025" / f"cbs_gebieden_{year}.parquet"
    )
    by_municipality: dict[str, dict[str, str]] = {}
    for row in frame.filter(pl.col("Measure").is_in(["GG0001", "GG0002"])).iter_rows(named=True):
        by_municipality.setdefault(row["RegioS"], {})[row["Measure"]] = row["StringValue"].strip()
    return {m["GG0001"]: m["GG0002"] for m in by_municipality.values()}


def young_adults_health_50140() -> Table:
    """Gezondheidsmonitor Jongvolwassenen 2024 (50140NED): municipalities, GGD regions, NL.

    The raw TypedDataSet download, so the keys are the table's own v3 keys; their titles
    are derived from the keys (the DataProperties are not at hand).
    """
    with (DATA / "50140NED_gezondheidsmonitor_jongvolwassenen_2024_regio.csv").open(
        encoding="utf-8-sig", newline=""
    ) as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    dims = ("Persoonskenmerken", "Marges", "RegioS")
    topic_keys = [k for k in rows[0] if k not in ("ID", *dims)]
    measures = {k: measure(camel_title(k), "%", 1) for k in topic_keys}
    columns: dict[str, list[Any]] = {dim: [r[dim].strip() for r in rows] for dim in dims}
    for key in topic_keys:
        columns[key] = [number(r[key]) for r in rows]
    names = {
        **municipality_names("2024"),
        **ggd_region_names("2024"),
        "NL01": "Nederland",
    }
    codes = columns["RegioS"]
    return Table(
        table_id="50140NED",
        catalog="dataderden",
        title="Gezondheidsmonitor Jongvolwassenen 2024",
        modified="",
        captured="2025-09-22",
        provenance="data/cbs/50140NED_gezondheidsmonitor_jongvolwassenen_2024_regio.csv (the "
        "StatLine TypedDataSet download of 2025-09-22, byte for byte)",
        frame=typed_frame(columns, measures),
        dimensions={
            "Persoonskenmerken": dimension("Dimension", "Persoonskenmerken", {"T009002": "Totaal"}),
            "Marges": dimension("Dimension", "Marges", {"MW00000": "Waarde"}),
            "RegioS": dimension("GeoDimension", "Regio's", {c: names.get(c, "") for c in codes}),
        },
        measures=measures,
        complete_measures=True,
        period="2024",
        notes=[
            "Young adults (Gezondheidsmonitor Jongvolwassenen), not the 18+ monitor. "
            "Measure titles derived from the keys; all measures are percentages.",
            "No rows for the four Wadden islands; CG01 has no name in the data at hand. "
            "Catalogue dataderden: public code queries 50140NED at dataderden.cbs.nl.",
        ],
    )


def fold(name: str) -> str:
    """'Fryslân (PV)' and 'Fryslan (PV)' alike: the label export drops the circumflex."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


EDUCATION = "onderwijsniveau_provincies_2015-2023"
#: the export's columns of the two levels that make up CBS's "hoog" (hbo, wo)
EDUCATION_HIGH = (
    "Onderwijsniveau 5 categorien/31 Hbo-, wo-bachelor (%)",
    "Onderwijsniveau 5 categorien/32 Hbo-, wo-master, doctor (%)",
)
EDUCATION_LEVELS = (
    "Onderwijsniveau 5 categorien/11 Basisonderwijs (%)",
    "Onderwijsniveau 5 categorien/12 Vmbo, havo-, vwo-onderbouw, mbo1 (%)",
    "Onderwijsniveau 5 categorien/21 Havo, vwo, mbo2-4 (%)",
    *EDUCATION_HIGH,
)


def decimal_comma(text: str) -> float:
    """A share in a StatLine label export: '18,1'."""
    return float(text.replace(",", "."))


def education_rows() -> list[dict[str, str]]:
    """The nine yearly StatLine label exports (';', decimal comma, BOM), in year order."""
    rows: list[dict[str, str]] = []
    for path in sorted((DATA / EDUCATION).glob("*_onderwijsniveau.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows += list(csv.DictReader(handle, delimiter=";"))
    return rows


def education_85525() -> Table:
    """Highest education level, 15 to 75, provinces, landsdelen and NL, 2015-2023.

    The exports name no table, codes or keys. The table is 85525NED: CBS's own page of
    85525NED shows the same columns and the same 2022 figures (docs/snapshot.md). Its v3
    key for the share with hbo or wo, k_3HboWo_4, is known from public code; the exports
    give that level as two shares (31 bachelor, 32 master/doctor), so the snapshot's
    k_3HboWo_4 is their sum, the one figure here that is not CBS's own cell.
    """
    rows = education_rows()
    # the export's region labels -> CBS's code and spelling (03759ned; landsdelen: 70072ned)
    known = {
        r["RegioS"]: r["RegioS_Title"] for r in read_csv("03759ned_bevolking_2019-2026_regio.csv")
    }
    landsdelen = v4_codes("70072ned_gemeenten_2015-2026/cbs_70072ned_regiocodes.parquet")
    known |= {code: str(r["Title"]) for code, r in landsdelen.items() if code.startswith("LD")}
    code_of = {fold(title): code for code, title in known.items() if code[:2] in ("NL", "LD", "PV")}
    codes, periods, high, status = [], [], [], {}
    for row in rows:
        shares = [decimal_comma(row[c]) for c in EDUCATION_LEVELS]
        if abs(sum(shares) - 100) > 0.15:  # the five levels are the whole population
            raise ValueError(f"education shares of {row} add to {sum(shares)}")
        codes.append(code_of[fold(row["Regio's"])])
        year = row["Perioden"].rstrip("*")  # '2023*': provisional
        periods.append(f"{year}JJ00")
        status[f"{year}JJ00"] = "Voorlopig" if row["Perioden"].endswith("*") else "Definitief"
        high.append(round(sum(decimal_comma(row[c]) for c in EDUCATION_HIGH), 1))
    names = {code: known[code] for code in codes}
    measures = {"k_3HboWo_4": measure("Hbo, wo", "%", 1)}
    return Table(
        table_id="85525NED",
        title="Bevolking; hoogstbehaald onderwijsniveau en regio",
        modified="",
        captured="",
        provenance=f"data/cbs/{EDUCATION}/ (StatLine label exports 2015-2023, one per year; "
        "the table id is not in the files: 85525NED by CBS's own page of the table, not "
        "confirmed offline)",
        frame=typed_frame(
            {
                "Geslacht": ["T001038"] * len(rows),
                "Leeftijd": ["52052"] * len(rows),
                "RegioS": codes,
                "Perioden": periods,
                "k_3HboWo_4": high,
            },
            measures,
        ),
        dimensions={
            "Geslacht": dimension("Dimension", "Geslacht", {"T001038": "Totaal mannen en vrouwen"}),
            "Leeftijd": dimension("Dimension", "Leeftijd", {"52052": "15 tot 75 jaar"}),
            "RegioS": dimension("GeoDimension", "Regio's", names),
            "Perioden": dimension("TimeDimension", "Perioden", {p: p[:4] for p in status}, status),
        },
        measures=measures,
        notes=[
            "Table id 85525NED not confirmed offline: the exports name none; CBS's page of "
            "85525NED has the same columns and the same 2022 figures.",
            "k_3HboWo_4 (key from public code) = the sum of the exports' shares 31 "
            "(hbo-, wo-bachelor) and 32 (hbo-, wo-master, doctor), rounded to 0.1; CBS's own "
            "rounded figure may differ by 0.1. The other levels and the population are in "
            "the data/ files, not here: their keys are not known offline.",
            "Codes: regions by name (03759ned, 70072ned code lists); Geslacht T001038 and "
            "Leeftijd 52052 (15 tot 75 jaar) as CBS's labour-force tables code them, not "
            "confirmed for 85525NED offline. 2023 is provisional (2023*).",
        ],
    )


BUILDERS: list[Callable[[], Table]] = [
    kwb_2019,
    kwb_2020,
    kwb_2021,
    kwb_2024,
    population_03759,
    house_prices_83625,
    price_index_85792,
    income_86161,
    health_50090,
    regional_key_figures_70072,
    young_adults_health_50140,
    education_85525,
]


# ------------------------------------------------------------------ regions

GEBIEDEN = "gebieden_in_nederland_2025_gemeenten.csv"
REGIONS_OUT = ROOT / "src" / "bwmonitor" / "regions_nl.json"


def build_regions(out: Path = REGIONS_OUT) -> dict[str, Any]:
    """Provinces and COROP regions with their municipalities, from CBS's "Gebieden in
    Nederland 2025" (the indeling of 2023 to 2026: the municipalities of the newest data)."""
    rows = read_csv(GEBIEDEN)
    provinces: dict[str, dict[str, Any]] = {}
    corop: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = row["gemeente_code"]
        province = provinces.setdefault(
            row["provincie_code"], {"name": row["provincie_naam"], "members": []}
        )
        province["members"].append(code)
        region = corop.setdefault(
            row["corop_code"],
            {"name": row["corop_naam"], "province": row["provincie_code"], "members": []},
        )
        region["members"].append(code)
    regions = {
        "source": f"data/cbs/{GEBIEDEN} (CBS Gebieden in Nederland 2025, 86059NED); GGD "
        "regions from data/cbs/gebieden_in_nederland_2020-2025/cbs_gebieden_2025.parquet",
        "indeling": 2025,
        "provinces": {
            k: {**v, "members": sorted(v["members"])} for k, v in sorted(provinces.items())
        },
        "corop": {k: {**v, "members": sorted(v["members"])} for k, v in sorted(corop.items())},
        "ggd": ggd_regions("2025"),
    }
    out.write_text(json.dumps(regions, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return regions


def build(builders: Iterable[Callable[[], Table]] = BUILDERS, out: Path = OUT) -> list[Table]:
    tables = [make() for make in builders]
    if (out / "tables").exists():
        shutil.rmtree(out / "tables")
    target = TableDir(out)
    for table in tables:
        written = target.write(table.sidecar(), table.frame)
        # no checksums in the shipped sidecars: a store adopting a snapshot table adds
        # them (store/tables.py `adopt`), and the sidecars stay as they were before
        target.rewrite_meta(replace(written, data_sha256=None, data_size=None))
    manifest = {
        "built_by": "scripts/build_snapshot.py",
        "tables": {
            t.table_id: {
                "title": t.title,
                "captured": t.captured,
                "rows": t.frame.height,
                "provenance": t.provenance,
            }
            for t in tables
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return tables


if __name__ == "__main__":
    build_regions()
    for table in build():
        print(f"{table.table_id}: {table.frame.height} rows x {len(table.measures)} measures")
