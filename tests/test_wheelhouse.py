"""An offline workshop room: a wheelhouse for this machine installs the project into a fresh venv with ``--no-index``.

Marked ``wheelhouse`` and left out of the default run (it downloads about 700 MB of wheels, from
pip's cache when warm); ``.ci/run`` runs it: ``pytest -m wheelhouse tests/test_wheelhouse.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.wheelhouse


def _isolated_pip_env() -> dict[str, str]:
    """No pip configuration file, PIP_* variable or PYTHONPATH may add another source of packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def test_fresh_venv_installs_from_the_wheelhouse_offline(tmp_path):
    wheelhouse, venv = tmp_path / "wheelhouse", tmp_path / "venv"
    subprocess.run([sys.executable, str(ROOT / "tools" / "wheelhouse.py"), "--platform", "here", "--out",
                    str(wheelhouse)], check=True)
    assert len(list(wheelhouse.glob("styletransfer-*.whl"))) == 1
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    env = _isolated_pip_env()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(wheelhouse),
                    "styletransfer[notebooks]"], check=True, env=env)
    subprocess.run([str(python), "-m", "pip", "check"], check=True, env=env)
    # The installed package (not this checkout) runs: a tiny stylisation with seeded random weights.
    run_env = {**env, "STYLETRANSFER_OFFLINE": "1", "KERAS_HOME": str(tmp_path / "keras")}
    out = tmp_path / "tiny.png"
    done = subprocess.run([str(bindir / "styletransfer"), "run", "chelsea", "starry_night", "-o", str(out),
                           "--size", "32", "--evals", "2", "--weights", "random", "-q"],
                          cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert out.is_file() and out.with_suffix(".json").is_file()
    where = subprocess.run([str(python), "-c", "import styletransfer; print(styletransfer.__file__)"],
                           cwd=tmp_path, env=run_env, capture_output=True, text=True, check=True).stdout
    assert Path(where.strip()).is_relative_to(venv)
    # The notebooks extra (what a workshop needs) came from the wheelhouse too.
    subprocess.run([str(python), "-c", "import jupyterlab, ipywidgets, voila, matplotlib"], check=True, env=run_env)
