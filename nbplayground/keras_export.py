"""Keras code that continues a trainer's run.

:func:`to_keras` writes a Python script that needs only numpy and Keras 3 (any
backend).  It holds the trainer's points (the selected feature columns are
computed from them), builds the same network, loads the current weights and
the optimizer's state (its slots and iteration count, mapped onto Keras 3's
optimizer variables), and trains on with ``model.fit`` in Playground's batches,
so that run with Keras 3 it picks up where the trainer stopped.

What continues exactly (to float32 rounding), and what does not:

* The loss has Playground's scale: the squared loss is written as a small
  function, 1/2 (y_hat - y)^2 averaged over the batch (half of Keras's
  ``mean_squared_error``), so the gradients, and with them every optimizer's
  slots, are the trainer's.  Cross-entropy is Keras's ``binary_crossentropy``
  (sigmoid output) or ``sparse_categorical_crossentropy`` (softmax output),
  which are Playground's per-example losses; Keras clips probabilities at
  1e-7, which only matters for saturated outputs.
* Optimizers: nbplayground implements Keras 2's rules.  Keras 3's SGD (plain,
  momentum, Nesterov), Adam (and AMSGrad), Adamax and Adadelta apply the same
  rules, so they continue exactly.  :data:`KERAS3_DIFFERENCES` lists the ones
  whose Keras 3 rule differs (RMSprop without momentum and Adagrad put epsilon
  under the square root; Nadam's momentum schedule lost Keras 2's 0.004
  factor); the exported file says so.  Decay is Keras 3's ``InverseTimeDecay``
  with ``decay_steps=1``, evaluated, like Keras 2's, at the iteration count
  before the step.
* Batches: Playground updates after every ``batch_size`` points in a fixed
  order and carries the leftover points into the next epoch's first update.
  When the batch size divides the training set, ``fit(batch_size=...,
  shuffle=False)`` is that; otherwise the file feeds a generator of exactly
  Playground's batches.
* Regularization is Playground's decoupled step after the optimizer (see
  :mod:`nbplayground.optimizers`); Keras has no such rule, so the file applies
  it in a callback after each batch, with L1's zero-crossing rule and its dead
  links (held at 0).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np

from . import activations as _activations
from . import reference as _reference

__all__ = ["KERAS_ACTIVATIONS", "LEAKY_RELU_SLOPE", "KERAS3_SLOTS", "KERAS3_DIFFERENCES",
           "keras3_rule_differs", "to_keras"]

#: Hidden-layer activation → Keras activation name (the registry's, in activations.py).
#: leaky_relu is a separate ``LeakyReLU`` layer, because Keras's "leaky_relu" string
#: uses slope 0.2.
KERAS_ACTIVATIONS = _activations.KERAS_NAMES
#: nbplayground's leaky ReLU: max(z, 0.01 z).
LEAKY_RELU_SLOPE = _activations.LEAKY_SLOPE

#: Per optimizer, Keras 3's slot name → nbplayground's slot name (see each
#: ``keras/src/optimizers/*.py``: ``add_optimizer_variables(var_list, name)``).
#: A slot that Keras 3 creates only for some settings is listed by
#: :func:`_keras3_slots`.
KERAS3_SLOTS = {
    "sgd": {"momentum": "momentum"},
    "rmsprop": {"velocity": "rms", "momentum": "momentum", "average_gradient": "mg"},
    "adagrad": {"accumulator": "accumulator"},
    "adadelta": {"accumulated_grad": "accum_grad", "accumulated_delta_var": "accum_var"},
    "adam": {"momentum": "m", "velocity": "v", "velocity_hat": "vhat"},
    "adamax": {"momentum": "m", "norm": "v"},
    "nadam": {"momentum": "m", "velocity": "v"},
}

#: Where Keras 3's update rule is not nbplayground's (Keras 2's), per optimizer.
KERAS3_DIFFERENCES = {
    "rmsprop": ("Keras 3's RMSprop divides by sqrt(rms + epsilon) also without momentum, where "
                "Keras 2 (and nbplayground) divide by sqrt(rms) + epsilon; with momentum both "
                "put epsilon under the root. Centered, Keras 3 does not clamp rms - mg^2 at 0."),
    "adagrad": ("Keras 3's Adagrad divides by sqrt(accumulator + epsilon), where Keras 2 (and "
                "nbplayground) divide by sqrt(accumulator) + epsilon."),
    "nadam": ("Keras 3's Nadam uses the momentum schedule beta_1 (1 - 0.5 * 0.96^t), where "
              "Keras 2 (and nbplayground) use beta_1 (1 - 0.5 * 0.96^(0.004 t)); the moments "
              "carry over, the schedule (and so each step) differs."),
}


def keras3_rule_differs(optimizer) -> bool:
    """True if Keras 3's update rule for this optimizer (with its settings) is not nbplayground's."""
    if optimizer.name == "rmsprop":
        return optimizer.centered or optimizer.momentum == 0
    return optimizer.name in KERAS3_DIFFERENCES


_FEATURE_EXPRESSIONS = {
    "x": "x1", "y": "x2", "x_squared": "x1 * x1", "y_squared": "x2 * x2",
    "x_times_y": "x1 * x2", "sin_x": "np.sin(x1)", "sin_y": "np.sin(x2)",
}


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

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


def _matrix(name: str, matrix: np.ndarray, indent: str) -> list[str]:
    """A 2-D array as an exact nested list, one row a line."""
    lines = [f"{indent}[  # {name}, shape {tuple(matrix.shape)}"]
    for row in matrix.tolist():
        lines.append(f"{indent}    [{', '.join(_num(v) for v in row)}],")
    lines.append(f"{indent}],")
    return lines


def _layer_arrays(trainer, flat: np.ndarray, names: list[str]) -> list[str]:
    """A flat parameter-layout array as ``{layer: (kernel, bias)}`` source lines, the
    kernel transposed to Keras's (inputs, units) layout."""
    lines = []
    for view, name in zip(trainer.network.views(flat), names):
        kernel, bias = view[:, :-1].T, view[:, -1]
        lines.append(f'    "{name}": (')
        lines += _matrix("kernel", kernel, "        ")
        lines.append(f"        [{', '.join(_num(v) for v in bias.tolist())}],  # bias, shape "
                     f"{tuple(bias.shape)}")
        lines.append("    ),")
    return lines


