"""Controls: each widget reflects the Config and reports edits as a NEW Config."""

from __future__ import annotations

import pytest

from nbplayground import optimizers
from nbplayground.config import (BATCH_SIZE_RANGE, DATASETS_BY_PROBLEM, LEARNING_RATES,
                                 OPTIMIZERS, REGULARIZATION_RATES, SPEED_LABELS, SPEEDS,
                                 Config)
from nbplayground.ui.controls import HYPERPARAMETER_LABELS, Controls, format_epoch


class Harness:
    def __init__(self, config=None, **changes):
        self.configs: list[Config] = []
        self.actions: list[str] = []
        self.invalid: list[Exception] = []
        config = config or Config(seed="1", **changes)
        self.controls = Controls(config, on_config=self.configs.append,
                                 on_action=self.actions.append,
                                 on_invalid=self.invalid.append)

    @property
    def last(self) -> Config:
        return self.configs[-1]


@pytest.mark.parametrize("epoch, text", [
    (0, "000,000"), (42, "000,042"), (1234, "001,234"), (999_999, "999,999"),
    (1_234_567, "1,234,567"),
])
def test_epoch_counter_format(epoch, text):
    assert format_epoch(epoch) == text


def test_widgets_show_the_config():
    c = Config(seed="1", learning_rate=0.3, activation="relu", regularization="L2",
               regularization_rate=0.01, dataset="xor", noise=15, train_percent=70,
               batch_size=22, optimizer="adam", epochs_per_second=60)
    h = Harness(c)
    k = h.controls
    assert k.learning_rate.value == 0.3 and k.learning_rate.label == "0.3"
    assert k.activation.value == "relu" and k.activation.label == "ReLU"
    assert k.regularization.label == "L2"
    assert k.regularization_rate.value == 0.01
    assert k.problem.label == "Classification"
    assert (k.noise.value, k.train_percent.value, k.batch_size.value) == (15, 70, 22)
    assert "Noise: 15" in k.noise_label.value
    assert "Ratio of training to test data: 70%" in k.train_percent_label.value
    assert "Batch size: 22" in k.batch_size_label.value
    assert k.optimizer.value == "adam"
    assert k.speed.label == SPEED_LABELS[60]
    assert "nbp-selected" in k.dataset_buttons["xor"]._dom_classes
    assert "nbp-selected" not in k.dataset_buttons["circle"]._dom_classes
    assert h.configs == []  # showing a config is not an edit


def test_menus_hold_playgrounds_values():
    k = Harness().controls
    assert [v for _, v in k.learning_rate.options] == list(LEARNING_RATES)
    assert [v for _, v in k.regularization_rate.options] == list(REGULARIZATION_RATES)
    assert [label for label, _ in k.activation.options][:4] == ["ReLU", "Tanh", "Sigmoid",
                                                                 "Linear"]
    assert [label for label, _ in k.regularization.options] == ["None", "L1", "L2"]
    assert [label for label, _ in k.speed.options] == [SPEED_LABELS[s] for s in SPEEDS]
    assert k.speed.label == SPEED_LABELS[60]  # default: Playground's pace
    assert (k.batch_size.min, k.batch_size.max) == BATCH_SIZE_RANGE
    assert (k.noise.min, k.noise.max, k.noise.step) == (0, 50, 5)
    assert (k.train_percent.min, k.train_percent.max, k.train_percent.step) == (10, 90, 10)


def test_a_learning_rate_from_code_is_added_to_the_menu():
    h = Harness(learning_rate=0.05)
    values = [v for _, v in h.controls.learning_rate.options]
    assert 0.05 in values and values == sorted(values)
    assert h.controls.learning_rate.value == 0.05
    assert h.controls.learning_rate.label == "0.05"
    assert h.configs == []


@pytest.mark.parametrize("speed", [5, 0.5, 2000])
def test_a_speed_from_code_takes_its_place_in_the_menu(speed):
    # lesson 01 plays at 5 epochs/s: the menu listed it after 1000 epochs/s
    h = Harness(epochs_per_second=speed)
    values = [v for _, v in h.controls.speed.options]
    assert speed in values and values[-1] == "max"
    assert values[:-1] == sorted(values[:-1])
    assert h.controls.speed.value == speed
    assert h.controls.speed.label == f"{speed:g} epochs/s"


