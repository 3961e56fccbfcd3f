"""TensorFlow's start-up chatter (absl, oneDNN and cpu_feature_guard lines) stays hidden unless asked for.

The package calls :func:`quiet_tensorflow` before anything can import TensorFlow: it sets
``TF_CPP_MIN_LOG_LEVEL`` (unless you set it yourself), which hides TensorFlow's C++ information and
warning lines, "All log messages before absl::InitializeLog() is called..." included. Errors
still show. It only hides the oneDNN message: ``TF_ENABLE_ONEDNN_OPTS`` is left alone (turning
oneDNN off would change speed and the last digits of results). ``$STYLETRANSFER_VERBOSE=1`` or the
command line's ``--verbose`` shows everything again.
"""

from __future__ import annotations

import os
import sys

from .constants import QUIET_TF_LOG_LEVEL, VERBOSE_ENV_VAR

__all__ = ["verbose_requested", "quiet_tensorflow", "show_tensorflow_log"]

_TF_LOG_VAR = "TF_CPP_MIN_LOG_LEVEL"
_set_by_us = False


def verbose_requested() -> bool:
    """True when ``$STYLETRANSFER_VERBOSE`` asks for TensorFlow's own log (any value but ``""``/``0``/``false``)."""
    return os.environ.get(VERBOSE_ENV_VAR, "").strip().lower() not in ("", "0", "false", "no", "off")


def quiet_tensorflow() -> None:
    """Hide TensorFlow's start-up log, unless verbose output was asked for or the level is already set."""
    global _set_by_us
    if verbose_requested() or _TF_LOG_VAR in os.environ:
        return
    os.environ[_TF_LOG_VAR] = QUIET_TF_LOG_LEVEL
    _set_by_us = True


def show_tensorflow_log() -> None:
    """Undo :func:`quiet_tensorflow` (``--verbose``); effective only before TensorFlow is imported."""
    global _set_by_us
    os.environ[VERBOSE_ENV_VAR] = "1"
    if _set_by_us and "tensorflow" not in sys.modules:
        os.environ.pop(_TF_LOG_VAR, None)
        _set_by_us = False
