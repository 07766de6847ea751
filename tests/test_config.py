"""Tests for nbplayground.config: defaults, validation, effects, dict and URL conversion.

The oracles are Playground's rules as docs/ states them (the URL, and which changes
reset or regenerate), the reference fragments in tests/data/playground-runs.json, the
ECMAScript number-to-string rules, and a small re-statement of Playground's URL
parser (``playground_parse`` below, after docs/playground.md §10.3) that checks Playground
itself would read our URLs back to the same state.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbplayground import config as cfg
from nbplayground.config import Config, ConfigError, ConfigTypeError

REFERENCE = Path(__file__).resolve().parent / "data" / "playground-runs.json"

# Spec 10.2, verbatim, with the placeholder seed made real.
SPEC_DEFAULT_FRAGMENT = (
    "#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03"
    "&regularizationRate=0&noise=0&networkShape=4,2&seed=0.xxxxx&showTestData=false"
    "&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false"
    "&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false"
    "&problem=classification&initZero=false&hideText=false"
)


def default_fragment(seed: str) -> str:
    return SPEC_DEFAULT_FRAGMENT.replace("seed=0.xxxxx", f"seed={seed}")


def assert_error(excinfo, *fragments: str) -> None:
    """The error message contains every fragment (field, value, what is allowed)."""
    message = str(excinfo.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


# ======================================================================================
# Defaults (docs/playground.md §9 and §10.2)
# ======================================================================================

def test_defaults_are_playgrounds():
    c = Config(seed="0.5")
    assert c.problem == "classification"
    assert c.dataset == "circle"
    assert c.noise == 0
    assert c.train_percent == 50
    assert c.batch_size == 10
    assert c.features == ("x", "y")
    assert c.network_shape == (4, 2)
    assert c.activation == "tanh"
    assert c.learning_rate == 0.03
    assert c.regularization is None
    assert c.regularization_rate == 0
    assert c.init == "playground"
    assert c.show_test_data is False and c.discretize is False
    assert c.hide == frozenset()
    assert c.loss == "squared"
    assert c.optimizer == "sgd" and c.momentum == 0 and c.nesterov is False and c.decay == 0
    assert (c.rho, c.epsilon, c.beta_1, c.beta_2) == (None, None, None, None)
    assert c.epochs_per_second == 60  # Playground's pace; None (as fast as possible) is a click away


def test_float_fields_are_floats_and_int_fields_ints():
    c = Config(noise=5, train_percent=70, learning_rate=1, regularization_rate=0, seed="1")
    for name in ("noise", "train_percent", "learning_rate", "regularization_rate"):
        assert type(getattr(c, name)) is float
    assert type(c.batch_size) is int
    assert all(type(w) is int for w in c.network_shape)


def test_regression_default_dataset():
    assert Config(problem="regression").dataset == "reg-plane"
    assert Config(problem="classification").dataset == "circle"
    # the problem follows a dataset given alone
    assert Config(dataset="reg-gauss").problem == "regression"
    assert Config(dataset="spiral").problem == "classification"


def test_multiclass_default_loss_is_cross_entropy():
    assert Config(dataset="gauss3").loss == "cross_entropy"
    assert Config(dataset="spiral3").num_classes == 3
    assert Config().num_classes == 2
    assert Config(problem="regression").num_classes is None
    assert Config(dataset="xor", loss="cross_entropy").loss == "cross_entropy"


def test_ui_constants_match_spec_section_9():
    assert cfg.LEARNING_RATES == (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3,
                                  10)
    assert cfg.REGULARIZATION_RATES == (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
    assert (cfg.MAX_HIDDEN_LAYERS, cfg.MAX_NEURONS, cfg.MIN_NEURONS,
            cfg.NEW_LAYER_NEURONS) == (6, 8, 1, 2)
    assert cfg.BATCH_SIZE_RANGE == (1, 30)
    assert (cfg.NOISE_RANGE, cfg.NOISE_STEP) == ((0, 50), 5)
    assert (cfg.TRAIN_PERCENT_RANGE, cfg.TRAIN_PERCENT_STEP) == ((10, 90), 10)
    assert cfg.TRAIN_PERCENT_LIMITS == (1, 99)
    assert cfg.PLAYGROUND_ACTIVATIONS == ("relu", "tanh", "sigmoid", "linear")
    assert set(cfg.PLAYGROUND_ACTIVATIONS) <= set(cfg.HIDDEN_ACTIVATIONS)
    assert {"elu", "softplus", "swish", "leaky_relu"} <= set(cfg.HIDDEN_ACTIVATIONS)
    assert cfg.PLAYGROUND_DATASETS["classification"] == ("circle", "xor", "gauss", "spiral")
    assert cfg.PLAYGROUND_DATASETS["regression"] == ("reg-plane", "reg-gauss")
    assert cfg.FEATURES == ("x", "y", "x_squared", "y_squared", "x_times_y", "sin_x",
                            "sin_y")
    assert len(cfg.PLAYGROUND_HIDEABLE_PARTS) == 15
    assert cfg.PLAYGROUND_EPOCHS_PER_SECOND == 60
    assert 60 in cfg.SPEEDS and None in cfg.SPEEDS
    assert "Playground" in cfg.SPEED_LABELS[60]
    assert set(cfg.SPEED_LABELS) == set(cfg.SPEEDS)
    # every default lies within the UI's menus and ranges
    c = Config(seed="1")
    assert c.learning_rate in cfg.LEARNING_RATES
    assert c.regularization_rate in cfg.REGULARIZATION_RATES
    assert cfg.BATCH_SIZE_RANGE[0] <= c.batch_size <= cfg.BATCH_SIZE_RANGE[1]
    assert len(c.network_shape) <= cfg.MAX_HIDDEN_LAYERS
    assert all(cfg.MIN_NEURONS <= w <= cfg.MAX_NEURONS for w in c.network_shape)


# ======================================================================================
# Seeds (docs/playground.md §2)
# ======================================================================================

def test_auto_seed_is_math_random_to_fixed_5():
    state = random.getstate()
    try:
        for k in range(50):
            random.seed(k)
            expected = random.random()
            random.seed(k)
            seed = Config().seed
            assert re.fullmatch(r"[01]\.\d{5}", seed), seed
            # toFixed(5) rounds half up on the exact binary value
            exact = Decimal(expected).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
            assert seed == str(exact)
    finally:
        random.setstate(state)


def test_auto_seed_differs_between_configs():
    seeds = {Config().seed for _ in range(20)}
    assert len(seeds) > 1


def test_seed_forms():
    assert Config(seed="0.61803").seed == "0.61803"
    assert Config(seed=42).seed == "42"
    assert Config(seed="hello.").seed == "hello."


@pytest.mark.parametrize("seed", ["", "a b", "a&b", "a=b", "#1", "caf\u00e9"])
def test_bad_seed_strings(seed):
    with pytest.raises(ConfigError) as e:
        Config(seed=seed)
    assert_error(e, f"seed={seed!r}", "non-empty", "'&'")


@pytest.mark.parametrize("seed", [0.5, True, b"1", [1]])
def test_bad_seed_types(seed):
    with pytest.raises(ConfigTypeError) as e:
        Config(seed=seed)
    assert_error(e, f"seed={seed!r}")


# ======================================================================================
# Validation
# ======================================================================================

def test_error_classes():
    assert issubclass(ConfigError, ValueError)
    assert issubclass(ConfigTypeError, ConfigError)
    assert issubclass(ConfigTypeError, TypeError)


@pytest.mark.parametrize("kwargs, fragments", [
    (dict(dataset="spirals"), ["dataset='spirals'", "not a dataset", "circle", "spiral3"]),
    (dict(problem="classification", dataset="reg-plane"),
     ["dataset='reg-plane'", "regression dataset", "problem='classification'"]),
    (dict(problem="regression", dataset="spiral"),
     ["dataset='spiral'", "classification dataset", "problem='regression'"]),
    (dict(problem="ranking"), ["problem='ranking'", "classification, regression"]),
    (dict(noise=-5), ["noise=-5", "[0, 80]"]),
    (dict(noise=85), ["noise=85", "[0, 80]"]),
    (dict(noise=math.nan), ["noise=nan", "[0, 80]"]),
    (dict(train_percent=0.5), ["train_percent=0.5", "[1, 99]", "10..90"]),
    (dict(train_percent=99.5), ["train_percent=99.5", "[1, 99]"]),
    (dict(train_percent=100), ["train_percent=100", "[1, 99]"]),
    (dict(batch_size=0), ["batch_size=0", "integer >= 1"]),
    (dict(batch_size=-3), ["batch_size=-3", "integer >= 1"]),
    (dict(features=("x", "z")), ["'z'", "not a feature", "x_squared"]),
    (dict(features=("x", "y", "x")), ["features=", "'x'", "more than once"]),
    (dict(network_shape=(4, 0)), ["network_shape[1]=0", "integer >= 1"]),
    (dict(network_shape=(-1,)), ["network_shape[0]=-1", "integer >= 1"]),
    (dict(activation="gelu"), ["activation='gelu'", "relu", "leaky_relu"]),
    (dict(activation="Tanh"), ["activation='Tanh'", "tanh"]),
    (dict(learning_rate=0), ["learning_rate=0", "finite number > 0"]),
    (dict(learning_rate=-0.1), ["learning_rate=-0.1", "> 0"]),
    (dict(learning_rate=math.nan), ["learning_rate=nan", "finite number > 0"]),
    (dict(learning_rate=math.inf), ["learning_rate=inf", "finite number > 0"]),
    (dict(regularization="L3"), ["regularization='L3'", "L1, L2"]),
    (dict(regularization="none"), ["regularization='none'", "None"]),
    (dict(regularization_rate=-1), ["regularization_rate=-1", ">= 0"]),
    (dict(regularization_rate=math.inf), ["regularization_rate=inf", "finite"]),
    (dict(init="xavier"), ["init='xavier'", "glorot_uniform", "he_normal"]),
    (dict(hide={"nothing"}), ["'nothing'", "hideable", "numNodes<k>"]),
    (dict(hide={"numNodes0"}), ["'numNodes0'", "hideable"]),
    (dict(hide={"numNodes01"}), ["'numNodes01'", "hideable"]),
    (dict(optimizer="lbfgs"), ["optimizer='lbfgs'", "sgd", "nadam"]),
    (dict(momentum=1.0), ["momentum=1.0", "[0, 1)"]),
    (dict(momentum=-0.1), ["momentum=-0.1", "[0, 1)"]),
    (dict(decay=-1e-3), ["decay=-0.001", ">= 0"]),
    (dict(rho=1), ["rho=1", "[0, 1)"]),
    (dict(epsilon=0), ["epsilon=0", "> 0"]),
    (dict(beta_1=1.5), ["beta_1=1.5", "[0, 1)"]),
    (dict(beta_2=-0.5), ["beta_2=-0.5", "[0, 1)"]),
    (dict(loss="hinge"), ["loss='hinge'", "squared, cross_entropy"]),
    (dict(problem="regression", loss="cross_entropy"),
     ["loss='cross_entropy'", "regression needs loss='squared'"]),
    (dict(dataset="gauss3", loss="squared"),
     ["loss='squared'", "'gauss3'", "cross_entropy", "softmax"]),
    (dict(epochs_per_second=0), ["epochs_per_second=0", "> 0", "60"]),
    (dict(epochs_per_second=-1.0), ["epochs_per_second=-1.0", "> 0"]),
])
def test_bad_values_name_field_value_and_allowed(kwargs, fragments):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", **kwargs)
    assert_error(e, *fragments)


@pytest.mark.parametrize("kwargs, fragments", [
    (dict(batch_size=True), ["batch_size=True"]),
    (dict(batch_size=10.0), ["batch_size=10.0", "integer"]),
    (dict(learning_rate=True), ["learning_rate=True"]),
    (dict(learning_rate="0.03"), ["learning_rate='0.03'"]),
    (dict(noise=None), ["noise=None"]),
    (dict(features="xy"), ["features='xy'", "list/tuple"]),
    (dict(features=None), ["features=None"]),
    (dict(features=(1,)), ["1", "not a feature"]),
    (dict(network_shape="42"), ["network_shape='42'", "list/tuple"]),
    (dict(network_shape=(4.0,)), ["network_shape[0]=4.0", "integer"]),
    (dict(network_shape=(True,)), ["network_shape[0]=True"]),
    (dict(activation=1), ["activation=1"]),
    (dict(hide="x"), ["hide='x'", "list/tuple"]),
    (dict(hide=[3]), ["3", "hideable"]),
    (dict(show_test_data=1), ["show_test_data=1", "True or False"]),
    (dict(discretize="false"), ["discretize='false'", "True or False"]),
    (dict(nesterov=None), ["nesterov=None", "True or False"]),
])
def test_wrong_types(kwargs, fragments):
    with pytest.raises(ConfigTypeError) as e:
        Config(seed="1", **kwargs)
    assert_error(e, *fragments)


def test_what_none_means_is_said_once_and_right():
    """epochs_per_second=None is 'as fast as possible', not 'the default' (60): the
    message used to say both."""
    with pytest.raises(ConfigError) as e:
        Config(seed="1", epochs_per_second=0)
    assert_error(e, "epochs_per_second=0", "> 0", "None for as fast as possible")
    assert "default" not in str(e.value)
    with pytest.raises(ConfigError) as e:   # where None is the default, it says so
        Config(seed="1", rho=1)
    assert_error(e, "rho=1", "[0, 1)", "None for the default")


def test_optimizer_setting_rules_are_configs_own():
    from nbplayground.config import OPTIMIZER_SETTING_RULES, check_optimizer_setting
    for name, (rule, ok) in OPTIMIZER_SETTING_RULES.items():
        assert name in Config.__dataclass_fields__
        assert check_optimizer_setting(name, np.float32(0.5)) == 0.5
        for bad in (-1.0, 1.0, math.inf):
            if not ok(bad) or not math.isfinite(bad):
                with pytest.raises(ConfigError, match=re.escape(f"{name}={bad!r}: must be {rule}")):
                    check_optimizer_setting(name, bad)
                with pytest.raises(ConfigError, match=re.escape(f"{name}={bad!r}")):
                    Config(seed="1", **{name: bad})
        with pytest.raises(ConfigTypeError, match=f"{name}=True"):
            check_optimizer_setting(name, True)


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError):
        Config("classification")  # the fields are keyword-only


def test_limits_beyond_the_ui_are_accepted():
    # URLs may carry these (docs/playground.md §10.3 / 11), so code may too.
    c = Config(seed="1", batch_size=100, network_shape=(20,) * 9, noise=80,
               learning_rate=0.5, regularization_rate=42)
    assert c.batch_size == 100 and c.network_shape == (20,) * 9 and c.noise == 80
    assert Config(seed="1", network_shape=()).network_shape == ()
    assert Config(seed="1", noise=12.5, train_percent=33.3).noise == 12.5


def test_features_sorted_into_playground_order_and_lists_become_tuples():
    c = Config(seed="1", features=["sin_y", "x", "x_squared"], network_shape=[3, 1])
    assert c.features == ("x", "x_squared", "sin_y")
    assert c.network_shape == (3, 1)
    assert Config(seed="1", features=()).features == ()
    assert Config(seed="1", features={"y", "x"}).features == ("x", "y")


def test_numpy_scalars_work():
    np = pytest.importorskip("numpy")
    c = Config(seed=np.int64(7), batch_size=np.int32(5), network_shape=np.array([3, 2]),
               learning_rate=np.float32(0.5), noise=np.int64(10),
               show_test_data=np.bool_(True))
    assert c.seed == "7" and c.batch_size == 5 and type(c.batch_size) is int
    assert c.network_shape == (3, 2) and all(type(w) is int for w in c.network_shape)
    assert c.learning_rate == 0.5 and type(c.learning_rate) is float
    assert c.noise == 10.0 and c.show_test_data is True
    with pytest.raises(ConfigTypeError):
        Config(seed="1", batch_size=np.bool_(True))


def test_hidden_features_are_removed():
    c = Config(seed="1", features=("x", "y", "x_squared"), hide={"xSquared", "noise"})
    assert c.features == ("x", "y")
    assert c.hide == frozenset({"xSquared", "noise"})
    assert isinstance(c.hide, frozenset)
    # hiding cos* (which Playground accepts) and layer buttons is fine
    c = Config(seed="1", hide=["cosX", "numNodes1", "numNodes12", "weightEditor"])
    assert c.hide == {"cosX", "numNodes1", "numNodes12", "weightEditor"}
    assert c.features == ("x", "y")


def test_every_hideable_part_is_accepted():
    for name in cfg.HIDEABLE_PARTS:
        assert cfg.is_hideable(name)
    c = Config(seed="1", hide=cfg.HIDEABLE_PARTS)
    assert c.features == ()
    for name in ("optimizer", "decay", "init", "loss", "speed", "accuracy", "regenerate",
                 "lossChart", "sameWeights", "weightEditor", "stepInside"):
        assert name in cfg.HIDEABLE_PARTS
    assert not cfg.is_hideable("numNodes") and not cfg.is_hideable("numNodesX")


def test_frozen_and_hashable():
    c = Config(seed="1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.noise = 10  # type: ignore[misc]
    assert hash(c) == hash(Config(seed="1"))
    assert c == Config(seed="1") and c != Config(seed="2")


# ======================================================================================
# replace() and diff()
# ======================================================================================

def test_replace_validates():
    c = Config(seed="1")
    assert c.replace(learning_rate=0.1).learning_rate == 0.1
    with pytest.raises(ConfigError) as e:
        c.replace(batch_size=0)
    assert_error(e, "batch_size=0")
    with pytest.raises(TypeError) as e:
        c.replace(batchsize=3, colour="red")
    assert_error(e, "batchsize", "colour", "batch_size")


def test_replace_problem_picks_its_default_dataset():
    c = Config(seed="1", dataset="spiral")
    r = c.replace(problem="regression")
    assert (r.problem, r.dataset) == ("regression", "reg-plane")
    back = r.replace(problem="classification")
    assert back.dataset == "circle"
    # same problem: the dataset stays
    assert c.replace(problem="classification").dataset == "spiral"
    # explicit pair
    r = c.replace(problem="regression", dataset="reg-gauss")
    assert r.dataset == "reg-gauss"


def test_replace_dataset_sets_problem_and_loss():
    c = Config(seed="1")
    r = c.replace(dataset="reg-gauss")
    assert (r.problem, r.dataset, r.loss) == ("regression", "reg-gauss", "squared")
    m = c.replace(dataset="spiral3")
    assert m.loss == "cross_entropy"  # squared was circle's default: follows the dataset
    assert m.replace(dataset="circle").loss == "squared"  # and back
    # a loss chosen on purpose is kept while it is allowed
    chosen = c.replace(loss="cross_entropy")
    assert chosen.replace(dataset="xor").loss == "cross_entropy"
    assert chosen.replace(problem="regression").loss == "squared"
    with pytest.raises(ConfigError):
        c.replace(dataset="spiral3", loss="squared")


def test_diff():
    a = Config(seed="1")
    assert a.diff(a) == frozenset()
    b = a.replace(learning_rate=0.1, network_shape=(3,), noise=10)
    assert a.diff(b) == {"learning_rate", "network_shape", "noise"}
    assert b.diff(a) == a.diff(b)
    with pytest.raises(TypeError):
        a.diff({"seed": "1"})


def test_field_effects_partition_and_spec_section_9():
    names = {f.name for f in dataclasses.fields(Config)}
    live, reset, regen = cfg.LIVE_FIELDS, cfg.RESET_FIELDS, cfg.REGENERATE_FIELDS
    assert live | reset | regen == names
    assert not (live & reset) and not (live & regen) and not (reset & regen)
    # docs/playground.md §9: applied immediately in Playground
    assert {"learning_rate", "show_test_data", "discretize"} <= live
    # docs/playground.md §9: new seed + regenerate + reset
    assert {"problem", "dataset", "noise", "train_percent"} <= regen
    # docs/playground.md §9: reset only
    assert {"activation", "regularization", "batch_size", "features",
            "network_shape"} <= reset
    # Playground resets on these; we apply the regularization rate live (on purpose)
    assert cfg.PLAYGROUND_RESET_FIELDS == {
        "activation", "regularization", "regularization_rate", "batch_size", "features",
        "network_shape", "problem", "dataset", "noise", "train_percent"}
    assert cfg.PLAYGROUND_RESET_FIELDS - {"regularization_rate"} <= reset | regen
    assert "regularization_rate" in live
    assert not ({"learning_rate", "show_test_data", "discretize"}
                & cfg.PLAYGROUND_RESET_FIELDS)
    assert {"optimizer", "momentum", "nesterov", "decay", "rho", "epsilon", "beta_1",
            "beta_2", "epochs_per_second", "hide"} <= live
    assert {"init", "loss"} <= reset


# ======================================================================================
# dict / JSON
# ======================================================================================

def test_to_dict_is_json_safe_and_round_trips():
    c = Config(seed="7", features=("x", "sin_x"), network_shape=(3, 3),
               hide={"noise", "numNodes2", "dataset"}, optimizer="adam", beta_2=0.99,
               epochs_per_second=60)
    d = c.to_dict()
    assert d["features"] == ["x", "sin_x"] and d["network_shape"] == [3, 3]
    assert d["hide"] == sorted(["noise", "numNodes2", "dataset"])
    assert set(d) == {f.name for f in dataclasses.fields(Config)}
    text = json.dumps(d)
    assert Config.from_dict(json.loads(text)) == c
    assert Config.from_json(c.to_json()) == c


def test_from_dict_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValueError) as e:
        Config.from_dict({"seed": "1", "colour": "red"})
    assert_error(e, "colour", "seed")
    with pytest.raises(ConfigError) as e:
        Config.from_dict({"seed": "1", "batch_size": 0})
    assert_error(e, "batch_size=0")
    with pytest.raises(TypeError):
        Config.from_dict([("seed", "1")])
    # missing keys take the defaults
    assert Config.from_dict({"seed": "1", "problem": "regression"}) == \
        Config(seed="1", problem="regression")


# ======================================================================================
# JavaScript number formatting
# ======================================================================================

@pytest.mark.parametrize("value, js", [
    # ECMAScript Number::toString examples
    (0.03, "0.03"), (1e-5, "0.00001"), (0.000001, "0.000001"), (1e-7, "1e-7"),
    (1.5e-7, "1.5e-7"), (10, "10"), (50.0, "50"), (0, "0"), (-0.0, "0"), (12.5, "12.5"),
    (-0.5, "-0.5"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
    (1.2345e25, "1.2345e+25"), (2 ** 53, "9007199254740992"), (0.1 + 0.2,
                                                               "0.30000000000000004"),
    (123.456, "123.456"), (5e-324, "5e-324"),
])
def test_js_number(value, js):
    assert cfg.js_number(value) == js


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_reads_back(x):
    assert float(cfg.js_number(x)) == x


# ======================================================================================
# URL: Playground's own fragments
# ======================================================================================

def test_spec_default_fragment_parses_to_default_config():
    fragment = default_fragment("0.35116")
    assert Config.from_url(fragment) == Config(seed="0.35116")
    assert Config.from_url(fragment[1:]) == Config(seed="0.35116")
    assert Config.from_url("https://playground.tensorflow.org/" + fragment) == \
        Config(seed="0.35116")


def test_default_config_writes_spec_default_fragment_exactly():
    for seed in ("0.35116", "0.61803", "0.00000"):
        c = Config(seed=seed)
        assert c.to_url() == default_fragment(seed)
        assert c.to_url(full=True) == "https://playground.tensorflow.org/" + \
            default_fragment(seed)
    auto = Config()
    assert auto.to_url() == default_fragment(auto.seed)


def reference_runs():
    return json.loads(REFERENCE.read_text())["runs"]


def test_reference_fragments_parse():
    runs = reference_runs()
    assert len(runs) == 4
    expected = [
        Config(seed="0.61803"),
        Config(seed="0.23607"),
        Config(seed="0.85410", network_shape=(3,)),
        Config(seed="0.61803", problem="regression"),
    ]
    for run, want in zip(runs, expected):
        got = Config.from_url(run["fragment"])
        assert got == want, run["description"]
        assert playground_parse(got.to_url()) == playground_parse(run["fragment"])


def test_no_seed_in_url_draws_one():
    c = Config.from_url("#activation=relu")
    assert re.fullmatch(r"[01]\.\d{5}", c.seed)
    assert c.activation == "relu"
    # an empty fragment or a bare URL give Playground's defaults
    for text in ("", "#", "https://playground.tensorflow.org/",
                 "https://playground.tensorflow.org/#"):
        c = Config.from_url(text)
        assert c == Config(seed=c.seed)


def test_url_regression_dataset_handling():
    c = Config.from_url("#dataset=xor&regDataset=reg-gauss&problem=regression&seed=1")
    assert (c.problem, c.dataset) == ("regression", "reg-gauss")
    c = Config.from_url("#dataset=xor&regDataset=reg-gauss&problem=classification&seed=1")
    assert (c.problem, c.dataset) == ("classification", "xor")
    c = Config.from_url("#problem=regression&seed=1")
    assert c.dataset == "reg-plane"
    # a regression config writes the classification default into `dataset`
    url = Config(seed="1", dataset="reg-gauss").to_url()
    assert "&dataset=circle&regDataset=reg-gauss&" in url and "problem=regression" in url
    url = Config(seed="1", dataset="xor").to_url()
    assert "&dataset=xor&regDataset=reg-plane&" in url


def test_url_empty_network_shape_and_empty_values():
    assert Config.from_url("#networkShape=&seed=1").network_shape == ()
    assert Config(seed="1", network_shape=()).to_url().count("&networkShape=&") == 1
    # other empty values count as absent, as in Playground
    c = Config.from_url("#activation=&batchSize=&x=&seed=1")
    assert c == Config(seed="1")


def test_url_regularization():
    c = Config.from_url("#regularization=L2&regularizationRate=0.003&seed=1")
    assert (c.regularization, c.regularization_rate) == ("L2", 0.003)
    assert "&regularization=L2&batchSize=" in c.to_url()
    assert Config.from_url("#regularization=none&seed=1").regularization is None
    assert "regularization=" not in Config(seed="1").to_url().replace(
        "regularizationRate=", "")


def test_url_init_zero():
    c = Config.from_url(default_fragment("1").replace("initZero=false", "initZero=true"))
    assert c.init == "zeros"
    assert "&initZero=true&" in c.to_url() and "&init=" not in c.to_url()
    h = Config(seed="1", init="he_normal")
    assert "&initZero=false&" in h.to_url() and "&init=he_normal" in h.to_url()
    assert Config.from_url(h.to_url()) == h
    with pytest.raises(ConfigError) as e:
        Config.from_url("#initZero=true&init=glorot_uniform&seed=1")
    assert_error(e, "initZero", "init='glorot_uniform'")


def test_url_ignored_playground_keys():
    fragment = default_fragment("1").replace("cosX=false", "cosX=true").replace(
        "cosY=false", "cosY=true")
    c = Config.from_url(fragment + "&tutorial=anything")
    assert c == Config(seed="1")
    c = Config.from_url("#hideText=true&collectStats=true&seed=1")
    assert c == Config(seed="1")


def test_url_hide_flags():
    c = Config.from_url(default_fragment("1") + "&x_hide=true&noise_hide=true"
                        "&numNodes2_hide=true&batchSize_hide=false&speed_hide=true")
    assert c.hide == {"x", "noise", "numNodes2", "speed"}
    assert c.features == ("y",)  # a hidden feature is removed even if x=true
    url = c.to_url()
    assert url.endswith("&noise_hide=true&x_hide=true&speed_hide=true&numNodes2_hide=true")
    assert "&x=false&" in url
    assert Config.from_url(url) == c
    with pytest.raises(ConfigError) as e:
        Config.from_url("#bogus_hide=true&seed=1")
    assert_error(e, "bogus_hide", "'bogus'", "hideable")
    with pytest.raises(ConfigError) as e:
        Config.from_url("#noise_hide=yes&seed=1")
    assert_error(e, "noise_hide", "'yes'", "true or false")


def test_url_beyond_playground_extras():
    c = Config(seed="1", optimizer="adam", momentum=0.5, nesterov=True, decay=0.01, rho=0.9,
               epsilon=1e-7, beta_1=0.8, beta_2=0.999, loss="cross_entropy",
               init="glorot_normal", epochs_per_second=250, activation="swish")
    url = c.to_url()
    tail = url.split("&hideText=false", 1)[1]
    assert tail == ("&optimizer=adam&momentum=0.5&nesterov=true&decay=0.01&rho=0.9"
                    "&epsilon=1e-7&beta1=0.8&beta2=0.999&loss=cross_entropy"
                    "&init=glorot_normal&epochsPerSecond=250")
    assert Config.from_url(url) == c
    assert url.startswith("#activation=swish&")


def test_url_multiclass_round_trip():
    c = Config(seed="1", dataset="spiral3")
    url = c.to_url()
    assert "&dataset=spiral3&" in url and "&loss=cross_entropy" in url
    assert Config.from_url(url) == c
    assert Config.from_url("#dataset=gauss3&seed=1").loss == "cross_entropy"
    # Playground ignores the unknown dataset and shows its default
    assert playground_parse(url)["dataset"] == "circle"


@pytest.mark.parametrize("fragment, fragments", [
    ("noise=90", ["noise='90'", "[0, 80]"]),
    ("noise=-5", ["noise='-5'", "[0, 80]"]),
    ("dataset=spirals", ["dataset='spirals'", "circle, xor, gauss, spiral"]),
    ("dataset=reg-plane", ["dataset='reg-plane'", "regDataset"]),
    ("regDataset=circle", ["regDataset='circle'", "dataset="]),
    ("regDataset=reg-cube", ["regDataset='reg-cube'", "reg-plane, reg-gauss"]),
    ("activation=softmax", ["activation='softmax'", "tanh"]),
    ("regularization=l1", ["regularization='l1'", "none, L1, L2"]),
    ("problem=ranking", ["problem='ranking'", "classification, regression"]),
    ("learningRate=abc", ["learningRate='abc'", "decimal number"]),
    ("learningRate=0x10", ["learningRate='0x10'", "decimal number"]),
    ("learningRate=Infinity", ["learningRate='Infinity'", "decimal number"]),
    ("learningRate=0", ["learningRate='0'", "> 0"]),
    ("learningRate=%200.1", ["learningRate='%200.1'"]),
    ("batchSize=0", ["batchSize='0'", "integer >= 1"]),
    ("batchSize=2.5", ["batchSize='2.5'", "integer"]),
    ("networkShape=4,,2", ["networkShape='4,,2'", "comma-separated integers"]),
    ("networkShape=4,a", ["networkShape='4,a'", "comma-separated integers"]),
    ("networkShape=0", ["networkShape='0'", "integer >= 1"]),
    ("percTrainData=100", ["percTrainData='100'", "[1, 99]"]),
    ("showTestData=yes", ["showTestData='yes'", "true or false"]),
    ("x=0", ["x='0'", "true or false"]),
    ("collectStats=maybe", ["collectStats='maybe'", "true or false"]),
    ("initZero=1", ["initZero='1'", "true or false"]),
    ("colour=red", ["'colour'", "unknown key", "activation", "percTrainData"]),
    ("seed", ["'seed'", "no '=value'"]),
    ("seed=1&seed=2", ["'seed'", "twice"]),
    ("seed=a=b", ["seed='a=b'", "'='"]),
    ("optimizer=lbfgs", ["optimizer='lbfgs'", "adam"]),
    ("momentum=1", ["momentum='1'", "[0, 1)"]),
    ("nesterov=1", ["nesterov='1'", "true or false"]),
    ("beta1=2", ["beta1='2'", "[0, 1)"]),
    ("epochsPerSecond=0", ["epochsPerSecond='0'", "> 0"]),
    ("problem=regression&loss=cross_entropy", ["loss='cross_entropy'", "squared"]),
    ("dataset=gauss3&loss=squared", ["loss='squared'", "cross_entropy"]),
    ("init=xavier", ["init='xavier'", "glorot_uniform"]),
])
def test_bad_url_values_raise(fragment, fragments):
    with pytest.raises(ConfigError) as e:
        Config.from_url("#" + fragment + ("" if "seed" in fragment else "&seed=1"))
    assert_error(e, "URL", *fragments)


def test_url_noise_up_to_80_is_accepted():
    assert Config.from_url("#noise=80&seed=1").noise == 80
    assert Config.from_url("#noise=65&seed=1").noise == 65


def test_url_train_percent_beyond_the_slider_splits_as_playground():
    """percTrainData=95 (a hand-edited link): Playground splits floor(N * 95 / 100)."""
    from nbplayground import Trainer
    c = Config.from_url("#percTrainData=95&dataset=xor&seed=1")
    assert c.train_percent == 95
    arrays = Trainer(c).training_arrays()
    assert (arrays.n_train, arrays.all_x.shape[1]) == (475, 500)
    assert Config.from_url(c.to_url()).train_percent == 95
    assert Trainer(Config(seed="1", train_percent=1)).training_arrays().n_train == 5


def test_url_numbers_with_exponent():
    c = Config.from_url("#learningRate=1e-7&regularizationRate=3E-3&seed=1")
    assert (c.learning_rate, c.regularization_rate) == (1e-7, 0.003)
    assert "&learningRate=1e-7&" in c.to_url()


def test_url_values_not_decoded_seed_kept_verbatim():
    c = Config.from_url("#seed=abc%20d")
    assert c.seed == "abc%20d"


def test_from_url_type_check():
    with pytest.raises(TypeError):
        Config.from_url(None)  # type: ignore[arg-type]


# ======================================================================================
# Playground's parser (docs/playground.md §10.3), restated as an oracle
# ======================================================================================

_PG_ENUMS = {
    "activation": ("relu", "tanh", "sigmoid", "linear"),
    "regularization": ("none", "L1", "L2"),
    "dataset": ("circle", "xor", "gauss", "spiral"),
    "regDataset": ("reg-plane", "reg-gauss"),
    "problem": ("classification", "regression"),
}
_PG_DEFAULTS = {
    "activation": "tanh", "regularization": "none", "batchSize": 10, "dataset": "circle",
    "regDataset": "reg-plane", "learningRate": 0.03, "regularizationRate": 0, "noise": 0,
    "networkShape": [4, 2], "seed": None, "showTestData": False, "discretize": False,
    "percTrainData": 50, "x": True, "y": True, "xTimesY": False, "xSquared": False,
    "ySquared": False, "cosX": False, "sinX": False, "cosY": False, "sinY": False,
    "collectStats": False, "tutorial": None, "problem": "classification", "initZero": False,
    "hideText": False,
}


def playground_parse(fragment: str) -> dict:
    """What Playground's State.deserializeState makes of a fragment (docs/playground.md §10.3)."""
    pairs = {}
    for piece in fragment.lstrip("#").split("&"):
        parts = piece.split("=")
        pairs[parts[0]] = parts[1] if len(parts) > 1 else None
    state = dict(_PG_DEFAULTS)
    for name, default in _PG_DEFAULTS.items():
        if name not in pairs:
            continue
        value = pairs[name]
        if name == "networkShape":
            state[name] = [] if value.strip() == "" else [float(v) for v in value.split(",")]
            continue
        if value is None or value.strip() == "":
            continue
        if name in _PG_ENUMS:
            if value in _PG_ENUMS[name]:
                state[name] = value
        elif isinstance(default, bool):
            state[name] = value != "false"
        elif name in ("seed", "tutorial"):
            state[name] = value
        else:
            state[name] = float(value)
    state["hidden"] = sorted(k[:-5] for k, v in pairs.items()
                             if k.endswith("_hide") and v == "true")
    return state


