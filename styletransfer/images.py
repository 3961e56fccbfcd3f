"""Images in and out: loading from anything, VGG pre/deprocessing, atomic saving.

Sizes and the one resize live in :mod:`~styletransfer.sizes`, atomic file writing in
:mod:`~styletransfer.files`; both are re-exported here, where callers have always found them.

Images travel through the library as ``uint8`` arrays of shape ``(height, width, 3)`` in RGB
order. The network sees them as ``float32`` batches ``(1, height, width, 3)`` in the Caffe/Keras
VGG convention: BGR channel order with the ImageNet mean pixel subtracted.
"""

from __future__ import annotations

import http.client
import io
import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .cache import downloads_off, fetch_response
from .constants import IMAGENET_MEAN_BGR, MAX_IMAGE_PIXELS, MAX_UPSCALE, MIN_IMAGE_SIDE, OFFLINE_ENV_VAR
from .errors import ImageError
from .files import atomic_write_bytes, file_in_path, write_temporary
from .sizes import check_size, resize_image, resize_long_side, resized_shape

__all__ = [
    "ImageLike",
    "load_image",
    "to_rgb",
    "resize_long_side",
    "resize_image",
    "resized_shape",
    "check_size",
    "preprocess",
    "deprocess",
    "save_image",
    "atomic_write_bytes",
    "write_temporary",
    "encode_image",
    "file_in_path",
    "pixel_bounds",
]

ImageLike = str | os.PathLike | Image.Image | np.ndarray

_MEAN = np.asarray(IMAGENET_MEAN_BGR, dtype=np.float32)


def _download(url: str) -> bytes:
    """The bytes at ``url``, refused when downloads are off or the server sends something else."""
    if downloads_off():
        raise ImageError(f"cannot download {url}: downloads are off ({OFFLINE_ENV_VAR} is set); "
                         f"save the image and give its path, or unset {OFFLINE_ENV_VAR}")
    try:
        data, declared = fetch_response(url)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ImageError(
            f"could not download {url} ({reason}); check the URL or save the image and give its path"
        ) from None
    kind = (declared or "").split(";")[0].strip().lower()
    if declared is not None and not (kind.startswith("image/") or kind.endswith("octet-stream")):
        raise ImageError(f"URL did not return an image (content-type {kind}): {url}; "
                         "give a direct link to a PNG or JPEG file (not a web page)")
    return data


def _open(source: str | os.PathLike) -> Image.Image:
    text = os.fspath(source)
    try:
        if text.startswith(("http://", "https://")):
            data = _download(text)
            if not data:
                raise ImageError(f"URL returned no data: {text}; give a direct link to a PNG or JPEG file")
            return Image.open(io.BytesIO(data))
        path = Path(text).expanduser()
        if not path.exists():
            raise ImageError(f"image file not found: {path} (check the path)")
        if path.is_dir():
            raise ImageError(f"{path} is a folder, not an image file (give a file path)")
        if path.stat().st_size == 0:
            raise ImageError(f"{path} is empty (0 bytes); re-download or re-export the image")
        return Image.open(path)
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError(f"{text}: image too large (over {2 * (Image.MAX_IMAGE_PIXELS or 0):,} pixels, "
                         f"limit {MAX_IMAGE_PIXELS:,}; it may be a decompression bomb); resize it first") from None
    except UnidentifiedImageError:
        suffix = Path(text.split("?")[0]).suffix.lower()
        what = f"the format of this {suffix} file" if suffix else "its format"
        raise ImageError(f"{text}: not a readable image (Pillow does not recognise {what}); "
                         "convert it to PNG or JPEG") from None
    except OSError as exc:
        reason = exc.strerror or str(exc).split(" <")[0]
        raise ImageError(f"{text}: not a readable image ({reason}); give a PNG or JPEG file") from None


