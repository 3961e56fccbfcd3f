"""Small assertions shared by several test files."""

from __future__ import annotations

import pytest


def one_line(exc: pytest.ExceptionInfo) -> str:
    """The exception's message, asserting that it is one non-empty line (the library's promise)."""
    text = str(exc.value)
    assert text and "\n" not in text
    return text


def load_benchmark(name: str):
    """Import ``benchmarks/<name>.py`` (a script, not a package) as a module."""
    import importlib.util
    import sys
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # the scripts import their shared _results module
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numeric_grad(fn, x, eps: float = 1e-6):
    """Central finite differences of a scalar NumPy function ``fn`` at ``x``."""
    import numpy as np

    x = np.asarray(x)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        grad[index] = (fn(x + step) - fn(x - step)) / (2 * eps)
    return grad


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size but holds (almost) no pixel data (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")