def playground_view(c: Config) -> dict:
    """The Playground state a Playground-compatible Config stands for."""
    keys = {v: k for k, v in cfg.FEATURE_URL_KEYS.items()}
    state = dict(_PG_DEFAULTS)
    state.update({
        "activation": c.activation, "regularization": c.regularization or "none",
        "batchSize": c.batch_size, "learningRate": c.learning_rate,
        "regularizationRate": c.regularization_rate, "noise": c.noise,
        "networkShape": list(c.network_shape), "seed": c.seed,
        "showTestData": c.show_test_data, "discretize": c.discretize,
        "percTrainData": c.train_percent, "problem": c.problem,
        "initZero": c.init == "zeros",
    })
    if c.problem == "classification":
        state["dataset"] = c.dataset
    else:
        state["regDataset"] = c.dataset
    for url_key, feature in keys.items():
        state[url_key] = feature in c.features
    state["hidden"] = sorted(c.hide)
    return state


# ======================================================================================
# Property tests
# ======================================================================================

finite = dict(allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0, max_value=1, exclude_max=True, **finite)
positive = st.floats(min_value=1e-300, max_value=1e300, **finite)
seeds = st.text(alphabet=[chr(c) for c in range(0x21, 0x7F) if chr(c) not in "&=#"],
                min_size=1, max_size=12)
