"""The live sliders, driven from Python: set slider values, click buttons, watch the optimiser.

Every problem is built through a spy factory whose ``run`` records what the optimiser received
(the starting image and the weights in force) and how many runs are active at once. Waits are on
events with timeouts, never on sleeps.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import re
import threading

import numpy as np
import pytest
from PIL import Image

from styletransfer import StyleTransfer, load_sample
from styletransfer.errors import ParameterError, StyleTransferError
from styletransfer.images import deprocess as st_deprocess
from styletransfer.images import resize_image
from styletransfer.live.preview import png_bytes
from styletransfer.live.steering import Steerer
from styletransfer.live.widgets import explore
from styletransfer.notebook.plotting import loss_plot_png
from styletransfer.strength import strength_weights

pytest.importorskip("ipywidgets")
pytestmark = pytest.mark.slow  # each test builds a small VGG19 problem and traces it: a few seconds

TIMEOUT = 120.0  # generous: the machine may be busy; a hang fails instead of blocking forever
FOREVER = 10**6  # evaluations of a run that only a change or Stop can end


class RunSpy:
    """Problem factory whose problems' ``run`` records every call and counts concurrent runs."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.calls: list[dict] = []
        self.problems: list[StyleTransfer] = []
        self.active = 0
        self.max_active = 0
        self.fail_next = False
        self.fail_build = False

    def factory(self, *args, **kwargs) -> StyleTransfer:
        if self.fail_build:
            raise ParameterError("injected build failure")
        problem = StyleTransfer(*args, **kwargs)
        problem.run = self._wrap(problem, problem.run)
        self.problems.append(problem)
        return problem

    def _wrap(self, problem, original):
        def run(**options):
            call = {"init": np.array(options["init"], copy=True), "problem": problem, "evaluating": threading.Event(),
                    **{k: getattr(problem, k) for k in ("content_weight", "style_weight", "tv_weight")}}
            user_callback = options["callback"]

            def callback(progress):
                call["evaluating"].set()
                return user_callback(progress)

            with self.cond:
                self.active += 1
                self.max_active = max(self.max_active, self.active)
                self.calls.append(call)
                self.cond.notify_all()
            try:
                if self.fail_next:
                    self.fail_next = False
                    raise RuntimeError("injected failure")
                call["result"] = original(**{**options, "callback": callback})
                return call["result"]
            finally:
                with self.cond:
                    self.active -= 1
                    self.cond.notify_all()

        return run

    def wait_calls(self, count: int) -> dict:
        """Wait until the ``count``-th run has started and evaluated at least once; return it."""
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.calls) >= count, TIMEOUT), f"run {count} never started"
            call = self.calls[count - 1]
        assert call["evaluating"].wait(TIMEOUT), f"run {count} never evaluated"
        return call


@pytest.fixture(scope="module")
def images():
    return load_sample("chelsea", size=48), load_sample("starry_night", size=48)


@pytest.fixture
def spy():
    return RunSpy()


@pytest.fixture
def make(images, spy):
    """Build an explorer on 32-48 px images with random weights; closed after the test."""
    made = []

    def build(**options):
        options = {"size": 32, "sizes": (32, 48), "weights": "random", "debounce": 0.0, "preview_interval": 0.0,
                   "evals_per_run": 4, "problem_factory": spy.factory, **options}
        explorer = explore(*images, **options)
        made.append(explorer)
        return explorer

    yield build
    for explorer in made:
        explorer.close()
        assert not explorer.steerer._thread.is_alive(), "the worker thread must end on close()"
        assert explorer.steerer.listener_errors == [], "the view raised in the worker thread"


def run_once(ex) -> None:
    ex.run_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)


