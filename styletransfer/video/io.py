"""Clips in and out: frames from a video file or a folder of frames; mp4 (or another container) or PNGs.

Video files go through imageio with imageio-ffmpeg, which ships its own ffmpeg, so nothing needs
to be installed system-wide. A folder of frames is read in name order (``frame_2`` before
``frame_10``) at :data:`~styletransfer.constants.VIDEO_DEFAULT_FPS` unless told otherwise, and
written as ``frame_00000.png``, ``frame_00001.png``, ... The frame rate of a file is kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import constants as C
from ..errors import ImageError, OutputError
from ..images import save_image
from ..samples import as_image
from . import require

__all__ = ["Clip", "is_video_file", "frame_files", "read_frames", "write_video", "write_frames"]


@dataclass
class Clip:
    """Frames (RGB ``uint8`` arrays of one shape) and their frame rate."""

    frames: list[np.ndarray]
    fps: float = C.VIDEO_DEFAULT_FPS
    source: str = ""
    #: How many frames the source has (when known); ``len(frames)`` can be fewer with ``max_frames``.
    total: int | None = field(default=None)

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)`` of the frames."""
        return tuple(self.frames[0].shape[:2])


def is_video_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a video file by its suffix (anything else is a folder of frames)."""
    return Path(path).suffix.lower() in C.VIDEO_SUFFIXES


def _natural_key(path: Path):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def frame_files(folder: str | os.PathLike) -> list[Path]:
    """The image files in ``folder`` (not hidden), in natural name order."""
    folder = Path(folder).expanduser()
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in C.VIDEO_FRAME_SUFFIXES
                   and not p.name.startswith(".") and p.is_file()), key=_natural_key)


def _ffmpeg_reason(exc: Exception) -> str:
    """ffmpeg's reason in a few words: its banner and log (after ``=== stderr ===``) left out."""
    text = str(exc)
    if "Invalid data found" in text or "moov atom not found" in text:
        return "ffmpeg finds no video in it"
    return " ".join(text.split("===")[0].split())[:120] or type(exc).__name__


def _video_frames(path: Path, max_frames: int | None):
    imageio = require("imageio")
    require("imageio_ffmpeg")
    try:
        reader = imageio.v2.get_reader(path, format="FFMPEG")
    except Exception as exc:  # noqa: BLE001 - ffmpeg's reasons vary; one line names the file
        raise ImageError(f"cannot read video {path} ({_ffmpeg_reason(exc)}); give an .mp4, .mov, "
                         ".mkv, .avi, .webm or .gif file, or a folder of frames") from None
    with reader:
        meta = reader.get_meta_data()
        fps = float(meta.get("fps") or C.VIDEO_DEFAULT_FPS)
        frames = []
        try:
            for frame in reader:
                frames.append(np.asarray(frame)[..., :3])
                if max_frames is not None and len(frames) >= max_frames:
                    break
        except (RuntimeError, OSError, IndexError) as exc:
            if not frames:
                raise ImageError(f"cannot read video {path} ({_ffmpeg_reason(exc)}); "
                                 "is it a video file?") from None
    nframes = meta.get("nframes")
    total = int(nframes) if isinstance(nframes, (int, float)) and np.isfinite(nframes) else None
    return frames, fps, total


def read_frames(
    source: str | os.PathLike, *, size: int | None = None, max_frames: int | None = None, fps: float | None = None,
) -> Clip:
    """Read a clip: a video file (by suffix, :data:`~styletransfer.constants.VIDEO_SUFFIXES`) or a folder of frames.

    Parameters
    ----------
    source : str or os.PathLike
        The video file or the folder.
    size : int, optional
        Long side of the frames in pixels (resized as every image of the library is).
    max_frames : int, optional
        Read at most this many frames (from the start).
    fps : float, optional
        Frame rate of a folder of frames (default :data:`~styletransfer.constants.VIDEO_DEFAULT_FPS`);
        a video file keeps its own unless this is given.

    Raises
    ------
    ImageError
        One line: not found, not a video, an empty folder, frames of different shapes.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise ImageError(f"video not found: {path}; give a video file ({', '.join(C.VIDEO_SUFFIXES)}) "
                         "or a folder of frames")
    if path.is_dir():
        files = frame_files(path)
        if not files:
            raise ImageError(f"folder {path} has no frames ({', '.join(C.VIDEO_FRAME_SUFFIXES)} files); "
                             "give a folder of frames or a video file")
        total = len(files)
        frames = [as_image(f, size=size) for f in files[:max_frames]]
        rate, size = C.VIDEO_DEFAULT_FPS, None  # resized as they were read
    elif is_video_file(path):
        frames, rate, total = _video_frames(path, max_frames)
        if not frames:
            raise ImageError(f"video {path} has no frames; give another video")
    else:
        raise ImageError(f"{path} is not a video file ({', '.join(C.VIDEO_SUFFIXES)}) or a folder of frames; "
                         "give one of those")
    shapes = {f.shape[:2] for f in frames}
    if len(shapes) > 1:
        raise ImageError(f"the frames of {path} have different sizes ({', '.join(f'{w}x{h}' for h, w in sorted(shapes))}); "
                         "give frames of one size")
    if size is not None:
        frames = [as_image(f, size=size) for f in frames]
    return Clip(frames, float(fps) if fps is not None else rate, os.fspath(path), total)


def _even(frame: np.ndarray) -> np.ndarray:
    """``frame`` with its last row/column repeated where a side is odd (H.264 in yuv420p needs even sides)."""
    height, width = frame.shape[:2]
    return np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def write_video(path: str | os.PathLike, frames, *, fps: float, container: str | None = None) -> Path:
    """Write RGB frames as an H.264 video (``.mp4``, ``.mov``, ``.mkv``) with imageio-ffmpeg.

    ``container`` is ffmpeg's format name (default from ``path``'s suffix), so a temporary file
    name can end in anything. An odd side gets its last row or column repeated (yuv420p needs
    even sides). Not atomic by itself: the command line writes to a temporary file and renames it.
    """
    imageio = require("imageio")
    require("imageio_ffmpeg")
    target = Path(path).expanduser()
    muxer = container or {".mov": "mov", ".mkv": "matroska"}.get(target.suffix.lower(), "mp4")
    try:
        writer = imageio.v2.get_writer(target, format="FFMPEG", mode="I", fps=float(fps), codec="libx264",
                                       quality=None, macro_block_size=1, pixelformat="yuv420p",
                                       output_params=["-crf", "18", "-f", muxer], ffmpeg_log_level="error")
        with writer:
            for frame in frames:
                writer.append_data(_even(np.asarray(frame, dtype=np.uint8)))
    except (RuntimeError, OSError, ValueError) as exc:
        raise OutputError(f"cannot write video {target} ({' '.join(str(exc).split())[:160]}); "
                          "choose a writable .mp4, .mov or .mkv path") from None
    return target


def write_frames(folder: str | os.PathLike, frames, *, start: int = 0) -> list[Path]:
    """Write frames as ``frame_00000.png``, ... into ``folder`` (which must exist), each atomically."""
    folder = Path(folder).expanduser()
    return [save_image(frame, folder / C.VIDEO_FRAME_PATTERN.format(start + i)) for i, frame in enumerate(frames)]
