"""benchmarks/bench_core.py runs end to end with tiny settings (no timing is asserted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_core")


def test_bench_core_tiny_run_prints_table_and_appends_results(bench, tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Sliders\n\nsomeone else's section\n")
    argv = ["--sizes", "32", "--evals", "2", "--repeats", "1", "--warmup", "1", "--append", "--results", str(results)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    row = re.search(r"^\| 32 \| 32x32 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \((ok|over)\) \|$", out, re.M)
    assert row, out
    library, bare, ratio = (float(v) for v in row.groups()[:3])
    assert library > 0 and bare > 0 and ratio == pytest.approx(library / bare, rel=0.01, abs=0.002)
    assert "L-BFGS, 2 evaluations at 32x32" in out and "peak RSS" in out and "random weights" in out
    assert bench.main(argv) == 0
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Sliders\n\nsomeone else's section")
    assert text.count("## Core library") == 1 and text.count("### ") == 2
    assert text.index("### ") < text.index(bench.END_MARKER)
    assert "usable cores" in text and "TensorFlow" in text


def test_markdown_judges_the_goals(bench):
    fast = {"size": 512, "shape": (512, 512), "library": 1.0, "baseline": 0.95, "ratio": 1.0 / 0.95}
    slow = {**fast, "size": 256, "shape": (256, 256), "library": 2.0, "ratio": 2.0 / 0.95}
    run = {"size": 512, "shape": (512, 512), "evaluations": 300, "seconds": 301.0, "per_evaluation": 1.0}
    text = bench.markdown([fast, slow], run, 1234.5)
    assert "| 512 | 512x512 | 1.0000 | 0.9500 | 1.053 (ok) |" in text
    assert "| 256 | 256x256 | 2.0000 | 0.9500 | 2.105 (over) |" in text
    assert "goal <= 300 s: over" in text and "1234 MB" in text
    short = bench.markdown([fast], {**run, "evaluations": 5, "seconds": 5.0}, 10.0)
    assert "goal <= 300 s" not in short  # a shortened run is not judged against the goal


def test_bench_core_precision_tables_guard_only_the_types_asked_for(bench, capsys):
    argv = ["--sizes", "32", "--repeats", "1", "--warmup", "1", "--precisions", "float32,float16",
            "--quality-sizes", "32", "--quality-evals", "3", "--quality-precisions", "float32"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\| 32 \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+x \|$", out, re.M), out
    assert "float32 / float16" in out and "Peak RSS" in out and "float16 " in out
    guard = out[out.index("Quality guard, 3 L-BFGS evaluations at 32 px"):]
    assert re.search(r"^\| float32 \| [\d.e+-]+ \| \+0\.00% \| 0\.00 \|", guard, re.M), guard
    assert "| float16 |" not in guard, "float16 was not asked for in the guard"
