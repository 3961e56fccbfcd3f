"""The two optimisers' loops on a loss-and-gradient function: scipy's L-BFGS-B (the paper) and Adam.

:func:`styletransfer.optimize.optimize` drives them through its tracker (which counts, keeps the
best image and raises to stop); the out-of-range penalty of ``bounds="penalty"`` is here too.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable

import numpy as np

from . import constants as C

__all__ = ["adam_steps", "range_penalty", "run_lbfgs"]


def adam_steps(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    *,
    learning_rate: float,
    beta_1: float = 0.9,
    beta_2: float = 0.999,
    epsilon: float = 1e-7,
    after_step: Callable[[], object] | None = None,
) -> None:
    """Run Adam on ``fun`` (which returns loss and gradient) until it raises; clip to ``bounds``.

    ``after_step``, if given, is called after every step (the sliced style loss draws new
    directions there, so each evaluation but the first sees fresh ones).
    """
    x = np.array(x0, dtype=np.float32, copy=True)
    m, v = np.zeros_like(x), np.zeros_like(x)
    low, high = bounds
    t = 0
    while True:
        _, grad = fun(x)
        grad = np.asarray(grad, dtype=np.float32).reshape(x.shape)
        t += 1
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad * grad
        m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
        x = np.clip(x - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), low, high)
        if after_step is not None:
            after_step()


def range_penalty(x, low, high, weight: float) -> tuple[float, np.ndarray]:
    """``weight * mean(excess^2)`` and its gradient, ``excess``: how far ``x`` lies outside ``[low, high]``.

    The out-of-range penalty of ``bounds="penalty"`` (and of the parameterisations, on their
    decoded pixels); the optimisers choose ``weight = RANGE_PENALTY_WEIGHT * f0 / 255^2``.
    """
    x = np.asarray(x, dtype=np.float64)
    low, high = np.asarray(low, np.float64).reshape(x.shape), np.asarray(high, np.float64).reshape(x.shape)
    excess = np.maximum(x - high, 0.0) - np.maximum(low - x, 0.0)
    return weight * float(np.vdot(excess, excess)) / x.size, (2.0 * weight / x.size) * excess


def _single_threaded_blas():
    """Limit BLAS to one thread while scipy's L-BFGS-B runs.

    Its vector operations on ``3 * H * W`` pixels gain nothing from threads, and on busy cores
    OpenBLAS's threads fight TensorFlow's (scipy issues 22438, 23191). Measured on 2 cores at
    128 px: with other work running, 80-110 ms of L-BFGS bookkeeping per evaluation with the
    default threads and 2-3 ms with one; on a quiet machine 1.9 ms either way (and at 512 px,
    27 ms either way). A no-op without ``threadpoolctl``.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency; stay usable without it
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def run_lbfgs(tracker, x0: np.ndarray, pixel_range, *, bounds: str, memory: int,
               first_step: float | None) -> str:
    """scipy's L-BFGS-B on ``tracker`` from ``x0``; returns scipy's message (the tracker raises to end it early).

    scipy works in float64, the network in float32: one cast each way. ``bounds="penalty"`` adds
    the out-of-range penalty here, to what L-BFGS sees, not to the reported losses; ``first_step``
    rescales the variable so the first step has that RMS size in grey levels. When scipy stops
    with evaluations left, up to ``LBFGS_RESTARTS`` fresh starts from the best image follow.
    """
    low, high = pixel_range
    low64, high64 = low.ravel().astype(np.float64), high.ravel().astype(np.float64)
    scale = 1.0 if first_step is None else float(first_step) * math.sqrt(x0.size)
    penalty: list[float] = []  # its weight, fixed at the first evaluation

    def pixels_fun(x):
        total, grad = tracker(x.astype(np.float32))
        grad = grad.astype(np.float64).ravel()
        if bounds == "penalty":
            if not penalty:  # relative to the starting loss, so alpha/beta do not change its effect
                penalty.append(C.RANGE_PENALTY_WEIGHT * max(abs(total), 1e-12) / 255.0**2)
            value, gradient = range_penalty(x, low64, high64, penalty[0])
            total += value
            grad += gradient
        return total, grad

    def scaled_fun(y):
        total, grad = pixels_fun(y * scale)
        return total, grad * scale

    start, restarts = x0, 0
    with _single_threaded_blas():
        import scipy.optimize  # here, not at the top: the command line's checks need no scipy

        while True:
            left = tracker.max_evals - tracker.count
            out = scipy.optimize.minimize(
                pixels_fun if scale == 1.0 else scaled_fun, start.astype(np.float64).ravel() / scale, jac=True,
                method="L-BFGS-B",
                bounds=scipy.optimize.Bounds(low64 / scale, high64 / scale) if bounds == "hard" else None,
                options={"maxfun": left + 1, "maxiter": left + 1, "maxcor": memory, "ftol": 1e-15, "gtol": 1e-15},
            )
            # scipy gave up with evaluations left (its line search failed): with noisy gradients
            # (bfloat16, float16) its curvature pairs go stale; a fresh start from the best image so
            # far, with an empty memory, goes on descending. A few at most: a true minimum ends each fast.
            if tracker.count >= tracker.max_evals or restarts >= C.LBFGS_RESTARTS or tracker.best_x is None:
                break
            start, restarts = tracker.best_x, restarts + 1
    return str(out.message) + (f" (after {restarts} restart{'s' * (restarts > 1)} from the best image)"
                               if restarts else "")
