"""Your own data: a point set given as ``(X, y)`` instead of a Playground dataset.

:func:`validate` checks a pair ``(X, y)`` and returns a :class:`CustomData` in
the engine's conventions:

* ``X``: array-like of shape (n, 2), finite numbers: the points (x₁, x₂);
* ``y``: n finite numbers within ±:data:`LIMIT_LABEL`, the labels.

The problem type is inferred from the labels, or given:

=====================================================  ==========================
labels                                                 inferred problem
=====================================================  ==========================
two distinct values, both in {-1, 1} or both in {0, 1}  classification, 2 classes
  (also ``False``/``True``)
integers with 3 … 8 distinct values                    classification, K classes
anything else                                          regression
=====================================================  ==========================

"Integers" means integer-valued: ``2.0`` counts, as labels often arrive as floats.
``problem="classification"`` accepts any integer labels with 2 … 8 distinct
values; ``problem="regression"`` any finite numbers.

The engine's label conventions (those of :mod:`nbplayground.losses`):

* two classes: Playground's -1 / +1.  The smaller original value becomes -1
  and the larger +1, so 0 → -1, 1 → +1, and -1/+1 stay as they are;
* K ≥ 3 classes: 0 … K-1, the original values in increasing order;
* regression: the values themselves.

``class_names`` keeps the original value of each class in that order
(class_names[0] ↔ -1 and class_names[1] ↔ +1 for two classes), so labels can
be shown as the user gave them.

The view domain fits the data: the bounding box of the points, padded to a
square around its centre, plus a margin of 10 % of the square's side on each
side (see :func:`fit_domain`).

Points can be added one at a time (a click on the heatmap): start with
:func:`empty`, then :func:`add_point` (or :func:`add_points` for several).
:class:`~nbplayground.trainer.Trainer` edits its own data this way
(``Trainer.add_points``, ``Trainer.clear_points``) without restarting the run.  Such a set may be too small or hold a
single class while it is being drawn, so the trainability rules live in
:func:`check_trainable`, which :func:`validate` applies and the trainer
should call before training starts.

:func:`split` shuffles and splits a set exactly as Playground's
``generateData`` does with its own datasets (Fisher–Yates with the given
stream, then the first ⌊n · train_percent / 100⌋ points train).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import datasets as _datasets
from . import config as _config
from .config import DEFAULT_DATASET, LIMIT_POINTS, Config, check_parameter_count
from .config import short_repr as _short

__all__ = [
    "CustomDataError",
    "CustomDataTypeError",
    "CustomData",
    "PROBLEMS",
    "MAX_CLASSES",
    "MIN_POINTS",
    "PLAYGROUND_DOMAIN",
    "MARGIN",
    "validate",
    "check_trainable",
    "check_config",
    "allowed_losses",
    "fit_config",
    "LIMIT_POINTS",
    "LIMIT_COORDINATE",
    "LIMIT_LABEL",
    "empty",
    "add_point",
    "add_points",
    "from_dataset",
    "split",
    "fit_domain",
]

PROBLEMS = _config.PROBLEMS
#: Most classes a data set may have (the palette has this many colours).
MAX_CLASSES = 8
#: Fewest points a data set needs before training.
MIN_POINTS = 2
#: Playground's view domain (xmin, xmax, ymin, ymax): used by an empty set.
PLAYGROUND_DOMAIN = (-6.0, 6.0, -6.0, 6.0)
#: Margin around the data, as a fraction of the square's side, on each side.
MARGIN = 0.1
#: Largest coordinate |x₁|, |x₂| of a point: its features (x², x·y) stay finite, also in
#: the float32 grid the widget draws.
LIMIT_COORDINATE = 1e12
#: Largest label |y| (a regression target, or a class's number before it is encoded).
#: Playground's targets lie in [-1, 1]; a million leaves room for targets in everyday
#: units while the squared loss (at most ~1e12 per point) and its gradients stay far from
#: overflow.  Beyond some 1e154 the very first loss is infinite and the run is "diverged"
#: for good (reset draws new weights, not new labels): rescale such targets instead.
LIMIT_LABEL = 1e6


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------

class CustomDataError(ValueError):
    """Data that cannot be used.  ``field`` names the argument (X, y, problem, ...)."""

    def __init__(self, message: str, field: str | None = None, value: Any = None):
        super().__init__(message)
        self.field = field
        self.value = value


class CustomDataTypeError(CustomDataError, TypeError):
    """An argument of the wrong type (also a ``TypeError``)."""


# --------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CustomData:
    """A validated point set in the engine's conventions (see the module docstring).

    ``xy`` (n, 2) and ``labels`` (n,) are read-only float64 arrays.
    ``num_classes`` is None for regression; ``class_names`` holds the original
    label of each class (empty for regression).  ``domain`` is the view domain
    (xmin, xmax, ymin, ymax).
    """

    xy: np.ndarray
    labels: np.ndarray
    problem: str
    num_classes: int | None
    class_names: tuple
    domain: tuple

    def __post_init__(self) -> None:
        for name in ("xy", "labels"):
            array = np.array(getattr(self, name), dtype=np.float64)  # a private copy
            array.setflags(write=False)
            object.__setattr__(self, name, array)
        object.__setattr__(self, "class_names", tuple(self.class_names))
        object.__setattr__(self, "domain", tuple(float(v) for v in self.domain))

    def __len__(self) -> int:
        return self.labels.shape[0]

    @property
    def n(self) -> int:
        """Number of points."""
        return self.labels.shape[0]

    def original_labels(self) -> np.ndarray:
        """The labels as the user gave them (class names for classification)."""
        if self.problem == "regression":
            return self.labels.copy()
        if self.num_classes == 2:
            index = (self.labels > 0).astype(np.intp)  # -1 -> 0, +1 -> 1
        else:
            index = self.labels.astype(np.intp)
        return np.array(self.class_names, dtype=object)[index]

    def to_dict(self) -> dict:
        """JSON-ready: lists of floats (exact through ``json``), engine labels."""
        return {
            "xy": self.xy.tolist(),
            "labels": self.labels.tolist(),
            "problem": self.problem,
            "num_classes": self.num_classes,
            "class_names": list(self.class_names),
            "domain": list(self.domain),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "CustomData":
        """The inverse of :meth:`to_dict`, with every field checked."""
        if not isinstance(data, dict):
            raise CustomDataTypeError(f"data={_short(data)}: must be a dict as "
                                      f"CustomData.to_dict() makes", "data", data)
        missing = [k for k in ("xy", "labels", "problem", "num_classes", "class_names",
                               "domain") if k not in data]
        if missing:
            raise CustomDataError(f"data: missing key(s) {', '.join(missing)}", "data", data)
        problem = _check_problem(data["problem"], allow_none=False)
        if isinstance(data["xy"], (list, tuple)):
            _check_size(len(data["xy"]), "xy")
        xy = _points(data["xy"], "xy", allow_empty=True)
        _check_size(xy.shape[0], "xy")
        labels = _numbers(data["labels"], "labels", xy.shape[0])
        num_classes = data["num_classes"]
        if problem == "classification":
            num_classes = _class_count(num_classes)
            _check_engine_labels(labels, num_classes, "labels")
            names = data["class_names"]
            if not isinstance(names, (list, tuple)) or len(names) != num_classes:
                raise CustomDataError(
                    f"class_names={_short(names)}: must be a list of {num_classes} names "
                    f"(one per class)", "class_names", names)
        else:
            if num_classes is not None:
                raise CustomDataError(f"num_classes={num_classes!r}: must be None for "
                                      f"regression", "num_classes", num_classes)
            names = ()
        return cls(xy, labels, problem, num_classes, tuple(names),
                   _check_domain(data["domain"]))


# --------------------------------------------------------------------------------------
# Checks of the parts
# --------------------------------------------------------------------------------------

def _check_problem(problem: Any, allow_none: bool = True) -> str | None:
    if problem is None and allow_none:
        return None
    if not isinstance(problem, str):
        raise CustomDataTypeError(
            f"problem={problem!r}: must be one of {', '.join(map(repr, PROBLEMS))}"
            + (" or None (infer it from the labels)" if allow_none else ""), "problem", problem)
    if problem not in PROBLEMS:
        raise CustomDataError(
            f"problem={problem!r} is not a problem type; allowed: "
            f"{', '.join(map(repr, PROBLEMS))}" + (" or None (infer it from the labels)"
                                                   if allow_none else ""), "problem", problem)
    return problem


def _class_count(num_classes: Any) -> int:
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral):
        raise CustomDataTypeError(f"num_classes={num_classes!r}: must be an integer in "
                                  f"2..{MAX_CLASSES}", "num_classes", num_classes)
    if not 2 <= num_classes <= MAX_CLASSES:
        raise CustomDataError(f"num_classes={num_classes!r}: must be in 2..{MAX_CLASSES}",
                              "num_classes", num_classes)
    return int(num_classes)


def _as_number_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a NumPy array of numbers (bool allowed), or a clear error."""
    if isinstance(value, (str, bytes)) or value is None:
        raise CustomDataTypeError(f"{name}={_short(value)}: must be an array of numbers, "
                                  f"not {type(value).__name__}", name, value)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested lists, for one
        raise CustomDataError(f"{name}: cannot be read as an array ({exc}); give a list or "
                              f"array of numbers", name, value) from None
    if array.dtype.kind in "biuf":
        return array
    if array.dtype.kind == "O":
        for index, item in enumerate(array.ravel()):
            if isinstance(item, bool) or not isinstance(item, numbers.Real):
                if isinstance(item, np.bool_):
                    continue
                raise CustomDataTypeError(
                    f"{name}: labels and coordinates must be numbers; got {item!r} "
                    f"({type(item).__name__}) at flat index {index}"
                    + (". To use named classes, encode them as integers 0..K-1"
                       if name == "y" else ""), name, item)
        try:
            return array.astype(np.float64)
        except OverflowError:
            limit = (f"±{LIMIT_COORDINATE:g} for points" if name in ("X", "xy")
                     else f"±{LIMIT_LABEL:g} for labels")
            raise CustomDataError(f"{name}: holds a number too large for a float "
                                  f"(at most {limit})", name, None) from None
    first = array.ravel()[0].item() if array.size else None
    raise CustomDataTypeError(
        f"{name}: must hold numbers; got dtype {array.dtype} (first value {first!r})"
        + (". To use named classes, encode them as integers 0..K-1" if name == "y" else ""),
        name, first)


