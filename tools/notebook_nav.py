#!/usr/bin/env python
"""Generate the navigation of the notebook series: previous/next links and the series index.

For every ``notebooks/NN_*.ipynb`` (two digits, then an underscore) this script

* reads the notebook's H1 title and its ``*Step ... · about N minutes*`` line;
* writes two generated markdown cells whose source starts with ``<!-- nav -->``: one as the
  second cell and one as the last cell, with links to the previous and next notebook and to the
  series index (``notebooks/README.md``);
* regenerates the index table between ``<!-- notebooks:start -->`` and ``<!-- notebooks:end -->``
  in ``notebooks/README.md`` and in the top-level ``README.md`` (only between the markers; a file
  without the markers is left alone).

Nothing else is touched: no outputs or execution counts are added, cell ids of existing
navigation cells are kept, and files are written (indent 1, sorted keys, trailing newline, as
``nbformat`` does) only when their content changes.

Usage::

    python tools/notebook_nav.py          # update notebooks and indexes
    python tools/notebook_nav.py --check  # exit 1 (and list the files) if anything would change
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "NAV_MARKER",
    "INDEX_START",
    "INDEX_END",
    "NotebookInfo",
    "find_notebooks",
    "read_info",
    "cell_source",
    "nav_sources",
    "update_notebook",
    "index_table",
    "update_index",
    "run",
    "main",
]

ROOT = Path(__file__).resolve().parents[1]
NAV_MARKER = "<!-- nav -->"
INDEX_START = "<!-- notebooks:start -->"
INDEX_END = "<!-- notebooks:end -->"
NOTEBOOK_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
_H1 = re.compile(r"^# (?!#)(.+?)\s*$", re.MULTILINE)
_STEP_LINE = re.compile(r"^\*([^*\n]+)\*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class NotebookInfo:
    """What the index needs to know about one notebook."""

    path: Path
    number: str
    title: str
    step: str
    time: str

    @property
    def label(self) -> str:
        """``"03 · VGG19"``: number and title, for links."""
        return f"{self.number} · {self.title}"


def find_notebooks(folder: Path) -> list[Path]:
    """The series' notebooks ``NN_*.ipynb`` in ``folder``, sorted by name."""
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK_PATTERN.match(p.name))


