"""Figures for the first notebooks: feature-map grids and bar charts, each one call.

Like :mod:`styletransfer.notebook.plotting`, every function takes ``weights_label`` and puts a
random-weights warning into the title (in red) when the network was not trained.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .plotting import random_weights_title

__all__ = ["strongest_channels", "show_feature_maps", "plot_bars"]


def strongest_channels(activation: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` channels with the largest mean activation (``(H, W, C)`` input)."""
    means = np.asarray(activation).reshape(-1, activation.shape[-1]).mean(axis=0)
    return np.argsort(means)[::-1][:count]


def show_feature_maps(
    features: Mapping[str, np.ndarray],
    *,
    channels: int = 6,
    image: np.ndarray | None = None,
    weights_label: str | None = None,
    title: str | None = "What VGG19 layers see",
    width: float = 1.7,
):
    """A grid: one row per layer, its ``channels`` most active feature maps as grey images.

    Parameters
    ----------
    features : mapping
        ``{layer name: activations}`` with arrays ``(1, H, W, C)`` or ``(H, W, C)``, for
        example ``FeatureExtractor.numpy(batch)``. Rows keep the mapping's order.
    channels : int
        Feature maps per row (the most active ones of the layer).
    image : numpy.ndarray, optional
        The input image, drawn at the start of the first row.
    weights_label : str, optional
        ``FeatureExtractor.label``; a random-weight label goes into the title in red.
    """
    import matplotlib.pyplot as plt

    from ..features import paper_name

    extra = 1 if image is not None else 0
    rows = len(features)
    first = np.asarray(next(iter(features.values())))
    aspect = first.shape[-3] / first.shape[-2]
    fig, axes = plt.subplots(rows, channels + extra, squeeze=False, layout="constrained",
                             figsize=(width * (channels + extra + 0.6), (width * aspect + 0.3) * rows + 0.6))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
    for r, (name, value) in enumerate(features.items()):
        act = np.asarray(value)
        act = act[0] if act.ndim == 4 else act
        for c, index in enumerate(strongest_channels(act, channels)):
            ax = axes[r, c + extra]
            ax.imshow(act[..., index], cmap="magma")
            ax.set_title(f"map {index}", fontsize=7)
        label = f"{paper_name(name)}\n{act.shape[0]}×{act.shape[1]}×{act.shape[2]}"
        axes[r, extra].set_ylabel(label, fontsize=9, rotation=0, ha="right", va="center")
    if image is not None:
        axes[0, 0].imshow(image)
        axes[0, 0].set_title("input", fontsize=8)
    full, is_random = random_weights_title(title, weights_label)
    if full:
        fig.suptitle(full, color="crimson" if is_random else "black", fontsize=11)
    return fig


def plot_bars(
    values: Mapping[str, float] | Sequence[tuple[str, float]],
    *,
    xlabel: str = "",
    title: str | None = None,
    log: bool = False,
    highlight: Sequence[str] = (),
    weights_label: str | None = None,
):
    """A horizontal bar chart with each value written next to its bar; returns the figure.

    ``highlight`` names bars drawn in a second colour (for example the one to look at).
    """
    import matplotlib.pyplot as plt

    items = list(values.items()) if isinstance(values, Mapping) else list(values)
    labels, numbers = [k for k, _ in items], [float(v) for _, v in items]
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(items) + 1.3))
    colors = ["crimson" if k in highlight else "steelblue" for k in labels]
    ax.barh(range(len(items)), numbers, color=colors)
    ax.set_yticks(range(len(items)), labels)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    else:
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"))
    for i, v in enumerate(numbers):
        ax.text(v, i, f" {v:,.0f}" if abs(v) >= 100 else f" {v:.3g}", va="center", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.25)
    full, is_random = random_weights_title(title, weights_label)
    if full:
        ax.set_title(full, color="crimson" if is_random else "black", fontsize=10)
    fig.tight_layout()
    return fig
