"""Small figures of the engine's pieces: the activations with their derivatives, and the two
losses for one prediction (``nbplayground.show_activations()``, ``nbplayground.show_losses()``).

Every value drawn comes from the engine: an activation's phi(z) from its forward ops and
phi'(z) from its backward ops with dE/da = 1 (:mod:`nbplayground.activations`); a loss from
the output head's ``example_losses`` and the prediction from its ``display``
(:mod:`nbplayground.losses`).  This module only lays the numbers out.

:class:`FigureToggle` is the small "?" button the Playground puts beside its Activation and
Loss menus: it opens the figure, with the choice in use highlighted, in a box below.
"""

from __future__ import annotations

import bqplot
import ipywidgets as widgets
import numpy as np

from .. import activations as _activations
from .. import losses as _losses
from .. import render as _render
from .output_view import nice_ticks

__all__ = ["show_activations", "show_losses", "activation_values", "loss_values",
           "FigureToggle", "ACTIVATION_LABELS", "LOSS_LABELS"]

ACTIVATION_LABELS = {
    "relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear",
    "elu": "ELU", "softplus": "Softplus", "swish": "Swish", "leaky_relu": "Leaky ReLU",
}
LOSS_LABELS = {"squared": "Squared error", "cross_entropy": "Cross-entropy"}
#: the output each loss uses in the Playground (two classes): (loss, output activation)
LOSS_HEADS = {"squared": ("squared", "tanh"), "cross_entropy": ("cross_entropy", "sigmoid")}

FUNCTION_COLOR = _render.BLUE
DERIVATIVE_COLOR = _render.ORANGE
LOSS_COLORS = {"squared": _render.BLUE, "cross_entropy": _render.ORANGE}
#: z from -Z to Z for the activation figures
Z_RANGE = 4.0

_CSS = """
.nbp-figures { color: var(--jp-ui-font-color1, #000);
  font-family: var(--jp-ui-font-family, sans-serif); }
.nbp-figures .nbp-figure-cell { border: 1px solid transparent; border-radius: 4px;
  padding: 2px; }
.nbp-figures .nbp-figure-cell.nbp-highlight { border-color: var(--jp-brand-color1, #1976d2);
  background: var(--jp-layout-color2, #eee); }
.nbp-figures .nbp-figure-title { font-size: 12px; font-weight: 600; text-align: center; }
.nbp-figures .nbp-figure-legend { font-size: 12px; color: var(--jp-ui-font-color1, #000); }
.nbp-figures .nbp-figure-swatch { display: inline-block; width: 14px; height: 3px;
  margin: 0 4px 3px 10px; vertical-align: middle; }
.nbp-figures .tick text { fill: var(--jp-ui-font-color2, #666); font-size: 10px; }
.nbp-figures .axis path, .nbp-figures .tick line { stroke: var(--jp-ui-font-color3, #aaa); }
.nbp-figures .axislabel { fill: var(--jp-ui-font-color2, #666) !important; font-size: 11px; }
.nbp-figure-popover { margin: 4px 0; padding: 6px; border-radius: 4px;
  border: 1px solid var(--jp-border-color1, #ccc); background: var(--jp-layout-color1, #fff); }
"""


# --------------------------------------------------------------------------------------
# Values, from the engine
# --------------------------------------------------------------------------------------


def activation_values(name: str, z) -> tuple[np.ndarray, np.ndarray]:
    """(phi(z), phi'(z)) of activation ``name``, run through the engine's own ops."""
    act = _activations.get(name)
    z = np.array(z, dtype=np.float64, ndmin=1)
    a, tmp, delta = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    _activations.run(act.forward(z, a, tmp))
    _activations.run(act.backward(z, a, np.ones_like(z), delta, tmp))
    return a, delta


def loss_values(loss: str, target: float = 1.0, points: int = 241
                ) -> tuple[np.ndarray, np.ndarray]:
    """(prediction, E) of ``loss`` for one point of label ``target`` (+1 or -1) as the
    output's pre-activation sweeps its range; the prediction is on Playground's [-1, 1]
    scale (the output head's ``display``)."""
    if loss not in LOSS_HEADS:
        raise ValueError(f"loss={loss!r} is not a loss; allowed: {', '.join(LOSS_HEADS)}")
    if target not in (1, -1):
        raise ValueError(f"target={target!r} is not allowed; it must be +1 or -1")
    head = _losses.OutputHead(*LOSS_HEADS[loss])
    z = np.linspace(-5.0, 5.0, int(points)).reshape(1, -1)
    a = np.empty_like(z)
    _activations.run(head.forward_ops(z, a, np.empty((1, z.shape[1]))))
    t = np.broadcast_to(head.targets(np.array([float(target)])), z.shape)
    return head.display(a)[0], head.example_losses(z, a, t)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _style() -> widgets.HTML:
    return widgets.HTML(f"<style>{_CSS}</style>", layout=widgets.Layout(display="none"))


