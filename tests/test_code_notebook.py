"""Notebook 07 writes the whole algorithm out in plain TensorFlow/Keras and SciPy: it equals the library.

The notebook's imports, function definitions and UPPER_CASE constants (nothing else: no demo calls,
no images, no settings) are executed here, then each piece is compared with the library on small
random inputs and the seeded random-weight VGG19: the feature model (average pooling, truncated)
with :class:`styletransfer.features.FeatureExtractor`, the compiled loss and gradient with
:meth:`styletransfer.transfer.StyleTransfer.loss_and_grad`, and the SciPy L-BFGS-B loop with
:meth:`StyleTransfer.run` (same start, ``bounds="clip"``, same budget). Preprocessing and the Gram matrix
are ``# Teaching version`` cells, checked by ``tests/test_notebook_inline.py``.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "07_the_algorithm_in_code.ipynb"


def _kept(node: ast.stmt) -> bool:
    """Imports, ``def`` statements and ``UPPER_CASE = <literal>`` constants."""
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
        return True
    if not (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)):
        return False
    try:
        ast.literal_eval(node.value)
    except ValueError:
        return False
    return True


@pytest.fixture(scope="module")
def code(tmp_path_factory):
    """The notebook's definitions, executed in a fresh namespace (from a file: AutoGraph reads the source)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    body = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            body += [n for n in ast.parse(cell.source, filename=f"{NOTEBOOK.name}[{index}]").body if _kept(n)]
    source = tmp_path_factory.mktemp("notebook") / "notebook_07_definitions.py"
    source.write_text(ast.unparse(ast.Module(body=body, type_ignores=[])) + "\n")
    namespace = {"__name__": "notebook_07"}
    exec(compile(source.read_text(), str(source), "exec"), namespace)  # noqa: S102
    for name in ("preprocess", "deprocess", "feature_model", "gram_matrix", "make_loss_and_grad", "optimize"):
        assert callable(namespace.get(name)), f"{NOTEBOOK.name} must define {name}()"
    return namespace


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(7)
    photo = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
    painting = rng.integers(0, 256, (44, 36, 3), dtype=np.uint8)  # another shape, as a painting may have
    return photo, painting


@pytest.fixture(scope="module")
def vgg():
    from styletransfer.features import build_vgg19
    from styletransfer.weights import resolve_weights

    return build_vgg19(spec=resolve_weights("random"), pooling="max")


def _relative(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def test_the_code_is_short(code):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    definitions = [c.source for c in nb.cells if c.cell_type == "code" and (
        c.source.startswith("# Teaching version") or c.source.startswith("# Piece"))]
    lines = [line for s in definitions for line in s.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert 40 <= len(lines) <= 80, f"the algorithm should take 40-80 lines of code; it takes {len(lines)}"


def test_feature_model_equals_feature_extractor(code, vgg, images):
    from styletransfer.features import FeatureExtractor

    layers = ["block1_conv1", "block3_conv1", "block4_conv2", "block5_conv1"]
    x = code["preprocess"](images[0])
    model = code["feature_model"](vgg, layers)
    ours, library = model(x), FeatureExtractor(layers, weights="random", pooling="avg")(x)
    assert set(ours) == set(layers)
    for name in layers:
        assert _relative(ours[name], library[name]) < 1e-5, name
    assert model.layers[-1].name == "block5_conv1", "the model must stop at the deepest layer asked for"
    pools = [layer for layer in model.layers if "pool" in layer.name]
    assert pools and all(type(p).__name__ == "AveragePooling2D" for p in pools)
    # max pooling would be a different network: the comparison above can fail
    max_features = FeatureExtractor(["block5_conv1"], weights="random", pooling="max")(x)["block5_conv1"]
    assert _relative(ours["block5_conv1"], max_features) > 1e-2


@pytest.mark.parametrize("weights", [(1.0, 10.0, 0.01), (2.0, 0.5, 1.0), (0.0, 1.0, 0.0)])
def test_loss_and_gradient_equal_the_library(code, vgg, images, weights):
    import styletransfer as st

    alpha, beta, tv = weights
    photo, painting = images
    ours = code["make_loss_and_grad"](photo, painting, vgg, alpha=alpha, beta=beta, tv=tv)
    problem = st.StyleTransfer(photo, painting, size=None, weights="random",
                               content_weight=alpha, style_weight=beta, tv_weight=tv)
    rng = np.random.default_rng(1)
    for _ in range(2):
        x = code["preprocess"](rng.integers(0, 256, photo.shape, dtype=np.uint8))
        loss, grad = ours(x)
        library_loss, _, library_grad = problem.loss_and_grad(x)
        assert math.isclose(float(loss), float(library_loss), rel_tol=1e-4)
        assert _relative(grad, library_grad) < 1e-3


def test_lbfgs_loop_follows_the_library_run(code, vgg, images):
    import styletransfer as st

    photo, painting = images
    loss_and_grad = code["make_loss_and_grad"](photo, painting, vgg)
    start = code["preprocess"](photo)
    x, evaluations = code["optimize"](loss_and_grad, start, evals=12)
    assert 12 <= evaluations <= 15
    low, high = -np.array(st.constants.IMAGENET_MEAN_BGR), 255 - np.array(st.constants.IMAGENET_MEAN_BGR)
    assert np.all(x >= low - 1e-3) and np.all(x <= high + 1e-3), "the result is clipped to RGB [0, 255]"
    ours = float(loss_and_grad(x)[0])
    assert ours < 0.8 * float(loss_and_grad(start)[0])
    problem = st.StyleTransfer(photo, painting, size=None, weights="random")
    library = problem.run(init="content", max_evals=12, bounds="clip", progress=False)
    assert math.isclose(ours, library.best_loss, rel_tol=0.05), (ours, library.best_loss)
    assert code["deprocess"](x).shape == photo.shape