def _keras3_slots(opt) -> dict:
    """Keras 3's slot name → nbplayground's, for the slots Keras 3 creates with these settings."""
    slots = dict(KERAS3_SLOTS[opt.name])
    if opt.name == "sgd" and opt.momentum == 0:
        slots.pop("momentum")
    if opt.name == "rmsprop":
        if opt.momentum == 0:
            slots.pop("momentum")
        if not opt.centered:
            slots.pop("average_gradient")
    if opt.name == "adam" and not opt.amsgrad:
        slots.pop("velocity_hat")
    return slots


# --------------------------------------------------------------------------------------
# The parts of the script
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


def _optimizer_source(opt) -> tuple[list[str], list[str]]:
    """(source lines assigning `optimizer`, comment lines)."""
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
        text = (f"Inverse-time decay: learning rate = {_num(lr)} / (1 + {_num(decay)} * "
                "iterations), iterations counted before the step, as Keras 2's "
                f"decay={_num(decay)}.")
        if opt.iterations:
            text += (f" The trainer has taken {opt.iterations} steps; its learning rate is "
                     f"now {_num(opt.current_learning_rate)}.")
        comments += _comment(text)
    if keras3_rule_differs(opt):
        comments += _comment("Not an exact continuation: " + KERAS3_DIFFERENCES[opt.name])
    return lines, comments


def _loss_source(head) -> tuple[str, list[str]]:
    """(the loss expression given to compile, source lines defining it)."""
    if head.loss == "squared":
        return "playground_squared_loss", [
            *_comment("Playground's squared loss, 1/2 (y_hat - y)^2 per point, averaged over the "
                      "batch by Keras: half of Keras's mean_squared_error, so the gradients (and "
                      "the optimizer's state) are the playground's."),
            "def playground_squared_loss(y_true, y_pred):",
            '    """1/2 (y_pred - y_true)^2 per point."""',
            "    return 0.5 * keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)",
        ]
    if head.activation == "sigmoid":
        return "keras.losses.binary_crossentropy", _comment(
            "Loss: binary cross-entropy on the sigmoid output, labels 0/1, as in nbplayground "
            "(Keras clips the probability at 1e-7, which only matters when an output saturates).")
    return "keras.losses.sparse_categorical_crossentropy", _comment(
        "Loss: categorical cross-entropy on the softmax output, labels as class numbers, as in "
        "nbplayground (Keras clips the probabilities at 1e-7).")


