"""The web app in a real browser: Voila serves notebooks/app.ipynb, headless Chromium uses it.

Journeys: upload a photo -> choose a painting -> Run -> move the style strength -> the picture
changes -> Download gives a valid PNG and its record; a bad upload (a text file, a huge image)
gives one line and the app stays usable; two tabs stay independent; an 800 px window shows every
control; a reload mid-run leaves no kernel behind (Voila's culling, with short times here) and
the server still serves. The accessibility engine axe-core (``tests/browser``, ``npm ci``) checks
the page: no serious or critical violations.

Uses Debian's ``chromium`` at /usr/bin/chromium where it is installed (``.ci/run`` installs it), else
Playwright's own Chromium, which the ``chromium`` fixture installs when online
(``python -m playwright install chromium``); offline without one it skips with one line saying what
to install. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from browser_support import (
    CHROMIUM_ARGS,
    PIXEL_SUM,
    START_TIMEOUT,
    free_port,
    press_strength,
    serve_voila,
    terminate,
    wait_for_port,
    wait_for_status,
)
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CULL_IDLE, CULL_INTERVAL, PAGE_TIMEOUT = 8, 2, 4  # short versions of the app's 60 s / 15 s / 30 s

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # `make test` runs two pytest-xdist workers: the journeys share one Voila server and its log
    pytest.mark.xdist_group("browser"),
]

AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                     .map(v => v.id + ': ' + v.help + ' ' + v.nodes.slice(0, 2).map(n => n.html.slice(0, 160)).join(' | '));
}"""


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(1)  # polling a condition with a deadline, not a guess


class Server:
    def __init__(self, url: str, process: subprocess.Popen) -> None:
        self.url, self.process = url, process

    def started(self) -> int:
        """How many kernels Voila has logged as started so far (one per page load)."""
        return (ARTIFACTS / "voila.log").read_text().count("Kernel started")

    def kernel_pids(self) -> set[int]:
        """The process ids of the kernels Voila is running now (one per open page)."""
        import psutil

        pids = set()
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if "ipykernel" in " ".join(child.cmdline()):
                    pids.add(child.pid)
            except psutil.NoSuchProcess:  # culled while we looked
                pass
        return pids

    def kernels(self) -> int:
        """How many kernel processes Voila is running now."""
        return len(self.kernel_pids())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("voila")
    env = {"STYLETRANSFER_QUICK": "1", "STYLETRANSFER_OFFLINE": "1", "STYLETRANSFER_APP_PAGE_TIMEOUT": str(PAGE_TIMEOUT)}
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "voila.log", "w") as log:
        process, url = serve_voila(ROOT / "notebooks" / "app.ipynb", cwd=tmp_path_factory.mktemp("voila"), log=log,
                                   env=env, options=[f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE}",
                                                     f"--MappingKernelManager.cull_interval={CULL_INTERVAL}"])
        try:
            yield Server(url, process)
        finally:
            terminate(process)


@pytest.fixture(scope="module")
def browser(chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class App:
    """One tab of the app."""

    def __init__(self, browser, server: Server, *, width: int = 1300) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.page = self.context.new_page()
        self.load(server.url)

    def load(self, url: str) -> None:
        self.page.goto(url, wait_until="domcontentloaded", timeout=START_TIMEOUT * 1000)
        self.preview = self.page.wait_for_selector("img.st-preview", timeout=START_TIMEOUT * 1000)
        self.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=self.preview,
                                    timeout=START_TIMEOUT * 1000)

    @property
    def status(self) -> str:
        return self.page.locator(".st-status").inner_text()

    def wait_status(self, text: str, timeout: float = START_TIMEOUT) -> None:
        wait_for_status(self.page, text, timeout)

    def pixels(self) -> int:
        return self.preview.evaluate(PIXEL_SUM)

    def move_strength(self, presses: int) -> None:
        press_strength(self.page, presses)

    def run_to_done(self) -> None:
        self.page.get_by_role("button", name="Run").click()
        self.wait_status("Done")

    def download(self, which: str) -> tuple[str, bytes]:
        with self.page.expect_download(timeout=60_000) as info:
            self.page.locator(f"a.st-download-{which}").click()
        download = info.value
        return download.suggested_filename, Path(download.path()).read_bytes()

    def upload(self, kind: str, path: Path) -> None:
        with self.page.expect_file_chooser(timeout=30_000) as chooser:  # ipywidgets' input is not in the page
            self.page.locator(f"button.st-upload-{kind}").click()
        chooser.value.set_files(str(path))

    def serious_violations(self) -> list[str]:
        if not AXE.exists():
            message = f"axe-core is not installed ({AXE}); run: cd tests/browser && npm ci"
            pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
        self.page.add_script_tag(path=str(AXE))
        return self.page.evaluate(AXE_RUN)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_app(browser, server):
    apps = []

    def make(**options) -> App:
        apps.append(App(browser, server, **options))
        return apps[-1]

    yield make
    for app in apps:
        app.close()


