"""The command line: options, one pipeline call, rendering, exit codes."""

from bwmonitor.cli.commands import app, main

__all__ = ["app", "main"]
