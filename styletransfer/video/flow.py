"""Optical flow between frames, where it can be trusted, and warping by it.

Convention: ``flow = optical_flow(a, b)`` is an ``(H, W, 2)`` array of ``(dx, dy)`` such that
``a[y, x] ~ b[y + dy, x + dx]`` (OpenCV's). So the *backward* flow of frame ``t``,
``optical_flow(frame_t, frame_t-1)``, says where each pixel of frame ``t`` was in frame ``t - 1``,
and ``warp(stylised_t-1, backward)`` brings the previous stylised frame onto frame ``t``
(backward mapping: every output pixel reads one bilinear sample, so there are no holes).

:func:`consistency_mask` is the forward-backward check of Ruder et al. (2016): a pixel is trusted
when following the backward flow and then the forward flow brings it back where it started, it is
not on a motion boundary, and its source lies inside the previous frame (a pan's new border does
not: it is *disoccluded*).
"""

from __future__ import annotations

import numpy as np

from .. import constants as C
from ..checks import check_video_options
from . import require

__all__ = ["optical_flow", "warp", "consistency_mask"]


def _grey(image: np.ndarray):
    cv2 = require("cv2")
    image = np.asarray(image, dtype=np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def optical_flow(first: np.ndarray, second: np.ndarray, *, method: str = C.DEFAULT_VIDEO_FLOW) -> np.ndarray:
    """Dense optical flow from ``first`` to ``second`` (RGB or grey ``uint8`` of one shape), ``(H, W, 2)`` float32.

    ``method`` ``"dis"``: OpenCV's dense inverse search (Kroeger et al. 2016, preset "medium");
    ``"farneback"``: Farneback's polynomial expansion (OpenCV's defaults of its examples).
    """
    cv2 = require("cv2")
    check_video_options(flow=method)
    a, b = _grey(first), _grey(second)
    if a.shape != b.shape:
        raise ValueError(f"frames of different shapes {a.shape} and {b.shape}")
    if method == "dis":
        flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(a, b, None)
    else:
        flow = cv2.calcOpticalFlowFarneback(a, b, None, pyr_scale=0.5, levels=3, winsize=15, iterations=3,
                                            poly_n=5, poly_sigma=1.2, flags=0)
    return np.asarray(flow, dtype=np.float32)


def _source_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    height, width = flow.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """``image`` sampled at ``p + flow(p)`` for every pixel ``p`` (bilinear; edges repeated outside).

    Exact for whole-pixel flows. Works for ``uint8`` images (the result is ``uint8``) and for
    float arrays (such as a flow itself).
    """
    cv2 = require("cv2")
    map_x, map_y = _source_grid(np.asarray(flow, dtype=np.float32))
    source = np.asarray(image)
    work = source.astype(np.float32)
    out = cv2.remap(work, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if out.ndim < source.ndim:  # OpenCV drops a trailing axis of length 1
        out = out[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8) if source.dtype == np.uint8 else out


def consistency_mask(
    forward: np.ndarray, backward: np.ndarray, *, consistency: tuple[float, float] = C.VIDEO_CONSISTENCY,
    motion_boundary: tuple[float, float] = C.VIDEO_MOTION_BOUNDARY,
) -> np.ndarray:
    """Where the backward flow of a frame can be trusted: an ``(H, W)`` float32 array of 0 and 1.

    Parameters
    ----------
    forward : numpy.ndarray
        Flow from the previous frame to this one, ``optical_flow(previous, current)``.
    backward : numpy.ndarray
        Flow from this frame to the previous one, ``optical_flow(current, previous)``.
    consistency, motion_boundary : (float, float)
        ``(A, B)`` and ``(C, D)`` of Ruder et al. (2016), eq. 5 and 6: a pixel is 0 when
        ``|w~ + w^|^2 > A (|w~|^2 + |w^|^2) + B`` (``w^`` the backward flow, ``w~`` the forward flow
        read where ``w^`` points: the two do not cancel, an occlusion) or when
        ``|grad w^|^2 > C |w^|^2 + D`` (a motion boundary). Pixels whose source lies outside the
        previous frame are 0 too.
    """
    backward = np.asarray(backward, dtype=np.float32)
    height, width = backward.shape[:2]
    ahead = warp(np.asarray(forward, dtype=np.float32), backward)  # w~: forward flow seen from this frame
    a, b = consistency
    round_trip = np.sum((ahead + backward) ** 2, axis=-1)
    valid = round_trip <= a * (np.sum(ahead**2, axis=-1) + np.sum(backward**2, axis=-1)) + b
    c, d = motion_boundary
    du_y, du_x = np.gradient(backward[..., 0])
    dv_y, dv_x = np.gradient(backward[..., 1])
    valid &= du_x**2 + du_y**2 + dv_x**2 + dv_y**2 <= c * np.sum(backward**2, axis=-1) + d
    xs, ys = _source_grid(backward)
    valid &= (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)
    return valid.astype(np.float32)
