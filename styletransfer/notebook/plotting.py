"""Every figure of the library, each one call: image grids, loss curves, Gram-matrix heat maps,
feature-map grids, bar charts, and the sliders' loss plot as PNG bytes.

Every function takes ``weights_label`` and ``is_random``: for a random-weight network the label
goes into the figure's title in red, so a random-weight picture is never mistaken for the real
result. Pass ``is_random`` (``Result.is_random_weights``, ``WeightsSpec.is_random``); when it is
left out it is read from the label (:func:`styletransfer.weights.is_random_label`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np

from .feature_plots import show_feature_maps, show_gram, strongest_channels
from .titles import random_weights_title
from .titles import set_title as _set_title

__all__ = [
    "show_images",
    "show_feature_maps",
    "strongest_channels",
    "plot_bars",
    "loss_plot_png",
    "plain_number",
    "show_results",
    "plot_losses",
    "plot_loss_terms",
    "show_gram",
    "random_weights_title",
]


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
    is_random: bool | None = None,
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
    is_random : bool, optional
        Whether the weights are random (default: read from ``weights_label``).
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
    _set_title(fig, suptitle, weights_label, is_random)
    return fig


def plot_losses(
    history: Sequence[dict[str, float]] | dict[str, Sequence[dict[str, float]]],
    *,
    terms: Sequence[str] = ("total", "content", "style", "tv"),
    weights_label: str | None = None,
    is_random: bool | None = None,
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
    _set_title(fig, title, weights_label, is_random, ax=ax)
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
    is_random: bool | None = None,
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
    weights_label, is_random : str and bool, optional
        Default: the first result's, so a random-weight figure always says so.
    """
    results = dict(results)
    if weights_label is None and results:
        first = next(iter(results.values()))
        weights_label = getattr(first, "weights_label", None)
        if is_random is None:
            is_random = getattr(first, "is_random_weights", None)
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
    return show_images(images, titles, suptitle=suptitle, weights_label=weights_label, is_random=is_random,
                       columns=columns, width=width)


def plot_loss_terms(
    runs: Mapping[str, Sequence[dict[str, float]]],
    *,
    terms: Sequence[str] = ("total", "content", "style", "tv"),
    weights_label: str | None = None,
    is_random: bool | None = None,
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
    _set_title(fig, title, weights_label, is_random)
    return fig


# -- the first notebooks: bar charts -----------------------------------------------------------
def plot_bars(
    values: Mapping[str, float] | Sequence[tuple[str, float]],
    *,
    xlabel: str = "",
    title: str | None = None,
    log: bool = False,
    highlight: Sequence[str] = (),
    weights_label: str | None = None,
    is_random: bool | None = None,
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
    _set_title(fig, title, weights_label, is_random, ax=ax)
    fig.tight_layout()
    return fig


# -- the sliders: a loss plot as PNG, drawn from a worker thread -------------------------------------
_TERMS = {"content": "tab:blue", "style": "tab:orange", "tv": "tab:green"}


def plain_number(value: float) -> str:
    """A weight as people write it: ``1,000``, ``31.6``, ``0.01`` (three significant digits)."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{round(value, -len(str(int(abs(value)))) + 3):,.0f}"
    return f"{value:.3g}"


def _loss_limits(history: Sequence[dict]) -> tuple[float, float]:
    values = [h[t] for h in history for t in _TERMS if t in h and h[t] > 0]
    top = max(values)
    shown = [v for v in values if v >= 1e-6 * top]  # a content loss of ~0 would squash the rest
    return min(shown) / 2, top * 2


def loss_plot_png(history: Sequence[dict], markers: Sequence[tuple[int, dict]] = (), *,
                  weights_label: str | None = None, is_random: bool | None = None,
                  width: float = 6.4, height: float = 3.0) -> bytes:
    """Unweighted loss terms per evaluation (log scale) as PNG; dotted lines mark setting changes.

    Readable at a glance: whole-number evaluation ticks, the legend beside the axes (never over
    the curves), y-limits that show every curve (the photo's content loss, ~0 at the start, is
    left out of the lower limit), setting changes labelled in plain numbers (``β/α 1,000``).
    Uses matplotlib's object API (no pyplot), so it is safe to call from the worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width, height), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    steps = [h["evaluation"] for h in history]
    for term, color in _TERMS.items():
        values = [max(h[term], 1e-12) for h in history if term in h]
        if values:
            ax.plot(steps[: len(values)], values, color=color, label=term, linewidth=2)
    for evaluation, settings in list(markers)[1:]:
        ax.axvline(evaluation, color="grey", linestyle=":", linewidth=1)
        beta = settings["style_weight"] / max(settings["content_weight"], 1e-30)
        ax.annotate(f"β/α {plain_number(beta)}", (evaluation, 0.02), xycoords=("data", "axes fraction"),
                    fontsize=9, color="dimgrey", rotation=90, va="bottom", ha="right")
    if history:
        ax.set_yscale("log")
        ax.set_ylim(*_loss_limits(history))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, frameon=False)
    else:
        ax.text(0.5, 0.5, "press Run or move a slider", ha="center", va="center", color="dimgrey",
                fontsize=11, transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_xlabel("evaluations", fontsize=10)
    ax.tick_params(labelsize=9)
    _set_title(fig, "loss terms (unweighted)", weights_label, is_random, ax=ax, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
