"""What the optimiser changes: the pixels, a Laplacian pyramid, or a decorrelated Fourier basis.

``StyleTransfer(parameterization=...)`` chooses; :func:`~styletransfer.optimize.optimize` then
optimises the coefficients ``z`` of an image ``x = decode(z)`` instead of its pixels. Every
decoder here is linear and exactly invertible (``decode(encode(x)) == x`` up to float error), so a
run can start from the content image or from the paper's noise through ``encode``, and the loss is
the problem's own, evaluated on the decoded image.

``"pixels"`` (the paper, the default)
    ``z = x``.
``"pyramid"`` (as Neural Neighbor Style Transfer, Kolkin et al. 2022)
    A Laplacian pyramid: ``z`` holds the coarsest image (``PYRAMID_LEVELS`` halvings, at least
    ``PYRAMID_MIN_SIDE`` px) and one band of detail per level; ``x = up(... up(coarse) + band) +
    band_0``. A gradient step on a coarse coefficient moves a whole block of pixels, so the large
    structures settle early.
``"fourier"`` (Mordvintsev et al., "Differentiable Image Parameterizations", Distill 2018)
    ``z`` holds the real and imaginary parts of the 2-D spectrum of three decorrelated colour
    channels, scaled by ``(0.5 / max(f, 1 / long side)) ** FOURIER_DECAY`` (``f``: frequency in
    cycles per pixel); ``x`` = inverse orthonormal FFT, then the square root of ImageNet's colour
    correlation maps the channels to RGB grey levels around 127.5. Low frequencies and luminance
    get large steps, fine detail and colour noise small ones: a better-conditioned problem.

**Pixel bounds, honestly.** The coefficients have no natural box, so the bounds are kept on the
*decoded* pixels: the same out-of-range penalty as the pixel optimiser's default
(``RANGE_PENALTY_WEIGHT * f0 * mean((excess / 255)^2)`` with ``f0`` the starting loss, see
:func:`~styletransfer.optimize.range_penalty`) is added to the loss and its gradient is pulled
back through the decoder, for L-BFGS and Adam alike; the penalty shows in the history as the term
``"range"`` and counts in ``total``. The returned image is the decoded best image, clipped to
0-255 (the penalty keeps what clipping changes small).
"""

from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from .. import constants as C
from ..checks import check_parameterization  # noqa: F401 - the one owner; re-exported

__all__ = ["check_parameterization", "Pixels", "Pyramid", "Fourier", "PARAMETERIZATION_CLASSES",
           "make_parameterization", "Parameterized", "parameterize"]

_MEAN_RGB = np.asarray(C.IMAGENET_MEAN_BGR[::-1], dtype=np.float32)



class Pixels:
    """``z = x``: the paper."""

    name = "pixels"

    def __init__(self, shape) -> None:
        self.shape = tuple(shape)
        self.size = int(np.prod(self.shape))

    def encode(self, x: tf.Tensor) -> tf.Tensor:
        return tf.reshape(x, (-1,))

    def decode(self, z: tf.Tensor) -> tf.Tensor:
        return tf.reshape(z, self.shape)


def _resize(image: tf.Tensor, size) -> tf.Tensor:
    return tf.image.resize(image, size, method="bilinear", antialias=True)


class Pyramid(Pixels):
    """Laplacian pyramid coefficients: the coarsest image and one detail band per level."""

    name = "pyramid"

    def __init__(self, shape, *, levels: int = C.PYRAMID_LEVELS, min_side: int = C.PYRAMID_MIN_SIDE) -> None:
        super().__init__(shape)
        sizes = [tuple(self.shape[1:3])]
        while len(sizes) <= levels and min(sizes[-1]) // 2 >= min_side:
            sizes.append((math.ceil(sizes[-1][0] / 2), math.ceil(sizes[-1][1] / 2)))
        self.sizes = sizes  # full resolution first; the last one is the coarse image
        self.counts = [h * w * self.shape[-1] for h, w in sizes]
        self.size = sum(self.counts)

    def encode(self, x):
        gaussian = [tf.convert_to_tensor(x)]
        for size in self.sizes[1:]:
            gaussian.append(_resize(gaussian[-1], size))
        bands = [g - _resize(smaller, size) for g, smaller, size in zip(gaussian, gaussian[1:], self.sizes)]
        return tf.concat([tf.reshape(b, (-1,)) for b in bands + [gaussian[-1]]], axis=0)

    def decode(self, z):
        parts = tf.split(z, self.counts)
        channels = self.shape[-1]
        image = tf.reshape(parts[-1], (1, *self.sizes[-1], channels))
        for part, size in zip(reversed(parts[:-1]), reversed(self.sizes[:-1])):
            image = _resize(image, size) + tf.reshape(part, (1, *size, channels))
        return image