def test_slider_change_reaches_the_optimiser_and_continues_from_the_current_image(make, spy):
    ex = make()
    run_once(ex)
    first = ex.steerer.image.copy()
    assert not np.array_equal(first, ex.steerer.start_image), "a run must change the image"

    ex.beta.value = 1000.0
    assert ex.steerer.wait_idle(TIMEOUT)
    call = spy.calls[-1]
    assert len(spy.calls) == 2, "a slider change restarts the optimisation (live mode)"
    assert call["style_weight"] == pytest.approx(ex.beta.value, rel=1e-6)
    assert call["content_weight"] == pytest.approx(ex.alpha.value, rel=1e-6)
    assert np.array_equal(call["init"], first), "warm start: the run continues from the previous image"
    assert call["problem"] is spy.problems[0], "a weight change must not rebuild the problem"

    ex.alpha.value, ex.tv.value = 0.01, 1e-4
    assert ex.steerer.wait_idle(TIMEOUT)
    problem = spy.problems[0]
    assert problem.content_weight == pytest.approx(ex.alpha.value, rel=1e-6)
    assert problem.tv_weight == pytest.approx(ex.tv.value, rel=1e-6)
    assert spy.calls[-1]["content_weight"] == pytest.approx(ex.alpha.value, rel=1e-6)
    assert ex.preview.value == png_bytes(ex.steerer.image), "the preview shows the current image"
    assert "beta/alpha = <b>100,000</b>" in ex.ratio.value


def test_a_new_change_cancels_the_running_one_cleanly(make, spy):
    ex = make(evals_per_run=FOREVER)
    ex.beta.value = 100.0
    first = spy.wait_calls(1)
    ex.beta.value = 1000.0
    second = spy.wait_calls(2)
    assert first["result"].stop_reason == "stopped", "the first run is stopped, not left running"
    assert np.array_equal(second["init"], first["result"].image), "the next run continues from the stopped one"
    assert second["style_weight"] == pytest.approx(ex.beta.value, rel=1e-6)
    ex.stop_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)
    assert second["result"].stop_reason == "stopped"
    assert spy.max_active == 1
    assert ex.steerer._thread.is_alive(), "cancelling must not kill the worker"


def test_stop_stops_and_nothing_restarts(make, spy):
    ex = make(evals_per_run=FOREVER)
    ex.run_button.click()
    spy.wait_calls(1)
    ex.run_button.click()  # Run while running changes nothing: no second run is queued
    ex.stop_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)
    assert spy.calls[0]["result"].stop_reason == "stopped"
    assert not ex.steerer.running
    assert len(spy.calls) == 1
    assert ex.steerer.evaluations == spy.calls[0]["result"].evaluations > 0
    assert "Stopped" in ex.status.value


def test_reset_goes_back_to_the_start_image(make, spy):
    ex = make()
    run_once(ex)
    assert not np.array_equal(ex.steerer.image, ex.steerer.start_image)
    ex.reset_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)
    assert np.array_equal(ex.steerer.image, ex.steerer.start_image)
    assert ex.steerer.history == [] and ex.steerer.evaluations == 0
    assert ex.preview.value == png_bytes(ex.steerer.start_image)
    run_once(ex)
    assert np.array_equal(spy.calls[-1]["init"], ex.steerer.start_image)


def test_rapid_slider_changes_never_run_two_optimisations_at_once(make, spy):
    ex = make(evals_per_run=FOREVER)
    values = np.logspace(0, 4, 24)
    for i, value in enumerate(values):
        started = len(spy.calls)
        ex.beta.value = float(value)
        if i % 4 == 0:  # sometimes let the run get going before the next change, sometimes not
            spy.wait_calls(started + 1)
    with spy.cond:
        assert spy.cond.wait_for(
            lambda: any(c["style_weight"] == pytest.approx(values[-1], rel=1e-6) for c in spy.calls), TIMEOUT)
    final = spy.wait_calls(len(spy.calls))
    ex.stop_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)
    assert spy.max_active == 1, "two optimisations ran at once"
    assert final["style_weight"] == pytest.approx(values[-1], rel=1e-6), "the last change wins"
    assert all(c["result"].stop_reason == "stopped" for c in spy.calls)
    for before, after in zip(spy.calls, spy.calls[1:]):
        assert np.array_equal(after["init"], before["result"].image), "every restart is warm"


