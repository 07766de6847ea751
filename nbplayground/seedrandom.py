"""The random stream of TensorFlow Playground, reproduced exactly.

Playground calls ``Math.seedrandom(seed)`` (seedrandom 2.4.4), which replaces
``Math.random`` by an ARC4 (RC4) keystream turned into doubles.  Data
generation, the shuffle and the initial weights all draw from that one stream,
so reproducing it bit for bit makes a Playground seed give Playground's run.

The algorithm (docs/playground.md §2.1):

* **Key.**  ``smear = 0``; for each UTF-16 code unit ``c`` at position ``j`` of
  the seed string, with ``k = j mod 256``::

      smear  = smear XOR (19 * key[k])        # unset key[k] counts as 0
      key[k] = (smear + c) mod 256

  An empty seed gives the key ``[0]``.
* **Key schedule** (standard RC4): ``S = [0..255]``, ``j = 0``; for ``i`` in
  ``0..255``: ``j = (j + key[i mod len(key)] + S[i]) mod 256``, swap
  ``S[i], S[j]``.  Output counters start at ``i = j = 0``.
* **Bytes** (standard RC4): ``i = i+1``, ``j = j+S[i]`` (mod 256), swap, emit
  ``S[(S[i]+S[j]) mod 256]``.  ``g(m)`` reads ``m`` bytes as a big-endian
  integer.  The first 256 bytes are discarded.
* **Double.**  ``n = g(6)``, ``d = 2**48``, ``x = 0``; while ``n < 2**52``:
  ``n = (n + x) * 256``, ``d *= 256``, ``x = g(1)``; then while
  ``n >= 2**53``: ``n //= 2``, ``d //= 2``, ``x //= 2``.  Return
  ``(n + x) / d``.  Every quantity is an exact integer, and Python's
  int/int division is correctly rounded like JavaScript's double division of
  exact operands, so the result is identical to seedrandom's.

Also here: :func:`to_fixed` (JavaScript's ``Number.prototype.toFixed``) and
:func:`new_seed`, Playground's way of drawing a new seed string.
"""

from __future__ import annotations

import decimal
import math
from typing import Callable

__all__ = ["SeedRandom", "to_fixed", "new_seed"]

_WIDTH = 256
_MASK = 255
_CHUNKS = 6
_START_DENOM = 1 << 48  # 256 ** 6
_SIGNIFICANCE = 1 << 52
_OVERFLOW = 1 << 53


