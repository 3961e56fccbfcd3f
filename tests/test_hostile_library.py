"""Hostile input from the user's side: the library, the live sliders and the exercise checkers.

Every row of a table is one thing a careful tester tried. A row that must be refused asserts the
exception type (a :class:`StyleTransferError` subclass), that ``str(exc)`` is one line naming the
problem and a fix (the row's words), that it carries no Python object repr, and that every input
file is byte-for-byte unchanged (sha256 before and after). Option rows also assert that no network
was built. Checker rows assert that ``check()`` returns a failed result with a one-line message
instead of letting the participant's exception (``SystemExit`` included) or a hang escape.
The command-line half of the suite is ``tests/test_cli.py`` (h11a).
"""

from __future__ import annotations

import hashlib
import http.server
import math
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import png_header_only
from PIL import Image

import styletransfer as st
from styletransfer import exercises as ex
from styletransfer import transfer
from styletransfer.constants import OFFLINE_ENV_VAR, WEIGHTS_ENV_VAR, WEIGHTS_FILENAME
from styletransfer.errors import (
    ClosedError,
    ImageError,
    LayerError,
    ParameterError,
    StyleTransferError,
    WeightsError,
)
from styletransfer.exercises import _checking
from styletransfer.images import load_image, save_image
from styletransfer.live.steering import Steerer
from styletransfer.losses import normalized_layer_weights
from styletransfer.samples import fetch_sample, list_samples, load_sample, resolve_source
from styletransfer.weights import USER_WEIGHTS_LABEL, resolve_weights

# -- the hostile files and a small web server ---------------------------------------------------


def _write_files(folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(11)
    files = {}

    def image(name, height, width, **save):
        files[name] = folder / name
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(files[name], **save)

    image("one.png", 1, 1)
    image("eight.png", 8, 8)
    image("twenty.png", 20, 20)
    image("sliver.png", 4000, 15)
    image("tall.png", 4000, 100)
    image("photo.png", 48, 64)
    image("photo.jpg", 48, 64, quality=90)
    for name, source in (("truncated.png", "photo.png"), ("truncated.jpg", "photo.jpg")):
        data = files[source].read_bytes()
        files[name] = folder / name
        files[name].write_bytes(data[: len(data) // 2])
    raw = {
        "empty.png": b"",
        "text.png": b"hello, I am not a picture\n",
        "drawing.svg": b"<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'/>",
        "garbage.png": b"\x89PNG\r\n\x1a\n" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)),
        "bomb.png": png_header_only(20000, 20000),
        "not_weights.h5": b"\x89HDF\r\n\x1a\n" + b"\0" * 512,
    }
    for name, data in raw.items():
        files[name] = folder / name
        files[name].write_bytes(data)
    (folder / "a_folder").mkdir()
    files["a_folder"] = folder / "a_folder"
    return files


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str | None, bytes]] = {}

    def do_GET(self):  # noqa: N802 - the http.server API
        status, kind, body = self.routes.get(self.path, (404, "text/html", b"<h1>not found</h1>"))
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    files = _write_files(folder)
    _Handler.routes = {
        "/page.png": (200, "text/html; charset=utf-8", b"<html><body>a web page</body></html>"),
        "/garbage.png": (200, "image/png", b"this is not a png"),
        "/empty.png": (200, "image/png", b""),
        "/photo.png": (200, "image/png", files["photo.png"].read_bytes()),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield SimpleNamespace(folder=folder, files=files, url=lambda path: base + path)
    server.shutdown()
    server.server_close()


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _Context:
    """What a row may use: the hostile files, URLs, a folder of its own, live Steerers (built once)."""

    _steerers: dict[str, Steerer] = {}

    def __init__(self, hostile, tmp_path, monkeypatch):
        self.files, self.url, self.tmp, self.monkeypatch = hostile.files, hostile.url, tmp_path, monkeypatch

    def f(self, name: str) -> str:
        return str(self.files[name])

    def steerer(self, kind: str = "open") -> Steerer:
        if kind not in self._steerers:
            steerer = Steerer("chelsea", "starry_night", size=48, weights="random", run_on_change=False,
                              evals_per_run=2, max_size=96)
            if kind == "closed":
                steerer.close()
            self._steerers[kind] = steerer
        return self._steerers[kind]


@pytest.fixture
def ctx(hostile, tmp_path, monkeypatch):
    return _Context(hostile, tmp_path, monkeypatch)


@pytest.fixture(scope="module", autouse=True)
def _close_steerers():
    yield
    for steerer in _Context._steerers.values():
        steerer.close()
    _Context._steerers.clear()


def _no_network(ctx):
    """Make building a network fail loudly: an option error must come before it."""

    def built(*args, **kwargs):
        raise AssertionError("the network was built before the bad option was refused")

    ctx.monkeypatch.setattr(transfer, "FeatureExtractor", built)


def _problem(ctx, **options):
    _no_network(ctx)
    transfer.StyleTransfer(ctx.f("photo.png"), ctx.f("photo.png"), **{"size": 32, **options})


def _online(ctx):
    ctx.monkeypatch.delenv(OFFLINE_ENV_VAR, raising=False)


def _run_bad(ctx, **options):
    st.optimize(_small_problem(), **{"max_evals": 2, "progress": False, **options})


_SMALL = {}


def _small_problem():
    if "problem" not in _SMALL:
        _SMALL["problem"] = transfer.StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=32,
                                                   weights="random")
    return _SMALL["problem"]


