"""The OUTPUT column: loss readouts, loss chart, decision heatmap, legend, checkboxes.

What it shows (spec sections 7 and 8):

* "Test loss 0.483" (black) and "Training loss 0.462" (grey ``#777``), three
  decimals; for classification also "Accuracy 97.2% / 95.0%" (training /
  test);
* the loss chart: a ~55 px bqplot sparkline, test loss black and training
  loss grey, 1.5 px, no axes, x = epoch, y scaled to [min, max] of the curve
  since the last reset;
* the decision heatmap: a bqplot ``Image`` mark over [-6, 6]² showing the
  output grid (or a hovered node's grid) as an indexed PNG, x axis at the
  bottom and y axis on the right; training points (white outline) and, with
  "Show test data", test points (dark outline) as ``Scatter`` marks coloured
  by label with the quantized palette;
* the colour legend, and the "Show test data" / "Discretize output" boxes.

The heatmap double-buffers two ``ipywidgets.Image`` widgets: bqplot redraws an
``Image`` mark only when its ``image`` trait is given *another* Image widget,
so each new picture is written into the hidden buffer, which is then
assigned to the mark.  A picture identical to the one shown is not sent.
Data points are re-sent only when :meth:`OutputView.set_data` is called
(when the data change), never per frame.

:class:`StatusLine` is the one-line message area under the widget.
"""

from __future__ import annotations

import html
import math
from typing import Callable

import bqplot
import ipywidgets as widgets
import numpy as np

from .. import render as _render
from ..config import Config
from ..trainer import DOMAIN, DENSITY

__all__ = ["OutputView", "StatusLine", "format_loss", "format_accuracy",
           "HEATMAP_SIZE", "TEST_LOSS_COLOR", "TRAIN_LOSS_COLOR"]

TEST_LOSS_COLOR = "#000000"
TRAIN_LOSS_COLOR = "#777777"
#: Outer size of the heatmap figure in px (the plot itself is a square inside).
HEATMAP_SIZE = 300
_MARGIN = {"top": 4, "bottom": 22, "left": 4, "right": 26}
#: Half a grid cell: the image extends this far past [-6, 6] so that pixel i is
#: centred on the grid point x_i = -6 + 12 i / 99 (spec 8.2), like the data points.
_HALF_CELL = (DOMAIN[1] - DOMAIN[0]) / (DENSITY - 1) / 2


def format_loss(value: float) -> str:
    """Three decimals, as Playground's ``toFixed(3)``; "NaN"/"Infinity" when diverged."""
    if value is None:
        return "–"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.3f}"


