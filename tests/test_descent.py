"""Tests for nbplayground.descent: the chapter's gradient-descent figures, reproduced.

Oracles: the curves' closed forms (x* of the bowl, the minima of "local-minima"), the
first-step formulas of the optimizers written here, finite differences against analytic
gradients, and a hand-written loop over ``optimizers.get(...).step`` for the wiring.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nbplayground import optimizers
from nbplayground.config import Config, ConfigError
from nbplayground.descent import CURVES, Curve, Descent, Race, finite_difference_gradient

BOWL_MIN = 1.0


def offsets(d: Descent) -> np.ndarray:
    """x - x* along the path of a ball on the bowl."""
    return d.path[:, 0] - BOWL_MIN


# ---------------------------------------------------------------------------------------
# The named curves
# ---------------------------------------------------------------------------------------


def test_the_named_curves_are_there_with_their_attributes():
    assert {"bowl", "local-minima", "ravine", "saddle"} <= set(CURVES)
    assert Descent.CURVES is CURVES
    for name, c in CURVES.items():
        assert c.name == name and c.title and c.description and "\n" not in c.description
        assert len(c.start) == c.dim and len(c.ranges) == c.dim
        for (lo, hi), s in zip(c.ranges, c.start):
            assert lo < s < hi, f"{name}: start {c.start} outside the range {c.range}"
    assert CURVES["bowl"].dim == CURVES["local-minima"].dim == 1
    assert CURVES["ravine"].dim == CURVES["saddle"].dim == 2


@pytest.mark.parametrize("name", list(CURVES))
def test_each_curves_gradient_matches_finite_differences(name):
    c = CURVES[name]
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = [rng.uniform(lo, hi) for lo, hi in c.ranges]
        fd = finite_difference_gradient(c.f, p)
        np.testing.assert_allclose(c.gradient(p), fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", list(CURVES))
def test_each_curves_minima_are_minima(name):
    c = CURVES[name]
    for m in c.minima:
        np.testing.assert_allclose(c.gradient(m), 0.0, atol=1e-12)
        for delta in (1e-3, -1e-3):
            for i in range(c.dim):
                q = list(m)
                q[i] += delta
                assert c.value(q) > c.value(m)


def test_local_minima_has_a_shallow_local_minimum_before_a_deeper_global_one():
    c = CURVES["local-minima"]
    (local,), (glob,) = c.minima
    assert c.start[0] < local < glob
    x, y = c.curve(4001)
    assert c.value((glob,)) == pytest.approx(y.min(), abs=1e-6)   # the global one
    assert c.value((local,)) > c.value((glob,)) + 0.5               # clearly higher
    bump = y[(x > local) & (x < glob)].max()
    assert bump > c.value((local,)) + 0.05                          # a real bump between


# ---------------------------------------------------------------------------------------
# The chapter's figures
# ---------------------------------------------------------------------------------------


def test_local_minima_plain_sgd_stays_momentum_reaches_the_global_minimum():
    c = CURVES["local-minima"]
    (local,), (glob,) = c.minima
    plain = Descent("local-minima")                  # the defaults: SGD, learning rate 0.1
    plain.step(500)
    assert plain.optimizer == "sgd" and plain.learning_rate == c.learning_rate
    assert plain.position[0] == pytest.approx(local, abs=1e-3)
    heavy = Descent("local-minima", momentum=0.9)
    heavy.step(500)
    assert heavy.position[0] == pytest.approx(glob, abs=1e-3)
    assert heavy.loss < plain.loss - 0.5
    # and it is a sticking point for plain SGD over a whole range of learning rates
    for lr in (0.01, 0.05, 0.2, 0.3):
        d = Descent("local-minima", learning_rate=lr)
        d.step(3000)
        assert d.position[0] == pytest.approx(local, abs=1e-2), lr


def test_bowl_small_rates_converge_monotonically():
    for lr in (0.01, 0.1, 0.3, 0.45):
        d = Descent("bowl", learning_rate=lr)
        d.step(40)
        e = offsets(d)
        e = e[np.abs(e) > 1e-9]         # (until it sits on the minimum to rounding)
        assert len(e) >= 8
        assert np.all(np.sign(e) == np.sign(e[0])), f"lr={lr} crossed the minimum"
        assert np.all(np.abs(e[1:]) < np.abs(e[:-1])), f"lr={lr} is not monotone"
        assert np.all(np.diff(d.losses[:len(e)]) < 0)


def test_bowl_larger_rates_bounce_from_side_to_side_while_converging():
    for lr in (0.6, 0.8, 0.95):
        d = Descent("bowl", learning_rate=lr)
        d.step(40)
        e = offsets(d)
        e = e[np.abs(e) > 1e-9]         # (until it sits on the minimum to rounding)
        assert len(e) >= 8
        assert np.all(np.sign(e[1:]) == -np.sign(e[:-1])), f"lr={lr} does not bounce"
        assert np.all(np.abs(e[1:]) < np.abs(e[:-1]))
        assert not d.diverged


def test_bowl_too_large_rates_diverge_and_stop():
    for lr in (1.1, 1.5, 3.0):
        d = Descent("bowl", learning_rate=lr)
        done = d.step(1000)
        assert d.diverged and done < 1000 and d.steps == done
        assert "diverged" in d.status
        assert np.all(np.abs(np.diff(np.abs(offsets(d)))) > 0)   # |x - x*| grew every step
        assert d.step(5) == 0 and d.steps == done               # stopped where it was
    ok = Descent("bowl")
    assert not ok.diverged and ok.status == ""


def test_decay_calms_a_bouncing_rate():
    bouncing = Descent("bowl", learning_rate=0.95)
    bouncing.step(60)
    e = offsets(bouncing)
    assert np.all(np.sign(e[1:]) == -np.sign(e[:-1]))          # bounces all along
    calm = Descent("bowl", learning_rate=0.95, decay=0.2)
    calm.step(60)
    e = offsets(calm)
    flips = np.flatnonzero(np.sign(e[1:]) != np.sign(e[:-1]))
    assert len(flips) > 0 and flips[-1] < 10                    # the bounces die out early
    assert abs(e[-1]) < abs(offsets(bouncing)[-1])              # and it ends closer
    # the learning rate the last step used is the decayed one
    assert calm.optimizer_object.last_learning_rate == pytest.approx(0.95 / (1 + 0.2 * 59))
    # a diverging rate is tamed too
    tamed = Descent("bowl", learning_rate=1.5, decay=0.5)
    tamed.step(200)
    assert not tamed.diverged and abs(offsets(tamed)[-1]) < 1e-3


def test_ravine_plain_sgd_zigzags_momentum_and_adam_go_down_the_valley():
    race = Race("ravine")
    race.step(50)
    sgd, momentum, adam = race.runs
    y = sgd.path[:10, 1]
    assert np.all(np.sign(y[1:]) == -np.sign(y[:-1]))           # across the valley
    assert abs(momentum.position[0]) < abs(sgd.position[0]) / 2   # along it: faster
    assert abs(adam.position[0]) < abs(sgd.position[0]) / 2


def test_saddle_plain_sgd_lingers_near_the_saddle_then_leaves():
    d = Descent("saddle")
    d.step(30)
    assert np.hypot(*d.position) < 0.3                         # near (0, 0) ...
    d.step(100)
    assert abs(abs(d.position[1]) - 1.0) < 1e-3                # ... then in a valley


# ---------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------


def test_path_starts_with_the_start_and_losses_follow_it():
    d = Descent("ravine", start=(3.0, -1.5))
    assert d.path.shape == (1, 2) and tuple(d.path[0]) == (3.0, -1.5)
    d.step(7)
    assert d.path.shape == (8, 2) and tuple(d.path[0]) == (3.0, -1.5)
    np.testing.assert_array_equal(d.path[-1], d.position)
    c = CURVES["ravine"]
    np.testing.assert_allclose(d.losses, [c.value(p) for p in d.path])
    assert d.loss == d.losses[-1]
    np.testing.assert_allclose(d.gradient, c.gradient(d.position))
    d.position[0] = 99.0                                       # a copy
    assert d.position[0] != 99.0


def test_default_start_and_reset():
    d = Descent("bowl")
    assert tuple(d.path[0]) == CURVES["bowl"].start
    d.step(5)
    d.reset()
    assert d.steps == 0 and tuple(d.position) == CURVES["bowl"].start
    d.reset(start=2.5)
    assert tuple(d.path[0]) == (2.5,) and d.start == (2.5,)
    d.step(3)
    d.reset()
    assert tuple(d.position) == (2.5,)                          # the new start stays


def test_reset_clears_the_optimizers_state():
    a = Descent("bowl", momentum=0.9)
    a.step(5)
    a.reset()
    a.step(3)
    b = Descent("bowl", momentum=0.9)
    b.step(3)
    np.testing.assert_array_equal(a.path, b.path)


def test_steps_follow_a_hand_written_loop_over_the_optimizers():
    """The wiring: every step is ``optimizers.get(name, **settings).step(p, grad(p))``."""
    c = CURVES["ravine"]
    for name in optimizers.NAMES:
        settings = dict(learning_rate=0.05, decay=0.1)
        if name == "sgd":
            settings.update(momentum=0.7, nesterov=True)
        d = Descent("ravine", optimizer=name, **settings)
        d.step(6)
        opt = optimizers.get(name, **settings)
        p = np.array(c.start, dtype=np.float64)
        expected = [p.copy()]
        for _ in range(6):
            opt.step(p, np.asarray(c.grad(*p), dtype=np.float64))
            expected.append(p.copy())
        np.testing.assert_array_equal(d.path, np.array(expected), err_msg=name)
        assert d.settings == opt.config()


def _first_step(name, p, g, lr, **hp):
    """Each optimizer's first step from zero slots, written from its published rule."""
    if name == "sgd":
        m = hp.get("momentum", 0.0)
        return p - lr * g * (1 + m) if hp.get("nesterov") else p - lr * g
    if name == "rmsprop":
        rho, eps = hp.get("rho", 0.9), hp.get("epsilon", 1e-7)
        return p - lr * g / (np.sqrt((1 - rho) * g * g) + eps)
    if name == "adagrad":
        a = hp.get("initial_accumulator_value", 0.1) + g * g
        return p - lr * g / (np.sqrt(a) + hp.get("epsilon", 1e-7))
    if name == "adadelta":
        rho, eps = hp.get("rho", 0.95), hp.get("epsilon", 1e-7)
        a = (1 - rho) * g * g
        return p - lr * np.sqrt(eps / (a + eps)) * g
    b1, b2, eps = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999), hp.get("epsilon", 1e-7)
    m, v = (1 - b1) * g, (1 - b2) * g * g
    if name == "adam":
        return p - lr * math.sqrt(1 - b2) / (1 - b1) * m / (np.sqrt(v) + eps)
    if name == "adamax":
        return p - lr / (1 - b1) * m / (np.abs(g) + eps)
    if name == "nadam":
        mu1 = b1 * (1 - 0.5 * 0.96 ** 0.004)
        mu2 = b1 * (1 - 0.5 * 0.96 ** 0.008)
        m_bar = (1 - mu1) * g / (1 - mu1) + mu2 * m / (1 - mu1 * mu2)
        return p - lr * m_bar / (np.sqrt(v / (1 - b2)) + eps)
    raise AssertionError(name)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_each_optimizer_takes_one_step_by_its_formula(name):
    settings = {"sgd": dict(momentum=0.5, nesterov=True), "rmsprop": dict(rho=0.8),
                "adagrad": dict(initial_accumulator_value=0.2), "adadelta": dict(rho=0.9),
                "adam": dict(beta_1=0.8), "adamax": dict(beta_2=0.99), "nadam": {}}[name]
    start = (-2.0, 1.5)
    d = Descent("ravine", optimizer=name, learning_rate=0.1, start=start, **settings)
    g = np.asarray(CURVES["ravine"].grad(*start))
    d.step(1)
    want = _first_step(name, np.array(start), g, 0.1, **settings)
    np.testing.assert_allclose(d.position, want, rtol=1e-12, atol=1e-15)


