"""The four style losses against independent NumPy/SciPy references, in value and gradient.

References: SciPy's ``sqrtm`` for the Gaussian Wasserstein-2 distance; ``np.quantile`` of sorted
1-D projections for the sliced distance; ``np.histogram`` + rank-based histogram matching
(Risser et al.'s remapping) for the histogram loss. Gradients: ``tf.GradientTape`` against
central finite differences of the float64 reference.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf
from helpers import numeric_grad, one_line

from styletransfer import constants as C
from styletransfer.errors import ParameterError
from styletransfer.extensions.style_losses import (
    GramLoss,
    HistogramLoss,
    MeanCovLoss,
    SlicedLoss,
    check_style_loss,
    make_style_loss,
)

SHAPE, STYLE_SHAPE = (1, 4, 5, 6), (1, 5, 7, 6)  # 20 positions and 35 in the style, 6 channels


def _features(rng, shape, shift=0.0):
    return (rng.gamma(2.0, 0.5, size=shape) + shift).astype(np.float32)


def _tf_value_and_grad(loss, features, scale, target):
    x = tf.constant(features)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss.layer(x, scale, target)
    return float(value), tape.gradient(value, x).numpy()


def _check(loss, reference, rng, *, scale=1.0, rtol=1e-4, shape=SHAPE):
    features, style = _features(rng, shape), _features(rng, STYLE_SHAPE, shift=0.3)
    target = loss.target(tf.constant(style), int(np.prod(shape[1:3])))
    value, grad = _tf_value_and_grad(loss, features * scale, scale, target)
    expected = reference(features.astype(np.float64), style.astype(np.float64))
    np.testing.assert_allclose(value, expected, rtol=rtol)
    numeric = numeric_grad(lambda f: reference(f, style.astype(np.float64)), features.astype(np.float64), 1e-5) / scale
    np.testing.assert_allclose(grad, numeric, rtol=2e-2, atol=2e-3 * np.abs(numeric).max())
    return features, style, target


# -- Gaussian Wasserstein-2 ------------------------------------------------------------------------
def _w2_reference(features, style, eps=C.MEANCOV_EPS):
    f, s = features.reshape(-1, features.shape[-1]), style.reshape(-1, style.shape[-1])
    c1 = np.cov(f, rowvar=False, bias=True) + eps * np.eye(f.shape[1])
    c2 = np.cov(s, rowvar=False, bias=True) + eps * np.eye(s.shape[1])
    root = scipy.linalg.sqrtm(c2).real
    cross = scipy.linalg.sqrtm(root @ c1 @ root).real
    mean = np.sum((f.mean(0) - s.mean(0)) ** 2)
    return (mean + np.trace(c1 + c2 - 2 * cross)) / f.shape[1]


def test_meancov_matches_scipy_sqrtm_in_value_and_gradient(rng):
    _check(MeanCovLoss(), _w2_reference, rng)


def test_meancov_is_zero_for_the_same_distribution_and_scale_free(rng):
    loss = MeanCovLoss()
    style = _features(rng, STYLE_SHAPE)
    target = loss.target(tf.constant(style), 35)
    permuted = style.reshape(-1, 6)[rng.permutation(35)].reshape(STYLE_SHAPE)
    assert abs(float(loss.layer(tf.constant(permuted), 1.0, target))) < 1e-4
    features = _features(rng, SHAPE)
    once = float(loss.layer(tf.constant(features), 1.0, target))
    assert np.isclose(float(loss.layer(tf.constant(3.0 * features), 3.0, target)), once, rtol=1e-4)
    tiled = np.tile(features, (1, 2, 3, 1))  # the same distribution on six times the positions
    assert np.isclose(float(loss.layer(tf.constant(tiled), 1.0, target)), once, rtol=1e-4)


def test_meancov_gradient_is_finite_with_fewer_positions_than_channels(rng):
    loss = MeanCovLoss()
    target = loss.target(tf.constant(_features(rng, (1, 2, 2, 16))), 4)
    _, grad = _tf_value_and_grad(loss, _features(rng, (1, 1, 3, 16)), 1.0, target)
    assert np.isfinite(grad).all()


# -- sliced Wasserstein ----------------------------------------------------------------------------
def _sliced_reference(directions):
    def reference(features, style):
        f = features.reshape(-1, features.shape[-1]) @ directions
        s = style.reshape(-1, style.shape[-1]) @ directions
        levels = (np.arange(len(f)) + 0.5) / len(f)
        quantiles = np.quantile(s, levels, axis=0, method="hazen")
        return np.mean((np.sort(f, axis=0) - quantiles) ** 2)
    return reference


def test_sliced_matches_sorted_projections_in_value_and_gradient(rng):
    loss = SlicedLoss(seed=3)
    style = _features(rng, STYLE_SHAPE, shift=0.3)
    directions = loss.target(tf.constant(style), 20)["directions"].numpy().astype(np.float64)
    assert directions.shape == (6, 6) and np.allclose(np.linalg.norm(directions, axis=0), 1)
    _check(SlicedLoss(seed=3), _sliced_reference(directions), rng, scale=2.0)


def test_sliced_directions_are_seeded_fixed_until_renewed(rng):
    features, style = tf.constant(_features(rng, SHAPE)), tf.constant(_features(rng, STYLE_SHAPE))
    a, b = SlicedLoss(seed=5), SlicedLoss(seed=5)
    ta, tb = a.target(style, 20), b.target(style, 20)
    first = float(a.layer(features, 1.0, ta))
    assert first == float(b.layer(features, 1.0, tb)) == float(a.layer(features, 1.0, ta))
    assert a.renew() is True and a.draws == 1
    assert float(a.layer(features, 1.0, ta)) != first
    b.renew()
    assert float(a.layer(features, 1.0, ta)) == float(b.layer(features, 1.0, tb))
    assert SlicedLoss(seed=6).target(style, 20)["directions"].numpy().tolist() != ta["directions"].numpy().tolist()


# -- histogram (Risser et al.) ---------------------------------------------------------------------
def _matched(features, style, bins=C.HISTOGRAM_BINS):
    """Each feature value remapped to the style's histogram: rank -> CDF level -> style value."""
    f, s = features.reshape(-1, features.shape[-1]), style.reshape(-1, style.shape[-1])
    out = np.empty_like(f)
    for c in range(f.shape[1]):
        counts, edges = np.histogram(s[:, c], bins=bins)
        cdf = np.concatenate([[0], np.cumsum(counts)]) / counts.sum()
        ranks = np.argsort(np.argsort(f[:, c]))
        out[:, c] = np.interp((ranks + 0.5) / len(f), cdf, edges)
    return out


