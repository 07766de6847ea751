"""Keras 2 optimizers that update one flat NumPy parameter buffer in place.

The chapter this project follows teaches Keras's optimizers: SGD (with momentum, Nesterov
momentum and learning-rate decay), RMSprop, Adagrad, Adadelta, Adam, Adamax and Nadam. This
module implements them with the semantics, hyperparameter names and defaults of Keras 2,
that is tf.keras's "optimizer_v2" classes (TensorFlow 2.0 to 2.10, later kept as
``tf.keras.optimizers.legacy``). Each class docstring states its update rule and where the
rule comes from. The formulas were checked against the Keras 2 sources
(``keras/optimizers/optimizer_v2/*.py``) and against the TensorFlow kernels those classes
call (``tensorflow/core/kernels/training_ops.cc``: ``ApplyKerasMomentum``,
``ApplyRMSProp``, ``ApplyCenteredRMSProp``, ``ApplyAdagradV2``, ``ApplyAdadelta``,
``ApplyAdam``, ``ApplyAdamWithAmsgrad``, ``ApplyAdaMax``).

Quick use::

    opt = get("adam", learning_rate=0.01)      # None for any value means "the default"
    opt.step(params, grads)                    # params -= ..., in place
    opt.learning_rate = 0.003                  # applies at the next step; slots are kept

Shared conventions (all optimizers)
-----------------------------------
* ``params`` and ``grads`` are 1-D float64 arrays of the same shape. ``step`` changes
  ``params`` in place and returns None.
* ``iterations`` is the number of steps taken so far. Inside a step, ``t = iterations + 1``
  is the step number used by the bias corrections (Keras's ``local_step``).
* ``decay`` is Keras 2's inverse-time decay of the learning rate:
  ``lr_t = learning_rate / (1 + decay * iterations)``, with ``iterations`` counted
  *before* the step (Keras's ``OptimizerV2._decayed_lr``). ``current_learning_rate`` is the
  ``lr_t`` the next step will use and ``last_learning_rate`` the one the last step used.
* Slots (Keras's per-parameter state: velocities, moment estimates, accumulators) are
  allocated on the first step with the shape of ``params``, or by ``build(size)``.
  ``reset()`` drops them and sets ``iterations`` to 0; call it when the network is
  rebuilt. ``slots`` maps Keras's slot names to views of the live slot arrays.
* Every hyperparameter is a validated attribute that may be changed between steps
  (``opt.momentum = 0.9``); the change applies from the next step and the slots are kept.
  Keras 2 fixed some of them at construction (``nesterov``, ``centered``, ``amsgrad``, and
  whether ``momentum`` is zero); here the choice is made afresh at every step.
* ``step(params, grads, mask)``: where ``mask`` is False or 0, the parameter and all its
  slot entries are left exactly as they were (frozen). Any nonzero mask value means
  "train". The global state (``iterations``, Nadam's momentum cache) still advances.

How regularization combines with the optimizers
-----------------------------------------------
Regularization is not part of these optimizers and is never added to the gradient, so it
never enters a slot. The trainer applies TensorFlow Playground's regularization step after
the optimizer step, to weights only (biases are never regularized), once per update and for
every optimizer in the same way (decoupled, as in Playground)::

    w0 = weight before the update
    lr_t = optimizer.current_learning_rate     # read before step(), = last_learning_rate after
    w1 = weight after optimizer.step(...)
    R'(w0) = sign(w0) (0 at 0) for L1,  w0 for L2,  0 for none
    w2 = w1 - lr_t * reg_rate * R'(w0)
    L1 zero-crossing rule: if w1 * w2 < 0, set w = 0 and mark the link dead; else w = w2.

For plain SGD this is exactly Playground's update. A dead link is then passed with mask 0 to
every later ``step``, so its weight stays 0 and its slots stay frozen until the network is
rebuilt. ``lr_t`` is the decayed learning rate, not the per-parameter step size of the
adaptive rules (Adam's bias correction, for example, does not scale the penalty).

Speed
-----
The trainer may call ``step`` tens of thousands of times per second on a buffer of a few
hundred parameters, where each NumPy call costs far more than its arithmetic. So slots,
scratch buffers and coefficient rows are preallocated; the per-step coefficients are
computed as Python floats and written into 0-d float64 arrays (with NumPy 2 a ufunc call
on 400 elements took about 0.3 us with a 0-d array operand and 0.9 us with a Python float);
and paired slots that decay together (Adam's m and v, for example) live in one 2-D array
so one call updates both. Plain SGD takes 2 NumPy calls per step, Adam 10, and a mask adds
5. Algebraically equal rearrangements
(such as ``sqrt(a)/sqrt(b) = sqrt(a/b)``) change results by a few units in the last place
at most; the tests compare against the literal formulas to 1e-12 relative.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .config import short_repr as _r

__all__ = [
    "COMMON_HYPERPARAMETERS",
    "DEFAULTS",
    "HYPERPARAMETERS",
    "HyperparameterTypeError",
    "NAMES",
    "LABELS",
    "Optimizer",
    "SGD",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adam",
    "Adamax",
    "Nadam",
    "get",
]

#: Hyperparameters that every optimizer has.
COMMON_HYPERPARAMETERS = ("learning_rate", "decay")


class HyperparameterTypeError(TypeError, ValueError):
    """A hyperparameter, name or array of the wrong type.

    It is both a TypeError (the usual Python meaning) and a ValueError (so code that checks
    user input with ``except ValueError`` catches every bad hyperparameter).
    """


# --------------------------------------------------------------------------------------
# Hyperparameter validation
# --------------------------------------------------------------------------------------


class _Real:
    """A finite real number in an interval; ``describe()`` says which one."""

    def __init__(self, low, high=math.inf, low_open=False, high_open=False):
        self.low, self.high = low, high
        self.low_open, self.high_open = low_open, high_open

    def describe(self):
        if self.high == math.inf:
            return f"a finite real number {'>' if self.low_open else '>='} {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"a real number in {left}{self.low:g}, {self.high:g}{right}"

    def parse(self, where, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise HyperparameterTypeError(
                f"{where}={value!r} ({type(value).__name__}) is not allowed; "
                f"it must be {self.describe()}"
            )
        x = float(value)
        too_low = x <= self.low if self.low_open else x < self.low
        too_high = x >= self.high if self.high_open else x > self.high
        if not math.isfinite(x) or too_low or too_high:
            raise ValueError(f"{where}={value!r} is not allowed; it must be {self.describe()}")
        return x


class _Flag:
    """A boolean (Python bool or NumPy bool)."""

    def describe(self):
        return "True or False"

    def parse(self, where, value):
        if not isinstance(value, (bool, np.bool_)):
            raise HyperparameterTypeError(
                f"{where}={value!r} ({type(value).__name__}) is not allowed; "
                f"it must be {self.describe()}"
            )
        return bool(value)


_NON_NEGATIVE = _Real(0.0)
_POSITIVE = _Real(0.0, low_open=True)
_UNIT = _Real(0.0, 1.0)
_UNIT_OPEN = _Real(0.0, 1.0, high_open=True)
_FLAG = _Flag()


class _Hyperparameter:
    """Descriptor for one validated hyperparameter, stored in the slot ``_<name>``.

    Setting it validates the value (None restores the default) and refreshes the
    optimizer's cached coefficients, so the change applies at the next step.
    """

    def __init__(self, kind, default, doc):
        self.kind, self.default = kind, default
        self.__doc__ = f"{doc} Allowed: {kind.describe()}. Keras 2 default: {default!r}."

    def __set_name__(self, owner, name):
        self.name = name
        self.private = "_" + name

    def parse(self, optimizer_name, value):
        if value is None:
            return self.default
        return self.kind.parse(f"{optimizer_name}: {self.name}", value)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.private)

    def __set__(self, obj, value):
        setattr(obj, self.private, self.parse(obj.name, value))
        obj._refresh()


#: Most steps a restored state may claim (beyond it ``decay * iterations`` loses integers).
_MAX_ITERATIONS = 2**53


def _state_number(key, value) -> float:
    """A finite number read from a state dict, or ValueError naming ``key``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{key}: {_r(value, 60)} is not a number")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"{key}: {_r(value, 60)} is not a finite number")
    return x


