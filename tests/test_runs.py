"""Runs against separately stepped Trainers (losses within 1e-9), grouping, same start, study."""

import math

import numpy as np
import pytest

from nbplayground import Config, Runs, Study, Trainer, study
from nbplayground.config import ConfigError, OPTIMIZERS

TOL = 1e-9


def _solo(runs):
    """A separately made Trainer for every run."""
    return [Trainer(c) for c in runs.configs]


def _assert_same(runs, trainers):
    """Every run equals its own Trainer: losses, accuracy, history, weights, dead links."""
    assert len(runs) == len(trainers)
    assert np.array_equal(runs.epochs, [t.epoch for t in trainers])
    assert np.array_equal(runs.diverged, [t.diverged for t in trainers])
    for i, t in enumerate(trainers):
        r = runs[i]
        assert isinstance(r, Trainer)
        if t.diverged:
            continue
        assert abs(runs.train_loss[i] - t.train_loss) <= TOL, runs.labels[i]
        assert abs(runs.test_loss[i] - t.test_loss) <= TOL, runs.labels[i]
        h, ht = runs.histories[i], t.history
        assert np.array_equal(h.epochs, ht.epochs)
        np.testing.assert_allclose(h.train_loss, ht.train_loss, rtol=0, atol=TOL)
        np.testing.assert_allclose(h.test_loss, ht.test_loss, rtol=0, atol=TOL)
        np.testing.assert_allclose(h.test_accuracy, ht.test_accuracy, rtol=0, atol=TOL)
        np.testing.assert_allclose(r.network.params, t.network.params, rtol=0, atol=1e-7)
        assert np.array_equal(r.network.dead, t.network.dead)
        assert r.carry_count == t.carry_count


def _step_both(runs, trainers, *chunks):
    for n in chunks:
        assert runs.step(n) == n
        for t in trainers:
            if not t.diverged:
                t.step(n)
        _assert_same(runs, trainers)


# -- each run is exactly its own Trainer ----------------------------------------------------


def test_seeds_match_trainers_and_stack_in_one_group():
    runs = Runs.seeds(Config(seed="7"), 5)
    assert runs.groups == [[0, 1, 2, 3, 4]], "Playground's default network stacks"
    runs.step(1)
    group = runs._groups[0]
    runs.step(1)
    assert runs._groups[0] is group, "an untouched group is kept between steps"
    trainers = _solo(runs)
    for t in trainers:
        t.step(2)
    _assert_same(runs, trainers)
    _step_both(runs, trainers, 1, 12, 30)
    assert runs.epoch == 45
    assert len({c.seed for c in runs.configs}) == 5
    # different seeds: different data and different weights
    assert not np.array_equal(runs[0].data.train_x, runs[1].data.train_x)


def test_every_optimizer_in_one_stacked_group():
    base = Config(seed="opt", dataset="xor", network_shape=(5, 3), learning_rate=0.03)
    configs = [base.replace(optimizer=o) for o in OPTIMIZERS]
    configs += [base.replace(momentum=0.9), base.replace(momentum=0.9, nesterov=True),
                base.replace(decay=0.01), base.replace(optimizer="adam", decay=0.001)]
    runs = Runs(configs)
    assert runs.groups == [list(range(len(configs)))]
    trainers = _solo(runs)
    _step_both(runs, trainers, 7, 25)
    for r, t in zip(runs, trainers):  # optimizer state advanced alike
        assert r.optimizer.iterations == t.optimizer.iterations


@pytest.mark.parametrize("reg", ["L1", "L2"])
def test_regularization_with_dead_links(reg):
    base = Config(seed="reg", network_shape=(4, 3), learning_rate=0.3, regularization=reg,
                  regularization_rate=0.03, batch_size=7)
    runs = Runs.vary(base, same_start=False,
                     optimizer=["sgd", "sgd", "adam"], regularization_rate=[0.03, 0.1])
    trainers = _solo(runs)
    _step_both(runs, trainers, 3, 20)
    if reg == "L1":
        assert any(r.network.dead.any() for r in runs), "L1 at this rate kills links"
    # a run without regularization next to regularized ones: plain and own updates mixed
    mixed = Runs.vary(base, regularization=[None, reg], optimizer=["sgd", "adam", "sgd"])
    trainers = _solo(mixed)
    _step_both(mixed, trainers, 15)


