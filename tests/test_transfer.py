"""The style-transfer problem: targets, normalisation, the compiled loss and its gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from styletransfer.errors import LayerError, ParameterError
from styletransfer.features import FeatureExtractor
from styletransfer.images import preprocess
from styletransfer.losses import gram_matrix, style_layer_loss, total_variation_loss
from styletransfer.transfer import StyleTransfer


def test_terms_at_the_content_image(small_problem):
    x = small_problem.init_image("content")
    terms = {k: float(v) for k, v in small_problem.terms(tf.constant(x)).items()}
    assert terms["content"] == 0.0  # the content image reproduces its own features
    assert terms["style"] > 0
    assert math.isclose(terms["tv"], float(total_variation_loss(tf.constant(x))), rel_tol=1e-6)
    total, compiled_terms, grad = small_problem.loss_and_grad(x)
    expected = small_problem.content_weight * 0 + small_problem.style_weight * terms["style"] + small_problem.tv_weight * terms["tv"]
    assert math.isclose(float(total), expected, rel_tol=1e-5)
    assert grad.shape == small_problem.shape and np.isfinite(grad.numpy()).all()


def test_style_term_matches_an_independent_computation(small_problem):
    """Recompute the style term from the extractor, the scales and the losses module."""
    x = small_problem.init_image("noise", seed=3)
    feats = FeatureExtractor(small_problem.style_layers, weights=small_problem.spec).numpy(x)
    style_feats = FeatureExtractor(small_problem.style_layers, weights=small_problem.spec).numpy(
        preprocess(small_problem.style_image)
    )
    expected = 0.0
    for name, weight in small_problem.style_layer_weights.items():
        scale = small_problem.scales[name]
        expected += weight * float(
            style_layer_loss(gram_matrix(feats[name] / scale), gram_matrix(style_feats[name] / scale))
        )
    assert math.isclose(float(small_problem.terms(tf.constant(x))["style"]), expected, rel_tol=1e-4)
    assert math.isclose(sum(small_problem.style_layer_weights.values()), 1.0)


def test_feature_normalisation(small_problem):
    feats = FeatureExtractor(
        small_problem.content_layers + small_problem.style_layers, weights=small_problem.spec
    ).numpy(preprocess(small_problem.content_image))
    for name, values in feats.items():
        assert math.isclose(values.mean() / small_problem.scales[name], 1.0, rel_tol=1e-4)


def test_gradient_matches_a_directional_difference(small_problem, rng):
    x = small_problem.init_image("noise", seed=0)
    _, _, grad = small_problem.loss_and_grad(x)
    for _ in range(2):
        # A random direction with a share of the gradient's own: along a purely random direction the
        # derivative is so small that float32 rounding of the loss (about 63) is a few per cent of it.
        g = grad.numpy()
        v = (rng.normal(size=x.shape) + 3.0 * g / np.sqrt(np.mean(g**2))).astype(np.float32)
        eps = 0.05
        up = float(small_problem.loss_and_grad(x + eps * v)[0])
        down = float(small_problem.loss_and_grad(x - eps * v)[0])
        numeric = (up - down) / (2 * eps)
        analytic = float(np.sum(grad.numpy() * v))
        assert math.isclose(numeric, analytic, rel_tol=0.03), (numeric, analytic)


def test_float64_input_is_accepted_without_retracing(small_problem):
    x = small_problem.init_image("content")
    small_problem.loss_and_grad(x)
    traces = small_problem._compiled.experimental_get_tracing_count()
    a = small_problem.loss_and_grad(x.astype(np.float64))[0]
    b = small_problem.loss_and_grad(tf.constant(x))[0]
    assert float(a) == float(b)
    assert small_problem._compiled.experimental_get_tracing_count() == traces


def test_layer_choices_and_weights():
    content = np.random.default_rng(0).integers(0, 256, size=(40, 48, 3), dtype=np.uint8)
    style = np.random.default_rng(1).integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
    problem = StyleTransfer(
        content, style, size=48, content_layers=["conv2_2"], style_layers=["conv1_1", "relu2_1"],
        style_layer_weights=[3, 1], weights="random", normalize_features=False,
    )
    assert problem.content_layers == ("block2_conv2",) and problem.style_layers == ("block1_conv1", "block2_conv1")
    assert problem.style_layer_weights == {"block1_conv1": 0.75, "block2_conv1": 0.25}
    assert set(problem.scales.values()) == {1.0}
    assert problem.shape == (1, 40, 48, 3)
    for bad in ({"style_layer_weights": [1.0]}, {"style_layer_weights": [0, 0]}, {"size": 8},
                {"content_weight": float("nan")}, {"style_weight": -1}, {"tv_weight": float("inf")}):
        with pytest.raises(ParameterError):
            StyleTransfer(content, style, **{"size": 48, "style_layers": ["conv1_1", "conv2_1"], "weights": "random", **bad})
    with pytest.raises(LayerError):
        StyleTransfer(content, style, size=48, content_layers=["conv9_9"], weights="random")
