"""Tests for nbplayground.optimizers.

The oracles are (1) reference implementations written here, separately, as literal
per-element Python loops over the published Keras 2 (tf.keras optimizer_v2) update rules,
(2) closed forms for first steps, and (3) the numbers printed in Keras 2's own docstring
examples. The module under test is never used to produce an expected value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nbplayground import optimizers
from nbplayground.optimizers import DEFAULTS, HYPERPARAMETERS, NAMES, get

# Keras 2 (tf.keras 2.x, optimizer_v2) signatures, copied from keras/optimizers/optimizer_v2/*.py;
# "decay" is the inverse-time decay keyword every OptimizerV2 accepts (default 0).
KERAS2_DEFAULTS = {
    "sgd": {"learning_rate": 0.01, "decay": 0.0, "momentum": 0.0, "nesterov": False},
    "rmsprop": {"learning_rate": 0.001, "decay": 0.0, "rho": 0.9, "momentum": 0.0,
                "epsilon": 1e-07, "centered": False},
    "adagrad": {"learning_rate": 0.001, "decay": 0.0, "initial_accumulator_value": 0.1,
                "epsilon": 1e-07},
    "adadelta": {"learning_rate": 0.001, "decay": 0.0, "rho": 0.95, "epsilon": 1e-07},
    "adam": {"learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-07, "amsgrad": False},
    "adamax": {"learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
               "epsilon": 1e-07},
    "nadam": {"learning_rate": 0.001, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-07},
}


# ----------------------------------------------------------------------------------------
# Reference implementations: one Python float per parameter, the formula as written.
# ----------------------------------------------------------------------------------------


class _Reference:
    """Holds hyperparameters as plain attributes; subclasses define slots and step()."""

    def __init__(self, name, n, **hyperparameters):
        for key, value in {**KERAS2_DEFAULTS[name], **hyperparameters}.items():
            setattr(self, key, value)
        self.n = n
        self.iterations = 0

    def lr_t(self):
        # OptimizerV2._decayed_lr: lr / (1 + decay * iterations), iterations before the step
        return self.learning_rate / (1.0 + self.decay * self.iterations)


class RefSGD(_Reference):
    def __init__(self, n, **hp):
        super().__init__("sgd", n, **hp)
        self.slots = {"momentum": [0.0] * n}

    def step(self, p, g):
        lr = self.lr_t()
        v = self.slots["momentum"]
        for i in range(self.n):
            v[i] = self.momentum * v[i] - lr * g[i]
            if self.nesterov:
                p[i] = p[i] + self.momentum * v[i] - lr * g[i]
            else:
                p[i] = p[i] + v[i]
        self.iterations += 1


class RefRMSprop(_Reference):
    def __init__(self, n, **hp):
        super().__init__("rmsprop", n, **hp)
        self.slots = {"rms": [0.0] * n, "mg": [0.0] * n, "momentum": [0.0] * n}

    def step(self, p, g):
        lr = self.lr_t()
        rms, mg, mom = self.slots["rms"], self.slots["mg"], self.slots["momentum"]
        for i in range(self.n):
            rms[i] = self.rho * rms[i] + (1 - self.rho) * g[i] ** 2
            if self.centered:
                mg[i] = self.rho * mg[i] + (1 - self.rho) * g[i]
                denom = max(rms[i] - mg[i] ** 2, 0.0)
            else:
                denom = rms[i]
            if self.momentum > 0:
                mom[i] = self.momentum * mom[i] + lr * g[i] / math.sqrt(denom + self.epsilon)
                p[i] = p[i] - mom[i]
            else:
                p[i] = p[i] - lr * g[i] / (math.sqrt(denom) + self.epsilon)
        self.iterations += 1


class RefAdagrad(_Reference):
    def __init__(self, n, **hp):
        super().__init__("adagrad", n, **hp)
        self.slots = {"accumulator": [self.initial_accumulator_value] * n}

    def step(self, p, g):
        lr = self.lr_t()
        acc = self.slots["accumulator"]
        for i in range(self.n):
            acc[i] = acc[i] + g[i] * g[i]
            p[i] = p[i] - lr * g[i] / (math.sqrt(acc[i]) + self.epsilon)
        self.iterations += 1


class RefAdadelta(_Reference):
    def __init__(self, n, **hp):
        super().__init__("adadelta", n, **hp)
        self.slots = {"accum_grad": [0.0] * n, "accum_var": [0.0] * n}

    def step(self, p, g):
        lr = self.lr_t()
        a, u = self.slots["accum_grad"], self.slots["accum_var"]
        for i in range(self.n):
            a[i] = self.rho * a[i] + (1 - self.rho) * g[i] ** 2
            d = math.sqrt(u[i] + self.epsilon) / math.sqrt(a[i] + self.epsilon) * g[i]
            u[i] = self.rho * u[i] + (1 - self.rho) * d ** 2
            p[i] = p[i] - lr * d
        self.iterations += 1


class RefAdam(_Reference):
    def __init__(self, n, **hp):
        super().__init__("adam", n, **hp)
        self.slots = {"m": [0.0] * n, "v": [0.0] * n, "vhat": [0.0] * n}

    def step(self, p, g):
        lr = self.lr_t()
        t = self.iterations + 1
        m, v, vhat = self.slots["m"], self.slots["v"], self.slots["vhat"]
        alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        for i in range(self.n):
            m[i] = self.beta_1 * m[i] + (1 - self.beta_1) * g[i]
            v[i] = self.beta_2 * v[i] + (1 - self.beta_2) * g[i] ** 2
            if self.amsgrad:
                vhat[i] = max(vhat[i], v[i])
                p[i] = p[i] - alpha * m[i] / (math.sqrt(vhat[i]) + self.epsilon)
            else:
                p[i] = p[i] - alpha * m[i] / (math.sqrt(v[i]) + self.epsilon)
        self.iterations += 1


class RefAdamax(_Reference):
    def __init__(self, n, **hp):
        super().__init__("adamax", n, **hp)
        self.slots = {"m": [0.0] * n, "v": [0.0] * n}

    def step(self, p, g):
        lr = self.lr_t()
        t = self.iterations + 1
        m, u = self.slots["m"], self.slots["v"]
        for i in range(self.n):
            m[i] = self.beta_1 * m[i] + (1 - self.beta_1) * g[i]
            u[i] = max(self.beta_2 * u[i], abs(g[i]))
            p[i] = p[i] - lr / (1 - self.beta_1 ** t) * m[i] / (u[i] + self.epsilon)
        self.iterations += 1


class RefNadam(_Reference):
    def __init__(self, n, **hp):
        super().__init__("nadam", n, **hp)
        self.slots = {"m": [0.0] * n, "v": [0.0] * n}
        self.m_cache = 1.0

    def step(self, p, g):
        lr = self.lr_t()  # Keras 2's Nadam has no lr decay; ours does (decay=0 -> identical)
        local_step = self.iterations + 1
        next_step = self.iterations + 2
        m_t = self.beta_1 * (1.0 - 0.5 * 0.96 ** (0.004 * local_step))
        m_t_1 = self.beta_1 * (1.0 - 0.5 * 0.96 ** (0.004 * next_step))
        m_schedule_new = self.m_cache * m_t
        self.m_cache = m_schedule_new
        m_schedule_next = m_schedule_new * m_t_1
        m, v = self.slots["m"], self.slots["v"]
        for i in range(self.n):
            g_prime = g[i] / (1 - m_schedule_new)
            m[i] = self.beta_1 * m[i] + (1 - self.beta_1) * g[i]
            m_t_prime = m[i] / (1 - m_schedule_next)
            v[i] = self.beta_2 * v[i] + (1 - self.beta_2) * g[i] ** 2
            v_t_prime = v[i] / (1 - self.beta_2 ** local_step)
            m_t_bar = (1 - m_t) * g_prime + m_t_1 * m_t_prime
            p[i] = p[i] - lr * m_t_bar / (math.sqrt(v_t_prime) + self.epsilon)
        self.iterations += 1


REFERENCES = {
    "sgd": RefSGD, "rmsprop": RefRMSprop, "adagrad": RefAdagrad, "adadelta": RefAdadelta,
    "adam": RefAdam, "adamax": RefAdamax, "nadam": RefNadam,
}

# (name, hyperparameters, {step index: live changes}); every case also gets a
# learning-rate change at step 20 and runs with decay 0 and decay > 0.
CASES = [
    ("sgd", {"learning_rate": 0.05}, {}),
    ("sgd", {"learning_rate": 0.05}, {30: {"momentum": 0.8}}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9}, {35: {"momentum": 0.5}}),
    ("sgd", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, {35: {"nesterov": False}}),
    ("rmsprop", {"learning_rate": 0.01}, {35: {"rho": 0.8}}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9, "epsilon": 1e-3}, {35: {"momentum": 0.5}}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}, {35: {"epsilon": 1e-4}}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True, "momentum": 0.5}, {35: {"rho": 0.7}}),
    ("adagrad", {"learning_rate": 0.05}, {35: {"epsilon": 1e-3}}),
    ("adagrad", {"learning_rate": 0.05, "initial_accumulator_value": 0.0}, {}),
    ("adadelta", {"learning_rate": 1.0}, {35: {"rho": 0.9}}),
    ("adadelta", {"learning_rate": 0.5, "epsilon": 1e-3}, {}),
    ("adam", {"learning_rate": 0.01}, {35: {"beta_1": 0.8}}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}, {35: {"beta_2": 0.99}}),
    ("adamax", {"learning_rate": 0.01}, {35: {"beta_2": 0.9}}),
    ("nadam", {"learning_rate": 0.01}, {35: {"beta_1": 0.8}}),
    ("nadam", {"learning_rate": 0.01, "beta_2": 0.99, "epsilon": 1e-3}, {}),
]


def _case_id(case):
    name, hp, changes = case
    extra = ",".join(f"{k}={v}" for k, v in hp.items() if k != "learning_rate")
    return f"{name}[{extra}]" + ("+live" if changes else "")


def _gradient_stream(rng, n, steps):
    """Random gradients: large for 25 steps, then smaller (so v falls and amsgrad matters),
    with some exact zeros."""
    stream = []
    for k in range(steps):
        scale = 1.0 if k < 25 else 0.1
        g = rng.normal(0.0, scale, n)
        g[rng.random(n) < 0.1] = 0.0
        stream.append(g)
    return stream


def _start(rng, n):
    return rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)


@pytest.mark.parametrize("decay", [0.0, 0.02])
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_matches_literal_reference(case, decay):
    name, hp, changes = case
    n, steps = 7, 50
    rng = np.random.default_rng(1234)
    p = _start(rng, n)
    ref_p = [float(x) for x in p]
    opt = get(name, decay=decay, **hp)
    ref = REFERENCES[name](n, decay=decay, **hp)
    changes = {20: {"learning_rate": hp["learning_rate"] * 0.3}, **changes}
    for k, g in enumerate(_gradient_stream(rng, n, steps)):
        for key, value in changes.get(k, {}).items():
            setattr(opt, key, value)
            setattr(ref, key, value)
        opt.step(p, g)
        ref.step(ref_p, [float(x) for x in g])
        np.testing.assert_allclose(p, ref_p, rtol=1e-12, atol=0, err_msg=f"step {k}")
        for slot, values in ref.slots.items():
            np.testing.assert_allclose(
                opt.slots[slot], values, rtol=1e-12, atol=1e-300, err_msg=f"slot {slot}, step {k}"
            )
    assert opt.iterations == steps
    # the stream really moved the parameters (the comparison was not between two no-ops)
    assert np.max(np.abs(p - _start(np.random.default_rng(1234), n))) > 1e-3
    if name == "nadam":
        assert opt.momentum_cache == pytest.approx(ref.m_cache, rel=1e-12)


def test_amsgrad_branch_is_exercised_by_the_stream():
    """On the falling-gradient stream the AMSGrad variant must differ from plain Adam."""
    rng = np.random.default_rng(5)
    stream = _gradient_stream(rng, 7, 50)
    results = []
    for amsgrad in (False, True):
        opt = get("adam", learning_rate=0.01, amsgrad=amsgrad)
        p = np.ones(7)
        for g in stream:
            opt.step(p, g)
        results.append(p)
    assert not np.allclose(results[0], results[1], rtol=1e-6)


# ----------------------------------------------------------------------------------------
# Closed forms and Keras's own documented examples
# ----------------------------------------------------------------------------------------


def test_sgd_is_bitwise_playground_rule():
    """momentum 0, decay 0: every element is exactly p - lr * g, as TensorFlow Playground does."""
    rng = np.random.default_rng(7)
    n = 64
    opt = get("sgd", learning_rate=0.03)
    p = rng.normal(size=n)
    p[:4] = [0.0, -0.0, 5e-324, 1e300]
    for k, lr in enumerate([0.03, 0.03, 0.00001, 0.0001, 0.001, 0.003, 0.01, 0.1, 0.3, 1, 3, 10]):
        opt.learning_rate = lr
        g = rng.normal(size=n) * 10.0 ** rng.integers(-8, 3, n)
        g[:4] = [0.0, -0.0, -5e-324, 1e-300]
        g[4] = p[4] / lr  # makes lr * g equal p, so the result is an exact zero
        expected = np.array([float(pi) - lr * float(gi) for pi, gi in zip(p, g)])
        opt.step(p, g)
        assert np.array_equal(p.view(np.uint64), expected.view(np.uint64)), f"step {k}"


def test_sgd_documented_examples():
    # keras SGD docstring: lr 0.1, var 1.0, loss var**2/2 -> var 0.9
    opt = get("sgd", learning_rate=0.1)
    var = np.array([1.0])
    opt.step(var, var.copy())
    assert var[0] == pytest.approx(0.9, abs=1e-7)
    # with momentum 0.9 the first step is 0.1 and the second 0.18
    opt = get("sgd", learning_rate=0.1, momentum=0.9)
    var = np.array([1.0])
    before = var[0]
    opt.step(var, var.copy())
    assert before - var[0] == pytest.approx(0.1, abs=1e-7)
    before = var[0]
    opt.step(var, var.copy())
    assert before - var[0] == pytest.approx(0.18, abs=1e-7)


def test_adam_documented_example_and_epsilon_hat():
    # keras Adam docstring: lr 0.1, var 10 -> 9.9 (the first step is -lr * sign(g))
    opt = get("adam", learning_rate=0.1)
    var = np.array([10.0])
    opt.step(var, var.copy())
    assert var[0] == pytest.approx(9.9, abs=1e-6)
    # epsilon is "epsilon hat": added to sqrt(v) before the bias correction is applied to lr
    lr, eps, b1, b2, g = 0.5, 0.1, 0.9, 0.999, 0.3
    opt = get("adam", learning_rate=lr, epsilon=eps)
    p = np.array([0.0])
    opt.step(p, np.array([g]))
    m, v = (1 - b1) * g, (1 - b2) * g * g
    expected = -lr * math.sqrt(1 - b2) / (1 - b1) * m / (math.sqrt(v) + eps)
    paper_algorithm_1 = -lr * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)
    assert p[0] == pytest.approx(expected, rel=1e-14)
    assert abs(expected - paper_algorithm_1) > 1e-2  # the placements really differ here


def test_rmsprop_documented_example_and_epsilon_placement():
    # keras RMSprop docstring: lr 0.1, var 10 -> 9.683772
    opt = get("rmsprop", learning_rate=0.1)
    var = np.array([10.0])
    opt.step(var, var.copy())
    assert var[0] == pytest.approx(9.683772, abs=1e-6)
    # without momentum epsilon is outside the square root, with momentum inside (TF kernel)
    lr, rho, eps, g = 0.1, 0.9, 0.5, 2.0
    a = (1 - rho) * g * g
    for momentum, expected in [(0.0, -lr * g / (math.sqrt(a) + eps)),
                               (0.5, -lr * g / math.sqrt(a + eps))]:
        opt = get("rmsprop", learning_rate=lr, rho=rho, epsilon=eps, momentum=momentum)
        p = np.array([0.0])
        opt.step(p, np.array([g]))
        assert p[0] == pytest.approx(expected, rel=1e-14)


def test_nadam_documented_example():
    # keras Nadam docstring: lr 0.2, var 10 -> "9.8"
    opt = get("nadam", learning_rate=0.2)
    var = np.array([10.0])
    opt.step(var, var.copy())
    assert f"{var[0]:.1f}" == "9.8"


def test_first_steps_closed_forms():
    """Closed-form first steps from zero slots, gradient g, for the remaining rules."""
    g, lr = 0.4, 0.2
    # Adagrad: a = 0.1 + g^2
    opt = get("adagrad", learning_rate=lr)
    p = np.array([0.0])
    opt.step(p, np.array([g]))
    assert p[0] == pytest.approx(-lr * g / (math.sqrt(0.1 + g * g) + 1e-7), rel=1e-14)
    # Adadelta: a = (1-rho) g^2, d = sqrt(eps)/sqrt(a+eps) g
    rho, eps = 0.95, 1e-7
    opt = get("adadelta", learning_rate=lr)
    p = np.array([0.0])
    opt.step(p, np.array([g]))
    d = math.sqrt(eps) / math.sqrt((1 - rho) * g * g + eps) * g
    assert p[0] == pytest.approx(-lr * d, rel=1e-13)
    assert opt.slots["accum_var"][0] == pytest.approx((1 - rho) * d * d, rel=1e-13)
    # Adamax: m = 0.1 g, u = |g|, step = lr/(1-0.9) * m/(u+eps) = lr * g/(|g|+eps)
    opt = get("adamax", learning_rate=lr)
    p = np.array([0.0])
    opt.step(p, np.array([-g]))
    assert p[0] == pytest.approx(lr * g / (g + 1e-7), rel=1e-14)


def test_nesterov_and_classic_momentum_differ_as_the_formula_says():
    """With v_k the shared velocity, nesterov's p_k = classic p_k + momentum * v_k."""
    rng = np.random.default_rng(3)
    momentum, lr = 0.9, 0.05
    classic = get("sgd", learning_rate=lr, momentum=momentum)
    nesterov = get("sgd", learning_rate=lr, momentum=momentum, nesterov=True)
    p0 = rng.normal(size=9)
    pc, pn = p0.copy(), p0.copy()
    g = rng.normal(size=9)
    classic.step(pc, g)
    nesterov.step(pn, g)
    # first step: classic moves -lr g, nesterov -(1 + momentum) lr g
    np.testing.assert_allclose(pc - p0, -lr * g, rtol=1e-12)
    np.testing.assert_allclose(pn - p0, -(1 + momentum) * lr * g, rtol=1e-12)
    for _ in range(30):
        g = rng.normal(size=9)
        classic.step(pc, g)
        nesterov.step(pn, g)
        v = classic.slots["momentum"]
        np.testing.assert_array_equal(v, nesterov.slots["momentum"])
        np.testing.assert_allclose(pn, pc + momentum * v, rtol=0, atol=1e-12)
    assert np.max(np.abs(pn - pc)) > 1e-3


