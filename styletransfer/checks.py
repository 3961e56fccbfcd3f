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

from .constants import FLOAT32_MAX, SEED_MAX
from .errors import ParameterError

__all__ = ["whole_number", "finite_number", "seed_number", "choice", "display_name", "did_you_mean"]


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