def _download(ex) -> tuple[str, bytes, dict]:
    """The picture and record behind the Download links (data: URLs), as the browser saves them."""
    links = dict(re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', ex.downloads.value))
    (png_name, png), (json_name, record) = sorted(links.items(), key=lambda kv: not kv[0].endswith(".png"))
    assert json_name == png_name[:-4] + ".json"
    return png_name, base64.b64decode(png), json.loads(base64.b64decode(record))


def test_download_gives_the_current_png_and_its_record(make, spy):
    ex = make()
    ex.beta.value = 100.0
    assert ex.steerer.wait_idle(TIMEOUT)
    name, png, record = _download(ex)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), ex.steerer.image)
    assert name.startswith(f"styletransfer-{ex.folder.id}-")
    assert record["weights"]["random"] is True and "RANDOM" in record["weights"]["label"]
    assert record["parameters"]["style_weight"] == pytest.approx(100.0, rel=1e-6)
    assert record["parameters"]["size"] == 32
    assert len(record["history"]) == ex.steerer.evaluations == record["result"]["evaluations"]
    assert [c["from_evaluation"] for c in record["steering"]["changes"]] == [0]
    assert record["output"]["shape"] == list(ex.steerer.image.shape)
    assert list(ex.folder.path.iterdir()) == [], "nothing is left on the server"
    assert not hasattr(ex, "save_path"), "no server path is typed in the page"


def test_strength_slider_sets_alpha_and_beta_and_follows_them(make, spy):
    ex = make()
    ex.strength.value = 0.75
    assert ex.steerer.wait_idle(TIMEOUT)
    expected = strength_weights(0.75)
    assert spy.calls[-1]["style_weight"] == pytest.approx(expected["style_weight"], rel=1e-5)
    assert ex.beta.value == pytest.approx(expected["style_weight"], rel=1e-3)
    assert ex.readouts["beta"].value == "316"
    ex.beta.value = 1.0  # advanced: beta/alpha 1 is strength 1/3
    assert ex.steerer.wait_idle(TIMEOUT)
    assert ex.strength.value == pytest.approx(0.35)
    assert ex.names.rules["st-beta"]["valuetext"] == "1", "screen readers hear the weight, not its exponent"


def _upload(name: str, content: bytes, mime: str) -> dict:
    """One entry of ``FileUpload.value``, as ipywidgets makes it from a browser's file."""
    return {"name": name, "type": mime, "size": len(content), "content": memoryview(content),
            "last_modified": datetime.datetime.now(datetime.timezone.utc)}


def test_upload_is_checked_like_the_command_line(make, tmp_path):
    ex = make()
    before = ex.steerer.content_source.copy()
    ex.content_picker.upload.value = (_upload("notes.txt", b"hello", "text/plain"),)
    assert "notes.txt" in ex.message.value and "not a readable image" in ex.message.value
    assert "\n" not in ex.message.value and str(ex.folder.path) not in ex.message.value
    assert np.array_equal(ex.steerer.content_source, before), "a bad upload changes nothing"
    buffer = io.BytesIO()
    Image.fromarray(np.full((40, 60, 3), 200, np.uint8)).save(buffer, format="PNG")
    ex.content_picker.upload.value = (_upload("grey.png", buffer.getvalue(), "image/png"),)
    assert ex.message.value == ""
    assert ex.steerer.wait_idle(TIMEOUT)
    assert ex.steerer.content_source.mean() == pytest.approx(200, abs=1)
    assert np.allclose(ex.steerer.image, 200, atol=1), "the picture starts again from the new photo"
    ex.style_picker.gallery.value = "the_scream"
    assert ex.steerer.wait_idle(TIMEOUT)
    assert ex.steerer.style_source.shape != before.shape or not np.array_equal(ex.steerer.style_source, before)


def test_random_weights_are_labelled_in_plain_words(make):
    ex = make()
    assert ex.beta.step == pytest.approx(0.1) and ex.beta.base == 10
    assert ex.stop_button.disabled and not ex.run_button.disabled
    run_once(ex)
    assert "RANDOM-WEIGHT VGG19" in ex.status.value and "Done" in ex.status.value
    assert "random weights" in ex.banner.value and "styletransfer fetch" not in ex.banner.value
    assert "step 4" in ex.status.value and "s per step" in ex.status.value
    assert "idle" not in ex.status.value and "max_evals" not in ex.status.value


