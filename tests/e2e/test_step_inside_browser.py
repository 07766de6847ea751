"""Step inside in a real JupyterLab and Chromium: the button, the stages on the network
picture, picking a point on the heatmap, hovering a number, applying the update, Done.

One notebook::

    [0] pg = Playground(dataset="xor", network_shape=(4, 3), ...); pg.step(20)
    [1] pg
    [2] print(json.dumps({...}))     # the kernel's Step inside state
    [3] a cell that remembers the weights the update must make

What a person sees is read from the page (the caption's text, the numbers drawn on the
network, the readout under it, a picture of the network panel); what the kernel holds is
read by running cell [2].  The pictures of each stage are saved for the README
(``step-inside-<stage>``) and must differ from one stage to the next; the dark theme's
forward stage is saved as an artifact.  The keys (right arrow, Esc over the network
picture) and "Done" leave the normal picture as it was.
"""

from __future__ import annotations

import hashlib

from e2e.helpers import (
    DARK_THEME,
    LIGHT_THEME,
    cell_json,
    doc_screenshot,
    open_notebook,
    run_all_cells,
    run_cell,
    screenshot,
    set_theme,
    wait_for_cell_json,
    write_notebook,
)

SETUP_CELL = """\
from nbplayground import Playground
pg = Playground(dataset="xor", network_shape=(4, 3), seed="0.25", batch_size=8)
pg.step(20)"""

SHOW_CELL = "pg"

#: The kernel's Step inside state as one JSON line.  ``node``: the centre of hidden layer
#: 0's node 1 in panel pixels; ``other``: a batch point other than the followed one, in
#: heatmap figure pixels; ``hover``: the hover text the kernel's readout shows.
STATE_CELL = """\
import json, re
import numpy as np
from nbplayground.ui.network_view import NODE_SIZE
from nbplayground.ui.output_view import data_to_pixel
from nbplayground.ui.step_inside import short_number, hover_number
_si = pg._step_inside
_lay = pg.network_view.panel_layout
_bx, _by = _lay.node_box(("node", 0, 1))
_state = {"stage": pg.step_inside_stage, "point": pg.step_inside_point,
          "epoch": pg.trainer.epoch, "panel": [_lay.width, _lay.height],
          "node": [_bx + NODE_SIZE / 2, _by + NODE_SIZE / 2],
          "readout": re.sub("<[^>]+>", "", pg.network_view.readout.value)}
if pg.step_inside_stage is not None:
    _ex = pg.trainer.explain_batch()
    _row = list(_ex.indices).index(pg.step_inside_point)
    _others = [int(i) for i in _ex.indices if i != pg.step_inside_point]
    _xy = pg.trainer.data.train_x[_others[0]]
    _state.update(
        batch=int(_ex.batch), indices=[int(i) for i in _ex.indices], other=_others[0],
        other_px=list(data_to_pixel(_xy[0], _xy[1], pg.output_view.domain)),
        node_text=short_number(_ex.activations[0][_row, 1]),
        node_hover=hover_number(_ex.activations[0][_row, 1]),
        output=[float(_lay.output_points[0][0]) - 4, float(_lay.output_points[0][1])],
        output_hover=hover_number(_ex.activations[-1][_row, 0]))
if "expected" in globals():
    _state["update_error"] = max(float(np.abs(w - e).max())
                                 for w, e in zip(pg.trainer.weights, expected))
print(json.dumps(_state))"""

REMEMBER_CELL = """\
_ex = pg.trainer.explain_batch()
expected = [w + u for w, u in zip(pg.trainer.weights, _ex.weight_updates)]"""

STATE_INDEX, REMEMBER_INDEX = 2, 3

ROOT = ".nbp-playground"
BUTTON = f"{ROOT} .nbp-step-inside-button"
PANEL = f"{ROOT} .nbp-step-inside"
NEXT = f"{ROOT} .nbp-step-inside-next"
DONE = f"{ROOT} .nbp-step-inside-done"
NETWORK_FIGURE = f"{ROOT} .nbp-network-column .bqplot.figure"
HEATMAP = f"{ROOT} .nbp-heatmap"
READOUT = f"{ROOT} .nbp-weight-editor"


def kernel_state(page) -> dict:
    return cell_json(page, STATE_INDEX)


def wait_for_kernel(page, predicate, what: str, timeout: float = 15.0) -> dict:
    return wait_for_cell_json(page, STATE_INDEX, predicate, what, timeout)


def network_picture(page) -> str:
    """SHA-256 of a screenshot of the network picture (what a person sees of it)."""
    page.wait_for_timeout(400)  # the marks' redraw
    return hashlib.sha256(page.locator(NETWORK_FIGURE).screenshot()).hexdigest()


def figure_texts(page) -> list:
    """The texts drawn in the network picture (SVG ``<text>``: labels and numbers)."""
    return page.locator(f"{NETWORK_FIGURE} text").evaluate_all(
        "els => els.filter(e => e.getBBox().width > 0).map(e => e.textContent)")


def caption(page) -> str:
    return page.locator(PANEL).inner_text()


