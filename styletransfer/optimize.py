"""The optimisation loop: L-BFGS (the paper) or Adam on the pixels of the image.

The loops themselves are in :mod:`~styletransfer.solvers` (``adam_steps`` and ``range_penalty``
are re-exported here); this module checks the options, tracks the run and builds the result.

Both optimisers count *evaluations* of loss and gradient, the unit of cost (one VGG forward and
backward pass). A run always returns the best image seen so far: at the end, on Ctrl-C, on a stop
request (a callback returning ``True`` or a ``threading.Event``) and on a NaN/inf loss.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import constants as C
from .checks import choice, display_name, finite_number, seed_number, whole_number
from .errors import ParameterError
from .images import deprocess
from .solvers import adam_steps, range_penalty, run_lbfgs
from .weights import is_random_label

__all__ = ["Progress", "Result", "optimize", "adam_steps", "check_run_options", "range_penalty"]


@dataclass
class Progress:
    """What a callback receives every ``callback_every`` evaluations."""

    evaluation: int
    losses: dict[str, float]
    image: np.ndarray
    elapsed: float
    weights_label: str
    weights_kind: str | None = None

    @property
    def is_random_weights(self) -> bool:
        """Whether a random-weight network made this image (read from the label if ``weights_kind`` is not set)."""
        return self.weights_kind == "random" if self.weights_kind is not None else is_random_label(self.weights_label)


@dataclass
class Result:
    """Outcome of a run.

    Attributes
    ----------
    image : numpy.ndarray
        Best image found, RGB ``uint8``.
    history : list of dict
        One entry per evaluation: ``evaluation``, ``total``, ``content``, ``style``, ``tv``.
    stop_reason : str
        ``"max_evals"``, ``"converged"``, ``"interrupted"``, ``"stopped"`` or ``"nonfinite"``
        (``"running"`` for a checkpoint taken during the run).
    timings : dict
        ``first_evaluation`` (seconds, includes compiling the loss) and
        ``median_evaluation_after_first`` (seconds; ``None`` with fewer than two evaluations).
    precision : dict or None
        The network's type: ``requested``, ``resolved`` (what ran), ``reason`` and ``accumulation``
        (see :mod:`styletransfer.precision`); ``None`` for a problem that does not say.
    """

    image: np.ndarray
    history: list[dict[str, float]]
    best_loss: float
    evaluations: int
    elapsed: float
    stop_reason: str
    message: str
    optimizer: str
    weights_kind: str
    weights_label: str
    best_batch: np.ndarray = field(repr=False, default=None)
    timings: dict = field(default_factory=dict)
    precision: dict | None = None

    @property
    def seconds_per_evaluation(self) -> float:
        return self.elapsed / max(self.evaluations, 1)

    @property
    def is_random_weights(self) -> bool:
        return self.weights_kind == "random"


class _Stop(Exception):
    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


class _Tracker:
    """The one evaluation counter: counts and times evaluations, keeps the history and the best
    image, and drives the progress bar, the callback and the checkpoints."""

    def __init__(self, problem, max_evals, *, callback, callback_every, progress, stop_event,
                 optimizer, checkpoint, checkpoint_every):
        from tqdm.auto import tqdm

        self.problem, self.max_evals, self.optimizer = problem, max_evals, optimizer
        self.callback, self.every, self.stop_event = callback, max(1, int(callback_every)), stop_event
        self.checkpoint, self.checkpoint_every = checkpoint, int(checkpoint_every)
        self.count, self.best_loss, self.best_x, self.best_record, self.history = 0, math.inf, None, None, []
        self.durations: list[float] = []
        self.start = time.perf_counter()
        self.bar = tqdm(total=max_evals, desc="style transfer", unit="eval", disable=not progress, leave=False)

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and gradient (a float32 array) at ``x``; raises :class:`_Stop` to end the run."""
        if self.stop_event is not None and self.stop_event.is_set():
            raise _Stop("stopped", "stopped on request")
        if self.count >= self.max_evals:
            raise _Stop("max_evals", f"reached {self.max_evals} evaluations")
        began = time.perf_counter()
        total, terms, grad = self.problem.loss_and_grad(x.reshape(self.problem.shape))
        total, grad = float(total), np.asarray(grad)
        self.durations.append(time.perf_counter() - began)
        self.count += 1
        record = {"evaluation": self.count, "total": total, **{k: float(v) for k, v in terms.items()}}
        self.history.append(record)
        if not (math.isfinite(total) and np.isfinite(grad).all()):
            what = f"loss became {total}" if not math.isfinite(total) else "the gradient became NaN or infinite"
            raise _Stop(
                "nonfinite",
                f"{what} at evaluation {self.count}; returning the best image so far "
                "(lower the weights or the learning rate)",
            )
        if total < self.best_loss:
            self.best_loss, self.best_record = total, record
            self.best_x = np.array(x, dtype=np.float32, copy=True).reshape(self.problem.shape)
        self.bar.update(1)
        if self.count % 10 == 0:
            self.bar.set_postfix(loss=f"{total:.4g}")
        if self.callback is not None and self.count % self.every == 0:
            self.notify(self.pixels(x), record)
        if self.checkpoint is not None and self.checkpoint_every and self.count % self.checkpoint_every == 0:
            self.checkpoint(self.result("running", f"checkpoint after {self.count} evaluations; the run was still going"))
        return total, grad

    def timings(self) -> dict[str, float | None]:
        rest = self.durations[1:]
        return {"first_evaluation": self.durations[0] if self.durations else None,
                "median_evaluation_after_first": statistics.median(rest) if rest else None}

    def result(self, reason: str, message: str, *, fallback: np.ndarray | None = None) -> Result:
        """The best image so far (clipped to the pixel range) as a :class:`Result`."""
        best = self.best_x if self.best_x is not None else fallback
        low, high = getattr(self.problem, "pixel_bounds", None) or self.problem.bounds()
        best = np.clip(self.pixels(np.asarray(best, dtype=np.float32)), low, high)
        spec, precision = self.problem.spec, getattr(self.problem, "precision", None)
        return Result(
            image=deprocess(best), history=list(self.history), best_loss=self.best_loss,
            evaluations=self.count, elapsed=time.perf_counter() - self.start, stop_reason=reason,
            message=message, optimizer=self.optimizer, weights_kind=spec.kind, weights_label=spec.label,
            best_batch=best, timings=self.timings(),
            precision=precision.as_dict() if hasattr(precision, "as_dict") else None,
        )

    def pixels(self, x) -> np.ndarray:
        """The preprocessed image batch of optimisation variables ``x`` (decoded if parameterised)."""
        decode = getattr(self.problem, "decode", None)
        return decode(x) if decode is not None else np.asarray(x).reshape(self.problem.shape)

    def notify(self, pixels, record) -> None:
        """Call the callback with the preprocessed image batch ``pixels``."""
        progress = Progress(
            self.count, dict(record), deprocess(pixels),
            time.perf_counter() - self.start, self.problem.spec.label, self.problem.spec.kind,
        )
        if self.callback(progress) is True:
            raise _Stop("stopped", "stopped by the callback")


