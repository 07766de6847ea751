"""Gradient descent you can watch: loss curves and surfaces, and a ball rolling down them.

The chapter "How do neural networks learn?" draws gradient descent on a one-parameter loss
curve: the ball follows the negative gradient, a small learning rate crawls, a large one
"bounces at the bottom of the well" or flies off, decay calms it, and momentum carries it
over the bump of a local minimum into the global one. This module is the engine behind the
``Descent`` widget (``nbplayground.ui.descent``); it imports no widget code.

Named curves (:data:`CURVES`), each a :class:`Curve` with its gradient::

    bowl          f(x) = (x - 1)^2                         1-D, convex, minimum at x = 1
    local-minima  f'(x) = 0.1 (x + 2)(x + 0.8)(x - 2)      1-D, local minimum at -2, global at 2
    ravine        f(x, y) = x^2 / 50 + y^2                 2-D, a long narrow valley
    saddle        f(x, y) = x^2 / 2 + y^4 / 4 - y^2 / 2    2-D, a saddle at (0, 0), minima at y = ±1

On ``"bowl"`` plain SGD moves x - 1 by the factor (1 - 2 lr) each step: it converges step by
step for lr < 0.5, bounces from side to side for 0.5 < lr < 1 and diverges for lr > 1.

:class:`Descent` rolls one ball::

    d = Descent("local-minima", learning_rate=0.1, momentum=0.9)
    d.step(200)
    d.position, d.loss, d.path          # path: positions, start first, shape (steps + 1, dim)

Every update goes through :mod:`nbplayground.optimizers` (``get(name, **settings).step``),
the very optimizers the trainer uses, so every optimizer and setting works here.
``Descent(f=callable, grad=None, start=..., range=...)`` descends your own function of one
or two variables (``f(x)`` or ``f(x, y)``); without ``grad`` the gradient is taken by
central finite differences.

:class:`Race` rolls several balls on one curve, one per optimizer setting::

    race = Race("ravine", runs=[dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9),
                                dict(optimizer="adam")])
    race.step(100)
    race.positions, race.labels

A ball whose position or loss stops being finite, or that leaves a generous box around the
plotting range (:attr:`Descent.bound`), has *diverged*: it stops where it is and
:attr:`Descent.diverged` and :attr:`Descent.status` say so.  So does a ball where your
``grad`` fails (raises or returns no number); a reset to a start where it fails is refused.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import optimizers as _optimizers
from .config import OPTIMIZER_SETTING_RULES, check_optimizer_setting
from .config import short_repr as _short

__all__ = ["CURVES", "Curve", "Descent", "Race", "finite_difference_gradient", "surface_levels",
           "run_label"]

#: How far outside the plotting range a ball may go before it counts as diverged, in
#: multiples of the range's span (per coordinate).
BOUND_SPANS = 100.0


# --------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Curve:
    """A loss curve (``dim == 1``) or surface (``dim == 2``) with its gradient.

    ``f(*coords)`` and ``grad(*coords)`` take one array (or float) per coordinate and
    broadcast (``f(x)`` or ``f(x, y)``); ``grad`` returns one value per coordinate (a tuple
    for 2-D). ``range`` is the plotting range: ``(lo, hi)`` in 1-D, ``((x0, x1), (y0, y1))``
    in 2-D. ``start`` is the default start and ``learning_rate`` the default learning rate.
    """

    name: str
    title: str
    description: str
    f: Callable
    grad: Callable | None
    dim: int
    start: tuple
    range: tuple
    learning_rate: float
    #: known minima, for the plots and the tests
    minima: tuple = ()

    @property
    def ranges(self) -> tuple:
        """The plotting range as one ``(lo, hi)`` pair per coordinate."""
        return (tuple(self.range),) if self.dim == 1 else tuple(tuple(r) for r in self.range)

    def value(self, position) -> float:
        """f at one position (a sequence of ``dim`` numbers); inf where it overflows.

        Python's float arithmetic raises OverflowError (``(1e200 - 1) ** 2``) where
        NumPy gives inf: a ball flung that far has diverged, it is not an error.
        """
        return _value(self.f, *(float(p) for p in position))

    def gradient(self, position) -> np.ndarray:
        """The gradient at one position, as a float64 array of length ``dim``."""
        point = np.asarray(position, dtype=np.float64)
        if self.grad is None:
            return finite_difference_gradient(self.f, point)
        coords = tuple(float(p) for p in point)
        try:
            value = self.grad(*coords)
        except Exception as exc:
            raise ValueError(f"grad{coords} raised {type(exc).__name__}: {exc}") from exc
        try:
            g = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            want = "a number" if self.dim == 1 else f"{self.dim} numbers (dx, dy)"
            raise TypeError(f"grad{coords} returned {_short(value)}; grad must return "
                            f"{want}") from None
        if g.size != self.dim:
            raise ValueError(f"grad{tuple(point.tolist())} returned {g.tolist()!r}; it must "
                             f"return {self.dim} number(s), one per coordinate")
        return g.reshape(self.dim)

    def curve(self, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
        """(x, f(x)) sampled over the range (1-D curves)."""
        if self.dim != 1:
            raise ValueError(f"curve {self.name!r} is 2-D; use surface()")
        lo, hi = self.range
        x = np.linspace(lo, hi, int(points))
        return x, _evaluate(self.f, x)

    def surface(self, size: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, z) over the range (2-D surfaces): ``z[i, j] = f(x[j], y[i])`` with row 0
        at the TOP (largest y), the order pictures are drawn in."""
        if self.dim != 2:
            raise ValueError(f"curve {self.name!r} is 1-D; use curve()")
        (x0, x1), (y0, y1) = self.range
        x = np.linspace(x0, x1, int(size))
        y = np.linspace(y1, y0, int(size))
        xx, yy = np.meshgrid(x, y)
        return x, y, _evaluate(self.f, xx, yy)


