"""Test setup: offline, seeded random VGG19, sample cache seeded from ../shared/images."""

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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")


def _seed_cache() -> None:
    from styletransfer.samples import SAMPLES, cache_dir

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES.values():
        if not sample.shipped and (SHARED_IMAGES / sample.filename).exists():
            shutil.copyfile(SHARED_IMAGES / sample.filename, folder / sample.filename)


_seed_cache()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_images() -> Path:
    """The folder of original sample images beside the repository."""
    if not SHARED_IMAGES.is_dir():
        pytest.skip(f"{SHARED_IMAGES} not found")
    return SHARED_IMAGES


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def small_problem():
    """A 64 px chelsea/starry-night problem with seeded random weights (shared, do not mutate)."""
    from styletransfer import StyleTransfer, load_sample

    return StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=64, weights="random")
