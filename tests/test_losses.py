"""Loss values and gradients against an independent NumPy reference (float64, small tensors)."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from helpers import numeric_grad

from styletransfer.losses import (
    content_loss,
    gram_matrix,
    normalized_layer_weights,
    style_layer_loss,
    style_loss,
    total_variation_loss,
)

# (batch, height, width, channels): batch 1, non-square maps, a single channel, a batch of two.
SHAPES = [(1, 3, 5, 4), (1, 4, 2, 1), (2, 3, 3, 3), (1, 1, 6, 2)]


def _features(rng, shape) -> np.ndarray:
    return rng.normal(size=shape) * rng.uniform(0.5, 2.0, size=shape[-1])


def _value_and_grad(fn, *args):
    """Value and gradient (w.r.t. the first argument) computed by TensorFlow in float64."""
    tensors = [tf.constant(a, tf.float64) for a in args]
    with tf.GradientTape() as tape:
        tape.watch(tensors[0])
        value = fn(*tensors)
    return value.numpy(), tape.gradient(value, tensors[0]).numpy()


# -- NumPy reference -------------------------------------------------------------------------------


def np_gram(f: np.ndarray) -> np.ndarray:
    b, h, w, c = f.shape
    flat = f.reshape(b, h * w, c)
    return np.stack([flat[i].T @ flat[i] for i in range(b)]) / (h * w)


def np_style_layer(f: np.ndarray, target_gram: np.ndarray) -> float:
    n = f.shape[-1]
    return float(np.mean(((np_gram(f) - target_gram) ** 2).sum(axis=(1, 2)) / (4 * n**2)))


def np_tv(x: np.ndarray) -> float:
    s = x / 255.0
    return float(np.mean((s[:, 1:] - s[:, :-1]) ** 2) + np.mean((s[:, :, 1:] - s[:, :, :-1]) ** 2))


# -- Gram matrix -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_gram_value_symmetry_and_gradient(rng, shape):
    f = _features(rng, shape)
    b, h, w, c = shape
    upstream = rng.normal(size=(b, c, c))  # a random linear function of G, to test the whole Jacobian
    value, grad = _value_and_grad(lambda x, u: tf.reduce_sum(u * gram_matrix(x)), f, upstream)
    g = gram_matrix(tf.constant(f)).numpy()
    assert g.shape == (b, c, c)
    np.testing.assert_allclose(g, np_gram(f), rtol=1e-12)
    np.testing.assert_allclose(g, np.swapaxes(g, 1, 2), rtol=1e-12)  # symmetric
    assert np.all(np.linalg.eigvalsh(g) > -1e-10)  # positive semi-definite
    # Hand-derived: d/dF sum(U * F^T F / M) = F (U + U^T) / M, position by position.
    expected = np.einsum("bhwi,bij->bhwj", f, upstream + np.swapaxes(upstream, 1, 2)) / (h * w)
    np.testing.assert_allclose(value, np.sum(upstream * np_gram(f)), rtol=1e-10)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-12)


def test_gram_is_size_independent_and_float32(rng):
    tile = rng.normal(size=(1, 2, 3, 4)).astype(np.float32)
    tiled = np.tile(tile, (1, 3, 2, 1))  # the same statistics on a 6 x 6 map
    np.testing.assert_allclose(gram_matrix(tiled).numpy(), gram_matrix(tile).numpy(), rtol=1e-5)
    assert gram_matrix(tile).dtype == tf.float32


# -- content loss ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_content_loss(rng, shape):
    f, p = _features(rng, shape), _features(rng, shape)
    value, grad = _value_and_grad(content_loss, f, p)
    np.testing.assert_allclose(value, np.mean((f - p) ** 2), rtol=1e-12)
    np.testing.assert_allclose(grad, 2 * (f - p) / f.size, rtol=1e-10)
    # The paper's 1/2 sum (F - P)^2, divided by N M / 2 (N M = elements per image).
    paper = 0.5 * np.sum((f - p) ** 2)
    np.testing.assert_allclose(value, paper / (f.size / 2), rtol=1e-12)
    assert content_loss(tf.constant(f), tf.constant(f)).numpy() == 0


# -- style loss ------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_style_layer_loss(rng, shape):
    f = _features(rng, shape)
    target = np_gram(_features(rng, shape))
    value, grad = _value_and_grad(lambda x, a: style_layer_loss(gram_matrix(x), a), f, target)
    np.testing.assert_allclose(value, np_style_layer(f, target), rtol=1e-10)
    numeric = numeric_grad(lambda x: np_style_layer(x, target), f)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)
    # Hand-derived: dE/dF = F (G - A) / (N^2 M) per image, divided by the batch size.
    b, h, w, n = shape
    expected = np.einsum("bhwi,bij->bhwj", f, np_gram(f) - target) / (n**2 * h * w * b)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(1, 3, 5, 4), (1, 4, 2, 1), (1, 2, 7, 3)])
def test_style_layer_loss_is_the_papers_formula(rng, shape):
    f, s = _features(rng, shape), _features(rng, shape)
    _, h, w, n = shape
    m = h * w
    g_paper = f.reshape(m, n).T @ f.reshape(m, n)  # unnormalised Gram matrices, as in the paper
    a_paper = s.reshape(m, n).T @ s.reshape(m, n)
    paper = np.sum((g_paper - a_paper) ** 2) / (4 * n**2 * m**2)
    ours = style_layer_loss(gram_matrix(tf.constant(f)), gram_matrix(tf.constant(s))).numpy()
    np.testing.assert_allclose(ours, paper, rtol=1e-10)


def test_style_loss_with_layer_weights(rng):
    shapes = {"block1_conv1": (1, 6, 4, 3), "block2_conv1": (1, 3, 2, 5), "block3_conv1": (1, 2, 1, 1)}
    feats = {k: _features(rng, s) for k, s in shapes.items()}
    targets = {k: np_gram(_features(rng, s)) for k, s in shapes.items()}
    layer_weights = {"block1_conv1": 0.5, "block2_conv1": 0.3, "block3_conv1": 0.2}
    names = list(shapes)

    def from_list(*tensors):
        grams = {k: gram_matrix(t) for k, t in zip(names, tensors[: len(names)])}
        return style_loss(grams, dict(zip(names, tensors[len(names) :])), layer_weights)

    def np_total(first):
        fs = {**feats, names[0]: first}
        return sum(layer_weights[k] * np_style_layer(fs[k], targets[k]) for k in names)

    args = [feats[k] for k in names] + [targets[k] for k in names]
    value, grad = _value_and_grad(from_list, *args)
    np.testing.assert_allclose(value, np_total(feats[names[0]]), rtol=1e-10)
    np.testing.assert_allclose(grad, numeric_grad(np_total, feats[names[0]]), rtol=1e-5, atol=1e-8)
    # Only the listed layers count: a zero weight removes a layer.
    grams = {k: gram_matrix(tf.constant(v)) for k, v in feats.items()}
    tgt = {k: tf.constant(v) for k, v in targets.items()}
    only_two = style_loss(grams, tgt, {"block2_conv1": 1.0}).numpy()
    np.testing.assert_allclose(only_two, np_style_layer(feats["block2_conv1"], targets["block2_conv1"]), rtol=1e-10)
    assert style_loss(grams, {k: gram_matrix(tf.constant(v)) for k, v in feats.items()}, layer_weights).numpy() == 0


def test_normalized_layer_weights():
    assert normalized_layer_weights(["a", "b", "c", "d"]) == {k: 0.25 for k in "abcd"}
    w = normalized_layer_weights(["a", "b"], [3.0, 1.0])
    assert w == {"a": 0.75, "b": 0.25}
    with pytest.raises(ValueError):
        normalized_layer_weights(["a", "b"], [1.0])
    with pytest.raises(ValueError):
        normalized_layer_weights(["a", "b"], [0.0, 0.0])


# -- total variation -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 4, 5, 3), (1, 2, 6, 1), (2, 3, 3, 3), (1, 5, 2, 2)])
def test_total_variation(rng, shape):
    x = rng.uniform(-120, 130, size=shape)
    value, grad = _value_and_grad(total_variation_loss, x)
    np.testing.assert_allclose(value, np_tv(x), rtol=1e-12)
    # Hand-derived: each difference d = x[i+1] - x[i] contributes 2 d / count / 255^2.
    b, h, w, c = shape
    dv = (x[:, 1:] - x[:, :-1]) * 2 / (b * (h - 1) * w * c) / 255.0**2
    dh = (x[:, :, 1:] - x[:, :, :-1]) * 2 / (b * h * (w - 1) * c) / 255.0**2
    expected = np.zeros_like(x)
    expected[:, 1:] += dv
    expected[:, :-1] -= dv
    expected[:, :, 1:] += dh
    expected[:, :, :-1] -= dh
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(grad, numeric_grad(np_tv, x, eps=1e-3), rtol=1e-5, atol=1e-12)
    # A constant shift (the mean pixel) changes nothing; a flat image has no variation.
    np.testing.assert_allclose(total_variation_loss(tf.constant(x + 100.0)).numpy(), value, rtol=1e-9)
    assert total_variation_loss(tf.zeros(shape, tf.float64)).numpy() == 0