def _points_source(d) -> list[str]:
    lines = ["# ---- Data: the trainer's points, in its (fixed, shuffled) training order ----"]
    for name, points, labels in (("train", d.train_x, d.train_y), ("test", d.test_x, d.test_y)):
        lines.append(f"{name}_points = np.array([")
        lines += _wrapped([f"[{_num(x)}, {_num(y)}]" for x, y in points.tolist()], "    ")
        lines.append("]).reshape(-1, 2)")
        lines.append(f"{name}_labels = np.array([")
        lines += _wrapped([_num(v) for v in labels.tolist()], "    ")
        lines.append("])")
    return lines


def _optimizer_state_source(opt, trainer, names) -> list[str]:
    """Source that builds the optimizer and loads the trainer's slots and iteration count."""
    slots = _keras3_slots(opt)
    live = opt.slots
    out = [f"# ---- The optimizer's state after {opt.iterations} update(s) ----"]
    out += _comment("Keras 3 keeps one optimizer variable per slot and model variable, named "
                    "<variable path with _>_<slot>; kernels are (inputs, units), the transpose "
                    "of the playground's weight matrices.")
    out.append(f"ITERATIONS = {int(opt.iterations)}")
    if live and slots:
        out.append("SLOTS = {")
        for keras_name, ours in slots.items():
            out.append(f'    "{keras_name}": {{  # nbplayground\'s "{ours}"')
            out += ["    " + line for line in _layer_arrays(trainer, live[ours], names)]
            out.append("    },")
        out.append("}")
    elif slots:
        out.append("SLOTS = {}  # no update yet: Keras starts them at their initial values")
    else:
        out.append(f"SLOTS = {{}}  # Keras 3's {opt.keras_name} keeps none with these settings")
    out += [
        "optimizer.build(model.trainable_variables)",
        "optimizer.iterations.assign(ITERATIONS)",
        "optimizer_variables = {v.name: v for v in optimizer.variables}",
        "for slot, layers in SLOTS.items():",
        "    for name, values in layers.items():",
        "        layer = model.get_layer(name)",
        "        for variable, value in zip((layer.kernel, layer.bias), values):",
        '            key = variable.path.replace("/", "_") + "_" + slot',
        "            optimizer_variables[key].assign(np.array(value).reshape(variable.shape))",
    ]
    if opt.name == "nadam":
        out += _comment("Keras 3's Nadam keeps the product of its momentum schedule; set it to "
                        "Keras 3's own product for the steps taken.")
        out += ["if ITERATIONS:",
                "    _t = np.arange(1, ITERATIONS + 1)",
                f"    optimizer._u_product.assign(np.prod({_num(opt.beta_1)} * "
                "(1.0 - 0.5 * 0.96 ** _t)))"]
    return out


