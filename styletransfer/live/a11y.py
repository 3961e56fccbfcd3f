"""Screen-reader names and values for ipywidgets controls that do not carry their own.

ipywidgets 8 draws sliders with noUiSlider, whose handle (``role="slider"``) has no accessible
name and announces the *slider position*: a log slider for beta = 1,000 is read as "3". Its
images have no ``alt`` text and an HTML status line is not a live region. :class:`AccessibleNames`
is a tiny invisible widget (an `anywidget <https://anywidget.dev>`_ module, so it works in
JupyterLab, Notebook and Voila alike) that keeps these attributes right in the page:

* a slider box with CSS class ``cls`` gets ``aria-label`` = its rule's ``label`` on its handle
  and ``aria-valuetext`` = the rule's ``valuetext`` or else the text of its readout (the real
  value, "1,000"), followed by the rule's ``unit``;
* an image with class ``cls`` gets ``alt`` = the rule's ``alt``;
* any other element gets the rule's ``attrs`` (for example ``role="status"``, ``aria-live``).

The rules are a synced dict ``{css class: {...}}``; changing them updates the page.
"""

from __future__ import annotations

__all__ = ["AccessibleNames", "accessible_names"]

_ESM = r"""
function valueText(box) {
  const readout = box.querySelector('.widget-readout');
  return readout ? readout.innerText.trim() : null;
}
function apply(rules) {
  for (const [cls, rule] of Object.entries(rules)) {
    for (const el of document.getElementsByClassName(cls)) {
      const set = (node, key, value) => {
        if (value != null && node.getAttribute(key) !== String(value)) node.setAttribute(key, value);
      };
      const handle = el.querySelector('[role="slider"]');
      if (handle) {
        set(handle, 'aria-label', rule.label);
        const text = rule.valuetext != null ? String(rule.valuetext) : valueText(el);
        set(handle, 'aria-valuetext', text ? (rule.unit ? text + ' ' + rule.unit : text) : null);
      }
      if (el.tagName === 'IMG') set(el, 'alt', rule.alt);
      for (const [key, value] of Object.entries(rule.attrs || {})) set(el, key, value);
    }
  }
}
export default {
  render({ model, el }) {
    el.style.display = 'none';
    let queued = false;
    const update = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => { queued = false; apply(model.get('rules')); });
    };
    const observer = new MutationObserver(update);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true,
                                      attributes: true, attributeFilter: ['aria-valuetext', 'aria-valuenow', 'alt', 'src'] });
    model.on('change:rules', update);
    update();
    return () => observer.disconnect();
  }
};
"""


try:
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - the notebooks extra installs anywidget
    anywidget = None


def accessible_names(rules: dict[str, dict]):
    """An :class:`AccessibleNames` widget for ``rules``, or ``None`` without ``anywidget``.

    Without it the app still works; only the screen-reader repairs are missing.
    """
    return None if anywidget is None else AccessibleNames(rules=rules)


if anywidget is not None:

    class AccessibleNames(anywidget.AnyWidget):
        """Invisible widget that keeps ``aria-label``/``aria-valuetext``/``alt`` right (see module)."""

        _esm = _ESM
        rules = traitlets.Dict().tag(sync=True)
