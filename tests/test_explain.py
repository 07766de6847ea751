"""Trainer.explain_batch() and Trainer.step_batch(): one mini-batch, seen from inside.

Gradients against central finite differences of the batch's mean loss, the
update against what step_batch() really does, and epochs of step_batch() calls
against step()'s epochs.
"""

import dataclasses

import numpy as np
import pytest

from nbplayground import activations
from nbplayground import reference as R
from nbplayground.config import Config
from nbplayground.network import add_bias_row
from nbplayground.trainer import DivergedError, Trainer

HEADS = {
    "squared, tanh output": dict(dataset="xor"),
    "cross-entropy, sigmoid output": dict(dataset="circle", loss="cross_entropy"),
    "cross-entropy, softmax over 3": dict(dataset="gauss3", loss="cross_entropy"),
    "regression, linear output": dict(problem="regression", dataset="reg-gauss"),
}


def _trainer(**changes):
    base = dict(seed="explain", network_shape=(3, 2))
    return Trainer(Config(**{**base, **changes}))


def _mean_loss(trainer, e, params):
    """The batch's mean loss with the given flat parameters (no regularization)."""
    weights, biases = R.unpack(params, trainer.network.layer_sizes)
    zs, acts = R.forward(weights, biases, e.inputs, trainer.config.activation, trainer.head)
    return R.loss(zs[-1], acts[-1], e.targets, trainer.head).mean()


def _check_gradients(trainer, e, h=1e-6, tol=1e-6):
    params = trainer.network.params.copy()
    numeric = np.empty_like(params)
    for k in range(params.size):
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        numeric[k] = (_mean_loss(trainer, e, up) - _mean_loss(trainer, e, down)) / (2 * h)
    analytic = R.pack(e.weight_gradients, e.bias_gradients)
    np.testing.assert_allclose(analytic, numeric, rtol=tol, atol=tol)


