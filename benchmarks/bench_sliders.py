"""Sliders benchmark: how long from a slider change to the first updated preview.

Drives :class:`styletransfer.live.steering.Steerer` (what the sliders call) from Python, at ``--size``
px (default 256, chelsea with Starry Night), with the app's debounce and preview settings:

1. **idle**: the optimisation has stopped; β is multiplied (or divided) by 10; time until the first
   preview of the new run, and until the preview differs visibly (mean change >= 5 grey levels).
2. **running**: β changes while a run is under way; the running optimisation must stop cleanly and
   the new one start from its image; same two times.

Baselines from the same run, on the same problem: the median time of one loss-and-gradient
evaluation, and a **cold restart**, what an implementation without warm starts would do on every
change: build a new problem (targets, compiled function) and run from the content image until its
first preview. Goal (issue 14): slider change -> a visible change (mean >= 5 grey levels) within
about 2 s at 256 px on 2 CPU cores. ``--first-steps 2,6`` compares L-BFGS first-step sizes and
``--sketch-evals 0,6`` no sketch against the quick half-size sketch (:mod:`styletransfer.live.sketch`), interleaved.

``--browser`` measures the same in the real app instead (Voila + headless Chromium, a key press on the
style strength slider, timed in the page: :mod:`_sliders_browser`); ``--baseline PATH`` serves a second
copy of the app from another checkout (for example ``main``'s) and takes the two tabs in turn
(the app's size: 256 px; any other ``--size`` serves its quick mode, 64 px, to check that it works).

Usage::

    .venv/bin/python benchmarks/bench_sliders.py                 # the real thing (about a minute)
    .venv/bin/python benchmarks/bench_sliders.py --size 64 --repeats 2   # a quick check that it works
    .venv/bin/python benchmarks/bench_sliders.py --append        # also record in benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_sliders.py --browser --baseline ../main --repeats 4   # in the app
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
import numpy as np  # noqa: E402
from _results import RESULTS, machine  # noqa: E402

SECTION = "## Sliders (benchmarks/bench_sliders.py)"
END_MARKER = "<!-- bench_sliders:end -->"
GOAL_SECONDS, GOAL_SIZE = 2.0, 256  # issue 14: a visible change within about 2 s at 256 px on 2 cores
VISIBLE = 5.0  # mean absolute change, in grey levels, that counts as a visible update (issue 14)
TIMEOUT = 600.0
VISIBLE_TIMEOUT = 60.0


class PreviewClock:
    """Listener that timestamps the first preview (and first visible one) of the next run."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.armed = None

    def arm(self, steerer) -> None:
        with self.cond:
            self.armed = {"runs": steerer.runs, "before": steerer.image.astype(np.float32),
                          "start": time.perf_counter(), "first": None, "visible": None}

    def __call__(self, event, steerer, payload) -> None:
        if event not in ("preview", "sketch"):  # a sketch is a picture the visitor sees too
            return
        with self.cond:
            armed = self.armed
            if armed is None or steerer.runs <= armed["runs"]:
                return  # a preview of the run that was running before the change
            now = time.perf_counter() - armed["start"]
            if armed["first"] is None:
                armed["first"], armed["first_eval"] = now, payload.evaluation
            change = np.abs(payload.image.astype(np.float32) - armed["before"]).mean()
            if armed["visible"] is None and change >= VISIBLE:
                armed["visible"], armed["visible_eval"] = now, payload.evaluation
            self.cond.notify_all()

    def wait(self, key: str, timeout: float = TIMEOUT) -> dict:
        with self.cond:
            if not self.cond.wait_for(lambda: self.armed[key] is not None, timeout):
                raise TimeoutError(f"no {key} preview within {timeout:.0f} s")
            return dict(self.armed)


