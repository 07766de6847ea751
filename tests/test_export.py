"""JSON save/load (nbplayground.export); the Keras export is tested in test_keras_export.py.

Saving is checked by bit-exact round trips and by training the loaded trainer
on next to the original.
"""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest

from nbplayground import export
from nbplayground.config import Config
from nbplayground.custom_data import split as split_custom
from nbplayground.custom_data import validate
from nbplayground.export import SaveFileError, load, save
from nbplayground.seedrandom import SeedRandom
from nbplayground.trainer import Trainer


def _trainer(epochs=3, **changes):
    changes.setdefault("seed", "0.42")
    t = Trainer(Config(**changes))
    t.step(epochs)
    return t


# --------------------------------------------------------------------------------------
# A trainer on custom data, for the tests that need one
# --------------------------------------------------------------------------------------

def _trainer_takes_data() -> bool:
    return "data" in inspect.signature(Trainer.__init__).parameters


def _custom_trainer(custom, **changes):
    """Trainer(config, data=custom) once the trainer takes custom data; until then the
    same state built by hand (the data split with the seeded stream, as the trainer
    will do, and ``custom_data`` set)."""
    config = Config(problem=custom.problem, **changes)
    if _trainer_takes_data():
        return Trainer(config, data=custom)
    trainer = Trainer(config)
    trainer.custom_data = custom
    trainer.data = split_custom(custom, config.train_percent, SeedRandom(config.seed))
    trainer._prepare_data()
    trainer.reset(same_weights=False)
    return trainer


# --------------------------------------------------------------------------------------
# save / load
# --------------------------------------------------------------------------------------

SAVE_CASES = {
    "playground default": dict(),
    "adam with decay": dict(optimizer="adam", learning_rate=0.01, decay=0.01),
    "nadam": dict(optimizer="nadam", learning_rate=0.01),
    "rmsprop with momentum": dict(optimizer="rmsprop", momentum=0.5),
    "adagrad": dict(optimizer="adagrad", learning_rate=0.1),
    "adadelta": dict(optimizer="adadelta", learning_rate=1.0),
    "adamax": dict(optimizer="adamax", learning_rate=0.01),
    "sgd nesterov, three classes": dict(optimizer="sgd", momentum=0.9, nesterov=True,
                                        dataset="spiral3", learning_rate=0.01),
    "L1 kills links, batch carry": dict(regularization="L1", regularization_rate=0.1,
                                        learning_rate=0.1, batch_size=30, train_percent=70),
    "regression, L2": dict(problem="regression", regularization="L2",
                           regularization_rate=0.01, activation="relu"),
    "cross-entropy": dict(loss="cross_entropy", dataset="xor", batch_size=7),
}


