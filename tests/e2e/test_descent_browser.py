"""Descent and the activation / loss figures in a real JupyterLab and Chromium.

One notebook: a 1-D Descent (the bowl, bouncing at learning rate 0.8), a 2-D one (the
ravine), a race on the ravine, show_activations and show_losses, and a cell that prints
the kernel's state.  What a person sees is read from the DOM: the curve's path, the
surface picture, the ball (a bqplot Scatter dot, ``.dot.element``) and where it is drawn.

* ``test_views_render_and_play_moves_the_ball``: every view renders with a visible curve or
  picture and ball; pictures for the README (light, and the 2-D view dark); Play moves the
  ball on screen and in the kernel; Pause stops it.
"""

from __future__ import annotations


from e2e.helpers import (
    CODE_CELL,
    DARK_THEME,
    LIGHT_THEME,
    cell_json,
    doc_screenshot,
    open_notebook,
    run_cell,
    screenshot,
    set_theme,
    write_notebook,
)

CELLS = [
    "from nbplayground import Descent, show_activations, show_losses",
    "d1 = Descent('bowl', learning_rate=0.8)\nd1.step(5)\nd1",
    "d2 = Descent('ravine')\nd2.step(8)\nd2",
    "race = Descent('ravine', learning_rate=0.3, runs=[dict(optimizer='sgd'), dict(optimizer='sgd', momentum=0.9),"
    " dict(optimizer='adam')])\nrace.step(25)\nrace",
    "show_activations('relu')",
    "show_losses('squared')",
    "import json\nprint(json.dumps({'d2_steps': d2.steps, 'd2_playing': d2.playing,"
    " 'd2_position': d2.position.tolist()}))",
]
D1, D2, RACE, ACTIVATIONS, LOSSES, STATE = 1, 2, 3, 4, 5, 6   # code cell indices

ROOT = ".nbp-descent"
BALL = ".nbp-descent-figure .dot.element"


def cell(page, index):
    return page.locator(CODE_CELL).nth(index)


def kernel_state(page) -> dict:
    return cell_json(page, STATE)


def ball_transform(page, index) -> tuple:
    """Where the (first) ball is drawn on the page: the centre of its box, in px."""
    box = cell(page, index).locator(BALL).first.bounding_box()
    return (round(box["x"] + box["width"] / 2, 1), round(box["y"] + box["height"] / 2, 1))


def check_view(page, index, label) -> None:
    root = cell(page, index).locator(ROOT)
    root.wait_for(state="visible", timeout=30_000)
    ball = root.locator(BALL)
    assert ball.count() >= 1, f"{label}: no ball"
    box = ball.first.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5, f"{label}: ball {box}"
    fig = root.locator(".nbp-descent-figure").bounding_box()
    # the ball is inside the figure
    assert fig["x"] <= box["x"] <= fig["x"] + fig["width"], f"{label}: ball outside {fig} {box}"
    assert fig["y"] <= box["y"] <= fig["y"] + fig["height"], f"{label}: ball outside {fig} {box}"


