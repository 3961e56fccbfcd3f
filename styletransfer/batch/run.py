"""A batch's jobs as runs: their options, whether each output is up to date, one run, the summary.

A job's output is **up to date** when its image and run record exist, the record was written by
a batch for this job name and these inputs (paths), the run finished (``max_evals`` or ``converged``), the record's
``batch.settings_sha256`` equals the digest of the settings asked for now, the sha256 of the
content and style files equals the record's ``inputs.*.file_sha256``, and the image on disk is
the one the record describes (:func:`styletransfer.outputs.verify_pair`). Anything else is run
again; an output this batch did not make is replaced only with ``--overwrite``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import constants as C
from ..cache import sha256_file
from ..errors import ParameterError, StyleTransferError
from ..images import atomic_write_bytes
from ..outputs import verify_pair
from ..record import record_path
from ..samples import SAMPLES, sample_path
from .plan import Job

__all__ = ["Item", "FINISHED", "prepare", "stale_reason", "run_one", "summary_path", "write_summary"]

#: Stop reasons of a finished run (anything else is run again).
FINISHED: tuple[str, ...] = ("max_evals", "converged")
#: Presets whose recipe ``styletransfer run`` can express (the others need raw features or Adam's options).
_BATCH_PRESETS: tuple[str, ...] = ("paper", "toolbox")


@dataclass
class Item:
    """A job of this run of the batch: its options, its digests and, once known, what happened."""

    job: Job
    options: Any = None  # RunOptions; None when the job cannot run
    settings_sha256: str = ""
    inputs_sha256: dict = field(default_factory=dict)
    status: str = "pending"  # then "done", "skipped", "failed", "interrupted" or "not run"
    reason: str = ""  # why it failed or stopped ("up to date" when skipped)
    why: str = ""  # why it is (re)made: "new", "settings changed", "content image changed", ...
    seconds: float = 0.0
    own: bool = True  # the output does not exist, or this batch made it

    @property
    def output(self) -> Path | None:
        return None if self.options is None else Path(self.options.output)

    def report(self) -> dict:
        out = self.output
        return {"name": self.job.name, "content": self.job.content, "style": self.job.style,
                "from": self.job.where or "command line",
                "status": "not run" if self.status == "pending" else self.status, "reason": self.reason, "why": self.why,
                "seconds": round(self.seconds, 3), "image": None if out is None else os.fspath(out),
                "record": None if out is None else os.fspath(record_path(out))}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _preset_fields(name: str) -> dict:
    """RunOptions fields of a preset's recipe (layers, weights, pooling, start, optimiser); not size or evaluations."""
    from ..extensions.presets import PRESETS, preset_options

    if name not in _BATCH_PRESETS:
        known = f" ({name!r} needs options `styletransfer run` lacks; use run_preset() in Python)" if name in PRESETS else ""
        raise ParameterError(f"unknown preset {name!r} for a batch{known}; use one of {', '.join(_BATCH_PRESETS)}")
    problem, run = preset_options(name, (C.DEFAULT_SIZE, C.DEFAULT_SIZE))
    problem.pop("normalize_features", None)  # True, the default
    run.pop("max_evals", None)
    return {**problem, **run}


def _input_digest(source: str, cache: dict) -> str | None:
    """sha256 of the file a source names (a URL: None, it is not checked)."""
    if source not in cache:
        if source.startswith(("http://", "https://")):
            cache[source] = None
        else:
            path = sample_path(source) if source in SAMPLES and not Path(source).exists() else Path(source)
            cache[source] = sha256_file(path)
    return cache[source]


