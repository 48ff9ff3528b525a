"""A gradient check never rewards a function whose every output is wrong.

Each gradient-checked function of the five notebooks is handed in as a constant: zero
outputs, zero gradients, a cost of 0, together with the forward pass and cost it is checked
against (so the student's own cost is flat and its numerical gradient zero, which the zero
gradients would match). The check must fall back to the course's cost (and refuse a flat one),
so every ``_gradcheck`` cell earns 0, while the rest of the submission keeps its points.
"""

from __future__ import annotations

import pytest
from nbgrader_course import fill_solutions, replace_cell, source_notebooks

#: per assignment: solution cell -> a constant version of it, as a student might hand it in
CONSTANT = {
    "01_logistic_unit": {
        "propagate": '''\
def propagate(w, b, X, Y):
    return {"dw": np.zeros_like(w), "db": 0.0}, 0.0
''',
    },
    "02_two_layer_net": {
        "forward_propagation": '''\
def forward_propagation(X, parameters):
    hidden = np.zeros((parameters["w1"].shape[0], X.shape[1]))
    out = np.zeros((parameters["w2"].shape[0], X.shape[1]))
    return out, {"Z1": hidden, "A1": hidden, "Z2": out, "A2": out}
''',
        "compute_cost": '''\
def compute_cost(A2, Y):
    return 0.0
''',
        "back_propagation": '''\
def back_propagation(parameters, cache, X, Y):
    return {"d" + name: np.zeros_like(value) for name, value in parameters.items()}
''',
    },
    "03_deep_network": {
        "linear_forward": '''\
def linear_forward(A, W, b):
    return np.zeros((W.shape[0], A.shape[1])), (A, W, b)
''',
        "linear_activation_forward": '''\
def linear_activation_forward(A_prev, W, b, activation):
    Z = np.zeros((W.shape[0], A_prev.shape[1]))
    return Z, ((A_prev, W, b), Z)
''',
        "L_model_forward": '''\
def L_model_forward(X, parameters):
    caches = []
    A = X
    for l in range(1, len(parameters) // 2 + 1):
        W, b = parameters["W" + str(l)], parameters["b" + str(l)]
        Z = np.zeros((W.shape[0], A.shape[1]))
        caches.append(((A, W, b), Z))
        A = Z
    return A, caches
''',
        "compute_cost": '''\
def compute_cost(AL, Y):
    return 0.0
''',
        "linear_backward": '''\
def linear_backward(dZ, cache):
    A_prev, W, b = cache
    return np.zeros_like(A_prev), np.zeros_like(W), np.zeros_like(b)
''',
        "linear_activation_backward": '''\
def linear_activation_backward(dA, cache, activation):
    (A_prev, W, b), Z = cache
    return np.zeros_like(A_prev), np.zeros_like(W), np.zeros_like(b)
''',
        "L_model_backward": '''\
def L_model_backward(AL, Y, caches):
    grads = {}
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        grads["dA" + str(l - 1)] = np.zeros_like(A_prev)
        grads["dW" + str(l)] = np.zeros_like(W)
        grads["db" + str(l)] = np.zeros_like(b)
    return grads
''',
    },
    "04_initialization": {
        "FC": '''\
class FC:
    def __init__(self, in_num, out_num, lr=0.1, rng=None):
        self.in_num, self.out_num, self.lr = in_num, out_num, lr
        self.w = np.zeros((in_num, out_num))
        self.b = np.zeros((out_num, 1))
        self.x = self.y = None

    def forward(self, x):
        self.x = x
        self.y = np.zeros((self.out_num, x.shape[1]))
        return self.y

    def backward(self, residual):
        return np.zeros((self.in_num, residual.shape[1]))
''',
    },
    "05_layers": {
        "Dense": '''\
class Dense:
    def __init__(self, W, b, activation="relu"):
        self.W = np.array(W, dtype=float)
        self.b = np.array(b, dtype=float)
        self.activation = activation
        self.feeds_fused_cost = False
        self.A_prev = self.A = self.dW = self.db = self.dA_prev = None

    def forward(self, A_prev):
        self.A_prev = A_prev
        self.A = np.zeros((self.W.shape[0], A_prev.shape[1]))
        return self.A

    def backward(self, dA):
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.dA_prev = np.zeros_like(self.A_prev)
        return self.dA_prev
''',
        "SigmoidCrossEntropy": '''\
class SigmoidCrossEntropy:
    fuses_with = "sigmoid"

    def __init__(self):
        self.AL = self.Y = None

    def forward(self, AL, Y):
        self.AL, self.Y = AL, Y
        return 0.0

    def backward(self):
        return np.zeros_like(self.AL)
''',
        "Sequential": '''\
class Sequential:
    def __init__(self, layers, cost):
        self.layers = list(layers)
        self.layers[-1].feeds_fused_cost = True
        self.cost_layer = cost

    def forward(self, X):
        return np.zeros((self.layers[-1].W.shape[0], X.shape[1]))

    def cost(self, AL, Y):
        return 0.0

    def backward(self):
        for layer in self.layers:
            layer.dW, layer.db = np.zeros_like(layer.W), np.zeros_like(layer.b)
            layer.dA_prev = np.zeros((layer.W.shape[1], 1))
        return self.layers[0].dA_prev

    def step(self, learning_rate):
        pass

    def gradients(self):
        grads = {}
        for l, layer in enumerate(self.layers, start=1):
            grads[f"dA{l - 1}"] = layer.dA_prev
            grads[f"dW{l}"], grads[f"db{l}"] = layer.dW, layer.db
        return grads
''',
    },
}


@pytest.mark.parametrize("assignment", sorted(CONSTANT))
def test_constant_functions_earn_no_gradient_check_point(course, assignment):
    released = course.release(assignment)
    sources = source_notebooks(assignment)
    [stem] = sources
    submission = fill_solutions(released[stem], sources[stem])
    for cell, source in CONSTANT[assignment].items():
        submission = replace_cell(submission, cell, source)
    result = course.grade(assignment, f"constant-{assignment}", {stem: submission})
    gradchecks = {g for g in result.max_scores if g.endswith("_gradcheck")}
    assert gradchecks, f"{assignment} has no gradient check"
    rewarded = {g: result.scores[g] for g in gradchecks if result.scores[g] > 0}
    assert not rewarded, f"constant functions earn gradient-check points: {rewarded}"
    replaced = {f"test_{cell}{suffix}" for cell in CONSTANT[assignment]
                for suffix in ("", "_hidden", "_gradcheck")}
    kept = {g for g in result.max_scores if g not in replaced}
    assert all(result.scores[g] == result.max_scores[g] for g in kept), (
        f"the constant functions cost points elsewhere: {result.lost()}")
    assert gradchecks <= replaced   # every gradient check is of a function handed in constant
