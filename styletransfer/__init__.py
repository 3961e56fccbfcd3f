"""styletransfer: neural artistic style transfer (Gatys, Ecker and Bethge, 2015) for learning and play.

The pieces, in the order the talk explains them:

* :mod:`~styletransfer.images` and :mod:`~styletransfer.samples`: images in and out
  (:func:`~styletransfer.samples.as_image` reads a path, URL, sample name, PIL image or array).
* :mod:`~styletransfer.features`: VGG19 activations of named layers.
* :mod:`~styletransfer.losses`: Gram matrices, content, style and total-variation losses.
* :mod:`~styletransfer.transfer`: the problem, ``alpha * content + beta * style + tv * TV``.
* :mod:`~styletransfer.optimize`: L-BFGS (or Adam) on the pixels; :func:`~styletransfer.api.stylize`
  does both in one call.
* Beyond the paper: :mod:`~styletransfer.extensions.multiscale` (coarse to fine), :mod:`~styletransfer.extensions.color`
  (colour preservation), :mod:`~styletransfer.extensions.spatial` (masks, several styles),
  :mod:`~styletransfer.extensions.presets` and :mod:`~styletransfer.extensions.conventions`.
* For Jupyter (need the ``notebooks`` extra): :func:`styletransfer.live.widgets.explore` (live sliders),
  :mod:`styletransfer.notebook.plotting`, and :mod:`styletransfer.exercises` (the workshop checkers).

Quick start::

    import styletransfer as st
    result = st.stylize("chelsea", "starry_night", size=256, max_evals=100)
    st.save_image(result.image, "cat.png")
"""

from __future__ import annotations

from .quiet import quiet_tensorflow as _quiet_tensorflow

_quiet_tensorflow()  # before anything imports TensorFlow: no start-up chatter unless $STYLETRANSFER_VERBOSE

from .api import stylize  # noqa: E402
from .constants import *  # noqa: E402,F403
from .errors import ImageError, LayerError, ParameterError, StyleTransferError, WeightsError  # noqa: E402
from .extensions.color import LuminanceTransfer, match_color, preserve_colors  # noqa: E402
from .extensions.conventions import conversion_table, convert_weights  # noqa: E402
from .extensions.multiscale import stylize_multiscale  # noqa: E402
from .extensions.presets import PRESETS, compare_presets, run_preset  # noqa: E402
from .extensions.spatial import MultiStyleTransfer  # noqa: E402
from .features import FeatureExtractor, layer_name, paper_name  # noqa: E402
from .images import deprocess, load_image, preprocess, save_image  # noqa: E402
from .losses import content_loss, gram_matrix, style_loss, total_variation_loss  # noqa: E402
from .optimize import Progress, Result, optimize  # noqa: E402
from .samples import as_image, list_samples, load_sample  # noqa: E402
from .transfer import StyleTransfer  # noqa: E402
from .weights import RandomWeightsWarning, WeightsSpec, resolve_weights  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "StyleTransfer",
    "stylize",
    "stylize_multiscale",
    "LuminanceTransfer",
    "match_color",
    "preserve_colors",
    "MultiStyleTransfer",
    "PRESETS",
    "compare_presets",
    "run_preset",
    "conversion_table",
    "convert_weights",
    "FeatureExtractor",
    "layer_name",
    "paper_name",
    "load_image",
    "save_image",
    "preprocess",
    "deprocess",
    "list_samples",
    "as_image",
    "load_sample",
    "gram_matrix",
    "content_loss",
    "style_loss",
    "total_variation_loss",
    "optimize",
    "Progress",
    "Result",
    "resolve_weights",
    "WeightsSpec",
    "RandomWeightsWarning",
    "StyleTransferError",
    "ImageError",
    "LayerError",
    "ParameterError",
    "WeightsError",
]

