"""The readable engine (nbplayground.reference) trains exactly as the fast tape does.

Every case trains 30 Playground epochs with both engines from the same seed and
compares every epoch's train and test loss (and accuracy) to 1e-10, and the
weights and dead links at the end.
"""

import numpy as np
import pytest

from nbplayground import activations, optimizers
from nbplayground import reference as R
from nbplayground.config import Config
from nbplayground.trainer import ENGINES, Trainer

EPOCHS = 30
TOL = 1e-10

#: small networks keep the reference engine quick; 2 hidden layers exercise backprop
BASE = dict(seed="reference", dataset="xor", network_shape=(4, 3))

CASES = {}
for _name in activations.ACTIVATIONS:
    CASES[f"activation {_name}"] = dict(activation=_name)
CASES.update({
    "cross-entropy, sigmoid output": dict(loss="cross_entropy", dataset="circle"),
    "gauss3, softmax cross-entropy": dict(dataset="gauss3", loss="cross_entropy"),
    "spiral3, softmax cross-entropy, relu": dict(dataset="spiral3", loss="cross_entropy",
                                                 activation="relu", network_shape=(6, 4)),
    "regression reg-plane": dict(problem="regression", dataset="reg-plane"),
    "regression reg-gauss, sigmoid": dict(problem="regression", dataset="reg-gauss",
                                          activation="sigmoid"),
    "L2": dict(regularization="L2", regularization_rate=0.01),
    "L1, links die": dict(regularization="L1", regularization_rate=0.01,
                          learning_rate=0.1, dead=True),
    "L1 with Adam, links die": dict(regularization="L1", regularization_rate=0.01,
                                    optimizer="adam", learning_rate=0.03, dead=True),
    "carry-over: 250 points, batch 30": dict(batch_size=30),
    "carry-over: batch 7, softmax": dict(batch_size=7, dataset="gauss3",
                                         loss="cross_entropy"),
    "batch larger than the training set": dict(batch_size=300),
    "batch 1, 10% training data": dict(batch_size=1, train_percent=10),
    "7 features, spiral": dict(dataset="spiral", features=("x", "y", "x_squared", "y_squared",
                                                          "x_times_y", "sin_x", "sin_y")),
})
for _name in optimizers.NAMES:
    CASES[f"optimizer {_name}"] = dict(optimizer=_name, learning_rate=0.01)
CASES.update({
    "sgd momentum + nesterov + decay": dict(momentum=0.9, nesterov=True, decay=0.01),
    "rmsprop, own rho and epsilon, decay": dict(optimizer="rmsprop", learning_rate=0.003,
                                                rho=0.8, epsilon=1e-4, decay=0.001),
})


def _pair(changes):
    changes = dict(changes)
    expect_dead = changes.pop("dead", False)
    config = Config(**{**BASE, **changes})
    return Trainer(config), Trainer(config, engine="reference"), expect_dead


