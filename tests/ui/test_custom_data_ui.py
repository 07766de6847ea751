"""Your own data in the widget: the domain of the pictures, the dataset picker,
Regenerate, multi-class colours, and adding points by clicking on the heatmap."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from nbplayground import render
from nbplayground.config import Config
from nbplayground.custom_data import fit_domain
from nbplayground.ui import Playground
from nbplayground.ui.controls import format_epoch
from nbplayground.ui.network_view import ATLAS_FADED, THUMBNAIL
from nbplayground.ui.output_view import (HEATMAP_HEIGHT, HEATMAP_MARGIN, HEATMAP_SIZE,
                                         data_to_pixel, format_loss, nice_ticks,
                                         pixel_to_data)

from .test_output_view import png_indices

#: The heatmap's plot area in figure px, from the figure's published geometry.
LEFT, TOP = HEATMAP_MARGIN["left"], HEATMAP_MARGIN["top"]
PLOT_W = HEATMAP_SIZE - HEATMAP_MARGIN["left"] - HEATMAP_MARGIN["right"]
PLOT_H = HEATMAP_HEIGHT - HEATMAP_MARGIN["top"] - HEATMAP_MARGIN["bottom"]


def blobs(n=60, offset=(10.0, -3.0), scale=2.0, classes=2, seed=0):
    """Points around ``offset`` with labels 0..classes-1 by angle."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * scale + np.array(offset)
    angle = np.arctan2(X[:, 1] - offset[1], X[:, 0] - offset[0])
    y = np.floor((angle + np.pi) / (2 * np.pi) * classes).astype(int) % classes
    return X, y


@pytest.fixture
def custom():
    X, y = blobs()
    p = Playground(data=(X, y), seed="0.5")
    yield p
    p.close()


def close_all(*ps):
    for p in ps:
        p.close()


# -- construction ---------------------------------------------------------------------------

def test_data_reach_the_trainer_and_config_fields_are_kept():
    X, y = blobs()
    p = Playground(Config(seed="1", network_shape=(3,), activation="relu"), data=(X, y))
    try:
        assert p.trainer.custom_data is not None and p.custom_data is p.trainer.custom_data
        np.testing.assert_array_equal(p.custom_data.xy, X)
        assert p.config.network_shape == (3,) and p.config.activation == "relu"
        n = p.trainer.data.num_train + p.trainer.data.num_test
        assert n == len(X)
    finally:
        p.close()
    with pytest.raises(ValueError, match="X"):
        Playground(data=(np.zeros((5, 3)), np.zeros(5)))


# -- the domain of the pictures ----------------------------------------------------------------

def test_heatmap_scales_image_and_ticks_follow_the_trainers_domain(custom):
    X = custom.custom_data.xy
    x0, x1, y0, y1 = fit_domain(X)           # the square around the data (oracle)
    assert custom.trainer.domain == pytest.approx((x0, x1, y0, y1))
    view = custom.output_view
    assert view.domain == pytest.approx((x0, x1, y0, y1))
    assert (view._sx.min, view._sx.max) == pytest.approx((x0, x1))
    assert (view._sy.min, view._sy.max) == pytest.approx((y0, y1))
    # the domain fills the plot area exactly (pixel_to_data relies on it): bqplot would
    # otherwise pad the scales by the dots' radius
    assert view._sx.allow_padding is False and view._sy.allow_padding is False
    half = (x1 - x0) / 99 / 2                # pixel i centred on x0 + (x1 - x0) i / 99
    assert view.heatmap_image.x == pytest.approx((x0 - half, x1 + half))
    assert view.heatmap_image.y == pytest.approx((y0 - half, y1 + half))
    ticks = np.asarray(view._x_axis.tick_values)
    assert ticks.min() >= x0 and ticks.max() <= x1 and 4 <= len(ticks) <= 13
    step = np.diff(ticks)
    assert np.allclose(step, step[0])
    assert x0 < 10 < x1                      # the blobs sit around x = 10, off [-6, 6]
    # every point is inside the domain, so every training point is drawn
    assert len(view.train_points.x) == custom.trainer.data.num_train


