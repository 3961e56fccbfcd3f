"""Helpers for the teaching notebooks: :mod:`.teaching` (small NumPy versions of the ideas),
:mod:`.plotting` (figures), :mod:`.reconstruct` (content and style reconstructions) and
:mod:`.envcheck` (the setup report). ``plotting`` needs the ``notebooks`` extra (matplotlib).
"""

__all__: list[str] = []
