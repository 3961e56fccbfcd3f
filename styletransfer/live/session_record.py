"""Save a steering session: the current picture as PNG and a run record covering every change.

The record holds every evaluation since the start (or the last Reset), the weights in force from
each evaluation on (``steering.changes``) and the weights kind, so a random-weight picture is never
mistaken for the real result. Both files are written atomically (:func:`styletransfer.record.save_result`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ImageError, ParameterError
from ..images import file_in_path
from ..optimize import Result
from ..record import save_result

__all__ = ["save_session"]


def _make_folder(path: Path) -> None:
    """Create ``path``'s folder; a one-line error if a part of it is a file or it cannot be made."""
    blocker = file_in_path(path)
    if blocker is not None:
        raise ImageError(f"cannot save {path}: {blocker} is a file, not a folder; choose another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImageError(f"cannot save {path}: cannot create folder {path.parent} ({exc.strerror or exc}); "
                         "choose another path") from None


def save_session(path: str | os.PathLike, *, image: np.ndarray, settings: dict, problem, history: list[dict],
                 markers: list[tuple[int, dict]], last_result, elapsed: float, init: str, evals_per_run: int,
                 runs: int, sketch_evaluations: int = 0) -> tuple[Path, Path]:
    """Write ``image`` to ``path`` (``.png``) and the session's record beside it (``.json``).

    ``sketch_evaluations`` counts the evaluations of the quick half-size sketches after changes
    (not in ``history``, which holds the full-size problem's evaluations only).
    """
    path = Path(path).expanduser()
    if path.suffix.lower() != ".png":
        raise ParameterError(f"save path must end in .png, got {path.name!r}")
    _make_folder(path)
    result = Result(
        image=image, history=history, best_loss=history[-1]["total"] if history else float("nan"),
        evaluations=len(history), elapsed=elapsed,
        stop_reason=last_result.stop_reason if last_result else "not run",
        message="interactive session (warm-started after every change)", optimizer="lbfgs",
        weights_kind=problem.spec.kind, weights_label=problem.spec.label,
    )
    parameters = {**settings, "init": init, "evals_per_run": evals_per_run,
                  "style_layers": list(problem.style_layers), "pooling": problem.pooling}
    return save_result(
        path, result, parameters, content=problem.content_image, style=problem.style_image, weights=problem.spec,
        extra={"steering": {"runs": runs, "sketch_evaluations": sketch_evaluations,
                            "changes": [{"from_evaluation": e, **w} for e, w in markers]}},
    )
