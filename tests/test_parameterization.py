"""Parameterisations (pixels, pyramid, Fourier) and the style_loss / parameterization switches end to end."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from helpers import one_line

from styletransfer import constants as C
from styletransfer.errors import ParameterError
from styletransfer.extensions.parameterization import Parameterized, make_parameterization, parameterize
from styletransfer.images import pixel_bounds
from styletransfer.samples import load_sample
from styletransfer.transfer import StyleTransfer

ODD = (1, 33, 47, 3)


@pytest.fixture(scope="module")
def problems():
    """One 40 px problem per parameterisation (random weights), built once."""
    content, style = load_sample("chelsea"), load_sample("starry_night")
    return {name: StyleTransfer(content, style, size=40, weights="random", parameterization=name)
            for name in C.PARAMETERIZATIONS}


@pytest.mark.parametrize("name", C.PARAMETERIZATIONS)
def test_decode_inverts_encode_at_odd_sizes(name, rng):
    basis = make_parameterization(name, ODD)
    x = tf.constant(rng.uniform(-120, 130, size=ODD).astype(np.float32))
    z = basis.encode(x)
    assert z.shape == (basis.size,) and basis.size >= np.prod(ODD)
    np.testing.assert_allclose(basis.decode(z).numpy(), x.numpy(), atol=2e-3)


def test_pyramid_levels_and_fourier_scaling():
    pyramid = make_parameterization("pyramid", (1, 256, 256, 3))
    assert pyramid.sizes[0] == (256, 256) and len(pyramid.sizes) == C.PYRAMID_LEVELS + 1
    assert pyramid.sizes[-1] == (8, 8) and len(make_parameterization("pyramid", (1, 256, 200, 3)).sizes) == 5
    assert len(make_parameterization("pyramid", (1, 20, 20, 3)).sizes) == 2  # 20 -> 10, then too small
    fourier = make_parameterization("fourier", (1, 64, 64, 3))
    scale = np.abs(fourier.scale.numpy())
    assert scale[0, 0] == pytest.approx(32.0) and scale[32, 32] == pytest.approx(0.5 / np.hypot(0.5, 0.5))
    # a unit coefficient: the lowest frequency moves the picture far more than the highest
    low, high = np.zeros(fourier.size, np.float32), np.zeros(fourier.size, np.float32)
    low[1], high[32 * 33 + 32] = 1.0, 1.0
    base = fourier.decode(tf.zeros(fourier.size)).numpy()
    assert np.abs(fourier.decode(low).numpy() - base).max() > 20 * np.abs(fourier.decode(high).numpy() - base).max()


@pytest.mark.parametrize("name", ["pyramid", "fourier"])
def test_gradient_matches_finite_differences_through_the_decoder(problems, name, rng):
    view = parameterize(problems[name])
    assert isinstance(view, Parameterized) and view.shape == (view.basis.size,)
    z = view.init_image("noise", seed=1)
    total, terms, grad = view.loss_and_grad(z)
    assert set(terms) == {"content", "style", "tv", "range"} and terms["range"] < 1e-9 * total
    x = view.decode(z)  # a step of a quarter grey level per pixel, in coefficients
    direction = view.encode(x + 0.25 * rng.standard_normal(x.shape).astype(np.float32)) - z
    # the chain rule, exactly: <dL/dz, d> = <dL/dx, decode(z + d) - decode(z)>
    pixel_grad = np.asarray(problems[name].loss_and_grad(x)[2])
    moved = view.decode(z + direction) - x
    assert float(np.vdot(grad, direction)) == pytest.approx(float(np.vdot(pixel_grad, moved)), rel=1e-3)
    plus, minus = view.loss_and_grad(z + direction)[0], view.loss_and_grad(z - direction)[0]
    assert (plus - minus) / 2 == pytest.approx(float(np.vdot(grad, direction)), rel=5e-2)


def test_out_of_range_pixels_are_penalised_on_the_decoded_image(problems):
    view = parameterize(problems["fourier"])
    z = view.init_image("content")
    first, terms, _ = view.loss_and_grad(z)
    assert terms["range"] < 1e-9 * first
    bright = view.encode(view.decode(z) + 200.0)  # most pixels now above 255
    total, terms, grad = view.loss_and_grad(bright)
    assert terms["range"] > 0 and total == pytest.approx(sum_terms(problems["fourier"], terms) + terms["range"], rel=1e-5)
    # the penalty's gradient, pulled back, points back into the range: a small step down lowers it
    assert view.loss_and_grad(bright - 1e-3 * grad / np.abs(grad).max())[1]["range"] < terms["range"]


def sum_terms(problem, terms):
    return float(problem.content_weight * terms["content"] + problem.style_weight * terms["style"]
            + problem.tv_weight * terms["tv"])


@pytest.mark.parametrize("name", C.PARAMETERIZATIONS)
@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_every_parameterization_starts_where_pixels_do_and_descends(problems, name, optimizer):
    problem = problems[name]
    seen = []
    result = problem.run(init="noise", max_evals=8, optimizer=optimizer, progress=False, learning_rate=3.0,
                         callback=lambda p: seen.append(p.image), callback_every=4)
    assert len(seen) == 3 and all(image.shape == problem.content_image.shape for image in seen)
    assert np.array_equal(seen[-1], result.image)  # the final call shows the decoded best image
    pixels = problems["pixels"].loss_and_grad(problems["pixels"].init_image("noise"))[0]
    assert result.history[0]["total"] == pytest.approx(float(pixels), rel=1e-4)  # same starting image
    assert result.best_loss < 0.9 * result.history[0]["total"]
    low, high = pixel_bounds(problem.shape)
    assert result.best_batch.shape == problem.shape and (result.best_batch >= low).all() and (result.best_batch <= high).all()
    assert result.image.dtype == np.uint8 and result.image.shape == problem.content_image.shape


@pytest.mark.parametrize("name", ["pyramid", "fourier"])
def test_content_start_is_the_content_image(problems, name):
    result = problems[name].run(init="content", max_evals=1, progress=False)
    assert result.history[0]["content"] < 1e-6
    assert np.abs(result.image.astype(int) - problems[name].content_image.astype(int)).max() <= 1


def test_sliced_directions_fixed_for_lbfgs_renewed_for_adam():
    problem = StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=32, weights="random",
                            style_loss="sliced", style_layers=("conv1_1", "conv2_1"))
    problem.run(max_evals=6, optimizer="lbfgs", progress=False)
    assert problem.style_measure.draws == 0
    result = problem.run(max_evals=6, optimizer="adam", progress=False)
    assert problem.style_measure.draws == result.evaluations == 6


@pytest.mark.parametrize("loss", C.STYLE_LOSSES)
def test_every_style_loss_runs_in_the_problem(loss):
    problem = StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=32, style_size=40,
                            weights="random", style_loss=loss)
    terms = problem.terms(tf.constant(problem.init_image("noise")))
    style_only = problem.terms(tf.constant(problem.init_image("style")))
    assert float(terms["style"]) > float(style_only["style"]) >= 0  # the style image is close to its own style
    result = problem.run(max_evals=6, progress=False)
    assert result.best_loss < result.history[0]["total"]


def test_bad_names_are_one_line_errors():
    for option, value in (("style_loss", "wasserstein"), ("parameterization", "wavelets")):
        with pytest.raises(ParameterError) as exc:
            StyleTransfer(np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32, 3), np.uint8), size=32,
                          weights="random", **{option: value})
        assert value in one_line(exc)
