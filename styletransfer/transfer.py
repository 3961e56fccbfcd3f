"""The style-transfer problem: targets from a content and a style image, and one compiled loss.

:class:`StyleTransfer` holds what stays fixed during a run (the network, the content features,
the style Gram matrices) and exposes ``loss_and_grad``, which the optimisers in
:mod:`styletransfer.optimize` call. The weights alpha, beta and TV are ``tf.Variable``s, so the
sliders can change them without recompiling anything.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import tensorflow as tf

from . import constants as C
from .checks import (  # noqa: F401 - check_problem_options and normalized_layer_weights re-exported
    check_problem_options,
    choice,
    display_name,
    finite_number,
    normalized_layer_weights,
    seed_number,
    whole_number,
)
from .devices import prepare_gpus
from .errors import ImageError, ParameterError
from .estimate import check_fits
from .extensions.style_losses import make_style_loss
from .features import FeatureExtractor
from .images import ImageLike, pixel_bounds, preprocess, resize_image
from .losses import content_loss, total_variation_loss
from .precision import resolve_precision
from .samples import as_image, resolve_source
from .strength import resolve_strength

__all__ = ["StyleTransfer", "check_weight", "check_problem_options", "init_image", "INIT_CHOICES"]

#: Named starting images for :meth:`StyleTransfer.run` (anything else is loaded as an image).
INIT_CHOICES: tuple[str, ...] = C.INIT_CHOICES


def check_weight(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise a one-line error if it is NaN, infinite or negative."""
    return finite_number(name, value)


def init_image(init, content: np.ndarray, style: np.ndarray, *, seed: int = C.DEFAULT_SEED) -> np.ndarray:
    """Starting image, as a preprocessed batch, for ``init`` in {"noise", "content", "style"} or an image.

    ``"noise"`` (the paper) is seeded white noise around mid-grey; ``"style"`` is the style
    image resized to the content's shape; anything else (a path, URL, sample name, PIL image or
    array) is loaded as an image and resized.
    """
    height, width = content.shape[:2]
    if isinstance(init, str) and init not in INIT_CHOICES:
        try:
            init = resolve_source(init)
        except ImageError:
            raise ParameterError(
                f"unknown init {init!r}; use 'content', 'noise', 'style', an image file, a sample name or an array"
            ) from None
    if isinstance(init, str) and init == "noise":
        rng = np.random.default_rng(seed)
        noise = np.clip(rng.normal(127.5, 50.0, size=(height, width, 3)), 0, 255)
        return preprocess(noise.astype(np.float32))
    if isinstance(init, str) and init == "content":
        return preprocess(content)
    source = style if isinstance(init, str) and init == "style" else init
    return preprocess(resize_image(as_image(source), (height, width)))


