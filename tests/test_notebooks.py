"""The notebook series: structure of every ``notebooks/NN_*.ipynb``, then execution in quick mode.

For notebook authors
--------------------
* Structure (fast, always runs): one H1; first cell = title + ``*Step ... · about N minutes*``
  line + overview + "You will learn" list, all before the first code cell; ``## Setup``,
  ``## Summary``, ``## Exercises`` in that order; exactly one code cell reads
  ``STYLETRANSFER_QUICK``; generated navigation cells up to date (``tools/notebook_nav.py``);
  relative links point to existing files; numbering 00..NN without gaps; no outputs or execution
  counts; ``ruff`` passes; no markdown writes a doubled backslash before a LaTeX command
  (``$\\\\beta$`` shows the word "beta", not the letter); no top-level ``.close()`` call (Run All
  must leave every displayed widget usable); every notebook has a row in the run-time table of
  ``notebooks/README.md``. Other notebooks in ``notebooks/`` (the Voila app) are linted and
  executed, not structure-checked.
* Execution (marker ``notebook``): each notebook runs top to bottom with nbclient in quick mode
  (``STYLETRANSFER_QUICK=1``, ``STYLETRANSFER_OFFLINE=1``, cwd ``notebooks/``) on a ``python3``
  kernel that is this interpreter (``sys.executable``). Extra environment per notebook:
  :data:`NOTEBOOK_ENV` (a list of variants: the notebook runs once per variant). Wall times are
  printed and written to ``test-artifacts/notebook_times.json`` (and ``.md``); executed
  notebooks go to ``test-artifacts/notebooks/`` for inspection. An executed notebook has no
  stderr output, except the random-weights warning (CI has no ImageNet weights, and says so) and
  cells tagged ``stderr-expected`` or ``raises-exception`` (cells that show an error on purpose).
"""

from __future__ import annotations

import ast
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from helpers import tf_chatter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(ROOT / "tools"))
import notebook_nav  # noqa: E402

PATHS = notebook_nav.find_notebooks(NOTEBOOKS)
#: Other notebooks in notebooks/ (for example the Voila app): linted and executed, not structure-checked.
OTHERS = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if p not in PATHS)

#: Extra environment variables per notebook file name: one dict per run (default: one plain run).
NOTEBOOK_ENV: dict[str, list[dict[str, str]]] = {
    "11_workshop.ipynb": [{"STYLETRANSFER_SOLUTIONS": "1"}, {}],
}
#: Whole-notebook time limit in seconds (quick mode aims at well under 120 s on 2 cores).
NOTEBOOK_TIMEOUT: dict[str, float] = {
    "09_is_that_all.ipynb": 600.0,  # a dozen runs: 398 s measured on the shared 2-core machine (load 13)
}
DEFAULT_TIMEOUT = 300.0
#: Environment of every quick-mode run.
QUICK_ENV = {"STYLETRANSFER_QUICK": "1", "STYLETRANSFER_OFFLINE": "1"}

_H1 = re.compile(r"^# (?!#)\S.*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_STEP = re.compile(r"^\*[^*\n]*\S[^*\n]*·\s*about [^*\n]*\bminutes?\*\s*$", re.MULTILINE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+\S", re.MULTILINE)
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img[^>]*\bsrc=\"([^\"]+)\"")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DOUBLED_LATEX = re.compile(r"\\\\[A-Za-z]+")
#: Cell tags that allow stderr output: the cell shows an error or a warning on purpose.
STDERR_TAGS = {"stderr-expected", "raises-exception"}
#: stderr that is expected everywhere in CI: the loud random-weights warning (no ImageNet weights there).
EXPECTED_STDERR = re.compile(r"RandomWeightsWarning|RANDOM-WEIGHT VGG19")


def _ids(paths):
    return [p.name for p in paths]


def _markdown(cell) -> str:
    """Markdown text without fenced code blocks (a ``# comment`` in a fence is not a heading)."""
    return _FENCE.sub("", notebook_nav.cell_source(cell))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _heading_position(cells, level: str, name: str) -> tuple[int, int] | None:
    """``(cell index, offset in the cell)`` of the first heading ``level name``, or ``None``."""
    pattern = re.compile(rf"^{level} {re.escape(name)}\s*$", re.MULTILINE)
    for i, cell in enumerate(cells):
        match = pattern.search(_markdown(cell)) if cell.cell_type == "markdown" else None
        if match:
            return i, match.start()
    return None


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------


