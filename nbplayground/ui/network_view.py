"""The FEATURES + HIDDEN LAYERS panel of the Playground widget (spec sections 8.3, 8.4, 8.6).

What it shows, as TensorFlow Playground does:

* a header: "FEATURES", the +/- buttons for hidden layers and "N HIDDEN LAYER(S)"; above
  each hidden layer its own +/- and "k neuron(s)";
* every node as a 30x30 px thumbnail of its 10x10 block averages: the features column on
  the left (unselected features faded, hidden ones left out), then one column per hidden
  layer. The output node is not drawn: the links of the last layer run to the right edge,
  where the big output heatmap sits;
* the links, coloured by the sign of the weight and as thick as ``1 + 1.8|w|`` px, and the
  5x5 px bias squares at the lower left of each hidden node;
* a weight editor: hovering a link or bias shows "Weight is 0.23"; clicking it selects it,
  and a number typed in the box (then Enter) sets it.

How it stays cheap (it redraws up to 30 times a second):

* **one picture per frame.** All thumbnails go into one indexed PNG, the *atlas*, stretched
  over the whole figure in one bqplot ``Image`` mark. The atlas has one pixel per
  :data:`ATLAS_SCALE` (3) panel pixels, so a node at panel position (x, y) has its 10x10
  thumbnail at atlas pixels (x/3, y/3) and covers 30x30 panel pixels. Everything else is
  transparent. Two ``ipywidgets.Image`` objects take turns, because bqplot redraws an
  ``Image`` mark only when it gets another image widget. An unchanged atlas is not resent.
* **links in a few marks.** A bqplot ``Lines`` mark has one stroke width, so links are
  sorted into width buckets (:data:`WIDTH_EDGES`), one ``Lines`` mark each, plus one for
  dead links (dashed, faint). Each link is 4 control points drawn with
  ``interpolation='basis'`` (an S curve). Each mark holds **only its own links' curves**
  (``_members[b]``, in link order): a recolour redraws just those paths in the browser
  (bqplot redraws every curve of a ``Lines`` mark when its ``color`` changes, hidden ones
  too, so the marks' total is one path per link). When a mark's membership changes it
  gets its members' control points (float32) and colours again; that is rare once
  training settles, because a link leaves its bucket only beyond a small hysteresis.
  Otherwise a mark gets only its ``uint8`` colour codes (one per member, through a
  ``ColorScale``), and nothing at all when none of its members' codes changed.
  Links and biases are refreshed at most every :data:`LINK_REFRESH_SECONDS`; the last
  state is always drawn (a timer on the running event loop).
* every update happens inside ``hold_sync`` (one message per changed widget).

Mouse: ipyevents sends ``mousemove`` (throttled), ``click`` and ``mouseleave`` from the
figure; the hit test runs in Python on the known layout (:meth:`PanelLayout.hit_test`).

Coordinates: the layout is in *panel pixels*, x to the right and y **down** from the
figure's top-left corner (as a DOM event gives them). bqplot's scales have y up, so a
mark gets ``height - y``.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import time
from dataclasses import dataclass, field

import bqplot as bq
import ipywidgets as widgets
import numpy as np

from .. import render
from ..config import MAX_HIDDEN_LAYERS, MAX_NEURONS, MIN_NEURONS, NEW_LAYER_NEURONS
from ..features import FEATURE_IDS, FEATURES
from .closing import close_tree, widgets_in

try:  # DOM mouse events on any widget (hover end, clicks anywhere on the picture)
    import ipyevents
except ImportError:  # pragma: no cover - ipyevents is a dependency of the widget
    ipyevents = None

__all__ = [
    "NODE_SIZE",
    "ATLAS_SCALE",
    "THUMBNAIL",
    "ROW_PITCH",
    "PANEL_WIDTH",
    "BIAS_SIZE",
    "WIDTH_EDGES",
    "BUCKET_WIDTHS",
    "DEAD_BUCKET",
    "LINK_REFRESH_SECONDS",
    "ATLAS_PALETTE",
    "ATLAS_ALPHA",
    "ATLAS_EMPTY",
    "ATLAS_FADED",
    "FADED_ALPHA",
    "COLOR_CODE_MAX",
    "PanelLayout",
    "compute_layout",
    "basis_curve",
    "link_widths",
    "color_codes",
    "color_of_code",
    "assign_buckets",
    "block_averages",
    "atlas_indices",
    "format_value",
    "NetworkView",
    "NetworkOverlay",
]

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
COLOR_CODE_MAX = 254
"""Colour codes run 0..254: code = round(127 (clip(w, -1, 1) + 1)); 127 is w = 0."""
LINK_REFRESH_SECONDS = 0.25
"""Links and biases are redrawn at most this often (the thumbnails every frame)."""
FADED_OPACITY = 0.4
"""Thumbnail opacity of an unselected feature (Playground)."""
FADED_NODE_OPACITY = 0.5
"""Border (and label) opacity of an unselected feature (Playground)."""
DEAD_COLOR = "#a0a0a0"

# ---------------------------------------------------------------------------------------
# Atlas palette: 32 heatmap colours (opaque, over white like Playground's node boxes),
# the same 32 faded, and one transparent entry.
# ---------------------------------------------------------------------------------------

_OPAQUE, _ = render.heatmap_palette(alpha=False, background=render.WHITE)
ATLAS_FADED = len(_OPAQUE)
"""Offset of the faded copy of the palette (index + 32 draws the same colour at 40 %)."""
ATLAS_EMPTY = 2 * len(_OPAQUE)
"""Index of the transparent pixels between the nodes (64)."""
FADED_ALPHA = int(round(255 * FADED_OPACITY))
ATLAS_PALETTE = np.vstack([_OPAQUE, _OPAQUE, np.zeros((1, 3), np.uint8)])
"""(65, 3) uint8: the atlas's PLTE."""
ATLAS_ALPHA = np.concatenate([
    np.full(ATLAS_FADED, 255, np.uint8), np.full(ATLAS_FADED, FADED_ALPHA, np.uint8),
    np.zeros(1, np.uint8)])
"""(65,) uint8: the atlas's tRNS (opaque, 40 % and transparent)."""
ATLAS_PALETTE.setflags(write=False)
ATLAS_ZLIB_LEVEL = 6
"""zlib level of the atlas: 6 takes ~1 ms for 6x8 nodes; 9 saves ~4 % and takes ~7 ms."""
ATLAS_ALPHA.setflags(write=False)

_LABELS = {f.id: f.label for f in FEATURES}
_TEXT = "var(--jp-ui-font-color1)"
_TEXT_DIM = "var(--jp-ui-font-color2)"


