"""Built-in samples: shipped copies offline, fetched photos from a verified cache."""

from __future__ import annotations

import hashlib
import io
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from styletransfer import cache, samples
from styletransfer.constants import CACHE_ENV_VAR, FETCH_COMMAND, OFFLINE_ENV_VAR
from styletransfer.errors import ImageError, ParameterError
from styletransfer.samples import SAMPLES, cache_dir, fetch_sample, list_samples, load_sample, sample_path

SHIPPED = [name for name, s in SAMPLES.items() if s.shipped]
FETCHED = [name for name, s in SAMPLES.items() if not s.shipped]
DATA = Path(samples.__file__).parent / "data" / "samples"


def test_lists():
    assert set(list_samples()) == set(SAMPLES)
    assert set(list_samples("content")) | set(list_samples("style")) == set(SAMPLES)
    assert not set(list_samples("content")) & set(list_samples("style"))
    assert {"starry_night", "great_wave", "the_scream", "composition_vii", "shipwreck"} <= set(
        list_samples("style")
    )
    assert {"astronaut", "chelsea", "coffee", "rocket", "tuebingen"} <= set(list_samples("content"))
    assert set(FETCHED) == {"tuebingen", "green_sea_turtle", "mount_rainier"}
    with pytest.raises(ParameterError):
        list_samples("portrait")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_samples_load_offline(name):
    path = sample_path(name)
    assert path.is_file() and path.parent == DATA
    image = load_sample(name)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert 64 <= max(image.shape[:2]) <= 512
    assert max(load_sample(name, size=48).shape[:2]) == 48


def test_sources_attribute_every_shipped_file():
    text = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in text.splitlines() if line.startswith("| `")}
    for name in SHIPPED:
        sample = SAMPLES[name]
        assert sample.filename in rows, f"{sample.filename} has no row in SOURCES.md"
        row = rows[sample.filename]
        assert sample.credit in row and sample.licence.split(" (")[0].lower() in row.lower()
    shipped_files = {p.name for p in DATA.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
    assert shipped_files == set(rows), "every shipped image, and only those, is in SOURCES.md"
    for name in FETCHED:  # credited although not shipped
        assert SAMPLES[name].credit.replace("Photo: ", "") in text or SAMPLES[name].credit.split()[0] in text


@pytest.mark.parametrize("name", FETCHED)
def test_fetched_samples_come_from_the_verified_cache(name, shared_images):
    path = sample_path(name)
    assert path.parent == cache_dir() and path.is_file()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SAMPLES[name].sha256
    assert load_sample(name, size=64).shape[2] == 3


@pytest.fixture
def private_cache(tmp_path, monkeypatch, shared_images) -> Path:
    """An empty cache folder of our own, so tests may corrupt it."""
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _original(name: str, shared_images: Path) -> bytes:
    return (shared_images / SAMPLES[name].filename).read_bytes()


def test_corrupt_cache_file_is_detected_offline(private_cache, shared_images):
    private_cache.mkdir()
    good = _original("tuebingen", shared_images)
    target = private_cache / SAMPLES["tuebingen"].filename
    target.write_bytes(good[:-100] + b"\0" * 100)
    with pytest.raises(ImageError) as exc:
        load_sample("tuebingen")
    text = str(exc.value)
    assert "\n" not in text and "corrupt" in text and f"`{FETCH_COMMAND}`" in text and OFFLINE_ENV_VAR in text
    target.write_bytes(good)  # repaired: loads again
    assert load_sample("tuebingen", size=32).shape[2] == 3


def test_missing_cache_file_offline(private_cache):
    with pytest.raises(ImageError) as exc:
        fetch_sample("mount_rainier")
    text = str(exc.value)
    assert "\n" not in text and "not in the cache" in text and FETCH_COMMAND in text
    assert not private_cache.exists() or not any(private_cache.iterdir())


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_path(private_cache, shared_images, monkeypatch):
    monkeypatch.setenv(OFFLINE_ENV_VAR, "0")  # "0" means downloads are allowed
    good = _original("green_sea_turtle", shared_images)
    asked = []

    def fake_urlopen(url, timeout=None):
        asked.append(url)
        return _Response(good)

    monkeypatch.setattr(cache.urllib.request, "urlopen", fake_urlopen)
    path = fetch_sample("green_sea_turtle")
    assert asked == [SAMPLES["green_sea_turtle"].url]
    assert asked[0].startswith("https://") and len(asked[0].split("/")[5]) == 40  # pinned commit
    assert path == private_cache / SAMPLES["green_sea_turtle"].filename
    assert path.read_bytes() == good
    assert fetch_sample("green_sea_turtle") == path and len(asked) == 1  # cached: no second download
    fetch_sample("green_sea_turtle", force=True)
    assert len(asked) == 2
    assert [p.name for p in private_cache.iterdir()] == [path.name]  # no temporary files left


def test_download_sha256_mismatch_and_network_failure(private_cache, shared_images, monkeypatch):
    monkeypatch.delenv(OFFLINE_ENV_VAR)
    good = _original("tuebingen", shared_images)
    monkeypatch.setattr(cache.urllib.request, "urlopen", lambda url, timeout=None: _Response(good[::-1]))
    with pytest.raises(ImageError) as exc:
        fetch_sample("tuebingen")
    assert "sha256" in str(exc.value) and "\n" not in str(exc.value)
    assert not (private_cache / SAMPLES["tuebingen"].filename).exists()

    def offline(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(cache.urllib.request, "urlopen", offline)
    with pytest.raises(ImageError) as exc:
        fetch_sample("tuebingen")
    assert "no route to host" in str(exc.value) and FETCH_COMMAND in str(exc.value)


def test_corrupt_cache_file_is_replaced_online(private_cache, shared_images, monkeypatch):
    monkeypatch.delenv(OFFLINE_ENV_VAR)
    good = _original("mount_rainier", shared_images)
    private_cache.mkdir()
    target = private_cache / SAMPLES["mount_rainier"].filename
    target.write_bytes(b"garbage")
    monkeypatch.setattr(cache.urllib.request, "urlopen", lambda url, timeout=None: _Response(good))
    assert fetch_sample("mount_rainier") == target and target.read_bytes() == good


def test_unknown_sample():
    with pytest.raises(ImageError) as exc:
        load_sample("mona_lisa")
    assert "chelsea" in str(exc.value)


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV_VAR)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    assert cache_dir() == tmp_path / "k" / "styletransfer"
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"


def test_shipped_files_are_not_the_fetched_ones():
    fetched = {SAMPLES[n].filename for n in FETCHED}
    assert not fetched & {p.name for p in DATA.iterdir()}, "attribution-licensed photos must not ship"