#: Numbers reserved for a notebook that another branch adds (the series may skip them until it lands).
#: Remove an entry once its notebook is on main: then the check below is strict again.
PENDING_NUMBERS: dict[int, str] = {}


def test_series_exists_and_numbering_is_contiguous():
    numbers = [int(p.name[:2]) for p in PATHS]
    assert numbers, f"no notebooks NN_*.ipynb in {NOTEBOOKS}"
    assert len(set(numbers)) == len(numbers), f"two notebooks share a number: {numbers}"
    expected = [n for n in range(max(numbers) + 1) if n in numbers or n not in PENDING_NUMBERS]
    assert numbers == expected, f"notebook numbers must be 00..NN without gaps: {numbers}"


def test_navigation_is_up_to_date():
    changed = notebook_nav.run(ROOT, check=True)
    assert not changed, (
        f"navigation/index out of date in {[str(p.relative_to(ROOT)) for p in changed]}; "
        "run `.venv/bin/python tools/notebook_nav.py`"
    )


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_valid_nbformat_and_kernel(path):
    nb = _read(path)
    nbformat.validate(nb)
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel in (None, "python3"), f"{path.name}: kernel {kernel!r}; use the kernel named python3"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_no_outputs_or_execution_counts(path):
    nb = _read(path)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts; run nbstripout"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_title_step_overview_before_code(path):
    cells = _read(path).cells
    h1 = [i for i, c in enumerate(cells) if c.cell_type == "markdown" for _ in _H1.findall(_markdown(c))]
    assert len(h1) == 1, f"{path.name}: {len(h1)} H1 titles (cells {h1}); exactly one `# Title` allowed"
    first = cells[0]
    assert first.cell_type == "markdown" and _H1.search(_markdown(first)), f"{path.name}: cell 1 must hold the H1"
    assert _STEP.search(first.source), (
        f"{path.name}: cell 1 needs a line like `*Step 2 of 3 (crash course) · about 15 minutes*`"
    )
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    intro = "\n".join(
        _markdown(c) for c in cells[:first_code]
        if c.cell_type == "markdown" and not c.source.lstrip().startswith(notebook_nav.NAV_MARKER)
    )
    learn = re.search(r"You will learn", intro, re.IGNORECASE)
    assert learn, f"{path.name}: a 'You will learn' list must come before the first code cell"
    assert _LIST_ITEM.search(intro[learn.end():]), f"{path.name}: 'You will learn' needs a bullet list"
    prose = [
        line for line in intro[: learn.start()].splitlines()
        if line.strip() and not line.startswith(("#", "*Step", "<!--", "[")) and not _STEP.match(line)
    ]
    assert prose, f"{path.name}: an overview paragraph must come before 'You will learn'"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_sections_setup_summary_exercises(path):
    cells = _read(path).cells
    found = {name: _heading_position(cells, "##", name) for name in ("Setup", "Summary", "Exercises")}
    missing = [name for name, i in found.items() if i is None]
    assert not missing, f"{path.name}: missing sections {['## ' + m for m in missing]}"
    assert found["Setup"] < found["Summary"] < found["Exercises"], f"{path.name}: order must be Setup, Summary, Exercises"
    setup = found["Setup"][0]
    after = cells[setup + 1] if setup + 1 < len(cells) else None
    assert after is not None and after.cell_type == "code", f"{path.name}: `## Setup` must be followed by the imports cell"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_one_settings_cell_reads_quick_mode(path):
    cells = _read(path).cells
    readers = [i for i, c in enumerate(cells) if c.cell_type == "code" and "STYLETRANSFER_QUICK" in c.source]
    assert len(readers) == 1, f"{path.name}: {len(readers)} code cells read STYLETRANSFER_QUICK (cells {readers}); exactly one"


@pytest.mark.parametrize("path", PATHS, ids=_ids(PATHS))
def test_navigation_cells_second_and_last(path):
    cells = _read(path).cells
    nav = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.lstrip().startswith(notebook_nav.NAV_MARKER)]
    assert nav == [1, len(cells) - 1], f"{path.name}: navigation cells at {nav}; run tools/notebook_nav.py"