def click_next(page, expect: str) -> None:
    page.locator(NEXT).click()
    page.locator(PANEL, has_text=expect).wait_for(state="visible", timeout=15_000)


def test_step_inside_walks_one_batch(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "step_inside.ipynb",
                          [SETUP_CELL, SHOW_CELL, STATE_CELL, REMEMBER_CELL])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    page.locator(ROOT).wait_for(state="visible")
    assert not page.locator(PANEL).is_visible()
    normal = network_picture(page)
    normal_texts = figure_texts(page)
    root = page.locator(ROOT)

    # -- forward: the caption, the numbers on the nodes, hover -------------------------------
    page.locator(BUTTON).click()
    page.locator(PANEL, has_text="1. Forward").wait_for(state="visible", timeout=15_000)
    state = wait_for_kernel(page, lambda s: s["stage"] == "forward", "the forward stage")
    forward = network_picture(page)
    assert forward != normal, "entering Step inside did not change the network picture"
    texts = figure_texts(page)
    assert state["node_text"] in texts, (state["node_text"], texts)
    doc_screenshot(page, root, "step-inside-forward")

    figure = page.locator(NETWORK_FIGURE)
    box = figure.bounding_box()
    width, height = state["panel"]
    page.mouse.move(box["x"] + state["node"][0] * box["width"] / width,
                    box["y"] + state["node"][1] * box["height"] / height, steps=3)
    page.locator(READOUT, has_text=state["node_hover"]).wait_for(state="visible",
                                                                 timeout=10_000)
    page.mouse.move(20, 500)

    # -- pick another batch point on the heatmap ---------------------------------------------
    heat = page.locator(HEATMAP)
    hbox = heat.bounding_box()
    px, py = state["other_px"]
    page.mouse.click(hbox["x"] + px, hbox["y"] + py)
    state = wait_for_kernel(page, lambda s: s["point"] == state["other"],
                            f"point {state['other']} picked")
    page.locator(PANEL, has_text=f"point #{state['point']} ").wait_for(state="visible")

    # -- loss, backward layer by layer, update ------------------------------------------------
    click_next(page, "2. Loss")
    loss = network_picture(page)
    assert loss != forward, "the loss stage looks like the forward stage"
    assert "loss" in caption(page)
    doc_screenshot(page, root, "step-inside-loss")
    state = kernel_state(page)      # the output box at the right edge answers the pointer too
    page.locator(NETWORK_FIGURE).scroll_into_view_if_needed()
    box = page.locator(NETWORK_FIGURE).bounding_box()
    page.mouse.move(box["x"] + state["output"][0] * box["width"] / width,
                    box["y"] + state["output"][1] * box["height"] / height, steps=3)
    page.locator(READOUT, has_text=f"the output: a = {state['output_hover']}").wait_for(
        state="visible", timeout=10_000)
    screenshot(page, "step-inside-output-hover")
    page.mouse.move(20, 500)

    pictures = [loss]
    for layers in (1, 2, 3):
        click_next(page, f"Layers {layers} of 3")
        pictures.append(network_picture(page))
        assert pictures[-1] != pictures[-2], f"backward layer {layers} changed nothing"
    doc_screenshot(page, root, "step-inside-backward")

    click_next(page, "4. Update")
    update = network_picture(page)
    assert update != pictures[-1], "the update stage looks like the backward stage"
    doc_screenshot(page, root, "step-inside-update")

    # -- the next click applies exactly the update shown ---------------------------------------
    run_cell(page, REMEMBER_INDEX)
    before = kernel_state(page)
    click_next(page, "1. Forward")
    state = wait_for_kernel(page, lambda s: s.get("batch") == before["batch"] + 1,
                            "the next batch")
    assert state["stage"] == "forward"
    assert state["update_error"] < 1e-12, state

    # -- dark theme: the same stage reads on a dark page (artifact only) ---------------------
    set_theme(jupyter_server.base_url, DARK_THEME, page)
    page.wait_for_timeout(500)
    root.scroll_into_view_if_needed()
    screenshot(page, "step-inside-forward-dark")
    set_theme(jupyter_server.base_url, LIGHT_THEME, page)

    # -- keys over the network picture: the right arrow goes on, Esc leaves ---------------------
    box = figure.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 4)
    page.keyboard.press("ArrowRight")
    page.locator(PANEL, has_text="2. Loss").wait_for(state="visible", timeout=10_000)
    page.keyboard.press("Escape")
    page.locator(PANEL).wait_for(state="hidden", timeout=10_000)
    wait_for_kernel(page, lambda s: s["stage"] is None, "Esc leaving Step inside")

    # -- Done: back to the normal picture ------------------------------------------------------
    page.locator(BUTTON).click()
    page.locator(PANEL, has_text="1. Forward").wait_for(state="visible", timeout=15_000)
    page.locator(DONE).click()
    page.locator(PANEL).wait_for(state="hidden", timeout=10_000)
    state = wait_for_kernel(page, lambda s: s["stage"] is None, "Step inside left")
    assert "Hover a line" in state["readout"], state
    page.wait_for_timeout(400)
    assert figure_texts(page) == normal_texts
    assert page.console_errors == [], page.console_errors
