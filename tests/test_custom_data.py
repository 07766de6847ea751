"""Your own data (nbplayground.custom_data): checks, inference rules, labels, domain, split."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from nbplayground import custom_data as cd
from nbplayground import datasets as ds
from nbplayground.custom_data import (CustomData, CustomDataError, CustomDataTypeError,
                                      add_point, check_trainable, empty, fit_domain, split,
                                      validate)
from nbplayground.config import Config
from nbplayground.custom_data import check_config, fit_config
from nbplayground.seedrandom import SeedRandom

RNG = np.random.default_rng(12345)
X10 = RNG.normal(size=(10, 2))


def _error(data, problem=None, exc=CustomDataError):
    with pytest.raises(exc) as info:
        validate(data, problem)
    return str(info.value), info.value


# --------------------------------------------------------------------------------------
# Bad input: every case raises a ValueError naming the argument and the value.
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("X, fragments", [
    (np.zeros((10, 3)), ["X", "(10, 3)", "(n, 2)"]),
    (np.zeros(10), ["X", "(10,)", "(n, 2)"]),
    (np.zeros((2, 10)), ["X", "(2, 10)", "X.T"]),
    (np.zeros((10, 2, 1)), ["X", "(10, 2, 1)"]),
])
def test_x_of_the_wrong_shape(X, fragments):
    message, exc = _error((X, np.arange(10) % 2))
    assert isinstance(exc, ValueError)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_infinity_in_x(bad):
    X = X10.copy()
    X[3, 1] = bad
    message, exc = _error((X, np.arange(10) % 2))
    assert exc.field == "X" and "row 3" in message and "finite" in message


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nan_or_infinity_in_y(bad):
    y = np.linspace(0, 1, 10)
    y[7] = bad
    message, exc = _error((X10, y))
    assert exc.field == "y" and "y[7]" in message and repr(bad) in message


def test_mismatched_lengths():
    message, exc = _error((X10, [0, 1] * 4))
    assert exc.field == "y" and "8 labels" in message and "10 points" in message


def test_y_of_the_wrong_shape():
    message, _ = _error((X10, np.zeros((10, 2))))
    assert "(10, 2)" in message


def test_a_column_of_labels_is_accepted():
    custom = validate((X10, (np.arange(10) % 2).reshape(-1, 1)))
    assert custom.labels.shape == (10,)


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_points(n):
    message, exc = _error((np.zeros((n, 2)), np.arange(n)))
    assert exc.field == "X" and f"{n} point" in message and "at least 2" in message


@pytest.mark.parametrize("problem", [None, "classification"])
def test_a_single_class(problem):
    message, exc = _error((X10, np.ones(10)), problem)
    assert exc.field == "y" and "single class" in message and "1" in message


def test_a_constant_regression_target_is_fine_when_asked_for():
    custom = validate((X10, np.full(10, 3.0)), "regression")
    assert custom.problem == "regression" and np.all(custom.labels == 3.0)


def test_more_than_eight_classes():
    message, exc = _error((X10, np.arange(10)), "classification")
    assert exc.field == "y" and "10 classes" in message and "at most 8" in message
    assert "MAX_CLASSES" in message


def test_nine_integer_values_are_inferred_as_regression():
    """Rule: 3..8 distinct integers are classes; anything else is regression."""
    custom = validate((X10, np.arange(10) % 9))
    assert custom.problem == "regression" and custom.num_classes is None


@pytest.mark.parametrize("y", [["a", "b"] * 5, np.array(["cat", "dog"] * 5),
                               [0, 1, 0, 1, 0, 1, 0, 1, 0, "1"], [None] * 10,
                               [1 + 2j] * 10])
def test_labels_that_are_not_numbers(y):
    message, exc = _error((X10, y), exc=CustomDataTypeError)
    assert isinstance(exc, ValueError) and isinstance(exc, TypeError)
    assert exc.field == "y" and "number" in message


def test_coordinates_that_are_not_numbers():
    X = [["a", 1]] + [[0, 0]] * 9
    message, exc = _error((X, np.arange(10) % 2), exc=CustomDataTypeError)
    assert exc.field == "X" and "'a'" in message


@pytest.mark.parametrize("problem", ["clasification", "Regression", ""])
def test_unknown_problem(problem):
    message, exc = _error((X10, np.arange(10) % 2), problem)
    assert exc.field == "problem" and repr(problem) in message
    assert "classification" in message and "regression" in message


def test_problem_of_the_wrong_type():
    message, _ = _error((X10, np.arange(10) % 2), 3, exc=CustomDataTypeError)
    assert "problem=3" in message


def test_classification_with_non_integer_labels():
    y = np.arange(10) % 2 + 0.0
    y[4] = 0.5
    message, exc = _error((X10, y), "classification")
    assert exc.field == "y" and "y[4]=0.5" in message and "integer" in message


@pytest.mark.parametrize("data", ["ab", (X10,), (X10, X10[:, 0], X10[:, 1]), 42,
                                  {"X": X10, "y": X10[:, 0]}])
def test_data_that_is_not_a_pair(data):
    message, exc = _error(data, exc=CustomDataTypeError)
    assert exc.field == "data" and "(X, y)" in message


def test_ragged_points():
    message, exc = _error(([[0, 1], [2]], [0, 1]))
    assert exc.field == "X"


# --------------------------------------------------------------------------------------
# Inference and label conventions
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("y, problem, k", [
    ([-1, 1], "classification", 2),
    ([0, 1], "classification", 2),
    ([0.0, 1.0], "classification", 2),
    ([False, True], "classification", 2),
    ([0, 1, 2], "classification", 3),
    ([3, 5, 7, 9], "classification", 4),
    ([-1, 0, 1], "classification", 3),
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], "classification", 8),
    ([1, 2], "regression", None),             # two values, but not -1/1 or 0/1
    ([-1, 0], "regression", None),
    ([0.5, 1.5, 2.5], "regression", None),    # not integers
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], "regression", None),  # 9 distinct integers
])
def test_inference_rules(y, problem, k):
    labels = np.resize(np.asarray(y), 18)
    X = RNG.normal(size=(18, 2))
    custom = validate((X, labels))
    assert custom.problem == problem
    assert custom.num_classes == k
    if k is None:
        np.testing.assert_array_equal(custom.labels, labels.astype(float))
        assert custom.class_names == ()


def test_zero_one_labels_become_minus_one_plus_one():
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    custom = validate((RNG.normal(size=(8, 2)), y))
    np.testing.assert_array_equal(custom.labels, 2.0 * y - 1.0)
    assert custom.class_names == (0, 1)
    assert custom.labels.dtype == np.float64


def test_plus_minus_one_labels_stay():
    y = np.array([-1, 1, 1, -1, 1, -1])
    custom = validate((RNG.normal(size=(6, 2)), y))
    np.testing.assert_array_equal(custom.labels, y.astype(float))
    assert custom.class_names == (-1, 1)


def test_boolean_labels():
    y = np.array([True, False, True, True, False, False])
    custom = validate((RNG.normal(size=(6, 2)), y))
    np.testing.assert_array_equal(custom.labels, np.where(y, 1.0, -1.0))
    assert custom.class_names == (False, True)


def test_k_classes_are_remapped_in_sorted_order():
    y = np.array([9, 2, 5, 5, 2, 9, 9, 2])
    custom = validate((RNG.normal(size=(8, 2)), y))
    assert custom.num_classes == 3 and custom.class_names == (2, 5, 9)
    rank = {2: 0, 5: 1, 9: 2}
    np.testing.assert_array_equal(custom.labels, [rank[v] for v in y])
    assert list(custom.original_labels()) == list(y)


def test_given_classification_with_two_other_integers():
    """{3, 7}: the smaller is -1, the larger +1."""
    y = np.array([7, 3, 3, 7, 7])
    custom = validate((RNG.normal(size=(5, 2)), y), "classification")
    np.testing.assert_array_equal(custom.labels, [1, -1, -1, 1, 1])
    assert custom.class_names == (3, 7)
    assert list(custom.original_labels()) == list(y)


def test_given_regression_keeps_zero_one_labels():
    y = np.array([0, 1, 1, 0])
    custom = validate((RNG.normal(size=(4, 2)), y), "regression")
    assert custom.problem == "regression"
    np.testing.assert_array_equal(custom.labels, y.astype(float))


def test_given_problem_must_match_a_custom_data_object():
    custom = validate((X10, np.arange(10) % 2))
    assert validate(custom) is custom
    with pytest.raises(CustomDataError, match="problem='regression'"):
        validate(custom, "regression")


def test_lists_and_integer_points_are_accepted():
    custom = validate(([[0, 0], [1, 2], [3, 4]], [0, 1, 0]))
    assert custom.xy.dtype == np.float64 and custom.xy.tolist() == [[0, 0], [1, 2], [3, 4]]


def test_custom_data_is_immutable():
    custom = validate((X10, np.arange(10) % 2))
    with pytest.raises(dataclasses.FrozenInstanceError):
        custom.problem = "regression"
    with pytest.raises(ValueError):
        custom.xy[0, 0] = 1.0
    with pytest.raises(ValueError):
        custom.labels[0] = 1.0


def test_the_caller_s_arrays_are_copied():
    X = X10.copy()
    y = (np.arange(10) % 2).astype(float)
    custom = validate((X, y), "regression")
    X[0, 0] = 99.0
    y[0] = 99.0
    assert custom.xy[0, 0] == X10[0, 0] and custom.labels[0] == 0.0


# --------------------------------------------------------------------------------------
# Domain
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale, shift", [(1.0, (0.0, 0.0)), (100.0, (5.0, -3.0)),
                                          (0.01, (1000.0, 1000.0))])
def test_domain_fits_the_data_with_a_ten_percent_margin(scale, shift):
    X = RNG.normal(size=(50, 2)) * [scale, 3 * scale] + shift
    custom = validate((X, np.arange(50) % 2))
    x0, x1, y0, y1 = custom.domain
    side = x1 - x0
    assert y1 - y0 == pytest.approx(side, rel=1e-12)            # a square
    data_side = max(np.ptp(X[:, 0]), np.ptp(X[:, 1]))
    assert side == pytest.approx(1.2 * data_side, rel=1e-12)     # 10% margin each side
    margin = 0.1 * data_side
    tol = 1e-9 * max(1.0, abs(x0), abs(y0))
    assert np.all(X[:, 0] >= x0 + margin - tol) and np.all(X[:, 0] <= x1 - margin + tol)
    assert np.all(X[:, 1] >= y0 + margin - tol) and np.all(X[:, 1] <= y1 - margin + tol)
    # centred on the bounding box
    assert (x0 + x1) / 2 == pytest.approx((X[:, 0].min() + X[:, 0].max()) / 2, abs=tol)
    assert (y0 + y1) / 2 == pytest.approx((X[:, 1].min() + X[:, 1].max()) / 2, abs=tol)


def test_domain_of_coincident_points_has_side_one_point_two():
    custom = validate(([[2.0, 3.0], [2.0, 3.0]], [0, 1]))
    assert custom.domain == pytest.approx((1.4, 2.6, 2.4, 3.6))


def test_domain_of_no_point_is_playground_s():
    assert fit_domain(np.zeros((0, 2))) == (-6.0, 6.0, -6.0, 6.0)
    assert empty().domain == (-6.0, 6.0, -6.0, 6.0)


# --------------------------------------------------------------------------------------
# Split: Playground's generateData
# --------------------------------------------------------------------------------------

def _fisher_yates_order(rand, n):
    """Spec 3.7: for c = n..1, k = floor(r * c), swap c-1 and k."""
    order = list(range(n))
    for c in range(n, 0, -1):
        k = math.floor(rand() * c)
        order[c - 1], order[k] = order[k], order[c - 1]
    return order


@pytest.mark.parametrize("train_percent", [10, 50, 70, 90])
def test_split_is_fisher_yates_then_first_part_trains(train_percent):
    X = RNG.normal(size=(37, 2))
    y = RNG.normal(size=37)
    custom = validate((X, y), "regression")
    data = split(custom, train_percent, SeedRandom("split-test"))
    order = _fisher_yates_order(SeedRandom("split-test"), 37)
    cut = math.floor(37 * train_percent / 100)
    np.testing.assert_array_equal(data.train_x, X[order[:cut]])
    np.testing.assert_array_equal(data.train_y, y[order[:cut]])
    np.testing.assert_array_equal(data.test_x, X[order[cut:]])
    np.testing.assert_array_equal(data.test_y, y[order[cut:]])
    assert custom.xy.tolist() == X.tolist()  # unchanged


def test_split_of_a_playground_dataset_is_playground_s():
    """Generating circle with a seed and splitting it as custom data gives make_dataset's
    split: the same draws in the same order as Playground's generateData."""
    rand = SeedRandom("0.54321")
    xy, label = ds.circle(500, 0.1, rand)
    custom = validate((xy, label))
    data = split(custom, 60, rand)
    reference = ds.make_dataset("circle", 10, 60, SeedRandom("0.54321"))
    for name in ("train_x", "train_y", "test_x", "test_y"):
        np.testing.assert_array_equal(getattr(data, name), getattr(reference, name))


