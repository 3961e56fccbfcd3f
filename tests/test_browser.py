"""The sliders in a real browser: Voila serves notebooks/app.ipynb, headless Chromium moves a slider.

Uses Debian's ``chromium`` at /usr/bin/chromium where it is installed (``.ci/run`` installs it), else
Playwright's own Chromium, which the ``chromium`` fixture installs when online
(``python -m playwright install chromium``); offline without one it skips with one line saying what
to install. A screenshot is kept in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
START_TIMEOUT = 180.0  # Voila start + kernel + TensorFlow import + problem build, on a busy 2-core machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
]

# Sum of the pixels of an <img>, drawn into a canvas (blob: URLs are same-origin, so readable).
PIXEL_SUM = """img => {
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let s = 0; for (let i = 0; i < d.length; i++) s += d[i] * ((i % 7) + 1);
  return s;
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.2)  # polling a condition with a deadline, not a guess
    raise TimeoutError(f"voila did not listen on port {port} within {timeout:.0f} s")


def _terminate(process: subprocess.Popen) -> None:
    """Stop Voila and every process it started (the kernel), by their ids."""
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


@pytest.fixture
def voila_url(tmp_path):
    pytest.importorskip("voila")
    port = _free_port()
    env = dict(os.environ, STYLETRANSFER_QUICK="1", STYLETRANSFER_OFFLINE="1", PYTHONUNBUFFERED="1")
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "voila.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
         str(ROOT / "notebooks" / "app.ipynb")],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, START_TIMEOUT)
        yield f"http://127.0.0.1:{port}/"
    finally:
        _terminate(process)
        log.close()


def test_slider_and_run_restyle_the_preview(chromium, voila_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    timeout_ms = START_TIMEOUT * 1000
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(voila_url, wait_until="domcontentloaded", timeout=timeout_ms)
            preview = page.wait_for_selector("img.st-preview", timeout=timeout_ms)
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview, timeout=timeout_ms)
            status = page.locator(".st-status")
            assert "RANDOM-WEIGHT" in status.inner_text(), "random weights must be labelled in the status line"
            before_src, before_pixels = preview.get_attribute("src"), preview.evaluate(PIXEL_SUM)

            # Move the beta (style) slider up with the keyboard: each press is one step of 10**0.1.
            beta = page.locator(".noUi-handle").nth(1)
            readouts = page.locator(".widget-readout")
            beta_before = readouts.nth(1).inner_text()
            beta.focus()
            for _ in range(10):
                beta.press("ArrowRight")
            page.wait_for_function(
                "([el, old]) => el.innerText !== old", arg=[readouts.nth(1).element_handle(), beta_before],
                timeout=10_000,
            )
            # The kernel saw the move: it recomputes the alpha/beta ratio label (1 / 10**2).
            page.get_by_text("α/β = 1.0e-02").wait_for(timeout=30_000)
            page.get_by_role("button", name="Run").click()

            page.wait_for_function("([img, old]) => img.src !== old", arg=[preview, before_src], timeout=timeout_ms)
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview, timeout=timeout_ms)
            page.wait_for_function("el => /evaluation [1-9]/.test(el.innerText)",
                                   arg=status.element_handle(), timeout=timeout_ms)
            after_pixels = preview.evaluate(PIXEL_SUM)
            # Let the run finish (quick mode: a few seconds), so the screenshot shows the loss curves too.
            page.wait_for_function("el => el.innerText.includes('idle')", arg=status.element_handle(),
                                   timeout=timeout_ms)
            page.screenshot(path=str(ARTIFACTS / "browser_sliders.png"), full_page=True)
        finally:
            browser.close()
    assert after_pixels != before_pixels, "the preview's src changed but its pixels did not"
