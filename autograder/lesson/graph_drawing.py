"""Draw a Keras model's graph with matplotlib: inputs on top, each layer one row below everything it reads.

Keras's own `keras.utils.plot_model` needs graphviz and pydot, which a beginner's laptop rarely has. This drawing
needs only matplotlib and `autograder.model.introspection`: boxes for the inputs and layers, arrows for the tensors that flow
between them, shared layers in orange and output layers with a thick border. An arrow that skips rows (a skip
connection) bends around the boxes in between (`autograder.lesson.layered_graph`), and the figure grows with the graph.

`geometry(model)` is the drawing as plain data, in inches: `draw_model` draws exactly that, so a test can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograder.model.description import LayerInfo, ModelDescription
from autograder.model.introspection import describe

from .layered_graph import Layout, Point, lay_out

INPUT_COLOR = "#d6eaf8"
LAYER_COLOR = "#eaeded"
SHARED_COLOR = "#f8c471"
MODEL_COLOR = "#d5f5e3"
EDGE_COLOR = "dimgray"
COLORS = {"input": INPUT_COLOR, "layer": LAYER_COLOR, "shared": SHARED_COLOR, "model": MODEL_COLOR}

FONT_SIZE = 8.0
"""Points, at full size: the labels of a drawing on its own figure."""
PAD = (0.09, 0.06)
"""Inches between a label and its box's border: left and right, top and bottom."""
MIN_BOX_WIDTH = 0.8
MARGIN = 0.15
"""Inches of white around the drawing."""
TITLE_SPACE = 0.45
"""Inches above the drawing for its title."""
ARROW_SIZE = 12.0
"""Points: the arrowheads' `mutation_scale` at full size."""


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


@dataclass(frozen=True)
class Box:
    """One box of the drawing, in inches (y grows upwards): an input or a layer, with its label."""

    name: str
    """The input's or layer's name, as the graph's edges name it."""
    label: str
    """The text written in the middle of the box."""
    kind: str
    """`input`, `layer`, `shared` or `model`, as for `Node`; it picks the colour."""
    output: str | None
    """The output name when this box produces one of the model's outputs (drawn with a thick border), else None."""
    left: float
    bottom: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def top(self) -> float:
        return self.bottom + self.height

    @property
    def centre(self) -> Point:
        return (self.left + self.width / 2, self.bottom + self.height / 2)


@dataclass(frozen=True)
class Arrow:
    """One edge of the graph as drawn: a polyline from the source box's border to the target box's border."""

    source: str
    target: str
    points: tuple[Point, ...]
    """The polyline in inches; the arrowhead is at the last point."""


@dataclass(frozen=True)
class Geometry:
    """A whole drawing as plain data, at full size: it spans x from 0 to `width` and y from `-height` to 0."""

    boxes: tuple[Box, ...]
    """One box per input and layer, inputs first."""
    arrows: tuple[Arrow, ...]
    """One arrow per edge of `describe(model).edges`, in that order (an edge naming an unknown node is left out)."""
    width: float
    height: float
    font_size: float
    """The labels' size in points."""


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


def _entries(desc: ModelDescription) -> list[tuple[str, str, str, str | None]]:
    """(name, label, kind, output name) for each input and layer, inputs first."""
    outputs = {o.layer: o.name for o in desc.outputs}
    entries = []
    for tensor in desc.inputs:
        entries.append((tensor.layer or tensor.name, f"Input {tensor.name!r}\n{_fmt_shape(tensor.shape)}", "input"))
    for layer in desc.layers:
        kind = "shared" if layer.calls > 1 else "model" if layer.is_model else "layer"
        entries.append((layer.name, _layer_label(layer), kind))
    found = []
    for name, label, kind in entries:
        output = outputs.get(name)
        if output is not None and output != name:
            label += f"\noutput {output!r}"
        found.append((name, label, kind, output))
    return found