# -- the table ------------------------------------------------------------------------------------
# (id, action(ctx), exception type, words that must all appear: the problem and the fix)
ROWS = [
    # images: tiny, thin, damaged, not images at all
    ("1x1 file", lambda c: load_image(c.f("one.png"), size=384), ImageError, ["1x1 pixels in the file", "larger image"]),
    ("8x8 file at 384", lambda c: load_image(c.f("eight.png"), size=384), ImageError, ["8x8 pixels in the file", "at least 16"]),
    ("20x20 enlarged 19x", lambda c: load_image(c.f("twenty.png"), size=384), ImageError,
     ["20x20 pixels in the file", "19.2x", "size", "at most 160"]),
    ("15x4000 sliver", lambda c: load_image(c.f("sliver.png"), size=384), ImageError, ["15x4000 pixels in the file", "larger image"]),
    ("100x4000 at 384", lambda c: load_image(c.f("tall.png"), size=384), ImageError,
     ["100x4000 pixels in the file", "become 10x384", "--size", "at least 620"]),
    ("tiny array", lambda c: load_image(np.zeros((8, 8, 3), np.uint8), size=256), ImageError, ["8x8 pixels in the image", "larger image"]),
    ("tiny PIL image", lambda c: load_image(Image.new("RGB", (30, 2)), size=64), ImageError, ["30x2", "larger image"]),
    ("StyleTransfer with a 20x20 style", lambda c: transfer.StyleTransfer(c.f("photo.png"), c.f("twenty.png"), size=384),
     ImageError, ["twenty.png", "20x20 pixels in the file", "smaller size"]),
    ("truncated PNG", lambda c: load_image(c.f("truncated.png")), ImageError, ["truncated", "re-export"]),
    ("truncated JPEG", lambda c: load_image(c.f("truncated.jpg")), ImageError, ["truncated", "re-download"]),
    ("zero-byte file", lambda c: load_image(c.f("empty.png")), ImageError, ["empty (0 bytes)", "re-export"]),
    ("text named .png", lambda c: load_image(c.f("text.png")), ImageError, ["not a readable image", "convert it to PNG"]),
    ("SVG", lambda c: load_image(c.f("drawing.svg")), ImageError, [".svg", "does not recognise", "convert it to PNG"]),
    ("PNG signature then garbage", lambda c: load_image(c.f("garbage.png")), ImageError, ["not a readable image", "convert"]),
    ("decompression bomb header", lambda c: load_image(c.f("bomb.png")), ImageError, ["too large", "decompression bomb", "resize it"]),
    ("folder as image", lambda c: load_image(c.f("a_folder")), ImageError, ["is a folder", "file path"]),
    ("missing file", lambda c: load_image(c.tmp / "nowhere.png"), ImageError, ["not found", "check the path"]),
    ("NaN array", lambda c: load_image(np.full((32, 32, 3), np.nan)), ImageError, ["NaN", "clean it"]),
    ("five-channel array", lambda c: load_image(np.zeros((32, 32, 5))), ImageError, ["not an image", "expected (H, W"]),
    ("an int as image", lambda c: load_image(42), ImageError, ["cannot load an image from int", "give a path"]),
    ("size 0", lambda c: load_image(c.f("photo.png"), size=0), ImageError, ["size must be a positive", "got 0"]),
    ("size -5", lambda c: load_image(c.f("photo.png"), size=-5), ImageError, ["size must be a positive", "got -5"]),
    ("save under a file", lambda c: save_image(np.zeros((16, 16, 3), np.uint8), c.files["photo.png"] / "x.png"),
     ImageError, ["photo.png is a file, not a folder", "choose another path"]),
    ("save into a missing folder", lambda c: save_image(np.zeros((16, 16, 3), np.uint8), c.tmp / "no" / "x.png"),
     ImageError, ["does not exist", "create it first"]),
    ("save onto a folder", lambda c: save_image(np.zeros((16, 16, 3), np.uint8), c.files["a_folder"]),
     ImageError, ["it is a folder", "give a file name"]),
    # URLs
    ("URL serving a web page", lambda c: (_online(c), load_image(c.url("/page.png"))), ImageError,
     ["URL did not return an image (content-type text/html)", "direct link"]),
    ("URL serving garbage", lambda c: (_online(c), load_image(c.url("/garbage.png"))), ImageError,
     ["/garbage.png", "not a readable image", "convert"]),
    ("URL serving nothing", lambda c: (_online(c), load_image(c.url("/empty.png"))), ImageError, ["no data", "direct link"]),
    ("URL 404", lambda c: (_online(c), load_image(c.url("/missing.png"))), ImageError, ["could not download", "check the URL"]),
    ("URL while offline", lambda c: load_image(c.url("/photo.png")), ImageError,
     ["downloads are off", OFFLINE_ENV_VAR, "give its path"]),
    ("stylize a URL while offline", lambda c: st.stylize(c.url("/photo.png"), "starry_night", size=32), ImageError,
     ["downloads are off", "unset"]),
    # samples
    ("sample typo chelsae", lambda c: load_sample("chelsae"), ImageError, ["unknown sample 'chelsae'", "did you mean 'chelsea'?"]),
    ("stylize content typo", lambda c: (_no_network(c), st.stylize("chelsae", "starry_night", size=32)), ImageError,
     ["chelsae", "did you mean 'chelsea'?", "sample name"]),
    ("stylize style typo", lambda c: (_no_network(c), st.stylize("chelsea", "starry_nigth", size=32)), ImageError,
     ["did you mean 'starry_night'?"]),
    ("multiscale typo", lambda c: (_no_network(c), st.stylize_multiscale("chelsea", "the_scram", size=64)), ImageError,
     ["did you mean 'the_scream'?"]),
    ("StyleTransfer typo", lambda c: (_no_network(c), transfer.StyleTransfer("coffe", "starry_night", size=32)), ImageError,
     ["did you mean 'coffee'?"]),
    ("Steerer typo", lambda c: Steerer("chelsea", "great_wav", size=48, weights="random"), ImageError,
     ["did you mean 'great_wave'?"]),
    ("resolver typo", lambda c: resolve_source("astronot"), ImageError, ["did you mean 'astronaut'?", "a URL"]),
    ("unknown sample, no near name", lambda c: load_sample("xyzzy"), ImageError, ["unknown sample 'xyzzy'", "choose one of"]),
    ("fetched sample offline, empty cache", lambda c: (c.monkeypatch.setenv("STYLETRANSFER_CACHE", str(c.tmp)),
                                                       fetch_sample("tuebingen")), ImageError,
     ["tuebingen", "downloads are off", "styletransfer fetch"]),
    ("list_samples kind typo", lambda c: list_samples("paintings"), ParameterError, ["unknown sample kind", "use 'content'"]),
    # seeds, before anything is built
    ("seed 2**64", lambda c: _problem(c, seed=2**64), ParameterError, ["seed", "0 to 2**63 - 1"]),
    ("seed -1", lambda c: _problem(c, seed=-1), ParameterError, ["seed", "0 to 2**63 - 1", "got -1"]),
    ("seed 1.5", lambda c: _problem(c, seed=1.5), ParameterError, ["seed", "whole number"]),
    ("seed True", lambda c: _problem(c, seed=True), ParameterError, ["seed", "whole number"]),
    ("random weights seed -3", lambda c: resolve_weights("random", seed=-3), ParameterError, ["seed", "got -3"]),
    ("optimize seed 2**70", lambda c: _run_bad(c, seed=2**70), ParameterError, ["seed", "2**63 - 1"]),
    # numeric options
    ("alpha NaN", lambda c: _problem(c, content_weight=math.nan), ParameterError, ["content_weight", "finite number >= 0", "nan"]),
    ("beta inf", lambda c: _problem(c, style_weight=math.inf), ParameterError, ["style_weight", "finite number >= 0"]),
    ("tv -1", lambda c: _problem(c, tv_weight=-1), ParameterError, ["tv_weight", ">= 0", "-1"]),
    ("beta 1e300 overflows float32", lambda c: _problem(c, style_weight=1e300), ParameterError,
     ["style_weight", "float32", "scale them all down"]),
    ("alpha a word", lambda c: _problem(c, content_weight="lots"), ParameterError, ["content_weight", "must be a number"]),
    ("style_size 0", lambda c: _problem(c, style_size=0), ParameterError, ["style_size", ">= 16", "got 0"]),
    ("size 8", lambda c: _problem(c, size=8), ParameterError, ["size", ">= 16"]),
    ("lr 0", lambda c: _run_bad(c, optimizer="adam", learning_rate=0), ParameterError, ["learning_rate", "finite number > 0", "got 0"]),
    ("lr -1", lambda c: _run_bad(c, optimizer="adam", learning_rate=-1), ParameterError, ["learning_rate", "finite number > 0", "got -1"]),
    ("lr NaN", lambda c: _run_bad(c, optimizer="adam", learning_rate=math.nan), ParameterError, ["learning_rate", "> 0"]),
    ("Adam epsilon 0", lambda c: _run_bad(c, optimizer="adam", adam_options={"epsilon": 0}), ParameterError, ["epsilon", "> 0"]),
    ("max_evals 0", lambda c: _run_bad(c, max_evals=0), ParameterError, ["max_evals", ">= 1"]),
    ("bounds typo", lambda c: _run_bad(c, bounds="clamp"), ParameterError, ["unknown bounds 'clamp'", "did you mean 'clip'?", "use one of"]),
    ("style layer weight NaN", lambda c: _problem(c, style_layer_weights=[math.nan, 1, 1, 1, 1]), ParameterError,
     ["style_layer_weights", "finite number >= 0"]),
    ("style layer weights all 0", lambda c: _problem(c, style_layer_weights=[0] * 5), ParameterError,
     ["must not all be 0", "positive weight"]),
    ("style layer weights count", lambda c: _problem(c, style_layer_weights=[1, 2]), ParameterError,
     ["2 layer weights for 5 layers", "one per style layer"]),
    # layers
    ("style layer twice, two spellings", lambda c: _problem(c, style_layers=["conv1_1", "block1_conv1", "conv2_1"]), LayerError,
     ["conv1_1 is named twice", "block1_conv1 and conv1_1", "name each layer once"]),
    ("style layer twice", lambda c: _problem(c, style_layers=["conv3_1", "conv3_1"]), LayerError,
     ["conv3_1 is named twice", "style_layer_weights"]),
    ("content layer twice", lambda c: _problem(c, content_layers=["conv4_2", "relu4_2"]), LayerError, ["named twice"]),
    ("layer weights of a repeated layer", lambda c: normalized_layer_weights(["a", "b", "a"]), LayerError,
     ["a is named twice", "larger weight"]),
    ("layer typo", lambda c: _problem(c, style_layers=["conv1_1", "conv4_5"]), LayerError,
     ["unknown VGG19 layer 'conv4_5'", "did you mean", "use names like"]),
    ("no style layers", lambda c: _problem(c, style_layers=[]), LayerError, ["no layers given", "name at least one"]),
    ("pooling typo", lambda c: transfer.StyleTransfer(c.f("photo.png"), c.f("photo.png"), size=32, pooling="mean",
                                                      weights="random"), ParameterError, ["unknown pooling", "use one of 'avg'"]),
    # weights
    ("weights folder", lambda c: resolve_weights(c.f("a_folder")), WeightsError, ["is a folder, not a file", WEIGHTS_FILENAME]),
    ("weights file missing", lambda c: resolve_weights(str(c.tmp / "vgg.h5")), WeightsError, ["not found", "styletransfer fetch"]),
    ("weights typo", lambda c: resolve_weights("imagenett"), WeightsError, ["unknown weights", "did you mean 'imagenet'?"]),
    ("weights not Keras's", lambda c: resolve_weights(c.f("not_weights.h5")), WeightsError,
     ["not Keras's ImageNet file", "--trust-weights"]),
    ("trusted file that is not VGG19", lambda c: st.FeatureExtractor(["conv1_1"], weights=c.f("not_weights.h5"),
                                                                       trust_weights=True), WeightsError,
     ["cannot load VGG19 weights", "Keras's"]),
    # sliders
    ("update after close", lambda c: c.steerer("closed").update(style_weight=100), ClosedError,
     ["closed Steerer", "create a new one"]),
    ("start after close", lambda c: c.steerer("closed").start(), ClosedError, ["start()", "closed", "create a new one"]),
    ("reset after close", lambda c: c.steerer("closed").reset(), ClosedError, ["reset()", "create a new one"]),
    ("size 20 too small for the photo", lambda c: c.steerer().update(size=20), ImageError,
     ["content image", "become 20x13", "at least 24"]),
    ("size 10", lambda c: c.steerer().update(size=10), ParameterError, ["size", ">= 16"]),
    ("size 100000", lambda c: c.steerer().update(size=100000), ImageError, ["enlarged", "smaller size"]),
    ("alpha NaN typed", lambda c: c.steerer().update(content_weight=math.nan), ParameterError, ["content_weight", "finite"]),
    ("setting typo", lambda c: c.steerer().update(style_weigth=3), ParameterError,
     ["unknown setting", "did you mean 'style_weight'?"]),
    ("content layer typo", lambda c: c.steerer().update(content_layer="conv9_9"), LayerError, ["unknown VGG19 layer"]),
    ("save under a file", lambda c: c.steerer().save(c.files["photo.png"] / "out.png"), ImageError,
     ["is a file, not a folder", "choose another path"]),
    ("save as JPEG", lambda c: c.steerer().save(c.tmp / "out.jpg"), ParameterError, ["must end in .png"]),
    ("evals_per_run 0", lambda c: Steerer("chelsea", "starry_night", evals_per_run=0), ParameterError,
     ["evals_per_run", "whole number >= 1"]),
    # hints
    ("hint(0)", lambda c: ex.gram_matrix.hint(0), ParameterError, ["hints 1 to 3", "hint(0)", "call hint()"]),
    ("hint(-1)", lambda c: ex.gram_matrix.hint(-1), ParameterError, ["hints 1 to 3", "hint(-1)"]),
    ("hint(99)", lambda c: ex.style_loss.hint(99), ParameterError, ["hint(99)", "give a number from 1"]),
    ("hint(1.5)", lambda c: ex.content_loss.hint(1.5), ParameterError, ["hint(1.5)"]),
    ("ex.hint(4, 0)", lambda c: ex.hint(4, 0), ParameterError, ["exercise 4", "hints 1 to"]),
]

