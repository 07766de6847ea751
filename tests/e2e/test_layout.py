"""The Playground on a laptop screen, and when nobody watches (JupyterLab + Chromium).

* At 1280x800 with JupyterLab's file browser open, the DATA, network and OUTPUT
  columns stay side by side: the output heatmap is right of the network panel, its
  top within the network's height (not wrapped below it); the network panel is zoomed
  to its narrower column (not hidden under the OUTPUT column), and the pointer still
  finds the links.
* At 1000x800 the output still sits next to the network, which is zoomed to fit whole;
  the DATA column has moved (below the two).
* At 900x800 the network takes the row and the output goes below it.
* Links flow while playing and stand still when paused.
* Closing the tab while playing: the Playground pauses itself within a few seconds and
  says so when the notebook is opened again.
"""

from __future__ import annotations

import json
import time

import pytest

from e2e.helpers import (
    cell_json,
    cell_output_text,
    execute_command,
    open_notebook,
    run_all_cells,
    run_cell,
    screenshot,
    write_notebook,
)

ROOT = ".nbp-playground"
HEATMAP = f"{ROOT} .nbp-heatmap"
NETWORK = f"{ROOT} .nbp-network-column"
DATA = f"{ROOT} .nbp-data-column"
EPOCH = f"{ROOT} .nbp-epoch"

CELLS = [
    'from nbplayground import Playground\npg = Playground(dataset="spiral", network_shape=(8,)*6)',
    "pg",
    "import json; print(json.dumps({'playing': pg.playing, 'status': pg.status, "
    "'epoch': pg.trainer.epoch}))",
]


def _open_with_file_browser(page, jupyter_server, name, width, height, cells=CELLS):
    page.set_viewport_size({"width": width, "height": height})
    path = write_notebook(jupyter_server.root_dir, name, cells)
    open_notebook(page, jupyter_server.base_url, path)
    execute_command(page, "filebrowser:activate")   # the file browser open, as on a laptop
    page.wait_for_selector("#filebrowser", state="visible")
    run_cell(page, 0)
    run_cell(page, 1)
    page.wait_for_selector(f"{HEATMAP} svg image")
    page.wait_for_timeout(500)  # let the flex layout settle
    return {sel: page.locator(sel).first.bounding_box() for sel in (HEATMAP, NETWORK, DATA)}


def _side_by_side(left, right) -> bool:
    """``right`` starts right of ``left``'s left edge and its top is level with it."""
    return (right["x"] > left["x"] + 0.5 * left["width"]
            and abs(right["y"] - left["y"]) < left["height"] / 2)


@pytest.mark.e2e
def test_at_1280x800_with_the_file_browser_the_three_columns_stay_side_by_side(
        page, jupyter_server):
    boxes = _open_with_file_browser(page, jupyter_server, "laptop-1280.ipynb", 1280, 800)
    screenshot(page, "layout-1280x800")
    heat, net, data = boxes[HEATMAP], boxes[NETWORK], boxes[DATA]
    assert _side_by_side(net, heat), boxes        # the output did not wrap below
    assert data["x"] + data["width"] <= net["x"] + 1 and abs(data["y"] - net["y"]) < 40, boxes
    assert heat["x"] + heat["width"] <= 1280, boxes  # in view, not cut off
    assert page.console_errors == []


#: A spot on the link from the last hidden layer's bottom node to the output, close to
#: the node (where no other link runs), in panel px; and that link's weight.
LINK_SPOT = (
    "import json\nfrom nbplayground.ui.network_layout import basis_curve\n"
    "_lay = pg.network_view.panel_layout\n"
    "_x, _y = basis_curve(_lay.link_points[_lay.link_index(6, 0, 7)])[4]\n"
    "print(json.dumps({'x': float(_x), 'y': float(_y), 'w': _lay.width, 'h': _lay.height,"
    " 'weight': pg.trainer.weights[6][0, 7]}))")


