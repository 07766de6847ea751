"""The network panel (nbplayground/ui/network_view.py), driven from Python with real frames.

Oracles: Playground's numbers (docs/playground.md) (limits 0..6 layers, 1..8 neurons, a new layer has 2; width
1 + 1.8|w| clamped to [1, 10]; Playground's colour scale), render.py's tested functions
(block_average, bucket_index, link_width, color_for), a B-spline evaluation for the link
curves, and a small PNG decoder written here for the atlas.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import struct
import zlib

import numpy as np
import pytest
from ipywidgets import Widget

from nbplayground import render
from nbplayground.config import Config
from nbplayground.features import FEATURE_IDS, FEATURES
from nbplayground.trainer import Trainer
from nbplayground.ui import network_view as nv
from nbplayground.ui.output_view import png_of
from nbplayground.ui.network_view import (
    ATLAS_EMPTY,
    ATLAS_FADED,
    BUCKET_WIDTHS,
    DEAD_BUCKET,
    NODE_SIZE,
    WIDTH_EDGES,
    NetworkView,
    basis_curve,
)

LABEL = {f.id: f.label for f in FEATURES}


# ----------------------------------------------------------------------------- helpers


class Recorder:
    """Collects every callback call as (name, args)."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if not name.startswith("on_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args))

    def of(self, name):
        return [args for n, args in self.calls if n == name]


def make_view(**kwargs):
    rec = Recorder()
    view = NetworkView(on_features=rec.on_features, on_shape=rec.on_shape, on_hover=rec.on_hover,
                       on_weight=rec.on_weight, on_bias=rec.on_bias, **kwargs)
    return view, rec


def draw(view, trainer, structure_changed=True, frame=None):
    view.update(frame or trainer.frame(), trainer.config, trainer.feature_grids(),
                structure_changed=structure_changed)


def mark_of(view, i):
    """The one visible width mark whose curves include link ``i``, and ``i``'s row in it.

    Found from the geometry each mark holds (its x/y rows are its members' control
    points), checked against the view's own membership list."""
    lay = view.panel_layout
    found = []
    for b, mark in enumerate(view.link_marks):
        members = view._members[b]
        if mark.visible and i in members:
            pos = int(np.flatnonzero(members == i)[0])
            assert np.allclose(np.atleast_2d(mark.x)[pos], lay.link_points[i, :, 0])
            found.append((mark, pos))
    assert len(found) == 1, f"link {i} is in {len(found)} marks"
    return found[0]


def frame_weights(frame):
    """The frame's weights flattened in link order (layer, dest, src)."""
    return np.concatenate([np.asarray(w, np.float64).ravel() for w in frame.weights])


def decode_png(png: bytes):
    """(indices (H, W), palette (P, 3), alpha) of an 8-bit indexed PNG with filter-0 rows."""
    png = bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, idat = 8, {}, b""
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", png[pos + 8 + n:pos + 12 + n])[0] == zlib.crc32(kind + data)
        pos += 12 + n
        if kind == b"IDAT":
            idat += data
        else:
            chunks[kind] = data
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color_type) == (8, 3)
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    assert (raw[:, 0] == 0).all(), "only filter type 0 is decoded here"
    palette = np.frombuffer(chunks[b"PLTE"], np.uint8).reshape(-1, 3)
    alpha = np.frombuffer(chunks.get(b"tRNS", b""), np.uint8)
    return raw[:, 1:], palette, alpha


def box_center(layout, target):
    x, y = layout.node_box(target)
    return x + NODE_SIZE / 2, y + NODE_SIZE / 2


def hex_rgb(text):
    return np.array([int(text[i:i + 2], 16) for i in (1, 3, 5)])


@pytest.fixture
def default_view():
    trainer = Trainer(Config(seed="0.5"))
    view, rec = make_view()
    draw(view, trainer)
    return view, rec, trainer


# ----------------------------------------------------------------------------- buttons


def click_layers(view, sign):
    (view.add_layer_button if sign > 0 else view.remove_layer_button).click()


def test_layer_buttons_add_a_two_neuron_layer_and_remove_the_last(default_view):
    view, rec, _ = default_view
    assert view.panel_layout.network_shape == (4, 2)
    click_layers(view, +1)
    click_layers(view, -1)
    assert rec.of("on_shape") == [((4, 2, 2),), ((4,),)]
    assert "2 HIDDEN LAYERS" in view.layers_label.value


