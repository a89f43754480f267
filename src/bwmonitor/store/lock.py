"""One fetch or update at a time per store: a second run exits 75 at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bwmonitor.core.errors import LockHeld, StoreError

LOCK_NAME = ".bwmonitor.lock"


@contextmanager
def store_lock(data_dir: Path) -> Iterator[None]:
    """Hold the store's lock for the block; raise LockHeld when another run has it.

    flock is released by the kernel when the holder exits, however it exits, so a
    crashed run never leaves a stale lock behind.
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = (data_dir / LOCK_NAME).open("a+")
    except OSError as error:
        raise StoreError(f"cannot use the data directory {data_dir}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise LockHeld(
                f"another bwmonitor run ({holder}) is using {data_dir}",
                hint="it keeps the store consistent; try again when it has finished",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()
