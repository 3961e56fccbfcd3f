"""precision= and --device: the quality guard at small size, the types each part runs in, auto's choice.

Seeded random-weight VGG19 throughout. The GPU tests run only where TensorFlow sees a GPU.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_line

from styletransfer import constants as C
from styletransfer import precision as P
from styletransfer.errors import ParameterError

#: Quality guard at CI size: bfloat16's best image, re-evaluated in float32, ends within this
#: fraction of float32's best loss (measured 0.5% at 48 px / 30 evaluations; 256 and 512 px with
#: longer runs are in benchmarks/bench_core.py --quality).
GUARD_SIZE, GUARD_EVALS, GUARD_TOLERANCE = 32, 20, 0.05


@pytest.fixture(scope="module")
def guarded():
    """float32 and bfloat16 runs of the same problem, and the float32 problem to re-evaluate with."""
    from styletransfer.transfer import StyleTransfer

    runs, problems = {}, {}
    for precision in ("float32", "bfloat16"):
        problems[precision] = StyleTransfer("chelsea", "starry_night", size=GUARD_SIZE, weights="random",
                                            precision=precision)
        runs[precision] = problems[precision].run(max_evals=GUARD_EVALS, progress=False)
    return problems, runs


def test_bfloat16_ends_within_tolerance_of_float32_and_does_not_stall(guarded, tmp_path):
    import keras

    from styletransfer.record import save_result

    problems, runs = guarded
    f32, bf16 = runs["float32"], runs["bfloat16"]
    rechecked = float(problems["float32"].loss_and_grad(bf16.best_batch)[0])
    reference = float(problems["float32"].loss_and_grad(f32.best_batch)[0])
    assert abs(rechecked - reference) <= GUARD_TOLERANCE * reference, (rechecked, reference)
    # no stall: every evaluation was used and the loss kept falling through the second half
    assert bf16.stop_reason == "max_evals" and bf16.evaluations == GUARD_EVALS
    half = min(h["total"] for h in bf16.history[: GUARD_EVALS // 2])
    assert bf16.best_loss < 0.95 * half < 0.95 * bf16.history[0]["total"]
    # the network computed in bfloat16, its features came out in float32, Keras's global policy is untouched
    extractor = problems["bfloat16"].extractor
    assert {layer.compute_dtype for layer in extractor.model.layers[1:]} == {"bfloat16"}
    assert all(v.dtype.name == "float32" for v in extractor(bf16.best_batch).values())
    assert keras.config.dtype_policy().name == "float32"
    # the record says what ran
    _, record_path = save_result(tmp_path / "out.png", bf16, {"precision": "bfloat16"})
    import json

    record = json.loads(record_path.read_text())
    assert record["precision"] == {"requested": "bfloat16", "resolved": "bfloat16", "reason": "requested",
                                   "accumulation": "float32"}


def test_float16_halves_its_loss_scale_when_the_gradient_overflows():
    from styletransfer.transfer import StyleTransfer

    problem = StyleTransfer("chelsea", "starry_night", size=32, weights="random", precision="float16",
                            style_layers=["conv1_1", "conv2_1"], content_layers=["conv2_2"])
    x = problem.init_image("noise")
    problem._loss_scale.assign(2.0**40)  # far past float16's 65504 once multiplied in
    total, _, grad = problem.loss_and_grad(x)
    assert np.isfinite(grad.numpy()).all() and float(problem._loss_scale.numpy()) < 2.0**40
    exact = StyleTransfer("chelsea", "starry_night", size=32, weights="random",
                          style_layers=["conv1_1", "conv2_1"], content_layers=["conv2_2"])
    total32, _, grad32 = exact.loss_and_grad(x)
    assert float(total) == pytest.approx(float(total32), rel=2e-2)
    cosine = np.vdot(grad.numpy(), grad32.numpy()) / np.linalg.norm(grad.numpy()) / np.linalg.norm(grad32.numpy())
    assert cosine > 0.99


def test_auto_takes_a_reduced_type_only_where_supported_and_measured_faster(monkeypatch):
    monkeypatch.setattr(P, "hardware_types", lambda **_: ())
    assert P.resolve_precision("auto") == P.Precision("auto", "float32", "no fast reduced type on this hardware")
    monkeypatch.setattr(P, "hardware_types", lambda **_: ("bfloat16",))
    monkeypatch.setattr(P, "speedup", lambda dtype: 1.9)
    chosen = P.resolve_precision("auto")
    assert chosen.resolved == "bfloat16" and "1.90x" in chosen.reason and chosen.reduced
    monkeypatch.setattr(P, "speedup", lambda dtype: 0.5)
    assert P.resolve_precision("auto").resolved == "float32"
    assert P.resolve_precision("float16") == P.Precision("float16", "float16", "requested")


def test_hardware_types_reads_cpu_flags_and_gpu_capabilities(monkeypatch):
    monkeypatch.setattr(P, "gpu_capabilities", lambda: [])
    monkeypatch.setattr(P, "cpu_flags", lambda: frozenset({"avx2", "avx512_bf16"}))
    assert P.hardware_types() == ("bfloat16",)
    monkeypatch.setattr(P, "cpu_flags", lambda: frozenset({"avx2"}))
    assert P.hardware_types() == ()
    monkeypatch.setattr(P, "gpu_capabilities", lambda: [(7, 5)])
    assert P.hardware_types() == ("float16",)
    monkeypatch.setattr(P, "gpu_capabilities", lambda: [(9, 0)])
    assert P.hardware_types() == ("float16", "bfloat16")


def test_bad_precision_and_device_are_one_line_errors(capsys):
    from styletransfer.cli.main import main
    from styletransfer.transfer import StyleTransfer

    with pytest.raises(ParameterError) as exc:
        StyleTransfer("chelsea", "starry_night", size=32, weights="random", precision="half")
    assert "'float32', 'bfloat16', 'float16', 'auto'" in one_line(exc)
    for flag, value in (("--precision", "bf16"), ("--device", "tpu")):
        assert main(["run", "chelsea", "starry_night", "-o", "never.png", flag, value]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and f"unknown {flag} {value!r}" in err and "did you mean" in err


def _gpus():
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


@pytest.mark.skipif(not _gpus(), reason="no GPU here: the GPU tests run where TensorFlow sees one")
def test_gpu_memory_growth_and_auto_precision():
    import tensorflow as tf

    from styletransfer.devices import use_device
    from styletransfer.transfer import StyleTransfer

    assert use_device("gpu") == "gpu"
    problem = StyleTransfer("chelsea", "starry_night", size=64, weights="random", precision="auto")
    assert all(tf.config.experimental.get_memory_growth(gpu) for gpu in _gpus())
    if "float16" in P.hardware_types():  # tensor cores: auto runs float16 when it measures faster
        assert problem.precision.resolved in ("float16", "float32")
    result = problem.run(max_evals=5, progress=False)
    assert np.isfinite(result.best_loss) and result.precision["requested"] == "auto"


@pytest.mark.skipif(bool(_gpus()), reason="a GPU is here: the no-GPU message cannot be tested")
def test_device_gpu_without_one_says_how_to_get_one():
    from styletransfer.devices import use_device

    with pytest.raises(ParameterError) as exc:
        use_device("gpu")
    assert "styletransfer[gpu]" in one_line(exc) and C.DEVICES == ("auto", "cpu", "gpu")


def test_steerer_passes_its_precision_to_every_rebuild():
    from styletransfer.live.steering import Steerer

    built = []

    def factory(content, style, **options):
        built.append(options)
        raise RuntimeError("stop here: only the options are looked at")

    with pytest.raises(RuntimeError):  # the Steerer builds its first problem at once
        Steerer("chelsea", "starry_night", size=32, max_size=32, weights="random", precision="bfloat16",
                problem_factory=factory, run_on_change=False)
    assert built[-1]["precision"] == "bfloat16"
    with pytest.raises(ParameterError):
        Steerer("chelsea", "starry_night", size=32, max_size=32, precision="half", problem_factory=factory)


def test_rebuilt_problems_do_not_add_up_to_a_retracing_warning(caplog):
    """Each problem traces its own function once; six rebuilds (as the sliders do) print no warning."""
    import logging

    from styletransfer.transfer import StyleTransfer

    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        for size in (26, 27, 28, 29, 30, 31):
            problem = StyleTransfer("chelsea", "starry_night", size=size, weights="random",
                                    style_layers=["conv1_1"], content_layers=["conv1_2"])
            problem.loss_and_grad(problem.init_image())
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
