"""Pause from another thread, as ipykernel 7's comm subshells deliver button clicks."""

import asyncio
import threading
import time

from nbplayground.ui import Playground
from nbplayground.ui.controls import format_epoch


async def test_pause_from_another_thread_during_a_tick_shows_the_final_epoch():
    """A Pause clicked while a training tick runs on the main thread's loop.

    The pausing thread starts inside the tick's training step; the step then
    trains some more.  The page must end showing the epoch the kernel stopped at,
    and the cancelled task must neither train nor draw again.
    """
    pg = Playground(dataset="spiral", network_shape=(8,) * 6, seed="threads")
    step = pg.trainer.step
    pausers = []

    def step_while_paused_elsewhere(*args, **kwargs):
        if not pausers:
            pauser = threading.Thread(target=pg.pause)
            pausers.append(pauser)
            pauser.start()
            time.sleep(0.05)  # GIL released: the pausing thread runs meanwhile
        return step(*args, **kwargs)

    try:
        pg.play()
        await asyncio.sleep(0.2)
        pg.trainer.step = step_while_paused_elsewhere
        for _ in range(50):  # until the next tick has started the pausing thread
            if pausers:
                break
            await asyncio.sleep(0.01)
        await asyncio.to_thread(pausers[0].join, 10)
        assert not pausers[0].is_alive()
        assert not pg.playing
        stopped_at = pg.trainer.epoch
        await asyncio.sleep(0.2)
        assert pg.trainer.epoch == stopped_at, "the cancelled task trained again"
        assert pg.controls.epoch.value == format_epoch(stopped_at), \
            "the page must show the epoch the kernel stopped at"
    finally:
        pg.trainer.step = step
        pg.close()


def test_a_playground_whose_construction_failed_closes_quietly():
    """Bad input raises a clear error; the half-made widget's __del__ -> close() must not."""
    import gc
    import warnings

    import pytest

    with pytest.raises(ValueError, match="dataset"):
        Playground(dataset="spirals")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an exception in __del__ would surface here
        gc.collect()
    half = Playground.__new__(Playground)
    half.close()  # no lock, no views yet: nothing to do, no error
