"""Presets: the recipes of the paper, the TensorFlow tutorial, the Keras example and
jcjohnson/neural-style, on this library's engine, and a side-by-side comparison.

Each preset fixes the layers, the pooling, the starting image, the optimiser and the weights
(converted exactly from the project's loss code by :mod:`styletransfer.extensions.conventions`, with raw
features, so the objective is the project's own; the paper's preset is the exception, see its
notes). Run one with :func:`run_preset`; :func:`compare_presets` renders the same content and
style under several presets in one figure, so you can see how "small" choices change the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .. import constants as C
from ..errors import ParameterError
from ..images import ImageLike
from ..samples import as_image
from .conventions import CONVENTIONS, convert_weights

__all__ = ["Preset", "PRESETS", "CLASSIC_PRESETS", "preset_options", "run_preset", "compare_presets"]


@dataclass(frozen=True)
class Preset:
    """A recipe: problem keywords, run keywords and the size it was made for."""

    name: str
    title: str
    convention: str | None
    problem: dict
    run: dict
    size: int
    notes: str = ""
    source: str = field(default="")


PRESETS: dict[str, Preset] = {
    "paper": Preset(
        "paper", "Gatys et al. 2015", None,
        {"content_layers": ("block4_conv2",), "style_layers": C.DEFAULT_STYLE_LAYERS, "pooling": "avg",
         "content_weight": C.DEFAULT_CONTENT_WEIGHT, "style_weight": C.DEFAULT_STYLE_WEIGHT, "tv_weight": 0.0,
         "normalize_features": True, "style_loss": "gram", "parameterization": "pixels"},
        {"init": "noise", "optimizer": "lbfgs", "max_evals": C.DEFAULT_MAX_EVALS}, 512,
        "conv4_2 content, conv1_1..conv5_1 style, average pooling, white-noise start, L-BFGS, no TV. "
        "The paper's alpha/beta (1e-3) is in units of its rescaled VGG19, which is not published; this "
        "library's normalised features play that role, so the preset keeps the library's alpha and beta.",
        "arXiv:1508.06576",
    ),
    "tf_tutorial": Preset(
        "tf_tutorial", "TensorFlow tutorial", "tf_tutorial",
        {},
        {"init": "content", "optimizer": "adam", "learning_rate": 0.02 * 255,
         "adam_options": {"beta_1": 0.99, "beta_2": 0.999, "epsilon": 0.1 / 255}, "max_evals": 1000}, 512,
        "block5_conv2 content, block1..5_conv1 style, max pooling, from the content image, Adam with "
        "lr 0.02 and eps 0.1 on [0, 1] images (x255 and /255 here), beta1 0.99, 10 epochs x 100 steps.",
        "tensorflow.org/tutorials/generative/style_transfer",
    ),
    "keras": Preset(
        "keras", "Keras example", "keras",
        {},
        {"init": "content", "optimizer": "lbfgs", "max_evals": 4000}, 400,
        "block5_conv2 content, block1..5_conv1 style, max pooling, from the content image, 400 px high. "
        "The example runs SGD (lr 100, x0.96 every 100 steps) for 4000 steps; its 2016 version used "
        "scipy's L-BFGS, which is what runs here.",
        "keras.io/examples/generative/neural_style_transfer",
    ),
    "toolbox": Preset(
        "toolbox", "Mean + covariance on a pyramid", None,
        {"style_loss": "meancov", "parameterization": "pyramid", "pooling": C.DEFAULT_POOLING},
        {"init": "content", "optimizer": "lbfgs", "max_evals": C.DEFAULT_MAX_EVALS}, 512,
        "The paper's layers and weights with two later ideas (notebook 10): the Gaussian Wasserstein-2 "
        "style loss (means and covariances, as crowsonkb/style-transfer-pytorch) on a Laplacian pyramid "
        "(as Kolkin et al. 2022), L-BFGS from the photo. In benchmarks/RESULTS.md (Toolbox, random "
        "weights, 64 px) it reached the paper's yardstick in 30 evaluations instead of 300, with the "
        "lowest pixel-level artefacts; each evaluation costs more at small sizes (eigen-decompositions).",
        "github.com/crowsonkb/style-transfer-pytorch, arXiv:2203.13215",
    ),
    "jcjohnson": Preset(
        "jcjohnson", "jcjohnson/neural-style", "jcjohnson",
        {},
        {"init": "noise", "optimizer": "lbfgs", "max_evals": 1000}, 512,
        "relu4_2 content, relu1_1..relu5_1 style, max pooling, noise start, L-BFGS 1000 iterations, 512 px.",
        "github.com/jcjohnson/neural-style",
    ),
}


#: The presets :func:`compare_presets` runs by default: the four classic recipes (not "toolbox").
CLASSIC_PRESETS: tuple[str, ...] = ("paper", "tf_tutorial", "keras", "jcjohnson")


def _preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ParameterError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    return PRESETS[name]


def preset_options(name: str, shape: tuple[int, int]) -> tuple[dict, dict]:
    """``(StyleTransfer keywords, optimize keywords)`` of preset ``name`` for an image ``shape``.

    Weights that depend on the image size (the Keras example's content sum, jcjohnson's TV sum)
    are converted for ``shape`` (height, width).
    """
    preset = _preset(name)
    problem = dict(preset.problem)
    if preset.convention is not None:
        weights = convert_weights(preset.convention, shape=shape)
        weights.pop("exact")
        problem.update(weights)
    return problem, dict(preset.run)


def run_preset(name: str, content: ImageLike, style: ImageLike, *, size: int | None = None,
               max_evals: int | None = None, weights=C.DEFAULT_WEIGHTS, progress: bool = True, **options):
    """Run preset ``name`` on ``content`` and ``style``; returns a :class:`~styletransfer.optimize.Result`.

    ``size`` defaults to the preset's own (the Keras example's is the image height); ``max_evals``
    to the preset's number of iterations. ``options`` are flat keywords that override the
    preset's, sorted by :func:`styletransfer.api.split_options` (``style_weight=``, ``optimizer=``...).
    """
    from ..api import split_options
    from ..transfer import StyleTransfer
    preset = _preset(name)
    content, style = as_image(content), as_image(style)
    if size is None and name == "keras":
        size = round(preset.size * max(content.shape[:2]) / content.shape[0])
    size = size or preset.size
    shape = as_image(content, size=size).shape[:2]
    problem_options, run_options = preset_options(name, shape)
    problem_overrides, run_overrides = split_options(options)
    problem = StyleTransfer(content, style, size=size, weights=weights, **{**problem_options, **problem_overrides})
    if max_evals is not None:
        run_options["max_evals"] = max_evals
    run_options.update(run_overrides)
    return problem.run(progress=progress, **run_options)


def compare_presets(content: ImageLike, style: ImageLike, *, presets: Sequence[str] = CLASSIC_PRESETS,
                    size: int = 256, max_evals: int = 100, weights=C.DEFAULT_WEIGHTS, progress: bool = True):
    """Render the same content and style under several presets, side by side, in one figure.

    Every preset runs at the same ``size`` for ``max_evals`` evaluations (so the comparison is
    about the recipe, not the budget).

    Returns
    -------
    (dict, matplotlib.figure.Figure)
        ``{preset name: Result}`` and the figure (content, style, then one image per preset).
    """
    from ..notebook.plotting import show_images

    content, style = as_image(content), as_image(style)
    results = {name: run_preset(name, content, style, size=size, max_evals=max_evals, weights=weights,
                                progress=progress) for name in presets}
    first = next(iter(results.values()))
    images = [as_image(content, size=size), as_image(style, size=size)] + [r.image for r in results.values()]
    titles = ["content", "style"] + [
        f"{PRESETS[n].title}\n{PRESETS[n].run['optimizer']}, init {PRESETS[n].run['init']}, "
        f"{(PRESETS[n].problem.get('pooling') or CONVENTIONS[PRESETS[n].convention].pooling)} pool"
        for n in results
    ]
    figure = show_images(images, titles, suptitle=f"Same pictures, different recipes ({max_evals} evaluations, "
                         f"{size} px)", weights_label=first.weights_label, is_random=first.is_random_weights,
                         columns=min(len(images), 6), width=3.0)
    return results, figure
