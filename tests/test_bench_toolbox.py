"""benchmarks/bench_toolbox.py runs with tiny settings and reads its table honestly (no timing asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("bench_toolbox")


def test_laplacian_energy(bench):
    flat = np.full((8, 8, 3), 100, np.uint8)
    checker = (np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8)[..., None].repeat(3, -1)
    assert bench.laplacian_energy(flat) == 0.0
    assert bench.laplacian_energy(checker) == pytest.approx(16.0)  # +-1 neighbours: |4 * 1| squared


def test_tiny_run_appends_a_table(bench, tmp_path, capsys):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Core library\n\nsomeone else's section\n")
    argv = ["--size", "32", "--evals", "4", "--check-every", "2", "--losses", "gram,histogram",
            "--parameterizations", "pixels,pyramid", "--optimizers", "lbfgs", "--weights", "random",
            "--append", "--results", str(results)]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("\n| gram |") + out.count("\n| histogram |") == 4 and "RANDOM-WEIGHT" in out
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Core library\n\nsomeone else's section")
    assert bench.SECTION in text and text.index("### ") < text.index(bench.END_MARKER)


def test_markdown_judges_the_goal(bench):
    def row(loss, name, optimizer, hit):
        return {"loss": loss, "parameterization": name, "optimizer": optimizer, "hit": hit, "yardstick": 9.0,
                "per_eval": 0.1, "laplacian": 2.0}

    out = {"shape": (43, 64), "pair": ("chelsea", "starry_night"), "every": 5, "evals": 300, "target": 10.0,
           "budget": 15.0, "content_energy": 1.0, "weights": "ImageNet VGG19", "wall": 120.0,
           "baseline": {"seconds": 30.0, "per_eval": 0.1, "laplacian": 3.0},
           "rows": [row("gram", "pixels", "lbfgs", (290, 29.0)), row("sliced", "pyramid", "adam", (40, 12.0)),
                    row("meancov", "fourier", "lbfgs", (100, 20.0)), row("histogram", "pixels", "adam", None)]}
    text = bench.markdown(out)
    assert "| sliced | pyramid | adam | 40 | 12.0 | 0.40 | 0.90 |" in text
    assert "| histogram | pixels | adam | - | not reached | - |" in text
    assert "met by: sliced/pyramid/adam\n" in text  # not the baseline itself, not meancov (0.67 of the time)
    assert "met by: none" in bench.markdown({**out, "rows": out["rows"][2:]})
