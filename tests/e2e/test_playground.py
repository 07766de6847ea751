"""The Playground widget in a real JupyterLab and Chromium.

One notebook, three code cells::

    [0] from nbplayground import Playground; pg = Playground(dataset="spiral", network_shape=(8,)*6)
    [1] pg
    [2] print(json.dumps({...}))      # the kernel's state, read back after browser actions

What a person sees is read from the DOM (the epoch counter's text, the heatmap's ``<image>``
and the picture it shows); what the kernel holds is read by running cell [2].  The pictures
are compared by SHA-256: the bytes behind the heatmap's ``blob:`` URL in the browser against
``pg.output_view.heatmap_bytes`` (or a PNG the kernel computes on request) in the kernel.

Two tests, each on its own page (the ``page`` fixture shuts kernels down between tests):

* ``test_renders_plays_and_pauses``: the widget renders; Play makes the counter and the
  heatmap move; screenshots while playing, light and dark (copied to ``docs/screenshots/``
  for the README); Pause stops both and the browser shows exactly the kernel's state.
* ``test_controls_and_hover_reach_the_kernel``: a dropdown, a slider (keyboard), the dataset
  picker and hovering a hidden neuron, each checked in the kernel and on screen.
"""

from __future__ import annotations

import time

from e2e.helpers import (
    DARK_THEME,
    cell_json,
    doc_screenshot,
    epoch_shown,
    open_notebook,
    press_play,
    run_all_cells,
    screenshot,
    set_theme,
    wait_for_cell_json,
    write_notebook,
)

SETUP_CELL = """\
from nbplayground import Playground
pg = Playground(dataset="spiral", network_shape=(8,)*6)"""

SHOW_CELL = "pg"

#: Prints one line of JSON: the kernel's state the tests compare with the page.
#: ``node`` is the centre of hidden layer 2's node 3 in panel pixels (x right, y down),
#: ``panel`` the panel's size in the same pixels, ``node_png`` the SHA-256 of the heatmap
#: PNG of that node's grid as the output view draws it (what hovering it must show).
STATE_CELL = """\
import hashlib, json
from nbplayground.ui.network_view import NODE_SIZE
_layout = pg.network_view.panel_layout
_bx, _by = _layout.node_box(("node", 2, 3))
_node_png = pg.output_view.heatmap_png(pg.trainer.frame().hidden[2][3], pg.config.discretize)
print(json.dumps({
    "epoch": pg.trainer.epoch,
    "learning_rate": pg.config.learning_rate,
    "noise": pg.config.noise,
    "dataset": pg.config.dataset,
    "playing": pg.playing,
    "counter": pg.controls.epoch.value,  # the counter text the kernel sent last
    "frames": pg.frames_rendered,
    "heatmap": hashlib.sha256(pg.output_view.heatmap_bytes).hexdigest(),
    "node_png": hashlib.sha256(_node_png).hexdigest(),
    "node": [_bx + NODE_SIZE / 2, _by + NODE_SIZE / 2],
    "panel": [_layout.width, _layout.height],
}))"""

STATE_INDEX = 2

ROOT = ".nbp-playground"
EPOCH = f"{ROOT} .nbp-epoch"
PLAY = f"{ROOT} .nbp-play"
HEATMAP_IMAGE = f"{ROOT} .nbp-heatmap svg image"
NETWORK_IMAGE = f"{ROOT} .nbp-network-column svg image"
NETWORK_FIGURE = f"{ROOT} .nbp-network-column .bqplot.figure"

# JS: watch the heatmap's and the network picture's href; window.__nbp holds the counts.
_WATCH_JS = """([heatSel, netSel]) => {
    if (window.__nbpObserver) window.__nbpObserver.disconnect();
    const state = {heat: 0, net: 0, heatHrefs: new Set()};
    const heat = document.querySelector(heatSel), net = document.querySelector(netSel);
    const observer = new MutationObserver(records => {
        for (const r of records) {
            if (r.target === heat) { state.heat += 1; state.heatHrefs.add(heat.getAttribute('href')); }
            else if (r.target === net) state.net += 1;
        }
    });
    observer.observe(heat, {attributes: true, attributeFilter: ['href']});
    observer.observe(net, {attributes: true, attributeFilter: ['href']});
    window.__nbp = state;
    window.__nbpObserver = observer;
}"""

_COUNTS_JS = "() => ({heat: window.__nbp.heat, net: window.__nbp.net, distinct: window.__nbp.heatHrefs.size})"

# JS: SHA-256 (hex) of the bytes behind the heatmap image's href (a blob: or data: URL).
_PICTURE_HASH_JS = """async (selector) => {
    const href = document.querySelector(selector).getAttribute('href');
    const bytes = await (await fetch(href)).arrayBuffer();
    const digest = await crypto.subtle.digest('SHA-256', bytes);
    return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
}"""


