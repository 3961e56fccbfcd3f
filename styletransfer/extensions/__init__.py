"""Beyond the paper: coarse-to-fine, colour preservation, masks and several styles, presets, and
the weight conventions of other implementations.

Modules: :mod:`.multiscale`, :mod:`.color`, :mod:`.spatial`, :mod:`.presets`, :mod:`.conventions`.
They build on the core (:mod:`styletransfer.transfer`, :mod:`styletransfer.optimize`) and nothing
in the core imports them.
"""

__all__: list[str] = []
