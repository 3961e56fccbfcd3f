"""Watch the picture change while the optimiser runs: a callback that updates one notebook output.

:class:`LivePreview` is a callback for ``StyleTransfer.run(callback=...)``. It shows the current
image and a status line in a single output area, created once with a ``display_id`` and then
updated in place, so the picture changes without flicker and the notebook does not fill up with
frames. It works in Jupyter, VS Code and an executed (nbconvert) notebook, where the final frame
is what gets saved.

Example
-------
>>> preview = LivePreview(width=320)                               # doctest: +SKIP
>>> result = problem.run(callback=preview, callback_every=5)        # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable

import numpy as np

from ..notebook.plotting import random_weights_title

__all__ = ["LivePreview", "png_bytes"]


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of an RGB ``uint8`` image."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


class LivePreview:
    """Callback that shows the current image and loss in one output, updated in place.

    Parameters
    ----------
    width : int
        Display width in screen pixels (small images are scaled up, without smoothing, so
        the pixels stay visible).
    title : str, optional
        Text above the image.
    display : callable, optional
        ``display(obj, display_id=True)`` returning a handle with ``update(obj)``; default
        :func:`IPython.display.display`. Tests pass a stand-in.

    Attributes
    ----------
    frames : int
        How many times the preview was drawn.
    last_html : str
        The HTML of the last frame.
    """

    def __init__(self, *, width: int = 320, title: str | None = None, display: Callable | None = None) -> None:
        self.width = int(width)
        self.title = title
        self._display = display
        self._handle = None
        self.frames = 0
        self.last_html = ""

    def html(self, progress) -> str:
        """The HTML of one frame for a :class:`~styletransfer.optimize.Progress`."""
        heading, is_random = random_weights_title(self.title, progress.weights_label, progress.is_random_weights)
        losses = " · ".join(f"{k} {v:.3g}" for k, v in progress.losses.items() if k != "evaluation")
        status = f"evaluation {progress.evaluation} · {progress.elapsed:.1f} s · {losses}"
        data = base64.b64encode(png_bytes(progress.image)).decode("ascii")
        colour = "crimson" if is_random else "inherit"
        head = html.escape(heading).replace("\n", "<br>")
        return (
            '<div style="font-family: sans-serif; font-size: 12px">'
            + (f'<div style="color: {colour}; margin-bottom: 4px">{head}</div>' if heading else "")
            + f'<img src="data:image/png;base64,{data}" width="{self.width}" '
            'style="image-rendering: pixelated; display: block">'
            + f"<div>{html.escape(status)}</div></div>"
        )

    def __call__(self, progress) -> None:
        """Draw ``progress`` (first call: create the output; later calls: replace it)."""
        from IPython.display import HTML

        self.last_html = self.html(progress)
        frame = HTML(self.last_html)
        if self._handle is None:
            display = self._display
            if display is None:
                from IPython.display import display
            self._handle = display(frame, display_id=True)
        else:
            self._handle.update(frame)
        self.frames += 1
        return None
