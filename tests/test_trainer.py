"""The Trainer against Playground's own runs, a literal per-example oracle, and docs/playground.md §9."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nbplayground import features as F
from nbplayground.config import Config
from nbplayground.history import History
from nbplayground.seedrandom import SeedRandom, to_fixed
from nbplayground.trainer import DivergedError, Trainer

from .playground_oracle import PlaygroundOracle

#: Playground's own losses for four seeded runs (see tests/data/README.md for their source)
REFERENCE = Path(__file__).resolve().parent / "data" / "playground-runs.json"
RUNS = json.loads(REFERENCE.read_text())["runs"]


@pytest.mark.parametrize("run", RUNS, ids=[r["fragment"].split("seed=")[1][:7] + " " +
                                           r["description"][:40] for r in RUNS])
def test_reproduces_playground_runs(run):
    """Playground's own losses at each listed epoch, within 1e-9 (docs/playground.md §2.1)."""
    trainer = Trainer(Config.from_url(run["fragment"]))
    for epoch in sorted(int(e) for e in run["train_loss"]):
        trainer.step(epoch - trainer.epoch)
        assert trainer.epoch == epoch
        assert trainer.train_loss == pytest.approx(run["train_loss"][str(epoch)], abs=1e-9)
        assert trainer.test_loss == pytest.approx(run["test_loss"][str(epoch)], abs=1e-9)


def _oracle_for(trainer):
    c = trainer.config
    out = "tanh" if c.problem == "classification" else "linear"
    return PlaygroundOracle(trainer.weights, trainer.biases, c.activation, out,
                            c.regularization, c.regularization_rate, c.learning_rate,
                            c.batch_size)


def _inputs(trainer, xy):
    return F.feature_matrix(xy, trainer.config.features).tolist()


ORACLE_CASES = {
    "carry-over: 250 points, batch 30 (8 updates, first of the next epoch over 40)":
        dict(batch_size=30),
    "10% ratio: 50 points, batch 30 (one update over 30, 20 carried)":
        dict(batch_size=30, train_percent=10),
    "batch larger than the training set: carry forever, never update":
        dict(batch_size=60, train_percent=10, dataset="xor", network_shape=(2,)),
    "L1 kills links (dead-link rule)":
        dict(regularization="L1", regularization_rate=0.03, learning_rate=0.1,
             network_shape=(3, 2)),
    "L2, relu, xor": dict(regularization="L2", regularization_rate=0.01, activation="relu",
                          dataset="xor", batch_size=7),
    "regression, sigmoid hidden, all features":
        dict(problem="regression", activation="sigmoid", batch_size=13,
             features=F.FEATURE_IDS, network_shape=(3,)),
    "no hidden layer, batch 1": dict(network_shape=(), batch_size=1, dataset="gauss"),
    "deep equal layers (batched gradients), spiral": dict(network_shape=(4, 4, 4, 4),
                                                          dataset="spiral", batch_size=9),
}


@pytest.mark.parametrize("name", list(ORACLE_CASES))
def test_matches_per_example_oracle(name):
    changes = ORACLE_CASES[name]
    trainer = Trainer(Config(seed="oracle", **changes))
    oracle = _oracle_for(trainer)
    d = trainer.data
    train_in, test_in = _inputs(trainer, d.train_x), _inputs(trainer, d.test_x)
    for _ in range(4):
        oracle.epoch(train_in, d.train_y.tolist())
        trainer.step()
        for got, want in zip(trainer.weights, oracle.w):
            np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
        for got, want in zip(trainer.biases, oracle.b):
            np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
        assert trainer.train_loss == pytest.approx(oracle.loss(train_in, d.train_y), abs=1e-12)
        assert trainer.test_loss == pytest.approx(oracle.loss(test_in, d.test_y), abs=1e-12)
    dead = [np.array(layer) for layer in oracle.dead]
    for got, want in zip(trainer.dead, dead):
        assert (got == want).all()
    if name.startswith("L1"):
        assert any(layer.any() for layer in trainer.dead), "the case should kill a link"
    if name.startswith("batch larger"):
        assert trainer._carry_count == 4 * 50


