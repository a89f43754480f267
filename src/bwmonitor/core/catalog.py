"""The indicator catalogue: indicators.toml loaded and validated into frozen dataclasses.

Nothing downstream reads TOML or raw dicts. Validation collects every problem with its
TOML path (``indicators.woz.unti: unknown key; did you mean 'unit'?``) instead of
stopping at the first. The field registry below is the single description of the
format: validation reads it, and docs/catalogue-reference.md is generated from it.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from bwmonitor.core.errors import CatalogInvalid
from bwmonitor.core.regions import DEFAULT_REGION_LEVELS
from bwmonitor.core.suggest import closest, did_you_mean
from bwmonitor.core.units import Quantity

DEFAULT_CATALOG_NAME = "indicators.toml"
CBS_CATALOGS = ("opendata", "dataderden")
TABLE_ID = re.compile(r"^[0-9]{5}[A-Za-z]{3}$|^[0-9]{4,5}[a-z]{3,4}$")
# Ids of themes, indicators and custom regions become file names (grafieken/<id>-kaart.png):
# one safe pattern, so that no id can name a path ('../x', '/abs/x') or differ from
# another only in case (the same file on macOS and Windows).
SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SAFE_ID_SECTIONS = ("themes", "indicators", "regions")
SAFE_ID_RULE = (
    f"lowercase letters, digits, _ and -, starting with a letter or digit, at most 64 "
    f"characters ({SAFE_ID.pattern})"
)


class Direction(StrEnum):
    HIGHER = "higher"  #: a higher value is better (income, participation)
    LOWER = "lower"  #: a lower value is better (bijstand, loneliness)
    NEUTRAL = "neutral"  #: neither (population, household size)


class Capital(StrEnum):
    """The four stocks of CBS's brede welvaart "later": what today leaves for the future."""

    ECONOMISCH = "economisch_kapitaal"
    NATUURLIJK = "natuurlijk_kapitaal"
    MENSELIJK = "menselijk_kapitaal"
    SOCIAAL = "sociaal_kapitaal"

    @property
    def label(self) -> str:
        """'Sociaal kapitaal', as CBS's monitor names it."""
        return self.value.replace("_", " ").capitalize()


class Aggregation(StrEnum):
    SUM = "sum"  #: counts: the region's value is the sum of its members
    RATIO = "ratio"  #: sum of numerators / sum of denominators x scale
    WEIGHTED_MEAN = "weighted_mean"  #: mean of members weighted by another indicator
    NONE = "none"  #: medians, model estimates, distances: never computed from members


# ---------------------------------------------------------------- field registry


@dataclass(frozen=True, slots=True)
class Field:
    """One key of a catalogue section: its type, whether required, and what it means."""

    name: str
    type: str  #: "str", "int", "number", "bool", "list[str]", "table[str]", "table[number]"
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()