@pytest.mark.parametrize("widget, value, field, expected", [
    ("learning_rate", 0.3, "learning_rate", 0.3),
    ("activation", "sigmoid", "activation", "sigmoid"),
    ("regularization", "L1", "regularization", "L1"),
    ("regularization_rate", 0.1, "regularization_rate", 0.1),
    ("problem", "regression", "problem", "regression"),
    ("train_percent", 30, "train_percent", 30.0),
    ("noise", 25, "noise", 25.0),
    ("batch_size", 3, "batch_size", 3),
    ("optimizer", "rmsprop", "optimizer", "rmsprop"),
    ("init", "he_normal", "init", "he_normal"),
    ("decay", 0.01, "decay", 0.01),
])
def test_each_edit_reports_a_new_config(widget, value, field, expected):
    h = Harness()
    before = h.controls.config
    getattr(h.controls, widget).value = value
    assert len(h.configs) == 1
    new = h.last
    assert getattr(new, field) == expected
    assert before.diff(new) >= {field}
    # the old config is untouched (a NEW one was made), and the controls wait for sync
    assert getattr(before, field) != expected
    assert h.controls.config is before


def test_regularization_none_and_speed_max_map_to_none():
    h = Harness(regularization="L1", epochs_per_second=60)
    h.controls.regularization.value = "none"
    assert h.last.regularization is None
    h.controls.speed.value = "max"
    assert h.last.epochs_per_second is None


def test_fastest_is_one_click_away_and_back():
    h = Harness()
    assert h.controls.config.epochs_per_second == 60 and not h.controls.fastest.value
    h.controls.fastest.value = True
    assert h.last.epochs_per_second is None
    h.controls.sync(h.last)
    assert h.controls.speed.value == "max" and h.controls.fastest.value
    h.controls.fastest.value = False
    assert h.last.epochs_per_second == 60


def test_problem_change_picks_the_problems_default_dataset():
    h = Harness()
    h.controls.problem.value = "regression"
    assert (h.last.problem, h.last.dataset) == ("regression", "reg-plane")


def test_dataset_picker_shows_the_problems_datasets_and_ignores_the_selected_one():
    h = Harness()
    k = h.controls
    shown = [d for d, b in k.dataset_buttons.items() if b.layout.display != "none"]
    assert shown == list(DATASETS_BY_PROBLEM["classification"])
    k.dataset_buttons["circle"].click()          # the selected one: nothing happens
    assert h.configs == []
    k.dataset_buttons["spiral"].click()
    assert h.last.dataset == "spiral"
    k.sync(Config(seed="1", problem="regression"))
    shown = [d for d, b in k.dataset_buttons.items() if b.layout.display != "none"]
    assert shown == list(DATASETS_BY_PROBLEM["regression"])
    assert "nbp-selected" in k.dataset_buttons["reg-plane"]._dom_classes


def test_sync_never_calls_back():
    h = Harness()
    h.controls.sync(Config(seed="2", learning_rate=3, activation="linear", problem="regression",
                           noise=35, batch_size=1, optimizer="nadam", regularization="L1",
                           regularization_rate=3, epochs_per_second=250))
    assert h.configs == [] and h.invalid == []
    assert h.controls.learning_rate.value == 3
    assert h.controls.speed.value == 250


def test_values_beyond_the_slider_range_widen_it_as_playground_does():
    h = Harness(noise=70, batch_size=64, train_percent=95)
    k = h.controls
    assert (k.noise.value, k.noise.max) == (70, 70)
    assert (k.batch_size.value, k.batch_size.max) == (64, 64)
    assert (k.train_percent.value, k.train_percent.max) == (95, 95)
    assert "95%" in k.train_percent_label.value
    k.sync(k.config.replace(train_percent=5))
    assert (k.train_percent.value, k.train_percent.min) == (5, 5)
    assert h.configs == []


def test_buttons_report_actions_and_play_toggles():
    h = Harness()
    k = h.controls
    k.reset_button.click()
    k.play_button.click()
    k.set_playing(True)
    assert k.play_button.icon == "pause" and "nbp-playing" in k.play_button._dom_classes
    k.play_button.click()
    k.set_playing(False)
    assert k.play_button.icon == "play"
    k.step_button.click()
    k.regenerate_button.click()
    assert h.actions == ["reset", "play", "pause", "step", "regenerate"]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_only_the_chosen_optimizers_hyperparameters_are_shown(optimizer):
    h = Harness(optimizer=optimizer)
    names = set(optimizers.HYPERPARAMETERS[optimizer])
    shown = {n for n, box in h.controls._hyperparameter_boxes.items()
             if box.layout.display != "none"}
    assert shown == names & set(HYPERPARAMETER_LABELS)
    # an unset (None) value shows the optimizer's Keras default
    for name in shown - {"nesterov", "momentum"}:
        assert h.controls.hyperparameters[name].value == optimizers.DEFAULTS[optimizer][name]


