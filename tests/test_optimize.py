"""The optimisation loop: L-BFGS and Adam, evaluation counts, callbacks, stops, seeds, bounds."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from styletransfer.errors import ParameterError
from styletransfer.images import deprocess
from styletransfer.optimize import Progress, Result, optimize


class Spy:
    """Wraps ``problem.loss_and_grad``: counts calls, keeps the points, can misbehave on call ``n``."""

    def __init__(self, problem, monkeypatch, *, on_call=None):
        self.real, self.calls, self.points, self.on_call = problem.loss_and_grad, 0, [], on_call or {}
        monkeypatch.setattr(problem, "loss_and_grad", self)

    def __call__(self, x):
        self.calls += 1
        self.points.append(np.array(x, dtype=np.float32, copy=True))
        action = self.on_call.get(self.calls)
        if action is not None:
            return action(self.real(x))
        return self.real(x)


def _run(problem, **options) -> Result:
    options.setdefault("progress", False)
    return optimize(problem, **options)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_reduces_the_loss_and_counts_exactly(small_problem, monkeypatch, optimizer):
    spy = Spy(small_problem, monkeypatch)
    result = _run(small_problem, max_evals=12, optimizer=optimizer)
    assert spy.calls == result.evaluations == len(result.history) == 12
    assert result.stop_reason == "max_evals" and result.optimizer == optimizer
    totals = [h["total"] for h in result.history]
    assert [h["evaluation"] for h in result.history] == list(range(1, 13))
    assert result.best_loss == min(totals) < 0.8 * totals[0]
    assert set(result.history[0]) == {"evaluation", "total", "content", "style", "tv"}
    # The history's total is the weighted sum of its terms.
    h = result.history[-1]
    weighted = (small_problem.content_weight * h["content"] + small_problem.style_weight * h["style"]
                + small_problem.tv_weight * h["tv"])
    assert math.isclose(h["total"], weighted, rel_tol=1e-4)
    assert result.image.dtype == np.uint8 and result.image.shape == small_problem.content_image.shape
    assert result.is_random_weights and "RANDOM" in result.weights_label
    assert result.seconds_per_evaluation > 0


@pytest.mark.parametrize("max_evals", [1, 2, 5])
def test_max_evals_is_exact_for_small_budgets(small_problem, monkeypatch, max_evals):
    spy = Spy(small_problem, monkeypatch)
    result = _run(small_problem, max_evals=max_evals)
    assert spy.calls == result.evaluations == max_evals


def test_best_image_is_the_lowest_loss_point(small_problem, monkeypatch):
    spy = Spy(small_problem, monkeypatch)
    result = _run(small_problem, max_evals=8, optimizer="adam", learning_rate=20.0)
    best = int(np.argmin([h["total"] for h in result.history]))
    low, high = small_problem.bounds()
    np.testing.assert_array_equal(result.best_batch, np.clip(spy.points[best], low, high))
    np.testing.assert_array_equal(result.image, deprocess(result.best_batch))


def test_callback_every_k_evaluations(small_problem):
    seen: list[Progress] = []
    result = _run(small_problem, max_evals=10, callback=seen.append, callback_every=3)
    assert [p.evaluation for p in seen[:-1]] == [3, 6, 9]
    for p in seen:
        assert p.image.dtype == np.uint8 and p.image.shape == small_problem.content_image.shape
        assert {"total", "content", "style", "tv"} <= set(p.losses) and "RANDOM" in p.weights_label
    assert seen[1].losses == result.history[5]  # evaluation 6: the losses of that evaluation
    final = seen[-1]  # once more at the end, with the best image and its own losses
    np.testing.assert_array_equal(final.image, result.image)
    assert final.losses["total"] == result.best_loss and final.evaluation == result.evaluations == 10
    best = min(result.history, key=lambda h: h["total"])
    assert final.losses == best


def test_callback_returning_true_stops(small_problem):
    calls = []

    def stop_at_six(progress: Progress):
        calls.append(progress.evaluation)
        return progress.evaluation >= 6

    result = _run(small_problem, max_evals=50, callback=stop_at_six, callback_every=2)
    assert result.stop_reason == "stopped" and result.evaluations == 6
    assert calls[:3] == [2, 4, 6]
    assert "callback" in result.message


def test_stop_event_stops(small_problem, monkeypatch):
    event = threading.Event()

    def set_event(out):
        event.set()  # as if a UI thread pressed "stop" during the third evaluation
        return out

    Spy(small_problem, monkeypatch, on_call={3: set_event})
    result = _run(small_problem, max_evals=50, stop_event=event)
    assert result.stop_reason == "stopped" and result.evaluations == 3
    assert np.isfinite(result.best_loss)
    already = _run(small_problem, max_evals=50, stop_event=event, init="content")
    assert already.evaluations == 0 and already.stop_reason == "stopped"
    np.testing.assert_array_equal(already.image, small_problem.content_image)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_keyboard_interrupt_returns_the_best_image(small_problem, monkeypatch, optimizer):
    def interrupt(out):
        raise KeyboardInterrupt

    spy = Spy(small_problem, monkeypatch, on_call={5: interrupt})
    result = _run(small_problem, max_evals=50, optimizer=optimizer)
    assert result.stop_reason == "interrupted" and result.evaluations == 4 and spy.calls == 5
    best = int(np.argmin([h["total"] for h in result.history]))
    assert result.best_loss == result.history[best]["total"]
    low, high = small_problem.bounds()
    np.testing.assert_array_equal(result.best_batch, np.clip(spy.points[best], low, high))
    assert "interrupted" in result.message


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_nonfinite_loss_stops_with_warning(small_problem, monkeypatch, optimizer):
    def poison(out):
        total, terms, grad = out
        return total * float("nan"), terms, grad

    spy = Spy(small_problem, monkeypatch, on_call={4: poison})
    with pytest.warns(RuntimeWarning, match="nan.*best image"):
        result = _run(small_problem, max_evals=50, optimizer=optimizer)
    assert result.stop_reason == "nonfinite" and result.evaluations == 4 and spy.calls == 4
    assert math.isfinite(result.best_loss) and result.best_loss == min(h["total"] for h in result.history[:3])
    best = int(np.argmin([h["total"] for h in result.history[:3]]))
    low, high = small_problem.bounds()
    np.testing.assert_array_equal(result.best_batch, np.clip(spy.points[best], low, high))
    assert "\n" not in result.message


def test_nonfinite_gradient_stops(small_problem, monkeypatch):
    def poison(out):
        total, terms, grad = out
        return total, terms, grad * float("inf")

    Spy(small_problem, monkeypatch, on_call={2: poison})
    with pytest.warns(RuntimeWarning, match="gradient"):
        result = _run(small_problem, max_evals=50)
    assert result.stop_reason == "nonfinite" and result.evaluations == 2


def test_seeded_noise_init_is_reproducible(small_problem):
    first = _run(small_problem, init="noise", seed=1, max_evals=4)
    again = _run(small_problem, init="noise", seed=1, max_evals=4)
    other = _run(small_problem, init="noise", seed=2, max_evals=4)
    np.testing.assert_array_equal(first.best_batch, again.best_batch)
    assert [h["total"] for h in first.history] == [h["total"] for h in again.history]
    assert np.abs(first.best_batch - other.best_batch).mean() > 10
    noise = deprocess(small_problem.init_image("noise", seed=1)).astype(float)
    assert 100 < noise.mean() < 155 and noise.std() > 30  # noise around mid-grey, not the content


def test_hard_bounds_keep_every_evaluated_pixel_in_range(small_problem, monkeypatch):
    spy = Spy(small_problem, monkeypatch)
    result = _run(small_problem, max_evals=10, bounds="hard")
    low, high = small_problem.bounds()
    for x in spy.points:
        assert np.all(x >= low - 1e-3) and np.all(x <= high + 1e-3)
    assert result.evaluations == 10


def test_clip_bounds_return_a_clipped_image(small_problem, monkeypatch):
    small_problem.set_weights(style_weight=1e4)  # a strong push, so pixels leave [0, 255]
    try:
        spy = Spy(small_problem, monkeypatch)
        result = _run(small_problem, max_evals=10, bounds="clip")
    finally:
        small_problem.set_weights(style_weight=10.0)
    low, high = small_problem.bounds()
    best = int(np.argmin([h["total"] for h in result.history]))
    outside = (spy.points[best] < low) | (spy.points[best] > high)
    assert outside.any(), "the unbounded optimiser went out of range (what clipping is for)"
    np.testing.assert_array_equal(result.best_batch, np.clip(spy.points[best], low, high))
    assert np.all(result.best_batch >= low) and np.all(result.best_batch <= high)


def test_init_choices(small_problem):
    for init in ("content", small_problem.content_image):
        np.testing.assert_array_equal(small_problem.init_image(init), small_problem.init_image("content"))
    style = deprocess(small_problem.init_image("style"))
    assert style.shape == small_problem.content_image.shape  # resized to the content's shape
    assert not np.array_equal(style, small_problem.content_image)
    start = np.full_like(small_problem.content_image, 200)
    result = _run(small_problem, init=start, max_evals=1)
    assert result.evaluations == 1
    np.testing.assert_array_equal(result.image, start)  # one evaluation: still the start image


def test_set_weights_changes_the_loss_without_retracing(small_problem):
    x = small_problem.init_image("content")
    small_problem.loss_and_grad(x)
    traces = small_problem._compiled.experimental_get_tracing_count()
    before, terms, _ = small_problem.loss_and_grad(x)
    try:
        small_problem.set_weights(style_weight=20.0, tv_weight=0.0)
        after, terms2, _ = small_problem.loss_and_grad(x)
        expected = small_problem.content_weight * float(terms["content"]) + 20.0 * float(terms["style"])
        assert math.isclose(float(after), expected, rel_tol=1e-5)
        assert not math.isclose(float(after), float(before), rel_tol=1e-3)
        _run(small_problem, max_evals=3)
        _run(small_problem, max_evals=3, optimizer="adam")
    finally:
        small_problem.set_weights(style_weight=10.0, tv_weight=1e-2)
    assert small_problem._compiled.experimental_get_tracing_count() == traces


@pytest.mark.parametrize(
    "options",
    [
        {"max_evals": 0},
        {"max_evals": -5},
        {"max_evals": 2.5},
        {"max_evals": True},
        {"optimizer": "sgd"},
        {"bounds": "soft"},
        {"learning_rate": float("nan")},
        {"learning_rate": 0},
        {"learning_rate": -1.0},
        {"learning_rate": float("inf")},
        {"callback_every": 0},
        {"lbfgs_memory": 0},
        {"seed": -1},
        {"adam_options": {"beta1": 0.9}},
        {"adam_options": {"beta_1": 1.0}},
        {"adam_options": {"epsilon": 0}},
        {"init": "nosie"},
    ],
)
def test_bad_parameters(small_problem, monkeypatch, options):
    spy = Spy(small_problem, monkeypatch)
    with pytest.raises(ParameterError) as exc:
        optimize(small_problem, progress=False, **{"max_evals": 2, **options})
    assert "\n" not in str(exc.value)
    assert spy.calls == 0  # rejected before any work


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, "a lot"])
def test_bad_loss_weights(small_problem, value):
    for name in ("content_weight", "style_weight", "tv_weight"):
        before = getattr(small_problem, name)
        with pytest.raises(ParameterError) as exc:
            small_problem.set_weights(**{name: value})
        assert "\n" not in str(exc.value)
        assert getattr(small_problem, name) == before


def test_penalty_bounds_keep_pixels_nearly_in_range(small_problem, monkeypatch):
    low, high = small_problem.bounds()
    worst = {}
    small_problem.set_weights(style_weight=1e4)  # a strong push out of [0, 255]
    try:
        for mode in ("clip", "penalty"):
            spy = Spy(small_problem, monkeypatch)
            result = _run(small_problem, max_evals=15, bounds=mode)
            best = spy.points[int(np.argmin([h["total"] for h in result.history]))]
            worst[mode] = float(np.mean((best < low - 1) | (best > high + 1)))  # share out of range
            assert np.all(result.best_batch >= low) and np.all(result.best_batch <= high)
            assert result.best_loss < 0.5 * result.history[0]["total"]
            monkeypatch.undo()
    finally:
        small_problem.set_weights(style_weight=10.0)
    assert worst["clip"] > 0.01 and worst["penalty"] < worst["clip"] / 3, worst


def test_penalty_value_and_gradient(small_problem, monkeypatch):
    """What L-BFGS sees with bounds="penalty": the loss plus w * mean((excess / 255)^2)."""
    import scipy.optimize

    from styletransfer.constants import RANGE_PENALTY_WEIGHT

    captured = {}

    def fake_minimize(fun, x0, **kwargs):
        captured["fun"], captured["x0"] = fun, x0
        raise KeyboardInterrupt  # end the run at once

    monkeypatch.setattr(scipy.optimize, "minimize", fake_minimize)
    _run(small_problem, max_evals=5, bounds="penalty")
    fun, x = captured["fun"], captured["x0"].copy()
    f0 = float(small_problem.loss_and_grad(x.reshape(small_problem.shape).astype(np.float32))[0])
    assert math.isclose(fun(x)[0], f0, rel_tol=1e-6)  # the start is in range: no penalty
    low, high = (b.ravel().astype(np.float64) for b in small_problem.bounds())
    x[:100] = high[:100] + 30.0  # some pixels above, some below the range
    x[100:150] = low[100:150] - 12.5
    f, g = fun(x)
    total, _, grad = small_problem.loss_and_grad(x.reshape(small_problem.shape).astype(np.float32))
    excess = np.zeros_like(x)
    excess[:100], excess[100:150] = 30.0, -12.5
    w = RANGE_PENALTY_WEIGHT * f0  # relative to the loss at the starting image
    assert math.isclose(f - float(total), w * np.mean((excess / 255) ** 2), rel_tol=1e-4)
    np.testing.assert_allclose(g - np.asarray(grad, np.float64).ravel(), 2 * w * excess / 255**2 / x.size,
                               rtol=1e-4, atol=1e-12)
    assert g.dtype == np.float64 and g.shape == x.shape


def test_lbfgs_runs_with_one_blas_thread(small_problem, monkeypatch):
    """scipy's L-BFGS-B bookkeeping is much slower when OpenBLAS threads compete with TensorFlow's."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []

    def look(out):
        seen.append({info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"})
        return out

    Spy(small_problem, monkeypatch, on_call={2: look})
    _run(small_problem, max_evals=3)
    assert seen and seen[0] <= {1}


class _CoarseLossProblem:
    """A quadratic with a rounded loss and a gradient 30% noisy per pixel (as a low-precision network's
    would be): scipy's line search gives up with evaluations left."""

    def __init__(self):
        from helpers import NumpyProblem

        photo = np.random.default_rng(3).integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
        self.base = NumpyProblem(photo, photo, size=32)
        self.shape, self.spec = self.base.shape, self.base.spec
        self.bounds, self.init_image = self.base.bounds, self.base.init_image

    def loss_and_grad(self, x):
        total, terms, grad = self.base.loss_and_grad(x)
        noisy = np.random.default_rng(int(np.abs(x).sum() * 1e3) % 2**32).normal(1.0, 0.3, size=grad.shape)
        return float(f"{total:.5g}"), terms, (grad * noisy).astype(np.float32)


def test_lbfgs_restarts_from_the_best_image_when_scipy_gives_up_early(monkeypatch):
    from styletransfer import constants

    monkeypatch.setattr(constants, "LBFGS_RESTARTS", 0)
    once = optimize(_CoarseLossProblem(), max_evals=200, progress=False, bounds="clip")
    assert once.evaluations < 200 and once.stop_reason == "converged"  # the stall this guards against
    monkeypatch.setattr(constants, "LBFGS_RESTARTS", 3)
    again = optimize(_CoarseLossProblem(), max_evals=200, progress=False, bounds="clip")
    assert again.evaluations > once.evaluations and "restart" in again.message
    assert again.best_loss < once.best_loss