def test_configure_changes_settings_live_and_keeps_the_velocity():
    d = Descent("bowl", momentum=0.9)
    d.step(3)
    velocity = d.optimizer_object.slots["momentum"].copy()
    d.configure(learning_rate=0.05, nesterov=True)
    assert d.learning_rate == 0.05 and d.settings["nesterov"] is True
    assert d.steps == 3
    np.testing.assert_array_equal(d.optimizer_object.slots["momentum"], velocity)
    d.configure("adam")                                          # momentum stays behind
    assert d.optimizer == "adam" and d.learning_rate == 0.05 and d.steps == 3
    assert "momentum" not in d.settings
    position = d.position
    d.step(1)
    assert d.position[0] > position[0]                           # it moves on from there


def test_a_refused_change_changes_nothing():
    d = Descent("bowl", momentum=0.5)
    d.step(2)
    before = (d.optimizer, d.settings, d.path.copy())
    with pytest.raises(ValueError, match="momentum"):
        d.configure(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        d.configure("adam", beta_1=2.0)
    with pytest.raises(ValueError, match="optimizer"):
        d.configure("newton")
    assert (d.optimizer, d.settings) == before[:2]
    np.testing.assert_array_equal(d.path, before[2])


# ---------------------------------------------------------------------------------------
# Your own function
# ---------------------------------------------------------------------------------------


def test_custom_function_with_its_gradient():
    d = Descent(f=lambda x: (x - 2.0) ** 4, grad=lambda x: 4 * (x - 2.0) ** 3, start=0.0,
                learning_rate=0.01)
    assert d.curve.dim == 1 and d.curve.range == (-5.0, 5.0)
    d.step(1)
    assert d.position[0] == pytest.approx(0.0 - 0.01 * 4 * (-2.0) ** 3)
    d.step(2000)
    assert abs(d.position[0] - 2.0) < 0.1


def test_custom_function_without_gradient_uses_finite_differences():
    def f(x, y):
        return np.sin(x) * y + 0.5 * y * y + x ** 4 / 8

    def grad(x, y):
        return (np.cos(x) * y + x ** 3 / 2, np.sin(x) + y)

    d = Descent(f=f, start=(1.2, -0.7), range=((-3, 3), (-2, 2)))
    assert d.curve.grad is None and d.curve.dim == 2
    rng = np.random.default_rng(1)
    for p in rng.uniform(-2, 2, size=(25, 2)):
        np.testing.assert_allclose(d.curve.gradient(p), grad(*p), rtol=1e-7, atol=1e-8)
    d.step(5)
    exact = Descent(f=f, grad=grad, start=(1.2, -0.7), range=((-3, 3), (-2, 2)))
    exact.step(5)
    np.testing.assert_allclose(d.path, exact.path, atol=1e-7)


def test_custom_function_that_only_takes_scalars_is_drawn_point_by_point():
    d = Descent(f=lambda x: math.cos(x) + x * x / 10, start=1.0)
    x, y = d.curve.curve(50)
    np.testing.assert_allclose(y, np.cos(x) + x * x / 10)


def test_a_curve_object_and_a_range_for_a_named_curve():
    d = Descent(CURVES["bowl"], range=(-10, 10))
    assert d.curve.range == (-10.0, 10.0) and isinstance(d.curve, Curve)
    assert CURVES["bowl"].range == (-4.0, 6.0)                    # untouched


# ---------------------------------------------------------------------------------------
# A race
# ---------------------------------------------------------------------------------------


def test_race_runs_each_optimizer_from_one_start():
    race = Race("ravine", runs=[dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9),
                                dict(optimizer="adam", learning_rate=0.2, label="Adam!")],
                learning_rate=0.5, start=(4.0, -2.0))
    assert race.labels == ["SGD", "SGD, momentum 0.9", "Adam!"]
    assert [r.learning_rate for r in race.runs] == [0.5, 0.5, 0.2]
    assert race.step(10) == 10 and race.steps == 10
    for run, path in zip(race.runs, race.paths):
        assert tuple(path[0]) == (4.0, -2.0) and len(path) == 11
        single = Descent("ravine", start=(4.0, -2.0), **{k: v for k, v in run.settings.items()
                                                          if v is not None},
                         optimizer=run.optimizer)
        single.step(10)
        np.testing.assert_array_equal(single.path, path)
    race.configure(learning_rate=0.1)                            # common: not Adam's own
    assert [r.learning_rate for r in race.runs] == [0.1, 0.1, 0.2]
    race.reset()
    assert race.steps == 0


