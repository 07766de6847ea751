"""Step inside (nbplayground/ui/step_inside.py) driven from Python, without a browser.

Oracle: ``Trainer.explain_batch()`` called by the test itself (it changes nothing, so it
returns the very numbers the widget drew), Playground's colour and width scales
(``render.relative``, ``network_view.color_codes`` / ``link_widths`` / ``BUCKET_WIDTHS``),
and the marks' own arrays read back through ``NetworkView.overlay_node`` /
``overlay_link`` (what the browser is sent).
"""

from __future__ import annotations

import asyncio

import ipywidgets
import numpy as np
import pytest

from nbplayground import render
from nbplayground.ui import Playground
from nbplayground.ui.network_view import (
    BUCKET_WIDTHS,
    NODE_SIZE,
    WIDTH_EDGES,
    color_codes,
    link_widths,
)
from nbplayground.ui.output_view import HEATMAP_HEIGHT, HEATMAP_SIZE, data_to_pixel
from nbplayground.ui.step_inside import STAGES, hover_number, short_number


@pytest.fixture
def pg():
    widget = Playground(seed="0.25", dataset="xor", network_shape=(4, 3), batch_size=8)
    widget.step(5)
    yield widget
    widget.close()


def code(value) -> int:
    return int(color_codes([value])[0])


def stroke(width: float) -> float:
    """The stroke width a link of ``width`` px is drawn with (its bucket's)."""
    return BUCKET_WIDTHS[int(np.searchsorted(WIDTH_EDGES, width, side="right"))]


def row(pg) -> int:
    ex = pg.trainer.explain_batch()
    return list(ex.indices).index(pg.step_inside_point)


