"""The Compare widget in a real JupyterLab and Chromium.

Two tests, each on its own notebook (and page):

* ``test_optimizers_race``: five optimizers (SGD, momentum, Nesterov, RMSprop, Adam) from
  the same start on the spiral.  The widget renders K curves (test and training: 2K
  lines) and K heatmaps, each the very PNG the kernel holds; Play changes the epoch, the
  pictures and the curves; Pause stops them.  Then Reset and 150 epochs stepped from the kernel
  for the pictures: ``compare-optimizers`` (docs, light) and a dark-theme one.
* ``test_twenty_seeds``: twenty seeds of the circle with 3 ReLU neurons (the chapter's
  "it works in some cases"): 20 curves and 20 heatmaps; ``compare-seeds`` after 300
  epochs.  A bad learning-rate list typed into the values box shows its error next to
  the box, and the kernel keeps its runs.
* ``test_narrow_cell_puts_the_pictures_below_the_chart``: at 1280x800 with the file
  browser open the grid of pictures wraps below the chart instead of covering it.
"""

from __future__ import annotations

import pytest


from e2e.helpers import (
    DARK_THEME,
    cell_json,
    doc_screenshot,
    execute_command,
    open_notebook,
    run_all_cells,
    screenshot,
    set_theme,
    write_notebook,
)

ROOT = ".nbp-compare"
PLAY = f"{ROOT} .nbp-compare-play"
EPOCH = f"{ROOT} .nbp-compare-epoch"
HEATMAPS = f"{ROOT} img.nbp-compare-heatmap"
CURVES = f"{ROOT} .nbp-compare-chart path.line"

OPTIMIZERS_CELL = """\
from nbplayground import Compare
c = Compare(dataset="spiral", network_shape=(8, 8, 8), features=("x", "y", "sin_x", "sin_y"),
            vary="optimizer", values=["sgd", "momentum", "nesterov", "rmsprop", "adam"],
            same_start=True, seed="0.5", epochs_per_second=None)"""

SEEDS_CELL = """\
from nbplayground import Compare
c = Compare(dataset="circle", network_shape=(3,), activation="relu", learning_rate=0.03,
            batch_size=10, vary="seed", values=20, seed="0.5")"""

#: The kernel's state: epoch, playing, labels and the SHA-256 of each heatmap it sent.
STATE_CELL = """\
import hashlib, json
from nbplayground.ui.output_view import png_of
print(json.dumps({
    "epoch": int(c.runs.epoch), "playing": c.playing, "labels": c.runs.labels,
    "k": len(c.runs), "errors": {k: w.value for k, w in c.value_errors.items()},
    "heatmaps": [hashlib.sha256(png_of(img)).hexdigest() for _, img, _ in c.cells],
}))"""

# JS: SHA-256 (hex) of the picture behind each heatmap <img> (a data: URL), in order.
_HASHES_JS = """async (selector) => {
    const out = [];
    for (const img of document.querySelectorAll(selector)) {
        const bytes = await (await fetch(img.getAttribute('src'))).arrayBuffer();
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        out.push([...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join(''));
    }
    return out;
}"""

# JS: what the page shows now: the epoch text, each heatmap's src, each curve's path.
_SNAPSHOT_JS = """([epoch, heat, curves]) => ({
    epoch: document.querySelector(epoch).innerText.trim(),
    heat: [...document.querySelectorAll(heat)].map(i => i.getAttribute('src')),
    curves: [...document.querySelectorAll(curves)].map(p => p.getAttribute('d') || ''),
})"""


def open_compare(page, jupyter_server, name: str, setup: str, k: int) -> None:
    """Write the notebook [setup, show, state], run it and wait for K drawn heatmaps."""
    path = write_notebook(jupyter_server.root_dir, name, [setup, "c", STATE_CELL])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    page.locator(ROOT).wait_for(state="visible")
    page.wait_for_function(
        "([sel, k]) => { const imgs = document.querySelectorAll(sel);"
        " return imgs.length === k && [...imgs].every(i => /^(blob|data):/.test("
        "i.getAttribute('src') || '')); }",
        arg=[HEATMAPS, k])


def kernel_state(page) -> dict:
    return cell_json(page, 2)


def snapshot(page) -> dict:
    return page.evaluate(_SNAPSHOT_JS, [EPOCH, HEATMAPS, CURVES])


def run_in_kernel(page, code: str) -> None:
    """Run ``code`` in the notebook's kernel outside any cell (nothing on the page moves
    but what the code changes)."""
    page.evaluate("""async (code) => {
        const panel = window.jupyterapp.shell.currentWidget;
        const future = panel.sessionContext.session.kernel.requestExecute({code});
        await future.done;
    }""", code)


def wait_for_pictures(page, hashes: list, what: str) -> None:
    """Wait until the heatmaps on the page are the kernel's PNGs ``hashes``."""
    for _ in range(50):
        shown = page.evaluate(_HASHES_JS, HEATMAPS)
        if shown == hashes:
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{what}: the page shows other heatmaps than the kernel's")