class StyleTransfer:
    """Neural style transfer between one content and one style image (Gatys et al., 2015).

    Parameters
    ----------
    content, style : ImageLike
        Path, URL, PIL image, array or sample name (see :func:`~styletransfer.samples.resolve_source`).
    size : int
        Long side of the output (and of the content image) in pixels.
    style_size : int, optional
        Long side of the style image; default ``size``.
    content_layers, style_layers : sequence of str
        Keras or paper names. Defaults: conv4_2; conv1_1, conv2_1, conv3_1, conv4_1, conv5_1.
    style_layer_weights : sequence of float, optional
        One weight per style layer, normalised to sum to one (default: equal).
    content_weight, style_weight, tv_weight : float
        alpha, beta and the total-variation weight (defaults 1, 10 and 0.01).
    strength : float, optional
        Style strength from 0 (the photo) to 1 (the painting) instead of alpha and beta, on the
        size-independent scale of :func:`styletransfer.strength.strength_weights` (0.5 is the
        default alpha and beta).
    weights : str, os.PathLike or WeightsSpec
        ``"auto"`` (default: ImageNet, else random with a warning), ``"imagenet"``, ``"random"``
        or a file path.
    pooling : {"avg", "max"}
        The paper uses average pooling.
    normalize_features : bool
        Divide each layer's activations by their mean on the content image, as the paper
        normalises its network, so the same alpha/beta suits ImageNet and random weights.
    seed : int
        Seed of random weights (and of the sliced loss's directions), ``0 .. 2**63 - 1``.
    style_loss : {"gram", "meancov", "sliced", "histogram"}
        What "same style" means (:mod:`styletransfer.extensions.style_losses`): the paper's Gram matrices
        (default), mean and covariance (Gaussian Wasserstein-2), sliced Wasserstein, or
        per-channel histograms.
    parameterization : {"pixels", "pyramid", "fourier"}
        What the optimiser changes (:mod:`styletransfer.extensions.parameterization`): the pixels (the
        paper, default), a Laplacian pyramid, or a decorrelated, scaled Fourier basis.
    trust_weights : bool
        Use a weights file whose MD5 is not Keras's; the result is labelled "user-supplied VGG19
        weights (checksum unknown)" (see :func:`~styletransfer.weights.resolve_weights`).
    precision : {"float32", "bfloat16", "float16", "auto"}
        Type the VGG19 network computes in; the losses, Gram matrices and pixels stay float32
        (:mod:`styletransfer.precision` says which operation runs in which type). ``"auto"``
        takes a reduced type only where the hardware has it and a short timed check finds it
        faster. ``self.precision`` says what runs and why.
    """

    def __init__(
        self,
        content: ImageLike,
        style: ImageLike,
        *,
        size: int | None = C.DEFAULT_SIZE,
        style_size: int | None = None,
        content_layers: Sequence[str] = C.DEFAULT_CONTENT_LAYERS,
        style_layers: Sequence[str] = C.DEFAULT_STYLE_LAYERS,
        style_layer_weights: Sequence[float] | None = None,
        content_weight: float | None = None,
        style_weight: float | None = None,
        tv_weight: float = C.DEFAULT_TV_WEIGHT,
        strength: float | None = None,
        weights=C.DEFAULT_WEIGHTS,
        pooling: str = C.DEFAULT_POOLING,
        normalize_features: bool = True,
        seed: int = C.DEFAULT_SEED,
        style_loss: str = C.DEFAULT_STYLE_LOSS,
        parameterization: str = C.DEFAULT_PARAMETERIZATION,
        trust_weights: bool = False,
        precision: str = C.DEFAULT_PRECISION,
    ) -> None:
        content_weight, style_weight = resolve_strength(strength, content_weight, style_weight)
        options = check_problem_options(
            size=size, style_size=style_size, content_layers=content_layers, style_layers=style_layers,
            style_layer_weights=style_layer_weights, content_weight=content_weight, style_weight=style_weight,
            tv_weight=tv_weight, pooling=pooling, style_loss=style_loss, parameterization=parameterization,
            seed=seed, precision=precision,
        )
        check_fits(content, style, size=size, style_size=style_size, content_layers=content_layers,
                   style_layers=style_layers)  # refuse the memory wall before loading anything large
        self.content_image = as_image(content, size=size)
        self.style_image = as_image(style, size=style_size or size)
        self.content_layers, self.style_layers = options["content_layers"], options["style_layers"]
        self.style_layer_weights = options["style_layer_weights"]
        self.seed = seed
        self.style_measure = make_style_loss(style_loss, seed=seed)
        self.style_loss, self.parameterization = style_loss, parameterization
        prepare_gpus()  # memory growth, before anything touches a GPU
        self.precision = resolve_precision(precision)
        self.extractor = FeatureExtractor(
            self.content_layers + self.style_layers, weights=weights, pooling=pooling, seed=seed,
            trust_weights=trust_weights, dtype=self.precision.resolved,
        )
        self.pooling = pooling
        self.normalize_features = normalize_features
        self._alpha = tf.Variable(0.0, dtype=tf.float32, trainable=False)
        self._beta = tf.Variable(0.0, dtype=tf.float32, trainable=False)
        self._tv = tf.Variable(0.0, dtype=tf.float32, trainable=False)
        scale = C.FLOAT16_LOSS_SCALE if self.precision.resolved == "float16" else 1.0
        self._loss_scale = tf.Variable(scale, dtype=tf.float32, trainable=False)
        self.set_weights(content_weight=content_weight, style_weight=style_weight, tv_weight=tv_weight)

        content_feats = self.extractor(preprocess(self.content_image))
        if normalize_features:
            self.scales = {k: float(tf.reduce_mean(v)) + 1e-8 for k, v in content_feats.items()}
        else:
            self.scales = {k: 1.0 for k in content_feats}
        positions = {k: int(np.prod(v.shape[1:3])) for k, v in content_feats.items()}
        style_feats = self._scaled(self.extractor(preprocess(self.style_image)))
        content_feats = self._scaled(content_feats)
        # Variables, not constants, so that set_content can change them under the compiled loss.
        self.content_targets = {k: tf.Variable(content_feats[k], trainable=False) for k in self.content_layers}
        self.style_targets = {k: self.style_measure.target(style_feats[k], positions[k]) for k in self.style_layers}
        self.shape = (1, *self.content_image.shape[:2], 3)
        # A partial of this instance, not the bound method: TensorFlow counts traces per code object,
        # so with the method (or a closure) every rebuilt problem (the sliders rebuild on a size or
        # layer change) added to one count, and the fifth rebuild printed a "retracing" warning.
        self._compiled = tf.function(
            functools.partial(type(self)._loss_and_grad, self),
            input_signature=[tf.TensorSpec(self.shape, tf.float32)], reduce_retracing=True
        )

    # -- weights -----------------------------------------------------------------------------
    @property
    def spec(self):
        """The resolved :class:`~styletransfer.weights.WeightsSpec` (``.kind``, ``.label``)."""
        return self.extractor.spec

    @property
    def content_weight(self) -> float:
        return float(self._alpha.numpy())

    @property
    def style_weight(self) -> float:
        return float(self._beta.numpy())

    @property
    def tv_weight(self) -> float:
        return float(self._tv.numpy())

    def set_weights(
        self, *, content_weight: float | None = None, style_weight: float | None = None, tv_weight: float | None = None,
        strength: float | None = None,
    ) -> None:
        """Change alpha, beta and/or the TV weight (or alpha and beta through ``strength``) at once."""
        if strength is not None:
            content_weight, style_weight = resolve_strength(strength, content_weight, style_weight)
        for name, value, var in (
            ("content_weight", content_weight, self._alpha),
            ("style_weight", style_weight, self._beta),
            ("tv_weight", tv_weight, self._tv),
        ):
            if value is not None:
                var.assign(finite_number(name, value))

    def set_content(self, content: ImageLike) -> None:
        """Replace the content image by another of the same shape, without recompiling the loss.

        For the frames of a video (:mod:`styletransfer.video.run`): the content targets are
        variables, so the compiled loss stays valid. The feature normalisation keeps the scales
        measured on the first content image, one normalisation for the whole clip.
        """
        image = as_image(content)
        if image.shape != self.content_image.shape:
            raise ParameterError(f"new content image is {image.shape[1]}x{image.shape[0]}, the problem's is "
                                 f"{self.content_image.shape[1]}x{self.content_image.shape[0]}; give one of that size")
        feats = self._scaled(self.extractor(preprocess(image)))
        for k in self.content_layers:
            self.content_targets[k].assign(feats[k])
        self.content_image = image

    # -- loss --------------------------------------------------------------------------------
    def _scaled(self, feats):
        return {k: v / self.scales[k] for k, v in feats.items()}

    def terms(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        """Unweighted loss terms ``{"content", "style", "tv"}`` for a preprocessed batch ``x``."""
        feats = self.extractor(x)  # normalised below without touching the large feature maps twice
        content = tf.add_n([
            content_loss(feats[k] / self.scales[k], self.content_targets[k]) for k in self.content_layers
        ])
        content = content / len(self.content_layers)
        style = tf.add_n([w * self.style_measure.layer(feats[k], self.scales[k], self.style_targets[k])
                          for k, w in self.style_layer_weights.items()])
        return {"content": content, "style": style, "tv": total_variation_loss(x)}

    def _loss_and_grad(self, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            terms = self.terms(x)
            total = self._alpha * terms["content"] + self._beta * terms["style"] + self._tv * terms["tv"]
            scaled = total * self._loss_scale if self.precision.resolved == "float16" else total
        grad = tape.gradient(scaled, x)
        # float16's loss scaling (see styletransfer.precision); nothing at all in the other types
        return total, terms, grad / self._loss_scale if scaled is not total else grad

    def loss_and_grad(self, x) -> tuple[tf.Tensor, dict[str, tf.Tensor], tf.Tensor]:
        """Total loss, its unweighted terms and its gradient, in one compiled call.

        In float16, a gradient that overflowed under the loss scale is computed again with half
        the scale (at most a few times in a run; the scale then stays lower).
        """
        x = tf.convert_to_tensor(x, tf.float32)
        out = self._compiled(x)
        while (self.precision.resolved == "float16" and self._loss_scale.numpy() > 1.0
               and np.isfinite(float(out[0])) and not np.isfinite(out[2].numpy()).all()):
            self._loss_scale.assign(self._loss_scale / 2.0)
            out = self._compiled(x)
        return out

    def renew_projections(self) -> bool:
        """Draw new random parts of the style loss (the sliced loss's directions; Adam calls it)."""
        return self.style_measure.renew()

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel bounds in preprocessed space that keep RGB values in [0, 255]."""
        return pixel_bounds(self.shape)

    def init_image(self, init=C.DEFAULT_INIT, *, seed: int | None = None) -> np.ndarray:
        """See :func:`init_image`."""
        return init_image(init, self.content_image, self.style_image, seed=self.seed if seed is None else seed)

    def run(self, **kwargs):
        """Optimise; keyword arguments as :func:`styletransfer.optimize.optimize`."""
        from .optimize import optimize

        return optimize(self, **kwargs)
