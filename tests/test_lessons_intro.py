"""Lessons 01 to 05 (the first half of the chapter): their challenges mean what they say.

* Challenges: for each lesson a solution passes; the untouched start fails, and so does
  what the notebook's own cells leave behind (the notebook's code cells are run here, all
  but the check, and the check is run on what they made); at least two tempting wrong
  answers fail.
* Figures: the notebooks print the numbers they state, computed in the cell that states
  them (``study``, the Descent engine, ``explain_batch``).  The sentences in markdown that
  lean on those numbers ("the most wrong points push the least", "the floor the linear
  runs never get under", "Nesterov's look-ahead damps each swing") are asserted here with
  the very seeds, settings and criterion of the cell they lean on.
* Shape: what you will learn, a prediction asked before the cell that answers it, a
  reflection, a takeaway, links to the neighbours and the chapter's section, the check last.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from nbplayground import Runs, Trainer, reference, study
from nbplayground.descent import Descent as Ball
from nbplayground.descent import Race
from nbplayground.lessons import (CHALLENGES, CHECK_SEEDS, LOCAL_MINIMA_STARTS,
                                  ONE_WEIGHT_DROP, DescentChallenge, Result)
from nbplayground.losses import head_for
from nbplayground.presets import names, preset

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: notebook stem -> its challenge
INTRO = {
    "01-learning-process": "be-the-update",
    "02-activations": "activation",
    "03-loss-backprop": "deep-deltas",
    "04-gradient-descent": "tame-the-bounce",
    "05-momentum-optimizers": "local-minima",
}
STEMS = list(INTRO)
#: the neighbours each lesson links to
NEIGHBOURS = {
    "01-learning-process": ("playground", "02-activations"),
    "02-activations": ("01-learning-process", "03-loss-backprop"),
    "03-loss-backprop": ("02-activations", "04-gradient-descent"),
    "04-gradient-descent": ("03-loss-backprop", "05-momentum-optimizers"),
    "05-momentum-optimizers": ("04-gradient-descent", "06-batch-size-epochs"),
}
#: the chapter's sections each lesson names
SECTIONS = {
    "01-learning-process": ("Learning process of a neural network",),
    "02-activations": ("Activation functions",),
    "03-loss-backprop": ("Backpropagation components", "Loss function"),
    "04-gradient-descent": ("Gradient descent", "Learning rate", "Learning rate decay"),
    "05-momentum-optimizers": ("Momentum", "Hyperparameters and optimizers in Keras"),
}


# -- the notebooks ---------------------------------------------------------------------

def cells(stem: str) -> list[tuple[str, str]]:
    nb = json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text())
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def code_cells(stem: str) -> list[str]:
    return [text for kind, text in cells(stem) if kind == "code"]


def markdown(stem: str) -> str:
    return "\n".join(text for kind, text in cells(stem) if kind == "markdown")


CHECK_CELL = re.compile(r"challenge\.check\((\w+)\)")


#: stem -> (namespace, target) of the notebooks run so far
_RUN: dict = {}


def run_notebook(stem: str):
    """Run every code cell but the last (the check) in one namespace, as Run All does
    up to the check; return the namespace and the object the check cell checks."""
    if stem not in _RUN:
        namespace: dict = {}
        code = code_cells(stem)
        for i, source in enumerate(code[:-1]):
            exec(compile(source, f"{stem}.ipynb, code cell {i + 1}", "exec"), namespace)
        target = CHECK_CELL.fullmatch(code[-1].strip()).group(1)
        _RUN[stem] = namespace, namespace[target]
    return _RUN[stem]


@pytest.fixture(scope="module", autouse=True)
def close_notebook_widgets():
    yield
    from ipywidgets import Widget

    for namespace, _ in _RUN.values():
        for value in namespace.values():
            if isinstance(value, Widget):
                value.close()
    _RUN.clear()


@pytest.mark.parametrize("stem", STEMS)
def test_each_lesson_has_the_course_shape(stem):
    text = markdown(stem)
    assert text.startswith(f"# {stem[:2]} · ")
    assert "**What you will learn**" in text
    assert '"How do neural networks learn?"' in text and "section" in text
    for section in SECTIONS[stem]:
        assert f'"{section}"' in text or section in text, section
    for heading in ("## Reflection", "## Takeaway", "## Challenge"):
        assert heading in text, heading
    prev, nxt = NEIGHBOURS[stem]
    assert f"]({prev}.ipynb)" in text and f"]({nxt}.ipynb)" in text
    # a prediction is asked in a markdown cell, and a code cell comes right after it
    kinds = cells(stem)
    asks = [i for i, (kind, t) in enumerate(kinds) if kind == "markdown" and "**Predict" in t]
    assert len(asks) >= 2, "fewer than two predictions asked"
    assert all(kinds[i + 1][0] == "code" for i in asks)
    assert text.count("**Explain") >= 2


@pytest.mark.parametrize("stem", STEMS)
def test_each_lesson_ends_with_its_check_and_plays_nothing(stem):
    code = code_cells(stem)
    assert f'CHALLENGES["{INTRO[stem]}"]' in "\n".join(code)
    assert CHECK_CELL.fullmatch(code[-1].strip())
    assert CHALLENGES[INTRO[stem]].notebook == f"{stem}.ipynb"
    for source in code:
        assert ".play(" not in source, source


@pytest.mark.parametrize("stem", STEMS)
def test_lessons_use_known_presets_at_a_watchable_pace(stem):
    source = "\n".join(code_cells(stem))
    used = set(re.findall(r'preset\(\s*"([^"]+)"', source))
    assert used <= set(names()), used - set(names())
    for name in used:
        assert 0 < preset(name).epochs_per_second <= 60, name
    # Descent widgets play a few steps a second
    for pace in re.findall(r"steps_per_second=(\d+)", source):
        assert 1 <= int(pace) <= 5
    assert "**Speed**" in markdown(stem) or "Speed" in markdown(stem)


def test_the_lessons_presets_show_the_controls_they_need():
    assert "stepButton" not in preset("learning-process").hide
    assert "learningRate" not in preset("learning-process").hide
    for name in ("activation-linear", "deep-sigmoid"):
        hide = preset(name).hide
        assert "activation" not in hide and "learningRate" not in hide, name
        assert "dataset" in hide and "optimizer" in hide, name
    assert "numHiddenLayers" not in preset("activation-linear").hide
    assert {"numHiddenLayers", "numNodes4"} <= preset("deep-sigmoid").hide
    assert "dataset" not in preset("softmax-3").hide
    assert names()[:5] == ("learning-process", "activation-linear", "activation-tanh",
                           "softmax-3", "deep-sigmoid")


@pytest.mark.parametrize("stem", STEMS)
def test_run_all_does_not_solve_the_challenge(stem):
    """The check cell, run on what the notebook's own cells leave: a cross."""
    _, target = run_notebook(stem)
    result = CHALLENGES[INTRO[stem]].check(target)
    assert isinstance(result, Result) and not result.passed, result.message


