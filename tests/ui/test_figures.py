"""show_activations / show_losses: the values drawn are the engine's, checked against the
closed forms and finite differences; the highlight; the Playground's "?" buttons."""

from __future__ import annotations

import numpy as np
import pytest

import nbplayground
from nbplayground import activations
from nbplayground.ui import figures
from nbplayground.ui.figures import activation_values, loss_values, show_activations, show_losses

CLOSED_FORMS = {
    "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z,
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "softplus": lambda z: np.log1p(np.exp(z)), "swish": lambda z: z / (1 + np.exp(-z)),
}


def figure_lines(box):
    """The bqplot Lines of every small figure in a show_* widget, by figure class."""
    out = {}

    def walk(w):
        if hasattr(w, "marks"):
            name = [c for c in w._dom_classes if c.startswith("nbp-")][0]
            out[name] = list(w.marks)
        for child in getattr(w, "children", ()):
            walk(child)
    walk(box)
    return out


def test_the_package_exposes_them_lazily():
    assert nbplayground.show_activations is show_activations
    assert nbplayground.show_losses is show_losses


@pytest.mark.parametrize("name", list(activations.ACTIVATIONS))
def test_activation_values_are_the_function_and_its_derivative(name):
    z = np.linspace(-3, 3, 61)
    z = z[np.abs(z) > 1e-3]                      # off the kinks of relu & co.
    a, d = activation_values(name, z)
    np.testing.assert_allclose(a, CLOSED_FORMS[name](z), rtol=1e-12, atol=1e-12)
    h = 1e-6
    fd = (CLOSED_FORMS[name](z + h) - CLOSED_FORMS[name](z - h)) / (2 * h)
    np.testing.assert_allclose(d, fd, rtol=1e-6, atol=1e-7)


def test_show_activations_draws_each_activation_and_highlights_the_one_in_use():
    box = show_activations("relu")
    try:
        lines = figure_lines(box)
        assert len(lines) == len(activations.ACTIVATIONS)
        for name in activations.ACTIVATIONS:
            function, derivative = lines[f"nbp-activation-{name.replace('_', '-')}"]
            z = np.asarray(function.x)
            want_a, want_d = activation_values(name, z)
            np.testing.assert_array_equal(function.y, want_a)
            np.testing.assert_array_equal(derivative.y, want_d)
        cells = box.children[2].children
        highlighted = [c for c in cells if "nbp-highlight" in c._dom_classes]
        assert len(highlighted) == 1 and "ReLU" in highlighted[0].children[0].value
        assert "nbp-figures" in box._dom_classes
    finally:
        box.close()
    with pytest.raises(ValueError, match="activation='relux'"):
        show_activations("relux")


@pytest.mark.parametrize("target", [1.0, -1.0])
def test_loss_values_for_one_point(target):
    x, e = loss_values("squared", target)
    np.testing.assert_allclose(e, 0.5 * (x - target) ** 2, rtol=1e-12)
    x, e = loss_values("cross_entropy", target)
    p_right = (1 + target * x) / 2                  # probability given to the target class
    np.testing.assert_allclose(e, -np.log(p_right), rtol=1e-9)
    # cross-entropy punishes a confident wrong answer without bound, squared error does not
    worst = np.argmin(target * x)
    assert e[worst] > 4.5 and 0.5 * (x[worst] - target) ** 2 <= 2.0


def test_show_losses_draws_both_and_highlights_the_one_in_use():
    box = show_losses("cross_entropy", target=-1)
    try:
        (fig_lines,) = figure_lines(box).values()
        squared, cross = fig_lines
        x, e = loss_values("squared", -1)
        np.testing.assert_array_equal(squared.x, x)
        np.testing.assert_array_equal(squared.y, e)
        x, e = loss_values("cross_entropy", -1)
        np.testing.assert_array_equal(cross.y, e)
        assert cross.line_style == "solid" and squared.line_style == "dashed"
        assert "Cross-entropy (in use)" in box.children[2].value
    finally:
        box.close()
    prob = show_losses(axis="probability")
    try:
        squared, cross = list(figure_lines(prob).values())[0]
        assert 0 <= min(cross.x) and max(cross.x) <= 1
    finally:
        prob.close()
    with pytest.raises(ValueError, match="axis='odds'"):
        show_losses(axis="odds")
    with pytest.raises(ValueError, match="target=0"):
        loss_values("squared", 0)
    with pytest.raises(ValueError, match="highlight='hinge'"):
        show_losses("hinge")


def test_the_playgrounds_question_marks_show_the_figures():
    from nbplayground.ui import Playground
    pg = Playground(seed="1", activation="tanh")
    try:
        c = pg.controls
        toggle = c.activation_figure
        assert toggle.figure is None and toggle.box.layout.display == "none"
        assert toggle.box in c.top_bar.children
        toggle.button.value = True
        assert toggle.box.layout.display is None
        highlighted = [cell for cell in toggle.figure.children[2].children
                       if "nbp-highlight" in cell._dom_classes]
        assert "Tanh" in highlighted[0].children[0].value
        c.activation.value = "relu"                     # follows the menu while open
        assert pg.config.activation == "relu"
        highlighted = [cell for cell in toggle.figure.children[2].children
                       if "nbp-highlight" in cell._dom_classes]
        assert "ReLU" in highlighted[0].children[0].value
        old = toggle.figure
        toggle.button.value = False
        assert toggle.figure is None and old.comm is None   # closed, not leaked
        c.loss_figure.button.value = True
        assert c.loss_figure.box in c.extras.children
        assert "Squared error (in use)" in c.loss_figure.figure.children[2].value
    finally:
        pg.close()
    with pytest.raises(ValueError, match="kind='weights'"):
        figures.FigureToggle("weights", pg.controls.loss)
