"""What a check or a hint shows: one line of plain text, or a coloured box in Jupyter."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

__all__ = ["CheckResult", "Note", "Scoreboard", "PASSED", "FAILED", "NOT_ATTEMPTED"]

PASSED = "passed"
FAILED = "failed"
NOT_ATTEMPTED = "not attempted"

_STYLE = {
    PASSED: ("\u2714", "#1b5e20", "#e8f5e9", "Correct"),
    FAILED: ("\u2718", "#b71c1c", "#ffebee", "Not yet"),
    NOT_ATTEMPTED: ("\u2026", "#37474f", "#eceff1", "Not attempted yet"),
    "hint": ("\u2139", "#0d47a1", "#e3f2fd", "Hint"),
}


def _box(kind: str, heading: str, message: str) -> str:
    symbol, ink, paper, _ = _STYLE[kind]
    body = html.escape(message).replace("\n", "<br>")
    return (
        f'<div style="border-left:6px solid {ink};background:{paper};color:{ink};'
        f'padding:6px 10px;margin:4px 0;font-family:sans-serif">'
        f"<b>{symbol} {html.escape(heading)}</b>: {body}</div>"
    )


@dataclass
class CheckResult:
    """Outcome of ``check()``: ``.passed``, ``.status`` and a specific ``.message``.

    Displays as a green (correct), red (not yet) or grey (not attempted) box in Jupyter and as
    one line of plain text elsewhere. ``bool(result)`` is ``result.passed``.
    """

    exercise: str
    number: int
    status: str
    message: str
    details: dict = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def attempted(self) -> bool:
        return self.status != NOT_ATTEMPTED

    def __bool__(self) -> bool:
        return self.passed

    @property
    def heading(self) -> str:
        return f"Exercise {self.number} ({self.exercise}) \u2013 {_STYLE[self.status][3].lower()}"

    def __str__(self) -> str:
        return f"{_STYLE[self.status][0]} {self.heading}: {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return _box(self.status, self.heading, self.message)


@dataclass
class Note:
    """A hint (or any short text) that displays nicely in Jupyter and as plain text."""

    title: str
    text: str

    def __str__(self) -> str:
        return f"{_STYLE['hint'][0]} {self.title}: {self.text}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return _box("hint", self.title, self.text)


@dataclass
class Scoreboard:
    """The latest check of every exercise: ``rows`` of (number, title, status or None if never checked)."""

    rows: list[tuple[int, str, str | None]]

    @property
    def passed(self) -> int:
        return sum(status == PASSED for _, _, status in self.rows)

    @property
    def all_passed(self) -> bool:
        return self.passed == len(self.rows)

    def _line(self, status: str | None) -> tuple[str, str]:
        if status is None:
            return "\u00b7", "not checked yet"
        return _STYLE[status][0], _STYLE[status][3].lower()

    def __str__(self) -> str:
        lines = [f"{self.passed} of {len(self.rows)} exercises correct"]
        for number, title, status in self.rows:
            symbol, word = self._line(status)
            lines.append(f"{symbol} {number:2d}. {title}: {word}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        cells = []
        for number, title, status in self.rows:
            symbol, word = self._line(status)
            ink = _STYLE[status][1] if status else "#757575"
            cells.append(f'<tr><td>{number}</td><td>{html.escape(title)}</td>'
                         f'<td style="color:{ink}"><b>{symbol}</b> {word}</td></tr>')
        return (f"<p><b>{self.passed} of {len(self.rows)} exercises correct</b></p>"
                f"<table><tr><th>#</th><th>exercise</th><th>status</th></tr>{''.join(cells)}</table>")
