"""Loading, converting, resizing, checking, (de)processing and saving images."""

from __future__ import annotations

import functools
import http.server
import io
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers import one_line, png_header_only
from PIL import Image

from styletransfer import files, images
from styletransfer.constants import IMAGENET_MEAN_BGR, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE
from styletransfer.errors import ImageError
from styletransfer.images import (
    atomic_write_bytes,
    deprocess,
    load_image,
    pixel_bounds,
    preprocess,
    resize_long_side,
    save_image,
    to_rgb,
)


@pytest.fixture
def rgb(rng) -> np.ndarray:
    return rng.integers(0, 256, size=(24, 40, 3), dtype=np.uint8)


# -- sources -----------------------------------------------------------------------------------


def test_load_from_path_str_and_pathlike(tmp_path, rgb):
    path = tmp_path / "a.png"
    Image.fromarray(rgb).save(path)
    for source in (path, str(path)):
        out = load_image(source)
        assert out.dtype == np.uint8 and out.shape == rgb.shape
        np.testing.assert_array_equal(out, rgb)


def test_load_from_url(tmp_path, rgb, monkeypatch):
    monkeypatch.delenv("STYLETRANSFER_OFFLINE")  # a local server: allowed only while downloads are on
    Image.fromarray(rgb).save(tmp_path / "pic.png")
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        np.testing.assert_array_equal(load_image(f"{base}/pic.png"), rgb)
        with pytest.raises(ImageError) as exc:
            load_image(f"{base}/missing.png")
        assert "missing.png" in one_line(exc)
    finally:
        server.shutdown()
        server.server_close()


def test_load_from_pil_and_arrays(rgb):
    np.testing.assert_array_equal(load_image(Image.fromarray(rgb)), rgb)
    np.testing.assert_array_equal(load_image(rgb), rgb)
    np.testing.assert_array_equal(load_image(rgb[None]), rgb)  # a batch of one
    assert load_image(rgb) is not rgb  # a copy, never the caller's array
    floats = rgb.astype(np.float64) / 255.0
    np.testing.assert_array_equal(load_image(floats), rgb)
    np.testing.assert_array_equal(load_image(rgb.astype(np.uint16) * 257), rgb)
    grey = rgb[..., 0]
    for arr in (grey, grey[..., None]):
        np.testing.assert_array_equal(load_image(arr), np.repeat(grey[..., None], 3, axis=-1))


@pytest.mark.parametrize(
    "bad",
    [np.zeros((20, 20, 2), np.uint8), np.zeros((5, 20, 20, 3), np.uint8), np.full((20, 20, 3), np.nan)],
)
def test_bad_arrays(bad):
    with pytest.raises(ImageError) as exc:
        load_image(bad)
    one_line(exc)


def test_bad_sources(tmp_path):
    (tmp_path / "notes.png").write_text("this is not an image\n")
    for source in (tmp_path / "nothing.png", tmp_path, tmp_path / "notes.png", 42):
        with pytest.raises(ImageError) as exc:
            load_image(source)
        one_line(exc)


# -- EXIF orientation ----------------------------------------------------------------------------


def _quadrants() -> np.ndarray:
    img = np.zeros((32, 48, 3), np.uint8)
    img[:16, :24] = (255, 0, 0)
    img[:16, 24:] = (0, 255, 0)
    img[16:, :24] = (0, 0, 255)
    img[16:, 24:] = (255, 255, 0)
    return img


@pytest.mark.parametrize("orientation, turns", [(1, 0), (3, 2), (6, -1), (8, 1)])
def test_exif_orientation_applied(tmp_path, orientation, turns):
    stored = _quadrants()
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    Image.fromarray(stored).save(path, exif=exif, quality=100, subsampling=0)
    out = load_image(path).astype(int)
    expected = np.rot90(stored, turns).astype(int)  # EXIF 6: shown turned 90 degrees clockwise
    assert out.shape == expected.shape
    assert np.abs(out - expected).mean() < 4
    if turns:
        assert out.shape != stored.shape or np.abs(out - stored.astype(int)).mean() > 50


