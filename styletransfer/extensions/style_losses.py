"""What "same style" means: four style losses behind one switch, ``StyleTransfer(style_loss=...)``.

Each loss compares one layer's features ``F`` of the image being made (``M`` positions x ``N``
channels, divided by the layer's scale as everywhere in the library) with the style image's
features ``S``. All four average over positions and channels, so none grows with the image size.

``"gram"`` (Gatys et al. 2015, the default)
    ``sum((G(F) - G(S))^2) / (4 N^2)`` with ``G(F) = F^T F / M``: second moments only.
``"meancov"`` (Gaussian Wasserstein-2, as in crowsonkb/style-transfer-pytorch)
    ``(|mu_F - mu_S|^2 + tr(C_F + C_S - 2 (C_S^1/2 C_F C_S^1/2)^1/2)) / N``: the squared optimal
    transport distance between the Gaussians with the features' means and covariances. Each
    covariance gets ``MEANCOV_EPS`` on its diagonal, so the square root stays differentiable.
``"sliced"`` (sliced Wasserstein, Heitz et al. CVPR 2021)
    ``mean_k mean_p (sort(F v_k)_p - sort(S v_k)_p)^2`` over ``K = N`` random unit directions
    ``v_k``: the whole distribution, one 1-D projection at a time (sorting solves 1-D transport).
    The directions are seeded. **Fixed** during an L-BFGS run: L-BFGS's line search compares
    losses of one objective, and new directions at every evaluation would change the objective
    under it. **Renewed** after every Adam step (``optimize`` calls :meth:`SlicedLoss.renew`):
    Adam takes one step per evaluation and averages gradients, so fresh directions make it
    descend the full sliced distance instead of over-fitting ``K`` fixed directions (Heitz et al.
    renew them each iteration too).
``"histogram"`` (Risser et al. 2017)
    Per channel: ``mean_p (sort(F_c)_p - Q_c((p + 1/2) / M))^2``, where ``Q_c`` is the quantile
    function of the style's ``HISTOGRAM_BINS``-bin histogram of channel ``c``. Its gradient is
    ``2 (F - R(F)) / (M N)``, with ``R(F)`` the features remapped to the style's histogram:
    exactly Risser's loss ``|F - R(F)|^2`` with ``R(F)`` held fixed.

When the style image has a different number of positions than the image being made, the sorted
style values are resampled to ``M`` quantiles (linear interpolation).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .. import constants as C
from ..checks import check_style_loss  # noqa: F401 - the one owner; re-exported
from ..losses import gram_matrix, style_layer_loss

__all__ = ["StyleLoss", "GramLoss", "MeanCovLoss", "SlicedLoss", "HistogramLoss", "STYLE_LOSS_CLASSES",
           "make_style_loss", "check_style_loss", "resample_sorted", "histogram_quantiles"]



def _flat(features: tf.Tensor) -> tf.Tensor:
    """``(1, H, W, N)`` -> ``(H * W, N)`` (these losses compare one image's distribution)."""
    return tf.reshape(features, (-1, tf.shape(features)[-1]))


def resample_sorted(values, positions: int):
    """Sorted samples ``(M_s, K)`` resampled to ``positions`` quantiles by linear interpolation."""
    values = tf.convert_to_tensor(values)
    count = int(values.shape[0])
    if count == positions:
        return values
    where = np.clip((np.arange(positions) + 0.5) * count / positions - 0.5, 0, count - 1)
    low = np.floor(where).astype(np.int32)
    high, frac = np.minimum(low + 1, count - 1), (where - low).astype(np.float32)[:, None]
    return tf.gather(values, low) * (1 - frac) + tf.gather(values, high) * frac


def histogram_quantiles(samples: np.ndarray, positions: int, bins: int = C.HISTOGRAM_BINS) -> np.ndarray:
    """Per column of ``samples`` ``(M_s, N)``: its ``bins``-bin histogram's quantiles at ``(p + 1/2) / positions``."""
    samples = np.asarray(samples, dtype=np.float64)
    levels = (np.arange(positions) + 0.5) / positions
    out = np.empty((positions, samples.shape[1]), np.float32)
    for c in range(samples.shape[1]):
        counts, edges = np.histogram(samples[:, c], bins=bins)
        cdf = np.concatenate([[0.0], np.cumsum(counts) / counts.sum()])
        out[:, c] = np.interp(levels, cdf, edges)
    return out


class StyleLoss:
    """One way to compare the style of two images, layer by layer.

    ``target(style_features, positions)`` is computed once from the style image's (scaled)
    features; ``layer(features, scale, target)`` is the loss of one layer of the image being
    made, from its raw features and the layer's scale; ``renew()`` draws new random parts (a
    no-op returning ``False`` except for :class:`SlicedLoss`).
    """

    name = ""

    def __init__(self, *, seed: int = C.DEFAULT_SEED) -> None:
        self.seed = seed

    def target(self, style_features: tf.Tensor, positions: int):
        raise NotImplementedError

    def layer(self, features: tf.Tensor, scale: float, target) -> tf.Tensor:
        raise NotImplementedError

    def renew(self) -> bool:
        return False


class GramLoss(StyleLoss):
    """The paper's Gram-matrix loss (see :mod:`styletransfer.losses`)."""

    name = "gram"

    def target(self, style_features, positions):
        return tf.constant(gram_matrix(style_features))

    def layer(self, features, scale, target):
        # The scale is folded into the small Gram matrix instead of the large feature map.
        return style_layer_loss(gram_matrix(features) / scale**2, target)


def _mean_cov(flat: tf.Tensor, eps: float):
    mean = tf.reduce_mean(flat, axis=0)
    centred = flat - mean
    cov = tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(flat)[0], flat.dtype)
    cov = tf.cast(cov, tf.float64) + eps * tf.eye(tf.shape(cov)[0], dtype=tf.float64)
    return tf.cast(mean, tf.float64), cov


