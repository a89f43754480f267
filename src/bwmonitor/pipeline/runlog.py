"""The log file of scheduled runs: one line per event, each with time and run id.

    2026-11-23T02:00:01Z run=20261123T020001Z-5f3a update start ...

Cron keeps no history of quiet successes; the log does. Lines are appended and
flushed one by one, so a run that dies still leaves what it did. Writing the log
never fails a run once it is open: a log line lost is better than a night lost.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bwmonitor.core.errors import InvalidInput


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: '20261123T020001Z-5f3a'."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(2)}"


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunLog:
    """Appends events to a log file (or nowhere, without --log-file)."""

    def __init__(self, path: Path | None, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self._handle: TextIO | None = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = path.open("a", encoding="utf-8")
            except OSError as error:
                raise InvalidInput(
                    f"cannot write the log file {path}: {error.strerror or error}"
                ) from None

    def event(self, text: str) -> None:
        if self._handle is None:
            return
        with suppress(OSError):
            self._handle.write(f"{utc_now()} run={self.run_id} {text}\n")
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            with suppress(OSError):
                self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
