"""Lesson 04: the reference answers get full marks, each wrong answer loses points with a message that teaches, and
the lesson keeps its own rules (the exam stays unseen, demos hold no solution, the siamese demo is symmetric)."""

import ast
import re
from pathlib import Path

import numpy as np
import pytest
from harness import assert_full_marks, assert_mutant, run_exercises, source_notebook, unmark

from autograder.notebook.cells import is_answer_cell, is_test_cell, nbgrader_meta

LESSON = "04_functional"

BRANCHED = "build_branched_model"
TWO_INPUT = "build_two_input_model"
COMPILE = "compile_two_outputs"
SHARED = "build_shared_encoder_model"
ROOT = Path(__file__).resolve().parents[2]


def branched(body: str) -> dict[str, str]:
    """An answer to exercise 1: `body` is the function's code after its `def` line."""
    return {BRANCHED: "def build_branched_model(n_profile, n_practice):\n" + body}


def compiled_with(settings: str, end: str = "    return model\n") -> dict[str, str]:
    """An answer to exercise 3 that calls `model.compile(<settings>)`, then runs `end`."""
    return {COMPILE: f"def compile_two_outputs(model):\n    model.compile({settings})\n{end}"}


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

RIGHT_LOSSES = 'loss={"passed": "binary_crossentropy", "grade": "mse"}'
RIGHT_WEIGHTS = 'loss_weights={"passed": 1.0, "grade": 0.5}'