def _figure(lines, x_range, y_range, width, height, x_label="", y_label=""):
    sx = bqplot.LinearScale(min=x_range[0], max=x_range[1], allow_padding=False)
    sy = bqplot.LinearScale(min=y_range[0], max=y_range[1], allow_padding=False)
    marks = []
    for x, y, color, style in lines:
        marks.append(bqplot.Lines(x=x, y=y, scales={"x": sx, "y": sy}, colors=[color],
                                  stroke_width=2.2, line_style=style))
    axes = []
    for scale, side, label, offset in ((sx, "bottom", x_label, "30px"),
                                       (sy, "left", y_label, "34px")):
        ticks, fmt = nice_ticks(scale.min, scale.max, 6)
        axes.append(bqplot.Axis(scale=scale, side=side, tick_values=ticks, tick_format=fmt,
                                grid_lines="none", label=label, label_offset=offset))
    return bqplot.Figure(
        marks=marks, axes=axes, animation_duration=0, display_toolbar=False,
        fig_margin={"top": 6, "bottom": 38 if x_label else 20, "left": 46 if y_label else 36,
                    "right": 10},
        padding_x=0.0, padding_y=0.0, min_aspect_ratio=0.01, max_aspect_ratio=100,
        background_style={"fill": "none"},
        layout=widgets.Layout(width=f"{width}px", height=f"{height}px"))


def _legend(entries) -> widgets.HTML:
    items = "".join(f'<span class="nbp-figure-swatch" style="background:{color};'
                    f'{"opacity:0.8;" if dashed else ""}"></span>{label}'
                    for label, color, dashed in entries)
    html = widgets.HTML(items)
    html.add_class("nbp-figure-legend")
    return html


def show_activations(highlight: str | None = None, *, names=None) -> widgets.VBox:
    """Every activation of :mod:`nbplayground.activations` (or ``names``) with its
    derivative, one small figure each; ``highlight`` (a name) is framed.  Returns the
    widget (the last expression of a cell shows it)."""
    names = list(_activations.ACTIVATIONS) if names is None else list(names)
    for name in names + ([highlight] if highlight is not None else []):
        _activations.get(name)   # a clear error for an unknown name
    z = np.linspace(-Z_RANGE, Z_RANGE, 161)
    cells = []
    for name in names:
        a, d = activation_values(name, z)
        top = min(max(a.max(), d.max()), Z_RANGE)
        lo, hi = (-1.2, 1.2) if top <= 1.1 else (-1.5, 4.2)   # the same scale for alike ones
        fig = _figure([(z, a, FUNCTION_COLOR, "solid"), (z, d, DERIVATIVE_COLOR, "dashed")],
                      (-Z_RANGE, Z_RANGE), (lo, hi), 190, 150)
        fig.add_class(f"nbp-activation-{name.replace('_', '-')}")
        title = widgets.HTML(ACTIVATION_LABELS.get(name, name)
                             + (" (in use)" if name == highlight else ""))
        title.add_class("nbp-figure-title")
        cell = widgets.VBox([title, fig])
        cell.add_class("nbp-figure-cell")
        if name == highlight:
            cell.add_class("nbp-highlight")
        cells.append(cell)
    grid = widgets.GridBox(cells, layout=widgets.Layout(
        grid_template_columns="repeat(4, 196px)", grid_gap="4px"))
    legend = _legend([("φ(z)", FUNCTION_COLOR, False), ("φ′(z), dashed", DERIVATIVE_COLOR, True)])
    box = widgets.VBox([_style(), legend, grid])
    box.add_class("nbp-figures")
    box.add_class("nbp-activations")
    return box


