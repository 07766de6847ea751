"""Take a trainer elsewhere: Keras code, and JSON files to save and load.

:func:`to_keras` writes a runnable Python script that builds the same network
in Keras (Keras 3, or the ``keras`` of TensorFlow 2.x), with the trainer's
initializers, optimizer, loss, regularizer, input features and (by default)
its current weights, and trains it with ``model.fit``.

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
import textwrap
from typing import Any

import numpy as np

from . import datasets as _datasets
from .config import Config
from .seedrandom import SeedRandom

__all__ = [
    "FORMAT", "VERSION", "SaveFileError",
    "KERAS_ACTIVATIONS", "LEAKY_RELU_SLOPE",
    "to_keras", "to_dict", "from_dict", "to_json", "from_json", "save", "load",
    "restore_state",
]

#: The "format" field of a saved file.
FORMAT = "nbplayground"
#: The version of the file layout this module writes and reads.
VERSION = 1

#: Hidden-layer activation → Keras activation name.  leaky_relu is a separate
#: ``LeakyReLU`` layer, because Keras's "leaky_relu" string uses slope 0.2.
KERAS_ACTIVATIONS = {
    "tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid", "linear": "linear",
    "elu": "elu", "softplus": "softplus", "swish": "swish", "leaky_relu": None,
}
#: nbplayground's leaky ReLU: max(z, 0.01 z).
LEAKY_RELU_SLOPE = 0.01

_FEATURE_EXPRESSIONS = {
    "x": "x1", "y": "x2", "x_squared": "x1 * x1", "y_squared": "x2 * x2",
    "x_times_y": "x1 * x2", "sin_x": "np.sin(x1)", "sin_y": "np.sin(x2)",
}


class SaveFileError(ValueError):
    """A saved file (or dict) that cannot be loaded; the message says where and why."""


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

def _custom_data(trainer):
    """The trainer's CustomData, or None for a Playground dataset."""
    return getattr(trainer, "custom_data", None)


def _comment(text: str, width: int = 92) -> list[str]:
    """``text`` as ``# ``-prefixed source comment lines of at most ``width`` characters."""
    return ["# " + line for line in textwrap.wrap(text, width - 2)]


def _num(value: float) -> str:
    """A float as exact Python source (repr), with NaN/infinity spelled as calls."""
    value = float(value)
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else '-float("inf")'
    return repr(value)


def _wrapped(values, indent: str, width: int = 96) -> list[str]:
    """Comma-separated source items, as lines of at most ``width`` characters."""
    lines, line = [], indent
    for item in values:
        piece = item + ","
        if line.strip() and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = indent
        line += (" " if line.strip() else "") + piece
    if line.strip():
        lines.append(line)
    return lines


def _regenerates(trainer) -> bool:
    """True if nbplayground's make_dataset(config's seed) gives the trainer's data."""
    if _custom_data(trainer) is not None:
        return False
    c = trainer.config
    try:
        fresh = _datasets.make_dataset(c.dataset, c.noise, c.train_percent, SeedRandom(c.seed))
    except ValueError:
        return False
    d = trainer.data
    return all(np.array_equal(a, b) for a, b in (
        (fresh.train_x, d.train_x), (fresh.train_y, d.train_y),
        (fresh.test_x, d.test_x), (fresh.test_y, d.test_y)))


# --------------------------------------------------------------------------------------
# Keras code
# --------------------------------------------------------------------------------------

def _initializer_source(init: str) -> tuple[str, str, str]:
    """(kernel initializer, bias initializer, comment) as Keras source."""
    if init == "playground":
        return ("keras.initializers.RandomUniform(minval=-0.5, maxval=0.5)",
                "keras.initializers.Constant(0.1)",
                "Playground's initialization: weights uniform in [-0.5, 0.5], biases 0.1.")
    if init == "zeros":
        return ('"zeros"', '"zeros"', "Playground's initZero: every weight and bias 0.")
    if init == "random_normal":
        # nbplayground draws N(0, 1); Keras's "random_normal" string means stddev 0.05.
        return ("keras.initializers.RandomNormal(mean=0.0, stddev=1.0)", '"zeros"',
                "Weights N(0, 1) as nbplayground draws them (Keras's plain "
                '"random_normal" would use stddev 0.05), biases 0.')
    return (f'"{init}"', '"zeros"', f"Keras's {init} weights, biases 0.")