def test_dead_link_stays_dead_after_edit():
    trainer = Trainer(Config(seed="l1", regularization="L1", regularization_rate=0.3,
                             learning_rate=0.3, network_shape=(3,)))
    trainer.step(5)
    dead = trainer.dead
    layer = next(l for l, d in enumerate(dead) if d.any())
    dest, src = map(int, np.argwhere(dead[layer])[0])
    trainer.set_weight(layer, dest, src, 0.75)
    trainer.step(3)
    assert trainer.weights[layer][dest, src] == 0.75
    assert trainer.dead[layer][dest, src]


def test_same_seed_same_run_and_reset_continues_the_stream():
    a = Trainer(Config(seed="det"))
    b = Trainer(Config(seed="det"))
    first = a.weights
    for x, y in zip(first, b.weights):
        assert (x == y).all()
    a.step(3)
    b.step(3)
    assert a.train_loss == b.train_loss
    a.reset()
    assert a.epoch == 0 and len(a.history) == 1
    assert any((x != y).any() for x, y in zip(a.weights, first)), "reset draws new weights"
    # the new weights are the next draws of the same stream (no reseed)
    stream = SeedRandom("det")
    from nbplayground import datasets
    datasets.make_dataset("circle", 0, 50, stream)
    n_links = sum(w.size for w in first)
    for _ in range(n_links):
        stream()
    expected = [stream() - 0.5 for _ in range(n_links)]
    got = np.concatenate([w.ravel() for w in a.weights])
    np.testing.assert_array_equal(got, expected)
    a.step(2)
    a.reset(same_weights=True)
    for x, y in zip(a.weights, first):
        assert (x == y).all()


def test_regenerate_new_seed_from_stream_keeps_network():
    t = Trainer(Config(seed="regen"))
    t.step(4)
    weights, epoch = t.weights, t.epoch
    stream = SeedRandom("regen")
    from nbplayground import datasets
    datasets.make_dataset("circle", 0, 50, stream)
    for _ in range(sum(w.size for w in weights)):
        stream()
    expected_seed = to_fixed(stream(), 5)
    old_x = t.data.train_x.copy()
    t.regenerate()
    assert t.config.seed == expected_seed
    assert t.epoch == epoch
    for x, y in zip(t.weights, weights):
        assert (x == y).all()
    assert not np.array_equal(old_x, t.data.train_x)
    t.step()
    assert t.epoch == epoch + 1


def test_apply_follows_spec_section_9():
    t = Trainer(Config(seed="apply"))
    t.step(3)
    assert t.apply(t.config.replace(learning_rate=0.3)) == "live"
    assert t.epoch == 3 and t._optimizer.learning_rate == 0.3
    assert t.apply(t.config.replace(show_test_data=True)) == "live"
    assert t.apply(t.config.replace(activation="relu")) == "reset"
    assert t.epoch == 0 and t.config.seed == "apply"
    t.step(2)
    assert t.apply(t.config.replace(dataset="xor")) == "regenerate"
    assert t.epoch == 0 and t.config.seed != "apply" and t.config.dataset == "xor"
    assert t.apply(t.config.replace(features=("x", "y", "x_times_y"))) == "reset"
    assert t.network.layer_sizes[0] == 3
    t.step()
    assert t.apply(t.config.replace(seed="other")) == "load"
    fresh = Trainer(t.config)
    for x, y in zip(t.weights, fresh.weights):
        assert (x == y).all()
    assert t.apply(t.config) == "none"
    with pytest.raises(TypeError, match="Config"):
        t.apply({"dataset": "xor"})


def test_set_learning_rate_is_live():
    t = Trainer(Config(seed="lr"))
    t.step(2)
    t.set_learning_rate(0.1)
    assert t.epoch == 2 and t.config.learning_rate == 0.1
    with pytest.raises(ValueError, match="learning_rate"):
        t.set_learning_rate(-1)


def test_divergence_pauses_and_reset_recovers():
    # docs/playground.md §11: regression plane, [4,2] ReLU at lr 3 reaches NaN within a few epochs
    t = Trainer(Config(seed="boom", problem="regression", activation="relu",
                       learning_rate=3))
    done = t.step(200)
    assert t.diverged and done < 200 and t.epoch == done
    assert not math.isfinite(t.train_loss) or not np.isfinite(t.network.params).all()
    with pytest.raises(DivergedError, match="diverged.*reset"):
        t.step()
    assert t.epoch == done, "no later step trains a broken network"
    t.reset()
    assert not t.diverged and math.isfinite(t.train_loss)


