"""styletransfer.video and ``styletransfer video``: flow, consistency mask, warp, temporal loss, a clip end to end.

The clips are synthetic (:mod:`styletransfer.video.synthetic`): a pan across a shipped photo by
whole pixels per frame, so the true flow is known exactly. Only the end-to-end test runs the
network (seeded random VGG19, 40x48 frames, 2 evaluations each); the resume test counts frames
with a stand-in problem and optimiser.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers import load_benchmark, numeric_grad

pytest.importorskip("cv2")
pytest.importorskip("imageio_ffmpeg")

from styletransfer import constants as C  # noqa: E402
from styletransfer.cli.main import main  # noqa: E402
from styletransfer.video import flow, io, synthetic, temporal  # noqa: E402

TINY = ["--size", "48", "--evals", "2", "--first-evals", "2", "--weights", "random", "--no-progress"]


@pytest.fixture(scope="module")
def pan():
    return synthetic.pan_clip("chelsea", frames=3, size=(48, 64), step=(3, 0))


@pytest.mark.parametrize("method", C.VIDEO_FLOW_METHODS)
def test_flow_recovers_the_known_shift_of_a_pan(pan, method):
    backward = flow.optical_flow(pan.frames[1], pan.frames[0], method=method)
    forward = flow.optical_flow(pan.frames[0], pan.frames[1], method=method)
    inner = (slice(4, -4), slice(4, -8))  # away from the frame's edges and the new strip
    assert np.median(np.abs(backward[inner] - pan.backward[0][inner])) < 0.1
    assert np.median(np.abs(forward[inner] + pan.backward[0][inner])) < 0.1  # forward: the opposite shift


def test_consistency_mask_flags_the_disoccluded_border(pan):
    backward = flow.optical_flow(pan.frames[1], pan.frames[0])
    mask = flow.consistency_mask(flow.optical_flow(pan.frames[0], pan.frames[1]), backward)
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert mask[:, -3:].mean() < 0.1  # the 3 new columns of a pan to the right have no source
    assert mask[:, 4:-8].mean() > 0.9
    true = flow.consistency_mask(-pan.backward[0], pan.backward[0])
    np.testing.assert_array_equal(true, pan.valid[0])  # the exact flows: exactly the new strip is out
    occluded = pan.backward[0].copy()
    occluded[10:20, 10:20] += 5.0  # a patch whose round trip does not come back
    assert flow.consistency_mask(-pan.backward[0], occluded)[12:18, 12:18].max() == 0


@pytest.mark.parametrize("step", [(3, 0), (-2, 0), (0, 2), (2, -1)])
def test_warp_is_exact_for_whole_pixel_shifts(step):
    clip = synthetic.pan_clip("chelsea", frames=2, size=(32, 40), step=step)
    warped = flow.warp(clip.frames[0], clip.backward[0])
    inside = clip.valid[0].astype(bool)
    assert inside.mean() > 0.8
    np.testing.assert_array_equal(warped[inside], clip.frames[1][inside])


def test_temporal_loss_is_zero_for_a_perfect_warp_and_grows_with_the_deviation(pan):
    target, mask = pan.frames[1], pan.valid[0]
    assert temporal.temporal_loss(target, target, mask) == 0.0
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, target.shape)
    losses = [temporal.temporal_loss(target + s * noise, target, mask) for s in (1.0, 4.0, 16.0)]
    assert 0 < losses[0] < losses[1] < losses[2]
    assert losses[1] / losses[0] == pytest.approx(16.0, rel=1e-6)  # quadratic
    changed = target.astype(np.float64)
    changed[:, -3:] += 50  # only where the mask is 0: no loss
    assert temporal.temporal_loss(changed, target, mask) == 0.0
    x = rng.uniform(0, 255, (1, 5, 6, 3))
    small_target, small_mask = rng.uniform(0, 255, x.shape), (rng.uniform(size=(5, 6)) > 0.3).astype(np.float32)
    _, grad = temporal.temporal_loss_and_grad(x, small_target, small_mask)
    expected = numeric_grad(lambda v: temporal.temporal_loss(v, small_target, small_mask), x, eps=1e-3)
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-9)


class _Spec:
    kind, label, is_random = "random", "RANDOM-WEIGHT VGG19 (seed 0), not the real result", True


class _FakeProblem:
    """Stands in for StyleTransfer: loss = mean squared distance to the content frame."""

    made = 0

    def __init__(self, content, style, *, size=None, weights=None, seed=0, **options):
        type(self).made += 1
        from styletransfer.images import preprocess

        self.target = preprocess(np.asarray(content))
        self.shape, self.spec, self.parameterization = self.target.shape, _Spec(), "pixels"

    def set_content(self, content):
        from styletransfer.images import preprocess

        self.target = preprocess(np.asarray(content))

    def init_image(self, init, *, seed=None):
        from styletransfer.images import preprocess

        return self.target.copy() if isinstance(init, str) else preprocess(np.asarray(init))

    def bounds(self):
        from styletransfer.images import pixel_bounds

        return pixel_bounds(self.shape)

    def loss_and_grad(self, x):
        d = np.asarray(x, np.float64) - self.target
        return float(np.mean(d**2)), {"content": float(np.mean(d**2))}, (2 * d / d.size).astype(np.float32)


def test_temporal_problem_adds_the_weighted_term_to_the_loss_and_gradient(pan):
    base = _FakeProblem(pan.frames[1], None)
    previous, mask = pan.frames[0], pan.valid[0]
    wrapped = temporal.TemporalProblem(base, previous, mask, 7.0)
    x = base.target + 3.0
    total, terms, grad = wrapped.loss_and_grad(x)
    loss, gradient = temporal.temporal_loss_and_grad(x, wrapped.target, mask)
    assert terms["temporal"] == loss > 0
    assert total == pytest.approx(base.loss_and_grad(x)[0] + 7.0 * loss)
    np.testing.assert_allclose(grad, base.loss_and_grad(x)[2] + 7.0 * gradient, rtol=1e-6)
    assert wrapped.spec is base.spec  # everything else is the problem's


def test_set_content_swaps_the_frame_without_recompiling(pan):
    from styletransfer.images import preprocess
    from styletransfer.transfer import StyleTransfer

    problem = StyleTransfer(pan.frames[0], pan.frames[2], size=None, weights="random")
    before = float(problem.loss_and_grad(preprocess(pan.frames[1]))[1]["content"])
    problem.set_content(pan.frames[1])
    _, terms, _ = problem.loss_and_grad(preprocess(pan.frames[1]))
    assert before > 0 and float(terms["content"]) == pytest.approx(0.0, abs=1e-6)  # its own frame now
    assert problem._compiled.experimental_get_tracing_count() == 1
    np.testing.assert_array_equal(problem.content_image, pan.frames[1])
    with pytest.raises(ValueError, match="give one of that size"):
        problem.set_content(pan.frames[1][:40])


def test_an_interrupted_run_keeps_its_frames_and_a_rerun_continues(capsys, monkeypatch, tmp_path, pan):
    import importlib

    optimize_module = importlib.import_module("styletransfer.optimize")  # the module, not the package's function
    transfer_module = importlib.import_module("styletransfer.transfer")
    optimize = optimize_module.optimize
    calls, stop = [], {"at": 3}

    def counted(problem, **kwargs):
        calls.append(problem)
        if len(calls) == stop["at"]:
            raise KeyboardInterrupt  # Ctrl-C during the third frame
        return optimize(problem, **kwargs)

    monkeypatch.setattr(transfer_module, "StyleTransfer", _FakeProblem)  # a stand-in network: frames are counted
    monkeypatch.setattr(optimize_module, "optimize", counted)
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    io.write_frames(source, pan.frames)
    argv = ["video", str(source), "starry_night", "-o", str(out), "--size", "64", "--evals", "2",
            "--first-evals", "2", "--weights", "random", "--no-progress"]
    assert main(argv) == 130
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == (f"styletransfer: error: interrupted after 2 of 3 frames; the finished frames are in {out}; "
                   "run the same command again to continue")
    assert sorted(p.name for p in out.glob("frame_*.png")) == ["frame_00000.png", "frame_00001.png"]
    assert not (tmp_path / "out.json").exists()
    kept = io.read_frames(out).frames
    calls.clear()
    stop["at"] = 0
    assert main(argv) == 0
    assert "resumed: 2 finished frames" in capsys.readouterr().out
    assert len(calls) == 1 and isinstance(calls[0], temporal.TemporalProblem)  # still held to the warped frame 1
    record = json.loads((tmp_path / "out.json").read_text())
    assert [f["index"] for f in record["frames"]] == [0, 1, 2] and record["timings"]["resumed"] == 2
    np.testing.assert_array_equal(io.read_frames(out).frames[1], kept[1])
    calls.clear()
    changed = [*argv, "--evals", "3"]
    assert main(changed) == 2  # other settings: refused without --overwrite
    assert "add --overwrite" in capsys.readouterr().err
    assert main([*changed, "--overwrite"]) == 0 and len(calls) == 3  # with it, every frame again


def test_a_short_video_end_to_end_mp4_in_and_out(capsys, tmp_path, pan):
    source, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    io.write_video(source, pan.frames, fps=12)
    status = main(["video", str(source), "starry_night", "-o", str(out), *TINY])
    stdout, stderr = capsys.readouterr()
    assert status == 0, stderr
    assert f"wrote {out} (3 frames, 48x36, 12 fps)" in stdout and "RANDOM-WEIGHT" in stderr
    clip = io.read_frames(out)
    assert len(clip.frames) == 3 and clip.shape == (36, 48) and clip.fps == 12
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["weights"]["random"] is True and len(record["frames"]) == 3
    assert record["frames"][0]["trusted"] is None and "temporal" not in record["frames"][0]["losses"]
    assert all(f["losses"]["temporal"] >= 0 and 0.5 < f["trusted"] < 1 for f in record["frames"][1:])
    from styletransfer.cache import sha256_file

    assert record["output"]["sha256"] == sha256_file(out)
    assert not out.with_name("out.mp4.frames").exists()  # the frame folder goes once the video is written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.json", "out.mp4"]  # no temporaries
    again = main(["video", str(source), "starry_night", "-o", str(out), *TINY])
    assert again == 2 and "already exists; add --overwrite" in capsys.readouterr().err


def _bad_inputs(tmp_path: Path, pan) -> dict[str, tuple[list[str], str]]:
    video = tmp_path / "in.mp4"
    io.write_video(video, pan.frames[:2], fps=12)
    (tmp_path / "text.mp4").write_text("not a video")
    (tmp_path / "empty").mkdir()
    v, o = str(video), str(tmp_path / "out.mp4")
    return {
        "missing": (["nope.mp4", "starry_night", "-o", o], "video not found: nope.mp4"),
        "not a video": ([str(tmp_path / "text.mp4"), "starry_night", "-o", o], "text.mp4 (ffmpeg finds no video in it)"),
        "empty folder": ([str(tmp_path / "empty"), "starry_night", "-o", o], "has no frames"),
        "flow": ([v, "starry_night", "-o", o, "--flow", "dsi"], "did you mean 'dis'?"),
        "weight": ([v, "starry_night", "-o", o, "--temporal-weight", "nan"], "--temporal-weight must be a finite"),
        "frames": ([v, "starry_night", "-o", o, "--max-frames", "0"], "--max-frames must be a whole number >= 1"),
        "alpha": ([v, "starry_night", "-o", o, "--alpha", "-1"], "--alpha (content weight) must be a finite"),
        "style size": ([v, "starry_night", "-o", o, "--style-size", "3"], "--style-size must be a whole number"),
        "image output": ([v, "starry_night", "-o", str(tmp_path / "out.png")], "must end in .mp4, .mov, .mkv"),
        "style": ([v, "starry_nigth", "-o", o], "did you mean 'starry_night'?"),
        "same folder": ([str(tmp_path / "empty"), "starry_night", "-o", str(tmp_path / "empty")],
                        "is the input folder"),
    }


def test_bad_input_is_one_line_and_exit_status_2(capsys, tmp_path, pan, monkeypatch):
    for name, (argv, expected) in _bad_inputs(tmp_path, pan).items():
        status = main(["video", *argv, *TINY])
        err = capsys.readouterr().err
        assert status == 2, (name, err)
        assert err.count("\n") == 1 and err.startswith("styletransfer: error: ") and expected in err, (name, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "in.mp4", "text.mp4"]  # nothing written
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)  # the video extra missing
    status = main(["video", str(tmp_path / "in.mp4"), "starry_night", "-o", str(tmp_path / "o.mp4"), *TINY])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and 'pip install "styletransfer[video]"' in err


def test_bench_video_tiny_run_prints_both_rows_and_appends_its_section(tmp_path, capsys):
    bench = load_benchmark("bench_video")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Sliders\n\nsomeone else's section\n")
    argv = ["--frames", "2", "--size", "32", "--evals", "2", "--first-evals", "2", "--append", "--results", str(results)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "| independent | 0 |" in out and "| temporal | 10000 |" in out and "Goal: warp error at least 3x" in out
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Sliders\n\nsomeone else's section")
    assert text.count(bench.SECTION) == 1 and text.index("### ") < text.index(bench.END_MARKER)
    assert "RANDOM-WEIGHT VGG19" in text and "usable cores" in text
