"""Tests of `draw_model`: the boxes, arrows and colours drawn for a model's graph (Agg backend, no pixels compared)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from keras import layers  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from autograder import describe  # noqa: E402
from autograder.draw_graph import SHARED_COLOR, draw_model, layout  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def exam_model() -> keras.Model:
    """Two named inputs joined, one hidden layer, two named outputs."""
    profile = keras.Input(shape=(5,), name="profile")
    practice = keras.Input(shape=(3,), name="practice_scores")
    x = layers.Dense(4, activation="relu", name="hidden")(layers.concatenate([profile, practice], name="joined"))
    passed = layers.Dense(1, activation="sigmoid", name="passed")(x)
    return keras.Model([profile, practice], [passed, layers.Dense(1, name="grade")(x)])


def siamese() -> keras.Model:
    """One encoder called on both exams."""
    exam_a, exam_b = keras.Input(shape=(4,), name="exam_a"), keras.Input(shape=(4,), name="exam_b")
    encoder = layers.Dense(2, activation="relu", name="encoder")
    x = layers.concatenate([encoder(exam_a), encoder(exam_b)], name="joined")
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same_student")(x))


def labels(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def arrows(ax) -> list[FancyArrowPatch]:
    return [patch for patch in ax.patches if isinstance(patch, FancyArrowPatch)]


def test_each_input_and_layer_gets_a_labelled_box():
    """Is there one box per input and layer, naming the input with its shape and the layer with its settings?"""
    ax = draw_model(exam_model())
    found = labels(ax)
    assert len(found) == 2 + 4
    assert "Input 'profile'\n(None, 5)" in found
    assert "Input 'practice_scores'\n(None, 3)" in found
    assert "hidden\nDense(4, relu)\n(None, 4)" in found
    assert "passed\nDense(1, sigmoid)\n(None, 1)" in found


def test_one_arrow_per_connection():
    """Is there one arrow per edge of the graph, and no other?"""
    model = exam_model()
    ax = draw_model(model)
    assert len(arrows(ax)) == len(describe(model).edges) == 5


def test_rows_follow_depth():
    """Are inputs on row 0 and each layer one row below the deepest node it reads from?"""
    nodes = {node.name: node for node in layout(describe(exam_model()))}
    assert nodes["profile"].depth == nodes["practice_scores"].depth == 0
    assert (nodes["joined"].depth, nodes["hidden"].depth) == (1, 2)
    assert nodes["passed"].depth == nodes["grade"].depth == 3
    assert {nodes["passed"].column, nodes["grade"].column} == {0, 1}


def test_a_skip_connection_puts_add_below_both_branches():
    """Does a layer reading a skipped tensor and a deeper one sit below the deeper one?"""
    inputs = keras.Input(shape=(3,), name="features")
    x = layers.Dense(3, name="first")(inputs)
    y = layers.add([x, layers.Dense(3, name="second")(x)], name="skip")
    nodes = {n.name: n for n in layout(describe(keras.Model(inputs, y)))}
    assert nodes["skip"].depth == nodes["second"].depth + 1 == 3


def test_shared_layers_are_highlighted_and_say_so():
    """Is a layer called on both inputs drawn orange, saying how often it is used?"""
    ax = draw_model(siamese())
    shared = [t for t in ax.texts if t.get_text().startswith("encoder")]
    assert len(shared) == 1
    assert "shared: used 2 times" in shared[0].get_text()
    assert matplotlib.colors.same_color(shared[0].get_bbox_patch().get_facecolor(), SHARED_COLOR)
    others = [t for t in ax.texts if t is not shared[0]]
    assert not any(matplotlib.colors.same_color(t.get_bbox_patch().get_facecolor(), SHARED_COLOR) for t in others)


def test_outputs_have_a_thick_border_and_a_dict_key_is_shown():
    """Are output layers outlined, and is an output named by a dict key labelled with that key?"""
    inputs = keras.Input(shape=(2,), name="features")
    model = keras.Model(inputs, {"grade": layers.Dense(1, name="dense_out")(inputs)})
    ax = draw_model(model)
    (out,) = [t for t in ax.texts if t.get_text().startswith("dense_out")]
    assert out.get_text().endswith("output 'grade'")
    assert out.get_bbox_patch().get_linewidth() > 1.5


def test_a_sequential_model_draws_as_a_chain_on_given_axes():
    """Does a Sequential model draw as a chain, on the Axes it is given, titled with its name?"""
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4), layers.Dense(1)], name="stack")
    _, given = plt.subplots()
    ax = draw_model(model, ax=given)
    assert ax is given
    assert ax.get_title() == "stack"
    assert len(ax.texts) == 3 and len(arrows(ax)) == 2
    assert [n.depth for n in layout(describe(model))] == [0, 1, 2]


def test_a_small_model_used_as_a_layer_is_one_box():
    """Is a nested model one box, labelled with its class?"""
    inner = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)], name="inner")
    inputs = keras.Input(shape=(3,), name="features")
    ax = draw_model(keras.Model(inputs, layers.Dense(1)(inner(inputs))), title="nested")
    assert any(t.get_text().startswith("inner\nSequential") for t in ax.texts)
    assert ax.get_title() == "nested"
