"""Start-up benchmark: how quickly the command answers when it needs no TensorFlow.

Times whole processes (start-up included), interleaved, ``--repeats`` times each:

* ``styletransfer --help``, ``styletransfer samples`` and an error found before the network is
  built (``run missing.jpg ...``): none of them imports TensorFlow;
* the baselines, in the same run: ``python -c pass`` (the interpreter alone) and ``python -c "import
  tensorflow"``, what each of the three cost before TensorFlow was imported lazily.

Goal: ``--help`` in well under a second (median wall time), and a small fraction of a TensorFlow import.

Usage::

    .venv/bin/python benchmarks/bench_startup.py              # 5 repeats (about a minute: TensorFlow)
    .venv/bin/python benchmarks/bench_startup.py --repeats 1  # a quick check that it works
    .venv/bin/python benchmarks/bench_startup.py --append     # also record in benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _results  # noqa: E402
from _results import RESULTS, machine  # noqa: E402

SECTION = "## Start-up (benchmarks/bench_startup.py)"
END_MARKER = "<!-- bench_startup:end -->"
GOAL_SECONDS = 1.0


def commands(folder: str) -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "styletransfer"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "styletransfer --help": [*cli, "--help"],
        "styletransfer samples": [*cli, "samples"],
        "error: missing image": [*cli, "run", "missing.jpg", "starry_night", "-o", os.path.join(folder, "o.png")],
        "import tensorflow": [sys.executable, "-c", "import tensorflow"],
    }


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(repeats: int) -> dict[str, dict[str, float]]:
    env = dict(os.environ, STYLETRANSFER_OFFLINE="1")
    with tempfile.TemporaryDirectory() as folder:
        todo = commands(folder)
        for command in todo.values():  # warm-up: file caches, .pyc files
            time_once(command, env)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
        for _ in range(repeats):
            for name, command in todo.items():
                samples[name].append(time_once(command, env))
    return {name: {"wall": statistics.median(w for w, _ in runs), "cpu": statistics.median(c for _, c in runs)}
            for name, runs in samples.items()}


def report(results: dict[str, dict[str, float]], repeats: int) -> str:
    tf_wall = results["import tensorflow"]["wall"]
    rows = ["| command | median wall s | median CPU s | wall / `import tensorflow` |", "|---|---|---|---|"]
    for name, r in results.items():
        rows.append(f"| `{name}` | {r['wall']:.3f} | {r['cpu']:.3f} | {r['wall'] / tf_wall:.3f} |")
    help_wall, help_cpu = results["styletransfer --help"]["wall"], results["styletransfer --help"]["cpu"]
    verdict = "met" if help_wall < GOAL_SECONDS else "NOT met"
    rows.append("")
    rows.append(f"Goal `--help` < {GOAL_SECONDS:.0f} s: {verdict} ({help_wall:.2f} s wall, {help_cpu:.2f} s CPU; "
                f"{repeats} interleaved repeats after a warm-up, whole processes). On a busy machine the wall time "
                f"is several times the CPU time; the CPU time is close to the wall time of an idle one.")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--append", action="store_true", help="also record the result in benchmarks/RESULTS.md")
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    header = f"- machine: {machine(load='before the run')}"
    text = report(measure(max(1, args.repeats)), max(1, args.repeats))
    print(header + "\n\n" + text)
    if args.append:
        _results.append_results(text, header=header, section=SECTION, marker=END_MARKER, path=args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
