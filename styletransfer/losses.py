"""Gram matrices and the three loss terms of neural style transfer.

Conventions (stated once, tested against a NumPy reference in ``tests/test_losses.py``):

* ``gram_matrix(F)[b, i, j] = sum_positions F[b, p, i] * F[b, p, j] / (H * W)``: the
  correlations between feature maps ``i`` and ``j``, averaged over the ``M = H * W`` positions.
  Dividing by ``M`` makes a Gram matrix independent of the image size.
* Style loss of one layer, ``E_l = sum_ij (G_ij - A_ij)^2 / (4 N^2)`` with ``N`` channels. With
  the Gram normalised by ``M`` this equals the paper's ``1 / (4 N^2 M^2) sum (G - A)^2`` exactly.
* Content loss, ``mean((F - P)^2)``: the paper's ``1/2 sum (F - P)^2`` divided by ``N M / 2``,
  so that it too does not grow with the image size.
* Total variation, ``mean((x[i+1, j] - x[i, j])^2) + mean((x[i, j+1] - x[i, j])^2)`` on the image
  scaled to ``[0, 1]``: penalises high-frequency noise.
"""

from __future__ import annotations

from collections.abc import Mapping

import tensorflow as tf

from .checks import normalized_layer_weights  # re-exported: the check lives with the others

__all__ = [
    "gram_matrix",
    "content_loss",
    "style_layer_loss",
    "style_loss",
    "total_variation_loss",
    "normalized_layer_weights",
]


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """Gram matrix of a batch of feature maps, averaged over positions.

    Parameters
    ----------
    features : tf.Tensor
        Activations of shape ``(batch, height, width, channels)``.

    Returns
    -------
    tf.Tensor
        Shape ``(batch, channels, channels)``; symmetric; ``G[b, i, j]`` is the mean over
        positions of ``F[..., i] * F[..., j]``.
    """
    features = tf.convert_to_tensor(features)
    shape = tf.shape(features)
    # (B, H*W, C)^T (B, H*W, C): one batched matmul; about twice as fast as the equivalent einsum,
    # forward and backward, on CPU (measured at 256x256x64).
    flat = tf.reshape(features, tf.stack([shape[0], shape[1] * shape[2], shape[3]]))
    return tf.reshape(_gram_flat(flat), tf.stack([shape[0], shape[3], shape[3]]))


@tf.custom_gradient
def _gram_flat(flat):
    """``F^T F / M`` of ``(B, M, C)`` features, with a one-matmul gradient ``F (dG + dG^T) / M``.

    TensorFlow's own gradient of ``matmul(F, F, transpose_a=True)`` treats the two operands as
    different and runs two matmuls of ``M C^2`` multiply-adds; they are the same tensor, so one
    does (the Gram matrices are then 2 of the 3 ``M C^2`` passes they took, forward + backward).
    """
    positions = tf.cast(tf.shape(flat)[1], flat.dtype)
    gram = tf.matmul(flat, flat, transpose_a=True) / positions

    def grad(upstream):
        return tf.matmul(flat, upstream + tf.linalg.matrix_transpose(upstream)) / positions

    return gram, grad


def content_loss(features: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Mean squared difference between two feature maps (the paper's ``1/2 sum``, per element)."""
    return tf.reduce_mean(tf.square(features - target))


def style_layer_loss(gram: tf.Tensor, target_gram: tf.Tensor) -> tf.Tensor:
    """One layer's style loss ``sum((G - A)^2) / (4 N^2)``, averaged over the batch."""
    channels = tf.cast(tf.shape(gram)[-1], gram.dtype)
    per_image = tf.reduce_sum(tf.square(gram - target_gram), axis=[-2, -1]) / (4.0 * channels**2)
    return tf.reduce_mean(per_image)


def style_loss(
    grams: Mapping[str, tf.Tensor],
    target_grams: Mapping[str, tf.Tensor],
    layer_weights: Mapping[str, float],
) -> tf.Tensor:
    """Weighted sum of :func:`style_layer_loss` over layers (the paper: ``w_l = 1/5``)."""
    terms = [w * style_layer_loss(grams[name], target_grams[name]) for name, w in layer_weights.items()]
    return tf.add_n(terms)


def total_variation_loss(image: tf.Tensor) -> tf.Tensor:
    """Mean squared difference of neighbouring pixels, with pixels in ``[0, 1]`` units.

    Parameters
    ----------
    image : tf.Tensor
        Batch ``(batch, height, width, channels)`` in 0-255 units (preprocessed or not: the mean
        cancels in the differences).
    """
    scaled = tf.convert_to_tensor(image) / 255.0
    down = scaled[:, 1:, :, :] - scaled[:, :-1, :, :]
    right = scaled[:, :, 1:, :] - scaled[:, :, :-1, :]
    return tf.reduce_mean(tf.square(down)) + tf.reduce_mean(tf.square(right))
