"""Scores 0–10 and the themes summed up (compute/scores.py), on small frames whose
answers are worked out by hand in each test."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bwmonitor.compute.comparison import compare
from bwmonitor.compute.observations import schema
from bwmonitor.compute.scores import indicator_scores, scale_score, theme_standings
from bwmonitor.core import catalog as catalog_module
from bwmonitor.core.catalog import Direction
from bwmonitor.core.regions import Level, Region

CATALOG = """
[themes.werk]
title = "Werk"

[themes.wonen]
title = "Wonen"

[sources.s]
table = "99999TST"

[indicators.inwoners]
title = "Inwoners"
theme = "werk"
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

[indicators.woonlasten]
title = "Woonlasten"
theme = "wonen"
unit = "%"
better = "lower"
source = "s"
measure = "Woonlasten_4"
aggregate = "none"
"""

CATALOG_PARSED = catalog_module.parse(CATALOG, "test", None)
INDICATORS = list(CATALOG_PARSED.indicators.values())
# three of Drenthe's municipalities, a COROP region and the country
ASSEN, EMMEN, MEPPEL = "GM0106", "GM0114", "GM0119"


def frame(rows: list[tuple[str, str, int, float]]) -> pl.DataFrame:
    """Observations: (indicator, region, year, value), published by CBS."""
    return pl.DataFrame(
        [(i, r, f"{y}JJ00", v, "", "99999TST", False, None) for i, r, y, v in rows],
        schema=schema(),
        orient="row",
    )


def test_a_value_is_scored_between_the_worst_and_the_best() -> None:
    """Higher is better: 4 on 2..6 is half way, 5,0; lower is better: 3 on 2..6 is a
    quarter from the best, 10 × (6 − 3) / (6 − 2) = 7,5."""
    assert scale_score(4, 2, 6, Direction.HIGHER) == pytest.approx(5.0)
    assert scale_score(3, 2, 6, Direction.LOWER) == pytest.approx(7.5)
    assert scale_score(3, 3, 3, Direction.LOWER) is None  # every value equal: no scale
    assert scale_score(3, 2, 6, Direction.NEUTRAL) is None


def test_the_scale_is_every_municipality_in_the_window_and_a_region_sits_on_it() -> None:
    """Werkloosheid (lower is better) shown for 2020, window 4 = 2017..2020: the
    municipalities' values there are 6 (2018), 4 and 2, so min 2 and max 6; 20 in 2016
    lies outside the window. Emmen's 4 scores 10 × (6 − 4) / 4 = 5,0, Assen's 2 scores
    10; CR08's 3 scores 7,5 on the same scale, NL's 1 (below the municipal minimum)
    is clamped to 10. The neutral count gets no score."""
    observations = frame(
        [
            ("werkloosheid", EMMEN, 2016, 20.0),
            ("werkloosheid", EMMEN, 2018, 6.0),
            ("werkloosheid", EMMEN, 2020, 4.0),
            ("werkloosheid", ASSEN, 2020, 2.0),
            ("werkloosheid", "CR08", 2020, 3.0),
            ("werkloosheid", "NL01", 2020, 1.0),
            ("inwoners", EMMEN, 2020, 107000.0),
            ("inwoners", ASSEN, 2020, 68000.0),
        ]
    )
    years = {"werkloosheid": 2020, "inwoners": 2020}
    scores = indicator_scores(observations, INDICATORS, years, window=4)
    assert scores == pytest.approx(
        {
            ("werkloosheid", EMMEN): 5.0,
            ("werkloosheid", ASSEN): 10.0,
            ("werkloosheid", "CR08"): 7.5,
            ("werkloosheid", "NL01"): 10.0,
        }
    )


def test_a_wider_window_takes_in_earlier_years() -> None:
    """With window 5 (2016..2020) Emmen's 20 of 2016 is the maximum: Emmen's 4 in 2020
    scores 10 × (20 − 4) / (20 − 2) = 8,89."""
    observations = frame(
        [
            ("werkloosheid", EMMEN, 2016, 20.0),
            ("werkloosheid", EMMEN, 2020, 4.0),
            ("werkloosheid", ASSEN, 2020, 2.0),
        ]
    )
    scores = indicator_scores(observations, INDICATORS, {"werkloosheid": 2020}, window=5)
    assert scores[("werkloosheid", EMMEN)] == pytest.approx(160 / 18)


def test_a_theme_is_the_mean_of_its_scores_and_of_its_ranks() -> None:
    """Werk: scores 5,0 and 8,0 (the neutral count has none) → 6,5 over 2; ranks 3 and
    6 → 4,5 over 2. Wonen: one score, no rank (not a municipality of Drenthe)."""
    standings = theme_standings(
        [
            ("Werk", None, None),
            ("Werk", 5.0, 3),
            ("Werk", 8.0, 6),
            ("Wonen", 2.5, None),
        ]
    )
    assert list(standings) == ["Werk", "Wonen"]
    werk, wonen = standings["Werk"], standings["Wonen"]
    assert (werk.score, werk.scored, werk.rank, werk.ranked) == (6.5, 2, 4.5, 2)
    assert (wonen.score, wonen.scored, wonen.rank, wonen.ranked) == (2.5, 1, None, 0)


def test_compare_gives_each_row_its_score_and_its_themes_mean_rank_and_score() -> None:
    """Three municipalities of Drenthe in 2020 (window 8: only 2020 has figures).
    Werkloosheid (lower is better): Assen 2, Emmen 4, Meppel 6 → ranks 1, 2, 3 and
    scores 10, 5, 0. Participatie (higher is better): Assen 60, Emmen 70, Meppel 90 →
    ranks 3, 2, 1 and scores 0, 3,33, 10. Emmen's Werk: mean rank (2 + 2) / 2 = 2,0,
    mean score (5 + 3,33) / 2, each over 2 (Inwoners, a count, counts in neither);
    Assen's: rank (1 + 3) / 2; Assen's Wonen has no figure: no score."""
    observations = frame(
        [
            ("werkloosheid", ASSEN, 2020, 2.0),
            ("werkloosheid", EMMEN, 2020, 4.0),
            ("werkloosheid", MEPPEL, 2020, 6.0),
            ("participatie", ASSEN, 2020, 60.0),
            ("participatie", EMMEN, 2020, 70.0),
            ("participatie", MEPPEL, 2020, 90.0),
            ("inwoners", EMMEN, 2020, 107000.0),
            ("woonlasten", EMMEN, 2020, 30.0),
        ]
    )
    regions = [
        Region(ASSEN, "Assen", Level.MUNICIPALITY),
        Region(EMMEN, "Emmen", Level.MUNICIPALITY),
    ]
    result = compare(observations, CATALOG_PARSED, regions, [], INDICATORS, window=8)
    rows = {(r.indicator, r.region): r.as_json() for r in result.records}
    emmen = rows[("werkloosheid", EMMEN)]
    assert emmen["score"] == pytest.approx(5.0)
    assert rows[("participatie", EMMEN)]["score"] == pytest.approx(10 * (70 - 60) / (90 - 60))
    assert rows[("inwoners", EMMEN)]["score"] is None
    assert emmen["theme_rank"] == pytest.approx(2.0)
    assert emmen["theme_rank_n"] == 2
    assert emmen["theme_score"] == pytest.approx((5.0 + 10 / 3) / 2)
    assert emmen["theme_score_n"] == 2
    assert rows[("werkloosheid", ASSEN)]["theme_rank"] == pytest.approx((1 + 3) / 2)
    assert rows[("woonlasten", ASSEN)]["theme_score"] is None
    assert rows[("woonlasten", ASSEN)]["theme_score_n"] == 0


def test_the_footer_prints_a_regions_theme_scores(tmp_path: Path) -> None:
    """The snapshot's Wonen for Emmen (docs/compare.md's worked example): supermarket
    distance 1,1 km on 0,4–2,5 scores 10 × 1,4 / 2,1 = 6,67, school distance 0,9 km on
    0,5–1,6 scores 10 × 0,7 / 1,1 = 6,36; the theme (its other indicators are neutral)
    (6,67 + 6,36) / 2 = 6,5."""
    from typer.testing import CliRunner

    from bwmonitor.cli import app

    env = {"BWMONITOR_DATA_DIR": str(tmp_path), "BWMONITOR_CATALOG": "", "COLUMNS": "200"}
    args = ["compare", "--region", "emmen", "--theme", "wonen"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    assert "Emmen, thema-scores (0–10): Wonen 6,5\n" in result.stdout