@pytest.mark.e2e
def test_at_1280x800_the_whole_network_shows_zoomed_and_the_pointer_still_hits(
        page, jupyter_server):
    """With the file browser open the network column is narrower than the panel: the
    panel is zoomed to fit (none of it under the OUTPUT column), uniformly, and hovering
    a link where it is drawn finds it."""
    _open_with_file_browser(page, jupyter_server, "laptop-zoom.ipynb", 1280, 800,
                            cells=CELLS[:2] + [LINK_SPOT])
    spot = cell_json(page, 2)
    drawing = page.locator(f"{ROOT} .nbp-network-drawing").first
    drawing.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    # the page's own rectangles (Playwright's bounding_box() leaves CSS zoom out)
    box = {name: page.evaluate(
        "sel => { const r = document.querySelector(sel).getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }", sel) for name, sel in (
        ("drawing", f"{ROOT} .nbp-network-drawing"), ("editor", f"{ROOT} .nbp-weight-editor"),
        ("output", f"{ROOT} .nbp-output-column"))}
    screenshot(page, "layout-1280x800-network")
    overlap = 10 + 1        # the OUTPUT column overlaps the panel by 10 px (style.py)
    for name in ("drawing", "editor"):
        assert box[name]["x"] + box[name]["width"] <= box["output"]["x"] + overlap, (name, box)
    zoom = box["drawing"]["width"] / spot["w"]
    assert 0.6 < zoom < 0.95, box                                           # zoomed to fit
    assert abs(box["drawing"]["height"] / spot["h"] - zoom) < 0.02, box     # uniformly
    # drawn once at the panel's size and zoomed once (bqplot measuring the zoomed figure
    # would shrink it twice): the pointer at the link's zoomed position finds the link
    page.mouse.move(box["drawing"]["x"] + spot["x"] * zoom,
                    box["drawing"]["y"] + spot["y"] * zoom)
    from nbplayground.ui.network_layout import format_value
    expected = f"Weight is {format_value(spot['weight'])}"
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)].some(t => t.textContent === text)",
        arg=[f"{ROOT} .nbp-network-figure text", expected])
    # the figure took the keyboard focus on mouse enter (Step inside's keys); after a key
    # its focus ring goes round the drawing shown, not the figure's counter-scaled box
    page.keyboard.press("Shift")
    focus = page.evaluate(
        "([f, d]) => { const fig = document.querySelector(f), box = document.querySelector(d);"
        " return [fig.matches(':focus-visible'), getComputedStyle(fig).outlineStyle,"
        " getComputedStyle(box).outlineStyle]; }",
        [f"{ROOT} .nbp-network-figure", f"{ROOT} .nbp-network-drawing"])
    assert focus == [True, "none", "solid"], focus
    screenshot(page, "layout-1280x800-focus")
    assert page.console_errors == []


@pytest.mark.e2e
def test_at_1000x800_the_output_stays_next_to_the_network_and_the_data_moves(
        page, jupyter_server):
    boxes = _open_with_file_browser(page, jupyter_server, "laptop-1000.ipynb", 1000, 800)
    screenshot(page, "layout-1000x800")
    heat, net, data = boxes[HEATMAP], boxes[NETWORK], boxes[DATA]
    assert _side_by_side(net, heat), boxes
    assert heat["x"] + heat["width"] <= 1000, boxes
    assert data["y"] >= net["y"] + net["height"] - 2, boxes   # the DATA column went below
    assert _network_clipped(page) <= 4     # the whole network, zoomed: none scrolled away
    assert page.console_errors == []


def _network_clipped(page) -> float:
    """How many px of the network panel its column hides (scrolled away sideways); was
    51 at 1000x800 and 310 at 900x800 (the output layer and the captions' right part)."""
    return page.evaluate(
        "sel => { const c = document.querySelector(sel); return c.scrollWidth - c.clientWidth; }",
        NETWORK)