def test_step_arguments_and_time_budget():
    t = Trainer(Config(seed="steps"))
    with pytest.raises(ValueError, match="epochs=-1"):
        t.step(-1)
    with pytest.raises(ValueError, match="epochs=1.5"):
        t.step(1.5)
    assert t.step(10_000, seconds=0.0) == 1  # at least one epoch, then the budget stops it
    assert t.step(0) == 0


def test_step_takes_seconds_as_config_takes_numbers():
    """NumPy floats used to be refused and True accepted; Runs.step refused True."""
    t = Trainer(Config(seed="steps"))
    assert t.step(3, seconds=np.float32(10.0)) == 3
    assert t.step(1, seconds=np.int64(0)) == 1
    for bad in (True, np.True_, "1", math.nan, math.inf, -0.5):
        with pytest.raises(ValueError, match=r"seconds=.*: must be a finite number >= 0, or "
                                              r"None for no time limit"):
            t.step(1, seconds=bad)
    with pytest.raises(TypeError, match="seconds=True"):    # a wrong type is a TypeError too
        t.step(1, seconds=True)
    assert t.epoch == 4, "refused steps change nothing"


def test_history_is_bounded_and_keeps_recent_epochs():
    h = History(capacity=100, recent=50)
    for e in range(10_000):
        h.append(e, 1.0 / (e + 1), 2.0, 0.5, 0.5)
    assert len(h) <= 100
    epochs = h.epochs
    assert epochs[0] == 0 and epochs[-1] == 9999
    assert (np.diff(epochs[-50:]) == 1).all()
    assert (np.diff(epochs) > 0).all()
    e, tr, te = h.sampled(20)
    assert len(e) <= 20 and e[0] == 0 and e[-1] == 9999


def test_million_epochs_of_history_take_a_few_mb():
    h = History()
    for e in range(1_000_000):
        h.append(e, 0.1, 0.2)
    assert h._rows.nbytes < 2_000_000 and len(h) <= h.capacity
    assert h.epochs[-1] == 999_999 and h.epochs[0] == 0


def test_predict_and_grid_agree_and_y_points_up():
    t = Trainer(Config(seed="grid", network_shape=(3,)))
    t.step(5)
    grid = t.grid()
    assert [g.shape for g in grid] == [(2, 100, 100), (3, 100, 100), (1, 100, 100)]
    # the input grid of feature "y" is +6 on row 0 and -6 on the last row (docs/playground.md §8.2)
    assert grid[0][1][0, 0] == pytest.approx(6) and grid[0][1][-1, 0] == pytest.approx(-6)
    assert grid[0][0][0, 0] == pytest.approx(-6) and grid[0][0][0, -1] == pytest.approx(6)
    pts = t.grid_points()
    pred = t.predict(pts).reshape(100, 100)
    np.testing.assert_allclose(grid[-1][0], pred, atol=1e-5)
    frame = t.frame()
    np.testing.assert_allclose(frame.output, pred, atol=1e-5)
    assert frame.epoch == 5 and len(frame.hidden) == 1
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        t.predict([1, 2, 3])


def test_set_weight_and_bias_validate():
    t = Trainer(Config(seed="edit"))
    t.set_bias(0, 1, 0.25)
    assert t.biases[0][1] == 0.25
    with pytest.raises(ValueError, match="finite"):
        t.set_weight(0, 0, 0, float("nan"))
    with pytest.raises(IndexError):
        t.set_weight(5, 0, 0, 1.0)
    with pytest.raises(IndexError):
        t.set_weight(0, 9, 0, 1.0)


def test_set_weight_refusals_are_value_or_type_errors_naming_the_value():
    """A bad index is a ValueError too (named, with the range), a string is not a number."""
    t = Trainer(Config(seed="edit", network_shape=(4, 2)))
    before = t.network.params.copy()
    for call, match in [(lambda: t.set_weight(5, 0, 0, 1.0), r"layer=5: must be an integer 0\.\.2"),
                        (lambda: t.set_weight(0, -1, 0, 1.0), r"dest=-1: must be an integer 0\.\.3"),
                        (lambda: t.set_weight(0, 0, 2, 1.0), r"src=2: must be an integer 0\.\.1"),
                        (lambda: t.set_bias(1.0, 0, 1.0), r"layer=1\.0: must be an integer"),
                        (lambda: t.set_bias(2, 1, 1.0), r"node=1: must be an integer 0\.\.0")]:
        with pytest.raises(ValueError, match=match):
            call()
    with pytest.raises(TypeError, match="weight='1': must be a finite number"):
        t.set_weight(0, 0, 0, "1")
    with pytest.raises(TypeError, match="bias=True"):
        t.set_bias(0, 0, True)
    assert np.array_equal(t.network.params, before)


