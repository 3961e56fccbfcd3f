"""How much memory and time a run needs, before it starts: the memory wall, refused up front.

A run's memory is dominated by VGG19's activations: every feature map from the input to the
deepest layer used, kept by the gradient tape for the backward pass, plus the optimiser's vectors
(L-BFGS keeps ``2 * 10`` past steps of ``3 * H * W`` float64 numbers). :func:`estimate` adds them
up from the layer shapes, with coefficients measured against the peak resident memory of real runs
(``benchmarks/bench_estimate.py``; results in ``benchmarks/RESULTS.md``). Time per evaluation
follows the network's floating-point operations, at a rate measured once on this machine by
:func:`calibrate` (a few seconds; cached), in float32; for a reduced ``precision`` it is divided by
that type's measured speed-up (:func:`styletransfer.precision.speedup`, a short check). Memory is
the float32 figure in every type: the reduced types' peak memory measured no lower here
(``benchmarks/bench_core.py --precisions``; the weights stay float32 and the losses run in float32).

Every entry point (the command line, :func:`styletransfer.stylize`, the live sliders, multi-scale
runs) calls :func:`check_fits` before it loads anything large, which refuses a size that will not
fit the available memory, in well under a second, and names the largest size that does::

    >>> from styletransfer.estimate import estimate
    >>> e = estimate("chelsea", "starry_night", size=512)        # doctest: +SKIP
    >>> print(e.describe())                                      # doctest: +SKIP
    512x341 px: about 1.9 GB peak memory (18.7 GB available), ~2.1 s per evaluation
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import constants as C
from .calibration import calibrate, machine_rate
from .errors import ResourceError

__all__ = ["Estimate", "layer_shapes", "activation_bytes", "output_shape", "source_shape",
           "available_memory", "estimate", "largest_size", "check_fits", "calibrate",
           "estimate_seconds", "flops"]

_CHANNELS = (64, 128, 256, 512, 512)


def layer_shapes(height: int, width: int, last_layer: str = "block5_conv1") -> list[tuple[str, int, int, int]]:
    """``(name, height, width, channels)`` of every VGG19 layer from the input to ``last_layer``."""
    from .features import layer_name

    last = layer_name(last_layer)
    shapes = []
    h, w = int(height), int(width)
    for block, n_conv in enumerate(C.VGG19_BLOCKS, start=1):
        for conv in range(1, n_conv + 1):
            shapes.append((f"block{block}_conv{conv}", h, w, _CHANNELS[block - 1]))
            if shapes[-1][0] == last:
                return shapes
        h, w = h // 2, w // 2
        shapes.append((f"block{block}_pool", h, w, _CHANNELS[block - 1]))
        if shapes[-1][0] == last:
            return shapes
    return shapes


def activation_bytes(height: int, width: int, last_layer: str = "block5_conv1") -> int:
    """float32 bytes of all feature maps from the input to ``last_layer`` for one image."""
    return 4 * (3 * height * width + sum(h * w * c for _, h, w, c in layer_shapes(height, width, last_layer)))


def flops(height: int, width: int, last_layer: str) -> float:
    """Multiply-adds x 2 of one forward pass through the convolutions up to ``last_layer``."""
    total, channels_in = 0.0, 3
    for name, h, w, c in layer_shapes(height, width, last_layer):
        if "conv" in name:
            total += 2.0 * 9 * channels_in * c * h * w
        channels_in = c
    return total


def output_shape(shape: tuple[int, int], size: int | None) -> tuple[int, int]:
    """``(height, width)`` of an image of ``shape`` resized so that its long side is ``size``."""
    height, width = shape
    if size is None:
        return int(height), int(width)
    scale = size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def source_shape(source) -> tuple[int, int] | None:
    """``(height, width)`` of an image source without decoding its pixels; ``None`` if unknown (a URL)."""
    if isinstance(source, np.ndarray):
        arr = source[0] if source.ndim == 4 else source
        return tuple(arr.shape[:2]) if arr.ndim >= 2 else None
    if hasattr(source, "size") and hasattr(source, "mode"):  # a PIL image
        return source.size[1], source.size[0]
    if not isinstance(source, (str, os.PathLike)):
        return None
    text = os.fspath(source)
    path = Path(text).expanduser()
    if not path.is_file():
        from .cache import cache_dir
        from .samples import SAMPLES, sample_path

        sample = SAMPLES.get(text)
        if sample is None or not (sample.shipped or (cache_dir() / sample.filename).is_file()):
            return None
        path = sample_path(text)
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - unreadable files are reported by load_image, with its message
        return None
    return (width, height) if orientation in (5, 6, 7, 8) else (height, width)


def available_memory() -> int:
    """Bytes this process can still use: ``MemAvailable``, or the cgroup's limit when lower."""
    available = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
    except OSError:
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = 1 << 62
    for limit_file, used_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                  ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                   "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            used = int(Path(used_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:
            available = min(available, int(limit) - used)
    return max(int(available), 0)


