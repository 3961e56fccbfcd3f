"""Colour control (Gatys, Bethge, Hertzmann and Shechtman, 2017, "Controlling Perceptual Factors
in Neural Style Transfer").

Three ways to keep the content's colours, from the simplest to the one the paper recommends:

* :func:`preserve_colors`: the post-hoc baseline most CLIs offer. Stylise as usual, then keep the
  result's luminance (Y) and put back the content's chroma (I and Q of YIQ, or U and V of YUV).
* :func:`match_color`: before stylising, recolour the *style* image with a linear map so that its
  mean colour and colour covariance equal the content's (Cholesky, PCA, symmetric "matrix square
  root" or Monge-Kantorovich variants). The style keeps its textures and brush strokes, in the
  content's palette.
* :class:`LuminanceTransfer`: luminance-only transfer. Both images become grey (their Y channel,
  replicated to three channels), the style's luminance is matched to the content's (mean and
  standard deviation), the optimisation changes only the grey image, and the result's Y is
  recombined with the content's I and Q.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from .. import constants as C
from ..errors import ParameterError
from ..images import ImageLike, deprocess, preprocess, resize_image
from ..samples import as_image
from ..transfer import StyleTransfer

__all__ = [
    "COLOR_SPACES",
    "MATCH_METHODS",
    "rgb_to_yiq",
    "yiq_to_rgb",
    "luminance",
    "match_luminance",
    "preserve_colors",
    "match_color",
    "color_transform",
    "LuminanceTransfer",
]

#: RGB -> YIQ (NTSC) and RGB -> YUV (BT.601) matrices; rows give Y, then the two chroma channels.
COLOR_SPACES: dict[str, np.ndarray] = {
    "yiq": np.array([[0.299, 0.587, 0.114], [0.5959, -0.2746, -0.3213], [0.2115, -0.5227, 0.3112]]),
    "yuv": np.array([[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]]),
}

#: Variants of :func:`match_color`.
MATCH_METHODS: tuple[str, ...] = ("cholesky", "pca", "sym", "mkl")


def _space(space: str) -> np.ndarray:
    if space not in COLOR_SPACES:
        raise ParameterError(f"unknown colour space {space!r}; use one of {', '.join(COLOR_SPACES)}")
    return COLOR_SPACES[space]


def rgb_to_yiq(image, *, space: str = "yiq") -> np.ndarray:
    """RGB (0-255) to YIQ (or YUV) as float64 ``(H, W, 3)``; Y is in 0-255."""
    return np.asarray(image, dtype=np.float64) @ _space(space).T


def yiq_to_rgb(image, *, space: str = "yiq") -> np.ndarray:
    """Inverse of :func:`rgb_to_yiq`; returns float64 RGB, not clipped."""
    return np.asarray(image, dtype=np.float64) @ np.linalg.inv(_space(space)).T


def luminance(image) -> np.ndarray:
    """Luminance Y (0-255, float64 ``(H, W)``) of an RGB image."""
    return rgb_to_yiq(image)[..., 0]


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _grey(y: np.ndarray) -> np.ndarray:
    return _to_uint8(np.repeat(y[..., None], 3, axis=-1))


def match_luminance(style, content) -> np.ndarray:
    """The style's luminance with its mean and standard deviation matched to the content's.

    ``L_s' = sigma_c / sigma_s * (L_s - mu_s) + mu_c`` (Gatys et al. 2017, section 5.1), so the
    luminance histogram of the style does not bring its own brightness and contrast.

    Returns
    -------
    numpy.ndarray
        Float64 ``(H, W)`` luminance of the style image (not clipped).
    """
    ys, yc = luminance(style), luminance(content)
    return (ys - ys.mean()) * (yc.std() / max(ys.std(), 1e-6)) + yc.mean()


def preserve_colors(stylized: ImageLike, content: ImageLike, *, space: str = "yiq") -> np.ndarray:
    """Post-hoc colour preservation: the stylised luminance with the content's chroma.

    This is the simple baseline (jcjohnson/neural-style's ``-original_colors 1``). The content
    is resized to the stylised image's shape if needed.

    Returns
    -------
    numpy.ndarray
        RGB ``uint8`` image.
    """
    stylized = as_image(stylized)
    content = resize_image(as_image(content), stylized.shape)
    mixed = rgb_to_yiq(content, space=space)
    mixed[..., 0] = rgb_to_yiq(stylized, space=space)[..., 0]
    return _to_uint8(yiq_to_rgb(mixed, space=space))


def _sqrtm(cov: np.ndarray, power: float = 0.5) -> np.ndarray:
    values, vectors = np.linalg.eigh(cov)
    return (vectors * np.maximum(values, 1e-12) ** power) @ vectors.T


def _pca_basis(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    signs = np.sign(vectors.sum(axis=0))  # deterministic orientation: axes point towards white
    vectors = vectors * np.where(signs == 0, 1.0, signs)
    return np.maximum(values, 1e-12), vectors


def color_transform(cov_source: np.ndarray, cov_target: np.ndarray, method: str = "cholesky") -> np.ndarray:
    """Matrix ``A`` with ``A @ cov_source @ A.T == cov_target`` for a variant of :func:`match_color`.

    * ``"cholesky"``: ``A = L_t L_s^-1`` with ``cov = L L^T`` (Gatys et al. 2017).
    * ``"pca"``: ``A = Q_t D_t^1/2 D_s^-1/2 Q_s^T``: map principal axes onto principal axes.
    * ``"sym"``: ``A = cov_t^1/2 cov_s^-1/2`` (the "matrix square root" of Image Analogies,
      as in the paper).
    * ``"mkl"``: the symmetric Monge-Kantorovich map, the linear map that moves colours least.
    """
    eye = np.eye(3) * 1e-6
    cs, ct = cov_source + eye, cov_target + eye
    if method == "cholesky":
        return np.linalg.cholesky(ct) @ np.linalg.inv(np.linalg.cholesky(cs))
    if method == "pca":
        (vs, qs), (vt, qt) = _pca_basis(cs), _pca_basis(ct)
        return qt @ np.diag(np.sqrt(vt / vs)) @ qs.T
    if method == "sym":
        return _sqrtm(ct) @ _sqrtm(cs, -0.5)
    if method == "mkl":
        root, inv_root = _sqrtm(cs), _sqrtm(cs, -0.5)
        return inv_root @ _sqrtm(root @ ct @ root) @ inv_root
    raise ParameterError(f"unknown colour matching method {method!r}; use one of {', '.join(MATCH_METHODS)}")


def match_color(style: ImageLike, content: ImageLike, *, method: str = "cholesky", clip: bool = True) -> np.ndarray:
    """Recolour ``style`` so that its mean colour and RGB covariance equal ``content``'s.

    ``x' = A (x - mu_s) + mu_c`` per pixel, with ``A`` from :func:`color_transform`. Do this
    *before* the style transfer (pass the result as the style image): the textures stay, the
    palette becomes the content's.

    Parameters
    ----------
    style, content : ImageLike
        RGB images (any sizes).
    method : {"cholesky", "pca", "sym", "mkl"}
        How to pick ``A`` among the maps with the right covariance.
    clip : bool
        Return ``uint8`` clipped to 0-255 (default). ``False`` returns the exact float64 result,
        whose mean and covariance equal the content's to rounding error.
    """
    style, content = as_image(style), as_image(content)
    xs = style.reshape(-1, 3).astype(np.float64)
    xc = content.reshape(-1, 3).astype(np.float64)
    mu_s, mu_c = xs.mean(axis=0), xc.mean(axis=0)
    matrix = color_transform(np.cov(xs, rowvar=False), np.cov(xc, rowvar=False), method)
    out = ((xs - mu_s) @ matrix.T + mu_c).reshape(style.shape)
    return _to_uint8(out) if clip else out


class LuminanceTransfer(StyleTransfer):
    """Luminance-only style transfer (Gatys et al. 2017): the content keeps its colours exactly.

    The network sees grey images: the content's luminance and the style's luminance matched to
    the content's (mean and standard deviation), each replicated to three channels. The gradient
    is projected onto grey images (averaged over the channels), so starting from a grey image the
    optimisation only ever changes one luminance value per pixel. :meth:`run` recombines the
    result's luminance with the content's chroma (YIQ).

    Parameters
    ----------
    content, style : ImageLike
        Colour images.
    size, style_size : int
        As :class:`~styletransfer.transfer.StyleTransfer`.
    match_style_luminance : bool
        Match the style's luminance statistics to the content's (the paper does).
    **options
        Any other :class:`~styletransfer.transfer.StyleTransfer` keyword.
    """

    def __init__(self, content: ImageLike, style: ImageLike, *, size: int | None = C.DEFAULT_SIZE,
                 style_size: int | None = None, match_style_luminance: bool = True, **options) -> None:
        color_content = as_image(content, size=size)
        style = as_image(style, size=style_size or size)
        style_y = match_luminance(style, color_content) if match_style_luminance else luminance(style)
        self.color_content = color_content
        super().__init__(_grey(luminance(color_content)), _grey(style_y), size=None, **options)

    def loss_and_grad(self, x):
        """As the parent, with the gradient averaged over the three channels (stays grey)."""
        total, terms, grad = super().loss_and_grad(x)
        return total, terms, tf.broadcast_to(tf.reduce_mean(grad, axis=-1, keepdims=True), tf.shape(grad))

    def init_image(self, init=C.DEFAULT_INIT, *, seed: int | None = None) -> np.ndarray:
        """The parent's starting image made grey (its luminance, replicated)."""
        start = deprocess(super().init_image(init, seed=seed))
        return preprocess(_grey(luminance(start)))

    def recombine(self, image: np.ndarray) -> np.ndarray:
        """Luminance of ``image`` with the content's chroma, as RGB ``uint8``."""
        mixed = rgb_to_yiq(self.color_content)
        mixed[..., 0] = luminance(image)
        return _to_uint8(yiq_to_rgb(mixed))

    def run(self, **kwargs):
        """Optimise (see :func:`~styletransfer.optimize.optimize`); ``result.image`` is in colour."""
        result = super().run(**kwargs)
        return dataclasses.replace(result, image=self.recombine(result.image))