def _state_floats(key, values, size=None) -> np.ndarray:
    """A list of numbers (None = NaN) as float64, of length ``size`` if given."""
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"{key}: expected a list of numbers, got {type(values).__name__}")
    if size is not None and len(values) != size:
        raise ValueError(f"{key}: has {len(values)} values, expected {size}")
    for i, v in enumerate(values):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ValueError(f"{key}: item {i} is {_r(v, 60)}, not a number")
    try:
        return np.array([math.nan if v is None else float(v) for v in values],
                        dtype=np.float64).reshape(-1)
    except OverflowError:
        raise ValueError(f"{key}: holds an integer too large for a float") from None


def _zero_d():
    """A 0-d float64 array used as a fast scalar operand for ufuncs."""
    return np.zeros(())


# --------------------------------------------------------------------------------------
# Base class
# --------------------------------------------------------------------------------------


class Optimizer:
    """Base class: shared state, validation, the decay schedule and the masked step.

    Subclasses set ``name`` (the registry name), ``keras_name`` (the Keras class),
    ``_hyperparameter_names`` (in Keras's argument order), ``_slot_names`` (Keras's slot
    names, one row of ``_state`` each), and implement ``_bind`` (make slot views and
    size-dependent constants), ``_refresh`` (recompute constant coefficients after a
    hyperparameter change) and ``_update(params, grads, lr_t, t)`` (one step, no mask).
    """

    name = ""
    keras_name = ""
    _hyperparameter_names: tuple = ()
    _slot_names: tuple = ()

    __slots__ = (
        "_learning_rate",
        "_decay",
        "iterations",
        "last_learning_rate",
        "_shape",
        "_state",
        "_s",
        "_t",
        "_backup_params",
        "_backup_state",
        "_inverse_mask",
        "_zero",
    )

    decay = _Hyperparameter(
        _NON_NEGATIVE, 0.0, "Inverse-time decay: lr_t = learning_rate / (1 + decay * iterations)."
    )

    def __init__(self, **hyperparameters):
        cls = type(self)
        names = cls._hyperparameter_names
        unknown = [key for key in hyperparameters if key not in names]
        if unknown:
            key = unknown[0]
            hint = ""
            if key == "lr":
                hint = " (Keras 2's deprecated alias 'lr' is spelled 'learning_rate' here)"
            raise ValueError(
                f"{cls.name}: unknown hyperparameter {key!r} (given {hyperparameters[key]!r})"
                f"{hint}; allowed: {', '.join(names)}"
            )
        for key in names:
            descriptor = getattr(cls, key)
            setattr(self, descriptor.private, descriptor.parse(cls.name, hyperparameters.get(key)))
        self._zero = _zero_d()
        self._make_coefficients()
        self._release()
        self._refresh()

    # ---- public API ------------------------------------------------------------------

    @property
    def current_learning_rate(self) -> float:
        """The learning rate the next step will use: learning_rate / (1 + decay * iterations)."""
        return self._learning_rate / (1.0 + self._decay * self.iterations)

    @property
    def slots(self) -> dict:
        """Keras's slot names mapped to views of the live slot arrays ({} before building)."""
        if self._state is None:
            return {}
        return dict(zip(self._slot_names, self._state))

    @property
    def slot_names(self) -> tuple:
        """Keras's names of the slots, in the order of the rows :meth:`bind_slots` takes."""
        return self._slot_names

    def bind_slots(self, slots: np.ndarray) -> None:
        """Keep the slots in ``slots`` from now on: a float64 array of shape
        ``(len(slot_names), size)``, one row per slot, e.g. a view into a buffer that
        other optimizers' slots share (so that one call can update them all).

        The current slot values are copied in (before the first step: their initial
        values, built for ``size`` parameters); ``iterations`` and the other scalars stay.
        """
        rows = len(self._slot_names)
        if not isinstance(slots, np.ndarray) or slots.ndim != 2 or slots.shape[0] != rows \
                or slots.dtype != np.float64:
            raise ValueError(f"{self.name}.bind_slots: slots must be a float64 array of shape "
                             f"({rows}, size), got {getattr(slots, 'shape', type(slots))!r}")
        size = slots.shape[1]
        if self._state is None:
            self._allocate(size)  # the initial values (keeps iterations as they are)
        elif self._shape != (size,):
            raise ValueError(f"{self.name}.bind_slots: slots for {size} parameters but the "
                             f"optimizer was built for {self._shape[0]}")
        values = self._state.copy()
        self._state = slots
        self._inverse_mask = None  # the masked step's buffers follow the new slots
        self._bind()
        self._refresh()
        np.copyto(slots, values)  # after _bind, which may fill a slot with its initial value

    def scalars(self) -> dict:
        """The scalar state a step advances: ``iterations``, ``last_learning_rate`` and
        the optimizer's own (Nadam's ``momentum_cache``)."""
        return {"iterations": self.iterations, "last_learning_rate": self.last_learning_rate,
                **self._extra_state()}

    def set_scalars(self, scalars: dict) -> None:
        """Take the scalar state :meth:`scalars` gave, e.g. that of an optimizer that
        stepped for this one (its slots bound into a shared buffer)."""
        self.iterations = scalars["iterations"]
        self.last_learning_rate = scalars["last_learning_rate"]
        self._set_extra_state(scalars)

    def config(self) -> dict:
        """The hyperparameters, in Keras's order; ``get(opt.name, **opt.config())`` rebuilds it."""
        return {key: getattr(self, key) for key in self._hyperparameter_names}

    def build(self, size: int) -> None:
        """Allocate slots and scratch buffers for ``size`` parameters and reset the state."""
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral):
            raise HyperparameterTypeError(
                f"{self.name}: build(size={size!r}) needs an int >= 0, got {type(size).__name__}"
            )
        if size < 0:
            raise ValueError(f"{self.name}: build(size={size!r}) needs an int >= 0")
        self._release()
        self._allocate(int(size))

    def reset(self) -> None:
        """Forget the slots and set ``iterations`` to 0 (buffers are reallocated lazily)."""
        self._release()

    def step(self, params: np.ndarray, grads: np.ndarray, mask=None) -> None:
        """Apply one update to ``params`` in place from ``grads`` (see the class docstring).

        ``mask``: optional array of the same shape, bool or 0/1; where it is False/0 the
        parameter and its slots are left untouched.
        """
        shape = self._shape
        try:
            same = params.shape == shape and grads.shape == shape
        except AttributeError:
            same = False
        if not same:
            self._check_arrays(params, grads)
        iterations = self.iterations
        lr_t = self._learning_rate / (1.0 + self._decay * iterations)
        if mask is None:
            self._update(params, grads, lr_t, iterations + 1)
        else:
            self._masked_update(params, grads, lr_t, iterations + 1, mask)
        self.last_learning_rate = lr_t
        self.iterations = iterations + 1

    def copy(self) -> "Optimizer":
        """An independent optimizer in the same state: hyperparameters, ``iterations``,
        ``last_learning_rate``, slots and any scalar state (Nadam's momentum cache).

        Stepping the copy leaves this one untouched (used to preview an update).
        """
        clone = type(self)(**self.config())
        if self._state is not None:
            clone._allocate(self._shape[0])
            np.copyto(clone._state, self._state)
        clone.iterations = self.iterations
        clone.last_learning_rate = self.last_learning_rate
        self._copy_extra(clone)
        return clone

    def state(self) -> dict:
        """The state a step changes, as a plain JSON-able dict (hyperparameters are in
        :meth:`config`)::

            {"name", "iterations", "last_learning_rate",
             "slots": {slot name: list of floats (NaN/inf as None)},   # {} before building
             ... plus the optimizer's own scalars (Nadam: "momentum_cache")}

        ``opt.set_state(opt.state())`` on an optimizer with the same hyperparameters
        continues exactly as ``opt`` would.
        """
        out = {
            "name": self.name,
            "iterations": int(self.iterations),
            "last_learning_rate": self.last_learning_rate,
            "slots": {name: [float(v) if math.isfinite(v) else None for v in values.tolist()]
                      for name, values in self.slots.items()},
        }
        out.update(self._extra_state())
        return out

    def set_state(self, state: dict, size: int | None = None) -> None:
        """Restore what :meth:`state` recorded (slots built for ``size`` parameters).

        Everything is checked before anything changes; a bad part raises
        ``ValueError`` (``HyperparameterTypeError`` for a wrong type) whose message
        starts with the key (``iterations``, ``slots.m``, ...).
        """
        if not isinstance(state, dict):
            raise HyperparameterTypeError(f"state: must be a dict as state() makes, got "
                                          f"{type(state).__name__}")
        extra_keys = tuple(self._extra_state())
        known = ("name", "iterations", "last_learning_rate", "slots") + extra_keys
        unknown = sorted(str(k) for k in state if k not in known)
        if unknown:
            raise ValueError(f"state: unknown key(s) {', '.join(unknown)}; known: "
                             f"{', '.join(known)}")
        for key in ("name", "iterations"):
            if key not in state:
                raise ValueError(f"state: missing key {key!r}")
        if state["name"] != self.name:
            raise ValueError(f"name: {_r(state['name'], 60)} but this optimizer is "
                             f"{self.name!r}")
        iterations = state["iterations"]
        if isinstance(iterations, bool) or not isinstance(iterations, int) \
                or not 0 <= iterations <= _MAX_ITERATIONS:
            raise ValueError(f"iterations: {_r(iterations, 60)} is not an integer in "
                             f"0..{_MAX_ITERATIONS}")
        last = state.get("last_learning_rate")
        if last is not None:
            last = _state_number("last_learning_rate", last)
        slots = state.get("slots") or {}
        if not isinstance(slots, dict):
            raise ValueError(f"slots: expected a dict, got {type(slots).__name__}")
        arrays = {}
        for name, values in slots.items():
            if name not in self._slot_names:
                raise ValueError(f"slots: {_r(name, 60)} is not a slot of {self.name}; its "
                                 f"slots: {', '.join(self._slot_names)}")
            arrays[name] = _state_floats(f"slots.{name}", values, size)
        if arrays and size is None:
            size = len(next(iter(arrays.values())))
            for name, values in arrays.items():
                if len(values) != size:
                    raise ValueError(f"slots.{name}: has {len(values)} values, expected {size}")
        extra = {key: _state_number(key, state[key]) for key in extra_keys
                 if state.get(key) is not None}
        # checked: now change
        if arrays:
            self.build(size)
            live = self.slots
            for name, values in arrays.items():
                np.copyto(live[name], values)
        else:
            self.reset()
        self.iterations = iterations
        self.last_learning_rate = last
        self._set_extra_state(extra)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.config().items())
        return f"{type(self).__name__}({args})"

    # ---- helpers ---------------------------------------------------------------------

    def _allocate(self, size):
        """Create the slots (at their initial values) and scratch buffers for ``size``."""
        self._shape = (size,)
        self._state = np.zeros((len(self._slot_names), size))
        self._s = np.zeros(size)
        self._t = np.zeros(size)
        self._backup_params = self._backup_state = self._inverse_mask = None
        self._bind()
        self._refresh()

    def _release(self):
        self.iterations = 0
        self.last_learning_rate = None
        self._shape = None
        self._state = self._s = self._t = None
        self._backup_params = self._backup_state = self._inverse_mask = None
        self._reset_extra()

    def _check_arrays(self, params, grads):
        """Full validation, run only when the shapes differ from the built ones."""
        for label, array in (("params", params), ("grads", grads)):
            if not isinstance(array, np.ndarray):
                raise HyperparameterTypeError(
                    f"{self.name}.step: {label} must be a 1-D float64 numpy array, "
                    f"got {type(array).__name__}"
                )
            if array.ndim != 1 or array.dtype != np.float64:
                raise ValueError(
                    f"{self.name}.step: {label} must be a 1-D float64 array, "
                    f"got shape {array.shape} and dtype {array.dtype}"
                )
        if grads.shape != params.shape:
            raise ValueError(
                f"{self.name}.step: grads has shape {grads.shape} but params has shape "
                f"{params.shape}; they must match"
            )
        if self._shape is None:
            self._allocate(params.shape[0])  # lazy: keeps iterations as they are
        else:
            raise ValueError(
                f"{self.name}.step: params has shape {params.shape} but the slots were built "
                f"for shape {self._shape}; call reset() (or build(size)) after the network changes"
            )

    def _masked_update(self, params, grads, lr_t, t, mask):
        """Run the normal update, then put back the masked parameters and slot entries."""
        inverse = self._inverse_mask
        if inverse is None:
            size = self._shape[0]
            inverse = self._inverse_mask = np.zeros(size, dtype=bool)
            self._backup_params = np.zeros(size)
            self._backup_state = np.zeros_like(self._state)
        try:
            ok = mask.shape == self._shape
        except AttributeError:
            raise HyperparameterTypeError(
                f"{self.name}.step: mask must be a numpy array of shape {self._shape}, "
                f"got {type(mask).__name__}"
            ) from None
        if not ok:
            raise ValueError(
                f"{self.name}.step: mask has shape {mask.shape} but params has shape "
                f"{self._shape}; they must match"
            )
        if mask.dtype.kind == "b":
            np.logical_not(mask, out=inverse)
        else:
            np.equal(mask, self._zero, out=inverse)
        np.copyto(self._backup_params, params)
        np.copyto(self._backup_state, self._state)
        self._update(params, grads, lr_t, t)
        np.copyto(params, self._backup_params, where=inverse)
        np.copyto(self._state, self._backup_state, where=inverse)

    # ---- subclass hooks ----------------------------------------------------------------

    def _make_coefficients(self):
        """Create the 0-d coefficient arrays (called once, in __init__)."""

    def _reset_extra(self):
        """Reset scalar state other than ``iterations`` (e.g. Nadam's momentum cache)."""

    def _copy_extra(self, clone):
        """Copy scalar state other than ``iterations`` into ``clone`` (see :meth:`copy`)."""

    def _extra_state(self) -> dict:
        """Scalar state other than ``iterations``, for :meth:`state` (Nadam's cache)."""
        return {}

    def _set_extra_state(self, extra: dict) -> None:
        """Restore what :meth:`_extra_state` gave (checked numbers)."""

    def _bind(self):
        """Create views of ``_state`` rows and size-dependent constants after a build."""

    def _refresh(self):
        """Recompute constant coefficients from the hyperparameters."""

    def _update(self, params, grads, lr_t, t):  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------------------
