"""Checkpoints (nbplayground.checkpoint): save/load, the checksum, every failure a
SaveFileError, and the trainer's public state.

Saving is checked by bit-exact round trips and by training the loaded trainer on
next to the original (and next to a run trained straight through); loading by
files broken on purpose, one part at a time (re-signed so that the part's own
check answers), and by random corruption of the bytes (the checksum answers).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from nbplayground import checkpoint
from nbplayground.checkpoint import SaveFileError, load, save
from nbplayground.config import Config
from nbplayground.custom_data import validate
from nbplayground.trainer import Trainer


def _trainer(epochs=3, **changes):
    changes.setdefault("seed", "0.42")
    t = Trainer(Config(**changes))
    t.step(epochs)
    return t


def _custom_trainer(custom, **changes):
    return Trainer(Config(**changes), data=custom)


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
    assert loaded.state()["optimizer"] == original.state()["optimizer"]

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
    assert data["format"] == "nbplayground" and data["version"] == 2
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
    back = checkpoint.from_json(checkpoint.to_json(trainer))
    assert back.network.params.tobytes() == trainer.network.params.tobytes()


def test_custom_data_round_trip(tmp_path):
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
    data = json.loads(checkpoint.to_json(trainer))["data"]
    assert data["custom"]["xy"] == X.tolist()
    assert data["train_x"] == trainer.data.train_x.tolist()
    assert data["test_y"] == trainer.data.test_y.tolist()


# --------------------------------------------------------------------------------------
# Bad files
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good():
    return json.loads(checkpoint.to_json(_trainer(epochs=3, optimizer="adam")))


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
    ({"format": "nbplayground", "version": 3}, "newer"),
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
    data["sha256"] = checkpoint.checksum(data)  # re-signed: the part's own check answers
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


# --------------------------------------------------------------------------------------
# The checksum, and every failure a SaveFileError (issue 11, item 2)
# --------------------------------------------------------------------------------------

def test_a_changed_value_is_refused_by_the_checksum(tmp_path, good):
    data = json.loads(json.dumps(good))
    data["params"][0] += 1e-12            # a change no other check would see
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SaveFileError, match="sha256: the checksum does not match"):
        load(path)
    loaded = load(path, verify=False)     # on purpose: the other checks still run
    assert loaded.network.params[0] == data["params"][0]


def test_layout_that_keeps_every_value_still_loads(tmp_path, good):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(good, indent=2))   # spaces and newlines only
    assert load(path).epoch == 3


def test_a_file_without_checksum_is_refused_and_version_1_is_read(tmp_path, good):
    data = json.loads(json.dumps(good))
    del data["sha256"]
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SaveFileError, match="no checksum"):
        load(path)
    data["version"] = 1                   # written before checksums
    path.write_text(json.dumps(data))
    assert load(path).epoch == 3
    data["sha256"] = good["sha256"]       # version 1 never had one: damaged header
    path.write_text(json.dumps(data))
    with pytest.raises(SaveFileError, match="version=1"):
        load(path)


@pytest.mark.parametrize("text, fragment", [
    ("[" * 200_000 + "]" * 200_000, "nests too deep"),
    ('{"format": NaN}', "NaN is not a JSON number"),
    ('{"a": 1, "a": 2}', "appears twice"),
    ('{"epoch": ' + "9" * 5000 + "}", "not an nbplayground file"),
])
def test_json_that_python_cannot_read_is_a_save_file_error(tmp_path, text, fragment):
    path = tmp_path / "f.json"
    path.write_text(text)
    with pytest.raises(SaveFileError, match=fragment):   # not RecursionError, ValueError
        load(path)


def test_a_missing_file_is_a_save_file_error_too(tmp_path):
    with pytest.raises(SaveFileError) as info:
        load(tmp_path / "nope.json")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(SaveFileError, match="cannot be read"):
        load(tmp_path)                   # a directory


def test_a_huge_network_is_refused_before_anything_is_built(tmp_path, good, monkeypatch):
    """An 8 kB file naming a 10000x10000 layer used to hang load() for a minute."""
    data = json.loads(json.dumps(good))
    data["config"]["network_shape"] = [10000, 10000]
    data["sha256"] = checkpoint.checksum(data)
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    built = []
    monkeypatch.setattr(Trainer, "_load", lambda self, c: built.append(c))
    start = time.perf_counter()
    with pytest.raises(SaveFileError, match=r"config: .*network_shape\[0\]=10000"):
        load(path)
    assert time.perf_counter() - start < 1.0 and built == []


def test_memory_error_while_building_is_a_save_file_error(tmp_path, good, monkeypatch):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(good))

    def no_memory(self, *args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(Trainer, "_build", no_memory)
    with pytest.raises(SaveFileError, match="MemoryError"):
        load(path)


def test_custom_points_above_the_limit_are_refused(tmp_path):
    from nbplayground.config import LIMIT_POINTS
    X = np.random.default_rng(1).normal(size=(40, 2))
    trainer = Trainer(Config(seed="2"), data=validate((X, X[:, 0] > 0)))
    data = json.loads(checkpoint.to_json(trainer))
    data["data"]["custom"]["xy"] = [[0.0, 0.0]] * (LIMIT_POINTS + 1)
    data["sha256"] = checkpoint.checksum(data)
    with pytest.raises(SaveFileError, match=r"data.custom: xy: .*LIMIT_POINTS"):
        checkpoint.from_dict(data)


def _corrupt(text: str, rng: random.Random) -> str:
    raw = bytearray(text.encode())
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(raw))
        if rng.random() < 0.5:
            raw[i] ^= 1 << rng.randrange(8)   # flip a bit
        else:
            del raw[i]                        # or drop a byte
    return raw.decode("utf-8", "replace")


def test_corrupted_files_are_refused_or_load_unchanged():
    """No corruption loads silently with a changed value (benchmarks/fuzz.py runs more)."""
    original = _trainer(epochs=5, optimizer="adam", regularization="L1",
                        regularization_rate=0.01)
    text = checkpoint.to_json(original)
    expected = original.state()
    rng = random.Random(11)
    refused = 0
    for _ in range(150):
        try:
            loaded = checkpoint.from_json(_corrupt(text, rng))
        except SaveFileError:
            refused += 1
            continue
        assert loaded.state() == expected
    assert refused > 100


# --------------------------------------------------------------------------------------
# Public state, no circle (issue 11, item 3)
# --------------------------------------------------------------------------------------

def test_state_is_plain_json_and_from_state_continues_the_run():
    original = _trainer(epochs=4, optimizer="nadam", learning_rate=0.01, batch_size=7)
    state = original.state()
    assert json.loads(json.dumps(state, allow_nan=False)) == state
    copy = Trainer.from_state(state)
    original.step(3)
    copy.step(3)
    assert copy.network.params.tobytes() == original.network.params.tobytes()
    assert copy.state() == original.state()


def test_trainer_does_not_import_checkpoint_or_export():
    code = ("import sys, nbplayground.trainer; "
            "print([m for m in ('nbplayground.checkpoint', 'nbplayground.keras_export') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_checkpoint_writes_no_private_attribute():
    import inspect
    import re
    source = inspect.getsource(checkpoint)
    assert re.search(r"\b(trainer|opt|rand|net)\._[a-z]", source) is None


def test_a_file_beyond_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint, "LIMIT_FILE_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(" " * 1001)
    with pytest.raises(SaveFileError, match="LIMIT_FILE_BYTES"):
        load(path)


def test_the_largest_state_fits_the_file_limit(tmp_path):
    from nbplayground.config import FEATURES, LIMIT_PARAMETERS
    t = Trainer(Config(seed="1", features=FEATURES, network_shape=(32, 32, 32, 32)))
    assert t.network.size <= LIMIT_PARAMETERS
    rng = np.random.default_rng(0)
    for epoch in range(24_000):  # more than the history keeps: it is at its bound
        t.history.append(epoch, *rng.random(4))
    assert len(t.history) <= t.history.capacity
    size = len(checkpoint.to_json(t))
    assert size < checkpoint.LIMIT_FILE_BYTES / 8, size


def test_state_keeps_the_position_within_an_epoch_and_the_engine():
    """A trainer saved after some step_batch() calls continues from that batch."""
    trainer = Trainer(Config(seed="mid-epoch", batch_size=30), engine="reference")
    for _ in range(3):
        trainer.step_batch()
    state = json.loads(json.dumps(trainer.state()))
    assert state["batch"] == 3 and state["engine"] == "reference"
    restored = Trainer.from_state(state)
    assert restored.engine == "reference"
    before, after = trainer.explain_batch(), restored.explain_batch()
    assert after.batch == before.batch == 3
    np.testing.assert_array_equal(after.indices, before.indices)
    trainer.step(2)
    restored.step(2)
    assert restored.epoch == trainer.epoch == 2
    assert restored.test_loss == trainer.test_loss


def test_state_refuses_a_batch_outside_the_epoch():
    state = Trainer(Config(seed="mid-epoch", batch_size=30)).state()
    state["batch"] = 99
    with pytest.raises(ValueError, match="batch"):
        Trainer.from_state(state)


def test_a_path_that_cannot_be_written_is_named(tmp_path):
    """save() to a folder used to raise a bare IsADirectoryError; now a SaveFileError."""
    t = Trainer(Config(seed="save-here"))
    with pytest.raises(SaveFileError, match="cannot be written"):
        t.save(tmp_path)
    with pytest.raises(SaveFileError, match="cannot be written"):
        t.save(tmp_path / "no-such-folder" / "run.json")
    with pytest.raises(TypeError, match="path=None: must be a file path"):
        t.save(None)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", [None, 42])
def test_load_names_a_path_that_is_not_one(path):
    """load(None) said only "expected str, bytes or os.PathLike object": name the value, as
    save() does."""
    with pytest.raises(TypeError, match=f"path={path}: must be a file path"):
        Trainer.load(path)
