"""Which device runs the network: CPU or GPU, memory growth, and what ``styletransfer info`` reports.

TensorFlow places every operation on the first GPU when it sees one. :func:`use_device` narrows
that before TensorFlow has touched a device: ``"cpu"`` hides the GPUs, ``"gpu"`` insists on one
(one-line error without), ``"auto"`` (default) takes a GPU when there is one. :func:`prepare_gpus`
turns on memory growth, so that a notebook takes the GPU memory it needs instead of the whole card
(TensorFlow's default); :class:`~styletransfer.transfer.StyleTransfer` calls it before building
anything. Install the GPU build with ``pip install "styletransfer[gpu]"`` (``tensorflow[and-cuda]``,
Linux with an NVIDIA driver).
"""

from __future__ import annotations

import functools

from . import constants as C
from .checks import check_device
from .errors import ParameterError

__all__ = ["DEVICES", "check_device", "cpu_flags", "gpu_capabilities", "prepare_gpus", "use_device", "device_report"]

DEVICES: tuple[str, ...] = C.DEVICES


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags from ``/proc/cpuinfo`` (empty where there is none, e.g. macOS)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith(("flags", "features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def _gpus() -> list:
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


def gpu_capabilities() -> list[tuple[int, int]]:
    """Compute capability ``(major, minor)`` of each visible GPU (``[]`` without one)."""
    import tensorflow as tf

    found = []
    for gpu in _gpus():
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability:
            found.append(tuple(capability))
    return found


def prepare_gpus() -> list[str]:
    """Turn on memory growth on every visible GPU (where TensorFlow still allows it); returns their names."""
    import tensorflow as tf

    names = []
    for gpu in _gpus():
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # TensorFlow already initialised the GPU: its setting stays
            pass
        names.append(gpu.name)
    return names


def use_device(device: str = C.DEFAULT_DEVICE) -> str:
    """Make TensorFlow run on ``device`` (``"cpu"``, ``"gpu"`` or ``"auto"``); returns ``"cpu"`` or ``"gpu"``.

    Call it before anything runs on a device: TensorFlow fixes the visible devices then.
    """
    import tensorflow as tf

    device = check_device(device)
    gpus = _gpus()
    if device == "cpu" and gpus:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            raise ParameterError("device cpu: TensorFlow has already started on the GPU in this process; "
                                 "choose the device before running anything (or set CUDA_VISIBLE_DEVICES=)") from None
        return "cpu"
    if device == "gpu" and not gpus:
        raise ParameterError('device gpu: TensorFlow sees no GPU here; install the GPU build '
                             '(pip install "styletransfer[gpu]") and an NVIDIA driver, or use --device cpu')
    prepare_gpus()
    return "gpu" if gpus and device != "cpu" else "cpu"


def device_report() -> dict:
    """What ``styletransfer info`` shows: devices, GPU details, memory growth, fast reduced types."""
    import tensorflow as tf

    from .precision import hardware_types

    gpus = []
    for gpu in _gpus():
        details = tf.config.experimental.get_device_details(gpu)
        try:
            growth = tf.config.experimental.get_memory_growth(gpu)
        except (RuntimeError, ValueError):
            growth = None
        gpus.append({"name": gpu.name, "model": details.get("device_name"),
                     "compute_capability": list(details.get("compute_capability") or []),
                     "memory_growth": growth})
    flags = cpu_flags()
    return {
        "devices": [f"{d.device_type}: {d.name}" for d in tf.config.list_physical_devices()],
        "gpus": gpus,
        "cpu_reduced_flags": sorted(f for f in flags if f in {"avx512_bf16", "amx_bf16", "avx512_fp16", "amx_fp16"}),
        "fast_reduced_types": list(hardware_types()),
    }