def _r(value, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters; safe for any value (a 10**5000 int)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - str() of a huge int, a broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _utf16_code_units(text: str) -> list[int]:
    """Return the UTF-16 code units of ``text`` (what JS ``charCodeAt`` sees).

    Characters outside the Basic Multilingual Plane become a surrogate pair,
    exactly as in a JavaScript string.
    """
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


def _mix_key(seed: str) -> list[int]:
    """seedrandom's ``mixkey``: fold the seed string into a key of <= 256 bytes."""
    key: list[int] = []
    smear = 0
    for j, code in enumerate(_utf16_code_units(seed)):
        k = j & _MASK
        if k < len(key):
            smear ^= key[k] * 19
            key[k] = (smear + code) & _MASK
        else:  # key[k] is still unset: it counts as 0 in the smear
            key.append((smear + code) & _MASK)
    return key


class SeedRandom:
    """seedrandom 2.4.4's ARC4 stream keyed by a seed string.

    >>> rng = SeedRandom("hello.")
    >>> rng.random()
    0.9282578795792454
    >>> rng()
    0.3752569768646784

    Calling the instance is the same as :meth:`random`, so an instance can be
    passed wherever a ``rand()`` callable is expected.
    """

    __slots__ = ("seed", "_s", "_i", "_j")

    def __init__(self, seed: str) -> None:
        if not isinstance(seed, str):
            raise TypeError(
                f"seed must be a str (Playground seeds are strings), got "
                f"{type(seed).__name__} {seed!r}"
            )
        self.seed = seed
        key = _mix_key(seed) or [0]
        keylen = len(key)
        s = list(range(_WIDTH))
        j = 0
        for i in range(_WIDTH):
            t = s[i]
            j = (j + key[i % keylen] + t) & _MASK
            s[i] = s[j]
            s[j] = t
        self._s = s
        self._i = 0
        self._j = 0
        self._bytes(_WIDTH)  # RC4-drop[256]

    def _bytes(self, count: int) -> int:
        """Next ``count`` keystream bytes as one big-endian integer (``g``)."""
        s = self._s
        i = self._i
        j = self._j
        r = 0
        for _ in range(count):
            i = (i + 1) & _MASK
            t = s[i]
            j = (j + t) & _MASK
            u = s[j]
            s[i] = u
            s[j] = t
            r = (r << 8) | s[(u + t) & _MASK]
        self._i = i
        self._j = j
        return r

    def random(self) -> float:
        """Next double of the stream, uniform in [0, 1) with 53 random bits."""
        # The keystream loop is inlined: this is called a few thousand times
        # per dataset and once per weight.
        s = self._s
        i = self._i
        j = self._j
        n = 0
        for _ in range(_CHUNKS):
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            u = s[j]
            s[i] = u
            s[j] = t
            n = (n << 8) | s[(u + t) & 255]
        d = _START_DENOM
        x = 0
        while n < _SIGNIFICANCE:
            n = (n + x) << 8
            d <<= 8
            i = (i + 1) & 255
            t = s[i]
            j = (j + t) & 255
            u = s[j]
            s[i] = u
            s[j] = t
            x = s[(u + t) & 255]
        while n >= _OVERFLOW:
            n >>= 1  # exact: n is a multiple of 256 before the halvings
            d >>= 1
            x >>= 1
        self._i = i
        self._j = j
        return (n + x) / d

    __call__ = random

    def state(self) -> dict:
        """The stream's position as a plain JSON-able dict: ``{"seed", "i", "j", "s"}``.

        ``SeedRandom.from_state(rng.state())`` continues with exactly the draws
        ``rng`` would give next.
        """
        return {"seed": self.seed, "i": self._i, "j": self._j, "s": list(self._s)}

    @classmethod
    def from_state(cls, state: dict) -> "SeedRandom":
        """The stream at the position :meth:`state` recorded.

        Raises ``TypeError`` or ``ValueError`` naming the key: ``seed`` must be a
        str, ``i`` and ``j`` integers in 0..255, ``s`` a permutation of 0..255.
        """
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict as SeedRandom.state() makes, got "
                            f"{type(state).__name__}")
        missing = [k for k in ("seed", "i", "j", "s") if k not in state]
        if missing:
            raise ValueError(f"state: missing key(s) {', '.join(missing)}")
        unknown = sorted(str(k) for k in state if k not in ("seed", "i", "j", "s"))
        if unknown:
            raise ValueError(f"state: unknown key(s) {', '.join(unknown)}")
        seed = state["seed"]
        if not isinstance(seed, str):
            raise TypeError(f"seed={_r(seed, 60)}: must be a str")
        counters = []
        for name in ("i", "j"):
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
                raise ValueError(f"{name}={_r(value, 60)}: must be an integer in 0..255")
            counters.append(value)
        s = state["s"]
        if not isinstance(s, (list, tuple)) or len(s) != _WIDTH \
                or any(isinstance(v, bool) or not isinstance(v, int) for v in s) \
                or sorted(s) != list(range(_WIDTH)):
            raise ValueError("s: must be a permutation of 0..255")
        rng = cls.__new__(cls)
        rng.seed = seed
        rng._s = list(s)
        rng._i, rng._j = counters
        return rng

    def __repr__(self) -> str:
        return f"SeedRandom({self.seed!r})"


def to_fixed(x: float, digits: int) -> str:
    """JavaScript's ``x.toFixed(digits)`` for finite ``|x| < 1e21``.

    JS picks the integer ``n`` for which ``n / 10**digits - x`` is closest to
    zero, where ``x`` is the *exact* value of the double, and the larger ``n``
    on a tie.  That is ``ROUND_HALF_UP`` on the exact decimal expansion (for
    negative ``x`` JS formats ``-x`` and prepends ``-``, which is the same
    rule mirrored).  So ``to_fixed(0.5, 0) == "1"``, ``to_fixed(2.5, 0) ==
    "3"`` and ``to_fixed(1.005, 2) == "1.00"`` (1.005 is stored just below the
    tie).  ``-0.0`` formats like ``0``, as in JS.
    """
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise TypeError(f"digits must be an int, got {type(digits).__name__} {digits!r}")
    if not 0 <= digits <= 100:
        raise ValueError(f"digits must be in 0..100 (as in JavaScript), got {digits}")
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"x must be a float, got {type(x).__name__} {x!r}")
    x = float(x)
    if not math.isfinite(x) or abs(x) >= 1e21:
        raise ValueError(f"x must be finite with |x| < 1e21, got {x!r}")
    context = decimal.Context(prec=200, rounding=decimal.ROUND_HALF_UP)
    exact = decimal.Decimal(abs(x))  # exact binary value, no rounding
    rounded = exact.quantize(decimal.Decimal(1).scaleb(-digits), context=context)
    text = format(rounded, "f")
    return "-" + text if x < 0 else text


def new_seed(rand: Callable[[], float]) -> str:
    """Playground's new seed: ``Math.random().toFixed(5)``, from ``rand``."""
    return to_fixed(rand(), 5)
