"""Tests of `draw_model`: the boxes, arrows and colours drawn for a model's graph (Agg backend, no pixels compared).

The geometric tests render each drawing and read the artists back in display coordinates (pixels): what a person
sees, not what the layout meant to draw. The drawings are saved to test-artifacts/draw_graph/ for a person to look at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from autograder import describe  # noqa: E402
from autograder.lesson.graph_drawing import FONT_SIZE, SHARED_COLOR, draw_model, geometry, layout  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "draw_graph"
TOUCH = 2.5
"""Pixels: how far a drawn arrow's end may be from the box border it points at (the arrowhead's own stroke)."""


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# The models the lessons draw (source/04_functional, source/05_model_wars), and two from the Keras Functional guide.


def lesson_chain() -> keras.Model:
    """Lessons 04 and 05: lesson 3's student, written the Functional way."""
    inputs = keras.Input(shape=(8,))
    x = layers.Dense(16, activation="relu")(inputs)
    x = layers.Dense(8, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x), name="functional_student")


def sequential_student() -> keras.Model:
    """Lesson 05: the same student as a Sequential model."""
    return keras.Sequential([
        keras.Input(shape=(8,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="sequential_student")


def two_inputs() -> keras.Model:
    """Lesson 04: two inputs joined, one output."""
    profile = keras.Input(shape=(5,), name="profile")
    practice_scores = keras.Input(shape=(3,), name="practice_scores")
    x = layers.Dense(8, activation="relu")(layers.concatenate([profile, practice_scores]))
    return keras.Model([profile, practice_scores], layers.Dense(1, activation="sigmoid", name="passed")(x))


def exam_model() -> keras.Model:
    """Lesson 04: two named inputs joined, one hidden layer, two named outputs."""
    profile = keras.Input(shape=(5,), name="profile")
    practice = keras.Input(shape=(3,), name="practice_scores")
    x = layers.Dense(4, activation="relu", name="hidden")(layers.concatenate([profile, practice], name="joined"))
    passed = layers.Dense(1, activation="sigmoid", name="passed")(x)
    return keras.Model([profile, practice], [passed, layers.Dense(1, name="grade")(x)], name="exam_model")


def siamese() -> keras.Model:
    """Lesson 04: one encoder called on both exams."""
    exam_a, exam_b = keras.Input(shape=(4,), name="exam_a"), keras.Input(shape=(4,), name="exam_b")
    encoder = layers.Dense(2, activation="relu", name="encoder")
    x = layers.concatenate([encoder(exam_a), encoder(exam_b)], name="joined")
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same_student")(x))


def nested() -> keras.Model:
    """Lesson 04: a small Sequential model used as a layer, on both exams."""
    paper_encoder = keras.Sequential(
        [keras.Input(shape=(6,)), layers.Dense(8, activation="relu"), layers.Dense(4, activation="relu")],
        name="paper_encoder",
    )
    exam_a, exam_b = keras.Input(shape=(6,), name="exam_a"), keras.Input(shape=(6,), name="exam_b")
    x = layers.concatenate([paper_encoder(exam_a), paper_encoder(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid")(x), name="nested")


def skip_model() -> keras.Model:
    """Lesson 05: the first Dense layer's output goes through the second one, and around it to `add`."""
    inputs = keras.Input(shape=(8,), name="features")
    x = layers.Dense(16, activation="relu", name="first")(inputs)
    y = layers.Dense(16, activation="relu", name="second")(x)
    y = layers.add([x, y], name="skip")
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid", name="out")(y), name="skip_model")


def ticket_model() -> keras.Model:
    """The Functional guide's ticket model, tiny: title and body each through their own layers, tags straight to
    the join, two outputs."""
    title = keras.Input(shape=(None,), name="title")
    body = keras.Input(shape=(None,), name="body")
    tags = keras.Input(shape=(12,), name="tags")
    title_features = layers.LSTM(4)(layers.Embedding(50, 4)(title))
    body_features = layers.LSTM(2)(layers.Embedding(50, 4)(body))
    x = layers.concatenate([title_features, body_features, tags])
    priority = layers.Dense(1, name="priority")(x)
    department = layers.Dense(4, name="department")(x)
    return keras.Model([title, body, tags], {"priority": priority, "department": department}, name="ticket_model")


def toy_resnet() -> keras.Model:
    """The Functional guide's toy ResNet, on small images with few filters: two `add` skips around two blocks."""
    inputs = keras.Input(shape=(12, 12, 3), name="img")
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    x = layers.Conv2D(4, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(8, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(10)(x), name="toy_resnet")


def wide() -> keras.Model:
    """Six inputs, each through its own layer, then joined: a wide graph."""
    inputs = [keras.Input(shape=(2,), name=f"subject_{i}") for i in range(6)]
    x = layers.concatenate([layers.Dense(2, name=f"encode_{i}")(tensor) for i, tensor in enumerate(inputs)])
    return keras.Model(inputs, layers.Dense(1, name="overall")(x), name="wide")


def reused() -> keras.Model:
    """A layer called on its own output, and a shared layer called before and after another layer (a cycle)."""
    inputs = keras.Input(shape=(4,), name="x")
    again = layers.Dense(4, name="again")
    shared = layers.Dense(4, name="shared")
    y = shared(layers.Dense(4, name="between")(shared(again(again(inputs)))))
    return keras.Model(inputs, y, name="reused")


MODELS = {
    "04_chain": lesson_chain, "04_two_inputs": two_inputs, "04_exam_model": exam_model, "04_siamese": siamese,
    "04_nested": nested, "05_skip_model": skip_model, "guide_ticket_model": ticket_model,
    "guide_toy_resnet": toy_resnet, "wide": wide, "reused": reused,
}
SIDE_BY_SIDE = "05_side_by_side"
"""Lesson 05 draws its Sequential and Functional students on two given Axes of one 8 x 4.5 inch figure."""


# What was drawn, read back in pixels.


@dataclass
class Drawn:
    """One figure's drawing, in display coordinates (pixels), keyed by node name and by edge."""

    boxes: dict[str, np.ndarray]
    """[x0, y0, x1, y1] of each box."""
    border: dict[str, float]
    """Each box's border width in pixels."""
    labels: dict[str, np.ndarray]
    """[x0, y0, x1, y1] of each label's text as rendered."""
    font_sizes: dict[str, float]
    lines: dict[tuple[str, str], np.ndarray]
    """Each arrow's shaft: the polyline, from its start to where the arrowhead begins."""
    heads: dict[tuple[str, str], np.ndarray]
    """Each arrow's head, as a closed polygon."""
    arrow_count: int
    """How many `FancyArrowPatch`es were drawn, named or not."""
    z: dict[str, float]
    """zorder of every artist, by gid."""
    edges: list[tuple[str, str]]
    """`describe(model).edges` of the model(s) drawn."""
    dpi: float
    figure_size: tuple[float, float]


def read_back(fig, models_by_ax) -> Drawn:
    fig.canvas.draw()
    to_px = fig.dpi / 72
    drawn = Drawn({}, {}, {}, {}, {}, {}, 0, {}, [], fig.dpi, tuple(fig.get_size_inches()))
    for ax, model in models_by_ax:
        drawn.edges += list(describe(model).edges)
        for patch in ax.patches:
            if isinstance(patch, FancyArrowPatch):
                drawn.arrow_count += 1
            gid = patch.get_gid() or ""
            drawn.z[gid] = patch.get_zorder()
            if isinstance(patch, FancyBboxPatch) and gid.startswith("box/"):
                drawn.boxes[gid[4:]] = patch.get_window_extent().get_points().ravel()
                drawn.border[gid[4:]] = patch.get_linewidth() * to_px
            elif isinstance(patch, FancyArrowPatch) and gid.startswith("edge/"):
                _, source, target = gid.split("/")
                shaft, head = patch.get_transform().transform_path(patch.get_path()).to_polygons(closed_only=False)
                drawn.lines[(source, target)], drawn.heads[(source, target)] = shaft, head
        for text in ax.texts:
            gid = text.get_gid() or ""
            drawn.z[gid] = text.get_zorder()
            if gid.startswith("label/"):
                drawn.labels[gid[6:]] = text.get_window_extent().get_points().ravel()
                drawn.font_sizes[gid[6:]] = text.get_fontsize()
    return drawn


@pytest.fixture(scope="module")
def drawings() -> dict[str, Drawn]:
    """Every model drawn once on its own figure, and lesson 05's pair on given Axes; PNGs saved for a person."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = {}
    for key, build in MODELS.items():
        model = build()
        ax = draw_model(model)
        ax.figure.savefig(ARTIFACTS / f"{key}.png")
        found[key] = read_back(ax.figure, [(ax, model)])
        plt.close(ax.figure)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4.5))
    pair = [(axes[0], sequential_student()), (axes[1], lesson_chain())]
    for ax, model in pair:
        draw_model(model, ax=ax)
    fig.savefig(ARTIFACTS / f"{SIDE_BY_SIDE}.png")
    found[SIDE_BY_SIDE] = read_back(fig, pair)
    plt.close(fig)
    return found


ALL = [*MODELS, SIDE_BY_SIDE]


def inside(point, box, inset=0.0) -> bool:
    """Whether a point lies in the box shrunk by `inset` on every side."""
    x0, y0, x1, y1 = box
    return x0 + inset < point[0] < x1 - inset and y0 + inset < point[1] < y1 - inset


def gap_to(point, box) -> float:
    """Distance from a point outside a box to the box; 0 on or inside it."""
    x0, y0, x1, y1 = box
    return float(np.hypot(max(x0 - point[0], 0, point[0] - x1), max(y0 - point[1], 0, point[1] - y1)))


def enters(polyline, box, inset) -> bool:
    """Whether a segment of the polyline passes through the box shrunk by `inset` (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset
    for (ax_, ay), (bx, by) in zip(polyline, polyline[1:], strict=False):
        dx, dy = bx - ax_, by - ay
        low, high = 0.0, 1.0
        for p, q in ((-dx, ax_ - x0), (dx, x1 - ax_), (-dy, ay - y0), (dy, y1 - ay)):
            if p == 0:
                if q <= 0:
                    break
            elif p < 0:
                low = max(low, q / p)
            else:
                high = min(high, q / p)
        else:
            if high - low > 1e-9:
                return True
    return False


def tip(drawn: Drawn, edge) -> np.ndarray:
    """The arrowhead's point: the vertex of its head nearest to the target box."""
    head = drawn.heads[edge]
    return min(head, key=lambda point: gap_to(point, drawn.boxes[edge[1]]))


# The geometric tests, on every drawing.


@pytest.mark.parametrize("key", ALL)
def test_every_edge_is_drawn_once_from_its_source_box_to_its_target_box(drawings, key):
    """Is there exactly one arrow per edge of the graph, starting on its source box's border and ending with its
    arrowhead on its target box's border?"""
    drawn = drawings[key]
    assert drawn.edges and sorted(drawn.lines) == sorted(set(drawn.edges)) and drawn.arrow_count == len(drawn.edges)
    for source, target in drawn.edges:
        start, end = drawn.lines[(source, target)][0], tip(drawn, (source, target))
        for point, box in ((start, source), (end, target)):
            assert gap_to(point, drawn.boxes[box]) <= TOUCH, f"{key}: {source} -> {target} misses {box}"
            assert not inside(point, drawn.boxes[box], TOUCH), f"{key}: {source} -> {target} starts or ends in {box}"
        if source != target:  # the head is at the target's end, not the source's
            head = drawn.heads[(source, target)].mean(axis=0)
            assert gap_to(head, drawn.boxes[target]) < gap_to(head, drawn.boxes[source]), f"{key}: {source} -> {target}"


@pytest.mark.parametrize("key", ALL)
def test_no_arrow_passes_through_a_box(drawings, key):
    """Does every arrow, shaft and head, stay out of every box, its own two included (it only touches their
    borders)?"""
    drawn = drawings[key]
    for edge, shaft in drawn.lines.items():
        for name, box in drawn.boxes.items():
            assert not enters(shaft, box, TOUCH), f"{key}: the arrow {edge[0]} -> {edge[1]} crosses the box {name}"
            assert not enters(drawn.heads[edge], box, TOUCH), f"{key}: the head of {edge[0]} -> {edge[1]} is in {name}"


@pytest.mark.parametrize("key", ALL)
def test_boxes_keep_apart_and_labels_fit_inside(drawings, key):
    """Are any two boxes at least a tenth of an inch apart, and does each label fit inside its box's border?"""
    drawn = drawings[key]
    names = sorted(drawn.boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = drawn.boxes[a], drawn.boxes[b]
            apart = max(bx0 - ax1, ax0 - bx1, by0 - ay1, ay0 - by1)
            assert apart >= 0.1 * drawn.dpi, f"{key}: the boxes {a} and {b} are {apart:.1f} px apart"
    assert sorted(drawn.labels) == names
    for name in names:
        label, box, border = drawn.labels[name], drawn.boxes[name], drawn.border[name] / 2
        assert (label[:2] >= box[:2] + border).all() and (label[2:] <= box[2:] - border).all(), f"{key}: {name}"


@pytest.mark.parametrize("key", ALL)
def test_arrows_are_above_the_boxes_and_labels_legible(drawings, key):
    """Is every arrow drawn above every box (so none hides behind one), every label above its box, and is every
    label at least 7 points tall?"""
    drawn = drawings[key]
    top_box = max(drawn.z[f"box/{name}"] for name in drawn.boxes)
    assert all(drawn.z[f"edge/{s}/{t}"] > top_box for s, t in drawn.lines)
    assert all(drawn.z[f"label/{name}"] > drawn.z[f"box/{name}"] for name in drawn.boxes)
    assert min(drawn.font_sizes.values()) >= 7, f"{key}: labels of {min(drawn.font_sizes.values()):.1f} points"


def test_the_skip_connection_goes_around_the_second_layer(drawings):
    """In lesson 05's skip model, do two arrows leave `first`, one into `second` and one around it into `skip`,
    passing beside `second`?"""
    drawn = drawings["05_skip_model"]
    assert sorted(t for s, t in drawn.lines if s == "first") == ["second", "skip"]
    around, second = drawn.lines[("first", "skip")], drawn.boxes["second"]
    beside = [p for p in around if second[1] <= p[1] <= second[3]]
    assert beside and all(p[0] > second[2] for p in beside)


def test_a_deep_or_wide_graph_gets_a_bigger_figure_at_full_size(drawings):
    """Is the toy ResNet's figure taller, and the six-input model's wider, than the two-input model's, with
    labels at full size?"""
    small, deep, broad = (drawings[key] for key in ("04_two_inputs", "guide_toy_resnet", "wide"))
    assert deep.figure_size[1] > 2 * small.figure_size[1]
    assert broad.figure_size[0] > 2 * small.figure_size[0]
    assert set(deep.font_sizes.values()) == set(broad.font_sizes.values()) == {FONT_SIZE}


def test_the_drawing_is_the_geometry():
    """Are the drawn boxes and arrows exactly those `geometry(model)` describes, in the Axes' data coordinates?"""
    model = ticket_model()
    ax = draw_model(model)
    drawing = geometry(model)
    boxes = {p.get_gid(): p for p in ax.patches if isinstance(p, FancyBboxPatch)}
    for box in drawing.boxes:
        patch = boxes[f"box/{box.name}"]
        assert np.allclose([patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()],
                           [box.left, box.bottom, box.width, box.height])
    arrows = {p.get_gid(): p for p in ax.patches if isinstance(p, FancyArrowPatch)}
    assert [(a.source, a.target) for a in drawing.arrows] == list(describe(model).edges)
    for arrow in drawing.arrows:
        shaft = arrows[f"edge/{arrow.source}/{arrow.target}"].get_path().to_polygons(closed_only=False)[0]
        assert np.allclose(shaft[:-1], arrow.points[:-1])  # the last point moves back to where the head begins


# What the boxes say and how they look.


def labels(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def box_of(ax, name: str) -> FancyBboxPatch:
    (patch,) = [p for p in ax.patches if p.get_gid() == f"box/{name}"]
    return patch


def test_each_input_and_layer_gets_a_labelled_box():
    """Is there one box per input and layer, naming the input with its shape and the layer with its settings?"""
    ax = draw_model(exam_model())
    found = labels(ax)
    assert len(found) == 2 + 4 and len([p for p in ax.patches if isinstance(p, FancyBboxPatch)]) == 6
    assert "Input 'profile'\n(None, 5)" in found
    assert "Input 'practice_scores'\n(None, 3)" in found
    assert "hidden\nDense(4, relu)\n(None, 4)" in found
    assert "passed\nDense(1, sigmoid)\n(None, 1)" in found


def test_rows_follow_depth():
    """Are inputs on row 0 and each layer one row below the deepest node it reads from?"""
    nodes = {node.name: node for node in layout(describe(exam_model()))}
    assert nodes["profile"].depth == nodes["practice_scores"].depth == 0
    assert (nodes["joined"].depth, nodes["hidden"].depth) == (1, 2)
    assert nodes["passed"].depth == nodes["grade"].depth == 3
    assert {nodes["passed"].column, nodes["grade"].column} == {0, 1}


def test_a_skip_connection_puts_add_below_both_branches():
    """Does a layer reading a skipped tensor and a deeper one sit below the deeper one?"""
    nodes = {n.name: n for n in layout(describe(skip_model()))}
    assert nodes["skip"].depth == nodes["second"].depth + 1 == 3


def test_a_layer_in_a_cycle_still_gets_a_row():
    """Does a shared layer called before and after another layer (a cycle in the layer graph) get one row, with
    every other layer below what it reads?"""
    nodes = {n.name: n for n in layout(describe(reused()))}
    assert (nodes["x"].depth, nodes["again"].depth, nodes["shared"].depth, nodes["between"].depth) == (0, 1, 2, 3)


def test_shared_layers_are_highlighted_and_say_so():
    """Is a layer called on both inputs drawn orange, saying how often it is used?"""
    ax = draw_model(siamese())
    shared = [t for t in ax.texts if t.get_text().startswith("encoder")]
    assert len(shared) == 1
    assert "shared: used 2 times" in shared[0].get_text()
    assert matplotlib.colors.same_color(box_of(ax, "encoder").get_facecolor(), SHARED_COLOR)
    others = [p for p in ax.patches if isinstance(p, FancyBboxPatch) and p.get_gid() != "box/encoder"]
    assert len(others) == 4 and not any(matplotlib.colors.same_color(p.get_facecolor(), SHARED_COLOR) for p in others)


def test_outputs_have_a_thick_border_and_a_dict_key_is_shown():
    """Are output layers outlined, and is an output named by a dict key labelled with that key?"""
    inputs = keras.Input(shape=(2,), name="features")
    model = keras.Model(inputs, {"grade": layers.Dense(1, name="dense_out")(layers.Dense(2, name="hidden")(inputs))})
    ax = draw_model(model)
    (out,) = [t for t in ax.texts if t.get_text().startswith("dense_out")]
    assert out.get_text().endswith("output 'grade'")
    assert box_of(ax, "dense_out").get_linewidth() > 1.5 > box_of(ax, "hidden").get_linewidth()


def test_a_sequential_model_draws_as_a_chain_on_given_axes():
    """Does a Sequential model draw as a chain, on the Axes it is given, titled with its name?"""
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4), layers.Dense(1)], name="stack")
    _, given = plt.subplots()
    ax = draw_model(model, ax=given)
    assert ax is given
    assert ax.get_title() == "stack"
    assert len(ax.texts) == 3 and len([p for p in ax.patches if isinstance(p, FancyArrowPatch)]) == 2
    assert [n.depth for n in layout(describe(model))] == [0, 1, 2]


def test_a_small_model_used_as_a_layer_is_one_box():
    """Is a nested model one box, labelled with its class?"""
    inner = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)], name="inner")
    inputs = keras.Input(shape=(3,), name="features")
    ax = draw_model(keras.Model(inputs, layers.Dense(1)(inner(inputs))), title="nested")
    assert any(t.get_text().startswith("inner\nSequential") for t in ax.texts)
    assert ax.get_title() == "nested"