def test_run_is_disabled_and_stop_enabled_while_a_run_is_under_way(make):
    ex = make()

    def buttons():
        return ex.run_button.disabled, ex.stop_button.disabled

    during = []  # (Run disabled, Stop disabled) at each preview, seen from the worker thread mid-run
    # Called after the explorer's own listener has updated the page for the same preview.
    ex.steerer.subscribe(lambda event, steerer, payload: during.append(buttons()) if event == "preview" else None)
    assert buttons() == (False, True), "idle at first: Run enabled, Stop disabled"
    run_once(ex)
    assert len(during) >= 2, "the run must be watched while it paints"
    assert set(during) == {(True, False)}, f"mid-run Run must be disabled and Stop enabled: {during}"
    assert buttons() == (False, True), "idle again once the run has ended: Run enabled, Stop disabled"


def test_size_change_rebuilds_and_warm_starts_from_the_resized_image(make, spy):
    ex = make()
    run_once(ex)
    small = ex.steerer.image.copy()
    ex.size.value = 48
    assert ex.steerer.wait_idle(TIMEOUT)
    assert len(spy.problems) == 2 and max(spy.problems[1].shape[1:3]) == 48
    call = spy.calls[-1]
    assert call["problem"] is spy.problems[1]
    assert np.array_equal(call["init"], resize_image(small, spy.problems[1].shape[1:3]))
    assert ex.steerer.image.shape[:2] == spy.problems[1].shape[1:3]
    assert ex.steerer.start_image.shape == ex.steerer.image.shape


def test_content_layer_change_rebuilds_with_that_layer(make, spy):
    ex = make()
    ex.layer.value = "block2_conv2"
    assert ex.steerer.wait_idle(TIMEOUT)
    assert tuple(spy.problems[-1].content_layers) == ("block2_conv2",)
    assert np.array_equal(spy.calls[-1]["init"], ex.steerer.start_image), "nothing ran yet: start fresh"


def test_without_live_mode_a_change_waits_for_run(make, spy):
    ex = make()
    ex.live.value = False
    ex.beta.value = 300.0
    assert ex.steerer.wait_idle(TIMEOUT)
    assert spy.calls == []
    assert "press <b>Run</b>" in ex.hint.value
    assert spy.problems[0].style_weight == pytest.approx(300.0, rel=1e-6), "weights change even when idle"
    run_once(ex)
    assert spy.calls[0]["style_weight"] == pytest.approx(300.0, rel=1e-6)


def test_an_error_in_a_run_is_shown_and_the_worker_survives(make, spy):
    ex = make()
    spy.fail_next = True
    ex.run_button.click()
    assert ex.steerer.wait_idle(TIMEOUT)
    assert "Problem: injected failure" in ex.status.value
    run_once(ex)
    assert spy.calls[-1]["result"].evaluations == 4


def test_a_failed_rebuild_keeps_the_old_problem_and_settings(make, spy):
    ex = make()
    spy.fail_build = True
    ex.size.value = 48
    assert ex.steerer.wait_idle(TIMEOUT)
    assert "Problem: injected build failure" in ex.status.value
    assert ex.steerer.settings["size"] == 32 and ex.steerer.problem is spy.problems[0]
    spy.fail_build = False
    ex.beta.value = 50.0
    assert ex.steerer.wait_idle(TIMEOUT)
    assert spy.calls[-1]["problem"] is spy.problems[0] and spy.calls[-1]["style_weight"] == pytest.approx(50.0)


def test_bad_settings_raise_one_line_errors(images):
    steerer = Steerer(*images, size=32, weights="random", max_size=32)
    try:
        with pytest.raises(ParameterError, match="style_weight"):
            steerer.update(style_weight=-1.0)
        with pytest.raises(ParameterError, match="unknown setting"):
            steerer.update(colour=1)
        with pytest.raises(ParameterError, match="size"):
            steerer.update(size=8)
        with pytest.raises(StyleTransferError, match="conv9_9"):
            steerer.update(content_layer="conv9_9")
        with pytest.raises(ParameterError, match="evals_per_run"):
            Steerer(*images, size=32, weights="random", evals_per_run=0)
    finally:
        steerer.close()
    assert not steerer.running


def test_loss_plot_renders_history_and_change_markers():
    history = [{"evaluation": i, "total": 10.0 / i, "content": 1.0 / i, "style": 2.0 / i, "tv": 0.1} for i in range(1, 9)]
    markers = [(0, {"content_weight": 1.0, "style_weight": 10.0}), (4, {"content_weight": 1.0, "style_weight": 1e3})]
    empty = loss_plot_png([])
    plotted = loss_plot_png(history, markers, weights_label="RANDOM-WEIGHT VGG19 (seed 0)")
    assert plotted[:8] == b"\x89PNG\r\n\x1a\n" and plotted != empty
    assert plotted != loss_plot_png(history, markers[:1], weights_label="RANDOM-WEIGHT VGG19 (seed 0)")


