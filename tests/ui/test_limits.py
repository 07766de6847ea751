"""The widget draws every network Config accepts, and a refused change (a limit, or a
rule of your own data) leaves widget and trainer as they were (issue 11, items 1-2)."""

from __future__ import annotations

import numpy as np
import pytest

from nbplayground.config import (FEATURES, LIMIT_HIDDEN_LAYERS, LIMIT_NEURONS,
                                 LIMIT_PARAMETERS, Config, ConfigError, parameter_count)
from nbplayground.ui import Playground


def _largest_shapes():
    deepest = (1,) * LIMIT_HIDDEN_LAYERS
    widest = [LIMIT_NEURONS]
    while parameter_count(len(FEATURES), widest + [LIMIT_NEURONS], 3) <= LIMIT_PARAMETERS:
        widest.append(LIMIT_NEURONS)
    return deepest, tuple(widest)


@pytest.mark.parametrize("shape", _largest_shapes())
def test_the_largest_accepted_networks_are_drawn(shape):
    p = Playground(Config(seed="1", network_shape=shape, features=FEATURES,
                          dataset="spiral3"))
    try:
        assert p.step(1) == 1
        assert p.trainer.network.layer_sizes[1:-1] == shape
    finally:
        p.close()


def test_a_refused_shape_leaves_the_widget_and_trainer_as_they_were():
    p = Playground(Config(seed="1"))
    try:
        p.step(2)
        before = (p.config, p.trainer.network.params.tobytes(), p.trainer.epoch)
        with pytest.raises(ConfigError, match="LIMIT_HIDDEN_LAYERS"):
            p.config = p.config.replace(network_shape=(2,) * (LIMIT_HIDDEN_LAYERS + 1))
        assert (p.config, p.trainer.network.params.tobytes(), p.trainer.epoch) == before
        assert p.step(1) == 1
    finally:
        p.close()


def test_the_widget_refuses_what_the_engine_refuses():
    X = np.random.default_rng(2).normal(size=(30, 2))
    p = Playground(Config(seed="1"), data=(X, np.arange(30) % 3))
    try:
        before = (p.config, p.trainer.network.params.tobytes())
        with pytest.raises(ValueError, match="pass loss='cross_entropy'"):
            p.config = p.config.replace(loss="squared")
        with pytest.raises(ValueError, match="dataset names do not apply"):
            p.config = p.config.replace(dataset="xor")
        assert (p.config, p.trainer.network.params.tobytes()) == before
        assert p.controls.loss.options == (("Cross-entropy", "cross_entropy"),)
    finally:
        p.close()
