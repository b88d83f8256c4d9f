"""Lesson 04: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import pytest
from harness import assert_full_marks, assert_mutant, run_exercises

LESSON = "04_functional"

TWO_INPUT = "build_two_input_model"
SHARED = "build_shared_encoder_model"


def two_input(body: str) -> dict[str, str]:
    """An answer to exercise 1: `body` is the function's code after its `def` line."""
    return {TWO_INPUT: "def build_two_input_model(n_profile, n_practice):\n" + body}


def shared(body: str) -> dict[str, str]:
    """An answer to exercise 2: `body` is the function's code after its `def` line."""
    return {SHARED: "def build_shared_encoder_model(n_features):\n" + body}


INPUTS = '''
    profile = keras.Input(shape=(n_profile,), name="profile")
    practice = keras.Input(shape=(n_practice,), name="practice_scores")
'''
EXAM_PAIR = '''
    exam_a = keras.Input(shape=(n_features,), name="exam_a")
    exam_b = keras.Input(shape=(n_features,), name="exam_b")
'''

EQUIVALENTS = {
    "dicts in and out, outputs named by key": two_input(INPUTS + '''
    x = layers.Dense(8, activation="relu")(layers.concatenate([practice, profile]))
    return keras.Model(
        inputs={"practice_scores": practice, "profile": profile},
        outputs={"grade": layers.Dense(1)(x), "passed": layers.Dense(1, activation="sigmoid")(x)},
    )
'''),
    "separate branches joined late, activation layers": two_input(INPUTS + '''
    a = layers.Dense(4, activation="relu")(profile)
    b = layers.Dense(4, activation="relu")(practice)
    x = layers.Concatenate()([a, b])
    passed = layers.Activation("sigmoid", name="passed")(layers.Dense(1)(x))
    grade = layers.Dense(1, activation=None, name="grade")(x)
    return keras.Model([profile, practice], [grade, passed])
'''),
    "shared small model": shared(EXAM_PAIR + '''
    encoder = keras.Sequential([keras.Input(shape=(n_features,)), layers.Dense(4, activation="relu")])
    difference = layers.subtract([encoder(exam_a), encoder(exam_b)])
    return keras.Model({"exam_a": exam_a, "exam_b": exam_b}, layers.Dense(1, activation="sigmoid", name="same_student")(difference))
'''),
}

# (answers, tests that must fail with a fragment of their message); the exercise's other tests must still pass.
MUTANTS = {
    "sequential model": (
        two_input("    return keras.Sequential([keras.Input((n_profile + n_practice,)), layers.Dense(2)])\n"),
        {
            "build_two_input_model_is_functional": "is a `keras.Sequential`, but this exercise asks for a Functional model",
            "build_two_input_model_names_and_shapes": "should have 2 input(s) named 'profile', 'practice_scores'",
            "build_two_input_model_output_activations": "Your model has no output named 'passed'",
            "build_two_input_model_depends_on_both": "Your model has no output named 'passed'",
        },
    ),
    "unnamed inputs": (
        two_input('''
    profile, practice = keras.Input(shape=(n_profile,)), keras.Input(shape=(n_practice,))
    x = layers.concatenate([profile, practice])
    return keras.Model([profile, practice], [layers.Dense(1, activation="sigmoid", name="passed")(x), layers.Dense(1, name="grade")(x)])
'''),
        {
            "build_two_input_model_names_and_shapes": "Missing: 'profile', 'practice_scores'. Name each input when you create it",
            "build_two_input_model_depends_on_both": "Your model has no input named 'profile'",
        },
    ),
    "fixed sizes": (
        two_input('''
    profile = keras.Input(shape=(5,), name="profile")
    practice = keras.Input(shape=(3,), name="practice_scores")
    x = layers.concatenate([profile, practice])
    return keras.Model([profile, practice], [layers.Dense(1, activation="sigmoid", name="passed")(x), layers.Dense(1, name="grade")(x)])
'''),
        {"build_two_input_model_names_and_shapes": "Input 'profile' should have shape (None, 6); yours has (None, 5)"},
    ),
    "outputs not joined": (
        two_input(INPUTS + '''
    passed = layers.Dense(1, activation="sigmoid", name="passed")(profile)
    grade = layers.Dense(1, name="grade")(practice)
    return keras.Model([profile, practice], [passed, grade])
'''),
        {"build_two_input_model_depends_on_both": "Output 'passed' does not depend on input 'practice_scores'"},
    ),
    "grade squashed by a sigmoid": (
        two_input(INPUTS + '''
    x = layers.concatenate([profile, practice])
    return keras.Model([profile, practice], [layers.Dense(1, activation="sigmoid", name="passed")(x), layers.Dense(1, activation="sigmoid", name="grade")(x)])
'''),
        {"build_two_input_model_output_activations": "Output 'grade' should end with the activation 'linear'"},
    ),
    "two separate encoders": (
        shared(EXAM_PAIR + '''
    x = layers.concatenate([layers.Dense(4, activation="relu")(exam_a), layers.Dense(4, activation="relu")(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same_student")(x))
'''),
        {SHARED + "_shares_a_layer": "No layer in your model is used more than once"},
    ),
    "encoder shared on one side only": (
        shared(EXAM_PAIR + '''
    encoder = layers.Dense(n_features, activation="relu")
    x = layers.concatenate([exam_a, encoder(encoder(exam_b))])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same_student")(x))
'''),
        {SHARED + "_shares_a_layer": "but not on every one of the inputs 'exam_a', 'exam_b'"},
    ),
    "output not named": (
        shared(EXAM_PAIR + '''
    encoder = layers.Dense(4, activation="relu")
    x = layers.concatenate([encoder(exam_a), encoder(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid")(x))
'''),
        {SHARED + "_inputs_and_output": "Missing: 'same_student'"},
    ),
    "linear output": (
        shared(EXAM_PAIR + '''
    encoder = layers.Dense(4, activation="relu")
    x = layers.concatenate([encoder(exam_a), encoder(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, name="same_student")(x))
'''),
        {SHARED + "_inputs_and_output": "Output 'same_student' should end with the activation 'sigmoid'"},
    ),
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 9)


@pytest.mark.parametrize("name", EQUIVALENTS)
def test_equivalent_formulation_passes(name):
    """Does another correct way of writing the exercise (dicts, late joins, a small shared model) pass every test?"""
    answers = EQUIVALENTS[name]
    results = run_exercises(LESSON, answers, only=answers)
    assert results and all(r.passed for r in results.values()), {k: r.message for k, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)