def _first_bad(array: np.ndarray) -> int:
    """Index of the first row holding a NaN or infinity (array is float)."""
    bad = ~np.isfinite(array)
    if bad.ndim > 1:
        bad = bad.any(axis=tuple(range(1, bad.ndim)))
    return int(np.flatnonzero(bad)[0])


def _points(value: Any, name: str = "X", allow_empty: bool = False) -> np.ndarray:
    """An (n, 2) float64 array of finite coordinates."""
    array = _as_number_array(value, name)
    if allow_empty and array.size == 0:
        return np.zeros((0, 2))
    if array.ndim != 2 or array.shape[1] != 2:
        hint = ""
        if array.ndim == 2 and array.shape[0] == 2:
            hint = "; it looks transposed: pass X.T"
        elif array.ndim == 1 and array.shape[0] == 2:
            hint = "; for a single point write [[x1, x2]]"
        raise CustomDataError(f"{name}: shape {array.shape} is not (n, 2); {name} must hold "
                              f"one point (x1, x2) per row{hint}", name, array.shape)
    if array.dtype.kind == "b":
        raise CustomDataTypeError(f"{name}: coordinates must be numbers, got booleans",
                                  name, array.dtype)
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        row = _first_bad(array)
        raise CustomDataError(f"{name}: row {row} is {array[row].tolist()}; coordinates must "
                              f"be finite (no NaN or infinity)", name, array[row].tolist())
    if array.size and np.abs(array).max() > LIMIT_COORDINATE:
        row = int(np.flatnonzero((np.abs(array) > LIMIT_COORDINATE).any(axis=1))[0])
        raise CustomDataError(f"{name}: row {row} is {array[row].tolist()}; coordinates must "
                              f"be within ±{LIMIT_COORDINATE:g} (LIMIT_COORDINATE: every "
                              f"feature stays finite, also on the float32 grid)", name,
                              array[row].tolist())
    return array


