"""Coarse-to-fine (multi-scale) style transfer: solve small, upsample, refine, up to the full size.

At 128 px an evaluation of loss and gradient is about 16 times cheaper than at 512 px, and the
large structures of the style (the swirls, the big brush strokes) settle there. Each finer scale
starts from the previous result, upsampled, so it only has to add detail: fewer expensive
evaluations, and a large image fits in a laptop's memory because no step ever needs more than one
scale's activations.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import constants as C
from ..api import split_options
from ..checks import whole_number
from ..errors import ParameterError
from ..estimate import check_fits
from ..images import ImageLike, preprocess, resize_image
from ..optimize import Progress, Result
from ..samples import as_image
from ..transfer import StyleTransfer

__all__ = ["MultiscaleResult", "multiscale_sizes", "stylize_multiscale", "upsample"]


@dataclass
class MultiscaleResult(Result):
    """A :class:`~styletransfer.optimize.Result` with the stages of a coarse-to-fine run.

    ``history`` spans all scales (``evaluation`` counts on across scales; each entry has a
    ``scale`` key, the long side in pixels); ``sizes`` are the scales; ``stages`` holds each
    scale's own :class:`~styletransfer.optimize.Result` (``stages[i].image`` is that scale's picture).
    """

    sizes: tuple[int, ...] = ()
    stages: list[Result] = field(default_factory=list, repr=False)


def multiscale_sizes(size: int, *, min_size: int = C.MULTISCALE_MIN_SIZE) -> tuple[int, ...]:
    """Long sides of the scales, coarsest first: ``size`` halved while it stays >= ``min_size``.

    Examples
    --------
    >>> multiscale_sizes(1024), multiscale_sizes(384), multiscale_sizes(200)
    ((128, 256, 512, 1024), (192, 384), (200,))
    """
    sizes = [whole_number("size", size, C.MIN_IMAGE_SIDE)]
    while sizes[-1] // 2 >= min_size:
        sizes.append(sizes[-1] // 2)
    return tuple(reversed(sizes))


#: Resize an RGB ``uint8`` image to ``(height, width)`` (Lanczos): :func:`styletransfer.images.resize_image`.
upsample = resize_image


def _check_scales(scales, size) -> tuple[int, ...]:
    sizes = tuple(int(s) for s in scales)
    if not sizes or any(s < C.MIN_IMAGE_SIDE for s in sizes) or list(sizes) != sorted(set(sizes)):
        raise ParameterError(f"scales must be increasing sizes >= {C.MIN_IMAGE_SIDE} px, got {scales!r}")
    if sizes[-1] != size:
        raise ParameterError(f"the last scale must equal size ({size}), got {sizes[-1]}; append {size}")
    return sizes


def _evals(evals_per_scale, n: int) -> list[int]:
    if evals_per_scale is None:
        evals_per_scale = C.MULTISCALE_EVALS
    counts = [int(evals_per_scale)] * n if np.isscalar(evals_per_scale) else [int(e) for e in evals_per_scale]
    if len(counts) != n or min(counts) < 1:
        raise ParameterError(f"evals_per_scale must be a positive integer or one per scale ({n}), got {evals_per_scale!r}")
    return counts


def _callback_offset(callback, offset: int, started: float):
    if callback is None:
        return None

    def shifted(progress: Progress):
        return callback(Progress(progress.evaluation + offset, progress.losses, progress.image,
                                 time.perf_counter() - started, progress.weights_label, progress.weights_kind))

    return shifted


def stylize_multiscale(
    content: ImageLike,
    style,
    *,
    size: int = C.DEFAULT_SIZE,
    scales: Sequence[int] | None = None,
    evals_per_scale: int | Sequence[int] | None = None,
    init=C.DEFAULT_INIT,
    optimizer: str = C.DEFAULT_OPTIMIZER,
    callback: Callable[[Progress], bool | None] | None = None,
    callback_every: int = C.DEFAULT_CALLBACK_EVERY,
    progress: bool = True,
    problem_class: type = StyleTransfer,
    **options,
) -> MultiscaleResult:
    """Stylise coarse to fine: each scale starts from the previous scale's result, upsampled.

    Parameters
    ----------
    content, style : ImageLike or str
        Images, paths or sample names (``style`` may be anything ``problem_class`` accepts, for
        example a list of styles for :class:`~styletransfer.extensions.spatial.MultiStyleTransfer`).
    size : int
        Long side of the final image.
    scales : sequence of int, optional
        Long sides, increasing, ending with ``size``. Default :func:`multiscale_sizes`: halve
        ``size`` while the result stays >= 128 px.
    evals_per_scale : int or sequence of int, optional
        Evaluations at each scale (default 100 each).
    init : {"content", "noise", "style"} or ImageLike
        Start of the coarsest scale; later scales start from the upsampled result.
    optimizer, callback, callback_every, progress
        As :func:`~styletransfer.optimize.optimize`; the callback sees evaluations counted
        across all scales.
    problem_class : type
        :class:`~styletransfer.transfer.StyleTransfer` or a subclass (``LuminanceTransfer``,
        ``MultiStyleTransfer``...), built once per scale as ``problem_class(content, style,
        size=scale, **problem_options)``.
    **options
        Flat keywords, sorted by :func:`styletransfer.api.split_options`: those of
        ``problem_class`` (weights, layers, ``style_size``...; ``style_size`` is scaled with each
        scale) and those of :func:`~styletransfer.optimize.optimize` (``learning_rate``, ``bounds``...).

    Returns
    -------
    MultiscaleResult
        The final image; ``history`` across scales; ``stages`` with each scale's result. A run
        stopped early returns its best image so far, upsampled to the final size.
    """
    from tqdm.auto import tqdm

    problem_options, run_options = split_options(options, problem_class=problem_class)
    content = as_image(content)
    style = style if isinstance(style, (list, tuple)) else as_image(style)
    sizes = multiscale_sizes(size) if scales is None else _check_scales(scales, size)
    counts = _evals(evals_per_scale, len(sizes))
    style_size = problem_options.pop("style_size", None)
    check_fits(content, style, size=size, style_size=style_size, content_layers=problem_options.get("content_layers"),
               style_layers=problem_options.get("style_layers"))  # the final scale, before the coarse ones run
    started, history, stages, start = time.perf_counter(), [], [], init
    bar = tqdm(total=len(sizes), desc="scales", unit="scale", disable=not progress, leave=False)
    try:
        for scale, count in zip(sizes, counts):
            options = dict(problem_options)
            if style_size is not None:
                options["style_size"] = max(C.MIN_IMAGE_SIDE, round(style_size * scale / size))
            problem = problem_class(content, style, size=scale, **options)
            offset = len(history)
            stage = problem.run(init=start, max_evals=count, optimizer=optimizer,
                                callback=_callback_offset(callback, offset, started),
                                callback_every=callback_every, progress=progress, **run_options)
            history += [{**h, "evaluation": h["evaluation"] + offset, "scale": scale} for h in stage.history]
            stages.append(stage)
            start = stage.image
            bar.update(1)
            bar.set_postfix(size=scale, loss=f"{stage.best_loss:.4g}")
            del problem
            if stage.stop_reason in ("stopped", "interrupted", "nonfinite"):
                break
    finally:
        bar.close()
    last = stages[-1]
    image, message = last.image, f"{len(stages)} scales {sizes[:len(stages)]}: {last.message}"
    if len(stages) < len(sizes):
        image = resize_image(last.image, as_image(content, size=size).shape)
        message = f"stopped at {sizes[len(stages) - 1]} px ({last.message}); image upsampled to {size} px"
    return MultiscaleResult(
        image=image, history=history, best_loss=last.best_loss,
        evaluations=sum(s.evaluations for s in stages), elapsed=time.perf_counter() - started,
        stop_reason=last.stop_reason, message=message, optimizer=optimizer,
        weights_kind=last.weights_kind, weights_label=last.weights_label,
        best_batch=last.best_batch if image is last.image else preprocess(image),
        sizes=sizes, stages=stages,
    )
