"""The lessons' challenges: :data:`CHALLENGES`, :class:`Challenge`, :func:`register`.

Each lesson notebook ends with a challenge.  ``CHALLENGES["learning-rate"]`` holds the
notebook's file name (``.notebook``), the :class:`~nbplayground.config.Config` the lesson
starts from (``.start``), a ``.title`` and a one-sentence ``.goal``.  The notebook's last
cell calls ``challenge.check(pg)`` and shows the :class:`Result`: a green tick or a red
cross, and a message with the numbers behind it and, when it fails, a hint.

What a check measures
---------------------
Most challenges ask for *settings*.  Their check takes the student's Config (from a
Playground, a Trainer or a Config; the student's own seed and epoch do not matter) and
trains it on :data:`CHECK_SEEDS`, five fixed seeds, together with :class:`~nbplayground.runs.Runs`
for a few hundred epochs.  A seed counts when it meets every criterion of the challenge's
:class:`Quality` (a test loss reached by an epoch, a test accuracy at the end, a calm
curve, a small gap between train and test loss), and the challenge passes when at least
``required`` of the five seeds count.  A floor on quality is always part of it, so that a
network that learns nothing (one neuron, a learning rate of 0.00001) does not pass by
having nothing to show.

Every challenge asks for a change: each fails on its ``.start`` untouched, and a notebook's
own training cells (which train the start) cannot solve it, since training changes no
setting.  ``tests/test_lessons.py`` holds, for each challenge, a solution that passes and
tempting wrong answers that fail.

Adding a challenge
------------------
``register(Challenge(...))`` adds one to :data:`CHALLENGES` (a name may be registered
once).  A challenge is either a settings challenge (``rules`` and ``quality``) or any
``checker(config, trainer) -> Result`` of its own.

Engine side only: config, trainer, runs and presets; no widget imports.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any, Callable

import numpy as np

from .config import Config, check_real
from .presets import preset
from .runs import Runs
from .trainer import Trainer

__all__ = ["CHALLENGES", "CHECK_SEEDS", "Challenge", "Quality", "Result", "register",
           "check"]

#: The seeds every settings check trains on (fixed, so a check gives the same answer
#: every time; different from the seeds the lessons' studies use).
CHECK_SEEDS = ("check-1", "check-2", "check-3", "check-4", "check-5")

#: The seed of every challenge's ``.start`` (a lesson's Playground draws its own).
START_SEED = "lesson"


# --------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Result:
    """What a check found: ``passed``, and a ``message`` with the numbers and a hint."""

    challenge: str
    passed: bool
    message: str
    #: the per-seed figures of a settings check (empty otherwise)
    details: tuple = ()

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.message}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        mark, colour = ("✓", "#2e7d32") if self.passed else ("✗", "#c62828")
        lines = html.escape(self.message).replace("\n", "<br>")
        return (f'<div style="border-left: 4px solid {colour}; padding: 4px 10px; '
                f'color: var(--jp-ui-font-color1, inherit)">'
                f'<span style="color: {colour}; font-size: 1.4em; font-weight: bold">'
                f'{mark}</span> <b>{html.escape(self.challenge)}</b><br>{lines}</div>')


# --------------------------------------------------------------------------------------
# Quality of a setting over the check seeds
# --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Quality:
    """What each seed's run must show for a setting to count, and on how many seeds.

    Every seed trains ``epochs`` epochs.  The criteria that are set (not None) must all
    hold for the seed to count:

    * ``target`` / ``within``: the test loss gets below ``target`` at some epoch up to
      ``within`` (default: ``epochs``);
    * ``final_loss``: the test loss after the last epoch is below it;
    * ``min_accuracy``: the test accuracy after the last epoch is at least this;
    * ``max_gap``: test loss minus train loss after the last epoch is at most this;
    * ``max_jumps``: at most this many epochs in which the test loss rose by more than
      ``jump``.

    When only ``target`` is set, training stops once ``required`` seeds reached it.
    """

    epochs: int
    required: int = 4
    target: float | None = None
    within: int | None = None
    final_loss: float | None = None
    min_accuracy: float | None = None
    max_gap: float | None = None
    max_jumps: int | None = None
    jump: float = 0.02

    def __post_init__(self):
        # refused where the course writes it, not when a student runs the check
        def whole(name, low):
            value = getattr(self, name)
            if isinstance(value, (bool, np.bool_)) or \
                    not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"Quality: {name}={value!r}: must be an integer >= {low}")

        whole("epochs", 1)
        whole("required", 1)
        if self.within is not None:
            whole("within", 1)
            if self.within > self.epochs:
                raise ValueError(f"Quality: within={self.within} is after the last epoch "
                                 f"(epochs={self.epochs})")
        if self.max_jumps is not None:
            whole("max_jumps", 0)
        positive = "a finite number > 0"
        for name, rule, ok in (("target", positive, lambda x: x > 0),
                               ("final_loss", positive, lambda x: x > 0),
                               ("jump", positive, lambda x: x > 0),
                               ("min_accuracy", "a share in (0, 1]", lambda x: 0 < x <= 1),
                               ("max_gap", "a finite number", lambda x: True)):
            if getattr(self, name) is not None:
                check_real(f"Quality: {name}", getattr(self, name), rule, ok)
        if all(getattr(self, n) is None for n in ("target", "final_loss", "min_accuracy",
                                                  "max_gap", "max_jumps")):
            raise ValueError("Quality: no criterion (target, final_loss, min_accuracy, "
                             "max_gap or max_jumps): every setting would pass")

    def describe(self) -> str:
        parts = []
        if self.target is not None:
            parts.append(f"test loss below {self.target:g} by epoch {self.within or self.epochs}")
        if self.final_loss is not None:
            parts.append(f"still below {self.final_loss:g} at epoch {self.epochs}")
        if self.max_jumps is not None:
            parts.append(f"at most {self.max_jumps} upward jumps (> {self.jump:g}) in "
                         f"{self.epochs} epochs")
        if self.max_gap is not None:
            parts.append(f"test loss at most {self.max_gap:g} above the train loss at "
                         f"epoch {self.epochs}")
        if self.min_accuracy is not None:
            parts.append(f"test accuracy at least {self.min_accuracy:.0%} at epoch "
                         f"{self.epochs}")
        return ", ".join(parts)

    def _early_stop(self) -> bool:
        return self.target is not None and all(
            v is None for v in (self.final_loss, self.min_accuracy, self.max_gap,
                                self.max_jumps))

    def measure(self, config: Config, seeds=CHECK_SEEDS) -> list[dict]:
        """Train ``config`` on ``seeds`` and return one dict of figures per seed."""
        runs = Runs.seeds(config, list(seeds))
        within = self.within or self.epochs
        if self._early_stop():
            while runs.epoch < within:
                if runs.step(min(25, within - runs.epoch)) == 0:
                    break  # every run diverged: nothing more steps
                if sum(_first_below(t, self.target) is not None for t in runs) \
                        >= self.required:
                    break
        else:
            runs.step(self.epochs)
        rows = []
        for seed, t in zip(seeds, runs):
            test = t.history.test_loss
            row = {"seed": seed, "diverged": bool(t.diverged), "epoch": t.epoch,
                   "test_loss": float(t.test_loss), "train_loss": float(t.train_loss),
                   "test_accuracy": t.test_accuracy, "fails": []}
            if t.diverged:
                row["fails"].append(f"diverged at epoch {t.epoch}")
            if self.target is not None:
                first = _first_below(t, self.target)
                row["first"] = first
                if t.diverged and (first is None or first > within):
                    pass  # "diverged at epoch n" says it
                elif first is None and runs.epoch < within:  # stopped early: enough passed
                    row["fails"].append(f"not below {self.target:g} by epoch {runs.epoch}, "
                                        "where the check stopped")
                elif first is None or first > within:
                    row["fails"].append(f"never below {self.target:g} by epoch {within}")
            if not t.diverged:
                if self.final_loss is not None and not t.test_loss < self.final_loss:
                    row["fails"].append(f"test loss {t.test_loss:.3f} at epoch {t.epoch}")
                if self.min_accuracy is not None and t.test_accuracy is None:
                    row["fails"].append("no test accuracy (regression)")
                elif self.min_accuracy is not None and \
                        not t.test_accuracy >= self.min_accuracy:
                    row["fails"].append(f"test accuracy {t.test_accuracy:.0%}")
                if self.max_gap is not None:
                    row["gap"] = float(t.test_loss - t.train_loss)
                    if not row["gap"] <= self.max_gap:
                        row["fails"].append(f"gap {row['gap']:.3f}")
            if self.max_jumps is not None:
                jumps = int(np.count_nonzero(np.diff(test) > self.jump))
                row["jumps"] = jumps
                if t.diverged or jumps > self.max_jumps:
                    row["fails"].append(f"{jumps} upward jumps")
            row["ok"] = not row["fails"]
            rows.append(row)
        return rows


def _first_below(trainer: Trainer, target: float) -> int | None:
    """The first epoch (0 = untrained) whose test loss is below ``target``, or None."""
    h = trainer.history
    below = np.flatnonzero(h.test_loss < target)
    return int(h.epochs[below[0]]) if below.size else None


def _seed_line(row: dict) -> str:
    bits = []
    if "first" in row and not (row["first"] is None and row["diverged"]):
        bits.append(f"below at epoch {row['first']}" if row["first"] is not None
                    else row["fails"][0] if row["fails"] else "-")
    if row["diverged"]:
        bits.append(f"diverged at epoch {row['epoch']}")
    else:
        bits.append(f"test loss {row['test_loss']:.3f}")
        if "gap" in row:
            bits.append(f"train loss {row['train_loss']:.3f} (gap {row['gap']:.3f})")
        if row["test_accuracy"] is not None:
            bits.append(f"accuracy {row['test_accuracy']:.0%}")
    if "jumps" in row:
        bits.append(f"{row['jumps']} jumps")
    mark = "✓" if row["ok"] else "✗"
    return f"  {mark} seed {row['seed']}: " + ", ".join(bits)


# --------------------------------------------------------------------------------------
# Challenges
# --------------------------------------------------------------------------------------

#: A rule on the settings: ``rule(config)`` returns None when kept, else why not.
Rule = Callable[[Config], "str | None"]


@dataclasses.dataclass(frozen=True)
class Challenge:
    """One lesson's challenge.

    ``check(pg)`` accepts a Playground (anything with a ``.trainer``), a
    :class:`Trainer` or a :class:`Config`.  A settings challenge (``quality`` set)
    first applies its ``rules`` (each ``rule(config)`` returns None or the reason the
    setting is out of bounds), then measures ``quality`` on :data:`CHECK_SEEDS`.
    A challenge with its own ``checker(config, trainer)`` (trainer None when given a
    Config) returns a :class:`Result` itself.
    """

    name: str
    notebook: str
    title: str
    goal: str
    start: Config
    quality: Quality | None = None
    rules: tuple = ()
    #: said when the check fails, after the figures
    hint: str = ""
    checker: Callable[[Config, Trainer | None], Result] | None = None
    seeds: tuple = CHECK_SEEDS

    def __post_init__(self):
        if (self.quality is None) == (self.checker is None):
            raise ValueError(f"challenge {self.name!r}: give either quality (a settings "
                             "challenge) or checker, not both or neither")
        if not isinstance(self.start, Config):
            raise TypeError(f"challenge {self.name!r}: start must be a Config")
        if self.quality is not None and self.quality.required > len(self.seeds):
            raise ValueError(f"challenge {self.name!r}: quality.required="
                             f"{self.quality.required} but {len(self.seeds)} seeds: it "
                             f"could never pass")

    def check(self, target: Any) -> Result:
        """Check a Playground, a Trainer or a Config against this challenge."""
        config, trainer = _unpack(target)
        if self.checker is not None:
            return self.checker(config, trainer)
        for rule in self.rules:
            broken = rule(config)
            if broken:
                return self._result(False, f"{broken}\nGoal: {self.goal}")
        return self._measured(config)

    def _measured(self, config: Config) -> Result:
        q = self.quality
        rows = q.measure(config, self.seeds)
        good = sum(r["ok"] for r in rows)
        n = len(rows)
        passed = good >= q.required
        what = _settings_label(config)
        head = (f"{what}: {good} of {n} seeds met the goal ({q.describe()}); "
                f"{q.required} needed.")
        lines = [head] + [_seed_line(r) for r in rows]
        if not passed and self.hint:
            lines.append(f"Hint: {self.hint}")
        return self._result(passed, "\n".join(lines), tuple(rows))

    def _result(self, passed: bool, message: str, details: tuple = ()) -> Result:
        return Result(challenge=self.title, passed=passed, message=message, details=details)

    def __repr__(self) -> str:
        return f"Challenge({self.name!r}: {self.goal})"


def _unpack(target: Any) -> tuple[Config, Trainer | None]:
    if isinstance(target, Config):
        return target, None
    if isinstance(target, Trainer):
        return target.config, target
    trainer = getattr(target, "trainer", None)
    if isinstance(trainer, Trainer):
        return trainer.config, trainer
    raise TypeError(f"check({type(target).__name__}): give a Playground (pg), a Trainer "
                    "(pg.trainer) or a Config (pg.config)")


def _settings_label(c: Config) -> str:
    """The settings a lesson's student changes, in one line."""
    shape = "-".join(map(str, c.network_shape)) or "no hidden layer"
    bits = [f"network {shape} {c.activation}", f"learning rate {c.learning_rate:g}"]
    if c.decay:
        bits.append(f"decay {c.decay:g}")
    if c.optimizer != "sgd":
        bits.append(c.optimizer)
    elif c.momentum:
        bits.append(f"momentum {c.momentum:g}" + (" (Nesterov)" if c.nesterov else ""))
    bits.append(f"batch {c.batch_size}")
    if c.features != ("x", "y"):
        bits.append("features " + "+".join(c.features))
    bits.append(f"{c.train_percent:g}% training data, noise {c.noise:g}")
    return ", ".join(bits)


