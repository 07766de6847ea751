"""The multilayer perceptron over one flat parameter buffer.

Built for speed; to read how the network learns, start with
:mod:`nbplayground.reference`, the same network written stage by stage.

Layout
------
Layer ``l`` (0-based, from the inputs) maps ``n_in`` activations to ``n_out``
nodes.  Its parameters are one C-ordered block of the flat buffer ``params``,
viewed as a matrix ``W[l]`` of shape ``(n_out, n_in + 1)``: row ``j`` holds the
weights of the links *into* node ``j`` in source order, then node ``j``'s bias
in the last column.  Activations are stored *transposed*, one column per
example, with a row of ones appended, so the bias folds into the product::

    z_l = W[l] @ [a_{l-1}; 1]          shape (n_out, batch)

Row-major ``W[l]`` is also Playground's order of drawing the initial weights
(docs/playground.md §6.2: layer by layer, by destination node, then by source node).

Because every parameter lives in ``params`` (and every gradient in a buffer of
the same layout), an optimizer update is one vectorised call over the whole
network.  The per-batch forward and backward passes are compiled once into a
"tape": a list of ``(function, args)`` NumPy calls over preallocated buffers
(see :meth:`Network.tape`).  On matrices this small the cost is the number of
NumPy calls, not the arithmetic, so the tape does no allocation, no slicing and
no attribute lookups while training.

Backprop, per layer from the output down (E summed over the batch's columns)::

    delta_L   = dE/dz_L                       (the output head's formula)
    dE/dW[l]  = delta_l @ [a_{l-1}; 1]^T       (sum over the batch, bias included)
    dE/da_{l-1} = W[l][:, :-1]^T @ delta_l
    delta_{l-1} = dE/da_{l-1} * phi'(z_{l-1})
"""

from __future__ import annotations

import math
import operator
from collections import deque
from itertools import starmap

import numpy as np

from . import activations as _activations
from .losses import OutputHead

#: Initializers: Playground's, and Keras's names for the ones the chapter discusses.
INITIALIZERS = ("playground", "zeros", "random_normal", "glorot_uniform", "glorot_normal",
                "he_uniform", "he_normal")
#: What a menu shows for each initializer.
INITIALIZER_LABELS = {
    "playground": "Playground U(±0.5)", "zeros": "Zeros", "random_normal": "Random normal",
    "glorot_uniform": "Glorot uniform", "glorot_normal": "Glorot normal",
    "he_uniform": "He uniform", "he_normal": "He normal",
}
assert tuple(INITIALIZER_LABELS) == INITIALIZERS

# np.dot goes through NumPy's __array_function__ dispatcher, a Python-level call that
# costs about as much as the product of two 8x9 matrices.  The tape calls the C
# function behind it directly (NumPy >= 1.25 exposes it; older ones fall back).
_dot = getattr(np.dot, "_implementation", np.dot)
_copyto = getattr(np.copyto, "_implementation", np.copyto)
_CALL = getattr(operator, "call", None)  # Python >= 3.11


def run_calls(calls) -> None:
    """Run ``(fn, *args)`` rows with no Python bytecode between the calls."""
    if _CALL is not None:
        deque(starmap(_CALL, calls), maxlen=0)
    else:
        for fn, *args in calls:
            fn(*args)

# Keras draws its *_normal initializers from a normal truncated at 2 standard
# deviations, scaled up by 1/0.8796... so that the variance is the nominal one.
_TRUNCATED_NORMAL_STD = 0.87962566103423978


