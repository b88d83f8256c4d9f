"""Draw a Keras model's graph with matplotlib: inputs on top, each layer one row below everything it reads.

Keras's own `keras.utils.plot_model` needs graphviz and pydot, which a beginner's laptop rarely has. This drawing
needs only matplotlib and `autograder.describe`: boxes for the inputs and layers, arrows for the tensors that flow
between them, shared layers in orange and output layers with a thick border.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .describe import describe
from .description import LayerInfo, ModelDescription

INPUT_COLOR = "#d6eaf8"
LAYER_COLOR = "#eaeded"
SHARED_COLOR = "#f8c471"
MODEL_COLOR = "#d5f5e3"


@dataclass(frozen=True)
class Node:
    """One box of the drawing: an input or a layer."""

    name: str
    """The input's or layer's name in the model, as the graph's edges name it."""
    label: str
    """The text written in the box."""
    depth: int
    """The row: 0 for inputs, else one more than the deepest node it reads from."""
    column: int
    """The position within its row, from left to right."""
    kind: str
    """`input`, `layer`, `shared` (called more than once) or `model` (a model used as a layer)."""
    output: str | None = None
    """The output name when this node produces one of the model's outputs, else None."""


def _fmt_shape(shape: tuple | None) -> str:
    if shape is None:
        return ""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _layer_label(layer: LayerInfo) -> str:
    if layer.class_name == "Dense":
        what = f"Dense({layer.units}, {layer.activation})"
    elif layer.class_name == "Activation":
        what = f"Activation({layer.activation})"
    else:
        what = layer.class_name
    lines = [layer.name, what]
    if layer.calls > 1:
        lines.append(f"shared: used {layer.calls} times")
    elif layer.output_shape is not None:
        lines.append(_fmt_shape(layer.output_shape))
    return "\n".join(lines)


def _depths(names: list[str], edges: tuple[tuple[str, str], ...]) -> dict[str, int]:
    """Longest distance from a node without inputs, for every node; edges that name unknown nodes are ignored."""
    sources: dict[str, list[str]] = {name: [] for name in names}
    for source, target in edges:
        if source in sources and target in sources and source != target:  # a layer fed by itself stays on its row
            sources[target].append(source)
    depth: dict[str, int] = {}

    def visit(name: str, seen: frozenset) -> int:
        if name not in depth:
            parents = [p for p in sources[name] if p not in seen]
            depth[name] = 1 + max((visit(p, seen | {name}) for p in parents), default=-1)
        return depth[name]

    for name in names:
        visit(name, frozenset())
    return depth


def layout(desc: ModelDescription) -> list[Node]:
    """Place the inputs and layers of a described model in rows, by depth.

    Args:
        desc: what `autograder.describe(model)` returns.

    Returns:
        One `Node` per input and per layer, in the order of the model (inputs first).
    """
    outputs = {o.layer: o.name for o in desc.outputs}
    entries: list[tuple[str, str, str]] = []  # (name, label, kind)
    for tensor in desc.inputs:
        entries.append((tensor.layer or tensor.name, f"Input {tensor.name!r}\n{_fmt_shape(tensor.shape)}", "input"))
    for layer in desc.layers:
        kind = "shared" if layer.calls > 1 else "model" if layer.is_model else "layer"
        entries.append((layer.name, _layer_label(layer), kind))
    depth = _depths([name for name, _, _ in entries], desc.edges)
    columns: dict[int, int] = {}
    nodes = []
    for name, label, kind in entries:
        row = depth[name]
        columns[row] = columns.get(row, -1) + 1
        output = outputs.get(name)
        if output is not None and output != name:
            label += f"\noutput {output!r}"
        nodes.append(Node(name, label, row, columns[row], kind, output))
    return nodes


def _positions(nodes: list[Node]) -> dict[str, tuple[float, float]]:
    """Centre each row: x from the column, y going down with depth."""
    width: dict[int, int] = {}
    for node in nodes:
        width[node.depth] = max(width.get(node.depth, 0), node.column + 1)
    return {n.name: (n.column - (width[n.depth] - 1) / 2, -n.depth) for n in nodes}


def draw_model(model: Any, ax: Any = None, title: str | None = None) -> Any:
    """Draw a model's graph: one box per input and layer, one arrow per connection.

    Shared layers (one layer object called on several tensors) are orange and say how often they are used; models
    used as layers are green; the layers that produce the model's outputs have a thick border.

    Args:
        model: a `keras.Sequential` or Functional `keras.Model`.
        ax: the matplotlib Axes to draw on; None makes a new figure sized to the graph.
        title: a title for the drawing; None uses the model's name.

    Returns:
        The Axes drawn on. Its texts are the boxes' labels; its patches include one arrow per edge.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    desc = describe(model)
    nodes = layout(desc)
    where = _positions(nodes)
    if ax is None:
        rows = max((n.depth for n in nodes), default=0) + 1
        cols = max((n.column for n in nodes), default=0) + 1
        _, ax = plt.subplots(figsize=(max(4.0, 2.6 * cols), 1.25 * rows + 0.6))
    colors = {"input": INPUT_COLOR, "layer": LAYER_COLOR, "shared": SHARED_COLOR, "model": MODEL_COLOR}
    for node in nodes:
        x, y = where[node.name]
        ax.text(
            x, y, node.label, ha="center", va="center", fontsize=8, zorder=3,
            bbox={"boxstyle": "round,pad=0.4", "facecolor": colors[node.kind], "edgecolor": "black",
                  "linewidth": 2.0 if node.output else 0.8},
        )
    for source, target in dict.fromkeys(desc.edges):
        if source in where and target in where and source != target:
            ax.add_patch(FancyArrowPatch(
                where[source], where[target], arrowstyle="-|>", mutation_scale=12, color="dimgray",
                shrinkA=22, shrinkB=22, zorder=2,
            ))
    xs = [x for x, _ in where.values()] or [0.0]
    ys = [y for _, y in where.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_title(model.name if title is None else title)
    ax.axis("off")
    return ax