FORBIDDEN = ("Traceback", "object at 0x", "<_io.", "Error:")  # no reprs, no chained error text


@pytest.mark.parametrize("action, kind, words", [pytest.param(*row[1:], id=row[0]) for row in ROWS])
def test_refused_with_one_clear_line(ctx, hostile, action, kind, words):
    before = _digests(hostile.folder)
    with pytest.raises(StyleTransferError) as exc:
        action(ctx)
    assert type(exc.value) is kind, f"{type(exc.value).__name__}: {exc.value}"
    text = str(exc.value)
    assert text and "\n" not in text, text
    for word in words:
        assert word.lower() in text.lower(), f"{word!r} not in: {text}"
    assert not any(bad in text for bad in FORBIDDEN), text
    assert _digests(hostile.folder) == before  # nothing the user had was touched


def test_zero_and_negative_learning_rates_get_one_rule():
    messages = []
    for value in (0, -1):
        with pytest.raises(ParameterError) as exc:
            st.optimize(_small_problem(), optimizer="adam", learning_rate=value, max_evals=1, progress=False)
        messages.append(str(exc.value).rsplit("got", 1)[0])
    assert messages[0] == messages[1]


def test_the_largest_seed_is_accepted():
    spec = resolve_weights("random", seed=2**63 - 1)
    fx = st.FeatureExtractor(["conv1_1"], weights=spec)
    assert fx.numpy(np.zeros((1, 16, 16, 3), np.float32))["block1_conv1"].shape == (1, 16, 16, 64)


