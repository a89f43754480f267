"""When a fetch must stop early: a signal (Ctrl-C, SIGTERM) or its deadline.

One `FetchStop` is shared by the threads of one fetch. The CBS session asks it before
every request and sleeps through it between retries; the pipeline commits a table only
inside `committing()`. Once stopped, nothing new starts and nothing more is committed,
while requests already on the wire are abandoned, not awaited.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bwmonitor.core.errors import DeadlineReached, FetchCancelled, TemporaryFailure

# A socket timeout clipped to the deadline fires a hair before or after it; within this
# margin the deadline, not the timeout, is the reason a request ended.
DEADLINE_SLACK = 0.05


class FetchStop:
    """A cancel flag and an optional deadline (seconds from now), shared across threads."""

    def __init__(self, deadline: float | None = None) -> None:
        self.deadline = deadline
        self._ends_at = None if deadline is None else time.monotonic() + deadline
        self._cancelled = threading.Event()
        self._commit = threading.Lock()
        self.committed: set[str] = set()  #: tables committed under this stop

    def cancel(self) -> None:
        """Stop: no new request, no further commit. Waits only for a commit in progress
        (a local file rename), so the store is never left half-written."""
        with self._commit:
            self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def time_left(self) -> float | None:
        """Seconds until the deadline (0 when past), or None without a deadline."""
        if self._ends_at is None:
            return None
        return max(0.0, self._ends_at - time.monotonic())

    def deadline_passed(self) -> bool:
        left = self.time_left()
        return left is not None and left <= DEADLINE_SLACK

    def reason(self) -> TemporaryFailure | None:
        """Why requests must stop now, or None while they may go on."""
        if self.deadline_passed():
            return DeadlineReached(self.deadline or 0.0)
        if self.cancelled:
            return FetchCancelled("the run is stopping; request not made")
        return None

    def check(self) -> None:
        """Raise the reason to stop, if there is one."""
        reason = self.reason()
        if reason is not None:
            raise reason

    def clip(self, seconds: float) -> float:
        """A timeout no longer than the time left (never 0: that would mean non-blocking)."""
        left = self.time_left()
        return seconds if left is None else max(min(seconds, left), 0.01)

    def sleep(self, seconds: float) -> None:
        """Wait between retries; raise as soon as the run must stop."""
        self._cancelled.wait(self.clip(seconds))
        self.check()

    @contextmanager
    def committing(self, table_id: str) -> Iterator[None]:
        """Hold for a commit to the store: raises instead when the run is stopping, and
        `cancel()` waits until a commit under way has finished."""
        with self._commit:
            self.check()
            yield
            self.committed.add(table_id)
