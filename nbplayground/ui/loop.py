"""The play loop: training on an asyncio task, frames at a bounded rate.

Training speed and frame rate are independent.  Each *tick* of the loop

1. trains for a time budget (``train(max_epochs, seconds) -> epochs run``),
2. pushes ONE coalesced frame (``render()``) if anything changed,
3. sleeps (``await asyncio.sleep``) so that the kernel's event loop can handle
   widget messages (Pause, sliders) and frames leave at most
   ``1 / frame_interval`` (30) times per second.

Time budget per tick, with ``T`` = frame interval (1/30 s), ``r`` = the
measured render cost (an exponential moving average) and ``s`` = the minimum
sleep:

* as fast as possible (``epochs_per_second is None``):
  ``budget = clamp(T - r - s, min_budget, max_budget)``, i.e. about 25 ms of
  training per 33 ms frame when rendering is cheap;
* paced at ``p`` epochs per second: the epochs that have come due since the
  last tick, ``owed += p * dt``, are trained (``floor(owed)`` of them, within
  the same budget); the fraction is carried to the next tick.  When nothing
  is due, nothing is trained or rendered, and the loop sleeps until the next
  epoch is due (but at least one frame interval and at most 0.2 s).  A debt that the
  machine cannot pay is dropped (at most ``max_debt_seconds`` worth is kept),
  so a slow machine trains slower instead of piling up work.

A CPU budget (``max_cpu``, a share of one core, e.g. 0.25 on a shared server)
caps the loop's duty cycle: after a tick of ``e`` seconds that kept the thread
busy for ``b`` CPU seconds (training and rendering; ``b <= e``), the loop
sleeps at least ``b / max_cpu - e``, so that ``b / (e + sleep) <= max_cpu``; the training budget is cut
to ``max_cpu * T - r`` so that frames keep coming at about the same rate.
:func:`max_cpu_from_env` reads an administrator's default from the environment
variable ``NBPLAYGROUND_MAX_CPU``.

The loop runs on the event loop that is running when :meth:`TrainingLoop.start`
is called: ipykernel's in a notebook (a button click or a cell), pytest's in
the tests.  Stopping cancels the task; while stopped nothing runs and nothing
is sent.  An exception from ``train`` or ``render`` stops the loop and is
handed to ``on_error``; ``on_stop`` is called whenever the loop stops.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from typing import Callable, Optional

__all__ = ["TrainingLoop", "FrameGate", "FRAME_INTERVAL", "MAX_CPU_ENV", "check_max_cpu",
           "max_cpu_from_env"]

log = logging.getLogger("nbplayground")

#: Seconds between frames at most 30 frames per second.
FRAME_INTERVAL = 1.0 / 30.0


#: The environment variable that caps a playing Playground's CPU share by default.
MAX_CPU_ENV = "NBPLAYGROUND_MAX_CPU"


def check_max_cpu(value, name: str = "max_cpu") -> float | None:
    """``value`` as a CPU share in (0, 1], or None (no cap); else ValueError/TypeError
    naming ``name``, the value and what is allowed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}={value!r}: must be a number in (0, 1] (the share of one CPU "
                        f"core a playing Playground may use, e.g. 0.25), or None for no cap")
    if not (math.isfinite(value) and 0 < value <= 1):
        raise ValueError(f"{name}={value!r}: must be a number in (0, 1] (the share of one CPU "
                         f"core a playing Playground may use, e.g. 0.25), or None for no cap")
    return float(value)