def test_no_features_still_trains_and_draws():
    """docs/playground.md §4: with zero features the network still builds (hidden units see only biases)."""
    for shape in [(), (3,)]:
        t = Trainer(Config(seed="none", features=(), network_shape=shape))
        t.step(2)
        frame = t.frame()
        assert frame.output.shape == (100, 100)
        assert np.allclose(frame.output, frame.output[0, 0])  # constant: no input varies
        assert [g.shape[0] for g in t.grid()][0] == 0


@pytest.mark.parametrize("changes", [dict(), dict(problem="regression"),
                                     dict(loss="cross_entropy"),
                                     dict(dataset="spiral3", loss="cross_entropy")])
def test_losses_and_accuracy_match_predictions(changes):
    """The per-epoch evaluation (a fast path for Playground's heads) against predict()."""
    t = Trainer(Config(seed="acc", **changes))
    t.step(7)
    d = t.data
    for x, y, loss, acc in [(d.train_x, d.train_y, t.train_loss, t.train_accuracy),
                            (d.test_x, d.test_y, t.test_loss, t.test_accuracy)]:
        out = t.predict(x)
        if t.head.loss == "squared":
            assert loss == pytest.approx(np.mean(0.5 * (out - y) ** 2), rel=1e-12)
        if t.config.problem == "classification":
            guess = out.argmax(axis=1) if out.ndim == 2 else np.where(out >= 0, 1.0, -1.0)
            assert acc == pytest.approx(np.mean(guess == y), abs=1e-12)
        else:
            assert acc is None


# --------------------------------------------------------------------------------------
# The engine owns its rules: a refused change leaves everything as it was (issue 11)
# --------------------------------------------------------------------------------------

def _points(n=60, seed=3):
    return np.random.default_rng(seed).normal(size=(n, 2))


def _two_class(n=60):
    X = _points(n)
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _three_class(n=60):
    X = _points(n)
    return X, np.arange(n) % 3


def _regression(n=60):
    X = _points(n)
    return X, X[:, 0] - 0.5 * X[:, 1]


def _snapshot(trainer):
    """Everything a refused change must leave alone (state() holds the optimizer, the
    stream, the history, the carry and the data)."""
    return (trainer.config, trainer.epoch, trainer.diverged, trainer.network.layer_sizes,
            trainer.network.params.tobytes(), trainer.data.train_x.tobytes(),
            trainer.head.outputs, json.dumps(trainer.state(), sort_keys=True))


def _refused(trainer, field, **changes):
    """apply(config.replace(**changes)) raises naming ``field``; nothing changes; the
    trainer still resets, trains, saves and loads."""
    before = _snapshot(trainer)
    config = trainer.config.replace(**changes)
    with pytest.raises(ValueError) as info:
        trainer.apply(config)
    assert getattr(info.value, "field", None) == field, str(info.value)
    assert f"{field}=" in str(info.value)
    assert _snapshot(trainer) == before
    after = Trainer.from_state(trainer.state())      # what load() reads back
    assert _snapshot(after) == before
    trainer.step(2)
    trainer.reset()
    return info.value


def _trained(data, **config):
    t = Trainer(Config(seed="5", **config), data=data)
    t.step(3)
    return t


def test_squared_loss_on_three_classes_is_refused():
    error = _refused(_trained(_three_class()), "loss", loss="squared")
    assert "loss='cross_entropy'" in str(error)


def test_regression_on_two_class_data_is_refused():
    error = _refused(_trained(_two_class()), "problem", problem="regression")
    assert "pass problem='classification'" in str(error)


@pytest.mark.parametrize("dataset", ["xor", "spiral", "gauss3"])
def test_a_playground_dataset_name_does_not_apply_to_your_points(dataset):
    _refused(_trained(_two_class()), "dataset", dataset=dataset)


