"""This machine's speed, measured once: the rate behind the time estimates of :mod:`styletransfer.estimate`.

:func:`calibrate` times a few float32 loss-and-gradient evaluations at two sizes (random weights,
a few seconds) and fits ``seconds = overhead + flops / flops_per_second``; the result is cached
next to the samples, keyed by the CPU, its usable cores and the TensorFlow version, so it is
measured again on another machine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from . import constants as C

__all__ = ["calibrate", "machine_rate"]


def _calibration_file() -> Path:
    from .cache import cache_dir

    return cache_dir() / "estimate-calibration.json"


def _machine_key() -> str:
    from .record import library_versions, machine_description

    machine = machine_description()
    return f"{machine['cpu']}|{machine['usable_cores']}|tf {library_versions().get('tensorflow')}"


def machine_rate() -> tuple[tuple[float, float], bool]:
    """``(overhead seconds, flops per second)`` and whether they were measured on this machine."""
    try:
        data = json.loads(_calibration_file().read_text())
        if data.get("machine") == _machine_key():
            return (float(data["overhead"]), float(data["flops_per_second"])), True
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return (C.ESTIMATE_DEFAULT_OVERHEAD, C.ESTIMATE_DEFAULT_FLOPS), False


def calibrate(*, sizes: tuple[int, int] = C.ESTIMATE_CALIBRATION_SIZES, evaluations: int = 3,
              force: bool = False) -> dict:
    """Measure this machine's speed once (a few seconds, random weights); cached next to the samples.

    Times ``evaluations`` loss-and-gradient evaluations (after one to compile) at two sizes and
    fits ``seconds = overhead + flops / flops_per_second``. Returns the cached or new values.
    """
    path = _calibration_file()
    if not force:
        (overhead, rate), calibrated = machine_rate()
        if calibrated:
            return {"overhead": overhead, "flops_per_second": rate, "machine": _machine_key()}
    from .estimate import flops
    from .transfer import StyleTransfer

    rng = np.random.default_rng(0)
    points = []
    for side in sizes:
        image = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
        problem = StyleTransfer(image, image, size=side, weights="random")
        x = problem.init_image("content")
        problem.loss_and_grad(x)
        began = time.perf_counter()
        for _ in range(evaluations):
            problem.loss_and_grad(x)[0].numpy()
        points.append((C.ESTIMATE_PASSES * flops(side, side, "block5_conv1"),
                       (time.perf_counter() - began) / evaluations))
    (f1, t1), (f2, t2) = points
    rate = (f2 - f1) / max(t2 - t1, 1e-6) if t2 > t1 else f2 / t2
    overhead = max(t1 - f1 / rate, 0.0)
    data = {"machine": _machine_key(), "overhead": overhead, "flops_per_second": rate,
            "measured": time.strftime("%Y-%m-%dT%H:%M:%S"), "points": points}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        from .images import atomic_write_bytes

        atomic_write_bytes(path, json.dumps(data, indent=2).encode())
    except Exception:  # noqa: BLE001 - a read-only cache only costs a recalibration next time
        pass
    return data