def test_neuron_buttons_change_only_their_layer(default_view):
    view, rec, _ = default_view
    plus0, minus0 = view.neuron_buttons[0]
    plus1, minus1 = view.neuron_buttons[1]
    plus0.click()
    minus1.click()
    assert rec.of("on_shape") == [((5, 2),), ((4, 1),)]
    assert "4 neurons" in view.neuron_labels[0].value and "2 neurons" in view.neuron_labels[1].value


def test_buttons_respect_the_limits():
    trainer = Trainer(Config(seed="1", network_shape=(8, 1, 8, 8, 8, 8)))
    view, rec = make_view()
    draw(view, trainer)
    assert view.add_layer_button.disabled and not view.remove_layer_button.disabled
    click_layers(view, +1)                       # 6 layers: no 7th
    view.neuron_buttons[0][0].click()            # 8 neurons: no 9th
    view.neuron_buttons[1][1].click()            # 1 neuron: no 0
    assert rec.of("on_shape") == []
    assert view.neuron_buttons[0][0].disabled and not view.neuron_buttons[0][1].disabled
    assert view.neuron_buttons[1][1].disabled and not view.neuron_buttons[1][0].disabled
    assert "1 neuron<" in view.neuron_labels[1].value

    trainer.apply(trainer.config.replace(network_shape=()))
    draw(view, trainer)
    assert view.remove_layer_button.disabled and not view.add_layer_button.disabled
    assert view.neuron_buttons == []
    click_layers(view, -1)
    click_layers(view, +1)
    assert rec.of("on_shape") == [((nv.NEW_LAYER_NEURONS,),)] == [((2,),)]
    assert "0 HIDDEN LAYERS" in view.layers_label.value


def test_set_hidden_hides_the_buttons_and_the_editor(default_view):
    view, rec, _ = default_view
    view.set_hidden(frozenset({"numHiddenLayers", "numNodes2", "weightEditor"}))
    assert view.add_layer_button.layout.visibility == "hidden"
    assert view.remove_layer_button.layout.visibility == "hidden"
    assert view.neuron_buttons[0][0].layout.visibility == "visible"
    assert all(b.layout.visibility == "hidden" for b in view.neuron_buttons[1])
    assert view._editor.layout.display == "none"
    # with the editor hidden a click on a link selects nothing
    lay = view.panel_layout
    x, y = basis_curve(lay.link_points[0])[13]
    view.pointer_click(x, y)
    assert view.selection is None
    view.set_hidden(frozenset())
    assert view.add_layer_button.layout.visibility == "visible"
    assert view._editor.layout.display is None
    with pytest.raises(TypeError):
        view.set_hidden("weightEditor")


# ----------------------------------------------------------------------------- features


def test_clicking_a_feature_toggles_it(default_view):
    view, rec, trainer = default_view
    lay = view.panel_layout
    assert lay.features == FEATURE_IDS and lay.selected == ("x", "y")
    view.pointer_click(*box_center(lay, ("feature", "x_squared")))
    view.pointer_click(*box_center(lay, ("feature", "x")))
    assert rec.of("on_features") == [(("x", "y", "x_squared"),), (("y",),)]
    # the config accepts what the view proposes
    trainer.config.replace(features=rec.of("on_features")[0][0])


def test_hidden_features_are_not_drawn():
    trainer = Trainer(Config(seed="2", hide=frozenset({"xSquared", "sinY"}),
                             features=("x", "y", "x_times_y")))
    view, rec = make_view()
    draw(view, trainer)
    lay = view.panel_layout
    assert lay.features == ("x", "y", "y_squared", "x_times_y", "sin_x")
    assert list(view._labels.text) == [LABEL[f] for f in lay.features]
    assert len(lay.atlas_slots()) == 5 + sum(lay.network_shape)
    for f in ("x_squared", "sin_y"):
        with pytest.raises(ValueError):
            lay.node_box(("feature", f))
    # the third row now holds X2^2, which is unselected, so drawn faded
    target = lay.hit_test(*box_center(lay, ("feature", "y_squared")))
    assert target == ("feature", "y_squared")
    idx, _, _ = decode_png(png_of(view.atlas_mark.image))
    _, r, c = next(s for s in lay.atlas_slots() if s[0] == target)
    assert idx[r:r + 10, c:c + 10].min() >= ATLAS_FADED and idx[r:r + 10, c:c + 10].max() < ATLAS_EMPTY
    # the selected X1X2 is opaque, and its label is not dimmed
    _, r, c = next(s for s in lay.atlas_slots() if s[0] == ("feature", "x_times_y"))
    assert idx[r:r + 10, c:c + 10].max() < ATLAS_FADED
    colors = dict(zip(lay.features, view._labels.colors))
    assert colors["x_times_y"] == colors["x"] != colors["y_squared"]


