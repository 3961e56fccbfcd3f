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

4. with ``--precisions float32,bfloat16,float16``: seconds per evaluation of the library in each
   type at each size (interleaved with float32 and the bare pass, so the float32 overhead ratio is
   measured in the same run), the ratio to float32 (goal >= 1.7x for bfloat16 on a CPU with
   bfloat16 instructions), the peak resident memory of one evaluation in a fresh process per type
   at the largest size, and the quality guard: ``--quality-evals`` L-BFGS evaluations at each of
   ``--quality-sizes`` in each type, the best image re-evaluated in float32 (difference to
   float32's loss, goal within 2%) and the mean absolute difference of the pictures in grey levels.

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


def problem(size: int, precision: str = "float32"):
    """The library's problem at ``size`` px: astronaut (square) with Starry Night, default layers."""
    from styletransfer.samples import load_sample
    from styletransfer.transfer import StyleTransfer

    return StyleTransfer(load_sample("astronaut"), load_sample("starry_night"), size=size, weights="random",
                         precision=precision)


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


def compare_precisions(size: int, precisions: Sequence[str], *, repeats: int = 3, warmup: int = 1) -> dict:
    """Median s/eval of the bare pass and of the library in each type at ``size``, interleaved."""
    problems = {p: problem(size, p) for p in precisions}
    x = problems[precisions[0]].init_image("content")
    fns = {"bare": baseline(problems[precisions[0]].shape), **{p: q.loss_and_grad for p, q in problems.items()}}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(warmup + repeats):
        for name, fn in fns.items():
            seconds = _time_once(fn, x)
            if i >= warmup:
                times[name].append(seconds)
    return {"size": size, **{name: statistics.median(t) for name, t in times.items()}}


def quality(size: int, evals: int, precisions: Sequence[str]) -> dict:
    """L-BFGS runs in each type; best image re-evaluated in float32; picture difference to float32's."""
    runs = {p: problem(size, p).run(max_evals=evals, progress=False) for p in precisions}
    exact = problem(size, "float32")
    ref = runs["float32"]
    reference = float(exact.loss_and_grad(ref.best_batch)[0])
    out = {"size": size, "evals": evals}
    for p, r in runs.items():
        loss = float(exact.loss_and_grad(r.best_batch)[0])
        out[p] = {"loss": loss, "difference": loss / reference - 1,
                  "grey": float(np.abs(r.image.astype(float) - ref.image.astype(float)).mean()),
                  "evaluations": r.evaluations, "stop_reason": r.stop_reason,
                  "seconds_per_evaluation": r.timings.get("median_evaluation_after_first")}
    return out


def memory_probe(size: int, precision: str) -> float:
    """Peak RSS (MB) of a fresh process that builds the problem and runs two evaluations."""
    import subprocess

    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_core as b; "
            f"p = b.problem({size}, {precision!r}); x = p.init_image('content'); "
            f"[b._time_once(p.loss_and_grad, x) for _ in range(2)]; print(b.peak_rss_mb())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def precision_markdown(rows: Sequence[dict], precisions: Sequence[str], memory: dict, checks: Sequence[dict]) -> str:
    """Tables: s/eval per type and ratio to float32, the float32 overhead, peak memory, quality."""
    reduced = [p for p in precisions if p != "float32"]
    head = "| size | bare s/eval | float32 s/eval | float32 / bare | " + " | ".join(
        f"{p} s/eval | float32 / {p}" for p in reduced) + " |"
    lines = [head, "|---:" * (4 + 2 * len(reduced)) + "|"]
    for r in rows:
        cells = [f"{r['size']}", f"{r['bare']:.4f}", f"{r['float32']:.4f}", f"{r['float32'] / r['bare']:.3f}"]
        cells += [f"{r[p]:.4f} | {r['float32'] / r[p]:.2f}x" for p in reduced]
        lines.append("| " + " | ".join(cells) + " |")
    if memory:
        size = max(r["size"] for r in rows)
        lines += ["", f"Peak RSS of one process building the problem and running 2 evaluations at {size} px: "
                  + ", ".join(f"{p} {mb:.0f} MB" for p, mb in memory.items())]
    for c in checks:
        lines += ["", f"Quality guard, {c['evals']} L-BFGS evaluations at {c['size']} px (best image "
                  "re-evaluated in float32; goal within 2% of float32's):", "",
                  "| type | loss in float32 | difference | mean abs picture difference (grey levels) | stop |",
                  "|---|---:|---:|---:|---|"]
        for p in (p for p in precisions if p in c):
            q = c[p]
            lines.append(f"| {p} | {q['loss']:.5g} | {q['difference']:+.2%} | {q['grey']:.2f} "
                         f"| {q['stop_reason']} after {q['evaluations']} |")
    return "\n".join(lines)


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
    parser.add_argument("--precisions", default="",
                        help="comma-separated types for the precision tables, float32 first (e.g. float32,bfloat16)")
    parser.add_argument("--quality-sizes", default="", help="sizes of the precision quality guard (e.g. 256,512)")
    parser.add_argument("--quality-evals", type=int, default=300, help="L-BFGS evaluations of the quality guard")
    parser.add_argument("--quality-precisions", default="",
                        help="types of the quality guard (default: those of --precisions; float32 is always run)")
    parser.add_argument("--append", action="store_true", help=f"also record the results in {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    print(f"# bench_core: {machine()}\n# {WEIGHTS_NOTE}\n", flush=True)
    precisions = [p for p in args.precisions.split(",") if p.strip()]
    if precisions:
        return _precision_main(args, sizes, precisions)
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


def _precision_main(args, sizes: Sequence[int], precisions: Sequence[str]) -> int:
    if precisions[0] != "float32":
        precisions = ["float32", *[p for p in precisions if p != "float32"]]
    rows = []
    for size in sizes:
        rows.append(compare_precisions(size, precisions, repeats=args.repeats, warmup=args.warmup))
        print(f"size {size}: " + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items() if k != "size"),
              file=sys.stderr, flush=True)
    memory = {p: memory_probe(max(sizes), p) for p in precisions}
    guarded = [p for p in precisions if p in args.quality_precisions.split(",")] if args.quality_precisions else precisions
    guarded = ["float32", *[p for p in guarded if p != "float32"]]
    checks = [quality(int(s), args.quality_evals, guarded) for s in args.quality_sizes.split(",") if s.strip()]
    text = precision_markdown(rows, precisions, memory, checks) + f"\n- weights: {WEIGHTS_NOTE}"
    print(text)
    if args.append:
        _results.append_results(text, header=machine(load="at the end"), section=SECTION, marker=END_MARKER,
                                path=args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
