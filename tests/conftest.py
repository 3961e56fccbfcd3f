"""Test setup: offline, seeded random VGG19, a seeded sample cache; nothing outside the repository needed.

The three fetched (attribution-licensed) photos are not in the repository. Where the project's build
machines keep the originals beside it (``../shared/images``, or ``$STYLETRANSFER_SHARED_IMAGES``),
the cache is seeded with them and their pinned sha256 is checked too. On any other machine (a
newcomer's fresh clone) each is replaced by a small generated stand-in image, and the sample table's
sha256 for it is set to the stand-in's for this test session, so the cache and fetch paths are tested
the same way without the network and without ``../shared``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_IMAGES = Path(os.environ.get("STYLETRANSFER_SHARED_IMAGES", ROOT.parent / "shared" / "images"))

# Set before anything imports the library: no downloads, an empty Keras cache, a seeded sample cache.
_TMP = Path(os.environ.get("PYTEST_STYLETRANSFER_TMP", "/tmp")) / f"styletransfer-tests-{os.getpid()}"
os.environ["STYLETRANSFER_OFFLINE"] = "1"
os.environ["KERAS_HOME"] = str(_TMP / "keras")
os.environ["STYLETRANSFER_CACHE"] = str(_TMP / "cache")
os.environ.pop("STYLETRANSFER_VGG19_WEIGHTS", None)
# TF_CPP_MIN_LOG_LEVEL is not set here: the library keeps TensorFlow quiet itself, and the tests of
# commands and notebooks check that it does (tests/test_quiet.py, tests/test_notebooks.py).
os.environ.setdefault("MPLBACKEND", "Agg")


def _stand_in(name: str) -> bytes:
    """A small generated JPEG (smooth colours + seeded noise) standing in for a fetched photo."""
    import io
    import zlib

    from PIL import Image

    rng = np.random.default_rng(zlib.crc32(name.encode()))
    y, x = np.mgrid[0:80, 0:120]
    base = np.stack([x * 2, y * 3, (x + y) % 256], axis=-1) + rng.integers(0, 40, size=(80, 120, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _seed_cache() -> dict[str, bytes]:
    """Copy (or generate) each fetched sample into the test cache; returns the bytes by sample name."""
    import dataclasses
    import hashlib

    from styletransfer.samples import SAMPLES, cache_dir

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    originals = {}
    for name, sample in list(SAMPLES.items()):
        if sample.shipped:
            continue
        shared = SHARED_IMAGES / sample.filename
        data = shared.read_bytes() if shared.is_file() else _stand_in(name)
        if not shared.is_file():  # a stand-in: its own sha256, for this session only
            SAMPLES[name] = dataclasses.replace(sample, sha256=hashlib.sha256(data).hexdigest())
        (folder / sample.filename).write_bytes(data)
        originals[name] = data
    return originals


#: The pinned table as the package ships it, before any stand-in replaced a sha256.
from styletransfer.samples import SAMPLES as _SAMPLES  # noqa: E402

PINNED_SAMPLES = dict(_SAMPLES)
ORIGINALS = _seed_cache()
HAVE_SHARED = all((SHARED_IMAGES / s.filename).is_file() for s in PINNED_SAMPLES.values() if not s.shipped)
# Tests of the real originals (their pinned sha256) exist only where the originals are.
collect_ignore = [] if HAVE_SHARED else ["test_shared_originals.py"]


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a Chromium for Playwright (the system's, else Playwright's own); skips in one line if none."""
    from helpers import find_chromium

    path, why = find_chromium()
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def pinned_samples() -> dict:
    """The sample table as the package ships it (pinned URLs and sha256), before any stand-in."""
    return PINNED_SAMPLES


@pytest.fixture(scope="session")
def sample_originals() -> dict[str, bytes]:
    """The bytes of each fetched sample as its origin serves them (the original or its stand-in)."""
    return ORIGINALS


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def small_problem():
    """A 64 px chelsea/starry-night problem with seeded random weights (shared, do not mutate)."""
    from styletransfer import StyleTransfer, load_sample

    return StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=64, weights="random")
