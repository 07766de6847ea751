"""Idle when nobody watches, and a CPU budget for shared servers.

The front end's acknowledgements are driven by hand (``set_state`` on the
gate's hidden Play widget, as a browser's message would) and the gate's clock
is a fake one, so "five seconds without a tick" takes no time.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from nbplayground.config import Config
from nbplayground.ui import Compare, Descent, Playground
from nbplayground.ui.loop import MAX_CPU_ENV, FrameGate, TrainingLoop, max_cpu_from_env


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def tick(gate: FrameGate, value: int) -> None:
    gate.widget.set_state({"value": value})


# -- the gate's rule ------------------------------------------------------------------

def test_gate_is_idle_only_after_a_front_end_went_quiet_while_playing():
    clock = FakeClock()
    gate = FrameGate(idle_seconds=5.0, clock=clock)
    gate.start()
    clock.now += 60
    assert not gate.idle()          # no front end ever: a script or a test plays on
    tick(gate, 1)
    assert not gate.idle()
    clock.now += 4.9
    assert not gate.idle()
    clock.now += 0.2                # 5.1 s without a tick
    assert gate.idle()
    tick(gate, 2)                   # a tick arrives: watched again
    assert not gate.idle()
    clock.now += 10
    gate.stop()
    assert not gate.idle()          # paused: nothing to stop
    gate.start()                    # playing again: the quiet time counts from here
    assert not gate.idle()
    gate.close()


def test_a_displayed_gate_expects_ticks_even_before_the_first():
    clock = FakeClock()
    gate = FrameGate(idle_seconds=5.0, clock=clock)
    gate.expect_frontend = True
    gate.start()
    clock.now += 5.5
    assert gate.idle()
    gate.close()


# -- the Playground pauses itself -------------------------------------------------------

async def _until(predicate, seconds=3.0):
    end = time.monotonic() + seconds
    while not predicate() and time.monotonic() < end:
        await asyncio.sleep(0.02)
    return predicate()


async def test_playground_pauses_when_no_front_end_acknowledges_and_says_so():
    pg = Playground(seed="1", epochs_per_second=None)
    clock = FakeClock()
    pg._gate.clock = clock
    try:
        pg.play()
        tick(pg._gate, 1)                   # a browser draws ...
        await asyncio.sleep(0.2)
        assert pg.playing and pg.trainer.epoch > 0
        clock.now += pg._gate.idle_seconds + 0.1   # ... then the tab is closed
        assert await _until(lambda: not pg.playing)
        epoch = pg.trainer.epoch
        assert "Paused by itself" in pg.status and f"epoch {epoch}" in pg.status
        assert not pg._gate.widget.playing  # no ack timer, no messages
        assert not pg.controls.playing      # the button shows Play for the view that returns
        await asyncio.sleep(0.2)
        assert pg.trainer.epoch == epoch    # nothing trains any more
        assert pg.controls.epoch.value == f"{epoch:07,d}"  # the state reached is drawn
        pg.play()                           # the user comes back and presses play
        assert pg.playing and pg.status == ""
        await asyncio.sleep(0.1)
        assert pg.trainer.epoch > epoch
    finally:
        pg.close()


async def test_playground_without_a_front_end_plays_on():
    pg = Playground(seed="1")
    clock = FakeClock()
    pg._gate.clock = clock
    try:
        pg.play()
        clock.now += 60
        await asyncio.sleep(0.2)
        assert pg.playing and pg.status == ""
    finally:
        pg.close()


async def test_a_displayed_playground_that_never_hears_from_a_view_pauses():
    pg = Playground(seed="1")
    clock = FakeClock()
    pg._gate.clock = clock
    try:
        pg._repr_mimebundle_()
        pg.play()
        clock.now += pg._gate.idle_seconds + 1
        assert await _until(lambda: not pg.playing)
        assert "Paused by itself" in pg.status
    finally:
        pg.close()


# -- Compare and Descent pause themselves too ----------------------------------------------
# (they went on training, a core's worth of CPU, after their notebook was closed)

def _compare():
    return Compare(Config(seed="1"), vary="learning_rate", values=[0.03, 0.3],
                   epochs_per_second=None)


def _descent():
    return Descent("bowl", steps_per_second=60)


@pytest.mark.parametrize("make, count", [
    (_compare, lambda w: w.runs.epoch), (_descent, lambda w: w.steps)],
    ids=["compare", "descent"])
async def test_compare_and_descent_pause_when_no_view_acknowledges(make, count):
    w = make()
    clock = FakeClock()
    w._gate.clock = clock
    try:
        w._repr_mimebundle_()
        w.play()
        tick(w._gate, 1)                    # a browser draws ...
        await asyncio.sleep(0.2)
        assert w.playing and count(w) > 0
        clock.now += w._gate.idle_seconds + 0.1    # ... then the notebook is closed
        assert await _until(lambda: not w.playing)
        done = count(w)
        status = w.status if isinstance(w.status, str) else w.status.value
        assert status.startswith("Paused by itself")
        assert not w._gate.widget.playing
        await asyncio.sleep(0.2)
        assert count(w) == done             # nothing trains any more
        w.play()                            # back, and play again
        status = w.status if isinstance(w.status, str) else w.status.value
        assert w.playing and status == ""
    finally:
        w.close()


# -- max_cpu ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (1.5, ValueError), (-0.1, ValueError), (float("nan"), ValueError),
    ("0.25", TypeError), (True, TypeError)])
def test_max_cpu_is_validated(bad, error):
    with pytest.raises(error, match=r"max_cpu=.*\(0, 1\]"):
        Playground(seed="1", max_cpu=bad)


def test_max_cpu_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(MAX_CPU_ENV, "0.25")
    pg = Playground(seed="1")
    try:
        assert pg.max_cpu == 0.25 and pg.loop.max_cpu == 0.25
    finally:
        pg.close()
    pg = Playground(seed="1", max_cpu=None)  # given explicitly: the argument wins
    try:
        assert pg.max_cpu is None
    finally:
        pg.close()


@pytest.mark.parametrize("text", ["abc", "0", "2", "nan", "-1", "25%"])
def test_a_bad_environment_value_names_the_variable_and_the_value(text):
    with pytest.raises(ValueError) as info:
        max_cpu_from_env({MAX_CPU_ENV: text})
    assert MAX_CPU_ENV in str(info.value) and repr(text) in str(info.value)
    assert "(0, 1]" in str(info.value)


def test_an_empty_environment_means_no_cap():
    assert max_cpu_from_env({}) is None
    assert max_cpu_from_env({MAX_CPU_ENV: " "}) is None
    assert max_cpu_from_env({MAX_CPU_ENV: "1"}) == 1.0


def _burn(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def _cpu_share(max_cpu, seconds=1.0) -> tuple[float, int]:
    """The process CPU a flat-out loop uses under ``max_cpu``, and its frames."""
    def train(max_epochs, budget):
        _burn(budget)
        return 1

    loop = TrainingLoop(train, lambda: _burn(0.003), max_cpu=max_cpu)
    loop.start()
    await asyncio.sleep(0.1)
    cpu0, wall0, frames0 = time.process_time(), time.perf_counter(), loop.frames
    await asyncio.sleep(seconds)
    share = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    frames = loop.frames - frames0
    loop.stop()
    return share, frames


async def test_max_cpu_caps_the_loops_cpu_share_counting_render_time():
    capped, frames = await _cpu_share(0.25)
    assert 0.03 < capped <= 0.30        # busy for ~1/4 of the time, never much more
    assert frames >= 5                  # frames keep coming (about 20 a second, less when
    free, _ = await _cpu_share(None, seconds=0.5)   # the machine is busy)
    assert free > capped, (free, capped)  # without a cap the same loop keeps a core busy


def test_the_loop_validates_max_cpu_too():
    with pytest.raises(ValueError, match="max_cpu=2"):
        TrainingLoop(lambda m, s: 0, lambda: None, max_cpu=2)