@pytest.mark.parametrize("name", list(INTRO.values()))
def test_the_untouched_start_fails(name):
    challenge = CHALLENGES[name]
    target = challenge.start if isinstance(challenge, DescentChallenge) \
        else Trainer(challenge.start)
    assert not challenge.check(target).passed


# -- 01 · be the update ----------------------------------------------------------------

def edited(layer, to, frm, step, kind="weight"):
    """The challenge's network with one weight (or bias) moved by -step x its gradient."""
    t = Trainer(CHALLENGES["be-the-update"].start)
    e = t.explain_batch()
    if kind == "weight":
        t.set_weight(layer, to, frm, t.weights[layer][to, frm]
                     - step * e.weight_gradients[layer][to, frm])
    else:
        t.set_bias(layer, to, t.biases[layer][to] - step * e.bias_gradients[layer][to])
    return t


def test_be_the_update_solution_passes():
    check = CHALLENGES["be-the-update"].check
    for t in (edited(1, 0, 0, 1.0), edited(0, 1, 0, 1.0)):
        result = check(t)
        assert result.passed, result.message
    # the numbers in the message are the losses before and after, measured independently
    t = edited(1, 0, 0, 1.0)
    before = Trainer(CHALLENGES["be-the-update"].start)
    drop = 1 - t.explain_batch().loss / before.explain_batch().loss
    assert drop >= ONE_WEIGHT_DROP and t.train_loss < before.train_loss
    assert f"{before.explain_batch().loss:.4f} -> {t.explain_batch().loss:.4f}" \
        in check(t).message