def test_a_ratio_that_leaves_no_training_point_is_refused():
    t = _trained(_two_class(n=8), train_percent=50)
    _refused(t, "train_percent", train_percent=10)   # floor(8 * 10 / 100) = 0


def test_cross_entropy_on_regression_targets_is_refused():
    t = _trained(_regression())
    assert t.config.problem == "regression"
    _refused(t, "problem", problem="classification", loss="cross_entropy")
    with pytest.raises(ValueError, match="loss='cross_entropy'"):   # Config's own rule
        t.config.replace(loss="cross_entropy")
    with pytest.raises(ValueError, match="pass loss='squared'") as info:
        Trainer(Config(seed="1", loss="cross_entropy"), data=_regression())
    assert info.value.field == "loss"


@pytest.mark.parametrize("changes", [dict(network_shape=(5, 5)), dict(noise=10),
                                     dict(seed="another"), dict(activation="relu")])
def test_memory_error_mid_build_leaves_the_trainer_as_it_was(monkeypatch, changes):
    from nbplayground.network import Network
    t = Trainer(Config(seed="5"))
    t.step(4)
    before = _snapshot(t)
    original = Network.initialize

    def no_memory(self, *args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(Network, "initialize", no_memory)
    with pytest.raises(MemoryError):
        t.apply(t.config.replace(**changes))
    assert _snapshot(t) == before
    monkeypatch.setattr(Network, "initialize", original)
    t.step(1)
    straight = Trainer(Config(seed="5"))
    straight.step(5)
    assert t.network.params.tobytes() == straight.network.params.tobytes()


def test_an_accepted_change_still_swaps_everything_in():
    t = Trainer(Config(seed="5"))
    t.step(3)
    assert t.apply(t.config.replace(network_shape=(3,))) == "reset"
    assert t.network.layer_sizes == (2, 3, 1) and t.epoch == 0
    assert len(t.history) == 1
    t.step(2)
    assert t.epoch == 2


def test_explicit_settings_are_never_overridden():
    with pytest.raises(ValueError, match="pass problem='classification'") as info:
        Trainer(Config(seed="1", problem="regression"), data=_two_class())
    assert info.value.field == "problem"
    with pytest.raises(ValueError, match="pass problem='classification'"):
        Trainer(data=_two_class(), problem="regression")
    with pytest.raises(ValueError, match="dataset names do not apply"):
        Trainer(Config(seed="1", dataset="xor"), data=_two_class())
    with pytest.raises(ValueError, match="pass loss='cross_entropy'"):
        Trainer(data=_three_class(), loss="squared")
    # defaults are inferred from the data
    assert Trainer(data=_regression()).config.problem == "regression"
    assert Trainer(Config(seed="1"), data=_three_class()).config.loss == "cross_entropy"
    assert Trainer(data=_two_class(), loss="cross_entropy").config.loss == "cross_entropy"
    assert Trainer(Config(seed="1", problem="regression"), data=_regression()).config \
        .dataset == "reg-plane"


def test_too_many_points_are_refused():
    from nbplayground.config import LIMIT_POINTS
    X = np.zeros((LIMIT_POINTS + 1, 2))
    with pytest.raises(ValueError, match="LIMIT_POINTS") as info:
        Trainer(data=(X, np.arange(len(X)) % 2))
    assert info.value.field == "X"


def test_huge_regression_targets_are_refused_before_anything_changes():
    """1e200 targets used to give a trainer 'diverged' before its first step, for good."""
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match=r"y\[0\]=1\.2573e\+199: .*LIMIT_LABEL") as info:
        Trainer(data=(X, X[:, 0] * 1e200), seed="a")
    assert info.value.field == "y"
    t = Trainer(problem="regression", seed="demo")
    before = json.dumps(t.state(), sort_keys=True)
    with pytest.raises(ValueError, match="LIMIT_LABEL") as info:
        t.add_points([[1, 2]], [1e300])
    assert info.value.field == "labels"
    assert json.dumps(t.state(), sort_keys=True) == before and t.custom_data is None
    assert t.step() == 1 and not t.diverged


