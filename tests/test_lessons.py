"""The claims the lesson notebooks make hold for this engine.

Each test runs a lesson's preset (no widget) over a handful of fixed seeds for
the number of epochs the lesson names, and checks the lesson's sentence for
most seeds.  A seed fixes the data and the first weights, so every number here
is reproducible; the thresholds leave a margin below what was measured (the
measured values are in the comments and in each assertion's message).

"Reaches a loss" always means the *test* loss, the number a learner watches.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import statistics
import types
from pathlib import Path

import numpy as np
import pytest

from nbplayground import Trainer
from nbplayground.presets import names, preset

#: The seeds every claim is checked on (Playground-style seed strings).
SEEDS = tuple(f"lesson-{i}" for i in range(8))


def first_epoch_below(config, threshold: float, max_epochs: int) -> int | None:
    """Train ``config`` until its test loss is below ``threshold``; that epoch, or None.

    Stops early, so a fast network costs little.
    """
    trainer = Trainer(config)
    while trainer.epoch < max_epochs and not trainer.diverged:
        trainer.step(1)
        if trainer.test_loss < threshold:
            return trainer.epoch
    return None


def trained(config, epochs: int) -> Trainer:
    trainer = Trainer(config)
    trainer.step(epochs)
    return trainer


def count(flags) -> int:
    return sum(bool(f) for f in flags)


# -- lesson 1 --------------------------------------------------------------------------

def test_lesson1_one_neuron_separates_the_gaussians():
    """Lesson 1: "within 100 epochs the test loss falls below 0.01, and the two
    curves lie on top of each other" (measured: 40 of 40 seeds within 36 epochs)."""
    hits = [first_epoch_below(preset("gauss-one-neuron", seed=s), 0.01, 100) for s in SEEDS]
    assert count(h is not None for h in hits) >= 7, hits
    gaps = []
    for seed in SEEDS[:4]:
        t = trained(preset("gauss-one-neuron", seed=seed), 100)
        gaps.append(abs(t.train_loss - t.test_loss))
    assert max(gaps) < 0.01, gaps


# -- lesson 2 --------------------------------------------------------------------------

def test_lesson2_one_neuron_fails_on_the_circle():
    """Lesson 2: "one neuron never gets the test loss below 0.3" (300 epochs; measured
    0.375 at the lowest over 30 seeds)."""
    losses = [trained(preset("circle-1", seed=s), 300).test_loss for s in SEEDS]
    assert min(losses) > 0.3, losses


def test_lesson2_two_neurons_are_not_enough():
    """Lesson 2: "two neurons get further, but the test loss stays above 0.15"
    (300 epochs; measured 0.198 at the lowest over 30 seeds)."""
    losses = [trained(preset("circle-2", seed=s), 300).test_loss for s in SEEDS]
    assert count(loss > 0.15 for loss in losses) >= 7, losses


def test_lesson2_three_neurons_succeed():
    """Lesson 2: "three neurons usually bring the test loss below 0.05 within 300
    epochs" (measured: 29 of 30 seeds, most within 100 epochs)."""
    hits = [first_epoch_below(preset("circle-3", seed=s), 0.05, 300) for s in SEEDS]
    assert count(h is not None for h in hits) >= 6, hits


# -- lesson 3 --------------------------------------------------------------------------

def test_lesson3_three_neurons_are_a_coin_flip_on_xor():
    """Lesson 3: "with three neurons, roughly half of the runs get stuck" (300 epochs,
    test loss < 0.05 counts as success; measured 17 of 30 seeds succeed)."""
    hits = [first_epoch_below(preset("xor-3", seed=s), 0.05, 300) for s in SEEDS]
    successes = count(h is not None for h in hits)
    assert 2 <= successes <= len(SEEDS) - 2, hits


def test_lesson3_five_neurons_succeed_on_xor():
    """Lesson 3: "with five neurons nearly every run gets the test loss below 0.05
    within 300 epochs" (measured: 29 of 30 seeds, most within 40 epochs)."""
    hits = [first_epoch_below(preset("xor-5", seed=s), 0.05, 300) for s in SEEDS]
    assert count(h is not None for h in hits) >= 7, hits


# -- lesson 4 --------------------------------------------------------------------------

