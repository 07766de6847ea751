"""The network's forward pass and gradients, checked against finite differences."""

import math

import numpy as np
import pytest

from nbplayground import activations
from nbplayground.losses import OutputHead, head_for
from nbplayground.network import INITIALIZERS, Network, add_bias_row

HEADS = {
    "squared-tanh (Playground classification)": OutputHead("squared", "tanh", 1),
    "squared-linear (Playground regression)": OutputHead("squared", "linear", 1),
    "cross-entropy sigmoid": OutputHead("cross_entropy", "sigmoid", 1),
    "cross-entropy softmax (3 classes)": OutputHead("cross_entropy", "softmax", 3),
}


def _labels(head, n, rng):
    if head.activation == "softmax":
        return rng.integers(0, head.outputs, n).astype(float)
    if head.activation == "linear":
        return rng.uniform(-1.2, 1.2, n)
    return rng.choice([-1.0, 1.0], n)


def _total_loss(net, x_ext, t):
    z, outs = net.forward(x_ext)
    return net.head.example_losses(z, outs[-1], t).sum()


def _numeric_gradient(net, x_ext, t, eps=1e-6):
    """Central finite differences of the summed loss, one parameter at a time."""
    numeric = np.empty(net.size)
    for i in range(net.size):
        keep = net.params[i]
        net.params[i] = keep + eps
        up = _total_loss(net, x_ext, t)
        net.params[i] = keep - eps
        down = _total_loss(net, x_ext, t)
        net.params[i] = keep
        numeric[i] = (up - down) / (2 * eps)
    return numeric


def _random_net(sizes, act, head, seed=0):
    net = Network(sizes, act, head)
    rng = np.random.default_rng(seed)
    net.params[:] = rng.normal(0, 0.7, net.size)
    return net, rng


