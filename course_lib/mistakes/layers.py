"""Mistakes students really make in assignment 05_layers (layer objects, fused cost layer)."""

from textwrap import dedent, indent

from course_lib.mistakes import Mistake

ASSIGNMENT = "05_layers"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.layers",)

_DENSE_HEADER = '''\
class Dense:
    """A = g(W @ A_prev + b), with W (n, n_prev), b (n, 1) and the activation g named by a string.

    forward(A_prev): A_prev (n_prev, m) -> A (n, m); stores A_prev and A.
    backward(dA): dA (n, m) -> dA_prev (n_prev, m); stores dW (n, n_prev), db (n, 1), dA_prev.
        dA holds one column per example (not divided by m); dW and db are averaged over the m
        examples. When feeds_fused_cost is True, dA is already dZ and is used as it is.
    """

    def __init__(self, W, b, activation="relu"):
        self.W = np.array(W, dtype=float)
        self.b = np.array(b, dtype=float)
        self.activation = activation
        self.g, self.g_prime_from_output = get_activation(activation)
        self.feeds_fused_cost = False   # set to True by Sequential for the last layer
        self.A_prev = None
        self.A = None
        self.dW = None
        self.db = None
        self.dA_prev = None

    def forward(self, A_prev):
        """A_prev (n_prev, m) -> A = g(W @ A_prev + b), shape (n, m). Stores A_prev and A."""
        self.A_prev = A_prev
        self.A = self.g(self.W @ A_prev + self.b)
        return self.A

    def backward(self, dA):
        """dA (n, m) -> dA_prev (n_prev, m). Stores self.dW, self.db and self.dA_prev.

        dZ = dA * g'(Z), with g' computed from the cached output self.A; dZ = dA when
        self.feeds_fused_cost is True.
        """
'''

_COST_HEADER = '''\
class SigmoidCrossEntropy:
    """The cross-entropy cost of a sigmoid output, fused with its sigmoid parent layer.

    forward(AL, Y): AL, Y (1, m) -> the mean cross-entropy (a number); stores AL and Y.
    backward(): the gradient with respect to the parent's Z, per example: AL - Y, shape (1, m).
    """

    fuses_with = "sigmoid"   # the activation the parent layer must have

    def __init__(self):
        self.AL = None
        self.Y = None

    def forward(self, AL, Y):
        """AL, Y (1, m) -> J = -sum(Y log AL + (1 - Y) log(1 - AL)) / m. Stores AL and Y."""
        self.AL = AL
        self.Y = Y
        m = Y.shape[1]
        return float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m)

    def backward(self):
        """The fused gradient dJ/dZ of the parent, per example: AL - Y, shape (1, m)."""
'''

_SEQUENTIAL_HEADER = '''\
class Sequential:
    """A stack of Dense layers ending in a cost layer that fuses with the last layer.

    Use: AL = net.forward(X); J = net.cost(AL, Y); net.backward(); net.step(learning_rate).
    """

    def __init__(self, layers, cost):
        layers = list(layers)
        for below, above in zip(layers, layers[1:], strict=False):
            if above.W.shape[1] != below.W.shape[0]:
                raise ValueError(f"a layer with W of shape {below.W.shape} cannot feed one "
                                 f"with W of shape {above.W.shape}")
        if layers[-1].activation != cost.fuses_with:
            raise ValueError(f"the cost layer fuses with a {cost.fuses_with!r} layer, but the "
                             f"last layer's activation is {layers[-1].activation!r}")
        layers[-1].feeds_fused_cost = True
        self.layers = layers
        self.cost_layer = cost

    def parameters(self):
        """{"W1": ..., "b1": ..., ...}: the layers' own arrays."""
        return {name + str(l): getattr(layer, name)
                for l, layer in enumerate(self.layers, start=1) for name in ("W", "b")}

    def gradients(self):
        """{"dA0", "dW1", "db1", ...} as deep_network.L_model_backward names them."""
        grads = {}
        for l, layer in enumerate(self.layers, start=1):
            grads[f"dA{l - 1}"] = layer.dA_prev
            grads[f"dW{l}"], grads[f"db{l}"] = layer.dW, layer.db
        return grads

    def predict(self, X):
        """0/1 predictions: 1 where the output exceeds 0.5."""
        return (self.forward(X) > 0.5).astype(float)
'''

