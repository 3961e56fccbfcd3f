"""The command line against hostile input: one table, one harness, every case from the user's side.

Each case builds a small folder (a photo, a painting, a notes file, sometimes an existing result),
runs ``styletransfer ...`` in-process and asserts, like a careful tester would:

* the exit status (2 for bad input, 1 for a run that failed after the work, 130/143 interrupted);
* exactly one ``styletransfer: error:`` line on stderr, naming the problem and the way out
  (two fragments per case), and no traceback;
* nothing was lost: the sha256 of every file that existed before (the inputs and every file in the
  output folder) is the same afterwards, and no input was replaced.

Cases that are refused up front also assert that the network was never built (fast: no
TensorFlow work). The few cases that need a real run use 32 px images and a handful of evaluations.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from styletransfer import outputs
from styletransfer.cli import main as cli
from styletransfer.cli.main import main
from styletransfer.samples import sample_path

# The job imports these when a run starts (TensorFlow stays unloaded for refused inputs): patch them there.
transfer_module = importlib.import_module("styletransfer.transfer")
optimize_module = importlib.import_module("styletransfer.optimize")

TINY = ["--size", "32", "--evals", "3", "--weights", "random", "-q"]


@dataclass
class World:
    """The folder a case runs in: inputs, an output folder with a file the user cares about."""

    root: Path
    photo: Path
    painting: Path
    out: Path
    notes: Path

    def image(self, name: str, size: tuple[int, int], folder: Path | None = None) -> Path:
        path = (folder or self.root) / name
        rng = np.random.default_rng(len(name))
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path, format="PNG")
        return path


def make_world(root: Path) -> World:
    (root / "results").mkdir()
    notes = root / "results" / "notes.txt"
    notes.write_text("the user's own file next to the output\n")
    world = World(root, root / "photo.png", root / "painting.png", root / "results" / "out.png", notes)
    world.image("photo.png", (48, 32))
    world.image("painting.png", (40, 40))
    return world


def run_args(w: World, *extra, out=None, content=None, style=None) -> list[str]:
    return ["run", str(content or w.photo), str(style or w.painting), "-o", str(out or w.out), *TINY, *extra]


@dataclass
class Case:
    """``argv(world)`` returns the command line (after preparing the world); ``status`` and two
    fragments (problem, fix) of the one error line are expected."""

    id: str
    kind: str
    argv: Callable[[World], list[str]]
    status: int
    problem: str
    fix: str
    builds_network: bool = False
    patch: Callable[[World, pytest.MonkeyPatch], None] | None = None
    env: dict = field(default_factory=dict)


def _symlink(target: Path, link: Path) -> Path:
    link.symlink_to(target)
    return link


def _hardlink(target: Path, link: Path) -> Path:
    os.link(target, link)
    return link


def _existing(w: World, *names: str) -> World:
    for name in names:
        path = w.out.with_name(name)
        if path.suffix == ".json":
            path.write_text('{"mine": "an unrelated file"}\n')
        else:
            w.image(name, (20, 20), folder=w.out.parent)
    return w


def _hold_lock(w: World, monkeypatch) -> None:
    import fcntl

    lock = outputs._lock_path(w.out)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"4242\n")
    monkeypatch.setattr(w, "lock_fd", fd, raising=False)


def _no_space(w: World, monkeypatch) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda p: real(p)._replace(free=1000))


def _little_memory(w: World, monkeypatch) -> None:
    from styletransfer import estimate

    monkeypatch.setattr(estimate, "available_memory", lambda: 2_000_000_000)


def _text_file(w: World) -> Path:
    path = w.root / "notes.png"
    path.write_text("not a picture")
    return path


def _truncated(w: World) -> Path:
    path = w.root / "cut.png"
    path.write_bytes(w.photo.read_bytes()[:200])
    return path


def _folder(w: World, name: str) -> Path:
    path = w.root / name
    path.mkdir()
    return path


SAME = "is the same file as"
OTHER = "choose another output path"
NEW = "add --overwrite"
ARG = "see `styletransfer"

CASES = [
    # -- never lose data: an output that is an input, whatever the spelling --------------------
    Case("output-is-content", "data loss", lambda w: run_args(w, out=w.photo), 2, f"{SAME} the content image", OTHER),
    Case("output-is-style", "data loss", lambda w: run_args(w, out=w.painting), 2, f"{SAME} the style image", OTHER),
    Case("output-is-content-dotdot", "data loss", lambda w: run_args(w, out=w.root / "results" / ".." / "photo.png"),
         2, f"{SAME} the content image", OTHER),
    Case("output-is-content-relative-dot", "data loss", lambda w: run_args(w, out=w.root / "." / "photo.png"),
         2, f"{SAME} the content image", OTHER),
    Case("output-symlink-to-content", "data loss", lambda w: run_args(w, out=_symlink(w.photo, w.out)),
         2, f"{SAME} the content image", OTHER),
    Case("output-hardlink-to-style", "data loss", lambda w: run_args(w, out=_hardlink(w.painting, w.out)),
         2, f"{SAME} the style image", OTHER),
    Case("output-through-symlinked-folder", "data loss",
         lambda w: run_args(w, out=_symlink(w.root, w.root / "alias") / "photo.png"), 2, f"{SAME} the content image", OTHER),
    Case("content-through-symlink-output-real", "data loss",
         lambda w: run_args(w, content=_symlink(w.photo, w.root / "link.png"), out=w.photo), 2, SAME, OTHER),
    Case("output-is-content-even-with-overwrite", "data loss", lambda w: run_args(w, "--overwrite", out=w.photo),
         2, f"{SAME} the content image", OTHER),
    Case("record-is-content", "data loss",
         lambda w: run_args(w, content=shutil.copy(w.photo, w.out.with_suffix(".json"))), 2,
         f"run record {{root}}/results/out.json {SAME}", OTHER),
    Case("record-is-style-with-overwrite", "data loss",
         lambda w: run_args(w, "--overwrite", style=shutil.copy(w.painting, w.out.with_suffix(".json"))), 2,
         f"{SAME} the style image", OTHER),
    Case("output-is-init-image", "data loss",
         lambda w: run_args(w, "--init", str(shutil.copy(w.photo, w.out)), "--overwrite"), 2,
         f"{SAME} the starting image", OTHER),
    Case("output-is-shipped-sample", "data loss",
         lambda w: ["run", "chelsea", str(w.painting), "-o", str(sample_path("chelsea")), *TINY, "--overwrite"], 2,
         f"{SAME} the content image", OTHER),
    Case("record-is-weights-file", "data loss",
         lambda w: run_args(w, "--weights", str(_existing(w, "out.json").out.with_suffix(".json")), "--overwrite"),
         2, f"{SAME} the weights file", OTHER),
    Case("record-is-weights-env", "data loss",
         lambda w: run_args(w, "--overwrite", out=w.root / "vgg.png"), 2, "weights file ($STYLETRANSFER_VGG19_WEIGHTS)", OTHER,
         env={"STYLETRANSFER_VGG19_WEIGHTS": "{root}/vgg.json"}, patch=lambda w, m: (w.root / "vgg.json").write_bytes(b"HDF")),
    # -- existing files are not replaced without --overwrite -----------------------------------
    Case("existing-output", "overwrite", lambda w: run_args(_existing(w, "out.png")), 2, "already exists", NEW),
    Case("existing-unrelated-record", "overwrite", lambda w: run_args(_existing(w, "out.json")), 2,
         "run record", NEW),
    Case("existing-record-of-other-format", "overwrite",
         lambda w: run_args(_existing(w, "out.json"), out=w.out.with_suffix(".jpg")), 2, "out.json already exists", NEW),
    Case("existing-dangling-symlink", "overwrite",
         lambda w: run_args(w, out=_symlink(w.root / "gone.png", w.out)), 2, "already exists", NEW),
    Case("demo-existing-other-output", "overwrite",
         lambda w: ["demo", "-o", str(_existing(w, "out.png").out), "--weights", "random", "-q"], 2, "already exists", NEW),
    Case("existing-webp", "overwrite", lambda w: run_args(_existing(w, "out.webp"), out=w.out.with_suffix(".webp")),
         2, "already exists", NEW),
    # -- where the output goes ---------------------------------------------------------------
    Case("output-under-a-file", "output path", lambda w: run_args(w, out=w.notes / "x.png"), 2,
         "is a file, not a folder", OTHER),
    Case("output-deep-under-a-file", "output path", lambda w: run_args(w, out=w.notes / "a" / "b" / "x.png"), 2,
         "is a file, not a folder", OTHER),
    Case("output-under-etc-hostname", "output path", lambda w: run_args(w, out=Path("/etc/hostname/x.png")), 2,
         "/etc/hostname is a file, not a folder", OTHER),
    Case("output-folder-missing", "output path", lambda w: run_args(w, out=w.root / "nope" / "x.png"), 2,
         "does not exist", "mkdir -p"),
    Case("output-is-a-folder", "output path", lambda w: run_args(w, out=_folder(w, "dir.png")), 2, "is a folder",
         "give another output file name"),
    Case("record-is-a-folder", "output path", lambda w: run_args(w, out=_folder(w, "r.json").with_suffix(".png")), 2,
         "run record", "is a folder"),
    Case("output-suffix-txt", "output path", lambda w: run_args(w, out=w.root / "out.txt"), 2, "must end in", ".png"),
    Case("output-no-suffix", "output path", lambda w: run_args(w, out=w.root / "out"), 2, "must end in", ".jpg"),
    Case("output-suffix-json", "output path", lambda w: run_args(w, out=w.root / "out.json"), 2, "must end in", "run record"),
    Case("output-in-proc", "output path", lambda w: run_args(w, out=Path("/proc/x.png")), 2, "not writable", OTHER),
    Case("output-no-space", "output path", lambda w: run_args(w), 2, "not enough free space", "free some space",
         patch=_no_space),
    Case("output-locked-by-another-run", "output path", lambda w: run_args(w), 2, "another styletransfer run (pid 4242)",
         "wait for it", patch=_hold_lock),
    Case("output-locked-other-suffix", "output path", lambda w: run_args(w, out=w.out.with_suffix(".jpg")), 2,
         "another styletransfer run", OTHER, patch=_hold_lock),
    # -- the memory wall ------------------------------------------------------------------------
    Case("size-20000", "memory", lambda w: run_args(w, "--size", "20000"), 2, "of memory", "use --size"),
    Case("size-100000", "memory", lambda w: run_args(w, "--size", "100000"), 2, "GB is available", "use --size"),
    Case("style-size-60000", "memory", lambda w: run_args(w, "--style-size", "60000"), 2, "--style-size 60000 needs about",
         "use --style-size"),
    Case("demo-size-30000", "memory", lambda w: ["demo", "-o", str(w.out), "--size", "30000", "--weights", "random"], 2,
         "of memory", "use --size"),
    Case("size-1024-on-2-gb", "memory", lambda w: run_args(w, "--size", "1024"), 2, "only 2.0 GB is available",
         "use --size", patch=_little_memory),
    Case("estimate-size-100000", "memory", lambda w: ["estimate", str(w.photo), str(w.painting), "--size", "100000",
                                                       "--no-calibrate"], 1, "will not fit", "use --size"),
    # -- sizes outside the domain ---------------------------------------------------------------
    Case("sliver-15x4000", "image size", lambda w: run_args(w, content=w.image("sliver.png", (15, 4000)), out=w.out),
         2, "(15x4000 pixels) is too small at --size 32: it would be 1x32", "use --size 4134 or more"),
    Case("sliver-4000x15-style", "image size", lambda w: run_args(w, "--style-size", "64", style=w.image("wide.png", (4000, 15))),
         2, "(4000x15 pixels) is too small at --style-size 64", "use --style-size 4134 or more"),
    Case("size-0", "image size", lambda w: run_args(w, "--size", "0"), 2, "--size must be", ">= 16"),
    Case("size-negative", "image size", lambda w: run_args(w, "--size", "-5"), 2, "--size must be", ">= 16"),
    Case("size-8", "image size", lambda w: run_args(w, "--size", "8"), 2, "--size must be", ">= 16"),
    Case("style-size-0", "image size", lambda w: run_args(w, "--style-size", "0"), 2, "--style-size must be", ">= 16"),
    Case("demo-size-0", "image size", lambda w: ["demo", "-o", str(w.out), "--size", "0"], 2, "--size must be", ">= 16"),
    Case("demo-evals-0", "image size", lambda w: ["demo", "-o", str(w.out), "--evals", "0"], 2, "--evals", ">= 1"),
    # -- numbers --------------------------------------------------------------------------------
    Case("alpha-nan", "numbers", lambda w: run_args(w, "--alpha", "nan"), 2, "--alpha", "finite number >= 0"),
    Case("beta-negative", "numbers", lambda w: run_args(w, "--beta", "-1"), 2, "--beta", "finite number >= 0"),
    Case("tv-inf", "numbers", lambda w: run_args(w, "--tv", "inf"), 2, "--tv", "finite number >= 0"),
    Case("lr-zero", "numbers", lambda w: run_args(w, "--lr", "0"), 2, "--lr", "> 0"),
    Case("evals-zero", "numbers", lambda w: run_args(w, "--evals", "0"), 2, "--evals", ">= 1"),
    Case("checkpoint-negative", "numbers", lambda w: run_args(w, "--checkpoint-every", "-1"), 2, "--checkpoint-every", ">= 0"),
    Case("layer-weights-count", "numbers", lambda w: run_args(w, "--style-layer-weights", "1,2"), 2,
         "--style-layer-weights", "5 layers"),
    Case("unknown-style-layer", "numbers", lambda w: run_args(w, "--style-layers", "conv9_9"), 2, "unknown VGG19 layer",
         "conv4_2"),
    # -- images ---------------------------------------------------------------------------------
    Case("content-missing", "images", lambda w: run_args(w, content=w.root / "nope.jpg"), 2, "not found", "sample name"),
    Case("content-folder", "images", lambda w: run_args(w, content=_folder(w, "pics")), 2, "is a folder", "give a file path"),
    Case("content-text-file", "images", lambda w: run_args(w, content=_text_file(w)), 2, "not a readable image",
         "PNG or JPEG"),
    Case("content-truncated", "images", lambda w: run_args(w, content=_truncated(w)), 2, "damaged or truncated", "re-export",
         builds_network=True),
    Case("unknown-sample", "images", lambda w: run_args(w, style="starry_nite"), 2, "not found", "styletransfer samples"),
    Case("init-missing", "images", lambda w: run_args(w, "--init", str(w.root / "nope.png")), 2, "not found", "sample name"),
    # -- weights --------------------------------------------------------------------------------
    Case("weights-unknown", "weights", lambda w: run_args(w, "--weights", "vgg16"), 2, "unknown weights", "random"),
    Case("weights-missing-path", "weights", lambda w: run_args(w, "--weights", str(w.root / "none.h5")), 2, "not found",
         "styletransfer fetch"),
    Case("weights-corrupt", "weights", lambda w: run_args(w, "--weights", str(_corrupt_weights(w))), 2, "corrupt",
         "delete it"),
    Case("weights-imagenet-missing", "weights", lambda w: [*run_args(w)[:-3], "--weights", "imagenet", "-q"], 2,
         "not in the Keras cache", "styletransfer fetch"),
    # -- usage ----------------------------------------------------------------------------------
    Case("no-output", "usage", lambda w: ["run", str(w.photo), str(w.painting)], 2, "-o/--output", ARG),
    Case("unknown-option", "usage", lambda w: run_args(w, "--colour", "red"), 2, "unrecognized arguments", ARG),
    Case("unknown-command", "usage", lambda w: ["paint", str(w.photo)], 2, "invalid choice", ARG),
    Case("evals-not-a-number", "usage", lambda w: run_args(w, "--evals", "many"), 2, "invalid int", ARG),
    Case("optimizer-unknown", "usage", lambda w: run_args(w, "--optimizer", "sgd"), 2, "invalid choice", ARG),
    Case("estimate-size-0", "usage", lambda w: ["estimate", str(w.photo), str(w.painting), "--size", "0"], 2,
         "--size must be", ">= 16"),
    Case("estimate-missing-image", "usage", lambda w: ["estimate", str(w.root / "x.png"), "starry_night"], 2,
         "not found", "sample name"),
]


def _corrupt_weights(w: World) -> Path:
    path = w.root / "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(500))
    return path


def snapshot(root: Path) -> dict[Path, str]:
    """sha256 of every regular file under ``root`` (not following symbolic links)."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def run_cli(capsys, argv: list[str]) -> tuple[int, str]:
    """Exit status and stderr of ``styletransfer ARGV``, run in-process."""
    status = main(argv)
    return status, capsys.readouterr().err


