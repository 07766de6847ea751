"""Save and load a trainer as JSON (the Keras code is in :mod:`nbplayground.keras_export`).

:func:`save` / :func:`load` (and :func:`to_json` / :func:`from_json` for
strings) keep a trainer's whole state in one JSON object::

    {"format": "nbplayground", "version": 1,
     "config":    Config.to_dict(),
     "epoch":     int,
     "params":    the flat parameter buffer (network.py's layout),
     "dead":      flat indices of the links L1 regularization killed,
     "history":   History.to_dict(), NaN written as null,
     "optimizer": {"name", "iterations", "last_learning_rate", "slots": {name: [...]},
                   "momentum_cache" (Nadam only)},
     "carry":     {"count", "gradient"}: the batch leftover carried into the next epoch,
     "random":    the ARC4 state of the random stream (i, j, s),
     "losses":    {"train", "test"} at save time, checked on load,
     "data":      only for a trainer on custom data: the points and their split}

Floats go through ``repr``, which JSON keeps exactly, so a loaded trainer has
bit-identical parameters and continues as the original would: same updates,
same losses, and the same draws on ``reset()`` or ``regenerate()``.  The data
of a Playground dataset are not stored: the config's seed regenerates them.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from . import datasets as _datasets
from .config import Config
from .seedrandom import SeedRandom

__all__ = [
    "FORMAT", "VERSION", "SaveFileError",
    "to_dict", "from_dict", "to_json", "from_json", "save", "load",
    "restore_state",
]

#: The "format" field of a saved file.
FORMAT = "nbplayground"
#: The version of the file layout this module writes and reads.
VERSION = 1


class SaveFileError(ValueError):
    """A saved file (or dict) that cannot be loaded; the message says where and why."""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

def _custom_data(trainer):
    """The trainer's CustomData, or None for a Playground dataset."""
    return getattr(trainer, "custom_data", None)


# --------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------

def _json_floats(values) -> list:
    """Floats for JSON: NaN and infinities become null (JSON has no such numbers)."""
    return [v if math.isfinite(v) else None for v in (float(x) for x in values)]


def to_dict(trainer) -> dict:
    """The trainer's whole state as a JSON-ready dict (see the module docstring)."""
    net = trainer.network
    opt = trainer._optimizer
    rand = trainer._rand
    state: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "epoch": int(trainer.epoch),
        "params": _json_floats(net.params),
        "dead": np.flatnonzero(net.dead).tolist(),
        "history": {k: _json_floats(v) for k, v in trainer.history.to_dict().items()},
        "optimizer": {
            "name": opt.name,
            "iterations": int(opt.iterations),
            "last_learning_rate": opt.last_learning_rate,
            "slots": {k: _json_floats(v) for k, v in opt.slots.items()},
        },
        "carry": {
            "count": int(trainer._carry_count),
            "gradient": _json_floats(trainer._carry) if trainer._carry_count else None,
        },
        "random": {"seed": rand.seed, "i": rand._i, "j": rand._j, "s": list(rand._s)},
        "losses": {"train": _json_floats([trainer.train_loss])[0],
                   "test": _json_floats([trainer.test_loss])[0]},
    }
    cache = getattr(opt, "momentum_cache", None)
    if cache is not None:
        state["optimizer"]["momentum_cache"] = cache
    custom = _custom_data(trainer)
    if custom is not None:
        d = trainer.data
        state["data"] = {
            "custom": custom.to_dict(),
            "train_x": d.train_x.tolist(), "train_y": d.train_y.tolist(),
            "test_x": d.test_x.tolist(), "test_y": d.test_y.tolist(),
        }
    return state


def to_json(trainer) -> str:
    """:func:`to_dict` as strict JSON text (no NaN literals)."""
    return json.dumps(to_dict(trainer), allow_nan=False, separators=(",", ":"))


def save(trainer, path) -> None:
    """Write the trainer's state to ``path`` as JSON (see the module docstring)."""
    text = to_json(trainer)
    with open(os.fspath(path), "w", encoding="utf-8") as f:
        f.write(text)


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

