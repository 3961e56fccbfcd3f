"""Small, readable building blocks the first notebooks explain by hand.

Pixel distances, parameter counts, a plain 2-D convolution, pooling, receptive fields and the
VGG19 layer table. The notebooks rebuild some of these with loops (tests check both agree);
the versions here are short and vectorised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..constants import VGG19_BLOCKS, VGG19_WIDTHS
from ..errors import ParameterError

__all__ = [
    "euclidean_distance",
    "crop_and_resize",
    "dense_parameter_count",
    "conv_parameter_count",
    "convolve2d",
    "pool2d",
    "EDGE_KERNELS",
    "vgg19_layer_table",
    "markdown_table",
]

#: Hand-made 3x3 filters: Sobel edge detectors and a box blur.
EDGE_KERNELS: dict[str, np.ndarray] = {
    "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float32),
    "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float32),
    "blur": np.full((3, 3), 1 / 9, dtype=np.float32),
}


def euclidean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance ``sqrt(sum((a - b)^2))`` between two arrays of the same shape.

    Parameters
    ----------
    a, b : numpy.ndarray
        Images (or any arrays) of equal shape; compared as ``float64``.

    Raises
    ------
    ParameterError
        The shapes differ.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ParameterError(f"cannot compare shapes {a.shape} and {b.shape}; resize to the same shape first")
    return float(np.sqrt(np.sum((a - b) ** 2)))


def crop_and_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """An RGB ``uint8`` image cropped (centred) to the aspect ratio ``height : width``, then resized.

    Nothing is stretched: a portrait painting loses some of its top and bottom to fit a
    landscape shape. (To stretch instead, see :func:`styletransfer.images.resize_image`.)
    """
    from PIL import Image, ImageOps

    pil = Image.fromarray(np.asarray(image, dtype=np.uint8))
    return np.asarray(ImageOps.fit(pil, (int(width), int(height)), Image.LANCZOS))


def dense_parameter_count(layer_sizes: Sequence[int]) -> int:
    """Weights plus biases of a fully connected network with the given layer sizes.

    Examples
    --------
    >>> dense_parameter_count([900, 900])   # a 30x30 image, one layer of 900 units
    810900
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ParameterError(f"layer sizes {sizes}: give at least two positive sizes (inputs, units, ...)")
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def conv_parameter_count(kernel_size: int, in_channels: int, out_channels: int) -> int:
    """Weights plus biases of a square convolution layer: independent of the image size.

    Examples
    --------
    >>> conv_parameter_count(3, 3, 64)      # VGG19's first layer, conv1_1
    1792
    """
    return int(kernel_size) ** 2 * int(in_channels) * int(out_channels) + int(out_channels)


def convolve2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Slide ``kernel`` over a grey ``image`` ("valid" positions only), as ``tf.nn.conv2d`` does.

    Like every deep-learning library, this is a cross-correlation: the kernel is not flipped.

    Parameters
    ----------
    image : numpy.ndarray
        2-D array ``(H, W)``.
    kernel : numpy.ndarray
        2-D array ``(k, l)`` with ``k <= H`` and ``l <= W``.

    Returns
    -------
    numpy.ndarray
        ``(H - k + 1, W - l + 1)``: at each position, the sum of the patch times the kernel.
    """
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or kernel.ndim != 2 or any(k > s for k, s in zip(kernel.shape, image.shape)):
        raise ParameterError(f"image {image.shape} and kernel {kernel.shape}: give 2-D arrays, kernel not larger")
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows, kernel)


def pool2d(image: np.ndarray, *, size: int = 2, mode: str = "max") -> np.ndarray:
    """Non-overlapping ``size x size`` pooling of a 2-D array (leftover rows/columns dropped).

    Parameters
    ----------
    image : numpy.ndarray
        2-D array ``(H, W)`` with ``H, W >= size``.
    size : int
        Side of the pooling window, also its stride.
    mode : {"max", "avg"}
        Keep the largest value of each window, or their mean (the paper uses average pooling).
    """
    image = np.asarray(image, dtype=np.float64)
    if mode not in ("max", "avg"):
        raise ParameterError(f"unknown pooling mode {mode!r}; use 'max' or 'avg'")
    if image.ndim != 2 or min(image.shape) < size:
        raise ParameterError(f"image {image.shape}: give a 2-D array at least {size}x{size}")
    h, w = image.shape[0] // size, image.shape[1] // size
    blocks = image[: h * size, : w * size].reshape(h, size, w, size)
    return blocks.max(axis=(1, 3)) if mode == "max" else blocks.mean(axis=(1, 3))


def vgg19_layer_table(*, height: int = 224, width: int = 224) -> list[dict]:
    """One row per layer of VGG19's convolutional part for a ``height x width`` RGB input.

    Each row has ``keras`` and ``paper`` names, ``shape`` ``(H, W, C)`` of its output,
    ``parameters`` (weights + biases) and ``receptive_field``: the side, in input pixels, of
    the square one output value depends on (3x3 convolutions add 2 steps, 2x2 pooling 1 step,
    and each pooling doubles the step).
    """
    rows, channels, field, step = [], 3, 1, 1
    for block, (n_conv, filters) in enumerate(zip(VGG19_BLOCKS, VGG19_WIDTHS), start=1):
        for conv in range(1, n_conv + 1):
            field += 2 * step
            rows.append({
                "keras": f"block{block}_conv{conv}", "paper": f"conv{block}_{conv}",
                "shape": (height, width, filters), "parameters": conv_parameter_count(3, channels, filters),
                "receptive_field": field,
            })
            channels = filters
        field += step
        step *= 2
        height, width = height // 2, width // 2
        rows.append({
            "keras": f"block{block}_pool", "paper": f"pool{block}", "shape": (height, width, channels),
            "parameters": 0, "receptive_field": field,
        })
    return rows


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
    """A list of dicts as a markdown table (show it with ``IPython.display.Markdown``)."""
    columns = list(columns or (rows[0].keys() if rows else []))

    def cell(value) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:,}"
        if isinstance(value, tuple):
            return " × ".join(str(v) for v in value)
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
