"""Named starting points for the lessons: :data:`PRESETS` and :func:`preset`.

A preset is a small dict of :class:`~nbplayground.config.Config` fields (only the
ones that differ from Playground's defaults) plus a one-line ``description``.
Its ``hide`` set trims the widget to the controls its lesson talks about: the
parts a lesson never mentions are hidden (docs/playground.md §10.4), so the learner sees the
knobs that matter and nothing else.

Presets leave ``seed`` unset, so every :func:`preset` call draws a new random
seed (new data, new first weights), as Playground does on a fresh page.
Pass ``seed="..."`` to :func:`preset` for a fixed run.

Quick use::

    from nbplayground.presets import preset, names
    names()                                  # ('batch-size', 'overfitting', ...)
    config = preset("xor-5")                 # a Config with a fresh random seed
    config = preset("xor-5", seed="lesson")  # the same run every time

The figures the lessons state about these networks are computed with
:func:`nbplayground.runs.study` in the notebooks, or asserted by
``tests/test_lessons.py`` with the seeds and criterion the sentence names.

Standard library only (and :mod:`nbplayground.config`).
"""

from __future__ import annotations

from typing import Any

from .config import Config

__all__ = ["PRESETS", "names", "preset", "description"]


# --------------------------------------------------------------------------------------
# Hide groups (names from config.HIDEABLE_PARTS)
# --------------------------------------------------------------------------------------

#: The lessons follow the chapter and use only the inputs X1 and X2.  Hiding a
#: feature's part also removes it from the feature set (docs/playground.md §10.4); these are
#: all off by default anyway.
_UNUSED_FEATURES = frozenset({"xSquared", "ySquared", "xTimesY", "sinX", "sinY"})

#: What no lesson before the Keras one needs: the problem type (always
#: classification), regularization (outside the chapter's scope), the
#: initializer and loss choices, the optimizer panel, the discretize toggle.
#: ``percTrainData`` is never hidden: in Playground its hide flag also hides
#: the test-loss readout, which every lesson reads.
_LESSON_HIDE = _UNUSED_FEATURES | {
    "problem", "regularization", "regularizationRate", "init", "loss",
    "optimizer", "decay", "discretize",
}

#: Parts of a lesson whose data and training setup stay fixed.
_FIXED_DATA = frozenset({"dataset", "noise", "batchSize"})

#: Parts that change the network's shape.
_FIXED_SHAPE = frozenset({"numHiddenLayers", "numNodes1", "numNodes2"})


def _hide(*groups, show: frozenset = frozenset()) -> frozenset:
    """The union of ``groups`` minus the parts in ``show``."""
    out = frozenset().union(*groups)
    return out - show


#: Paces (epochs per second): Playground's own, and a slower one for the lessons where
#: a handful of epochs decide everything (one neuron, the circle, XOR).
_WATCH = 60
_SLOW = 10

#: The spiral lesson lets the student pick sin(X1) and sin(X2) (the chapter: "you can
#: also consider testing any other parameter").
_SPIRAL_FEATURES = frozenset({"sinX", "sinY"})

# The settings of the chapter's first exercise, which lessons 09 to 12 keep:
# learning rate 0.03, ReLU, 50% training data, noise 0, batch size 10, X1 and X2.
_CHAPTER = {"activation": "relu", "learning_rate": 0.03, "train_percent": 50, "noise": 0,
            "batch_size": 10, "features": ("x", "y")}

# Lessons 06 to 08 compare training settings on Playground's own first picture:
# the circle with two hidden tanh layers of 4 and 2 neurons.
#: lessons 07 and 08 keep Playground's default network and data: what they show is the
#: learning rate and its decay, or the optimizer
_LEARNING_RATE_HIDE = _hide(_LESSON_HIDE, _FIXED_DATA, _FIXED_SHAPE, {"activation"},
                            show=frozenset({"decay"}))
_OPTIMIZER_HIDE = _hide(_LESSON_HIDE, _FIXED_DATA, _FIXED_SHAPE, {"activation"},
                        show=frozenset({"optimizer"}))

_DEFAULT_NET = {"dataset": "circle", "activation": "tanh", "network_shape": (4, 2),
                "learning_rate": 0.03, "train_percent": 50, "noise": 0, "batch_size": 10,
                "features": ("x", "y")}


# --------------------------------------------------------------------------------------
# The presets
# --------------------------------------------------------------------------------------

