"""Many runs at once: Runs against Trainers stepped one after another, and study's time.

    python benchmarks/runs.py              # the issue's three figures, with their targets
    python benchmarks/runs.py --study      # the chapter's exercises over 20 seeds

Speed: the epochs per second of one ``Runs`` of K networks (every run advancing one epoch
counts as one epoch) against the same K ``Trainer`` objects stepped one after another:

* "each n": every trainer steps n epochs in one call, then the next (the trainers' best
  case: one call, tapes compiled once);
* "in turn": epoch by epoch, each trainer one epoch in turn (what a live view of K separate
  trainers would do).

Each figure is the best of a few alternating repeats, so that a busy machine disturbs the
ratio as little as it can.  The study figure is the wall time of one
``study(circle, [3] ReLU, seeds=20, epochs=1000)``.

``--study`` prints, for each of the chapter's exercises (ReLU, learning rate 0.03, batch
10, 20 seeds from the base seed "0", target test loss 0.1, 1000 epochs), the success
rate and the median epochs to get there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbplayground import Config, Runs, Trainer, study  # noqa: E402

OPTIMIZERS_8 = [dict(optimizer="sgd"), dict(optimizer="sgd", momentum=0.9),
                dict(optimizer="rmsprop"), dict(optimizer="adagrad"),
                dict(optimizer="adadelta"), dict(optimizer="adam"),
                dict(optimizer="adamax"), dict(optimizer="nadam")]

EXERCISES = [
    ("gauss, 1 neuron", dict(dataset="gauss", network_shape=(1,))),
    ("circle, 1 neuron", dict(dataset="circle", network_shape=(1,))),
    ("circle, 2 neurons", dict(dataset="circle", network_shape=(2,))),
    ("circle, 3 neurons", dict(dataset="circle", network_shape=(3,))),
    ("XOR, 3 neurons", dict(dataset="xor", network_shape=(3,))),
    ("XOR, 5 neurons", dict(dataset="xor", network_shape=(5,))),
    ("spiral, one layer of 8", dict(dataset="spiral", network_shape=(8,))),
    ("spiral, six layers of 8", dict(dataset="spiral", network_shape=(8,) * 6)),
]


def _timed(fn, clock=time.perf_counter) -> float:
    start = clock()
    fn()
    return clock() - start


def _both(fn) -> tuple:
    """(wall seconds, CPU seconds) of one call: everything here runs on one thread, so
    on a busy machine the CPU time is the fairer figure; on a quiet one they agree."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(configs, epochs: int, repeats: int) -> tuple:
    """(Runs epochs/s, trainers 'each n' epochs/s, trainers 'in turn' epochs/s)."""
    runs = Runs(configs)
    trainers = [Trainer(c) for c in configs]
    runs.step(3)
    for t in trainers:
        t.step(3)

    def each():
        for t in trainers:
            t.step(epochs)

    def in_turn():
        for _ in range(epochs):
            for t in trainers:
                t.step(1)

    wall, cpu = [float("inf")] * 3, [float("inf")] * 3
    for _ in range(repeats):
        for i, fn in enumerate((lambda: runs.step(epochs), each, in_turn)):
            w, c = _both(fn)
            wall[i], cpu[i] = min(wall[i], w), min(cpu[i], c)
    if runs.diverged.any():
        print("  (note: a run diverged during the benchmark)")
    return tuple(epochs / b for b in wall), tuple(epochs / b for b in cpu)


def speed(repeats: int) -> None:
    cases = [
        ("K=20 seeds, circle [4,2] tanh, batch 10 (Playground's default)",
         list(Runs.seeds(Config(seed="0"), 20).configs), 60, 8.0),
        ("K=8 optimizers, spiral six layers of 8, same start",
         [Config(seed="0", dataset="spiral", network_shape=(8,) * 6, **o)
          for o in OPTIMIZERS_8], 20, 3.0),
        ("(no target) K=20 seeds of Adam, circle [4,2] tanh: one optimizer step for all",
         list(Runs.seeds(Config(seed="0", optimizer="adam", learning_rate=0.01), 20).configs),
         60, None),
    ]
    for name, configs, epochs, target in cases:
        (runs_eps, each_eps, turn_eps), (runs_cpu, each_cpu, turn_cpu) = compare(
            configs, epochs, repeats)
        r_each, r_turn = runs_eps / each_eps, runs_eps / turn_eps
        if target is None:
            goal = ""
        else:
            goal = f" (target >= {target:g}x: {'ok' if r_each >= target else 'BELOW TARGET'})"
        print(f"{name}\n  Runs {runs_eps:8.1f} epochs/s | Trainers each n {each_eps:7.1f} "
              f"epochs/s -> {r_each:.2f}x{goal} | in turn "
              f"{turn_eps:7.1f} epochs/s -> {r_turn:.2f}x\n  by CPU time: "
              f"{runs_cpu / each_cpu:.2f}x (each n), {runs_cpu / turn_cpu:.2f}x (in turn)")
    config = Config(seed="0", dataset="circle", network_shape=(3,), activation="relu")
    times = [_both(lambda: study(config, seeds=20, epochs=1000)) for _ in range(repeats)]
    best, best_cpu = min(t[0] for t in times), min(t[1] for t in times)
    s = study(config, seeds=20, epochs=1000)
    ok = "ok" if best < 2.0 else "ABOVE TARGET"
    print(f"study, circle [3] ReLU, 20 seeds x 1000 epochs\n  {best:.2f} s (target < 2 s: "
          f"{ok}; CPU {best_cpu:.2f} s); {s.summary()}")


def exercises() -> None:
    print("The chapter's exercises: ReLU, learning rate 0.03, batch 10, 20 seeds from base "
          "seed '0', success = test loss < 0.1 within 1000 epochs")
    print(f"{'exercise':<26} {'rate':>6} {'successes':>10} {'median epochs':>14} "
          f"{'seconds':>8}")
    for name, changes in EXERCISES:
        config = Config(seed="0", activation="relu", learning_rate=0.03, batch_size=10,
                        **changes)
        start = time.perf_counter()
        s = study(config, seeds=20, target=0.1, epochs=1000)
        took = time.perf_counter() - start
        med = "-" if s.median_epochs is None else f"{s.median_epochs:g}"
        print(f"{name:<26} {s.rate:>6.0%} {s.successes:>7}/20 {med:>14} {took:>8.1f}",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--study", action="store_true",
                        help="the chapter's exercises over 20 seeds instead of the speed")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many (3)")
    args = parser.parse_args()
    if args.study:
        exercises()
    else:
        speed(args.repeats)


if __name__ == "__main__":
    main()
