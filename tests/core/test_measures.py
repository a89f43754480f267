"""Which key of a CBS table is the catalogue's measure: one rule for fetch, store and checks."""

from __future__ import annotations

import pytest

from bwmonitor.compute.catalog_checks import check_with
from bwmonitor.core.catalog import parse
from bwmonitor.core.errors import CbsTableChanged
from bwmonitor.core.measures import resolve_measure
from bwmonitor.store.tables import TableMeta

CATALOG = """
[themes.wonen]
title = "Wonen"

[sources.bevolking]
table = "03759ned"

[indicators.inwoners]
title = "Inwoners"
theme = "wonen"
unit = "aantal"
better = "neutral"
source = "bevolking"
measure = "Bevolking"
aggregate = "sum"
"""


def test_a_stem_finds_the_one_key_with_it() -> None:
    """CBS renumbers keys; a stem names the measure whatever its suffix."""
    assert resolve_measure("Bevolking", ["Bevolking_1", "Oppervlakte_2"], "03759ned") == (
        "Bevolking_1"
    )


def test_an_ambiguous_stem_names_the_choices_with_their_titles() -> None:
    """Two keys with one stem: the message lists both, with CBS's titles."""
    titles = {"Bevolking_1": "Mannen", "Bevolking_2": "Vrouwen"}
    with pytest.raises(CbsTableChanged) as caught:
        resolve_measure("Bevolking", titles, "03759ned", titles=titles)
    assert "Bevolking_1 (Mannen), Bevolking_2 (Vrouwen)" in caught.value.message


def test_catalog_check_reports_an_ambiguous_stem_as_a_problem() -> None:
    """`catalog check` on a stored table where the stem fits two keys: a problem, no crash."""
    catalog = parse(CATALOG, "test.toml", base=None)
    meta = TableMeta.from_json(
        "03759ned",
        {
            "dimensions": {},
            "measures": {},
            "table_measures": {"Bevolking_1": "Mannen", "Bevolking_2": "Vrouwen"},
        },
    )
    report = check_with(catalog, {"03759ned": meta}.get)
    assert report.problems == [
        "indicators.inwoners: measure 'Bevolking' is ambiguous in CBS table 03759ned: "
        "Bevolking_1 (Mannen), Bevolking_2 (Vrouwen)"
    ]