def test_race_default_runs_and_divergence_of_one():
    race = Race("bowl", runs=[dict(learning_rate=0.1), dict(learning_rate=2.0)])
    race.step(500)
    ok, wild = race.runs
    assert wild.diverged and not ok.diverged and not race.diverged
    assert ok.steps == 500
    assert Race("bowl").labels == ["SGD", "SGD, momentum 0.9", "Adam"]


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, match", [
    (dict(curve="bowls"), r"curve='bowls'.*bowl, local-minima, ravine, saddle"),
    (dict(optimizer="newton"), r"optimizer='newton'.*sgd"),
    (dict(learning_rate=-0.1), r"learning_rate=-0.1"),
    (dict(learning_rate="fast"), r"learning_rate='fast'"),
    (dict(momentum=1.5), r"momentum=1.5"),
    (dict(optimizer="adam", momentum=0.9), r"momentum"),
    (dict(decay=-1), r"decay=-1"),
    (dict(start=(1.0, 2.0)), r"start=.*1-D"),
    (dict(start=float("nan")), r"start\[0\]=nan"),
    (dict(start="left"), r"start='left'"),
    (dict(curve="ravine", start=3.0), r"2-D"),
    (dict(range=(3, 1)), r"lo < hi"),
    (dict(curve="ravine", range=(0, 1)), r"range=\(0, 1\)"),
    (dict(f=3.0, start=1.0), r"f=3.0"),
    (dict(f=lambda x: x * x), r"needs start"),
    (dict(curve="bowl", f=lambda x: x * x, start=1.0), r"not both"),
    (dict(grad=lambda x: 2 * x), r"grad= goes with f="),
    (dict(f=lambda x: [x, x], start=1.0), r"one number"),
    (dict(f=lambda x, y: x * y, grad=lambda x, y: 1.0, start=(1.0, 2.0)), r"2 number"),
    (dict(f=lambda x: 1 / 0, start=1.0), r"ZeroDivisionError"),
])
def test_bad_input_raises_naming_the_value(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        Descent(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(learning_rate=0), r"learning_rate=0: must be a finite number > 0"),
    (dict(momentum=1), r"momentum=1: must be a number in \[0, 1\)"),
    (dict(optimizer="rmsprop", rho=1.0), r"rho=1.0: must be a number in \[0, 1\)"),
    (dict(optimizer="adamax", beta_2=1), r"beta_2=1: must be a number in \[0, 1\)"),
])
def test_settings_follow_configs_rules(kwargs, match):
    """Descent took learning_rate=0 and momentum=1, which Config refuses; now one rule."""
    with pytest.raises(ValueError, match=match):
        Descent("bowl", **kwargs)
    name, value = [(k, v) for k, v in kwargs.items() if k != "optimizer"][0]
    with pytest.raises(ConfigError, match=re.escape(f"{name}={value!r}")):
        Config(seed="1", **{name: value})
    d = Descent("bowl", optimizer=kwargs.get("optimizer", "sgd"))
    before = d.settings
    with pytest.raises(ValueError, match=match):
        d.configure(**{name: value})
    assert d.settings == before, "a refused change changes nothing"
    assert Descent("bowl", learning_rate=np.float32(0.5), momentum=0.99).learning_rate == 0.5