FIELDS: dict[str, tuple[Field, ...]] = {
    "monitor": (
        Field("title", "str", "Name of the monitor, printed on outputs."),
        Field(
            "region_levels",
            "list[str]",
            "Region code prefixes fetched from CBS tables (NL, PV, CR, GM, WK, BU). "
            'Default ["NL", "PV", "CR", "GM"]: all municipalities, for ranks and quartiles.',
        ),
        Field(
            "period_types",
            "list[str]",
            'CBS period kinds fetched from tables with a Perioden dimension: "JJ" years, '
            '"KW" quarters, "MM" months. Default ["JJ"].',
        ),
    ),
    "themes": (Field("title", "str", "Dutch title of the theme.", required=True),),
    "sources": (
        Field("title", "str", "Description of the source, for the sources sheet."),
        Field("table", "str", "A CBS table id, e.g. 03759ned."),
        Field(
            "series",
            "table[str]",
            "A table series, one CBS table per year, e.g. the KWB tables: "
            '{ "2020" = "84799NED", "2024" = "85984NED" }. Measures are matched across '
            "years by key stem, since CBS renumbers keys every year; a measure CBS renamed "
            "in some years names those years' stem in the indicator's measure_by_year.",
        ),
        Field(
            "catalog",
            "str",
            "CBS catalogue holding the table(s): opendata (default) or dataderden "
            "(third parties such as RIVM).",
            choices=CBS_CATALOGS,
        ),
        Field(
            "csv",
            "str",
            "A local CSV with columns region_code, period, value (and optionally status), "
            "for non-CBS figures; path relative to the catalogue file. region_code is a code "
            "bwmonitor knows (GM0114, CR08, PV22, NL01, a custom region's id); period is a "
            "year (2023, or CBS's 2023JJ00) or a span of years (2018-2021: accepted and "
            "listed by `catalog show`, but compare and export use single years); an empty "
            "value means no figure. "
            "`catalog check` names every other row with its line.",
        ),
        Field(
            "breaks",
            "table[str]",
            "A break in the series: year -> what changed from that year on, e.g. "
            '{ "2020" = "vanaf 2020 18 jaar en ouder; 2012 en 2016: 19 jaar en ouder" }. '
            "A trend across it is flagged in compare (JSON `breaks`, footnote ‡), the "
            "workbook and the charts.",
        ),
    ),
    "indicators": (
        Field("title", "str", "Dutch title, as printed in tables.", required=True),
        Field("theme", "str", "Id of a theme in [themes].", required=True),
        Field(
            "unit",
            "str",
            'CBS\'s unit of the measure: "aantal", "%", "euro", "km", or with a factor '
            '"x 1.000 euro", "x 1.000" (also written "x 1 000 euro", "1 000 euro"; "mln" for '
            "millions). A factor is the scale: outputs people read show the amount (€ 28.400, "
            '77.400) in the unit without it ("euro", "aantal"); data outputs keep CBS\'s value '
            "with unit and scale (docs/data.md).",
        ),
        Field(
            "decimals",
            "int",
            "Decimals of CBS's value that are shown, computed values included; default 0. "
            "`catalog check` notes more decimals than CBS publishes.",
        ),
        Field(
            "better",
            "str",
            "Which direction is better, for ranks and trends.",
            required=True,
            choices=tuple(d.value for d in Direction),
        ),
        Field("source", "str", "Id of a source in [sources] (not for ratios)."),
        Field(
            "measure",
            "str",
            "The CBS measure key (AantalInwoners_5), or for a series its key stem "
            "(AantalInwoners).",
        ),
        Field(
            "measure_by_year",
            "table[str]",
            "For a series: the key stem in the years where CBS named the measure "
            "differently; other years use `measure`. E.g. the KWB WOZ value, called "
            'GemiddeldeWoningwaarde in 2019 and 2020: measure_by_year = { "2019" = '
            '"GemiddeldeWoningwaarde", "2020" = "GemiddeldeWoningwaarde" }. Each year must '
            "be a year of the source's series.",
        ),
        Field(
            "filters",
            "table[str]",
            'Dimension codes, e.g. { Geslacht = "T001038", Leeftijd = "20300" }.',
        ),
        Field(
            "sum_over",
            "table[list[str]]",
            "Dimension codes whose rows are added up into one figure, e.g. the single "
            'years of age 18 to 104 and "105 jaar of ouder" of 03759ned for the '
            'inhabitants of 18 and over: { Leeftijd = ["11800", "11900", ...] }. A figure '
            "exists only where every code has one; for counts (aggregate = 'sum').",
        ),
        Field("numerator", "str", "For a derived ratio: id of the numerator indicator."),
        Field(
            "total",
            "str",
            "For a derived difference: id of the indicator a part is taken from, e.g. "
            "all inhabitants, for inhabitants of 15 and over (with minus = inhabitants "
            "under 15); aggregate = 'sum'.",
        ),
        Field("minus", "str", "For a derived difference: id of the part taken off the total."),
        Field("denominator", "str", "For a derived ratio: id of the denominator indicator."),
        Field("scale", "number", "For a derived ratio: multiplier, e.g. 1000 for per 1.000."),
        Field(
            "aggregate",
            "str",
            "How a larger region gets a value when CBS does not publish one.",
            required=True,
            choices=tuple(a.value for a in Aggregation),
        ),
        Field(
            "weight",
            "str",
            "For weighted_mean: id of the weight indicator, from the same year or else the "
            "nearest year in which every member municipality has it (the rule says which).",
        ),
        Field(
            "weight_fallback",
            "str",
            "For weighted_mean: id of the weight used for a region and year where `weight` "
            "has no figures for every member (e.g. inhabitants of 15 and over where the 18 "
            "and over are not fetched); the rule names the weight actually used.",
        ),
        Field(
            "capital",
            "str",
            'The brede welvaart "later" capital CBS assigns the indicator to, if any; '
            "`--theme` selects a capital like a theme, and the workbook has a sheet per "
            "capital.",
            choices=tuple(c.value for c in Capital),
        ),
        Field(
            "population",
            "str",
            'Who or what the figure is about, as a reader says it: "inwoners van 18 jaar '
            'en ouder", "particuliere huishoudens". A weighted mean names its weight\'s '
            "population, and this one when the weight only approximates it.",
        ),
        Field(
            "aggregate_reason",
            "str",
            "For aggregate = 'none': why no regional value can be computed from the "
            'municipalities, e.g. "een mediaan is niet uit gemeentelijke cijfers samen '
            'te stellen". Shown where a region has no value.',
        ),
        Field("footnote", "str", "Footnote printed with the indicator."),
        Field(
            "breaks",
            "table[str]",
            "As a source's breaks, for this indicator only (added to its source's).",
        ),
        Field(
            "definition",
            "str",
            "What the indicator counts, in a sentence or two. `catalog show` quotes CBS's "
            "own Description of the measure when the stored metadata has one, and this "
            "definition otherwise (always for derived ratios and local CSVs).",
        ),
        Field(
            "definition_source",
            "str",
            'Where `definition` comes from, e.g. "CBS, tabel 84799NED (DataProperties)" '
            'or "bwmonitor, naar CBS-tabel 86161NED". Required with definition.',
        ),
    ),
    "regions": (
        Field("name", "str", "Name of the custom region, as printed.", required=True),
        Field("members", "list[str]", "Municipality codes (GMxxxx).", required=True),
        Field("aliases", "list[str]", "Short names usable with --region."),
    ),
}
SECTION_DOCS = {
    "monitor": "Settings of the monitor as a whole (one table).",
    "themes": f"The themes indicators are grouped in; `[themes.ID]`. An ID (here, for "
    f"indicators and for regions) is used in file names, so it must consist of "
    f"{SAFE_ID_RULE.replace('(', '(`').replace(')', '`)')}.",
    "sources": "Where figures come from: a CBS table, a CBS table series or a local CSV; "
    "`[sources.ID]`, exactly one of table, series, csv.",
    "indicators": "The indicators; `[indicators.ID]` (ID as for themes), either "
    "source+measure, numerator+denominator or total+minus. A catalogue needs at least one.",
    "regions": "Custom regions made of municipalities; `[regions.ID]` (ID as for themes).",
}
SINGLETON_SECTIONS = {"monitor"}

