"""TrainingLoop: frame rate, pace, stopping, errors (pytest-asyncio, real time).

Timing bounds are loose on purpose (a shared 2-core machine), but every test
checks a number that a wrong loop would miss: frames above 30/s, epochs
trained while stopped, an exception that does not arrive, a starved event loop.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from nbplayground.ui.loop import FRAME_INTERVAL, FrameGate, TrainingLoop


class Recorder:
    """train/render callbacks that record what the loop asks for."""

    def __init__(self, epoch_seconds: float = 0.0005, render_seconds: float = 0.0):
        self.epoch_seconds = epoch_seconds
        self.render_seconds = render_seconds
        self.train_calls: list[tuple] = []
        self.render_times: list[float] = []
        self.epochs = 0
        self.errors: list[BaseException] = []
        self.stops = 0

    def train(self, max_epochs, seconds):
        """Burn ``epoch_seconds`` per epoch, up to max_epochs or the budget (>= 1 epoch)."""
        self.train_calls.append((max_epochs, seconds))
        start = time.perf_counter()
        done = 0
        while max_epochs is None or done < max_epochs:
            end = time.perf_counter() + self.epoch_seconds
            while time.perf_counter() < end:
                pass
            done += 1
            if time.perf_counter() - start >= seconds:
                break
        self.epochs += done
        return done

    def render(self):
        self.render_times.append(time.perf_counter())
        end = time.perf_counter() + self.render_seconds
        while time.perf_counter() < end:
            pass

    def on_error(self, exc):
        self.errors.append(exc)

    def on_stop(self):
        self.stops += 1

    def loop(self, **kwargs) -> TrainingLoop:
        return TrainingLoop(self.train, self.render, on_error=self.on_error,
                            on_stop=self.on_stop, **kwargs)


def max_rate(times: list[float], window: float = 0.5) -> float:
    """The largest number of events in any window of ``window`` seconds, per second."""
    best = 0
    j = 0
    for i, t in enumerate(times):
        while times[j] < t - window:
            j += 1
        best = max(best, i - j + 1)
    return best / window


async def test_flat_out_trains_within_budget_and_renders_at_most_30_fps():
    rec = Recorder()
    loop = rec.loop(epochs_per_second=None)
    loop.start()
    assert loop.running
    await asyncio.sleep(1.0)
    loop.stop()
    assert not loop.running
    assert rec.epochs > 100                      # it trained
    assert len(rec.render_times) >= 10           # and rendered
    assert max_rate(rec.render_times) <= 30 + 2  # but never above ~30 frames/s
    # every call is "as many as fit" with a budget of at most 25 ms of a 33 ms frame
    assert all(m is None for m, _ in rec.train_calls)
    assert max(s for _, s in rec.train_calls) <= TrainingLoop.max_budget
    assert TrainingLoop.max_budget < FRAME_INTERVAL


async def test_render_cost_shrinks_the_training_budget():
    rec = Recorder(render_seconds=0.015)
    loop = rec.loop()
    loop.start()
    await asyncio.sleep(0.6)
    loop.stop()
    assert loop.render_cost == pytest.approx(0.015, abs=0.01)
    late_budgets = [s for _, s in rec.train_calls[3:]]
    # budget = frame interval - render cost - minimum sleep (about 12 ms here, not 25)
    expected = FRAME_INTERVAL - loop.render_cost - TrainingLoop.min_sleep
    assert max(late_budgets) <= expected + 0.006
    assert max(late_budgets) < TrainingLoop.max_budget


async def test_paced_loop_trains_only_the_epochs_that_are_due():
    rec = Recorder()
    loop = rec.loop(epochs_per_second=60)
    t0 = time.perf_counter()
    loop.start()
    await asyncio.sleep(1.0)
    loop.stop()
    elapsed = time.perf_counter() - t0
    # 60 epochs per second of wall time, one frame per tick (<= 30 frames/s)
    assert 0.6 * 60 * elapsed <= rec.epochs <= 60 * elapsed + 2
    assert max_rate(rec.render_times) <= 32
    assert all(m is not None and m >= 1 for m, _ in rec.train_calls)


async def test_slow_pace_renders_only_when_an_epoch_ran():
    rec = Recorder()
    loop = rec.loop(epochs_per_second=4)
    loop.start()
    await asyncio.sleep(0.6)
    loop.stop()
    # 4 epochs/s for 0.6 s: 2 or 3 epochs, one frame each, and no idle frames
    assert 1 <= rec.epochs <= 3
    assert len(rec.render_times) == len([1 for m, _ in rec.train_calls if m])
    assert len(rec.render_times) <= rec.epochs


async def test_pace_can_change_while_running():
    rec = Recorder()
    loop = rec.loop(epochs_per_second=2)
    loop.start()
    await asyncio.sleep(0.3)
    slow = rec.epochs
    loop.epochs_per_second = None
    await asyncio.sleep(0.5)
    loop.stop()
    assert slow <= 1
    assert rec.epochs > slow + 50


async def test_stop_cancels_the_task_and_nothing_runs_afterwards():
    rec = Recorder()
    loop = rec.loop()
    loop.start()
    task = loop._task
    await asyncio.sleep(0.2)
    loop.stop()
    await asyncio.sleep(0)  # let the cancellation land
    assert task.cancelled() or task.done()
    calls, frames = len(rec.train_calls), len(rec.render_times)
    await asyncio.sleep(0.3)
    assert (len(rec.train_calls), len(rec.render_times)) == (calls, frames)
    assert rec.stops == 1 and not rec.errors
    loop.stop()  # stopping twice is harmless and reports once
    assert rec.stops == 1


async def test_start_twice_keeps_one_task():
    rec = Recorder()
    loop = rec.loop()
    loop.start()
    task = loop._task
    loop.start()
    assert loop._task is task
    loop.stop()


@pytest.mark.parametrize("where", ["train", "render"])
async def test_an_exception_stops_the_loop_and_reaches_on_error(where):
    rec = Recorder()
    boom = ZeroDivisionError("boom")
    calls = {"n": 0}

    def failing(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise boom
        return (rec.train if where == "train" else rec.render)(*args)

    loop = TrainingLoop(failing if where == "train" else rec.train,
                        failing if where == "render" else rec.render,
                        on_error=rec.on_error, on_stop=rec.on_stop)
    loop.start()
    await asyncio.sleep(0.4)
    assert rec.errors == [boom]  # the very exception, not swallowed
    assert not loop.running
    assert rec.stops == 1
    assert calls["n"] == 3       # nothing ran after the failure


async def test_without_on_error_the_exception_is_logged(caplog):
    def train(m, s):
        raise RuntimeError("no handler")

    loop = TrainingLoop(train, lambda: None)
    with caplog.at_level("ERROR", logger="nbplayground"):
        loop.start()
        await asyncio.sleep(0.05)
    assert not loop.running
    assert "no handler" in caplog.text


async def test_stop_from_inside_render_sends_nothing_more():
    rec = Recorder()
    loop = None

    def render():
        rec.render()
        if len(rec.render_times) == 2:
            loop.stop()

    loop = TrainingLoop(rec.train, render, on_stop=rec.on_stop)
    loop.start()
    await asyncio.sleep(0.3)
    assert len(rec.render_times) == 2
    assert rec.stops == 1 and not loop.running


async def test_event_loop_stays_responsive_while_training_flat_out():
    """Other coroutines (widget messages) run between ticks: latency ~ one tick."""
    rec = Recorder(epoch_seconds=0.002)
    loop = rec.loop()
    loop.start()
    latencies = []
    for _ in range(15):
        t = time.perf_counter()
        await asyncio.sleep(0)
        latencies.append(time.perf_counter() - t)
        await asyncio.sleep(0.01)
    loop.stop()
    assert max(latencies) < 0.06  # one training budget (25 ms) plus a render, not more


def test_start_without_a_running_event_loop_says_what_to_do():
    loop = TrainingLoop(lambda m, s: 1, lambda: None)
    with pytest.raises(RuntimeError, match="event loop"):
        loop.start()
    assert not loop.running


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "60", True])
def test_bad_pace_is_rejected_with_its_name(bad):
    with pytest.raises(ValueError, match="epochs_per_second"):
        TrainingLoop(lambda m, s: 1, lambda: None, epochs_per_second=bad)


# -- back-pressure ---------------------------------------------------------------------------

async def test_ready_false_holds_frames_but_training_goes_on():
    rec = Recorder()
    state = {"ready": False}
    loop = TrainingLoop(rec.train, rec.render, ready=lambda: state["ready"])
    loop.start()
    await asyncio.sleep(0.3)
    assert rec.epochs > 0 and rec.render_times == [] and loop.held > 0
    state["ready"] = True
    await asyncio.sleep(0.2)
    loop.stop()
    assert rec.render_times  # the held changes were drawn once the front end caught up


async def test_a_held_frame_of_a_slow_pace_is_drawn_when_ready():
    rec = Recorder()
    state = {"ready": False}
    loop = TrainingLoop(rec.train, rec.render, ready=lambda: state["ready"],
                        epochs_per_second=3)
    loop.start()
    await asyncio.sleep(0.45)   # one epoch is due and trained, its frame held
    assert rec.epochs >= 1 and not rec.render_times
    epochs = rec.epochs
    state["ready"] = True
    await asyncio.sleep(0.1)    # drawn at the next tick, before the next epoch is due
    loop.stop()
    assert len(rec.render_times) == 1 and rec.epochs == epochs


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def tick(gate, value):
    """What a message from the browser's Play timer does in the kernel."""
    gate.widget.set_state({"value": value})


