"""VGG19 feature extraction: the activations of named layers, truncated at the deepest one.

Layer names may be given in Keras form (``block4_conv2``) or the paper's (``conv4_2``,
``relu4_2``; Keras convolutions include the ReLU, so both name the rectified output;
``pool3`` is ``block3_pool``). The paper replaces max pooling by average pooling, which it
found gives "slightly more appealing results"; that is the default here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from .checks import did_you_mean
from .constants import (
    DEFAULT_POOLING,
    FETCH_COMMAND,
    POOLING_MODES,
    SEED_MAX,
    VGG19_BLOCKS,
    VGG19_LAYERS,
    VGG19_WIDTHS,
    WEIGHTS_FILENAME,
)
from .errors import LayerError, WeightsError, first_line
from .weights import WeightsSpec, resolve_weights

__all__ = ["layer_name", "layer_names", "paper_name", "build_vgg19", "FeatureExtractor"]

_PAPER = re.compile(r"^(?:conv|relu)(\d)_(\d)$")
_POOL = re.compile(r"^pool(\d)$")
_KNOWN_NAMES = VGG19_LAYERS + tuple(
    f"conv{b}_{i}" for b, n in enumerate(VGG19_BLOCKS, start=1) for i in range(1, n + 1)
) + tuple(f"pool{b}" for b in range(1, len(VGG19_BLOCKS) + 1))


def layer_name(name: str) -> str:
    """Keras name of a VGG19 layer given in Keras or paper form.

    Examples
    --------
    >>> layer_name("conv4_2"), layer_name("relu1_1"), layer_name("pool3")
    ('block4_conv2', 'block1_conv1', 'block3_pool')
    """
    text = str(name).strip().lower()
    if text in VGG19_LAYERS:
        return text
    match = _PAPER.match(text)
    if match:
        text = f"block{match.group(1)}_conv{match.group(2)}"
    match = _POOL.match(text)
    if match:
        text = f"block{match.group(1)}_pool"
    if text not in VGG19_LAYERS:
        raise LayerError(
            f"unknown VGG19 layer {name!r}{did_you_mean(text, _KNOWN_NAMES)}; "
            "use names like conv4_2, relu1_1, pool3 or block4_conv2"
        )
    return text


def layer_names(names: Iterable[str]) -> tuple[str, ...]:
    """:func:`layer_name` applied to each name; an empty list or a layer named twice is an error.

    Two spellings of one layer (``conv1_1`` and ``block1_conv1``) count as the same layer.
    """
    if isinstance(names, str):
        names = [names]
    result = tuple(layer_name(n) for n in names)
    if not result:
        raise LayerError("no layers given; name at least one VGG19 layer such as conv4_2")
    for keras_name in result:
        if result.count(keras_name) > 1:
            spelled = sorted({str(n) for n in names if layer_name(n) == keras_name})
            how = f" ({' and '.join(spelled)})" if len(spelled) > 1 else ""
            raise LayerError(f"layer {paper_name(keras_name)} is named twice{how}; name each layer once "
                             "(to weight a style layer more, use style_layer_weights / --style-layer-weights)")
    return result


def paper_name(name: str) -> str:
    """The paper's name (``conv4_2``, ``pool3``) of a layer."""
    keras_name = layer_name(name)
    match = re.match(r"block(\d)_(?:conv(\d)|pool)", keras_name)
    assert match is not None
    block, conv = match.groups()
    return f"conv{block}_{conv}" if conv else f"pool{block}"