def test_upload_choose_run_steer_and_download(open_app, tmp_path):
    app = open_app()
    page = app.page
    assert "Demo mode" in page.locator("body").inner_text(), "random weights are said in words a visitor reads"
    assert "styletransfer fetch" not in page.locator("body").inner_text(), "no developer commands in the page"
    assert page.title() == "Style transfer: your photo as a painting"
    assert page.get_by_role("button", name="Stop").is_disabled(), "Stop is off while nothing runs"

    photo = tmp_path / "my photo.png"
    yy, xx = np.mgrid[0:90, 0:120]
    Image.fromarray(np.stack([xx * 2, yy * 2, (xx + yy)], -1).astype(np.uint8)).save(photo)
    content = page.locator("img.st-content")
    before = content.get_attribute("src")
    app.upload("content", photo)
    page.wait_for_function("([img, old]) => img.src !== old", arg=[content.element_handle(), before], timeout=120_000)
    style = page.locator("img.st-style")
    before = style.get_attribute("src")
    page.locator(".st-gallery-style select").select_option(label="The Scream (1893) (Edvard Munch)")
    page.wait_for_function("([img, old]) => img.src !== old", arg=[style.element_handle(), before], timeout=120_000)

    app.run_to_done()
    first = app.pixels()
    app.move_strength(+6)  # 0.50 -> 0.80: beta 10 -> 631
    app.wait_status("Done")
    assert app.pixels() != first, "moving the strength slider changed the picture"
    app.page.get_by_role("button", name="advanced: alpha, beta, smoothness, size, layer").click()
    page.get_by_text("beta/alpha = 631").wait_for(timeout=30_000)
    violations = app.serious_violations()
    app.shot("app_journey.png")
    assert violations == [], "axe-core: serious or critical accessibility violations:\n" + "\n".join(violations)

    name, png = app.download("png")
    record_name, record = app.download("json")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and name.endswith(".png") and record_name == name[:-4] + ".json"
    data = json.loads(record)
    assert data["parameters"]["style_weight"] == pytest.approx(631, rel=1e-3)
    assert data["weights"]["random"] is True
    width, height = Image.open(io.BytesIO(png)).size
    assert data["output"]["shape"][:2] == [height, width], "the record describes the downloaded picture"


def test_bad_uploads_give_one_line_and_the_app_stays_usable(open_app, tmp_path):
    app = open_app()
    text = tmp_path / "notes.txt"
    text.write_text("not a picture\n")
    app.upload("content", text)
    message = app.page.locator(".st-message")
    message.get_by_text("not a readable image").wait_for(timeout=60_000)
    assert "\n" not in message.inner_text().strip() and "notes.txt" in message.inner_text()
    assert "/tmp" not in message.inner_text(), "the message names the file, not the server folder"

    huge = tmp_path / "huge.png"
    Image.new("L", (9000, 8000), 128).save(huge)  # 72 megapixels, a small file
    app.upload("style", huge)
    message.get_by_text("too large").wait_for(timeout=60_000)
    assert "\n" not in message.inner_text().strip() and "huge.png" in message.inner_text()
    app.shot("app_bad_upload.png")
    before = app.pixels()
    app.run_to_done()
    assert app.pixels() != before, "after two bad uploads the app still paints"


