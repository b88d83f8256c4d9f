"""Lesson 02: the reference answers get full marks, and each wrong answer loses points with a message that teaches."""

import pytest
from harness import assert_full_marks, assert_mutant, run_exercises, source_notebook

LESSON = "02_layers"

COUNT = "def count_dense_params(n_inputs, n_units):\n"
OUTPUT = "def output_layer_for(task, n_classes=None):\n"
REFERENCE_OUTPUTS = (
    "    if task == 'binary':\n        return (1, 'sigmoid')\n"
    "    if task == 'multiclass':\n        return (n_classes, 'softmax')\n"
)


def pairs(binary="(1, 'sigmoid')", multiclass="(n_classes, 'softmax')", regression="(1, 'linear')"):
    """An output_layer_for that returns these pairs (given as code) and refuses any other task."""
    return {"output_layer_for": OUTPUT + f"    if task == 'binary':\n        return {binary}\n"
                                         f"    if task == 'multiclass':\n        return {multiclass}\n"
                                         f"    if task == 'regression':\n        return {regression}\n"
                                         "    raise ValueError(task)\n"}

EQUIVALENTS = {
    "count_dense_params": {
        "factored": COUNT + "    return (n_inputs + 1) * n_units\n",
        "built by hand with a loop": COUNT + "    total = 0\n    for _ in range(n_units):\n"
                                             "        total += n_inputs + 1\n    return total\n",
    },
    "output_layer_for": {
        "table lookup": OUTPUT + "    table = {'binary': (1, 'sigmoid'), 'multiclass': (n_classes, 'softmax'),"
                                 " 'regression': (1, 'linear')}\n"
                                 "    if task not in table:\n        raise ValueError(f'unknown task {task}')\n"
                                 "    return table[task]\n",
        "list and Keras functions": OUTPUT + "    if task == 'binary':\n        return [1, keras.activations.sigmoid]\n"
                                             "    if task == 'multiclass':\n        return [n_classes, keras.activations.softmax]\n"
                                             "    if task == 'regression':\n        return [1, keras.activations.linear]\n"
                                             "    raise ValueError(task)\n",
    },
}