@pytest.mark.parametrize("batch_size, train_percent", [(1, 50), (7, 50), (30, 30), (64, 10)])
def test_batch_sizes_with_carried_leftovers(batch_size, train_percent):
    # 250 points at batch 7 leave 5 for the next epoch; 50 points at batch 64 never
    # fill a batch: every epoch only carries
    runs = Runs.seeds(Config(seed="bs", batch_size=batch_size, train_percent=train_percent), 3)
    trainers = _solo(runs)
    _step_both(runs, trainers, 1, 2, 9 if batch_size > 1 else 3)
    n_train = runs[0].training_arrays().n_train
    if n_train % batch_size:
        assert runs[0].carry_count or trainers[0].carry_count == 0


@pytest.mark.parametrize("changes", [
    {"dataset": "spiral3"},                              # softmax cross-entropy, 3 classes
    {"dataset": "gauss3", "activation": "relu"},
    {"dataset": "circle", "loss": "cross_entropy"},      # sigmoid cross-entropy
    {"dataset": "reg-plane"},                            # regression, linear output
    {"dataset": "reg-gauss", "activation": "relu", "batch_size": 4},
    {"network_shape": ()},                               # no hidden layer
    {"network_shape": (8, 8, 8, 8), "activation": "swish"},  # equal layers, needs z
    {"dataset": "spiral3", "network_shape": (3, 3)},    # the output's shape equals a hidden's
    {"network_shape": (1, 1, 1), "activation": "relu"},
    {"features": ("x", "y", "x_squared", "sin_y"), "activation": "sigmoid"},
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_heads_problems_and_shapes(changes):
    runs = Runs.seeds(Config(seed="heads", **changes), 3)
    assert len(runs.groups) == 1
    trainers = _solo(runs)
    _step_both(runs, trainers, 4, 11)


def test_activations_and_shapes_are_grouped():
    base = Config(seed="grp", dataset="xor")
    runs = Runs.vary(base, activation=["relu", "tanh", "sigmoid", "linear", "elu",
                                       "softplus", "leaky_relu", "relu", "tanh"])
    assert runs.groups == [[0, 7], [1, 8], [2], [3], [4], [5], [6]]
    trainers = _solo(runs)
    _step_both(runs, trainers, 10, 10)

    shapes = [(4, 2), (3,), (4, 2), (), (8, 8, 8), (3,), ()]
    runs = Runs.vary(base, network_shape=shapes)
    assert sorted(runs.groups) == [[0, 2], [1, 5], [3, 6], [4]]
    assert runs.labels[0] == "net 4-2" and runs.labels[3] == "no hidden layer"
    trainers = _solo(runs)
    _step_both(runs, trainers, 8, 8)

    runs = Runs.vary(base, batch_size=[10, 5, 10, 5])
    assert sorted(runs.groups) == [[0, 2], [1, 3]]
    _step_both(runs, _solo(runs), 6)


def test_divergence_stops_only_that_run():
    # docs/playground.md §11: regression plane, [4,2] ReLU at lr 3 reaches NaN within a few epochs
    base = Config(seed="boom", problem="regression", activation="relu")
    runs = Runs.vary(base, learning_rate=[0.03, 3, 0.01, 3])
    trainers = _solo(runs)
    assert runs.step(60) == 60
    for t in trainers:
        t.step(60)
    assert list(runs.diverged) == [False, True, False, True]
    _assert_same(runs, trainers)
    stopped = runs.epochs[1]
    assert 0 < stopped < 60 and runs.epochs[0] == 60
    assert runs.groups == [[0, 2]]
    _step_both(runs, trainers, 5)
    assert runs.epochs[1] == stopped and runs.epochs[0] == 65
    assert runs.histories[1].epochs[-1] == stopped


def test_all_diverged_steps_nothing():
    runs = Runs.seeds(Config(seed="boom", problem="regression", activation="relu",
                             learning_rate=3), 2)
    runs.step(200)
    assert runs.diverged.all()
    before = runs.epochs.copy()
    assert runs.step(5) == 0
    assert np.array_equal(runs.epochs, before)


def test_run_is_a_live_trainer_and_can_step_alone():
    runs = Runs.seeds(Config(seed="live", batch_size=7), 3)
    trainers = _solo(runs)
    _step_both(runs, trainers, 5)
    # the trainer view is in sync with the stacked state with nothing copied back
    r = runs[1]
    assert np.array_equal(r.predict([[0.5, -1.0], [2.0, 3.0]]),
                          trainers[1].predict([[0.5, -1.0], [2.0, 3.0]]))
    # stepped on its own (its own engine, on the shared buffer), the run moves ahead;
    # Runs notices and stacks again
    r.step(3)
    trainers[1].step(3)
    _step_both(runs, trainers, 4)
    assert list(runs.epochs) == [9, 12, 9]
    # a live learning-rate change through the trainer is seen by the next runs.step
    runs[0].set_learning_rate(0.3)
    trainers[0].set_learning_rate(0.3)
    _step_both(runs, trainers, 6)
    # a reset run starts again at epoch 0 and is stacked with the others again
    runs[2].reset(same_weights=True)
    trainers[2].reset(same_weights=True)
    _step_both(runs, trainers, 3)
    assert len(runs.groups) == 1


def test_step_with_a_time_budget():
    runs = Runs.seeds(Config(seed="t"), 2)
    assert runs.step(10_000, seconds=0) == 1
    assert runs.step(0) == 0
    assert runs.epoch == 1


def test_runs_step_and_study_take_numbers_as_config_does():
    """seconds=np.float32(...) and target=np.float32(...) used to be refused."""
    runs = Runs.seeds(Config(seed="t", network_shape=(2,)), 2)
    assert runs.step(2, seconds=np.float32(10.0)) == 2
    for bad in (True, np.True_, math.inf):
        with pytest.raises(ValueError, match=r"seconds=.*: must be a finite number >= 0"):
            runs.step(1, seconds=bad)
    assert runs.epoch == 2
    s = study(Config(seed="t", network_shape=(2,)), seeds=2, epochs=3,
              target=np.float32(0.5))
    assert s.target == pytest.approx(0.5) and type(s.target) is float
    assert study(Config(seed="t", network_shape=(2,)), seeds=2, epochs=np.int64(3)).epochs == 3
    for bad in (True, np.True_, "0.1"):
        with pytest.raises(TypeError, match=r"target=.*: must be a finite number > 0"):
            study(Config(seed="t"), seeds=2, target=bad, epochs=1)


# -- same start ----------------------------------------------------------------------------


def test_same_start_shares_data_and_initial_weights():
    base = Config(seed="start", dataset="spiral", network_shape=(6, 4))
    runs = Runs.vary(base, optimizer=["sgd", "adam", "rmsprop"])
    assert runs.labels == ["sgd", "adam", "rmsprop"]
    assert {c.seed for c in runs.configs} == {"start"}
    first = runs[0]
    for r in runs:
        assert np.array_equal(r.data.train_x, first.data.train_x)
        assert np.array_equal(r.data.test_y, first.data.test_y)
        assert np.array_equal(r.network.params, first.network.params)
    runs.step(5)
    assert not np.array_equal(runs[0].network.params, runs[1].network.params)

    for field, values in (("batch_size", [10, 3]), ("activation", ["tanh", "relu"]),
                          ("learning_rate", [0.03, 1]), ("regularization", [None, "L2"])):
        runs = Runs.vary(base, **{field: values})
        assert np.array_equal(runs[0].data.train_x, runs[1].data.train_x), field
        assert np.array_equal(runs[0].network.params, runs[1].network.params), field

    # a varied shape can only share the data
    runs = Runs.vary(base, network_shape=[(6, 4), (3,)])
    assert np.array_equal(runs[0].data.train_x, runs[1].data.train_x)
    assert runs[0].network.size != runs[1].network.size

    # same_start=False: each run its own seed, so its own data and weights
    runs = Runs.vary(base, same_start=False, learning_rate=[0.03, 0.1])
    assert runs.configs[0].seed == "start" and runs.configs[1].seed != "start"
    assert not np.array_equal(runs[0].data.train_x, runs[1].data.train_x)
    assert runs.labels[1].startswith("learning rate 0.1, seed ")


def test_vary_product_and_labels():
    runs = Runs.vary(Config(seed="p"), optimizer=["sgd", "adam"], learning_rate=[0.03, 0.3])
    assert runs.labels == ["sgd, learning rate 0.03", "sgd, learning rate 0.3", "adam, learning rate 0.03",
                           "adam, learning rate 0.3"]
    assert [(c.optimizer, c.learning_rate) for c in runs.configs] == [
        ("sgd", 0.03), ("sgd", 0.3), ("adam", 0.03), ("adam", 0.3)]
    assert Runs.vary(Config(seed="p"), batch_size=[1, 30]).labels == ["batch 1", "batch 30"]
    # Runs(configs) names runs by what differs
    runs = Runs([Config(seed="a"), Config(seed="a", activation="relu")])
    assert runs.labels == ["tanh", "relu"]
    assert Runs([Config(seed="a")] * 2).labels == ["run 0", "run 1"]


def test_seeds_are_deterministic():
    c = Config(seed="base")
    a, b = Runs.seeds(c, 6), Runs.seeds(c, 6)
    assert [x.seed for x in a.configs] == [x.seed for x in b.configs]
    assert a.configs[0].seed == "base"
    assert a.labels[0] == "seed base"
    assert [x.seed for x in Runs.seeds(c, 3).configs] == [x.seed for x in a.configs[:3]]
    assert [x.seed for x in Runs.seeds(c, ["1", "2"]).configs] == ["1", "2"]


# -- errors ------------------------------------------------------------------------------


def test_errors_name_the_value():
    c = Config(seed="e")
    with pytest.raises(ValueError, match="at least one Config"):
        Runs([])
    with pytest.raises(TypeError, match=r"configs\[1\] is a int"):
        Runs([c, 3])
    with pytest.raises(TypeError, match="list of Config"):
        Runs(c)
    with pytest.raises(ValueError, match="2 labels for 1 configs"):
        Runs([c], labels=["a", "b"])
    with pytest.raises(ValueError, match="lerning_rate is not a Config field"):
        Runs.vary(c, lerning_rate=[0.1])
    with pytest.raises(ValueError, match="name a field to vary"):
        Runs.vary(c)
    with pytest.raises(ValueError, match=r"optimizer=\[\] gives no run"):
        Runs.vary(c, optimizer=[])
    with pytest.raises(ValueError, match="must be a list of values"):
        Runs.vary(c, optimizer="adam")
    with pytest.raises(ValueError, match="varying seed would change nothing"):
        Runs.vary(c, seed=["1", "2"])
    with pytest.raises(ConfigError, match="learning_rate"):
        Runs.vary(c, learning_rate=[0.1, -1])
    with pytest.raises(ConfigError, match="optimizer"):
        Runs.vary(c, optimizer=["sgd", "adamw"])
    with pytest.raises(ValueError, match="n=0"):
        Runs.seeds(c, 0)
    with pytest.raises(ValueError, match=r"n\[1\]: seed='a b'"):
        Runs.seeds(c, ["1", "a b"])
    runs = Runs.seeds(c, 2)
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="epochs="):
            runs.step(bad)
    for bad in (-1, math.nan, "1"):
        with pytest.raises(ValueError, match="seconds="):
            runs.step(1, seconds=bad)
    assert runs.epoch == 0 and list(runs.epochs) == [0, 0], "refused steps change nothing"


def test_vary_names_a_flat_shape_and_refuses_unordered_values():
    """network_shape=(4, 8) said 'network_shape=4: must be a list/tuple of layer widths,
    not a single int', as if 4 were wrong; a dict's keys or a set's order (which varies
    between Python processes for strings) made the runs."""
    c = Config(seed="e")
    with pytest.raises(ValueError, match=r"network_shape=\(4, 8\) gives one run per value.*"
                                         r"network_shape=\[\(4, 8\)\]"):
        Runs.vary(c, network_shape=(4, 8))
    with pytest.raises(ValueError, match=r"features=\('x', 'y'\) gives one run per value.*"
                                         r"features=\[\('x', 'y'\)\]"):
        Runs.vary(c, features=("x", "y"))
    for bad in ({"sgd": 1}, {"sgd", "adam"}, frozenset({"adam"})):
        with pytest.raises(ValueError, match=r"optimizer=.*must be a list of values"):
            Runs.vary(c, optimizer=bad)
    assert Runs.vary(c, network_shape=[(4, 8), [2], ()]).labels == \
        ["net 4-8", "net 2", "no hidden layer"]
    assert Runs.vary(c, hide=[{"noise"}, set()]).configs[0].hide == frozenset({"noise"})


def test_listed_seeds_are_read_as_config_reads_a_seed():
    """Runs.seeds(c, [1, 2]) was refused though Config(seed=1) is fine."""
    c = Config(seed="e", network_shape=(2,))
    runs = Runs.seeds(c, [1, np.int64(2), "x"])
    assert [x.seed for x in runs.configs] == ["1", "2", "x"] == [Config(seed=s).seed
                                                                  for s in (1, 2, "x")]
    assert runs.labels == ["seed 1", "seed 2", "seed x"]
    for bad in ([True], [1.5], [""]):
        with pytest.raises(ConfigError, match=r"n\[0\]: seed="):
            Runs.seeds(c, bad)


def test_a_mapping_or_a_string_is_not_a_list_of_seeds():
    c = Config(seed="e")
    for bad in ({"a": 1}, "ab", 2.0, True, None):
        with pytest.raises(TypeError, match=r"n=.*: must be a count >= 1 or a list of seeds"):
            Runs.seeds(c, bad)
    with pytest.raises(TypeError, match=r"seeds=\{'a': 1\}"):
        study(c, seeds={"a": 1}, epochs=1)


def test_a_seed_given_twice_is_refused_by_name():
    """study counted one seed twice (seeds=["1", "1"]: '2 seeds')."""
    c = Config(seed="e")
    with pytest.raises(ValueError, match=r"n=\['a', 'a'\]: seed\(s\) 'a' given more than once"):
        Runs.seeds(c, ["a", "a"])
    with pytest.raises(ValueError, match=r"seed\(s\) '1' given more than once"):
        Runs.seeds(c, [1, "1"])                       # the same seed once read
    with pytest.raises(ValueError, match=r"seeds=.*seed\(s\) '1', 'b' given more than once"):
        study(c, seeds=["1", "b", "1", "b", "c"], epochs=10)


def test_study_names_its_own_parameter():
    """study(base, seeds=0) said 'n=0', a parameter study does not have."""
    c = Config(seed="e")
    for bad in (0, 10**6):
        with pytest.raises(ValueError, match=rf"^seeds={bad}: must be a count 1\.\.1000"):
            study(c, seeds=bad, epochs=1)
    with pytest.raises(ValueError, match=r"^seeds=\[\]: give at least one seed"):
        study(c, seeds=[], epochs=1)
    with pytest.raises(ValueError, match=r"^n=0: "):
        Runs.seeds(c, 0)


# -- study ---------------------------------------------------------------------------------


def test_study_counts_first_epochs_below_target():
    config = Config(seed="study", network_shape=(3,), activation="relu")
    s = study(config, seeds=6, target=0.1, epochs=120)
    assert isinstance(s, Study) and len(s.seeds) == 6
    assert s.seeds == [c.seed for c in Runs.seeds(config, 6).configs]
    for seed, first in zip(s.seeds, s.first_epochs):
        t = Trainer(config.replace(seed=seed))
        t.step(120)
        losses = t.history.test_loss
        below = np.flatnonzero(losses < 0.1)
        assert first == (int(below[0]) if below.size else None)
    hits = [e for e in s.first_epochs if e is not None]
    assert s.successes == len(hits) and s.rate == len(hits) / 6
    assert s.median_epochs == (float(np.median(hits)) if hits else None)
    assert s.final_test_losses.shape == (6,)
    rows = s.rows()
    assert [r["first_epoch"] for r in rows] == s.first_epochs
    text = s.table()
    assert f"{s.successes}/6 seeds" in text and s.seeds[1] in text
    assert "rate" in repr(s) and "<table>" in s._repr_html_()


def test_study_with_seed_list_and_no_success():
    s = study(Config(seed="x", network_shape=(1,)), seeds=["a", "b"], target=1e-6, epochs=5)
    assert s.seeds == ["a", "b"]
    assert s.successes == 0 and s.rate == 0 and s.median_epochs is None
    assert s.first_epochs == [None, None]
    assert all(math.isfinite(x) for x in s.final_test_losses)
    with pytest.raises(ValueError, match="target="):
        study(Config(seed="x"), seeds=2, target=math.nan)
    with pytest.raises(ValueError, match="epochs="):
        study(Config(seed="x"), seeds=2, epochs=-3)
    with pytest.raises(TypeError, match="Config"):
        study({"dataset": "xor"})


def test_study_sees_every_epoch_of_a_thinned_history(monkeypatch):
    """Histories thin old rows; study steps in chunks they keep whole, so first_epochs
    stay exact however long the study."""
    import nbplayground.trainer as trainer_module
    from nbplayground.history import History
    config = Config(seed="study", network_shape=(3,), activation="relu")
    expected = study(config, seeds=4, epochs=90).first_epochs
    assert any(e is not None and e > 30 for e in expected), "a late success to look for"
    monkeypatch.setattr(trainer_module, "History", lambda: History(capacity=24, recent=12))
    s = study(config, seeds=4, epochs=90)
    assert len(s.runs.histories[0]) < 40, "the histories were thinned"
    assert s.first_epochs == expected


def test_reset_keeps_same_start_runs_together():
    runs = Runs.vary(Config(seed="rs", dataset="xor"), optimizer=["sgd", "adam", "adagrad"])
    first = runs[0].network.params.copy()
    runs.step(10)
    runs.reset()
    assert runs.epoch == 0 and list(runs.epochs) == [0, 0, 0]
    new = runs[0].network.params.copy()
    assert not np.array_equal(new, first), "Reset draws new weights from the stream"
    for r in runs:
        assert np.array_equal(r.network.params, new) and len(r.history) == 1
    trainers = _solo(runs)
    for t in trainers:
        t.reset()
    _step_both(runs, trainers, 6)
    runs.reset(same_weights=True)
    for r in runs:
        assert np.array_equal(r.network.params, first)


def test_custom_data_for_every_run():
    rng = np.random.default_rng(3)
    X = rng.uniform(-5, 5, size=(120, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1, -1)
    runs = Runs.seeds(Config(seed="own", batch_size=8), 3, data=(X, y))
    assert runs.groups == [[0, 1, 2]] and runs[0].training_arrays().n_train == 60
    trainers = [Trainer(c, data=(X, y)) for c in runs.configs]
    _step_both(runs, trainers, 12)
    assert Runs.vary(Config(seed="own"), data=(X, y), learning_rate=[0.1, 0.3])[1].custom_data


def test_study_on_your_own_points():
    """Runs.seeds and Compare take data=(X, y); study, built on them, did not."""
    rng = np.random.default_rng(4)
    X = rng.uniform(-5, 5, size=(80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, 1, -1)
    config = Config(seed="own", network_shape=(2,), learning_rate=0.1)
    s = study(config, seeds=3, target=0.2, epochs=40, data=(X, y))
    assert all(t.custom_data is not None for t in s.runs)
    for seed, first, final in zip(s.seeds, s.first_epochs, s.final_test_losses):
        t = Trainer(config.replace(seed=seed), data=(X, y))
        t.step(40)
        below = np.flatnonzero(t.history.test_loss < 0.2)
        assert first == (int(t.history.epochs[below[0]]) if below.size else None)
        assert abs(final - t.test_loss) <= TOL


def test_a_run_that_cannot_train_is_refused_before_any_run_steps():
    """runs[1].clear_points() then runs.step(3) raised from run 1 after the other runs
    had made an epoch, with runs.epoch left behind them."""
    from nbplayground.custom_data import CustomDataError
    runs = Runs.seeds(Config(seed="empty", network_shape=(2,)), 3)
    runs.step(2)
    runs[1].clear_points()
    before = [r.network.params.copy() for r in runs]
    with pytest.raises(CustomDataError, match=r"runs\[1\]: nothing to train yet"):
        runs.step(3)
    assert runs.epoch == 2 and list(runs.epochs) == [2, 2, 2]
    assert all(np.array_equal(r.network.params, p) for r, p in zip(runs, before))
    assert runs.step(0) == 0
    runs[1].add_points([[1.0, 1.0], [-1.0, -1.0]], [1, -1])
    assert runs.step(3) == 3 and list(runs.epochs) == [5, 5, 5]


def test_a_run_stopped_mid_epoch_by_step_batch_finishes_its_epoch_alone():
    runs = Runs.seeds(Config(seed="mid", batch_size=7), 3)
    trainers = _solo(runs)
    _step_both(runs, trainers, 2)
    for _ in range(4):
        runs[1].step_batch()
        trainers[1].step_batch()
    assert len(runs.groups) == 2, "the run mid-epoch is not stacked"
    _step_both(runs, trainers, 1)   # run 1 finishes its epoch, the others make one
    assert runs.groups == [[0, 1, 2]], "then it stacks again"
    _step_both(runs, trainers, 5)


@pytest.mark.parametrize("changes", [
    {"optimizer": o} for o in OPTIMIZERS if o != "sgd"] + [{"momentum": 0.9},
                                                          {"momentum": 0.9, "nesterov": True},
                                                          {"optimizer": "adam", "decay": 0.01}],
    ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_seeds_of_one_optimizer_step_as_one(changes):
    """Seeds of one optimizer setting share one optimizer step over their rows; each run's
    optimizer keeps its own slots (views), so a run can still step on its own."""
    base = Config(seed="one", batch_size=7, learning_rate=0.03, **changes)
    runs = Runs(list(Runs.seeds(base, 3).configs) + [base.replace(optimizer="adagrad",
                                                                  seed="x")])
    trainers = _solo(runs)
    _step_both(runs, trainers, 1, 9)
    group = runs._groups[0]
    assert len(group.shared) == 1 and len(group.shared[0][3]) >= 3
    for r, t in zip(runs, trainers):
        assert r.optimizer.iterations == t.optimizer.iterations
        for name, slot in t.optimizer.slots.items():
            np.testing.assert_allclose(r.optimizer.slots[name], slot, rtol=0, atol=1e-12)
        if hasattr(t.optimizer, "momentum_cache"):
            assert r.optimizer.momentum_cache == t.optimizer.momentum_cache
    # one run stepped alone (no leftover changes here: the epoch tells), then together
    runs[1].step(2)
    trainers[1].step(2)
    _step_both(runs, trainers, 4)


def test_optimizer_switched_mid_run_keeps_its_step_count():
    """A live optimizer change keeps the update count (decay goes on); stacked runs whose
    new optimizers share a state start their slots as a first step would."""
    base = Config(seed="switch", decay=0.01)
    runs = Runs.seeds(base, 3)
    trainers = _solo(runs)
    _step_both(runs, trainers, 4)
    for r, t in zip(runs, trainers):
        r.apply(r.config.replace(optimizer="rmsprop"))
        t.apply(t.config.replace(optimizer="rmsprop"))
    assert runs[0].optimizer.iterations == trainers[0].optimizer.iterations > 0
    _step_both(runs, trainers, 5)
    assert len(runs._groups[0].shared) == 1


# -- the public interface the stacked engine uses ------------------------------------------


def test_stacked_engine_uses_no_private_attribute_of_another_object():
    """DESIGN.md: other modules use a class's public state, never its private attributes."""
    import inspect
    import re

    from nbplayground import runs as runs_module
    from nbplayground import stacked
    for module in (stacked, runs_module):
        source = re.sub(r"\bself\._", "self.", inspect.getsource(module))
        found = re.findall(r"[\w\])]+\._[a-z]\w*", source)
        assert not found, f"{module.__name__} reads private attributes: {found}"


@pytest.mark.parametrize("optimizer", [o for o in OPTIMIZERS])
def test_bind_slots_keeps_the_state_and_the_steps(optimizer):
    """An optimizer whose slots move into a shared buffer steps exactly as before."""
    from nbplayground import optimizers
    rng = np.random.default_rng(3)
    a, b = optimizers.get(optimizer), optimizers.get(optimizer)
    pa, pb = rng.normal(size=6), None
    pb = pa.copy()
    for _ in range(2):
        g = rng.normal(size=6)
        a.step(pa, g)
        b.step(pb, g)
    shared = np.full((len(b.slot_names), 20), 7.0)
    b.bind_slots(shared[:, 4:10])
    assert np.array_equal(shared[:, :4], np.full((len(b.slot_names), 4), 7.0))
    for name in b.slot_names:
        assert np.shares_memory(b.slots[name], shared)
    assert b.scalars() == a.scalars() and b.scalars()["iterations"] == 2
    for _ in range(3):
        g = rng.normal(size=6)
        a.step(pa, g)
        b.step(pb, g)
    assert np.array_equal(pa, pb)
    for name in a.slot_names:
        assert np.array_equal(a.slots[name], b.slots[name])
    # before any step: the initial slot values go in, the step count stays
    c = optimizers.get(optimizer)
    c.iterations = 5
    fresh = np.zeros((len(c.slot_names), 6))
    c.bind_slots(fresh)
    assert c.iterations == 5
    d = optimizers.get(optimizer)
    d.build(6)
    for name in d.slot_names:
        assert np.array_equal(c.slots[name], d.slots[name])
    with pytest.raises(ValueError, match="bind_slots"):
        a.bind_slots(np.zeros((len(a.slot_names), 7)))
    with pytest.raises(ValueError, match="bind_slots"):
        a.bind_slots(np.zeros(6))
    # scalars go across
    e = optimizers.get(optimizer)
    e.set_scalars(a.scalars())
    assert e.scalars() == a.scalars()


def test_trainer_buffers_and_epochs_from_outside():
    """use_buffers moves the state without changing it; end_epoch records an epoch;
    carry_count and update_kind say what they are."""
    config = Config(seed="buf", batch_size=7)  # 250 points: 5 carried each epoch
    a, b = Trainer(config), Trainer(config)
    a.step(1)
    b.step(1)
    assert a.carry_count == b.carry_count == 250 % 7
    size = b.network.size
    P, G, C, T = (np.zeros((2, size)) for _ in range(4))
    b.use_buffers(P[1], G[1], C[1], T[1])
    assert np.shares_memory(b.network.params, P[1]) and np.array_equal(P[1], a.network.params)
    assert np.shares_memory(b.carry, C[1]) and np.array_equal(C[1], a.carry)
    a.step(3)
    b.step(3)
    assert np.array_equal(a.network.params, b.network.params) and a.test_loss == b.test_loss
    with pytest.raises(ValueError, match="params must be a float64 array"):
        b.use_buffers(np.zeros(size + 1), G[1], C[1], T[1])
    with pytest.raises(ValueError, match="carry_count=-1"):
        b.carry_count = -1
    arrays = b.training_arrays()
    assert arrays.train_x.shape == (3, arrays.n_train) and np.all(arrays.train_x[-1] == 1)
    assert arrays.all_x.shape[1] == arrays.all_y.size == 500
    epoch = b.epoch
    b.end_epoch((0.5, 0.25, 0.75, None))
    assert b.epoch == epoch + 1 and b.history.test_loss[-1] == 0.25 and not b.diverged
    b.end_epoch((float("nan"), 0.25, None, None), diverged=True)
    assert b.diverged
    assert Trainer(config).update_kind == "plain"
    assert Trainer(config.replace(optimizer="adam")).update_kind == "optimizer"
    assert Trainer(config.replace(regularization="L2", regularization_rate=0.01)
                   ).update_kind == "full"


def test_a_runaway_count_is_refused_at_once():
    """Runs.seeds(config, 10**6) used to build a million trainers; now LIMIT_RUNS names it."""
    import time

    from nbplayground.runs import LIMIT_RUNS
    config = Config(seed="0")
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"n=1000000: must be a count 1\.\.1000 \(LIMIT_RUNS\)"):
        Runs.seeds(config, 10**6)
    with pytest.raises(ValueError, match=r"1000000 runs: at most 1000"):
        Runs.vary(config, learning_rate=[0.1] * 1000, batch_size=list(range(1, 1001)))
    with pytest.raises(ValueError, match="LIMIT_RUNS"):
        Runs([config] * (LIMIT_RUNS + 1))
    with pytest.raises(ValueError, match="LIMIT_RUNS"):
        study(config, seeds=10**6, epochs=1)
    assert time.perf_counter() - start < 5


def test_picking_a_run_that_is_not_there_names_the_range():
    runs = Runs.vary(Config(seed="0"), optimizer=["sgd", "adam"])
    assert runs[-1] is runs[1] and runs[:1] == [runs[0]]
    with pytest.raises(IndexError, match=r"runs\[5\]: there are 2 runs, 0\.\.1"):
        runs[5]
    with pytest.raises(TypeError, match=r"runs\['adam'\]: a run is picked by its position.*labels: sgd, adam"):
        runs["adam"]


def test_study_refuses_a_target_no_loss_can_reach():
    for target in (0, -1):
        with pytest.raises(ValueError, match=rf"target={target}: must be a finite number > 0"):
            study(Config(seed="0"), seeds=2, target=target, epochs=1)


def test_repr_counts_runs_in_words():
    one = Runs([Config(seed="1")])
    assert repr(one).startswith("Runs(1 run at epoch 0: ")
    two = Runs.seeds(Config(seed="1"), 2)
    two.step(1)
    assert repr(two).startswith("Runs(2 runs at epoch 1: seed 1, ")


def test_study_table_says_at_which_epoch_a_seed_diverged():
    config = Config(seed="1", learning_rate=10, regularization="L2", regularization_rate=10,
                    network_shape=(4,))
    s = study(config, seeds=2, epochs=50)
    for row in s.rows():
        alone = Trainer(config.replace(seed=row["seed"]))
        alone.step(50)
        assert alone.diverged and row["diverged"]
        assert row["diverged_at"] == alone.epoch < 50
        assert f"diverged at epoch {alone.epoch}" in s.table()
        assert f"(diverged at epoch {alone.epoch})" in s._repr_html_()
    calm = study(Config(seed="1"), seeds=2, epochs=5)
    assert [r["diverged_at"] for r in calm.rows()] == [None, None]
    assert "diverged" not in calm.table()
