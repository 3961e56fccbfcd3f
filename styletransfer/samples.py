"""Built-in sample images: shipped public-domain copies and fetched, checksummed photos.

Public-domain and CC0 images ship inside the package (``styletransfer/data/samples``). The
attribution-licensed photographs (Tübingen, the sea turtle, Mount Rainier) are downloaded once
from pinned URLs, checked against their sha256 and kept in the cache folder (``~/.keras/styletransfer``
by default, or ``$STYLETRANSFER_CACHE``).
"""

from __future__ import annotations

import http.client
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import cache_dir, downloads_off, fetch_bytes, sha256_bytes, sha256_file
from .checks import did_you_mean
from .constants import FETCH_COMMAND, OFFLINE_ENV_VAR
from .errors import ImageError, ParameterError
from .images import ImageLike, atomic_write_bytes, load_image

__all__ = ["Sample", "SAMPLES", "list_samples", "sample_path", "load_sample", "fetch_sample", "cache_dir",
           "sample_status", "resolve_source", "as_image"]


@dataclass(frozen=True)
class Sample:
    """One sample image: where it comes from and what it may be used for."""

    name: str
    kind: str  # "content" or "style"
    title: str
    credit: str
    licence: str
    filename: str
    url: str | None = None  # None: shipped in the package
    sha256: str | None = None

    @property
    def shipped(self) -> bool:
        return self.url is None


def _gh(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in [
        Sample("starry_night", "style", "The Starry Night (1889)", "Vincent van Gogh", "public domain", "starry_night.jpg"),
        Sample("great_wave", "style", "The Great Wave off Kanagawa (c. 1831)", "Katsushika Hokusai", "public domain", "great_wave_off_kanagawa.jpg"),
        Sample("the_scream", "style", "The Scream (1893)", "Edvard Munch", "public domain", "the_scream.jpg"),
        Sample("composition_vii", "style", "Composition VII (1913)", "Wassily Kandinsky", "public domain", "composition_vii.jpg"),
        Sample("shipwreck", "style", "The Shipwreck of the Minotaur (c. 1805)", "J. M. W. Turner", "public domain", "shipwreck_of_the_minotaur.jpg"),
        Sample("astronaut", "content", "Astronaut Eileen Collins", "NASA", "public domain", "astronaut.jpg"),
        Sample("chelsea", "content", "Chelsea the cat", "Stefan van der Walt", "CC0", "chelsea.jpg"),
        Sample("coffee", "content", "Coffee cup", "Rachel Michetti", "CC0", "coffee.jpg"),
        Sample("rocket", "content", "DSCOVR launch on Falcon 9", "SpaceX", "public domain", "rocket.jpg"),
        Sample(
            "tuebingen", "content", "Neckarfront in Tübingen", "Photo: Andreas Praefcke",
            "CC BY 3.0 (Wikimedia Commons)", "tuebingen_neckarfront.jpg",
            _gh("jcjohnson/neural-style", "07c4b8299f8fbdafec0c514fc820ff1d7ff62e46", "examples/inputs/tubingen.jpg"),
            "e67d1869f01fd805385c681a80d9ebcf0f70ea4a5fe6127f0606bb1c7f4bf506",
        ),
        Sample(
            "green_sea_turtle", "content", "Green Sea Turtle grazing seagrass", "P. Lindgren",
            "CC BY-SA 3.0 (Wikimedia Commons)", "green_sea_turtle.jpg",
            _gh("tensorflow/docs", "7c3650212740204359d4ceae481abc79345541be",
                "site/en/tutorials/generative/images/Green_Sea_Turtle_grazing_seagrass.jpg"),
            "cba1f124a6c3f6f5a144cbb62633d2365eeba8a7ed66124c9ab8793acf29ee27",
        ),
        Sample(
            "mount_rainier", "content", "Landscape in Mount Rainier National Park",
            "Dive into Deep Learning (d2l.ai) authors", "CC BY-SA 4.0", "mount_rainier.jpg",
            _gh("d2l-ai/d2l-en", "23d7a5aecceee57d1292c56e90cce307f183bb0a", "img/rainier.jpg"),
            "014381e94081625e5e5279fd81f50d01b75ebf10f1e85189d66e2fc93adbc768",
        ),
    ]
}


def list_samples(kind: str | None = None) -> list[str]:
    """Names of the built-in samples, optionally only ``"content"`` or ``"style"`` ones."""
    if kind not in (None, "content", "style"):
        raise ParameterError(f"unknown sample kind {kind!r}; use 'content', 'style' or None")
    return [name for name, s in SAMPLES.items() if kind is None or s.kind == kind]