# -- modes -------------------------------------------------------------------------------------


def _composite_on_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float64)[..., None] / 255.0
    return rgb.astype(np.float64) * a + 255.0 * (1.0 - a)


def test_rgba_composited_on_white(rng):
    rgb = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    alpha = rng.integers(0, 256, size=(20, 30), dtype=np.uint8)
    alpha[0, :] = 0
    alpha[1, :] = 255
    out = load_image(np.dstack([rgb, alpha]))
    assert np.abs(out - _composite_on_white(rgb, alpha)).max() <= 1
    assert (out[0] == 255).all()  # fully transparent -> white, not black
    np.testing.assert_array_equal(out[1], rgb[1])  # opaque -> unchanged


def test_la_composited_on_white(rng):
    grey = rng.integers(0, 256, size=(20, 30), dtype=np.uint8)
    alpha = rng.integers(0, 256, size=(20, 30), dtype=np.uint8)
    image = Image.fromarray(np.dstack([grey, alpha]))
    assert image.mode == "LA"
    out = load_image(image)
    expected = _composite_on_white(np.repeat(grey[..., None], 3, -1), alpha)
    assert np.abs(out - expected).max() <= 1


def test_palette_with_and_without_transparency(tmp_path):
    palette = [10, 20, 30, 200, 100, 50] + [0] * (256 * 3 - 6)
    index = np.zeros((20, 20), np.uint8)
    index[:, 10:] = 1
    image = Image.fromarray(index, mode="P")
    image.putpalette(palette)
    out = load_image(image)
    assert (out[:, :10] == (10, 20, 30)).all() and (out[:, 10:] == (200, 100, 50)).all()
    path = tmp_path / "transparent.png"
    image.save(path, transparency=0)  # palette entry 0 fully transparent
    loaded = Image.open(path)
    assert loaded.mode == "P" and "transparency" in loaded.info
    out = load_image(path)
    assert (out[:, :10] == 255).all() and (out[:, 10:] == (200, 100, 50)).all()


def test_grey_l():
    grey = np.arange(400, dtype=np.uint8).reshape(20, 20)
    out = load_image(Image.fromarray(grey))
    np.testing.assert_array_equal(out, np.repeat(grey[..., None], 3, -1))


def test_cmyk():
    image = Image.new("CMYK", (20, 20), (0, 0, 0, 0))
    image.paste((255, 0, 0, 0), (0, 0, 10, 10))  # pure cyan
    image.paste((0, 0, 0, 255), (10, 10, 20, 20))  # black ink
    out = load_image(image)
    assert (out[0, 0] == (0, 255, 255)).all()
    assert (out[15, 15] == 0).all()
    assert (out[0, 15] == 255).all()  # no ink: white paper


def test_sixteen_bit(tmp_path):
    values = np.array([[0, 257 * 128, 65535, 257 * 10]] * 20, dtype=np.uint16)
    values = np.tile(values, (1, 5))
    expected = np.tile(np.array([0, 128, 255, 10], np.uint8), 5)
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    np.testing.assert_array_equal(load_image(image)[0, :, 0], expected)
    path = tmp_path / "deep.png"
    image.save(path)  # a real 16-bit PNG file (Pillow opens it as I;16 or I)
    out = load_image(path)
    np.testing.assert_array_equal(out[0, :, 0], expected)
    np.testing.assert_array_equal(out[..., 0], out[..., 2])


def test_int32_and_float_modes():
    ramp = np.tile(np.arange(0, 256, 8, dtype=np.int32), (20, 1))
    np.testing.assert_array_equal(load_image(Image.fromarray(ramp))[..., 1], ramp)
    stretched = load_image(Image.fromarray(ramp - 1000))[..., 0]  # negative: min..max
    assert stretched.min() == 0 and stretched.max() == 255
    unit = (ramp / 255.0).astype(np.float32)
    image_f = Image.fromarray(unit)
    assert image_f.mode == "F"
    np.testing.assert_array_equal(load_image(image_f)[..., 2], ramp)
    np.testing.assert_array_equal(load_image(Image.fromarray(ramp.astype(np.float32)))[..., 0], ramp)
    with_nan = unit.copy()
    with_nan[0, 0] = np.nan
    assert load_image(Image.fromarray(with_nan))[0, 0, 0] == 0


