"""The Keras export (nbplayground.keras_export): code that continues the run on Keras 3.

Three kinds of checks:

* the code's AST for every activation, optimizer, head, initializer and
  regularizer (layers, units, optimizer and its keyword values, loss, fit
  arguments, exact weights), without Keras;
* the code run on real Keras 3 up to ``fit``: the model's outputs are the
  trainer's, the optimizer's variables hold the trainer's slots and iteration
  count, the decay schedule gives Keras 2's rates;
* the continuation: after each further epoch of ``fit``, Playground's loss
  logged by the exported code follows ``trainer.step()`` to float32 precision
  (1e-4 relative) for plain SGD, momentum, Adam, softmax cross-entropy and
  regression (and the other cases whose Keras 3 rule is Keras 2's), once run as
  a separate script with nbplayground made unimportable.

Keras 3 is in the ``test`` extra, on the JAX backend (KERAS_BACKEND=jax unless
set): without it these tests fail, unless NBPLAYGROUND_SKIP_KERAS=1 says to skip
the ones that need Keras.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from nbplayground import features as F
from nbplayground.config import Config
from nbplayground.custom_data import validate
from nbplayground.keras_export import KERAS3_DIFFERENCES, KERAS3_SLOTS, keras3_rule_differs, to_keras
from nbplayground.trainer import Trainer

os.environ.setdefault("KERAS_BACKEND", "jax")

KERAS_CLASS = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
               "adadelta": "Adadelta", "adam": "Adam", "adamax": "Adamax", "nadam": "Nadam"}
#: The continuation must follow the trainer to float32 precision.
TOLERANCE = 1e-4


def _trainer(epochs=3, **changes):
    changes.setdefault("seed", "0.42")
    t = Trainer(Config(**changes))
    t.step(epochs)
    return t


@pytest.fixture(scope="module")
def keras():
    """Real Keras 3: a failure when missing (it is in the test extra), unless opted out."""
    try:
        import keras
    except ImportError as exc:
        if os.environ.get("NBPLAYGROUND_SKIP_KERAS") == "1":
            pytest.skip("NBPLAYGROUND_SKIP_KERAS=1: Keras tests skipped")
        pytest.fail(f"Keras 3 is needed by the Keras export tests (pip install -e '.[test]'; "
                    f"or set NBPLAYGROUND_SKIP_KERAS=1 to skip them): {exc}")
    assert int(keras.__version__.split(".")[0]) >= 3, keras.__version__
    return keras


def _exec(source):
    """The exported code run as a module (not __main__: defines everything, trains nothing)."""
    namespace = {"__name__": "exported"}
    exec(compile(source, "exported.py", "exec"), namespace)
    return namespace


def _value(variable):
    """A Keras variable's value as numpy (Variable.numpy() warns under NumPy 2)."""
    import keras
    return keras.ops.convert_to_numpy(variable.value)


def _expected_output(trainer, points):
    """What the Keras model's output layer should give: the head's activation."""
    shown = trainer.predict(points)
    act = trainer.head.activation
    if act == "softmax":
        return shown
    if act == "sigmoid":
        return ((shown + 1.0) / 2.0).reshape(-1, 1)
    return shown.reshape(-1, 1)


# --------------------------------------------------------------------------------------
# AST helpers
# --------------------------------------------------------------------------------------

def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + "." + node.attr
    return ""


def _calls(tree, name):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _dotted(n.func) == name]


def _keywords(call):
    return {k.arg: k.value for k in call.keywords}


def _literal(node):
    return ast.literal_eval(node)


def _assigned(tree, name):
    """The value node of the module-level assignment ``name = ...``."""
    return next(n.value for n in tree.body if isinstance(n, ast.Assign)
                and getattr(n.targets[0], "id", None) == name)


def _structure(source):
    """(units, activations, layer names) of the dense(...) layers, in order."""
    tree = ast.parse(source)
    (seq,) = _calls(tree, "keras.Sequential")
    items = seq.args[0].elts
    assert _dotted(items[0].func) == "keras.Input"
    dense = [c for c in items if _dotted(c.func) == "dense"]
    return tree, [tuple(_literal(a) for a in c.args) for c in dense], items