# ----------------------------------------------------------------------------- hover


def test_hover_targets_from_coordinates(default_view):
    view, rec, _ = default_view
    lay = view.panel_layout
    cx, cy = box_center(lay, ("node", 1, 1))
    view.pointer_move(cx, cy)
    view.pointer_move(cx + 5, cy - 5)              # same node: no new call
    view.pointer_move(*box_center(lay, ("feature", "sin_y")))
    view.pointer_move(lay.width - 2, lay.height - 2)   # nothing there
    view.pointer_move(*box_center(lay, ("node", 0, 3)))
    view.pointer_leave()
    assert rec.of("on_hover") == [(("node", 1, 1),), (("feature", "sin_y"),), (None,),
                                  (("node", 0, 3),), (None,)]
    # node boxes are 30 px: just outside a box is not the node
    x, y = lay.node_box(("node", 0, 0))
    assert lay.hit_test(x + 29.5, y + 29.5) == ("node", 0, 0)
    assert lay.hit_test(x + 30.5, y + 15)[0] != "node"


def test_dom_events_are_scaled_from_the_bounding_rect(default_view):
    view, rec, _ = default_view
    lay = view.panel_layout
    cx, cy = box_center(lay, ("node", 0, 2))
    # the figure shown at half size: the event's coordinates are half the panel's
    view._on_dom_event({"type": "mousemove", "relativeX": cx / 2, "relativeY": cy / 2,
                        "boundingRectWidth": lay.width / 2, "boundingRectHeight": lay.height / 2})
    view._on_dom_event({"type": "mouseleave"})
    fx, fy = box_center(lay, ("feature", "y_squared"))
    view._on_dom_event({"type": "click", "relativeX": fx, "relativeY": fy,
                        "boundingRectWidth": lay.width, "boundingRectHeight": lay.height})
    assert rec.of("on_hover") == [(("node", 0, 2),), (None,)]
    assert rec.of("on_features") == [(("x", "y", "y_squared"),)]


def test_a_throttled_move_that_arrives_after_the_leave_does_not_stick(default_view):
    """The browser sends the throttled mousemove's trailing event after the mouseleave
    that followed it; its timeStamp says it is older, so the hover stays released."""
    view, rec, _ = default_view
    lay = view.panel_layout
    cx, cy = box_center(lay, ("node", 0, 1))
    size = {"boundingRectWidth": lay.width, "boundingRectHeight": lay.height}
    view._on_dom_event({"type": "mousemove", "relativeX": cx, "relativeY": cy,
                        "timeStamp": 1000.0, **size})
    view._on_dom_event({"type": "mouseleave", "timeStamp": 1040.0})
    view._on_dom_event({"type": "mousemove", "relativeX": cx + 2, "relativeY": cy + 2,
                        "timeStamp": 1030.0, **size})          # late, older than the leave
    assert rec.of("on_hover") == [(("node", 0, 1),), (None,)]
    view._on_dom_event({"type": "mousemove", "relativeX": cx, "relativeY": cy,
                        "timeStamp": 1100.0, **size})          # the pointer came back
    assert rec.of("on_hover")[-1] == (("node", 0, 1),)


def test_a_vanished_hover_target_is_released():
    trainer = Trainer(Config(seed="3", network_shape=(4, 2)))
    view, rec = make_view()
    draw(view, trainer)
    view.pointer_move(*box_center(view.panel_layout, ("node", 1, 1)))
    trainer.apply(trainer.config.replace(network_shape=(4,)))
    draw(view, trainer)
    assert rec.of("on_hover") == [(("node", 1, 1),), (None,)]


# ----------------------------------------------------------------------------- links and editing


