"""The ``Descent`` widget: gradient descent you can watch (``from nbplayground import Descent``).

It wraps the engine of :mod:`nbplayground.descent` (a :class:`~nbplayground.descent.Descent`,
or a :class:`~nbplayground.descent.Race` when ``runs=`` is given) and draws it with bqplot::

    ┌ reset · play/pause · step │ step counter │ speed │ curve                   ┐
    ├ learning rate (log slider) · decay · optimizer (+ its settings)             ┤
    ├ the figure: the loss curve (1-D) or surface (2-D picture), the ball, its   ┤
    │ trail, the tangent (1-D) and the arrow of the negative gradient; a click    │
    │ sets the start                                                              │
    └ readout (step, position, loss, gradient, rate) · legend (race) · status     ┘

From code: ``d = Descent("bowl", learning_rate=0.8)``, ``d.step(10)``, ``d.position``,
``d.path``, ``d.loss``, ``d.play()``, ``d.pause()``, ``d.reset(start=...)``, ``d.configure(...)``.
In a race (``Descent("ravine", runs=[dict(optimizer="sgd"), dict(optimizer="adam")])``)
``position``, ``path`` and ``loss`` are lists, one entry per run.

Playing runs the Playground's :class:`~nbplayground.ui.loop.TrainingLoop` with a
:class:`~nbplayground.ui.loop.FrameGate`: ``steps_per_second`` steps a second, at most one
frame per tick (30 a second at most), no task and no message while paused; ``close()``
cancels it and displaying the widget again pauses it.  The UI does no math: the positions,
losses, gradients and the surface come from the engine.
"""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import time

import bqplot
import ipywidgets as widgets
import numpy as np

from .. import descent as _engine
from .. import optimizers as _optimizers
from .. import render as _render
from . import displays
from .closing import close_tree
from .loop import FrameGate, TrainingLoop
from .output_view import nice_ticks

try:
    import ipyevents
except ImportError:  # pragma: no cover - ipyevents is a dependency of the widget
    ipyevents = None

__all__ = ["Descent", "LEARNING_RATE_RANGE", "SPEEDS", "FIGURE_WIDTH", "MARGIN",
           "RACE_COLORS"]

#: The learning-rate slider's range (it is logarithmic): it holds the chapter's values, from
#: a crawl (0.001) through "converges" (0.1) and "bounces" (0.8) to "diverges" (1.1, 3).
LEARNING_RATE_RANGE = (0.001, 3.0)
#: Steps per second offered by the speed menu.
SPEEDS = (1, 2, 5, 10, 20, 30, 60, 120)
#: Outer width of the figure in px; the height follows the range (2-D) or is fixed (1-D).
FIGURE_WIDTH = 560
#: Figure margins in px (the plot area is the figure minus these).
MARGIN = {"top": 10, "bottom": 42, "left": 56, "right": 14}
#: While playing, the step counter and the readout are redrawn at most this often (seconds):
#: two messages fewer in most frames.
TEXT_INTERVAL = 0.2
#: Points of the trail sent at most (the most recent ones).
TRAIL_POINTS = 100
#: One colour per run of a race (readable on light and dark themes and on the surface).
RACE_COLORS = _render.CATEGORICAL_HEX
BALL_COLOR = _render.ORANGE
CURVE_COLOR = "#4a90c8"
TANGENT_COLOR = "#8a8a8a"
ARROW_COLOR = "#d62728"
SETTING_LABELS = {
    "momentum": "Momentum", "nesterov": "Nesterov", "rho": "ρ (rho)", "epsilon": "ε",
    "beta_1": "β₁", "beta_2": "β₂", "amsgrad": "AMSGrad", "centered": "centered",
    "initial_accumulator_value": "initial accumulator",
}
OPTIMIZER_LABELS = {
    "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta",
    "adam": "Adam", "adamax": "Adamax", "nadam": "Nadam",
}

