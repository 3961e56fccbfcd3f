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
import os
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import constants as C
from ..errors import ParameterError, StyleTransferError
from ..images import load_image
from ..optimize import Result, check_run_options, optimize
from ..record import save_result
from ..samples import resolve_source as _resolve_source
from ..transfer import StyleTransfer, check_problem_options
from ..weights import RandomWeightsWarning, WeightsSpec, resolve_weights

__all__ = ["RunOptions", "Outcome", "IMAGE_SUFFIXES", "resolve_source", "check_output", "validate",
           "resolve_weights_quietly", "random_weights_warning", "execute"]

#: Output file types (the format follows the suffix).
IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp")


@dataclass
class RunOptions:
    """Everything a run needs; defaults are the library's (the paper's layers, L-BFGS)."""

    content: str
    style: str
    output: str | os.PathLike
    size: int = C.DEFAULT_SIZE
    style_size: int | None = None
    max_evals: int = C.DEFAULT_MAX_EVALS
    content_weight: float = C.DEFAULT_CONTENT_WEIGHT
    style_weight: float = C.DEFAULT_STYLE_WEIGHT
    tv_weight: float = C.DEFAULT_TV_WEIGHT
    init: str = C.DEFAULT_INIT
    content_layers: Sequence[str] = C.DEFAULT_CONTENT_LAYERS
    style_layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS
    style_layer_weights: Sequence[float] | None = None
    pooling: str = C.DEFAULT_POOLING
    optimizer: str = C.DEFAULT_OPTIMIZER
    learning_rate: float = C.DEFAULT_LEARNING_RATE
    bounds: str = C.DEFAULT_BOUNDS
    weights: str = C.DEFAULT_WEIGHTS
    seed: int = C.DEFAULT_SEED
    progress: bool = True
    checkpoint_every: int = 0
    command: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What :func:`execute` produced."""

    result: Result
    image_path: Path
    record_path: Path
    record: dict


def resolve_source(text: str) -> str:
    """A file path, a URL, or a built-in sample name (fetched into the cache if needed) as a path.

    :func:`styletransfer.samples.resolve_source` as text, for the run record."""
    return os.fspath(_resolve_source(os.fspath(text)))


def check_output(path: str | os.PathLike) -> Path:
    """Fail now, not after the optimisation, if the image (and its ``.json``) cannot be written."""
    target = Path(path).expanduser()
    if target.suffix.lower() not in IMAGE_SUFFIXES:
        raise ParameterError(
            f"output {target} must end in {', '.join(IMAGE_SUFFIXES)} (the run record goes next to it as .json)"
        )
    if target.is_dir():
        raise ParameterError(f"output {target} is a folder; give a file name such as {target / 'result.png'}")
    folder = target.parent
    if not folder.is_dir():
        raise ParameterError(f"cannot write {target}: folder {folder} does not exist; create it first (mkdir -p {folder})")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".styletransfer-probe-")
    except OSError as exc:
        raise ParameterError(
            f"cannot write {target}: folder {folder} is not writable ({exc.strerror}); choose another output path"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return target


#: The command line's name for each option in its one-line errors (flag names live only in cli/).
FLAGS: dict[str, str] = {
    "size": "--size", "style_size": "--style-size", "max_evals": "--evals (maximum number of evaluations)",
    "checkpoint_every": "--checkpoint-every", "content_weight": "--alpha (content weight)",
    "style_weight": "--beta (style weight)", "tv_weight": "--tv (total-variation weight)",
    "learning_rate": "--lr (learning rate)", "pooling": "--pooling", "optimizer": "--optimizer",
    "bounds": "--bounds", "seed": "--seed", "style_layer_weights": "--style-layer-weights (style layer weight)",
}


def validate(options: RunOptions) -> dict:
    """Check every option without building the network; returns the resolved parameters."""
    problem = check_problem_options(
        size=options.size, style_size=options.style_size, content_layers=options.content_layers,
        style_layers=options.style_layers, style_layer_weights=options.style_layer_weights,
        content_weight=options.content_weight, style_weight=options.style_weight, tv_weight=options.tv_weight,
        pooling=options.pooling, names=FLAGS,
    )
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
        "tv_weight": problem["tv_weight"], "init": init,
        "content_layers": list(problem["content_layers"]), "style_layers": list(problem["style_layers"]),
        "style_layer_weights": problem["style_layer_weights"] if options.style_layer_weights is not None else None,
        "pooling": options.pooling, "optimizer": options.optimizer,
        "learning_rate": float(options.learning_rate), "bounds": options.bounds,
        "weights": os.fspath(options.weights), "seed": options.seed,
        "checkpoint_every": options.checkpoint_every,
    }


def random_weights_warning(spec: WeightsSpec) -> str:
    """The loud line printed whenever a result is made with a random-weight VGG19."""
    why = f"\n  (ImageNet weights unavailable: {spec.fallback_reason})" if spec.fallback_reason else ""
    return (f"WARNING: {spec.label}. Run `{C.FETCH_COMMAND}` while online, then "
            f"`--weights imagenet`, for the real result.{why}")


def resolve_weights_quietly(weights: str | os.PathLike, *, seed: int) -> WeightsSpec:
    """:func:`resolve_weights` without the Python warning; print :func:`random_weights_warning` instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RandomWeightsWarning)
        return resolve_weights(weights, seed=seed)


