"""Colour control: post-hoc swap, linear colour matching, luminance-only transfer."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer.errors import ParameterError
from styletransfer.extensions.color import (
    MATCH_METHODS,
    LuminanceTransfer,
    luminance,
    match_color,
    match_luminance,
    preserve_colors,
    rgb_to_yiq,
    yiq_to_rgb,
)
from styletransfer.samples import load_sample


@pytest.fixture(scope="module")
def pair():
    return load_sample("chelsea", size=64), load_sample("starry_night", size=64)


def _unclipped(rgb_float):
    return np.all((rgb_float > 0.5) & (rgb_float < 254.5), axis=-1)


def test_yiq_round_trip(rng):
    image = rng.uniform(0, 255, size=(8, 9, 3))
    for space in ("yiq", "yuv"):
        np.testing.assert_allclose(yiq_to_rgb(rgb_to_yiq(image, space=space), space=space), image, atol=1e-9)


def test_preserve_colors_takes_luminance_from_result_and_chroma_from_content(pair):
    content, style = pair
    stylized = np.ascontiguousarray(np.roll(content[..., ::-1], 7, axis=1))  # other colours and luminance
    out = preserve_colors(stylized, content)
    mixed = rgb_to_yiq(content)
    mixed[..., 0] = luminance(stylized)
    ok = _unclipped(yiq_to_rgb(mixed))
    assert ok.mean() > 0.5
    got = rgb_to_yiq(out)
    np.testing.assert_allclose(got[..., 1:][ok], rgb_to_yiq(content)[..., 1:][ok], atol=1.0)
    np.testing.assert_allclose(got[..., 0][ok], luminance(stylized)[ok], atol=1.0)


@pytest.mark.parametrize("method", MATCH_METHODS)
def test_match_color_gives_content_mean_and_covariance(pair, method):
    content, style = pair
    out = match_color(style, content, method=method, clip=False).reshape(-1, 3)
    target = content.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(out.mean(axis=0), target.mean(axis=0), atol=1e-6)
    cov_out, cov_target = np.cov(out, rowvar=False), np.cov(target, rowvar=False)
    np.testing.assert_allclose(cov_out, cov_target, atol=1e-3 * np.abs(cov_target).max())
    before = np.cov(style.reshape(-1, 3).astype(np.float64), rowvar=False)
    assert np.abs(before - cov_target).max() > 0.1 * np.abs(cov_target).max()  # it had to change


def test_match_color_variants_differ_and_clip_to_uint8(pair):
    content, style = pair
    outs = {m: match_color(style, content, method=m, clip=False) for m in MATCH_METHODS}
    assert np.abs(outs["cholesky"] - outs["pca"]).max() > 1.0
    assert np.abs(outs["cholesky"] - outs["sym"]).max() > 1.0
    clipped = match_color(style, content)
    assert clipped.dtype == np.uint8 and clipped.shape == style.shape
    with pytest.raises(ParameterError, match="unknown colour matching method"):
        match_color(style, content, method="lab")


def test_match_luminance_statistics(pair):
    content, style = pair
    y = match_luminance(style, content)
    assert y.shape == style.shape[:2]
    assert y.mean() == pytest.approx(luminance(content).mean(), abs=1e-6)
    assert y.std() == pytest.approx(luminance(content).std(), rel=1e-6)


def test_luminance_transfer_keeps_the_content_chroma(pair):
    content, style = pair
    problem = LuminanceTransfer(content, style, size=48, weights="random", style_weight=1e3)
    gray = problem.content_image
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])
    result = problem.run(max_evals=8, progress=False)
    color = problem.color_content
    assert result.image.shape == color.shape
    assert np.abs(luminance(result.image) - luminance(color)).mean() > 1.0  # the style changed it
    mixed = rgb_to_yiq(color)
    mixed[..., 0] = luminance(result.image)
    ok = _unclipped(yiq_to_rgb(mixed))
    assert ok.mean() > 0.9
    np.testing.assert_allclose(rgb_to_yiq(result.image)[..., 1:][ok], rgb_to_yiq(color)[..., 1:][ok], atol=1e-6)


def test_luminance_gradient_keeps_the_image_grey(pair):
    content, style = pair
    problem = LuminanceTransfer(content, style, size=48, weights="random")
    x = problem.init_image("noise")
    assert np.allclose(np.diff(x + np.array([103.939, 116.779, 123.68]), axis=-1), 0, atol=1e-3)
    _, _, grad = problem.loss_and_grad(x)
    grad = np.asarray(grad)
    assert np.abs(grad).max() > 0
    np.testing.assert_allclose(grad[..., 0], grad[..., 2])
