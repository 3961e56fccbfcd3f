"""What one visitor of the web app brings in and takes away: uploads in, downloads out.

Nothing here takes a server path from the browser. Every file the app writes for a visitor
(an uploaded image while it is checked, the PNG and record of a download) lies in **one folder
per visitor**, ``<temp>/styletransfer-app/<random id>/``, removed when the page's kernel ends.
Uploads go through the library's image loader, so they meet the command line's checks (format,
damaged files, too small, too large); downloads go back to the browser as ``data:`` links, so
two visitors never see or overwrite each other's files.
"""

from __future__ import annotations

import atexit
import base64
import html
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np

from ..constants import APP_FOLDER, APP_MAX_UPLOAD_BYTES
from ..errors import ImageError, StyleTransferError
from ..images import load_image

__all__ = ["VisitorFolder", "image_from_upload", "download_links"]


class VisitorFolder:
    """A fresh folder for one visitor, removed by :meth:`remove` or when the process exits."""

    def __init__(self, root: str | Path | None = None) -> None:
        base = Path(root) if root is not None else Path(tempfile.gettempdir()) / APP_FOLDER
        base.mkdir(parents=True, exist_ok=True)
        self.id = uuid.uuid4().hex[:12]
        self.path = Path(tempfile.mkdtemp(prefix=f"{self.id}-", dir=base))
        atexit.register(self.remove)

    def file(self, name: str) -> Path:
        """A path inside the folder; ``name`` is reduced to safe characters (no separators)."""
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).lstrip(".") or "file"
        return self.path / safe

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def image_from_upload(upload: dict, folder: VisitorFolder, *, size: int | None = None) -> np.ndarray:
    """Check and load one ``FileUpload`` entry (``{"name", "content", ...}``) as an RGB array.

    Raises
    ------
    ImageError
        One line naming the file and the fix: too large a file, not an image, damaged, too few
        or too many pixels. The message names the uploaded file, never the server folder.
    """
    name = str(upload.get("name") or "upload")
    data = bytes(upload.get("content") or b"")
    if not data:
        raise ImageError(f"{name}: the file is empty; choose a PNG or JPEG photo")
    if len(data) > APP_MAX_UPLOAD_BYTES:
        raise ImageError(f"{name}: file too large ({len(data) / 1e6:.0f} MB, limit "
                         f"{APP_MAX_UPLOAD_BYTES / 1e6:.0f} MB); choose a smaller photo")
    path = folder.file(f"upload-{uuid.uuid4().hex[:8]}-{name}")
    path.write_bytes(data)
    try:
        return load_image(path, size=size)
    except StyleTransferError as exc:
        message = " ".join(str(exc).replace(str(path), name).split())
        raise ImageError(message) from None
    finally:
        path.unlink(missing_ok=True)


def _link(data: bytes, mime: str, filename: str, text: str, css: str) -> str:
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<a class="{css}" download="{html.escape(filename)}" href="{href}" '
            f'style="margin-right:1em">{html.escape(text)}</a>')


def download_links(png: bytes, record: bytes, stem: str, note: str = "") -> str:
    """HTML with two download links (the picture and its JSON record) that the browser saves."""
    return ("<div class='st-downloads'>"
            + _link(png, "image/png", f"{stem}.png", "Download picture (PNG)", "st-download-png")
            + _link(record, "application/json", f"{stem}.json", "Download its record (JSON)", "st-download-json")
            + (f"<span style='color:#555'>{html.escape(note)}</span>" if note else "")
            + "</div>")