def test_split_uses_the_stream_once_per_point():
    custom = validate((X10, np.arange(10) % 2))
    a, b = SeedRandom("s"), SeedRandom("s")
    split(custom, 50, a)
    for _ in range(10):
        b()
    assert a() == b()


# --------------------------------------------------------------------------------------
# Building a set point by point
# --------------------------------------------------------------------------------------

def test_empty_sets():
    two = empty()
    assert (two.problem, two.num_classes, two.class_names, len(two)) == (
        "classification", 2, (-1, 1), 0)
    three = empty("classification", 3)
    assert three.num_classes == 3 and three.class_names == (0, 1, 2)
    reg = empty("regression")
    assert reg.problem == "regression" and reg.num_classes is None
    with pytest.raises(CustomDataError, match="num_classes=3"):
        empty("regression", 3)
    with pytest.raises(CustomDataError, match="num_classes=9"):
        empty("classification", 9)
    with pytest.raises(CustomDataError, match="problem='x'"):
        empty("x")


def test_add_point_appends_and_keeps_the_original():
    a = empty()
    b = add_point(a, 1.5, -2.0, 1)
    c = add_point(b, -3.0, 4.0, -1)
    assert len(a) == 0 and len(b) == 1
    assert c.xy.tolist() == [[1.5, -2.0], [-3.0, 4.0]] and c.labels.tolist() == [1.0, -1.0]
    assert c.domain == (-6.0, 6.0, -6.0, 6.0)  # inside: the view does not move