def _get(name: str) -> Sample:
    try:
        return SAMPLES[name]
    except (KeyError, TypeError):
        raise ImageError(
            f"unknown sample {name!r}{did_you_mean(str(name), SAMPLES)}; choose one of: {', '.join(SAMPLES)}"
        ) from None


def sample_status(name: str) -> str:
    """``"shipped"``, ``"cached"`` (verified), ``"not cached"`` or ``"corrupt"`` (sha256 mismatch); no download."""
    sample = _get(name)
    if sample.shipped:
        return "shipped"
    target = cache_dir() / sample.filename
    if not target.is_file():
        return "not cached"
    return "cached" if sha256_file(target) == sample.sha256 else "corrupt"


def fetch_sample(name: str, *, force: bool = False) -> Path:
    """Download a fetched sample into the cache (if needed) and return its verified path.

    Raises
    ------
    ImageError
        When offline, or when the download does not match the pinned sha256.
    """
    sample = _get(name)
    if sample.shipped:
        return sample_path(name)
    target = cache_dir() / sample.filename
    status = sample_status(name)
    if status == "cached" and not force:
        return target
    problem = "is corrupt in the cache (sha256 mismatch)" if status == "corrupt" else "is not in the cache"
    if downloads_off():
        raise ImageError(
            f"sample {name!r} {problem} ({target}) and downloads are off ({OFFLINE_ENV_VAR} "
            f"is set); run `{FETCH_COMMAND}` while online or use a built-in sample such as 'chelsea'"
        )
    try:
        data = fetch_bytes(sample.url)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise ImageError(
            f"sample {name!r} {problem} ({target}) and could not be downloaded ({exc}); "
            f"run `{FETCH_COMMAND}` while online or use a built-in sample such as 'chelsea'"
        ) from None
    digest = sha256_bytes(data)
    if digest != sample.sha256:
        raise ImageError(
            f"download of sample {name!r} has sha256 {digest[:12]}..., expected "
            f"{sample.sha256[:12]}...; try `{FETCH_COMMAND}` again later"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(target, data)


def sample_path(name: str) -> Path:
    """Path of a sample's file (fetching it first if it is not shipped)."""
    sample = _get(name)
    if not sample.shipped:
        return fetch_sample(name)
    return Path(__file__).parent / "data" / "samples" / sample.filename


def load_sample(name: str, *, size: int | None = None, **options) -> np.ndarray:
    """Load a sample image by name as an RGB ``uint8`` array.

    Parameters
    ----------
    name : str
        One of :func:`list_samples`.
    size : int, optional
        Long side in pixels.
    **options
        More options of :func:`~styletransfer.images.load_image` (``max_upscale``...).
    """
    return load_image(sample_path(name), size=size, **options)


def resolve_source(source: ImageLike) -> ImageLike:
    """What a source names: a sample name becomes its file's path, anything else is returned as it is.

    An existing file or an ``http(s)://`` URL wins over a sample of the same name. A text that is
    neither raises one line that says what would be accepted and suggests the closest sample name
    (``chelsae``: did you mean 'chelsea'?).

    Raises
    ------
    ImageError
        ``source`` is text but no file, URL or sample name.
    """
    if not isinstance(source, (str, os.PathLike)):
        return source
    text = os.fspath(source)
    if text.startswith(("http://", "https://")) or Path(text).expanduser().exists():
        return source
    if isinstance(source, str) and text in SAMPLES:
        return sample_path(text)
    raise ImageError(
        f"image file not found: {text}{did_you_mean(text, SAMPLES)}; give a path, a URL or a sample name "
        f"({', '.join(list(SAMPLES)[:3])}, ...: list_samples() or `styletransfer samples` lists them)"
    )


def as_image(source: ImageLike, *, size: int | None = None, **options) -> np.ndarray:
    """Load a path, URL, sample name, PIL image or array as an RGB ``uint8`` array.

    The one image-source resolver of the library: every public entry point that takes an image
    (:class:`~styletransfer.transfer.StyleTransfer`, :func:`~styletransfer.api.stylize`, the
    extensions, the sliders and the command line) goes through it.

    Parameters
    ----------
    source : str, os.PathLike, PIL.Image.Image or numpy.ndarray
        See :func:`resolve_source` and :func:`~styletransfer.images.load_image`.
    size : int, optional
        Long side in pixels.
    **options
        More options of :func:`~styletransfer.images.load_image` (``max_upscale``...).
    """
    return load_image(resolve_source(source), size=size, **options)
