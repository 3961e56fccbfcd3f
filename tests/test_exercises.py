"""Workshop exercises: every solution passes, plausible wrong answers fail with the right message.

``WRONG`` holds, per exercise, participant-style wrong implementations and a fragment the
feedback must contain. The workshop notebook's closing table states how many wrong
implementations each checker is tested against; a test below keeps the two in step.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
import tensorflow as tf

from styletransfer import exercises as ex
from styletransfer.constants import IMAGENET_MEAN_BGR

ROOT = Path(__file__).resolve().parents[1]
MEAN = np.float32(IMAGENET_MEAN_BGR)
PRE, DE = ex.preprocessing.solution(show=False)


def _gram(f):
    return tf.einsum("bhwi,bhwj->bij", f, f)


def _hw(f):
    return float(f.shape[1] * f.shape[2])


def _conv_loop(image, kernel, shrink=0):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1 - shrink, image.shape[1] - kw + 1 - shrink))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out


def _layer_loss(g, a, norm, reduce=tf.reduce_sum, batch=tf.reduce_mean):
    return batch(reduce(tf.square(g - a), axis=[-2, -1]) / norm(float(g.shape[-1])))


def _style(norm=lambda n: 4 * n**2, weighted=True, reduce=tf.reduce_sum, batch=tf.reduce_mean):
    def style_loss(grams, targets, weights):
        return tf.add_n([(w if weighted else 1.0) * _layer_loss(grams[k], targets[k], norm, reduce, batch)
                         for k, w in weights.items()])
    return style_loss


def _tv(scale=255.0, power=tf.square, parts=("down", "right"), reduce=tf.reduce_mean):
    def total_variation_loss(image):
        x = image / scale
        d = {"down": x[:, 1:] - x[:, :-1], "right": x[:, :, 1:] - x[:, :, :-1]}
        return tf.add_n([reduce(power(d[p])) for p in parts])
    return total_variation_loss


def _adam(mode):
    def adam_step(image, loss_fn, optimizer):
        with tf.GradientTape() as tape:
            loss = loss_fn(image)
        grad = tape.gradient(loss, image)
        if mode == "sgd":
            image.assign_sub(optimizer.learning_rate * grad)
        elif mode == "fresh":
            tf.keras.optimizers.Adam(learning_rate=float(optimizer.learning_rate)).apply_gradients([(grad, image)])
        elif mode == "ascent":
            optimizer.apply_gradients([(-grad, image)])
        elif mode == "rebind":
            image = image - grad  # noqa: F841 - the classic slip: a new tensor, the variable is untouched
        elif mode == "no return":
            optimizer.apply_gradients([(grad, image)])
            return None
        return loss
    return adam_step


def _colors(luma=(0.299, 0.587, 0.114), swap=False, clip=True, dtype=np.uint8):
    def preserve_colors(stylized, content):
        c, s = (content, stylized) if not swap else (stylized, content)
        c, s = c.astype(np.float64), s.astype(np.float64)
        out = np.rint(c + (s @ np.array(luma) - c @ np.array(luma))[..., None])
        return (np.clip(out, 0, 255) if clip else out.astype(np.int64)).astype(dtype)
    return preserve_colors


def _hsv_swap(stylized, content):
    import matplotlib.colors as mc

    hsv = mc.rgb_to_hsv(content / 255.0)
    hsv[..., 2] = mc.rgb_to_hsv(stylized / 255.0)[..., 2]
    return np.clip(np.rint(mc.hsv_to_rgb(hsv) * 255), 0, 255).astype(np.uint8)


WRONG = {
    "count_parameters": [
        (lambda h, w, c, u, k, f: (h * w * c * u, k * k * c * f), "forgot the biases"),
        (lambda h, w, c, u, k, f: (h * w * c * u + u, k * k * c * f * h * w + f), "shares its weights"),
        (lambda h, w, c, u, k, f: (h * w * u + u, k * k * f + f), "input channels are missing"),
        (lambda h, w, c, u, k, f: (k * k * c * f + f, h * w * c * u + u), "wrong order"),
    ],
    "convolve": [
        (lambda im, k: scipy.signal.convolve2d(im, k, mode="valid"), "flipped the kernel"),
        (lambda im, k: scipy.signal.correlate2d(im, k, mode="same"), "padding 'SAME'"),
        (lambda im, k: _conv_loop(im, k, shrink=1), "one row and column too few"),
        (lambda im, k: _conv_loop(im, k.T) if k.shape[0] == k.shape[1] else _conv_loop(im, k), "rows and columns"),
    ],
    "preprocessing": [
        ((lambda im: (np.float32(im) - MEAN)[None], DE), "channel order"),
        ((lambda im: np.float32(im)[..., ::-1][None], DE), "mean not subtracted"),
        ((lambda im: (np.float32(im) - MEAN)[..., ::-1][None], DE), "before flipping"),
        ((lambda im: np.float32(im)[..., ::-1] - MEAN, DE), "add the batch dimension"),
        ((lambda im: (np.float32(im)[..., ::-1] - MEAN)[None] / 255, DE), "do not divide by 255"),
        ((PRE, lambda b: np.rint(b[0] + MEAN)[..., ::-1].astype(np.int64).astype(np.uint8)), "wrapped around"),
        ((PRE, lambda b: np.clip(b[0] + MEAN, 0, 255)[..., ::-1]), "dtype is float32"),
        ((PRE, lambda b: np.clip(np.rint(b + MEAN), 0, 255)[..., ::-1].astype(np.uint8)), "drop the batch"),
    ],
    "gram_matrix": [
        (_gram, "factor of H*W"),
        (lambda f: _gram(f) / (_hw(f) * f.shape[-1]), "1/N"),
        (lambda f: _gram(f) / tf.cast(tf.size(f), tf.float32), "tf.size counts the batch"),
        (lambda f: tf.linalg.matmul(*[tf.reshape(f, (f.shape[0], -1, f.shape[-1]))] * 2, transpose_b=True), "F F^T"),
        (lambda f: _gram(f)[0] / _hw(f), "batch dimension missing"),
        (lambda f: np.einsum("bhwi,bhwj->bij", f, f) / _hw(f), "gradient missing"),
        (lambda f: _gram(f - tf.reduce_mean(f, axis=[1, 2], keepdims=True)) / _hw(f), "covariance"),
        (lambda f: tf.einsum("bhwi,bhwj->bij", f, f ** 2) / _hw(f), "not symmetric"),
    ],
    "content_loss": [
        (lambda f, p: tf.reduce_sum(tf.square(f - p)), "the number of elements"),
        (lambda f, p: 0.5 * tf.reduce_sum(tf.square(f - p)), "half the number of elements"),
        (lambda f, p: tf.sqrt(tf.reduce_mean(tf.square(f - p))), "square root"),
        (lambda f, p: tf.square(f - p), "return one number"),
        (lambda f, p: np.mean((np.asarray(f) - np.asarray(p)) ** 2), "gradient missing"),
        (lambda f, p: tf.reduce_mean(tf.abs(f - p)), "absolute"),
    ],
    "style_loss": [
        (_style(weighted=False), "ignored layer_weights"),
        (_style(norm=lambda n: 1.0), "1/(4 N^2)"),
        (_style(reduce=tf.reduce_mean), "reduce_mean"),
        (_style(batch=tf.reduce_sum), "the batch size"),
        (_style(norm=lambda n: 4 * n), "4 N instead of 4 N^2"),
    ],
    "total_variation_loss": [
        (_tv(scale=1.0), "255^2"),
        (_tv(parts=("down",)), "only vertical"),
        (_tv(power=tf.abs), "absolute differences"),
        (lambda x: tf.reduce_sum(tf.image.total_variation(x)), "tf.image.total_variation"),
        (_tv(reduce=tf.reduce_sum), "summed"),
    ],
    "style_loss_bug": [
        (ex.style_loss_bug.show_bug(show=False), "still the original bug"),
        (lambda g, a: _layer_loss(g, a, lambda n: n**2), "factor of 4"),
        (lambda g, a: _layer_loss(g, a, lambda n: 4 * n), "factor of N"),
        (lambda g, a: _layer_loss(g, a, lambda n: 4 * n**2, batch=tf.reduce_sum), "summed over the batch"),
    ],
    "gram_bug": [
        (ex.gram_bug.show_bug(show=False), "still the original bug"),
        (lambda f: _gram(f) / (_hw(f) * 3), "3 (colour channels)"),
        (lambda f: _gram(f) / (_hw(f) * f.shape[-1]), "1/N"),
        (lambda f: _gram(f) / (64 * 64), "grows with H*W"),
    ],
    "adam_step": [
        (_adam("sgd"), "plain gradient descent"),
        (_adam("fresh"), "new Adam"),
        (_adam("ascent"), "the loss went up"),
        (_adam("rebind"), "did not change"),
        (_adam("no return"), "return the loss"),
    ],
    "choose_weights": [
        (lambda: (1.0, 0.03), "not enough style"),
        (lambda: (1.0, 10.0), "drifted too far from the content"),
        (lambda: (-1.0, 5.0), "must be finite, >= 0"),
        (lambda: 10.0, "return two numbers"),
    ],
    "preserve_colors": [
        (_colors(swap=True), "swapped"),
        (_colors(clip=False), "wrapped around"),
        (_colors(luma=(0.2126, 0.7152, 0.0722)), "BT.709"),
        (_colors(dtype=np.float64), "dtype is float64"),
        (_hsv_swap, "differ from"),
        (lambda stylized, content: stylized, "stylised image unchanged"),
    ],
}
SLOW = {"choose_weights"}


def _marks(name):
    return [pytest.mark.slow] if name in SLOW else []


def _functions(value):
    return value if isinstance(value, tuple) else (value,)


def _stubs(exercise):
    namespace = {}
    exec(exercise.stub(), namespace)  # noqa: S102 - the stub the notebook starts from
    return [namespace[name] for name in exercise.functions]


def test_every_exercise_has_wrong_implementations_and_stable_numbers():
    assert list(ex.EXERCISES) == list(range(1, 13))
    assert set(WRONG) == {e.name for e in ex.EXERCISES.values()}
    assert all(len(cases) >= 2 for cases in WRONG.values())


@pytest.mark.parametrize("exercise", [pytest.param(e, id=e.name, marks=_marks(e.name)) for e in ex.EXERCISES.values()])
def test_solution_passes(exercise):
    result = exercise.check(*_functions(exercise.solution(show=False)))
    assert result.passed, str(result)
    assert result.status == "passed" and "correct" in str(result)


@pytest.mark.parametrize("exercise", list(ex.EXERCISES.values()), ids=lambda e: e.name)
def test_stub_reports_not_attempted(exercise):
    result = exercise.check(*_stubs(exercise))
    assert not result.passed and not result.attempted
    assert "not attempted" in str(result) and "NotImplementedError" in result.message


@pytest.mark.parametrize(
    ("name", "wrong", "fragment"),
    [pytest.param(name, wrong, fragment, id=f"{name}-{i}", marks=_marks(name))
     for name, cases in WRONG.items() for i, (wrong, fragment) in enumerate(cases)],
)
def test_wrong_implementation_fails_with_specific_message(name, wrong, fragment):
    result = ex.get(name).check(*_functions(wrong))
    assert not result.passed and result.attempted
    assert fragment in result.message, result.message


def test_participant_exceptions_become_one_friendly_line():
    def gram_matrix(features):
        x = features.shape[1]
        return x / 0

    result = ex.gram_matrix.check(gram_matrix)
    assert not result.passed
    assert "ZeroDivisionError at line 3 of gram_matrix" in result.message and "\n" not in result.message


@pytest.mark.parametrize("value", [None, 3, "gram_matrix"])
def test_missing_or_non_callable_function_asks_for_it(value):
    result = ex.gram_matrix.check(value)
    assert not result.passed and "ex.gram_matrix.check(gram_matrix)" in result.message


def test_in_place_edits_of_the_inputs_do_not_fool_the_check():
    solution = ex.convolve.solution(show=False)

    def convolve(image, kernel):
        out = solution(image, kernel)
        image[:] = 0.0  # a participant's in-place edit must not change the reference's input
        kernel[:] = 0.0
        return out

    assert ex.convolve.check(convolve).passed


def test_forgotten_return_is_named():
    result = ex.content_loss.check(lambda f, p: None)
    assert "returned None" in result.message


def test_check_finds_the_function_by_name_and_by_number():
    def total_variation_loss(image):  # noqa: F811 - the participant's definition
        return ex.total_variation_loss.solution(show=False)(image)

    globals()["total_variation_loss"] = total_variation_loss
    try:
        assert ex.total_variation_loss.check().passed
        assert ex.check(7).passed
        assert ex.check("total_variation_loss", total_variation_loss).passed
    finally:
        del globals()["total_variation_loss"]
    assert not ex.check(7).passed  # nothing of that name any more: asks for the function


def test_hints_are_progressive_and_end_at_the_solution():
    exercise = ex.get(5)
    exercise._hints_shown = 0
    seen = [str(exercise.hint()) for _ in range(len(exercise.hints) + 2)]
    assert "hint 1 of" in seen[0] and "hint 2 of" in seen[1]
    assert "solution()" in seen[-1] and seen[-1] == seen[-2]
    assert exercise.hint(1).text == exercise.hints[0]


def test_solution_prints_source_and_returns_function(capsys):
    function = ex.solution(4)
    printed = capsys.readouterr().out
    assert printed.startswith("def gram_matrix(features):")
    assert callable(function) and ex.gram_matrix.check(function).passed
    assert ex.solution(4, show=False) is function and capsys.readouterr().out == ""


def test_results_display_as_coloured_html_and_plain_text():
    good = ex.convolve.check(ex.convolve.solution(show=False))
    bad = ex.convolve.check(lambda im, k: im)
    todo = ex.convolve.check(*_stubs(ex.convolve))
    assert "#1b5e20" in good._repr_html_() and good and str(good).startswith("\u2714")
    assert "#b71c1c" in bad._repr_html_() and not bad and str(bad).startswith("\u2718")
    assert "#37474f" in todo._repr_html_()
    assert "<script" not in ex.convolve.check(lambda im, k: 1 / 0)._repr_html_()


def test_colour_reference_is_the_library_preserve_colors():
    from styletransfer.exercises.colors import _reference
    from styletransfer.extensions import color

    rng = np.random.default_rng(0)
    stylized, content = (rng.integers(0, 256, (16, 20, 3), dtype=np.uint8) for _ in range(2))
    case = ex.Case("16x20", (stylized, content))
    np.testing.assert_array_equal(_reference(case), color.preserve_colors(stylized, content))
    assert ex.preserve_colors.check(ex.preserve_colors.solution(show=False)).passed


def test_unknown_exercise_lists_the_choices():
    with pytest.raises(KeyError, match="4 gram_matrix"):
        ex.get(13)


@pytest.mark.slow
def test_weights_bounds_pass_a_range_of_ratios_and_fail_extremes():
    from styletransfer.exercises.optimization import CONTENT_FRACTION, STYLE_FRACTION, references, weights_run

    photo_style, painting_content = references()
    shares = {ratio: (s / photo_style, c / painting_content)
              for ratio, (s, c, _) in ((r, weights_run(1.0, r)) for r in (0.05, 0.3, 1.0, 10.0))}
    # a range of a decade passes; too little and too much style fail, each on its own criterion
    assert all(s < STYLE_FRACTION and c < CONTENT_FRACTION for s, c in (shares[0.3], shares[1.0]))
    assert shares[0.05][0] >= STYLE_FRACTION and shares[10.0][1] >= CONTENT_FRACTION


def test_notebook_table_states_how_many_wrong_implementations_each_checker_faces():
    notebook = json.loads((ROOT / "notebooks" / "11_workshop.ipynb").read_text())
    text = "".join("".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    rows = dict(re.findall(r"\|\s*\d+\s*\|\s*`(\w+)`\s*\|[^|\n]*\|\s*(\d+)\s*\|", text))
    assert {ex.get(name).functions[0]: len(cases) for name, cases in WRONG.items()} == {
        k: int(v) for k, v in rows.items()}


def test_notebook_has_stub_check_and_hint_cells_for_every_exercise():
    notebook = json.loads((ROOT / "notebooks" / "11_workshop.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for exercise in ex.EXERCISES.values():
        names = ", ".join(exercise.functions)
        stub = [s for s in sources if s.startswith(exercise.stub())]
        assert len(stub) == 1, f"exercise {exercise.number}: one stub cell starting with ex.{exercise.name}.stub()"
        assert f"if SOLUTIONS:\n    {names} = ex.{exercise.name}.solution(show=False)" in stub[0]
        assert any(f"ex.{exercise.name}.check({names})" in s for s in sources)
        # commented out: Run All must not give hints away unasked
        assert any(s.startswith(f"# ex.{exercise.name}.hint()") for s in sources)
        assert not any(s.startswith(f"ex.{exercise.name}.hint()") for s in sources)
    assert any("ex.progress()" in s and "SOLUTIONS" in s for s in sources)


def test_progress_lists_the_latest_check_of_every_exercise():
    ex.check(2, ex.solution(2, show=False))
    ex.check(5, lambda features, target: None)
    board = ex.progress()
    statuses = {number: status for number, _, status in board.rows}
    assert statuses[2] == "passed" and statuses[5] == "failed"
    assert not board.all_passed and "exercises correct" in str(board) and "<table>" in board._repr_html_()


def test_notebook_states_the_bounds_of_exercise_11():
    from styletransfer.exercises.optimization import CONTENT_FRACTION, RUN_EVALS, RUN_SIZE, STYLE_FRACTION

    notebook = json.loads((ROOT / "notebooks" / "11_workshop.ipynb").read_text())
    text = "".join("".join(cell["source"]) for cell in notebook["cells"])
    for fact in (f"below {STYLE_FRACTION:.0%} of the photo's", f"below {CONTENT_FRACTION:.0%} of the painting's",
                 f"{RUN_SIZE} px", f"{RUN_EVALS} L-BFGS"):
        assert fact in text, fact
