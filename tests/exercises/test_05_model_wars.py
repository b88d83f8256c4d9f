"""Lesson 05: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import pytest
from harness import assert_full_marks, assert_mutant, run_exercises

LESSON = "05_model_wars"

TO_FUNCTIONAL = "sequential_to_functional"
CAN_BE = "can_be_sequential"


def to_functional(body: str) -> dict[str, str]:
    """An answer to exercise 1: `body` is the function's code after its `def` line."""
    return {TO_FUNCTIONAL: "def sequential_to_functional(model):\n" + body}


def can_be(body: str) -> dict[str, str]:
    """An answer to exercise 2: `body` is the function's code after its `def` line."""
    return {CAN_BE: "def can_be_sequential(model):\n" + body}


EQUIVALENTS = {
    "the Sequential model's own graph": to_functional("    return keras.Model(model.inputs, model.outputs)\n"),
    "input shape from the Sequential's input tensor": to_functional('''
    inputs = keras.Input(batch_shape=model.inputs[0].shape)
    outputs = inputs
    for layer in model.layers:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)
'''),
    "Keras's own get_config": can_be('''
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return False
    config = model.get_config()
    if "inbound_nodes" not in str(config):
        return True  # a Sequential model's config lists its layers in order
    previous = None
    for entry in config["layers"]:
        nodes = entry.get("inbound_nodes", [])
        if entry["class_name"] == "InputLayer":
            previous = entry["name"]
            continue
        if len(nodes) != 1:
            return False
        sources = [s for s in str(nodes[0]).split("'keras_history': ['")[1:]]
        if len(sources) != 1 or not sources[0].startswith(previous + "'"):
            return False
        previous = entry["name"]
    return True
'''),
}

LOOP = '''
    inputs = keras.Input(shape=model.inputs[0].shape[1:])
    x = inputs
    for layer in {layers}:
        x = layer(x)
    return keras.Model(inputs, x)
'''

# (answers, tests that must fail with a fragment of their message); the exercise's other tests must still pass.
MUTANTS = {
    "returns the Sequential model itself": (
        to_functional("    return model\n"),
        {
            TO_FUNCTIONAL + "_is_functional": "Your model is a `keras.Sequential`, but this exercise asks for a Functional model",
            TO_FUNCTIONAL + "_reuses_layers": "Your function returned the very model it was given",
        },
    ),
    "cloned layers": (
        to_functional("    clone = keras.models.clone_model(model)\n    return keras.Model(clone.inputs, clone.outputs)\n"),
        {
            TO_FUNCTIONAL + "_reuses_layers": "does not use the layer object(s)",
            TO_FUNCTIONAL + "_same_predictions": "your model's predictions differ from the original's",
        },
    ),
    "last layer left out": (
        to_functional(LOOP.format(layers="model.layers[:-1]")),
        {
            TO_FUNCTIONAL + "_reuses_layers": "does not use the layer object(s)",
            TO_FUNCTIONAL + "_same_predictions": "Your model's predictions have shape (4, 16); the original's have shape (4, 1)",
        },
    ),
    "an extra layer": (
        to_functional(LOOP.format(layers="model.layers + [layers.Activation('linear')]")),
        {TO_FUNCTIONAL + "_reuses_layers": "has layer(s) the model it was given does not have"},
    ),
    "input of one dimension only": (
        to_functional('''
    inputs = keras.Input(shape=(model.inputs[0].shape[-1],))
    x = inputs
    for layer in model.layers:
        x = layer(x)
    return keras.Model(inputs, x)
'''),
        {TO_FUNCTIONAL + "_same_predictions": "sequential_to_functional raised ValueError on a Sequential model with input shape (None, 4, 3)"},
    ),
    "judges the class, not the graph": (
        can_be("    return isinstance(model, keras.Sequential)\n"),
        {CAN_BE + "_accepts_plain_chains": "returned False for a Functional model that is a plain chain; it should return True"},
    ),
    "counts inputs and outputs only": (
        can_be("    return len(model.inputs) == 1 and len(model.outputs) == 1\n"),
        {CAN_BE + "_rejects_shared_layers_and_skips": "returned True for a model with a skip connection; it should return False"},
    ),
    "ignores skip connections": (
        can_be('''
    graph = describe(model)
    return len(graph.inputs) == 1 and len(graph.outputs) == 1 and not graph.shared
'''),
        {CAN_BE + "_rejects_shared_layers_and_skips": "the first Dense layer's output feeds two layers"},
    ),
    "answers in words": (
        can_be('''
    graph = describe(model)
    return "yes" if len(graph.inputs) == 1 and len(graph.outputs) == 1 else "no"
'''),
        {
            CAN_BE + "_accepts_plain_chains": "returned 'yes' (a str) for a keras.Sequential stack; return True or False",
            CAN_BE + "_rejects_several_inputs_or_outputs": "returned 'no' (a str)",
            CAN_BE + "_rejects_shared_layers_and_skips": "returned 'yes' (a str)",
        },
    ),
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 8)


@pytest.mark.parametrize("name", EQUIVALENTS)
def test_equivalent_formulation_passes(name):
    """Does another correct answer (Keras's own graph, batch_shape, get_config) pass every test?"""
    answers = EQUIVALENTS[name]
    results = run_exercises(LESSON, answers, only=answers)
    assert results and all(r.passed for r in results.values()), {k: r.message for k, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)
