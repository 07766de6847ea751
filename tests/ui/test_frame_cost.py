"""What a frame costs while playing: bytes and messages through the widgets' comms,
and the loss chart's rate limit (the issue's target: <= 10 kB per frame for the
spiral with six hidden layers of 8)."""

from __future__ import annotations

import asyncio
import json

import ipywidgets
import numpy as np
import pytest

from nbplayground.config import Config
from nbplayground.trainer import Trainer
from nbplayground.ui import Playground
from nbplayground.ui.output_view import CHART_INTERVAL, CHART_POINTS, OutputView


class Recorder:
    """Every message sent through a widget's comm: (widget, msg, buffers)."""

    def __init__(self, monkeypatch):
        self.sent = []
        original = ipywidgets.Widget._send

        def record(widget, msg, buffers=None):
            self.sent.append((widget, msg, [bytes(b) for b in (buffers or [])]))
            return original(widget, msg, buffers)
        monkeypatch.setattr(ipywidgets.Widget, "_send", record)

    @staticmethod
    def size(msg, buffers) -> int:
        """JSON text of the message plus its binary buffers, in bytes."""
        return len(json.dumps(msg)) + sum(map(len, buffers))

    @property
    def total(self) -> int:
        return sum(self.size(m, b) for _, m, b in self.sent)


async def test_bytes_and_messages_per_frame_while_playing_the_deep_spiral(monkeypatch):
    p = Playground(seed="0.3", dataset="spiral", network_shape=(8,) * 6)
    try:
        p.step(20)                      # past the first frames' one-off layout messages
        recorder = Recorder(monkeypatch)
        frames0 = p.frames_rendered
        p.play()
        await asyncio.sleep(2.0)
        p._halt()                       # stop without the final frame pause() sends
        frames = p.frames_rendered - frames0
        assert frames >= 20, f"only {frames} frames in 2 s"
        per_frame = recorder.total / frames
        messages = len(recorder.sent) / frames
        pictures = sum(len(b) for _, _, bufs in recorder.sent for b in bufs
                       if b.startswith(b"data:image/png")) / frames
        print(f"\n{frames} frames: {per_frame:.0f} B/frame ({pictures:.0f} B of PNG data URLs), "
              f"{messages:.1f} messages/frame")
        assert per_frame <= 10_000
        assert messages <= 10
        # the loss chart went out at most ~5 times per second, each <= CHART_POINTS points
        chart = [(m, b) for w, m, b in recorder.sent if w is p.output_view.loss_lines]
        assert 1 <= len(chart) <= 2.0 / CHART_INTERVAL + 2
        for _msg, buffers in chart:
            assert sum(map(len, buffers)) <= 3 * CHART_POINTS * 4   # x and 2 y rows, float32
    finally:
        monkeypatch.undo()
        p.close()


async def test_pause_draws_the_curve_the_rate_limit_held_back():
    p = Playground(seed="0.3")
    try:
        p.play()
        await asyncio.sleep(0.5)
        p.pause()
        epoch = p.trainer.epoch
        assert not p.output_view.chart_pending
        assert p.output_view.loss_lines.x[-1] == epoch     # the chart ends at the epoch reached
        curve = p.trainer.history
        assert p.output_view.loss_lines.y[1][-1] == pytest.approx(curve.test_loss[-1], rel=1e-6)
    finally:
        p.close()


def make_view():
    clock = {"now": 100.0}
    config = Config(seed="7")
    trainer = Trainer(config)
    view = OutputView(config, on_config=lambda c: None, clock=lambda: clock["now"])
    return trainer, view, clock


def test_live_frames_update_the_chart_at_most_every_chart_interval():
    trainer, view, clock = make_view()
    trainer.step(3)
    view.update(trainer.frame(), trainer.config, live=True)
    assert view.chart_updates == 1 and view.loss_lines.x[-1] == 3
    trainer.step(1)
    clock["now"] += CHART_INTERVAL / 2
    view.update(trainer.frame(), trainer.config, live=True)
    assert view.chart_updates == 1 and view.chart_pending      # held back
    assert view.loss_lines.x[-1] == 3
    # the readouts wait with the chart (they are drawn with it, or by flush_chart)
    assert view._pending_readouts[0] == trainer.test_loss
    clock["now"] += CHART_INTERVAL       # 1.5 intervals after the last update
    trainer.step(1)
    view.update(trainer.frame(), trainer.config, live=True)
    assert view.chart_updates == 2 and not view.chart_pending
    assert view.loss_lines.x[-1] == 5
    # a frame that is not live (step, pause, an edit) always draws the chart
    trainer.step(1)
    view.update(trainer.frame(), trainer.config)
    assert view.chart_updates == 3 and view.loss_lines.x[-1] == 6
    # flush draws what was held back, once
    trainer.step(1)
    view.update(trainer.frame(), trainer.config, live=True)
    assert view.chart_pending
    view.flush_chart()
    assert view.chart_updates == 4 and view.loss_lines.x[-1] == 7
    assert view.test_loss.value == f"Test loss {trainer.test_loss:.3f}"
    view.flush_chart()
    assert view.chart_updates == 4
    view.close()


def test_the_chart_sends_at_most_chart_points_float32_points():
    trainer, view, _ = make_view()
    trainer.step(400)
    frame = trainer.frame(curve_points=300)
    view.update(frame, trainer.config)
    x, y = np.asarray(view.loss_lines.x), np.asarray(view.loss_lines.y)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert len(x) <= CHART_POINTS and y.shape == (2, len(x))
    assert x[0] == 0 and x[-1] == 400                 # first and last epochs kept
    epochs, train, test = frame.curve
    # every point sent is a point of the curve
    index = np.searchsorted(epochs, x)
    np.testing.assert_allclose(y[1], test[index], rtol=1e-6)
    np.testing.assert_allclose(y[0], train[index], rtol=1e-6)
    view.close()
