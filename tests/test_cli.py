"""The ``styletransfer`` command: runs, run records, the demo, samples, fetch, info and every bad input.

Most tests call ``main(argv)`` in-process (fast: TensorFlow is imported once); a few go through the
real console script and ``python -m styletransfer`` in a subprocess, including Ctrl-C, SIGTERM and
SIGKILL during a run.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers import call, sha256
from PIL import Image

from styletransfer import outputs as outputs_module
from styletransfer.cli import info_commands
from styletransfer.cli import main as cli
from styletransfer.images import load_image
from styletransfer.outputs import verify_pair
from styletransfer.samples import SAMPLES, load_sample
from styletransfer.transfer import StyleTransfer

TINY = ["--size", "32", "--evals", "3", "--weights", "random", "--no-progress"]
SCRIPT = Path(sys.executable).with_name("styletransfer")


def assert_one_line_error(status: int, err: str, fragment: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("styletransfer: error:"), err
    assert fragment.lower() in lines[0].lower(), lines[0]


@pytest.fixture
def image_file(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(load_sample("coffee", size=48)).save(path)
    return path


@pytest.fixture
def network_must_not_be_built(monkeypatch):
    """Bad options must be caught before the network is built and the long optimisation starts."""

    def boom(*args, **kwargs):
        raise AssertionError("the network was built before the options were checked")

    monkeypatch.setattr("styletransfer.transfer.StyleTransfer", boom)  # the job imports it when a run starts


# -- a real run and its record ------------------------------------------------------------------
def test_run_writes_image_and_complete_record(capsys, tmp_path):
    out = tmp_path / "cat.png"
    status, stdout, stderr = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY, "--beta", "20")
    assert status == 0, stderr
    image = np.asarray(Image.open(out))
    expected = load_sample("chelsea", size=32)
    assert image.shape == expected.shape
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["output"]["sha256"] == sha256(out)
    assert record["inputs"]["content"]["pixels_sha256"] == hashlib.sha256(expected.tobytes()).hexdigest()
    style = load_sample("starry_night", size=32)
    assert record["inputs"]["style"]["pixels_sha256"] == hashlib.sha256(style.tobytes()).hexdigest()
    assert record["inputs"]["content"]["file_sha256"] == sha256(Path(record["inputs"]["content"]["source"]))
    assert record["parameters"]["style_weight"] == 20.0
    assert record["parameters"]["max_evals"] == 3 and record["parameters"]["size"] == 32
    assert record["weights"]["kind"] == "random" and "RANDOM" in record["weights"]["label"]
    assert record["result"]["stop_reason"] == "max_evals"
    assert record["result"]["evaluations"] == len(record["history"]) == 3
    assert set(record["history"][0]) == {"evaluation", "total", "content", "style", "tv"}
    for key in ("setup", "optimisation", "seconds_per_evaluation", "first_evaluation", "total"):
        assert record["timings"][key] > 0
    for key in ("python", "tensorflow", "keras", "numpy", "styletransfer"):
        assert record["versions"][key]
    assert record["command"][:4] == ["styletransfer", "run", "chelsea", "starry_night"]
    assert "RANDOM-WEIGHT VGG19" in stdout and "RANDOM-WEIGHT VGG19" in stderr
    assert "styletransfer fetch" in stdout
    assert str(out) in stdout


def test_run_options_reach_the_problem_and_the_record(capsys, tmp_path, image_file):
    out = tmp_path / "styled.jpg"
    status, _, err = call(
        capsys, "run", image_file, "great_wave", "-o", out, *TINY, "--init", image_file,
        "--content-layers", "conv4_2, block5_conv2", "--style-layers", "relu1_1,conv2_1",
        "--style-layer-weights", "3,1", "--pooling", "max", "--optimizer", "adam", "--lr", "2", "--bounds", "hard",
        "--alpha", "0.5", "--tv", "0", "--style-size", "40", "--seed", "7",
    )
    assert status == 0, err
    assert Image.open(out).format == "JPEG"
    record = json.loads(out.with_suffix(".json").read_text())
    params = record["parameters"]
    assert params["content_layers"] == ["block4_conv2", "block5_conv2"]
    assert params["style_layer_weights"] == {"block1_conv1": 0.75, "block2_conv1": 0.25}
    assert (params["pooling"], params["optimizer"], params["learning_rate"]) == ("max", "adam", 2.0)
    assert (params["content_weight"], params["tv_weight"], params["seed"]) == (0.5, 0.0, 7)
    assert params["bounds"] == "hard"
    assert record["result"]["optimizer"] == "adam"
    assert record["weights"]["seed"] == 7
    assert max(record["inputs"]["style"]["shape"][:2]) == 40
    assert record["inputs"]["content"]["file_sha256"] == sha256(image_file)


def test_lbfgs_with_penalty_bounds_runs_and_is_recorded(capsys, tmp_path):
    out = tmp_path / "pen.png"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY, "--bounds", "penalty",
                          "--beta", "1000")
    assert status == 0, err
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["parameters"]["bounds"] == "penalty" and record["result"]["evaluations"] == 3


def test_noise_init_is_seeded(capsys, tmp_path):
    outs = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        out = tmp_path / f"{name}.png"
        status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY, "--init", "noise",
                              "--seed", seed)
        assert status == 0, err
        outs.append(np.asarray(Image.open(out)))
    assert np.array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


def test_checkpoints_save_best_image_during_the_run(capsys, tmp_path, monkeypatch):
    saved = []
    original = outputs_module.write_pair
    monkeypatch.setattr(outputs_module, "write_pair", lambda path, *a: saved.append(path) or original(path, *a))
    out = tmp_path / "ck.png"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY[:2], "--evals", "5",
                          "--weights", "random", "-q", "--checkpoint-every", "2")
    assert status == 0, err
    assert saved == [out, out, out]  # after evaluations 2 and 4, then the final image


def test_ctrl_c_in_process_keeps_best_image_and_record(capsys, tmp_path, monkeypatch):
    original = StyleTransfer.loss_and_grad
    calls = []

    def interrupted_after_three(self, x):
        calls.append(1)
        if len(calls) > 3:
            raise KeyboardInterrupt
        return original(self, x)

    monkeypatch.setattr(StyleTransfer, "loss_and_grad", interrupted_after_three)
    out = tmp_path / "int.png"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY[:2], "--evals", "50",
                          "--weights", "random", "-q")
    assert status == cli.EXIT_INTERRUPTED
    assert "interrupted" in err
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["result"]["stop_reason"] == "interrupted"
    assert record["result"]["evaluations"] == 3
    assert record["output"]["sha256"] == sha256(out)


def test_demo_quick_mode(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STYLETRANSFER_QUICK", "1")
    status, out, err = call(capsys, "demo", "--no-progress")
    assert status == 0, err
    image = tmp_path / "outputs" / "demo.png"
    record = json.loads((tmp_path / "outputs" / "demo.json").read_text())
    assert max(np.asarray(Image.open(image)).shape[:2]) == cli.DEMO_QUICK[0]
    assert record["parameters"]["max_evals"] == cli.DEMO_QUICK[1]
    assert record["parameters"]["content"] == cli.DEMO_CONTENT
    assert str(image.resolve()) in out
    assert "RANDOM-WEIGHT VGG19" in out  # no ImageNet weights in the test environment


# -- bad input: one line, exit status 2 ---------------------------------------------------------
def _png_header(path: Path, width: int, height: int) -> Path:
    """A PNG that claims ``width x height`` pixels (a decompression bomb) but holds no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    return path