def _evaluate(f, *coords) -> np.ndarray:
    """f over arrays: vectorised if f broadcasts, else point by point."""
    try:
        with np.errstate(all="ignore"):  # where f is undefined (sqrt of x < 0): NaN, not drawn
            z = np.asarray(f(*coords), dtype=np.float64)
        if z.shape == coords[0].shape:
            return z
    except Exception:  # a scalar-only function (math.sin, if ...): fall back
        pass
    flat = [c.ravel() for c in coords]
    z = np.array([_value(f, *(c[i] for c in flat)) for i in range(flat[0].size)])
    return z.reshape(coords[0].shape)


def _value(f, *point) -> float:
    """f at one point as a float: inf where Python's float arithmetic overflows
    (``(1e200 - 1) ** 2``), NaN where f is undefined (``math.log(-1)``, ``1 / 0``,
    a complex ``(-1) ** 0.5``). A ball that gets there has diverged; the drawing
    leaves such points out."""
    try:
        with np.errstate(all="ignore"):
            value = f(*point)
        return float(value)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError, TypeError):
        return math.nan


def surface_levels(z: np.ndarray) -> np.ndarray:
    """Loss values → colour levels in [-1, 1] for a picture (-1 high loss, +1 the lowest).

    Log-scaled above the minimum, so the low valleys are as well resolved as the walls.
    NaN stays NaN.
    """
    z = np.asarray(z, dtype=np.float64)
    finite = np.isfinite(z)
    if not finite.any():
        return np.full(z.shape, np.nan)
    lo, hi = z[finite].min(), z[finite].max()
    span = hi - lo if hi > lo else 1.0
    t = np.log1p(50.0 * (z - lo) / span) / math.log1p(50.0)   # 0 at the minimum, 1 at the top
    return np.where(finite, 1.0 - 2.0 * t, np.nan)


