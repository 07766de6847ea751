"""The network written to be read: forward, loss, backward, update.

This module trains the same network as :mod:`nbplayground.network` and gets the
same numbers (the tests compare the two to 1e-10), but it is written for a
person, not for speed.  Each stage of learning is one plain function, in the
order they run, like ``forwardProp``, ``backProp`` and ``updateWeights`` in
TensorFlow Playground's ``nn.ts``:

1. :func:`forward`  -- push a batch of points through the layers.
2. :func:`loss`     -- how wrong each prediction is.
3. :func:`backward` -- how the loss changes with each node's input (the deltas),
   then with each weight and bias (:func:`gradients`).
4. :func:`update`   -- move the weights against the gradient (through an
   optimizer from :mod:`nbplayground.optimizers`), then apply the
   regularization step.

:func:`train_batch` runs the four stages on one mini-batch.  Nothing here is
compiled, cached or done in place except the update itself.  Read it from the
top.

Notation
--------
A batch holds ``B`` points, one per row.  Layer ``l`` (``l = 0`` is the first
hidden layer, the last one is the output layer) has a weight matrix ``W_l`` of
shape ``(n_out, n_in)`` (row ``j`` holds the weights of the links *into* node
``j``) and a bias vector ``b_l`` of shape ``(n_out,)``.  With ``a_{-1}`` the
inputs (the selected features), for every layer::

    z_l = a_{l-1} W_l^T + b_l        the pre-activation, (B, n_out)
    a_l = phi(z_l)                   the activation, (B, n_out)

``phi`` is the hidden activation (tanh, ReLU, ...) for the hidden layers and the
*output head's* activation for the last layer (see :mod:`nbplayground.losses`).

The whole training run
----------------------
The training points stay in one fixed, shuffled order.  An *epoch* walks
through them in batches of ``batch_size`` points and updates the weights after
each full batch.  When ``batch_size`` does not divide the number of points, the
last few points of the epoch (the *leftover*) do not make an update of their
own: their gradient is kept and they join the first batch of the next epoch,
whose update averages over all of them.  This is what Playground does
(:func:`epoch_batches` lists an epoch's batches).  The carried points were
evaluated at the very weights the next batch sees, because no update happens
in between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import activations as _activations
from .losses import OutputHead

# ---------------------------------------------------------------------------------
# The parameters
# ---------------------------------------------------------------------------------


def unpack(params: np.ndarray, layer_sizes) -> tuple[list, list]:
    """The weight matrices and bias vectors, as *views* of the flat ``params``.

    All parameters live in one flat array so that one optimizer call updates
    them all.  Layer by layer it holds an ``(n_out, n_in + 1)`` block, row ``j``
    being node ``j``'s incoming weights followed by its bias (the layout the
    trainer and its optimizer use).  Writing into the returned arrays writes
    into ``params``.
    """
    weights, biases, start = [], [], 0
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        block = params[start:start + n_out * (n_in + 1)].reshape(n_out, n_in + 1)
        weights.append(block[:, :-1])
        biases.append(block[:, -1])
        start += block.size
    return weights, biases


def pack(weights, biases) -> np.ndarray:
    """The inverse of :func:`unpack`: per-layer arrays into one new flat array."""
    return np.concatenate([np.column_stack([w, b]).ravel() for w, b in zip(weights, biases)])


def weight_mask(layer_sizes) -> np.ndarray:
    """A flat boolean array in the parameter layout: True for weights, False for biases."""
    sizes = tuple(layer_sizes)
    mask = np.zeros(sum(n_out * (n_in + 1) for n_in, n_out in zip(sizes[:-1], sizes[1:])),
                    dtype=bool)
    weights, _ = unpack(mask, sizes)
    for w in weights:
        w[...] = True
    return mask


# ---------------------------------------------------------------------------------
# 1. Forward
# ---------------------------------------------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


#: The derivative phi'(z) of each hidden activation in :mod:`nbplayground.activations`.
DERIVATIVES = {
    # tanh' = 1 - tanh^2
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    # ReLU's slope is 1 to the right of 0 and 0 elsewhere (0 at exactly 0, as Playground)
    "relu": lambda z: (z > 0).astype(np.float64),
    # sigma' = sigma (1 - sigma)
    "sigmoid": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "linear": lambda z: np.ones_like(z),
    # ELU: e^z - 1 on the left, whose slope is e^z
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, _activations.LEAKY_SLOPE),
    # softplus = ln(1 + e^z), whose slope is the sigmoid
    "softplus": _sigmoid,
    # swish = z sigma(z): product rule
    "swish": lambda z: _sigmoid(z) + z * _sigmoid(z) * (1.0 - _sigmoid(z)),
}


def output_activation(z: np.ndarray, head: OutputHead) -> np.ndarray:
    """The output layer's activation: tanh, linear, sigmoid or softmax.

    Softmax turns the K outputs of each point into probabilities that sum to 1,
    ``a_k = e^{z_k} / sum_m e^{z_m}``; subtracting the row's largest ``z``
    first changes nothing but keeps ``e^z`` from overflowing.
    """
    if head.activation == "tanh":
        return np.tanh(z)
    if head.activation == "linear":
        return z.copy()
    if head.activation == "sigmoid":
        return _sigmoid(z)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(weights, biases, inputs: np.ndarray, activation: str, head: OutputHead):
    """Every layer's pre-activations ``z_l`` and activations ``a_l`` for a batch.

    ``inputs`` is ``(B, n_features)``.  Returns two lists over the layers,
    the output layer last, each entry ``(B, units)``::

        z_l = a_{l-1} W_l^T + b_l
        a_l = phi(z_l)              (the output head's activation for the last layer)
    """
    phi = _activations.get(activation).function
    last = len(weights) - 1
    pre_activations, outputs = [], []
    a = inputs
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = a @ w.T + b
        a = output_activation(z, head) if l == last else phi(z)
        pre_activations.append(z)
        outputs.append(a)
    return pre_activations, outputs


# ---------------------------------------------------------------------------------
# 2. Loss
# ---------------------------------------------------------------------------------

def loss(z: np.ndarray, a: np.ndarray, targets: np.ndarray, head: OutputHead) -> np.ndarray:
    """Each point's loss ``E_i`` (shape ``(B,)``) from the output layer's ``z`` and ``a``.

    * squared error (Playground's): ``E = 1/2 sum_k (a_k - t_k)^2``
    * cross-entropy, two classes (sigmoid output, ``t`` in {0, 1}):
      ``E = -t ln a - (1 - t) ln(1 - a)``, computed as ``ln(1 + e^z) - t z``, the
      same number without taking the log of a probability that rounded to 0
    * cross-entropy, K classes (softmax, one-hot ``t``): ``E = -sum_k t_k ln a_k``,
      computed as ``ln(sum_k e^{z_k}) - sum_k t_k z_k``

    The batch's loss is the mean of ``E_i``.  Regularization is not part of it.
    """
    if head.loss == "squared":
        return 0.5 * ((a - targets) ** 2).sum(axis=1)
    if head.activation == "sigmoid":
        return (np.logaddexp(0.0, z) - targets * z)[:, 0]
    m = z.max(axis=1, keepdims=True)
    log_sum_exp = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return log_sum_exp - (targets * z).sum(axis=1)


# ---------------------------------------------------------------------------------
# 3. Backward
# ---------------------------------------------------------------------------------

def output_delta(z: np.ndarray, a: np.ndarray, targets: np.ndarray,
                 head: OutputHead) -> np.ndarray:
    """``dE_i/dz`` at the output layer, one row per point.

    * squared error with a tanh output: ``dE/da = a - t`` and ``da/dz = 1 - a^2``,
      so ``delta = (a - t)(1 - a^2)``
    * squared error with a linear output: ``delta = a - t``
    * cross-entropy with sigmoid or softmax: the output's derivative cancels the
      log's and ``delta = a - t`` as well (this pairing is why they go together)
    """
    if head.loss == "squared" and head.activation == "tanh":
        return (a - targets) * (1.0 - a * a)
    return a - targets


def backward(weights, pre_activations, activations, targets: np.ndarray,
             activation: str, head: OutputHead) -> list:
    """Backpropagation: each layer's deltas ``delta_l = dE_i/dz_l`` (one row per point).

    Start at the output (:func:`output_delta`) and walk down.  Node ``m`` of
    layer ``l - 1`` feeds every node ``j`` of layer ``l`` through the weight
    ``W_l[j, m]``, so by the chain rule its share of the error is the sum of
    what it caused downstream, times its own slope::

        dE/da_{l-1} = delta_l W_l                     (B, n_in)
        delta_{l-1} = dE/da_{l-1} * phi'(z_{l-1})     (element by element)

    Each point's delta is the derivative of *its own* loss ``E_i``; the mean
    loss of a batch of ``B`` points has ``delta / B``.
    """
    slope = DERIVATIVES[activation]
    last = len(weights) - 1
    deltas = [None] * len(weights)
    deltas[last] = output_delta(pre_activations[last], activations[last], targets, head)
    for l in range(last, 0, -1):
        error_below = deltas[l] @ weights[l]
        deltas[l - 1] = error_below * slope(pre_activations[l - 1])
    return deltas


def gradients(inputs: np.ndarray, activations, deltas) -> tuple[list, list]:
    """The loss gradient of every weight and bias, *summed* over the batch's points.

    ``z_l[i, j] = sum_m a_{l-1}[i, m] W_l[j, m] + b_l[j]``, so a weight's
    derivative is the delta of the node it feeds times the value it carries,
    and a bias's is the delta itself::

        dE/dW_l = sum_i delta_l[i]^T a_{l-1}[i]  =  delta_l^T a_{l-1}    (n_out, n_in)
        dE/db_l = sum_i delta_l[i]                                        (n_out,)

    Divide by the number of points for the gradient of the mean loss.
    """
    weight_sums, bias_sums = [], []
    for l, delta in enumerate(deltas):
        below = inputs if l == 0 else activations[l - 1]
        weight_sums.append(delta.T @ below)
        bias_sums.append(delta.sum(axis=0))
    return weight_sums, bias_sums


# ---------------------------------------------------------------------------------
# 4. Update
# ---------------------------------------------------------------------------------

def regularization_derivative(params: np.ndarray, regularization: str | None) -> np.ndarray:
    """``R'(w)``: ``sign(w)`` for L1 (``|w|``), ``w`` for L2 (``w^2 / 2``), 0 for none."""
    if regularization == "L1":
        return np.sign(params)
    if regularization == "L2":
        return params.copy()
    return np.zeros_like(params)


def update(params: np.ndarray, gradient: np.ndarray, optimizer, dead: np.ndarray,
           is_weight: np.ndarray, regularization: str | None = None,
           regularization_rate: float = 0.0) -> np.ndarray:
    """One update of the flat ``params``, in place; returns the links it killed.

    ``gradient`` is the gradient of the batch's mean loss in the same flat
    layout, ``dead`` the links L1 killed earlier (flat booleans, updated in
    place) and ``is_weight`` True for weights, False for biases.  Three steps,
    as Playground's ``updateWeights``:

    1. ``R'(w0)`` at the weights before the update, for living weights only:
       biases are never regularized and dead links never move again.
    2. The optimizer's step on the loss gradient alone (``optimizer.step``: for
       plain SGD ``w1 = w0 - lr * g``; momentum, Adam, ... keep their state in
       the optimizer).  Dead links are masked out of it.
    3. The regularization step with the learning rate this update used::

           w2 = w1 - lr * regularization_rate * R'(w0)

       With L1, a weight that this step alone pushes across zero (``w1 w2 < 0``)
       is set to 0 and its link dies: Playground's way of making weights exactly 0.
    """
    learning_rate = optimizer.current_learning_rate  # the decayed rate of this step
    regularizing = regularization is not None and regularization_rate > 0
    if regularizing:
        penalty = regularization_derivative(params, regularization) * (is_weight & ~dead)

    any_dead = bool(dead.any())
    gradient = np.where(dead, 0.0, gradient)
    optimizer.step(params, gradient, mask=~dead if any_dead else None)

    killed = np.zeros_like(dead)
    if regularizing:
        after = params - learning_rate * regularization_rate * penalty
        if regularization == "L1":
            killed = params * after < 0
            after[killed] = 0.0
            dead |= killed
        params[:] = after
    return killed


# ---------------------------------------------------------------------------------
# One mini-batch, and one epoch's batches
# ---------------------------------------------------------------------------------

def epoch_batches(n_train: int, batch_size: int) -> list:
    """The epoch's batches as ranges of positions in the training order.

    Full batches of ``batch_size`` points update the weights; a last, shorter
    batch (the leftover, ``n_train % batch_size`` points) does not: its
    gradient is carried into the first batch of the next epoch.
    """
    starts = range(0, n_train, batch_size)
    return [range(s, min(s + batch_size, n_train)) for s in starts]


def train_batch(params: np.ndarray, layer_sizes, activation: str, head: OutputHead,
                inputs: np.ndarray, targets: np.ndarray, *, optimizer, dead: np.ndarray,
                regularization: str | None = None, regularization_rate: float = 0.0,
                applies_update: bool = True, carried: int = 0,
                carry: np.ndarray | None = None, carry_count: int = 0) -> dict:
    """Forward, loss, backward and update (or carry) for one mini-batch.

    ``inputs`` ``(B, n_features)`` and ``targets`` ``(B, outputs)`` hold the
    batch's points.  The first ``carried`` rows are points carried from the
    last epoch: they are evaluated again so that every stage shows them, but
    their gradient is the one kept in ``carry`` (the summed gradient of
    ``carry_count`` points).  ``params``, ``dead``, ``optimizer`` and ``carry``
    change in place: an update when ``applies_update``, else this batch's
    gradient is added to ``carry``.

    Returns the stages as a dict (see :class:`BatchExplanation` for each
    entry) with ``carry_count``, the new number of carried points, and
    ``killed``, the links L1 killed.
    """
    weights, biases = unpack(params, layer_sizes)
    pre_activations, activations = forward(weights, biases, inputs, activation, head)
    losses = loss(pre_activations[-1], activations[-1], targets, head)
    deltas = backward(weights, pre_activations, activations, targets, activation, head)

    own = slice(carried, None)  # the rows whose gradient is computed now
    weight_sums, bias_sums = gradients(inputs[own], [a[own] for a in activations],
                                       [d[own] for d in deltas])
    gradient_sum = pack(weight_sums, bias_sums)
    count = inputs.shape[0] - carried
    if carried:
        gradient_sum = gradient_sum + carry
        count += carry_count
        carry_count = 0

    before = params.copy()
    learning_rate = optimizer.current_learning_rate
    killed = np.zeros_like(dead)
    if applies_update:
        killed = update(params, gradient_sum / count, optimizer, dead,
                        weight_mask(layer_sizes), regularization, regularization_rate)
    else:
        # keep the summed gradient (added to what earlier leftovers left, if any)
        carry[:] = gradient_sum + (carry if carry_count else 0.0)
        carry_count += count

    weight_gradients, bias_gradients = unpack(gradient_sum / max(count, 1), layer_sizes)
    weight_updates, bias_updates = unpack(params - before, layer_sizes)
    return dict(
        inputs=inputs, targets=targets,
        pre_activations=pre_activations, activations=activations,
        losses=losses, loss=float(losses.mean()) if losses.size else float("nan"),
        deltas=deltas,
        weight_gradients=weight_gradients, bias_gradients=bias_gradients,
        weight_updates=weight_updates, bias_updates=bias_updates,
        learning_rate=learning_rate, carry_count=carry_count, killed=killed,
    )


@dataclass(frozen=True)
class BatchExplanation:
    """One mini-batch seen from inside (:meth:`nbplayground.Trainer.explain_batch`).

    Arrays have one row per point of the batch, carried points first; lists
    run over the weight layers, the output layer last.  The arrays are
    read-only copies.
    """

    #: completed epochs so far: this batch belongs to the epoch that makes it ``epoch + 1``
    epoch: int
    #: this batch's index within its epoch, 0-based
    batch: int
    batches_per_epoch: int
    #: False for an epoch's leftover batch, whose gradient is carried to the next epoch
    applies_update: bool
    #: how many of the rows are points carried from the last epoch (the first rows)
    carried: int
    #: the points' positions in ``trainer.data.train_x`` (B,)
    indices: np.ndarray
    #: the selected features of the points (B, n_features)
    inputs: np.ndarray
    #: the raw labels (B,): +1/-1, class numbers, or real values
    labels: np.ndarray
    #: the labels in the output head's form (B, outputs)
    targets: np.ndarray
    #: per layer, z = a_below W^T + b  (B, units)
    pre_activations: tuple
    #: per layer, a = phi(z)  (B, units); the last is the network's output
    activations: tuple
    #: each point's loss E_i (B,)
    losses: np.ndarray
    #: the batch's mean loss, without regularization
    loss: float
    #: per layer, dE_i/dz: the derivative of each point's own loss (B, units)
    deltas: tuple
    #: per layer, the gradient of the mean loss: (n_out, n_in) and (n_out,)
    weight_gradients: tuple
    bias_gradients: tuple
    #: per layer, what the update adds to the weights and biases (zeros when it
    #: does not apply): optimizer, regularization and dead links included
    weight_updates: tuple
    bias_updates: tuple
    #: the learning rate the update uses (decay included)
    learning_rate: float

    @classmethod
    def build(cls, **fields) -> "BatchExplanation":
        """Make one from arrays and lists, as read-only copies."""
        def frozen(value):
            if isinstance(value, list):
                return tuple(frozen(v) for v in value)
            if isinstance(value, np.ndarray):
                value = value.copy()
                value.setflags(write=False)
            return value
        return cls(**{name: frozen(value) for name, value in fields.items()})

    def __repr__(self) -> str:
        # the fields hold every array of the batch: a summary reads better at a prompt
        carried = f", {self.carried} carried" if self.carried else ""
        update = "applies its update" if self.applies_update else "leftover: no update"
        return (f"BatchExplanation(epoch {self.epoch + 1}, batch {self.batch + 1} of "
                f"{self.batches_per_epoch}: {len(self.indices)} points{carried}, "
                f"loss {self.loss:.6g}, learning rate {self.learning_rate:g}, {update}; "
                f"layers {[int(a.shape[1]) for a in self.activations]})")
