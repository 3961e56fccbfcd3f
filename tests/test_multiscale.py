"""Coarse-to-fine runs: sizes, the coarse result as the next start, history and stopping."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer.errors import ParameterError
from styletransfer.extensions.color import LuminanceTransfer
from styletransfer.extensions.multiscale import multiscale_sizes, stylize_multiscale, upsample
from styletransfer.images import load_image
from styletransfer.samples import load_sample
from styletransfer.transfer import StyleTransfer


@pytest.fixture(scope="module")
def pair():
    return load_sample("chelsea"), load_sample("starry_night")


def test_multiscale_sizes_halve_down_to_the_minimum():
    assert multiscale_sizes(1024) == (128, 256, 512, 1024)
    assert multiscale_sizes(384) == (192, 384)
    assert multiscale_sizes(200) == (200,)
    assert multiscale_sizes(64, min_size=16) == (16, 32, 64)
    with pytest.raises(ParameterError):
        multiscale_sizes(8)


def test_multiscale_reaches_the_size_and_starts_each_scale_from_the_previous(pair):
    content, style = pair
    result = stylize_multiscale(content, style, size=64, scales=(32, 64), evals_per_scale=(6, 4),
                                weights="random", progress=False)
    assert result.image.shape == load_image(content, size=64).shape
    assert result.sizes == (32, 64) and [s.image.shape[1] for s in result.stages] == [32, 64]
    assert result.evaluations == 10 and len(result.history) == 10
    assert [h["scale"] for h in result.history] == [32] * 6 + [64] * 4
    assert [h["evaluation"] for h in result.history] == list(range(1, 11))
    # the fine scale's first evaluation is the loss of the upsampled coarse result
    fine = StyleTransfer(content, style, size=64, weights="random")
    start = fine.init_image(upsample(result.stages[0].image, fine.content_image.shape[:2]))
    total, _, _ = fine.loss_and_grad(start)
    assert result.history[6]["total"] == pytest.approx(float(total), rel=1e-5)
    content_start, _, _ = fine.loss_and_grad(fine.init_image("content"))
    assert abs(float(content_start) - float(total)) > 1e-3 * abs(float(total))


def test_multiscale_callback_counts_across_scales_and_can_stop(pair):
    content, style = pair
    seen = []

    def callback(progress):
        seen.append(progress.evaluation)
        return progress.evaluation >= 6

    result = stylize_multiscale(content, style, size=64, scales=(32, 64), evals_per_scale=5, weights="random",
                                progress=False, callback=callback, callback_every=1)
    assert seen == sorted(seen) and seen[:5] == [1, 2, 3, 4, 5] and seen[-1] == 6  # counts on at scale 2
    assert result.stop_reason == "stopped" and result.evaluations == 6
    assert result.image.shape == load_image(content, size=64).shape  # upsampled to the final size


def test_multiscale_works_with_subclasses(pair):
    content, style = pair
    result = stylize_multiscale(content, style, size=48, scales=(32, 48), evals_per_scale=3, weights="random",
                                progress=False, problem_class=LuminanceTransfer)
    assert result.image.shape == load_image(content, size=48).shape
    assert not np.array_equal(result.image[..., 0], result.image[..., 1])  # colour put back


@pytest.mark.parametrize("scales", [(64, 32), (32, 48), (8, 64), ()])
def test_multiscale_rejects_bad_scales(pair, scales):
    with pytest.raises(ParameterError):
        stylize_multiscale(*pair, size=64, scales=scales, weights="random", progress=False)


def test_multiscale_rejects_bad_evals(pair):
    with pytest.raises(ParameterError, match="evals_per_scale"):
        stylize_multiscale(*pair, size=64, scales=(32, 64), evals_per_scale=(3,), weights="random")
