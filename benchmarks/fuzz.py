"""Fuzz the engine's front doors: configs, URL fragments and saved files.

    python benchmarks/fuzz.py                       # 24,000 / 24,000 / 1,459, at most 20 min
    python benchmarks/fuzz.py --configs 2000 --urls 2000 --files 300 --seconds 120

Seeded, and bounded in time (``--seconds`` for the whole run, shared by the three
parts in proportion to their counts; a part that runs out says how many it did).

* **configs**: ``Config(**kwargs)`` with random fields, each value valid, extreme
  (0, ±1e308, inf, NaN, 10**400, Fraction(10**400, 7), 2**53 + 1, huge lists),
  of the wrong type (str, bytes, dict, None, NumPy scalars) or an unknown key.
  An accepted config must survive ``from_url(to_url())`` and ``from_dict(to_dict())``;
  every 8th one also builds a Trainer and trains an epoch.
* **urls**: fragments made of Playground's keys with valid, garbage, huge and empty
  values, unknown keys, pieces without ``=``, repeated keys, ``<part>_hide`` flags,
  and valid URLs with bytes changed.  An accepted one must survive ``to_url``.
* **files**: files saved from several trainers (SGD, Adam with L1, Nadam, regression,
  three classes, your own points) with 1 to 3 bytes flipped, deleted or inserted.
  A file that loads must give exactly the saved state.

Each case ends in one of three ways: accepted; rejected with a named field (a
``ValueError``/``TypeError`` whose ``field`` or message names a key that was given,
or a ``SaveFileError`` naming the file and the part); anything else (another
exception, a missing name, a round trip that changes a value, or a corrupted file
that loads with changed values).  The last column must be 0; the script exits 1
otherwise and prints the first cases of it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
import time
import warnings
from fractions import Fraction

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from nbplayground import checkpoint, config  # noqa: E402
from nbplayground.checkpoint import SaveFileError  # noqa: E402
from nbplayground.config import Config  # noqa: E402
from nbplayground.trainer import Trainer  # noqa: E402

FIELDS = tuple(f for f in config._FIELD_NAMES)

EXTREME_NUMBERS = (0, -1, 1, 0.5, 1e-300, 1e308, -1e308, math.inf, -math.inf, math.nan,
                   10**400, -10**400, 2**53 + 1, 2**63, Fraction(10**400, 7), Fraction(1, 3),
                   np.float64(math.nan), np.int64(7), np.float32(0.1), np.int8(-3),
                   np.bool_(True), True, False, 1e-7, 99.99, 80, 81, 90.0001, 10**5000,
                   complex(1, 2))
WRONG_TYPES = ("", "0.1", "tanh", b"x", None, [], {}, {"a": 1}, (1, 2), [[1]], object(),
               "x" * 10_000, [1] * 100, [10**400], [3000, 3000], [math.nan], frozenset({1}),
               ["x"] * 20_000, [32] * 10, ["relu"], ("sin_x", "sin_x"))


def valid_value(rng: random.Random, field: str):
    c = {
        "problem": config.PROBLEMS, "dataset": config.DATASETS,
        "activation": config.HIDDEN_ACTIVATIONS, "regularization": config.REGULARIZATIONS,
        "init": config.INITIALIZERS, "optimizer": config.OPTIMIZERS, "loss": config.LOSSES,
    }.get(field)
    if c is not None:
        return rng.choice(c)
    if field == "features":
        return tuple(rng.sample(config.FEATURES, rng.randint(0, 7)))
    if field == "network_shape":
        return tuple(rng.randint(1, 40) for _ in range(rng.randint(0, 12)))
    if field == "hide":
        return frozenset(rng.sample(config.HIDEABLE_PARTS, rng.randint(0, 4)))
    if field == "seed":
        return rng.choice(["0.5", "hello", 12, "a b", "", "x&y"])
    if field in ("show_test_data", "discretize", "nesterov"):
        return rng.random() < 0.5
    if field == "batch_size":
        return rng.choice([1, 10, 30, 500, config.LIMIT_BATCH_SIZE, config.LIMIT_BATCH_SIZE + 1])
    return rng.choice([0.0, 0.03, 0.5, 0.9, 1.0, 3.0, 50.0, 90.0, None])


def random_kwargs(rng: random.Random) -> dict:
    kwargs = {"seed": "0.5"}
    for field in rng.sample(FIELDS, rng.randint(0, 8)):
        r = rng.random()
        if r < 0.5:
            kwargs[field] = valid_value(rng, field)
        elif r < 0.8:
            kwargs[field] = rng.choice(EXTREME_NUMBERS)
        else:
            kwargs[field] = rng.choice(WRONG_TYPES)
    if rng.random() < 0.03:
        kwargs[rng.choice(["colour", "lr", "epochs", "networkShape"])] = 1
    return kwargs


def names_a_field(exc: BaseException, given) -> bool:
    if not isinstance(exc, (ValueError, TypeError)):
        return False
    field = getattr(exc, "field", None)
    if field is not None:  # the engine's errors say which field: it must be one given
        return re.sub(r"\[\d+\]$", "", str(field)) in given  # network_shape[3]
    text = str(exc)        # Python's own (an unknown keyword): the message names it
    return any(name and f"'{name}'" in text for name in given)


class Tally:
    def __init__(self, name: str, planned: int):
        self.name, self.planned = name, planned
        self.accepted = self.rejected = self.other = 0
        self.examples: list[str] = []

    @property
    def done(self) -> int:
        return self.accepted + self.rejected + self.other

    def bad(self, what: str) -> None:
        self.other += 1
        if len(self.examples) < 5:
            self.examples.append(what[:300])


def fuzz_configs(tally: Tally, rng: random.Random, deadline: float) -> None:
    for i in range(tally.planned):
        if time.perf_counter() > deadline:
            return
        kwargs = random_kwargs(rng)
        try:
            c = Config(**kwargs)
        except Exception as exc:  # noqa: BLE001 - classifying is the point
            if names_a_field(exc, kwargs):
                tally.rejected += 1
            else:
                shown = ", ".join(f"{k}={config._short(v, 60)}" for k, v in kwargs.items())
                tally.bad(f"Config({shown}) -> {type(exc).__name__}: {exc}")
            continue
        try:
            assert Config.from_url(c.to_url()) == c, "URL round trip changed it"
            assert Config.from_dict(json.loads(c.to_json())) == c, "dict round trip"
            if i % 8 == 0:
                t = Trainer(c)
                t.step(1)
                t.frame()
        except Exception as exc:  # noqa: BLE001
            tally.bad(f"accepted {config._short(c, 200)} then {type(exc).__name__}: {exc}")
            continue
        tally.accepted += 1


URL_VALUES = ("", "true", "false", "0", "1", "-1", "0.03", "1e400", "-1e-400", "NaN",
              "Infinity", "9007199254740993", "9" * 500, "1" * 300, "4,2", "3000,3000",
              ",".join(["1"] * 11), "1,,2", "tanh", "relu", "none", "L1", "circle",
              "reg-plane", "gauss3", "xor", "regression", "classification", "adam",
              "cross_entropy", "he_normal", "%20", "é", "0x10", " 1", "1.5", "abc",
              "true&", "=")


def random_fragment(rng: random.Random, base: str) -> str:
    if rng.random() < 0.3:  # a valid URL with bytes changed
        text = list(base)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(text))
            op = rng.random()
            if op < 0.4:
                text[i] = chr(rng.randrange(32, 127))
            elif op < 0.7:
                del text[i]
            else:
                text.insert(i, rng.choice("&=,.#-0123456789eE"))
        return "".join(text)
    pieces = []
    for _ in range(rng.randint(0, 10)):
        r = rng.random()
        if r < 0.8:
            key = rng.choice(config.URL_KEYS)
        elif r < 0.9:
            key = rng.choice(config.HIDEABLE_PARTS + ("numNodes3", "bogus")) + "_hide"
        else:
            key = rng.choice(["colour", "lr", "", "networkshape"])
        value = rng.choice(URL_VALUES)
        pieces.append(key if rng.random() < 0.02 else f"{key}={value}")
    return "#" + "&".join(pieces)


def fuzz_urls(tally: Tally, rng: random.Random, deadline: float) -> None:
    base = Config(seed="0.5", optimizer="adam", network_shape=(5, 3)).to_url()
    for _ in range(tally.planned):
        if time.perf_counter() > deadline:
            return
        fragment = random_fragment(rng, base)
        try:
            c = Config.from_url(fragment)
        except Exception as exc:  # noqa: BLE001
            text = fragment.strip()            # as from_url reads it
            body = text.split("#", 1)[1] if "#" in text else text
            pieces = body.split("&")
            given = [p.split("=", 1)[0] for p in pieces] + pieces
            if names_a_field(exc, given):
                tally.rejected += 1
            else:
                tally.bad(f"from_url({fragment!r:.200}) -> {type(exc).__name__}: {exc}")
            continue
        try:
            assert Config.from_url(c.to_url()) == c, "URL round trip changed it"
        except Exception as exc:  # noqa: BLE001
            tally.bad(f"accepted {fragment!r:.200} then {type(exc).__name__}: {exc}")
            continue
        tally.accepted += 1


def saved_files() -> list:
    X = np.random.default_rng(1).normal(size=(40, 2))
    trainers = [
        Trainer(Config(seed="0.1")),
        Trainer(Config(seed="0.2", optimizer="adam", learning_rate=0.01,
                       regularization="L1", regularization_rate=0.01, batch_size=7)),
        Trainer(Config(seed="0.3", optimizer="nadam", problem="regression")),
        Trainer(Config(seed="0.4", dataset="spiral3", network_shape=(6,))),
        Trainer(Config(seed="0.5"), data=(X, np.arange(40) % 2)),
    ]
    out = []
    for t in trainers:
        t.step(3)
        out.append((checkpoint.to_json(t), json.dumps(t.state(), sort_keys=True)))
    return out


def corrupt(text: str, rng: random.Random) -> str:
    raw = bytearray(text.encode("utf-8"))
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(raw))
        op = rng.random()
        if op < 0.45:
            raw[i] ^= 1 << rng.randrange(8)
        elif op < 0.9:
            del raw[i]
        else:
            raw.insert(i, rng.randrange(256))
    return raw.decode("utf-8", "surrogateescape")


def fuzz_files(tally: Tally, rng: random.Random, deadline: float) -> None:
    files = saved_files()
    for _ in range(tally.planned):
        if time.perf_counter() > deadline:
            return
        text, expected = rng.choice(files)
        broken = corrupt(text, rng)
        try:
            loaded = checkpoint.from_json(broken.encode("utf-8", "surrogateescape"),
                                          source="fuzzed")
        except SaveFileError as exc:
            if str(exc).startswith("fuzzed: "):
                tally.rejected += 1
            else:
                tally.bad(f"SaveFileError without the source: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001
            tally.bad(f"{type(exc).__name__}: {exc}")
            continue
        if json.dumps(loaded.state(), sort_keys=True) == expected:
            tally.accepted += 1
        else:
            tally.bad("a corrupted file loaded with changed values")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", type=int, default=24_000)
    parser.add_argument("--urls", type=int, default=24_000)
    parser.add_argument("--files", type=int, default=1_459)
    parser.add_argument("--seconds", type=float, default=1200.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    # a NumPy RuntimeWarning reaching the caller is a failure: raise it, count it
    warnings.simplefilter("error", RuntimeWarning)
    tallies = [Tally("configs", args.configs), Tally("URL fragments", args.urls),
               Tally("save files", args.files)]
    # rough cost per case, to share the time budget: a file costs ~20 configs
    weights = [args.configs, args.urls * 0.3, args.files * 20]
    start = time.perf_counter()
    budget_end = start + args.seconds
    for tally, run, weight in zip(tallies, (fuzz_configs, fuzz_urls, fuzz_files), weights):
        share = args.seconds * weight / max(sum(weights), 1)
        deadline = min(budget_end, time.perf_counter() + share)
        t0 = time.perf_counter()
        run(tally, random.Random(args.seed), deadline)
        tally.seconds = time.perf_counter() - t0

    print(f"seed {args.seed}, {time.perf_counter() - start:.0f} s")
    print(f"{'':16}{'cases':>8}{'accepted':>10}{'rejected, field named':>23}"
          f"{'anything else':>15}{'seconds':>9}")
    for t in tallies:
        partial = "" if t.done == t.planned else f"  (of {t.planned}: out of time)"
        print(f"{t.name:16}{t.done:>8}{t.accepted:>10}{t.rejected:>23}{t.other:>15}"
              f"{t.seconds:>9.0f}{partial}")
    failures = [e for t in tallies for e in t.examples]
    for example in failures:
        print("  anything else:", example)
    return 1 if any(t.other for t in tallies) else 0


if __name__ == "__main__":
    sys.exit(main())