def test_heatmap_picture_is_the_network_on_the_domains_grid(custom):
    custom.step(20)
    x0, x1, y0, y1 = custom.trainer.domain
    xs = x0 + (x1 - x0) * np.arange(100) / 99
    ys = y1 - (y1 - y0) * np.arange(100) / 99     # row 0 at the top
    gx, gy = np.meshgrid(xs, ys)
    expected = custom.trainer.predict(np.column_stack([gx.ravel(), gy.ravel()]))
    _, _, idx = png_indices(custom.output_view.heatmap_bytes)
    want = render.bucket_index(expected.reshape(100, 100))
    diff = np.abs(idx.astype(int) - want.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01   # float32 grid vs float64


def test_feature_thumbnails_come_from_the_domain(custom):
    """The X1 thumbnail holds the block means of x over the domain's grid."""
    x0, x1, _, _ = custom.trainer.domain
    lay = custom.network_view.panel_layout
    slots = {target: (r, c) for target, r, c in lay.atlas_slots()}
    r, c = slots[("feature", "x")]
    atlas = custom.network_view._atlas
    cols = np.arange(100).reshape(10, 10).mean(axis=1)   # block j: columns 10j..10j+9
    block_means = x0 + (x1 - x0) * cols / 99
    expected = render.bucket_index(np.tile(block_means, (10, 1)))
    np.testing.assert_array_equal(atlas[r:r + THUMBNAIL, c:c + THUMBNAIL], expected)
    # X1² is not an input of the default config: drawn faded
    r2, c2 = slots[("feature", "x_squared")]
    assert atlas[r2, c2] >= ATLAS_FADED


def test_hovering_a_feature_shows_its_grid_over_the_domain(custom):
    custom.network_callbacks["on_hover"](("feature", "x"))
    x0, x1, _, _ = custom.trainer.domain
    grid = np.tile(x0 + (x1 - x0) * np.arange(100) / 99, (100, 1))
    _, _, idx = png_indices(custom.output_view.heatmap_bytes)
    np.testing.assert_array_equal(idx, render.bucket_index(grid.astype(np.float32)))


def test_nice_ticks():
    ticks, fmt = nice_ticks(-6, 6)
    np.testing.assert_array_equal(ticks, np.arange(-6, 7))   # Playground's axis
    assert fmt == "d"
    ticks, fmt = nice_ticks(0.013, 0.9)
    assert ticks[0] >= 0.013 and ticks[-1] <= 0.9 and len(ticks) <= 13
    assert fmt == ".1f" and np.allclose(np.diff(ticks), 0.1)
    ticks, fmt = nice_ticks(-250, 950)      # span 1200: 12 steps of 100
    np.testing.assert_array_equal(ticks, np.arange(-200, 901, 100))
    assert fmt == "d"
    ticks, _ = nice_ticks(-250, 1000)       # 12.5 steps of 100 are too many: 200
    np.testing.assert_array_equal(ticks, np.arange(-200, 1001, 200))
    ticks, fmt = nice_ticks(0, 30)          # 12 steps of 2.5
    np.testing.assert_allclose(ticks, np.arange(13) * 2.5)
    assert fmt == ".1f"
    ticks, fmt = nice_ticks(0, 150, 6)      # Compare's epoch axis: steps of 25, whole numbers
    np.testing.assert_array_equal(ticks, np.arange(0, 151, 25))
    assert fmt == "d"
    ticks, fmt = nice_ticks(0, 1.5, 6)      # steps of 0.25
    np.testing.assert_allclose(ticks, np.arange(7) * 0.25)
    assert fmt == ".2f"
    with pytest.raises(ValueError, match="lo"):
        nice_ticks(1, 1)


# -- the dataset picker and the other controls ----------------------------------------------

def test_picker_shows_a_selected_custom_entry(custom):
    k = custom.controls
    classes = k.custom_button._dom_classes
    assert "nbp-dataset" in classes and "nbp-selected" in classes
    assert k.custom_button.layout.display is None
    assert k.custom_button.value[:4] == b"\x89PNG"
    assert not any("nbp-selected" in b._dom_classes for b in k.dataset_buttons.values())
    assert k.problem.disabled and k.noise.disabled


def test_without_custom_data_the_entry_is_hidden_and_unmarked():
    p = Playground(seed="1")
    try:
        k = p.controls
        assert k.custom_button.layout.display == "none"
        assert "nbp-dataset" not in k.custom_button._dom_classes
        assert "nbp-selected" not in k.custom_button._dom_classes
        assert "nbp-selected" in k.dataset_buttons["circle"]._dom_classes
        assert not k.problem.disabled and not k.noise.disabled
    finally:
        p.close()


def test_regenerate_resplits_the_same_points(custom):
    d0, seed = custom.trainer.data, custom.config.seed
    custom.controls.regenerate_button.click()
    d1 = custom.trainer.data
    assert custom.config.seed != seed
    assert d1.num_train == d0.num_train
    assert not np.array_equal(d1.train_x, d0.train_x)          # a new split ...
    def rows(d):
        xy = np.concatenate([d.train_x, d.test_x])
        return xy[np.lexsort(xy.T)]
    np.testing.assert_array_equal(rows(d1), rows(d0))           # ... of the same points
    np.testing.assert_array_equal(custom.output_view.train_points.x,
                                  d1.train_x[:, 0].astype(np.float32))


def test_a_problem_or_loss_that_does_not_fit_the_data_is_refused(custom):
    before = custom.config
    with pytest.raises(ValueError, match="problem"):
        custom.config = custom.config.replace(problem="regression")
    assert custom.config == before
    custom.controls.train_percent.value = 10    # 60 points: floor(6) >= 1, fine
    assert custom.config.train_percent == 10
    X, y = blobs(classes=3)
    p = Playground(data=(X, y), seed="1")
    try:
        assert p.trainer.num_classes == 3
        assert list(p.controls.loss.options) == [("Cross-entropy", "cross_entropy")]
        with pytest.raises(ValueError, match="cross_entropy"):
            p.config = p.config.replace(loss="squared")
    finally:
        p.close()


def test_a_ratio_that_leaves_no_training_point_is_reported_and_reverted():
    X, y = blobs(n=6)
    p = Playground(data=(X, y), seed="1", train_percent=50)
    try:
        p.controls.train_percent.value = 10     # floor(6 * 10 / 100) = 0 training points
        assert p.config.train_percent == 50
        assert p.controls.train_percent.value == 50
        # said under the slider that caused it, not on the status line far below
        assert "train_percent" in p.controls.error_text("train_percent")
        assert p.status == ""
    finally:
        p.close()


def test_clicking_a_playground_dataset_leaves_the_custom_data(custom):
    custom.controls.dataset_buttons["xor"].click()
    assert custom.custom_data is None and custom.trainer.custom_data is None
    assert custom.config.dataset == "xor"
    assert custom.output_view.domain == (-6.0, 6.0, -6.0, 6.0)
    assert custom.controls.custom_button.layout.display == "none"
    assert "nbp-selected" in custom.controls.dataset_buttons["xor"]._dom_classes
    assert not custom.controls.problem.disabled


# -- several classes ------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["dataset", "labels"])
def test_multiclass_shows_class_colours(source):
    if source == "dataset":
        p = Playground(seed="3", dataset="spiral3")
    else:
        X, y = blobs(classes=4, seed=2)
        p = Playground(data=(X, y + 5), seed="3")   # labels 5..8 become classes 0..3
    try:
        k = p.trainer.num_classes
        assert k == (3 if source == "dataset" else 4)
        p.step(10)
        frame = p.trainer.frame()
        assert frame.output.shape[0] == k
        assert p.output_view.heatmap_bytes == render.class_heatmap_png(frame.output)
        d = p.trainer.data
        x0, x1, y0, y1 = p.output_view.domain
        inside = ((d.train_x[:, 0] >= x0) & (d.train_x[:, 0] <= x1)
                  & (d.train_x[:, 1] >= y0) & (d.train_x[:, 1] <= y1))
        expected = [render.CATEGORICAL_HEX[int(c)] for c in d.train_y[inside]]
        assert list(p.output_view.train_points.colors) == expected
        assert len(set(expected)) == k
        legend = p.output_view.legend.value
        assert legend.count("nbp-legend-swatch") == k
        for color in render.CATEGORICAL_HEX[:k]:
            assert color in legend
        if source == "labels":
            assert ">8</span>" in legend    # the user's own class names
        # one button per class in the point picker
        assert [v for _, v in p.output_view.point_class.options] == [float(i) for i in range(k)]
        assert f"nbp-classes-{k}" in p.output_view.point_class._dom_classes
        # the network ends in K output units, drawn as K link ends
        assert p.network_view.panel_layout.n_outputs == k
        # discretize shows the winning class at full strength
        p.output_view.discretize.value = True
        winner = frame.output.argmax(axis=0)
        _, _, idx = png_indices(p.output_view.heatmap_bytes)
        np.testing.assert_array_equal(idx // 16, winner)           # 16 levels per class
        assert (idx % 16 == 15).all()
    finally:
        p.close()


# -- adding points by clicking on the heatmap ------------------------------------------------

def test_pixel_and_data_coordinates():
    # the plot area's corners and centre (independent of the functions' own formulas)
    assert pixel_to_data(LEFT, TOP) == (-6.0, 6.0)
    assert pixel_to_data(LEFT + PLOT_W, TOP + PLOT_H) == (6.0, -6.0)
    assert pixel_to_data(LEFT + PLOT_W / 2, TOP + PLOT_H / 2) == (0.0, 0.0)
    assert pixel_to_data(LEFT + 0.75 * PLOT_W, TOP + 0.25 * PLOT_H) == (3.0, 3.0)
    assert pixel_to_data(LEFT - 1, TOP + 10) is None          # on the margin
    assert pixel_to_data(LEFT + 10, TOP + PLOT_H + 5) is None  # on the x axis
    domain = (10.0, 20.0, -5.0, 5.0)
    for px, py in [(LEFT + 17.0, TOP + 200.0), (LEFT + 100.5, TOP + 3.25)]:
        x, y = pixel_to_data(px, py, domain)
        assert x == pytest.approx(10 + (px - LEFT) / PLOT_W * 10)
        assert y == pytest.approx(5 - (py - TOP) / PLOT_H * 10)
        assert data_to_pixel(x, y, domain) == pytest.approx((px, py))


def test_a_click_adds_a_point_of_the_chosen_class_where_it_was_clicked():
    p = Playground(seed="2", dataset="circle")
    try:
        data = p.trainer.data
        n = data.num_train + data.num_test
        view = p.output_view
        assert view.heatmap_click(LEFT + 50, TOP + 50) is None   # editing is off
        assert p.custom_data is None
        view.add_points.value = True
        assert "nbp-adding" in view.heatmap._dom_classes
        assert [label for label, _ in view.point_class.options] == ["orange (\u22121)",
                                                                   "blue (+1)"]
        view.point_class.value = -1.0
        added = view.heatmap_click(LEFT + 0.75 * PLOT_W, TOP + 0.25 * PLOT_H)
        assert added == (3.0, 3.0)
        custom = p.trainer.custom_data
        assert custom.n == n + 1                        # the dataset's points + the new one
        np.testing.assert_array_equal(custom.xy[-1], [3.0, 3.0])
        assert custom.labels[-1] == -1.0
        assert p.trainer.domain == (-6.0, 6.0, -6.0, 6.0)  # the view does not jump
        assert p.trainer.epoch == 0
        # drawn: the new point is among the points sent (train or test)
        shown = np.column_stack([np.concatenate([view.train_points.x, view.test_points.x]),
                                 np.concatenate([view.train_points.y, view.test_points.y])])
        assert (np.abs(shown - [3.0, 3.0]).sum(axis=1) < 1e-6).any()
        # a click through the DOM event of a figure shown at twice its size
        view.point_class.value = 1.0
        view._on_heatmap_event({"type": "click", "relativeX": 2 * (LEFT + PLOT_W / 2),
                                "relativeY": 2 * (TOP + PLOT_H), "boundingRectWidth":
                                2 * HEATMAP_SIZE, "boundingRectHeight": 2 * HEATMAP_HEIGHT})
        custom = p.trainer.custom_data
        assert custom.n == n + 2
        np.testing.assert_allclose(custom.xy[-1], [0.0, -6.0])
        assert custom.labels[-1] == 1.0
    finally:
        p.close()


def test_clicks_on_a_custom_domain_and_regression_values():
    X = np.array([[0.0, 0.0], [10.0, 10.0], [3.0, 7.0], [8.0, 1.0]])
    y = np.array([0.25, -0.5, 1.5, 0.0])                       # regression targets
    p = Playground(data=(X, y), seed="1")
    try:
        assert p.config.problem == "regression"
        view = p.output_view
        assert view.point_value.layout.display is None
        assert view.point_class.layout.display == "none"
        view.add_points.value = True
        view.point_value.value = 0.75
        x0, x1, y0, y1 = p.trainer.domain
        px, py = LEFT + 0.2 * PLOT_W, TOP + 0.6 * PLOT_H
        view.heatmap_click(px, py)
        custom = p.trainer.custom_data
        assert custom.n == 5
        np.testing.assert_allclose(custom.xy[-1], [x0 + 0.2 * (x1 - x0), y1 - 0.6 * (y1 - y0)])
        assert custom.labels[-1] == 0.75
    finally:
        p.close()


def test_clear_points_then_draw_a_new_set():
    p = Playground(seed="3", network_shape=(3,))
    try:
        trainer = p.trainer
        p.step(4)
        view = p.output_view
        view.add_points.value = True
        assert view.clear_points.layout.display is None
        view.clear_points.click()
        assert p.trainer is trainer                             # the engine edited its data
        assert p.custom_data is not None and p.custom_data.n == 0
        assert not trainer.trainable and trainer.epoch == 4     # the run waits, not restarted
        assert len(view.train_points.x) == 0 and len(view.test_points.x) == 0
        assert "Add points" in p.status
        assert view.train_loss.value == f"Training loss {format_loss(None)}"   # fresh
        assert view.test_loss.value == f"Test loss {format_loss(None)}"
        p.play()                               # nothing to train on yet
        assert not p.playing and "Add points" in p.status
        assert "Nothing to train yet" in p.controls.error_text("play")   # beside the button
        assert p.step() == 0
        view.point_class.value = -1.0
        view.heatmap_click(LEFT + 0.25 * PLOT_W, TOP + 0.5 * PLOT_H)   # (-3, 0)
        view.heatmap_click(LEFT + 0.30 * PLOT_W, TOP + 0.5 * PLOT_H)   # one class only
        assert p.trainer.custom_data.n == 2 and not p.trainer.trainable   # still waiting
        assert len(view.train_points.x) == 2                    # but the points show
        assert "class" in p.status
        view.point_class.value = 1.0
        view.heatmap_click(LEFT + 0.75 * PLOT_W, TOP + 0.5 * PLOT_H)   # (3, 0)
        custom = p.trainer.custom_data
        assert custom is not None and custom.n == 3 and p.trainer.trainable
        np.testing.assert_allclose(custom.xy, [[-3, 0], [-6 + 0.3 * 12, 0], [3, 0]])
        np.testing.assert_array_equal(custom.labels, [-1, -1, 1])
        assert p.trainer.data.num_train == 3                     # clicked points train
        assert p.status == "" and p.controls.error_text("play") == ""
        assert p.trainer is trainer and p.trainer.epoch == 4
        assert p.config.network_shape == (3,)                   # the config is kept
        assert p.step(5) == 5 and p.trainer.epoch == 9
        p.reset()                                               # Reset starts over
        assert p.trainer.epoch == 0 and p.trainer.custom_data.n == 3
    finally:
        p.close()


def test_adding_a_point_keeps_the_run():
    p = Playground(seed="7", dataset="xor", optimizer="adam", batch_size=5)
    try:
        p.step(6)
        before = p.trainer
        params = before.network.params.copy()
        iterations = before.optimizer.iterations
        rows = len(before.history.to_dict()["epoch"])
        n_train = before.data.num_train
        view = p.output_view
        view.add_points.value = True
        view.point_class.value = 1.0
        view.heatmap_click(LEFT + 0.75 * PLOT_W, TOP + 0.25 * PLOT_H)       # (3, 3)
        assert p.trainer is before                       # no new Trainer per click
        assert before.epoch == 6 and before.optimizer.iterations == iterations
        np.testing.assert_array_equal(before.network.params, params)
        assert len(before.history.to_dict()["epoch"]) == rows
        assert before.data.num_train == n_train + 1      # it joins the training set
        np.testing.assert_array_equal(before.data.train_x[-1], [3.0, 3.0])
        assert p.controls.epoch.value == format_epoch(6)  # the counter shows the run's
        assert p.step() == 1 and before.epoch == 7       # the next epoch trains on it
        assert before.optimizer.iterations == iterations + (n_train + 1) // 5
        p.reset()                                        # Reset: epoch 0, points kept
        assert p.trainer.epoch == 0 and p.trainer.data.num_train == n_train + 1
    finally:
        p.close()


async def test_adding_points_while_playing_keeps_playing():
    p = Playground(seed="4", dataset="gauss")
    try:
        p.play()
        await asyncio.sleep(0.2)
        trainer = p.trainer
        epoch = trainer.epoch
        assert epoch > 0
        p.add_point(1.0, 1.0, 1.0)
        assert p.playing and p.trainer is trainer and trainer.custom_data is not None
        assert trainer.epoch >= epoch                    # not back to 0
        await asyncio.sleep(0.2)
        assert trainer.epoch > epoch                     # the loop goes on training it
        p.pause()
    finally:
        p.close()


def test_a_bad_label_is_reported(custom):
    custom.add_point(10.0, -3.0, 1.0)          # fine: two classes are -1 / +1
    with pytest.raises(ValueError, match="label"):
        custom.add_point(10.0, -3.0, 0.5)
    custom._output._on_add_point(10.0, -3.0, 7.0)   # the widget's callback reports
    assert "label" in custom.status


def test_hide_dataset_hides_the_point_editor_and_turns_it_off():
    p = Playground(seed="5")
    try:
        view = p.output_view
        assert view.point_editor.layout.display is None
        view.add_points.value = True
        p.config = p.config.replace(hide=frozenset({"dataset"}))
        assert view.point_editor.layout.display == "none"
        assert not view.adding
        assert view.heatmap_click(LEFT + 10, TOP + 10) is None
        assert p.custom_data is None
    finally:
        p.close()


def test_the_heatmap_listens_to_clicks():
    p = Playground(seed="6")
    try:
        events = p.output_view._events
        assert len(events) == 1
        assert events[0].source is p.output_view.heatmap
        assert "click" in events[0].watched_events
    finally:
        p.close()
    assert events[0].comm is None     # closed with the widget