def _regularizer_source(trainer) -> tuple[str | None, list[str]]:
    """(Keras regularizer source or None, comment lines)."""
    c = trainer.config
    if c.regularization is None or c.regularization_rate == 0:
        return None, []
    rate = c.regularization_rate
    # Keras's loss is `scale` times Playground's (2 for the squared loss), so its
    # penalty is scaled the same way: the Keras total loss is `scale` times
    # Playground's objective data_loss + rate * R(w), R = sum |w| or 1/2 sum w^2.
    scale = 2.0 if trainer.head.loss == "squared" else 1.0
    if c.regularization == "L1":
        source = f"keras.regularizers.L1(l1={_num(scale * rate)})"
        penalty = "rate * sum |w|"
    else:
        source = f"keras.regularizers.L2(l2={_num(scale * rate / 2.0)})"
        penalty = "rate * 1/2 sum w^2"
    comment = _comment(
        f"Regularization: {c.regularization} with rate {_num(rate)}. Keras adds the penalty "
        f"to the loss and its gradient goes through the optimizer. Playground applies it "
        f"after the optimizer step instead, w -= learning_rate * rate * R'(w) (biases "
        f"excluded), and under L1 a weight that the penalty pushes across 0 is set to 0 and "
        f"frozen for good, where Keras keeps training it. The coefficient makes Keras's total "
        f"loss {scale:g} x (data loss + {penalty}), so with plain SGD both take the same "
        f"steps" + (" (see the note on the learning rate)." if scale != 1 else "."))
    return source, comment


def _optimizer_source(trainer) -> tuple[list[str], list[str]]:
    """(source lines assigning `optimizer`, comment lines)."""
    opt = trainer._optimizer
    hp = opt.config()
    lr = hp.pop("learning_rate")
    decay = hp.pop("decay")
    if decay > 0:
        lr_source = (f"keras.optimizers.schedules.InverseTimeDecay({_num(lr)}, decay_steps=1, "
                     f"decay_rate={_num(decay)})")
    else:
        lr_source = _num(lr)
    lines = [f"optimizer = keras.optimizers.{opt.keras_name}(",
             f"    learning_rate={lr_source},"]
    for key, value in hp.items():
        lines.append(f"    {key}={value!r}," if isinstance(value, bool)
                     else f"    {key}={_num(value)},")
    lines.append(")")
    comments = []
    if decay > 0:
        text = (f"Inverse-time decay: learning rate = {_num(lr)} / (1 + {_num(decay)} * step), "
                f"as Keras 2's decay={_num(decay)}.")
        if opt.iterations:
            text += (f" The exported trainer has taken {opt.iterations} steps; its learning "
                     f"rate is now {_num(opt.current_learning_rate)}.")
        comments += _comment(text)
    if opt.name == "nadam":
        comments += _comment("nbplayground's Nadam follows Keras 2's momentum schedule; "
                             "Keras 3's Nadam differs slightly.")
    return lines, comments


