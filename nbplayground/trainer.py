"""The Trainer: data, network, optimizer and random stream, stepping by Playground epochs.

One :meth:`Trainer.step` is one press of Playground's Step button (docs/playground.md §7): a
pass over the training set in its fixed shuffled order, with an update after
every ``batch_size``-th point and the leftover points carried into the next
epoch's first batch; then the train and test losses with the final weights.

The random stream is Playground's own (seedrandom's ARC4, see
:mod:`nbplayground.seedrandom`), consumed in Playground's order: data,
shuffle, then one draw per link for the weights.  A Playground seed therefore
gives Playground's run.

Nothing here knows about widgets.  The UI asks for a :class:`Frame` and draws it.
Saving and loading live in :mod:`nbplayground.checkpoint`, which reads and writes
the trainer's public :meth:`Trainer.state`; this module imports it only inside
:meth:`Trainer.save` and :meth:`Trainer.load`.
"""

from __future__ import annotations

import copy
import math
import operator
import re
import time
from collections import deque
from itertools import starmap
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import custom_data as _custom
from . import datasets as _datasets
from . import features as _features
from . import optimizers as _optimizers
from . import reference as _reference
from .config import DEFAULT_DATASET, REGENERATE_FIELDS, RESET_FIELDS, Config, check_real
from .config import short_repr as _r
from .history import History
from .losses import head_for
from .network import Network, add_bias_row
from .seedrandom import SeedRandom, new_seed

_CALL = getattr(operator, "call", None)  # Python >= 3.11

#: Points per axis of the display grid (docs/playground.md §8.2), including both endpoints.
DENSITY = 100
#: Playground's view domain.
DOMAIN = (-6.0, 6.0)
#: How :meth:`Trainer.step` trains: the compiled tape of :mod:`nbplayground.network`
#: ("fast"), or the readable stages of :mod:`nbplayground.reference`.
ENGINES = ("fast", "reference")


class TrainingArrays(NamedTuple):
    """What :meth:`Trainer.training_arrays` gives: the columns an epoch works on."""

    #: (features + 1, n_train): the training points' features, one column each, with a
    #: last row of ones (the bias row of :mod:`nbplayground.network`), in batch order
    train_x: np.ndarray
    #: (features + 1, n_train + n_test): the training then the test columns
    all_x: np.ndarray
    #: (n_train + n_test,): their labels (or values), in the same order
    all_y: np.ndarray
    n_train: int


class DivergedError(FloatingPointError):
    """Raised by :meth:`Trainer.step` when asked to train a network that has diverged."""


@dataclass
class Frame:
    """What the UI needs to draw one picture of the trainer's state (plain arrays).

    Grids have row 0 at the top (largest y), as images do.  Arrays may be
    views of buffers the trainer reuses: draw them before the next frame.
    """

    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None
    test_accuracy: float | None
    diverged: bool
    #: the output on the grid: (H, W) on [-1, 1] (binary, regression), or (K, H, W) probabilities
    output: np.ndarray
    #: per hidden layer, (units, H, W) node outputs
    hidden: list
    #: per weight layer, (n_out, n_in) weights and (n_out,) biases and (n_out, n_in) dead links
    weights: list
    biases: list
    dead: list
    #: the loss curve, at most a few hundred points: epochs, train, test
    curve: tuple = field(default_factory=tuple)


def _grid_axis(lo: float, hi: float, n: int = DENSITY) -> np.ndarray:
    return np.array([lo + (hi - lo) * i / (n - 1) for i in range(n)])


