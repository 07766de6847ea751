"""The datasets of TensorFlow Playground, generated draw for draw.

Every generator has the signature ``fn(n, noise, rand) -> (xy, label)``:

* ``n``: number of samples;
* ``noise``: the noise *fraction* ν (Playground's UI percent divided by 100);
* ``rand``: a callable returning the next double of the stream in [0, 1)
  (a :class:`~nbplayground.seedrandom.SeedRandom`);
* ``xy``: float64 array of shape (n, 2), ``label``: float64 array (n,).

Points come out in generation order; :func:`make_dataset` then shuffles and
splits them like Playground's ``generateData``.  Notation (docs/playground.md §2.1):
``U(a, b) = r * (b - a) + a`` with ``r = rand()``; the d3 v3 linear scales are
``t = (v - d0) / (d1 - d0)`` followed by ``a * (1 - t) + b * t``.  The
per-sample loops are plain Python, written in the same order and with the
same floating-point operations as Playground's ``dataset.ts``, so that a
Playground seed yields Playground's data to the last bit (up to the last ulp
of ``sin``/``cos``/``log``, which the platform's libm provides).

Classification labels are +1 / -1; regression labels are real.  The two
multi-class datasets (``gauss3``, ``spiral3``) are nbplayground additions
with labels 0, 1, 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from nbplayground.seedrandom import SeedRandom

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "MULTICLASS",
    "DATASETS",
    "LABELS",
    "NUM_SAMPLES",
    "MAX_NOISE",
    "THUMBNAIL_SAMPLES",
    "THUMBNAIL_SEED",
    "GENERATORS",
    "Dataset",
    "circle",
    "xor",
    "gauss",
    "spiral",
    "reg_plane",
    "reg_gauss",
    "reg_gauss_label",
    "REG_GAUSS_BUMPS",
    "GAUSS3_CENTRES",
    "gauss3",
    "spiral3",
    "generator",
    "problem_of",
    "num_classes",
    "shuffle",
    "split",
    "make_dataset",
    "thumbnail_points",
]

Rand = Callable[[], float]

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("reg-plane", "reg-gauss")
MULTICLASS = ("gauss3", "spiral3")
DATASETS = CLASSIFICATION + REGRESSION + MULTICLASS
#: What the dataset picker shows for each dataset (its tooltip).
LABELS = {
    "circle": "Circle", "xor": "Exclusive or", "gauss": "Gaussian", "spiral": "Spiral",
    "gauss3": "Three Gaussians", "spiral3": "Three-arm spiral",
    "reg-plane": "Plane", "reg-gauss": "Multi Gaussian",
}
assert set(LABELS) == set(DATASETS)

#: Total number of samples per problem type (train + test).
NUM_SAMPLES = {"classification": 500, "regression": 1200}

#: Largest noise fraction accepted.  Playground's slider stops at 50 %, and
#: its start-up check keeps URL values up to 80 % (above that it uses 50 %).
MAX_NOISE = 0.8

#: The picker thumbnails: 200 noiseless samples from a fixed stream.
THUMBNAIL_SAMPLES = 200
THUMBNAIL_SEED = "nbplayground-thumbnails"

_TWO_PI = 2 * math.pi


# --------------------------------------------------------------------------
# argument checks


def _check_dataset(dataset: object) -> str:
    if not isinstance(dataset, str) or dataset not in GENERATORS:
        raise ValueError(
            f"dataset must be one of {', '.join(DATASETS)}; got {dataset!r}"
        )
    return dataset


def _check_n(n: object, name: str, even: bool = False) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__} {n!r}")
    n = int(n)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if even and n % 2:
        raise ValueError(
            f"n must be even for dataset {name!r} (it has two halves of n/2 "
            f"samples), got {n}"
        )
    return n


def _check_number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{field} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{field} must be finite, got {value!r}")
    return value


def _check_noise(noise: object) -> float:
    noise = _check_number(noise, "noise")
    if not 0.0 <= noise <= MAX_NOISE:
        raise ValueError(
            f"noise (a fraction: UI percent / 100) must be in [0, {MAX_NOISE}], got {noise!r}"
        )
    return noise


def _check_rand(rand: object) -> None:
    if not callable(rand):
        raise TypeError(
            f"rand must be a callable returning the next double in [0, 1), got {rand!r}"
        )


def _as_arrays(xs: list[float], ys: list[float], labels: list[float]) -> tuple[np.ndarray, np.ndarray]:
    xy = np.empty((len(xs), 2), dtype=np.float64)
    xy[:, 0] = xs
    xy[:, 1] = ys
    return xy, np.array(labels, dtype=np.float64)


def _class_counts(n: int, k: int) -> list[int]:
    """Split ``n`` samples over ``k`` classes; the first ``n % k`` get one more."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _normal(rand: Rand, mean: float, variance: float) -> float:
    """Marsaglia polar method, as Playground's ``normalRandom``.

    Draw ``v1, v2 = 2r - 1`` until ``s = v1² + v2² <= 1``; return
    ``mean + sqrt(variance) * sqrt(-2 ln s / s) * v1``.  The second variate
    (with ``v2``) is thrown away, exactly as Playground does.
    """
    while True:
        v1 = 2 * rand() - 1
        v2 = 2 * rand() - 1
        s = v1 * v1 + v2 * v2
        if not s > 1:
            break
    if s == 0.0:  # JS: sqrt(Infinity) * 0 is NaN (probability ~2**-106)
        return math.nan
    result = math.sqrt(-2 * math.log(s) / s) * v1
    return mean + math.sqrt(variance) * result