def _neurons(c: Config) -> int:
    return sum(c.network_shape)


#: name -> Challenge, in the course's order (lesson 01 first; see the end of the module);
#: each challenge's ``notebook`` names its lesson.
CHALLENGES: dict[str, Challenge] = {}


def register(challenge: Challenge) -> Challenge:
    """Add ``challenge`` to :data:`CHALLENGES` under its name (once); return it."""
    if not isinstance(challenge, Challenge):
        raise TypeError(f"register() takes a Challenge, got {type(challenge).__name__}")
    if challenge.name in CHALLENGES:
        raise ValueError(f"challenge {challenge.name!r} is already registered")
    CHALLENGES[challenge.name] = challenge
    return challenge


def check(name: str, target: Any) -> Result:
    """``CHALLENGES[name].check(target)``, with an error naming the challenges."""
    if name not in CHALLENGES:
        raise ValueError(f"challenge {name!r} is not a challenge; challenges: "
                         f"{', '.join(CHALLENGES)}")
    return CHALLENGES[name].check(target)


# -- rules ------------------------------------------------------------------------------

def _keep(field: str, value, why: str) -> Rule:
    def rule(c: Config):
        if getattr(c, field) != value:
            return (f"Keep {field} at {value!r} (it is {getattr(c, field)!r}): {why}")
        return None
    return rule


