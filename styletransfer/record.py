"""Run records: a JSON file next to every stylised image that says how it was made.

A record holds the parameters, the library versions and the machine, sha256 digests of the input
images (as loaded, after resizing) and of the output file, the weights (ImageNet or a labelled
random VGG19), timings, why the run stopped, and the loss history. The CLI writes one for every
run; the widgets' Save button writes the same kind of file.

Example
-------
>>> record = build_record(result, {"size": 256, "style_weight": 10.0},
...                       content=problem.content_image, style=problem.style_image,
...                       output="cat.png")                        # doctest: +SKIP
>>> write_record(record_path("cat.png"), record)                    # doctest: +SKIP

or both steps at once (what a Save button does)::

    save_result("cat.png", result, {"size": 256}, content=problem.content_image, style=problem.style_image)
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import os
import platform
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from .cache import sha256_bytes, sha256_file
from .images import atomic_write_bytes

__all__ = [
    "RECORD_SCHEMA",
    "record_path",
    "sha256_file",
    "sha256_pixels",
    "describe_image",
    "library_versions",
    "machine_description",
    "build_record",
    "write_record",
    "save_result",
]

#: Identifies the layout of the JSON file; bump the number when fields change meaning.
RECORD_SCHEMA: str = "styletransfer-run/1"

_PACKAGES = {
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "keras": ("keras",),
    "numpy": ("numpy",),
    "scipy": ("scipy",),
    "pillow": ("pillow",),
    "styletransfer": ("styletransfer",),
}


def record_path(image_path: str | os.PathLike) -> Path:
    """The record that belongs to an image: same folder, same stem, suffix ``.json``."""
    return Path(image_path).expanduser().with_suffix(".json")


def sha256_pixels(image: np.ndarray) -> str:
    """Hex sha256 of an image's ``uint8`` pixels in C order (shape not included; record it too)."""
    return sha256_bytes(np.ascontiguousarray(image, dtype=np.uint8).tobytes())


def describe_image(image: np.ndarray, *, source: str | os.PathLike | None = None) -> dict[str, Any]:
    """Shape and pixel sha256 of a loaded image, and the source's file sha256 when it is a file."""
    info: dict[str, Any] = {"shape": list(np.shape(image)), "pixels_sha256": sha256_pixels(image)}
    if source is not None:
        info["source"] = os.fspath(source)
        if Path(os.fspath(source)).expanduser().is_file():
            info["file_sha256"] = sha256_file(Path(os.fspath(source)).expanduser())
    return info