# ---------------------------------------------------------------------------------------
# Pure helpers (no widgets): layout, hit test, link styling, atlas
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


def color_codes(values) -> np.ndarray:
    """uint8 colour code of each weight or bias: ``round(127 * (clip(v, -1, 1) + 1))``.

    0 is orange (v <= -1), 127 grey (v = 0), 254 blue (v >= 1); NaN gives 127. The
    ``ColorScale`` of the links maps [0, 127, 254] to Playground's three anchors, which is
    the continuous scale of :func:`nbplayground.render.color_for` at a resolution of 1/127.
    """
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isnan(v), 0.0, np.clip(v, -1.0, 1.0))
    return np.floor(127.0 * (v + 1.0) + 0.5).astype(np.uint8)


def color_of_code(code: int) -> str:
    """The colour the browser draws for a colour code (Playground's scale at code/127 - 1)."""
    return render.color_for(int(code) / 127.0 - 1.0)


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


def block_averages(grids) -> np.ndarray:
    """(N, 100, 100) -> (N, 10, 10) float64 means of the 10x10 blocks (Playground's
    ``reduceMatrix``), summed in float64: first along each row inside a block (the
    contiguous axis, which is fast), then down the block's 10 rows."""
    g = np.asarray(grids)
    n, h, w = g.shape
    bh, bw = h // THUMBNAIL, w // THUMBNAIL
    rows = g.reshape(n, h, THUMBNAIL, bw).sum(axis=-1, dtype=np.float64)   # (n, h, 10)
    return rows.reshape(n, THUMBNAIL, bh, THUMBNAIL).sum(axis=2) / (bh * bw)


def atlas_indices(layout: PanelLayout, feature_small, hidden_small, discretize: bool = False) -> np.ndarray:
    """The atlas as palette indices: (height/3, width/3) uint8.

    ``feature_small`` (F, 10, 10) are the block averages of ``layout.features`` (in that
    order), ``hidden_small`` (H, 10, 10) those of the hidden nodes, layer by layer. Each
    node's quantized thumbnail (:func:`render.bucket_index`, after
    :func:`render.discretized` when asked) lands at its :meth:`PanelLayout.atlas_slots`
    cell; unselected features use the faded palette copy (+32); the rest is transparent.
    """
    rows, cols = layout.atlas_shape
    out = np.full((rows, cols), ATLAS_EMPTY, dtype=np.uint8)
    small = np.concatenate([np.asarray(feature_small, np.float64).reshape(-1, THUMBNAIL, THUMBNAIL),
                            np.asarray(hidden_small, np.float64).reshape(-1, THUMBNAIL, THUMBNAIL)])
    slots = layout.atlas_slots()
    if len(small) != len(slots):
        raise ValueError(f"got {len(small)} thumbnails for {len(slots)} drawn nodes")
    if not len(slots):
        return out
    if discretize:
        small = render.discretized(small)
    idx = render.bucket_index(small)
    faded = np.array([t[0] == "feature" and t[1] not in layout.selected for t, _, _ in slots])
    idx[faded] += ATLAS_FADED
    r0 = np.array([r for _, r, _ in slots])[:, None, None] + np.arange(THUMBNAIL)[None, :, None]
    c0 = np.array([c for _, _, c in slots])[:, None, None] + np.arange(THUMBNAIL)[None, None, :]
    out[r0, c0] = idx
    return out


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


def _feature_hide_keys(hide) -> set:
    return {f.id for f in FEATURES if f.url_key in set(hide)}


def _node_name(layout: PanelLayout, layer: int, index: int) -> str:
    """Name of node ``index`` of network layer ``layer`` (0 = inputs) for the readout."""
    if layer == 0:
        return _LABELS[layout.selected[index]]
    if layer == len(layout.network_shape) + 1:
        return "output" if layout.n_outputs == 1 else f"output {index + 1}"
    return f"neuron {layer}.{index + 1}"


# ---------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------