def check_run_options(
    *, max_evals=C.DEFAULT_MAX_EVALS, optimizer=C.DEFAULT_OPTIMIZER, bounds=C.DEFAULT_BOUNDS,
    learning_rate=C.DEFAULT_LEARNING_RATE, adam_options=None, callback_every=C.DEFAULT_CALLBACK_EVERY,
    lbfgs_memory=C.DEFAULT_LBFGS_MEMORY, seed=None, checkpoint_every=0, lbfgs_first_step=None,
    names: dict[str, str] | None = None,
) -> None:
    """Raise a one-line :class:`ParameterError` for any :func:`optimize` option out of range.

    The one owner of these checks; ``names`` maps a parameter to the caller's name for it (the
    command line passes its flags).
    """
    def name(key: str) -> str:
        return display_name(key, names)

    whole_number(name("max_evals"), max_evals, 1)
    whole_number(name("callback_every"), callback_every, 1)
    whole_number(name("lbfgs_memory"), lbfgs_memory, 1)
    whole_number(name("checkpoint_every"), checkpoint_every, 0)
    if seed is not None:
        seed_number(name("seed"), seed)
    choice(name("bounds"), bounds, C.BOUNDS_MODES, note=" (bounds mode)")
    choice(name("optimizer"), optimizer, C.OPTIMIZERS, note=" ('lbfgs' is the paper's)")
    finite_number(name("learning_rate"), learning_rate, positive=True)
    if lbfgs_first_step is not None:
        finite_number(name("lbfgs_first_step"), lbfgs_first_step, positive=True)
    options = dict(adam_options or {})
    unknown = set(options) - {"beta_1", "beta_2", "epsilon"}
    if unknown:
        raise ParameterError(f"unknown adam_options {sorted(unknown)}; use beta_1, beta_2 and epsilon")
    for key in ("beta_1", "beta_2"):
        if key in options and not finite_number(key, options[key]) < 1:
            raise ParameterError(f"{key} must be in [0, 1), got {options[key]!r}")
    if "epsilon" in options:
        finite_number("epsilon", options["epsilon"], positive=True)


