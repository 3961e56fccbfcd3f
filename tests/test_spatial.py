"""Several styles, blend weights and masks: what reaches the loss and the gradient."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer.errors import ParameterError
from styletransfer.extensions.spatial import MultiStyleTransfer, ellipse_mask, layer_masks, split_masks
from styletransfer.samples import load_sample
from styletransfer.transfer import StyleTransfer

LAYERS = ("conv1_1", "conv2_1", "conv3_1")
OPTIONS = {"size": 64, "weights": "random", "style_layers": LAYERS}


@pytest.fixture(scope="module")
def images():
    return load_sample("chelsea", size=64), load_sample("starry_night", size=64), load_sample("the_scream", size=64)


def _grad(problem, x):
    total, terms, grad = problem.loss_and_grad(x)
    return float(total), {k: float(v) for k, v in terms.items()}, np.asarray(grad)


def test_blend_weights_one_zero_equal_the_single_style(images):
    content, style, other = images
    single = StyleTransfer(content, style, **OPTIONS)
    blended = MultiStyleTransfer(content, [style, other], blend_weights=[1, 0], **OPTIONS)
    x = single.init_image("noise")
    t1, terms1, g1 = _grad(single, x)
    t2, terms2, g2 = _grad(blended, x)
    assert t2 == pytest.approx(t1, rel=1e-5)
    assert terms2["style"] == pytest.approx(terms1["style"], rel=1e-5)
    np.testing.assert_allclose(g2, g1, rtol=1e-4, atol=1e-5 * np.abs(g1).max())
    swapped = MultiStyleTransfer(content, [style, other], blend_weights=[0, 1], **OPTIONS)
    assert abs(_grad(swapped, x)[0] - t1) > 1e-3 * t1  # the other style is really different


def test_weighted_targets_have_the_gradient_of_weighted_losses(images):
    content, style, other = images
    x = StyleTransfer(content, style, **OPTIONS).init_image("noise")
    off = {"content_weight": 0.0, "tv_weight": 0.0}
    a = StyleTransfer(content, style, style_weight=0.3, **off, **OPTIONS)
    b = StyleTransfer(content, other, style_weight=0.7, **off, **OPTIONS)
    blended = MultiStyleTransfer(content, [style, other], blend_weights=[0.3, 0.7], style_weight=1.0, **off, **OPTIONS)
    ga, gb, gm = _grad(a, x)[2], _grad(b, x)[2], _grad(blended, x)[2]
    np.testing.assert_allclose(gm, ga + gb, rtol=1e-3, atol=1e-4 * np.abs(gm).max())
    assert _grad(blended, x)[0] < _grad(a, x)[0] + _grad(b, x)[0]  # same gradient, minus a constant


def test_a_zero_mask_keeps_style_out_of_the_gradient(images):
    content, style, _ = images
    off = {"content_weight": 0.0, "tv_weight": 0.0}
    zero = MultiStyleTransfer(content, [style], masks=[np.zeros(content.shape[:2])], **off, **OPTIONS)
    x = zero.init_image("noise")
    total, terms, grad = _grad(zero, x)
    assert terms["style"] == 0.0 and np.all(grad == 0)


def test_a_half_mask_keeps_style_gradient_out_of_the_masked_half(images):
    content, style, _ = images
    height, width = content.shape[:2]
    mask = np.zeros((height, width))
    mask[:, width // 2:] = 1.0
    off = {"content_weight": 0.0, "tv_weight": 0.0}
    problem = MultiStyleTransfer(content, [style], masks=[mask], **off, **OPTIONS)
    grad = np.abs(_grad(problem, problem.init_image("noise"))[2][0]).max(axis=(0, 2))
    margin = 16  # receptive-field radius of conv3_1 (13 px), rounded up to the pooling grid
    assert np.all(grad[: width // 2 - margin] == 0)
    assert np.all(grad[width // 2:] > 0)


def test_regions_share_the_image_and_layer_masks_follow_the_pooling(images):
    content, style, other = images
    left, right = split_masks(content.shape[:2], parts=2, axis=1)
    np.testing.assert_allclose(left + right, 1.0)
    problem = MultiStyleTransfer(content, [style, other], masks=[left, right], **OPTIONS)
    assert len(problem.regions) == 2
    assert sum(r["share"] for r in problem.regions) == pytest.approx(1.0)
    feats = problem.extractor.numpy(problem.init_image("content"))
    for layer, tensor in layer_masks(left, problem.style_layers).items():
        assert tensor.shape[1:3] == feats[layer].shape[1:3]
    same = MultiStyleTransfer(content, [style, other], masks=[left, left], **OPTIONS)
    assert len(same.regions) == 1  # equal masks blend into one region


def test_mask_helpers_and_errors(images):
    content, style, _ = images
    soft = split_masks((10, 40), parts=3, feather=0.1)
    np.testing.assert_allclose(np.sum(soft, axis=0), 1.0, atol=1e-6)
    assert 0 < soft[0][0, 13] < 1  # feathered border
    ellipse = ellipse_mask((32, 32), radii=(0.25, 0.25))
    assert ellipse[16, 16] == 1.0 and ellipse[0, 0] == 0.0
    with pytest.raises(ParameterError, match="one blend weight and one mask"):
        MultiStyleTransfer(content, [style], blend_weights=[1, 2], **OPTIONS)
    with pytest.raises(ParameterError, match="blend weights"):
        MultiStyleTransfer(content, [style], blend_weights=[-1], **OPTIONS)
    with pytest.raises(ParameterError, match="mask"):
        MultiStyleTransfer(content, [style], masks=[np.full(content.shape[:2], 2.0)], **OPTIONS)
