"""The ``styletransfer`` command (also ``python -m styletransfer``).

Subcommands: ``run`` (stylise an image), ``batch`` (many images: resumable, parallel, in shards),
``video`` (a clip without flicker, :mod:`.video_command`), ``demo`` (a built-in photo and painting),
``estimate`` (memory and time a run needs), ``samples`` (list the built-in images), ``fetch``
(download the VGG19 weights and the fetched samples, for an offline workshop room) and ``info``
(versions, devices, weights, cache folders).

Bad input ends with one line on stderr, ``styletransfer: error: ...``, and exit status 2. An
interrupted run still writes the best image and its record and exits with 130 (Ctrl-C) or 143
(SIGTERM); before the optimisation starts it writes nothing and says so. An existing output is
replaced only with ``--overwrite``; an input never is. A result that cannot be saved where asked
goes to the rescue folder (exit status 1).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from .. import constants as C
from ..errors import StyleTransferError
from ..quiet import show_tensorflow_log
from ..samples import SAMPLES
from .arguments import common_arguments, precision_argument, run_arguments, run_options
from .batch_command import add_batch_parser
from .console import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, PROG, error, warning
from .estimate_command import cmd_estimate
from .info_commands import cmd_fetch, cmd_info, cmd_samples
from .job import JobState, RunOptions, Terminated, execute
from .video_command import add_video_parser

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_TERMINATED"]

#: Demo settings: (size, evaluations) for the full and the quick (STYLETRANSFER_QUICK=1) mode.
DEMO_FULL, DEMO_QUICK = (256, 200), (64, 10)
DEMO_CONTENT, DEMO_STYLE = "chelsea", "starry_night"

_EXAMPLES = f"""examples:
  {PROG} demo                                   # built-in cat + Starry Night -> outputs/demo.png
  {PROG} run chelsea the_scream -o scream.png --size 256 --evals 150
  {PROG} run photo.jpg starry_night -o out.png --beta 100 --style-layers conv1_1,conv2_1,conv3_1
  {PROG} run chelsea starry_night -o w2.png --style-loss meancov --parameterization fourier
  {PROG} batch photos/ --style starry_night --style the_scream -o styled/ --workers 2
  {PROG} video clip.mp4 starry_night -o clip_starry.mp4   # a video, without flicker
  {PROG} samples                                # built-in images and their licences
  {PROG} fetch                                  # download weights + photos (workshop preparation)
  {PROG} info                                   # versions, devices, weights status"""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``styletransfer: error: ...`` and exit status 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``styletransfer`` command."""
    parser = _Parser(prog=PROG, description="Neural artistic style transfer (Gatys, Ecker and Bethge, 2015).",
                     epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true",
                        help=f"also show TensorFlow's own start-up log (or set {C.VERBOSE_ENV_VAR}=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="stylise CONTENT with STYLE", epilog=_EXAMPLES,
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Stylise CONTENT with STYLE. Both may be file paths, URLs or built-in "
                                     "sample names (`styletransfer samples`). Writes OUT and OUT's .json run record.")
    run.add_argument("content", help="content image: path, URL or sample name (e.g. chelsea, tuebingen)")
    run.add_argument("style", help="style image: path, URL or sample name (e.g. starry_night)")
    run.add_argument("-o", "--output", required=True, metavar="OUT", help="output image (.png, .jpg, .webp)")
    run_arguments(run)
    run.set_defaults(handler=_cmd_run)

    add_batch_parser(sub, run_arguments, epilog=_EXAMPLES)

    demo = sub.add_parser("demo", help="stylise a built-in photo with a built-in painting",
                          description=f"Stylise the built-in {DEMO_CONTENT} photo with {DEMO_STYLE}. "
                                      f"Set {C.QUICK_ENV_VAR}=1 for a tiny, quick run.")
    demo.add_argument("-o", "--output", default=os.path.join("outputs", "demo.png"), metavar="OUT",
                      help="output image (default outputs/demo.png; its folder is created)")
    common_arguments(demo, size=None, evals=None)
    demo.set_defaults(handler=_cmd_demo)

    estimate = sub.add_parser("estimate", help="memory and time a run needs on this machine",
                              description="Estimate peak memory and time of `run CONTENT STYLE` at --size, "
                                          "and the largest size that fits the memory available now.")
    estimate.add_argument("content", help="content image: path or sample name")
    estimate.add_argument("style", help="style image: path or sample name")
    estimate.add_argument("--size", type=int, default=C.DEFAULT_SIZE, metavar="PX", help=f"long side (default {C.DEFAULT_SIZE})")
    estimate.add_argument("--style-size", type=int, metavar="PX", help="long side of the style image (default: --size)")
    estimate.add_argument("--evals", type=int, default=C.DEFAULT_MAX_EVALS, dest="max_evals", metavar="N",
                          help=f"evaluations of the run (default {C.DEFAULT_MAX_EVALS})")
    estimate.add_argument("--optimizer", choices=C.OPTIMIZERS, default=C.DEFAULT_OPTIMIZER,
                          help=f"default {C.DEFAULT_OPTIMIZER}")
    precision_argument(estimate)
    estimate.add_argument("--no-calibrate", action="store_true",
                          help="do not time this machine (a few seconds, once); use the cached or default speed")
    estimate.set_defaults(handler=cmd_estimate)
    add_video_parser(sub)

    samples = sub.add_parser("samples", help="list the built-in images")
    samples.set_defaults(handler=cmd_samples)
    fetch = sub.add_parser("fetch", help="download the VGG19 weights and the fetched samples into the cache")
    fetch.set_defaults(handler=cmd_fetch)
    info = sub.add_parser("info", help="versions, devices, weights status and cache folders")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=cmd_info)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    warning(message)