# ---------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Source:
    """A CBS table, a series of CBS tables (one per year), or a local CSV."""

    id: str
    title: str
    tables: tuple[tuple[str, str], ...] = ()  #: (period label or "", table id)
    catalog: str = "opendata"
    csv_path: Path | None = None
    #: year -> what changed from then on (a break in the series)
    breaks: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_series(self) -> bool:
        return len(self.tables) > 1 or any(label for label, _ in self.tables)

    @property
    def table_ids(self) -> tuple[str, ...]:
        return tuple(table_id for _, table_id in self.tables)


@dataclass(frozen=True, slots=True)
class Difference:
    """A count derived as total - part (inhabitants of 15 and over: all - under 15)."""

    total: str
    minus: str


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: str
    denominator: str
    scale: float


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    title: str
    theme: str
    unit: str
    decimals: int
    better: Direction
    aggregate: Aggregation
    source: str | None = None
    measure: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    #: dimension -> codes whose rows are added up into one figure (ages 18 and over)
    sum_over: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ratio: Ratio | None = None
    difference: Difference | None = None
    weight: str | None = None
    #: the weight where `weight` lacks a member's figure (e.g. 15+ for 18+)
    weight_fallback: str | None = None
    #: the brede welvaart "later" capital CBS assigns it to, if any
    capital: Capital | None = None
    #: who or what the figure is about ("inwoners van 18 jaar en ouder")
    population: str | None = None
    #: for aggregate 'none': why no regional value is computed
    aggregate_reason: str | None = None
    footnote: str | None = None
    #: series year -> key stem, where CBS named the measure differently that year
    measure_by_year: Mapping[str, str] = field(default_factory=dict)
    definition: str | None = None
    definition_source: str | None = None
    #: year -> what changed from then on: its own breaks and its source's
    breaks: Mapping[str, str] = field(default_factory=dict)

    def measure_for(self, label: str) -> str | None:
        """The measure to look for in the table of series year `label` ('' for a table)."""
        return self.measure_by_year.get(label, self.measure)

    @property
    def quantity(self) -> Quantity:
        """How this indicator's figures read: unit, scale and decimals (units.py)."""
        return Quantity.of(self.unit, self.decimals)

    @property
    def dependencies(self) -> tuple[str, ...]:
        """The indicators this one is computed from: its weight, a ratio's numerator and
        denominator."""
        weight = self.weights
        ratio = (self.ratio.numerator, self.ratio.denominator) if self.ratio else ()
        difference = (self.difference.total, self.difference.minus) if self.difference else ()
        return weight + ratio + difference

    @property
    def weights(self) -> tuple[str, ...]:
        """A weighted mean's weights in order of preference: `weight`, then its fallback."""
        return tuple(w for w in (self.weight, self.weight_fallback) if w)

    @property
    def wanted_codes(self) -> dict[str, tuple[str, ...]]:
        """The codes of each dimension this indicator reads: its filter's or its sum's."""
        return {
            **{dim: (code,) for dim, code in self.filters.items()},
            **{dim: tuple(codes) for dim, codes in self.sum_over.items()},
        }

    @property
    def is_derived(self) -> bool:
        """Computed from other indicators (a ratio, a difference), not read from a table."""
        return self.ratio is not None or self.difference is not None


