"""``Compare``: K runs trained together and shown live in one view.

``Compare(config=None, vary="seed", values=8, same_start=True, **config_changes)``
builds a :class:`~nbplayground.runs.Runs` from a base :class:`~nbplayground.config.Config`
and one setting that varies, and shows::

    ┌ Play/Pause · Step · Reset │ epoch │ speed                                     ┐
    ├ vary [optimizer ▾]  values [...]  (error)  ☑ same start │ dataset │ base settings ┤
    ├ loss curves: test solid, train dashed,    │ one small heatmap per run, titled   ┤
    │ one colour per run, log scale option;     │ with its label and its test loss    │
    │ the legend names what differs             │ ("diverged at epoch n" if it did)   │
    └ status line                                                                    ┘

What varies (``vary``) and its ``values``:

=================  ==========================================================
``"seed"``         a count of seeds (``8``) or a list of seed strings
``"optimizer"``    optimizer names; besides :data:`~nbplayground.config.OPTIMIZERS`,
                   ``"momentum"`` (SGD with the base config's momentum, 0.9 if it
                   has none) and ``"nesterov"`` (the same with Nesterov's look-ahead)
``"learning_rate"`` numbers, or the text ``"0.003, 0.03, 0.3"``
``"batch_size"``   integers, or the text ``"1, 10, 30"``
``"activation"``   activation names
``"network_shape"`` tuples of layer widths, or the text ``"3 | 4,2 | 8,8"``
=================  ==========================================================

``same_start=True`` gives every run the first run's data and initial weights,
so only the varied setting differs (meaningless for seeds: there the start is
what differs).  A control whose text cannot be read, or whose values the
engine refuses, shows the error next to it and keeps the runs as they were.

Playing runs the Playground's :class:`~nbplayground.ui.loop.TrainingLoop`
(train for a time budget, then at most one coalesced frame, <= 30 per second)
behind a :class:`~nbplayground.ui.loop.FrameGate`.  A frame sends the epoch and
the heatmaps whose picture changed (indexed PNGs); the loss curves and the
titles are sent as a whole at most every :data:`CHART_INTERVAL` seconds with
at most :data:`CURVE_POINTS` points per curve.  Paused, nothing runs and
nothing is sent; :meth:`Compare.close` cancels the loop; displaying the same
Compare again pauses it.
"""

from __future__ import annotations

import functools
import html
import logging
import math
import numbers
import threading
import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Callable

import bqplot
import ipywidgets as widgets
import numpy as np

from .. import render as _render
from ..config import (DATASETS, HIDDEN_ACTIVATIONS, OPTIMIZERS, SPEED_LABELS, SPEEDS, Config,
                      js_number, repeated)
from . import displays
from .closing import close_tree
from .loop import FrameGate, TrainingLoop
from .output_view import StatusLine, format_loss, nice_ticks

__all__ = ["Compare", "VARIES", "OPTIMIZER_CHOICES", "RUN_COLORS", "CURVE_POINTS",
           "CHART_INTERVAL", "MAX_RUNS", "parse_values", "format_values", "make_runs"]

log = logging.getLogger("nbplayground")

#: What may vary: API name -> the label the "vary" dropdown shows.
VARIES = {
    "seed": "seeds",
    "optimizer": "optimizer",
    "learning_rate": "learning rate",
    "batch_size": "batch size",
    "activation": "activation",
    "network_shape": "network",
}
_ALIASES = {"seeds": "seed", "network": "network_shape", "lr": "learning_rate",
            "learning rate": "learning_rate", "batch size": "batch_size",
            "optimizers": "optimizer", "activations": "activation"}

#: Optimizer choices: the engine's optimizers plus two named settings of SGD.
OPTIMIZER_CHOICES = ("sgd", "momentum", "nesterov") + tuple(o for o in OPTIMIZERS if o != "sgd")
#: The momentum of the "momentum" and "nesterov" racers when the base config has none.
DEFAULT_MOMENTUM = 0.9


def optimizer_settings(name: str, config: Config) -> dict:
    """The Config settings of an optimizer racer: ``"sgd"`` is plain SGD; ``"momentum"``
    and ``"nesterov"`` are SGD with ``config``'s momentum (0.99 typed in the Playground
    races at 0.99), or :data:`DEFAULT_MOMENTUM` when it has none; any other name is that
    optimizer."""
    momentum = config.momentum or DEFAULT_MOMENTUM
    return {"sgd": {"optimizer": "sgd", "momentum": 0.0, "nesterov": False},
            "momentum": {"optimizer": "sgd", "momentum": momentum, "nesterov": False},
            "nesterov": {"optimizer": "sgd", "momentum": momentum, "nesterov": True},
            }.get(name, {"optimizer": name})

#: Values each ``vary`` starts with.
DEFAULT_VALUES = {
    "seed": 8,
    "optimizer": ("sgd", "momentum", "nesterov", "adam"),
    "learning_rate": (0.003, 0.03, 0.3),
    "batch_size": (1, 10, 30),
    "activation": ("relu", "tanh", "sigmoid", "linear"),
    "network_shape": ((3,), (4, 2), (8, 8)),
}

#: One colour per run (d3's category10, then its lighter tints): distinct on light and
#: dark backgrounds.
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
              "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
#: Most runs one Compare shows: one colour each, so the legend names every curve.
MAX_RUNS = len(RUN_COLORS)
#: Most points per curve sent to the loss chart.
CURVE_POINTS = 120
#: While playing, the curves and titles are sent at most this often (seconds).
CHART_INTERVAL = 0.2
#: While playing, the runs' titles (K texts, "test loss 0.123") at most this often: K
#: messages and K text layouts each time, for numbers that cannot be read 5 times a
#: second anyway; the last ones are drawn when playing stops.
TITLE_INTERVAL = 0.5
#: Side of one run's heatmap in px.
HEATMAP_PX = 116
#: Points per axis of a run's heatmap grid: a quarter of the Playground's 100 x 100 costs a
#: quarter as much to evaluate and to send, and is plenty for a 116 px picture.
HEATMAP_GRID = 50
#: zlib level of the heatmap PNGs: level 1 costs a third of level 6 for a few more bytes.
PNG_LEVEL = 1
#: Seconds of heatmap drawing per live frame: when the K pictures cost more, each frame
#: draws the next few of them in turn (all of them when paused or stepped).
HEATMAP_BUDGET = 0.012
#: More runs than this get smaller pictures (88 px, five to a row).
SMALL_CELLS_ABOVE = 12
#: The speed dropdown's value for "as fast as possible" (a Dropdown value cannot be None).
_MAX_SPEED = 0
_UNBOUNDED_EPOCHS = 1 << 30


