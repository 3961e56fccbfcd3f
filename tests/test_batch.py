"""``styletransfer batch``: plans, names, shards, resuming, failures, interrupts and one real run.

The bookkeeping tests run the real command in-process with the VGG19 problem replaced by a NumPy
stand-in (``helpers.NumpyProblem``: a run takes milliseconds), and count the problems built, so
"skipped" means no run was even set up. One test runs the real network through two worker
processes, end to end.
"""

from __future__ import annotations

import collections
import importlib
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
from helpers import NumpyProblem, call, load_benchmark, sha256, stand_in_batch_worker
from PIL import Image

from styletransfer.batch.plan import Job, cross, name_jobs, parse_shard, plan_digest, shard
from styletransfer.batch.pool import detect_gpus, run_items, worker_environment
from styletransfer.batch.run import Item
from styletransfer.cli.job import RunOptions
from styletransfer.errors import ParameterError
from styletransfer.outputs import verify_pair

transfer_module = importlib.import_module("styletransfer.transfer")  # the job imports StyleTransfer from here
TINY = ["--size", "32", "--evals", "3", "--weights", "random", "--no-progress"]


def picture(path: Path, seed: int, shape=(40, 48)) -> Path:
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (*shape, 3), dtype=np.uint8)).save(path)
    return path


def summary(folder: Path, name: str = "batch-summary.json") -> tuple[dict, dict]:
    data = json.loads((folder / name).read_text())
    return data, {item["name"] or item["from"]: item for item in data["items"]}


@pytest.fixture
def made(monkeypatch) -> list[str]:
    """Replace the network by a NumPy problem; the list records each content a run was built for."""
    contents: list[str] = []

    class Counted(NumpyProblem):
        def __init__(self, content, style, **options):
            contents.append(Path(str(content)).stem)
            super().__init__(content, style, **options)

    monkeypatch.setattr(transfer_module, "StyleTransfer", Counted)
    return contents


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for seed, name in enumerate(("a", "b", "c")):
        picture(folder / f"{name}.png", seed)
    (folder / "notes.txt").write_text("not an image, and not picked up from a folder\n")
    return folder


@pytest.fixture
def style(tmp_path) -> Path:
    return picture(tmp_path / "paint.png", 99, (40, 40))


# -- the plan: names and shards (pure) ----------------------------------------------------------
def test_names_are_predictable_and_collisions_get_a_stable_digest():
    jobs = cross(["/x/a/cat.png", "/x/b/cat.jpg", "/x/dog.png"], ["starry_night", "/p/my wave.jpg"])
    named = name_jobs(jobs + jobs[:2])  # a repeated job is one job
    assert len(named) == 6
    names = {(job.content, job.style): job.name for job in named}
    assert names[("/x/dog.png", "starry_night")] == "dog__starry_night"
    assert names[("/x/dog.png", "/p/my wave.jpg")] == "dog__my_wave"
    cats = [names[(c, "starry_night")] for c in ("/x/a/cat.png", "/x/b/cat.jpg")]
    assert cats[0] != cats[1] and all(n.startswith("cat__starry_night-") and len(n) == len("cat__starry_night-") + 8 for n in cats)
    assert {(j.content, j.style): j.name for j in name_jobs(list(reversed(jobs)))} == names  # order does not matter


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 46, 50])
def test_shards_cover_every_job_exactly_once(count):
    jobs = name_jobs(cross([f"/p/{i}.png" for i in range(23)], ["s1", "s2"]))
    shuffled = random.Random(count).sample(jobs, len(jobs))
    parts = [shard(jobs, i, count) for i in range(count)]
    seen = collections.Counter(job.name for part in parts for job in part)
    assert set(seen) == {job.name for job in jobs} and set(seen.values()) == {1}
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert [shard(shuffled, i, count) for i in range(count)] == parts  # every host computes the same shares
    assert plan_digest(shuffled) == plan_digest(jobs)


def test_shard_text_is_checked():
    assert parse_shard("2/5") == (2, 5) and parse_shard(" 0 / 1 ") == (0, 1)
    for bad in ("5/5", "1/0", "-1/3", "a/b", "3"):
        with pytest.raises(ParameterError, match="--shard must be i/n"):
            parse_shard(bad)
    with pytest.raises(ParameterError):
        shard([Job("a", "b", name="a__b")], 2, 2)