def max_cpu_from_env(environ=None) -> float | None:
    """The cap set by ``NBPLAYGROUND_MAX_CPU`` (unset or empty: None, no cap).

    Raises ValueError naming the variable and its text when it is not a number
    in (0, 1]."""
    environ = os.environ if environ is None else environ
    text = environ.get(MAX_CPU_ENV, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not (math.isfinite(value) and 0 < value <= 1):
        raise ValueError(f"{MAX_CPU_ENV}={text!r}: must be a number in (0, 1] (the share of "
                         f"one CPU core a playing Playground may use, e.g. 0.25), or unset "
                         f"for no cap")
    return value


class TrainingLoop:
    """Runs ``train`` and ``render`` on an asyncio task until stopped.

    Parameters
    ----------
    train : callable ``(max_epochs, seconds) -> int``
        Train at most ``max_epochs`` epochs (``None``: as many as fit) for
        about ``seconds``; return how many epochs ran.
    render : callable ``() -> None``
        Push one frame to the front end.
    on_error : callable ``(exc) -> None``, optional
        Receives any exception raised by ``train`` or ``render``; the loop has
        already stopped.  Without it the exception is logged.
    on_stop : callable ``() -> None``, optional
        Called once each time the loop stops, whatever the reason.
    ready : callable ``() -> bool``, optional
        Back-pressure: asked before each frame; False holds the frame back
        (training goes on, the changes are drawn by a later tick), so a
        front end that draws slower than 30 frames per second is not
        flooded.  See :class:`FrameGate`.
    epochs_per_second : float or None
        The pace; ``None`` trains as fast as the machine goes.  May be changed
        while running.
    frame_interval : float
        Minimum seconds between two frames (1/30).
    max_cpu : float or None
        The largest share of one core the loop may keep busy (training and
        rendering), in (0, 1]; None: no cap.  May be changed while running.
    """

    #: shortest sleep between ticks, so the event loop always handles messages
    min_sleep = 0.002
    #: smallest and largest training budget per tick (seconds)
    min_budget = 0.004
    max_budget = 0.028
    #: a paced loop keeps at most this many seconds of epochs it could not run
    max_debt_seconds = 0.25
    #: longest sleep of a paced loop waiting for its next epoch
    max_idle_sleep = 0.2

    def __init__(self, train: Callable[[Optional[int], float], int],
                 render: Callable[[], None], *,
                 on_error: Callable[[BaseException], None] | None = None,
                 on_stop: Callable[[], None] | None = None,
                 ready: Callable[[], bool] | None = None,
                 epochs_per_second: float | None = None,
                 frame_interval: float = FRAME_INTERVAL,
                 max_cpu: float | None = None):
        if not callable(train) or not callable(render):
            raise TypeError("TrainingLoop: train and render must be callables")
        if not (isinstance(frame_interval, (int, float)) and frame_interval > 0):
            raise ValueError(f"frame_interval={frame_interval!r}: must be a number > 0 "
                             f"(seconds)")
        self._train = train
        self._render = render
        self._on_error = on_error
        self._on_stop = on_stop
        self._ready = ready
        self.epochs_per_second = epochs_per_second
        self.frame_interval = float(frame_interval)
        self.max_cpu = max_cpu
        self._task: asyncio.Task | None = None
        self._render_cost = 0.0
        #: counters, handy for tests and benchmarks
        self.ticks = 0
        self.frames = 0
        self.epochs = 0
        #: frames held back because ``ready()`` said the front end is behind
        self.held = 0

    # -- state -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True from :meth:`start` until the loop stops."""
        return self._task is not None

    @property
    def epochs_per_second(self) -> float | None:
        return self._pace

    @epochs_per_second.setter
    def epochs_per_second(self, value: float | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value <= 0):
            raise ValueError(f"epochs_per_second={value!r}: must be a finite number > 0, "
                             f"or None for as fast as possible")
        self._pace = None if value is None else float(value)

    @property
    def max_cpu(self) -> float | None:
        """The CPU share cap in (0, 1], or None."""
        return self._max_cpu

    @max_cpu.setter
    def max_cpu(self, value: float | None) -> None:
        self._max_cpu = check_max_cpu(value)

    @property
    def render_cost(self) -> float:
        """Moving average of the seconds one render takes."""
        return self._render_cost

    # -- control ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the loop on the running event loop (no effect if already running).

        Raises RuntimeError when no asyncio event loop is running (a plain
        script): use a synchronous step there.
        """
        if self._task is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "TrainingLoop.start() needs a running asyncio event loop, as in a Jupyter "
                "kernel; in a plain script train with step() instead") from None
        # Keep a strong reference: the event loop only holds a weak one.
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        """Stop the loop: cancel the task (no effect if not running).

        Safe to call from inside ``train`` or ``render``: the tick ends and
        nothing more is trained or sent.
        """
        task = self._task
        if task is None:
            return
        self._task = None
        try:
            running_loop = asyncio.get_running_loop()
            current = asyncio.current_task()
        except RuntimeError:
            running_loop = current = None
        if task is not current:
            if running_loop is task.get_loop():
                task.cancel()
            else:
                # ipykernel 7 may run a widget's handler (Pause) on a comm subshell
                # thread with its own event loop: cancel through the task's loop
                task.get_loop().call_soon_threadsafe(task.cancel)
        self._notify_stop()

    def _notify_stop(self) -> None:
        if self._on_stop is not None:
            try:
                self._on_stop()
            except Exception:  # a broken callback must not break stopping
                log.exception("nbplayground: the on_stop callback failed")

    def _fail(self, exc: BaseException) -> None:
        """Stop because ``exc`` was raised, and hand it on."""
        self._task = None
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:
                log.exception("nbplayground: the on_error callback failed")
        else:
            log.error("nbplayground: training stopped by %s: %s", type(exc).__name__, exc,
                      exc_info=exc)
        self._notify_stop()

    # -- the task --------------------------------------------------------------------

    def _budget(self) -> float:
        """Seconds of training this tick: what is left of a frame after rendering."""
        budget = self.frame_interval - self._render_cost - self.min_sleep
        if self._max_cpu is not None:
            budget = min(budget, self._max_cpu * self.frame_interval - self._render_cost)
        return min(self.max_budget, max(self.min_budget, budget))

    async def _run(self) -> None:
        me = asyncio.current_task()
        clock = time.perf_counter
        owed = 0.0  # epochs due but not trained yet (paced mode)
        dirty = False  # trained since the last frame
        last = clock()
        while self._task is me:
            tick_start = clock()
            tick_cpu = time.thread_time()
            pace = self._pace
            budget = self._budget()
            try:
                if pace is None:
                    owed = 0.0
                    trained = self._train(None, budget)
                else:
                    owed += (tick_start - last) * pace
                    owed = min(owed, max(1.0, pace * self.max_debt_seconds))
                    due = int(owed)
                    trained = self._train(due, budget) if due else 0
                    owed -= trained
                last = tick_start
                self.ticks += 1
                self.epochs += trained
                if self._task is not me:
                    return  # stopped from inside train()
                dirty = dirty or trained > 0
                held = False
                if dirty and self._ready is not None and not self._ready():
                    self.held += 1
                    held = True
                elif dirty:
                    dirty = False
                    t0 = clock()
                    self._render()
                    cost = clock() - t0
                    self._render_cost = cost if self.frames == 0 else \
                        0.8 * self._render_cost + 0.2 * cost
                    self.frames += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never swallowed: handed to on_error
                if self._task is me:
                    self._fail(exc)
                return
            if self._task is not me:
                return  # stopped from inside render()
            elapsed = clock() - tick_start
            delay = max(self.min_sleep, self.frame_interval - elapsed)
            if held and pace is None:
                # the browser is behind: keep training (it is what playing flat out
                # asks for) and offer the frame again soon
                delay = self.min_sleep
            max_cpu = self._max_cpu
            if max_cpu is not None and max_cpu < 1:
                # busy / (tick + sleep) <= max_cpu, busy = the CPU time this thread used
                # (on a busy machine less than the tick's wall time, which also counts
                # the time the kernel waited for a core)
                busy = min(elapsed, time.thread_time() - tick_cpu)
                delay = max(delay, busy / max_cpu - elapsed)
            if pace is not None and owed < 1.0 and not dirty:
                # nothing due: sleep until the next epoch is (at least one frame,
                # at most max_idle_sleep, so that a change of pace applies soon)
                delay = max(delay, min((1.0 - owed) / pace, self.max_idle_sleep))
            await asyncio.sleep(delay)


def _ack_timer_class():
    """``ipywidgets.Play`` whose ``value`` is not echoed back to the browser.

    ipywidgets 8 answers every update from the browser with an "echo_update"
    message; the gate's ticks need no answer, which halves their traffic.
    """
    global _AckTimer
    if _AckTimer is None:
        import ipywidgets as widgets
        import traitlets

        class AckTimer(widgets.Play):
            value = traitlets.CInt(0, help="Int value").tag(sync=True, echo_update=False)

        _AckTimer = AckTimer
    return _AckTimer


_AckTimer = None


class FrameGate:
    """Back-pressure from the browser: frames wait until the front end has caught up.

    The kernel cannot see how far the browser has got with drawing: widget
    messages are never acknowledged.  A browser that draws slower than the
    kernel sends (a big network, a busy machine) queues frames, and the
    picture lags behind the kernel, by seconds, even after Pause.

    The gate uses an ``ipywidgets.Play`` (kept in the page, hidden), whose
    timer runs in the browser: every ``interval`` ms it adds 1 to its
    ``value`` and sends it to the kernel.  With frame ``n`` the kernel sets
    ``value = n * 1000`` (``n`` counted modulo :data:`WRAP`); that message
    comes after the frame's own messages, and the browser handles messages
    in order, so a tick carrying ``v`` says the browser has handled frame
    ``v // 1000``.  A timer tick also only fires when the browser's main
    thread is free, so a saturated browser sends fewer acks.

    The timer ticks every 100 ms, not once a frame: each message from the
    browser is a shell request to the kernel, which ipykernel brackets with a
    "busy" and an "idle" status message that the server relays and JupyterLab
    draws in its kernel indicator.  At one tick per frame (30 ms) that traffic
    was a large share of the machine's work (benchmarks/live.py: the server and
    browser processes at 0.17 and 0.16 of a core, the page's main thread at
    0.51; at 100 ms 0.11, 0.10 and 0.42, and the kernel trains about 25 % more
    epochs a second on a 2-core machine).  Eight frames in flight (about 0.3 s
    at 28 frames a second) then keep the frames flowing between two ticks while
    still bounding how far the picture can lag.

    :meth:`ready` is True while at most ``max_in_flight`` frames are
    unacknowledged.  Until the first tick arrives (no front end, or a test
    without a browser) frames are never held; if ticks stop for
    ``stall_seconds`` (the output was cleared, the tab closed), one frame
    per ``stall_seconds`` goes out.  The timer runs only between
    :meth:`start` and :meth:`stop`, so a paused Playground sends nothing.

    :meth:`idle` says nobody watches: a front end was there (a tick was
    seen, or :attr:`expect_frontend` was set when the widget was displayed)
    but no tick has arrived for ``idle_seconds`` while playing (the tab or
    the notebook was closed).  The Playground then pauses itself.

    The browser's timer also stops by itself: the Play's ``max`` stays
    ``budget_ticks`` above its value, moved up by each frame and by the
    kernel's answer to a tick when fewer than half remain.  A notebook
    closed while playing cuts the kernel off: its "playing = False" never
    arrives, and the timer went on ticking into a closed comm, logging
    "Could not send widget sync message" ten times a second until the page
    was reloaded.  Now it runs out within ``budget_ticks`` ticks (10 s).
    """

    #: frame numbers are sent modulo WRAP (value = n * 1000 stays below 2**31)
    WRAP = 1_000_000
    _SCALE = 1000

    def __init__(self, *, interval_ms: int = 100, max_in_flight: int = 8,
                 stall_seconds: float = 2.0, idle_seconds: float = 5.0,
                 budget_ticks: int = 100,
                 clock: Callable[[], float] = time.monotonic):
        import ipywidgets as widgets  # only the gate needs widgets

        if not 2 <= int(budget_ticks) < self._SCALE:
            raise ValueError(f"budget_ticks must be in [2, {self._SCALE}), got {budget_ticks!r}")
        #: ticks the browser's timer may run without word from the kernel
        self.budget_ticks = int(budget_ticks)
        self.max_in_flight = int(max_in_flight)
        self.stall_seconds = float(stall_seconds)
        self.idle_seconds = float(idle_seconds)
        #: the clock of the stall and idle rules (tests put a fake one here)
        self.clock = clock
        self.widget = _ack_timer_class()(value=0, min=0, max=self.budget_ticks, step=1,
                                   interval=int(interval_ms), show_repeat=False,
                                   layout=widgets.Layout(display="none"))
        self.widget.add_class("nbp-frame-gate")
        self.widget.observe(self._on_tick, "value")
        self._setting = False
        self.sent = 0          # frames marked since start()
        self.acked = 0         # the last frame the browser acknowledged
        self.frontend = False  # a tick has been seen: a browser is drawing
        #: a front end should tick (the widget was displayed), even if none has yet
        self.expect_frontend = False
        self._running = False
        self._last_tick = -math.inf
        self._last_forced = -math.inf

    def start(self) -> None:
        """Start the browser's timer (call when playing starts)."""
        self.sent = self.acked = 0
        self._last_tick = self.clock()
        self._running = True
        self._set_value(0)

    def stop(self) -> None:
        """Stop the browser's timer: no messages while paused."""
        self._running = False
        self._set(playing=False)

    def idle(self) -> bool:
        """True when a front end is expected but none has ticked for ``idle_seconds``
        since :meth:`start` or the last tick: nobody is watching."""
        if not self._running or not (self.frontend or self.expect_frontend):
            return False
        return self.clock() - self._last_tick > self.idle_seconds

    #: how a widget's status begins once it paused itself because :meth:`idle` was True
    UNWATCHED = "Paused by itself"

    def unwatched_message(self, where: str) -> str:
        """The status of a widget paused for nobody watching, ``where`` its position
        ("epoch 120", "step 40")."""
        return (f"{self.UNWATCHED} at {where}: no view drew a frame for "
                f"{self.idle_seconds:g} s (tab or notebook closed?). Press play to go on.")

    def ready(self) -> bool:
        """May the next frame go out now?"""
        if not self.frontend or self.sent - self.acked <= self.max_in_flight:
            return True
        now = self.clock()
        if (now - self._last_tick > self.stall_seconds
                and now - self._last_forced > self.stall_seconds):
            self._last_forced = now
            return True
        return False

    def mark(self) -> None:
        """Call after sending a frame: its number goes out behind it."""
        self.sent += 1
        self._set_value((self.sent % self.WRAP) * self._SCALE)

    def _set_value(self, value: int) -> None:
        """Set the timer's value with a fresh budget above it (and keep it playing
        while the gate runs: a timer that ran out, or was stopped by a browser that
        lost the kernel for a while, starts again)."""
        top = value + self.budget_ticks
        # the Play's bounds clamp: raise max before a value above the old max, lower
        # it only after the value
        order = ({"max": top, "value": value} if value > self.widget.max
                 else {"value": value, "max": top})
        if self._running:
            order["playing"] = True
        self._set(**order)

    def _set(self, **values) -> None:
        self._setting = True
        try:
            with self.widget.hold_sync():
                for name, value in values.items():
                    setattr(self.widget, name, value)
        finally:
            self._setting = False

    def _on_tick(self, change) -> None:
        if self._setting:
            return
        self.frontend = True
        self._last_tick = self.clock()
        frame = int(change["new"]) // self._SCALE
        # the largest frame number <= sent that is frame modulo WRAP
        acked = self.sent - ((self.sent - frame) % self.WRAP)
        if acked > self.acked:
            self.acked = acked
        if self._running and self.widget.max - int(change["new"]) < self.budget_ticks // 2:
            # no frame for a while (a slow pace, a ball at rest): more ticks
            self._set(max=int(change["new"]) + self.budget_ticks)

    def close(self) -> None:
        self.widget.close()
