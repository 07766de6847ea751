"""Step inside: one mini-batch walked through its stages on the Playground's pictures.

A click on the button beside Step (or :meth:`StepInside.advance`) enters the mode and
then moves one stage on; every number drawn comes from
:meth:`nbplayground.trainer.Trainer.explain_batch`, which changes nothing in the trainer:

* **forward**: each node is covered by a box of the colour of its value for the followed
  point (the features' values, each neuron's activation ``a = f(z)``, the prediction at
  the right edge), on Playground's colour scale, with the number on it; each line shows
  ``w × x``, what it adds to its neuron's ``z`` (colour by sign, width by size, as
  Playground draws weights); the bias squares show the biases;
* **loss**: the prediction against the target, the loss of the point and the batch's mean
  loss; only the lines into the output stay lit;
* **backward**: each neuron's delta ``δ = ∂L/∂z`` for the followed point, each line's
  gradient ``∂L/∂w`` and each bias's ``∂L/∂b`` (of the batch's mean loss), relative to
  the stage's largest value; one click per weight layer, from the output back to the
  inputs;
* **update**: each weight's and bias's change, exactly what the next update adds
  (``weight_updates``, ``bias_updates``); the next click applies it with
  :meth:`~nbplayground.trainer.Trainer.step_batch` and shows the next batch's forward
  stage.

The followed point is one of the batch (ringed on the heatmap, the batch's other points
with thinner rings); a click on the heatmap follows the batch point nearest to it.
Hovering a node, line or bias square reads its number in the stage.  "Done" (or Esc over
the picture, Play or Step) leaves the mode and the normal picture is back; the right arrow
does what "Next" does.  Nothing here runs on a timer: each
click sends one update and a paused widget sends nothing.

The module draws: the choice of colours and widths and the nearest batch point to a click
come from :mod:`nbplayground.render`, every number from the trainer.
"""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import numpy as np

from .. import render
from ..features import FEATURES
from .closing import close_tree
from .controls import OPTIMIZER_LABELS
from .network_view import link_widths

try:  # keys over the pictures: Esc leaves, the right arrow goes on
    import ipyevents
except ImportError:  # pragma: no cover - ipyevents is a dependency of the widget
    ipyevents = None

__all__ = ["STAGES", "StepInside", "short_number", "hover_number"]

#: The stages, in order.
STAGES = ("forward", "loss", "backward", "update")

STAGE_TITLES = {"forward": "Forward", "loss": "Loss", "backward": "Backward",
                "update": "Update"}

_LABELS = {f.id: f.label for f in FEATURES}
_DIM = "var(--jp-ui-font-color2)"


