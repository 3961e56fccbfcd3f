"""Exercises 1-3: parameters of dense and convolutional layers, a convolution by hand, VGG preprocessing."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from styletransfer import images
from styletransfer.constants import IMAGENET_MEAN_BGR

from ._checking import Case, Mistake
from ._exercise import Exercise

__all__ = ["COUNT_PARAMETERS", "CONVOLVE", "PREPROCESSING", "SOBEL_X"]

#: The classic vertical-edge detector (responds to left-right changes of brightness).
SOBEL_X = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


# -- solutions ---------------------------------------------------------------------------------
def count_parameters(height, width, channels, units, kernel_size, filters):
    """Trainable parameters of Dense(units) on the flattened image, and of Conv2D(filters, kernel_size)."""
    inputs = height * width * channels
    dense = inputs * units + units  # one weight per input per unit, plus one bias per unit
    conv = kernel_size * kernel_size * channels * filters + filters  # shared over all positions
    return dense, conv


def convolve(image, kernel):
    """Slide ``kernel`` over a 2-D ``image`` without padding (what tf.nn.conv2d calls a convolution)."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for row in range(out.shape[0]):
        for col in range(out.shape[1]):
            out[row, col] = np.sum(image[row:row + kh, col:col + kw] * kernel)
    return out


def preprocess(image):
    """RGB uint8 image (H, W, 3) -> VGG input: float32 batch (1, H, W, 3), BGR, mean subtracted."""
    bgr = np.asarray(image, dtype=np.float32)[..., ::-1]  # reverse the channel axis
    return (bgr - np.float32(IMAGENET_MEAN_BGR))[None]  # the mean is in BGR order; add a batch axis


def deprocess(batch):
    """VGG input batch (1, H, W, 3) -> RGB uint8 image (H, W, 3)."""
    bgr = np.asarray(batch[0], dtype=np.float32) + np.float32(IMAGENET_MEAN_BGR)
    return np.clip(np.rint(bgr[..., ::-1]), 0, 255).astype(np.uint8)


# -- exercise 1 --------------------------------------------------------------------------------
def _keras_counts(case: Case) -> np.ndarray:
    import keras

    height, width, channels, units, kernel_size, filters = case.args
    dense = keras.layers.Dense(units)
    dense.build((None, height * width * channels))
    conv = keras.layers.Conv2D(filters, kernel_size)
    conv.build((None, height, width, channels))
    return np.array([dense.count_params(), conv.count_params()])


def _count_model(*, dense_bias=1, conv_bias=1, use_channels=True, conv_per_position=False, swap=False):
    def model(case: Case):
        h, w, c, u, k, f = case.args
        dense = h * w * (c if use_channels else 1) * u + dense_bias * u
        conv = k * k * (c if use_channels else 1) * f * (h * w if conv_per_position else 1) + conv_bias * f
        return np.array([conv, dense] if swap else [dense, conv])
    return model


COUNT_PARAMETERS = Exercise(
    number=1, name="count_parameters", title="Count parameters: dense versus convolution",
    solutions=[count_parameters],
    cases=lambda: [
        Case("the talk's 30x30 grey image: 900 units, one 3x3 filter", (30, 30, 1, 900, 3, 1)),
        Case("30x30 RGB image, 100 units, 64 filters 3x3", (30, 30, 3, 100, 3, 64)),
        Case("28x20 RGB image, 10 units, 8 filters 5x5", (28, 20, 3, 10, 5, 8)),
        Case("4x6 image with 2 channels, 3 units, 4 filters 1x1", (4, 6, 2, 3, 1, 4)),
    ],
    reference=_keras_counts, atol=0.5, rtol=0.0,
    mistakes=[
        Mistake("you forgot the biases: one per dense unit and one per filter",
                _count_model(dense_bias=0, conv_bias=0)),
        Mistake("the dense layer's count misses its biases (one per unit)", _count_model(dense_bias=0)),
        Mistake("the convolution's count misses its biases (one per filter)", _count_model(conv_bias=0)),
        Mistake("the input channels are missing: a dense unit sees H*W*channels values, and a filter spans "
                "all channels (kernel_size * kernel_size * channels weights)", _count_model(use_channels=False)),
        Mistake("a convolution shares its weights over all positions: its count does not depend on the "
                "image size", _count_model(conv_per_position=True)),
        Mistake("the right numbers in the wrong order: return (dense, conv)", _count_model(swap=True)),
    ],
    hints=[
        "A dense unit has one weight per input value (H * W * channels of them) plus one bias.",
        "A convolution filter has kernel_size * kernel_size * channels weights plus one bias, the same "
        "at every position of the image.",
        "For the talk's 30x30 grey image: 900 * 900 + 900 for the dense layer; 3 * 3 * 1 + 1 for one filter.",
    ],
)


