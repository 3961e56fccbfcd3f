"""One "style strength" knob in [0, 1] instead of two weights: photo (0) <-> painting (1).

Only the ratio beta/alpha changes the picture (the losses are averages over normalised features,
see :mod:`styletransfer.losses`), and the ratio spans many decades. :func:`strength_weights` maps
a strength ``s`` log-linearly onto it::

    alpha = DEFAULT_CONTENT_WEIGHT
    beta  = alpha * 10 ** (lo + s * (hi - lo))        # (lo, hi) = STRENGTH_LOG10_RATIO = (-2, 4)

so that equal steps of the knob are equal *factors* of beta/alpha, ``s = 0.5`` is the library's
default (beta/alpha = 10), 0 keeps the photo (beta/alpha = 0.01) and 1 gives the painting's
texture (beta/alpha = 10,000). Because the loss terms do not grow with the image, the same
strength balances content and style alike at every size: a 256 px preview and a 1024 px render at
one strength look alike (``tests/test_strength.py`` measures the unweighted term ratio across
128-1024 px: within 1.13x). :func:`strength_of` is the inverse, for showing alpha/beta on the knob.

Measured with the seeded random-weight VGG19 (128 px, 60 L-BFGS evaluations from the photo, mean
change from the photo in grey levels): strength 0: 14, 0.1: 28, 0.25: 46, 0.5: 50, 0.75-1: 51. With
random weights the picture saturates from about 0.4; the ImageNet network's balance point may lie
elsewhere on the same scale, which the range (10^-2 .. 10^4) is wide enough to cover.
"""

from __future__ import annotations

import math

from .checks import finite_number
from .constants import DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_WEIGHT, STRENGTH_LOG10_RATIO
from .errors import ParameterError

__all__ = ["check_strength", "strength_weights", "strength_of", "resolve_strength"]


def check_strength(strength: float) -> float:
    """Return ``strength`` as a float, or raise a one-line error unless it is a number in [0, 1]."""
    value = finite_number("strength", strength)  # a number, not NaN, infinite or negative
    if value > 1.0:
        raise ParameterError(f"strength must be from 0 (photo) to 1 (painting), got {strength!r}")
    return value


def strength_weights(strength: float) -> dict[str, float]:
    """Content and style weights for a style strength in [0, 1] (see the module docstring).

    Returns
    -------
    dict
        ``{"content_weight": alpha, "style_weight": beta}``, ready for
        :class:`~styletransfer.transfer.StyleTransfer` or ``Steerer.update``.

    Examples
    --------
    >>> strength_weights(0.5)
    {'content_weight': 1.0, 'style_weight': 10.0}
    """
    low, high = STRENGTH_LOG10_RATIO
    exponent = low + check_strength(strength) * (high - low)
    beta = DEFAULT_CONTENT_WEIGHT * 10.0**exponent
    return {"content_weight": float(DEFAULT_CONTENT_WEIGHT), "style_weight": float(f"{beta:.6g}")}


def strength_of(content_weight: float, style_weight: float) -> float:
    """The strength whose beta/alpha is that of the given weights, clipped to [0, 1].

    A zero style weight is strength 0, a zero content weight strength 1.
    """
    if style_weight <= 0:
        return 0.0
    if content_weight <= 0:
        return 1.0
    low, high = STRENGTH_LOG10_RATIO
    value = (math.log10(style_weight / content_weight) - low) / (high - low)
    return min(1.0, max(0.0, value))


def resolve_strength(strength: float | None, content_weight: float | None,
                     style_weight: float | None) -> tuple[float, float]:
    """The (alpha, beta) a run uses: from ``strength``, or the weights given, or the defaults.

    Giving ``strength`` together with an explicit weight is refused with one line, since the
    two would contradict each other.
    """
    if strength is not None:
        given = [name for name, value in (("content_weight", content_weight), ("style_weight", style_weight))
                 if value is not None]
        if given:
            raise ParameterError(f"give either strength or {' and '.join(given)}, not both "
                                 "(strength sets both weights)")
        weights = strength_weights(strength)
        return weights["content_weight"], weights["style_weight"]
    return (DEFAULT_CONTENT_WEIGHT if content_weight is None else content_weight,
            DEFAULT_STYLE_WEIGHT if style_weight is None else style_weight)
