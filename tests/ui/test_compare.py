"""The Compare widget driven from Python: controls build the right Runs, frames show the
runs' own numbers, bad input is refused next to its control, and the asyncio loop plays,
pauses and closes as the Playground's does."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib

import ipywidgets
import numpy as np
import pytest

from nbplayground import Compare, Config, render
from nbplayground.runs import Runs
from nbplayground.ui import compare as compare_module
from nbplayground.ui import Playground
from nbplayground.ui.output_view import png_of


@pytest.fixture
def make():
    made = []

    def build(*args, **kwargs):
        widget = Compare(*args, **kwargs)
        made.append(widget)
        return widget

    yield build
    for widget in made:
        widget.close()


@pytest.fixture
def sent(monkeypatch):
    """Every widget message sent: (widget, msg, buffers)."""
    log = []
    original = ipywidgets.Widget._send

    def record(self, msg, buffers=None):
        log.append((self, msg, [bytes(b) for b in (buffers or [])]))
        return original(self, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    return log


def png_indices(png: bytes) -> np.ndarray:
    """The palette indices (H, W) of an 8-bit indexed PNG with filter-0 rows."""
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color_type = struct.unpack(">IIBB", data[:10])
            assert (depth, color_type) == (8, 3)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:]


def grid(n: int) -> np.ndarray:
    """Playground's grid over [-6, 6]² with n points per axis, row 0 at y = +6."""
    gx, gy = np.meshgrid(np.linspace(-6, 6, n), np.linspace(6, -6, n))
    return np.column_stack([gx.ravel(), gy.ravel()])


def seeds_of(runs) -> list:
    return [t.config.seed for t in runs]


def weights_of(trainer) -> list:
    return [w.copy() for w in trainer.weights]


# -- building the runs -----------------------------------------------------------------

def test_default_is_eight_seeds_of_the_config(make):
    c = make(dataset="xor", seed="0.5")
    assert c.vary == "seed" and c.values == 8 and len(c.runs) == 8
    assert c.config.dataset == "xor"
    assert all(t.config.dataset == "xor" for t in c.runs)
    assert len(set(seeds_of(c.runs))) == 8 and c.runs[0].config.seed == "0.5"
    assert c.runs.labels == Runs.seeds(c.config, 8).labels
    assert len(c.cells) == 8 and len(c.grid.children) == 8
    assert c.same_start_box.disabled  # seeds differ by their start
    assert not c.same_start_box.value  # and no greyed tick says otherwise
    c.set_vary("optimizer", ["sgd", "adam"])
    assert c.same_start_box.value == c.same_start and not c.same_start_box.disabled


def test_momentum_racers_take_the_base_momentum(make):
    """Lesson 8's "type 0.99 as the momentum, then race": the momentum and Nesterov
    racers use the base config's momentum (0.9 when it has none) and say so."""
    c = make(seed="1", optimizer="sgd", momentum=0.99, vary="optimizer",
             values=["sgd", "momentum", "nesterov", "adam"])
    assert [(t.config.optimizer, t.config.momentum, t.config.nesterov) for t in c.runs] == [
        ("sgd", 0.0, False), ("sgd", 0.99, False), ("sgd", 0.99, True), ("adam", 0.99, False)]
    assert c.runs.labels == ["sgd", "momentum 0.99", "nesterov 0.99", "adam"]
    assert "optimizer momentum 0.99" in c.base.value        # and the base line agrees