@dataclass(frozen=True, slots=True)
class CustomRegion:
    id: str
    name: str
    members: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TableRequest:
    """What the catalogue needs from one CBS table: the basis of one fetch."""

    table_id: str
    catalog: str
    measures: tuple[str, ...]  #: keys or key stems, sorted
    filters: Mapping[str, tuple[str, ...]]  #: dimension -> codes (unpadded), sorted
    region_levels: tuple[str, ...]
    period_types: tuple[str, ...]
    series: bool = False  #: one year of a series: a measure missing here is only a warning


@dataclass(frozen=True, slots=True)
class Catalog:
    path: str  #: where it was read from, for messages ("(shipped) indicators.toml")
    title: str
    region_levels: tuple[str, ...]
    period_types: tuple[str, ...]
    themes: Mapping[str, Theme]
    sources: Mapping[str, Source]
    indicators: Mapping[str, Indicator]
    regions: Mapping[str, CustomRegion]
    #: the file it was read from, shipped one included; None for text given directly
    source_path: Path | None = None

    def table_requests(self) -> list[TableRequest]:
        """One request per CBS table, covering every indicator that reads it.

        Filters are merged per dimension: when one indicator leaves a dimension open,
        the whole dimension is fetched; otherwise the union of the asked codes.
        """
        measures: dict[str, set[str]] = {}
        wanted_filters: dict[str, list[Mapping[str, tuple[str, ...]]]] = {}
        catalogs: dict[str, str] = {}
        in_series: set[str] = set()
        for indicator in self.indicators.values():
            source = self.sources.get(indicator.source or "")
            if source is None or indicator.measure is None:
                continue
            for label, table_id in source.tables:
                catalogs[table_id] = source.catalog
                if source.is_series:
                    in_series.add(table_id)
                measures.setdefault(table_id, set()).add(indicator.measure_for(label) or "")
                wanted_filters.setdefault(table_id, []).append(indicator.wanted_codes)
        return [
            TableRequest(
                table_id=table_id,
                catalog=catalogs[table_id],
                measures=tuple(sorted(measures[table_id])),
                filters=_merge_filters(wanted_filters[table_id]),
                region_levels=self.region_levels,
                period_types=self.period_types,
                series=table_id in in_series,
            )
            for table_id in sorted(measures)
        ]


def _merge_filters(wanted: list[Mapping[str, tuple[str, ...]]]) -> dict[str, tuple[str, ...]]:
    """Union of the codes per dimension; a dimension one indicator leaves open stays open."""
    dimensions = sorted({dim for filters in wanted for dim in filters})
    return {
        dim: tuple(sorted({code for filters in wanted for code in filters[dim]}))
        for dim in dimensions
        if all(dim in filters for filters in wanted)
    }


# ---------------------------------------------------------------- loading


def shipped_catalog_path() -> Path:
    """The file of the catalogue shipped with bwmonitor (installed as a plain file)."""
    return Path(str(resources.files("bwmonitor").joinpath(DEFAULT_CATALOG_NAME)))