@pytest.mark.parametrize("grad, dim, match", [
    (lambda x: "a", 1, r"grad\(1\.0,\) returned 'a'; grad must return a number"),
    (lambda x, y: ("a", 1.0), 2, r"grad\(1\.0, 2\.0\) returned \('a', 1\.0\); grad must return 2 "
                                 r"numbers"),
    (lambda x: 1 / 0, 1, r"grad\(1\.0,\) raised ZeroDivisionError"),
])
def test_a_bad_gradient_function_is_named(grad, dim, match):
    """A grad returning 'a' failed with numpy's bare 'could not convert string to float'."""
    start, f = (1.0, lambda x: x * x) if dim == 1 else ((1.0, 2.0), lambda x, y: x * y)
    with pytest.raises((TypeError, ValueError), match=match):
        Descent(f=f, grad=grad, start=start)


def test_a_gradient_that_fails_on_the_way_stops_the_ball_and_a_bad_start_changes_nothing():
    """grad raising mid-descent left the ball moved and the old gradient in place: the
    next step(), after the error, moved it by that stale gradient.  Now the ball stops
    there with a status, as where f is undefined.  A reset to a start where grad fails
    was half made (position and path new, gradient old); now it is refused whole."""
    def grad(x):
        if x < 0:
            raise ValueError("no gradient left of 0")
        return 2 * x

    d = Descent(f=lambda x: x * x, grad=grad, start=1.0, learning_rate=0.9)
    assert d.step(3) == 1                                   # 1 -> -0.8, then it stops
    assert d.diverged and "grad(-0.8,) raised ValueError" in d.status
    assert d.step(2) == 0 and d.path.shape == (2, 1)
    d.reset()
    before = (d.position, d.path, d.gradient, d.start)
    with pytest.raises(ValueError, match=r"grad\(-2\.0,\) raised ValueError"):
        d.reset(start=-2.0)
    after = (d.position, d.path, d.gradient, d.start)
    assert all(np.array_equal(a, b) for a, b in zip(before, after)) and not d.diverged