def test_vary_dropdown_and_values_build_the_runs(make):
    c = make(seed="1")
    c.vary_dropdown.value = "optimizer"
    assert c.vary == "optimizer"
    assert c.runs.labels == ["sgd", "momentum", "nesterov", "adam"]
    configs = [t.config for t in c.runs]
    assert [(k.optimizer, k.momentum, k.nesterov) for k in configs] == [
        ("sgd", 0.0, False), ("sgd", 0.9, False), ("sgd", 0.9, True), ("adam", 0.0, False)]
    assert c._value_boxes["optimizer"].layout.display is None     # its values are shown
    assert c._value_boxes["seed"].layout.display == "none"        # the others hidden

    c.value_controls["optimizer"].value = ("sgd", "rmsprop", "adam")
    assert c.runs.labels == ["sgd", "rmsprop", "adam"]

    c.vary_dropdown.value = "learning_rate"
    c.value_controls["learning_rate"].value = "0.003, 0.03, 0.3, 1"
    assert [t.config.learning_rate for t in c.runs] == [0.003, 0.03, 0.3, 1.0]
    assert c.runs.labels == ["learning rate 0.003", "learning rate 0.03",
                            "learning rate 0.3", "learning rate 1"]
    c.step(1)      # the pictures' one-line titles say "lr", the hover the whole label
    assert '<b title="learning rate 0.003">lr 0.003</b>' in c._cells[0].title.value

    c.vary_dropdown.value = "batch_size"
    c.value_controls["batch_size"].value = "1, 30"
    assert [t.config.batch_size for t in c.runs] == [1, 30]

    c.vary_dropdown.value = "activation"
    c.value_controls["activation"].value = ("relu", "linear")
    assert [t.config.activation for t in c.runs] == ["relu", "linear"]

    c.vary_dropdown.value = "network_shape"
    c.value_controls["network_shape"].value = "3 | 4,2 | none | 8, 8"
    assert [t.config.network_shape for t in c.runs] == [(3,), (4, 2), (), (8, 8)]
    assert len(c.cells) == 4 and len(c.test_lines.colors) == 4

    c.vary_dropdown.value = "seed"
    c.value_controls["seed"].value = 3
    assert len(c.runs) == 3 and len(c.grid.children) == 3


def test_same_start_shares_data_and_weights_and_unticked_does_not(make):
    c = make(vary="learning_rate", values=[0.01, 0.1], seed="7")
    a, b = c.runs[0], c.runs[1]
    assert seeds_of(c.runs) == ["7", "7"]
    assert all(np.array_equal(x, y) for x, y in zip(weights_of(a), weights_of(b)))
    assert np.array_equal(a.data.train_x, b.data.train_x)
    c.same_start_box.value = False
    assert not c.same_start
    a, b = c.runs[0], c.runs[1]
    assert a.config.seed != b.config.seed
    assert not np.array_equal(a.data.train_x, b.data.train_x)
    # the optimizer names that are settings of SGD follow the box too
    c.set_vary("optimizer", ["sgd", "momentum"])
    assert len(set(seeds_of(c.runs))) == 2
    c.same_start_box.value = True
    assert seeds_of(c.runs) == ["7", "7"]


def test_dataset_control_and_config_setter_rebuild_from_the_base(make):
    c = make(vary="optimizer", values=["sgd", "adam"], seed="2")
    c.dataset.value = "spiral"
    assert c.config.dataset == "spiral" and all(t.config.dataset == "spiral" for t in c.runs)
    c.config = Config(dataset="gauss", network_shape=(3,), seed="2")
    assert [t.config.network_shape for t in c.runs] == [(3,), (3,)]
    assert c.dataset.value == "gauss" and "network 3" in c.base.value
    assert [t.config.optimizer for t in c.runs] == ["sgd", "adam"]


def test_the_most_runs_each_have_their_own_colour(make):
    c = make(vary="seed", values=compare_module.MAX_RUNS)
    colors = list(c.test_lines.colors)
    assert len(colors) == compare_module.MAX_RUNS == len(set(colors))
    assert list(c.train_lines.colors) == colors


def test_python_api_refuses_bad_arguments():
    with pytest.raises(ValueError, match="vary='momentum'"):
        Compare(vary="momentum")
    with pytest.raises(ValueError, match="learning rate: 'fast' is not a number"):
        Compare(vary="learning_rate", values="0.1, fast")
    with pytest.raises(ValueError, match="learning_rate"):   # the engine's rule
        Compare(vary="learning_rate", values=[0.1, -1])
    with pytest.raises(ValueError, match="'sgdd' is not an optimizer"):
        Compare(vary="optimizer", values=["sgd", "sgdd"])
    # one colour per run: no two curves of one chart share a colour
    with pytest.raises(ValueError, match="at most 20"):
        Compare(vary="seed", values=21)
    with pytest.raises(ValueError, match="at most 20 runs"):
        Compare(vary="learning_rate", values=[0.001 * (i + 1) for i in range(21)])
    with pytest.raises(TypeError, match="Config"):
        Compare({"dataset": "xor"})