def test_be_the_update_wrong_answers_fail():
    check = CHALLENGES["be-the-update"].check
    uphill = check(edited(1, 0, 0, -1.0))            # along the gradient
    assert not uphill.passed and "uphill" in uphill.message
    timid = check(edited(1, 0, 0, 0.03))             # what one SGD update moves it
    assert not timid.passed and "further" in timid.message
    flat = check(edited(0, 0, 0, 3.0))               # a weight the loss hardly feels
    assert not flat.passed and "small" in flat.message
    stepped = Trainer(CHALLENGES["be-the-update"].start)
    stepped.step_batch()                              # the real update moves all weights
    assert not check(stepped).passed
    two = edited(1, 0, 0, 1.0)
    two.set_weight(0, 1, 1, 0.3)
    assert not check(two).passed and "exactly one" in check(two).message
    reset = Trainer(CHALLENGES["be-the-update"].start)
    reset.reset()                                     # new random weights: not one change
    assert not check(reset).passed
    assert not check(CHALLENGES["be-the-update"].start).passed   # a Config has no weights
    other = Trainer(preset("learning-process", seed="another"))
    assert not check(other).passed


def test_be_the_update_prints_a_huge_weight_in_a_few_characters():
    """A weight typed as 1e300 was printed with :.4f, 300 digits."""
    t = Trainer(CHALLENGES["be-the-update"].start)
    t.set_weight(0, 0, 0, 1e300)
    result = CHALLENGES["be-the-update"].check(t)
    assert not result.passed and "-> 1e+300 (its gradient" in result.message
    assert len(result.message) < 500


# -- 02 · bend the line ----------------------------------------------------------------

def settings(name, **changes):
    return CHALLENGES[name].start.replace(**changes)


def test_activation_solutions_pass_on_every_seed():
    check = CHALLENGES["activation"].check
    for changes in (dict(activation="tanh"), dict(activation="relu")):
        result = check(settings("activation", **changes))
        assert result.passed, result.message
        assert sum(row["ok"] for row in result.details) == len(CHECK_SEEDS), changes


def test_activation_wrong_answers_fail():
    check = CHALLENGES["activation"].check
    for changes in (dict(network_shape=(8,) * 6),          # deeper, still linear
                    dict(learning_rate=0.3),               # faster, still linear
                    dict(activation="sigmoid")):           # bends, but too slowly at 0.03
        result = check(settings("activation", **changes))
        assert not result.passed, (changes, result.message)
    squares = check(settings("activation", hide=frozenset(),
                             features=("x", "y", "x_squared", "y_squared")))
    assert not squares.passed and "Keep features" in squares.message


def test_lesson02_a_linear_network_stays_at_the_floor():
    """Lesson 02: "the best a line can do on the circle is ... a loss near 1/2 per point:
    the floor the linear runs above never get under" (the cell's seeds and epochs)."""
    for shape in ((4, 2), (8,) * 6):
        s = study(preset("activation-linear", seed="lesson-02", network_shape=shape),
                  seeds=10, target=0.1, epochs=200)
        assert s.successes == 0
        assert min(h.test_loss.min() for h in s.runs.histories) > 0.45, shape


def test_lesson02_side_by_side_seed_is_the_studys_slowest_and_tanh_wins_by_300():
    """Lesson 02: the Compare's seed "is the first of the ten in the study above and its
    slowest: tanh needs 195 epochs there, against a median of 49.5"; after its 300 epochs
    the tanh run is below the study's 0.1 and the linear one at the floor."""
    config = preset("activation-linear", seed="lesson-02")
    s = study(config.replace(activation="tanh", network_shape=(4, 2)), seeds=10,
              target=0.1, epochs=200)
    assert s.seeds[0] == "lesson-02" and s.first_epochs[0] == 195
    assert max(s.first_epochs) == 195 and s.median_epochs == 49.5
    runs = Runs.vary(config, activation=["linear", "tanh"])
    runs.step(300)
    linear, tanh = runs.test_loss
    assert tanh < 0.1 < 0.45 < linear