@pytest.mark.parametrize("changes", SAVE_CASES.values(), ids=list(SAVE_CASES))
def test_round_trip_is_exact_and_training_continues_identically(tmp_path, changes):
    original = _trainer(epochs=12, **changes)
    path = tmp_path / "run.json"
    save(original, path)
    loaded = load(path)

    assert loaded.config == original.config
    assert loaded.epoch == original.epoch == 12
    assert loaded.network.params.tobytes() == original.network.params.tobytes()
    assert np.array_equal(loaded.network.dead, original.network.dead)
    for column in ("epochs", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        np.testing.assert_array_equal(getattr(loaded.history, column),
                                      getattr(original.history, column))
    assert (loaded.train_loss, loaded.test_loss) == (original.train_loss, original.test_loss)
    assert loaded._optimizer.iterations == original._optimizer.iterations

    # an independent run of the same config, trained straight through
    straight = _trainer(epochs=17, **changes)
    original.step(5)
    loaded.step(5)
    for other in (original, straight):
        assert loaded.network.params.tobytes() == other.network.params.tobytes()
        assert (loaded.train_loss, loaded.test_loss) == (other.train_loss, other.test_loss)
        np.testing.assert_array_equal(loaded.history.train_loss, other.history.train_loss)
        assert loaded.epoch == other.epoch == 17


def test_dead_links_survive(tmp_path):
    original = _trainer(epochs=30, regularization="L1", regularization_rate=0.3,
                        learning_rate=0.1)
    dead = original.network.dead
    assert dead.any()
    save(original, tmp_path / "f.json")
    data = json.loads((tmp_path / "f.json").read_text())
    assert data["dead"] == np.flatnonzero(dead).tolist()
    loaded = load(tmp_path / "f.json")
    assert np.array_equal(loaded.network.dead, dead)
    assert np.array_equal(loaded._alive, original._alive)
    assert np.array_equal(loaded._reg_mask, original._reg_mask)
    assert loaded._any_dead


def test_the_random_stream_continues(tmp_path):
    """reset() and regenerate() after loading draw what the original draws."""
    original = _trainer(epochs=3)
    original.reset()           # consume some draws after the page load
    original.step(2)
    save(original, tmp_path / "f.json")
    loaded = load(tmp_path / "f.json")
    original.reset()
    loaded.reset()
    assert loaded.network.params.tobytes() == original.network.params.tobytes()
    original.regenerate()
    loaded.regenerate()
    assert loaded.config.seed == original.config.seed
    np.testing.assert_array_equal(loaded.data.train_x, original.data.train_x)


def test_after_regenerate_the_data_follow_the_new_seed(tmp_path):
    original = _trainer(epochs=3)
    original.regenerate()
    original.step(2)
    save(original, tmp_path / "f.json")
    loaded = load(tmp_path / "f.json")
    np.testing.assert_array_equal(loaded.data.train_x, original.data.train_x)
    assert loaded.train_loss == original.train_loss


def test_file_is_strict_json_with_nan_as_null(tmp_path):
    trainer = _trainer(epochs=2, problem="regression")
    save(trainer, tmp_path / "f.json")

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads((tmp_path / "f.json").read_text(), parse_constant=no_constants)
    assert data["format"] == "nbplayground" and data["version"] == 1
    assert data["history"]["train_accuracy"] == [None, None, None]
    assert data["config"] == trainer.config.to_dict()
    assert data["optimizer"]["name"] == "sgd" and data["optimizer"]["iterations"] == 2 * 60
    loaded = load(tmp_path / "f.json")
    assert np.isnan(loaded.history.train_accuracy).all()


def test_diverged_trainer_round_trips(tmp_path):
    trainer = _trainer(epochs=50, problem="regression", learning_rate=10,
                       network_shape=(8, 8))
    assert trainer.diverged
    save(trainer, tmp_path / "f.json")
    loaded = load(tmp_path / "f.json")
    assert loaded.diverged
    np.testing.assert_array_equal(loaded.network.params, trainer.network.params)  # NaN == NaN


def test_string_round_trip():
    trainer = _trainer(epochs=4, optimizer="adam")
    back = export.from_json(export.to_json(trainer))
    assert back.network.params.tobytes() == trainer.network.params.tobytes()


def test_custom_data_round_trip(tmp_path):
    if not _trainer_takes_data():
        pytest.skip("Trainer(config, data=...) is not integrated yet")
    X = np.random.default_rng(5).normal(size=(60, 2))
    custom = validate((X, np.arange(60) % 3))
    trainer = Trainer(Config(seed="9", loss="cross_entropy"), data=custom)
    trainer.step(4)
    save(trainer, tmp_path / "f.json")
    loaded = load(tmp_path / "f.json")
    np.testing.assert_array_equal(loaded.data.train_x, trainer.data.train_x)
    assert loaded.custom_data.class_names == custom.class_names
    trainer.step(3)
    loaded.step(3)
    assert loaded.network.params.tobytes() == trainer.network.params.tobytes()


def test_custom_data_is_saved_with_its_split():
    X = np.random.default_rng(6).normal(size=(30, 2))
    custom = validate((X, X[:, 0] + X[:, 1]))
    trainer = _custom_trainer(custom, seed="3")
    data = json.loads(export.to_json(trainer))["data"]
    assert data["custom"]["xy"] == X.tolist()
    assert data["train_x"] == trainer.data.train_x.tolist()
    assert data["test_y"] == trainer.data.test_y.tolist()


# --------------------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good():
    return json.loads(export.to_json(_trainer(epochs=3, optimizer="adam")))


def _load_dict(tmp_path, data, name="bad.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    with pytest.raises(SaveFileError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_not_json(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello, world")
    with pytest.raises(SaveFileError, match="invalid JSON at line 1"):
        load(path)


def test_not_text(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(SaveFileError, match="not UTF-8"):
        load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.json")


@pytest.mark.parametrize("data, fragment", [
    ([1, 2, 3], "list, not an object"),
    ({"format": "keras"}, "format='keras'"),
    ({"format": "nbplayground"}, "version=None"),
    ({"format": "nbplayground", "version": "1"}, "version='1'"),
    ({"format": "nbplayground", "version": 2}, "newer"),
    ({"format": "nbplayground", "version": 1}, "missing key(s) config"),
])
def test_wrong_format_or_version(tmp_path, data, fragment):
    assert fragment in _load_dict(tmp_path, data)


def _changed(good, path, value):
    data = json.loads(json.dumps(good))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize("path, value, fragments", [
    (("params",), [0.1] * 7, ["params", "7 values", "2-4-2-1", "25 parameters"]),
    (("params",), "abc", ["params", "list"]),
    (("params", 3), "x", ["params", "item 3"]),
    (("dead",), [2], ["dead[0]", "bias"]),   # layer 0, row 0: w, w, bias
    (("dead",), [999], ["dead[0]", "999"]),
    (("epoch",), -1, ["epoch", "-1"]),
    (("epoch",), 1.5, ["epoch", "1.5"]),
    (("config", "noise"), 999, ["config", "noise=999"]),
    (("config", "colour"), "red", ["config", "colour"]),
    (("optimizer", "name"), "sgd", ["optimizer.name", "'adam'"]),
    (("optimizer", "slots", "velocity"), [0.0] * 25, ["optimizer.slots", "velocity"]),
    (("optimizer", "slots", "m"), [0.0] * 3, ["optimizer.slots.m", "3 values"]),
    (("history", "test_loss"), [0.1], ["history", "different lengths"]),
    (("history",), KeyError, ["missing key(s) history"]),
    (("random", "s"), list(range(255)) + [0], ["random.s", "permutation"]),
    (("losses", "train"), 123.0, ["losses.train", "123.0", "data differ"]),
])
def test_bad_parts_give_clear_errors(tmp_path, good, path, value, fragments):
    message = _load_dict(tmp_path, _changed(good, path, value))
    for fragment in fragments:
        assert fragment in message, message


def test_a_changed_weight_is_caught_by_the_loss_check(tmp_path, good):
    data = _changed(good, ("params", 0), good["params"][0] + 1.0)
    assert "losses.train" in _load_dict(tmp_path, data)
