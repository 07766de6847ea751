"""The OUTPUT column: loss readouts, loss chart, decision heatmap, legend, checkboxes.

What it shows (docs/playground.md §7 and §8):

* "Test loss 0.483" (black) and "Training loss 0.462" (grey ``#777``), three
  decimals; for classification also "Accuracy 97.2% / 95.0%" (training /
  test);
* the loss chart: a ~55 px bqplot sparkline, test loss black and training
  loss grey, 1.5 px, no axes, x = epoch, y scaled to [min, max] of the curve
  since the last reset;
* the decision heatmap: a bqplot ``Image`` mark over the view domain
  (Playground's [-6, 6]², or the square that fits the user's own data, see
  :meth:`OutputView.set_domain`) showing the output grid (or a hovered node's
  grid) as an indexed PNG, x axis at the bottom and y axis on the right;
  training points (white outline) and, with "Show test data", test points
  (dark outline) as ``Scatter`` marks coloured by label with the quantized
  palette (by class with :data:`~nbplayground.render.CATEGORICAL_HEX` for
  K > 2 classes, whose heatmap shows each class in its colour, faded by
  uncertainty);
* the colour legend (class swatches for K > 2 classes), and the "Show test
  data" / "Discretize output" boxes;
* the point editor: an "Add points" toggle, the class of the next point
  (or its value, for regression) and "Clear points".  While the toggle is
  on, a click on the heatmap calls ``on_add_point(x, y, label)`` with the
  clicked point in data coordinates (see :func:`pixel_to_data`).  The hide
  name ``"dataset"`` hides the editor too.

The loss chart costs one message per update; it is redrawn at most every
:data:`CHART_INTERVAL` seconds while playing (``update(..., live=True)``) with
at most :data:`CHART_POINTS` float32 points per curve; :meth:`OutputView.flush_chart`
draws a curve held back.

The heatmap double-buffers two ``ipywidgets.Image`` widgets: bqplot redraws an
``Image`` mark only when its ``image`` trait is given *another* Image widget,
so each new picture is written into the hidden buffer, which is then
assigned to the mark.  A picture identical to the one shown is not sent.  The
buffers hold ``data:`` URLs (``format="url"``), not PNG bytes: for bytes, bqplot makes
a ``Blob`` and a ``URL.createObjectURL`` per picture, which the V8 profile of a playing
Playground showed as the page's costliest script (a round trip to the browser
process each); a ``data:`` URL is decoded where it is used.
Data points are re-sent only when :meth:`OutputView.set_data` is called
(when the data change), never per frame.

:class:`StatusLine` is the one-line message area under the widget.
"""

from __future__ import annotations

import base64
import html
import math
import time
from typing import Callable

import bqplot
import ipywidgets as widgets
import numpy as np

from .. import render as _render
from ..config import Config, js_number
from ..trainer import DOMAIN, DENSITY

try:  # DOM clicks on the heatmap (adding points)
    import ipyevents
except ImportError:  # pragma: no cover - ipyevents is a dependency of the widget
    ipyevents = None

__all__ = ["OutputView", "StatusLine", "format_loss", "format_accuracy", "nice_ticks",
           "pixel_to_data", "data_to_pixel", "HEATMAP_SIZE", "HEATMAP_HEIGHT",
           "HEATMAP_MARGIN", "CHART_POINTS", "CHART_INTERVAL", "TEST_LOSS_COLOR",
           "TRAIN_LOSS_COLOR"]

TEST_LOSS_COLOR = "#000000"
TRAIN_LOSS_COLOR = "#777777"
#: Outer width of the heatmap figure in px (the plot itself is a square inside).
HEATMAP_SIZE = 300
#: The heatmap figure's margins in px: the plot area is the figure minus these.
HEATMAP_MARGIN = {"top": 4, "bottom": 22, "left": 4, "right": 26}
_MARGIN = HEATMAP_MARGIN
#: Side of the square plot area in px (270).
HEATMAP_PLOT = HEATMAP_SIZE - _MARGIN["left"] - _MARGIN["right"]
#: Outer height of the heatmap figure in px (296).
HEATMAP_HEIGHT = HEATMAP_PLOT + _MARGIN["top"] + _MARGIN["bottom"]
#: Playground's view domain (xmin, xmax, ymin, ymax).
PLAYGROUND_DOMAIN = (DOMAIN[0], DOMAIN[1], DOMAIN[0], DOMAIN[1])
#: Most points per curve sent to the loss chart (it is 130 px wide).
CHART_POINTS = 150
#: While playing, the loss chart is redrawn at most this often (seconds): ~5 per second.
CHART_INTERVAL = 0.2


