"""CSV for Dutch Excel (--excel): BOM, `;` separator, decimal comma, text quoted and guarded."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bwmonitor.cli import app

runner = CliRunner()
BOM = b"\xef\xbb\xbf"


def compare_csv(tmp_path: Path, *extra: str) -> bytes:
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store")}
    args = ["compare", "-r", "Emmen", "--indicator", "bijstand_per_1000", "--format", "csv"]
    result = runner.invoke(app, [*args, *extra], env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def test_compare_excel_csv_has_bom_semicolons_and_decimal_commas(tmp_path: Path) -> None:
    """compare --format csv --excel: UTF-8 BOM, `;` between fields, numbers with a
    decimal comma and unquoted, text quoted."""
    data = compare_csv(tmp_path, "--excel")
    assert data.startswith(BOM)
    header, row = data[len(BOM) :].decode("utf-8").splitlines()[:2]
    assert header.startswith('"indicator";"title";"theme";"unit"')
    fields = row.split(";")
    assert fields[0] == '"bijstand_per_1000"'
    value = fields[header.split(";").index('"value"')]
    assert "," in value and "." not in value and not value.startswith('"')


def test_plain_csv_stays_the_default(tmp_path: Path) -> None:
    """Without --excel: no BOM, commas, decimal points (for scripts)."""
    data = compare_csv(tmp_path)
    assert not data.startswith(BOM)
    assert data.decode("utf-8").startswith('"indicator","title"')


def test_export_excel_csv(tmp_path: Path) -> None:
    """export --format csv --excel writes the long table for Dutch Excel: BOM, `;`,
    `28,4`-style decimal commas, every text field quoted."""
    env = {"BWMONITOR_DATA_DIR": str(tmp_path / "store")}
    out = tmp_path / "out"
    args = ["export", "--format", "csv", "--excel", "--no-charts", "--out", str(out), "-q"]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.stderr
    (path,) = out.glob("*/monitor-brede-welvaart.csv")
    data = path.read_bytes()
    assert data.startswith(BOM)
    lines = data[len(BOM) :].decode("utf-8").splitlines()
    assert ";" in lines[0] and "," not in lines[0]
    numbers = [f for line in lines[1:] for f in line.split(";") if f and not f.startswith('"')]
    assert numbers and all("." not in n for n in numbers)
    assert any("," in n for n in numbers)
