import numpy as np
import pytest

from course_lib import initialization as init
from course_lib.deep_network import L_layer_model, initialize_parameters_deep

DIMS = [5, 4, 3, 1]
SCHEMES = [init.initialize_parameters_zeros, init.initialize_parameters_random,
           init.initialize_parameters_he, init.initialize_parameters_constant]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_shapes_and_zero_biases(scheme):
    p = scheme(DIMS)
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for l in range(1, 4):
        assert p[f"W{l}"].shape == (DIMS[l], DIMS[l - 1])
        assert p[f"b{l}"].shape == (DIMS[l], 1) and not p[f"b{l}"].any()
        assert p[f"W{l}"].dtype == np.float64


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_scheme_seeds_itself_and_is_deterministic(scheme):
    np.random.seed(99)
    a = scheme(DIMS)
    np.random.randn(10)
    b = scheme(DIMS)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_every_scheme_calls_seed_3_first():
    # After any scheme the legacy stream continues where seed(3) + its draws leave it; the
    # zeros scheme draws nothing, so the next number is the first one after seed(3).
    init.initialize_parameters_zeros(DIMS)
    after = np.random.randn()
    np.random.seed(3)
    assert after == np.random.randn()


def test_random_and_he_scale_the_same_normal_draws_as_the_deep_initializer():
    small = initialize_parameters_deep(DIMS)  # randn * 0.01 after seed(3)
    large = init.initialize_parameters_random(DIMS)
    he = init.initialize_parameters_he(DIMS)
    for l in range(1, 4):
        normal = small[f"W{l}"] / 0.01
        np.testing.assert_allclose(large[f"W{l}"], normal * 10, rtol=1e-12)
        np.testing.assert_allclose(he[f"W{l}"], normal * np.sqrt(2 / DIMS[l - 1]), rtol=1e-12)


def test_he_has_the_expected_spread_on_a_wide_layer():
    p = init.initialize_parameters_he([400, 300])
    assert p["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


def test_zeros_and_constant():
    assert not any(v.any() for v in init.initialize_parameters_zeros(DIMS).values())
    p = init.initialize_parameters_constant(DIMS, value=0.25)
    for l in range(1, 4):
        assert np.all(p[f"W{l}"] == 0.25)
    assert np.all(init.initialize_parameters_constant([2, 3])["W1"] == 1.0)


def test_initializers_dict():
    assert init.INITIALIZERS["zeros"] is init.initialize_parameters_zeros
    assert init.INITIALIZERS["random"] is init.initialize_parameters_random
    assert init.INITIALIZERS["he"] is init.initialize_parameters_he
    assert init.INITIALIZERS["constant"] is init.initialize_parameters_constant
    assert init.INITIALIZERS["small"] is initialize_parameters_deep


@pytest.mark.parametrize("scheme", SCHEMES)
def test_bad_dims_are_rejected(scheme):
    with pytest.raises(ValueError, match="positive integers"):
        scheme([3, 0, 1])


def test_schemes_plug_into_L_layer_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 40))
    Y = (X[:1] > 0).astype(float)
    finals = {}
    for name, scheme in init.INITIALIZERS.items():
        _, costs = L_layer_model(X, Y, [5, 4, 3, 1], learning_rate=0.1, num_iterations=101,
                                 initializer=scheme)
        finals[name] = costs
    # zeros: every unit identical and the ReLU units are dead, the cost stays at log 2
    assert finals["zeros"][0] == pytest.approx(np.log(2))
    assert finals["zeros"][-1] == pytest.approx(np.log(2), abs=0.01)
    # random (x10) saturates the output: a much larger initial cost than He's
    assert finals["random"][0] > 2 * finals["he"][0]
