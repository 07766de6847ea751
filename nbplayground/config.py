"""One complete playground state: :class:`Config`.

A :class:`Config` is a frozen dataclass holding every setting of TensorFlow
Playground (docs/playground.md §9) plus the settings nbplayground adds (optimizers,
initializers, losses, multi-class datasets, play speed).  Playground's
behaviour is always the default: ``Config()`` *is* Playground's first page
load (apart from the random seed).

What lives here:

* the allowed values and UI limits of every control (public constants),
* the engine's limits (:data:`LIMIT_HIDDEN_LAYERS`, :data:`LIMIT_NEURONS`,
  :data:`LIMIT_PARAMETERS`, :data:`LIMIT_BATCH_SIZE`, :data:`LIMIT_POINTS`),
* validation: every bad value raises :class:`ConfigError` (a ``ValueError``)
  whose message names the field, the value given and what is allowed;
  a value of the wrong type raises :class:`ConfigTypeError`, which is both a
  ``TypeError`` and a ``ConfigError``,
* which fields apply live, which rebuild the network and which regenerate
  the data (:data:`LIVE_FIELDS`, :data:`RESET_FIELDS`,
  :data:`REGENERATE_FIELDS`, and :meth:`Config.diff`),
* conversion to and from a JSON-safe dict and a Playground URL fragment
  (docs/playground.md §10), the URL through one table of keys (:data:`URL_TABLE`).

Field names are snake_case.  Playground's camelCase appears only in the URL
conversion (:data:`URL_KEYS`).

This module uses the standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import operator
import random
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from nbplayground.seedrandom import to_fixed

__all__ = [
    # errors
    "ConfigError", "ConfigTypeError",
    # the state
    "Config", "random_seed", "is_hideable", "js_number", "check_real", "repeated",
    "OPTIMIZER_SETTING_RULES", "check_optimizer_setting",
    # choices
    "PROBLEMS", "PLAYGROUND_DATASETS", "MULTICLASS_DATASETS", "DATASETS",
    "DATASETS_BY_PROBLEM", "DEFAULT_DATASET", "FEATURES", "FEATURE_URL_KEYS",
    "PLAYGROUND_ACTIVATIONS", "EXTRA_ACTIVATIONS", "HIDDEN_ACTIVATIONS", "ACTIVATIONS",
    "REGULARIZATIONS", "OPTIMIZERS", "INITIALIZERS", "LOSSES",
    "PLAYGROUND_HIDEABLE_PARTS", "HIDEABLE_PARTS", "NUM_NODES_HIDE_PATTERN",
    # UI limits and menus
    "LEARNING_RATES", "REGULARIZATION_RATES", "MAX_HIDDEN_LAYERS", "MAX_NEURONS",
    "MIN_NEURONS", "NEW_LAYER_NEURONS", "BATCH_SIZE_RANGE", "NOISE_RANGE", "NOISE_STEP",
    "MAX_URL_NOISE", "TRAIN_PERCENT_RANGE", "TRAIN_PERCENT_STEP", "TRAIN_PERCENT_LIMITS",
    "SPEEDS", "SPEED_LABELS",
    "PLAYGROUND_EPOCHS_PER_SECOND",
    # engine limits
    "LIMIT_HIDDEN_LAYERS", "LIMIT_NEURONS", "LIMIT_PARAMETERS", "LIMIT_BATCH_SIZE",
    "LIMIT_POINTS", "parameter_count", "check_parameter_count",
    # effects of a change
    "LIVE_FIELDS", "RESET_FIELDS", "REGENERATE_FIELDS", "PLAYGROUND_RESET_FIELDS",
    # URL
    "PLAYGROUND_URL", "URL_KEYS", "URL_TABLE", "UrlKey", "PLAYGROUND_URL_KEYS", "EXTRA_URL_KEYS",
]


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------

class ConfigError(ValueError):
    """A setting has a value that is not allowed.

    ``field`` is the name of the offending field (or URL key) and ``value`` the
    value given, so that callers (the URL parser, the UI) can point at it.
    """

    def __init__(self, message: str, field: str | None = None, value: Any = None):
        super().__init__(message)
        self.field = field
        self.value = value


class ConfigTypeError(ConfigError, TypeError):
    """A setting has a value of the wrong type (also a ``TypeError``)."""


# --------------------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------------------

PROBLEMS = ("classification", "regression")

#: Playground's own datasets, per problem, in the order of its thumbnails.
PLAYGROUND_DATASETS = MappingProxyType({
    "classification": ("circle", "xor", "gauss", "spiral"),
    "regression": ("reg-plane", "reg-gauss"),
})
#: nbplayground's multi-class (three-class) classification datasets.
MULTICLASS_DATASETS = ("gauss3", "spiral3")
DATASETS_BY_PROBLEM = MappingProxyType({
    "classification": PLAYGROUND_DATASETS["classification"] + MULTICLASS_DATASETS,
    "regression": PLAYGROUND_DATASETS["regression"],
})
#: Every dataset id, classification first.
DATASETS = DATASETS_BY_PROBLEM["classification"] + DATASETS_BY_PROBLEM["regression"]
#: The dataset a problem starts with (docs/playground.md §9).
DEFAULT_DATASET = MappingProxyType({"classification": "circle", "regression": "reg-plane"})

#: Input feature ids in Playground's order (docs/playground.md §4).
FEATURES = ("x", "y", "x_squared", "y_squared", "x_times_y", "sin_x", "sin_y")
#: The URL key (and hide name) of each feature.
FEATURE_URL_KEYS = MappingProxyType({
    "x": "x", "y": "y", "x_squared": "xSquared", "y_squared": "ySquared",
    "x_times_y": "xTimesY", "sin_x": "sinX", "sin_y": "sinY",
})
_FEATURE_BY_URL_KEY = {url: feature for feature, url in FEATURE_URL_KEYS.items()}

PLAYGROUND_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
#: Hidden-layer activations nbplayground adds (Keras names).
EXTRA_ACTIVATIONS = ("elu", "softplus", "swish", "leaky_relu")
#: Every activation a hidden layer may use.
HIDDEN_ACTIVATIONS = PLAYGROUND_ACTIVATIONS + EXTRA_ACTIVATIONS
ACTIVATIONS = HIDDEN_ACTIVATIONS

#: ``None`` means no regularization.
REGULARIZATIONS = (None, "L1", "L2")

#: Keras optimizer names; "sgd" is Playground's plain gradient descent.
OPTIMIZERS = ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam")

#: Weight initializers.  "playground": weights U(-0.5, 0.5) and biases 0.1
#: (docs/playground.md §6.2); "zeros": everything 0 (Playground's ``initZero``);
#: the rest are the Keras initializers of those names (biases 0).
INITIALIZERS = ("playground", "zeros", "random_normal", "glorot_uniform", "glorot_normal",
                "he_uniform", "he_normal")

#: "squared": Playground's ½(ŷ−y)² on a tanh (classification) or linear
#: (regression) output.  "cross_entropy": sigmoid output and binary
#: cross-entropy, or softmax and categorical cross-entropy for multi-class data.
LOSSES = ("squared", "cross_entropy")

#: The 15 parts the classroom section of Playground's page lets a teacher hide.
PLAYGROUND_HIDEABLE_PARTS = (
    "showTestData", "discretize", "playButton", "stepButton", "resetButton",
    "learningRate", "activation", "regularization", "regularizationRate", "problem",
    "dataset", "percTrainData", "noise", "batchSize", "numHiddenLayers",
)
#: Every name accepted in ``Config.hide`` (besides ``numNodes<k>``, k >= 1):
#: Playground's parts, the feature URL keys (hiding one also removes the
#: feature, docs/playground.md §10.4; Playground also accepts cosX and cosY), and the parts
#: nbplayground adds.
HIDEABLE_PARTS = PLAYGROUND_HIDEABLE_PARTS + (
    "x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY", "cosX", "cosY",
) + (
    "optimizer", "decay", "init", "loss", "speed", "accuracy", "regenerate", "lossChart",
    "sameWeights", "weightEditor", "stepInside",
)
#: ``numNodes<k>`` hides the neuron +/- buttons of hidden layer k (1-based).
NUM_NODES_HIDE_PATTERN = re.compile(r"numNodes([1-9][0-9]*)")


def is_hideable(name: str) -> bool:
    """True if ``name`` may appear in ``Config.hide`` (docs/playground.md §10.4)."""
    return isinstance(name, str) and (
        name in HIDEABLE_PARTS or NUM_NODES_HIDE_PATTERN.fullmatch(name) is not None)


def _hide_sort_key(name: str) -> tuple[int, int]:
    """Order hide names as HIDEABLE_PARTS lists them, then numNodes<k> by k."""
    if name in HIDEABLE_PARTS:
        return (HIDEABLE_PARTS.index(name), 0)
    match = NUM_NODES_HIDE_PATTERN.fullmatch(name)
    return (len(HIDEABLE_PARTS), int(match.group(1)))


# --------------------------------------------------------------------------------------
# UI limits and menus (docs/playground.md §9).  Values from code or a URL may go beyond the
# UI limits where the field's validation allows it.
# --------------------------------------------------------------------------------------

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 8
MIN_NEURONS = 1
#: A hidden layer added with the "+" button starts with this many neurons.
NEW_LAYER_NEURONS = 2
BATCH_SIZE_RANGE = (1, 30)
NOISE_RANGE = (0, 50)
NOISE_STEP = 5
#: Largest noise a URL may carry (Playground widens its slider up to 80).
MAX_URL_NOISE = 80
TRAIN_PERCENT_RANGE = (10, 90)
TRAIN_PERCENT_STEP = 10
#: The training share code or a URL may set (Playground reads any number from a URL and
#: widens its slider to show it); within it both sets of Playground's datasets keep points.
TRAIN_PERCENT_LIMITS = (1, 99)
#: Playground trains one epoch per animation frame, about 60 per second.
PLAYGROUND_EPOCHS_PER_SECOND = 60
#: Suggested choices for ``epochs_per_second``; None means as fast as possible.
SPEEDS = (1, 10, 60, 250, 1000, None)
SPEED_LABELS = MappingProxyType({
    1: "1 epoch/s", 10: "10 epochs/s", 60: "60 epochs/s (Playground's pace)",
    250: "250 epochs/s", 1000: "1000 epochs/s", None: "as fast as possible",
})

PLAYGROUND_URL = "https://playground.tensorflow.org/"

# --------------------------------------------------------------------------------------
# Engine limits.  Beyond the UI's menus a Config (from code, a URL or a saved file)
# may ask for more, but not for anything: these maxima keep every accepted state
# trainable in memory and time, and drawable by the widget.  A value above one of
# them raises ConfigError naming the field.
# --------------------------------------------------------------------------------------

#: Most hidden layers (the network panel draws up to this many at its width).
LIMIT_HIDDEN_LAYERS = 10
#: Most neurons in one hidden layer.
LIMIT_NEURONS = 32
#: Most trainable parameters (weights and biases) in the whole network.
LIMIT_PARAMETERS = 5_000
#: Largest batch size.  A batch larger than the training set never fills, so no update is
#: ever made (Playground's rule; the sums are carried from epoch to epoch).
LIMIT_BATCH_SIZE = 10_000
#: Most points in a data set of your own (Playground's datasets have 500 or 1200).
LIMIT_POINTS = 10_000


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

def _choices(values: Iterable[Any]) -> str:
    return ", ".join("None" if v is None else str(v) for v in values)


def random_seed() -> str:
    """A new seed as Playground makes one: ``Math.random().toFixed(5)``.

    Python's global ``random.random()`` stands in for the unseeded
    ``Math.random``, so the result looks like ``"0.35116"``.
    """
    return to_fixed(random.random(), 5)


def js_number(value: float) -> str:
    """Format a number as JavaScript's ``String(value)`` does.

    JS writes the shortest digits ``s`` (k of them) that read back to the same
    double, with decimal exponent ``n`` so that value = 0.s × 10ⁿ:

    * k ≤ n ≤ 21: the digits followed by n − k zeros (``10``, ``1e20`` →
      ``"100000000000000000000"``),
    * 0 < n < k: a decimal point after the n-th digit (``12.5``),
    * −6 < n ≤ 0: ``"0."``, −n zeros, then the digits (``1e-5`` → ``"0.00001"``),
    * otherwise exponential: ``"1e-7"``, ``"1.5e+21"``.

    Python's ``repr`` gives the same shortest digits, so only the layout differs.
    """
    if isinstance(value, bool):
        raise ConfigTypeError(f"js_number: value={value!r} is a bool, not a number")
    x = float(value)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len(digit_tuple) - len(digits)  # account for the stripped zeros
    k = len(digits)
    n = exponent + k  # value = 0.digits × 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


# ---- field validators.  Each returns the normalised value or raises ConfigError. ----

def _is_bool(value: Any) -> bool:
    """A Python bool or a NumPy bool scalar (``numpy.bool_``, named ``bool`` in NumPy 2)."""
    kind = type(value)
    return isinstance(value, bool) or (
        kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def check_real(name: str, value: Any, rule: str, ok=lambda x: True) -> float:
    """``value`` as a float if it is a finite real number (int, float or NumPy scalar, not
    a bool) for which ``ok(x)`` holds; else :class:`ConfigError` (:class:`ConfigTypeError`
    for a value that is not a number) saying ``{name}={value}: must be {rule}``.

    Config's own check of every number field, public so that the engine's other
    arguments (``Trainer.step(seconds=...)``, ``study(target=...)``) take numbers
    exactly as Config does.
    """
    if not _is_number(value):
        raise ConfigTypeError(f"{name}={_short(value)}: must be {rule}", name, value)
    try:
        x = float(value)
    except (OverflowError, ValueError, TypeError):  # 10**400, Fraction(10**400), ...
        raise ConfigError(f"{name}={_short(value)}: must be {rule}", name, value) from None
    if not (math.isfinite(x) and ok(x)):
        raise ConfigError(f"{name}={_short(value)}: must be {rule}", name, value)
    return x


def _optional_real(name: str, value: Any, rule: str, ok,
                   none: str = " (or None for the default)") -> float | None:
    """None, or a number as :func:`check_real`; ``none`` (added to ``rule``) says what
    None means."""
    if value is None:
        return None
    return check_real(name, value, rule + none, ok)


#: Config's rule for each optimizer setting it holds: (what is allowed, test).  Stricter
#: than Keras where Keras allows a useless or runaway value (learning_rate 0, momentum 1).
OPTIMIZER_SETTING_RULES = MappingProxyType({
    "learning_rate": ("a finite number > 0", lambda x: x > 0),
    "decay": ("a finite number >= 0", lambda x: x >= 0),
    "momentum": ("a number in [0, 1)", lambda x: 0 <= x < 1),
    "rho": ("a number in [0, 1)", lambda x: 0 <= x < 1),
    "epsilon": ("a finite number > 0", lambda x: x > 0),
    "beta_1": ("a number in [0, 1)", lambda x: 0 <= x < 1),
    "beta_2": ("a number in [0, 1)", lambda x: 0 <= x < 1),
})


def check_optimizer_setting(name: str, value: Any) -> float:
    """``value`` as a float if Config allows it for the optimizer setting ``name`` (a key
    of :data:`OPTIMIZER_SETTING_RULES`), else :class:`ConfigError` naming both.

    One rule for every place an optimizer is set up: Config, and
    :class:`~nbplayground.descent.Descent` with its own settings.
    """
    rule, ok = OPTIMIZER_SETTING_RULES[name]
    return check_real(name, value, rule, ok)


def _integer(name: str, value: Any, minimum: int, rule: str,
             maximum: int | None = None) -> int:
    """An integer (int or numpy integer, not bool, not float) in minimum..maximum."""
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise ConfigTypeError(f"{name}={_short(value)}: must be {rule}", name, value)
    n = operator.index(value)
    if n < minimum or (maximum is not None and n > maximum):
        raise ConfigError(f"{name}={_short(value)}: must be {rule}", name, value)
    return n


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages: safe for any value
    (a 10**5000 int beyond str's digit limit, a broken ``__repr__``, a big array)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a repr that fails is replaced by the type's name
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def repeated(items) -> list:
    """The items given more than once, each once, in the order they first appear."""
    counts = Counter(items)
    return [item for item in counts if counts[item] > 1]


def _short(value: Any, limit: int = 80) -> str:
    return short_repr(value, limit)


def parameter_count(num_features: int, network_shape: Iterable[int],
                    outputs: int = 1) -> int:
    """Weights and biases of a network with these layer sizes (inputs, hidden, outputs)."""
    sizes = (num_features, *network_shape, outputs)
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def check_parameter_count(num_features: int, network_shape, outputs: int,
                          error: type = None) -> None:
    """Refuse a network of more than :data:`LIMIT_PARAMETERS` weights and biases: raise
    ``error`` (default :class:`ConfigError`) naming ``network_shape``, the count and the
    limit.  Config and your own data (whose class count sets the outputs) both check here."""
    count = parameter_count(num_features, network_shape, outputs)
    if count > LIMIT_PARAMETERS:
        raise (error or ConfigError)(
            f"network_shape={tuple(network_shape)!r} with {num_features} feature(s) and "
            f"{outputs} output(s) has {count} parameters; at most {LIMIT_PARAMETERS} are "
            f"allowed (LIMIT_PARAMETERS)", "network_shape", network_shape)


def _boolean(name: str, value: Any) -> bool:
    if _is_bool(value):
        return bool(value)
    raise ConfigTypeError(f"{name}={_short(value)}: must be True or False", name, value)


def _choice(name: str, value: Any, allowed: tuple, what: str) -> Any:
    """``value`` if it is one of ``allowed`` (strings, and None where listed)."""
    message = f"{name}={_short(value)} is not {what}; allowed: {_choices(allowed)}"
    if not (isinstance(value, str) or value is None):
        raise ConfigTypeError(message, name, value)
    if value not in allowed:
        raise ConfigError(message, name, value)
    return value


def _string_items(name: str, value: Any, what: str) -> list:
    """The items of a non-string iterable (a str would be split into letters)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ConfigTypeError(
            f"{name}={_short(value)}: must be a list/tuple of {what}, not a single "
            f"{type(value).__name__}", name, value)
    if isinstance(value, Mapping):  # iterating would keep every key, whatever its value
        raise ConfigTypeError(
            f"{name}={_short(value)}: must be a list/tuple of {what}, not a dict (its values "
            f"would be ignored); list only the ones you want", name, value)
    return list(value)