def _at_least(field: str, value, why: str) -> Rule:
    def rule(c: Config):
        if getattr(c, field) < value:
            return f"Keep {field} at {value:g} or more (it is {getattr(c, field):g}): {why}"
        return None
    return rule


def _most_neurons(n: int, why: str) -> Rule:
    def rule(c: Config):
        if _neurons(c) > n:
            return (f"The network {c.network_shape} has {_neurons(c)} hidden neurons; "
                    f"at most {n} are allowed: {why}")
        return None
    return rule


def _one_hidden_layer(c: Config):
    if len(c.network_shape) != 1:
        return (f"Use one hidden layer (the network is {c.network_shape}): this lesson "
                "is about the neurons of one layer; layers come in lesson 12.")
    return None


_XY = _keep("features", ("x", "y"), "the chapter uses X1 and X2 only.")


# ======================================================================================
# Lessons 06 to 13
# ======================================================================================

register(Challenge(
    name="batch-size-epochs",
    notebook="06-batch-size-epochs.ipynb",
    title="06 · Stop the overfitting",
    goal=("Keep the noise at 50 and change the ratio of training data, the network or "
          "the batch size so that after 200 epochs the test loss is at most 0.08 above "
          "the train loss and the test accuracy is at least 75 %, on 4 of 5 seeds."),
    start=preset("overfitting", seed=START_SEED),
    rules=(_keep("dataset", "xor", "the challenge is the noisy four squares."),
           _at_least("noise", 50, "with clean data it is too easy.")),
    quality=Quality(epochs=200, max_gap=0.08, min_accuracy=0.75),
    hint=("a large gap means the network learns the training points by heart: give it "
          "more training points or fewer weights. A network too small to learn the "
          "squares has no gap but a low accuracy: that is underfitting, not a cure."),
))