_CSS = """
.nbp-descent { color: var(--jp-ui-font-color1, #000);
  font-family: var(--jp-ui-font-family, sans-serif); gap: 4px; overflow-x: auto; }
.nbp-descent .nbp-descent-caption { font-size: 11px; color: var(--jp-ui-font-color2, #666); }
.nbp-descent .nbp-descent-readout { font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; color: var(--jp-ui-font-color1, #000); }
.nbp-descent .nbp-descent-counter { min-width: 10ch; font-variant-numeric: tabular-nums; }
.nbp-descent .nbp-descent-status { font-size: 12px; color: var(--jp-error-color1, #d32f2f); }
.nbp-descent .nbp-descent-title { font-size: 13px; font-weight: 600; }
.nbp-descent .nbp-descent-description { font-size: 12px; color: var(--jp-ui-font-color2, #666); }
.nbp-descent .nbp-descent-legend { font-size: 12px; color: var(--jp-ui-font-color1, #000); }
.nbp-descent .nbp-descent-legend-item { margin-right: 16px; white-space: nowrap; }
.nbp-descent .nbp-descent-swatch { display: inline-block; width: 14px; height: 4px;
  margin: 0 5px 3px 0; vertical-align: middle; }
.nbp-descent .nbp-descent-figure .tick text, .nbp-descent .nbp-descent-figure .axislabel {
  fill: var(--jp-ui-font-color2, #666) !important; font-size: 11px; }
.nbp-descent .nbp-descent-figure .axis path, .nbp-descent .nbp-descent-figure .tick line {
  stroke: var(--jp-ui-font-color3, #aaa); }
.nbp-descent .nbp-descent-figure image { image-rendering: pixelated; }
.nbp-descent .nbp-descent-figure { cursor: crosshair; }
.nbp-descent .widget-readout { color: var(--jp-ui-font-color1, #000); }
"""