_SEED_RULE = ("must be a non-empty string of printable ASCII characters without spaces, "
              "'&', '=' or '#' (it is written into the URL), or an int, or None for a "
              "random seed")


def _seed(value: Any) -> str:
    if value is None:
        return random_seed()
    if isinstance(value, numbers.Integral) and not _is_bool(value):
        n = operator.index(value)
        if n.bit_length() > 1000:  # str() of a 10**5000 int fails; no seed needs it
            raise ConfigError(f"seed={_short(value)}: {_SEED_RULE} (an int of at most "
                              f"300 digits)", "seed", value)
        return str(n)
    if not isinstance(value, str):
        raise ConfigTypeError(f"seed={_short(value)}: {_SEED_RULE}", "seed", value)
    if not value or any(not ("!" <= c <= "~") or c in "&=#" for c in value):
        raise ConfigError(f"seed={_short(value)}: {_SEED_RULE}", "seed", value)
    return value


def _dataset_problem(dataset: str) -> str:
    for problem, datasets in DATASETS_BY_PROBLEM.items():
        if dataset in datasets:
            return problem
    raise AssertionError(dataset)


def _resolve_problem_dataset(problem: Any, dataset: Any) -> tuple[str, str]:
    """Fill in a missing problem (from the dataset) or dataset (the problem's default)."""
    if dataset is not None:
        dataset = _choice("dataset", dataset, DATASETS, "a dataset")
    if problem is None:
        problem = _dataset_problem(dataset) if dataset is not None else "classification"
    problem = _choice("problem", problem, PROBLEMS, "a problem type")
    if dataset is None:
        dataset = DEFAULT_DATASET[problem]
    elif dataset not in DATASETS_BY_PROBLEM[problem]:
        raise ConfigError(
            f"dataset={dataset!r} is a {_dataset_problem(dataset)} dataset but "
            f"problem={problem!r}; {problem} datasets: "
            f"{_choices(DATASETS_BY_PROBLEM[problem])}", "dataset", dataset)
    return problem, dataset


