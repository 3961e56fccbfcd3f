"""Run records: contents, digests, JSON safety and atomic writing."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from PIL import Image

from styletransfer.errors import StyleTransferError
from styletransfer.optimize import Result
from styletransfer.record import (
    RECORD_SCHEMA,
    build_record,
    describe_image,
    library_versions,
    machine_description,
    record_path,
    save_result,
    write_record,
)
from styletransfer.weights import WeightsSpec


def _result(rng, *, history=None, kind="random") -> Result:
    image = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    history = history if history is not None else [
        {"evaluation": i, "total": 10.0 / i, "content": 1.0 / i, "style": 0.5 / i, "tv": 0.1} for i in (1, 2, 3)
    ]
    label = WeightsSpec(kind).label
    return Result(image=image, history=history, best_loss=history[-1]["total"] if history else math.inf,
                  evaluations=len(history), elapsed=1.5, stop_reason="max_evals", message="done",
                  optimizer="lbfgs", weights_kind=kind, weights_label=label)


def test_record_path_is_the_image_stem_with_json(tmp_path):
    assert record_path(tmp_path / "a.b.png") == tmp_path / "a.b.json"
    assert record_path("out/x.jpg").name == "x.json"


def test_build_record_describes_inputs_output_weights_and_history(rng, tmp_path):
    result = _result(rng)
    content = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    style = rng.integers(0, 256, size=(10, 16, 3), dtype=np.uint8)
    style_file = tmp_path / "style.png"
    Image.fromarray(style).save(style_file)
    out = tmp_path / "out.png"
    Image.fromarray(result.image).save(out)
    record = build_record(
        result, {"size": 16, "layers": ("block1_conv1",)}, content=content, style=style,
        content_source="chelsea", style_source=style_file, output=out, weights=WeightsSpec("random", seed=3),
        timings={"setup": 0.25}, extra={"command": ["styletransfer", "run"]},
    )
    assert record["schema"] == RECORD_SCHEMA
    assert record["inputs"]["content"] == {"shape": [12, 16, 3], "source": "chelsea",
                                           "pixels_sha256": hashlib.sha256(content.tobytes()).hexdigest()}
    assert record["inputs"]["style"]["file_sha256"] == hashlib.sha256(style_file.read_bytes()).hexdigest()
    assert record["output"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert record["weights"] == {"kind": "random", "label": WeightsSpec("random").label, "random": True,
                                 "path": None, "seed": 3, "fallback_reason": None}
    assert record["parameters"] == {"size": 16, "layers": ["block1_conv1"]}
    assert record["timings"] == {"optimisation": 1.5, "seconds_per_evaluation": 0.5, "setup": 0.25}
    assert record["result"]["final_losses"] == result.history[-1]
    assert record["history"] == result.history
    assert record["command"] == ["styletransfer", "run"]
    assert json.loads(json.dumps(record, allow_nan=False)) == record


def test_pixel_digest_depends_on_every_pixel(rng):
    image = rng.integers(0, 255, size=(8, 8, 3), dtype=np.uint8)
    changed = image.copy()
    changed[7, 7, 2] += 1
    assert describe_image(image)["pixels_sha256"] != describe_image(changed)["pixels_sha256"]
    assert describe_image(image)["pixels_sha256"] == describe_image(image.copy())["pixels_sha256"]


def test_nonfinite_losses_become_null_and_empty_history_is_fine(rng, tmp_path):
    history = [{"evaluation": 1, "total": 2.0, "content": 1.0, "style": 1.0, "tv": 0.0},
               {"evaluation": 2, "total": math.nan, "content": math.inf, "style": 1.0, "tv": 0.0}]
    record = build_record(_result(rng, history=history), {"beta": np.float32("inf")})
    assert record["history"][1]["total"] is None and record["history"][1]["content"] is None
    assert record["parameters"]["beta"] is None
    path = write_record(tmp_path / "r.json", record)
    assert json.loads(path.read_text())["history"][1]["total"] is None
    empty = build_record(_result(rng, history=[]), {})
    assert empty["result"]["final_losses"] is None and empty["result"]["best_loss"] is None


def test_imagenet_record_has_no_random_flag(rng, tmp_path):
    record = build_record(_result(rng, kind="imagenet"), {}, weights=WeightsSpec("imagenet", path=tmp_path / "w.h5"))
    assert record["weights"]["random"] is False and record["weights"]["seed"] is None
    assert record["weights"]["path"] == str(tmp_path / "w.h5")


def test_write_record_is_atomic_and_replaces(tmp_path, rng):
    path = tmp_path / "run.json"
    write_record(path, {"a": 1})
    write_record(path, build_record(_result(rng), {"size": 16}))
    assert json.loads(path.read_text())["parameters"] == {"size": 16}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary files left behind


def test_write_record_into_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(StyleTransferError, match="does not exist"):
        write_record(tmp_path / "nope" / "r.json", {"a": 1})


def test_versions_and_machine():
    versions = library_versions()
    import keras
    import tensorflow as tf

    assert versions["tensorflow"] == tf.__version__ and versions["keras"] == keras.__version__
    assert versions["numpy"] == np.__version__ and versions["styletransfer"]
    machine = machine_description()
    assert machine["cpu"] and machine["cpu_count"] >= 1 and 1 <= machine["usable_cores"] <= machine["cpu_count"]


def test_save_result_writes_image_then_record_with_its_digest(rng, tmp_path):
    result = _result(rng)
    image_path, json_path = save_result(tmp_path / "saved.png", result, {"size": 16}, content=result.image)
    assert json_path == tmp_path / "saved.json"
    assert np.array_equal(np.asarray(Image.open(image_path)), result.image)
    record = json.loads(json_path.read_text())
    assert record["output"]["sha256"] == hashlib.sha256(image_path.read_bytes()).hexdigest()
    assert record["inputs"]["content"]["pixels_sha256"] == hashlib.sha256(result.image.tobytes()).hexdigest()
