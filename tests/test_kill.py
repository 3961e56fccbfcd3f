"""SIGKILL at random moments of runs that write checkpoints: the image and its record always agree.

The writer (:func:`styletransfer.outputs.write_pair`) renames the record first and the image
second, and the record carries the sha256 of the image it describes and of the one it replaces.
So whenever a run dies, every image on disk must be a valid picture and its record must describe
it: as its ``output``, or as its ``previous_output`` when the kill fell between the two renames.

To fit many kills into a CI minute, each run is a forked copy of this process running the real
job (:func:`styletransfer.runner.execute`: checks, lock, checkpoints after every evaluation, the
final save), with the VGG19 problem replaced by a NumPy stand-in, so a run writes dozens of
checkpoints a second and a random kill often lands inside a write. The next run on the same
output (``overwrite``) must take over the dead run's lock and temporary files. One real run
through the command line, with TensorFlow, is killed at the end.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import NumpyProblem
from PIL import Image

from styletransfer.cli import job as runner
from styletransfer.images import load_image
from styletransfer.outputs import verify_pair

# The job imports StyleTransfer from here when a run starts: the stand-in goes there.
transfer_module = importlib.import_module("styletransfer.transfer")

KILLS_PER_OUTPUT = 13
OUTPUTS = ("cat.png", "cat_small.jpg", "wave.png", "night.webp")  # 4 x 13 = 52 kills


def _child(output: Path, content: Path, style: Path) -> None:
    """In a forked process: run the real job on ``output`` until killed; never return."""
    try:
        transfer_module.StyleTransfer = NumpyProblem
        options = runner.RunOptions(str(content), str(style), output, size=48, max_evals=100_000, optimizer="adam",
                                    learning_rate=2.0, weights="random", progress=False, checkpoint_every=1,
                                    overwrite=True)
        runner.execute(options, say=lambda _: None, warn=lambda _: None)
    finally:
        os._exit(0)


def _wait_for_checkpoint(output: Path, pid: int) -> None:
    """Until the run has written ``output`` once (the first kill of each output; later ones find it)."""
    deadline = time.monotonic() + 60
    while not output.exists():
        assert os.waitpid(pid, os.WNOHANG) == (0, 0), "the run ended before writing a checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within 60 s"
        time.sleep(0.01)


def _check_folder(folder: Path) -> dict[str, int]:
    """Every image in ``folder`` is a valid picture and its record describes it; count how."""
    seen = {"output": 0, "previous_output": 0}
    for image in sorted(folder.iterdir()):
        if image.name.startswith(".") or image.suffix == ".json":
            continue
        with Image.open(image) as picture:
            picture.load()  # raises on a truncated or half-written file
        part = verify_pair(image)
        record = json.loads(image.with_suffix(".json").read_text())
        if part == "output":
            assert record["output"]["shape"][:2] == [picture.height, picture.width]
            assert record["result"]["stop_reason"] == "running"
        seen[part] += 1
    return seen


def test_fifty_random_sigkills_leave_every_image_with_its_record(tmp_path):
    rng = random.Random(11)
    content, style = tmp_path / "content.png", tmp_path / "style.png"
    pixels = np.random.default_rng(0).integers(0, 256, (40, 56, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(content)
    Image.fromarray(pixels[::-1]).save(style)
    folder = tmp_path / "results"
    folder.mkdir()
    kills, seen = 0, {"output": 0, "previous_output": 0}
    for name in OUTPUTS:
        output = folder / name
        for _ in range(KILLS_PER_OUTPUT):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child
                _child(output, content, style)
            _wait_for_checkpoint(output, pid)
            time.sleep(rng.uniform(0.0, 0.5))
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, "the run ended before the kill"
            kills += 1
            for part, count in _check_folder(folder).items():
                seen[part] += count
    assert kills >= 50
    assert seen["output"] > 0
    print(f"{kills} SIGKILLs survived; records matched as output {seen['output']} times, "
          f"as previous_output {seen['previous_output']} times")


def test_a_finished_run_after_kills_leaves_no_temporary_files(tmp_path):
    content = tmp_path / "content.png"
    Image.fromarray(np.full((32, 32, 3), 120, np.uint8)).save(content)
    output = tmp_path / "out.png"
    for _ in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            _child(output, content, content)
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    transfer_module.StyleTransfer, original = NumpyProblem, transfer_module.StyleTransfer
    try:
        options = runner.RunOptions(str(content), str(content), output, size=32, max_evals=5, weights="random",
                                    progress=False, checkpoint_every=1, overwrite=True)
        outcome = runner.execute(options, say=lambda _: None, warn=lambda _: None)
    finally:
        transfer_module.StyleTransfer = original
    assert outcome.result.stop_reason in ("max_evals", "converged")
    assert verify_pair(output) == "output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["content.png", "out.json", "out.png"]


@pytest.mark.slow
def test_sigkill_of_a_real_command_line_run(tmp_path):
    output = tmp_path / "real.png"
    proc = subprocess.Popen([sys.executable, "-m", "styletransfer", "run", "chelsea", "starry_night", "-o", str(output),
                             "--size", "32", "--evals", "100000", "--optimizer", "adam", "--weights", "random", "-q",
                             "--checkpoint-every", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while not output.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    time.sleep(random.Random(3).uniform(0.1, 1.0))
    proc.kill()
    proc.wait()
    assert verify_pair(output) in ("output", "previous_output")
    assert load_image(output).shape == (21, 32, 3)