# ----------------------------------------------------------------------------------------
# Decay, live changes, state
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_decay_schedule(name):
    lr, decay = 0.1, 0.5
    opt = get(name, learning_rate=lr, decay=decay)
    assert opt.last_learning_rate is None
    p, g = np.ones(3), np.full(3, 0.1)
    for k in range(8):
        expected = lr / (1 + decay * k)
        assert opt.iterations == k
        assert opt.current_learning_rate == pytest.approx(expected, rel=1e-15)
        opt.step(p, g)
        assert opt.last_learning_rate == pytest.approx(expected, rel=1e-15)
    assert isinstance(opt.iterations, int)


def test_sgd_decay_scales_each_step():
    opt = get("sgd", learning_rate=0.2, decay=0.25)
    p, g = np.zeros(2), np.array([1.0, -2.0])
    for k in range(6):
        before = p.copy()
        opt.step(p, g)
        np.testing.assert_allclose(before - p, 0.2 / (1 + 0.25 * k) * g, rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_learning_rate_change_applies_at_next_step_and_keeps_slots(name):
    opt = get(name, learning_rate=0.01)
    p, g = np.ones(4), np.array([0.3, -0.2, 0.1, 0.0])
    for _ in range(3):
        opt.step(p, g)
    arrays = {key: value for key, value in opt.slots.items()}
    copies = {key: value.copy() for key, value in arrays.items()}
    opt.learning_rate = 0.5
    assert opt.current_learning_rate == 0.5
    for key, value in opt.slots.items():
        assert value is not None and np.shares_memory(value, arrays[key])
        np.testing.assert_array_equal(value, copies[key])
    assert opt.iterations == 3


@pytest.mark.parametrize("name", NAMES)
def test_none_means_default_and_config_round_trip(name):
    opt = get(name, **{key: None for key in HYPERPARAMETERS[name]})
    assert opt.config() == KERAS2_DEFAULTS[name]
    changed = {"learning_rate": 0.25, "decay": 0.125}
    opt2 = get(name, **changed)
    again = get(opt2.name, **opt2.config())
    assert again.config() == opt2.config()
    assert again.config()["learning_rate"] == 0.25
    opt2.learning_rate = None  # None restores the default when set live too
    assert opt2.learning_rate == KERAS2_DEFAULTS[name]["learning_rate"]


def test_get_is_case_insensitive_and_returns_fresh_objects():
    a, b = get("Adam"), get(" adam ")
    assert isinstance(a, optimizers.Adam) and a is not b
    assert get("RMSprop").name == "rmsprop"


@pytest.mark.parametrize("name", NAMES)
def test_reset_clears_slots_and_iterations(name):
    rng = np.random.default_rng(11)
    p0, g1, g2 = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    opt = get(name, learning_rate=0.1, decay=0.1)
    p = p0.copy()
    opt.step(p, g1)
    opt.step(p, g2)
    opt.reset()
    assert opt.iterations == 0 and opt.slots == {} and opt.last_learning_rate is None
    assert opt.current_learning_rate == 0.1
    p_after_reset, p_fresh = p0.copy(), p0.copy()
    opt.step(p_after_reset, g1)
    get(name, learning_rate=0.1, decay=0.1).step(p_fresh, g1)
    assert np.array_equal(p_after_reset, p_fresh)
    # after reset the optimizer accepts a buffer of another size (network rebuilt)
    opt.reset()
    opt.step(np.ones(9), np.ones(9))


def test_iterations_set_before_the_first_step_are_kept():
    """A restored step count survives the lazy allocation of the slots."""
    opt = get("adam", learning_rate=0.1, decay=0.5)
    opt.iterations = 10
    opt.step(np.ones(3), np.ones(3))
    assert opt.last_learning_rate == pytest.approx(0.1 / 6)
    assert opt.iterations == 11


def test_build_allocates_initial_slots():
    opt = get("adagrad", initial_accumulator_value=0.25)
    opt.build(6)
    np.testing.assert_array_equal(opt.slots["accumulator"], np.full(6, 0.25))
    opt.initial_accumulator_value = 0.5  # used at the next slot creation, as in Keras
    np.testing.assert_array_equal(opt.slots["accumulator"], np.full(6, 0.25))
    opt.reset()
    opt.build(3)
    np.testing.assert_array_equal(opt.slots["accumulator"], np.full(3, 0.5))
    adam = get("adam")
    adam.build(4)
    assert set(adam.slots) == {"m", "v", "vhat"}
    assert all(not value.any() for value in adam.slots.values())


def test_centered_rmsprop_stays_finite_on_a_constant_gradient():
    """a - mg^2 -> 0 and rounding can make it negative; the clamp keeps the step finite."""
    g = np.random.default_rng(0).normal(size=400) * 1e-3  # some entries round below 0
    opt = get("rmsprop", learning_rate=0.001, centered=True)
    p = np.zeros(400)
    for _ in range(1000):
        opt.step(p, g)
    assert np.all(np.isfinite(p))
    assert np.all(opt.slots["rms"] - opt.slots["mg"] ** 2 < 1e-12)  # the variance did vanish


def test_nadam_momentum_cache_is_product_of_schedule():
    opt = get("nadam", beta_1=0.9)
    assert opt.momentum_cache == 1.0
    p, g = np.zeros(2), np.ones(2)
    product = 1.0
    for t in range(1, 6):
        opt.step(p, g)
        product *= 0.9 * (1 - 0.5 * 0.96 ** (0.004 * t))
        assert opt.momentum_cache == pytest.approx(product, rel=1e-15)
    opt.reset()
    assert opt.momentum_cache == 1.0


# ----------------------------------------------------------------------------------------
# Mask
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_fixed_mask_freezes_entries_and_leaves_others_exact(case):
    name, hp, _ = case
    n = 11
    rng = np.random.default_rng(99)
    p0 = _start(rng, n)
    mask = rng.random(n) < 0.6
    mask[:2] = [True, False]
    masked, plain = get(name, decay=0.01, **hp), get(name, decay=0.01, **hp)
    masked.build(n)
    initial_slots = {key: value.copy() for key, value in masked.slots.items()}
    pm, pp = p0.copy(), p0.copy()
    for g in _gradient_stream(rng, n, 30):
        masked.step(pm, g, mask)
        plain.step(pp, g)
    frozen = ~mask
    assert np.array_equal(pm[frozen], p0[frozen])
    assert np.array_equal(pm[mask], pp[mask])
    for key, value in masked.slots.items():
        assert np.array_equal(value[frozen], initial_slots[key][frozen]), key
        assert np.array_equal(value[mask], plain.slots[key][mask]), key
    assert masked.iterations == plain.iterations == 30


@pytest.mark.parametrize("name", NAMES)
def test_changing_float_mask_freezes_each_step(name):
    n = 10
    rng = np.random.default_rng(21)
    opt = get(name, learning_rate=0.05)
    p = _start(rng, n)
    for k in range(25):
        mask = (rng.random(n) < 0.7).astype(float)
        before_p = p.copy()
        before_slots = {key: value.copy() for key, value in opt.slots.items()}
        g = rng.normal(size=n)
        opt.step(p, g, mask)
        frozen = mask == 0
        assert np.array_equal(p[frozen], before_p[frozen]), k
        assert np.any(p[~frozen] != before_p[~frozen])
        for key, value in before_slots.items():
            assert np.array_equal(opt.slots[key][frozen], value[frozen]), (k, key)


def test_mask_errors():
    opt = get("adam")
    p, g = np.ones(4), np.ones(4)
    with pytest.raises(ValueError, match=r"mask has shape \(3,\)"):
        opt.step(p, g, np.ones(3, dtype=bool))
    with pytest.raises(TypeError, match="mask must be a numpy array"):
        opt.step(p, g, [1, 1, 0, 1])


# ----------------------------------------------------------------------------------------
# Registry and bad input
# ----------------------------------------------------------------------------------------


def test_defaults_equal_keras2_documented_defaults():
    assert NAMES == ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam")
    assert DEFAULTS == KERAS2_DEFAULTS
    for name in NAMES:
        assert HYPERPARAMETERS[name] == tuple(KERAS2_DEFAULTS[name])
        assert HYPERPARAMETERS[name][:2] == optimizers.COMMON_HYPERPARAMETERS
        assert get(name).config() == KERAS2_DEFAULTS[name]


def test_unknown_name():
    with pytest.raises(ValueError) as info:
        get("adamw")
    message = str(info.value)
    assert "'adamw'" in message and "sgd" in message and "nadam" in message
    with pytest.raises(ValueError, match="must be a str"):
        get(3)


def test_unknown_hyperparameter():
    with pytest.raises(ValueError) as info:
        get("adam", momentum=0.9)
    message = str(info.value)
    assert "'momentum'" in message and "0.9" in message and "beta_1" in message
    with pytest.raises(ValueError, match="learning_rate"):
        get("sgd", lr=0.1)


@pytest.mark.parametrize(
    "name, key, value",
    [
        ("sgd", "learning_rate", -0.1),
        ("sgd", "learning_rate", float("nan")),
        ("sgd", "learning_rate", float("inf")),
        ("sgd", "learning_rate", "0.1"),
        ("sgd", "decay", -1e-3),
        ("sgd", "momentum", 1.5),
        ("sgd", "momentum", -0.1),
        ("sgd", "nesterov", 1),
        ("sgd", "nesterov", "yes"),
        ("rmsprop", "rho", 1.5),
        ("rmsprop", "centered", "no"),
        ("rmsprop", "epsilon", 0.0),
        ("adagrad", "initial_accumulator_value", -0.1),
        ("adadelta", "rho", -0.5),
        ("adam", "beta_1", 1.0),
        ("adam", "beta_2", 1.0),
        ("adam", "beta_1", True),
        ("adam", "epsilon", -1e-7),
        ("adam", "amsgrad", 0.0),
        ("adamax", "beta_2", 1.01),
        ("nadam", "beta_1", 1.0),
    ],
)
def test_invalid_hyperparameters(name, key, value):
    with pytest.raises(ValueError) as info:
        get(name, **{key: value})
    message = str(info.value)
    assert key in message and repr(value) in message and "must be" in message
    # the same check applies when the value is set live, and a refused value changes nothing
    opt = get(name)
    with pytest.raises(ValueError):
        setattr(opt, key, value)
    assert getattr(opt, key) == KERAS2_DEFAULTS[name][key]


def test_wrong_types_are_type_errors_too():
    with pytest.raises(TypeError):
        get("sgd", momentum="0.9")
    with pytest.raises(TypeError):
        get("sgd", nesterov=1)


def test_misspelled_attribute_is_refused():
    opt = get("sgd")
    with pytest.raises(AttributeError):
        opt.momentun = 0.9


def test_numpy_scalars_are_accepted():
    opt = get("adam", learning_rate=np.float32(0.5), beta_1=np.float64(0.8), amsgrad=np.bool_(True))
    assert opt.config()["learning_rate"] == 0.5 and type(opt.learning_rate) is float
    assert opt.amsgrad is True
    assert get("sgd", learning_rate=1).learning_rate == 1.0


def test_bad_arrays():
    opt = get("sgd")
    with pytest.raises(TypeError, match="params must be"):
        opt.step([1.0, 2.0], np.ones(2))
    with pytest.raises(ValueError, match="float64"):
        opt.step(np.ones(2, dtype=np.float32), np.ones(2, dtype=np.float32))
    with pytest.raises(ValueError, match="1-D"):
        opt.step(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"grads has shape \(3,\)"):
        opt.step(np.ones(2), np.ones(3))
    opt.step(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="reset"):
        opt.step(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match="build"):
        opt.build(-1)
    with pytest.raises(TypeError, match="build"):
        opt.build(2.5)
    assert opt.iterations == 1  # failed calls took no step


# ----------------------------------------------------------------------------------------
# Speed contract: NumPy calls per step (each costs ~0.3-0.5 us on a 400-element buffer)
# ----------------------------------------------------------------------------------------


class _CountingNumpy:
    """Stands in for the module's ``np`` and counts calls to NumPy functions."""

    def __init__(self):
        self.calls = 0

    def __getattr__(self, attribute):
        target = getattr(np, attribute)
        if not callable(target) or isinstance(target, type):
            return target

        def counted(*args, **kwargs):
            self.calls += 1
            return target(*args, **kwargs)

        return counted


@pytest.mark.parametrize(
    "name, hp, budget",
    [
        ("sgd", {}, 3),
        ("sgd", {"momentum": 0.9}, 4),
        ("sgd", {"momentum": 0.9, "nesterov": True}, 6),
        ("rmsprop", {}, 9),
        ("rmsprop", {"centered": True, "momentum": 0.9}, 14),
        ("adagrad", {}, 7),
        ("adadelta", {}, 15),
        ("adam", {}, 10),
        ("adam", {"amsgrad": True}, 11),
        ("adamax", {}, 9),
        ("nadam", {}, 12),
    ],
)
def test_numpy_calls_per_step(monkeypatch, name, hp, budget):
    opt = get(name, decay=0.01, **hp)
    p, g, mask = np.ones(400), np.full(400, 0.01), np.ones(400, dtype=bool)
    opt.step(p, g)  # slots and scratch buffers are allocated here, outside the count
    opt.step(p, g, mask)  # and the mask's backup buffers here
    counter = _CountingNumpy()
    monkeypatch.setattr(optimizers, "np", counter)
    opt.step(p, g)
    assert counter.calls <= budget
    counter.calls = 0
    opt.step(p, g, mask)
    assert counter.calls <= budget + 5  # the mask costs a fixed 5 calls


# --------------------------------------------------------------------------------------
# Public state (issue 11, item 3)
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", optimizers.NAMES)
def test_state_round_trip_continues_exactly(name):
    import json
    rng = np.random.default_rng(3)
    params = rng.normal(size=20)
    opt = optimizers.get(name, learning_rate=0.01, decay=0.01)
    for _ in range(5):
        opt.step(params, rng.normal(size=20))
    state = opt.state()
    assert json.loads(json.dumps(state, allow_nan=False)) == state
    copy = optimizers.get(name, **opt.config())
    copy.set_state(state, size=20)
    other = params.copy()
    for _ in range(4):
        g = rng.normal(size=20)
        opt.step(params, g)
        copy.step(other, g)
    assert other.tobytes() == params.tobytes()
    assert copy.state() == opt.state()


@pytest.mark.parametrize("change, fragment", [
    (dict(name="sgd"), "name: 'sgd'"),
    (dict(iterations=-1), "iterations:"),
    (dict(iterations=10**400), "iterations:"),
    (dict(last_learning_rate="x"), "last_learning_rate:"),
    (dict(slots={"velocity": [0.0] * 4}), "slots: 'velocity'"),
    (dict(slots={"m": [0.0] * 3}), "slots.m: has 3 values, expected 4"),
    (dict(slots={"m": [0.0, "a", 0.0, 0.0]}), "slots.m: item 1"),
    (dict(bogus=1), "unknown key(s) bogus"),
])
def test_set_state_checks_first_and_changes_nothing_when_refused(change, fragment):
    opt = optimizers.get("adam", learning_rate=0.01)
    params = np.ones(4)
    opt.step(params, np.full(4, 0.5))
    before = opt.state()
    state = dict(before, **change)
    with pytest.raises(ValueError) as info:
        opt.set_state(state, size=4)
    assert fragment in str(info.value)
    assert opt.state() == before


def test_set_state_names_the_key_even_for_a_huge_int():
    opt = optimizers.get("sgd")
    with pytest.raises(ValueError, match="iterations:"):
        opt.set_state({"name": "sgd", "iterations": 10**5000})