def _bad_image(tmp_path: Path, kind: str) -> Path:
    if kind == "not an image":
        path = tmp_path / "notes.png"
        path.write_text("these are not pixels\n")
    elif kind == "truncated":
        path = tmp_path / "cut.jpg"
        Image.fromarray(load_sample("coffee", size=128)).save(path, quality=95)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "too small":
        path = tmp_path / "sliver.png"
        Image.fromarray(np.full((6, 200, 3), 128, np.uint8)).save(path)
    elif kind in ("bomb", "huge bomb"):
        side = 10_000 if kind == "bomb" else 20_000
        path = _png_header(tmp_path / "bomb.png", side, side)
    else:
        path = tmp_path / "missing.png"
    return path


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [("missing", "not found"), ("not an image", "not a readable image"), ("truncated", "truncated"),
     ("too small", "too small"), ("bomb", "too large"), ("huge bomb", "too large")],
)
@pytest.mark.parametrize("role", ["content", "style"])
def test_bad_images(capsys, tmp_path, kind, fragment, role):
    bad = _bad_image(tmp_path, kind)
    images = [bad, "starry_night"] if role == "content" else ["chelsea", bad]
    out = tmp_path / "out.png"
    status, _, err = call(capsys, "run", *images, "-o", out, *TINY)
    assert_one_line_error(status, err, fragment)
    assert not out.exists() and not out.with_suffix(".json").exists()


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (["--alpha", "nan"], "--alpha"), (["--beta", "-1"], "--beta"), (["--tv", "inf"], "--tv"),
        (["--alpha", "-inf"], "--alpha"), (["--evals", "0"], "--evals"), (["--evals", "-5"], "--evals"),
        (["--size", "8"], "--size"), (["--style-size", "4"], "--style-size"), (["--lr", "0"], "--lr"),
        (["--lr", "nan"], "--lr"), (["--checkpoint-every", "-1"], "--checkpoint-every"),
        (["--style-layers", "conv9_9"], "unknown VGG19 layer"), (["--content-layers", "block4_conv7"], "unknown VGG19 layer"),
        (["--content-layers", ","], "no layers"), (["--style-layer-weights", "1,2"], "layer weights for 5 layers"),
        (["--style-layer-weights", "1,1,1,1,nan"], "style layer weight"), (["--style-layer-weights", "0,0,0,0,0"], "positive"),
        (["--style-layer-weights", "1,x"], "comma-separated numbers"), (["--evals", "many"], "invalid int"),
        (["--pooling", "median"], "invalid choice"), (["--bounds", "soft"], "invalid choice"), (["--optimizer", "sgd"], "invalid choice"),
        (["--init", "nowhere.png"], "not found"), (["--weights", "vgg16"], "unknown weights"),
    ],
)
def test_bad_options_fail_before_the_network_is_built(capsys, tmp_path, network_must_not_be_built, options, fragment):
    out = tmp_path / "out.png"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY, *options)
    assert_one_line_error(status, err, fragment)
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing folder", "read-only folder", "folder as output", "not an image suffix"])
def test_unwritable_output_fails_before_the_network_is_built(capsys, tmp_path, network_must_not_be_built, case):
    if case == "missing folder":
        out, fragment = tmp_path / "no" / "such" / "out.png", "does not exist"
    elif case == "read-only folder":
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # root writes anywhere except a kernel file system
            folder = Path("/sys")
        else:
            folder = tmp_path / "locked"
            folder.mkdir()
            folder.chmod(0o555)
        out, fragment = folder / "out.png", "not writable"
    elif case == "folder as output":
        (tmp_path / "dir.png").mkdir()
        out, fragment = tmp_path / "dir.png", "is a folder"
    else:
        out, fragment = tmp_path / "out.txt", "must end in"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", out, *TINY)
    assert_one_line_error(status, err, fragment)