#: name -> Config fields (only those that differ from the defaults) and a
#: ``description``.  Treat as read-only; :func:`preset` builds a fresh Config.
#: Lessons are numbered as the chapter runs (01 to 05: the learning process, the
#: activations, loss and backpropagation, gradient descent, momentum); every preset
#: sets ``epochs_per_second`` to a pace a student can follow (Playground's 60 or slower).
PRESETS: dict[str, dict[str, Any]] = {
    # Lesson 06: batch size, epochs and overfitting.
    "batch-size": {
        "description": "Playground's default network with batches of 30 examples: few "
                       "updates per epoch (lesson 06).",
        **_DEFAULT_NET, "batch_size": 30, "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE, _FIXED_SHAPE, {"dataset", "noise", "activation"}),
    },
    "overfitting": {
        "description": "Noisy XOR, only 10% of the points for training, three layers of 8 "
                       "ReLU neurons: the network learns the noise (lesson 06).",
        "dataset": "xor", **_CHAPTER, "noise": 50, "train_percent": 10,
        "network_shape": (8, 8, 8), "show_test_data": True, "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE),
    },
    # Lesson 07: the learning rate.
    "learning-rate-small": {
        "description": "Playground's default network with a learning rate of 0.001: "
                       "it barely moves (lesson 07).",
        **_DEFAULT_NET, "learning_rate": 0.001, "epochs_per_second": _WATCH,
        "hide": _LEARNING_RATE_HIDE,
    },
    "learning-rate-big": {
        "description": "Playground's default network with a learning rate of 1: the loss "
                       "curve jumps up and down (lesson 07).",
        **_DEFAULT_NET, "learning_rate": 1, "epochs_per_second": _WATCH,
        "hide": _LEARNING_RATE_HIDE,
    },
    "learning-rate-decay": {
        "description": "A learning rate of 1 that decays, lr / (1 + 0.01 t) after t "
                       "updates: fast at first, then steady (lesson 07).",
        **_DEFAULT_NET, "learning_rate": 1, "decay": 0.01, "epochs_per_second": _WATCH,
        "hide": _LEARNING_RATE_HIDE,
    },
    # Lesson 08: optimizers.
    "sgd": {
        "description": "Playground's default network trained by plain SGD at a learning "
                       "rate of 0.03 (lesson 08's start).",
        **_DEFAULT_NET, "optimizer": "sgd", "epochs_per_second": _WATCH,
        "hide": _OPTIMIZER_HIDE,
    },
    "momentum": {
        "description": "Playground's default network trained by SGD with momentum 0.9 "
                       "(lesson 08).",
        **_DEFAULT_NET, "optimizer": "sgd", "momentum": 0.9, "epochs_per_second": _WATCH,
        "hide": _OPTIMIZER_HIDE,
    },
    "nesterov": {
        "description": "Playground's default network trained by SGD with Nesterov "
                       "momentum 0.9 (lesson 08).",
        **_DEFAULT_NET, "optimizer": "sgd", "momentum": 0.9, "nesterov": True,
        "epochs_per_second": _WATCH,
        "hide": _OPTIMIZER_HIDE,
    },
    "adam": {
        "description": "Playground's default network trained by Adam with a learning "
                       "rate of 0.01 (lesson 08).",
        **_DEFAULT_NET, "optimizer": "adam", "learning_rate": 0.01,
        "epochs_per_second": _WATCH,
        "hide": _OPTIMIZER_HIDE,
    },
    # Lesson 09: one neuron draws one straight line.
    "gauss-one-neuron": {
        "description": "Two Gaussian clusters and a single ReLU neuron: one straight line "
                       "separates them (lesson 09).",
        "dataset": "gauss", **_CHAPTER, "network_shape": (1,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, {"dataset", "numHiddenLayers"}),
    },
    # Lesson 10: the circle needs more than one line.
    "circle-1": {
        "description": "The circle with one ReLU neuron: one straight line cannot enclose "
                       "the blue disc (lesson 10).",
        "dataset": "circle", **_CHAPTER, "network_shape": (1,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, {"numHiddenLayers"}),
    },
    "circle-2": {
        "description": "The circle with two ReLU neurons: two lines make a wedge or a band, "
                       "still not a closed region (lesson 10).",
        "dataset": "circle", **_CHAPTER, "network_shape": (2,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, {"numHiddenLayers"}),
    },
    "circle-3": {
        "description": "The circle with three ReLU neurons: three lines can close a "
                       "triangle around the blue disc (lesson 10).",
        "dataset": "circle", **_CHAPTER, "network_shape": (3,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, {"numHiddenLayers"}),
    },
    # Lesson 11: the four squares.
    "xor-3": {
        "description": "The four squares (XOR) with three ReLU neurons: whether it works "
                       "depends on the start (lesson 11).",
        "dataset": "xor", **_CHAPTER, "network_shape": (3,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, {"numHiddenLayers"}),
    },
    "xor-5": {
        "description": "The four squares (XOR) with five ReLU neurons: spare lines make it "
                       "more reliable (lesson 11).",
        "dataset": "xor", **_CHAPTER, "network_shape": (5,), "epochs_per_second": _SLOW,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, {"numHiddenLayers"}),
    },
    # Lesson 12: width against depth on the spiral; sin(X1) and sin(X2) may be chosen.
    "spiral-wide": {
        "description": "The spiral with one wide layer of 8 ReLU neurons: not enough "
                       "(lesson 12).",
        "dataset": "spiral", **_CHAPTER, "network_shape": (8,), "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, show=_SPIRAL_FEATURES),
    },
    "spiral-deep": {
        "description": "The spiral with six layers of 8 ReLU neurons, the most the tool "
                       "allows (lesson 12).",
        "dataset": "spiral", **_CHAPTER, "network_shape": (8, 8, 8, 8, 8, 8),
        "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, show=_SPIRAL_FEATURES),
    },
    # Lesson 13: from the Playground to Keras.
    "keras-export": {
        "description": "Lesson 11's five-neuron XOR network, to export as Keras code "
                       "(lesson 13).",
        "dataset": "xor", **_CHAPTER, "network_shape": (5,), "epochs_per_second": _WATCH,
        "hide": frozenset(),
    },
    # Everything, as on Playground's first page.
    "playground": {
        "description": "The full Playground with its defaults: nothing hidden.",
    },
}