def test_links_are_drawn_with_their_weights_widths_and_colours():
    trainer = Trainer(Config(seed="4", network_shape=(3,)))
    known = {(0, 0, 0): 0.0, (0, 1, 0): -0.4, (0, 2, 1): 1.3, (1, 0, 1): -3.0, (1, 0, 2): 6.0}
    for (layer, dest, src), w in known.items():
        trainer.set_weight(layer, dest, src, w)
    frame = trainer.frame()
    dead = [d.copy() for d in frame.dead]
    dead[0][1, 1] = True                      # pretend L1 killed X2 -> neuron 2
    frame = dataclasses.replace(frame, dead=dead)
    view, _ = make_view()
    draw(view, trainer, frame=frame)
    lay = view.panel_layout
    for (layer, dest, src), w in known.items():
        i = lay.link_index(layer, dest, src)
        b = int(np.searchsorted(WIDTH_EDGES, 1 + 1.8 * min(abs(w), 5), side="right"))
        mark, pos = mark_of(view, i)
        assert mark is view.link_marks[b]
        lo, hi = ([1.0] + list(WIDTH_EDGES))[b], (list(WIDTH_EDGES) + [10.0])[b]
        assert lo <= mark.stroke_width <= hi
        code = int(mark.color[pos])
        assert code == round(127 * (np.clip(w, -1, 1) + 1))
        assert np.abs(hex_rgb(render.color_of_code(code)) - hex_rgb(render.color_for(w))).max() <= 1
        # the geometry the mark holds is the link's curve (y flipped: bqplot's y points up)
        # (bqplot squeezes a one-curve mark's (1, 4) arrays to (4,))
        assert np.allclose(np.atleast_2d(mark.x)[pos], lay.link_points[i, :, 0])
        assert np.allclose(np.atleast_2d(mark.y)[pos], lay.height - lay.link_points[i, :, 1])
    # every mark holds exactly its members' curves, one colour each; every link is in one
    shown = []
    for b, mark in enumerate(view.link_marks):
        members = view._members[b]
        if not mark.visible:
            assert members.size == 0
            continue
        shown.extend(members.tolist())
        assert np.allclose(np.atleast_2d(mark.x), lay.link_points[members, :, 0])
        if b != DEAD_BUCKET:
            assert list(mark.color) == list(render.color_codes(frame_weights(frame)[members]))
    assert sorted(shown) == list(range(lay.num_links))
    dead_mark = view.link_marks[DEAD_BUCKET]
    assert dead_mark.visible and list(view._members[DEAD_BUCKET]) == [lay.link_index(0, 1, 1)]
    assert np.allclose(np.atleast_2d(dead_mark.x), lay.link_points[[lay.link_index(0, 1, 1)], :, 0])
    assert dead_mark.line_style == "dashed"
    scale = view.link_marks[0].scales["color"]
    assert (scale.min, scale.max) == (0.0, 254.0)
    assert scale.colors == [render.ORANGE, render.GREY, render.BLUE]
    # bias squares: one per hidden node, coloured by the bias
    biases = trainer.frame().biases[0]
    assert list(view._bias_mark.color) == list(render.color_codes(biases))


# ----------------------------------------------------------------------------- editing


def test_editing_a_link_and_a_bias(default_view):
    view, rec, trainer = default_view
    lay = view.panel_layout
    i = lay.link_index(1, 1, 2)
    x, y = basis_curve(lay.link_points[i])[14]
    assert lay.hit_test(x, y) == ("link", 1, 1, 2)
    view.pointer_move(x, y)
    w = trainer.weights[1][1, 2]
    assert f"Weight is {nv.format_value(w)}" in view.readout.value
    view.pointer_click(x, y)
    assert view.selection == ("link", 1, 1, 2) and not view.weight_input.disabled
    assert float(view.weight_input.value) == pytest.approx(float(nv.format_value(w)))
    view.weight_input.value = 0.75
    assert rec.of("on_weight") == [(1, 1, 2, 0.75)]
    # hovering a link shows no node in the heatmap
    assert rec.of("on_hover") == []

    view.pointer_leave()        # the readout shows the hovered item first, then the selected
    view.select_bias(0, 3)
    view.weight_input.value = -1.5
    assert rec.of("on_bias") == [(0, 3, -1.5)]
    assert f"Bias is {nv.format_value(trainer.biases[0][3])}" in view.readout.value
    bx, by = lay.bias_boxes[0][3]
    view.clear_selection()
    view.pointer_click(bx + 2, by + 2)
    assert view.selection == ("bias", 0, 3)

    view.select_link(0, 2, 1)
    view.weight_input.value = 2.0
    assert rec.of("on_weight")[-1] == (0, 2, 1, 2.0)
    assert len(rec.of("on_weight")) == 2   # selecting did not call on_weight
    with pytest.raises(ValueError):
        view.select_link(0, 4, 0)
    with pytest.raises(ValueError):
        view.select_bias(2, 0)