class Trainer:
    """Trains one network on one dataset exactly as TensorFlow Playground does.

    ``Trainer(config)`` or ``Trainer(dataset="xor", network_shape=(5,))``
    (keyword changes applied to ``config`` or to the defaults).
    ``engine="reference"`` trains with :mod:`nbplayground.reference`, the
    engine written to be read (same numbers, slower).

    ``Trainer(config, data=(X, y))`` trains on your own points (see
    :mod:`nbplayground.custom_data`; the rules are
    :func:`~nbplayground.custom_data.check_config`).  ``problem``, ``dataset``
    and ``loss`` follow the data unless you set them explicitly: a field is
    *explicit* when it is given as a keyword, or when ``config`` holds a value
    other than its default (problem "classification", the problem's default
    dataset, the dataset's default loss).  An explicit value the data
    contradict is an error that says what to pass; it is never replaced.
    ``Trainer(data=(X, y))`` with defaults infers all three.
    :meth:`add_points` adds points to the run under way (they join the training
    set; epoch, network and optimizer stay) and :meth:`clear_points` empties the
    data (then :attr:`trainable` is False until points are added).

    Every change goes through :meth:`apply` (or a method named for it), which
    checks the whole new state first: a refused change raises and leaves the
    trainer exactly as it was.

    A bare Trainer is not thread-safe: call it from one thread at a time.  The
    widget (:class:`~nbplayground.ui.Playground`) serializes its own calls and a
    user's with its lock; do the same if you share a trainer between threads.
    """

    def __init__(self, config: Config | None = None, data=None, engine: str = "fast",
                 **changes):
        if engine not in ENGINES:
            raise ValueError(f"engine={engine!r} is not an engine; allowed: "
                             f"{', '.join(map(repr, ENGINES))}")
        self._engine = engine
        if config is None:
            explicit = set(changes)
            config = Config(**changes)
        elif isinstance(config, str):  # a pasted Playground link or a preset name
            raise TypeError(f"config={_r(config)}: must be a Config; read a Playground link "
                            f"with Config.from_url(...) (Playground.from_url(...)), a preset "
                            f"with presets.preset(name) (Playground.preset(name))")
        elif not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        else:
            explicit = set(changes) | _explicit_fields(config)
            if changes:
                config = config.replace(**changes)
        custom = None
        if data is not None:
            # an explicit classification reads the labels as classes (validate then names
            # their count), however many there are; regression is never forced on classes
            asked = "classification" if "problem" in explicit and \
                config.problem == "classification" else None
            custom = _custom.validate(data, problem=asked)
            config = _custom.fit_config(custom, config, keep=explicit)
        self._setup(config, custom)

    def _setup(self, config: Config, custom) -> None:
        """Build from a checked config (and checked custom data, or None)."""
        #: the user's own points (``data=(X, y)``, or points added with
        #: :meth:`add_points`), or None for Playground's datasets
        self.custom_data = custom
        self._config = config
        self._controller = None
        self.history = History()
        self._grid_cache: dict = {}
        self._load(config)

    @classmethod
    def _unchecked(cls, config: Config, custom, engine: str) -> "Trainer":
        """A trainer on data the caller checked (:meth:`from_state`: a saved set may be
        one being drawn, that cannot train yet)."""
        trainer = object.__new__(cls)
        trainer._engine = engine
        trainer._setup(config, custom)
        return trainer

    # -- public state ----------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``"fast"`` or ``"reference"``: what :meth:`step` trains with."""
        return self._engine

    @property
    def config(self) -> Config:
        """The complete state this trainer runs (seed included)."""
        return self._config

    @property
    def weights(self) -> list:
        """Copies of each layer's (n_out, n_in) weight matrix (row: destination node)."""
        return [self.network.weights(l).copy() for l in range(self.network.num_layers)]

    @property
    def biases(self) -> list:
        """Copies of each layer's (n_out,) biases."""
        return [self.network.biases(l).copy() for l in range(self.network.num_layers)]

    @property
    def dead(self) -> list:
        """Per layer, (n_out, n_in) booleans: links that L1 regularization killed."""
        return [d[:, :-1].copy() for d in self.network.views(self.network.dead)]

    @property
    def num_classes(self) -> int | None:
        """2 or more for classification, None for regression."""
        if self.custom_data is not None:
            return self.custom_data.num_classes
        return _datasets.num_classes(self._config.dataset)

    # -- building ----------------------------------------------------------------------

    def _load(self, config: Config) -> None:
        """Page load: seed the stream, make the data, draw the network."""
        self._rand = SeedRandom(config.seed)
        self._make_data()
        self._build()

    def _make_data(self) -> None:
        self.data = self._draw_data(self._rand)
        self._prepare_data()

    def _draw_data(self, rand):
        """Generate (or, for custom data, shuffle and split) the points from ``rand``."""
        c = self._config
        if self.custom_data is not None:
            return _custom.split(self.custom_data, c.train_percent, rand)
        return _datasets.make_dataset(c.dataset, c.noise, c.train_percent, rand)

    def _prepare_data(self) -> None:
        """Feature matrices in the column layout, the evaluation set and the batch tapes."""
        c, d = self._config, self.data
        feats = c.features
        self._train_x = add_bias_row(_features.feature_matrix(d.train_x, feats))
        self._test_x = add_bias_row(_features.feature_matrix(d.test_x, feats))
        self._n_train = self._train_x.shape[1]
        self._all_x = np.ascontiguousarray(np.concatenate([self._train_x, self._test_x], axis=1))
        self._all_y = np.concatenate([d.train_y, d.test_y])
        self._all_t = None  # targets in the output head's form, made by _evaluate
        self._tapes_stale = True
        self._waiting = self._trainability()

    def _trainability(self):
        """None when the data can train, else the CustomDataError saying why not."""
        custom = self.custom_data
        if custom is None:
            return None
        try:
            _custom.check_trainable(custom)
        except _custom.CustomDataError as exc:
            return exc
        if self._n_train == 0:
            return _custom.CustomDataError(
                f"the training set is empty (all {custom.n} points are test points); add "
                f"training points (add_points(..., to='train')) or regenerate the split",
                "train_percent", self._config.train_percent)
        return None

    def _build(self, same_weights: bool = False) -> None:
        """A new network (fresh weights from the stream), optimizer and history."""
        c = self._config
        self.head = head_for(c.problem, c.loss, self.num_classes)
        sizes = (len(c.features), *c.network_shape, self.head.outputs)
        self.network = Network(sizes, c.activation, self.head)
        if same_weights:
            self._rand = SeedRandom(c.seed)
            self._draw_data(self._rand)  # the same draws as a fresh load, then the weights
        self.network.initialize(self._rand, c.init)
        self._all_t = None
        size = self.network.size
        self._grad = np.zeros(size)
        self._carry = np.zeros(size)
        self._carry_tmp = np.zeros(size)
        self._carry_count = 0
        #: where the carried points end in the training order, when points were added
        #: after them (None: they are the order's last, as an epoch leaves them)
        self._carry_end = None
        self._reg_der = np.zeros(size)
        self._reg_new = np.zeros(size)
        self._reg_tmp = np.zeros(size)
        self._alive = np.ones(size)
        self._reg_mask = self.network.weight_mask.copy()
        self._any_dead = False
        self._optimizer = self._make_optimizer()
        self._tapes_stale = True
        self._program = None
        self._fast = False
        self.epoch = 0
        self._batch = 0  # the next batch within the epoch (step_batch)
        self.diverged = False
        self.history.clear()
        self._evaluate(record=True)

    def _make_optimizer(self, config: Config | None = None):
        c = self._config if config is None else config
        names = _optimizers.HYPERPARAMETERS[c.optimizer]
        hp = {name: getattr(c, name) for name in names if hasattr(c, name)}
        hp["learning_rate"] = c.learning_rate
        hp["decay"] = c.decay
        return _optimizers.get(c.optimizer, **hp)

    def _build_tapes(self) -> None:
        """Compile the epoch: every batch's tape followed by its update, in one flat list."""
        bs = self._config.batch_size
        n = self._n_train
        full, left = divmod(n, bs)
        net, grad = self.network, self._grad
        targets = self.head.targets(self.data.train_y)
        buffers: dict = {}
        self._tapes = []
        for b in range(full):
            cols = slice(b * bs, (b + 1) * bs)
            xb = np.ascontiguousarray(self._train_x[:, cols])
            tb = np.ascontiguousarray(targets[:, cols])
            self._tapes.append(net.tape(xb, tb, grad, buffers))
        self._leftover = left
        self._leftover_tape = None
        if left:
            xb = np.ascontiguousarray(self._train_x[:, full * bs:])
            tb = np.ascontiguousarray(targets[:, full * bs:])
            self._leftover_tape = net.tape(xb, tb, self._carry_tmp, buffers)
        self._tapes_stale = False
        self._program = None

    def _compile_program(self) -> None:
        """One flat list of NumPy calls for a whole epoch (rebuilt when settings change).

        Plain SGD without regularization (Playground's default) updates with two
        ufunc calls straight in the list; anything else calls :meth:`_update`.
        """
        bs = self._config.batch_size
        self._fast = self._plain_sgd(self._optimizer) and not self._regularizing() \
            and not self._any_dead
        self._scale = np.array(self._optimizer.learning_rate / bs)
        if self._fast:
            update = [(np.multiply, (self._grad, self._scale, self._grad)),
                      (np.subtract, (self.network.params, self._grad, self.network.params))]
        else:
            update = [(self._update, (bs,))]
        program = []
        for i, tape in enumerate(self._tapes):
            program += tape
            program += [(self._first_update, ())] if i == 0 else update
        if self._leftover_tape is not None:
            program += self._leftover_tape
            program.append((self._stash_leftover, ()))
        self._program = program
        # (fn, *args) rows for starmap(operator.call): the epoch runs with no Python
        # bytecode between NumPy calls (Python >= 3.11; a plain loop before that)
        self._calls = [(fn, *args) for fn, args in program] if _CALL else None

    def _first_update(self) -> None:
        """The epoch's first update also averages the examples carried from the last epoch."""
        count = self._config.batch_size
        if self._carry_count:
            np.add(self._grad, self._carry, self._grad)
            count += self._carry_count
            self._carry_count = 0
        if self._fast:
            np.multiply(self._grad, self._optimizer.learning_rate / count, self._grad)
            np.subtract(self.network.params, self._grad, self.network.params)
        else:
            self._update(count)

    def _stash_leftover(self) -> None:
        """Keep the last nTrain mod batch_size examples' gradient for the next epoch (docs/playground.md §7.3)."""
        if self._carry_count:
            np.add(self._carry, self._carry_tmp, self._carry)
        else:
            np.copyto(self._carry, self._carry_tmp)
        self._carry_count += self._leftover

    def _regularizing(self) -> bool:
        c = self._config
        return c.regularization is not None and c.regularization_rate > 0

    # -- training ----------------------------------------------------------------------

    def step(self, epochs: int = 1, seconds: float | None = None) -> int:
        """Train ``epochs`` Playground epochs; return how many ran.

        With ``seconds``, stop early once that much time has passed (at least
        one epoch runs).  Stops at the epoch that makes a loss or weight NaN or
        infinite and sets :attr:`diverged`; stepping a diverged network raises
        :class:`DivergedError` (reset to recover).  After :meth:`step_batch`
        calls that stopped mid-epoch, the first epoch is the rest of that one.
        """
        check_epochs(epochs)
        seconds = check_seconds(seconds)
        if epochs and self._waiting is not None:
            raise self._waiting_error()
        if self.diverged:
            raise self._diverged_error()
        if self._tapes_stale:
            self._build_tapes()
        deadline = None if seconds is None else time.perf_counter() + seconds
        done = 0
        with self._one_blas_thread(), np.errstate(all="ignore"):
            while done < epochs:
                self._epoch()
                done += 1
                if self.diverged:
                    break
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        return done

    @property
    def trainable(self) -> bool:
        """False while your own points cannot train yet (after :meth:`clear_points`:
        fewer than 2 points, a single class, no training point); :meth:`step` then
        raises and :meth:`check_trainable` says why."""
        return self._waiting is None

    def check_trainable(self) -> None:
        """Raise :class:`~nbplayground.custom_data.CustomDataError` (a ValueError)
        saying what is missing unless the data can train; None when they can."""
        if self._waiting is not None:
            raise self._waiting_error()

    def _waiting_error(self) -> _custom.CustomDataError:
        why = self._waiting
        return _custom.CustomDataError(f"nothing to train yet: {why}", why.field, why.value)

    def _diverged_error(self) -> DivergedError:
        return DivergedError(
            f"the network diverged (a loss or weight became NaN or infinite) at epoch "
            f"{self.epoch}; call reset() to start again")

    def _epoch(self) -> None:
        if self._engine == "reference" or self._batch:
            self._reference_epoch()
            return
        if self._program is None:
            self._compile_program()
        if self._calls is not None:
            deque(starmap(_CALL, self._calls), maxlen=0)
        else:
            for fn, args in self._program:
                fn(*args)
        if self._fast:
            self._optimizer.iterations += len(self._tapes)
        self.epoch += 1
        self._evaluate(record=True)

    def _update(self, count: int) -> None:
        """One weight update from the summed gradient of ``count`` examples (docs/playground.md §6.7)."""
        c = self._config
        params, grad, opt = self.network.params, self._grad, self._optimizer
        lr = opt.current_learning_rate
        reg = c.regularization if self._regularizing() else None
        if reg is not None:
            # R'(w0) at the old weights; biases and dead links masked out
            if reg == "L2":
                np.multiply(params, self._reg_mask, self._reg_der)
            else:
                np.sign(params, self._reg_der)
                np.multiply(self._reg_der, self._reg_mask, self._reg_der)
        if self._any_dead:
            np.multiply(grad, self._alive, grad)
        if self._plain_sgd(opt) and not self._any_dead:
            # Playground's rule, to the rounding: w - (lr / count) * sum
            np.multiply(grad, lr / count, grad)
            np.subtract(params, grad, params)
            opt.iterations += 1
        else:
            np.multiply(grad, 1.0 / count, grad)
            opt.step(params, grad, mask=self._alive if self._any_dead else None)
        if reg is not None:
            np.multiply(self._reg_der, lr * c.regularization_rate, self._reg_der)
            if reg == "L2":
                np.subtract(params, self._reg_der, params)
            else:
                new, tmp = self._reg_new, self._reg_tmp
                np.subtract(params, self._reg_der, new)
                np.multiply(params, new, tmp)
                np.copyto(params, new)
                crossed = tmp < 0
                if crossed.any():
                    # the regularization step alone pushed w across 0: the link dies
                    params[crossed] = 0.0
                    self.network.dead |= crossed
                    self._alive[crossed] = 0.0
                    self._reg_mask[crossed] = 0.0
                    self._any_dead = True
                    self._program = None

    @staticmethod
    def _plain_sgd(opt) -> bool:
        return (opt.name == "sgd" and opt.momentum == 0 and opt.decay == 0)

    def _evaluate(self, record: bool) -> None:
        """Train and test loss (and accuracy) with the current weights; divergence check."""
        n = self._n_train
        if self._all_t is None:
            self._all_t = self.head.targets(self._all_y)
            self._fast_eval = self._fast_eval_buffers()
        fast = self._fast_eval
        if fast is not None and self.network.params.size and self._engine == "fast":
            self._evaluate_squared(fast)
        else:
            self._evaluate_any(n)
        if record:  # an epoch ended: carried points are the last of the current order
            self._carry_end = None
            nan = math.nan
            self.history.append(
                self.epoch, self.train_loss, self.test_loss,
                nan if self.train_accuracy is None else self.train_accuracy,
                nan if self.test_accuracy is None else self.test_accuracy)

    def _fast_eval_buffers(self):
        """Buffers for Playground's own heads (squared loss, one output) with both
        sets non-empty: the per-epoch losses then take a handful of NumPy calls."""
        n, total = self._n_train, self._all_y.size
        if self.head.loss != "squared" or self.head.outputs != 1 or not 0 < n < total:
            return None
        sq = np.empty((1, total))
        hits = np.empty((1, total), dtype=bool)
        positive = (self._all_y > 0).reshape(1, -1)
        return (sq, sq[0, :n], sq[0, n:], hits, hits[0, :n], hits[0, n:], positive,
                self._config.problem == "classification", n, total - n)

    def _evaluate_squared(self, fast) -> None:
        sq, sq_train, sq_test, hits, hits_train, hits_test, positive, classify, n, n_test = fast
        with np.errstate(all="ignore"):
            _, outs = self.network.forward(self._all_x)
            a = outs[-1]
            np.subtract(a, self._all_t, sq)
            np.multiply(sq, sq, sq)
            self.train_loss = float(np.add.reduce(sq_train)) * 0.5 / n
            self.test_loss = float(np.add.reduce(sq_test)) * 0.5 / n_test
            if classify:  # Playground's rule: output >= 0 means +1
                np.greater_equal(a, 0.0, hits)
                np.equal(hits, positive, hits)
                self.train_accuracy = np.count_nonzero(hits_train) / n
                self.test_accuracy = np.count_nonzero(hits_test) / n_test
            else:
                self.train_accuracy = self.test_accuracy = None
        if not (math.isfinite(self.train_loss) and math.isfinite(self.test_loss)
                and np.isfinite(self.network.params).all()):
            self.diverged = True

    def _evaluate_any(self, n: int) -> None:
        with np.errstate(all="ignore"):
            if self._engine == "reference":
                a, losses = self._reference_losses()
            else:
                z, outs = self.network.forward(self._all_x)
                a = outs[-1]
                losses = self.head.example_losses(z, a, self._all_t)
            self.train_loss = float(losses[:n].sum() / n) if n else math.nan
            n_test = losses.size - n
            self.test_loss = float(losses[n:].sum() / n_test) if n_test else math.nan
            if self._config.problem == "classification":
                correct = self.head.correct(a, self._all_y)
                self.train_accuracy = float(correct[:n].mean()) if n else math.nan
                self.test_accuracy = float(correct[n:].mean()) if n_test else math.nan
            else:
                self.train_accuracy = self.test_accuracy = None
        finite = ((n == 0 or math.isfinite(self.train_loss))
                  and (n_test == 0 or math.isfinite(self.test_loss))
                  and bool(np.isfinite(self.network.params).all()))
        if not finite:
            self.diverged = True

    def one_blas_thread(self):
        """A context manager holding BLAS to one thread: on these tiny matrices a second
        thread costs 10x (``with trainer.one_blas_thread(): ...``)."""
        if self._controller is None:
            self._controller = _blas_controller()
        return self._controller.limit(limits=1, user_api="blas")

    _one_blas_thread = one_blas_thread

    # -- for an engine that trains this trainer's network from outside ------------------
    # (nbplayground.stacked trains K trainers in one pass: it reads these arrays, keeps
    # the buffers in its own stacked ones, and closes each epoch here; the trainer stays
    # the state)

    def training_arrays(self) -> "TrainingArrays":
        """The arrays an epoch trains and evaluates on (read them, never write them)."""
        return TrainingArrays(self._train_x, self._all_x, self._all_y, self._n_train)

    @property
    def carry_count(self) -> int:
        """How many training examples' summed gradient waits in :attr:`carry` for the
        next epoch's first batch (the leftover ``n_train % batch_size`` of each epoch,
        docs/playground.md §7.3).  An engine that updates from :attr:`carry` itself
        sets it (to 0 after that update, or to the new count after an epoch)."""
        return self._carry_count

    @carry_count.setter
    def carry_count(self, count: int) -> None:
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f"carry_count={count!r}: must be an integer >= 0")
        self._carry_count = int(count)

    @property
    def carry(self) -> np.ndarray:
        """The carried summed gradient (flat, in the parameter layout), valid while
        :attr:`carry_count` > 0 (read it; :meth:`use_buffers` moves it)."""
        return self._carry

    @property
    def mid_epoch(self) -> bool:
        """True when :meth:`step_batch` stopped inside an epoch (the next step ends it)."""
        return self._batch != 0

    @property
    def update_kind(self) -> str:
        """How one weight update from a summed gradient of ``count`` examples is made:

        * ``"plain"``: Playground's rule, ``params -= (learning_rate / count) * sum``
          (SGD without momentum or decay, no regularization, no dead link);
        * ``"optimizer"``: the gradient times ``1.0 / count``, then
          ``optimizer.step(params, gradient)``, nothing else;
        * ``"full"``: regularization or L1's dead links too: only
          :meth:`apply_gradient` makes it.
        """
        if self._regularizing() or self._any_dead:
            return "full"
        return "plain" if self._plain_sgd(self._optimizer) else "optimizer"

    def use_buffers(self, params: np.ndarray, gradient: np.ndarray, carry: np.ndarray,
                    carry_scratch: np.ndarray) -> None:
        """Keep the parameters, the summed gradient and the carried gradient (and its
        scratch) in these flat arrays of ``network.size`` from now on, e.g. rows of an
        engine's stacked buffers.  The parameters and the carried gradient are copied
        in; the compiled tapes are rebuilt on the next step."""
        size = self.network.size
        for name, a in (("params", params), ("gradient", gradient), ("carry", carry),
                        ("carry_scratch", carry_scratch)):
            if not isinstance(a, np.ndarray) or a.shape != (size,) or a.dtype != np.float64:
                raise ValueError(f"use_buffers: {name} must be a float64 array of shape "
                                 f"({size},), got {getattr(a, 'shape', type(a).__name__)}")
        np.copyto(carry, self._carry)
        self.network.use_params(params)
        self._grad, self._carry, self._carry_tmp = gradient, carry, carry_scratch
        self._tapes_stale = True
        self._program = None

    def apply_gradient(self, count: int) -> None:
        """One weight update from the summed gradient of ``count`` examples waiting in
        the gradient buffer, by this trainer's rule (:attr:`update_kind`,
        docs/playground.md §6.7)."""
        self._update(count)

    def end_epoch(self, losses=None, diverged: bool = False) -> None:
        """Close an epoch an outside engine trained: count it, take its losses, append
        the history row.  ``losses`` is ``(train_loss, test_loss, train_accuracy,
        test_accuracy)`` computed with this trainer's formulas (accuracies None for
        regression), ``diverged`` whether they or the weights are not finite; with
        ``losses=None`` the trainer evaluates its network itself."""
        self.epoch += 1
        self._carry_end = None
        if losses is None:
            self._evaluate(record=True)
            return
        self.train_loss, self.test_loss, self.train_accuracy, self.test_accuracy = losses
        nan = math.nan
        self.history.append(
            self.epoch, self.train_loss, self.test_loss,
            nan if self.train_accuracy is None else self.train_accuracy,
            nan if self.test_accuracy is None else self.test_accuracy)
        if diverged:
            self.diverged = True

    # -- one mini-batch at a time (the readable engine, nbplayground.reference) ------

    def explain_batch(self) -> _reference.BatchExplanation:
        """The next mini-batch stage by stage, without changing the trainer.

        Returns a :class:`~nbplayground.reference.BatchExplanation`: the batch's
        points, every layer's pre-activations, activations and deltas, the mean
        loss, the gradients of that loss, and the exact change the next
        :meth:`step_batch` makes to each weight and bias.  The first batch of an
        epoch also holds the points carried from the last epoch's leftover (its
        first ``carried`` rows): they were evaluated at these same weights, and
        the update averages over all the rows.  An epoch's leftover batch has
        ``applies_update=False``: its gradient is kept for the next epoch.  (Had
        the weights been edited or the data regenerated in between, the carried
        points' share of the gradient would still be the one kept, as in Playground.)
        """
        self.check_trainable()
        return self._reference_batch(commit=False)

    def step_batch(self) -> _reference.BatchExplanation:
        """Train one mini-batch: make the update :meth:`explain_batch` shows, and return it.

        The batch runs through :mod:`nbplayground.reference` whatever the engine
        (its numbers are the fast engine's, to rounding).

        When the batch is its epoch's last, the epoch counter, the losses and the
        history advance, so epochs made of ``step_batch()`` calls are the epochs
        :meth:`step` makes.  :meth:`step` called mid-epoch first finishes the
        current epoch (counted as one).  As in :meth:`step`, divergence is
        checked when an epoch ends, and stepping a diverged network raises
        :class:`DivergedError`.
        """
        self.check_trainable()
        if self.diverged:
            raise self._diverged_error()
        with self._one_blas_thread():
            return self._reference_batch(commit=True)

    def _reference_epoch(self) -> None:
        """One epoch (or the rest of the current one) batch by batch, by the reference."""
        if self._n_train == 0:
            self.epoch += 1
            self._evaluate(record=True)
            return
        epoch = self.epoch
        while self.epoch == epoch:
            self._reference_batch(commit=True, explain=False)

    def _reference_batch(self, commit: bool, explain: bool = True):
        """Run the next batch through :func:`nbplayground.reference.train_batch`:
        on the trainer's own state (``commit``) or on copies of it."""
        c, net, n = self._config, self.network, self._n_train
        batches = _reference.epoch_batches(n, c.batch_size)
        if not batches:
            raise ValueError("there are no training points to make a batch of")
        rows = batches[self._batch]
        applies = len(rows) == c.batch_size
        carried = self._carry_count if applies and self._batch == 0 else 0
        end = n if self._carry_end is None else self._carry_end
        positions = np.concatenate([np.arange(end - carried, end), rows]).astype(np.intp)
        labels = self.data.train_y[positions]
        state = (net.params, net.dead, self._optimizer, self._carry)
        if not commit:
            state = tuple(x.copy() for x in state)
        params, dead, optimizer, carry = state
        with np.errstate(all="ignore"):
            stages = _reference.train_batch(
                params, net.layer_sizes, c.activation, self.head,
                np.ascontiguousarray(self._train_x[:-1, positions].T),
                self.head.targets(labels).T, optimizer=optimizer, dead=dead,
                regularization=c.regularization, regularization_rate=c.regularization_rate,
                applies_update=applies, carried=carried, carry=carry,
                carry_count=self._carry_count)
        killed = stages.pop("killed")
        carry_count = stages.pop("carry_count")
        result = None
        if explain:
            result = _reference.BatchExplanation.build(
                epoch=self.epoch, batch=self._batch, batches_per_epoch=len(batches),
                applies_update=applies, carried=carried, indices=positions, labels=labels,
                **stages)
        if commit:
            self._carry_count = carry_count
            if killed.any():
                self._alive[killed] = 0.0
                self._reg_mask[killed] = 0.0
                self._any_dead = True
                self._program = None
            self._batch += 1
            if self._batch == len(batches):
                self._batch = 0
                self.epoch += 1
                self._evaluate(record=True)
        return result

    def _reference_losses(self):
        """The output (outputs, n) and each point's loss over all points, by the reference."""
        net = self.network
        weights, biases = _reference.unpack(net.params, net.layer_sizes)
        zs, outs = _reference.forward(weights, biases, self._all_x[:-1].T,
                                      self._config.activation, self.head)
        return outs[-1].T, _reference.loss(zs[-1], outs[-1], self._all_t.T, self.head)

    # -- Playground's buttons ----------------------------------------------------------

    def reset(self, same_weights: bool = False) -> None:
        """Epoch 0 with a new network (data kept), as Playground's reset button.

        The new weights are the next draws of the continuing stream, so they
        differ each time.  ``same_weights=True`` instead restarts from the
        weights this seed gives on a fresh load, so that two runs that differ
        only in a hyperparameter start from the same point.
        """
        if not isinstance(same_weights, (bool, np.bool_)):
            raise TypeError(f"same_weights={_r(same_weights)}: must be True or False")
        self._build(same_weights=same_weights)

    def regenerate(self) -> None:
        """New data under the same, still-training network (Playground's Regenerate).

        Draws a new seed from the stream, as Playground does, re-seeds and
        regenerates.  The epoch, the weights and any carried batch leftover stay.
        """
        new = self._clone()  # built aside and swapped in: a failure changes nothing
        seed = new_seed(new._rand)
        new._config = new._config.replace(seed=seed)
        new._rand = SeedRandom(seed)
        new._make_data()
        new.diverged = False
        new._evaluate(record=False)
        self.__dict__.clear()
        self.__dict__.update(new.__dict__)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Change the learning rate live: training continues with no reset."""
        self.apply(self._config.replace(learning_rate=learning_rate))

    def apply(self, config: Config, same_weights: bool = False) -> str:
        """Move to ``config``, doing what Playground does for each kind of change.

        Returns what happened: ``"none"``; ``"live"`` (applied to the running
        network: learning rate, optimizer settings, display fields);
        ``"reset"`` (a new network on the same data: activation, layers,
        features, batch size...); ``"regenerate"`` (new seed from the stream,
        new data and a new network: dataset, noise, ratio, problem); or
        ``"load"`` (a different seed: everything rebuilt as a page load with it).
        """
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        changed = self._config.diff(config)
        if not changed:
            return "none"
        # 1. the whole new state is checked before anything changes
        self._check_custom(config, changed)
        if not changed & (REGENERATE_FIELDS | RESET_FIELDS):
            self._make_optimizer(config)  # checks the optimizer's values; discarded
            self._config = config
            self._apply_live(changed)     # cannot fail now
            return "live"
        # 2. build into a copy that shares nothing mutable with this trainer, then swap
        new = self._clone()
        new._config = config
        if "seed" in changed:
            new._load(config)
            kind = "load"
        elif changed & REGENERATE_FIELDS:
            seed = new_seed(new._rand)
            new._config = config.replace(seed=seed)
            new._rand = SeedRandom(seed)
            new._make_data()
            new._build(same_weights=same_weights)
            kind = "regenerate"
        else:
            if "features" in changed:
                new._prepare_data()
            new._build(same_weights=same_weights)
            kind = "reset"
        self.__dict__.clear()
        self.__dict__.update(new.__dict__)
        return kind

    def check(self, config: Config) -> None:
        """Raise the error :meth:`apply` would raise for ``config`` on your own points
        (:func:`~nbplayground.custom_data.check_config`), changing nothing."""
        if not isinstance(config, Config):
            raise TypeError(f"config must be a Config, got {type(config).__name__}")
        self._check_custom(config, self._config.diff(config))

    def _check_custom(self, config: Config, changed) -> None:
        custom = self.custom_data
        if custom is None:
            return
        # the split in use may come from points added one by one (all training points):
        # only a change that splits again must leave a training point
        _custom.check_config(custom, config, trainable=False)
        if changed & REGENERATE_FIELDS and self._waiting is None:
            _custom.check_trainable(custom, config.train_percent)

    def _clone(self) -> "Trainer":
        """A trainer that shares this one's immutable parts and copies the parts a
        rebuild changes in place (the random stream and the history); the rebuild
        paths make every other part afresh, so this trainer stays as it is."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._rand = SeedRandom.from_state(self._rand.state())
        new.history = copy.deepcopy(self.history)
        return new

    def _apply_live(self, changed: frozenset) -> None:
        c = self._config
        self._program = None
        if "optimizer" in changed:
            old = self._optimizer
            self._optimizer = self._make_optimizer()
            self._optimizer.iterations = old.iterations
            return
        opt = self._optimizer
        opt.learning_rate = c.learning_rate
        opt.decay = c.decay
        for name in _optimizers.HYPERPARAMETERS[c.optimizer]:
            if name in changed and hasattr(c, name):
                value = getattr(c, name)
                if value is None:
                    value = _optimizers.DEFAULTS[c.optimizer][name]
                setattr(opt, name, value)

    # -- your own points ----------------------------------------------------------------

    def add_points(self, xy, labels, to: str = "train") -> None:
        """Add the points ``xy`` (m, 2) with ``labels`` (m,) to the data; training goes on.

        ``labels`` are in the engine's convention (:mod:`nbplayground.custom_data`): -1
        or +1 for two classes, the class number 0..K-1 for K classes, any finite
        number for regression.  ``to="train"`` (as ConvNetJS does) appends the points
        to the end of the fixed training order, ``to="test"`` to the test set.

        The network, the optimizer's state, the epoch counter and the history stay;
        the next epoch trains on the grown set (its batches are laid out afresh over
        it).  The losses and accuracies are evaluated on the new sets at once (the
        picture shows the new loss); the history records again at the next epoch.
        A batch leftover carried from the last epoch stays carried: its summed
        gradient joins the next epoch's first batch as it would have, and the new
        points come after the carried ones.  Added points join an epoch that
        :meth:`step_batch` stopped in the middle of.  :meth:`reset` starts over as
        usual (epoch 0, new weights) on the data as they now are, and
        :meth:`regenerate` shuffles and splits all of them again.

        The first points added to one of Playground's datasets turn the trainer's
        data into your own (:attr:`custom_data`: the dataset's training then test
        points, then the new ones; the split stays as it is), and ``config.dataset``
        follows :func:`~nbplayground.custom_data.check_config`'s rule for your own
        points (the problem's default name).

        Raises :class:`~nbplayground.custom_data.CustomDataError` (a ValueError;
        also a TypeError for wrong types) naming ``xy``, ``labels`` or ``to``: the
        shape, a coordinate beyond ``LIMIT_COORDINATE`` or not finite, a label that is
        not one of the classes or beyond ``LIMIT_LABEL``, more than ``LIMIT_POINTS`` points
        in all.  A refused
        edit leaves the trainer exactly as it was.
        """
        if to not in ("train", "test"):
            raise _custom.CustomDataError(f"to={_r(to)}: must be 'train' or 'test'", "to", to)
        base = self._editable_data()
        custom = _custom.add_points(base, xy, labels)   # checks the points and the limits
        if custom.n == base.n:
            return
        config = _custom.fit_config(custom, self._config, keep=("problem",), trainable=False)
        new_xy, new_y = custom.xy[base.n:], custom.labels[base.n:]
        d = self.data
        if to == "train":
            data = _datasets.Dataset(np.concatenate([d.train_x, new_xy]),
                                     np.concatenate([d.train_y, new_y]), d.test_x, d.test_y)
        else:
            data = _datasets.Dataset(d.train_x, d.train_y, np.concatenate([d.test_x, new_xy]),
                                     np.concatenate([d.test_y, new_y]))
        new = self._with_data(custom, config, data)
        if to == "train" and new._carry_count and new._carry_end is None:
            new._carry_end = self._n_train   # the carried points end where the old order did
        self._swap(new)

    def clear_points(self) -> None:
        """Remove every point: the data become an empty set of the same problem,
        classes and view domain, to fill with :meth:`add_points`.

        The network, the optimizer's state, the epoch counter and the history stay; a
        carried batch leftover is dropped (its points are gone) and an epoch that
        :meth:`step_batch` stopped in the middle of ends there (not counted).  Until
        the points can train (2 points, 2 classes, a training point) :attr:`trainable`
        is False and :meth:`step` raises, saying what is missing; the losses are NaN.
        """
        base = self._editable_data()
        empty = _custom.CustomData(np.zeros((0, 2)), np.zeros(0), base.problem,
                                   base.num_classes, base.class_names, base.domain)
        config = _custom.fit_config(empty, self._config, keep=("problem",), trainable=False)
        data = _datasets.Dataset(np.zeros((0, 2)), np.zeros(0), np.zeros((0, 2)), np.zeros(0))
        new = self._with_data(empty, config, data)
        new._carry_count = 0
        new._carry_end = None
        new._batch = 0
        self._swap(new)

    def _editable_data(self):
        """The points :meth:`add_points` adds to: your own, or Playground's dataset's
        (training then test points) as your own, in its view domain."""
        if self.custom_data is not None:
            return self.custom_data
        return _custom.from_dataset(self.data, self._config.problem, self.num_classes,
                                    self.domain)

    def _with_data(self, custom, config: Config, data) -> "Trainer":
        """A shallow copy of this trainer on other (checked) data: same network,
        optimizer, epoch and history; its losses evaluated on the new sets."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.custom_data = custom
        new._config = config
        new.data = data
        new._prepare_data()
        new._evaluate(record=False)
        return new

    def _swap(self, new: "Trainer") -> None:
        self.__dict__.clear()
        self.__dict__.update(new.__dict__)

    # -- edits -----------------------------------------------------------------------

    def set_weight(self, layer: int, dest: int, src: int, value: float) -> None:
        """Set the weight of the link ``src -> dest`` into weight layer ``layer``.

        No reset; a dead link keeps the new weight in the passes but is never
        updated again (docs/playground.md §6.8).
        """
        self._set(layer, dest, src, value, "weight")

    def set_bias(self, layer: int, node: int, value: float) -> None:
        """Set the bias of node ``node`` of weight layer ``layer`` (no reset)."""
        self._set(layer, node, None, value, "bias")

    def _set(self, layer, dest, src, value, what):
        network = self.network
        if not _is_int(layer) or not 0 <= layer < network.num_layers:
            raise WeightIndexError(f"layer={_r(layer)}: must be an integer 0..{network.num_layers - 1} "
                                   "(the weight layers, the output layer last)")
        n_out, cols = network.shapes[layer]
        node = "dest" if what == "weight" else "node"
        if not _is_int(dest) or not 0 <= dest < n_out:
            raise WeightIndexError(f"{node}={_r(dest)}: must be an integer 0..{n_out - 1} "
                                   f"(the nodes of weight layer {layer})")
        if src is not None and (not _is_int(src) or not 0 <= src < cols - 1):
            raise WeightIndexError(f"src={_r(src)}: must be an integer 0..{cols - 2} "
                                   f"(the nodes feeding weight layer {layer})")
        if isinstance(value, (str, bytes, bool, np.bool_)):
            raise TypeError(f"{what}={_r(value)}: must be a finite number, not {type(value).__name__}")
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"{what}={_r(value)}: must be a finite number") from None
        except (TypeError, ValueError):
            raise TypeError(f"{what}={_r(value)}: must be a finite number") from None
        if not math.isfinite(value):
            raise ValueError(f"{what}={value!r}: must be a finite number")
        network.params[network.index(layer, dest, src)] = value
        self._evaluate(record=False)

    # -- looking at it -----------------------------------------------------------------

    def predict(self, points) -> np.ndarray:
        """The network's output at ``points`` (n, 2): values on Playground's [-1, 1]
        scale for two classes and regression (n,), class probabilities (n, K) for K > 2."""
        try:
            pts = np.asarray(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"points={_r(points)}: must be numbers, shape (n, 2)") from None
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f"points must have shape (n, 2), got {pts.shape}")
        x = add_bias_row(_features.feature_matrix(pts, self._config.features))
        with np.errstate(all="ignore"):
            _, outs = self.network.forward(x)
            out = self.head.display(outs[-1]).copy()
        return out.T if self.head.outputs > 1 else out[0]

    @property
    def domain(self) -> tuple:
        """The view domain (xmin, xmax, ymin, ymax) of the grid: Playground's [-6, 6]²,
        or a square that fits the user's own data."""
        if self.custom_data is not None:
            return tuple(float(v) for v in self.custom_data.domain)
        return (DOMAIN[0], DOMAIN[1], DOMAIN[0], DOMAIN[1])

    def grid_points(self) -> np.ndarray:
        """The (DENSITY**2, 2) grid points, row-major with row 0 at the top (docs/playground.md §8.2)."""
        x0, x1, y0, y1 = self.domain
        xs = _grid_axis(x0, x1)
        ys = _grid_axis(y1, y0)  # row 0 at the top: y from max down to min
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def feature_grids(self) -> np.ndarray:
        """All seven input features on the grid: (7, H, W) float32 (selected or not)."""
        key = ("features", self.domain)
        cached = self._grid_cache.get(key)
        if cached is None:
            pts = self.grid_points()
            m = _features.feature_matrix(pts, _features.FEATURE_IDS)
            cached = np.ascontiguousarray(m.T.reshape(-1, DENSITY, DENSITY), dtype=np.float32)
            self._grid_cache = {key: cached}
        return cached

    def _grid_input(self) -> np.ndarray:
        key = ("input", self.domain, self._config.features)
        cached = self._grid_cache.get(key)
        if cached is None:
            idx = [_features.FEATURE_IDS.index(f) for f in self._config.features]
            grids = self.feature_grids()
            cached = np.ones((len(idx) + 1, DENSITY * DENSITY), dtype=np.float32)
            cached[:-1] = grids[idx].reshape(len(idx), DENSITY * DENSITY)
            self._grid_cache[key] = cached
        return cached

    def _grid_views(self) -> list:
        """Every non-input node on the grid, float32, as views of reused buffers."""
        x = self._grid_input()
        with self._one_blas_thread(), np.errstate(all="ignore"):
            _, outs = self.network.forward(x, dtype=np.float32)
        return [o.reshape(o.shape[0], DENSITY, DENSITY) for o in outs]

    def grid(self) -> list:
        """Every node's output on the 100x100 grid (docs/playground.md §8.2), float32.

        ``[inputs, hidden_1, ..., hidden_k, output]``, each ``(units, H, W)``
        with row 0 at y = +6.  ``inputs`` holds the selected features; the
        output is the raw output activation (see :meth:`frame` for display values).
        """
        layers = [o.copy() for o in self._grid_views()]
        idx = [_features.FEATURE_IDS.index(f) for f in self._config.features]
        return [self.feature_grids()[idx].copy()] + layers

    def frame(self, curve_points: int = 300) -> Frame:
        """A snapshot for drawing (see :class:`Frame`)."""
        layers = self._grid_views()
        with np.errstate(all="ignore"):
            out = self.head.display(layers[-1])
        output = out if self.head.outputs > 1 else out[0]
        if not self.diverged and not np.isfinite(output).all():
            # finite in float64 but beyond float32 on the grid: the picture cannot be
            # drawn, so the run counts as diverged in the very frame that shows it
            self.diverged = True
        net = self.network
        dead = net.views(net.dead)
        return Frame(
            epoch=self.epoch,
            train_loss=self.train_loss,
            test_loss=self.test_loss,
            train_accuracy=self.train_accuracy,
            test_accuracy=self.test_accuracy,
            diverged=self.diverged,
            output=output,
            hidden=layers[:-1],
            weights=[net.weights(l) for l in range(net.num_layers)],
            biases=[net.biases(l) for l in range(net.num_layers)],
            dead=[d[:, :-1] for d in dead],
            curve=self.history.sampled(curve_points),
        )


    # -- saving and export -----------------------------------------------------------

    def save(self, path) -> None:
        """Write config, weights, optimizer state and history to a JSON file
        (:func:`nbplayground.checkpoint.save`)."""
        from . import checkpoint  # here: checkpoint imports this module
        checkpoint.save(self, path)

    @staticmethod
    def load(path) -> "Trainer":
        """A trainer restored from :meth:`save`'s file, ready to continue training
        (:func:`nbplayground.checkpoint.load`)."""
        from . import checkpoint
        return checkpoint.load(path)

    @property
    def optimizer(self):
        """The live optimizer (its ``slots`` and ``iterations`` are training state: read them,
        do not write them)."""
        return self._optimizer

    def to_keras(self, **options) -> str:
        """Python code (numpy + Keras 3) that continues this run in Keras (see keras_export)."""
        from . import keras_export  # here: the engine does not need it to train
        return keras_export.to_keras(self, **options)

    # -- the whole state as plain data ---------------------------------------------------

    def __repr__(self) -> str:
        c = self._config
        net = (f"network {'-'.join(map(str, c.network_shape))} {c.activation}"
               if c.network_shape else "no hidden layer")
        diverged = ", diverged" if self.diverged else ""
        return (f"Trainer({c.dataset}, {net}, {c.optimizer} learning rate "
                f"{c.learning_rate:g}, seed {c.seed!r}: epoch {self.epoch}, train loss "
                f"{self.train_loss:.4g}, test loss {self.test_loss:.4g}{diverged})")

    def state(self) -> dict:
        """Everything needed to continue this run, as a plain JSON-able dict::

            {"config":    Config.to_dict(),
             "epoch":     int,
             "params":    the flat parameter buffer (network.py's layout),
             "dead":      flat indices of the links L1 regularization killed,
             "history":   History.to_dict(),
             "optimizer": Optimizer.state(),
             "carry":     {"count", "gradient"}: the batch leftover carried into the
                          next epoch (and "end", where the carried points end in the
                          training order, when points were added after them),
             "batch":     the next mini-batch within the epoch (after step_batch()),
             "engine":    "fast" or "reference",
             "random":    SeedRandom.state(),
             "losses":    {"train", "test"} now (checked by from_state),
             "data":      only with your own points: CustomData.to_dict() and the split}

        NaN and infinities are written as None.  :meth:`from_state` rebuilds a
        trainer that continues exactly as this one would.
        """
        net, opt = self.network, self._optimizer
        state = {
            "config": self._config.to_dict(),
            "epoch": int(self.epoch),
            "params": _json_floats(net.params),
            "dead": np.flatnonzero(net.dead).tolist(),
            "history": {k: _json_floats(v) for k, v in self.history.to_dict().items()},
            "optimizer": opt.state(),
            "carry": {
                "count": int(self._carry_count),
                "gradient": _json_floats(self._carry) if self._carry_count else None,
            },
            "batch": int(self._batch),
            "engine": self._engine,
            "random": self._rand.state(),
            "losses": {"train": _json_floats([self.train_loss])[0],
                       "test": _json_floats([self.test_loss])[0]},
        }
        if self._carry_end is not None and self._carry_count:
            state["carry"]["end"] = int(self._carry_end)
        if self.custom_data is not None:
            d = self.data
            state["data"] = {
                "custom": self.custom_data.to_dict(),
                "train_x": d.train_x.tolist(), "train_y": d.train_y.tolist(),
                "test_x": d.test_x.tolist(), "test_y": d.test_y.tolist(),
            }
        return state

    @classmethod
    def from_state(cls, state: dict) -> "Trainer":
        """The trainer :meth:`state` describes, ready to continue training.

        Every part is checked (the config, with its limits, before anything is
        built); a bad part raises :class:`StateError` (a ``ValueError``) whose
        message starts with the key (``params``, ``optimizer.slots.m``, ...).
        """
        return _restore(cls, state)