def _bomb_check(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise ImageError(
            f"{name}: image too large ({width}x{height} pixels, limit {MAX_IMAGE_PIXELS:,}); "
            "resize it first"
        )


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert a PIL image of any mode to RGB, compositing transparency on white.

    Parameters
    ----------
    image : PIL.Image.Image
        Image in any mode (``L``, ``LA``, ``P``, ``RGBA``, ``CMYK``, ``I;16``, ``I``, ``F``...).

    Returns
    -------
    PIL.Image.Image
        The image in mode ``RGB``.
    """
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        grey = _grey_to_uint8(np.asarray(image), mode)
        return Image.fromarray(grey).convert("RGB")
    if mode in ("P", "L", "RGB") and "transparency" in image.info:
        image = image.convert("RGBA")
    elif mode == "RGB":
        return image
    elif mode in ("PA", "La"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _grey_to_uint8(array: np.ndarray, mode: str) -> np.ndarray:
    """Map a 16-bit, 32-bit integer or float grey image to ``uint8``.

    16-bit images use their full range (``0..65535``). ``I`` and ``F`` images whose values lie in
    ``0..255`` are taken as they are, ``F`` images in ``0..1`` are scaled by 255, ``I`` images in
    ``0..65535`` as 16-bit; anything else is stretched from its minimum to its maximum.
    """
    values = np.nan_to_num(np.asarray(array, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if mode.startswith("I;16") or (mode == "I" and low >= 0 and 255 < high <= 65535):
        values = values / 257.0
    elif mode == "F" and low >= 0 and high <= 1:
        values = values * 255.0
    elif low < 0 or high > 255:
        values = (values - low) * (255.0 / (high - low) if high > low else 0.0)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def load_image(
    source: ImageLike, *, size: int | None = None, min_side: int = MIN_IMAGE_SIDE,
    max_upscale: float | None = MAX_UPSCALE,
) -> np.ndarray:
    """Load an image as an RGB ``uint8`` array.

    Parameters
    ----------
    source : str, os.PathLike, PIL.Image.Image or numpy.ndarray
        A file path, an ``http(s)://`` URL, a PIL image, or an array of shape ``(H, W)``,
        ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)`` (``uint8``, or floats in ``[0, 1]``).
        URLs are refused while ``$STYLETRANSFER_OFFLINE`` is set.
    size : int, optional
        Resize so that the long side has this many pixels.
    min_side : int
        Reject images whose short side (in the source, and after resizing) is smaller than this.
    max_upscale : float or None
        Reject a ``size`` that would enlarge the image more than this many times (default 8:
        an 8x8 file is refused at size 384 rather than blown up 48x); ``None``: no limit.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of shape ``(height, width, 3)``.

    Raises
    ------
    ImageError
        For a missing, empty, unreadable, truncated, too small (see :func:`check_size`) or too
        large (decompression bomb) image, a folder, or a URL that does not serve an image.
    """
    name = "array" if isinstance(source, np.ndarray) else str(getattr(source, "filename", "") or source)
    if isinstance(source, np.ndarray):
        image = _array_to_pil(source)
    elif isinstance(source, Image.Image):
        image = source
    elif isinstance(source, (str, os.PathLike)):
        image = _open(source)
    else:
        raise ImageError(
            f"cannot load an image from {type(source).__name__}; give a path, URL, PIL image or array"
        )
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size < 1:
        raise ImageError(f"size must be a positive whole number of pixels, got {size!r}")
    _bomb_check(image, name)
    full_size = image.size
    if isinstance(source, (str, os.PathLike)):
        _draft(image, size)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            image = ImageOps.exif_transpose(image) or image
            image = to_rgb(image)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageError(f"{name}: image too large ({exc}); use a smaller image") from None
    except OSError as exc:
        raise ImageError(
            f"{name}: the image file is damaged or truncated ({exc}); re-download or re-export it"
        ) from None
    if (image.width > image.height) != (full_size[0] > full_size[1]):
        full_size = full_size[::-1]  # EXIF rotated the image by 90 degrees
    what = "the file" if isinstance(source, (str, os.PathLike)) else "the image"
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        check_size(name, *full_size, int(size), min_side=min_side, max_upscale=max_upscale, what=what)
    image = resize_long_side(image, size, reference=full_size)
    check_size(name, *image.size, None, min_side=min_side, what=what)
    return np.asarray(image, dtype=np.uint8).copy()


def _draft(image: Image.Image, size: int | None) -> None:
    """Let a JPEG decoder skip detail the resize would throw away (a 12 MP photo: 1/4 scale).

    The decoder keeps at least twice the target size, so the final Lanczos resize still
    smooths properly. Only for files this module opened, never a caller's PIL image.
    """
    if size is None or image.format != "JPEG" or not isinstance(size, (int, np.integer)) or size < 1:
        return
    width, height = image.size
    scale = 2.0 * size / max(width, height)
    if scale < 1:
        image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))


def _array_to_pil(array: np.ndarray) -> Image.Image:
    arr = np.asarray(array)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
        raise ImageError(
            f"array of shape {arr.shape} is not an image; expected (H, W), (H, W, 3) or (H, W, 4)"
        )
    if arr.dtype == np.uint16:
        arr = arr / 257.0
    if arr.dtype != np.uint8:
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)):
            raise ImageError("image array contains NaN or infinite values; clean it first")
        if arr.max(initial=0) <= 1.0:
            arr = arr * 255.0
        arr = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def preprocess(image: np.ndarray) -> np.ndarray:
    """RGB ``uint8`` image to a VGG input batch: BGR, ImageNet mean subtracted.

    Parameters
    ----------
    image : numpy.ndarray
        ``(H, W, 3)`` RGB image with values in ``[0, 255]``.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(1, H, W, 3)``.
    """
    rgb = np.asarray(image, dtype=np.float32)
    return (rgb[..., ::-1] - _MEAN)[None].copy()


def deprocess(batch: np.ndarray) -> np.ndarray:
    """Inverse of :func:`preprocess`: VGG input batch (or single image) to RGB ``uint8``."""
    arr = np.asarray(batch, dtype=np.float32)
    if arr.ndim == 4:
        arr = arr[0]
    rgb = (arr + _MEAN)[..., ::-1]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def pixel_bounds(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds, in preprocessed space, that keep every pixel in ``[0, 255]``."""
    low = np.broadcast_to(-_MEAN, shape).astype(np.float32)
    high = np.broadcast_to(255.0 - _MEAN, shape).astype(np.float32)
    return low, high


