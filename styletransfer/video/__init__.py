"""Video without flicker: optical flow, the temporal loss of Ruder et al. (2016), clips in and out.

Frame-by-frame style transfer flickers, because each frame's optimisation finds its own local
optimum. Ruder, Dosovitskiy and Brox ("Artistic style transfer for videos", 2016) start every
frame from the previous stylised frame *warped* by the optical flow, and penalise deviations from
it where the flow is reliable (a forward-backward consistency check masks occlusions).

Modules, one idea each:

* :mod:`~styletransfer.video.io`: read frames from a video file or a folder, write mp4 or PNGs;
* :mod:`~styletransfer.video.flow`: OpenCV's DIS or Farneback flow, the consistency mask, ``warp``;
* :mod:`~styletransfer.video.temporal`: the temporal loss, added to the problem's loss;
* :mod:`~styletransfer.video.synthetic`: test clips with a known camera motion (so a known flow);
* :mod:`~styletransfer.video.run`: stylise a clip frame by frame, resumable per frame.

They need the ``video`` extra (imageio, imageio-ffmpeg, opencv-python-headless): without it the
first use raises one line naming ``pip install "styletransfer[video]"`` (:func:`require`).
"""

from __future__ import annotations

import importlib

from .. import constants as C
from ..errors import StyleTransferError

__all__ = ["MissingExtraError", "require"]

#: The import name of each package of the ``video`` extra, and its name on PyPI.
_PACKAGES = {"cv2": "opencv-python-headless", "imageio": "imageio", "imageio_ffmpeg": "imageio-ffmpeg"}


class MissingExtraError(StyleTransferError):
    """A package of the ``video`` extra is not installed."""


def require(name: str):
    """Import ``name`` (``"cv2"``, ``"imageio"``, ``"imageio_ffmpeg"``), or raise one line naming the fix."""
    try:
        return importlib.import_module(name)
    except ImportError:
        raise MissingExtraError(
            f"video needs {_PACKAGES.get(name, name)}, which is not installed; run `{C.VIDEO_INSTALL}`"
        ) from None