@pytest.mark.parametrize("activation", list(activations.ACTIVATIONS))
@pytest.mark.parametrize("head", HEADS.values(), ids=HEADS.keys())
def test_gradients_match_finite_differences(head, activation):
    trainer = _trainer(activation=activation, **head)
    trainer.step(3)  # away from the initial weights
    e = trainer.explain_batch()
    assert e.loss == pytest.approx(_mean_loss(trainer, e, trainer.network.params), abs=1e-14)
    _check_gradients(trainer, e)
    # the bias gradient is the mean of the deltas: each delta is the derivative of
    # its own point's loss (checked by finite differences of that point's loss)
    for l, delta in enumerate(e.deltas):
        np.testing.assert_allclose(delta.mean(axis=0), e.bias_gradients[l], atol=1e-15)
    i = 1
    one = dataclasses.replace(e, inputs=e.inputs[i:i + 1], targets=e.targets[i:i + 1])
    params = trainer.network.params
    for l in range(trainer.network.num_layers):
        for j in range(e.deltas[l].shape[1]):
            k = trainer.network.index(l, j, None)
            up, down = params.copy(), params.copy()
            up[k] += 1e-6
            down[k] -= 1e-6
            numeric = (_mean_loss(trainer, one, up) - _mean_loss(trainer, one, down)) / 2e-6
            assert e.deltas[l][i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def test_gradients_of_a_batch_with_carried_points():
    """The first batch of an epoch holds the last epoch's leftover: the gradient, taken
    from the kept leftover gradient plus the new points, is the whole batch's."""
    trainer = _trainer(batch_size=30)
    trainer.step(2)
    e = trainer.explain_batch()
    assert (e.batch, e.carried, e.inputs.shape[0], e.applies_update) == (0, 10, 40, True)
    _check_gradients(trainer, e)


def test_fields_describe_the_batch():
    trainer = _trainer(dataset="gauss3", loss="cross_entropy", batch_size=7,
                       features=("x", "y", "x_times_y"), network_shape=(4, 3))
    n = trainer.data.train_x.shape[0]
    e = trainer.explain_batch()
    assert (e.epoch, e.batch, e.carried, e.applies_update) == (0, 0, 0, True)
    assert e.batches_per_epoch == -(-n // 7)
    np.testing.assert_array_equal(e.indices, np.arange(7))
    np.testing.assert_array_equal(e.labels, trainer.data.train_y[:7])
    np.testing.assert_array_equal(e.targets, trainer.head.targets(e.labels).T)
    np.testing.assert_array_equal(e.inputs, trainer._train_x[:-1, :7].T)
    assert [a.shape for a in e.activations] == [(7, 4), (7, 3), (7, 3)]
    assert [z.shape for z in e.pre_activations] == [(7, 4), (7, 3), (7, 3)]
    assert [d.shape for d in e.deltas] == [(7, 4), (7, 3), (7, 3)]
    assert [g.shape for g in e.weight_gradients] == [w.shape for w in trainer.weights]
    assert [g.shape for g in e.bias_gradients] == [b.shape for b in trainer.biases]
    assert [u.shape for u in e.weight_updates] == [w.shape for w in trainer.weights]
    # the output and the loss agree with the fast engine's
    np.testing.assert_allclose(e.activations[-1], trainer.predict(trainer.data.train_x[:7]),
                               atol=1e-14)
    z, outs = trainer.network.forward(add_bias_row(e.inputs))
    fast_losses = trainer.head.example_losses(z, outs[-1], e.targets.T)
    np.testing.assert_allclose(e.losses, fast_losses, atol=1e-14)
    assert e.loss == pytest.approx(fast_losses.mean(), abs=1e-14)
    # frozen, read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.loss = 0.0
    with pytest.raises(ValueError):
        e.weight_updates[0][0, 0] = 1.0


def _snapshot(trainer):
    opt = trainer._optimizer
    return dict(params=trainer.network.params.copy(), dead=trainer.network.dead.copy(),
                slots={k: v.copy() for k, v in opt.slots.items()},
                iterations=opt.iterations, last_lr=opt.last_learning_rate,
                epoch=trainer.epoch, history=trainer.history.to_dict(),
                losses=(trainer.train_loss, trainer.test_loss),
                rand=(trainer._rand._i, trainer._rand._j, list(trainer._rand._s)))


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        elif key == "slots":
            assert a[key].keys() == b[key].keys()
            for name in a[key]:
                np.testing.assert_array_equal(a[key][name], b[key][name])
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize("changes", [
    dict(optimizer="adam", learning_rate=0.01, batch_size=30),
    dict(optimizer="nadam", learning_rate=0.01, regularization="L1", regularization_rate=0.03),
    dict(momentum=0.9, regularization="L2", regularization_rate=0.01, batch_size=300),
], ids=["adam, carry", "nadam, L1", "momentum, L2, batch > training set"])
def test_explain_changes_nothing(changes):
    trainer, twin = _trainer(**changes), _trainer(**changes)
    for t in (trainer, twin):
        t.step(4)
        t.step_batch()
    before = _snapshot(trainer)
    first = trainer.explain_batch()
    for _ in range(3):
        again = trainer.explain_batch()
    _assert_same(before, _snapshot(trainer))
    for a, b in zip(first.weight_updates, again.weight_updates):
        np.testing.assert_array_equal(a, b)
    # and the runs that follow are the same as without the explanations
    trainer.step(3)
    twin.step(3)
    _assert_same(_snapshot(twin), _snapshot(trainer))


@pytest.mark.parametrize("changes", [
    dict(),
    dict(optimizer="adam", learning_rate=0.01, batch_size=30),
    dict(momentum=0.9, nesterov=True, decay=0.01, batch_size=7),
    dict(optimizer="rmsprop", learning_rate=0.03, regularization="L1",
         regularization_rate=0.3),
    dict(optimizer="adagrad", learning_rate=0.1, regularization="L2",
         regularization_rate=0.01, dataset="gauss3", loss="cross_entropy"),
], ids=["sgd", "adam carry", "nesterov decay carry", "rmsprop L1", "adagrad L2 softmax"])
def test_step_batch_adds_exactly_the_explained_update(changes):
    trainer = _trainer(**changes)
    batches = trainer.explain_batch().batches_per_epoch
    died = False
    for _ in range(3 * batches):
        e = trainer.explain_batch()
        before = trainer.network.params.copy()
        done = trainer.step_batch()
        expected = before + R.pack(e.weight_updates, e.bias_updates)
        np.testing.assert_allclose(trainer.network.params, expected, rtol=0, atol=1e-15)
        np.testing.assert_array_equal(R.pack(done.weight_updates, done.bias_updates),
                                      R.pack(e.weight_updates, e.bias_updates))
        if not e.applies_update:
            assert not np.any(R.pack(e.weight_updates, e.bias_updates))
        dead = trainer.network.dead
        if dead.any():
            died = True
            # a dead link's update is 0 from then on
            nxt = trainer.explain_batch()
            assert not R.pack(nxt.weight_updates, nxt.bias_updates)[dead].any()
    assert trainer.epoch == 3
    if changes.get("regularization") == "L1":
        assert died


CARRY_CASES = {
    "250 points, batch 30, adam": dict(batch_size=30, optimizer="adam", learning_rate=0.01),
    "batch 7, momentum, L1": dict(batch_size=7, momentum=0.5, regularization="L1",
                                  regularization_rate=0.01),
    "batch > training set": dict(batch_size=300),
    "10% data, batch 30, nadam": dict(train_percent=10, batch_size=30, optimizer="nadam",
                                      learning_rate=0.01),
    "softmax, batch 11, adamax": dict(dataset="spiral3", loss="cross_entropy", batch_size=11,
                                      optimizer="adamax", learning_rate=0.01),
}


@pytest.mark.parametrize("changes", CARRY_CASES.values(), ids=CARRY_CASES.keys())
def test_epochs_of_step_batch_are_step_epochs(changes):
    stepped, batched = _trainer(**changes), _trainer(**changes)
    stepped.step(6)
    epochs = []
    while batched.epoch < 6:
        e = batched.step_batch()
        epochs.append(e.epoch)
    assert batched.epoch == 6 and len(batched.history) == 7
    for column in ("train_loss", "test_loss", "train_accuracy"):
        np.testing.assert_allclose(batched.history.column(column),
                                   stepped.history.column(column), rtol=0, atol=1e-12)
    np.testing.assert_allclose(batched.network.params, stepped.network.params,
                               rtol=0, atol=1e-12)
    np.testing.assert_array_equal(batched.network.dead, stepped.network.dead)
    n, bs = stepped.data.train_x.shape[0], stepped.config.batch_size
    assert len(epochs) == 6 * -(-n // bs)


def test_leftover_batch_is_carried_into_the_next_epoch():
    trainer = _trainer(batch_size=30)  # 250 training points: 8 batches of 30, then 10
    for _ in range(8):
        trainer.step_batch()
    leftover = trainer.explain_batch()
    assert (leftover.batch, leftover.applies_update, leftover.carried) == (8, False, 0)
    np.testing.assert_array_equal(leftover.indices, np.arange(240, 250))
    done = trainer.step_batch()
    assert not done.applies_update and trainer.epoch == 1
    first = trainer.explain_batch()
    assert (first.epoch, first.batch, first.carried, first.applies_update) == (1, 0, 10, True)
    np.testing.assert_array_equal(first.indices, np.r_[240:250, 0:30])
    # the carried points were evaluated at these weights: same values again
    np.testing.assert_allclose(first.activations[-1][:10], leftover.activations[-1], atol=1e-15)


def test_batch_larger_than_training_set_never_updates():
    trainer = _trainer(batch_size=300)
    start = trainer.network.params.copy()
    e = trainer.step_batch()
    assert (e.batches_per_epoch, e.applies_update, e.inputs.shape[0]) == (1, False, 250)
    trainer.step(2)
    assert trainer.epoch == 3
    np.testing.assert_array_equal(trainer.network.params, start)


def test_step_after_step_batch_finishes_the_epoch():
    """step() mid-epoch first finishes the current epoch, counted as one."""
    partial, whole = _trainer(batch_size=30), _trainer(batch_size=30)
    for _ in range(4):
        partial.step_batch()
    assert partial.epoch == 0
    assert partial.step(1) == 1 and partial.epoch == 1
    assert partial.explain_batch().batch == 0
    whole.step(1)
    np.testing.assert_allclose(partial.network.params, whole.network.params, atol=1e-12)
    assert partial.train_loss == pytest.approx(whole.train_loss, abs=1e-12)
    partial.step_batch()
    assert partial.step(2) == 2 and partial.epoch == 3
    whole.step(2)
    np.testing.assert_allclose(partial.network.params, whole.network.params, atol=1e-12)
    assert len(partial.history) == len(whole.history) == 4


def test_reset_starts_a_new_epoch():
    trainer = _trainer(batch_size=30)
    for _ in range(3):
        trainer.step_batch()
    trainer.reset()
    e = trainer.explain_batch()
    assert (e.epoch, e.batch, e.carried) == (0, 0, 0)


def test_step_batch_divergence_as_step():
    config = Config(seed="diverge", learning_rate=10.0, activation="relu",
                    problem="regression", dataset="reg-plane")
    stepped, batched = Trainer(config), Trainer(config)
    stepped.step(50)
    assert stepped.diverged
    while not batched.diverged:
        batched.step_batch()
    assert batched.epoch == stepped.epoch
    assert batched.explain_batch().batch == 0  # still explainable: the numbers are NaN
    with pytest.raises(DivergedError, match="reset"):
        batched.step_batch()
    batched.reset()
    batched.step_batch()


def test_an_explanation_prints_as_a_one_line_summary():
    """Its default repr dumped every array of the batch (hundreds of lines at a prompt)."""
    t = Trainer(Config(dataset="circle", batch_size=7, seed="demo"))
    first = repr(t.explain_batch())
    assert first.startswith("BatchExplanation(epoch 1, batch 1 of 36: 7 points, loss 0.5")
    assert first.endswith("learning rate 0.03, applies its update; layers [4, 2, 1])")
    for _ in range(36):
        last = t.step_batch()
    assert "batch 36 of 36: 5 points" in repr(last) and "leftover: no update" in repr(last)
    assert "12 points, 5 carried" in repr(t.explain_batch())
    assert "\n" not in repr(last)
