"""The comparison engine shared by every exercise.

An exercise (:class:`~styletransfer.exercises._exercise.Exercise`) is data: input generators (:class:`Case`), the library's reference,
known mistakes (:class:`Mistake`, a model of a wrong answer plus the message that explains it)
and optional per-exercise diagnosers. :func:`evaluate` runs the participant's function(s) on every
case, never lets their exceptions escape, and turns the first disagreement into one specific
sentence: a known mistake, a constant factor it can name ("H*W", "N^2", ...), a factor that grows
with a size, a wrong shape or dtype, a missing gradient, or else the largest difference.
"""

from __future__ import annotations

import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import tensorflow as tf

from ..constants import EXERCISE_TIME_LIMIT
from ._feedback import FAILED, NOT_ATTEMPTED, PASSED, CheckResult


class ExerciseData(Protocol):
    """What the checks read from an exercise (:class:`~styletransfer.exercises._exercise.Exercise`
    has it); a protocol, so this module does not import ``_exercise``, which imports it."""

    number: int
    name: str
    functions: tuple[str, ...]
    cases: Callable[[], list] | None
    reference: Callable | None
    judge: Callable | None
    mistakes: list
    diagnosers: list
    factor_advice: dict[str, str]
    watch: Callable | None
    rtol: float
    atol: float

__all__ = ["Case", "Mistake", "evaluate", "call", "run_limited", "as_array", "close", "TIME_LIMIT"]

#: Factors that are worth a name whatever the exercise.
CONSTANTS = {"2": 2.0, "4": 4.0, "255": 255.0, "255^2": 255.0**2}


@dataclass
class Case:
    """One input to a participant's function.

    ``quantities`` are named sizes of this input ("H*W", "N", ...) used to name constant factors;
    ``data`` holds anything else (``fn``: which of several functions to call, ``dtype``, ``atol``).
    """

    label: str
    args: tuple
    quantities: dict[str, float] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Mistake:
    """A plausible wrong answer: ``model(case)`` computes it (or returns None if not applicable)."""

    message: str
    model: Callable[[Case], Any]


def as_array(value) -> np.ndarray | None:
    """A participant's return value as a NumPy array, or None if it is not numeric."""
    if value is None:
        return None
    if isinstance(value, tf.Variable):
        value = value.read_value()
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - anything unconvertible is "not numeric"
        return None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        return None
    return array


