"""Time to a good picture: L-BFGS against Adam, both directions, several pairs and sizes.

For each content/style pair and size, on the library's default objective (paper layers,
normalised features, alpha 1, beta 10, TV 0.01, from the content image, seeded random VGG19):

* **Adam tuned the scale-free way**: the TensorFlow tutorial's learning rate 0.02 on [0, 1]
  images, which is 0.02 x 255 = 5.1 grey levels in this library's pixel units (the library's
  own default, ``DEFAULT_LEARNING_RATE``, is 5.0), beta_1 0.99 (the tutorial's; the library's
  default is Keras's 0.9), epsilon 1e-8, clipping to [0, 255] after every step (what
  ``optimize(optimizer="adam")`` does).
* **L-BFGS** variants (``--variants``): the library's default (penalty bounds, memory 10) and
  changes to one setting each: hard bounds (scipy's L-BFGS-B projected), clip (no bounds during
  the run), memory 50, a visible first step of 2 grey levels.

Every run at a size gets the same number of evaluations (``--plan``). The table gives, for each
L-BFGS variant, the time (and evaluations) it needed to reach Adam's best loss, and the time Adam
needed to reach the variant's best loss ("-" where not reached within the budget). Losses are the
runs' own histories (the objective at the evaluated pixels; L-BFGS's range penalty is not in
them). Times start at the end of the first evaluation, so the one-off compilation (the same for
both optimisers) is not in them. Results are written one JSON line per run to ``--jsonl`` as they come, so an interrupted
study keeps what it measured; ``--table FILE`` renders a table from such a file.

Usage::

    .venv/bin/python benchmarks/bench_optimizers.py                           # ~30-40 min on 2 cores
    .venv/bin/python benchmarks/bench_optimizers.py --plan "64:20:adam,lbfgs" --pairs 1  # a quick check
    .venv/bin/python benchmarks/bench_optimizers.py --table runs.jsonl --append
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
from _results import machine  # noqa: E402

END_MARKER = "<!-- bench_optimizers:end -->"
SECTION = "## Time to a good picture: L-BFGS against Adam (benchmarks/bench_optimizers.py)"
WEIGHTS_NOTE = "RANDOM-WEIGHT VGG19 (seed 0), not the real result: no ImageNet weights on this machine"
PAIRS = (("astronaut", "starry_night"), ("chelsea", "great_wave"), ("coffee", "composition_vii"))
#: The tutorial's Adam in pixel units (lr 0.02 x 255), beta_1 0.99, epsilon 1e-8.
ADAM = {"optimizer": "adam", "learning_rate": 0.02 * 255, "adam_options": {"beta_1": 0.99, "epsilon": 1e-8}}
VARIANTS = {
    "lbfgs": {"optimizer": "lbfgs"},
    "hard": {"optimizer": "lbfgs", "bounds": "hard"},
    "clip": {"optimizer": "lbfgs", "bounds": "clip"},
    "m50": {"optimizer": "lbfgs", "lbfgs_memory": 50},
    "step2": {"optimizer": "lbfgs", "lbfgs_first_step": 2.0},
}
#: size:evaluations:runs;... The race first (every pair and size), then the L-BFGS variants at 128 px.
DEFAULT_PLAN = "128:300:adam,lbfgs;256:120:adam,lbfgs;512:30:adam,lbfgs;128:300:hard,m50,clip,step2"


def run_one(content: str, style: str, size: int, evals: int, name: str) -> dict:
    """One run; returns its best-so-far loss and elapsed seconds after every evaluation."""
    from styletransfer.samples import load_sample
    from styletransfer.transfer import StyleTransfer

    prob = StyleTransfer(load_sample(content), load_sample(style), size=size, weights="random")
    stamps: list[float] = []
    inner = prob.loss_and_grad

    def timed(x):
        out = inner(x)
        stamps.append(time.perf_counter())
        return out

    prob.loss_and_grad = timed
    options = ADAM if name == "adam" else VARIANTS[name]
    start = time.perf_counter()
    result = prob.run(init="content", max_evals=evals, progress=False, **options)
    best, curve = math.inf, []
    for record in result.history:
        best = min(best, record["total"])
        curve.append(best)
    return {"pair": f"{content}/{style}", "size": size, "shape": list(prob.shape[1:3]), "name": name,
            "evals": result.evaluations, "best": curve, "seconds": [s - stamps[0] for s in stamps],
            "first_evaluation": stamps[0] - start,
            "stop_reason": result.stop_reason}


def time_to(run: dict, target: float) -> tuple[float, int] | None:
    """Seconds and evaluations ``run`` needed for its best loss to reach ``target`` (None: never)."""
    for i, value in enumerate(run["best"]):
        if value <= target:
            return run["seconds"][i], i + 1
    return None


def _fmt(hit: tuple[float, int] | None) -> str:
    return "not reached" if hit is None else f"{hit[1]} evals ({hit[0]:.0f} s)"


def table(runs: Sequence[dict]) -> str:
    """Markdown: per pair, size and L-BFGS variant, the time to the other's final loss, both ways."""
    lines = [
        "| pair | size | L-BFGS variant | evals | final loss L-BFGS / Adam | L-BFGS to Adam's final | "
        "Adam to L-BFGS's final | L-BFGS after 50 evals / Adam's final | L-BFGS, Adam: last 2/3 of the run gained |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    adam = {(r["pair"], r["size"]): r for r in runs if r["name"] == "adam"}
    for r in runs:
        a = adam.get((r["pair"], r["size"]))
        if r["name"] == "adam" or a is None:
            continue
        early = r["best"][min(49, len(r["best"]) - 1)] / a["best"][-1]
        gained = [1 - run["best"][-1] / run["best"][len(run["best"]) // 3] for run in (r, a)]
        lines.append(
            f"| {r['pair']} | {r['shape'][1]}x{r['shape'][0]} | {r['name']} | {r['evals']} "
            f"| {r['best'][-1]:.4g} / {a['best'][-1]:.4g} | {_fmt(time_to(r, a['best'][-1]))} "
            f"| {_fmt(time_to(a, r['best'][-1]))} | {early:.3f} | {gained[0]:.1%}, {gained[1]:.1%} |"
        )
    return "\n".join(lines)


def parse_plan(text: str) -> list[tuple[int, int, list[str]]]:
    """``"128:500:adam,hard;256:250:lbfgs"`` -> [(128, 500, ["adam", "hard"]), (256, 250, ["lbfgs"])]."""
    plan = []
    for part in text.split(";"):
        size, evals, names = part.split(":")
        plan.append((int(size), int(evals), [n for n in names.split(",") if n]))
    return plan


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plan", default=DEFAULT_PLAN,
                        help=f"size:evals:runs;... (runs: adam or L-BFGS variants; default {DEFAULT_PLAN!r})")
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help="how many of the sample pairs")
    parser.add_argument("--jsonl", type=Path, default=Path("bench_optimizers.jsonl"), help="runs, one per line")
    parser.add_argument("--table", type=Path, help="only render the table of an existing --jsonl file")
    parser.add_argument("--append", action="store_true", help="also record the table in RESULTS.md")
    args = parser.parse_args(argv)
    if args.table is None:
        print(f"# bench_optimizers: {machine()}\n# {WEIGHTS_NOTE}", flush=True)
        for size, evals, names in parse_plan(args.plan):
            for content, style in PAIRS[: args.pairs]:
                for name in names:
                    run = run_one(content, style, size, evals, name)
                    with args.jsonl.open("a") as handle:
                        handle.write(json.dumps(run) + "\n")
                    print(f"{content}/{style} {size} {name}: best {run['best'][-1]:.5g} "
                          f"in {run['seconds'][-1]:.1f} s", file=sys.stderr, flush=True)
    source = args.table or args.jsonl
    runs = [json.loads(line) for line in source.read_text().splitlines() if line.strip()]
    text = f"{table(runs)}\n\n- Adam: {ADAM}\n- weights: {WEIGHTS_NOTE}"
    print(text)
    if args.append:
        _results.append_results(text, header=machine(), section=SECTION, marker=END_MARKER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
