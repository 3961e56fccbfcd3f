"""Where the VGG19 weights come from, and clear errors when they are missing or corrupt."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from helpers import one_line

from styletransfer import weights
from styletransfer.constants import FETCH_COMMAND, OFFLINE_ENV_VAR, WEIGHTS_ENV_VAR, WEIGHTS_FILENAME
from styletransfer.errors import WeightsError
from styletransfer.features import FeatureExtractor
from styletransfer.weights import (
    RandomWeightsWarning,
    WeightsSpec,
    download_weights,
    md5sum,
    resolve_weights,
    weights_cache_path,
    weights_status,
)


@pytest.fixture
def empty_keras_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv(WEIGHTS_ENV_VAR, raising=False)
    return tmp_path / "keras" / "models"


@pytest.fixture
def corrupt_file(tmp_path) -> Path:
    path = tmp_path / WEIGHTS_FILENAME
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 1000)
    return path


@pytest.fixture(scope="module")
def vgg19_file(tmp_path_factory):
    """A VGG19 "notop" file in Keras's legacy HDF5 layout (like the real one), random values."""
    import h5py
    import keras

    model = keras.applications.VGG19(weights=None, include_top=False)
    path = tmp_path_factory.mktemp("weights") / "my_vgg19_notop.h5"
    try:
        from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group
    except ImportError:  # pragma: no cover - other Keras versions: the public (deprecated) way
        model.save(path)
    else:
        with h5py.File(path, "w") as handle:
            save_weights_to_hdf5_group(handle, model)
    kernels = {layer.name: [np.array(w) for w in layer.get_weights()] for layer in model.layers if layer.weights}
    return path, kernels


def test_random_spec():
    spec = resolve_weights("random", seed=3)
    assert spec == WeightsSpec("random", seed=3) and spec.is_random and spec.path is None
    assert "RANDOM" in spec.label and "seed 3" in spec.label
    fx = FeatureExtractor(["conv1_1"], weights="random", seed=3)
    assert fx.is_random and fx.label == spec.label and fx.weights_kind == "random"


def test_imagenet_missing_offline(empty_keras_cache):
    with pytest.raises(WeightsError) as exc:
        resolve_weights("imagenet")
    text = one_line(exc)
    for needed in (WEIGHTS_FILENAME, str(empty_keras_cache), WEIGHTS_ENV_VAR, f"`{FETCH_COMMAND}`", OFFLINE_ENV_VAR):
        assert needed in text, needed
    with pytest.raises(WeightsError):
        FeatureExtractor(["conv1_1"], weights="imagenet")
    assert not empty_keras_cache.exists()  # nothing half-downloaded


def test_imagenet_missing_download_fails(empty_keras_cache, monkeypatch):
    import keras

    monkeypatch.setenv(OFFLINE_ENV_VAR, "0")

    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -3] Temporary failure in name resolution\nmore")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    monkeypatch.setattr(weights, "_probe", lambda url: None)  # reachable, then Keras's download fails
    with pytest.raises(WeightsError) as exc:
        download_weights()
    text = one_line(exc)
    assert "name resolution" in text and FETCH_COMMAND in text and WEIGHTS_ENV_VAR in text


@pytest.mark.parametrize("how", ["env", "path", "pathlike", "cache"])
def test_corrupt_file(empty_keras_cache, corrupt_file, monkeypatch, how):
    request = "imagenet"
    if how == "env":
        monkeypatch.setenv(WEIGHTS_ENV_VAR, str(corrupt_file))
    elif how == "path":
        request = str(corrupt_file)
    elif how == "pathlike":
        request = corrupt_file
    else:
        empty_keras_cache.mkdir(parents=True)
        shutil.copyfile(corrupt_file, weights_cache_path())
    with pytest.raises(WeightsError) as exc:
        resolve_weights(request)
    text = one_line(exc)
    assert "corrupt" in text and md5sum(corrupt_file) in text and "--trust-weights" in text
    # While the variable is set, `fetch` cannot help: the message says so instead of suggesting it.
    assert (FETCH_COMMAND in text) == (how != "env") and (f"${WEIGHTS_ENV_VAR}" in text) == (how == "env")