# --------------------------------------------------------------------------------------
# The code, read as an AST
# --------------------------------------------------------------------------------------

CASES = {
    # each activation
    "tanh": dict(),
    "relu": dict(activation="relu", network_shape=(5, 3, 2)),
    "sigmoid": dict(activation="sigmoid", network_shape=(3,)),
    "linear": dict(activation="linear"),
    "elu": dict(activation="elu", optimizer="adam"),
    "softplus": dict(activation="softplus", problem="regression"),
    "swish": dict(activation="swish", dataset="spiral3"),
    "leaky_relu": dict(activation="leaky_relu", network_shape=(6, 4)),
    # each optimizer (some with decay)
    "sgd momentum nesterov decay": dict(optimizer="sgd", momentum=0.9, nesterov=True,
                                        decay=0.01),
    "rmsprop": dict(optimizer="rmsprop", rho=0.8, momentum=0.5, epsilon=1e-6),
    "adagrad": dict(optimizer="adagrad", decay=0.001),
    "adadelta": dict(optimizer="adadelta", learning_rate=1.0),
    "adam": dict(optimizer="adam", beta_1=0.8, beta_2=0.99),
    "adamax": dict(optimizer="adamax", learning_rate=0.003),
    "nadam": dict(optimizer="nadam", decay=0.1),
    # heads and losses
    "binary cross-entropy": dict(loss="cross_entropy", dataset="xor"),
    "three classes": dict(dataset="gauss3", network_shape=(8,)),
    "regression": dict(problem="regression", dataset="reg-gauss"),
    "no hidden layer": dict(network_shape=(), features=("x_squared", "y_squared")),
    "all features": dict(features=("x", "y", "x_squared", "y_squared", "x_times_y", "sin_x",
                                   "sin_y")),
    # initializers
    "init zeros": dict(init="zeros"),
    "init random_normal": dict(init="random_normal"),
    "init glorot_uniform": dict(init="glorot_uniform"),
    "init glorot_normal": dict(init="glorot_normal"),
    "init he_uniform": dict(init="he_uniform", activation="relu"),
    "init he_normal": dict(init="he_normal", activation="relu"),
    # regularizers
    "L1": dict(regularization="L1", regularization_rate=0.03, learning_rate=0.1),
    "L2": dict(regularization="L2", regularization_rate=0.01),
    "L2 cross-entropy": dict(regularization="L2", regularization_rate=0.1,
                             loss="cross_entropy"),
    "L1 three classes": dict(regularization="L1", regularization_rate=0.003,
                             dataset="spiral3"),
    "batch carry": dict(batch_size=30, train_percent=70),
}


@pytest.fixture(params=list(CASES), scope="module")
def case(request):
    trainer = _trainer(**CASES[request.param])
    return trainer, to_keras(trainer)


def test_code_parses_and_names_the_layers(case):
    trainer, source = case
    c = trainer.config
    tree, dense, items = _structure(source)
    (inp,) = _calls(tree, "keras.Input")
    assert _literal(_keywords(inp)["shape"]) == (len(c.features),)
    units = [d[0] for d in dense]
    assert units == [*c.network_shape, trainer.head.outputs]
    hidden = "linear" if c.activation == "leaky_relu" else c.activation
    assert [d[1] for d in dense] == [hidden] * len(c.network_shape) + [trainer.head.activation]
    assert [d[2] for d in dense][-1] == "output"
    leaky = [c_ for c_ in items if _dotted(c_.func) == "leaky_relu"]
    assert len(leaky) == (len(c.network_shape) if c.activation == "leaky_relu" else 0)


