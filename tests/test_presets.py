"""nbplayground.presets: the named starting points of the lessons."""

from __future__ import annotations

import dataclasses

import pytest

from nbplayground.config import (BATCH_SIZE_RANGE, HIDEABLE_PARTS, LEARNING_RATES,
                                 MAX_HIDDEN_LAYERS, MAX_NEURONS, NOISE_RANGE, NOISE_STEP,
                                 PLAYGROUND_EPOCHS_PER_SECOND, TRAIN_PERCENT_RANGE,
                                 TRAIN_PERCENT_STEP, Config,
                                 is_hideable)
from nbplayground.presets import PRESETS, description, names, preset

FIELDS = {f.name for f in dataclasses.fields(Config)}

#: The presets the lessons use, in lesson order (01 to 13).
LESSON_PRESETS = (
    "learning-process", "activation-linear", "activation-tanh", "softmax-3", "deep-sigmoid",
    "batch-size", "overfitting", "learning-rate-small", "learning-rate-big",
    "learning-rate-decay", "sgd", "momentum", "nesterov", "adam", "gauss-one-neuron",
    "circle-1", "circle-2", "circle-3", "xor-3", "xor-5", "spiral-wide", "spiral-deep",
    "keras-export", "playground",
)


def shown(name: str, part: str) -> bool:
    return part not in preset(name).hide


# -- the table --------------------------------------------------------------------------

def test_names_are_the_lesson_presets_in_order():
    assert names() == LESSON_PRESETS
    assert tuple(PRESETS) == names()


@pytest.mark.parametrize("name", LESSON_PRESETS)
def test_every_preset_is_a_valid_config_with_a_description(name):
    entry = PRESETS[name]
    assert set(entry) - {"description"} <= FIELDS, set(entry) - FIELDS
    text = description(name)
    assert isinstance(text, str) and 20 <= len(text) <= 160 and text == entry["description"]
    config = preset(name)
    assert isinstance(config, Config)
    for key, value in entry.items():
        if key in ("description", "features", "hide"):
            continue
        assert getattr(config, key) == value, key
    assert all(is_hideable(part) for part in config.hide)


@pytest.mark.parametrize("name", LESSON_PRESETS)
def test_presets_leave_the_seed_random(name):
    assert "seed" not in PRESETS[name]
    seeds = {preset(name).seed for _ in range(6)}
    assert len(seeds) > 1, seeds  # 6 draws of "0.ddddd" all equal: 1 in 10**25


@pytest.mark.parametrize("name", LESSON_PRESETS)
def test_presets_stay_within_playgrounds_controls(name):
    """Every preset can be reached with the widget's own controls (and shared as a link)."""
    c = preset(name)
    assert len(c.network_shape) <= MAX_HIDDEN_LAYERS
    assert all(1 <= width <= MAX_NEURONS for width in c.network_shape)
    assert BATCH_SIZE_RANGE[0] <= c.batch_size <= BATCH_SIZE_RANGE[1]
    assert c.learning_rate in LEARNING_RATES
    assert c.epochs_per_second is None or c.epochs_per_second > 0
    assert NOISE_RANGE[0] <= c.noise <= NOISE_RANGE[1] and c.noise % NOISE_STEP == 0
    assert TRAIN_PERCENT_RANGE[0] <= c.train_percent <= TRAIN_PERCENT_RANGE[1]
    assert c.train_percent % TRAIN_PERCENT_STEP == 0
    assert Config.from_url(c.to_url(full=True)) == c


# -- access -----------------------------------------------------------------------------

def test_preset_applies_and_validates_changes():
    c = preset("xor-5", seed="fixed", learning_rate=0.1, network_shape=(4, 4))
    assert (c.seed, c.learning_rate, c.network_shape, c.dataset) == (
        "fixed", 0.1, (4, 4), "xor")
    assert preset("xor-5", seed="fixed") == preset("xor-5", seed="fixed")
    with pytest.raises(ValueError, match="learning_rate"):
        preset("xor-5", learning_rate=-1)
    with pytest.raises(TypeError, match="colour"):
        preset("xor-5", colour="red")


def test_unknown_preset_names_every_preset():
    with pytest.raises(ValueError) as info:
        preset("xor-4")
    message = str(info.value)
    assert "'xor-4'" in message
    for name in LESSON_PRESETS:
        assert name in message
    with pytest.raises(ValueError, match="'nope'"):
        description("nope")


def test_a_preset_name_must_be_a_string():
    with pytest.raises(TypeError, match="string"):
        preset(5)


def test_changing_a_preset_result_does_not_change_the_table():
    before = dict(PRESETS["circle-3"])
    preset("circle-3", network_shape=(8,), hide=frozenset())
    assert PRESETS["circle-3"] == before


# -- what each lesson needs (the chapter's settings) -------------------------------------

def test_lesson1_is_the_chapters_first_exercise():
    c = preset("gauss-one-neuron")
    assert (c.problem, c.dataset, c.learning_rate, c.activation, c.train_percent, c.noise,
            c.batch_size, c.features, c.network_shape) == (
        "classification", "gauss", 0.03, "relu", 50, 0, 10, ("x", "y"), (1,))
    assert c.regularization is None and c.optimizer == "sgd" and c.momentum == 0