def to_keras(trainer, include_weights: bool = True, data: str = "auto") -> str:
    """Python source that builds and trains the trainer's network in Keras.

    ``include_weights``: also set the trainer's current weights (kernels
    transposed to Keras's (inputs, units) layout, floats written exactly).
    ``data``: "nbplayground" regenerates the points with nbplayground's
    ``make_dataset`` from the config's seed; "inline" writes them into the
    script; "auto" (default) regenerates when that gives the trainer's data
    exactly and writes them inline otherwise (custom data).
    """
    if data not in ("auto", "nbplayground", "inline"):
        raise ValueError(f"data={data!r}: must be 'auto', 'nbplayground' or 'inline'")
    if not isinstance(include_weights, bool):
        raise TypeError(f"include_weights={include_weights!r}: must be True or False")
    c = trainer.config
    net = trainer.network
    head = trainer.head
    if data == "auto":
        data = "nbplayground" if _regenerates(trainer) else "inline"
    elif data == "nbplayground" and not _regenerates(trainer):
        raise ValueError("data='nbplayground': the trainer's points do not come from a "
                         "Playground dataset of its config (custom data?); use 'inline'")

    out: list[str] = []
    emit = out.append

    # ---- header
    emit(f"# {c.problem.capitalize()} network exported from nbplayground, "
         "rebuilt in Keras.")
    emit("#")
    emit(f"# Playground state: {c.to_url(full=True)}")
    missing = c.playground_incompatibilities()
    if missing:
        emit(f"# (TensorFlow Playground ignores these settings: {', '.join(missing)}.)")
    if _custom_data(trainer) is not None:
        emit("# Data: your own points (written below), not a Playground dataset.")
    emit(f"# Exported at epoch {trainer.epoch}: train loss {_num(trainer.train_loss)}, "
         f"test loss {_num(trainer.test_loss)}.")
    emit("# Needs numpy and Keras (Keras 3, or the keras of TensorFlow 2.x)"
         + (" and nbplayground." if data == "nbplayground" else "."))
    emit("")
    emit("import numpy as np")
    emit("")
    emit("try:")
    emit("    import keras")
    emit("except ImportError:  # TensorFlow 2.x without the keras package")
    emit("    from tensorflow import keras")
    if data == "nbplayground":
        emit("")
        emit("from nbplayground.datasets import make_dataset")
        emit("from nbplayground.seedrandom import SeedRandom")
    emit("")
    emit("")

    # ---- features
    features = c.features
    emit("# ---- Input features: raw values, no normalisation (as in Playground) ----")
    emit(f"FEATURES = {list(features)!r}")
    emit("")
    emit("")
    emit("def input_features(points):")
    emit(f'    """Points (n, 2) -> the {len(features)} selected features, shape '
         f'(n, {len(features)})."""')
    emit('    points = np.asarray(points, dtype="float64")')
    if features:
        emit("    x1, x2 = points[:, 0], points[:, 1]")
        items = ", ".join(_FEATURE_EXPRESSIONS[f] for f in features)
        emit(f"    return np.stack([{items}], axis=1)")
    else:
        emit("    return np.zeros((len(points), 0))")
    emit("")
    emit("")

    # ---- targets
    emit("def targets(labels):")
    if head.activation == "softmax":
        emit(f'    """Class numbers 0..{head.outputs - 1}, as sparse categorical '
             'cross-entropy expects."""')
        emit('    return np.asarray(labels).astype("int64")')
    elif head.activation == "sigmoid":
        emit('    """Playground\'s -1/+1 labels -> 0/1 for binary cross-entropy, shape (n, 1)."""')
        emit('    return ((np.asarray(labels, dtype="float64") + 1.0) / 2.0).reshape(-1, 1)')
    elif head.activation == "tanh":
        emit('    """Playground\'s -1/+1 labels, shape (n, 1) (the tanh output is compared '
             'to them)."""')
        emit('    return np.asarray(labels, dtype="float64").reshape(-1, 1)')
    else:
        emit('    """The regression targets, shape (n, 1)."""')
        emit('    return np.asarray(labels, dtype="float64").reshape(-1, 1)')
    emit("")
    emit("")

    # ---- data
    d = trainer.data
    if data == "nbplayground":
        emit("# ---- Data: the trainer's points, regenerated from the seed ----")
        emit(f"data = make_dataset({c.dataset!r}, {_num(c.noise)}, {_num(c.train_percent)}, "
             f"SeedRandom({c.seed!r}))")
        emit("train_points, train_labels = data.train_x, data.train_y")
        emit("test_points, test_labels = data.test_x, data.test_y")
    else:
        emit("# ---- Data: the trainer's points, in its (fixed, shuffled) training order ----")
        for name, points, labels in (("train", d.train_x, d.train_y),
                                     ("test", d.test_x, d.test_y)):
            emit(f"{name}_points = np.array([")
            out.extend(_wrapped([f"[{_num(x)}, {_num(y)}]" for x, y in points.tolist()],
                                "    "))
            emit("]).reshape(-1, 2)")
            emit(f"{name}_labels = np.array([")
            out.extend(_wrapped([_num(v) for v in labels.tolist()], "    "))
            emit("])")
    emit("X_train, y_train = input_features(train_points), targets(train_labels)")
    emit("X_test, y_test = input_features(test_points), targets(test_labels)")
    emit("")
    emit("")

    # ---- model
    kernel_init, bias_init, init_comment = _initializer_source(c.init)
    regularizer, reg_comment = _regularizer_source(trainer)
    emit("# ---- The model ----")
    out.extend(_comment(init_comment))
    out.extend(reg_comment)
    emit("def dense(units, activation, name):")
    emit('    """A Dense layer initialised (and regularised) as in the playground."""')
    emit("    return keras.layers.Dense(")
    emit("        units,")
    emit("        activation=activation,")
    emit(f"        kernel_initializer={kernel_init},")
    emit(f"        bias_initializer={bias_init},")
    if regularizer is not None:
        emit(f"        kernel_regularizer={regularizer},")
    emit("        name=name,")
    emit("    )")
    emit("")
    emit("")
    leaky = c.activation == "leaky_relu"
    if leaky:
        emit("def leaky_relu(name):")
        emit(f'    """max(z, {LEAKY_RELU_SLOPE} z). (Keras\'s "leaky_relu" string would use '
             'slope 0.2.)"""')
        emit("    try:")
        emit(f"        return keras.layers.LeakyReLU(negative_slope={LEAKY_RELU_SLOPE}, "
             "name=name)  # Keras 3")
        emit("    except TypeError:")
        emit(f"        return keras.layers.LeakyReLU(alpha={LEAKY_RELU_SLOPE}, name=name)"
             "  # Keras 2")
        emit("")
        emit("")
    hidden_act = "linear" if leaky else KERAS_ACTIVATIONS[c.activation]
    emit("model = keras.Sequential([")
    emit(f"    keras.Input(shape=({len(features)},)),")
    layer_names = []
    for i, width in enumerate(c.network_shape, start=1):
        name = f"hidden_{i}"
        layer_names.append(name)
        emit(f'    dense({width}, "{hidden_act}", "{name}"),')
        if leaky:
            emit(f'    leaky_relu("{name}_leaky_relu"),')
    layer_names.append("output")
    emit(f'    dense({head.outputs}, "{head.activation}", "output"),')
    emit("])")
    emit("")

    # ---- compile
    opt_lines, opt_comments = _optimizer_source(trainer)
    emit("# ---- Training setup ----")
    if head.loss == "squared":
        loss = "mean_squared_error"
        out.extend(_comment(
            "Loss: Playground's squared loss is 1/2 (y_hat - y)^2, half of Keras's "
            "mean_squared_error, so Keras's gradients are twice Playground's: with plain SGD, "
            f"learning_rate={_num(c.learning_rate / 2)} (half the playground's) takes "
            "Playground's steps. Adaptive optimizers (Adam, RMSprop, ...) hardly notice the "
            "factor."))
    elif head.activation == "sigmoid":
        loss = "binary_crossentropy"
        emit("# Loss: binary cross-entropy on a sigmoid output, as in nbplayground.")
    else:
        loss = "sparse_categorical_crossentropy"
        emit("# Loss: categorical cross-entropy on a softmax output, labels as class numbers.")
    out.extend(opt_comments)
    out.extend(opt_lines)
    if c.problem == "classification" and head.activation == "tanh":
        emit("")
        emit("")
        emit("def playground_accuracy(y_true, y_pred):")
        emit('    """Playground\'s accuracy: the tanh output has the sign of the -1/+1 '
             'label."""')
        emit("    return keras.metrics.binary_accuracy((y_true + 1.0) / 2.0, "
             "(y_pred + 1.0) / 2.0)")
        emit("")
        emit("")
        metrics = "[playground_accuracy]"
    elif c.problem == "classification":
        metrics = '["accuracy"]'
    else:
        metrics = None
    emit(f'model.compile(optimizer=optimizer, loss="{loss}"'
         + (f", metrics={metrics})" if metrics else ")"))
    emit("")

    # ---- weights
    if include_weights:
        emit(f"# ---- The trainer's weights at epoch {trainer.epoch} ----")
        text = ("Keras keeps a kernel as (inputs, units): the transpose of the playground's "
                "(units, inputs) weight matrix.")
        dead_count = int(net.dead.sum())
        if dead_count:
            text += (f" {dead_count} link(s) were killed by L1 (weight 0, frozen in the "
                     "playground); Keras will train them again.")
        out.extend(_comment(text))
        emit("WEIGHTS = {")
        for layer, name in enumerate(layer_names):
            kernel = net.weights(layer).T
            bias = net.biases(layer)
            emit(f'    "{name}": (')
            emit(f"        [  # kernel, shape {kernel.shape}")
            for row in kernel.tolist():
                items = ", ".join(_num(v) for v in row)
                emit(f"            [{items}],")
            emit("        ],")
            items = ", ".join(_num(v) for v in bias.tolist())
            emit(f"        [{items}],  # bias, shape {bias.shape}")
            emit("    ),")
        emit("}")
        emit("for name, (kernel, bias) in WEIGHTS.items():")
        emit("    kernel = np.array(kernel).reshape(-1, len(bias))  # (0, units) with no input")
        emit("    model.get_layer(name).set_weights([kernel, np.array(bias)])")
        emit("")

    # ---- fit
    epochs = trainer.epoch or 100
    n_train = d.num_train
    emit("# ---- Training ----")
    text = (f"One epoch = one pass over the {n_train} training points in a fixed order "
            "(shuffle=False), as in Playground.")
    if n_train % c.batch_size:
        text += (f" Playground carries the last {n_train % c.batch_size} point(s) of each "
                 "epoch into the first update of the next one; Keras makes a smaller last "
                 "batch instead.")
    if trainer.epoch:
        text += f" epochs={epochs}: as many more epochs as the trainer has run."
    out.extend(_comment(text))
    emit("history = model.fit(")
    emit("    X_train,")
    emit("    y_train,")
    emit(f"    epochs={epochs},")
    emit(f"    batch_size={c.batch_size},")
    emit("    shuffle=False,")
    if d.num_test:
        emit("    validation_data=(X_test, y_test),")
    emit(")")
    return "\n".join(out) + "\n"


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
