"""The command-line reference, generated from every command's --help.

`python scripts/gen_docs.py` writes docs/cli.md; a test fails when it differs from
what this module generates, so the docs cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner


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
