"""The network panel's geometry, without widgets: where every node, link and bias
square sits, what is under a point, and how links are sorted by width.

Everything here is plain NumPy and testable without a front end; the widget
(:mod:`nbplayground.ui.network_view`) draws what this module computes, and the
pictures themselves (colour codes, block averages, the thumbnail atlas) come from
:mod:`nbplayground.render`.

Coordinates: *panel pixels*, x to the right and y **down** from the figure's
top-left corner (as a DOM event gives them).  Every node position is a multiple of
:data:`ATLAS_SCALE`, so that a node's 10x10 thumbnail sits on whole atlas pixels.

* :func:`compute_layout` places the feature column, one column per hidden layer
  and the links' control points; :class:`PanelLayout` holds the result and its
  :meth:`~PanelLayout.hit_test`.
* :func:`basis_curve` traces a link as bqplot draws it (d3's ``curveBasis``).
* :func:`link_widths` and :func:`assign_buckets` turn weights into the few stroke
  widths the link marks use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import render
from ..features import FEATURE_IDS, FEATURES

__all__ = [
    "NODE_SIZE", "THUMBNAIL", "ATLAS_SCALE", "ROW_PITCH", "TOP_PAD", "BOTTOM_PAD",
    "FEATURE_X", "LABEL_GAP", "MIN_OUTPUT_GAP", "MAX_SPACING", "PANEL_WIDTH", "BIAS_SIZE",
    "BIAS_OFFSET", "BIAS_HIT_MARGIN", "FAN_SPREAD", "LINK_HIT_TOLERANCE", "OUTPUT_PITCH",
    "BASIS_SAMPLES", "WIDTH_EDGES", "BUCKET_WIDTHS", "DEAD_BUCKET", "BUCKET_HYSTERESIS",
    "PanelLayout", "compute_layout", "basis_curve", "link_widths", "assign_buckets",
    "atlas_indices", "format_value", "feature_hide_keys", "node_name",
]

_LABELS = {f.id: f.label for f in FEATURES}

# ---------------------------------------------------------------------------------------
# Geometry (panel pixels). Every node position is a multiple of ATLAS_SCALE.
# ---------------------------------------------------------------------------------------

NODE_SIZE = 30
"""Side of a node thumbnail in panel pixels (Playground: 30 px)."""
THUMBNAIL = 10
"""Side of a thumbnail in data pixels: the 100x100 grid averaged over 10x10 blocks."""
ATLAS_SCALE = NODE_SIZE // THUMBNAIL
"""Panel pixels per atlas pixel (3)."""
ROW_PITCH = 36
"""Vertical distance between the tops of two nodes in a column."""
TOP_PAD = 6
"""Space above the first row."""
BOTTOM_PAD = 6
"""Space below the last row (the bias squares hang 3 px below their node)."""
FEATURE_X = 60
"""Left edge of the feature thumbnails; their labels end at FEATURE_X - LABEL_GAP."""
LABEL_GAP = 6
MIN_OUTPUT_GAP = 36
"""Shortest horizontal run of the links from the last column to the right edge."""
MAX_SPACING = 180
"""Widest distance between two columns (small networks do not spread further)."""
PANEL_WIDTH = 600
"""Default figure width: 7 columns (features and 6 hidden layers) fit."""
BIAS_SIZE = 5
"""Side of a bias square. It sits at (x - 7, y + 28) of its node, as in Playground."""
BIAS_OFFSET = (-BIAS_SIZE - 2, NODE_SIZE - BIAS_SIZE + 3)
BIAS_HIT_MARGIN = 2
"""The bias square reacts to the pointer this many px beyond its edge."""
FAN_SPREAD = 12
"""The links into one node arrive spread over +-6 px (Playground)."""
LINK_HIT_TOLERANCE = 4.0
"""A link reacts within this distance of its centre line (Playground's hit path is 8 px)."""
OUTPUT_PITCH = 12
"""Vertical distance between the right-edge end points of several output units."""
BASIS_SAMPLES = 8
"""Samples per Bezier piece when a link's curve is traced for hit testing."""

# ---------------------------------------------------------------------------------------
# Link styling
# ---------------------------------------------------------------------------------------

WIDTH_EDGES = np.array([1.5, 2.5, 4.0, 6.0, 8.0])
"""Bucket edges on the link width in px: bucket b holds widths in [edge[b-1], edge[b])."""
BUCKET_WIDTHS = (1.0, 2.0, 3.25, 5.0, 7.0, 9.0)
"""Stroke width each bucket is drawn with (inside its range)."""
DEAD_BUCKET = len(BUCKET_WIDTHS)
"""Bucket number of dead links (drawn 1 px, dashed, faint grey)."""
BUCKET_HYSTERESIS = 0.15
"""A link leaves its bucket only when its width is this many px beyond the bucket's range."""


# ---------------------------------------------------------------------------------------
# Layout, hit test, link widths and buckets
# ---------------------------------------------------------------------------------------


def _floor_to(value: float, step: int) -> int:
    return int(value // step) * step


def basis_curve(points: np.ndarray, samples: int = BASIS_SAMPLES) -> np.ndarray:
    """Trace d3's ``curveBasis`` through 4 control points, as bqplot draws it.

    ``points`` is (M, 4, 2) (or (4, 2)); the result is (M, 3 * samples + 3, 2) points along
    each curve (or (3 * samples + 3, 2)). For control points p0..p3 d3 draws:
    a line p0 -> A = (5 p0 + p1) / 6, three cubic Bezier pieces
    A -> B = (p0 + 4 p1 + p2) / 6 -> C = (p1 + 4 p2 + p3) / 6 -> D = (p2 + 5 p3) / 6, with
    the inner controls (2 pa + pb) / 3 and (pa + 2 pb) / 3 of each pair (pa, pb) =
    (p0, p1), (p1, p2), (p2, p3); and a line D -> p3. So the curve starts at p0, ends at p3,
    and leaves and arrives horizontally when p1, p2 sit at the heights of p0, p3.
    """
    p = np.asarray(points, dtype=np.float64)
    single = p.ndim == 2
    if single:
        p = p[None]
    if p.ndim != 3 or p.shape[1:] != (4, 2):
        raise ValueError(f"points must have shape (M, 4, 2) or (4, 2); got {np.shape(points)}")
    p0, p1, p2, p3 = (p[:, i] for i in range(4))
    starts = [(5 * p0 + p1) / 6, (p0 + 4 * p1 + p2) / 6, (p1 + 4 * p2 + p3) / 6]
    ends = starts[1:] + [(p2 + 5 * p3) / 6]
    pairs = [(p0, p1), (p1, p2), (p2, p3)]
    t = (np.arange(1, samples + 1) / samples)[None, :, None]
    pieces = [p0[:, None], starts[0][:, None]]
    for (a, b), s, e in zip(pairs, starts, ends):
        c1 = ((2 * a + b) / 3)[:, None]
        c2 = ((a + 2 * b) / 3)[:, None]
        s, e = s[:, None], e[:, None]
        u = 1 - t
        pieces.append(u**3 * s + 3 * u * u * t * c1 + 3 * u * t * t * c2 + t**3 * e)
    pieces.append(p3[:, None])
    out = np.concatenate(pieces, axis=1)
    return out[0] if single else out


def _segment_distances(px: float, py: float, polylines: np.ndarray) -> np.ndarray:
    """Distance from (px, py) to each polyline of (M, S, 2): the nearest of its segments."""
    a = polylines[:, :-1]
    d = polylines[:, 1:] - a
    rel = np.array([px, py]) - a
    length2 = (d * d).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(length2 > 0, (rel * d).sum(-1) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    gap = rel - t[..., None] * d
    return np.sqrt((gap * gap).sum(-1)).min(axis=1)


@dataclass(frozen=True, eq=False)
class PanelLayout:
    """Where everything of the network panel sits, in panel pixels (x right, y down).

    * ``features``: the feature ids drawn (Playground order, hidden features left out);
      ``feature_boxes`` (F, 2) their top-left corners; ``selected`` which are inputs.
    * ``network_shape``: hidden layer widths; ``node_boxes[l]`` (n_l, 2) top-left corners
      of hidden layer l's nodes (l = 0 is the first hidden layer).
    * ``output_points`` (K, 2): where the links into the K output units end (right edge).
    * links, in the order of the flattened weight matrices (layer, then dest, then src):
      ``link_layer``, ``link_dest``, ``link_src`` (M,), ``link_points`` (M, 4, 2) control
      points, ``link_curves`` (M, S, 2) the traced curves for hit testing.
    * ``bias_boxes[l]`` (n_l, 2): top-left corners of the 5x5 bias squares.
    * ``column_x`` the left edge of each column (features first), ``spacing`` between them.
    """

    width: int
    height: int
    features: tuple
    selected: tuple
    feature_boxes: np.ndarray
    network_shape: tuple
    node_boxes: tuple
    bias_boxes: tuple
    n_outputs: int
    output_points: np.ndarray
    column_x: tuple
    spacing: int
    link_layer: np.ndarray
    link_dest: np.ndarray
    link_src: np.ndarray
    link_points: np.ndarray
    link_curves: np.ndarray
    layer_offsets: tuple = field(default=())

    @property
    def key(self) -> tuple:
        """What identifies the structure: equal keys mean the same picture geometry."""
        return (self.width, self.features, self.selected, self.network_shape, self.n_outputs)

    @property
    def num_links(self) -> int:
        return int(self.link_layer.size)

    @property
    def atlas_shape(self) -> tuple[int, int]:
        """(rows, columns) of the atlas image: the panel at 1/ATLAS_SCALE."""
        return (self.height // ATLAS_SCALE, self.width // ATLAS_SCALE)

    def node_box(self, target) -> tuple[int, int]:
        """Top-left corner of ``("feature", id)`` or ``("node", layer, index)``."""
        if target[0] == "feature":
            i = self.features.index(target[1])
            return tuple(int(v) for v in self.feature_boxes[i])
        _, layer, index = target
        return tuple(int(v) for v in self.node_boxes[layer][index])

    def link_index(self, layer: int, dest: int, src: int) -> int:
        """Position of link ``src -> dest`` of weight ``layer`` in the link arrays."""
        n_layers = len(self.layer_offsets) - 1
        if not (isinstance(layer, (int, np.integer)) and 0 <= layer < n_layers):
            raise ValueError(f"layer must be a weight layer 0..{n_layers - 1}; got {layer!r}")
        n_out, n_in = self._layer_dims(layer)
        if not (isinstance(dest, (int, np.integer)) and 0 <= dest < n_out):
            raise ValueError(f"dest must be a node 0..{n_out - 1} of weight layer {layer}; got {dest!r}")
        if not (isinstance(src, (int, np.integer)) and 0 <= src < n_in):
            raise ValueError(f"src must be a node 0..{n_in - 1} of weight layer {layer}; got {src!r}")
        return self.layer_offsets[layer] + int(dest) * n_in + int(src)

    def _layer_dims(self, layer: int) -> tuple[int, int]:
        sizes = (len(self.selected), *self.network_shape, self.n_outputs)
        return sizes[layer + 1], sizes[layer]

    def hit_test(self, x: float, y: float):
        """What is under panel point (x, y)?

        Returns None, ``("feature", feature_id)``, ``("node", hidden_layer, index)``,
        ``("bias", hidden_layer, index)`` (whose weight layer is ``hidden_layer``) or
        ``("link", weight_layer, dest, src)``. Nodes come first, then bias squares (with a
        2 px margin), then the nearest link within :data:`LINK_HIT_TOLERANCE` px.
        """
        if not (math.isfinite(x) and math.isfinite(y)):
            return None
        for i, (bx, by) in enumerate(self.feature_boxes):
            if bx <= x < bx + NODE_SIZE and by <= y < by + NODE_SIZE:
                return ("feature", self.features[i])
        for layer, boxes in enumerate(self.node_boxes):
            for k, (bx, by) in enumerate(boxes):
                if bx <= x < bx + NODE_SIZE and by <= y < by + NODE_SIZE:
                    return ("node", layer, k)
        m = BIAS_HIT_MARGIN
        for layer, boxes in enumerate(self.bias_boxes):
            for k, (bx, by) in enumerate(boxes):
                if bx - m <= x < bx + BIAS_SIZE + m and by - m <= y < by + BIAS_SIZE + m:
                    return ("bias", layer, k)
        if self.num_links:
            dist = _segment_distances(x, y, self.link_curves)
            best = int(np.argmin(dist))
            if dist[best] <= LINK_HIT_TOLERANCE:
                return ("link", int(self.link_layer[best]), int(self.link_dest[best]),
                        int(self.link_src[best]))
        return None

    def atlas_slots(self) -> list:
        """The atlas cell of every drawn node: ``[(target, row, col), ...]``.

        Features first (column order), then hidden layers; (row, col) is the top-left
        atlas pixel of the node's 10x10 thumbnail: the node's box divided by ATLAS_SCALE.
        """
        slots = []
        for fid, (bx, by) in zip(self.features, self.feature_boxes):
            slots.append((("feature", fid), int(by) // ATLAS_SCALE, int(bx) // ATLAS_SCALE))
        for layer, boxes in enumerate(self.node_boxes):
            for k, (bx, by) in enumerate(boxes):
                slots.append((("node", layer, k), int(by) // ATLAS_SCALE, int(bx) // ATLAS_SCALE))
        return slots


def compute_layout(features, selected, network_shape, n_outputs: int = 1,
                   width: int = PANEL_WIDTH) -> PanelLayout:
    """Place the panel's nodes, links and bias squares.

    ``features``: the feature ids to draw (those not hidden), in any order (drawn in
    Playground's order); ``selected``: the network's inputs (a subset of ``features``);
    ``network_shape``: hidden layer widths; ``n_outputs``: output units (1, or K classes).

    Columns: features at x = 60; hidden layer l at 60 + (l + 1) * spacing, where spacing is
    the widest multiple of 3 (<= 180) that leaves >= 36 px of links to the right edge.
    Rows: node i of a column at y = 6 + 36 i, so columns are top-aligned, as in Playground.
    Height: 6 + 36 * rows with rows = the tallest column (>= 1).
    A link leaves its source at the middle of the right edge and arrives at the left edge
    of its destination, the arrivals into one node spread over +-6 px; the links into the
    outputs end at the right edge, at y = 6 + 15 + 12 k for output k.
    """
    width = int(width)
    if width < 300 or width % ATLAS_SCALE:
        raise ValueError(f"width must be a multiple of {ATLAS_SCALE} and >= 300 px; got {width!r}")
    unknown = [f for f in list(features) + list(selected) if f not in FEATURE_IDS]
    if unknown:
        raise ValueError(f"features must be feature ids ({', '.join(FEATURE_IDS)}); got {unknown[0]!r}")
    features = tuple(f for f in FEATURE_IDS if f in set(features))
    selected = tuple(f for f in FEATURE_IDS if f in set(selected))
    missing = [f for f in selected if f not in features]
    if missing:
        raise ValueError(f"selected features must be drawn; {missing[0]!r} is selected but hidden")
    shape = tuple(int(n) for n in network_shape)
    if any(n < 1 for n in shape):
        raise ValueError(f"network_shape must hold widths >= 1; got {tuple(network_shape)!r}")
    if not (isinstance(n_outputs, (int, np.integer)) and n_outputs >= 1):
        raise ValueError(f"n_outputs must be an integer >= 1; got {n_outputs!r}")

    n_hidden = len(shape)
    room = width - FEATURE_X - NODE_SIZE - MIN_OUTPUT_GAP
    if n_hidden:
        spacing = min(MAX_SPACING, _floor_to(room / n_hidden, ATLAS_SCALE))
        if spacing < NODE_SIZE + 6:
            raise ValueError(f"width={width} px is too narrow for {n_hidden} hidden layers")
    else:
        spacing = 0
    column_x = tuple(FEATURE_X + c * spacing for c in range(n_hidden + 1))
    rows = max([len(features), *shape, 1])
    height = TOP_PAD + rows * ROW_PITCH + BOTTOM_PAD - (ROW_PITCH - NODE_SIZE)
    height = -(-height // ATLAS_SCALE) * ATLAS_SCALE

    def column(x: int, n: int) -> np.ndarray:
        return np.array([(x, TOP_PAD + i * ROW_PITCH) for i in range(n)], dtype=np.int64).reshape(n, 2)

    feature_boxes = column(FEATURE_X, len(features))
    node_boxes = tuple(column(column_x[l + 1], n) for l, n in enumerate(shape))
    bias_boxes = tuple(b + np.array(BIAS_OFFSET) for b in node_boxes)
    output_points = np.array([(width, TOP_PAD + NODE_SIZE // 2 + k * OUTPUT_PITCH)
                              for k in range(n_outputs)], dtype=np.float64)

    # Link end points per weight layer, in (dest, src) row-major order.
    input_boxes = feature_boxes[[features.index(f) for f in selected]] if selected else np.zeros((0, 2), np.int64)
    sources = [input_boxes, *node_boxes]
    layers, dests, srcs, ctrl, offsets = [], [], [], [], [0]
    for layer in range(n_hidden + 1):
        src_boxes = sources[layer]
        n_in = len(src_boxes)
        if layer < n_hidden:
            dst = node_boxes[layer].astype(np.float64) + np.array([0.0, NODE_SIZE / 2])
        else:
            dst = output_points
        n_out = len(dst)
        if n_in:
            start = src_boxes.astype(np.float64) + np.array([NODE_SIZE, NODE_SIZE / 2])
            fan = (np.arange(n_in) / (n_in - 1) - 0.5) * FAN_SPREAD if n_in > 1 else np.zeros(1)
            p0 = np.broadcast_to(start[None], (n_out, n_in, 2))
            p3 = dst[:, None, :] + np.stack([np.zeros(n_in), fan], axis=1)[None]
            xm = (p0[..., 0] + p3[..., 0]) / 2
            p1 = np.stack([xm, p0[..., 1]], axis=-1)
            p2 = np.stack([xm, p3[..., 1]], axis=-1)
            ctrl.append(np.stack([p0, p1, p2, p3], axis=2).reshape(-1, 4, 2))
            d, s = np.meshgrid(np.arange(n_out), np.arange(n_in), indexing="ij")
            dests.append(d.ravel())
            srcs.append(s.ravel())
            layers.append(np.full(n_out * n_in, layer))
        offsets.append(offsets[-1] + n_out * n_in)
    if ctrl:
        link_points = np.concatenate(ctrl)
        link_layer = np.concatenate(layers)
        link_dest = np.concatenate(dests)
        link_src = np.concatenate(srcs)
    else:
        link_points = np.zeros((0, 4, 2))
        link_layer = link_dest = link_src = np.zeros(0, np.int64)
    link_curves = basis_curve(link_points) if len(link_points) else np.zeros((0, 3 * BASIS_SAMPLES + 3, 2))
    return PanelLayout(
        width=width, height=height, features=features, selected=selected,
        feature_boxes=feature_boxes, network_shape=shape, node_boxes=node_boxes,
        bias_boxes=bias_boxes, n_outputs=int(n_outputs), output_points=output_points,
        column_x=column_x, spacing=spacing, link_layer=link_layer, link_dest=link_dest,
        link_src=link_src, link_points=link_points, link_curves=link_curves,
        layer_offsets=tuple(offsets))


def link_widths(weights) -> np.ndarray:
    """Stroke width of each link in px: ``clip(1 + 1.8 |w|, 1, 10)`` (NaN -> 1), as
    :func:`nbplayground.render.link_width` for one weight."""
    w = np.abs(np.asarray(weights, dtype=np.float64))
    out = np.clip(1.0 + 1.8 * w, 1.0, 10.0)
    out[np.isnan(w)] = 1.0
    return out


def assign_buckets(widths, dead, previous=None, hysteresis: float = BUCKET_HYSTERESIS) -> np.ndarray:
    """Width bucket of each link: ``searchsorted(WIDTH_EDGES, width, 'right')``; dead links
    get :data:`DEAD_BUCKET`.

    With ``previous`` (the last assignment), a live link keeps its bucket while its width
    stays within ``hysteresis`` px of that bucket's range, so links near an edge do not
    flip back and forth (each flip resends that bucket's positions).
    """
    w = np.asarray(widths, dtype=np.float64)
    bucket = np.searchsorted(WIDTH_EDGES, w, side="right").astype(np.int64)
    if previous is not None and len(previous) == len(w):
        prev = np.asarray(previous)
        live = prev < DEAD_BUCKET
        lo = np.concatenate([[-np.inf], WIDTH_EDGES])[np.minimum(prev, DEAD_BUCKET - 1)]
        hi = np.concatenate([WIDTH_EDGES, [np.inf]])[np.minimum(prev, DEAD_BUCKET - 1)]
        keep = live & (w >= lo - hysteresis) & (w < hi + hysteresis)
        bucket = np.where(keep, prev, bucket)
    bucket[np.asarray(dead, dtype=bool)] = DEAD_BUCKET
    return bucket


def atlas_indices(layout: PanelLayout, feature_small, hidden_small,
                  discretize: bool = False) -> np.ndarray:
    """The atlas of ``layout`` as palette indices: (height/3, width/3) uint8.

    ``feature_small`` (F, 10, 10) are the block averages of ``layout.features`` (in that
    order), ``hidden_small`` (H, 10, 10) those of the hidden nodes, layer by layer. Each
    lands at its :meth:`PanelLayout.atlas_slots` cell, unselected features faded; the
    picture itself is :func:`nbplayground.render.atlas_indices`.
    """
    small = np.concatenate([
        np.asarray(feature_small, np.float64).reshape(-1, THUMBNAIL, THUMBNAIL),
        np.asarray(hidden_small, np.float64).reshape(-1, THUMBNAIL, THUMBNAIL)])
    slots = layout.atlas_slots()
    if len(small) != len(slots):
        raise ValueError(f"got {len(small)} thumbnails for {len(slots)} drawn nodes")
    cells = np.array([(r, c) for _, r, c in slots], dtype=np.int64).reshape(-1, 2)
    faded = np.array([t[0] == "feature" and t[1] not in layout.selected for t, _, _ in slots],
                     dtype=bool)
    return render.atlas_indices(layout.atlas_shape, cells, small, faded, discretize)


def format_value(value) -> str:
    """A weight or bias to 2 significant digits, without an exponent, as Playground shows
    it: 0.2345 -> "0.23", -12.3 -> "-12", 0.000123 -> "0.00012", NaN -> "NaN"."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "0"
    text = np.format_float_positional(v, precision=2, unique=False, fractional=False, trim="-")
    return text


def feature_hide_keys(hide) -> set:
    return {f.id for f in FEATURES if f.url_key in set(hide)}


def node_name(layout: PanelLayout, layer: int, index: int) -> str:
    """Name of node ``index`` of network layer ``layer`` (0 = inputs) for the readout."""
    if layer == 0:
        return _LABELS[layout.selected[index]]
    if layer == len(layout.network_shape) + 1:
        return "output" if layout.n_outputs == 1 else f"output {index + 1}"
    return f"neuron {layer}.{index + 1}"