def _allowed_losses(dataset: str) -> tuple[str, ...]:
    if dataset in MULTICLASS_DATASETS:
        return ("cross_entropy",)
    if dataset in DATASETS_BY_PROBLEM["regression"]:
        return ("squared",)
    return LOSSES


def _default_loss(dataset: str) -> str:
    return "cross_entropy" if dataset in MULTICLASS_DATASETS else "squared"


# --------------------------------------------------------------------------------------
# The state
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Config:
    """One complete playground state, with Playground's defaults.

    Every argument is keyword-only and validated; see the module docstring for
    the errors.  Normalisation done on construction:

    * ``problem=None`` (the default) is taken from ``dataset`` if that is
      given, else "classification"; ``dataset=None`` becomes the problem's
      default ("circle" or "reg-plane");
    * ``loss=None`` becomes "cross_entropy" for a multi-class dataset and
      "squared" (Playground's) otherwise;
    * ints become floats in float fields; lists become tuples;
    * ``features`` is stored in Playground's order, minus any feature whose
      URL key is in ``hide`` (docs/playground.md §10.4);
    * ``seed=None`` draws a Playground-style seed ``"0.ddddd"``; an int seed
      becomes its decimal string.

    Fields:

    problem, dataset
        see :data:`PROBLEMS`, :data:`DATASETS_BY_PROBLEM`.
    noise
        percent, 0…80 (the UI slider: 0…50 step 5).
    train_percent
        percent of the data used for training, 10…90 (UI step 10).
    batch_size
        examples per weight update, integer 1…:data:`LIMIT_BATCH_SIZE` (UI 1…30).
    features
        input feature ids, see :data:`FEATURES`.
    network_shape
        hidden-layer widths; ``()`` means no hidden layer.  At most
        :data:`LIMIT_HIDDEN_LAYERS` layers of 1…:data:`LIMIT_NEURONS` neurons and
        :data:`LIMIT_PARAMETERS` weights and biases in all (UI: ≤ 6 layers of 1…8).
    activation
        hidden-layer activation, see :data:`HIDDEN_ACTIVATIONS`.
    learning_rate
        finite, > 0.
    regularization, regularization_rate
        None/"L1"/"L2"; rate finite, ≥ 0.
    seed
        the PRNG seed string (docs/playground.md §2).
    init
        see :data:`INITIALIZERS`.
    show_test_data, discretize
        display checkboxes.
    hide
        names of hidden UI parts, see :data:`HIDEABLE_PARTS` and
        :data:`NUM_NODES_HIDE_PATTERN`.
    optimizer, momentum, nesterov, decay, rho, epsilon, beta_1, beta_2
        Keras optimizer and hyper-parameters.  ``decay`` is inverse-time decay
        per update, lr_t = lr / (1 + decay·t).  ``momentum`` affects "sgd" and
        "rmsprop", ``nesterov`` "sgd" only, ``rho`` RMSprop/Adadelta,
        ``beta_1``/``beta_2`` the Adam family; a value set for another optimizer is
        kept and ignored.
        ``None`` means the optimizer's Keras default.
    loss
        see :data:`LOSSES`.  Regression needs "squared"; multi-class
        datasets need "cross_entropy" (softmax output).
    epochs_per_second
        play speed; Playground's pace (60) by default; None = as fast as the
        machine goes (``epochsPerSecond=max`` in a URL).
    """

    problem: str | None = None
    dataset: str | None = None
    noise: float = 0.0
    train_percent: float = 50.0
    batch_size: int = 10
    features: tuple[str, ...] = ("x", "y")
    network_shape: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    learning_rate: float = 0.03
    regularization: str | None = None
    regularization_rate: float = 0.0
    seed: str | None = None
    init: str = "playground"
    show_test_data: bool = False
    discretize: bool = False
    hide: frozenset[str] = frozenset()
    optimizer: str = "sgd"
    momentum: float = 0.0
    nesterov: bool = False
    decay: float = 0.0
    rho: float | None = None
    epsilon: float | None = None
    beta_1: float | None = None
    beta_2: float | None = None
    loss: str | None = None
    epochs_per_second: float | None = PLAYGROUND_EPOCHS_PER_SECOND

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        problem, dataset = _resolve_problem_dataset(self.problem, self.dataset)
        put("problem", problem)
        put("dataset", dataset)
        put("noise", check_real("noise", self.noise,
                                f"a number in [0, {MAX_URL_NOISE}] (percent; the UI offers "
                                f"{NOISE_RANGE[0]}..{NOISE_RANGE[1]} in steps of "
                                f"{NOISE_STEP})", lambda x: 0 <= x <= MAX_URL_NOISE))
        low, high = TRAIN_PERCENT_LIMITS
        put("train_percent", check_real("train_percent", self.train_percent,
                                        f"a number in [{low}, {high}] (percent; the UI offers "
                                        f"{TRAIN_PERCENT_RANGE[0]}..{TRAIN_PERCENT_RANGE[1]} "
                                        f"in steps of {TRAIN_PERCENT_STEP})",
                                        lambda x: low <= x <= high))
        put("batch_size", _integer("batch_size", self.batch_size, 1,
                                   f"an integer >= 1 and <= {LIMIT_BATCH_SIZE} (LIMIT_BATCH_SIZE)",
                                   LIMIT_BATCH_SIZE))

        # Hide first: a hidden feature is removed from the feature set.
        hide = _string_items("hide", self.hide, "UI part names")
        for name in hide:
            if not is_hideable(name):
                exc = ConfigTypeError if not isinstance(name, str) else ConfigError
                raise exc(f"hide: {_short(name)} is not a hideable part; allowed: "
                          f"{_choices(HIDEABLE_PARTS)}, numNodes<k> (k >= 1)",
                          "hide", name)
        hide = frozenset(hide)
        put("hide", hide)

        features = _string_items("features", self.features, "feature ids")
        for feature in features:
            if not isinstance(feature, str) or feature not in FEATURES:
                exc = ConfigTypeError if not isinstance(feature, str) else ConfigError
                raise exc(f"features: {_short(feature)} is not a feature; allowed: "
                          f"{_choices(FEATURES)}", "features", feature)
        twice = sorted(repeated(features))
        if twice:
            raise ConfigError(f"features={_short(tuple(features))}: {_choices(twice)} "
                              f"given more than once", "features", tuple(features))
        put("features", tuple(f for f in FEATURES
                              if f in features and FEATURE_URL_KEYS[f] not in hide))

        shape = _string_items("network_shape", self.network_shape, "layer widths")
        if len(shape) > LIMIT_HIDDEN_LAYERS:
            raise ConfigError(f"network_shape has {len(shape)} hidden layers; at most "
                              f"{LIMIT_HIDDEN_LAYERS} are allowed (LIMIT_HIDDEN_LAYERS)",
                              "network_shape", tuple(shape))
        shape = tuple(
            _integer(f"network_shape[{i}]", width, 1, f"an integer >= 1 and <= {LIMIT_NEURONS} "
                     "(neurons in the hidden layer; LIMIT_NEURONS); use () for no hidden "
                     "layer", LIMIT_NEURONS)
            for i, width in enumerate(shape))
        put("network_shape", shape)

        put("activation", _choice("activation", self.activation, HIDDEN_ACTIVATIONS,
                                  "an activation"))
        put("learning_rate", check_optimizer_setting("learning_rate", self.learning_rate))
        put("regularization", _choice("regularization", self.regularization,
                                      REGULARIZATIONS, "a regularization (None = none)"))
        put("regularization_rate", check_real("regularization_rate",
                                              self.regularization_rate,
                                              "a finite number >= 0", lambda x: x >= 0))
        put("seed", _seed(self.seed))
        put("init", _choice("init", self.init, INITIALIZERS, "an initializer"))
        put("show_test_data", _boolean("show_test_data", self.show_test_data))
        put("discretize", _boolean("discretize", self.discretize))

        put("optimizer", _choice("optimizer", self.optimizer, OPTIMIZERS, "an optimizer"))
        put("momentum", check_optimizer_setting("momentum", self.momentum))
        put("nesterov", _boolean("nesterov", self.nesterov))
        put("decay", check_optimizer_setting("decay", self.decay))
        for name in ("rho", "epsilon", "beta_1", "beta_2"):
            rule, ok = OPTIMIZER_SETTING_RULES[name]
            put(name, _optional_real(name, getattr(self, name), rule, ok))

        loss = _default_loss(dataset) if self.loss is None else \
            _choice("loss", self.loss, LOSSES, "a loss")
        if loss not in _allowed_losses(dataset):
            if dataset in MULTICLASS_DATASETS:
                why = (f"the multi-class dataset {dataset!r} needs loss='cross_entropy' "
                       f"(softmax output)")
            else:
                why = "regression needs loss='squared'"
            raise ConfigError(f"loss={loss!r}: {why}", "loss", loss)
        put("loss", loss)
        put("epochs_per_second", _optional_real(
            "epochs_per_second", self.epochs_per_second,
            f"a finite number > 0 (Playground's pace is {PLAYGROUND_EPOCHS_PER_SECOND}), "
            f"or None for as fast as possible", lambda x: x > 0, none=""))
        outputs = self.num_classes if (self.num_classes or 2) > 2 else 1
        check_parameter_count(len(self.features), self.network_shape, outputs)

    # ---------------------------------------------------------------- derived facts

    @property
    def num_classes(self) -> int | None:
        """3 for a multi-class dataset, 2 for binary classification, None for regression."""
        if self.problem == "regression":
            return None
        return 3 if self.dataset in MULTICLASS_DATASETS else 2

    def playground_incompatibilities(self) -> tuple[str, ...]:
        """Fields whose value TensorFlow Playground cannot show (empty if none).

        A URL from :meth:`to_url` reproduces the run in Playground only when
        this is empty.  (Hide names Playground does not know are harmless and
        not listed; values beyond Playground's UI limits are fine in its URLs.)
        """
        default = _DEFAULTS
        out = []
        if self.dataset not in PLAYGROUND_DATASETS[self.problem]:
            out.append("dataset")
        if self.activation not in PLAYGROUND_ACTIVATIONS:
            out.append("activation")
        if self.init not in ("playground", "zeros"):
            out.append("init")
        for name in ("optimizer", "momentum", "nesterov", "decay", "rho", "epsilon",
                     "beta_1", "beta_2", "loss"):
            if getattr(self, name) != getattr(default, name):
                out.append(name)
        return tuple(out)

    # ---------------------------------------------------------------- changes

    def replace(self, **changes: Any) -> Config:
        """A copy with ``changes`` applied, validated like the constructor.

        Unknown field names raise :class:`ConfigTypeError` naming them.  Rules
        that keep the state consistent, as the UI expects:

        * changing ``problem`` without ``dataset`` picks the new problem's
          default dataset; changing ``dataset`` without ``problem`` takes the
          problem from the dataset;
        * when ``dataset``/``problem`` change without ``loss``, a loss that was
          the old dataset's default (or is not allowed for the new one) becomes
          the new dataset's default; a loss chosen on purpose is kept.
        """
        unknown = sorted(set(changes) - set(_FIELD_NAMES))
        if unknown:
            raise ConfigTypeError(
                f"replace(): unknown field(s) {', '.join(unknown)}; fields: "
                f"{', '.join(_FIELD_NAMES)}", unknown[0], changes[unknown[0]])
        values = {name: getattr(self, name) for name in _FIELD_NAMES}
        values.update(changes)
        if "problem" in changes and "dataset" not in changes \
                and changes["problem"] != self.problem:
            values["dataset"] = None
        if "dataset" in changes and "problem" not in changes:
            values["problem"] = None
        if ("dataset" in changes or "problem" in changes) and "loss" not in changes:
            _, new_dataset = _resolve_problem_dataset(values["problem"], values["dataset"])
            if self.loss == _default_loss(self.dataset) \
                    or self.loss not in _allowed_losses(new_dataset):
                values["loss"] = None
        return Config(**values)

    def diff(self, other: Config) -> frozenset[str]:
        """Names of the fields whose values differ between ``self`` and ``other``.

        Combine with :data:`LIVE_FIELDS`, :data:`RESET_FIELDS` and
        :data:`REGENERATE_FIELDS` to decide what a change does.
        """
        if not isinstance(other, Config):
            raise ConfigTypeError(f"diff(): other={_short(other)} is not a Config", "other", other)
        return frozenset(name for name in _FIELD_NAMES
                         if getattr(self, name) != getattr(other, name))

    # ---------------------------------------------------------------- dict / JSON

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of every field (tuples → lists, hide → sorted list)."""
        out: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, frozenset):
                value = sorted(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Config:
        """The Config of a dict like :meth:`to_dict` makes; missing keys take defaults.

        Unknown keys raise :class:`ConfigError` naming them.
        """
        if not isinstance(data, Mapping):
            raise ConfigTypeError(f"from_dict(): data={_short(data)} is not a mapping",
                                  "data", data)
        def label(key) -> str:
            return key if isinstance(key, str) and len(key) <= 40 else _short(key, 40)

        unknown = sorted((k for k in data if k not in _FIELD_NAMES), key=label)
        if unknown:
            raise ConfigError(f"from_dict(): unknown key(s) "
                              f"{', '.join(label(k) for k in unknown)}; known keys: "
                              f"{', '.join(_FIELD_NAMES)}", label(unknown[0]),
                              data[unknown[0]])
        return cls(**data)

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Config:
        """The inverse of :meth:`to_json`.  Text that is not JSON (or nests too deep
        to read) raises :class:`ConfigError` too."""
        if not isinstance(text, (str, bytes, bytearray)):
            raise ConfigTypeError(f"from_json(): text={_short(text)} is not a string",
                                  "text", text)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            raise ConfigError(f"from_json(): not a JSON object ({_short(str(exc))})",
                              "text", None) from None
        return cls.from_dict(data)

    # ---------------------------------------------------------------- URL

    def to_url(self, full: bool = False) -> str:
        """The Playground URL fragment of this state, starting with ``#``.

        Keys come in Playground's order (docs/playground.md §10.2), so Playground reads back
        the same state; then nbplayground's own keys, written only when not
        default (Playground ignores them); then ``<name>_hide=true`` flags.
        ``full=True`` prefixes :data:`PLAYGROUND_URL`.  Every key is written
        by its row of :data:`URL_TABLE`.

        For regression ``dataset`` is written as "circle" and the dataset
        goes to ``regDataset``; for classification ``regDataset=reg-plane``.
        A multi-class dataset is written as ``dataset=gauss3`` (Playground
        ignores it and shows circle; :meth:`from_url` reads it back).
        """
        pairs = []
        for row in URL_TABLE.values():
            text = row.write(self)
            if text is not None:
                pairs.append((row.key, text))
        for name in sorted(self.hide, key=_hide_sort_key):
            pairs.append((name + "_hide", "true"))
        fragment = "#" + "&".join(f"{k}={v}" for k, v in pairs)
        return PLAYGROUND_URL + fragment if full else fragment

    @classmethod
    def from_url(cls, text: str) -> Config:
        """Read a Playground URL (or just its fragment, with or without ``#``).

        Follows Playground's parser (docs/playground.md §10.3) with two differences: a value
        that Playground would silently replace (an unknown name, garbage for a
        number, noise above 80, ...) raises :class:`ConfigError` naming the
        key, the value and what is allowed; and an unknown key is an error too.
        Like Playground: values are not URL-decoded; an empty value counts as
        absent (except ``networkShape=``, which means no hidden layer); no
        ``seed`` means a new random seed; ``problem=regression`` takes its
        dataset from ``regDataset``; ``tutorial``, ``hideText``,
        ``collectStats``, ``cosX`` and ``cosY`` are checked and ignored.
        Booleans must be ``true`` or ``false``.  Integers are read exactly
        (no rounding above 2**53); each key is read by its row of
        :data:`URL_TABLE`.
        """
        if not isinstance(text, str):
            raise ConfigTypeError(f"from_url(): text={_short(text)} is not a string",
                                  "text", text)
        text = text.strip()
        if "#" in text:
            fragment = text.split("#", 1)[1]
        elif "://" in text:
            query = text.split("?", 1)[1] if "?" in text else ""
            if "=" in query:  # settings after '?' would be silently lost: say where they go
                raise ConfigError(f"URL: {_short(text)} has its settings after '?'; Playground "
                                  "reads them after '#' (…/#dataset=xor&...)", "url", text)
            fragment = ""  # a URL without a fragment: Playground's defaults
        else:
            fragment = text

        raw: dict[str, str] = {}
        for piece in fragment.split("&"):
            if piece == "":
                continue
            if "=" not in piece:
                raise ConfigError(f"URL: {_short(piece)} has no '=value'; expected key=value "
                                  f"pairs separated by '&'", piece, None)
            key, value = piece.split("=", 1)
            if key in raw:
                raise ConfigError(f"URL: key {_short(key)} is given twice ({key}="
                                  f"{_short(raw[key])} and {key}={_short(value)})", key, value)
            raw[key] = value

        kwargs: dict[str, Any] = {}
        source: dict[str, tuple[str, str]] = {}  # field -> (URL key, raw value)
        hide: list[str] = []
        features: dict[str, bool] = {f: f in _DEFAULTS.features for f in FEATURES}

        for key, value in raw.items():
            if key.endswith("_hide") and key not in URL_TABLE:
                name = key[: -len("_hide")]
                if not is_hideable(name):
                    raise _url_error(key, value, f"{_short(name)} is not a hideable part; "
                                     f"allowed: {_choices(HIDEABLE_PARTS)}, numNodes<k> "
                                     f"(k >= 1)")
                if value != "" and _parse_bool(key, value):
                    hide.append(name)
                continue
            row = URL_TABLE.get(key)
            if row is None:
                raise ConfigError(
                    f"URL: unknown key {_short(key)} (value {_short(value)}); known keys: "
                    f"{', '.join(URL_KEYS)}, <part>_hide", key, value)
            if value == "" and key != "networkShape":
                continue  # Playground ignores an empty value
            parsed = row.read(key, value)
            if row.field is None:
                continue  # checked only (or read below with the keys it depends on)
            if row.field.startswith("features."):
                features[row.field[len("features."):]] = parsed
                source["features"] = (key, value)
            else:
                kwargs[row.field] = parsed
                source[row.field] = (key, value)

        # Playground takes the dataset from the key of the problem type.
        problem = kwargs.get("problem", "classification")
        dataset_key = "dataset" if problem == "classification" else "regDataset"
        if raw.get(dataset_key):
            kwargs["dataset"] = raw[dataset_key]
            source["dataset"] = (dataset_key, raw[dataset_key])
        else:
            kwargs["dataset"] = DEFAULT_DATASET[problem]
        kwargs["problem"] = problem

        # initZero=true is init="zeros"; an init=... key must agree with it.
        if raw.get("initZero"):
            zero = _parse_bool("initZero", raw["initZero"])
            if "init" in kwargs and (kwargs["init"] == "zeros") != zero:
                raise ConfigError(
                    f"URL: initZero={raw['initZero']!r} contradicts init={raw['init']!r}",
                    "init", raw["init"])
            if zero:
                kwargs["init"] = "zeros"
                source["init"] = ("initZero", raw["initZero"])

        kwargs["features"] = tuple(f for f in FEATURES if features[f])
        kwargs["hide"] = frozenset(hide)
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            if exc.field is not None:
                field_name = exc.field.split("[")[0]
                if field_name in source:
                    key, value = source[field_name]
                    raise ConfigError(f"URL: {key}={_short(value)} gives {exc}", key,
                                      value) from None
            raise


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Config))
_DEFAULTS = Config(seed="0")

#: Playground's URL keys in its serialization order (docs/playground.md §10.2).
PLAYGROUND_URL_KEYS = (
    "activation", "regularization", "batchSize", "dataset", "regDataset", "learningRate",
    "regularizationRate", "noise", "networkShape", "seed", "showTestData", "discretize",
    "percTrainData", "x", "y", "xTimesY", "xSquared", "ySquared", "cosX", "sinX", "cosY",
    "sinY", "collectStats", "tutorial", "problem", "initZero", "hideText",
)
#: nbplayground's own URL keys (field → key), written after Playground's.
EXTRA_URL_KEYS = MappingProxyType({
    "optimizer": "optimizer", "momentum": "momentum", "nesterov": "nesterov",
    "decay": "decay", "rho": "rho", "epsilon": "epsilon", "beta_1": "beta1",
    "beta_2": "beta2", "loss": "loss", "init": "init",
    "epochs_per_second": "epochsPerSecond",
})

# --------------------------------------------------------------------------------------
# The URL: one table of keys, read by from_url and written by to_url
# --------------------------------------------------------------------------------------

# A decimal number as Playground would write one: no spaces, hex, Infinity or NaN.
_URL_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_URL_INTEGER = re.compile(r"[+-]?[0-9]+")
#: Longest number text read from a URL (a longer one cannot be a useful value).
_URL_NUMBER_DIGITS = 400


def _url_error(key: str, value: str, rule: str) -> ConfigError:
    return ConfigError(f"URL: {key}={_short(value)}: {rule}", key, value)


def _parse_bool(key: str, value: str) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise _url_error(key, value, "must be true or false")


def _parse_number(key: str, value: str) -> float | int:
    """A decimal number; integers stay Python ints (exact above 2**53)."""
    if len(value) > _URL_NUMBER_DIGITS or not _URL_NUMBER.fullmatch(value):
        raise _url_error(key, value, "must be a decimal number")
    if _URL_INTEGER.fullmatch(value):
        return int(value)
    return float(value)  # 1e400 is inf here; the field's check names it


def _parse_int(key: str, value: str) -> int:
    x = _parse_number(key, value)
    if isinstance(x, float):
        if not (math.isfinite(x) and x.is_integer()):
            raise _url_error(key, value, "must be an integer")
        x = int(x)
    return x


def _parse_shape(key: str, value: str) -> tuple:
    widths = [] if value.strip() == "" else value.split(",")
    if len(widths) > LIMIT_HIDDEN_LAYERS:
        raise _url_error(key, value, f"has {len(widths)} hidden layers; at most "
                         f"{LIMIT_HIDDEN_LAYERS} are allowed")
    shape = []
    for width in widths:
        try:
            shape.append(_parse_int(key, width))
        except ConfigError:
            raise _url_error(key, value, "must be comma-separated integers >= 1 "
                             "(empty for no hidden layer)") from None
    return tuple(shape)


def _parse_choice(allowed: Iterable[Any], what: str, none: str | None = None):
    allowed = tuple(allowed)
    names = tuple(none if v is None else v for v in allowed)

    def parse(key: str, value: str):
        if value not in names:
            raise _url_error(key, value, f"is not {what}; allowed: {_choices(names)}")
        return allowed[names.index(value)]
    return parse


def _parse_dataset(problem: str, other: str):
    own, wrong = DATASETS_BY_PROBLEM[problem], DATASETS_BY_PROBLEM[other]
    hint = ("is a regression dataset; give it as regDataset=... with problem=regression"
            if problem == "classification" else
            "is a classification dataset; give it as dataset=...")

    def parse(key: str, value: str):
        if value in wrong:
            raise _url_error(key, value, hint)
        return _parse_choice(own, f"a {problem} dataset")(key, value)
    return parse


def _js(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return js_number(value)


@dataclass(frozen=True)
class UrlKey:
    """One key of Playground's URL: how to read its value and how to write it.

    ``field`` is the Config field the value sets (``"features.<id>"`` for a
    feature checkbox), or None for a key that is only checked (or read with
    the keys it depends on: dataset/regDataset with problem, initZero with
    init).  ``read(key, text)`` returns the value or raises ConfigError naming
    the key; ``write(config)`` returns the text or None to leave the key out.
    """

    key: str
    field: str | None
    read: Callable[[str, str], Any]
    write: Callable[[Any], str | None]
    playground: bool = True


def _field_writer(name: str):
    return lambda c: _js(getattr(c, name))


def _extra_writer(name: str):
    def write(c):
        value = getattr(c, name)
        if name == "init":
            return None if value in ("playground", "zeros") else value
        if value == getattr(_DEFAULTS, name):
            return None
        if value is None and name == "epochs_per_second":
            return "max"  # as fast as possible
        return _js(value)
    return write


def _parse_speed(key: str, value: str):
    """epochsPerSecond: a number, or ``max`` for as fast as possible (None)."""
    return None if value == "max" else _parse_number(key, value)


def _feature_row(key: str) -> UrlKey:
    feature = _FEATURE_BY_URL_KEY.get(key)
    if feature is None:  # cosX, cosY: Playground's, always off here
        return UrlKey(key, None, _parse_bool, lambda c: "false")
    return UrlKey(key, "features." + feature, _parse_bool,
                  lambda c: _js(feature in c.features))


def _make_url_table() -> dict:
    rows = [
        UrlKey("activation", "activation",
               _parse_choice(HIDDEN_ACTIVATIONS, "an activation"), _field_writer("activation")),
        UrlKey("regularization", "regularization",
               _parse_choice(REGULARIZATIONS, "a regularization", none="none"),
               lambda c: c.regularization),
        UrlKey("batchSize", "batch_size", _parse_int, _field_writer("batch_size")),
        UrlKey("dataset", None, _parse_dataset("classification", "regression"),
               lambda c: c.dataset if c.problem == "classification"
               else DEFAULT_DATASET["classification"]),
        UrlKey("regDataset", None, _parse_dataset("regression", "classification"),
               lambda c: c.dataset if c.problem == "regression"
               else DEFAULT_DATASET["regression"]),
        UrlKey("learningRate", "learning_rate", _parse_number,
               _field_writer("learning_rate")),
        UrlKey("regularizationRate", "regularization_rate", _parse_number,
               _field_writer("regularization_rate")),
        UrlKey("noise", "noise", _parse_number, _field_writer("noise")),
        UrlKey("networkShape", "network_shape", _parse_shape,
               lambda c: ",".join(js_number(w) for w in c.network_shape)),
        UrlKey("seed", "seed", lambda key, value: value, lambda c: c.seed),
        UrlKey("showTestData", "show_test_data", _parse_bool, _field_writer("show_test_data")),
        UrlKey("discretize", "discretize", _parse_bool, _field_writer("discretize")),
        UrlKey("percTrainData", "train_percent", _parse_number,
               _field_writer("train_percent")),
        *(_feature_row(key) for key in ("x", "y", "xTimesY", "xSquared", "ySquared", "cosX",
                                         "sinX", "cosY", "sinY")),
        UrlKey("collectStats", None, _parse_bool, lambda c: "false"),
        UrlKey("tutorial", None, lambda key, value: value, lambda c: None),
        UrlKey("problem", "problem", _parse_choice(PROBLEMS, "a problem type"),
               lambda c: c.problem),
        UrlKey("initZero", None, _parse_bool, lambda c: _js(c.init == "zeros")),
        UrlKey("hideText", None, _parse_bool, lambda c: "false"),
    ]
    extra_parsers = {
        "optimizer": _parse_choice(OPTIMIZERS, "a optimizer"),
        "nesterov": _parse_bool,
        "loss": _parse_choice(LOSSES, "a loss"),
        "init": _parse_choice(INITIALIZERS, "an initializer"),
        "epochsPerSecond": _parse_speed,
    }
    for name, key in EXTRA_URL_KEYS.items():
        rows.append(UrlKey(key, name, extra_parsers.get(key, _parse_number),
                           _extra_writer(name), playground=False))
    return {row.key: row for row in rows}


#: Every key of Playground's URL and nbplayground's, in to_url's order: one row each.
URL_TABLE = MappingProxyType(_make_url_table())
#: Every key :meth:`Config.from_url` knows (besides ``<part>_hide``).
URL_KEYS = tuple(URL_TABLE)
assert URL_KEYS == PLAYGROUND_URL_KEYS + tuple(EXTRA_URL_KEYS.values())



# --------------------------------------------------------------------------------------
# What a change does (docs/playground.md §9)
# --------------------------------------------------------------------------------------

#: Applied immediately; training continues.  Playground has learning rate and
#: the two display checkboxes; nbplayground also applies the optimizer, its
#: hyper-parameters and the regularization rate live (Playground resets on a
#: regularization-rate change, see PLAYGROUND_RESET_FIELDS).  ``hide`` is
#: display only, but hiding a feature also changes ``features`` (a reset).
LIVE_FIELDS = frozenset({
    "learning_rate", "show_test_data", "discretize", "hide", "epochs_per_second",
    "optimizer", "momentum", "nesterov", "decay", "rho", "epsilon", "beta_1", "beta_2",
    "regularization_rate",
})
#: Rebuild the network with the next draws of the stream (no re-seed), keep
#: the data, pause.
RESET_FIELDS = frozenset({
    "activation", "regularization", "batch_size", "features", "network_shape", "init",
    "loss",
})
#: Draw a new seed, regenerate the data, then reset.  When ``seed`` itself is
#: among the changes, that seed is used instead of a new one (like loading a
#: URL: the data and the first weights follow from it).
REGENERATE_FIELDS = frozenset({"problem", "dataset", "noise", "train_percent", "seed"})
#: The controls on which Playground itself rebuilds the network (docs/playground.md §9):
#: every control except learning rate and the two display checkboxes.
PLAYGROUND_RESET_FIELDS = frozenset({
    "activation", "regularization", "regularization_rate", "batch_size", "features",
    "network_shape", "problem", "dataset", "noise", "train_percent",
})

assert LIVE_FIELDS | RESET_FIELDS | REGENERATE_FIELDS == set(_FIELD_NAMES)
assert not (LIVE_FIELDS & RESET_FIELDS or LIVE_FIELDS & REGENERATE_FIELDS
            or RESET_FIELDS & REGENERATE_FIELDS)