def _numbers(value: Any, name: str, n: int) -> np.ndarray:
    """n finite float64 labels; an (n, 1) column is accepted and flattened."""
    array = _as_number_array(value, name)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise CustomDataError(f"{name}: shape {array.shape} is not (n,); {name} must hold one "
                              f"label per point", name, array.shape)
    if array.shape[0] != n:
        raise CustomDataError(f"{name} has {array.shape[0]} labels but X has {n} points; they "
                              f"must have the same length", name, array.shape[0])
    floats = array.astype(np.float64)
    if not np.isfinite(floats).all():
        index = _first_bad(floats)
        raise CustomDataError(f"{name}[{index}]={float(floats[index])!r}: labels must be "
                              f"finite (no NaN or infinity)", name, float(floats[index]))
    if floats.size and np.abs(floats).max() > LIMIT_LABEL:
        index = int(np.flatnonzero(np.abs(floats) > LIMIT_LABEL)[0])
        raise CustomDataError(f"{name}[{index}]={float(floats[index]):g}: {_LABEL_RULE}", name,
                              float(floats[index]))
    return floats


_LABEL_RULE = (f"labels must be within ±{LIMIT_LABEL:g} (LIMIT_LABEL, which keeps the "
               f"squared loss far from overflow); rescale them, e.g. divide by their "
               f"standard deviation, or encode classes as 0..K-1")


