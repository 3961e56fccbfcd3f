"""Exercises 4-7: the Gram matrix and the three loss terms, checked against styletransfer.losses."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from styletransfer import losses as L

from ._checking import Case, Mistake
from ._exercise import Exercise

__all__ = ["GRAM_MATRIX", "CONTENT_LOSS", "STYLE_LOSS", "TOTAL_VARIATION", "feature_cases", "gram_shape_problem"]


# -- solutions (their source is what solution() prints) --------------------------------------
def gram_matrix(features):
    """Gram matrix of a batch of feature maps (batch, H, W, N) -> (batch, N, N), divided by H*W."""
    height, width = features.shape[1], features.shape[2]
    gram = tf.einsum("bhwi,bhwj->bij", features, features)  # sum over positions of F_i * F_j
    return gram / tf.cast(height * width, features.dtype)


def content_loss(features, target):
    """Mean squared difference between the image's and the content's feature maps."""
    return tf.reduce_mean(tf.square(features - target))


def style_loss(grams, target_grams, layer_weights):
    """Weighted sum over layers of sum((G - A)^2) / (4 N^2), averaged over the batch."""
    total = 0.0
    for layer, weight in layer_weights.items():
        gram, target = grams[layer], target_grams[layer]
        channels = gram.shape[-1]
        per_image = tf.reduce_sum(tf.square(gram - target), axis=[-2, -1]) / (4.0 * channels**2)
        total += weight * tf.reduce_mean(per_image)
    return total


def total_variation_loss(image):
    """Mean squared difference of vertical and of horizontal neighbours, pixels scaled to [0, 1]."""
    x = image / 255.0
    down = x[:, 1:, :, :] - x[:, :-1, :, :]
    right = x[:, :, 1:, :] - x[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))


# -- inputs ------------------------------------------------------------------------------------
FEATURE_SHAPES = (
    ((2, 4, 5, 3), "batch of 2, 4x5 map, 3 channels"),
    ((1, 3, 3, 1), "batch of 1, 3x3 map, one channel"),
    ((1, 2, 7, 4), "non-square 2x7 map, 4 channels"),
    ((3, 6, 4, 2), "batch of 3, 6x4 map, 2 channels"),
)


def feature_cases(seed: int, shapes=FEATURE_SHAPES, *, pairs: bool = False) -> list[Case]:
    """ReLU-like random feature maps (one, or a pair for the content loss) with named sizes."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape, label in shapes:
        b, h, w, c = shape
        tensors = [tf.constant(rng.gamma(1.0, 1.0, size=shape), tf.float32) for _ in range(2 if pairs else 1)]
        quantities = {"H*W": h * w, "N": c, "H*W*N": h * w * c, "batch*N": b * c, "3 (colour channels)": 3}
        if pairs:
            quantities = {"the number of elements": b * h * w * c, "half the number of elements": b * h * w * c / 2}
        cases.append(Case(label, tuple(tensors), quantities))
    return cases


def _grams(case: Case) -> np.ndarray:
    f = case.args[0].numpy().astype(np.float64)
    return np.einsum("bhwi,bhwj->bij", f, f) / (f.shape[1] * f.shape[2])


