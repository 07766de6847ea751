"""nbplayground: TensorFlow Playground as a Jupyter widget, with a NumPy engine.

``Config`` holds one complete Playground state, ``Trainer`` runs it headless
(no widget imports), and ``Playground`` is the widget.
"""

from .config import Config
from .trainer import DivergedError, Frame, Trainer
from .runs import Runs, Study, study

__all__ = ["Config", "Trainer", "Frame", "DivergedError", "Playground", "Runs", "Study", "study"]
__all__ += ["Compare"]
__version__ = "0.1.0"


def __getattr__(name):
    # The widget pulls in ipywidgets and bqplot: import it only when asked for.
    if name == "Playground":
        from .ui import Playground
        return Playground
    if name == "Compare":  # a widget too: K runs live in one view
        from .ui.compare import Compare
        return Compare
    raise AttributeError(f"module 'nbplayground' has no attribute {name!r}")
