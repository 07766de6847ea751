"""Output heads: the output layer's activation paired with its loss.

The pairing matters because backprop starts from ``delta = dE/dz`` at the
output, and for the usual pairs that derivative is short.  Labels arrive as
Playground has them: +1/-1 for two classes, real numbers for regression, and
0..K-1 for K > 2 classes.  ``targets()`` turns them into the (K, n) array the
formulas below call ``t``.

``squared`` (Playground's, docs/playground.md §6.5): E = 1/2 (a - t)^2 with
  * tanh output for classification (t = +-1):  delta = (a - t)(1 - a^2)
  * linear output for regression:              delta = a - t
``cross_entropy`` for two classes: a sigmoid output, t = (y + 1) / 2 in {0, 1},
  E = -t ln a - (1 - t) ln(1 - a) = softplus(z) - t z,   delta = a - t
``cross_entropy`` for K > 2 classes: softmax over K outputs, one-hot t,
  E = -sum_k t_k ln a_k = logsumexp(z) - sum_k t_k z_k,  delta = a - t

The reported loss is the mean of E over a point set, never with the
regularization term (docs/playground.md §6.5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OutputHead:
    """An output activation with its loss.  ``outputs`` is the number of output nodes."""

    loss: str
    activation: str
    outputs: int = 1

    # -- labels -----------------------------------------------------------------

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """The (outputs, n) float64 target array ``t`` for the given labels."""
        labels = np.asarray(labels, dtype=np.float64)
        if self.activation == "softmax":
            t = np.zeros((self.outputs, labels.size))
            t[labels.astype(np.intp), np.arange(labels.size)] = 1.0
            return t
        if self.activation == "sigmoid":
            return ((labels + 1.0) / 2.0).reshape(1, -1)
        return labels.reshape(1, -1).copy()

    # -- tape ops ---------------------------------------------------------------

    def forward_ops(self, z, a, scratch):
        """Ops writing the output activation of ``z`` into ``a``.

        ``scratch`` is a (1, n) buffer (used by softmax for the column max/sum).
        """
        if self.activation == "tanh":
            return [(np.tanh, (z, a))]
        if self.activation == "linear":
            return [] if z is a else [(np.copyto, (a, z))]
        if self.activation == "sigmoid":
            one = np.array(1.0, dtype=a.dtype)
            return [(np.negative, (z, a)), (np.exp, (a, a)), (np.add, (a, one, a)),
                    (np.divide, (one, a, a))]
        # softmax over axis 0 (the K output nodes), shifted by the column max
        return [(_column_max, (z, scratch)), (np.subtract, (z, scratch, a)),
                (np.exp, (a, a)), (_column_sum, (a, scratch)), (np.divide, (a, scratch, a))]

    def delta_ops(self, a, t, delta, tmp):
        """Ops writing delta = dE/dz at the output, given activation ``a`` and targets ``t``."""
        if self.loss == "squared" and self.activation == "tanh":
            # (a - t)(1 - a^2) = d - d a^2
            return [(np.subtract, (a, t, delta)), (np.multiply, (a, a, tmp)),
                    (np.multiply, (tmp, delta, tmp)), (np.subtract, (delta, tmp, delta))]
        # squared + linear, and both cross-entropy heads: delta = a - t
        return [(np.subtract, (a, t, delta))]

    # -- evaluation -------------------------------------------------------------

    def example_losses(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """E for each example (columns), from the pre-activation ``z``, activation ``a``."""
        if self.loss == "squared":
            d = a - t
            return 0.5 * (d * d).sum(axis=0)
        if self.activation == "sigmoid":
            return (np.logaddexp(0.0, z) - t * z)[0]
        m = z.max(axis=0)
        lse = m + np.log(np.exp(z - m).sum(axis=0))
        return lse - (t * z).sum(axis=0)

    def correct(self, a: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Boolean per example: is the prediction the label? (classification only)"""
        if self.activation == "softmax":
            return a.argmax(axis=0) == labels
        return np.where(self.display(a)[0] >= 0, 1.0, -1.0) == labels

    def display(self, a: np.ndarray) -> np.ndarray:
        """Output values on Playground's [-1, 1] colour scale (binary and regression).

        For softmax the class probabilities are returned unchanged.
        """
        if self.activation == "sigmoid":
            return 2.0 * a - 1.0
        return a


def _column_max(z, out):
    np.max(z, axis=0, keepdims=True, out=out)


def _column_sum(a, out):
    np.sum(a, axis=0, keepdims=True, out=out)


LOSSES = ("squared", "cross_entropy")
#: What a menu shows for each loss.
LABELS = {"squared": "Squared error", "cross_entropy": "Cross-entropy"}
assert tuple(LABELS) == LOSSES


def head_for(problem: str, loss: str, num_classes: int | None) -> OutputHead:
    """The output head for a problem type, loss name and class count.

    Playground's defaults: squared loss with a tanh output for classification
    and a linear output for regression.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not a loss; allowed: {', '.join(LOSSES)}")
    if problem == "regression":
        if loss != "squared":
            raise ValueError(f"loss={loss!r} does not fit regression; allowed: squared")
        return OutputHead("squared", "linear", 1)
    k = num_classes or 2
    if k > 2:
        if loss != "cross_entropy":
            raise ValueError(
                f"loss={loss!r} does not fit {k} classes; allowed: cross_entropy (softmax)")
        return OutputHead("cross_entropy", "softmax", k)
    if loss == "squared":
        return OutputHead("squared", "tanh", 1)
    return OutputHead("cross_entropy", "sigmoid", 1)