def test_content_and_style_may_share_a_layer():
    problem = transfer.StyleTransfer(np.zeros((32, 32, 3), np.uint8) + 128, load_sample("starry_night"), size=32,
                                     weights="random", content_layers=["conv1_1"], style_layers=["conv1_1", "conv2_1"])
    assert math.isclose(sum(problem.style_layer_weights.values()), 1.0)


# -- weights from the environment variable: say where the path came from, never suggest fetch ----


@pytest.mark.parametrize("target, words", [
    ("missing.h5", ["not found", "missing.h5"]),
    ("a_folder", ["is a folder"]),
    ("not_weights.h5", ["not Keras's ImageNet file", "--trust-weights"]),
])
def test_weights_variable_is_named_and_fetch_not_suggested(hostile, monkeypatch, target, words):
    path = hostile.folder / target
    monkeypatch.setenv(WEIGHTS_ENV_VAR, str(path))
    before = _digests(hostile.folder)
    with pytest.raises(WeightsError) as exc:
        resolve_weights("imagenet")
    text = str(exc.value)
    assert "\n" not in text and f"(from ${WEIGHTS_ENV_VAR})" in text and f"unset {WEIGHTS_ENV_VAR}" in text
    assert "fetch" not in text
    assert all(word in text for word in words), text
    assert _digests(hostile.folder) == before


