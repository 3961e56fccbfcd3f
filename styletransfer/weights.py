"""Where the VGG19 weights come from: the Keras cache, a file, an environment variable, or a seed.

``"imagenet"`` means the real, trained network: the file Keras downloads for
``VGG19(weights="imagenet", include_top=False)`` into ``~/.keras/models`` (or the file named by
``$STYLETRANSFER_VGG19_WEIGHTS``), checked against Keras's MD5. ``"random"`` is a seeded,
untrained VGG19: it still transfers textures (He, Wang and Hopcroft, 2016), but every result made
with it is labelled as such. ``"auto"`` tries ImageNet and falls back to random, loudly.
"""

from __future__ import annotations

import os
import socket
import warnings
from dataclasses import dataclass
from pathlib import Path

from .cache import downloads_off, file_digest, keras_cache_dir
from .checks import did_you_mean, seed_number
from .constants import (
    DOWNLOAD_TIMEOUT,
    FETCH_COMMAND,
    OFFLINE_ENV_VAR,
    WEIGHTS_ENV_VAR,
    WEIGHTS_FILENAME,
    WEIGHTS_MD5,
    WEIGHTS_URL,
)
from .errors import WeightsError, first_line

__all__ = [
    "WeightsSpec",
    "RandomWeightsWarning",
    "keras_cache_dir",
    "weights_cache_path",
    "md5sum",
    "resolve_weights",
    "download_weights",
    "weights_status",
    "downloads_off",
    "RANDOM_LABEL_PREFIX",
    "is_random_label",
    "random_weights_notice",
    "USER_WEIGHTS_LABEL",
]

#: How every label of a random-weight network starts (figure titles, CLI output, run records).
RANDOM_LABEL_PREFIX: str = "RANDOM-WEIGHT VGG19"


class RandomWeightsWarning(UserWarning):
    """Emitted when ImageNet weights are unavailable and a random VGG19 is used instead."""


def _unavailable(message: str, short: str) -> WeightsError:
    """A plain :class:`WeightsError` that also carries a few words for the one-line random-weights notice."""
    error = WeightsError(message)
    error.short = short
    return error


#: The label of a weights file the user vouched for (``trust=True``) whose MD5 is not Keras's.
USER_WEIGHTS_LABEL = "user-supplied VGG19 weights (checksum unknown)"


@dataclass(frozen=True)
class WeightsSpec:
    """Resolved weights: ``kind`` is ``"imagenet"`` (MD5-verified), ``"user"`` or ``"random"``.

    ``"user"`` is a file whose MD5 is not Keras's, used because the caller said to trust it
    (``trust=True``, ``--trust-weights``) or turned verification off; its ``md5`` is recorded.
    """

    kind: str
    path: Path | None = None
    seed: int = 0
    fallback_reason: str | None = None  # why ImageNet weights could not be used (the whole story)
    fallback_short: str | None = None  # the same in a few words, for the one-line notice
    md5: str | None = None

    @property
    def is_random(self) -> bool:
        return self.kind == "random"

    @property
    def label(self) -> str:
        """Short text for figure titles, CLI output and run records."""
        if self.is_random:
            return f"{RANDOM_LABEL_PREFIX} (seed {self.seed}), not the real result"
        if self.kind == "user":
            return USER_WEIGHTS_LABEL
        return "ImageNet VGG19"


def is_random_label(label: str | None) -> bool:
    """Whether ``label`` is a :attr:`WeightsSpec.label` of random weights (for callers that only kept the label)."""
    return bool(label) and str(label).startswith(RANDOM_LABEL_PREFIX)


def random_weights_notice(spec: WeightsSpec) -> str:
    """The one line said wherever a random-weight VGG19 is used (warning, command line, run start).

    The full reason (paths, the download error) stays in ``spec.fallback_reason`` and the run record.
    """
    why = f" ({spec.fallback_short})" if spec.fallback_short else ""
    return (f"{spec.label}: no ImageNet weights{why}; run `{FETCH_COMMAND}` while online "
            f"(`styletransfer info` shows where they go)")


