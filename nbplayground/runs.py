"""Many networks trained together: :class:`Runs`, and :func:`study` of how often a setting works.

``Runs(configs)`` holds K runs, each one exactly the :class:`~nbplayground.Trainer` its
:class:`~nbplayground.Config` makes (same data, same initial weights, same losses to the
rounding), and steps them together by Playground epochs.  Runs whose networks have the same
layer sizes, activation and output head, and that update after the same number of points
(batch size, training-set size, carried leftover), are *stacked*: their parameters live in
one ``(K, size)`` buffer and every mini-batch is one pass of batched NumPy calls over all of
them (:mod:`nbplayground.stacked`), so K runs cost a fraction of K separate ones (the
per-call cost of NumPy is paid once for all of them).  Runs that cannot be stacked together
form separate groups, and a run that diverges leaves its stack.

Seeds
-----
:meth:`Runs.seeds` with a count ``n`` takes the config's own seed as run 0 and draws the
other ``n - 1`` seeds from Playground's random stream seeded with it, the way Playground's
Regenerate draws a new seed (``new_seed``: ``rand().toFixed(5)``, e.g. ``"0.41783"``).  The
seeds are therefore a deterministic function of ``config.seed``; pass a list of distinct
seeds (strings, or ints as ``Config(seed=...)`` takes them) to choose them yourself.

Same start
----------
:meth:`Runs.vary` with ``same_start=True`` (the default) gives every run the first run's
seed.  Playground draws the data first and the weights after, from that one stream, so runs
that differ only in a setting that changes neither the data nor the weight shapes
(optimizer, learning rate, batch size, activation, regularization...) start from the very
same points and the very same weights: only the varied setting differs.  When the varied
field changes the network's shape (``network_shape``, ``features``) or the initializer
(``init``), only the data can be shared; when it changes the data (``dataset``, ``noise``,
``train_percent``, ``problem``), neither is.  ``same_start=False`` gives run ``i`` the
``i``-th seed of :meth:`Runs.seeds` instead.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
import time
from collections.abc import Mapping

import numpy as np

from . import stacked as _stacked
from .config import Config, ConfigError, check_real, js_number, repeated, short_repr
from .custom_data import CustomDataError
from .seedrandom import SeedRandom, new_seed
from .trainer import Trainer, check_epochs, check_seconds

__all__ = ["Runs", "Study", "study", "LIMIT_RUNS"]

#: The most runs one ``Runs`` (``seeds``, ``vary``, ``study``, ``Compare``) holds: each run is
#: a whole Trainer, and a mistyped count (``10**6``) must be refused, not fill the memory.
LIMIT_RUNS = 1000

_FIELDS = tuple(f.name for f in dataclasses.fields(Config))


def _format_value(field: str, value) -> str:
    """A short label for one field's value, as a legend shows it."""
    if field in ("optimizer", "activation", "dataset", "problem", "loss", "init"):
        return str(value)
    if field == "seed":
        return f"seed {value}"
    if field == "learning_rate":
        return f"learning rate {js_number(value)}"
    if field == "batch_size":
        return f"batch {value}"
    if field == "network_shape":
        return "no hidden layer" if not value else "net " + "-".join(str(v) for v in value)
    if field == "regularization":
        return "no regularization" if value is None else str(value)
    if field == "regularization_rate":
        return f"reg rate={js_number(value)}"
    if field == "features":
        return "+".join(value) if value else "no features"
    if isinstance(value, float):
        return f"{field}={js_number(value)}"
    return f"{field}={value}"


def _labels_for(configs) -> list:
    """Each run's label: the values of the fields that differ between the configs."""
    differing = [f for f in _FIELDS
                 if any(getattr(c, f) != getattr(configs[0], f) for c in configs[1:])]
    differing = [f for f in differing if f not in ("hide", "show_test_data", "discretize",
                                                   "epochs_per_second")] or differing
    if not differing:
        return [f"run {i}" for i in range(len(configs))]
    return [", ".join(_format_value(f, getattr(c, f)) for f in differing) for c in configs]