def close(got, expected, *, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    """Same shape and values within tolerance (NaN never matches)."""
    got, expected = as_array(got), as_array(expected)
    if got is None or expected is None or got.shape != expected.shape:
        return False
    return bool(np.allclose(got.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol))


def _ratio(got: np.ndarray, expected: np.ndarray) -> float | None:
    """``r`` such that ``got == r * expected`` (None if the two are not proportional)."""
    if got.shape != expected.shape:
        return None
    g, e = got.astype(np.float64).ravel(), expected.astype(np.float64).ravel()
    norm = float(e @ e)
    if norm == 0 or not np.all(np.isfinite(g)):
        return None
    r = float(g @ e) / norm
    if r == 0 or not np.allclose(g, r * e, rtol=1e-4, atol=1e-6 * max(abs(r) * float(np.abs(e).max()), 1e-12)):
        return None
    return r


def _fits(ratio: float, value: float) -> bool:
    return value > 0 and abs(ratio - value) <= 2e-3 * value


@dataclass
class _Outcome:
    case: Case
    got: Any
    expected: Any
    ok: bool


# -- the engine --------------------------------------------------------------------------------
def evaluate(exercise: ExerciseData, functions: Sequence) -> CheckResult:
    """Run ``functions`` against ``exercise`` and return a result; never raises on their errors."""

    def result(status: str, message: str, **details) -> CheckResult:
        return CheckResult(exercise.name, exercise.number, status, message, details)

    names = exercise.functions
    if len(functions) != len(names) or not all(callable(f) for f in functions):
        return result(FAILED, f"pass your function{'s' if len(names) > 1 else ''} "
                              f"({', '.join(names)}): ex.{exercise.name}.check({', '.join(names)})")
    try:
        if exercise.judge is not None:
            passed, message, details = exercise.judge(functions)
            return result(PASSED if passed else FAILED, message, **details)
        outcomes = []
        for case in exercise.cases():
            expected = exercise.reference(case)
            got = call(functions, case)
            outcomes.append(_Outcome(case, got, expected, _matches(exercise, case, got, expected)))
        failing = [o for o in outcomes if not o.ok]
        if failing:
            return result(FAILED, diagnose(exercise, outcomes, failing[0]), case=failing[0].case.label)
        missing = _gradient_problem(exercise, functions, outcomes[0].case)
        if missing:
            return result(FAILED, missing)
    except _Raised as raised:
        if isinstance(raised.error, NotImplementedError):
            which = names[raised.index] if len(names) > 1 else "your function"
            return result(NOT_ATTEMPTED, f"{which} still raises NotImplementedError: "
                                         "replace the '# YOUR CODE HERE' stub and run its cell again")
        return result(FAILED, raised.describe(names))
    labels = "; ".join(o.case.label for o in outcomes)
    return result(PASSED, f"matches the reference on all {len(outcomes)} inputs ({labels})")


class _TimeUp(BaseException):
    """Raised inside the participant's function when its time limit is over."""


class _Raised(Exception):
    def __init__(self, error: BaseException, index: int, function: Callable, case: Case | None) -> None:
        super().__init__(str(error))
        self.error, self.index, self.function, self.case = error, index, function, case

    def describe(self, names: Sequence[str]) -> str:
        on = f" on the input '{self.case.label}'" if self.case is not None else ""
        which = names[self.index] if len(names) > 1 else "your function"
        if isinstance(self.error, _TimeUp):
            return (f"{which} took longer than {TIME_LIMIT:g} s{on} and was stopped (each call may take at most "
                    f"{TIME_LIMIT:g} s); look for an endless loop, a sleep or a far too large computation")
        if isinstance(self.error, KeyboardInterrupt):
            return f"{which} was interrupted (KeyboardInterrupt){on}; run the check again when it is ready"
        where = ""
        code = getattr(self.function, "__code__", None)
        if code is not None:
            frames = [f for f in traceback.extract_tb(self.error.__traceback__) if f.filename == code.co_filename]
            if frames and frames[-1].lineno is not None:
                where = f" at line {frames[-1].lineno - code.co_firstlineno + 1} of {names[self.index]}"
        text = str(self.error).strip().splitlines()[0] if str(self.error).strip() else "(no message)"
        advice = ""
        if isinstance(self.error, SystemExit):
            advice = " (sys.exit() or exit() would end the whole program: return the result instead)"
        return f"your code raised {type(self.error).__name__}{where}{on}: {text[:300]}{advice}"


#: Seconds one call of the participant's function may take (read at each call, so it can be changed).
TIME_LIMIT: float = EXERCISE_TIME_LIMIT


def run_limited(job: Callable[[], Any]) -> Any:
    """``job()``, stopped with :class:`_TimeUp` after :data:`TIME_LIMIT` seconds.

    In the main thread of a POSIX process (a Jupyter kernel) a timer signal interrupts the
    function itself. Elsewhere the job runs in a helper thread and ``check()`` stops waiting for
    it (Python cannot stop a thread, so a runaway function keeps running there).
    """
    limit = float(TIME_LIMIT)
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise _TimeUp()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return job()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = job()
        except BaseException as error:  # noqa: BLE001 - handed back to the calling thread
            box["error"] = error

    worker = threading.Thread(target=target, name="exercise-check", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise _TimeUp()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def call(functions: Sequence[Callable], case: Case | None, *args, limit: bool = True):
    """Call the participant's function for ``case`` (or with ``args``), wrapping any exception.

    Every call has a time limit (:data:`TIME_LIMIT`, unless ``limit=False`` because the caller
    already runs under one), and nothing the function raises escapes, ``SystemExit`` and
    ``KeyboardInterrupt`` included: they become a :class:`_Raised` that ``evaluate`` explains.
    """
    index = case.data.get("fn", 0) if case is not None else 0
    if case is not None:  # copies: an in-place edit must not change the reference's input
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in case.args)
    function = functions[index]
    try:
        return run_limited(lambda: function(*args)) if limit else function(*args)
    except (Exception, SystemExit, KeyboardInterrupt, _TimeUp) as error:  # noqa: BLE001 - feedback, not a crash
        raise _Raised(error, index, function, case) from None


def _matches(exercise: ExerciseData, case: Case, got, expected) -> bool:
    array = as_array(got)
    dtype = case.data.get("dtype")
    if array is None or (dtype is not None and array.dtype != np.dtype(dtype)):
        return False
    return close(array, expected, rtol=case.data.get("rtol", exercise.rtol), atol=case.data.get("atol", exercise.atol))


def diagnose(exercise: ExerciseData, outcomes: list[_Outcome], first: _Outcome) -> str:
    """The most specific sentence that explains why ``first`` (and maybe the others) disagree."""
    case, got, expected = first.case, first.got, first.expected
    on = f" (input: {case.label})"
    if got is None:
        return "your function returned None: did you forget the `return` line?"
    array, want = as_array(got), as_array(expected)
    if array is None:
        return f"your function returned a {type(got).__name__}, not numbers{on}"
    if close(array, want, rtol=exercise.rtol, atol=case.data.get("atol", exercise.atol)):
        return (f"the values are right but the dtype is {array.dtype}; return {np.dtype(case.data['dtype'])}"
                f"{on}")
    if array.shape == want.shape and not np.all(np.isfinite(array)):
        nan = int(np.isnan(array).sum()) if np.issubdtype(array.dtype, np.floating) else 0
        what = (f"contains NaN ({nan} of {array.size} values)" if nan
                else f"contains infinity ({int(np.isinf(array).sum())} of {array.size} values)")
        return (f"your result {what}{on}: look for a division by zero, a log or sqrt of a negative "
                "number, or an overflow")
    for mistake in exercise.mistakes:
        model = mistake.model(case)
        if model is not None and close(array, model, rtol=1e-3, atol=case.data.get("atol", 1e-4)):
            return mistake.message + on
    factor = _factor_message(exercise, outcomes)
    if factor:
        return factor
    for diagnoser in exercise.diagnosers:
        message = diagnoser(case, array, want)
        if message:
            return message + on
    if array.shape != want.shape:
        return f"wrong shape: expected {want.shape}, got {array.shape}{on}"
    diff = np.abs(array.astype(np.float64) - want.astype(np.float64))
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    return (f"wrong values{on}: at index {tuple(int(i) for i in worst)} expected {float(want[worst]):.6g}, "
            f"got {float(array[worst]):.6g} (largest difference {float(diff.max()):.3g})")


def _factor_message(exercise: ExerciseData, outcomes: list[_Outcome]) -> str | None:
    """Name a factor between the answer and the reference, if there is one on every input."""
    ratios = []
    for o in outcomes:
        got, want = as_array(o.got), as_array(o.expected)
        r = 1.0 if o.ok else (_ratio(got, want) if got is not None and want is not None else None)
        if r is None:
            return None
        ratios.append(r)
    if all(_fits(r, 1.0) for r in ratios):
        return None
    advice = exercise.factor_advice
    named = {}
    for o in outcomes:
        for key, value in {**o.case.quantities, **CONSTANTS}.items():
            named.setdefault(key, []).append(float(value))
    for key, values in named.items():
        if len(values) != len(outcomes):
            continue
        if all(_fits(r, v) for r, v in zip(ratios, values)):
            return (f"off by a factor of {key}: your values are {key} times too large "
                    f"({ratios[-1]:.4g}x on the last input). {advice.get(key, '')}").strip()
        if all(_fits(1.0 / r, v) for r, v in zip(ratios, values)):
            return (f"off by a factor of 1/{key}: your values are {key} times too small "
                    f"({ratios[-1]:.4g}x on the last input). {advice.get('1/' + key, '')}").strip()
    if np.allclose(ratios, ratios[0], rtol=2e-3):
        return (f"off by a constant factor: your values are {ratios[0]:.4g} times the expected ones on every "
                f"input. {advice.get('constant', '')}").strip()
    for key, values in named.items():
        if len(values) != len(outcomes) or len(set(values)) < 2 or key in CONSTANTS:
            continue
        for power in (1, -1, 2, -2):
            scaled = [r / v**power for r, v in zip(ratios, values)]
            if np.allclose(scaled, scaled[0], rtol=2e-3):
                trend = "grows" if power > 0 else "shrinks"
                law = f"~{key}" if power > 0 else f"~1/{key}"
                return (f"off by a factor that {trend} with {key} (your values / expected = "
                        f"{', '.join(f'{r:.3g}' for r in ratios)} on the {len(ratios)} inputs). "
                        f"{advice.get(law, '')}").strip()
    return None


def _gradient_problem(exercise: ExerciseData, functions: Sequence[Callable], case: Case) -> str | None:
    """A message if TensorFlow cannot differentiate the participant's result w.r.t. its inputs."""
    if exercise.watch is None:
        return None
    watched = exercise.watch(case)

    def taped():  # the tape and the call in one thread (a tape only records its own thread)
        with tf.GradientTape() as tape:
            for tensor in watched:
                tape.watch(tensor)
            out = call(functions, case, limit=False)
            if not tf.is_tensor(out):
                return out, None
            total = tf.reduce_sum(tf.cast(out, tf.float32))
        return out, tape.gradient(total, watched)

    try:
        out, grads = run_limited(taped)
    except _TimeUp as error:
        raise _Raised(error, case.data.get("fn", 0), functions[case.data.get("fn", 0)], case) from None
    if grads is None:
        return (f"gradient missing: your function returned a {type(out).__name__}, so tf.GradientTape cannot "
                "differentiate it; use TensorFlow operations (tf.reduce_sum, tf.einsum, ...) instead of "
                "NumPy or .numpy()")
    if any(g is None for g in grads):
        return ("gradient missing: tf.GradientTape gives None for the input, so the optimiser could not use "
                "this loss; the chain is broken (NumPy, .numpy(), float() or tf.stop_gradient inside?)")
    return None