hide_names = st.sampled_from(cfg.HIDEABLE_PARTS) | st.integers(1, 20).map(
    lambda k: f"numNodes{k}")


@st.composite
def configs(draw, playground_only: bool = False):
    problem = draw(st.sampled_from(cfg.PROBLEMS))
    datasets = (cfg.PLAYGROUND_DATASETS if playground_only else cfg.DATASETS_BY_PROBLEM)
    dataset = draw(st.sampled_from(datasets[problem]))
    kwargs = dict(
        problem=problem, dataset=dataset,
        noise=draw(st.floats(0, 80, **finite)),
        train_percent=draw(st.floats(10, 90, **finite)),
        batch_size=draw(st.integers(1, 1000)),
        features=draw(st.lists(st.sampled_from(cfg.FEATURES), unique=True)),
        network_shape=draw(st.lists(st.integers(1, cfg.LIMIT_NEURONS),
                                    max_size=cfg.LIMIT_HIDDEN_LAYERS)),
        activation=draw(st.sampled_from(cfg.PLAYGROUND_ACTIVATIONS if playground_only
                                        else cfg.HIDDEN_ACTIVATIONS)),
        learning_rate=draw(positive),
        regularization=draw(st.sampled_from(cfg.REGULARIZATIONS)),
        regularization_rate=draw(st.just(0.0) | positive),
        seed=draw(seeds),
        init=draw(st.sampled_from(("playground", "zeros") if playground_only
                                  else cfg.INITIALIZERS)),
        show_test_data=draw(st.booleans()),
        discretize=draw(st.booleans()),
        hide=draw(st.frozensets(hide_names, max_size=6)),
    )
    if not playground_only:
        kwargs.update(
            optimizer=draw(st.sampled_from(cfg.OPTIMIZERS)),
            momentum=draw(unit), nesterov=draw(st.booleans()),
            decay=draw(st.just(0.0) | positive),
            rho=draw(st.none() | unit), epsilon=draw(st.none() | positive),
            beta_1=draw(st.none() | unit), beta_2=draw(st.none() | unit),
            epochs_per_second=draw(st.none() | positive),
        )
        if problem == "classification" and dataset not in cfg.MULTICLASS_DATASETS:
            kwargs["loss"] = draw(st.sampled_from(cfg.LOSSES))
    shape = kwargs["network_shape"]
    while cfg.parameter_count(len(kwargs["features"]), shape, 3) > cfg.LIMIT_PARAMETERS:
        shape = shape[:-1]  # within LIMIT_PARAMETERS
    kwargs["network_shape"] = shape
    return Config(**kwargs)


