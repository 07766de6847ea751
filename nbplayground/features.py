"""The input features of TensorFlow Playground (docs/playground.md §4).

Seven features, in Playground's fixed order, which is also the order of the
input nodes and of the columns of the input matrix:

=============  ============  ==========  ==============
id             URL key       label       value
=============  ============  ==========  ==============
``x``          ``x``         X₁          x₁
``y``          ``y``         X₂          x₂
``x_squared``  ``xSquared``  X₁²         x₁²
``y_squared``  ``ySquared``  X₂²         x₂²
``x_times_y``  ``xTimesY``   X₁X₂        x₁·x₂
``sin_x``      ``sinX``      sin(X₁)     sin(x₁)
``sin_y``      ``sinY``      sin(X₂)     sin(x₂)
=============  ============  ==========  ==============

No normalisation is applied: raw values go into the network.  The defaults
are ``x`` and ``y``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

__all__ = [
    "Feature",
    "FEATURES",
    "FEATURE_IDS",
    "URL_KEYS",
    "DEFAULT_FEATURES",
    "feature_by_id",
    "feature_by_url_key",
    "feature_matrix",
]

FeatureFn = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Feature:
    """One input feature.

    ``fn(x, y)`` maps arrays of x₁ and x₂ (same shape) to the feature value,
    elementwise, as float64.
    """

    id: str
    url_key: str
    label: str
    fn: FeatureFn


def _x(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _y(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(y, dtype=np.float64)


def _x_squared(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x * x


def _y_squared(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    return y * y


def _x_times_y(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64) * np.asarray(y, dtype=np.float64)


def _sin_x(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sin(np.asarray(x, dtype=np.float64))


def _sin_y(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sin(np.asarray(y, dtype=np.float64))


FEATURES: tuple[Feature, ...] = (
    Feature("x", "x", "X₁", _x),
    Feature("y", "y", "X₂", _y),
    Feature("x_squared", "xSquared", "X₁²", _x_squared),
    Feature("y_squared", "ySquared", "X₂²", _y_squared),
    Feature("x_times_y", "xTimesY", "X₁X₂", _x_times_y),
    Feature("sin_x", "sinX", "sin(X₁)", _sin_x),
    Feature("sin_y", "sinY", "sin(X₂)", _sin_y),
)

FEATURE_IDS: tuple[str, ...] = tuple(f.id for f in FEATURES)
URL_KEYS: tuple[str, ...] = tuple(f.url_key for f in FEATURES)
DEFAULT_FEATURES: tuple[str, ...] = ("x", "y")

_BY_ID = {f.id: f for f in FEATURES}
_BY_URL_KEY = {f.url_key: f for f in FEATURES}
_POSITION = {f.id: i for i, f in enumerate(FEATURES)}


def feature_by_id(feature_id: str) -> Feature:
    """The feature with this snake_case id (e.g. ``"x_squared"``)."""
    try:
        return _BY_ID[feature_id]
    except (KeyError, TypeError):
        raise ValueError(
            f"feature id must be one of {', '.join(FEATURE_IDS)}; got {feature_id!r}"
        ) from None


def feature_by_url_key(key: str) -> Feature:
    """The feature with this Playground URL key (e.g. ``"xSquared"``)."""
    try:
        return _BY_URL_KEY[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"feature URL key must be one of {', '.join(URL_KEYS)}; got {key!r}"
        ) from None


def _ordered(feature_ids: Iterable[str]) -> list[Feature]:
    if isinstance(feature_ids, str):
        raise TypeError(
            f"feature_ids must be a sequence of feature ids, not a single string {feature_ids!r}"
        )
    chosen = {feature_by_id(fid).id for fid in feature_ids}
    return [f for f in FEATURES if f.id in chosen]


def feature_matrix(
    xy: np.ndarray, feature_ids: Iterable[str], out: np.ndarray | None = None
) -> np.ndarray:
    """Input matrix of shape (n, k): one column per selected feature.

    Columns follow Playground's order (:data:`FEATURE_IDS`) whatever the
    order of ``feature_ids``; duplicates count once.  ``xy`` is (n, 2) with
    x₁ in column 0 and x₂ in column 1.  If ``out`` is given it must be a
    float64 array of shape (n, k); it is filled and returned.  With no
    feature selected the result has shape (n, 0).
    """
    features = _ordered(feature_ids)
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2), got {xy.shape}")
    shape = (xy.shape[0], len(features))
    if out is None:
        out = np.empty(shape, dtype=np.float64)
    elif not isinstance(out, np.ndarray) or out.shape != shape or out.dtype != np.float64:
        raise ValueError(
            f"out must be a float64 array of shape {shape}, got "
            f"{getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}"
        )
    x = xy[:, 0]
    y = xy[:, 1]
    with np.errstate(all="ignore"):  # huge points give inf, which the trainer reports
        for column, feature in enumerate(features):
            out[:, column] = feature.fn(x, y)
    return out
