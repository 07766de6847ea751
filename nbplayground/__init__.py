"""nbplayground: TensorFlow Playground as a Jupyter widget, with a NumPy engine.

``Config`` holds one complete Playground state, ``Trainer`` runs it headless
(no widget imports), and ``Playground`` is the widget.
"""

from .config import Config
from .trainer import DivergedError, Frame, Trainer
from .runs import Runs, Study, study

__all__ = ["Config", "Trainer", "Frame", "DivergedError", "Playground", "Runs", "Study", "study",
           "Compare", "Descent", "show_activations", "show_losses"]
__version__ = "0.1.0"


def __getattr__(name):
    # The widget pulls in ipywidgets and bqplot: import it only when asked for.
    if name == "Playground":
        from .ui import Playground
        return Playground
    if name == "Compare":  # a widget too: K runs live in one view
        from .ui.compare import Compare
        return Compare
    # Descent (gradient descent you can watch) and the activation/loss figures: widgets too
    if name == "Descent":
        from .ui.descent import Descent
        return Descent
    if name in ("show_activations", "show_losses"):
        from .ui import figures
        return getattr(figures, name)
    raise AttributeError(f"module 'nbplayground' has no attribute {name!r}")