def test_optimizers_race(page, jupyter_server):
    open_compare(page, jupyter_server, "compare-optimizers.ipynb", OPTIMIZERS_CELL, 5)
    state = kernel_state(page)
    assert state["labels"] == ["sgd", "momentum", "nesterov", "rmsprop", "adam"]
    assert page.locator(CURVES).count() == 2 * 5
    assert page.locator(HEATMAPS).count() == 5
    titles = page.locator(f"{ROOT} .nbp-compare-title").all_inner_texts()
    assert [t.splitlines()[0].strip() for t in titles] == state["labels"]
    legend = page.locator(f"{ROOT} .nbp-compare-legend").inner_text()
    assert all(label in legend for label in state["labels"])
    box = page.locator(HEATMAPS).first.bounding_box()
    assert box["width"] > 80 and box["height"] > 80, box
    wait_for_pictures(page, state["heatmaps"], "at epoch 0")

    # -- Play: the epoch, the heatmaps and the curves change ---------------------------------
    before = snapshot(page)
    page.locator(PLAY).click()
    page.wait_for_function("sel => document.querySelector(sel).innerText.trim() !== '000,000'",
                           arg=EPOCH, timeout=10_000)
    page.wait_for_timeout(2500)
    during = snapshot(page)
    assert during["epoch"] != before["epoch"]
    assert sum(a != b for a, b in zip(before["heat"], during["heat"])) >= 3, during
    assert sum(a != b for a, b in zip(before["curves"], during["curves"])) >= 5

    # -- Pause: nothing moves, and the page shows the kernel's pictures ----------------------
    page.locator(PLAY).click()
    page.wait_for_timeout(800)
    paused = snapshot(page)
    page.wait_for_timeout(1200)
    assert snapshot(page) == paused, "the view changed after Pause"
    state = kernel_state(page)
    assert state["playing"] is False
    assert paused["epoch"].replace(",", "").lstrip("0") == str(state["epoch"]).lstrip("0")
    wait_for_pictures(page, state["heatmaps"], "after Pause")

    # -- the pictures: Reset, then 150 epochs from the same start ----------------------------
    run_in_kernel(page, "c.reset(); c.step(150)")
    state = kernel_state(page)
    assert state["epoch"] == 150
    wait_for_pictures(page, state["heatmaps"], "after 150 epochs")
    root = page.locator(ROOT)
    page.wait_for_timeout(600)   # the curves drawn
    doc_screenshot(page, root, "compare-optimizers")
    set_theme(jupyter_server.base_url, DARK_THEME, page)
    page.wait_for_timeout(500)
    root.scroll_into_view_if_needed()
    screenshot(page, "compare-optimizers-dark")
    assert page.console_errors == [], page.console_errors


def test_twenty_seeds(page, jupyter_server):
    open_compare(page, jupyter_server, "compare-seeds.ipynb", SEEDS_CELL, 20)
    state = kernel_state(page)
    assert state["k"] == 20 and len(set(state["labels"])) == 20
    assert page.locator(CURVES).count() == 40
    run_in_kernel(page, "c.step(300)")
    state = kernel_state(page)
    assert state["epoch"] == 300
    wait_for_pictures(page, state["heatmaps"], "after 300 epochs")
    page.wait_for_timeout(600)
    doc_screenshot(page, page.locator(ROOT), "compare-seeds")

    # -- a bad list in the values box: its error next to it, the runs kept -------------------
    page.locator(f"{ROOT} .nbp-compare-vary select").select_option(label="learning rate")
    box = page.locator(f"{ROOT} .nbp-compare-values-learning-rate input")
    box.wait_for(state="visible")
    box.fill("0.03, fast")
    box.press("Enter")
    error = page.locator(f"{ROOT} .nbp-compare-error", has_text="'fast' is not a number")
    error.wait_for(state="visible", timeout=10_000)
    state = kernel_state(page)
    assert "fast" in state["errors"]["learning_rate"]
    assert state["labels"] == ["learning rate 0.003", "learning rate 0.03",
                               "learning rate 0.3"]
    assert page.console_errors == [], page.console_errors


@pytest.mark.e2e
def test_narrow_cell_puts_the_pictures_below_the_chart(page, jupyter_server):
    """At 1280x800 with JupyterLab's file browser open the cell is too narrow for the
    chart and the grid of pictures side by side: the pictures go below the chart rather
    than over its right part (where the curves end)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    open_compare(page, jupyter_server, "compare-narrow.ipynb", SEEDS_CELL.replace(
        "values=20", "values=8"), 8)
    execute_command(page, "filebrowser:activate")
    page.wait_for_selector("#filebrowser", state="visible")
    page.wait_for_timeout(500)   # let the flex layout settle
    chart = page.locator(f"{ROOT} .nbp-compare-chart").first.bounding_box()
    grid = page.locator(f"{ROOT} .nbp-compare-grid").first.bounding_box()
    screenshot(page, "compare-narrow")
    overlaps = (grid["x"] < chart["x"] + chart["width"] and grid["y"] < chart["y"] + chart["height"])
    assert not overlaps, (chart, grid)
    assert grid["y"] >= chart["y"] + chart["height"] - 1, (chart, grid)      # below it
    assert page.console_errors == []