def shipped_catalog_text() -> str:
    return shipped_catalog_path().read_text("utf-8")


def load(path: Path | None) -> Catalog:
    """Load and validate a catalogue; None loads the one shipped with bwmonitor.

    Raises CatalogInvalid listing every problem found.
    """
    catalog, problems = validate_file(path)
    if problems or catalog is None:
        raise CatalogInvalid(catalog.path if catalog else str(path), problems)
    return catalog


def validate_file(path: Path | None) -> tuple[Catalog | None, list[str]]:
    """`validate` for a file (None: the shipped catalogue); unreadable is a problem too."""
    if path is None:
        shipped = shipped_catalog_path()
        origin = f"(shipped) {DEFAULT_CATALOG_NAME}"
        return validate(shipped.read_text("utf-8"), origin, base=None, source_path=shipped)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None, [f"{path}: file not found"]
    except (OSError, UnicodeDecodeError) as err:
        return None, [f"{path}: cannot be read: {err}"]
    return validate(text, str(path), base=path.parent, source_path=path)


def parse(text: str, origin: str, base: Path | None) -> Catalog:
    """Parse catalogue text; raise CatalogInvalid with every problem found."""
    catalog, problems = validate(text, origin, base)
    if problems or catalog is None:
        raise CatalogInvalid(origin, problems)
    return catalog