def test_add_point_outside_grows_the_domain_to_hold_it():
    c = add_point(add_point(empty(), 0.0, 0.0, 1), 20.0, 1.0, -1)
    x0, x1, y0, y1 = c.domain
    assert x0 <= -6.0 and y0 <= -6.0 and x1 >= 6.0 and y1 >= 6.0   # the old view stays
    assert x0 < 20.0 < x1 and y0 < 1.0 < y1
    assert x1 - x0 == pytest.approx(y1 - y0)


@pytest.mark.parametrize("custom, label", [
    (empty(), 0), (empty(), 2), (empty(), 0.5), (empty("classification", 3), 3),
    (empty("classification", 3), -1),
])
def test_add_point_rejects_labels_outside_the_convention(custom, label):
    with pytest.raises(CustomDataError) as info:
        add_point(custom, 0.0, 0.0, label)
    assert info.value.field == "label" and f"label={label!r}" in str(info.value)


@pytest.mark.parametrize("x, y, exc", [(math.nan, 0, CustomDataError),
                                       (0, math.inf, CustomDataError),
                                       ("1", 0, CustomDataTypeError),
                                       (True, 0, CustomDataTypeError)])
def test_add_point_rejects_bad_coordinates(x, y, exc):
    with pytest.raises(exc):
        add_point(empty(), x, y, 1)


