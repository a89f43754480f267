"""Errors that reach the user as one clear line and an exit code.

Library code raises these and never prints or exits; `cli.py` turns them into a
message on stderr and the exit code below, once.
"""

from __future__ import annotations

from collections.abc import Sequence

# Exit codes, as documented in `bwmonitor --help` and docs/cli.md.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID_INPUT = 2
EXIT_TEMPORARY = 75  # EX_TEMPFAIL: worth retrying later (CBS down, lock held)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM, as shells report `kill`


class BwmonitorError(Exception):
    """An error with a one-line message and an optional hint for the user."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InvalidInput(BwmonitorError):
    """The user asked for something that cannot be: wrong option, region, catalogue."""

    exit_code = EXIT_INVALID_INPUT


class CatalogInvalid(InvalidInput):
    """indicators.toml has problems; `problems` lists every one of them."""

    def __init__(self, path: str, problems: list[str]) -> None:
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"{path}: {count}")
        self.path = path
        self.problems = problems


class TemporaryFailure(BwmonitorError):
    """Worth retrying later: CBS unreachable after retries, another run holds the lock."""

    exit_code = EXIT_TEMPORARY


class CbsUnavailable(TemporaryFailure):
    """CBS did not answer usefully after the retries."""


class LockHeld(TemporaryFailure):
    """Another fetch or update is running on the same store."""


class DeadlineReached(TemporaryFailure):
    """The fetch ran out of its time (settings.fetch_deadline); cron tries again later."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"fetch deadline of {seconds:g} s reached",
            hint="CBS is slow or not answering; set --deadline or BWMONITOR_FETCH_DEADLINE "
            "to wait longer",
        )
        self.seconds = seconds

    def naming(self, table_ids: Sequence[str]) -> str:
        keep = "keeps its" if len(table_ids) == 1 else "keep their"
        return f"{self.message}; {', '.join(table_ids)} {keep} previous version"


class FetchCancelled(TemporaryFailure):
    """A request was not made because the run is stopping (a signal): seen only by the
    abandoned worker threads, never by the user."""


class Terminated(BaseException):
    """SIGTERM arrived (kill, cron's or systemd's timeout).

    Like KeyboardInterrupt for SIGINT, a BaseException: no `except Exception` or
    `except BwmonitorError` on the way up may swallow it; cli.py maps it to 143.
    """


class CbsTableChanged(BwmonitorError):
    """A CBS table no longer has what the catalogue asks for (a measure, a code)."""


class CbsTableNotFound(InvalidInput):
    """CBS does not know the table id: a typo in the catalogue, or a table CBS withdrew."""


class StoreError(BwmonitorError):
    """The local store could not be read or written (disk full, permissions)."""


class FetchFailed(BwmonitorError):
    """Some tables could not be fetched (or lack what the catalogue asks); the others
    were stored.

    `failures` pairs each error with its table. The exit code is that of the parts when
    they agree: 75 when every failure was temporary, so cron retries; 2 when every
    table was unknown at CBS; otherwise 1. `exit_code` overrides it (update: 75 when
    anything was temporary, since nothing was exported).
    """

    def __init__(
        self,
        failures: Sequence[tuple[str, BwmonitorError]],
        hint: str | None = None,
        exit_code: int | None = None,
    ) -> None:
        self.failures = list(failures)
        super().__init__("; ".join(self.lines()), hint)
        codes = {f.exit_code for _, f in self.failures}
        self.exit_code = exit_code or (codes.pop() if len(codes) == 1 else EXIT_ERROR)

    def lines(self) -> list[str]:
        """One line per distinct error, naming its tables (unless the error does): CBS
        down is one line."""
        tables: dict[str, list[str]] = {}
        errors: dict[str, BwmonitorError] = {}
        for table_id, failure in self.failures:
            tables.setdefault(str(failure), []).append(table_id)
            errors.setdefault(str(failure), failure)
        return [_line(errors[text], ids) for text, ids in tables.items()]


def _line(failure: BwmonitorError, table_ids: list[str]) -> str:
    """The error with its tables, unless it names them itself."""
    if isinstance(failure, DeadlineReached):
        return failure.naming(table_ids)
    text = str(failure)
    return text if all(t in text for t in table_ids) else f"{', '.join(table_ids)}: {text}"


class StaleTables(BwmonitorError):
    """update exported, but some tables failed for good and kept their last good version.

    Exit 1, so cron mails: a person has to fix the catalogue or follow CBS's change.
    """

    def __init__(self, lines: Sequence[str], hint: str | None = None) -> None:
        self._lines = list(lines)
        super().__init__("; ".join(self._lines), hint)

    def lines(self) -> list[str]:
        """One line per stale table."""
        return list(self._lines)
