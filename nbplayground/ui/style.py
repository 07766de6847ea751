"""CSS of the Playground widget, injected once per widget through a ``<style>`` tag.

Every rule is scoped under ``.nbp-playground`` (the root widget's class), so
nothing leaks into the rest of the notebook.  Text and control colours follow
JupyterLab's theme variables (``--jp-ui-font-color1``, ``--jp-layout-color1``,
...) with Playground's colours as fallbacks; the pictures keep Playground's
palette.

The dataset-picker thumbnails are fixed pictures (drawn once from
:func:`nbplayground.datasets.thumbnail_points`), so they live in this style
sheet as CSS background images (``.nbp-dataset-<id>``): a picker button is a
plain ``ipywidgets.Button`` and costs no image message.

Stable class names (for the browser tests): see :data:`CSS_CLASSES`.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets

from .. import datasets as _datasets
from .. import render as _render
from ..config import DATASETS

__all__ = ["ROOT_CLASS", "CSS_CLASSES", "stylesheet", "style_widget", "dataset_class"]

#: Class of the root widget; every rule below is scoped by it.
ROOT_CLASS = "nbp-playground"

#: Stable class names of the parts tests and users may select.
CSS_CLASSES = {
    "root": "nbp-playground",
    "play button (also .nbp-playing while running)": "nbp-play",
    "step button": "nbp-step",
    "reset button": "nbp-reset",
    "same-start checkbox": "nbp-same-weights",
    "epoch counter text": "nbp-epoch",
    "learning-rate dropdown": "nbp-learning-rate",
    "activation dropdown": "nbp-activation",
    "regularization dropdown": "nbp-regularization",
    "regularization-rate dropdown": "nbp-regularization-rate",
    "problem-type dropdown": "nbp-problem",
    "dataset button (+ .nbp-dataset-<id>, .nbp-selected)": "nbp-dataset",
    "custom-data entry of the dataset picker (an image; also .nbp-dataset and "
    ".nbp-selected while custom data are in use)": "nbp-dataset-custom",
    "train/test ratio slider": "nbp-train-percent",
    "noise slider": "nbp-noise",
    "batch-size slider": "nbp-batch-size",
    "regenerate button": "nbp-regenerate",
    "speed dropdown": "nbp-speed",
    "optimizer dropdown": "nbp-optimizer",
    "optimizer hyperparameter input": "nbp-hp-<name>",
    "decay input": "nbp-decay",
    "initializer dropdown": "nbp-init",
    "loss dropdown": "nbp-loss",
    "test-loss readout": "nbp-test-loss",
    "training-loss readout": "nbp-train-loss",
    "accuracy readout": "nbp-accuracy",
    "loss chart (bqplot Figure)": "nbp-loss-chart",
    "output heatmap (bqplot Figure)": "nbp-heatmap",
    "colour legend": "nbp-legend",
    "show-test-data checkbox": "nbp-show-test-data",
    "discretize checkbox": "nbp-discretize",
    "point editor (hidden by the hide name 'dataset')": "nbp-point-editor",
    "add-points toggle (the heatmap also gets .nbp-adding while on)": "nbp-add-points",
    "clear-points button": "nbp-clear-points",
    "class of the next point (ToggleButtons, also .nbp-classes-<K>)": "nbp-point-class",
    "value of the next point (regression)": "nbp-point-value",
    "status line": "nbp-status",
    "weight editor row of the network panel": "nbp-weight-editor",
}


def dataset_class(dataset: str) -> str:
    """The CSS class that draws ``dataset``'s thumbnail (``nbp-dataset-<id>``)."""
    return "nbp-dataset-" + dataset


@functools.lru_cache(maxsize=1)
def _thumbnail_rules() -> str:
    """One background-image rule per dataset (fixed pictures, computed once)."""
    rules = []
    for dataset in DATASETS:
        xy, labels = _datasets.thumbnail_points(dataset)
        problem = ("multiclass" if dataset in _datasets.MULTICLASS
                   else "regression" if dataset in _datasets.REGRESSION else "classification")
        png = _render.dataset_thumbnail_png(xy, labels, problem=problem)
        rules.append(f".{ROOT_CLASS} .{dataset_class(dataset)} {{ background-image: "
                     f"url({_render.png_data_url(png)}); }}")
    return "\n".join(rules)


