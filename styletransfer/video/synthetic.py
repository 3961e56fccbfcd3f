"""Test footage without a camera: clips cut from a shipped photo by a known camera motion.

A *pan* slides a window across the photo by a whole number of pixels per frame, so frame ``t``
is exactly frame ``t - 1`` shifted, and the true flow is known and constant. A *zoom* scales
about the centre by a fixed factor per frame (bilinear resampling, so frames are a little softer),
with a known flow that grows with the distance from the centre. Tests and the benchmark measure
the estimated flow and the stylised clip against these truths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..images import resize_image
from ..samples import as_image
from . import require

__all__ = ["SyntheticClip", "pan_clip", "zoom_clip"]


@dataclass
class SyntheticClip:
    """Frames and the true backward flow of each frame after the first.

    ``backward[t - 1]`` is the flow from frame ``t`` to frame ``t - 1`` (the convention of
    :func:`~styletransfer.video.flow.optical_flow`), ``valid[t - 1]`` where it stays inside frame ``t - 1``.
    """

    frames: list[np.ndarray]
    backward: list[np.ndarray]
    valid: list[np.ndarray]
    fps: float = 24.0


def _inside(flow: np.ndarray) -> np.ndarray:
    height, width = flow.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width]
    x, y = xs + flow[..., 0], ys + flow[..., 1]
    return ((x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)).astype(np.float32)


def pan_clip(source="chelsea", *, frames: int = 4, size: tuple[int, int] = (48, 64), step: tuple[int, int] = (3, 0),
             fps: float = 24.0) -> SyntheticClip:
    """A pan across ``source`` (any image source), ``step = (dx, dy)`` whole pixels per frame.

    The camera moves right by ``dx`` (and down by ``dy``), so the picture moves left: frame
    ``t`` at ``(x, y)`` is frame ``t - 1`` at ``(x + dx, y + dy)``, and the true backward flow is
    ``(dx, dy)`` everywhere; the last ``dx`` columns (``dy`` rows) are new in every frame.
    ``size`` is ``(height, width)`` of the frames; the photo is resized so the whole pan fits.
    """
    height, width = size
    dx, dy = (int(s) for s in step)
    need_h, need_w = height + abs(dy) * (frames - 1), width + abs(dx) * (frames - 1)
    photo = as_image(source)
    scale = max(need_h / photo.shape[0], need_w / photo.shape[1])
    photo = resize_image(photo, (int(np.ceil(photo.shape[0] * scale)), int(np.ceil(photo.shape[1] * scale))))
    y0 = 0 if dy >= 0 else need_h - height
    x0 = 0 if dx >= 0 else need_w - width
    clip = [photo[y0 + t * dy:y0 + t * dy + height, x0 + t * dx:x0 + t * dx + width].copy() for t in range(frames)]
    flow = np.broadcast_to(np.array([dx, dy], np.float32), (height, width, 2)).copy()
    return SyntheticClip(clip, [flow.copy() for _ in range(frames - 1)], [_inside(flow) for _ in range(frames - 1)], fps)


def zoom_clip(source="chelsea", *, frames: int = 4, size: tuple[int, int] = (48, 64), factor: float = 1.05,
              fps: float = 24.0) -> SyntheticClip:
    """A zoom into the centre of ``source`` by ``factor`` per frame (``> 1`` zooms in).

    Frame ``t`` at ``p`` shows the photo at ``c + (p - c) / factor**t`` (``c`` the centre), so the
    true backward flow is ``(p - c) (1 / factor - 1)``.
    """
    cv2 = require("cv2")
    height, width = size
    photo = resize_image(as_image(source), size).astype(np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cy, cx = (height - 1) / 2, (width - 1) / 2
    clip = []
    for t in range(frames):
        s = float(factor) ** t
        out = cv2.remap(photo, cx + (xs - cx) / s, cy + (ys - cy) / s, interpolation=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REFLECT)
        clip.append(np.clip(np.rint(out), 0, 255).astype(np.uint8))
    flow = np.stack([(xs - cx) * (1 / factor - 1), (ys - cy) * (1 / factor - 1)], axis=-1).astype(np.float32)
    return SyntheticClip(clip, [flow.copy() for _ in range(frames - 1)], [_inside(flow) for _ in range(frames - 1)], fps)