# -- bad text next to its control ----------------------------------------------------------

@pytest.mark.parametrize("vary, text, message", [
    ("learning_rate", "0.03, abc", "'abc' is not a number"),
    ("learning_rate", "0.03, -1", "learning_rate"),          # refused by Config
    ("batch_size", "10, 2.5", "'2.5' is not an integer"),
    ("batch_size", "0", "batch_size"),
    ("network_shape", "3 | 4,x", "'x' is not an integer"),
    ("network_shape", "3 | 0,2", "network_shape"),
])
def test_bad_text_shows_an_error_next_to_its_control_and_keeps_the_runs(make, vary, text,
                                                                        message):
    c = make(vary=vary, seed="1")
    c.step(3)
    runs, labels = c.runs, c.runs.labels
    c.value_controls[vary].value = text
    assert message in c.value_errors[vary].value
    assert "Runs.vary" not in c.value_errors[vary].value     # the engine's entry point
    assert c.runs is runs and c.runs.labels == labels and c.runs.epoch == 3
    assert c.value_controls[vary].value == text          # left for the user to mend
    assert all(c.value_errors[k].value == "" for k in c.value_errors if k != vary)
    good = "0.1, 0.3" if vary == "learning_rate" else "2, 4" if vary == "batch_size" \
        else "2 | 2,2"
    c.value_controls[vary].value = good
    assert c.value_errors[vary].value == "" and c.runs is not runs


def test_an_empty_selection_is_refused_next_to_the_list(make):
    c = make(vary="optimizer", values=["sgd", "adam"])
    runs = c.runs
    c.value_controls["optimizer"].value = ()
    assert "at least one" in c.value_errors["optimizer"].value
    assert c.runs is runs and c.value_controls["optimizer"].value == ("sgd", "adam")


# -- what a frame shows ------------------------------------------------------------------

def test_step_draws_the_runs_own_curves_heatmaps_and_titles(make):
    c = make(vary="optimizer", values=["sgd", "adam", "nesterov"], dataset="xor", seed="3")
    assert c.step(7) == 7
    runs = c.runs
    assert c.epoch.value == "000,007"
    x, test, train = (np.asarray(c.test_lines.x), np.asarray(c.test_lines.y),
                      np.asarray(c.train_lines.y))
    assert test.shape == (3, 8) and x.shape == (3, 8)  # epochs 0..7
    for i in range(3):
        h = runs.histories[i]
        np.testing.assert_allclose(x[i], h.epochs, rtol=0)
        np.testing.assert_allclose(test[i], h.test_loss.astype(np.float32), rtol=0)
        np.testing.assert_allclose(train[i], h.train_loss.astype(np.float32), rtol=0)
        title, image, points = c.cells[i]
        assert runs.labels[i] in title.value
        assert f"test loss {runs.test_loss[i]:.3f}" in title.value
        # the picture is the run's own output on the grid, in Playground's 31 buckets
        n = compare_module.HEATMAP_GRID
        expected = render.bucket_index(runs[i].predict(grid(n)).reshape(n, n))
        np.testing.assert_array_equal(png_indices(png_of(image)), expected)
        assert points.value[:4] == b"\x89PNG"
    assert list(c.test_lines.colors) == list(compare_module.RUN_COLORS[:3])
    legend = c.legend.value
    assert all(label in legend for label in runs.labels) and "dashed" in legend