def test_lesson02_softmax_is_sure_at_centres_and_split_between():
    """Lesson 02: "at a cluster's centre the network is sure; between two clusters it
    splits its belief between them, and the third class gets almost nothing"."""
    t = Trainer(preset("softmax-3", seed="lesson-02"))
    t.step(30)
    x, y = t.data.train_x, t.data.train_y
    centres = [x[y == k].mean(axis=0) for k in range(3)]
    for k, centre in enumerate(centres):
        p = t.predict(centre[None, :])[0]
        assert np.argmax(p) == k and p[k] > 0.9
        assert np.isclose(p.sum(), 1.0)
    p = t.predict(((centres[0] + centres[1]) / 2)[None, :])[0]
    assert min(p[0], p[1]) > 0.3 and p[2] < 0.1


# -- 03 · let the deltas through -------------------------------------------------------

def test_deep_deltas_solutions_pass_on_every_seed():
    check = CHALLENGES["deep-deltas"].check
    for changes in (dict(activation="tanh"), dict(activation="relu")):
        result = check(settings("deep-deltas", **changes))
        assert result.passed, result.message
        assert sum(row["ok"] for row in result.details) == len(CHECK_SEEDS), changes


def test_deep_deltas_wrong_answers_fail():
    check = CHALLENGES["deep-deltas"].check
    for changes in (dict(learning_rate=1.0), dict(learning_rate=3.0),   # bigger steps
                    dict(activation="linear"),                           # no slope to fade
                    dict(activation="tanh", learning_rate=1.0)):         # right, too fast
        result = check(settings("deep-deltas", **changes))
        assert not result.passed, (changes, result.message)
    shallow = check(settings("deep-deltas", network_shape=(4, 2), learning_rate=0.3))
    assert not shallow.passed and "Keep network_shape" in shallow.message


def test_lesson03_squared_error_pushes_least_on_the_most_wrong_points():
    """Lesson 03: squared error's delta vanishes as the tanh output saturates on the wrong
    side; cross-entropy's is p - y, largest on the most wrong point."""
    squared = head_for("classification", "squared", None)
    cross_entropy = head_for("classification", "cross_entropy", None)
    deltas = {}
    for output in (-0.99, -0.9):
        for name, head, z in (("squared", squared, np.arctanh(output)),
                              ("ce", cross_entropy, np.log((1 + output) / (1 - output)))):
            z = np.array([[z]])
            a = reference.output_activation(z, head)
            deltas[name, output] = abs(reference.output_delta(
                z, a, head.targets(np.array([1.0])), head)[0, 0])
    assert deltas["squared", -0.99] < deltas["squared", -0.9] < 0.5
    assert deltas["ce", -0.99] > deltas["ce", -0.9] > 0.9
    assert np.isclose(deltas["ce", -0.9], 0.95)


def test_lesson03_sigmoid_slope_is_at_most_a_quarter_and_its_deltas_fade():
    z = np.linspace(-10, 10, 2001)
    assert np.isclose(reference.DERIVATIVES["sigmoid"](z).max(), 0.25)
    ratios = {}
    for activation in ("sigmoid", "tanh", "relu"):
        e = Trainer(preset("deep-sigmoid", seed="lesson-03",
                           activation=activation)).explain_batch()
        ratios[activation] = np.abs(e.deltas[0]).mean() / np.abs(e.deltas[-1]).mean()
    assert ratios["sigmoid"] < 1e-3
    assert ratios["tanh"] > 10 * ratios["sigmoid"] and ratios["relu"] > 10 * ratios["sigmoid"]


# -- 04 · tame the bounce --------------------------------------------------------------

def test_tame_the_bounce_solutions_pass_from_widget_engine_and_dict():
    from nbplayground.ui.descent import Descent as Widget

    challenge = CHALLENGES["tame-the-bounce"]
    for decay in (0.1, 0.2):
        as_dict = challenge.check(dict(challenge.start, decay=decay))
        assert as_dict.passed, as_dict.message
        engine = Ball(**{k: v for k, v in challenge.start.items()}, )
        engine.configure(decay=decay)
        assert challenge.check(engine).message == as_dict.message
        widget = Widget(**challenge.start)
        try:
            widget.configure(decay=decay)
            assert challenge.check(widget).message == as_dict.message
        finally:
            widget.close()