def test_two_tabs_are_independent_and_download_different_pictures(open_app):
    left, right = open_app(), open_app()
    left.move_strength(+8)
    right.move_strength(-8)
    left.wait_status("Done")
    right.wait_status("Done")
    (name_left, png_left), (name_right, png_right) = left.download("png"), right.download("png")
    assert name_left != name_right, "each visitor gets their own file names"
    assert png_left != png_right, "each tab has its own picture"
    assert json.loads(left.download("json")[1])["parameters"]["style_weight"] > 100
    assert json.loads(right.download("json")[1])["parameters"]["style_weight"] < 1


def test_an_800_px_window_shows_every_control(open_app):
    app = open_app(width=800)
    app.page.get_by_role("button", name="advanced: alpha, beta, smoothness, size, layer").click()
    app.run_to_done()
    app.shot("app_800px.png")
    selectors = [".st-strength [role=slider]", ".st-alpha [role=slider]", ".st-beta [role=slider]",
                 ".st-size [role=slider]", ".st-upload-content", ".st-upload-style", ".st-gallery-content select",
                 ".st-gallery-style select", "a.st-download-png", "a.st-download-json", "img.st-preview"]
    buttons = ["Run", "Stop", "Reset"]
    boxes = {s: app.page.locator(s).bounding_box() for s in selectors}
    boxes.update({b: app.page.get_by_role("button", name=b).bounding_box() for b in buttons})
    cut = {k: box for k, box in boxes.items() if box is None or box["x"] < 0 or box["x"] + box["width"] > 800}
    assert cut == {}, f"controls outside an 800 px window: {cut}"
    scroll = app.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= 800, f"the page scrolls sideways ({scroll} px)"


def test_reload_mid_run_leaves_no_kernel_behind(open_app, server):
    app = open_app()
    _wait_until(lambda: server.kernels() == 1, 3 * (CULL_IDLE + CULL_INTERVAL + PAGE_TIMEOUT) + 30)
    before, logged = server.kernel_pids(), server.started()  # this page's kernel (earlier pages' are gone)
    baseline, seen = len(before), set(before)
    dialogs, peak = [], baseline
    app.page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    for _ in range(2):
        app.page.get_by_role("button", name="Run").click()
        app.wait_status("this run")  # a first preview: there is a picture to lose
        app.load(server.url)  # a reload while the picture is being painted: the new page has its kernel now
        now = server.kernel_pids()
        seen |= now
        peak = max(peak, len(now))
    assert dialogs == ["beforeunload", "beforeunload"], "a reload with a picture in the page asks first"
    # New kernels, by two witnesses: the processes seen after each reload and Voila's log (the log
    # alone once counted none in a loaded full-suite run; they were there).
    after_reloads, reloaded = server.kernels(), time.monotonic()
    new = max(len(seen - before), server.started() - logged)
    _wait_until(lambda: server.kernels() <= baseline, 3 * (CULL_IDLE + CULL_INTERVAL + PAGE_TIMEOUT) + 30)
    settled, waited = server.kernels(), time.monotonic() - reloaded
    figure = (f"kernels: {baseline} before, {after_reloads} just after two reloads mid-run ({new} started, "
              f"at most {peak} at once), "
              f"{settled} after culling ({waited:.0f} s later; cull_idle_timeout {CULL_IDLE} s, "
              f"cull_interval {CULL_INTERVAL} s, page timeout {PAGE_TIMEOUT} s)")
    print(figure)
    (ARTIFACTS / "kernel_count.txt").write_text(figure + "\n")  # for the closing note and benchmarks/RESULTS.md
    assert new == 2, "each reload starts a kernel of its own"
    assert settled == baseline, f"orphaned kernels not culled: {settled} running, {baseline} expected"
    app.run_to_done()  # the server still serves, and the page that is open still works