_CSS = """
.nbp-playground {
  --nbp-fg: var(--jp-ui-font-color1, #000);
  --nbp-fg-muted: var(--jp-ui-font-color2, #777);
  --nbp-accent: #183d4e;
  color: var(--nbp-fg);
  font-family: var(--jp-ui-font-family, "Helvetica Neue", Helvetica, Arial, sans-serif);
  max-width: 1100px;
  gap: 6px;
  --nbp-network-overlap: 10px;
  /* Playground's grey work area (#f7f7f7 on white), a shade off the page in any theme */
  --nbp-work-bg: color-mix(in srgb, var(--jp-layout-color0, #fff) 96%,
                           var(--jp-ui-font-color0, #000));
}
.nbp-playground .nbp-topbar {
  align-items: flex-end;
  flex-wrap: wrap;
  gap: 4px 18px;
  padding: 4px 0 8px 0;
  border-bottom: 1px solid var(--jp-border-color2, #ddd);
}
.nbp-playground .nbp-extras {
  align-items: flex-end;
  flex-wrap: wrap;
  gap: 4px 14px;
  padding: 0 0 6px 0;
  border-bottom: 1px solid var(--jp-border-color2, #ddd);
}
.nbp-playground .nbp-caption {
  font-size: 12px;
  line-height: 16px;
  color: var(--nbp-fg-muted);
}
.nbp-playground .nbp-heading {
  font-size: 15px;
  font-weight: 500;
  text-transform: uppercase;
  line-height: 20px;
  color: var(--nbp-fg);
}
.nbp-playground .nbp-control select,
.nbp-playground .nbp-control input {
  font-size: 13px;
}
.nbp-playground .nbp-buttons {
  align-items: center;
  gap: 6px;
}
.nbp-playground .nbp-round {
  border-radius: 50%;
  padding: 0;
  background: var(--jp-layout-color2, #eee);
  color: var(--nbp-fg);
}
.nbp-playground .nbp-play {
  width: 46px;
  height: 46px;
  font-size: 20px;
  background: var(--nbp-accent);
  color: #fff;
}
.nbp-playground .nbp-play.nbp-playing {
  background: #2c6b87;
}
.nbp-playground .nbp-reset,
.nbp-playground .nbp-step {
  width: 32px;
  height: 32px;
  font-size: 14px;
}
/* text that changes while playing lays out only itself */
.nbp-playground .nbp-epoch,
.nbp-playground .nbp-readout {
  contain: layout paint;
}
.nbp-playground .nbp-epoch {
  font-size: 24px;
  line-height: 28px;
  font-variant-numeric: tabular-nums;
  color: var(--nbp-fg);
}
.nbp-playground .nbp-epoch .widget-html-content {
  font-size: 24px;
  line-height: 28px;
}
.nbp-playground .nbp-same-weights {
  font-size: 11px;
}
/* The three columns stay side by side: when the row is too narrow, the network panel
   shrinks (its content scrolls sideways) before anything wraps; narrower still (a
   laptop with the file browser open), the DATA column moves below and the OUTPUT stays
   next to the network.  The root is the size container of these rules. */
.nbp-playground {
  container-type: inline-size;
  container-name: nbp;
}
.nbp-playground .nbp-main {
  align-items: flex-start;
  flex-wrap: nowrap;
  gap: 8px;
  padding: 8px;
  background: var(--nbp-work-bg);
  border-radius: 3px;
}
.nbp-playground .nbp-data-column {
  width: 118px;
  flex: 0 0 118px;
  gap: 2px;
}
.nbp-playground .nbp-network-column {
  flex: 0 1 auto;
  min-width: 0;
  /* the size container of the zoom rules (_network_zoom_rules): the panel shrinks to
     its column instead of hiding its right part under the OUTPUT column */
  container: nbpnet / inline-size;
  /* (the panel's Layout says overflow: visible inline) */
  overflow-x: auto !important;
  overflow-y: hidden !important;
  /* pull the OUTPUT column left so that the output links, which end at the network
     figure's right edge, meet the heatmap's plot area: 8 px gap + 4 px heatmap margin
     - 2 px widget margin = 10 px (measured in JupyterLab 4.6 with ipywidgets 8.1) */
  margin-right: calc(-1 * var(--nbp-network-overlap)) !important;
}
.nbp-playground .nbp-network-column > * {
  zoom: var(--nbp-z, 1);
}
/* the figure takes the keyboard focus on mouse enter (Step inside's keys): the focus ring
   goes round the drawing you see, not round the figure's counter-scaled box, which the
   drawing clips to an L when zoomed */
.nbp-playground .nbp-network-figure:focus-visible {
  outline: none;
}
.nbp-playground .nbp-network-drawing:has(.nbp-network-figure:focus-visible) {
  outline: 1px solid var(--jp-brand-color1, #1976d2);
  outline-offset: -1px;
}
.nbp-playground .nbp-weight-editor {
  box-sizing: border-box;
  padding-right: var(--nbp-network-overlap);
}
.nbp-playground .nbp-output-column {
  width: 300px;
  flex: 0 0 300px;
}
@container nbp (max-width: 820px) {
  .nbp-playground .nbp-main {
    flex-wrap: wrap;
  }
  .nbp-playground .nbp-network-column {
    flex: 1 1 0;
    max-width: 516px;
  }
  .nbp-playground .nbp-data-column {
    order: 3;
    flex: 1 0 100%;
    width: auto;
    flex-direction: row;
    flex-wrap: wrap;
    align-items: flex-start;
    gap: 4px 18px;
  }
}
/* Narrower still (a 900 px window with the file browser open), the network column
   beside the OUTPUT would be too narrow even at the smallest zoom (its right half,
   the output layer, hidden): the network takes its own row, the OUTPUT goes below. */
@container nbp (max-width: 560px) {
  .nbp-playground .nbp-network-column {
    flex: 1 1 100%;
    margin-right: 0 !important;
  }
}
.nbp-playground .nbp-datasets {
  display: grid;
  grid-template-columns: repeat(2, 40px);
  gap: 8px;
  margin: 4px 0 10px 0;
}
.nbp-playground .nbp-dataset {
  width: 36px;
  height: 36px;
  margin: 0;
  padding: 0;
  border: 1px solid var(--jp-border-color2, #ccc);
  border-radius: 2px;
  background-color: #fff;
  background-size: cover;
  background-repeat: no-repeat;
  image-rendering: auto;
  opacity: 0.35;
  cursor: pointer;
}
.nbp-playground .nbp-dataset:hover {
  opacity: 0.8;
}
.nbp-playground .nbp-dataset.nbp-selected {
  opacity: 1;
  border: 2px solid var(--nbp-fg);
  cursor: default;
}
.nbp-playground .nbp-dataset-custom {
  width: 36px;
  height: 36px;
  margin: 0;
  object-fit: fill;
  box-sizing: border-box;
}
.nbp-playground .nbp-slider .widget-slider,
.nbp-playground .nbp-slider {
  width: 116px;
}
.nbp-playground .nbp-regenerate {
  width: 112px;
  font-size: 11px;
  text-transform: uppercase;
  margin-top: 10px;
}
.nbp-playground .nbp-readout .widget-html-content {
  font-size: 13px;
  line-height: 17px;
}
.nbp-playground .nbp-test-loss { color: var(--jp-ui-font-color0, #000); }
.nbp-playground .nbp-train-loss { color: #777; }
.nbp-playground .nbp-accuracy { color: var(--nbp-fg-muted); }
.nbp-playground .nbp-accuracy .widget-html-content {
  font-size: 12px;
  white-space: nowrap;
}
.nbp-playground .nbp-heatmap,
.nbp-playground .nbp-loss-chart {
  margin: 0;
  padding: 0;
}
/* the test-loss curve (the chart's second line) in the theme's text colour: black on
   light themes as in Playground, and still visible on dark ones */
.nbp-playground .nbp-loss-chart .curve:nth-of-type(2) .line {
  stroke: var(--jp-ui-font-color0, #000) !important;
}
/* pictures are smooth (bqplot's Image pixelated=False) except when discretized */
.nbp-playground .nbp-heatmap .tick text,
.nbp-playground .nbp-heatmap .axis text {
  font-size: 9px;
  fill: var(--nbp-fg-muted);
}
.nbp-playground .nbp-legend {
  display: flex;
  gap: 10px;
  align-items: flex-start;
  font-size: 12px;
  line-height: 16px;
  color: var(--nbp-fg-muted);
  margin: 6px 0;
}
.nbp-playground .nbp-legend-caption { width: 120px; }
.nbp-playground .nbp-legend-bar { width: 144px; }
.nbp-playground .nbp-legend-gradient { height: 10px; }
.nbp-playground .nbp-legend-ticks {
  display: flex;
  justify-content: space-between;
  font-size: 10px;
}
.nbp-playground .nbp-legend-classes {
  display: flex;
  flex-wrap: wrap;
  gap: 2px 8px;
  width: 150px;
}
.nbp-playground .nbp-legend-class { white-space: nowrap; }
.nbp-playground .nbp-legend-swatch {
  display: inline-block;
  width: 10px;
  height: 10px;
  margin-right: 3px;
  vertical-align: -1px;
}
.nbp-playground .nbp-heatmap.nbp-adding,
.nbp-playground .nbp-heatmap.nbp-adding svg {
  cursor: crosshair;
}
.nbp-playground .nbp-point-editor {
  gap: 2px;
  margin-top: 4px;
}
.nbp-playground .nbp-point-editor button {
  font-size: 12px;
}
.nbp-playground .nbp-point-class .widget-toggle-button {
  min-width: 30px;
  padding: 0 6px;
}
.nbp-playground .nbp-point-value .widget-label { width: 40px; min-width: 40px; }
.nbp-playground .nbp-checkboxes { gap: 12px; }
.nbp-playground .nbp-checkboxes .widget-checkbox { width: auto; }
.nbp-playground .nbp-status .widget-html-content {
  font-size: 13px;
  min-height: 18px;
}
/* messages beside the control that caused them */
.nbp-playground .nbp-error .widget-html-content,
.nbp-playground .nbp-error-text {
  color: var(--jp-error-color1, #d32f2f);
  font-size: 11px;
  line-height: 14px;
  white-space: normal;
  max-width: 220px;
}
.nbp-playground .nbp-invalid input,
.nbp-playground input.nbp-invalid,
.nbp-playground .nbp-invalid.widget-text input {
  outline: 2px solid var(--jp-error-color1, #d32f2f);
  outline-offset: -1px;
}
.nbp-playground .nbp-dim { color: var(--nbp-fg-muted); font-size: 11px; }
/* the network panel: a pointer over what can be clicked, the tooltip readable */
.nbp-playground .nbp-network-figure.nbp-clickable,
.nbp-playground .nbp-network-figure.nbp-clickable svg {
  cursor: pointer;
}
.nbp-playground .nbp-network-figure .label text,
.nbp-playground .nbp-network-figure text.object_label {
  paint-order: stroke;
  stroke: var(--jp-layout-color0, #fff);
  stroke-width: 3px;
  stroke-linejoin: round;
}
.nbp-playground .nbp-features-caption { margin-top: 2px; white-space: normal; }
.nbp-playground .nbp-network-captions {
  display: flex;
  justify-content: space-around;
  gap: 24px;
  padding: 0 40px 0 90px;
}
.nbp-playground .nbp-note {
  font-size: 11px;
  line-height: 14px;
  font-style: italic;
  color: var(--nbp-fg-muted);
  max-width: 150px;
}
/* the links flow while training (Playground's dashed, moving links); still when paused.
   No CSS animation: that would restyle the panel at every animation frame of the page.
   The kernel moves the dashes on by 3 px at each link refresh (<= 4 a second) through
   the panel's class nbp-flow-<k> (network_view.FLOW_PHASES), set on the paths themselves */
.nbp-playground .nbp-flowing .nbp-network-figure .curve .line {
  stroke-dasharray: 9 3 !important;  /* bqplot writes "none" inline for solid lines */
}
.nbp-playground .nbp-flow-1 .nbp-network-figure .curve .line { stroke-dashoffset: -3px; }
.nbp-playground .nbp-flow-2 .nbp-network-figure .curve .line { stroke-dashoffset: -6px; }
.nbp-playground .nbp-flow-3 .nbp-network-figure .curve .line { stroke-dashoffset: -9px; }
.nbp-playground .nbp-speed select { min-width: 150px; }
.nbp-playground .nbp-status-error { color: var(--jp-error-color1, #d32f2f); }
.nbp-playground .nbp-status-warning { color: var(--jp-warn-color1, #c76f00); }
.nbp-playground .nbp-status-info { color: var(--nbp-fg-muted); }
"""


