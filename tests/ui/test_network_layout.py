"""The network panel's geometry (nbplayground/ui/network_layout.py), without widgets.

Oracles: Playground's numbers (docs/playground.md §8.4) (width 1 + 1.8|w| clamped to [1, 10]; Playground's colour
scale), render.py's tested functions (link_width, color_for) and a B-spline evaluation
for the link curves.
"""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

from nbplayground import render
from nbplayground.features import FEATURE_IDS
from nbplayground.ui import network_layout as nv
from nbplayground.ui.network_layout import (
    BUCKET_WIDTHS,
    DEAD_BUCKET,
    NODE_SIZE,
    WIDTH_EDGES,
    basis_curve,
    compute_layout,
)


def hex_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def test_the_layout_module_imports_no_widgets():
    """Geometry is testable without a front end: no ipywidgets, bqplot or asyncio."""
    source = pathlib.Path(nv.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & {"ipywidgets", "bqplot", "asyncio", "ipyevents", "traitlets"}


# ----------------------------------------------------------------------------- layout


def test_layout_fits_and_sits_on_the_atlas_grid():
    big = compute_layout(FEATURE_IDS, ("x", "y"), (8,) * 6)
    assert big.width == 600 and big.height <= 330
    assert len(big.column_x) == 7 and big.spacing >= NODE_SIZE + 30
    assert big.column_x[-1] + NODE_SIZE + nv.MIN_OUTPUT_GAP <= big.width
    assert big.num_links == 2 * 8 + 5 * 64 + 8
    small = compute_layout(FEATURE_IDS, ("x",), (3,))
    assert small.spacing == nv.MAX_SPACING          # a small network does not spread out
    assert small.height == big.height - nv.ROW_PITCH  # 7 rows (the features) instead of 8
    for lay in (big, small, compute_layout(("x",), (), ())):
        boxes = np.concatenate([lay.feature_boxes, *lay.node_boxes])
        assert (boxes % nv.ATLAS_SCALE == 0).all()
        assert lay.width % 3 == 0 and lay.height % 3 == 0
        assert (boxes[:, 1] + NODE_SIZE <= lay.height).all() and (boxes[:, 0] >= 0).all()
        # no two nodes overlap
        for i in range(len(boxes)):
            for j in range(i):
                assert (abs(boxes[i] - boxes[j]) >= NODE_SIZE).any()


def test_links_run_from_source_to_destination_and_to_the_right_edge():
    lay = compute_layout(FEATURE_IDS, ("x", "y", "sin_x"), (3, 2), n_outputs=3)
    assert list(lay.layer_offsets) == [0, 9, 15, 21]
    for i in range(lay.num_links):
        layer, dest, src = int(lay.link_layer[i]), int(lay.link_dest[i]), int(lay.link_src[i])
        assert lay.link_index(layer, dest, src) == i
        p0, p3 = lay.link_points[i, 0], lay.link_points[i, 3]
        if layer == 0:
            sx, sy = lay.node_box(("feature", lay.selected[src]))
        else:
            sx, sy = lay.node_box(("node", layer - 1, src))
        assert tuple(p0) == (sx + NODE_SIZE, sy + NODE_SIZE / 2)
        if layer < 2:
            dx, dy = lay.node_box(("node", layer, dest))
            assert p3[0] == dx and abs(p3[1] - (dy + NODE_SIZE / 2)) <= nv.FAN_SPREAD / 2
        else:
            assert p3[0] == lay.width        # the output is the big heatmap on the right
            assert abs(p3[1] - lay.output_points[dest, 1]) <= nv.FAN_SPREAD / 2
    with pytest.raises(ValueError):
        lay.link_index(0, 3, 0)
    with pytest.raises(ValueError):
        compute_layout(FEATURE_IDS, ("x", "nope"), (3,))
    with pytest.raises(ValueError):
        compute_layout(("y",), ("x",), (3,))


def bspline_points(p, samples):
    """Oracle: d3's curveBasis is the uniform cubic B-spline of [p0, p0, p0, p1, p2, p3, p3, p3];
    its 3 inner segments, each at t = 1/samples .. 1."""
    q = np.array([p[0], p[0], p[0], p[1], p[2], p[3], p[3], p[3]], dtype=float)
    m = np.array([[-1, 3, -3, 1], [3, -6, 3, 0], [-3, 0, 3, 0], [1, 4, 1, 0]]) / 6.0
    out = []
    for seg in range(2, 5):
        ctrl = q[seg - 1:seg + 3]
        for k in range(1, samples + 1):
            t = k / samples
            out.append(np.array([t**3, t**2, t, 1]) @ m @ ctrl)
    return np.array(out)


def test_basis_curve_follows_the_b_spline():
    p = np.array([[10.0, 20.0], [55.0, 20.0], [55.0, 80.0], [100.0, 86.0]])
    curve = basis_curve(p)
    assert np.allclose(curve[0], p[0]) and np.allclose(curve[-1], p[3])
    assert np.allclose(curve[1], (5 * p[0] + p[1]) / 6)
    assert np.allclose(curve[2:-1], bspline_points(p, nv.BASIS_SAMPLES))


def test_link_hit_test_finds_links_and_biases():
    lay = compute_layout(FEATURE_IDS, ("x", "y"), (2, 1))
    for i in range(lay.num_links):
        x, y = basis_curve(lay.link_points[i])[14]
        hit = lay.hit_test(x, y + 2.0)  # 2 px off the centre line, inside the 4 px band
        target = ("link", int(lay.link_layer[i]), int(lay.link_dest[i]), int(lay.link_src[i]))
        if hit != target:   # two links may cross here: the one found must be as close
            j = lay.link_index(*hit[1:])
            d_i = np.hypot(*(basis_curve(lay.link_points[i]) - (x, y + 2)).T).min()
            d_j = np.hypot(*(basis_curve(lay.link_points[j]) - (x, y + 2)).T).min()
            assert d_j <= d_i + 0.5
    # a far point is nothing
    x0, y0 = lay.node_box(("node", 1, 0))
    assert lay.hit_test(x0 + 15, lay.height - 1) is None
    # the bias square sits at the lower left, with a 2 px margin
    bx, by = lay.bias_boxes[1][0]
    assert (bx, by) == (x0 - 7, y0 + 28)
    assert lay.hit_test(bx + 2, by + 2) == ("bias", 1, 0)
    assert lay.hit_test(bx - 1.5, by + 6.5) == ("bias", 1, 0)
    assert lay.hit_test(float("nan"), 3) is None


# ----------------------------------------------------------------------------- links


def test_link_width_and_colour_formulas():
    ws = np.array([0.0, 0.1, -0.3, 0.5, -1.0, 1.7, -2.5, 4.0, 5.0, -7.0, 100.0, np.nan])
    widths = nv.link_widths(ws)
    spec = np.clip(1 + 1.8 * np.abs(ws), 1, 10)
    spec[np.isnan(ws)] = 1
    assert np.allclose(widths, spec)
    assert np.allclose(widths, [render.link_width(float(w)) for w in ws])
    codes = render.color_codes(ws)
    for w, code in zip(ws, codes):
        expected = render.color_for(0.0 if np.isnan(w) else float(w))
        got = render.color_of_code(code)
        assert np.abs(hex_rgb(got) - hex_rgb(expected)).max() <= 1, (w, got, expected)
    assert render.color_of_code(0) == render.ORANGE and render.color_of_code(254) == render.BLUE
    assert render.color_of_code(127) == render.GREY
    buckets = nv.assign_buckets(widths, np.zeros(len(ws), bool))
    for b, w in zip(buckets, widths):
        lo = ([1.0] + list(WIDTH_EDGES))[b]
        hi = (list(WIDTH_EDGES) + [10.0001])[b]
        assert lo <= w < hi and lo <= BUCKET_WIDTHS[b] <= hi


def test_bucket_hysteresis_and_dead_links():
    edge = WIDTH_EDGES[0]
    first = nv.assign_buckets([edge - 0.01, 3.0], [False, False])
    assert list(first) == [0, 2]
    # just over the edge: stays in bucket 0; well over it: moves
    assert list(nv.assign_buckets([edge + 0.1, 3.0], [False, True], first)) == [0, DEAD_BUCKET]
    assert list(nv.assign_buckets([edge + 0.3, 3.0], [False, False], first)) == [1, 2]


def test_format_value_two_significant_digits():
    assert nv.format_value(0.2345) == "0.23"
    assert nv.format_value(-12.3) == "-12"
    assert nv.format_value(0.000123) == "0.00012"
    assert nv.format_value(123.4) == "120"
    assert nv.format_value(0.1) == "0.1"
    assert nv.format_value(0) == "0"
    assert nv.format_value(float("nan")) == "NaN"


