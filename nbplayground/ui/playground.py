"""The ``Playground`` widget: TensorFlow Playground in a notebook cell.

``Playground(config=None, **changes)`` builds a :class:`~nbplayground.trainer.Trainer`
and the panels around it::

    ┌ top bar: reset · play/pause · step │ epoch │ learning rate … problem type ┐
    ├ extras: optimizer (+ its hyperparameters) · decay · init · loss · speed   ┤
    ├ DATA │ FEATURES + NETWORK (NetworkView) │ OUTPUT (OutputView)             ┤
    └ status line                                                              ┘

How a change flows (docs/playground.md §9, decided by :meth:`Trainer.apply`):

* a control makes a new Config and hands it to :meth:`Playground._apply`;
* ``trainer.apply`` answers "live" (learning rate, optimizer settings, speed,
  display fields: training goes on), "reset" (new network, same data) or
  "regenerate"/"load" (new data and network); anything that resets also
  pauses;
* every control is then synced from ``trainer.config`` (one source of truth)
  and one frame is drawn.

Playing runs a :class:`~nbplayground.ui.loop.TrainingLoop` on the kernel's
asyncio loop: it trains for a time budget, then pushes ONE frame
(:meth:`Playground._render`, at most ~30 per second), then yields to the
event loop so Pause and the sliders stay responsive.  A
:class:`~nbplayground.ui.loop.FrameGate` (a hidden ``Play`` widget ticking in
the browser) holds frames back while the browser has not caught up, so a
slow browser gets fewer frames instead of a growing queue, and Pause takes
effect on screen at once; Pause then sends the state reached.  A network that
diverges pauses and says so in the status line; an exception in the loop
pauses, goes to the status line (type and message) and to the ``logging``
module (logger ``"nbplayground"``).

Nobody watching: when a view was there (the widget was displayed, or the
gate heard from a browser) but no frame has been acknowledged for 5 s while
playing (the tab or the notebook was closed), the Playground pauses itself and
its status line says so to the view that comes back.  A browser tab in the
background ticks at least once a second, so it keeps playing (Chrome's
intensive throttling of tabs hidden for 5 minutes may pause it).
``Playground(max_cpu=0.25)`` (default: the environment variable
``NBPLAYGROUND_MAX_CPU``, else no cap) caps the share of a core a playing
Playground uses; it trains less per tick, frames keep coming.

Your own data: ``Playground(data=(X, y))`` (or ``Playground(config,
data=...)``) trains on the user's points (:mod:`nbplayground.custom_data`);
the heatmap and its axes span the data's domain (``trainer.domain``), the
dataset picker shows a selected "custom" entry, and Regenerate re-splits the
points.  "Add points" in the OUTPUT column turns clicks on the heatmap into
points of the chosen class (:meth:`Playground.add_point`): they join the
training set of the run under way (``trainer.add_points``, as in ConvNetJS),
so training goes on from the epoch it reached (and keeps running if it was);
Reset starts over on all the points.  "Clear points" empties the data
(``trainer.clear_points``) and pauses; while the drawn set cannot train yet
(fewer than two points, a single class) the widget shows the points, empty
loss readouts, and says beside Play what is missing.
The hide name ``"dataset"`` hides the point editor with the dataset picker.

Display hooks: displaying the same Playground again pauses it, and a new
Playground displayed from a cell pauses and closes the Playgrounds that an
*earlier run* of the same cell displayed (their output is gone), using the
cell id JupyterLab sends with each execution (:mod:`nbplayground.ui.displays`, which
Compare and Descent use too).  Outside a kernel these hooks do nothing.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import inspect
import logging
import math
import warnings

import ipywidgets as widgets

from ..config import DATASETS_BY_PROBLEM, FEATURES, Config
from ..trainer import Trainer
from . import displays
from .closing import close_tree
from .controls import Controls
from .loop import FrameGate, TrainingLoop, check_max_cpu, max_cpu_from_env
from .network_view import NetworkView
from .output_view import CHART_POINTS, OutputView, StatusLine
from .step_inside import StepInside
from .style import NETWORK_PANEL_PX, ROOT_CLASS, style_widget

__all__ = ["Playground", "close_tree"]

log = logging.getLogger("nbplayground")

#: Width in px of the FEATURES + NETWORK panel: with the DATA column (118 px), the
#: OUTPUT column (300 px) and two 8 px gaps the row is 950 px wide (940 px: the
#: OUTPUT column overlaps the panel by 10 px so that the output links end at the
#: heatmap's edge, see style.py).  In a narrower row (JupyterLab at 1280 px with the
#: file browser open gives ~848 px) the panel is zoomed to its column's width
#: (style.py's _network_zoom_rules); narrower than 820 px the DATA column moves below.
NETWORK_WIDTH = NETWORK_PANEL_PX

#: ``max_cpu`` not given: the environment's cap (NBPLAYGROUND_MAX_CPU), if any
_FROM_ENV = object()

#: While playing, the epoch counter changes at most this often (s): each change is a message
#: and a text layout in the page, and ten a second still reads as running; every frame
#: drawn while paused (and the last one of a run) shows the exact epoch.
EPOCH_INTERVAL = 0.1

#: ``max_epochs`` passed to Trainer.step when the loop trains as fast as it can
#: (the time budget ends the call long before).
_UNBOUNDED_EPOCHS = 1 << 30


def _locked(method):
    """Run a Playground method holding its lock.

    ipykernel 7 may run widget handlers (Pause, a slider) on a comm subshell
    thread while the training task runs on the main thread's event loop, or the
    other way round; the lock keeps trainer and views from being used by two
    threads at once (a Pause that drew while a step was still running showed a
    frame behind the kernel)."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        lock = self.__dict__.get("_lock")
        if lock is None:  # __init__ failed before making it: close() from __del__
            return method(self, *args, **kwargs)
        with lock:
            return method(self, *args, **kwargs)
    return call