def _regularization_source(config, dead, names) -> list[str]:
    """A callback applying Playground's decoupled regularization step (and holding the
    links in ``dead``, per layer (n_out, n_in) booleans, at 0)."""
    c = config
    reg = c.regularization if (c.regularization and c.regularization_rate > 0) else None
    if reg is None and not any(d.any() for d in dead):
        return []
    out = ["# ---- Regularization: Playground's step after the optimizer's ----"]
    out += _comment(
        "Playground does not add the penalty to the loss: after each optimizer step it moves "
        "each weight (biases excluded) by learning_rate * rate * R'(w), R'(w) = sign(w) for L1, "
        "w for L2, taken at the weight before the step; under L1 a weight that this step pushes "
        "across 0 is set to 0 and its link dies (held at 0 from then on). Keras has no such "
        "rule, so this callback applies it after each batch.")
    out.append(f"REGULARIZATION = {reg!r}")
    out.append(f"REGULARIZATION_RATE = {_num(c.regularization_rate if reg else 0.0)}")
    out.append("DEAD = {  # links that L1 killed, per layer, in the kernel's (inputs, units) "
               "layout")
    for layer, name in enumerate(names):
        rows = dead[layer].T
        idx = [f"({i}, {j})" for i, j in zip(*np.nonzero(rows))]
        out.append(f'    "{name}": [{", ".join(idx)}],')
    out.append("}")
    out += [
        "",
        "",
        "def kernel_values(model, name):",
        '    """The kernel of layer `name` as a float64 numpy array."""',
        "    kernel = model.get_layer(name).kernel",
        '    return keras.ops.convert_to_numpy(kernel.value).astype("float64")',
        "",
        "",
        "class PlaygroundRegularization(keras.callbacks.Callback):",
        '    """Playground\'s regularization step and dead links, after each batch."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        "        self.iterations = ITERATIONS",
        "        self.dead = {}",
        "        for name, links in DEAD.items():",
        "            shape = model.get_layer(name).kernel.shape",
        '            self.dead[name] = np.zeros(shape, dtype=bool)',
        "            for i, j in links:",
        "                self.dead[name][i, j] = True",
        "",
        "    def learning_rate(self):",
        "        return LEARNING_RATE / (1.0 + DECAY * self.iterations)",
        "",
        "    def on_train_batch_begin(self, batch, logs=None):",
        "        model = self.model  # (with JAX, reading self.model syncs the training state)",
        "        self.before = {name: kernel_values(model, name) for name in self.dead}",
        "",
        "    def on_train_batch_end(self, batch, logs=None):",
        "        step = self.learning_rate() * REGULARIZATION_RATE",
        "        self.iterations += 1",
        "        for name, dead in self.dead.items():",
        "            w0, w1 = self.before[name], kernel_values(self.model, name)",
        "            kernel = self.model.get_layer(name).kernel",
        "            if REGULARIZATION is None:",
        "                w2 = w1",
        "            else:",
        '                der = np.sign(w0) if REGULARIZATION == "L1" else w0',
        "                w2 = w1 - step * np.where(dead, 0.0, der)",
        '                if REGULARIZATION == "L1":',
        "                    dead |= (w1 * w2 < 0) & ~dead",
        "            w2 = np.where(dead, 0.0, w2)",
        "            kernel.assign(w2)",
    ]
    return out


def _carry_is_stale(trainer) -> bool:
    """True when the carried leftover's summed gradient is not the carried points' gradient
    at the current weights and data (regenerate() or a weight edit since it was kept, as
    Playground keeps it), which is what the script's first batch recomputes."""
    if not trainer.carry_count:
        return False
    e = trainer.explain_batch()  # the next epoch's first batch: the carried rows first
    c = e.carried
    if not c:
        return False
    weight_sums, bias_sums = _reference.gradients(
        e.inputs[:c], [a[:c] for a in e.activations], [d[:c] for d in e.deltas])
    fresh = _reference.pack(weight_sums, bias_sums)
    fresh[trainer.network.dead] = 0.0  # dead links accumulate nothing
    return not np.allclose(fresh, trainer.carry, rtol=1e-9, atol=1e-12)


def _fit_source(bs: int, epoch: int, n_train: int, epochs: int, validation: bool,
                carried: tuple[int, int] = (0, 0), stale: bool = False) -> list[str]:
    """The training part: Playground's batches, and train(epochs) counting from ``epoch``.

    ``carried`` = (count, end): the trainer's leftover, rows end - count .. end - 1 of the
    training order, carried into the first update (points added after an epoch come after
    them); every later epoch with a full batch carries its last n_train % bs points."""
    full, left = divmod(n_train, bs)
    carry, carry_end = carried if full >= 1 else (0, 0)
    out = ["# ---- Training: Playground's epochs ----"]
    text = (f"One epoch = one pass over the {n_train} training points in a fixed order, with an "
            f"update after every {bs} points, as in Playground.")
    if full == 0:
        text += (f" The batch size {bs} is larger than the training set: Playground never "
                 "completes a batch, so it never updates; Keras fits one smaller batch per "
                 "epoch instead.")
    elif left:
        text += (f" {n_train} is not a multiple of {bs}: Playground carries the last {left} "
                 "point(s) of each epoch into the first update of the next one, so the data "
                 "come from a generator of exactly those batches (fit's batch_size would make "
                 "a smaller last batch instead).")
    if stale and carry:
        text += (f" Not an exact continuation: the trainer carries the gradient of its {carry} "
                 "leftover point(s) as it was kept before the data were regenerated or a weight "
                 "was edited (as Playground does); the first batch here recomputes it at the "
                 "current weights and data, so that first update differs a little.")
    out += _comment(text)
    out.append(f"EPOCH = {int(epoch)}  # the trainer's epoch count at export")
    out.append("")
    out.append("")
    batched = full >= 1 and (left > 0 or carry > 0)
    if batched:
        out += [
            "def playground_batches():",
            '    """Playground\'s batches, epoch after epoch: the first of each epoch also holds',
            '    the points left over from the epoch before."""',
            f"    n, batch_size, carry, end = len(X_train), {bs}, {carry}, {carry_end}",
            "    while True:",
            "        for start in range(0, n - batch_size + 1, batch_size):",
            "            rows = np.arange(start, start + batch_size)",
            "            if start == 0 and carry:",
            "                rows = np.concatenate([np.arange(end - carry, end), rows])",
            "            yield X_train[rows], y_train[rows]",
            "        carry, end = n % batch_size, n",
            "",
            "",
            "batches = playground_batches()",
            "",
            "",
        ]
    out += [
        "def train(epochs, **fit_options):",
        '    """Train `epochs` more epochs (Keras numbers them after the trainer\'s); other',
        '    keyword arguments go to model.fit (verbose=0, say)."""',
        "    global EPOCH",
        "    history = model.fit(",
    ]
    if batched:
        out += ["        batches,", f"        steps_per_epoch={full},",
                "        shuffle=False,  # the generator gives Playground's fixed order"]
    else:
        out += ["        X_train,", "        y_train,", f"        batch_size={bs},",
                "        shuffle=False,"]
    out += ["        initial_epoch=EPOCH,", "        epochs=EPOCH + epochs,"]
    if validation:
        out.append("        validation_data=(X_test, y_test),")
    out += ["        callbacks=CALLBACKS,", "        **fit_options,", "    )",
            "    EPOCH += epochs", "    return history",
            "", "", "if __name__ == \"__main__\":",
            f"    history = train({epochs})  # "
            + ("as many more epochs as the trainer has run" if epoch else "100 epochs")]
    return out