# The optimizers
# --------------------------------------------------------------------------------------


class SGD(Optimizer):
    """Gradient descent with optional momentum and Nesterov momentum.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.SGD`` with the ``ApplyKerasMomentum``
    kernel. Defaults: learning_rate=0.01, momentum=0.0, nesterov=False (decay=0.0).
    With g the gradient, lr_t the decayed learning rate and v the "momentum" slot (zeros)::

        momentum == 0:  p = p - lr_t * g                      (TensorFlow Playground's rule)
        otherwise:      v = momentum * v - lr_t * g
                        p = p + v                             (nesterov=False)
                        p = p + momentum * v - lr_t * g       (nesterov=True)

    With momentum 0 the result is bitwise ``p - lr_t * g``; the slot then holds
    ``-lr_t * g``, which is what the momentum formula gives for momentum 0, so switching
    momentum on later continues from it.
    """

    name = "sgd"
    keras_name = "SGD"
    _hyperparameter_names = ("learning_rate", "decay", "momentum", "nesterov")
    _slot_names = ("momentum",)
    __slots__ = ("_momentum", "_nesterov", "_velocity", "_k_lr", "_k_neg_lr", "_k_momentum")

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.01, "Learning rate.")
    momentum = _Hyperparameter(_UNIT, 0.0, "Momentum.")
    nesterov = _Hyperparameter(_FLAG, False, "Use Nesterov momentum.")

    def _make_coefficients(self):
        self._k_lr, self._k_neg_lr, self._k_momentum = _zero_d(), _zero_d(), _zero_d()

    def _bind(self):
        self._velocity = self._state[0]

    def _refresh(self):
        self._k_momentum[()] = self._momentum

    def _update(self, p, g, lr_t, t):
        v = self._velocity
        if self._momentum == 0.0:
            self._k_neg_lr[()] = -lr_t
            np.multiply(g, self._k_neg_lr, v)  # v = -lr_t * g
            np.add(p, v, p)  # p + (-(lr_t*g)) == p - lr_t*g exactly
            return
        s = self._s
        self._k_lr[()] = lr_t
        np.multiply(v, self._k_momentum, v)
        np.multiply(g, self._k_lr, s)
        np.subtract(v, s, v)  # v = momentum*v - lr_t*g
        if self._nesterov:
            w = self._t
            np.multiply(v, self._k_momentum, w)
            np.subtract(w, s, w)
            np.add(p, w, p)  # p += momentum*v - lr_t*g
        else:
            np.add(p, v, p)


