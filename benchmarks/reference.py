"""The readable engine against the fast one: training epochs per second.

    python benchmarks/reference.py             # about 1 s per figure
    python benchmarks/reference.py --seconds 3

``Trainer(engine="reference")`` runs nbplayground/reference.py, written to be
read; the default engine runs the compiled tape of nbplayground/network.py.
Both train the same epochs (Playground's defaults: batch 10, learning rate
0.03, 250 training points) to the same numbers.  Also printed: the cost of one
``explain_batch()``, which the widget's "Step inside" calls once per click.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbplayground import Config, Trainer  # noqa: E402

CASES = [
    ("circle [4,2] tanh (default)", dict()),
    ("spiral [8,8,8,8,8,8] tanh", dict(dataset="spiral", network_shape=(8,) * 6)),
]


def epochs_per_second(trainer: Trainer, seconds: float) -> float:
    trainer.step(2)  # warm up
    start = time.perf_counter()
    done = 0
    while time.perf_counter() - start < seconds:
        done += trainer.step(1)
    return done / (time.perf_counter() - start)


def explain_ms(trainer: Trainer, repeats: int = 50) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        trainer.explain_batch()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    args = parser.parse_args()
    print(f"{'configuration':32s} {'fast ep/s':>10s} {'reference ep/s':>15s} {'ratio':>7s} "
          f"{'explain_batch ms':>17s}")
    for name, changes in CASES:
        config = Config(seed="bench", batch_size=10, learning_rate=0.03, train_percent=50,
                        **changes)
        fast = epochs_per_second(Trainer(config), args.seconds)
        reference = Trainer(config, engine="reference")
        slow = epochs_per_second(reference, args.seconds)
        ms = explain_ms(reference)
        print(f"{name:32s} {fast:10.0f} {slow:15.0f} {fast / slow:6.1f}x {ms:17.2f}")


if __name__ == "__main__":
    main()
