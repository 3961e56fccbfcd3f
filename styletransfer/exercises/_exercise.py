"""One workshop exercise: its data (inputs, reference, known mistakes, hints) and its public methods."""

from __future__ import annotations

import inspect
import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ParameterError
from ._checking import Case, Mistake, evaluate
from ._feedback import CheckResult, Note

__all__ = ["Exercise"]


class Exercise:
    """One workshop exercise: ``check(fn)``, ``hint()``, ``solution()`` and ``stub()``.

    Parameters
    ----------
    number, name, title : int, str, str
        Numbering is stable: the teaching notebooks link to exercises by number.
    solutions : sequence of callables
        The teaching solution(s); their source is what ``solution()`` prints. Several when the
        participant writes several functions (their names are the ones checked).
    cases : callable
        ``cases() -> list[Case]``: small seeded inputs, edge cases included.
    reference : callable
        ``reference(case)``: the library's answer.
    mistakes, diagnosers : sequences
        Known wrong answers, then ``diagnose(case, got, expected) -> str | None`` hooks.
    factor_advice : dict
        Extra sentence per factor name ("H*W", "1/N^2", "~H*W" for a growing factor, "constant").
    watch : callable, optional
        ``watch(case) -> list of tensors`` whose gradient must exist (differentiability check).
    judge : callable, optional
        Replaces the comparison: ``judge(functions) -> (passed, message, details)``.
    bug : callable, optional
        For find-the-bug exercises: the buggy code that ``show_bug()`` prints.
    """

    def __init__(self, *, number: int, name: str, title: str, solutions: Sequence[Callable], hints: Sequence[str],
                 cases: Callable[[], list[Case]] | None = None, reference: Callable[[Case], Any] | None = None,
                 mistakes: Sequence[Mistake] = (), diagnosers: Sequence[Callable] = (),
                 factor_advice: dict[str, str] | None = None, watch: Callable | None = None,
                 judge: Callable | None = None, bug: Callable | None = None, rtol: float = 1e-4, atol: float = 1e-5) -> None:
        self.number, self.name, self.title = number, name, title
        self.solutions = tuple(solutions)
        self.functions = tuple(f.__name__ for f in self.solutions)
        self.hints = list(hints)
        self.cases, self.reference, self.judge = cases, reference, judge
        self.mistakes, self.diagnosers = list(mistakes), list(diagnosers)
        self.factor_advice = dict(factor_advice or {})
        self.watch, self.rtol, self.atol, self.bug = watch, rtol, atol, bug
        self._hints_shown = 0
        self.last_result: CheckResult | None = None

    def __repr__(self) -> str:
        return f"<Exercise {self.number}: {self.title} (write {', '.join(self.functions)})>"

    # -- what the participant calls ------------------------------------------------------------
    def check(self, *functions: Callable) -> CheckResult:
        """Check your function(s); with no argument, the ones of that name in your notebook."""
        if not functions:
            caller = sys._getframe(1).f_globals
            functions = tuple(caller.get(name) for name in self.functions)
        self.last_result = evaluate(self, functions)
        return self.last_result

    def hint(self, level: int | None = None) -> Note:
        """The next hint (each call reveals one more); ``level`` picks one (1 = first).

        Raises
        ------
        ParameterError
            ``level`` is not a whole number from 1 to the number of hints.
        """
        if level is not None and (isinstance(level, bool) or not isinstance(level, numbers.Integral)
                                  or not 1 <= level <= len(self.hints)):
            raise ParameterError(f"exercise {self.number} has hints 1 to {len(self.hints)}, got hint({level!r}); "
                                 f"give a number from 1 to {len(self.hints)}, or call hint() for the next one")
        if level is None:
            self._hints_shown = min(self._hints_shown + 1, len(self.hints) + 1)
            level = self._hints_shown
        if level > len(self.hints):
            return Note(f"Exercise {self.number}: no more hints",
                        f"see the solution with ex.{self.name}.solution()")
        return Note(f"Exercise {self.number}, hint {level} of {len(self.hints)}", self.hints[level - 1])

    def solution(self, *, show: bool = True):
        """Print the solution's source (unless ``show=False``) and return the function(s)."""
        if show:
            print("\n\n".join(inspect.getsource(f) for f in self.solutions))
        return self.solutions[0] if len(self.solutions) == 1 else self.solutions

    def show_bug(self, *, show: bool = True) -> Callable:
        """Print the buggy code of a find-the-bug exercise and return it (so you can run it)."""
        if self.bug is None:
            raise AttributeError(f"exercise {self.number} is not a find-the-bug exercise")
        if show:
            print(inspect.getsource(self.bug))
        return self.bug

    def stub(self) -> str:
        """The starting cell: each function's signature, ``# YOUR CODE HERE``, NotImplementedError."""
        lines = []
        for f in self.solutions:
            lines += [f"def {f.__name__}{inspect.signature(f)}:", "    # YOUR CODE HERE",
                      "    raise NotImplementedError", "", ""]
        return "\n".join(lines[:-2])
