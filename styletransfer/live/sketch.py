"""The quick sketch after a slider change: the same problem at half the size, its change laid over the picture.

After a restart L-BFGS forgets its curvature and needs about five evaluations before the picture
moves visibly (``benchmarks/RESULTS.md``). :func:`sketch` spends those evaluations on the problem at
half the size (about a quarter of the cost each), lays the change it makes over the full-size
picture (the upsampled difference) and previews each step; the full-size run then continues from
that picture: a coarse-to-fine warm start, and what the visitor sees is the real optimisation.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import numpy as np

from .. import constants as C
from ..images import resize_image

__all__ = ["mean_change", "sketch"]


def mean_change(image: np.ndarray, before: np.ndarray) -> float:
    """Mean absolute difference in grey levels: the yardstick of a visible change (``LIVE_VISIBLE_CHANGE``)."""
    return float(np.abs(image.astype(np.float32) - before.astype(np.float32)).mean())


def sketch(problem, picture: np.ndarray, *, evals: int, stop_event: threading.Event,
           first_step: float | None, show: Callable[[object], None], max_evals: int | None = None,
           visible: float = C.LIVE_VISIBLE_CHANGE) -> tuple[np.ndarray, int]:
    """Run ``evals`` evaluations of ``problem`` (the small one) from ``picture`` made small.

    If after ``evals`` the change laid over ``picture`` is not yet visible (a mean change of
    ``visible`` grey levels), go on until it is, up to ``max_evals`` (default ``evals``): the sketch
    is there to show the change, and one more evaluation at half size costs a quarter of one at
    full size. ``show`` gets a :class:`~styletransfer.optimize.Progress` per new evaluation (from
    the second), its image the full-size ``picture`` with the sketch's change laid over it. Returns
    the picture with the change of the sketch's best image laid over it, and the evaluations spent.
    """
    small = resize_image(picture, problem.shape[1:])
    base = picture.astype(np.int16) - resize_image(small, picture.shape)

    def laid_over(image: np.ndarray) -> np.ndarray:
        return np.clip(base + resize_image(image, picture.shape), 0, 255).astype(np.uint8)

    shown = [1]  # evaluation 1 is the starting image itself
    def on_progress(progress) -> bool:
        if progress.evaluation <= shown[0]:  # the final repeat of the last evaluation
            return False
        shown[0] = progress.evaluation
        image = laid_over(progress.image)
        show(dataclasses.replace(progress, image=image))
        return progress.evaluation >= evals and mean_change(image, picture) >= visible  # True: done

    result = problem.run(init=small, max_evals=max(evals, max_evals or evals), callback=on_progress,
                         callback_every=1, progress=False, stop_event=stop_event, lbfgs_first_step=first_step)
    return (laid_over(result.image) if result.evaluations > 1 else picture), result.evaluations
