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

from ..images import resize_image

__all__ = ["sketch"]


def sketch(problem, picture: np.ndarray, *, evals: int, stop_event: threading.Event,
           first_step: float | None, show: Callable[[object], None]) -> tuple[np.ndarray, int]:
    """Run ``evals`` evaluations of ``problem`` (the small one) from ``picture`` made small.

    ``show`` gets a :class:`~styletransfer.optimize.Progress` per new evaluation (from the second),
    its image the full-size ``picture`` with the sketch's change laid over it. Returns the picture
    with the change of the sketch's best image laid over it, and the evaluations spent.
    """
    small = resize_image(picture, problem.shape[1:])
    base = picture.astype(np.int16) - resize_image(small, picture.shape)

    def laid_over(image: np.ndarray) -> np.ndarray:
        return np.clip(base + resize_image(image, picture.shape), 0, 255).astype(np.uint8)

    shown = [1]  # evaluation 1 is the starting image itself

    def on_progress(progress) -> None:
        if progress.evaluation > shown[0]:  # not the final repeat of the last evaluation
            shown[0] = progress.evaluation
            show(dataclasses.replace(progress, image=laid_over(progress.image)))

    result = problem.run(init=small, max_evals=evals, callback=on_progress, callback_every=1, progress=False,
                         stop_event=stop_event, lbfgs_first_step=first_step)
    return (laid_over(result.image) if result.evaluations > 1 else picture), result.evaluations
