"""The HTML report stays small (issue 16): its fixed part (styles, scripts, the map's
geometry) under 1 MB, and at most 60 KB per indicator on average.

Two real exports: the shipped catalogue's page, and the page of the same catalogue cut
to one indicator (`--catalog`). The bytes between them, over the indicators left out,
are the slope per indicator; the one-indicator page less one slope is the fixed part.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

from typer.testing import CliRunner

from bwmonitor.cli import app
from tests.conftest import ShippedExports

PAGE = "monitor-brede-welvaart.html"
FIXED_BUDGET = 1_000_000
PER_INDICATOR_BUDGET = 60_000
KEPT = "inwoners"  # a count read straight from one table: it depends on no other indicator


def one_indicator_catalog(text: str, keep: str) -> str:
    """The catalogue with every `[indicators.*]` table but `keep`'s left out; the
    monitor, themes and sources stay."""
    blocks = re.split(r"(?m)^(?=\[)", text)
    return "".join(
        b
        for b in blocks
        if not b.startswith("[indicators.") or b.startswith(f"[indicators.{keep}]")
    )


def html_export(catalog: Path, out: Path, store: Path) -> Path:
    args = ["export", "--format", "html", "--no-charts", "--out", str(out)]
    result = CliRunner().invoke(
        app, [*args, "--catalog", str(catalog)], env={"BWMONITOR_DATA_DIR": str(store)}
    )
    assert result.exit_code == 0, result.stderr
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder / PAGE


def test_the_page_stays_within_its_size_budget(
    shipped_exports: ShippedExports, tmp_path: Path
) -> None:
    shipped = files("bwmonitor").joinpath("indicators.toml").read_text(encoding="utf-8")
    indicators = len(tomllib.loads(shipped)["indicators"])
    catalog = tmp_path / "one.toml"
    catalog.write_text(one_indicator_catalog(shipped, KEPT), encoding="utf-8")
    assert list(tomllib.loads(catalog.read_text(encoding="utf-8"))["indicators"]) == [KEPT]

    full = (shipped_exports.folder("html") / PAGE).read_bytes()
    one = html_export(catalog, tmp_path / "out", shipped_exports.root / "store").read_bytes()
    # the one-indicator page is a real report of that indicator, with the map's geometry
    assert b"Inwoners op 1 januari" in one and b"<symbol" in one
    # the geometry is drawn once, whatever the number of maps
    assert full.count(b"<symbol") == one.count(b"<symbol") > 0

    slope = (len(full) - len(one)) / (indicators - 1)
    fixed = len(one) - slope
    average = (len(full) - fixed) / indicators
    assert slope > 0
    assert fixed < FIXED_BUDGET, f"fixed part {fixed:,.0f} bytes"
    assert average <= PER_INDICATOR_BUDGET, f"{average:,.0f} bytes per indicator"