def validate(
    text: str, origin: str, base: Path | None, source_path: Path | None = None
) -> tuple[Catalog | None, list[str]]:
    """The catalogue built from its sound entries, and every problem of the others.

    Unknown keys, wrong types and values are found per entry; the entries without
    such problems are then checked for references (unknown themes, sources and
    indicators, cycles), so one run lists everything wrong in the file.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        return None, [f"not valid TOML: {err}"]
    problems: list[str] = []
    sound: dict[str, Any] = {}
    for section, value in raw.items():
        if section not in FIELDS:
            problems.append(f"{section}: unknown section{did_you_mean(section, FIELDS)}")
        elif not isinstance(value, dict):
            problems.append(f"{section}: must be a table ([{section}])")
        elif section in SINGLETON_SECTIONS:
            found = list(_check_entry(section, section, value))
            problems += found
            sound[section] = {} if found else value
        else:
            sound[section] = {}
            for entry_id, entry in value.items():
                found = list(_entry_problems(section, entry_id, entry))
                problems += found
                if not found:
                    sound[section][entry_id] = entry
    if raw.get("indicators", {}) == {}:
        # nothing to compare or export: refused here rather than failing later
        problems.append("indicators: the catalogue has no indicators; add one [indicators.ID]")
    catalog = _build(sound, origin, base, source_path)
    problems += check_references(catalog, raw)
    return catalog, problems


def _entry_problems(section: str, entry_id: str, entry: Any) -> Iterator[str]:
    path = f"{section}.{entry_id}"
    if section in SAFE_ID_SECTIONS and not SAFE_ID.match(entry_id):
        yield _unsafe_id_problem(section, entry_id)
    if not isinstance(entry, dict):
        yield f"{path}: must be a table ([{path}])"
        return
    yield from _check_entry(section, path, entry)
    if section == "sources":
        yield from _source_kind_problems(entry_id, entry)
    elif section == "indicators":
        yield from _indicator_kind_problems(entry_id, entry)


def _unsafe_id_problem(section: str, entry_id: str) -> str:
    quoted = entry_id if re.fullmatch(r"[A-Za-z0-9_-]+", entry_id) else json.dumps(entry_id)
    suggestion = re.sub(r"[^a-z0-9_-]+", "_", entry_id.lower()).strip("_-")[:64]
    hint = f"; e.g. {suggestion!r}" if suggestion else ""
    return (
        f"{section}.{quoted}: the id {entry_id!r} is not allowed, as ids become file "
        f"names: use {SAFE_ID_RULE}{hint}"
    )


def _check_entry(section: str, path: str, entry: Mapping[str, Any]) -> Iterator[str]:
    fields = {f.name: f for f in FIELDS[section]}
    misspelt: set[str | None] = set()  # a typo is one problem, not also a missing key
    for key, value in entry.items():
        spec = fields.get(key)
        if spec is None:
            misspelt.add(closest(key, fields))
            yield f"{path}.{key}: unknown key{did_you_mean(key, fields)}"
            continue
        type_problem = _type_problem(spec, value)
        if type_problem:
            yield f"{path}.{key}: {type_problem}"
        elif spec.choices and value not in spec.choices:
            choices = ", ".join(spec.choices)
            yield (
                f"{path}.{key}: {value!r} is not one of {choices}"
                f"{did_you_mean(str(value), spec.choices)}"
            )
    for spec in FIELDS[section]:
        if spec.required and spec.name not in entry and spec.name not in misspelt:
            yield f"{path}: missing required key {spec.name!r}"


_TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty string"),
    "int": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "a whole number >= 0",
    ),
    "number": (lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "list[str]": (
        lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
        'a list of strings, e.g. ["a", "b"]',
    ),
    "table[str]": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        'a table of strings, e.g. { key = "value" }',
    ),
    "table[list[str]]": (
        lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(codes, list) and codes and all(isinstance(c, str) for c in codes)
                for codes in v.values()
            )
        ),
        'a table of non-empty lists of strings, e.g. { key = ["a", "b"] }',
    ),
}


def _type_problem(spec: Field, value: Any) -> str | None:
    check, wanted = _TYPES[spec.type]
    return None if check(value) else f"must be {wanted}, not {value!r}"


def _break_problems(path: str, entry: Mapping[str, Any]) -> Iterator[str]:
    breaks = entry.get("breaks")
    if isinstance(breaks, dict):
        for year in breaks:
            if not re.fullmatch(r"\d{4}", year):
                yield f'{path}.breaks.{year}: the key must be a year, e.g. "2020"'


def _source_kind_problems(source_id: str, entry: Mapping[str, Any]) -> Iterator[str]:
    yield from _break_problems(f"sources.{source_id}", entry)
    kinds = [k for k in ("table", "series", "csv") if k in entry]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        yield f"sources.{source_id}: give exactly one of table, series, csv (found: {found})"
    table_id = entry.get("table")
    if isinstance(table_id, str) and not TABLE_ID.match(table_id):
        yield f"sources.{source_id}.table: {table_id!r} does not look like a CBS table id"
    series = entry.get("series")
    if isinstance(series, dict):
        for label, table_id in series.items():
            path = f"sources.{source_id}.series.{label}"
            if isinstance(table_id, str) and not TABLE_ID.match(table_id):
                yield f"{path}: {table_id!r} does not look like a CBS table id"
            if not re.fullmatch(r"\d{4}", label):
                yield f'{path}: the key must be a year, e.g. "2024"'


#: the kinds of derived indicator, by the keys naming the indicators they are made of
DERIVED_KINDS = {"ratio": ("numerator", "denominator"), "difference": ("total", "minus")}


def _derived_problems(path: str, entry: Mapping[str, Any], kind: str) -> Iterator[str]:
    """A derived indicator names both its parts and reads no table itself."""
    parts = DERIVED_KINDS[kind]
    for key in parts:
        if key not in entry:
            yield f"{path}: a derived {kind} needs {key!r}"
    for key in ("source", "measure", "measure_by_year", "filters", "sum_over"):
        if key in entry:
            yield f"{path}.{key}: a derived {kind} has no {key} (it has a {parts[0]})"
    if kind == "difference" and entry.get("aggregate", Aggregation.SUM) != Aggregation.SUM:
        yield f"{path}.aggregate: a difference of counts is a count: use 'sum'"


def _indicator_kind_problems(indicator_id: str, entry: Mapping[str, Any]) -> Iterator[str]:
    path = f"indicators.{indicator_id}"
    yield from _break_problems(path, entry)
    kind = next((k for k, parts in DERIVED_KINDS.items() if any(p in entry for p in parts)), None)
    if kind is not None:
        yield from _derived_problems(path, entry, kind)
    elif "source" not in entry:
        yield f"{path}: missing required key 'source' (or numerator/denominator, total/minus)"
    if entry.get("aggregate") == Aggregation.WEIGHTED_MEAN and "weight" not in entry:
        yield f"{path}: aggregate = 'weighted_mean' needs a 'weight' indicator"
    for key in ("weight", "weight_fallback"):
        if key in entry and entry.get("aggregate") != Aggregation.WEIGHTED_MEAN:
            yield f"{path}.{key}: only used with aggregate = 'weighted_mean'"
    if "weight_fallback" in entry and "weight" not in entry:
        yield f"{path}.weight_fallback: a fallback needs a 'weight' to fall back from"
    yield from _sum_over_problems(path, entry)
    if "aggregate_reason" in entry and entry.get("aggregate") != Aggregation.NONE:
        yield f"{path}.aggregate_reason: only used with aggregate = 'none'"
    if "definition" in entry and "definition_source" not in entry:
        yield (
            f"{path}.definition: name where it comes from in 'definition_source' "
            '(e.g. "CBS, tabel 84799NED (DataProperties)")'
        )
    if "definition_source" in entry and "definition" not in entry:
        yield f"{path}.definition_source: only used with 'definition'"


def _sum_over_problems(path: str, entry: Mapping[str, Any]) -> Iterator[str]:
    """A sum over codes adds counts, and a dimension is either filtered or summed."""
    sum_over = entry.get("sum_over")
    if not isinstance(sum_over, dict):
        return
    if entry.get("aggregate", Aggregation.SUM) != Aggregation.SUM:
        yield f"{path}.sum_over: a sum of rows is a count: use aggregate = 'sum'"
    filters = entry.get("filters")
    for dim, codes in sum_over.items():
        if isinstance(filters, dict) and dim in filters:
            yield f"{path}.sum_over.{dim}: {dim} is also in filters; give it in one of the two"
        if isinstance(codes, list) and len(set(codes)) != len(codes):
            yield f"{path}.sum_over.{dim}: a code is listed twice (it would count twice)"


def _build(
    raw: Mapping[str, Any], origin: str, base: Path | None, source_path: Path | None
) -> Catalog:
    monitor = raw.get("monitor", {})
    themes = {tid: Theme(tid, t["title"]) for tid, t in raw.get("themes", {}).items()}
    sources = {sid: _build_source(sid, s, base) for sid, s in raw.get("sources", {}).items()}
    indicators = {
        iid: _with_source_breaks(_build_indicator(iid, i), sources)
        for iid, i in raw.get("indicators", {}).items()
    }
    regions = {
        rid: CustomRegion(rid, r["name"], tuple(r["members"]), tuple(r.get("aliases", ())))
        for rid, r in raw.get("regions", {}).items()
    }
    return Catalog(
        path=origin,
        title=monitor.get("title", "Monitor Brede Welvaart"),
        region_levels=tuple(monitor.get("region_levels", DEFAULT_REGION_LEVELS)),
        period_types=tuple(monitor.get("period_types", ("JJ",))),
        themes=themes,
        sources=sources,
        indicators=indicators,
        regions=regions,
        source_path=source_path,
    )


def _with_source_breaks(indicator: Indicator, sources: Mapping[str, Source]) -> Indicator:
    """The indicator with its source's breaks in the series added to its own."""
    source = sources.get(indicator.source or "")
    if source is None or not source.breaks:
        return indicator
    return replace(indicator, breaks={**source.breaks, **indicator.breaks})