def test_unknown_sample_name_lists_the_way_out(capsys, tmp_path, network_must_not_be_built):
    status, _, err = call(capsys, "run", "chelsey", "starry_night", "-o", tmp_path / "o.png", *TINY)
    assert_one_line_error(status, err, "styletransfer samples")


def test_imagenet_weights_missing_is_an_error(capsys, tmp_path, network_must_not_be_built):
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", tmp_path / "o.png", *TINY[:4],
                          "--weights", "imagenet")
    assert_one_line_error(status, err, "styletransfer fetch")


@pytest.mark.parametrize("via", ["path", "environment"])
def test_corrupt_weights_file_is_an_error(capsys, tmp_path, monkeypatch, network_must_not_be_built, via):
    weights = tmp_path / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    weights.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(1000))
    if via == "path":
        choice = str(weights)
    else:
        monkeypatch.setenv("STYLETRANSFER_VGG19_WEIGHTS", str(weights))
        choice = "imagenet"
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", tmp_path / "o.png", *TINY[:4],
                          "--weights", choice)
    assert_one_line_error(status, err, "corrupt")


def test_missing_weights_file_path_is_an_error(capsys, tmp_path, network_must_not_be_built):
    status, _, err = call(capsys, "run", "chelsea", "starry_night", "-o", tmp_path / "o.png", *TINY[:4],
                          "--weights", tmp_path / "nothing.h5")
    assert_one_line_error(status, err, "not found")


def test_no_command_prints_help(capsys):
    status, out, _ = call(capsys)
    assert status == 2 and "run" in out and "fetch" in out


