"""Re-running a cell stops what its earlier run displayed: the Playground, Compare and
Descent all take part (nbplayground.ui.displays). A Compare or Descent playing when its
cell was re-run used to go on training, with no view, until the kernel stopped."""

from __future__ import annotations

import asyncio

import pytest

from nbplayground.config import Config
from nbplayground.ui import Compare, Descent, Playground, displays


@pytest.fixture
def cell(monkeypatch):
    """A fake running cell: set ``cell["value"] = (cell id, execution id)``."""
    context = {"value": ("cell-1", "run-1")}
    monkeypatch.setattr(displays, "display_context", lambda: context["value"])
    monkeypatch.setattr(displays, "DISPLAYED", {})
    return context


def _compare():
    return Compare(Config(seed="1"), vary="learning_rate", values=[0.03, 0.3])


@pytest.mark.parametrize("make", [_compare, lambda: Descent("bowl", steps_per_second=60)],
                         ids=["compare", "descent"])
async def test_rerunning_a_cell_stops_and_closes_what_it_showed(cell, make):
    old = make()
    old._repr_mimebundle_()
    old.play()
    await asyncio.sleep(0.05)
    assert old._loop.running
    cell["value"] = ("cell-1", "run-2")      # the same cell runs again
    new = make()
    new._repr_mimebundle_()
    try:
        assert old.closed and not old._loop.running
        assert not new.closed
    finally:
        old.close()
        new.close()
    assert displays.DISPLAYED == {}          # closed widgets leave the registry


async def test_a_new_widget_of_another_kind_retires_the_old_one_too(cell):
    # the cell's code changed from a Playground to a Compare: the Playground's output is gone
    pg = Playground(seed="1")
    pg._repr_mimebundle_()
    pg.play()
    await asyncio.sleep(0.05)
    cell["value"] = ("cell-1", "run-2")
    c = _compare()
    c._repr_mimebundle_()
    try:
        assert pg.closed and not pg.playing and not c.closed
    finally:
        pg.close()
        c.close()


def test_widgets_of_one_run_and_of_other_cells_stay(cell):
    a, b = _compare(), Descent("bowl")
    a._repr_mimebundle_()
    b._repr_mimebundle_()                    # same run: siblings
    cell["value"] = ("cell-2", "run-2")
    other = Descent("ravine")
    other._repr_mimebundle_()
    try:
        assert not (a.closed or b.closed or other.closed)
    finally:
        for w in (a, b, other):
            w.close()


def test_outside_a_kernel_nothing_is_recorded():
    assert displays.display_context() == (None, None)
    d = Descent("bowl")
    try:
        d._repr_mimebundle_()
        assert not d.closed
        assert all(ref() is not d for entries in displays.DISPLAYED.values()
                   for ref, _ in entries)
    finally:
        d.close()