def _seed_list(config: Config, n, name: str = "n") -> list:
    """``n`` seeds: a count (run 0 = config.seed, then draws of its stream) or a list of
    distinct seeds, each read as ``Config.seed`` reads one (an int is its decimal string).
    ``name`` is the caller's parameter, which the errors name."""
    rule = "must be a count >= 1 or a list of seeds (strings such as '0.41783', or ints)"
    count = isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_))
    listed = hasattr(n, "__iter__") and not isinstance(n, (str, bytes, Mapping))
    if not (count or listed):  # a mapping's keys would pass for seeds
        raise TypeError(f"{name}={short_repr(n)}: {rule}")
    if count:
        if not 1 <= n <= LIMIT_RUNS:
            raise ValueError(f"{name}={n!r}: must be a count 1..{LIMIT_RUNS} (LIMIT_RUNS) "
                             "or a list of seeds")
        rand = SeedRandom(config.seed)
        seeds = [config.seed]
        while len(seeds) < n:
            s = new_seed(rand)
            if s not in seeds:
                seeds.append(s)
        return seeds
    given = list(n)
    if not given:
        raise ValueError(f"{name}=[]: give at least one seed")
    if len(given) > LIMIT_RUNS:
        raise ValueError(f"{name}: {len(given)} seeds; at most {LIMIT_RUNS} runs (LIMIT_RUNS)")
    seeds = []
    for i, s in enumerate(given):
        try:
            seeds.append(config.replace(seed=s).seed)
        except ConfigError as e:  # names the value and what a seed may be
            raise type(e)(f"{name}[{i}]: {e}", "seed", s) from None
    twice = repeated(seeds)
    if twice:
        raise ValueError(f"{name}={short_repr(given)}: seed(s) {', '.join(map(repr, twice))} "
                         f"given more than once; each seed is one run, so give distinct seeds")
    return seeds