# -- samples, fetch, info -----------------------------------------------------------------------
def test_samples_lists_every_image_with_licence_and_status(capsys, tmp_path, monkeypatch):
    status, out, _ = call(capsys, "samples")
    assert status == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    for sample in SAMPLES.values():
        assert sample.licence in rows[sample.name] and sample.kind in rows[sample.name]
        assert ("shipped" if sample.shipped else "fetched: cached") in rows[sample.name]
    monkeypatch.setenv("STYLETRANSFER_CACHE", str(tmp_path))
    (tmp_path / SAMPLES["tuebingen"].filename).write_bytes(b"not the photo")
    _, out, _ = call(capsys, "samples")
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "corrupt" in rows["tuebingen"] and "not cached" in rows["mount_rainier"]


def test_fetch_reports_each_item_and_fails_with_status_2(capsys, tmp_path, monkeypatch):
    status, out, err = call(capsys, "fetch")  # offline: the weights fail, the seeded samples are fine
    assert status == 2
    assert "FAILED  VGG19 ImageNet weights" in out and "styletransfer fetch" in out
    assert "STYLETRANSFER_OFFLINE is set" in out
    fetched = [s.name for s in SAMPLES.values() if not s.shipped]
    for name in fetched:
        assert f"ok      sample {name}" in out
    assert_one_line_error(status, err, f"1 of {len(fetched) + 1} items")
    monkeypatch.setenv("STYLETRANSFER_CACHE", str(tmp_path / "empty"))
    status, out, _ = call(capsys, "fetch")
    assert status == 2 and out.count("FAILED") == len(fetched) + 1


def test_fetch_succeeds_when_every_item_is_available(capsys, tmp_path, monkeypatch):
    fake = tmp_path / "weights.h5"
    monkeypatch.setattr(info_commands, "download_weights", lambda: fake)
    status, out, err = call(capsys, "fetch")
    assert status == 0, err
    assert f"ok      VGG19 ImageNet weights: {fake}" in out and "FAILED" not in out


def test_info_reports_versions_devices_weights_and_folders(capsys):
    status, out, _ = call(capsys, "info")
    assert status == 0
    assert "tensorflow" in out and "CPU" in out and "missing" in out
    assert os.environ["STYLETRANSFER_CACHE"] in out
    status, out, _ = call(capsys, "info", "--json")
    info = json.loads(out)
    assert info["versions"]["styletransfer"] and info["weights"]["status"].startswith("missing")
    assert any(d.startswith("CPU") for d in info["devices"])


# -- through the real entry points --------------------------------------------------------------
def _spawn(*argv: str, module: bool = False, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "styletransfer", *argv] if module else [str(SCRIPT), *argv]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.mark.parametrize("module", [False, True], ids=["console-script", "python-m"])
def test_entry_points_give_one_line_errors_without_traceback(tmp_path, module):
    proc = _spawn("run", str(tmp_path / "missing.jpg"), "starry_night", "-o", str(tmp_path / "o.png"), *TINY,
                  module=module)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("styletransfer: error:")]
    assert len(errors) == 1 and "not found" in errors[0]


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no checkpoint appeared"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_stopped_run_keeps_best_image(tmp_path, how):
    out = tmp_path / "long.png"
    proc = _spawn("run", "chelsea", "starry_night", "-o", str(out), "--size", "32", "--evals", "100000",
                  "--optimizer", "adam", "--weights", "random", "-q", "--checkpoint-every", "2")
    _wait_for(out.with_suffix(".json"), proc)
    time.sleep(0.5)
    proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=120)
    record = json.loads(out.with_suffix(".json").read_text())
    assert load_image(out).shape == (21, 32, 3)
    if how != "SIGKILL":  # the handler writes the final image and then its record
        assert record["output"]["sha256"] == sha256(out)
    # After SIGKILL both files are whole (atomic writes), and the record describes the image on disk:
    # as its "output", or as its "previous_output" after a kill between the two renames.
    assert verify_pair(out) in ("output", "previous_output")
    assert record["result"]["evaluations"] >= 2
    if how == "SIGKILL":  # nothing runs after SIGKILL: the last checkpoint is what is left
        assert proc.returncode == -signal.SIGKILL
        assert record["result"]["stop_reason"] == "running"
    else:
        expected = cli.EXIT_TERMINATED if how == "SIGTERM" else cli.EXIT_INTERRUPTED
        assert proc.returncode == expected, err
        assert record["result"]["stop_reason"] == "interrupted"
        assert "Traceback" not in err and "saved the best image" in err