def test_workers_share_the_cores_and_the_gpus(monkeypatch):
    assert worker_environment(0, 2, [], cores=8) == {"OMP_NUM_THREADS": "4", "TF_NUM_INTRAOP_THREADS": "4",
                                                     "TF_NUM_INTEROP_THREADS": "2"}
    assert worker_environment(1, 3, [], cores=2)["TF_NUM_INTRAOP_THREADS"] == "1"
    two = [worker_environment(k, 2, ["3", "5"], cores=8) for k in range(2)]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in two] == ["3", "5"] and "TF_FORCE_GPU_ALLOW_GROWTH" not in two[0]
    four = [worker_environment(k, 4, ["0", "1"], cores=16) for k in range(4)]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in four] == ["0", "1", "0", "1"]
    assert all(e["TF_FORCE_GPU_ALLOW_GROWTH"] == "true" for e in four)
    for visible, expected in (("2,3", ["2", "3"]), ("", []), ("-1", [])):
        monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
        assert detect_gpus() == expected


def test_a_worker_process_that_dies_fails_its_job_only(tmp_path):
    names = ["a", "die", "b", "c", "d"]
    items = [Item(Job("a", "b", name=n), options=RunOptions("a", "b", tmp_path / f"{n}.png")) for n in names]
    reports = {}
    stopped = run_items(items, workers=2, on_done=lambda item, report: reports.setdefault(item.job.name, report),
                        worker=stand_in_batch_worker)
    assert stopped is None and sorted(reports) == sorted(names)
    assert reports["die"]["status"] == "failed" and reports["die"]["reason"] == ("the worker process died "
                                                                                 "(exit status 9)")
    assert all(reports[n]["status"] == "done" for n in names if n != "die")


# -- bookkeeping, with the NumPy stand-in ---------------------------------------------------------
def test_failing_item_is_reported_resume_skips_and_changes_are_redone(capsys, made, photos, style, tmp_path):
    picture(photos / "broken.png", 0).write_bytes(b"these are not pixels")
    out = tmp_path / "out"
    argv = ["batch", photos, "--style", style, "-o", out, *TINY]
    status, stdout, err = call(capsys, *argv)
    assert status == 1, err
    data, items = summary(out)
    assert data["counts"] == {"done": 3, "skipped": 0, "failed": 1, "interrupted": 0, "not run": 0}
    assert data["finished"] is True and data["exit_status"] == 1 and data["plan_jobs"] == 4
    assert items["broken__paint"]["status"] == "failed" and "not a readable image" in items["broken__paint"]["reason"]
    assert sorted(made) == ["a", "b", "c"]
    for name in ("a__paint", "b__paint", "c__paint"):
        assert items[name]["status"] == "done" and items[name]["why"] == "new"
        assert verify_pair(out / f"{name}.png") == "output"
        assert json.loads((out / f"{name}.json").read_text())["batch"]["name"] == name
    assert err.strip().splitlines()[-1].startswith("styletransfer: error: 1 of 4 jobs failed")
    before = {p.name: sha256(p) for p in out.glob("*.png")}

    made.clear()  # the same command again: nothing is even set up, nothing is rewritten
    status, stdout, _ = call(capsys, *argv)
    assert status == 1 and made == []
    data, items = summary(out)
    assert data["counts"]["skipped"] == 3 and data["counts"]["failed"] == 1
    assert {p.name: sha256(p) for p in out.glob("*.png")} == before

    status, _, _ = call(capsys, *argv, "--alpha", "2")  # new settings: every output is made again
    data, items = summary(out)
    assert sorted(made) == ["a", "b", "c"] and items["a__paint"]["why"] == "settings changed"
    assert json.loads((out / "a__paint.json").read_text())["parameters"]["content_weight"] == 2.0

    made.clear()  # a changed photo, a damaged result, a deleted one: only those are made again
    picture(photos / "b.png", 7)
    (out / "c__paint.png").write_bytes((out / "a__paint.png").read_bytes())
    (out / "a__paint.png").unlink()
    status, _, _ = call(capsys, *argv, "--alpha", "2")
    data, items = summary(out)
    assert sorted(made) == ["a", "b", "c"] and items["a__paint"]["why"] == "image is missing"
    assert items["b__paint"]["why"] == "content image changed"
    assert items["c__paint"]["why"] == "image is not the one its record describes"


