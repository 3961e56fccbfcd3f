"""What the page of an :class:`~styletransfer.live.widgets.Explorer` shows: previews, plot, status, buttons, readouts.

:class:`ExplorerView` is a mixin that :class:`~styletransfer.live.widgets.Explorer` inherits; it
holds no state of its own. The Explorer builds the widgets and turns the visitor's clicks and
slider moves into calls on its :class:`~styletransfer.live.steering.Steerer` (in the kernel
thread); this half puts the results on the page: the steerer's events from its worker thread
(:meth:`_on_event`: previews, sketches, the finished picture, statuses) become the preview, the loss
plot, the Download links, the status line, the "press Run" hint and the Run/Stop buttons' states,
and the weights asked for become the sliders' positions and plain readouts (:meth:`_update_readouts`).
"""

from __future__ import annotations

import math
import time

from .. import constants as C
from ..notebook.plotting import loss_plot_png, plain_number
from ..samples import as_image
from ..strength import strength_of
from .preview import png_bytes
from .sketch import mean_change
from .steering import Steerer
from .visitor import download_links
from .widget_parts import plain_status

__all__ = ["ExplorerView"]


class ExplorerView:
    """The page-updating half of :class:`~styletransfer.live.widgets.Explorer` (see the module docstring)."""

    # -- the pictures and weights asked for (kernel thread) --------------------------------------
    def _show_sources(self) -> None:
        thumb = {"size": self._thumbnail_size}
        self.content_view.value = png_bytes(as_image(self.steerer.content_source, **thumb, max_upscale=None))
        self.style_view.value = png_bytes(as_image(self.steerer.style_source, **thumb, max_upscale=None))

    def _sync_weights(self) -> None:
        """Show the steerer's alpha/beta on all sliders without sending them back as changes.

        A slider is only moved when it is off by more than rounding: resending a value the page
        already shows would pull back a handle the visitor is still moving with the keyboard.
        """
        settings = self._target
        targets = ((self.alpha, settings["content_weight"]), (self.beta, settings["style_weight"]),
                   (self.strength, round(strength_of(settings["content_weight"], settings["style_weight"]) * 20) / 20))
        self._syncing = True
        try:
            for slider, value in targets:
                if not math.isclose(slider.value, value, rel_tol=0.02, abs_tol=0.026):
                    slider.value = value
        finally:
            self._syncing = False

    def _update_readouts(self) -> None:
        if not self._syncing:
            self._sync_weights()
        alpha, beta = self._target["content_weight"], self._target["style_weight"]
        self.ratio.value = (f"<span style='margin-left:156px'>beta/alpha = <b>{plain_number(beta / max(alpha, 1e-30))}"
                            "</b> (only the ratio changes the picture)</span>")
        values = {"alpha": alpha, "beta": beta, "tv": self._target["tv_weight"]}
        for key, value in values.items():
            self.readouts[key].value = plain_number(value)
        if self.names is not None:
            rules = dict(self.names.rules)
            rules["st-strength"] = {**rules["st-strength"], "unit": f"(beta {plain_number(beta)})"}
            for key, value in values.items():
                rules[f"st-{key}"] = {**rules[f"st-{key}"], "valuetext": plain_number(value)}
            self.names.rules = rules
        self._show_hint()

    # -- from the worker thread ------------------------------------------------------------------
    def _on_event(self, event: str, steerer: Steerer, payload) -> None:
        if event == "sketch":  # the quick half-size sketch: a picture, not yet a step of this run
            self._restyling = self._restyling and not self._visibly_changed(payload)
            self._show(payload.image)
            self._show_status("sketching")
        elif event == "preview":
            if self.page_gone():
                steerer.stop()  # nobody is watching: free the CPU for the other visitors
                return
            self._restyling = self._restyling and not self._visibly_changed(payload)
            self._show(payload.image)
            self._arm_leave_warning()
            self._show_status("running", payload)
            if time.perf_counter() - self._last_plot >= self.plot_interval:
                self._redraw_plot()
        elif event in ("done", "image"):
            self._restyling = False
            self._show(steerer.image)
            self._arm_leave_warning()
            self._redraw_plot()
            self._refresh_downloads()
            if event == "image":
                self._show_sources()
        elif event == "status":
            self._show_status(str(payload))
        # Stop makes sense while the worker paints or prepares; statuses like "ready" come last in a job.
        busy = event in ("preview", "sketch") or (event == "status" and str(payload) == "running") or (
            event == "status" and str(payload).startswith(("building", "preparing")))
        self._sync_buttons(running=busy)

    def _arm_leave_warning(self) -> None:
        if self.leave_warning is not None:
            self.leave_warning.armed = self.steerer.evaluations > 0

    def _show(self, image) -> None:
        self._shown = image
        self.preview.value = png_bytes(image)

    def _visibly_changed(self, progress) -> bool:
        """True once a preview differs visibly from the picture shown at the slider change, or after
        the run's eagerly previewed first steps (a small change may never reach the yardstick)."""
        if progress.evaluation > 1 + self.steerer.eager_previews or self._restyle_from is None:
            return True
        before = self._restyle_from
        if before.shape != progress.image.shape:
            return True
        return mean_change(progress.image, before) >= C.LIVE_VISIBLE_CHANGE

    def _refresh_downloads(self) -> None:
        self.downloads_made += 1
        stem = f"styletransfer-{self.folder.id}-{self.downloads_made:03d}"
        png_path, record_path = self.steerer.save(self.folder.file(f"{stem}.png"))
        png, record = png_path.read_bytes(), record_path.read_bytes()
        png_path.unlink(missing_ok=True)
        record_path.unlink(missing_ok=True)
        self.downloads.value = download_links(png, record, stem, note=f"(after {self.steerer.evaluations} steps)")

    def _redraw_plot(self) -> None:
        self._last_plot = time.perf_counter()
        self.plot.value = loss_plot_png(self.steerer.history, self.steerer.markers,
                                        weights_label=self.steerer.weights_label,
                                        is_random=self.steerer.is_random_weights)

    def _sync_buttons(self, *, running: bool) -> None:
        self.run_button.disabled = running
        self.stop_button.disabled = not running

    def _show_status(self, state: str, progress=None) -> None:
        if self._restyling and state in ("running", "ready", "stopped"):
            state = "restyling"
        self.status.value = plain_status(state, self.steerer, progress)
        self._show_hint()

    def _show_hint(self) -> None:
        self.hint.value = ("<span style='color:#8a3b00'>Settings changed: press <b>Run</b> to restyle.</span>"
                           if self._changed_idle else "")