# -- exercise 2 --------------------------------------------------------------------------------
def _conv_cases() -> list[Case]:
    rng = np.random.default_rng(2)
    laplace = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return [
        Case("8x8 image, Sobel edge detector", (rng.random((8, 8)), SOBEL_X)),
        Case("non-square 5x7 image and 2x3 kernel", (rng.random((5, 7)), rng.normal(size=(2, 3)))),
        Case("4x9 image, Laplacian", (rng.random((4, 9)), laplace + rng.normal(0, 0.1, (3, 3)))),
        Case("6x6 image, 1x1 kernel", (rng.random((6, 6)), np.array([[2.5]]))),
    ]


def _tf_conv(image: np.ndarray, kernel: np.ndarray, padding: str = "VALID") -> np.ndarray:
    x = tf.constant(image[None, :, :, None], tf.float32)
    k = tf.constant(kernel[:, :, None, None], tf.float32)
    return tf.nn.conv2d(x, k, strides=1, padding=padding).numpy()[0, :, :, 0]


def _conv_shape_problem(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    image = case.args[0]
    if got.shape == image.shape:
        return ("your output has the image's size (padding 'SAME'); tf.nn.conv2d with padding='VALID' "
                f"does not pad: the output is (H - kh + 1, W - kw + 1) = {expected.shape}")
    if got.ndim == 2 and got.shape == (expected.shape[0] - 1, expected.shape[1] - 1):
        return f"one row and column too few: loop over range(H - kh + 1) rows, output {expected.shape}"
    return None


CONVOLVE = Exercise(
    number=2, name="convolve", title="A convolution by hand", solutions=[convolve],
    cases=_conv_cases, reference=lambda case: _tf_conv(*case.args),
    mistakes=[
        Mistake("you flipped the kernel (the mathematical convolution, like scipy.signal.convolve2d); "
                "tf.nn.conv2d does not flip it: it computes a cross-correlation",
                lambda case: _tf_conv(case.args[0], case.args[1][::-1, ::-1])),
        Mistake("rows and columns swapped: kernel[i, j] multiplies image[row + i, col + j]",
                lambda case: _tf_conv(case.args[0], case.args[1].T) if case.args[1].shape[0] == case.args[1].shape[1]
                else None),
    ],
    diagnosers=[_conv_shape_problem],
    hints=[
        "The output has (H - kh + 1) x (W - kw + 1) pixels: the kernel must fit inside the image.",
        "For each output pixel (row, col): take the patch image[row:row + kh, col:col + kw], multiply it "
        "element-wise by the kernel and sum.",
        "Do not flip the kernel: deep-learning 'convolution' is a cross-correlation.",
    ],
)


# -- exercise 3 --------------------------------------------------------------------------------
_MEAN = np.asarray(IMAGENET_MEAN_BGR, dtype=np.float64)


def _pre_cases() -> list[Case]:
    rng = np.random.default_rng(3)
    cases = [Case(f"preprocess: {label}", (rng.integers(0, 256, shape, dtype=np.uint8),), data={"dtype": "float32"})
             for shape, label in (((4, 5, 3), "4x5 RGB image"), ((1, 1, 3), "a single pixel"),
                                  ((3, 2, 3), "3x2 RGB image"))]
    for shape, label in (((4, 5, 3), "4x5 batch"), ((2, 3, 3), "2x3 batch")):
        batch = images.preprocess(rng.integers(0, 256, shape)) + rng.normal(0, 40, (1, *shape)).astype(np.float32)
        cases.append(Case(f"deprocess: {label} with values outside 0-255", (batch,),
                          data={"fn": 1, "dtype": "uint8", "atol": 1.01}))
    return cases


def _reference(case: Case):
    return images.preprocess(case.args[0]) if case.data.get("fn", 0) == 0 else images.deprocess(case.args[0])


def _pre(model):
    return lambda case: None if case.data.get("fn", 0) else model(np.asarray(case.args[0], np.float64))[None]


def _de(model):
    return lambda case: model(np.asarray(case.args[0][0], np.float64)) if case.data.get("fn", 0) else None


def _pre_shape_problem(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    if got.shape == expected.shape[1:]:
        return f"add the batch dimension: VGG takes a batch, shape (1, H, W, 3) = {expected.shape} (x[None])"
    if got.shape == (1, *expected.shape):
        return f"return one image of shape (H, W, 3) = {expected.shape}: drop the batch dimension (batch[0])"
    return None


PREPROCESSING = Exercise(
    number=3, name="preprocessing", title="VGG preprocessing and back", solutions=[preprocess, deprocess],
    cases=_pre_cases, reference=_reference, atol=1e-3,
    mistakes=[
        Mistake("channel order: VGG's Caffe weights expect BGR; flip the channels (image[..., ::-1])",
                _pre(lambda x: x - _MEAN)),
        Mistake("mean not subtracted: subtract the ImageNet mean pixel (BGR order) after flipping to BGR",
                _pre(lambda x: x[..., ::-1])),
        Mistake("you subtracted the mean before flipping, so each channel got another channel's mean: flip to "
                "BGR first, then subtract (the mean is in BGR order)", _pre(lambda x: (x - _MEAN)[..., ::-1])),
        Mistake("the mean has the wrong sign: subtract it", _pre(lambda x: x[..., ::-1] + _MEAN)),
        Mistake("do not divide by 255: the Caffe VGG weights expect pixels in 0-255",
                _pre(lambda x: (x[..., ::-1] - _MEAN) / 255.0)),
        Mistake("deprocess: channel order not flipped back to RGB", _de(lambda x: np.clip(np.rint(x + _MEAN), 0, 255))),
        Mistake("deprocess: mean not added back (add the BGR mean, then flip to RGB)",
                _de(lambda x: np.clip(np.rint(x[..., ::-1]), 0, 255))),
        Mistake("deprocess: values wrapped around; clip to [0, 255] (np.clip) before converting to uint8",
                _de(lambda x: np.rint(x + _MEAN)[..., ::-1].astype(np.int64).astype(np.uint8))),
        Mistake("deprocess: flip back to RGB after adding the BGR mean, not before",
                _de(lambda x: np.clip(np.rint(x[..., ::-1] + _MEAN), 0, 255))),
    ],
    diagnosers=[_pre_shape_problem],
    hints=[
        "preprocess: float32, reverse the channel axis (RGB -> BGR), subtract the mean pixel, add a batch "
        "axis. deprocess: the same steps backwards.",
        "image[..., ::-1] reverses the last axis; IMAGENET_MEAN_BGR = (103.939, 116.779, 123.68) is in BGR "
        "order, so subtract it after the flip; x[None] adds the batch axis.",
        "deprocess: take batch[0], add the mean, flip back, then np.clip(np.rint(x), 0, 255).astype(np.uint8).",
    ],
)