def test_curves_are_bounded_and_log_scale_swaps_the_scale(make):
    c = make(vary="learning_rate", values=[0.03, 0.3], seed="1")
    c.step(400)
    assert np.asarray(c.test_lines.y).shape[1] <= compare_module.CURVE_POINTS
    assert float(np.asarray(c.test_lines.x)[0, -1]) == 400
    linear_axis = c.chart.axes[1]
    linear_margin = c.chart.fig_margin["left"]
    c.log_scale.value = True
    assert isinstance(c.test_lines.scales["y"], type(c._sy_log))
    # the figure shows a y axis made for the log scale, not the linear axis re-pointed at
    # it (bqplot gave such a re-pointed axis no range: all its ticks sat on the top edge)
    y_axis = c.chart.axes[1]
    assert y_axis is not linear_axis and y_axis.scale is c._sy_log
    assert 0 < c._sy_log.min < c._sy_log.max
    ticks = np.asarray(y_axis.tick_values)
    assert ticks.size >= 2 and np.all((ticks >= c._sy_log.min) & (ticks <= c._sy_log.max))
    assert c.chart.fig_margin["left"] > linear_margin   # room for "0.00001"
    c.log_scale.value = False
    assert c.chart.axes[1] is linear_axis and linear_axis.scale is c._sy_linear
    assert c.chart.fig_margin["left"] == linear_margin
    assert c.test_lines.scales["y"] is c._sy_linear


def test_a_diverged_run_says_so_and_the_others_go_on(make):
    c = make(vary="learning_rate", values=[0.03, 3], dataset="reg-plane", seed="1")
    c.step(30)
    assert list(c.runs.diverged) == [False, True]
    stopped = c.runs[1].epoch
    title = c.cells[1][0].value
    assert f"diverged at epoch {stopped}" in title
    assert "nbp-diverged" in c._cells[1].box._dom_classes
    assert "nbp-diverged" not in c._cells[0].box._dom_classes
    assert c.runs[0].epoch == 30
    x = np.asarray(c.test_lines.x)
    y = np.asarray(c.test_lines.y)
    assert np.isfinite(y).all()               # the diverged curve ends at its last point
    assert x[1].max() < 30 and x[0, -1] == 30


def test_only_changed_pictures_are_sent(make, sent):
    c = make(vary="learning_rate", values=[0.03, 0.3], seed="1")
    c.step(1)
    sent.clear()
    c._render()  # nothing changed since
    picture = b"data:image/png;base64,"      # the heatmaps go out as PNG data URLs
    assert not [b for _, _, bufs in sent for b in bufs if b.startswith(picture)]
    c.step(5)
    pictures = [w for w, _, bufs in sent if any(b.startswith(picture) for b in bufs)]
    assert 1 <= len(pictures) <= 2
    assert all(w in [cell[1] for cell in c.cells] for w in pictures)


# -- the loop ----------------------------------------------------------------------------

async def test_play_sends_at_most_30_frames_per_second_and_nothing_while_paused(make, sent):
    c = make(vary="optimizer", values=["sgd", "momentum", "adam"], seed="1")
    c.epochs_per_second = None   # as fast as possible: a frame every tick
    c.play()
    assert c.playing and c.play_button.icon == "pause"
    frames0 = c.frames_rendered
    await asyncio.sleep(1.0)
    frames = c.frames_rendered - frames0
    assert 5 <= frames <= 32
    assert c.runs.epoch > 10
    c.play_button.click()           # Pause
    assert not c.playing and c.play_button.icon == "play"
    assert c.epoch.value == f"{c.runs.epoch:07,d}"
    # the last frame shows the state reached
    np.testing.assert_allclose(np.asarray(c.test_lines.y)[:, -1],
                               c.runs.test_loss.astype(np.float32))
    epoch, n_sent = c.runs.epoch, len(sent)
    await asyncio.sleep(0.4)
    assert c.runs.epoch == epoch and len(sent) == n_sent
    assert not c._gate.widget.playing


async def test_live_frames_send_curves_at_most_every_chart_interval(make):
    c = make(vary="seed", values=4, seed="1")
    c.epochs_per_second = None
    c.play()
    charts0, frames0 = c.chart_updates, c.frames_rendered
    await asyncio.sleep(1.0)
    c.pause()
    frames, charts = c.frames_rendered - frames0, c.chart_updates - charts0
    assert frames > charts
    assert charts <= 1.0 / compare_module.CHART_INTERVAL + 2


