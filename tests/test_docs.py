"""The reference docs are generated from the code and must be current."""

from __future__ import annotations

from pathlib import Path

from bwmonitor.cli import app
from bwmonitor.cli.reference import cli_markdown
from bwmonitor.core.catalog_reference import catalogue_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_catalogue_reference_is_current() -> None:
    """docs/catalogue.md documents every catalogue field (run scripts/gen_docs.py)."""
    assert (DOCS / "catalogue.md").read_text(encoding="utf-8") == catalogue_markdown()


def test_cli_reference_is_current() -> None:
    """docs/cli.md has every command's --help (run scripts/gen_docs.py)."""
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(app)
