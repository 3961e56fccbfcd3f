"""Reduced precision: the VGG19 network in bfloat16 or float16, everything that accumulates in float32.

``precision=`` of :class:`~styletransfer.transfer.StyleTransfer` (and of ``stylize``, the presets,
the sliders' ``Steerer`` and ``styletransfer run --precision``) is one of:

``"float32"`` (default)
    Everything in float32, as before.
``"bfloat16"``
    The network in bfloat16: float32's exponent range with an 8-bit mantissa (about 2-3
    significant digits). Fast on CPUs with AVX512_BF16 or AMX and on GPUs of compute capability 8.0+.
``"float16"``
    The network in float16 (10-bit mantissa, but a range of only 6e-8 .. 65504), with loss
    scaling. Fast on GPUs with tensor cores (compute capability 7.0+); slow on most CPUs.
``"auto"``
    A reduced type only where the hardware supports it (:func:`hardware_types`) **and** a short
    timed check (:func:`speedup`: a few forward + gradient passes of the network at
    ``PRECISION_CHECK_SIZE`` px, once per process and type) shows it at least
    ``PRECISION_MIN_SPEEDUP`` times faster than float32; otherwise float32.

Which operation runs in which type, and why
-------------------------------------------
=====================================================  ==========  =====================================
operation                                              type        why
=====================================================  ==========  =====================================
the optimiser's pixels (scipy: float64), Adam's m, v   float32+    they accumulate thousands of tiny
                                                                   steps; bfloat16 could not even hold a
                                                                   grey level step near 255 exactly
the image fed to the network, its gradient             float32     the first convolution casts it
16 convolutions + bias + ReLU, 4 poolings (forward     reduced     >99% of the multiply-adds
and backward)                                                      (see ``benchmarks/bench_core.py``)
convolution kernels and biases (stored)                float32     Keras's mixed policy: stored in
                                                                   float32, cast per call
features of the chosen layers, on leaving the network  float32     cast once (:meth:`FeatureExtractor.__call__`)
normalisation by the layer means, content difference   float32     a difference of nearly equal numbers:
                                                                   bfloat16 would round it away
Gram matrices (``F^T F / M``: sums over up to 262144   float32     a sum of M products; in bfloat16 each
positions), style differences ``G - A``                            partial sum would keep 8 bits
total variation, the weighted loss sum                 float32     small terms added to larger ones
=====================================================  ==========  =====================================

The backward pass follows the forward: the gradient arrives at the cast of each feature map in
float32, runs through the network in the reduced type and is cast back to float32 at the image.
float16 multiplies the loss by ``FLOAT16_LOSS_SCALE`` before the gradient and divides the
gradient by it afterwards, so that the small per-element gradients of the mean losses (about
``1e-6`` at 256 px) do not underflow float16; when the gradient overflows, the scale is halved and
the evaluation repeated (:meth:`StyleTransfer.loss_and_grad`). bfloat16 has float32's range and
needs no scaling.

With L-BFGS, bfloat16's noisy loss and gradient can make scipy's line search give up early (seen
once at 64 px: stopped after 21 of 40 evaluations at 6.6x float32's loss, while float16 ended
within 0.6%; ``benchmarks/RESULTS.md``). The optimiser then starts L-BFGS afresh from the best
image so far, with an empty memory, up to ``LBFGS_RESTARTS`` times a run
(:func:`styletransfer.optimize.optimize`).

The global Keras dtype policy is never changed: each network is built with its own per-layer
policy (``keras.DTypePolicy("mixed_bfloat16")``), cached per type next to the float32 one.
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass

from . import constants as C
from .checks import check_precision
from .devices import cpu_flags, gpu_capabilities

__all__ = ["PRECISIONS", "REDUCED_TYPES", "Precision", "check_precision", "hardware_types", "speedup",
           "resolve_precision", "dtype_policy"]

PRECISIONS: tuple[str, ...] = C.PRECISIONS
REDUCED_TYPES: tuple[str, ...] = ("bfloat16", "float16")
#: CPU flags (``/proc/cpuinfo``) that make each reduced type fast in oneDNN's convolutions.
_CPU_FLAGS = {"bfloat16": ("avx512_bf16", "amx_bf16"), "float16": ("avx512_fp16", "amx_fp16")}
#: Smallest GPU compute capability with fast tensor-core math in each type (Volta, Ampere).
_GPU_CAPABILITY = {"float16": (7, 0), "bfloat16": (8, 0)}


@dataclass(frozen=True)
class Precision:
    """What was asked (``requested``), what runs (``resolved``: the network's type) and why."""

    requested: str
    resolved: str
    reason: str

    @property
    def reduced(self) -> bool:
        return self.resolved != "float32"

    def as_dict(self) -> dict[str, str]:
        """For the run record: ``{"requested", "resolved", "reason", "accumulation": "float32"}``."""
        return {**asdict(self), "accumulation": "float32"}


def hardware_types(*, gpu: bool | None = None) -> tuple[str, ...]:
    """Reduced types this machine runs fast, best first: on the GPU when there is one, else the CPU.

    GPU: float16 from compute capability 7.0 (tensor cores), bfloat16 from 8.0. CPU: bfloat16 with
    the ``avx512_bf16`` or ``amx_bf16`` flag, float16 with ``avx512_fp16`` or ``amx_fp16``.
    """
    capabilities = gpu_capabilities() if gpu is None or gpu else []
    if capabilities:
        lowest = min(capabilities)
        return tuple(t for t in ("float16", "bfloat16") if lowest >= _GPU_CAPABILITY[t])
    flags = cpu_flags()
    return tuple(t for t in ("bfloat16", "float16") if flags & set(_CPU_FLAGS[t]))


def dtype_policy(precision: str):
    """The Keras dtype policy of a network in ``precision`` (``"float32"`` or a reduced type)."""
    import keras

    return keras.DTypePolicy("float32" if precision == "float32" else f"mixed_{precision}")


@functools.cache
def speedup(precision: str, *, size: int = C.PRECISION_CHECK_SIZE, passes: int = C.PRECISION_CHECK_PASSES) -> float:
    """float32 time / ``precision`` time of a VGG19 forward + gradient at ``size`` px (cached per process).

    Random weights up to block4_conv2 (timing does not depend on the values); each type is
    compiled and run once untimed, then ``passes`` timed passes of each, interleaved; the best of each.
    """
    import tensorflow as tf

    from .features import build_vgg19

    x = tf.random.uniform((1, size, size, 3), -100.0, 100.0, seed=C.DEFAULT_SEED)
    steps = {}
    for dtype in ("float32", precision):
        model = build_vgg19(last_layer="block4_conv2", dtype=dtype)

        @tf.function
        def step(image, model=model):
            with tf.GradientTape() as tape:
                tape.watch(image)
                total = tf.reduce_sum(tf.cast(model(image, training=False), tf.float32))
            return tape.gradient(total, image)

        step(x).numpy()
        steps[dtype] = step
    best = {dtype: float("inf") for dtype in steps}
    for _ in range(passes):
        for dtype, step in steps.items():
            began = time.perf_counter()
            step(x).numpy()
            best[dtype] = min(best[dtype], time.perf_counter() - began)
    return best["float32"] / best[precision]


def resolve_precision(requested: str = C.DEFAULT_PRECISION) -> Precision:
    """The :class:`Precision` that runs for ``requested`` on this machine (``"auto"`` may time it)."""
    requested = check_precision(requested)
    if requested != "auto":
        return Precision(requested, requested, "requested")
    supported = hardware_types()
    if not supported:
        return Precision("auto", "float32", "no fast reduced type on this hardware")
    for candidate in supported:
        ratio = speedup(candidate)
        if ratio >= C.PRECISION_MIN_SPEEDUP:
            return Precision("auto", candidate, f"{candidate} measured {ratio:.2f}x faster than float32")
    return Precision("auto", "float32", f"{', '.join(supported)} not faster here (measured {ratio:.2f}x)")