class _TermAsInterrupt:
    """While active, SIGTERM raises KeyboardInterrupt, so a killed run still saves its best image."""

    def __enter__(self):
        self._old = None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def execute(
    options: RunOptions,
    *,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = _stderr,
) -> Outcome:
    """Check, build the problem, optimise, and write the image and its run record.

    Parameters
    ----------
    options : RunOptions
        What to run.
    say, warn : callable
        Where progress notes and warnings go (default: stdout and stderr).

    Raises
    ------
    StyleTransferError
        For any bad input, before the optimisation starts.
    """
    began = time.perf_counter()
    parameters = validate(options)
    output = check_output(options.output)
    content_src, style_src = resolve_source(options.content), resolve_source(options.style)
    spec = resolve_weights_quietly(options.weights, seed=options.seed)
    problem = StyleTransfer(
        content_src, style_src, size=options.size, style_size=options.style_size,
        content_layers=parameters["content_layers"], style_layers=parameters["style_layers"],
        style_layer_weights=options.style_layer_weights, content_weight=parameters["content_weight"],
        style_weight=parameters["style_weight"], tv_weight=parameters["tv_weight"], weights=spec,
        pooling=options.pooling, seed=options.seed,
    )
    setup = time.perf_counter() - began
    parameters["style_layer_weights"] = dict(problem.style_layer_weights)
    if spec.is_random:
        warn(random_weights_warning(spec))
    height, width = problem.content_image.shape[:2]
    say(f"stylising {options.content} ({width}x{height}) with {options.style}: up to {options.max_evals} "
        f"{options.optimizer} evaluations, {spec.label}")

    def write(result: Result, timings: dict) -> Path:
        return save_result(
            output, result, parameters, content=problem.content_image, style=problem.style_image,
            content_source=content_src, style_source=style_src, weights=spec,
            timings=timings, extra={"command": options.command},
        )[1]

    def checkpoint(snapshot: Result) -> None:
        try:
            write(snapshot, {"setup": setup, **snapshot.timings})
        except (StyleTransferError, OSError) as exc:  # a failed checkpoint must not end the run
            warn(f"warning: checkpoint not saved ({exc})")

    with _TermAsInterrupt():
        result = optimize(
            problem, init=parameters["init"], max_evals=options.max_evals, optimizer=options.optimizer,
            learning_rate=parameters["learning_rate"], progress=options.progress, seed=options.seed,
            bounds=options.bounds, checkpoint=checkpoint, checkpoint_every=options.checkpoint_every,
        )
    path = write(result, {"setup": setup, **result.timings, "total": time.perf_counter() - began})
    return Outcome(result, output, path, json.loads(path.read_text()))