def png_of(image: widgets.Image) -> bytes:
    """The PNG bytes an ``ipywidgets.Image`` shows: its value, or what its ``data:``
    URL holds (``format="url"``)."""
    value = bytes(image.value)
    if image.format == "url":
        head, _, data = value.partition(b",")
        if not head.startswith(b"data:image/png;base64"):
            raise ValueError(f"not a PNG data URL: {value[:40]!r}")
        return base64.b64decode(data)
    return value


def format_loss(value: float) -> str:
    """Three decimals, as Playground's ``toFixed(3)``; "NaN"/"Infinity" when diverged."""
    if value is None:
        return "–"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if abs(value) >= 1e21:  # toFixed gives the shortest form with an exponent there
        return js_number(value)
    return f"{value:.3f}"


def format_accuracy(value: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.972 -> "97.2%"."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{100 * value:.1f}%"


def nice_ticks(lo: float, hi: float, target: int = 12) -> tuple[np.ndarray, str]:
    """Round tick values inside [lo, hi] and their d3 format.

    The step is the smallest of m · 10^e (m in 1, 2, 2.5, 5) that gives at most
    ``target`` intervals over hi − lo; ticks are the multiples of the step in
    [lo, hi].  [-6, 6] gives -6, -5, …, 6 (Playground's axis) with format "d".
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"nice_ticks: need finite lo < hi, got lo={lo!r}, hi={hi!r}")
    span = hi - lo
    magnitude = 10.0 ** math.floor(math.log10(span / target))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = m * magnitude
        if span / step <= target + 1e-9:
            break
    # the step's decimals: 2.5 has one more than 2 or 5 (0.25: 2), 25 and 250 have none
    decimals = max(0, -math.floor(math.log10(step) + 1e-9) + (1 if m == 2.5 else 0))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = np.round(np.arange(first, last + 1) * step, decimals + 3)
    return ticks, ("d" if decimals == 0 else f".{decimals}f")


def _plot_rect(width: float, height: float) -> tuple[float, float, float, float]:
    """(left, top, plot width, plot height) of the heatmap's plot area in figure px."""
    return (_MARGIN["left"], _MARGIN["top"], width - _MARGIN["left"] - _MARGIN["right"],
            height - _MARGIN["top"] - _MARGIN["bottom"])


def pixel_to_data(px: float, py: float, domain=PLAYGROUND_DOMAIN, width: float = HEATMAP_SIZE,
                  height: float = HEATMAP_HEIGHT) -> tuple[float, float] | None:
    """The data point under figure pixel (px, py), or None outside the plot area.

    (px, py) are px from the heatmap figure's top-left corner, y down (as a DOM
    event gives them).  With the plot area at (left, top) of size w × h and the
    domain (x0, x1, y0, y1):  x = x0 + (px − left) / w · (x1 − x0) and
    y = y1 − (py − top) / h · (y1 − y0)  (the y axis points up).
    """
    px, py = float(px), float(py)
    if not (math.isfinite(px) and math.isfinite(py)):
        return None
    left, top, w, h = _plot_rect(width, height)
    u, v = (px - left) / w, (py - top) / h
    if not (0.0 <= u <= 1.0 and 0.0 <= v <= 1.0):
        return None
    x0, x1, y0, y1 = domain
    return x0 + u * (x1 - x0), y1 - v * (y1 - y0)


def data_to_pixel(x: float, y: float, domain=PLAYGROUND_DOMAIN, width: float = HEATMAP_SIZE,
                  height: float = HEATMAP_HEIGHT) -> tuple[float, float]:
    """The figure pixel (px, py) of data point (x, y): the inverse of :func:`pixel_to_data`."""
    left, top, w, h = _plot_rect(width, height)
    x0, x1, y0, y1 = domain
    return left + (x - x0) / (x1 - x0) * w, top + (y1 - y) / (y1 - y0) * h


def _point_colors(labels: np.ndarray, num_classes: int | None) -> list[str]:
    """Fill colour of each data point: class colours, or the quantized palette of the label."""
    if num_classes is not None and num_classes > 2:
        return [_render.CATEGORICAL_HEX[int(k)] for k in labels]
    return [_render.QUANTIZED_HEX[i] for i in _render.bucket_index(labels)]


class StatusLine(widgets.HTML):
    """A one-line message: divergence, errors, bad input.  Empty when all is well."""

    KINDS = ("info", "warning", "error")

    def __init__(self):
        super().__init__("")
        self.add_class("nbp-status")
        self._text = ""
        self._kind = "info"

    @property
    def text(self) -> str:
        """The message as plain text ("" when there is none)."""
        return self._text

    @property
    def kind(self) -> str:
        return self._kind

    def show(self, text: str, kind: str = "info") -> None:
        """Show ``text`` (plain text; it is escaped) styled as ``kind``."""
        if kind not in self.KINDS:
            raise ValueError(f"kind={kind!r}: must be one of {', '.join(self.KINDS)}")
        self._text, self._kind = str(text), kind
        self.value = (f'<span class="nbp-status-{kind}">{html.escape(self._text)}</span>'
                      if self._text else "")

    def clear(self) -> None:
        self.show("")


class OutputView(widgets.VBox):
    """The OUTPUT column.

    ``on_config(new_config)`` receives the Config made by the two display
    checkboxes (``show_test_data``, ``discretize``).  ``on_add_point(x, y,
    label)`` receives a click on the heatmap while "Add points" is on (data
    coordinates; the label in the engine's convention: -1/+1, the class
    number 0..K-1, or the value for regression), ``on_clear_points()`` the
    "Clear points" button; without ``on_add_point`` the point editor is not
    shown.
    """

    def __init__(self, config: Config, *, on_config: Callable[[Config], None],
                 on_add_point: Callable[[float, float, float], None] | None = None,
                 on_clear_points: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self._config = config
        self._on_config = on_config
        self._on_add_point = on_add_point
        self._on_clear_points = on_clear_points
        self._clock = clock
        self._syncing = False
        self._data = None
        self._domain = PLAYGROUND_DOMAIN
        self._classes = None            # (problem, num_classes, names) of the picker
        self._legend_key = None
        self._last_chart = -math.inf     # clock time of the last chart update
        self._pending_curve = None       # a curve held back by the chart's rate limit
        self._pending_readouts = None    # readouts held back with it
        #: bytes of the PNG(s) sent by the last update (for tests and benchmarks)
        self.last_sent_bytes = 0
        self.frames = 0
        #: loss-chart updates sent so far
        self.chart_updates = 0

        # -- readouts -------------------------------------------------------------------
        title = widgets.HTML('<div class="nbp-heading">Output</div>')
        self.test_loss = widgets.HTML("")
        self.test_loss.add_class("nbp-test-loss")
        self.test_loss.add_class("nbp-readout")
        self.train_loss = widgets.HTML("")
        self.train_loss.add_class("nbp-train-loss")
        self.train_loss.add_class("nbp-readout")
        self.accuracy = widgets.HTML("")
        self.accuracy.add_class("nbp-accuracy")
        self.accuracy.add_class("nbp-readout")
        readouts = widgets.VBox([title, self.test_loss, self.train_loss, self.accuracy],
                                layout=widgets.Layout(width="165px"))

        # -- loss chart -----------------------------------------------------------------
        self._chart_x = bqplot.LinearScale(min=0.0, max=1.0)
        self._chart_y = bqplot.LinearScale(min=0.0, max=1.0)
        self.loss_lines = bqplot.Lines(
            x=np.zeros(0, np.float32), y=np.zeros((2, 0), np.float32),
            scales={"x": self._chart_x, "y": self._chart_y},
            colors=[TRAIN_LOSS_COLOR, TEST_LOSS_COLOR], stroke_width=1.5)
        self.loss_chart = bqplot.Figure(
            marks=[self.loss_lines], axes=[], animation_duration=0,
            fig_margin={"top": 3, "bottom": 3, "left": 2, "right": 2},
            padding_x=0.0, padding_y=0.0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            display_toolbar=False,
            layout=widgets.Layout(width="130px", height="55px", margin="0", padding="0"))
        self.loss_chart.add_class("nbp-loss-chart")
        header = widgets.HBox([readouts, self.loss_chart],
                              layout=widgets.Layout(justify_content="space-between",
                                                    align_items="flex-end"))
        header.add_class("nbp-output-header")

        # -- heatmap --------------------------------------------------------------------
        x0, x1, y0, y1 = self._domain
        # no padding: the domain fills the plot area exactly (bqplot would otherwise pad
        # the scales by the dots' radius), as pixel_to_data assumes
        self._sx = bqplot.LinearScale(min=x0, max=x1, allow_padding=False)
        self._sy = bqplot.LinearScale(min=y0, max=y1, allow_padding=False)
        scales = {"x": self._sx, "y": self._sy}
        self._buffers = (widgets.Image(format="url"), widgets.Image(format="url"))
        self._front = 0
        hx, hy = self._half_cells(self._domain)
        self.heatmap_image = bqplot.Image(
            image=self._buffers[0], x=(x0 - hx, x1 + hx), y=(y0 - hy, y1 + hy), scales=scales,
            pixelated=bool(config.discretize))
        self.train_points = bqplot.Scatter(
            x=np.zeros(0), y=np.zeros(0), scales=scales, default_size=30,
            stroke="#ffffff", stroke_width=1.0, colors=[_render.GREY])
        self.test_points = bqplot.Scatter(
            x=np.zeros(0), y=np.zeros(0), scales=scales, default_size=30,
            stroke="#333333", stroke_width=1.0, colors=[_render.GREY],
            visible=config.show_test_data)
        ticks, fmt = nice_ticks(x0, x1)
        axis_style = {"font-size": "9px"}
        self._x_axis = bqplot.Axis(scale=self._sx, side="bottom", tick_values=ticks,
                                   tick_format=fmt, grid_lines="none", tick_style=axis_style)
        self._y_axis = bqplot.Axis(scale=self._sy, side="right", tick_values=ticks,
                                   tick_format=fmt, grid_lines="none", tick_style=axis_style)
        self.heatmap = bqplot.Figure(
            marks=[self.heatmap_image, self.train_points, self.test_points],
            axes=[self._x_axis, self._y_axis], animation_duration=0,
            fig_margin=dict(_MARGIN), padding_x=0.0, padding_y=0.0, min_aspect_ratio=0.01,
            max_aspect_ratio=100, display_toolbar=False,
            layout=widgets.Layout(width=f"{HEATMAP_SIZE}px", height=f"{HEATMAP_HEIGHT}px",
                                  margin="0", padding="0"))
        self.heatmap.add_class("nbp-heatmap")

        # -- legend and checkboxes ------------------------------------------------------
        self.legend = widgets.HTML("")
        self._set_legend(None, ())
        self.show_test_data = widgets.Checkbox(value=config.show_test_data,
                                               description="Show test data", indent=False,
                                               layout=widgets.Layout(width="auto"))
        self.show_test_data.add_class("nbp-show-test-data")
        self.discretize = widgets.Checkbox(value=config.discretize,
                                           description="Discretize output", indent=False,
                                           layout=widgets.Layout(width="auto"))
        self.discretize.add_class("nbp-discretize")
        checkboxes = widgets.HBox([self.show_test_data, self.discretize])
        checkboxes.add_class("nbp-checkboxes")
        self.show_test_data.observe(self._on_checkbox, "value")
        self.discretize.observe(self._on_checkbox, "value")

        # -- point editor -----------------------------------------------------------------
        self.add_points = widgets.ToggleButton(
            value=False, description="Add points", icon="plus",
            tooltip="Click on the heatmap to add a point of the chosen class",
            layout=widgets.Layout(width="auto"))
        self.add_points.add_class("nbp-add-points")
        self.clear_points = widgets.Button(
            description="Clear points", icon="trash",
            tooltip="Remove every point and start drawing from an empty picture",
            layout=widgets.Layout(width="auto"))
        self.clear_points.add_class("nbp-clear-points")
        self.point_class = widgets.ToggleButtons(options=[("orange (\u22121)", -1.0),
                                                          ("blue (+1)", 1.0)],
                                                 value=1.0, tooltips=[],
                                                 style={"button_width": "auto"})
        self.point_class.add_class("nbp-point-class")
        self.point_value = widgets.FloatText(value=1.0, description="value",
                                             tooltip="Label of the next point",
                                             layout=widgets.Layout(width="150px"))
        self.point_value.add_class("nbp-point-value")
        self._point_options = widgets.HBox([self.point_class, self.point_value])
        self._point_options.add_class("nbp-point-options")
        self.point_editor = widgets.VBox(
            [widgets.HBox([self.add_points, self.clear_points]), self._point_options])
        self.point_editor.add_class("nbp-point-editor")
        self.add_points.observe(self._on_add_toggle, "value")
        self.clear_points.on_click(lambda _: self._clear())
        self._events = []
        if ipyevents is not None:
            clicks = ipyevents.Event(source=self.heatmap, watched_events=["click"])
            clicks.on_dom_event(self._on_heatmap_event)
            self._events = [clicks]

        super().__init__([header, self.heatmap, self.legend, checkboxes, self.point_editor])
        self.add_class("nbp-output-column")
        #: what each hide name hides in this column
        self._hideable = {
            "showTestData": [self.show_test_data],
            "discretize": [self.discretize],
            "percTrainData": [self.test_loss],   # as Playground: same class on both
            "accuracy": [self.accuracy],
            "lossChart": [self.loss_chart],
            "dataset": [self.point_editor],      # choosing data includes drawing it
        }
        self._owned = [title, readouts, header, self._x_axis, self._y_axis, self._sx,
                       self._sy, self._chart_x, self._chart_y, checkboxes, *self._buffers,
                       *self.point_editor.children, self.add_points, self.clear_points,
                       self.point_class, self.point_value, self._point_options,
                       self.point_editor, *self._events]
        self.set_point_classes("classification", 2)
        self._show_options()
        self.sync(config)

    # -- config -----------------------------------------------------------------------

    def _on_checkbox(self, change) -> None:
        if self._syncing:
            return
        field = "show_test_data" if change["owner"] is self.show_test_data else "discretize"
        self._on_config(self._config.replace(**{field: bool(change["new"])}))

    def sync(self, config: Config) -> None:
        """Show ``config``'s display settings, without calling back."""
        self._config = config
        self._syncing = True
        try:
            self.show_test_data.value = config.show_test_data
            self.discretize.value = config.discretize
            self.test_points.visible = config.show_test_data
            # smooth, as Playground's canvas; "discretize" shows crisp cells
            if self.heatmap_image.pixelated != bool(config.discretize):
                self.heatmap_image.pixelated = bool(config.discretize)
        finally:
            self._syncing = False
        self.set_hidden(config.hide)

    def set_hidden(self, hide: frozenset) -> None:
        """Hide (``display: none``) the parts named in ``hide``.

        ``"dataset"`` also hides the point editor (and turns "Add points" off);
        without an ``on_add_point`` callback the editor is never shown.
        """
        for name, parts in self._hideable.items():
            for part in parts:
                part.layout.display = "none" if name in hide else None
        if self._on_add_point is None:
            self.point_editor.layout.display = "none"
        if self.point_editor.layout.display == "none" and self.add_points.value:
            self.add_points.value = False

    # -- the view domain ----------------------------------------------------------------

    @property
    def domain(self) -> tuple:
        """The view domain (xmin, xmax, ymin, ymax) of the heatmap."""
        return self._domain

    @staticmethod
    def _half_cells(domain) -> tuple[float, float]:
        """Half a grid cell in x and y: the picture extends this far past the domain so
        that pixel i is centred on grid point x_i = x0 + (x1 - x0) i / 99 (docs/playground.md §8.2)."""
        x0, x1, y0, y1 = domain
        return (x1 - x0) / (DENSITY - 1) / 2, (y1 - y0) / (DENSITY - 1) / 2

    def set_domain(self, domain) -> None:
        """Show the view domain (xmin, xmax, ymin, ymax): scales, picture extent, ticks.

        Call before :meth:`set_data` (points outside the domain are not drawn).
        """
        domain = tuple(float(v) for v in domain)
        if len(domain) != 4 or not (domain[0] < domain[1] and domain[2] < domain[3]):
            raise ValueError(f"domain={domain!r}: must be (xmin, xmax, ymin, ymax) with "
                             f"xmin < xmax and ymin < ymax")
        if domain == self._domain:
            return
        self._domain = domain
        x0, x1, y0, y1 = domain
        hx, hy = self._half_cells(domain)
        with self._sx.hold_sync():
            self._sx.min, self._sx.max = x0, x1
        with self._sy.hold_sync():
            self._sy.min, self._sy.max = y0, y1
        with self.heatmap_image.hold_sync():
            self.heatmap_image.x = (x0 - hx, x1 + hx)
            self.heatmap_image.y = (y0 - hy, y1 + hy)
        for axis, (lo, hi) in ((self._x_axis, (x0, x1)), (self._y_axis, (y0, y1))):
            ticks, fmt = nice_ticks(lo, hi)
            with axis.hold_sync():
                axis.tick_values = ticks
                axis.tick_format = fmt

    # -- data points ------------------------------------------------------------------

    def set_data(self, data, num_classes: int | None, class_names=None) -> None:
        """Send the training and test points (call only when the data change).

        ``data`` has ``train_x``, ``train_y``, ``test_x``, ``test_y``; labels in
        the engine's convention.  Points outside the view domain are not drawn
        (they still train).  ``class_names`` label the legend's swatches when
        there are more than two classes (default 0..K-1).
        """
        self._data = data
        x0, x1, y0, y1 = self._domain
        for mark, xy, labels in ((self.train_points, data.train_x, data.train_y),
                                 (self.test_points, data.test_x, data.test_y)):
            xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
            labels = np.asarray(labels)
            inside = ((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                      & (xy[:, 1] <= y1))
            xy, labels = xy[inside], labels[inside]
            with mark.hold_sync():
                mark.x = xy[:, 0].astype(np.float32)
                mark.y = xy[:, 1].astype(np.float32)
                mark.colors = _point_colors(labels, num_classes) or [_render.GREY]
        self._set_legend(num_classes, class_names)

    def _set_legend(self, num_classes: int | None, class_names) -> None:
        """The colour legend: Playground's -1..1 gradient, or one swatch per class."""
        k = num_classes or 2
        names = tuple(class_names or ()) if k > 2 else ()
        key = (k, names) if k > 2 else None
        if key == self._legend_key and self.legend.value:
            return
        self._legend_key = key
        if k > 2:
            names = names if len(names) == k else tuple(range(k))
            swatches = "".join(
                f'<span class="nbp-legend-class"><span class="nbp-legend-swatch" '
                f'style="background:{_render.CATEGORICAL_HEX[i]}"></span>'
                f'{html.escape(str(names[i]))}</span>' for i in range(k))
            self.legend.value = (
                '<div class="nbp-legend">'
                '<div class="nbp-legend-caption">Colors show the class; paler means less '
                'sure.</div>'
                f'<div class="nbp-legend-classes">{swatches}</div></div>')
            return
        stops = ", ".join(_render.QUANTIZED_HEX)
        self.legend.value = (
            '<div class="nbp-legend">'
            '<div class="nbp-legend-caption">Colors shows data, neuron and weight values.</div>'
            '<div class="nbp-legend-bar">'
            f'<div class="nbp-legend-gradient" style="background: linear-gradient(to right, '
            f'{stops});"></div>'
            '<div class="nbp-legend-ticks"><span>-1</span><span>0</span><span>1</span></div>'
            '</div></div>')

    # -- point editor -----------------------------------------------------------------

    def set_point_classes(self, problem: str, num_classes: int | None,
                          class_names=None) -> None:
        """Offer the labels of the next point: two classes "orange (−1)" / "blue (+1)",
        K classes one button each (0..K-1, named by ``class_names``), regression a value."""
        names = tuple(class_names or ())
        key = (problem, num_classes, names)
        if key == self._classes:
            return
        self._classes = key
        if problem == "regression":
            self._show_options()
            return
        k = num_classes or 2
        if k == 2:
            shown = names if len(names) == 2 and tuple(names) != (-1, 1) else ("\u22121", "+1")
            options = [(f"orange ({shown[0]})", -1.0), (f"blue ({shown[1]})", 1.0)]
        else:
            shown = names if len(names) == k else tuple(range(k))
            options = [(str(shown[i]), float(i)) for i in range(k)]
        old = self.point_class.value
        values = [v for _, v in options]
        with self.point_class.hold_sync():
            self.point_class.options = options
            self.point_class.value = old if old in values else values[-1 if k == 2 else 0]
        for i in range(1, 9):
            self.point_class.remove_class(f"nbp-classes-{i}")
        self.point_class.add_class(f"nbp-classes-{k}")
        self._show_options()

    def _show_options(self) -> None:
        regression = self._classes is not None and self._classes[0] == "regression"
        self.point_class.layout.display = "none" if regression else None
        self.point_value.layout.display = None if regression else "none"
        self._point_options.layout.display = None if self.add_points.value else "none"
        self.clear_points.layout.display = None if self.add_points.value else "none"

    @property
    def point_label(self) -> float:
        """The label the next added point gets (engine convention)."""
        if self._classes is not None and self._classes[0] == "regression":
            return float(self.point_value.value)
        return float(self.point_class.value)

    @property
    def adding(self) -> bool:
        """True while clicks on the heatmap add points."""
        return bool(self.add_points.value)

    def _on_add_toggle(self, change) -> None:
        if change["new"]:
            self.heatmap.add_class("nbp-adding")
        else:
            self.heatmap.remove_class("nbp-adding")
        self._show_options()

    def _clear(self) -> None:
        if self._on_clear_points is not None:
            self._on_clear_points()

    def heatmap_click(self, px: float, py: float,
                      size: tuple[float, float] | None = None) -> tuple[float, float] | None:
        """A click at figure pixel (px, py) (``size``: the figure's size on screen, if
        scaled): adds a point there while "Add points" is on.  Returns the data
        point added, or None (editing off, or outside the plot area)."""
        if self._on_pick is not None:  # Step inside: the click picks a point instead
            return self._pick(px, py, size)
        if not self.adding or self._on_add_point is None:
            return None
        width, height = size if size is not None else (HEATMAP_SIZE, HEATMAP_HEIGHT)
        point = pixel_to_data(px, py, self._domain, width, height)
        if point is None:
            return None
        label = self.point_label
        if not math.isfinite(label):
            return None
        self._on_add_point(point[0], point[1], label)
        return point

    def _on_heatmap_event(self, event: dict) -> None:
        if event.get("type") != "click":
            return
        w = float(event.get("boundingRectWidth") or HEATMAP_SIZE)
        h = float(event.get("boundingRectHeight") or HEATMAP_HEIGHT)
        # a figure scaled by CSS: map back to layout px (the margins are layout px)
        px = float(event.get("relativeX", math.nan)) * HEATMAP_SIZE / w
        py = float(event.get("relativeY", math.nan)) * HEATMAP_HEIGHT / h
        self.heatmap_click(px, py)

    # -- Step inside: the mini-batch's points, one of them followed ------------------------

    _on_pick = None  # callable(x, y) while clicks pick a point (Step inside), else None

    def set_pick(self, on_pick) -> None:
        """While ``on_pick`` is a callable, a click on the heatmap calls ``on_pick(x, y)``
        with the clicked point in data coordinates and adds no point ("Add points"
        works again after ``set_pick(None)``)."""
        if on_pick is not None and not callable(on_pick):
            raise TypeError(f"on_pick must be callable or None; got {on_pick!r}")
        self._on_pick = on_pick

    def _pick(self, px: float, py: float, size) -> tuple[float, float] | None:
        width, height = size if size is not None else (HEATMAP_SIZE, HEATMAP_HEIGHT)
        point = pixel_to_data(px, py, self._domain, width, height)
        if point is not None:
            self._on_pick(point[0], point[1])
        return point

    def show_batch(self, batch_xy, chosen_xy=None) -> None:
        """Ring the points of a mini-batch (``batch_xy`` (n, 2), data coordinates) and,
        with a bigger ring, the one followed (``chosen_xy``); :meth:`clear_batch` removes
        the rings."""
        marks = getattr(self, "_batch_marks", None)
        if marks is None:
            scales = self.heatmap_image.scales
            marks = self._batch_marks = (
                bqplot.Scatter(x=np.zeros(0), y=np.zeros(0), scales=scales, marker="circle",
                               default_size=120, fill=False, stroke="#000000",
                               stroke_width=1.5, colors=["#000000"]),
                bqplot.Scatter(x=np.zeros(1), y=np.zeros(1), scales=scales, marker="circle",
                               default_size=360, fill=False, stroke="#000000",
                               stroke_width=3.0, colors=["#000000"]))
            self._owned.extend(marks)
        xy = np.asarray(batch_xy, dtype=np.float64).reshape(-1, 2)
        with marks[0].hold_sync(), marks[1].hold_sync():
            marks[0].x, marks[0].y = xy[:, 0].astype(np.float32), xy[:, 1].astype(np.float32)
            if chosen_xy is not None:
                marks[1].x = np.array([chosen_xy[0]], np.float32)
                marks[1].y = np.array([chosen_xy[1]], np.float32)
            marks[1].visible = chosen_xy is not None
        if not any(m is marks[0] for m in self.heatmap.marks):
            self.heatmap.marks = [*self.heatmap.marks, *marks]

    def clear_batch(self) -> None:
        """Remove the rings of :meth:`show_batch`."""
        marks = getattr(self, "_batch_marks", None)
        if marks is not None:
            kept = [m for m in self.heatmap.marks if not any(m is b for b in marks)]
            if len(kept) != len(self.heatmap.marks):
                self.heatmap.marks = kept

    @property
    def batch_shown(self):
        """``(batch points (n, 2), chosen point (2,) or None)`` ringed on the heatmap, or None."""
        marks = getattr(self, "_batch_marks", None)
        if marks is None or not any(m is marks[0] for m in self.heatmap.marks):
            return None
        batch = np.column_stack([np.asarray(marks[0].x), np.asarray(marks[0].y)])
        chosen = (np.array([marks[1].x[0], marks[1].y[0]], np.float64)
                  if marks[1].visible else None)
        return batch, chosen

    # -- frames -----------------------------------------------------------------------

    def update(self, frame, config: Config, heatmap=None, *, live: bool = False) -> None:
        """Draw one frame: readouts, loss chart and heatmap.

        ``heatmap`` is a (H, W) grid to show instead of the output (a hovered
        node's); None shows ``frame.output``.  ``live`` (a frame while playing)
        redraws the loss chart only if :data:`CHART_INTERVAL` has passed since
        its last update; the curve is otherwise kept for :meth:`flush_chart`.
        """
        self._config = config
        readouts = (frame.test_loss, frame.train_loss, frame.test_accuracy,
                    frame.train_accuracy)
        # the readouts and the chart change with the chart's rate while playing: three
        # numbers redrawn 30 times a second cost the browser a layout each and cannot
        # be read anyway; the last values are drawn by flush_chart (pause)
        now = self._clock()
        if live and now - self._last_chart < CHART_INTERVAL:
            self._pending_curve = frame.curve
            self._pending_readouts = readouts
        else:
            self._set_readouts(*readouts)
            if frame.curve:
                self._update_chart(frame.curve)
        self.show_grid(frame.output if heatmap is None else heatmap, config.discretize)
        self.frames += 1

    def _set_readouts(self, test_loss, train_loss, test_accuracy, train_accuracy) -> None:
        self._pending_readouts = None
        self._set_text(self.test_loss, f"Test loss {format_loss(test_loss)}")
        self._set_text(self.train_loss, f"Training loss {format_loss(train_loss)}")
        # test first, as the losses above (Playground: "Test loss", then "Training loss")
        self._set_text(self.accuracy, (
            f'<span title="test / training accuracy">Accuracy '
            f'<span class="nbp-test-accuracy">{format_accuracy(test_accuracy)}</span>'
            f' / <span class="nbp-train-accuracy">{format_accuracy(train_accuracy)}'
            f'</span></span>' if train_accuracy is not None else ""))

    @staticmethod
    def _set_text(widget, text: str) -> None:
        if widget.value != text:   # an unchanged text sends nothing
            widget.value = text

    def clear_readouts(self) -> None:
        """No network trains on what is shown (points being drawn): no loss, no
        accuracy, an empty chart, rather than the numbers of data that are gone."""
        self.test_loss.value = f"Test loss {format_loss(None)}"
        self.train_loss.value = f"Training loss {format_loss(None)}"
        self.accuracy.value = ""
        self._pending_curve = self._pending_readouts = None
        self._last_chart = -math.inf
        with self.loss_lines.hold_sync():
            self.loss_lines.x = np.zeros(0, np.float32)
            self.loss_lines.y = np.zeros((2, 0), np.float32)

    @property
    def chart_pending(self) -> bool:
        """True when a curve (or readouts) wait for :meth:`flush_chart`."""
        return self._pending_curve is not None or self._pending_readouts is not None

    def flush_chart(self) -> None:
        """Draw the curve and readouts held back by the chart's rate limit (nothing if
        none)."""
        if self._pending_readouts is not None:
            self._set_readouts(*self._pending_readouts)
        if self._pending_curve is not None:
            self._update_chart(self._pending_curve)

    def _update_chart(self, curve) -> None:
        self._pending_curve = None
        self._last_chart = self._clock()
        epochs, train, test = curve
        epochs = np.asarray(epochs)
        y = np.vstack([train, test])
        if len(epochs) > CHART_POINTS:
            pick = np.unique(np.linspace(0, len(epochs) - 1, CHART_POINTS).round()
                             .astype(np.intp))
            epochs, y = epochs[pick], y[:, pick]
        # A diverged run ends in inf/NaN (or losses beyond float32): draw the points
        # that are finite in float32 only (bqplot would place its curve labels at NaN
        # and the browser complains).
        keep = (np.abs(y) < np.finfo(np.float32).max).all(axis=0)
        if not keep.all():
            y, epochs = y[:, keep], epochs[keep]
        y = y.astype(np.float32)
        if y.size:
            y_min, y_max = float(y.min()), float(y.max())
        else:
            y_min, y_max = 0.0, 1.0
        if y_max - y_min < 1e-9:
            pad = max(abs(y_max) * 0.05, 1e-3)
            y_min, y_max = y_min - pad, y_max + pad
        x_max = float(epochs[-1]) if len(epochs) else 1.0
        with self._chart_x.hold_sync():
            self._chart_x.min = 0.0
            self._chart_x.max = max(x_max, 1.0)
        with self._chart_y.hold_sync():
            self._chart_y.min = y_min
            self._chart_y.max = y_max
        with self.loss_lines.hold_sync():
            self.loss_lines.x = epochs.astype(np.float32)
            self.loss_lines.y = y
        self.chart_updates += 1

    def heatmap_png(self, values, discretize: bool) -> bytes:
        """The PNG of a (H, W) grid, or of (K, H, W) class probabilities."""
        values = np.asarray(values)
        if values.ndim == 3:
            if discretize:
                # the winning class at full strength
                winner = values.argmax(axis=0)
                one_hot = (np.arange(values.shape[0])[:, None, None] == winner).astype(
                    np.float32)
                one_hot[:, np.isnan(values).any(axis=0)] = np.nan
                values = one_hot
            return _render.class_heatmap_png(values)
        return _render.heatmap_png(values, discretize)

    def show_grid(self, values, discretize: bool) -> None:
        """Put the picture of ``values`` in the heatmap (double-buffered)."""
        self.show_png(self.heatmap_png(values, discretize))

    def show_png(self, png: bytes) -> None:
        """Show ``png`` in the heatmap; nothing is sent if it is already shown."""
        url = _render.png_data_url(png).encode("ascii")
        front = self._buffers[self._front]
        if front.value == url and self.heatmap_image.image is front:
            self.last_sent_bytes = 0
            return
        back_index = 1 - self._front
        back = self._buffers[back_index]
        back.value = url
        self.heatmap_image.image = back
        self._front = back_index
        self.last_sent_bytes = len(url)

    @property
    def heatmap_bytes(self) -> bytes:
        """The PNG currently shown in the heatmap."""
        return png_of(self.heatmap_image.image)

    # -- life -------------------------------------------------------------------------

    def close(self) -> None:
        """Close this column and every widget it made."""
        for w in (self.test_loss, self.train_loss, self.accuracy, self.loss_lines,
                  self.loss_chart, self.heatmap_image, self.train_points, self.test_points,
                  self.heatmap, self.legend, self.show_test_data, self.discretize,
                  *self._owned):
            w.close()
        super().close()