def test_explicit_classification_names_a_class_count_beyond_the_palette():
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match=r"y has 9 classes .*at most 8 .*MAX_CLASSES") as info:
        Trainer(data=(X, np.arange(50) % 9), problem="classification", seed="a")
    assert info.value.field == "y"
    # explicit classification also reads two integers other than 0/1 as classes
    t = Trainer(data=(X, np.arange(50) % 2 * 3 + 2), problem="classification", seed="a")
    assert t.num_classes == 2 and t.custom_data.class_names == (2, 5)
    # without it nine integers are regression targets, as the inference rule says
    assert Trainer(data=(X, np.arange(50) % 9), seed="a").config.problem == "regression"


def test_a_picture_beyond_float32_is_a_divergence_in_that_same_frame():
    t = Trainer(Config(seed="1", problem="regression", network_shape=(1,),
                       activation="linear"))
    t.set_weight(0, 0, 0, 1e20)
    t.set_weight(1, 0, 0, 1e20)
    assert math.isfinite(t.train_loss) and not t.diverged     # float64 still copes
    frame = t.frame()
    assert frame.diverged and t.diverged                       # the grid (float32) does not
    with pytest.raises(DivergedError):
        t.step()


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_no_numpy_warning_reaches_the_user():
    t = Trainer(Config(seed="1", problem="regression", learning_rate=10,
                       network_shape=(8, 8)))
    t.step(60)
    assert t.diverged
    t.frame()
    t.predict([[1e300, -1e300], [0.0, 1.0]])
    t.grid()
    big = np.array([[1e12, -1e12], [3.0, 1e12], [-2.0, 4.0], [1.0, 1.0]] * 5)
    u = Trainer(Config(seed="1", features=tuple(F.FEATURE_IDS)),
                data=(big, np.arange(20) % 2))
    u.step(5)
    u.frame()


def test_a_failed_regenerate_leaves_the_trainer_as_it_was(monkeypatch):
    from nbplayground import datasets
    t = Trainer(Config(seed="5"))
    t.step(2)
    before = _snapshot(t)

    def no_memory(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(datasets, "make_dataset", no_memory)
    with pytest.raises(MemoryError):
        t.regenerate()
    assert _snapshot(t) == before


def test_a_huge_weight_names_the_field():
    t = Trainer(Config(seed="1"))
    before = t.network.params.tobytes()
    with pytest.raises(ValueError, match="weight="):
        t.set_weight(0, 0, 0, 10**400)
    with pytest.raises(ValueError, match="bias="):
        t.set_bias(0, 0, 10**5000)
    assert t.network.params.tobytes() == before


def test_a_trainer_and_its_history_print_what_they_hold():
    """Both printed as '<nbplayground.trainer.Trainer object at 0x...>' at a prompt."""
    t = Trainer(Config(seed="r", network_shape=(4, 2)))
    t.step(3)
    assert repr(t) == (f"Trainer(circle, network 4-2 tanh, sgd learning rate 0.03, seed 'r': "
                       f"epoch 3, train loss {t.train_loss:.4g}, test loss {t.test_loss:.4g})")
    assert repr(t.history).startswith("History(4 rows, epochs 0..3; test loss ")
    assert "no hidden layer, sgd" in repr(Trainer(Config(seed="r", network_shape=())))


def test_predict_names_points_that_are_not_numbers():
    t = Trainer(Config(seed="p"))
    with pytest.raises(TypeError, match=r"points='x': must be numbers, shape \(n, 2\)"):
        t.predict("x")
    with pytest.raises(TypeError, match=r"points=\[\['a', 1\]\]"):
        t.predict([["a", 1]])


def test_reset_refuses_a_same_weights_that_is_not_a_bool():
    """reset(same_weights="no") used to mean True (a non-empty string) and reset."""
    t = Trainer(Config(seed="r"))
    t.step(3)
    with pytest.raises(TypeError, match="same_weights='no': must be True or False"):
        t.reset(same_weights="no")
    assert t.epoch == 3


@pytest.mark.parametrize("text, hint", [
    ("https://playground.tensorflow.org/#dataset=xor", r"Config.from_url"),
    ("xor-5", r"preset"),
])
def test_a_string_for_config_names_it_and_the_way_to_read_it(text, hint):
    """An instructor pastes a Playground link (or a preset name) where a Config goes."""
    with pytest.raises(TypeError, match=r"config='.*must be a Config.*" + hint) as info:
        Trainer(text)
    assert text[:30] in str(info.value)
