"""What a batch does: its jobs (contents x styles, or the rows of a CSV manifest), their names, its shards.

Nothing here runs a job or imports TensorFlow: planning a batch of thousands of pictures takes
well under a second, and the same inputs give the same jobs, names and shards on every machine.

* **Inputs** (:func:`expand_sources`): a file, a folder (its images, not its sub-folders), a glob
  (``photos/**/*.jpg``), a built-in sample name or a URL. Images inside the output folder that
  have a run record beside them are results, never inputs.
* **Names** (:func:`name_jobs`): ``<content>__<style>``; names that would collide (``a/cat.jpg``
  and ``b/cat.png``, or one picture under two settings) get a short digest of what tells them
  apart, so a name never depends on the order of the inputs or on which other files exist.
* **Shards** (:func:`shard`): the jobs sorted by name, every ``n``-th from ``i``: each job in
  exactly one of the ``n`` shards, evenly, on every machine that sees the same inputs.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import constants as C
from ..checks import did_you_mean
from ..errors import ParameterError
from ..samples import SAMPLES, resolve_source

__all__ = ["Job", "MANIFEST_COLUMNS", "expand_sources", "cross", "read_manifest", "name_jobs", "parse_shard",
           "shard", "plan_digest"]

#: Manifest columns besides ``content``, ``style`` and ``output``: ``{column: (RunOptions field, type)}``.
MANIFEST_COLUMNS: dict[str, tuple[str, type]] = {
    "alpha": ("content_weight", float), "beta": ("style_weight", float), "tv": ("tv_weight", float),
    "strength": ("strength", float), "size": ("size", int), "style_size": ("style_size", int),
    "evals": ("max_evals", int), "max_evals": ("max_evals", int), "seed": ("seed", int), "init": ("init", str),
    "optimizer": ("optimizer", str), "pooling": ("pooling", str), "lr": ("learning_rate", float),
    "style_loss": ("style_loss", str), "parameterization": ("parameterization", str), "preset": ("preset", str),
}
_PLACES = ("content", "style", "output")


@dataclass(frozen=True)
class Job:
    """One picture of a batch.

    Attributes
    ----------
    content, style : str
        Absolute path, sample name or URL.
    options : dict
        :class:`~styletransfer.cli.job.RunOptions` fields this job sets (a manifest row's cells).
    where : str
        Where it came from, for messages: ``"jobs.csv line 4"`` or ``""`` (the command line).
    name : str
        Output file stem, unique in the batch (set by :func:`name_jobs`).
    error : str
        Why the job cannot run (a bad manifest row), or ``""``.
    """

    content: str
    style: str
    options: dict = field(default_factory=dict)
    where: str = ""
    name: str = ""
    error: str = ""

    def identity(self) -> str:
        """What makes two jobs the same job: their inputs and their options."""
        return json.dumps([self.content, self.style, sorted(self.options.items())], default=str)


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _images_in(paths: Iterable[str], exclude: Path | None) -> list[str]:
    found = []
    for text in sorted(paths):
        path = Path(text)
        if path.name.startswith(".") or not path.is_file() or path.suffix.lower() not in C.BATCH_INPUT_SUFFIXES:
            continue
        if exclude is not None and path.parent.resolve() == exclude and path.with_suffix(".json").is_file():
            continue  # a result with its run record: never an input
        found.append(os.path.abspath(path))
    return found


def expand_sources(items: Sequence[str], *, what: str, exclude: str | os.PathLike | None = None) -> list[str]:
    """Files, folders, globs, sample names and URLs as a list of image sources, without duplicates.

    Parameters
    ----------
    items : sequence of str
        What the user gave, in order.
    what : str
        ``"content"`` or ``"style"``, for messages.
    exclude : path, optional
        The output folder: images in it with a run record beside them are skipped.

    Raises
    ------
    ImageError, ParameterError
        One line: a name that is no file, URL or sample; a folder or glob without images.
    """
    folder = None if exclude is None else Path(exclude).expanduser().resolve()
    sources: list[str] = []
    for item in items:
        text = os.fspath(item)
        path = Path(text).expanduser()
        if _is_url(text):
            found = [text]
        elif path.is_dir():
            found = _images_in((os.fspath(p) for p in path.iterdir()), folder)
            if not found:
                raise ParameterError(f"{what} folder {text} holds no images ({', '.join(C.BATCH_INPUT_SUFFIXES)}); "
                                     "give another folder or the files themselves")
        elif path.exists():
            found = [os.path.abspath(path)]
        elif any(char in text for char in "*?["):
            found = _images_in(glob.glob(os.path.expanduser(text), recursive=True), folder)
            if not found:
                raise ParameterError(f"{what} pattern {text!r} matches no image files; check the pattern "
                                     "(quote it so the shell leaves ** to styletransfer)")
        else:
            resolve_source(text)  # a sample name passes; anything else gets its one line (did you mean ...?)
            found = [text]
        sources += [source for source in found if source not in sources]
    return sources


def cross(contents: Sequence[str], styles: Sequence[str]) -> list[Job]:
    """Every content with every style, contents outermost."""
    return [Job(content, style) for content in contents for style in styles]


def _cell_source(text: str, base: Path) -> str:
    if _is_url(text):
        return text
    path = Path(text).expanduser()
    path = path if path.is_absolute() else base / path
    if path.exists():
        return os.path.abspath(path)
    if text in SAMPLES:
        return text
    raise ParameterError(f"image file not found: {text}{did_you_mean(text, SAMPLES)} (relative paths are relative "
                         "to the manifest's folder; sample names and URLs work too)")


def _row_job(row: dict, styles: Sequence[str], base: Path, where: str) -> list[Job]:
    try:
        options: dict[str, Any] = {}
        for column, cell in row.items():
            if column in _PLACES or not cell:
                continue
            key, kind = MANIFEST_COLUMNS[column]
            try:
                options[key] = kind(cell)
            except ValueError:
                noun = "a whole number" if kind is int else "a number"
                raise ParameterError(f"column {column} must be {noun}, got {cell!r}") from None
        if row.get("output"):
            options["name"] = row["output"]
        content = _cell_source(row.get("content") or "", base) if row.get("content") else None
        if content is None:
            raise ParameterError("the content cell is empty; name an image")
        row_styles = [_cell_source(row["style"], base)] if row.get("style") else list(styles)
        if not row_styles:
            raise ParameterError("the style cell is empty and no --style was given; fill the style column or add --style")
    except ParameterError as exc:
        return [Job(row.get("content") or "", row.get("style") or "", where=where, error=f"{where}: {exc}")]
    return [Job(content, style, options, where) for style in row_styles]


def read_manifest(path: str | os.PathLike, *, styles: Sequence[str] = ()) -> list[Job]:
    """The jobs of a CSV manifest: a header row, then one row per content image.

    Columns: ``content`` (required), ``style`` (empty: each of ``styles``, the ``--style`` list),
    ``output`` (the output name, optional) and any of :data:`MANIFEST_COLUMNS`; an empty cell
    keeps the command line's value. A row that cannot run (bad number, missing image) becomes a job
    with ``error`` set, so it is reported with the batch and the other rows still run.

    Raises
    ------
    ParameterError
        One line: the file is unreadable or empty, has no ``content`` column or an unknown column.
    """
    path = Path(path).expanduser()
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [(reader.line_num, row) for row in reader]  # the file's line (blank lines are skipped)
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ParameterError(f"cannot read the manifest {path} ({exc}); give a UTF-8 CSV file with a header row") from None
    header = [(name or "").strip().lower() for name in header]
    if "content" not in header:
        raise ParameterError(f"manifest {path} has no 'content' column (its header is {','.join(header) or 'empty'}); "
                             "the first row must name the columns: content,style,...")
    for name in header:
        if name not in (*_PLACES, *MANIFEST_COLUMNS):
            raise ParameterError(f"manifest {path} has an unknown column {name!r}"
                                 f"{did_you_mean(name, (*_PLACES, *MANIFEST_COLUMNS))}; columns are "
                                 f"{', '.join((*_PLACES, *MANIFEST_COLUMNS))}")
    jobs = []
    for number, row in rows:
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items() if key is not None}
        if any(cells.values()):
            jobs += _row_job(cells, styles, path.parent, f"{path.name} line {number}")
    return jobs


def _stem(source: str) -> str:
    if source in SAMPLES and not Path(source).exists():
        stem = source
    else:
        stem = Path(source.split("?")[0].rstrip("/")).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "image"


def _digest(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def name_jobs(jobs: Sequence[Job]) -> list[Job]:
    """Give each job its output stem; drop repeated jobs; refuse a manifest name used twice.

    Names are ``<content>__<style>`` (``output`` cells win); where several jobs would share one,
    each gets ``-<8 hex digits>`` of its identity (inputs and options) appended.
    """
    unique: dict[str, Job] = {}
    for job in jobs:
        unique.setdefault(job.identity() if not job.error else f"error {len(unique)}", job)
    bases = {}
    for key, job in unique.items():
        given = job.options.get("name")
        base = given if given else f"{_stem(job.content)}{C.BATCH_NAME_SEPARATOR}{_stem(job.style)}"
        bases[key] = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip(".") or "image"
    counts: dict[str, int] = {}
    for key, job in unique.items():
        if not job.error:
            counts[bases[key]] = counts.get(bases[key], 0) + 1
    result, taken = [], set()
    for key, job in unique.items():
        name, error = bases[key], job.error
        if not error and counts[name] > 1 and not job.options.get("name"):
            name = f"{name}-{_digest(job.identity())}"
        if not error and name in taken:
            error = f"{job.where}: output name {name!r} is used by another row; give each row its own output name"
        taken.add(name)
        options = {k: v for k, v in job.options.items() if k != "name"}
        result.append(Job(job.content, job.style, options, job.where, "" if job.error else name, error))
    return result


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` as ``(i, n)`` with ``0 <= i < n`` (Slurm: ``$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT``)."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not match or not 0 <= int(match[1]) < int(match[2]):
        raise ParameterError(f"--shard must be i/n with 0 <= i < n (such as 0/4 ... 3/4), got {text!r}; "
                             "shards count from 0, like Slurm array and Kubernetes job indices")
    return int(match[1]), int(match[2])


def shard(jobs: Sequence[Job], index: int, count: int) -> list[Job]:
    """Shard ``index`` of ``count``: the jobs sorted by name, every ``count``-th from ``index``.

    Every job is in exactly one shard, and shard sizes differ by at most one.
    """
    if not 0 <= index < count:
        raise ParameterError(f"shard {index} of {count} does not exist; use 0 .. {count - 1}")
    ordered = sorted(jobs, key=lambda job: job.name)
    return [job for position, job in enumerate(ordered) if position % count == index]


def plan_digest(jobs: Sequence[Job]) -> str:
    """sha256 of the whole plan (every job's name and identity): equal on hosts that see the same batch."""
    text = "\n".join(f"{job.name}\t{job.identity()}" for job in sorted(jobs, key=lambda job: job.name))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