def build_vgg19(
    *, last_layer: str = "block5_pool", pooling: str = DEFAULT_POOLING, spec: WeightsSpec | None = None,
    dtype: str = "float32",
):
    """Build VGG19's convolutional part up to ``last_layer`` as a Keras ``Sequential`` model.

    Parameters
    ----------
    last_layer : str
        Deepest layer kept (Keras or paper name).
    pooling : {"avg", "max"}
        Pooling between blocks. The paper uses average pooling.
    spec : WeightsSpec, optional
        ImageNet weights (copied from ``keras.applications.VGG19``) or seeded random weights
        (He-normal kernels, zero biases). Default: seeded random.
    dtype : {"float32", "bfloat16", "float16"}
        Type the layers compute in (:mod:`styletransfer.precision`): a reduced type uses Keras's
        mixed policy for these layers only (kernels stored in float32, cast per call; the same
        seeded values as the float32 network). The global Keras policy is not touched.

    Returns
    -------
    keras.Sequential
        Input ``(None, None, None, 3)`` preprocessed images (BGR, mean subtracted).
    """
    import keras

    from .precision import dtype_policy

    if pooling not in POOLING_MODES:
        raise LayerError(f"unknown pooling {pooling!r}; use 'avg' (the paper) or 'max'")
    spec = spec or WeightsSpec("random")
    policy = dtype_policy(dtype)
    last = layer_name(last_layer)
    pool_cls = keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
    model = keras.Sequential(name=f"vgg19_{pooling}_{spec.kind}_{dtype}")
    model.add(keras.Input(shape=(None, None, 3)))
    index = 0
    for block, (n_conv, filters) in enumerate(zip(VGG19_BLOCKS, VGG19_WIDTHS), start=1):
        for conv in range(1, n_conv + 1):
            index += 1
            name = f"block{block}_conv{conv}"
            model.add(
                keras.layers.Conv2D(
                    filters, 3, padding="same", activation="relu", name=name,
                    kernel_initializer=keras.initializers.HeNormal(seed=_layer_seed(spec.seed, index)),
                    bias_initializer="zeros", dtype=policy,
                )
            )
            if name == last:
                return _load(model, spec)
        model.add(pool_cls(2, strides=2, name=f"block{block}_pool", dtype=policy))
        if f"block{block}_pool" == last:
            return _load(model, spec)
    return _load(model, spec)


def _layer_seed(seed: int, index: int) -> int:
    """Seed of the ``index``-th convolution: ``seed * 1000 + index``, folded into TensorFlow's int64 range.

    Folding changes nothing below seed 9.2e15 and keeps every seed up to ``2**63 - 1`` usable.
    """
    return (seed * 1000 + index) % SEED_MAX


def _load(model, spec: WeightsSpec):
    """Copy the weights of ``spec.path`` into ``model``'s convolutions, matched by layer name."""
    if spec.is_random:
        return model
    names = [layer.name for layer in model.layers if layer.weights]
    try:
        values = _read_legacy_h5(spec.path, names)
        for layer in model.layers:
            if layer.weights:
                layer.set_weights(values[layer.name])
    except Exception as exc:  # noqa: BLE001 - any unreadable file becomes one clear line
        reason = first_line(exc)
        raise WeightsError(
            f"cannot load VGG19 weights from {spec.path} ({reason}); it must be Keras's "
            f"{WEIGHTS_FILENAME}: delete it and run `{FETCH_COMMAND}`"
        ) from None
    return model


def _read_legacy_h5(path, names: Sequence[str]) -> dict[str, list[np.ndarray]]:
    """Kernels and biases of the named layers from a Keras (legacy HDF5) weights file.

    This is the format of Keras's ``vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5``: one
    group per layer (``block1_conv1``...), whose ``weight_names`` attribute lists its arrays.
    Files in the Keras 3 ``.weights.h5`` format are read through ``keras.applications.VGG19``.
    """
    import h5py

    with h5py.File(path, "r") as handle:
        root = handle["model_weights"] if "model_weights" in handle else handle
        if "layer_names" in root.attrs:
            values = {}
            for name in names:
                group = root[name]
                weight_names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
                values[name] = [np.asarray(group[n]) for n in weight_names]
            return values
    import keras

    reference = keras.applications.VGG19(include_top=False, weights=str(path), input_shape=(None, None, 3))
    return {name: reference.get_layer(name).get_weights() for name in names}


