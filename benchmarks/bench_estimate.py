"""Estimator benchmark: :func:`styletransfer.estimate.estimate` against the measured peak memory.

For each size (default 256, 512, 1024 and 2048 px, chelsea with Starry Night, seeded random
weights, the default layers and L-BFGS), a fresh Python process builds the problem and runs a few
evaluations; its peak resident memory (``VmHWM`` in ``/proc/self/status``, the whole process:
Python, TensorFlow, the network, the images, the optimiser) and its median seconds per evaluation
after the first are compared with the estimate. Goal: the memory estimate within 25% of the
measured peak at every size, and a 2048 px picture made on a 24 GB, 2-core machine.

Usage::

    .venv/bin/python benchmarks/bench_estimate.py                      # 256..2048 px (tens of minutes on 2 busy cores)
    .venv/bin/python benchmarks/bench_estimate.py --sizes 64,96 --evals 2   # a quick check that it works
    .venv/bin/python benchmarks/bench_estimate.py --append             # also record in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
from _results import machine  # noqa: E402

SECTION = "## Resource estimate (benchmarks/bench_estimate.py)"
MARKER = "<!-- bench_estimate: new results above this line -->"
CONTENT, STYLE = "chelsea", "starry_night"


def _peak_rss() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(size: int, evals: int) -> dict:
    """Build the problem and run ``evals`` evaluations in this process; report peak memory and times."""
    import numpy as np

    from styletransfer import StyleTransfer, load_sample, optimize

    began = time.perf_counter()
    problem = StyleTransfer(load_sample(CONTENT), load_sample(STYLE), size=size, weights="random")
    setup = time.perf_counter() - began
    times: list[float] = []
    original = problem.loss_and_grad

    def timed(x):
        start = time.perf_counter()
        out = original(x)
        np.asarray(out[2])
        times.append(time.perf_counter() - start)
        return out

    problem.loss_and_grad = timed
    result = optimize(problem, max_evals=evals, progress=False)
    return {"size": size, "shape": list(result.image.shape[:2]), "evaluations": result.evaluations,
            "setup": setup, "times": times, "peak_bytes": _peak_rss()}


def measure(size: int, evals: int) -> dict:
    """Run :func:`child` in a fresh process (so that its peak memory is its own)."""
    out = subprocess.run([sys.executable, __file__, "--child", str(size), "--evals", str(evals)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(sizes: Sequence[int], evals: int) -> list[dict]:
    from styletransfer.estimate import estimate

    rows = []
    for size in sizes:
        got = measure(size, evals)
        est = estimate(CONTENT, STYLE, size=size)
        rest = got["times"][1:] or got["times"]
        rows.append({**got, "estimate_bytes": est.peak_bytes, "error": est.peak_bytes / got["peak_bytes"] - 1,
                     "seconds_per_evaluation": statistics.median(rest),
                     "estimate_seconds": est.seconds_per_evaluation, "calibrated": est.calibrated})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| size | picture | measured peak | estimate | error | s/eval measured | s/eval estimate |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        h, w = r["shape"]
        lines.append(f"| {r['size']} px | {w}x{h} | {r['peak_bytes'] / 1e9:.2f} GB | {r['estimate_bytes'] / 1e9:.2f} GB "
                     f"| {100 * r['error']:+.0f}% | {r['seconds_per_evaluation']:.2f} | {r['estimate_seconds']:.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256,512,1024,2048", help="comma-separated long sides")
    parser.add_argument("--evals", type=int, default=2, help="evaluations per size (the first compiles)")
    parser.add_argument("--append", action="store_true", help="add the results to benchmarks/RESULTS.md")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.evals)))
        return 0
    from styletransfer.estimate import available_memory, calibrate

    calibrate()
    load = f"at the start; {available_memory() / 1e9:.1f} GB available"
    header = f"Machine: {machine(load=load)}. {args.evals} L-BFGS evaluations per size, {CONTENT} + {STYLE}, random weights."
    rows = compare([int(s) for s in args.sizes.split(",")], args.evals)
    text = table(rows)
    worst = max(abs(r["error"]) for r in rows)
    text += f"\n\nLargest memory error {100 * worst:.0f}% (goal: within 25%)."
    print(header + "\n\n" + text)
    if args.append:
        _results.append_results(text, header=header, section=SECTION, marker=MARKER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