def test_code_names_the_optimizer_and_its_hyperparameters(case):
    trainer, source = case
    c = trainer.config
    tree = ast.parse(source)
    (call,) = _calls(tree, f"keras.optimizers.{KERAS_CLASS[c.optimizer]}")
    kw = _keywords(call)
    expected = trainer.optimizer.config()
    lr, decay = expected.pop("learning_rate"), expected.pop("decay")
    assert lr == c.learning_rate and decay == c.decay
    assert {k: _literal(v) for k, v in kw.items() if k != "learning_rate"} == expected
    assert "lr" not in kw and "decay" not in kw  # Keras 3 names: no Keras 2 spellings
    if decay > 0:
        schedule = kw["learning_rate"]
        assert _dotted(schedule.func) == "keras.optimizers.schedules.InverseTimeDecay"
        assert [_literal(a) for a in schedule.args] == [lr]
        assert {k: _literal(v) for k, v in _keywords(schedule).items()} == {
            "decay_steps": 1, "decay_rate": decay}
    else:
        assert _literal(kw["learning_rate"]) == lr
    # an inexact continuation says so in the code
    assert ("Not an exact continuation" in source) == keras3_rule_differs(trainer.optimizer)


def test_code_names_loss_metrics_and_fit_arguments(case):
    trainer, source = case
    c = trainer.config
    tree = ast.parse(source)
    loss = {"tanh": "playground_squared_loss", "linear": "playground_squared_loss",
            "sigmoid": "keras.losses.binary_crossentropy",
            "softmax": "keras.losses.sparse_categorical_crossentropy"}[trainer.head.activation]
    assert _dotted(_assigned(tree, "LOSS")) == loss
    (compile_,) = _calls(tree, "model.compile")
    kw = _keywords(compile_)
    assert _dotted(kw["loss"]) == "LOSS"
    if c.problem == "regression":
        assert "metrics" not in kw
    elif trainer.head.activation == "tanh":
        assert [_dotted(e) for e in kw["metrics"].elts] == ["playground_accuracy"]
    else:
        assert _literal(kw["metrics"]) == ["accuracy"]
    (fit,) = _calls(tree, "model.fit")
    fkw = _keywords(fit)
    assert _literal(fkw["shuffle"]) is False
    assert _dotted(fkw["initial_epoch"]) == "EPOCH"
    assert _literal(_assigned(tree, "EPOCH")) == trainer.epoch
    full, left = divmod(trainer.data.num_train, c.batch_size)
    if left:
        assert _literal(fkw["steps_per_epoch"]) == full and "batch_size" not in fkw
    else:
        assert _literal(fkw["batch_size"]) == c.batch_size
    assert "validation_data" in fkw
    assert _literal(_assigned(tree, "ITERATIONS")) == trainer.optimizer.iterations


def test_code_names_initializers(case):
    trainer, source = case
    c = trainer.config
    tree = ast.parse(source)
    (dense,) = _calls(tree, "keras.layers.Dense")
    kw = _keywords(dense)
    kernel, bias = kw["kernel_initializer"], kw["bias_initializer"]
    if c.init == "playground":
        assert _dotted(kernel.func) == "keras.initializers.RandomUniform"
        assert {k: _literal(v) for k, v in _keywords(kernel).items()} == {
            "minval": -0.5, "maxval": 0.5}
        assert _dotted(bias.func) == "keras.initializers.Constant"
        assert _literal(bias.args[0]) == 0.1
    elif c.init == "random_normal":
        assert _dotted(kernel.func) == "keras.initializers.RandomNormal"
        assert _literal(_keywords(kernel)["stddev"]) == 1.0
        assert _literal(bias) == "zeros"
    else:
        assert _literal(kernel) == c.init and _literal(bias) == "zeros"
    # regularization is Playground's decoupled step in a callback, never Keras's penalty
    assert "kernel_regularizer" not in kw
    assert ("class PlaygroundRegularization" in source) == (c.regularization is not None)


def test_header_states_the_config_url(case):
    trainer, source = case
    url = trainer.config.to_url(full=True)
    assert f"# Playground state: {url}\n" in source
    assert Config.from_url(url).diff(trainer.config) == frozenset()


def test_code_needs_only_numpy_and_keras(case):
    _, source = case
    tree = ast.parse(source)
    imported = {alias.name.split(".")[0] for n in ast.walk(tree)
                if isinstance(n, (ast.Import, ast.ImportFrom))
                for alias in n.names} | {n.module.split(".")[0] for n in ast.walk(tree)
                                         if isinstance(n, ast.ImportFrom)}
    assert imported == {"numpy", "keras"}


