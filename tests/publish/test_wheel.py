"""The welvaartswiel (publish/wheel.py): a theme's trend from its indicators'
judgements, and the SVG a reader (or a screen reader) gets: real text for the themes,
the scores and the legend."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl

from bwmonitor.compute.comparison import compare
from bwmonitor.compute.observations import schema
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.regions import Level, Region
from bwmonitor.publish.wheel import Sector, save_wheel, wheel_sectors

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    """Every <text> of an SVG, its lines joined by spaces."""
    root = ET.parse(path).getroot()
    return [" ".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def test_a_theme_improves_when_more_indicators_improve_than_deteriorate() -> None:
    """2 better against 1 worse: beter; 1 against 2: slechter; 1 against 1 (or none):
    geen duidelijke richting. A theme with one scored indicator is marked."""
    assert Sector("A", 5.0, 3, improving=2, deteriorating=1).trend == "beter"
    assert Sector("A", 5.0, 3, improving=1, deteriorating=2).trend == "slechter"
    assert Sector("A", 5.0, 3, improving=1, deteriorating=1).trend == "geen duidelijke richting"
    assert Sector("A", 5.0, 1, improving=0, deteriorating=0).too_few
    assert not Sector("A", 5.0, 2, improving=0, deteriorating=0).too_few


CATALOG = """
[themes.werk]
title = "Werk"

[themes.bevolking]
title = "Bevolking"

[sources.s]
table = "99999TST"

[indicators.inwoners]
title = "Inwoners"
theme = "bevolking"
better = "neutral"
source = "s"
measure = "Inwoners_1"
aggregate = "sum"

[indicators.werkloosheid]
title = "Werkloosheid"
theme = "werk"
unit = "%"
better = "lower"
source = "s"
measure = "Werkloosheid_2"
aggregate = "none"

[indicators.participatie]
title = "Participatie"
theme = "werk"
unit = "%"
better = "higher"
source = "s"
measure = "Participatie_3"
aggregate = "none"
"""


def test_a_regions_sectors_come_from_its_compare_rows() -> None:
    """Emmen 2019–2022 on exact lines (a significant trend: compute/trend.py):
    werkloosheid 8, 7, 6, 5 (lower is better: beter), participatie 60, 62, 64, 66
    (beter) → Werk: beter. Scores in 2022 over 2018–2022, Assen giving the scale's
    other end: werkloosheid 10 × (8 − 5) / (8 − 5) = 10, participatie 10 × (66 − 60) /
    (70 − 60) = 6 → 8,0 over 2. Bevolking has only a neutral count: no sector."""
    emmen, assen = "GM0114", "GM0106"
    rows = [
        *(("werkloosheid", emmen, 2019 + i, 8.0 - i) for i in range(4)),
        ("werkloosheid", assen, 2022, 6.0),
        *(("participatie", emmen, 2019 + i, 60.0 + 2 * i) for i in range(4)),
        ("participatie", assen, 2022, 70.0),
        ("inwoners", emmen, 2022, 107000.0),
    ]
    observations = pl.DataFrame(
        [(i, r, f"{y}JJ00", v, "", "99999TST", False, None) for i, r, y, v in rows],
        schema=schema(),
        orient="row",
    )
    catalog = catalog_module.parse(CATALOG, "test", None)
    result = compare(
        observations,
        catalog,
        [Region(emmen, "Emmen", Level.MUNICIPALITY)],
        [],
        list(catalog.indicators.values()),
        window=5,
    )
    [werk] = wheel_sectors(result.records)
    assert (werk.theme, werk.trend, werk.scored) == ("Werk", "beter", 2)
    assert werk.score == 8.0


def test_the_wheels_svg_has_its_themes_scores_and_legend_as_text(tmp_path: Path) -> None:
    """Titles, scores ('6,2'), trend symbols and the legend are <text>, not outlines;
    a theme with too few scored indicators says so; the footnote cites CBS's table."""
    sectors = [
        Sector("Materiële welvaart", 6.2, 5, improving=3, deteriorating=1),
        Sector("Gezondheid", 4.0, 4, improving=0, deteriorating=2),
        Sector("Wonen", 7.3, 2, improving=1, deteriorating=1),
        Sector("Veiligheid", None, 0, improving=0, deteriorating=0),
    ]
    [png, svg] = save_wheel("Emmen", sectors, ["85039NED"], tmp_path / "welvaartswiel-GM0114")
    assert png.stat().st_size > 10_000
    texts = svg_texts(svg)
    joined = " | ".join(texts)
    assert "Welvaartswiel Emmen" in texts
    for theme in ("Materiële welvaart", "Gezondheid", "Wonen", "Veiligheid"):
        assert theme in texts
    # a sector's text, line by line: its score and how many indicators it is over
    for score, count in (("6,2", "n=5"), ("4,0", "n=4"), ("7,3", "n=2")):
        assert texts[texts.index(score) + 1] == count
    # Veiligheid has no score: marked, and the legend says what the mark means
    assert texts.count("te weinig") == 1
    assert "te weinig indicatoren (minder dan 2 met een score)" in texts
    assert [t for t in texts if t in ("↑", "↓", "–")] == ["↑", "↓", "–", "–"]
    for word in ("↑ beter", "↓ slechter", "– geen duidelijke richting", "score 8–10"):
        assert word in texts, word
    assert re.search(r"Bron: CBS StatLine, tabel 85039NED", joined)
    assert "<path" not in "".join(t for t in texts)  # text, not glyph outlines
