"""The checks every option goes through: one function per kind of value, one line per problem.

Each public entry point checks its options with these, naming them as the caller knows them:
the library by parameter name (``max_evals``), the command line by flag (``--evals``), through the
``names`` mapping that :func:`~styletransfer.transfer.check_problem_options` and
:func:`~styletransfer.optimize.check_run_options` accept.

The rules: loss weights (alpha, beta, TV, style layer weights) are finite, ``>= 0`` and fit in
float32 (the network's precision; ``beta = 1e300`` would be infinite there); step sizes (the
learning rate, Adam's epsilon) are finite and ``> 0``, zero and negative values getting the same
message; seeds are whole numbers from 0 to ``2**63 - 1`` (:func:`seed_number`), checked before any
network is built. A misspelt choice gets "did you mean ...?" (:func:`did_you_mean`). This module
imports nothing heavy, so the command line can check options before TensorFlow loads.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from . import constants as C
from .constants import FLOAT32_MAX, SEED_MAX
from .errors import LayerError, ParameterError

__all__ = ["whole_number", "finite_number", "seed_number", "choice", "display_name", "did_you_mean",
           "normalized_layer_weights", "check_problem_options", "check_style_loss", "check_parameterization",
           "check_video_options",
           "check_precision", "check_device"]


def display_name(name: str, names: Mapping[str, str] | None) -> str:
    """``names[name]`` when given (a CLI flag, say), else ``name``."""
    return (names or {}).get(name, name)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices`` (difflib), or ``""`` if none is close."""
    close = difflib.get_close_matches(str(word).strip().lower(), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def whole_number(name: str, value, minimum: int) -> int:
    """``value`` as an ``int``; one-line :class:`ParameterError` unless it is a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def seed_number(name: str, value) -> int:
    """``value`` as an ``int``; one-line :class:`ParameterError` unless it is a whole number in ``0 .. 2**63 - 1``.

    NumPy and TensorFlow take signed 64-bit seeds, so a larger one would fail deep inside them.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= int(value) <= SEED_MAX:
        raise ParameterError(f"{name} must be a whole number from 0 to 2**63 - 1 ({SEED_MAX}), got {value!r}")
    return int(value)


def finite_number(name: str, value, *, positive: bool = False) -> float:
    """``value`` as a ``float``; one-line :class:`ParameterError` if NaN, infinite, negative (or 0 with ``positive``).

    Values above the largest float32 (:data:`~styletransfer.constants.FLOAT32_MAX`) are refused
    too: the network computes in float32, where they would become infinite.
    """
    if isinstance(value, (bool, str)):
        raise ParameterError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ParameterError(f"{name} must be a finite number {'>' if positive else '>='} 0, got {value!r}")
    if number > FLOAT32_MAX:
        raise ParameterError(f"{name} must be at most {FLOAT32_MAX:.3g} (float32, the network's precision), "
                             f"got {value!r}; only ratios of the weights matter, so scale them all down")
    return number


def choice(name: str, value, choices: Sequence[str], *, note: str = "") -> str:
    """``value`` if it is one of ``choices``; else a one-line :class:`ParameterError` listing them."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"unknown {name} {value!r}{did_you_mean(str(value), choices)}; use one of {listed}{note}")
    return value


def normalized_layer_weights(layers: Sequence[str], weights: Sequence[float] | None = None) -> dict:
    """Per-layer weights that sum to one (equal by default, as in the paper).

    Each layer may appear only once: a repeated layer would silently take two shares of the
    weight in the sum but keep one in the result, so the weights would no longer sum to one.
    To weight a layer more, give it a larger weight instead.

    Raises
    ------
    LayerError
        A layer is named twice.
    ParameterError
        Not one weight per layer, a weight that is NaN, infinite or negative, or all zero.
    """
    layers = list(layers)
    if len(set(layers)) != len(layers):
        twice = next(name for name in layers if layers.count(name) > 1)
        raise LayerError(f"style layer {twice} is named twice; name each layer once and give it a larger "
                         "weight (style_layer_weights, --style-layer-weights) instead")
    if weights is None:
        weights = [1.0] * len(layers)
    if isinstance(weights, (str, bytes)) or len(weights) != len(layers):
        raise ParameterError(f"{len(weights)} layer weights for {len(layers)} layers; give one per style layer")
    values = [finite_number("style layer weight", w) for w in weights]
    total = sum(values)
    if total <= 0:
        raise ParameterError("style layer weights must not all be 0; give at least one a positive weight")
    return {layer: w / total for layer, w in zip(layers, values)}


def check_problem_options(
    *,
    size: int | None = C.DEFAULT_SIZE,
    style_size: int | None = None,
    content_layers: Sequence[str] = C.DEFAULT_CONTENT_LAYERS,
    style_layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS,
    style_layer_weights: Sequence[float] | None = None,
    content_weight: float = C.DEFAULT_CONTENT_WEIGHT,
    style_weight: float = C.DEFAULT_STYLE_WEIGHT,
    tv_weight: float = C.DEFAULT_TV_WEIGHT,
    pooling: str = C.DEFAULT_POOLING,
    style_loss: str = C.DEFAULT_STYLE_LOSS,
    parameterization: str = C.DEFAULT_PARAMETERIZATION,
    seed: int = C.DEFAULT_SEED,
    precision: str = C.DEFAULT_PRECISION,
    names: Mapping[str, str] | None = None,
) -> dict:
    """Check :class:`StyleTransfer`'s options without building anything; the one owner of these checks.

    ``names`` maps a parameter to the name the caller's user knows (the command line passes its
    flags). Returns the options resolved: Keras layer names, float weights, the style layer
    weights normalised to sum to one.

    Raises
    ------
    ParameterError, LayerError
        One line naming the option and what it accepts.
    """
    from .features import layer_names  # features imports nothing heavy, but checks stays at the bottom

    def name(key: str) -> str:
        return display_name(key, names)

    seed_number(name("seed"), seed)
    for key, value in (("size", size), ("style_size", style_size)):
        if value is not None:
            whole_number(name(key), value, C.MIN_IMAGE_SIDE)
    weights = {key: finite_number(name(key), value) for key, value in
               (("content_weight", content_weight), ("style_weight", style_weight), ("tv_weight", tv_weight))}
    choice(name("pooling"), pooling, C.POOLING_MODES, note=" ('avg' is the paper's)")
    check_style_loss(style_loss)
    check_parameterization(parameterization)
    check_precision(precision, name=name("precision"))
    content_layers, style_layers = layer_names(content_layers), layer_names(style_layers)
    if style_layer_weights is not None:
        style_layer_weights = [finite_number(name("style_layer_weights"), w) for w in style_layer_weights]
    try:
        layer_weights = normalized_layer_weights(style_layers, style_layer_weights)
    except ValueError as exc:
        raise ParameterError(f"{name('style_layer_weights')}: {exc}") from None
    return {"size": size, "style_size": style_size, "content_layers": content_layers, "style_layers": style_layers,
            "style_layer_weights": layer_weights, **weights, "pooling": pooling, "style_loss": style_loss,
            "parameterization": parameterization, "precision": precision}


def check_precision(value, *, name: str = "precision") -> str:
    """Return ``value`` if it is one of ``constants.PRECISIONS``, else raise a one-line :class:`ParameterError`."""
    return choice(name, value, C.PRECISIONS, note=" ('float32' is exact; 'auto' picks a faster type if there is one)")


def check_device(value, *, name: str = "device") -> str:
    """Return ``value`` if it is one of ``constants.DEVICES``, else raise a one-line :class:`ParameterError`."""
    return choice(name, value, C.DEVICES, note=" ('auto' takes a GPU when there is one)")


def check_style_loss(name) -> str:
    """Return ``name`` if it is a known style loss, else raise a one-line :class:`ParameterError`."""
    if name not in C.STYLE_LOSSES:
        raise ParameterError(f"unknown style loss {name!r}; use one of {', '.join(map(repr, C.STYLE_LOSSES))}")
    return name


def check_parameterization(name) -> str:
    """Return ``name`` if it is a known parameterisation, else raise a one-line :class:`ParameterError`."""
    if name not in C.PARAMETERIZATIONS:
        raise ParameterError(
            f"unknown parameterization {name!r}; use one of {', '.join(map(repr, C.PARAMETERIZATIONS))}"
        )
    return name


def check_video_options(
    *,
    temporal_weight: float = C.VIDEO_TEMPORAL_WEIGHT,
    flow: str = C.DEFAULT_VIDEO_FLOW,
    max_frames: int | None = None,
    size: int | None = C.VIDEO_DEFAULT_SIZE,
    evals_per_frame: int = C.VIDEO_EVALS_PER_FRAME,
    first_frame_evals: int | None = C.VIDEO_FIRST_FRAME_EVALS,
    init: str = C.DEFAULT_VIDEO_INIT,
    fps: float | None = None,
    names: Mapping[str, str] | None = None,
) -> dict:
    """Check the options of a video run (:func:`styletransfer.video.run.stylize_clip`, ``styletransfer video``).

    The temporal weight is a finite number >= 0 (0 stylises every frame on its own), the flow one
    of :data:`~styletransfer.constants.VIDEO_FLOW_METHODS`, frame counts, sizes and evaluations
    whole numbers, the frame rate a finite number > 0. Returns them resolved.
    """
    def name(key: str) -> str:
        return display_name(key, names)

    options = {
        "temporal_weight": finite_number(name("temporal_weight"), temporal_weight),
        "flow": choice(name("flow"), flow, C.VIDEO_FLOW_METHODS, note=" ('dis' is fast and accurate)"),
        "init": choice(name("init"), init, C.VIDEO_INIT_CHOICES, note=" (later frames start from the warped "
                                                                       "previous result)"),
        "evals_per_frame": whole_number(name("evals_per_frame"), evals_per_frame, 1),
        "first_frame_evals": None if first_frame_evals is None else whole_number(
            name("first_frame_evals"), first_frame_evals, 1),
        "max_frames": None if max_frames is None else whole_number(name("max_frames"), max_frames, 1),
        "size": None if size is None else whole_number(name("size"), size, C.MIN_IMAGE_SIDE),
        "fps": None if fps is None else finite_number(name("fps"), fps, positive=True),
    }
    return options
