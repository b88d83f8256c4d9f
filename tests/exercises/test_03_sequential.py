"""Lesson 03: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import json

import pytest
from harness import assert_full_marks, assert_mutant, run_exercises, solutions, source_notebook

from autograder.notebook.cells import is_answer_cell, is_test_cell
from autograder.notebook.course import SOURCE

LESSON = "03_sequential"

FUNCTIONAL = '''
def build_sequential_model(n_features):
    inputs = keras.Input(shape=(n_features,))
    x = layers.Dense(16, activation="relu")(inputs)
    x = layers.Dense(8, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
'''
ARTICLE_STYLE = '''
def build_sequential_model(n_features):
    model = Sequential()
    model.add(Dense(16, input_dim=n_features))
    model.add(Activation("relu"))
    model.add(Dense(8))
    model.add(Activation("relu"))
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    return model
'''
SEQUENTIAL_WITH = "def build_sequential_model(n_features):\n    return keras.Sequential([keras.Input((n_features,)), {}])\n"
MULTICLASS_WITH = "def build_multiclass_model(n_features, n_classes):\n    return keras.Sequential([keras.Input((n_features,)), {}])\n"
COMPILE_WITH = "def compile_for_exam(model):\n    model.compile({})\n    return model\n"
TRAIN_WITH = "def train_for_exam(model, x, y):\n    return model.fit(x, y, {}, verbose=0)\n"
EXTRACT_WITH = "def feature_extractor(model, layer_name):\n{}\n"
FREEZE_WITH = "def freeze_all_but_last(model):\n{}\n"
SAVE_WITH = "def save_and_reload(model, path):\n{}\n"

# (exercise, code): other correct ways to write an answer; each must pass all of its exercise's tests.
EQUIVALENTS = {
    "list": ("build_sequential_model", '''
def build_sequential_model(n_features):
    return keras.Sequential([keras.Input((n_features,)), layers.Dense(16, activation=keras.activations.relu),
                             layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
'''),
    "input_shape argument": ("build_sequential_model", '''
def build_sequential_model(n_features):
    return keras.Sequential([layers.Dense(16, activation="relu", input_shape=(n_features,)),
                             layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
'''),
    "article style": ("build_sequential_model",
                      "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n" + ARTICLE_STYLE),
    "multiclass with add() and an Activation layer": ("build_multiclass_model", '''
def build_multiclass_model(n_features, n_classes):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_features,)))
    model.add(layers.Dense(32, activation="relu"))
    model.add(layers.Dense(n_classes))
    model.add(layers.Activation("softmax"))
    return model
'''),
    "compile with objects": ("compile_for_exam", COMPILE_WITH.format(
        "optimizer=keras.optimizers.Adam(), loss=keras.losses.BinaryCrossentropy(), metrics=['acc']")),
    "compile with the short loss name": ("compile_for_exam", COMPILE_WITH.format(
        "loss='bce', optimizer='adam', metrics=['binary_accuracy']")),
    "train as the lesson used to say": ("train_for_exam", TRAIN_WITH.format("epochs=40, batch_size=16")),
    "extract with Keras's own error": ("feature_extractor", EXTRACT_WITH.format(
        "    return keras.Model(model.inputs, model.get_layer(layer_name).output)")),
    "extract with a loop": ("feature_extractor", EXTRACT_WITH.format('''    for layer in model.layers:
        if layer.name == layer_name:
            return keras.Model(inputs=model.inputs[0], outputs=layer.output)
    raise ValueError(f"no layer {layer_name}; choose one of " + ", ".join(l.name for l in model.layers))''')),
    "freeze all, then thaw the last": ("freeze_all_but_last", FREEZE_WITH.format('''    for layer in model.layers:
        layer.trainable = False
    model.layers[-1].trainable = True
    return model''')),
    "freeze by position": ("freeze_all_but_last", FREEZE_WITH.format('''    last = len(model.layers) - 1
    for index, layer in enumerate(model.layers):
        layer.trainable = index == last
    return model''')),
    "save with keras.saving": ("save_and_reload", SAVE_WITH.format('''    keras.saving.save_model(model, path)
    return keras.saving.load_model(path)''')),
    "load without compiling": ("save_and_reload", SAVE_WITH.format('''    model.save(path)
    return keras.models.load_model(path, compile=False)''')),
}

# (answers, tests that must fail with a fragment of their message); the exercise's other tests must still pass.
MUTANTS = {
    "functional model": (
        {"build_sequential_model": FUNCTIONAL},
        {"build_sequential_model_is_sequential": "is a Functional `keras.Model`"},
    ),
    "wrong hidden units": (
        {"build_sequential_model": SEQUENTIAL_WITH.format(
            "layers.Dense(16, activation='relu'), layers.Dense(32, activation='relu'), layers.Dense(1, activation='sigmoid')")},
        {"build_sequential_model_layers": "Layer 2 should read Dense (None, 8) 136 in the summary; yours reads "
                                          "Dense (None, 32) 544. A Dense layer gives out one number per unit. "
                                          "Change its units to 8."},
    ),
    "no bias": (
        {"build_sequential_model": SEQUENTIAL_WITH.format(
            "layers.Dense(16, activation='relu', use_bias=False), layers.Dense(8, activation='relu'), "
            "layers.Dense(1, activation='sigmoid')")},
        {"build_sequential_model_layers": "Layer 1 should read Dense (None, 16) 144 in the summary; yours reads "
                                          "Dense (None, 16) 128."},
    ),
    "sigmoid hidden layer": (
        {"build_sequential_model": SEQUENTIAL_WITH.format(
            "layers.Dense(16, activation='sigmoid'), layers.Dense(8, activation='relu'), layers.Dense(1, activation='sigmoid')")},
        {"build_sequential_model_layers": "Layer 1 is a hidden layer, so it should use 'relu'; yours uses 'sigmoid'."},
    ),
    "relu output": (
        {"build_sequential_model": SEQUENTIAL_WITH.format(
            "layers.Dense(16, activation='relu'), layers.Dense(8, activation='relu'), layers.Dense(1, activation='relu')")},
        {"build_sequential_model_layers": "Your output layer applies 'relu', which gives a number of at least 0. "
                                          "Lesson 2 (\"The output layer\") says which activation gives that answer."},
    ),
    "softmax on one unit": (
        {"build_sequential_model": SEQUENTIAL_WITH.format(
            "layers.Dense(16, activation='relu'), layers.Dense(8, activation='relu'), layers.Dense(1, activation='softmax')")},
        {"build_sequential_model_layers": "so one unit always answers 1.0"},
    ),
    "fixed input size": (
        {"build_sequential_model": "def build_sequential_model(n_features):\n    return keras.Sequential([keras.Input((8,)), layers.Dense(16, activation='relu'), layers.Dense(8, activation='relu'), layers.Dense(1, activation='sigmoid')])\n"},
        {"build_sequential_model_layers": "input shape should be (None, 3); yours is (None, 8)"},
    ),
    "no input shape": (
        {"build_sequential_model": "def build_sequential_model(n_features):\n    return keras.Sequential([layers.Dense(16, activation='relu'), layers.Dense(8, activation='relu'), layers.Dense(1, activation='sigmoid')])\n"},
        {"build_sequential_model_layers": "Start the model with `keras.Input"},
    ),
    "missing return": (
        {"build_sequential_model": "def build_sequential_model(n_features):\n    model = keras.Sequential([keras.Input((n_features,)), layers.Dense(1, activation='sigmoid')])\n"},
        {"build_sequential_model_is_sequential": "returned None", "build_sequential_model_layers": "returned None"},
    ),
    "multiclass with sigmoid": (
        {"build_multiclass_model": MULTICLASS_WITH.format(
            "layers.Dense(32, activation='relu'), layers.Dense(n_classes, activation='sigmoid')")},
        {"build_multiclass_model_layers": "Your output layer applies 'sigmoid': each unit then gives a probability of "
                                          "its own"},
    ),
    "multiclass with fixed classes": (
        {"build_multiclass_model": MULTICLASS_WITH.format(
            "layers.Dense(32, activation='relu'), layers.Dense(3, activation='softmax')")},
        {"build_multiclass_model_layers": "Change its units to 5"},
    ),
    "multiclass missing hidden layer": (
        {"build_multiclass_model": MULTICLASS_WITH.format("layers.Dense(n_classes, activation='softmax')")},
        {"build_multiclass_model_layers": "The expected summary has 2 layers"},
    ),
    "compile with mse": (
        {"compile_for_exam": COMPILE_WITH.format("optimizer='adam', loss='mse', metrics=['accuracy']")},
        {"compile_for_exam_settings": "Your model ends in 'sigmoid': it answers with one probability of \"yes\". "
                                      "Its loss is 'mean_squared_error', which is made for a plain number."},
    ),
    "compile for classes": (
        {"compile_for_exam": COMPILE_WITH.format(
            "optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy']")},
        {"compile_for_exam_settings": "which is made for one probability per class. Pick the loss that"},
    ),
    "compile without metrics": (
        {"compile_for_exam": COMPILE_WITH.format("optimizer='adam', loss='binary_crossentropy'")},
        {"compile_for_exam_settings": "should report its 'accuracy' while it learns"},
    ),
    "compile with sgd": (
        {"compile_for_exam": COMPILE_WITH.format("optimizer='sgd', loss='binary_crossentropy', metrics=['accuracy']")},
        {"compile_for_exam_settings": "optimizer should be 'adam'; yours is 'sgd'"},
    ),
    "compile forgets to return": (
        {"compile_for_exam": "def compile_for_exam(model):\n    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"},
        {"compile_for_exam_settings": "returned None"},
    ),
    "train like the first try": (
        {"train_for_exam": TRAIN_WITH.format("epochs=2, batch_size=100")},
        {"train_for_exam_beats_baseline": "It has not studied enough yet: give it more updates of its parameters"},
    ),
    "train without returning history": (
        {"train_for_exam": "def train_for_exam(model, x, y):\n    model.fit(x, y, epochs=10, batch_size=5, verbose=0)\n"},
        {"train_for_exam_beats_baseline": "train_for_exam returned NoneType; return what model.fit(...) returns."},
    ),
    "extract the whole model": (
        {"feature_extractor": EXTRACT_WITH.format("    model.get_layer(layer_name)\n    return model")},
        {"feature_extractor_gives_the_layer_activations": "returned the model it was given"},
    ),
    "extract with model.input": (
        {"feature_extractor": EXTRACT_WITH.format(
            "    return keras.Model(model.input, model.get_layer(layer_name).output)")},
        {"feature_extractor_gives_the_layer_activations": "its `inputs` list works for every kind of model",
         "feature_extractor_refuses_an_unknown_name": "raise ValueError, with the model's layer names"},
    ),
    "extract the next layer": (
        {"feature_extractor": EXTRACT_WITH.format('''    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"no {layer_name!r} among {names}")
    return keras.Model(model.inputs, model.layers[names.index(layer_name) + 1].output)''')},
        {"feature_extractor_gives_the_layer_activations": "gives out (None, 1), but layer 'second_look' gives out (None, 3)"},
    ),
    "extract from new layers": (
        {"feature_extractor": EXTRACT_WITH.format('''    layer = model.get_layer(layer_name)
    copy = keras.models.clone_model(model)
    return keras.Model(copy.inputs, copy.get_layer(layer_name).output)''')},
        {"feature_extractor_gives_the_layer_activations": "does not give the activations of layer 'second_look'"},
    ),
    "extract returns a tensor": (
        {"feature_extractor": EXTRACT_WITH.format("    return model.get_layer(layer_name).output")},
        {"feature_extractor_gives_the_layer_activations": "returned a symbolic tensor"},
    ),
    "unknown name gives None": (
        {"feature_extractor": EXTRACT_WITH.format('''    for layer in model.layers:
        if layer.name == layer_name:
            return keras.Model(model.inputs, layer.output)''')},
        {"feature_extractor_refuses_an_unknown_name": "returned NoneType for a name the model does not have"},
    ),
    "unknown name raises KeyError": (
        {"feature_extractor": EXTRACT_WITH.format('''    layers_by_name = {layer.name: layer for layer in model.layers}
    return keras.Model(model.inputs, layers_by_name[layer_name].output)''')},
        {"feature_extractor_refuses_an_unknown_name": "feature_extractor raised KeyError on the unknown name 'second_lok'"},
    ),
    "unknown name without the names": (
        {"feature_extractor": EXTRACT_WITH.format('''    if layer_name not in [layer.name for layer in model.layers]:
        raise ValueError("unknown layer")
    return keras.Model(model.inputs, model.get_layer(layer_name).output)''')},
        {"feature_extractor_refuses_an_unknown_name": "but its message does not list the model's layer names"},
    ),
    "freeze every layer": (
        {"freeze_all_but_last": FREEZE_WITH.format("    for layer in model.layers:\n        layer.trainable = False\n    return model")},
        {"freeze_all_but_last_leaves_only_the_last_trainable": "is frozen too. Keep it trainable",
         "freeze_all_but_last_training_moves_only_the_last": "as it was; it should learn"},
    ),
    "freeze the whole model": (
        {"freeze_all_but_last": FREEZE_WITH.format(
            "    model.trainable = False\n    model.layers[-1].trainable = True\n    return model")},
        {"freeze_all_but_last_leaves_only_the_last_trainable": "The model itself is frozen",
         "freeze_all_but_last_training_moves_only_the_last": "as it was; it should learn"},
    ),
    "freeze only the first layer": (
        {"freeze_all_but_last": FREEZE_WITH.format("    model.layers[0].trainable = False\n    return model")},
        {"freeze_all_but_last_leaves_only_the_last_trainable": "These layers are still trainable",
         "freeze_all_but_last_training_moves_only_the_last": "Training changed the weights of layer"},
    ),
    "freeze a copy": (
        {"freeze_all_but_last": FREEZE_WITH.format('''    copy = keras.models.clone_model(model)
    for layer in copy.layers[:-1]:
        layer.trainable = False
    return copy''')},
        {"freeze_all_but_last_leaves_only_the_last_trainable": "returned another model object"},
    ),
    "freeze without returning": (
        {"freeze_all_but_last": FREEZE_WITH.format("    for layer in model.layers[:-1]:\n        layer.trainable = False")},
        {"freeze_all_but_last_leaves_only_the_last_trainable": "returned None",
         "freeze_all_but_last_training_moves_only_the_last": "returned None"},
    ),
    "save and return the original": (
        {"save_and_reload": SAVE_WITH.format("    model.save(path)\n    return model")},
        {"save_and_reload_gives_back_an_equal_model": "returned the model it was given"},
    ),
    "save to a fixed file": (
        {"save_and_reload": SAVE_WITH.format(
            "    model.save('my_model.keras')\n    return keras.models.load_model('my_model.keras')")},
        {"save_and_reload_gives_back_an_equal_model": "There is no file at 'checked_model.keras' after save_and_reload"},
    ),
    "save only the weights": (
        {"save_and_reload": SAVE_WITH.format("    model.save_weights(path)\n    return keras.models.load_model(path)")},
        {"save_and_reload_gives_back_an_equal_model": "save_and_reload raised ValueError on the path 'checked_model.keras'"},
    ),
    "reload a fresh copy": (
        {"save_and_reload": SAVE_WITH.format("    model.save(path)\n    return keras.models.clone_model(model)")},
        {"save_and_reload_gives_back_an_equal_model": "predicts differently from the one it saved"},
    ),
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 15)


@pytest.mark.parametrize("name", EQUIVALENTS)
def test_equivalent_formulation_passes(name):
    """Does another correct way of writing an answer pass all of its exercise's tests?"""
    exercise, code = EQUIVALENTS[name]
    results = run_exercises(LESSON, {exercise: code}, only=[exercise])
    assert results and all(r.passed for r in results.values()), {g: r.message for g, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)


