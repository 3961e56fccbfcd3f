"""Plotting and live-preview helpers: labels of random weights, shapes, in-place updates."""

from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from styletransfer.live.preview import LivePreview, png_bytes  # noqa: E402
from styletransfer.notebook.plotting import (  # noqa: E402
    plot_loss_terms,
    plot_losses,
    random_weights_title,
    show_gram,
    show_images,
    show_results,
)
from styletransfer.optimize import Progress, Result  # noqa: E402

RANDOM = "RANDOM-WEIGHT VGG19 (seed 0), not the real result"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def _result(rng, label=RANDOM, steps=5):
    history = [
        {"evaluation": i + 1, "total": 10.0 / (i + 1), "content": 1.0 / (i + 1), "style": 2.0 / (i + 1), "tv": 0.1}
        for i in range(steps)
    ]
    image = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    return Result(image, history, history[-1]["total"], steps, 1.0, "max_evals", "", "lbfgs",
                  "random" if "RANDOM" in label else "imagenet", label)


def _titles(fig):
    texts = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    return texts + [ax.get_title() for ax in fig.axes]


def test_random_weights_title_only_marks_random_labels():
    assert random_weights_title("x", RANDOM) == (f"x\n{RANDOM}", True)
    assert random_weights_title("x", "ImageNet VGG19") == ("x", False)
    assert random_weights_title(None, None) == ("", False)


def test_random_weights_title_follows_the_fact_when_given():
    assert random_weights_title("x", "ImageNet VGG19", True) == ("x\nImageNet VGG19", True)
    assert random_weights_title("x", RANDOM, False) == ("x", False)


def test_show_results_takes_the_label_from_the_results(rng):
    results = {"conv1_2": _result(rng), "conv5_2": _result(rng)}
    fig = show_results(results, original=np.zeros((12, 16, 3), np.uint8), term="content", suptitle="Content")
    assert RANDOM in fig._suptitle.get_text()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "original"
    assert titles[1].startswith("conv1_2") and "content loss 0.2" in titles[1]


def test_show_results_with_imagenet_weights_has_no_warning(rng):
    fig = show_results({"a": _result(rng, label="ImageNet VGG19")}, suptitle="Done")
    assert fig._suptitle.get_text() == "Done"


def test_show_images_grid_shape(rng):
    images = [rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8) for _ in range(7)]
    fig = show_images(images, columns=3, weights_label=RANDOM)
    assert len(fig.axes) == 9
    assert RANDOM in fig._suptitle.get_text()


def test_plot_loss_terms_one_panel_per_term_one_line_per_run(rng):
    runs = {"L-BFGS": _result(rng).history, "Adam": _result(rng, steps=3).history}
    fig = plot_loss_terms(runs, terms=("total", "style"), weights_label=RANDOM)
    assert [ax.get_title() for ax in fig.axes] == ["total", "style"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    assert len(fig.axes[0].get_lines()[1].get_xdata()) == 3
    assert RANDOM in fig._suptitle.get_text()


def test_plot_losses_labels_random_weights(rng):
    fig = plot_losses(_result(rng).history, weights_label=RANDOM)
    assert any(RANDOM in t for t in _titles(fig))


def test_show_gram_draws_the_requested_corner_and_rejects_non_square(rng):
    features = rng.normal(size=(50, 40))
    gram = features.T @ features / 50
    fig = show_gram(gram[None], channels=10, weights_label=RANDOM)
    heat = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(heat, gram[:10, :10])
    assert RANDOM in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="square"):
        show_gram(np.zeros((3, 4)))


class _Handle:
    def __init__(self, obj):
        self.objects = [obj]

    def update(self, obj):
        self.objects.append(obj)


def test_live_preview_updates_one_output_in_place(rng):
    handles = []

    def display(obj, display_id=None):
        assert display_id is True
        handles.append(_Handle(obj))
        return handles[-1]

    preview = LivePreview(width=200, title="Live", display=display)
    image = rng.integers(0, 256, size=(10, 14, 3), dtype=np.uint8)
    for step in (5, 10, 15):
        losses = {"evaluation": step, "total": 1.0 / step, "content": 0.5, "style": 0.25, "tv": 0.01}
        assert preview(Progress(step, losses, image, 0.1 * step, RANDOM)) is None
    assert len(handles) == 1 and len(handles[0].objects) == 3
    assert preview.frames == 3
    assert "evaluation 15" in preview.last_html and "RANDOM-WEIGHT" in preview.last_html
    assert "crimson" in preview.last_html
    encoded = preview.last_html.split("base64,")[1].split('"')[0]
    from PIL import Image

    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))
    np.testing.assert_array_equal(decoded, image)


def test_live_preview_as_run_callback(small_problem):
    frames = []
    preview = LivePreview(display=lambda obj, display_id=None: frames.append(obj) or _Handle(obj))
    result = small_problem.run(max_evals=4, callback=preview, callback_every=2, progress=False)
    # Every second evaluation, plus the final best image.
    assert preview.frames == 3
    assert f"evaluation {result.evaluations}" in preview.last_html


def test_png_bytes_round_trip(rng):
    from PIL import Image

    image = rng.integers(0, 256, size=(5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(image)))), image)


def test_a_loss_that_starts_at_rounding_noise_does_not_squash_the_axis(rng):
    history = _result(rng).history
    history[0]["content"] = 1e-15  # the content loss of the content image itself
    fig = plot_loss_terms({"run": history}, terms=("content",))
    bottom, top = fig.axes[0].get_ylim()
    assert bottom > 1e-8 and top >= 1.0
    fig = plot_losses(history, terms=("content",))
    assert fig.axes[0].get_ylim()[0] > 1e-8
