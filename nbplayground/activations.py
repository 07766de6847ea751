"""Hidden-layer activation functions.

Each activation is a small table entry: the function phi(z), and how to get
delta = dE/dz from dE/da during backprop.  Both are expressed as lists of
*operations*, ``(ufunc, args)`` pairs over preallocated buffers, so that the
trainer can run a whole mini-batch as one flat "tape" of NumPy calls (call
overhead, not arithmetic, is what costs on these tiny matrices).

Playground's four (docs/playground.md §6.3):

========  ====================  =======================================
name      phi(z)                phi'(z)
========  ====================  =======================================
tanh      tanh z                1 - tanh(z)^2 = 1 - a^2
relu      max(0, z)             1 if z > 0 else 0 (0 at exactly 0)
sigmoid   1 / (1 + e^-z)        a (1 - a)
linear    z                     1
========  ====================  =======================================

Beyond Playground (users asked for them):

==========  =================================  =================================
elu         z if z > 0 else e^z - 1            1 if z > 0 else e^z = a + 1
leaky_relu  z if z > 0 else 0.01 z             1 if z > 0 else 0.01
softplus    ln(1 + e^z)                        sigmoid(z) = 1 - e^-a
swish       z * sigmoid(z)                     a + sigmoid(z) (1 - a)
==========  =================================  =================================

Every derivative here can be computed from the activation ``a`` alone except
swish's, which also needs ``z``; that one keeps ``z`` in its own buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

Op = tuple  # (callable, args tuple)


_copyto = getattr(np.copyto, "_implementation", np.copyto)  # no dispatcher: see network.py


def _c(value, like):
    """A 0-d array constant of ``like``'s dtype: NumPy 2 ufuncs take a 0-d array
    operand about twice as fast as a Python float."""
    return np.array(value, dtype=like.dtype)


def _op(ufunc, x, y, out):
    """An op for ufuncs that take ``out`` only by keyword (np.maximum, np.minimum)."""
    return (partial(ufunc, out=out), (x, y))

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """One activation function.

    ``forward(z, a, tmp)`` returns the ops that write phi(z) into ``a``
    (``a`` may be the same array as ``z`` unless ``needs_z``).
    ``backward(z, a, dA, delta, tmp)`` returns the ops that write
    ``delta = dA * phi'(z)``.
    ``function`` is a plain vectorised phi for tests and one-off evaluation.
    """

    name: str
    function: Callable[[np.ndarray], np.ndarray]
    forward: Callable[..., list]
    backward: Callable[..., list]
    needs_z: bool = False
    #: ``derivative(a, g)``: ops writing phi'(z) into ``g`` from the activation
    #: alone, or None.  The trainer's tape computes it for many layers in one
    #: call right after the forward pass; backward is then ``delta = dA * g``.
    derivative: Callable[..., list] | None = None


# --- tanh -----------------------------------------------------------------

def _tanh_forward(z, a, tmp):
    return [(np.tanh, (z, a))]


def _tanh_backward(z, a, dA, delta, tmp):
    # delta = dA * (1 - a^2) = dA - dA * a^2
    return [(np.multiply, (a, a, tmp)), (np.multiply, (tmp, dA, tmp)),
            (np.subtract, (dA, tmp, delta))]


def _tanh_derivative(a, g):
    return [(np.multiply, (a, a, g)), (np.subtract, (_c(1.0, a), g, g))]


# --- relu -----------------------------------------------------------------

def _relu_forward(z, a, tmp):
    return [_op(np.maximum, z, _c(0.0, a), a)]


def _relu_backward(z, a, dA, delta, tmp):
    # phi'(z) = 1 where z > 0.  a > 0 exactly when z > 0.
    return [(np.greater, (a, _c(0.0, a), tmp)), (np.multiply, (dA, tmp, delta))]


def _relu_derivative(a, g):
    return [(np.greater, (a, _c(0.0, a), g))]


# --- sigmoid --------------------------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _sigmoid_forward(z, a, tmp):
    return [(np.negative, (z, a)), (np.exp, (a, a)), (np.add, (a, _c(1.0, a), a)),
            (np.divide, (_c(1.0, a), a, a))]


def _sigmoid_backward(z, a, dA, delta, tmp):
    # delta = dA * a * (1 - a) = dA*a - dA*a^2
    return [(np.multiply, (a, a, tmp)), (np.subtract, (a, tmp, tmp)),
            (np.multiply, (dA, tmp, delta))]


def _sigmoid_derivative(a, g):
    return [(np.multiply, (a, a, g)), (np.subtract, (a, g, g))]


# --- linear ---------------------------------------------------------------

def _linear_forward(z, a, tmp):
    return [] if z is a else [(_copyto, (a, z))]


def _linear_backward(z, a, dA, delta, tmp):
    return [(_copyto, (delta, dA))]


# --- elu --------------------------------------------------------------------

def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


def _elu_forward(z, a, tmp):
    # a = z where z > 0 else expm1(z): expm1(min(z, 0)) + max(z, 0)
    return [_op(np.minimum, z, _c(0.0, tmp), tmp), (np.expm1, (tmp, tmp)),
            _op(np.maximum, z, _c(0.0, a), a), (np.add, (a, tmp, a))]


def _elu_backward(z, a, dA, delta, tmp):
    # phi' = 1 for a > 0, else a + 1 (= e^z); min(a, 0) + 1 covers both
    return [_op(np.minimum, a, _c(0.0, a), tmp), (np.add, (tmp, _c(1.0, tmp), tmp)),
            (np.multiply, (dA, tmp, delta))]


# --- leaky relu -------------------------------------------------------------

def _leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_forward(z, a, tmp):
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise
    return [(np.multiply, (z, _c(LEAKY_SLOPE, z), tmp)), _op(np.maximum, z, tmp, a)]


def _leaky_backward(z, a, dA, delta, tmp):
    # phi' = 1 where a > 0, else 0.01:  0.01 + 0.99 * (a > 0)
    return [(np.greater, (a, _c(0.0, a), tmp)), (np.multiply, (tmp, _c(1.0 - LEAKY_SLOPE, tmp), tmp)),
            (np.add, (tmp, _c(LEAKY_SLOPE, tmp), tmp)), (np.multiply, (dA, tmp, delta))]


# --- softplus ---------------------------------------------------------------

def _softplus(z):
    return np.logaddexp(0.0, z)


def _softplus_forward(z, a, tmp):
    return [(np.logaddexp, (_c(0.0, z), z, a))]


def _softplus_backward(z, a, dA, delta, tmp):
    # phi'(z) = sigmoid(z) = 1 - exp(-a) = -expm1(-a), since a = ln(1 + e^z)
    return [(np.negative, (a, tmp)), (np.expm1, (tmp, tmp)),
            (np.multiply, (dA, tmp, delta)), (np.negative, (delta, delta))]


# --- swish ------------------------------------------------------------------

def _swish(z):
    return z * _sigmoid(z)


def _swish_forward(z, a, tmp):
    # tmp = sigmoid(z), a = z * tmp
    return _sigmoid_forward(z, tmp, None) + [(np.multiply, (z, tmp, a))]


def _swish_backward(z, a, dA, delta, tmp):
    # phi' = s + z s (1 - s) = a + s (1 - a), with s = sigmoid(z)
    return _sigmoid_forward(z, tmp, None) + [
        (np.subtract, (_c(1.0, a), a, delta)), (np.multiply, (delta, tmp, delta)),
        (np.add, (delta, a, delta)), (np.multiply, (delta, dA, delta))]


#: The registry, in the menu's order: Playground's four, then the ones nbplayground adds.
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), _relu_forward, _relu_backward,
                       derivative=_relu_derivative),
    "tanh": Activation("tanh", np.tanh, _tanh_forward, _tanh_backward,
                       derivative=_tanh_derivative),
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_forward, _sigmoid_backward,
                          derivative=_sigmoid_derivative),
    "linear": Activation("linear", lambda z: np.array(z, dtype=float), _linear_forward,
                         _linear_backward),
    "elu": Activation("elu", _elu, _elu_forward, _elu_backward),
    "softplus": Activation("softplus", _softplus, _softplus_forward, _softplus_backward),
    "swish": Activation("swish", _swish, _swish_forward, _swish_backward, needs_z=True),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_forward, _leaky_backward),
}
#: Activation names in the registry's order (config.HIDDEN_ACTIVATIONS is pinned to it).
NAMES: tuple = tuple(ACTIVATIONS)
#: Playground's own activations (the rest are nbplayground's).
PLAYGROUND_NAMES: tuple = ("relu", "tanh", "sigmoid", "linear")
#: What a menu shows for each activation.
LABELS: dict = {
    "relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear",
    "elu": "ELU", "softplus": "Softplus", "swish": "Swish", "leaky_relu": "Leaky ReLU",
}
#: Keras's activation name for each; None for leaky_relu, which Keras writes as a
#: ``LeakyReLU`` layer (its "leaky_relu" string uses slope 0.2, ours LEAKY_SLOPE).
KERAS_NAMES: dict = {
    "tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid", "linear": "linear",
    "elu": "elu", "softplus": "softplus", "swish": "swish", "leaky_relu": None,
}
assert set(LABELS) == set(KERAS_NAMES) == set(NAMES)


def get(name: str) -> Activation:
    """The activation called ``name``; ValueError listing the names otherwise."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation={name!r} is not an activation; allowed: {', '.join(ACTIVATIONS)}"
        ) from None


def run(ops) -> None:
    """Execute a list of ops in order."""
    for fn, args in ops:
        fn(*args)
