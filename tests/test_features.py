"""Tests for nbplayground.features against docs/playground.md §4."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from nbplayground.features import (
    DEFAULT_FEATURES,
    FEATURE_IDS,
    FEATURES,
    Feature,
    feature_by_id,
    feature_by_url_key,
    feature_matrix,
)

# docs/playground.md §4, in Playground's order: (id, URL key, label, formula)
SPEC_TABLE = [
    ("x", "x", "X₁", lambda x, y: x),
    ("y", "y", "X₂", lambda x, y: y),
    ("x_squared", "xSquared", "X₁²", lambda x, y: x * x),
    ("y_squared", "ySquared", "X₂²", lambda x, y: y * y),
    ("x_times_y", "xTimesY", "X₁X₂", lambda x, y: x * y),
    ("sin_x", "sinX", "sin(X₁)", lambda x, y: math.sin(x)),
    ("sin_y", "sinY", "sin(X₂)", lambda x, y: math.sin(y)),
]

POINTS = np.array(
    [[0.0, 0.0], [1.0, -2.0], [-6.0, 6.0], [math.pi / 2, -math.pi / 6],
     [3.7, 0.25], [-5.3, -0.3], [1e-8, 12.5]]
)


def test_table_matches_spec_order_ids_keys_labels():
    assert [(f.id, f.url_key, f.label) for f in FEATURES] == [row[:3] for row in SPEC_TABLE]
    assert FEATURE_IDS == tuple(row[0] for row in SPEC_TABLE)
    assert DEFAULT_FEATURES == ("x", "y")
    assert all(isinstance(f, Feature) for f in FEATURES)
    with pytest.raises(dataclasses.FrozenInstanceError):
        FEATURES[0].id = "z"


@pytest.mark.parametrize("row", SPEC_TABLE, ids=[row[0] for row in SPEC_TABLE])
def test_each_function_against_formula(row):
    feature_id, _, _, formula = row
    fn = feature_by_id(feature_id).fn
    got = fn(POINTS[:, 0], POINTS[:, 1])
    expected = [formula(x, y) for x, y in POINTS]
    assert got.shape == (len(POINTS),) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-300)


def test_no_normalisation():
    m = feature_matrix(np.array([[6.0, -6.0]]), FEATURE_IDS)
    np.testing.assert_allclose(m[0], [6, -6, 36, 36, -36, math.sin(6), math.sin(-6)], rtol=1e-15)


def test_feature_matrix_uses_playground_order():
    m = feature_matrix(POINTS, ["sin_y", "x_squared", "x"])
    expected = np.array([[x, x * x, math.sin(y)] for x, y in POINTS])
    assert m.shape == (len(POINTS), 3) and m.dtype == np.float64
    np.testing.assert_allclose(m, expected, rtol=1e-15)
    # duplicates count once; order of the request does not matter
    np.testing.assert_array_equal(feature_matrix(POINTS, ("x", "sin_y", "x_squared", "x")), m)


def test_feature_matrix_all_and_none():
    full = feature_matrix(POINTS, reversed(FEATURE_IDS))
    expected = np.array([[f(x, y) for *_, f in SPEC_TABLE] for x, y in POINTS])
    np.testing.assert_allclose(full, expected, rtol=1e-15, atol=1e-300)
    empty = feature_matrix(POINTS, [])
    assert empty.shape == (len(POINTS), 0)


def test_feature_matrix_fills_out():
    out = np.full((len(POINTS), 2), np.nan)
    result = feature_matrix(POINTS, DEFAULT_FEATURES, out=out)
    assert result is out
    np.testing.assert_array_equal(out, POINTS)
    with pytest.raises(ValueError, match="out"):
        feature_matrix(POINTS, DEFAULT_FEATURES, out=np.empty((len(POINTS), 3)))
    with pytest.raises(ValueError, match="out"):
        feature_matrix(POINTS, DEFAULT_FEATURES, out=np.empty((len(POINTS), 2), np.float32))


def test_lookups():
    for feature_id, key, label, _ in SPEC_TABLE:
        assert feature_by_id(feature_id).url_key == key
        assert feature_by_url_key(key).id == feature_id
        assert feature_by_id(feature_id).label == label


def test_unknown_ids_list_allowed_values():
    with pytest.raises(ValueError) as info:
        feature_matrix(POINTS, ["x", "cos_x"])
    assert "cos_x" in str(info.value) and all(fid in str(info.value) for fid in FEATURE_IDS)
    with pytest.raises(ValueError, match="xSquared"):
        feature_by_url_key("cosX")  # a state key in Playground, but not a feature
    with pytest.raises(ValueError, match="x_squared"):
        feature_by_id("xSquared")  # URL keys are not ids
    with pytest.raises(TypeError, match="feature_ids"):
        feature_matrix(POINTS, "x")
    with pytest.raises(ValueError, match="xy"):
        feature_matrix(np.zeros((3, 3)), ["x"])