@pytest.mark.parametrize("mode", ["L", "LA", "P", "PA", "RGBA", "CMYK", "I;16", "I", "F", "1", "YCbCr"])
def test_every_mode_gives_rgb_uint8(mode):
    image = Image.new("RGB", (20, 18), (90, 140, 200)).convert(mode)
    out = to_rgb(image)
    assert out.mode == "RGB" and out.size == (20, 18)
    arr = load_image(image)
    assert arr.dtype == np.uint8 and arr.shape == (18, 20, 3)


# -- size checks -------------------------------------------------------------------------------


def test_resize_by_long_side(rgb):
    assert load_image(rgb, size=30).shape == (18, 30, 3)  # landscape 40x24 -> 30x18
    assert load_image(rgb.transpose(1, 0, 2), size=30).shape == (30, 18, 3)  # portrait
    assert load_image(rgb, size=80).shape == (48, 80, 3)  # enlarging works too
    assert load_image(rgb, size=None).shape == rgb.shape
    assert load_image(rgb, size=20, min_side=8).shape == (12, 20, 3)
    image = Image.fromarray(rgb)
    assert resize_long_side(image, 40) is image  # nothing to do
    smooth = np.tile(np.linspace(0, 255, 40), (24, 1)).astype(np.uint8)
    half = load_image(smooth, size=20, min_side=8)[..., 0].astype(int)
    assert np.abs(half - smooth[::2, ::2].astype(int)).max() < 12  # resampled, not cropped
    with pytest.raises(ImageError):
        resize_long_side(image, 0)


def test_too_small():
    with pytest.raises(ImageError) as exc:
        load_image(np.zeros((MIN_IMAGE_SIDE - 1, 40, 3), np.uint8))
    assert "too small" in one_line(exc)
    with pytest.raises(ImageError, match="too small"):
        load_image(np.zeros((20, 400, 3), np.uint8), size=100)  # 100x5 after resizing
    assert load_image(np.zeros((MIN_IMAGE_SIDE, MIN_IMAGE_SIDE, 3), np.uint8)).shape[0] == MIN_IMAGE_SIDE


@pytest.mark.parametrize("pil_limit", ["default", "disabled"])
@pytest.mark.parametrize("side", [100_000, 9_000])
def test_decompression_bomb(tmp_path, monkeypatch, pil_limit, side):
    # 9000^2 = 81 MP is above our limit but below Pillow's own warning threshold.
    assert side * side > MAX_IMAGE_PIXELS
    if pil_limit == "disabled":  # some libraries switch Pillow's guard off globally
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_only(side, side))
    with pytest.raises(ImageError) as exc:
        load_image(path)  # would need >= 240 MB (100 000 px: 30 GB) if it allocated
    assert "too large" in one_line(exc)
    if pil_limit == "disabled":
        with pytest.raises(ImageError, match="too large"):
            load_image(Image.open(path))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(tmp_path, rng, fmt):
    noise = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, format=fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ImageError) as exc:
        load_image(path)
    assert "truncated" in one_line(exc)


# -- VGG convention ----------------------------------------------------------------------------


def test_preprocess_is_bgr_minus_mean(rgb):
    batch = preprocess(rgb)
    assert batch.shape == (1, *rgb.shape) and batch.dtype == np.float32
    expected = np.stack([rgb[..., 2] - 103.939, rgb[..., 1] - 116.779, rgb[..., 0] - 123.68], axis=-1)
    np.testing.assert_allclose(batch[0], expected, atol=1e-4)
    assert tuple(IMAGENET_MEAN_BGR) == (103.939, 116.779, 123.68)