@settings(max_examples=200, deadline=None)
@given(configs())
def test_url_round_trip(c):
    assert Config.from_url(c.to_url()) == c
    assert Config.from_url(c.to_url(full=True)) == c


@settings(max_examples=200, deadline=None)
@given(configs())
def test_dict_round_trip(c):
    assert Config.from_dict(json.loads(json.dumps(c.to_dict()))) == c


@settings(max_examples=200, deadline=None)
@given(configs(playground_only=True))
def test_playground_reads_our_url_as_the_same_state(c):
    assert c.playground_incompatibilities() == ()
    url = c.to_url()
    tail = url.split("&hideText=false", 1)[1]
    assert all(piece.endswith("_hide=true") for piece in tail.split("&")[1:])
    assert playground_parse(url) == playground_view(c)


@settings(max_examples=100, deadline=None)
@given(configs())
def test_url_keys_in_spec_order(c):
    keys = [piece.split("=")[0] for piece in c.to_url()[1:].split("&")]
    known = [k for k in keys if k in cfg.PLAYGROUND_URL_KEYS]
    assert known == sorted(known, key=cfg.PLAYGROUND_URL_KEYS.index)
    assert keys[:len(known)] == known  # Playground's keys first
    assert len(set(keys)) == len(keys)


@settings(max_examples=100, deadline=None)
@given(configs(), st.data())
def test_replace_with_own_values_is_identity_and_diff_is_exact(c, data):
    assert c.replace() == c
    name = data.draw(st.sampled_from(["learning_rate", "batch_size", "noise", "seed"]))
    new = {"learning_rate": c.learning_rate * 2 if c.learning_rate < 1e300 else 1.0,
           "batch_size": c.batch_size + 1,
           "noise": 0.0 if c.noise else 5.0,
           "seed": c.seed + "x"}[name]
    assert c.diff(c.replace(**{name: new})) == {name}


