"""An export folder that appears whole or not at all.

Everything is written into a hidden temporary folder next to the target; only when all
files are written is it renamed into place. A failed export leaves the previous one.
An export never replaces a folder: a second export of the same day goes to a new one
(pipeline.export_folder), so files a user put in the first are never deleted. Only
bwmonitor's own copy behind `latest` (where there are no symlinks) is replaced.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bwmonitor.core.errors import InvalidInput, StoreError


@contextmanager
def staged_folder(target: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes `target`.

    An existing `target` is an error (StoreError, nothing written) unless `replace`,
    which only bwmonitor's own folders may use: it deletes the old one.
    """
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
        if target.exists() and not replace:
            raise StoreError(
                f"cannot write the export to {target}: it exists already",
                hint="an export never replaces a folder; run it again for a new one",
            )
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            _remove(old)
            target.rename(old)
        try:
            staging.rename(target)
        except OSError:
            if old is not None:
                old.rename(target)  # put the previous export back
            raise
        if old is not None:
            _remove(old)
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
# errors of file systems without symlinks (some network shares)
NO_SYMLINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}
# Windows makes symlinks only with a privilege (WinError 1314 otherwise) and cannot
# rename one over a folder: `latest` is always a copy there
ON_WINDOWS = sys.platform == "win32"


def point_latest(target: Path) -> Path:
    """Make `latest` next to target show it: a symlink, replaced in one rename; on
    Windows and where the file system has no symlinks, a copy of the folder, written
    whole like an export."""
    link = target.parent / LATEST
    try:
        if not _symlinked(link, target.name):
            with staged_folder(link, replace=True) as staging:
                shutil.copytree(target, staging, dirs_exist_ok=True)
    except OSError as error:
        raise StoreError(
            f"cannot point {link} at {target.name}: {error.strerror or error}",
            hint=f"the export itself is complete in {target}",
        ) from None
    return link


def _symlinked(link: Path, name: str) -> bool:
    """Point `link` at `name` with a symlink; False where symlinks cannot be used."""
    if ON_WINDOWS:
        return False
    try:
        _replace_with_symlink(link, name)
    except OSError as error:
        if error.errno not in NO_SYMLINKS:
            raise
        return False
    return True


def _replace_with_symlink(link: Path, name: str) -> None:
    temporary = link.with_name(f".{LATEST}.{secrets.token_hex(4)}")
    try:
        temporary.symlink_to(name, target_is_directory=True)
        if link.is_dir() and not link.is_symlink():  # a copy made by the fallback
            old = link.with_name(f".{LATEST}.old")
            _remove(old)
            link.rename(old)
            _remove(old)
        os.replace(temporary, link)
    finally:
        with suppress(OSError):
            temporary.unlink()


def _remove(path: Path) -> None:
    """Remove a folder or a symlink, if there; leftovers are removed on the next run."""
    if path.is_symlink():
        with suppress(OSError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def inside(folder: Path, name: str | Path) -> Path:
    """`folder / name`, resolved; InvalidInput if that lies outside `folder`.

    The second guard behind the catalogue's safe ids: whatever a file name is made of
    ('..', an absolute path, a symlink), an export writes only inside its own folder.
    """
    root = folder.resolve()
    path = (root / name).resolve()
    if path == root or not path.is_relative_to(root):
        raise InvalidInput(
            f"refusing to write {path}: it is outside the export folder {root}",
            hint="ids used in file names must be simple names; see `bwmonitor catalog check`",
        )
    return path