def _gauss_variance(noise: float) -> float:
    """d3 scale [0, 0.5] -> [0.5, 4], unclamped: σ² = 0.5 + 7ν."""
    t = (noise - 0) / (0.5 - 0)
    return 0.5 * (1 - t) + 4 * t


# --------------------------------------------------------------------------
# Playground's two-class and regression datasets


def circle(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Circle: a disc of radius 2.5 (label +1) inside a ring 3.5..5 (label -1).

    First n/2 points: ``ρ = U(0, 2.5)``, then n/2 points ``ρ = U(3.5, 5)``;
    each with ``θ = U(0, 2π)``, ``(x, y) = (ρ sin θ, ρ cos θ)``.  Draws per
    point: ρ, θ, noiseX = ν·U(-5, 5), noiseY = ν·U(-5, 5).  The label is +1
    if ``|(x + noiseX, y + noiseY)| < 2.5`` else -1; the stored position is
    not perturbed (noise flips labels near the boundary).
    """
    n = _check_n(n, "circle", even=True)
    noise = _check_noise(noise)
    _check_rand(rand)
    radius = 5
    boundary = radius * 0.5
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    sin = math.sin
    cos = math.cos
    sqrt = math.sqrt
    for r_min, r_max in ((0, radius * 0.5), (radius * 0.7, radius)):
        for _ in range(n // 2):
            r = rand() * (r_max - r_min) + r_min
            angle = rand() * (_TWO_PI - 0) + 0
            x = r * sin(angle)
            y = r * cos(angle)
            noise_x = (rand() * (radius - -radius) + -radius) * noise
            noise_y = (rand() * (radius - -radius) + -radius) * noise
            dx = x + noise_x - 0
            dy = y + noise_y - 0
            xs.append(x)
            ys.append(y)
            labels.append(1.0 if sqrt(dx * dx + dy * dy) < boundary else -1.0)
    return _as_arrays(xs, ys, labels)


def xor(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """XOR: four quadrant blocks, label +1 where x·y >= 0.

    Per point: ``x = U(-5, 5)`` pushed 0.3 away from the axis (``+0.3`` if
    ``x > 0`` else ``-0.3``), the same for ``y``, then noiseX, noiseY =
    ν·U(-5, 5).  Label: +1 if ``(x + noiseX)·(y + noiseY) >= 0`` else -1;
    positions stay clean.  Positions lie in [-5.3, -0.3] ∪ [0.3, 5.3].
    """
    n = _check_n(n, "xor")
    noise = _check_noise(noise)
    _check_rand(rand)
    padding = 0.3
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    for _ in range(n):
        x = rand() * (5 - -5) + -5
        x += padding if x > 0 else -padding
        y = rand() * (5 - -5) + -5
        y += padding if y > 0 else -padding
        noise_x = (rand() * (5 - -5) + -5) * noise
        noise_y = (rand() * (5 - -5) + -5) * noise
        xs.append(x)
        ys.append(y)
        labels.append(1.0 if (x + noise_x) * (y + noise_y) >= 0 else -1.0)
    return _as_arrays(xs, ys, labels)


def gauss(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs: n/2 around (2, 2) with label +1, then n/2 around
    (-2, -2) with label -1.

    Each coordinate is normal with variance ``σ² = 0.5·(1-t) + 4·t``,
    ``t = ν / 0.5`` (i.e. 0.5 + 7ν, not clamped), drawn by the polar method,
    x first then y.  Noise widens the blobs; labels are never flipped.
    """
    n = _check_n(n, "gauss", even=True)
    noise = _check_noise(noise)
    _check_rand(rand)
    variance = _gauss_variance(noise)
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    for cx, cy, label in ((2, 2, 1.0), (-2, -2, -1.0)):
        for _ in range(n // 2):
            xs.append(_normal(rand, cx, variance))
            ys.append(_normal(rand, cy, variance))
            labels.append(label)
    return _as_arrays(xs, ys, labels)


def spiral(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms of m = n/2 points each.

    For ``i = 0 … m-1``: ``ρ = i / m · 5``, ``t = 1.75·i / m · 2 · π + δ``,
    ``x = ρ sin t + ν·U(-1, 1)``, ``y = ρ cos t + ν·U(-1, 1)``.  Arm 1 has
    δ = 0 and label +1, arm 2 δ = π and label -1.  Both noise draws happen
    even when ν = 0, so the stream advances by 2 per point.
    """
    n = _check_n(n, "spiral", even=True)
    noise = _check_noise(noise)
    _check_rand(rand)
    m = n / 2  # a float, as in JS
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    sin = math.sin
    cos = math.cos
    pi = math.pi
    for delta_t, label in ((0, 1.0), (pi, -1.0)):
        for i in range(n // 2):
            r = i / m * 5
            t = 1.75 * i / m * 2 * pi + delta_t
            xs.append(r * sin(t) + (rand() * (1 - -1) + -1) * noise)
            ys.append(r * cos(t) + (rand() * (1 - -1) + -1) * noise)
            labels.append(label)
    return _as_arrays(xs, ys, labels)


def reg_plane(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Plane (regression): ``x, y = U(-6, 6)``; the label is the d3 scale
    [-10, 10] -> [-1, 1], unclamped, at the perturbed point::

        t = ((x + noiseX) + (y + noiseY) + 10) / 20,   label = -1·(1-t) + 1·t

    with noiseX, noiseY = ν·U(-6, 6).  Labels reach ±1.2 in the corners.
    Draws per point: x, y, noiseX, noiseY.
    """
    return _regression("reg-plane", n, noise, rand, _plane_label)


def _plane_label(px: float, py: float) -> float:
    """The plane's label at the perturbed point: the d3 scale [-10, 10] -> [-1, 1]."""
    t = ((px + py) - -10) / (10 - -10)
    return -1 * (1 - t) + 1 * t


def _regression(name: str, n: int, noise: float, rand: Rand, label_at) -> tuple:
    """Both regression datasets: ``x, y = U(-6, 6)``, noiseX, noiseY = ν·U(-6, 6)
    (draws in that order), the label ``label_at(x + noiseX, y + noiseY)`` and the
    position clean."""
    n = _check_n(n, name)
    noise = _check_noise(noise)
    _check_rand(rand)
    radius = 6
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    for _ in range(n):
        x = rand() * (radius - -radius) + -radius
        y = rand() * (radius - -radius) + -radius
        noise_x = (rand() * (radius - -radius) + -radius) * noise
        noise_y = (rand() * (radius - -radius) + -radius) * noise
        xs.append(x)
        ys.append(y)
        labels.append(label_at(x + noise_x, y + noise_y))
    return _as_arrays(xs, ys, labels)


#: The six signed cones of ``reg-gauss``: (centre x, centre y, sign), in scan order.
REG_GAUSS_BUMPS = (
    (-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1),
    (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1),
)


def reg_gauss_label(x: float, y: float) -> float:
    """Value of the bump with the largest magnitude at (x, y).

    Each bump is ``sign · (1·(1-t) + 0·t)`` with ``t = clamp(d / 2, 0, 1)``
    and ``d`` the distance to its centre.  Bumps are scanned in
    :data:`REG_GAUSS_BUMPS` order and a later one wins only if strictly larger
    in magnitude (starting from 0).
    """
    label = 0.0  # a zero-valued bump never replaces it, so no -0.0 results
    for cx, cy, sign in REG_GAUSS_BUMPS:
        dx = x - cx
        dy = y - cy
        t = max(0.0, min(1.0, (math.sqrt(dx * dx + dy * dy) - 0) / (2 - 0)))
        new_label = sign * (1 * (1 - t) + 0 * t)  # -1 * 0.0 is -0.0, as in JS
        if abs(new_label) > abs(label):
            label = new_label
    return label


def reg_gauss(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Multi Gaussian (regression): six signed cones of radius 2.

    ``x, y = U(-6, 6)``, noiseX, noiseY = ν·U(-6, 6); the label is
    :func:`reg_gauss_label` at the perturbed point, the position is clean.
    Draws per point: x, y, noiseX, noiseY.
    """
    return _regression("reg-gauss", n, noise, rand, reg_gauss_label)


# --------------------------------------------------------------------------
# nbplayground's three-class datasets

#: Radius of the circle on which the ``gauss3`` centres lie.
GAUSS3_RADIUS = 3.0
#: ``gauss3`` centres at 90°, 210° and 330° on that circle (classes 0, 1, 2).
GAUSS3_CENTRES = (
    (0.0, GAUSS3_RADIUS),
    (-GAUSS3_RADIUS * math.sqrt(3) / 2, -GAUSS3_RADIUS / 2),
    (GAUSS3_RADIUS * math.sqrt(3) / 2, -GAUSS3_RADIUS / 2),
)


def gauss3(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs, labels 0, 1, 2, centred at :data:`GAUSS3_CENTRES`.

    Class ``c`` gets ``n // 3`` points, plus one for the first ``n % 3``
    classes; classes are generated in order.  Variance as in :func:`gauss`
    (σ² = 0.5 + 7ν), polar method, x then y.
    """
    n = _check_n(n, "gauss3")
    noise = _check_noise(noise)
    _check_rand(rand)
    variance = _gauss_variance(noise)
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    for c, ((cx, cy), count) in enumerate(zip(GAUSS3_CENTRES, _class_counts(n, 3))):
        for _ in range(count):
            xs.append(_normal(rand, cx, variance))
            ys.append(_normal(rand, cy, variance))
            labels.append(float(c))
    return _as_arrays(xs, ys, labels)


def spiral3(n: int, noise: float, rand: Rand) -> tuple[np.ndarray, np.ndarray]:
    """Three spiral arms, labels 0, 1, 2, offset by 2π/3 from one another.

    Arm ``c`` has ``m`` points (``n // 3``, plus one for the first ``n % 3``
    arms); for ``i = 0 … m-1``: ``ρ = i / m · 5``,
    ``t = 1.75·i / m · 2 · π + c·2π/3``, ``x = ρ sin t + ν·U(-1, 1)``,
    ``y = ρ cos t + ν·U(-1, 1)`` (both noise draws always happen).
    """
    n = _check_n(n, "spiral3")
    noise = _check_noise(noise)
    _check_rand(rand)
    xs: list[float] = []
    ys: list[float] = []
    labels: list[float] = []
    pi = math.pi
    for c, count in enumerate(_class_counts(n, 3)):
        delta_t = c * _TWO_PI / 3
        for i in range(count):
            r = i / count * 5
            t = 1.75 * i / count * 2 * pi + delta_t
            xs.append(r * math.sin(t) + (rand() * (1 - -1) + -1) * noise)
            ys.append(r * math.cos(t) + (rand() * (1 - -1) + -1) * noise)
            labels.append(float(c))
    return _as_arrays(xs, ys, labels)


GENERATORS: dict[str, Callable[[int, float, Rand], tuple[np.ndarray, np.ndarray]]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "reg-plane": reg_plane,
    "reg-gauss": reg_gauss,
    "gauss3": gauss3,
    "spiral3": spiral3,
}


def generator(dataset: str) -> Callable[[int, float, Rand], tuple[np.ndarray, np.ndarray]]:
    """The generator function of a dataset id."""
    return GENERATORS[_check_dataset(dataset)]


def problem_of(dataset: str) -> str:
    """``"regression"`` for reg-plane / reg-gauss, else ``"classification"``."""
    return "regression" if _check_dataset(dataset) in REGRESSION else "classification"


def num_classes(dataset: str) -> int | None:
    """2 for Playground's classification sets, 3 for the multi-class ones,
    ``None`` for regression."""
    dataset = _check_dataset(dataset)
    if dataset in REGRESSION:
        return None
    return 3 if dataset in MULTICLASS else 2


# --------------------------------------------------------------------------
# shuffle, split, dataset


def shuffle(rand: Rand, *arrays: np.ndarray) -> np.ndarray:
    """Shuffle arrays in place along axis 0 with Playground's Fisher–Yates.

    For ``c = n, n-1, …, 1``: ``k = floor(rand() · c)``, swap rows ``c-1``
    and ``k``.  One draw per row; the same permutation is applied to every
    array.  Returns ``order`` with ``new[i] = old[order[i]]``.
    """
    _check_rand(rand)
    if not arrays:
        raise ValueError("shuffle needs at least one array to shuffle")
    for index, array in enumerate(arrays):
        if not isinstance(array, np.ndarray) or array.ndim == 0:
            raise TypeError(
                f"arrays[{index}] must be a numpy array with at least one dimension, "
                f"got {type(array).__name__}"
            )
    n = len(arrays[0])
    for index, array in enumerate(arrays):
        if len(array) != n:
            raise ValueError(
                f"all arrays must have the same length; arrays[0] has {n}, "
                f"arrays[{index}] has {len(array)}"
            )
    order = list(range(n))
    for c in range(n, 0, -1):
        k = int(rand() * c)  # floor, the product is >= 0
        order[c - 1], order[k] = order[k], order[c - 1]
    perm = np.array(order, dtype=np.intp)
    for array in arrays:
        array[...] = array[perm]
    return perm


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split: ``*_x`` float64 (n, 2), ``*_y`` float64 (n,)."""

    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray

    @property
    def num_train(self) -> int:
        return len(self.train_y)

    @property
    def num_test(self) -> int:
        return len(self.test_y)


def _check_train_percent(train_percent: object) -> float:
    train_percent = _check_number(train_percent, "train_percent")
    if not 0.0 < train_percent < 100.0:
        raise ValueError(
            f"train_percent must be in (0, 100) exclusive, got {train_percent!r}"
        )
    return train_percent


def split(xy: np.ndarray, label: np.ndarray, train_percent: float) -> Dataset:
    """First ``floor(N · train_percent / 100)`` rows train, the rest test.

    The split index is computed in double arithmetic like Playground's
    ``Math.floor(data.length * percTrainData / 100)``, so 500 · 50 / 100
    gives exactly 250.  The returned arrays are copies.
    """
    train_percent = _check_train_percent(train_percent)
    xy = np.asarray(xy, dtype=np.float64)
    label = np.asarray(label, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (n, 2), got {xy.shape}")
    if label.shape != (xy.shape[0],):
        raise ValueError(
            f"label must have shape ({xy.shape[0]},) to match xy, got {label.shape}"
        )
    n = xy.shape[0]
    index = math.floor(float(n) * train_percent / 100.0)
    return Dataset(
        train_x=xy[:index].copy(),
        train_y=label[:index].copy(),
        test_x=xy[index:].copy(),
        test_y=label[index:].copy(),
    )


def make_dataset(
    dataset: str, noise_percent: float, train_percent: float, rand: Rand
) -> Dataset:
    """Playground's ``generateData`` after seeding: generate, shuffle, split.

    ``noise_percent`` is the UI value (0–50 on the slider, up to 80 via a
    URL); the generator receives ``noise_percent / 100``.  N is 500 for
    classification (including the multi-class sets) and 1200 for regression.
    The caller seeds ``rand`` (e.g. ``SeedRandom(seed)``); this draws the
    data, then one value per sample for the shuffle.
    """
    gen = generator(dataset)
    noise_percent = _check_number(noise_percent, "noise_percent")
    if not 0.0 <= noise_percent <= MAX_NOISE * 100:
        raise ValueError(
            f"noise_percent must be in [0, {MAX_NOISE * 100:g}], got {noise_percent!r}"
        )
    train_percent = _check_train_percent(train_percent)
    _check_rand(rand)
    xy, label = gen(NUM_SAMPLES[problem_of(dataset)], noise_percent / 100, rand)
    shuffle(rand, xy, label)
    return split(xy, label, train_percent)


def thumbnail_points(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """The picker thumbnail's points: 200 samples at ν = 0.

    They come from a fresh ``SeedRandom(THUMBNAIL_SEED)`` on every call, so
    they are fixed and never consume the training stream (unlike Playground,
    whose thumbnails draw from the global stream).
    """
    return generator(dataset)(THUMBNAIL_SAMPLES, 0.0, SeedRandom(THUMBNAIL_SEED))