def _check_engine_labels(labels: np.ndarray, num_classes: int, name: str) -> None:
    allowed = (-1.0, 1.0) if num_classes == 2 else tuple(float(k) for k in range(num_classes))
    bad = ~np.isin(labels, allowed)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise CustomDataError(
            f"{name}[{index}]={float(labels[index])!r}: with {num_classes} classes engine "
            f"labels are {', '.join(f'{v:g}' for v in allowed)}", name, float(labels[index]))


def _check_domain(domain: Any) -> tuple:
    if not isinstance(domain, (list, tuple)) or len(domain) != 4:
        raise CustomDataError(f"domain={_short(domain)}: must be (xmin, xmax, ymin, ymax)",
                              "domain", domain)
    values = []
    for v in domain:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise CustomDataError(f"domain={_short(domain)}: must be 4 finite numbers",
                                  "domain", domain)
        values.append(float(v))
    if not (values[0] < values[1] and values[2] < values[3]):
        raise CustomDataError(f"domain={_short(domain)}: need xmin < xmax and ymin < ymax",
                              "domain", domain)
    return tuple(values)


def _check_size(n: int, name: str = "X") -> None:
    if n > LIMIT_POINTS:
        raise CustomDataError(f"{name}: {n} points; at most {LIMIT_POINTS} are allowed "
                              f"(LIMIT_POINTS)", name, n)


def _name(value: float, as_bool: bool) -> Any:
    """The original label of a class, as a plain Python value."""
    if as_bool:
        return bool(value)
    return int(value)


# --------------------------------------------------------------------------------------
# Domain
# --------------------------------------------------------------------------------------