# --------------------------------------------------------------------------------------
# Lessons 01 to 05: the first half of the chapter (the learning process, activations,
# loss and backpropagation, gradient descent, momentum).  Put first, in lesson order.
# --------------------------------------------------------------------------------------

#: A pace for watching single updates (lesson 01): five epochs a second.
_STEP_BY_STEP = 5
#: The deep network of lesson 03 keeps its four layers of four.
_DEEP_SHAPE = _FIXED_SHAPE | {"numNodes3", "numNodes4"}
#: Lesson 02 changes the activation and the network (and may try a learning rate),
#: never the data.
_ACTIVATION_HIDE = _hide(_LESSON_HIDE, _FIXED_DATA)

_INTRO_PRESETS: dict[str, dict[str, Any]] = {
    # Lesson 01: the learning process in one step.
    "learning-process": {
        "description": "Two clusters and a tiny network (two tanh neurons, nine "
                       "parameters), slow enough to follow one update (lesson 01).",
        **_DEFAULT_NET, "dataset": "gauss", "network_shape": (2,),
        "epochs_per_second": _STEP_BY_STEP,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, _FIXED_SHAPE, {"activation"}),
    },
    # Lesson 02: activation functions.
    "activation-linear": {
        "description": "The circle with linear activations: stack as many layers as you "
                       "like, it stays one straight line (lesson 02).",
        **_DEFAULT_NET, "activation": "linear", "epochs_per_second": _WATCH,
        "hide": _ACTIVATION_HIDE,
    },
    "activation-tanh": {
        "description": "The same circle and network with tanh: bends the line into a "
                       "closed curve (lesson 02).",
        **_DEFAULT_NET, "epochs_per_second": _WATCH,
        "hide": _ACTIVATION_HIDE,
    },
    "softmax-3": {
        "description": "Three Gaussian clusters, a softmax output of three probabilities "
                       "and cross-entropy (lesson 02).",
        **_DEFAULT_NET, "dataset": "gauss3", "network_shape": (4,), "loss": "cross_entropy",
        "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE, {"noise", "batchSize", "learningRate"},
                      show=frozenset({"dataset"})),
    },
    # Lesson 03: loss functions and backpropagation.
    "deep-sigmoid": {
        "description": "The circle with four sigmoid layers of four: the deltas fade on "
                       "their way back and the first layers hardly move (lesson 03).",
        **_DEFAULT_NET, "activation": "sigmoid", "network_shape": (4, 4, 4, 4),
        "epochs_per_second": _WATCH,
        "hide": _hide(_LESSON_HIDE, _FIXED_DATA, _DEEP_SHAPE),
    },
}

# Lessons 01 to 05 first, then 06 onwards, as the lessons run.
PRESETS = {**_INTRO_PRESETS, **PRESETS}


# --------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------

def names() -> tuple[str, ...]:
    """The preset names, in lesson order."""
    return tuple(PRESETS)


def _entry(name: Any) -> dict[str, Any]:
    if not isinstance(name, str):
        raise TypeError(f"preset name={name!r} is not a string; presets: "
                        f"{', '.join(PRESETS)}")
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"preset name={name!r} is not a preset; presets: "
                         f"{', '.join(PRESETS)}") from None


def description(name: str) -> str:
    """The one-line description of preset ``name``."""
    return _entry(name)["description"]


def preset(name: str, **changes: Any) -> Config:
    """The :class:`Config` of preset ``name``, with ``changes`` applied.

    ``changes`` are Config fields (``seed="abc"``, ``learning_rate=0.1``, ...),
    validated like :meth:`Config.replace`.  Without ``seed`` the Config gets a
    new random seed.  An unknown name raises ``ValueError`` listing the presets.
    """
    fields = {key: value for key, value in _entry(name).items() if key != "description"}
    config = Config(**fields)
    return config.replace(**changes) if changes else config
