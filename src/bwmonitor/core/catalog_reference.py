"""Reference docs generated from the code: the catalogue's fields and the CLI's --help.

`python scripts/gen_docs.py` writes docs/catalogue.md and docs/cli.md; a test fails when
they differ from what this module generates, so the docs cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from bwmonitor.core.catalog import FIELDS, SECTION_DOCS


def catalogue_markdown() -> str:
    lines = [
        "# Catalogue reference (indicators.toml)",
        "",
        "Generated from the field registry in `src/bwmonitor/catalog.py` by "
        "`scripts/gen_docs.py`; do not edit by hand. The shipped `indicators.toml` is a "
        "complete example.",
        "",
    ]
    for section, fields in FIELDS.items():
        lines += [f"## [{section}]", "", SECTION_DOCS[section], ""]
        lines += ["| key | type | required | meaning |", "|---|---|---|---|"]
        for field in fields:
            meaning = field.doc
            if field.choices:
                meaning += " One of: " + ", ".join(f"`{c}`" for c in field.choices) + "."
            required = "yes" if field.required else ""
            lines.append(f"| `{field.name}` | {field.type} | {required} | {meaning} |")
        lines.append("")
    return "\n".join(lines)


def cli_markdown(app: typer.Typer) -> str:
    lines = [
        "# Command-line reference",
        "",
        "Generated from `bwmonitor --help` by `scripts/gen_docs.py`; do not edit by hand.",
        "",
    ]
    runner = CliRunner()
    for path in _command_paths(typer.main.get_command(app), ()):
        result = runner.invoke(
            app, [*path, "--help"], prog_name="bwmonitor", env={"COLUMNS": "88", "NO_COLOR": "1"}
        )
        title = " ".join(("bwmonitor", *path))
        lines += [f"## {title}", "", "```", result.stdout.rstrip(), "```", ""]
    return "\n".join(lines)


def _command_paths(command: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every command and subcommand, depth first, in alphabetical order."""
    found = [path]
    for name in sorted(getattr(command, "commands", {})):
        found += _command_paths(command.commands[name], (*path, name))
    return found
