"""The top bar, the DATA column and nbplayground's extra controls, as widgets.

One source of truth: every widget shows the :class:`~nbplayground.config.Config`
last given to :meth:`Controls.sync`, and an edit never changes anything by
itself.  It makes a NEW Config with ``config.replace(...)`` and hands it to
``on_config``; the Playground applies it to the trainer and calls
:meth:`Controls.sync` with the result.  A value the Config rejects is shown
where the user looks: the message appears under the control, which keeps the
bad text (outlined) until a good value replaces it (:meth:`Controls.show_error`,
:meth:`Controls.error_text`); ``on_invalid(exc)`` is told as well.  The
buttons (reset, play/pause, step, regenerate) call ``on_action(name)``.

:meth:`Controls.sync` updates the widgets without calling back (a re-entrancy
guard), so a config set from code never echoes as an edit.

Every part sits in a wrapper that the ``hide`` names of docs/playground.md §10.4 (plus
nbplayground's own) set to ``display: none``; see :attr:`Controls.hideable`.

Your own data (:meth:`Controls.set_custom`): the dataset picker shows a
"custom" entry (a thumbnail of the points) selected; a click on one of
Playground's datasets goes to ``on_dataset(dataset)`` (leave the custom
data); the problem type follows the data (its menu is disabled), the noise
slider is disabled (it does not apply), and K > 2 classes allow only the
cross-entropy loss.
"""

from __future__ import annotations

import html
import re
from typing import Any, Callable

import ipywidgets as widgets

import numpy as np

from .. import activations as _activations
from .. import datasets as _datasets
from .. import losses as _losses
from .. import network as _network
from .. import optimizers as _optimizers
from .. import render as _render
from ..custom_data import allowed_losses
from ..config import (BATCH_SIZE_RANGE, DATASETS, DATASETS_BY_PROBLEM, HIDDEN_ACTIVATIONS,
                      INITIALIZERS, LEARNING_RATES, LOSSES, NOISE_RANGE, NOISE_STEP,
                      OPTIMIZERS, PLAYGROUND_EPOCHS_PER_SECOND, PROBLEMS,
                      REGULARIZATION_RATES, REGULARIZATIONS, SPEEDS,
                      SPEED_LABELS, TRAIN_PERCENT_RANGE, TRAIN_PERCENT_STEP, Config,
                      js_number)
from .figures import FigureToggle
from .style import dataset_class

__all__ = ["Controls", "format_epoch", "ACTIONS"]

#: The names ``on_action`` receives.
ACTIONS = ("play", "pause", "step", "reset", "regenerate", "step_inside")

# Labels come from the engine's registries (one per concept).
ACTIVATION_LABELS = _activations.LABELS
REGULARIZATION_LABELS = {None: "None", "L1": "L1", "L2": "L2"}
PROBLEM_LABELS = {"classification": "Classification", "regression": "Regression"}
OPTIMIZER_LABELS = _optimizers.LABELS
INIT_LABELS = _network.INITIALIZER_LABELS
LOSS_LABELS = _losses.LABELS
DATASET_LABELS = _datasets.LABELS
#: Config fields of the optimizer hyperparameters that have an input, with labels.
HYPERPARAMETER_LABELS = {
    "momentum": "Momentum", "nesterov": "Nesterov", "rho": "ρ (rho)",
    "epsilon": "ε (epsilon)", "beta_1": "β₁ (beta_1)", "beta_2": "β₂ (beta_2)",
}

# Dropdown values cannot be None (None means "no selection"): stand-ins.
_NONE = "none"
_MAX_SPEED = "max"


def format_epoch(epoch: int) -> str:
    """Playground's counter: six digits with thousands commas ("000,042"), more when needed."""
    return f"{int(epoch):07,d}"


def _number_options(values, current) -> list[tuple[str, Any]]:
    """(label, value) pairs of a numeric menu; a ``current`` value not in it is added."""
    values = list(values)
    if current is not None and not any(v == current for v in values):
        values.append(current)
        values.sort()
    return [(js_number(v), v) for v in values]


def _error_line() -> widgets.HTML:
    """The message line under a control (empty, and taking no room, until an error)."""
    line = widgets.HTML("", layout=widgets.Layout(display="none"))
    line.add_class("nbp-error")
    return line


