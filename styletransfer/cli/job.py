"""One style-transfer job from files to files: checks, run, checkpoints, image and run record.

This is what ``styletransfer run`` and ``styletransfer demo`` do, usable from Python too::

    from styletransfer.cli.job import RunOptions, execute
    outcome = execute(RunOptions("chelsea", "starry_night", "out/cat.png", size=256))

Everything that can be checked cheaply (numbers, layer names, the output folder, the weights) is
checked *before* the network is built and the long optimisation starts. The best image so far is
saved every ``checkpoint_every`` evaluations (atomically), and Ctrl-C or SIGTERM still writes the
best image and its record, with ``stop_reason`` ``"interrupted"``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import constants as C
from ..checks import check_device, check_problem_options
from ..errors import ImageError, ParameterError, StyleTransferError
from ..estimate import check_fits, output_shape, source_shape
from ..images import load_image
from ..optimize import check_run_options
from ..outputs import IMAGE_SUFFIXES, check_output, needed_bytes, output_lock
from ..record import save_result
from ..samples import resolve_source as _resolve_source
from ..strength import resolve_strength
from ..weights import (
    RandomWeightsWarning,
    WeightsSpec,
    random_weights_notice,
    resolve_weights,
    weights_cache_path,
)
from .signals import TermAsInterrupt, Terminated, signals_held

# TensorFlow (transfer) and scipy's optimiser are imported where the run starts: what validate()
# rejects is rejected at once, without loading them (tests/test_quiet.py).
if TYPE_CHECKING:
    from ..optimize import Result

__all__ = ["RunOptions", "Outcome", "JobState", "Terminated", "IMAGE_SUFFIXES", "resolve_source", "check_output",
           "check_sizes", "validate", "resolve_weights_quietly", "random_weights_warning", "execute"]


@dataclass
class RunOptions:
    """Everything a run needs; defaults are the library's (the paper's layers, L-BFGS)."""

    content: str
    style: str
    output: str | os.PathLike
    size: int = C.DEFAULT_SIZE
    style_size: int | None = None
    max_evals: int = C.DEFAULT_MAX_EVALS
    content_weight: float | None = None  # None: the default, or what strength sets
    style_weight: float | None = None
    tv_weight: float = C.DEFAULT_TV_WEIGHT
    strength: float | None = None
    init: str = C.DEFAULT_INIT
    content_layers: Sequence[str] = C.DEFAULT_CONTENT_LAYERS
    style_layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS
    style_layer_weights: Sequence[float] | None = None
    pooling: str = C.DEFAULT_POOLING
    optimizer: str = C.DEFAULT_OPTIMIZER
    learning_rate: float = C.DEFAULT_LEARNING_RATE
    bounds: str = C.DEFAULT_BOUNDS
    style_loss: str = C.DEFAULT_STYLE_LOSS
    parameterization: str = C.DEFAULT_PARAMETERIZATION
    weights: str = C.DEFAULT_WEIGHTS
    trust_weights: bool = False
    seed: int = C.DEFAULT_SEED
    precision: str = C.DEFAULT_PRECISION
    device: str = C.DEFAULT_DEVICE
    progress: bool = True
    checkpoint_every: int = 0
    overwrite: bool = False
    command: list[str] = field(default_factory=list)
    #: More top-level fields of the run record (a batch stores its job key and settings digest there).
    record_extra: dict = field(default_factory=dict)


@dataclass
class Outcome:
    """What :func:`execute` produced."""

    result: Result
    image_path: Path
    record_path: Path
    record: dict
    #: Why the image could not be written where asked (it went to ``image_path`` in the rescue folder).
    save_error: str | None = None
    #: The run was stopped by SIGTERM (``result.stop_reason`` is then ``"interrupted"``).
    terminated: bool = False


@dataclass
class JobState:
    """What a job has written so far (a caller's view while it runs or after it was interrupted)."""

    output: Path | None = None
    checkpoint_evaluations: int = 0


def resolve_source(text: str) -> str:
    """A file path, a URL, or a built-in sample name (fetched into the cache if needed) as a path.

    :func:`styletransfer.samples.resolve_source` as text, for the run record."""
    return os.fspath(_resolve_source(os.fspath(text)))


#: The command line's name for each option in its one-line errors (flag names live only in cli/).
FLAGS: dict[str, str] = {
    "size": "--size", "style_size": "--style-size", "max_evals": "--evals (maximum number of evaluations)",
    "checkpoint_every": "--checkpoint-every", "content_weight": "--alpha (content weight)",
    "style_weight": "--beta (style weight)", "tv_weight": "--tv (total-variation weight)",
    "learning_rate": "--lr (learning rate)", "pooling": "--pooling", "optimizer": "--optimizer",
    "bounds": "--bounds", "seed": "--seed", "style_layer_weights": "--style-layer-weights (style layer weight)",
    "precision": "--precision", "device": "--device",
}


def _smallest_size(shape: tuple[int, int]) -> int:
    size = max(C.MIN_IMAGE_SIDE, math.floor((C.MIN_IMAGE_SIDE - 0.5) * max(shape) / min(shape)) - 1)
    while min(output_shape(shape, size)) < C.MIN_IMAGE_SIDE:
        size += 1
    return size


def check_sizes(sources: dict[str, tuple[str, int | None]]) -> dict[str, tuple[int, int] | None]:
    """Refuse an image that would be smaller than the network allows at the size asked for.

    ``sources`` maps a role ("content image") to ``(source, size)``; returns each image's file
    size ``(height, width)`` (``None`` when unknown, e.g. for a URL). The message names the file's
    own size, the option and the smallest size that works.
    """
    shapes = {}
    for role, (source, size) in sources.items():
        shape = shapes[role] = source_shape(source)
        if shape is None and Path(source).expanduser().exists():
            load_image(source)  # not an image (a folder, a text file): its one-line error, now
        if shape is None or size is None or min(shape) < 1:
            continue
        height, width = output_shape(shape, size)
        if min(height, width) < C.MIN_IMAGE_SIDE:
            option = "--style-size" if role.startswith("style") else "--size"
            raise ImageError(
                f"{role} {source} ({shape[1]}x{shape[0]} pixels) is too small at {option} {size}: it would be "
                f"{width}x{height}, and each side needs at least {C.MIN_IMAGE_SIDE} px; use {option} "
                f"{_smallest_size(shape)} or more, or crop the image to a less extreme shape"
            )
    return shapes


def validate(options: RunOptions) -> dict:
    """Check every option without building the network; returns the resolved parameters."""
    if options.strength is not None and (options.content_weight, options.style_weight) != (None, None):
        raise ParameterError("give either --strength or --alpha/--beta, not both (strength sets both)")
    alpha, beta = resolve_strength(options.strength, options.content_weight, options.style_weight)
    problem = check_problem_options(
        size=options.size, style_size=options.style_size, content_layers=options.content_layers,
        style_layers=options.style_layers, style_layer_weights=options.style_layer_weights,
        content_weight=alpha, style_weight=beta, tv_weight=options.tv_weight,
        pooling=options.pooling, style_loss=options.style_loss, parameterization=options.parameterization,
        precision=options.precision, names=FLAGS,
    )
    check_device(options.device, name=FLAGS["device"])
    check_run_options(max_evals=options.max_evals, optimizer=options.optimizer, bounds=options.bounds,
                      learning_rate=options.learning_rate, seed=options.seed,
                      checkpoint_every=options.checkpoint_every, names=FLAGS)
    init = options.init
    if init not in C.INIT_CHOICES:
        init = resolve_source(init)
        load_image(init)
    return {
        "content": options.content, "style": options.style, "size": options.size,
        "style_size": options.style_size, "max_evals": options.max_evals,
        "content_weight": problem["content_weight"], "style_weight": problem["style_weight"],
        "tv_weight": problem["tv_weight"], "strength": options.strength, "init": init,
        "content_layers": list(problem["content_layers"]), "style_layers": list(problem["style_layers"]),
        "style_layer_weights": problem["style_layer_weights"] if options.style_layer_weights is not None else None,
        "pooling": options.pooling, "optimizer": options.optimizer,
        "learning_rate": float(options.learning_rate), "bounds": options.bounds,
        "weights": os.fspath(options.weights), "seed": options.seed,
        "checkpoint_every": options.checkpoint_every, "style_loss": options.style_loss,
        "parameterization": options.parameterization, "precision": options.precision, "device": options.device,
    }


def random_weights_warning(spec: WeightsSpec) -> str:
    """The loud line printed whenever a result is made with a random-weight VGG19 (one line)."""
    return f"WARNING: {random_weights_notice(spec)}"


def resolve_weights_quietly(weights: str | os.PathLike, *, seed: int, trust: bool = False) -> WeightsSpec:
    """:func:`resolve_weights` without the Python warning; print :func:`random_weights_warning` instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomWeightsWarning)
        return resolve_weights(weights, seed=seed, trust=trust)


def _inputs(options: RunOptions, content: str, style: str, init) -> dict[str, str | None]:
    """The files a run reads, which its output must never replace."""
    weights = os.fspath(options.weights)
    return {"content image": content, "style image": style,
            "starting image (--init)": None if init in C.INIT_CHOICES else init,
            "weights file": None if weights in ("auto", "imagenet", "random") else weights,
            f"weights file (${C.WEIGHTS_ENV_VAR})": os.environ.get(C.WEIGHTS_ENV_VAR),
            "weights file (Keras cache)": os.fspath(weights_cache_path())}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def execute(
    options: RunOptions,
    *,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = _stderr,
    state: JobState | None = None,
) -> Outcome:
    """Check, build the problem, optimise, and write the image and its run record.

    Parameters
    ----------
    options : RunOptions
        What to run.
    say, warn : callable
        Where progress notes and warnings go (default: stdout and stderr).
    state : JobState, optional
        Updated as checkpoints are written (what an interrupted caller can still report).

    Returns
    -------
    Outcome
        When the image cannot be written where asked, it goes to the rescue folder
        (:func:`styletransfer.outputs.rescue_pair`) and ``save_error`` says why.

    Raises
    ------
    StyleTransferError
        For any bad input, before the optimisation starts: the output checks and the lock of
        :mod:`styletransfer.outputs`, the memory check of :func:`styletransfer.estimate.check_fits`.
    """
    began = time.perf_counter()
    state = JobState() if state is None else state
    parameters = validate(options)
    content_src, style_src = resolve_source(options.content), resolve_source(options.style)
    shapes = check_sizes({"content image": (content_src, options.size),
                          "style image": (style_src, options.style_size or options.size)})
    layers = {"content_layers": parameters["content_layers"], "style_layers": parameters["style_layers"]}
    check_fits(content_src, style_src, size=options.size, style_size=options.style_size, size_name="--size",
               style_size_name="--style-size", optimizer=options.optimizer, **layers)
    out_shape = output_shape(shapes["content image"] or (options.size, options.size), options.size)
    inputs = _inputs(options, content_src, style_src, parameters["init"])
    space = needed_bytes(out_shape, options.max_evals)
    output = check_output(options.output, inputs=inputs, overwrite=True, space=space)
    with output_lock(output):
        check_output(output, inputs=inputs, overwrite=options.overwrite, space=space)
        state.output = output
        return _run(options, parameters, content_src, style_src, output, began, state, say, warn)


def _run(options, parameters, content_src, style_src, output, began, state, say, warn) -> Outcome:
    spec = resolve_weights_quietly(options.weights, seed=options.seed, trust=options.trust_weights)
    from ..devices import use_device
    from ..optimize import optimize
    from ..transfer import StyleTransfer

    device = use_device(options.device)  # before anything runs on a device

    problem = StyleTransfer(
        content_src, style_src, size=options.size, style_size=options.style_size,
        content_layers=parameters["content_layers"], style_layers=parameters["style_layers"],
        style_layer_weights=options.style_layer_weights, content_weight=parameters["content_weight"],
        style_weight=parameters["style_weight"], tv_weight=parameters["tv_weight"], weights=spec,
        pooling=options.pooling, seed=options.seed, style_loss=options.style_loss,
        parameterization=options.parameterization, precision=options.precision,
    )
    setup = time.perf_counter() - began
    parameters["style_layer_weights"] = dict(problem.style_layer_weights)
    if spec.is_random:
        warn(random_weights_warning(spec))
    height, width = problem.content_image.shape[:2]
    ran = getattr(problem, "precision", None)  # what the network runs in (test fakes may not say)
    where = f", on the {device.upper()}" + (f" in {ran.resolved}" if ran is not None else "")
    if ran is not None and ran.requested == "auto":
        where += f" ({ran.reason})"
    say(f"stylising {options.content} ({width}x{height}) with {options.style}: up to {options.max_evals} "
        f"{options.optimizer} evaluations, {spec.label}{where}")

    def write(result: Result, timings: dict, *, rescue: bool = False) -> tuple[Path, Path]:
        return save_result(
            output, result, parameters, rescue=rescue, content=problem.content_image, style=problem.style_image,
            content_source=content_src, style_source=style_src, weights=spec,
            timings=timings, extra={"command": options.command, "device": device, **options.record_extra},
        )

    def checkpoint(snapshot: Result) -> None:
        with signals_held(reraise=True):
            try:
                write(snapshot, {"setup": setup, **snapshot.timings})
            except (StyleTransferError, OSError) as exc:  # a failed checkpoint must not end the run
                warn(f"warning: checkpoint not saved ({exc})")
            else:
                state.checkpoint_evaluations = snapshot.evaluations

    with TermAsInterrupt() as term, warnings.catch_warnings():
        # The caller reports a non-finite loss from result.message, once.
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=".*returning the best image so far")
        result = optimize(
            problem, init=parameters["init"], max_evals=options.max_evals, optimizer=options.optimizer,
            learning_rate=parameters["learning_rate"], progress=options.progress, seed=options.seed,
            bounds=options.bounds, checkpoint=checkpoint, checkpoint_every=options.checkpoint_every,
        )
    timings = {"setup": setup, **result.timings, "total": time.perf_counter() - began}
    save_error = None
    with signals_held(reraise=False):  # a second Ctrl-C must not cut the final save short
        try:
            image, record = write(result, timings)
        except (StyleTransferError, OSError) as exc:
            save_error = " ".join(str(exc).split())
            image, record = write(result, timings, rescue=True)
    return Outcome(result, image, record, json.loads(record.read_text()), save_error, term.received)