#: JupyterLab has a kernel connected and idle for the notebook in front (Run All before that is lost:
#: the cells are queued on a session that is still being set up and never run).
LAB_KERNEL_READY = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const session = widget && widget.context && widget.context.sessionContext;
  const kernel = session && session.isReady && session.session && session.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""
#: Every code cell of the notebook in front has run (an execution count) and none shows an error.
LAB_RUN_ALL_DONE = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code');
  const errors = cells.flatMap(c => c.model.outputs.toJSON()).filter(o => o.output_type === 'error');
  if (errors.length) return 'error: ' + errors.map(o => o.ename + ': ' + o.evalue).join('; ');
  return cells.every(c => c.model.executionCount != null) ? 'done' : '';
}"""


def test_jupyterlab_notebook_explore_widget_works_after_run_all(browser, tmp_path):
    """JupyterLab 4: Run All on the sliders notebook, then steer its explore widget."""
    pytest.importorskip("jupyterlab")
    notebook = next(p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if "explore(" in p.read_text())
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)  # Lab autosaves outputs: keep them out of the repository
    port = free_port()
    env = dict(os.environ, STYLETRANSFER_QUICK="1", STYLETRANSFER_OFFLINE="1", PYTHONUNBUFFERED="1")
    console, times, began = [], {}, time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "jupyterlab.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root", "--LabApp.expose_app_in_browser=True",
             f"--ServerApp.root_dir={folder}"], cwd=folder, env=env, stdout=log,
            stderr=subprocess.STDOUT)
        context = None
        try:
            wait_for_port(port, process, START_TIMEOUT)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: console.append(f"page error: {e}"))
            page.goto(f"http://127.0.0.1:{port}/lab/tree/{notebook.name}", timeout=START_TIMEOUT * 1000)
            page.wait_for_function(LAB_KERNEL_READY, timeout=START_TIMEOUT * 1000)
            times["server, page and kernel ready"] = time.monotonic() - began
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            outcome = page.wait_for_function(LAB_RUN_ALL_DONE, timeout=4 * START_TIMEOUT * 1000).json_value()
            assert outcome == "done", f"Run All in JupyterLab: {outcome}"
            times["Run All"] = time.monotonic() - began - sum(times.values())
            strength = page.locator(".st-strength [role=slider]")
            status = page.locator(".st-status")
            assert strength.count() == 1 and status.count() == 1, "one explore widget, drawn by the widget manager"
            # The notebook's own steering cell (beta x 10 from code) has run the widget's steerer.
            page.wait_for_function("el => /Done/.test(el.innerText) && +/step (\\d+)/.exec(el.innerText)[1] > 0",
                                   arg=status.element_handle(), timeout=60_000)
            steps = status.evaluate("el => +/step (\\d+)/.exec(el.innerText)[1]")
            preview = page.locator("img.st-preview")
            before = preview.evaluate(PIXEL_SUM)
            strength.scroll_into_view_if_needed()
            press_strength(page, 4)
            # A few steps of the restarted run are enough to show that the widget steers (not the whole run).
            page.wait_for_function("([el, n]) => +(/step (\\d+)/.exec(el.innerText) || [0, 0])[1] >= n + 3",
                                   arg=[status.element_handle(), steps], timeout=START_TIMEOUT * 1000)
            page.wait_for_function(f"([img, old]) => img.complete && img.naturalWidth > 0 && ({PIXEL_SUM})(img) !== old",
                                   arg=[preview.element_handle(), before], timeout=60_000)  # the picture changed
            times["steering"] = time.monotonic() - began - sum(times.values())
            status.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab_explore.png"))
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            (ARTIFACTS / "jupyterlab_times.txt").write_text(
                "".join(f"{k}: {v:.1f} s\n" for k, v in times.items()) + f"load average at the end: {load}\n")
        except Exception:
            if context is not None:
                for page in context.pages:
                    page.screenshot(path=str(ARTIFACTS / "jupyterlab_failure.png"))
            (ARTIFACTS / "jupyterlab_console.log").write_text("\n".join(console))
            raise
        finally:
            if context is not None:
                context.close()
            terminate(process)
