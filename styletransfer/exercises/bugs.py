"""Exercises 8-9: find the bug. Each ships the buggy code (``show_bug()``) that the participant fixes.

Both bugs are real classes of mistakes in published style-transfer code: a ``reduce_mean`` where
the formula has a sum (a hidden factor of N^2), and a Gram normalisation that uses the input
image's size and its 3 colour channels instead of the layer's own H, W and N (as the original Keras
example's ``size = img_nrows * img_ncols; channels = 3`` did).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from styletransfer import losses as L

from ._checking import Case, Mistake
from ._exercise import Exercise
from .losses import GRAM_ADVICE, feature_cases, gram_shape_problem

__all__ = ["STYLE_LOSS_BUG", "GRAM_BUG", "buggy_style_layer_loss", "buggy_gram_matrix"]


# -- the buggy code the participant reads ------------------------------------------------------
def buggy_style_layer_loss(gram, target_gram):
    """One layer's style loss, sum((G - A)^2) / (4 N^2), averaged over the batch. (It has a bug.)"""
    channels = gram.shape[-1]
    per_image = tf.reduce_mean(tf.square(gram - target_gram), axis=[-2, -1]) / (4.0 * channels**2)
    return tf.reduce_mean(per_image)


def buggy_gram_matrix(features):
    """Gram matrix F^T F divided by the number of positions. (It has a bug.)"""
    image_height, image_width = 64, 64  # the size of the content image
    gram = tf.einsum("bhwi,bhwj->bij", features, features)
    size = image_height * image_width
    channels = 3
    return gram / (size * channels)


# -- solutions ---------------------------------------------------------------------------------
def style_layer_loss(gram, target_gram):
    """One layer's style loss, sum((G - A)^2) / (4 N^2), averaged over the batch."""
    channels = gram.shape[-1]
    per_image = tf.reduce_sum(tf.square(gram - target_gram), axis=[-2, -1]) / (4.0 * channels**2)
    return tf.reduce_mean(per_image)


def gram_matrix_fixed(features):
    """Gram matrix F^T F divided by the number of positions H*W of this feature map."""
    gram = tf.einsum("bhwi,bhwj->bij", features, features)
    size = features.shape[1] * features.shape[2]  # this layer's positions, not the image's pixels
    return gram / size


# -- exercise 8 --------------------------------------------------------------------------------
def _gram_pair_cases() -> list[Case]:
    rng = np.random.default_rng(8)
    cases = []
    for shape, label in (((1, 3, 3), "batch of 1, 3 channels"), ((2, 5, 5), "batch of 2, 5 channels"),
                         ((1, 1, 1), "one channel"), ((1, 8, 8), "8 channels")):
        pair = tuple(tf.constant(rng.gamma(1, 1, shape), tf.float32) for _ in range(2))
        n = shape[-1]
        cases.append(Case(label, pair, {"N^2": n**2, "N": n, "the batch size": shape[0]}))
    return cases


def _sum_over_batch(case: Case):
    g, a = (t.numpy().astype(np.float64) for t in case.args)
    return np.sum((g - a) ** 2) / (4.0 * g.shape[-1] ** 2)


STYLE_LOSS_BUG = Exercise(
    number=8, name="style_loss_bug", title="Find the bug: a hidden constant factor in the style loss",
    solutions=[style_layer_loss], bug=buggy_style_layer_loss,
    cases=_gram_pair_cases, reference=lambda case: L.style_layer_loss(*case.args),
    mistakes=[
        Mistake("still the original bug: tf.reduce_mean over the N x N Gram entries divides by N^2 a second "
                "time (the formula has a sum)", lambda case: buggy_style_layer_loss(*case.args)),
        Mistake("you summed over the batch too: average the per-image losses over the batch (tf.reduce_mean)",
                _sum_over_batch),
    ],
    factor_advice={"4": "The 4 of 1/(4 N^2) is missing.",
                   "N": "The paper divides by 4 N^2, not 4 N.",
                   "1/N^2": "tf.reduce_mean over the Gram entries divides by N^2 once more than the formula."},
    watch=lambda case: [case.args[0]],
    hints=[
        "Write the formula next to the code: sum over i, j of (G_ij - A_ij)^2, divided by 4 N^2. "
        "Which line does something else?",
        "tf.reduce_mean over the last two axes divides by the number of Gram entries, N * N.",
        "Replace the first tf.reduce_mean (over axis=[-2, -1]) by tf.reduce_sum; keep the batch average.",
    ],
)


# -- exercise 9 --------------------------------------------------------------------------------
LAYER_SHAPES = (
    ((1, 8, 8, 4), "8x8 map, 4 channels (a deep layer)"),
    ((2, 4, 6, 16), "batch of 2, non-square 4x6 map, 16 channels"),
    ((1, 16, 16, 2), "16x16 map, 2 channels"),
    ((1, 3, 5, 1), "3x5 map, one channel"),
)

GRAM_BUG = Exercise(
    number=9, name="gram_bug", title="Find the bug: a Gram normalisation with the wrong sizes",
    solutions=[gram_matrix_fixed], bug=buggy_gram_matrix,
    cases=lambda: feature_cases(9, LAYER_SHAPES), reference=lambda case: L.gram_matrix(case.args[0]),
    mistakes=[
        Mistake("still the original bug: it divides by the image's 64x64 pixels and 3 "
                "colour channels, but a layer's feature map has its own H, W and N (a 64 px image is 8x8x512 "
                "at block4)", lambda case: buggy_gram_matrix(case.args[0])),
    ],
    diagnosers=[gram_shape_problem],
    factor_advice={**GRAM_ADVICE,
                   "1/3 (colour channels)": "Do not divide by 3: the image's colour channels have nothing to do "
                                            "with a layer's features.",
                   "~1/N": "Do not divide by the number of channels."},
    watch=lambda case: [case.args[0]],
    hints=[
        "Which sizes does the normalisation use, and which sizes does a feature map deep in VGG have?",
        "At block4 a 64x64 image gives an 8x8 feature map with 512 channels: neither 64*64 nor 3 appears.",
        "Divide by this feature map's number of positions: features.shape[1] * features.shape[2] (and not "
        "by the number of channels).",
    ],
)
