"""Tests for course_lib.fc_layers (seeds/001)."""

import numpy as np
import pytest

from course_lib.fc_layers import (
    AND_T,
    AND_X,
    FC,
    Net,
    SquareLoss,
    and_gate_experiment,
    train_gate,
)

# The table of documented_outputs.md, seeds/001, as printed (strings, so every printed
# digit is compared).
DOCUMENTED = {
    ("zeros", True): {
        "y": "3.22480024e-04 2.22335711e-02 2.22335711e-02 9.57711099e-01",
        "w1": "-2.49072772",
        "w2": "-3.373125",
    },
    ("zeros", False): {
        "y": "8.548e-05 2.632338e-02 2.632338e-02 9.5184229e-01",
        "w1": "-2.17711194",
        "w2": "-3.88777583",
    },
    ("ones", True): {
        "y": "0.00399349 0.02830098 0.02830098 0.96924181",
        "w1": "2.48265841",
        "w2": "3.231811",
    },
    ("ones", False): {
        "y": "0.00185546 0.03256607 0.03256607 0.96286654",
        "w1": "2.10198096",
        "w2": "3.44993323",
    },
}


def format_like(value: float, printed: str) -> str:
    """Format value with the notation and number of decimals of the printed token."""
    mantissa = printed.split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    code = "e" if "e" in printed else "f"
    return f"{value:.{decimals}{code}}"


@pytest.fixture(scope="module")
def runs():
    return {key: and_gate_experiment(*key) for key in DOCUMENTED}


@pytest.mark.parametrize("key", list(DOCUMENTED), ids=lambda k: f"{k[0]}-published={k[1]}")
def test_and_gate_reproduces_documented_table(runs, key):
    run, doc = runs[key], DOCUMENTED[key]
    printed_y = doc["y"].split()
    assert run["y"].shape == (1, 4)
    got_y = [format_like(v, p) for v, p in zip(run["y"].ravel(), printed_y, strict=True)]
    assert got_y == printed_y
    assert run["w1"].shape == (2, 4) and run["w2"].shape == (4, 1)
    assert {format_like(v, doc["w1"]) for v in run["w1"].ravel()} == {doc["w1"]}
    assert {format_like(v, doc["w2"]) for v in run["w2"].ravel()} == {doc["w2"]}
    assert len(run["losses"]) == 10000


@pytest.mark.parametrize("key", list(DOCUMENTED), ids=lambda k: f"{k[0]}-published={k[1]}")
def test_symmetric_init_keeps_hidden_units_identical(runs, key):
    w1, w2 = runs[key]["w1"], runs[key]["w2"]
    # every hidden unit (a column of w1, a row of w2) equals the first one exactly
    assert np.array_equal(w1, np.repeat(w1[:, :1], 4, axis=1))
    assert np.array_equal(w2, np.repeat(w2[:1, :], 4, axis=0))


def test_and_gate_losses_decrease(runs):
    for run in runs.values():
        assert run["losses"][-1] < run["losses"][0] / 10


def test_unknown_init_lists_valid_names():
    with pytest.raises(ValueError, match="ones.*zeros"):
        and_gate_experiment("random")


def square_cost_unscaled(y, t):
    """The cost whose gradient the article's layers follow: sum((y - t)**2) / 2."""
    return np.sum((y - t) ** 2) / 2


def numerical_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def make_layer(published):
    rng = np.random.default_rng(5)
    layer = FC(3, 2, lr=0.1, rng=rng, published=published)
    layer.b = rng.standard_normal((2, 1))
    x = rng.standard_normal((3, 5))
    t = rng.random((2, 5))
    return layer, x, t