async def test_live_titles_go_out_at_most_every_title_interval_and_pause_draws_the_last(
        make, sent):
    c = make(vary="seed", values=4, seed="1")
    c.epochs_per_second = None
    c.play()
    await asyncio.sleep(1.2)
    titles = {id(cell.title) for cell in c._cells}
    live = sum(1 for w, msg, _ in sent if id(w) in titles)
    # at most one round of 4 titles per TITLE_INTERVAL (the chart goes 5 times a second),
    # plus the first round and one that a slow tick may push past an interval's edge
    assert 4 <= live <= 4 * (int(1.2 / compare_module.TITLE_INTERVAL) + 2), live
    c.pause()
    for i, (title, _, _) in enumerate(c.cells):
        assert f"test loss {c.runs.test_loss[i]:.3f}" in title.value   # the state reached
    n_sent = len(sent)
    await asyncio.sleep(0.3)
    assert len(sent) == n_sent


async def test_playground_pace_by_default(make):
    c = make(vary="seed", values=2, seed="1")
    assert c.epochs_per_second == 60 and c.speed.value == 60
    c.play()
    await asyncio.sleep(1.0)
    c.pause()
    assert 30 <= c.runs.epoch <= 62
    c.speed.value = 10
    assert c.epochs_per_second == 10


def test_a_config_as_fast_as_possible_plays_as_fast_as_possible(make):
    # Playground(epochs_per_second=None).compare() keeps its "as fast as possible"
    c = make(Config(seed="1", epochs_per_second=None), vary="seed", values=2)
    assert c.epochs_per_second is None and c.speed.value == 0
    # an explicit pace given to Compare wins over the config's
    c2 = make(Config(seed="1", epochs_per_second=None), vary="seed", values=2,
              epochs_per_second=30)
    assert c2.epochs_per_second == 30 and c2.speed.value == 30


async def test_close_cancels_the_loop(make):
    c = make(vary="seed", values=2, seed="1")
    c.play()
    await asyncio.sleep(0.1)
    task = c.loop._task
    c.close()
    assert c.closed and not c.playing
    await asyncio.sleep(0.05)
    assert task.cancelled() or task.done()
    epoch = c.runs.epoch
    await asyncio.sleep(0.2)
    assert c.runs.epoch == epoch
    with pytest.raises(RuntimeError, match="closed"):
        c.play()


async def test_displaying_again_pauses(make):
    c = make(vary="seed", values=2, seed="1")
    c._repr_mimebundle_()
    c.play()
    await asyncio.sleep(0.05)
    c._repr_mimebundle_()
    assert not c.playing


async def test_changing_a_control_while_playing_goes_on_with_the_new_runs(make):
    c = make(vary="optimizer", values=["sgd", "adam"], seed="1")
    c.play()
    await asyncio.sleep(0.2)
    c.value_controls["optimizer"].value = ("sgd", "rmsprop", "adam")
    assert c.runs.labels == ["sgd", "rmsprop", "adam"] and c.playing
    await asyncio.sleep(0.3)
    c.pause()
    assert c.runs.labels == ["sgd", "rmsprop", "adam"] and c.runs.epoch > 0


def test_reset_starts_every_run_again(make):
    c = make(vary="optimizer", values=["sgd", "adam"], seed="1")
    before = [weights_of(t) for t in c.runs]
    c.step(5)
    c.reset()
    assert c.runs.epoch == 0 and c.epoch.value == "000,000"
    after = [weights_of(t) for t in c.runs]
    assert all(np.array_equal(a, b) for x, y in zip(before, after) for a, b in zip(x, y))


# -- from a Playground -------------------------------------------------------------------

def test_playground_compare_carries_its_config():
    pg = Playground(dataset="spiral", network_shape=(6, 3), activation="relu",
                    learning_rate=0.01, seed="0.4")
    try:
        pg.config = pg.config.replace(noise=10)
        c = pg.compare(vary="optimizer", values=["sgd", "adam"])
        try:
            assert c.config == pg.config
            for t in c.runs:
                assert (t.config.dataset, t.config.network_shape, t.config.activation,
                        t.config.learning_rate, t.config.noise, t.config.seed) == \
                    ("spiral", (6, 3), "relu", 0.01, 10, pg.config.seed)
            assert c.runs.labels == ["sgd", "adam"]
        finally:
            c.close()
    finally:
        pg.close()


