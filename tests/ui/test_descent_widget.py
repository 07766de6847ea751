"""The Descent widget driven from Python: controls reach the engine, a click sets the start,
Step moves the ball, Play/Pause on the asyncio loop (<= 30 frames a second, nothing sent
while paused), close cancels, a race draws one trail per run."""

from __future__ import annotations

import asyncio
import math

import ipywidgets
import numpy as np
import pytest

import nbplayground
from nbplayground import descent as engine
from nbplayground import optimizers
from nbplayground.ui.descent import LEARNING_RATE_RANGE, MARGIN, RACE_COLORS, Descent

RUNS = [dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9), dict(optimizer="adam")]


@pytest.fixture
def d():
    widget = Descent("bowl")
    yield widget
    widget.close()


@pytest.fixture
def sent(monkeypatch):
    """Every widget message sent, as (widget, message)."""
    record = []

    def send(self, msg, buffers=None):
        record.append((self, msg))
    monkeypatch.setattr(ipywidgets.Widget, "_send", send)
    return record


def test_the_package_gives_the_widget_and_it_wraps_the_engine(d):
    assert nbplayground.Descent is Descent
    assert isinstance(d.engine, engine.Descent) and not d.racing
    assert Descent.CURVES is engine.CURVES
    assert d.curve.value == "bowl" and d.optimizer.value == "sgd"
    np.testing.assert_array_equal(d.position, engine.CURVES["bowl"].start)
    np.testing.assert_array_equal(d.path, [engine.CURVES["bowl"].start])
    assert d.loss == engine.CURVES["bowl"].value(d.position)


def test_step_moves_the_ball_and_its_trail(d):
    assert d.step(3) == 3
    assert d.path.shape == (4, 1) and d.steps == 3
    x, loss = d.position[0], d.loss
    assert list(d.balls[0].x) == [x] and list(d.balls[0].y) == [loss]
    np.testing.assert_array_equal(d.trails[0].x, d.path[:, 0])
    np.testing.assert_allclose(d.trails[0].y, d.engine.losses)
    assert d.counter.value == "step 3"
    assert "loss" in d.readout.value
    d.step_button.click()
    assert d.steps == 4


def test_the_tangent_has_the_gradients_slope_and_the_arrow_points_downhill(d):
    d.step(1)
    tx, ty = np.asarray(d.tangent.x), np.asarray(d.tangent.y)
    slope = (ty[1] - ty[0]) / (tx[1] - tx[0])
    assert slope == pytest.approx(d.engine.gradient[0])
    assert tx.mean() == pytest.approx(d.position[0]) and ty.mean() == pytest.approx(d.loss)
    ax, ay = np.asarray(d.arrow.x), np.asarray(d.arrow.y)
    assert ax[0, 0] == pytest.approx(d.position[0])
    assert np.sign(ax[0, 1] - ax[0, 0]) == -np.sign(d.engine.gradient[0])   # downhill
    assert ay[0, 1] < ay[0, 0]


def test_the_2d_arrow_is_the_negative_gradient():
    w = Descent("ravine")
    try:
        g = w.engine.gradient
        ax, ay = np.asarray(w.arrow.x), np.asarray(w.arrow.y)
        shaft = np.array([ax[0, 1] - ax[0, 0], ay[0, 1] - ay[0, 0]])
        # the same direction in plot fractions (the x and y scales differ)
        spans = np.array([w._sx.max - w._sx.min, w._sy.max - w._sy.min])
        a, b = shaft / spans, -g / spans
        assert np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)) == pytest.approx(1.0)
        assert w.surface_image.visible and not w.curve_line.visible
        assert bytes(w._picture.value[:4]) == b"\x89PNG"
    finally:
        w.close()


def test_learning_rate_slider_spans_the_chapters_values_and_reaches_the_engine(d):
    lo, hi = LEARNING_RATE_RANGE
    for lr in (0.1, 0.8, 1.1):           # converges, bounces, diverges on the bowl
        assert lo <= lr <= hi
        d.learning_rate.value = lr
        assert d.engine.learning_rate == pytest.approx(lr)
    assert 10 ** d.learning_rate.min == pytest.approx(lo)
    assert 10 ** d.learning_rate.max == pytest.approx(hi)
    d.learning_rate.value = 0.8
    d.step(6)
    e = d.path[:, 0] - 1.0
    assert np.all(np.sign(e[1:]) == -np.sign(e[:-1]))           # it bounces


