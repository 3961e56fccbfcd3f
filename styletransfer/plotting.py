"""Pictures for notebooks: image grids and loss curves, each one call.

Every function takes ``weights_label``: when it names a random-weight network, the figure's title
says so in red, so a random-weight picture is never mistaken for the real result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["show_images", "plot_losses", "random_weights_title"]


def random_weights_title(title: str | None, weights_label: str | None) -> tuple[str, bool]:
    """``(title, is_random)``: the title with the random-weights warning appended when needed."""
    is_random = bool(weights_label) and "RANDOM" in str(weights_label).upper()
    parts = [p for p in (title, weights_label if is_random else None) if p]
    return "\n".join(parts), is_random


def show_images(
    images: Sequence[np.ndarray],
    titles: Sequence[str] | None = None,
    *,
    suptitle: str | None = None,
    weights_label: str | None = None,
    columns: int | None = None,
    width: float = 4.0,
):
    """Show images side by side (or in a grid) with titles; returns the matplotlib figure.

    Parameters
    ----------
    images : sequence of array
        RGB ``uint8`` arrays ``(H, W, 3)`` or 2-D arrays (shown in grey).
    titles : sequence of str, optional
        One title per image.
    suptitle : str, optional
        Title of the whole figure.
    weights_label : str, optional
        ``Result.weights_label`` or ``FeatureExtractor.label``; a random-weight label is added
        to the figure title in red.
    columns : int, optional
        Images per row (default: all in one row, at most 5).
    width : float
        Width in inches of one image.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    n = len(images)
    columns = columns or min(n, 5)
    rows = -(-n // columns)
    heights = [img.shape[0] / img.shape[1] for img in images]
    fig, axes = plt.subplots(
        rows, columns, figsize=(width * columns, width * max(heights) * rows + 0.6), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes.flat, images)):
        arr = np.asarray(img)
        ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=10)
    title, is_random = random_weights_title(suptitle, weights_label)
    if title:
        fig.suptitle(title, color="crimson" if is_random else "black", fontsize=11)
    fig.tight_layout()
    return fig


def plot_losses(
    history: Sequence[dict[str, float]] | dict[str, Sequence[dict[str, float]]],
    *,
    terms: Sequence[str] = ("total", "content", "style", "tv"),
    weights_label: str | None = None,
    title: str | None = "Loss per evaluation",
    ax=None,
):
    """Plot loss curves (log scale) from ``Result.history``; returns the matplotlib figure.

    ``history`` may also be a dict ``{run name: history}``, to compare runs (for example
    L-BFGS against Adam): then only the first of ``terms`` is drawn for each run.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.5))
    else:
        fig = ax.figure
    runs = history if isinstance(history, dict) else {None: history}
    for name, hist in runs.items():
        steps = [h["evaluation"] for h in hist]
        for term in terms if name is None else terms[:1]:
            values = [h[term] for h in hist if term in h]
            if values:
                ax.plot(steps[: len(values)], values, label=term if name is None else f"{name} ({term})")
    ax.set_yscale("log")
    ax.set_xlabel("evaluations of loss and gradient")
    ax.set_ylabel("loss")
    ax.legend()
    full, is_random = random_weights_title(title, weights_label)
    if full:
        ax.set_title(full, color="crimson" if is_random else "black", fontsize=10)
    fig.tight_layout()
    return fig