# -- a genuine Keras-format file that is not Keras's download: usable when trusted, labelled so ----


def _keras_format_file(path: Path) -> Path:
    """A Keras legacy-HDF5 weights file with VGG19's first layer (enough for conv1_1)."""
    import h5py

    rng = np.random.default_rng(3)
    with h5py.File(path, "w") as handle:
        handle.attrs["layer_names"] = [b"block1_conv1"]
        group = handle.create_group("block1_conv1")
        group.attrs["weight_names"] = [b"block1_conv1/kernel:0", b"block1_conv1/bias:0"]
        group["block1_conv1/kernel:0"] = rng.normal(0, 0.1, (3, 3, 3, 64)).astype(np.float32)
        group["block1_conv1/bias:0"] = np.zeros(64, np.float32)
    return path


def test_trusted_weights_are_used_and_labelled_user_supplied(tmp_path):
    path = _keras_format_file(tmp_path / "my_vgg19.h5")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(WeightsError, match="--trust-weights"):
        st.FeatureExtractor(["conv1_1"], weights=str(path))
    fx = st.FeatureExtractor(["conv1_1"], weights=str(path), trust_weights=True)
    assert fx.spec.kind == "user" and fx.label == USER_WEIGHTS_LABEL and "ImageNet" not in fx.label
    assert not fx.is_random
    out = fx.numpy(np.zeros((1, 16, 16, 3), np.float32))["block1_conv1"]
    assert out.shape == (1, 16, 16, 64)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_record_of_trusted_weights_says_checksum_unknown(tmp_path):
    from styletransfer.record import build_record

    path = _keras_format_file(tmp_path / "my_vgg19.h5")
    spec = resolve_weights(path, trust=True)
    result = st.Result(image=np.zeros((16, 16, 3), np.uint8), history=[], best_loss=1.0, evaluations=0, elapsed=0.0,
                       stop_reason="test", message="", optimizer="lbfgs", weights_kind=spec.kind,
                       weights_label=spec.label)
    record = build_record(result, {}, weights=spec)
    assert record["weights"]["label"] == "user-supplied VGG19 weights (checksum unknown)"
    assert record["weights"]["checksum"] == "unknown" and record["weights"]["md5"] == spec.md5
    assert record["weights"]["random"] is False


