"""The sliders benchmark in the real app: Voila serves ``notebooks/app.ipynb``, headless Chromium moves the slider.

Used by ``bench_sliders.py --browser``. For each checkout (this one, and optionally a baseline
checkout such as ``main``'s, served with its own ``PYTHONPATH``) one Voila server and one tab;
each tab presses Run, lets the picture paint ``warm_steps`` steps and presses Stop. Then, taking the
tabs in turn (so machine load hits all alike), one change each: four key presses on the style
strength slider (0.2 of its range, beta x or / about 16), alternately up and down. Timed in the page
(``performance.now()``): from the last key press to the first new preview drawn, and to the first
preview whose mean change from the picture at the key press is >= ``visible`` grey levels. Then
Stop, and the next change. Only the idle case (the picture had stopped): what a visitor does after
a Run has finished.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import (  # noqa: E402
    CHROMIUM_ARGS,
    START_TIMEOUT,
    press_strength,
    serve_voila,
    terminate,
    wait_for_status,
)
from helpers import find_chromium  # noqa: E402

__all__ = ["browser_latency"]

#: Page-side timer: arms on the current preview, stamps the last key press, then every new preview.
TIMER = """([visible]) => {
  const img = document.querySelector('img.st-preview');
  const pixels = src => new Promise(resolve => {
    const im = new Image();
    im.onload = () => {
      const c = document.createElement('canvas');
      c.width = im.naturalWidth; c.height = im.naturalHeight;
      const ctx = c.getContext('2d'); ctx.drawImage(im, 0, 0);
      resolve(ctx.getImageData(0, 0, c.width, c.height).data);
    };
    im.onerror = () => resolve(null);  // a preview replaced (and its blob revoked) before it loaded
    im.src = src;
  });
  const meanChange = (a, b) => {
    if (!a || !b || a.length !== b.length) return Infinity;  // a new size: certainly a change
    let s = 0, n = 0;
    for (let i = 0; i < a.length; i += 4) { s += Math.abs(a[i] - b[i]) + Math.abs(a[i+1] - b[i+1]) + Math.abs(a[i+2] - b[i+2]); n += 3; }
    return s / n;
  };
  const st = window.__stBench = window.__stBench || {};
  if (!st.observer) {
    st.observer = new MutationObserver(async () => {
      const armed = st.armed;
      if (!armed || armed.key == null) return;
      const data = await pixels(img.src);
      if (!data) return;
      const t = performance.now() - armed.key, change = meanChange(data, armed.before);
      armed.changes.push([Math.round(t), Math.round(change * 10) / 10]);
      if (armed.first == null) armed.first = t;
      if (armed.visible == null && change >= armed.threshold) armed.visible = t;
    });
    st.observer.observe(img, {attributes: true, attributeFilter: ['src']});
    document.addEventListener('keydown', () => { if (st.armed) st.armed.key = performance.now(); }, true);
  }
  return pixels(img.src).then(before => {
    st.armed = {before, key: null, first: null, visible: null, threshold: visible, changes: []};
    return true;
  });
}"""
STEPS = "el => +(/step (\\d+)/.exec(el.innerText) || [0, 0])[1]"


class _Tab:
    def __init__(self, browser, url: str, label: str) -> None:
        self.label = label
        self.context = browser.new_context(viewport={"width": 1300, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(url, wait_until="domcontentloaded", timeout=START_TIMEOUT * 1000)
        self.page.wait_for_selector("img.st-preview", timeout=START_TIMEOUT * 1000)
        self.status = self.page.locator(".st-status")
        self.status.wait_for(timeout=START_TIMEOUT * 1000)

    def wait_status(self, text: str) -> None:
        wait_for_status(self.page, text)

    def stop(self) -> None:
        self.page.get_by_role("button", name="Stop").click()
        self.wait_status("Stopped")

    def warm_up(self, steps: int) -> None:
        self.page.get_by_role("button", name="Run").click()
        self.page.wait_for_function(f"el => ({STEPS})(el) >= {steps}", arg=self.status.element_handle(),
                                    timeout=START_TIMEOUT * 1000)
        self.stop()

    def change(self, presses: int, visible: float, timeout: float) -> dict:
        self.page.evaluate(TIMER, [visible])
        press_strength(self.page, presses)
        try:
            self.page.wait_for_function("() => window.__stBench.armed.visible != null", timeout=timeout * 1000)
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: reported as n/a
            pass
        armed = self.page.evaluate("() => { const a = window.__stBench.armed; "
                                   "return {first: a.first, visible: a.visible, changes: a.changes}; }")
        self.stop()
        return {key: (None if armed[key] is None else armed[key] / 1000) for key in ("first", "visible")} | {
            "changes": armed["changes"]}


def browser_latency(roots: Sequence[tuple[str, Path]], *, repeats: int, warm_steps: int, visible: float,
                    quick: bool = False, timeout: float = 60.0) -> dict:
    """Serve the app from each ``(label, checkout)`` and time slider changes in Chromium (see module).

    ``quick``: the app's quick mode (64 px) instead of its 256 px, for a check that this works.
    """
    from playwright.sync_api import sync_playwright

    chromium, why = find_chromium(install=False)
    if chromium is None:
        raise SystemExit(why)
    servers, log_dir = [], Path(tempfile.mkdtemp(prefix="bench-sliders-"))
    env = {"STYLETRANSFER_OFFLINE": "1", "STYLETRANSFER_QUICK": "1" if quick else "0"}
    try:
        for label, root in roots:
            log = open(log_dir / f"voila-{len(servers)}.log", "w")  # noqa: SIM115 - closed below
            process, url = serve_voila(Path(root) / "notebooks" / "app.ipynb", cwd=log_dir, log=log,
                                       env={**env, "PYTHONPATH": str(root)})
            servers.append((label, process, url, log))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            tabs = [_Tab(browser, url, label) for label, _, url, _ in servers]
            for tab in tabs:
                tab.warm_up(warm_steps)
            rows = {tab.label: [] for tab in tabs}
            for i in range(repeats):
                for tab in tabs:
                    rows[tab.label].append(tab.change(4 if i % 2 == 0 else -4, visible, timeout))
                    print(f"  {tab.label}: change {i + 1}: {rows[tab.label][-1]}", flush=True)
            browser.close()
    finally:
        for _, process, _, log in servers:
            terminate(process)
            log.close()
    return {"rows": rows, "repeats": repeats, "warm_steps": warm_steps, "load": os.getloadavg(),
            "size": 64 if quick else 256}


def browser_markdown(m: dict, *, goal: float, visible: float) -> str:
    """The browser results as a markdown fragment."""
    def median(rows, key):
        values = [r[key] for r in rows if r[key] is not None]
        return statistics.median(values) if values else None

    def cell(value):
        return "n/a" if value is None else f"{value:.2f}"

    lines = [f"| app served from | first new preview s | visible change (mean >= {visible:.0f} grey levels) s "
             f"| visible changes / tries | goal: visible <= {goal:.0f} s |", "|---|---:|---:|---:|---|"]
    for label, rows in m["rows"].items():
        vis = median(rows, "visible")
        lines.append(f"| {label} | {cell(median(rows, 'first'))} | {cell(vis)} | "
                     f"{sum(r['visible'] is not None for r in rows)}/{len(rows)} | "
                     f"{'ok' if vis is not None and vis <= goal else 'over'} |")
    lines += ["", f"- in the browser (Voila + headless Chromium), {m['size']} px app; medians of {m['repeats']} changes per "
              f"checkout, taken in turn; each change = 4 key presses on the style strength slider, timed from the "
              f"last press (includes the debounce, the kernel round trip and PNG decoding); {m['warm_steps']} "
              f"steps painted before the first change; load average at the end "
              f"{', '.join(f'{v:.1f}' for v in m['load'])}"]
    return "\n".join(lines)