class Runs:
    """K networks trained together, each exactly its own :class:`Trainer`.

    ``Runs(configs)`` takes a non-empty list of :class:`Config`; see :meth:`seeds` and
    :meth:`vary` for the usual ways to make one.  ``labels`` (optional) names the runs;
    by default a run is named by the settings that differ between the runs.  ``data``
    (optional) is the user's own points, as ``Trainer(config, data=(X, y))`` takes them,
    for every run (each seed shuffles and splits them its own way).

    ``step(n)`` trains every run ``n`` Playground epochs.  A run that diverges (a loss
    or weight becomes NaN or infinite) stops at that epoch and the others go on
    (:attr:`diverged`, :attr:`epochs`).
    """

    def __init__(self, configs, labels=None, data=None):
        if isinstance(configs, Config):
            raise TypeError("Runs(configs) takes a list of Config; for one config use "
                            "Runs([config]), Runs.seeds(config, n) or Runs.vary(config, ...)")
        try:
            configs = list(configs)
        except TypeError:
            raise TypeError(f"configs={configs!r}: must be a list of Config") from None
        if not configs:
            raise ValueError("Runs([]): give at least one Config")
        if len(configs) > LIMIT_RUNS:
            raise ValueError(f"{len(configs)} configs: at most {LIMIT_RUNS} runs (LIMIT_RUNS)")
        for i, c in enumerate(configs):
            if not isinstance(c, Config):
                raise TypeError(f"configs[{i}] is a {type(c).__name__}, not a Config")
        if labels is None:
            labels = _labels_for(configs)
        else:
            labels = [str(x) for x in labels]
            if len(labels) != len(configs):
                raise ValueError(f"{len(labels)} labels for {len(configs)} configs: "
                                 "give one label per config")
        self._labels = labels
        self._trainers = [Trainer(c, data=data) for c in configs]
        #: epochs stepped by :meth:`step` (a diverged run's own epoch stays where it stopped)
        self.epoch = 0
        self._groups = None

    # -- making runs ---------------------------------------------------------------------

    @classmethod
    def seeds(cls, config: Config, n=20, data=None) -> "Runs":
        """``n`` runs of ``config`` that differ only in their seed (data and weights).

        ``n`` is a count: run 0 is ``config.seed`` and the others are drawn from
        Playground's random stream seeded with it (as Regenerate draws a seed), so the
        same config always gives the same seeds; or a list of distinct seeds, each taken
        as ``Config(seed=...)`` takes one (a string, or an int for its digits).
        """
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        seeds = _seed_list(config, n)
        return cls([config.replace(seed=s) for s in seeds],
                   labels=[f"seed {s}" for s in seeds], data=data)

    @classmethod
    def vary(cls, config: Config, same_start: bool = True, data=None, **values) -> "Runs":
        """One run per value of a setting: ``Runs.vary(config, optimizer=["sgd", "adam"])``.

        Any :class:`Config` field may vary (``learning_rate=[...]``, ``batch_size=[...]``,
        ``activation=[...]``, ``network_shape=[(4,), (8, 8)]``...).  Several fields give
        every combination (their product, the first field varying slowest).

        ``same_start=True`` gives every run the first run's seed, so that they share the
        data and, when the network's shape and initializer are the same, the initial
        weights (see the module docstring).  ``same_start=False`` gives run ``i`` the
        ``i``-th seed of :meth:`seeds`.
        """
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        if not isinstance(same_start, (bool, np.bool_)):
            raise TypeError(f"same_start={same_start!r}: must be True or False")
        if not values:
            raise ValueError("Runs.vary(config): name a field to vary, e.g. "
                             "optimizer=['sgd', 'adam'] or learning_rate=[0.01, 0.03, 0.1]")
        unknown = sorted(set(values) - set(_FIELDS))
        if unknown:
            raise ValueError(f"Runs.vary: {', '.join(unknown)} is not a Config field; "
                             f"fields: {', '.join(_FIELDS)}")
        lists = {}
        for name, vals in values.items():
            # a mapping's keys or a set's order (which changes between Python processes
            # for strings) would make the runs: a list says which run is runs[i]
            if isinstance(vals, (str, bytes, Mapping, set, frozenset)) or \
                    not hasattr(vals, "__iter__"):
                why = " (a set has no order)" if isinstance(vals, (set, frozenset)) else ""
                raise ValueError(f"Runs.vary: {name}={vals!r} must be a list of values, "
                                 f"e.g. {name}=[a, b]{why}")
            vals = list(vals)
            if not vals:
                raise ValueError(f"Runs.vary: {name}=[] gives no run; give at least one value")
            if name in ("network_shape", "features") and \
                    not any(hasattr(v, "__iter__") and not isinstance(v, str) for v in vals):
                # (4, 8) or ("x", "y"): one value of the field, not a list of them
                raise ValueError(f"Runs.vary: {name}={values[name]!r} gives one run per "
                                 f"value, each value a whole tuple; to run the one {name} "
                                 f"{tuple(vals)!r} give {name}=[{tuple(vals)!r}]")
            lists[name] = vals
        if same_start and "seed" in lists:
            raise ValueError("Runs.vary: same_start=True gives every run the first run's "
                             "seed, so varying seed would change nothing; use "
                             "same_start=False or Runs.seeds(config, seeds)")
        names = list(lists)
        count = math.prod(len(lists[n]) for n in names)
        if count > LIMIT_RUNS:
            raise ValueError(f"{' x '.join(str(len(lists[n])) for n in names)} = {count} runs: "
                             f"at most {LIMIT_RUNS} (LIMIT_RUNS)")
        combos = list(itertools.product(*(lists[n] for n in names)))
        if same_start:
            seeds = [config.seed] * len(combos)
        else:
            seeds = _seed_list(config, len(combos))
        configs = []
        for combo, seed in zip(combos, seeds):
            changes = dict(zip(names, combo))
            if "seed" not in changes:
                changes["seed"] = seed
            try:
                configs.append(config.replace(**changes))
            except ValueError as e:  # ConfigError names the field and what is allowed
                raise type(e)(f"Runs.vary: {e}") from None
        labels = [", ".join(_format_value(n, v) for n, v in zip(names, combo))
                  for combo in combos]
        if not same_start and "seed" not in lists:
            labels = [f"{lab}, seed {s}" for lab, s in zip(labels, seeds)]
        return cls(configs, labels=labels, data=data)

    # -- the runs ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._trainers)

    def __getitem__(self, i) -> Trainer:
        """Run ``i`` as a :class:`Trainer`, in the state the stacked training left it."""
        if isinstance(i, slice):
            return self._trainers[i]
        n = len(self._trainers)
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"runs[{i!r}]: a run is picked by its position, an int 0..{n - 1} "
                            f"(labels: {', '.join(self._labels[:4])}{', ...' if n > 4 else ''})")
        if not -n <= i < n:
            raise IndexError(f"runs[{i}]: there are {n} runs, 0..{n - 1}")
        return self._trainers[i]

    def __iter__(self):
        return iter(self._trainers)

    def __repr__(self) -> str:
        count = f"{len(self)} run{'s' if len(self) != 1 else ''}"
        return (f"Runs({count} at epoch {self.epoch}: "
                f"{', '.join(self._labels[:4])}{', ...' if len(self) > 4 else ''})")

    @property
    def trainers(self) -> list:
        """The K runs as :class:`Trainer` objects (a new list; the trainers are live)."""
        return list(self._trainers)

    @property
    def configs(self) -> list:
        return [t.config for t in self._trainers]

    @property
    def labels(self) -> list:
        """What differs between the runs, one short string per run ("adam", "learning rate 0.3")."""
        return list(self._labels)

    @property
    def histories(self) -> list:
        """Each run's :class:`~nbplayground.history.History`."""
        return [t.history for t in self._trainers]

    @property
    def epochs(self) -> np.ndarray:
        """Each run's epoch (a diverged run stays at the epoch it diverged)."""
        return np.array([t.epoch for t in self._trainers], dtype=np.int64)

    @property
    def train_loss(self) -> np.ndarray:
        return np.array([t.train_loss for t in self._trainers], dtype=np.float64)

    @property
    def test_loss(self) -> np.ndarray:
        return np.array([t.test_loss for t in self._trainers], dtype=np.float64)

    @property
    def train_accuracy(self) -> np.ndarray:
        """NaN for regression runs."""
        return np.array([math.nan if t.train_accuracy is None else t.train_accuracy
                         for t in self._trainers], dtype=np.float64)

    @property
    def test_accuracy(self) -> np.ndarray:
        return np.array([math.nan if t.test_accuracy is None else t.test_accuracy
                         for t in self._trainers], dtype=np.float64)

    @property
    def diverged(self) -> np.ndarray:
        return np.array([t.diverged for t in self._trainers], dtype=bool)

    # -- training ------------------------------------------------------------------------

    def reset(self, same_weights: bool = False) -> None:
        """Every run back to epoch 0 with a new network on its data (Playground's Reset).

        Each run draws its new weights from its own continuing stream, so runs that
        started the same (``same_start``) start the same again.  ``same_weights=True``
        restarts every run from its first initial weights instead.
        """
        for t in self._trainers:
            t.reset(same_weights=same_weights)
        self.epoch = 0
        self._groups = None

    def step(self, epochs: int = 1, seconds: float | None = None) -> int:
        """Train every run that has not diverged ``epochs`` epochs; return how many ran.

        With ``seconds``, stop early once that much time has passed (at least one epoch
        runs).  A run that diverges stops there; the others go on.  When every run has
        diverged nothing runs and 0 is returned.  A run whose own points cannot train
        (after ``runs[i].clear_points()``) raises the trainer's error, named ``runs[i]``,
        before any run steps.
        """
        check_epochs(epochs)
        seconds = check_seconds(seconds)
        deadline = None if seconds is None else time.perf_counter() + seconds
        done = 0
        if epochs == 0:
            return 0
        for i, t in enumerate(self._trainers):
            # refused before any run steps (a run's own step would raise mid-epoch,
            # after the runs before it had made theirs)
            if not t.diverged and not t.trainable:
                try:
                    t.check_trainable()
                except CustomDataError as e:
                    raise type(e)(f"runs[{i}]: {e}", e.field, e.value) from None
        groups = self._live_groups()
        if not groups:
            return 0
        with self._trainers[0].one_blas_thread(), np.errstate(all="ignore"):
            while done < epochs:
                diverged = False
                for g in groups:
                    if g.epoch():
                        diverged = True
                done += 1
                self.epoch += 1
                if diverged:  # the diverged runs stop: stack the others again
                    groups = self._live_groups(rebuild=True)
                    if not groups:
                        break
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        return done

    def _live_groups(self, rebuild: bool = False) -> list:
        """The stacked groups, rebuilt when a run diverged or was changed on its own
        (stepped, reset or reconfigured through ``runs[i]``)."""
        groups = self._groups
        if not (rebuild or groups is None or not all(g.still_valid() for g in groups)):
            # runs that could not stack before (a reset run's carried leftover) may now
            keys = {_stacked.stack_key(t) for g in groups for t in g.trainers}
            if len(keys) == len(groups):
                return groups
        groups = self._groups = _stacked.make_groups(self._trainers)
        return groups

    @property
    def groups(self) -> list:
        """The runs' indices, grouped as they are stacked (one list per batched pass; a
        run alone in its list steps with its own trainer; diverged runs are in none)."""
        index = {id(t): i for i, t in enumerate(self._trainers)}
        return [sorted(index[id(t)] for t in g.trainers) for g in self._live_groups()]