def optimize(
    problem,
    *,
    init=C.DEFAULT_INIT,
    max_evals: int = C.DEFAULT_MAX_EVALS,
    optimizer: str = C.DEFAULT_OPTIMIZER,
    learning_rate: float = C.DEFAULT_LEARNING_RATE,
    adam_options: dict | None = None,
    callback: Callable[[Progress], bool | None] | None = None,
    callback_every: int = C.DEFAULT_CALLBACK_EVERY,
    progress: bool = True,
    stop_event: threading.Event | None = None,
    seed: int | None = None,
    lbfgs_memory: int = C.DEFAULT_LBFGS_MEMORY,
    bounds: str = C.DEFAULT_BOUNDS,
    lbfgs_first_step: float | None = None,
    checkpoint: Callable[[Result], None] | None = None,
    checkpoint_every: int = 0,
) -> Result:
    """Minimise ``problem``'s loss over the image pixels.

    Parameters
    ----------
    problem : StyleTransfer
        Anything with ``loss_and_grad``, ``bounds``, ``init_image``, ``shape`` and ``spec``.
    init : {"content", "noise", "style"} or ImageLike
        Starting image: the content image (default: fastest to a good picture), seeded noise
        (the paper), the style image, or a given image (for example a previous result, to
        continue from it with new weights).
    max_evals : int
        Maximum number of loss-and-gradient evaluations (> 0).
    optimizer : {"lbfgs", "adam"}
        scipy's L-BFGS-B with pixel bounds (the paper), or Adam with clipping.
    learning_rate : float
        Adam's step size in pixel units (0-255).
    adam_options : dict, optional
        ``beta_1``, ``beta_2`` and ``epsilon`` for Adam.
    callback : callable, optional
        Called with a :class:`Progress` every ``callback_every`` evaluations and once at the end
        (with the best image and that image's losses; ``losses["evaluation"]`` says which
        evaluation it was); returning ``True`` stops the run.
    progress : bool
        Show a ``tqdm`` progress bar.
    stop_event : threading.Event, optional
        Setting it stops the run at the next evaluation.
    seed : int, optional
        Seed of the noise initialisation (default: the problem's seed).
    lbfgs_memory : int
        Number of past steps L-BFGS remembers.
    bounds : {"clip", "hard", "penalty"}
        How L-BFGS keeps pixels in ``[0, 255]``. ``"clip"`` optimises without bounds
        and clips the result, as jcjohnson/neural-style does (clipping then costs some loss).
        ``"hard"`` gives L-BFGS-B the bounds: exact, but from the content image it can waste
        its first few dozen evaluations while many pixels sit on a bound. ``"penalty"`` adds
        ``RANGE_PENALTY_WEIGHT * f0 * mean((excess / 255)^2)`` for pixels outside the range
        (``f0``: the loss at the starting image) to what L-BFGS minimises, not to the reported
        losses, and clips the result: as fast as ``"clip"`` early, as good as ``"hard"`` later
        (the default, ``constants.DEFAULT_BOUNDS``).
        Adam always clips after each step. With ``problem.parameterization`` other than
        ``"pixels"`` the penalty acts on the decoded pixels for both optimisers (see
        :mod:`styletransfer.extensions.parameterization`) and this option does not apply.
    lbfgs_first_step : float, optional
        Root-mean-square size, in grey levels per pixel, of L-BFGS's first step. ``None``
        (default) keeps scipy's first step, of total length 1: a tiny fraction of a grey level
        per pixel, so a restart spends its first few evaluations on invisible changes while the
        line search grows the step. A value such as 2.0 makes the first step visible at once
        (used by the live sliders, which restart after every change). Implemented by scaling
        the variable L-BFGS sees; from its second step on, L-BFGS does not depend on that scale.
    checkpoint : callable, optional
        Called with the best image so far as a :class:`Result` (``stop_reason`` ``"running"``)
        every ``checkpoint_every`` evaluations, for example to save it (the CLI does).
    checkpoint_every : int
        Evaluations between checkpoints; 0 (default) takes none.

    Returns
    -------
    Result
        Best image, loss history and why the run stopped.
    """
    check_run_options(
        max_evals=max_evals, optimizer=optimizer, bounds=bounds, learning_rate=learning_rate,
        adam_options=adam_options, callback_every=callback_every, lbfgs_memory=lbfgs_memory, seed=seed,
        checkpoint_every=checkpoint_every, lbfgs_first_step=lbfgs_first_step,
    )
    from .extensions.parameterization import parameterize

    problem = parameterize(problem)  # the problem itself unless it optimises a pyramid or spectrum
    x0 = problem.init_image(init, seed=seed).astype(np.float32)
    tracker = _Tracker(problem, int(max_evals), callback=callback, callback_every=callback_every,
                       progress=progress, stop_event=stop_event, optimizer=optimizer,
                       checkpoint=checkpoint, checkpoint_every=checkpoint_every)
    reason, message = "converged", "converged"
    try:
        if optimizer == "lbfgs":
            message = run_lbfgs(tracker, x0, problem.bounds(), bounds=bounds, memory=lbfgs_memory,
                                 first_step=lbfgs_first_step)
            reason = "max_evals" if tracker.count >= max_evals else "converged"
        else:
            adam_steps(tracker, x0, problem.bounds(), learning_rate=learning_rate, **(adam_options or {}),
                       after_step=getattr(problem, "renew_projections", None))
    except _Stop as stop:
        reason, message = stop.reason, stop.message or stop.reason
    except KeyboardInterrupt:
        reason, message = "interrupted", f"interrupted after {tracker.count} evaluations"
    finally:
        tracker.bar.close()
    if reason == "nonfinite":
        warnings.warn(message, RuntimeWarning, stacklevel=2)
    result = tracker.result(reason, message, fallback=x0)
    best_record = tracker.best_record or (tracker.history[-1] if tracker.history else None)
    if callback is not None and best_record is not None:
        try:
            tracker.notify(result.best_batch, best_record)
        except _Stop:
            pass
    return result