@pytest.mark.parametrize("path", [*PATHS, NOTEBOOKS / "README.md"], ids=[*_ids(PATHS), "README.md"])
def test_relative_links_exist(path):
    if path.suffix == ".ipynb":
        texts = [notebook_nav.cell_source(c) for c in _read(path).cells if c.cell_type == "markdown"]
    else:
        texts = [path.read_text(encoding="utf-8")]
    broken = []
    for text in texts:
        for match in _LINK.finditer(text):
            target = (match.group(1) or match.group(2)).split("#", 1)[0]
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # an anchor, or http:, https:, mailto:, attachment:
            if not (path.parent / target).exists():
                broken.append(target)
    assert not broken, f"{path.name}: links to missing files {broken}"


@pytest.mark.parametrize("path", PATHS + OTHERS, ids=_ids(PATHS + OTHERS))
def test_ruff_passes(path):
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, f"ruff on {path.name}:\n{proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("path", PATHS + OTHERS, ids=_ids(PATHS + OTHERS))
def test_no_doubled_backslash_in_latex(path):
    bad = [(i, m.group()) for i, c in enumerate(_read(path).cells) if c.cell_type == "markdown"
           for m in _DOUBLED_LATEX.finditer(_markdown(c))]
    assert not bad, f"{path.name}: markdown cells {bad} write a doubled backslash: use $\\beta$, not $\\\\beta$"


