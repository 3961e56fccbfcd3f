"""The resource estimate: layer shapes as the network has them, the memory check at every entry point."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from styletransfer import estimate as E
from styletransfer.errors import ResourceError


def test_layer_shapes_match_the_network():
    from styletransfer.features import build_vgg19

    model = build_vgg19(last_layer="block5_conv1")
    x = np.zeros((1, 37, 53, 3), np.float32)
    for layer, (name, h, w, c) in zip(model.layers, E.layer_shapes(37, 53, "block5_conv1")):
        x = layer(x)
        assert layer.name == name and tuple(x.shape[1:]) == (h, w, c)
    assert E.layer_shapes(37, 53, "conv1_1") == [("block1_conv1", 37, 53, 64)]


def test_memory_grows_with_the_picture_and_the_deepest_layer():
    small, large = E.estimate(shape=(300, 400), size=256), E.estimate(shape=(300, 400), size=1024)
    assert large.shape == (768, 1024) and small.shape == (192, 256)
    assert large.peak_bytes > 4 * (small.peak_bytes - E.C.ESTIMATE_BASE_BYTES)
    shallow = E.estimate(shape=(300, 400), size=1024, content_layers=["conv1_1"], style_layers=["conv1_1"])
    assert shallow.peak_bytes < large.peak_bytes
    assert E.estimate(shape=(300, 400), size=1024, optimizer="adam").peak_bytes < large.peak_bytes


def test_source_shape_reads_the_header_and_exif_orientation(tmp_path):
    path = tmp_path / "portrait.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    Image.new("RGB", (60, 20)).save(path, exif=exif)
    assert E.source_shape(path) == (60, 20)
    assert E.source_shape(np.zeros((7, 9, 3), np.uint8)) == (7, 9)
    assert E.source_shape("https://example.org/x.jpg") is None
    assert E.source_shape("chelsea") == (300, 451)


def test_the_refusal_names_the_largest_size_that_fits(monkeypatch):
    monkeypatch.setattr(E, "available_memory", lambda: 3_000_000_000)
    began = time.perf_counter()
    with pytest.raises(ResourceError) as info:
        E.check_fits(np.zeros((300, 400, 3), np.uint8), None, size=4096, size_name="--size")
    assert time.perf_counter() - began < 2
    text = str(info.value)
    largest = int(text.split("use --size ")[1].split()[0])
    assert "3.0 GB is available" in text and "\n" not in text
    budget = 3_000_000_000 * E.C.ESTIMATE_MEMORY_HEADROOM
    assert E.estimate(shape=(300, 400), size=largest).peak_bytes <= budget
    assert E.estimate(shape=(300, 400), size=largest + 1).peak_bytes > budget
    assert E.check_fits(np.zeros((300, 400, 3), np.uint8), None, size=largest).fits


@pytest.mark.parametrize("entry", ["StyleTransfer", "stylize", "Steerer", "stylize_multiscale"])
def test_every_entry_point_refuses_before_loading(entry, monkeypatch):
    import styletransfer as st
    from styletransfer.live.steering import Steerer

    monkeypatch.setattr(E, "available_memory", lambda: 1_500_000_000)
    calls = {"StyleTransfer": lambda: st.StyleTransfer("chelsea", "starry_night", size=3000, weights="random"),
             "stylize": lambda: st.stylize("chelsea", "starry_night", size=3000, weights="random", progress=False),
             "Steerer": lambda: Steerer("chelsea", "starry_night", size=256, max_size=3000, weights="random"),
             "stylize_multiscale": lambda: st.stylize_multiscale("chelsea", "starry_night", size=3000,
                                                                 weights="random", progress=False)}
    began = time.perf_counter()
    with pytest.raises(ResourceError, match="1.5 GB is available"):
        calls[entry]()
    assert time.perf_counter() - began < 2


def test_estimate_seconds_uses_the_calibration(monkeypatch, tmp_path):
    monkeypatch.setenv("STYLETRANSFER_CACHE", str(tmp_path))
    assert not E.estimate(shape=(64, 64), size=64).calibrated
    data = E.calibrate(sizes=(32, 48), evaluations=1)
    assert data["flops_per_second"] > 0 and (tmp_path / "estimate-calibration.json").is_file()
    after = E.estimate(shape=(64, 64), size=64)
    assert after.calibrated
    seconds = E.estimate_seconds(shape=(64, 64), size=64, max_evals=100)
    assert seconds == pytest.approx(E.C.ESTIMATE_SETUP_SECONDS + 100 * after.seconds_per_evaluation)


def test_estimate_command(capsys, tmp_path):
    from styletransfer.cli.main import main

    assert main(["estimate", "chelsea", "starry_night", "--size", "512", "--no-calibrate"]) == 0
    out = capsys.readouterr().out
    assert "512x341 px" in out and "largest --size that fits" in out and "a run of 300 evaluations" in out


def test_a_reduced_precision_scales_the_time_by_its_measured_speed_up(monkeypatch, capsys):
    from styletransfer import precision
    from styletransfer.cli.main import main

    asked = []
    monkeypatch.setattr(precision, "speedup", lambda kind: asked.append(kind) or 0.25)  # 4x slower, as bf16 here
    exact = E.estimate(shape=(64, 64), size=64)
    assert asked == [] and exact.precision == "float32", "float32 times nothing"
    reduced = E.estimate(shape=(64, 64), size=64, precision="bfloat16")
    assert asked == ["bfloat16"] and reduced.precision == "bfloat16"
    assert reduced.seconds_per_evaluation == pytest.approx(4 * exact.seconds_per_evaluation)
    assert reduced.peak_bytes == exact.peak_bytes, "memory: the float32 figure (measured no lower)"
    assert "s per evaluation in bfloat16" in reduced.describe() and " in " not in exact.describe().split("available")[1]
    assert main(["estimate", "chelsea", "starry_night", "--size", "64", "--no-calibrate", "--precision", "float16"]) == 0
    assert "in float16" in capsys.readouterr().out and asked[-1] == "float16"
    assert main(["estimate", "chelsea", "starry_night", "--precision", "half"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--precision" in err[0] and "float32" in err[0] and "Traceback" not in err[0], err
