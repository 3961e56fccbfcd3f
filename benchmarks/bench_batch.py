"""Batch benchmark: throughput of ``styletransfer batch`` with 1 and 2 workers, and the cost of resuming.

A small batch (default 4 built-in photos x Starry Night at 128 px, 20 L-BFGS evaluations, seeded
random weights) runs as a real command, once with ``--workers 1`` and once with ``--workers 2``,
each into a fresh folder; with ``--repeats 2`` the order alternates (1, 2, 2, 1) so that a change in
the machine's load falls on both. Throughput is jobs per minute of wall time, start-up included.
Then the finished batch is run again: every output is up to date, and the whole command (Python,
planning, sha256 of every input and output, the summary) is timed against ``styletransfer --help``,
the interpreter's and the package's own start-up.

Usage::

    .venv/bin/python benchmarks/bench_batch.py                 # about 5-10 minutes on 2 busy cores
    .venv/bin/python benchmarks/bench_batch.py --jobs 2 --evals 3 --size 64   # a quick check
    .venv/bin/python benchmarks/bench_batch.py --append        # also record in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
from _results import machine  # noqa: E402

SECTION = "## Batch (benchmarks/bench_batch.py)"
MARKER = "<!-- bench_batch: new results above this line -->"
CONTENTS = ("chelsea", "coffee", "astronaut", "rocket", "chelsea", "coffee")
STYLES = ("starry_night", "the_scream")


def _command(*argv: str) -> list[str]:
    return [sys.executable, "-m", "styletransfer", *argv]


def _timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    return time.perf_counter() - began, done


def batch_argv(folder: Path, *, jobs: int, size: int, evals: int, workers: int) -> list[str]:
    """``styletransfer batch`` of ``jobs`` jobs (built-in photos x paintings) into ``folder``."""
    contents = sorted(set(CONTENTS[: max(1, (jobs + 1) // 2)]))
    styles = list(STYLES[: max(1, -(-jobs // len(contents)))])
    argv = _command("batch", *contents, *[f"--style={s}" for s in styles], "-o", str(folder), "--size", str(size),
                    "--evals", str(evals), "--weights", "random", "--workers", str(workers), "-q")
    return argv


def run(*, jobs: int = 4, size: int = 128, evals: int = 20, repeats: int = 1) -> dict:
    """Time the batch with 1 and 2 workers (alternating), then a resume of a finished batch."""
    order = [1, 2] * repeats if repeats == 1 else [1, 2, 2, 1] * (repeats // 2) + [1, 2] * (repeats % 2)
    walls: dict[int, list[float]] = {1: [], 2: []}
    per_job: dict[int, list[float]] = {1: [], 2: []}
    counted = 0
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        for number, workers in enumerate(order):
            folder = Path(tmp) / f"run{number}-w{workers}"
            argv = batch_argv(folder, jobs=jobs, size=size, evals=evals, workers=workers)
            wall, done = _timed(argv)
            if done.returncode != 0:
                raise SystemExit(f"batch failed ({done.returncode}): {done.stderr.strip()[-400:]}")
            summary = json.loads((folder / "batch-summary.json").read_text())
            counted = summary["counts"]["done"]
            walls[workers].append(wall)
            per_job[workers] += [item["seconds"] for item in summary["items"]]
            print(f"--workers {workers}: {counted} jobs in {wall:.1f} s", flush=True)
        finished = Path(tmp) / "run0-w1"
        resume = []
        help_walls = []
        for _ in range(3):  # interleaved: a resume of the finished batch, then `--help`
            wall, done = _timed(batch_argv(finished, jobs=jobs, size=size, evals=evals, workers=1))
            summary = json.loads((finished / "batch-summary.json").read_text())
            if done.returncode != 0 or summary["counts"]["skipped"] != counted:
                raise SystemExit(f"the resume did not skip every job: {summary['counts']}")
            resume.append((wall, summary["planning_seconds"] + summary["elapsed_seconds"]))
            help_walls.append(_timed(_command("--help"))[0])
    w1, w2 = statistics.median(walls[1]), statistics.median(walls[2])
    return {"jobs": counted, "size": size, "evals": evals, "order": order,
            "wall": {1: w1, 2: w2}, "per_job": {k: statistics.median(v) for k, v in per_job.items()},
            "throughput": {1: 60 * counted / w1, 2: 60 * counted / w2}, "speedup": w1 / w2,
            "resume_wall": statistics.median(r[0] for r in resume),
            "resume_inside": statistics.median(r[1] for r in resume),
            "help_wall": statistics.median(help_walls)}


def report(result: dict, *, load_before: str) -> str:
    wall, throughput, per_job = result["wall"], result["throughput"], result["per_job"]
    lines = [
        f"- machine: {load_before}",
        f"- batch: {result['jobs']} jobs (built-in photos x paintings), {result['size']} px, {result['evals']} L-BFGS "
        f"evaluations, seeded random weights; order of the runs: {', '.join(f'--workers {w}' for w in result['order'])}",
        "",
        "| workers | wall s (whole command) | jobs per minute | median s per job (inside its worker) |",
        "|---:|---:|---:|---:|",
        *[f"| {w} | {wall[w]:.1f} | {throughput[w]:.2f} | {per_job[w]:.1f} |" for w in (1, 2)],
        "",
        f"Throughput with 2 workers: **{result['speedup']:.2f}x** that of 1 worker.",
        f"Resuming the finished batch (every job up to date): **{result['resume_wall']:.2f} s** for the whole "
        f"command, of which {result['resume_inside']:.2f} s planning, checking and the summary; "
        f"`styletransfer --help` takes {result['help_wall']:.2f} s on the same machine (medians of 3, interleaved).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--evals", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1, help="runs per worker count (alternating order)")
    parser.add_argument("--append", action="store_true", help="append the results to benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    before = machine(load="before the run")
    result = run(jobs=args.jobs, size=args.size, evals=args.evals, repeats=args.repeats)
    text = report(result, load_before=before) + f"\n- load after: {machine(load='after the run').split('; ')[-1]}"
    print(text)
    if args.append:
        _results.append_results(text, header=f"`benchmarks/bench_batch.py --jobs {args.jobs} --size {args.size} "
                                f"--evals {args.evals} --repeats {args.repeats}`", section=SECTION, marker=MARKER)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
