"""Every function a notebook builds by hand for teaching equals the library's version.

For notebook authors
--------------------
Start the code cell with ``# Teaching version of styletransfer.<module>.<function>`` and define
``def <function>(...)`` in it. This test takes only the imports and ``def`` statements of that
cell (the rest of the cell, for example a demo call, is not run), executes them in a namespace
holding ``np``, ``tf``, ``keras``, ``math`` and ``st`` (``import styletransfer as st``) and the
imports of the notebook's Setup cell (the first code cell after ``## Setup``), and
compares the function with the library's on several random inputs from :data:`GENERATORS`.
A function without a generator fails: add one to :data:`GENERATORS` (``rng -> (args, kwargs)``).
"""

from __future__ import annotations

import ast
import importlib
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import notebook_nav  # noqa: E402

MARKER = re.compile(r"^# Teaching version of (styletransfer(?:\.\w+)+)\.(\w+)\s*$")
TRIALS = 5

Inputs = tuple[tuple, dict]


def _features(rng: np.random.Generator, batch: int | None = None) -> np.ndarray:
    """ReLU-like activations (B, H, W, C) of a random small size."""
    b = batch or int(rng.integers(1, 3))
    h, w, c = (int(v) for v in rng.integers([2, 2, 1], [9, 9, 17]))
    return np.maximum(rng.normal(size=(b, h, w, c)), 0).astype(np.float32) * float(rng.uniform(0.5, 3))


def _gram_pair(rng: np.random.Generator) -> Inputs:
    b, c = int(rng.integers(1, 3)), int(rng.integers(1, 17))
    grams = [rng.normal(size=(b, c, c)).astype(np.float32) for _ in range(2)]
    return tuple(g @ np.swapaxes(g, -1, -2) for g in grams), {}


def _same_shape_features(rng: np.random.Generator) -> Inputs:
    first = _features(rng)
    second = np.maximum(rng.normal(size=first.shape), 0).astype(np.float32)
    return (first, second), {}


def _image_uint8(rng: np.random.Generator) -> np.ndarray:
    h, w = (int(v) for v in rng.integers(4, 33, size=2))
    return rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def _preprocessed(rng: np.random.Generator) -> np.ndarray:
    h, w = (int(v) for v in rng.integers(4, 33, size=2))
    return rng.uniform(-140, 160, size=(1, h, w, 3)).astype(np.float32)  # out of range on purpose


def _grey_and_kernel(rng: np.random.Generator) -> Inputs:
    h, w, k = int(rng.integers(5, 20)), int(rng.integers(5, 20)), int(rng.choice([1, 2, 3, 5]))
    return (rng.uniform(0, 1, size=(h, w)), rng.normal(size=(k, k))), {}


def _pool_input(rng: np.random.Generator) -> Inputs:
    size = int(rng.choice([2, 3]))
    shape = tuple(int(v) for v in rng.integers(size, 17, size=2))
    return (rng.normal(size=shape),), {"size": size, "mode": str(rng.choice(["max", "avg"]))}


def _two_images(rng: np.random.Generator) -> Inputs:
    shape = (int(rng.integers(2, 20)), int(rng.integers(2, 20)), 3)
    return (rng.uniform(0, 1, size=shape), rng.uniform(0, 1, size=shape)), {}


#: Qualified library name -> input generator ``rng -> (args, kwargs)``. Notebook authors: extend.
GENERATORS: dict[str, Callable[[np.random.Generator], Inputs]] = {
    "styletransfer.losses.gram_matrix": lambda rng: ((_features(rng),), {}),
    "styletransfer.losses.content_loss": _same_shape_features,
    "styletransfer.losses.style_layer_loss": _gram_pair,
    "styletransfer.losses.total_variation_loss": lambda rng: ((_preprocessed(rng),), {}),
    "styletransfer.images.preprocess": lambda rng: ((_image_uint8(rng),), {}),
    "styletransfer.images.deprocess": lambda rng: ((_preprocessed(rng),), {}),
    "styletransfer.notebook.teaching.euclidean_distance": _two_images,
    "styletransfer.notebook.teaching.convolve2d": _grey_and_kernel,
    "styletransfer.notebook.teaching.pool2d": _pool_input,
    "styletransfer.notebook.teaching.dense_parameter_count": lambda rng: (
        (list(int(v) for v in rng.integers(1, 5000, size=int(rng.integers(2, 5)))),), {}),
    "styletransfer.notebook.teaching.conv_parameter_count": lambda rng: (
        tuple(int(v) for v in (rng.choice([1, 3, 5]), rng.integers(1, 513), rng.integers(1, 513))), {}),
}


def setup_imports(cells) -> str:
    """The import statements of a notebook's Setup cell (the first code cell after ``## Setup``)."""
    setup = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"
                  and re.search(r"^## Setup\s*$", c.source, re.MULTILINE)), None)
    code = next((c for c in cells[setup + 1:] if c.cell_type == "code"), None) if setup is not None else None
    return definitions_only(code.source, "setup", kinds=(ast.Import, ast.ImportFrom)) if code else ""


