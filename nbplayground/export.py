"""Take a trainer elsewhere: Keras code, and JSON files to save and load.

:func:`to_keras` writes a runnable Python script that builds the same network
in Keras (Keras 3, or the ``keras`` of TensorFlow 2.x), with the trainer's
initializers, optimizer, loss, regularizer, input features and (by default)
its current weights, and trains it with ``model.fit``.

Saving and loading moved to :mod:`nbplayground.checkpoint`; the names are
re-exported here so that ``from nbplayground.export import save, load`` keeps working.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from . import datasets as _datasets
from .checkpoint import (FORMAT, VERSION, SaveFileError, from_dict, from_json,  # noqa: F401
                         load, save, to_dict, to_json)
from .seedrandom import SeedRandom

__all__ = [
    "FORMAT", "VERSION", "SaveFileError",
    "KERAS_ACTIVATIONS", "LEAKY_RELU_SLOPE",
    "to_keras", "to_dict", "from_dict", "to_json", "from_json", "save", "load",
]

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