def fit_domain(xy: np.ndarray, margin: float = MARGIN) -> tuple:
    """A square view domain (xmin, xmax, ymin, ymax) around the points ``xy`` (n, 2).

    With the bounding box [x₀, x₁] × [y₀, y₁], centre (cx, cy) and side
    s = max(x₁ − x₀, y₁ − y₀), the domain is the square of side s · (1 + 2·margin)
    centred on (cx, cy): every point lies at least margin·s inside it.  When all
    points coincide s is taken as 1; with no point it is Playground's (-6, 6)².
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape[0] == 0:
        return PLAYGROUND_DOMAIN
    lo = xy.min(axis=0)
    hi = xy.max(axis=0)
    centre = (lo + hi) / 2.0
    side = float((hi - lo).max())
    if side == 0.0:
        side = 1.0
    half = side * (0.5 + margin)
    cx, cy = float(centre[0]), float(centre[1])
    return (cx - half, cx + half, cy - half, cy + half)


def _contains(domain: tuple, x: float, y: float) -> bool:
    return domain[0] <= x <= domain[1] and domain[2] <= y <= domain[3]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

def validate(data: Any, problem: str | None = None) -> CustomData:
    """Check ``data = (X, y)`` and return it as :class:`CustomData`, ready to train.

    ``problem`` is "classification", "regression" or None (inferred, see the
    module docstring).  A :class:`CustomData` is accepted too (it is checked
    against ``problem`` and for trainability, and returned unchanged).

    Raises :class:`CustomDataError` (a ValueError; :class:`CustomDataTypeError`,
    also a TypeError, for wrong types) naming the argument, the value given
    and what is allowed: X not of shape (n, 2); NaN or infinity in X or y; a label
    beyond ±:data:`LIMIT_LABEL`;
    lengths that differ; fewer than 2 points; labels that are not numbers; a
    single class; more than 8 classes; non-integer labels for classification;
    an unknown problem.
    """
    problem = _check_problem(problem)
    if isinstance(data, CustomData):
        if problem is not None and problem != data.problem:
            raise CustomDataError(f"problem={problem!r} but the data set is for "
                                  f"{data.problem}", "problem", problem)
        check_trainable(data)
        return data
    if isinstance(data, (str, bytes, dict)) or not hasattr(data, "__len__") \
            or len(data) != 2:
        raise CustomDataTypeError(
            f"data={_short(data)}: must be a pair (X, y) with X of shape (n, 2) and y of "
            f"shape (n,)", "data", data)
    X, y = data
    xy = _points(X, "X")
    n = xy.shape[0]
    _check_size(n)
    raw = _as_number_array(y, "y")
    labels = _numbers(raw, "y", n)
    if n < MIN_POINTS:
        raise CustomDataError(f"X has {n} point(s); at least {MIN_POINTS} are needed",
                              "X", n)
    is_bool = raw.dtype.kind == "b"
    integral = bool(np.all(labels == np.round(labels)))
    values = np.unique(labels)  # sorted
    k = values.size

    if problem is None:
        if k == 1 and integral:
            raise CustomDataError(
                f"y: every label is {_short(_name(values[0], is_bool))}, a single class; "
                f"classification needs at least 2 classes (for a constant regression "
                f"target pass problem='regression')", "y", values.tolist())
        binary = k == 2 and (set(values.tolist()) <= {-1.0, 1.0}
                             or set(values.tolist()) <= {0.0, 1.0})
        if binary or (integral and 3 <= k <= MAX_CLASSES):
            problem = "classification"
        else:
            problem = "regression"
    elif problem == "classification":
        if not integral:
            index = int(np.flatnonzero(labels != np.round(labels))[0])
            raise CustomDataError(
                f"y[{index}]={float(labels[index])!r}: classification labels must be integers "
                f"(class numbers such as 0..K-1, or -1/+1); for real-valued targets use "
                f"problem='regression'", "y", labels[index])
        if k == 1:
            raise CustomDataError(
                f"y: every label is {_short(_name(values[0], is_bool))}, a single class; "
                f"classification needs at least 2 classes", "y", values.tolist())
        if k > MAX_CLASSES:
            raise CustomDataError(
                f"y has {k} classes ({_short(values.astype(int).tolist())}); at most "
                f"{MAX_CLASSES} are supported (MAX_CLASSES, one colour each)", "y", k)

    if problem == "regression":
        custom = CustomData(xy, labels, "regression", None, (), fit_domain(xy))
    elif k == 2:
        engine = np.where(labels == values[1], 1.0, -1.0)
        names = tuple(_name(v, is_bool) for v in values)
        custom = CustomData(xy, engine, "classification", 2, names, fit_domain(xy))
    else:
        engine = np.searchsorted(values, labels).astype(np.float64)
        names = tuple(_name(v, is_bool) for v in values)
        custom = CustomData(xy, engine, "classification", k, names, fit_domain(xy))
    check_trainable(custom)
    return custom


def check_trainable(custom: CustomData, train_percent: float | None = None) -> None:
    """Raise :class:`CustomDataError` unless ``custom`` can be trained on.

    It needs at least 2 points and, for classification, at least 2 classes
    among the points.  With ``train_percent`` it also needs at least one
    training point: ⌊n · train_percent / 100⌋ ≥ 1.
    """
    if not isinstance(custom, CustomData):
        raise CustomDataTypeError(f"custom={_short(custom)}: must be a CustomData",
                                  "custom", custom)
    n = custom.n
    if n < MIN_POINTS:
        raise CustomDataError(f"the data set has {n} point(s); at least {MIN_POINTS} are "
                              f"needed to train", "X", n)
    if custom.problem == "classification":
        present = np.unique(custom.labels)
        if present.size < 2:
            name = custom.original_labels()[0]
            raise CustomDataError(
                f"y: every point has the label {name!r}, a single class; add points of "
                f"another class (classification needs at least 2)", "y", name)
    if train_percent is not None:
        if isinstance(train_percent, bool) or not isinstance(train_percent, numbers.Real) \
                or not 0 < train_percent < 100:
            raise CustomDataError(f"train_percent={train_percent!r}: must be a number in "
                                  f"(0, 100)", "train_percent", train_percent)
        if math.floor(float(n) * train_percent / 100.0) < 1:
            raise CustomDataError(
                f"train_percent={train_percent!r} leaves no training point among {n} "
                f"points (floor(n * train_percent / 100) = 0); add points or raise the "
                f"ratio", "train_percent", train_percent)


def empty(problem: str = "classification", num_classes: int | None = None) -> CustomData:
    """An empty data set to fill with :func:`add_point`.

    ``num_classes`` defaults to 2 for classification and must be None for
    regression.  Class names are -1, 1 for two classes and 0..K-1 otherwise;
    the domain is Playground's (-6, 6)².
    """
    problem = _check_problem(problem, allow_none=False)
    if problem == "regression":
        if num_classes is not None:
            raise CustomDataError(f"num_classes={num_classes!r}: must be None for "
                                  f"regression", "num_classes", num_classes)
        return CustomData(np.zeros((0, 2)), np.zeros(0), "regression", None, (),
                          PLAYGROUND_DOMAIN)
    k = 2 if num_classes is None else _class_count(num_classes)
    names = (-1, 1) if k == 2 else tuple(range(k))
    return CustomData(np.zeros((0, 2)), np.zeros(0), "classification", k, names,
                      PLAYGROUND_DOMAIN)


def _coordinate(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise CustomDataTypeError(f"{name}={_short(value)}: must be a finite number", name,
                                  value)
    try:
        value = float(value)
    except OverflowError:
        raise CustomDataError(f"{name}={_short(value)}: must be a finite number", name,
                              value) from None
    if not math.isfinite(value):
        raise CustomDataError(f"{name}={value!r}: must be a finite number", name, value)
    if name in ("x", "y") and abs(value) > LIMIT_COORDINATE:
        raise CustomDataError(f"{name}={value!r}: must be within ±{LIMIT_COORDINATE:g} "
                              f"(LIMIT_COORDINATE)", name, value)
    if name == "label" and abs(value) > LIMIT_LABEL:
        raise CustomDataError(f"{name}={value:g}: {_LABEL_RULE}", name, value)
    return value


def add_point(custom: CustomData, x: float, y: float, label: float) -> CustomData:
    """A new data set: ``custom`` with the point (x, y) appended.

    ``label`` is in the engine's convention: -1 or +1 for two classes, the
    class number 0..K-1 for K classes, any finite number within ±:data:`LIMIT_LABEL`
    for regression.  The domain is kept when the point lies inside it (the view does not jump
    under the pointer); otherwise it grows to a square holding both the old
    domain and :func:`fit_domain` of the new set.
    """
    if not isinstance(custom, CustomData):
        raise CustomDataTypeError(f"custom={_short(custom)}: must be a CustomData "
                                  f"(start from empty())", "custom", custom)
    x = _coordinate(x, "x")
    y = _coordinate(y, "y")
    value = _coordinate(label, "label")
    _check_label_values(custom, np.array([value]), "label", label)
    _check_size(custom.n + 1, "x")
    return _appended(custom, np.array([[x, y]]), np.array([value]))


def add_points(custom: CustomData, xy: Any, labels: Any) -> CustomData:
    """A new data set: ``custom`` with the points ``xy`` (m, 2) and their ``labels``
    (m,) appended, in order.

    ``labels`` are in the engine's convention, as for :func:`add_point`, and within
    ±:data:`LIMIT_LABEL`; each coordinate is finite and within ±:data:`LIMIT_COORDINATE`,
    and the set stays
    within :data:`~nbplayground.config.LIMIT_POINTS`.  The domain grows as in
    :func:`add_point` (kept while every new point lies inside it).  Raises
    :class:`CustomDataError` naming ``xy`` or ``labels``; ``custom`` is not changed.
    """
    if not isinstance(custom, CustomData):
        raise CustomDataTypeError(f"custom={_short(custom)}: must be a CustomData "
                                  f"(start from empty())", "custom", custom)
    if isinstance(xy, (list, tuple)):
        _check_size(custom.n + len(xy), "xy")  # before an array of a huge list is made
    points = _points(xy, "xy", allow_empty=True)
    _check_size(custom.n + points.shape[0], "xy")
    values = _numbers(labels, "labels", points.shape[0])
    _check_label_values(custom, values, "labels", None)
    return _appended(custom, points, values)


def _check_label_values(custom: CustomData, values: np.ndarray, name: str, given) -> None:
    """Engine labels of ``custom``'s classes (any finite number for regression)."""
    if custom.problem != "classification":
        return
    k = custom.num_classes
    allowed = (-1.0, 1.0) if k == 2 else tuple(float(i) for i in range(k))
    bad = ~np.isin(values, allowed)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        shown = given if given is not None else float(values[index])
        where = "" if given is not None else f"[{index}]"
        meaning = ", ".join(f"{a:g} ({label!r})" for a, label in zip(allowed,
                                                                     custom.class_names))
        raise CustomDataError(f"{name}{where}={shown!r}: with {k} classes the label must be "
                              f"one of {meaning}", name, shown)