register(Challenge(
    name="learning-rate",
    notebook="07-learning-rate.ipynb",
    title="07 · A learning rate that is fast and steady",
    goal=("Choose the learning rate (and a decay, if you like) so that the test loss is "
          "below 0.05 by epoch 40, still below it at epoch 100, with at most 2 upward "
          "jumps, on 4 of 5 seeds."),
    start=preset("learning-rate-big", seed=START_SEED),
    rules=tuple(_keep(f, v, "this challenge is about the learning rate and decay only.")
                for f, v in (("network_shape", (4, 2)), ("activation", "tanh"),
                             ("batch_size", 10), ("optimizer", "sgd"), ("momentum", 0.0),
                             ("dataset", "circle"))),
    quality=Quality(epochs=100, target=0.05, within=40, final_loss=0.05, max_jumps=2),
    hint=("too small a rate has not arrived by epoch 40; too big a rate jumps about "
          "or diverges. Try rates between, or keep a big one and let a decay calm it."),
))

register(Challenge(
    name="optimizers",
    notebook="08-optimizers.ipynb",
    title="08 · A better optimizer, same learning rate",
    goal=("Keep the learning rate at 0.03 and choose the optimizer (momentum, Nesterov, "
          "Adam, ...) so that the test loss is below 0.05 by epoch 25 and still below it "
          "at epoch 100, on 4 of 5 seeds."),
    start=preset("sgd", seed=START_SEED),
    rules=(_keep("learning_rate", 0.03, "change how the steps are taken, not their "
                 "length (the learning rate is lesson 07's lever)."),
           _keep("network_shape", (4, 2), "the same network for every optimizer."),
           _keep("batch_size", 10, "the same batches for every optimizer."),
           _keep("dataset", "circle", "the same data for every optimizer (easier data "
                 "would let plain SGD pass).")),
    quality=Quality(epochs=100, target=0.05, within=25, final_loss=0.05),
    hint=("plain SGD at 0.03 is slower than that. Momentum keeps some of the previous "
          "steps, so the same gradient moves further; adaptive optimizers scale each "
          "weight's step. Too much momentum overshoots."),
))

#: The weights lesson 09 asks for must give confident outputs: a random start
#: (weights within ±0.5) outputs values near 0 and a loss near 0.5.
_HAND_LOSS = 0.05


def _check_hand_weights(config: Config, trainer: Trainer | None) -> Result:
    title = CHALLENGES["one-neuron"].title
    if trainer is None:
        return Result(title, False, "This challenge checks weights: pass the Playground "
                      "(check(pg)) or its trainer, not a Config.")
    if config.network_shape != (1,) or config.dataset != "gauss":
        return Result(title, False, f"Keep one neuron on the two clusters (the network "
                      f"is {config.network_shape} on {config.dataset!r}).")
    if trainer.epoch != 0:
        return Result(title, False, (
            f"This network has trained for {trainer.epoch} epochs: here you are the "
            "optimizer. Press Reset (epoch 0), then set the weights and bias yourself "
            "(click a link or a node's bias in the network and type a value, or "
            "pg.trainer.set_weight / set_bias) and check again without training."))
    acc, loss = trainer.test_accuracy, trainer.test_loss
    if acc >= 0.95 and loss < _HAND_LOSS:
        return Result(title, True, (
            f"At epoch 0, with your weights: test accuracy {acc:.0%}, test loss "
            f"{loss:.3f}. You placed the line by hand."))
    if acc >= 0.95:
        hint = ("the line is in the gap, but the outputs are timid (near 0): make the "
                "weights larger so the output is near +1 on blue and -1 on orange. A ReLU "
                "neuron gives 0 on one side of its line, so there the output is tanh of "
                "the output's bias: set it with pg.trainer.set_bias(1, 0, value).")
    elif acc <= 0.05:
        hint = "the line is in the gap but the colours are swapped: flip a sign."
    else:
        hint = ("the blue cloud sits around (2, 2), the orange around (-2, -2): which "
                "w1·x1 + w2·x2 + b is positive on one and negative on the other? The "
                "output then needs a weight that makes that large, and a bias (set from "
                "code: pg.trainer.set_bias(1, 0, value)) for the side where the neuron "
                "gives 0.")
    return Result(title, False, (
        f"At epoch 0: test accuracy {acc:.0%}, test loss {loss:.3f} (needed: at least 95 % "
        f"and below {_HAND_LOSS:g}). Hint: {hint}"))


