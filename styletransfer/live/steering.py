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
from ..checks import whole_number
from ..errors import ClosedError, StyleTransferError
from ..estimate import check_fits
from ..extensions.parameterization import check_parameterization
from ..extensions.style_losses import check_style_loss
from ..features import layer_name
from ..images import ImageLike, deprocess, resize_image
from ..samples import as_image
from ..transfer import StyleTransfer, check_weight
from .session_record import save_session
from .settings import PROBLEM, WEIGHTS, at_most, check_changes
from .sketch import sketch

__all__ = ["Steerer"]

Listener = Callable[[str, "Steerer", object], None]


class Steerer:
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
    first_step : float or None
        RMS size in grey levels of L-BFGS's first step after each (re)start, so the first
        preview already shows the change (``lbfgs_first_step`` of
        :func:`~styletransfer.optimize.optimize`); ``None``: scipy's tiny default.
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
        problem_factory: Callable[..., StyleTransfer] | None = None, **problem_options,
    ) -> None:
        whole_number("evals_per_run", evals_per_run, 1)
        self.eager_previews = whole_number("eager_previews", eager_previews, 0)
        self.sketch_evals = whole_number("sketch_evals", sketch_evals, 0)
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

    # -- worker thread ----------------------------------------------------------------------
    def _emit(self, event: str, payload: object = None) -> None:
        if event == "status":
            self.status = str(payload)
        for listener in list(self._listeners):
            try:
                listener(event, self, payload)
            except Exception as exc:  # noqa: BLE001 - a broken view must not break the optimisation
                self.listener_errors.append(f"{event}: {type(exc).__name__}: {exc}")

    def _build(self, settings: dict, *, content=None, style=None) -> StyleTransfer:
        return self._factory(
            self.content_source if content is None else content, self.style_source if style is None else style,
            size=int(settings["size"]),
            content_layers=(settings["content_layer"],), style_loss=settings["style_loss"],
            parameterization=settings["parameterization"], **{k: settings[k] for k in WEIGHTS},
            **self._problem_options,
        )

    def _next_job(self) -> dict | None:
        """Wait for work; return the changes to apply (with "run": bool), or None to quit."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                wait = self._deadline - time.monotonic()
                if (self._pending or self._run_requested) and wait <= 0:
                    job, self._pending = self._pending, {}
                    job["run"], self._run_requested = self._run_requested, False
                    self._busy = True
                    self._cancel = threading.Event()
                    return job
                self._cond.wait(timeout=wait if (self._pending or self._run_requested) else None)

    def _loop(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                weights_only = self._apply(job)
                if job["run"]:
                    self._run(self._cancel, sketch=weights_only)
                else:
                    self._emit("status", "stopped" if self.last_result is not None else "ready")
            except Exception as exc:  # noqa: BLE001 - keep the worker alive and show the error
                self._emit("status", f"error: {exc}")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _apply(self, job: dict) -> bool:
        """Apply a job's changes; True when only weights changed (the same problem goes on)."""
        images = job.pop("images", None)
        if images:
            self._emit("status", "preparing the new pictures...")
            problem = self._build(self.settings, content=images.get("content"), style=images.get("style"))
            start = deprocess(problem.init_image(self.init))
            with self._cond:
                self.content_source = images.get("content", self.content_source)
                self.style_source = images.get("style", self.style_source)
                self.problem, self.start_image = problem, start
            self._sketch_key = None  # the sketch's problem has the old pictures
            job["reset"] = True
        reset = job.pop("reset", False)
        if reset:
            self.image, self.history, self.last_result = self.start_image.copy(), [], None
            self.elapsed = 0.0
            self.markers = [(0, dict(self.settings))]
            self._emit("image", self.image)
            self._emit("status", "reset to the starting image")
        changes = {k: v for k, v in job.items() if k != "run"}
        settings = {**self.settings, **changes}
        rebuild = any(settings[k] != self.settings[k] for k in PROBLEM)
        if rebuild:
            self._emit("status", f"building the {settings['size']} px problem...")
            problem = self._build(settings)  # on error the old problem and settings stay
            start = deprocess(problem.init_image(self.init))
            fresh = self.last_result is None and not self.history
            with self._cond:
                self.problem, self.start_image, self.settings = problem, start, settings
                self.image = start.copy() if fresh else resize_image(self.image, start.shape)
            self._emit("image", self.image)
        else:
            self.problem.set_weights(**{k: settings[k] for k in WEIGHTS})
            with self._cond:
                self.settings = settings
        if changes:
            if self.markers and self.markers[-1][0] == self.evaluations:
                self.markers.pop()
            self.markers.append((self.evaluations, dict(self.settings)))
        return bool(changes) and not rebuild and not reset

    def _sketch(self, cancel: threading.Event) -> None:
        """The quick half-size sketch after a weights change (:mod:`.sketch`): sets ``image``."""
        key = tuple(self.settings[k] for k in PROBLEM)
        if self._sketch_key != key:
            self._sketcher, self._sketch_key = None, key
            size = round(self.settings["size"] * C.LIVE_SKETCH_SCALE)
            try:
                self._sketcher = self._build({**self.settings, "size": size})
            except StyleTransferError:
                pass  # a picture too narrow to halve: no sketch for these settings, the run goes on
        if self._sketcher is None:
            return
        self._sketcher.set_weights(**{k: self.settings[k] for k in WEIGHTS})
        image, evaluations = sketch(self._sketcher, self.image, evals=self.sketch_evals, stop_event=cancel,
                                    first_step=self.first_step, show=lambda progress: self._emit("sketch", progress))
        self.sketch_evaluations += evaluations
        with self._cond:
            self.image = image

    def _run(self, cancel: threading.Event, *, sketch: bool = False) -> None:
        base, state = self.evaluations, {"last": -np.inf}
        self.runs += 1
        self._emit("status", "running")

        def on_progress(progress) -> None:
            if progress.evaluation <= len(self.history) - base:
                return  # the final repeat of the last evaluation
            self.history.append({**progress.losses, "evaluation": base + progress.evaluation})
            now = time.perf_counter()
            eager = progress.evaluation <= 1 + self.eager_previews
            if progress.evaluation >= 2 and (eager or now - state["last"] >= self.preview_interval):
                state["last"] = now
                self._emit("preview", progress)

        started = time.perf_counter()
        with self._cond:
            self._in_run = True
        try:
            if sketch and self.sketch_evals and self.settings["size"] >= C.LIVE_SKETCH_MIN_SIZE:
                self._sketch(cancel)
            result = self.problem.run(
                init=self.image, max_evals=self.evals_per_run, callback=on_progress, callback_every=1,
                progress=False, stop_event=cancel, lbfgs_first_step=self.first_step,
            )
        finally:
            with self._cond:
                self._in_run = False
        self.elapsed += time.perf_counter() - started
        del self.history[base:]
        self.history.extend({**h, "evaluation": base + h["evaluation"]} for h in result.history)
        with self._cond:
            self.image, self.last_result = result.image, result
        self._emit("done", result)
        self._emit("status", {"stopped": "stopped"}.get(result.stop_reason, f"idle ({result.stop_reason})"))


