"""VGG19 feature extraction: layer names, truncation, pooling, seeded random weights."""

from __future__ import annotations

import numpy as np
import pytest

from styletransfer.constants import VGG19_CONV_LAYERS, VGG19_LAYERS
from styletransfer.errors import LayerError, StyleTransferError
from styletransfer.features import FeatureExtractor, build_vgg19, layer_name, layer_names, paper_name
from styletransfer.images import preprocess
from styletransfer.samples import load_sample
from styletransfer.weights import WeightsSpec


@pytest.fixture(scope="module")
def cat() -> np.ndarray:
    return preprocess(load_sample("chelsea", size=64))


@pytest.mark.parametrize(
    "given, keras_name",
    [
        ("conv1_1", "block1_conv1"),
        ("relu4_2", "block4_conv2"),
        ("conv5_4", "block5_conv4"),
        ("pool3", "block3_pool"),
        ("block2_conv2", "block2_conv2"),
        (" Conv4_2 ", "block4_conv2"),
        ("BLOCK5_POOL", "block5_pool"),
    ],
)
def test_layer_name(given, keras_name):
    assert layer_name(given) == keras_name


@pytest.mark.parametrize("bad", ["conv6_1", "conv1_3", "relu5_5", "block1_conv3", "fc7", "pool6", "", "conv11"])
def test_unknown_layer(bad):
    with pytest.raises(LayerError) as exc:
        layer_name(bad)
    assert "\n" not in str(exc.value) and "conv4_2" in str(exc.value)
    with pytest.raises(LayerError):
        FeatureExtractor(["conv1_1", bad], weights="random")


def test_paper_names_round_trip():
    assert len(VGG19_CONV_LAYERS) == 16 and len(VGG19_LAYERS) == 21
    for name in VGG19_LAYERS:
        paper = paper_name(name)
        assert paper.startswith(("conv", "pool")) and layer_name(paper) == name
    assert paper_name("block4_conv2") == "conv4_2" and paper_name("relu3_1") == "conv3_1"
    with pytest.raises(LayerError):
        layer_names([])