register(Challenge(
    name="one-neuron",
    notebook="09-one-neuron.ipynb",
    title="09 · Be the optimizer",
    goal=(f"Without training (epoch 0), set the neuron's weights and biases by hand so "
          f"that it classifies at least 95 % of the test points with a test loss below "
          f"{_HAND_LOSS:g}."),
    start=preset("gauss-one-neuron", seed=START_SEED),
    checker=_check_hand_weights,
))

register(Challenge(
    name="circle",
    notebook="10-circle.ipynb",
    title="10 · Close the circle",
    goal=("With X1 and X2 and one hidden layer of at most four neurons, get the test loss "
          "below 0.05 within 150 epochs on 4 of 5 seeds."),
    start=preset("circle-1", seed=START_SEED),
    rules=(_keep("dataset", "circle", "the challenge is the circle."), _XY,
           _one_hidden_layer,
           _most_neurons(4, "the challenge is to find how few are enough.")),
    quality=Quality(epochs=150, target=0.05),
    hint=("each ReLU neuron draws one straight line. How many straight sides does the "
          "smallest shape around the blue disc have?"),
))

register(Challenge(
    name="xor",
    notebook="11-xor.ipynb",
    title="11 · Four squares, every time",
    goal=("With X1 and X2 and one hidden layer, get the test loss below 0.05 within 150 "
          "epochs on every one of 5 seeds."),
    start=preset("xor-3", seed=START_SEED),
    rules=(_keep("dataset", "xor", "the challenge is the four squares."), _XY,
           _one_hidden_layer),
    quality=Quality(epochs=150, target=0.05, required=5),
    hint=("a network that works on some seeds only is at the mercy of its first "
          "weights. Spare neurons give it more lines to start from."),
))

register(Challenge(
    name="spiral",
    notebook="12-spiral.ipynb",
    title="12 · The spiral with half the neurons",
    goal=("With at most 24 hidden neurons (half of the six layers of eight), get the test "
          "loss below 0.1 within 200 epochs on 4 of 5 seeds."),
    start=preset("spiral-deep", seed=START_SEED),
    rules=(_keep("dataset", "spiral", "the challenge is the spiral."),
           _most_neurons(24, "six layers of eight (48) can do it; the challenge is a "
                         "smaller network.")),
    quality=Quality(epochs=200, target=0.1),
    hint=("the chapter suggests changing other settings too: the activation, the learning "
          "rate, the input features (sin(X1) and sin(X2) follow the arms' waves)."),
))

#: The chapter's Keras 2 line the Keras lesson asks to set up.
KERAS2_LINE = "keras.optimizers.SGD(lr=0.01, momentum=0.9, decay=0.001, nesterov=True)"
_KERAS_SETTINGS = {"optimizer": "sgd", "learning_rate": 0.01, "momentum": 0.9,
                   "decay": 0.001, "nesterov": True}


def _keras_rule(c: Config):
    wrong = [f"{k}={getattr(c, k)!r} (the line means {v!r})"
             for k, v in _KERAS_SETTINGS.items() if getattr(c, k) != v]
    if wrong:
        return (f"Not yet the optimizer of {KERAS2_LINE}: " + "; ".join(wrong)
                + ". Keras 2's lr is learning_rate in Keras 3 and here; decay stays decay "
                "here (Keras 3 makes it a schedule).")
    return None


register(Challenge(
    name="keras",
    notebook="13-keras.ipynb",
    title="13 · A Keras 2 line in the Playground",
    goal=(f"Set the Playground's optimizer to what {KERAS2_LINE} means, and check that "
          "it trains the five-neuron XOR network (test loss below 0.05 by epoch 150 "
          "and still below it at epoch 200, on 4 of 5 seeds)."),
    start=preset("keras-export", seed=START_SEED),
    rules=(_keras_rule,),
    quality=Quality(epochs=200, target=0.05, within=150, final_loss=0.05),
    hint="these are the chapter's settings; if they do not train, tell us.",
))


# ======================================================================================
# Lessons 01 to 05: the first half of the chapter
# ======================================================================================
# 01 and 03 check a network (01 its weights, 03 its settings on the five check seeds);
# 02 checks settings on the five check seeds; 04 and 05 check a Descent's settings
# with the Descent engine (nbplayground.descent), from fixed starts.

def _same_setup(config: Config, start: Config) -> bool:
    """``config`` is ``start`` apart from what only changes the picture."""
    display = dict(hide=start.hide, epochs_per_second=start.epochs_per_second,
                   show_test_data=start.show_test_data, discretize=start.discretize)
    return config.replace(**display) == start


