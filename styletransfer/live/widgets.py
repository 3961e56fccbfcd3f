"""Live sliders for alpha and beta: ``explore(content, style)`` in Jupyter or as a Voila app.

The view is a thin layer of ipywidgets over :class:`~styletransfer.live.steering.Steerer`, which runs
the optimisation in a background thread, so the kernel stays free to receive slider moves. Moving
a slider stops the running optimisation and continues from the current image with the new weights;
the preview and the loss curves update from the worker thread (ipywidgets sends ``Image.value``
and ``HTML.value`` changes from any thread, in Jupyter and in Voila).

Example
-------
>>> from styletransfer.live.widgets import explore
>>> explore("chelsea", "starry_night", size=256)               # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Sequence

from .. import constants as C
from ..errors import StyleTransferError
from ..features import layer_name, paper_name
from ..images import ImageLike
from ..notebook.plotting import loss_plot_png
from ..samples import as_image
from .preview import png_bytes
from .steering import Steerer

__all__ = ["Explorer", "explore", "SIZES", "CONTENT_LAYERS"]

#: Image sizes offered by the size slider (long side, pixels).
SIZES: tuple[int, ...] = (48, 64, 96, 128, 192, 256, 384, 512)
#: Content layers offered by the dropdown (paper names; the paper's Fig. 3 compares conv2_2 and conv4_2).
CONTENT_LAYERS: tuple[str, ...] = ("conv1_2", "conv2_2", "conv3_2", "conv4_2", "conv5_2")
def _log_slider(description: str, value: float, low: int, high: int, tooltip: str):
    import ipywidgets as W

    if value > 0:  # widen the range to include a value given outside it
        low, high = min(low, math.floor(math.log10(value))), max(high, math.ceil(math.log10(value)))
    return W.FloatLogSlider(
        value=max(value, 10.0**low),  # a weight of 0 shows as the minimum
        base=10, min=low, max=high, step=0.1, description=description,
        readout_format=".1e", continuous_update=False, tooltip=tooltip,
        style={"description_width": "70px"}, layout=W.Layout(width="380px"),
    )


class Explorer:
    """The ipywidgets view of a :class:`~styletransfer.live.steering.Steerer` (build it with :func:`explore`).

    Attributes ``alpha``, ``beta``, ``tv``, ``size``, ``layer``, ``style_loss``, ``parameterization``, ``live``, ``run_button``,
    ``stop_button``, ``reset_button``, ``save_button``, ``save_path``, ``preview``, ``plot`` and
    ``status`` are the widgets; ``steerer`` runs the optimisation; ``widget`` is the whole box.
    """

    def __init__(self, steerer: Steerer, *, sizes: Sequence[int] = SIZES, image_width: int = 256,
                 plot_interval: float = 1.0, save_path: str = "outputs/explore.png") -> None:
        import ipywidgets as W

        self.steerer, self.plot_interval, self._last_plot = steerer, float(plot_interval), -math.inf
        settings = steerer.settings
        self.alpha = _log_slider("α content", settings["content_weight"], -3, 3, "content weight alpha")
        self.beta = _log_slider("β style", settings["style_weight"], -2, 5, "style weight beta")
        self.tv = _log_slider("TV", settings["tv_weight"], -5, 0, "total-variation weight (smoothness)")
        self.ratio = W.HTML()
        size_options = sorted({*sizes, int(settings["size"])})
        self.size = W.SelectionSlider(options=size_options, value=int(settings["size"]), description="size px",
                                      continuous_update=False, style={"description_width": "70px"},
                                      layout=W.Layout(width="380px"))
        layers = list(dict.fromkeys([*CONTENT_LAYERS, paper_name(settings["content_layer"])]))
        self.layer = W.Dropdown(options=[(n, layer_name(n)) for n in layers],
                                value=layer_name(settings["content_layer"]), description="content layer",
                                style={"description_width": "90px"})
        self.style_loss = W.Dropdown(options=list(C.STYLE_LOSSES), value=settings["style_loss"], description="style loss",
                                     style={"description_width": "90px"})
        self.parameterization = W.Dropdown(options=list(C.PARAMETERIZATIONS), value=settings["parameterization"],
                                           description="optimise", style={"description_width": "90px"})
        self.live = W.Checkbox(value=steerer.run_on_change, description="restyle when a slider moves",
                               indent=False)
        self.run_button = W.Button(description="Run", icon="play", button_style="success")
        self.stop_button = W.Button(description="Stop", icon="stop", button_style="warning")
        self.reset_button = W.Button(description="Reset", icon="undo")
        self.save_button = W.Button(description="Save", icon="save")
        self.save_path = W.Text(value=save_path, description="save as", layout=W.Layout(width="300px"))
        image_layout = {"width": f"{image_width}px", "object_fit": "contain"}
        thumbnail = {"size": image_width * 2}  # sharp on high-density screens, small in the notebook file
        self.content_view = W.Image(value=png_bytes(as_image(steerer.content_source, **thumbnail, max_upscale=None)),
                                    layout=W.Layout(**image_layout))
        self.style_view = W.Image(value=png_bytes(as_image(steerer.style_source, **thumbnail, max_upscale=None)),
                                  layout=W.Layout(**image_layout))
        self.preview = W.Image(value=png_bytes(steerer.image), layout=W.Layout(**image_layout))
        self.preview.add_class("st-preview")
        self.plot = W.Image(value=loss_plot_png([], weights_label=steerer.weights_label,
                                                is_random=steerer.is_random_weights))
        self.status = W.HTML()
        self.status.add_class("st-status")
        self.banner = W.HTML(self._banner())

        self._controls = {"content_weight": self.alpha, "style_weight": self.beta, "tv_weight": self.tv,
                          "size": self.size, "content_layer": self.layer, "style_loss": self.style_loss,
                          "parameterization": self.parameterization}
        for key, slider in self._controls.items():
            slider.observe(lambda change, key=key: self._changed(key, change["new"]), names="value")
        self.live.observe(lambda change: setattr(steerer, "run_on_change", bool(change["new"])), names="value")
        self.run_button.on_click(lambda _: steerer.start())
        self.stop_button.on_click(lambda _: steerer.stop())
        self.reset_button.on_click(lambda _: steerer.reset())
        self.save_button.on_click(lambda _: self.save())
        steerer.subscribe(self._on_event)
        self._update_ratio()
        self._show_status(steerer.status)

        def captioned(title, image):
            return W.VBox([W.HTML(f"<b>{html.escape(title)}</b>"), image])

        images = W.HBox([captioned("content", self.content_view), captioned("style", self.style_view),
                         captioned("current image", self.preview)])
        controls = W.VBox([self.alpha, self.beta, self.ratio, self.tv, self.size, self.layer, self.style_loss,
                           self.parameterization, self.live,
                           W.HBox([self.run_button, self.stop_button, self.reset_button]),
                           W.HBox([self.save_button, self.save_path])])
        self.widget = W.VBox([self.banner, images, W.HBox([controls, self.plot]), self.status])

    # -- display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self) -> None:
        """Stop the worker thread and close the widgets."""
        self.steerer.close()
        stack = [self.widget]
        while stack:
            widget = stack.pop()
            stack.extend(getattr(widget, "children", ()))
            widget.close()

    # -- actions ---------------------------------------------------------------------------------
    def save(self) -> None:
        """Save the current image and its run record to the path in the ``save as`` box."""
        try:
            png, record = self.steerer.save(self.save_path.value)
        except Exception as exc:  # noqa: BLE001 - show the one-line error in the status line
            self._show_status(f"save failed: {exc}")
        else:
            self._show_status(f"saved {png} and {record.name}")

    def _changed(self, key: str, value) -> None:
        if getattr(self, "_reverting", False):
            return
        try:
            self.steerer.update(**{key: value})
        except StyleTransferError as exc:  # NaN typed into a readout, a size too small...: keep the last good value
            self._show_status(f"not changed: {exc}")
            self._reverting = True
            try:
                self._controls[key].value = self.steerer.settings[key]
            finally:
                self._reverting = False
            return
        self._update_ratio()

    def _update_ratio(self) -> None:
        ratio = self.alpha.value / self.beta.value
        self.ratio.value = (f"<span style='margin-left:76px'>α/β = <b>{ratio:.1e}</b> "
                            "(only the ratio changes the picture)</span>")

    # -- from the worker thread ------------------------------------------------------------------
    def _on_event(self, event: str, steerer: Steerer, payload) -> None:
        if event == "preview":
            self.preview.value = png_bytes(payload.image)
            self._show_status("running", payload)
            if time.perf_counter() - self._last_plot >= self.plot_interval:
                self._redraw_plot()
        elif event == "done":
            self.preview.value = png_bytes(steerer.image)
            self._redraw_plot()
        elif event == "image":
            self.preview.value = png_bytes(payload)
            self._redraw_plot()
        elif event == "status":
            self._show_status(str(payload))

    def _redraw_plot(self) -> None:
        self._last_plot = time.perf_counter()
        self.plot.value = loss_plot_png(self.steerer.history, self.steerer.markers,
                                        weights_label=self.steerer.weights_label,
                                        is_random=self.steerer.is_random_weights)

    def _banner(self) -> str:
        if not self.steerer.is_random_weights:
            return f"<b>Weights:</b> {html.escape(self.steerer.weights_label)}"
        return (f"<div style='color:crimson;font-weight:bold'>{html.escape(self.steerer.weights_label)}: "
                f"textures only. Run <code>{C.FETCH_COMMAND}</code> for the real VGG19.</div>")

    def _show_status(self, state: str, progress=None) -> None:
        steerer = self.steerer
        parts = [f"<b>{html.escape(state)}</b>", f"evaluation {steerer.evaluations}"]
        if progress is not None:
            parts.append(f"this run {progress.evaluation}/{steerer.evals_per_run}")
            parts.append(f"{progress.elapsed / max(progress.evaluation, 1):.2f} s/evaluation")
        elif steerer.last_result is not None:
            parts.append(f"{steerer.last_result.seconds_per_evaluation:.2f} s/evaluation")
        parts.append(f"{steerer.problem.shape[2]}×{steerer.problem.shape[1]} px")
        color = "crimson" if steerer.is_random_weights else "inherit"
        parts.append(f"<span style='color:{color}'>{html.escape(steerer.weights_label)}</span>")
        self.status.value = " · ".join(parts)


def explore(content: ImageLike = "chelsea", style: ImageLike = "starry_night", *, size: int = C.LIVE_SIZE,
            sizes: Sequence[int] = SIZES, image_width: int = 256, save_path: str = "outputs/explore.png",
            **options) -> Explorer:
    """Show content, style and the current image with live alpha/beta/TV/size/layer controls.

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
    save_path : str
        Default path for Save (a ``.json`` run record is written beside it).
    **options
        Passed to :class:`~styletransfer.live.steering.Steerer`: ``content_weight``, ``style_weight``,
        ``tv_weight``, ``weights``, ``init``, ``evals_per_run``, ``debounce``, ``content_layer``...

    Returns
    -------
    Explorer
        Displays itself in a notebook; ``.steerer`` drives it from code.
    """
    steerer = Steerer(content, style, size=size, max_size=max(max(sizes), size), **options)
    return Explorer(steerer, sizes=sizes, image_width=image_width, save_path=save_path)