bad_numbers = st.sampled_from([math.nan, math.inf, -math.inf])


@given(st.floats(max_value=0, **finite) | bad_numbers)
def test_random_bad_learning_rates_rejected(x):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", learning_rate=x)
    assert_error(e, f"learning_rate={x!r}")


@given(st.floats(allow_nan=True).filter(lambda x: not 0 <= x <= 80))
def test_random_bad_noise_rejected(x):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", noise=x)
    assert_error(e, f"noise={x!r}")


@given(st.floats(allow_nan=True).filter(lambda x: not 0 <= x < 1))
def test_random_bad_momentum_rejected(x):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", momentum=x)
    assert_error(e, f"momentum={x!r}")


@given(st.integers(max_value=0))
def test_random_bad_batch_sizes_rejected(n):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", batch_size=n)
    assert_error(e, f"batch_size={n}")


@given(st.text(max_size=8).filter(lambda s: s not in cfg.DATASETS))
def test_random_bad_dataset_names_rejected(name):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", dataset=name)
    assert_error(e, f"dataset={name!r}", "allowed")


# ======================================================================================
# Limits and the errors promised for any value (issue 11, item 2)
# ======================================================================================

@pytest.mark.parametrize("name", ["noise", "train_percent", "learning_rate",
                                  "regularization_rate", "momentum", "decay", "rho",
                                  "epsilon", "beta_1", "beta_2", "epochs_per_second"])
