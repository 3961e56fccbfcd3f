"""Pictures for notebooks: image grids, loss curves and Gram-matrix heat maps, each one call.

Every function takes ``weights_label``: when it names a random-weight network, the figure's title
says so in red, so a random-weight picture is never mistaken for the real result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "show_images",
    "show_results",
    "plot_losses",
    "plot_loss_terms",
    "show_gram",
    "random_weights_title",
]


def random_weights_title(title: str | None, weights_label: str | None) -> tuple[str, bool]:
    """``(title, is_random)``: the title with the random-weights warning appended when needed."""
    is_random = bool(weights_label) and "RANDOM" in str(weights_label).upper()
    parts = [p for p in (title, weights_label if is_random else None) if p]
    return "\n".join(parts), is_random


def _set_title(fig, title: str | None, weights_label: str | None, *, ax=None) -> None:
    full, is_random = random_weights_title(title, weights_label)
    if full:
        target = ax.set_title if ax is not None else fig.suptitle
        target(full, color="crimson" if is_random else "black", fontsize=10 if ax is not None else 11)


def _limit_log_range(ax, values, *, decades: float = 5.0) -> None:
    """Keep a log axis to ``decades`` below its largest value, so a loss starting at 1e-15 (an exact
    match, up to rounding) does not squash every other curve into a line."""
    positive = [v for v in values if v > 0 and np.isfinite(v)]
    if positive and max(positive) / min(positive) > 10**decades:
        ax.set_ylim(bottom=max(positive) / 10**decades)


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
        rows, columns, figsize=(width * columns, width * max(heights) * rows + 0.9), squeeze=False,
        layout="constrained",  # leaves room for two-line titles under a suptitle
    )
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, img) in enumerate(zip(axes.flat, images)):
        arr = np.asarray(img)
        ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=10)
    _set_title(fig, suptitle, weights_label)
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
    drawn = []
    for name, hist in runs.items():
        steps = [h["evaluation"] for h in hist]
        for term in terms if name is None else terms[:1]:
            values = [h[term] for h in hist if term in h]
            if values:
                ax.plot(steps[: len(values)], values, label=term if name is None else f"{name} ({term})")
                drawn += values
    ax.set_yscale("log")
    _limit_log_range(ax, drawn)
    ax.set_xlabel("evaluations of loss and gradient")
    ax.set_ylabel("loss")
    ax.legend()
    _set_title(fig, title, weights_label, ax=ax)
    fig.tight_layout()
    return fig


def show_results(
    results: Mapping[str, object],
    *,
    original: np.ndarray | None = None,
    original_title: str = "original",
    term: str | None = None,
    suptitle: str | None = None,
    weights_label: str | None = None,
    columns: int | None = None,
    width: float = 2.6,
):
    """A row of run results (``{name: Result}``), optionally after the original image.

    Parameters
    ----------
    results : mapping of str to Result
        For example ``{"conv1_2": result, ...}`` from
        :func:`styletransfer.notebook.reconstruct.content_reconstructions`.
    original : array, optional
        Shown first, for comparison.
    term : str, optional
        A loss term (``"content"``, ``"style"``, ``"total"``) whose final value is added to
        each title.
    weights_label : str, optional
        Default: the label of the first result, so a random-weight figure always says so.
    """
    results = dict(results)
    if weights_label is None and results:
        weights_label = getattr(next(iter(results.values())), "weights_label", None)
    images, titles = [], []
    if original is not None:
        images.append(original)
        titles.append(original_title)
    for name, result in results.items():
        images.append(result.image)
        if term is not None and result.history:
            titles.append(f"{name}\n{term} loss {result.history[-1][term]:.3g}")
        else:
            titles.append(name)
    columns = columns or min(len(images), 6)
    return show_images(images, titles, suptitle=suptitle, weights_label=weights_label, columns=columns, width=width)


def plot_loss_terms(
    runs: Mapping[str, Sequence[dict[str, float]]],
    *,
    terms: Sequence[str] = ("total", "content", "style", "tv"),
    weights_label: str | None = None,
    title: str | None = "Loss terms per evaluation",
):
    """One panel per loss term, one line per run: compare runs term by term (log scale).

    Parameters
    ----------
    runs : mapping of str to history
        ``{run name: Result.history}``, for example ``{"L-BFGS": a.history, "Adam": b.history}``.
    terms : sequence of str
        Keys of the history records to draw, one panel each.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(terms), figsize=(3.4 * len(terms), 3.2), squeeze=False, layout="constrained"
    )
    for ax, term in zip(axes.flat, terms):
        drawn = []
        for name, hist in runs.items():
            points = [(h["evaluation"], h[term]) for h in hist if term in h and h[term] > 0]
            if points:
                ax.plot(*zip(*points), label=name)
                drawn += [v for _, v in points]
        ax.set_yscale("log")
        _limit_log_range(ax, drawn)
        ax.set_title(term, fontsize=10)
        ax.set_xlabel("evaluations")
    axes.flat[0].set_ylabel("loss")
    axes.flat[0].legend(fontsize=8)
    _set_title(fig, title, weights_label)
    return fig


def show_gram(
    gram,
    *,
    channels: int | None = 32,
    title: str | None = "Gram matrix",
    weights_label: str | None = None,
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
    _set_title(fig, title, weights_label, ax=ax)
    fig.tight_layout()
    return fig
