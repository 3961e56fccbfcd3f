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
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from .. import constants as C
from ..cache import cache_dir, downloads_off, keras_cache_dir
from ..errors import StyleTransferError
from ..quiet import show_tensorflow_log
from ..record import library_versions, machine_description
from ..samples import SAMPLES, fetch_sample, sample_status
from ..weights import download_weights, weights_cache_path, weights_status
from .batch_command import add_batch_parser
from .estimate_command import cmd_estimate
from .job import JobState, RunOptions, Terminated, execute
from .video_command import add_video_parser

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_TERMINATED"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
PROG = "styletransfer"
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


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _floats(text: str) -> list[float]:
    try:
        return [float(part) for part in _csv(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _common(parser: argparse.ArgumentParser, *, size: int | None, evals: int | None) -> None:
    parser.add_argument("--size", type=int, default=size, metavar="PX", help=f"long side of the output in pixels (default {size or 'see above'})")
    parser.add_argument("--evals", type=int, default=evals, dest="max_evals", metavar="N",
                        help=f"maximum number of loss-and-gradient evaluations (default {evals or 'see above'})")
    parser.add_argument("--weights", default=C.DEFAULT_WEIGHTS,
                        help="VGG19 weights: auto (ImageNet if available, else random, loudly), imagenet, "
                             "random, or a path to the .h5 file (default auto)")
    parser.add_argument("--trust-weights", action="store_true",
                        help="use a VGG19 weights file whose MD5 is not Keras's (a genuine Keras-format VGG19 "
                             "from elsewhere); results are labelled 'user-supplied VGG19 weights (checksum unknown)'")
    parser.add_argument("--seed", type=int, default=C.DEFAULT_SEED, metavar="N", help="seed of random weights and noise")
    parser.add_argument("--checkpoint-every", type=int, default=0, metavar="N",
                        help="save the best image so far (and its record) every N evaluations")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output image and its .json record (never an input)")
    parser.add_argument("--precision", default=C.DEFAULT_PRECISION, metavar="{" + ",".join(C.PRECISIONS) + "}",
                        help="type the VGG19 network runs in; losses stay float32 (default float32; auto: a "
                             "faster reduced type where the hardware has one and a short check confirms it)")
    parser.add_argument("--device", default=C.DEFAULT_DEVICE, metavar="{" + ",".join(C.DEVICES) + "}",
                        help="where the network runs (default auto: a GPU when TensorFlow sees one)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only the result and warnings")


def _run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of one run (``run`` and ``batch``): sizes, weights, layers, optimiser, loss."""
    _common(run, size=C.DEFAULT_SIZE, evals=C.DEFAULT_MAX_EVALS)
    run.add_argument("--style-size", type=int, metavar="PX", help="long side of the style image (default: --size)")
    run.add_argument("--strength", type=float, metavar="S",
                     help=f"style strength from 0 (photo) to 1 (painting), the same look at every size; "
                          f"sets --alpha and --beta (default {C.DEFAULT_STRENGTH}: alpha 1, beta 10)")
    run.add_argument("--alpha", type=float, dest="content_weight",
                     help=f"content weight (default {C.DEFAULT_CONTENT_WEIGHT})")
    run.add_argument("--beta", type=float, dest="style_weight",
                     help=f"style weight (default {C.DEFAULT_STYLE_WEIGHT})")
    run.add_argument("--tv", type=float, default=C.DEFAULT_TV_WEIGHT, dest="tv_weight",
                     help=f"total-variation (smoothness) weight (default {C.DEFAULT_TV_WEIGHT})")
    run.add_argument("--init", default=C.DEFAULT_INIT, metavar="{content,noise,style,PATH}",
                     help="starting image (default content; the paper starts from noise)")
    run.add_argument("--content-layers", type=_csv, default=list(C.DEFAULT_CONTENT_LAYERS), metavar="LAYERS",
                     help="comma-separated, paper or Keras names (default conv4_2)")
    run.add_argument("--style-layers", type=_csv, default=list(C.DEFAULT_STYLE_LAYERS), metavar="LAYERS",
                     help="comma-separated (default conv1_1,conv2_1,conv3_1,conv4_1,conv5_1)")
    run.add_argument("--style-layer-weights", type=_floats, metavar="W1,W2,...",
                     help="one weight per style layer, normalised to sum to 1 (default equal)")
    run.add_argument("--pooling", choices=C.POOLING_MODES, default=C.DEFAULT_POOLING,
                     help="pooling between VGG blocks (default avg, as in the paper)")
    run.add_argument("--optimizer", choices=C.OPTIMIZERS, default=C.DEFAULT_OPTIMIZER,
                     help=f"default {C.DEFAULT_OPTIMIZER} (the paper)")
    run.add_argument("--bounds", choices=C.BOUNDS_MODES, default=C.DEFAULT_BOUNDS,
                     help="how L-BFGS keeps pixels in 0..255: clip the result, hard bounds, or a penalty (default)")
    run.add_argument("--lr", type=float, default=C.DEFAULT_LEARNING_RATE, dest="learning_rate", metavar="LR",
                     help=f"Adam's step size in pixel units (default {C.DEFAULT_LEARNING_RATE})")
    run.add_argument("--style-loss", choices=C.STYLE_LOSSES, default=C.DEFAULT_STYLE_LOSS,
                     help="what 'same style' means: gram (the paper, default), meancov (mean + covariance, "
                          "Wasserstein-2), sliced (sliced Wasserstein) or histogram (per channel)")
    run.add_argument("--parameterization", choices=C.PARAMETERIZATIONS, default=C.DEFAULT_PARAMETERIZATION,
                     help="what is optimised: pixels (the paper, default), pyramid (Laplacian pyramid) or "
                          "fourier (decorrelated colour, scaled Fourier basis)")


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
    _run_arguments(run)
    run.set_defaults(handler=_cmd_run)

    add_batch_parser(sub, _run_arguments, epilog=_EXAMPLES)

    demo = sub.add_parser("demo", help="stylise a built-in photo with a built-in painting",
                          description=f"Stylise the built-in {DEMO_CONTENT} photo with {DEMO_STYLE}. "
                                      f"Set {C.QUICK_ENV_VAR}=1 for a tiny, quick run.")
    demo.add_argument("-o", "--output", default=os.path.join("outputs", "demo.png"), metavar="OUT",
                      help="output image (default outputs/demo.png; its folder is created)")
    _common(demo, size=None, evals=None)
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
    estimate.add_argument("--no-calibrate", action="store_true",
                          help="do not time this machine (a few seconds, once); use the cached or default speed")
    estimate.set_defaults(handler=cmd_estimate)
    add_video_parser(sub)

    samples = sub.add_parser("samples", help="list the built-in images")
    samples.set_defaults(handler=_cmd_samples)
    fetch = sub.add_parser("fetch", help="download the VGG19 weights and the fetched samples into the cache")
    fetch.set_defaults(handler=_cmd_fetch)
    info = sub.add_parser("info", help="versions, devices, weights status and cache folders")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=_cmd_info)
    return parser


def _error(message: str) -> None:
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"{PROG}: warning: {' '.join(str(message).split())}", file=sys.stderr, flush=True)


def _interrupted(exc: KeyboardInterrupt, state: JobState) -> int:
    what = "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
    if state.checkpoint_evaluations:
        _error(f"{what} while saving; the last checkpoint ({state.checkpoint_evaluations} evaluations) is in "
               f"{state.output} with its record")
    else:
        _error(f"{what} before the optimisation started; nothing written")
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
            _error(str(exc))
            return EXIT_USAGE


# -- run and demo ---------------------------------------------------------------------------------
def _options(args, argv, **fixed) -> RunOptions:
    names = ("size", "max_evals", "weights", "trust_weights", "seed", "checkpoint_every", "style_size", "strength",
             "content_weight",
             "style_weight", "tv_weight", "init", "content_layers", "style_layers", "style_layer_weights",
             "pooling", "optimizer", "learning_rate", "bounds", "overwrite", "style_loss", "parameterization",
             "precision", "device")
    given = {name: getattr(args, name) for name in names if hasattr(args, name)}
    progress = not (args.quiet or args.no_progress)
    return RunOptions(**{**given, **fixed}, progress=progress, command=[PROG, *argv])


def _execute(options: RunOptions, quiet: bool, state: JobState) -> int:
    outcome = execute(options, say=(lambda _text: None) if quiet else print, state=state)
    result, image, record = outcome.result, outcome.image_path, outcome.record_path
    height, width = result.image.shape[:2]
    if outcome.save_error:
        _error(f"{outcome.save_error}; the result ({result.evaluations} evaluations, {width}x{height}) was saved to "
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
        _error(f"{what} after {result.evaluations} evaluations; saved the best image so far to {image}")
        return EXIT_TERMINATED if outcome.terminated else EXIT_INTERRUPTED
    if result.stop_reason == "nonfinite":
        if result.evaluations <= 1:
            _error(f"the loss is not finite at the first evaluation ({result.history[0]['total'] if result.history else 'nan'}): "
                   f"the weights overflow float32; lower --alpha, --beta or --tv (wrote the starting image to {image})")
        else:
            _error(f"{result.message.replace('; returning the best image so far', '')}; saved the best image so far to {image}")
        return EXIT_FAILED
    return EXIT_OK


def _cmd_run(args, argv, state) -> int:
    options = _options(args, argv, content=args.content, style=args.style, output=args.output)
    return _execute(options, args.quiet, state)


def _cmd_demo(args, argv, state) -> int:
    quick = os.environ.get(C.QUICK_ENV_VAR, "0") == "1"
    size, evals = DEMO_QUICK if quick else DEMO_FULL
    output = Path(args.output).expanduser()
    own = output == Path("outputs", "demo.png")  # the demo may replace its own outputs/demo.*
    if own:
        output.parent.mkdir(parents=True, exist_ok=True)
    options = _options(args, argv, content=DEMO_CONTENT, style=DEMO_STYLE, output=output,
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


# -- samples, fetch, info ------------------------------------------------------------------------
def _sample_status(name: str) -> str:
    status = sample_status(name)
    if status == "shipped":
        return status
    fix = "" if status == "cached" else f" (run `{C.FETCH_COMMAND}`)"
    return f"fetched: {'cached copy corrupt' if status == 'corrupt' else status}{fix}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _cmd_samples(args, argv, state) -> int:
    rows = [["name", "kind", "title", "credit", "licence", "status"]]
    rows += [[s.name, s.kind, s.title, s.credit, s.licence, _sample_status(s.name)] for s in SAMPLES.values()]
    print(_table(rows))
    print(f"\nfetched samples are cached in {cache_dir()}; `{C.FETCH_COMMAND}` downloads them ahead of time")
    return EXIT_OK


def _cmd_fetch(args, argv, state) -> int:
    print(f"fetching into {weights_cache_path().parent} (weights) and {cache_dir()} (samples)")
    if downloads_off():
        print(f"note: {C.OFFLINE_ENV_VAR} is set, so nothing is downloaded; unset it to fetch")
    items = [("VGG19 ImageNet weights", download_weights)]
    items += [(f"sample {s.name}", lambda n=s.name: fetch_sample(n)) for s in SAMPLES.values() if not s.shipped]
    failed = 0
    for label, fetch in items:
        try:
            path = fetch()
        except Exception as exc:  # noqa: BLE001 - report every item; one failure must not stop the rest
            failed += 1
            print(f"  FAILED  {label}: {' '.join(str(exc).split())}", flush=True)
        else:
            print(f"  ok      {label}: {path}", flush=True)
    if failed:
        _error(f"{failed} of {len(items)} items could not be fetched; see the lines above for each fix")
        return EXIT_USAGE
    print(f"all {len(items)} items are in the cache; this machine can now run everything offline")
    return EXIT_OK


def _cmd_info(args, argv, state) -> int:
    from ..devices import device_report, prepare_gpus

    prepare_gpus()  # what a run would get: memory growth on
    report = device_report()
    devices = report["devices"]
    info = {
        "versions": library_versions(),
        "devices": devices,
        "gpus": report["gpus"],
        "precision": {"fast reduced types": report["fast_reduced_types"],
                      "cpu flags": report["cpu_reduced_flags"], "default": C.DEFAULT_PRECISION},
        "machine": machine_description(),
        "weights": weights_status(),
        "folders": {"keras cache": str(keras_cache_dir()), "weights file": str(weights_cache_path()),
                    "sample cache": str(cache_dir())},
        "environment": {name: os.environ.get(name) for name in
                        (C.WEIGHTS_ENV_VAR, C.CACHE_ENV_VAR, C.OFFLINE_ENV_VAR, C.QUICK_ENV_VAR, C.VERBOSE_ENV_VAR,
                         "KERAS_HOME")},
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    gpu = "" if any(d.startswith("GPU") for d in devices) else " (no GPU: CPU-only TensorFlow or no CUDA device)"
    print("devices:  " + "; ".join(devices) + gpu)
    for card in info["gpus"]:
        print(f"          {card['name']}: {card['model']}, compute capability "
              f"{'.'.join(map(str, card['compute_capability'])) or '?'}, memory growth {card['memory_growth']}")
    fast = ", ".join(report["fast_reduced_types"]) or "none (no bfloat16 or float16 instructions found)"
    print(f"precision: fast reduced types on this hardware: {fast}; --precision auto uses one when a short "
          f"check finds it faster (default {C.DEFAULT_PRECISION})")
    machine = info["machine"]
    print(f"machine:  {machine['cpu']}, {machine['usable_cores']} usable cores, {machine['platform']}")
    print(f"weights:  {info['weights']['status']}\n          {info['weights']['path']} ({info['weights']['source']})")
    for name, folder in info["folders"].items():
        print(f"{name + ':':<14}{folder}")
    for name, value in info["environment"].items():
        print(f"${name} = {value if value is not None else '(not set)'}")
    return EXIT_OK




class _CallableModule(type(sys)):
    """Deprecated: lets a console script installed before the move (``styletransfer.cli:main``,
    which now names this module) still run. Reinstall (``pip install -e .``) and this goes unused."""

    def __call__(self, argv: Sequence[str] | None = None) -> int:
        return main(argv)


sys.modules[__name__].__class__ = _CallableModule

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
