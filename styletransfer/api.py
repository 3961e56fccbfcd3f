"""One call from two images to a stylised picture (:func:`stylize`), and the one way every such
call takes its options (:func:`split_options`).

The convention, shared by :func:`stylize`, :func:`~styletransfer.extensions.multiscale.stylize_multiscale`
and :func:`~styletransfer.extensions.presets.run_preset`: every option is a flat keyword argument;
the keywords of the problem class (:class:`~styletransfer.transfer.StyleTransfer` or a subclass:
``size``, ``style_weight``, ``content_layers``...) build the problem, the keywords of
:func:`~styletransfer.optimize.optimize` (``max_evals``, ``optimizer``, ``bounds``, ``callback``...)
run it, and anything else is a one-line error. The Figure 1 reconstructions
(:mod:`styletransfer.notebook.reconstruct`) and the sliders (:func:`~styletransfer.live.widgets.explore`)
take flat keywords too, limited to what they vary.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from . import constants as C
from .errors import ParameterError
from .images import ImageLike
from .optimize import Result, optimize
from .transfer import StyleTransfer

__all__ = ["stylize", "split_options"]

_RUN_KEYWORDS = frozenset(
    name for name, p in inspect.signature(optimize).parameters.items() if p.kind is p.KEYWORD_ONLY
)


def _problem_keywords(problem_class: type) -> frozenset[str]:
    names: set[str] = set()
    for cls in inspect.getmro(problem_class):
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind is p.KEYWORD_ONLY)
        if cls is StyleTransfer or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return frozenset(names)


def split_options(options: Mapping, *, problem_class: type = StyleTransfer) -> tuple[dict, dict]:
    """Sort flat keyword options into ``(problem keywords, optimize keywords)``.

    A keyword that both take (``seed``) goes to the problem, which passes it on as the default
    of the run.

    Raises
    ------
    ParameterError
        A keyword neither takes.
    """
    problem_names = _problem_keywords(problem_class)
    problem = {k: v for k, v in options.items() if k in problem_names}
    run = {k: v for k, v in options.items() if k in _RUN_KEYWORDS and k not in problem_names}
    unknown = sorted(set(options) - set(problem) - set(run))
    if unknown:
        raise ParameterError(
            f"unknown option {', '.join(map(repr, unknown))}; {problem_class.__name__} takes "
            f"{', '.join(sorted(problem_names))}; optimize takes {', '.join(sorted(_RUN_KEYWORDS))}"
        )
    return problem, run


def stylize(content: ImageLike, style: ImageLike, *, max_evals: int = C.DEFAULT_MAX_EVALS, **options) -> Result:
    """Stylise ``content`` with ``style`` in one call.

    Parameters
    ----------
    content, style : ImageLike
        Sample names (see :func:`~styletransfer.samples.list_samples`), paths, URLs, PIL images
        or arrays.
    max_evals : int
        Maximum number of loss-and-gradient evaluations.
    **options
        Flat keywords, sorted by :func:`split_options`: those of
        :class:`~styletransfer.transfer.StyleTransfer` (``size``, ``weights``, ``style_weight``,
        layers...) and those of :func:`~styletransfer.optimize.optimize` (``init``,
        ``optimizer``, ``callback``, ``progress``, ``bounds``...).

    Returns
    -------
    Result
        ``result.image`` is the stylised RGB ``uint8`` image; ``result.weights_label`` says
        whether it was made with ImageNet or random weights.
    """
    problem_options, run_options = split_options(options)
    return StyleTransfer(content, style, **problem_options).run(max_evals=max_evals, **run_options)