class NetworkView(widgets.VBox):
    """The features column, the hidden layers and their links, with the +/- buttons.

    Callbacks (all keyword-only, called from the kernel's event handlers):

    * ``on_features(features)``: a feature thumbnail was clicked; the new tuple of feature
      ids (Playground order), that feature toggled.
    * ``on_shape(network_shape)``: a +/- button; the new tuple of hidden layer widths.
    * ``on_hover(target)``: ``None`` (the pointer left the nodes), ``("feature", id)`` or
      ``("node", hidden_layer, index)`` (hidden_layer 0 is the first hidden layer).
    * ``on_weight(weight_layer, dest, src, value)`` and ``on_bias(weight_layer, node, value)``:
      a number was entered for the selected link or bias. The bias of hidden layer l's node
      is in weight layer l.

    Draw with :meth:`update`; hide parts with :meth:`set_hidden`. From Python:
    :meth:`select_link`, :meth:`select_bias`, :attr:`weight_input` (set its ``value``),
    :meth:`pointer_move`, :meth:`pointer_click`, :meth:`pointer_leave` (panel pixels).
    """

    def __init__(self, *, on_features, on_shape, on_hover, on_weight, on_bias,
                 width: int = PANEL_WIDTH, link_interval: float = LINK_REFRESH_SECONDS,
                 clock=time.monotonic):
        for name, fn in (("on_features", on_features), ("on_shape", on_shape), ("on_hover", on_hover),
                         ("on_weight", on_weight), ("on_bias", on_bias)):
            if not callable(fn):
                raise TypeError(f"{name} must be callable; got {fn!r}")
        self._on_features = on_features
        self._on_shape = on_shape
        self._on_hover = on_hover
        self._on_weight = on_weight
        self._on_bias = on_bias
        self._width = int(width)
        self._link_interval = float(link_interval)
        self._clock = clock

        self.panel_layout: PanelLayout | None = None
        self._config = None
        self._hide: frozenset = frozenset()
        self._hover = None          # the last on_hover target sent
        self._pointer = None        # what the pointer is over (any hit)
        self._selection = None      # ("link", l, d, s) | ("bias", l, k) | None
        self._atlas = None          # last atlas index array sent
        self._image_turn = 0
        self._buckets = None        # per link, its current mark
        self._members: list = []    # per mark, the links whose curves it holds (link order)
        self._codes: list = []      # per mark, the colour codes of its members last sent
        self._weights = None        # flat weights of the last link refresh
        self._biases = None         # flat hidden biases of the last link refresh
        self._pending = None        # (weights, biases, dead) waiting for the next refresh
        self._last_links = -math.inf
        self._timer = None
        self._setting_input = False
        self._feature_cache = None
        self._bias_codes = None
        self._header_shape = None
        self._closed = False
        self._left_at = None        # DOM timeStamp of the last mouseleave

        self._build_widgets()
        super().__init__(children=[self._header, self._neuron_row, self.figure, self._editor],
                         layout=widgets.Layout(width=f"{self._width}px", overflow="visible"))

    # -- widgets -------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        W = self._width
        text = f"color:{_TEXT};font-size:12px;letter-spacing:0.02em"
        self._features_title = widgets.HTML(f"<div style='{text}'>FEATURES</div>",
                                            layout=widgets.Layout(width=f"{FEATURE_X + NODE_SIZE + 12}px"))
        self.add_layer_button = _small_button("+", "Add a hidden layer")
        self.remove_layer_button = _small_button("\u2212", "Remove the last hidden layer")
        self.add_layer_button.on_click(lambda _: self._change_layers(+1))
        self.remove_layer_button.on_click(lambda _: self._change_layers(-1))
        self.layers_label = widgets.HTML("", layout=widgets.Layout(margin="0 0 0 6px"))
        self._layer_controls = widgets.HBox(
            [self.add_layer_button, self.remove_layer_button, self.layers_label],
            layout=widgets.Layout(flex="1 1 auto", justify_content="center", align_items="center"))
        self._header = widgets.HBox([self._features_title, self._layer_controls],
                                    layout=widgets.Layout(width=f"{W}px", align_items="center"))
        self.neuron_buttons: list = []   # per hidden layer: (plus, minus)
        self.neuron_labels: list = []    # per hidden layer: HTML "k neurons"
        self._neuron_row = widgets.HBox([], layout=widgets.Layout(width=f"{W}px", height="40px"))

        self._sx = bq.LinearScale(min=0.0, max=float(W), allow_padding=False)
        self._sy = bq.LinearScale(min=0.0, max=100.0, allow_padding=False)
        scales = {"x": self._sx, "y": self._sy}
        self._color_scale = bq.ColorScale(min=0.0, max=float(COLOR_CODE_MAX),
                                          colors=[render.ORANGE, render.GREY, render.BLUE])
        cscales = {"x": self._sx, "y": self._sy, "color": self._color_scale}

        self._images = (widgets.Image(format="png"), widgets.Image(format="png"))
        self.atlas_mark = bq.Image(image=self._images[0], scales=scales, x=[0.0, float(W)],
                                   y=[0.0, 100.0], pixelated=True)
        self.link_marks = []
        for w in BUCKET_WIDTHS:
            self.link_marks.append(bq.Lines(
                x=np.zeros((1, 4), np.float32), y=np.zeros((1, 4), np.float32),
                color=np.full(1, 127, np.uint8), scales=cscales, stroke_width=w,
                interpolation="basis", visible=False, colors=[render.GREY]))
        self.link_marks.append(bq.Lines(
            x=np.zeros((1, 4), np.float32), y=np.zeros((1, 4), np.float32), scales=scales,
            stroke_width=1.0, interpolation="basis", line_style="dashed", visible=False,
            colors=[DEAD_COLOR], opacities=[0.6]))
        self._selection_mark = bq.Lines(
            x=np.zeros(4, np.float32), y=np.zeros(4, np.float32), scales=scales,
            stroke_width=6.0, interpolation="basis", colors=["#000000"], opacities=[0.3],
            visible=False)
        self._borders = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), scales=scales, marker="square",
            default_size=NODE_SIZE * NODE_SIZE, fill=False, stroke="#000000", stroke_width=1.0,
            colors=["#000000"])
        self._hover_mark = bq.Scatter(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, marker="square",
            default_size=(NODE_SIZE + 2) ** 2, fill=False, stroke="#000000", stroke_width=2.5,
            colors=["#000000"], visible=False)
        self._bias_mark = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), color=np.zeros(0, np.uint8),
            scales=cscales, marker="square", default_size=BIAS_SIZE * BIAS_SIZE, stroke=None,
            colors=[render.GREY])
        self._bias_selection = bq.Scatter(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, marker="square",
            default_size=(BIAS_SIZE + 4) ** 2, fill=False, stroke="#000000", stroke_width=1.5,
            colors=["#000000"], visible=False)
        self._labels = bq.Label(x=np.zeros(0), y=np.zeros(0), text=np.array([], dtype="U1"),
                                scales=scales, align="end", default_size=12.0,
                                font_weight="normal", colors=[_TEXT])
        self.figure = bq.Figure(
            marks=[self._selection_mark, *self.link_marks, self.atlas_mark, self._borders,
                   self._hover_mark, self._bias_mark, self._bias_selection, self._labels],
            fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0}, padding_x=0.0,
            padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100.0,
            background_style={"fill": "none"}, display_toolbar=False,
            layout=widgets.Layout(width=f"{W}px", height="100px", min_width="0px",
                                  overflow="visible"))

        self.readout = widgets.HTML("", layout=widgets.Layout(flex="1 1 auto"))
        self.weight_input = widgets.FloatText(value=0.0, continuous_update=False, disabled=True,
                                              step=None, tooltip="Type a value, then Enter",
                                              layout=widgets.Layout(width="90px"))
        self.weight_input.observe(self._on_input, names="value")
        self._editor = widgets.HBox([self.readout, self.weight_input],
                                    layout=widgets.Layout(width=f"{W}px", align_items="center"))
        self._editor.add_class("nbp-weight-editor")
        self._set_readout()

        self._events = []
        if ipyevents is not None:
            moves = ipyevents.Event(source=self.figure, watched_events=["mousemove"], wait=50,
                                    throttle_or_debounce="throttle")
            other = ipyevents.Event(source=self.figure, watched_events=["click", "mouseleave"])
            moves.on_dom_event(self._on_dom_event)
            other.on_dom_event(self._on_dom_event)
            self._events = [moves, other]

    # -- life --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the panel and every widget it made: the figure with its marks and
        scales, both atlas images (the one shown and the spare), the ipyevents
        listeners, the buttons and labels, and their layouts and styles.  A link
        refresh still waiting on its timer is cancelled."""
        if getattr(self, "_closed", None) is None:  # __init__ failed early
            super().close()
            return
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        seen = {id(self)}
        for event in self._events:
            close_tree(event, seen)
        for image in self._images:
            close_tree(image, seen)
        for value in [*vars(self).values(), *(getattr(self, k, None) for k in self.keys)]:
            for widget in widgets_in(value):
                close_tree(widget, seen)
        super().close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- public API ----------------------------------------------------------------------

    def update(self, frame, config, feature_grids, *, structure_changed: bool) -> None:
        """Draw ``frame`` (a :class:`nbplayground.trainer.Frame`) under ``config``.

        ``feature_grids`` is (7, 100, 100), all features in Playground order. With
        ``structure_changed`` (or when the features, hidden features, shape or number of
        outputs differ from the last call) everything is laid out and sent again;
        otherwise only the atlas (if it changed) and, at most every
        ``LINK_REFRESH_SECONDS``, the link and bias colours.
        """
        hidden = list(frame.hidden)
        shape = tuple(config.network_shape)
        if tuple(h.shape[0] for h in hidden) != shape:
            raise ValueError(f"frame.hidden has layers of {tuple(h.shape[0] for h in hidden)} nodes, "
                             f"config.network_shape is {shape}")
        fg = np.asarray(feature_grids)
        if fg.ndim != 3 or fg.shape[0] != len(FEATURE_IDS):
            raise ValueError(f"feature_grids must be (7, H, W); got shape {fg.shape}")
        hide_features = _feature_hide_keys(config.hide)
        drawn = tuple(f for f in FEATURE_IDS if f not in hide_features)
        selected = tuple(config.features)
        n_outputs = int(np.asarray(frame.weights[-1]).shape[0])
        if len(frame.weights) != len(shape) + 1 or np.asarray(frame.weights[0]).shape[1] != len(selected):
            raise ValueError("frame.weights do not match config.features and config.network_shape")

        key = (self._width, drawn, selected, shape, n_outputs)
        # a new geometry only when the picture's structure differs; a reset of the same
        # structure (structure_changed) redraws every colour but resends no positions
        rebuild = self.panel_layout is None or self.panel_layout.key != key
        force = rebuild or structure_changed
        self._config = config
        with contextlib.ExitStack() as stack:
            if rebuild:
                self.panel_layout = compute_layout(drawn, selected, shape, n_outputs, self._width)
                self._relayout(stack)
            lay = self.panel_layout
            # Thumbnails: one atlas.
            f_small = self._feature_thumbnails(fg, drawn)
            h_small = (np.concatenate([block_averages(h) for h in hidden]) if hidden
                       else np.zeros((0, 10, 10)))
            atlas = atlas_indices(lay, f_small, h_small, bool(config.discretize))
            if self._atlas is None or not np.array_equal(atlas, self._atlas):
                self._send_atlas(atlas, stack)
            # Links and biases: copies, since frame arrays are reused buffers.
            weights = np.concatenate([np.asarray(w, np.float64).ravel() for w in frame.weights])
            dead = np.concatenate([np.asarray(d, bool).ravel() for d in frame.dead])
            biases = (np.concatenate([np.asarray(b, np.float64).ravel() for b in frame.biases[:-1]])
                      if len(frame.biases) > 1 else np.zeros(0))
            self._pending = (weights, biases, dead)
            now = self._clock()
            if force or now - self._last_links >= self._link_interval or not self._can_defer():
                self._refresh_links(stack, force=force)
            else:
                self._schedule_flush(now)

    def _feature_thumbnails(self, grids: np.ndarray, drawn: tuple) -> np.ndarray:
        """Block averages of the drawn features, reused while the trainer hands over the
        same (cached, unchanging) feature array."""
        cached = self._feature_cache
        if cached is not None and cached[0] is grids and cached[1] == drawn:
            return cached[2]
        small = (block_averages(grids[[FEATURE_IDS.index(f) for f in drawn]]) if drawn
                 else np.zeros((0, THUMBNAIL, THUMBNAIL)))
        self._feature_cache = (grids, drawn, small)
        return small

    def flush(self) -> None:
        """Draw links and biases held back by the refresh limit now."""
        self._timer = None
        if self._closed:
            return
        if self._pending is not None and self.panel_layout is not None:
            with contextlib.ExitStack() as stack:
                self._refresh_links(stack, force=False)

    def set_hidden(self, hide) -> None:
        """Hide parts: ``"numHiddenLayers"`` (the layer +/-), ``"numNodes<k>"`` (layer k's
        +/-, k 1-based) and ``"weightEditor"`` (the readout and the input; no selection)."""
        if isinstance(hide, str):
            raise TypeError(f"hide must be a set of part names, not the string {hide!r}")
        self._hide = frozenset(hide)
        vis = "hidden" if "numHiddenLayers" in self._hide else "visible"
        self.add_layer_button.layout.visibility = vis
        self.remove_layer_button.layout.visibility = vis
        for k, (plus, minus) in enumerate(self.neuron_buttons):
            v = "hidden" if f"numNodes{k + 1}" in self._hide else "visible"
            plus.layout.visibility = v
            minus.layout.visibility = v
        editor_off = "weightEditor" in self._hide
        self._editor.layout.display = "none" if editor_off else None
        if editor_off and self._selection is not None:
            self.clear_selection()

    def select_link(self, layer: int, dest: int, src: int) -> None:
        """Select link ``src -> dest`` of weight ``layer`` for editing."""
        if self.panel_layout is None:
            raise ValueError("select_link: nothing is drawn yet (call update first)")
        self.panel_layout.link_index(layer, dest, src)  # validates
        self._select(("link", int(layer), int(dest), int(src)))

    def select_bias(self, layer: int, node: int) -> None:
        """Select the bias of node ``node`` of hidden layer ``layer`` (= its weight layer)."""
        lay = self.panel_layout
        if lay is None:
            raise ValueError("select_bias: nothing is drawn yet (call update first)")
        n = len(lay.network_shape)
        if not (isinstance(layer, (int, np.integer)) and 0 <= layer < n):
            raise ValueError(f"layer must be a hidden layer 0..{n - 1}; got {layer!r}")
        if not (isinstance(node, (int, np.integer)) and 0 <= node < lay.network_shape[layer]):
            raise ValueError(f"node must be 0..{lay.network_shape[layer] - 1} in layer {layer}; got {node!r}")
        self._select(("bias", int(layer), int(node)))

    def clear_selection(self) -> None:
        """Nothing selected for editing."""
        self._select(None)

    @property
    def selection(self):
        """``("link", layer, dest, src)``, ``("bias", layer, node)`` or None."""
        return self._selection

    def value_of(self, target) -> float:
        """The weight or bias last drawn for a ``("link", ...)`` or ``("bias", ...)`` target."""
        lay = self.panel_layout
        if target[0] == "link":
            return float(self._weights[lay.link_index(*target[1:])])
        layer, node = target[1:]
        return float(self._biases[sum(lay.network_shape[:layer]) + node])

    # -- pointer (panel pixels) ---------------------------------------------------------

    def pointer_move(self, x: float, y: float) -> None:
        """The pointer is at (x, y): hover a node (on_hover), or show a link's/bias's weight."""
        if self.panel_layout is None:
            return
        hit = self.panel_layout.hit_test(x, y)
        self._set_pointer(hit)

    def pointer_leave(self) -> None:
        """The pointer left the picture."""
        self._set_pointer(None)

    def pointer_click(self, x: float, y: float) -> None:
        """A click at (x, y): toggle a feature, or select a link or bias for editing."""
        if self.panel_layout is None:
            return
        hit = self.panel_layout.hit_test(x, y)
        if hit is None:
            return
        if hit[0] == "feature":
            chosen = set(self._config.features)
            chosen ^= {hit[1]}
            self._on_features(tuple(f for f in FEATURE_IDS if f in chosen))
        elif hit[0] in ("link", "bias") and "weightEditor" not in self._hide:
            self._select(hit)

    def _on_dom_event(self, event: dict) -> None:
        """A DOM event from ipyevents.  The ``mousemove`` listener is throttled, so its
        last (trailing) event can reach the kernel *after* the ``mouseleave`` that
        followed it in the browser; such a move, older than the last leave by its
        ``timeStamp``, is dropped, or the hover would stick."""
        kind = event.get("type")
        stamp = event.get("timeStamp")
        stamp = float(stamp) if isinstance(stamp, (int, float)) and not isinstance(
            stamp, bool) else None
        if kind == "mouseleave":
            if stamp is not None:
                self._left_at = stamp if self._left_at is None else max(self._left_at, stamp)
            self.pointer_leave()
            return
        if (kind == "mousemove" and stamp is not None and self._left_at is not None
                and stamp <= self._left_at):
            return
        lay = self.panel_layout
        if lay is None:
            return
        w = float(event.get("boundingRectWidth") or lay.width)
        h = float(event.get("boundingRectHeight") or lay.height)
        x = float(event.get("relativeX", math.nan)) * lay.width / w
        y = float(event.get("relativeY", math.nan)) * lay.height / h
        if kind == "mousemove":
            self.pointer_move(x, y)
        elif kind == "click":
            self.pointer_click(x, y)

    # -- internals: buttons --------------------------------------------------------------

    def _current_shape(self) -> tuple:
        if self._config is None:
            raise ValueError("the network panel has no config yet (call update first)")
        return tuple(self._config.network_shape)

    def _change_layers(self, step: int) -> None:
        """+ appends a layer of NEW_LAYER_NEURONS (up to MAX_HIDDEN_LAYERS); - drops the last."""
        shape = self._current_shape()
        if step > 0 and len(shape) < MAX_HIDDEN_LAYERS:
            self._on_shape(shape + (NEW_LAYER_NEURONS,))
        elif step < 0 and shape:
            self._on_shape(shape[:-1])

    def _change_neurons(self, layer: int, step: int) -> None:
        """+/- one neuron in hidden layer ``layer``, within MIN_NEURONS..MAX_NEURONS."""
        shape = self._current_shape()
        if layer >= len(shape):
            return
        size = shape[layer] + step
        if step > 0 and size > MAX_NEURONS or step < 0 and size < MIN_NEURONS:
            return
        self._on_shape(shape[:layer] + (size,) + shape[layer + 1:])

    # -- internals: pointer and editor -------------------------------------------------

    def _set_pointer(self, hit) -> None:
        self._pointer = hit
        hover = hit if hit is not None and hit[0] in ("feature", "node") else None
        if hover != self._hover:
            self._hover = hover
            self._draw_hover()
            self._on_hover(hover)
        self._set_readout()

    def _draw_hover(self) -> None:
        lay = self.panel_layout
        mark = self._hover_mark
        with mark.hold_sync():
            if self._hover is None or lay is None:
                mark.visible = False
            else:
                bx, by = lay.node_box(self._hover)
                mark.x = np.array([bx + NODE_SIZE / 2], np.float32)
                mark.y = np.array([lay.height - by - NODE_SIZE / 2], np.float32)
                mark.visible = True

    def _select(self, target) -> None:
        self._selection = target
        lay = self.panel_layout
        with self._selection_mark.hold_sync(), self._bias_selection.hold_sync():
            self._selection_mark.visible = False
            self._bias_selection.visible = False
            if target is not None and target[0] == "link":
                p = lay.link_points[lay.link_index(*target[1:])]
                self._selection_mark.x = p[:, 0].astype(np.float32)
                self._selection_mark.y = (lay.height - p[:, 1]).astype(np.float32)
                self._selection_mark.visible = True
            elif target is not None:
                bx, by = lay.bias_boxes[target[1]][target[2]]
                self._bias_selection.x = np.array([bx + BIAS_SIZE / 2], np.float32)
                self._bias_selection.y = np.array([lay.height - by - BIAS_SIZE / 2], np.float32)
                self._bias_selection.visible = True
        self._setting_input = True
        try:
            with self.weight_input.hold_sync():
                if target is None:
                    self.weight_input.disabled = True
                else:
                    value = self.value_of(target)
                    self.weight_input.value = float(format_value(value)) if math.isfinite(value) else 0.0
                    self.weight_input.disabled = False
        finally:
            self._setting_input = False
        self._set_readout()

    def _on_input(self, change) -> None:
        if self._setting_input or self._selection is None:
            return
        value = float(change["new"])
        if not math.isfinite(value):
            return
        target = self._selection
        if target[0] == "link":
            self._on_weight(target[1], target[2], target[3], value)
        else:
            self._on_bias(target[1], target[2], value)

    def _describe(self, target) -> str:
        lay = self.panel_layout
        value = format_value(self.value_of(target))
        if target[0] == "link":
            layer, dest, src = target[1:]
            where = f"{_node_name(lay, layer, src)} \u2192 {_node_name(lay, layer + 1, dest)}"
            return f"Weight is {value} <span style='color:{_TEXT_DIM}'>({html.escape(where)})</span>"
        layer, node = target[1:]
        return (f"Bias is {value} <span style='color:{_TEXT_DIM}'>"
                f"({_node_name(lay, layer + 1, node)})</span>")

    def _set_readout(self) -> None:
        if self._overlay is not None:  # Step inside: the overlay's numbers
            return self._set_overlay_readout()
        focus = self._pointer if self._pointer is not None and self._pointer[0] in ("link", "bias") else None
        if focus is None:
            focus = self._selection
        if focus is not None and self._weights is not None:
            text = self._describe(focus)
            if self._selection is not None and focus == self._selection:
                text += f" <span style='color:{_TEXT_DIM}'>\u2014 new value:</span>"
        else:
            text = (f"<span style='color:{_TEXT_DIM}'>Hover a line or a bias square to read its "
                    f"weight; click it to edit.</span>")
        html_text = f"<div style='color:{_TEXT};font-size:12px'>{text}</div>"
        if self.readout.value != html_text:
            self.readout.value = html_text

    # -- internals: drawing -----------------------------------------------------------

    def _relayout(self, stack: contextlib.ExitStack) -> None:
        """Send the geometry: figure size, labels, borders, bias positions, header."""
        lay = self.panel_layout
        H = lay.height
        for w in (self.figure, self._sy, self.atlas_mark, self._labels, self._borders, self._bias_mark,
                  *self.link_marks):
            stack.enter_context(w.hold_sync())
        self.figure.layout.height = f"{H}px"
        self._sy.max = float(H)
        self.atlas_mark.y = np.array([0.0, H])
        # feature labels, right-aligned left of the thumbnails
        fb = lay.feature_boxes
        self._labels.x = (fb[:, 0] - LABEL_GAP).astype(np.float64)
        self._labels.y = (H - fb[:, 1] - NODE_SIZE / 2 - 4).astype(np.float64)
        self._labels.text = np.array([_LABELS[f] for f in lay.features], dtype=str)
        self._labels.colors = [_TEXT if f in lay.selected else _TEXT_DIM for f in lay.features] or [_TEXT]
        # node borders
        boxes = np.concatenate([fb, *lay.node_boxes]) if lay.node_boxes else fb
        self._borders.x = (boxes[:, 0] + NODE_SIZE / 2).astype(np.float32)
        self._borders.y = (H - boxes[:, 1] - NODE_SIZE / 2).astype(np.float32)
        self._borders.opacities = ([1.0 if f in lay.selected else FADED_NODE_OPACITY for f in lay.features]
                                   + [1.0] * sum(lay.network_shape))
        # bias squares
        bb = np.concatenate(lay.bias_boxes) if lay.bias_boxes else np.zeros((0, 2))
        self._bias_mark.x = (bb[:, 0] + BIAS_SIZE / 2).astype(np.float32)
        self._bias_mark.y = (H - bb[:, 1] - BIAS_SIZE / 2).astype(np.float32)
        self._buckets = None
        self._members = [None] * len(self.link_marks)
        self._codes = [None] * len(self.link_marks)
        self._bias_codes = None
        self._link_x = lay.link_points[..., 0].astype(np.float32)
        self._link_y = (H - lay.link_points[..., 1]).astype(np.float32)
        for mark in self.link_marks:
            mark.visible = False
        self._atlas = None
        self._build_header()
        # hover and selection refer to the old structure
        if self._selection is not None:
            self._selection = None
            self._selection_mark.visible = False
            self._bias_selection.visible = False
            self.weight_input.disabled = True
        if self._hover is not None:
            try:
                lay.node_box(self._hover)
                self._draw_hover()
            except (ValueError, IndexError):
                self._hover = None
                self._hover_mark.visible = False
                self._on_hover(None)
        self._pointer = None

    def _build_header(self) -> None:
        lay = self.panel_layout
        shape = lay.network_shape
        n = len(shape)
        self.layers_label.value = (f"<span style='color:{_TEXT};font-size:12px;letter-spacing:0.02em'>"
                                   f"{n} HIDDEN LAYER{'' if n == 1 else 'S'}</span>")
        self.add_layer_button.disabled = n >= MAX_HIDDEN_LAYERS
        self.remove_layer_button.disabled = n <= 0
        if self._header_shape == shape:
            return                      # the same layers: the buttons stand as they are
        self._header_shape = shape
        old = self._neuron_row.children
        children, self.neuron_buttons, self.neuron_labels = [], [], []
        if n:
            first_center = lay.column_x[1] + NODE_SIZE / 2
            left = int(first_center - lay.spacing / 2)
            children.append(widgets.Box(layout=widgets.Layout(width=f"{left}px", flex="0 0 auto")))
            for layer, size in enumerate(shape):
                plus = _small_button("+", f"Add a neuron to layer {layer + 1}")
                minus = _small_button("\u2212", f"Remove a neuron from layer {layer + 1}")
                plus.on_click(lambda _, l=layer: self._change_neurons(l, +1))
                minus.on_click(lambda _, l=layer: self._change_neurons(l, -1))
                plus.disabled = size >= MAX_NEURONS
                minus.disabled = size <= MIN_NEURONS
                hidden = f"numNodes{layer + 1}" in self._hide
                plus.layout.visibility = minus.layout.visibility = "hidden" if hidden else "visible"
                label = widgets.HTML(
                    f"<div style='color:{_TEXT};font-size:11px;text-align:center;line-height:14px'>"
                    f"{size} neuron{'' if size == 1 else 's'}</div>",
                    layout=widgets.Layout(width=f"{lay.spacing}px"))
                column = widgets.VBox(
                    [widgets.HBox([plus, minus], layout=widgets.Layout(justify_content="center")), label],
                    layout=widgets.Layout(width=f"{lay.spacing}px", flex="0 0 auto",
                                          align_items="center"))
                children.append(column)
                self.neuron_buttons.append((plus, minus))
                self.neuron_labels.append(label)
        self._neuron_row.children = children
        for w in old:
            close_tree(w)
        vis = "hidden" if "numHiddenLayers" in self._hide else "visible"
        self.add_layer_button.layout.visibility = vis
        self.remove_layer_button.layout.visibility = vis

    def _send_atlas(self, atlas: np.ndarray, stack: contextlib.ExitStack) -> None:
        png = render.encode_png_indexed(atlas, ATLAS_PALETTE, ATLAS_ALPHA, level=ATLAS_ZLIB_LEVEL)
        self._image_turn ^= 1
        image = self._images[self._image_turn]
        image.value = png                    # the hidden buffer first ...
        stack.enter_context(self.atlas_mark.hold_sync())
        self.atlas_mark.image = image        # ... then show it
        self._atlas = atlas

    def _can_defer(self) -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _schedule_flush(self, now: float) -> None:
        if self._timer is not None:
            return
        delay = max(0.0, self._link_interval - (now - self._last_links))
        self._timer = asyncio.get_running_loop().call_later(delay, self.flush)

    def _refresh_links(self, stack: contextlib.ExitStack, force: bool) -> None:
        """Recolour links and biases and move links between width marks.

        ``force`` (a new network) sorts every link into buckets afresh, without hysteresis.
        Mark ``b`` holds the curves of its members only, ``members = flatnonzero(bucket ==
        b)``: when they change it gets their control points and colour codes; otherwise
        only their colour codes, and only when one of them changed.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        weights, biases, dead = self._pending
        self._pending = None
        self._last_links = self._clock()
        self._weights, self._biases = weights, biases
        buckets = assign_buckets(link_widths(weights), dead, None if force else self._buckets)
        self._buckets = buckets
        codes = color_codes(weights)
        for b, mark in enumerate(self.link_marks):
            members = np.flatnonzero(buckets == b)
            moved = self._members[b] is None or not np.array_equal(members, self._members[b])
            member_codes = codes[members]
            recolor = (b != DEAD_BUCKET and members.size > 0
                       and (moved or not np.array_equal(member_codes, self._codes[b])))
            if not (moved or recolor):
                continue
            stack.enter_context(mark.hold_sync())
            if moved:
                if members.size:
                    mark.x = self._link_x[members]
                    mark.y = self._link_y[members]
                mark.visible = bool(members.size)
                self._members[b] = members
            if recolor:
                mark.color = member_codes
                self._codes[b] = member_codes
        bcodes = color_codes(biases)
        if self._bias_codes is None or not np.array_equal(bcodes, self._bias_codes):
            stack.enter_context(self._bias_mark.hold_sync())
            self._bias_mark.color = bcodes
            self._bias_codes = bcodes
        self._set_readout()

    # -- overlay: Step inside draws one mini-batch's numbers over the picture ----------

    _overlay = None  # the NetworkOverlay shown, or None (no overlay: the normal picture)

    @property
    def overlay(self):
        """The :class:`NetworkOverlay` drawn over the panel, or None."""
        return self._overlay

    def show_overlay(self, nodes: dict, link_units, link_widths, *, link_faint=None,
                     bias_units=None, describe=None, hint: str = "") -> None:
        """Draw values over the panel in place of its links and bias squares.

        ``nodes`` maps ``("feature", id)``, ``("node", hidden_layer, k)`` or
        ``("output", k)`` to ``(unit, text)``: the node is covered by a box of the
        continuous colour of ``unit`` (in [-1, 1]) with ``text`` on it; nodes left out
        keep their thumbnail.  An output box sits at the right edge where the output
        links end (a small box without text when there are several outputs).
        ``link_units`` (M,) colour each link (in the layout's link order),
        ``link_widths`` (M,) its width in px; ``link_faint`` (M,) bools draw a link 1 px,
        dashed and grey instead.  ``bias_units`` (one per hidden node) colour the bias
        squares (None hides them).  ``describe(target)`` gives the readout (HTML) of the
        target under the pointer (a :meth:`PanelLayout.hit_test` result); ``hint`` is
        shown when it gives nothing.  One call sends one update; :meth:`clear_overlay`
        restores the normal picture.
        """
        lay = self.panel_layout
        if lay is None:
            raise ValueError("show_overlay: nothing is drawn yet (call update first)")
        m = lay.num_links
        units = np.asarray(link_units, dtype=np.float64).reshape(-1)
        widths = np.asarray(link_widths, dtype=np.float64).reshape(-1)
        faint = (np.zeros(m, bool) if link_faint is None
                 else np.asarray(link_faint, dtype=bool).reshape(-1))
        if not (units.size == widths.size == faint.size == m):
            raise ValueError(f"the panel has {m} links; got {units.size} colours, "
                             f"{widths.size} widths and {faint.size} faint flags")
        n_hidden = sum(lay.network_shape)
        if bias_units is not None:
            bias_units = np.asarray(bias_units, dtype=np.float64).reshape(-1)
            if bias_units.size != n_hidden:
                raise ValueError(f"the panel has {n_hidden} bias squares; got {bias_units.size} values")
        boxes, outs = [], []
        for target, (unit, text) in nodes.items():
            if target[0] == "output":
                k = int(target[1])
                if not 0 <= k < lay.n_outputs:
                    raise ValueError(f"output {k} is not one of the {lay.n_outputs} outputs")
                outs.append((target, float(unit), str(text)))
            else:
                lay.node_box(target)  # validates
                boxes.append((target, float(unit), str(text)))
        if describe is not None and not callable(describe):
            raise TypeError(f"describe must be callable; got {describe!r}")
        self._overlay = NetworkOverlay(dict(nodes), units, widths, faint, bias_units, describe,
                                       str(hint))
        ov = self._overlay_marks()
        H = lay.height
        with contextlib.ExitStack() as stack:
            for w in (self.figure, *ov["links"], ov["nodes"], ov["outputs"], ov["labels"],
                      ov["biases"]):
                stack.enter_context(w.hold_sync())
            # links, bucketed by width (faint ones in the dashed mark)
            buckets = assign_buckets(widths, faint)
            codes = color_codes(units)
            members_of = []
            for b, mark in enumerate(ov["links"]):
                members = np.flatnonzero(buckets == b)
                members_of.append(members)
                if members.size:
                    mark.x = self._link_x[members]
                    mark.y = self._link_y[members]
                    if b != DEAD_BUCKET:
                        mark.color = codes[members]
                mark.visible = bool(members.size)
            self._overlay_members = members_of
            # node boxes, output boxes and their numbers
            side = NODE_SIZE if lay.n_outputs == 1 else OUTPUT_PITCH - 2
            centres = {}
            for target, _, _ in boxes:
                bx, by = lay.node_box(target)
                centres[target] = (bx + NODE_SIZE / 2, H - by - NODE_SIZE / 2)
            for target, _, _ in outs:
                px, py = lay.output_points[target[1]]
                centres[target] = (px - side / 2, H - py)
            for key, group in (("nodes", boxes), ("outputs", outs)):
                mark = ov[key]
                mark.x = np.asarray([centres[t][0] for t, _, _ in group], np.float32)
                mark.y = np.asarray([centres[t][1] for t, _, _ in group], np.float32)
                mark.color = color_codes([u for _, u, _ in group])
                mark.visible = bool(group)
            ov["outputs"].default_size = side * side
            # numbers on the boxes (not on the small boxes of several outputs)
            shown = [(t, u, text) for t, u, text in boxes + (outs if lay.n_outputs == 1 else [])
                     if text]
            ov["labels"].x = np.asarray([centres[t][0] for t, _, _ in shown], np.float64)
            ov["labels"].y = np.asarray([centres[t][1] - 3 for t, _, _ in shown], np.float64)
            ov["labels"].text = np.array([text for _, _, text in shown] or [""], dtype=str)
            ov["labels"].colors = render.text_colors([u for _, u, _ in shown]) or ["#000000"]
            ov["labels"].visible = bool(shown)
            self._overlay_labels = {t: text for t, _, text in shown}
            # bias squares
            if bias_units is not None and n_hidden:
                bb = np.concatenate(lay.bias_boxes)
                ov["biases"].x = (bb[:, 0] + BIAS_SIZE / 2).astype(np.float32)
                ov["biases"].y = (H - bb[:, 1] - BIAS_SIZE / 2).astype(np.float32)
                ov["biases"].color = color_codes(bias_units)
            ov["biases"].visible = bias_units is not None and n_hidden > 0
            marks = self._overlay_mark_list()
            if list(self.figure.marks) != marks:
                self.figure.marks = marks
        self._set_readout()

    def clear_overlay(self) -> None:
        """Back to the normal picture (its links and bias squares as the last update drew them)."""
        if self._overlay is None:
            return
        self._overlay = None
        saved = getattr(self, "_overlay_saved", None)
        if saved is not None:
            self.figure.marks = saved
            self._overlay_saved = None
        self._set_readout()

    def overlay_node(self, target) -> tuple:
        """``(colour code, text)`` of the overlay box drawn on ``target`` (read back from
        the marks; the code is :func:`color_codes` of its unit), or None if it has none."""
        ov = getattr(self, "_overlay_widgets", None)
        if self._overlay is None or ov is None or target not in self._overlay.nodes:
            return None
        lay = self.panel_layout
        H = lay.height
        if target[0] == "output":
            mark = ov["outputs"]
            px, py = lay.output_points[target[1]]
            want = (px - float(np.sqrt(mark.default_size)) / 2, H - py)
        else:
            mark = ov["nodes"]
            bx, by = lay.node_box(target)
            want = (bx + NODE_SIZE / 2, H - by - NODE_SIZE / 2)
        hit = np.flatnonzero((np.abs(np.asarray(mark.x) - want[0]) < 0.01)
                             & (np.abs(np.asarray(mark.y) - want[1]) < 0.01))
        if not hit.size:
            return None
        return int(np.asarray(mark.color)[hit[0]]), self._overlay_labels.get(target, "")

    def overlay_link(self, layer: int, dest: int, src: int) -> tuple:
        """``(colour code or None if faint, stroke width)`` of a link as the overlay draws it
        (read back from the mark that holds its curve)."""
        ov = getattr(self, "_overlay_widgets", None)
        if self._overlay is None or ov is None:
            raise ValueError("no overlay is shown")
        i = self.panel_layout.link_index(layer, dest, src)
        for b, members in enumerate(self._overlay_members):
            row = np.flatnonzero(members == i)
            if row.size:
                mark = ov["links"][b]
                code = None if b == DEAD_BUCKET else int(np.asarray(mark.color)[row[0]])
                return code, float(mark.stroke_width)
        raise AssertionError(f"link {i} is in no overlay mark")

    def _overlay_marks(self) -> dict:
        """The overlay's marks, made on first use (a panel without Step inside has none)."""
        ov = getattr(self, "_overlay_widgets", None)
        if ov is not None:
            return ov
        scales = {"x": self._sx, "y": self._sy}
        cscales = {**scales, "color": self._color_scale}
        links = [bq.Lines(x=np.zeros((1, 4), np.float32), y=np.zeros((1, 4), np.float32),
                          color=np.full(1, 127, np.uint8), scales=cscales, stroke_width=w,
                          interpolation="basis", visible=False, colors=[render.GREY])
                 for w in BUCKET_WIDTHS]
        links.append(bq.Lines(x=np.zeros((1, 4), np.float32), y=np.zeros((1, 4), np.float32),
                              scales=scales, stroke_width=1.0, interpolation="basis",
                              line_style="dashed", visible=False, colors=[DEAD_COLOR],
                              opacities=[0.6]))

        def boxes(size):
            return bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                              color=np.zeros(0, np.uint8), scales=cscales, marker="square",
                              default_size=size, stroke="#000000", stroke_width=1.0,
                              colors=[render.GREY], visible=False)

        ov = {
            "links": links,
            "nodes": boxes(NODE_SIZE * NODE_SIZE),
            "outputs": boxes(NODE_SIZE * NODE_SIZE),
            "biases": bq.Scatter(x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
                                 color=np.zeros(0, np.uint8), scales=cscales, marker="square",
                                 default_size=BIAS_SIZE * BIAS_SIZE, stroke=None,
                                 colors=[render.GREY], visible=False),
            "labels": bq.Label(x=np.zeros(0), y=np.zeros(0), text=np.array([""], dtype=str),
                               scales=scales, align="middle", default_size=9.0,
                               font_weight="bold", colors=["#000000"], visible=False),
        }
        self._overlay_widgets = ov
        self._overlay_members = [np.zeros(0, np.int64)] * len(links)
        self._overlay_labels = {}
        return ov

    def _overlay_mark_list(self) -> list:
        """The figure's marks with the overlay: its links in place of the normal links, its
        boxes over the thumbnails, its bias squares in place of theirs, numbers on top."""
        if getattr(self, "_overlay_saved", None) is None:
            self._overlay_saved = list(self.figure.marks)
        ov = self._overlay_widgets
        pending = list(ov["links"])
        out = []
        for mark in self._overlay_saved:
            if any(mark is link for link in self.link_marks):
                out.extend(pending)
                pending = []
                continue
            if mark is self._bias_mark:
                out.append(ov["biases"])
                continue
            out.append(mark)
            if mark is self.atlas_mark:
                out.extend([ov["nodes"], ov["outputs"]])
        return pending + out + [ov["labels"]]

    def _set_overlay_readout(self) -> None:
        ov = self._overlay
        text = ov.describe(self._pointer) if ov.describe is not None and self._pointer else None
        if not text:
            text = f"<span style='color:{_TEXT_DIM}'>{ov.hint}</span>"
        html_text = f"<div style='color:{_TEXT};font-size:12px'>{text}</div>"
        if self.readout.value != html_text:
            self.readout.value = html_text


class NetworkOverlay:
    """What :meth:`NetworkView.show_overlay` draws (its arguments, as arrays):
    ``nodes``, ``link_units``, ``link_widths``, ``link_faint``, ``bias_units`` (or None),
    ``describe`` (or None) and ``hint``."""

    __slots__ = ("nodes", "link_units", "link_widths", "link_faint", "bias_units", "describe",
                 "hint")

    def __init__(self, nodes, link_units, link_widths, link_faint, bias_units, describe, hint):
        self.nodes, self.link_units, self.link_widths = nodes, link_units, link_widths
        self.link_faint, self.bias_units = link_faint, bias_units
        self.describe, self.hint = describe, hint


def _small_button(text: str, tooltip: str) -> widgets.Button:
    return widgets.Button(description=text, tooltip=tooltip,
                          layout=widgets.Layout(width="24px", height="22px", padding="0px",
                                                margin="0 2px"))


