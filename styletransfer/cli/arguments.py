"""The options a run takes on the command line (``run``, ``batch`` and, in part, ``demo``).

Only their spelling, defaults (from :mod:`styletransfer.constants`) and help live here; their
values are checked in :mod:`styletransfer.checks`, the one place each option is checked.
"""

from __future__ import annotations

import argparse

from .. import constants as C
from .console import PROG
from .job import RunOptions

__all__ = ["common_arguments", "precision_argument", "run_arguments", "run_options"]


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _floats(text: str) -> list[float]:
    try:
        return [float(part) for part in _csv(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def common_arguments(parser: argparse.ArgumentParser, *, size: int | None, evals: int | None) -> None:
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
    precision_argument(parser)
    parser.add_argument("--device", default=C.DEFAULT_DEVICE, metavar="{" + ",".join(C.DEVICES) + "}",
                        help="where the network runs (default auto: a GPU when TensorFlow sees one)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar, only the result and warnings")


def precision_argument(parser) -> None:
    """``--precision``: of ``run``, ``batch``, ``demo`` and ``estimate`` (checked by ``checks.check_precision``)."""
    parser.add_argument("--precision", default=C.DEFAULT_PRECISION, metavar="{" + ",".join(C.PRECISIONS) + "}",
                        help="type the VGG19 network runs in; losses stay float32 (default float32; auto: a "
                             "faster reduced type where the hardware has one and a short check confirms it)")


def run_arguments(run: argparse.ArgumentParser) -> None:
    """The options of one run (``run`` and ``batch``): sizes, weights, layers, optimiser, loss."""
    common_arguments(run, size=C.DEFAULT_SIZE, evals=C.DEFAULT_MAX_EVALS)
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


def run_options(args, argv, **fixed) -> RunOptions:
    """The :class:`~styletransfer.cli.job.RunOptions` of parsed ``args`` (``fixed`` ones win), with the command line."""
    names = ("size", "max_evals", "weights", "trust_weights", "seed", "checkpoint_every", "style_size", "strength",
             "content_weight",
             "style_weight", "tv_weight", "init", "content_layers", "style_layers", "style_layer_weights",
             "pooling", "optimizer", "learning_rate", "bounds", "overwrite", "style_loss", "parameterization",
             "precision", "device")
    given = {name: getattr(args, name) for name in names if hasattr(args, name)}
    progress = not (args.quiet or args.no_progress)
    return RunOptions(**{**given, **fixed}, progress=progress, command=[PROG, *argv])