def _label_sizes(labels: list[str], font_size: float) -> list[tuple[float, float]]:
    """The (width, height) in inches each label takes, measured by matplotlib's own text layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(dpi=72)  # at 72 dots per inch, one dot is one point
    renderer = FigureCanvasAgg(figure).get_renderer()
    sizes = []
    for label in labels:
        extent = figure.text(0, 0, label, fontsize=font_size, ha="center", va="center").get_window_extent(renderer)
        sizes.append((extent.width / 72, extent.height / 72))
    return sizes


def _arrange(desc: ModelDescription, font_size: float) -> tuple[list, list[tuple[str, str]], Layout]:
    """The entries, the edges without repeats, and their layout with boxes that fit labels of `font_size`."""
    entries = _entries(desc)
    sizes = _label_sizes([label for _, label, _, _ in entries], font_size)
    boxes = {
        name: (max(MIN_BOX_WIDTH, w + 2 * PAD[0]), h + 2 * PAD[1]) for (name, *_), (w, h) in zip(entries, sizes, strict=False)
    }
    edges = list(dict.fromkeys(desc.edges))
    return entries, edges, lay_out([name for name, *_ in entries], edges, boxes)


def layout(desc: ModelDescription) -> list[Node]:
    """Place the inputs and layers of a described model in rows, by depth.

    Args:
        desc: what `describe(model)` returns.

    Returns:
        One `Node` per input and per layer, in the order of the model (inputs first).
    """
    entries, _, placed = _arrange(desc, FONT_SIZE)
    return [
        Node(name, label, placed.depth[name], placed.column[name], kind, output)
        for name, label, kind, output in entries
    ]


def geometry(model: Any, font_size: float = FONT_SIZE) -> Geometry:
    """The drawing of a model's graph as plain data: boxes, the arrows between them, and the drawing's size.

    Args:
        model: a `keras.Sequential` or Functional `keras.Model`.
        font_size: the labels' size in points; the boxes grow to hold them.

    Returns:
        A `Geometry` in inches. No arrow crosses a box: arrows that skip rows go around the boxes in between.
    """
    entries, edges, placed = _arrange(describe(model), font_size)
    boxes = []
    for name, label, kind, output in entries:
        (x, y), (w, h) = placed.centre[name], placed.size[name]
        boxes.append(Box(name, label, kind, output, x - w / 2, y - h / 2, w, h))
    routes = [(edge, route) for edge, route in zip(edges, placed.routes, strict=False) if route is not None]
    xs = [b.left for b in boxes] + [b.right for b in boxes] + [p[0] for _, r in routes for p in r]
    ys = [b.bottom for b in boxes] + [b.top for b in boxes] + [p[1] for _, r in routes for p in r]
    dx, dy = MARGIN - min(xs, default=0.0), -MARGIN - max(ys, default=0.0)
    return Geometry(
        boxes=tuple(Box(b.name, b.label, b.kind, b.output, b.left + dx, b.bottom + dy, b.width, b.height)
                    for b in boxes),
        arrows=tuple(Arrow(s, t, tuple((x + dx, y + dy) for x, y in route)) for (s, t), route in routes),
        width=max(xs, default=0.0) - min(xs, default=0.0) + 2 * MARGIN,
        height=max(ys, default=0.0) - min(ys, default=0.0) + 2 * MARGIN,
        font_size=font_size,
    )


def _fit(ax: Any, drawing: Geometry) -> float:
    """Centre the drawing on the Axes at one scale for x and y; return the scale (1 is full size, never more)."""
    width, height = ax.figure.get_size_inches()
    position = ax.get_position()
    room = (position.width * width, position.height * height)
    scale = min(1.0, room[0] / drawing.width, room[1] / drawing.height)
    half = (room[0] / scale / 2, room[1] / scale / 2)
    ax.set_xlim(drawing.width / 2 - half[0], drawing.width / 2 + half[0])
    ax.set_ylim(-drawing.height / 2 - half[1], -drawing.height / 2 + half[1])
    return scale


def draw_model(model: Any, ax: Any = None, title: str | None = None) -> Any:
    """Draw a model's graph: one box per input and layer, one arrow per connection.

    Shared layers (one layer object called on several tensors) are orange and say how often they are used; models
    used as layers are green; the layers that produce the model's outputs have a thick border. An arrow that skips
    rows bends around the boxes in between. A new figure is sized to the graph; on given Axes too small for it,
    the drawing and its labels shrink together.

    Args:
        model: a `keras.Sequential` or Functional `keras.Model`.
        ax: the matplotlib Axes to draw on; None makes a new figure sized to the graph.
        title: a title for the drawing; None uses the model's name.

    Returns:
        The Axes drawn on. It holds one `FancyBboxPatch` per box (gid `box/<name>`), one text per label (gid
        `label/<name>`) and one `FancyArrowPatch` per edge (gid `edge/<source>/<target>`), drawn above the boxes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path

    drawing = geometry(model)
    if ax is None:
        width, height = max(3.0, drawing.width), drawing.height + TITLE_SPACE
        ax = plt.figure(figsize=(width, height)).add_axes((0.0, 0.0, 1.0, drawing.height / height))
    scale = _fit(ax, drawing)
    for box in drawing.boxes:
        ax.add_patch(FancyBboxPatch(
            (box.left, box.bottom), box.width, box.height, boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=COLORS[box.kind], edgecolor="black", linewidth=2.0 if box.output else 0.8, zorder=2,
            gid=f"box/{box.name}",
        ))
        ax.text(*box.centre, box.label, ha="center", va="center", fontsize=drawing.font_size * scale, zorder=3,
                gid=f"label/{box.name}")
    for arrow in drawing.arrows:
        ax.add_patch(FancyArrowPatch(
            path=Path(arrow.points), arrowstyle="-|>", mutation_scale=ARROW_SIZE * scale, color=EDGE_COLOR,
            linewidth=1.0, zorder=4, gid=f"edge/{arrow.source}/{arrow.target}",
        ))
    ax.set_title(model.name if title is None else title)
    ax.axis("off")
    return ax