def finite_difference_gradient(f: Callable, position, h: float = 1e-6) -> np.ndarray:
    """Central differences: ``(f(p + h_i e_i) - f(p - h_i e_i)) / (2 h_i)``, with
    ``h_i = h * max(1, |p_i|)``."""
    p = np.asarray(position, dtype=np.float64).reshape(-1)
    g = np.empty_like(p)
    for i in range(p.size):
        step = h * max(1.0, abs(p[i]))
        up, down = p.copy(), p.copy()
        up[i] += step
        down[i] -= step
        with np.errstate(all="ignore"):
            g[i] = (_value(f, *up) - _value(f, *down)) / (up[i] - down[i])
    return g


# -- the named curves -----------------------------------------------------------------

def _bowl(x):
    return (x - 1.0) ** 2


def _bowl_grad(x):
    return 2.0 * (x - 1.0)


# local-minima: f'(x) = K (x - A)(x - B)(x - C), minima at A (local) and C (global),
# the bump at B; f is its integral with f(0) = 0.
_K, _A, _B, _C = 0.1, -2.0, -0.8, 2.0
_S1, _S2, _S3 = _A + _B + _C, _A * _B + _A * _C + _B * _C, _A * _B * _C


def _local_minima(x):
    return _K * (x ** 4 / 4.0 - _S1 * x ** 3 / 3.0 + _S2 * x ** 2 / 2.0 - _S3 * x)


def _local_minima_grad(x):
    return _K * (x - _A) * (x - _B) * (x - _C)


def _ravine(x, y):
    return x * x / 50.0 + y * y


def _ravine_grad(x, y):
    return (x / 25.0, 2.0 * y)


def _saddle(x, y):
    return x * x / 2.0 + y ** 4 / 4.0 - y * y / 2.0


def _saddle_grad(x, y):
    return (x, y ** 3 - y)


#: The named curves, by name.
CURVES: dict[str, Curve] = {c.name: c for c in (
    Curve("bowl", "A bowl: (x − 1)²",
          "One minimum at x = 1: small rates creep down, rates over 0.5 bounce across it, "
          "over 1 fly off.",
          _bowl, _bowl_grad, 1, (-3.0,), (-4.0, 6.0), 0.1, ((1.0,),)),
    Curve("local-minima", "A local minimum before the global one",
          "A shallow minimum at x = −2 before the deep one at x = 2: plain SGD stops in the "
          "first, momentum 0.9 rolls over the bump.",
          _local_minima, _local_minima_grad, 1, (-4.0,), (-4.5, 3.5), 0.1, ((_A,), (_C,))),
    Curve("ravine", "A ravine: x²/50 + y²",
          "A long narrow valley: plain SGD zig-zags across it and crawls along it; momentum "
          "and Adam go down its length.",
          _ravine, _ravine_grad, 2, (-4.5, 2.0), ((-5.0, 5.0), (-3.0, 3.0)), 0.9, ((0.0, 0.0),)),
    Curve("saddle", "A saddle: x²/2 + y⁴/4 − y²/2",
          "A saddle point at (0, 0) between two valleys at y = ±1: near it the gradient almost "
          "vanishes and plain SGD lingers.",
          _saddle, _saddle_grad, 2, (-2.8, 0.01), ((-3.0, 3.0), (-2.0, 2.0)), 0.1,
          ((0.0, 1.0), (0.0, -1.0))),
)}


# --------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------


def _real(name: str, value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}={value!r} ({type(value).__name__}) is not allowed; "
                        f"it must be a finite real number")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name}={value!r} is not allowed; it must be a finite real number")
    return x