# --------------------------------------------------------------------------- helpers


def kernel_state(page) -> dict:
    return cell_json(page, STATE_INDEX)


def wait_for_kernel(page, predicate, what: str, timeout: float = 15.0) -> dict:
    return wait_for_cell_json(page, STATE_INDEX, predicate, what, timeout)


def picture_hash(page) -> str:
    return page.evaluate(_PICTURE_HASH_JS, HEATMAP_IMAGE)


def wait_for_picture(page, sha256: str, what: str, known: dict | None = None,
                     timeout: float = 10.0) -> None:
    """Wait until the heatmap shows the PNG whose SHA-256 is ``sha256``.

    ``known`` maps names to other hashes, to say in the failure what is shown instead.
    """
    deadline = time.monotonic() + timeout
    while (shown := picture_hash(page)) != sha256:
        if time.monotonic() > deadline:
            names = [name for name, digest in (known or {}).items() if digest == shown]
            instead = names[0] if names else f"an unknown picture {shown[:12]}.."
            raise AssertionError(f"the heatmap never showed {what}; it shows {instead}")
        page.wait_for_timeout(100)


def open_playground(page, jupyter_server, name: str) -> None:
    """Write the notebook, open it, run every cell and wait for the widget to be drawn."""
    path = write_notebook(jupyter_server.root_dir, name, [SETUP_CELL, SHOW_CELL, STATE_CELL])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    page.locator(ROOT).wait_for(state="visible")
    page.wait_for_function(
        "sel => { const i = document.querySelector(sel);"
        " return !!i && /^(blob|data):/.test(i.getAttribute('href') || ''); }",
        arg=HEATMAP_IMAGE,
    )


def pause_and_check(page, label: str) -> None:
    """Click Pause; then the counter and the pictures stand still for 1.5 s, and the page
    shows the kernel's state: its epoch and the very PNG of its heatmap."""
    page.locator(PLAY).click()
    page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached", timeout=10_000)
    page.wait_for_timeout(500)  # the last frame Pause sends
    paused = epoch_shown(page, EPOCH)
    before = page.evaluate(_COUNTS_JS)
    page.wait_for_timeout(1500)
    assert epoch_shown(page, EPOCH) == paused, f"{label}: the counter moved after Pause"
    assert page.evaluate(_COUNTS_JS) == before, f"{label}: the pictures changed after Pause"
    state = kernel_state(page)
    assert state["playing"] is False, f"{label}: {state}"
    assert state["epoch"] == paused, (
        f"{label}: the kernel is at epoch {state['epoch']}, the page shows {paused} "
        f"(the kernel last sent the counter {state['counter']!r}): {state}")
    assert picture_hash(page) == state["heatmap"], f"{label}: the heatmap is not the kernel's"


def widget_screenshot(page, name: str, docs_name: str | None = None) -> None:
    """Scroll the widget into view, save the page via the harness's ``screenshot`` and,
    with ``docs_name``, a picture cropped to the widget (8 px margin) for docs/screenshots/
    (written under artifacts/; ``make screenshots`` publishes it)."""
    root = page.locator(ROOT)
    root.scroll_into_view_if_needed()
    path = screenshot(page, name)
    assert path.stat().st_size > 20_000, f"{path} is suspiciously small"
    if docs_name:
        doc_screenshot(page, root, docs_name)


# --------------------------------------------------------------------------- tests


