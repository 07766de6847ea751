"""K trainers of one network shape stepped together: one pass of batched NumPy calls per batch.

A :class:`StackedGroup` takes K :class:`~nbplayground.Trainer` objects whose networks have
the same layer sizes, hidden activation and output head, and which update after the same
number of points (batch size, training-set size and carried leftover).  Their parameters
move into one ``(K, size)`` buffer ``P`` (row ``k`` in trainer ``k``'s flat layout, see
:mod:`nbplayground.network`), and each trainer's network is rebound to *view* its row: the
trainers stay the state (weights, optimizer slots, dead links, history), the group only
computes.  So ``trainer.network.params is P[k]`` and any trainer can be looked at (or
exported) at any time with nothing to copy back.

Per mini-batch, the forward and backward passes are the trainer's tape with every 2-D
product ``W[l] @ a`` replaced by one batched product over the K runs::

    z_l (K, n_out, b) = W_l (K, n_out, n_in + 1) @ [a_{l-1}; 1] (K, n_in + 1, b)

each run with its own batch of its own points.  Elementwise ops (activations, the output
head) are the very ops of :mod:`nbplayground.activations` and :mod:`nbplayground.losses`,
on (K, ., b) arrays.  The update is Playground's, per run:

* runs on plain SGD (no momentum, no decay, no regularization, no dead link) in two calls
  for all of them: ``G *= lr_k / count`` (a (K, 1) column of per-run factors, the same
  Python floats the trainer computes) and ``P -= G``;
* any other run through its own trainer's ``_update(count)``, on its row of ``P`` and ``G``
  (the optimizer, the regularization step and L1's dead links are the trainer's code).

The epoch's leftover points are carried into the next epoch's first batch as the trainer
does (spec 7.3).  After the epoch, the losses of Playground's heads (squared loss, one
output) are computed for all K runs in a handful of calls; other heads use each trainer's
own evaluation.
"""

from __future__ import annotations

import math
import operator
from collections import deque
from itertools import starmap

import numpy as np

_CALL = getattr(operator, "call", None)  # Python >= 3.11
_copyto = getattr(np.copyto, "_implementation", np.copyto)


def _run(calls) -> None:
    if _CALL is not None:
        deque(starmap(_CALL, calls), maxlen=0)
    else:
        for fn, *args in calls:
            fn(*args)


def group_key(trainer) -> tuple:
    """Trainers with equal keys can be stacked into one :class:`StackedGroup`."""
    c = trainer.config
    n_total = trainer._all_x.shape[1]
    return (trainer.network.layer_sizes, trainer.network.activation.name, trainer.head,
            c.batch_size, trainer._n_train, n_total, trainer._carry_count)


def _plain_sgd(trainer) -> bool:
    """Does this trainer's update take Playground's two-call SGD rule?"""
    return (trainer._plain_sgd(trainer._optimizer) and not trainer._regularizing()
            and not trainer._any_dead)


def _softmax_ops(z, a, scratch):
    """Softmax over axis 1 (the output nodes) of (K, outputs, b), shifted by the max."""
    def col_max(z, out):
        np.max(z, axis=1, keepdims=True, out=out)

    def col_sum(a, out):
        np.sum(a, axis=1, keepdims=True, out=out)
    return [(col_max, (z, scratch)), (np.subtract, (z, scratch, a)), (np.exp, (a, a)),
            (col_sum, (a, scratch)), (np.divide, (a, scratch, a))]


class Solo:
    """A run that nothing else stacks with: its own trainer's epoch."""

    def __init__(self, trainer):
        self.trainers = [trainer]
        self.K = 1

    def still_valid(self) -> bool:
        return not self.trainers[0].diverged

    def epoch(self) -> bool:
        t = self.trainers[0]
        if t._tapes_stale:
            t._build_tapes()
        t._epoch()
        return t.diverged


def make_groups(trainers) -> list:
    """The trainers that have not diverged, as stacked groups (and solos), in order."""
    buckets: dict = {}
    for t in trainers:
        if not t.diverged:
            buckets.setdefault(group_key(t), []).append(t)
    return [StackedGroup(ts) if len(ts) > 1 else Solo(ts[0]) for ts in buckets.values()]