# --------------------------------------------------------------------------------------
# Values: text and lists
# --------------------------------------------------------------------------------------

def canonical_vary(vary: str) -> str:
    """The API name of ``vary`` ("seeds" and "network" are accepted too)."""
    if isinstance(vary, str):
        name = _ALIASES.get(vary, vary)
        if name in VARIES:
            return name
    raise ValueError(f"vary={vary!r}: must be one of {', '.join(VARIES)}")


def _split(text: str, sep: str) -> list[str]:
    items = [item.strip() for item in text.split(sep)]
    if items and items[-1] == "":
        items.pop()  # a trailing separator
    return items


def _number(vary: str, item: str, integer: bool):
    try:
        value = int(item) if integer else float(item)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ValueError(f"{VARIES[vary]}: {item!r} is not {kind}") from None
    return value


def parse_values(vary: str, values: Any) -> tuple:
    """``values`` for ``vary`` as a tuple (a count for seeds), or ValueError naming the
    value that cannot be read.  Texts: numbers separated by commas, network shapes
    separated by ``|`` (layer widths by commas; ``none`` for no hidden layer).  The
    engine checks the values themselves (a learning rate > 0, ...)."""
    vary = canonical_vary(vary)
    if vary == "seed":
        if isinstance(values, str):
            values = values.strip()
            if "," not in values:
                values = _number(vary, values, integer=True)
            else:
                values = tuple(_split(values, ","))
        if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
            if not 1 <= values <= MAX_RUNS:
                raise ValueError(f"seeds: {values} runs; must be 1 to {MAX_RUNS} (at most "
                                 f"{MAX_RUNS} runs in one Compare)")
            return (int(values),)
        if not isinstance(values, (list, tuple)):
            raise TypeError(f"seeds: {values!r} is neither a count of runs (an integer) nor a "
                            f"list of seed strings")
        seeds = tuple(str(s) for s in values)
        _check_count(vary, seeds)
        twice = repeated(seeds)
        if twice:
            raise ValueError(f"seeds: {', '.join(map(repr, twice))} given more than once; "
                             f"each seed is one run, so give distinct seeds")
        return ("list",) + seeds
    if isinstance(values, str):
        text = values.strip()
        if vary == "network_shape":
            items = _split(text, "|")
            shapes = []
            for item in items:
                if item.lower() in ("none", "0", "-", "()"):
                    shapes.append(())
                    continue
                widths = tuple(_number(vary, w, integer=True) for w in _split(item, ","))
                if not widths:
                    raise ValueError(f"network: {item!r} is not a list of layer widths "
                                     f"like 4,2")
                shapes.append(widths)
            values = tuple(shapes)
        elif vary in ("learning_rate", "batch_size"):
            values = tuple(_number(vary, item, integer=vary == "batch_size")
                           for item in _split(text, ","))
        else:
            values = tuple(_split(text, ","))
    elif (isinstance(values, numbers.Real) and not isinstance(values, (bool, np.bool_))
          and vary in ("learning_rate", "batch_size")):
        values = (values.item() if isinstance(values, np.generic) else values,)
    elif isinstance(values, Mapping) or not hasattr(values, "__iter__"):
        raise TypeError(f"{VARIES[vary]}: {values!r} is not a list of values; give e.g. "
                        f"{list(DEFAULT_VALUES[vary])!r} or the text "
                        f"{format_values(vary, DEFAULT_VALUES[vary])!r}")
    if vary == "network_shape":
        values = tuple(_shape(v, values) for v in values)
    else:
        values = tuple(values)
    if vary == "optimizer":
        for name in values:
            if name not in OPTIMIZER_CHOICES:
                raise ValueError(f"optimizer: {name!r} is not an optimizer; allowed: "
                                 f"{', '.join(OPTIMIZER_CHOICES)}")
    _check_count(vary, values)
    return values


def _shape(value, values) -> tuple:
    """One network shape of ``values`` as a tuple of widths (the engine checks them)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        flat = all(isinstance(v, numbers.Integral) for v in values)
        hint = (f"; for the one network {tuple(values)!r} give [{tuple(values)!r}]"
                if flat else "")
        raise ValueError(f"network: {value!r} is not a network shape: each value is a "
                         f"tuple of layer widths, e.g. [(4,), (8, 8)], or the text "
                         f"'4 | 8,8'{hint}")
    return tuple(value)


def _check_count(vary: str, values: tuple) -> None:
    if not values:
        raise ValueError(f"{VARIES[vary]}: give at least one value")
    if len(values) > MAX_RUNS:
        raise ValueError(f"{VARIES[vary]}: {len(values)} values; at most {MAX_RUNS} runs")


def format_values(vary: str, values: tuple) -> str:
    """The text a values box shows for ``values`` (the inverse of :func:`parse_values`)."""
    if vary == "seed":
        return str(values[0]) if values[0] != "list" else ", ".join(values[1:])
    if vary == "network_shape":
        return " | ".join(",".join(str(w) for w in s) or "none" for s in values)
    if vary == "learning_rate":
        return ", ".join(js_number(v) for v in values)
    return ", ".join(str(v) for v in values)


def make_runs(config: Config, vary: str, values: tuple, same_start: bool, data=None):
    """The :class:`~nbplayground.runs.Runs` for ``config`` with ``vary`` over ``values``
    (as :func:`parse_values` returns them), on the user's points ``data`` if given.  The
    engine validates every run's config."""
    from ..runs import Runs

    if vary == "seed":
        return Runs.seeds(config, values[0] if values[0] != "list" else list(values[1:]),
                          data=data)
    if vary == "optimizer" and any(v in ("sgd", "momentum", "nesterov") for v in values):
        # "momentum" and "nesterov" are settings of SGD, not optimizers: one config each,
        # started as Runs.vary starts them (the first run's seed, or a seed per run)
        if same_start:
            seeds = [config.seed] * len(values)
        else:
            seeds = [c.seed for c in Runs.seeds(config, len(values)).configs]
        configs = [config.replace(seed=seed, **optimizer_settings(v, config))
                   for v, seed in zip(values, seeds)]
        names = [f"{v} {js_number(c.momentum)}"
                 if v in ("momentum", "nesterov") and c.momentum != DEFAULT_MOMENTUM else v
                 for v, c in zip(values, configs)]
        labels = names if same_start else [f"{v}, seed {s}" for v, s in zip(names, seeds)]
        return Runs(configs, labels=labels, data=data)
    return Runs.vary(config, same_start=same_start, data=data, **{vary: list(values)})


