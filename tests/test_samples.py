"""Built-in samples: shipped copies offline, fetched photos from a verified cache."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import pytest
from helpers import LocalOrigin, one_line

from styletransfer import samples
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
def test_fetched_samples_come_from_the_verified_cache(name, sample_originals):
    path = sample_path(name)
    assert path.parent == cache_dir() and path.is_file()
    assert path.read_bytes() == sample_originals[name]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SAMPLES[name].sha256
    assert load_sample(name, size=64).shape[2] == 3


def test_pinned_urls_and_hashes(pinned_samples):
    for name in FETCHED:
        pinned = pinned_samples[name]
        assert pinned.url.startswith("https://") and len(pinned.url.split("/")[5]) == 40  # a commit
        assert len(pinned.sha256) == 64 and int(pinned.sha256, 16) >= 0


@pytest.fixture
def private_cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of our own, so tests may corrupt it."""
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def origin(monkeypatch, sample_originals):
    """An HTTP server on 127.0.0.1 serving the fetched samples; the sample table points at it."""
    server = LocalOrigin({f"/{name}.jpg": data for name, data in sample_originals.items()})
    for name in FETCHED:
        monkeypatch.setitem(SAMPLES, name, dataclasses.replace(SAMPLES[name], url=server.url(f"/{name}.jpg")))
    monkeypatch.setenv(OFFLINE_ENV_VAR, "0")  # "0" means downloads are allowed
    yield server
    server.close()


def test_corrupt_cache_file_is_detected_offline(private_cache, sample_originals):
    private_cache.mkdir()
    good = sample_originals["tuebingen"]
    target = private_cache / SAMPLES["tuebingen"].filename
    target.write_bytes(good[:-100] + b"\0" * 100)
    with pytest.raises(ImageError) as exc:
        load_sample("tuebingen")
    text = one_line(exc)
    assert "corrupt" in text and f"`{FETCH_COMMAND}`" in text and OFFLINE_ENV_VAR in text
    target.write_bytes(good)  # repaired: loads again
    assert load_sample("tuebingen", size=32).shape[2] == 3


def test_missing_cache_file_offline(private_cache):
    with pytest.raises(ImageError) as exc:
        fetch_sample("mount_rainier")
    text = one_line(exc)
    assert "not in the cache" in text and FETCH_COMMAND in text
    assert not private_cache.exists() or not any(private_cache.iterdir())


def test_download_path(private_cache, origin, sample_originals):
    path = fetch_sample("green_sea_turtle")
    assert origin.requests == ["/green_sea_turtle.jpg"]
    assert path == private_cache / SAMPLES["green_sea_turtle"].filename
    assert path.read_bytes() == sample_originals["green_sea_turtle"]
    assert fetch_sample("green_sea_turtle") == path and len(origin.requests) == 1  # cached: no second download
    fetch_sample("green_sea_turtle", force=True)
    assert len(origin.requests) == 2
    assert [p.name for p in private_cache.iterdir()] == [path.name]  # no temporary files left
    assert load_sample("green_sea_turtle", size=40).shape[2] == 3


def test_download_sha256_mismatch_and_network_failure(private_cache, origin):
    origin.corrupt = True
    with pytest.raises(ImageError) as exc:
        fetch_sample("tuebingen")
    assert "sha256" in one_line(exc)
    assert not (private_cache / SAMPLES["tuebingen"].filename).exists()
    origin.corrupt = False
    origin.status = 404
    with pytest.raises(ImageError) as exc:
        fetch_sample("tuebingen")
    assert "404" in one_line(exc) and FETCH_COMMAND in str(exc.value)
    origin.close()  # nothing listens any more: connection refused
    with pytest.raises(ImageError) as exc:
        fetch_sample("tuebingen")
    assert "could not be downloaded" in one_line(exc) and FETCH_COMMAND in str(exc.value)
    assert not private_cache.exists() or not any(private_cache.iterdir())


def test_corrupt_cache_file_is_replaced_online(private_cache, origin, sample_originals):
    private_cache.mkdir()
    target = private_cache / SAMPLES["mount_rainier"].filename
    target.write_bytes(b"garbage")
    assert fetch_sample("mount_rainier") == target and target.read_bytes() == sample_originals["mount_rainier"]
    assert origin.requests == ["/mount_rainier.jpg"]


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