def hover(pg, target) -> str:
    """Move the pointer onto ``target`` (a node, or a link as ("link", l, d, s)) and
    return the readout's HTML."""
    view = pg.network_view
    lay = view.panel_layout
    if target[0] == "link":
        curve = lay.link_curves[lay.link_index(*target[1:])]
        for x, y in curve[len(curve) // 3: 2 * len(curve) // 3]:
            if lay.hit_test(x, y) == target:
                view.pointer_move(x, y)
                return view.readout.value
        raise AssertionError(f"no point of {target} reaches it by hit test")
    if target[0] == "output":      # its box sits at the right edge, over the link ends
        px, py = lay.output_points[target[1]]
        view.pointer_move(px - 4, py)
        return view.readout.value
    bx, by = lay.node_box(target)
    view.pointer_move(bx + NODE_SIZE / 2, by + NODE_SIZE / 2)
    return view.readout.value


def walk_to(pg, stage, layers=None):
    while pg.step_inside_stage != stage or (layers and pg._step_inside.layers_shown < layers):
        pg.step_inside()


# -- the stages ---------------------------------------------------------------------------

def test_stages_come_in_order_backward_one_layer_per_click(pg):
    assert pg.step_inside_stage is None and pg.step_inside_point is None
    first = pg.trainer.explain_batch()
    seen = [pg.step_inside() for _ in range(7)]
    assert seen == ["forward", "loss", "backward", "backward", "backward", "update", "forward"]
    assert STAGES == ("forward", "loss", "backward", "update")
    nxt = pg.trainer.explain_batch()
    assert (nxt.epoch, nxt.batch) == (first.epoch, first.batch + 1)
    assert pg.step_inside_point in nxt.indices


def follow_the_last(pg) -> None:
    """Follow the batch's last point (not the first, which is followed by default)."""
    pg.step_inside_point = int(pg.trainer.explain_batch().indices[-1])


def test_forward_boxes_lines_and_hover_are_the_explanations_numbers(pg):
    pg.step_inside()
    follow_the_last(pg)
    ex, i = pg.trainer.explain_batch(), row(pg)
    view = pg.network_view
    for j, f in enumerate(pg.config.features):
        x = ex.inputs[i, j]
        assert view.overlay_node(("feature", f)) == (code(np.clip(x, -1, 1)), short_number(x))
        assert hover_number(x) in hover(pg, ("feature", f))
    for layer in range(2):
        for k in range(ex.activations[layer].shape[1]):
            a = ex.activations[layer][i, k]
            assert view.overlay_node(("node", layer, k)) == (code(np.clip(a, -1, 1)), short_number(a))
    a = ex.activations[1][i, 2]
    assert f"<b>{hover_number(a)}</b>" in hover(pg, ("node", 1, 2))
    out = ex.activations[-1][i, 0]
    assert view.overlay_node(("output", 0)) == (code(np.clip(out, -1, 1)), short_number(out))
    text = hover(pg, ("output", 0))      # the output box has its number too
    for value in (out, ex.targets[i, 0], ex.losses[i]):
        assert hover_number(value) in text, text
    # every line: w * x of its source for this point, coloured and as wide as Playground
    # draws a weight of that value
    weights = pg.trainer.weights
    sources = [ex.inputs[i], ex.activations[0][i], ex.activations[1][i]]
    for layer, w in enumerate(weights):
        for d in range(w.shape[0]):
            for s in range(w.shape[1]):
                carried = w[d, s] * sources[layer][s]
                assert view.overlay_link(layer, d, s) == (code(carried),
                                                          stroke(link_widths([carried])[0]))
    carried = weights[1][2, 1] * sources[1][1]
    assert f"<b>{hover_number(carried)}</b>" in hover(pg, ("link", 1, 2, 1))


def test_loss_stage_shows_prediction_target_and_losses(pg):
    walk_to(pg, "loss")
    follow_the_last(pg)
    ex, i = pg.trainer.explain_batch(), row(pg)
    text = pg._step_inside.caption.value
    for value in (ex.activations[-1][i, 0], ex.targets[i, 0], ex.losses[i], ex.loss):
        assert f"<b>{hover_number(value)}</b>" in text
    view = pg.network_view
    assert view.overlay_link(2, 0, 1)[0] is not None          # into the output: lit
    assert view.overlay_link(0, 1, 0) == (None, 1.0)           # the rest: faint


def test_backward_flows_from_the_output_to_the_inputs(pg):
    walk_to(pg, "backward")
    follow_the_last(pg)
    ex, i = pg.trainer.explain_batch(), row(pg)
    view = pg.network_view
    node_limit = max(np.abs(d[i]).max() for d in ex.deltas)
    link_limit = render.value_limit(ex.weight_gradients, ex.bias_gradients[:-1])
    delta = ex.deltas[-1][i, 0]
    assert view.overlay_node(("output", 0)) == (code(delta / node_limit), short_number(delta))
    assert view.overlay_node(("node", 1, 0)) == (127, "")        # not reached yet
    assert f"<b>{hover_number(delta)}</b>" in hover(pg, ("output", 0))
    g = ex.weight_gradients[2][0, 1]
    assert view.overlay_link(2, 0, 1) == (code(g / link_limit), stroke(1 + 9 * abs(g) / link_limit))
    assert view.overlay_link(1, 0, 0) == (None, 1.0)
    assert "not reached yet" in hover(pg, ("link", 1, 2, 1))
    pg.step_inside()
    pg.step_inside()
    assert pg._step_inside.layers_shown == 3
    for layer in range(2):
        for k in range(ex.deltas[layer].shape[1]):
            d = ex.deltas[layer][i, k]
            assert view.overlay_node(("node", layer, k)) == (code(d / node_limit), short_number(d))
    for layer, grad in enumerate(ex.weight_gradients):
        for d in range(grad.shape[0]):
            for s in range(grad.shape[1]):
                g = grad[d, s]
                assert view.overlay_link(layer, d, s) == (code(g / link_limit),
                                                          stroke(1 + 9 * abs(g) / link_limit))
    assert f"<b>{hover_number(ex.deltas[0][i, 3])}</b>" in hover(pg, ("node", 0, 3))
    assert f"<b>{hover_number(ex.weight_gradients[0][2, 1])}</b>" in hover(pg, ("link", 0, 2, 1))


def test_update_shows_the_changes_and_the_next_click_applies_exactly_them(pg):
    walk_to(pg, "update")
    ex = pg.trainer.explain_batch()
    view = pg.network_view
    limit = render.value_limit(ex.weight_updates, ex.bias_updates[:-1])
    for layer, up in enumerate(ex.weight_updates):
        u = up[0, 0]
        assert view.overlay_link(layer, 0, 0) == (code(u / limit), stroke(1 + 9 * abs(u) / limit))
    assert f"<b>{hover_number(ex.weight_updates[1][1, 2])}</b>" in hover(pg, ("link", 1, 1, 2))
    weights, biases = pg.trainer.weights, pg.trainer.biases
    assert pg.step_inside() == "forward"
    for w, u, new in zip(weights, ex.weight_updates, pg.trainer.weights):
        np.testing.assert_allclose(new, w + u, rtol=0, atol=1e-15)
        assert not np.array_equal(new, w)
    for b, u, new in zip(biases, ex.bias_updates, pg.trainer.biases):
        np.testing.assert_allclose(new, b + u, rtol=0, atol=1e-15)


def test_a_whole_epoch_of_clicks_is_one_epoch_of_step(pg):
    twin = Playground(seed="0.25", dataset="xor", network_shape=(4, 3), batch_size=8)
    try:
        twin.step(6)
        batches = pg.trainer.explain_batch().batches_per_epoch
        pg.step_inside()
        for _ in range(batches):
            walk_to(pg, "update")
            pg.step_inside()
        assert pg.trainer.epoch == twin.trainer.epoch == 6
        for a, b in zip(pg.trainer.weights, twin.trainer.weights):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
        assert pg.controls.epoch.value == twin.controls.epoch.value
    finally:
        twin.close()


# -- the followed point ---------------------------------------------------------------------

def test_a_heatmap_click_follows_the_nearest_point_of_the_batch(pg):
    pg.step_inside()
    ex = pg.trainer.explain_batch()
    xy = pg.trainer.data.train_x
    other = int([k for k in ex.indices if k != pg.step_inside_point][-1])
    px, py = data_to_pixel(xy[other, 0] + 0.05, xy[other, 1] - 0.05, pg.output_view.domain)
    n_points = len(xy)
    assert pg.output_view.heatmap_click(px, py) is not None
    assert pg.step_inside_point == other
    assert len(pg.trainer.data.train_x) == n_points            # no point was added
    batch, chosen = pg.output_view.batch_shown
    np.testing.assert_allclose(chosen, xy[other], atol=1e-5)
    np.testing.assert_allclose(batch, xy[ex.indices], atol=1e-5)
    a = ex.activations[0][list(ex.indices).index(other), 0]
    assert pg.network_view.overlay_node(("node", 0, 0))[1] == short_number(a)
    # the nearest of the batch even where another training point is nearer
    far = np.argmax(((xy - xy[other]) ** 2).sum(axis=1))
    px, py = data_to_pixel(*xy[far], pg.output_view.domain)
    pg.output_view.heatmap_click(px, py, size=(HEATMAP_SIZE, HEATMAP_HEIGHT))
    d2 = ((xy[ex.indices] - xy[far]) ** 2).sum(axis=1)
    assert pg.step_inside_point == int(ex.indices[np.argmin(d2)])


def test_adding_points_still_works_outside_step_inside(pg):
    pg.output_view.add_points.value = True
    pg.step_inside()
    before = len(pg.trainer.data.train_x) + len(pg.trainer.data.test_x)
    px, py = data_to_pixel(1.0, 1.0, pg.output_view.domain)
    pg.output_view.heatmap_click(px, py)
    assert len(pg.trainer.data.train_x) + len(pg.trainer.data.test_x) == before
    pg.leave_step_inside()
    pg.output_view.heatmap_click(px, py)
    assert len(pg.trainer.data.train_x) + len(pg.trainer.data.test_x) == before + 1


def test_the_point_is_settable_within_the_batch_only(pg):
    with pytest.raises(ValueError, match="not active"):
        pg.step_inside_point = 0
    pg.step_inside()
    ex = pg.trainer.explain_batch()
    pg.step_inside_point = int(ex.indices[3])
    assert pg.step_inside_point == ex.indices[3]
    outside = next(k for k in range(len(pg.trainer.data.train_x)) if k not in ex.indices)
    with pytest.raises(ValueError, match=rf"step_inside_point={outside}: .*one of \["):
        pg.step_inside_point = outside
    assert pg.step_inside_point == ex.indices[3]                # refused: nothing changed


# -- leaving, and what makes it leave ---------------------------------------------------

def test_done_restores_the_normal_picture(pg):
    view, output = pg.network_view, pg.output_view
    marks, heat_marks = list(view.figure.marks), list(output.heatmap.marks)
    readout = view.readout.value
    walk_to(pg, "backward", layers=2)
    assert list(view.figure.marks) != marks
    assert pg._step_inside.panel.layout.display is None
    pg._step_inside.done_button.click()
    assert pg.step_inside_stage is None and pg.step_inside_point is None
    assert [id(m) for m in view.figure.marks] == [id(m) for m in marks]
    assert [id(m) for m in output.heatmap.marks] == [id(m) for m in heat_marks]
    assert view.readout.value == readout and view.overlay is None
    assert pg._step_inside.panel.layout.display == "none"
    assert output.batch_shown is None


def test_the_button_beside_step_enters_and_advances(pg):
    button = pg.controls.step_inside_button
    button.click()
    assert pg.step_inside_stage == "forward"
    button.click()
    assert pg.step_inside_stage == "loss"
    pg._step_inside.next_button.click()
    assert pg.step_inside_stage == "backward"


def test_keys_esc_leaves_and_the_right_arrow_goes_on(pg):
    pg._step_inside.key({"type": "keydown", "key": "ArrowRight"})
    assert pg.step_inside_stage is None                         # outside the mode: nothing
    pg.step_inside()
    pg._step_inside.key({"type": "keydown", "key": "ArrowRight"})
    assert pg.step_inside_stage == "loss"
    pg._step_inside.key({"type": "keydown", "key": "a"})
    assert pg.step_inside_stage == "loss"
    pg._step_inside.key({"type": "keydown", "key": "Escape"})
    assert pg.step_inside_stage is None and pg.network_view.overlay is None


def test_step_leaves_and_a_config_change_explains_again(pg):
    walk_to(pg, "update")
    before = pg.trainer.explain_batch().weight_updates[0].copy()
    pg.config = pg.config.replace(learning_rate=0.3)          # live: same batch, new update
    assert pg.step_inside_stage == "update"
    after = pg.trainer.explain_batch().weight_updates[0]
    np.testing.assert_allclose(after, before * 10, rtol=1e-9)
    u = after[0, 0]
    limit = render.value_limit(pg.trainer.explain_batch().weight_updates,
                               pg.trainer.explain_batch().bias_updates[:-1])
    assert pg.network_view.overlay_link(0, 0, 0)[0] == code(u / limit)
    pg.config = pg.config.replace(network_shape=(2,))          # reset: a new network
    assert pg.step_inside_stage == "update"
    assert pg.network_view.overlay_link(1, 0, 1) is not None
    epoch = pg.trainer.epoch
    pg.step()
    assert pg.step_inside_stage is None and pg.trainer.epoch == epoch + 1


async def test_play_leaves_entering_pauses_and_a_click_sends_once_then_nothing(pg, monkeypatch):
    sent = []
    original = ipywidgets.Widget._send

    def record(widget, msg, buffers=None):
        sent.append(widget)
        return original(widget, msg, buffers)
    monkeypatch.setattr(ipywidgets.Widget, "_send", record)
    pg.step_inside()
    assert sent, "entering sent nothing"
    sent.clear()
    pg.step_inside()
    assert sent, "a click sent nothing"
    sent.clear()
    await asyncio.sleep(0.4)
    assert sent == [], "Step inside sent messages between clicks"
    pg.play()
    assert pg.step_inside_stage is None and pg.playing
    await asyncio.sleep(0.2)
    assert pg.step_inside() == "forward" and not pg.playing   # entering pauses
    epoch = pg.trainer.epoch
    await asyncio.sleep(0.2)
    assert pg.trainer.epoch == epoch


@pytest.mark.parametrize("changes", [
    dict(dataset="gauss3", loss="cross_entropy", network_shape=(3,)),
    dict(problem="regression", dataset="reg-plane", network_shape=(2, 2)),
    dict(dataset="circle", network_shape=(), batch_size=1),
])
def test_every_kind_of_network_walks_through(changes):
    p = Playground(seed="0.5", **changes)
    try:
        assert p.step_inside() == "forward"
        ex = p.trainer.explain_batch()
        i = list(ex.indices).index(p.step_inside_point)
        for k in range(ex.activations[-1].shape[1]):
            box = p.network_view.overlay_node(("output", k))
            assert box is not None and box[0] == code(np.clip(
                p.trainer.head.display(ex.activations[-1][i][:, None])[k, 0], -1, 1))
        walk_to(p, "update")
        weights = p.trainer.weights
        assert p.step_inside() == "forward"
        for w, u, new in zip(weights, ex.weight_updates, p.trainer.weights):
            np.testing.assert_allclose(new, w + u, rtol=0, atol=1e-15)
        p.leave_step_inside()
        assert p.network_view.overlay is None
    finally:
        p.close()


@pytest.mark.parametrize("leave_first", [False, True])
def test_close_releases_the_overlay_widgets_too(leave_first):
    from ipywidgets.widgets.widget import _instances  # the kernel's registry of open widgets
    before = set(_instances)
    p = Playground(seed="1", network_shape=(3,))
    walk_to(p, "backward")
    if leave_first:
        p.leave_step_inside()
    made = set(_instances) - before
    p.close()
    left = made & set(_instances)
    assert not left, sorted(type(_instances[k]).__name__ for k in left)


def test_a_diverged_network_is_not_stepped_inside():
    p = Playground(seed="0.1", problem="regression", activation="relu", learning_rate=3,
                   network_shape=(8, 8, 8))
    try:
        p.step(300)
        assert p.trainer.diverged
        assert p.step_inside() is None
        assert p.step_inside_stage is None and "diverged" in p.status
    finally:
        p.close()


# -- the picture math it uses (nbplayground.render) and the overlay's checks ---------------

def test_render_scales_for_gradients_and_updates():
    assert render.value_limit([0.5, -2.0], [[np.nan, np.inf, 1.5]]) == 2.0
    assert render.value_limit(np.zeros(3), []) == 1.0
    np.testing.assert_array_equal(render.relative([-4.0, 1.0, 8.0, np.nan], 4.0),
                                  [-1.0, 0.25, 1.0, np.nan])
    np.testing.assert_array_equal(render.relative_widths([0.0, -2.0, 4.0, np.nan], 4.0),
                                  [1.0, 5.5, 10.0, 1.0])
    with pytest.raises(ValueError, match="limit must be a finite number > 0; got 0.0"):
        render.relative([1.0], 0.0)
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    (out,) = render.weighted_inputs([w], [np.array([2.0, -1.0])])
    np.testing.assert_array_equal(out, [[2.0, 2.0], [1.0, -3.0]])
    with pytest.raises(ValueError, match=r"weights of shape \(2, 2\) do not take 3 inputs"):
        render.weighted_inputs([w], [np.zeros(3)])
    assert render.text_colors([1.0, 0.0, -1.0]) == ["#ffffff", "#000000", "#000000"]


def test_short_numbers_fit_a_box():
    cases = {0.534: "0.53", -0.058: "-0.06", -0.0008: "-8e-4", 12.3: "12", -123.4: "-120",
             0.00034: "3e-4", 0.0: "0", float("nan"): "NaN"}
    for value, text in cases.items():
        assert short_number(value) == text
        assert len(short_number(value)) <= 5


def test_show_overlay_refuses_arrays_that_do_not_fit(pg):
    view = pg.network_view
    m = view.panel_layout.num_links
    with pytest.raises(ValueError, match=f"the panel has {m} links; got 3 colours"):
        view.show_overlay({}, np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="output 1 is not one of the 1 outputs"):
        view.show_overlay({("output", 1): (0.0, "")}, np.zeros(m), np.ones(m))
    with pytest.raises(ValueError, match="bias squares; got 2 values"):
        view.show_overlay({}, np.zeros(m), np.ones(m), bias_units=np.zeros(2))
    assert view.overlay is None                                 # refused: nothing drawn