def test_add_point_regression_accepts_any_finite_label():
    c = add_point(empty("regression"), 0.0, 0.0, -3.25)
    assert c.labels.tolist() == [-3.25]


def test_check_trainable():
    one = add_point(empty(), 0.0, 0.0, 1)
    with pytest.raises(CustomDataError, match="1 point"):
        check_trainable(one)
    same = add_point(one, 1.0, 1.0, 1)
    with pytest.raises(CustomDataError, match="single class"):
        check_trainable(same)
    both = add_point(same, 2.0, 2.0, -1)
    check_trainable(both)
    with pytest.raises(CustomDataError, match="no training point"):
        check_trainable(both, train_percent=30)      # floor(3 * 0.3) = 0
    check_trainable(both, train_percent=40)          # floor(3 * 0.4) = 1
    with pytest.raises(CustomDataError, match="train_percent=0"):
        check_trainable(both, train_percent=0)
    with pytest.raises(CustomDataTypeError):
        check_trainable((X10, np.arange(10) % 2))


# --------------------------------------------------------------------------------------
# dict round trip
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("y, problem", [([5, 2, 9, 2, 5, 9], None), ([0, 1, 1, 0, 0, 1], None),
                                        (RNG.normal(size=6).tolist(), "regression")])
def test_dict_round_trip_through_json_is_exact(y, problem):
    custom = validate((RNG.normal(size=(6, 2)), y), problem)
    back = CustomData.from_dict(json.loads(json.dumps(custom.to_dict())))
    assert back.xy.tobytes() == custom.xy.tobytes()
    assert back.labels.tobytes() == custom.labels.tobytes()
    assert (back.problem, back.num_classes, back.class_names, back.domain) == (
        custom.problem, custom.num_classes, custom.class_names, custom.domain)


@pytest.mark.parametrize("change, fragment", [
    ({"labels": [0.0, 1.0]}, "labels"),
    ({"labels": [0.0, 1.0, 1.0]}, "labels"),   # 0 is no engine label for 2 classes
    ({"problem": "other"}, "problem"),
    ({"num_classes": 1}, "num_classes"),
    ({"class_names": [0]}, "class_names"),
    ({"domain": [1, 0, 0, 1]}, "domain"),
    ({"xy": [[0, 0], [1, 1], [2, math.nan]]}, "xy"),
])
def test_from_dict_checks_every_field(change, fragment):
    good = validate(([[0, 0], [1, 1], [2, 2]], [0, 1, 1])).to_dict()
    good.update(change)
    with pytest.raises(CustomDataError) as info:
        CustomData.from_dict(good)
    assert fragment in str(info.value)


def test_module_constants():
    assert cd.MAX_CLASSES == 8 and cd.MIN_POINTS == 2 and cd.MARGIN == 0.1


# --------------------------------------------------------------------------------------
# The rules of your own data for a Config: one engine function (issue 11, item 1)
# --------------------------------------------------------------------------------------

def _data(labels):
    X = np.random.default_rng(4).normal(size=(len(labels), 2))
    return validate((X, labels))


def ds_features():
    return ("x", "y", "x_squared", "y_squared", "x_times_y", "sin_x", "sin_y")


TWO = _data([0, 1] * 10)
THREE = _data([0, 1, 2] * 10)
REG = _data(np.linspace(-1, 1, 20))


