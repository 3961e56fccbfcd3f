"""Small assertions shared by several test files."""

from __future__ import annotations

import pytest


def one_line(exc: pytest.ExceptionInfo) -> str:
    """The exception's message, asserting that it is one non-empty line (the library's promise)."""
    text = str(exc.value)
    assert text and "\n" not in text
    return text
