"""The catalogue format: parsing, every problem listed with its TOML path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from bwmonitor.core.catalog import Aggregation, parse
from bwmonitor.core.errors import CatalogInvalid

MINIMAL = """
[themes.wonen]
title = "Wonen"

[sources.kwb]
series = { "2020" = "84799NED", "2024" = "85984NED" }

[sources.bevolking]
table = "03759ned"

[indicators.inwoners]
title = "Inwoners"
theme = "wonen"
unit = "aantal"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = { Geslacht = "T001038", Leeftijd = "10000" }
aggregate = "sum"

[indicators.bijstand]
title = "Personen met bijstand"
theme = "wonen"
better = "lower"
source = "kwb"
measure = "PersonenPerSoortUitkeringBijstand"
aggregate = "sum"

[indicators.inwoners_kwb]
title = "Inwoners (KWB)"
theme = "wonen"
better = "neutral"
source = "kwb"
measure = "AantalInwoners"
aggregate = "sum"

[indicators.bijstand_per_1000]
title = "Bijstand per 1.000 inwoners"
theme = "wonen"
better = "lower"
numerator = "bijstand"
denominator = "inwoners_kwb"
scale = 1000
aggregate = "ratio"
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(CatalogInvalid) as caught:
        parse(text, "test.toml", base=None)
    return caught.value.problems


def test_minimal_catalogue_parses_into_dataclasses() -> None:
    """A valid catalogue becomes typed, frozen objects."""
    catalog = parse(MINIMAL, "test.toml", base=None)
    ratio = catalog.indicators["bijstand_per_1000"]
    assert ratio.aggregate is Aggregation.RATIO
    assert ratio.ratio is not None and ratio.ratio.scale == 1000
    assert catalog.sources["kwb"].table_ids == ("84799NED", "85984NED")


def test_table_requests_cover_each_table_of_a_series_once() -> None:
    """Fetch asks each table once, for every measure any indicator reads from it."""
    requests = {r.table_id: r for r in parse(MINIMAL, "t", None).table_requests()}
    assert sorted(requests) == ["03759ned", "84799NED", "85984NED"]
    assert requests["84799NED"].measures == ("AantalInwoners", "PersonenPerSoortUitkeringBijstand")
    assert requests["03759ned"].filters == {"Geslacht": ("T001038",), "Leeftijd": ("10000",)}


def test_filters_merge_per_dimension_and_open_dimensions_stay_open() -> None:
    """Two indicators on one table: codes are unioned; a dimension one leaves open is open."""
    text = (
        MINIMAL
        + """
[indicators.mannen]
title = "Mannen"
theme = "wonen"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = { Geslacht = "3000" }
aggregate = "sum"
"""
    )
    request = next(r for r in parse(text, "t", None).table_requests() if r.table_id == "03759ned")
    assert request.filters == {"Geslacht": ("3000", "T001038")}


def test_unknown_key_gets_a_suggestion_with_its_path() -> None:
    """A typo names the place and the likely intended key."""
    problems = problems_of(MINIMAL.replace('unit = "aantal"', 'unti = "aantal"'))
    assert problems == ["indicators.inwoners.unti: unknown key; did you mean 'unit'?"]


UP_AND_SOURCE = 'better = "up"\nsource = "bevolking"'


def test_every_problem_is_listed_not_just_the_first() -> None:
    """Several mistakes in one file are all reported in one run."""
    broken = (
        MINIMAL.replace('better = "neutral"\nsource = "bevolking"', UP_AND_SOURCE)
        .replace('aggregate = "ratio"', 'aggregate = "average"')
        .replace("[sources.bevolking]", "[sources.bevolking]\ncolour = 1")
    )
    problems = problems_of(broken)
    assert len(problems) == 3
    assert any("indicators.inwoners.better: 'up' is not one of" in p for p in problems)
    assert any("indicators.bijstand_per_1000.aggregate: 'average'" in p for p in problems)
    assert any(p.startswith("sources.bevolking.colour: unknown key") for p in problems)


def test_references_to_unknown_things_are_reported() -> None:
    """Unknown theme, source and indicator references are caught with suggestions."""
    broken = MINIMAL.replace('theme = "wonen"\nunit', 'theme = "wone"\nunit').replace(
        'denominator = "inwoners_kwb"', 'denominator = "inwoner_kwb"'
    )
    problems = problems_of(broken)
    assert "indicators.inwoners.theme: unknown theme 'wone'; did you mean 'wonen'?" in problems
    assert (
        "indicators.bijstand_per_1000.denominator: unknown indicator 'inwoner_kwb'; "
        "did you mean 'inwoners_kwb'?"
    ) in problems


def test_cycle_between_derived_indicators_is_reported() -> None:
    """A ratio that (indirectly) divides by itself cannot be computed."""
    text = (
        MINIMAL
        + """
[indicators.a]
title = "A"
theme = "wonen"
better = "lower"
numerator = "b"
denominator = "inwoners_kwb"
aggregate = "ratio"

[indicators.b]
title = "B"
theme = "wonen"
better = "lower"
numerator = "a"
denominator = "inwoners_kwb"
aggregate = "ratio"
"""
    )
    problems = problems_of(text)
    assert any("derived from itself" in p for p in problems)


def test_invalid_toml_is_one_problem_not_a_traceback() -> None:
    """A syntax error is reported with TOML's own position."""
    problems = problems_of("[themes.x\ntitle = 1")
    assert len(problems) == 1 and problems[0].startswith("not valid TOML")


def test_shipped_catalogue_is_valid() -> None:
    """The default catalogue that comes with the package loads without problems."""
    from bwmonitor.core.catalog import load

    catalog = load(None)
    assert catalog.indicators


def test_update_digest_changes_when_the_shipped_catalogue_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit of the shipped catalogue (here a copy standing in for it) changes update's
    input digest, so the next update exports."""
    from bwmonitor.core import catalog as catalog_module
    from bwmonitor.core.catalog import inputs_digest

    copy = tmp_path / "indicators.toml"
    text = resources.files("bwmonitor").joinpath("indicators.toml").read_text("utf-8")
    copy.write_text(text, "utf-8")
    monkeypatch.setattr(catalog_module, "shipped_catalog_path", lambda: copy, raising=False)
    before = inputs_digest(catalog_module.load(None))
    copy.write_text(text.replace('title = "Woningvoorraad"', 'title = "Woningen"'), "utf-8")
    after = inputs_digest(catalog_module.load(None))
    assert before != after
