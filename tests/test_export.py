"""Keras export (nbplayground.export); save/load is tested in test_checkpoint.py.

The Keras code is checked three ways: its AST (layers, units, activations,
optimizer and its keyword values, loss, fit arguments); by running it against
a small NumPy stand-in for Keras, written from Keras's documented signatures
and formulas, whose ``predict`` must match the trainer's own outputs; and, if
Keras is installed, by running it for real.
"""

from __future__ import annotations

import ast
import inspect
import math
import sys
import types

import numpy as np
import pytest

from nbplayground import features as F
from nbplayground.config import Config
from nbplayground.custom_data import split as split_custom
from nbplayground.custom_data import validate
from nbplayground.export import to_keras
from nbplayground.seedrandom import SeedRandom
from nbplayground.trainer import Trainer

KERAS_CLASS = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
               "adadelta": "Adadelta", "adam": "Adam", "adamax": "Adamax", "nadam": "Nadam"}


def _trainer(epochs=3, **changes):
    changes.setdefault("seed", "0.42")
    t = Trainer(Config(**changes))
    t.step(epochs)
    return t


# --------------------------------------------------------------------------------------
# A NumPy stand-in for Keras (Keras 3 signatures; formulas from Keras's documentation)
# --------------------------------------------------------------------------------------

def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


FAKE_ACTIVATIONS = {
    "linear": lambda z: z,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),   # alpha = 1
    "softplus": lambda z: np.logaddexp(0.0, z),
    "swish": lambda z: z / (1.0 + np.exp(-z)),
    "softmax": _softmax,
}


class Rec:
    """A recorded constructor call."""

    def __init__(self, kind, **kwargs):
        self.kind = kind
        self.kwargs = kwargs