@functools.lru_cache(maxsize=1)
def _class_rules() -> str:
    """A bar in the class colour under each button of the point-class picker."""
    rules = []
    for k in range(2, _render.MAX_CLASSES + 1):
        colors = ((_render.ORANGE, _render.BLUE) if k == 2 else _render.CATEGORICAL_HEX[:k])
        for i, color in enumerate(colors):
            rules.append(f".{ROOT_CLASS} .nbp-point-class.nbp-classes-{k} "
                         f".widget-toggle-button:nth-of-type({i + 1}) "
                         f"{{ box-shadow: inset 0 -3px 0 {color}; }}")
    return "\n".join(rules)


#: The network panel's width in px (its children are this wide unzoomed).
NETWORK_PANEL_PX = 516
#: The network panel's column is zoomed in steps of this many px of column width.
_ZOOM_STEP_PX = 4
#: The smallest zoom: narrower than this share, the panel scrolls sideways instead.
_MIN_ZOOM = 0.48


@functools.lru_cache(maxsize=1)
def _network_zoom_rules() -> str:
    """Container rules that zoom the network panel's children to its column's width.

    When the three columns share a narrow row (a laptop with JupyterLab's file browser
    open), the network column gets less than the panel's width.  Rather than scroll,
    the whole panel (header, neuron buttons, figure, captions, weight editor) shrinks
    by ``--nbp-z`` so that it fits: for a column of at most ``m`` px, z = (m - step) /
    panel width, so the zoomed panel is never wider than the column and at most one
    step narrower.  network_view.py's ``_counter_scaled`` keeps the bqplot figure drawn
    at its own size under the zoom.
    """
    rules = []
    width = NETWORK_PANEL_PX - 1
    while True:
        zoom = (width - _ZOOM_STEP_PX) / NETWORK_PANEL_PX
        if zoom < _MIN_ZOOM:
            break
        rules.append(f"@container nbpnet (max-width: {width}px) {{ .{ROOT_CLASS} "
                     f".nbp-network-column > * {{ --nbp-z: {zoom:.4f}; }} }}")
        width -= _ZOOM_STEP_PX
    return "\n".join(rules)


def stylesheet() -> str:
    """The widget's complete CSS (rules, the dataset thumbnails, the class colours)."""
    return (_CSS + _thumbnail_rules() + "\n" + _class_rules() + "\n"
            + _network_zoom_rules() + "\n")


def style_widget() -> widgets.HTML:
    """An HTML widget holding the ``<style>`` tag; it takes no room on the page."""
    html = widgets.HTML(f"<style>{stylesheet()}</style>",
                        layout=widgets.Layout(display="none"))
    html.add_class("nbp-style")
    return html