@pytest.mark.e2e
def test_at_900x800_the_network_takes_its_row_and_the_output_goes_below(
        page, jupyter_server):
    """Too narrow for the network beside the OUTPUT even at the smallest zoom (its
    output layer was cut off): the network gets the row, the output heatmap is below."""
    boxes = _open_with_file_browser(page, jupyter_server, "laptop-900.ipynb", 900, 800)
    screenshot(page, "layout-900x800")
    heat, net = boxes[HEATMAP], boxes[NETWORK]
    assert heat["y"] >= net["y"] + net["height"] - 2, boxes
    assert heat["x"] + heat["width"] <= 900, boxes
    assert _network_clipped(page) <= 4     # at most a zoom step's rounding (style.py)
    assert page.console_errors == []


@pytest.mark.e2e
def test_closing_the_tab_while_playing_pauses_the_playground(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "idle.ipynb", CELLS)
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    page.locator(f"{ROOT} .nbp-play").first.click()
    page.wait_for_function(
        "sel => { const e = document.querySelector(sel); return e && e.textContent.trim() "
        "!== '0,000,000' && e.textContent.trim() !== '000,000'; }", arg=EPOCH)
    # the links flow while playing (Playground's dashed, moving links): the kernel moves
    # the dashes on at each link refresh (no CSS animation restyling every frame)
    flow = ("sel => { const p = document.querySelector(sel); const s = getComputedStyle(p);"
            " return [s.strokeDasharray, s.strokeDashoffset,"
            " p.closest('.nbp-flowing') !== null]; }")
    link = f"{ROOT} .nbp-network-figure .curve .line"
    dashes, offset, flowing = page.evaluate(flow, link)
    assert flowing and dashes not in ("none", ""), (dashes, flowing)
    page.wait_for_function(f"([sel, o]) => ({flow})(sel)[1] !== o", arg=[link, offset],
                           timeout=3000)
    page.goto("about:blank")      # the tab goes away; the kernel keeps running
    time.sleep(9)                 # idle_seconds (5) and a tick
    open_notebook(page, jupyter_server.base_url, path)   # the same kernel, a new view
    run_cell(page, 2)
    state = json.loads(cell_output_text(page, 2).splitlines()[-1])
    assert state["playing"] is False, state
    assert "Paused by itself" in state["status"], state
    run_cell(page, 1)             # the view comes back: it says why it stopped
    page.wait_for_selector(f"{ROOT} .nbp-status:has-text('Paused by itself')")
    dashes, offset, flowing = page.evaluate(flow, link)
    assert not flowing            # still while paused
    page.wait_for_timeout(600)
    assert page.evaluate(flow, link)[1] == offset
    screenshot(page, "idle-paused")


@pytest.mark.e2e
def test_hovering_a_link_shows_its_weight_at_the_pointer(page, jupyter_server):
    cells = CELLS[:2] + [
        "import json\nfrom nbplayground.ui.network_layout import basis_curve\n"
        "_lay = pg.network_view.panel_layout\n"
        "_x, _y = basis_curve(_lay.link_points[_lay.link_index(0, 3, 1)])[14]\n"
        "print(json.dumps({'x': float(_x), 'y': float(_y), 'w': _lay.width, 'h': _lay.height,"
        " 'weight': pg.trainer.weights[0][3, 1]}))"]
    path = write_notebook(jupyter_server.root_dir, "tooltip.ipynb", cells)
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    spot = json.loads(cell_output_text(page, 2).splitlines()[-1])
    figure = page.locator(f"{ROOT} .nbp-network-figure").first
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    page.mouse.move(box["x"] + spot["x"] * box["width"] / spot["w"],
                    box["y"] + spot["y"] * box["height"] / spot["h"])
    from nbplayground.ui.network_layout import format_value
    expected = f"Weight is {format_value(spot['weight'])}"
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)].some(t => t.textContent === text)",
        arg=[f"{ROOT} .nbp-network-figure text", expected])
    cursor = page.evaluate(
        "sel => getComputedStyle(document.querySelector(sel)).cursor",
        f"{ROOT} .nbp-network-figure svg")
    assert cursor == "pointer"
    screenshot(page, "link-tooltip")
    assert page.console_errors == []
