"""Adding points by clicking the heatmap in a real JupyterLab and Chromium: the point
reaches the kernel, joins the run under way (the same Trainer, the epoch counter goes on,
while playing too), and is drawn on the heatmap.

One notebook::

    [0] pg = Playground(dataset="circle", ...); pg.step(30)
    [1] pg
    [2] print(json.dumps({...}))     # the kernel's state: epoch, points, same trainer
"""

from __future__ import annotations

from e2e.helpers import (
    cell_json,
    epoch_shown,
    open_notebook,
    run_all_cells,
    wait_for_cell_json,
    write_notebook,
)

SETUP_CELL = """\
from nbplayground import Playground
pg = Playground(dataset="circle", seed="0.5", network_shape=(3,), epochs_per_second=60)
pg.step(30)
first_trainer = pg.trainer"""

SHOW_CELL = "pg"

STATE_CELL = """\
import json
from nbplayground.ui.output_view import data_to_pixel
_d = pg.trainer.data
print(json.dumps({"epoch": pg.trainer.epoch, "train": _d.num_train, "test": _d.num_test,
                  "same": pg.trainer is first_trainer, "playing": pg.playing,
                  "last": _d.train_x[-1].tolist(), "status": pg.status,
                  "px": [list(data_to_pixel(x, y, pg.output_view.domain))
                         for x, y in ((4.5, 4.5), (-4.5, 4.5))]}))"""

STATE_INDEX = 2
ROOT = ".nbp-playground"
HEATMAP = f"{ROOT} .nbp-heatmap"
ADD = f"{ROOT} .nbp-add-points"
PLAY = f"{ROOT} .nbp-play"
EPOCH = f"{ROOT} .nbp-epoch"
DOTS = f"{HEATMAP} .dot"


def kernel_state(page) -> dict:
    return cell_json(page, STATE_INDEX)


def wait_for_kernel(page, predicate, what: str, timeout: float = 20.0) -> dict:
    return wait_for_cell_json(page, STATE_INDEX, predicate, what, timeout)


def test_clicked_points_join_the_run_under_way(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "points.ipynb",
                          [SETUP_CELL, SHOW_CELL, STATE_CELL])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    page.locator(ROOT).wait_for(state="visible")
    start = kernel_state(page)
    assert start["epoch"] == 30 and start["same"]
    dots = page.locator(DOTS).count()
    heat = page.locator(HEATMAP)

    # -- paused: a click adds a training point, the epoch stays where it was ----------------
    page.locator(ADD).click()
    box = heat.bounding_box()
    px, py = start["px"][0]
    page.mouse.click(box["x"] + px, box["y"] + py)
    state = wait_for_kernel(page, lambda s: s["train"] == start["train"] + 1, "the new point")
    assert state["same"] and state["epoch"] == 30, state
    assert abs(state["last"][0] - 4.5) < 0.2 and abs(state["last"][1] - 4.5) < 0.2, state
    page.wait_for_function(f"document.querySelectorAll({DOTS!r}).length > {dots}",
                           timeout=15_000)
    assert epoch_shown(page, EPOCH) == 30

    # -- playing: another click, and the counter goes on from where it was ------------------
    page.locator(PLAY).click()
    page.locator(f"{PLAY}.nbp-playing").wait_for(state="attached", timeout=15_000)
    state = wait_for_kernel(page, lambda s: s["epoch"] > 40, "training")
    before = state["epoch"]
    px, py = start["px"][1]
    page.mouse.click(box["x"] + px, box["y"] + py)
    state = wait_for_kernel(page, lambda s: s["train"] == start["train"] + 2,
                            "the second point")
    assert state["same"] and state["playing"] and state["epoch"] >= before, state
    state = wait_for_kernel(page, lambda s: s["epoch"] > before + 20, "training on")
    assert state["same"] and state["playing"]
    assert epoch_shown(page, EPOCH) > before
    page.locator(PLAY).click()
    page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached", timeout=15_000)