def _point(name: str, value, dim: int | None) -> tuple:
    """A position: a number (1-D) or a sequence of ``dim`` finite numbers."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        coords = (value,)
    elif isinstance(value, (str, bytes, dict)):
        coords = ()
    else:
        try:
            coords = tuple(np.asarray(value, dtype=object).reshape(-1))
        except Exception:
            coords = ()
        if not coords:
            raise TypeError(f"{name}={value!r} is not allowed; it must be a number (1-D) or a "
                            f"pair of numbers (2-D)")
    if dim is not None and len(coords) != dim:
        raise ValueError(f"{name}={value!r} has {len(coords)} coordinate(s); this curve is "
                         f"{dim}-D, so it needs {dim}")
    if len(coords) not in (1, 2):
        raise ValueError(f"{name}={value!r} has {len(coords)} coordinates; allowed: 1 or 2")
    return tuple(_real(f"{name}[{i}]", c) for i, c in enumerate(coords))


def _plot_range(value, dim: int) -> tuple:
    """``(lo, hi)`` in 1-D, ``((x0, x1), (y0, y1))`` in 2-D, each lo < hi."""
    pairs = [value] if dim == 1 else value
    try:
        pairs = [tuple(p) for p in pairs]
        ok = len(pairs) == dim and all(len(p) == 2 for p in pairs)
    except TypeError:
        ok = False
    if not ok:
        want = "(lo, hi)" if dim == 1 else "((x0, x1), (y0, y1))"
        raise ValueError(f"range={value!r} is not allowed; a {dim}-D curve needs {want}")
    out = []
    for i, (lo, hi) in enumerate(pairs):
        lo, hi = _real(f"range[{i}][0]", lo), _real(f"range[{i}][1]", hi)
        if not lo < hi:
            raise ValueError(f"range={value!r} is not allowed; each pair must have lo < hi")
        out.append((lo, hi))
    return out[0] if dim == 1 else tuple(out)


def _custom_curve(f, grad, start, plot_range) -> Curve:
    """A Curve around the user's ``f`` (and ``grad``)."""
    if not callable(f):
        raise TypeError(f"f={f!r} is not allowed; it must be a function f(x) or f(x, y)")
    if grad is not None and not callable(grad):
        raise TypeError(f"grad={grad!r} is not allowed; it must be a function or None "
                        f"(None: finite differences)")
    if start is None:
        raise ValueError("Descent(f=...) needs start=: a number (1-D) or a pair (x, y) (2-D)")
    point = _point("start", start, None)
    dim = len(point)
    try:
        value = f(*point)
    except Exception as exc:
        raise ValueError(f"f{point} raised {type(exc).__name__}: {exc}") from exc
    if np.ndim(value) != 0:
        raise ValueError(f"f{point} returned {value!r}; f must return one number")
    try:
        finite = math.isfinite(float(value))
    except (TypeError, ValueError):
        raise TypeError(f"f{point} returned {value!r}; f must return a number") from None
    if not finite:
        raise ValueError(f"f{point} = {float(value)!r}; f must give a finite number at the "
                         "start (choose a start where f is defined)")
    if plot_range is None:
        plot_range = [(c - 5.0, c + 5.0) for c in point]
        plot_range = plot_range[0] if dim == 1 else tuple(plot_range)
    plot_range = _plot_range(plot_range, dim)
    curve = Curve("custom", "Your function", "f given by you" + (
        ", with its gradient" if grad is not None else ", gradient by finite differences"),
        f, grad, dim, point, plot_range, 0.1)
    g = curve.gradient(point)
    if g.shape != (dim,):
        raise ValueError(f"grad{point} must return {dim} number(s); got {g!r}")
    return curve


def _curve(curve) -> Curve:
    if isinstance(curve, Curve):
        return curve
    if isinstance(curve, str) and curve in CURVES:
        return CURVES[curve]
    raise ValueError(f"curve={curve!r} is not a curve; allowed: {', '.join(CURVES)} "
                     f"(or f=your_function)")


# --------------------------------------------------------------------------------------
# One ball
# --------------------------------------------------------------------------------------