@pytest.mark.parametrize("custom, changes, field, hint", [
    (TWO, dict(problem="regression"), "problem", "pass problem='classification'"),
    (REG, dict(), "problem", "pass problem='regression'"),
    (TWO, dict(dataset="xor"), "dataset", "leave dataset at the default ('circle')"),
    (TWO, dict(dataset="gauss3"), "dataset", "do not apply to your own points"),
    (REG, dict(problem="regression", dataset="reg-gauss"), "dataset", "'reg-plane'"),
    (THREE, dict(), "loss", "pass loss='cross_entropy'"),
    (THREE, dict(loss="cross_entropy", train_percent=10), None, None),
    (_data([0, 1, 0, 1, 1]), dict(train_percent=10), "train_percent", "no training point"),
    (_data(list(range(8)) * 3), dict(loss="cross_entropy", features=ds_features(),
                                     network_shape=(32,) * 5 + (14,)),
     "network_shape", "LIMIT_PARAMETERS"),
])
def test_check_config_names_the_field_and_what_to_pass(custom, changes, field, hint):
    config = Config(seed="1", **changes)
    if field is None:
        assert check_config(custom, config) is None
        return
    with pytest.raises(CustomDataError) as info:
        check_config(custom, config)
    assert info.value.field == field
    assert hint in str(info.value)


def test_fit_config_infers_what_is_not_kept():
    config = Config(seed="1", dataset="spiral", network_shape=(3,))
    fitted = fit_config(THREE, config)
    assert (fitted.problem, fitted.dataset, fitted.loss) == ("classification", "circle",
                                                            "cross_entropy")
    assert fitted.network_shape == (3,)
    assert fit_config(REG, config).problem == "regression"
    with pytest.raises(CustomDataError, match="pass problem='regression'"):
        fit_config(REG, config, keep={"problem"})
    with pytest.raises(CustomDataError, match="leave dataset at the default"):
        fit_config(TWO, config, keep={"dataset"})
    check_config(THREE, fitted)   # the result passes the rules


def test_points_above_the_limit():
    from nbplayground.config import LIMIT_POINTS
    big = np.zeros((LIMIT_POINTS + 1, 2))
    with pytest.raises(CustomDataError, match="LIMIT_POINTS"):
        validate((big, np.arange(len(big)) % 2))
    full = empty()
    full = CustomData(np.zeros((LIMIT_POINTS, 2)), np.ones(LIMIT_POINTS), "classification",
                      2, (-1, 1), full.domain)
    with pytest.raises(CustomDataError, match="LIMIT_POINTS"):
        add_point(full, 0.0, 0.0, 1)


def test_coordinates_have_a_limit():
    with pytest.raises(CustomDataError, match="LIMIT_COORDINATE") as info:
        validate(([[0.0, 0.0], [1e200, 1.0]], [0, 1]))
    assert info.value.field == "X" and "row 1" in str(info.value)
    with pytest.raises(CustomDataError, match="LIMIT_COORDINATE"):
        add_point(empty(), 0.0, -1e13, 1)
    assert validate(([[0.0, 0.0], [cd.LIMIT_COORDINATE, 1.0]], [0, 1])).n == 2


def test_labels_have_a_limit():
    """Targets of 1e200 made the first loss infinite: the run was 'diverged' for good."""
    X = RNG.normal(size=(50, 2))
    for y, problem in ((X[:, 0] * 1e200, None), (np.full(50, 1e200), None),
                       (X[:, 0] * 1e7, "regression"), ([0, 10**7] * 25, "classification")):
        with pytest.raises(CustomDataError, match="LIMIT_LABEL") as info:
            validate((X, y), problem)
        message = str(info.value)
        assert info.value.field == "y" and f"±{cd.LIMIT_LABEL:g}" in message
        assert len(message) < 300                       # no 200-digit number in it
    top = validate((X, X[:, 0] / np.abs(X[:, 0]).max() * cd.LIMIT_LABEL))
    assert top.problem == "regression" and np.abs(top.labels).max() == cd.LIMIT_LABEL
    reg = empty("regression")
    with pytest.raises(CustomDataError, match="label=-1e\\+07: labels must be within") as info:
        add_point(reg, 0.0, 0.0, -1e7)
    assert info.value.field == "label"
    with pytest.raises(CustomDataError, match="LIMIT_LABEL") as info:
        cd.add_points(reg, [[0.0, 0.0], [1.0, 1.0]], [1.0, 1e300])
    assert info.value.field == "labels" and "labels[1]=1e+300" in str(info.value)
    with pytest.raises(CustomDataError, match="at most ±1e\\+06 for labels"):
        validate((X[:2], np.array([1, 10**400], dtype=object)), "regression")
    data = validate((X, X[:, 0])).to_dict()
    data["labels"][3] = 1e200
    with pytest.raises(CustomDataError, match="LIMIT_LABEL"):
        CustomData.from_dict(data)


def test_a_single_class_of_a_big_number_is_named_briefly():
    message, _ = _error((X10, np.full(10, 123456)))
    assert "every label is 123456, a single class" in message