def test_frame_gate_without_a_browser_never_holds():
    gate = FrameGate()
    gate.start()
    assert gate.widget.playing
    for _ in range(10):
        assert gate.ready()
        gate.mark()
    assert gate.widget.value == 10 * 1000
    gate.stop()
    assert not gate.widget.playing
    gate.close()


def test_frame_gate_holds_frames_the_browser_has_not_acknowledged():
    clock = FakeClock()
    gate = FrameGate(max_in_flight=2, stall_seconds=2.0, clock=clock)
    gate.start()
    for _ in range(3):
        gate.mark()                       # frames 1, 2, 3 sent
    tick(gate, 1 * 1000 + 1)              # the browser has handled frame 1
    assert (gate.frontend, gate.acked) == (True, 1)
    assert gate.ready()                   # 3 - 1 = 2 in flight: one more may go
    gate.mark()                           # frame 4
    assert not gate.ready()               # 3 in flight
    tick(gate, 1 * 1000 + 2)              # a later tick, still frame 1
    assert not gate.ready()
    tick(gate, 3 * 1000 + 1)
    assert gate.acked == 3 and gate.ready()
    tick(gate, 2 * 1000 + 5)              # a stale tick never lowers the ack
    assert gate.acked == 3
    gate.close()


def test_frame_gate_trickles_when_the_browser_goes_quiet():
    clock = FakeClock()
    gate = FrameGate(max_in_flight=1, stall_seconds=2.0, clock=clock)
    gate.start()
    tick(gate, 1)
    for _ in range(3):
        gate.mark()
    assert not gate.ready()
    clock.now += 2.5                      # no tick for 2.5 s: the view is gone
    assert gate.ready()                   # one frame goes out ...
    assert not gate.ready()               # ... and no more until 2 s later
    clock.now += 2.1
    assert gate.ready()
    gate.close()


