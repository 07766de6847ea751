"""Engine speed: training epochs per second and grid milliseconds.

    python benchmarks/engine.py            # the issue's configurations
    python benchmarks/engine.py --seconds 3

Every configuration uses batch 10, learning rate 0.03 and 250 training points
(50 % of the 500 classification points), as Playground's defaults do.  The
grid figure is one evaluation of every node on the 100x100 display grid.

The figures depend on the machine.  On processors where the environment sets
OPENBLAS_CORETYPE, NumPy's BLAS may run a slower kernel; the script prints
which BLAS it uses so that figures from different runs can be compared.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbplayground import Config, Trainer  # noqa: E402

CASES = [
    ("circle [4,2] tanh (default)", dict()),
    ("spiral [8,8,8,8,8,8] tanh", dict(dataset="spiral", network_shape=(8,) * 6)),
    ("spiral [8,8,8,8,8,8] relu", dict(dataset="spiral", network_shape=(8,) * 6,
                                        activation="relu")),
    ("spiral 7 features [8,8] tanh", dict(dataset="spiral", network_shape=(8, 8),
                                           features=("x", "y", "x_squared", "y_squared",
                                                     "x_times_y", "sin_x", "sin_y"))),
    ("spiral [8,8,8,8,8,8] tanh, Adam", dict(dataset="spiral", network_shape=(8,) * 6,
                                              optimizer="adam")),
    ("spiral [8,8,8,8,8,8] tanh, SGD momentum", dict(dataset="spiral", network_shape=(8,) * 6,
                                                      momentum=0.9)),
    ("spiral [8,8] tanh, L1 0.001", dict(dataset="spiral", network_shape=(8, 8),
                                          regularization="L1", regularization_rate=0.001)),
]


def epochs_per_second(trainer: Trainer, seconds: float) -> float:
    trainer.step(20)  # warm up: tapes built, caches filled
    start = time.perf_counter()
    done = 0
    while time.perf_counter() - start < seconds:
        done += trainer.step(50)
    return done / (time.perf_counter() - start)


def grid_ms(trainer: Trainer, repeats: int = 200) -> float:
    trainer.frame()
    start = time.perf_counter()
    for _ in range(repeats):
        trainer._grid_views()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per configuration")
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info
        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} "
                         f"({i.get('architecture')}, {i.get('num_threads')} threads)"
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except Exception:  # pragma: no cover - informational only
        blas = "unknown"
    print(f"BLAS: {blas}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'configuration':42s} {'epochs/s':>10s} {'grid ms':>9s}")
    for name, changes in CASES:
        trainer = Trainer(Config(seed="bench", batch_size=10, learning_rate=0.03,
                                 train_percent=50, **changes))
        eps = epochs_per_second(trainer, args.seconds)
        ms = grid_ms(trainer)
        print(f"{name:42s} {eps:10.0f} {ms:9.3f}")


if __name__ == "__main__":
    main()
