"""Image sizes: the long-side rule, the size checks (too small, enlarged too much) and the one resize."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from .constants import MAX_UPSCALE, MIN_IMAGE_SIDE
from .errors import ImageError

__all__ = ["resized_shape", "check_size", "resize_long_side", "resize_image"]


def resized_shape(width: int, height: int, size: int) -> tuple[int, int]:
    """``(width, height)`` of a ``width`` x ``height`` image resized so that its long side is ``size``."""
    scale = size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def check_size(
    name: str, width: int, height: int, size: int | None, *, min_side: int = MIN_IMAGE_SIDE,
    max_upscale: float | None = MAX_UPSCALE, what: str = "the file",
) -> None:
    """Refuse a ``width`` x ``height`` image that ``size`` would make too small or enlarge too much.

    The rules, each with a one-line :class:`ImageError` that gives the image's own size and the
    fix: each side of the image itself must have ``min_side`` pixels; reaching ``size`` may
    enlarge it at most ``max_upscale`` times (``None``: no limit), so an 8x8 icon is not blown
    up 48x into a blurry square; after resizing each side still needs ``min_side`` pixels (an
    extreme aspect ratio needs a larger size, or cropping).
    """
    given = f"{width}x{height} pixels in {what}"
    if min(width, height) < min_side:
        raise ImageError(f"{name}: image too small ({given}); each side needs at least {min_side} pixels: "
                         "use a larger image")
    if size is None:
        return
    factor = size / max(width, height)
    if max_upscale is not None and factor > max_upscale:
        largest = math.floor(max(width, height) * max_upscale)
        raise ImageError(f"{name}: image too small for size {size} ({given} would be enlarged {factor:.3g}x, "
                         f"at most {max_upscale:g}x allowed); use a larger image or a smaller size "
                         f"(size= / --size at most {largest})")
    new = resized_shape(width, height, size)
    if min(new) < min_side:
        need = math.ceil((min_side - 0.5) * max(width, height) / min(width, height))
        while min(resized_shape(width, height, need)) < min_side:
            need += 1
        raise ImageError(f"{name}: image too small for size {size} ({given} become {new[0]}x{new[1]}); "
                         f"each side needs at least {min_side} pixels: use a larger size (size= / --size "
                         f"at least {need}) or crop the image")


def resize_long_side(
    image: Image.Image, size: int | None, *, reference: tuple[int, int] | None = None
) -> Image.Image:
    """Resize so that the longer side is ``size`` pixels, keeping the aspect ratio.

    ``None`` leaves the image as it is. ``reference`` is the ``(width, height)`` whose aspect
    ratio decides the rounding (the file's full size when the decoder already shrank it), so a
    file and the array loaded from it give the same shape.
    """
    if size is None:
        return image
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ImageError(f"size must be a positive whole number of pixels, got {size!r}")
    new = resized_shape(*(reference or image.size), size)
    if new == image.size:
        return image
    return image.resize(new, Image.Resampling.LANCZOS)


def resize_image(image: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An RGB ``uint8`` image resized (Lanczos, stretched if the aspect differs) to ``shape[:2]``.

    ``shape`` is ``(height, width, ...)``, so ``other.shape`` works; an image that already has the
    shape is returned as it is. The one resize of the library (upsampling between scales, warm
    starts at a new size, an ``init`` image or a content image brought to a result's shape).
    """
    height, width = int(shape[0]), int(shape[1])
    if image.shape[:2] == (height, width):
        return image
    return np.asarray(Image.fromarray(np.asarray(image, dtype=np.uint8)).resize((width, height), Image.Resampling.LANCZOS))
