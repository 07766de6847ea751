"""The Playground widget: docs/playground.md §9 through the controls, the asyncio loop,
divergence, errors, closing, display hooks and the bytes a frame costs."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import warnings

import ipywidgets
import numpy as np
import pytest

from nbplayground import render
from nbplayground.config import Config
from nbplayground.ui import Playground
from nbplayground.ui import displays
from nbplayground.ui.network_view import NetworkView


@pytest.fixture
def pg():
    widget = Playground(seed="0.25")
    yield widget
    widget.close()


def weights(p: Playground) -> list:
    return [w.copy() for w in p.trainer.weights]


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y)
                                    for x, y in zip(a, b))


# -- construction and public API ---------------------------------------------------------

def test_url_setter_takes_a_playground_link_and_refuses_a_bad_one(pg):
    pg.url = ("https://playground.tensorflow.org/#activation=relu&learningRate=0.1"
              "&dataset=xor&networkShape=5&seed=0.5")
    c = pg.config
    assert (c.dataset, c.network_shape, c.activation, c.learning_rate, c.seed) == (
        "xor", (5,), "relu", 0.1, "0.5")
    assert pg.trainer.network.layer_sizes == (2, 5, 1) and pg.url.startswith(
        "https://playground.tensorflow.org/#")
    before = pg.config
    with pytest.raises(ValueError, match="learningRate"):
        pg.url = "#learningRate=fast&dataset=circle"
    assert pg.config is before and pg.trainer.network.layer_sizes == (2, 5, 1)


def test_url_of_your_own_points_warns_that_it_holds_only_the_settings(tmp_path):
    p = Playground(dataset="spiral", seed="1")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # Playground's own data: no warning
            assert "dataset=spiral" in p.url
        p.add_point(0.5, 0.5, 1)
        with pytest.warns(UserWarning, match=r"cannot hold your own points") as caught:
            url = p.url
        assert f"dataset={p.config.dataset!r}" in str(caught[0].message)   # what it opens
        assert "pg.save" in str(caught[0].message)
        assert url == p.config.to_url(full=True)     # the settings, as before
        p.save(tmp_path / "points.json")             # what keeps the points
        q = Playground.load(tmp_path / "points.json")
        try:
            assert q.custom_data is not None
            assert len(q.custom_data.labels) == len(p.custom_data.labels)   # with the new point
        finally:
            q.close()
    finally:
        p.close()


def test_construction_like_trainer():
    p = Playground(dataset="xor", network_shape=(5,), seed="3")
    try:
        assert p.config.dataset == "xor" and p.config.network_shape == (5,)
        assert p.trainer.config == p.config
        assert p.url == p.config.to_url(full=True)
        assert p.url.startswith("https://playground.tensorflow.org/#")
        assert not p.playing and p.status == ""
        assert "nbp-playground" in p._dom_classes
        assert p.controls.epoch.value == "000,000"
    finally:
        p.close()
    with pytest.raises(TypeError, match="config"):
        Playground("circle")
    with pytest.raises(ValueError, match="noise"):
        Playground(noise=99)


def test_setting_config_applies_a_whole_state_and_updates_every_control(pg):
    new = Config(seed="0.5", dataset="spiral", activation="relu", learning_rate=0.1,
                 noise=10, network_shape=(3, 3, 3), show_test_data=True)
    pg.config = new
    assert pg.config == new
    k = pg.controls
    assert (k.activation.value, k.learning_rate.value, k.noise.value) == ("relu", 0.1, 10)
    assert "nbp-selected" in k.dataset_buttons["spiral"]._dom_classes
    assert pg.output_view.show_test_data.value
    assert pg.trainer.epoch == 0
    with pytest.raises(TypeError, match="Config"):
        pg.config = {"dataset": "xor"}


# -- docs/playground.md §9: what each control does --------------------------------------------------------

def test_learning_rate_applies_live_and_keeps_the_epoch(pg):
    pg.step(5)
    w = weights(pg)
    pg.controls.learning_rate.value = 0.3
    assert pg.config.learning_rate == 0.3
    assert pg.trainer.epoch == 5 and same(weights(pg), w)
    assert pg.controls.epoch.value == "000,005"


@pytest.mark.parametrize("widget, value, field", [
    ("activation", "relu", "activation"),
    ("regularization", "L2", "regularization"),
    ("batch_size", 3, "batch_size"),
])
async def test_reset_controls_go_to_epoch_0_and_pause(pg, widget, value, field):
    pg.step(4)
    seed, data = pg.config.seed, pg.trainer.data
    pg.play()
    await asyncio.sleep(0.1)
    getattr(pg.controls, widget).value = value
    assert not pg.playing
    assert pg.trainer.epoch == 0 and pg.controls.epoch.value == "000,000"
    assert getattr(pg.config, field) == value
    assert pg.config.seed == seed and pg.trainer.data is data  # data kept


def test_features_and_shape_from_the_network_view_reset(pg):
    pg.step(3)
    pg.network_callbacks["on_features"](("x", "y", "x_squared"))
    assert pg.config.features == ("x", "y", "x_squared") and pg.trainer.epoch == 0
    pg.step(3)
    pg.network_callbacks["on_shape"]((6,))
    assert pg.config.network_shape == (6,) and pg.trainer.epoch == 0
    assert [w.shape for w in pg.trainer.weights] == [(6, 3), (1, 6)]


@pytest.mark.parametrize("edit", [
    lambda k: setattr(k.noise, "value", 20),
    lambda k: setattr(k.train_percent, "value", 70),
    lambda k: k.dataset_buttons["xor"].click(),
    lambda k: setattr(k.problem, "value", "regression"),
])
async def test_data_controls_regenerate_with_a_new_seed_and_reset(pg, edit):
    pg.step(4)
    seed, data = pg.config.seed, pg.trainer.data
    pg.play()
    await asyncio.sleep(0.05)
    edit(pg.controls)
    assert not pg.playing
    assert pg.config.seed != seed
    assert pg.trainer.data is not data
    assert pg.trainer.epoch == 0


def test_ratio_changes_the_split(pg):
    pg.controls.train_percent.value = 70
    assert pg.trainer.data.num_train == 350  # floor(500 * 70 / 100)


async def test_regenerate_button_keeps_epoch_and_weights_and_training(pg):
    pg.step(6)
    w, seed, data = weights(pg), pg.config.seed, pg.trainer.data
    pg.controls.regenerate_button.click()
    assert pg.trainer.epoch == 6 and same(weights(pg), w)
    assert pg.config.seed != seed and pg.trainer.data is not data
    # the new points were sent to the heatmap
    assert len(pg.output_view.train_points.x) > 0
    pg.play()
    await asyncio.sleep(0.05)
    pg.controls.regenerate_button.click()
    assert pg.playing  # regenerate does not pause
    pg.pause()


@pytest.mark.parametrize("checkbox, field", [("show_test_data", "show_test_data"),
                                             ("discretize", "discretize")])
def test_display_checkboxes_change_nothing_but_the_display(pg, checkbox, field):
    pg.step(5)
    w, before = weights(pg), pg.output_view.heatmap_bytes
    getattr(pg.output_view, checkbox).value = True
    assert getattr(pg.config, field) is True
    assert pg.trainer.epoch == 5 and same(weights(pg), w)
    if field == "discretize":
        assert pg.output_view.heatmap_bytes == render.heatmap_png(pg.trainer.frame().output, True)
        assert pg.output_view.heatmap_bytes != before
    else:
        assert pg.output_view.test_points.visible


def test_same_start_restarts_from_the_seeds_first_weights(pg):
    first = weights(pg)
    pg.step(3)
    pg.controls.reset_button.click()
    assert not same(weights(pg), first)   # Playground: the next draws of the stream
    pg.controls.same_weights.value = True
    pg.controls.reset_button.click()
    assert same(weights(pg), first)
    pg.controls.activation.value = "sigmoid"  # a structural change also restarts there
    fresh = Playground(seed="0.25", activation="sigmoid")
    try:
        assert same(weights(pg), weights(fresh))
    finally:
        fresh.close()


def test_invalid_input_is_shown_under_its_control_which_keeps_the_text(pg):
    momentum = pg.controls.hyperparameters["momentum"]
    momentum.value = 2.0
    assert "momentum" in pg.controls.error_text("momentum")
    assert pg.status == ""                    # not 600 px lower
    assert pg.config.momentum == 0.0
    assert momentum.value == 2.0 and "nbp-invalid" in momentum._dom_classes
    pg.controls.learning_rate.value = 0.1     # another control: the bad text stays
    assert momentum.value == 2.0 and pg.controls.error_text("momentum")
    momentum.value = 0.5                      # fixed: the message goes
    assert pg.config.momentum == 0.5 and pg.controls.error_text("momentum") == ""
    assert "nbp-invalid" not in momentum._dom_classes


def test_an_error_without_a_control_goes_to_the_status_line(pg):
    pg._report_invalid(ValueError("features: something"), "features")
    assert "features" in pg.status


def test_weight_and_bias_edits_do_not_reset(pg):
    pg.step(2)
    pg.network_callbacks["on_weight"](0, 1, 0, 2.5)
    pg.network_callbacks["on_bias"](0, 1, -0.75)
    assert pg.trainer.epoch == 2
    assert pg.trainer.weights[0][1, 0] == 2.5 and pg.trainer.biases[0][1] == -0.75
    pg.network_callbacks["on_weight"](0, 1, 0, float("nan"))  # bad input: reported, not raised
    assert "weight" in pg.status


def test_hover_switches_the_heatmap_and_back(pg):
    frame = pg.trainer.frame()
    pg.network_callbacks["on_hover"](("feature", "y"))
    assert pg.output_view.heatmap_bytes == render.heatmap_png(pg.trainer.feature_grids()[1])
    pg.network_callbacks["on_hover"](("node", 0, 2))
    assert pg.output_view.heatmap_bytes == render.heatmap_png(pg.trainer.frame().hidden[0][2])
    pg.step(2)  # kept while training
    assert pg.output_view.heatmap_bytes == render.heatmap_png(pg.trainer.frame().hidden[0][2])
    pg.network_callbacks["on_hover"](None)
    assert pg.output_view.heatmap_bytes == render.heatmap_png(pg.trainer.frame().output)
    assert frame.epoch == 0


def test_hide_reaches_every_panel(monkeypatch):
    told = []
    original = NetworkView.set_hidden

    def set_hidden(self, hide):
        told.append(frozenset(hide))
        return original(self, hide)
    monkeypatch.setattr(NetworkView, "set_hidden", set_hidden)
    p = Playground(seed="1", hide={"numHiddenLayers", "showTestData", "noise", "x"})
    try:
        assert p.controls.hideable["noise"].layout.display == "none"
        assert p.output_view.show_test_data.layout.display == "none"
        assert "x" not in p.config.features
        assert told and "numHiddenLayers" in told[-1]
        p.config = p.config.replace(hide=frozenset({"weightEditor"}))
        assert told[-1] == {"weightEditor"}
        assert p.controls.hideable["noise"].layout.display is None
    finally:
        p.close()


# -- play, pause, step through the asyncio loop ---------------------------------------------

async def test_play_advances_the_epoch_at_most_30_frames_per_second(pg):
    pg.play()
    assert pg.playing and pg.controls.play_button.icon == "pause"
    frames0 = pg.frames_rendered
    await asyncio.sleep(1.0)
    frames = pg.frames_rendered - frames0
    assert pg.trainer.epoch > 10
    assert 5 <= frames <= 32
    # while playing the counter changes at most every EPOCH_INTERVAL: close behind
    shown = int(pg.controls.epoch.value.replace(",", ""))
    assert 0 < shown <= pg.trainer.epoch
    pg.pause()
    assert pg.controls.epoch.value == f"{pg.trainer.epoch:07,d}"  # exact once paused
    assert not pg.playing and pg.controls.play_button.icon == "play"


async def test_paused_means_no_training_and_no_frames(pg):
    pg.play()
    await asyncio.sleep(0.2)
    pg.controls.play_button.click()   # the Pause button
    epoch, frames = pg.trainer.epoch, pg.frames_rendered
    await asyncio.sleep(0.3)
    assert (pg.trainer.epoch, pg.frames_rendered) == (epoch, frames)


async def test_pause_shows_the_epoch_reached(pg):
    pg.play()
    await asyncio.sleep(0.3)
    pg.pause()
    assert pg.controls.epoch.value == f"{pg.trainer.epoch:07,d}"
    frame = pg.trainer.frame()
    assert pg.output_view.test_loss.value == f"Test loss {frame.test_loss:.3f}"


async def test_a_browser_that_falls_behind_gets_fewer_frames(pg):
    """Back-pressure: with a front end that stops acknowledging, frames are held while
    training goes on; Pause then sends the state reached."""
    pg.play()
    assert pg._gate.widget.playing          # the browser's ack timer runs while playing
    pg._gate.widget.set_state({"value": 1})  # a browser is there ...
    await asyncio.sleep(0.8)                 # ... but never acknowledges a frame
    frames, epoch = pg.loop.frames, pg.trainer.epoch
    assert frames <= pg._gate.max_in_flight + 1
    assert pg.loop.held > 5 and epoch > 10
    pg._gate.widget.set_state({"value": frames * 1000 + 1})   # it catches up
    await asyncio.sleep(0.3)
    assert pg.loop.frames > frames
    pg.pause()
    assert not pg._gate.widget.playing       # no ack traffic while paused
    assert pg.controls.epoch.value == f"{pg.trainer.epoch:07,d}"


async def test_playground_pace_is_60_epochs_per_second():
    p = Playground(seed="1", epochs_per_second=60)
    try:
        p.play()
        await asyncio.sleep(1.0)
        p.pause()
        assert 30 <= p.trainer.epoch <= 62
    finally:
        p.close()


async def test_speed_dropdown_applies_live(pg):
    pg.play()
    pg.controls.speed.value = 10
    assert pg.playing and pg.loop.epochs_per_second == 10
    await asyncio.sleep(0.5)
    pg.pause()
    assert pg.trainer.epoch <= 10


async def test_step_pauses_and_runs_n_epochs(pg):
    pg.play()
    await asyncio.sleep(0.1)
    epoch = pg.trainer.epoch
    frames = pg.frames_rendered
    assert pg.step(3) == 3
    assert not pg.playing
    assert pg.trainer.epoch == epoch + 3
    assert pg.frames_rendered == frames + 1   # rendered once
    pg.controls.step_button.click()
    assert pg.trainer.epoch == epoch + 4


async def test_an_exception_in_training_reaches_the_status_line_and_stops(pg, monkeypatch,
                                                                        caplog):
    def broken(*args, **kwargs):
        raise ArithmeticError("engine on fire")
    monkeypatch.setattr(pg.trainer, "step", broken)
    with caplog.at_level(logging.ERROR, logger="nbplayground"):
        pg.play()
        await asyncio.sleep(0.1)
    assert not pg.playing
    assert pg.status == "Error: ArithmeticError: engine on fire"
    assert pg.controls.play_button.icon == "play"
    assert "engine on fire" in caplog.text


async def test_close_cancels_the_task(pg):
    pg.play()
    await asyncio.sleep(0.05)
    task = pg.loop._task
    pg.close()
    await asyncio.sleep(0)
    assert task.cancelled() or task.done()
    assert not pg.playing and pg.closed
    assert pg.comm is None and pg.output_view.heatmap.comm is None
    assert pg.controls.learning_rate.comm is None
    epoch = pg.trainer.epoch
    await asyncio.sleep(0.1)
    assert pg.trainer.epoch == epoch
    with pytest.raises(RuntimeError, match="closed"):
        pg.play()


def test_close_releases_every_widget():
    from ipywidgets.widgets.widget import _instances  # the kernel's registry of open widgets
    before = set(_instances)
    p = Playground(seed="1")
    made = set(_instances) - before
    assert len(made) > 50
    p.close()
    left = made & set(_instances)
    assert not left, sorted(type(_instances[k]).__name__ for k in left)


# -- divergence -----------------------------------------------------------------------------

async def test_divergence_pauses_and_reports_and_reset_recovers():
    p = Playground(seed="0.1", problem="regression", activation="relu", learning_rate=3,
                   network_shape=(8, 8, 8))
    try:
        p.play()
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not p.playing:
                break
        assert not p.playing
        assert p.trainer.diverged
        assert p.status == (f"Training diverged at epoch {p.trainer.epoch} (NaN/inf): "
                            f"paused. Press Reset.")
        # NaN, infinite, or finite but beyond what the float32 picture holds: never a
        # 150-digit number (Playground's toFixed switches to an exponent from 1e21)
        shown = p.output_view.test_loss.value
        assert shown in ("Test loss NaN", "Test loss Infinity") or "e+" in shown, shown
        assert len(shown) < 40, shown
        p.play()            # refuses to train a diverged network
        assert not p.playing
        p.controls.reset_button.click()
        assert p.status == "" and not p.trainer.diverged and p.trainer.epoch == 0
    finally:
        p.close()


def test_step_into_divergence_reports():
    p = Playground(seed="0.1", problem="regression", activation="relu", learning_rate=10,
                   network_shape=(8, 8, 8))
    try:
        for _ in range(200):
            p.step(5)
            if p.trainer.diverged:
                break
        assert p.trainer.diverged and "diverged" in p.status
        assert p.step() == 0
    finally:
        p.close()


# -- display hooks ---------------------------------------------------------------------------

async def test_displaying_again_pauses(pg):
    pg._repr_mimebundle_()
    pg.play()
    await asyncio.sleep(0.05)
    bundle = pg._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert not pg.playing


async def test_rerunning_a_cell_closes_the_playground_it_showed(monkeypatch):
    context = {"value": ("cell-1", "run-1")}
    monkeypatch.setattr(displays, "display_context", lambda: context["value"])
    monkeypatch.setattr(displays, "DISPLAYED", {})
    old = Playground(seed="1")
    sibling = Playground(seed="2")
    other_cell = Playground(seed="3")
    old._repr_mimebundle_()
    sibling._repr_mimebundle_()          # same run: both stay
    context["value"] = ("cell-2", "run-2")
    other_cell._repr_mimebundle_()
    old.play()
    other_cell.play()
    await asyncio.sleep(0.05)
    context["value"] = ("cell-1", "run-3")  # the first cell runs again
    new = Playground(seed="4")
    new._repr_mimebundle_()
    try:
        assert old.closed and not old.playing
        assert sibling.closed
        assert not new.closed and not other_cell.closed and other_cell.playing
    finally:
        for p in (old, sibling, other_cell, new):
            p.close()


def test_display_outside_a_kernel_does_nothing_harmful(pg):
    assert displays.display_context() == (None, None)
    bundle = pg._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == pg.model_id


# -- the cost of a frame ----------------------------------------------------------------------

def test_a_frame_of_the_spiral_6x8_net_is_small(monkeypatch):
    p = Playground(seed="0.3", dataset="spiral", network_shape=(8,) * 6)
    sent = []

    def record(self, msg, buffers=None):
        sent.append((self, msg, [bytes(b) for b in (buffers or [])]))
    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    try:
        p.step(50)
        sent.clear()
        p.step(1)
        # the pictures go out as PNG data: URLs (format="url", see output_view)
        png = [base64.b64decode(b.partition(b",")[2]) for _, _, bufs in sent for b in bufs
               if b.startswith(b"data:image/png;base64,")]
        total = sum(len(json.dumps(msg)) + sum(map(len, bufs)) for _, msg, bufs in sent)
        assert png, "the frame sent no picture"
        assert sum(map(len, png)) <= 10_000
        assert total <= 30_000
        assert len(sent) <= 40        # few messages per frame (server drops > 1000/s)
        # the heatmap picture went into the Image buffer now shown by the mark
        assert p.output_view.heatmap_bytes in png
        # the data points were not sent again
        assert not any(w is p.output_view.train_points for w, _, _ in sent)
    finally:
        monkeypatch.undo()
        p.close()


def test_close_uses_the_network_views_close(monkeypatch):
    closed = []
    original = NetworkView.close

    def spy(self):
        closed.append(self)
        return original(self)
    monkeypatch.setattr(NetworkView, "close", spy)
    p = Playground(seed="1")
    view = p.network_view
    events = list(view._events)
    p.close()
    assert view in closed   # (other Playgrounds may be collected meanwhile)
    assert view.closed and all(e.comm is None for e in events)


def test_output_links_meet_the_heatmap():
    """The network figure ends where the heatmap's plot area begins: the OUTPUT column
    overlaps the network panel by the CSS variable (measured in JupyterLab: 8 px gap +
    4 px heatmap margin - 2 px widget margin), and the weight editor keeps clear of it."""
    from nbplayground.ui.output_view import HEATMAP_MARGIN
    from nbplayground.ui.style import stylesheet
    css = stylesheet()
    gap, widget_margin = 8, 2
    overlap = gap + HEATMAP_MARGIN["left"] - widget_margin
    assert f"--nbp-network-overlap: {overlap}px;" in css
    assert "margin-right: calc(-1 * var(--nbp-network-overlap))" in css
    assert "padding-right: var(--nbp-network-overlap)" in css
    p = Playground(seed="1")
    try:
        lay = p.network_view.panel_layout
        assert (lay.output_points[:, 0] == lay.width).all()    # links run to the right edge
        assert "nbp-weight-editor" in p.network_view._editor._dom_classes
    finally:
        p.close()


async def test_a_refused_reset_leaves_a_playing_playground_playing():
    p = Playground(seed="refused-reset")
    try:
        p.play()
        with pytest.raises(TypeError, match="same_weights"):
            p.reset(same_weights="no")
        assert p.playing
    finally:
        p.close()


async def test_the_epoch_counter_changes_at_most_ten_times_a_second_while_playing(pg):
    """Each change is a message and a text layout in the page: the counter follows the
    run at EPOCH_INTERVAL while playing, and shows the exact epoch once paused."""
    from nbplayground.ui import playground as playground_module
    changes = []
    pg.controls.epoch.observe(lambda change: changes.append(change["new"]), "value")
    pg.play()
    frames0 = pg.frames_rendered
    await asyncio.sleep(1.0)
    frames = pg.frames_rendered - frames0
    live = len(changes)
    pg.pause()
    assert frames > live or frames <= 1.0 / playground_module.EPOCH_INTERVAL
    assert live <= 1.0 / playground_module.EPOCH_INTERVAL + 2, live
    assert pg.controls.epoch.value == f"{pg.trainer.epoch:07,d}"
