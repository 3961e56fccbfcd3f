"""Exercises 10-11: one Adam step with tf.GradientTape, and choosing alpha/beta for a short run."""

from __future__ import annotations

import functools
import math

import keras
import numpy as np
import tensorflow as tf

from styletransfer import losses as L
from styletransfer.constants import FLOAT32_MAX

from ._checking import as_array, call, close
from ._exercise import Exercise

__all__ = ["ADAM_STEP", "CHOOSE_WEIGHTS", "STYLE_FRACTION", "CONTENT_FRACTION", "RUN_EVALS", "RUN_SIZE", "references",
           "weights_run"]


# -- solutions ---------------------------------------------------------------------------------
def adam_step(image, loss_fn, optimizer):
    """One optimisation step on the pixels of ``image`` (a tf.Variable); returns the loss before it."""
    with tf.GradientTape() as tape:
        loss = loss_fn(image)  # the tape records every operation on the way to the loss
    gradient = tape.gradient(loss, image)  # d loss / d pixel, same shape as the image
    optimizer.apply_gradients([(gradient, image)])  # updates the variable in place
    return loss


def choose_weights():
    """(content_weight alpha, style_weight beta) for the short run of exercise 11."""
    return 1.0, 0.5


# -- exercise 10 -------------------------------------------------------------------------------
STEP_SCENARIOS = (("6x5 image, learning rate 2", (1, 6, 5, 3), 2.0), ("4x7 image, learning rate 0.5", (1, 4, 7, 3), 0.5))


def _loss_fn(target: np.ndarray):
    target = tf.constant(target)
    return lambda x: tf.reduce_mean(tf.square(x - target)) / 100.0 + L.total_variation_loss(x)


def _apply(start: np.ndarray, loss_fn, optimizer, variable: tf.Variable | None = None) -> np.ndarray:
    """One step from ``start`` with ``optimizer`` (on ``variable``, which a built optimizer needs)."""
    if variable is None:
        variable = tf.Variable(start)
    variable.assign(start)
    with tf.GradientTape() as tape:
        loss = loss_fn(variable)
    optimizer.apply_gradients([(tape.gradient(loss, variable), variable)])
    return variable.numpy()


def _step_problem(start, now, expected, returned, loss_fn, optimizer_config) -> str | None:
    if np.array_equal(start, now):
        return ("the image did not change: update the variable in place with optimizer.apply_gradients("
                "[(gradient, image)]); `image = image - ...` only rebinds a local name")
    if close(now, expected, rtol=1e-4, atol=1e-4):
        loss_before = float(loss_fn(tf.constant(start)))
        value = as_array(returned)
        if value is None or value.size != 1 or not math.isclose(float(value), loss_before, rel_tol=1e-4):
            return f"the step is right; now return the loss computed before the step ({loss_before:.6g})"
        return None
    if float(loss_fn(tf.constant(now))) >= float(loss_fn(tf.constant(start))):
        return ("the loss went up: apply_gradients subtracts the gradient itself, so pass the gradient of the "
                "loss (not its negative, not the gradient of -loss)")
    with tf.GradientTape() as tape:
        variable = tf.constant(start)
        tape.watch(variable)
        gradient = tape.gradient(loss_fn(variable), variable).numpy()
    if close(now, start - optimizer_config["learning_rate"] * gradient, rtol=1e-4, atol=1e-4):
        return ("that is plain gradient descent (image - learning_rate * gradient); let the Adam optimizer "
                "passed in make the step: optimizer.apply_gradients([(gradient, image)])")
    fresh = (keras.optimizers.Adam(), keras.optimizers.Adam.from_config(optimizer_config))
    if any(close(now, _apply(start, loss_fn, opt), rtol=1e-4, atol=1e-4) for opt in fresh):
        return ("you created a new Adam inside the function, so it forgets its running averages (and maybe the "
                "learning rate) at every step: use the optimizer passed in")
    diff = float(np.abs(now - expected).max())
    return f"the update differs from one Adam step by up to {diff:.3g} pixel units"


def _judge_step(functions):
    rng = np.random.default_rng(10)
    for label, shape, rate in STEP_SCENARIOS:
        start = rng.uniform(-100, 100, shape).astype(np.float32)
        loss_fn = _loss_fn(rng.uniform(-100, 100, shape).astype(np.float32))
        image, optimizer = tf.Variable(start), keras.optimizers.Adam(learning_rate=rate)
        config = optimizer.get_config()
        reference, shadow = keras.optimizers.Adam.from_config(config), tf.Variable(start)
        for step in (1, 2):
            before = image.numpy().copy()
            returned = call(functions, None, image, loss_fn, optimizer)
            expected = _apply(before, loss_fn, reference, shadow)
            problem = _step_problem(before, image.numpy(), expected, returned, loss_fn, config)
            if problem:
                return False, f"{problem} (step {step} on the {label})", {}
    return True, "two consecutive Adam steps match Keras's on two images, and the loss went down", {}


ADAM_STEP = Exercise(
    number=10, name="adam_step", title="One optimisation step with tf.GradientTape and Adam",
    solutions=[adam_step], judge=_judge_step,
    hints=[
        "Three lines: compute the loss inside `with tf.GradientTape() as tape:`, ask the tape for the "
        "gradient, let the optimizer apply it.",
        "gradient = tape.gradient(loss, image) has the image's shape; optimizer.apply_gradients([(gradient, "
        "image)]) changes the variable in place.",
        "Return the loss you computed inside the tape.",
    ],
)


