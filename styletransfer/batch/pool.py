"""Running a batch's jobs: in this process (one worker), or in ``N`` worker processes on one machine.

Each worker is a fresh ``spawn`` process that imports TensorFlow once and then runs jobs one
after another (:func:`~styletransfer.batch.run.run_one`). So that ``N`` workers do not fight over
the CPU, each gets ``cores // N`` TensorFlow (and OpenMP) threads. Where there are GPUs
(``$CUDA_VISIBLE_DEVICES``, else ``nvidia-smi``), worker ``k`` sees only GPU ``k mod G``
(``CUDA_VISIBLE_DEVICES``); workers that share a GPU allocate its memory as they need it rather
than all of it at once.

Ctrl-C or SIGTERM: no new job starts; the batch sends SIGTERM to the workers that are running one,
each of which saves its best image so far (marked ``interrupted``), and stops. Workers ignore
Ctrl-C themselves, so a terminal's Ctrl-C (sent to every process) counts once. A worker that dies
(out of memory, killed) fails its job only; a fresh worker takes the next one.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait

from .. import constants as C
from .run import Item, run_one

__all__ = ["detect_gpus", "worker_environment", "run_items"]

OnDone = Callable[[Item, dict], None]


def detect_gpus() -> list[str]:
    """The GPUs a worker may be given: ``$CUDA_VISIBLE_DEVICES`` if set, else ``nvidia-smi``'s (else none)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [d.strip() for d in visible.split(",") if d.strip() and d.strip() != "-1"]
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        found = subprocess.run([smi, "--query-gpu=index", "--format=csv,noheader"], capture_output=True, text=True,
                               timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in found.stdout.splitlines() if line.strip().isdigit()] if found.returncode == 0 else []


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worker_environment(slot: int, workers: int, gpus: Sequence[str], cores: int | None = None) -> dict[str, str]:
    """Environment variables of worker ``slot`` of ``workers``: its threads and its GPU."""
    threads = max(1, (cores or _cores()) // workers)
    env = {"OMP_NUM_THREADS": str(threads), "TF_NUM_INTRAOP_THREADS": str(threads),
           "TF_NUM_INTEROP_THREADS": str(min(C.BATCH_INTEROP_THREADS, threads))}
    if gpus:
        env["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
        if workers > len(gpus):
            env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    return env


def _worker(conn, env: dict[str, str]) -> None:  # pragma: no cover - runs in the worker process
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch forwards Ctrl-C as SIGTERM, once
    try:
        import tensorflow as tf  # the package (imported to unpickle this function) already quietened its log

        threads = int(env["TF_NUM_INTRAOP_THREADS"])
        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(int(env["TF_NUM_INTEROP_THREADS"]))
        except RuntimeError:
            pass
        while True:
            message = conn.recv()
            if message is None:
                break
            index, options = message
            conn.send((index, run_one(options)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        hint = " (out of memory? try fewer --workers or a smaller --size)" if -code == signal.SIGKILL else ""
        return f"the worker process was killed by signal {-code}{hint}"
    return f"the worker process died (exit status {code})"


class _Slot:
    def __init__(self, context, number: int, env: dict[str, str], target: Callable) -> None:
        self.number, self.env, self.context, self.target = number, env, context, target
        self.item: Item | None = None
        self.index = -1
        self._start()

    def _start(self) -> None:
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(target=self.target, args=(child, self.env), daemon=True,
                                            name=f"styletransfer-batch-worker-{self.number}")
        self.process.start()
        child.close()

    def restart(self) -> None:
        self.conn.close()
        self.process.join(timeout=5)
        self._start()

    def give(self, index: int, item: Item) -> None:
        self.index, self.item = index, item
        self.conn.send((index, item.options))

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass


def _in_process(items: Sequence[Item], on_done: OnDone) -> str | None:
    from ..cli.job import Terminated

    for item in items:
        try:
            report = run_one(item.options)
            on_done(item, report)
        except KeyboardInterrupt as exc:  # between two jobs, or while a report is handled
            return "terminated" if isinstance(exc, Terminated) else "interrupted"
        if report["status"] == "interrupted":
            return "terminated" if report["terminated"] else "interrupted"
    return None


def run_items(items: Sequence[Item], *, workers: int, on_done: OnDone, gpus: Sequence[str] = (),
              worker: Callable = _worker) -> str | None:
    """Run every item, calling ``on_done(item, report)`` as each finishes.

    ``worker(conn, env)`` is what each worker process runs (receive ``(index, options)``, send
    ``(index, report)``, stop at ``None``); tests give a stand-in. Returns ``None`` when all ran,
    else ``"interrupted"`` (Ctrl-C) or ``"terminated"`` (SIGTERM); items not started then keep
    their status ``"pending"``.
    """
    if workers <= 1 or len(items) <= 1:
        return _in_process(items, on_done)
    from ..cli.job import Terminated

    context = multiprocessing.get_context("spawn")
    workers = min(workers, len(items))
    slots = [_Slot(context, k, worker_environment(k, workers, gpus), worker) for k in range(workers)]
    queue = deque(enumerate(items))
    stopped: str | None = None
    try:
        while True:
            if stopped is None:
                for slot in slots:
                    if slot.item is None and queue:
                        if not slot.process.is_alive():
                            slot.restart()
                        slot.give(*queue.popleft())
            busy = [slot for slot in slots if slot.item is not None]
            if not busy:
                break
            try:
                ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy])
            except KeyboardInterrupt as exc:
                if stopped is not None:  # a second Ctrl-C: stop waiting for the workers' last saves
                    break
                stopped = "terminated" if isinstance(exc, Terminated) else "interrupted"
                for slot in busy:
                    if slot.process.pid and slot.process.is_alive():
                        os.kill(slot.process.pid, signal.SIGTERM)
                continue
            for slot in busy:
                if slot.conn not in ready and slot.process.sentinel not in ready:
                    continue
                item = slot.item
                try:
                    _, report = slot.conn.recv()
                except (EOFError, OSError):
                    slot.process.join(timeout=10)
                    status = "interrupted" if stopped else "failed"
                    why = "stopped before it finished" if stopped else _death(slot.process.exitcode)
                    report = {"status": status, "reason": why, "seconds": 0.0, "warnings": [], "terminated": False}
                    slot.item = None
                    if stopped is None:
                        slot.restart()
                else:
                    slot.item = None
                on_done(item, report)
                if report["status"] == "interrupted" and stopped is None:
                    stopped = "terminated" if report["terminated"] else "interrupted"
    finally:
        for slot in slots:
            slot.stop()
        for slot in slots:
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                slot.process.terminate()
    return stopped