EQUIVALENTS = {
    "branches as Dense then Activation layers, Concatenate(), dicts, a Dense after the join": branched(INPUTS + '''
    a = layers.Activation("relu")(layers.Dense(8)(profile))
    b = layers.Activation(keras.activations.relu)(layers.Dense(8)(practice))
    x = layers.Dense(4, activation="relu")(layers.Concatenate()([b, a]))
    return keras.Model({"profile": profile, "practice_scores": practice},
                       {"passed": layers.Dense(1, activation="sigmoid")(x)})
'''),
    "activation functions, ReLU layer, output activation layer": branched(INPUTS + '''
    a = layers.Dense(8, activation=keras.activations.relu)(profile)
    b = layers.ReLU()(layers.Dense(8)(practice))
    passed = layers.Activation("sigmoid", name="passed")(layers.Dense(1)(layers.concatenate([a, b])))
    return keras.Model(inputs=[practice, profile], outputs=[passed])
'''),
    "losses and weights as lists in output order": compiled_with(
        'optimizer="adam", loss=["binary_crossentropy", "mean_squared_error"], loss_weights=[1.0, 0.5]'),
    "loss and optimizer objects, whole-number weight, metrics too": compiled_with(
        "optimizer=keras.optimizers.Adam(), loss={'grade': keras.losses.MeanSquaredError(), "
        "'passed': keras.losses.BinaryCrossentropy()}, loss_weights={'grade': 0.5, 'passed': 1}, "
        "metrics={'passed': ['accuracy']}"),
    "aliases, weights as a tuple, returned from compile's own model": compiled_with(
        'optimizer="Adam", loss=("bce", "mse"), loss_weights=(1, 0.5)', "    compiled = model\n    return compiled\n"),
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
    "raw inputs joined at once": (
        branched(INPUTS + '''
    x = layers.Dense(8, activation="relu")(layers.concatenate([profile, practice]))
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))
'''),
        {BRANCHED + "_has_a_branch_per_input": "The input 'profile' goes straight into 'concatenate"},
    ),
    "raw input joined beside its branch": (
        branched(INPUTS + '''
    a, b = layers.Dense(8, activation="relu")(profile), layers.Dense(8, activation="relu")(practice)
    x = layers.concatenate([a, b, practice])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))
'''),
        {BRANCHED + "_has_a_branch_per_input": "The input 'practice_scores' is read by 2 layers"},
    ),
    "branches too wide": (
        branched(INPUTS + '''
    a, b = layers.Dense(16, activation="relu")(profile), layers.Dense(16, activation="relu")(practice)
    x = layers.concatenate([a, b])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))
'''),
        {BRANCHED + "_has_a_branch_per_input": "has 16 units; it should have 8 units."},
    ),
    "branches without an activation": (
        branched(INPUTS + '''
    x = layers.concatenate([layers.Dense(8)(profile), layers.Dense(8)(practice)])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))
'''),
        {BRANCHED + "_has_a_branch_per_input": "applies no activation; it should apply 'relu'."},
    ),
    "branches added, not concatenated": (
        branched(INPUTS + '''
    x = layers.add([layers.Dense(8, activation="relu")(profile), layers.Dense(8, activation="relu")(practice)])
    return keras.Model([profile, practice], layers.Dense(1, activation="sigmoid", name="passed")(x))
'''),
        {BRANCHED + "_joins_the_branches": "joins the branches of 'profile' and 'practice_scores' with Add"},
    ),
    "linear answer": (
        branched(INPUTS + '''
    x = layers.concatenate([layers.Dense(8, activation="relu")(profile), layers.Dense(8, activation="relu")(practice)])
    return keras.Model([profile, practice], layers.Dense(1, name="passed")(x))
'''),
        {BRANCHED + "_inputs_and_output": "Output 'passed' should end with the activation 'sigmoid'"},
    ),
    "a stack on the glued inputs": (
        branched("    glued = keras.Input((n_profile + n_practice,))\n"
                 "    return keras.Sequential([glued, layers.Dense(8), layers.Dense(1)])\n"),
        {
            BRANCHED + "_inputs_and_output": "is a `keras.Sequential`, but this exercise asks for a Functional model",
            BRANCHED + "_has_a_branch_per_input": "Your model has no input named 'profile'",
            BRANCHED + "_joins_the_branches": "Your model has no input named 'profile'",
        },
    ),
    "no loss weights": (
        compiled_with(f'optimizer="adam", {RIGHT_LOSSES}'),
        {COMPILE + "_loss_weights": "The loss of output 'grade' counts 1 in the total loss (the default"},
    ),
    "weights in the wrong order": (
        compiled_with(f'optimizer="adam", {RIGHT_LOSSES}, loss_weights=[0.5, 1.0]'),
        {COMPILE + "_loss_weights": "Outputs 'passed' and 'grade' have each other's loss weight."},
    ),
    "one loss for both outputs": (
        compiled_with(f'optimizer="adam", loss="mse", {RIGHT_WEIGHTS}'),
        {
            COMPILE + "_losses": "One loss given for the whole model applies to every output.",
            COMPILE + "_loss_weights": "`loss_weights` must match the number of losses",  # Keras's own, when training
        },
    ),
    "losses in the wrong order": (
        compiled_with('optimizer="adam", loss=["mse", "binary_crossentropy"], loss_weights=[1.0, 0.5]'),
        {COMPILE + "_losses": "Outputs 'passed' and 'grade' have each other's loss."},
    ),
    "losses as a list, weights as a dict (Keras reads the dict in alphabetical order)": (
        compiled_with(f'optimizer="adam", loss=["binary_crossentropy", "mse"], {RIGHT_WEIGHTS}'),
        {COMPILE + "_loss_weights": "with a list of losses, Keras reads a dict of weights as a list too"},
    ),
    "default optimizer": (
        compiled_with(f"{RIGHT_LOSSES}, {RIGHT_WEIGHTS}"),
        {COMPILE + "_losses": "Your model's optimizer is 'rmsprop', but this exercise asks for 'adam'"},
    ),
    "compiled but not returned": (
        compiled_with(f'optimizer="adam", {RIGHT_LOSSES}, {RIGHT_WEIGHTS}', ""),
        {
            COMPILE + "_losses": "Your function returned None instead of a model",
            COMPILE + "_loss_weights": "Your function returned None instead of a model",
        },
    ),
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
    assert_full_marks(reference, 17)


@pytest.mark.parametrize("name", EQUIVALENTS)
def test_equivalent_formulation_passes(name):
    """Does another correct way of writing the exercise (dicts, late joins, activation layers, lists of losses, loss
    objects, a small shared model) pass every test?"""
    answers = EQUIVALENTS[name]
    results = run_exercises(LESSON, answers, only=answers)
    assert results and all(r.passed for r in results.values()), {k: r.message for k, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)


# The lesson's own rules, read from the instructor's notebook.


def demo_cells() -> list:
    """The code cells that are neither answers nor tests: set-up, data and demos."""
    return [c for c in source_notebook(LESSON).cells
            if c.cell_type == "code" and not is_answer_cell(c) and not is_test_cell(c)]


def calls(method: str) -> list[tuple[str, ast.expr]]:
    """Each `receiver.method(first_argument, ...)` in the demo cells, as (receiver's name, first argument)."""
    found = []
    for cell in demo_cells():
        for node in ast.walk(ast.parse(cell.source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                    and isinstance(node.func.value, ast.Name) and node.args):
                found.append((node.func.value.id, node.args[0]))
    return found


def names_in(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def test_the_lesson_sits_the_exam_on_students_it_never_studied():
    """Does every model the lesson trains get evaluated, and predict, only on data it was not fitted on, and do the
    practice and exam sets share no student?"""
    fitted = {}
    for model, data in calls("fit"):
        fitted.setdefault(model, set()).update(names_in(data))
    assert fitted, "the lesson trains no model"
    judged = [(model, data) for method in ("evaluate", "predict") for model, data in calls(method) if model in fitted]
    assert any(model in fitted for model, _ in calls("evaluate")), "the lesson never evaluates a trained model"
    for model, data in judged:
        assert not names_in(data) & fitted[model], f"{model} is judged on {ast.unparse(data)}, which it was fitted on"
    (data_cell,) = [c for c in demo_cells() if nbgrader_meta(c).get("grade_id") == "exam_data"]
    namespace = {"np": np}
    exec(compile(data_cell.source, "<exam_data>", "exec"), namespace)
    for model, data in judged:
        (practice_name,) = fitted[model] & {"practice_inputs"}
        practice, exam = namespace[practice_name], eval(compile(ast.Expression(data), "<data>", "eval"), namespace)
        for key, rows in exam.items():
            studied = {row.tobytes() for row in np.asarray(practice[key])}
            assert not any(row.tobytes() in studied for row in np.asarray(rows)), f"an exam student was studied ({key})"


def test_no_demo_cell_holds_a_line_of_a_solution():
    """Does no set-up or demo cell hold a line of an exercise's reference solution (the learner must assemble it)?"""
    demos = {" ".join(line.split()) for cell in demo_cells() for line in cell.source.splitlines()}
    for cell in source_notebook(LESSON).cells:
        if is_answer_cell(cell) and cell.cell_type == "code":
            for line in unmark(cell.source).splitlines():
                line = " ".join(line.split())
                if len(line) >= 20 and not line.startswith(("def ", "#")):
                    assert line not in demos, f"a demo cell holds {line!r} of {nbgrader_meta(cell)['grade_id']}"


def test_the_siamese_demo_answers_the_same_when_the_signatures_are_swapped():
    """Does the shared-encoder demo give the same answer for (a, b) and (b, a), as its text says, while its ordered
    counterpart (a concatenation) does not?"""
    import keras
    from keras import layers

    (demo,) = [c for c in demo_cells() if "siamese = keras.Model" in c.source]
    (swap,) = [c for c in demo_cells() if "ordered = keras.Model" in c.source]
    keras.utils.set_random_seed(4)
    namespace = {"keras": keras, "layers": layers, "np": np, "demo_rng": np.random.default_rng(0)}
    exec(compile(demo.source.replace("siamese.summary()", ""), "<siamese>", "exec"), namespace)
    exec(compile(swap.source.replace("print(", "(lambda *_: None)("), "<swap>", "exec"), namespace)
    a, b = namespace["pair_a"], namespace["pair_b"]
    siamese, ordered = namespace["siamese"], namespace["ordered"]
    assert np.allclose(np.asarray(siamese([a, b])), np.asarray(siamese([b, a])), atol=1e-6)
    assert not np.allclose(np.asarray(ordered([a, b])), np.asarray(ordered([b, a])), atol=1e-3)


def test_the_lowest_keras_stated_is_the_one_per_output_losses_need():
    """Does pyproject.toml ask for Keras 3.7 or newer (per-output losses by name go to the right outputs, and are
    logged unweighted, from 3.7 on), and does requirements.txt pin a tested version at or above it?"""
    pyproject = (ROOT / "pyproject.toml").read_text()
    (lowest,) = re.findall(r'"keras>=([0-9.]+)"', pyproject)
    (pinned,) = re.findall(r"^keras==([0-9.]+)$", (ROOT / "requirements.txt").read_text(), re.M)
    version = lambda text: tuple(int(part) for part in text.split("."))  # noqa: E731
    assert version(lowest) == (3, 7)
    assert version(pinned) >= version(lowest)