_SEQUENTIAL_METHODS = {
    "forward": ('''
    def forward(self, X):
        """X (n_x, m) -> AL (n_L, m): every layer in order."""
''', """
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A
"""),
    "cost": ('''
    def cost(self, AL, Y):
        """The cost layer's value for AL, Y (1, m)."""
''', """
        return self.cost_layer.forward(AL, Y)
"""),
    "backward": ('''
    def backward(self):
        """Backpropagate from the last cost computed; returns dA0 (n_x, m)."""
''', """
        gradient = self.cost_layer.backward()
        for layer in reversed(self.layers):
            gradient = layer.backward(gradient)
        return gradient
"""),
    "step": ('''
    def step(self, learning_rate):
        """One gradient-descent step on every layer, in place."""
''', """
        for layer in self.layers:
            layer.W -= learning_rate * layer.dW
            layer.b -= learning_rate * layer.db
"""),
}


def _body(code: str) -> str:
    return indent(dedent(code).strip("\n"), " " * 8) + "\n"


def _dense(name: str, hint: str, backward: str) -> Mistake:
    return Mistake(assignment=ASSIGNMENT, cell="Dense", name=name, hint=hint,
                   source=_DENSE_HEADER + _body(backward))


def _cost(name: str, hint: str, backward: str) -> Mistake:
    return Mistake(assignment=ASSIGNMENT, cell="SigmoidCrossEntropy", name=name, hint=hint,
                   source=_COST_HEADER + _body(backward))


def _sequential(name: str, hint: str, **wrong: str) -> Mistake:
    """A Sequential whose methods named in ``wrong`` have the given (wrong) bodies."""
    source = _SEQUENTIAL_HEADER
    for method, (header, body) in _SEQUENTIAL_METHODS.items():
        source += header + _body(wrong.get(method, body))
    return Mistake(assignment=ASSIGNMENT, cell="Sequential", name=name, hint=hint, source=source)


_CORRECT_TAIL = """
m = self.A_prev.shape[1]
self.dW = dZ @ self.A_prev.T / m
self.db = np.sum(dZ, axis=1, keepdims=True) / m
self.dA_prev = self.W.T @ dZ
return self.dA_prev
"""

