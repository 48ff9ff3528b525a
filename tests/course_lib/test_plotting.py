"""Tests for course_lib.plotting: the data drawn, not the pixels."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib.plotting import plot_costs, plot_decision_boundary, plot_image_grid

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
    ]
    for i, fig in enumerate(figs):
        # Jupyter shows a returned figure through _repr_png_, no pyplot needed
        assert fig._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")
        fig.savefig(tmp_path / f"{i}.png")
        plt.close(fig)
        assert (tmp_path / f"{i}.png").stat().st_size > 1000
    assert plt.get_fignums() == []