@pytest.mark.parametrize("value", [10**400, -10**400, "fraction"])
def test_huge_numbers_in_float_fields_name_the_field(name, value):
    from fractions import Fraction
    if value == "fraction":
        value = Fraction(10**400, 3)
    with pytest.raises(ConfigError) as e:   # not OverflowError
        Config(seed="1", **{name: value})
    assert e.value.field == name
    assert_error(e, f"{name}=")


@pytest.mark.parametrize("value", [10**400, cfg.LIMIT_BATCH_SIZE + 1, 2**53 + 1])
def test_batch_size_has_a_maximum(value):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", batch_size=value)
    assert e.value.field == "batch_size"
    assert_error(e, "batch_size=", f"<= {cfg.LIMIT_BATCH_SIZE}")
    assert Config(seed="1", batch_size=cfg.LIMIT_BATCH_SIZE).batch_size == cfg.LIMIT_BATCH_SIZE


def test_network_limits_layers_neurons_and_parameters():
    deepest = (2,) * cfg.LIMIT_HIDDEN_LAYERS
    assert Config(seed="1", network_shape=deepest).network_shape == deepest
    with pytest.raises(ConfigError) as e:
        Config(seed="1", network_shape=deepest + (2,))
    assert e.value.field == "network_shape"
    assert_error(e, f"{cfg.LIMIT_HIDDEN_LAYERS + 1} hidden layers", "at most")
    with pytest.raises(ConfigError) as e:
        Config(seed="1", network_shape=(3000, 3000))
    assert_error(e, "network_shape[0]=3000", f"<= {cfg.LIMIT_NEURONS}")
    widest = (cfg.LIMIT_NEURONS,) * cfg.LIMIT_HIDDEN_LAYERS
    features = tuple(cfg.FEATURES)
    count = cfg.parameter_count(len(features), widest)
    assert count > cfg.LIMIT_PARAMETERS
    with pytest.raises(ConfigError) as e:
        Config(seed="1", network_shape=widest, features=features, dataset="spiral3")
    assert_error(e, "parameters", str(cfg.LIMIT_PARAMETERS))
    # parameter_count is the network's own count
    from nbplayground.losses import head_for
    from nbplayground.network import Network
    net = Network((2, 4, 2, 3), "tanh", head_for("classification", "cross_entropy", 3))
    assert cfg.parameter_count(2, (4, 2), 3) == net.size


