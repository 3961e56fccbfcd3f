"""Video benchmark: temporal consistency with and without the temporal loss (Ruder et al. 2016).

On a synthetic clip (:mod:`styletransfer.video.synthetic`: a pan across a shipped photo by whole
pixels per frame, or a zoom, so the true flow is known), in one run:

* **Temporal consistency**: the mean absolute warp error between consecutive stylised frames,
  ``|S_t - warp(S_t-1, true flow)|`` in grey levels, over the pixels where the true flow is valid
  (the new strip of a pan has no source and is left out), for frames stylised on their own
  (``temporal_weight=0``, each from its photo) and with the temporal loss and the warped start.
  Goal: at least 3x lower with the temporal loss.
* **Seconds per frame** for both (median over the frames after the first, which the two share).
* The style loss per frame for both (the temporal term must not buy consistency by dropping the style),
  and the end-point error of the estimated optical flow against the true one.

All made with the seeded random-weight VGG19 unless ``--weights`` says otherwise (CI and this
machine have no ImageNet weights): those pictures show random textures, and the ratios, not the
looks, are the result.

Usage::

    .venv/bin/python benchmarks/bench_video.py                     # 6 frames at 128 px, a few minutes
    .venv/bin/python benchmarks/bench_video.py --frames 3 --size 48 --evals 3   # seconds
    .venv/bin/python benchmarks/bench_video.py --append            # also record in RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
import numpy as np  # noqa: E402
from _results import machine  # noqa: E402

RESULTS = _results.RESULTS
END_MARKER = "<!-- bench_video:end -->"
SECTION = "## Video (benchmarks/bench_video.py)"
CONSISTENCY_GOAL = 3.0


def warp_error(frames: Sequence[np.ndarray], clip) -> float:
    """Mean absolute difference (grey levels) between each frame and its predecessor warped by the true flow."""
    from styletransfer.video.flow import warp

    errors = []
    for t in range(1, len(frames)):
        valid = clip.valid[t - 1].astype(bool)
        warped = warp(frames[t - 1], clip.backward[t - 1]).astype(np.float64)
        errors.append(float(np.abs(np.asarray(frames[t], np.float64) - warped)[valid].mean()))
    return float(np.mean(errors))


def flow_error(clip, method: str) -> float:
    """Mean end-point error (pixels) of the estimated backward flow where the true flow is valid."""
    from styletransfer.video.flow import optical_flow

    errors = []
    for t in range(1, len(clip.frames)):
        estimate = optical_flow(clip.frames[t], clip.frames[t - 1], method=method)
        valid = clip.valid[t - 1].astype(bool)
        errors.append(float(np.linalg.norm(estimate - clip.backward[t - 1], axis=-1)[valid].mean()))
    return float(np.mean(errors))


def overhead(clip, method: str, repeats: int = 10) -> dict:
    """Milliseconds of the temporal machinery: both flows, the mask and the warp per frame; the term per evaluation."""
    from styletransfer.images import preprocess
    from styletransfer.video.flow import consistency_mask, optical_flow, warp
    from styletransfer.video.temporal import temporal_loss_and_grad

    began = time.perf_counter()
    for _ in range(repeats):
        backward = optical_flow(clip.frames[1], clip.frames[0], method=method)
        mask = consistency_mask(optical_flow(clip.frames[0], clip.frames[1], method=method), backward)
        warped = warp(clip.frames[0], backward)
    per_frame = (time.perf_counter() - began) / repeats
    x, target = preprocess(clip.frames[1]), preprocess(warped)
    began = time.perf_counter()
    for _ in range(repeats):
        temporal_loss_and_grad(x, target, mask)
    return {"frame_ms": 1000 * per_frame, "evaluation_ms": 1000 * (time.perf_counter() - began) / repeats}


def measure(args) -> dict:
    from styletransfer.video import synthetic
    from styletransfer.video.run import stylize_clip
    from styletransfer.weights import resolve_weights

    height = round(args.size * 3 / 4)
    if args.motion == "pan":
        clip = synthetic.pan_clip(args.content, frames=args.frames, size=(height, args.size), step=(args.step, 0))
    else:
        clip = synthetic.zoom_clip(args.content, frames=args.frames, size=(height, args.size), factor=args.zoom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = resolve_weights(args.weights, seed=0)
    modes = {"independent": 0.0, "temporal": args.temporal_weight}
    rows = {}
    for name, weight in modes.items():
        began = time.perf_counter()
        result = stylize_clip(clip.frames, args.style, temporal_weight=weight, flow=args.flow,
                              evals_per_frame=args.evals, first_frame_evals=args.first_evals, weights=spec,
                              progress=False)
        later = [r["seconds"] for r in result.records[1:]]
        rows[name] = {
            "weight": weight, "error": warp_error(result.frames, clip),
            "seconds_per_frame": statistics.median(later) if later else float("nan"),
            "style": float(np.mean([r["losses"]["style"] for r in result.records[1:]])),
            "wall": time.perf_counter() - began,
        }
    rows["photo"] = {"error": warp_error(clip.frames, clip)}
    return {"rows": rows, "flow_error": flow_error(clip, args.flow), "overhead": overhead(clip, args.flow),
            "label": spec.label,
            "shape": clip.frames[0].shape[:2], "random": spec.is_random}


def markdown(args, found: dict) -> str:
    rows = found["rows"]
    ratio = rows["independent"]["error"] / max(rows["temporal"]["error"], 1e-12)
    verdict = "met" if ratio >= CONSISTENCY_GOAL else "NOT met"
    height, width = found["shape"]
    lines = [
        f"- clip: {args.motion} of `{args.content}` ({args.frames} frames, {width}x{height}"
        + (f", {args.step} px per frame" if args.motion == "pan" else f", x{args.zoom} per frame")
        + f"), style `{args.style}`; {args.first_evals} L-BFGS evaluations for the first frame, {args.evals} for "
          f"each other; flow `{args.flow}` (its end-point error against the true flow: {found['flow_error']:.3f} px)",
        f"- weights: {found['label']}" + (" (seeded random VGG19: no ImageNet weights here)" if found["random"] else ""),
        "",
        "| frames | temporal weight | warp error (grey levels) | style loss per frame | s per frame | wall s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("independent", "temporal"):
        r = rows[name]
        lines.append(f"| {name} | {r['weight']:g} | {r['error']:.2f} | {r['style']:.4g} | "
                     f"{r['seconds_per_frame']:.2f} | {r['wall']:.1f} |")
    lines.append(f"| the photo itself | | {rows['photo']['error']:.2f} | | | |")
    cost = found["overhead"]
    lines += ["", f"Goal: warp error at least {CONSISTENCY_GOAL:g}x lower with the temporal loss: {verdict} "
                  f"({ratio:.1f}x). Seconds per frame: median over frames 2..{args.frames} (one compiled loss for "
                  f"the clip, each frame swapped in). What the temporal loss adds, timed in this run: "
                  f"{cost['frame_ms']:.1f} ms per frame for the two flows, the mask and the warp, and "
                  f"{cost['evaluation_ms']:.2f} ms per evaluation for the term and its gradient."]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from styletransfer import constants as C

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--motion", choices=("pan", "zoom"), default="pan")
    parser.add_argument("--content", default="chelsea")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--size", type=int, default=128, help="width of the frames (height: 3/4 of it)")
    parser.add_argument("--step", type=int, default=4, help="pan: pixels per frame")
    parser.add_argument("--zoom", type=float, default=1.03, help="zoom: factor per frame")
    parser.add_argument("--evals", type=int, default=40, help="evaluations per frame after the first")
    parser.add_argument("--first-evals", type=int, default=60)
    parser.add_argument("--temporal-weight", type=float, default=C.VIDEO_TEMPORAL_WEIGHT)
    parser.add_argument("--flow", default=C.DEFAULT_VIDEO_FLOW, choices=C.VIDEO_FLOW_METHODS)
    parser.add_argument("--weights", default="random")
    parser.add_argument("--append", action="store_true", help="append the results to RESULTS.md")
    parser.add_argument("--results", type=Path, default=RESULTS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    before = machine(load="before the run")
    found = measure(args)
    text = markdown(args, found)
    print(text)
    if args.append:
        _results.append_results(text, header=f"- machine: {before}", section=SECTION, marker=END_MARKER,
                                path=args.results)
        print(f"appended to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
