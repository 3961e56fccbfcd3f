"""What the network sees, as figures: a Gram matrix as a heat map, feature maps as grey images.

Part of the figures of :mod:`~styletransfer.notebook.plotting` (which re-exports these), kept
apart because they show the network's insides rather than pictures and losses.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .titles import set_title as _set_title

__all__ = ["show_gram", "strongest_channels", "show_feature_maps"]


def show_gram(
    gram,
    *,
    channels: int | None = 32,
    title: str | None = "Gram matrix",
    weights_label: str | None = None,
    is_random: bool | None = None,
    ax=None,
):
    """Heat map of one Gram matrix: entry ``(i, j)`` is how strongly feature maps ``i`` and ``j`` fire together.

    Parameters
    ----------
    gram : array or tensor
        ``(C, C)`` or a batch ``(1, C, C)``.
    channels : int, optional
        Show only the first ``channels`` feature maps (a 512 x 512 map is hard to read);
        ``None`` shows all.
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(gram, dtype=np.float64)
    if matrix.ndim == 3:
        matrix = matrix[0]
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"a Gram matrix is square (C, C), got shape {matrix.shape}; pass gram[0] for a batch")
    if channels is not None:
        matrix = matrix[:channels, :channels]
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 4.0))
    else:
        fig = ax.figure
    image = ax.imshow(matrix, cmap="magma")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlabel("feature map j")
    ax.set_ylabel("feature map i")
    _set_title(fig, title, weights_label, is_random, ax=ax)
    fig.tight_layout()
    return fig


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
    is_random: bool | None = None,
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
    _set_title(fig, title, weights_label, is_random)
    return fig