def _labelled(label: str, widget: widgets.Widget, cls: str | None = None,
              error: widgets.HTML | None = None) -> widgets.VBox:
    """A caption above a control, as in Playground's top bar (and its error line below)."""
    caption = widgets.HTML(f'<div class="nbp-caption">{label}</div>')
    parts = [caption, widget] + ([error] if error is not None else [])
    box = widgets.VBox(parts, layout=widgets.Layout(width="auto"))
    box.add_class("nbp-control")
    if cls:
        box.add_class(cls + "-control")
    return box


class Controls:
    """The widgets of the top bar (:attr:`top_bar`), the extras row (:attr:`extras`)
    and the DATA column (:attr:`data_column`).

    Parameters
    ----------
    config : Config
        The state to show first.
    on_config : callable(Config)
        Receives the new Config of an edit.
    on_action : callable(str)
        Receives "play", "pause", "step", "reset", "regenerate" or "step_inside".
    on_invalid : callable(Exception), optional
        Receives the error of an edit the Config rejected.
    on_dataset : callable(str), optional
        Receives a click on one of Playground's datasets while custom data are
        shown (see :meth:`set_custom`); without it such a click is an edit of
        ``dataset`` as usual.
    """

    def __init__(self, config: Config, *, on_config: Callable[[Config], None],
                 on_action: Callable[[str], None],
                 on_invalid: Callable[[Exception], None] | None = None,
                 on_dataset: Callable[[str], None] | None = None):
        self._config = config
        self._on_config = on_config
        self._on_action = on_action
        self._on_invalid = on_invalid
        self._on_dataset = on_dataset
        self._custom = None          # the CustomData shown, or None
        self._custom_drawn = None    # the CustomData whose thumbnail is in custom_button
        self._syncing = False
        self._playing = False
        self._made: list[widgets.Widget] = []
        #: field (or "play") -> the error line under its control
        self._error_lines: dict[str, widgets.HTML] = {}
        #: field -> the widget that holds a bad value the config refused
        self._bad: dict[str, widgets.Widget] = {}
        #: the last refused edit's message went under its control
        self.shown_last_error = False

        # -- buttons --------------------------------------------------------------------
        self.reset_button = self._button("", "nbp-reset", icon="undo", tooltip="Reset the network")
        self.play_button = self._button("", "nbp-play", icon="play", tooltip="Run/Pause")
        self.step_button = self._button("", "nbp-step", icon="step-forward", tooltip="Step")
        for b in (self.reset_button, self.play_button, self.step_button):
            b.add_class("nbp-round")
        self.reset_button.on_click(lambda _: self._action("reset"))
        self.play_button.on_click(lambda _: self._action("pause" if self._playing else "play"))
        self.step_button.on_click(lambda _: self._action("step"))
        self.same_weights = widgets.Checkbox(
            value=False, description="same start", indent=False,
            tooltip="Reset and structural changes restart from this seed's first weights",
            layout=widgets.Layout(width="auto"))
        self.same_weights.add_class("nbp-same-weights")
        buttons = widgets.HBox([self.reset_button, self.play_button, self.step_button])
        buttons.add_class("nbp-buttons")
        self._error_lines["play"] = _error_line()
        button_group = widgets.VBox([buttons, self.same_weights, self._error_lines["play"]])

        self.epoch = widgets.HTML(format_epoch(0))
        self.epoch.add_class("nbp-epoch")
        epoch_box = _labelled("Epoch", self.epoch)
        epoch_box.layout.width = "110px"

        # -- top-bar dropdowns ----------------------------------------------------------
        self.learning_rate = self._dropdown("nbp-learning-rate",
                                            _number_options(LEARNING_RATES, None))
        self.activation = self._dropdown(
            "nbp-activation", [(ACTIVATION_LABELS[a], a) for a in HIDDEN_ACTIVATIONS])
        self.regularization = self._dropdown(
            "nbp-regularization",
            [(REGULARIZATION_LABELS[r], _NONE if r is None else r) for r in REGULARIZATIONS])
        self.regularization_rate = self._dropdown(
            "nbp-regularization-rate", _number_options(REGULARIZATION_RATES, None))
        self.problem = self._dropdown("nbp-problem", [(PROBLEM_LABELS[p], p) for p in PROBLEMS],
                                      width="130px")
        self.learning_rate.observe(lambda c: self._edit(learning_rate=c["new"]), "value")
        self.activation.observe(lambda c: self._edit(activation=c["new"]), "value")
        self.regularization.observe(
            lambda c: self._edit(regularization=None if c["new"] == _NONE else c["new"]), "value")
        self.regularization_rate.observe(
            lambda c: self._edit(regularization_rate=c["new"]), "value")
        self.problem.observe(lambda c: self._edit(problem=c["new"]), "value")
        # "?" beside the Activation menu: every activation with its derivative, drawn
        self.activation_figure = FigureToggle("activations", self.activation)

        wrap = {
            "playButton": self.play_button, "stepButton": self.step_button,
            "resetButton": self.reset_button, "sameWeights": self.same_weights,
            "learningRate": _labelled("Learning rate", self.learning_rate),
            "activation": self.activation_figure.beside_caption(
                _labelled("Activation", self.activation)),
            "regularization": _labelled("Regularization", self.regularization),
            "regularizationRate": _labelled("Regularization rate", self.regularization_rate),
            "problem": _labelled("Problem type", self.problem,
                                 error=self._error_line_for("problem")),
        }
        self.top_bar = widgets.HBox([
            button_group, epoch_box, wrap["learningRate"], wrap["activation"],
            wrap["regularization"], wrap["regularizationRate"], wrap["problem"],
            self.activation_figure.box])
        self.top_bar.add_class("nbp-topbar")
        # Step inside (nbplayground.ui.step_inside): a small round button under Step,
        # beside "same start", so that the top bar keeps its width
        self.step_inside_button = self._button("", "nbp-step-inside-button", icon="search-plus",
                                               tooltip="Step inside one mini-batch: forward, "
                                                       "loss, backward, update")
        self.step_inside_button.add_class("nbp-round")
        self.step_inside_button.layout.width = self.step_inside_button.layout.height = "26px"
        self.step_inside_button.layout.margin = "0 0 0 auto"
        self.step_inside_button.on_click(lambda _: self._action("step_inside"))
        button_group.children = tuple(
            widgets.HBox([c, self.step_inside_button], layout=widgets.Layout(align_items="center"))
            if c is self.same_weights else c for c in button_group.children)
        wrap["stepInside"] = self.step_inside_button

        # -- extras: optimizer, decay, init, loss, speed ---------------------------------
        self.optimizer = self._dropdown(
            "nbp-optimizer", [(OPTIMIZER_LABELS[o], o) for o in OPTIMIZERS])
        self.optimizer.observe(lambda c: self._edit(optimizer=c["new"]), "value")
        self.hyperparameters: dict[str, widgets.Widget] = {}
        self._hyperparameter_boxes: dict[str, widgets.Widget] = {}
        for name, label in HYPERPARAMETER_LABELS.items():
            if name == "nesterov":
                w = widgets.Checkbox(value=False, description="", indent=False,
                                     layout=widgets.Layout(width="auto", height="28px"))
            else:
                w = widgets.FloatText(value=0.0, layout=widgets.Layout(width="80px"))
            w.add_class(f"nbp-hp-{name.replace('_', '-')}")
            w.observe(lambda c, name=name: self._edit_hyperparameter(name, c["new"]), "value")
            self.hyperparameters[name] = w
            self._error_lines[name] = _error_line()
            self._hyperparameter_boxes[name] = _labelled(label, w, error=self._error_lines[name])
        self.decay = widgets.FloatText(value=0.0, layout=widgets.Layout(width="80px"))
        self.decay.add_class("nbp-decay")
        self.decay.observe(lambda c: self._edit(decay=c["new"]), "value")
        self.init = self._dropdown("nbp-init", [(INIT_LABELS[i], i) for i in INITIALIZERS],
                                   width="150px")
        self.init.observe(lambda c: self._edit(init=c["new"]), "value")
        self.loss = self._dropdown("nbp-loss", [(LOSS_LABELS[l], l) for l in LOSSES],
                                   width="130px")
        self.loss.observe(lambda c: self._edit(loss=c["new"]), "value")
        self.loss_figure = FigureToggle("losses", self.loss)   # "?": the two losses, drawn
        self.speed = self._dropdown("nbp-speed", self._speed_options(None), width="auto")
        self.speed.observe(
            lambda c: self._edit(epochs_per_second=None if c["new"] == _MAX_SPEED else c["new"]),
            "value")
        #: one click between Playground's pace and as fast as possible (the menu
        #: holds the other speeds); the choice is the config's epochs_per_second
        self.fastest = widgets.ToggleButton(
            value=False, description="Fastest", icon="forward",
            tooltip="Train as fast as this machine goes (click again for Playground's pace)",
            layout=widgets.Layout(width="auto"))
        self.fastest.add_class("nbp-fastest")
        self._made.append(self.fastest)
        self.fastest.observe(
            lambda c: self._edit(
                epochs_per_second=None if c["new"] else PLAYGROUND_EPOCHS_PER_SECOND), "value")
        speed_box = widgets.HBox([self.speed, self.fastest],
                                 layout=widgets.Layout(align_items="center"))
        optimizer_box = widgets.HBox(
            [_labelled("Optimizer", self.optimizer), *self._hyperparameter_boxes.values()],
            layout=widgets.Layout(align_items="flex-end"))
        optimizer_box.add_class("nbp-optimizer-group")
        wrap.update({
            "optimizer": optimizer_box,
            "decay": _labelled("Decay", self.decay, error=self._error_line_for("decay")),
            "init": _labelled("Initializer", self.init),
            "loss": self.loss_figure.beside_caption(
                _labelled("Loss", self.loss, error=self._error_line_for("loss"))),
            "speed": _labelled("Speed", speed_box),
        })
        self.extras = widgets.HBox([wrap["optimizer"], wrap["decay"], wrap["init"],
                                    wrap["loss"], wrap["speed"], self.loss_figure.box])
        self.extras.add_class("nbp-extras")

        # -- DATA column ----------------------------------------------------------------
        self.dataset_buttons: dict[str, widgets.Button] = {}
        for dataset in DATASETS:
            b = widgets.Button(description="", tooltip=DATASET_LABELS.get(dataset, dataset),
                               layout=widgets.Layout(width="36px", height="36px"))
            b.add_class("nbp-dataset")
            b.add_class(dataset_class(dataset))
            b.on_click(lambda _, dataset=dataset: self._pick_dataset(dataset))
            self.dataset_buttons[dataset] = b
            self._made.append(b)
        #: the "custom" entry: a thumbnail of the user's points, shown only with custom data
        self.custom_button = widgets.Image(format="png", layout=widgets.Layout(
            width="36px", height="36px", display="none"))
        # .nbp-dataset and .nbp-selected only while shown (selectors of the built-in
        # buttons then match exactly what they matched before custom data existed)
        self.custom_button.add_class(dataset_class("custom"))
        self._made.append(self.custom_button)
        # last, so that Playground's datasets keep their places when it appears
        self.dataset_picker = widgets.Box([*self.dataset_buttons.values(),
                                           self.custom_button])
        self.dataset_picker.add_class("nbp-datasets")
        dataset_box = widgets.VBox([
            widgets.HTML('<div class="nbp-caption">Which dataset do you want to use?</div>'),
            self.dataset_picker])

        self.train_percent = self._slider("nbp-train-percent", *TRAIN_PERCENT_RANGE,
                                          TRAIN_PERCENT_STEP)
        self.noise = self._slider("nbp-noise", *NOISE_RANGE, NOISE_STEP)
        self.batch_size = self._slider("nbp-batch-size", *BATCH_SIZE_RANGE, 1)
        self.train_percent.observe(lambda c: self._edit(train_percent=c["new"]), "value")
        self.noise.observe(lambda c: self._edit(noise=c["new"]), "value")
        self.batch_size.observe(lambda c: self._edit(batch_size=c["new"]), "value")
        self.train_percent_label = widgets.HTML("")
        self.noise_label = widgets.HTML("")
        self.batch_size_label = widgets.HTML("")
        self.regenerate_button = self._button("Regenerate", "nbp-regenerate",
                                              tooltip="New data, same network")
        self.regenerate_button.on_click(lambda _: self._action("regenerate"))
        wrap.update({
            "dataset": dataset_box,
            "percTrainData": widgets.VBox([self.train_percent_label, self.train_percent,
                                           self._error_line_for("train_percent")]),
            "noise": widgets.VBox([self.noise_label, self.noise, self._error_line_for("noise")]),
            "batchSize": widgets.VBox([self.batch_size_label, self.batch_size,
                                       self._error_line_for("batch_size")]),
            "regenerate": self.regenerate_button,
        })
        self.data_column = widgets.VBox([
            widgets.HTML('<div class="nbp-heading">Data</div>'), wrap["dataset"],
            wrap["percTrainData"], wrap["noise"], wrap["batchSize"], wrap["regenerate"]])
        self.data_column.add_class("nbp-data-column")

        #: hide name -> the widget whose layout.display it sets
        self.hideable: dict[str, widgets.Widget] = wrap
        self.sync(config)

    # -- building helpers -------------------------------------------------------------

    def _error_line_for(self, field: str) -> widgets.HTML:
        line = self._error_lines.get(field)
        if line is None:
            line = self._error_lines[field] = _error_line()
        return line

    def _button(self, description: str, cls: str, *, icon: str = "",
                tooltip: str = "") -> widgets.Button:
        b = widgets.Button(description=description, icon=icon, tooltip=tooltip)
        b.add_class(cls)
        self._made.append(b)
        return b

    def _dropdown(self, cls: str, options, width: str = "110px") -> widgets.Dropdown:
        d = widgets.Dropdown(options=options, layout=widgets.Layout(width=width))
        d.add_class(cls)
        self._made.append(d)
        return d

    def _slider(self, cls: str, low, high, step) -> widgets.IntSlider:
        s = widgets.IntSlider(min=low, max=high, step=step, readout=False,
                              continuous_update=False, layout=widgets.Layout(width="116px"))
        s.add_class(cls)
        s.add_class("nbp-slider")
        self._made.append(s)
        return s

    @staticmethod
    def _speed_options(current) -> list[tuple[str, Any]]:
        options = [(SPEED_LABELS[s], _MAX_SPEED if s is None else s) for s in SPEEDS]
        if current is not None and current not in SPEEDS:
            # in its place among the others, slowest first (a lesson's 5 epochs/s comes
            # between 1 and 10, not after 1000)
            where = sum(1 for s in SPEEDS if s is not None and s < current)
            options.insert(where, (f"{js_number(current)} epochs/s", current))
        return options

    # -- state ------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The Config the widgets show."""
        return self._config

    @property
    def same_start(self) -> bool:
        """The "same start" checkbox: reset to the seed's first weights."""
        return bool(self.same_weights.value)

    @property
    def playing(self) -> bool:
        return self._playing

    def set_playing(self, playing: bool) -> None:
        """Show the play button as Pause (playing) or Play."""
        self._playing = bool(playing)
        self.play_button.icon = "pause" if playing else "play"
        if playing:
            self.play_button.add_class("nbp-playing")
        else:
            self.play_button.remove_class("nbp-playing")

    def set_epoch(self, epoch: int) -> None:
        self.epoch.value = format_epoch(epoch)

    # -- edits ------------------------------------------------------------------------

    def _action(self, name: str) -> None:
        self._on_action(name)

    def _edit(self, **changes) -> None:
        """A widget changed: build the new Config and hand it on (or report and revert)."""
        if self._syncing:
            return
        try:
            new = self._config.replace(**changes)
        except (ValueError, TypeError) as exc:
            field = next(iter(changes)) if len(changes) == 1 else None
            widget = self._widget_of(field)
            self.shown_last_error = field is not None and self.show_error(field, str(exc))
            if self.shown_last_error and widget is not None:
                self._bad[field] = widget  # keeps the bad text until a good value
                widget.add_class("nbp-invalid")
            if self._on_invalid is not None:
                self._on_invalid(exc)
            self.sync(self._config)
            return
        for field in changes:
            self.clear_error(field)
        if new != self._config:
            self._on_config(new)

    def _widget_of(self, field: str | None) -> widgets.Widget | None:
        if field in self.hyperparameters:
            return self.hyperparameters[field]
        return {"decay": self.decay}.get(field)

    # -- messages where the user looks --------------------------------------------------

    def show_error(self, field: str, message: str) -> bool:
        """Show ``message`` under the control of ``field`` (a Config field, or "play"
        for the buttons).  False when no control here owns ``field``."""
        line = self._error_lines.get(field)
        if line is None:
            return False
        line.value = f'<div class="nbp-error-text">{html.escape(str(message))}</div>'
        line.layout.display = None
        return True

    def clear_error(self, field: str | None = None) -> None:
        """Remove the message of ``field`` (every message when None); a control that
        held a refused value shows the config's value again."""
        fields = list(self._error_lines) if field is None else [field]
        for name in fields:
            line = self._error_lines.get(name)
            if line is not None and line.value:
                line.value = ""
                line.layout.display = "none"
            widget = self._bad.pop(name, None)
            if widget is not None:
                widget.remove_class("nbp-invalid")

    def error_text(self, field: str) -> str:
        """The plain text of the message under ``field``'s control ("" if none)."""
        line = self._error_lines.get(field)
        if line is None or not line.value:
            return ""
        return html.unescape(re.sub(r"<[^>]+>", "", line.value))

    def _edit_hyperparameter(self, name: str, value) -> None:
        if name == "nesterov":
            value = bool(value)
        self._edit(**{name: value})

    def _pick_dataset(self, dataset: str) -> None:
        if self._syncing:
            return
        if self._custom is not None and self._on_dataset is not None:
            self._on_dataset(dataset)  # back from the user's data to Playground's
            return
        if dataset == self._config.dataset:
            return  # clicking the selected dataset does nothing (docs/playground.md §9)
        self._edit(dataset=dataset)

    def _allowed_losses(self, config: Config) -> list[str]:
        allowed = []
        for loss in LOSSES:
            if self._custom is not None and loss not in allowed_losses(self._custom):
                continue  # the engine's rule for your own data
            try:
                config.replace(loss=loss)
            except ValueError:
                continue
            allowed.append(loss)
        return allowed

    def _loss_reason(self, config: Config, allowed: list) -> str:
        """Why the loss menu offers one loss only."""
        if config.problem == "regression":
            return "Regression trains with squared error (the only loss for real values)"
        k = self._custom.num_classes if self._custom is not None else config.num_classes
        if k is not None and k > 2:
            return f"{k} classes need cross-entropy (softmax output)"
        return f"Only {LOSS_LABELS[allowed[0]]} fits this configuration"

    @property
    def custom(self):
        """The custom data shown (a CustomData), or None for Playground's datasets."""
        return self._custom

    def set_custom(self, custom, config: Config | None = None) -> None:
        """Show that the data are the user's own (``custom``, a
        :class:`~nbplayground.custom_data.CustomData`) or Playground's (None);
        then :meth:`sync` with ``config`` (default: the config shown)."""
        self._custom = custom
        self.sync(self._config if config is None else config)

    def _draw_custom_thumbnail(self, custom) -> None:
        """The custom entry's picture: the points in their domain, as the picker's
        thumbnails show Playground's datasets (only when the data change)."""
        if custom is self._custom_drawn:
            return
        self._custom_drawn = custom
        x0, x1, y0, y1 = custom.domain
        xy = np.asarray(custom.xy, dtype=np.float64).reshape(-1, 2)
        # map the domain onto the thumbnail's [-6, 6] view
        view = np.column_stack([-6.0 + 12.0 * (xy[:, 0] - x0) / (x1 - x0),
                                -6.0 + 12.0 * (xy[:, 1] - y0) / (y1 - y0)])
        k = custom.num_classes
        problem = "multiclass" if k is not None and k > 2 else custom.problem
        self.custom_button.value = _render.dataset_thumbnail_png(
            view, np.asarray(custom.labels, dtype=np.float64), problem=problem)

    def sync(self, config: Config) -> None:
        """Show ``config`` in every widget without calling back."""
        self._config = config
        self._syncing = True
        try:
            self._sync(config)
        finally:
            self._syncing = False
        self.set_hidden(config.hide)

    @staticmethod
    def _set_options(dropdown: widgets.Dropdown, options, value) -> None:
        if list(dropdown.options) != list(options):
            dropdown.options = options
        dropdown.value = value

    def _sync(self, c: Config) -> None:
        self._set_options(self.learning_rate, _number_options(LEARNING_RATES, c.learning_rate),
                          c.learning_rate)
        self.activation.value = c.activation
        self.regularization.value = _NONE if c.regularization is None else c.regularization
        self._set_options(self.regularization_rate,
                          _number_options(REGULARIZATION_RATES, c.regularization_rate),
                          c.regularization_rate)
        self.problem.value = c.problem
        custom = self._custom
        self.problem.disabled = custom is not None   # the problem follows the data
        self.problem.tooltip = (
            "The problem type follows your data; pick one of Playground's datasets to "
            "change it" if custom is not None else "Classification or regression")
        self.noise.disabled = custom is not None     # noise is for generated data
        self.custom_button.layout.display = None if custom is not None else "none"
        for cls in ("nbp-dataset", "nbp-selected"):
            if custom is not None:
                self.custom_button.add_class(cls)
            else:
                self.custom_button.remove_class(cls)
        if custom is not None:
            # (no tooltip: ipywidgets 8.1's Image view fails to set one in the browser)
            self._draw_custom_thumbnail(custom)

        # DATA column
        for dataset, button in self.dataset_buttons.items():
            shown = dataset in DATASETS_BY_PROBLEM[c.problem]
            button.layout.display = None if shown else "none"
            if dataset == c.dataset and custom is None:
                button.add_class("nbp-selected")
            else:
                button.remove_class("nbp-selected")
        for slider, value, (low, high) in (
                (self.train_percent, c.train_percent, TRAIN_PERCENT_RANGE),
                (self.noise, c.noise, NOISE_RANGE), (self.batch_size, c.batch_size,
                                                     BATCH_SIZE_RANGE)):
            # Playground widens a slider to show a larger value given by a URL
            slider.max = max(high, int(round(value)))
            slider.min = min(low, int(round(value)))
            slider.value = int(round(value))
        self.train_percent_label.value = (f'<div class="nbp-caption">Ratio of training to test '
                                          f'data: {js_number(c.train_percent)}%</div>')
        self.noise_label.value = f'<div class="nbp-caption">Noise: {js_number(c.noise)}</div>'
        self.batch_size_label.value = (f'<div class="nbp-caption">Batch size: '
                                       f'{c.batch_size}</div>')

        # extras
        self.optimizer.value = c.optimizer
        names = _optimizers.HYPERPARAMETERS[c.optimizer]
        defaults = _optimizers.DEFAULTS[c.optimizer]
        for name, w in self.hyperparameters.items():
            box = self._hyperparameter_boxes[name]
            box.layout.display = None if name in names else "none"
            if name not in names:
                self.clear_error(name)      # a hidden control has nothing to say
            if name in self._bad:
                continue                    # keeps the refused text until it is fixed
            value = getattr(c, name)
            if value is None:
                value = defaults.get(name, 0.0)
            w.value = bool(value) if name == "nesterov" else float(value)
        if "decay" not in self._bad:
            self.decay.value = float(c.decay)
        self.init.value = c.init
        allowed = self._allowed_losses(c)
        if c.loss not in allowed:
            allowed.append(c.loss)  # shown as it is (the owner decides whether it fits)
        self._set_options(self.loss, [(LOSS_LABELS[l], l) for l in allowed], c.loss)
        self.loss.disabled = len(allowed) < 2
        self.loss.tooltip = self._loss_reason(c, allowed) if self.loss.disabled else (
            "The loss the network minimizes")
        self._set_options(self.speed, self._speed_options(c.epochs_per_second),
                          _MAX_SPEED if c.epochs_per_second is None else c.epochs_per_second)
        self.fastest.value = c.epochs_per_second is None

    def set_hidden(self, hide: frozenset) -> None:
        """``display: none`` on every part named in ``hide``."""
        for name, widget in self.hideable.items():
            widget.layout.display = "none" if name in hide else None

    # -- life -------------------------------------------------------------------------

    def widgets(self) -> list[widgets.Widget]:
        """The three panels, for closing."""
        return [self.top_bar, self.extras, self.data_column]

    @property
    def made(self) -> list[widgets.Widget]:
        """Every control widget made here (some may be hidden, e.g. other problems'
        dataset buttons), for closing."""
        return list(self._made) + list(self.hyperparameters.values()) + [
            self.same_weights, self.epoch, self.decay]