class RMSprop(Optimizer):
    """RMSprop, plain or centered, with optional (heavy-ball) momentum.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.RMSprop``. Defaults:
    learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False (decay=0.0).
    Slots "rms" (a), "momentum" (mom) and "mg" start at zero::

        a = rho * a + (1 - rho) * g**2
        centered:  mg = rho * mg + (1 - rho) * g;   d = max(a - mg**2, 0)
        otherwise: d = a
        momentum == 0:  p = p - lr_t * g / (sqrt(d) + epsilon)         (epsilon outside sqrt)
        momentum > 0:   mom = momentum * mom + lr_t * g / sqrt(d + epsilon)
                        p = p - mom                                     (epsilon inside sqrt)

    The two epsilon placements are Keras 2's: without momentum the update is written in
    Python in ``rmsprop.py``; with momentum Keras calls TensorFlow's ``ApplyRMSProp`` /
    ``ApplyCenteredRMSProp`` kernels, which add epsilon under the square root.

    One deviation: ``a - mg**2`` (a variance estimate, >= 0 in exact arithmetic) is clamped
    at 0. Keras does not clamp it, so when the gradient barely changes from step to step
    (full-batch training near convergence) rounding makes it slightly negative and Keras's
    centered RMSprop without momentum returns NaN. Where ``a - mg**2 >= 0`` the rule is
    Keras's exactly; where it is negative this treats it as 0.
    """

    name = "rmsprop"
    keras_name = "RMSprop"
    _hyperparameter_names = ("learning_rate", "decay", "rho", "momentum", "epsilon", "centered")
    _slot_names = ("rms", "mg", "momentum")
    __slots__ = (
        "_rho", "_momentum", "_epsilon", "_centered",
        "_rms", "_mg", "_mom", "_rms_mg", "_decay_rows", "_increments",
        "_k_lr", "_k_rho", "_k_one_minus_rho", "_k_momentum", "_k_epsilon",
    )

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    rho = _Hyperparameter(_UNIT, 0.9, "Decay of the moving averages.")
    momentum = _Hyperparameter(_UNIT, 0.0, "Momentum.")
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant for numerical stability.")
    centered = _Hyperparameter(_FLAG, False, "Normalize by the gradient's variance.")

    def _make_coefficients(self):
        self._k_lr, self._k_rho, self._k_one_minus_rho = _zero_d(), _zero_d(), _zero_d()
        self._k_momentum, self._k_epsilon = _zero_d(), _zero_d()

    def _bind(self):
        state = self._state
        self._rms, self._mg, self._mom = state[0], state[1], state[2]
        self._rms_mg = state[0:2]  # "rms" and "mg" decay together (centered case)
        self._decay_rows = np.empty((2, state.shape[1]))
        self._increments = np.empty((2, state.shape[1]))

    def _refresh(self):
        self._k_rho[()] = self._rho
        self._k_one_minus_rho[()] = 1.0 - self._rho
        self._k_momentum[()] = self._momentum
        self._k_epsilon[()] = self._epsilon
        if self._state is not None:
            self._decay_rows.fill(self._rho)

    def _update(self, p, g, lr_t, t):
        s, w, a = self._s, self._t, self._rms
        self._k_lr[()] = lr_t
        if self._centered:
            mg, both, increments = self._mg, self._rms_mg, self._increments
            np.multiply(g, self._k_one_minus_rho, increments[1])  # (1-rho)*g
            np.multiply(increments[1], g, increments[0])  # (1-rho)*g**2
            np.multiply(both, self._decay_rows, both)  # a *= rho; mg *= rho
            np.add(both, increments, both)
            np.multiply(mg, mg, w)
            np.subtract(a, w, w)  # w = a - mg**2
            np.maximum(w, self._zero, out=w)  # clamp rounding residue below 0 (see docstring)
            d = w
        else:
            np.multiply(g, self._k_one_minus_rho, s)
            np.multiply(s, g, s)
            np.multiply(a, self._k_rho, a)
            np.add(a, s, a)  # a = rho*a + (1-rho)*g**2
            d = a
        if self._momentum > 0.0:
            mom = self._mom
            np.add(d, self._k_epsilon, w)
            np.sqrt(w, w)
            np.multiply(g, self._k_lr, s)
            np.divide(s, w, s)
            np.multiply(mom, self._k_momentum, mom)
            np.add(mom, s, mom)
            np.subtract(p, mom, p)
        else:
            _adaptive_step(p, g, d, self._k_lr, self._k_epsilon, s, w)


