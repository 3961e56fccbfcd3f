"""Small assertions shared by several test files."""

from __future__ import annotations

import numpy as np
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


class NumpyProblem:
    """What the runner needs of a StyleTransfer, without TensorFlow: a cheap quadratic loss."""

    def __init__(self, content, style, *, size, seed=0, weights=None, **_):
        from styletransfer.images import load_image, preprocess
        from styletransfer.weights import WeightsSpec

        self.content_image = load_image(content, size=size)
        self.style_image = load_image(style, size=size)
        self.style_layer_weights = {"block1_conv1": 1.0}
        self.shape = (1, *self.content_image.shape[:2], 3)
        self.spec = weights if isinstance(weights, WeightsSpec) else WeightsSpec("random", seed=seed)
        self.seed = seed
        self._target = preprocess(np.roll(self.content_image, 5, axis=1))

    def loss_and_grad(self, x):
        diff = np.asarray(x, dtype=np.float32) - self._target
        return float(np.mean(diff**2)), {"content": float(np.mean(diff**2)), "style": 0.0, "tv": 0.0}, 2 * diff / diff.size

    def bounds(self):
        from styletransfer.images import pixel_bounds

        return pixel_bounds(self.shape)

    def init_image(self, init="content", *, seed=None):
        from styletransfer.images import preprocess

        return preprocess(self.content_image)


def stand_in_batch_worker(conn, env) -> None:
    """A batch worker process without a network: each job is done at once; one whose output is named
    ``die*`` kills the process (exit status 9), as the kernel's out-of-memory killer would."""
    import os
    from pathlib import Path

    while True:
        message = conn.recv()
        if message is None:
            return
        index, options = message
        if Path(options.output).name.startswith("die"):
            os._exit(9)
        conn.send((index, {"status": "done", "reason": "", "seconds": 0.0, "warnings": [], "terminated": False}))


def call(capsys, *argv) -> tuple[int, str, str]:
    """Run the ``styletransfer`` command in-process; returns ``(exit status, stdout, stderr)``."""
    from styletransfer.cli.main import main

    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def sha256(path) -> str:
    """Hex sha256 of a file's bytes."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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


class LocalOrigin:
    """A tiny HTTP server on 127.0.0.1 serving fixed bytes by path, in a thread (tests' own "internet").

    ``requests`` lists the paths asked for; set ``corrupt = True`` to serve the bytes reversed, or
    ``status`` to an HTTP error code; :meth:`close` stops it (later connections are refused).
    """

    def __init__(self, files: dict[str, bytes]) -> None:
        import http.server
        import threading

        self.files, self.requests, self.corrupt, self.status = dict(files), [], False, 200
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                origin.requests.append(self.path)
                data = origin.files.get(self.path)
                if data is None or origin.status != 200:
                    self.send_error(404 if data is None else origin.status)
                    return
                data = data[::-1] if origin.corrupt else data
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.port = self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()


#: Where Debian/Ubuntu (and CI) put their Chromium; Playwright drives it instead of downloading one.
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Playwright's browser download host, to tell "online" from "offline" before trying an install.
PLAYWRIGHT_HOST = "cdn.playwright.dev"
NO_CHROMIUM = ("no Chromium for the browser test: install it with `.venv/bin/python -m playwright install "
               "chromium` (online) or `sudo apt-get install chromium`")


def _playwright_chromium() -> str | None:
    """The Chromium that ``playwright install chromium`` put in Playwright's cache, if it is there."""
    import os

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as pw:
        path = pw.chromium.executable_path
    return path if path and os.path.isfile(path) else None


def _online(host: str, timeout: float = 3.0) -> bool:
    import socket

    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def find_chromium(*, install: bool = True) -> tuple[str | None, str]:
    """A Chromium for Playwright: the system's, else Playwright's own (installed now when online).

    Returns ``(path, "")`` or ``(None, why)``, ``why`` being one line saying what to install.
    """
    import os
    import shutil
    import subprocess
    import sys

    for path in (*SYSTEM_CHROMIUMS, *filter(None, map(shutil.which, ("chromium", "chromium-browser")))):
        if os.path.isfile(path):
            return path, ""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return None, "no Playwright for the browser test: `.venv/bin/python -m pip install -e '.[test]'`"
    path = _playwright_chromium()
    if path is None and install and _online(PLAYWRIGHT_HOST):
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False, timeout=900)
        path = _playwright_chromium()
    return (path, "") if path else (None, NO_CHROMIUM)


#: TensorFlow's and Keras's start-up chatter: absl/C++ log lines (both formats), and Keras's download line.
_CHATTER = (
    r"absl::InitializeLog", r"oneDNN custom operations", r"cpu_feature_guard", r"This TensorFlow binary is optimized",
    r"Downloading data from", r"^[IWE]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ \S+:\d+\]",
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] \S+:\d+\]",
)


def tf_chatter(text: str) -> list[str]:
    """The lines of ``text`` that are TensorFlow/Keras chatter a user should not see by default."""
    import re

    pattern = re.compile("|".join(_CHATTER))
    return [line for line in text.splitlines() if pattern.search(line)]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size but holds (almost) no pixel data (a decompression bomb's header)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")
