"""OutputView: readouts, loss chart, the double-buffered heatmap, data points."""

from __future__ import annotations

import struct
import zlib

import ipywidgets
import numpy as np
import pytest

from nbplayground import render
from nbplayground.config import Config
from nbplayground.trainer import Trainer
from nbplayground.ui.output_view import (OutputView, StatusLine, format_accuracy,
                                         format_loss)


def png_indices(png: bytes) -> tuple[int, int, np.ndarray]:
    """Width, height and pixel bytes (filter 0 rows) of an 8-bit indexed PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", data[:8])
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    return width, height, raw[:, 1:]


def make(config=None, **changes):
    config = config or Config(seed="7", **changes)
    trainer = Trainer(config)
    edits = []
    view = OutputView(config, on_config=edits.append)
    view.set_data(trainer.data, trainer.num_classes)
    view.update(trainer.frame(), config)
    return trainer, view, edits


@pytest.mark.parametrize("value, text", [
    (0.4826, "0.483"), (0.0, "0.000"), (1.0005, "1.000"), (float("nan"), "NaN"),
    (float("inf"), "Infinity"),
    # JavaScript's toFixed(3) switches to the shortest exponent form from 1e21 on
    (1e20, "100000000000000000000.000"), (7.372293983671136e+146, "7.372293983671136e+146"),
])
def test_format_loss(value, text):
    assert format_loss(value) == text


def test_format_accuracy():
    assert format_accuracy(0.972) == "97.2%"
    assert format_accuracy(1.0) == "100.0%"
    assert format_accuracy(None) == "–"


def test_readouts_follow_the_frame():
    trainer, view, _ = make()
    trainer.step(5)
    frame = trainer.frame()
    view.update(frame, trainer.config)
    assert view.test_loss.value == f"Test loss {frame.test_loss:.3f}"
    assert view.train_loss.value == f"Training loss {frame.train_loss:.3f}"
    assert f"{100 * frame.train_accuracy:.1f}%" in view.accuracy.value
    assert f"{100 * frame.test_accuracy:.1f}%" in view.accuracy.value
    assert "nbp-test-loss" in view.test_loss._dom_classes
    assert "nbp-train-loss" in view.train_loss._dom_classes


def test_regression_has_no_accuracy():
    _, view, _ = make(problem="regression")
    assert view.accuracy.value == ""


def test_heatmap_shows_the_output_grid_as_rendered():
    trainer, view, _ = make()
    frame = trainer.frame()
    png = view.heatmap_bytes
    assert png == render.heatmap_png(frame.output, False)
    width, height, idx = png_indices(png)
    assert (width, height) == (100, 100)
    np.testing.assert_array_equal(idx, render.bucket_index(frame.output))


def test_heatmap_pixels_sit_on_the_grid_points():
    _, view, _ = make()
    x0, x1 = view.heatmap_image.x
    y0, y1 = view.heatmap_image.y
    for i in (0, 1, 50, 99):
        centre = x0 + (x1 - x0) * (i + 0.5) / 100
        assert centre == pytest.approx(-6 + 12 * i / 99)   # docs/playground.md §8.2 column i
    assert (y0, y1) == (x0, x1)  # y points up: bottom edge first


def test_double_buffer_gives_the_mark_another_image_each_frame():
    trainer, view, _ = make()
    seen_objects, seen_bytes = [], []
    for _ in range(4):
        trainer.step(3)
        view.update(trainer.frame(), trainer.config)
        image = view.heatmap_image.image
        assert isinstance(image, ipywidgets.Image)
        seen_objects.append(image)
        seen_bytes.append(image.value)
    for a, b in zip(seen_objects, seen_objects[1:]):
        assert a is not b              # bqplot redraws only on a new Image widget
    assert len(set(seen_bytes)) == 4   # and the picture changed
    assert len({id(o) for o in seen_objects}) == 2  # two buffers, reused


def test_an_unchanged_picture_is_not_sent_again():
    trainer, view, _ = make()
    image = view.heatmap_image.image
    view.update(trainer.frame(), trainer.config)
    assert view.heatmap_image.image is image
    assert view.last_sent_bytes == 0


def test_discretize_shows_the_sign():
    trainer, view, _ = make(discretize=True)
    frame = trainer.frame()
    _, _, idx = png_indices(view.heatmap_bytes)
    expected = np.where(frame.output >= 0, 30, 0)
    np.testing.assert_array_equal(idx, expected)


def test_multiclass_output_uses_the_class_heatmap():
    trainer, view, _ = make(dataset="gauss3")
    frame = trainer.frame()
    assert frame.output.ndim == 3
    assert view.heatmap_bytes == render.class_heatmap_png(frame.output)


def test_hovered_grid_replaces_the_output():
    trainer, view, _ = make()
    grid = trainer.feature_grids()[0]
    view.update(trainer.frame(), trainer.config, heatmap=grid)
    assert view.heatmap_bytes == render.heatmap_png(grid, False)


def test_data_points_are_coloured_by_label_and_test_points_follow_the_checkbox():
    trainer, view, edits = make(noise=50)
    data = trainer.data
    inside = np.all(np.abs(data.train_x) <= 6, axis=1)
    assert len(view.train_points.x) == inside.sum()
    labels = data.train_y[inside]
    expected = [render.QUANTIZED_HEX[30] if y > 0 else render.QUANTIZED_HEX[0] for y in labels]
    assert list(view.train_points.colors) == expected
    assert view.train_points.stroke == "#ffffff"
    assert not view.test_points.visible
    view.show_test_data.value = True
    assert edits[-1].show_test_data is True
    view.sync(edits[-1])
    assert view.test_points.visible


def test_checkboxes_make_new_configs_and_sync_does_not_echo():
    _, view, edits = make()
    view.discretize.value = True
    assert edits[-1].discretize is True and len(edits) == 1
    view.sync(Config(seed="7", show_test_data=True, discretize=False))
    assert len(edits) == 1
    assert view.show_test_data.value and not view.discretize.value


def test_loss_chart_spans_the_curve():
    trainer, view, _ = make()
    trainer.step(40)
    frame = trainer.frame()
    view.update(frame, trainer.config)
    epochs, train, test = frame.curve
    both = np.concatenate([train, test])
    assert view._chart_y.min == pytest.approx(both.min(), rel=1e-6)
    assert view._chart_y.max == pytest.approx(both.max(), rel=1e-6)
    assert view._chart_x.max == epochs[-1]
    np.testing.assert_allclose(view.loss_lines.y[1], test, rtol=1e-6)  # test loss: black
    assert list(view.loss_lines.colors) == ["#777777", "#000000"]


@pytest.mark.parametrize("name, attr", [
    ("showTestData", "show_test_data"), ("discretize", "discretize"),
    ("percTrainData", "test_loss"), ("accuracy", "accuracy"), ("lossChart", "loss_chart"),
])
def test_hide_flags(name, attr):
    _, view, _ = make(hide={name})
    assert getattr(view, attr).layout.display == "none"
    others = {"show_test_data", "discretize", "test_loss", "accuracy", "loss_chart"} - {attr}
    assert all(getattr(view, o).layout.display != "none" for o in others)


def test_status_line_escapes_and_clears():
    s = StatusLine()
    s.show("Error: ValueError: x <y>", "error")
    assert s.text == "Error: ValueError: x <y>"
    assert "&lt;y&gt;" in s.value and "nbp-status-error" in s.value
    s.clear()
    assert s.text == "" and s.value == ""
    with pytest.raises(ValueError, match="kind"):
        s.show("x", "loud")


def test_pictures_to_files(tmp_path):
    """Write the column's pictures to files (look at them when changing the view)."""
    trainer, view, _ = make(dataset="spiral", network_shape=(8,) * 6)
    trainer.step(100)
    view.update(trainer.frame(), trainer.config)
    path = tmp_path / "heatmap.png"
    path.write_bytes(view.heatmap_bytes)
    assert path.stat().st_size < 10_000