def test_weights_are_written_exactly():
    trainer = _trainer()
    tree = ast.parse(to_keras(trainer))
    weights = ast.literal_eval(_assigned(tree, "WEIGHTS"))
    names = [f"hidden_{i + 1}" for i in range(len(trainer.config.network_shape))] + ["output"]
    assert list(weights) == names
    for layer, name in enumerate(names):
        kernel, bias = weights[name]
        assert np.asarray(kernel).tobytes() == np.ascontiguousarray(
            trainer.weights[layer].T).tobytes()
        assert np.asarray(bias).tobytes() == trainer.biases[layer].tobytes()


def test_slots_are_written_exactly_under_keras_3_names():
    trainer = _trainer(optimizer="adam", learning_rate=0.01)
    tree = ast.parse(to_keras(trainer))
    slots = ast.literal_eval(_assigned(tree, "SLOTS"))
    assert set(slots) == {"momentum", "velocity"}  # no velocity_hat without amsgrad
    net = trainer.network
    for keras_name, ours in (("momentum", "m"), ("velocity", "v")):
        views = net.views(trainer.optimizer.slots[ours])
        for view, (kernel, bias) in zip(views, slots[keras_name].values()):
            assert np.asarray(kernel).tobytes() == np.ascontiguousarray(view[:, :-1].T).tobytes()
            assert np.asarray(bias).tobytes() == np.ascontiguousarray(view[:, -1]).tobytes()


def test_slot_table_names_every_slot():
    from nbplayground import optimizers
    for name in optimizers.NAMES:
        ours = set(optimizers.get(name)._slot_names) - {"momentum_cache"}
        assert set(KERAS3_SLOTS[name].values()) == ours, name
    assert set(KERAS3_DIFFERENCES) <= set(optimizers.NAMES)


def test_epoch_zero_fits_for_a_hundred_epochs():
    trainer = Trainer(Config(seed="1"))
    source = to_keras(trainer)
    assert "history = train(100)" in source
    assert _literal(_assigned(ast.parse(source), "EPOCH")) == 0


def test_custom_data_is_written_inline():
    X = np.random.default_rng(3).normal(size=(40, 2))
    trainer = Trainer(Config(seed="7"), data=validate((X, (X[:, 0] * X[:, 1] > 0).astype(int))))
    trainer.step(2)
    source = to_keras(trainer)
    assert "your own points" in source
    tree = ast.parse(source)
    points = np.array(ast.literal_eval(_assigned(tree, "train_points").func.value.args[0]))
    assert points.tobytes() == trainer.data.train_x.tobytes()


def test_diverged_weights_stay_valid_python():
    trainer = _trainer(epochs=50, problem="regression", learning_rate=10, network_shape=(8, 8))
    assert trainer.diverged
    source = to_keras(trainer)
    ast.parse(source)
    assert 'float("nan")' in source or 'float("inf")' in source


def test_bad_arguments():
    trainer = _trainer(epochs=0)
    with pytest.raises(TypeError, match="include_weights"):
        to_keras(trainer, include_weights="yes")