def _appended(custom: CustomData, xy: np.ndarray, labels: np.ndarray) -> CustomData:
    """``custom`` with checked points appended; the domain kept or grown."""
    all_xy = np.concatenate([custom.xy, xy])
    domain = custom.domain
    if not all(_contains(domain, float(x), float(y)) for x, y in xy):
        fit = fit_domain(all_xy)
        x0, x1 = min(domain[0], fit[0]), max(domain[1], fit[1])
        y0, y1 = min(domain[2], fit[2]), max(domain[3], fit[3])
        half = max(x1 - x0, y1 - y0) / 2.0
        cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
        domain = (cx - half, cx + half, cy - half, cy + half)
    return CustomData(all_xy, np.concatenate([custom.labels, labels]), custom.problem,
                      custom.num_classes, custom.class_names, domain)


def from_dataset(data: _datasets.Dataset, problem: str, num_classes: int | None,
                 domain: tuple = PLAYGROUND_DOMAIN) -> CustomData:
    """One of Playground's generated data sets (its training then its test points,
    engine labels) as :class:`CustomData` with view ``domain``: where points added
    to a Playground dataset start from.  Class names are -1, 1 for two classes and
    0..K-1 otherwise."""
    problem = _check_problem(problem, allow_none=False)
    xy = np.concatenate([data.train_x, data.test_x])
    labels = np.concatenate([data.train_y, data.test_y])
    if problem == "regression":
        return CustomData(xy, labels, problem, None, (), _check_domain(domain))
    k = 2 if num_classes is None else _class_count(num_classes)
    _check_engine_labels(labels, k, "labels")
    names = (-1, 1) if k == 2 else tuple(range(k))
    return CustomData(xy, labels, problem, k, names, _check_domain(domain))


