import numpy as np
import pytest

from course_lib import published_runs as pr

# documented_outputs.md, seeds/002: the costs printed with "%f" at steps 0, 1000, ..., 9000.
PUBLISHED_TRACE = ("0.693230 0.642704 0.451822 0.128380 0.055486 0.033372 0.023442 0.017932 "
                   "0.014464 0.012093")
CORRECTED_TRACE = ("0.693230 0.000529 0.000259 0.000172 0.000128 0.000102 0.000085 0.000073 "
                   "0.000064 0.000056")

# documented_outputs.md, seeds/000: initialize_parameters_deep([5, 4, 3]).
W1 = [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
      [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
      [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
      [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]]
W2 = [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
      [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
      [-0.00768836, -0.00230031, 0.00745056, 0.01976111]]


def _formatted(costs):
    return " ".join(f"{c:f}" for c in costs)  # the article's "%f"


def test_seed000_initializer_gives_the_documented_parameters():
    p = pr.seed000_initializer()
    assert {k: v.shape for k, v in p.items()} == {"W1": (4, 5), "b1": (4, 1), "W2": (3, 4),
                                                  "b2": (3, 1)}
    for name, documented in (("W1", W1), ("W2", W2)):
        printed = [[f"{v:.8f}" for v in row] for row in p[name]]
        assert printed == [[f"{v:.8f}" for v in row] for row in documented]
        np.testing.assert_allclose(p[name], documented, rtol=0, atol=5e-9)
    assert not p["b1"].any() and not p["b2"].any()


def test_seed002_test_case():
    X, Y = pr.seed002_test_case()
    assert X.shape == (2, 3) and Y.shape == (1, 3) and Y.dtype == bool
    np.random.seed(1)
    np.testing.assert_array_equal(X, np.random.randn(2, 3))


def test_seed002_initial_parameters_are_the_articles_uniform_draws():
    np.random.seed(7)  # any earlier state: the function seeds first
    X, Y, p = pr.seed002_initial_parameters()
    np.random.seed(1)
    X_doc, Y_doc = np.random.randn(2, 3), np.random.randn(1, 3) > 0
    w1, w2 = np.random.rand(4, 2) * 0.01, np.random.rand(1, 4) * 0.01
    np.testing.assert_array_equal(X, X_doc)
    assert Y.dtype == float
    np.testing.assert_array_equal(Y, Y_doc.astype(float))
    assert {k: v.shape for k, v in p.items()} == {"w1": (4, 2), "b1": (4, 1), "w2": (1, 4),
                                                  "b2": (1, 1)}
    np.testing.assert_array_equal(p["w1"], w1)
    np.testing.assert_array_equal(p["w2"], w2)
    assert not p["b1"].any() and not p["b2"].any()
    assert (p["w1"] > 0).all() and (p["w1"] < 0.01).all()  # uniform on [0, 0.01): all positive


def test_seed002_trace_starts_from_the_initial_parameters(monkeypatch):
    X, Y, p = pr.seed002_initial_parameters()
    started = []
    monkeypatch.setattr(pr, "seed002_initial_parameters",
                        lambda: started.append(True) or (X, Y, {k: v * 0 for k, v in p.items()}))
    costs = pr.seed002_trace(published=False)
    assert started == [True]
    assert f"{costs[0]:f}" != "0.693230"  # zero weights give log(2) exactly: 0.693147


@pytest.fixture(scope="module")
def published_costs():
    return pr.seed002_trace(published=True)


def test_seed002_published_trace_to_every_printed_digit(published_costs):
    costs = published_costs
    assert len(costs) == 10
    assert _formatted(costs) == PUBLISHED_TRACE
    np.testing.assert_allclose(costs, [float(t) for t in PUBLISHED_TRACE.split()], rtol=0,
                               atol=5e-7)


def test_seed002_corrected_trace_to_every_printed_digit():
    costs = pr.seed002_trace(published=False)
    assert _formatted(costs) == CORRECTED_TRACE
    np.testing.assert_allclose(costs, [float(t) for t in CORRECTED_TRACE.split()], rtol=0,
                               atol=5e-7)


def test_seed002_trace_is_deterministic_whatever_the_global_state(published_costs):
    np.random.seed(42)
    np.random.rand(5)
    assert pr.seed002_trace() == published_costs


def test_seed002_published_quirk_is_exactly_gradients_scaled_by_3_over_400():
    """The published run equals a correct run with learning rate 0.5 * 3 / 400."""
    from course_lib import two_layer_net as tln

    X, Y, p = pr.seed002_initial_parameters()
    costs = []
    for i in range(3001):
        A2, cache = tln.forward_propagation(X, p)
        if i % 1000 == 0:
            costs.append(tln.compute_cost(A2, Y))
        p = tln.gradient_descent(p, tln.back_propagation(p, cache, X, Y), 0.5 * 3 / 400)
    assert _formatted(costs) == PUBLISHED_TRACE[: len(_formatted(costs))]


@pytest.mark.parametrize("init", ["zeros", "ones"])
@pytest.mark.parametrize("published", [True, False])
def test_seed001_and_gate_delegates_to_fc_layers(init, published, monkeypatch):
    fc_layers = pytest.importorskip("course_lib.fc_layers")
    calls = []

    def fake(init, published=True):
        calls.append((init, published))
        return {"y": "sentinel"}

    monkeypatch.setattr(fc_layers, "and_gate_experiment", fake)
    assert pr.seed001_and_gate(init, published=published) == {"y": "sentinel"}
    assert calls == [(init, published)]


def test_seed001_and_gate_defaults_to_the_published_run(monkeypatch):
    fc_layers = pytest.importorskip("course_lib.fc_layers")
    monkeypatch.setattr(fc_layers, "and_gate_experiment", lambda init, published: published)
    assert pr.seed001_and_gate("ones") is True


def test_seed001_and_gate_published_zeros_run_matches_the_documented_output():
    pytest.importorskip("course_lib.fc_layers")
    result = pr.seed001_and_gate("zeros", published=True)
    with np.printoptions(precision=8):
        assert str(np.ravel(result["y"])) == (
            "[3.22480024e-04 2.22335711e-02 2.22335711e-02 9.57711099e-01]")
    np.testing.assert_allclose(result["w1"], -2.49072772, rtol=0, atol=5e-9)


def test_seed001_and_gate_corrected_ones_run_matches_the_documented_output():
    pytest.importorskip("course_lib.fc_layers")
    result = pr.seed001_and_gate("ones", published=False)
    with np.printoptions(precision=8):
        assert str(np.ravel(result["y"])) == "[0.00185546 0.03256607 0.03256607 0.96286654]"
    np.testing.assert_allclose(result["w1"], 2.10198096, rtol=0, atol=5e-9)
    np.testing.assert_allclose(result["w2"], 3.44993323, rtol=0, atol=5e-9)