def test_decay_momentum_and_nesterov_reach_the_engine(d):
    d.decay.value = 0.25
    d.settings["momentum"].value = 0.9
    d.settings["nesterov"].value = True
    assert d.engine.settings["decay"] == 0.25
    assert d.engine.settings["momentum"] == 0.9 and d.engine.settings["nesterov"] is True


def test_the_optimizer_menu_has_every_optimizer_and_shows_only_its_settings(d):
    assert [v for _, v in d.optimizer.options] == list(optimizers.NAMES)
    for name in optimizers.NAMES:
        d.optimizer.value = name
        assert d.engine.optimizer == name
        own = set(optimizers.HYPERPARAMETERS[name]) - {"learning_rate", "decay"}
        shown = {k for k, box in d._setting_boxes.items() if box.layout.display != "none"}
        assert shown == own, name
        for key in own:   # the controls show the engine's values
            assert d.settings[key].value == d.engine.settings[key]
    d.optimizer.value = "adam"
    d.settings["beta_1"].value = 0.5
    assert d.engine.settings["beta_1"] == 0.5


def test_a_refused_value_snaps_back_and_says_why(d):
    d.optimizer.value = "adam"
    d.settings["beta_1"].value = 1.5
    assert d.engine.settings["beta_1"] == 0.9 and d.settings["beta_1"].value == 0.9
    assert "beta_1" in d.status.value
    with pytest.raises(ValueError, match="beta_1"):
        d.configure(beta_1=2.0)


def test_the_local_minima_figure_from_the_controls():
    w = Descent("local-minima")
    try:
        w.step(300)
        assert w.position[0] == pytest.approx(-2.0, abs=1e-3)   # stuck in the local minimum
        w.reset()
        w.settings["momentum"].value = 0.9
        w.step(300)
        assert w.position[0] == pytest.approx(2.0, abs=1e-3)    # over the bump
    finally:
        w.close()


def test_a_click_on_the_figure_sets_the_start_and_resets(d):
    d.step(5)
    width, height = d.figure_size()
    plot_w = width - MARGIN["left"] - MARGIN["right"]
    # a quarter of the way across the plot: x = lo + (hi - lo) / 4
    lo, hi = engine.CURVES["bowl"].range
    point = d.figure_click(MARGIN["left"] + plot_w / 4, height / 2)
    assert point[0] == pytest.approx(lo + (hi - lo) / 4)
    assert d.steps == 0 and d.position[0] == pytest.approx(point[0])
    np.testing.assert_allclose(d.path, [[point[0]]])
    assert d.figure_click(2, 2) is None                          # in the margin: nothing
    # the DOM event, from a figure drawn at twice its size
    d._on_figure_event({"type": "click", "relativeX": 2 * (MARGIN["left"] + plot_w / 2),
                        "relativeY": height, "boundingRectWidth": 2 * width,
                        "boundingRectHeight": 2 * height})
    assert d.position[0] == pytest.approx((lo + hi) / 2)


def test_a_click_on_a_surface_sets_both_coordinates():
    w = Descent("saddle")
    try:
        width, height = w.figure_size()
        plot_h = height - MARGIN["top"] - MARGIN["bottom"]
        point = w.figure_click(MARGIN["left"], MARGIN["top"] + plot_h / 4)
        (x0, _), (y0, y1) = engine.CURVES["saddle"].range
        assert point == pytest.approx((x0, y1 - (y1 - y0) / 4))
        np.testing.assert_allclose(w.position, point)
    finally:
        w.close()


def test_the_curve_menu_switches_curves_and_keeps_the_settings(d):
    d.learning_rate.value = 0.05
    d.curve.value = "ravine"
    assert d.engine.curve.name == "ravine" and d.engine.dim == 2
    assert d.engine.learning_rate == pytest.approx(0.05)
    np.testing.assert_array_equal(d.position, engine.CURVES["ravine"].start)
    assert d.surface_image.visible and d.title.value == engine.CURVES["ravine"].title


def test_your_own_function_has_no_curve_menu():
    w = Descent(f=lambda x: x ** 4 - 3 * x * x + x, start=2.0, range=(-2.5, 2.5))
    try:
        assert w.curve.disabled and w.curve.value == "custom"
        w.step(10)
        assert w.loss < w.engine.losses[0]
    finally:
        w.close()


def test_set_curve_from_code_moves_the_curve_menu_too(d):
    """d.set_curve("ravine") drew the ravine while the Curve menu still said "bowl"; on
    your own function the menu stayed "Your function", disabled, over a named curve."""
    d.set_curve("ravine")
    assert d.engine.curve.name == "ravine" and d.curve.value == "ravine"
    d.curve.value = "saddle"                       # the menu still works afterwards
    assert d.engine.curve.name == "saddle"
    w = Descent(f=lambda x: x ** 2, start=1.0)
    try:
        w.set_curve("local-minima")
        assert w.curve.value == "local-minima" and not w.curve.disabled
        assert [v for _, v in w.curve.options] == list(engine.CURVES)
        w.curve.value = "bowl"
        assert w.engine.curve.name == "bowl"
    finally:
        w.close()