@dataclass(frozen=True)
class Estimate:
    """Resources of one run at one size.

    Attributes
    ----------
    shape : (int, int)
        ``(height, width)`` of the output.
    peak_bytes : int
        Estimated peak resident memory of the whole process.
    available_bytes : int
        Memory available now (:func:`available_memory`).
    seconds_per_evaluation : float
        Estimated seconds per loss-and-gradient evaluation on this machine.
    calibrated : bool
        Whether ``seconds_per_evaluation`` comes from :func:`calibrate` on this machine (else a
        default rate, see ``constants.ESTIMATE_DEFAULT_FLOPS``).
    precision : str
        The type the network would run in (``"auto"`` resolved).
    """

    shape: tuple[int, int]
    peak_bytes: int
    available_bytes: int
    seconds_per_evaluation: float
    calibrated: bool
    precision: str = "float32"

    @property
    def fits(self) -> bool:
        return self.peak_bytes <= self.available_bytes * C.ESTIMATE_MEMORY_HEADROOM

    def seconds(self, evaluations: int) -> float:
        """Estimated seconds of ``evaluations`` evaluations (plus the network's start-up)."""
        return C.ESTIMATE_SETUP_SECONDS + evaluations * self.seconds_per_evaluation

    def describe(self) -> str:
        height, width = self.shape
        rate = "" if self.calibrated else " (uncalibrated: run `styletransfer estimate` once)"
        kind = "" if self.precision == "float32" else f" in {self.precision}"
        return (f"{width}x{height} px: about {_gb(self.peak_bytes)} peak memory "
                f"({_gb(self.available_bytes)} available), ~{self.seconds_per_evaluation:.2g} s per evaluation"
                f"{kind}{rate}")


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _deepest(layers: Sequence[str]) -> str:
    from .features import layer_name

    names = [layer_name(n) for n in layers] or list(C.DEFAULT_STYLE_LAYERS)
    return max(names, key=C.VGG19_LAYERS.index)


def _peak(shape, style_shape, last: str, optimizer: str) -> int:
    n = 3 * shape[0] * shape[1]
    vectors = C.ESTIMATE_LBFGS_VECTORS * 8 * n if optimizer == "lbfgs" else C.ESTIMATE_ADAM_VECTORS * 4 * n
    run = C.ESTIMATE_ACTIVATION_COPIES * activation_bytes(*shape, last) + vectors
    setup = C.ESTIMATE_FORWARD_COPIES * activation_bytes(*style_shape, last)
    return int(C.ESTIMATE_BASE_BYTES + max(run, setup))


def _layers(content_layers, style_layers) -> str:
    return _deepest([*(content_layers or C.DEFAULT_CONTENT_LAYERS), *(style_layers or C.DEFAULT_STYLE_LAYERS)])


