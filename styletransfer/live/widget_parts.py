"""Pieces of the sliders' view: named sliders, buttons, the gallery/upload picker, plain words, the page layout.

Kept apart from :mod:`styletransfer.live.widgets` so that the view itself stays about one idea (wiring
a :class:`~styletransfer.live.steering.Steerer` to widgets).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from ..samples import SAMPLES

__all__ = ["labelled_slider", "log_slider", "push_button", "gallery_picker", "random_banner", "plain_status",
           "page_layout"]

_LABEL_WIDTH = "150px"
#: The steerer's status codes in the words a visitor reads.
_WORDS = {
    "restyling": "Restyling…",
    "sketching": "Restyling… (a quick sketch at half size first)",
    "changed": "Settings changed",
    "running": "Painting",
    "ready": "Ready: press Run, or move the style strength slider",
    "stopped": "Stopped: press Run to go on",
    "reset to the starting image": "Back to the photo",
    "preparing the new pictures...": "Preparing the new pictures…",
}


def labelled_slider(slider, description: str, css_class: str):
    """``slider`` with a visible label, the app's width, updates on release and a CSS class
    (which :mod:`styletransfer.live.a11y` uses to give its handle a screen-reader name and value)."""
    slider.description = description
    slider.continuous_update = False
    slider.style.description_width = _LABEL_WIDTH
    slider.layout.width = "440px" if slider.readout else "360px"
    slider.layout.max_width = "100%"
    slider.add_class(css_class)
    return slider


def push_button(W, text: str, icon: str, color: str):
    """A button with white text on a dark ``color`` (readable: contrast above 4.5:1)."""
    return W.Button(description=text, icon=icon, tooltip=text,
                    style=W.ButtonStyle(button_color=color, text_color="white"))


def gallery_picker(W, kind: str, noun: str, choose: Callable[[object], None]):
    """A built-in gallery (dropdown) and an upload button for one image; ``choose`` gets a
    sample name or the ``FileUpload`` entry (a dict with ``name`` and ``content``)."""
    options = [(f"choose a built-in {noun}", None)] + [
        (f"{s.title} ({s.credit})", name) for name, s in SAMPLES.items() if s.kind == kind and s.shipped]
    gallery = W.Dropdown(options=options, value=None, description=f"built-in {noun}",
                         style={"description_width": "initial"}, layout=W.Layout(width="256px", max_width="100%"))
    upload = W.FileUpload(accept="image/*", multiple=False, description=f"Upload your {noun}",
                          layout=W.Layout(width="256px", max_width="100%"))
    gallery.add_class(f"st-gallery-{kind}")
    upload.add_class(f"st-upload-{kind}")

    def chosen(change):
        if change["new"] is not None:
            choose(change["new"])

    def uploaded(change):
        if change["new"]:
            entry = dict(change["new"][0])
            upload.value = ()  # the same file can be chosen again after an error
            choose(entry)

    gallery.observe(chosen, names="value")
    upload.observe(uploaded, names="value")
    box = W.VBox([gallery, upload])
    box.gallery, box.upload = gallery, upload
    return box


def random_banner(steerer) -> str:
    """The weights banner, in words a web visitor can act on (no developer commands)."""
    if not steerer.is_random_weights:
        return f"<span style='color:#444'>Network: {html.escape(steerer.weights_label)}</span>"
    return ("<div style='color:#b00020;font-weight:bold' role='note'>Demo mode: this app runs on a stand-in "
            "network with random weights, so the pictures show the painting's textures, not the real effect. "
            "Ask whoever runs the app to install the real VGG19 weights.</div>")


def plain_status(state: str, steerer, progress=None) -> str:
    """The status line: what is happening in plain words, then the numbers."""
    if state.startswith("idle"):
        words = "Done: press Run to keep refining, or move a slider"
    elif state.startswith("error: "):
        words = "Problem: " + state[len("error: "):]
    elif state.startswith("building the "):
        words = f"Preparing the {state.split()[2]} px picture…"
    else:
        words = _WORDS.get(state, state)
    parts = [f"<b>{html.escape(words)}</b>", f"step {steerer.evaluations}"]
    if progress is not None:
        parts.append(f"this run {progress.evaluation} of {steerer.evals_per_run}")
        parts.append(f"{progress.elapsed / max(progress.evaluation, 1):.2f} s per step")
    elif steerer.last_result is not None:
        parts.append(f"{steerer.last_result.seconds_per_evaluation:.2f} s per step")
    parts.append(f"{steerer.problem.shape[2]}×{steerer.problem.shape[1]} px")
    color = "#b00020" if steerer.is_random_weights else "inherit"
    parts.append(f"<span style='color:{color}'>{html.escape(steerer.weights_label)}</span>")
    return " · ".join(parts)


def log_slider(W, value: float, low: int, high: int):
    """A base-10 log slider over decades ``low``..``high`` (widened to hold ``value``), without its own readout."""
    if value > 0:  # widen the range to include a value given outside it
        low, high = min(low, math.floor(math.log10(value))), max(high, math.ceil(math.log10(value)))
    return W.FloatLogSlider(value=max(value, 10.0**low), base=10, min=low, max=high, step=0.1,
                            readout=False)  # a weight of 0 shows as the minimum; plain readout beside it


def page_layout(ex, W, title: str | None):
    """The whole page of an :class:`~styletransfer.live.widgets.Explorer` ``ex``: images, controls, plot,
    status; sets ``ex.advanced`` (the toggle that shows the advanced controls)."""

    def card(caption, image, *below):
        return W.VBox([W.HTML(f"<b>{html.escape(caption)}</b>"), image, *below],
                      layout=W.Layout(margin="0 12px 8px 0", max_width="100%"))

    wrap = {"flex_flow": "row wrap", "max_width": "100%"}
    images = W.HBox([card("your photo", ex.content_view, ex.content_picker),
                     card("the painting", ex.style_view, ex.style_picker),
                     card("the picture", ex.preview, ex.downloads)], layout=W.Layout(**wrap))
    ends = W.HBox([W.HTML("photo"), ex.strength, W.HTML("painting")], layout=W.Layout(**wrap))
    alpha, beta, tv = (W.HBox([getattr(ex, k), ex.readouts[k]]) for k in ("alpha", "beta", "tv"))
    advanced = W.VBox([alpha, beta, ex.ratio, tv, ex.size, ex.layer, ex.style_loss,
                       ex.parameterization], layout=W.Layout(display="none"))
    ex.advanced = W.ToggleButton(value=False, description="advanced: alpha, beta, smoothness, size, layer, loss",
                                 icon="sliders", layout=W.Layout(width="440px", max_width="100%"),
                                 style={"text_color": "#1a1a1a"})
    ex.advanced.observe(lambda change: setattr(advanced.layout, "display", "flex" if change["new"] else "none"),
                        names="value")
    controls = W.VBox([ends, ex.live, W.HBox([ex.run_button, ex.stop_button, ex.reset_button],
                                             layout=W.Layout(**wrap)),
                       ex.hint, ex.advanced, advanced], layout=W.Layout(width="460px", max_width="100%"))
    note = W.HTML("<span style='color:#444'>Your picture lives in this page only: download it before you "
                  "close or reload the page.</span>")
    parts = [W.HTML(f"<h1 style='font-size:1.5em;margin:0.2em 0'>{html.escape(title)}</h1>")] if title else []
    parts += [ex.banner, images, W.HBox([controls, ex.plot], layout=W.Layout(**wrap)), ex.message,
              ex.status, note, ex.heartbeat]
    parts += [w for w in (ex.names, ex.leave_warning) if w is not None]
    return W.VBox(parts, layout=W.Layout(max_width="100%"))