def weights_cache_path() -> Path:
    """Where Keras keeps the VGG19 "notop" weights file."""
    return keras_cache_dir() / "models" / WEIGHTS_FILENAME


def md5sum(path: Path) -> str:
    """Hex MD5 of a file (Keras publishes only an MD5 for the weights file)."""
    return file_digest(path, "md5")


def _how_to_fix(path: Path) -> str:
    return (
        f"run `{FETCH_COMMAND}` online, or put {WEIGHTS_FILENAME} in {path.parent}, "
        f"or set {WEIGHTS_ENV_VAR} to its path (download: {WEIGHTS_URL})"
    )


_TRUST = "or, if it is a genuine VGG19 file in Keras format, trust it (trust_weights=True, --trust-weights)"


def _check_file(path: Path, *, verify: bool, trust: bool = False, from_env: bool = False) -> WeightsSpec:
    """The spec of a weights file: ``"imagenet"`` if its MD5 is Keras's, ``"user"`` if trusted."""
    where = f" (from ${WEIGHTS_ENV_VAR})" if from_env else ""
    # While the variable is set, fetching into the Keras cache cannot help: say how to fix the variable.
    fix = (f"fix or unset {WEIGHTS_ENV_VAR}" if from_env else _how_to_fix(weights_cache_path()))
    if path.is_dir():
        raise WeightsError(f"VGG19 weights path {path}{where} is a folder, not a file; give the path of the "
                           f"{WEIGHTS_FILENAME} file itself, or {fix}")
    if not path.is_file():
        raise _unavailable(f"VGG19 weights file not found: {path}{where}; {fix}", "file not found")
    if not verify:
        return WeightsSpec("user", path)
    actual = md5sum(path)
    if actual == WEIGHTS_MD5:
        return WeightsSpec("imagenet", path, md5=actual)
    if trust:
        return WeightsSpec("user", path, md5=actual)
    raise _unavailable(
        f"VGG19 weights file {path}{where} is corrupt or not Keras's ImageNet file (MD5 {actual}, expected {WEIGHTS_MD5}); "
        f"if it is damaged, delete it and {fix}; {_TRUST}", "the file is corrupt",
    )


def download_weights() -> Path:
    """Download the ImageNet VGG19 weights into the Keras cache (a no-op when present)."""
    import keras

    target = weights_cache_path()
    if target.is_file() and md5sum(target) == WEIGHTS_MD5:
        return target
    if downloads_off():
        raise _unavailable(
            f"ImageNet VGG19 weights are not in the Keras cache ({target}) and downloads are off "
            f"({OFFLINE_ENV_VAR} is set); {_how_to_fix(target)}", "downloads are off",
        )
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)  # Keras's get_file has no timeout of its own
    try:
        _probe(WEIGHTS_URL)  # Keras prints "Downloading data from ..." even when no download can happen
        got = keras.utils.get_file(
            WEIGHTS_FILENAME, WEIGHTS_URL, cache_subdir="models", file_hash=WEIGHTS_MD5,
            cache_dir=str(keras_cache_dir()),
        )
    except Exception as exc:  # noqa: BLE001 - any network/IO failure becomes one clear line
        reason = first_line(exc)
        raise _unavailable(
            f"ImageNet VGG19 weights are not in the Keras cache ({target}) and the download "
            f"failed ({reason}); {_how_to_fix(target)}", "the download failed",
        ) from None
    finally:
        socket.setdefaulttimeout(previous)
    return _check_file(Path(got), verify=True).path


def _probe(url: str) -> None:
    """Fail fast, without Keras's download message, when ``url`` cannot be reached (one HEAD request)."""
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=DOWNLOAD_TIMEOUT):  # noqa: S310
        pass