def split(custom: CustomData, train_percent: float,
          rand: Callable[[], float]) -> _datasets.Dataset:
    """Shuffle and split like Playground's ``generateData``.

    The points are shuffled with :func:`nbplayground.datasets.shuffle`
    (Fisher–Yates, one draw of ``rand`` per point) and split with
    :func:`nbplayground.datasets.split`: the first ⌊n · train_percent / 100⌋
    shuffled points train, the rest test.  ``custom`` is not changed.
    """
    if not isinstance(custom, CustomData):
        raise CustomDataTypeError(f"custom={_short(custom)}: must be a CustomData",
                                  "custom", custom)
    xy = custom.xy.copy()
    labels = custom.labels.copy()
    if len(labels):
        _datasets.shuffle(rand, xy, labels)
    return _datasets.split(xy, labels, train_percent)


# --------------------------------------------------------------------------------------
# The rules of your own data, for a Config (one place: Trainer and the widget ask here)
# --------------------------------------------------------------------------------------

def allowed_losses(custom: CustomData) -> tuple:
    """The losses ``custom`` can train with: "squared" for regression targets,
    "cross_entropy" (softmax) for more than two classes, either for two classes."""
    if not isinstance(custom, CustomData):
        raise CustomDataTypeError(f"custom={_short(custom)}: must be a CustomData",
                                  "custom", custom)
    if custom.problem == "regression":
        return ("squared",)
    if custom.num_classes is not None and custom.num_classes > 2:
        return ("cross_entropy",)
    return ("squared", "cross_entropy")