def test_frame_messages_are_small(make, sent):
    c = make(vary="seed", values=8, seed="1")
    c.step(1)
    sent.clear()
    c.step(1)
    total = sum(len(json.dumps(msg, default=str)) + sum(map(len, bufs)) for _, msg, bufs in sent)
    assert total < 8 * 3000 + 20_000, total


def test_three_class_runs_show_each_class_in_its_colour(make):
    c = make(dataset="gauss3", vary="seed", values=2, seed="1")
    c.step(20)
    n = compare_module.HEATMAP_GRID
    probabilities = c.runs[0].predict(grid(n)).T.reshape(-1, n, n)
    expected = render.class_heatmap(probabilities).indices
    np.testing.assert_array_equal(png_indices(png_of(c.cells[0][1])), expected)


def test_a_live_frame_draws_the_pictures_in_turn_when_they_cost_too_much(make, monkeypatch):
    c = make(vary="seed", values=6, seed="1")
    c.step(1)
    drawn = []
    monkeypatch.setattr(compare_module.Compare, "heatmap_png",
                        lambda self, i: drawn.append(i) or b"\x89PNG" + bytes([i, len(drawn)]))
    c._heat_cost = compare_module.HEATMAP_BUDGET / 2.5   # two pictures fit in a frame
    for _ in range(3):
        c._draw_heatmaps(live=True)
        c._heat_cost = compare_module.HEATMAP_BUDGET / 2.5
    assert drawn == [0, 1, 2, 3, 4, 5]
    drawn.clear()
    c._draw_heatmaps(live=False)      # paused or stepped: every picture
    assert drawn == [0, 1, 2, 3, 4, 5]


def test_log_ticks_are_round_and_inside_the_range():
    ticks, _ = compare_module._log_ticks(0.003, 0.8)
    assert list(ticks) == [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
    ticks, fmt = compare_module._log_ticks(1e-6, 10)
    assert list(ticks) == [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]
    assert fmt == "~g"       # d3: 0.001, not ".2g"'s 0.0010, cut off by the axis margin


def test_log_ticks_of_a_narrow_range_are_distinct():
    # the first epochs: every loss near 0.52, no 1-2-5 tick inside; bqplot's own ticks
    # then read "0.52, 0.52, 0.52, 0.51, ..." under ".2g"
    ticks, fmt = compare_module._log_ticks(0.513, 0.52)
    assert len(ticks) >= 2 and np.all((ticks >= 0.513) & (ticks <= 0.52))
    labels = [f"{t:{fmt[1:]}}" for t in ticks]
    assert len(set(labels)) == len(labels)


def test_playground_compare_takes_the_users_own_points_along():
    rng = np.random.default_rng(5)
    X = rng.uniform(-20, 20, size=(80, 2))
    y = np.where(X[:, 0] > 0, 1, -1)
    pg = Playground(data=(X, y), seed="2")
    try:
        c = pg.compare("learning_rate", [0.03, 0.3])
        try:
            for t in c.runs:
                assert t.custom_data is not None and t.domain == pg.trainer.domain
                assert np.array_equal(t.data.train_x, pg.trainer.data.train_x)
            assert c.dataset.disabled
            c.step(2)
            # the picture spans the data's domain, as the run predicts on it
            n = compare_module.HEATMAP_GRID
            x0, x1, y0, y1 = c.runs[0].domain
            gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y1, y0, n))
            out = c.runs[0].predict(np.column_stack([gx.ravel(), gy.ravel()]))
            np.testing.assert_array_equal(png_indices(png_of(c.cells[0][1])),
                                          render.bucket_index(out.reshape(n, n)))
        finally:
            c.close()
    finally:
        pg.close()


def test_reset_with_seeds_draws_new_weights(make):
    c = make(vary="seed", values=2, seed="1")
    before = [weights_of(t) for t in c.runs]
    c.step(3)
    c.reset()
    assert c.runs.epoch == 0 and len(c.runs.histories[0]) == 1
    after = [weights_of(t) for t in c.runs]
    assert not np.array_equal(before[0][0], after[0][0])


