"""Exercise 12: colour preservation by luminance transfer (the post-hoc YIQ/YUV swap).

The reference is the library's :mod:`styletransfer.extensions.color` (``preserve_colors``: YIQ with the
stylised luminance and the content's chroma), applied through its ``rgb_to_yiq``/``yiq_to_rgb``
so that the tiny test images need not pass ``load_image``'s minimum size. YIQ and YUV share the
luminance ``Y = 0.299 R + 0.587 G + 0.114 B`` and both chroma pairs are linear in
``(R - Y, B - Y)``, so either space gives the same image: ``content + (Y_stylised - Y_content)`` on
every channel. :func:`luminance_transfer` is that shortcut, used to model mistakes (other luma
weights, swapped roles).
"""

from __future__ import annotations

import numpy as np

from styletransfer.extensions import color

from ._checking import Case, Mistake
from ._exercise import Exercise

__all__ = ["PRESERVE_COLORS", "luminance_transfer", "LUMA"]

#: BT.601 luminance weights, shared by YIQ and YUV.
LUMA = np.array([0.299, 0.587, 0.114])


def luminance_transfer(stylized: np.ndarray, content: np.ndarray, *, luma=LUMA) -> np.ndarray:
    """The stylised image's luminance with the content's colours, RGB ``uint8``."""
    content = np.asarray(content, dtype=np.float64)
    stylized = np.asarray(stylized, dtype=np.float64)
    shift = stylized @ np.asarray(luma) - content @ np.asarray(luma)
    return np.clip(np.rint(content + shift[..., None]), 0, 255).astype(np.uint8)


# -- solution ----------------------------------------------------------------------------------
def preserve_colors(stylized, content):
    """Luminance (Y) of the stylised image, colours (I, Q) of the content; RGB uint8 in and out."""
    rgb_to_yiq = np.array([[0.299, 0.587, 0.114],
                           [0.596, -0.274, -0.322],
                           [0.211, -0.523, 0.312]])
    content_yiq = content.astype(np.float64) @ rgb_to_yiq.T
    stylized_yiq = stylized.astype(np.float64) @ rgb_to_yiq.T
    combined = np.concatenate([stylized_yiq[..., :1], content_yiq[..., 1:]], axis=-1)
    rgb = combined @ np.linalg.inv(rgb_to_yiq).T
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


# -- checking ----------------------------------------------------------------------------------
def _cases() -> list[Case]:
    rng = np.random.default_rng(12)
    smooth = np.linspace(60, 190, 30).reshape(5, 6, 1) * np.array([1.0, 0.8, 0.6])
    grey = np.repeat(rng.integers(0, 256, (4, 4, 1)), 3, axis=-1)
    pairs = (
        ("smooth 5x6 image", smooth, rng.integers(40, 216, (5, 6, 3))),
        ("random 6x4 images (some pixels clip)", rng.integers(0, 256, (6, 4, 3)), rng.integers(0, 256, (6, 4, 3))),
        ("grey content (no colour to keep)", grey, rng.integers(0, 256, (4, 4, 3))),
        ("one row of 7 pixels", rng.integers(0, 256, (1, 7, 3)), rng.integers(0, 256, (1, 7, 3))),
    )
    return [Case(label, (s.astype(np.uint8), c.astype(np.uint8)), data={"dtype": "uint8", "atol": 1.01})
            for label, c, s in pairs]


def _reference(case: Case) -> np.ndarray:
    stylized, content = case.args
    mixed = color.rgb_to_yiq(content)
    mixed[..., 0] = color.luminance(stylized)
    return np.clip(np.rint(color.yiq_to_rgb(mixed)), 0, 255).astype(np.uint8)


def _wrapped(case: Case) -> np.ndarray:
    stylized, content = (a.astype(np.float64) for a in case.args)
    shift = stylized @ LUMA - content @ LUMA
    return np.rint(content + shift[..., None]).astype(np.int64).astype(np.uint8)


def _components(case: Case, got: np.ndarray, expected: np.ndarray) -> str | None:
    """Say whether the luminance or the colours are off (on pixels the reference did not clip)."""
    if got.shape != expected.shape:
        return None
    stylized, content = (a.astype(np.float64) for a in case.args)
    inside = np.all((expected > 0) & (expected < 255), axis=-1)
    got = got.astype(np.float64)
    luma_error = np.abs(got @ LUMA - stylized @ LUMA)[inside]
    chroma_error = np.abs((got - (got @ LUMA)[..., None]) - (content - (content @ LUMA)[..., None]))[inside]
    parts = []
    if luma_error.size and luma_error.max() > 1.5:
        parts.append(f"the luminance differs from the stylised image's by up to {luma_error.max():.3g}")
    if chroma_error.size and chroma_error.max() > 1.5:
        parts.append(f"the colours (chroma) differ from the content's by up to {chroma_error.max():.3g}")
    return "; ".join(parts) if parts else None


PRESERVE_COLORS = Exercise(
    number=12, name="preserve_colors", title="Colour preservation by luminance transfer", solutions=[preserve_colors],
    cases=_cases, reference=_reference,
    mistakes=[
        Mistake("swapped: you kept the stylised image's colours and the content's luminance; take Y from the "
                "stylised image and the chroma from the content", lambda case: luminance_transfer(*case.args[::-1])),
        Mistake("values wrapped around: clip to [0, 255] (np.clip) before converting to uint8", _wrapped),
        Mistake("your luminance uses the BT.709 weights; YIQ and YUV use Y = 0.299 R + 0.587 G + 0.114 B",
                lambda case: luminance_transfer(*case.args, luma=[0.2126, 0.7152, 0.0722])),
        Mistake("luminance is not the plain average of R, G and B: use Y = 0.299 R + 0.587 G + 0.114 B",
                lambda case: luminance_transfer(*case.args, luma=[1 / 3, 1 / 3, 1 / 3])),
        Mistake("you returned the stylised image unchanged", lambda case: case.args[0]),
        Mistake("you returned the content image unchanged", lambda case: case.args[1]),
    ],
    diagnosers=[_components],
    hints=[
        "Convert both images to YIQ (or YUV): Y is the brightness, I and Q (U and V) the colour.",
        "Keep Y of the stylised image and I, Q of the content image; convert back with the inverse matrix "
        "(np.linalg.inv).",
        "Work in float64 and finish with np.clip(np.rint(rgb), 0, 255).astype(np.uint8).",
    ],
)