def test_explicit_path_missing_and_unknown_request(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        resolve_weights(str(tmp_path / "nothing.h5"))
    with pytest.raises(WeightsError, match="unknown weights"):
        resolve_weights("imagenett")


def test_auto_falls_back_to_random_loudly(empty_keras_cache, corrupt_file, monkeypatch):
    with pytest.warns(RandomWeightsWarning, match="RANDOM-WEIGHT"):
        spec = resolve_weights("auto", seed=5)
    assert spec.is_random and spec.seed == 5 and WEIGHTS_FILENAME in spec.fallback_reason
    monkeypatch.setenv(WEIGHTS_ENV_VAR, str(corrupt_file))
    with pytest.warns(RandomWeightsWarning):
        spec = resolve_weights("auto")
    assert spec.is_random and "corrupt" in spec.fallback_reason
    with pytest.warns(RandomWeightsWarning):
        fx = FeatureExtractor(["conv1_1"], weights="auto")
    assert fx.is_random and "RANDOM" in fx.label


def test_right_md5_loads_the_file(vgg19_file, empty_keras_cache, monkeypatch):
    import keras

    path, kernels = vgg19_file
    monkeypatch.setattr(weights, "WEIGHTS_MD5", md5sum(path))
    spec = resolve_weights(path)
    assert spec.kind == "imagenet" and spec.path == path and spec.label == "ImageNet VGG19"
    fx = FeatureExtractor(["conv1_1", "conv5_4"], weights=spec, pooling="max")
    assert not fx.is_random
    loaded = {layer.name: layer.get_weights() for layer in fx.model.layers if layer.weights}
    assert len(loaded) == 16
    for name, (kernel, bias) in kernels.items():
        np.testing.assert_array_equal(loaded[name][0], kernel)
        np.testing.assert_array_equal(loaded[name][1], bias)
    # The file really is in the format keras.applications.VGG19 reads (as the real one is).
    reference = keras.applications.VGG19(weights=str(path), include_top=False)
    np.testing.assert_array_equal(reference.get_layer("block3_conv2").get_weights()[0], kernels["block3_conv2"][0])
    # Same activations as Keras's own VGG19 (max pooling) with these weights.
    x = np.random.default_rng(0).normal(0, 50, size=(1, 32, 48, 3)).astype(np.float32)
    ours = fx.numpy(x)["block5_conv4"]
    truncated = keras.Model(reference.input, reference.get_layer("block5_conv4").output)
    np.testing.assert_allclose(ours, np.asarray(truncated(x)), rtol=1e-4, atol=1e-4 * float(np.abs(ours).max()))


@pytest.mark.parametrize("how", ["env", "cache"])
def test_right_md5_found_by_imagenet_and_auto(vgg19_file, empty_keras_cache, monkeypatch, how):
    path, _ = vgg19_file
    monkeypatch.setattr(weights, "WEIGHTS_MD5", md5sum(path))
    if how == "env":
        monkeypatch.setenv(WEIGHTS_ENV_VAR, str(path))
        expected = path
    else:
        empty_keras_cache.mkdir(parents=True)
        expected = weights_cache_path()
        expected.symlink_to(path)
    assert resolve_weights("imagenet").path == expected
    with warnings.catch_warnings():
        warnings.simplefilter("error", RandomWeightsWarning)
        spec = resolve_weights("auto")
    assert spec.kind == "imagenet" and spec.path == expected
    assert weights_status()["status"].startswith("ok")


def test_unreadable_file_with_verification_off(corrupt_file):
    spec = resolve_weights(corrupt_file, verify=False)
    with pytest.raises(WeightsError) as exc:
        FeatureExtractor(["conv1_1"], weights=spec)
    assert "cannot load" in one_line(exc) and FETCH_COMMAND in str(exc.value)


def test_weights_status(empty_keras_cache, corrupt_file, monkeypatch):
    status = weights_status()
    assert status["source"] == "Keras cache" and status["status"].startswith("missing")
    monkeypatch.setenv(WEIGHTS_ENV_VAR, str(corrupt_file))
    status = weights_status()
    assert status["source"] == WEIGHTS_ENV_VAR and status["status"].startswith("corrupt")


def test_download_into_the_keras_cache(vgg19_file, empty_keras_cache, monkeypatch):
    import keras

    path, _ = vgg19_file
    monkeypatch.setattr(weights, "WEIGHTS_MD5", md5sum(path))
    monkeypatch.delenv(OFFLINE_ENV_VAR)
    asked = []

    def fake_get_file(fname, origin, *, cache_subdir, file_hash, cache_dir):
        asked.append((fname, origin, cache_subdir, file_hash, cache_dir))
        target = Path(cache_dir) / cache_subdir / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return str(target)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    probed = []
    monkeypatch.setattr(weights, "_probe", probed.append)  # the reachability check before Keras's download
    spec = resolve_weights("imagenet")
    assert probed == [weights.WEIGHTS_URL]
    assert spec.kind == "imagenet" and spec.path == weights_cache_path() and spec.path.parent == empty_keras_cache
    assert asked == [(WEIGHTS_FILENAME, weights.WEIGHTS_URL, "models", md5sum(path), str(empty_keras_cache.parent))]
    assert download_weights() == spec.path and len(asked) == 1  # present and verified: no second download
