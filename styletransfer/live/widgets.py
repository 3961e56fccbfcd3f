"""Live sliders: ``explore(content, style)`` in Jupyter, or the web app (``notebooks/app.ipynb``).

The view is a thin layer of ipywidgets over :class:`~styletransfer.live.steering.Steerer`, which runs
the optimisation in a background thread, so the kernel stays free to receive slider moves. Moving
a slider stops the running optimisation and continues from the current image with the new weights;
the preview and the loss curves update from the worker thread.

One plain **style strength** slider (photo <-> painting, :mod:`styletransfer.strength`) steers
alpha and beta together; the weights themselves, TV, size and layer are under "advanced". Photos
and paintings come from the built-in gallery or an upload (checked like the command line's
inputs, :mod:`styletransfer.live.visitor`); Download hands the picture and its JSON record to the
browser. Every control has a screen-reader name and value (:mod:`styletransfer.live.a11y`).

Example
-------
>>> from styletransfer.live.widgets import explore
>>> explore("chelsea", "starry_night", size=256)               # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import html
import math
import time
import weakref
from collections.abc import Sequence

from .. import constants as C
from ..errors import StyleTransferError
from ..features import layer_name, paper_name
from ..images import ImageLike
from ..notebook.plotting import loss_plot_png
from ..strength import resolve_strength, strength_of, strength_weights
from .a11y import accessible_names
from .page_guard import leave_warning
from .preview import png_bytes
from .steering import Steerer
from .view import ExplorerView
from .visitor import VisitorFolder
from .widget_parts import (
    gallery_picker,
    labelled_slider,
    log_slider,
    page_layout,
    push_button,
    random_banner,
)

__all__ = ["Explorer", "explore", "SIZES", "CONTENT_LAYERS"]

#: Image sizes offered by the size slider (long side, pixels).
SIZES: tuple[int, ...] = (48, 64, 96, 128, 192, 256, 384, 512)
#: Content layers offered by the dropdown (paper names; the paper's Fig. 3 compares conv2_2 and conv4_2).
CONTENT_LAYERS: tuple[str, ...] = ("conv1_2", "conv2_2", "conv3_2", "conv4_2", "conv5_2")
_OPEN = weakref.WeakSet()  # explorers to close when the kernel exits


@atexit.register
def _close_all() -> None:
    for explorer in list(_OPEN):
        explorer.close()


class Explorer(ExplorerView):
    """The ipywidgets view of a :class:`~styletransfer.live.steering.Steerer` (build it with :func:`explore`).

    Attributes ``strength``, ``alpha``, ``beta``, ``tv``, ``size``, ``layer``, ``style_loss``,
    ``parameterization``, ``live``,
    ``run_button``, ``stop_button``, ``reset_button``, ``content_picker``, ``style_picker``,
    ``preview``, ``downloads``, ``plot``, ``message`` and ``status`` are the widgets; ``steerer``
    runs the optimisation; ``widget`` is the whole box. ``page_timeout`` (seconds, or None) stops
    a run when the page stops sending its heartbeat (a closed or reloaded tab). This class builds
    the widgets and handles the visitor's actions; :class:`~styletransfer.live.view.ExplorerView`,
    which it inherits, updates what the page shows.
    """

    def __init__(self, steerer: Steerer, *, sizes: Sequence[int] = SIZES, image_width: int = 256,
                 plot_interval: float = 1.0, page_timeout: float | None = None, title: str | None = None) -> None:
        import ipywidgets as W

        self.steerer, self.plot_interval, self._last_plot = steerer, float(plot_interval), -math.inf
        self.page_timeout, self._last_beat, self._syncing, self._changed_idle = page_timeout, None, False, False
        # "Restyling…" from a slider change until the picture has visibly changed (or the run's first steps are shown).
        self._restyling, self._restyle_from, self.downloads_made = False, None, 0
        self._shown = steerer.image  # the picture the page shows
        # The weights as last asked for: the steerer applies them later, in its worker thread.
        self._target = {k: steerer.settings[k] for k in ("content_weight", "style_weight", "tv_weight")}
        self.folder = VisitorFolder()
        settings = steerer.settings
        self.strength = labelled_slider(W.FloatSlider(
            value=round(strength_of(settings["content_weight"], settings["style_weight"]), 2), min=0, max=1,
            step=0.05, readout_format=".2f"), "style strength", "st-strength")
        self.strength.layout.width, self.strength.style.description_width = "330px", "110px"  # fits between its ends
        self.alpha = labelled_slider(log_slider(W, settings["content_weight"], -3, 3), "alpha (content weight)", "st-alpha")
        self.beta = labelled_slider(log_slider(W, settings["style_weight"], -2, 5), "beta (style weight)", "st-beta")
        self.tv = labelled_slider(log_slider(W, settings["tv_weight"], -5, 0), "TV (smoothness)", "st-tv")
        self.ratio = W.HTML()
        self.readouts = {key: W.HTML(layout=W.Layout(width="80px")) for key in ("alpha", "beta", "tv")}
        size_options = sorted({*sizes, int(settings["size"])})
        self.size = labelled_slider(W.SelectionSlider(options=size_options, value=int(settings["size"])),
                                    "picture size (px)", "st-size")
        layers = list(dict.fromkeys([*CONTENT_LAYERS, paper_name(settings["content_layer"])]))
        self.layer = W.Dropdown(options=[(n, layer_name(n)) for n in layers], value=layer_name(settings["content_layer"]),
                                description="content layer", style={"description_width": "150px"})
        self.style_loss = W.Dropdown(options=list(C.STYLE_LOSSES), value=settings["style_loss"],
                                     description="style loss", style={"description_width": "150px"})
        self.parameterization = W.Dropdown(options=list(C.PARAMETERIZATIONS), value=settings["parameterization"],
                                           description="optimise", style={"description_width": "150px"})
        self.live = W.Checkbox(value=steerer.run_on_change, description="restyle when a slider moves", indent=False)
        self.run_button = push_button(W, "Run", "play", "#1e6b30")
        self.stop_button = push_button(W, "Stop", "stop", "#8a3b00")
        self.reset_button = push_button(W, "Reset", "undo", "#37474f")
        self.hint, self.downloads, self.message = W.HTML(), W.HTML(), W.HTML()
        self.message.add_class("st-message")
        box = {"width": f"{image_width}px", "max_width": "100%", "object_fit": "contain"}
        self.content_view = W.Image(layout=W.Layout(**box))
        self.style_view = W.Image(layout=W.Layout(**box))
        self.preview = W.Image(value=png_bytes(self._shown), layout=W.Layout(**box))
        for view, cls in ((self.content_view, "st-content"), (self.style_view, "st-style"), (self.preview, "st-preview")):
            view.add_class(cls)
        self._thumbnail_size = image_width * 2  # sharp on high-density screens, small in the notebook file
        self._show_sources()
        self.content_picker = gallery_picker(W, "content", "photo", lambda upload: self._new_image("content", upload))
        self.style_picker = gallery_picker(W, "style", "painting", lambda upload: self._new_image("style", upload))
        self.plot = W.Image(value=loss_plot_png([], weights_label=steerer.weights_label, is_random=steerer.is_random_weights),
                            layout=W.Layout(max_width="100%"))
        self.plot.add_class("st-plot")
        self.status = W.HTML()
        self.status.add_class("st-status")
        self.banner = W.HTML(random_banner(steerer))
        self.heartbeat = W.Play(interval=C.APP_HEARTBEAT_MS, max=10**9, layout=W.Layout(display="none"))
        self.heartbeat.observe(self._beat, names="value")
        self.leave_warning = leave_warning()  # armed while there is a picture to lose
        self.names = accessible_names({
            "st-strength": {"label": "style strength, photo 0 to painting 1"}, "st-alpha": {"label": "alpha, content weight"},
            "st-beta": {"label": "beta, style weight"}, "st-tv": {"label": "total-variation weight, smoothness"},
            "st-size": {"label": "picture size", "unit": "pixels"},
            "st-content": {"alt": "your photo"}, "st-style": {"alt": "the painting"},
            "st-preview": {"alt": "the picture being painted"}, "st-plot": {"alt": "loss curves per evaluation"},
            "st-status": {"attrs": {"role": "status", "aria-live": "polite"}},
            "st-message": {"attrs": {"role": "alert"}}})

        self._controls = {"content_weight": self.alpha, "style_weight": self.beta, "tv_weight": self.tv,
                          "size": self.size, "content_layer": self.layer, "style_loss": self.style_loss,
                          "parameterization": self.parameterization}
        for key, slider in self._controls.items():
            slider.observe(lambda change, key=key: self._changed(**{key: change["new"]}), names="value")
        self.strength.observe(lambda change: self._changed(**strength_weights(change["new"])), names="value")
        self.live.observe(self._live_changed, names="value")
        self.run_button.on_click(lambda _: self._act(steerer.start))
        self.stop_button.on_click(lambda _: self._act(steerer.stop))
        self.reset_button.on_click(lambda _: self._act(steerer.reset))
        steerer.subscribe(self._on_event)
        self._update_readouts()
        self._show_status(steerer.status)
        self._sync_buttons(running=steerer.running)
        self.widget = page_layout(self, W, title)
        _OPEN.add(self)

    # -- display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop the worker thread, close the widgets and remove this visitor's folder."""
        _OPEN.discard(self)
        self.steerer.close()
        self.folder.remove()
        stack = [self.widget]
        while stack:
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()

    # -- actions (kernel thread) -----------------------------------------------------------------
    def _act(self, action) -> None:
        self._start_heartbeat()
        self._changed_idle = self._restyling = False
        action()
        self._sync_buttons(running=self.steerer.running)

    def _changed(self, **changes) -> None:
        if self._syncing:
            return
        self._start_heartbeat()
        try:
            self.steerer.update(**changes)
        except StyleTransferError as exc:  # NaN typed into a readout, a size too small...: keep the last good value
            self._show_status(f"not changed: {exc}")
            self._syncing = True
            try:
                for key in changes:
                    if key in self._controls:
                        self._controls[key].value = self.steerer.settings[key]
            finally:
                self._syncing = False
            return
        self._target.update({k: v for k, v in changes.items() if k in self._target})
        self._restyling = self.steerer.run_on_change
        self._restyle_from = self._shown
        self._changed_idle = not self.steerer.run_on_change
        self._update_readouts()
        self._show_status("restyling" if self._restyling else "changed")
        self._sync_buttons(running=self._restyling)

    def _live_changed(self, change) -> None:
        self.steerer.run_on_change = bool(change["new"])
        self._update_readouts()

    def _new_image(self, key: str, source) -> None:
        """A gallery choice or an upload for the photo (``key="content"``) or the painting."""
        self._start_heartbeat()
        try:
            if isinstance(source, dict):
                from .visitor import image_from_upload

                source = image_from_upload(source, self.folder, size=self.steerer.max_size)
            self.steerer.set_images(**{key: source})
        except StyleTransferError as exc:
            self.message.value = f"<span style='color:#b00020'>{html.escape(str(exc))}</span>"
            return
        self.message.value = ""
        self._changed_idle = False
        self._show_sources()

    # -- heartbeat: the page is still there ------------------------------------------------------
    def _start_heartbeat(self) -> None:
        if self._last_beat is None:  # the first event from the page: its view of the timer exists
            self._last_beat = time.monotonic()
            self.heartbeat.playing = True

    def _beat(self, _change) -> None:
        self._last_beat = time.monotonic()

    def page_gone(self) -> bool:
        """True when the page has stopped sending its heartbeat for ``page_timeout`` seconds."""
        return (self.page_timeout is not None and self._last_beat is not None
                and time.monotonic() - self._last_beat > self.page_timeout)


