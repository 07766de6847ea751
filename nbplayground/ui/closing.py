"""Closing a widget together with every widget it holds.

``Widget.close`` closes one comm.  A container's children, a figure's marks,
axes and scales, a mark's image and every ``Layout``/``Style`` stay open (and
in the kernel's widget registry) unless they are closed too.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets


def widgets_in(value: Any):
    """The widgets in ``value``: a widget, or lists, tuples and dicts of them."""
    if isinstance(value, widgets.Widget):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from widgets_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from widgets_in(v)


def close_tree(widget: widgets.Widget, _seen: set | None = None) -> None:
    """Close ``widget`` and every widget it holds, depth first.

    Walks the synced traits (children, marks, scales, layout, style) and the
    instance attributes too (a panel's spare image buffer, its event listeners).
    """
    seen = set() if _seen is None else _seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    values = []
    for name in getattr(widget, "keys", ()):
        try:
            values.append(getattr(widget, name))
        except Exception:
            continue
    values.extend(vars(widget).values())
    for value in values:
        for item in widgets_in(value):
            close_tree(item, seen)
    widget.close()