def test_bench_sliders_tiny_run_prints_and_appends_its_own_section(tmp_path, capsys):
    from helpers import load_benchmark

    bench = load_benchmark("bench_sliders")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Core library\n\nsomeone else's section\n<!-- bench_core:end -->\n")
    argv = ["--size", "32", "--repeats", "1", "--warm-evals", "2", "--append", "--results", str(results)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    for mode in ("idle", "running"):
        assert f"| {mode} | " in out
    assert "cold restart" in out and "RANDOM-WEIGHT" in out and "debounce" in out
    assert bench.main(argv) == 0
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Core library\n\nsomeone else's section\n<!-- bench_core:end -->")
    assert text.count(bench.SECTION) == 1 and text.count("### ") == 2
    assert text.index(bench.SECTION) < text.index("### ") < text.index(bench.END_MARKER)


def test_lbfgs_first_step_makes_the_first_step_visible(small_problem):
    """optimize(lbfgs_first_step=...) (added for the sliders): the default keeps scipy's tiny first step."""
    start = small_problem.init_image("content")

    def second_image(**options):
        seen = []
        small_problem.run(init="content", max_evals=2, progress=False, callback=seen.append, callback_every=1,
                          **options)
        return np.asarray(seen[1].image, dtype=np.float64), seen[1].evaluation

    rms = {}
    for step in (None, 2.0):
        image, evaluation = second_image(lbfgs_first_step=step)
        assert evaluation == 2
        rms[step] = float(np.sqrt(np.mean((image - st_deprocess(start)) ** 2)))
    assert rms[None] < 0.2, "scipy's first step is far below a grey level"
    assert 1.0 < rms[2.0] < 3.0, "the first step is about 2 grey levels (RMS)"
    default, _ = second_image()
    assert np.array_equal(default, second_image(lbfgs_first_step=None)[0]), "None is the old behaviour"


def test_a_run_stops_by_itself_when_the_page_stops_its_heartbeat(make, spy):
    ex = make(evals_per_run=FOREVER, page_timeout=0.5)
    ex.strength.value = 0.7  # the first event from a page starts its heartbeat timer
    spy.wait_calls(1)
    # No browser sends heartbeats here: like a closed tab, so the run must stop on its own.
    assert ex.steerer.wait_idle(TIMEOUT)
    assert spy.calls[0]["result"].stop_reason == "stopped"
    assert ex.page_gone()


def test_first_steps_after_a_change_are_all_previewed_and_restyling_lasts_until_a_visible_change(make):
    """The eager previews (no rate limit on a run's first steps) and the "Restyling…" indicator."""
    from styletransfer.constants import LIVE_VISIBLE_CHANGE

    ex = make(evals_per_run=8, preview_interval=1e6, eager_previews=3)
    run_once(ex)
    seen = []

    def listener(event, steerer, payload):
        if event == "preview":  # called after the explorer's own listener has updated the page
            seen.append((payload.evaluation, "Restyling" in ex.status.value,
                         float(np.abs(payload.image.astype(np.float32) - before.astype(np.float32)).mean())))

    before = ex.steerer.image.copy()
    ex.steerer.subscribe(listener)
    ex.strength.value = 0.95
    assert "Restyling" in ex.status.value, "the indicator is on from the moment of the change"
    assert ex.steerer.wait_idle(TIMEOUT)
    assert [e for e, _, _ in seen] == [2, 3, 4], "evaluations 2 to 1 + eager_previews, then the rate limit"
    reached = False
    for evaluation, restyling, change in seen:
        reached = reached or change >= LIVE_VISIBLE_CHANGE
        assert restyling == (not reached), (evaluation, restyling, change)
    assert "Restyling" not in ex.status.value and "Done" in ex.status.value


def test_a_weights_change_first_paints_a_half_size_sketch_then_continues_from_it(make, spy, monkeypatch, tmp_path):
    from styletransfer import constants

    monkeypatch.setattr(constants, "LIVE_SKETCH_MIN_SIZE", 32)  # the app sketches from 128 px; tiny here
    narrow = make(size=48, sketch_evals=3)  # 48x30 px: a 24x15 sketch would be too small
    narrow.strength.value = 0.9
    assert narrow.steerer.wait_idle(TIMEOUT) and narrow.steerer.sketch_evaluations == 0
    assert "Done" in narrow.status.value, "no sketch, and the run goes on"
    spy.problems.clear()
    spy.calls.clear()
    ex = make(size=64, sizes=(32, 64), sketch_evals=3, sketch_max_evals=3)
    run_once(ex)
    assert len(spy.problems) == 1 and len(spy.calls) == 1, "Run paints at full size at once"
    sketches = []
    ex.steerer.subscribe(lambda event, steerer, payload: sketches.append(payload) if event == "sketch" else None)
    before = ex.steerer.image.copy()
    ex.strength.value = 0.9
    assert ex.steerer.wait_idle(TIMEOUT)
    full, sketcher = spy.problems
    sketch_call, main_call = spy.calls[1:]
    assert sketch_call["problem"] is sketcher and main_call["problem"] is full
    assert sketcher.shape[2] == full.shape[2] // 2 == 32, "the sketch is the same problem at half size"
    assert sketch_call["style_weight"] == pytest.approx(ex.steerer.settings["style_weight"], rel=1e-6)
    assert [p.evaluation for p in sketches] == [2, 3] and all(p.image.shape == before.shape for p in sketches)
    small = resize_image(before, sketcher.shape[1:])
    laid_over = before.astype(int) + resize_image(sketch_call["result"].image, before.shape) - resize_image(small, before.shape)
    assert np.array_equal(sketch_call["init"], small), "the sketch starts from the picture, made small"
    assert np.array_equal(main_call["init"], np.clip(laid_over, 0, 255).astype(np.uint8)), \
        "the full-size run continues from the picture with the sketch's change laid over it"
    assert not np.array_equal(main_call["init"], before)
    assert ex.steerer.sketch_evaluations == 3 and ex.steerer.evaluations == 4 + 4, "sketches are not in the history"
    _, record = ex.steerer.save(tmp_path / "sketched.png")
    assert json.loads(record.read_text())["steering"]["sketch_evaluations"] == 3, "the record says so"
    ex.strength.value = 0.3
    assert ex.steerer.wait_idle(TIMEOUT)
    assert len(spy.problems) == 2 and len(spy.calls) == 5, "the next change reuses the sketch's problem"


class _DriftingProblem:
    """Stands in for the small problem of a sketch: every evaluation brightens the picture by ``step``."""

    shape = (1, 8, 8, 3)

    def __init__(self, step: float) -> None:
        self.step, self.evaluations = step, 0

    def run(self, *, init, max_evals, callback, **_):
        from types import SimpleNamespace

        from styletransfer.optimize import Progress

        image = init
        for evaluation in range(1, max_evals + 1):
            self.evaluations = evaluation
            image = np.clip(init.astype(np.float32) + self.step * (evaluation - 1), 0, 255).astype(np.uint8)
            if callback(Progress(evaluation, {"total": 1.0}, image, 0.0, "random")):
                break
        return SimpleNamespace(image=image, evaluations=self.evaluations)


@pytest.mark.parametrize(("step", "expected"), [(3.0, 3), (1.0, 6), (0.1, 8)])
def test_the_sketch_goes_on_past_its_evaluations_only_until_its_change_is_visible(step, expected):
    from styletransfer.live.sketch import sketch

    picture = np.full((16, 16, 3), 100, np.uint8)
    problem, shown = _DriftingProblem(step), []
    image, spent = sketch(problem, picture, evals=3, max_evals=8, visible=5.0, stop_event=threading.Event(),
                          first_step=None, show=shown.append)
    # Evaluation k has changed the picture by step * (k - 1) grey levels: visible (>= 5) from
    # evaluation 3 at 3.0 per step, from 6 at 1.0; never within 8 at 0.1.
    assert spent == problem.evaluations == expected
    assert [p.evaluation for p in shown] == list(range(2, expected + 1))
    assert np.allclose(image.astype(float) - picture, min(255 - 100, step * (expected - 1)), atol=1)
