"""Lesson 05: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import pytest
from harness import assert_full_marks, assert_mutant, released_notebook, run_exercises, source_notebook, unmark

from autograder.notebook.cells import is_answer_cell

LESSON = "05_model_wars"

TO_FUNCTIONAL = "sequential_to_functional"
CAN_BE = "can_be_sequential"
RESIDUAL = "build_residual_model"
TO_SEQUENTIAL = "functional_to_sequential"


def to_functional(body: str) -> dict[str, str]:
    """An answer to exercise 1: `body` is the function's code after its `def` line."""
    return {TO_FUNCTIONAL: "def sequential_to_functional(model):\n" + body}


def can_be(body: str) -> dict[str, str]:
    """An answer to exercise 3: `body` is the function's code after its `def` line."""
    return {CAN_BE: "def can_be_sequential(model):\n" + body}


def residual(body: str) -> dict[str, str]:
    """An answer to exercise 1: `body` is the function's code after its `def` line."""
    return {RESIDUAL: "def build_residual_model(n_features):\n" + body}


def to_sequential(body: str) -> dict[str, str]:
    """An answer to exercise 4: `body` is the function's code after its `def` line."""
    return {TO_SEQUENTIAL: "def functional_to_sequential(model):\n" + body}


BLOCK = '''
    features = keras.Input(shape=(n_features,), name="features")
    block = layers.Dense({units}, activation="relu")(layers.Dense(16, activation="relu")(features))
    return keras.Model(features, layers.Dense(1, activation="sigmoid")({joined}))
'''

REASONS = '''
    graph = describe(model)
    if len(graph.inputs) > 1:
        raise ValueError("several inputs")
    if len(graph.outputs) > 1:
        raise ValueError("several outputs")
    if graph.shared:
        raise ValueError("a layer applied twice: " + ", ".join(graph.shared))
    sources = [source for source, _ in graph.edges]
    targets = [target for _, target in graph.edges]
    if len(set(sources)) < len(sources) or len(set(targets)) < len(targets):
        raise ValueError("a branch or a skip connection")
'''
STACK = '''
    stack = keras.Sequential([keras.Input(shape=model.inputs[0].shape[1:])])
    for layer in {layers}:
        stack.add(layer)
    return stack
'''


