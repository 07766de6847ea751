"""Other ways to make a Playground (presets, links, saved files, an existing trainer)
and the thin export wrappers."""

from __future__ import annotations

import numpy as np
import pytest

from nbplayground import presets
from nbplayground.config import Config
from nbplayground.trainer import Trainer
from nbplayground.ui import Playground


@pytest.fixture
def made():
    """Close every Playground a test appends."""
    widgets = []
    yield widgets
    for w in widgets:
        w.close()


def test_preset_builds_the_presets_config(made):
    p = Playground.preset("xor-5", seed="lesson")
    made.append(p)
    assert p.config == presets.preset("xor-5", seed="lesson")
    assert p.config.network_shape == (5,) and p.config.dataset == "xor"
    # the preset's hide set reaches the panels
    assert p.controls.hideable["dataset"].layout.display == "none"
    with pytest.raises(ValueError, match="not a preset"):
        Playground.preset("no-such-lesson")


def test_preset_with_changes(made):
    p = Playground.preset("spiral-deep", seed="s", learning_rate=0.1)
    made.append(p)
    assert p.config.learning_rate == 0.1
    assert p.config.network_shape == (8,) * 6


@pytest.mark.parametrize("text", [
    "https://playground.tensorflow.org/#activation=relu&dataset=xor&networkShape=3,2&seed=0.5",
    "#activation=relu&dataset=xor&networkShape=3,2&seed=0.5",
    "activation=relu&dataset=xor&networkShape=3,2&seed=0.5",
])
def test_from_url_takes_a_link_or_a_fragment(made, text):
    p = Playground.from_url(text)
    made.append(p)
    assert (p.config.activation, p.config.dataset, p.config.network_shape, p.config.seed) == \
        ("relu", "xor", (3, 2), "0.5")
    assert p.config == Config.from_url(text)


def test_from_url_with_changes_and_its_own_url_round_trips(made):
    p = Playground.from_url("#dataset=circle&seed=0.1", network_shape=(4,))
    made.append(p)
    assert p.config.network_shape == (4,)
    q = Playground.from_url(p.url)
    made.append(q)
    assert q.config == p.config
    with pytest.raises(ValueError, match="noise"):
        Playground.from_url("#noise=99")


def test_a_playground_around_an_existing_trainer(made):
    trainer = Trainer(seed="2", dataset="gauss")
    trainer.step(7)
    p = Playground(trainer=trainer)
    made.append(p)
    assert p.trainer is trainer
    assert p.controls.epoch.value == "000,007"
    p.step(2)
    assert trainer.epoch == 9
    with pytest.raises(ValueError, match="trainer="):
        Playground(Config(), trainer=trainer)
    with pytest.raises(ValueError, match="learning_rate"):
        Playground(trainer=trainer, learning_rate=0.1)
    with pytest.raises(TypeError, match="Trainer"):
        Playground(trainer="not a trainer")


def test_save_and_load_continue_where_it_was(made, tmp_path):
    p = Playground(seed="4", dataset="xor", network_shape=(4, 2))
    made.append(p)
    p.step(12)
    path = tmp_path / "run.json"
    p.save(path)
    q = Playground.load(path)
    made.append(q)
    assert q.config == p.config and q.trainer.epoch == 12
    for a, b in zip(p.trainer.weights, q.trainer.weights):
        np.testing.assert_array_equal(a, b)
    # both go on identically (same optimizer state and data)
    p.step(3)
    q.step(3)
    assert q.trainer.train_loss == p.trainer.train_loss
    assert q.controls.epoch.value == "000,015"


def test_save_and_load_keep_custom_data(made, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 4, size=(40, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    p = Playground(data=(X, y), seed="5")
    made.append(p)
    p.step(4)
    p.save(tmp_path / "mine.json")
    q = Playground.load(tmp_path / "mine.json")
    made.append(q)
    assert q.custom_data is not None and q.custom_data.n == 40
    np.testing.assert_array_equal(q.custom_data.xy, p.custom_data.xy)
    assert q.output_view.domain == p.output_view.domain == p.trainer.domain
    assert "nbp-selected" in q.controls.custom_button._dom_classes


def test_to_keras_is_the_trainers(made):
    p = Playground(seed="6", network_shape=(3,))
    made.append(p)
    p.step(2)
    assert p.to_keras() == p.trainer.to_keras()
    code = p.to_keras(include_weights=False)
    assert code == p.trainer.to_keras(include_weights=False)
    assert "keras" in code