def test_outputs_the_batch_did_not_make_are_kept_unless_overwrite(capsys, made, photos, style, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    mine = picture(out / "a__paint.png", 5)
    digest = sha256(mine)
    argv = ["batch", photos / "a.png", "--style", style, "-o", out, photos / "b.png", *TINY]  # positionals anywhere
    status, _, err = call(capsys, *argv)
    assert status == 1 and sha256(mine) == digest
    _, items = summary(out)
    assert "already exists; add --overwrite" in items["a__paint"]["reason"] and items["b__paint"]["status"] == "done"
    status, _, err = call(capsys, *argv, "--overwrite")
    assert status == 0, err
    assert verify_pair(mine) == "output" and summary(out)[1]["b__paint"]["status"] == "skipped"


def test_manifest_rows_options_presets_and_bad_rows(capsys, made, photos, style, tmp_path):
    manifest = photos / "jobs.csv"
    manifest.write_text("content,style,alpha,seed,output,preset\n"
                        "a.png,,2,5,,\n"
                        "b.png,starry_night,,,mine,paper\n"
                        "c.png,,abc,,,\n"
                        "missing.png,,,,,\n"
                        "\n"
                        "c.png,,,,,keras\n")
    out = tmp_path / "out"
    status, _, err = call(capsys, "batch", "--manifest", manifest, "--style", style, "-o", out, *TINY)
    assert status == 1
    data, items = summary(out)
    assert data["counts"]["done"] == 2 and data["counts"]["failed"] == 3
    a = json.loads((out / "a__paint.json").read_text())["parameters"]
    assert (a["content_weight"], a["seed"], a["size"]) == (2.0, 5, 32)
    b = json.loads((out / "mine.json").read_text())["parameters"]
    assert (b["init"], b["tv_weight"], b["style"]) == ("noise", 0.0, "starry_night")  # the paper's recipe
    assert "column alpha must be a number" in items["jobs.csv line 4"]["reason"]
    assert "not found: missing.png" in items["jobs.csv line 5"]["reason"]
    assert items["c__paint"]["reason"].startswith("jobs.csv line 7: unknown preset 'keras' for a batch")
    assert "jobs.csv line 4" in err


def test_shards_share_one_folder_and_together_make_everything(capsys, made, photos, style, tmp_path):
    out = tmp_path / "out"
    for index in range(2):
        status, _, err = call(capsys, "batch", photos, "--style", style, "-o", out, *TINY, "--shard", f"{index}/2")
        assert status == 0, err
    parts = [summary(out, f"batch-summary-{i}-of-2.json")[0] for i in range(2)]
    assert [p["jobs"] for p in parts] == [2, 1] and parts[0]["plan_sha256"] == parts[1]["plan_sha256"]
    assert sorted(made) == ["a", "b", "c"]
    assert {item["name"] for p in parts for item in p["items"]} == {"a__paint", "b__paint", "c__paint"}


def test_interrupt_keeps_finished_items_and_leaves_no_partial_files(capsys, made, monkeypatch, photos, style, tmp_path):
    calls = []
    original = NumpyProblem.loss_and_grad

    def ctrl_c_in_the_second_job(self, x):
        calls.append(1)
        if len(made) == 2 and len(calls) > 5:
            raise KeyboardInterrupt
        return original(self, x)

    monkeypatch.setattr(NumpyProblem, "loss_and_grad", ctrl_c_in_the_second_job)
    out = tmp_path / "out"
    argv = ["batch", photos, "--style", style, "-o", out, *TINY[:2], "--evals", "20", *TINY[4:], "--checkpoint-every", "1"]
    status, _, err = call(capsys, *argv)
    assert status == 130
    assert "interrupted; 1 jobs finished and are kept" in err.strip().splitlines()[-1]
    data, items = summary(out)
    assert [items[n]["status"] for n in ("a__paint", "b__paint", "c__paint")] == ["done", "interrupted", "not run"]
    assert data["finished"] is False and data["exit_status"] == 130
    assert sorted(p.name for p in out.iterdir()) == ["a__paint.json", "a__paint.png", "b__paint.json", "b__paint.png",
                                                     "batch-summary.json"]  # no temporary or lock files
    for name in ("a__paint", "b__paint"):
        assert verify_pair(out / f"{name}.png") == "output"
    assert json.loads((out / "b__paint.json").read_text())["result"]["stop_reason"] == "interrupted"

    made.clear()
    monkeypatch.setattr(NumpyProblem, "loss_and_grad", original)
    status, _, err = call(capsys, *argv)
    assert status == 0, err
    assert made == ["b", "c"] and summary(out)[1]["b__paint"]["why"] == "unfinished (stopped: interrupted)"


@pytest.fixture
def nothing_built(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("a job was built for a command that should have been refused")

    monkeypatch.setattr(transfer_module, "StyleTransfer", boom)


@pytest.mark.parametrize(("extra", "fragment"), [
    (lambda p, s, t: [p], "no style image"),
    (lambda p, s, t: ["--style", s], "no content images"),
    (lambda p, s, t: [t / "none" / "*.jpg", "--style", s], "matches no image"),
    (lambda p, s, t: [t / "empty", "--style", s], "holds no images"),
    (lambda p, s, t: ["chelsae", "--style", s], "did you mean 'chelsea'"),
    (lambda p, s, t: [p, "--style", s, "--shard", "2/2"], "--shard must be i/n"),
    (lambda p, s, t: [p, "--style", s, "--workers", "0"], "--workers"),
    (lambda p, s, t: [p, "--style", s, "--alpha", "nan"], "--alpha"),
    (lambda p, s, t: [p, "--style", s, "--evals", "many"], "invalid int"),
    (lambda p, s, t: [p, "--style", s, "--weights", "vgg16"], "unknown weights"),
    (lambda p, s, t: ["--manifest", t / "nope.csv", "--style", s], "cannot read the manifest"),
    (lambda p, s, t: ["--manifest", t / "odd.csv"], "unknown column 'alhpa' (did you mean 'alpha'?)"),
    (lambda p, s, t: ["--manifest", t / "headless.csv"], "no 'content' column"),
])
def test_bad_usage_is_one_line_and_exit_2_before_any_work(capsys, nothing_built, photos, style, tmp_path,
                                                          extra, fragment):
    (tmp_path / "empty").mkdir()
    (tmp_path / "odd.csv").write_text("content,alhpa\na.png,1\n")
    (tmp_path / "headless.csv").write_text("a.png,starry_night\n")
    out = tmp_path / "out"
    status, _, err = call(capsys, "batch", "-o", out, *TINY, *extra(photos, style, tmp_path))
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1, err
    assert lines[0].startswith("styletransfer: error:") and fragment in lines[0], lines[0]
    assert not out.exists()


def test_output_folder_that_is_a_file_or_unwritable_is_refused(capsys, nothing_built, photos, style, tmp_path):
    out = tmp_path / "results.png"
    out.write_bytes(b"the user's file")
    status, _, err = call(capsys, "batch", photos, "--style", style, "-o", out, *TINY)
    assert status == 2 and "is a file" in err and out.read_bytes() == b"the user's file"
    if os.geteuid() == 0:  # root writes anywhere except a kernel file system
        locked = Path("/sys")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
    for folder, fragment in ((locked / "new", "cannot create the output folder"), (locked, "cannot write")):
        status, _, err = call(capsys, "batch", photos, "--style", style, "-o", folder, *TINY)
        assert status == 2 and len(err.strip().splitlines()) == 1 and fragment in err, err


# -- the real network, through two worker processes ---------------------------------------------
@pytest.mark.slow
def test_batch_end_to_end_with_two_workers(capsys, photos, tmp_path):
    out = tmp_path / "out"
    argv = ["batch", "chelsea", photos / "a.png", "--style", "starry_night", "-o", out, "--size", "32",
            "--evals", "2", "--weights", "random", "--workers", "2", "-q"]
    status, _, err = call(capsys, *argv)
    assert status == 0, err
    data, items = summary(out)
    assert data["workers"] == 2 and data["counts"]["done"] == 2
    for name in ("chelsea__starry_night", "a__starry_night"):
        record = json.loads((out / f"{name}.json").read_text())
        assert verify_pair(out / f"{name}.png") == "output"
        assert record["weights"]["kind"] == "random" and record["result"]["evaluations"] == 2
        assert record["result"]["stop_reason"] == "max_evals" and max(record["output"]["shape"][:2]) == 32
    status, _, err = call(capsys, *argv)
    assert status == 0 and summary(out)[0]["counts"]["skipped"] == 2


def test_benchmark_batch_is_a_valid_command_of_the_size_asked(capsys, nothing_built, tmp_path):
    bench = load_benchmark("bench_batch")
    for jobs in (2, 4, 6):
        argv = bench.batch_argv(tmp_path / "out", jobs=jobs, size=48, evals=2, workers=2)
        assert argv[1:4] == ["-m", "styletransfer", "batch"]
        status, out, err = call(capsys, *argv[3:], "--dry-run")
        assert status == 0, err
        assert sum(line.startswith("  run ") for line in out.splitlines()) == jobs
