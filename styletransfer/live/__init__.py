"""Live steering in Jupyter: :mod:`.steering` (the UI-free :class:`~.steering.Steerer`),
:mod:`.widgets` (the ipywidgets sliders, ``explore``) and :mod:`.preview` (a live image while a run
goes). ``widgets`` and ``preview`` need the ``notebooks`` extra; ``steering`` does not.
"""

__all__: list[str] = []