def resolve_weights(
    weights: str | os.PathLike = "auto", *, seed: int = 0, verify: bool = True, download: bool = True,
    trust: bool = False,
) -> WeightsSpec:
    """Turn a weights request into a :class:`WeightsSpec`.

    Parameters
    ----------
    weights : str or os.PathLike
        ``"imagenet"`` (the file named by ``$STYLETRANSFER_VGG19_WEIGHTS``, else the Keras cache,
        downloading it if needed), ``"auto"`` (ImageNet if possible, else random with a
        :class:`RandomWeightsWarning`), ``"random"``, or a path to a VGG19 "notop" ``.h5`` file.
    seed : int
        Seed of the random weights, ``0 .. 2**63 - 1`` (checked here, before anything is built).
    verify : bool
        Check the file's MD5 against Keras's published value. ``False`` skips it: the file is
        then ``"user"`` weights, labelled "user-supplied VGG19 weights (checksum unknown)".
    download : bool
        Allow a download into the Keras cache when the file is missing.
    trust : bool
        Accept a file whose MD5 is not Keras's (a genuine VGG19 in Keras format saved or
        converted elsewhere). It is used as ``"user"`` weights, labelled as above, and its MD5 is
        recorded; a file with Keras's MD5 is still ``"imagenet"``.

    Raises
    ------
    WeightsError
        ImageNet weights were asked for explicitly but are missing or corrupt, or the request is
        not understood.
    ParameterError
        The seed is not a whole number in ``0 .. 2**63 - 1``.
    """
    seed = seed_number("seed", seed)
    if isinstance(weights, str) and weights == "random":
        return WeightsSpec("random", seed=seed)
    if isinstance(weights, str) and weights in ("imagenet", "auto"):
        try:
            env = os.environ.get(WEIGHTS_ENV_VAR)
            if env:
                return _check_file(Path(env).expanduser(), verify=verify, trust=trust, from_env=True)
            cached = weights_cache_path()
            if cached.is_file() or not download:
                return _check_file(cached, verify=verify, trust=trust)
            return WeightsSpec("imagenet", download_weights(), md5=WEIGHTS_MD5)
        except WeightsError as exc:
            if weights == "imagenet":
                raise
            spec = WeightsSpec("random", seed=seed, fallback_reason=str(exc), fallback_short=getattr(exc, "short", None))
            _warn_once(random_weights_notice(spec))
            return spec
    if isinstance(weights, os.PathLike) or (
        isinstance(weights, str)
        and (weights.endswith((".h5", ".hdf5")) or os.sep in weights or Path(weights).expanduser().exists())
    ):
        return _check_file(Path(weights).expanduser(), verify=verify, trust=trust)
    raise WeightsError(
        f"unknown weights {weights!r}{did_you_mean(str(weights), ('imagenet', 'auto', 'random'))}; "
        f"use 'imagenet', 'auto', 'random' or a path to {WEIGHTS_FILENAME}"
    )


_SHOWN: dict = {}  # the warnings registry of the random-weights notice: each text once per process


def _warn_once(text: str) -> None:
    """Warn without a file name and source line under it: the notice stays one line in a notebook too."""
    warnings.warn_explicit(text, RandomWeightsWarning, "styletransfer", 0, module="styletransfer.weights",
                           registry=_SHOWN)


def weights_status() -> dict[str, str]:
    """What ``styletransfer info`` reports about the weights, without downloading anything."""
    env = os.environ.get(WEIGHTS_ENV_VAR)
    path = Path(env).expanduser() if env else weights_cache_path()
    status = {"path": str(path), "source": WEIGHTS_ENV_VAR if env else "Keras cache"}
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "missing"
        status["status"] = f"{what} ({f'fix or unset {WEIGHTS_ENV_VAR}' if env else _how_to_fix(path)})"
    elif md5sum(path) != WEIGHTS_MD5:
        status["status"] = "corrupt (MD5 mismatch); delete it and fetch again"
    else:
        status["status"] = "ok (ImageNet, MD5 verified)"
    return status