class WeightIndexError(IndexError, ValueError):
    """``set_weight``/``set_bias`` got a layer or node that does not exist (an IndexError
    for indexing, and a ValueError like every other refused input)."""


def check_epochs(epochs) -> int:
    """``epochs`` as an int if it is an integer >= 0 (int or NumPy integer, not a bool),
    else ValueError naming it: the epoch count of :meth:`Trainer.step`, ``Runs.step`` and
    ``study``."""
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs={_r(epochs)}: must be an integer >= 0")
    return int(epochs)


def check_seconds(seconds) -> float | None:
    """The time budget of :meth:`Trainer.step` and ``Runs.step``: None, or a real number
    >= 0 taken as Config takes numbers (int, float or NumPy scalar; not a bool, NaN or
    infinity), else a ValueError (also a TypeError for a wrong type) naming it."""
    if seconds is None:
        return None
    return check_real("seconds", seconds, "a finite number >= 0, or None for no time limit",
                      lambda x: x >= 0)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class StateError(ValueError):
    """A state dict (:meth:`Trainer.from_state`) with a bad part; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def _json_floats(values) -> list:
    """Floats for JSON: NaN and infinities become None (JSON has no such numbers)."""
    return [v if math.isfinite(v) else None for v in (float(x) for x in values)]


def _explicit_fields(config: Config) -> set:
    """The problem/dataset/loss fields of ``config`` that differ from their defaults."""
    out = set()
    if config.problem != "classification":
        out.add("problem")
    if config.dataset != DEFAULT_DATASET[config.problem]:
        out.add("dataset")
    if config.loss != Config(seed="0", problem=config.problem, dataset=config.dataset).loss:
        out.add("loss")
    return out


_STATE_KEYS = ("config", "epoch", "params", "dead", "history", "optimizer", "carry",
               "batch", "engine", "random", "losses", "data")


def _nested(prefix: str, exc: Exception) -> StateError:
    """``exc`` from a part's own check ("key: why" or "key=value: why"), as a
    StateError whose field is ``prefix.key``."""
    message = str(exc)
    match = re.match(r"([A-Za-z_][\w.]*)(?::|=)", message)
    if match and match.group(1) != "state":
        rest = message[len(match.group(1)):]
        return StateError(f"{prefix}.{match.group(1)}", rest[1:].lstrip()
                          if rest.startswith(":") else match.group(1) + rest)
    return StateError(prefix, message)


def _integer(value, field: str, low: int = 0, high: int = 2**53) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateError(field, f"{_r(value, 60)} is not an integer")
    if not low <= value <= high:
        raise StateError(field, f"{_r(value, 60)} is not in {low}..{high}")
    return value


def _floats(value, field: str, size: int | None = None) -> np.ndarray:
    """A list of numbers (None = NaN) as float64, of length ``size`` if given."""
    if not isinstance(value, list):
        raise StateError(field, f"expected a list of numbers, got {type(value).__name__}")
    if size is not None and len(value) != size:
        raise StateError(field, f"has {len(value)} values, expected {size}")
    for i, v in enumerate(value):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise StateError(field, f"item {i} is {_r(v, 60)}, not a number")
    try:
        return np.array([math.nan if v is None else float(v) for v in value],
                        dtype=np.float64).reshape(-1)
    except OverflowError:
        raise StateError(field, "holds an integer too large for a float") from None


def _mapping(value, field: str, keys=()) -> dict:
    if not isinstance(value, dict):
        raise StateError(field, f"expected an object, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise StateError(field, f"missing key(s) {', '.join(missing)}")
    return value


def _restore(cls, state) -> Trainer:
    """:meth:`Trainer.from_state`: check every part, build, then put the state in."""
    _mapping(state, "state", ("config", "epoch", "params", "dead", "history", "optimizer"))
    unknown = sorted(str(k) for k in state if k not in _STATE_KEYS)
    if unknown:
        raise StateError("state", f"unknown key(s) {', '.join(unknown)}")
    try:  # the config and its limits first: nothing is built for a refused one
        config = Config.from_dict(_mapping(state["config"], "config"))
    except (ValueError, TypeError) as exc:
        raise StateError("config", str(exc)) from None
    custom = None
    if state.get("data") is not None:
        block = _mapping(state["data"], "data", ("custom", "train_x", "train_y", "test_x",
                                                 "test_y"))
        try:
            custom = _custom.CustomData.from_dict(block["custom"])
        except (ValueError, TypeError) as exc:
            raise StateError("data.custom", str(exc)) from None
        try:  # a set being drawn (trainer.clear_points()) may not train yet
            _custom.check_config(custom, config, trainable=False)
        except (ValueError, TypeError) as exc:
            raise StateError("config", str(exc)) from None
    epoch = _integer(state["epoch"], "epoch")
    engine = state.get("engine", "fast")
    if engine not in ENGINES:
        raise StateError("engine", f"{_r(engine)} is not an engine; allowed: "
                         f"{', '.join(map(repr, ENGINES))}")

    data = None
    if custom is not None:
        block = state["data"]
        parts = {}
        for name in ("train", "test"):
            x = block[f"{name}_x"]
            if not isinstance(x, list) or any(not isinstance(p, list) or len(p) != 2
                                              for p in x):
                raise StateError(f"data.{name}_x", "expected a list of [x1, x2] points")
            xs = _floats([v for p in x for v in p], f"data.{name}_x").reshape(-1, 2)
            ys = _floats(block[f"{name}_y"], f"data.{name}_y", len(x))
            parts[name] = (xs, ys)
        if len(parts["train"][1]) + len(parts["test"][1]) != custom.n:
            raise StateError("data", f"the split holds {len(parts['train'][1])} + "
                             f"{len(parts['test'][1])} points but the data set has "
                             f"{custom.n}")
        data = _datasets.Dataset(parts["train"][0], parts["train"][1], parts["test"][0],
                                 parts["test"][1])

    if custom is None:
        trainer = cls(config, engine=engine)
    else:
        trainer = cls._unchecked(config, custom, engine)
        trainer.data = data
        trainer._prepare_data()   # the saved split (the points added since stay in place)
    batches = len(_reference.epoch_batches(trainer._n_train, config.batch_size))
    batch = _integer(state.get("batch", 0), "batch", 0, max(batches - 1, 0))
    net = trainer.network
    size = net.size
    sizes = "-".join(map(str, net.layer_sizes))
    params = state["params"]
    if isinstance(params, list) and len(params) != size:
        raise StateError("params", f"has {len(params)} values but the config's network "
                         f"(layer sizes {sizes}) has {size} parameters")
    params = _floats(params, "params", size)

    dead_list = state["dead"]
    if not isinstance(dead_list, list):
        raise StateError("dead", f"expected a list of parameter indices, got "
                         f"{type(dead_list).__name__}")
    dead = np.zeros(size, dtype=bool)
    for i, index in enumerate(dead_list):
        index = _integer(index, f"dead[{i}]", 0, size - 1)
        if net.weight_mask[index] == 0:
            raise StateError(f"dead[{i}]", f"index {index} is a bias; only links can die")
        dead[index] = True

    columns = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")
    history = _mapping(state["history"], "history", columns)
    rows = {k: _floats(history[k], f"history.{k}") for k in columns}
    if len({len(v) for v in rows.values()}) != 1:
        raise StateError("history", f"columns have different lengths "
                         f"{ {k: len(v) for k, v in rows.items()} }")

    optimizer = trainer._make_optimizer()
    try:
        optimizer.set_state(_mapping(state["optimizer"], "optimizer"), size)
    except (ValueError, TypeError) as exc:
        raise _nested("optimizer", exc) from None

    carry_count, carry, carry_end = 0, None, None
    if state.get("carry") is not None:
        block = _mapping(state["carry"], "carry", ("count", "gradient"))
        carry_count = _integer(block["count"], "carry.count")
        if carry_count:
            if block["gradient"] is None:
                raise StateError("carry.gradient", f"missing while carry.count={carry_count}")
            carry = _floats(block["gradient"], "carry.gradient", size)
        if block.get("end") is not None:
            carry_end = _integer(block["end"], "carry.end", carry_count, trainer._n_train)

    rand = None
    if state.get("random") is not None:
        try:
            rand = SeedRandom.from_state(state["random"])
        except (ValueError, TypeError) as exc:
            raise _nested("random", exc) from None

    # every part checked: put them in (the trainer is new; nobody else holds it)
    np.copyto(net.params, params)
    np.copyto(net.dead, dead)
    alive = (~dead).astype(np.float64)
    np.copyto(trainer._alive, alive)
    np.multiply(net.weight_mask, alive, out=trainer._reg_mask)
    trainer._any_dead = bool(dead.any())
    trainer.epoch = epoch
    trainer.history.clear()
    for row in zip(*(rows[k] for k in columns)):
        trainer.history.append(*row)
    trainer._optimizer = optimizer
    trainer._carry_count = carry_count
    trainer._batch = batch
    if carry is not None:
        np.copyto(trainer._carry, carry)
    trainer._carry_end = carry_end
    if rand is not None:
        trainer._rand = rand
    trainer._program = None
    trainer._tapes_stale = True
    trainer.diverged = False
    trainer._all_t = None
    trainer._evaluate(record=False)

    saved = state.get("losses")
    # mid-epoch (after step_batch) the shown losses are the last epoch's, not the
    # current weights': the data check needs an epoch boundary
    if isinstance(saved, dict) and batch == 0:
        for name, now in (("train", trainer.train_loss), ("test", trainer.test_loss)):
            then = saved.get(name)
            if isinstance(then, (int, float)) and not isinstance(then, bool) \
                    and math.isfinite(then) and math.isfinite(now) \
                    and not math.isclose(then, now, rel_tol=1e-9, abs_tol=1e-12):
                raise StateError(
                    f"losses.{name}", f"the state says {then!r} but the restored trainer "
                    f"gives {now!r}: its data differ from the ones it was saved with")
    return trainer


def _blas_controller():
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()