class Fourier(Pixels):
    """Scaled spectrum of decorrelated colour channels (Mordvintsev et al. 2018)."""

    name = "fourier"

    def __init__(self, shape, *, decay: float = C.FOURIER_DECAY) -> None:
        super().__init__(shape)
        height, width = self.shape[1:3]
        freqs = np.hypot(np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :])
        self.scale = tf.constant((0.5 / np.maximum(freqs, 1.0 / max(height, width))) ** decay, tf.complex64)
        self.spectrum_shape = (3, height, width // 2 + 1)
        self.size = 2 * int(np.prod(self.spectrum_shape))
        colour = np.asarray(C.COLOR_CORRELATION_SVD_SQRT, np.float32)
        colour /= np.max(np.linalg.norm(colour, axis=0))
        self.colour = tf.constant(colour.T)  # rgb = y @ colour.T, column norms <= 1
        self.colour_inverse = tf.constant(np.linalg.inv(colour.T))
        self.norm = math.sqrt(height * width)

    @staticmethod
    def _preprocessed(rgb):
        return tf.reverse(rgb, axis=[-1]) - _MEAN_RGB[::-1].copy()

    def encode(self, x):
        rgb = tf.reverse(tf.convert_to_tensor(x), axis=[-1]) + _MEAN_RGB - 127.5
        y = tf.transpose((rgb @ self.colour_inverse)[0], (2, 0, 1))
        spectrum = tf.signal.rfft2d(y) / self.norm / self.scale
        return tf.concat([tf.reshape(tf.math.real(spectrum), (-1,)), tf.reshape(tf.math.imag(spectrum), (-1,))], 0)

    def decode(self, z):
        real, imag = tf.split(z, 2)
        spectrum = tf.complex(tf.reshape(real, self.spectrum_shape), tf.reshape(imag, self.spectrum_shape))
        y = tf.signal.irfft2d(spectrum * self.scale, fft_length=self.shape[1:3]) * self.norm
        rgb = tf.transpose(y, (1, 2, 0))[None] @ self.colour + 127.5
        return self._preprocessed(rgb)


#: The registry: ``parameterization`` name -> class.
PARAMETERIZATION_CLASSES: dict[str, type[Pixels]] = {cls.name: cls for cls in (Pixels, Pyramid, Fourier)}


def make_parameterization(name: str, shape) -> Pixels:
    """The parameterisation called ``name`` for preprocessed batches of ``shape`` ``(1, H, W, 3)``."""
    return PARAMETERIZATION_CLASSES[check_parameterization(name)](shape)


class Parameterized:
    """A problem seen through a parameterisation: what :func:`~styletransfer.optimize.optimize` optimises.

    Has the problem interface (``loss_and_grad``, ``bounds``, ``init_image``, ``shape``; any
    other attribute is the problem's) in coefficient space, plus ``decode`` and ``pixel_bounds``.
    """

    def __init__(self, problem, name: str) -> None:
        self.problem, self.basis = problem, make_parameterization(name, problem.shape)
        self.name, self.shape = name, (self.basis.size,)
        self.pixel_bounds = problem.bounds()
        self.penalty_weight: float | None = None
        spec = [tf.TensorSpec(self.shape, tf.float32)]
        self._decode = tf.function(self.basis.decode, input_signature=spec)
        self._encode = tf.function(self.basis.encode, input_signature=[tf.TensorSpec(problem.shape, tf.float32)])
        self._pullback = tf.function(self._vjp, input_signature=spec + [tf.TensorSpec(problem.shape, tf.float32)])

    def __getattr__(self, name):
        if name == "problem":  # not set yet (during unpickling, for example)
            raise AttributeError(name)
        return getattr(self.problem, name)

    def _vjp(self, z, upstream):
        with tf.GradientTape() as tape:
            tape.watch(z)
            x = self.basis.decode(z)
        return tape.gradient(x, z, output_gradients=upstream)

    def decode(self, z) -> np.ndarray:
        """The preprocessed image batch of coefficients ``z``."""
        return self._decode(tf.convert_to_tensor(np.reshape(z, self.shape), tf.float32)).numpy()

    def encode(self, x) -> np.ndarray:
        """The coefficients of a preprocessed image batch ``x``."""
        return self._encode(tf.convert_to_tensor(x, tf.float32)).numpy()

    def init_image(self, init="noise", *, seed: int | None = None) -> np.ndarray:
        """The coefficients of the problem's starting image (content, noise, style or an image)."""
        return self.encode(self.problem.init_image(init, seed=seed))

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """No bounds on the coefficients: the range penalty acts on the decoded pixels."""
        return np.full(self.shape, -np.inf, np.float32), np.full(self.shape, np.inf, np.float32)

    def loss_and_grad(self, z):
        from ..optimize import range_penalty

        x = self.decode(z)
        total, terms, grad = self.problem.loss_and_grad(x)
        total = float(total)
        if self.penalty_weight is None:
            self.penalty_weight = C.RANGE_PENALTY_WEIGHT * max(abs(total), 1e-12) / 255.0**2
        penalty, penalty_grad = range_penalty(x, *self.pixel_bounds, self.penalty_weight)
        upstream = np.asarray(grad, np.float32) + penalty_grad.astype(np.float32)
        grad_z = self._pullback(tf.convert_to_tensor(np.reshape(z, self.shape), tf.float32), upstream)
        return total + penalty, {**terms, "range": penalty}, grad_z.numpy()


def parameterize(problem):
    """``problem`` itself for ``parameterization="pixels"`` (or none), else a :class:`Parameterized` view."""
    name = getattr(problem, "parameterization", C.DEFAULT_PARAMETERIZATION)
    if isinstance(problem, Parameterized) or check_parameterization(name) == "pixels":
        return problem
    return Parameterized(problem, name)
