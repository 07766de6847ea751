"""Tests for nbplayground.datasets against the formulas of docs/playground.md §2 and §3.

Most tests record the stream's draws and rebuild the samples from them with the
documented formulas (vectorised NumPy here, plain Python loops in the module), so
both the draw order and the arithmetic are checked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nbplayground import datasets as ds
from nbplayground.datasets import (
    CLASSIFICATION,
    MULTICLASS,
    NUM_SAMPLES,
    REGRESSION,
    Dataset,
    make_dataset,
    num_classes,
    problem_of,
    shuffle,
    split,
    thumbnail_points,
)
from nbplayground.seedrandom import SeedRandom

ALL = CLASSIFICATION + REGRESSION + MULTICLASS
TWO_PI = 2 * math.pi


class Recorder:
    """A rand() that records every draw of an underlying SeedRandom."""

    def __init__(self, seed: str) -> None:
        self._rng = SeedRandom(seed)
        self.draws: list[float] = []

    def __call__(self) -> float:
        value = self._rng()
        self.draws.append(value)
        return value

    def array(self) -> np.ndarray:
        return np.array(self.draws)


def uniform(r, a, b):
    """U(a, b) = r·(b − a) + a (docs/playground.md notation)."""
    return r * (b - a) + a


# ---------------------------------------------------------------------------
# tables


def test_tables():
    assert CLASSIFICATION == ("circle", "xor", "gauss", "spiral")
    assert REGRESSION == ("reg-plane", "reg-gauss")
    assert MULTICLASS == ("gauss3", "spiral3")
    assert NUM_SAMPLES == {"classification": 500, "regression": 1200}
    for name in CLASSIFICATION:
        assert problem_of(name) == "classification" and num_classes(name) == 2
    for name in REGRESSION:
        assert problem_of(name) == "regression" and num_classes(name) is None
    for name in MULTICLASS:
        assert problem_of(name) == "classification" and num_classes(name) == 3


@pytest.mark.parametrize("name", ALL)
def test_shapes_and_dtypes(name):
    xy, label = ds.generator(name)(120, 0.1, SeedRandom("shape"))
    assert xy.shape == (120, 2) and label.shape == (120,)
    assert xy.dtype == np.float64 and label.dtype == np.float64
    assert np.isfinite(xy).all() and np.isfinite(label).all()


# ---------------------------------------------------------------------------
# golden: the first circle sample by hand from the stream's check values (docs/playground.md §2.1)


def test_first_circle_sample_by_hand_seed_0_61803():
    # docs/playground.md §2.1: seed "0.61803" starts 0.3056433487386381, 0.521489414363097,
    # 0.5082940732527047; circle draws r, angle, noiseX, noiseY per point.
    r0, r1, r2 = 0.3056433487386381, 0.521489414363097, 0.5082940732527047
    stream = SeedRandom("0.61803")
    assert [stream(), stream(), stream()] == [r0, r1, r2]
    r3 = stream()
    rho = r0 * (2.5 - 0) + 0
    angle = r1 * (2 * math.pi - 0) + 0
    x, y = rho * math.sin(angle), rho * math.cos(angle)

    xy, label = ds.circle(500, 0.0, SeedRandom("0.61803"))
    assert xy[0, 0] == x and xy[0, 1] == y
    assert label[0] == 1.0

    # with noise 50 %, the noise draws are r2 and r3
    xy, label = ds.circle(500, 0.5, SeedRandom("0.61803"))
    nx = (r2 * (5 - -5) + -5) * 0.5
    ny = (r3 * (5 - -5) + -5) * 0.5
    assert xy[0, 0] == x and xy[0, 1] == y
    assert label[0] == (1.0 if math.hypot(x + nx, y + ny) < 2.5 else -1.0)


# Values printed by tests/data/dataset_golden.js (`node tests/data/dataset_golden.js`), a
# JavaScript transcription of the stream and the generators run under node (JavaScript
# doubles): first three shuffled points of generateData for (seed, dataset, noise %,
# train %), the split index, and the stream's next draw afterwards.
JS_GOLDEN = [
    (
        "0.61803", "reg-plane", 25, 50, 600,
        [(-4.996891151018355, -3.250478578550095, -0.8167498249275904),
         (-4.248556525951653, 5.3457452591331425, 0.20809154631328686),
         (-4.283312658343629, -5.730206313075578, -1.1249719552950244)],
        0.7272270599897354,
    ),
    (
        "0.61803", "xor", 10, 50, 250,
        [(-3.5216488708021707, -4.124886106044158, 1.0),
         (-1.2436923727862432, -3.895269869273548, 1.0),
         (-3.83563553943107, -2.79107581183486, 1.0)],
        0.9883817244245667,
    ),
    (
        "0.35116", "reg-gauss", 30, 70, 840,
        [(0.5492983200737811, 5.143291239682966, 0.0),
         (1.7212476104494998, -4.095893965126676, 0.2853937772042253),
         (1.3724228879058735, 1.7174963162664234, -0.8511677698366422)],
        0.6574344140569263,
    ),
    (
        "0.61803", "circle", 0, 50, 250,
        [(2.5352710466760167, 2.7858259802373153, -1.0),
         (3.173381383713258, 2.6094022902429024, -1.0),
         (3.7195961942964293, -0.020856860355406147, -1.0)],
        0.9883817244245667,
    ),
]


@pytest.mark.parametrize("seed,name,noise,train,split_index,first,next_draw", JS_GOLDEN)
def test_generate_data_matches_javascript(seed, name, noise, train, split_index, first, next_draw):
    rng = SeedRandom(seed)
    data = make_dataset(name, noise, train, rng)
    assert data.num_train == split_index
    got = [(*data.train_x[i], data.train_y[i]) for i in range(3)]
    if name == "circle":
        # sin/cos may differ from V8's in the last ulp
        np.testing.assert_allclose(got, first, rtol=0, atol=1e-15)
        assert [g[2] for g in got] == [f[2] for f in first]
    else:
        # only + − × ÷ and sqrt: bit-identical
        assert got == first
    assert rng() == next_draw  # the stream was used by exactly as many draws


# ---------------------------------------------------------------------------
# circle


@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_circle_rebuilt_from_draws(noise):
    rec = Recorder("circle")
    xy, label = ds.circle(500, noise, rec)
    d = rec.array().reshape(500, 4)  # r, angle, noiseX, noiseY
    inner = np.arange(500) < 250
    rho = np.where(inner, uniform(d[:, 0], 0, 2.5), uniform(d[:, 0], 3.5, 5))
    angle = uniform(d[:, 1], 0, TWO_PI)
    # math.sin/cos (the module's libm), so the comparison can be exact
    x = rho * np.array([math.sin(a) for a in angle])
    y = rho * np.array([math.cos(a) for a in angle])
    np.testing.assert_array_equal(xy[:, 0], x)
    np.testing.assert_array_equal(xy[:, 1], y)
    dist = np.hypot(x + noise * uniform(d[:, 2], -5, 5), y + noise * uniform(d[:, 3], -5, 5))
    clear = np.abs(dist - 2.5) > 1e-9
    np.testing.assert_array_equal(label[clear], np.where(dist < 2.5, 1.0, -1.0)[clear])


def test_circle_boundary_is_strict():
    # Inner point at the origin (r = 0, angle 0) with noiseX = ν·U(−5, 5) at
    # r = 0, i.e. −5ν, and noiseY = 0 (r = 0.5): distance 5ν.  At ν = 0.5 the
    # perturbed point is exactly at 2.5, which is not "< 2.5": label −1.
    for noise, inner_label in ((0.5, -1.0), (0.4, 1.0)):
        draws = iter([0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.5, 0.5])
        xy, label = ds.circle(2, noise, lambda draws=draws: next(draws))
        assert xy.tolist() == [[0.0, 0.0], [0.0, 3.5]]
        assert label.tolist() == [inner_label, -1.0]


def test_circle_noiseless_geometry():
    xy, label = ds.circle(500, 0.0, SeedRandom("geometry"))
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert (label[:250] == 1).all() and (label[250:] == -1).all()
    assert (radius[:250] < 2.5).all()
    assert (radius[250:] >= 3.5 - 1e-12).all() and (radius[250:] < 5).all()
    # ρ is uniform in the radius (not the area): mean ρ of the disc ≈ 1.25
    assert abs(radius[:250].mean() - 1.25) < 0.15


# ---------------------------------------------------------------------------
# xor


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_xor_rebuilt_from_draws(noise):
    rec = Recorder("xor")
    xy, label = ds.xor(400, noise, rec)
    d = rec.array().reshape(400, 4)  # x, y, noiseX, noiseY
    x0, y0 = uniform(d[:, 0], -5, 5), uniform(d[:, 1], -5, 5)
    x = x0 + np.where(x0 > 0, 0.3, -0.3)
    y = y0 + np.where(y0 > 0, 0.3, -0.3)
    np.testing.assert_array_equal(xy[:, 0], x)
    np.testing.assert_array_equal(xy[:, 1], y)
    product = (x + noise * uniform(d[:, 2], -5, 5)) * (y + noise * uniform(d[:, 3], -5, 5))
    np.testing.assert_array_equal(label, np.where(product >= 0, 1.0, -1.0))


def test_xor_pads_exact_zero_to_the_negative_side():
    # r = 0.5 gives x0 = 0.5·10 − 5 = 0 exactly; "x0 > 0" is false, so −0.3
    xy, label = ds.xor(1, 0.0, lambda: 0.5)
    assert xy.tolist() == [[-0.3, -0.3]] and label.tolist() == [1.0]


def test_xor_zero_product_is_positive():
    # x = y = −0.3 (r = 0.5); noiseX = 0.3·U(−5, 5) at r = 0.6 is 0.3 exactly,
    # noiseY = 0: the product is (−)0, and "≥ 0" makes the label +1.
    draws = iter([0.5, 0.5, 0.6, 0.5])
    xy, label = ds.xor(1, 0.3, lambda: next(draws))
    assert xy.tolist() == [[-0.3, -0.3]] and label.tolist() == [1.0]


def test_xor_geometry():
    xy, label = ds.xor(500, 0.0, SeedRandom("xor geometry"))
    a = np.abs(xy)
    assert (a >= 0.3).all() and (a <= 5.3).all()
    np.testing.assert_array_equal(label, np.where(xy[:, 0] * xy[:, 1] >= 0, 1.0, -1.0))


# ---------------------------------------------------------------------------
# gauss


def _polar_from_draws(draws, mean, variance, start):
    """Rebuild one polar-method normal from recorded draws; return (value, next)."""
    i = start
    while True:
        v1, v2 = 2 * draws[i] - 1, 2 * draws[i + 1] - 1
        i += 2
        s = v1 * v1 + v2 * v2
        if s <= 1:
            return mean + math.sqrt(variance) * (math.sqrt(-2 * math.log(s) / s) * v1), i


# at ν = 0.01 the d3 form gives σ² = 0.57 but 0.5 + 7ν gives 0.5700000000000001,
# and their square roots differ too
@pytest.mark.parametrize("noise", [0.0, 0.01, 0.2])
def test_gauss_rebuilt_from_draws(noise):
    rec = Recorder("gauss")
    xy, label = ds.gauss(300, noise, rec)
    variance = 0.5 * (1 - noise / 0.5) + 4 * (noise / 0.5)
    i = 0
    for row in range(300):
        centre = 2 if row < 150 else -2
        x, i = _polar_from_draws(rec.draws, centre, variance, i)
        y, i = _polar_from_draws(rec.draws, centre, variance, i)
        assert xy[row, 0] == x and xy[row, 1] == y
    assert i == len(rec.draws)  # nothing else drawn (second variate discarded)
    assert (label[:150] == 1).all() and (label[150:] == -1).all()


def test_polar_method_accepts_s_equal_to_one():
    # r = 0, 0.5 gives v1 = −1, v2 = 0, s = 1 exactly: accepted (loop runs while
    # s > 1), ln 1 = 0, so each coordinate is exactly its centre.
    draws = iter([0.0, 0.5] * 4)
    xy, label = ds.gauss(2, 0.3, lambda: next(draws))
    assert xy.tolist() == [[2.0, 2.0], [-2.0, -2.0]] and label.tolist() == [1.0, -1.0]


@pytest.mark.parametrize("noise,variance", [(0.0, 0.5), (0.25, 2.25), (0.5, 4.0), (0.8, 6.1)])
def test_gauss_statistics(noise, variance):
    n = 20000
    xy, label = ds.gauss(n, noise, SeedRandom(f"stats {noise}"))
    pos, neg = xy[: n // 2], xy[n // 2:]
    sem = math.sqrt(variance / (n // 2))
    np.testing.assert_allclose(pos.mean(axis=0), [2, 2], atol=5 * sem)
    np.testing.assert_allclose(neg.mean(axis=0), [-2, -2], atol=5 * sem)
    sev = variance * math.sqrt(2 / (n // 2))
    np.testing.assert_allclose(pos.var(axis=0), variance, atol=5 * sev)
    np.testing.assert_allclose(neg.var(axis=0), variance, atol=5 * sev)
    # x and y are independent
    assert abs(np.corrcoef(pos[:, 0], pos[:, 1])[0, 1]) < 0.05
    # labels are never flipped
    assert (label[: n // 2] == 1).all() and (label[n // 2:] == -1).all()


# ---------------------------------------------------------------------------
# spiral


def _spiral_formula(n, delta_t):
    """Spec 3.4 in Playground's operation order (i / m · 5, 1.75 · i / m · 2 · π + δ)."""
    m = n / 2
    x, y = [], []
    for i in range(n // 2):
        r = i / m * 5
        t = 1.75 * i / m * 2 * math.pi + delta_t
        x.append(r * math.sin(t))
        y.append(r * math.cos(t))
    return np.array(x), np.array(y)


def test_spiral_noiseless_positions_and_draws():
    rec = Recorder("spiral")
    xy, label = ds.spiral(500, 0.0, rec)
    assert len(rec.draws) == 2 * 500  # noise is drawn even at ν = 0
    for arm, (delta, lab) in enumerate(((0.0, 1.0), (math.pi, -1.0))):
        x, y = _spiral_formula(500, delta)
        rows = slice(250 * arm, 250 * (arm + 1))
        np.testing.assert_array_equal(xy[rows, 0], x)
        np.testing.assert_array_equal(xy[rows, 1], y)
        assert (label[rows] == lab).all()
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert radius.max() < 5 and radius.max() > 4.9
    # the two arms are point reflections of each other (δ = π)
    np.testing.assert_allclose(xy[:250], -xy[250:], atol=1e-13)


@pytest.mark.parametrize("noise", [0.1, 0.5])
def test_spiral_jitter(noise):
    rec = Recorder("jitter")
    xy, _ = ds.spiral(500, noise, rec)
    clean, _ = ds.spiral(500, 0.0, SeedRandom("jitter"))
    jitter = noise * uniform(rec.array().reshape(500, 2), -1, 1)
    np.testing.assert_allclose(xy - clean, jitter, rtol=0, atol=1e-14)
    assert np.abs(xy - clean).max() <= noise + 1e-14
    assert np.abs(xy - clean).max() > 0.8 * noise


# ---------------------------------------------------------------------------
# regression


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_reg_plane_rebuilt_from_draws(noise):
    rec = Recorder("plane")
    xy, label = ds.reg_plane(1200, noise, rec)
    d = rec.array().reshape(1200, 4)  # x, y, noiseX, noiseY
    x, y = uniform(d[:, 0], -6, 6), uniform(d[:, 1], -6, 6)
    np.testing.assert_array_equal(xy, np.column_stack([x, y]))
    t = ((x + noise * uniform(d[:, 2], -6, 6)) + (y + noise * uniform(d[:, 3], -6, 6)) + 10) / 20
    np.testing.assert_array_equal(label, -1 * (1 - t) + 1 * t)


def test_reg_plane_noiseless_label_and_range():
    xy, label = ds.reg_plane(1200, 0.0, SeedRandom("plane range"))
    np.testing.assert_allclose(label, (xy[:, 0] + xy[:, 1]) / 10, rtol=0, atol=1e-15)
    # no clamping: P(|x + y| > 10) = 1/36, so corners go beyond ±1, up to ±1.2
    assert (label > 1).any() and (label < -1).any()
    assert np.abs(label).max() <= 1.2


def _cones(x, y):
    """All six bump values, shape (n, 6), straight from docs/playground.md §3.6."""
    values = []
    for cx, cy, sign in [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1),
                         (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]:
        d = np.hypot(x - cx, y - cy)
        values.append(sign * np.clip(1 - d / 2, 0, 1))
    return np.column_stack(values)


@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_reg_gauss_rebuilt_from_draws(noise):
    rec = Recorder("multi gauss")
    xy, label = ds.reg_gauss(1200, noise, rec)
    d = rec.array().reshape(1200, 4)
    x, y = uniform(d[:, 0], -6, 6), uniform(d[:, 1], -6, 6)
    np.testing.assert_array_equal(xy, np.column_stack([x, y]))
    cones = _cones(x + noise * uniform(d[:, 2], -6, 6), y + noise * uniform(d[:, 3], -6, 6))
    expected = cones[np.arange(1200), np.argmax(np.abs(cones), axis=1)]
    np.testing.assert_allclose(label, expected, rtol=0, atol=1e-15)
    assert (label != 0).any() and (label == 0).any()
    assert np.abs(label).max() <= 1


def test_reg_gauss_label_rule():
    assert ds.reg_gauss_label(-4, 2.5) == 1.0  # bump centres
    assert ds.reg_gauss_label(0, 2.5) == -1.0
    assert ds.reg_gauss_label(4, -2.5) == -1.0
    assert ds.reg_gauss_label(0, -1.5) == pytest.approx(0.5)  # d = 1 from (0, -2.5)
    # Far from every bump all six values are ±0; only a strictly greater
    # magnitude replaces the start value +0, so the result is +0 (a ">=" rule
    # would end on the last bump's -0).
    far = ds.reg_gauss_label(0.0, 6.0)
    assert far == 0 and math.copysign(1, far) == 1
    # (2, 2.5) is at distance 2 from two opposite bumps: both 0
    assert ds.reg_gauss_label(2, 2.5) == 0


# ---------------------------------------------------------------------------
# noise semantics


@pytest.mark.parametrize("name", ["circle", "xor", "reg-plane", "reg-gauss"])
def test_noise_moves_labels_not_positions(name):
    gen = ds.generator(name)
    n = 1200 if name.startswith("reg") else 500
    xy0, label0 = gen(n, 0.0, SeedRandom("semantics"))
    xy1, label1 = gen(n, 0.5, SeedRandom("semantics"))
    np.testing.assert_array_equal(xy0, xy1)
    changed = (label0 != label1).sum()
    assert changed > 0.01 * n


@pytest.mark.parametrize("name", ["gauss", "spiral"])
def test_noise_moves_positions_not_labels(name):
    gen = ds.generator(name)
    xy0, label0 = gen(500, 0.0, SeedRandom("semantics"))
    xy1, label1 = gen(500, 0.5, SeedRandom("semantics"))
    np.testing.assert_array_equal(label0, label1)
    assert (xy0 != xy1).all(axis=1).mean() > 0.9


# ---------------------------------------------------------------------------
# multi-class


def test_gauss3_counts_centres_and_spread():
    n = 30000
    xy, label = ds.gauss3(n, 0.0, SeedRandom("gauss3"))
    assert set(np.unique(label)) == {0.0, 1.0, 2.0}
    assert [int((label == c).sum()) for c in range(3)] == [10000] * 3
    for c, degrees in enumerate((90, 210, 330)):
        centre = 3 * np.array([math.cos(math.radians(degrees)), math.sin(math.radians(degrees))])
        pts = xy[label == c]
        np.testing.assert_allclose(pts.mean(axis=0), centre, atol=0.04)
        np.testing.assert_allclose(pts.var(axis=0), 0.5, atol=0.04)
    xy, label = ds.gauss3(30000, 0.5, SeedRandom("gauss3 wide"))
    np.testing.assert_allclose(xy[label == 1].var(axis=0), 4.0, atol=0.3)


def test_multiclass_counts_for_500():
    for name in MULTICLASS:
        _, label = ds.generator(name)(500, 0.0, SeedRandom("counts"))
        assert [int((label == c).sum()) for c in range(3)] == [167, 167, 166]
        assert (np.diff(label) >= 0).all()  # generated class by class


def test_spiral3_positions():
    rec = Recorder("spiral3")
    xy, label = ds.spiral3(600, 0.0, rec)
    assert len(rec.draws) == 1200
    i = np.arange(200)
    for c in range(3):
        t = 1.75 * i / 200 * 2 * np.pi + c * 2 * np.pi / 3
        r = i / 200 * 5
        rows = label == c
        np.testing.assert_allclose(xy[rows], np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-13)
    # arm 1 is arm 0 turned by 120° (clockwise, since x = ρ sin t, y = ρ cos t)
    a = -2 * np.pi / 3
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    np.testing.assert_allclose(xy[label == 0] @ rot.T, xy[label == 1], atol=1e-12)
    noisy, _ = ds.spiral3(600, 0.3, SeedRandom("spiral3"))
    assert 0 < np.abs(noisy - xy).max() <= 0.3


# ---------------------------------------------------------------------------
# shuffle and split


def test_shuffle_is_the_playground_fisher_yates():
    n = 50
    rec = Recorder("shuffle")
    a = np.arange(n, dtype=np.float64) * 10
    b = np.column_stack([np.arange(n), -np.arange(n)]).astype(np.float64)
    order = shuffle(rec, a, b)
    assert len(rec.draws) == n
    expected = list(range(n))
    for c, r in zip(range(n, 0, -1), rec.draws):
        k = math.floor(r * c)
        expected[c - 1], expected[k] = expected[k], expected[c - 1]
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_array_equal(a, np.array(expected) * 10.0)
    np.testing.assert_array_equal(b[:, 0], expected)
    np.testing.assert_array_equal(b[:, 1], -np.array(expected))
    assert sorted(order) == list(range(n))


def test_shuffle_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        shuffle(SeedRandom("x"), np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        shuffle(SeedRandom("x"))
    with pytest.raises(TypeError, match="arrays"):
        shuffle(SeedRandom("x"), [1, 2, 3])


@pytest.mark.parametrize(
    "n,percent,n_train",
    [(500, 50, 250), (1200, 50, 600), (500, 10, 50), (1200, 10, 120), (500, 90, 450),
     (1200, 30, 360), (500, 70, 350), (1200, 70, 840), (7, 50, 3), (10, 99.99, 9)],
)
def test_split_sizes(n, percent, n_train):
    xy = np.arange(2 * n, dtype=np.float64).reshape(n, 2)
    label = np.arange(n, dtype=np.float64)
    data = split(xy, label, percent)
    assert isinstance(data, Dataset)
    assert data.num_train == n_train and data.num_test == n - n_train
    np.testing.assert_array_equal(data.train_x, xy[:n_train])
    np.testing.assert_array_equal(data.test_y, label[n_train:])
    data.train_x[0, 0] = -1.0  # copies, not views
    assert xy[0, 0] == 0.0


def test_make_dataset_is_generate_shuffle_split():
    rng = SeedRandom("pipeline")
    data = make_dataset("spiral", 20, 30, rng)
    manual_rng = SeedRandom("pipeline")
    xy, label = ds.spiral(500, 0.2, manual_rng)
    shuffle(manual_rng, xy, label)
    assert rng() == manual_rng()  # same number of draws used
    np.testing.assert_array_equal(np.vstack([data.train_x, data.test_x]), xy)
    np.testing.assert_array_equal(np.concatenate([data.train_y, data.test_y]), label)
    assert data.num_train == 150


@pytest.mark.parametrize("name", ALL)
def test_make_dataset_sizes_and_determinism(name):
    a = make_dataset(name, 15, 50, SeedRandom("same"))
    b = make_dataset(name, 15, 50, SeedRandom("same"))
    c = make_dataset(name, 15, 50, SeedRandom("other"))
    n = 1200 if name in REGRESSION else 500
    assert a.num_train + a.num_test == n and a.num_train == n // 2
    for field in ("train_x", "train_y", "test_x", "test_y"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.train_x, c.train_x)
    if name in CLASSIFICATION:
        assert set(np.unique(a.train_y)) == {-1.0, 1.0}
    # shuffled: both halves hold both classes / a spread of labels
    assert len(np.unique(a.train_y[:50])) > 1


def test_thumbnail_points():
    for name in ALL:
        xy, label = thumbnail_points(name)
        assert xy.shape == (200, 2) and label.shape == (200,)
        again, _ = thumbnail_points(name)
        np.testing.assert_array_equal(xy, again)
        ref, ref_label = ds.generator(name)(200, 0.0, SeedRandom(ds.THUMBNAIL_SEED))
        np.testing.assert_array_equal(xy, ref)
    xy, _ = thumbnail_points("spiral")  # ν = 0: exact spiral positions
    x, y = _spiral_formula(200, 0.0)
    np.testing.assert_allclose(xy[:100, 0], x, atol=1e-14)


# ---------------------------------------------------------------------------
# errors


def test_unknown_dataset_lists_allowed_ids():
    with pytest.raises(ValueError) as info:
        make_dataset("moons", 0, 50, SeedRandom("x"))
    message = str(info.value)
    assert "moons" in message and all(name in message for name in ALL)
    with pytest.raises(ValueError, match="circle"):
        problem_of("Circle")
    with pytest.raises(ValueError):
        num_classes(None)


@pytest.mark.parametrize("noise", [-0.01, 0.81, math.nan, math.inf])
def test_bad_noise_fraction(noise):
    with pytest.raises(ValueError, match="noise"):
        ds.circle(10, noise, SeedRandom("x"))


@pytest.mark.parametrize("noise_percent", [-5, 81, 100, math.nan])
def test_bad_noise_percent(noise_percent):
    with pytest.raises(ValueError, match="noise_percent"):
        make_dataset("xor", noise_percent, 50, SeedRandom("x"))


@pytest.mark.parametrize("train_percent", [0, 100, -10, 150, math.nan])
def test_bad_train_percent(train_percent):
    with pytest.raises(ValueError, match="train_percent"):
        make_dataset("xor", 0, train_percent, SeedRandom("x"))


def test_bad_n_and_rand():
    with pytest.raises(ValueError, match="even"):
        ds.circle(5, 0.0, SeedRandom("x"))
    with pytest.raises(ValueError, match="n must be >= 0"):
        ds.xor(-1, 0.0, SeedRandom("x"))
    with pytest.raises(TypeError, match="n must be an int"):
        ds.xor(10.0, 0.0, SeedRandom("x"))
    with pytest.raises(TypeError, match="rand"):
        ds.xor(10, 0.0, 0.5)
    with pytest.raises(TypeError, match="noise"):
        ds.xor(10, "0.1", SeedRandom("x"))