def test_close_leaves_no_widget_open():
    def open_widgets():
        return set(ipywidgets.Widget._active_widgets) if hasattr(
            ipywidgets.Widget, "_active_widgets") else set(ipywidgets.Widget.widgets)

    before = open_widgets()
    c = Compare(vary="optimizer", seed="1")
    c.step(2)
    c.set_vary("seed", 14)                 # more cells
    c.set_vary("network_shape", "3 | 4")   # fewer cells: the others are closed at once
    c.log_scale.value = True
    c.close()
    assert open_widgets() - before == set()


def test_a_seed_count_that_is_not_a_whole_number_and_a_non_bool_same_start_are_refused(make):
    c = make(vary="seed", values=3, seed="1")
    runs = c.runs
    with pytest.raises(TypeError, match="seeds: 2.5"):
        c.set_vary("seed", 2.5)
    with pytest.raises(TypeError, match="same_start='y'"):
        c.set_vary("seed", 3, same_start="y")
    assert c.runs is runs and len(c.runs) == 3


def test_values_from_code_that_are_not_lists_get_errors_that_name_them(make):
    """What a notebook types: a network as a flat tuple, one NumPy number, a bare count
    where names are wanted.  Each gets an error naming the value, not Python's
    "'int' object is not iterable"; single NumPy numbers are read like Python's."""
    with pytest.raises(ValueError, match=r"network: 4 is not a network shape.*\[\(4, 8\)\]"):
        Compare(vary="network_shape", values=(4, 8))
    with pytest.raises(ValueError, match=r"network: 4 is not a network shape"):
        Compare(vary="network_shape", values=[4, (8, 8)])
    with pytest.raises(TypeError, match=r"optimizer: 5 is not a list of values"):
        Compare(vary="optimizer", values=5)
    with pytest.raises(TypeError, match=r"activation: None is not a list of values"):
        compare_module.parse_values("activation", None)
    assert make(vary="learning_rate", values=np.float32(0.25)).values == (0.25,)
    assert make(vary="batch_size", values=np.int64(5)).values == (5,)
    c = make(vary="network_shape", values=[(4,), [8, 8], ()])
    assert c.values == ((4,), (8, 8), ())
    runs = c.runs
    with pytest.raises(ValueError, match="network: 3 is not a network shape"):
        c.set_vary("network_shape", (3,))
    assert c.runs is runs


async def test_a_refused_playground_compare_changes_nothing():
    """pg.compare paused the Playground before its arguments were checked: a mistyped
    value stopped a playing Playground (a refused change leaves everything as it was)."""
    pg = Playground(dataset="xor", network_shape=(3,), seed="0.3")
    try:
        pg.play()
        await asyncio.sleep(0.1)
        for kwargs in ({"vary": "learning_rate", "values": "0.1, -1"},
                       {"vary": "speed"}, {"vary": "seed", "learning_rate": -1}):
            with pytest.raises(ValueError):
                pg.compare(**kwargs)
            assert pg.playing, kwargs
        c = pg.compare(vary="seed", values=2)
        try:
            assert not pg.playing, "a Compare made from it pauses the Playground"
        finally:
            c.close()
    finally:
        pg.close()


def test_same_start_takes_a_numpy_bool_as_runs_vary_does(make):
    """Runs.vary and Trainer.reset take np.bool_ (a checkbox array's element, a mask's
    value); Compare refused np.False_ as 'must be True or False'."""
    c = make(vary="optimizer", values=["sgd", "adam"], same_start=np.bool_(False))
    assert c.same_start is False and c.runs.labels[0].startswith("sgd, seed ")
    c.set_vary("optimizer", same_start=np.bool_(True))
    assert c.same_start is True and c.runs.labels == ["sgd", "adam"]


def test_a_seed_listed_twice_is_named_by_the_values_it_came_from(make):
    """The error said "n=['1', '1']: ...", the parameter of Runs.seeds, not of Compare."""
    with pytest.raises(ValueError, match=r"^seeds: '1' given more than once"):
        Compare(vary="seed", values=[1, "1", "2"])
    c = make(vary="seed", values=3, seed="1")
    runs = c.runs
    c.set_vary("seed", "a, b")
    c.set_vary("seed", 3)
    with pytest.raises(ValueError, match=r"^seeds: 'a' given more than once"):
        c.set_vary("seed", "a, b, a")
    assert len(c.runs) == 3 and c.runs is not runs