@pytest.mark.parametrize("n", [-1, 1.5, "3", True])
def test_bad_step_counts(n):
    d = Descent()
    with pytest.raises(ValueError, match=r"n=.*int >= 0"):
        d.step(n)
    assert d.steps == 0


def test_bad_race_input():
    with pytest.raises(ValueError, match="non-empty list"):
        Race("bowl", runs=[])
    with pytest.raises(ValueError, match=r"runs\[1\]"):
        Race("bowl", runs=[dict(), "adam"])
    with pytest.raises(ValueError, match=r"runs\[0\] sets start"):
        Race("bowl", runs=[dict(start=1.0)])
    with pytest.raises(ValueError, match=r"runs\[1\].*beta_1"):
        Race("bowl", runs=[dict(), dict(optimizer="adam", beta_1=3.0)])
    with pytest.raises(ValueError, match="unknown setting 'speed'"):
        Race("bowl", speed=3)
    race = Race("bowl")
    with pytest.raises(ValueError, match=r"learning_rate=-1"):
        race.configure(learning_rate=-1)
    assert [r.learning_rate for r in race.runs] == [0.1, 0.1, 0.1]


def test_a_race_change_refused_for_one_run_changes_no_run():
    """momentum=1.0 passes the optimizer's own check ([0, 1]) but not Config's rule
    ([0, 1)) that each Descent applies: it must be refused before Adam (which has no
    momentum) takes the learning rate of the same call."""
    race = Race("ravine", runs=[dict(optimizer="adam"), dict(optimizer="sgd")])
    before = [r.settings for r in race.runs]
    with pytest.raises(ValueError, match=r"runs\[1\].*momentum=1\.0"):
        race.configure(learning_rate=0.5, momentum=1.0)
    assert [r.settings for r in race.runs] == before


