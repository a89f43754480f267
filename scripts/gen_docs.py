"""Regenerate docs/catalogue-reference.md and docs/cli.md (from core/catalog_reference.py
and cli/reference.py)."""

from pathlib import Path

from bwmonitor.cli.commands import app
from bwmonitor.cli.reference import cli_markdown
from bwmonitor.core.catalog_reference import catalogue_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"

if __name__ == "__main__":
    (DOCS / "catalogue-reference.md").write_text(catalogue_markdown(), encoding="utf-8")
    (DOCS / "cli.md").write_text(cli_markdown(app), encoding="utf-8")
    print("wrote docs/catalogue-reference.md and docs/cli.md")
