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


class StoreError(BwmonitorError):
    """The local store could not be read or written (disk full, permissions)."""


class FetchFailed(BwmonitorError):
    """Some tables could not be fetched (or lack what the catalogue asks); the others
    were stored.

    `failures` pairs each error with its table. The exit code is the most urgent of
    the parts: temporary (75) only when every failure was temporary, so cron retries;
    otherwise 1.
    """

    def __init__(
        self, failures: Sequence[tuple[str, BwmonitorError]], hint: str | None = None
    ) -> None:
        self.failures = list(failures)
        super().__init__("; ".join(self.lines()), hint)
        temporary = all(isinstance(f, TemporaryFailure) for _, f in self.failures)
        self.exit_code = EXIT_TEMPORARY if temporary else EXIT_ERROR

    def lines(self) -> list[str]:
        """One line per distinct error, naming its tables: CBS down is one line."""
        tables: dict[str, list[str]] = {}
        errors: dict[str, BwmonitorError] = {}
        for table_id, failure in self.failures:
            tables.setdefault(str(failure), []).append(table_id)
            errors.setdefault(str(failure), failure)
        return [_line(errors[text], ids) for text, ids in tables.items()]


def _line(failure: BwmonitorError, table_ids: list[str]) -> str:
    if isinstance(failure, DeadlineReached):
        return failure.naming(table_ids)
    return f"{', '.join(table_ids)}: {failure}" if table_ids[0] else str(failure)