def test_a_click_without_y_on_a_surface_names_y():
    """click(1.0) on a 2-D surface said "start[1]=None ... is not allowed"."""
    w = Descent("ravine")
    try:
        before = w.position
        with pytest.raises(ValueError, match=r"click\(x=1\.0, y=None\): .*2-D.*give y"):
            w.click(1.0)
        np.testing.assert_array_equal(w.position, before)
    finally:
        w.close()


def test_a_race_has_one_trail_and_colour_per_run_and_a_legend():
    w = Descent("ravine", runs=RUNS)
    try:
        assert w.racing and isinstance(w.engine, engine.Race)
        assert len(w.trails) == len(w.balls) == 3
        colors = [b.colors[0] for b in w.balls]
        assert colors == list(RACE_COLORS[:3])
        for label, color in zip(["SGD", "SGD, momentum 0.9", "Adam"], colors):
            assert label in w.legend.value and color in w.legend.value
        w.step(20)
        assert len(w.position) == 3 and len(w.path) == 3 and len(w.loss) == 3
        for trail, ball, path in zip(w.trails, w.balls, w.path):
            np.testing.assert_array_equal(trail.x, path[:, 0])
            np.testing.assert_array_equal(trail.y, path[:, 1])
            assert list(ball.x) == [path[-1, 0]]
        assert w._optimizer_box.layout.display == "none"         # each run has its own
        w.learning_rate.value = 0.2
        assert [r.learning_rate for r in w.engine.runs] == [0.2, 0.2, 0.2]
    finally:
        w.close()


def test_a_race_of_learning_rates_disables_the_learning_rate_it_varies():
    """Lesson 4's races: the slider of what the race varies would reach no run (each sets
    its own), so it is disabled and says why; the common settings stay live."""
    w = Descent("ravine", runs=[dict(learning_rate=0.01), dict(learning_rate=0.1)])
    try:
        assert w.engine.own_settings == {"learning_rate"}
        assert w.learning_rate.disabled and "own learning rate" in w.learning_rate.tooltip
        assert not w.decay.disabled and w.decay.tooltip is None
        w.decay.value = 0.1                               # a common setting: every run
        assert [r.settings["decay"] for r in w.engine.runs] == [0.1, 0.1]
    finally:
        w.close()
    w = Descent("ravine", runs=RUNS)                      # a race of optimizers
    try:
        assert not w.learning_rate.disabled
    finally:
        w.close()


def test_a_race_on_a_curve_shows_the_chapters_momentum_figure():
    w = Descent("local-minima", runs=[dict(), dict(momentum=0.9)])
    try:
        w.step(300)
        (plain,), (heavy,) = w.position
        assert plain == pytest.approx(-2.0, abs=1e-3) and heavy == pytest.approx(2.0, abs=1e-3)
        assert w.engine.labels == ["SGD", "SGD, momentum 0.9"]
        for trail, run in zip(w.trails, w.engine.runs):
            np.testing.assert_allclose(trail.y, run.losses[-len(trail.y):])   # on the curve
        assert not w.arrow.visible
    finally:
        w.close()


# -- play / pause on the asyncio loop ------------------------------------------------------

async def test_play_moves_the_ball_at_most_30_frames_a_second():
    w = Descent("bowl", learning_rate=0.01, steps_per_second=120)
    try:
        w.play()
        assert w.playing and w.play_button.icon == "pause"
        frames0 = w.frames_rendered
        await asyncio.sleep(1.0)
        frames = w.frames_rendered - frames0
        steps = w.steps
        w.pause()
        assert 5 <= frames <= 32
        assert 40 <= steps <= 125
        assert not w.playing and w.play_button.icon == "play"
        np.testing.assert_array_equal(w.balls[0].x, [w.position[0]])  # pause shows the state
        assert w.counter.value == f"step {w.steps}"                   # and its text
    finally:
        w.close()


def test_speed_menu_says_1_step_not_1_steps():
    w = Descent("bowl", steps_per_second=1)
    try:
        labels = dict((v, label) for label, v in w.speed.options)
        assert labels[1.0] == "1 step/s" and labels[10.0] == "10 steps/s"
        assert w.speed.label == "1 step/s"
    finally:
        w.close()


