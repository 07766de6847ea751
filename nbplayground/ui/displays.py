"""Which cell displayed which widget, so that re-running a cell stops what it showed before.

A re-run cell replaces its output: the widgets of the earlier run have no view any more,
but their models live on in the kernel, and one that was playing kept training (a core's
worth of CPU) with nobody watching.  :func:`retire_earlier_displays` is called by the
Playground, Compare and Descent when they are displayed: it halts and closes whatever an
*earlier run* of the same cell displayed (widgets shown by the same run are siblings and
stay), using the cell id JupyterLab sends with each execution request.  Outside a kernel,
or when the front end sends no cell id, it does nothing.

A widget taking part has ``_halt()`` (stop playing, no redraw), ``close()`` and a
``_closed`` flag, and calls :func:`forget` from its ``close()``.
"""

from __future__ import annotations

import logging
import weakref

log = logging.getLogger("nbplayground")

#: cell id -> list of (weak reference to a widget, id of the execution that showed it)
DISPLAYED: dict[str, list] = {}


def display_context() -> tuple[str | None, str | None]:
    """(cell id, execute-request id) of the running cell, or (None, None) outside a
    kernel or when the front end sends no cell id."""
    try:
        from IPython import get_ipython
        shell = get_ipython()
        kernel = getattr(shell, "kernel", None)
        if kernel is None:
            return None, None
        try:
            parent = kernel.get_parent("shell")
        except TypeError:
            parent = kernel.get_parent()
        parent = parent or {}
        cell = (parent.get("metadata") or {}).get("cellId")
        msg = (parent.get("header") or {}).get("msg_id")
        return (cell if isinstance(cell, str) and cell else None), msg
    except Exception:  # any trouble: the hooks simply do nothing
        return None, None


def retire_earlier_displays(widget) -> None:
    """Record that the running cell displays ``widget``; halt and close what an earlier
    run of that cell displayed."""
    cell, msg = display_context()
    if cell is None:
        return
    keep = []
    for ref, shown_by in list(DISPLAYED.get(cell, ())):  # a copy: close() edits it
        other = ref()
        if other is None or getattr(other, "_closed", True) or other is widget:
            continue  # gone, or this widget (re-added below with this run's id)
        if shown_by == msg:
            keep.append((ref, shown_by))  # shown by this same run: a sibling
            continue
        try:
            other._halt()
            other.close()
        except Exception:
            log.exception("nbplayground: could not close an old %s", type(other).__name__)
    keep.append((weakref.ref(widget), msg))
    DISPLAYED[cell] = keep


def forget(widget) -> None:
    """Drop ``widget`` (closed) from the registry."""
    for cell, entries in list(DISPLAYED.items()):
        entries[:] = [(ref, msg) for ref, msg in entries if ref() not in (None, widget)]
        if not entries:
            del DISPLAYED[cell]
