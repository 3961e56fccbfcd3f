"""The style-strength knob: its mapping to alpha/beta, where it is accepted, and its size invariance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from styletransfer import StyleTransfer, load_sample
from styletransfer.constants import (
    DEFAULT_CONTENT_WEIGHT,
    DEFAULT_STRENGTH,
    DEFAULT_STYLE_WEIGHT,
    STRENGTH_LOG10_RATIO,
)
from styletransfer.errors import ParameterError
from styletransfer.images import preprocess
from styletransfer.strength import resolve_strength, strength_of, strength_weights

#: Stated size invariance: at one strength, the ratio of the weighted terms (alpha * content over
#: beta * style) differs by at most this factor between 128 and 1024 px (measured: 1.13).
SIZE_FACTOR = 1.5


def test_strength_maps_log_linearly_onto_the_ratio_and_back():
    low, high = STRENGTH_LOG10_RATIO
    assert strength_weights(DEFAULT_STRENGTH) == {"content_weight": DEFAULT_CONTENT_WEIGHT,
                                                  "style_weight": DEFAULT_STYLE_WEIGHT}
    ratios = [strength_weights(s)["style_weight"] / strength_weights(s)["content_weight"] for s in (0, 0.25, 0.5, 0.75, 1)]
    assert ratios[0] == pytest.approx(10**low) and ratios[-1] == pytest.approx(10**high)
    steps = np.diff(np.log10(ratios))
    assert np.allclose(steps, steps[0]), "equal steps of the knob are equal factors of beta/alpha"
    for s in (0.0, 0.13, 0.5, 0.9, 1.0):
        weights = strength_weights(s)
        assert strength_of(weights["content_weight"], weights["style_weight"]) == pytest.approx(s, abs=1e-6)
    assert strength_of(1.0, 1e9) == 1.0 and strength_of(1.0, 1e-9) == 0.0
    assert strength_of(0.0, 5.0) == 1.0 and strength_of(5.0, 0.0) == 0.0


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, "strong", None])
def test_bad_strength_is_one_line(bad):
    if bad is None:
        assert resolve_strength(None, None, None) == (DEFAULT_CONTENT_WEIGHT, DEFAULT_STYLE_WEIGHT)
        return
    with pytest.raises(ParameterError, match="^strength must be") as info:
        strength_weights(bad)
    assert "\n" not in str(info.value)


def test_strength_and_an_explicit_weight_contradict():
    with pytest.raises(ParameterError, match="either strength or style_weight"):
        resolve_strength(0.5, None, 3.0)
    assert resolve_strength(None, 2.0, None) == (2.0, DEFAULT_STYLE_WEIGHT)


def test_style_transfer_and_set_weights_accept_strength():
    content, style = load_sample("chelsea", size=32), load_sample("starry_night", size=32)
    problem = StyleTransfer(content, style, size=32, weights="random", strength=0.75)
    expected = strength_weights(0.75)
    assert problem.content_weight == pytest.approx(expected["content_weight"])
    assert problem.style_weight == pytest.approx(expected["style_weight"], rel=1e-6)
    problem.set_weights(strength=0.0)
    assert problem.style_weight == pytest.approx(strength_weights(0.0)["style_weight"], rel=1e-6)
    with pytest.raises(ParameterError, match="not both"):
        StyleTransfer(content, style, size=32, weights="random", strength=0.5, content_weight=2.0)


def _blend(problem: StyleTransfer) -> np.ndarray:
    """Half photo, half painting: an image on which both terms are far from zero."""
    height, width = problem.content_image.shape[:2]
    style = np.asarray(Image.fromarray(problem.style_image).resize((width, height), Image.Resampling.LANCZOS))
    return preprocess(0.5 * problem.content_image.astype(np.float32) + 0.5 * style.astype(np.float32))


@pytest.mark.slow  # one 1024 px VGG19 forward pass on random weights (about 30 s on 2 busy cores)
def test_one_strength_balances_the_terms_alike_from_128_to_1024_px():
    content, style = load_sample("chelsea"), load_sample("starry_night")
    balance = {}
    for size in (128, 256, 512, 1024):
        problem = StyleTransfer(content, style, size=size, weights="random", strength=0.6)
        terms = {k: float(v) for k, v in problem.terms(_blend(problem)).items()}
        assert terms["content"] > 0 and terms["style"] > 0
        balance[size] = problem.content_weight * terms["content"] / (problem.style_weight * terms["style"])
    spread = max(balance.values()) / min(balance.values())
    assert spread <= SIZE_FACTOR, f"weighted content/style balance varies {spread:.2f}x across sizes: {balance}"