def _make_fake_keras(major=3):
    keras = types.ModuleType("keras")
    keras.calls = []

    def Input(shape):
        return Rec("Input", shape=tuple(shape))

    class Dense:
        def __init__(self, units, activation=None, use_bias=True,
                     kernel_initializer="glorot_uniform", bias_initializer="zeros",
                     kernel_regularizer=None, bias_regularizer=None,
                     activity_regularizer=None, kernel_constraint=None,
                     bias_constraint=None, name=None):
            assert isinstance(units, int) and units > 0
            self.units = units
            self.activation = "linear" if activation is None else activation
            assert self.activation in FAKE_ACTIVATIONS, activation
            self.kernel_initializer = kernel_initializer
            self.bias_initializer = bias_initializer
            self.kernel_regularizer = kernel_regularizer
            self.name = name
            self.kernel = self.bias = None

        def build(self, n_in):
            self.n_in = n_in

        def set_weights(self, weights):
            kernel, bias = (np.asarray(w, dtype=np.float64) for w in weights)
            if kernel.shape != (self.n_in, self.units) or bias.shape != (self.units,):
                raise ValueError(f"{self.name}: shapes {kernel.shape}, {bias.shape} do not "
                                 f"fit ({self.n_in}, {self.units}), ({self.units},)")
            self.kernel, self.bias = kernel, bias

        def __call__(self, x):
            return FAKE_ACTIVATIONS[self.activation](x @ self.kernel + self.bias)

    class LeakyReLU3:
        def __init__(self, negative_slope=0.3, name=None):
            self.slope, self.name = negative_slope, name

        def __call__(self, x):
            return np.where(x > 0, x, self.slope * x)

    class LeakyReLU2(LeakyReLU3):
        def __init__(self, alpha=0.3, name=None):
            super().__init__(alpha, name)

    class Sequential:
        def __init__(self, layers):
            assert layers[0].kind == "Input"
            self.layers = layers[1:]
            n = layers[0].kwargs["shape"][0]
            for layer in self.layers:
                if isinstance(layer, Dense):
                    layer.build(n)
                    n = layer.units
            self.compiled = self.fitted = None

        def get_layer(self, name):
            return next(layer for layer in self.layers if layer.name == name)

        def compile(self, optimizer, loss, metrics=None):
            self.compiled = dict(optimizer=optimizer, loss=loss, metrics=metrics)

        def fit(self, x, y, epochs=1, batch_size=None, shuffle=True, validation_data=None):
            self.fitted = dict(x=x, y=y, epochs=epochs, batch_size=batch_size,
                               shuffle=shuffle, validation_data=validation_data)
            return Rec("History")

        def predict(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    def initializer(kind, **defaults):
        def make(*args, **kwargs):
            """Arguments as Keras's signature takes them: positional in order, or named."""
            names = list(defaults)
            if len(args) > len(names):
                raise TypeError(f"{kind}: too many positional arguments {args}")
            given = dict(zip(names, args))
            unknown = set(kwargs) - set(defaults)
            if unknown or set(given) & set(kwargs):
                raise TypeError(f"{kind}: unexpected or repeated {unknown or kwargs}")
            return Rec(kind, **{**defaults, **given, **kwargs})
        return make

    class InverseTimeDecay:
        def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False):
            self.initial_learning_rate = initial_learning_rate
            self.decay_steps, self.decay_rate = decay_steps, decay_rate

        def __call__(self, step):
            return self.initial_learning_rate / (1 + self.decay_rate * step / self.decay_steps)

    common = dict(learning_rate=0.001)
    optimizer_signatures = {
        "SGD": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
        "RMSprop": dict(common, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False),
        "Adagrad": dict(common, initial_accumulator_value=0.1, epsilon=1e-07),
        "Adadelta": dict(common, rho=0.95, epsilon=1e-07),
        "Adam": dict(common, beta_1=0.9, beta_2=0.999, epsilon=1e-07, amsgrad=False),
        "Adamax": dict(common, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
        "Nadam": dict(common, beta_1=0.9, beta_2=0.999, epsilon=1e-07),
    }

    def binary_accuracy(y_true, y_pred, threshold=0.5):
        return np.mean(np.asarray(y_true) == (np.asarray(y_pred) > threshold), axis=-1)

    keras.Input = Input
    keras.Sequential = Sequential
    keras.layers = types.SimpleNamespace(Dense=Dense,
                                         LeakyReLU=LeakyReLU3 if major == 3 else LeakyReLU2)
    keras.initializers = types.SimpleNamespace(
        RandomUniform=initializer("RandomUniform", minval=-0.05, maxval=0.05, seed=None),
        RandomNormal=initializer("RandomNormal", mean=0.0, stddev=0.05, seed=None),
        Constant=initializer("Constant", value=0.0))
    keras.regularizers = types.SimpleNamespace(L1=initializer("L1", l1=0.01),
                                               L2=initializer("L2", l2=0.01))
    keras.optimizers = types.SimpleNamespace(
        schedules=types.SimpleNamespace(InverseTimeDecay=InverseTimeDecay),
        **{name: initializer(name, **sig) for name, sig in optimizer_signatures.items()})
    keras.metrics = types.SimpleNamespace(binary_accuracy=binary_accuracy)
    return keras


def _run_with_fake_keras(source, monkeypatch, major=3):
    keras = _make_fake_keras(major)
    monkeypatch.setitem(sys.modules, "keras", keras)
    namespace = {"__name__": "exported"}
    exec(compile(source, "exported.py", "exec"), namespace)
    return namespace


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


def _structure(source):
    """(units, activations, layer names) of the dense(...) layers, in order."""
    tree = ast.parse(source)
    (seq,) = _calls(tree, "keras.Sequential")
    items = seq.args[0].elts
    assert _dotted(items[0].func) == "keras.Input"
    dense = [c for c in items if _dotted(c.func) == "dense"]
    return tree, [tuple(_literal(a) for a in c.args) for c in dense], items


# --------------------------------------------------------------------------------------
# to_keras: structure and hyperparameters in the AST
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
    expected = trainer._optimizer.config()
    lr, decay = expected.pop("learning_rate"), expected.pop("decay")
    assert lr == c.learning_rate and decay == c.decay
    assert {k: _literal(v) for k, v in kw.items() if k != "learning_rate"} == expected
    if decay > 0:
        schedule = kw["learning_rate"]
        assert _dotted(schedule.func) == "keras.optimizers.schedules.InverseTimeDecay"
        assert [_literal(a) for a in schedule.args] == [lr]
        assert {k: _literal(v) for k, v in _keywords(schedule).items()} == {
            "decay_steps": 1, "decay_rate": decay}
    else:
        assert _literal(kw["learning_rate"]) == lr


def test_code_names_loss_metrics_and_fit_arguments(case):
    trainer, source = case
    c = trainer.config
    tree = ast.parse(source)
    (compile_,) = _calls(tree, "model.compile")
    kw = _keywords(compile_)
    loss = {"tanh": "mean_squared_error", "linear": "mean_squared_error",
            "sigmoid": "binary_crossentropy",
            "softmax": "sparse_categorical_crossentropy"}[trainer.head.activation]
    assert _literal(kw["loss"]) == loss
    if c.problem == "regression":
        assert "metrics" not in kw
    elif trainer.head.activation == "tanh":
        assert [_dotted(e) for e in kw["metrics"].elts] == ["playground_accuracy"]
    else:
        assert _literal(kw["metrics"]) == ["accuracy"]
    (fit,) = _calls(tree, "model.fit")
    fkw = _keywords(fit)
    assert _literal(fkw["epochs"]) == trainer.epoch
    assert _literal(fkw["batch_size"]) == c.batch_size
    assert _literal(fkw["shuffle"]) is False
    assert "validation_data" in fkw
    if trainer.head.loss == "squared":
        assert "1/2 (y_hat - y)^2" in source and "half of Keras's" in source


def test_code_names_initializers_and_regularizer(case):
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
    if c.regularization is None:
        assert "kernel_regularizer" not in kw
    else:
        reg = kw["kernel_regularizer"]
        assert _dotted(reg.func) == f"keras.regularizers.{c.regularization}"


def test_header_states_the_config_url(case):
    trainer, source = case
    url = trainer.config.to_url(full=True)
    assert f"# Playground state: {url}\n" in source
    assert Config.from_url(url).diff(trainer.config) == frozenset()


# --------------------------------------------------------------------------------------
# to_keras: running the code (fake Keras, then the real one if installed)
# --------------------------------------------------------------------------------------

def test_code_runs_and_reproduces_the_trainer(case, monkeypatch):
    trainer, source = case
    c = trainer.config
    ns = _run_with_fake_keras(source, monkeypatch)
    model = ns["model"]
    # the data and the features, exactly
    np.testing.assert_array_equal(ns["X_train"], F.feature_matrix(trainer.data.train_x,
                                                                  c.features))
    np.testing.assert_array_equal(ns["X_test"], F.feature_matrix(trainer.data.test_x,
                                                                 c.features))
    # the weights: the model's outputs are the trainer's
    points = np.random.default_rng(1).uniform(-6, 6, size=(200, 2))
    got = model.predict(ns["input_features"](points))
    np.testing.assert_allclose(got, _expected_output(trainer, points), rtol=1e-9, atol=1e-12)
    # the fit call
    fitted = model.fitted
    assert fitted["epochs"] == trainer.epoch and fitted["batch_size"] == c.batch_size
    assert fitted["shuffle"] is False
    assert fitted["x"] is ns["X_train"] and fitted["validation_data"][0] is ns["X_test"]
    # the targets the loss sees
    y = trainer.data.train_y
    act = trainer.head.activation
    if act == "softmax":
        np.testing.assert_array_equal(fitted["y"], y.astype(int))
    elif act == "sigmoid":
        np.testing.assert_array_equal(fitted["y"][:, 0], (y + 1) / 2)
    else:
        np.testing.assert_array_equal(fitted["y"][:, 0], y)
    # the optimizer object and the layers' initializers as Keras receives them
    opt = model.compiled["optimizer"]
    assert opt.kind == KERAS_CLASS[c.optimizer]
    dense = [layer for layer in model.layers if hasattr(layer, "units")]
    assert [d.units for d in dense] == [*c.network_shape, trainer.head.outputs]


def test_accuracy_metric_matches_the_trainer(monkeypatch):
    trainer = _trainer(epochs=20)
    ns = _run_with_fake_keras(to_keras(trainer), monkeypatch)
    y_pred = ns["model"].predict(ns["X_train"])
    accuracy = np.mean(ns["playground_accuracy"](ns["y_train"], y_pred))
    assert accuracy == pytest.approx(trainer.train_accuracy, abs=1e-12)


@pytest.mark.parametrize("major", [2, 3])
def test_leaky_relu_slope_in_keras_2_and_3(monkeypatch, major):
    trainer = _trainer(activation="leaky_relu")
    ns = _run_with_fake_keras(to_keras(trainer), monkeypatch, major=major)
    slopes = [layer.slope for layer in ns["model"].layers if hasattr(layer, "slope")]
    assert slopes == [0.01, 0.01]
    points = np.random.default_rng(2).uniform(-6, 6, size=(50, 2))
    np.testing.assert_allclose(ns["model"].predict(ns["input_features"](points)),
                               _expected_output(trainer, points), rtol=1e-9, atol=1e-12)


def test_decay_schedule_gives_keras_2_decayed_rates(monkeypatch):
    trainer = _trainer(optimizer="adam", learning_rate=0.01, decay=0.05)
    ns = _run_with_fake_keras(to_keras(trainer), monkeypatch)
    schedule = ns["model"].compiled["optimizer"].kwargs["learning_rate"]
    for step in (0, 1, 10, 1000):
        assert schedule(step) == pytest.approx(0.01 / (1 + 0.05 * step), rel=1e-15)


@pytest.mark.parametrize("regularization, loss", [("L1", "squared"), ("L2", "squared"),
                                                  ("L1", "cross_entropy"),
                                                  ("L2", "cross_entropy")])
def test_regularizer_coefficient_matches_playground_s_step(monkeypatch, regularization, loss):
    """Keras's penalty gradient, scaled like the loss, is Playground's rate * R'(w).

    Keras: L1(l1) adds l1 * sum|w| (gradient l1 sign w); L2(l2) adds l2 * sum w^2
    (gradient 2 l2 w).  Keras's squared loss is twice Playground's, so its penalty
    gradient must be 2 * rate * R'(w) (R' = sign w or w); for cross-entropy 1x.
    """
    rate = 0.03
    trainer = _trainer(regularization=regularization, regularization_rate=rate, loss=loss)
    ns = _run_with_fake_keras(to_keras(trainer), monkeypatch)
    reg = ns["model"].layers[0].kernel_regularizer
    w = 0.7
    scale = 2.0 if loss == "squared" else 1.0
    if regularization == "L1":
        keras_gradient = reg.kwargs["l1"] * math.copysign(1.0, w)
        playground_gradient = rate * math.copysign(1.0, w)
    else:
        keras_gradient = 2 * reg.kwargs["l2"] * w
        playground_gradient = rate * w
    assert keras_gradient == pytest.approx(scale * playground_gradient, rel=1e-15)


def test_without_weights_no_weights_are_set(monkeypatch):
    trainer = _trainer()
    source = to_keras(trainer, include_weights=False)
    assert "set_weights" not in source and "WEIGHTS" not in source
    ns = _run_with_fake_keras(source, monkeypatch)
    assert all(layer.kernel is None for layer in ns["model"].layers)


def test_weights_are_written_exactly():
    trainer = _trainer()
    tree = ast.parse(to_keras(trainer))
    assign = next(n for n in tree.body if isinstance(n, ast.Assign)
                  and getattr(n.targets[0], "id", None) == "WEIGHTS")
    weights = ast.literal_eval(assign.value)
    names = [f"hidden_{i + 1}" for i in range(len(trainer.config.network_shape))] + ["output"]
    assert list(weights) == names
    for layer, name in enumerate(names):
        kernel, bias = weights[name]
        assert np.asarray(kernel).tobytes() == np.ascontiguousarray(
            trainer.weights[layer].T).tobytes()
        assert np.asarray(bias).tobytes() == trainer.biases[layer].tobytes()


def test_epoch_zero_fits_for_a_hundred_epochs():
    trainer = Trainer(Config(seed="1"))
    (fit,) = _calls(ast.parse(to_keras(trainer)), "model.fit")
    assert _literal(_keywords(fit)["epochs"]) == 100


def test_inline_data_is_exact(monkeypatch):
    trainer = _trainer(problem="regression", train_percent=30)
    source = to_keras(trainer, data="inline")
    assert "make_dataset" not in source
    ns = _run_with_fake_keras(source, monkeypatch)
    for name in ("train", "test"):
        assert ns[f"{name}_points"].tobytes() == getattr(trainer.data, f"{name}_x").tobytes()
        assert ns[f"{name}_labels"].tobytes() == getattr(trainer.data, f"{name}_y").tobytes()


def test_custom_data_is_written_inline(monkeypatch):
    X = np.random.default_rng(3).normal(size=(40, 2))
    custom = validate((X, (X[:, 0] * X[:, 1] > 0).astype(int)))
    trainer = _custom_trainer(custom, seed="7")
    trainer.step(2)
    source = to_keras(trainer)
    assert "make_dataset" not in source and "your own points" in source
    with pytest.raises(ValueError, match="inline"):
        to_keras(trainer, data="nbplayground")
    ns = _run_with_fake_keras(source, monkeypatch)
    np.testing.assert_array_equal(ns["train_points"], trainer.data.train_x)


def test_diverged_weights_stay_valid_python(monkeypatch):
    trainer = _trainer(epochs=50, problem="regression", learning_rate=10, network_shape=(8, 8))
    assert trainer.diverged
    source = to_keras(trainer)
    ast.parse(source)
    assert 'float("nan")' in source or 'float("inf")' in source


def test_bad_arguments():
    trainer = _trainer(epochs=0)
    with pytest.raises(ValueError, match="data='csv'"):
        to_keras(trainer, data="csv")
    with pytest.raises(TypeError, match="include_weights"):
        to_keras(trainer, include_weights="yes")


def test_runs_with_real_keras():
    keras = pytest.importorskip("keras")
    trainer = _trainer(epochs=2, activation="leaky_relu", optimizer="adam", decay=0.01,
                       regularization="L2", regularization_rate=0.001)
    source = to_keras(trainer)
    before_fit, fit = source.split("history = model.fit(")
    ns = {"__name__": "exported"}
    exec(compile(before_fit, "exported.py", "exec"), ns)
    points = np.random.default_rng(4).uniform(-6, 6, size=(100, 2))
    got = ns["model"].predict(ns["input_features"](points), verbose=0)
    np.testing.assert_allclose(got, _expected_output(trainer, points), rtol=1e-4, atol=1e-5)
    exec(compile("history = model.fit(" + fit, "exported.py", "exec"), ns)
    assert len(ns["history"].history["loss"]) == 2
    assert keras is not None


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