def top_level_close_calls(source: str) -> list[int]:
    """Line numbers of top-level ``something.close()`` statements in a code cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: ruff and the execution test report those
        return []
    return [node.lineno for node in tree.body if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and node.value.func.attr == "close"]


def test_close_detector():
    assert top_level_close_calls("x = 1\nsliders.close()\n") == [2]
    assert top_level_close_calls("def f(w):\n    w.close()\nwith open('x') as f:\n    pass\n") == []


@pytest.mark.parametrize("path", PATHS + OTHERS, ids=_ids(PATHS + OTHERS))
def test_no_top_level_close(path):
    bad = [i for i, c in enumerate(_read(path).cells) if c.cell_type == "code" and top_level_close_calls(c.source)]
    assert not bad, (
        f"{path.name}: cells {bad} call .close() at top level: Run All would remove the widget it "
        "displayed (\"model not found\" on reopening); tell the reader how to stop it instead"
    )


def test_readme_lists_run_times_of_every_notebook():
    text = (NOTEBOOKS / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Run times"):] if "## Run times" in text else ""
    assert section, "notebooks/README.md needs a '## Run times' section: quick mode in CI and full mode per notebook"
    missing = [p.name for p in PATHS if f"[{p.name[:2]}]" not in section and f"| {p.name[:2]} |" not in section]
    assert not missing, f"notebooks/README.md '## Run times' has no row for {missing}"


def _express_table(text: str) -> str:
    match = re.search(r"<!-- express:start -->(.*?)<!-- express:end -->", text, re.DOTALL)
    return match.group(1).strip() if match else ""


def test_express_route_is_in_readme_and_notebook_00_and_links_real_notebooks():
    readme = _express_table((ROOT / "README.md").read_text(encoding="utf-8"))
    overview = next(p for p in PATHS if p.name.startswith("00_"))
    notebook = _express_table("\n".join(c.source for c in _read(overview).cells if c.cell_type == "markdown"))
    assert readme, "README.md needs the express route between <!-- express:start --> and <!-- express:end -->"
    assert readme == notebook, "the express route in README.md and in notebook 00 differ"
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*(\d\d) ", readme, re.MULTILINE)
    assert 35 <= sum(int(m) for m, _ in rows) <= 55, "the express route should take about 45 minutes"
    numbers = {p.name[:2] for p in PATHS}
    assert {n for _, n in rows} <= numbers, f"the express route names notebooks that do not exist: {rows}"


def _fake_series(root: Path, count: int = 3) -> list[Path]:
    folder = root / "notebooks"
    folder.mkdir(parents=True)
    paths = []
    for n in range(count):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# Title {n}\n*Step {n} of 3 (part {n}) · about {5 * n + 5} minutes*\n\nText"),
            nbformat.v4.new_code_cell("x = 1"),
        ]
        paths.append(folder / f"{n:02d}_part_{n}.ipynb")
        nbformat.write(nb, paths[-1])
    (folder / "README.md").write_text(f"intro\n{notebook_nav.INDEX_START}\nold\n{notebook_nav.INDEX_END}\nend\n")
    return paths


def test_nav_tool_writes_links_and_index_and_is_idempotent(tmp_path):
    paths = _fake_series(tmp_path)
    (tmp_path / "README.md").write_text("no markers here\n")
    assert notebook_nav.main(["--root", str(tmp_path), "--check"]) == 1
    changed = notebook_nav.run(tmp_path)
    assert set(changed) == {*paths, tmp_path / "notebooks" / "README.md"}
    assert (tmp_path / "README.md").read_text() == "no markers here\n"
    middle = _read(paths[1])
    nbformat.validate(middle)
    assert [c.cell_type for c in middle.cells] == ["markdown", "markdown", "code", "markdown"]
    assert "00_part_0.ipynb" in middle.cells[1].source and "02_part_2.ipynb" in middle.cells[1].source
    assert "02_part_2.ipynb" in middle.cells[-1].source and middle.cells[2].outputs == []
    assert "(last notebook)" in _read(paths[2]).cells[1].source
    index = (tmp_path / "notebooks" / "README.md").read_text()
    assert index.startswith("intro\n") and index.endswith("end\n") and "old" not in index
    assert "| 01 | [Title 1](01_part_1.ipynb) | Step 1 of 3 (part 1) | 10 min |" in index
    before = [p.read_bytes() for p in paths]
    assert notebook_nav.run(tmp_path) == [] and [p.read_bytes() for p in paths] == before
    assert paths[0].read_text().endswith("}\n")
    assert notebook_nav.main(["--root", str(tmp_path), "--check"]) == 0


def test_nav_tool_follows_a_renamed_title(tmp_path):
    paths = _fake_series(tmp_path)
    notebook_nav.run(tmp_path)
    nb = _read(paths[2])
    nb.cells[0].source = nb.cells[0].source.replace("Title 2", "A new name")
    nbformat.write(nb, paths[2])
    assert notebook_nav.run(tmp_path, check=True) == [paths[1], tmp_path / "notebooks" / "README.md"]
    notebook_nav.run(tmp_path)
    assert "A new name" in _read(paths[1]).cells[1].source
    assert len([c for c in _read(paths[1]).cells if c.source.startswith(notebook_nav.NAV_MARKER)]) == 2


# --------------------------------------------------------------------------------------------
# Execution in quick mode
# --------------------------------------------------------------------------------------------

_TIMES: dict[str, dict] = {}


def _runs():
    runs = []
    for path in PATHS + OTHERS:
        variants = NOTEBOOK_ENV.get(path.name, [{}])
        for env in variants:
            suffix = ",".join(f"{k}={v}" for k, v in env.items())
            runs.append(pytest.param(path, env, id=path.name + (f"[{suffix}]" if suffix else "")))
    return runs


@pytest.fixture(scope="session")
def python3_kernel(tmp_path_factory):
    """A ``python3`` kernelspec pointing at this interpreter, found first via ``JUPYTER_PATH``."""
    folder = tmp_path_factory.mktemp("jupyter")
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    installed = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    kernel = json.loads(installed.read_text()) if installed.is_file() else {"language": "python"}
    kernel.update({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (styletransfer tests)",
    })
    (spec / "kernel.json").write_text(json.dumps(kernel))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(folder), *([old] if old else [])])
    yield "python3"
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def _write_times() -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    record = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "mode": "quick (STYLETRANSFER_QUICK=1)",
        "notebooks": _TIMES,
        "total_seconds": round(sum(v["seconds"] for v in _TIMES.values()), 1),
    }
    # one file per pytest-xdist worker (`make test` runs two), so neither replaces the other's times
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    stem = f"notebook_times-{worker}" if worker else "notebook_times"
    (ARTIFACTS / f"{stem}.json").write_text(json.dumps(record, indent=1) + "\n")
    lines = ["| notebook | variant | wall time (s) | status |", "|---|---|---|---|"]
    lines += [f"| {v['notebook']} | {v['variant'] or '—'} | {v['seconds']:.1f} | {v['status']} |" for v in _TIMES.values()]
    lines.append(f"| **total** | | {record['total_seconds']:.1f} | |")
    (ARTIFACTS / f"{stem}.md").write_text("\n".join(lines) + "\n")


def _cell_failure(exc: Exception, nb, path: Path) -> str:
    text = _ANSI.sub("", str(exc))
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
        o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    where = f"cell {index} (0-based, markdown cells counted)" if index is not None else "a cell"
    return f"{path.name} failed in {where}:\n{text}"


def _output_text(cell) -> str:
    """Everything a reader sees under a code cell as text (streams, plain-text results, tracebacks)."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.extend(output.get("traceback", []))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