def _version(names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def library_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries a result depends on (``None`` if not installed)."""
    return dict(_library_versions())


@functools.lru_cache(maxsize=1)
def _library_versions() -> dict[str, str | None]:
    # Read once per process: the package metadata lookups take ~0.1 s, and checkpoints ask often.
    versions: dict[str, str | None] = {"python": platform.python_version()}
    versions.update({key: _version(names) for key, names in _PACKAGES.items()})
    if versions["styletransfer"] is None and "styletransfer" in sys.modules:
        versions["styletransfer"] = getattr(sys.modules["styletransfer"], "__version__", None)
    return versions


def machine_description() -> dict[str, Any]:
    """Operating system, CPU model (from ``/proc/cpuinfo`` when there is one) and core count."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    return {"platform": platform.platform(), "cpu": cpu, "cpu_count": os.cpu_count(), "usable_cores": usable}


def _plain(value: Any) -> Any:
    """JSON-safe copy: tuples to lists, paths to text, NumPy scalars to numbers, NaN/inf to None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def build_record(
    result,
    parameters: Mapping[str, Any],
    *,
    content: np.ndarray | None = None,
    style: np.ndarray | None = None,
    content_source: str | os.PathLike | None = None,
    style_source: str | os.PathLike | None = None,
    output: str | os.PathLike | None = None,
    weights=None,
    timings: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
    output_sha256: str | None = None,
    previous_output: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Describe a run as a JSON-ready dictionary.

    Parameters
    ----------
    result : styletransfer.optimize.Result
        The run's result (image, history, stop reason, weights kind and label).
    parameters : mapping
        Everything needed to repeat the run (size, weights, layers, optimiser...).
    content, style : numpy.ndarray, optional
        The images as loaded (after resizing); their pixel sha256 and shape are recorded.
    content_source, style_source : str or os.PathLike, optional
        Where the images came from (sample name, path or URL); a file's sha256 is recorded too.
    output : str or os.PathLike, optional
        The saved image; its sha256 is recorded, so write the image first.
    weights : styletransfer.weights.WeightsSpec, optional
        Adds the weights file path, seed and fallback reason to the record.
    timings : mapping, optional
        Seconds, e.g. ``{"setup": 3.1, "optimisation": 80.2}``; ``optimisation`` and
        ``seconds_per_evaluation`` default to the result's.
    extra : mapping, optional
        More top-level fields (for example ``"command"``).
    output_sha256 : str, optional
        sha256 of the output's bytes when they are not on disk yet (default: read the file).
    previous_output : mapping, optional
        ``{"sha256": ...}`` of the image this one replaces (see :func:`styletransfer.outputs.write_pair`).

    Returns
    -------
    dict
        Plain JSON types only (non-finite numbers become ``None``).
    """
    record: dict[str, Any] = {
        "schema": RECORD_SCHEMA,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "weights": {"kind": result.weights_kind, "label": result.weights_label,
                    "random": result.weights_kind == "random"},
        "parameters": dict(parameters),
        "inputs": {},
    }
    if weights is not None:
        record["weights"].update(
            path=None if weights.path is None else os.fspath(weights.path),
            seed=weights.seed if weights.is_random else None,
            fallback_reason=weights.fallback_reason,
        )
        if not weights.is_random:  # a file: its MD5, and whether it is Keras's (verified) or user-supplied
            record["weights"].update(md5=weights.md5, checksum="verified" if weights.kind == "imagenet" else "unknown")
    for name, image, source in (("content", content, content_source), ("style", style, style_source)):
        if image is not None:
            record["inputs"][name] = describe_image(image, source=source)
    if output is not None:
        out = Path(output).expanduser()
        record["output"] = {"path": os.fspath(out), "shape": list(np.shape(result.image))}
        if output_sha256 is not None:
            record["output"]["sha256"] = output_sha256
        elif out.is_file():
            record["output"]["sha256"] = sha256_file(out)
        if previous_output is not None:
            record["previous_output"] = {
                **previous_output, "note": "the image this record replaced; a reader that finds this sha256 "
                                           "on disk has the previous image (the writer stopped between two renames)"}
    record["result"] = {
        "stop_reason": result.stop_reason,
        "message": result.message,
        "optimizer": result.optimizer,
        "evaluations": result.evaluations,
        "best_loss": result.best_loss,
        "final_losses": result.history[-1] if result.history else None,
    }
    if getattr(result, "precision", None):  # what ran: the type asked for and the network's type
        record["precision"] = dict(result.precision)
    record["timings"] = {"optimisation": result.elapsed,
                         "seconds_per_evaluation": result.seconds_per_evaluation, **dict(timings or {})}
    record["versions"] = library_versions()
    record["machine"] = machine_description()
    record.update(dict(extra or {}))
    record["history"] = list(result.history)
    return _plain(record)


def write_record(path: str | os.PathLike, record: Mapping[str, Any]) -> Path:
    """Write a record as indented JSON, atomically; returns the path written."""
    text = json.dumps(_plain(record), indent=2, allow_nan=False)
    return atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def save_result(path: str | os.PathLike, result, parameters: Mapping[str, Any], *, rescue: bool = False,
                **record_options) -> tuple[Path, Path]:
    """Save ``result.image`` to ``path`` and its record next to it (same stem, ``.json``), atomically.

    ``record_options`` go to :func:`build_record` (``content``, ``style``, ``weights``, ``timings``...).
    ``rescue=True`` writes them under a fresh name in the rescue folder instead
    (:func:`styletransfer.outputs.rescue_pair`), for when ``path`` cannot be written.
    The two are written so that the record describes the image at every instant
    (:func:`styletransfer.outputs.write_pair`). Returns the image path and the record path.
    """
    from .outputs import rescue_pair, write_pair

    def make(target, digest, previous):
        return build_record(result, parameters, output=target, output_sha256=digest, previous_output=previous,
                            **record_options)

    return (rescue_pair if rescue else write_pair)(path, result.image, make)