def _settings_digest(parameters: dict, weights_id: dict, suffix: str) -> str:
    settings = {k: v for k, v in parameters.items() if k not in ("content", "style", "checkpoint_every")}
    text = json.dumps({**settings, "weights_identity": weights_id, "format": suffix}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare(jobs: Sequence[Job], base, folder: Path, *, suffix: str, weights_id: dict) -> list[Item]:
    """Each job's RunOptions (``base`` with the job's own options), checked, with its digests.

    A job whose options or inputs are refused becomes a ``"failed"`` item with the one-line reason.
    """
    from ..cli.job import validate

    digests: dict = {}
    items = []
    for job in jobs:
        item = Item(job)
        items.append(item)
        if job.error:
            item.status, item.reason = "failed", job.error
            continue
        try:
            fields = dict(job.options)
            fields = {**(_preset_fields(fields.pop("preset")) if "preset" in fields else {}), **fields}
            options = dataclasses.replace(base, content=job.content, style=job.style,
                                          output=folder / f"{job.name}{suffix}", **fields)
            parameters = validate(options)
            item.inputs_sha256 = {"content": _input_digest(job.content, digests),
                                  "style": _input_digest(job.style, digests)}
        except (StyleTransferError, OSError) as exc:
            where = f"{job.where}: " if job.where and not str(exc).startswith(job.where) else ""
            item.status, item.reason = "failed", f"{where}{_one_line(exc)}"
            continue
        item.settings_sha256 = _settings_digest(parameters, weights_id, suffix)
        record_extra = {"batch": {"name": job.name, "content": job.content, "style": job.style,
                                  "settings_sha256": item.settings_sha256}}
        item.options = dataclasses.replace(options, record_extra=record_extra)
    return items


def stale_reason(item: Item) -> str | None:
    """Why ``item``'s output must be (re)made, or ``None`` when it is up to date. Sets ``item.own``."""
    image, record = item.output, record_path(item.output)
    if not image.exists() and not record.exists():
        return "new"
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        item.own = False
        return "exists without a readable run record"
    made = data.get("batch") or {}
    item.own = [made.get(key) for key in ("name", "content", "style")] == [item.job.name, item.job.content,
                                                                            item.job.style]
    if not item.own:
        return "exists and was not made by this batch (from these inputs)"
    stop = (data.get("result") or {}).get("stop_reason")
    if stop not in FINISHED:
        return f"unfinished (stopped: {stop})"
    if data["batch"].get("settings_sha256") != item.settings_sha256:
        return "settings changed"
    for role, digest in item.inputs_sha256.items():
        if digest is not None and ((data.get("inputs") or {}).get(role) or {}).get("file_sha256") != digest:
            return f"{role} image changed"
    if not image.is_file():
        return "image is missing"
    try:
        if verify_pair(image) != "output":
            return "image is not the one its record describes"
    except StyleTransferError:
        return "image is not the one its record describes"
    return None


def run_one(options) -> dict:
    """Run one job (in this process or a worker); never raises for a bad job, returns a report.

    Returns ``{"status": "done" | "failed" | "interrupted", "reason", "seconds", "warnings",
    "terminated"}``: a failed job's reason is one line; an interrupted one kept its best image.
    """
    from ..cli.job import Terminated, execute

    warnings: list[str] = []
    began = time.perf_counter()
    report: dict[str, Any] = {"status": "done", "reason": "", "warnings": warnings, "terminated": False}
    try:
        outcome = execute(options, say=lambda _text: None, warn=warnings.append)
    except StyleTransferError as exc:
        report.update(status="failed", reason=_one_line(exc))
    except KeyboardInterrupt as exc:
        report.update(status="interrupted", reason="stopped before the optimisation started; nothing written",
                      terminated=isinstance(exc, Terminated))
    except Exception as exc:  # noqa: BLE001 - one job's crash (out of memory, a library bug) must not end the batch
        report.update(status="failed", reason=f"{type(exc).__name__}: {_one_line(exc)}")
    else:
        result = outcome.result
        if outcome.save_error:
            report.update(status="failed", reason=f"{outcome.save_error}; the result went to {outcome.image_path}")
        elif result.stop_reason == "interrupted":
            report.update(status="interrupted", terminated=outcome.terminated,
                          reason=f"stopped after {result.evaluations} evaluations; the best image so far is saved "
                                 "and is made again on the next run")
        elif result.stop_reason == "nonfinite":
            report.update(status="failed", reason=f"{_one_line(result.message)}; lower --alpha, --beta or --tv")
    report["seconds"] = time.perf_counter() - began
    return report


def summary_path(folder: Path, shard: tuple[int, int] | None) -> Path:
    """``batch-summary.json``, or ``batch-summary-<i>-of-<n>.json`` for a shard (shards share a folder)."""
    suffix = "" if shard is None else f"-{shard[0]}-of-{shard[1]}"
    return folder / f"{C.BATCH_SUMMARY_NAME}{suffix}.json"


def write_summary(path: Path, items: Sequence[Item], **fields) -> dict:
    """Write the batch summary atomically: counts by status and one entry per item; returns it."""
    counts = {status: 0 for status in ("done", "skipped", "failed", "interrupted", "not run")}
    for item in items:
        counts[item.status if item.status in counts else "not run"] += 1
    summary = {"schema": C.BATCH_SUMMARY_SCHEMA,
               "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
               **fields, "jobs": len(items), "counts": counts,
               "items": [item.report() for item in items]}
    atomic_write_bytes(path, (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
    return summary