def explore(content: ImageLike = "chelsea", style: ImageLike = "starry_night", *, size: int = C.LIVE_SIZE,
            sizes: Sequence[int] = SIZES, image_width: int = 256, strength: float | None = None,
            page_timeout: float | None = None, title: str | None = None, **options) -> Explorer:
    """Show content, style and the current image with a style-strength slider and live controls.

    Nothing runs until you press Run or move a slider. Each change stops the running
    optimisation and continues from the current image with the new settings.

    Parameters
    ----------
    content, style : ImageLike or sample name
        For example ``"chelsea"`` and ``"starry_night"`` (see :func:`styletransfer.list_samples`).
    size : int
        Starting long side in pixels (256 restyles within seconds on a laptop CPU).
    sizes : sequence of int
        Sizes offered by the size slider.
    image_width : int
        Display width of the three images in pixels.
    strength : float, optional
        Starting style strength in [0, 1] instead of ``content_weight``/``style_weight``.
    page_timeout : float, optional
        Stop a run when the page has been gone this long (the web app: 30 s); None: never.
    title : str, optional
        A heading above everything (the web app's).
    **options
        Passed to :class:`~styletransfer.live.steering.Steerer`: ``content_weight``, ``style_weight``,
        ``tv_weight``, ``weights``, ``init``, ``evals_per_run``, ``debounce``, ``content_layer``...

    Returns
    -------
    Explorer
        Displays itself in a notebook; ``.steerer`` drives it from code.
    """
    if strength is not None:
        alpha, beta = resolve_strength(strength, options.pop("content_weight", None), options.pop("style_weight", None))
        options.update(content_weight=alpha, style_weight=beta)
    steerer = Steerer(content, style, size=size, max_size=max(max(sizes), size), **options)
    return Explorer(steerer, sizes=sizes, image_width=image_width, page_timeout=page_timeout, title=title)