# -- sliders --------------------------------------------------------------------------------------


def test_wait_idle_returns_after_close():
    steerer = Steerer("chelsea", "starry_night", size=48, weights="random", run_on_change=True, debounce=60)
    steerer.update(style_weight=50)  # a restart waiting a minute for its debounce
    steerer.close()
    assert steerer.closed and steerer.wait_idle(timeout=10)


def test_nan_typed_into_the_alpha_readout_keeps_the_last_good_value():
    pytest.importorskip("ipywidgets")
    from styletransfer.live.widgets import Explorer

    steerer = Steerer("chelsea", "starry_night", size=48, weights="random", run_on_change=False)
    view = Explorer(steerer)
    try:
        good = view.alpha.value
        view.alpha.value = math.nan
        assert view.alpha.value == good and steerer.settings["content_weight"] == 1.0
        assert "not changed" in view.status.value and "finite" in view.status.value
    finally:
        view.close()


# -- exercise checkers: nothing escapes check(), nothing hangs it ----------------------------------


def _raiser(error: BaseException):
    def participant(*args, **kwargs):
        raise error

    return participant


@pytest.mark.parametrize("exercise", list(ex.EXERCISES.values()), ids=lambda e: e.name)
def test_system_exit_does_not_escape_check(exercise):
    functions = [_raiser(SystemExit(3))] * len(exercise.functions)
    result = exercise.check(*functions)
    assert result.status == "failed" and "SystemExit" in result.message and "\n" not in result.message
    assert "return the result instead" in result.message


