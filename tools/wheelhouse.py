"""Build a wheelhouse: every wheel styletransfer needs, for the laptops a workshop room is likely to have.

``make wheelhouse`` runs this for Linux x86-64, macOS arm64 (Apple silicon) and Windows x86-64, each
for Python 3.10, 3.11, 3.12 and 3.13 (about 4 GB: TensorFlow is one 250 MB wheel per platform and
Python). On each laptop, with no internet::

    python -m venv .venv
    .venv/bin/python -m pip install --no-index --find-links wheelhouse "styletransfer[notebooks]"

``pip download --platform`` alone judges environment markers by the machine it runs on (a Linux
machine would leave out Windows-only packages such as ``colorama``), so each target's pinned list is
resolved first by ``uv pip compile --python-platform``, then downloaded with ``pip download
--only-binary=:all: --no-deps`` for that platform's wheel tags.

Examples::

    python tools/wheelhouse.py                                  # every target
    python tools/wheelhouse.py --platform here                  # this machine's platform and Python (CI)
    python tools/wheelhouse.py --platform windows-x86_64 --python 3.12 --out /media/usb/wheelhouse
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Target name: (uv's --python-platform, pip's --platform wheel tags; pip adds older macOS versions itself).
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linux-x86_64": ("x86_64-manylinux_2_28", tuple(
        f"manylinux_2_{minor}_x86_64" for minor in (28, 27, 24, 17, 12, 5)) + ("manylinux2014_x86_64",
                                                                             "manylinux2010_x86_64",
                                                                             "manylinux1_x86_64", "linux_x86_64")),
    "macos-arm64": ("aarch64-apple-darwin", ("macosx_13_0_arm64",)),
    "windows-x86_64": ("x86_64-pc-windows-msvc", ("win_amd64",)),
}
#: Python versions the wheelhouse covers (the project needs >= 3.10; TensorFlow has wheels up to 3.13).
PYTHONS: tuple[str, ...] = ("3.10", "3.11", "3.12", "3.13")
#: Extras a workshop laptop needs: the notebooks, the sliders and the Voila app.
EXTRAS: tuple[str, ...] = ("notebooks",)


def here() -> tuple[str, str]:
    """This machine's target name and Python version."""
    machine = platform.machine().lower()
    name = {("linux", "x86_64"): "linux-x86_64", ("darwin", "arm64"): "macos-arm64",
            ("win32", "amd64"): "windows-x86_64"}.get((sys.platform, machine))
    if name is None:
        raise SystemExit(f"wheelhouse: error: no target for {sys.platform} {machine}; choose one of {', '.join(TARGETS)}")
    return name, f"{sys.version_info.major}.{sys.version_info.minor}"


def _run(command: list[str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


def _uv() -> str:
    found = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("wheelhouse: error: uv not found; `python -m pip install uv` (it is in the dev extra)")
    return found


def build(out: Path, targets: list[str], pythons: list[str]) -> None:
    """Put the project's wheel and every dependency's wheel for each target and Python into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)])
    with tempfile.TemporaryDirectory() as tmp:
        for name in targets:
            uv_platform, tags = TARGETS[name]
            for version in pythons:
                pinned = Path(tmp) / f"{name}-{version}.txt"
                _run([_uv(), "pip", "compile", str(ROOT / "pyproject.toml"), *(f"--extra={e}" for e in EXTRAS),
                      f"--python-platform={uv_platform}", f"--python-version={version}", "--no-header",
                      "--no-annotate", "--quiet", "--output-file", str(pinned)])
                _run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--no-deps",
                      *(f"--platform={tag}" for tag in tags), f"--python-version={version}",
                      "--implementation=cp", "--dest", str(out), "--requirement", str(pinned)])
    wheels = sorted(out.glob("*.whl"))
    size = sum(w.stat().st_size for w in wheels) / 1e6
    print(f"wheelhouse {out}: {len(wheels)} wheels, {size:.0f} MB, for {', '.join(targets)} x Python {', '.join(pythons)}")
    print(f'install offline: python -m pip install --no-index --find-links {out} "styletransfer[{",".join(EXTRAS)}]"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "wheelhouse", help="folder of wheels (default wheelhouse/)")
    parser.add_argument("--platform", action="append", choices=[*TARGETS, "here"],
                        help="a target (repeatable; default all; 'here' = this machine, with its Python)")
    parser.add_argument("--python", action="append", choices=PYTHONS, help="Python version (repeatable; default all)")
    args = parser.parse_args(argv)
    targets, pythons = args.platform or list(TARGETS), args.python or list(PYTHONS)
    if "here" in targets:
        name, version = here()
        targets = [name if t == "here" else t for t in targets]
        pythons = args.python or [version]
    build(args.out, list(dict.fromkeys(targets)), pythons)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