# ----------------------------------------------------------------------------- atlas


def test_atlas_places_each_block_average_where_the_hit_test_finds_the_node():
    trainer = Trainer(Config(seed="5", dataset="spiral", network_shape=(5, 3),
                             features=("x", "y", "sin_x")))
    trainer.step(20)
    view, _ = make_view()
    draw(view, trainer)
    lay = view.panel_layout
    idx, palette, alpha = decode_png(png_of(view.atlas_mark.image))
    assert idx.shape == (lay.height // 3, lay.width // 3)
    frame, feats = trainer.frame(), trainer.feature_grids()
    for target, r, c in lay.atlas_slots():
        if target[0] == "feature":
            grid = feats[FEATURE_IDS.index(target[1])]
        else:
            grid = frame.hidden[target[1]][target[2]]
        expected = render.bucket_index(render.block_average(grid)).astype(int)
        if target[0] == "feature" and target[1] not in lay.selected:
            expected += ATLAS_FADED
        assert np.array_equal(idx[r:r + 10, c:c + 10], expected), target
        # the panel pixels the atlas cell covers are the node's box
        assert lay.hit_test(c * 3 + 1, r * 3 + 1) == target
        assert lay.hit_test(c * 3 + 29, r * 3 + 29) == target
    # everything else is transparent
    assert (idx != ATLAS_EMPTY).sum() == 100 * len(lay.atlas_slots())
    assert alpha[ATLAS_EMPTY] == 0 and alpha[0] == 255 and alpha[ATLAS_FADED] == round(0.4 * 255)
    # the colours: Playground's palette at alpha 160 over white
    assert np.array_equal(palette[:32], render.heatmap_palette(False, render.WHITE)[0])
    assert np.array_equal(palette[32:64], palette[:32])


def test_discretize_uses_only_the_two_end_colours():
    trainer = Trainer(Config(seed="6", discretize=True))
    view, _ = make_view()
    draw(view, trainer)
    idx, _, _ = decode_png(png_of(view.atlas_mark.image))
    used = set(np.unique(idx)) - {ATLAS_EMPTY}
    assert used <= {0, 30, ATLAS_FADED, ATLAS_FADED + 30}


def test_the_atlas_alternates_between_two_image_widgets():
    trainer = Trainer(Config(seed="7"))
    view, _ = make_view()
    seen = []
    for _ in range(4):
        draw(view, trainer, structure_changed=False)
        seen.append(view.atlas_mark.image)
        trainer.step(5)
    assert seen[0] is not seen[1] and seen[0] is seen[2] and seen[1] is seen[3]
    assert len({id(s) for s in seen}) == 2
    # an unchanged picture is not sent again
    before = view.atlas_mark.image
    draw(view, trainer, structure_changed=False)
    draw(view, trainer, structure_changed=False)
    assert view.atlas_mark.image is not before   # the new frame (5 epochs on) was sent ...
    after = view.atlas_mark.image
    draw(view, trainer, structure_changed=False)
    assert view.atlas_mark.image is after        # ... the same one again was not


# ----------------------------------------------------------------------------- checks


def test_bad_input_is_refused(default_view):
    view, _, trainer = default_view
    frame = trainer.frame()
    with pytest.raises(ValueError, match="network_shape"):
        view.update(frame, trainer.config.replace(network_shape=(3,)), trainer.feature_grids(),
                    structure_changed=True)
    with pytest.raises(ValueError, match="feature_grids"):
        view.update(frame, trainer.config, trainer.feature_grids()[:3], structure_changed=False)
    with pytest.raises(TypeError, match="on_hover"):
        NetworkView(on_features=print, on_shape=print, on_hover=None, on_weight=print, on_bias=print)


# ----------------------------------------------------------------------------- cost


async def test_link_refresh_is_limited_and_the_last_state_is_drawn():
    trainer = Trainer(Config(seed="8"))
    view, _ = make_view(link_interval=0.05, clock=lambda: 100.0)   # time stands still ...
    draw(view, trainer)
    lay = view.panel_layout
    i = lay.link_index(0, 0, 0)
    trainer.set_weight(0, 0, 0, -1.0)
    draw(view, trainer, structure_changed=False)          # within 0.05 s: held back
    mark, pos = mark_of(view, i)
    assert mark.color[pos] != 0
    await asyncio.sleep(0.2)                              # ... but the loop's timer runs
    mark, pos = mark_of(view, i)
    assert mark.color[pos] == 0


async def test_bytes_per_frame_for_spiral_6x8(monkeypatch):
    """Everything the panel sends while training spiral [8,8,8,8,8,8] at 30 frames/s."""
    sizes = []

    def count(self, msg, buffers=None):
        sizes.append(len(json.dumps(msg, default=str)) + sum(memoryview(b).nbytes for b in buffers or ()))

    monkeypatch.setattr(Widget, "_send", count)
    trainer = Trainer(Config(seed="0.31", dataset="spiral", network_shape=(8,) * 6))
    clock = [0.0]
    view, _ = make_view(clock=lambda: clock[0])
    draw(view, trainer)
    first = sum(sizes)
    sizes.clear()
    frames = 240
    for _ in range(frames):
        trainer.step(2)
        clock[0] += 1 / 30
        draw(view, trainer, structure_changed=False)
    view.flush()
    per_frame = sum(sizes) / frames
    print(f"\nnetwork panel, spiral 6x8: {per_frame:.0f} bytes/frame, "
          f"{len(sizes) / frames:.1f} messages/frame, first frame {first} bytes")
    assert per_frame <= 6000
    assert len(sizes) / frames <= 6


def test_a_reset_of_the_same_structure_resends_only_moved_marks_and_keeps_the_buttons(monkeypatch):
    trainer = Trainer(Config(seed="9", network_shape=(4, 3)))
    view, _ = make_view()
    draw(view, trainer)
    buttons = view.neuron_buttons
    before = [m.copy() for m in view._members]
    sent = []
    monkeypatch.setattr(Widget, "_send", lambda self, msg, buffers=None: sent.append(
        (self, set(msg.get("state", {})))))
    trainer.reset()
    draw(view, trainer, structure_changed=True)
    assert view.neuron_buttons is buttons
    assert not any(w is view.figure or w is view._borders or w is view._labels for w, _ in sent)
    # positions go only to the marks whose members changed, colours to every live mark
    for b, mark in enumerate(view.link_marks):
        keys = set().union(*[k for w, k in sent if w is mark])
        moved = not np.array_equal(before[b], view._members[b])
        assert ("x" in keys) == (moved and view._members[b].size > 0)
        if b != DEAD_BUCKET and view._members[b].size:
            assert "color" in keys or np.array_equal(before[b], view._members[b])
    assert any("color" in keys for w, keys in sent if w in view.link_marks)
    # a new shape lays everything out again
    trainer.apply(trainer.config.replace(network_shape=(4, 4)))
    draw(view, trainer, structure_changed=True)
    assert view.neuron_buttons is not buttons and "4 neurons" in view.neuron_labels[1].value


def test_no_selected_feature_and_multiclass_outputs_draw():
    """Hidden units with no inputs (only a bias), and three output units at the right edge.
    The frames are made by hand: only the shapes matter here."""
    grids = np.zeros((7, 100, 100), np.float32)
    config = Config(seed="10", features=(), network_shape=(2,))
    frame = Trainer(Config(seed="10", network_shape=(2,))).frame()
    frame = dataclasses.replace(
        frame, hidden=[np.zeros((2, 100, 100), np.float32)],
        weights=[np.zeros((2, 0)), np.array([[0.5, -0.5], [2.0, 0.0], [0.0, -9.0]])],
        biases=[np.array([0.3, -0.3]), np.zeros(3)],
        dead=[np.zeros((2, 0), bool), np.zeros((3, 2), bool)])
    view, rec = make_view()
    view.update(frame, config, grids, structure_changed=True)
    lay = view.panel_layout
    assert lay.selected == () and lay.n_outputs == 3 and lay.num_links == 6
    assert list(lay.layer_offsets) == [0, 0, 6]
    assert view._labels.colors == [nv._TEXT_DIM] * 7       # every feature faded
    assert list(view._bias_mark.color) == list(nv.color_codes([0.3, -0.3]))
    i = lay.link_index(1, 2, 1)                               # w = -9: widest, orange
    assert mark_of(view, i) == (view.link_marks[len(BUCKET_WIDTHS) - 1], 0)
    assert list(view._members[len(BUCKET_WIDTHS) - 1]) == [i]
    view.pointer_click(*box_center(lay, ("feature", "sin_x")))
    assert rec.of("on_features") == [(("sin_x",),)]


# ----------------------------------------------------------------------------- life


async def test_close_closes_everything_the_panel_made_and_cancels_the_timer():
    from ipywidgets.widgets.widget import _instances  # the kernel's registry of open widgets
    before = set(_instances)
    trainer = Trainer(Config(seed="11", network_shape=(3, 2)))
    view, _ = make_view(link_interval=10.0, clock=lambda: 100.0)
    draw(view, trainer)
    trainer.step(1)
    draw(view, trainer, structure_changed=False)      # held back: a timer is waiting
    assert view._timer is not None
    timer = view._timer
    trainer.apply(trainer.config.replace(network_shape=(4,)))
    draw(view, trainer)                               # a new header: old buttons replaced
    made = set(_instances) - before
    assert len(made) > 20
    events, images = list(view._events), list(view._images)
    spare = next(i for i in images if i is not view.atlas_mark.image)
    view.close()
    assert view.closed and view.comm is None
    assert timer.cancelled() and view._timer is None
    assert all(e.comm is None for e in events) and len(events) == 2
    assert spare.comm is None                        # the image not shown right now too
    left = made & set(_instances)
    assert not left, sorted(type(_instances[k]).__name__ for k in left)
    view.close()                                      # twice is fine
    view.flush()                                      # a late timer call draws nothing


def test_the_figure_has_no_toolbar():
    view, _ = make_view()
    assert view.figure.display_toolbar is False
    view.close()


async def test_links_flow_one_phase_per_link_refresh_while_playing_and_stand_still_paused():
    from nbplayground.ui.network_view import FLOW_PHASES
    trainer = Trainer(Config(seed="8"))
    now = [100.0]
    view, _ = make_view(link_interval=0.25, clock=lambda: now[0])
    draw(view, trainer)
    assert "nbp-flowing" not in view._dom_classes          # paused: solid, still links
    view.set_playing(True)
    classes = [c for c in view._dom_classes if c.startswith("nbp-flow")]
    assert classes == ["nbp-flowing", f"nbp-flow-{view.flow_phase}"]
    phases = []
    for _ in range(2 * FLOW_PHASES):
        trainer.step(1)
        draw(view, trainer, structure_changed=False)      # within the interval: no step
        now[0] += 0.1
        trainer.step(1)
        draw(view, trainer, structure_changed=False)
        now[0] += 0.2                                     # 0.3 s since the last refresh
        phases.append(view.flow_phase)
        assert f"nbp-flow-{view.flow_phase}" in view._dom_classes
        assert sum(c.startswith("nbp-flow-") for c in view._dom_classes) == 1
    # one phase per refresh (not per frame), round and round
    assert phases[1:] == [(p + 1) % FLOW_PHASES for p in phases[:-1]]
    view.set_playing(False)
    frozen = list(view._dom_classes)
    assert not any(c.startswith("nbp-flow") for c in frozen)
    now[0] += 1.0
    trainer.step(1)
    draw(view, trainer, structure_changed=False)          # a refresh after pause: still
    assert list(view._dom_classes) == frozen
    view.close()


async def test_the_atlas_timer_does_not_redraw_the_links_early():
    trainer = Trainer(Config(seed="8", network_shape=(4, 4)))
    view, _ = make_view(link_interval=0.3, atlas_interval=0.1)
    draw(view, trainer)
    refreshes, atlases = [], []
    original_links, original_atlas = view._refresh_links, view._send_atlas
    view._refresh_links = lambda *a, **k: (refreshes.append(1), original_links(*a, **k))
    view._send_atlas = lambda *a, **k: (atlases.append(1), original_atlas(*a, **k))
    for _ in range(25):                      # 1 s of frames 25 a second
        trainer.step(2)
        draw(view, trainer, structure_changed=False)
        await asyncio.sleep(0.04)
    assert len(atlases) >= 6                 # the thumbnails on their own (faster) clock
    assert 2 <= len(refreshes) <= 1.0 / 0.3 + 2, len(refreshes)
    await asyncio.sleep(0.35)
    weights = np.concatenate([np.ravel(w) for w in trainer.frame().weights])
    assert np.array_equal(view._weights, weights)   # the last state drawn by the timer
    view.close()
