"""Shared by the benchmark scripts: the machine description and dated entries in RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine(*, load: str | None = None) -> str:
    """CPU, usable cores and library versions, plus the load average when ``load`` names a moment."""
    from styletransfer.record import library_versions, machine_description

    info, versions = machine_description(), library_versions()
    text = (f"{info['cpu']}, {info['usable_cores']} usable cores ({info['cpu_count']} total); "
            f"Python {versions['python']}, TensorFlow {versions['tensorflow']}, Keras {versions['keras']}")
    if load is not None and hasattr(os, "getloadavg"):
        text += f"; load average {', '.join(f'{v:.1f}' for v in os.getloadavg())} {load}"
    return text


def append_results(text: str, *, header: str, section: str, marker: str, path: Path = RESULTS) -> None:
    """Add a dated entry (``header`` then ``text``) just before ``marker`` in RESULTS.md.

    The benchmark's ``section`` heading and its marker are created at the end when missing, so
    each script only ever writes inside its own section.
    """
    from styletransfer.images import atomic_write_bytes

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if marker not in old:
        old = old.rstrip("\n") + f"\n\n{section}\n\n{marker}\n"
    entry = f"### {stamp}\n\n{header}\n\n{text}\n\n"
    atomic_write_bytes(path, old.replace(marker, entry + marker, 1).encode())