def _needed(custom: CustomData, config: Config) -> dict:
    """The problem, dataset and loss a config must have to train ``custom``."""
    losses = allowed_losses(custom)
    return {"problem": custom.problem, "dataset": DEFAULT_DATASET[custom.problem],
            "loss": config.loss if config.loss in losses else losses[0]}


def _contradiction(custom: CustomData, needed: dict, name: str, value) -> CustomDataError:
    """The error for a config field ``name=value`` that the data do not allow."""
    what = (f"{custom.num_classes} classes" if custom.problem == "classification"
            else "regression targets")
    if name == "problem":
        message = (f"problem={value!r}: your data are for {custom.problem} ({what}); the "
                   f"problem type follows your data: pass problem={needed['problem']!r} or "
                   f"leave it out")
    elif name == "dataset":
        message = (f"dataset={value!r}: Playground's dataset names do not apply to your own "
                   f"points; leave dataset at the default ({needed['dataset']!r}), or train "
                   f"without data=... to use {value!r}")
    else:
        why = ("more than two classes need the softmax output"
               if custom.problem == "classification" else "regression needs it")
        message = (f"loss={value!r}: your data have {what}; {why}: pass "
                   f"loss={needed['loss']!r}")
    return CustomDataError(message, name, value)


def check_config(custom: CustomData, config: Config, trainable: bool = True) -> None:
    """Raise :class:`CustomDataError` (naming the field) unless ``config`` can train ``custom``.

    The rules of your own points:

    * the problem follows the data: ``config.problem == custom.problem``;
    * Playground's dataset names do not apply to your points: ``config.dataset``
      stays at the problem's default ("circle" or "reg-plane") and is ignored;
    * more than two classes need ``loss="cross_entropy"`` (softmax output);
      regression needs ``loss="squared"``;
    * the ratio leaves at least one training point (:func:`check_trainable`);
    * the network, with one output per class, stays within
      :data:`~nbplayground.config.LIMIT_PARAMETERS`.

    ``trainable=False`` leaves out the two trainability rules (enough points
    and classes, a training point after the ratio's split): for a set that is
    being drawn point by point (:meth:`~nbplayground.trainer.Trainer.clear_points`),
    whose :meth:`~nbplayground.trainer.Trainer.step` waits until it can train.

    Returns None.  :class:`~nbplayground.trainer.Trainer` (``data=...``,
    ``apply``, ``add_points``, ``clear_points``) calls it before it changes anything;
    the widget edits through those.
    """
    if not isinstance(config, Config):
        raise CustomDataTypeError(f"config={_short(config)}: must be a Config", "config",
                                  config)
    if trainable:
        check_trainable(custom)
    needed = _needed(custom, config)
    for name in ("problem", "dataset", "loss"):
        if getattr(config, name) != needed[name]:
            raise _contradiction(custom, needed, name, getattr(config, name))
    if trainable:
        check_trainable(custom, config.train_percent)
    k = custom.num_classes
    outputs = k if k is not None and k > 2 else 1
    check_parameter_count(len(config.features), config.network_shape, outputs, CustomDataError)


def fit_config(custom: CustomData, config: Config, keep=(), trainable: bool = True) -> Config:
    """``config`` with problem, dataset and loss set to what ``custom`` needs.

    Fields named in ``keep`` (the ones a caller set on purpose) are left as
    they are: if one contradicts the data, :func:`check_config` raises and
    says what to pass.  The result passes :func:`check_config` (with the same
    ``trainable``).
    """
    if not isinstance(config, Config):
        raise CustomDataTypeError(f"config={_short(config)}: must be a Config", "config",
                                  config)
    keep = frozenset(keep)
    if trainable:
        check_trainable(custom)
    needed = _needed(custom, config)
    for name in ("problem", "dataset", "loss"):
        if name in keep and getattr(config, name) != needed[name]:
            raise _contradiction(custom, needed, name, getattr(config, name))
    if any(getattr(config, name) != value for name, value in needed.items()):
        config = config.replace(**needed)
    check_config(custom, config, trainable=trainable)
    return config