@pytest.mark.parametrize("act", sorted(activations.ACTIVATIONS))
@pytest.mark.parametrize("head_name", list(HEADS))
def test_gradient_matches_finite_differences(act, head_name):
    head = HEADS[head_name]
    net, rng = _random_net((3, 4, 3, head.outputs), act, head)
    # keep ReLU-family pre-activations away from the kink, where the
    # finite difference is not the derivative
    x = rng.uniform(-2, 2, (7, 3))
    x_ext = add_bias_row(x)
    t = head.targets(_labels(head, 7, rng))
    grad = net.gradient(x_ext, t)
    np.testing.assert_allclose(grad, _numeric_gradient(net, x_ext, t), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", ["tanh", "relu", "swish"])
@pytest.mark.parametrize("sizes", [(2, 4, 4, 4, 1), (3, 5, 5, 2, 2, 2, 1)])
def test_gradient_of_deep_equal_layers(act, sizes):
    """Runs of equal layers take their gradients from one batched matmul."""
    head = OutputHead("squared", "tanh", 1)
    net, rng = _random_net(sizes, act, head, seed=3)
    assert net._equal_runs(), "the case must exercise the batched path"
    x_ext = add_bias_row(rng.uniform(-2, 2, (6, sizes[0])))
    t = head.targets(rng.choice([-1.0, 1.0], 6))
    grad = net.gradient(x_ext, t)
    np.testing.assert_allclose(grad, _numeric_gradient(net, x_ext, t), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("act", sorted(activations.ACTIVATIONS))
def test_activation_function_matches_tape_forward(act):
    a = activations.get(act)
    z = np.linspace(-4, 4, 41).reshape(1, -1)
    out = np.empty_like(z)
    zbuf = z.copy()
    tmp = np.empty_like(z)
    activations.run(a.forward(zbuf, out, tmp))
    np.testing.assert_allclose(out, a.function(z), rtol=1e-12, atol=1e-15)


def test_relu_derivative_is_zero_at_zero():
    # docs/playground.md §6.3: phi'(0) = 0 for ReLU
    a = activations.get("relu")
    z = np.array([[-1.0, 0.0, 2.0]])
    act = np.maximum(z, 0)
    delta = np.empty_like(z)
    activations.run(a.backward(z, act, np.ones_like(z), delta, np.empty_like(z)))
    assert delta.tolist() == [[0.0, 0.0, 1.0]]


def test_no_hidden_layer_and_no_inputs():
    head = OutputHead("squared", "tanh", 1)
    net, rng = _random_net((0, 1), "tanh", head)
    x_ext = np.ones((1, 5))  # no features: only the bias row
    z, outs = net.forward(x_ext)
    assert np.allclose(outs[-1], np.tanh(net.params[0]))
    net2, _ = _random_net((2, 1), "relu", head)
    x = add_bias_row(rng.uniform(-1, 1, (4, 2)))
    g = net2.gradient(x, head.targets(np.array([1.0, -1, 1, -1])))
    assert g.shape == (3,)


def test_forward_follows_playground_sum():
    """z_j = b_j + sum_i w_ij a_i (docs/playground.md §6.4), checked by hand for a 2-2-1 net."""
    head = OutputHead("squared", "tanh", 1)
    net = Network((2, 2, 1), "tanh", head)
    net.W[0][:] = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
    net.W[1][:] = [[0.7, -0.8, 0.9]]
    x, y = 1.5, -2.0
    h = [math.tanh(0.3 + 0.1 * x - 0.2 * y), math.tanh(-0.6 + 0.4 * x + 0.5 * y)]
    expected = math.tanh(0.9 + 0.7 * h[0] - 0.8 * h[1])
    _, outs = net.forward(add_bias_row(np.array([[x, y]])))
    assert outs[-1][0, 0] == pytest.approx(expected, abs=1e-15)


def test_float32_forward_is_close_to_float64():
    head = OutputHead("squared", "tanh", 1)
    net, rng = _random_net((2, 8, 8, 8, 1), "tanh", head)
    x = rng.uniform(-6, 6, (1000, 2))
    _, o64 = net.forward(add_bias_row(x))
    ref = o64[-1].copy()
    _, o32 = net.forward(add_bias_row(x, np.float32), dtype=np.float32)
    assert o32[-1].dtype == np.float32
    np.testing.assert_allclose(o32[-1], ref, atol=2e-5)


class _Stream:
    def __init__(self, values):
        self.values = list(values)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.values.pop(0)


def test_playground_init_draw_order_and_biases():
    """One draw per link, by layer, destination, then source; weight = r - 0.5, bias 0.1."""
    net = Network((2, 3, 1), "tanh", OutputHead("squared", "tanh", 1))
    draws = [i / 100 for i in range(9)]
    stream = _Stream(draws)
    net.initialize(stream, "playground")
    assert stream.calls == 9
    # layer 0: destination 0 gets draws 0, 1; destination 1 gets 2, 3; ...
    assert net.weights(0).tolist() == [[0 - 0.5, 0.01 - 0.5], [0.02 - 0.5, 0.03 - 0.5],
                                       [0.04 - 0.5, 0.05 - 0.5]]
    assert net.weights(1).tolist() == [[0.06 - 0.5, 0.07 - 0.5, 0.08 - 0.5]]
    assert net.biases(0).tolist() == [0.1] * 3 and net.biases(1).tolist() == [0.1]


def test_zeros_init_still_draws():
    net = Network((2, 3, 1), "tanh", OutputHead("squared", "tanh", 1))
    stream = _Stream([0.3] * 9)
    net.initialize(stream, "zeros")
    assert stream.calls == 9 and not net.params.any()


@pytest.mark.parametrize("scheme", INITIALIZERS)
def test_initializer_statistics(scheme):
    import random
    r = random.Random(5).random
    net = Network((8, 8, 8, 1), "tanh", OutputHead("squared", "tanh", 1))
    samples = []
    for _ in range(40):
        net.initialize(r, scheme)
        samples.append(net.weights(1).ravel().copy())
    w = np.concatenate(samples)
    fan_in = fan_out = 8
    expected_var = {
        "playground": 1 / 12, "zeros": 0.0, "random_normal": 1.0,
        "glorot_uniform": 2 / (fan_in + fan_out), "glorot_normal": 2 / (fan_in + fan_out),
        "he_uniform": 2 / fan_in, "he_normal": 2 / fan_in,
    }[scheme]
    assert abs(w.mean()) < 0.1
    assert w.var() == pytest.approx(expected_var, rel=0.12, abs=1e-12)
    if scheme.endswith("_normal") and scheme != "random_normal":
        std = math.sqrt(expected_var) / 0.87962566103423978
        assert np.abs(w).max() <= 2 * std + 1e-12  # truncated at two standard deviations


def test_unknown_initializer_and_bad_sizes():
    net = Network((2, 1), "tanh", OutputHead("squared", "tanh", 1))
    with pytest.raises(ValueError, match="init='xavier'.*allowed: playground"):
        net.initialize(lambda: 0.5, "xavier")
    with pytest.raises(ValueError, match="layer_sizes"):
        Network((2, 0, 1), "tanh", OutputHead("squared", "tanh", 1))
    with pytest.raises(ValueError, match="activation='gelu'"):
        Network((2, 1), "gelu", OutputHead("squared", "tanh", 1))


def test_regularizer_derivatives_match_finite_differences():
    """Playground's penalties: L1 |w| (derivative sign w, 0 at 0), L2 w^2/2 (derivative w)."""
    w = np.array([-1.3, -0.2, 0.4, 2.0])
    eps = 1e-7
    l1 = (np.abs(w + eps) - np.abs(w - eps)) / (2 * eps)
    l2 = (0.5 * (w + eps) ** 2 - 0.5 * (w - eps) ** 2) / (2 * eps)
    np.testing.assert_allclose(np.sign(w), l1, rtol=1e-6)
    np.testing.assert_allclose(w, l2, rtol=1e-6)
    assert np.sign(0.0) == 0.0


def test_head_for_rules():
    assert head_for("classification", "squared", 2) == OutputHead("squared", "tanh", 1)
    assert head_for("regression", "squared", None) == OutputHead("squared", "linear", 1)
    assert head_for("classification", "cross_entropy", 3).activation == "softmax"
    with pytest.raises(ValueError, match="loss='cross_entropy' does not fit regression"):
        head_for("regression", "cross_entropy", None)
    with pytest.raises(ValueError, match="does not fit 3 classes"):
        head_for("classification", "squared", 3)


def test_losses_are_the_formulas():
    h = OutputHead("squared", "tanh", 1)
    a = np.array([[0.5, -0.25]])
    t = h.targets(np.array([1.0, -1.0]))
    assert h.example_losses(a, a, t).tolist() == [0.5 * 0.25, 0.5 * 0.75 ** 2]
    s = OutputHead("cross_entropy", "sigmoid", 1)
    z = np.array([[0.3, -1.2]])
    p = 1 / (1 + np.exp(-z))
    t = s.targets(np.array([1.0, -1.0]))
    expected = [-math.log(p[0, 0]), -math.log(1 - p[0, 1])]
    np.testing.assert_allclose(s.example_losses(z, p, t), expected, rtol=1e-12)
    m = OutputHead("cross_entropy", "softmax", 3)
    z = np.array([[1.0], [2.0], [0.5]])
    p = np.exp(z) / np.exp(z).sum()
    t = m.targets(np.array([1.0]))
    np.testing.assert_allclose(m.example_losses(z, p, t), [-math.log(p[1, 0])], rtol=1e-12)