def test_views_render_and_play_moves_the_ball(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "descent.ipynb", CELLS)
    open_notebook(page, jupyter_server.base_url, path)
    # one cell at a time, each scrolled into view: JupyterLab draws only the cells on
    # screen, and the prompt of a cell far below may not show its count in time
    for index in range(len(CELLS) - 1):
        cell(page, index).scroll_into_view_if_needed()
        run_cell(page, index)

    # -- 1-D: the curve is drawn and the ball is on it -----------------------------------------
    check_view(page, D1, "1-D")
    curve = cell(page, D1).locator(".nbp-descent-figure .line").first
    assert len(curve.get_attribute("d") or "") > 200, "the 1-D loss curve is not drawn"
    doc_screenshot(page, cell(page, D1).locator(ROOT), "descent-1d")

    # -- 2-D: the surface picture and the ball -------------------------------------------------
    check_view(page, D2, "2-D")
    image = cell(page, D2).locator(".nbp-descent-figure image")
    href = image.get_attribute("href") or ""
    assert href.startswith(("blob:", "data:")), f"surface picture href {href!r}"
    box = image.bounding_box()
    assert box["width"] > 300 and box["height"] > 150, box
    doc_screenshot(page, cell(page, D2).locator(ROOT), "descent-2d")

    # -- the race: three balls, three trails, a legend -----------------------------------------
    check_view(page, RACE, "race")
    assert cell(page, RACE).locator(BALL).count() == 3
    legend = cell(page, RACE).locator(".nbp-descent-legend").inner_text()
    for label in ("SGD", "SGD, momentum 0.9", "Adam"):
        assert label in legend, legend
    doc_screenshot(page, cell(page, RACE).locator(ROOT), "descent-race")

    # -- the activation and loss figures --------------------------------------------------------
    acts = cell(page, ACTIVATIONS).locator(".nbp-activations")
    acts.wait_for(state="visible", timeout=30_000)
    relu = acts.locator(".nbp-activation-relu .line")
    assert relu.count() == 2 and len(relu.first.get_attribute("d") or "") > 50
    assert acts.locator(".nbp-highlight").count() == 1
    doc_screenshot(page, acts, "activations")
    losses = cell(page, LOSSES).locator(".nbp-losses")
    losses.wait_for(state="visible", timeout=30_000)
    assert losses.locator(".nbp-loss-figure .line").count() == 2
    doc_screenshot(page, losses, "losses")

    # -- Play moves the ball, Pause stops it ----------------------------------------------------
    before = ball_transform(page, D2)
    start = kernel_state(page)
    assert start["d2_steps"] == 8 and not start["d2_playing"]
    root = cell(page, D2).locator(ROOT)
    root.locator(".nbp-descent-play").click()
    root.locator(".nbp-descent-play.nbp-playing").wait_for(state="attached", timeout=10_000)
    for _ in range(50):                      # at most 10 s
        page.wait_for_timeout(200)
        if ball_transform(page, D2) != before:
            break
    moved = ball_transform(page, D2)
    assert moved != before, f"the ball did not move on screen while playing ({before})"
    root.locator(".nbp-descent-play").click()
    root.locator(".nbp-descent-play:not(.nbp-playing)").wait_for(state="attached",
                                                                  timeout=10_000)
    page.wait_for_timeout(500)
    paused = ball_transform(page, D2)
    page.wait_for_timeout(1000)
    assert ball_transform(page, D2) == paused, "the ball moved after Pause"
    state = kernel_state(page)
    assert state["d2_steps"] > 8 and not state["d2_playing"], state

    # -- dark theme -----------------------------------------------------------------------------
    set_theme(jupyter_server.base_url, DARK_THEME, page)
    page.wait_for_timeout(500)
    doc_screenshot(page, cell(page, D2).locator(ROOT), "descent-2d-dark")
    doc_screenshot(page, cell(page, D1).locator(ROOT), "descent-1d-dark")
    set_theme(jupyter_server.base_url, LIGHT_THEME, page)

    assert page.console_errors == [], page.console_errors


def test_the_playgrounds_question_mark_shows_the_activations(page, jupyter_server):
    path = write_notebook(jupyter_server.root_dir, "figures.ipynb",
                          ["from nbplayground import Playground\n"
                           "pg = Playground(activation='relu', loss='cross_entropy')\npg"])
    open_notebook(page, jupyter_server.base_url, path)
    run_cell(page, 0)
    root = page.locator(".nbp-playground")
    root.wait_for(state="visible", timeout=30_000)
    assert root.locator(".nbp-activations").count() == 0
    root.locator(".nbp-show-activations").click()
    acts = root.locator(".nbp-activations")
    acts.wait_for(state="visible", timeout=15_000)
    highlighted = acts.locator(".nbp-highlight")
    assert highlighted.count() == 1 and "ReLU" in highlighted.inner_text()
    assert acts.locator(".nbp-activation-relu .line").count() == 2
    root.locator(".nbp-show-losses").click()
    losses = root.locator(".nbp-losses")
    losses.wait_for(state="visible", timeout=15_000)
    assert "Cross-entropy (in use)" in losses.inner_text()
    screenshot(page, "playground-figures", full_page=True)
    root.locator(".nbp-show-activations").click()
    acts.wait_for(state="detached", timeout=15_000)
    assert page.console_errors == [], page.console_errors