def test_tame_the_bounce_wrong_answers_fail():
    challenge = CHALLENGES["tame-the-bounce"]
    still = challenge.check(dict(challenge.start, decay=0.01))      # still bouncing at 15
    assert not still.passed and "Decay more" in still.message
    crawl = challenge.check(dict(challenge.start, decay=3.0))       # decays into a crawl
    assert not crawl.passed and "Decay less" in crawl.message
    smaller = challenge.check(dict(challenge.start, learning_rate=0.4))  # no bounce at all
    assert not smaller.passed and "Keep learning_rate" in smaller.message
    pushed = challenge.check(dict(challenge.start, momentum=0.5))
    assert not pushed.passed and "Keep momentum" in pushed.message
    with pytest.raises(TypeError):
        challenge.check(Race("bowl"))


def test_a_mistyped_setting_in_a_descent_dict_is_named():
    """dict(..., momentun=0.9) was dropped in silence: the check then failed the ball as
    if no momentum had been asked for."""
    for name, typo in (("local-minima", "momentun"), ("tame-the-bounce", "dekay")):
        challenge = CHALLENGES[name]
        with pytest.raises(ValueError, match=typo):
            challenge.check(dict(challenge.start, **{typo: 0.9}))
    # a setting another optimizer has is still left out (momentum is SGD's, not Adam's)
    adam = CHALLENGES["local-minima"].check(dict(curve="local-minima", optimizer="adam",
                                                 learning_rate=0.1, momentum=0.9))
    assert not adam.passed and "Keep optimizer" in adam.message


def test_lesson04_the_bowl_factor_and_the_forever_bounces():
    """Lesson 04: one step takes x - 1 to (1 - 2 lr)(x - 1); at lr = 1 the ball swings
    between -3 and 5 forever; in the ravine the rate must stay below 1."""
    for rate in (0.01, 0.1, 0.95, 1.1):
        ball = Ball("bowl", learning_rate=rate)
        ball.step(5)
        x = ball.path[:, 0] - 1
        assert np.allclose(x[1:], (1 - 2 * rate) * x[:-1])
    ball = Ball("bowl", learning_rate=1.0)
    ball.step(50)
    assert set(np.round(ball.path[:, 0], 9)) == {-3.0, 5.0}
    calmed = Ball("bowl", learning_rate=1.0, decay=0.2)
    calmed.step(50)
    assert abs(calmed.position[0] - 1) < 1e-6
    steps = {}
    for rate in (0.99, 1.0, 1.01):
        ball = Ball("ravine", learning_rate=rate)
        ball.step(300)
        below = np.flatnonzero(ball.losses < 0.01)
        steps[rate] = int(below[0]) if below.size else None
    assert steps[0.99] is not None and steps[1.0] is None and steps[1.01] is None
    forever = Ball("ravine", learning_rate=1.0)
    forever.step(50)
    assert np.allclose(np.abs(forever.path[:, 1]), 2.0)


# -- 05 · over the bump ----------------------------------------------------------------

def test_local_minima_solutions_pass_from_every_start():
    challenge = CHALLENGES["local-minima"]
    for changes in (dict(momentum=0.9), dict(momentum=0.99, nesterov=True)):
        result = challenge.check(dict(challenge.start, **changes))
        assert result.passed, result.message
        assert result.message.count("✓") == len(LOCAL_MINIMA_STARTS)


def test_local_minima_wrong_answers_fail():
    challenge = CHALLENGES["local-minima"]
    for changes in (dict(momentum=0.5),        # forgets too fast: the first hollow
                    dict(momentum=0.75),       # over the bump from the highest starts only
                    dict(momentum=0.99)):      # still swinging at step 300
        result = challenge.check(dict(challenge.start, **changes))
        assert not result.passed, (changes, result.message)
    adam = challenge.check(dict(challenge.start, optimizer="adam"))
    assert not adam.passed and "Keep optimizer" in adam.message
    longer = challenge.check(dict(challenge.start, learning_rate=0.3, momentum=0.9))
    assert not longer.passed and "Keep learning_rate" in longer.message