@pytest.mark.parametrize("fragment, key, text", [
    ("networkShape=3000,3000", "networkShape", "3000,3000"),
    ("networkShape=" + ",".join(["1"] * 11), "networkShape", "11 hidden layers"),
    ("batchSize=9007199254740993", "batchSize", "9007199254740993"),
    ("batchSize=" + "9" * 500, "batchSize", "decimal number"),
    ("learningRate=1e400", "learningRate", "1e400"),
    ("noise=" + "1" * 390, "noise", "noise="),
])
def test_url_limits_and_big_numbers_name_the_key(fragment, key, text):
    with pytest.raises(ConfigError) as e:
        Config.from_url(fragment)
    assert e.value.field == key
    assert_error(e, key, text)


def test_url_integers_are_read_exactly():
    """Above 2**53 a float would round 9007199254740993 to ...992: ints stay exact."""
    assert cfg._parse_number("k", "9007199254740993") == 9007199254740993
    c = Config.from_url("batchSize=30&networkShape=32,1")
    assert Config.from_url(c.to_url()) == c


def test_deep_json_is_a_config_error():
    with pytest.raises(ConfigError):
        Config.from_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError):
        Config.from_json("{not json")


def test_url_table_reads_and_writes_every_key():
    """One table of keys: from_url and to_url both run off URL_TABLE, which sets every
    field of Config that a URL carries."""
    assert cfg.URL_KEYS == tuple(cfg.URL_TABLE)
    keys = [piece.split("=")[0] for piece in Config(seed="1").to_url()[1:].split("&")]
    written = [row.key for row in cfg.URL_TABLE.values() if row.write(Config(seed="1"))]
    assert keys == written and "regularization" not in keys and "optimizer" not in keys
    fields = {row.field.split(".")[0] for row in cfg.URL_TABLE.values() if row.field}
    # dataset comes from dataset/regDataset with problem, hide from <part>_hide keys
    assert fields | {"dataset", "hide"} == set(cfg._FIELD_NAMES)


