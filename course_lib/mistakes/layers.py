"""Mistakes students really make in assignment 05_layers (layer objects, fused cost layer)."""

from textwrap import dedent

from course_lib.language import N_
from course_lib.mistakes import Mistake

ASSIGNMENT = "05_layers"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.layers",)


def _dense(name: str, hint: str, backward: str) -> Mistake:
    """A mistake in Dense.backward (forward keeps the notebook's solution)."""
    return Mistake(assignment=ASSIGNMENT, cell="Dense", name=name, hint=hint, body=backward,
                   method="backward")


def _cost(name: str, hint: str, backward: str) -> Mistake:
    """A mistake in SigmoidCrossEntropy.backward."""
    return Mistake(assignment=ASSIGNMENT, cell="SigmoidCrossEntropy", name=name, hint=hint,
                   body=backward, method="backward")


def _sequential(name: str, hint: str, **wrong: str) -> Mistake:
    """A mistake in one method of Sequential: ``forward=``, ``cost=``, ``backward=`` or
    ``step=`` its wrong body (the other methods keep the notebook's solutions)."""
    ((method, body),) = wrong.items()
    return Mistake(assignment=ASSIGNMENT, cell="Sequential", name=name, hint=hint, body=body,
                   method=method)


#: the end of Dense.backward's solution, for the mistakes in how dZ is formed
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
        N_("A ReLU unit passes the gradient where it was active in the forward pass (A > 0), "
        "whatever the sign of dA: use self.g_prime_from_output(self.A), not a mask made from dA."),
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
        N_("g_prime_from_output expects the layer's output A: for the sigmoid it computes "
        "A(1 - A). Given Z it computes Z(1 - Z), which is not the derivative. Pass the cached "
        "self.A (no need to recompute Z at all)."),
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
        N_("db has shape (n,) instead of (n, 1): use np.sum(dZ, axis=1, keepdims=True) / m. "
        "A flat db would broadcast b - lr * db into an (n, n) matrix."),
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
        N_("When feeds_fused_cost is True the layer receives dZ = A - Y from the cost layer, "
        "already through the sigmoid: pass it straight on, without multiplying by the "
        "derivative again."),
        dedent("""
        dZ = dA * self.g_prime_from_output(self.A)
        """) + _CORRECT_TAIL,
    ),
    _dense(
        "dW_without_1_over_m",
        N_("dW is m times too large: the weight gradient averages over the examples, "
        "dZ @ A_prev.T / m (db too)."),
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
        N_("The fused gradient is per example, AL - Y, not divided by m: the parent layer divides "
        "by m when it forms dW and db, so dividing here too makes them m times too small."),
        """
        m = self.Y.shape[1]
        return (self.AL - self.Y) / m
        """,
    ),
    _cost(
        "unfused_gradient",
        N_("backward() returns the gradient with respect to AL, but the parent, fused, expects "
        "the gradient with respect to its Z: for a sigmoid and the cross-entropy that is "
        "simply AL - Y."),
        """
        return -(self.Y / self.AL - (1 - self.Y) / (1 - self.AL))
        """,
    ),
    _sequential(
        "backward_in_forward_order",
        N_("The backward pass runs from the last layer to the first: loop over "
        "reversed(self.layers)."),
        backward="""
        gradient = self.cost_layer.backward()
        for layer in self.layers:
            gradient = layer.backward(gradient)
        return gradient
        """,
    ),
    _sequential(
        "step_adds_gradient",
        N_("A gradient step goes against the gradient: W -= learning_rate * dW."),
        step="""
        for layer in self.layers:
            layer.W += learning_rate * layer.dW
            layer.b += learning_rate * layer.db
        """,
    ),
    _sequential(
        "forward_not_chained",
        N_("Each layer's input is the previous layer's output: A = layer.forward(A), starting "
        "from A = X, not layer.forward(X) for every layer."),
        forward="""
        for layer in self.layers:
            A = layer.forward(X)
        return A
        """,
    ),
    _dense(
        "dW_transposed",
        N_("dW has the shape of W transposed: A_prev @ dZ.T multiplies in the wrong order. A "
        "gradient has its parameter's shape (n, n_prev): self.dW = dZ @ self.A_prev.T / m."),
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
        N_("dA_prev is m times too small while dW and db are right: the gradient passed down keeps "
        "one column per example and is not averaged (only dW and db are divided by m)."),
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
        N_("The fused gradient has the opposite sign: dJ/dZ = AL - Y (the output minus the label), "
        "not Y - AL. With Y - AL every step of gradient descent goes uphill."),
        """
        return self.Y - self.AL
        """,
    ),
    _sequential(
        "backward_skips_first_layer",
        N_("The first layer gets no gradient: reversed(self.layers[1:]) stops one layer early. "
        "Every layer takes part in the backward pass: loop over reversed(self.layers)."),
        backward="""
        gradient = self.cost_layer.backward()
        for layer in reversed(self.layers[1:]):
            gradient = layer.backward(gradient)
        return gradient
        """,
    ),
]
