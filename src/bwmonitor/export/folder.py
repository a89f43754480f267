"""An export folder that appears whole or not at all.

Everything is written into a hidden temporary folder next to the target; only when all
files are written is it renamed into place. A failed export leaves the previous one,
and a second export of the same day replaces the first in one rename.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bwmonitor.errors import StoreError


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `target` (replacing an old one)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # not mkdtemp: its folder is private (0700), an export is for colleagues too
        staging = target.parent / f".{target.name}.{secrets.token_hex(4)}"
        staging.mkdir()
    except OSError as error:
        raise StoreError(f"cannot write the export to {target.parent}: {error.strerror}") from None
    try:
        yield staging
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        try:
            staging.rename(target)
        except OSError:
            if old is not None:
                old.rename(target)  # put the previous export back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        raise StoreError(
            f"cannot write the export to {target}: {error.strerror or error}",
            hint="the previous export is kept",
        ) from None
    finally:
        with suppress(OSError):
            if staging.exists():
                shutil.rmtree(staging)


LATEST = "latest"


def point_latest(target: Path) -> Path:
    """Make `latest` next to target a symlink to it, replaced in one rename."""
    link = target.parent / LATEST
    temporary = target.parent / f".{LATEST}.{os.getpid()}"
    try:
        with suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(target.name, target_is_directory=True)
        os.replace(temporary, link)
    except OSError as error:
        with suppress(OSError):
            temporary.unlink()
        raise StoreError(
            f"cannot point {link} at {target.name}: {error.strerror or error}",
            hint=f"the export itself is complete in {target}",
        ) from None
    return link