class MeanCovLoss(StyleLoss):
    """Wasserstein-2 distance between Gaussians fitted to the features, per channel."""

    name = "meancov"

    def __init__(self, *, seed: int = C.DEFAULT_SEED, eps: float = C.MEANCOV_EPS) -> None:
        super().__init__(seed=seed)
        self.eps = float(eps)

    def target(self, style_features, positions):
        mean, cov = _mean_cov(_flat(style_features), self.eps)
        values, vectors = np.linalg.eigh(cov.numpy())
        root = (vectors * np.sqrt(np.maximum(values, 0.0))) @ vectors.T
        return {"mean": mean, "root": tf.constant(root), "trace": float(np.trace(cov.numpy()))}

    def layer(self, features, scale, target):
        mean, cov = _mean_cov(_flat(features) / scale, self.eps)
        middle = target["root"] @ cov @ target["root"]
        # Only eigenvalues are needed: their gradient is stable even when some coincide.
        roots = tf.sqrt(tf.maximum(tf.linalg.eigvalsh(0.5 * (middle + tf.transpose(middle))), 0.0) + 1e-30)
        distance = tf.reduce_sum(tf.square(mean - target["mean"])) + tf.linalg.trace(cov) + target["trace"]
        distance -= 2.0 * tf.reduce_sum(roots)
        return tf.cast(distance / tf.cast(tf.shape(cov)[0], tf.float64), tf.float32)


class SlicedLoss(StyleLoss):
    """Sliced Wasserstein-2 distance over ``N`` seeded random directions (renewed only by :meth:`renew`)."""

    name = "sliced"

    def __init__(self, *, seed: int = C.DEFAULT_SEED, projections: int | None = None) -> None:
        super().__init__(seed=seed)
        self.projections, self.draws = projections, 0
        self._rng = np.random.default_rng(seed)
        self._directions: list[tf.Variable] = []

    def _draw(self, channels: int) -> np.ndarray:
        v = self._rng.standard_normal((channels, self.projections or channels))
        return (v / np.linalg.norm(v, axis=0, keepdims=True)).astype(np.float32)

    def target(self, style_features, positions):
        flat = _flat(style_features)
        directions = tf.Variable(self._draw(int(flat.shape[1])), trainable=False)
        self._directions.append(directions)
        return {"style": tf.constant(flat), "directions": directions, "positions": int(positions)}

    def layer(self, features, scale, target):
        directions = target["directions"]
        mine = tf.sort(tf.matmul(_flat(features) / scale, directions), axis=0)
        theirs = resample_sorted(tf.sort(tf.matmul(target["style"], directions), axis=0), target["positions"])
        return tf.reduce_mean(tf.square(mine - theirs))

    def renew(self) -> bool:
        """Draw new directions for every layer (before an Adam step); returns ``True``."""
        self.draws += 1
        for variable in self._directions:
            variable.assign(self._draw(int(variable.shape[0])))
        return True


class HistogramLoss(StyleLoss):
    """Per-channel histogram matching (Risser et al. 2017), ``HISTOGRAM_BINS`` bins."""

    name = "histogram"

    def __init__(self, *, seed: int = C.DEFAULT_SEED, bins: int = C.HISTOGRAM_BINS) -> None:
        super().__init__(seed=seed)
        self.bins = int(bins)

    def target(self, style_features, positions):
        return tf.constant(histogram_quantiles(_flat(style_features).numpy(), int(positions), self.bins))

    def layer(self, features, scale, target):
        return tf.reduce_mean(tf.square(tf.sort(_flat(features) / scale, axis=0) - target))


#: The registry: ``style_loss`` name -> class.
STYLE_LOSS_CLASSES: dict[str, type[StyleLoss]] = {
    cls.name: cls for cls in (GramLoss, MeanCovLoss, SlicedLoss, HistogramLoss)
}


def make_style_loss(name: str = C.DEFAULT_STYLE_LOSS, *, seed: int = C.DEFAULT_SEED) -> StyleLoss:
    """The :class:`StyleLoss` called ``name`` (one of ``constants.STYLE_LOSSES``)."""
    return STYLE_LOSS_CLASSES[check_style_loss(name)](seed=seed)
