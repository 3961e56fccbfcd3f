"""Workshop exercises with instant, offline feedback: ``check()``, ``hint()`` and ``solution()``.

Usage in a notebook::

    from styletransfer import exercises as ex

    def gram_matrix(features):
        # YOUR CODE HERE
        raise NotImplementedError

    ex.gram_matrix.check(gram_matrix)   # "not attempted yet", "correct" or a specific message
    ex.gram_matrix.hint()               # first a nudge; call again for more
    ex.gram_matrix.solution()           # prints the solution and returns the function

Every exercise also answers to its number: ``ex.check(4, gram_matrix)``, ``ex.hint(4)``,
``ex.get(4)``. The numbering is stable (the teaching notebooks link to exercises by number):

 1. count_parameters       dense layer versus 3x3 convolution on a 30x30 image
 2. convolve               an edge detector by hand, compared with tf.nn.conv2d
 3. preprocessing          VGG preprocessing (RGB -> BGR, ImageNet mean) and back
 4. gram_matrix            the Gram matrix, F^T F / (H*W)
 5. content_loss           mean squared difference of feature maps
 6. style_loss             weighted sum over layers of sum((G - A)^2) / (4 N^2)
 7. total_variation_loss   smoothness term
 8. style_loss_bug         find the bug: a hidden constant factor
 9. gram_bug               find the bug: image size and 3 channels instead of the layer's
10. adam_step              one step with tf.GradientTape and Adam
11. choose_weights         alpha and beta for a short run (checked by running it)
12. preserve_colors        luminance transfer: stylised luminance, content colours

A check never raises because of the participant's code: exceptions, wrong types, ``None`` and
NumPy-instead-of-TensorFlow all become one friendly line in the returned :class:`CheckResult`.
"""

from __future__ import annotations

import sys

from ._checking import Case, Mistake
from ._exercise import Exercise
from ._feedback import CheckResult, Note, Scoreboard
from .bugs import GRAM_BUG, STYLE_LOSS_BUG
from .colors import PRESERVE_COLORS
from .losses import CONTENT_LOSS, GRAM_MATRIX, STYLE_LOSS, TOTAL_VARIATION
from .network import CONVOLVE, COUNT_PARAMETERS, PREPROCESSING
from .optimization import ADAM_STEP, CHOOSE_WEIGHTS

__all__ = [
    "EXERCISES", "get", "check", "hint", "solution", "overview", "progress", "Exercise", "CheckResult", "Note",
    "Scoreboard", "Case",
    "Mistake", "count_parameters", "convolve", "preprocessing", "gram_matrix", "content_loss", "style_loss",
    "total_variation_loss", "style_loss_bug", "gram_bug", "adam_step", "choose_weights", "preserve_colors",
]

#: Every exercise by number (stable: notebooks link to these numbers).
EXERCISES: dict[int, Exercise] = {
    e.number: e
    for e in (COUNT_PARAMETERS, CONVOLVE, PREPROCESSING, GRAM_MATRIX, CONTENT_LOSS, STYLE_LOSS, TOTAL_VARIATION,
              STYLE_LOSS_BUG, GRAM_BUG, ADAM_STEP, CHOOSE_WEIGHTS, PRESERVE_COLORS)
}

count_parameters = COUNT_PARAMETERS
convolve = CONVOLVE
preprocessing = PREPROCESSING
gram_matrix = GRAM_MATRIX
content_loss = CONTENT_LOSS
style_loss = STYLE_LOSS
total_variation_loss = TOTAL_VARIATION
style_loss_bug = STYLE_LOSS_BUG
gram_bug = GRAM_BUG
adam_step = ADAM_STEP
choose_weights = CHOOSE_WEIGHTS
preserve_colors = PRESERVE_COLORS


def get(exercise: int | str) -> Exercise:
    """An exercise by number (``4``) or name (``"gram_matrix"``)."""
    for e in EXERCISES.values():
        if exercise in (e.number, e.name):
            return e
    names = ", ".join(f"{e.number} {e.name}" for e in EXERCISES.values())
    raise KeyError(f"no exercise {exercise!r}; choose one of: {names}")


def check(exercise: int | str, *functions) -> CheckResult:
    """Check your function(s) for ``exercise`` (number or name); none given: those of that name in your notebook."""
    chosen = get(exercise)
    if not functions:
        caller = sys._getframe(1).f_globals
        functions = tuple(caller.get(name) for name in chosen.functions)
    return chosen.check(*functions)


def hint(exercise: int | str, level: int | None = None) -> Note:
    """The next hint for ``exercise`` (number or name)."""
    return get(exercise).hint(level)


def solution(exercise: int | str, *, show: bool = True):
    """Print and return the solution of ``exercise`` (number or name)."""
    return get(exercise).solution(show=show)


def overview() -> str:
    """One line per exercise: number, name, what to write, title."""
    return "\n".join(f"{e.number:2d}. {e.name:<22s} write {', '.join(e.functions):<32s} {e.title}"
                     for e in EXERCISES.values())


def progress() -> Scoreboard:
    """The latest check of every exercise in this session (a table in Jupyter)."""
    return Scoreboard([(e.number, e.title, e.last_result.status if e.last_result is not None else None)
                       for e in EXERCISES.values()])