def test_lesson05_stuck_then_over_then_braked():
    """Lesson 05: plain SGD and momentum 0.5 stop at x = -2, momentum 0.9 reaches x = 2;
    with momentum 0.99 plain momentum still swings after 300 steps, Nesterov's settles."""
    ends = {}
    for momentum in (0.0, 0.5, 0.9):
        ball = Ball("local-minima", learning_rate=0.1, momentum=momentum)
        ball.step(300)
        ends[momentum] = ball.position[0]
    assert abs(ends[0.0] + 2) < 1e-3 and abs(ends[0.5] + 2) < 1e-3
    assert abs(ends[0.9] - 2) < 1e-3
    swings = {}
    for nesterov in (False, True):
        ball = Ball("local-minima", learning_rate=0.1, momentum=0.99, nesterov=nesterov)
        ball.step(300)
        last = ball.path[-50:, 0]
        swings[nesterov] = last.max() - last.min()
    assert swings[False] > 1.0 and swings[True] < 0.01


def test_lesson05_the_ravine_race_order():
    """Lesson 05: in the ravine at lr 0.3, momentum beats plain SGD, Nesterov damps the
    zig-zags further, Adam beats plain SGD."""
    race = Race("ravine", learning_rate=0.3, runs=[
        dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9),
        dict(optimizer="sgd", momentum=0.9, nesterov=True), dict(optimizer="adam")])
    race.step(300)
    first = [int(np.flatnonzero(b.losses < 0.01)[0]) for b in race.runs]
    sgd, momentum, nesterov, adam = first
    assert nesterov < momentum < sgd and adam < sgd


# -- the figures lesson 01 states in markdown ------------------------------------------

def test_lesson01_the_tiny_network_and_its_epoch():
    """Lesson 01: "two tanh neurons, nine parameters", "5 epochs a second", "an epoch here
    is 25 updates, one per mini-batch of 10 of the 250 training points", "the first
    weights are small random numbers (between -0.5 and 0.5)"."""
    config = preset("learning-process", seed="lesson-01")
    t = Trainer(config)
    assert config.network_shape == (2,) and config.activation == "tanh"
    assert sum(w.size for w in t.weights) + sum(b.size for b in t.biases) == 9
    assert config.epochs_per_second == 5
    assert len(t.data.train_x) == 250 and config.batch_size == 10
    assert t.explain_batch().batches_per_epoch == 25
    assert max(np.abs(w).max() for w in t.weights) <= 0.5


def test_lesson01_one_update_lowers_the_batch_loss_a_little():
    """Lesson 01: "It falls, but only a little" (the notebook's seed, one step_batch)."""
    t = Trainer(preset("learning-process", seed="lesson-01"))
    e = t.explain_batch()
    t.step_batch()
    zs, outs = reference.forward(t.weights, t.biases, e.inputs, "tanh", t.head)
    after = reference.loss(zs[-1], outs[-1], e.targets, t.head).mean()
    assert 0.9 * e.loss < after < e.loss


@pytest.mark.parametrize("stem", ("02-activations", "03-loss-backprop",
                                  "05-momentum-optimizers"))
def test_comparing_lessons_use_compare_from_the_same_start(stem):
    assert "Compare(" in "\n".join(code_cells(stem))
    assert "same start" in markdown(stem).lower() or "same first weights" in markdown(stem)


def test_lesson05_plain_sgd_lingers_at_the_saddle():
    """Lesson 05: "near the saddle plain SGD lingers; momentum gathers speed; Adam gives a
    tiny slope a full-sized step" (lr 0.1, off the ridge when |y| > 0.5)."""
    race = Race("saddle", learning_rate=0.1, runs=[
        dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9), dict(optimizer="adam")])
    race.step(300)
    off = [int(np.flatnonzero(np.abs(b.path[:, 1]) > 0.5)[0]) for b in race.runs]
    sgd, momentum, adam = off
    assert adam < momentum < sgd
    assert all(np.allclose(np.abs(b.position), (0, 1), atol=1e-3) for b in race.runs)


def test_lesson04_ravine_table_sets_the_divergence_apart(capsys):
    """The ravine cell printed '... first 20 steps diverged at step 289': the status ran on."""
    (source,) = [c for c in code_cells("04-gradient-descent") if "zigzags" in c]
    exec(source, {"np": np, "Ball": Ball})  # noqa: S102 - the lesson's own cell
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6 and "steps diverged" not in lines[-1]
    assert lines[-1].endswith("; diverged at step 289: the ball flew off, more than 100 plot "
                              "widths beyond the plot")
