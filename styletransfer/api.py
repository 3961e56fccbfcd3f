"""One call from two images to a stylised picture: :func:`stylize`."""

from __future__ import annotations

from . import constants as C
from .images import ImageLike
from .optimize import Result
from .transfer import StyleTransfer

__all__ = ["stylize"]


def stylize(content: ImageLike, style: ImageLike, *, init=C.DEFAULT_INIT, max_evals: int = C.DEFAULT_MAX_EVALS,
            optimizer: str = C.DEFAULT_OPTIMIZER, callback=None, callback_every: int = C.DEFAULT_CALLBACK_EVERY,
            progress: bool = True, **problem_options) -> Result:
    """Stylise ``content`` with ``style`` in one call.

    ``content`` and ``style`` may be sample names (see :func:`~styletransfer.samples.list_samples`),
    paths, URLs, PIL images or arrays. ``problem_options`` go to
    :class:`~styletransfer.transfer.StyleTransfer` (size, weights, layers...); the rest to
    :func:`~styletransfer.optimize.optimize`.

    Returns
    -------
    Result
        ``result.image`` is the stylised RGB ``uint8`` image; ``result.weights_label`` says
        whether it was made with ImageNet or random weights.
    """
    problem = StyleTransfer(content, style, **problem_options)
    return problem.run(init=init, max_evals=max_evals, optimizer=optimizer, callback=callback,
                       callback_every=callback_every, progress=progress)