def test_renders_plays_and_pauses(page, jupyter_server):
    open_playground(page, jupyter_server, "playground.ipynb")

    # -- rendered: root, heatmap and network pictures, counter at zero ----------------------
    assert page.locator(ROOT).count() == 1
    assert page.locator(EPOCH).inner_text().strip() == "000,000"
    network_href = page.locator(NETWORK_IMAGE).get_attribute("href") or ""
    assert network_href.startswith(("blob:", "data:")), f"network picture href {network_href!r}"
    heat_box = page.locator(HEATMAP_IMAGE).bounding_box()
    assert heat_box["width"] > 200 and heat_box["height"] > 200, heat_box
    start = kernel_state(page)
    assert start["epoch"] == 0 and start["playing"] is False
    # the browser shows the very PNG the kernel sent
    assert picture_hash(page) == start["heatmap"]

    # -- Play (every cell has finished): the counter and the pictures move ------------------
    page.evaluate(_WATCH_JS, [HEATMAP_IMAGE, NETWORK_IMAGE])
    press_play(page, PLAY, EPOCH, timeout=10_000)
    first = epoch_shown(page, EPOCH)
    page.wait_for_timeout(2000)
    second = epoch_shown(page, EPOCH)
    counts = page.evaluate(_COUNTS_JS)
    assert second > first > 0, f"the counter went {first} -> {second} while playing"
    assert counts["distinct"] >= 5, f"the heatmap changed only {counts} times in ~2 s of play"
    assert counts["net"] >= 1, f"the network picture never changed while playing: {counts}"

    # -- screenshots while playing, light then dark -----------------------------------------
    widget_screenshot(page, "playground-playing-light", docs_name="playground")
    set_theme(jupyter_server.base_url, DARK_THEME, page)
    page.wait_for_timeout(500)  # a few frames in the new colours
    widget_screenshot(page, "playground-playing-dark", docs_name="playground-dark")
    still = epoch_shown(page, EPOCH)
    page.wait_for_timeout(800)
    assert epoch_shown(page, EPOCH) > still, "the theme switch stopped the training"

    # -- Pause: nothing moves any more, and the page shows the kernel's state ---------------
    pause_and_check(page, "first pause")
    # Two more short runs: Play and Pause may be handled on different kernel threads
    # (JupyterLab sends widget messages to a subshell), so one pause proves little.
    for cycle in (2, 3):
        page.locator(PLAY).click()
        page.locator(f"{PLAY}.nbp-playing").wait_for(state="attached", timeout=10_000)
        page.wait_for_timeout(1200)
        pause_and_check(page, f"pause {cycle}")

    assert page.console_errors == [], page.console_errors


def test_controls_and_hover_reach_the_kernel(page, jupyter_server):
    open_playground(page, jupyter_server, "controls.ipynb")
    start = kernel_state(page)
    assert (start["learning_rate"], start["noise"], start["dataset"]) == (0.03, 0, "spiral")

    # -- a dropdown: learning rate 0.3 ------------------------------------------------------
    page.locator(f"{ROOT} .nbp-learning-rate select").select_option(label="0.3")
    wait_for_kernel(page, lambda s: s["learning_rate"] == 0.3, "learning rate 0.3")

    # -- a slider, by keyboard: noise 0 -> 5 (one step) -------------------------------------
    handle = page.locator(f"{ROOT} .nbp-noise .noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    wait_for_kernel(page, lambda s: s["noise"] == 5, "noise 5")
    page.locator(f"{ROOT} .nbp-caption", has_text="Noise: 5").wait_for(state="visible")

    # -- the dataset picker: xor ------------------------------------------------------------
    picture = picture_hash(page)
    page.locator(f"{ROOT} .nbp-dataset-xor").click()
    page.locator(f"{ROOT} .nbp-dataset-xor.nbp-selected").wait_for(state="attached")
    assert page.locator(f"{ROOT} .nbp-dataset-spiral.nbp-selected").count() == 0
    state = wait_for_kernel(page, lambda s: s["dataset"] == "xor", "dataset xor")
    assert state["noise"] == 5 and state["learning_rate"] == 0.3, state
    assert state["epoch"] == 0 and not state["playing"], state
    # a new network on new data: the page shows the kernel's new heatmap
    assert state["heatmap"] != picture
    wait_for_picture(page, state["heatmap"], "the heatmap of the xor network")

    # -- hover hidden layer 2's node 3: the heatmap shows that node; leaving restores -------
    output = state["heatmap"]
    assert state["node_png"] != output  # otherwise hovering could not be seen
    figure = page.locator(NETWORK_FIGURE)
    figure.scroll_into_view_if_needed()
    box = figure.bounding_box()
    width, height = state["panel"]
    x = box["x"] + state["node"][0] * box["width"] / width
    y = box["y"] + state["node"][1] * box["height"] / height
    # Hover, then leave as a hand does: two last small moves on the node and out of the
    # picture at once (onto the file browser, where nothing scrolls under the pointer).
    # Whatever pointer events were in flight, once they have settled the heatmap shows the
    # output again.  Three times: how events interleave depends on timing.
    for attempt in range(3):
        page.mouse.move(x - 3, y - 3)
        page.mouse.move(x, y, steps=3)
        wait_for_picture(page, state["node_png"],
                         f"hidden layer 2, node 3's output (hover, attempt {attempt + 1})")
        page.wait_for_timeout(300)
        page.mouse.move(x + 2, y + 2)
        page.mouse.move(x + 4, y + 4)
        page.mouse.move(20, 500)
        page.wait_for_timeout(500)  # longer than any throttling of pointer events (50 ms)
        wait_for_picture(
            page, output, f"the network's output again (hover ended, attempt {attempt + 1})",
            known={"the hovered node's output (the hover is stuck)": state["node_png"]})
    assert kernel_state(page)["heatmap"] == output

    assert page.console_errors == [], page.console_errors