def test_corrected_backward_is_the_true_gradient():
    layer, x, t = make_layer(published=False)
    w0, b0 = layer.w.copy(), layer.b.copy()

    def cost():
        return square_cost_unscaled(layer.forward(x), t)

    dw = numerical_grad(cost, layer.w)
    db = numerical_grad(cost, layer.b)
    dx = numerical_grad(cost, x)
    y = layer.forward(x)
    residual_x = layer.backward(y - t)
    np.testing.assert_allclose(residual_x, dx, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.w, w0 - 0.1 * dw, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(layer.b, b0 - 0.1 * db, rtol=1e-6, atol=1e-9)


def test_published_backward_has_both_quirks():
    layer, x, t = make_layer(published=True)
    b0 = layer.b.copy()
    y = layer.forward(x)
    residual_z = (y - t) * y * (1 - y)
    residual_x = layer.backward(y - t)
    # (a) one scalar bias gradient for every unit
    np.testing.assert_allclose(layer.b, b0 - 0.1 * np.sum(residual_z), rtol=1e-12)
    # (b) the residual uses the already-updated weights
    np.testing.assert_allclose(residual_x, layer.w @ residual_z, rtol=1e-12)


def test_square_loss_forward_backward():
    loss = SquareLoss()
    y = np.array([[0.5, 1.0]])
    t = np.array([[0.0, 0.0]])
    assert loss.forward(y, t) == pytest.approx((0.25 + 1.0) / 2 / 2)
    np.testing.assert_array_equal(loss.backward(), y - t)
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2, 1\)"):
        loss.forward(y, t.T)


def test_fc_shapes_and_errors():
    layer = FC(2, 4)
    assert layer.w.shape == (2, 4) and layer.b.shape == (4, 1)
    assert layer.forward(AND_X).shape == (4, 4)
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(2, 4\)"):
        layer.forward(np.zeros((3, 4)))
    with pytest.raises(RuntimeError):
        FC(2, 1).backward(np.zeros((1, 4)))


def test_net_default_rng_is_deterministic_and_rng_is_used():
    a, b = Net(), Net()
    np.testing.assert_array_equal(a.fc1.w, b.fc1.w)
    c = Net(rng=np.random.default_rng(123))
    assert not np.array_equal(a.fc1.w, c.fc1.w)
    assert a.fc1.w.shape == (2, 4) and a.fc2.w.shape == (4, 1)


def test_net_random_init_learns_and_gate():
    net = Net(rng=np.random.default_rng(1))
    losses = net.train(AND_X, AND_T, iterations=3000)
    assert len(losses) == 3000 and losses[-1] < losses[0]
    np.testing.assert_array_equal(net.predict(AND_X) > 0.5, AND_T == 1)


def test_train_gate_symmetric_start_stays_symmetric_and_fails_xor():
    y, history = train_gate(FC, "XOR", fill=(1.0, 0.0), steps=3000, every=100)
    assert y.shape == (1, 4) and history.shape == (30, 2, 4)
    np.testing.assert_array_equal(history[0], np.ones((2, 4)))
    # every hidden unit (a column of w1) equals the first one at every recorded step
    assert np.array_equal(history, np.repeat(history[:, :, :1], 4, axis=2))
    assert not np.array_equal(y > 0.5, np.array([[0, 1, 1, 0]]) == 1)


def test_train_gate_random_start_learns_xor_and_is_deterministic():
    y, history = train_gate(FC, "XOR", seed=0, steps=10000, every=1000)
    assert history.shape == (10, 2, 4)
    assert len(np.unique(history[-1].round(6), axis=1).T) == 4   # four different units
    np.testing.assert_array_equal(y > 0.5, np.array([[0, 1, 1, 0]]) == 1)
    y_again, history_again = train_gate(FC, "XOR", seed=0, steps=10000, every=1000)
    np.testing.assert_array_equal(y, y_again)
    np.testing.assert_array_equal(history, history_again)


def test_train_gate_trains_the_layer_class_it_is_given():
    made, steps = [], []

    class Counted(FC):
        def __init__(self, *args, **kwargs):
            made.append(args)
            super().__init__(*args, **kwargs)

        def backward(self, residual):
            steps.append(self.out_num)
            return super().backward(residual)

    y, history = train_gate(Counted, "AND", steps=7, every=3)
    assert made == [(2, 4), (4, 1)]
    assert steps == [1, 4] * 7   # output layer first, then the hidden layer, every step
    assert history.shape == (3, 2, 4) and y.shape == (1, 4)


@pytest.mark.parametrize("kwargs, match", [
    ({"gate": "XNOR"}, "AND, OR, XOR, NAND"),
    ({"gate": "XOR", "steps": 0}, "steps"),
    ({"gate": "XOR", "every": 0}, "every"),
    ({"gate": "XOR", "fill": (1.0,)}, "fill"),
])
def test_train_gate_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_gate(FC, **kwargs)
