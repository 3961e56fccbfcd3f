"""What other implementations mean by alpha and beta, converted into this library's weights.

Every implementation writes ``alpha * content + beta * style`` but each means something else by
"content" and "style": a sum or a mean, a Gram matrix divided by the positions, the elements or
nothing, features normalised or raw. The numbers below come from each project's loss code; the
conversion is *exact* for the content and style terms (the same function of the image, up to one
overall factor that neither L-BFGS nor Adam cares about), and marked approximate where it is not
(total variation in another form, a size the formula depends on, a network we do not have).

This library (``losses``): content ``mean((F - P)^2)``; Gram ``F^T F / M``; one style layer
``E_l = sum((G - A)^2) / (4 N_l^2)``, layers weighted to sum to one; TV ``mean(dx^2) + mean(dy^2)``
on ``[0, 1]`` pixels. Features are divided by their mean on the content image
(``normalize_features=True``); :func:`convert_weights` gives weights for raw features
(``normalize_features=False``, exact) or, given ``scales``, for normalised ones.

:func:`term_ratios` measures the size invariance of this library's own weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import constants as C
from ..errors import ParameterError

__all__ = ["Convention", "CONVENTIONS", "convert_weights", "conversion_table", "term_ratios", "spread"]

_STYLE5 = C.DEFAULT_STYLE_LAYERS
_CHANNELS = dict(enumerate(C.VGG19_WIDTHS, start=1))  # block -> filters
_TYPICAL_DIFF = 10.0  # neighbour difference (0-255) at which a non-quadratic TV is matched


@dataclass(frozen=True)
class Convention:
    """One implementation's loss, as written in its code, and its default weights."""

    name: str
    source: str
    content_weight: float
    style_weight: float
    tv_weight: float
    content_layers: tuple[str, ...]
    style_layers: tuple[str, ...]
    pooling: str
    content_formula: str
    style_formula: str
    tv_formula: str
    notes: str = ""
    extra: dict = field(default_factory=dict)


CONVENTIONS: dict[str, Convention] = {
    "paper": Convention(
        "Gatys et al. 2015 (paper)", "arXiv:1508.06576, eqs. 1-7", 1e-3, 1.0, 0.0,
        ("block4_conv2",), _STYLE5, "avg",
        "1/2 sum (F - P)^2", "sum_l 1/5 * sum (G - A)^2 / (4 N^2 M^2), G = F^T F", "none",
        "alpha/beta = 1e-3 or 1e-4 on a VGG19 whose weights were rescaled so each filter's mean "
        "activation over ImageNet is 1 (not published); the content sum grows with the image, so the "
        "equivalent here depends on the size and on that normalisation: approximate.",
    ),
    "tf_tutorial": Convention(
        "TensorFlow tutorial", "tensorflow.org/tutorials/generative/style_transfer", 1e4, 1e-2, 0.0,
        ("block5_conv2",), _STYLE5, "max",
        "mean (F - P)^2", "1/5 sum_l mean (G - A)^2, G = F^T F / M", "none in the main recipe",
        "images in [0, 1] for Adam (lr 0.02, beta1 0.99, eps 0.1): in 0-255 pixel units lr 5.1 and "
        "eps 0.1/255. Its later section adds 30 * tf.image.total_variation (sum of |differences|), "
        "which is not quadratic and is left out.",
    ),
    "keras": Convention(
        "Keras example", "keras.io/examples/generative/neural_style_transfer", 2.5e-8, 1e-6, 1e-6,
        ("block5_conv2",), _STYLE5, "max",
        "sum (F - P)^2", "1/5 sum_l sum (S - C)^2 / (4 * 3^2 * P^2), S = F^T F, P = image pixels",
        "sum (dx^2 + dy^2)^1.25 in pixel units",
        "the content sum grows with the image (exact for a given size); the style divides by the "
        "image's pixels, not the layer's (so deeper layers count 16x less per block), and by 3^2 "
        "instead of N^2; TV is matched at a neighbour difference of 10: approximate. SGD with lr 100, "
        "x0.96 every 100 steps, 4000 steps, from the content image.",
    ),
    "jcjohnson": Convention(
        "jcjohnson/neural-style", "github.com/jcjohnson/neural-style (neural_style.lua)", 5.0, 100.0, 1e-3,
        ("block4_conv2",), _STYLE5, "max",
        "mean (F - P)^2", "sum_l mean (G - A)^2, G = F^T F / (N M)", "gradient of 1/2 sum (dx^2 + dy^2), pixel units",
        "every style layer gets the full style weight (not 1/5); TV is a sum, so it grows with the image "
        "(exact for a given size). L-BFGS, 1000 iterations, noise init, 512 px.",
    ),
    "anishathalye": Convention(
        "anishathalye/neural-style", "github.com/anishathalye/neural-style (stylize.py)", 5.0, 5e2, 1e2,
        ("block4_conv2",), _STYLE5, "max",
        "mean (F - P)^2", "sum_l 1/5 * mean (G - A)^2, G = F^T F / (N M)", "mean(dx^2) + mean(dy^2), pixel units",
        "exact (content_weight_blend 1: relu4_2 only). Adam lr 10, 1000 iterations, noise init.",
    ),
}


