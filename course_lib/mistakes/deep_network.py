"""Mistakes students really make in assignment 03_deep_network (an L-layer network)."""

from course_lib.language import N_
from course_lib.mistakes import Mistake

ASSIGNMENT = "03_deep_network"
#: where course_lib keeps the reference implementations of its graded cells
REFERENCE_MODULES = ("course_lib.deep_network",)


def _mistake(cell: str, name: str, hint: str, body: str) -> Mistake:
    """A mistake whose wrong ``body`` replaces the solution region of the cell ``cell``."""
    return Mistake(assignment=ASSIGNMENT, cell=cell, name=name, hint=hint, body=body)


MISTAKES = [
    _mistake(
        "initialize_parameters_deep",
        "no_seed",
        N_("Your weights have the right shapes and size but not the article's values, and they "
        "change from run to run: call np.random.seed(3) as the first line of the function."),
        """
        parameters = {}
        L = len(layer_dims)
        for l in range(1, L):
            parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
            parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
        """,
    ),
    _mistake(
        "initialize_parameters_deep",
        "transposed_shape",
        N_("W1 comes out transposed: its shape must be (units of this layer, units of the layer "
        "below), np.random.randn(layer_dims[l], layer_dims[l - 1]), so that W @ A_prev works."),
        """
        np.random.seed(3)
        parameters = {}
        L = len(layer_dims)
        for l in range(1, L):
            parameters["W" + str(l)] = np.random.randn(layer_dims[l - 1], layer_dims[l]) * 0.01
            parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
        """,
    ),
    _mistake(
        "linear_forward",
        "elementwise_product",
        N_("W * A multiplies entry by entry (and fails or broadcasts when the shapes differ); "
        "the linear step is a matrix product: np.dot(W, A) + b or W @ A + b."),
        """
        Z = W * A + b
        cache = (A, W, b)
        """,
    ),
    _mistake(
        "linear_forward",
        "transposed_product",
        N_("Z comes out transposed: np.dot(A.T, W.T) is (W @ A).T, one row per example instead "
        "of one row per unit of this layer. The linear step is np.dot(W, A) + b."),
        """
        Z = np.dot(A.T, W.T) + b
        cache = (A, W, b)
        """,
    ),
    _mistake(
        "linear_activation_forward",
        "cache_order_swapped",
        N_("The layer's cache must be (linear_cache, activation_cache) = ((A_prev, W, b), Z), in "
        "that order: the backward pass unpacks it that way."),
        """
        Z, linear_cache = linear_forward(A_prev, W, b)
        if activation == "sigmoid":
            A, activation_cache = sigmoid(Z)
        else:
            A, activation_cache = relu(Z)
        cache = (activation_cache, linear_cache)
        """,
    ),
    _mistake(
        "L_model_forward",
        "loop_skips_a_layer",
        N_("range(1, L - 1) stops one layer too early, so layer L-1 is never applied: the hidden "
        "layers are range(1, L) (1 up to L-1 included), then layer L is the sigmoid layer."),
        """
        caches = []
        A = X
        L = len(parameters) // 2
        for l in range(1, L - 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)],
                                                 parameters["b" + str(l)], "relu")
            caches.append(cache)
        AL, cache = linear_activation_forward(A, parameters["W" + str(L)],
                                              parameters["b" + str(L)], "sigmoid")
        caches.append(cache)
        """,
    ),
    _mistake(
        "L_model_forward",
        "relu_on_last_layer",
        N_("Your last layer uses the ReLU, so AL is not a probability (it can exceed 1 or be "
        "exactly 0): the output layer L must use 'sigmoid', only layers 1..L-1 use 'relu'."),
        """
        caches = []
        A = X
        L = len(parameters) // 2
        for l in range(1, L + 1):
            A, cache = linear_activation_forward(A, parameters["W" + str(l)],
                                                 parameters["b" + str(l)], "relu")
            caches.append(cache)
        AL = A
        """,
    ),
    _mistake(
        "compute_cost",
        "missing_1_over_m",
        N_("Your cost is m times too large (the ratio to the expected value is the number of "
        "examples): the cross-entropy is the mean over the examples, divide the sum by m."),
        """
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
        cost = float(np.squeeze(cost))
        """,
    ),
    _mistake(
        "linear_backward",
        "db_without_keepdims",
        N_("db has shape (n,) instead of (n, 1): sum with np.sum(dZ, axis=1, keepdims=True). "
        "A flat db would broadcast b - learning_rate * db into an (n, n) matrix."),
        """
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.dot(dZ, A_prev.T) / m
        db = np.sum(dZ, axis=1) / m
        dA_prev = np.dot(W.T, dZ)
        """,
    ),
    _mistake(
        "linear_backward",
        "dW_transposed",
        N_("dW has the shape of W transposed: dW must have W's shape (n[l], n[l-1]), which only "
        "np.dot(dZ, A_prev.T) gives."),
        """
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.dot(A_prev, dZ.T) / m
        db = np.sum(dZ, axis=1, keepdims=True) / m
        dA_prev = np.dot(W.T, dZ)
        """,
    ),
    _mistake(
        "linear_activation_backward",
        "relu_mask_from_dA",
        N_("The ReLU passes the gradient where its input Z was positive in the forward pass, "
        "whatever the sign of dA: use relu_backward(dA, Z) with the cached Z, not a mask "
        "made from dA."),
        """
        linear_cache, activation_cache = cache
        if activation == "relu":
            dZ = np.where(dA > 0, dA, 0.0)
        else:
            dZ = sigmoid_backward(dA, activation_cache)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
        """,
    ),
    _mistake(
        "L_model_backward",
        "article_key_numbering",
        N_("grads has keys dA1..dAL but must have dA0..dA{L-1}: store the dA_prev returned by "
        "layer l under 'dA' + str(l - 1), the number of the activation it differentiates "
        "(the article's numbering is shifted by one)."),
        """
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        grads["dA" + str(L)], grads["dW" + str(L)], grads["db" + str(L)] = \\
            linear_activation_backward(dAL, caches[L - 1], "sigmoid")
        for l in reversed(range(L - 1)):
            dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 2)], caches[l],
                                                         "relu")
            grads["dA" + str(l + 1)] = dA_prev
            grads["dW" + str(l + 1)] = dW
            grads["db" + str(l + 1)] = db
        """,
    ),
    _mistake(
        "L_model_backward",
        "relu_on_output_layer",
        N_("The output layer was a sigmoid layer in the forward pass, so its backward step must "
        "use 'sigmoid' too: only layers 1..L-1 are 'relu'."),
        """
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        for l in reversed(range(1, L + 1)):
            dA, dW, db = linear_activation_backward(dA, caches[l - 1], "relu")
            grads["dA" + str(l - 1)] = dA
            grads["dW" + str(l)] = dW
            grads["db" + str(l)] = db
        """,
    ),
    _mistake(
        "update_parameters",
        "plus_instead_of_minus",
        N_("The gradient points uphill: subtract it, W - learning_rate * dW. With + every "
        "entry moves the wrong way and the cost grows."),
        """
        L = len(parameters) // 2
        updated = {}
        for l in range(1, L + 1):
            updated["W" + str(l)] = parameters["W" + str(l)] + learning_rate * grads["dW" + str(l)]
            updated["b" + str(l)] = parameters["b" + str(l)] + learning_rate * grads["db" + str(l)]
        """,
    ),
    _mistake(
        "L_layer_model",
        "update_result_discarded",
        N_("The cost never changes: update_parameters returns the new parameters, assign them "
        "(parameters = update_parameters(parameters, grads, learning_rate))."),
        """
        costs = []
        parameters = initialize_parameters_deep(layers_dims)
        for i in range(num_iterations):
            AL, caches = L_model_forward(X, parameters)
            if i % 100 == 0:
                costs.append(compute_cost(AL, Y))
            grads = L_model_backward(AL, Y, caches)
            update_parameters(parameters, grads, learning_rate)
        """,
    ),
    _mistake(
        "initialize_parameters_deep",
        "bias_without_second_axis",
        N_("b1 has shape (n,) instead of the column (n, 1): np.zeros(layer_dims[l]) is 1-D. Added "
        "to W @ A of shape (n, m), an (n,) bias broadcasts along the examples, not the units. "
        "Use np.zeros((layer_dims[l], 1))."),
        """
        np.random.seed(3)
        parameters = {}
        L = len(layer_dims)
        for l in range(1, L):
            parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * 0.01
            parameters["b" + str(l)] = np.zeros(layer_dims[l])
        """,
    ),
    _mistake(
        "linear_forward",
        "missing_bias",
        N_("Z is off by the bias in every column: the linear step adds b after the product, "
        "Z = np.dot(W, A) + b (b, of shape (n[l], 1), is added to every example)."),
        """
        Z = np.dot(W, A)
        cache = (A, W, b)
        """,
    ),
    _mistake(
        "linear_backward",
        "missing_1_over_m",
        N_("dW and db are m times too large (a constant ratio equal to the number of examples) "
        "while dA_prev is right: the cost is a mean over the examples, so divide dW and db by "
        "m = A_prev.shape[1] (dA_prev = W.T dZ is not divided)."),
        """
        A_prev, W, b = cache
        dW = np.dot(dZ, A_prev.T)
        db = np.sum(dZ, axis=1, keepdims=True)
        dA_prev = np.dot(W.T, dZ)
        """,
    ),
    _mistake(
        "linear_backward",
        "dA_prev_divided_by_m",
        N_("dA_prev is m times too small while dW and db are right: dA_prev = W.T dZ keeps one "
        "column per example and is not averaged; only dW and db are divided by m."),
        """
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.dot(dZ, A_prev.T) / m
        db = np.sum(dZ, axis=1, keepdims=True) / m
        dA_prev = np.dot(W.T, dZ) / m
        """,
    ),
    _mistake(
        "linear_activation_backward",
        "sigmoid_derivative_of_cached_Z",
        N_("For the sigmoid layer the cache holds Z, not A: Z * (1 - Z) is not the sigmoid's "
        "slope. Use sigmoid_backward(dA, Z), which computes s * (1 - s) with s = sigmoid(Z)."),
        """
        linear_cache, activation_cache = cache
        if activation == "relu":
            dZ = relu_backward(dA, activation_cache)
        else:
            Z = activation_cache
            dZ = dA * Z * (1 - Z)
        dA_prev, dW, db = linear_backward(dZ, linear_cache)
        """,
    ),
    _mistake(
        "L_model_backward",
        "dAL_sign_of_one_term",
        N_("dAL has a sign wrong in one term: the derivative of the cross-entropy is "
        "-(Y / AL - (1 - Y) / (1 - AL)); the two fractions are subtracted inside the bracket."),
        """
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dAL = -(np.divide(Y, AL) + np.divide(1 - Y, 1 - AL))
        dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
        grads["dA" + str(L - 1)] = dA_prev
        grads["dW" + str(L)] = dW
        grads["db" + str(L)] = db
        for l in reversed(range(1, L)):
            dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l)], caches[l - 1],
                                                         "relu")
            grads["dA" + str(l - 1)] = dA_prev
            grads["dW" + str(l)] = dW
            grads["db" + str(l)] = db
        """,
    ),
    _mistake(
        "L_model_backward",
        "cache_index_off_by_one",
        N_("Layer l's cache is caches[l - 1] (the list starts at 0, the layers at 1): with "
        "caches[l] each layer is differentiated with the cache of the layer above it."),
        """
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        dA_prev, dW, db = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
        grads["dA" + str(L - 1)] = dA_prev
        grads["dW" + str(L)] = dW
        grads["db" + str(L)] = db
        for l in reversed(range(1, L)):
            dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l)], caches[l], "relu")
            grads["dA" + str(l - 1)] = dA_prev
            grads["dW" + str(l)] = dW
            grads["db" + str(l)] = db
        """,
    ),
]