def test_lesson4_one_wide_layer_fails_on_the_spiral():
    """Lesson 4: "one layer of eight neurons stays above a test loss of 0.35, below
    75% accuracy, even after 1000 epochs"."""
    runs = [trained(preset("spiral-wide", seed=s), 1000) for s in SEEDS[:6]]
    losses = [t.test_loss for t in runs]
    accuracies = [t.test_accuracy for t in runs]
    assert min(losses) > 0.35, losses
    assert max(accuracies) < 0.75, accuracies


def test_lesson4_six_layers_learn_the_spiral():
    """Lesson 4: "six layers of eight neurons reach 90% test accuracy within 600
    epochs"."""
    reached = []
    for seed in SEEDS[:6]:
        trainer = Trainer(preset("spiral-deep", seed=seed))
        while trainer.epoch < 600 and trainer.test_accuracy < 0.9:
            trainer.step(10)
        reached.append(trainer.epoch if trainer.test_accuracy >= 0.9 else None)
    assert count(r is not None for r in reached) >= 5, reached


# -- lesson 5 --------------------------------------------------------------------------

def test_lesson5_small_learning_rate_barely_moves():
    """Lesson 5: "at 0.001 the test loss is still above 0.2 after 500 epochs, while
    the default 0.03 gets below 0.05 within 150 epochs"."""
    small = [trained(preset("learning-rate-small", seed=s), 500).test_loss for s in SEEDS]
    assert count(loss > 0.2 for loss in small) >= 7, small
    default = [first_epoch_below(preset("learning-rate-small", seed=s, learning_rate=0.03),
                                 0.05, 150) for s in SEEDS]
    assert count(h is not None for h in default) >= 7, default


def upward_jumps(trainer, size: float = 0.02) -> int:
    """How many times the test loss rose by more than ``size`` from one epoch to the next."""
    test = trainer.history.column("test_loss")
    return int((np.diff(test) > size).sum())


def test_lesson5_big_learning_rate_bounces():
    """Lesson 5: "at 1 the curve is jagged: in most runs the test loss jumps up by more
    than 0.02 from one epoch to the next at least 20 times in 500 epochs; at 0.03 it
    never does" (measured: 17 of 20 runs at 1; 0 jumps in 20 of 20 runs at 0.03)."""
    big = [upward_jumps(trained(preset("learning-rate-big", seed=s), 500)) for s in SEEDS]
    assert count(j >= 20 for j in big) >= 5, big
    calm = [upward_jumps(trained(preset("learning-rate-big", seed=s, learning_rate=0.03), 500))
            for s in SEEDS[:4]]
    assert max(calm) <= 1, calm


def test_lesson5_decay_settles():
    """Lesson 5: "with decay 0.01 the same rate of 1 jumps at most a few times and
    ends below 0.05 in nearly every run" (measured: at most 5 jumps in 20 of 20
    runs, below 0.05 in 19 of 20)."""
    runs = [trained(preset("learning-rate-decay", seed=s), 500) for s in SEEDS]
    jumps = [upward_jumps(t) for t in runs]
    finals = [t.test_loss for t in runs]
    assert max(jumps) <= 5, jumps
    assert count(final < 0.05 for final in finals) >= 6, finals


# -- lesson 6 --------------------------------------------------------------------------

def test_lesson6_momentum_nesterov_and_adam_beat_plain_sgd():
    """Lesson 6: from the same start, momentum 0.9, Nesterov and Adam (lr 0.01) reach
    a test loss of 0.05 in under half the epochs plain SGD needs (medians), and
    each of them gets there within 300 epochs in nearly every run."""
    plain = {"optimizer": "sgd", "momentum": 0.0, "nesterov": False, "learning_rate": 0.03}
    sgd = [first_epoch_below(preset("momentum", seed=s, **plain), 0.05, 300) for s in SEEDS]
    sgd_median = statistics.median(300 if h is None else h for h in sgd)
    for name in ("momentum", "nesterov", "adam"):
        hits = [first_epoch_below(preset(name, seed=s), 0.05, 300) for s in SEEDS]
        assert count(h is not None for h in hits) >= 7, (name, hits)
        median = statistics.median(300 if h is None else h for h in hits)
        assert median <= sgd_median / 2, (name, hits, sgd)


# -- lesson 7 --------------------------------------------------------------------------

def test_lesson7_bigger_batches_need_more_epochs():
    """Lesson 7: "batches of 30 need about three times the epochs of batches of 10,
    and batches of 1 need the fewest"."""
    medians = {}
    for batch_size in (1, 10, 30):
        hits = [first_epoch_below(preset("batch-size", seed=s, batch_size=batch_size),
                                  0.05, 600) for s in SEEDS[:6]]
        medians[batch_size] = statistics.median(600 if h is None else h for h in hits)
    assert medians[1] < medians[10] < medians[30], medians
    assert 2 <= medians[30] / medians[10] <= 4.5, medians


