"""Where a result goes: checks before a run, one writer per output, the image+record pair, rescue.

The rules (the command line and the library's :func:`~styletransfer.record.save_result` follow them):

* **Inputs are never outputs.** An output image, or its ``.json`` record, that is the same file as
  an input (content, style, starting image, weights) is refused, whatever the spelling of the
  path: symbolic links, ``..``, hard links (:func:`same_file`).
* **Nothing is replaced without being asked.** An existing image or record is refused unless
  ``overwrite=True`` (``--overwrite``); ``styletransfer demo`` overwrites only its own
  ``outputs/demo.*``.
* **Checked up front:** the suffix, a file where a folder should be (``/etc/hostname/x.png``), a
  folder where a file should be, a missing or unwritable folder, and the free space for the
  image and its record (:func:`check_output`).
* **One run per output.** :func:`output_lock` holds an exclusive lock next to the record; a second
  run given the same output (or one that shares its record, ``out.png`` and ``out.jpg``) is refused.
  The kernel drops the lock when its process dies, even by SIGKILL.
* **Image and record always agree.** :func:`write_pair` writes both to temporary files, then
  renames the *record* first and the *image* second. The record carries the image's sha256
  (``output.sha256``) and the sha256 of the image it replaces (``previous_output``), so at every
  instant, even after SIGKILL between the two renames, the record on disk describes the image on
  disk: either as its ``output`` or, for at most one rename's time, as its ``previous_output``.
  :func:`verify_pair` is the reader's side of the rule.
* **A computed result is never thrown away.** When the final save fails anyway (disk full, folder
  removed during the run), :func:`rescue_pair` writes the pair to ``<cache>/rescued`` (or the
  system temporary folder) and says where.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import constants as C
from .cache import sha256_file
from .errors import OutputError, StyleTransferError
from .images import encode_image, write_temporary
from .record import record_path

__all__ = ["IMAGE_SUFFIXES", "same_file", "check_output", "needed_bytes", "output_lock", "write_pair",
           "rescue_pair", "verify_pair", "remove_temporaries"]

#: Output file types (the format follows the suffix).
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when two paths name the same file: same inode (hard links, symlinks) or same resolved path."""
    a, b = Path(a).expanduser(), Path(b).expanduser()
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(path.anchor or ".")


def _check_folder(target: Path) -> Path:
    folder = target.parent
    if folder.is_dir():
        return folder
    ancestor = _existing_ancestor(target)
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputError(f"cannot write {target}: {ancestor} is a file, not a folder; choose another output path")
    raise OutputError(f"cannot write {target}: folder {folder} does not exist; create it first (mkdir -p {folder})")


def needed_bytes(shape: tuple[int, int], max_evals: int) -> int:
    """Disk space a result needs: the image uncompressed (an upper bound) and the record's history."""
    height, width = shape
    return height * width * 3 + C.RECORD_BYTES_BASE + C.RECORD_BYTES_PER_EVALUATION * max_evals


def check_output(
    path: str | os.PathLike,
    *,
    inputs: Mapping[str, str | os.PathLike | None] | None = None,
    overwrite: bool = False,
    space: int = 0,
    flag: str = "--overwrite",
    suffixes: tuple[str, ...] = IMAGE_SUFFIXES,
) -> Path:
    """Fail now, not after the optimisation, if the image or its ``.json`` record cannot be written.

    Parameters
    ----------
    path : str or os.PathLike
        The output image (``.png``, ``.jpg``, ``.jpeg``, ``.webp``).
    inputs : mapping, optional
        ``{"content image": path, ...}``: files that must not be replaced (``None`` values and
        names that are not files, such as URLs, are skipped).
    overwrite : bool
        Allow replacing an existing image and record (never an input).
    space : int
        Bytes the image and record need (:func:`needed_bytes`); 0 skips the free-space check.
    flag : str
        How the caller spells ``overwrite`` in messages.
    suffixes : tuple of str
        The file types accepted (default the images'; ``styletransfer video`` passes its videos').

    Returns
    -------
    pathlib.Path
        The output path, ``~`` expanded.

    Raises
    ------
    OutputError
        One line naming the problem and the way out.
    """
    target = Path(path).expanduser()
    if target.suffix.lower() not in suffixes:
        raise OutputError(
            f"output {target} must end in {', '.join(suffixes)} (the run record goes next to it as .json)"
        )
    folder = _check_folder(target)
    record = record_path(target)
    for what, out in (("output", target), ("run record", record)):
        if out.is_dir():
            raise OutputError(f"{what} {out} is a folder; give another output file name (such as {folder / 'result.png'})")
        for name, source in (inputs or {}).items():
            if source is not None and Path(os.fspath(source)).expanduser().is_file() and same_file(out, source):
                raise OutputError(f"{what} {out} is the same file as the {name} {source}; "
                                  "choose another output path (-o), the input is never replaced")
    if not overwrite:
        for what, out in (("output", target), ("run record", record)):
            if out.exists() or out.is_symlink():
                raise OutputError(f"{what} {out} already exists; add {flag} to replace it, or choose another output path")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".styletransfer-probe-")
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: folder {folder} is not writable ({exc.strerror}); choose another output path"
        ) from None
    os.close(fd)
    os.unlink(probe)
    free = shutil.disk_usage(folder).free
    if space and free < space:
        raise OutputError(f"not enough free space in {folder} for {target.name} and its record: about "
                          f"{_mb(space)} needed, {_mb(free)} free; free some space or choose another output path")
    return target


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


