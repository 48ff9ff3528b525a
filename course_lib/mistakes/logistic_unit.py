"""Mistakes students really make in assignment 01_logistic_unit (one neuron)."""

from course_lib.language import N_
from course_lib.mistakes import Mistake

ASSIGNMENT = "01_logistic_unit"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.logistic_unit",)

MISTAKES = [
    Mistake(
        assignment=ASSIGNMENT,
        cell="sigmoid",
        name="missing_minus_in_exponent",
        hint=N_(
            "sigmoid(2) comes out as 0.12 instead of 0.88: your function computes sigmoid(-z). "
            "The exponent is e^(-z): write np.exp(-z)."
        ),
        body="""
            s = 1 / (1 + np.exp(z))
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="initialize_with_zeros",
        name="w_without_second_axis",
        hint=N_(
            "w has shape (dim,) but must be (dim, 1): np.zeros(dim) makes a 1-D array. Pass the "
            "shape as a tuple, np.zeros((dim, 1))."
        ),
        body="""
            w = np.zeros(dim)
            b = 0.0
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="missing_1_over_m",
        hint=N_(
            "dw and db are m times too large (the checks report a constant ratio equal to m). The "
            "cost is an average over the m examples, so its gradient is an average too: divide by "
            "m."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X @ dZ.T
            db = np.sum(dZ)
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="cost_missing_minus",
        hint=N_(
            "The cost has the opposite sign (ratio -1.0). Logs of probabilities are negative, so "
            "the cross-entropy needs a minus sign in front of the sum to be positive."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X @ dZ.T / m
            db = np.sum(dZ) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="dw_transposed",
        hint=N_(
            "dw has shape (1, n) but w is (n, 1): the product is in the wrong order. X is (n, m) "
            "and (A - Y).T is (m, 1), so dw = X @ (A - Y).T / m."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = dZ @ X.T / m
            db = np.sum(dZ) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="sum_without_axis",
        hint=N_(
            "np.sum(w * X) adds up the weighted sums of ALL examples into a single number, so "
            "every example gets the same z. Use the matrix product w.T @ X, which gives one z per "
            "example (shape (1, m))."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(np.sum(w * X) + b)
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X @ dZ.T / m
            db = np.sum(dZ) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="optimize",
        name="updates_inputs_in_place",
        hint=N_(
            "w -= ... changes the caller's array in place: after optimize returns, the w that was "
            "passed in has changed too. Write w = w - learning_rate * grads['dw'], which makes a "
            "new array."
        ),
        body="""
            for i in range(num_iterations):
                grads, cost = propagate(w, b, X, Y)
                w -= learning_rate * grads["dw"]
                b -= learning_rate * grads["db"]
                if i % 100 == 0:
                    costs.append(cost)
                    if print_cost:
                        print(f"Cost after iteration {i}: {cost:f}")
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="optimize",
        name="trains_on_notebook_globals",
        hint=N_(
            "optimize trains on X_train and Y_train, the notebook's variables, instead of its "
            "arguments X and Y. A function must use only its arguments: call propagate(w, b, X, "
            "Y)."
        ),
        body="""
            for i in range(num_iterations):
                grads, cost = propagate(w, b, X_train, Y_train)
                w = w - learning_rate * grads["dw"]
                b = b - learning_rate * grads["db"]
                if i % 100 == 0:
                    costs.append(cost)
                    if print_cost:
                        print(f"Cost after iteration {i}: {cost:f}")
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="predict",
        name="threshold_at_zero",
        hint=N_(
            "A is a probability, always above 0, so A > 0 answers 1 for every example. Threshold "
            "the probability at 0.5 (or, equivalently, z = w.T @ X + b at 0)."
        ),
        body="""
            A = sigmoid(w.T @ X + b)
            Y_prediction = (A > 0).astype(float)
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="model",
        name="ignores_its_arguments",
        hint=N_(
            "model calls optimize with 2000 steps and learning rate 0.5 whatever it is given, so "
            "model(..., num_iterations=300, learning_rate=0.1) trains differently than asked. "
            "Pass num_iterations and learning_rate on to optimize."
        ),
        body="""
            w, b = initialize_with_zeros(X_train.shape[0])
            params, grads, costs = optimize(w, b, X_train, Y_train, 2000, 0.5, print_cost)
            w, b = params["w"], params["b"]
            Y_prediction_train = predict(w, b, X_train)
            Y_prediction_test = predict(w, b, X_test)
            train_accuracy = float(np.mean(Y_prediction_train == Y_train))
            test_accuracy = float(np.mean(Y_prediction_test == Y_test))
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="dw_without_1_over_m",
        hint=N_(
            "dw is m times too large while db is right (the check reports a constant ratio equal "
            "to m): you divided db by m but not dw. Both are averages over the m examples: dw = X "
            "@ (A - Y).T / m."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X @ dZ.T
            db = np.sum(dZ) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="cost_sign_of_second_term",
        hint=N_(
            "The cost is wrong while dw and db are right: the two log terms are added inside the "
            "sum, -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m. A minus before the second "
            "term rewards wrong answers on the examples with label 0."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = -np.sum(Y * np.log(A) - (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X @ dZ.T / m
            db = np.sum(dZ) / m
        """,
    ),
    Mistake(
        assignment=ASSIGNMENT,
        cell="propagate",
        name="dw_elementwise_product",
        hint=N_(
            "dw has shape (n, m) instead of (n, 1): X * dZ multiplies entry by entry (each "
            "example keeps its own column). The sum over the examples is a matrix product: dw = X "
            "@ (A - Y).T / m (or np.dot(X, dZ.T) / m)."
        ),
        body="""
            m = X.shape[1]
            A = sigmoid(w.T @ X + b)
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dZ = A - Y
            dw = X * dZ / m
            db = np.sum(dZ) / m
        """,
    ),
]
