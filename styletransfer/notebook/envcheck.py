"""The environment check of the first notebook: versions, CPU/GPU and the VGG19 weights."""

from __future__ import annotations

import os
import platform

from ..constants import FETCH_COMMAND, OFFLINE_ENV_VAR, QUICK_ENV_VAR, WEIGHTS_ENV_VAR
from ..weights import weights_status

__all__ = ["environment_report", "weights_advice", "environment_markdown"]


def environment_report() -> list[dict[str, str]]:
    """Rows ``{"item", "value"}``: Python and library versions, processors, weights, modes."""
    import keras
    import numpy
    import tensorflow as tf

    from .. import __version__

    gpus = tf.config.list_physical_devices("GPU")
    weights = weights_status()
    return [
        {"item": "styletransfer", "value": __version__},
        {"item": "Python", "value": platform.python_version()},
        {"item": "TensorFlow / Keras / NumPy", "value": f"{tf.__version__} / {keras.__version__} / {numpy.__version__}"},
        {"item": "system", "value": f"{platform.system()} {platform.machine()}"},
        {"item": "CPU cores", "value": str(os.cpu_count())},
        {"item": "GPUs", "value": ", ".join(g.name for g in gpus) if gpus else "none (CPU only: fine, just slower)"},
        {"item": "ImageNet VGG19 weights", "value": weights["status"].split(" (")[0]},
        {"item": "weights file", "value": f"{weights['path']} (from {weights['source']})"},
        {"item": "quick mode", "value": f"{'on' if os.environ.get(QUICK_ENV_VAR) == '1' else 'off'} ({QUICK_ENV_VAR})"},
        {"item": "downloads", "value": f"{'off' if os.environ.get(OFFLINE_ENV_VAR) else 'allowed'} ({OFFLINE_ENV_VAR})"},
    ]


def weights_advice() -> str:
    """One paragraph: all set, or how to get the ImageNet weights."""
    status = weights_status()
    if status["status"].startswith("ok"):
        return "The ImageNet VGG19 weights are present: every picture in this series is the real result."
    return (
        f"The ImageNet VGG19 weights are **not** available ({status['status'].split(' (')[0]}). "
        f"The notebooks still run, with a seeded **random-weight** VGG19, and every figure says so. "
        f"For the real result run `{FETCH_COMMAND}` once with internet (80 MB into the Keras cache), "
        f"or point `{WEIGHTS_ENV_VAR}` at a copy of the file, then restart the kernel."
    )


def environment_markdown() -> str:
    """The report as a markdown table followed by :func:`weights_advice`."""
    from .teaching import markdown_table

    return markdown_table(environment_report(), ["item", "value"]) + "\n\n" + weights_advice()