def _build_source(source_id: str, entry: Mapping[str, Any], base: Path | None) -> Source:
    if "csv" in entry:
        csv_path = Path(entry["csv"])
        if base is not None and not csv_path.is_absolute():
            csv_path = base / csv_path
        return Source(
            source_id,
            entry.get("title", source_id),
            csv_path=csv_path,
            breaks=dict(entry.get("breaks", {})),
        )
    if "series" in entry:
        tables = tuple(sorted(entry["series"].items()))
    else:
        tables = (("", entry["table"]),)
    return Source(
        source_id,
        entry.get("title", source_id),
        tables=tables,
        catalog=entry.get("catalog", "opendata"),
        breaks=dict(entry.get("breaks", {})),
    )


def _build_indicator(indicator_id: str, entry: Mapping[str, Any]) -> Indicator:
    ratio = None
    if "numerator" in entry:
        ratio = Ratio(entry["numerator"], entry["denominator"], float(entry.get("scale", 1)))
    difference = Difference(entry["total"], entry["minus"]) if "total" in entry else None
    return Indicator(
        id=indicator_id,
        title=entry["title"],
        theme=entry["theme"],
        unit=entry.get("unit", ""),
        decimals=entry.get("decimals", 0),
        better=Direction(entry["better"]),
        aggregate=Aggregation(entry["aggregate"]),
        source=entry.get("source"),
        measure=entry.get("measure"),
        filters=dict(entry.get("filters", {})),
        sum_over={dim: tuple(codes) for dim, codes in entry.get("sum_over", {}).items()},
        ratio=ratio,
        difference=difference,
        weight=entry.get("weight"),
        weight_fallback=entry.get("weight_fallback"),
        capital=Capital(entry["capital"]) if "capital" in entry else None,
        population=entry.get("population"),
        aggregate_reason=entry.get("aggregate_reason"),
        footnote=entry.get("footnote"),
        measure_by_year=dict(entry.get("measure_by_year", {})),
        definition=entry.get("definition"),
        definition_source=entry.get("definition_source"),
        breaks=dict(entry.get("breaks", {})),
    )