# -- study ------------------------------------------------------------------------------


@dataclasses.dataclass
class Study:
    """How often a setting works: the result of :func:`study`."""

    config: Config
    seeds: list
    target: float
    epochs: int
    #: per seed, the first epoch whose test loss is below ``target``, or None
    first_epochs: list
    #: per seed, the test loss after the last epoch trained (NaN/inf if it diverged)
    final_test_losses: np.ndarray
    #: per seed, whether the run diverged
    diverged: np.ndarray
    runs: Runs = dataclasses.field(repr=False, default=None)

    @property
    def successes(self) -> int:
        """How many seeds reached a test loss below ``target``."""
        return sum(e is not None for e in self.first_epochs)

    @property
    def rate(self) -> float:
        """``successes / len(seeds)``."""
        return self.successes / len(self.seeds)

    @property
    def median_epochs(self) -> float | None:
        """The median of ``first_epochs`` over the successes; None if none succeeded."""
        hits = [e for e in self.first_epochs if e is not None]
        return float(np.median(hits)) if hits else None

    def rows(self) -> list:
        """One dict per seed: seed, first_epoch, final_test_loss, success, diverged and
        diverged_at (the epoch it diverged, or None)."""
        # a diverged run stays at the epoch it diverged
        stopped = [None] * len(self.seeds) if self.runs is None else self.runs.epochs.tolist()
        return [{"seed": s, "first_epoch": e, "final_test_loss": float(f),
                 "success": e is not None, "diverged": bool(d),
                 "diverged_at": stopped[i] if d else None}
                for i, (s, e, f, d) in enumerate(zip(self.seeds, self.first_epochs,
                                                     self.final_test_losses, self.diverged))]

    @staticmethod
    def _divergence_note(row) -> str:
        """"diverged at epoch n" for a diverged seed ("diverged" if unknown), else ""."""
        if not row["diverged"]:
            return ""
        at = row["diverged_at"]
        return "diverged" if at is None else f"diverged at epoch {at}"

    def summary(self) -> str:
        med = "-" if self.median_epochs is None else f"{self.median_epochs:g}"
        return (f"{self.successes}/{len(self.seeds)} seeds reached test loss < "
                f"{self.target:g} within {self.epochs} epochs (rate {self.rate:.0%}); "
                f"median epochs {med}")

    def table(self) -> str:
        """A printable per-seed table."""
        lines = [self.summary(), f"{'seed':>10}  {'first epoch':>11}  {'final test loss':>15}"]
        for r in self.rows():
            first = "-" if r["first_epoch"] is None else str(r["first_epoch"])
            note = self._divergence_note(r)
            lines.append(f"{r['seed']:>10}  {first:>11}  {r['final_test_loss']:>15.4f}"
                         f"{'  ' + note if note else ''}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Study({self.summary()})"

    def _repr_html_(self) -> str:
        head = "<tr><th>seed</th><th>first epoch</th><th>final test loss</th></tr>"
        body = "".join(
            f"<tr><td>{html.escape(str(r['seed']))}</td>"
            f"<td>{'-' if r['first_epoch'] is None else r['first_epoch']}</td>"
            f"<td>{r['final_test_loss']:.4f}"
            f"{f' ({self._divergence_note(r)})' if r['diverged'] else ''}</td></tr>"
            for r in self.rows())
        return (f"<p>{html.escape(self.summary())}</p>"
                f"<table><thead>{head}</thead><tbody>{body}</tbody></table>")


def _scan_first(runs, first, target, since) -> None:
    """Fill ``first[i]`` with run i's first epoch >= ``since`` whose test loss < target."""
    for i, h in enumerate(runs.histories):
        if first[i] is None:
            epochs, losses = h.epochs, h.test_loss
            below = np.flatnonzero((epochs >= since) & (losses < target))
            if below.size:
                first[i] = int(epochs[below[0]])


def study(config: Config, seeds=20, target: float = 0.1, epochs: int = 1000,
          data=None) -> Study:
    """Train ``config`` with many seeds and count how often it works.

    The criterion: a seed *succeeds* when its test loss is below ``target`` at any
    epoch from 0 (the untrained network) to ``epochs`` included; ``first_epochs`` holds
    the first such epoch.  ``seeds`` is a count (run 0 is ``config.seed``, the others
    drawn from its random stream, see :meth:`Runs.seeds`: a config with a fixed seed
    gives the same study every time) or a list of distinct seeds (Playground seed strings,
    or ints).  Every seed
    trains ``epochs`` epochs (a diverged run stops) with :class:`Runs`, stacked.
    ``data=(X, y)`` trains every seed on your own points (each seed shuffles and
    splits them its own way), as :meth:`Runs.seeds` does.
    """
    if not isinstance(config, Config):
        raise TypeError(f"config must be a Config, got {type(config).__name__}")
    target = check_real("target", target, "a finite number > 0 (a loss is never below 0, "
                        "so no seed could reach it)", lambda x: x > 0)
    epochs = check_epochs(epochs)
    runs = Runs.seeds(config, _seed_list(config, seeds, "seeds"), data=data)
    first = [None] * len(runs)
    _scan_first(runs, first, target, 0)
    epochs = int(epochs)
    # step in chunks the histories keep at full resolution, so that every epoch is seen
    chunk = max(1, min(h.recent for h in runs.histories) // 2)
    while runs.epoch < epochs:
        since = runs.epoch
        if runs.step(min(chunk, epochs - since)) == 0:
            break  # every run diverged
        _scan_first(runs, first, target, since + 1)
    return Study(config=config, seeds=[c.seed for c in runs.configs], target=float(target),
                 epochs=int(epochs), first_epochs=first,
                 final_test_losses=runs.test_loss, diverged=runs.diverged, runs=runs)