def change_latency(steerer, clock: PreviewClock, factor: float, *, running: bool) -> dict:
    """Multiply β by ``factor`` (while a run is under way if ``running``); time the previews."""
    if running:
        clock.arm(steerer)
        steerer.start()
        clock.wait("first")  # the run is going
    clock.arm(steerer)
    steerer.update(style_weight=steerer.settings["style_weight"] * factor)
    out = clock.wait("first")
    try:
        out = clock.wait("visible", timeout=VISIBLE_TIMEOUT)
    except TimeoutError:
        pass  # reported as n/a
    steerer.stop()
    steerer.wait_idle(TIMEOUT)
    return out


def evaluation_seconds(problem, repeats: int) -> float:
    """Median seconds of one loss-and-gradient evaluation (as the optimiser calls it)."""
    x = problem.init_image("content")
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        total, _, grad = problem.loss_and_grad(x)
        float(total), np.asarray(grad)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def cold_restart(steerer) -> float:
    """Seconds to build a new problem and reach the first preview of a run from the content image."""
    from styletransfer.transfer import StyleTransfer

    seen = threading.Event()
    start = time.perf_counter()
    problem = StyleTransfer(steerer.content_source, steerer.style_source, size=steerer.settings["size"],
                            weights=steerer.problem.spec, style_weight=steerer.settings["style_weight"])
    problem.run(init="content", max_evals=2, progress=False, callback=lambda p: seen.set(), callback_every=2)
    assert seen.is_set()
    return time.perf_counter() - start


def measure(size: int, repeats: int, warm_evals: int, first_steps: Sequence[float | None] = (None,),
            sketches: Sequence[int | None] = (None,)) -> dict:
    import itertools

    from styletransfer.live.steering import Steerer

    steerer = Steerer("chelsea", "starry_night", size=size, weights="random", evals_per_run=10**6, max_size=size)
    clock = PreviewClock()
    steerer.subscribe(clock)
    try:
        steerer.evals_per_run = warm_evals
        steerer.start()  # compile and get some style in, as after the first Run press
        steerer.wait_idle(TIMEOUT)
        steerer.evals_per_run = 10**6
        default = {"first_step": steerer.first_step, "sketch_evals": steerer.sketch_evals}
        options = {"first_step": [default["first_step"] if v is None else v for v in first_steps],
                   "sketch_evals": [default["sketch_evals"] if v is None else v for v in sketches]}
        variants = [dict(zip(options, values)) for values in itertools.product(*options.values())]
        names = {"first_step": "first step", "sketch_evals": "sketch evaluations"}

        def label(mode: str, variant: dict) -> str:
            return ", ".join([mode] + [f"{names[k]} {v}" for k, v in variant.items() if len(options[k]) > 1])

        rows, per_eval, cold = {label(m, v): [] for v in variants for m in ("idle", "running")}, [], []
        changes = 0
        for i in range(repeats):  # interleaved, so that a change in machine load hits all alike
            for variant in variants:
                for key, value in variant.items():
                    setattr(steerer, key, value)
                for mode in ("idle", "running"):
                    # Up and down in turn, so β stays within [β0, 10 β0], the slider's own range (β once
                    # drifted to 10^4 β0 here); each mode gets both directions over the repeats.
                    factor = 10.0 if (changes + i) % 2 == 0 else 0.1
                    changes += 1
                    rows[label(mode, variant)].append(change_latency(steerer, clock, factor, running=mode == "running"))
            for key, value in default.items():
                setattr(steerer, key, value)
            per_eval.append(evaluation_seconds(steerer.problem, 3))
            cold.append(cold_restart(steerer))
        return {"size": size, "shape": steerer.problem.shape[1:3], "rows": rows, "repeats": repeats,
                "per_eval": statistics.median(per_eval), "cold": statistics.median(cold),
                "debounce": steerer.debounce, "first_step": steerer.first_step, "sketch_evals": steerer.sketch_evals,
                "sketch_max_evals": steerer.sketch_max_evals,
                "label": steerer.weights_label}
    finally:
        steerer.close()


