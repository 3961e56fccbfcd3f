"""The small helpers of the first notebooks: styletransfer.notebook.teaching, the first figures of .plotting and .envcheck."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from styletransfer.errors import ParameterError
from styletransfer.notebook.teaching import (
    EDGE_KERNELS,
    conv_parameter_count,
    convolve2d,
    crop_and_resize,
    dense_parameter_count,
    euclidean_distance,
    markdown_table,
    pool2d,
    vgg19_layer_table,
)


def test_parameter_counts_match_keras():
    import keras

    dense = keras.Sequential([keras.Input(shape=(37,)), keras.layers.Dense(11), keras.layers.Dense(5)])
    assert dense_parameter_count([37, 11, 5]) == dense.count_params()
    conv = keras.Sequential([keras.Input(shape=(None, None, 7)), keras.layers.Conv2D(13, 5)])
    assert conv_parameter_count(5, 7, 13) == conv.count_params()
    with pytest.raises(ParameterError):
        dense_parameter_count([10])


def test_vgg19_table_matches_the_built_network():
    from styletransfer.features import build_vgg19

    model = build_vgg19()
    table = vgg19_layer_table(height=64, width=48)
    assert [row["keras"] for row in table] == [layer.name for layer in model.layers]
    out = np.zeros((1, 64, 48, 3), np.float32)
    for row, layer in zip(table, model.layers):
        out = layer(out)
        assert tuple(out.shape[1:]) == row["shape"]
        assert layer.count_params() == row["parameters"]
    fields = [row["receptive_field"] for row in table]
    assert fields[0] == 3 and fields == sorted(fields)


def test_convolve2d_and_pool2d_match_tensorflow(rng):
    image = rng.uniform(size=(13, 17))
    for kernel in (*EDGE_KERNELS.values(), rng.normal(size=(2, 4))):
        ours = convolve2d(image, kernel)
        theirs = tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None].astype(np.float64), 1, "VALID")
        np.testing.assert_allclose(ours, theirs[0, :, :, 0], atol=1e-10)
    batch = image[None, :, :, None]
    np.testing.assert_allclose(pool2d(image), tf.nn.max_pool2d(batch, 2, 2, "VALID")[0, :, :, 0])
    np.testing.assert_allclose(pool2d(image, size=3, mode="avg"), tf.nn.avg_pool2d(batch, 3, 3, "VALID")[0, :, :, 0])
    with pytest.raises(ParameterError):
        pool2d(image, mode="median")
    with pytest.raises(ParameterError):
        convolve2d(image, np.ones((20, 2)))


def test_euclidean_distance_and_resize(rng):
    a, b = rng.uniform(size=(4, 5, 3)), rng.uniform(size=(4, 5, 3))
    assert euclidean_distance(a, b) == pytest.approx(np.linalg.norm((a - b).ravel()))
    assert euclidean_distance(a, a) == 0.0
    with pytest.raises(ParameterError, match="resize"):
        euclidean_distance(a, b[:3])
    tall = np.zeros((90, 30, 3), np.uint8)
    tall[:, 10:20] = 255  # a white stripe in the middle third
    fitted = crop_and_resize(tall, 20, 40)
    assert fitted.shape == (20, 40, 3) and fitted.dtype == np.uint8
    assert fitted[:, 20].min() > 200 and fitted[:, 2].max() < 50  # cropped, not stretched sideways


def test_markdown_table_formats_numbers_and_shapes():
    text = markdown_table([{"name": "conv1_1", "shape": (224, 224, 64), "parameters": 1792}])
    assert text.splitlines() == ["| name | shape | parameters |", "|---|---|---|", "| conv1_1 | 224 × 224 × 64 | 1,792 |"]


def test_viz_figures_say_random_weights():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from styletransfer.notebook.plotting import plot_bars, show_feature_maps, strongest_channels

    act = np.zeros((1, 6, 8, 5), np.float32)
    act[..., 3] = 2.0
    act[..., 1] = 1.0
    assert list(strongest_channels(act[0], 2)) == [3, 1]
    label = "RANDOM-WEIGHT VGG19 (seed 0), not the real result"
    fig = show_feature_maps({"block1_conv1": act, "block2_conv1": act[:, ::2, ::2]}, channels=2,
                            image=np.zeros((6, 8, 3), np.uint8), weights_label=label)
    assert label in fig._suptitle.get_text() and len(fig.axes) == 6
    bars = plot_bars({"a": 1.0, "b": 3000.0}, log=True, title="t", weights_label="ImageNet VGG19")
    assert bars.axes[0].get_title() == "t" and len(bars.axes[0].patches) == 2
    plt.close("all")


def test_environment_check_reports_missing_weights_and_the_fix():
    from styletransfer.notebook.envcheck import environment_markdown, environment_report

    rows = {row["item"]: row["value"] for row in environment_report()}
    assert rows["ImageNet VGG19 weights"] == "missing"  # tests run with an empty Keras cache
    assert rows["TensorFlow / Keras / NumPy"].startswith(tf.__version__)
    assert "styletransfer fetch" in environment_markdown()