# --------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------

#: the loss chart's margins (px); right: half of a 4-digit epoch label ("1000") centred on
#: the axis' end
_CHART_MARGIN = MappingProxyType({"top": 10, "bottom": 36, "left": 50, "right": 18})
#: the left margin with the log scale, whose tick labels are longer ("0.00001")
_LOG_AXIS_LEFT = 66


def _log_ticks(lo: float, hi: float) -> tuple[np.ndarray, str]:
    """Ticks for a log axis over [lo, hi]: 1, 2 and 5 times the powers of ten inside it
    (only the powers when that makes more than 8), format "~g" (0.001, not 0.0010, which
    did not fit the axis' margin). A range too narrow to hold two of them (the first
    epochs, every loss near 0.5) gets evenly spaced round ticks instead."""
    k0, k1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = [m * 10.0 ** k for k in range(k0, k1 + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo <= t <= hi]
    if len(ticks) > 8:
        ticks = [t for t in ticks if f"{t:e}".startswith("1")]
    if len(ticks) < 2:
        return nice_ticks(lo, hi, 4)
    return np.array(ticks), "~g"


def _locked(method):
    """Hold the Compare's lock: widget handlers may run on a comm subshell thread while
    the loop runs on the main thread (see playground.py)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        lock = self.__dict__.get("_lock")
        if lock is None:
            return method(self, *args, **kwargs)
        with lock:
            return method(self, *args, **kwargs)
    return call


_CSS = """
.nbp-compare {
  color: var(--jp-ui-font-color1, #000);
  font-family: var(--jp-ui-font-family, "Helvetica Neue", Helvetica, Arial, sans-serif);
  max-width: 1000px;
  gap: 6px;
}
.nbp-compare .nbp-compare-bar {
  align-items: flex-end; flex-wrap: wrap; gap: 4px 14px;
  padding: 2px 0 6px 0; border-bottom: 1px solid var(--jp-border-color2, #ddd);
}
.nbp-compare .nbp-compare-row { align-items: flex-start; flex-wrap: wrap; gap: 4px 18px; }
.nbp-compare .nbp-compare-varybar {
  padding: 0 0 6px 0; border-bottom: 1px solid var(--jp-border-color2, #ddd);
}
.nbp-compare .nbp-compare-label {
  font-size: 11px; color: var(--jp-ui-font-color2, #777); text-transform: uppercase;
}
.nbp-compare .nbp-compare-epoch { font-size: 20px; font-variant-numeric: tabular-nums; }
.nbp-compare .nbp-compare-error { color: var(--jp-error-color1, #d32f2f); font-size: 12px; }
.nbp-compare .nbp-compare-base { font-size: 12px; color: var(--jp-ui-font-color2, #777); }
/* the chart keeps its width; in a narrow cell (a laptop with the file browser open) the
   run pictures move below it instead of covering its right part */
.nbp-compare .nbp-compare-main { align-items: flex-start; gap: 12px; flex-wrap: wrap; }
.nbp-compare .nbp-compare-main > :first-child { flex: 0 0 auto; }
.nbp-compare .nbp-compare-legend { font-size: 12px; line-height: 18px; max-width: 440px; }
.nbp-compare .nbp-compare-key { white-space: nowrap; margin-right: 10px; }
.nbp-compare .nbp-compare-swatch {
  display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px;
}
.nbp-compare .nbp-compare-styles { color: var(--jp-ui-font-color2, #777); }
.nbp-compare .nbp-compare-grid { flex-wrap: wrap; gap: 6px; max-width: 500px; }
.nbp-compare .nbp-compare-cell { width: 116px; }
.nbp-compare .nbp-compare-title { margin: 0; }
.nbp-compare .nbp-compare-title .widget-html-content {
  font-size: 11px; line-height: 14px; height: 28px; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis;
}
.nbp-compare .nbp-compare-title .nbp-compare-diverged {
  color: var(--jp-error-color1, #d32f2f); font-weight: bold;
}
.nbp-compare .nbp-compare-pic { position: relative; width: 116px; height: 116px; }
.nbp-compare .nbp-compare-pic .widget-image {
  position: absolute; left: 0; top: 0; width: 116px; height: 116px; margin: 0;
}
.nbp-compare .nbp-compare-small .nbp-compare-cell { width: 88px; }
.nbp-compare .nbp-compare-small .nbp-compare-pic,
.nbp-compare .nbp-compare-small .nbp-compare-pic .widget-image {
  width: 88px !important; height: 88px !important;
}
.nbp-compare .nbp-compare-small .nbp-compare-title .widget-html-content { font-size: 10px; }
.nbp-compare .nbp-compare-small .nbp-compare-title b { font-weight: 600; }
.nbp-compare .nbp-compare-small .nbp-compare-swatch { width: 8px; margin-right: 2px; }
.nbp-compare .nbp-compare-cell.nbp-diverged .nbp-compare-pic {
  outline: 2px solid var(--jp-error-color1, #d32f2f);
}
.nbp-compare .nbp-compare-chart .axis text, .nbp-compare .nbp-compare-chart .axislabel {
  fill: var(--jp-ui-font-color1, #000) !important; font-size: 11px;
}
.nbp-compare .nbp-compare-chart .axis path, .nbp-compare .nbp-compare-chart .axis line {
  stroke: var(--jp-ui-font-color2, #777) !important;
}
.nbp-compare .nbp-compare-chart .plotarea_background { fill: transparent !important; }
.nbp-compare .nbp-playing { background: var(--jp-brand-color1, #1976d2); color: white; }
.nbp-compare .nbp-status-error { color: var(--jp-error-color1, #d32f2f); }
.nbp-compare .nbp-status-warning { color: var(--jp-warn-color1, #c76f00); }
.nbp-compare .nbp-status-info { color: var(--jp-ui-font-color2, #777); }
"""


class _Cell:
    """One run's heatmap: a title over the picture and the data points drawn on top."""

    def __init__(self):
        self.title = widgets.HTML("")
        self.title.add_class("nbp-compare-title")
        size = f"{HEATMAP_PX}px"
        # a PNG data: URL (format="url"): PNG bytes would cost the page a Blob and a
        # URL.createObjectURL per picture, K of them per frame (see output_view)
        self.image = widgets.Image(format="url", layout=widgets.Layout(width=size, height=size))
        self.image.add_class("nbp-compare-heatmap")
        self.points = widgets.Image(format="png", layout=widgets.Layout(width=size, height=size))
        self.points.add_class("nbp-compare-points")
        pic = widgets.Box([self.image, self.points])
        pic.add_class("nbp-compare-pic")
        self.box = widgets.VBox([self.title, pic])
        self.box.add_class("nbp-compare-cell")
        self._pic = pic


class Compare(widgets.VBox):
    """K runs live in one view (see the module's docstring).

    ``Compare(config=None, vary="seed", values=8, same_start=True, **config_changes)``.
    Attributes and methods: :attr:`runs`, :attr:`config` (settable), :attr:`vary`,
    :attr:`values`, :attr:`same_start`, :meth:`set_vary`, :attr:`epochs_per_second`,
    :meth:`step`, :meth:`play`, :meth:`pause`, :meth:`reset`, :meth:`close`,
    :attr:`playing`, :attr:`status`, :attr:`loop`.
    """

    def __init__(self, config: Config | None = None, vary: str = "seed", values: Any = None,
                 same_start: bool = True, *, data=None, **config_changes):
        if config is None:
            config = Config(**config_changes)
        elif not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        elif config_changes:
            config = config.replace(**config_changes)
        vary = canonical_vary(vary)
        parsed = parse_values(vary, DEFAULT_VALUES[vary] if values is None else values)
        if not isinstance(same_start, (bool, np.bool_)):
            raise TypeError(f"same_start={same_start!r}: must be True or False")
        same_start = bool(same_start)
        self._lock = threading.RLock()
        self._config = config
        self._vary = vary
        self._values = {v: parse_values(v, DEFAULT_VALUES[v]) for v in VARIES}
        self._values[vary] = parsed
        self._same_start = same_start
        #: the user's own points (as ``Trainer(data=...)`` takes them), or None
        self._data = data
        self._runs = make_runs(config, vary, parsed, same_start, data)
        self._closed = False
        self._displayed = False
        self._dirty = False
        self._syncing = False
        self._last_chart = -math.inf
        self._last_titles = -math.inf
        self._chart_pending = False
        self._cells: list[_Cell] = []
        self._log_scale = False
        self._grid_cache: dict = {}
        self._heat_cost = 0.0     # seconds per heatmap (moving average)
        self._next_heat = 0       # the run whose picture a live frame draws first
        #: frames drawn (every _render), chart updates sent, heatmap pictures sent
        self.frames_rendered = 0
        self.chart_updates = 0
        self.images_sent = 0
        # the pace: epochs_per_second given here, else the config's (Playground's 60
        # epochs per second unless set; None is as fast as possible in both)
        pace = config_changes.get("epochs_per_second", config.epochs_per_second)
        self._gate = FrameGate()
        self._loop = TrainingLoop(self._train_tick, self._render_tick,
                                  on_error=self._on_loop_error, on_stop=self._on_loop_stop,
                                  ready=self._gate.ready,
                                  epochs_per_second=pace)
        self._status = StatusLine()
        self._build_controls()
        self._build_chart()
        self.legend = widgets.HTML("")
        self.legend.add_class("nbp-compare-legend")
        self.grid = widgets.HBox([])
        self.grid.add_class("nbp-compare-grid")
        left = widgets.VBox([self.chart, self.log_scale, self.legend])
        main = widgets.HBox([left, self.grid])
        main.add_class("nbp-compare-main")
        style = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))
        super().__init__([style, self._gate.widget, self.top_bar, self.vary_bar, main,
                          self._status])
        self.add_class("nbp-compare")
        self._sync_controls()
        self._new_runs()

    # -- controls ------------------------------------------------------------------------

    def _build_controls(self) -> None:
        def label(text):
            w = widgets.HTML(f'<span class="nbp-compare-label">{html.escape(text)}</span>')
            return w

        self.play_button = widgets.Button(icon="play", tooltip="Play / pause",
                                          layout=widgets.Layout(width="44px"))
        self.play_button.add_class("nbp-compare-play")
        self.step_button = widgets.Button(icon="step-forward", tooltip="Train one epoch",
                                          layout=widgets.Layout(width="44px"))
        self.step_button.add_class("nbp-compare-step")
        self.reset_button = widgets.Button(icon="undo", tooltip="Start every run again",
                                           layout=widgets.Layout(width="44px"))
        self.reset_button.add_class("nbp-compare-reset")
        self.epoch = widgets.HTML("")
        self.epoch.add_class("nbp-compare-epoch")
        speeds = [(SPEED_LABELS[s], _MAX_SPEED if s is None else s) for s in SPEEDS]
        self.speed = widgets.Dropdown(options=speeds, layout=widgets.Layout(width="250px"))
        self.speed.add_class("nbp-compare-speed")
        self.play_button.on_click(self._guarded(lambda _: self.pause() if self.playing
                                                else self.play()))
        self.step_button.on_click(self._guarded(lambda _: self.step()))
        self.reset_button.on_click(self._guarded(lambda _: self.reset()))
        self.speed.observe(self._guarded(self._on_speed), "value")
        self.top_bar = widgets.HBox([self.play_button, self.step_button, self.reset_button,
                                     widgets.VBox([label("Epoch"), self.epoch]),
                                     widgets.VBox([label("Speed"), self.speed])])
        self.top_bar.add_class("nbp-compare-bar")

        self.vary_dropdown = widgets.Dropdown(options=[(v, k) for k, v in VARIES.items()],
                                              layout=widgets.Layout(width="130px"))
        self.vary_dropdown.add_class("nbp-compare-vary")
        text = dict(continuous_update=False, layout=widgets.Layout(width="200px"))
        #: one values control per vary; only the current one is shown
        self.value_controls = {
            "seed": widgets.BoundedIntText(min=1, max=MAX_RUNS, description="runs",
                                           layout=widgets.Layout(width="130px")),
            "optimizer": widgets.SelectMultiple(options=OPTIMIZER_CHOICES, rows=5,
                                                layout=widgets.Layout(width="130px")),
            "learning_rate": widgets.Text(placeholder="0.003, 0.03, 0.3", **text),
            "batch_size": widgets.Text(placeholder="1, 10, 30", **text),
            "activation": widgets.SelectMultiple(options=HIDDEN_ACTIVATIONS, rows=5,
                                                 layout=widgets.Layout(width="130px")),
            "network_shape": widgets.Text(placeholder="3 | 4,2 | 8,8", **text),
        }
        #: the error shown next to each values control ("" when all is well)
        self.value_errors = {k: widgets.HTML("") for k in VARIES}
        for name, w in self.value_controls.items():
            w.add_class(f"nbp-compare-values-{name.replace('_', '-')}")
            w.add_class("nbp-compare-values")
            w.observe(self._guarded(functools.partial(self._on_values, name)), "value")
            self.value_errors[name].add_class("nbp-compare-error")
        self._value_boxes = {k: widgets.HBox([self.value_controls[k], self.value_errors[k]])
                             for k in VARIES}
        self.same_start_box = widgets.Checkbox(description="same start", indent=False,
                                               layout=widgets.Layout(width="auto"))
        self.same_start_box.add_class("nbp-compare-same-start")
        self.dataset = widgets.Dropdown(options=DATASETS, layout=widgets.Layout(width="110px"))
        self.dataset.add_class("nbp-compare-dataset")
        self.base = widgets.HTML("")
        self.base.add_class("nbp-compare-base")
        self.vary_error = widgets.HTML("")
        self.vary_error.add_class("nbp-compare-error")
        self.vary_dropdown.observe(self._guarded(self._on_vary), "value")
        self.same_start_box.observe(self._guarded(self._on_same_start), "value")
        self.dataset.observe(self._guarded(self._on_dataset), "value")
        row = widgets.HBox([
            widgets.VBox([label("Vary"), self.vary_dropdown, self.vary_error]),
            widgets.VBox([label("Values"), *self._value_boxes.values()]),
            widgets.VBox([label("Start"), self.same_start_box]),
            widgets.VBox([label("Dataset"), self.dataset]),
        ])
        row.add_class("nbp-compare-row")
        self.vary_bar = widgets.VBox([row, self.base])
        self.vary_bar.add_class("nbp-compare-varybar")

    def _build_chart(self) -> None:
        # no padding: the axes span exactly [0, last epoch] and [0 or the least loss, the
        # largest]
        self._sx = bqplot.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self._sy_linear = bqplot.LinearScale(min=0.0, max=1.0, allow_padding=False)
        self._sy_log = bqplot.LogScale(min=1e-3, max=1.0, allow_padding=False)
        scales = {"x": self._sx, "y": self._sy_linear}
        empty = dict(x=np.zeros((1, 0), np.float32), y=np.zeros((1, 0), np.float32))
        self.test_lines = bqplot.Lines(**empty, scales=scales, stroke_width=2.0,
                                       colors=list(RUN_COLORS))
        self.train_lines = bqplot.Lines(**empty, scales=scales, stroke_width=1.2,
                                        line_style="dashed",
                                        colors=list(RUN_COLORS))
        self._x_axis = bqplot.Axis(scale=self._sx, label="epoch", grid_lines="none",
                                   tick_format="d", num_ticks=6)
        self._y_axis = bqplot.Axis(scale=self._sy_linear, side="left", label="loss",
                                   grid_lines="none", tick_format=".2g", num_ticks=6)
        # one y axis per scale, swapped in the figure: bqplot gives a scale set on a drawn
        # axis no pixel range, and every tick of the log axis landed on the top edge
        self._y_axes = {False: self._y_axis,
                        True: bqplot.Axis(scale=self._sy_log, side="left", label="loss",
                                          grid_lines="none", tick_format="~g", num_ticks=6,
                                          label_offset=f"{_LOG_AXIS_LEFT - 12}px")}
        self.chart = bqplot.Figure(
            marks=[self.train_lines, self.test_lines], axes=[self._x_axis, self._y_axis],
            animation_duration=0, display_toolbar=False, padding_x=0.0, padding_y=0.0,
            fig_margin=dict(_CHART_MARGIN),
            min_aspect_ratio=0.01, max_aspect_ratio=100,
            layout=widgets.Layout(width="440px", height="300px", margin="0", padding="0"))
        self.chart.add_class("nbp-compare-chart")
        self.log_scale = widgets.Checkbox(description="log scale", indent=False,
                                          layout=widgets.Layout(width="auto"))
        self.log_scale.add_class("nbp-compare-log-scale")
        self.log_scale.observe(self._guarded(self._on_log_scale), "value")

    # -- public state ----------------------------------------------------------------------

    @property
    def runs(self):
        """The :class:`~nbplayground.runs.Runs` being trained and shown."""
        return self._runs

    @property
    def config(self) -> Config:
        """The base settings every run starts from (before the varied one)."""
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        self._rebuild(config=config)

    @property
    def vary(self) -> str:
        return self._vary

    @property
    def values(self):
        """The varied values: a seed count (or tuple of seeds), or a tuple of values."""
        values = self._values[self._vary]
        if self._vary == "seed":
            return values[0] if values[0] != "list" else values[1:]
        return values

    @property
    def same_start(self) -> bool:
        return self._same_start

    @property
    def playing(self) -> bool:
        return self._loop.running

    @property
    def loop(self) -> TrainingLoop:
        return self._loop

    @property
    def status(self) -> str:
        return self._status.text

    @property
    def epochs_per_second(self) -> float | None:
        """The pace while playing; None trains as fast as the machine goes."""
        return self._loop.epochs_per_second

    @epochs_per_second.setter
    def epochs_per_second(self, value: float | None) -> None:
        self._loop.epochs_per_second = value
        self._syncing = True
        try:
            self._set_speed_option(value)
        finally:
            self._syncing = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def cells(self) -> list:
        """Per run: (title HTML, heatmap Image, data-points Image) widgets."""
        return [(c.title, c.image, c.points) for c in self._cells[:len(self._runs)]]

    # -- changing what runs ----------------------------------------------------------------

    @_locked
    def set_vary(self, vary: str, values: Any = None, same_start: bool | None = None) -> None:
        """Vary ``vary`` over ``values`` (None: the last values used for it)."""
        vary = canonical_vary(vary)
        self._rebuild(vary=vary, values=values, same_start=same_start)

    @_locked
    def _rebuild(self, config: Config | None = None, vary: str | None = None,
                 values: Any = None, same_start: bool | None = None) -> None:
        """Build the Runs for the new settings; raises (and keeps everything) if it fails."""
        self._check_open()
        config = self._config if config is None else config
        vary = self._vary if vary is None else vary
        parsed = self._values[vary] if values is None else parse_values(vary, values)
        if same_start is not None and not isinstance(same_start, (bool, np.bool_)):
            raise TypeError(f"same_start={same_start!r}: must be True or False")
        same_start = self._same_start if same_start is None else bool(same_start)
        runs = make_runs(config, vary, parsed, same_start, self._data)
        self._config, self._vary, self._same_start, self._runs = config, vary, same_start, runs
        self._values[vary] = parsed
        for error in (*self.value_errors.values(), self.vary_error):
            error.value = ""
        if self._status.kind != "info":
            self._status.clear()
        self._sync_controls()
        self._new_runs()

    def _control_failed(self, error_widget: widgets.HTML, exc: BaseException) -> None:
        """Say what is wrong next to the control and show the state kept."""
        text = str(exc)
        # the engine names its own entry point for code; next to a control it is noise
        text = text.removeprefix("Runs.vary: ")
        error_widget.value = html.escape(text, quote=False)
        self._sync_controls(keep_text=True)

    @_locked
    def _on_vary(self, change) -> None:
        if self._syncing:
            return
        try:
            self._rebuild(vary=change["new"])
        except (ValueError, TypeError) as exc:
            self._control_failed(self.vary_error, exc)

    @_locked
    def _on_values(self, name: str, change) -> None:
        if self._syncing or name != self._vary:
            return
        value = change["new"]
        if name == "seed":
            value = int(value)
        try:
            self._rebuild(values=value)
        except (ValueError, TypeError) as exc:
            self._control_failed(self.value_errors[name], exc)

    @_locked
    def _on_same_start(self, change) -> None:
        if self._syncing:
            return
        try:
            self._rebuild(same_start=bool(change["new"]))
        except (ValueError, TypeError) as exc:
            self._control_failed(self.vary_error, exc)

    @_locked
    def _on_dataset(self, change) -> None:
        if self._syncing:
            return
        try:
            self._rebuild(config=self._config.replace(dataset=change["new"]))
        except (ValueError, TypeError) as exc:
            self._control_failed(self.vary_error, exc)

    @_locked
    def _on_speed(self, change) -> None:
        if self._syncing:
            return
        value = change["new"]
        self._loop.epochs_per_second = None if value == _MAX_SPEED else value

    @_locked
    def _on_log_scale(self, change) -> None:
        self._log_scale = bool(change["new"])
        scale = self._sy_log if self._log_scale else self._sy_linear
        self._y_axis = self._y_axes[self._log_scale]
        self._update_chart()  # the scale's range and the axis' ticks, before they are shown
        for mark in (self.test_lines, self.train_lines):
            mark.scales = {"x": self._sx, "y": scale}
        self.chart.axes = [self._x_axis, self._y_axis]
        # room for "0.00001" and the axis label beside it
        self.chart.fig_margin = {**_CHART_MARGIN,
                                 "left": _LOG_AXIS_LEFT if self._log_scale else
                                 _CHART_MARGIN["left"]}

    def _set_speed_option(self, pace) -> None:
        value = _MAX_SPEED if pace is None else pace
        options = [(SPEED_LABELS[s], _MAX_SPEED if s is None else s) for s in SPEEDS]
        if value not in [v for _, v in options]:
            options.insert(-1, (f"{js_number(value)} epochs/s", value))
            self.speed.options = options
        self.speed.value = value

    def _sync_controls(self, keep_text: bool = False) -> None:
        """Show the current state in every control (a bad text is kept with ``keep_text``,
        so that the user can mend it)."""
        self._syncing = True
        try:
            self.vary_dropdown.value = self._vary
            for name, box in self._value_boxes.items():
                box.layout.display = None if name == self._vary else "none"
            control = self.value_controls[self._vary]
            values = self._values[self._vary]
            if isinstance(control, widgets.SelectMultiple):
                control.value = tuple(values)
            elif self._vary == "seed":
                if values[0] != "list":
                    control.value = values[0]
                    control.disabled = False
                else:
                    control.value = len(values) - 1
                    control.disabled = True
            elif not (keep_text and self.value_errors[self._vary].value):
                control.value = format_values(self._vary, values)
            # seeds differ by their start: the box shows no tick there (a greyed tick read
            # as "same start" on), and the choice comes back with another vary
            self.same_start_box.value = self._same_start and self._vary != "seed"
            self.same_start_box.disabled = self._vary == "seed"
            self.same_start_box.tooltip = (
                "seeds differ by their start: each has its own data and weights"
                if self._vary == "seed" else
                "every run starts from the first run's data and weights")
            self.dataset.value = self._config.dataset
            self.dataset.disabled = self._data is not None   # the user's own points
            self._set_speed_option(self._loop.epochs_per_second)
            c = self._config
            optimizer = c.optimizer
            if c.optimizer == "sgd" and c.momentum:
                optimizer = "nesterov" if c.nesterov else f"momentum {js_number(c.momentum)}"
            parts = [("network", ",".join(map(str, c.network_shape)) or "none"),
                     ("activation", c.activation),
                     ("learning rate", js_number(c.learning_rate)),
                     ("batch", str(c.batch_size)), ("optimizer", optimizer),
                     ("noise", js_number(c.noise)), ("seed", c.seed)]
            self.base.value = "Base settings: " + " · ".join(
                f"{k} {html.escape(v)}" for k, v in parts
                if not (self._vary == "seed" and k == "seed"))
        finally:
            self._syncing = False

    def _new_runs(self) -> None:
        """Lay out the views for the current Runs (K cells, K colours) and draw them."""
        runs = self._runs
        k = len(runs)
        while len(self._cells) < k:
            self._cells.append(_Cell())
        for cell in self._cells[k:]:
            close_tree(cell.box)
        del self._cells[k:]
        self.grid.children = [c.box for c in self._cells]
        if k > SMALL_CELLS_ABOVE:   # many runs: smaller pictures, five to a row
            self.grid.add_class("nbp-compare-small")
        else:
            self.grid.remove_class("nbp-compare-small")
        colors = self._colors()
        for mark in (self.test_lines, self.train_lines):
            mark.colors = colors
        for i, cell in enumerate(self._cells):
            trainer = runs[i]
            problem = ("regression" if trainer.config.problem == "regression" else
                       "multiclass" if (trainer.num_classes or 2) > 2 else "classification")
            data = trainer.data
            # the thumbnail maps Playground's [-6, 6]²: bring the run's domain onto it
            x0, x1, y0, y1 = trainer.domain
            xy = np.asarray(data.train_x, dtype=np.float64).reshape(-1, 2)
            xy = np.column_stack([(xy[:, 0] - x0) / (x1 - x0) * 12 - 6,
                                  (xy[:, 1] - y0) / (y1 - y0) * 12 - 6])
            cell.points.value = _render.dataset_thumbnail_png(
                xy, data.train_y, size=HEATMAP_PX, problem=problem, point_size=3,
                background=None)
        labels = [str(label) for label in runs.labels]
        keys = "".join(
            f'<span class="nbp-compare-key"><span class="nbp-compare-swatch" '
            f'style="background:{colors[i]}"></span>{html.escape(labels[i])}</span> '
            for i in range(k))
        self.legend.value = (
            f'<div>{keys}</div><div class="nbp-compare-styles">solid: test loss · '
            f'dashed: training loss · varying {html.escape(VARIES[self._vary])}</div>')
        self._render()

    def _colors(self) -> list[str]:
        return [RUN_COLORS[i % len(RUN_COLORS)] for i in range(len(self._runs))]

    # -- buttons ---------------------------------------------------------------------------

    @_locked
    def play(self) -> None:
        """Train on the kernel's event loop until paused (no effect if playing)."""
        self._check_open()
        if self._loop.running:
            return
        if bool(np.all(self._runs.diverged)):
            self._report_all_diverged()
            return
        if self._status.kind != "info" or self._status.text.startswith(FrameGate.UNWATCHED):
            self._status.clear()
        self._loop.start()
        self._gate.start()
        self._set_playing(True)

    @_locked
    def pause(self) -> None:
        """Stop training and show the state reached; then nothing runs or is sent."""
        was_playing = self._loop.running
        self._halt()
        if self._closed:
            return
        if was_playing and self._dirty:
            self._render()
        elif self._chart_pending:
            self._update_chart()

    def _halt(self) -> None:
        self._loop.stop()
        self._gate.stop()
        self._set_playing(False)

    @_locked
    def step(self, n: int = 1) -> int:
        """Pause, train every run ``n`` epochs, draw once.  Returns the epochs run."""
        self._check_open()
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n={n!r}: must be an integer >= 0")
        self._halt()
        start = self._runs.epoch
        self._runs.step(int(n))
        self._render()
        return int(self._runs.epoch - start)

    @_locked
    def reset(self) -> None:
        """Pause and start every run again at epoch 0, as Playground's Reset: new weights
        from each run's stream, or with "same start" the very weights they started from
        (seeds always draw new ones: each Reset is a new trial of the odds)."""
        self._check_open()
        self._halt()
        same = self._same_start and self._vary != "seed"
        self._runs.reset(same_weights=same)
        if self._status.kind != "info":
            self._status.clear()
        self._render()

    @_locked
    def close(self) -> None:
        """Stop the loop and close this widget and every widget inside it."""
        if getattr(self, "_closed", True):
            if "_closed" not in self.__dict__:
                super().close()
            return
        self._closed = True
        self._loop.stop()
        displays.forget(self)
        self._gate.close()
        for part in (self.top_bar, self.vary_bar, *self.value_controls.values(),
                     *self._value_boxes.values(), self.chart, self._sy_linear, self._sy_log,
                     *self._y_axes.values(),
                     *[c.box for c in self._cells], self.log_scale, self.legend, self._status,
                     *self.children, self.layout):
            close_tree(part)
        super().close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Compare has been closed; make a new one")

    def _set_playing(self, playing: bool) -> None:
        self.play_button.icon = "pause" if playing else "play"
        if playing:
            self.play_button.add_class("nbp-playing")
        else:
            self.play_button.remove_class("nbp-playing")

    # -- messages --------------------------------------------------------------------------

    def _guarded(self, fn: Callable) -> Callable:
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                log.error("nbplayground: %s: %s", type(exc).__name__, exc, exc_info=exc)
                if not self._closed:
                    self._status.show(f"Error: {type(exc).__name__}: {exc}", "error")
        return call

    def _pause_unwatched(self) -> None:
        """No view has drawn a frame for a while (the notebook was closed): pause, so that
        the kernel stops training for nobody, and say so to the view that comes back."""
        self._halt()
        self._render()
        self._status.show(self._gate.unwatched_message(f"epoch {self._runs.epoch}"), "info")

    def _report_all_diverged(self) -> None:
        self._status.show(f"Every run diverged (by epoch {self._runs.epoch}): paused. "
                          f"Press Reset.", "error")

    # -- the loop's callbacks --------------------------------------------------------------

    @_locked
    def _train_tick(self, max_epochs: int | None, seconds: float) -> int:
        if not self._loop.running:
            return 0
        if self._gate.idle():
            self._pause_unwatched()
            return 0
        runs = self._runs
        start = runs.epoch
        runs.step(_UNBOUNDED_EPOCHS if max_epochs is None else max_epochs, seconds=seconds)
        trained = int(runs.epoch - start)
        if trained:
            self._dirty = True
        return trained

    @_locked
    def _render_tick(self) -> None:
        if not self._loop.running:
            return
        self._render(live=True)
        self._gate.mark()
        if bool(np.all(self._runs.diverged)):
            self._halt()
            self._update_chart()
            self._report_all_diverged()

    def _on_loop_error(self, exc: BaseException) -> None:
        self._gate.stop()
        self._set_playing(False)
        log.error("nbplayground: %s: %s", type(exc).__name__, exc, exc_info=exc)
        if not self._closed:
            self._status.show(f"Error: {type(exc).__name__}: {exc}", "error")

    def _on_loop_stop(self) -> None:
        self._gate.stop()
        self._set_playing(False)

    # -- drawing ---------------------------------------------------------------------------

    def grid_points(self, domain) -> np.ndarray:
        """The (HEATMAP_GRID**2, 2) points of a heatmap over ``domain`` (xmin, xmax, ymin,
        ymax), row-major with row 0 at the top (largest y), as the Playground's grid."""
        domain = tuple(float(v) for v in domain)
        points = self._grid_cache.get(domain)
        if points is None:
            x0, x1, y0, y1 = domain
            gx, gy = np.meshgrid(np.linspace(x0, x1, HEATMAP_GRID),
                                 np.linspace(y1, y0, HEATMAP_GRID))
            points = np.column_stack([gx.ravel(), gy.ravel()])
            self._grid_cache = {domain: points}
        return points

    def heatmap_png(self, i: int) -> bytes:
        """The picture of run ``i``'s output on the heatmap grid: the run's own
        ``predict``, in the Playground's output colours, as an indexed PNG."""
        trainer = self._runs[i]
        n = HEATMAP_GRID
        output = trainer.predict(self.grid_points(trainer.domain))
        if output.ndim == 2:  # (points, K) class probabilities
            image = _render.class_heatmap(output.T.reshape(-1, n, n))
            return _render.encode_png_indexed(image.indices, image.palette, image.alpha,
                                              level=PNG_LEVEL)
        indices = _render.heatmap_indices(output.reshape(n, n), trainer.config.discretize)
        palette, alpha = _render.heatmap_palette()
        return _render.encode_png_indexed(indices, palette, alpha, level=PNG_LEVEL)

    def _draw_heatmaps(self, live: bool) -> None:
        """Send the pictures that changed: all of them, or while playing as many as
        :data:`HEATMAP_BUDGET` allows, taking the runs in turn."""
        k = len(self._cells)
        count = k
        if live and self._heat_cost * k > HEATMAP_BUDGET:
            count = max(1, min(k, int(HEATMAP_BUDGET / self._heat_cost)))
        start = self._next_heat if count < k else 0
        t0 = time.perf_counter()
        for j in range(count):
            i = (start + j) % k
            cell = self._cells[i]
            url = _render.png_data_url(self.heatmap_png(i)).encode("ascii")
            if url != cell.image.value:
                cell.image.value = url
                self.images_sent += 1
        self._next_heat = (start + count) % k if k else 0
        if count:
            cost = (time.perf_counter() - t0) / count
            self._heat_cost = cost if self._heat_cost == 0 else 0.8 * self._heat_cost + 0.2 * cost

    def _render(self, live: bool = False) -> None:
        """Draw one frame: the epoch, the changed heatmaps, and (at most every
        CHART_INTERVAL while playing) the curves and titles."""
        if self._closed:
            return
        runs = self._runs
        self.epoch.value = f"{int(runs.epoch):07,d}"
        self._draw_heatmaps(live)
        now = time.monotonic()
        if live and now - self._last_chart < CHART_INTERVAL:
            self._chart_pending = True
        else:
            self._update_chart(titles=not live or now - self._last_titles >= TITLE_INTERVAL)
        self._dirty = False
        self.frames_rendered += 1

    def _titles(self) -> None:
        runs = self._runs
        colors = self._colors()
        test = np.asarray(runs.test_loss, dtype=float)
        diverged = np.asarray(runs.diverged, dtype=bool)
        for i, cell in enumerate(self._cells):
            full = str(runs.labels[i])
            # a picture's title has one line of ~110 px: the learning rate is "lr" there
            # (the legend and a hover give the whole label)
            label = html.escape(full.replace("learning rate ", "lr "))
            if diverged[i]:
                what = (f'<span class="nbp-compare-diverged">diverged at epoch '
                        f'{runs[i].epoch}</span>')
                cell.box.add_class("nbp-diverged")
            else:
                what = f"test loss {format_loss(float(test[i]))}"
                cell.box.remove_class("nbp-diverged")
            cell.title.value = (f'<span class="nbp-compare-swatch" style="background:'
                                f'{colors[i]}"></span><b title="{html.escape(full)}">{label}'
                                f'</b><br>{what}')

    def _curves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, train, test), each (K, n) float64 with n <= CURVE_POINTS: each run's own
        history, its non-finite points dropped, then padded with its last point (a
        segment of length 0 draws nothing)."""
        histories = self._runs.histories
        curves = []
        for h in histories:
            epochs, train, test = h.sampled(CURVE_POINTS)
            keep = np.isfinite(train) & np.isfinite(test) \
                & (np.abs(train) < 3e38) & (np.abs(test) < 3e38)
            curves.append((epochs[keep], train[keep], test[keep]))
        # at least two columns: bqplot reads a (K, 1) array as one line
        n = max(2, max(len(c[0]) for c in curves))
        out = np.zeros((3, len(curves), n))
        for i, c in enumerate(curves):
            m = len(c[0])
            for j in range(3):
                if m:
                    out[j, i, :m] = c[j]
                    out[j, i, m:] = c[j][-1]
                else:
                    out[j, i, :] = np.nan if j else 0.0
        return out[0], out[1], out[2]

    def _update_chart(self, titles: bool = True) -> None:
        """Send the curves (and the titles; else they wait: the chart stays pending
        until they are drawn, at the latest when playing stops)."""
        self._last_chart = time.monotonic()
        self._chart_pending = not titles
        if titles:
            self._last_titles = self._last_chart
            self._titles()
        x, train, test = self._curves()
        both = np.concatenate([train.ravel(), test.ravel()])
        both = both[np.isfinite(both)]
        if self._log_scale:
            both = both[both > 0]
            lo, hi = (float(both.min()), float(both.max())) if both.size else (1e-3, 1.0)
            lo = max(lo, 1e-6)
            if hi <= lo * 1.01:
                lo, hi = lo / 2, hi * 2
            scale = self._sy_log
            train, test = np.maximum(train, lo), np.maximum(test, lo)
        else:
            lo, hi = (0.0, float(both.max())) if both.size else (0.0, 1.0)
            if hi <= lo:
                hi = lo + 1.0
            scale = self._sy_linear
        with scale.hold_sync():
            scale.min, scale.max = lo, hi
        x_max = max(10.0, float(np.nanmax(x)) if x.size else 1.0)
        with self._sx.hold_sync():
            self._sx.min, self._sx.max = 0.0, x_max
        x_ticks, x_format = nice_ticks(0.0, x_max, 6)
        y_ticks, y_format = _log_ticks(lo, hi) if self._log_scale else nice_ticks(lo, hi, 6)
        with self._x_axis.hold_sync():
            self._x_axis.tick_values, self._x_axis.tick_format = x_ticks, x_format
        with self._y_axis.hold_sync():
            self._y_axis.tick_values, self._y_axis.tick_format = y_ticks, y_format
        x32 = x.astype(np.float32)
        for mark, y in ((self.train_lines, train), (self.test_lines, test)):
            with mark.hold_sync():
                mark.x = x32
                mark.y = y.astype(np.float32)
        self.chart_updates += 1

    # -- display hooks ---------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        if self._displayed:
            self.pause()
        self._displayed = True
        self._gate.expect_frontend = True  # a view will tick while playing
        displays.retire_earlier_displays(self)  # what an earlier run of this cell showed
        return super()._repr_mimebundle_(**kwargs)
