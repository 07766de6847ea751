"""Live benchmark: the Compare widget with 8 runs playing in JupyterLab, in headless Chromium.

Run from the repository root::

    .venv/bin/python benchmarks/compare.py                  # 10 s of play, 5 s of pause
    .venv/bin/python benchmarks/compare.py --seconds 20 --epochs-per-second 60

It starts JupyterLab and Chromium as the browser tests do (the harness of
``benchmarks/live.py``), opens a notebook with ``Compare(dataset="spiral",
network_shape=(8,)*6, vary="optimizer", values=<8 optimizers>)``, clicks Play, measures
for ``--seconds``, clicks Pause, measures for ``--pause-seconds``, and prints:

* **painted frames per second**: a ``requestAnimationFrame`` loop in the page counts the
  animation frames in which a heatmap ``<img>``'s ``src`` or a loss curve's ``d`` changed
  (a ``MutationObserver`` raises a flag that the next animation frame counts and clears)
  *and* the epoch shown differs from the one of the last frame counted: the K pictures
  of one kernel frame are K messages, which the page may draw over several animation
  frames, and those count once (as live.py counts one picture); divided by the
  wall-clock interval; also every animation frame, and those with any change;
* **heatmap pictures and curve updates received per second** (the mutations themselves);
* **frames sent by the kernel per second** (``c.frames_rendered``; frames held back by
  the FrameGate are not sent) and **epochs trained per second** (``c.runs.epoch``, every
  one of the 8 runs trains each epoch);
* **bytes and widget messages per frame** (``ipywidgets.Widget._send`` wrapped, as in
  live.py);
* **kernel CPU** (``utime + stime`` from ``/proc/<pid>/stat``) while playing and while
  paused, and the widget messages and mutations while paused (both should be 0);
* the machine's load average before and after (the machine may be shared).

Target (issue 10): >= 20 painted frames/s; and, as for every widget, ~0 CPU and no
messages while paused.  The script prints the figures and whether each target is met;
it exits 0 either way (it measures, it does not judge).
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

TARGET_PAINTED_FPS = 20.0
OPTIMIZERS = ["sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adadelta", "adam", "nadam"]

#: Cell 0: count widget messages (before any widget exists), then build the Compare.
SETUP_CELL = r'''
import json, os, threading, time
import ipywidgets

_lock = threading.Lock()
_meter = {"sent": 0, "bytes": 0, "received": 0}
_original_send = ipywidgets.Widget._send
_original_handle = ipywidgets.Widget._handle_msg

def _metered_send(self, msg, buffers=None):
    size = len(json.dumps(msg, separators=(",", ":"), default=str))
    size += sum(memoryview(b).nbytes for b in (buffers or ()))
    with _lock:
        _meter["sent"] += 1
        _meter["bytes"] += size
    return _original_send(self, msg, buffers)

def _metered_handle(self, msg):
    with _lock:
        _meter["received"] += 1
    return _original_handle(self, msg)

ipywidgets.Widget._send = _metered_send
ipywidgets.Widget._handle_msg = _metered_handle

from nbplayground import Compare
c = Compare(dataset="spiral", network_shape=(8,) * 6, vary="optimizer", values=OPTIMIZERS,
            seed="0.5", epochs_per_second=EPOCHS_PER_SECOND)
'''

SNAPSHOT_CODE = r'''
with _lock:
    _m = dict(_meter)
print(json.dumps(dict(t=time.monotonic(), epoch=int(c.runs.epoch), frames=c.frames_rendered,
                      held=c.loop.held, playing=c.playing, render_cost=c.loop.render_cost,
                      images=c.images_sent, charts=c.chart_updates, pid=os.getpid(), **_m)))
'''

# JS: count animation frames, and those in which a heatmap or a curve changed.
_WATCH_JS = """() => {
    const root = document.querySelector('.nbp-compare');
    const counts = {painted: 0, changed: 0, frames: 0, images: 0, curves: 0};
    const epoch = root.querySelector('.nbp-compare-epoch');
    let changed = false, lastEpoch = null;
    new MutationObserver(records => {
        for (const r of records) {
            if (r.attributeName === 'src' && r.target.classList.contains('nbp-compare-heatmap')) {
                counts.images += 1; changed = true;
            } else if (r.attributeName === 'd' && r.target.classList.contains('line')) {
                counts.curves += 1; changed = true;
            }
        }
    }).observe(root, {subtree: true, attributes: true, attributeFilter: ['src', 'd']});
    const tick = () => {
        counts.frames += 1;
        if (changed) {
            counts.changed += 1;
            // a kernel frame sends K pictures as K messages, which may be drawn in
            // several animation frames: count one per kernel frame (its epoch)
            const shown = epoch ? epoch.textContent : null;
            if (shown !== lastEpoch) { counts.painted += 1; lastEpoch = shown; }
            changed = false;
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__nbpCompare = counts;
}"""

_COUNTS_JS = "() => ({...window.__nbpCompare})"
PLAY = ".nbp-compare .nbp-compare-play"


def measure(page, seconds: float, pause_seconds: float) -> dict:
    page.evaluate(_WATCH_JS)
    page.locator(PLAY).click()
    page.locator(f"{PLAY}.nbp-playing").wait_for(state="attached")
    time.sleep(2.0)  # warm-up

    start = kernel(page, SNAPSHOT_CODE)
    b0, t0 = page.evaluate(_COUNTS_JS), time.monotonic()
    cpu0 = cpu_seconds(start["pid"])
    time.sleep(seconds)
    b1, t1 = page.evaluate(_COUNTS_JS), time.monotonic()
    end = kernel(page, SNAPSHOT_CODE)
    cpu1 = cpu_seconds(start["pid"])

    page.locator(PLAY).click()
    page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached")
    time.sleep(1.0)  # the last frame Pause sends
    p0 = kernel(page, SNAPSHOT_CODE)
    bp0 = page.evaluate(_COUNTS_JS)
    cpu_p0, tp0 = cpu_seconds(start["pid"]), time.monotonic()
    time.sleep(pause_seconds)
    cpu_p1, tp1 = cpu_seconds(start["pid"]), time.monotonic()
    bp1 = page.evaluate(_COUNTS_JS)
    p1 = kernel(page, SNAPSHOT_CODE)
    return dict(start=start, end=end, browser=(b0, b1), wall=t1 - t0, cpu_play=cpu1 - cpu0,
                pause=(p0, p1), browser_pause=(bp0, bp1), pause_wall=tp1 - tp0,
                cpu_pause=cpu_p1 - cpu_p0)


def report(raw: dict, pace, load_before: str, load_after: str) -> None:
    start, end = raw["start"], raw["end"]
    dt = end["t"] - start["t"]
    wall = raw["wall"]
    b0, b1 = raw["browser"]
    painted = (b1["painted"] - b0["painted"]) / wall
    frames = end["frames"] - start["frames"]
    per_frame = max(frames, 1)
    epochs = end["epoch"] - start["epoch"]
    p0, p1 = raw["pause"]
    bp0, bp1 = raw["browser_pause"]
    pause_sent = p1["sent"] - p0["sent"]
    pause_received = p1["received"] - p0["received"]
    pause_changes = (bp1["images"] - bp0["images"]) + (bp1["curves"] - bp0["curves"])
    cpu_pause = raw["cpu_pause"] / raw["pause_wall"]
    speed = "as fast as possible" if pace is None else f"{pace:g} epochs/s"
    print(f"nbplayground Compare benchmark: 8 optimizers ({', '.join(OPTIMIZERS)}) on the "
          f"spiral, network (8,)*6, {speed}; JupyterLab + headless Chromium")
    print(f"  load average before / after        {load_before}  /  {load_after}  "
          f"({os.cpu_count()} CPUs)")
    print(f"  playing for                        {wall:.1f} s (after 2 s warm-up)")
    print(f"  painted frames (heatmap or curve)  {painted:6.1f} /s   "
          f"target >= {TARGET_PAINTED_FPS:.0f}: {verdict(painted >= TARGET_PAINTED_FPS)}")
    print(f"  animation frames (all)             {(b1['frames'] - b0['frames']) / wall:6.1f} /s"
          f"   (with any picture or curve change: {(b1['changed'] - b0['changed']) / wall:.1f}"
          f" /s; one kernel frame may be drawn over several)")
    print(f"  heatmap pictures received          {(b1['images'] - b0['images']) / wall:6.1f} /s")
    print(f"  curve updates received             {(b1['curves'] - b0['curves']) / wall:6.1f} /s"
          f"   (16 lines per chart update)")
    print(f"  frames sent by the kernel          {frames / dt:6.1f} /s   ({frames} frames; "
          f"{end['held'] - start['held']} ticks held back by the FrameGate)")
    print(f"  heatmaps sent by the kernel        {(end['images'] - start['images']) / dt:6.1f} /s"
          f"   chart updates {(end['charts'] - start['charts']) / dt:.1f} /s")
    print(f"  epochs trained (all 8 runs each)   {epochs / dt:8.0f} /s   ({epochs} epochs)")
    print(f"  render cost (kernel, moving avg)   {1000 * end['render_cost']:6.1f} ms per frame")
    print(f"  kernel CPU while playing           {100 * raw['cpu_play'] / wall:6.0f} % of one core")
    print(f"  bytes per frame (payload)          {(end['bytes'] - start['bytes']) / per_frame:8.0f} B"
          f"   widget messages per frame {(end['sent'] - start['sent']) / per_frame:.1f}")
    print(f"  paused for                         {raw['pause_wall']:.1f} s")
    print(f"  kernel CPU while paused            {100 * cpu_pause:6.2f} % of one core "
          f"({raw['cpu_pause']:.3f} s)   target ~0: {verdict(cpu_pause < 0.02)}")
    print(f"  while paused                       {pause_sent} messages sent, {pause_received} "
          f"received, {pause_changes} heatmap/curve changes   target 0: "
          f"{verdict(pause_sent == 0 and pause_received == 0 and pause_changes == 0)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of play measured (10)")
    parser.add_argument("--server-nodelay", action="store_true",
                        help="experiments: the Jupyter server's WebSockets with TCP_NODELAY "
                             "(Nagle off; see live.py)")
    parser.add_argument("--pause-seconds", type=float, default=5.0,
                        help="seconds of pause measured (5)")
    parser.add_argument("--epochs-per-second", type=float, default=None,
                        help="play at this pace (60 = Playground's, the widget's default); "
                             "default here: as fast as the machine goes")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.pause_seconds <= 0:
        parser.error(f"--seconds and --pause-seconds must be > 0, got {args.seconds}, "
                     f"{args.pause_seconds}")
    if not os.path.exists(CHROMIUM):
        print(f"compare.py: no Chromium at {CHROMIUM} (set NBPLAYGROUND_CHROMIUM)",
              file=sys.stderr)
        return 1
    load_before = load_average()
    with lab_page("nbp-compare-", args.server_nodelay) as (page, root, base_url):
        setup = (SETUP_CELL.replace("EPOCHS_PER_SECOND", repr(args.epochs_per_second))
                 .replace("OPTIMIZERS", repr(OPTIMIZERS)))
        path = write_notebook(root, "compare.ipynb", [setup, "c"])
        open_notebook(page, base_url, path)
        run_all_cells(page)
        page.wait_for_function(
            "() => document.querySelectorAll('.nbp-compare img.nbp-compare-heatmap')"
            ".length === 8")
        raw = measure(page, args.seconds, args.pause_seconds)
    report(raw, args.epochs_per_second, load_before, load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
