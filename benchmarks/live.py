"""Live benchmark: the Playground widget playing in JupyterLab, in headless Chromium.

Run from the repository root::

    .venv/bin/python benchmarks/live.py                 # 10 s of play, 5 s of pause
    .venv/bin/python benchmarks/live.py --seconds 20 --pause-seconds 5

It starts JupyterLab and Chromium the way the browser tests do (``tests/e2e/conftest.py``),
opens a notebook with ``Playground(dataset="spiral", network_shape=(8,)*6,
activation="tanh")``, clicks Play, measures for ``--seconds``, clicks Pause, measures
for ``--pause-seconds``, and prints:

* **frames rendered by the browser per second**: changes of the heatmap ``<image>``'s
  ``href`` counted by a ``MutationObserver`` in the page (a frame the browser received
  and drew), divided by the wall-clock interval;
* **frames sent by the kernel per second**: ``pg.frames_rendered`` over the kernel's
  ``time.monotonic()`` interval (frames held back by the FrameGate are not sent);
* **training epochs per second while rendering**: ``pg.trainer.epoch`` over the same
  interval;
* **bytes per frame**: every widget message the kernel sends goes through
  ``ipywidgets.Widget._send``, which the notebook wraps to add up the JSON payload
  (``len(json.dumps(msg))``, compact) and the binary buffers (``nbytes``); the total over
  the interval divided by the frames the kernel sent.  Also the bytes the kernel's
  ``Session`` actually writes for those ``comm_msg`` messages (header, parent header,
  metadata, content and buffers: the ZeroMQ frames), which include each message's
  envelope;
* **messages per frame**: widget messages sent over the interval / frames sent;
* **while paused**: the kernel process's CPU time (``utime + stime`` from
  ``/proc/<pid>/stat``) over ``--pause-seconds`` with nothing run in between, and the
  widget messages sent or received meanwhile (both should be 0);
* the machine's load average before and after (the machine may be shared).

Targets (from the issue): >= 25 rendered frames/s, >= 1,000 epochs/s while rendering,
<= 10 kB per frame, ~0 CPU and no messages while paused.  The script prints the figures
and whether each target is met; it exits 0 either way (it measures, it does not judge).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))

# The browser tests' way of starting JupyterLab and Chromium, and their notebook helpers.
from e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    _free_port,
    _server_command,
    _server_env,
    _stop,
    _wait_until_up,
)
from e2e.helpers import open_notebook, run_all_cells, write_notebook  # noqa: E402

TARGET_FPS = 25.0
TARGET_EPOCHS_PER_S = 1000.0
TARGET_BYTES_PER_FRAME = 10_000

#: Cell 0: count every widget message (sent and received) before any widget exists,
#: then build the Playground.  The counters are guarded by a lock: JupyterLab 4.6 sends
#: widget messages to a kernel subshell, which runs in its own thread.
SETUP_CELL = r'''
import json, os, threading, time
import ipywidgets

class _Meter:
    """Widget traffic: messages, JSON payload bytes, buffer bytes, wire bytes."""
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.json_bytes = self.buffer_bytes = 0
        self.wire_msgs = self.wire_bytes = 0
        self.received = 0
        self.by_class = {}

    def snapshot(self):
        with self.lock:
            return dict(sent=self.sent, json_bytes=self.json_bytes,
                        buffer_bytes=self.buffer_bytes, wire_msgs=self.wire_msgs,
                        wire_bytes=self.wire_bytes, received=self.received,
                        by_class=dict(self.by_class))

_meter = _Meter()
_original_send = ipywidgets.Widget._send
_original_handle = ipywidgets.Widget._handle_msg

def _metered_send(self, msg, buffers=None):
    size = len(json.dumps(msg, separators=(",", ":"), default=str))
    extra = sum(memoryview(b).nbytes for b in (buffers or ()))
    with _meter.lock:
        _meter.sent += 1
        _meter.json_bytes += size
        _meter.buffer_bytes += extra
        name = type(self).__name__
        count, total = _meter.by_class.get(name, (0, 0))
        _meter.by_class[name] = (count + 1, total + size + extra)
    return _original_send(self, msg, buffers)

def _metered_handle(self, msg):
    with _meter.lock:
        _meter.received += 1
    return _original_handle(self, msg)

ipywidgets.Widget._send = _metered_send
ipywidgets.Widget._handle_msg = _metered_handle   # before any widget binds it

# The bytes the kernel's Session writes for comm messages (the ZeroMQ frames).
_session = get_ipython().kernel.session
_original_serialize, _original_session_send = _session.serialize, _session.send
_tls = threading.local()

def _metered_serialize(msg, ident=None):
    frames = _original_serialize(msg, ident)
    if msg.get("header", {}).get("msg_type") == "comm_msg":
        _tls.size = sum(len(f) for f in frames)
    return frames

def _metered_session_send(stream, msg_or_type, *args, **kwargs):
    _tls.size = None
    result = _original_session_send(stream, msg_or_type, *args, **kwargs)
    if getattr(_tls, "size", None) is not None:
        buffers = kwargs.get("buffers") or ()
        with _meter.lock:
            _meter.wire_msgs += 1
            _meter.wire_bytes += _tls.size + sum(memoryview(b).nbytes for b in buffers)
    return result

_session.serialize, _session.send = _metered_serialize, _metered_session_send

from nbplayground import Playground
pg = Playground(dataset="spiral", network_shape=(8,) * 6, activation="tanh",
                epochs_per_second=EPOCHS_PER_SECOND)
'''

SHOW_CELL = "pg"

#: Printed by every kernel snapshot (one JSON line).
SNAPSHOT_CODE = r'''
print(json.dumps(dict(t=time.monotonic(), epoch=pg.trainer.epoch, frames=pg.frames_rendered,
                      loop_frames=pg.loop.frames, held=pg.loop.held, playing=pg.playing,
                      render_cost=pg.loop.render_cost, pid=os.getpid(), **_meter.snapshot())))
'''

#: The engine alone, no widget: epochs per second for 2 s (after the measurements).
ENGINE_CODE = r'''
_t0 = time.perf_counter(); _n = pg.trainer.step(10**9, seconds=2.0)
print(json.dumps(dict(epochs=_n, seconds=time.perf_counter() - _t0)))
'''

# JS: run code in the notebook's kernel (not in a cell: nothing on the page moves) and
# return what it printed.
_EXECUTE_JS = """async (code) => {
    const app = window.jupyterapp;
    let panel = app.shell.currentWidget;
    if (!(panel && panel.sessionContext)) {
        for (const w of app.shell.widgets('main')) if (w.sessionContext) { panel = w; break; }
    }
    const future = panel.sessionContext.session.kernel.requestExecute(
        {code, store_history: false, silent: false});
    let out = '';
    future.onIOPub = msg => {
        const kind = msg.header.msg_type;
        if (kind === 'stream') out += msg.content.text;
        if (kind === 'error') out += 'ERROR ' + msg.content.ename + ': ' + msg.content.evalue;
    };
    await future.done;
    return out;
}"""

# JS: count href changes of the heatmap and of the network picture, and counter changes.
_WATCH_JS = """() => {
    const root = document.querySelector('.nbp-playground');
    const heat = root.querySelector('.nbp-heatmap svg image');
    const net = root.querySelector('.nbp-network-column svg image');
    const epoch = root.querySelector('.nbp-epoch');
    const counts = {heat: 0, net: 0, epoch: 0};
    new MutationObserver(() => { counts.heat += 1; })
        .observe(heat, {attributes: true, attributeFilter: ['href']});
    new MutationObserver(() => { counts.net += 1; })
        .observe(net, {attributes: true, attributeFilter: ['href']});
    new MutationObserver(() => { counts.epoch += 1; })
        .observe(epoch, {subtree: true, childList: true, characterData: true});
    window.__nbpCounts = counts;
}"""

_COUNTS_JS = "() => ({...window.__nbpCounts})"


def kernel(page, code: str) -> dict:
    """Run ``code`` in the kernel; parse the JSON line it printed."""
    out = page.evaluate(_EXECUTE_JS, code)
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"the kernel printed {out!r}") from None


def cpu_seconds(pid: int) -> float:
    """utime + stime of process ``pid`` in seconds (/proc/<pid>/stat, fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        # the command name (field 2) may hold spaces: split after its closing parenthesis
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # fields 14, 15 counted from 1
    return ticks / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def verdict(ok: bool) -> str:
    return "meets target" if ok else "BELOW target"


def measure(page, seconds: float, pause_seconds: float) -> dict:
    """Play, measure, pause, measure; return the raw figures."""
    page.evaluate(_WATCH_JS)
    page.locator(".nbp-playground .nbp-play").click()
    page.locator(".nbp-playground .nbp-play.nbp-playing").wait_for(state="attached")
    time.sleep(2.0)  # warm-up: the first frames, the gate's first acknowledgements

    start = kernel(page, SNAPSHOT_CODE)
    b_start, t_start = page.evaluate(_COUNTS_JS), time.monotonic()
    cpu_start = cpu_seconds(start["pid"])
    time.sleep(seconds)
    b_end, t_end = page.evaluate(_COUNTS_JS), time.monotonic()
    end = kernel(page, SNAPSHOT_CODE)
    cpu_end = cpu_seconds(start["pid"])

    page.locator(".nbp-playground .nbp-play").click()
    page.locator(".nbp-playground .nbp-play:not(.nbp-playing)").wait_for(state="attached")
    time.sleep(1.0)  # the last frame Pause sends
    p_start = kernel(page, SNAPSHOT_CODE)
    b_pause = page.evaluate(_COUNTS_JS)
    cpu_pause_start, tp_start = cpu_seconds(start["pid"]), time.monotonic()
    time.sleep(pause_seconds)
    cpu_pause_end, tp_end = cpu_seconds(start["pid"]), time.monotonic()
    b_pause_end = page.evaluate(_COUNTS_JS)
    p_end = kernel(page, SNAPSHOT_CODE)
    engine = kernel(page, ENGINE_CODE)
    return dict(start=start, end=end, browser=(b_start, b_end), wall=t_end - t_start,
                cpu_play=cpu_end - cpu_start, pause=(p_start, p_end),
                browser_pause=(b_pause, b_pause_end), pause_wall=tp_end - tp_start,
                cpu_pause=cpu_pause_end - cpu_pause_start, engine=engine)


def report(raw: dict, load_before: str, load_after: str) -> None:
    start, end = raw["start"], raw["end"]
    dt = end["t"] - start["t"]
    frames = end["frames"] - start["frames"]
    epochs = end["epoch"] - start["epoch"]
    b0, b1 = raw["browser"]
    drawn = b1["heat"] - b0["heat"]
    sent = end["sent"] - start["sent"]
    payload = (end["json_bytes"] - start["json_bytes"]) + (end["buffer_bytes"] - start["buffer_bytes"])
    wire = end["wire_bytes"] - start["wire_bytes"]
    received = end["received"] - start["received"]
    per_frame = max(frames, 1)
    fps_browser = drawn / raw["wall"]
    epochs_per_s = epochs / dt
    bytes_per_frame = payload / per_frame
    p0, p1 = raw["pause"]
    bp0, bp1 = raw["browser_pause"]
    pause_sent = p1["sent"] - p0["sent"]
    pause_received = p1["received"] - p0["received"]
    pause_drawn = bp1["heat"] - bp0["heat"]
    cpu_pause = raw["cpu_pause"] / raw["pause_wall"]
    engine = raw["engine"]

    print("nbplayground live benchmark: spiral, network (8,)*6, tanh, JupyterLab + headless Chromium")
    print(f"  load average before / after        {load_before}  /  {load_after}  ({os.cpu_count()} CPUs)")
    print(f"  playing for                        {raw['wall']:.1f} s (after 2 s warm-up)")
    print(f"  frames rendered by the browser     {fps_browser:6.1f} /s   ({drawn} heatmap changes)   "
          f"target >= {TARGET_FPS:.0f}: {verdict(fps_browser >= TARGET_FPS)}")
    print(f"  frames sent by the kernel          {frames / dt:6.1f} /s   ({frames} frames; "
          f"{end['held'] - start['held']} ticks held back by the FrameGate)")
    print(f"  network picture changes (browser)  {(b1['net'] - b0['net']) / raw['wall']:6.1f} /s")
    print(f"  epoch counter changes (browser)    {(b1['epoch'] - b0['epoch']) / raw['wall']:6.1f} /s")
    print(f"  training epochs while rendering    {epochs_per_s:8.0f} /s   ({epochs} epochs)   "
          f"target >= {TARGET_EPOCHS_PER_S:,.0f}: {verdict(epochs_per_s >= TARGET_EPOCHS_PER_S)}")
    print(f"  engine alone (no widget, 2 s)      {engine['epochs'] / engine['seconds']:8.0f} /s")
    print(f"  render cost (kernel, moving avg)   {1000 * end['render_cost']:6.1f} ms per frame")
    print(f"  kernel CPU while playing           {100 * raw['cpu_play'] / raw['wall']:6.0f} % of one core")
    print(f"  bytes per frame (payload)          {bytes_per_frame:8.0f} B   "
          f"(JSON {(end['json_bytes'] - start['json_bytes']) / per_frame:.0f} + buffers "
          f"{(end['buffer_bytes'] - start['buffer_bytes']) / per_frame:.0f})   "
          f"target <= {TARGET_BYTES_PER_FRAME:,}: {verdict(bytes_per_frame <= TARGET_BYTES_PER_FRAME)}")
    print(f"  bytes per frame (ZeroMQ frames)    {wire / per_frame:8.0f} B   "
          f"({(end['wire_msgs'] - start['wire_msgs'])} comm messages with their envelopes)")
    print(f"  widget messages per frame          {sent / per_frame:8.1f}     "
          f"({sent} sent, {received} received = {received / dt:.0f}/s from the browser)")
    by_class = {}
    for name, (count, size) in end["by_class"].items():
        c0, s0 = start["by_class"].get(name, (0, 0))
        if count - c0:
            by_class[name] = (count - c0, size - s0)
    top = sorted(by_class.items(), key=lambda kv: -kv[1][1])[:6]
    print("  sent while playing, by widget class (messages/frame, bytes/frame):")
    for name, (count, size) in top:
        print(f"      {name:<18} {count / per_frame:6.2f}  {size / per_frame:8.0f} B")
    print(f"  paused for                         {raw['pause_wall']:.1f} s")
    print(f"  kernel CPU while paused            {100 * cpu_pause:6.2f} % of one core "
          f"({raw['cpu_pause']:.3f} s)   target ~0: {verdict(cpu_pause < 0.02)}")
    print(f"  widget messages while paused       {pause_sent} sent, {pause_received} received, "
          f"{pause_drawn} heatmap changes   target 0: "
          f"{verdict(pause_sent == 0 and pause_received == 0 and pause_drawn == 0)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of play measured (10)")
    parser.add_argument("--pause-seconds", type=float, default=5.0,
                        help="seconds of pause measured (5)")
    parser.add_argument("--epochs-per-second", type=float, default=None,
                        help="play at this pace (60 = Playground's); default: as fast as "
                             "the machine goes")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.pause_seconds <= 0:
        parser.error(f"--seconds and --pause-seconds must be > 0, got {args.seconds}, "
                     f"{args.pause_seconds}")
    if not os.path.exists(CHROMIUM):
        print(f"live.py: no Chromium at {CHROMIUM} (set NBPLAYGROUND_CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="nbp-live-") as tmp:
        root, state = Path(tmp) / "root", Path(tmp) / "state"
        root.mkdir()
        state.mkdir()
        log_path = Path(tmp) / "jupyterlab.log"
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}/"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(_server_command(port, root), cwd=root, env=_server_env(state),
                                      stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_until_up(server, base_url, log_path)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=CHROMIUM_ARGS)
                try:
                    page = browser.new_context(viewport=VIEWPORT).new_page()
                    setup = SETUP_CELL.replace("EPOCHS_PER_SECOND", repr(args.epochs_per_second))
                    path = write_notebook(root, "live.ipynb", [setup, SHOW_CELL])
                    open_notebook(page, base_url, path)
                    run_all_cells(page)
                    page.wait_for_function(
                        "() => /^(blob|data):/.test(document.querySelector("
                        "'.nbp-playground .nbp-heatmap svg image')?.getAttribute('href') || '')")
                    raw = measure(page, args.seconds, args.pause_seconds)
                finally:
                    browser.close()
        finally:
            _stop(server, base_url)
    report(raw, load_before, load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())
