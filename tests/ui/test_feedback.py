"""Feedback where the user looks: messages beside their control, a tooltip at the
pointer, an empty weight box until something is selected, fresh numbers."""

from __future__ import annotations

import pytest

from nbplayground.ui import Playground
from nbplayground.ui.network_layout import basis_curve
from nbplayground.ui.network_view import format_value


@pytest.fixture
def pg():
    widget = Playground(seed="0.25")
    yield widget
    widget.close()


def _link_point(view, layer, dest, src):
    lay = view.panel_layout
    return basis_curve(lay.link_points[lay.link_index(layer, dest, src)])[14]


def test_hovering_a_link_highlights_it_and_shows_its_weight_at_the_pointer(pg):
    view = pg.network_view
    x, y = _link_point(view, 1, 1, 0)
    view.pointer_move(x, y)
    w = pg.trainer.weights[1][1, 0]
    assert view.tooltip == f"Weight is {format_value(w)}"
    tip = view.tooltip_mark
    assert tip.x[0] > x and abs((view.panel_layout.height - tip.y[0]) - y) < 20  # at the pointer
    assert view._hover_link_mark.visible                        # the link is highlighted
    assert "nbp-clickable" in view.figure._dom_classes          # pointer cursor
    view.pointer_move(2.0, 2.0)                                 # nothing there
    assert view.tooltip == "" and not view._hover_link_mark.visible
    assert "nbp-clickable" not in view.figure._dom_classes


def test_a_bias_square_shows_its_value_too(pg):
    view = pg.network_view
    bx, by = view.panel_layout.bias_boxes[0][2]
    view.pointer_move(bx + 2, by + 2)
    assert view.tooltip == f"Bias is {format_value(pg.trainer.biases[0][2])}"
    assert not view._hover_link_mark.visible
    view.pointer_leave()
    assert view.tooltip == ""


def test_the_weight_box_is_empty_until_a_selection_and_after_a_reset(pg):
    box = pg.network_view.weight_input
    assert box.value == "" and box.disabled
    pg.network_view.select_link(0, 1, 0)
    assert box.value == format_value(pg.trainer.weights[0][1, 0]) and not box.disabled
    pg.reset()
    assert box.value == "" and box.disabled and pg.network_view.selection is None


def test_paused_the_weight_box_follows_the_selected_weight(pg):
    """Lesson 9: a weight typed in the box, then set from code (or trained by a step):
    the box shows the weight the network has, not the text typed before."""
    view = pg.network_view
    view.select_link(0, 1, 0)
    view.weight_input.value = "1.5"
    assert pg.trainer.weights[0][1, 0] == 1.5
    pg.trainer.set_weight(0, 1, 0, 1.0)
    pg.step(0)                                     # draws the state (nothing trained)
    assert view.weight_input.value == format_value(1.0)
    pg.step(3)
    assert view.weight_input.value == format_value(pg.trainer.weights[0][1, 0])
    view.weight_input.value = "abc"                # a text being corrected stays
    pg.step(0)
    assert view.weight_input.value == "abc"


def test_a_weight_that_is_not_a_number_stays_with_the_reason(pg):
    view = pg.network_view
    view.select_link(0, 1, 0)
    before = pg.trainer.weights[0][1, 0]
    view.weight_input.value = "abc"
    assert view.weight_input.value == "abc"
    assert "not a number" in view.weight_error.value
    assert pg.trainer.weights[0][1, 0] == before
    view.weight_input.value = "0.5"
    assert pg.trainer.weights[0][1, 0] == 0.5 and view.weight_error.value == ""


def test_losses_and_accuracies_list_test_first(pg):
    text = pg.output_view.accuracy.value
    assert text.index("nbp-test-accuracy") < text.index("nbp-train-accuracy")
    assert 'title="test / training accuracy"' in text


def test_after_clear_points_no_stale_loss_is_shown(pg):
    pg.step(5)
    assert "–" not in pg.output_view.test_loss.value
    pg.clear_points()
    assert pg.output_view.test_loss.value == "Test loss –"
    assert pg.output_view.train_loss.value == "Training loss –"
    assert pg.output_view.accuracy.value == ""
    assert len(pg.output_view.loss_lines.x) == 0


def test_play_without_trainable_data_says_so_beside_the_button(pg):
    pg.clear_points()
    pg.play()
    assert not pg.playing
    assert "Nothing to train yet" in pg.controls.error_text("play")
    pg.add_point(1.0, 1.0, 1)
    pg.add_point(-1.0, -1.0, -1)
    pg.add_point(1.5, 1.0, 1)
    pg.add_point(-1.5, -1.0, -1)
    assert pg.custom_data is not None and pg.controls.error_text("play") == ""


def test_the_problem_menu_says_why_it_is_disabled_with_your_own_data(pg):
    pg.add_point(1.0, 1.0, 1)
    assert pg.controls.problem.disabled and "follows your data" in pg.controls.problem.tooltip