def test_outputs_and_shapes(cat):
    fx = FeatureExtractor(["conv4_2", "relu1_1", "block4_conv2", "pool2"], weights="random")
    assert fx.layers == ("block4_conv2", "block1_conv1", "block2_pool")  # deduplicated, Keras names
    out = fx.numpy(cat)
    _, h, w, _ = cat.shape
    assert set(out) == {"block1_conv1", "block2_pool", "block4_conv2"}
    assert out["block1_conv1"].shape == (1, h, w, 64)
    assert out["block2_pool"].shape == (1, h // 4, w // 4, 128)
    assert out["block4_conv2"].shape == (1, h // 8, w // 8, 512)
    assert all(isinstance(v, np.ndarray) and v.dtype == np.float32 for v in out.values())
    assert (out["block1_conv1"] >= 0).all()  # conv layers include the ReLU (relu1_1 == conv1_1)
    odd = fx.numpy(np.zeros((1, 37, 50, 3), np.float32))  # odd sizes: pooling floors
    assert odd["block4_conv2"].shape == (1, 37 // 8, 50 // 8, 512)


def _kinds(model) -> list[str]:
    return [type(layer).__name__ for layer in model.layers if type(layer).__name__ != "InputLayer"]


@pytest.mark.parametrize(
    "layers, n_conv, n_pool",
    [(["conv1_1"], 1, 0), (["conv3_1", "conv1_2"], 5, 2), (["pool4"], 12, 4), (["conv4_2"], 10, 3), (["conv5_4"], 16, 4)],
)
def test_truncated_at_deepest_layer(layers, n_conv, n_pool):
    fx = FeatureExtractor(layers, weights="random")
    kinds = _kinds(fx.model)
    assert kinds.count("Conv2D") == n_conv
    assert sum(k.endswith("Pooling2D") for k in kinds) == n_pool
    assert len(kinds) == n_conv + n_pool


def test_avg_and_max_pooling(cat):
    layers = ["conv1_2", "conv2_1", "conv4_1"]
    avg = FeatureExtractor(layers, weights="random", pooling="avg")
    mx = FeatureExtractor(layers, weights="random", pooling="max")
    assert "AveragePooling2D" in _kinds(avg.model) and "MaxPooling2D" not in _kinds(avg.model)
    assert "MaxPooling2D" in _kinds(mx.model)
    a, m = avg.numpy(cat), mx.numpy(cat)
    np.testing.assert_array_equal(a["block1_conv2"], m["block1_conv2"])  # same weights before pooling
    assert not np.allclose(a["block2_conv1"], m["block2_conv1"])
    # Independent check of the first pooling: conv2_1 of a 2x2 average pooled conv1_2.
    f = a["block1_conv2"][0]
    f = f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2]  # pooling drops an odd last row/column
    pooled = f.reshape(f.shape[0] // 2, 2, f.shape[1] // 2, 2, -1).mean(axis=(1, 3))
    maxed = f.reshape(f.shape[0] // 2, 2, f.shape[1] // 2, 2, -1).max(axis=(1, 3))
    pool_avg = FeatureExtractor(["pool1"], weights="random", pooling="avg").numpy(cat)["block1_pool"][0]
    pool_max = FeatureExtractor(["pool1"], weights="random", pooling="max").numpy(cat)["block1_pool"][0]
    np.testing.assert_allclose(pool_avg, pooled, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(pool_max, maxed, rtol=1e-6)
    with pytest.raises(StyleTransferError):
        FeatureExtractor(layers, weights="random", pooling="median")


def test_random_weights_are_seeded(cat):
    kernels = {}
    for run, seed in enumerate((0, 0, 1)):
        model = build_vgg19(last_layer="conv3_2", spec=WeightsSpec("random", seed=seed))  # fresh build
        kernels[run] = [layer.get_weights()[0] for layer in model.layers if layer.weights]
    for same, other in zip(kernels[0], kernels[1]):
        np.testing.assert_array_equal(same, other)
    for same, other in zip(kernels[0], kernels[2]):
        assert not np.allclose(same, other)
    # Layers within one network differ too (each has its own seed).
    assert not np.allclose(kernels[0][2][:, :, :64, :64], kernels[0][3][:, :, :64, :64])
    out = {s: FeatureExtractor(["conv3_1"], weights="random", seed=s).numpy(cat)["block3_conv1"] for s in (0, 1)}
    np.testing.assert_array_equal(out[0], FeatureExtractor(["conv3_1"], weights="random", seed=0).numpy(cat)["block3_conv1"])
    assert not np.allclose(out[0], out[1])


@pytest.mark.parametrize("pooling", ["avg", "max"])
@pytest.mark.parametrize("seed", [0, 7])
def test_random_activations_keep_a_sane_scale(cat, pooling, seed):
    out = FeatureExtractor(VGG19_CONV_LAYERS, weights="random", pooling=pooling, seed=seed).numpy(cat)
    means = np.array([out[name].mean() for name in VGG19_CONV_LAYERS])
    alive = np.array([(out[name] > 0).mean() for name in VGG19_CONV_LAYERS])
    channels_alive = np.array([(out[name].max(axis=(0, 1, 2)) > 0).mean() for name in VGG19_CONV_LAYERS])
    assert np.all(np.isfinite(means))
    assert np.all(means > means[0] / 100) and np.all(means < means[0] * 100), means
    assert np.all(alive > 0.2), alive  # ReLU units are active about half the time
    assert np.all(channels_alive > 0.5), channels_alive


def test_shallow_and_deep_builds_share_weights(cat):
    shallow = FeatureExtractor(["conv2_1"], weights="random", seed=11).numpy(cat)["block2_conv1"]
    deep = FeatureExtractor(["conv2_1", "conv5_1"], weights="random", seed=11).numpy(cat)["block2_conv1"]
    np.testing.assert_array_equal(shallow, deep)
    fresh = build_vgg19(last_layer="conv5_4", spec=WeightsSpec("random", seed=11))
    np.testing.assert_array_equal(
        fresh.get_layer("block1_conv1").get_weights()[0],
        build_vgg19(last_layer="conv1_1", spec=WeightsSpec("random", seed=11)).get_layer("block1_conv1").get_weights()[0],
    )


def test_labels_follow_the_spec():
    fx = FeatureExtractor(["conv1_1"], weights=WeightsSpec("random", seed=4))
    assert fx.spec.seed == 4 and "seed 4" in fx.label and fx.is_random