# -- 01 · Be the update ------------------------------------------------------------------

#: How much of the first batch's loss one changed weight must remove (lesson 01).
ONE_WEIGHT_DROP = 0.25


def _changed_parameters(trainer: Trainer, fresh: Trainer) -> list[tuple[str, tuple, float, float]]:
    """(kind, index, old, new) of every weight and bias that differs from ``fresh``'s."""
    out = []
    for kind, mine, theirs in (("weight", trainer.weights, fresh.weights),
                               ("bias", trainer.biases, fresh.biases)):
        for layer, (a, b) in enumerate(zip(mine, theirs)):
            for idx in zip(*np.nonzero(np.asarray(a) != np.asarray(b))):
                out.append((kind, (layer, *map(int, idx)), float(b[idx]), float(a[idx])))
    return out


def _check_one_weight(config: Config, trainer: Trainer | None) -> Result:
    ch = CHALLENGES["be-the-update"]
    if trainer is None:
        return Result(ch.title, False, "This challenge checks weights: pass the trainer "
                      "(check(t)) or a Playground, not a Config.")
    if not _same_setup(config, ch.start):
        return Result(ch.title, False, (
            "Use the challenge's own network: t = Trainer(challenge.start) (the data, "
            "network, learning rate and seed of this trainer differ from it)."))
    e = trainer.explain_batch()
    if e.epoch != 0 or e.batch != 0:
        return Result(ch.title, False, (
            f"This network has already made updates (epoch {e.epoch}, batch {e.batch}): "
            "here you are the update. Start again from t = Trainer(challenge.start) and "
            "change one weight with t.set_weight(layer, to, from, value)."))
    fresh = Trainer(config)
    changed = _changed_parameters(trainer, fresh)
    if len(changed) != 1:
        what = ("nothing has changed yet" if not changed else
                f"{len(changed)} weights and biases differ from the start (a Reset or an "
                "update changes them all)")
        return Result(ch.title, False, (
            f"Change exactly one weight or bias: {what}. Start from "
            "t = Trainer(challenge.start) if needed."))
    kind, index, old, new = changed[0]
    before = fresh.explain_batch()
    after = e.loss
    drop = 1.0 - after / before.loss
    grads = before.weight_gradients if kind == "weight" else before.bias_gradients
    grad = float(grads[index[0]][index[1:]])
    name = (f"W{index[0]}[{index[1]}, {index[2]}]" if kind == "weight"
            else f"b{index[0]}[{index[1]}]")
    figures = (f"{name}: {old:.4g} -> {new:.4g} (its gradient {grad:+.4f}); first batch's "
               f"loss {before.loss:.4f} -> {after:.4f} ({-drop:+.0%}); whole training "
               f"set's loss {fresh.train_loss:.4f} -> {trainer.train_loss:.4f}.")
    if drop >= ONE_WEIGHT_DROP and trainer.train_loss < fresh.train_loss:
        return Result(ch.title, True, figures + " One weight, moved against its gradient.")
    if (new - old) * grad > 0:
        hint = ("you moved the weight the way its gradient points, uphill: the gradient "
                "points where the loss grows.")
    elif drop < ONE_WEIGHT_DROP and abs(grad) < 0.1:
        hint = ("this weight's gradient is small: the loss hardly depends on it. Pick a "
                "weight with a large gradient.")
    elif drop < ONE_WEIGHT_DROP:
        hint = "right direction, but too short a step: move it further."
    else:
        hint = ("the batch's loss fell but the whole training set's rose: the step is so "
                "long that it fits these ten points at the others' cost.")
    return Result(ch.title, False, (
        f"{figures} Needed: at least {ONE_WEIGHT_DROP:.0%} less on the batch, and less on "
        f"the whole training set. Hint: {hint}"))


register(Challenge(
    name="be-the-update",
    notebook="01-learning-process.ipynb",
    title="01 · Be the update",
    goal=(f"Change one weight (or bias) of the untrained tiny network so that the first "
          f"mini-batch's loss falls by at least {ONE_WEIGHT_DROP:.0%} and the whole "
          f"training set's loss falls too."),
    start=preset("learning-process", seed=START_SEED),
    checker=_check_one_weight,
))


# -- 02 · A line cannot close a circle ------------------------------------------------

register(Challenge(
    name="activation",
    notebook="02-activations.ipynb",
    title="02 · Bend the line",
    goal=("Make the circle learnable with X1 and X2 as inputs: change the activation (and "
          "the layers, if you like) so that the test loss gets below 0.05 within 200 "
          "epochs with a test accuracy of at least 95 % at epoch 200, on 4 of 5 seeds."),
    start=preset("activation-linear", seed=START_SEED),
    rules=(_keep("dataset", "circle", "the challenge is the circle."),
           _keep("features", ("x", "y"), "X1² and X2² would hand the circle to a straight "
                 "line; the challenge is to let the network bend it.")),
    quality=Quality(epochs=200, target=0.05, min_accuracy=0.95),
    hint=("a linear layer after a linear layer is still one linear function, however many "
          "you stack or however fast they learn. Which activation bends?"),
))


# -- 03 · Deltas that reach the first layer ------------------------------------------