def show_losses(highlight: str | None = None, *, target: float = 1.0,
                axis: str = "prediction") -> widgets.VBox:
    """Squared error against cross-entropy for ONE point of label ``target`` (+1 or -1) as
    the network's prediction moves: on Playground's [-1, 1] output scale
    (``axis="prediction"``) or as the probability of class +1 (``axis="probability"``).
    Squared error is Playground's loss (tanh output), cross-entropy goes with a sigmoid
    output.  ``highlight`` names the loss in use.  Returns the widget."""
    if axis not in ("prediction", "probability"):
        raise ValueError(f"axis={axis!r} is not allowed; it must be 'prediction' or "
                         f"'probability'")
    if highlight is not None and highlight not in LOSS_HEADS:
        raise ValueError(f"highlight={highlight!r} is not a loss; allowed: "
                         f"{', '.join(LOSS_HEADS)}")
    lines, entries = [], []
    top = 0.0
    for loss in LOSS_HEADS:
        x, e = loss_values(loss, target)
        if axis == "probability":
            x = (x + 1.0) / 2.0     # the display scale back to P(class +1) (a relabelling)
        top = max(top, float(e.max()))
        width = "solid" if highlight in (None, loss) else "dashed"
        lines.append((x, e, LOSS_COLORS[loss], width))
        entries.append((LOSS_LABELS[loss] + (" (in use)" if loss == highlight else ""),
                        LOSS_COLORS[loss], width == "dashed"))
    x_range = (-1.0, 1.0) if axis == "prediction" else (0.0, 1.0)
    x_label = ("prediction (target %+d)" % target if axis == "prediction"
               else "probability of class +1 (target %s)" % ("+1" if target > 0 else "-1"))
    fig = _figure(lines, x_range, (0.0, min(top, 5.0) * 1.05), 380, 240, x_label, "loss")
    fig.add_class("nbp-loss-figure")
    title = widgets.HTML("Loss of one point as the prediction moves")
    title.add_class("nbp-figure-title")
    box = widgets.VBox([_style(), title, _legend(entries), fig],
                       layout=widgets.Layout(width="400px"))
    box.add_class("nbp-figures")
    box.add_class("nbp-losses")
    return box


#: the small "?" button: its text centred in its 16 px
_TOGGLE_CSS = ".nbp-figure-toggle { line-height: 14px !important; font-size: 11px !important; }"


# --------------------------------------------------------------------------------------
# The "?" button of the Playground's controls
# --------------------------------------------------------------------------------------


class FigureToggle:
    """A small toggle button that shows ``show_activations`` or ``show_losses`` in
    :attr:`box`, highlighting ``menu.value`` (and following it while open)."""

    def __init__(self, kind: str, menu: widgets.Dropdown):
        if kind not in ("activations", "losses"):
            raise ValueError(f"kind={kind!r} is not allowed; it must be 'activations' or "
                             f"'losses'")
        self.kind = kind
        self.menu = menu
        self.button = widgets.ToggleButton(
            value=False, description="?", tooltip=f"Show the {kind}",
            layout=widgets.Layout(width="18px", height="16px", padding="0", margin="0 0 0 4px"))
        self.button.add_class(f"nbp-show-{kind}")
        self.button.add_class("nbp-figure-toggle")
        # in a wrapping row (the Playground's top bar), 100% wide: a line of its own below
        self.box = widgets.VBox([], layout=widgets.Layout(display="none", width="100%"))
        self.box.add_class("nbp-figure-popover")
        self.button.observe(lambda c: self._refresh(), "value")
        menu.observe(lambda c: self._refresh() if self.button.value else None, "value")

    def beside_caption(self, labelled: widgets.Box) -> widgets.Box:
        """Put the button beside the caption of a (caption, control) box: the control
        keeps its width.  Returns the box."""
        caption, *rest = labelled.children
        # (a <style> applies even from a hidden element)
        style = widgets.HTML(f"<style>{_TOGGLE_CSS}</style>", layout=widgets.Layout(display="none"))
        row = widgets.HBox([caption, self.button, style],
                           layout=widgets.Layout(align_items="center"))
        labelled.children = [row, *rest]
        return labelled

    @property
    def figure(self):
        """The figure shown, or None."""
        return self.box.children[0] if self.box.children else None

    def _refresh(self) -> None:
        from .closing import close_tree
        old = list(self.box.children)
        if self.button.value:
            show = show_activations if self.kind == "activations" else show_losses
            # shown first: a bqplot figure drawn into a hidden box measures 0 px and
            # logs negative sizes in the browser
            self.box.layout.display = None
            self.box.children = [show(self.menu.value)]
        else:
            self.box.children = []
            self.box.layout.display = "none"
        for widget in old:
            close_tree(widget)

    def widgets(self) -> list:
        return [self.button, self.box]
