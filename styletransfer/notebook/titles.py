"""Figure titles that say when the weights are random, in red, so such a picture is never mistaken
for the real result (every figure of :mod:`~styletransfer.notebook.plotting` uses them)."""

from __future__ import annotations

from ..weights import is_random_label

__all__ = ["random_weights_title", "set_title"]


def random_weights_title(title: str | None, weights_label: str | None, is_random: bool | None = None) -> tuple[str, bool]:
    """``(title, is_random)``: the title with the weights label appended when the weights are random.

    ``is_random`` is the fact (``Result.is_random_weights``, ``WeightsSpec.is_random``); ``None``
    reads it from the label with :func:`~styletransfer.weights.is_random_label`.
    """
    if is_random is None:
        is_random = is_random_label(weights_label)
    is_random = bool(is_random)
    parts = [p for p in (title, weights_label if is_random else None) if p]
    return "\n".join(parts), is_random


def set_title(fig, title: str | None, weights_label: str | None, is_random: bool | None = None, *,
              ax=None, fontsize: float | None = None) -> None:
    """Title ``ax`` (or the figure, without ``ax``) with :func:`random_weights_title`, red when random."""
    full, is_random = random_weights_title(title, weights_label, is_random)
    if full:
        target = ax.set_title if ax is not None else fig.suptitle
        target(full, color="crimson" if is_random else "black",
               fontsize=fontsize or (10 if ax is not None else 11))