# --------------------------------------------------------------------------------------
# The script
# --------------------------------------------------------------------------------------

def to_keras(trainer, include_weights: bool = True) -> str:
    """Python source (numpy + Keras 3 only) that rebuilds and continues the trainer's run.

    ``include_weights``: set the trainer's current weights and optimizer state,
    so that ``fit`` continues the run (the default); with False the script
    starts from freshly initialised weights and a fresh optimizer.
    """
    if not isinstance(include_weights, bool):
        raise TypeError(f"include_weights={include_weights!r}: must be True or False")
    trainer.check_trainable()  # a cleared set of your own points has nothing to export
    if include_weights and trainer.mid_epoch:  # Keras's epochs start at their first batch
        e = trainer.explain_batch()
        raise ValueError(
            f"to_keras(): the trainer stopped inside epoch {trainer.epoch + 1} "
            f"({e.batch} of {e.batches_per_epoch} batches, step_batch()); train() would "
            f"start that epoch again from its first batch. Call step() to finish the epoch, "
            f"then export (or to_keras(include_weights=False) for a fresh start)")
    c = trainer.config
    head = trainer.head
    opt = trainer.optimizer
    d = trainer.data

    out: list[str] = []
    emit = out.append

    # ---- header
    emit(f"# {c.problem.capitalize()} network exported from nbplayground, rebuilt in Keras 3.")
    emit("#")
    emit(f"# Playground state: {c.to_url(full=True)}")
    missing = c.playground_incompatibilities()
    if missing:
        emit(f"# (TensorFlow Playground ignores these settings: {', '.join(missing)}.)")
    if getattr(trainer, "custom_data", None) is not None:
        emit("# Data: your own points (written below), not a Playground dataset.")
    emit(f"# Exported at epoch {trainer.epoch}: train loss {_num(trainer.train_loss)}, "
         f"test loss {_num(trainer.test_loss)}.")
    if include_weights:
        out.extend(_comment(
            "With the weights and the optimizer's state, train() continues the run; after "
            "each epoch Keras logs playground_loss (and playground_val_loss), Playground's loss "
            "of the whole set at the epoch's final weights (Keras's own `loss` is the mean "
            "over the epoch's batches while the weights moved)."))
    emit("# Needs numpy and Keras 3, on any backend (KERAS_BACKEND=jax, tensorflow or torch; "
         "tested on jax).")
    emit("")
    emit("import numpy as np")
    emit("")
    emit("import keras")
    emit("")
    emit('if int(keras.__version__.split(".")[0]) < 3:')
    emit('    raise ImportError(f"this script needs Keras 3; found Keras {keras.__version__}")')
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
    out.extend(_points_source(d))
    emit("X_train, y_train = input_features(train_points), targets(train_labels)")
    emit("X_test, y_test = input_features(test_points), targets(test_labels)")
    emit("")
    emit("")

    # ---- model
    kernel_init, bias_init, init_comment = _initializer_source(c.init)
    emit("# ---- The model ----")
    out.extend(_comment(init_comment))
    emit("def dense(units, activation, name):")
    emit('    """A Dense layer initialised as in the playground."""')
    emit("    return keras.layers.Dense(")
    emit("        units,")
    emit("        activation=activation,")
    emit(f"        kernel_initializer={kernel_init},")
    emit(f"        bias_initializer={bias_init},")
    emit("        name=name,")
    emit("    )")
    emit("")
    emit("")
    leaky = c.activation == "leaky_relu"
    if leaky:
        emit("def leaky_relu(name):")
        emit(f'    """max(z, {LEAKY_RELU_SLOPE} z). (Keras\'s "leaky_relu" string would use '
             'slope 0.2.)"""')
        emit(f"    return keras.layers.LeakyReLU(negative_slope={LEAKY_RELU_SLOPE}, name=name)")
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
    loss, loss_lines = _loss_source(head)
    opt_lines, opt_comments = _optimizer_source(opt)
    emit("# ---- Training setup ----")
    out.extend(loss_lines)
    if head.loss == "squared":  # a function definition: two blank lines after it
        emit("")
        emit("")
    emit(f"LOSS = {loss}")
    emit(f"LEARNING_RATE = {_num(opt.learning_rate)}")
    emit(f"DECAY = {_num(opt.decay)}")
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
    emit("model.compile(optimizer=optimizer, loss=LOSS"
         + (f", metrics={metrics})" if metrics else ")"))
    emit("")
    emit("")
    emit("class PlaygroundLoss(keras.callbacks.Callback):")
    emit('    """Playground\'s losses after each epoch: the mean loss of the whole training')
    emit("    (and test) set at the epoch's final weights, logged as playground_loss (and")
    emit('    playground_val_loss)."""')
    emit("")
    emit("    def on_epoch_end(self, epoch, logs=None):")
    emit("        if logs is None:")
    emit("            return")
    sets = [("playground_loss", "X_train", "y_train")]
    if d.num_test:
        sets.append(("playground_val_loss", "X_test", "y_test"))
    for key, x, y in sets:
        emit(f"        y_pred = self.model.predict_on_batch({x})")
        emit(f"        losses = keras.ops.convert_to_numpy(LOSS({y}, y_pred))")
        emit(f'        logs["{key}"] = float(np.mean(losses))')
    emit("")
    emit("")
    emit("CALLBACKS = [PlaygroundLoss()]")
    emit("")

    # ---- weights and optimizer state
    if include_weights:
        emit(f"# ---- The trainer's weights at epoch {trainer.epoch} ----")
        out.extend(_comment("Keras keeps a kernel as (inputs, units): the transpose of the "
                            "playground's (units, inputs) weight matrix."))
        emit("WEIGHTS = {")
        out.extend(_layer_arrays(trainer, trainer.network.params, layer_names))
        emit("}")
        emit("for name, (kernel, bias) in WEIGHTS.items():")
        emit("    layer = model.get_layer(name)")
        emit("    layer.set_weights([np.array(kernel).reshape(layer.kernel.shape), "
             "np.array(bias)])")
        emit("")
        out.extend(_optimizer_state_source(opt, trainer, layer_names))
        emit("")
        epoch, dead = trainer.epoch, trainer.dead
        carry = trainer.state()["carry"]
        carried = (carry["count"], carry.get("end", d.num_train))
        stale = _carry_is_stale(trainer)
    else:
        emit("ITERATIONS = 0  # a fresh optimizer")
        emit("")
        epoch, dead = 0, [np.zeros_like(links) for links in trainer.dead]
        carried, stale = (0, 0), False
    reg = _regularization_source(c, dead, layer_names)
    if reg:
        out.extend(reg)
        emit("")
        emit("")
        emit("CALLBACKS.append(PlaygroundRegularization())")
        emit("")

    # ---- fit
    out.extend(_fit_source(c.batch_size, epoch, d.num_train, epoch or 100, bool(d.num_test),
                           carried, stale))
    return "\n".join(out) + "\n"
