"""The checks every option goes through: one function per kind of value, one line per problem.

Each public entry point checks its options with these, naming them as the caller knows them:
the library by parameter name (``max_evals``), the command line by flag (``--evals``), through the
``names`` mapping that :func:`~styletransfer.transfer.check_problem_options` and
:func:`~styletransfer.optimize.check_run_options` accept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .errors import ParameterError

__all__ = ["whole_number", "finite_number", "choice", "display_name"]


def display_name(name: str, names: Mapping[str, str] | None) -> str:
    """``names[name]`` when given (a CLI flag, say), else ``name``."""
    return (names or {}).get(name, name)


def whole_number(name: str, value, minimum: int) -> int:
    """``value`` as an ``int``; one-line :class:`ParameterError` unless it is a whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def finite_number(name: str, value, *, positive: bool = False) -> float:
    """``value`` as a ``float``; one-line :class:`ParameterError` if NaN, infinite, negative (or 0 with ``positive``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ParameterError(f"{name} must be a finite number {'>' if positive else '>='} 0, got {value!r}")
    return number


def choice(name: str, value, choices: Sequence[str], *, note: str = "") -> str:
    """``value`` if it is one of ``choices``; else a one-line :class:`ParameterError` listing them."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"unknown {name} {value!r}; use one of {listed}{note}")
    return value