def estimate(content=None, style=None, *, size: int = C.DEFAULT_SIZE, style_size: int | None = None,
             shape: tuple[int, int] | None = None, content_layers: Sequence[str] | None = None,
             style_layers: Sequence[str] | None = None, optimizer: str = "lbfgs",
             precision: str = C.DEFAULT_PRECISION) -> Estimate:
    """Estimate peak memory and seconds per evaluation of a run; reads image headers only.

    Parameters
    ----------
    content, style : ImageLike or str, optional
        The images (paths, sample names, arrays, PIL images); only their sizes are read. An
        unknown size (a URL, ``None``) counts as square, the most memory for a given ``size``.
    size, style_size : int
        Long side of the output and of the style image (default ``size``).
    shape : (int, int), optional
        ``(height, width)`` of the content image, instead of reading ``content``.
    content_layers, style_layers : sequence of str, optional
        The deepest one decides how much of the network runs (default: the paper's).
    optimizer : {"lbfgs", "adam"}
        L-BFGS keeps more vectors than Adam.
    precision : {"float32", "bfloat16", "float16", "auto"}
        The network's type (:mod:`styletransfer.precision`). A reduced type (or ``"auto"``) times a
        short check of its speed against float32 on this machine, once per process.
    """
    content_shape = shape or source_shape(content) or (size, size)
    style_shape = source_shape(style) or (size, size)
    out = output_shape(content_shape, size)
    style_out = output_shape(style_shape, style_size or size)
    last = _layers(content_layers, style_layers)
    (overhead, rate), calibrated = machine_rate()
    seconds = overhead + C.ESTIMATE_PASSES * flops(*out, last) / rate
    from .precision import resolve_precision, speedup  # light: TensorFlow only if a speed-up is timed

    resolved = resolve_precision(precision).resolved  # "auto" may time its short check (cached)
    if resolved != "float32":
        seconds /= speedup(resolved)
    return Estimate(out, _peak(out, style_out, last, optimizer), available_memory(), seconds, calibrated, resolved)


def _largest(peak, high: int, budget: float) -> int:
    """The largest side in ``[MIN_IMAGE_SIDE, high]`` with ``peak(side) <= budget`` (0 if none)."""
    low = C.MIN_IMAGE_SIDE
    if peak(low) > budget:
        return 0
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if peak(middle) <= budget else (low, middle - 1)
    return low


def largest_size(content=None, style=None, *, size: int, available: int | None = None, **options) -> int:
    """The largest long side (<= ``size``) whose estimate fits in ``available`` bytes (default: now); 0 if none."""
    budget = (available_memory() if available is None else available) * C.ESTIMATE_MEMORY_HEADROOM
    options["shape"] = options.get("shape") or source_shape(content) or (size, size)
    return _largest(lambda side: estimate(style=style, size=side, **options).peak_bytes, int(size), budget)


def check_fits(content=None, style=None, *, size: int | None, size_name: str = "size",
               style_size_name: str = "style_size", **options) -> Estimate | None:
    """Refuse a run that will not fit in the available memory, before anything large is loaded.

    Parameters as :func:`estimate`; ``size_name`` and ``style_size_name`` are how the caller
    spells the sizes in messages (``--size`` on the command line). ``size=None`` (the images as
    they are) uses the content image's size.

    Raises
    ------
    ResourceError
        With the estimate, the memory available and the largest size that fits.
    """
    if size is None:
        shape = options.get("shape") or source_shape(content)
        if shape is None:
            return None
        size = max(shape)
    result = estimate(content, style, size=size, **options)
    if result.fits:
        return result
    budget = result.available_bytes * C.ESTIMATE_MEMORY_HEADROOM
    largest = largest_size(content, style, size=size, available=result.available_bytes, **options)
    name, value = size_name, size
    style_size = options.pop("style_size", None)
    if not largest and style_size:  # the style image alone is too large
        options["shape"] = options.get("shape") or source_shape(content) or (size, size)
        name, value = style_size_name, style_size
        largest = _largest(lambda side: estimate(style=style, size=size, style_size=side, **options).peak_bytes,
                           int(style_size), budget)
    height, width = result.shape
    advice = f"use {name} {largest} or less" if largest else "close other programs"
    raise ResourceError(f"{name} {value} needs about {_gb(result.peak_bytes)} of memory (a {width}x{height} picture), "
                        f"but only {_gb(result.available_bytes)} is available; {advice} "
                        "(or run on a machine with more memory)")


def estimate_seconds(content=None, style=None, *, size: int, max_evals: int, calibrated: bool = True,
                     **options) -> float:
    """Estimated seconds of a whole run (start-up and ``max_evals`` evaluations), for notebooks.

    ``calibrated=True`` measures this machine first if it has not been (:func:`calibrate`, a few
    seconds once); ``False`` uses the cached or default rate without measuring.
    """
    if calibrated:
        calibrate()
    return estimate(content, style, size=size, **options).seconds(max_evals)