# name: (answers, {test that must fail: a fragment of its message}); the exercise's other tests must still pass.
MUTANTS = {
    "weights without biases": (
        {"count_dense_params": COUNT + "    return n_inputs * n_units\n"},
        {"count_dense_params_small_layers": "You counted the weights (the lines) but not the biases",
         "count_dense_params_matches_keras": "your counts add up to 32, but Keras counts 41"},
    ),
    "one bias per input": (
        {"count_dense_params": COUNT + "    return n_inputs * n_units + n_inputs\n"},
        {"count_dense_params_small_layers": "There is one bias per unit, not one per input",
         "count_dense_params_matches_keras": "but Keras counts 41"},
    ),
    "inputs and units added": (
        {"count_dense_params": COUNT + "    return n_inputs + n_units\n"},
        {"count_dense_params_small_layers": "count_dense_params(3, 4) returned 7; it should be 16. Every input "
                                            "connects to every unit",
         "count_dense_params_matches_keras": "but Keras counts 41"},
    ),
    "an extra bias per layer": (
        {"count_dense_params": COUNT + "    return (n_inputs + 1) * (n_units + 1)\n"},
        {"count_dense_params_small_layers": "Count one weight per connection (every input joins every unit), then one bias per unit.",
         "count_dense_params_matches_keras": "but Keras counts 41"},
    ),
    "binary with two softmax units": (
        pairs(binary="(2, 'softmax')"),
        {"output_layer_for_each_task": "output_layer_for('binary', n_classes=None) gives 2 units; a binary output "
                                       "layer needs 1"},
    ),
    "multiclass with a fixed number of classes": (
        pairs(multiclass="(3, 'softmax')"),
        {"output_layer_for_each_task": "one unit per class: use n_classes"},
    ),
    "regression with relu": (
        pairs(regression="(1, 'relu')"),
        {"output_layer_for_each_task": "turns -50 into 0. A grade such as 35 or 82 must come out as the unit computed it"},
    ),
    "binary with one softmax unit": (
        pairs(binary="(1, 'softmax')"),
        {"output_layer_for_each_task": "gives the same answer, 1.00, whatever the unit computed"},
    ),
    "binary with tanh": (
        pairs(binary="(1, 'tanh')"),
        {"output_layer_for_each_task": "and some are not between 0 and 1. A yes-or-no answer is a probability"},
    ),
    "multiclass with sigmoid": (
        pairs(multiclass="(n_classes, 'sigmoid')"),
        {"output_layer_for_each_task": "the 3 answers for one student add up to 3.00, not 1"},
    ),
    "regression with sigmoid": (
        pairs(regression="(1, 'sigmoid')"),
        {"output_layer_for_each_task": "turns -50 into "},
    ),
    "regression with None": (
        pairs(regression="(1, None)"),
        {"output_layer_for_each_task": "Keras reads None as 'linear', but say so"},
    ),
    "a Dense layer instead of a pair": (
        {"output_layer_for": OUTPUT + "    if task == 'binary':\n        return layers.Dense(1, activation='sigmoid')\n"
                                      "    if task == 'multiclass':\n        return layers.Dense(n_classes, activation='softmax')\n"
                                      "    if task == 'regression':\n        return layers.Dense(1)\n"
                                      "    raise ValueError(task)\n"},
        {"output_layer_for_each_task": "return a pair (units, activation), two plain values, not a layer"},
    ),
    "unknown task returns None": (
        {"output_layer_for": OUTPUT + REFERENCE_OUTPUTS + "    if task == 'regression':\n        return (1, 'linear')\n"},
        {"output_layer_for_unknown_task": "output_layer_for('clustering') returned None; a task it does not know "
                                          "should stop with an error"},
    ),
    "unknown task falls through to regression": (
        {"output_layer_for": OUTPUT + REFERENCE_OUTPUTS + "    return (1, 'linear')\n"},
        {"output_layer_for_unknown_task": "returned (1, 'linear')"},
    ),
    "unknown task raises KeyError": (
        {"output_layer_for": OUTPUT + "    return {'binary': (1, 'sigmoid'), 'multiclass': (n_classes, 'softmax'),"
                                      " 'regression': (1, 'linear')}[task]\n"},
        {"output_layer_for_unknown_task": "raised KeyError; raise ValueError instead"},
    ),
    "only the visible unknown task is refused": (
        {"output_layer_for": OUTPUT + "    if task == 'clustering':\n        raise ValueError(task)\n"
                                      + REFERENCE_OUTPUTS + "    return (1, 'linear')\n"},
        {"output_layer_for_unknown_task": "output_layer_for('multi-class') returned (1, 'linear')"},
    ),
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 6)


@pytest.mark.parametrize(
    "exercise, name", [(exercise, name) for exercise, table in EQUIVALENTS.items() for name in table]
)
def test_equivalent_answer_passes(exercise, name):
    """Does another correct way of writing the exercise (factored sum, table, list, Keras functions) pass?"""
    results = run_exercises(LESSON, {exercise: EQUIVALENTS[exercise][name]}, only=[exercise])
    assert results and all(r.passed for r in results.values()), {k: r.message for k, r in results.items()}


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_loses_points_with_a_teaching_message(name, reference):
    """Does each wrong answer lose the points of the tests it breaks, with the message that names the fix?"""
    assert_mutant(LESSON, *MUTANTS[name], reference)


def test_a_manual_written_answer_is_graded():
    """Does the lesson hold a written answer graded by hand, with points and a model answer?"""
    written = [c for c in source_notebook(LESSON).cells
               if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in written] == ["sigmoid_for_exam_scores"]
    assert written[0].metadata.nbgrader.points == 2 and "linear" in written[0].source