def cell_source(cell: dict) -> str:
    """A cell's source as one string (notebook JSON stores a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _split_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def read_info(path: Path, nb: dict | None = None) -> NotebookInfo:
    """Number, H1 title, step of the talk and rough time of a notebook.

    The step line is the first line after the title written in italics, for example
    ``*Step 2 of 3 (crash course) · about 15 minutes*``; the part before ``·`` is the step, the
    part after it the time (``about`` dropped). Missing parts become ``"—"``.
    """
    if nb is None:
        nb = json.loads(path.read_text(encoding="utf-8"))
    number = NOTEBOOK_PATTERN.match(path.name).group(1)
    title, step, time = path.stem[3:].replace("_", " ").capitalize(), "—", "—"
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = cell_source(cell)
        heading = _H1.search(text)
        if not heading:
            continue
        title = heading.group(1).strip()
        line = _STEP_LINE.search(text, heading.end())
        if line:
            parts = [p.strip() for p in line.group(1).split("·")]
            step = parts[0] or "—"
            if len(parts) > 1:
                time = re.sub(r"^(about|roughly|~)\s+", "", parts[1]).replace("minutes", "min")
        break
    return NotebookInfo(path=path, number=number, title=title, step=step, time=time)


def nav_sources(infos: list[NotebookInfo], index: int) -> tuple[str, str]:
    """Markdown of the top and bottom navigation cells of notebook ``infos[index]``."""
    prev = infos[index - 1] if index > 0 else None
    nxt = infos[index + 1] if index + 1 < len(infos) else None
    series = "[Series index](README.md)"
    top = [f"[← {prev.label}]({prev.path.name})" if prev else "*(first notebook)*", series]
    top.append(f"[{nxt.label} →]({nxt.path.name})" if nxt else "*(last notebook)*")
    bottom_parts = []
    if nxt:
        bottom_parts.append(f"**Next:** [{nxt.label} →]({nxt.path.name})")
    else:
        bottom_parts.append("**This is the last notebook of the series.**")
    if prev:
        bottom_parts.append(f"Previous: [← {prev.label}]({prev.path.name})")
    bottom_parts.append(series)
    return (
        f"{NAV_MARKER}\n" + " · ".join(top),
        f"{NAV_MARKER}\n" + " · ".join(bottom_parts),
    )


def _is_nav(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown" and cell_source(cell).lstrip().startswith(NAV_MARKER)


def _nav_cell(source: str, old: dict | None, cell_id: str) -> dict:
    cell = dict(old) if old is not None else {"cell_type": "markdown", "id": cell_id, "metadata": {}}
    cell["source"] = _split_lines(source)
    return cell


def update_notebook(nb: dict, top: str, bottom: str) -> dict:
    """A copy of ``nb`` with exactly two navigation cells: second and last.

    Existing navigation cells are reused (ids and metadata kept); other cells are untouched.
    """
    cells = nb.get("cells", [])
    old_nav = [c for c in cells if _is_nav(c)]
    rest = [c for c in cells if not _is_nav(c)]
    used = {c.get("id") for c in rest}
    top_id = "nav-top" if "nav-top" not in used else "nav-top-generated"
    bottom_id = "nav-bottom" if "nav-bottom" not in used else "nav-bottom-generated"
    top_cell = _nav_cell(top, old_nav[0] if old_nav else None, top_id)
    bottom_cell = _nav_cell(bottom, old_nav[-1] if len(old_nav) > 1 else None, bottom_id)
    if top_cell.get("id") == bottom_cell.get("id"):
        bottom_cell["id"] = bottom_id
    new = dict(nb)
    new["cells"] = rest[:1] + [top_cell] + rest[1:] + [bottom_cell]
    return new


def index_table(infos: list[NotebookInfo], *, prefix: str = "") -> str:
    """The series index as a markdown table; links are ``prefix + file name``."""
    lines = ["| # | notebook | step of the talk | time |", "|---|---|---|---|"]
    for info in infos:
        lines.append(f"| {info.number} | [{info.title}]({prefix}{info.path.name}) | {info.step} | {info.time} |")
    return "\n".join(lines)


def update_index(text: str, table: str) -> str | None:
    """``text`` with the table between the index markers, or ``None`` when the markers are absent."""
    start, end = text.find(INDEX_START), text.find(INDEX_END)
    if start < 0 or end < start:
        return None
    head = text[: start + len(INDEX_START)]
    return f"{head}\n{table}\n{text[end:]}"


def _dump_notebook(nb: dict) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(root: Path = ROOT, *, check: bool = False) -> list[Path]:
    """Update (or, with ``check``, only compare) every notebook and index; returns changed files."""
    folder = root / "notebooks"
    paths = find_notebooks(folder)
    notebooks = {p: json.loads(p.read_text(encoding="utf-8")) for p in paths}
    infos = [read_info(p, notebooks[p]) for p in paths]
    changed: list[Path] = []
    for i, path in enumerate(paths):
        top, bottom = nav_sources(infos, i)
        new = update_notebook(notebooks[path], top, bottom)
        if new != notebooks[path]:
            changed.append(path)
            if not check:
                _write(path, _dump_notebook(new))
    for readme, prefix in ((folder / "README.md", ""), (root / "README.md", "notebooks/")):
        if not readme.is_file():
            continue
        text = readme.read_text(encoding="utf-8")
        new_text = update_index(text, index_table(infos, prefix=prefix))
        if new_text is not None and new_text != text:
            changed.append(readme)
            if not check:
                _write(readme, new_text)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if anything would change")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    args.root = args.root.resolve()
    changed = run(args.root, check=args.check)
    for path in changed:
        verb = "would update" if args.check else "updated"
        print(f"{verb} {path.relative_to(args.root) if path.is_relative_to(args.root) else path}")
    if args.check and changed:
        print("navigation is out of date: run `.venv/bin/python tools/notebook_nav.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
