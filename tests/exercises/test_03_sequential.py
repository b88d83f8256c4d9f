"""Lesson 03: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import pytest
from harness import assert_full_marks, assert_mutant, run_exercises

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
EQUIVALENTS = {
    "list": '''
def build_sequential_model(n_features):
    return keras.Sequential([keras.Input((n_features,)), layers.Dense(16, activation=keras.activations.relu),
                             layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
''',
    "input_shape argument": '''
def build_sequential_model(n_features):
    return keras.Sequential([layers.Dense(16, activation="relu", input_shape=(n_features,)),
                             layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid")])
''',
    "article style": "from keras.models import Sequential\nfrom keras.layers import Dense, Activation\n" + ARTICLE_STYLE,
}

# (answers, tests that must fail with a fragment of their message); the exercise's other tests must still pass.
MUTANTS = {
    "functional model": (
        {"build_sequential_model": FUNCTIONAL},
        {"build_sequential_model_is_sequential": "is a Functional `keras.Model`"},
    ),
    "wrong hidden units": (
        {"build_sequential_model": "def build_sequential_model(n_features):\n    return keras.Sequential([keras.Input((n_features,)), layers.Dense(16, activation='relu'), layers.Dense(32, activation='relu'), layers.Dense(1, activation='sigmoid')])\n"},
        {"build_sequential_model_layers": "Layer 2 should be Dense(8, activation='relu'); yours is Dense(32, activation='relu'). Change its units to 8."},
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
        {"build_multiclass_model": "def build_multiclass_model(n_features, n_classes):\n    return keras.Sequential([keras.Input((n_features,)), layers.Dense(32, activation='relu'), layers.Dense(n_classes, activation='sigmoid')])\n"},
        {"build_multiclass_model_layers": "Change its activation to 'softmax'"},
    ),
    "multiclass with fixed classes": (
        {"build_multiclass_model": "def build_multiclass_model(n_features, n_classes):\n    return keras.Sequential([keras.Input((n_features,)), layers.Dense(32, activation='relu'), layers.Dense(3, activation='softmax')])\n"},
        {"build_multiclass_model_layers": "Change its units to 5"},
    ),
    "multiclass missing hidden layer": (
        {"build_multiclass_model": "def build_multiclass_model(n_features, n_classes):\n    return keras.Sequential([keras.Input((n_features,)), layers.Dense(n_classes, activation='softmax')])\n"},
        {"build_multiclass_model_layers": "should have 2 layers"},
    ),
    "compile with mse": (
        {"compile_for_exam": "def compile_for_exam(model):\n    model.compile(optimizer='adam', loss='mse', metrics=['accuracy'])\n    return model\n"},
        {"compile_for_exam_settings": "loss should be 'binary_crossentropy'; yours is 'mean_squared_error'"},
    ),
    "compile without metrics": (
        {"compile_for_exam": "def compile_for_exam(model):\n    model.compile(optimizer='adam', loss='binary_crossentropy')\n    return model\n"},
        {"compile_for_exam_settings": "should report the metric 'accuracy'"},
    ),
    "compile with sgd": (
        {"compile_for_exam": "def compile_for_exam(model):\n    model.compile(optimizer='sgd', loss='binary_crossentropy', metrics=['accuracy'])\n    return model\n"},
        {"compile_for_exam_settings": "optimizer should be 'adam'; yours is 'sgd'"},
    ),
    "compile forgets to return": (
        {"compile_for_exam": "def compile_for_exam(model):\n    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])\n"},
        {"compile_for_exam_settings": "returned None"},
    ),
    "train one epoch": (
        {"train_for_exam": "def train_for_exam(model, x, y):\n    return model.fit(x, y, epochs=1, batch_size=256, verbose=0)\n"},
        {"train_for_exam_beats_baseline": "Train for more epochs"},
    ),
    "train without returning history": (
        {"train_for_exam": "def train_for_exam(model, x, y):\n    model.fit(x, y, epochs=40, batch_size=16, verbose=0)\n"},
        {"train_for_exam_beats_baseline": "train_for_exam returned NoneType; return what model.fit(...) returns."},
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
    """Does an equivalent way of writing build_sequential_model (list, input_shape, article style) pass?"""
    results = run_exercises(LESSON, {"build_sequential_model": EQUIVALENTS[name]}, only=["build_sequential_model"])
    for grade_id in ("build_sequential_model_is_sequential", "build_sequential_model_layers"):
        assert results[grade_id].passed, results[grade_id].message


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)