def _lines(code: str) -> set[str]:
    """The lines of `code` worth comparing: whitespace collapsed, without markers, comments and one-word lines."""
    found = set()
    for line in code.splitlines():
        line = " ".join(line.split()).rstrip(",")
        if len(line) >= 12 and not line.startswith(("#", "def ", "return model")):
            found.add(line)
    return found


def test_no_demo_cell_holds_a_line_of_a_solution():
    """Does every exercise ask for something no cell above it shows: no demo cell holds a line of its solution?"""
    demos = [c for c in source_notebook(LESSON).cells
             if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)]
    shown = set().union(*(_lines(c.source) for c in demos))
    for exercise, code in solutions(LESSON).items():
        assert not _lines(code) & shown, f"a demo cell shows {exercise}'s solution: {_lines(code) & shown}"


def test_no_visible_test_or_prompt_names_a_decision():
    """Do the visible tests and prompts leave the decisions to the learner: no output activation of exercise 1,
    no loss of exercise 3, no epochs of exercise 4?"""
    cells = source_notebook(LESSON).cells
    visible = "\n".join(c.source.split("### BEGIN HIDDEN TESTS")[0] for c in cells if is_test_cell(c))
    for give_away in ('spec.Dense(1, "sigmoid")', 'loss="binary_crossentropy"', "epochs=10", "batch_size=5,", "about 40", "about 16"):
        assert give_away not in visible
    prompts = "\n".join(c.source for c in cells if c.cell_type == "markdown" and "Exercise" in c.source)
    for give_away in ("binary_crossentropy", "sigmoid", "softmax", "40 epochs", "10 epochs", "batch size of 16"):
        assert give_away not in prompts, give_away


def test_every_exercise_has_three_hints():
    """Does every exercise of the lesson have three graduated hints?"""
    hints = json.loads((SOURCE / LESSON / "hints.json").read_text())
    for exercise in solutions(LESSON):
        assert len(hints.get(exercise, [])) == 3, exercise