register(Challenge(
    name="deep-deltas",
    notebook="03-loss-backprop.ipynb",
    title="03 · Let the deltas through",
    goal=("Keep the four hidden layers of four neurons on the circle and make them learn: "
          "test loss below 0.05 within 200 epochs and a test accuracy of at least 95 % "
          "at epoch 200, on 4 of 5 seeds."),
    start=preset("deep-sigmoid", seed=START_SEED),
    rules=(_keep("dataset", "circle", "the challenge is the circle."), _XY,
           _keep("network_shape", (4, 4, 4, 4), "the challenge is to train the deep "
                 "network, not to make it shallow.")),
    quality=Quality(epochs=200, target=0.05, min_accuracy=0.95),
    hint=("each layer the delta crosses multiplies it by the activation's slope, and "
          "sigmoid's slope is at most 1/4: print the layers' mean |delta| with "
          "explain_batch(). A bigger learning rate scales every step, not the ratio."),
))


# -- 04 and 05 · settings of a Descent --------------------------------------------------

def _descent_settings(target: Any) -> dict:
    """``{"curve": name, "optimizer": name, **settings}`` of a Descent (the widget or the
    engine) or of a dict of Descent arguments."""
    from .descent import Descent as _Engine

    if isinstance(target, dict):
        # the engine fills in the defaults and refuses what it does not know; a setting
        # of another optimizer (momentum with Adam) is left out
        from .optimizers import HYPERPARAMETERS

        args = {k: v for k, v in target.items() if k != "start"}
        curve, optimizer = args.pop("curve", None), args.pop("optimizer", "sgd")
        has = HYPERPARAMETERS.get(str(optimizer).strip().lower(), ())
        anyone = {k for names in HYPERPARAMETERS.values() for k in names}
        engine = _Engine(curve, optimizer=optimizer,
                         **{k: v for k, v in args.items() if k in has or k not in anyone})
    else:
        engine = getattr(target, "engine", target)
    if not isinstance(engine, _Engine):
        raise TypeError(f"check({type(target).__name__}): give the Descent of the challenge "
                        "(one ball, not a race), or a dict of its settings")
    return dict(curve=engine.curve.name, optimizer=engine.optimizer, **engine.settings)


@dataclasses.dataclass(frozen=True)
class DescentChallenge(Challenge):
    """A challenge on a :class:`~nbplayground.descent.Descent`'s settings (lessons 04, 05).

    ``start`` is the dict of Descent arguments the lesson starts from
    (``Descent(**start)``); ``check(d)`` takes the Descent widget, its engine or such a
    dict, and ``checker(settings) -> Result`` judges the settings (``curve``,
    ``optimizer`` and the optimizer's settings) with the Descent engine.
    """

    def __post_init__(self):
        if self.checker is None or self.quality is not None:
            raise ValueError(f"challenge {self.name!r}: a Descent challenge has a checker "
                             "and no quality")
        if not isinstance(self.start, dict) or "curve" not in self.start:
            raise TypeError(f"challenge {self.name!r}: start must be a dict of Descent "
                            "arguments with a curve")

    def check(self, target: Any) -> Result:
        settings = _descent_settings(target)
        for rule in self.rules:
            broken = rule(settings)
            if broken:
                return self._result(False, f"{broken}\nGoal: {self.goal}")
        return self.checker(settings)


def _descent_keep(field: str, value, why: str) -> Callable[[dict], "str | None"]:
    def rule(s: dict):
        got = s.get(field, 0.0 if field in ("momentum", "decay") else None)
        both_numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in (got, value))
        if not (np.isclose(got, value, rtol=1e-9, atol=0) if both_numbers else got == value):
            return f"Keep {field} at {value!r} (it is {got!r}): {why}"
        return None
    return rule


def _roll(settings: dict, start: float, steps: int):
    """A fresh engine Descent with ``settings`` from ``start``, stepped ``steps`` times."""
    from .descent import Descent as _Engine

    args = {k: v for k, v in settings.items() if k not in ("curve", "start")}
    d = _Engine(settings["curve"], start=start, **args)
    d.step(steps)
    return d


#: Lesson 04: the ball must be this close to the bowl's minimum ...
BOWL_TOLERANCE = 0.01
#: ... by this step, and still at the last one.
BOWL_WITHIN, BOWL_STEPS = 15, 100


def _check_bounce(settings: dict) -> Result:
    ch = CHALLENGES["tame-the-bounce"]
    d = _roll(settings, ch.start["start"], BOWL_STEPS)
    if d.diverged:
        return ch._result(False, f"The ball flew off ({d.status}). Goal: {ch.goal}")
    distance = np.abs(d.path[:, 0] - 1.0)
    close = np.flatnonzero(distance < BOWL_TOLERANCE)
    first = int(close[0]) if close.size else None
    crossings = int(np.count_nonzero(np.diff(np.sign(d.path[:, 0] - 1.0)) != 0))
    figures = (f"learning rate {settings['learning_rate']:g}, decay {settings['decay']:g}: "
               + (f"within {BOWL_TOLERANCE:g} of the minimum from step {first}"
                  if first is not None else f"never within {BOWL_TOLERANCE:g}")
               + f", {distance[-1]:.2g} away at step {BOWL_STEPS}, {crossings} crossing(s) "
               f"of the minimum.")
    if first is not None and first <= BOWL_WITHIN and distance[-1] < BOWL_TOLERANCE:
        return ch._result(True, figures + " The bounce dies out.")
    if first is None and crossings <= 2:
        hint = ("the rate shrinks so fast that the ball crawls: that is a too-small "
                "learning rate again. Decay less.")
    else:
        hint = ("still bouncing: the rate must shrink faster, lr / (1 + decay t) after t "
                "steps. Decay more.")
    return ch._result(False, f"{figures} Needed: within {BOWL_TOLERANCE:g} by step "
                      f"{BOWL_WITHIN} and still at step {BOWL_STEPS}. Hint: {hint}")