def short_number(value) -> str:
    """A value in at most 5 characters, for the 30 px boxes: two significant digits
    (0.53, -12), else one (-0.058 -> "-0.06"), else one with an exponent (0.00034 ->
    "3e-4"); the hover readout gives four."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    for digits in (2, 1):
        text = np.format_float_positional(v, precision=digits, unique=False,
                                          fractional=False, trim="-")
        if len(text) <= 5:
            return text
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def hover_number(value) -> str:
    """A value in the hover readout: four significant digits."""
    v = float(value)
    return "NaN" if math.isnan(v) else f"{v:.4g}"


def _node_name(target, n_outputs: int) -> str:
    kind = target[0]
    if kind == "feature":
        return _LABELS[target[1]]
    if kind == "output":
        return "the output" if n_outputs == 1 else f"output {target[1] + 1}"
    return f"neuron {target[1] + 1}.{target[2] + 1}"


class StepInside:
    """The stage logic of Step inside, for a Playground's panels.

    ``trainer()`` returns the trainer in use; ``network`` and ``output`` are the
    :class:`~nbplayground.ui.network_view.NetworkView` and
    :class:`~nbplayground.ui.output_view.OutputView`; ``redraw()`` draws a normal frame
    of the Playground (after :meth:`advance` applied an update); ``on_next()`` and
    ``on_leave()`` are called by the "Next" and "Done" buttons (default: :meth:`advance`
    and :meth:`leave`), and by the right-arrow and Esc keys pressed over the panel or the
    network picture; ``on_pick(x, y)`` by a click on the heatmap (default :meth:`pick`).
    :attr:`panel` is the caption with the buttons (shown only in the mode).
    """

    def __init__(self, *, trainer, network, output, redraw, on_next=None, on_leave=None,
                 on_pick=None):
        self._trainer = trainer
        self._network = network
        self._output = output
        self._redraw = redraw
        self.stage: str | None = None
        #: weight layers of the backward stage drawn so far (from the output)
        self.layers_shown = 0
        self._point: int | None = None
        self.explanation = None

        self.caption = widgets.HTML("")
        self.caption.add_class("nbp-step-inside-caption")
        self.next_button = widgets.Button(description="Next", icon="step-forward",
                                          tooltip="The next stage of this mini-batch",
                                          layout=widgets.Layout(width="auto"))
        self.next_button.add_class("nbp-step-inside-next")
        self.done_button = widgets.Button(description="Done", icon="times",
                                          tooltip="Leave Step inside",
                                          layout=widgets.Layout(width="auto"))
        self.done_button.add_class("nbp-step-inside-done")
        self._on_next = on_next or self.advance
        self._on_leave = on_leave or self.leave
        self._on_pick = on_pick or self.pick
        self.next_button.on_click(lambda _: self._on_next())
        self.done_button.on_click(lambda _: self._on_leave())
        buttons = widgets.HBox([self.next_button, self.done_button],
                               layout=widgets.Layout(flex="0 0 auto", align_items="center"))
        self.panel = widgets.HBox([self.caption, buttons],
                                  layout=widgets.Layout(display="none", align_items="center",
                                                        justify_content="space-between",
                                                        padding="4px 8px", margin="4px 0",
                                                        border="1px solid var(--jp-border-color1)"))
        self.panel.add_class("nbp-step-inside")
        self._events = []
        if ipyevents is not None:
            for source in (self.panel, network.figure):
                keys = ipyevents.Event(source=source, watched_events=["keydown"])
                keys.on_dom_event(self.key)
                self._events.append(keys)

    # -- state -------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.stage is not None

    @property
    def point(self) -> int | None:
        """Index (in ``trainer.data.train_x``) of the training point followed, or None."""
        return self._point if self.active else None

    @point.setter
    def point(self, index) -> None:
        if not self.active:
            raise ValueError("step_inside_point: Step inside is not active (call step_inside() first)")
        indices = [int(i) for i in self.explanation.indices]
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or int(index) not in indices:
            raise ValueError(f"step_inside_point={index!r}: must be the index of a point of this "
                             f"batch, one of {indices}")
        self._point = int(index)
        self._draw()

    # -- actions -----------------------------------------------------------------------

    def enter(self) -> str:
        """Start with the forward stage of the next mini-batch."""
        self.stage = "forward"
        self.layers_shown = 0
        self._explain()
        self._output.set_pick(self._on_pick)
        self._draw()
        return self.stage

    def advance(self) -> str:
        """Enter, or go one stage on (backward: one weight layer on); after the update
        stage, apply the update and show the next batch's forward stage."""
        if not self.active:
            return self.enter()
        n_layers = len(self.explanation.activations)
        if self.stage == "forward":
            self.stage = "loss"
        elif self.stage == "loss":
            self.stage, self.layers_shown = "backward", 1
        elif self.stage == "backward" and self.layers_shown < n_layers:
            self.layers_shown += 1
        elif self.stage == "backward":
            self.stage = "update"
        else:  # update: apply it, then the next batch
            self._trainer().step_batch()
            self.stage, self.layers_shown = "forward", 0
            self._redraw()            # the normal picture of the new weights, then refresh()
            return self.stage
        self._draw()
        return self.stage

    def refresh(self) -> None:
        """The trainer may have changed (a new frame was drawn): explain the batch again
        and redraw the stage (the followed point stays if it is still in the batch)."""
        if not self.active:
            return
        self._explain()
        n_layers = len(self.explanation.activations)
        if self.stage == "backward":
            self.layers_shown = min(max(self.layers_shown, 1), n_layers)
        self._draw()

    def leave(self) -> None:
        """Back to the normal picture."""
        if not self.active:
            return
        self.stage = None
        self.layers_shown = 0
        self.explanation = None
        self._output.set_pick(None)
        self._output.clear_batch()
        self._network.clear_overlay()
        self.panel.layout.display = "none"

    def pick(self, x: float, y: float) -> int:
        """Follow the batch point nearest to (x, y) (data coordinates); returns its index."""
        ex = self.explanation
        xy = np.asarray(self._trainer().data.train_x, dtype=np.float64)[ex.indices]
        self.point = int(ex.indices[render.nearest_point(xy, x, y)])
        return self._point

    def key(self, event: dict) -> None:
        """A key pressed over the panel or the network picture (an ipyevents event):
        Esc leaves, the right arrow goes one stage on; nothing outside the mode."""
        if not self.active:
            return
        name = event.get("key")
        if name == "Escape":
            self._on_leave()
        elif name == "ArrowRight":
            self._on_next()

    def close(self) -> None:
        for event in self._events:
            close_tree(event)
        close_tree(self.panel)

    # -- internals ---------------------------------------------------------------------

    def _explain(self) -> None:
        ex = self._trainer().explain_batch()
        self.explanation = ex
        indices = [int(i) for i in ex.indices]
        if self._point not in indices:
            self._point = indices[0]

    def _row(self) -> int:
        return int(np.flatnonzero(np.asarray(self.explanation.indices) == self._point)[0])

    def _draw(self) -> None:
        trainer = self._trainer()
        ex, i = self.explanation, self._row()
        drawing = getattr(self, f"_{self.stage}")(trainer, ex, i)
        nodes, links, widths, faint, biases, describe, hint = drawing
        self._network.show_overlay(nodes, links, widths, link_faint=faint, bias_units=biases,
                                   describe=describe, hint=hint)
        xy = np.asarray(trainer.data.train_x, dtype=np.float64)
        self._output.show_batch(xy[ex.indices], xy[self._point])
        self.caption.value = self._caption(trainer, ex, i)
        self.panel.layout.display = None

    # each stage returns (nodes, link units, link widths, faint links, bias units,
    # describe(target), hint)

    def _forward_values(self, trainer, ex, i):
        """Per weight layer, the values of its source nodes for point row ``i``."""
        sources = [ex.inputs[i]] + [a[i] for a in ex.activations[:-1]]
        carried = render.weighted_inputs(trainer.weights, sources)
        return sources, carried

    def _forward(self, trainer, ex, i, *, lit_layers=None):
        features = tuple(trainer.config.features)
        n_out = ex.activations[-1].shape[1]
        sources, carried = self._forward_values(trainer, ex, i)
        nodes = {}
        for j, f in enumerate(features):
            nodes[("feature", f)] = (float(render.relative(ex.inputs[i, j], 1.0)),
                                     short_number(ex.inputs[i, j]))
        for layer, a in enumerate(ex.activations[:-1]):
            for k in range(a.shape[1]):
                nodes[("node", layer, k)] = (float(render.relative(a[i, k], 1.0)),
                                             short_number(a[i, k]))
        shown = trainer.head.display(np.asarray(ex.activations[-1][i], np.float64)[:, None])[:, 0]
        for k in range(n_out):
            nodes[("output", k)] = (float(render.relative(shown[k], 1.0)),
                                    short_number(ex.activations[-1][i, k]))
        values = np.concatenate([c.ravel() for c in carried])
        units = render.relative(values, 1.0)
        widths = link_widths(values)
        dead = np.concatenate([d.ravel() for d in trainer.dead])
        faint = dead.copy()
        if lit_layers is not None:
            offsets = np.cumsum([0] + [c.size for c in carried])
            for layer in range(len(carried)):
                if layer not in lit_layers:
                    faint[offsets[layer]:offsets[layer + 1]] = True
        biases = trainer.biases
        bias_values = (np.concatenate([b.ravel() for b in biases[:-1]]) if len(biases) > 1
                       else np.zeros(0))
        weights = trainer.weights
        acts = ex.activations
        pre = ex.pre_activations

        def describe(target):
            kind = target[0]
            if kind == "feature":
                if target[1] not in features:
                    return None
                j = features.index(target[1])
                return (f"{_LABELS[target[1]]} = <b>{hover_number(ex.inputs[i, j])}</b> "
                        f"<span style='color:{_DIM}'>(an input of the ringed point)</span>")
            if kind == "node":
                _, layer, k = target
                return (f"{_node_name(target, n_out)}: a = f(z) = <b>{hover_number(acts[layer][i, k])}</b>"
                        f" <span style='color:{_DIM}'>(z = \u03a3 w\u00b7x + b = "
                        f"{hover_number(pre[layer][i, k])})</span>")
            if kind == "output":
                k = target[1]
                return (f"{_node_name(target, n_out)}: a = <b>{hover_number(acts[-1][i, k])}</b>"
                        f" <span style='color:{_DIM}'>(z = {hover_number(pre[-1][i, k])}; the "
                        f"target is {hover_number(ex.targets[i, k])}, this point's loss "
                        f"{hover_number(ex.losses[i])})</span>")
            if kind == "link":
                _, layer, d, s = target
                return (f"w \u00d7 x = <b>{hover_number(carried[layer][d, s])}</b> "
                        f"<span style='color:{_DIM}'>(w = {hover_number(weights[layer][d, s])}, "
                        f"x = {hover_number(sources[layer][s])}; "
                        f"{html.escape(self._link_name(features, n_out, layer, d, s))})</span>")
            if kind == "bias":
                _, layer, k = target
                return (f"b = <b>{hover_number(biases[layer][k])}</b> "
                        f"<span style='color:{_DIM}'>(the bias of "
                        f"{_node_name(('node', layer, k), n_out)})</span>")
            return None

        hint = ("Forward: each box shows a node's value for the ringed point, each line "
                "w \u00d7 x (what it adds to z). Hover to read a number.")
        return nodes, units, widths, faint, render.relative(bias_values, 1.0), describe, hint

    def _loss(self, trainer, ex, i):
        last = len(ex.activations) - 1
        nodes, units, widths, faint, biases, describe, _ = self._forward(
            trainer, ex, i, lit_layers={last})
        hint = ("Loss: the prediction (right edge) against the target; the lines into "
                "the output stay lit. Hover to read a number.")
        return nodes, units, widths, faint, biases, describe, hint

    def _backward(self, trainer, ex, i):
        features = tuple(trainer.config.features)
        n_layers = len(ex.activations)
        n_out = ex.activations[-1].shape[1]
        lit = set(range(n_layers - self.layers_shown, n_layers))
        node_limit = render.value_limit([d[i] for d in ex.deltas])
        grads = [np.asarray(g, np.float64) for g in ex.weight_gradients]
        bgrads = [np.asarray(g, np.float64) for g in ex.bias_gradients]
        link_limit = render.value_limit(grads, bgrads[:-1])
        nodes = {}
        for layer, delta in enumerate(ex.deltas):
            for k in range(delta.shape[1]):
                target = ("output", k) if layer == n_layers - 1 else ("node", layer, k)
                if layer in lit:
                    nodes[target] = (float(render.relative(delta[i, k], node_limit)),
                                     short_number(delta[i, k]))
                else:
                    nodes[target] = (0.0, "")
        values = np.concatenate([g.ravel() for g in grads])
        dead = np.concatenate([d.ravel() for d in trainer.dead])
        faint = dead.copy()
        offsets = np.cumsum([0] + [g.size for g in grads])
        for layer in range(n_layers):
            if layer not in lit:
                faint[offsets[layer]:offsets[layer + 1]] = True
        bias_values = [np.where(layer in lit, g, 0.0) for layer, g in enumerate(bgrads[:-1])]
        bias_units = render.relative(np.concatenate(bias_values) if bias_values else np.zeros(0),
                                     link_limit)

        def describe(target):
            kind = target[0]
            if kind == "feature":
                return (f"<span style='color:{_DIM}'>{_LABELS[target[1]]} is an input: it has no "
                        f"\u03b4 (nothing before it to change)</span>")
            if kind == "output":
                k = target[1]
                return (f"{_node_name(target, n_out)}: \u03b4 = \u2202L/\u2202z = "
                        f"<b>{hover_number(ex.deltas[-1][i, k])}</b> <span style='color:{_DIM}'>"
                        f"(for the ringed point: where the backward pass starts)</span>")
            if kind in ("node", "bias"):
                _, layer, k = target
                if layer not in lit:
                    return f"<span style='color:{_DIM}'>not reached yet: click Next</span>"
                name = _node_name(("node", layer, k), n_out)
                if kind == "node":
                    return (f"{name}: \u03b4 = \u2202L/\u2202z = <b>{hover_number(ex.deltas[layer][i, k])}"
                            f"</b> <span style='color:{_DIM}'>(for the ringed point)</span>")
                return (f"\u2202L/\u2202b = <b>{hover_number(bgrads[layer][k])}</b> "
                        f"<span style='color:{_DIM}'>(the bias of {name}; batch mean loss)</span>")
            if kind == "link":
                _, layer, d, s = target
                if layer not in lit:
                    return f"<span style='color:{_DIM}'>not reached yet: click Next</span>"
                return (f"\u2202L/\u2202w = <b>{hover_number(grads[layer][d, s])}</b> "
                        f"<span style='color:{_DIM}'>(batch mean loss; "
                        f"{html.escape(self._link_name(features, n_out, layer, d, s))})</span>")
            return None

        hint = (f"Backward ({len(lit)} of {n_layers} layers): boxes show \u03b4 = \u2202L/\u2202z for the "
                f"ringed point, lines \u2202L/\u2202w for the batch, both relative to the largest.")
        return (nodes, render.relative(values, link_limit), render.relative_widths(values, link_limit),
                faint, bias_units, describe, hint)

    def _update(self, trainer, ex, i):
        features = tuple(trainer.config.features)
        n_out = ex.activations[-1].shape[1]
        ups = [np.asarray(u, np.float64) for u in ex.weight_updates]
        bups = [np.asarray(u, np.float64) for u in ex.bias_updates]
        limit = render.value_limit(ups, bups[:-1])
        values = np.concatenate([u.ravel() for u in ups])
        dead = np.concatenate([d.ravel() for d in trainer.dead])
        faint = dead | (values == 0) if not ex.applies_update else dead
        weights, biases = trainer.weights, trainer.biases
        bias_values = np.concatenate([b.ravel() for b in bups[:-1]]) if len(bups) > 1 else np.zeros(0)

        def describe(target):
            kind = target[0]
            if kind == "link":
                _, layer, d, s = target
                return (f"\u0394w = <b>{hover_number(ups[layer][d, s])}</b> "
                        f"<span style='color:{_DIM}'>(w = {hover_number(weights[layer][d, s])} now; "
                        f"{html.escape(self._link_name(features, n_out, layer, d, s))})</span>")
            if kind == "bias":
                _, layer, k = target
                return (f"\u0394b = <b>{hover_number(bups[layer][k])}</b> "
                        f"<span style='color:{_DIM}'>(b = {hover_number(biases[layer][k])} now; "
                        f"the bias of {_node_name(('node', layer, k), n_out)})</span>")
            if kind == "node":
                _, layer, k = target
                return (f"{_node_name(target, n_out)}: its bias changes by "
                        f"<b>{hover_number(bups[layer][k])}</b>")
            return None

        hint = ("Update: each line shows \u0394w, what the update adds to its weight (relative to "
                "the largest). Next applies it.")
        return ({}, render.relative(values, limit), render.relative_widths(values, limit), faint,
                render.relative(bias_values, limit), describe, hint)

    def _link_name(self, features, n_out, layer, dest, src) -> str:
        """"x1 -> neuron 1.2": the link ``src -> dest`` of weight ``layer``."""
        n_layers = len(self.explanation.activations)
        source = (_LABELS[features[src]] if layer == 0
                  else _node_name(("node", layer - 1, src), n_out))
        target = ("output", dest) if layer == n_layers - 1 else ("node", layer, dest)
        return f"{source} \u2192 {_node_name(target, n_out)}"

    def _caption(self, trainer, ex, i) -> str:
        stage_no = STAGES.index(self.stage) + 1
        batch = int(ex.batch) + 1
        head = (f"<b>Step inside</b> \u00b7 epoch {int(ex.epoch)} \u00b7 batch {batch} of "
                f"{int(ex.batches_per_epoch)} \u00b7 <b>{stage_no}. {STAGE_TITLES[self.stage]}</b>")
        x, y = np.asarray(trainer.data.train_x[self._point], np.float64)
        label = ex.labels[i]
        point = (f"point #{self._point} at ({x:.2f}, {y:.2f}), label {hover_number(label)}; "
                 f"{len(ex.indices)} point{'s' if len(ex.indices) != 1 else ''} in the batch "
                 f"(ringed on the heatmap; click one to follow it)")
        body = self._stage_text(trainer, ex, i)
        return (f"<div style='font-size:12px;line-height:17px;color:var(--jp-ui-font-color1)'>"
                f"{head}<br><span style='color:{_DIM}'>{point}</span><br>{body}</div>")

    def _stage_text(self, trainer, ex, i) -> str:
        prediction = ", ".join(hover_number(v) for v in ex.activations[-1][i])
        target = ", ".join(hover_number(v) for v in ex.targets[i])
        if self.stage == "forward":
            return (f"Each neuron sums w \u00d7 x over its lines plus its bias (z), then applies "
                    f"f = {html.escape(trainer.config.activation)} (the output: "
                    f"{html.escape(trainer.head.activation)}): a = f(z). "
                    f"Prediction: <b>{prediction}</b>.")
        if self.stage == "loss":
            point_loss = float(ex.losses[i])
            return (f"Prediction <b>{prediction}</b> against target <b>{target}</b>: "
                    f"{html.escape(trainer.config.loss.replace('_', ' '))} loss "
                    f"<b>{hover_number(point_loss)}</b> for this point; the batch's mean loss "
                    f"<b>{hover_number(ex.loss)}</b> (no regularization).")
        if self.stage == "backward":
            n_layers = len(ex.activations)
            more = ("click Next for the layer before" if self.layers_shown < n_layers
                    else "every layer is done: click Next for the update")
            return (f"The delta flows back from the output: \u03b4 of a neuron = f\u2032(z) \u00d7 "
                    f"\u03a3 (w \u00d7 \u03b4 of the neurons it feeds); \u2202L/\u2202w = "
                    f"\u03b4 \u00d7 x averaged over the batch. Layers {self.layers_shown} of "
                    f"{n_layers}: {more}.")
        carried = getattr(ex, "carried", 0)
        note = ""
        if not ex.applies_update:
            note = (" <b>This batch makes no update:</b> it is the epoch's leftover, its "
                    "gradient is carried into the next epoch's first update.")
        elif carried:
            note = (f" It includes the gradient carried from the last epoch's leftover "
                    f"({int(carried)} point{'s' if int(carried) != 1 else ''}).")
        optimizer = OPTIMIZER_LABELS.get(trainer.config.optimizer, trainer.config.optimizer)
        return (f"{html.escape(optimizer)} with learning rate "
                f"{hover_number(trainer.config.learning_rate)} turns the gradient into these "
                f"changes (regularization included). Next applies them.{note}")
