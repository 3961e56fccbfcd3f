"""Quiet and quick at the terminal: no TensorFlow chatter by default, and no TensorFlow import for
``--help``, ``samples`` and errors found before the network is built.

Times are not asserted (they depend on the machine); what makes ``--help`` quick is asserted
instead: TensorFlow, Keras and SciPy are not imported. The measured times are in the report of issue 12.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import tf_chatter

from styletransfer.constants import VERBOSE_ENV_VAR

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "keras", "scipy")

#: Runs in a fresh interpreter: --help, samples and three errors, then reports the heavy imports.
PROBE = r"""
import json, sys
import styletransfer.cli.main as cli
statuses = {}
try:
    cli.build_parser().parse_args(["--help"])
except SystemExit as exc:
    statuses["--help"] = exc.code
for name, argv in {"samples": ["samples"], "missing file": ["run", "missing.jpg", "starry_night", "-o", OUT],
                   "bad size": ["run", "chelsea", "starry_night", "-o", OUT, "--size", "8"],
                   "bad layer": ["run", "chelsea", "starry_night", "-o", OUT, "--style-layers", "conv9_9"],
                   "bad option": ["run", "--no-such-option"]}.items():
    statuses[name] = cli.main(argv)
print(json.dumps({"statuses": statuses, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def _env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", VERBOSE_ENV_VAR)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**env, **extra}


def test_help_samples_and_early_errors_do_not_import_tensorflow(tmp_path):
    code = f"HEAVY = {HEAVY!r}\nOUT = {str(tmp_path / 'out.png')!r}\n" + PROBE
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["statuses"] == {"--help": 0, "samples": 0, "missing file": 2, "bad size": 2, "bad layer": 2,
                                  "bad option": 2}
    assert report["heavy"] == [], f"imported before they were needed: {report['heavy']}"
    errors = [line for line in done.stderr.splitlines() if line.startswith("styletransfer: error:")]
    assert len(errors) == 4 and any("image file not found: missing.jpg" in e for e in errors)


def test_package_import_is_lazy_but_complete():
    code = ("import sys, styletransfer as st; before = 'tensorflow' in sys.modules; "
            "missing = [n for n in st.__all__ if getattr(st, n, None) is None]; "
            "print(before, 'tensorflow' in sys.modules, missing)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "[]"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed when the socket is: connections are refused


def _run_command(tmp_path: Path, *extra: str) -> str:
    """A tiny ``styletransfer run`` with downloads allowed but no network reachable; its whole output."""
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = _env(STYLETRANSFER_OFFLINE="0", KERAS_HOME=str(tmp_path / "keras"), https_proxy=proxy, http_proxy=proxy,
               HTTPS_PROXY=proxy, HTTP_PROXY=proxy, no_proxy="", NO_PROXY="")
    done = subprocess.run([sys.executable, "-m", "styletransfer", *extra, "run", "chelsea", "starry_night", "-o",
                           str(tmp_path / "out.png"), "--size", "32", "--evals", "2", "--no-progress"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    (tmp_path / "out.png").unlink()
    (tmp_path / "out.json").unlink()
    return done.stdout + done.stderr


@pytest.mark.slow
def test_a_command_is_quiet_by_default_and_verbose_on_request(tmp_path):
    raw = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True, text=True,
                         env=_env(), timeout=300)
    quiet = _run_command(tmp_path)
    assert tf_chatter(quiet) == [], quiet
    notices = [line for line in quiet.splitlines() if "RANDOM-WEIGHT" in line]
    assert 1 <= len(notices) <= 3 and all(len(line) < 250 for line in notices), notices
    assert "ImageNet weights unavailable" not in quiet and "the download failed" in quiet
    # TensorFlow's own lines come back with --verbose (where this machine's TensorFlow prints any).
    expected = [line for line in tf_chatter(raw.stdout + raw.stderr) if "Downloading" not in line]
    verbose = _run_command(tmp_path, "--verbose")
    assert len(tf_chatter(verbose)) >= len(expected)


@pytest.mark.slow
def test_startup_benchmark_runs_and_records(tmp_path, capsys):
    from helpers import load_benchmark

    bench = load_benchmark("bench_startup")
    results = tmp_path / "RESULTS.md"
    assert bench.main(["--repeats", "1", "--append", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    for name in ("styletransfer --help", "styletransfer samples", "error: missing image", "import tensorflow"):
        assert f"| `{name}` |" in out
    assert "Goal `--help` < 1 s:" in out
    text = results.read_text()
    assert bench.SECTION in text and bench.END_MARKER in text and "| `import tensorflow` |" in text