def test_long_lists_are_refused_quickly():
    import time
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="given more than once"):
        Config(seed="1", features=["x"] * 200_000)
    with pytest.raises(ConfigError, match="hidden layers"):
        Config(seed="1", network_shape=[1] * 1_000_000)
    assert time.perf_counter() - start < 2.0


def test_a_huge_int_seed_names_the_field():
    with pytest.raises(ConfigError) as e:
        Config(seed=10**5000)
    assert e.value.field == "seed"
    assert Config(seed=10**299).seed == str(10**299)


@pytest.mark.parametrize("field", ["activation", "discretize", "dataset", "features",
                                   "hide", "init", "loss"])
def test_a_value_whose_repr_fails_still_names_the_field(field):
    with pytest.raises(ConfigError) as e:
        Config(seed="1", **{field: 10**5000})
    assert e.value.field == field

def test_as_fast_as_possible_is_remembered_in_the_url():
    fast = Config(seed="1", epochs_per_second=None)
    assert "epochsPerSecond=max" in fast.to_url()
    assert Config.from_url(fast.to_url()).epochs_per_second is None
    assert "epochsPerSecond" not in Config(seed="1").to_url()  # the default: Playground's 60


def test_the_docstring_names_every_optimizer_that_uses_momentum():
    """It said momentum affects "sgd" only, but RMSprop takes Keras's momentum too."""
    from nbplayground import Trainer, optimizers
    users = sorted(n for n, names in optimizers.HYPERPARAMETERS.items() if "momentum" in names)
    text = " ".join(Config.__doc__.split())
    sentence = re.search(r"``momentum`` affects ([^,]*(?:, [^,`]*)*?), ``nesterov``", text)
    assert sentence and sorted(re.findall(r'"(\w+)"', sentence.group(1))) == users
    losses = []
    for momentum in (0.0, 0.9):   # and it does change an RMSprop run
        t = Trainer(Config(seed="m", optimizer="rmsprop", momentum=momentum))
        t.step(2)
        losses.append(t.train_loss)
    assert losses[0] != losses[1]


def test_settings_after_a_question_mark_are_refused_not_lost():
    """'...org/?dataset=xor' used to give Playground's defaults (the circle) without a word."""
    with pytest.raises(ConfigError, match=r"settings after '\?'; Playground reads them after '#'"):
        Config.from_url("https://playground.tensorflow.org/?dataset=xor&networkShape=5")
    assert Config.from_url("https://playground.tensorflow.org/").dataset == "circle"
    assert Config.from_url("https://playground.tensorflow.org/?#dataset=xor").dataset == "xor"


@pytest.mark.parametrize("field, value", [
    ("hide", {"noise": True, "batchSize": False}),
    ("features", {"x": True, "y": False}),
    ("network_shape", {4: "a", 2: "b"}),
])
def test_a_dict_of_flags_is_refused_not_read_as_its_keys(field, value):
    """hide={"noise": True, "batchSize": False} (Playground's URL flags as a dict) used to
    hide batchSize too: iterating a dict drops its values. Refuse it, naming the field."""
    with pytest.raises(ConfigTypeError, match=rf"{field}=.*not a dict"):
        Config(seed="1", **{field: value})


def test_the_readme_names_every_hide_part_of_ours():
    from pathlib import Path
    row = next(line for line in (Path(__file__).parents[1] / "README.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("| Hidden parts |"))
    ours = cfg.HIDEABLE_PARTS[cfg.HIDEABLE_PARTS.index("cosY") + 1:]
    assert ours and all(f"`{name}`" in row for name in ours)
