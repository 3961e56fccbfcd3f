"""The worker thread of a :class:`~styletransfer.live.steering.Steerer`: the one place its optimisation runs.

:class:`SteeringWorker` is a mixin that :class:`~styletransfer.live.steering.Steerer` inherits; it
holds no state of its own. The Steerer's public methods (``update``, ``start``, ``stop``,
``reset``, ``set_images``) only record what is wanted, under ``_cond``; this thread picks the work
up after the debounce time (:meth:`_next_job`), applies it (:meth:`_apply`: new pictures, a reset,
new weights, or a new problem when the size or a layer changed), and runs the optimisation from the
current image (:meth:`_run`, after a quick half-size sketch when only weights changed), telling the
listeners what happens through :meth:`_emit`.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .. import constants as C
from ..errors import StyleTransferError
from ..images import deprocess, resize_image
from ..transfer import StyleTransfer
from .settings import PROBLEM, WEIGHTS
from .sketch import sketch

__all__ = ["SteeringWorker"]


class SteeringWorker:
    """The worker-thread half of :class:`~styletransfer.live.steering.Steerer` (see the module docstring)."""

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
        image, evaluations = sketch(self._sketcher, self.image, evals=self.sketch_evals,
                                    max_evals=self.sketch_max_evals, stop_event=cancel,
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
