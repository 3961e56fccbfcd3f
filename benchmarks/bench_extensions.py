"""Extensions benchmark: coarse-to-fine L-BFGS against the TensorFlow tutorial's recipe, and 1024 px.

In one run, on this machine:

(a) **Time to the tutorial's loss.** The TensorFlow tutorial's objective (content block5_conv2, style
    block1..5_conv1, max pooling, its alpha/beta converted exactly, raw features, no TV) at ``--size``.
    Its recipe (Adam, lr 0.02 on [0, 1] images = 5.1 pixel units, beta1 0.99, eps 0.1 (= 0.1/255 in
    pixel units), from the content image) runs ``--tf-steps`` steps; its best loss is the target.
    Then this library's best default on the *same* objective: L-BFGS, coarse to fine (scales from
    :func:`~styletransfer.extensions.multiscale.multiscale_sizes`), from the content image, stopping as soon as
    the full-size loss reaches the target; and plain single-scale L-BFGS for reference. Times include
    every scale's setup for the multi-scale run, and the optimisation only for the tutorial's recipe.
    Goal: multi-scale time / tutorial time <= 1/3. ``--objective library`` runs the same race on this
    library's default objective (paper layers, normalised features, alpha 1, beta 10, TV 0.01) with
    Adam's eps 1e-8 (eps 0.1 belongs to the tutorial's loss scale). With random weights the
    tutorial's raw-feature objective is dominated by the deep layers' Gram matrices and both
    optimisers crawl on it; the library's objective is the one the random network is normalised for.
(b) **1024 px.** A coarse-to-fine run to ``--big-size`` px in a fresh process: wall time and peak
    resident memory (goal <= 8 GB on CPU).

Usage::

    .venv/bin/python benchmarks/bench_extensions.py                    # the real thing (an hour or more)
    .venv/bin/python benchmarks/bench_extensions.py --size 64 --tf-steps 20 --big-size 96 --big-evals 3
    .venv/bin/python benchmarks/bench_extensions.py --append           # also record in RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
from _results import machine  # noqa: E402
from bench_core import peak_rss_mb  # noqa: E402

RESULTS = _results.RESULTS
END_MARKER = "<!-- bench_extensions:end -->"
SECTION = "## Extensions (benchmarks/bench_extensions.py)"
SPEED_GOAL, MEMORY_GOAL_MB = 1 / 3, 8 * 1024
OBJECTIVE_NOTE = "on this library's default objective (paper layers, normalised features), Adam eps 1e-8"


def tutorial_problem(content: str, style: str, size: int, weights: str, objective: str = "tf_tutorial"):
    """The TensorFlow tutorial's objective (or this library's default one) and its Adam recipe."""
    from styletransfer.extensions.presets import preset_options
    from styletransfer.images import load_image
    from styletransfer.samples import load_sample
    from styletransfer.transfer import StyleTransfer

    shape = load_image(load_sample(content), size=size).shape[:2]
    options, run = preset_options("tf_tutorial", shape)
    if objective == "library":  # paper layers, normalised features; Adam's eps made scale-free
        options, run["adam_options"] = {}, {**run["adam_options"], "epsilon": 1e-8}
    return options, run, lambda s: StyleTransfer(load_sample(content), load_sample(style), size=s,
                                                  weights=weights, **options)


class _Clock:
    """Callback that records (seconds, total loss) at the full size and stops at a target."""

    def __init__(self, shape, target=None):
        self.shape, self.target, self.start, self.hit = tuple(shape), target, time.perf_counter(), None

    def __call__(self, progress):
        if progress.image.shape[:2] != self.shape:
            return False
        if self.target is not None and progress.losses["total"] <= self.target and self.hit is None:
            self.hit = time.perf_counter() - self.start
            return True
        return False


def time_to_loss(content: str, style: str, *, size: int, tf_steps: int, max_evals: int, weights: str,
                 evals_per_scale: int, min_scale: int = 128, objective: str = "tf_tutorial") -> dict:
    """Benchmark (a); see the module docstring."""
    from styletransfer.extensions.multiscale import multiscale_sizes, stylize_multiscale

    options, run, build = tutorial_problem(content, style, size, weights, objective)
    problem = build(size)
    shape = problem.shape[1:3]
    run["max_evals"] = tf_steps
    problem.loss_and_grad(problem.init_image("content"))  # compile first: time the optimisation only
    tutorial = problem.run(progress=False, **run)
    target = tutorial.best_loss
    label = tutorial.weights_label
    single_clock = _Clock(shape, target)
    problem.run(init="content", optimizer="lbfgs", max_evals=max_evals, progress=False,
                callback=single_clock, callback_every=1)
    sizes = multiscale_sizes(size, min_size=min_scale)
    multi_clock = _Clock(shape, target)
    multi = stylize_multiscale(content, style, size=size, scales=sizes,
                               evals_per_scale=[evals_per_scale] * (len(sizes) - 1) + [max_evals],
                               init="content", weights=weights, progress=False, callback=multi_clock,
                               callback_every=1, **options)
    return {"size": size, "shape": shape, "tf_steps": tf_steps, "tf_seconds": tutorial.elapsed,
            "target": target, "single_seconds": single_clock.hit, "multi_seconds": multi_clock.hit,
            "multi_evaluations": multi.evaluations, "scales": sizes, "weights": label, "objective": objective}


def big_run(content: str, style: str, *, size: int, evals: int, weights: str) -> dict:
    """Benchmark (b), in this process: a coarse-to-fine run to ``size`` px; time and peak RSS."""
    from styletransfer.extensions.multiscale import stylize_multiscale

    start = time.perf_counter()
    result = stylize_multiscale(content, style, size=size, evals_per_scale=evals, weights=weights, progress=False)
    return {"size": size, "shape": result.image.shape[:2], "scales": result.sizes, "evaluations": result.evaluations,
            "seconds": time.perf_counter() - start, "peak_rss_mb": peak_rss_mb(), "weights": result.weights_label}


def big_run_subprocess(args) -> dict:
    """Benchmark (b) in a fresh interpreter, so (a)'s memory does not count."""
    command = [sys.executable, __file__, "--only", "big", "--json", "--content", args.content, "--style", args.style,
               "--big-size", str(args.big_size), "--big-evals", str(args.big_evals), "--weights", args.weights]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _seconds(value) -> str:
    return "not reached" if value is None else f"{value:.1f} s"


