"""Presets and alpha/beta conventions: documented parameters, exact conversions, size invariance."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer.errors import ParameterError
from styletransfer.extensions.conventions import (
    CONVENTIONS,
    conversion_table,
    convert_weights,
    spread,
    term_ratios,
)
from styletransfer.extensions.presets import PRESETS, compare_presets, preset_options, run_preset
from styletransfer.images import preprocess
from styletransfer.samples import load_sample
from styletransfer.transfer import StyleTransfer

SHAPE = (48, 64)


@pytest.fixture(scope="module")
def images():
    return load_sample("chelsea", size=64), load_sample("starry_night", size=64)


def test_presets_set_the_documented_parameters():
    paper, paper_run = preset_options("paper", SHAPE)
    assert paper["content_layers"] == ("block4_conv2",) and paper["pooling"] == "avg"
    assert paper["style_layers"] == tuple(f"block{b}_conv1" for b in range(1, 6))
    assert paper_run["init"] == "noise" and paper_run["optimizer"] == "lbfgs" and paper["tv_weight"] == 0
    tf_, tf_run = preset_options("tf_tutorial", SHAPE)
    assert tf_["content_layers"] == ("block5_conv2",) and tf_["pooling"] == "max"
    assert tf_run["optimizer"] == "adam" and tf_run["init"] == "content" and tf_run["max_evals"] == 1000
    assert tf_run["learning_rate"] == pytest.approx(0.02 * 255)
    assert tf_run["adam_options"] == {"beta_1": 0.99, "beta_2": 0.999, "epsilon": pytest.approx(0.1 / 255)}
    assert tf_["content_weight"] == 1e4 and tf_["style_weight"] == pytest.approx(0.04)
    keras, keras_run = preset_options("keras", SHAPE)
    assert keras["content_layers"] == ("block5_conv2",) and keras["pooling"] == "max"
    assert keras_run["init"] == "content"
    jc, jc_run = preset_options("jcjohnson", SHAPE)
    assert jc["content_layers"] == ("block4_conv2",) and jc["pooling"] == "max"
    assert jc_run == {"init": "noise", "optimizer": "lbfgs", "max_evals": 1000}
    assert PRESETS["jcjohnson"].size == 512 and PRESETS["keras"].size == 400
    with pytest.raises(ParameterError, match="unknown preset"):
        preset_options("pytorch", SHAPE)


def _their_loss(name, feats, content_feats, style_feats, shape):
    """Each project's content + style loss, written from its code, on raw features."""
    conv = CONVENTIONS[name]
    c = conv.content_layers[0]
    diff = feats[c] - content_feats[c]
    content_sum = {"keras": np.sum(diff**2)}.get(name, None)
    content = conv.content_weight * (content_sum if content_sum is not None else np.mean(diff**2))
    style = 0.0
    for layer in conv.style_layers:
        f = feats[layer].reshape(-1, feats[layer].shape[-1]).astype(np.float64)
        s = style_feats[layer].reshape(-1, style_feats[layer].shape[-1]).astype(np.float64)
        n, m = f.shape[1], f.shape[0]
        if name == "tf_tutorial":
            style += conv.style_weight / 5 * np.mean((f.T @ f / m - s.T @ s / s.shape[0]) ** 2)
        elif name == "keras":
            size = shape[0] * shape[1]
            style += conv.style_weight / 5 * np.sum((f.T @ f - s.T @ s) ** 2) / (4.0 * 9 * size**2)
        elif name == "jcjohnson":
            style += conv.style_weight * np.mean((f.T @ f / (n * m) - s.T @ s / (n * s.shape[0])) ** 2)
        elif name == "anishathalye":
            style += conv.style_weight / 5 * np.mean((f.T @ f / f.size - s.T @ s / s.size) ** 2)
    return content + style


@pytest.mark.parametrize("name", ["tf_tutorial", "keras", "jcjohnson", "anishathalye"])
def test_converted_weights_reproduce_their_loss(images, name):
    from PIL import Image

    content, style = images
    # the Keras example resizes the style image to the content's size; the others do not care
    style = np.asarray(Image.fromarray(style).resize(content.shape[1::-1]))
    weights = convert_weights(name, shape=content.shape[:2])
    weights.pop("exact")
    weights["tv_weight"] = 0.0
    problem = StyleTransfer(content, style, size=None, weights="random", **weights)
    x = problem.init_image("noise")
    fx = problem.extractor
    ours = float(problem.loss_and_grad(x)[0])
    theirs = _their_loss(name, fx.numpy(x), fx.numpy(preprocess(content)), fx.numpy(preprocess(style)),
                         content.shape[:2])
    assert ours == pytest.approx(theirs, rel=1e-3)


def test_conversion_to_normalised_features_is_exact_for_the_image(images):
    content, style = images
    raw = convert_weights("jcjohnson", shape=content.shape[:2])
    raw.pop("exact")
    a = StyleTransfer(content, style, size=None, weights="random", **raw)
    layers = {k: raw[k] for k in ("content_layers", "style_layers", "pooling")}
    normalised = StyleTransfer(content, style, size=None, weights="random", **layers)
    scaled = convert_weights("jcjohnson", shape=content.shape[:2], scales=normalised.scales)
    scaled.pop("exact")
    assert scaled["normalize_features"] is True
    b = StyleTransfer(content, style, size=None, weights="random", **scaled)
    x = a.init_image("noise")
    assert float(b.loss_and_grad(x)[0]) == pytest.approx(float(a.loss_and_grad(x)[0]), rel=1e-3)


def test_conversion_table_lists_every_convention():
    table = conversion_table((384, 512))
    for conv in CONVENTIONS.values():
        assert conv.name in table
    assert table.count("approximate") == 2  # the paper and the Keras example
    with pytest.raises(ParameterError):
        convert_weights("caffe")


def test_size_invariant_weights(images):
    """One alpha/beta setting keeps the content/style balance across sizes.

    Tolerance: for a fixed 50/50 content/style mix, the ratio of the unweighted content and style
    terms stays within a factor of 1.25 from 64 to 256 px (measured ~1.1 with random weights).
    A convention whose content is a sum (the paper, the Keras example) changes it 16-fold.
    """
    content, style = load_sample("chelsea"), load_sample("starry_night")
    rows = term_ratios(content, style, sizes=(64, 128, 256), probe="mix", weights="random")
    assert [r["size"] for r in rows] == [64, 128, 256]
    assert spread(rows) <= 1.25
    alphas = [convert_weights("keras", shape=(r["size"], r["size"]))["content_weight"] for r in rows]
    sums = [dict(r, **{"content/style": r["content/style"] * a}) for r, a in zip(rows, alphas)]
    assert spread(sums) > 8


def test_run_preset_and_compare(images):
    content, style = images
    result = run_preset("tf_tutorial", content, style, size=32, max_evals=3, weights="random", progress=False)
    assert result.optimizer == "adam" and result.evaluations == 3 and result.image.shape[1] == 32
    results, figure = compare_presets(content, style, presets=("paper", "keras"), size=32, max_evals=2,
                                      weights="random", progress=False)
    assert list(results) == ["paper", "keras"]
    assert len([ax for ax in figure.axes if ax.images]) == 4
    assert "RANDOM" in figure._suptitle.get_text()
