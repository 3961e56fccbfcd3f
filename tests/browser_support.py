"""Serving the app to headless Chromium: shared by ``tests/test_browser.py`` and ``benchmarks/bench_sliders.py``.

:func:`serve_voila` starts Voila on a notebook (a free local port, a log file, kernel culling
options) and :func:`terminate` stops it and the kernels it started, by their process ids.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["CHROMIUM_ARGS", "START_TIMEOUT", "free_port", "wait_for_port", "terminate", "serve_voila", "PIXEL_SUM",
           "press_strength", "wait_for_status"]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT = 240.0  # Voila + kernel + TensorFlow import + problem build, on a busy 2-core machine

# Sum of the pixels of an <img>, drawn into a canvas (blob: URLs are same-origin, so readable).
PIXEL_SUM = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let s = 0; for (let i = 0; i < d.length; i++) s += d[i] * ((i % 7) + 1);
  return s;
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.2)  # polling a condition with a deadline, not a guess
    raise TimeoutError(f"the server did not listen on port {port} within {timeout:.0f} s")


def terminate(process: subprocess.Popen) -> None:
    """Stop the server and every process it started (the kernels), by their ids."""
    import psutil

    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    for child in children:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:
        child.kill()


def serve_voila(notebook: Path, *, cwd: Path, log, env: dict[str, str], options: list[str] = ()) -> tuple[subprocess.Popen, str]:
    """Start Voila on ``notebook`` (output to the open file ``log``); returns the process and its URL.

    Waits until it listens (:data:`START_TIMEOUT`); on failure the process is stopped.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", *options,
         str(notebook)], cwd=cwd, env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log,
        stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, START_TIMEOUT)
    except BaseException:
        terminate(process)
        raise
    return process, f"http://127.0.0.1:{port}/"


def press_strength(page, presses: int) -> None:
    """Move the app's style strength slider by ``presses`` key presses (right if positive, left if not)."""
    handle = page.locator(".st-strength [role=slider]")
    handle.focus()
    for _ in range(abs(presses)):
        handle.press("ArrowRight" if presses > 0 else "ArrowLeft")


def wait_for_status(page, text: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until the app's status line contains ``text``."""
    page.wait_for_function("([el, t]) => el.innerText.includes(t)",
                           arg=[page.locator(".st-status").element_handle(), text], timeout=timeout * 1000)