def _assert_same_run(fast, ref, tol=TOL):
    h_fast, h_ref = fast.history, ref.history
    assert len(h_fast) == len(h_ref) == fast.epoch + 1
    for column in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        a = np.asarray(getattr(h_fast, column), dtype=float)
        b = np.asarray(getattr(h_ref, column), dtype=float)
        np.testing.assert_allclose(b, a, rtol=0, atol=tol, err_msg=column)
    assert ref.train_loss == pytest.approx(fast.train_loss, abs=tol)
    assert ref.test_loss == pytest.approx(fast.test_loss, abs=tol)
    np.testing.assert_allclose(ref.network.params, fast.network.params, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(ref.network.dead, fast.network.dead)


@pytest.mark.parametrize("changes", CASES.values(), ids=CASES.keys())
def test_reference_engine_equals_fast_engine(changes):
    fast, ref, expect_dead = _pair(changes)
    assert (fast.engine, ref.engine) == ("fast", "reference")
    assert fast.step(EPOCHS) == ref.step(EPOCHS) == EPOCHS
    assert fast.epoch == ref.epoch == EPOCHS
    assert not fast.diverged and not ref.diverged
    _assert_same_run(fast, ref)
    if expect_dead:
        assert ref.network.dead.any(), "the case was meant to kill links"


def test_live_changes_and_edits_keep_the_engines_together():
    """A learning-rate change, an optimizer switch, a weight edit and a regenerate
    mid-run do the same thing under both engines."""
    fast, ref, _ = _pair(dict(batch_size=30))
    for trainer in (fast, ref):
        trainer.step(5)
        trainer.set_learning_rate(0.1)
        trainer.step(5)
        trainer.apply(trainer.config.replace(optimizer="adam", learning_rate=0.01))
        trainer.step(5)
        trainer.set_weight(1, 0, 2, 0.75)
        trainer.regenerate()
        trainer.step(5)
    _assert_same_run(fast, ref)


def test_engine_choice_is_checked():
    assert ENGINES == ("fast", "reference")
    assert Trainer(Config(seed="x")).engine == "fast"
    with pytest.raises(ValueError, match=r"engine='tape'.*'fast', 'reference'"):
        Trainer(Config(seed="x"), engine="tape")
    with pytest.raises(ValueError, match="engine=None"):
        Trainer(engine=None)


def test_reference_engine_stops_at_divergence_as_the_fast_one():
    config = Config(seed="diverge", learning_rate=10.0, activation="relu",
                    problem="regression", dataset="reg-plane")
    fast, ref = Trainer(config), Trainer(config, engine="reference")
    assert fast.step(50) == ref.step(50)
    assert fast.diverged and ref.diverged and fast.epoch == ref.epoch


# -- the pieces --------------------------------------------------------------------------

def test_every_activation_has_a_derivative_that_matches_finite_differences():
    assert set(R.DERIVATIVES) == set(activations.ACTIVATIONS)
    z = np.linspace(-3, 3, 61) + 0.013  # no point at exactly 0 (ReLU's kink)
    h = 1e-6
    for name, slope in R.DERIVATIVES.items():
        phi = activations.get(name).function
        numeric = (phi(z + h) - phi(z - h)) / (2 * h)
        np.testing.assert_allclose(slope(z), numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_unpack_is_the_trainer_layout():
    trainer = Trainer(Config(seed="layout", network_shape=(3, 2)))
    net = trainer.network
    weights, biases = R.unpack(net.params, net.layer_sizes)
    for l in range(net.num_layers):
        np.testing.assert_array_equal(weights[l], trainer.weights[l])
        np.testing.assert_array_equal(biases[l], trainer.biases[l])
        assert np.shares_memory(weights[l], net.params)
    np.testing.assert_array_equal(R.pack(weights, biases), net.params)
    np.testing.assert_array_equal(R.weight_mask(net.layer_sizes), net.weight_mask == 1)


def test_epoch_batches():
    assert [len(b) for b in R.epoch_batches(250, 30)] == [30] * 8 + [10]
    assert [len(b) for b in R.epoch_batches(250, 10)] == [10] * 25
    assert [list(b) for b in R.epoch_batches(5, 9)] == [[0, 1, 2, 3, 4]]


def test_l1_kills_a_link_whose_regularization_step_crosses_zero():
    """Playground's rule on a hand-made case: plain SGD, learning rate 1, L1 rate 0.5."""
    params = np.array([0.3, -0.2, 0.1])  # 2 inputs -> 1 output: weights 0.3, -0.2, bias 0.1
    sizes = (2, 1)
    dead = np.zeros(3, dtype=bool)
    opt = optimizers.get("sgd", learning_rate=1.0)
    killed = R.update(params, np.array([0.0, 0.0, 0.05]), opt, dead, R.weight_mask(sizes),
                      "L1", 0.5)
    # 0.3 - 0.5 crosses 0: dead at 0; -0.2 + 0.5 crosses too; the bias only follows its gradient
    np.testing.assert_array_equal(killed, [True, True, False])
    np.testing.assert_allclose(params, [0.0, 0.0, 0.05])
    np.testing.assert_array_equal(dead, killed)
    # dead links never move again, whatever their gradient
    R.update(params, np.array([1.0, 1.0, 0.0]), opt, dead, R.weight_mask(sizes), "L1", 0.5)
    np.testing.assert_allclose(params, [0.0, 0.0, 0.05])


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_optimizer_copy_is_independent(name):
    rng = np.random.default_rng(1)
    opt = optimizers.get(name, learning_rate=0.01)
    params = rng.normal(size=12)
    for _ in range(3):
        opt.step(params, rng.normal(size=12))
    grads = rng.normal(size=12)
    clone = opt.copy()
    state = {k: v.copy() for k, v in opt.slots.items()}
    p1, p2 = params.copy(), params.copy()
    clone.step(p1, grads)
    assert opt.iterations == 3 and clone.iterations == 4
    for k, v in opt.slots.items():
        np.testing.assert_array_equal(v, state[k])
    opt.step(p2, grads)
    np.testing.assert_array_equal(p1, p2)
    for k in state:
        np.testing.assert_array_equal(clone.slots[k], opt.slots[k])
