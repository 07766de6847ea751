"""Descent benchmark: the ball painted in JupyterLab, in headless Chromium, while playing.

Run from the repository root::

    .venv/bin/python benchmarks/descent.py                  # 60 steps/s, 10 s of play, 5 s paused
    .venv/bin/python benchmarks/descent.py --steps-per-second 120 --seconds 20

It starts JupyterLab and Chromium the way the browser tests do (``tests/e2e/conftest.py``,
as ``benchmarks/live.py`` does), opens a notebook with ``Descent("bowl",
learning_rate=0.002, steps_per_second=N)`` (a slow rate, so that the ball is still moving
at the end), clicks Play, measures for ``--seconds``, clicks Pause, measures for
``--pause-seconds``, and prints:

* **painted frames per second**: a ``requestAnimationFrame`` loop in the page reads the
  ball's on-screen position (``getBoundingClientRect`` of the bqplot Scatter dot) at every
  animation frame and counts the frames in which it changed; divided by the wall-clock
  interval.  Also the animation frames the page ran (the browser's own frame rate);
* **frames and steps per second in the kernel**: ``d.frames_rendered`` and ``d.steps``;
* **kernel CPU** (``utime + stime`` of the kernel process from ``/proc/<pid>/stat``) while
  playing and while paused;
* **widget messages** sent and received by the kernel (``ipywidgets.Widget._send`` and
  ``_handle_msg`` are wrapped before the widget exists) while playing (per frame) and while
  paused, and the ball's position changes painted while paused.

Targets: >= 25 painted frames/s when playing fast (60 steps/s or more; the loop sends at
most 30 frames a second), 0 messages and ~0 CPU while paused.  It prints the figures and
whether each target is met, and exits 0 either way (it measures, it does not judge).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

from e2e.conftest import CHROMIUM  # noqa: E402
from e2e.helpers import open_notebook, run_all_cells, write_notebook  # noqa: E402
from live import cpu_seconds, kernel, lab_page, load_average, verdict  # noqa: E402

TARGET_FPS = 25.0
TARGET_PAUSED_CPU = 0.02   # fraction of one core

#: Cell 0: count widget messages (a lock: JupyterLab sends widget messages to a kernel
#: subshell thread), then build the widget.
SETUP_CELL = r'''
import json, os, threading, time
import ipywidgets

_lock = threading.Lock()
_meter = {"sent": 0, "received": 0}
_original_send, _original_handle = ipywidgets.Widget._send, ipywidgets.Widget._handle_msg

def _metered_send(self, msg, buffers=None):
    with _lock:
        _meter["sent"] += 1
    return _original_send(self, msg, buffers)

def _metered_handle(self, msg):
    with _lock:
        _meter["received"] += 1
    return _original_handle(self, msg)

ipywidgets.Widget._send, ipywidgets.Widget._handle_msg = _metered_send, _metered_handle

from nbplayground import Descent
d = Descent("bowl", learning_rate=0.002, steps_per_second=STEPS_PER_SECOND)
'''

SHOW_CELL = "d"

SNAPSHOT_CODE = r'''
with _lock:
    _m = dict(_meter)
print(json.dumps(dict(t=time.monotonic(), steps=d.steps, frames=d.frames_rendered,
                      playing=d.playing, pid=os.getpid(), **_m)))
'''

# JS: at every animation frame, where is the ball drawn?  Count the frames it moved.
_WATCH_JS = """() => {
    const ball = document.querySelector('.nbp-descent .nbp-descent-figure .dot.element');
    const state = {frames: 0, changed: 0, last: null};
    const tick = () => {
        const r = ball.getBoundingClientRect();
        const where = r.x.toFixed(3) + ',' + r.y.toFixed(3);
        state.frames += 1;
        if (where !== state.last) { state.changed += 1; state.last = where; }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__nbpDescent = state;
}"""

_COUNTS_JS = "() => ({frames: window.__nbpDescent.frames, changed: window.__nbpDescent.changed})"

PLAY = ".nbp-descent .nbp-descent-play"


def measure(page, seconds: float, pause_seconds: float) -> dict:
    page.evaluate(_WATCH_JS)
    page.locator(PLAY).click()
    page.locator(f"{PLAY}.nbp-playing").wait_for(state="attached")
    time.sleep(2.0)  # warm-up

    start = kernel(page, SNAPSHOT_CODE)
    pid = start["pid"]
    b0, t0, c0 = page.evaluate(_COUNTS_JS), time.monotonic(), cpu_seconds(pid)
    time.sleep(seconds)
    b1, t1, c1 = page.evaluate(_COUNTS_JS), time.monotonic(), cpu_seconds(pid)
    end = kernel(page, SNAPSHOT_CODE)

    page.locator(PLAY).click()
    page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached")
    time.sleep(1.0)  # the last frame Pause sends
    p0 = kernel(page, SNAPSHOT_CODE)
    bp0, tp0, cp0 = page.evaluate(_COUNTS_JS), time.monotonic(), cpu_seconds(pid)
    time.sleep(pause_seconds)
    bp1, tp1, cp1 = page.evaluate(_COUNTS_JS), time.monotonic(), cpu_seconds(pid)
    p1 = kernel(page, SNAPSHOT_CODE)
    return dict(start=start, end=end, browser=(b0, b1), wall=t1 - t0, cpu_play=c1 - c0,
                pause=(p0, p1), browser_pause=(bp0, bp1), pause_wall=tp1 - tp0,
                cpu_pause=cp1 - cp0)


def report(raw: dict, steps_per_second: float, load_before: str, load_after: str) -> None:
    start, end = raw["start"], raw["end"]
    dt = end["t"] - start["t"]
    b0, b1 = raw["browser"]
    painted = (b1["changed"] - b0["changed"]) / raw["wall"]
    animation = (b1["frames"] - b0["frames"]) / raw["wall"]
    frames = end["frames"] - start["frames"]
    sent = end["sent"] - start["sent"]
    p0, p1 = raw["pause"]
    bp0, bp1 = raw["browser_pause"]
    pause_sent, pause_received = p1["sent"] - p0["sent"], p1["received"] - p0["received"]
    pause_moves = bp1["changed"] - bp0["changed"]
    cpu_pause = raw["cpu_pause"] / raw["pause_wall"]
    fast = steps_per_second >= 60
    print(f"nbplayground Descent benchmark: bowl, {steps_per_second:g} steps/s, "
          f"JupyterLab + headless Chromium")
    print(f"  load average before / after        {load_before}  /  {load_after}  "
          f"({os.cpu_count()} CPUs)")
    print(f"  playing for                        {raw['wall']:.1f} s (after 2 s warm-up)")
    print(f"  painted frames (ball moved)        {painted:6.1f} /s   "
          + (f"target >= {TARGET_FPS:.0f}: {verdict(painted >= TARGET_FPS)}" if fast else
             "(target applies at >= 60 steps/s)"))
    print(f"  animation frames the page ran      {animation:6.1f} /s")
    print(f"  frames sent by the kernel          {frames / dt:6.1f} /s   (at most 30)")
    print(f"  steps per second (kernel)          {(end['steps'] - start['steps']) / dt:6.1f} /s")
    print(f"  widget messages per frame          {sent / max(frames, 1):6.1f}")
    print(f"  kernel CPU while playing           {100 * raw['cpu_play'] / raw['wall']:6.1f} % of one core")
    print(f"  paused for                         {raw['pause_wall']:.1f} s")
    print(f"  kernel CPU while paused            {100 * cpu_pause:6.2f} % of one core   "
          f"target ~0: {verdict(cpu_pause < TARGET_PAUSED_CPU)}")
    print(f"  while paused                       {pause_sent} messages sent, {pause_received} "
          f"received, {pause_moves} ball moves painted   target 0: "
          f"{verdict(pause_sent == 0 and pause_received == 0 and pause_moves == 0)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of play measured (10)")
    parser.add_argument("--server-nodelay", action="store_true",
                        help="experiments: the Jupyter server's WebSockets with TCP_NODELAY "
                             "(Nagle off; see live.py)")
    parser.add_argument("--pause-seconds", type=float, default=5.0,
                        help="seconds of pause measured (5)")
    parser.add_argument("--steps-per-second", type=float, default=60.0,
                        help="the widget's speed (60; the loop sends at most 30 frames/s)")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.pause_seconds <= 0 or args.steps_per_second <= 0:
        parser.error("--seconds, --pause-seconds and --steps-per-second must be > 0")
    if not os.path.exists(CHROMIUM):
        print(f"descent.py: no Chromium at {CHROMIUM} (set NBPLAYGROUND_CHROMIUM)",
              file=sys.stderr)
        return 1
    load_before = load_average()
    with lab_page("nbp-descent-", args.server_nodelay) as (page, root, base_url):
        setup = SETUP_CELL.replace("STEPS_PER_SECOND", repr(args.steps_per_second))
        path = write_notebook(root, "descent.ipynb", [setup, SHOW_CELL])
        open_notebook(page, base_url, path)
        run_all_cells(page)
        page.locator(".nbp-descent .nbp-descent-figure .dot.element").first.wait_for(
            state="visible")
        raw = measure(page, args.seconds, args.pause_seconds)
    report(raw, args.steps_per_second, load_before, load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
