"""benchmarks/bench_extensions.py runs with tiny settings (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_extensions")


def test_tiny_speed_run_reaches_the_target_and_appends(bench, tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Core library\n\nsomeone else's section\n")
    argv = ["--only", "speed", "--size", "40", "--tf-steps", "6", "--max-evals", "40", "--weights", "random",
            "--append", "--results", str(results)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "tutorial recipe: Adam" in out and "RANDOM-WEIGHT" in out and "coarse to fine" in out
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Core library\n\nsomeone else's section")
    assert "## Extensions (benchmarks/bench_extensions.py)" in text and text.index("### ") < text.index(bench.END_MARKER)


def test_big_run_reports_memory(bench):
    big = bench.big_run("chelsea", "starry_night", size=48, evals=2, weights="random")
    assert big["shape"][1] == 48 and big["evaluations"] == 2 and big["peak_rss_mb"] > 0


def test_markdown_judges_the_goals(bench):
    speed = {"size": 512, "shape": (341, 512), "tf_steps": 1000, "tf_seconds": 300.0, "target": 12.5,
             "single_seconds": 150.0, "multi_seconds": 90.0, "multi_evaluations": 400, "scales": (128, 256, 512),
             "weights": "ImageNet VGG19"}
    big = {"size": 1024, "shape": (683, 1024), "scales": (128, 256, 512, 1024), "evaluations": 400,
           "seconds": 600.0, "peak_rss_mb": 9000.0, "weights": "ImageNet VGG19"}
    text = bench.markdown(speed, big)
    assert "| 90.0 s | 0.300 (goal <= 0.333: ok) |" in text
    assert "| L-BFGS, single scale | 150.0 s | 0.500 |" in text
    assert "peak RSS 9000 MB (goal <= 8192 MB: over)" in text
    assert "not reached" in bench.markdown({**speed, "multi_seconds": None}, None)