def markdown(speed: dict | None, big: dict | None) -> str:
    """The results as a markdown fragment."""
    lines = []
    if speed is not None:
        h, w = speed["shape"]
        lines += [
            f"**(a) Time to the loss of the TensorFlow tutorial's recipe** ({w}x{h} px, "
            f"{'its layers and weights' if speed.get('objective', 'tf_tutorial') == 'tf_tutorial' else OBJECTIVE_NOTE}, "
            f"target = its best loss after {speed['tf_steps']} Adam steps: {speed['target']:.4g})",
            "",
            "| method | time | ratio to the tutorial's recipe |",
            "|---|---:|---:|",
            f"| tutorial recipe: Adam lr 0.02 (x255), beta1 0.99, "
            f"eps {'0.1' if speed.get('objective', 'tf_tutorial') == 'tf_tutorial' else '1e-8'}, {speed['tf_steps']} steps "
            f"| {speed['tf_seconds']:.1f} s | 1 |",
        ]
        for name, key in (("L-BFGS, single scale", "single_seconds"),
                          (f"L-BFGS, coarse to fine {speed['scales']}", "multi_seconds")):
            value = speed[key]
            ratio = "-" if value is None else f"{value / speed['tf_seconds']:.3f}"
            if key == "multi_seconds" and value is not None:
                ratio += f" (goal <= 0.333: {'ok' if value / speed['tf_seconds'] <= SPEED_GOAL else 'over'})"
            lines.append(f"| {name} | {_seconds(value)} | {ratio} |")
        lines += ["", f"- weights: {speed['weights']}", ""]
    if big is not None:
        h, w = big["shape"]
        verdict = "ok" if big["peak_rss_mb"] <= MEMORY_GOAL_MB else "over"
        lines += [
            f"**(b) Coarse to fine to {w}x{h} px** (scales {big['scales']}, {big['evaluations']} evaluations): "
            f"{big['seconds']:.1f} s, peak RSS {big['peak_rss_mb']:.0f} MB (goal <= {MEMORY_GOAL_MB} MB: {verdict})",
            "",
            f"- weights: {big['weights']}",
        ]
    return "\n".join(lines)


def append_results(text: str, path: Path = RESULTS) -> None:
    """Add a dated entry with the machine description to the Extensions part of RESULTS.md."""
    _results.append_results(text, header=machine(load="at the end"), section=SECTION, marker=END_MARKER, path=path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", default="chelsea")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--size", type=int, default=512, help="size of benchmark (a) (default 512, the tutorial's)")
    parser.add_argument("--tf-steps", type=int, default=1000, help="Adam steps of the tutorial's recipe")
    parser.add_argument("--max-evals", type=int, default=1000, help="cap on L-BFGS evaluations at the full size")
    parser.add_argument("--evals-per-scale", type=int, default=50, help="L-BFGS evaluations at each coarse scale")
    parser.add_argument("--min-scale", type=int, default=128, help="coarsest scale of (a) (default 128)")
    parser.add_argument("--objective", choices=("tf_tutorial", "library"), default="tf_tutorial",
                        help="loss of (a): the tutorial's (default) or this library's default")
    parser.add_argument("--big-size", type=int, default=1024)
    parser.add_argument("--big-evals", type=int, default=100, help="evaluations per scale of benchmark (b)")
    parser.add_argument("--weights", default="auto", help="auto (ImageNet if present, else random), random, or a path")
    parser.add_argument("--only", choices=("speed", "big"), help="run only one benchmark (big: in this process)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON line")
    parser.add_argument("--append", action="store_true", help=f"also record the results in {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    speed = big = None
    if args.only in (None, "speed"):
        speed = time_to_loss(args.content, args.style, size=args.size, tf_steps=args.tf_steps,
                             max_evals=args.max_evals, weights=args.weights, evals_per_scale=args.evals_per_scale,
                             min_scale=args.min_scale, objective=args.objective)
    if args.only == "big":
        big = big_run(args.content, args.style, size=args.big_size, evals=args.big_evals, weights=args.weights)
    elif args.only is None:
        big = big_run_subprocess(args)
    if args.json:
        print(json.dumps(big if args.only == "big" else {"speed": speed, "big": big}, default=list))
        return 0
    text = markdown(speed, big)
    print(text)
    if args.append:
        append_results(text, args.results)
        print(f"\nappended to {args.results}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