EQUIVALENTS = {
    "the Sequential model's own graph": to_functional("    return keras.Model(model.inputs, model.outputs)\n"),
    "input shape from the Sequential's input tensor": to_functional('''
    inputs = keras.Input(batch_shape=model.inputs[0].shape)
    outputs = inputs
    for layer in model.layers:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)
'''),
    "add() of the block and the input, the other way round": residual(BLOCK.format(
        units="n_features", joined="layers.Add()([block, features])")),
    "keras.ops.add": residual(BLOCK.format(units="n_features", joined="keras.ops.add(features, block)")),
    "the + operator": residual(BLOCK.format(units="n_features", joined="features + block")),
    "activation layers and functions, dict input": residual('''
    features = keras.Input(shape=(n_features,), name="features")
    x = layers.Activation("relu")(layers.Dense(16)(features))
    x = layers.add([features, layers.Dense(n_features, activation=keras.activations.tanh)(x)])
    outputs = layers.Activation(keras.activations.sigmoid)(layers.Dense(1)(x))
    return keras.Model({"features": features}, outputs)
'''),
    "the block as a small Sequential model used as a layer": residual('''
    features = keras.Input(shape=(n_features,), name="features")
    block = keras.Sequential([keras.Input(shape=(n_features,)), layers.Dense(16, activation="relu"),
                              layers.Dense(n_features)], name="block")
    return keras.Model(features, layers.Dense(1, activation="sigmoid")(layers.add([features, block(features)])))
'''),
    "the layers as a list, the InputLayer object kept": to_sequential(REASONS + '''
    return keras.Sequential(model.layers)
'''),
    "an error class of one's own, and the input's batch_shape": {TO_SEQUENTIAL: '''
class NotAStack(ValueError):
    """A model that cannot be a keras.Sequential."""


def functional_to_sequential(model):
    if len(model.inputs) != 1:
        raise NotAStack(f"{len(model.inputs)} inputs, and a Sequential model takes one")
    if len(model.outputs) != 1:
        raise NotAStack(f"{len(model.outputs)} outputs, and a Sequential model gives one")
    graph = describe(model)
    for layer in graph.layers:
        if layer.calls > 1:
            raise NotAStack(f"{layer.name} is called {layer.calls} times")
    for name in [source for source, _ in graph.edges] + [target for _, target in graph.edges]:
        if [s for s, _ in graph.edges].count(name) > 1 or [t for _, t in graph.edges].count(name) > 1:
            raise NotAStack(f"{name} is where the graph branches or joins")
    own = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    return keras.Sequential([keras.Input(batch_shape=model.inputs[0].shape), *own])
'''},
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
    "no skip connection": (
        residual(BLOCK.format(units="n_features", joined="block")),
        {
            RESIDUAL + "_adds_the_input": "Your model adds no tensors, so it has no skip connection",
            RESIDUAL + "_layers": "Your model should run 4 layers: Dense(16, activation='relu'), Dense(...), Add(), "
                                  "Dense(1, activation='sigmoid'). Yours runs 3",
        },
    ),
    "the demo's skip, between hidden tensors": (
        residual('''
    features = keras.Input(shape=(n_features,), name="features")
    x = layers.Dense(16, activation="relu")(features)
    x = layers.add([x, layers.Dense(16, activation="relu")(x)])
    return keras.Model(features, layers.Dense(1, activation="sigmoid")(x))
'''),
        {
            RESIDUAL + "_adds_the_input": "but not the input 'features': its skip connection does not start at the model's input",
            RESIDUAL + "_layers": "Layer 2 should be Dense(3); yours is Dense(16, activation='relu'). Change its units to 3.",
        },
    ),
    "a block as wide as the hidden layer": (
        residual(BLOCK.format(units="16", joined="layers.add([features, block])")),
        {
            RESIDUAL + "_inputs_and_outputs": "build_residual_model raised ValueError on n_features=5: Inputs have "
                                              "incompatible shapes. Received shapes (5,) and (16,). If Keras refused "
                                              "the addition, compare the two shapes.",
            RESIDUAL + "_adds_the_input": "exactly as many numbers per example as the input",
            RESIDUAL + "_layers": "raised ValueError on n_features=5",
        },
    ),
    "a one-unit block, broadcast by +": (
        residual(BLOCK.format(units="1", joined="features + block")),
        {
            RESIDUAL + "_adds_the_input": "of shape (None, 1), to the input 'features', of shape (None, 5): Keras "
                                          "stretches the smaller one to fit, so this is no skip connection.",
            RESIDUAL + "_layers": "Layer 2 should be Dense(3); yours is Dense(1, activation='relu')",
        },
    ),
    "an unnamed input and no sigmoid": (
        residual('''
    features = keras.Input(shape=(n_features,))
    block = layers.Dense(n_features)(layers.Dense(16, activation="relu")(features))
    return keras.Model(features, layers.Dense(1)(layers.add([features, block])))
'''),
        {
            RESIDUAL + "_inputs_and_outputs": "Your model should have 1 input(s) named 'features'",
            RESIDUAL + "_adds_the_input": "Your model has no input named 'features'",
            RESIDUAL + "_layers": "Layer 4 should be Dense(1, activation='sigmoid'); yours is Dense(1, activation='linear')",
        },
    ),
    "the model itself, never a stack": (
        to_sequential("    return model\n"),
        {
            TO_SEQUENTIAL + "_returns_a_sequential": "is a Functional `keras.Model`",
            TO_SEQUENTIAL + "_refuses_what_is_not_a_chain": "functional_to_sequential returned Functional for a model "
                                                            "with two inputs; it should raise ValueError instead",
        },
    ),
    "copies of the layers": (
        to_sequential(REASONS + STACK.format(layers="keras.models.clone_model(model).layers[1:]")),
        {
            TO_SEQUENTIAL + "_keeps_the_same_layers_in_order": "does not use the layer object(s)",
            TO_SEQUENTIAL + "_same_predictions": "your model's predictions differ from the original's",
        },
    ),
    "the nested model taken apart": (
        to_sequential(REASONS + '''
    stack = keras.Sequential([keras.Input(shape=model.inputs[0].shape[1:])])
    for layer in model.layers[1:]:
        for part in layer.layers if isinstance(layer, keras.Model) else [layer]:
            stack.add(part)
    return stack
'''),
        {
            TO_SEQUENTIAL + "_keeps_the_same_layers_in_order": "does not use the layer object(s) 'inner'",
            TO_SEQUENTIAL + "_same_predictions": "functional_to_sequential raised ValueError on a Functional model "
                                                 "with input shape (None, 6)",
        },
    ),
    "no input": (
        to_sequential(REASONS + "    return keras.Sequential(model.layers[1:])\n"),
        {
            TO_SEQUENTIAL + "_returns_a_sequential": "Keras does not know your model's input shape yet",
            TO_SEQUENTIAL + "_keeps_the_same_layers_in_order": "Keras does not know your model's input shape yet",
            TO_SEQUENTIAL + "_same_predictions": "Keras does not know your model's input shape yet",
        },
    ),
    "refuses nothing": (
        to_sequential(STACK.format(layers="model.layers[1:]")),
        {TO_SEQUENTIAL + "_refuses_what_is_not_a_chain": "for a model with two outputs, but its message does not say why"},
    ),
    "looks at the chain before the calls": (
        to_sequential(REASONS.replace("    if graph.shared:\n", "    if False:\n") + STACK.format(layers="model.layers[1:]")),
        {TO_SEQUENTIAL + "_refuses_what_is_not_a_chain": "raised ValueError for a model that applies one Dense layer "
                                                         "twice, but its message does not say why: 'a branch or a skip "
                                                         "connection'. Name what rules a Sequential model out here: a "
                                                         "layer applied twice."},
    ),
    "one message for every reason": (
        to_sequential('''
    if not can_be_sequential(model):
        raise ValueError("several inputs, several outputs, a layer applied twice, or a branch or a skip connection")
''' + STACK.format(layers="model.layers[1:]")),
        {TO_SEQUENTIAL + "_refuses_what_is_not_a_chain": "functional_to_sequential gives the same message for every "
                                                         "model it refuses"},
    ),
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 17)


@pytest.mark.parametrize("name", EQUIVALENTS)
def test_equivalent_formulation_passes(name):
    """Does another correct answer (Keras's own graph, batch_shape, get_config, ops.add, a list of layers) pass every
    test?"""
    answers = EQUIVALENTS[name]
    results = run_exercises(LESSON, answers, only=answers)
    assert results and all(r.passed for r in results.values()), {k: r.message for k, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)


def test_no_cell_a_learner_reads_holds_a_line_of_a_solution():
    """Does no demo cell, prompt or visible test of the released lesson hold a line of an exercise's reference
    solution (lines of 20 characters or more, spaces ignored)?"""
    def lines(code: str) -> set[str]:
        return {" ".join(line.split()) for line in code.splitlines() if len(line.strip()) >= 20}

    solution = set().union(*(lines(unmark(c.source)) for c in source_notebook(LESSON).cells if is_answer_cell(c)))
    assert len(solution) > 10
    for cell in released_notebook(LESSON).cells:
        if not is_answer_cell(cell):
            text = " ".join(cell.source.split())
            assert not [line for line in solution if line in text], (cell.id, cell.source[:80])