class Network:
    """A fully connected network ``layer_sizes = (inputs, *hidden, outputs)``.

    ``activation`` is the hidden layers' activation name; ``head`` the output
    activation and loss (:mod:`nbplayground.losses`).
    """

    def __init__(self, layer_sizes, activation: str = "tanh",
                 head: OutputHead | None = None):
        if head is None:
            head = OutputHead("squared", "tanh")
        sizes = tuple(int(s) for s in layer_sizes)
        if len(sizes) < 2 or sizes[0] < 0 or any(s < 1 for s in sizes[1:]):
            raise ValueError(f"layer_sizes={layer_sizes!r}: need (inputs >= 0, *hidden >= 1, "
                             "outputs >= 1)")
        if sizes[-1] != head.outputs:
            raise ValueError(f"layer_sizes={layer_sizes!r} ends in {sizes[-1]} outputs but the "
                             f"{head.activation} head has {head.outputs}")
        self.layer_sizes = sizes
        self.activation = _activations.get(activation)
        self.head = head
        self.shapes = [(n_out, n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        self.offsets = np.cumsum([0] + [r * c for r, c in self.shapes]).tolist()
        self.size = self.offsets[-1]
        self.params = np.zeros(self.size)
        self.W = self.views(self.params)
        # 1 for weights, 0 for biases (biases are never regularized), as a float mask
        self.weight_mask = np.ones(self.size)
        for w in self.views(self.weight_mask):
            w[:, -1] = 0.0
        #: links that L1 regularization has killed (docs/playground.md §6.7); never updated again
        self.dead = np.zeros(self.size, dtype=bool)
        self._eval_cache: dict = {}

    # -- structure ----------------------------------------------------------------

    @property
    def num_layers(self) -> int:
        """Number of weight layers (hidden layers + 1)."""
        return len(self.shapes)

    def views(self, flat: np.ndarray) -> list:
        """Per-layer ``(n_out, n_in + 1)`` views of a flat buffer in this layout."""
        return [flat[a:b].reshape(shape)
                for a, b, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes)]

    def use_params(self, params: np.ndarray) -> None:
        """Keep the parameters in ``params`` from now on (a flat float64 array of
        :attr:`size`, e.g. a row of an engine's stacked buffer); the current values are
        copied in, and :attr:`W` views it."""
        if not isinstance(params, np.ndarray) or params.shape != (self.size,) \
                or params.dtype != np.float64:
            raise ValueError(f"use_params: params must be a float64 array of shape "
                             f"({self.size},), got {getattr(params, 'shape', params)!r}")
        np.copyto(params, self.params)
        self.params = params
        self.W = self.views(params)
        self._eval_cache.clear()

    def weights(self, layer: int) -> np.ndarray:
        """View of the weights into layer ``layer + 1``: shape (n_out, n_in)."""
        return self.W[layer][:, :-1]

    def biases(self, layer: int) -> np.ndarray:
        """View of the biases of layer ``layer + 1``'s nodes: shape (n_out,)."""
        return self.W[layer][:, -1]

    def index(self, layer: int, dest: int, src: int | None) -> int:
        """Flat index of a link's weight (``src`` given) or a node's bias (``src=None``)."""
        n_out, cols = self.shapes[layer]
        col = cols - 1 if src is None else src
        if not (0 <= dest < n_out and 0 <= col < cols):
            raise IndexError(f"no {'bias' if src is None else 'link'} at layer={layer}, "
                             f"dest={dest}, src={src}")
        return self.offsets[layer] + dest * cols + col

    # -- initialization -------------------------------------------------------------

    def initialize(self, rand, scheme: str = "playground") -> None:
        """Draw fresh parameters from the stream ``rand`` (a callable giving [0, 1)).

        ``playground``: each weight ``r - 0.5``, one draw per link in layer,
        destination, source order; every bias 0.1 (docs/playground.md §6.2).  ``zeros``:
        Playground's initZero; the same draws happen, and all parameters are 0.
        The Keras schemes draw from the same stream (so a seed reproduces
        them) and start biases at 0, as Keras's ``bias_initializer='zeros'``.
        """
        if scheme not in INITIALIZERS:
            raise ValueError(f"init={scheme!r} is not an initializer; allowed: "
                             f"{', '.join(INITIALIZERS)}")
        self.dead[:] = False
        for w in self.W:
            n_out, n_in = w.shape[0], w.shape[1] - 1
            count = n_out * n_in
            fan_in, fan_out = max(n_in, 1), n_out
            if scheme in ("playground", "zeros"):
                values = [rand() - 0.5 for _ in range(count)]
                if scheme == "zeros":
                    values = [0.0] * count
                bias = 0.1 if scheme == "playground" else 0.0
            elif scheme in ("glorot_uniform", "he_uniform"):
                scale = 6.0 / (fan_in + fan_out if scheme == "glorot_uniform" else fan_in)
                limit = math.sqrt(scale)
                values = [rand() * (2 * limit) - limit for _ in range(count)]
                bias = 0.0
            else:
                if scheme == "random_normal":
                    values = [_normal(rand) for _ in range(count)]
                else:
                    scale = 2.0 / (fan_in + fan_out if scheme == "glorot_normal" else fan_in)
                    std = math.sqrt(scale) / _TRUNCATED_NORMAL_STD
                    values = [std * _truncated_normal(rand) for _ in range(count)]
                bias = 0.0
            w[:, :-1] = np.asarray(values, dtype=np.float64).reshape(n_out, n_in)
            w[:, -1] = bias

    # -- evaluation (any number of points) -------------------------------------------

    def forward(self, x_ext: np.ndarray, dtype=np.float64):
        """Every layer's output for the columns of ``x_ext``.

        ``x_ext`` is ``(inputs + 1, n)`` with a last row of ones.  Returns
        ``(zs, outs)``: lists over the weight layers of the pre-activations
        (only the output layer's is kept; hidden entries are None) and of the
        activations ``(units, n)``.  Buffers are reused between calls with the
        same ``n`` and dtype, so callers must copy what they keep.
        """
        n = x_ext.shape[1]
        key = (n, np.dtype(dtype).str)
        entry = self._eval_cache.get(key)
        if entry is None or entry[0] is not x_ext:
            if len(self._eval_cache) > 8:
                self._eval_cache.clear()
            entry = self._eval_cache[key] = (x_ext, *self._eval_tape(x_ext, dtype))
        _, calls, z_out, outs = entry
        run_calls(calls)
        return z_out, outs

    def _eval_tape(self, x_ext, dtype):
        """Compile the forward pass over the columns of ``x_ext`` (as :meth:`tape`
        does for training): the calls, the output's pre-activation and each layer's
        activation views."""
        n = x_ext.shape[1]
        acts, zs, z_out, tmp, scratch = self._eval_buffers(n, dtype)
        if np.dtype(dtype) == np.float64:
            weights, ops = self.W, []
        else:  # the grid runs in float32: copy the weights in as the first calls
            weights = [np.empty(w.shape, dtype=dtype) for w in self.W]
            ops = [(_copyto, (w32, w)) for w32, w in zip(weights, self.W)]
        prev = x_ext
        last = self.num_layers - 1
        for l, w in enumerate(weights):
            if l < last:
                a = acts[l][:-1]
                z = zs[l] if self.activation.needs_z else a
                ops.append((_dot, (w, prev, z)))
                ops += self.activation.forward(z, a, tmp[l])
                prev = acts[l]
            else:
                ops.append((_dot, (w, prev, z_out)))
                ops += self.head.forward_ops(z_out, acts[l], scratch)
        outs = [acts[l][:-1] if l < last else acts[l] for l in range(self.num_layers)]
        return [(fn, *args) for fn, args in ops], z_out, outs

    def _eval_buffers(self, n, dtype):
        last = self.num_layers - 1
        acts, zs, tmp = [], [], []
        for l, (n_out, _) in enumerate(self.shapes):
            rows = n_out + 1 if l < last else n_out
            a = np.empty((rows, n), dtype=dtype)
            if l < last:
                a[-1] = 1.0
            acts.append(a)
            zs.append(np.empty((n_out, n), dtype=dtype) if self.activation.needs_z else None)
            tmp.append(np.empty((n_out, n), dtype=dtype))
        z_out = np.empty((self.shapes[-1][0], n), dtype=dtype)
        scratch = np.empty((1, n), dtype=dtype)
        return acts, zs, z_out, tmp, scratch

    def gradient(self, x_ext: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Sum over the columns of the loss gradient, as a new flat array (for tests)."""
        grad = np.zeros(self.size)
        _activations.run(self.tape(x_ext, targets, grad))
        return grad

    # -- the training tape -----------------------------------------------------------

    def tape(self, x_ext: np.ndarray, targets: np.ndarray, grad: np.ndarray,
             buffers: dict | None = None) -> list:
        """The NumPy calls that write the batch's summed gradient into ``grad``.

        ``x_ext`` (inputs + 1, b) and ``targets`` (outputs, b) are the batch's
        columns; ``grad`` a flat buffer in the parameter layout, overwritten.
        ``buffers`` maps a batch width to its preallocated work buffers, so tapes
        for many batches of one width share them.
        """
        b = x_ext.shape[1]
        if buffers is None:
            buffers = {}
        bufs = buffers.get(b)
        if bufs is None:
            bufs = buffers[b] = self._tape_buffers(b)
        acts, zs, deltas, d_acts, tmps, bufs_3d, deriv_bufs = bufs
        grads = self.views(grad)
        act = self.activation
        last = self.num_layers - 1
        ops = []
        # forward
        prev = x_ext
        for l in range(self.num_layers):
            if l < last:
                a = acts[l][:-1]
                if act.needs_z:
                    ops.append((_dot, (self.W[l], prev, zs[l])))
                    ops += act.forward(zs[l], a, tmps[l])
                else:
                    ops.append((_dot, (self.W[l], prev, a)))
                    ops += act.forward(a, a, tmps[l])
                prev = acts[l]
            else:
                out = acts[l]
                ops.append((_dot, (self.W[l], prev, out)))
                ops += self.head.forward_ops(out, out, tmps[l][:1])
        # phi'(z) of every hidden layer from its activation, all layers in one go:
        # the hidden activations share one flat buffer (tanh: g = 1 - a^2)
        derivs = None
        if act.derivative is not None and last > 0:
            flat_acts, flat_derivs = bufs_3d["flat"]
            ops += act.derivative(flat_acts, flat_derivs)
            derivs = [deriv_bufs[h][:-1] for h in range(last)]
        # backward
        ops += self.head.delta_ops(acts[last], targets, deltas[last], tmps[last])
        runs = self._equal_runs()
        run_start = {i: j for i, j in runs}
        in_run = {l for i, j in runs for l in range(i, j + 1)}
        for l in range(last, -1, -1):
            below = x_ext if l == 0 else acts[l - 1]
            if l not in in_run:
                ops.append((_dot, (deltas[l], below.T, grads[l])))
            if l > 0:
                ops.append((_dot, (self.W[l][:, :-1].T, deltas[l], d_acts[l - 1])))
                if derivs is not None:
                    ops.append((np.multiply, (d_acts[l - 1], derivs[l - 1], deltas[l - 1])))
                else:
                    ops += act.backward(zs[l - 1], acts[l - 1][:-1], d_acts[l - 1],
                                        deltas[l - 1], tmps[l - 1])
            if l in run_start:
                # every delta of the run is known now: one batched product for all
                # of its layers' gradients (contiguous in the flat buffer)
                i, j = l, run_start[l]
                ops.append((np.matmul, (bufs_3d[(i, "delta")],
                                        bufs_3d[(i, "act")].transpose(0, 2, 1),
                                        grad[self.offsets[i]:self.offsets[j + 1]].reshape(
                                            j - i + 1, *self.shapes[i]))))
        return ops

    def _equal_runs(self) -> list:
        """Maximal runs (i, j) of weight layers i..j (i >= 1, j < last when hidden) with
        identical shapes: their gradients are one batched matmul."""
        runs, l = [], 1
        n = self.num_layers
        while l < n:
            j = l
            while j + 1 < n and self.shapes[j + 1] == self.shapes[l]:
                j += 1
            if j > l:
                runs.append((l, j))
            l = j + 1
        return runs

    def _tape_buffers(self, b):
        last = self.num_layers - 1
        # the hidden layers' activations (with their rows of ones) live one after
        # another in one flat buffer, and so do their derivatives: one call covers
        # every layer, and a run of equal layers is a 3-D view of a stretch of it
        rows = [self.shapes[h][0] + 1 for h in range(last)]
        starts = np.cumsum([0] + [r * b for r in rows]).tolist()
        flat_acts = np.ones(starts[-1])
        flat_derivs = np.empty(starts[-1])
        acts, zs, deltas, d_acts, tmps, deriv_bufs = [], [], [], [], [], []
        for l, (n_out, _) in enumerate(self.shapes):
            if l < last:
                span = slice(starts[l], starts[l + 1])
                acts.append(flat_acts[span].reshape(n_out + 1, b))
                deriv_bufs.append(flat_derivs[span].reshape(n_out + 1, b))
            else:
                acts.append(np.empty((n_out, b)))
            zs.append(np.empty((n_out, b)) if self.activation.needs_z else None)
            deltas.append(np.empty((n_out, b)))
            d_acts.append(np.empty((n_out, b)))
            tmps.append(np.empty((max(n_out, 1), b)))
        bufs_3d = {"flat": (flat_acts, flat_derivs)}
        for i, j in self._equal_runs():
            n_out, cols = self.shapes[i]
            # inputs of layers i..j are hidden layers i-1..j-1: consecutive, equal
            a3 = flat_acts[starts[i - 1]:starts[j]].reshape(j - i + 1, cols, b)
            d3 = np.empty((j - i + 1, n_out, b))
            for k in range(j - i + 1):
                deltas[i + k] = d3[k]
            bufs_3d[(i, "act")] = a3
            bufs_3d[(i, "delta")] = d3
        return acts, zs, deltas, d_acts, tmps, bufs_3d, deriv_bufs


def _normal(rand) -> float:
    """A standard normal variate by Marsaglia's polar method (first variate)."""
    while True:
        v1 = 2.0 * rand() - 1.0
        v2 = 2.0 * rand() - 1.0
        s = v1 * v1 + v2 * v2
        if 0.0 < s <= 1.0:
            return v1 * math.sqrt(-2.0 * math.log(s) / s)


def _truncated_normal(rand) -> float:
    """A standard normal variate redrawn until it lies within 2 standard deviations."""
    while True:
        v = _normal(rand)
        if -2.0 <= v <= 2.0:
            return v


def add_bias_row(x: np.ndarray, dtype=np.float64) -> np.ndarray:
    """``(n, k)`` points -> the ``(k + 1, n)`` C-ordered column layout with a row of ones."""
    x = np.asarray(x)
    out = np.ones((x.shape[1] + 1, x.shape[0]), dtype=dtype)
    out[:-1] = x.T
    return out