def _histogram_reference(features, style):
    f = features.reshape(-1, features.shape[-1])
    return np.mean((f - _matched(features, style)) ** 2)


def test_histogram_matches_numpy_histogram_matching_in_value_and_gradient(rng):
    features, style, target = _check(HistogramLoss(), _histogram_reference, rng)
    _, grad = _tf_value_and_grad(HistogramLoss(), features, 1.0, target)
    risser = 2 * (features.reshape(-1, 6) - _matched(features.astype(np.float64), style)) / features.size
    np.testing.assert_allclose(grad.reshape(-1, 6), risser, rtol=1e-3, atol=1e-6)  # |F - R(F)|^2, R fixed


def test_histogram_loss_vanishes_on_remapped_features(rng):
    features, style = _features(rng, SHAPE), _features(rng, STYLE_SHAPE, shift=1.0)
    loss = HistogramLoss()
    target = loss.target(tf.constant(style), 20)
    remapped = _matched(features.astype(np.float64), style.astype(np.float64)).reshape(SHAPE).astype(np.float32)
    assert float(loss.layer(tf.constant(features), 1.0, target)) > 0.5
    assert float(loss.layer(tf.constant(remapped), 1.0, target)) < 1e-8


# -- gram and the registry -------------------------------------------------------------------------
def test_gram_is_the_papers_loss(rng):
    def reference(features, style):
        f, s = features.reshape(-1, 6), style.reshape(-1, 6)
        g, a = f.T @ f / len(f), s.T @ s / len(s)
        return np.sum((g - a) ** 2) / (4 * 6**2)
    _check(GramLoss(), reference, rng, scale=0.5)


def test_registry_and_one_line_errors():
    assert [type(make_style_loss(name)).name for name in C.STYLE_LOSSES] == list(C.STYLE_LOSSES)
    assert make_style_loss().name == C.DEFAULT_STYLE_LOSS == "gram"
    with pytest.raises(ParameterError) as exc:
        check_style_loss("wasserstein")
    assert "'gram', 'meancov', 'sliced', 'histogram'" in one_line(exc)