class _Reader:
    """Checks the parts of a loaded dict; errors name the source and the field."""

    def __init__(self, source: str):
        self.source = source

    def error(self, field: str, message: str) -> SaveFileError:
        return SaveFileError(f"{self.source}: {field}: {message}")

    def integer(self, value, field: str, low: int = 0, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(field, f"{value!r} is not an integer")
        if value < low or (high is not None and value > high):
            allowed = f">= {low}" if high is None else f"in {low}..{high}"
            raise self.error(field, f"{value!r} is not {allowed}")
        return value

    def floats(self, value, field: str, size: int | None = None) -> np.ndarray:
        """A list of numbers (null = NaN) as float64, of length ``size`` if given."""
        if not isinstance(value, list):
            raise self.error(field, f"expected a list of numbers, got {type(value).__name__}")
        for i, v in enumerate(value):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise self.error(field, f"item {i} is {v!r}, not a number")
        if size is not None and len(value) != size:
            raise self.error(field, f"has {len(value)} values, expected {size}")
        return np.array([math.nan if v is None else float(v) for v in value],
                        dtype=np.float64).reshape(-1)

    def mapping(self, value, field: str, keys) -> dict:
        if not isinstance(value, dict):
            raise self.error(field, f"expected an object, got {type(value).__name__}")
        missing = [k for k in keys if k not in value]
        if missing:
            raise self.error(field, f"missing key(s) {', '.join(missing)}")
        return value


def _check_header(data, reader: _Reader) -> None:
    if not isinstance(data, dict):
        raise SaveFileError(f"{reader.source}: not an nbplayground file (the JSON is a "
                            f"{type(data).__name__}, not an object)")
    if data.get("format") != FORMAT:
        raise SaveFileError(f"{reader.source}: not an nbplayground file (format="
                            f"{data.get('format')!r}, expected {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SaveFileError(f"{reader.source}: version={version!r} is not an integer; "
                            f"this nbplayground reads version {VERSION}")
    if version != VERSION:
        newer = " (written by a newer nbplayground)" if version > VERSION else ""
        raise SaveFileError(f"{reader.source}: version={version}{newer}; this nbplayground "
                            f"reads version {VERSION}")
    reader.mapping(data, "file", ("config", "epoch", "params", "dead", "history",
                                  "optimizer"))


def from_dict(data: dict, source: str = "data"):
    """A Trainer in the state a :func:`to_dict` dict describes.

    Builds ``Trainer(Config.from_dict(data["config"]))`` (with the custom data
    if the dict has them), then :func:`restore_state`.  Every part is checked
    first; a problem raises :class:`SaveFileError` naming ``source`` and the field.
    """
    from .trainer import Trainer  # here, so that trainer.py may import this module

    reader = _Reader(source)
    _check_header(data, reader)
    try:
        config = Config.from_dict(reader.mapping(data["config"], "config", ()))
    except ValueError as exc:  # ConfigError
        raise reader.error("config", str(exc)) from exc

    custom = None
    if data.get("data") is not None:
        from .custom_data import CustomData
        block = reader.mapping(data["data"], "data", ("custom", "train_x", "train_y",
                                                      "test_x", "test_y"))
        try:
            custom = CustomData.from_dict(block["custom"])
        except ValueError as exc:
            raise reader.error("data.custom", str(exc)) from exc
        try:
            trainer = Trainer(config, data=custom)
        except TypeError as exc:
            raise reader.error("data", "the file holds custom data, which this "
                               f"nbplayground's Trainer cannot take ({exc})") from exc
    else:
        trainer = Trainer(config)

    state = _read_state(data, trainer, reader, custom)
    restore_state(trainer, state)
    saved = data.get("losses")
    if isinstance(saved, dict):
        for name, now in (("train", trainer.train_loss), ("test", trainer.test_loss)):
            then = saved.get(name)
            if isinstance(then, (int, float)) and math.isfinite(then) and math.isfinite(now) \
                    and not math.isclose(then, now, rel_tol=1e-9, abs_tol=1e-12):
                raise reader.error(
                    f"losses.{name}", f"the file says {then!r} but the restored trainer "
                    f"gives {now!r}: its data differ from the ones it was saved with")
    return trainer


def _read_state(data: dict, trainer, reader: _Reader, custom) -> dict:
    """Check every part against the freshly built trainer; return arrays and numbers."""
    net = trainer.network
    size = net.size
    sizes = "-".join(map(str, net.layer_sizes))
    state: dict[str, Any] = {}

    state["epoch"] = reader.integer(data["epoch"], "epoch")
    params = data["params"]
    if isinstance(params, list) and len(params) != size:
        raise reader.error("params", f"has {len(params)} values but the config's network "
                           f"(layer sizes {sizes}) has {size} parameters")
    state["params"] = reader.floats(params, "params", size)

    dead = data["dead"]
    if not isinstance(dead, list):
        raise reader.error("dead", f"expected a list of parameter indices, got "
                           f"{type(dead).__name__}")
    mask = np.zeros(size, dtype=bool)
    for i, index in enumerate(dead):
        index = reader.integer(index, f"dead[{i}]", 0, size - 1)
        if net.weight_mask[index] == 0:
            raise reader.error(f"dead[{i}]", f"index {index} is a bias; only links can die")
        mask[index] = True
    state["dead"] = mask

    history = reader.mapping(data["history"], "history",
                             ("epoch", "train_loss", "test_loss", "train_accuracy",
                              "test_accuracy"))
    columns = {k: reader.floats(history[k], f"history.{k}") for k in
               ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) != 1:
        raise reader.error("history", f"columns have different lengths "
                           f"{ {k: len(v) for k, v in columns.items()} }")
    state["history"] = columns

    opt = trainer._optimizer
    block = reader.mapping(data["optimizer"], "optimizer", ("name", "iterations"))
    if block["name"] != opt.name:
        raise reader.error("optimizer.name", f"{block['name']!r} but the config's optimizer "
                           f"is {opt.name!r}")
    state["iterations"] = reader.integer(block["iterations"], "optimizer.iterations")
    last = block.get("last_learning_rate")
    if last is not None and (isinstance(last, bool) or not isinstance(last, (int, float))):
        raise reader.error("optimizer.last_learning_rate", f"{last!r} is not a number")
    state["last_learning_rate"] = None if last is None else float(last)
    slots = block.get("slots") or {}
    if not isinstance(slots, dict):
        raise reader.error("optimizer.slots", f"expected an object, got "
                           f"{type(slots).__name__}")
    known = type(opt)._slot_names
    for name in slots:
        if name not in known:
            raise reader.error("optimizer.slots", f"{name!r} is not a slot of {opt.name}; "
                               f"its slots: {', '.join(known)}")
    state["slots"] = {k: reader.floats(v, f"optimizer.slots.{k}", size)
                      for k, v in slots.items()}
    cache = block.get("momentum_cache")
    if cache is not None and (isinstance(cache, bool) or not isinstance(cache, (int, float))):
        raise reader.error("optimizer.momentum_cache", f"{cache!r} is not a number")
    state["momentum_cache"] = cache

    carry = data.get("carry")
    if carry is None:
        state["carry"] = (0, None)
    else:
        carry = reader.mapping(carry, "carry", ("count", "gradient"))
        count = reader.integer(carry["count"], "carry.count")
        gradient = None
        if count:
            if carry["gradient"] is None:
                raise reader.error("carry.gradient", f"missing while carry.count={count}")
            gradient = reader.floats(carry["gradient"], "carry.gradient", size)
        state["carry"] = (count, gradient)

    rand = data.get("random")
    if rand is None:
        state["random"] = None
    else:
        rand = reader.mapping(rand, "random", ("seed", "i", "j", "s"))
        s = rand["s"]
        if not isinstance(s, list) or sorted(s) != list(range(256)) \
                or any(isinstance(v, bool) for v in s):
            raise reader.error("random.s", "must be a permutation of 0..255")
        if not isinstance(rand["seed"], str):
            raise reader.error("random.seed", f"{rand['seed']!r} is not a string")
        state["random"] = (rand["seed"], reader.integer(rand["i"], "random.i", 0, 255),
                           reader.integer(rand["j"], "random.j", 0, 255), list(s))

    state["data"] = None
    if custom is not None:
        block = data["data"]
        parts = {}
        for name in ("train", "test"):
            x = block[f"{name}_x"]
            if not isinstance(x, list) or any(not isinstance(p, list) or len(p) != 2
                                              for p in x):
                raise reader.error(f"data.{name}_x", "expected a list of [x1, x2] points")
            xs = reader.floats([v for p in x for v in p], f"data.{name}_x").reshape(-1, 2)
            ys = reader.floats(block[f"{name}_y"], f"data.{name}_y", len(x))
            parts[name] = (xs, ys)
        if len(parts["train"][1]) + len(parts["test"][1]) != custom.n:
            raise reader.error("data", f"the split holds {len(parts['train'][1])} + "
                               f"{len(parts['test'][1])} points but the data set has "
                               f"{custom.n}")
        state["data"] = _datasets.Dataset(parts["train"][0], parts["train"][1],
                                          parts["test"][0], parts["test"][1])
    return state


def restore_state(trainer, state: dict) -> None:
    """Put a checked saved state into a freshly built trainer.

    This is the one place that writes the trainer's private attributes:
    ``data`` and ``_prepare_data()`` (custom data only), ``network.params``
    and ``network.dead`` (in place: the tapes hold views of them), ``_alive``,
    ``_reg_mask``, ``_any_dead``, ``epoch``, ``history`` (refilled in place),
    the optimizer (``iterations``, ``last_learning_rate``, its slots via
    ``build()``, Nadam's ``_momentum_cache``), the batch carry (``_carry``,
    ``_carry_count``), the stream (``_rand``, with SeedRandom's ``_i``,
    ``_j``, ``_s``), then ``_evaluate(record=False)`` for the losses and the
    divergence flag.
    """
    if state.get("data") is not None:
        trainer.data = state["data"]
        trainer._prepare_data()
    net = trainer.network
    np.copyto(net.params, state["params"])
    np.copyto(net.dead, state["dead"])
    alive = (~net.dead).astype(np.float64)
    np.copyto(trainer._alive, alive)
    np.multiply(net.weight_mask, alive, out=trainer._reg_mask)
    trainer._any_dead = bool(net.dead.any())
    trainer.epoch = state["epoch"]

    history = trainer.history
    history.clear()
    cols = state["history"]
    for row in zip(cols["epoch"], cols["train_loss"], cols["test_loss"],
                   cols["train_accuracy"], cols["test_accuracy"]):
        history.append(*row)

    opt = trainer._optimizer
    if state["slots"]:
        opt.build(net.size)
        live = opt.slots
        for name, values in state["slots"].items():
            np.copyto(live[name], values)
    opt.iterations = state["iterations"]
    opt.last_learning_rate = state["last_learning_rate"]
    if state["momentum_cache"] is not None and hasattr(opt, "_momentum_cache"):
        opt._momentum_cache = float(state["momentum_cache"])

    count, gradient = state["carry"]
    trainer._carry_count = count
    if gradient is not None:
        np.copyto(trainer._carry, gradient)
    else:
        trainer._carry.fill(0.0)

    if state["random"] is not None:
        seed, i, j, s = state["random"]
        rand = SeedRandom(seed)
        rand._i, rand._j, rand._s = i, j, s
        trainer._rand = rand

    trainer.diverged = False
    trainer._evaluate(record=False)


def from_json(text: str, source: str = "text"):
    """The Trainer saved in JSON ``text`` (see :func:`from_dict`)."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SaveFileError(f"{source}: not an nbplayground file: invalid JSON at line "
                            f"{exc.lineno} column {exc.colno} ({exc.msg})") from None
    return from_dict(data, source)


def load(path):
    """The Trainer saved at ``path`` by :func:`save`, ready to continue training."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SaveFileError(f"{path}: not an nbplayground file (not UTF-8 text)") from None
    return from_json(text, source=path)