# -- one writer per output -----------------------------------------------------------------------
def _lock_path(image: Path) -> Path:
    record = Path(os.path.realpath(record_path(image)))
    return record.with_name(f".{record.name}.lock")


@contextlib.contextmanager
def output_lock(image: str | os.PathLike):
    """Hold an exclusive lock on an output (and its record) for the duration of the block.

    Raises
    ------
    OutputError
        Another process holds it: "another styletransfer run (pid N) is writing ...".
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, run unguarded
        yield None
        return
    image = Path(image).expanduser()
    lock = _lock_path(image)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputError(f"another styletransfer run (pid {holder}) is writing {image}; wait for it to "
                              "finish or choose another output path") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its previous holder removed while we waited to open it
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    try:
        remove_temporaries(image)
        yield lock
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


def remove_temporaries(image: str | os.PathLike) -> list[Path]:
    """Delete the hidden temporary files a killed writer of ``image`` (or its record) left behind."""
    image = Path(image).expanduser()
    removed = []
    for target in (image, record_path(image)):
        if target.parent.is_dir():
            for tmp in target.parent.glob(f".{target.name}.*.tmp"):
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp)
    return removed


# -- the image and its record, consistent at every instant ---------------------------------------
MakeRecord = Callable[[Path, str, "dict | None"], Mapping[str, Any]]


def write_pair(image_path: str | os.PathLike, image: np.ndarray, make_record: MakeRecord) -> tuple[Path, Path]:
    """Write ``image`` and its record so that, at every instant, the record describes the image.

    Parameters
    ----------
    image_path : str or os.PathLike
        The image file; the record goes next to it (same stem, ``.json``).
    image : numpy.ndarray
        RGB ``uint8`` image.
    make_record : callable
        ``make_record(path, sha256, previous)`` returns the record of the new image ``path``, given the sha256
        of its encoded bytes and ``{"sha256": ...}`` of the image it replaces (``None`` if none);
        the record must store them as ``output.sha256`` and ``previous_output``.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The image and the record written.
    """
    import hashlib

    target = Path(image_path).expanduser()
    record = record_path(target)
    data = encode_image(image, target)
    digest = hashlib.sha256(data).hexdigest()
    previous = {"sha256": sha256_file(target)} if target.is_file() else None
    text = json.dumps(make_record(target, digest, previous), indent=2, allow_nan=False) + "\n"
    tmp_image = write_temporary(target, data)
    try:
        tmp_record = write_temporary(record, text.encode("utf-8"))
        try:
            os.replace(tmp_record, record)  # first the record: it also describes the image still there
        finally:
            tmp_record.unlink(missing_ok=True)
        os.replace(tmp_image, target)  # then the image: now the record's "output" describes it
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}; choose a writable path") from None
    finally:
        tmp_image.unlink(missing_ok=True)
    _sync_folder(target.parent)
    return target, record


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def verify_pair(image_path: str | os.PathLike) -> str:
    """Which part of the record next to ``image_path`` describes it: ``"output"`` or ``"previous_output"``.

    Raises
    ------
    OutputError
        The record is missing or unreadable, or describes another image.
    """
    image = Path(image_path).expanduser()
    record = record_path(image)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputError(f"run record {record} of {image} is missing or unreadable ({exc})") from None
    digest = sha256_file(image)
    for part in ("output", "previous_output"):
        if (data.get(part) or {}).get("sha256") == digest:
            return part
    raise OutputError(f"run record {record} describes another image than {image} (sha256 {digest[:12]}...)")


# -- the rescue place ----------------------------------------------------------------------------
def _rescue_folders() -> Iterable[Path]:
    from .cache import cache_dir

    with contextlib.suppress(StyleTransferError, OSError):
        yield cache_dir() / "rescued"
    yield Path(tempfile.gettempdir()) / "styletransfer-rescued"


def rescue_pair(image_path: str | os.PathLike, image: np.ndarray, make_record: MakeRecord) -> tuple[Path, Path]:
    """Write the pair into ``<cache>/rescued/`` (else the system temporary folder) under a fresh name.

    Used when the pair cannot go where it was asked to. Returns the image and record written.

    Raises
    ------
    OutputError
        Not even the rescue folders can be written.
    """
    target = Path(image_path).expanduser()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    reasons = []
    for folder in _rescue_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            name = folder / f"{target.stem}-{stamp}-{os.getpid()}{target.suffix or '.png'}"
            return write_pair(name, image, make_record)
        except (OSError, StyleTransferError) as exc:
            reasons.append(f"{folder}: {exc}")
    raise OutputError("could not save the result anywhere (" + "; ".join(reasons) + "); free some disk space")