def encode_image(image: np.ndarray, path: str | os.PathLike, *, format: str | None = None) -> bytes:
    """The bytes :func:`save_image` would write: the format follows ``path``'s suffix (PNG if none)."""
    target = Path(path).expanduser()
    fmt = format or Image.registered_extensions().get(target.suffix.lower(), "PNG")
    buffer = io.BytesIO()
    pil = to_rgb(_array_to_pil(np.asarray(image)))
    try:
        pil.save(buffer, format=fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    except (KeyError, OSError, ValueError) as exc:
        raise ImageError(f"cannot save {target} as {fmt} ({exc}); use a .png or .jpg file name") from None
    return buffer.getvalue()


def save_image(image: np.ndarray, path: str | os.PathLike, *, format: str | None = None) -> Path:
    """Save an RGB image atomically; the format follows the file suffix (PNG if none).

    Parameters
    ----------
    image : numpy.ndarray
        RGB image (anything :func:`load_image` accepts as an array).
    path : str or os.PathLike
        Output file; its folder must exist.
    format : str, optional
        Pillow format name; default from the suffix (``.png``, ``.jpg``, ``.webp``, ...), PNG
        for an unknown or missing suffix.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ImageError
        The folder does not exist or the file cannot be written.
    """
    return atomic_write_bytes(path, encode_image(image, path, format=format))