def test_preprocess_matches_keras(rgb):
    from keras.applications import vgg19

    keras_batch = vgg19.preprocess_input(rgb[None].astype(np.float32))
    np.testing.assert_allclose(preprocess(rgb), keras_batch, atol=1e-4)


def test_deprocess_round_trip_and_clipping(rgb):
    batch = preprocess(rgb)
    np.testing.assert_array_equal(deprocess(batch), rgb)
    np.testing.assert_array_equal(deprocess(batch[0]), rgb)  # a single image works too
    low, high = pixel_bounds(batch.shape)
    assert (deprocess(low) == 0).all() and (deprocess(high) == 255).all()
    assert (deprocess(low - 50) == 0).all() and (deprocess(high + 50) == 255).all()
    assert not np.shares_memory(preprocess(rgb), rgb)


# -- saving ------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_and_reload(tmp_path, rgb):
    target = save_image(rgb, tmp_path / "out.png")
    assert target == tmp_path / "out.png"
    np.testing.assert_array_equal(load_image(target), rgb)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~files._UMASK)  # not a temp file's 0600
    jpeg = save_image(rgb, tmp_path / "out.JPG")
    assert jpeg.read_bytes()[:2] == b"\xff\xd8"
    assert save_image(rgb, tmp_path / "no_suffix").read_bytes()[:4] == b"\x89PNG"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_failed_save_keeps_old_file(tmp_path, monkeypatch, rgb, failure):
    target = save_image(rgb, tmp_path / "out.png")
    before = target.read_bytes()

    def broken(*args, **kwargs):
        raise failure

    monkeypatch.setattr(images.os, "replace", broken)
    expected = ImageError if isinstance(failure, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        save_image(255 - rgb, target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_save_to_missing_folder_or_folder(tmp_path, rgb):
    with pytest.raises(ImageError) as exc:
        save_image(rgb, tmp_path / "missing" / "out.png")
    assert "does not exist" in one_line(exc)
    with pytest.raises(ImageError):
        atomic_write_bytes(tmp_path, b"data")
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_save_to_read_only_folder(tmp_path, rgb):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ImageError):
            save_image(rgb, folder / "out.png")
    finally:
        folder.chmod(0o700)


def test_large_jpeg_decoded_at_reduced_scale(tmp_path, monkeypatch):
    from PIL import JpegImagePlugin

    ramp = np.linspace(0, 255, 1600)
    big = np.stack([np.add.outer(ramp[:1200] * 0.5, ramp * 0.5), np.tile(ramp, (1200, 1)),
                    np.tile(ramp[:1200, None], (1, 1600))], axis=-1).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: the reduced decode must still be turned
    path = tmp_path / "big.jpg"
    Image.fromarray(big).save(path, quality=95, exif=exif)
    drafts = []
    real = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        drafts.append(size)
        return real(self, mode, size)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    out = load_image(path, size=100).astype(int)
    assert drafts and max(drafts[0]) >= 200  # asked for a reduced decode, at least twice the target
    assert out.shape == (100, 75, 3)
    full = Image.fromarray(np.rot90(big, -1)).resize((75, 100), Image.Resampling.LANCZOS)
    assert np.abs(out - np.asarray(full).astype(int)).mean() < 3
    drafts.clear()
    load_image(Image.open(path), size=100)  # a caller's PIL image is never modified
    assert drafts == []


@pytest.mark.parametrize("size", [64, 100, 257])
def test_reduced_jpeg_decoding_gives_the_same_shape_as_resizing_the_full_image(tmp_path, size):
    # 451x300 rounds differently at 1/2 scale (226x150) than at full scale: the shape must not change.
    from PIL import Image

    path = tmp_path / "odd.jpg"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 451, 3), dtype=np.uint8)).save(path)
    from_file = load_image(path, size=size)
    from_array = load_image(load_image(path), size=size)
    assert from_file.shape == from_array.shape
