"""Per-epoch loss (and accuracy) history, bounded in memory.

Training can run for millions of epochs, so the history keeps at most
``capacity`` rows.  When it fills up, the most recent ``recent`` rows stay at
full resolution and every other row of the older part is dropped.  Older
epochs are thinned again each time, so resolution falls off gradually with
age, while the curve's shape over the whole run is kept.
"""

from __future__ import annotations

import numpy as np

COLUMNS = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class History:
    """Rows of (epoch, train_loss, test_loss, train_accuracy, test_accuracy).

    Accuracies are NaN for regression.  ``capacity`` rows of 5 float64s:
    20,000 rows take 800 kB whatever the number of epochs.
    """

    def __init__(self, capacity: int = 20_000, recent: int = 10_000):
        if not 0 < recent < capacity:
            raise ValueError(f"need 0 < recent < capacity, got recent={recent}, "
                             f"capacity={capacity}")
        self.capacity = capacity
        self.recent = recent
        self._rows = np.empty((capacity, len(COLUMNS)))
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        if not self._n:
            return "History(empty)"
        first, last = self._rows[0], self._rows[self._n - 1]
        return (f"History({self._n} rows, epochs {first[0]:.0f}..{last[0]:.0f}; test loss "
                f"{first[2]:.4g} -> {last[2]:.4g}; columns {', '.join(COLUMNS)})")

    def clear(self) -> None:
        self._n = 0

    def append(self, epoch, train_loss, test_loss, train_accuracy=np.nan,
               test_accuracy=np.nan) -> None:
        if self._n == self.capacity:
            self._thin()
        self._rows[self._n] = (epoch, train_loss, test_loss, train_accuracy, test_accuracy)
        self._n += 1

    def _thin(self) -> None:
        old = self._n - self.recent
        kept = self._rows[:old:2].copy()
        self._rows[:len(kept)] = kept
        self._rows[len(kept):len(kept) + self.recent] = self._rows[old:self._n].copy()
        self._n = len(kept) + self.recent

    def column(self, name: str) -> np.ndarray:
        """A copy of one column (see ``COLUMNS``)."""
        return self._rows[:self._n, COLUMNS.index(name)].copy()

    @property
    def epochs(self) -> np.ndarray:
        return self.column("epoch")

    @property
    def train_loss(self) -> np.ndarray:
        return self.column("train_loss")

    @property
    def test_loss(self) -> np.ndarray:
        return self.column("test_loss")

    @property
    def train_accuracy(self) -> np.ndarray:
        return self.column("train_accuracy")

    @property
    def test_accuracy(self) -> np.ndarray:
        return self.column("test_accuracy")

    def sampled(self, max_points: int = 300) -> tuple:
        """(epochs, train_loss, test_loss), at most ``max_points`` evenly picked rows
        (always the first and the last): enough for a chart, cheap to send."""
        n = self._n
        if n <= max_points:
            idx = slice(0, n)
        else:
            idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.intp))
        rows = self._rows[idx]
        return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].copy()

    def to_dict(self) -> dict:
        """JSON-ready lists, one per column."""
        return {name: self._rows[:self._n, i].tolist() for i, name in enumerate(COLUMNS)}

    @classmethod
    def from_dict(cls, data: dict, capacity: int = 20_000, recent: int = 10_000) -> "History":
        h = cls(capacity, recent)
        cols = [np.asarray(data[name], dtype=float) for name in COLUMNS]
        for row in zip(*cols):
            h.append(*row)
        return h