def test_control_rows_wrap_in_a_narrow_window(d):
    # at 900 px with the file browser (468 px for the widget) the rows shrank instead:
    # the Curve menu was cut and the learning rate's readout showed "0" for 0.100
    assert all(row.layout.flex_flow == "row wrap" for row in d._rows)
    assert "overflow-x: auto" in d._style.value       # the 560 px figure scrolls


def test_step_counter_keeps_its_width_as_the_steps_grow(d):
    # the menus to its right stayed put only while the count had one digit
    assert "nbp-descent-counter" in d.counter._dom_classes
    css = d._style.value
    assert ".nbp-descent .nbp-descent-counter { min-width: 10ch;" in css


async def test_speed_sets_the_steps_per_second(d):
    d.speed.value = 10.0
    d.play()
    await asyncio.sleep(0.55)
    d.pause()
    assert 3 <= d.steps <= 7


async def test_nothing_is_sent_and_nothing_runs_while_paused(d, sent):
    d.play()
    await asyncio.sleep(0.2)
    assert d.steps > 0
    d.play_button.click()                 # the Pause button
    assert not d.playing and d.loop._task is None
    assert not d._gate.widget.playing     # the browser's ack timer is stopped too
    steps = d.steps
    sent.clear()
    await asyncio.sleep(0.4)
    assert sent == [] and d.steps == steps


async def test_playing_stops_when_the_ball_diverges():
    w = Descent("bowl", learning_rate=2.5, steps_per_second=120)
    try:
        w.play()
        for _ in range(40):
            await asyncio.sleep(0.05)
            if not w.playing:
                break
        assert not w.playing and w.engine.diverged
        assert "diverged" in w.status.value
        w.reset()
        assert w.status.value == "" and w.steps == 0
    finally:
        w.close()


async def test_close_cancels_the_task():
    w = Descent("saddle", steps_per_second=60)
    w.play()
    await asyncio.sleep(0.05)
    task = w.loop._task
    w.close()
    await asyncio.sleep(0)
    assert task.cancelled() or task.done()
    assert w.closed and not w.playing and w.comm is None and w.figure.comm is None
    steps = w.steps
    await asyncio.sleep(0.1)
    assert w.steps == steps
    with pytest.raises(RuntimeError, match="closed"):
        w.play()
    w.close()                             # twice is fine


def test_close_releases_every_widget():
    from ipywidgets.widgets.widget import _instances
    before = set(_instances)
    w = Descent("ravine", runs=RUNS)
    made = set(_instances) - before
    assert len(made) > 20
    w.close()
    left = made & set(_instances)
    assert not left, sorted(type(_instances[k]).__name__ for k in left)


async def test_displaying_again_pauses(d):
    d._repr_mimebundle_()
    d.play()
    assert d.playing
    d._repr_mimebundle_()
    assert not d.playing


async def test_while_playing_the_text_is_redrawn_at_most_5_times_a_second(sent):
    w = Descent("bowl", learning_rate=0.001, steps_per_second=120)
    try:
        w.play()
        await asyncio.sleep(0.1)
        sent.clear()
        await asyncio.sleep(1.0)
        texts = sum(1 for widget, _ in sent if widget is w.readout)
        balls = sum(1 for widget, _ in sent if widget is w.balls[0])
        w.pause()
        assert texts <= 6 and balls >= 10
    finally:
        w.close()


async def test_a_ball_at_rest_sends_no_frames_while_playing(sent):
    w = Descent("bowl", start=1.0, steps_per_second=60)      # on the minimum: it never moves
    try:
        frames = w.frames_rendered
        sent.clear()
        w.play()
        await asyncio.sleep(0.5)
        assert w.steps > 10 and w.frames_rendered == frames
        assert not any(widget is w.balls[0] or widget is w.trails[0] for widget, _ in sent)
        w.pause()
        assert w.counter.value == f"step {w.steps}"         # Pause shows where it got to
    finally:
        w.close()


def test_a_frame_is_a_few_small_messages(d, sent):
    d.step(50)
    sent.clear()
    d.step(1)
    assert 0 < len(sent) <= 12
    assert not any(w is d.curve_line or w is d.surface_image for w, _ in sent)


def test_bad_arguments_raise_from_the_engine():
    with pytest.raises(ValueError, match="curve='nope'"):
        Descent("nope")
    with pytest.raises(ValueError, match="steps_per_second=0"):
        Descent("bowl", steps_per_second=0)
    with pytest.raises(ValueError, match="learning_rate=-1"):
        Descent("bowl", learning_rate=-1)
    assert math.isfinite(LEARNING_RATE_RANGE[0])
