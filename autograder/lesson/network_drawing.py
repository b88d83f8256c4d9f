"""Draw a small fully connected network with matplotlib: neurons as circles, connections as lines.

This is the textbook picture of a network (input layer on the left, hidden layers in the middle, output layer
on the right), drawn with matplotlib alone so that no graphviz is needed. Every line is one weight: a `Dense`
layer connects each of its inputs to each of its units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.patches import Circle

INPUT_COLOR = "#d6eaf8"
HIDDEN_COLOR = "#eaeded"
OUTPUT_COLOR = "#fad7a0"
LINE_COLOR = "#7f8c8d"


def default_labels(layer_sizes: Sequence[int]) -> list[str]:
    """Name each layer by its role: the first is the input, the last the output, the others hidden.

    Args:
        layer_sizes: the number of neurons in each layer, from input to output.

    Returns:
        One label per layer, such as `"input\\n3 features"`, `"hidden\\n4 units"`, `"output\\n1 unit"`.
    """
    labels = []
    for index, size in enumerate(layer_sizes):
        if index == 0:
            labels.append(f"input\n{size} feature{'s' if size != 1 else ''}")
        else:
            role = "output" if index == len(layer_sizes) - 1 else "hidden"
            labels.append(f"{role}\n{size} unit{'s' if size != 1 else ''}")
    return labels


def _check(layer_sizes: Sequence[int], labels: Sequence[str] | None) -> None:
    if len(layer_sizes) < 2:
        raise ValueError(f"A network needs at least an input and an output layer; got {len(layer_sizes)} layer(s).")
    if any(int(size) != size or size < 1 for size in layer_sizes):
        raise ValueError(f"Every layer needs a whole number of neurons, 1 or more; got {list(layer_sizes)}.")
    if labels is not None and len(labels) != len(layer_sizes):
        raise ValueError(f"Give one label per layer: {len(layer_sizes)} layers, {len(labels)} labels.")


def draw_network(layer_sizes: Sequence[int], labels: Sequence[str] | None = None, ax: Any = None) -> Any:
    """Draw a fully connected network, one column of neurons per layer, every neuron linked to the next layer's.

    Args:
        layer_sizes: the number of neurons in each layer, from input to output, e.g. `[3, 4, 4, 1]`.
        labels: a caption under each layer; by default its role and size ("input", "hidden", "output").
        ax: the matplotlib Axes to draw on; by default a new figure's.

    Returns:
        The Axes, holding one `Circle` patch per neuron, one line per connection and one text per label.

    Raises:
        ValueError: for fewer than two layers, a layer without neurons, or a wrong number of labels.
    """
    _check(layer_sizes, labels)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(1.6 * len(layer_sizes) + 1, 0.55 * max(layer_sizes) + 1.2))
    tallest = max(layer_sizes)
    radius = 0.18
    columns = [
        [(2.0 * i, (size - 1) / 2 - j) for j in range(size)] for i, size in enumerate(layer_sizes)
    ]
    for left, right in zip(columns, columns[1:], strict=False):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color=LINE_COLOR, linewidth=0.8, zorder=1)
    for i, column in enumerate(columns):
        color = INPUT_COLOR if i == 0 else OUTPUT_COLOR if i == len(columns) - 1 else HIDDEN_COLOR
        for x, y in column:
            ax.add_patch(Circle((x, y), radius, facecolor=color, edgecolor="black", linewidth=1, zorder=2))
    bottom = -(tallest - 1) / 2 - 0.5
    for i, label in enumerate(labels if labels is not None else default_labels(layer_sizes)):
        ax.text(2.0 * i, bottom, label, ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.8, 2.0 * (len(layer_sizes) - 1) + 0.8)
    ax.set_ylim(bottom - 0.9, (tallest - 1) / 2 + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
