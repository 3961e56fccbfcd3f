"""``styletransfer batch``: many contents x many styles into one folder, resumable, parallel, in shards.

The plan (:mod:`styletransfer.batch.plan`), the up-to-date check and the summary
(:mod:`styletransfer.batch.run`) and the workers (:mod:`styletransfer.batch.pool`) live in the
library; this module wires the command line to them and prints what happens.

Exit status: 0 when every job is done or was up to date; 1 when any job failed (the others still
ran; each failure is in the summary and on stderr); 2 for bad usage, before any work; 130 after
Ctrl-C and 143 after SIGTERM, finished jobs kept.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import constants as C
from ..errors import OutputError, ParameterError, StyleTransferError
from .console import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, error

__all__ = ["add_batch_parser", "cmd_batch"]


_DESCRIPTION = """\
Stylise every CONTENT image with every --style image. CONTENT and STYLE may be files, folders
(their images, not sub-folders), quoted globs ('photos/**/*.jpg'), sample names or URLs; a CSV
--manifest adds rows of content, style and per-row options. Each result goes to
OUTDIR/<content>__<style>.png with its .json run record (names that would collide get a short
digest); OUTDIR/batch-summary.json lists every job and what happened to it.

Run the same command again to resume: outputs whose record matches the settings and the inputs
(sha256) are skipped, the others are made again (an output this batch did not make is replaced
only with --overwrite). One failing image does not stop the others."""

_EPILOG = """\
manifest columns (CSV with a header row; empty cells keep the command line's value):
  content (required), style (empty: every --style), output (the output name), alpha, beta, tv,
  strength, size, style_size, evals, seed, init, optimizer, pooling, lr, style_loss,
  parameterization, preset (paper or toolbox: its layers, weights, start and optimiser; the row's
  own cells win). Relative paths are relative to the manifest's folder.

exit status: 0 all done or up to date, 1 some job failed, 2 bad usage (nothing done),
  130 interrupted (Ctrl-C) and 143 terminated (SIGTERM): finished jobs are kept, rerun to resume.

examples:
  styletransfer batch photos/ --style starry_night --style the_scream -o styled/
  styletransfer batch 'shoot/**/*.jpg' --style paintings/ -o styled/ --size 512 --workers 2
  styletransfer batch --manifest jobs.csv -o styled/ --dry-run   # what would run, and how long
  styletransfer batch photos/ --style great_wave -o styled/ --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"""


def add_batch_parser(sub, run_arguments: Callable[[argparse.ArgumentParser], None], *, epilog: str = "") -> None:
    """Register ``batch`` on the subcommand parsers ``sub``; ``run_arguments`` adds ``run``'s options."""
    batch = sub.add_parser("batch", help="stylise many images: folders, globs or a CSV manifest; resumable",
                           description=_DESCRIPTION, epilog=_EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("content", nargs="*", metavar="CONTENT", help="content images, folders, globs or sample names")
    batch.add_argument("-s", "--style", action="append", default=[], metavar="STYLE",
                       help="a style image, folder, glob or sample name; repeat for several (each content x each style)")
    batch.add_argument("-o", "--output-dir", required=True, metavar="OUTDIR",
                       help="folder for the results (created if missing)")
    batch.add_argument("--manifest", metavar="FILE.csv", help="CSV of jobs: content, style and per-row options (below)")
    batch.add_argument("--workers", type=int, default=C.BATCH_DEFAULT_WORKERS, metavar="N",
                       help=f"jobs run at once on this machine, each in its own process (default "
                            f"{C.BATCH_DEFAULT_WORKERS}); with several "
                            "GPUs, worker k uses GPU k mod the number of GPUs")
    batch.add_argument("--shard", metavar="I/N",
                       help="run only share I of N (0 <= I < N) of the jobs, the same share on every machine: for "
                            "Slurm arrays, Kubernetes indexed Jobs or a loop over hosts")
    batch.add_argument("--format", choices=("png", "jpg", "webp"), default=C.BATCH_DEFAULT_FORMAT,
                       help=f"output file type (default {C.BATCH_DEFAULT_FORMAT})")
    batch.add_argument("--dry-run", action="store_true",
                       help="show what would run (and why) and the time estimate; run nothing")
    batch.add_argument("--job-progress", action="store_true",
                       help="also show each job's progress bar (with --workers 1)")
    run_arguments(batch)
    batch.set_defaults(handler=cmd_batch, more_positionals="content")


def _plan(args):
    """The jobs of this shard, the whole plan's size and digest; raises one-line errors."""
    from ..batch.plan import cross, expand_sources, name_jobs, parse_shard, plan_digest, read_manifest, shard

    folder = Path(args.output_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"output folder {folder} is a file; give a folder for -o (it is created if missing)")
    if args.workers < 1:
        raise ParameterError(f"--workers must be a whole number >= 1, got {args.workers}")
    part = parse_shard(args.shard) if args.shard else None
    styles = expand_sources(args.style, what="style")
    contents = expand_sources(args.content, what="content", exclude=folder)
    if not contents and not args.manifest:
        raise ParameterError("no content images; give CONTENT images, folders or globs, or --manifest FILE.csv")
    if contents and not styles:
        raise ParameterError("no style image; add --style STYLE (a file, folder, glob or sample name such as starry_night)")
    jobs = cross(contents, styles) + (read_manifest(args.manifest, styles=styles) if args.manifest else [])
    if not jobs:
        raise ParameterError(f"manifest {args.manifest} has no rows; add one row per content image")
    jobs = name_jobs(jobs)
    total, digest = len(jobs), plan_digest(jobs)
    return folder, part, (shard(jobs, *part) if part else jobs), total, digest


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _duration(seconds: float) -> str:
    from .estimate_command import _duration as duration

    return duration(seconds)


def _estimate(todo, workers: int, gpus) -> str:
    """One line: the estimated time of the jobs to run (estimate.py's per-run estimate, summed)."""
    from ..estimate import estimate

    if not todo:
        return ""
    total, peak, calibrated = 0.0, 0, True
    for item in todo:
        o = item.options
        guess = estimate(o.content, o.style, size=o.size, style_size=o.style_size, content_layers=o.content_layers,
                         style_layers=o.style_layers, optimizer=o.optimizer)
        total += guess.seconds(o.max_evals)
        peak, calibrated, available = max(peak, guess.peak_bytes), calibrated and guess.calibrated, guess.available_bytes
    parallel = min(workers, len(gpus)) if gpus else 1  # CPU workers share the same cores
    note = "" if calibrated else " (uncalibrated: `styletransfer estimate` times this machine once)"
    line = f"estimate: about {_duration(total / max(parallel, 1))} for {len(todo)} run{'s' if len(todo) > 1 else ''} on this machine{note}"
    together = peak * min(workers, len(todo))
    if together > available * C.ESTIMATE_MEMORY_HEADROOM:
        fit = max(1, int(available * C.ESTIMATE_MEMORY_HEADROOM // max(peak, 1)))
        line += (f"\nwarning: {min(workers, len(todo))} workers need about {together / 1e9:.1f} GB together, "
                 f"{available / 1e9:.1f} GB is available; use --workers {fit} or less")
    return line


def cmd_batch(args, argv, state) -> int:
    """``styletransfer batch``: plan, skip what is up to date, run the rest, write the summary."""
    from ..batch.pool import detect_gpus, run_items
    from ..batch.run import prepare, stale_reason, summary_path, write_summary
    from .arguments import run_options as _options
    from .job import random_weights_warning, resolve_weights_quietly, validate

    started = time.perf_counter()
    folder, part, jobs, total, digest = _plan(args)
    base = _options(args, argv, content="content", style="style", output=folder / "x.png")
    base.progress = args.job_progress and args.workers == 1 and not args.quiet
    validate(base)  # the command line's own options: bad ones are usage errors, before any work
    spec = resolve_weights_quietly(base.weights, seed=base.seed, trust=base.trust_weights)
    env = {C.OFFLINE_ENV_VAR: "1"} if spec.is_random and base.weights != "random" else {}  # no download per job
    if not args.dry_run:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the output folder {folder} ({exc.strerror}); choose another -o") from None
    items = prepare(jobs, base, folder, suffix=f".{args.format}", weights_id={"kind": spec.kind, "md5": spec.md5})
    for item in items:
        if item.status == "pending":
            why = stale_reason(item)
            if why is None:
                item.status, item.reason = "skipped", "up to date"
            else:
                item.why = why
                item.options.overwrite = item.own or args.overwrite
    todo = [item for item in items if item.status == "pending"]
    say = (lambda _text: None) if args.quiet else print
    where = f"shard {part[0]}/{part[1]}: {len(jobs)} of {total} jobs" if part else f"{total} jobs"
    skipped = sum(item.status == "skipped" for item in items)
    refused = sum(item.status == "failed" for item in items)
    say(f"{where}: {skipped} up to date, {len(todo)} to run, {refused} refused; results in {folder}")
    gpus = detect_gpus() if args.workers > 1 else []
    if todo and not args.quiet:
        print(_estimate(todo, args.workers, gpus))
    if spec.is_random and todo:
        say(random_weights_warning(spec))
    if args.dry_run:
        for item in items:
            if item.status != "skipped":
                print(f"  {'run' if item.status == 'pending' else 'FAILED':7} {item.job.name or item.job.where}: "
                      f"{item.why or item.reason}")
        return EXIT_FAILED if refused else EXIT_OK
    summary_file = summary_path(folder, part)
    fields = {"command": ["styletransfer", *argv], "output_folder": os.fspath(folder.resolve()),
              "shard": {"index": part[0], "count": part[1]} if part else None, "plan_jobs": total,
              "plan_sha256": digest, "workers": args.workers, "planning_seconds": time.perf_counter() - started}
    began, written = time.perf_counter(), [time.perf_counter()]
    write_summary(summary_file, items, **fields, finished=False, elapsed_seconds=0.0)  # also: is the folder writable?
    bar = _progress(len(todo), quiet=args.quiet or args.no_progress)
    seen_warnings: set[str] = {random_weights_warning(spec)}

    def done(item, report) -> None:
        item.status, item.reason, item.seconds = report["status"], report["reason"], report["seconds"]
        for line in report["warnings"]:
            if line not in seen_warnings:
                seen_warnings.add(line)
                bar.write(line, file=sys.stderr)
        if not args.quiet or item.status != "done":
            bar.write(f"  {_status_label(item.status):7} {item.job.name}{_detail(item)}")
        bar.update(1)
        if time.perf_counter() - written[0] > C.BATCH_SUMMARY_INTERVAL:
            written[0] = time.perf_counter()
            with contextlib.suppress(StyleTransferError):  # the final write reports a folder gone bad
                write_summary(summary_file, items, **fields, finished=False,
                              elapsed_seconds=time.perf_counter() - began)

    with _environment(env):
        stopped = run_items(todo, workers=args.workers, on_done=done, gpus=gpus)
    bar.close()
    status = (EXIT_TERMINATED if stopped == "terminated" else EXIT_INTERRUPTED) if stopped else EXIT_OK
    failed = [item for item in items if item.status == "failed"]
    if not stopped and failed:
        status = EXIT_FAILED
    summary = write_summary(summary_file, items, **fields, finished=not stopped, exit_status=status,
                            elapsed_seconds=time.perf_counter() - began)
    counts = summary["counts"]
    say(f"done {counts['done']}, up to date {counts['skipped']}, failed {counts['failed']}, interrupted "
        f"{counts['interrupted']}, not run {counts['not run']} in {_duration(time.perf_counter() - began)}; "
        f"summary: {summary_file}")
    for item in failed:
        print(f"  FAILED  {item.job.name or item.job.where}: {item.reason}", file=sys.stderr)
    if stopped:
        error(f"{'terminated (SIGTERM)' if stopped == 'terminated' else 'interrupted'}; {counts['done']} jobs "
               f"finished and are kept, {counts['interrupted'] + counts['not run']} not finished: run the same "
               "command again to resume")
    elif failed:
        error(f"{len(failed)} of {len(items)} jobs failed (listed above and in {summary_file}); fix those inputs "
               "and run the same command again (finished jobs are skipped)")
    return status


def _status_label(status: str) -> str:
    return {"done": "ok", "failed": "FAILED", "interrupted": "STOPPED"}.get(status, status)


def _detail(item) -> str:
    if item.status == "done":
        return f" ({item.seconds:.1f} s; {item.why})"
    return f": {item.reason}"


class _Lines:
    """What the batch prints per job when there is no progress bar (not a terminal, or --quiet)."""

    def write(self, text: str, file=None) -> None:
        print(text, file=file or sys.stdout, flush=True)

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, *, quiet: bool):
    if quiet or not total or not sys.stderr.isatty():
        return _Lines()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="batch", unit="job", file=sys.stderr, dynamic_ncols=True)
