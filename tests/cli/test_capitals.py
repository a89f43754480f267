"""The brede welvaart "later" capitals: an indicator names the capital CBS assigns it to,
and `--theme` selects a capital like a theme."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bwmonitor.cli import app


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "BWMONITOR_CATALOG": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def compared(tmp_path: Path, theme: str) -> set[str]:
    code, out, err = run(
        tmp_path, "compare", "-r", "zuidoost", "--theme", theme, "--format", "json"
    )
    assert code == 0, err
    return {r["indicator"] for r in json.loads(out)}


def test_theme_accepts_a_capital_by_id_or_title(tmp_path: Path) -> None:
    assert compared(tmp_path, "sociaal_kapitaal") == {"sociale_samenhang"}
    assert compared(tmp_path, "Economisch kapitaal") == {"mediaan_vermogen"}
    both = compared(tmp_path, "sociaal_kapitaal,veiligheid")
    assert both == {"sociale_samenhang", "onveilig_buurt", "misdrijven_per_1000"}


def test_an_unknown_theme_or_capital_is_one_line_with_a_suggestion(tmp_path: Path) -> None:
    code, _, err = run(tmp_path, "compare", "-r", "zuidoost", "--theme", "sociaal_kapitaa")
    assert code == 2
    assert "theme 'sociaal_kapitaa' is not in the catalogue" in err
    assert "sociaal_kapitaal" in err
    assert "Traceback" not in err


def test_a_capital_outside_cbs_four_is_refused_by_check(tmp_path: Path) -> None:
    catalog = tmp_path / "indicators.toml"
    catalog.write_text(
        """
[themes.t]
title = "T"

[sources.s]
table = "03759ned"

[indicators.inwoners]
title = "Inwoners"
theme = "t"
capital = "groen_kapitaal"
better = "neutral"
source = "s"
measure = "BevolkingOp1Januari_1"
aggregate = "sum"
""",
        encoding="utf-8",
    )
    code, out, err = run(tmp_path, "catalog", "check", "--catalog", str(catalog))
    assert code != 0
    assert "indicators.inwoners.capital" in out + err
    assert "sociaal_kapitaal" in out + err
