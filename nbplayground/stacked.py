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

each run with its own batch of its own points.  Work buffers are node-major, ``(units, K,
b)``, so that the elementwise ops (activations, the output head: the very ops of
:mod:`nbplayground.activations` and :mod:`nbplayground.losses`) each run as one contiguous
loop over all K runs, and the products see ``(K, units, b)`` transposed views.  The update
is Playground's, per run:

* one call scales every row of the summed gradients ``G`` by a (K, 1) column of per-run
  factors, the very Python floats the trainer computes: ``lr / count`` for runs on plain
  SGD (no momentum, decay, regularization or dead link), ``1.0 / count`` for the other
  unregularized runs;
* runs whose optimizers match (one class, the same hyperparameters and step count, e.g.
  seeds of one Adam setting) take ONE step of one optimizer over their (adjacent) rows,
  whose slots are the runs' slots side by side (each run's optimizer views its part);
* each of the other runs takes its own optimizer's ``step`` on its rows of ``P`` and ``G``
  (one small call per run: their optimizers differ);
* a regularized run (or one with dead links) goes through its own trainer's
  ``apply_gradient(count)`` (the regularization step and L1's dead links are the
  trainer's code);
* one call ``P -= G`` on the plain runs' rows.

The epoch's leftover points are carried into the next epoch's first batch as the trainer
does (docs/playground.md §7.3).  After the epoch, the losses and accuracies of all K runs come from one
stacked forward pass over every point and a handful of calls (the trainer's formulas).

The group uses only the trainers' and optimizers' public state: ``Trainer.training_arrays``,
``carry``/``carry_count``, ``update_kind``, ``use_buffers``, ``apply_gradient`` and
``end_epoch``; ``Network.use_params``; ``Optimizer.bind_slots``, ``scalars`` and
``set_scalars``.
"""

from __future__ import annotations

import numpy as np

from .network import run_calls as _run  # (fn, *args) rows, no Python between the calls


def group_key(trainer) -> tuple:
    """Trainers with equal keys can be stacked into one :class:`StackedGroup`."""
    arrays = trainer.training_arrays()
    return (trainer.network.layer_sizes, trainer.network.activation.name, trainer.head,
            trainer.config.batch_size, arrays.n_train, arrays.all_x.shape[1],
            trainer.carry_count)


def _stackable(trainer) -> bool:
    # a trainer whose points cannot train yet (clear_points) steps alone: its step raises
    return trainer.engine == "fast" and not trainer.mid_epoch and trainer.trainable


def stack_key(trainer) -> tuple:
    """Trainers with equal keys are stacked together.  A trainer on the readable engine,
    or stopped mid-epoch by ``step_batch()``, takes its own epoch."""
    return group_key(trainer) if _stackable(trainer) else ("solo", id(trainer))


#: Trainer.update_kind -> how the group updates that run (see the module docstring)
_KINDS = {"plain": "plain", "optimizer": "simple", "full": "own"}


def _update_kind(trainer) -> str:
    """How a trainer's update is made: "plain" (Playground's two-call SGD rule),
    "simple" (its optimizer's step, nothing else) or "own" (the trainer's
    ``apply_gradient``: regularization, dead links)."""
    return _KINDS[trainer.update_kind]


def _optimizer_key(opt):
    """Optimizers with equal keys can step as one over their runs' rows."""
    return (type(opt), tuple(opt.config().items()), tuple(opt.scalars().items()))


def _row_order(trainer):
    """Sort key of a group's rows: runs that may share an optimizer state side by side."""
    opt = trainer.optimizer
    return (opt.name, repr(opt.config()), opt.iterations)


def _km(a):
    """The (K, units, b) view of a node-major (units, K, b) buffer."""
    return a.transpose(1, 0, 2)


class Solo:
    """A run that nothing else stacks with: its own trainer's epoch."""

    def __init__(self, trainer):
        self.trainers = [trainer]
        self.K = 1

    def still_valid(self) -> bool:
        return not self.trainers[0].diverged

    def epoch(self) -> bool:
        t = self.trainers[0]
        t.step(1)
        return t.diverged


def make_groups(trainers) -> list:
    """The trainers that have not diverged, as stacked groups (and solos), in order."""
    buckets: dict = {}
    for t in trainers:
        if not t.diverged:
            # a trainer on the readable engine, or stopped mid-epoch by step_batch(),
            # takes its own epoch
            buckets.setdefault(stack_key(t), []).append(t)
    return [StackedGroup(ts) if len(ts) > 1 else Solo(ts[0]) for ts in buckets.values()]


class StackedGroup:
    """K compatible trainers (see :func:`group_key`) trained one epoch at a time together."""

    def __init__(self, trainers):
        # runs whose optimizers can step as one (see _shared_optimizers) on adjacent rows
        self.trainers = sorted(trainers, key=_row_order)
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
        self.n_train = t0.training_arrays().n_train
        self.carry_count = t0.carry_count
        # the stacked state: rows are the trainers' buffers from now on
        self.P = np.empty((K, size))
        self.G = np.zeros((K, size))
        self.C = np.zeros((K, size))
        self.C_tmp = np.zeros((K, size))
        self.rows = []
        for k, t in enumerate(self.trainers):
            row = self.P[k]
            t.use_buffers(row, self.G[k], self.C[k], self.C_tmp[k])
            self.rows.append(row)  # still_valid: the trainer still keeps its weights here
        self.W = self._views(self.P)
        self._data = [t.data for t in self.trainers]
        self._start_epochs = [t.epoch for t in self.trainers]
        self._done = 0  # epochs this group has made
        self._configs = [t.config for t in self.trainers]
        # three kinds of update (see the module docstring)
        kind = [_update_kind(t) for t in self.trainers]
        self.plain = [k for k in range(K) if kind[k] == "plain"]
        simple = [k for k in range(K) if kind[k] == "simple"]
        self.shared, simple = self._shared_optimizers(simple)
        self.simple = [(self.trainers[k].optimizer, self.P[k], self.G[k]) for k in simple]
        self.own = [t for k, t in enumerate(self.trainers) if kind[k] == "own"]
        self._plain_optimizers = [self.trainers[k].optimizer for k in self.plain]
        self._plain_mask = np.array([[k == "plain"] for k in kind])
        self._all_plain = len(self.plain) == K
        # per-run factors of the summed gradient: plain lr / count, simple 1 / count,
        # own 1 (the trainer scales its own row)
        self._lr = np.array([[t.optimizer.learning_rate if kind[k] == "plain" else 1.0]
                             for k, t in enumerate(self.trainers)])
        self._own_row = np.array([[k == "own"] for k in kind])
        self._scale = np.empty((K, 1))
        self._build_batches()
        self._build_eval()

    def _shared_optimizers(self, rows) -> tuple:
        """Runs (at ``rows``, adjacent) whose optimizers have one class, the same
        hyperparameters and the same step count step as ONE optimizer over their rows of
        ``P`` (contiguous): its update is elementwise, so each parameter gets exactly the
        ops its own optimizer would make.  Each run's optimizer keeps views of the shared
        slots, so it stays the state (``runs[i]`` can step alone or be saved).

        Returns ``([(optimizer, P rows, G rows, member optimizers)], rows left)``.
        """
        shared, left, i = [], [], 0
        S = self.size
        while i < len(rows):
            j = i + 1
            key = _optimizer_key(self.trainers[rows[i]].optimizer)
            while (j < len(rows) and rows[j] == rows[j - 1] + 1
                   and _optimizer_key(self.trainers[rows[j]].optimizer) == key):
                j += 1
            if j - i < 2 or S == 0:
                left += rows[i:j]
                i = j
                continue
            a, b = rows[i], rows[j - 1] + 1
            members = [self.trainers[k].optimizer for k in range(a, b)]
            first = members[0]
            combined = type(first)(**first.config())
            slots = np.zeros((len(first.slot_names), (b - a) * S))
            combined.bind_slots(slots)
            for n, m in enumerate(members):  # each keeps its values, in its part
                m.bind_slots(slots[:, n * S:(n + 1) * S])
            combined.set_scalars(first.scalars())
            shared.append((combined, self.P[a:b].reshape(-1), self.G[a:b].reshape(-1),
                           members))
            i = j
        return shared, left

    def still_valid(self) -> bool:
        """False when a trainer was changed behind the group's back (stepped alone,
        reset, regenerated, given a new config or new weights buffer)."""
        done = self._done
        for k, t in enumerate(self.trainers):
            if (t.epoch != self._start_epochs[k] + done
                    or t.network.params is not self.rows[k] or t.data is not self._data[k]
                    or t.config is not self._configs[k] or t.carry_count != self.carry_count
                    or t.diverged or not _stackable(t)):
                return False
        return True

    def _views(self, flat2d) -> list:
        """Per-layer (K, n_out, n_in + 1) views of a (K, size) buffer."""
        return [flat2d[:, a:b].reshape(self.K, *shape)
                for a, b, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]

    # -- compiling the epoch ---------------------------------------------------------------

    def _build_batches(self) -> None:
        K, bs, n = self.K, self.batch_size, self.n_train
        # node-major data: (features + 1, K, n) and (outputs, K, n)
        xs = np.stack([t.training_arrays().train_x for t in self.trainers], axis=1)
        ts = np.stack([t.head.targets(t.data.train_y) for t in self.trainers], axis=1)
        full, left = divmod(n, bs)
        self.full_batches, self.leftover = full, left
        self._scale_bs = self._factors(bs, np.empty((K, 1)))
        # after the first batch, each batch scales its gradients and, when every run is
        # on plain SGD, updates with one more call: no Python between the NumPy calls
        update = [(np.multiply, self.G, self._scale_bs, self.G)]
        if self._all_plain:
            update.append((np.subtract, self.P, self.G, self.P))
        else:
            update.append((self._step_scaled, bs))
        buffers: dict = {}
        calls = []
        for i in range(full):
            cols = slice(i * bs, (i + 1) * bs)
            xb = np.ascontiguousarray(xs[:, :, cols])
            tb = np.ascontiguousarray(ts[:, :, cols])
            calls += self._tape(xb, tb, self.G, buffers)
            calls += [(self._first_update,)] if i == 0 else update
        if left:
            xb = np.ascontiguousarray(xs[:, :, full * bs:])
            tb = np.ascontiguousarray(ts[:, :, full * bs:])
            calls += self._tape(xb, tb, self.C_tmp, buffers)
            calls.append((self._stash_leftover,))
        self.calls = calls

    def _buffers(self, b):
        """Work buffers for batches of ``b`` points, node-major: ``(units, K, b)``.

        Node-major keeps every elementwise op on one contiguous array (one SIMD loop
        over the K runs); the batched products see ``(K, units, b)`` transposed views,
        each run's slice a plain matrix with row stride ``K * b``.  The hidden layers'
        activations, with their rows of ones, follow one another in one flat buffer (and
        their derivatives in another), so one call covers every layer, as in the trainer.
        """
        K, shapes = self.K, self.shapes
        last = len(shapes) - 1
        rows = [shapes[h][0] + 1 for h in range(last)]
        starts = np.cumsum([0] + [r * K * b for r in rows]).tolist()
        flat_acts = np.ones(starts[-1])
        flat_derivs = np.empty(starts[-1])
        acts, zs, deltas, d_acts, tmps, derivs = [], [], [], [], [], []
        for l, (n_out, _) in enumerate(shapes):
            if l < last:
                acts.append(flat_acts[starts[l]:starts[l + 1]].reshape(n_out + 1, K, b))
                derivs.append(flat_derivs[starts[l]:starts[l + 1]]
                              .reshape(n_out + 1, K, b)[:-1])
            else:
                acts.append(np.empty((n_out, K, b)))
            zs.append(np.empty((n_out, K, b)) if self.activation.needs_z else None)
            deltas.append(np.empty((n_out, K, b)))
            d_acts.append(np.empty((n_out, K, b)))
            tmps.append(np.empty((max(n_out, 1), K, b)))
        scratch = np.empty((1, K, b))
        merged = {}
        for i, j in self._equal_runs():
            # layers i..j have one shape and their inputs (hidden layers i-1..j-1) are
            # consecutive blocks of flat_acts: one 4-D product gives all their gradients
            n_out, cols = shapes[i]
            a4 = flat_acts[starts[i - 1]:starts[j]].reshape(j - i + 1, cols, K, b)
            d4 = np.empty((j - i + 1, n_out, K, b))
            for m in range(j - i + 1):
                deltas[i + m] = d4[m]
            merged[i] = (j, d4.transpose(2, 0, 1, 3), a4.transpose(2, 0, 3, 1))
        return acts, zs, deltas, d_acts, tmps, derivs, flat_acts, flat_derivs, scratch, merged

    def _equal_runs(self) -> list:
        """Runs (i, j) of weight layers i..j (i >= 1) of one shape, as the trainer's."""
        runs, l, n = [], 1, len(self.shapes)
        while l < n:
            j = l
            while j + 1 < n and self.shapes[j + 1] == self.shapes[l]:
                j += 1
            if j > l:
                runs.append((l, j))
            l = j + 1
        return runs

    def _forward(self, x, bufs, z_out=None) -> list:
        """Forward calls for node-major inputs ``x`` (features + 1, K, b); the output's
        pre-activation goes to ``z_out`` if given (else the output is computed in place)."""
        acts, zs, _, _, tmps, _, _, _, scratch, _ = bufs
        act, W = self.activation, self.W
        last = len(self.shapes) - 1
        ops = []
        prev = _km(x)
        for l in range(last + 1):
            if l < last:
                a = acts[l][:-1]
                z = zs[l] if act.needs_z else a
                ops.append((np.matmul, (W[l], prev, _km(z))))
                ops += act.forward(z, a, tmps[l])
                prev = _km(acts[l])
            else:
                out = acts[l]
                z = out if z_out is None else z_out
                ops.append((np.matmul, (W[l], prev, _km(z))))
                # softmax's max and sum run over axis 0, the output nodes, as in the trainer
                ops += self.head.forward_ops(z, out, scratch)
        return ops

    def _tape(self, x, t, grads_flat, buffers) -> list:
        """The calls writing the K runs' summed batch gradients into ``grads_flat`` (K, size)."""
        grads = self._views(grads_flat)
        b = x.shape[2]
        bufs = buffers.get(b)
        if bufs is None:
            bufs = buffers[b] = self._buffers(b)
        acts, zs, deltas, d_acts, tmps, derivs, flat_acts, flat_derivs, _, merged = bufs
        act, W = self.activation, self.W
        last = len(self.shapes) - 1
        ops = self._forward(x, bufs)
        use_derivs = act.derivative is not None and last > 0
        if use_derivs:
            ops += act.derivative(flat_acts, flat_derivs)
        ops += self.head.delta_ops(acts[last], t, deltas[last], tmps[last])
        in_merged = {m for i, (j, _, _) in merged.items() for m in range(i, j + 1)}
        for l in range(last, -1, -1):
            below = _km(x if l == 0 else acts[l - 1])
            if l not in in_merged:
                ops.append((np.matmul, (_km(deltas[l]), below.transpose(0, 2, 1), grads[l])))
            if l > 0:
                if l == last and self.shapes[l][0] == 1:
                    # one output: W^T delta is an outer product, one multiply per element
                    ops.append((np.multiply, (W[l][:, 0, :-1].T[:, :, None], deltas[l],
                                              d_acts[l - 1])))
                else:
                    ops.append((np.matmul, (W[l][:, :, :-1].transpose(0, 2, 1),
                                            _km(deltas[l]), _km(d_acts[l - 1]))))
                if use_derivs:
                    ops.append((np.multiply, (d_acts[l - 1], derivs[l - 1], deltas[l - 1])))
                else:
                    ops += act.backward(zs[l - 1], acts[l - 1][:-1], d_acts[l - 1],
                                        deltas[l - 1], tmps[l - 1])
            if l in merged:
                # every delta of the run is known now
                j, d4, a4 = merged[l]
                a, b = self.offsets[l], self.offsets[j + 1]
                ops.append((np.matmul, (d4, a4, grads_flat[:, a:b].reshape(
                    self.K, j - l + 1, *self.shapes[l]))))
        return [(fn, *args) for fn, args in ops]

    # -- the updates -----------------------------------------------------------------------

    def _factors(self, count, out) -> np.ndarray:
        """The (K, 1) factors for an update from ``count`` examples: the same Python-float
        divisions the trainer makes (lr / count for plain SGD, 1.0 / count otherwise)."""
        np.divide(self._lr, count, out)
        np.copyto(out, 1.0, where=self._own_row)
        return out

    def _first_update(self) -> None:
        """The epoch's first update, averaging in the examples carried from the last epoch."""
        if self.carry_count:
            np.add(self.G, self.C, self.G)
            count = self.batch_size + self.carry_count
            self.carry_count = 0
            for t in self.trainers:
                t.carry_count = 0
            self._apply(count, self._factors(count, self._scale))
        else:
            self._apply(self.batch_size, self._scale_bs)

    def _apply(self, count, scale) -> None:
        np.multiply(self.G, scale, self.G)
        self._step_scaled(count)

    def _step_scaled(self, count) -> None:
        """The update from ``G`` already scaled by the per-run factors."""
        G = self.G
        for opt, params, grad, _ in self.shared:  # runs with one optimizer state, as one
            opt.step(params, grad)
        for opt, params, grad in self.simple:  # the trainer's update without its checks
            opt.step(params, grad)
        for t in self.own:                      # regularized or with dead links
            t.apply_gradient(count)
        if self.plain:
            # Playground's rule, w - (lr / count) * sum, on the plain runs' rows only
            if self._all_plain:
                np.subtract(self.P, G, self.P)
            else:
                np.subtract(self.P, G, out=self.P, where=self._plain_mask)

    def _stash_leftover(self) -> None:
        if self.carry_count:
            np.add(self.C, self.C_tmp, self.C)
        else:
            np.copyto(self.C, self.C_tmp)
        self.carry_count += self.leftover
        for t in self.trainers:
            t.carry_count = self.carry_count

    # -- evaluation ------------------------------------------------------------------------

    def _build_eval(self) -> None:
        """The stacked forward pass over every point (train then test, per run)."""
        t0 = self.trainers[0]
        arrays = [t.training_arrays() for t in self.trainers]
        n, total = self.n_train, arrays[0].all_x.shape[1]
        self.fast_eval = 0 < n < total and self.size > 0
        if not self.fast_eval:
            return
        K = self.K
        # the trainer's own rule for Playground's heads (squared loss, one output), its
        # general one (per-example losses of the head) for the others
        self._squared = self.head.loss == "squared" and self.head.outputs == 1
        x = np.stack([a.all_x for a in arrays], axis=1)                    # (f+1, K, N)
        self._eval_t = np.stack([t.head.targets(a.all_y)
                                 for t, a in zip(self.trainers, arrays)], axis=1)
        self._labels = np.stack([a.all_y for a in arrays])                  # (K, N)
        self._positive = (self._labels > 0).reshape(1, K, total)
        bufs = self._buffers(total)
        self._eval_z = None if self._squared else np.empty((self.head.outputs, K, total))
        self.eval_calls = [(fn, *args) for fn, args in self._forward(x, bufs, self._eval_z)]
        self._eval_out = bufs[0][-1]                       # (outputs, K, N)
        self._sq = np.empty((1, K, total))
        self._hits = np.empty((1, K, total), dtype=bool)
        self._classify = t0.config.problem == "classification"
        self._n_test = total - n

    def _losses(self) -> tuple:
        """Per-run (train loss, test loss, train accuracy, test accuracy) as lists."""
        n, n_test = self.n_train, self._n_test
        if self._squared:  # the trainer's rule for squared loss and one output
            sq = self._sq
            np.subtract(self._eval_out, self._eval_t, sq)
            np.multiply(sq, sq, sq)
            train = np.add.reduce(sq[0, :, :n], axis=-1) * 0.5 / n
            test = np.add.reduce(sq[0, :, n:], axis=-1) * 0.5 / n_test
            if self._classify:
                hits = self._hits
                np.greater_equal(self._eval_out, 0.0, hits)
                np.equal(hits, self._positive, hits)
                acc_train = (np.count_nonzero(hits[0, :, :n], axis=-1) / n).tolist()
                acc_test = (np.count_nonzero(hits[0, :, n:], axis=-1) / n_test).tolist()
                return train, test, acc_train, acc_test
        else:  # the trainer's general rule, the classes on axis 0 as there
            losses = self.head.example_losses(self._eval_z, self._eval_out, self._eval_t)
            train = np.add.reduce(losses[:, :n], axis=-1) / n
            test = np.add.reduce(losses[:, n:], axis=-1) / n_test
            if self._classify:
                correct = self.head.correct(self._eval_out, self._labels)
                acc_train = correct[:, :n].mean(axis=-1).tolist()
                acc_test = correct[:, n:].mean(axis=-1).tolist()
                return train, test, acc_train, acc_test
        return train, test, [None] * self.K, [None] * self.K

    def evaluate(self) -> bool:
        """The epoch's end for every run: epoch counter, losses (and accuracy), history
        row, divergence.  True if a run diverged."""
        if not self.fast_eval:
            diverged = False
            for t in self.trainers:
                t.end_epoch()
                diverged = diverged or t.diverged
            return diverged
        _run(self.eval_calls)
        train, test, acc_train, acc_test = self._losses()
        finite = np.isfinite(self.P).all(axis=1) & np.isfinite(train) & np.isfinite(test)
        for t, tr, te, a_tr, a_te, ok in zip(self.trainers, train.tolist(), test.tolist(),
                                             acc_train, acc_test, finite.tolist()):
            t.end_epoch((tr, te, a_tr, a_te), diverged=not ok)
        return not finite.all()

    # -- one epoch -------------------------------------------------------------------------

    def epoch(self) -> bool:
        """Train every run of the group one epoch; True if one of them diverged."""
        _run(self.calls)
        self._done += 1
        full = self.full_batches
        for opt in self._plain_optimizers:  # the others count their own steps
            opt.iterations += full
        for opt, _, _, members in self.shared:
            scalars = opt.scalars()
            for m in members:  # the scalar state the shared step advanced
                m.set_scalars(scalars)
        return self.evaluate()
