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

import importlib as _importlib  # noqa: E402
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

from .constants import *  # noqa: E402,F403
from .errors import ImageError, LayerError, ParameterError, StyleTransferError, WeightsError  # noqa: E402

__version__ = "0.1.0"

#: Public name -> the module that defines it. Imported on first use (PEP 562), so ``import
#: styletransfer`` and ``styletransfer --help`` stay quick: TensorFlow loads only when needed.
_EXPORTS: dict[str, str] = {
    "stylize": "api",
    **dict.fromkeys(["LuminanceTransfer", "match_color", "preserve_colors"], "extensions.color"),
    **dict.fromkeys(["conversion_table", "convert_weights"], "extensions.conventions"),
    **dict.fromkeys(["FeatureExtractor", "layer_name", "paper_name"], "features"),
    **dict.fromkeys(["deprocess", "load_image", "preprocess", "save_image"], "images"),
    **dict.fromkeys(["content_loss", "gram_matrix", "style_loss", "total_variation_loss"], "losses"),
    "stylize_multiscale": "extensions.multiscale",
    **dict.fromkeys(["Progress", "Result", "optimize"], "optimize"),
    **dict.fromkeys(["PRESETS", "compare_presets", "run_preset"], "extensions.presets"),
    **dict.fromkeys(["as_image", "list_samples", "load_sample"], "samples"),
    "MultiStyleTransfer": "extensions.spatial",
    "StyleTransfer": "transfer",
    **dict.fromkeys(["RandomWeightsWarning", "WeightsSpec", "resolve_weights"], "weights"),
}

__all__ = [*_EXPORTS, "StyleTransferError", "ImageError", "LayerError", "ParameterError",
           "WeightsError"]


def __getattr__(name: str):
    """Import a public name's module (or a submodule, ``styletransfer.plotting``) on first use."""
    if name in _EXPORTS:
        value = getattr(_importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif not name.startswith("__"):
        try:
            value = _importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


class _Package(_types.ModuleType):
    """The package's module type: a public function keeps its name when its submodule is imported.

    ``st.optimize`` is the function of the module ``styletransfer.optimize``. Importing that module
    (which the lazy names above do only on first use) makes Python set the package attribute
    ``optimize`` to the module; this puts the function back, as an eager import used to.
    """

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, _types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))

