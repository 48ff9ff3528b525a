"""Mistakes students really make in assignment 02_two_layer_net (tanh hidden layer)."""

from course_lib.language import N_
from course_lib.mistakes import Mistake

ASSIGNMENT = "02_two_layer_net"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.two_layer_net",)

MISTAKES = [
    Mistake(
        assignment=ASSIGNMENT,
        cell="init_parameters",
        name="bias_without_second_axis",
        hint=N_(
            "b1 has shape (n_h,) but must be a column (n_h, 1): np.zeros(hidden_size) is 1-D. "
            "Adding an (n_h,) bias to an (n_h, m) matrix broadcasts along the wrong axis. Use "
            "np.zeros((hidden_size, 1))."
        ),
        body="""
            w1 = np.random.randn(hidden_size, input_size) * 0.01
            b1 = np.zeros(hidden_size)
            w2 = np.random.randn(output_size, hidden_size) * 0.01
            b2 = np.zeros(output_size)
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="init_parameters",
        name="uniform_rand_as_in_the_blog_post",
        hint=N_(
            "Your weights are all positive: np.random.rand draws uniformly from [0, 1), as the "
            "blog post did. Draw zero-mean weights with np.random.randn(...) * 0.01 (section 7 "
            "explains why zero-mean is the norm)."
        ),
        body="""
            w1 = np.random.rand(hidden_size, input_size) * 0.01
            b1 = np.zeros((hidden_size, 1))
            w2 = np.random.rand(output_size, hidden_size) * 0.01
            b2 = np.zeros((output_size, 1))
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="forward_propagation",
        name="sigmoid_in_hidden_layer",
        hint=N_(
            "A1 is wrong while Z1 is right: the hidden layer uses tanh, not the sigmoid. Write A1 "
            "= np.tanh(Z1); the sigmoid is only for the output A2."
        ),
        body="""
            Z1 = w1 @ X + b1
            A1 = sigmoid(Z1)
            Z2 = w2 @ A1 + b2
            A2 = sigmoid(Z2)
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="compute_cost",
        name="missing_minus",
        hint=N_(
            "The cost has the opposite sign (ratio -1.0): the logs of probabilities are negative, "
            "the cross-entropy puts a minus sign in front of the sum."
        ),
        body="""
            m = Y.shape[1]
            cost = np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="back_propagation",
        name="tanh_derivative_from_Z",
        hint=N_(
            "dw1 and db1 are wrong while dw2 and db2 are right: the slope of tanh is 1 - "
            "tanh(z)^2, i.e. 1 - A1 ** 2 with the cached output A1, not 1 - Z1 ** 2."
        ),
        body="""
            Z1 = cache["Z1"]
            m = X.shape[1]
            dZ2 = A2 - Y
            dw2 = dZ2 @ A1.T / m
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m
            dZ1 = (w2.T @ dZ2) * (1 - Z1 ** 2)
            dw1 = dZ1 @ X.T / m
            db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="back_propagation",
        name="reads_global_m",
        hint=N_(
            "Every gradient is off by the same factor (3/400 = 0.0075 in the visible test): "
            "back_propagation never defines m, so Python uses the notebook's global m = 400. "
            "Define it from the arguments: m = X.shape[1]. Section 7 tells the whole story."
        ),
        body="""
            dZ2 = A2 - Y
            dw2 = dZ2 @ A1.T / m
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m
            dZ1 = (w2.T @ dZ2) * (1 - A1 ** 2)
            dw1 = dZ1 @ X.T / m
            db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="gradient_descent",
        name="plus_instead_of_minus",
        hint=N_(
            "Every parameter moved the wrong way: the gradient points uphill, so gradient descent "
            "subtracts it, theta = theta - learning_rate * dtheta."
        ),
        body="""
            w1 = parameters["w1"] + learning_rate * grads["dw1"]
            b1 = parameters["b1"] + learning_rate * grads["db1"]
            w2 = parameters["w2"] + learning_rate * grads["dw2"]
            b2 = parameters["b2"] + learning_rate * grads["db2"]
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="gradient_descent",
        name="updates_inputs_in_place",
        hint=N_(
            "The parameters passed in changed: -= updates the caller's arrays in place. Build new "
            "arrays instead: w1 = parameters['w1'] - learning_rate * grads['dw1'], and so on."
        ),
        body="""
            for key in ("w1", "b1", "w2", "b2"):
                parameters[key] -= learning_rate * grads["d" + key]
            w1, b1, w2, b2 = parameters["w1"], parameters["b1"], parameters["w2"], parameters["b2"]
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="model",
        name="hard_coded_learning_rate",
        hint=N_(
            "model always steps with learning rate 0.5 (as the blog post's code did), whatever "
            "learning_rate it is given. Pass the argument on: gradient_descent(parameters, grads, "
            "learning_rate)."
        ),
        body="""
            parameters = init_parameters(X.shape[0], hidden_size, Y.shape[0])
            for i in range(num_iterations):
                A2, cache = forward_propagation(X, parameters)
                cost = compute_cost(A2, Y)
                grads = back_propagation(parameters, cache, X, Y)
                parameters = gradient_descent(parameters, grads, 0.5)
                if i % cost_every == 0:
                    costs.append(cost)
                    if print_cost:
                        print(f"Cost after iteration {i}: {cost:f}")
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="predict",
        name="returns_probabilities",
        hint=N_(
            "predict must answer 0 or 1; yours returns the probabilities A2. Threshold them: (A2 "
            "> 0.5).astype(float)."
        ),
        body="""
            A2, _ = forward_propagation(X, parameters)
            predictions = A2
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="back_propagation",
        name="db1_without_keepdims",
        hint=N_(
            "db1 has shape (n_h,) instead of (n_h, 1): np.sum(dZ1, axis=1) drops the summed axis. "
            "Keep it with np.sum(dZ1, axis=1, keepdims=True) / m, as for db2; a flat db1 would "
            "broadcast b1 - learning_rate * db1 into an (n_h, n_h) matrix."
        ),
        body="""
            m = X.shape[1]
            dZ2 = A2 - Y
            dw2 = dZ2 @ A1.T / m
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m
            dZ1 = (w2.T @ dZ2) * (1 - A1 ** 2)
            dw1 = dZ1 @ X.T / m
            db1 = np.sum(dZ1, axis=1) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="back_propagation",
        name="dw2_without_1_over_m",
        hint=N_(
            "dw2 is m times too large while the other gradients are right: every gradient is an "
            "average over the m examples, so dw2 = dZ2 @ A1.T / m too."
        ),
        body="""
            m = X.shape[1]
            dZ2 = A2 - Y
            dw2 = dZ2 @ A1.T
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m
            dZ1 = (w2.T @ dZ2) * (1 - A1 ** 2)
            dw1 = dZ1 @ X.T / m
            db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="back_propagation",
        name="dw1_transposed",
        hint=N_(
            "dw1 has shape (n_x, n_h), the shape of w1 transposed: X @ dZ1.T multiplies in the "
            "wrong order. A gradient has the shape of its parameter: dw1 = dZ1 @ X.T / m is (n_h, "
            "n_x)."
        ),
        body="""
            m = X.shape[1]
            dZ2 = A2 - Y
            dw2 = dZ2 @ A1.T / m
            db2 = np.sum(dZ2, axis=1, keepdims=True) / m
            dZ1 = (w2.T @ dZ2) * (1 - A1 ** 2)
            dw1 = X @ dZ1.T / m
            db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="compute_cost",
        name="sign_of_second_term",
        hint=N_(
            "The two log terms of the cross-entropy are added: -np.sum(Y * np.log(A2) + (1 - Y) * "
            "np.log(1 - A2)) / m. With a minus before the second term, a confident wrong answer "
            "on a label 0 lowers the cost instead of raising it."
        ),
        body="""
            m = Y.shape[1]
            cost = -np.sum(Y * np.log(A2) - (1 - Y) * np.log(1 - A2)) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="forward_propagation",
        name="elementwise_product",
        hint=N_(
            "w1 * X multiplies entry by entry, which fails (or broadcasts into nonsense) when the "
            "shapes differ: each layer is a matrix product, Z1 = w1 @ X + b1 (np.dot(w1, X) + "
            "b1), and Z2 = w2 @ A1 + b2."
        ),
        body="""
            Z1 = w1 * X + b1
            A1 = np.tanh(Z1)
            Z2 = w2 * A1 + b2
            A2 = sigmoid(Z2)
        """,
    ),
]
