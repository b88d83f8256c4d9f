"""draw_network draws one circle per neuron, one line per connection and one caption per layer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

from autograder.lesson.network_drawing import default_labels, draw_network  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def circles(ax):
    return [patch for patch in ax.patches if isinstance(patch, Circle)]


@pytest.mark.parametrize("sizes, n_lines", [([3, 4, 1], 16), ([2, 1], 2), ([3, 4, 4, 1], 32), ([1, 5, 3], 20)])
def test_one_circle_per_neuron_and_one_line_per_connection(sizes, n_lines):
    """Are there as many circles as neurons, and as many lines as weights in Dense layers?"""
    ax = draw_network(sizes)
    assert len(circles(ax)) == sum(sizes)
    assert len(ax.lines) == n_lines


def test_each_layer_is_captioned_by_its_role():
    """Does each layer get a caption: input, then hidden, then output, with its size?"""
    ax = draw_network([3, 4, 4, 1])
    assert [t.get_text() for t in ax.texts] == [
        "input\n3 features", "hidden\n4 units", "hidden\n4 units", "output\n1 unit",
    ]
    assert default_labels([1, 2]) == ["input\n1 feature", "output\n2 units"]


def test_labels_given_are_used_on_the_axes_given():
    """Does it draw on the Axes it is given, with the captions it is given?"""
    _, ax = plt.subplots()
    assert draw_network([2, 2], labels=["features", "label"], ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["features", "label"]


def test_layers_are_columns_from_left_to_right():
    """Is each layer a column, the input on the left and the output on the right, every neuron inside the view?"""
    ax = draw_network([3, 2])
    xs = sorted({round(c.center[0], 6) for c in circles(ax)})
    assert len(xs) == 2 and xs[0] < xs[1]
    left = [c for c in circles(ax) if round(c.center[0], 6) == xs[0]]
    assert len(left) == 3
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    for c in circles(ax):
        assert x_low < c.center[0] < x_high and y_low < c.center[1] < y_high


@pytest.mark.parametrize(
    "sizes, labels, fragment",
    [([3], None, "at least an input and an output"), ([3, 0, 1], None, "1 or more"),
     ([2, 1.5], None, "whole number"), ([2, 1], ["only one"], "one label per layer")],
)
def test_impossible_networks_are_refused(sizes, labels, fragment):
    """Is a network without an output, an empty layer or a missing caption refused with a clear message?"""
    with pytest.raises(ValueError, match=fragment):
        draw_network(sizes, labels=labels)