@pytest.mark.notebook
@pytest.mark.parametrize(("path", "extra_env"), _runs())
def test_notebook_runs_in_quick_mode(path, extra_env, python3_kernel):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = _read(path)
    env = {**os.environ, **QUICK_ENV, **extra_env}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, as a reader sees it
    limit = NOTEBOOK_TIMEOUT.get(path.name, DEFAULT_TIMEOUT)
    start = time.monotonic()
    deadline = start + limit
    client = NotebookClient(
        nb, kernel_name=python3_kernel, resources={"metadata": {"path": str(NOTEBOOKS)}},
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())), allow_errors=False,
    )
    variant = ",".join(f"{k}={v}" for k, v in extra_env.items())
    status, failure = "ok", None
    try:
        client.execute(env=env)
    except CellTimeoutError:
        status, failure = "timeout", f"{path.name} ({variant or 'default'}) exceeded {limit:.0f} s"
    except (CellExecutionError, DeadKernelError) as exc:
        status, failure = "failed", _cell_failure(exc, nb, path)
    finally:
        seconds = time.monotonic() - start
        key = path.name + (f"[{variant}]" if variant else "")
        _TIMES[key] = {"notebook": path.name, "variant": variant, "seconds": round(seconds, 1), "status": status}
        _write_times()
        out = ARTIFACTS / "notebooks"
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / (path.stem + (f"-{variant.replace('=', '_')}" if variant else "") + ".ipynb"))
        print(f"\n{key}: {seconds:.1f} s ({status})")
    if failure:
        pytest.fail(failure, pytrace=False)
    noisy = unexpected_stderr(nb)
    assert not noisy, (
        f"{path.name}: stderr output in cells {noisy} (0-based); silence it, or tag a cell that shows an "
        f"error on purpose with one of {sorted(STDERR_TAGS)}"
    )
    chatter = tf_chatter("\n".join(_output_text(cell) for cell in nb.cells if cell.cell_type == "code"))
    assert not chatter, f"{path.name} shows TensorFlow/Keras start-up chatter: {chatter[:3]}"


def unexpected_stderr(nb) -> dict[int, str]:
    """``{cell index: first line}`` of stderr output not allowed by a tag or :data:`EXPECTED_STDERR`."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or STDERR_TAGS & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [line for line in _ANSI.sub("", output.get("text", "")).splitlines() if line.strip()]
                lines = [line for line in lines if not EXPECTED_STDERR.search(line) and not line.startswith("  ")]
                if lines:
                    found[index] = lines[0][:200]
    return found


def test_stderr_filter():
    nb = nbformat.v4.new_notebook()
    warn = {"output_type": "stream", "name": "stderr",
            "text": "/tmp/x.py:6: RandomWeightsWarning: using a RANDOM-WEIGHT VGG19\n  WEIGHTS = resolve()\n"}
    other = {"output_type": "stream", "name": "stderr", "text": "Traceback: something broke\n"}
    cells = [nbformat.v4.new_code_cell("a"), nbformat.v4.new_code_cell("b"), nbformat.v4.new_code_cell("c")]
    cells[0].outputs, cells[1].outputs, cells[2].outputs = [warn], [other], [other]
    cells[2].metadata["tags"] = ["stderr-expected"]
    nb.cells = cells
    assert unexpected_stderr(nb) == {1: "Traceback: something broke"}
