"""Many runs at once: Runs against Trainers stepped one after another, and study's time.

    python benchmarks/runs.py              # the issue's three figures, with their targets
    python benchmarks/runs.py --profile    # where one stacked epoch's time goes
    python benchmarks/runs.py --scaling    # epoch time against K: the ratio's ceiling
    python benchmarks/runs.py --study      # the chapter's exercises over 20 seeds

Speed: the epochs per second of one ``Runs`` of K networks (every run advancing one epoch
counts as one epoch) against the same K ``Trainer`` objects stepped one after another:

* "each n": every trainer steps n epochs in one call, then the next (the trainers' best
  case: one call, tapes compiled once, BLAS held to one thread once per call);
* "in turn": epoch by epoch, each trainer one epoch in turn (what a live view of K separate
  trainers would do; each call also enters and leaves the one-BLAS-thread limit).

Both sides run in this process, on one BLAS thread, and both evaluate every run's train
and test loss after every epoch (the trainer's own per-epoch evaluation).  The repeats
alternate Runs, each n, in turn, and each figure is the MEDIAN over the repeats, of the
wall time and of the process CPU time.  The machine may be shared: the CPU-time ratio is
the one a busy machine disturbs least, so the targets are judged on it (on a quiet
machine the two agree).  The study figure is the median time of one
``study(circle, [3] ReLU, seeds=20, epochs=1000)``.

``--profile`` times the NumPy calls of one stacked epoch of each case by kind (batched
products, tanh, the other ufuncs, the Python update steps, the per-epoch evaluation), and
the same epoch with the update steps left out: the figures a stacked engine of these
calls cannot go below.

``--scaling`` times one stacked epoch for growing K and fits ``fixed + K * per_run`` (K >= 4): the
fixed part is the NumPy calls' own cost (shared by the K runs), the per-run part is what
grows with K (the per-matrix work inside each batched product, tanh over every run's
values, each run's own optimizer step).  ``one Trainer / per_run`` is the ratio no
stacking can beat at any K, even with every call's overhead gone; the tanh values each
run needs per epoch, at NumPy's own speed for tanh, are part of that per-run floor.

``--study`` prints, for each of the chapter's exercises (ReLU, learning rate 0.03, batch
10, 20 seeds from the base seed "0", target test loss 0.1, 1000 epochs), the success
rate and the median epochs to get there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
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


def _both(fn) -> tuple:
    """(wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare(configs, epochs: int, repeats: int) -> tuple:
    """((Runs, trainers 'each n', trainers 'in turn') epochs/s by wall time, the same by
    CPU time): medians over ``repeats`` alternating repeats."""
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

    wall, cpu = [[], [], []], [[], [], []]
    for _ in range(repeats):
        for i, fn in enumerate((lambda: runs.step(epochs), each, in_turn)):
            w, c = _both(fn)
            wall[i].append(w)
            cpu[i].append(c)
    if runs.diverged.any():
        print("  (note: a run diverged during the benchmark)")
    return (tuple(epochs / statistics.median(w) for w in wall),
            tuple(epochs / statistics.median(c) for c in cpu))


def _cases():
    return [
        ("K=20 seeds, circle [4,2] tanh, batch 10 (Playground's default)",
         list(Runs.seeds(Config(seed="0"), 20).configs), 60, 8.0),
        ("K=8 optimizers, spiral six layers of 8, same start",
         [Config(seed="0", dataset="spiral", network_shape=(8,) * 6, **o)
          for o in OPTIMIZERS_8], 20, 3.0),
        ("(no target) K=20 seeds of Adam, circle [4,2] tanh: one optimizer step for all",
         list(Runs.seeds(Config(seed="0", optimizer="adam", learning_rate=0.01), 20).configs),
         60, None),
    ]


def speed(repeats: int) -> None:
    for name, configs, epochs, target in _cases():
        (runs_eps, each_eps, turn_eps), (runs_cpu, each_cpu, turn_cpu) = compare(
            configs, epochs, repeats)
        r_each, r_turn = runs_eps / each_eps, runs_eps / turn_eps
        c_each, c_turn = runs_cpu / each_cpu, runs_cpu / turn_cpu
        if target is None:
            goal = ""
        else:
            goal = f" (target >= {target:g}x: {'ok' if c_each >= target else 'BELOW TARGET'})"
        print(f"{name}\n  by CPU time: Runs {runs_cpu:7.1f} epochs/s | Trainers each n "
              f"{each_cpu:7.1f} -> {c_each:.2f}x{goal} | in turn {turn_cpu:7.1f} -> "
              f"{c_turn:.2f}x\n  by wall time: Runs {runs_eps:7.1f} epochs/s | Trainers "
              f"each n {each_eps:7.1f} -> {r_each:.2f}x | in turn {turn_eps:7.1f} -> "
              f"{r_turn:.2f}x", flush=True)
    config = Config(seed="0", dataset="circle", network_shape=(3,), activation="relu")
    times = [_both(lambda: study(config, seeds=20, epochs=1000)) for _ in range(repeats)]
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    s = study(config, seeds=20, epochs=1000)
    ok = "ok" if wall < 2.0 else "ABOVE TARGET"
    print(f"study, circle [3] ReLU, 20 seeds x 1000 epochs\n  {wall:.2f} s (target < 2 s: "
          f"{ok}; CPU {cpu:.2f} s); {s.summary()}")


def _step_each(trainers, n) -> None:
    for t in trainers:
        t.step(n)


def profile(repeats: int) -> None:
    """Where a stacked epoch's time goes, by kind of call (CPU time, median)."""
    import numpy as np

    from nbplayground import stacked

    def run_calls(calls, n):
        for _ in range(n):
            stacked._run(calls)

    for name, configs, _, _ in _cases()[:2]:
        runs = Runs(configs)
        runs.step(2)
        [group] = stacked.make_groups(runs.trainers)
        calls = group.calls
        kinds = {
            "batched products (np.matmul)": [c for c in calls if c[0] is np.matmul],
            "tanh": [c for c in calls if c[0] is np.tanh],
            "other ufuncs": [c for c in calls if isinstance(c[0], np.ufunc)
                             and c[0] not in (np.matmul, np.tanh)],
            "update steps (Python)": [c for c in calls if not isinstance(c[0], np.ufunc)],
            "all but the Python update steps": [c for c in calls
                                                if isinstance(c[0], np.ufunc)],
            "the whole epoch's training": calls,
            "the per-epoch evaluation": group.eval_calls,
        }
        batches = group.full_batches + (1 if group.leftover else 0)
        print(f"{name}: {len(calls)} calls per epoch, {len(calls) / batches:.0f} per batch "
              f"({batches} batches); one Trainer's epoch for comparison below")
        took = {}
        with runs[0].one_blas_thread(), np.errstate(all="ignore"):
            for kind, subset in kinds.items():
                t = took[kind] = statistics.median(
                    _both(partial(run_calls, subset, 20))[1] / 20 for _ in range(repeats))
                print(f"  {kind:<34} {len(subset):4d} calls {t * 1e3:7.3f} ms")
        trainers = [Trainer(c) for c in configs]
        for tr in trainers:
            tr.step(2)
        t = statistics.median(_both(partial(_step_each, trainers, 5))[1] / 5
                              for _ in range(repeats))
        evaluation = took["the per-epoch evaluation"]
        floor = took["batched products (np.matmul)"] + took["tanh"] + evaluation
        no_update = took["all but the Python update steps"] + evaluation
        print(f"  {len(trainers)} Trainers, one epoch each (incl. evaluation): "
              f"{t * 1e3:.3f} ms\n  the products, tanh and evaluation alone: "
              f"{floor * 1e3:.3f} ms, so these calls cannot beat {t / floor:.1f}x; without "
              f"the Python update steps: {t / no_update:.1f}x",
              flush=True)


def _epoch_cpu(stepper, repeats: int, epochs: int) -> float:
    """Median CPU seconds per epoch of ``stepper(epochs)`` (after two warm-up epochs)."""
    stepper(2)
    return statistics.median(_both(partial(stepper, epochs))[1] / epochs
                             for _ in range(repeats))


def _distinct_optimizers(k: int) -> list:
    """K spiral six-layer configs, the 8 optimizers in turn, each cycle with its own
    learning rate so that no two runs can share one optimizer step."""
    return [Config(seed="0", dataset="spiral", network_shape=(8,) * 6,
                   **{"learning_rate": 0.03 * (1 + 0.01 * (i // 8)), **OPTIMIZERS_8[i % 8]})
            for i in range(k)]


def _tanh_values(config: Config) -> int:
    """tanh values one run computes per epoch: every unit of every layer (the output
    included) for each training point, and again for every point at the evaluation."""
    t = Trainer(config)
    arrays = t.training_arrays()
    units = sum(t.network.layer_sizes[1:])
    return units * (arrays.n_train + arrays.all_x.shape[1])


def scaling(repeats: int) -> None:
    """Epoch time against K, its fit fixed + K * per_run, and the ceiling it puts on the
    ratio (CPU time, medians)."""
    import numpy as np

    values = np.random.default_rng(0).standard_normal(1 << 16)
    out = np.empty_like(values)
    tanh_ns = statistics.median(
        _both(partial(np.tanh, values, out))[1] for _ in range(50)) / values.size * 1e9
    sizes = [1, 2, 4, 8, 12, 16, 20, 28, 40]
    cases = [("20 seeds case: circle [4,2] tanh, seeds", 8.0,
              lambda k: list(Runs.seeds(Config(seed="0"), k).configs)),
             ("8 optimizers case: spiral 6x8, every run its own optimizer step", 3.0,
              _distinct_optimizers)]
    for (name, target, make), K in zip(cases, (20, 8)):
        print(name, flush=True)
        times = []
        for k in sizes:
            runs = Runs(make(k))
            t = _epoch_cpu(runs.step, repeats, 20)
            times.append(t)
            print(f"  K={k:3d}: {t * 1e3:7.3f} ms per epoch, {t / k * 1e3:6.3f} ms per run",
                  flush=True)
        fit = [(k, t) for k, t in zip(sizes, times) if k >= 4]
        per_run, fixed = np.polyfit([k for k, _ in fit], [t for _, t in fit], 1)
        configs = make(K)
        trainers = [Trainer(c) for c in configs]
        # one Trainer's epoch: the mean over the K runs of the case
        one = _epoch_cpu(partial(_step_each, trainers), repeats, 20) / K
        config = configs[0]
        tanh = _tanh_values(config) * tanh_ns * 1e-9
        print(f"  fit (K >= 4): {fixed * 1e3:.3f} ms + K x {per_run * 1e3:.4f} ms; one "
              f"Trainer {one * 1e3:.3f} ms per epoch\n"
              f"  at K={K}: {K * one / (fixed + K * per_run):.2f}x predicted; with every "
              f"call's fixed cost gone: {one / per_run:.2f}x at any K (target {target:g}x)\n"
              f"  of the per-run part, tanh alone: {_tanh_values(config):,} values x "
              f"{tanh_ns:.2f} ns = {tanh * 1e3:.4f} ms", flush=True)


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
    parser.add_argument("--profile", action="store_true",
                        help="where a stacked epoch's time goes, by kind of NumPy call")
    parser.add_argument("--scaling", action="store_true",
                        help="epoch time against K, and the ratio's ceiling")
    parser.add_argument("--repeats", type=int, default=5, help="median of this many (5)")
    args = parser.parse_args()
    if args.study:
        exercises()
    elif args.profile:
        profile(args.repeats)
    elif args.scaling:
        scaling(args.repeats)
    else:
        speed(args.repeats)


if __name__ == "__main__":
    main()