def test_frame_gate_counts_modulo_wrap():
    gate = FrameGate(max_in_flight=1)
    gate.start()
    tick(gate, 1)
    gate.sent = FrameGate.WRAP + 3        # far into a long run
    gate.mark()                           # frame WRAP + 4, sent as 4
    tick(gate, 4 * 1000 + 1)
    assert gate.acked == FrameGate.WRAP + 4
    gate.close()


def test_frame_gate_timer_runs_out_unless_the_kernel_renews_it():
    """The browser's timer (a Play) stops at its max: the kernel keeps the max a budget
    of ticks ahead while it runs, so a page cut off from the kernel (notebook closed
    while playing) stops ticking into a closed comm."""
    gate = FrameGate(budget_ticks=20)
    w = gate.widget
    gate.start()
    assert (w.value, w.max, w.playing) == (0, 20, True)
    gate.mark()
    gate.mark()                           # frame 2: the budget moves with the value
    assert (w.value, w.max) == (2000, 2020)
    tick(gate, 2005)
    assert w.max == 2020                  # more than half the budget left: no message
    tick(gate, 2011)                      # fewer than half left: the kernel renews it
    assert w.max == 2031
    w.set_state({"value": 2031, "playing": False})   # ran out anyway (kernel was busy)
    gate.mark()                           # the next frame starts it again
    assert (w.value, w.max, w.playing) == (3000, 3020, True)
    gate.sent = FrameGate.WRAP - 1
    gate.mark()                           # the frame number wraps: value drops to 0
    assert (w.value, w.max) == (0, 20)
    gate.stop()
    tick(gate, 15)
    assert w.max == 20 and not w.playing  # paused: nothing renewed, nothing restarted
    gate.mark()
    assert not w.playing
    gate.close()


@pytest.mark.parametrize("bad", [0, 1, 1000])
def test_frame_gate_budget_is_checked(bad):
    with pytest.raises(ValueError, match="budget_ticks"):
        FrameGate(budget_ticks=bad)