def test_hyperparameter_edit_and_invalid_input():
    h = Harness(optimizer="sgd")
    h.controls.hyperparameters["momentum"].value = 0.9
    assert h.last.momentum == 0.9
    h.controls.hyperparameters["nesterov"].value = True
    assert h.last.nesterov is True
    h.controls.hyperparameters["momentum"].value = 1.5   # not in [0, 1)
    assert len(h.configs) == 2
    assert len(h.invalid) == 1 and "momentum" in str(h.invalid[0])
    # the bad text stays, with the reason under it, until a good value comes
    assert h.controls.hyperparameters["momentum"].value == 1.5
    assert "momentum" in h.controls.error_text("momentum") and h.controls.shown_last_error
    h.controls.sync(h.controls.config)
    assert h.controls.hyperparameters["momentum"].value == 1.5
    h.controls.hyperparameters["momentum"].value = 0.5
    assert h.last.momentum == 0.5 and h.controls.error_text("momentum") == ""


def test_disabled_menus_say_why():
    k = Harness().controls
    assert not k.loss.disabled
    k.sync(Config(seed="1", problem="regression"))
    assert k.loss.disabled and "Regression" in k.loss.tooltip
    k.sync(Config(seed="1", dataset="spiral3"))
    assert k.loss.disabled and "3 classes" in k.loss.tooltip and "cross-entropy" in k.loss.tooltip


def test_speed_menu_is_wide_enough_for_its_labels():
    k = Harness().controls
    assert k.speed.layout.width == "auto"


def test_loss_menu_offers_only_allowed_losses():
    k = Harness().controls
    assert [v for _, v in k.loss.options] == ["squared", "cross_entropy"]
    k.sync(Config(seed="1", problem="regression"))
    assert [v for _, v in k.loss.options] == ["squared"] and k.loss.disabled
    k.sync(Config(seed="1", dataset="spiral3"))
    assert [v for _, v in k.loss.options] == ["cross_entropy"] and k.loss.disabled


# hide name -> the Controls attribute it must hide (through its wrapper)
HIDE_TARGETS = {
    "playButton": "play_button", "stepButton": "step_button", "resetButton": "reset_button",
    "learningRate": "learning_rate", "activation": "activation",
    "regularization": "regularization", "regularizationRate": "regularization_rate",
    "problem": "problem", "dataset": "dataset_picker", "percTrainData": "train_percent",
    "noise": "noise", "batchSize": "batch_size", "optimizer": "optimizer", "decay": "decay",
    "init": "init", "loss": "loss", "speed": "speed", "regenerate": "regenerate_button",
    "sameWeights": "same_weights", "stepInside": "step_inside_button",
}


def _is_hidden(controls, widget) -> bool:
    """True if ``widget`` or a box around it (within the panels) has display none."""
    def path(root, target):
        if root is target:
            return [root]
        for child in getattr(root, "children", ()):
            p = path(child, target)
            if p:
                return [root] + p
        return None
    for panel in controls.widgets():
        p = path(panel, widget)
        if p:
            return any(w.layout.display == "none" for w in p)
    raise AssertionError(f"{widget} is in no panel")


@pytest.mark.parametrize("name, attr", sorted(HIDE_TARGETS.items()))
def test_hide_flags_hide_the_right_widget_and_only_it(name, attr):
    h = Harness(hide={name})
    k = h.controls
    assert _is_hidden(k, getattr(k, attr))
    others = [a for n, a in HIDE_TARGETS.items() if n != name and a != attr]
    visible = [a for a in others if not _is_hidden(k, getattr(k, a))]
    assert visible == others
    k.sync(k.config.replace(hide=frozenset()))
    assert not _is_hidden(k, getattr(k, attr))


def test_custom_data_show_a_selected_custom_entry_and_lock_problem_and_noise():
    import numpy as np
    from nbplayground.custom_data import validate

    picked = []
    h = Harness(loss="cross_entropy")
    c = h.controls
    c._on_dataset = picked.append
    custom = validate((np.array([[0, 0], [1, 1], [2, 0], [0, 2.0]]), np.array([0, 1, 2, 1])))
    c.set_custom(custom, h.controls.config)
    assert {"nbp-dataset", "nbp-selected", "nbp-dataset-custom"} <= set(
        c.custom_button._dom_classes)
    assert c.custom_button.value[:4] == b"\x89PNG"
    # it comes last: Playground's datasets keep their places in the picker
    assert c.dataset_picker.children == (*c.dataset_buttons.values(), c.custom_button)
    assert not any("nbp-selected" in b._dom_classes for b in c.dataset_buttons.values())
    assert c.problem.disabled and c.noise.disabled
    assert [v for _, v in c.loss.options] == ["cross_entropy"]     # three classes
    c.dataset_buttons["circle"].click()       # the config's own dataset: still a pick
    assert picked == ["circle"] and not h.configs
    c.set_custom(None)
    assert c.custom_button.layout.display == "none"
    assert "nbp-selected" not in c.custom_button._dom_classes
    assert "nbp-dataset" not in c.custom_button._dom_classes
    assert not c.problem.disabled and not c.noise.disabled
    c.dataset_buttons["xor"].click()
    assert h.last.dataset == "xor" and picked == ["circle"]
