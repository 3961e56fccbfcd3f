"""The temporal loss of Ruder, Dosovitskiy and Brox (2016), added to a style-transfer problem.

For frame ``t`` with the previous stylised frame warped onto it, ``w``, and the mask ``c`` of
pixels where the flow is trusted (:func:`~styletransfer.video.flow.consistency_mask`)::

    L_temporal(x) = sum_p c(p) |x(p) - w(p)|^2 / (3 * sum_p c(p))     # pixels scaled to 0..1

the mean squared deviation over the trusted pixels. :class:`TemporalProblem` adds
``weight * L_temporal`` to a problem's loss without touching it: it has the problem interface
that :func:`~styletransfer.optimize.optimize` uses (``loss_and_grad``, ``bounds``,
``init_image``, ``shape``, ...; everything else is the wrapped problem's), and reports the term as
``"temporal"`` in the history. The term and its gradient are a few array operations on the
pixels, outside the compiled network, so the problem's compiled loss is reused as it is.
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..checks import check_video_options
from ..images import preprocess

__all__ = ["temporal_loss", "temporal_loss_and_grad", "TemporalProblem"]


def temporal_loss_and_grad(x: np.ndarray, target: np.ndarray, mask: np.ndarray) -> tuple[float, np.ndarray]:
    """The temporal loss of image ``x`` against the warped previous frame ``target``, and its gradient.

    ``x`` and ``target`` are images of one shape in any pixel space scaled 0..255 (RGB ``uint8``,
    or preprocessed batches, whose differences are the same up to the channel order); ``mask`` is
    ``(H, W)`` with 1 where the flow is trusted. Returns ``(loss, gradient)``, the gradient
    float32 of ``x``'s shape; both 0 where the mask is empty.
    """
    x = np.asarray(x, dtype=np.float64)
    difference = (x - np.asarray(target, dtype=np.float64).reshape(x.shape)) / 255.0
    weights = np.asarray(mask, dtype=np.float64).reshape(x.shape[-3:-1])[..., None]
    count = 3.0 * float(weights.sum())
    if count == 0:
        return 0.0, np.zeros(x.shape, np.float32)
    loss = float(np.sum(weights * difference**2)) / count
    return loss, (2.0 / (255.0 * count) * weights * difference).astype(np.float32)


def temporal_loss(x: np.ndarray, target: np.ndarray, mask: np.ndarray) -> float:
    """Mean over trusted pixels of the squared difference (0..1 scale) between ``x`` and ``target``."""
    return temporal_loss_and_grad(x, target, mask)[0]


class TemporalProblem:
    """``problem`` plus ``weight * L_temporal`` against ``previous`` (the warped previous stylised frame).

    Parameters
    ----------
    problem : StyleTransfer
        The frame's problem (content: this frame).
    previous : numpy.ndarray
        RGB ``uint8`` image of the problem's shape: the previous stylised frame warped onto this one.
    mask : numpy.ndarray
        ``(H, W)``, 1 where the flow is trusted.
    weight : float
        Weight of the temporal term (:data:`~styletransfer.constants.VIDEO_TEMPORAL_WEIGHT`).
    """

    def __init__(self, problem, previous: np.ndarray, mask: np.ndarray,
                 weight: float = C.VIDEO_TEMPORAL_WEIGHT) -> None:
        self.problem = problem
        self.weight = check_video_options(temporal_weight=weight)["temporal_weight"]
        self.target = preprocess(np.asarray(previous, dtype=np.uint8))
        self.mask = np.asarray(mask, dtype=np.float32)
        if self.target.shape != tuple(problem.shape) or self.mask.shape != tuple(problem.shape[1:3]):
            raise ValueError(f"previous frame {np.shape(previous)} and mask {self.mask.shape} do not fit the "
                             f"problem's shape {tuple(problem.shape)}")

    def __getattr__(self, name):
        if name == "problem":  # not set yet (during unpickling, for example)
            raise AttributeError(name)
        return getattr(self.problem, name)

    def loss_and_grad(self, x):
        """The problem's total, terms and gradient, with ``weight * temporal`` added (term ``"temporal"``)."""
        total, terms, grad = self.problem.loss_and_grad(x)
        loss, gradient = temporal_loss_and_grad(np.asarray(x), self.target, self.mask)
        terms = {**terms, "temporal": loss}
        return float(total) + self.weight * loss, terms, np.asarray(grad) + self.weight * gradient