def _settings(optimizer: str, settings: dict) -> dict:
    """Drop settings that are None and that the optimizer does not have (None = default),
    so ``Descent(optimizer="adam", momentum=None)`` works; anything else goes to
    :func:`nbplayground.optimizers.get`, which names what it refuses."""
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer={optimizer!r} is not allowed; allowed: "
                        f"{', '.join(_optimizers.NAMES)}")
    name = optimizer.strip().lower()
    if name not in _optimizers.NAMES:
        raise ValueError(f"optimizer={optimizer!r} is not an optimizer; allowed: "
                         f"{', '.join(_optimizers.NAMES)}")
    allowed = _optimizers.HYPERPARAMETERS[name]
    return {k: v for k, v in settings.items() if v is not None or k in allowed}


class Descent:
    """One ball rolling down a curve, moved by an optimizer of :mod:`nbplayground.optimizers`.

    ``Descent(curve="bowl", *, optimizer="sgd", learning_rate=None, decay=0.0,
    momentum=None, nesterov=None, start=None, f=None, grad=None, range=None,
    **optimizer_settings)``

    * ``curve``: a name in :data:`CURVES` (default ``"bowl"``), or give ``f`` instead:
      ``f(x)`` or ``f(x, y)``, with ``grad`` (returns a number, or an (dx, dy) pair) or
      None for central finite differences, ``start`` (required) and ``range`` (default
      start ± 5).
    * ``optimizer`` and its settings (Keras's names: ``learning_rate``, ``decay``,
      ``momentum``, ``nesterov``, ``rho``, ``epsilon``, ``beta_1``, ``beta_2``,
      ``amsgrad``); ``learning_rate=None`` takes the curve's default (not the
      optimizer's: Keras's 0.001 would barely move the ball), other None values the
      optimizer's defaults.  Settings a :class:`~nbplayground.config.Config` holds follow
      its rules (:data:`~nbplayground.config.OPTIMIZER_SETTING_RULES`: learning_rate > 0,
      momentum, rho, beta_1 and beta_2 in [0, 1) ...), stricter than Keras's.
    * ``start``: the start position (default: the curve's).

    ``step(n)`` moves the ball n steps; ``position``, ``loss``, ``gradient``, ``path``,
    ``losses``, ``steps``, ``diverged``, ``status``; ``reset(start=None)``;
    ``configure(optimizer=None, **settings)`` changes the optimizer or its settings live.
    """

    CURVES = CURVES

    def __init__(self, curve=None, *, optimizer: str = "sgd", learning_rate=None, decay=0.0,
                 momentum=None, nesterov=None, start=None, f=None, grad=None, range=None,
                 **optimizer_settings):
        plot_range = range
        if f is not None:
            if curve is not None:
                raise ValueError(f"give curve={curve!r} or f=..., not both")
            self._curve = _custom_curve(f, grad, start, plot_range)
        else:
            if grad is not None:
                raise ValueError("grad= goes with f=; a named curve has its own gradient")
            self._curve = _curve("bowl" if curve is None else curve)
            if plot_range is not None:
                self._curve = _replace_range(self._curve, plot_range)
        c = self._curve
        self._start = c.start if start is None else _point("start", start, c.dim)
        self._bound = tuple((lo - BOUND_SPANS * (hi - lo), hi + BOUND_SPANS * (hi - lo))
                            for lo, hi in c.ranges)
        settings = dict(optimizer_settings, learning_rate=(
            c.learning_rate if learning_rate is None else learning_rate),
            decay=decay, momentum=momentum, nesterov=nesterov)
        self._optimizer_name, self._optimizer = self._make(optimizer, settings)
        self._settings = {k: v for k, v in settings.items() if v is not None}
        self.reset()

    @staticmethod
    def _make(optimizer, settings):
        kept = _settings(optimizer, settings)
        for key, value in kept.items():   # Config's rules: learning_rate > 0, momentum < 1...
            if value is not None and key in OPTIMIZER_SETTING_RULES:
                check_optimizer_setting(key, value)
        name = optimizer.strip().lower()
        return name, _optimizers.get(name, **kept)

    # -- state --------------------------------------------------------------------------

    @property
    def curve(self) -> Curve:
        return self._curve

    @property
    def dim(self) -> int:
        return self._curve.dim

    @property
    def start(self) -> tuple:
        return self._start

    @property
    def optimizer(self) -> str:
        """The optimizer's name (see :attr:`optimizer_object` for the object)."""
        return self._optimizer_name

    @property
    def optimizer_object(self) -> _optimizers.Optimizer:
        return self._optimizer

    @property
    def settings(self) -> dict:
        """The optimizer's settings in use (``optimizers.get(d.optimizer, **d.settings)``)."""
        return self._optimizer.config()

    @property
    def learning_rate(self) -> float:
        return self._optimizer.learning_rate

    @property
    def current_learning_rate(self) -> float:
        """The (decayed) learning rate of the next step."""
        return self._optimizer.current_learning_rate

    @property
    def position(self) -> np.ndarray:
        """Where the ball is (a copy, shape (dim,))."""
        return self._position.copy()

    @property
    def loss(self) -> float:
        """f at the position."""
        return self._losses[-1]

    @property
    def gradient(self) -> np.ndarray:
        """The gradient at the position."""
        return self._gradient.copy()

    @property
    def path(self) -> np.ndarray:
        """Every position so far, start first: shape (steps + 1, dim)."""
        return np.array(self._path)

    @property
    def losses(self) -> np.ndarray:
        """f along :attr:`path`."""
        return np.array(self._losses)

    def tail(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The last ``n`` positions and their losses (what a trail draws), cheaply."""
        return np.array(self._path[-n:]), np.array(self._losses[-n:])

    @property
    def steps(self) -> int:
        return len(self._path) - 1

    @property
    def bound(self) -> tuple:
        """Per coordinate, the (lo, hi) box the ball must stay in."""
        return self._bound

    @property
    def diverged(self) -> bool:
        return self._diverged is not None

    @property
    def status(self) -> str:
        """"" while all is well; else why the ball stopped."""
        return self._diverged or ""

    # -- actions ------------------------------------------------------------------------

    def reset(self, start=None) -> None:
        """Back to ``start`` (default: the start in use; a new one becomes the start),
        step 0, the optimizer's state cleared."""
        start = self._start if start is None else _point("start", start, self.dim)
        position = np.array(start, dtype=np.float64)
        gradient = self._curve.gradient(position)   # your grad may refuse: nothing changed
        self._start, self._position, self._gradient = start, position, gradient
        self._optimizer.reset()
        self._path = [self._position.copy()]
        self._diverged = None
        loss = self._curve.value(self._position)
        self._losses = [loss]
        self._check(loss)

    def step(self, n: int = 1) -> int:
        """Move the ball ``n`` steps (fewer if it diverges); return the steps taken."""
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n={n!r} is not allowed; it must be an int >= 0")
        done = 0
        curve, opt, p = self._curve, self._optimizer, self._position
        while done < n and self._diverged is None:
            opt.step(p, self._gradient)
            loss = curve.value(p) if np.all(np.isfinite(p)) else math.nan
            self._path.append(p.copy())
            self._losses.append(loss)
            done += 1
            if self._check(loss):
                try:
                    self._gradient = curve.gradient(p)
                except (TypeError, ValueError) as exc:  # your grad, undefined here
                    self._diverged = f"stopped at step {self.steps}: {exc}"
                    break
                if not np.all(np.isfinite(self._gradient)):
                    self._diverged = f"diverged at step {self.steps}: the gradient is not finite"
        return done

    def _check(self, loss) -> bool:
        """Mark the ball diverged if it left the bound or its loss is not finite."""
        p = self._position
        if not (np.all(np.isfinite(p)) and math.isfinite(loss)):
            self._diverged = f"diverged at step {self.steps}: the position or loss is not finite"
        elif any(not lo <= x <= hi for x, (lo, hi) in zip(p, self._bound)):
            self._diverged = (f"diverged at step {self.steps}: the ball flew off, more "
                              f"than {BOUND_SPANS:g} plot widths beyond the plot")
        return self._diverged is None

    def configure(self, optimizer: str | None = None, **settings) -> None:
        """Change the optimizer and/or its settings; the ball stays where it is.

        Changing the optimizer starts a fresh one (its slots empty) with the settings it
        shares with the old one (``learning_rate``, ``decay``, ...) plus ``settings``.
        Settings of the same optimizer apply from the next step and keep its state (a
        velocity, say). Everything is checked first: a refused change changes nothing.
        """
        name = self._optimizer_name if optimizer is None else optimizer
        kept = self._settings
        if isinstance(name, str) and name.strip().lower() != self._optimizer_name:
            # carry over only what the new optimizer has (momentum does not go to Adam)
            names = _optimizers.HYPERPARAMETERS.get(name.strip().lower(), ())
            kept = {k: v for k, v in kept.items() if k in names}
        merged = dict(kept, **settings)
        new_name, fresh = self._make(name, merged)   # validates everything
        if new_name == self._optimizer_name:
            for key, value in fresh.config().items():
                if getattr(self._optimizer, key) != value:
                    setattr(self._optimizer, key, value)
        else:
            self._optimizer_name, self._optimizer = new_name, fresh
        self._settings = {k: v for k, v in merged.items() if v is not None}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return (f"Descent({self._curve.name!r}, optimizer={self._optimizer_name!r}, {args}, "
                f"start={self._start!r}) at step {self.steps}")


def _replace_range(curve: Curve, plot_range) -> Curve:
    from dataclasses import replace
    return replace(curve, range=_plot_range(plot_range, curve.dim))


# --------------------------------------------------------------------------------------
# A race
# --------------------------------------------------------------------------------------


def run_label(optimizer: str, settings: dict) -> str:
    """A short legend label: "SGD", "SGD, momentum 0.9", "Adam", "SGD, lr 0.8" ..."""
    names = {"sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta",
             "adam": "Adam", "adamax": "Adamax", "nadam": "Nadam"}
    label = names.get(optimizer, optimizer)
    parts = []
    if settings.get("momentum"):
        parts.append(("Nesterov " if settings.get("nesterov") else "") +
                     f"momentum {settings['momentum']:g}")
    for key, short in (("learning_rate", "lr"), ("decay", "decay")):
        if settings.get(key) is not None and key in settings.get("_own", ()):
            parts.append(f"{short} {settings[key]:g}")
    return ", ".join([label] + parts)


#: every setting name some optimizer has
_ALL_SETTINGS = frozenset(k for names in _optimizers.HYPERPARAMETERS.values() for k in names)


def _check_common(common: dict) -> None:
    unknown = sorted(set(common) - _ALL_SETTINGS - {"optimizer"})
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r} (given {common[unknown[0]]!r}); "
                         f"allowed: optimizer, {', '.join(sorted(_ALL_SETTINGS))}")