def _interrupted(exc: KeyboardInterrupt, state: JobState) -> int:
    what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
    if state.checkpoint_evaluations:
        error(f"{what} while saving; the last checkpoint ({state.checkpoint_evaluations} evaluations) is in "
               f"{state.output} with its record")
    else:
        error(f"{what} before the optimisation started; nothing written")
    return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED


def _raise_terminated(signum, frame):
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    state = JobState()
    old = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return _main(list(sys.argv[1:] if argv is None else argv), state)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM outside the optimisation (which saves by itself)
        return _interrupted(exc, state)
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _main(argv: list[str], state: JobState) -> int:
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and (getattr(args, "more_positionals", None) is None or any(e.startswith("-") for e in extra)):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        if extra:  # `batch a.jpg -o out b.jpg`: positionals after an option (argparse stops at the first)
            getattr(args, args.more_positionals).extend(extra)
    except SystemExit as exc:  # --help (0) or a usage error, already printed (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.verbose:
        show_tensorflow_log()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        # Pillow warns before our own size check rejects the image with a one-line error.
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
        try:
            return args.handler(args, argv, state)
        except StyleTransferError as exc:
            error(str(exc))
            return EXIT_USAGE


# -- run and demo ---------------------------------------------------------------------------------
def _execute(options: RunOptions, quiet: bool, state: JobState) -> int:
    outcome = execute(options, say=(lambda _text: None) if quiet else print, state=state)
    result, image, record = outcome.result, outcome.image_path, outcome.record_path
    height, width = result.image.shape[:2]
    if outcome.save_error:
        error(f"{outcome.save_error}; the result ({result.evaluations} evaluations, {width}x{height}) was saved to "
               f"{image} and its record to {record} instead")
        return EXIT_FAILED
    print(f"wrote {image} ({width}x{height}) and its run record {record}")
    if not quiet:
        per_eval = outcome.record["timings"].get("median_evaluation_after_first") or result.seconds_per_evaluation
        print(f"{result.evaluations} evaluations in {result.elapsed:.1f} s ({per_eval:.3f} s each), "
              f"stopped: {result.stop_reason} ({result.message})")
    if result.is_random_weights:
        print(f"WARNING: made with a {result.weights_label}; run `{C.FETCH_COMMAND}` for the real VGG19 weights")
    if result.stop_reason == "interrupted":
        what = "terminated (SIGTERM)" if outcome.terminated else "interrupted"
        error(f"{what} after {result.evaluations} evaluations; saved the best image so far to {image}")
        return EXIT_TERMINATED if outcome.terminated else EXIT_INTERRUPTED
    if result.stop_reason == "nonfinite":
        if result.evaluations <= 1:
            error(f"the loss is not finite at the first evaluation ({result.history[0]['total'] if result.history else 'nan'}): "
                   f"the weights overflow float32; lower --alpha, --beta or --tv (wrote the starting image to {image})")
        else:
            error(f"{result.message.replace('; returning the best image so far', '')}; saved the best image so far to {image}")
        return EXIT_FAILED
    return EXIT_OK


def _cmd_run(args, argv, state) -> int:
    options = run_options(args, argv, content=args.content, style=args.style, output=args.output)
    return _execute(options, args.quiet, state)


def _cmd_demo(args, argv, state) -> int:
    quick = os.environ.get(C.QUICK_ENV_VAR, "0") == "1"
    size, evals = DEMO_QUICK if quick else DEMO_FULL
    output = Path(args.output).expanduser()
    own = output == Path("outputs", "demo.png")  # the demo may replace its own outputs/demo.*
    if own:
        output.parent.mkdir(parents=True, exist_ok=True)
    options = run_options(args, argv, content=DEMO_CONTENT, style=DEMO_STYLE, output=output,
                       size=size if args.size is None else args.size,
                       max_evals=evals if args.max_evals is None else args.max_evals,
                       overwrite=args.overwrite or own)
    if not args.quiet:
        mode = f"quick mode ({C.QUICK_ENV_VAR}=1)" if quick else "full mode"
        print(f"demo, {mode}: {SAMPLES[DEMO_CONTENT].title} in the style of {SAMPLES[DEMO_STYLE].title}, "
              f"{SAMPLES[DEMO_STYLE].credit}")
    status = _execute(options, args.quiet, state)
    if status in (EXIT_OK, EXIT_INTERRUPTED, EXIT_TERMINATED):
        print(f"the result is in {output.resolve()} (open it with any image viewer)")
    return status




class _CallableModule(type(sys)):
    """Deprecated: lets a console script installed before the move (``styletransfer.cli:main``,
    which now names this module) still run. Reinstall (``pip install -e .``) and this goes unused."""

    def __call__(self, argv: Sequence[str] | None = None) -> int:
        return main(argv)


sys.modules[__name__].__class__ = _CallableModule

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
