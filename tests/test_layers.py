"""The layer contracts of pyproject.toml's [tool.importlinter] hold (.ci/run checks them too)."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_imports_keep_the_layer_contracts(capsys: pytest.CaptureFixture[str]) -> None:
    """Stages import only downwards and each outside dependency has one owner; a
    violation fails here with import-linter's account of the offending import chain."""
    exit_code = lint_imports(str(PYPROJECT), no_cache=True, no_logo=True)
    assert exit_code == 0, capsys.readouterr().out