def gram_shape_problem(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    """Explain the two classic shape slips of a Gram matrix, and asymmetry."""
    b, h, w, c = case.args[0].shape
    if got.size in (b * (h * w) ** 2, (h * w) ** 2) and got.size != expected.size:
        return ("you computed F F^T (positions x positions); the Gram matrix is F^T F: "
                f"channels x channels, shape {expected.shape}")
    if got.shape == expected.shape[1:]:
        return f"batch dimension missing: return shape (batch, N, N) = {expected.shape}, one Gram per image"
    if got.shape == expected.shape and not np.allclose(got, np.swapaxes(got, -1, -2), rtol=1e-4, atol=1e-5):
        return "not symmetric: G[i, j] and G[j, i] are both the mean of F_i * F_j over positions"
    return None


GRAM_ADVICE = {
    "H*W": "Divide the sum over positions by the number of positions H*W of this feature map.",
    "1/H*W": "You divided by H*W twice: divide once.",
    "1/N": "The library divides by H*W only, not by the number of channels N.",
    "1/H*W*N": "Divide by H*W only (the number of positions), not by the number of elements.",
    "1/batch*N": "tf.size counts the batch and the channels too: divide by H*W only.",
    "~H*W": "The normalisation must follow this feature map's own size: features.shape[1] * features.shape[2].",
}

GRAM_MATRIX = Exercise(
    number=4, name="gram_matrix", title="The Gram matrix", solutions=[gram_matrix],
    cases=lambda: feature_cases(4), reference=lambda case: L.gram_matrix(case.args[0]),
    mistakes=[
        Mistake("you subtracted the mean (that is a covariance matrix); the Gram matrix uses the raw activations",
                lambda case: _covariance(case.args[0].numpy())),
    ],
    diagnosers=[gram_shape_problem], factor_advice=GRAM_ADVICE, watch=lambda case: [case.args[0]],
    hints=[
        "Flatten the positions: F has shape (batch, H*W, N); the Gram matrix is F^T F, shape (batch, N, N).",
        "tf.einsum('bhwi,bhwj->bij', features, features) sums F_i * F_j over all positions (h, w).",
        "Then divide by the number of positions, H*W = features.shape[1] * features.shape[2].",
    ],
)


def _covariance(f: np.ndarray) -> np.ndarray:
    centred = f - f.mean(axis=(1, 2), keepdims=True)
    return np.einsum("bhwi,bhwj->bij", centred, centred) / (f.shape[1] * f.shape[2])


# -- exercise 5 --------------------------------------------------------------------------------
def _content_shape_problem(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    if got.shape != () and got.size > 1:
        return f"return one number, not an array of shape {got.shape}: average the squared differences"
    return None


def _diff(case: Case) -> np.ndarray:
    return case.args[0].numpy().astype(np.float64) - case.args[1].numpy().astype(np.float64)


CONTENT_LOSS = Exercise(
    number=5, name="content_loss", title="Content loss", solutions=[content_loss],
    cases=lambda: feature_cases(5, pairs=True), reference=lambda case: L.content_loss(*case.args),
    mistakes=[
        Mistake("you took the square root (a root-mean-square error); the content loss is the mean of the squares",
                lambda case: np.sqrt(np.mean(_diff(case) ** 2))),
        Mistake("you averaged absolute differences; square them instead (tf.square)",
                lambda case: np.mean(np.abs(_diff(case)))),
        Mistake("you squared the mean difference; take the mean of the squared differences",
                lambda case: np.mean(_diff(case)) ** 2),
    ],
    diagnosers=[_content_shape_problem],
    factor_advice={
        "the number of elements": "You summed: the library averages (tf.reduce_mean), so the loss does not "
                                  "grow with the image size.",
        "half the number of elements": "That is the paper's 1/2 * sum; the library uses the mean instead.",
    },
    watch=lambda case: [case.args[0]],
    hints=[
        "The content loss compares two feature maps element by element.",
        "Subtract, square, average: tf.reduce_mean(tf.square(features - target)).",
    ],
)


# -- exercise 6 --------------------------------------------------------------------------------
def _style_cases() -> list[Case]:
    rng = np.random.default_rng(6)
    layouts = (
        ("three layers (2, 3, 5 channels), batch of 1", 1, {"block1_conv1": 2, "block2_conv1": 3, "block3_conv1": 5}),
        ("two layers (4 and 1 channels), batch of 2", 2, {"block4_conv1": 4, "block5_conv1": 1}),
        ("one layer with 3 channels", 1, {"block3_conv1": 3}),
    )
    cases = []
    for label, batch, channels in layouts:
        raw = rng.random(len(channels)) + 0.2
        weights = {name: float(w) for name, w in zip(channels, raw / raw.sum())}
        grams = {n: tf.constant(rng.gamma(1, 1, (batch, c, c)), tf.float32) for n, c in channels.items()}
        targets = {n: tf.constant(rng.gamma(1, 1, (batch, c, c)), tf.float32) for n, c in channels.items()}
        cases.append(Case(label, (grams, targets, weights), {"the batch size": batch}))
    return cases


def _style_model(case: Case, *, normaliser, weighted: bool = True, reduce=np.sum, batch=np.mean) -> float:
    grams, targets, weights = case.args
    total = 0.0
    for name, weight in weights.items():
        g, a = grams[name].numpy().astype(np.float64), targets[name].numpy().astype(np.float64)
        per_image = reduce((g - a) ** 2, axis=(-2, -1)) / normaliser(g.shape[-1])
        total += (weight if weighted else 1.0) * batch(per_image)
    return total


STYLE_LOSS = Exercise(
    number=6, name="style_loss", title="Style loss over several layers", solutions=[style_loss],
    cases=_style_cases, reference=lambda case: L.style_loss(*case.args),
    mistakes=[
        Mistake("you ignored layer_weights: multiply each layer's loss by its weight before adding",
                lambda case: _style_model(case, normaliser=lambda n: 4.0 * n**2, weighted=False)),
        Mistake("the 1/(4 N^2) of each layer is missing (N: that layer's number of channels)",
                lambda case: _style_model(case, normaliser=lambda n: 1.0)),
        Mistake("you divided by 4 N instead of 4 N^2 (N: that layer's number of channels)",
                lambda case: _style_model(case, normaliser=lambda n: 4.0 * n)),
        Mistake("tf.reduce_mean over the N x N Gram entries divides by N^2 a second time: use tf.reduce_sum",
                lambda case: _style_model(case, normaliser=lambda n: 4.0 * n**2, reduce=np.mean)),
        Mistake("the 4 of 1/(4 N^2) is missing", lambda case: _style_model(case, normaliser=lambda n: n**2)),
    ],
    factor_advice={"the batch size": "Average over the batch (tf.reduce_mean), do not sum over it."},
    watch=lambda case: list(case.args[0].values()),
    hints=[
        "Loop over layer_weights.items(): for each layer compare grams[layer] with target_grams[layer].",
        "One layer: tf.reduce_sum(tf.square(G - A), axis=[-2, -1]) / (4.0 * N**2), N = G.shape[-1]; "
        "then tf.reduce_mean over the batch.",
        "Multiply each layer's value by its weight and add them up.",
    ],
)


# -- exercise 7 --------------------------------------------------------------------------------
def _tv_cases() -> list[Case]:
    rng = np.random.default_rng(7)
    shapes = (((1, 5, 6, 3), "5x6 RGB image"), ((2, 4, 4, 3), "batch of 2, 4x4"),
              ((1, 2, 7, 1), "non-square 2x7, one channel"), ((1, 3, 3, 3), "3x3 image"))
    return [Case(label, (tf.constant(rng.uniform(-124, 152, shape), tf.float32),)) for shape, label in shapes]


def _tv_model(case: Case, *, scale: float = 255.0, power=np.square, reduce=np.mean, parts=("down", "right")):
    x = case.args[0].numpy().astype(np.float64) / scale
    diffs = {"down": x[:, 1:] - x[:, :-1], "right": x[:, :, 1:] - x[:, :, :-1]}
    return sum(reduce(power(diffs[p])) for p in parts)


TOTAL_VARIATION = Exercise(
    number=7, name="total_variation_loss", title="Total-variation loss", solutions=[total_variation_loss],
    cases=_tv_cases, reference=lambda case: L.total_variation_loss(case.args[0]),
    mistakes=[
        Mistake("only vertical neighbours (x[:, 1:] - x[:, :-1]); add the horizontal ones (x[:, :, 1:] - x[:, :, :-1])",
                lambda case: _tv_model(case, parts=("down",))),
        Mistake("only horizontal neighbours (x[:, :, 1:] - x[:, :, :-1]); add the vertical ones (x[:, 1:] - x[:, :-1])",
                lambda case: _tv_model(case, parts=("right",))),
        Mistake("absolute differences (the L1 total variation, as tf.image.total_variation); square them instead",
                lambda case: _tv_model(case, power=np.abs)),
        Mistake("tf.image.total_variation sums absolute differences in 0-255 units; the library averages squared "
                "differences of pixels scaled to [0, 1]",
                lambda case: _tv_model(case, scale=1.0, power=np.abs, reduce=np.sum)),
        Mistake("you summed the squared differences; the library averages them (tf.reduce_mean of each direction)",
                lambda case: _tv_model(case, reduce=np.sum)),
    ],
    factor_advice={"255^2": "Scale the pixels to [0, 1] first: divide the image by 255."},
    watch=lambda case: [case.args[0]],
    hints=[
        "Differences of neighbours: x[:, 1:, :, :] - x[:, :-1, :, :] (vertical) and x[:, :, 1:, :] - x[:, :, :-1, :].",
        "Scale the image to [0, 1] (divide by 255) first, then take tf.reduce_mean(tf.square(...)) of each "
        "direction and add the two.",
    ],
)
