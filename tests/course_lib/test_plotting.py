"""Tests for course_lib.plotting: the data drawn, not the pixels."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from course_lib.plotting import (
    plot_costs,
    plot_decision_boundary,
    plot_forward_backward,
    plot_image_grid,
    plot_network,
    plot_weight_histories,
)

COSTS = [0.69, 0.5, 0.3, 0.2]


@pytest.fixture(autouse=True)
def no_open_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a plotting function left a pyplot figure open"


def lines_of(fig):
    (ax,) = fig.axes
    return ax, ax.get_lines()


def test_one_run_uses_true_iteration_numbers():
    fig = plot_costs(COSTS, every=100)
    assert isinstance(fig, Figure)
    ax, lines = lines_of(fig)
    assert len(lines) == 1
    np.testing.assert_array_equal(lines[0].get_xdata(), [0, 100, 200, 300])
    np.testing.assert_array_equal(lines[0].get_ydata(), COSTS)
    assert ax.get_xlabel() == "iteration" and ax.get_yscale() == "linear"
    assert ax.get_legend() is None


def test_every_changes_x_and_log_scale_and_title():
    fig = plot_costs(np.array(COSTS), every=1000, log=True, title="lr = 0.5")
    ax, lines = lines_of(fig)
    np.testing.assert_array_equal(lines[0].get_xdata(), [0, 1000, 2000, 3000])
    assert ax.get_yscale() == "log" and ax.get_title() == "lr = 0.5"


def test_costs_as_zero_d_arrays_and_column_entries():
    for run in ([np.array(c) for c in COSTS], [[c] for c in COSTS]):
        _, lines = lines_of(plot_costs(run))
        assert len(lines) == 1
        np.testing.assert_array_equal(lines[0].get_ydata(), COSTS)


def test_several_runs_as_list_with_labels():
    fig = plot_costs([COSTS, COSTS[:2]], every=10, labels=["a", "b"])
    ax, lines = lines_of(fig)
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 10])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_several_runs_as_dict_and_2d_array():
    ax, lines = lines_of(plot_costs({"he": COSTS, "zeros": [0.69] * 4, "random": COSTS}))
    assert len(lines) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["he", "zeros", "random"]
    _, lines = lines_of(plot_costs(np.array([COSTS, COSTS])))
    assert len(lines) == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"costs": [], "every": 100}, "non-empty"),
        ({"costs": COSTS, "every": 0}, "every"),
        ({"costs": [COSTS, COSTS], "labels": ["a"]}, "1 labels for 2 runs"),
        ({"costs": {"a": COSTS}, "labels": ["a"]}, "not both"),
    ],
)
def test_plot_costs_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_costs(**kwargs)


def test_decision_boundary_draws_regions_and_points():
    X = np.array([[-1.0, -1.0, 1.0, 1.0], [-1.0, 1.0, -1.0, 1.0]])
    Y = np.array([[0, 0, 1, 1]])
    calls = []

    def predict(P):
        calls.append(P.shape)
        return (P[0:1] > 0).astype(float)

    fig = plot_decision_boundary(predict, X, Y, title="x1 > 0")
    (ax,) = fig.axes
    assert calls[0][0] == 2 and ax.get_title() == "x1 > 0"
    (points,) = ax.collections[-1:]
    np.testing.assert_array_equal(points.get_offsets(), X.T)
    np.testing.assert_array_equal(points.get_array(), [0, 0, 1, 1])
    # the plotting range covers the data with a margin
    assert ax.get_xlim()[0] < -1 and ax.get_xlim()[1] > 1


def test_decision_boundary_into_given_axes_and_1d_predictions():
    fig = Figure()
    ax = fig.add_subplot()
    X = np.random.default_rng(0).standard_normal((2, 10))
    Y = (X[1:2] > 0).astype(float)
    out = plot_decision_boundary(lambda P: P[1] > 0, X, Y, ax=ax)
    assert out is fig and len(fig.axes) == 1


def test_decision_boundary_errors():
    X = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(2, m\)"):
        plot_decision_boundary(lambda P: P[0], X, np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 4\)"):
        plot_decision_boundary(lambda P: P[0], np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="predict_fn returned"):
        plot_decision_boundary(lambda P: P[:, :3], np.eye(2), np.zeros((1, 2)))


def test_image_grid_titles_and_highlighted_mistakes():
    images = np.random.default_rng(0).random((10, 8, 8))
    true = np.array([0, 1] * 5)
    pred = true.copy()
    pred[[2, 7]] = 1 - pred[[2, 7]]
    fig = plot_image_grid(images, true, pred, ncols=4, class_names=["even", "odd"])
    axes = fig.axes
    assert len(axes) == 12  # 3 rows of 4; the last two empty
    assert axes[0].get_title() == "true even\npred even"
    red = [i for i, ax in enumerate(axes[:10]) if ax.title.get_color() == "red"]
    assert red == [2, 7]
    assert axes[2].spines["left"].get_edgecolor()[:3] == (1.0, 0.0, 0.0)
    assert not axes[11].axison


def test_image_grid_from_columns_without_pred():
    X = np.random.default_rng(1).random((64, 3))
    fig = plot_image_grid(X, np.array([[1.0, 0.0, 1.0]]))
    assert len(fig.axes) == 3 and fig.axes[0].get_title() == "true 1"
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), X[:, 1].reshape(8, 8))


def test_image_grid_errors():
    with pytest.raises(ValueError, match="true"):
        plot_image_grid(np.zeros((3, 8, 8)), [0, 1])
    with pytest.raises(ValueError, match="square"):
        plot_image_grid(np.zeros((60, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="ncols"):
        plot_image_grid(np.zeros((3, 8, 8)), [0, 1, 0], ncols=0)


def test_figures_close_cleanly(tmp_path):
    figs = [
        plot_costs(COSTS),
        plot_decision_boundary(lambda P: P[0] > 0, np.eye(2), np.array([[1, 0]])),
        plot_image_grid(np.zeros((2, 8, 8)), [0, 1]),
        plot_network(),
        plot_forward_backward(),
        plot_weight_histories({"run": np.zeros((3, 2, 4))}),
    ]
    for i, fig in enumerate(figs):
        # Jupyter shows a returned figure through _repr_png_, no pyplot needed
        assert fig._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
        fig.savefig(tmp_path / f"{i}.png")
        plt.close(fig)
        assert (tmp_path / f"{i}.png").stat().st_size > 1000
    assert plt.get_fignums() == []


def texts_of(ax):
    return [t.get_text() for t in ax.texts]


def test_network_draws_one_line_per_weight_and_one_scatter_per_layer():
    fig = plot_network((2, 4, 1))
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 2 * 4 + 4 * 1
    assert len(ax.collections) == 3
    hidden = ax.collections[1].get_offsets()
    np.testing.assert_array_equal(hidden[:, 1], [-1.5, -0.5, 0.5, 1.5])   # centred on 0
    assert len(set(hidden[:, 0])) == 1 and not ax.axison
    texts = texts_of(ax)
    assert "input $x$\n$n_x = 2$ features" in texts
    assert "hidden layer\n$A^{[1]} = \\tanh(Z^{[1]})$\n$n_h = 4$ units" in texts
    assert "output\n$A^{[2]} = \\sigma(Z^{[2]})$\n$n_y = 1$ unit" in texts
    assert "$W^{[1]}, b^{[1]}$" in texts and "$W^{[2]}, b^{[2]}$" in texts


def test_network_with_two_hidden_layers_numbers_them():
    fig = plot_network([3, 5, 4, 1], hidden="\\mathrm{relu}")
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 3 * 5 + 5 * 4 + 4 * 1 and len(ax.collections) == 4
    texts = texts_of(ax)
    assert "hidden layer 2\n$A^{[2]} = \\mathrm{relu}(Z^{[2]})$\n$n^{[2]} = 4$ units" in texts
    assert sum(t.startswith("$W^{[") for t in texts) == 3


@pytest.mark.parametrize("sizes, match", [((3,), "at least two layers"),
                                          ((2, 0, 1), "1 to 10 units"),
                                          ((2, 11, 1), "1 to 10 units"),
                                          ((2, 2.5, 1), "1 to 10 units")])
def test_network_errors(sizes, match):
    with pytest.raises(ValueError, match=match):
        plot_network(sizes)


def test_forward_backward_draws_two_boxes_per_layer_and_every_gradient():
    for L in (1, 3, 4):
        (ax,) = plot_forward_backward(n_layers=L).axes
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        assert len(boxes) == 2 * L
        texts = texts_of(ax)
        assert [t for t in texts if t.startswith("$dA^")] == [
            f"$dA^{{[{l}]}}$" for l in range(L, -1, -1)]
        assert f"$A^{{[{L}]}} = \\hat{{Y}}$" in texts and "$X = A^{[0]}$" in texts
        layer_boxes = [t for t in texts if t.startswith("layer ")]
        assert layer_boxes == [f"layer {l}\nLINEAR → {'SIGMOID' if l == L else 'RELU'}"
                               for l in range(1, L + 1)]
        assert sum(t.startswith("cache ") for t in texts) == L


@pytest.mark.parametrize("n_layers", [0, 7, True, 2.0])
def test_forward_backward_errors(n_layers):
    with pytest.raises(ValueError, match="n_layers"):
        plot_forward_backward(n_layers)


def test_weight_histories_one_panel_per_run_one_line_per_weight():
    rng = np.random.default_rng(0)
    runs = {"symmetric": np.ones((5, 2, 4)), "random": rng.normal(size=(5, 2, 4))}
    fig = plot_weight_histories(runs, every=10)
    assert len(fig.axes) == 2
    for ax, (title, history) in zip(fig.axes, runs.items(), strict=True):
        assert ax.get_title() == title
        lines = ax.get_lines()
        assert len(lines) == 8
        np.testing.assert_array_equal(lines[0].get_xdata(), [0, 10, 20, 30, 40])
        # unit 3, from x_2: the sixth line (units outer, inputs inner)
        np.testing.assert_array_equal(lines[5].get_ydata(), history[:, 1, 2])
        assert lines[5].get_linestyle() == "--" and lines[5].get_color() == "C2"
    assert fig.axes[0].get_legend() is None
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert legend == ["unit 1", "unit 2", "unit 3", "unit 4"]
    assert "solid: from $x_1$, dashed: from $x_2$" in fig.axes[0].get_ylabel()


@pytest.mark.parametrize("histories, every, match", [
    ({}, 100, "non-empty"),
    ([np.zeros((3, 2, 4))], 100, "non-empty dict"),
    ({"a": np.zeros((3, 2, 4)), "b": np.zeros((3, 2, 3))}, 100, r"\(3, 2, 3\).*\(3, 2, 4\)"),
    ({"a": np.zeros((3, 8))}, 100, r"\(3, 8\).*\(k, n_in, n_units\)"),
    ({"a": np.zeros((3, 5, 4))}, 100, "n_in <= 4"),
    ({"a": np.zeros((3, 2, 4))}, 0, "every"),
])
def test_weight_histories_errors(histories, every, match):
    with pytest.raises(ValueError, match=match):
        plot_weight_histories(histories, every=every)