def _make_network_view(callbacks: dict) -> NetworkView:
    """The network panel, at :data:`NETWORK_WIDTH` if it takes a width."""
    try:
        takes_width = "width" in inspect.signature(NetworkView).parameters
    except (TypeError, ValueError):
        takes_width = False
    if takes_width:
        return NetworkView(**callbacks, width=NETWORK_WIDTH)
    return NetworkView(**callbacks)


class Playground(widgets.VBox):
    """TensorFlow Playground as a widget.

    ``Playground(config=None, *, data=None, trainer=None, max_cpu=..., **changes)``: like
    :class:`Trainer`, e.g. ``Playground(dataset="xor", network_shape=(5,))``
    or ``Playground(data=(X, y))`` for your own points; ``trainer=`` wraps an
    existing :class:`Trainer` (then give nothing else).  Also
    :meth:`Playground.preset`, :meth:`Playground.from_url` and
    :meth:`Playground.load`.

    Attributes and methods: :attr:`config` (settable), :attr:`trainer`,
    :meth:`play`, :meth:`pause`, :meth:`step`, :meth:`reset`,
    :meth:`regenerate`, :meth:`add_point`, :meth:`clear_points`,
    :meth:`use_dataset`, :attr:`custom_data`, :meth:`to_keras`,
    :meth:`save`, :attr:`playing`, :attr:`url`, :attr:`status`,
    :attr:`max_cpu`, :meth:`close`.
    """

    def __init__(self, config: Config | None = None, *, data=None,
                 trainer: Trainer | None = None, max_cpu=_FROM_ENV, **changes):
        max_cpu = max_cpu_from_env() if max_cpu is _FROM_ENV else check_max_cpu(max_cpu)
        if trainer is not None:
            if not isinstance(trainer, Trainer):
                raise TypeError(f"trainer must be a Trainer, got {type(trainer).__name__}")
            if config is not None or data is not None or changes:
                given = [name for name, v in (("config", config), ("data", data)) if v is not None]
                given += sorted(changes)
                raise ValueError(f"trainer= wraps an existing Trainer as it is; it cannot be "
                                 f"combined with {', '.join(given)} (change the trainer first, "
                                 f"or build the Playground from a config)")
        else:
            trainer = Trainer(config, data=data, **changes)
        self._lock = threading.RLock()
        self._trainer = trainer
        self._hover = None
        self._last_data = None
        self._last_structure = None
        self._displayed = False
        self._dirty = False  # the trainer changed since the last frame
        #: frames drawn so far (every _render call)
        self.frames_rendered = 0
        cfg = trainer.config

        #: back-pressure: frames wait while the browser is behind (see FrameGate)
        self._gate = FrameGate()
        self._loop = TrainingLoop(self._train_tick, self._render_tick,
                                  on_error=self._on_loop_error, on_stop=self._on_loop_stop,
                                  ready=self._gate.ready,
                                  epochs_per_second=cfg.epochs_per_second,
                                  max_cpu=max_cpu)
        self._status = StatusLine()
        self._controls = Controls(cfg, on_config=self._guarded(self._apply),
                                  on_action=self._guarded(self._on_action),
                                  on_invalid=self._report_control_invalid,
                                  on_dataset=self._guarded(self.use_dataset))
        self._output = OutputView(cfg, on_config=self._guarded(self._apply),
                                  on_add_point=self._guarded(self.add_point),
                                  on_clear_points=self._guarded(self.clear_points))
        #: the callbacks handed to the network view (tests call them directly)
        self.network_callbacks = dict(
            on_features=self._guarded(lambda f: self._apply(self.config.replace(features=f))),
            on_shape=self._guarded(
                lambda s: self._apply(self.config.replace(network_shape=s))),
            on_hover=self._guarded(self._on_hover),
            on_weight=self._guarded(self._on_weight),
            on_bias=self._guarded(self._on_bias))
        self._network = _make_network_view(self.network_callbacks)
        self._network.add_class("nbp-network-column")
        main = widgets.HBox([self._controls.data_column, self._network, self._output])
        main.add_class("nbp-main")
        self._style = style_widget()
        #: Step inside one mini-batch (nbplayground.ui.step_inside)
        self._step_inside = StepInside(
            trainer=lambda: self._trainer, network=self._network, output=self._output,
            redraw=self._render, on_next=self._guarded(self.step_inside),
            on_leave=self._guarded(self.leave_step_inside),
            on_pick=self._guarded(self._pick_step_inside))
        super().__init__([self._style, self._gate.widget, self._controls.top_bar,
                          self._controls.extras, main, self._step_inside.panel,
                          self._status])
        self.add_class(ROOT_CLASS)
        self._main = main
        self._closed = False
        self._epoch_shown_at = -math.inf  # when the epoch counter last changed while playing
        self._sync_all()
        self._render()

    # -- other ways to make one ------------------------------------------------------------

    @classmethod
    def preset(cls, name: str, *, data=None, **changes) -> "Playground":
        """A Playground on preset ``name`` (:func:`nbplayground.presets.preset`, e.g.
        ``Playground.preset("xor-5", seed="lesson")``), with Config ``changes``."""
        from ..presets import preset
        return cls(preset(name, **changes), data=data)

    @classmethod
    def from_url(cls, url: str, *, data=None, **changes) -> "Playground":
        """A Playground in the state of a playground.tensorflow.org link (or just its
        fragment, with or without ``#``), with Config ``changes`` applied."""
        config = Config.from_url(url)
        if changes:
            config = config.replace(**changes)
        return cls(config, data=data)

    @classmethod
    def load(cls, path) -> "Playground":
        """A Playground around the trainer saved by :meth:`save` (``Trainer.load``):
        same config, weights, optimizer state, history and data; ready to go on."""
        return cls(trainer=Trainer.load(path))

    def save(self, path) -> None:
        """Write the trainer (config, weights, optimizer state, history, custom data)
        to a JSON file; :meth:`Playground.load` reads it back."""
        self._trainer.save(path)

    def to_keras(self, **options) -> str:
        """Runnable Keras code for this network (:meth:`Trainer.to_keras`)."""
        return self._trainer.to_keras(**options)

    def compare(self, vary: str = "optimizer", values=None, same_start: bool = True,
                **changes):
        """A :class:`~nbplayground.ui.compare.Compare` that starts from this Playground's
        current settings (``config``, with Config ``changes``) and varies ``vary`` over
        ``values``, e.g. ``pg.compare("optimizer", ["sgd", "momentum", "adam"])``.
        Your own points go along.  This Playground pauses; it is not changed."""
        from .compare import Compare
        self._check_open()
        if not self._trainer.trainable:
            raise ValueError("compare(): the points being drawn cannot train yet; add "
                             "points first")
        with self._lock:  # made first: a refused argument leaves this one playing
            compare = Compare(self.config, vary=vary, values=values, same_start=same_start,
                              data=self._trainer.custom_data, **changes)
        self.pause()
        return compare

    # -- public state -----------------------------------------------------------------

    @property
    def trainer(self) -> Trainer:
        """The engine behind the widget."""
        return self._trainer

    @property
    def config(self) -> Config:
        """The complete current state (the trainer's; the seed may change on regenerate)."""
        return self._trainer.config

    @config.setter
    def config(self, config: Config) -> None:
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        self._check_open()
        self._check_custom(config)  # raises here, where a control would only report
        self._apply(config)

    @property
    def custom_data(self):
        """The user's points (:class:`~nbplayground.custom_data.CustomData`, the
        trainer's); None on Playground's own datasets."""
        return self._trainer.custom_data

    @property
    def playing(self) -> bool:
        return self._loop.running

    @property
    def url(self) -> str:
        """Playground's URL of the current state (``config.to_url(full=True)``).

        A URL holds settings, not points: while the Playground trains on your own
        points (``data=`` or points added by clicking), the URL still names the
        dataset of the config (``pg.config.dataset``), so it opens that dataset, and
        a ``UserWarning`` says so.  Save the points with :meth:`save` instead."""
        if self.custom_data is not None:
            warnings.warn(
                f"pg.url: a Playground URL cannot hold your own points; this one opens "
                f"dataset={self.config.dataset!r} with the same settings. Use pg.save(path) "
                f"to keep the points.", UserWarning, stacklevel=2)
        return self.config.to_url(full=True)

    @url.setter
    def url(self, url: str) -> None:
        """Take the state of a playground.tensorflow.org link (or its fragment), as
        ``pg.config = Config.from_url(url)`` does; a link it cannot read raises and
        changes nothing."""
        self.config = Config.from_url(url)

    @property
    def status(self) -> str:
        """The status line's text ("" when there is no message)."""
        return self._status.text

    @property
    def controls(self) -> Controls:
        return self._controls

    @property
    def output_view(self) -> OutputView:
        return self._output

    @property
    def network_view(self) -> NetworkView:
        return self._network

    @property
    def loop(self) -> TrainingLoop:
        return self._loop

    @property
    def max_cpu(self) -> float | None:
        """The share of one CPU core a playing Playground may use (None: no cap).

        ``Playground(max_cpu=0.25)``; the default comes from the environment
        variable ``NBPLAYGROUND_MAX_CPU`` (a JupyterHub administrator's cap).
        Training slows down to stay within it; frames keep coming."""
        return self._loop.max_cpu

    @max_cpu.setter
    def max_cpu(self, value: float | None) -> None:
        self._loop.max_cpu = value

    # -- buttons ----------------------------------------------------------------------

    @_locked
    def play(self) -> None:
        """Start training on the kernel's event loop (no effect if already playing).

        Raises RuntimeError after :meth:`close`, or when no asyncio event loop
        runs (a plain script: use :meth:`step`).
        """
        self._check_open()
        if self._loop.running:
            return
        self.leave_step_inside()
        if not self._trainer.trainable:
            self._report_waiting()
            return
        if self._trainer.diverged:
            self._report_diverged()
            return
        if self._status.kind != "info" or self._status.text.startswith(FrameGate.UNWATCHED):
            self._status.clear()
        self._controls.clear_error("play")
        self._loop.start()
        self._gate.start()
        self._controls.set_playing(True)
        self._network.set_playing(True)

    @_locked
    def pause(self) -> None:
        """Stop training and show the state reached (one last frame, if the last
        one sent is out of date); then nothing runs and nothing is sent."""
        was_playing = self._loop.running
        self._halt()
        if self._closed:
            return
        if was_playing and self._dirty:
            self._render()
        else:
            self._output.flush_chart()  # a curve the chart's rate limit held back

    def _halt(self) -> None:
        """Stop the loop without drawing (but with the exact epoch on the counter, which
        changes at most every EPOCH_INTERVAL while playing)."""
        self._loop.stop()
        self._gate.stop()
        self._controls.set_playing(False)
        if not self._closed:
            self._controls.set_epoch(self._trainer.epoch)
        self._network.set_playing(False)

    @_locked
    def step(self, n: int = 1) -> int:
        """Pause, train ``n`` epochs, draw once.  Returns the epochs run."""
        self._check_open()
        self._halt()
        self.leave_step_inside()
        if not self._trainer.trainable:
            self._report_waiting()
            return 0
        if self._trainer.diverged:
            self._report_diverged()
            return 0
        done = self._trainer.step(n)
        self._render()
        if self._trainer.diverged:
            self._report_diverged()
        return done

    # -- Step inside one mini-batch ----------------------------------------------------

    @_locked
    def step_inside(self) -> str:
        """Walk the next mini-batch through its stages, one call (or click) each:
        "forward", "loss", "backward" (one call per weight layer, from the output),
        "update"; the call after "update" applies it (``trainer.step_batch()``) and
        shows the next batch's "forward".  Pauses first.  Returns the stage shown
        (:mod:`nbplayground.ui.step_inside`)."""
        self._check_open()
        if self._loop.running:
            self.pause()
        if not self._trainer.trainable:
            self._report_waiting()
            return self.step_inside_stage
        if self._trainer.diverged:
            self._report_diverged()
            return self.step_inside_stage
        stage = self._step_inside.advance()
        if self._trainer.diverged:  # the update just applied ended a diverging epoch
            self._step_inside.leave()
            self._report_diverged()
            return None
        return stage

    @_locked
    def leave_step_inside(self) -> None:
        """Leave Step inside: the normal picture is back (nothing if not in it)."""
        self._step_inside.leave()

    @_locked
    def _pick_step_inside(self, x: float, y: float) -> None:
        """A click on the heatmap while in Step inside: follow the nearest batch point."""
        if self._step_inside.active:
            self._step_inside.pick(x, y)

    @property
    def step_inside_stage(self) -> str | None:
        """None, or the stage Step inside shows: "forward", "loss", "backward", "update"."""
        return self._step_inside.stage

    @property
    def step_inside_point(self) -> int | None:
        """Index (in ``trainer.data.train_x``) of the point Step inside follows; settable
        to another point of the batch (a click on the heatmap picks the nearest)."""
        return self._step_inside.point

    @step_inside_point.setter
    def step_inside_point(self, index: int) -> None:
        with self._lock:
            self._step_inside.point = index

    @_locked
    def reset(self, same_weights: bool = False) -> None:
        """Pause and start again at epoch 0 with a new network (data kept).

        ``same_weights=True`` restarts from the weights the seed gives on a
        fresh load (also what the "same start" box does for the button).
        """
        self._check_open()
        if not isinstance(same_weights, bool):  # refused before anything changes
            raise TypeError(f"same_weights={same_weights!r}: must be True or False")
        self._halt()
        self._trainer.reset(same_weights=same_weights)
        self._status.clear()
        self._controls.clear_error("play")
        self._network.clear_selection()  # the old weight means nothing now
        self._sync_all()
        self._render()

    @_locked
    def regenerate(self) -> None:
        """New data from a new seed under the same network; training goes on."""
        self._check_open()
        self._trainer.regenerate()
        self._dirty = True
        self._sync_all()
        if not self._loop.running:
            self._render()

    # -- your own points ---------------------------------------------------------------

    @_locked
    def add_point(self, x: float, y: float, label: float) -> None:
        """Add the point (x, y) with ``label`` to the training set; training goes on.

        ``label`` is in the engine's convention: -1 or +1 for two classes, the
        class number 0..K-1 for K classes, any number for regression.  The
        point joins the run under way (:meth:`Trainer.add_points`): the epoch,
        the network and the optimizer's state stay, and the next epoch trains on
        it (a playing Playground keeps playing).  The first point added to one
        of Playground's datasets starts from its points (train and test); the
        view domain stays put while the points fall inside it.  Reset starts
        over on all the points.
        """
        self._check_open()
        self._trainer.add_points([[x, y]], [label])
        self._show_points()

    @_locked
    def clear_points(self) -> None:
        """Remove every point (:meth:`Trainer.clear_points`): the data become an empty
        set (same problem, classes and view domain) that :meth:`add_point` fills.
        Pauses; training waits until the points can train."""
        self._check_open()
        self._halt()
        self.leave_step_inside()
        self._trainer.clear_points()
        self._show_points()

    def _show_points(self) -> None:
        """Draw the trainer's edited points (at once when paused, else on the next
        tick) and say what is missing while they cannot train yet."""
        trainer = self._trainer
        self._dirty = True
        self._sync_all()
        if trainer.trainable:
            self._controls.clear_error("play")
            if self._status.kind == "info" and self._status.text.startswith("Add points"):
                self._status.clear()
        else:
            self._halt()
            self._status.show(f"Add points: {self._waiting_message()}", "info")
        if not self._loop.running:
            self._render()

    @_locked
    def use_dataset(self, dataset: str) -> None:
        """Leave the user's points for Playground's ``dataset`` (a new trainer with the
        same config, problem type following the dataset).  Pauses."""
        self._check_open()
        problem = next((p for p, names in DATASETS_BY_PROBLEM.items() if dataset in names),
                       None)
        if problem is None:
            raise ValueError(f"dataset={dataset!r} is not a dataset; allowed: "
                             f"{', '.join(n for v in DATASETS_BY_PROBLEM.values() for n in v)}")
        config = self.config.replace(problem=problem, dataset=dataset)
        self._halt()
        self._replace_trainer(Trainer(config))

    def _waiting_message(self) -> str:
        """What the points lack before they can train ("" when nothing)."""
        try:
            self._trainer.check_trainable()
        except ValueError as exc:
            return str(exc)
        return ""

    def _report_waiting(self) -> None:
        message = self._waiting_message() or "nothing to train yet: add points"
        self._status.show(f"Add points before training: {message}", "info")
        # and beside the button that was pressed
        self._controls.show_error("play", message[:1].upper() + message[1:])

    def _replace_trainer(self, trainer: Trainer) -> None:
        """Put ``trainer`` behind the widget and draw it (a playing loop goes on with it)."""
        self._trainer = trainer
        self._loop.epochs_per_second = trainer.config.epochs_per_second
        self._status.clear()
        self._last_structure = None
        self._dirty = True
        self._sync_all()
        self._render()

    def _view_domain(self) -> tuple:
        """The heatmap's domain: the trainer's."""
        return tuple(self._trainer.domain)

    def _check_custom(self, config: Config) -> None:
        """Raise ValueError if ``config`` does not fit the custom data in use."""
        self._trainer.check(config)  # the engine's rules, asked first

    @_locked
    def close(self) -> None:
        """Stop the loop and close this widget and every widget inside it."""
        if getattr(self, "_closed", True):  # closed, or __init__ failed early
            if "_closed" not in self.__dict__:
                super().close()
            return
        self._closed = True
        self._loop.stop()
        displays.forget(self)
        self._step_inside.close()
        self._output.close()
        self._network.close()
        for part in (*self._controls.widgets(), *self._controls.made, self._network,
                     self._main, self._status, self._style, self._gate.widget, self.layout):
            close_tree(part)
        super().close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Playground has been closed; make a new one")

    # -- applying a change ------------------------------------------------------------

    @_locked
    def _apply(self, config: Config) -> str:
        """Move the trainer to ``config`` (docs/playground.md §9) and show the result.

        A config that does not fit the custom data in use (another problem
        type, a loss the classes cannot use, a ratio that leaves no training
        point) is reported on the status line and the controls snap back.
        """
        self._check_open()
        try:
            self._check_custom(config)
        except ValueError as exc:
            changed = self.config.diff(config)
            self._report_invalid(exc, next(iter(changed)) if len(changed) == 1 else None)
            self._sync_all()
            return "none"
        result = self._trainer.apply(config, same_weights=self._controls.same_start)
        if result in ("reset", "regenerate", "load"):
            self._halt()
            self._status.clear()
        elif self._status.kind == "warning":
            self._status.clear()  # a bad-input message is answered by a good input
        self._loop.epochs_per_second = self.config.epochs_per_second
        self._sync_all()
        if result == "live" and self._loop.running:
            self._dirty = True  # while playing, the next tick draws the live change
        elif result != "none":
            self._render()
        return result

    def _sync_all(self) -> None:
        c = self.config
        custom = self.custom_data
        self._controls.set_custom(custom, c)   # and syncs the controls with c
        self._output.sync(c)
        if custom is not None:
            self._output.set_point_classes(custom.problem, custom.num_classes,
                                           custom.class_names)
        elif c.problem == "regression":
            self._output.set_point_classes("regression", None)
        else:
            k = self._trainer.num_classes or 2
            self._output.set_point_classes("classification", k)
        self._network.set_hidden(c.hide)

    def _on_action(self, name: str) -> None:
        if name == "play":
            self.play()
        elif name == "pause":
            self.pause()
        elif name == "step":
            self.step()
        elif name == "reset":
            self.reset(same_weights=self._controls.same_start)
        elif name == "regenerate":
            self.regenerate()
        elif name == "step_inside":
            self.step_inside()
        else:
            raise ValueError(f"action={name!r}: must be play, pause, step, reset or regenerate")

    @_locked
    def _on_hover(self, target) -> None:
        self._hover = target
        self._show_heatmap(self._trainer.frame())

    @_locked
    def _on_weight(self, layer: int, dest: int, src: int, value: float) -> None:
        self._trainer.set_weight(layer, dest, src, value)
        self._dirty = True
        if not self._loop.running:
            self._render()

    @_locked
    def _on_bias(self, layer: int, node: int, value: float) -> None:
        self._trainer.set_bias(layer, node, value)
        self._dirty = True
        if not self._loop.running:
            self._render()

    # -- messages ---------------------------------------------------------------------

    def _guarded(self, fn):
        """Wrap a widget callback: an exception goes to the status line and the log
        (a widget callback's exception would otherwise vanish into the kernel log)."""
        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                self._report_error(exc)
        return call

    def _report_error(self, exc: BaseException) -> None:
        log.error("nbplayground: %s: %s", type(exc).__name__, exc, exc_info=exc)
        if not self._closed:
            self._status.show(f"Error: {type(exc).__name__}: {exc}", "error")

    def _report_invalid(self, exc: BaseException, field: str | None = None) -> None:
        """A refused value: under the control of ``field`` when there is one, else on
        the status line."""
        if field is not None and self._controls.show_error(field, str(exc)):
            return
        self._status.show(f"Invalid value: {exc}", "warning")

    def _report_control_invalid(self, exc: BaseException) -> None:
        if not self._controls.shown_last_error:  # shown under the control already
            self._report_invalid(exc)

    def _report_diverged(self) -> None:
        self._status.show(f"Training diverged at epoch {self._trainer.epoch} (NaN/inf): "
                          f"paused. Press Reset.", "error")

    # -- the loop's callbacks ---------------------------------------------------------

    @_locked
    def _train_tick(self, max_epochs: int | None, seconds: float) -> int:
        if self._trainer.diverged or not self._loop.running:
            return 0  # paused from another thread while this tick waited for the lock
        if self._gate.idle():
            self._pause_unwatched()
            return 0
        epochs = _UNBOUNDED_EPOCHS if max_epochs is None else max_epochs
        done = self._trainer.step(epochs, seconds=seconds)
        if done:
            self._dirty = True
        return done

    @_locked
    def _render_tick(self) -> None:
        if not self._loop.running:
            return  # paused meanwhile: pause() drew the final frame
        self._render(live=True)
        self._gate.mark()
        if self._trainer.diverged:
            self._halt()
            self._output.flush_chart()
            self._report_diverged()

    def _pause_unwatched(self) -> None:
        """Nobody has drawn a frame for a while (tab or notebook closed): pause, so
        that the kernel stops using CPU, and say so to the view that comes back."""
        self._halt()
        if self._dirty:
            self._render()  # the state reached, for the view that comes back
        self._status.show(self._gate.unwatched_message(f"epoch {self._trainer.epoch}"), "info")

    def _on_loop_error(self, exc: BaseException) -> None:
        self._gate.stop()
        self._controls.set_playing(False)
        self._network.set_playing(False)
        self._report_error(exc)
        if not self._closed:
            try:
                self._output.flush_chart()
            except Exception:  # the chart must not hide the first error
                log.exception("nbplayground: could not draw the loss chart")

    def _on_loop_stop(self) -> None:
        self._gate.stop()
        self._controls.set_playing(False)
        self._network.set_playing(False)

    # -- drawing ----------------------------------------------------------------------

    def _structure(self) -> tuple:
        c = self._trainer.config
        return (c.features, c.network_shape, c.problem, c.dataset, c.hide)

    def _hover_grid(self, frame):
        """The grid of the hovered node, or None for the output."""
        target = self._hover
        if target is None:
            return None
        try:
            if target[0] == "feature":
                return self._trainer.feature_grids()[FEATURES.index(target[1])]
            if target[0] == "node":
                _, layer, node = target
                return frame.hidden[layer][node]
        except (IndexError, ValueError, TypeError):
            pass  # a node that no longer exists: show the output
        return None

    def _heatmap_grid(self, frame):
        """What the big heatmap shows: the hovered node's grid, or None for the output."""
        return self._hover_grid(frame)

    def _show_heatmap(self, frame) -> None:
        grid = self._heatmap_grid(frame)
        self._output.show_grid(frame.output if grid is None else grid,
                               self._trainer.config.discretize)

    def _render(self, live: bool = False) -> None:
        """Draw one frame everywhere (one coalesced update).  ``live``: a frame while
        playing, whose loss chart may wait (see OutputView.update)."""
        if self._closed:
            return
        trainer = self._trainer
        config = trainer.config
        frame = trainer.frame(curve_points=CHART_POINTS)
        structure = self._structure()
        structure_changed = structure != self._last_structure
        with contextlib.ExitStack() as stack:
            for w in (self._output.loss_lines, self._output.heatmap_image):
                stack.enter_context(w.hold_sync())
            self._output.set_domain(self._view_domain())
            shown = trainer.data
            if shown is not self._last_data:
                custom = self.custom_data
                if custom is not None:
                    self._output.set_data(shown, custom.num_classes, custom.class_names)
                else:
                    self._output.set_data(shown, trainer.num_classes)
                self._last_data = shown
            now = time.monotonic()
            if not live or now - self._epoch_shown_at >= EPOCH_INTERVAL:
                self._controls.set_epoch(frame.epoch)
                self._epoch_shown_at = now
            self._output.update(frame, config, heatmap=self._heatmap_grid(frame), live=live)
            if not trainer.trainable:
                self._output.clear_readouts()  # no loss: the points cannot train yet
            self._network.update(frame, config, trainer.feature_grids(),
                                 structure_changed=structure_changed)
        self._last_structure = structure
        self._dirty = False
        self.frames_rendered += 1
        if self._step_inside.active:
            self._step_inside.refresh()  # the same batch explained again, drawn on top

    # -- display hooks ----------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        self._on_display()
        return super()._repr_mimebundle_(**kwargs)

    def _on_display(self) -> None:
        """Pause on a re-display; pause and close what an earlier run of this cell showed."""
        if self._displayed:
            self.pause()
        self._displayed = True
        self._gate.expect_frontend = True  # a view will tick while playing
        displays.retire_earlier_displays(self)
