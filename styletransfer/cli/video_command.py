"""``styletransfer video IN STYLE -o OUT``: stylise a clip without flicker (Ruder et al. 2016).

IN is a video file or a folder of frames; OUT a video file (``.mp4``, ``.mov``, ``.mkv``) or a
folder, which gets ``frame_00000.png``, ... The rules of ``styletransfer run`` hold: every option
is checked before anything is computed; OUT and its ``.json`` record are never replaced without
``--overwrite``, nor an input ever; the video is written to a temporary file and renamed, its
record first. Finished frames are kept as they are made (in OUT itself, or in ``OUT.frames/``
beside a video file until the video is written), so an interrupted run (Ctrl-C, SIGTERM) loses at
most one frame, and running the same command again continues where it stopped.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from .. import constants as C
from ..cache import sha256_file
from ..checks import check_problem_options, check_video_options
from ..errors import ImageError, OutputError
from ..outputs import check_output, output_lock, same_file
from ..record import describe_image, library_versions, machine_description, record_path, write_record
from ..samples import as_image
from .job import FLAGS, random_weights_warning, resolve_source, resolve_weights_quietly
from .signals import TermAsInterrupt, signals_held

__all__ = ["add_video_parser", "cmd_video", "VIDEO_FLAGS"]

#: The command line's name for each option in its one-line errors.
VIDEO_FLAGS = {"temporal_weight": "--temporal-weight", "flow": "--flow", "max_frames": "--max-frames",
               "size": "--size", "evals_per_frame": "--evals (evaluations per frame)",
               "first_frame_evals": "--first-evals (evaluations of the first frame)", "init": "--init",
               "fps": "--fps"}


def add_video_parser(sub) -> argparse.ArgumentParser:
    """Add the ``video`` subcommand to the subparsers ``sub``."""
    video = sub.add_parser(
        "video", help="stylise a video (or a folder of frames) without flicker",
        description="Stylise every frame of IN with STYLE, each frame starting from the previous result warped "
                    "by the optical flow and held to it where the flow is reliable (Ruder et al. 2016). IN: a "
                    f"video file ({', '.join(C.VIDEO_SUFFIXES)}) or a folder of frames; OUT: a video file "
                    f"({', '.join(C.VIDEO_WRITE_SUFFIXES)}) or a folder. Rerun the same command to continue "
                    "an interrupted run. Needs the video extra: " + C.VIDEO_INSTALL)
    video.add_argument("input", metavar="IN", help="video file or folder of frames")
    video.add_argument("style", help="style image: path, URL or sample name (e.g. starry_night)")
    video.add_argument("-o", "--output", required=True, metavar="OUT", help="output video file or folder")
    video.add_argument("--size", type=int, default=C.VIDEO_DEFAULT_SIZE, metavar="PX",
                       help=f"long side of the frames in pixels (default {C.VIDEO_DEFAULT_SIZE})")
    video.add_argument("--evals", type=int, default=C.VIDEO_EVALS_PER_FRAME, dest="evals_per_frame", metavar="N",
                       help=f"evaluations per frame after the first (default {C.VIDEO_EVALS_PER_FRAME})")
    video.add_argument("--first-evals", type=int, default=C.VIDEO_FIRST_FRAME_EVALS, dest="first_frame_evals",
                       metavar="N", help=f"evaluations of the first frame (default {C.VIDEO_FIRST_FRAME_EVALS})")
    video.add_argument("--temporal-weight", type=float, default=C.VIDEO_TEMPORAL_WEIGHT, metavar="W",
                       help=f"weight of the temporal loss; 0 stylises frames independently, and they flicker "
                            f"(default {C.VIDEO_TEMPORAL_WEIGHT:g})")
    video.add_argument("--flow", default=C.DEFAULT_VIDEO_FLOW, metavar="{" + ",".join(C.VIDEO_FLOW_METHODS) + "}",
                       help=f"OpenCV optical flow (default {C.DEFAULT_VIDEO_FLOW})")
    video.add_argument("--init", default=C.DEFAULT_VIDEO_INIT, metavar="{" + ",".join(C.VIDEO_INIT_CHOICES) + "}",
                       help="start of the first frame: the frame, noise, or the feed-forward network of the fast "
                            "extra (default content); later frames start from the warped previous result")
    video.add_argument("--max-frames", type=int, metavar="N", help="stylise only the first N frames")
    video.add_argument("--fps", type=float, metavar="F",
                       help=f"frame rate (default: the input video's; {C.VIDEO_DEFAULT_FPS:g} for a folder)")
    video.add_argument("--style-size", type=int, metavar="PX", help="long side of the style image (default --size)")
    video.add_argument("--alpha", type=float, dest="content_weight", metavar="A",
                       help="content weight (default as `run`)")
    video.add_argument("--beta", type=float, dest="style_weight", metavar="B",
                       help="style weight (default as `run`)")
    video.add_argument("--weights", default=C.DEFAULT_WEIGHTS, help="VGG19 weights, as for `run` (default auto)")
    video.add_argument("--seed", type=int, default=C.DEFAULT_SEED, metavar="N", help="seed of random weights and noise")
    video.add_argument("--overwrite", action="store_true",
                       help="replace an existing OUT and its record, or frames made with other settings")
    video.add_argument("--keep-frames", action="store_true",
                       help="keep OUT.frames/ (the stylised frames as PNG) after writing a video file")
    video.add_argument("--no-progress", action="store_true", help="no progress bar")
    video.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only the result and warnings")
    video.set_defaults(handler=cmd_video)
    return video


def _check_folder_output(out: Path, source: Path, *, overwrite: bool) -> None:
    if not out.parent.is_dir():
        raise OutputError(f"cannot write {out}: folder {out.parent} does not exist; create it first "
                          f"(mkdir -p {out.parent})")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output {out} is a file; give a video file name ({', '.join(C.VIDEO_WRITE_SUFFIXES)}) "
                          "or a folder for the frames")
    if same_file(out, source):
        raise OutputError(f"output folder {out} is the input folder; choose another output (-o)")
    if out.is_dir() and any(out.iterdir()) and not (out / C.VIDEO_PROGRESS_FILE).is_file():
        raise OutputError(f"output folder {out} already holds other files; choose a new or empty folder")
    record = record_path(out)
    if record.exists() and not overwrite:
        raise OutputError(f"run record {record} already exists; add --overwrite to replace it, or choose another output")


def _check_output(out: Path, source: Path, style: str, *, overwrite: bool) -> Path:
    """The folder the frames go to while the run goes (checked, not yet created)."""
    if out.suffix.lower() in C.VIDEO_SUFFIXES or out.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        check_output(out, inputs={"input video": source, "style image": style}, overwrite=overwrite,
                     suffixes=C.VIDEO_WRITE_SUFFIXES)
        frames = out.with_name(out.name + ".frames")
        if frames.exists() and not (frames / C.VIDEO_PROGRESS_FILE).is_file():
            raise OutputError(f"{frames} (where the frames go) exists and is not from styletransfer video; move it "
                              "or choose another output")
        return frames
    _check_folder_output(out, source, overwrite=overwrite)
    return out


def _record(argv, clip, style_src, style_image, result, out: Path, digest, previous, began) -> dict:
    seconds = [r["seconds"] for r in result.records[result.resumed:]]
    later = seconds[1:] if result.resumed == 0 else seconds
    record = {
        "schema": "styletransfer-video/1",
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "command": ["styletransfer", *argv],
        "weights": {"kind": result.weights_kind, "label": result.weights_label, "random": result.is_random_weights},
        "parameters": {k: v for k, v in result.settings.items() if k not in ("clip", "style")},
        "inputs": {"video": {"source": clip.source, "frames": len(clip.frames), "fps": clip.fps,
                             "shape": list(clip.shape), "pixels_sha256": result.settings["clip"]},
                   "style": describe_image(style_image, source=style_src)},
        "output": {"path": os.fspath(out), "frames": len(result.frames), "fps": clip.fps, "sha256": digest},
        "frames": result.records,
        "timings": {"total": time.perf_counter() - began, "frames_computed": len(seconds), "resumed": result.resumed,
                    "median_seconds_per_later_frame": statistics.median(later) if later else None},
        "versions": library_versions(),
        "machine": machine_description(),
    }
    if previous:
        record["previous_output"] = {"sha256": previous}
    return record


def _write_video_file(out: Path, frames, fps: float, make_record) -> Path:
    """Video to a temporary file, record (with the video's sha256), then rename the video."""
    from ..video.io import write_video

    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp{out.suffix}")  # imageio picks ffmpeg by the suffix
    try:
        write_video(tmp, frames, fps=fps, container={".mov": "mov", ".mkv": "matroska"}.get(out.suffix.lower(), "mp4"))
        previous = sha256_file(out) if out.is_file() else None
        record = write_record(record_path(out), make_record(sha256_file(tmp), previous))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return record


def cmd_video(args, argv, state) -> int:
    """The body of ``styletransfer video``; returns the exit status."""
    began = time.perf_counter()
    options = check_video_options(temporal_weight=args.temporal_weight, flow=args.flow, max_frames=args.max_frames,
                                  size=args.size, evals_per_frame=args.evals_per_frame,
                                  first_frame_evals=args.first_frame_evals, init=args.init, fps=args.fps,
                                  names=VIDEO_FLAGS)
    problem = {k: v for k, v in (("content_weight", args.content_weight), ("style_weight", args.style_weight))
               if v is not None}
    check_problem_options(size=None, style_size=args.style_size, seed=args.seed, names=FLAGS, **problem)
    from ..video import require

    for name in ("cv2", "imageio", "imageio_ffmpeg"):
        require(name)
    from ..video.io import read_frames
    from ..video.run import stylize_clip

    source = Path(args.input).expanduser()
    style_src = resolve_source(args.style)
    out = Path(args.output).expanduser()
    work = _check_output(out, source, style_src, overwrite=args.overwrite)
    clip = read_frames(source, size=options["size"], max_frames=options["max_frames"], fps=options["fps"])
    style_image = as_image(style_src, size=args.style_size or max(clip.shape))
    if min(clip.shape) < C.MIN_IMAGE_SIDE:
        raise ImageError(f"frames of {source} are {clip.shape[1]}x{clip.shape[0]} at --size {args.size}; each side "
                         f"needs at least {C.MIN_IMAGE_SIDE} px: use a larger --size")
    quiet = args.quiet
    say = (lambda _text: None) if quiet else print
    with output_lock(out):
        work.mkdir(exist_ok=True)
        state.output = out
        spec = resolve_weights_quietly(args.weights, seed=args.seed)
        if spec.is_random:
            print(random_weights_warning(spec), file=sys.stderr, flush=True)
        height, width = clip.shape
        say(f"stylising {len(clip.frames)} frames of {source} ({width}x{height}, {clip.fps:g} fps) with {args.style}: "
            f"{options['first_frame_evals']} evaluations for the first frame, {options['evals_per_frame']} for each "
            f"other, temporal weight {options['temporal_weight']:g}, {spec.label}")
        with TermAsInterrupt() as term:
            result = stylize_clip(
                clip.frames, style_image, temporal_weight=options["temporal_weight"], flow=options["flow"],
                evals_per_frame=options["evals_per_frame"], first_frame_evals=options["first_frame_evals"],
                init=options["init"], weights=spec, seed=args.seed, style_size=max(style_image.shape[:2]),
                problem_options=problem, work_dir=work,
                restart=args.overwrite, progress=not (quiet or args.no_progress),
            )
        if result.resumed:
            say(f"resumed: {result.resumed} finished frames taken from {work}")
        if result.stop_reason == "interrupted":
            what = "terminated (SIGTERM)" if term.received else "interrupted"
            print(f"styletransfer: error: {what} after {len(result.frames)} of {len(clip.frames)} frames; the "
                  f"finished frames are in {work}; run the same command again to continue", file=sys.stderr, flush=True)
            return 143 if term.received else 130

        def make(digest, previous):
            return _record(argv, clip, style_src, style_image, result, out, digest, previous, began)

        with signals_held(reraise=False):
            try:
                if work == out:
                    record = write_record(record_path(out), make(None, None))
                else:
                    record = _write_video_file(out, result.frames, clip.fps, make)
            except (OSError, OutputError, ImageError) as exc:
                print(f"styletransfer: error: cannot write {out} ({' '.join(str(exc).split())}); the stylised "
                      f"frames are in {work}: free some space or choose another output, and run again",
                      file=sys.stderr, flush=True)
                return 1
        if work != out and not args.keep_frames:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {out} ({len(result.frames)} frames, {width}x{height}, {clip.fps:g} fps) and its run record {record}")
    if result.is_random_weights:
        print(f"WARNING: made with a {result.weights_label}; run `{C.FETCH_COMMAND}` for the real VGG19 weights")
    return 0