def test_lesson7_overfitting():
    """Lesson 7: with 10% of noisy XOR for training, "the test loss is at its best
    early on; by epoch 1000 the training loss has kept falling while the test loss
    has climbed back up, and it sits well above the training loss (a gap of more
    than 0.15)"; "with 50% of the data for training, the gap is less than half"."""
    gaps, overfit = [], []
    for seed in SEEDS[:6]:
        t = trained(preset("overfitting", seed=seed), 1000)
        test = t.history.column("test_loss")
        train = t.history.column("train_loss")
        best = int(test.argmin())
        gaps.append(t.test_loss - t.train_loss)
        overfit.append((best, train[-1] < train[best], test[-1] > test[best] + 0.01))
    assert count(g > 0.15 for g in gaps) >= 5, gaps
    assert count(best <= 300 and fell and rose for best, fell, rose in overfit) >= 5, overfit
    wider = [trained(preset("overfitting", seed=s, train_percent=50), 1000)
             for s in SEEDS[:4]]
    wider_gaps = [t.test_loss - t.train_loss for t in wider]
    assert statistics.median(wider_gaps) < statistics.median(gaps) / 2, (wider_gaps, gaps)


# -- the notebooks themselves ----------------------------------------------------------
# (nbmake executes them in `make test`; these checks need no kernel.)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = ("01-one-neuron", "02-circle", "03-xor", "04-spiral", "05-learning-rate",
           "06-optimizers", "07-batch-size-epochs", "08-keras")


def read_notebook(stem: str) -> dict:
    return json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))


def code_cells(stem: str) -> list[str]:
    return ["".join(c["source"]) for c in read_notebook(stem)["cells"]
            if c["cell_type"] == "code"]


@pytest.mark.parametrize("stem", ("playground",) + LESSONS)
def test_notebooks_are_clean(stem):
    """Committed clean: valid nbformat 4, no outputs, no counts, no widget state."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        assert "id" in cell


def test_every_notebook_is_there():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(
        ("playground",) + LESSONS)


@pytest.mark.parametrize("stem", ("playground",) + LESSONS)
def test_no_cell_starts_training_in_the_background(stem):
    """Headless runs (nbmake, Binder's first run) must not leave a loop playing."""
    for code in code_cells(stem):
        assert ".play(" not in code, code


@pytest.mark.parametrize("stem", LESSONS)
def test_lessons_start_from_known_presets(stem):
    used = set()
    for code in code_cells(stem):
        used |= set(re.findall(r'preset\(\s*"([^"]+)"', code))
    assert used, "the lesson builds no preset"
    assert used <= set(names()), used - set(names())
    assert any("Playground(preset(" in code for code in code_cells(stem))


#: A state that meets each lesson's challenge: (preset, changes, epochs).
SOLVED = {
    "01-one-neuron": ("gauss-one-neuron", {}, 100),
    "02-circle": ("circle-3", {}, 300),
    "03-xor": ("xor-3", {}, 300),
    "04-spiral": ("spiral-deep", {}, 600),
    "05-learning-rate": ("learning-rate-decay", {}, 200),
    "06-optimizers": ("nesterov", {}, 50),
    "07-batch-size-epochs": ("overfitting", {"train_percent": 90, "network_shape": (2,)}, 500),
    "08-keras": ("keras-export", {"network_shape": (4, 4)}, 300),
}


def run_check_cell(stem: str, trainer) -> str:
    """Run the lesson's last code cell (its challenge check) against ``trainer``."""
    pg = types.SimpleNamespace(trainer=trainer, config=trainer.config)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code_cells(stem)[-1], {"pg": pg})
    return out.getvalue()


@pytest.mark.parametrize("stem", LESSONS)
def test_challenge_checks(stem):
    """Each check cell says "Not yet" before training and "✓" once the challenge is met."""
    name, changes, epochs = SOLVED[stem]
    fresh = Trainer(preset(name, seed="lesson-0", **changes))
    before = run_check_cell(stem, fresh)
    assert before.startswith("Not yet") and "✓" not in before, before
    fresh.step(epochs)
    after = run_check_cell(stem, fresh)
    assert after.startswith("✓"), after