def _locked(method):
    """Hold the widget's lock (widget handlers may run on another thread than the loop)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return call


def _fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def _fmt_point(p) -> str:
    return ", ".join(_fmt(float(v)) for v in p)


class Descent(widgets.VBox):
    """Gradient descent on a curve or surface, drawn live.

    ``Descent(curve=None, *, runs=None, steps_per_second=10, **engine_arguments)``: the
    arguments of :class:`nbplayground.descent.Descent` (``optimizer``, ``learning_rate``,
    ``decay``, ``momentum``, ``nesterov``, ``start``, ``f``, ``grad``, ``range`` and the
    optimizer's settings); with ``runs=[{...}, ...]`` a :class:`nbplayground.descent.Race`
    (the remaining settings are common to all runs).
    """

    CURVES = _engine.CURVES

    def __init__(self, curve=None, *, runs=None, steps_per_second: float = 10, **arguments):
        self._lock = threading.RLock()
        self._displayed = False
        self._arguments = dict(arguments)
        self._runs = runs
        self._engine = self._make_engine(curve, runs, arguments)
        self._syncing = False
        self._text_time = -math.inf
        self._last_drawn = None
        #: frames drawn so far
        self.frames_rendered = 0

        self._gate = FrameGate()
        self._loop = TrainingLoop(self._train_tick, self._render_tick,
                                  on_error=self._on_loop_error, on_stop=self._on_loop_stop,
                                  ready=self._gate.ready,
                                  epochs_per_second=self._check_speed(steps_per_second))

        # -- buttons and menus ------------------------------------------------------------
        self.reset_button = self._button("undo", "Reset to the start", "nbp-descent-reset")
        self.play_button = self._button("play", "Play / Pause", "nbp-descent-play")
        self.step_button = self._button("step-forward", "One step", "nbp-descent-step")
        self.reset_button.on_click(lambda _: self._guard(self.reset))
        self.play_button.on_click(lambda _: self._guard(
            self.pause if self._loop.running else self.play))
        self.step_button.on_click(lambda _: self._guard(self.step))
        self.counter = widgets.HTML("")
        self.counter.add_class("nbp-descent-readout")
        self.counter.add_class("nbp-descent-counter")
        self.speed = widgets.Dropdown(
            options=self._speed_options(steps_per_second), value=float(steps_per_second),
            layout=widgets.Layout(width="130px"))
        self.speed.add_class("nbp-descent-speed")
        self.speed.observe(lambda c: self._guard(self._on_speed, c["new"]), "value")
        self.curve = widgets.Dropdown(
            options=[(c.title, name) for name, c in _engine.CURVES.items()],
            layout=widgets.Layout(width="280px"))
        self.curve.add_class("nbp-descent-curve")
        if self.engine.curve.name in _engine.CURVES:
            self.curve.value = self.engine.curve.name
        else:  # your own function: no menu
            self.curve.options = [(self.engine.curve.title, "custom")]
            self.curve.value = "custom"
            self.curve.disabled = True
        self.curve.observe(lambda c: self._guard(self._on_curve, c["new"]), "value")

        # -- optimizer controls -----------------------------------------------------------
        first = self._balls[0]
        lo, hi = LEARNING_RATE_RANGE
        self.learning_rate = widgets.FloatLogSlider(
            value=first.learning_rate, base=10, min=math.log10(lo), max=math.log10(hi),
            step=0.01, readout_format=".3g", continuous_update=False,
            layout=widgets.Layout(width="300px"))
        self.learning_rate.add_class("nbp-descent-learning-rate")
        self.decay = widgets.FloatSlider(value=first.settings["decay"], min=0.0, max=1.0,
                                         step=0.01, continuous_update=False,
                                         layout=widgets.Layout(width="230px"))
        self.decay.add_class("nbp-descent-decay")
        self.learning_rate.observe(
            lambda c: self._guard(self._on_setting, "learning_rate", c["new"]), "value")
        self.decay.observe(lambda c: self._guard(self._on_setting, "decay", c["new"]), "value")
        self.optimizer = widgets.Dropdown(
            options=[(OPTIMIZER_LABELS.get(n, n), n) for n in _optimizers.NAMES],
            value=first.optimizer, layout=widgets.Layout(width="110px"))
        self.optimizer.add_class("nbp-descent-optimizer")
        self.optimizer.observe(lambda c: self._guard(self._on_optimizer, c["new"]), "value")
        self.settings: dict[str, widgets.Widget] = {}
        self._setting_boxes: dict[str, widgets.Widget] = {}
        names = []
        for hp in _optimizers.HYPERPARAMETERS.values():
            names += [n for n in hp if n not in names and n not in ("learning_rate", "decay")]
        for name in names:
            default = next(d[name] for d in _optimizers.DEFAULTS.values() if name in d)
            if isinstance(default, bool):
                w = widgets.Checkbox(value=default, indent=False,
                                     layout=widgets.Layout(width="auto"))
            elif name == "momentum":
                w = widgets.FloatSlider(value=default, min=0.0, max=0.99, step=0.01,
                                        continuous_update=False,
                                        layout=widgets.Layout(width="200px"))
            else:
                w = widgets.FloatText(value=default, layout=widgets.Layout(width="80px"))
            w.add_class(f"nbp-descent-{name.replace('_', '-')}")
            w.observe(lambda c, name=name: self._guard(self._on_setting, name, c["new"]),
                      "value")
            self.settings[name] = w
            self._setting_boxes[name] = self._labelled(SETTING_LABELS.get(name, name), w)
        self._optimizer_box = widgets.HBox(
            [self._labelled("Optimizer", self.optimizer), *self._setting_boxes.values()],
            layout=widgets.Layout(align_items="flex-end", flex_flow="row wrap"))

        # -- the figure -------------------------------------------------------------------
        self._sx = bqplot.LinearScale(allow_padding=False)
        self._sy = bqplot.LinearScale(allow_padding=False)
        scales = {"x": self._sx, "y": self._sy}
        self._x_axis = bqplot.Axis(scale=self._sx, side="bottom", grid_lines="none",
                                   label_offset="34px")
        self._y_axis = bqplot.Axis(scale=self._sy, side="left", grid_lines="none",
                                   label_offset="42px")
        self._picture = widgets.Image(format="png")
        self.surface_image = bqplot.Image(image=self._picture, scales=scales, visible=False)
        self.curve_line = bqplot.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                       colors=[CURVE_COLOR], stroke_width=2.5)
        self.tangent = bqplot.Lines(x=np.zeros(0), y=np.zeros(0), scales=scales,
                                    colors=[TANGENT_COLOR], stroke_width=1.5,
                                    line_style="dashed")
        self.arrow = bqplot.Lines(x=np.zeros((3, 2)), y=np.zeros((3, 2)), scales=scales,
                                  colors=[ARROW_COLOR], stroke_width=2.5, visible=False)
        self.trails: list[bqplot.Lines] = []
        self.balls: list[bqplot.Scatter] = []
        for i, _ in enumerate(self._balls):
            color = self._color(i)
            self.trails.append(bqplot.Lines(
                x=np.zeros(0), y=np.zeros(0), scales=scales, colors=[color], stroke_width=1.5,
                marker="circle", marker_size=12, opacities=[0.9]))
            self.balls.append(bqplot.Scatter(
                x=np.zeros(1), y=np.zeros(1), scales=scales, colors=[color], default_size=110,
                stroke="white", stroke_width=1.5))
        self.figure = bqplot.Figure(
            marks=[self.surface_image, self.curve_line, self.tangent, *self.trails, self.arrow,
                   *self.balls],
            axes=[self._x_axis, self._y_axis], animation_duration=0, fig_margin=dict(MARGIN),
            padding_x=0.0, padding_y=0.0, min_aspect_ratio=0.01, max_aspect_ratio=100,
            display_toolbar=False, background_style={"fill": "none"})
        self.figure.add_class("nbp-descent-figure")
        self._events = []
        if ipyevents is not None:
            clicks = ipyevents.Event(source=self.figure, watched_events=["click"])
            clicks.on_dom_event(lambda e: self._guard(self._on_figure_event, e))
            self._events = [clicks]

        # -- text -------------------------------------------------------------------------
        self.title = widgets.HTML("")
        self.title.add_class("nbp-descent-title")
        self.description = widgets.HTML("")
        self.description.add_class("nbp-descent-description")
        self.readout = widgets.HTML("")
        self.readout.add_class("nbp-descent-readout")
        self.legend = widgets.HTML("")
        self.legend.add_class("nbp-descent-legend")
        self.status = widgets.HTML("")
        self.status.add_class("nbp-descent-status")
        self._style = widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))

        buttons = widgets.HBox([self.reset_button, self.play_button, self.step_button,
                                self.counter, self._labelled("Speed (steps/s)", self.speed),
                                self._labelled("Curve", self.curve)],
                               layout=widgets.Layout(align_items="flex-end",
                                                     flex_flow="row wrap"))
        # rows wrap in a narrow window (900 px with the file browser): they shrank instead,
        # cutting the Curve menu and the sliders' readouts ("0" for a rate of 0.100)
        rates = widgets.HBox([self._labelled("Learning rate", self.learning_rate),
                              self._labelled("Decay: lr / (1 + decay · step)", self.decay)],
                             layout=widgets.Layout(flex_flow="row wrap"))
        self._rows = [buttons, rates, self._optimizer_box]
        super().__init__([self._style, self._gate.widget, buttons, rates, self._optimizer_box,
                          self.title, self.description, self.figure, self.legend, self.readout,
                          self.status])
        self.add_class("nbp-descent")
        self._closed = False
        self._draw_curve()
        self._sync_controls()
        self._render()

    # -- building helpers -------------------------------------------------------------

    @staticmethod
    def _make_engine(curve, runs, arguments):
        if runs is None:
            return _engine.Descent(curve, **arguments)
        return _engine.Race(curve, runs, **arguments)

    @staticmethod
    def _button(icon, tooltip, cls):
        b = widgets.Button(icon=icon, tooltip=tooltip, layout=widgets.Layout(width="40px"))
        b.add_class(cls)
        return b

    @staticmethod
    def _labelled(label, widget):
        caption = widgets.HTML(f'<div class="nbp-descent-caption">{label}</div>')
        return widgets.VBox([caption, widget], layout=widgets.Layout(width="auto",
                                                                      margin="0 8px 0 0"))

    @staticmethod
    def _check_speed(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or value <= 0:
            raise ValueError(f"steps_per_second={value!r} is not allowed; it must be a finite "
                             f"number > 0")
        return float(value)

    @staticmethod
    def _speed_options(current):
        values = sorted(set(float(s) for s in SPEEDS) | {float(current)})
        return [(f"{v:g} {'step' if v == 1 else 'steps'}/s", v) for v in values]

    def _color(self, i: int) -> str:
        if not self.racing:
            return BALL_COLOR
        return RACE_COLORS[i % len(RACE_COLORS)]

    # -- state ------------------------------------------------------------------------

    @property
    def engine(self):
        """The engine object: a :class:`nbplayground.descent.Descent` or, in a race, a
        :class:`nbplayground.descent.Race`."""
        return self._engine

    @property
    def racing(self) -> bool:
        return isinstance(self._engine, _engine.Race)

    @property
    def _balls(self) -> list:
        return list(self._engine.runs) if self.racing else [self._engine]

    @property
    def position(self):
        """Where the ball is (a list of positions in a race)."""
        return self._engine.positions if self.racing else self._engine.position

    @property
    def path(self):
        """The positions so far, start first (a list of paths in a race)."""
        return self._engine.paths if self.racing else self._engine.path

    @property
    def loss(self):
        """f at the position (a list in a race)."""
        return self._engine.losses if self.racing else self._engine.loss

    @property
    def steps(self) -> int:
        return self._engine.steps

    @property
    def playing(self) -> bool:
        return self._loop.running

    @property
    def loop(self) -> TrainingLoop:
        return self._loop

    @property
    def steps_per_second(self) -> float:
        return self._loop.epochs_per_second

    @property
    def closed(self) -> bool:
        return self._closed

    # -- actions ----------------------------------------------------------------------

    @_locked
    def step(self, n: int = 1) -> int:
        """Pause, take ``n`` steps, draw once; return the steps taken."""
        self._check_open()
        self._halt()
        done = self._engine.step(n)
        self._render()
        return done

    @_locked
    def play(self) -> None:
        """Step ``steps_per_second`` times a second on the kernel's event loop until paused."""
        self._check_open()
        if self._loop.running or self._engine.diverged:
            self._render()
            return
        if self.status.value.startswith(FrameGate.UNWATCHED):
            self.status.value = ""
        self._loop.start()
        self._gate.start()
        self._show_playing(True)

    @_locked
    def pause(self) -> None:
        """Stop playing; draw the state reached."""
        was = self._loop.running
        self._halt()
        if was and not self._closed:
            self._render()

    @_locked
    def reset(self, start=None) -> None:
        """Pause and go back to the start (``start``: a new start point)."""
        self._check_open()
        self._halt()
        self._engine.reset(start)
        self._render()

    @_locked
    def configure(self, optimizer: str | None = None, **settings) -> None:
        """Change the optimizer (not in a race) and its settings live (see the engine's
        ``configure``); the controls follow."""
        self._check_open()
        if self.racing:
            if optimizer is not None:
                raise ValueError("a race's runs keep their optimizers; give settings only")
            self._engine.configure(**settings)
        else:
            self._engine.configure(optimizer, **settings)
        self._sync_controls()
        self._render()

    @_locked
    def set_curve(self, curve: str) -> None:
        """Pause and move to the named curve (same optimizer settings, its default start)."""
        self._check_open()
        if curve not in _engine.CURVES:
            raise ValueError(f"curve={curve!r} is not a curve; allowed: "
                             f"{', '.join(_engine.CURVES)}")
        self._halt()
        arguments = {k: v for k, v in self._arguments.items()
                     if k not in ("start", "f", "grad", "range")}
        first = self._balls[0]
        arguments["learning_rate"] = first.learning_rate
        arguments["decay"] = first.settings["decay"]
        if not self.racing:
            arguments.update(first.settings)
            arguments["optimizer"] = first.optimizer
        self._engine = self._make_engine(curve, self._runs, arguments)
        self._draw_curve()
        self._sync_controls()
        self._render()

    def click(self, x: float, y: float | None = None) -> None:
        """Set the start at data point (x, y) (y is ignored on a 1-D curve) and reset."""
        if self._engine.dim == 2 and y is None:
            raise ValueError(f"click(x={x!r}, y=None): this surface is 2-D; give y too")
        point = (x,) if self._engine.dim == 1 else (x, y)
        self.reset(start=point)

    # -- handlers ---------------------------------------------------------------------

    def _guard(self, fn, *args):
        """Run a widget callback: a refused value goes to the status line, the controls
        snap back to the engine's state."""
        if self._syncing or getattr(self, "_closed", True):
            return None
        try:
            return fn(*args)
        except (TypeError, ValueError, RuntimeError) as exc:
            self.status.value = f"Not allowed: {exc}"
            self._sync_controls()
            return None

    def _on_setting(self, name, value):
        if name == "nesterov" or isinstance(self.settings.get(name), widgets.Checkbox):
            value = bool(value)
        self.configure(**{name: value})
        self.status.value = ""

    def _on_optimizer(self, name):
        self.configure(name)
        self.status.value = ""

    def _on_speed(self, value):
        self._loop.epochs_per_second = self._check_speed(value)

    def _on_curve(self, name):
        if name != "custom":
            self.set_curve(name)

    def figure_size(self) -> tuple[float, float]:
        """The figure's (width, height) in layout px."""
        return FIGURE_WIDTH, float(self.figure.layout.height.rstrip("px"))

    def pixel_to_data(self, px: float, py: float):
        """The data point under figure pixel (px, py) (y down), or None outside the plot."""
        width, height = self.figure_size()
        w = width - MARGIN["left"] - MARGIN["right"]
        h = height - MARGIN["top"] - MARGIN["bottom"]
        u, v = (px - MARGIN["left"]) / w, (py - MARGIN["top"]) / h
        if not (0.0 <= u <= 1.0 and 0.0 <= v <= 1.0):
            return None
        x = self._sx.min + u * (self._sx.max - self._sx.min)
        y = self._sy.max - v * (self._sy.max - self._sy.min)
        return x, y

    def figure_click(self, px: float, py: float):
        """A click at figure pixel (px, py): the start moves there.  Returns the point."""
        point = self.pixel_to_data(px, py)
        if point is not None:
            self.click(*point)
        return point

    def _on_figure_event(self, event: dict) -> None:
        if event.get("type") != "click":
            return
        width, height = self.figure_size()
        w = float(event.get("boundingRectWidth") or width)
        h = float(event.get("boundingRectHeight") or height)
        self.figure_click(float(event.get("relativeX", math.nan)) * width / w,
                          float(event.get("relativeY", math.nan)) * height / h)

    # -- the loop ---------------------------------------------------------------------

    @_locked
    def _train_tick(self, max_steps, seconds) -> int:
        if not self._loop.running:
            return 0
        if self._gate.idle():   # no view for a while (notebook closed): stop using the CPU
            self._halt()
            self._render()
            self.status.value = self._gate.unwatched_message(f"step {self.steps}")
            return 0
        n = 1 if max_steps is None else max_steps
        return self._engine.step(n)

    @_locked
    def _render_tick(self) -> None:
        if not self._loop.running:
            return
        if self._drawn_key() != self._last_drawn:   # a ball that has settled sends nothing
            self._render(live=True)
            self._gate.mark()
        if self._engine.diverged:
            self._halt()

    def _drawn_key(self) -> tuple:
        """What a frame shows that can change: each ball's position."""
        return tuple(ball.position.tobytes() for ball in self._balls)

    def _halt(self) -> None:
        self._loop.stop()
        self._gate.stop()
        self._show_playing(False)

    def _on_loop_error(self, exc) -> None:
        self._gate.stop()
        self._show_playing(False)
        if not self._closed:
            self.status.value = f"Error: {type(exc).__name__}: {exc}"

    def _on_loop_stop(self) -> None:
        self._gate.stop()
        self._show_playing(False)

    def _show_playing(self, playing: bool) -> None:
        self.play_button.icon = "pause" if playing else "play"
        if playing:
            self.play_button.add_class("nbp-playing")
        else:
            self.play_button.remove_class("nbp-playing")

    # -- drawing ----------------------------------------------------------------------

    def _sync_controls(self) -> None:
        """Show the engine's settings in the controls without calling back."""
        first = self._balls[0]
        self._syncing = True
        try:
            name = self._engine.curve.name
            if name in _engine.CURVES:   # set_curve from code: the menu follows
                named = tuple((c.title, n) for n, c in _engine.CURVES.items())
                if tuple(self.curve.options) != named:   # it was "Your function"
                    self.curve.options = named
                self.curve.value = name
                self.curve.disabled = False
            self.learning_rate.value = first.learning_rate
            self.decay.value = first.settings["decay"]
            # what a race varies is each run's own: its control shows the first run's and
            # is disabled (a change would reach no run), saying why
            own = self._engine.own_settings if self.racing else frozenset()
            for name, w, what in (("learning_rate", self.learning_rate, "learning rate"),
                                  ("decay", self.decay, "decay")):
                w.disabled = name in own
                w.tooltip = (f"Each run of this race has its own {what} (see the legend)"
                             if name in own else None)
            self.optimizer.value = first.optimizer
            names = _optimizers.HYPERPARAMETERS[first.optimizer]
            for name, w in self.settings.items():
                shown = name in names and not self.racing
                self._setting_boxes[name].layout.display = None if shown else "none"
                if name in names:
                    w.value = first.settings[name]
            self._optimizer_box.layout.display = "none" if self.racing else None
        finally:
            self._syncing = False

    def _draw_curve(self) -> None:
        """The background: the curve (1-D) or the surface picture (2-D), scales, axes."""
        curve = self._engine.curve
        self.title.value = curve.title
        self.description.value = curve.description
        with contextlib.ExitStack() as stack:
            for w in (self.figure, self._sx, self._sy, self.curve_line, self.surface_image,
                      self.tangent):
                stack.enter_context(w.hold_sync())
            if curve.dim == 1:
                x, y = curve.curve()
                finite = np.isfinite(y)
                lo, hi = float(y[finite].min()), float(y[finite].max())
                pad = 0.06 * (hi - lo or 1.0)
                self._sx.min, self._sx.max = curve.range
                self._sy.min, self._sy.max = lo - pad, hi + pad
                self.curve_line.x, self.curve_line.y = x, y
                self.curve_line.visible = True
                self.surface_image.visible = False
                self.tangent.visible = True
                height = 340
                self._y_axis.label = "loss"
                self._x_axis.label = "x (the parameter)"
            else:
                (x0, x1), (y0, y1) = curve.range
                _, _, z = curve.surface()
                self._picture.value = _render.heatmap_png(_engine.surface_levels(z))
                # the picture's pixels are centred on the grid points: widen by half a cell
                n = z.shape[1] - 1
                hx, hy = (x1 - x0) / n / 2, (y1 - y0) / n / 2
                self.surface_image.x = (x0 - hx, x1 + hx)
                self.surface_image.y = (y0 - hy, y1 + hy)
                self._sx.min, self._sx.max = x0, x1
                self._sy.min, self._sy.max = y0, y1
                self.curve_line.visible = False
                self.surface_image.visible = True
                self.tangent.visible = False
                plot_w = FIGURE_WIDTH - MARGIN["left"] - MARGIN["right"]
                plot_h = min(max(plot_w * (y1 - y0) / (x1 - x0), 220), 500)
                height = int(round(plot_h + MARGIN["top"] + MARGIN["bottom"]))
                self._y_axis.label = "y"
                self._x_axis.label = "x"
            for axis, scale in ((self._x_axis, self._sx), (self._y_axis, self._sy)):
                axis.tick_values, axis.tick_format = nice_ticks(scale.min, scale.max, 10)
            self.figure.layout.width = f"{FIGURE_WIDTH}px"
            self.figure.layout.height = f"{height}px"
        self.legend.value = self._legend_html()
        self._gradient_ref = None

    def _legend_html(self) -> str:
        if not self.racing:
            return ""
        items = []
        for i, label in enumerate(self._engine.labels):
            items.append(f'<span class="nbp-descent-legend-item"><span class="nbp-descent-swatch" '
                         f'style="background:{self._color(i)}"></span>{label}</span>')
        return "".join(items)

    def _xy(self, points: np.ndarray, losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plot coordinates of positions: (x, loss) in 1-D, (x, y) in 2-D."""
        if self._engine.dim == 1:
            return points[:, 0], losses
        return points[:, 0], points[:, 1]

    def _arrow(self, ball) -> tuple[np.ndarray, np.ndarray] | None:
        """Shaft and head of the negative-gradient arrow at the ball, in data coordinates
        (its size is set in plot-fraction units, so it looks the same on every scale);
        None where the gradient is 0 or not finite."""
        g = ball.gradient
        sx = self._sx.max - self._sx.min
        sy = self._sy.max - self._sy.min
        p = ball.position
        if self._engine.dim == 1:
            tail = np.array([p[0], ball.loss])
            direction = np.array([-g[0], -g[0] * g[0]])    # downhill along the tangent
        else:
            tail = np.array([p[0], p[1]])
            direction = -g
        u = direction / np.array([sx, sy])                 # in plot fractions
        size = float(np.hypot(*u))
        magnitude = float(np.linalg.norm(g))
        if self._gradient_ref is None:
            self._gradient_ref = magnitude or 1.0
        if size == 0.0 or not math.isfinite(size):
            return None
        length = 0.16 * math.tanh(4.0 * magnitude / self._gradient_ref)
        u = u / size * length
        head = 0.3 * length
        back = -u / length * head
        left = np.array([back[0] * 0.8 - back[1] * 0.5, back[1] * 0.8 + back[0] * 0.5])
        right = np.array([back[0] * 0.8 + back[1] * 0.5, back[1] * 0.8 - back[0] * 0.5])
        scale = np.array([sx, sy])
        t0 = tail
        t1 = tail + u * scale
        xs = np.array([[t0[0], t1[0]], [t1[0], t1[0] + left[0] * sx],
                       [t1[0], t1[0] + right[0] * sx]])
        ys = np.array([[t0[1], t1[1]], [t1[1], t1[1] + left[1] * sy],
                       [t1[1], t1[1] + right[1] * sy]])
        return xs, ys

    def _render(self, live: bool = False) -> None:
        """Draw one frame: balls, trails, tangent, arrow, readout.  ``live`` (a frame while
        playing): the text is redrawn at most every :data:`TEXT_INTERVAL` seconds."""
        if getattr(self, "_closed", True):
            return
        self._last_drawn = self._drawn_key()
        balls = self._balls
        marks = [*self.balls, *self.trails, self.arrow, self.tangent]
        with contextlib.ExitStack() as stack:
            for m in marks:
                stack.enter_context(m.hold_sync())
            for ball, dot, trail in zip(balls, self.balls, self.trails):
                path, losses = ball.tail(TRAIL_POINTS)
                tx, ty = self._xy(path, losses)
                trail.x, trail.y = tx, ty
                dot.x, dot.y = tx[-1:], ty[-1:]
            first = balls[0]
            arrow = None if self.racing else self._arrow(first)   # (one per ball: too many)
            if arrow is not None:
                self.arrow.x, self.arrow.y = arrow
            if self.arrow.visible != (arrow is not None):
                self.arrow.visible = arrow is not None
            if self._engine.dim == 1:
                x, f, g = first.position[0], first.loss, first.gradient[0]
                d = 0.08 * (self._sx.max - self._sx.min)
                self.tangent.x = np.array([x - d, x + d])
                self.tangent.y = np.array([f - g * d, f + g * d])
        now = time.monotonic()
        if not live or now - self._text_time >= TEXT_INTERVAL:
            self._text_time = now
            self.counter.value = f"step {self._engine.steps}"
            self.readout.value = self._readout_html()
        problems = [f"{label}: {b.status}" if self.racing else b.status
                    for b, label in zip(balls, self._labels()) if b.status]
        if problems:
            self.status.value = "; ".join(problems)
            self._diverged_shown = True
        elif getattr(self, "_diverged_shown", False):
            self.status.value = ""
            self._diverged_shown = False
        self.frames_rendered += 1

    def _labels(self) -> list[str]:
        return self._engine.labels if self.racing else [""]

    def _readout_html(self) -> str:
        rows = []
        for i, (ball, label) in enumerate(zip(self._balls, self._labels())):
            name = "x" if self._engine.dim == 1 else "(x, y)"
            head = (f'<span style="color:{self._color(i)}">●</span> {label}: '
                    if self.racing else "")
            rows.append(f"{head}{name} = {_fmt_point(ball.position)} · loss {_fmt(ball.loss)} · "
                        f"gradient {_fmt_point(ball.gradient)} · "
                        f"lr {_fmt(ball.current_learning_rate)}")
        return "<br>".join(rows)

    # -- life -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Descent has been closed; make a new one")

    def close(self) -> None:
        """Stop playing and close this widget and every widget inside it."""
        if getattr(self, "_closed", True):
            if "_closed" not in self.__dict__:
                super().close()
            return
        self._closed = True
        self._loop.stop()
        displays.forget(self)
        self._gate.stop()
        for part in (*self._rows, *self.settings.values(), *self._setting_boxes.values(),
                     self.figure, self._picture, self._style, self._gate.widget, *self._events,
                     self.title, self.description, self.readout, self.legend, self.status,
                     self.layout):
            close_tree(part)
        super().close()

    def _repr_mimebundle_(self, **kwargs):
        if self._displayed:
            self.pause()   # shown again: the old view's timer must not run on
        self._displayed = True
        self._gate.expect_frontend = True  # a view will tick while playing
        displays.retire_earlier_displays(self)  # what an earlier run of this cell showed
        return super()._repr_mimebundle_(**kwargs)