def format_accuracy(value: float | None) -> str:
    """A fraction as a percentage with one decimal: 0.972 -> "97.2%"."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{100 * value:.1f}%"


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
    checkboxes (``show_test_data``, ``discretize``).
    """

    def __init__(self, config: Config, *, on_config: Callable[[Config], None]):
        self._config = config
        self._on_config = on_config
        self._syncing = False
        self._data = None
        #: bytes of the PNG(s) sent by the last update (for tests and benchmarks)
        self.last_sent_bytes = 0
        self.frames = 0

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
            layout=widgets.Layout(width="130px", height="55px", margin="0", padding="0"))
        self.loss_chart.add_class("nbp-loss-chart")
        header = widgets.HBox([readouts, self.loss_chart],
                              layout=widgets.Layout(justify_content="space-between",
                                                    align_items="flex-end"))

        # -- heatmap --------------------------------------------------------------------
        lo, hi = DOMAIN
        sx = bqplot.LinearScale(min=lo, max=hi)
        sy = bqplot.LinearScale(min=lo, max=hi)
        self._buffers = (widgets.Image(format="png"), widgets.Image(format="png"))
        self._front = 0
        self.heatmap_image = bqplot.Image(
            image=self._buffers[0], x=(lo - _HALF_CELL, hi + _HALF_CELL),
            y=(lo - _HALF_CELL, hi + _HALF_CELL), scales={"x": sx, "y": sy})
        self.train_points = bqplot.Scatter(
            x=np.zeros(0), y=np.zeros(0), scales={"x": sx, "y": sy}, default_size=30,
            stroke="#ffffff", stroke_width=1.0, colors=[_render.GREY])
        self.test_points = bqplot.Scatter(
            x=np.zeros(0), y=np.zeros(0), scales={"x": sx, "y": sy}, default_size=30,
            stroke="#333333", stroke_width=1.0, colors=[_render.GREY],
            visible=config.show_test_data)
        ticks = list(range(int(lo), int(hi) + 1))
        axis_style = {"font-size": "9px"}
        x_axis = bqplot.Axis(scale=sx, side="bottom",
                             tick_values=ticks, tick_format="d", grid_lines="none",
                             tick_style=axis_style)
        y_axis = bqplot.Axis(scale=sy, side="right",
                             tick_values=ticks, tick_format="d", grid_lines="none",
                             tick_style=axis_style)
        plot = HEATMAP_SIZE - _MARGIN["left"] - _MARGIN["right"]
        self.heatmap = bqplot.Figure(
            marks=[self.heatmap_image, self.train_points, self.test_points],
            axes=[x_axis, y_axis], animation_duration=0, fig_margin=dict(_MARGIN),
            padding_x=0.0, padding_y=0.0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=widgets.Layout(width=f"{HEATMAP_SIZE}px",
                                  height=f"{plot + _MARGIN['top'] + _MARGIN['bottom']}px",
                                  margin="0", padding="0"))
        self.heatmap.add_class("nbp-heatmap")

        # -- legend and checkboxes ------------------------------------------------------
        stops = ", ".join(_render.QUANTIZED_HEX)
        self.legend = widgets.HTML(
            '<div class="nbp-legend">'
            '<div class="nbp-legend-caption">Colors shows data, neuron and weight values.</div>'
            '<div class="nbp-legend-bar">'
            f'<div class="nbp-legend-gradient" style="background: linear-gradient(to right, '
            f'{stops});"></div>'
            '<div class="nbp-legend-ticks"><span>-1</span><span>0</span><span>1</span></div>'
            '</div></div>')
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

        super().__init__([header, self.heatmap, self.legend, checkboxes])
        self.add_class("nbp-output-column")
        #: what each hide name hides in this column
        self._hideable = {
            "showTestData": [self.show_test_data],
            "discretize": [self.discretize],
            "percTrainData": [self.test_loss],   # as Playground: same class on both
            "accuracy": [self.accuracy],
            "lossChart": [self.loss_chart],
        }
        self._owned = [title, readouts, header, x_axis, y_axis, sx, sy, self._chart_x,
                       self._chart_y, checkboxes, *self._buffers]
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
        finally:
            self._syncing = False
        self.set_hidden(config.hide)

    def set_hidden(self, hide: frozenset) -> None:
        """Hide (``display: none``) the parts named in ``hide``."""
        for name, parts in self._hideable.items():
            for part in parts:
                part.layout.display = "none" if name in hide else None

    # -- data points ------------------------------------------------------------------

    def set_data(self, data, num_classes: int | None) -> None:
        """Send the training and test points (call only when the data change).

        Points outside the view [-6, 6]² are not drawn (they still train).
        """
        self._data = data
        lo, hi = DOMAIN
        for mark, xy, labels in ((self.train_points, data.train_x, data.train_y),
                                 (self.test_points, data.test_x, data.test_y)):
            inside = np.all((xy >= lo) & (xy <= hi), axis=1)
            xy, labels = xy[inside], labels[inside]
            with mark.hold_sync():
                mark.x = xy[:, 0].astype(np.float32)
                mark.y = xy[:, 1].astype(np.float32)
                mark.colors = _point_colors(labels, num_classes) or [_render.GREY]

    # -- frames -----------------------------------------------------------------------

    def update(self, frame, config: Config, heatmap=None) -> None:
        """Draw one frame: readouts, loss chart and heatmap.

        ``heatmap`` is a (H, W) grid to show instead of the output (a hovered
        node's); None shows ``frame.output``.
        """
        self._config = config
        self.test_loss.value = f"Test loss {format_loss(frame.test_loss)}"
        self.train_loss.value = f"Training loss {format_loss(frame.train_loss)}"
        classification = frame.train_accuracy is not None
        self.accuracy.value = (
            f'<span title="training / test accuracy">Accuracy '
            f'<span class="nbp-train-accuracy">{format_accuracy(frame.train_accuracy)}</span>'
            f' / <span class="nbp-test-accuracy">{format_accuracy(frame.test_accuracy)}'
            f'</span></span>' if classification else "")
        self._update_chart(frame.curve)
        self.show_grid(frame.output if heatmap is None else heatmap, config.discretize)
        self.frames += 1

    def _update_chart(self, curve) -> None:
        if not curve:
            return
        epochs, train, test = curve
        y = np.vstack([train, test])
        # A diverged run ends in inf/NaN (or losses beyond float32): draw the points
        # that are finite in float32 only (bqplot would place its curve labels at NaN
        # and the browser complains).
        keep = (np.abs(y) < np.finfo(np.float32).max).all(axis=0)
        if not keep.all():
            y, epochs = y[:, keep], np.asarray(epochs)[keep]
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
            self.loss_lines.x = np.asarray(epochs, dtype=np.float32)
            self.loss_lines.y = y

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
        front = self._buffers[self._front]
        if front.value == png and self.heatmap_image.image is front:
            self.last_sent_bytes = 0
            return
        back_index = 1 - self._front
        back = self._buffers[back_index]
        back.value = png
        self.heatmap_image.image = back
        self._front = back_index
        self.last_sent_bytes = len(png)

    @property
    def heatmap_bytes(self) -> bytes:
        """The PNG currently shown in the heatmap."""
        return self.heatmap_image.image.value

    # -- life -------------------------------------------------------------------------

    def close(self) -> None:
        """Close this column and every widget it made."""
        for w in (self.test_loss, self.train_loss, self.accuracy, self.loss_lines,
                  self.loss_chart, self.heatmap_image, self.train_points, self.test_points,
                  self.heatmap, self.legend, self.show_test_data, self.discretize,
                  *self._owned):
            w.close()
        super().close()