MISTAKES = [
    _dense(
        "relu_mask_from_dA",
        "A ReLU unit passes the gradient where it was active in the forward pass (A > 0), "
        "whatever the sign of dA: use self.g_prime_from_output(self.A), not a mask made from dA.",
        dedent("""
        if self.feeds_fused_cost:
            dZ = dA
        elif self.activation == "relu":
            dZ = np.where(dA > 0, dA, 0.0)
        else:
            dZ = dA * self.g_prime_from_output(self.A)
        """) + _CORRECT_TAIL,
    ),
    _dense(
        "derivative_of_Z",
        "g_prime_from_output expects the layer's output A: for the sigmoid it computes A(1 - A). "
        "Given Z it computes Z(1 - Z), which is not the derivative. Pass the cached self.A "
        "(no need to recompute Z at all).",
        dedent("""
        Z = self.W @ self.A_prev + self.b
        if self.feeds_fused_cost:
            dZ = dA
        else:
            dZ = dA * self.g_prime_from_output(Z)
        """) + _CORRECT_TAIL,
    ),
    _dense(
        "db_without_keepdims",
        "db has shape (n,) instead of (n, 1): use np.sum(dZ, axis=1, keepdims=True) / m. "
        "A flat db would broadcast b - lr * db into an (n, n) matrix.",
        """
        if self.feeds_fused_cost:
            dZ = dA
        else:
            dZ = dA * self.g_prime_from_output(self.A)
        m = self.A_prev.shape[1]
        self.dW = dZ @ self.A_prev.T / m
        self.db = np.sum(dZ, axis=1) / m
        self.dA_prev = self.W.T @ dZ
        return self.dA_prev
        """,
    ),
    _dense(
        "ignores_fused_cost",
        "When feeds_fused_cost is True the layer receives dZ = A - Y from the cost layer, "
        "already through the sigmoid: pass it straight on, without multiplying by the "
        "derivative again.",
        dedent("""
        dZ = dA * self.g_prime_from_output(self.A)
        """) + _CORRECT_TAIL,
    ),
    _dense(
        "dW_without_1_over_m",
        "dW is m times too large: the weight gradient averages over the examples, "
        "dZ @ A_prev.T / m (db too).",
        """
        if self.feeds_fused_cost:
            dZ = dA
        else:
            dZ = dA * self.g_prime_from_output(self.A)
        m = self.A_prev.shape[1]
        self.dW = dZ @ self.A_prev.T
        self.db = np.sum(dZ, axis=1, keepdims=True)
        self.dA_prev = self.W.T @ dZ
        return self.dA_prev
        """,
    ),
    _cost(
        "backward_divided_by_m",
        "The fused gradient is per example, AL - Y, not divided by m: the parent layer divides "
        "by m when it forms dW and db, so dividing here too makes them m times too small.",
        """
        m = self.Y.shape[1]
        return (self.AL - self.Y) / m
        """,
    ),
    _cost(
        "unfused_gradient",
        "backward() returns the gradient with respect to AL, but the parent, fused, expects "
        "the gradient with respect to its Z: for a sigmoid and the cross-entropy that is "
        "simply AL - Y.",
        """
        return -(self.Y / self.AL - (1 - self.Y) / (1 - self.AL))
        """,
    ),
    _sequential(
        "backward_in_forward_order",
        "The backward pass runs from the last layer to the first: loop over "
        "reversed(self.layers).",
        backward="""
        gradient = self.cost_layer.backward()
        for layer in self.layers:
            gradient = layer.backward(gradient)
        return gradient
        """,
    ),
    _sequential(
        "step_adds_gradient",
        "A gradient step goes against the gradient: W -= learning_rate * dW.",
        step="""
        for layer in self.layers:
            layer.W += learning_rate * layer.dW
            layer.b += learning_rate * layer.db
        """,
    ),
    _sequential(
        "forward_not_chained",
        "Each layer's input is the previous layer's output: A = layer.forward(A), starting "
        "from A = X, not layer.forward(X) for every layer.",
        forward="""
        for layer in self.layers:
            A = layer.forward(X)
        return A
        """,
    ),
    _dense(
        "dW_transposed",
        "dW has the shape of W transposed: A_prev @ dZ.T multiplies in the wrong order. A "
        "gradient has its parameter's shape (n, n_prev): self.dW = dZ @ self.A_prev.T / m.",
        """
        if self.feeds_fused_cost:
            dZ = dA
        else:
            dZ = dA * self.g_prime_from_output(self.A)
        m = self.A_prev.shape[1]
        self.dW = self.A_prev @ dZ.T / m
        self.db = np.sum(dZ, axis=1, keepdims=True) / m
        self.dA_prev = self.W.T @ dZ
        return self.dA_prev
        """,
    ),
    _dense(
        "dA_prev_divided_by_m",
        "dA_prev is m times too small while dW and db are right: the gradient passed down keeps "
        "one column per example and is not averaged (only dW and db are divided by m).",
        """
        if self.feeds_fused_cost:
            dZ = dA
        else:
            dZ = dA * self.g_prime_from_output(self.A)
        m = self.A_prev.shape[1]
        self.dW = dZ @ self.A_prev.T / m
        self.db = np.sum(dZ, axis=1, keepdims=True) / m
        self.dA_prev = self.W.T @ dZ / m
        return self.dA_prev
        """,
    ),
    _cost(
        "gradient_sign_flipped",
        "The fused gradient has the opposite sign: dJ/dZ = AL - Y (the output minus the label), "
        "not Y - AL. With Y - AL every step of gradient descent goes uphill.",
        """
        return self.Y - self.AL
        """,
    ),
    _sequential(
        "backward_skips_first_layer",
        "The first layer gets no gradient: reversed(self.layers[1:]) stops one layer early. "
        "Every layer takes part in the backward pass: loop over reversed(self.layers).",
        backward="""
        gradient = self.cost_layer.backward()
        for layer in reversed(self.layers[1:]):
            gradient = layer.backward(gradient)
        return gradient
        """,
    ),
]