class StackedGroup:
    """K compatible trainers (see :func:`group_key`) trained one epoch at a time together."""

    def __init__(self, trainers):
        self.trainers = list(trainers)
        K = self.K = len(self.trainers)
        t0 = self.trainers[0]
        net0 = t0.network
        self.sizes = net0.layer_sizes
        self.shapes = net0.shapes
        self.offsets = net0.offsets
        self.size = size = net0.size
        self.activation = net0.activation
        self.head = t0.head
        self.batch_size = t0.config.batch_size
        self.n_train = t0._n_train
        self.carry_count = t0._carry_count
        # the stacked state: rows are the trainers' buffers from now on
        self.P = np.empty((K, size))
        self.G = np.zeros((K, size))
        self.C = np.zeros((K, size))
        self.C_tmp = np.zeros((K, size))
        self.rows = []
        for k, t in enumerate(self.trainers):
            self.P[k] = t.network.params
            self.C[k] = t._carry
            self._rebind(t, k)
        self.W = self._views(self.P)
        self.Gv = self._views(self.G)
        self._data = [t.data for t in self.trainers]
        self._configs = [t.config for t in self.trainers]
        plain = [_plain_sgd(t) for t in self.trainers]
        self.plain = [k for k in range(K) if plain[k]]
        self.own = [self.trainers[k] for k in range(K) if not plain[k]]
        self._lr = np.array([[t._optimizer.learning_rate if plain[k] else 0.0]
                             for k, t in enumerate(self.trainers)])
        self._scale = np.empty((K, 1))
        self._build_batches()
        self._build_eval()

    # -- binding the trainers to the stacked buffers ---------------------------------------

    def _rebind(self, t, k) -> None:
        net = t.network
        row = self.P[k]
        net.params = row
        net.W = net.views(row)
        net._eval_cache.clear()
        t._grad = self.G[k]
        t._carry = self.C[k]
        t._carry_tmp = self.C_tmp[k]
        t._tapes_stale = True  # the trainer's own tapes (if it steps alone) see the rows
        t._program = None
        self.rows.append(row)

    def still_valid(self) -> bool:
        """False when a trainer was changed behind the group's back (stepped alone,
        reset, regenerated, given a new config or new weights buffer)."""
        for k, t in enumerate(self.trainers):
            if (t.network.params is not self.rows[k] or t.data is not self._data[k]
                    or t.config is not self._configs[k] or t._carry_count != self.carry_count
                    or t.diverged):
                return False
        return True

    def _views(self, flat2d) -> list:
        """Per-layer (K, n_out, n_in + 1) views of a (K, size) buffer."""
        return [flat2d[:, a:b].reshape(self.K, *shape)
                for a, b, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]

    # -- compiling the epoch ---------------------------------------------------------------

    def _build_batches(self) -> None:
        K, bs, n = self.K, self.batch_size, self.n_train
        xs = np.stack([t._train_x for t in self.trainers])                     # (K, f+1, n)
        ts = np.stack([t.head.targets(t.data.train_y) for t in self.trainers])  # (K, out, n)
        full, left = divmod(n, bs)
        self.full_batches, self.leftover = full, left
        buffers: dict = {}
        calls = []
        for i in range(full):
            cols = slice(i * bs, (i + 1) * bs)
            xb = np.ascontiguousarray(xs[:, :, cols])
            tb = np.ascontiguousarray(ts[:, :, cols])
            calls += self._tape(xb, tb, self.Gv, buffers)
            calls.append((self._first_update,) if i == 0 else (self._update, bs))
        if left:
            xb = np.ascontiguousarray(xs[:, :, full * bs:])
            tb = np.ascontiguousarray(ts[:, :, full * bs:])
            calls += self._tape(xb, tb, self._views(self.C_tmp), buffers)
            calls.append((self._stash_leftover,))
        self.calls = calls
        self._scale_bs = np.empty((K, 1))
        np.divide(self._lr, bs, self._scale_bs)

    def _buffers(self, b):
        K, shapes = self.K, self.shapes
        last = len(shapes) - 1
        rows = [shapes[h][0] + 1 for h in range(last)]
        starts = np.cumsum([0] + [r * b for r in rows]).tolist()
        flat_acts = np.ones((K, starts[-1]))
        flat_derivs = np.empty((K, starts[-1]))
        acts, zs, deltas, d_acts, tmps, derivs = [], [], [], [], [], []
        for l, (n_out, _) in enumerate(shapes):
            if l < last:
                acts.append(flat_acts[:, starts[l]:starts[l + 1]].reshape(K, n_out + 1, b))
                derivs.append(flat_derivs[:, starts[l]:starts[l + 1]]
                              .reshape(K, n_out + 1, b)[:, :-1])
            else:
                acts.append(np.empty((K, n_out, b)))
            zs.append(np.empty((K, n_out, b)) if self.activation.needs_z else None)
            deltas.append(np.empty((K, n_out, b)))
            d_acts.append(np.empty((K, n_out, b)))
            tmps.append(np.empty((K, max(n_out, 1), b)))
        scratch = np.empty((K, 1, b))
        return acts, zs, deltas, d_acts, tmps, derivs, flat_acts, flat_derivs, scratch

    def _tape(self, x, t, grads, buffers) -> list:
        """The calls writing the K runs' summed batch gradients into ``grads`` (views)."""
        b = x.shape[2]
        bufs = buffers.get(b)
        if bufs is None:
            bufs = buffers[b] = self._buffers(b)
        acts, zs, deltas, d_acts, tmps, derivs, flat_acts, flat_derivs, scratch = bufs
        act, head, W = self.activation, self.head, self.W
        last = len(self.shapes) - 1
        ops = []
        prev = x
        for l in range(last + 1):
            if l < last:
                a = acts[l][:, :-1]
                z = zs[l] if act.needs_z else a
                ops.append((np.matmul, (W[l], prev, z)))
                ops += act.forward(z, a, tmps[l])
                prev = acts[l]
            else:
                out = acts[l]
                ops.append((np.matmul, (W[l], prev, out)))
                ops += self._head_forward(out, out, scratch)
        use_derivs = act.derivative is not None and last > 0
        if use_derivs:
            ops += act.derivative(flat_acts, flat_derivs)
        ops += head.delta_ops(acts[last], t, deltas[last], tmps[last])
        for l in range(last, -1, -1):
            below = x if l == 0 else acts[l - 1]
            ops.append((np.matmul, (deltas[l], below.transpose(0, 2, 1), grads[l])))
            if l > 0:
                ops.append((np.matmul, (W[l][:, :, :-1].transpose(0, 2, 1), deltas[l],
                                        d_acts[l - 1])))
                if use_derivs:
                    ops.append((np.multiply, (d_acts[l - 1], derivs[l - 1], deltas[l - 1])))
                else:
                    ops += act.backward(zs[l - 1], acts[l - 1][:, :-1], d_acts[l - 1],
                                        deltas[l - 1], tmps[l - 1])
        return [(fn, *args) for fn, args in ops]

    def _head_forward(self, z, a, scratch) -> list:
        if self.head.activation == "softmax":
            return _softmax_ops(z, a, scratch)
        return self.head.forward_ops(z, a, scratch)

    # -- the updates -----------------------------------------------------------------------

    def _first_update(self) -> None:
        """The epoch's first update, averaging in the examples carried from the last epoch."""
        if self.carry_count:
            np.add(self.G, self.C, self.G)
            count = self.batch_size + self.carry_count
            self.carry_count = 0
            for t in self.trainers:
                t._carry_count = 0
            scale = self._scale
            np.divide(self._lr, count, scale)
            self._apply(count, scale)
        else:
            self._apply(self.batch_size, self._scale_bs)

    def _update(self, count) -> None:
        self._apply(count, self._scale_bs)

    def _apply(self, count, scale) -> None:
        # the runs with their own rule first: they read their (unscaled) rows of G
        for t in self.own:
            t._update(count)
        if self.plain:
            # Playground's rule, w - (lr / count) * sum; rows of other runs get 0 * g
            # (their rows of G were used above) and so do not move
            np.multiply(self.G, scale, self.G)
            np.subtract(self.P, self.G, self.P)

    def _stash_leftover(self) -> None:
        if self.carry_count:
            np.add(self.C, self.C_tmp, self.C)
        else:
            np.copyto(self.C, self.C_tmp)
        self.carry_count += self.leftover
        for t in self.trainers:
            t._carry_count = self.carry_count

    # -- evaluation ------------------------------------------------------------------------

    def _build_eval(self) -> None:
        """The stacked forward pass over every point, for Playground's heads."""
        t0 = self.trainers[0]
        n, total = self.n_train, t0._all_x.shape[1]
        self.fast_eval = (self.head.loss == "squared" and self.head.outputs == 1
                          and 0 < n < total and self.size > 0)
        if not self.fast_eval:
            return
        K = self.K
        x = np.stack([t._all_x for t in self.trainers])                      # (K, f+1, N)
        self._eval_t = np.stack([t.head.targets(t._all_y) for t in self.trainers])
        self._positive = np.stack([(t._all_y > 0).reshape(1, -1) for t in self.trainers])
        bufs = self._buffers(total)
        acts, zs, _, _, tmps, _, _, _, scratch = bufs
        act, W = self.activation, self.W
        last = len(self.shapes) - 1
        ops = []
        prev = x
        for l in range(last + 1):
            if l < last:
                a = acts[l][:, :-1]
                z = zs[l] if act.needs_z else a
                ops.append((np.matmul, (W[l], prev, z)))
                ops += act.forward(z, a, tmps[l])
                prev = acts[l]
            else:
                ops.append((np.matmul, (W[l], prev, acts[l])))
                ops += self._head_forward(acts[l], acts[l], scratch)
        self._eval_calls = [(fn, *args) for fn, args in ops]
        self._eval_out = acts[last]                        # (K, 1, N)
        self._sq = np.empty((K, 1, total))
        self._hits = np.empty((K, 1, total), dtype=bool)
        self._classify = t0.config.problem == "classification"
        self._n_test = total - n

    def evaluate(self) -> None:
        """Losses (and accuracy) of every run after an epoch; history rows; divergence."""
        if not self.fast_eval:
            for t in self.trainers:
                t._evaluate(record=True)
            return
        _run(self._eval_calls)
        n, n_test = self.n_train, self._n_test
        sq = self._sq
        np.subtract(self._eval_out, self._eval_t, sq)
        np.multiply(sq, sq, sq)
        train = np.add.reduce(sq[:, 0, :n], axis=-1) * 0.5 / n
        test = np.add.reduce(sq[:, 0, n:], axis=-1) * 0.5 / n_test
        finite = np.isfinite(self.P).all(axis=1) & np.isfinite(train) & np.isfinite(test)
        if self._classify:
            hits = self._hits
            np.greater_equal(self._eval_out, 0.0, hits)
            np.equal(hits, self._positive, hits)
            acc_train = (np.count_nonzero(hits[:, 0, :n], axis=-1) / n).tolist()
            acc_test = (np.count_nonzero(hits[:, 0, n:], axis=-1) / n_test).tolist()
        else:
            acc_train = acc_test = [None] * self.K
        nan = math.nan
        for t, tr, te, a_tr, a_te, ok in zip(self.trainers, train.tolist(), test.tolist(),
                                             acc_train, acc_test, finite.tolist()):
            t.train_loss, t.test_loss = tr, te
            t.train_accuracy, t.test_accuracy = a_tr, a_te
            if not ok:
                t.diverged = True
            t.history.append(t.epoch, tr, te, nan if a_tr is None else a_tr,
                             nan if a_te is None else a_te)

    # -- one epoch -------------------------------------------------------------------------

    def epoch(self) -> bool:
        """Train every run of the group one epoch; True if one of them diverged."""
        _run(self.calls)
        full = self.full_batches
        for k in self.plain:
            self.trainers[k]._optimizer.iterations += full
        for t in self.trainers:
            t.epoch += 1
        self.evaluate()
        return any(t.diverged for t in self.trainers)