def _adaptive_step(p, g, a, lr, epsilon, s, w) -> None:
    """``p -= lr * g / (sqrt(a) + epsilon)`` in place (RMSprop without momentum,
    Adagrad); ``s`` and ``w`` are scratch buffers, ``lr`` and ``epsilon`` 0-d arrays."""
    np.sqrt(a, w)
    np.add(w, epsilon, w)
    np.multiply(g, lr, s)
    np.divide(s, w, s)
    np.subtract(p, s, p)


class Adagrad(Optimizer):
    """Adagrad: per-parameter steps shrink with the sum of squared gradients.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.Adagrad`` with the ``ApplyAdagradV2``
    kernel. Defaults: learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07
    (decay=0.0). (The older standalone Keras used learning_rate 0.01; tf.keras 2.x uses
    0.001.) The "accumulator" slot a starts at initial_accumulator_value::

        a = a + g**2
        p = p - lr_t * g / (sqrt(a) + epsilon)

    ``initial_accumulator_value`` is used when the slots are created (first step, build or
    after reset), as in Keras; changing it later does not touch existing slots.
    """

    name = "adagrad"
    keras_name = "Adagrad"
    _hyperparameter_names = ("learning_rate", "decay", "initial_accumulator_value", "epsilon")
    _slot_names = ("accumulator",)
    __slots__ = ("_initial_accumulator_value", "_epsilon", "_accumulator", "_k_lr", "_k_epsilon")

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    initial_accumulator_value = _Hyperparameter(
        _NON_NEGATIVE, 0.1, "Starting value of the accumulator slot."
    )
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant for numerical stability.")

    def _make_coefficients(self):
        self._k_lr, self._k_epsilon = _zero_d(), _zero_d()

    def _bind(self):
        self._accumulator = self._state[0]
        self._accumulator.fill(self._initial_accumulator_value)

    def _refresh(self):
        self._k_epsilon[()] = self._epsilon

    def _update(self, p, g, lr_t, t):
        s, w, a = self._s, self._t, self._accumulator
        self._k_lr[()] = lr_t
        np.multiply(g, g, s)
        np.add(a, s, a)
        _adaptive_step(p, g, a, self._k_lr, self._k_epsilon, s, w)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of RMS(updates) to RMS(gradients).

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.Adadelta`` with the ``ApplyAdadelta``
    kernel. Defaults: learning_rate=0.001, rho=0.95, epsilon=1e-07 (decay=0.0). (The older
    standalone Keras used learning_rate 1.0, the paper's form; tf.keras 2.x uses 0.001.)
    Slots "accum_grad" (a) and "accum_var" (u) start at zero::

        a = rho * a + (1 - rho) * g**2
        d = sqrt(u + epsilon) / sqrt(a + epsilon) * g        (uses u before its update)
        u = rho * u + (1 - rho) * d**2
        p = p - lr_t * d

    Note: the update d is accumulated without the learning rate, as in Keras. Old
    TensorFlow CPU kernels (issue tensorflow#9058) evaluated the step after updating u;
    this follows the paper and the fixed kernel.
    """

    name = "adadelta"
    keras_name = "Adadelta"
    _hyperparameter_names = ("learning_rate", "decay", "rho", "epsilon")
    _slot_names = ("accum_grad", "accum_var")
    __slots__ = ("_rho", "_epsilon", "_accum_grad", "_accum_var",
                 "_k_lr", "_k_rho", "_k_one_minus_rho", "_k_epsilon")

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    rho = _Hyperparameter(_UNIT, 0.95, "Decay of the moving averages.")
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant for numerical stability.")

    def _make_coefficients(self):
        self._k_lr, self._k_rho, self._k_one_minus_rho, self._k_epsilon = (
            _zero_d(), _zero_d(), _zero_d(), _zero_d())

    def _bind(self):
        self._accum_grad, self._accum_var = self._state[0], self._state[1]

    def _refresh(self):
        self._k_rho[()] = self._rho
        self._k_one_minus_rho[()] = 1.0 - self._rho
        self._k_epsilon[()] = self._epsilon

    def _update(self, p, g, lr_t, t):
        s, w, a, u = self._s, self._t, self._accum_grad, self._accum_var
        rho, one_minus_rho, eps = self._k_rho, self._k_one_minus_rho, self._k_epsilon
        self._k_lr[()] = lr_t
        np.multiply(g, one_minus_rho, s)
        np.multiply(s, g, s)
        np.multiply(a, rho, a)
        np.add(a, s, a)  # a = rho*a + (1-rho)*g**2
        np.add(u, eps, s)
        np.add(a, eps, w)
        np.divide(s, w, s)
        np.sqrt(s, s)
        np.multiply(s, g, s)  # s = d = sqrt((u+eps)/(a+eps)) * g
        np.multiply(s, one_minus_rho, w)
        np.multiply(w, s, w)
        np.multiply(u, rho, u)
        np.add(u, w, u)  # u = rho*u + (1-rho)*d**2
        np.multiply(s, self._k_lr, s)
        np.subtract(p, s, p)


class _MomentsOptimizer(Optimizer):
    """Shared layout for Adam, Adamax and Nadam: rows 0 and 1 of the state are the first
    and second moment slots ("m", "v"), decayed together by one call against the constant
    rows [beta_1, beta_2]."""

    __slots__ = ("_beta_1", "_beta_2", "_epsilon", "_m", "_v", "_moments", "_betas",
                 "_increments", "_inc_m", "_inc_v",
                 "_k_one_minus_beta_1", "_k_one_minus_beta_2", "_k_epsilon", "_k_step")

    def _make_coefficients(self):
        self._k_one_minus_beta_1, self._k_one_minus_beta_2 = _zero_d(), _zero_d()
        self._k_epsilon, self._k_step = _zero_d(), _zero_d()

    def _bind(self):
        state = self._state
        size = state.shape[1]
        self._m, self._v = state[0], state[1]
        self._moments = state[0:2]
        self._betas = np.empty((2, size))
        self._increments = np.empty((2, size))
        self._inc_m, self._inc_v = self._increments[0], self._increments[1]

    def _refresh(self):
        self._k_one_minus_beta_1[()] = 1.0 - self._beta_1
        self._k_one_minus_beta_2[()] = 1.0 - self._beta_2
        self._k_epsilon[()] = self._epsilon
        if self._state is not None:
            self._betas[0].fill(self._beta_1)
            self._betas[1].fill(self._beta_2)

    def _update_moments(self, g):
        """m = beta_1*m + (1-beta_1)*g and v = beta_2*v + (1-beta_2)*g**2 (5 calls)."""
        np.multiply(g, self._k_one_minus_beta_1, self._inc_m)
        np.multiply(g, self._k_one_minus_beta_2, self._inc_v)
        np.multiply(self._inc_v, g, self._inc_v)
        np.multiply(self._moments, self._betas, self._moments)
        np.add(self._moments, self._increments, self._moments)


class Adam(_MomentsOptimizer):
    """Adam, with the optional AMSGrad variant.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.Adam`` with the ``ApplyAdam`` /
    ``ApplyAdamWithAmsgrad`` kernels. Defaults: learning_rate=0.001, beta_1=0.9,
    beta_2=0.999, epsilon=1e-07, amsgrad=False (decay=0.0). Slots "m", "v", "vhat" start at
    zero; t = iterations + 1::

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        alpha = lr_t * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        amsgrad:   vhat = max(vhat, v);  p = p - alpha * m / (sqrt(vhat) + epsilon)
        otherwise:                       p = p - alpha * m / (sqrt(v) + epsilon)

    epsilon is the paper's "epsilon hat" (added to sqrt(v), outside the bias correction),
    as Keras 2 documents. While amsgrad is False, "vhat" keeps whatever value it had.
    """

    name = "adam"
    keras_name = "Adam"
    _hyperparameter_names = ("learning_rate", "decay", "beta_1", "beta_2", "epsilon", "amsgrad")
    _slot_names = ("m", "v", "vhat")
    __slots__ = ("_amsgrad", "_vhat")

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    beta_1 = _Hyperparameter(_UNIT_OPEN, 0.9, "Decay of the first moment.")
    beta_2 = _Hyperparameter(_UNIT_OPEN, 0.999, "Decay of the second moment.")
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant, the paper's 'epsilon hat'.")
    amsgrad = _Hyperparameter(_FLAG, False, "Use the AMSGrad variant.")

    def _bind(self):
        super()._bind()
        self._vhat = self._state[2]

    def _update(self, p, g, lr_t, t):
        self._update_moments(g)
        w = self._t
        v = self._v
        if self._amsgrad:
            np.maximum(self._vhat, v, out=self._vhat)
            v = self._vhat
        self._k_step[()] = lr_t * math.sqrt(1.0 - self._beta_2**t) / (1.0 - self._beta_1**t)
        np.sqrt(v, w)
        np.add(w, self._k_epsilon, w)
        np.divide(self._m, w, w)
        np.multiply(w, self._k_step, w)
        np.subtract(p, w, p)


class Adamax(_MomentsOptimizer):
    """Adamax: Adam with the infinity norm in place of the second moment.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.Adamax`` with the ``ApplyAdaMax``
    kernel. Defaults: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07
    (decay=0.0). (The older standalone Keras used learning_rate 0.002; tf.keras 2.x uses
    0.001.) Slots "m" and "v" (the paper's u) start at zero; t = iterations + 1::

        m = beta_1 * m + (1 - beta_1) * g
        v = max(beta_2 * v, |g|)
        p = p - lr_t / (1 - beta_1**t) * m / (v + epsilon)
    """

    name = "adamax"
    keras_name = "Adamax"
    _hyperparameter_names = ("learning_rate", "decay", "beta_1", "beta_2", "epsilon")
    _slot_names = ("m", "v")
    __slots__ = ()

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    beta_1 = _Hyperparameter(_UNIT_OPEN, 0.9, "Decay of the first moment.")
    beta_2 = _Hyperparameter(_UNIT, 0.999, "Decay of the infinity norm.")
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant for numerical stability.")

    def _update(self, p, g, lr_t, t):
        m, v, s, w = self._m, self._v, self._s, self._t
        np.multiply(self._moments, self._betas, self._moments)  # m *= beta_1; v *= beta_2
        np.multiply(g, self._k_one_minus_beta_1, s)
        np.add(m, s, m)
        np.absolute(g, s)
        np.maximum(v, s, out=v)
        self._k_step[()] = lr_t / (1.0 - self._beta_1**t)
        np.add(v, self._k_epsilon, w)
        np.divide(m, w, w)
        np.multiply(w, self._k_step, w)
        np.subtract(p, w, p)


class Nadam(_MomentsOptimizer):
    """Nadam: Adam with Nesterov momentum and Dozat's momentum schedule.

    Keras 2 (tf.keras optimizer_v2), ``keras.optimizers.Nadam`` (``nadam.py``). Defaults:
    learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07 (decay=0.0). (The older
    standalone Keras used learning_rate 0.002; tf.keras 2.x uses 0.001.) Slots "m", "v"
    start at zero, the momentum cache (a product of the mu's) at 1; t = iterations + 1::

        mu_t      = beta_1 * (1 - 0.5 * 0.96**(0.004 * t))
        mu_next   = beta_1 * (1 - 0.5 * 0.96**(0.004 * (t + 1)))
        cache     = cache * mu_t                       (= mu_1 * ... * mu_t)
        g_prime   = g / (1 - cache)
        m         = beta_1 * m + (1 - beta_1) * g
        m_prime   = m / (1 - cache * mu_next)
        v         = beta_2 * v + (1 - beta_2) * g**2
        v_prime   = v / (1 - beta_2**t)
        m_bar     = (1 - mu_t) * g_prime + mu_next * m_prime
        p         = p - lr_t * m_bar / (sqrt(v_prime) + epsilon)

    0.004 is Keras's ``schedule_decay`` and 0.96 its decay base. Difference from Keras 2:
    Keras 2's Nadam takes over the ``decay`` keyword for ``schedule_decay`` (fixed at
    0.004) and never decays its learning rate. Here the schedule constant is fixed at
    0.004 and ``decay`` is the same learning-rate decay as for the other optimizers, so
    with decay=0 (the default) the rule is exactly Keras 2's.
    """

    name = "nadam"
    keras_name = "Nadam"
    _hyperparameter_names = ("learning_rate", "decay", "beta_1", "beta_2", "epsilon")
    _slot_names = ("m", "v")
    __slots__ = ("_momentum_cache", "_k_g", "_k_m")

    #: Keras 2's ``schedule_decay`` and decay base of the momentum schedule.
    SCHEDULE_DECAY = 0.004
    DECAY_BASE = 0.96

    learning_rate = _Hyperparameter(_NON_NEGATIVE, 0.001, "Learning rate.")
    beta_1 = _Hyperparameter(_UNIT_OPEN, 0.9, "Base of the momentum schedule.")
    beta_2 = _Hyperparameter(_UNIT_OPEN, 0.999, "Decay of the second moment.")
    epsilon = _Hyperparameter(_POSITIVE, 1e-07, "Small constant for numerical stability.")

    @property
    def momentum_cache(self) -> float:
        """Product mu_1 * ... * mu_t of the momentum schedule so far (1.0 before any step)."""
        return self._momentum_cache

    def _make_coefficients(self):
        super()._make_coefficients()
        self._k_g, self._k_m = _zero_d(), _zero_d()

    def _reset_extra(self):
        self._momentum_cache = 1.0

    def _copy_extra(self, clone):
        clone._momentum_cache = self._momentum_cache

    def _extra_state(self):
        return {"momentum_cache": self._momentum_cache}

    def _set_extra_state(self, extra):
        if "momentum_cache" in extra:
            self._momentum_cache = extra["momentum_cache"]

    def _update(self, p, g, lr_t, t):
        beta_1 = self._beta_1
        mu_t = beta_1 * (1.0 - 0.5 * self.DECAY_BASE ** (self.SCHEDULE_DECAY * t))
        mu_next = beta_1 * (1.0 - 0.5 * self.DECAY_BASE ** (self.SCHEDULE_DECAY * (t + 1)))
        cache = self._momentum_cache * mu_t
        self._momentum_cache = cache
        # lr_t * m_bar / (sqrt(v / c2) + eps) = lr_t*sqrt(c2) * m_bar / (sqrt(v) + eps*sqrt(c2))
        root_c2 = math.sqrt(1.0 - self._beta_2**t)
        scale = lr_t * root_c2
        self._k_g[()] = scale * (1.0 - mu_t) / (1.0 - cache)
        self._k_m[()] = scale * mu_next / (1.0 - cache * mu_next)
        self._k_step[()] = self._epsilon * root_c2
        self._update_moments(g)
        s, w = self._s, self._t
        np.multiply(g, self._k_g, s)
        np.multiply(self._m, self._k_m, w)
        np.add(s, w, s)  # s = lr_t * sqrt(c2) * m_bar
        np.sqrt(self._v, w)
        np.add(w, self._k_step, w)
        np.divide(s, w, s)
        np.subtract(p, s, p)


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

_CLASSES = (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam)
_REGISTRY = {cls.name: cls for cls in _CLASSES}

#: Optimizer names accepted by :func:`get`, in the order Keras's documentation lists them.
NAMES = tuple(cls.name for cls in _CLASSES)

#: What a menu shows for each optimizer: its Keras class name.
LABELS = {cls.name: cls.keras_name for cls in _CLASSES}

#: Hyperparameter names per optimizer, in Keras's argument order ("learning_rate" and
#: "decay" first; they are common to all, see COMMON_HYPERPARAMETERS).
HYPERPARAMETERS = {cls.name: cls._hyperparameter_names for cls in _CLASSES}

#: Keras 2 (tf.keras 2.x) default of every hyperparameter, per optimizer.
DEFAULTS = {
    cls.name: {key: getattr(cls, key).default for key in cls._hyperparameter_names}
    for cls in _CLASSES
}


def get(name: str, **hyperparameters) -> Optimizer:
    """Make the optimizer called ``name`` (one of NAMES, case-insensitive).

    Hyperparameters use Keras's names; a value of None means the default. An unknown name,
    an unknown hyperparameter or an invalid value raises ValueError (a wrong type raises
    HyperparameterTypeError, which is also a ValueError).
    """
    if not isinstance(name, str):
        raise HyperparameterTypeError(
            f"optimizer name must be a str, got {name!r} ({type(name).__name__}); "
            f"allowed: {', '.join(NAMES)}"
        )
    cls = _REGISTRY.get(name.strip().lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; allowed: {', '.join(NAMES)}")
    return cls(**hyperparameters)
