"""Steer a running style transfer: change alpha, beta, TV, size or layer and keep going.

:class:`Steerer` is the UI-free half of the live sliders (:mod:`styletransfer.live.widgets` is the
other). It owns one worker thread, which is the only place the optimisation runs, so there are
never two optimisations at once. A change of weights stops the running optimisation cleanly
(through its ``stop_event``), waits a short debounce time for further changes, then *continues from
the current image* with the new weights: ``StyleTransfer.set_weights`` changes ``tf.Variable`` s,
so nothing is recompiled. A change of image size or content layer needs a new
:class:`~styletransfer.transfer.StyleTransfer`; the current image is resized to warm-start it.

Listeners registered with :meth:`Steerer.subscribe` are called *from the worker thread* with
``(event, steerer, payload)``: ``"preview"`` (a :class:`~styletransfer.optimize.Progress`),
``"status"`` (a short text), ``"image"`` (the current image changed outside a run: Reset or a
new size), ``"sketch"`` (a :class:`~styletransfer.optimize.Progress` of the quick half-size sketch
after a weights change, its image the picture with the sketch's change laid over it) and ``"done"``
(a :class:`~styletransfer.optimize.Result`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .. import constants as C
from ..checks import check_precision, whole_number
from ..errors import ClosedError
from ..estimate import check_fits
from ..extensions.parameterization import check_parameterization
from ..extensions.style_losses import check_style_loss
from ..features import layer_name
from ..images import ImageLike, deprocess
from ..samples import as_image
from ..transfer import StyleTransfer, check_weight
from .session_record import save_session
from .settings import WEIGHTS, at_most, check_changes
from .worker import SteeringWorker

__all__ = ["Steerer"]

Listener = Callable[[str, "Steerer", object], None]


class Steerer(SteeringWorker):
    """Run a style transfer in a background thread and steer it while it runs.

    Parameters
    ----------
    content, style : ImageLike or sample name
        The two images (kept at ``max_size`` so that the size can change later).
    size : int
        Long side of the image being optimised.
    content_layer : str
        Keras or paper name of the content layer (default conv4_2, the paper's).
    content_weight, style_weight, tv_weight : float
        Starting alpha, beta and TV weight.
    style_loss, parameterization : str
        As :class:`~styletransfer.transfer.StyleTransfer`; changing one rebuilds the problem and
        continues from the current image.
    weights : str or WeightsSpec
        VGG19 weights, as for :class:`~styletransfer.transfer.StyleTransfer`.
    init : {"content", "noise", "style"}
        Starting image (and the image Reset goes back to).
    evals_per_run : int
        Evaluations of one run, started by Run or by a change.
    preview_interval : float
        Minimum seconds between previews, after the first ``eager_previews`` evaluations of a run.
    eager_previews : int
        Evaluations 2 to ``1 + eager_previews`` of each run are all previewed at once (evaluation 1
        is the starting image itself): the first steps after a change are what a visitor waits for.
    debounce : float
        Seconds to wait after a change for further changes before restarting.
    max_size : int
        Largest size offered; the source images are kept at this size.
    run_on_change : bool
        Restart automatically after a change (the live mode); else only Run starts a run.
    sketch_evals : int
        After a change of weights only, first run this many evaluations of the same problem at
        half the size (``LIVE_SKETCH_SCALE``; about a quarter of the cost each), previewed as
        ``"sketch"`` events with their change laid over the picture, then continue at full size
        from there. 0: no sketch. Only for sizes of at least ``LIVE_SKETCH_MIN_SIZE``.
    sketch_max_evals : int
        If the sketch's change is not yet visible (``LIVE_VISIBLE_CHANGE``) after ``sketch_evals``,
        it goes on until it is, up to this many evaluations.
    first_step : float or None
        RMS size in grey levels of L-BFGS's first step after each (re)start, so the first
        preview already shows the change (``lbfgs_first_step`` of
        :func:`~styletransfer.optimize.optimize`); ``None``: scipy's tiny default.
    precision : {"float32", "bfloat16", "float16", "auto"}
        Type the network runs in (:mod:`styletransfer.precision`), kept across rebuilds.
    problem_factory : callable, optional
        Builds the problem from ``(content, style, **options)``; default :class:`StyleTransfer`.
    """

    def __init__(
        self, content: ImageLike, style: ImageLike, *, size: int = C.LIVE_SIZE,
        content_layer: str = C.DEFAULT_CONTENT_LAYERS[0], content_weight: float = C.DEFAULT_CONTENT_WEIGHT,
        style_weight: float = C.DEFAULT_STYLE_WEIGHT, tv_weight: float = C.DEFAULT_TV_WEIGHT,
        weights=C.DEFAULT_WEIGHTS, style_loss: str = C.DEFAULT_STYLE_LOSS,
        parameterization: str = C.DEFAULT_PARAMETERIZATION, init: str = C.DEFAULT_INIT,
        evals_per_run: int = C.LIVE_EVALS_PER_RUN,
        preview_interval: float = C.LIVE_PREVIEW_INTERVAL, eager_previews: int = C.LIVE_EAGER_PREVIEWS,
        debounce: float = C.LIVE_DEBOUNCE,
        max_size: int = C.LIVE_MAX_SIZE, run_on_change: bool = True,
        first_step: float | None = C.LIVE_FIRST_STEP, sketch_evals: int = C.LIVE_SKETCH_EVALS,
        sketch_max_evals: int = C.LIVE_SKETCH_MAX_EVALS,
        precision: str = C.DEFAULT_PRECISION,
        problem_factory: Callable[..., StyleTransfer] | None = None, **problem_options,
    ) -> None:
        whole_number("evals_per_run", evals_per_run, 1)
        self.eager_previews = whole_number("eager_previews", eager_previews, 0)
        self.sketch_evals = whole_number("sketch_evals", sketch_evals, 0)
        self.sketch_max_evals = whole_number("sketch_max_evals", sketch_max_evals, 0)
        self.sketch_evaluations = 0  # evaluations spent on sketches (not in the history: another size)
        self._sketcher, self._sketch_key = None, None
        self.max_size = max(max_size, size)
        check_fits(content, style, size=self.max_size, content_layers=[content_layer],
                   style_layers=problem_options.get("style_layers"))  # the largest size the sliders offer
        # Kept at most ``max_size`` (never enlarged here: StyleTransfer checks how much a size enlarges).
        self.content_source = at_most(as_image(content), max(max_size, size))
        self.style_source = at_most(as_image(style), max(max_size, size))
        self.init, self.evals_per_run, self.run_on_change = init, evals_per_run, run_on_change
        self.preview_interval, self.debounce = float(preview_interval), float(debounce)
        self.first_step = first_step
        self._factory = problem_factory or StyleTransfer
        self._problem_options = dict(problem_options, weights=weights)
        if precision != C.DEFAULT_PRECISION:  # the default stays out, so custom factories need not know it
            self._problem_options["precision"] = check_precision(precision)
        self.settings = {"size": int(size), "content_layer": layer_name(content_layer),
                         "style_loss": check_style_loss(style_loss),
                         "parameterization": check_parameterization(parameterization),
                         **{k: check_weight(k, v) for k, v in zip(WEIGHTS, (content_weight, style_weight, tv_weight))}}
        self.problem = self._build(self.settings)
        self.start_image = deprocess(self.problem.init_image(init))
        self.image = self.start_image.copy()
        self.history: list[dict[str, float]] = []
        self.markers: list[tuple[int, dict]] = [(0, dict(self.settings))]
        self.last_result = None
        self.status = "ready"
        self.runs = 0
        self.elapsed = 0.0
        self._listeners: list[Listener] = []
        self.listener_errors: list[str] = []
        self._cond = threading.Condition()
        self._cancel = threading.Event()
        self._pending: dict[str, object] = {}
        self._run_requested = False
        self._deadline = 0.0
        self._busy = self._in_run = False
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="styletransfer-steerer", daemon=True)
        self._thread.start()

    # -- public API (any thread) ------------------------------------------------------------
    @property
    def weights(self) -> dict[str, float]:
        """The current alpha, beta and TV weight."""
        return {k: float(self.settings[k]) for k in WEIGHTS}

    @property
    def weights_label(self) -> str:
        return self.problem.spec.label

    @property
    def is_random_weights(self) -> bool:
        return self.problem.spec.is_random

    @property
    def evaluations(self) -> int:
        return len(self.history)

    @property
    def running(self) -> bool:
        """True while a run is under way or about to start."""
        with self._cond:
            return self._busy or self._run_requested

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event, steerer, payload)`` (from the worker thread) on every event."""
        self._listeners.append(listener)

    def update(self, **changes) -> None:
        """Change any of alpha, beta, TV (``content_weight``...), ``size`` or ``content_layer``.

        Stops the running optimisation; with ``run_on_change`` it continues from the current
        image after ``debounce`` seconds without further changes.
        """
        self._check_open("update()")
        changes = check_changes(changes, self._sources())
        with self._cond:
            self._pending.update(changes)
            self._cancel.set()
            if self.run_on_change:
                self._run_requested = True
            self._deadline = time.monotonic() + self.debounce
            self._cond.notify_all()

    def set_images(self, *, content: ImageLike | None = None, style: ImageLike | None = None) -> None:
        """Replace the photo and/or the painting; the picture starts again from the new photo.

        The images are loaded and checked here, in the caller's thread, so a bad file raises its
        one-line :class:`~styletransfer.errors.ImageError` at once and nothing changes.
        """
        images = {key: as_image(value, size=self.max_size)
                  for key, value in (("content", content), ("style", style)) if value is not None}
        with self._cond:
            self._pending["images"] = {**self._pending.get("images", {}), **images}
            self._run_requested = False
            self._cancel.set()
            self._deadline = time.monotonic()
            self._cond.notify_all()

    def start(self) -> None:
        """Run ``evals_per_run`` evaluations from the current image (the Run button; no-op while running)."""
        self._check_open("start()")
        with self._cond:
            if self._in_run and not self._cancel.is_set():
                return
            self._run_requested = True
            self._deadline = time.monotonic()
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop the running optimisation and cancel any restart waiting (the Stop button)."""
        with self._cond:
            self._run_requested = False
            self._cancel.set()
            self._cond.notify_all()

    def reset(self) -> None:
        """Stop, then go back to the starting image and forget the loss history (the Reset button)."""
        self._check_open("reset()")
        with self._cond:
            self._run_requested = False
            self._pending["reset"] = True
            self._cancel.set()
            self._deadline = time.monotonic()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing runs or waits to run (or the steerer is closed); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._busy and (self._closed or not (self._run_requested or self._pending)), timeout)

    @property
    def closed(self) -> bool:
        """True after :meth:`close`: the steerer can no longer run."""
        return self._closed

    def _check_open(self, action: str) -> None:
        if self._closed:
            raise ClosedError(f"{action} on a closed Steerer; it cannot run any more: create a new one "
                              "(Steerer(...) or explore(...))")

    def _sources(self) -> dict:
        return {"content image": self.content_source, "style image": self.style_source}

    def close(self, timeout: float = 30.0) -> None:
        """Stop the worker thread; afterwards ``update``, ``start`` and ``reset`` raise :class:`ClosedError`.

        :meth:`wait_idle` returns at once after ``close``, whatever was waiting to run.
        """
        with self._cond:
            self._closed = True
            self._cancel.set()
            self._cond.notify_all()
        self._thread.join(timeout)

    def snapshot(self) -> tuple[np.ndarray, dict[str, object]]:
        """The current image and settings, consistent with each other."""
        with self._cond:
            return self.image.copy(), dict(self.settings)

    def save(self, path: str | os.PathLike) -> tuple[Path, Path]:
        """Write the current image as PNG and its run record (``.json`` beside it), each atomically.

        The record covers the whole session: every evaluation since the start (or the last
        Reset), the weights in force from each evaluation on (``steering.changes``) and the
        weights kind, so a random-weight picture is never mistaken for the real result.
        """
        with self._cond:
            image, settings, problem = self.image.copy(), dict(self.settings), self.problem
            history, markers, last = list(self.history), list(self.markers), self.last_result
        return save_session(path, image=image, settings=settings, problem=problem, history=history,
                            markers=markers, last_result=last, elapsed=self.elapsed, init=self.init,
                            evals_per_run=self.evals_per_run, runs=self.runs,
                            sketch_evaluations=self.sketch_evaluations)