@pytest.mark.parametrize("dataset, widths", [("circle", (1, 2, 3)), ("xor", (3, 5))])
def test_neuron_count_presets_differ_only_in_the_layer_width(dataset, widths):
    configs = [preset(f"{dataset}-{w}", seed="s") for w in widths]
    for config, width in zip(configs, widths):
        assert config.dataset == dataset and config.network_shape == (width,)
        assert config.replace(network_shape=(1,)) == configs[0].replace(network_shape=(1,))
        # the learner adds neurons, so that button shows; adding layers is not the lesson
        assert shown(f"{dataset}-{width}", "numNodes1")
        assert not shown(f"{dataset}-{width}", "numHiddenLayers")


def test_spiral_presets_compare_width_and_depth():
    wide, deep = preset("spiral-wide", seed="s"), preset("spiral-deep", seed="s")
    assert wide.network_shape == (MAX_NEURONS,)
    assert deep.network_shape == (MAX_NEURONS,) * MAX_HIDDEN_LAYERS
    assert wide.replace(network_shape=deep.network_shape) == deep
    assert shown("spiral-deep", "numHiddenLayers") and shown("spiral-deep", "activation")


def test_learning_rate_presets_change_only_the_rate_and_decay():
    small, big, decay = (preset(f"learning-rate-{k}", seed="s")
                         for k in ("small", "big", "decay"))
    assert small.learning_rate < Config().learning_rate < big.learning_rate
    assert big.decay == 0 < decay.decay
    assert small.replace(learning_rate=1) == big
    assert big.replace(decay=decay.decay) == decay
    for name in ("learning-rate-small", "learning-rate-big", "learning-rate-decay"):
        assert shown(name, "learningRate") and shown(name, "decay")


def test_optimizer_presets():
    sgd, momentum, nesterov, adam = (preset(n, seed="s")
                                     for n in ("sgd", "momentum", "nesterov", "adam"))
    assert sgd.optimizer == "sgd" and sgd.momentum == 0 and not sgd.nesterov
    assert sgd.replace(momentum=0.9) == momentum
    assert momentum.optimizer == "sgd" and 0 < momentum.momentum < 1 and not momentum.nesterov
    assert nesterov.replace(nesterov=False) == momentum
    assert adam.optimizer == "adam"
    for name in ("sgd", "momentum", "nesterov", "adam"):
        assert shown(name, "optimizer") and shown(name, "learningRate")


def test_batch_size_and_overfitting_presets():
    batch = preset("batch-size")
    assert batch.batch_size != Config().batch_size and shown("batch-size", "batchSize")
    over = preset("overfitting")
    assert over.noise > 0 and over.train_percent < 50 and over.show_test_data
    for part in ("noise", "percTrainData", "showTestData", "numHiddenLayers", "numNodes1",
                 "dataset", "batchSize"):
        assert shown("overfitting", part), part


def test_full_presets_hide_nothing():
    assert preset("keras-export").hide == frozenset()
    assert preset("playground", seed="s") == Config(seed="s")


#: Basics a lesson deliberately keeps fixed (lesson 02's softmax: the learning rate).
KEPT_FIXED = {"softmax-3": {"learningRate"}}


@pytest.mark.parametrize("name", LESSON_PRESETS)
def test_lessons_keep_the_basics_visible(name):
    """Every lesson needs the buttons, the learning rate and the test loss.

    ``percTrainData`` is never hidden: in Playground its hide flag also hides the
    test-loss readout (docs/playground.md §10.4).
    """
    for part in ("playButton", "stepButton", "resetButton", "learningRate", "percTrainData",
                 "lossChart", "x", "y"):
        if part in KEPT_FIXED.get(name, ()):
            continue
        assert shown(name, part), part
    assert preset(name).features == ("x", "y")


@pytest.mark.parametrize("name", [n for n in LESSON_PRESETS[:-2]])
def test_lessons_hide_what_the_chapter_leaves_out(name):
    """Before the Keras lesson: no regression, no regularization, no extra features
    (the spiral lesson offers sin(X1) and sin(X2), the chapter's "any other parameter")."""
    hidden = preset(name).hide
    for part in ("problem", "regularization", "regularizationRate", "xSquared", "ySquared",
                 "xTimesY"):
        assert part in hidden, part
    spiral = name.startswith("spiral")
    for part in ("sinX", "sinY"):
        assert (part in hidden) != spiral, part
    assert all(is_hideable(part) for part in hidden) and hidden < set(HIDEABLE_PARTS) | {
        f"numNodes{k}" for k in range(1, MAX_HIDDEN_LAYERS + 1)}


@pytest.mark.parametrize("name", LESSON_PRESETS[:-1])
def test_lessons_play_at_a_pace_a_student_can_watch(name):
    """Playground's pace (60 epochs a second) or slower, and the Speed menu shows."""
    pace = preset(name).epochs_per_second
    assert pace is not None and 0 < pace <= PLAYGROUND_EPOCHS_PER_SECOND, pace
    assert shown(name, "speed")
