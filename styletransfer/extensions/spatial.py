"""Several styles, blend weights and spatial control with masks (Gatys et al. 2017, section 4).

A *region* is a mask over the content image, values in ``[0, 1]``, together with the styles that
apply there. The mask is carried to every style layer by the same 2x2 average pooling the network
applies (so mask pixels line up with feature positions), and the region's Gram matrix averages
``F(p) F(p)^T`` only over its positions, weighted by the mask:
``G_r = sum_p m(p) F(p) F(p)^T / sum_p m(p)``. Pixels that no mask covers get no style at all.

Blend weights combine *targets*, not losses: within a region the target Gram matrix is
``A = sum_k w_k A_k / sum_k w_k``. For a loss that is quadratic in the Gram matrix the two give
the same gradient, because ``sum_k w_k |G - A_k|^2 = W |G - A|^2 + constant``; weighted targets
need one comparison per layer instead of one per style, and the loss can reach zero, so the
curves stay readable. Each region's style term is weighted by its share of the image, so one
full-image region reproduces :class:`~styletransfer.transfer.StyleTransfer` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from .. import constants as C
from ..errors import ParameterError
from ..images import ImageLike, preprocess
from ..losses import content_loss, style_layer_loss, total_variation_loss
from ..samples import as_image
from ..transfer import StyleTransfer

__all__ = ["MultiStyleTransfer", "layer_masks", "split_masks", "ellipse_mask", "masked_gram"]


def masked_gram(features: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """Gram matrix over the masked positions: ``sum_p m F F^T / sum_p m``.

    ``features`` is ``(1, H, W, C)``, ``mask`` ``(1, H, W, 1)``. An all-ones mask gives
    :func:`~styletransfer.losses.gram_matrix`.
    """
    weighted = features * mask
    area = tf.reduce_sum(mask) + 1e-8
    return tf.einsum("bhwi,bhwj->bij", weighted, features) / area


def _pool_steps(layer: str) -> int:
    """Number of 2x2 poolings before a VGG19 layer (``block3_conv1`` -> 2)."""
    return int(layer[len("block")]) - 1


def layer_masks(mask: np.ndarray, layers: Sequence[str]) -> dict[str, tf.Tensor]:
    """The mask at each layer's resolution, by the network's own 2x2 average pooling.

    Parameters
    ----------
    mask : array (H, W)
        Values in ``[0, 1]`` at the content image's size.
    layers : sequence of str
        Keras layer names.

    Returns
    -------
    dict
        ``{layer: tensor (1, h, w, 1)}``.
    """
    level = tf.constant(np.asarray(mask, np.float32)[None, :, :, None])
    pyramid = [level]
    for _ in range(max(_pool_steps(layer) for layer in layers)):
        level = tf.nn.avg_pool2d(level, 2, 2, "VALID")
        pyramid.append(level)
    return {layer: pyramid[_pool_steps(layer)] for layer in layers}


def split_masks(shape: tuple[int, int], *, parts: int = 2, axis: int = 1, feather: float = 0.0) -> list[np.ndarray]:
    """``parts`` masks that cut an image of ``shape`` into bands along ``axis`` (1: left to right).

    ``feather`` (a fraction of the side) softens each border into a linear ramp; the masks
    always sum to one.
    """
    length = shape[axis]
    position = (np.arange(length) + 0.5) / length * parts
    width = max(feather * parts, 1e-6)
    masks = []
    for k in range(parts):
        rise = np.clip((position - k) / width + 0.5, 0, 1) if k else np.ones(length)
        fall = np.clip((k + 1 - position) / width + 0.5, 0, 1) if k < parts - 1 else np.ones(length)
        profile = np.minimum(rise, fall)
        masks.append(np.broadcast_to(profile[None, :] if axis == 1 else profile[:, None], shape).astype(np.float32))
    total = np.sum(masks, axis=0)
    return [m / total for m in masks]


def ellipse_mask(shape: tuple[int, int], *, center=(0.5, 0.5), radii=(0.3, 0.3), feather: float = 0.05) -> np.ndarray:
    """A soft ellipse (1 inside, 0 outside); ``center`` and ``radii`` as fractions (row, column)."""
    rows = (np.arange(shape[0]) + 0.5) / shape[0]
    cols = (np.arange(shape[1]) + 0.5) / shape[1]
    dist = np.sqrt(((rows[:, None] - center[0]) / radii[0]) ** 2 + ((cols[None, :] - center[1]) / radii[1]) ** 2)
    return np.clip((1 - dist) / max(feather, 1e-6) + 0.5, 0, 1).astype(np.float32)


def _mask_array(mask, shape: tuple[int, int]) -> np.ndarray:
    if mask is None:
        return np.ones(shape, np.float32)
    array = np.asarray(mask)
    if array.ndim == 3:
        array = array.mean(axis=-1)
    if array.ndim != 2:
        raise ParameterError(f"a mask must be a 2-D array (height, width), got shape {array.shape}")
    array = array.astype(np.float32) / (255.0 if array.dtype == np.uint8 else 1.0)
    if array.min(initial=0) < 0 or array.max(initial=0) > 1:
        raise ParameterError("mask values must lie in [0, 1] (or 0-255 for uint8 masks); rescale the mask")
    if array.shape != tuple(shape):
        from PIL import Image

        array = np.asarray(Image.fromarray(array, mode="F").resize((shape[1], shape[0]), Image.Resampling.BILINEAR))
    return np.clip(array, 0, 1)


class MultiStyleTransfer(StyleTransfer):
    """Style transfer with several style images, blend weights and optional masks.

    Parameters
    ----------
    content : ImageLike
        The content image.
    styles : sequence of ImageLike
        One or more style images.
    blend_weights : sequence of float, optional
        One weight >= 0 per style (default: equal). Styles that share a region are blended
        with these weights (normalised within the region).
    masks : sequence of array or None, optional
        One mask per style, 2-D, values in ``[0, 1]`` (``uint8`` 0-255 also accepted), any
        size (resized to the content). ``None`` (the default, or an entry ``None``) means the
        whole image. Styles with equal masks form one region; pixels outside every mask get
        content and TV terms only.
    size, style_size, **options
        As :class:`~styletransfer.transfer.StyleTransfer`.
    """

    def __init__(self, content: ImageLike, styles: Sequence[ImageLike], *, blend_weights: Sequence[float] | None = None,
                 masks: Sequence | None = None, size: int | None = C.DEFAULT_SIZE, style_size: int | None = None,
                 **options) -> None:
        if isinstance(styles, (str, np.ndarray)) or not len(styles):
            raise ParameterError("styles must be a non-empty list of style images")
        weights = [1.0] * len(styles) if blend_weights is None else [float(w) for w in blend_weights]
        masks = [None] * len(styles) if masks is None else list(masks)
        if len(weights) != len(styles) or len(masks) != len(styles):
            raise ParameterError(f"give one blend weight and one mask per style ({len(styles)} styles)")
        if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
            raise ParameterError(f"blend weights must be finite, >= 0 and not all zero, got {blend_weights!r}")
        if options.get("style_loss", C.DEFAULT_STYLE_LOSS) != "gram":
            raise ParameterError("masks and several styles use masked Gram matrices; use style_loss='gram'")
        images = [as_image(s, size=style_size or size) for s in styles]
        super().__init__(content, images[0], size=size, style_size=style_size, **options)
        self.style_images, self.blend_weights = images, weights
        grams = [self.style_targets] + [self._style_grams(img) for img in images[1:]]
        self.regions = self._regions([_mask_array(m, self.content_image.shape[:2]) for m in masks], weights, grams)

    def _style_grams(self, image: np.ndarray) -> dict[str, tf.Tensor]:
        feats = self._scaled(self.extractor(preprocess(image)))
        return {k: masked_gram(feats[k], tf.ones_like(feats[k][..., :1])) for k in self.style_layers}

    def _regions(self, masks, weights, grams) -> list[dict]:
        regions: list[dict] = []
        for mask, weight, gram in zip(masks, weights, grams):
            region = next((r for r in regions if np.array_equal(r["mask"], mask)), None)
            if region is None:
                region = {"mask": mask, "weight": 0.0, "sum": {k: 0.0 for k in self.style_layers}}
                regions.append(region)
            region["weight"] += weight
            region["sum"] = {k: region["sum"][k] + weight * gram[k] for k in self.style_layers}
        kept = []
        for region in regions:
            share = float(region["mask"].mean())
            if region["weight"] <= 0 or share <= 0:
                continue  # a region without weight or area adds nothing to the loss or gradient
            kept.append({
                "mask": region["mask"], "share": share, "layer_masks": layer_masks(region["mask"], self.style_layers),
                "targets": {k: tf.constant(region["sum"][k] / region["weight"]) for k in self.style_layers},
            })
        return kept

    def terms(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        """Unweighted ``{"content", "style", "tv"}``; style sums the regions' masked terms."""
        feats = self._scaled(self.extractor(x))
        content = tf.add_n([content_loss(feats[k], self.content_targets[k]) for k in self.content_layers])
        style = tf.constant(0.0)
        for region in self.regions:
            for k, w in self.style_layer_weights.items():
                gram = masked_gram(feats[k], region["layer_masks"][k])
                style = style + region["share"] * w * style_layer_loss(gram, region["targets"][k])
        return {"content": content / len(self.content_layers), "style": style, "tv": total_variation_loss(x)}
