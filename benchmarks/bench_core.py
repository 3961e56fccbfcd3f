"""Core benchmark: the library's loss-and-gradient against a bare Keras VGG19, memory, a full run.

In one run, on this machine:

1. seconds per evaluation (loss + gradient, as the optimiser calls it) of
   ``StyleTransfer.loss_and_grad`` with the default layers (content conv4_2, style conv1_1..conv5_1),
   against a bare ``keras.applications.VGG19(weights=None, include_top=False)`` truncated at the same
   deepest layer (block5_conv1): a plain ``tf.function`` taking the gradient of the sum of its
   output. Square images (the built-in astronaut photo) of each ``--sizes``. Warm-up first, then
   ``--repeats`` interleaved timings of each, median. Goal: ratio <= 1.10.
2. peak resident memory of the process.
3. the wall time of ``--evals`` L-BFGS evaluations at the largest size. Goal: 300 evaluations at
   512 px in <= 5 minutes on 2 CPU cores.

Both networks use random weights (timing does not depend on the weight values); the output says so.
Usage::

    .venv/bin/python benchmarks/bench_core.py                      # the real thing (several minutes)
    .venv/bin/python benchmarks/bench_core.py --sizes 64 --evals 5 # a quick check that it works
    .venv/bin/python benchmarks/bench_core.py --append             # also record in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
import numpy as np  # noqa: E402
from _results import RESULTS, machine  # noqa: E402

END_MARKER = "<!-- bench_core:end -->"
SECTION = "## Core library (benchmarks/bench_core.py)"
RATIO_GOAL, RUN_GOAL_SECONDS, RUN_GOAL_EVALS, RUN_GOAL_SIZE = 1.10, 300.0, 300, 512
WEIGHTS_NOTE = "random weights (seeded; timing does not depend on the weight values)"


def problem(size: int):
    """The library's problem at ``size`` px: astronaut (square) with Starry Night, default layers."""
    from styletransfer.samples import load_sample
    from styletransfer.transfer import StyleTransfer

    return StyleTransfer(load_sample("astronaut"), load_sample("starry_night"), size=size, weights="random")


def baseline(shape: tuple[int, ...], last_layer: str = "block5_conv1") -> Callable:
    """A bare Keras VGG19 truncated at ``last_layer``: gradient of the sum of its output, compiled."""
    import keras
    import tensorflow as tf

    vgg = keras.applications.VGG19(weights=None, include_top=False, input_shape=(None, None, 3))
    model = keras.Model(vgg.input, vgg.get_layer(last_layer).output)

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
    def loss_and_grad(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(model(x, training=False))
        return loss, tape.gradient(loss, x)

    return loss_and_grad


def _time_once(fn: Callable, x) -> float:
    """Seconds for one evaluation, including the conversion to NumPy the optimiser does."""
    start = time.perf_counter()
    out = fn(x)
    float(out[0])
    np.asarray(out[-1])
    return time.perf_counter() - start


def compare(size: int, *, repeats: int = 5, warmup: int = 2) -> dict:
    """Median seconds per evaluation of the library and the bare VGG19 at ``size``, interleaved."""
    prob = problem(size)
    x = prob.init_image("content")
    bare = baseline(prob.shape)
    library_fn = prob.loss_and_grad
    for _ in range(warmup):
        _time_once(library_fn, x)
        _time_once(bare, x)
    library, plain = [], []
    for _ in range(repeats):
        library.append(_time_once(library_fn, x))
        plain.append(_time_once(bare, x))
    lib, base = statistics.median(library), statistics.median(plain)
    return {"size": size, "shape": prob.shape[1:3], "library": lib, "baseline": base, "ratio": lib / base,
            "repeats": repeats}


def full_run(size: int, evals: int) -> dict:
    """Wall time of ``evals`` L-BFGS evaluations at ``size`` (setup excluded, compilation included)."""
    prob = problem(size)
    result = prob.run(max_evals=evals, progress=False)
    return {"size": size, "shape": prob.shape[1:3], "evaluations": result.evaluations, "seconds": result.elapsed,
            "per_evaluation": result.seconds_per_evaluation, "stop_reason": result.stop_reason}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def markdown(comparisons: Sequence[dict], run: dict | None, rss: float) -> str:
    """The results as a markdown fragment (a table and two lines)."""
    lines = [
        f"| size | image | library s/eval | bare VGG19 s/eval | ratio (goal <= {RATIO_GOAL:.2f}) |",
        "|---:|---|---:|---:|---:|",
    ]
    for c in comparisons:
        verdict = "ok" if c["ratio"] <= RATIO_GOAL else "over"
        lines.append(f"| {c['size']} | {c['shape'][1]}x{c['shape'][0]} | {c['library']:.4f} | {c['baseline']:.4f} "
                     f"| {c['ratio']:.3f} ({verdict}) |")
    lines.append("")
    if run is not None:
        goal = ""
        if run["evaluations"] == RUN_GOAL_EVALS and run["size"] == RUN_GOAL_SIZE:
            goal = f" (goal <= {RUN_GOAL_SECONDS:.0f} s: {'ok' if run['seconds'] <= RUN_GOAL_SECONDS else 'over'})"
        lines.append(f"- L-BFGS, {run['evaluations']} evaluations at {run['shape'][1]}x{run['shape'][0]}: "
                     f"{run['seconds']:.1f} s ({run['per_evaluation']:.3f} s per evaluation){goal}")
    lines.append(f"- peak RSS: {rss:.0f} MB")
    lines.append(f"- weights: {WEIGHTS_NOTE}")
    return "\n".join(lines)


def append_results(text: str, path: Path = RESULTS) -> None:
    """Add a dated entry with the machine description to the core part of RESULTS.md."""
    _results.append_results(text, header=machine(), section=SECTION, marker=END_MARKER, path=path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256,512", help="comma-separated square sizes in px (default 256,512)")
    parser.add_argument("--evals", type=int, default=RUN_GOAL_EVALS,
                        help="L-BFGS evaluations of the full run at the largest size (0: skip; default 300)")
    parser.add_argument("--repeats", type=int, default=5, help="timed evaluations per size and network (median)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed evaluations first (compilation)")
    parser.add_argument("--append", action="store_true", help=f"also record the results in {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    print(f"# bench_core: {machine()}\n# {WEIGHTS_NOTE}\n", flush=True)
    comparisons = []
    for size in sizes:
        comparisons.append(compare(size, repeats=args.repeats, warmup=args.warmup))
        print(f"size {size}: library/bare = {comparisons[-1]['ratio']:.3f}", file=sys.stderr, flush=True)
    run = full_run(max(sizes), args.evals) if args.evals > 0 else None
    text = markdown(comparisons, run, peak_rss_mb())
    print(text)
    if args.append:
        append_results(text, args.results)
        print(f"\nappended to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