def _median(rows: Sequence[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(values) if values else None


def markdown(m: dict) -> str:
    """The results as a markdown fragment: one table row per mode, then the baselines."""
    judged = m["size"] == GOAL_SIZE
    lines = [f"| β change while | first preview s | visible change (mean >= {VISIBLE:.0f} grey levels) s "
             f"| × one evaluation | × cold restart |{f' goal: visible <= {GOAL_SECONDS:.0f} s |' if judged else ''}",
             "|---|---:|---:|---:|---:|" + ("---|" if judged else "")]
    for mode, rows in m["rows"].items():
        first, visible = _median(rows, "first"), _median(rows, "visible")
        cells = [mode, f"{first:.2f}", "n/a" if visible is None else f"{visible:.2f}",
                 f"{first / m['per_eval']:.1f}", f"{first / m['cold']:.2f}"]
        if judged:
            cells.append("ok" if visible is not None and visible <= GOAL_SECONDS else "over")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"- image {m['shape'][1]}x{m['shape'][0]} px; medians of {m['repeats']} changes per mode "
        f"(β × 10 and ÷ 10 in turn, so β stays within 10x of its start); times include the {m['debounce']:.1f} s debounce; "
        f"L-BFGS first step {m['first_step']} grey levels RMS and a half-size sketch of {m['sketch_evals']} "
        f"evaluations (up to {m['sketch_max_evals']} until its change is visible) after each change (the app's), "
        "unless the row says otherwise",
        f"- baselines, interleaved in the same run: one loss-and-gradient evaluation {m['per_eval']:.3f} s; "
        f"cold restart (new problem + run from the content image to its first preview) {m['cold']:.2f} s",
        f"- weights: {m['label']} (timing does not depend on the weight values)",
    ]
    return "\n".join(lines)


def append_results(text: str, header: str, path: Path = RESULTS) -> None:
    """Add a dated entry to this benchmark's section of RESULTS.md (created at the end if missing)."""
    _results.append_results(text, header=header, section=SECTION, marker=END_MARKER, path=path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=GOAL_SIZE, help="long side in px (default 256)")
    parser.add_argument("--repeats", type=int, default=4, help="changes per mode (median; default 4)")
    parser.add_argument("--warm-evals", type=int, default=20, help="evaluations before the first change")
    parser.add_argument("--first-steps", type=lambda t: [float(v) for v in t.split(",")], default=[None],
                        metavar="S1,S2", help="compare L-BFGS first steps (grey levels RMS), interleaved")
    parser.add_argument("--sketch-evals", type=lambda t: [int(v) for v in t.split(",")], default=[None],
                        metavar="N1,N2", help="compare quick half-size sketches of N evaluations (0: none), interleaved")
    parser.add_argument("--browser", action="store_true", help="time slider changes in the app in headless Chromium")
    parser.add_argument("--baseline", type=Path, help="with --browser: also serve the app from this checkout, in turn")
    parser.add_argument("--append", action="store_true", help=f"also record the results in {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    header = machine(load="at the start")
    print(f"# bench_sliders: {header}\n", flush=True)
    if args.browser:
        from _sliders_browser import browser_latency, browser_markdown

        here = Path(__file__).resolve().parents[1]
        roots = [(f"this checkout ({here.name})", here)]
        if args.baseline is not None:
            roots.append((f"baseline ({args.baseline.resolve().name})", args.baseline.resolve()))
        measured = browser_latency(roots, repeats=args.repeats, warm_steps=args.warm_evals, visible=VISIBLE,
                                   quick=args.size != GOAL_SIZE)
        text = browser_markdown(measured, goal=GOAL_SECONDS, visible=VISIBLE)
    else:
        text = markdown(measure(args.size, args.repeats, args.warm_evals, args.first_steps, args.sketch_evals))
    print(text)
    if args.append:
        append_results(text, header, args.results)
        print(f"\nappended to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