def test_keyboard_interrupt_inside_the_function_is_reported():
    result = ex.gram_matrix.check(_raiser(KeyboardInterrupt()))
    assert result.status == "failed" and "interrupted" in result.message and "run the check again" in result.message


@pytest.mark.parametrize("where", ["main thread", "other thread"])
@pytest.mark.parametrize("how", ["sleep", "busy loop"])
def test_each_call_has_a_time_limit(monkeypatch, where, how):
    monkeypatch.setattr(_checking, "TIME_LIMIT", 0.5)

    def gram_matrix(features):
        if how == "sleep":
            time.sleep(60)
        while True:
            pass

    box = {}
    if where == "main thread":
        box["result"] = ex.gram_matrix.check(gram_matrix)
    else:
        if how == "busy loop":
            pytest.skip("a helper thread cannot stop a busy loop; it would spin until the tests end")
        worker = threading.Thread(target=lambda: box.update(result=ex.gram_matrix.check(gram_matrix)))
        worker.start()
        worker.join(30)
        assert not worker.is_alive()
    result = box["result"]
    assert result.status == "failed" and "\n" not in result.message
    assert "longer than 0.5 s" in result.message and "was stopped" in result.message
    assert "endless loop" in result.message


@pytest.mark.parametrize("where", ["main thread", "other thread"])
def test_a_quick_function_is_not_stopped(monkeypatch, where):
    # In a helper thread the gradient check must still see the tape (tapes record their own thread only).
    monkeypatch.setattr(_checking, "TIME_LIMIT", 5.0)
    box = {}

    def check():
        box["result"] = ex.gram_matrix.check(ex.gram_matrix.solution(show=False))

    if where == "main thread":
        check()
    else:
        worker = threading.Thread(target=check)
        worker.start()
        worker.join(60)
    assert box["result"].passed, box["result"].message


@pytest.mark.parametrize("value, words", [(np.nan, "contains NaN"), (np.inf, "contains infinity")])
def test_non_finite_gram_is_told_so(value, words):
    import tensorflow as tf

    def gram_matrix(features):
        n = features.shape[-1]
        return tf.fill((features.shape[0], n, n), tf.constant(value, tf.float32))

    result = ex.gram_matrix.check(gram_matrix)
    assert result.status == "failed" and words in result.message and "symmetric" not in result.message


@pytest.mark.parametrize("weights", [(1.0, 1e300), (1e-300, 1.0), (1e39, 1e39)])
def test_exercise_11_float32_overflow_gets_the_right_advice(weights):
    result = ex.choose_weights.check(lambda: weights)
    assert result.status == "failed" and "float32" in result.message and "increase beta" not in result.message
    assert "\n" not in result.message


def test_command_line_trust_weights_flag(tmp_path, capsys):
    import json

    from styletransfer.cli.main import main

    weights = _keras_format_file(tmp_path / "my_vgg19.h5")
    photo = tmp_path / "photo.png"
    Image.fromarray(load_sample("coffee", size=48)).save(photo)
    out = tmp_path / "out.png"
    argv = ["run", str(photo), "starry_night", "-o", str(out), "--size", "32", "--evals", "2", "--weights",
            str(weights), "--content-layers", "conv1_1", "--style-layers", "conv1_1", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--trust-weights" in err and not out.exists()
    assert main([*argv, "--trust-weights"]) == 0
    said = capsys.readouterr().out
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["weights"]["label"] == USER_WEIGHTS_LABEL and record["weights"]["checksum"] == "unknown"
    assert USER_WEIGHTS_LABEL in said and "ImageNet VGG19" not in said
