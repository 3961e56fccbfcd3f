"""What one layer "knows": reconstruct an image from its content or style representation alone.

The paper's Figure 1 starts from white noise and changes the pixels until the network's
features match those of a photo (content, one layer at a time: conv1_2 ... conv5_2) or the Gram
matrices of a painting (style, growing sets of layers: conv1_1, then + conv2_1, ... + conv5_1).
Low layers reproduce the exact pixels; high layers keep the objects and lose the details; style
reconstructions keep colours and textures and lose the layout.

Both functions are thin wrappers around :class:`~styletransfer.transfer.StyleTransfer` with one of
the two weights set to zero, so they report the same :class:`~styletransfer.optimize.Result`
(history, label of the weights) as a full style transfer.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import constants as C
from ..features import layer_names, paper_name
from ..images import ImageLike
from ..optimize import Result
from ..transfer import StyleTransfer

__all__ = [
    "content_problem",
    "style_problem",
    "reconstruct_content",
    "reconstruct_style",
    "content_reconstructions",
    "style_reconstructions",
    "growing_layer_sets",
]


def content_problem(
    content: ImageLike,
    layer: str,
    *,
    size: int | None = C.DEFAULT_SIZE,
    weights=C.DEFAULT_WEIGHTS,
    pooling: str = C.DEFAULT_POOLING,
    seed: int = C.DEFAULT_SEED,
) -> StyleTransfer:
    """A problem whose only loss is the content loss at ``layer`` (no style, no smoothing).

    The network is truncated after ``layer``, so a low layer is cheap to reconstruct from.
    """
    (layer,) = layer_names([layer])
    return StyleTransfer(
        content, content, size=size, content_layers=(layer,), style_layers=(layer,),
        content_weight=1.0, style_weight=0.0, tv_weight=0.0, weights=weights, pooling=pooling, seed=seed,
    )


def style_problem(
    style: ImageLike,
    layers: Sequence[str],
    *,
    size: int | None = C.DEFAULT_SIZE,
    weights=C.DEFAULT_WEIGHTS,
    pooling: str = C.DEFAULT_POOLING,
    seed: int = C.DEFAULT_SEED,
) -> StyleTransfer:
    """A problem whose only loss is the style (Gram) loss over ``layers``, weighted equally.

    The output has the style image's shape; there is no content term and no smoothing.
    """
    layers = layer_names(layers)
    return StyleTransfer(
        style, style, size=size, content_layers=layers[:1], style_layers=layers,
        content_weight=0.0, style_weight=1.0, tv_weight=0.0, weights=weights, pooling=pooling, seed=seed,
    )


def _run(problem: StyleTransfer, run_options: dict) -> Result:
    options = {"init": C.RECONSTRUCTION_INIT, **run_options}  # the paper starts from white noise
    return problem.run(**options)


def reconstruct_content(
    content: ImageLike,
    layer: str,
    *,
    size: int | None = C.DEFAULT_SIZE,
    weights=C.DEFAULT_WEIGHTS,
    pooling: str = C.DEFAULT_POOLING,
    seed: int = C.DEFAULT_SEED,
    **run_options,
) -> Result:
    """Find an image whose features at ``layer`` match the content image's, starting from noise.

    Parameters
    ----------
    content : ImageLike
        The photo to reconstruct.
    layer : str
        One VGG19 layer, paper or Keras name (``"conv4_2"``).
    size, weights, pooling, seed
        As for :class:`~styletransfer.transfer.StyleTransfer`.
    **run_options
        Passed to :func:`styletransfer.optimize.optimize` (``max_evals``, ``optimizer``,
        ``callback``, ``progress``, ...); ``init`` defaults to ``"noise"``, as in the paper.

    Returns
    -------
    Result
        ``history[i]["content"]`` is the content loss after ``i + 1`` evaluations.
    """
    return _run(content_problem(content, layer, size=size, weights=weights, pooling=pooling, seed=seed), run_options)


def reconstruct_style(
    style: ImageLike,
    layers: Sequence[str],
    *,
    size: int | None = C.DEFAULT_SIZE,
    weights=C.DEFAULT_WEIGHTS,
    pooling: str = C.DEFAULT_POOLING,
    seed: int = C.DEFAULT_SEED,
    **run_options,
) -> Result:
    """Find an image whose Gram matrices on ``layers`` match the style image's, from noise.

    Parameters as :func:`reconstruct_content`, with ``layers`` the style layers (equal weights).

    Returns
    -------
    Result
        ``history[i]["style"]`` is the style loss after ``i + 1`` evaluations.
    """
    return _run(style_problem(style, layers, size=size, weights=weights, pooling=pooling, seed=seed), run_options)


def growing_layer_sets(layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS) -> dict[str, tuple[str, ...]]:
    """``{"conv1_1": (l1,), "+ conv2_1": (l1, l2), ...}``: the paper's style row, one set per column.

    Examples
    --------
    >>> list(growing_layer_sets(["conv1_1", "conv2_1"]).values())
    [('block1_conv1',), ('block1_conv1', 'block2_conv1')]
    """
    layers = layer_names(layers)
    return {
        (paper_name(layer) if i == 0 else f"+ {paper_name(layer)}"): layers[: i + 1]
        for i, layer in enumerate(layers)
    }


def content_reconstructions(
    content: ImageLike, layers: Sequence[str] = C.FIGURE1_CONTENT_LAYERS, **options
) -> dict[str, Result]:
    """:func:`reconstruct_content` for each layer, keyed by the paper's layer name (Figure 1, content row)."""
    return {paper_name(layer): reconstruct_content(content, layer, **options) for layer in layer_names(layers)}


def style_reconstructions(
    style: ImageLike, layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS, **options
) -> dict[str, Result]:
    """:func:`reconstruct_style` for the growing sets of :func:`growing_layer_sets` (Figure 1, style row)."""
    return {name: reconstruct_style(style, subset, **options) for name, subset in growing_layer_sets(layers).items()}