def test_the_engine_imports_no_widget_code():
    import subprocess
    import sys
    code = ("import sys, nbplayground.descent as d; d.Race('ravine').step(3); "
            "print(sorted(m for m in ('ipywidgets', 'bqplot', 'asyncio') if m in sys.modules))")
    import os
    from pathlib import Path
    root = str(Path(__file__).resolve().parents[1])   # this checkout's package, not another
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("curve, optimizer", [("bowl", "sgd"), ("saddle", "adam")])
def test_a_huge_rate_diverges_instead_of_raising_overflow(curve, optimizer):
    """(x - 1) ** 2 on Python floats raised OverflowError at x ~ 1e300; now the ball diverges."""
    d = Descent(curve, optimizer=optimizer, learning_rate=1e300)
    assert d.step(200) < 200
    assert d.diverged and "diverged at step" in d.status


def test_a_custom_f_undefined_at_the_start_is_refused_by_name():
    with pytest.raises(ValueError, match=r"f\(1.0,\) = nan; f must give a finite number"):
        Descent(f=lambda x: math.nan, start=1)
    with pytest.raises(TypeError, match=r"returned 'a'; f must return a number"):
        Descent(f=lambda x: "a", start=1)


def test_a_race_prints_its_runs():
    race = Race("ravine", runs=[dict(optimizer="sgd"), dict(optimizer="adam")])
    race.step(3)
    assert repr(race) == "Race('ravine', 2 runs: SGD, Adam) at step 3"


@pytest.mark.parametrize("f", [lambda x: x ** 0.5, math.log], ids=["sqrt", "log"])
def test_a_custom_f_undefined_on_part_of_its_range_draws_and_diverges(f):
    """sqrt and log on a range reaching x < 0 raised NumPy's RuntimeWarning or
    'math domain error' while drawing; now those points are NaN and a ball that
    gets there has diverged."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        d = Descent(f=f, start=1, learning_rate=0.5)
        x, y = d.curve.curve()
        assert np.isnan(y[x < 0]).all() and np.isfinite(y[x > 0]).all()
        d.step(100)
    assert d.diverged and "not finite" in d.status