register(DescentChallenge(
    name="tame-the-bounce",
    notebook="04-gradient-descent.ipynb",
    title="04 · Tame the bounce",
    goal=(f"On the bowl, keep the learning rate at 0.95 (it bounces from side to side) and "
          f"choose a decay so that the ball is within {BOWL_TOLERANCE:g} of the minimum by "
          f"step {BOWL_WITHIN} and still at step {BOWL_STEPS}."),
    start=dict(curve="bowl", learning_rate=0.95, decay=0.0, start=-3.0),
    rules=(_descent_keep("curve", "bowl", "the challenge is the bowl."),
           _descent_keep("optimizer", "sgd", "plain gradient descent, as in the chapter."),
           _descent_keep("momentum", 0.0, "momentum is lesson 05's."),
           _descent_keep("learning_rate", 0.95, "a smaller rate would not bounce; the "
                         "challenge is to calm a big one with decay.")),
    checker=_check_bounce,
))

#: Lesson 05: the starts the ball must leave the local minimum from (left of it, higher
#: or lower on the wall), the steps it gets, and how close to x = 2 it must rest.
LOCAL_MINIMA_STARTS = (-4.4, -4.2, -4.0, -3.8, -3.6)
LOCAL_MINIMA_STEPS = 300
LOCAL_MINIMA_TOLERANCE = 0.05


def _check_local_minima(settings: dict) -> Result:
    ch = CHALLENGES["local-minima"]
    lines, good = [], 0
    for start in LOCAL_MINIMA_STARTS:
        d = _roll(settings, start, LOCAL_MINIMA_STEPS)
        x = float(d.position[0])
        ok = not d.diverged and abs(x - 2.0) < LOCAL_MINIMA_TOLERANCE
        good += ok
        where = (d.status if d.diverged else "the global minimum" if ok else
                 "the local minimum" if abs(x + 2.0) < LOCAL_MINIMA_TOLERANCE else
                 f"x = {x:.2f}, still moving")
        lines.append(f"  {'✓' if ok else '✗'} from x = {start:g}: step "
                     f"{LOCAL_MINIMA_STEPS} at {where}")
    label = _run_settings(settings)
    head = (f"{label}: {good} of {len(LOCAL_MINIMA_STARTS)} starts rest within "
            f"{LOCAL_MINIMA_TOLERANCE:g} of the global minimum (x = 2) at step "
            f"{LOCAL_MINIMA_STEPS}; all needed.")
    passed = good == len(LOCAL_MINIMA_STARTS)
    if not passed:
        lines.append("Hint: too little momentum and the ball stops in the first hollow; "
                     "too much and it is still swinging at the end (Nesterov's look-ahead "
                     "brakes it).")
    return ch._result(passed, "\n".join([head] + lines))


def _run_settings(s: dict) -> str:
    bits = [f"learning rate {s.get('learning_rate', 0):g}"]
    if s.get("optimizer", "sgd") != "sgd":
        bits.append(str(s["optimizer"]))
    else:
        bits.append(f"momentum {s.get('momentum', 0.0):g}"
                    + (" (Nesterov)" if s.get("nesterov") else ""))
    return ", ".join(bits)


register(DescentChallenge(
    name="local-minima",
    notebook="05-momentum-optimizers.ipynb",
    title="05 · Over the bump",
    goal=(f"On the curve with a local minimum, keep plain SGD's learning rate of 0.1 and "
          f"choose the momentum (Nesterov or not) so that, from each of the starts "
          f"{', '.join(f'{s:g}' for s in LOCAL_MINIMA_STARTS)}, the ball rests within "
          f"{LOCAL_MINIMA_TOLERANCE:g} of the global minimum at step {LOCAL_MINIMA_STEPS}."),
    start=dict(curve="local-minima", learning_rate=0.1, momentum=0.0, start=-4.0),
    rules=(_descent_keep("curve", "local-minima", "the challenge is the local minimum."),
           _descent_keep("optimizer", "sgd", "the chapter's answer is momentum, an "
                         "option of SGD."),
           _descent_keep("learning_rate", 0.1, "a longer step is another story; here the "
                         "ball must roll over the bump."),
           _descent_keep("decay", 0.0, "no decay: momentum alone.")),
    checker=_check_local_minima,
))


def _in_lesson_order() -> None:
    """Put :data:`CHALLENGES` in the course's order (by notebook: 01 .. 13), whatever the
    order the blocks above registered them in; later :func:`register` calls append."""
    ordered = sorted(CHALLENGES.values(), key=lambda c: c.notebook)
    CHALLENGES.clear()
    CHALLENGES.update((c.name, c) for c in ordered)


_in_lesson_order()