def _teaching_cells():
    found = []
    for path in notebook_nav.find_notebooks(ROOT / "notebooks"):
        nb = nbformat.read(path, as_version=4)
        imports = setup_imports(nb.cells)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            match = MARKER.match(cell.source.split("\n", 1)[0])
            if match:
                module, name = match.groups()
                found.append(pytest.param(path.name, index, module, name, imports + "\n" + cell.source,
                                          id=f"{path.name}:{module}.{name}"))
    return found


def definitions_only(source: str, filename: str, *, kinds=(ast.Import, ast.ImportFrom, ast.FunctionDef)) -> str:
    """The imports and function definitions of a cell (no demo calls, no notebook variables)."""
    tree = ast.parse(source, filename=filename)
    kept = [n for n in tree.body if isinstance(n, kinds)]
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def _namespace() -> dict:
    import keras
    import tensorflow as tf

    import styletransfer as st

    return {"np": np, "tf": tf, "keras": keras, "math": math, "st": st, "__name__": "notebook_cell"}


def _as_arrays(value):
    if isinstance(value, dict):
        return {k: _as_arrays(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not np.isscalar(value):
        return [_as_arrays(v) for v in value]
    return np.asarray(value)


def assert_same(teaching, library, *, rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Equal structure and values (float tolerance) of two results."""
    a, b = _as_arrays(teaching), _as_arrays(library)
    if isinstance(b, dict):
        assert isinstance(a, dict) and a.keys() == b.keys()
        for key in b:
            assert_same(a[key], b[key], rtol=rtol, atol=atol)
    elif isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y, rtol=rtol, atol=atol)
    else:
        assert a.shape == b.shape, f"shape {a.shape} != library shape {b.shape}"
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol)


CELLS = _teaching_cells()


@pytest.mark.parametrize(("notebook", "index", "module", "name", "source"), CELLS)
def test_teaching_version_equals_library(notebook, index, module, name, source):
    qualified = f"{module}.{name}"
    assert qualified in GENERATORS, (
        f"{notebook} cell {index} teaches {qualified} but tests/test_notebook_inline.py has no input "
        f"generator for it: add GENERATORS[{qualified!r}] = lambda rng: (args, kwargs)"
    )
    library = getattr(importlib.import_module(module), name, None)
    assert callable(library), f"{notebook} cell {index}: {qualified} does not exist in the library"
    namespace = _namespace()
    exec(compile(definitions_only(source, f"{notebook}[{index}]"), f"{notebook}[{index}]", "exec"), namespace)  # noqa: S102
    teaching = namespace.get(name)
    assert callable(teaching), f"{notebook} cell {index}: the cell must define `def {name}(...)`"
    rng = np.random.default_rng(2015)
    for _ in range(TRIALS):
        args, kwargs = GENERATORS[qualified](rng)
        try:
            assert_same(teaching(*args, **kwargs), library(*args, **kwargs))
        except AssertionError as exc:
            shapes = [getattr(a, "shape", a) for a in args]
            raise AssertionError(
                f"{notebook} cell {index}: the teaching {name} differs from {qualified} for inputs "
                f"{shapes} {kwargs}: {exc}"
            ) from None


@pytest.mark.parametrize("qualified", sorted(GENERATORS))
def test_generators_fit_the_library(qualified):
    """Each registry entry names a real library function that accepts its inputs."""
    module, name = qualified.rsplit(".", 1)
    function = getattr(importlib.import_module(module), name)
    rng = np.random.default_rng(0)
    for _ in range(TRIALS):
        args, kwargs = GENERATORS[qualified](rng)
        result = _as_arrays(function(*args, **kwargs))
        flat = result if isinstance(result, list) else [result]
        assert all(np.all(np.isfinite(np.asarray(r, dtype=np.float64))) for r in flat)


def test_teaching_marker_is_parsed():
    """The marker regex and the definitions filter do what the docstring promises."""
    source = "# Teaching version of styletransfer.losses.gram_matrix\nimport numpy as np\n" \
             "def gram_matrix(f):\n    return f\nprint(undefined_notebook_variable)\n"
    assert MARKER.match(source.splitlines()[0]).groups() == ("styletransfer.losses", "gram_matrix")
    kept = definitions_only(source, "x")
    assert "def gram_matrix" in kept and "undefined_notebook_variable" not in kept


def test_setup_imports_are_taken_from_the_setup_cell():
    cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("import os\nx = 1"),
             nbformat.v4.new_markdown_cell("## Setup"),
             nbformat.v4.new_code_cell("import math\nfrom styletransfer.constants import IMAGENET_MEAN_BGR\ny = 2")]
    imports = setup_imports(cells)
    assert "IMAGENET_MEAN_BGR" in imports and "import math" in imports
    assert "os" not in imports and "y = 2" not in imports
    assert setup_imports(cells[:2]) == ""