def assert_one_clear_line(err: str, problem: str, fix: str) -> str:
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("styletransfer: error:")]
    others = [line for line in err.splitlines() if line.strip() and not line.startswith(("styletransfer: error:", "WARNING:", "  (ImageNet"))]
    assert len(errors) == 1 and not others, err
    assert problem.lower() in errors[0].lower(), errors[0]
    assert fix.lower() in errors[0].lower(), errors[0]
    return errors[0]


@pytest.fixture
def world(tmp_path, monkeypatch) -> World:
    monkeypatch.chdir(tmp_path)
    return make_world(tmp_path)


def _guard_network(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("the network was built although the input should be refused up front")

    monkeypatch.setattr(transfer_module, "StyleTransfer", boom)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_command_line(case: Case, world: World, monkeypatch, capsys):
    for name, value in case.env.items():
        monkeypatch.setenv(name, value.format(root=world.root))
    if case.patch is not None:
        case.patch(world, monkeypatch)
    argv = case.argv(world)
    if not case.builds_network:
        _guard_network(monkeypatch)
    before = snapshot(world.root)
    before.update({p: h for p, h in snapshot(sample_path("chelsea").parent).items()})
    status, err = run_cli(capsys, argv)
    assert status == case.status, err
    assert_one_clear_line(err, case.problem.format(root=world.root), case.fix)
    after = {**snapshot(world.root), **snapshot(sample_path("chelsea").parent)}
    for path, digest in before.items():
        assert after.get(path) == digest, f"{path} was changed or removed"


def test_the_table_covers_every_kind():
    kinds = {}
    for case in CASES:
        kinds[case.kind] = kinds.get(case.kind, 0) + 1
    assert len(CASES) >= 60 and len({c.id for c in CASES}) == len(CASES)
    assert {"data loss", "overwrite", "output path", "memory", "image size"} <= set(kinds)


# -- cases that need a (tiny) run -----------------------------------------------------------------
def test_infinite_loss_at_the_first_evaluation_is_reported_once(world, capsys):
    before = snapshot(world.root)
    status, err = run_cli(capsys, run_args(world, "--beta", "1e38"))
    assert status == cli.EXIT_FAILED
    assert_one_clear_line(err, "not finite at the first evaluation", "lower --alpha, --beta or --tv")
    assert err.count("not finite") == 1 and "warning" not in err.lower().replace("warning: random", "")
    assert all(snapshot(world.root).get(p) == d for p, d in before.items())


def test_save_failure_after_the_run_goes_to_the_rescue_folder(world, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("STYLETRANSFER_CACHE", str(tmp_path / "cache"))
    real_optimize = optimize_module.optimize

    def then_remove_the_folder(*args, **kwargs):
        result = real_optimize(*args, **kwargs)
        shutil.rmtree(world.out.parent)  # the output folder disappears while the run finishes
        return result

    monkeypatch.setattr(optimize_module, "optimize", then_remove_the_folder)
    status, err = run_cli(capsys, run_args(world))
    assert status == cli.EXIT_FAILED
    line = assert_one_clear_line(err, "does not exist", "saved to")
    rescued = sorted((tmp_path / "cache" / "rescued").glob("out-*.png"))
    assert len(rescued) == 1 and str(rescued[0]) in line
    assert outputs.verify_pair(rescued[0]) == "output"


def test_second_interrupt_during_the_final_save_keeps_the_checkpoint(world, capsys, monkeypatch):
    real_write_pair = outputs.write_pair
    calls = []

    def interrupted_final_save(path, image, make):
        calls.append(path)
        if len(calls) == 2:  # the first is the checkpoint, the second the final save
            raise KeyboardInterrupt
        return real_write_pair(path, image, make)

    monkeypatch.setattr(outputs, "write_pair", interrupted_final_save)
    status, err = run_cli(capsys, run_args(world, "--checkpoint-every", "2"))
    assert status == cli.EXIT_INTERRUPTED
    assert_one_clear_line(err, "interrupted while saving", "last checkpoint (2 evaluations)")
    assert "nothing written" not in err
    assert outputs.verify_pair(world.out) == "output"


def test_interrupt_before_the_optimisation_says_nothing_was_written(world, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transfer_module, "StyleTransfer", interrupted)
    status, err = run_cli(capsys, run_args(world))
    assert status == cli.EXIT_INTERRUPTED
    assert_one_clear_line(err, "interrupted before the optimisation started", "nothing written")
    assert not world.out.exists()


def test_sigterm_before_the_optimisation_exits_143_with_a_message(world, capsys, monkeypatch):
    def terminated(*args, **kwargs):
        os.kill(os.getpid(), __import__("signal").SIGTERM)
        raise AssertionError("SIGTERM did not stop the start-up")

    monkeypatch.setattr(transfer_module, "StyleTransfer", terminated)
    status, err = run_cli(capsys, run_args(world))
    assert status == cli.EXIT_TERMINATED
    assert_one_clear_line(err, "terminated (SIGTERM) before the optimisation started", "nothing written")


def test_overwrite_replaces_an_existing_result_and_demo_replaces_its_own(world, capsys, monkeypatch):
    _existing(world, "out.png", "out.json")
    assert main(run_args(world, "--overwrite")) == 0
    assert outputs.verify_pair(world.out) == "output"
    monkeypatch.setenv("STYLETRANSFER_QUICK", "1")
    for _ in range(2):  # the second demo replaces the first one's outputs/demo.* without asking
        assert main(["demo", "--weights", "random", "-q", "--size", "32", "--evals", "2"]) == 0
    assert outputs.verify_pair(world.root / "outputs" / "demo.png") == "output"
    assert world.notes.read_text().startswith("the user's own file")


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_signal_during_start_up_through_the_real_entry_point(tmp_path, how):
    """The lock file appears once the checks pass and the network is being built: signal then."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "start.png"
    proc = subprocess.Popen([sys.executable, "-m", "styletransfer", "run", "chelsea", "starry_night", "-o", str(out),
                             "--size", "32", "--evals", "5", "--weights", "random", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = outputs._lock_path(out)
    deadline = time.monotonic() + 240
    while not lock.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(getattr(signal, how))
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == (cli.EXIT_TERMINATED if how == "SIGTERM" else cli.EXIT_INTERRUPTED), err
    line = assert_one_clear_line(err, "terminated (SIGTERM)" if how == "SIGTERM" else "interrupted", "")
    assert ("nothing written" in line) != out.exists(), line  # either nothing, or an image with its record
    if out.exists():
        assert outputs.verify_pair(out) == "output"
    assert not lock.exists()
