"""Every file goalplan writes holds clinical data: created 0600 (folders 0700) whatever the umask,
written whole or not at all.

``write_atomically`` is the one way goalplan writes an output file (exports, the log backup,
calendars): into a temporary file beside the target, created 0600, then renamed over it, so a
reader never sees half a file and a failure (a full disk, a vanished folder) leaves nothing
behind. ``create_private_file`` makes an empty 0600 file for a SQLite database before SQLite
opens it; SQLite then gives its -wal and -shm files the database file's mode.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from goalplan.errors import GoalplanError

FILE_MODE = 0o600
FOLDER_MODE = 0o700

T = TypeVar("T")


class WriteError(GoalplanError):
    """A file could not be written (no folder, no permission, no space); nothing was left behind."""


def describe(exc: OSError) -> str:
    """An OSError as a short reason: 'No space left on device', 'Permission denied'..."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    return exc.strerror or type(exc).__name__


def make_private_folder(path: Path) -> None:
    """Create ``path`` (and missing parents) as 0700 folders; an existing folder is left as it is."""
    missing = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(f"cannot create the folder {folder}: {describe(exc)}.") from None
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is reduced by the umask


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: the folder {folder} does not exist; nothing was written.")
    if path.is_dir():
        raise WriteError(f"cannot write {path}: it is a folder; give a file name.")


def write_atomically(
    path: Path | str, data: bytes | Callable[[BinaryIO], T], *, durable: bool = True
) -> T | None:
    """Write ``data`` (bytes, or a function that writes to the open file) to ``path``, 0600.

    The folder must exist. ``durable`` also flushes the file to disk before the rename, so it
    survives a power cut; a bulk export skips that (it can be re-run from the log). Returns what
    the writing function returned. Any failure removes the temporary file and raises WriteError
    (or what the writing function raised).
    """
    path = Path(path)
    _check_folder(path)
    try:
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {describe(exc)}; nothing was written.") from None
    try:
        os.fchmod(handle, FILE_MODE)  # mkstemp makes 0600 already; say so whatever the platform
        result: T | None = None
        with os.fdopen(handle, "wb") as out:
            if callable(data):
                result = data(out)
            else:
                out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(f"cannot write {path}: {describe(exc)}; nothing was written.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


def create_private_file(path: Path | str) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True if it was created."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(handle, FILE_MODE)
    finally:
        os.close(handle)
    return True
