"""A literal, per-example re-statement of Playground's engine (docs/playground.md §6 and §7).

Scalar Python, one node and one link at a time, in Playground's order of
operations.  Tests run it beside the vectorised Trainer from the same data and
initial weights: it is the oracle for batching, the leftover carry-over,
regularization and the L1 dead-link rule.
"""

import math


def _act(name):
    if name == "tanh":
        return math.tanh, lambda z: 1 - math.tanh(z) ** 2
    if name == "relu":
        return (lambda z: max(0.0, z)), (lambda z: 0.0 if z <= 0 else 1.0)
    if name == "sigmoid":
        s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
        return s, lambda z: s(z) * (1 - s(z))
    if name == "linear":
        return (lambda z: z), (lambda z: 1.0)
    raise ValueError(name)


class PlaygroundOracle:
    """weights[l][j][i]: link i -> j into layer l+1; biases[l][j]."""

    def __init__(self, weights, biases, activation, output, regularization, reg_rate, lr,
                 batch_size):
        self.w = [[list(row) for row in layer] for layer in weights]
        self.b = [list(layer) for layer in biases]
        self.dead = [[[False] * len(row) for row in layer] for layer in weights]
        self.hidden = _act(activation)
        self.output = _act(output)
        self.reg = regularization
        self.reg_rate = reg_rate
        self.lr = lr
        self.batch_size = batch_size
        self.acc_w = [[[0.0] * len(row) for row in layer] for layer in weights]
        self.n_w = [[[0] * len(row) for row in layer] for layer in weights]
        self.acc_b = [[0.0] * len(layer) for layer in biases]
        self.n_b = [[0] * len(layer) for layer in biases]

    def forward(self, inputs):
        acts, zs = [list(inputs)], []
        last = len(self.w) - 1
        for l, layer in enumerate(self.w):
            fn = self.output[0] if l == last else self.hidden[0]
            z_layer, a_layer = [], []
            for j, row in enumerate(layer):
                z = self.b[l][j]
                for i, w in enumerate(row):
                    z += w * acts[-1][i]
                z_layer.append(z)
                a_layer.append(fn(z))
            zs.append(z_layer)
            acts.append(a_layer)
        return zs, acts

    def backprop(self, zs, acts, target):
        last = len(self.w) - 1
        out_der = [acts[-1][0] - target]
        for l in range(last, -1, -1):
            der = self.output[1] if l == last else self.hidden[1]
            deltas = [out_der[j] * der(zs[l][j]) for j in range(len(zs[l]))]
            for j, d in enumerate(deltas):
                self.acc_b[l][j] += d
                self.n_b[l][j] += 1
                for i in range(len(self.w[l][j])):
                    if self.dead[l][j][i]:
                        continue
                    self.acc_w[l][j][i] += d * acts[l][i]
                    self.n_w[l][j][i] += 1
            if l > 0:
                out_der = [sum(self.w[l][j][i] * deltas[j] for j in range(len(deltas)))
                           for i in range(len(self.w[l][0]))]

    def update(self):
        lr, rr = self.lr, self.reg_rate
        for l, layer in enumerate(self.w):
            for j, row in enumerate(layer):
                if self.n_b[l][j] > 0:
                    self.b[l][j] -= lr * self.acc_b[l][j] / self.n_b[l][j]
                    self.acc_b[l][j] = 0.0
                    self.n_b[l][j] = 0
                for i, w0 in enumerate(row):
                    if self.dead[l][j][i]:
                        continue
                    if self.reg == "L1":
                        der = 0.0 if w0 == 0 else math.copysign(1.0, w0)
                    elif self.reg == "L2":
                        der = w0
                    else:
                        der = 0.0
                    if self.n_w[l][j][i] > 0:
                        w1 = w0 - (lr / self.n_w[l][j][i]) * self.acc_w[l][j][i]
                        w2 = w1 - (lr * rr) * der
                        if self.reg == "L1" and w1 * w2 < 0:
                            row[i] = 0.0
                            self.dead[l][j][i] = True
                        else:
                            row[i] = w2
                        self.acc_w[l][j][i] = 0.0
                        self.n_w[l][j][i] = 0

    def epoch(self, inputs, labels):
        for i, (x, y) in enumerate(zip(inputs, labels)):
            zs, acts = self.forward(x)
            self.backprop(zs, acts, y)
            if (i + 1) % self.batch_size == 0:
                self.update()

    def loss(self, inputs, labels):
        total = 0.0
        for x, y in zip(inputs, labels):
            out = self.forward(x)[1][-1][0]
            total += 0.5 * (out - y) ** 2
        return total / len(labels)