# -- exercise 11 -------------------------------------------------------------------------------
RUN_SIZE = 64  #: long side of the chelsea / starry_night problem of exercise 11
RUN_EVALS = 40  #: L-BFGS evaluations of that run
# The criterion is a compromise a participant can reason about, not "the right picture" (that is
# taste): nearer the painting than the photo is in style, nearer the photo than the painting is in
# content. Measured (random weights, seed 0): ratios beta/alpha of about 0.15 to 1.7 pass.
STYLE_FRACTION = 0.5  #: the style loss must end below this fraction of the photo's own style loss ...
CONTENT_FRACTION = 0.5  #: ... and the content loss below this fraction of the painting's content loss


@functools.lru_cache(maxsize=1)
def _problem():
    from styletransfer.samples import load_sample
    from styletransfer.transfer import StyleTransfer

    return StyleTransfer(load_sample("chelsea"), load_sample("starry_night"), size=RUN_SIZE, weights="random",
                         seed=0)


@functools.lru_cache(maxsize=1)
def references() -> tuple[float, float]:
    """(style loss of the photo itself, content loss of the painting itself): the two extremes."""
    problem = _problem()
    photo = problem.terms(tf.constant(problem.init_image("content")))
    painting = problem.terms(tf.constant(problem.init_image("style")))
    return float(photo["style"]), float(painting["content"])


def weights_run(content_weight: float, style_weight: float):
    """Run exercise 11's short optimisation; returns (style loss, content loss, result)."""
    problem = _problem()
    problem.set_weights(content_weight=content_weight, style_weight=style_weight)
    # Every run option is pinned (bounds too), so the calibrated bounds do not move with library defaults.
    result = problem.run(init="content", max_evals=RUN_EVALS, optimizer="lbfgs", bounds="clip", progress=False)
    terms = problem.terms(tf.constant(result.best_batch))
    return float(terms["style"]), float(terms["content"]), result


def _weights_problem(value) -> str | None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return f"return two numbers, (content_weight, style_weight); got {value!r}"
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return f"return two numbers, (content_weight, style_weight); got {value!r}"
    if not all(math.isfinite(v) and v >= 0 for v in numbers) or sum(numbers) == 0:
        return f"the weights must be finite, >= 0 and not both 0; got {value!r}"
    alpha, beta = numbers
    ratio = beta / alpha if alpha > 0 else 1.0
    if max(alpha, beta) > FLOAT32_MAX or not math.isfinite(ratio) or ratio > FLOAT32_MAX:
        return (f"{value!r} does not fit in float32, the precision the network computes in (largest "
                f"{FLOAT32_MAX:.3g}): the loss would become infinite. Only the ratio beta/alpha matters: "
                "take alpha = 1 and a beta between 0.1 and 100")
    return None


def _judge_weights(functions):
    value = call(functions, None)
    problem = _weights_problem(value)
    if problem:
        return False, problem, {}
    alpha, beta = (float(v) for v in value)
    # Only the ratio matters: scale so that alpha is 1 (L-BFGS's tolerances then behave the same).
    weights = (1.0, beta / alpha) if alpha > 0 else (0.0, 1.0)
    style, content, result = weights_run(*weights)
    details = {"style": style, "content": content, "image": result.image, "weights_label": result.weights_label,
               "ratio": weights[1] if alpha > 0 else math.inf}
    ratio = f"beta/alpha = {details['ratio']:.3g}"
    photo_style, painting_content = references()
    style_share, content_share = style / photo_style, content / painting_content
    measured = (f"style loss {style:.3g} = {style_share:.0%} of the photo's (must be below {STYLE_FRACTION:.0%}), "
                f"content loss {content:.3g} = {content_share:.0%} of the painting's (must be below "
                f"{CONTENT_FRACTION:.0%}) after {RUN_EVALS} L-BFGS evaluations with {ratio}; {result.weights_label}")
    if not (math.isfinite(style) and math.isfinite(content)):
        return False, (f"the losses became NaN or infinite with {ratio}: that ratio is too extreme for float32; "
                       "take alpha = 1 and a beta between 0.1 and 100"), details
    if style_share < STYLE_FRACTION and content_share < CONTENT_FRACTION:
        return True, measured, details
    if style_share >= STYLE_FRACTION and content_share >= CONTENT_FRACTION:
        advice = "both too high: this should not happen for any ratio; re-run the cell"
    elif style_share >= STYLE_FRACTION:
        advice = "not enough style: increase beta relative to alpha"
    else:
        advice = "the picture drifted too far from the content: decrease beta relative to alpha"
    return False, f"{advice} ({measured})", details


CHOOSE_WEIGHTS = Exercise(
    number=11, name="choose_weights", title="Choose alpha and beta", solutions=[choose_weights],
    judge=_judge_weights,
    hints=[
        "Only the ratio beta/alpha matters. Start from alpha = 1 and try a few betas a factor of 10 apart.",
        "With beta/alpha near 0 the image stays the content; very large beta/alpha forgets the content.",
        "The check wants a compromise: style loss below half the photo's, content loss below half the "
        "painting's. More beta lowers the first and raises the second.",
        "Ratios beta/alpha between about 0.2 and 1.5 pass this run.",
    ],
)