def test_loss_chart_drops_non_finite_points():
    """A diverged run's inf/NaN losses are not drawn (the chart keeps the finite part)."""
    trainer, view, _ = make()
    frame = trainer.frame()
    epochs = np.arange(5.0)
    train = np.array([0.5, 0.4, 0.3, np.inf, np.nan])
    test = np.array([0.6, 0.5, 0.4, 0.9, np.nan])
    frame.curve = (epochs, train, test)
    view.update(frame, trainer.config)
    np.testing.assert_array_equal(view.loss_lines.x, [0, 1, 2])
    assert np.isfinite(view.loss_lines.y).all()
    assert (view._chart_y.min, view._chart_y.max) == (pytest.approx(0.3), pytest.approx(0.6))


def test_figures_have_no_toolbar():
    _, view, _ = make()
    assert view.heatmap.display_toolbar is False
    assert view.loss_chart.display_toolbar is False


def test_set_domain_moves_scales_picture_and_ticks():
    _, view, _ = make()
    view.set_domain((0.0, 3.0, -1.0, 2.0))
    assert (view._sx.min, view._sx.max, view._sy.min, view._sy.max) == (0.0, 3.0, -1.0, 2.0)
    half = 3.0 / 99 / 2
    assert view.heatmap_image.x == pytest.approx((-half, 3.0 + half))
    assert view.heatmap_image.y == pytest.approx((-1.0 - half, 2.0 + half))
    np.testing.assert_allclose(view._x_axis.tick_values, np.arange(0, 3.01, 0.25))
    np.testing.assert_allclose(view._y_axis.tick_values, np.arange(-1, 2.01, 0.25))
    assert view._x_axis.tick_format == ".2f"
    with pytest.raises(ValueError, match="domain"):
        view.set_domain((1.0, 1.0, 0.0, 2.0))


def test_points_outside_the_domain_are_not_drawn():
    trainer, view, _ = make()
    view.set_domain((0.0, 6.0, 0.0, 6.0))
    view.set_data(trainer.data, trainer.num_classes)
    xy = trainer.data.train_x
    inside = (xy >= 0).all(axis=1) & (xy <= 6).all(axis=1)
    assert len(view.train_points.x) == inside.sum() > 0
    np.testing.assert_array_equal(view.train_points.x, xy[inside, 0].astype(np.float32))


def test_point_editor_needs_a_callback_and_shows_the_class_options():
    _, view, _ = make()
    assert view.point_editor.layout.display == "none"     # no on_add_point: no editor
    added = []
    view2 = OutputView(Config(seed="7"), on_config=lambda c: None,
                       on_add_point=lambda *a: added.append(a))
    assert view2.point_editor.layout.display is None
    assert not view2.adding and view2._point_options.layout.display == "none"
    view2.add_points.value = True
    assert view2.point_class.layout.display is None and view2.clear_points.layout.display is None
    view2.set_point_classes("classification", 2, (False, True))
    assert [label for label, _ in view2.point_class.options] == ["orange (False)", "blue (True)"]
    view2.set_point_classes("classification", 5)
    assert [v for _, v in view2.point_class.options] == [0.0, 1.0, 2.0, 3.0, 4.0]
    view2.set_point_classes("regression", None)
    assert view2.point_class.layout.display == "none"
    assert view2.point_value.layout.display is None
    view2.point_value.value = -0.4
    assert view2.point_label == -0.4
    view2.add_points.value = False
    assert "nbp-adding" not in view2.heatmap._dom_classes
    view2.close()
