"""Reconstructions from one layer's content or a set of layers' style (the paper's Figure 1)."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer import load_sample
from styletransfer.notebook.reconstruct import (
    content_problem,
    growing_layer_sets,
    reconstruct_content,
    reconstruct_style,
    style_problem,
    style_reconstructions,
)

SIZE = 48


@pytest.fixture(scope="module")
def cat():
    return load_sample("chelsea", size=SIZE)


@pytest.fixture(scope="module")
def starry():
    return load_sample("starry_night", size=SIZE)


def _pixel_error(image, reference):
    return float(np.mean(np.abs(image.astype(np.float64) - reference.astype(np.float64))))


def test_low_layer_reconstructs_pixels_better_than_high_layer(cat):
    options = {"size": SIZE, "max_evals": 15, "weights": "random", "progress": False}
    low = reconstruct_content(cat, "conv1_2", **options)
    high = reconstruct_content(cat, "conv5_2", **options)
    noise = content_problem(cat, "conv1_2", size=SIZE, weights="random").init_image("noise")
    from styletransfer import deprocess

    start = _pixel_error(deprocess(noise), cat)
    assert low.evaluations == high.evaluations == 15
    assert _pixel_error(low.image, cat) < _pixel_error(high.image, cat)
    assert _pixel_error(low.image, cat) < 0.5 * start
    assert low.history[-1]["content"] < low.history[0]["content"]
    assert "RANDOM" in low.weights_label


def test_content_problem_has_only_the_content_term(cat):
    problem = content_problem(cat, "conv3_2", size=SIZE, weights="random")
    assert problem.content_layers == ("block3_conv2",)
    assert (problem.content_weight, problem.style_weight, problem.tv_weight) == (1.0, 0.0, 0.0)
    # The network stops at the reconstructed layer: nothing deeper is computed.
    assert max(problem.extractor.layers) == "block3_conv2"
    total, terms, _ = problem.loss_and_grad(problem.init_image("content"))
    assert float(total) == pytest.approx(0.0, abs=1e-6)
    assert float(terms["content"]) == pytest.approx(0.0, abs=1e-6)


def test_style_reconstruction_lowers_the_gram_loss_and_keeps_the_style_shape(starry):
    result = reconstruct_style(
        starry, ["conv1_1", "conv2_1"], size=SIZE, max_evals=12, weights="random", progress=False
    )
    styles = [h["style"] for h in result.history]
    assert min(styles[1:]) < 0.5 * styles[0]
    assert result.image.shape == starry.shape


def test_style_problem_weights_and_shape(starry):
    problem = style_problem(starry, ["conv1_1", "conv3_1"], size=SIZE, weights="random")
    assert problem.style_layers == ("block1_conv1", "block3_conv1")
    assert (problem.content_weight, problem.style_weight) == (0.0, 1.0)
    assert problem.shape == (1, *starry.shape)


def test_growing_layer_sets_add_one_layer_each():
    sets = growing_layer_sets()
    assert list(sets) == ["conv1_1", "+ conv2_1", "+ conv3_1", "+ conv4_1", "+ conv5_1"]
    sizes = [len(v) for v in sets.values()]
    assert sizes == [1, 2, 3, 4, 5]
    values = list(sets.values())
    assert all(values[i] == values[i + 1][:-1] for i in range(len(values) - 1))


def test_style_reconstructions_one_result_per_set(starry):
    results = style_reconstructions(
        starry, ["conv1_1", "conv2_1"], size=32, max_evals=3, weights="random", progress=False
    )
    assert list(results) == ["conv1_1", "+ conv2_1"]
    assert all(r.evaluations == 3 for r in results.values())


def test_unknown_layer_is_a_one_line_error(cat):
    from styletransfer.errors import LayerError

    with pytest.raises(LayerError, match="unknown VGG19 layer"):
        reconstruct_content(cat, "conv9_9", size=SIZE, max_evals=2, weights="random", progress=False)


def test_run_options_reach_the_optimiser(cat):
    # Starting from the photo itself, the content loss is zero from the first evaluation.
    result = reconstruct_content(cat, "conv2_2", size=SIZE, max_evals=3, init="content", weights="random",
                                 progress=False, optimizer="adam")
    assert result.optimizer == "adam" and result.evaluations == 3
    assert result.history[0]["content"] == pytest.approx(0.0, abs=1e-9)