def test_trainer_imports_keras_export_lazily():
    code = ("import sys, nbplayground.trainer; "
            "print('nbplayground.keras_export' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ})
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------
# On real Keras 3, up to fit
# --------------------------------------------------------------------------------------

def test_code_builds_the_trainer_s_model_and_optimizer(case, keras):
    trainer, source = case
    c = trainer.config
    ns = _exec(source)
    model, optimizer = ns["model"], ns["optimizer"]
    # the data and the features, exactly
    np.testing.assert_array_equal(ns["X_train"], F.feature_matrix(trainer.data.train_x,
                                                                  c.features))
    np.testing.assert_array_equal(ns["X_test"], F.feature_matrix(trainer.data.test_x,
                                                                 c.features))
    y = trainer.data.train_y
    act = trainer.head.activation
    if act == "softmax":
        np.testing.assert_array_equal(ns["y_train"], y.astype(int))
    elif act == "sigmoid":
        np.testing.assert_array_equal(ns["y_train"][:, 0], (y + 1) / 2)
    else:
        np.testing.assert_array_equal(ns["y_train"][:, 0], y)
    # the weights: the model's outputs are the trainer's (float32)
    points = np.random.default_rng(1).uniform(-6, 6, size=(200, 2))
    got = model.predict_on_batch(ns["input_features"](points))
    if not trainer.diverged:
        np.testing.assert_allclose(got, _expected_output(trainer, points), rtol=1e-4, atol=1e-5)
    if c.activation == "leaky_relu":
        slopes = [layer.negative_slope for layer in model.layers if hasattr(layer, "negative_slope")]
        assert slopes == [0.01] * len(c.network_shape)
    # the optimizer: its class, its iteration count and the trainer's slots
    opt = trainer.optimizer
    assert type(optimizer).__name__ == KERAS_CLASS[c.optimizer]
    assert int(_value(optimizer.iterations)) == opt.iterations
    by_name = {v.name: v for v in optimizer.variables}
    names = [layer.name for layer in model.layers if hasattr(layer, "kernel")]
    ours = opt.slots
    for keras_name, our_name in ns_slots(ns).items():
        for view, name in zip(trainer.network.views(ours[our_name]), names):
            layer = model.get_layer(name)
            for variable, value in ((layer.kernel, view[:, :-1].T), (layer.bias, view[:, -1])):
                key = variable.path.replace("/", "_") + "_" + keras_name
                np.testing.assert_allclose(_value(by_name[key]), value, rtol=1e-6, atol=1e-30)


def ns_slots(ns):
    """Keras 3 slot name -> nbplayground's, for the slots the exported code loads."""
    opt_name = {v: k for k, v in KERAS_CLASS.items()}[type(ns["optimizer"]).__name__]
    return {k: KERAS3_SLOTS[opt_name][k] for k in ns["SLOTS"]}


def test_accuracy_metric_matches_the_trainer(keras):
    trainer = _trainer(epochs=20)
    ns = _exec(to_keras(trainer))
    y_pred = ns["model"].predict_on_batch(ns["X_train"])
    accuracy = np.mean(keras.ops.convert_to_numpy(ns["playground_accuracy"](ns["y_train"],
                                                                             y_pred)))
    assert accuracy == pytest.approx(trainer.train_accuracy, abs=1e-6)  # float32


def test_decay_schedule_gives_keras_2_decayed_rates(keras):
    trainer = _trainer(optimizer="adam", learning_rate=0.01, decay=0.05)
    optimizer = _exec(to_keras(trainer))["optimizer"]
    for step in (0, 1, 10, 1000):
        optimizer.iterations.assign(step)
        assert float(optimizer.learning_rate) == pytest.approx(0.01 / (1 + 0.05 * step),
                                                               rel=1e-6)


def test_without_weights_the_model_starts_fresh(keras):
    trainer = _trainer(optimizer="adam", learning_rate=0.01)
    source = to_keras(trainer, include_weights=False)
    assert "WEIGHTS" not in source and "SLOTS" not in source
    ns = _exec(source)
    assert int(_value(ns["optimizer"].iterations)) == 0
    kernel = _value(ns["model"].get_layer("hidden_1").kernel)
    assert not np.allclose(kernel, trainer.weights[0].T)


# --------------------------------------------------------------------------------------
# The continuation: Keras's per-epoch loss follows trainer.step()
# --------------------------------------------------------------------------------------

CONTINUED = {
    # the five cases of the issue
    "plain SGD": dict(),
    "momentum": dict(momentum=0.9, learning_rate=0.01),
    "Adam": dict(optimizer="adam", learning_rate=0.01),
    "softmax cross-entropy": dict(dataset="gauss3", loss="cross_entropy", network_shape=(6,)),
    "regression": dict(problem="regression", dataset="reg-gauss", learning_rate=0.01),
    # and what else continues exactly: Nesterov with decay, a batch that does not divide
    # the training set (Playground's carry), Playground's L1 step with dead links
    "Nesterov, decay": dict(momentum=0.9, nesterov=True, decay=0.01, learning_rate=0.01),
    "batch carry, Adamax": dict(batch_size=30, train_percent=70, optimizer="adamax",
                                learning_rate=0.01),
    "L1 with dead links": dict(regularization="L1", regularization_rate=0.03, learning_rate=0.1,
                               batch_size=25),
    "sigmoid cross-entropy, L2": dict(dataset="xor", loss="cross_entropy", regularization="L2",
                                      regularization_rate=0.01),
}


@pytest.mark.parametrize("epochs", [0, 2])
def test_the_batches_are_playground_s(epochs, keras):
    """Each update's points: every batch_size in order, the leftover carried into the next
    epoch's first update (none before the first epoch)."""
    trainer = _trainer(epochs=epochs, batch_size=30, train_percent=70)
    n, bs = trainer.data.num_train, 30
    full, left = divmod(n, bs)
    assert full and left
    ns = _exec(to_keras(trainer))
    X = ns["X_train"]
    for epoch in range(3):
        for b in range(full):
            x, y = next(ns["batches"])
            rows = list(range(b * bs, (b + 1) * bs))
            if b == 0 and (epoch or epochs):
                rows = list(range(n - left, n)) + rows
            np.testing.assert_array_equal(x, X[rows])
            np.testing.assert_array_equal(y, ns["y_train"][rows])


def _continuation_error(trainer, history, epochs):
    """Max relative difference of the train and test losses over ``epochs`` more epochs."""
    keras_losses = np.array([history["playground_loss"], history["playground_val_loss"]])
    ours = []
    for _ in range(epochs):
        trainer.step()
        ours.append((trainer.train_loss, trainer.test_loss))
    ours = np.array(ours).T
    return float(np.max(np.abs(keras_losses - ours) / np.abs(ours)))


@pytest.mark.parametrize("name", list(CONTINUED))
def test_keras_continues_the_run(name, keras):
    trainer = _trainer(epochs=5, **CONTINUED[name])
    assert not keras3_rule_differs(trainer.optimizer)
    if name == "L1 with dead links":
        assert sum(d.sum() for d in trainer.dead) > 0  # the export carries dead links
    ns = _exec(to_keras(trainer))
    history = ns["train"](3, verbose=0).history
    assert len(history["playground_loss"]) == 3
    error = _continuation_error(trainer, history, 3)
    print(f"{name}: max relative loss difference over 3 epochs {error:.2e}")
    assert error < TOLERANCE


def test_exported_script_runs_without_nbplayground(tmp_path, keras):
    """The file as a user gets it: a separate Python, nbplayground unimportable, __main__."""
    trainer = _trainer(epochs=3, optimizer="adam", learning_rate=0.01)
    path = tmp_path / "exported.py"
    path.write_text(to_keras(trainer), encoding="utf-8")
    runner = ("import json, runpy, sys; sys.modules['nbplayground'] = None; "
              f"ns = runpy.run_path({str(path)!r}, run_name='__main__'); "
              "print(json.dumps(ns['history'].history['playground_loss']))")
    env = {**os.environ, "KERAS_BACKEND": os.environ["KERAS_BACKEND"]}
    env.pop("PYTHONPATH", None)
    out = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    losses = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(losses) == 3  # as many more epochs as the trainer had run
    ours = []
    for _ in range(3):
        trainer.step()
        ours.append(trainer.train_loss)
    np.testing.assert_allclose(losses, ours, rtol=TOLERANCE)


#: Cases measured only (``python tests/test_keras_export.py`` prints them): sigmoid
#: cross-entropy and L2 continue exactly too; RMSprop without momentum, Adagrad and Nadam
#: follow Keras 3 rules that are not Keras 2's (see KERAS3_DIFFERENCES).
MEASURED = {
    "sigmoid cross-entropy": dict(dataset="xor", loss="cross_entropy"),
    "L2": dict(regularization="L2", regularization_rate=0.01),
    "Adadelta": dict(optimizer="adadelta", learning_rate=1.0),
    "RMSprop with momentum": dict(optimizer="rmsprop", momentum=0.5, learning_rate=0.01),
    "RMSprop (Keras 3 differs)": dict(optimizer="rmsprop", learning_rate=0.01),
    "Adagrad (Keras 3 differs)": dict(optimizer="adagrad", learning_rate=0.1),
    "Nadam (Keras 3 differs)": dict(optimizer="nadam", learning_rate=0.01),
}


def _table(epochs=4):
    """Print the continuation error of every case (5 epochs trained, ``epochs`` more)."""
    import keras
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}: max relative "
          f"difference of the train and test losses over {epochs} more epochs")
    for name, changes in {**CONTINUED, **MEASURED}.items():
        trainer = _trainer(epochs=5, **changes)
        history = _exec(to_keras(trainer))["train"](epochs, verbose=0).history
        print(f"  {name:28s} {_continuation_error(trainer, history, epochs):.1e}")


