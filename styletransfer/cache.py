"""Downloads and where they go: the Keras cache folder, the offline switch, one timeout, one sha256.

The VGG19 weights live where Keras keeps them (``$KERAS_HOME/models``, default ``~/.keras``); the
fetched sample photos in ``$STYLETRANSFER_CACHE`` (default ``~/.keras/styletransfer``).
``$STYLETRANSFER_OFFLINE`` forbids every download (tests set it; so can an offline workshop room).
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from .constants import CACHE_ENV_VAR, DOWNLOAD_TIMEOUT, OFFLINE_ENV_VAR

__all__ = ["keras_cache_dir", "cache_dir", "downloads_off", "fetch_response", "fetch_bytes", "sha256_bytes", "sha256_file",
           "file_digest"]


def keras_cache_dir() -> Path:
    """The Keras cache folder (``$KERAS_HOME`` or ``~/.keras``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home)


def cache_dir() -> Path:
    """Folder for fetched samples: ``$STYLETRANSFER_CACHE`` or ``$KERAS_HOME/styletransfer``."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return keras_cache_dir() / "styletransfer"


def downloads_off() -> bool:
    """True when ``$STYLETRANSFER_OFFLINE`` forbids downloads (any value but ``""``, ``0``, ``false``, ``no``, ``off``)."""
    return os.environ.get(OFFLINE_ENV_VAR, "").strip().lower() not in ("", "0", "false", "no", "off")


def fetch_response(url: str, *, timeout: float = DOWNLOAD_TIMEOUT) -> tuple[bytes, str | None]:
    """The body of ``url`` and its ``Content-Type`` header (``None`` if the server sent none).

    Gives up after ``timeout`` seconds without data. Raises whatever
    :func:`urllib.request.urlopen` raises (``OSError``, ``http.client.HTTPException``,
    ``ValueError``); callers turn that into their one-line error. Does not look at
    :func:`downloads_off`: callers decide what an offline run does instead.
    """
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) URLs only
        headers = getattr(response, "headers", None)  # stand-ins in tests may have none
        return response.read(), None if headers is None else headers.get("Content-Type")


def fetch_bytes(url: str, *, timeout: float = DOWNLOAD_TIMEOUT) -> bytes:
    """The body of ``url`` (see :func:`fetch_response`)."""
    return fetch_response(url, timeout=timeout)[0]


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    return file_digest(path, "sha256")


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest (``"sha256"``, or ``"md5"`` where a publisher gives only that) of a file, read in 1 MiB blocks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