def _common_for(optimizer, common: dict) -> dict:
    """The common settings that ``optimizer`` has (momentum goes to SGD only, say)."""
    names = _optimizers.HYPERPARAMETERS.get(str(optimizer).strip().lower(), ())
    return {k: v for k, v in common.items() if k == "optimizer" or k in names}


class Race:
    """Several balls on one curve, one per run: ``Race(curve="bowl", runs=[{...}, ...],
    start=None, f=None, grad=None, range=None, **common)``.

    Each run is a dict of :class:`Descent` arguments (``optimizer`` and its settings);
    ``common`` settings (``learning_rate``, ``decay``, ...) apply to every run that does not
    set its own. All start at the same point. ``labels`` names each run for a legend (a
    run's ``label`` key overrides it). ``step(n)`` steps every ball that has not diverged.
    """

    def __init__(self, curve=None, runs=None, *, start=None, f=None, grad=None, range=None,
                 **common):
        if runs is None:
            runs = [dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9),
                    dict(optimizer="adam")]
        if isinstance(runs, dict) or not isinstance(runs, (list, tuple)) or not runs:
            raise ValueError(f"runs={runs!r} is not allowed; it must be a non-empty list of "
                             f"dicts, e.g. [dict(optimizer='sgd'), dict(optimizer='adam')]")
        for i, run in enumerate(runs):
            if not isinstance(run, dict):
                raise ValueError(f"runs[{i}]={run!r} is not allowed; each run must be a dict "
                                 f"of optimizer settings")
            bad = sorted(set(run) & {"curve", "f", "grad", "range", "start"})
            if bad:
                raise ValueError(f"runs[{i}] sets {', '.join(bad)}; a race shares the curve and "
                                 f"the start: give them to Race(...)")
        self._overrides = [dict(run) for run in runs]
        self._common = dict(common)
        self._where = dict(curve=curve, f=f, grad=grad, range=range)
        self.runs = self._build(self._common, start)
        first = self.runs[0]
        self._curve = first.curve

    def _build(self, common, start):
        _check_common(common)
        made = []
        for i, run in enumerate(self._overrides):
            own = {k: v for k, v in run.items() if k != "label"}
            optimizer = own.get("optimizer", common.get("optimizer", "sgd"))
            args = dict(_common_for(optimizer, common), **own)
            try:
                made.append(Descent(**self._where, start=start, **args))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"runs[{i}]: {exc}") from exc
            # a custom curve is made once: the others share it
            if self._where.get("f") is not None:
                self._where = dict(curve=made[0].curve)
                start = made[0].start
        return made

    # -- state --------------------------------------------------------------------------

    @property
    def curve(self) -> Curve:
        return self._curve

    @property
    def dim(self) -> int:
        return self._curve.dim

    @property
    def start(self) -> tuple:
        return self.runs[0].start

    def __repr__(self):
        return (f"Race({self._curve.name!r}, {len(self.runs)} runs: {', '.join(self.labels)}) "
                f"at step {self.steps}")

    @property
    def labels(self) -> list[str]:
        out = []
        for run, over in zip(self.runs, self._overrides):
            if "label" in over:
                out.append(str(over["label"]))
                continue
            settings = dict(run.settings, _own=tuple(over))
            out.append(run_label(run.optimizer, settings))
        return out

    @property
    def positions(self) -> list[np.ndarray]:
        return [run.position for run in self.runs]

    @property
    def paths(self) -> list[np.ndarray]:
        return [run.path for run in self.runs]

    @property
    def losses(self) -> list[float]:
        """The loss of each run now."""
        return [run.loss for run in self.runs]

    @property
    def steps(self) -> int:
        return max(run.steps for run in self.runs)

    @property
    def diverged(self) -> bool:
        """True when every ball has diverged."""
        return all(run.diverged for run in self.runs)

    @property
    def own_settings(self) -> frozenset:
        """The settings every run sets itself (what the race varies): a common change
        through :meth:`configure` reaches none of them."""
        return frozenset(set.intersection(*(set(over) for over in self._overrides)))

    # -- actions ------------------------------------------------------------------------

    def step(self, n: int = 1) -> int:
        """Step every ball n steps; return the most steps any ball took."""
        return max(run.step(n) for run in self.runs)

    def reset(self, start=None) -> None:
        if start is not None:
            start = _point("start", start, self.dim)
        for run in self.runs:
            run.reset(start)

    def configure(self, **common) -> None:
        """Change the common settings: each run that does not set its own takes them.
        Checked for every run first; a refused change changes nothing."""
        _check_common(common)
        plans = []
        for i, (run, over) in enumerate(zip(self.runs, self._overrides)):
            mine = {k: v for k, v in _common_for(run.optimizer, common).items() if k not in over}
            plans.append((run, mine))
            try:  # the very checks run.configure makes (Config's rules included)
                Descent._make(run.optimizer, dict(run._settings, **mine))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"runs[{i}]: {exc}") from exc
        for run, mine in plans:
            run.configure(**mine)
        self._common.update(common)