if __name__ == "__main__":
    _table()


def test_a_trainer_with_nothing_to_train_is_refused():
    """After clear_points() there are no points to write into the script: say so."""
    import numpy as np

    from nbplayground import Trainer
    trainer = Trainer(data=(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]),
                            np.array([1.0, -1.0, 1.0, -1.0])))
    trainer.clear_points()
    with pytest.raises(ValueError, match="nothing to train yet"):
        trainer.to_keras()


def test_an_export_inside_an_epoch_is_refused():
    """After step_batch() the weights sit inside an epoch, but train() starts Keras's epochs
    at their first batch, so it would apply those batches twice: say what to do instead."""
    trainer = _trainer(epochs=2, batch_size=10)
    trainer.step_batch()
    trainer.step_batch()
    before = trainer.state()
    with pytest.raises(ValueError, match=r"inside epoch 3 \(2 of 25 batches.*Call step\(\)"):
        to_keras(trainer)
    assert trainer.state() == before
    # without the weights the script starts afresh: nothing to continue
    compile(to_keras(trainer, include_weights=False), "exported.py", "exec")
    trainer.step()
    compile(to_keras(trainer), "exported.py", "exec")


@pytest.mark.parametrize("added", [3, 2])
def test_points_added_after_a_carry_keep_the_trainer_s_carry(added, keras):
    """Points added mid-run go after the carried leftover (as in the trainer): the script's
    first update holds the trainer's carried points (245..249 of the old order), not the last
    points of the new order; with 252 = 36 * 7 points the carry must not be dropped either."""
    trainer = _trainer(epochs=3, batch_size=7)
    assert trainer.carry_count == 250 % 7 == 5
    xy = [[1.0, 2.0], [-2.0, 0.5], [3.0, 3.0]][:added]
    trainer.add_points(xy, [1, -1, 1][:added])
    n = trainer.data.num_train
    assert n == 250 + added
    ns = _exec(to_keras(trainer))
    X, left = ns["X_train"], n % 7
    for epoch in range(2):
        for b in range(n // 7):
            x, _ = next(ns["batches"])
            rows = list(range(b * 7, (b + 1) * 7))
            if b == 0:
                rows = (list(range(245, 250)) if epoch == 0 else
                        list(range(n - left, n))) + rows
            np.testing.assert_array_equal(x, X[rows])


@pytest.mark.parametrize("edit", ["none", "add_points", "regenerate", "set_weight"])
def test_a_carry_kept_from_before_an_edit_is_said_to_be_inexact(edit):
    """Playground keeps the leftover's summed gradient as it was computed; after regenerate()
    or a weight edit that is not the gradient of the carried points at the current weights,
    which is what Keras recomputes: the script must not promise an exact continuation."""
    trainer = _trainer(epochs=3, batch_size=7)
    assert trainer.carry_count == 5
    if edit == "add_points":
        trainer.add_points([[1.0, 2.0]], [1])
    elif edit == "regenerate":
        trainer.regenerate()
    elif edit == "set_weight":
        trainer.set_weight(0, 0, 0, 0.9)
    source = to_keras(trainer)
    stale = edit in ("regenerate", "set_weight")
    assert ("Not an exact continuation" in source) == stale
    if stale:
        assert "carries the gradient" in source.split("Not an exact continuation")[1][:100]
    trainer.step()  # an epoch later the carry is the new leftover's, at these weights
    assert "Not an exact continuation" not in to_keras(trainer)
