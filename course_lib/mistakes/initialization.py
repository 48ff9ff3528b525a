"""Mistakes students really make in assignment 04_initialization (FC layer, initializers)."""

from course_lib.language import N_
from course_lib.mistakes import Mistake

ASSIGNMENT = "04_initialization"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.initialization", "course_lib.fc_layers")


def _fc(name: str, hint: str, **wrong: str) -> Mistake:
    """A mistake in one method of the class FC: ``forward=`` or ``backward=`` its wrong body
    (the other method keeps the notebook's solution)."""
    ((method, body),) = wrong.items()
    return Mistake(assignment=ASSIGNMENT, cell="FC", name=name, hint=hint, body=body,
                   method=method)


def _init(cell: str, name: str, hint: str, weight: str, bias: str = "np.zeros((layers_dims[l], 1))",
          seed: bool = True) -> Mistake:
    """An initializer whose loop draws W{l} = ``weight`` and b{l} = ``bias``."""
    lines = ["np.random.seed(3)"] if seed else []
    lines += [
        "parameters = {}",
        "for l in range(1, len(layers_dims)):",
        f'    parameters["W" + str(l)] = {weight}',
        f'    parameters["b" + str(l)] = {bias}',
        "return parameters",
    ]
    return Mistake(assignment=ASSIGNMENT, cell=cell, name=name, hint=hint, body="\n".join(lines))


MISTAKES = [
    _fc(
        "bias_summed_over_everything",
        N_("All your biases get the same update: np.sum(residual_z) adds up every unit and every "
        "example. Each unit's bias gradient is the sum of its own row only: "
        "np.sum(residual_z, axis=1, keepdims=True). (The article makes this mistake.)"),
        backward="""
        residual_z = residual * self.y * (1 - self.y)
        grad_w = self.x @ residual_z.T
        grad_b = np.sum(residual_z)
        residual_x = self.w @ residual_z
        self.w = self.w - self.lr * grad_w
        self.b = self.b - self.lr * grad_b
        return residual_x
        """,
    ),
    _fc(
        "update_before_residual",
        N_("The residual you return was computed with the weights you had just updated: compute "
        "residual_x = self.w @ residual_z first, with the weights the forward pass used, then "
        "update w and b. (The article makes this mistake.)"),
        backward="""
        residual_z = residual * self.y * (1 - self.y)
        grad_w = self.x @ residual_z.T
        grad_b = np.sum(residual_z, axis=1, keepdims=True)
        self.w = self.w - self.lr * grad_w
        self.b = self.b - self.lr * grad_b
        residual_x = self.w @ residual_z
        return residual_x
        """,
    ),
    _fc(
        "forward_without_transpose",
        N_("w has shape (in_num, out_num), one column per output unit, so the layer computes "
        "w.T @ x + b: without the transpose the shapes only fit when in_num == out_num."),
        forward="""
        self.x = x
        self.y = sigmoid(self.w @ x + self.b)
        return self.y
        """,
    ),
    _fc(
        "missing_sigmoid_derivative",
        N_("The residual reaching z must go through the sigmoid's derivative first: "
        "residual_z = residual * y * (1 - y), with the output y stored by forward."),
        backward="""
        residual_z = residual
        grad_w = self.x @ residual_z.T
        grad_b = np.sum(residual_z, axis=1, keepdims=True)
        residual_x = self.w @ residual_z
        self.w = self.w - self.lr * grad_w
        self.b = self.b - self.lr * grad_b
        return residual_x
        """,
    ),
    _init(
        "initialize_parameters_zeros",
        "shape_not_a_tuple",
        N_("np.zeros(a, b) reads b as a data type: pass the shape as one tuple, "
        "np.zeros((layers_dims[l], layers_dims[l - 1]))."),
        "np.zeros(layers_dims[l], layers_dims[l - 1])",
    ),
    _init(
        "initialize_parameters_constant",
        "value_ignored",
        N_("Your weights are all 1 whatever value is passed: fill them with the argument, "
        "np.full(shape, value)."),
        "np.ones((layers_dims[l], layers_dims[l - 1]))",
    ),
    _init(
        "initialize_parameters_constant",
        "bias_filled_too",
        N_("Only the weights take the constant; the biases start at zero, "
        "np.zeros((layers_dims[l], 1))."),
        "np.full((layers_dims[l], layers_dims[l - 1]), value)",
        bias="np.full((layers_dims[l], 1), value)",
    ),
    _init(
        "initialize_parameters_random",
        "not_scaled_by_10",
        N_("Your weights are 10 times too small (a constant ratio of 0.1): this initializer "
        "multiplies the standard normal draws by 10."),
        "np.random.randn(layers_dims[l], layers_dims[l - 1])",
    ),
    _init(
        "initialize_parameters_random",
        "no_seed",
        N_("Your weights differ from run to run: call np.random.seed(3) first, before drawing."),
        "np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10",
        seed=False,
    ),
    _init(
        "initialize_parameters_he",
        "sqrt_1_over_n",
        N_("He initialization uses sqrt(2 / n[l-1]); sqrt(1 / n[l-1]) (Xavier's choice for tanh) "
        "is sqrt(2) times too small for ReLU layers."),
        "np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(1 / layers_dims[l - 1])",
    ),
    _init(
        "initialize_parameters_he",
        "wrong_n",
        N_("The scale must use the number of inputs of the layer, layers_dims[l - 1], not its "
        "number of units layers_dims[l]."),
        "np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(2 / layers_dims[l])",
    ),
    _fc(
        "grad_w_transposed",
        N_("grad_w has the shape of w transposed, (out_num, in_num): residual_z @ x.T multiplies "
        "in the wrong order for weights stored (in_num, out_num). A gradient has its parameter's "
        "shape: grad_w = self.x @ residual_z.T."),
        backward="""
        residual_z = residual * self.y * (1 - self.y)
        grad_w = residual_z @ self.x.T
        grad_b = np.sum(residual_z, axis=1, keepdims=True)
        residual_x = self.w @ residual_z
        self.w = self.w - self.lr * grad_w
        self.b = self.b - self.lr * grad_b
        return residual_x
        """,
    ),
    _fc(
        "sigmoid_derivative_from_z",
        N_("The sigmoid's slope is y * (1 - y) with its OUTPUT y = sigmoid(z), which forward "
        "stored in self.y; z * (1 - z) computed from the input z is not a derivative of "
        "anything here."),
        backward="""
        z = self.w.T @ self.x + self.b
        residual_z = residual * z * (1 - z)
        grad_w = self.x @ residual_z.T
        grad_b = np.sum(residual_z, axis=1, keepdims=True)
        residual_x = self.w @ residual_z
        self.w = self.w - self.lr * grad_w
        self.b = self.b - self.lr * grad_b
        return residual_x
        """,
    ),
    _init(
        "initialize_parameters_zeros",
        "bias_without_second_axis",
        N_("The biases have shape (n,) instead of the column (n, 1): np.zeros(layers_dims[l]) is "
        "1-D, and an (n,) bias added to W @ A (n, m) broadcasts along the examples. Use "
        "np.zeros((layers_dims[l], 1))."),
        "np.zeros((layers_dims[l], layers_dims[l - 1]))",
        bias="np.zeros(layers_dims[l])",
    ),
]