def _block(layer: str) -> int:
    from ..features import layer_name

    return int(layer_name(layer)[len("block")])


def _positions(shape: tuple[int, int], block: int) -> int:
    height, width = shape
    for _ in range(block - 1):
        height, width = height // 2, width // 2
    return height * width


def _factors(name: str, shape: tuple[int, int]) -> tuple[float, dict[str, float], float, bool]:
    """(content factor, per-layer style factors, tv factor, exact) so their loss = ours (raw)."""
    conv = CONVENTIONS[name]
    pixels = shape[0] * shape[1]
    channels = {k: _CHANNELS[_block(k)] for k in conv.style_layers}
    content_layer = conv.content_layers[0]
    n_content, m_content = _CHANNELS[_block(content_layer)], _positions(shape, _block(content_layer))
    count = len(conv.style_layers)
    if name == "paper":
        content = conv.content_weight * 0.5 * n_content * m_content
        style = {k: conv.style_weight / count for k in channels}
        return content, style, 0.0, False
    if name == "tf_tutorial":
        return conv.content_weight, {k: conv.style_weight / count * 4.0 for k in channels}, 0.0, True
    if name == "keras":
        content = conv.content_weight * n_content * m_content
        style = {k: conv.style_weight / count * n**2 / 9.0 * (_positions(shape, _block(k)) / pixels) ** 2
                 for k, n in channels.items()}
        diff2 = 2 * _TYPICAL_DIFF**2  # their (dx^2 + dy^2)^1.25 matched to ours at dx = dy = 10
        tv = conv.tv_weight * 3 * pixels * diff2**1.25 / (diff2 / 255.0**2)
        return content, style, tv, False
    if name == "jcjohnson":
        style = {k: conv.style_weight * 4.0 / n**2 for k, n in channels.items()}
        tv = conv.tv_weight * 0.5 * 3 * (shape[0] - 1) * (shape[1] - 1) * 255.0**2
        return conv.content_weight, style, tv, True
    if name == "anishathalye":
        style = {k: conv.style_weight / count * 4.0 / n**2 for k, n in channels.items()}
        return conv.content_weight, style, conv.tv_weight * 255.0**2, True
    raise ParameterError(f"unknown convention {name!r}; use one of {', '.join(CONVENTIONS)}")