_CACHE: dict[tuple, object] = {}


class FeatureExtractor:
    """Activations of chosen VGG19 layers for a preprocessed image batch.

    Parameters
    ----------
    layers : sequence of str
        Layers to return (Keras or paper names). The network is truncated after the deepest.
    weights : str or os.PathLike or WeightsSpec
        See :func:`styletransfer.weights.resolve_weights`. Default ``"auto"``.
    pooling : {"avg", "max"}
        Pooling between blocks (the paper: average).
    seed : int
        Seed for random weights.
    trust_weights : bool
        Use a weights file whose MD5 is not Keras's (see :func:`~styletransfer.weights.resolve_weights`);
        results are then labelled "user-supplied VGG19 weights (checksum unknown)".
    dtype : {"float32", "bfloat16", "float16"}
        Type the network computes in (:mod:`styletransfer.precision`); the features it returns
        are float32 whatever it is.

    Examples
    --------
    >>> fx = FeatureExtractor(["conv1_1", "conv4_2"], weights="random")
    >>> feats = fx(preprocess(image))          # doctest: +SKIP
    >>> feats["block4_conv2"].shape            # doctest: +SKIP
    TensorShape([1, 48, 64, 512])
    """

    def __init__(
        self,
        layers: Sequence[str],
        *,
        weights="auto",
        pooling: str = DEFAULT_POOLING,
        seed: int = 0,
        trust_weights: bool = False,
        dtype: str = "float32",
    ) -> None:
        import keras

        # Content and style may share a layer: compute it once.
        self.layers = layer_names(dict.fromkeys(layer_name(n) for n in layers))
        self.spec = (weights if isinstance(weights, WeightsSpec)
                     else resolve_weights(weights, seed=seed, trust=trust_weights))
        self.pooling, self.dtype = pooling, dtype
        deepest = max(self.layers, key=VGG19_LAYERS.index)
        key = (self.spec.kind, str(self.spec.path), self.spec.seed, pooling, dtype)
        base = _CACHE.get(key)
        if base is None or VGG19_LAYERS.index(base.layers[-1].name) < VGG19_LAYERS.index(deepest):
            # Build only as deep as needed (random init of all of VGG19 takes a second); each
            # layer has its own seed, so a deeper rebuild has the same weights in common layers.
            base = build_vgg19(last_layer=deepest, spec=self.spec, pooling=pooling, dtype=dtype)
            _CACHE[key] = base
        upto = [layer for layer in base.layers if VGG19_LAYERS.index(layer.name) <= VGG19_LAYERS.index(deepest)]
        inputs = keras.Input(shape=(None, None, 3))
        outputs, x = {}, inputs
        for layer in upto:
            x = layer(x)
            if layer.name in self.layers:
                outputs[layer.name] = x
        self.model = keras.Model(inputs, outputs, name="vgg19_features")
        self.model.trainable = False

    @property
    def weights_kind(self) -> str:
        """``"imagenet"`` or ``"random"``."""
        return self.spec.kind

    @property
    def is_random(self) -> bool:
        return self.spec.is_random

    @property
    def label(self) -> str:
        """Text for titles and records, e.g. ``"RANDOM-WEIGHT VGG19 (seed 0), not the real result"``."""
        return self.spec.label

    def __call__(self, batch) -> dict:
        """Activations ``{keras_layer_name: float32 tensor (B, H, W, C)}`` for a preprocessed batch.

        A network in a reduced type casts each returned map to float32 here, once, so that every
        loss (Gram matrices, differences, sums) runs in float32 (:mod:`styletransfer.precision`).
        """
        import tensorflow as tf

        feats = self.model(batch, training=False)
        if self.dtype == "float32":
            return feats
        return {k: tf.cast(v, tf.float32) for k, v in feats.items()}

    def numpy(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        """Like calling the extractor, but returns NumPy arrays."""
        return {k: np.asarray(v) for k, v in self(batch).items()}
