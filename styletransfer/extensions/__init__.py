"""Beyond the paper: coarse-to-fine, colour preservation, masks and several styles, presets, the
weight conventions of other implementations, and the modern toolbox (style losses beyond Gram
matrices, image parameterisations).

Modules: :mod:`.multiscale`, :mod:`.color`, :mod:`.spatial`, :mod:`.presets`, :mod:`.conventions`,
:mod:`.style_losses`, :mod:`.parameterization`. They build on the core
(:mod:`styletransfer.transfer`, :mod:`styletransfer.optimize`); the core imports only the two
registries behind its ``style_loss=`` and ``parameterization=`` switches (``style_losses``,
``parameterization``), which themselves import nothing above ``losses``.
"""

__all__: list[str] = []