def convert_weights(name: str, *, shape: tuple[int, int] = (512, 512), scales: dict | None = None) -> dict:
    """This library's weights that give the same loss as ``name``'s defaults.

    Parameters
    ----------
    name : str
        A key of :data:`CONVENTIONS`.
    shape : (int, int)
        Height and width of the image (some conventions depend on it).
    scales : dict, optional
        ``StyleTransfer.scales`` (mean activation per layer on the content image). Without it
        the weights are for raw features (``normalize_features=False``), the exact case; with it,
        for normalised features (the library's default), exact for that content image and network.

    Returns
    -------
    dict
        ``content_weight``, ``style_weight``, ``style_layer_weights`` (per layer, summing to
        one), ``tv_weight``, ``normalize_features``, ``content_layers``, ``style_layers``,
        ``pooling`` (all :class:`~styletransfer.transfer.StyleTransfer` keywords) and ``exact``.
    """
    if name not in CONVENTIONS:
        raise ParameterError(f"unknown convention {name!r}; use one of {', '.join(CONVENTIONS)}")
    conv = CONVENTIONS[name]
    content, style, tv, exact = _factors(name, tuple(shape))
    if scales is not None:
        from ..features import layer_name

        content *= scales[layer_name(conv.content_layers[0])] ** 2
        style = {k: v * scales[layer_name(k)] ** 4 for k, v in style.items()}
    beta = sum(style.values())
    return {
        "content_weight": float(content), "style_weight": float(beta),
        "style_layer_weights": [style[k] / beta for k in conv.style_layers], "tv_weight": float(tv),
        "normalize_features": scales is not None, "content_layers": conv.content_layers,
        "style_layers": conv.style_layers, "pooling": conv.pooling, "exact": exact,
    }


def conversion_table(shape: tuple[int, int] = (512, 512)) -> str:
    """A Markdown table: each convention's defaults and this library's equivalent (raw features)."""
    rows = [
        "| implementation | their alpha, beta, TV | content / style as written | here: alpha, beta | "
        "style layer weights (conv1_1..conv5_1) | here: TV | exact? |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, conv in CONVENTIONS.items():
        w = convert_weights(key, shape=shape)
        layer_weights = ", ".join(f"{x:.2g}" for x in w["style_layer_weights"])
        rows.append(
            f"| {conv.name} | {conv.content_weight:g}, {conv.style_weight:g}, {conv.tv_weight:g} | "
            f"{conv.content_formula}; {conv.style_formula} | {w['content_weight']:.3g}, {w['style_weight']:.3g} | "
            f"{layer_weights} | {w['tv_weight']:.3g} | {'yes' if w['exact'] else 'approximate'} |"
        )
    return "\n".join(rows)


def term_ratios(content, style, *, sizes: Sequence[int] = (256, 512, 1024), probe: str = "noise",
                seed: int = 0, **problem_options) -> list[dict]:
    """Unweighted loss terms of one image at several sizes, to check that the balance holds.

    The probe image is seeded noise (``"noise"``), the style image resized to the content
    (``"style"``) or a 50/50 mix of content and style (``"mix"``), made at each size.

    Returns
    -------
    list of dict
        Per size: ``size``, ``content``, ``style``, ``tv``, ``content/style`` and ``tv/style``.
    """
    from ..images import deprocess, preprocess
    from ..transfer import StyleTransfer

    rows = []
    for size in sizes:
        problem = StyleTransfer(content, style, size=int(size), **problem_options)
        if probe == "mix":
            x = preprocess(0.5 * deprocess(problem.init_image("content")).astype(np.float32)
                           + 0.5 * deprocess(problem.init_image("style")).astype(np.float32))
        elif probe in ("noise", "style"):
            x = problem.init_image(probe, seed=seed)
        else:
            raise ParameterError(f"unknown probe {probe!r}; use 'noise', 'style' or 'mix'")
        terms = {k: float(v) for k, v in problem.terms(x).items()}
        rows.append({"size": int(size), **terms, "content/style": terms["content"] / terms["style"],
                     "tv/style": terms["tv"] / terms["style"]})
    return rows


def spread(rows: Sequence[dict], key: str = "content/style") -> float:
    """Largest over smallest value of ``key`` across rows (1.0 means perfectly size-invariant)."""
    values = np.array([r[key] for r in rows], dtype=np.float64)
    return float(values.max() / values.min())