REFERENCES = (
    ("theme", "themes", "theme"),
    ("source", "sources", "source"),
    ("numerator", "indicators", "indicator"),
    ("denominator", "indicators", "indicator"),
    ("total", "indicators", "indicator"),
    ("minus", "indicators", "indicator"),
    ("weight", "indicators", "indicator"),
    ("weight_fallback", "indicators", "indicator"),
)


def check_references(catalog: Catalog, raw: Mapping[str, Any]) -> Iterator[str]:
    """References to unknown themes, sources, indicators; cycles between ratios.

    References are read from the raw file, so that an indicator with another problem
    still has its references checked, and a reference to an entry that is present but
    broken is not reported twice.
    """
    declared = {name: set(v) for name, v in raw.items() if isinstance(v, dict)}
    indicators = raw.get("indicators")
    for indicator_id, entry in (indicators if isinstance(indicators, dict) else {}).items():
        if not isinstance(entry, dict):
            continue
        for key, section, kind in REFERENCES:
            ref = entry.get(key)
            known = declared.get(section, set())
            if isinstance(ref, str) and ref not in known:
                yield (
                    f"indicators.{indicator_id}.{key}: unknown {kind} {ref!r}"
                    f"{did_you_mean(ref, known)}"
                )
    for ind in catalog.indicators.values():
        source = catalog.sources.get(ind.source or "")
        if source is not None and source.csv_path is None and ind.measure is None:
            yield f"indicators.{ind.id}: a CBS source needs a 'measure'"
        if source is not None:
            yield from _measure_by_year_problems(ind, source)
    yield from _check_cycles(catalog)
    for region in catalog.regions.values():
        for i, code in enumerate(region.members):
            if not re.fullmatch(r"GM\d{4}", code):
                where = f"regions.{region.id}.members[{i}]"
                yield f"{where}: {code!r} is not a municipality code (GMxxxx)"


def _measure_by_year_problems(indicator: Indicator, source: Source) -> Iterator[str]:
    """Each year of `measure_by_year` must be a year of the source's series."""
    years = [label for label, _ in source.tables if label]
    for year in indicator.measure_by_year:
        where = f"indicators.{indicator.id}.measure_by_year.{year}"
        if not years:
            yield f"{where}: source {source.id!r} is not a series; use 'measure'"
        elif year not in years:
            yield (
                f"{where}: source {source.id!r} has no table for {year} "
                f"(its years: {', '.join(years)})"
            )


def _check_cycles(catalog: Catalog) -> Iterator[str]:
    def parents(ind: Indicator) -> list[str]:
        return [d for d in ind.dependencies if d in catalog.indicators]

    reported: set[str] = set()
    for start in catalog.indicators:
        stack = [(start, [start])]
        while stack:
            current, trail = stack.pop()
            for dep in parents(catalog.indicators[current]):
                if dep == start and start not in reported:
                    reported.update(trail)
                    yield f"indicators.{start}: derived from itself ({' -> '.join([*trail, dep])})"
                elif dep not in trail:
                    stack.append((dep, [*trail, dep]))


def inputs_digest(catalog: Catalog) -> str:
    """A digest of the user's own inputs: the catalogue's bytes (the shipped one's too)
    and its local CSV files."""
    sha = hashlib.sha256()
    # the catalogue by its label: the shipped one's install folder is no input
    files: list[tuple[str, Path | None]] = [(catalog.path, catalog.source_path)]
    files += [(str(s.csv_path), s.csv_path) for s in catalog.sources.values() if s.csv_path]
    for name, path in files:
        sha.update(name.encode("utf-8"))
        try:
            sha.update(path.read_bytes() if path is not None else b"(no file)")
        except OSError:
            sha.update(b"(unreadable)")
    return sha.hexdigest()[:16]
