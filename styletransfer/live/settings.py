"""The settings a :class:`~styletransfer.live.steering.Steerer` can change, each checked before it is queued.

Weights (alpha, beta, TV) change ``tf.Variable`` s of the running problem; the problem settings
(size, content layer, style loss, parameterisation) need a new problem. Checking happens in the
caller's thread, so a bad value raises its one-line error at once and nothing changes.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..checks import did_you_mean, whole_number
from ..errors import ParameterError
from ..extensions.parameterization import check_parameterization
from ..extensions.style_losses import check_style_loss
from ..features import layer_name
from ..images import check_size, load_image
from ..transfer import check_weight

__all__ = ["WEIGHTS", "PROBLEM", "check_changes", "check_live_size", "at_most"]

#: Settings that change weights only (no new problem).
WEIGHTS = ("content_weight", "style_weight", "tv_weight")
#: Settings that need a new problem.
PROBLEM = ("size", "content_layer", "style_loss", "parameterization")


def at_most(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` shrunk so that its long side is at most ``size`` (never enlarged)."""
    return image if max(image.shape[:2]) <= size else load_image(image, size=size)


def check_live_size(value, sources: dict[str, np.ndarray]) -> int:
    """A new size, refused (one line) if it is too small or an image in ``sources`` cannot be made that size."""
    value = whole_number("size", value, C.MIN_IMAGE_SIDE)
    for name, image in sources.items():
        check_size(name, image.shape[1], image.shape[0], int(value), what="the image")
    return int(value)


def check_changes(changes: dict, sources: dict[str, np.ndarray]) -> dict:
    """``changes`` with every value checked and normalised (a layer's Keras name, a float weight...).

    ``sources`` are the images a new size is checked against (``{"content image": array, ...}``).
    """
    checked = {}
    for key, value in changes.items():
        if key in WEIGHTS:
            checked[key] = check_weight(key, value)
        elif key == "content_layer":
            checked[key] = layer_name(value)
        elif key in ("style_loss", "parameterization"):
            checked[key] = (check_style_loss if key == "style_loss" else check_parameterization)(value)
        elif key == "size":
            checked[key] = check_live_size(value, sources)
        else:
            raise ParameterError(f"unknown setting {key!r}{did_you_mean(key, WEIGHTS + PROBLEM)}; "
                                 f"use one of {', '.join(WEIGHTS + PROBLEM)}")
    return checked
