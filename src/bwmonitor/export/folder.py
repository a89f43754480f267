"""An export folder that appears whole or not at all.

Everything is written into a hidden temporary folder next to the target; only when all
files are written is it renamed into place. A failed export leaves the previous one,
and a second export of the same day replaces the first in one rename.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bwmonitor.errors import StoreError


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `target` (replacing an old one)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
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
