"""The widget: :class:`Playground` and its panels (ipywidgets + bqplot).

``from nbplayground.ui import Playground``.  The import is lazy, so that
``nbplayground.ui.loop`` and friends can be imported on their own.
"""

from __future__ import annotations

__all__ = ["Playground", "TrainingLoop", "Compare", "Descent"]


def __getattr__(name: str):
    if name == "Playground":
        from .playground import Playground
        return Playground
    if name == "Compare":
        from .compare import Compare
        return Compare
    if name == "TrainingLoop":
        from .loop import TrainingLoop
        return TrainingLoop
    if name == "Descent":
        from .descent import Descent
        return Descent
    raise AttributeError(f"module 'nbplayground.ui' has no attribute {name!r}")
