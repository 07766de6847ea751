"""The FEATURES + HIDDEN LAYERS panel of the Playground widget (docs/playground.md §8.3, 8.4, 8.6).

What it shows, as TensorFlow Playground does:

* a header: "FEATURES", the +/- buttons for hidden layers and "N HIDDEN LAYER(S)"; above
  each hidden layer its own +/- and "k neuron(s)";
* every node as a 30x30 px thumbnail of its 10x10 block averages: the features column on
  the left (unselected features faded, hidden ones left out), then one column per hidden
  layer. The output node is not drawn: the links of the last layer run to the right edge,
  where the big output heatmap sits;
* the links, coloured by the sign of the weight and as thick as ``1 + 1.8|w|`` px, and the
  5x5 px bias squares at the lower left of each hidden node;
* a weight editor: hovering a link or bias highlights it and shows "Weight is 0.23" in a
  tooltip at the pointer (and in the line under the panel); clicking it selects it, and a
  number typed in the box (then Enter) sets it.  The box is empty until something is
  selected; a text that is not a number stays in it, with the reason beside it.

How it stays cheap (it redraws up to 30 times a second):

* **one picture per frame.** All thumbnails go into one indexed PNG, the *atlas*, stretched
  over the whole figure in one bqplot ``Image`` mark. The atlas has one pixel per
  :data:`ATLAS_SCALE` (3) panel pixels, so a node at panel position (x, y) has its 10x10
  thumbnail at atlas pixels (x/3, y/3) and covers 30x30 panel pixels. Everything else is
  transparent. Two ``ipywidgets.Image`` objects take turns, because bqplot redraws an
  ``Image`` mark only when it gets another image widget. An unchanged atlas is not resent.
  They hold ``data:`` URLs (``format="url"``): PNG bytes would cost the page a ``Blob``
  and a ``URL.createObjectURL`` per picture (see output_view).
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

Geometry (where everything sits, the hit test, link widths and buckets) is
:mod:`nbplayground.ui.network_layout`, without widgets; the pictures (colour codes,
block averages, the atlas) are :mod:`nbplayground.render`'s.  Both are re-exported
here under their old names.

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

import bqplot as bq
import ipywidgets as widgets
import numpy as np
import traitlets

from .. import render
from ..config import MAX_HIDDEN_LAYERS, MAX_NEURONS, MIN_NEURONS, NEW_LAYER_NEURONS
from ..features import FEATURE_IDS, FEATURES
from ..render import (ATLAS_ALPHA, ATLAS_EMPTY, ATLAS_FADED, ATLAS_PALETTE, COLOR_CODE_MAX,
                      color_codes, color_of_code)
from ..render import block_averages as _block_averages
from .closing import close_tree, widgets_in
from .network_layout import (ATLAS_SCALE, BASIS_SAMPLES, BIAS_HIT_MARGIN, BIAS_OFFSET,  # noqa: F401
                             BIAS_SIZE, BUCKET_HYSTERESIS, BUCKET_WIDTHS, DEAD_BUCKET,
                             FAN_SPREAD, FEATURE_X, LABEL_GAP, LINK_HIT_TOLERANCE,
                             MAX_SPACING, MIN_OUTPUT_GAP, NODE_SIZE, OUTPUT_PITCH,
                             PANEL_WIDTH, ROW_PITCH, THUMBNAIL, TOP_PAD, WIDTH_EDGES,
                             PanelLayout, assign_buckets, atlas_indices, basis_curve,
                             compute_layout, feature_hide_keys, format_value, link_widths,
                             node_name)

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

LINK_REFRESH_SECONDS = 0.25
"""Links and biases are redrawn at most this often."""
ATLAS_REFRESH_SECONDS = 0.1
"""The thumbnails are redrawn at most this often (10 a second: each new atlas costs the
browser two messages, an image decode and a repaint of the panel)."""
FLOW_PHASES = 4
"""The links flow while training: their dashes (``9 3``, a period of 12 px) step on by
3 px at each link refresh (at most 4 times a second), through ``FLOW_PHASES`` classes
``nbp-flow-0`` ... ``nbp-flow-3`` on the panel that set ``stroke-dashoffset`` (style.py).
A CSS animation would restyle the panel at every animation frame of the page (the
browser's largest cost per frame while playing, the trace said); one class change per
refresh costs one small message and one restyle of the link paths."""
FADED_NODE_OPACITY = 0.5
"""Border (and label) opacity of an unselected feature (Playground)."""
FADED_ALPHA = int(ATLAS_ALPHA[ATLAS_FADED])
"""Alpha of a faded (unselected) feature's thumbnail pixels."""
DEAD_COLOR = "#a0a0a0"
ATLAS_ZLIB_LEVEL = 6
"""zlib level of the atlas: 6 takes ~1 ms for 6x8 nodes; 9 saves ~4 % and takes ~7 ms."""

_LABELS = {f.id: f.label for f in FEATURES}
_TEXT = "var(--jp-ui-font-color1)"
_TEXT_DIM = "var(--jp-ui-font-color2)"
#: node borders, output triangles, hover and selection frames: black on a light theme
#: as in Playground, the theme's text colour on a dark one
_INK = "var(--jp-ui-font-color0, #000)"


def block_averages(grids) -> np.ndarray:
    """(N, 100, 100) -> (N, 10, 10) block means: :func:`nbplayground.render.block_averages`."""
    return _block_averages(grids, THUMBNAIL)


# ---------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------



def _output_box_side(lay) -> int:
    """Side in px of the overlay's output box: a node's for one output, else one row of
    the outputs' pitch."""
    return NODE_SIZE if lay.n_outputs == 1 else OUTPUT_PITCH - 2


def _counter_scaled(width: int, height: int) -> dict:
    """Layout of the network figure that survives the panel's zoom.

    On a narrow screen the panel's children are zoomed by ``--nbp-z`` (< 1, set by
    style.py's container rules), so that the whole network fits its column.  bqplot
    sizes its SVG to the figure's *on-screen* rectangle, and a zoomed figure would be
    drawn at ``z`` times its size and then zoomed again (``z**2``), while its markers
    (node borders, bias squares) shrink only by ``z``.  So the figure's CSS box is
    ``1 / z`` times the layout size, which zoomed shows at the layout size: bqplot
    draws at exactly ``width x height``, and the zoom shrinks the whole drawing,
    markers and all, by ``z``.  Negative margins take the extra ``1 / z - 1`` back, so
    the figure occupies ``width x height`` in its box (:attr:`NetworkView.drawing`,
    which clips it); that box is on screen exactly where the drawing is, so the
    pointer events come from it and its ``boundingRect`` gives the scale.  Without
    a zoom (``--nbp-z`` unset) these are plain ``width`` and ``height`` in px.
    """
    w, h = f"{int(width)}px", f"{int(height)}px"
    z = "var(--nbp-z, 1)"
    return {"width": f"calc({w} / {z})", "height": f"calc({h} / {z})",
            "margin": f"0 calc({w} - {w} / {z}) calc({h} - {h} / {z}) 0"}


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
                 atlas_interval: float = ATLAS_REFRESH_SECONDS, clock=time.monotonic):
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
        self._atlas_interval = float(atlas_interval)
        self._last_atlas = -math.inf
        self._pending_atlas = None  # an atlas waiting for the next refresh
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
        self._timer = None          # the links' refresh waiting for its time
        self._atlas_timer = None    # the atlas's, on its own clock (10 a second, not 4)
        self._setting_input = False
        self._feature_cache = None
        self._bias_codes = None
        self._header_shape = None
        self._closed = False
        self._left_at = None        # DOM timeStamp of the last mouseleave
        self._playing = False
        self.flow_phase = 0         # which nbp-flow-<k> class the panel has

        self._build_widgets()
        super().__init__(children=[self._header, self._neuron_row, self.drawing, self.captions,
                                   self._editor],
                         layout=widgets.Layout(width=f"{self._width}px", overflow="visible"))

    # -- widgets -------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        W = self._width
        text = f"color:{_TEXT};font-size:12px;letter-spacing:0.02em"
        self._features_title = widgets.HTML(f"<div style='{text}'>FEATURES</div>"
                                            "<div class='nbp-caption nbp-features-caption'>"
                                            "Which properties do you want to feed in?</div>",
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

        self._images = (widgets.Image(format="url"), widgets.Image(format="url"))
        self.atlas_mark = bq.Image(image=self._images[0], scales=scales, x=[0.0, float(W)],
                                   y=[0.0, 100.0], pixelated=False)
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
            default_size=NODE_SIZE * NODE_SIZE, fill=False, stroke=_INK, stroke_width=1.0,
            colors=[_INK])
        # Playground's node look: a soft shadow under each node and a small triangle at
        # the middle of its right edge (where its output leaves); placed at relayout only
        self._shadows = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), scales=scales, marker="square",
            default_size=NODE_SIZE * NODE_SIZE, stroke=None, colors=["#000000"])
        # bqplot rotates a marker through a rotation scale onto [0, 180] degrees:
        # 0.5 on a [0, 1] scale turns the upward triangle to point right
        self._triangles = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32),
            scales={**scales, "rotation": bq.LinearScale(min=0.0, max=1.0)},
            marker="triangle-up", rotation=np.zeros(0, np.float32), default_size=22,
            stroke=None, colors=[_INK])
        self._hover_mark = bq.Scatter(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, marker="square",
            default_size=(NODE_SIZE + 2) ** 2, fill=False, stroke=_INK, stroke_width=2.5,
            colors=[_INK], visible=False)
        self._bias_mark = bq.Scatter(
            x=np.zeros(0, np.float32), y=np.zeros(0, np.float32), color=np.zeros(0, np.uint8),
            scales=cscales, marker="square", default_size=BIAS_SIZE * BIAS_SIZE, stroke=None,
            colors=[render.GREY])
        self._bias_selection = bq.Scatter(
            x=np.zeros(1, np.float32), y=np.zeros(1, np.float32), scales=scales, marker="square",
            default_size=(BIAS_SIZE + 4) ** 2, fill=False, stroke=_INK, stroke_width=1.5,
            colors=[_INK], visible=False)
        self._hover_link_mark = bq.Lines(
            x=np.zeros(4, np.float32), y=np.zeros(4, np.float32), scales=scales,
            stroke_width=5.0, interpolation="basis", colors=["#000000"], opacities=[0.25],
            visible=False)
        #: the tooltip at the pointer: a link's or bias's value
        self.tooltip_mark = bq.Label(x=np.zeros(1), y=np.zeros(1), text=np.array([""]),
                                     scales=scales, align="start", default_size=12.0,
                                     font_weight="bold", colors=[_TEXT], apply_clip=False,
                                     visible=False)
        self._labels = bq.Label(x=np.zeros(0), y=np.zeros(0), text=np.array([], dtype="U1"),
                                scales=scales, align="end", default_size=12.0,
                                font_weight="normal", colors=[_TEXT])
        self.figure = bq.Figure(
            marks=[self._selection_mark, self._hover_link_mark, *self.link_marks, self._shadows,
                   self.atlas_mark, self._borders, self._triangles, self._hover_mark,
                   self._bias_mark,
                   self._bias_selection, self._labels, self.tooltip_mark],
            fig_margin={"top": 0, "bottom": 0, "left": 0, "right": 0}, padding_x=0.0,
            padding_y=0.0, animation_duration=0, min_aspect_ratio=0.01, max_aspect_ratio=100.0,
            background_style={"fill": "none"}, display_toolbar=False,
            layout=widgets.Layout(min_width="0px", overflow="visible", flex="0 0 auto",
                                  **_counter_scaled(W, 100)))
        self.figure.add_class("nbp-network-figure")
        # the figure inside a box of its size in the panel: the box takes the panel's zoom
        # and the pointer events (see _counter_scaled and style.py's nbpnet container)
        self.drawing = widgets.Box([self.figure], layout=widgets.Layout(
            width=f"{W}px", height="100px", overflow="hidden"))
        self.drawing.add_class("nbp-network-drawing")
        # Playground's captions under the panel
        self.captions = widgets.HTML(
            "<div class='nbp-network-captions'>"
            "<span class='nbp-note nbp-note-neuron'>This is the output from one neuron. "
            "Hover to see it larger.</span>"
            "<span class='nbp-note nbp-note-weights'>The outputs are mixed with varying "
            "weights, shown by the thickness of the lines.</span></div>",
            layout=widgets.Layout(width=f"{W}px"))

        self.readout = widgets.HTML("", layout=widgets.Layout(flex="1 1 auto"))
        self.weight_input = WeightBox(value="", continuous_update=False, disabled=True,
                                      placeholder="select a line", tooltip="Type a value, then Enter",
                                      layout=widgets.Layout(width="90px"))
        self.weight_input.add_class("nbp-weight-input")
        self.weight_input.observe(self._on_input, names="value")
        self.weight_error = widgets.HTML("", layout=widgets.Layout(display="none"))
        self.weight_error.add_class("nbp-error")
        self._editor = widgets.HBox([self.readout, self.weight_input, self.weight_error],
                                    layout=widgets.Layout(width=f"{W}px", align_items="center"))
        self._editor.add_class("nbp-weight-editor")
        self._set_readout()

        self._events = []
        if ipyevents is not None:
            moves = ipyevents.Event(source=self.drawing, watched_events=["mousemove"], wait=50,
                                    throttle_or_debounce="throttle")
            other = ipyevents.Event(source=self.drawing, watched_events=["click", "mouseleave"])
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
        self._cancel_timers()
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
        hide_features = feature_hide_keys(config.hide)
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
            if self.atlas_mark.pixelated != bool(config.discretize):
                stack.enter_context(self.atlas_mark.hold_sync())
                self.atlas_mark.pixelated = bool(config.discretize)  # smooth unless discretized
            now = self._clock()
            if self._atlas is None or not np.array_equal(atlas, self._atlas):
                if (force or now - self._last_atlas >= self._atlas_interval
                        or not self._can_defer()):
                    self._send_atlas(atlas, stack)
                else:
                    self._pending_atlas = atlas
                    self._schedule_atlas(now)
            else:
                self._pending_atlas = None
            # Links and biases: copies, since frame arrays are reused buffers.
            weights = np.concatenate([np.asarray(w, np.float64).ravel() for w in frame.weights])
            dead = np.concatenate([np.asarray(d, bool).ravel() for d in frame.dead])
            biases = (np.concatenate([np.asarray(b, np.float64).ravel() for b in frame.biases[:-1]])
                      if len(frame.biases) > 1 else np.zeros(0))
            self._pending = (weights, biases, dead)
            if force or now - self._last_links >= self._link_interval or not self._can_defer():
                self._refresh_links(stack, force=force)
            else:
                self._schedule_links(now)
        if self._selection is not None and not self._playing:
            self._show_selected_value()

    def _show_selected_value(self) -> None:
        """Paused, the weight box follows the selected weight (set from code, by a step,
        by a reset of the same structure); a text the user is correcting stays."""
        if self.weight_error.value or self._weights is None:
            return
        try:
            text = format_value(self.value_of(self._selection))
        except (IndexError, ValueError):
            return          # the selection is being replaced with the structure
        if self.weight_input.value != text:
            self._setting_input = True
            try:
                self.weight_input.value = text
            finally:
                self._setting_input = False

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

    def set_playing(self, playing: bool) -> None:
        """While training, the links are dashed and flow: each link refresh moves the
        dashes on (:data:`FLOW_PHASES`); paused, they stand still."""
        self._playing = bool(playing)
        self._set_flow_classes()

    def _set_flow_classes(self) -> None:
        """The panel's classes: ``nbp-flowing`` while playing and ``nbp-flow-<phase>``,
        in one message (only when they change)."""
        keep = [c for c in self._dom_classes
                if c != "nbp-flowing" and not c.startswith("nbp-flow-")]
        if self._playing:
            keep += ["nbp-flowing", f"nbp-flow-{self.flow_phase}"]
        if tuple(keep) != tuple(self._dom_classes):
            self._dom_classes = keep

    def _step_flow(self) -> None:
        """Move the dashes one phase on (a link refresh while playing)."""
        if self._playing:
            self.flow_phase = (self.flow_phase + 1) % FLOW_PHASES
            self._set_flow_classes()

    def flush(self) -> None:
        """Draw the atlas, links and biases held back by the refresh limits now."""
        self._cancel_timers()
        self._flush_atlas()
        self._flush_links()

    def _flush_atlas(self) -> None:
        self._atlas_timer = None
        if self._closed or self.panel_layout is None or self._pending_atlas is None:
            return
        with contextlib.ExitStack() as stack:
            self._send_atlas(self._pending_atlas, stack)

    def _flush_links(self) -> None:
        self._timer = None
        if self._closed or self.panel_layout is None or self._pending is None:
            return
        with contextlib.ExitStack() as stack:
            self._refresh_links(stack, force=False)

    def _cancel_timers(self) -> None:
        for name in ("_timer", "_atlas_timer"):
            timer = getattr(self, name)
            if timer is not None:
                timer.cancel()
                setattr(self, name, None)

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
        hit = self._overlay_output_at(x, y) or self.panel_layout.hit_test(x, y)
        self._set_pointer(hit, (x, y))

    def _overlay_output_at(self, x: float, y: float):
        """``("output", k)`` when an overlay draws output k's box under (x, y), else None
        (the box sits at the right edge, over the ends of the output links)."""
        ov = self._overlay
        if ov is None or not any(t[0] == "output" for t in ov.nodes):
            return None
        lay = self.panel_layout
        side = _output_box_side(lay)
        for k, (px, py) in enumerate(lay.output_points):
            if ("output", k) in ov.nodes and px - side <= x <= px and abs(y - py) <= side / 2:
                return ("output", k)
        return None

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

    def _set_pointer(self, hit, at=None) -> None:
        before = self._pointer
        self._pointer = hit
        hover = hit if hit is not None and hit[0] in ("feature", "node") else None
        if hover != self._hover:
            self._hover = hover
            self._draw_hover()
            self._on_hover(hover)
        clickable = hit is not None and (hit[0] == "feature" or (
            hit[0] in ("link", "bias") and "weightEditor" not in self._hide))
        if clickable:
            self.figure.add_class("nbp-clickable")       # a pointer cursor (style.py)
        else:
            self.figure.remove_class("nbp-clickable")
        self._draw_pointer_item(hit, before, at)
        self._set_readout()

    @property
    def tooltip(self) -> str:
        """The text of the tooltip at the pointer ("" when none is shown)."""
        return str(self.tooltip_mark.text[0]) if self.tooltip_mark.visible else ""

    def _draw_pointer_item(self, hit, before, at) -> None:
        """Highlight the link under the pointer and show its (or a bias's) value at
        the pointer."""
        lay = self.panel_layout
        item = hit if hit is not None and hit[0] in ("link", "bias") else None
        tip, link = self.tooltip_mark, self._hover_link_mark
        if item is None or lay is None or self._weights is None or at is None:
            if tip.visible:
                tip.visible = False
            if link.visible:
                link.visible = False
            return
        with tip.hold_sync(), link.hold_sync():
            if item[0] == "link" and item != before:
                p = lay.link_points[lay.link_index(*item[1:])]
                link.x = p[:, 0].astype(np.float32)
                link.y = (lay.height - p[:, 1]).astype(np.float32)
                link.visible = True
            elif item[0] != "link" and link.visible:
                link.visible = False
            word = "Weight" if item[0] == "link" else "Bias"
            x, y = at
            # right of the pointer, or left of it near the right edge; above it
            left = x > lay.width - 110
            tip.align = "end" if left else "start"
            tip.x = np.array([x - 8 if left else x + 12])
            tip.y = np.array([min(lay.height - 4.0, lay.height - y + 10)])
            tip.text = np.array([f"{word} is {format_value(self.value_of(item))}"])
            tip.visible = True

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
                    self.weight_input.value = ""      # nothing selected: nothing to show
                    self.weight_input.disabled = True
                else:
                    self.weight_input.value = format_value(self.value_of(target))
                    self.weight_input.disabled = False
        finally:
            self._setting_input = False
        self._show_input_error("")
        self._set_readout()

    def _show_input_error(self, message: str) -> None:
        if not message and not self.weight_error.value:
            return
        self.weight_error.value = (f"<span class='nbp-error-text'>{html.escape(message)}</span>"
                                   if message else "")
        self.weight_error.layout.display = None if message else "none"
        if message:
            self.weight_input.add_class("nbp-invalid")
        else:
            self.weight_input.remove_class("nbp-invalid")

    def _on_input(self, change) -> None:
        if self._setting_input or self._selection is None:
            return
        text = str(change["new"]).strip()
        if not text:
            return
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            # the text stays, so that it can be corrected; the reason sits beside it
            self._show_input_error(f"{text!r} is not a number; type a finite number")
            return
        self._show_input_error("")
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
            where = f"{node_name(lay, layer, src)} \u2192 {node_name(lay, layer + 1, dest)}"
            return f"Weight is {value} <span style='color:{_TEXT_DIM}'>({html.escape(where)})</span>"
        layer, node = target[1:]
        return (f"Bias is {value} <span style='color:{_TEXT_DIM}'>"
                f"({node_name(lay, layer + 1, node)})</span>")

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
        sized = _counter_scaled(lay.width, H)
        self.figure.layout.height, self.figure.layout.margin = sized["height"], sized["margin"]
        self.drawing.layout.height = f"{H}px"
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
        # shadows (2 px right and down) and output triangles (right edge, middle)
        with self._shadows.hold_sync(), self._triangles.hold_sync():
            self._shadows.x = (boxes[:, 0] + NODE_SIZE / 2 + 2).astype(np.float32)
            self._shadows.y = (H - boxes[:, 1] - NODE_SIZE / 2 - 2).astype(np.float32)
            self._shadows.opacities = ([0.18 if f in lay.selected else 0.0 for f in lay.features]
                                       + [0.18] * sum(lay.network_shape))
            drawn = np.concatenate([boxes[:len(lay.features)][[lay.features.index(f)
                                                              for f in lay.selected]],
                                    *lay.node_boxes]) if len(boxes) else boxes
            self._triangles.x = (drawn[:, 0] + NODE_SIZE + 2).astype(np.float32)
            self._triangles.y = (H - drawn[:, 1] - NODE_SIZE / 2).astype(np.float32)
            self._triangles.rotation = np.full(len(drawn), 0.5, np.float32)
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
            self._select(None)
        self._hover_link_mark.visible = False
        self.tooltip_mark.visible = False
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
        if self._atlas_timer is not None:
            self._atlas_timer.cancel()
            self._atlas_timer = None
        self._image_turn ^= 1
        image = self._images[self._image_turn]
        image.value = render.png_data_url(png).encode("ascii")   # the hidden buffer first ...
        stack.enter_context(self.atlas_mark.hold_sync())
        self.atlas_mark.image = image        # ... then show it
        self._atlas = atlas
        self._pending_atlas = None
        self._last_atlas = self._clock()

    def _can_defer(self) -> bool:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _schedule_links(self, now: float) -> None:
        """The held-back links are drawn when their interval is over (if no frame has
        drawn them by then).  A timer of their own: the atlas's (10 a second) must not
        redraw the links (4 a second) early."""
        if self._timer is None:
            delay = max(0.0, self._link_interval - (now - self._last_links))
            self._timer = asyncio.get_running_loop().call_later(delay, self._flush_links)

    def _schedule_atlas(self, now: float) -> None:
        if self._atlas_timer is None:
            delay = max(0.0, self._atlas_interval - (now - self._last_atlas))
            self._atlas_timer = asyncio.get_running_loop().call_later(delay, self._flush_atlas)

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
        self._step_flow()

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
            side = _output_box_side(lay)
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


class WeightBox(widgets.Text):
    """The weight editor's input: text (empty until a link or bias is selected).  A
    number assigned from Python is shown as its text."""

    value = traitlets.CUnicode("", help="String value").tag(sync=True)


def _small_button(text: str, tooltip: str) -> widgets.Button:
    return widgets.Button(description=text, tooltip=tooltip,
                          layout=widgets.Layout(width="24px", height="22px", padding="0px",
                                                margin="0 2px"))


