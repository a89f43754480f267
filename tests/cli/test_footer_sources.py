"""compare's footer names where figures come from as they do: CBS's tables, a
catalogue's own file, and marks as computed only what bwmonitor computed."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bwmonitor.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def catalogue(tmp_path: Path, aggregate: str) -> Path:
    path = tmp_path / "indicators.toml"
    weight = 'weight = "inwoners"\n' if aggregate == "weighted_mean" else ""
    path.write_text(
        f"""
[themes.t]
title = "Samenleving"

[sources.sa]
csv = "{(EXAMPLES / "vrijwilligerswerk-2023.csv").as_posix()}"

[sources.bevolking]
table = "03759ned"

[indicators.vw]
title = "Vrijwilligerswerk (Sociale Agenda)"
theme = "t"
unit = "%"
decimals = 1
better = "higher"
source = "sa"
aggregate = "{aggregate}"
{weight}
[indicators.inwoners]
title = "Inwoners"
theme = "t"
better = "neutral"
source = "bevolking"
measure = "BevolkingOp1Januari_1"
filters = {{ Geslacht = "T001038", Leeftijd = "10000", BurgerlijkeStaat = "T001019" }}
aggregate = "sum"
""",
        encoding="utf-8",
    )
    return path


def footer(tmp_path: Path, aggregate: str, *indicators: str) -> str:
    args = ["compare", "-r", "noord", "--catalog", str(catalogue(tmp_path, aggregate))]
    args += ["--indicator", ",".join(indicators)]
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store"), "COLUMNS": "80"}
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_a_local_file_alone_is_no_cbs_table_and_nothing_is_marked_computed(
    tmp_path: Path,
) -> None:
    out = footer(tmp_path, "none", "vw")
    assert "Eigen bron: vrijwilligerswerk-2023.csv." in out
    assert "CBS StatLine" not in out
    assert "berekend door bwmonitor" not in out


def test_a_mean_of_a_local_file_weighted_by_cbs_names_both(tmp_path: Path) -> None:
    out = footer(tmp_path, "weighted_mean", "vw", "inwoners")
    assert "Bron: CBS StatLine, tabel 03759ned" in out
    assert "Eigen bron: vrijwilligerswerk-2023.csv." in out
    assert "† berekend door bwmonitor uit de cijfers van de gemeenten" in out
    assert "(gewicht: inwoners): Vrijwilligerswerk (Sociale Agenda)" in out
