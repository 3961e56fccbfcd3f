"""Warn before a reload or a closed tab throws the picture away.

The picture lives in the page's kernel only: a reload starts a new kernel (and the old one is
culled), so all progress is gone. :class:`LeaveWarning` is a tiny invisible widget (an
`anywidget <https://anywidget.dev>`_ module, so it works in JupyterLab, Notebook and Voila alike)
that, while ``armed`` is true, asks the browser to confirm leaving the page (the browser's own
"Leave site? Changes you made may not be saved" dialog; browsers show it only after the visitor
has used the page, and choose its wording themselves).
"""

from __future__ import annotations

__all__ = ["leave_warning"]

_ESM = r"""
export default {
  render({ model, el }) {
    el.style.display = 'none';
    const guard = event => {
      if (!model.get('armed')) return;
      event.preventDefault();
      event.returnValue = '';  // older browsers need a value to show the dialog
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }
};
"""

try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - the notebooks extra installs anywidget
    anywidget = None


def leave_warning():
    """A :class:`LeaveWarning` widget (``armed`` false), or ``None`` without ``anywidget``."""
    return None if anywidget is None else LeaveWarning()


if anywidget is not None:

    class LeaveWarning(anywidget.AnyWidget):
        """Invisible widget: while ``armed``, leaving or reloading the page asks for confirmation."""

        _esm = _ESM
        armed = traitlets.Bool(False).tag(sync=True)