def test_huge_python_ints_are_a_custom_data_error():
    with pytest.raises(CustomDataError) as info:
        validate(([[0, 0], [10**400, 1]], [0, 1]))
    assert info.value.field == "X"
    with pytest.raises(CustomDataError) as info:
        add_point(empty(), 10**5000, 0.0, 1)
    assert info.value.field == "x"


# --------------------------------------------------------------------------------------
# The trainer's own edits: add_points / clear_points keep the run going
# --------------------------------------------------------------------------------------

from nbplayground.config import LIMIT_POINTS  # noqa: E402
from nbplayground.runs import Runs  # noqa: E402
from nbplayground.trainer import Trainer  # noqa: E402


def _moons(n=40, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-4, 4, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _snapshot(trainer) -> str:
    """Everything a trainer holds that an edit could change, as text."""
    return json.dumps(trainer.state(), sort_keys=True) + repr(
        (trainer.epoch, trainer.train_loss, trainer.test_loss, trainer.diverged,
         trainer.trainable, trainer.config))


def _squared_loss(trainer, x, y):
    """Playground's loss by hand: 0.5 * mean((output - target)^2)."""
    return 0.5 * float(np.mean((trainer.predict(x) - y) ** 2))


def test_adding_points_keeps_epoch_weights_optimizer_and_history():
    t = Trainer(data=_moons(), seed="a", optimizer="adam", batch_size=7)
    t.step(9)
    before = t.state()
    n_train = t.data.num_train
    t.add_points([[1.0, 2.0], [-3.0, 0.5]], [1, -1])
    after = t.state()
    assert t.epoch == 9
    for key in ("params", "optimizer", "history", "epoch", "config", "random"):
        assert after[key] == before[key], key
    # the carried leftover stays carried; it ends where the old training order did
    assert before["carry"]["count"] == 6
    assert after["carry"] == {**before["carry"], "end": n_train}
    assert t.data.num_train == n_train + 2 and t.custom_data.n == 42
    np.testing.assert_array_equal(t.data.train_x[-2:], [[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(t.data.train_y[-2:], [1.0, -1.0])
    # the losses are those of the new sets, at once; the history waits for the next epoch
    assert t.train_loss == pytest.approx(_squared_loss(t, t.data.train_x, t.data.train_y),
                                         rel=1e-12)
    assert t.train_loss != before["losses"]["train"]
    assert len(t.history.to_dict()["epoch"]) == len(before["history"]["epoch"])
    iterations = t.optimizer.iterations
    t.step(1)                                  # the next epoch trains on n + 2 points
    assert t.epoch == 10
    # one update per full batch of the grown order (the carried points join the first)
    assert (n_train + 2) // 7 == n_train // 7 + 1
    assert t.optimizer.iterations == iterations + (n_train + 2) // 7
    assert t.history.to_dict()["epoch"][-1] == 10


def _with_points_appended(state, xy, labels):
    """``state`` as if its trainer's training order had ended with these points."""
    state = json.loads(json.dumps(state))
    custom = CustomData.from_dict(state["data"]["custom"])
    state["data"]["custom"] = cd.add_points(custom, xy, labels).to_dict()
    state["data"]["train_x"] += [list(map(float, p)) for p in xy]
    state["data"]["train_y"] += [float(v) for v in labels]
    if state["carry"]["count"]:
        state["carry"]["end"] = len(state["data"]["train_y"]) - len(xy)
    del state["losses"]
    return state


@pytest.mark.parametrize("changes", [
    dict(batch_size=7, optimizer="adam"),
    dict(batch_size=3, optimizer="sgd", momentum=0.9),
    dict(batch_size=10),                                     # Playground's plain SGD
    dict(batch_size=4, regularization="L1", regularization_rate=0.01),
])
def test_next_epochs_equal_a_trainer_built_on_the_same_ordered_points(changes):
    t = Trainer(data=_moons(), seed="b", **changes)
    t.step(5)
    xy, labels = [[0.5, -2.0], [3.0, 3.0], [-1.0, -1.0]], [-1, 1, 1]
    # built apart: the state before the edit, its training order extended by hand
    hand = _with_points_appended(t.state(), xy, labels)
    same = Trainer.from_state(hand)
    # and on the readable engine, which lays out each batch from the order itself
    readable = Trainer.from_state({**hand, "engine": "reference"})
    t.add_points(xy, labels)
    assert t.state() == same.state()
    t.step(4)
    same.step(4)
    readable.step(4)
    assert t.state() == same.state()          # bit-exact: weights, optimizer, carry, history
    np.testing.assert_allclose(readable.network.params, t.network.params, rtol=0, atol=1e-10)
    assert readable.optimizer.iterations == t.optimizer.iterations


def test_the_first_point_on_a_playground_dataset_makes_it_your_own():
    t = Trainer(seed="c", dataset="xor", batch_size=10)
    t.step(3)
    d = t.data
    t.add_points([[2.0, -2.0]], [1])
    custom = t.custom_data
    np.testing.assert_array_equal(custom.xy, np.concatenate([d.train_x, d.test_x,
                                                             [[2.0, -2.0]]]))
    np.testing.assert_array_equal(custom.labels, np.concatenate([d.train_y, d.test_y, [1.0]]))
    assert custom.domain == (-6.0, 6.0, -6.0, 6.0) == t.domain   # the view does not jump
    np.testing.assert_array_equal(t.data.test_x, d.test_x)         # the split stays
    assert t.config.dataset == "circle"        # check_config's rule for your own points
    check_config(custom, t.config)
    assert t.epoch == 3 and t.step(2) == 2
    # a regression dataset and a 3-class one keep their kind
    r = Trainer(seed="c", problem="regression", dataset="reg-gauss")
    r.add_points([[0.0, 0.0]], [0.25])
    assert r.custom_data.problem == "regression" and r.config.dataset == "reg-plane"
    k = Trainer(seed="c", dataset="gauss3")
    k.add_points([[0.0, 0.0]], [2])
    assert k.custom_data.num_classes == 3 and k.config.loss == "cross_entropy"


@pytest.mark.parametrize("xy, labels, to, field", [
    ([[0.0, 0.0]], [0.5], "train", "labels"),              # not a class
    ([[0.0, 0.0]], [2], "train", "labels"),                # a third class on two
    ([[math.nan, 0.0]], [1], "train", "xy"),
    ([[1e13, 0.0]], [1], "train", "xy"),                   # beyond LIMIT_COORDINATE
    ([[0.0, 0.0]], [1e300], "train", "labels"),            # beyond LIMIT_LABEL
    ([0.0, 0.0], [1], "train", "xy"),                      # one point is [[x, y]]
    ([[0.0, 0.0], [1.0, 1.0]], [1], "train", "labels"),    # lengths differ
    ([["a", 0.0]], [1], "train", "xy"),
    ([[0.0, 0.0]], [1], "validation", "to"),
    ([[0.0, 0.0]] * (LIMIT_POINTS + 1), [1] * (LIMIT_POINTS + 1), "train", "xy"),
])
def test_a_refused_edit_leaves_the_trainer_as_it_was(xy, labels, to, field):
    for t in (Trainer(seed="d", dataset="xor"), Trainer(data=_moons(), seed="d")):
        t.step(2)
        before, data, config = _snapshot(t), t.data, t.config
        with pytest.raises(ValueError) as info:
            t.add_points(xy, labels, to=to)
        assert info.value.field == field
        assert field in str(info.value)
        assert _snapshot(t) == before and t.data is data and t.config is config


def test_the_limit_on_points_counts_the_whole_set():
    X = np.random.default_rng(0).uniform(-1, 1, size=(LIMIT_POINTS - 1, 2))
    t = Trainer(data=(X, (X[:, 0] > 0).astype(int)), seed="e")
    t.add_points([[0.0, 0.0]], [1])                              # exactly the limit
    assert t.custom_data.n == LIMIT_POINTS
    before = _snapshot(t)
    with pytest.raises(CustomDataError, match=f"at most {LIMIT_POINTS}.*LIMIT_POINTS"):
        t.add_points([[0.5, 0.5]], [1])
    assert _snapshot(t) == before


def test_clear_then_add_until_trainable():
    t = Trainer(data=_moons(), seed="f", batch_size=3)
    t.step(4)
    params = t.network.params.copy()
    t.clear_points()
    assert t.custom_data.n == 0 and not t.trainable and t.epoch == 4
    assert t.carry_count == 0                            # its points are gone
    np.testing.assert_array_equal(t.network.params, params)
    assert math.isnan(t.train_loss) and not t.diverged
    assert t.step(0) == 0
    steps = [([[-3.0, 0.0]], [-1], "at least 2"),
             ([[-2.0, 1.0]], [-1], "single class"),
             ([[3.0, 0.0]], [1], None)]
    for xy, labels, missing in steps:
        t.add_points(xy, labels)
        if missing is None:
            break
        assert not t.trainable
        with pytest.raises(CustomDataError, match=f"nothing to train yet: .*{missing}"):
            t.step()
        with pytest.raises(CustomDataError, match="nothing to train yet"):
            t.step_batch()
        assert t.epoch == 4
    assert t.trainable and t.data.num_train == 3 and t.data.num_test == 0
    assert t.train_loss == pytest.approx(_squared_loss(t, t.data.train_x, t.data.train_y))
    assert math.isnan(t.test_loss) and not t.diverged
    assert t.step(3) == 3 and t.epoch == 7 and not t.diverged
    t.reset()                                            # starts over, data kept
    assert t.epoch == 0 and t.custom_data.n == 3


def test_points_added_to_the_test_set_do_not_train():
    t = Trainer(data=_moons(), seed="g")
    t.clear_points()
    t.add_points([[-1.0, -1.0], [1.0, 1.0]], [-1, 1], to="test")
    assert not t.trainable
    with pytest.raises(CustomDataError, match="training set is empty"):
        t.check_trainable()
    t.add_points([[2.0, 2.0]], [1])
    assert t.trainable and t.data.num_train == 1 and t.data.num_test == 2
    assert t.step(2) == 2


def test_a_split_made_by_clicks_keeps_live_changes_and_checks_a_new_split():
    t = Trainer(data=_moons(), seed="h", train_percent=10)
    t.clear_points()
    t.add_points([[-1.0, -1.0], [1.0, 1.0]], [-1, 1])     # both train: floor(2 * 0.1) = 0
    assert t.trainable
    assert t.apply(t.config.replace(learning_rate=0.1)) == "live"   # not refused
    before = _snapshot(t)
    with pytest.raises(CustomDataError, match="train_percent.*no training point"):
        t.apply(t.config.replace(train_percent=20))                 # a new split would be
    assert _snapshot(t) == before
    assert t.apply(t.config.replace(train_percent=50)) == "regenerate"
    assert t.data.num_train == 1 and t.epoch == 0


def test_carried_points_stay_carried_and_explain_batch_shows_them():
    t = Trainer(data=_moons(n=10), seed="i", batch_size=4, train_percent=90)
    n = t.data.num_train
    t.step(1)
    left = n % 4
    assert n == 9 and t.carry_count == left == 1
    t.add_points([[0.0, 1.0]], [1])
    batch = t.explain_batch()
    assert batch.carried == left
    np.testing.assert_array_equal(batch.indices[:left], np.arange(n - left, n))
    np.testing.assert_array_equal(batch.indices[left:], [0, 1, 2, 3])
    saved = Trainer.from_state(t.state())                         # the end round-trips
    np.testing.assert_array_equal(saved.explain_batch().indices, batch.indices)
    t.step(1)                                   # after an epoch the order's last are carried
    assert t.carry_count == (n + 1) % 4 == 2
    assert t.state()["carry"].get("end") is None


def test_save_and_load_continue_bit_exactly_after_edits(tmp_path):
    t = Trainer(seed="j", dataset="spiral", optimizer="adam", batch_size=7)
    t.step(5)
    t.add_points([[1.0, 1.0], [2.0, -1.0]], [1, -1])
    t.add_points([[0.0, 3.0]], [1], to="test")
    t.save(tmp_path / "run.json")
    loaded = Trainer.load(tmp_path / "run.json")
    assert loaded.state() == t.state()
    t.step(3)
    loaded.step(3)
    assert loaded.state() == t.state()
    # a set being drawn (cannot train yet) saves and loads too
    t.clear_points()
    t.add_points([[1.0, 1.0]], [1])
    t.save(tmp_path / "drawn.json")
    drawn = Trainer.load(tmp_path / "drawn.json")
    assert not drawn.trainable and drawn.custom_data.n == 1 and drawn.epoch == t.epoch
    assert drawn.state() == t.state()
    drawn.add_points([[-1.0, -1.0]], [-1])
    assert drawn.step() == 1


def test_runs_notice_a_run_whose_points_changed():
    config = Config(seed="k", dataset="xor", batch_size=6)
    runs = Runs.seeds(config, n=3)
    alone = [Trainer(c) for c in runs.configs]
    runs.step(2)
    for t in alone:
        t.step(2)
    assert runs.groups == [[0, 1, 2]]
    runs[1].add_points([[1.0, 1.0]], [1])
    alone[1].add_points([[1.0, 1.0]], [1])
    runs.step(3)
    for t in alone:
        t.step(3)
    assert sorted(map(sorted, runs.groups)) == [[0, 2], [1]]     # regrouped
    for r, t in zip(runs, alone):
        assert r.epoch == t.epoch == 5
        np.testing.assert_allclose(r.network.params, t.network.params, rtol=0, atol=1e-9)
        np.testing.assert_allclose(r.history.to_dict()["train_loss"],
                                   t.history.to_dict()["train_loss"], rtol=0, atol=1e-9)
    runs[2].clear_points()                        # a run that cannot train says so
    with pytest.raises(CustomDataError, match="nothing to train yet"):
        runs.step(1)


def test_points_added_mid_epoch_join_the_rest_of_that_epoch():
    t = Trainer(data=_moons(), seed="m", batch_size=7, optimizer="adam")
    t.step(2)
    t.step_batch()
    t.step_batch()                                    # stopped inside epoch 3
    assert t.mid_epoch
    hand = _with_points_appended(t.state(), [[2.5, -2.5]], [-1])
    same = Trainer.from_state(hand)
    n = t.data.num_train
    iterations = t.optimizer.iterations
    t.add_points([[2.5, -2.5]], [-1])
    assert t.state() == same.state()
    assert t.step(1) == 1 and t.epoch == 3            # the rest of epoch 3 ...
    # ... whose last batch, 6 points and no update before, is full with the new point
    assert n == 20 and t.optimizer.iterations == iterations + 1
    same.step(1)
    assert t.state() == same.state()
