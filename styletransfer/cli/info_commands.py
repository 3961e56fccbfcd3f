"""``styletransfer samples``, ``fetch`` and ``info``: what is built in, what is cached, what this machine has."""

from __future__ import annotations

import json
import os

from .. import constants as C
from ..cache import cache_dir, downloads_off, keras_cache_dir
from ..record import library_versions, machine_description
from ..samples import SAMPLES, fetch_sample, sample_status
from ..weights import download_weights, weights_cache_path, weights_status
from .console import EXIT_OK, EXIT_USAGE, error

__all__ = ["cmd_samples", "cmd_fetch", "cmd_info"]


def _sample_status(name: str) -> str:
    status = sample_status(name)
    if status == "shipped":
        return status
    fix = "" if status == "cached" else f" (run `{C.FETCH_COMMAND}`)"
    return f"fetched: {'cached copy corrupt' if status == 'corrupt' else status}{fix}"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def cmd_samples(args, argv, state) -> int:
    rows = [["name", "kind", "title", "credit", "licence", "status"]]
    rows += [[s.name, s.kind, s.title, s.credit, s.licence, _sample_status(s.name)] for s in SAMPLES.values()]
    print(_table(rows))
    print(f"\nfetched samples are cached in {cache_dir()}; `{C.FETCH_COMMAND}` downloads them ahead of time")
    return EXIT_OK


def cmd_fetch(args, argv, state) -> int:
    print(f"fetching into {weights_cache_path().parent} (weights) and {cache_dir()} (samples)")
    if downloads_off():
        print(f"note: {C.OFFLINE_ENV_VAR} is set, so nothing is downloaded; unset it to fetch")
    items = [("VGG19 ImageNet weights", download_weights)]
    items += [(f"sample {s.name}", lambda n=s.name: fetch_sample(n)) for s in SAMPLES.values() if not s.shipped]
    failed = 0
    for label, fetch in items:
        try:
            path = fetch()
        except Exception as exc:  # noqa: BLE001 - report every item; one failure must not stop the rest
            failed += 1
            print(f"  FAILED  {label}: {' '.join(str(exc).split())}", flush=True)
        else:
            print(f"  ok      {label}: {path}", flush=True)
    if failed:
        error(f"{failed} of {len(items)} items could not be fetched; see the lines above for each fix")
        return EXIT_USAGE
    print(f"all {len(items)} items are in the cache; this machine can now run everything offline")
    return EXIT_OK


def cmd_info(args, argv, state) -> int:
    from ..devices import device_report, prepare_gpus

    prepare_gpus()  # what a run would get: memory growth on
    report = device_report()
    devices = report["devices"]
    info = {
        "versions": library_versions(),
        "devices": devices,
        "gpus": report["gpus"],
        "precision": {"fast reduced types": report["fast_reduced_types"],
                      "cpu flags": report["cpu_reduced_flags"], "default": C.DEFAULT_PRECISION},
        "machine": machine_description(),
        "weights": weights_status(),
        "folders": {"keras cache": str(keras_cache_dir()), "weights file": str(weights_cache_path()),
                    "sample cache": str(cache_dir())},
        "environment": {name: os.environ.get(name) for name in
                        (C.WEIGHTS_ENV_VAR, C.CACHE_ENV_VAR, C.OFFLINE_ENV_VAR, C.QUICK_ENV_VAR, C.VERBOSE_ENV_VAR,
                         "KERAS_HOME")},
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return EXIT_OK
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    gpu = "" if any(d.startswith("GPU") for d in devices) else " (no GPU: CPU-only TensorFlow or no CUDA device)"
    print("devices:  " + "; ".join(devices) + gpu)
    for card in info["gpus"]:
        print(f"          {card['name']}: {card['model']}, compute capability "
              f"{'.'.join(map(str, card['compute_capability'])) or '?'}, memory growth {card['memory_growth']}")
    fast = ", ".join(report["fast_reduced_types"]) or "none (no bfloat16 or float16 instructions found)"
    print(f"precision: fast reduced types on this hardware: {fast}; --precision auto uses one when a short "
          f"check finds it faster (default {C.DEFAULT_PRECISION})")
    machine = info["machine"]
    print(f"machine:  {machine['cpu']}, {machine['usable_cores']} usable cores, {machine['platform']}")
    print(f"weights:  {info['weights']['status']}\n          {info['weights']['path']} ({info['weights']['source']})")
    for name, folder in info["folders"].items():
        print(f"{name + ':':<14}{folder}")
    for name, value in info["environment"].items():
        print(f"${name} = {value if value is not None else '(not set)'}")
    return EXIT_OK
