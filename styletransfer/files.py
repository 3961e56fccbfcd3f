"""Files written atomically: a hidden temporary file beside the target, flushed, then a rename.

A reader never sees a half-written file, and a failed or interrupted write leaves the old file and
no temporary file behind. :mod:`~styletransfer.outputs` builds the command line's image-and-record
pair on :func:`write_temporary`; everything else (sample downloads, run records, benchmark results)
uses :func:`atomic_write_bytes`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import ImageError

__all__ = ["atomic_write_bytes", "write_temporary", "file_in_path"]


def _read_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which is not thread-safe.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def file_in_path(path: str | os.PathLike) -> Path | None:
    """The first of ``path``'s folders that exists but is a file (``/etc/hostname`` in ``/etc/hostname/x.png``)."""
    for parent in reversed(Path(path).expanduser().parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def write_temporary(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a hidden temporary file next to ``path`` (flushed to disk); returns its path.

    The file gets the usual permissions (``0o666`` minus the umask), not the owner-only ones of a
    temporary file; rename it over ``path`` with :func:`os.replace` to publish it atomically.

    Raises
    ------
    ImageError
        The folder does not exist or the file cannot be written.
    """
    target = Path(path).expanduser()
    folder = target.parent
    blocker = file_in_path(target)
    if blocker is not None:
        raise ImageError(f"cannot write {target}: {blocker} is a file, not a folder; choose another path")
    if not folder.is_dir():
        raise ImageError(f"cannot write {target}: folder {folder} does not exist; create it first")
    if target.is_dir():
        raise ImageError(f"cannot write {target}: it is a folder; give a file name")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ImageError(f"cannot write {target}: {exc.strerror}; choose a writable path") from None
    with _removed_on_failure(Path(tmp), target):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
    return Path(tmp)


@contextlib.contextmanager
def _removed_on_failure(tmp: Path, target: Path):
    """Delete ``tmp`` if the block fails; an ``OSError`` becomes one line about ``target``."""
    try:
        yield
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ImageError(f"cannot write {target}: {exc.strerror or exc}; choose a writable path") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader never sees a half-written file, and a failed or interrupted write leaves the old
    file and no temporary file behind (see :func:`write_temporary`).

    Raises
    ------
    ImageError
        The folder does not exist or the file cannot be written.
    """
    target = Path(path).expanduser()
    tmp = write_temporary(target, data)
    with _removed_on_failure(tmp, target):
        os.replace(tmp, target)
    return target
