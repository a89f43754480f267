"""One fetch or update at a time per store: a second run exits 75 at once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from bwmonitor.core.errors import LockHeld, StoreError

LOCK_NAME = ".bwmonitor.lock"
# The byte that the lock covers on Windows, where it cannot be read either: the
# holder's pid, which a second run names in its message, comes after it.
LOCKED_BYTE = b"\n"


@contextmanager
def store_lock(data_dir: Path) -> Iterator[None]:
    """Hold the store's lock for the block; raise LockHeld when another run has it.

    The lock is the operating system's (flock on Linux and macOS, LockFileEx on Windows,
    through filelock): the OS releases it when the holder exits, however it exits, so a
    crashed run never leaves a stale lock behind.
    """
    # compare and export never lock: imported here to keep their start-up short
    from filelock import lock_descriptor

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = (data_dir / LOCK_NAME).open("a+b")
    except OSError as error:
        raise StoreError(f"cannot use the data directory {data_dir}: {error.strerror}") from None
    try:
        if not lock_descriptor(handle.fileno(), blocking=False):
            raise LockHeld(
                f"another bwmonitor run ({_holder(handle)}) is using {data_dir}",
                hint="it keeps the store consistent; try again when it has finished",
            )
        handle.truncate(0)
        handle.write(LOCKED_BYTE + f"pid {os.getpid()}".encode())
        handle.flush()
        yield
    finally:
        handle.close()


def _holder(handle: BinaryIO) -> str:
    """The run that holds the lock, as it wrote itself into the lock file: 'pid 1234'."""
    text = b""
    with suppress(OSError):
        handle.seek(len(LOCKED_BYTE))
        text = handle.read()
    return text.decode(errors="replace").strip() or "another process"
