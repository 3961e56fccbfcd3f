"""Exceptions with one-line messages that name the problem and the fix."""

from __future__ import annotations

__all__ = ["StyleTransferError", "ImageError", "WeightsError", "LayerError", "ParameterError", "OutputError",
           "ResourceError", "ClosedError", "first_line"]


class StyleTransferError(ValueError):
    """Base class of every error this library raises on bad input."""


class ImageError(StyleTransferError):
    """An image could not be read, or is too small or too large."""


class WeightsError(StyleTransferError):
    """The VGG19 weights are missing, corrupt or unknown."""


class LayerError(StyleTransferError):
    """A layer name is not a VGG19 layer."""


class ParameterError(StyleTransferError):
    """A numeric parameter is NaN, infinite, negative or otherwise out of range."""


class OutputError(StyleTransferError):
    """An output cannot or must not be written (it is an input, exists, is locked, no space)."""


class ResourceError(StyleTransferError):
    """A run would need more memory than this machine has (see :mod:`styletransfer.estimate`)."""


class ClosedError(StyleTransferError):
    """A live session (:class:`~styletransfer.live.steering.Steerer`) was used after ``close()``."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type's name if it has none), to quote in a one-line error."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
