"""Lesson 01: the reference answers get full marks, each wrong answer loses points with a message that teaches,
and the exam students never reach training."""


import numpy as np
import pytest
from harness import assert_full_marks, assert_mutant, run_exercises, solutions, source_notebook, unmark

from autograder.notebook.course import SOURCE

LESSON = "01_what_is_a_model"

SPLIT = "def split_practice_exam(x, y, n_exam, seed=0):\n"
ACCURACY = "def exam_accuracy(y_true, y_prob):\n"
CHOOSE = "def choose_model(scores):\n"

# name: (answers, {test that must fail: a fragment of its message}); the exercise's other tests must still pass.
MUTANTS = {
    "exam students also in practice": (
        {"split_practice_exam": SPLIT + "    order = np.random.default_rng(seed).permutation(len(x))\n"
                                        "    return (x, y), (x[order[:n_exam]], y[order[:n_exam]])\n"},
        {"split_practice_exam_sizes": "the sizes should be 150 practice and 50 exam; yours are 200",
         "split_practice_exam_keeps_exam_unseen": "exam students also sit in the practice set"},
    ),
    "no shuffle, the last rows as the exam": (
        {"split_practice_exam": SPLIT + "    return (x[:-n_exam], y[:-n_exam]), (x[-n_exam:], y[-n_exam:])\n"},
        {"split_practice_exam_keeps_exam_unseen": "The data are sorted, so shuffle the rows before you split."},
    ),
    "x and y shuffled apart": (
        {"split_practice_exam": SPLIT + "    rng = np.random.default_rng(seed)\n"
                                        "    x, y = x[rng.permutation(len(x))], y[rng.permutation(len(y))]\n"
                                        "    return (x[n_exam:], y[n_exam:]), (x[:n_exam], y[:n_exam])\n"},
        {"split_practice_exam_keeps_exam_unseen": "Some labels moved away from their students"},
    ),
    "shuffle ignores the seed": (
        {"split_practice_exam": SPLIT + "    order = np.random.permutation(len(x))\n"
                                        "    return (x[order[n_exam:]], y[order[n_exam:]]), (x[order[:n_exam]], y[order[:n_exam]])\n"},
        {"split_practice_exam_keeps_exam_unseen": "Two calls with the same seed gave two different exams"},
    ),
    "exam and practice sizes swapped": (
        {"split_practice_exam": SPLIT + "    order = np.random.default_rng(seed).permutation(len(x))\n"
                                        "    return (x[order[:n_exam]], y[order[:n_exam]]), (x[order[n_exam:]], y[order[n_exam:]])\n"},
        {"split_practice_exam_sizes": "yours are 50 and 50 practice, 150 and 150 exam",
         "split_practice_exam_keeps_exam_unseen": "The exam should hold n_exam=5 students; yours holds 15."},
    ),
    "split forgets to return": (
        {"split_practice_exam": SPLIT + "    order = np.random.default_rng(seed).permutation(len(x))\n"},
        {"split_practice_exam_sizes": "split_practice_exam returned None",
         "split_practice_exam_keeps_exam_unseen": "split_practice_exam returned None"},
    ),
    "accuracy as a count": (
        {"exam_accuracy": ACCURACY + "    return np.sum((np.ravel(y_prob) >= 0.5) == y_true)\n"},
        {"exam_accuracy_small_exam": "divide by the number of questions",
         "exam_accuracy_keras_predictions": "it should be 0.75"},
    ),
    "accuracy as a percentage": (
        {"exam_accuracy": ACCURACY + "    return 100 * np.mean((np.ravel(y_prob) >= 0.5) == y_true)\n"},
        {"exam_accuracy_small_exam": "a percentage; return a fraction between 0 and 1",
         "exam_accuracy_keras_predictions": "it should be 0.75"},
    ),
    "probabilities compared with answers": (
        {"exam_accuracy": ACCURACY + "    return np.mean(np.ravel(y_prob) == y_true)\n"},
        {"exam_accuracy_small_exam": "Turn each probability into an answer first",
         "exam_accuracy_keras_predictions": "it should be 0.75"},
    ),
    "predictions not flattened": (
        {"exam_accuracy": ACCURACY + "    return np.mean((y_prob >= 0.5) == y_true)\n"},
        {"exam_accuracy_keras_predictions": "Give the predictions the answers' shape, (4,), before you compare."},
    ),
    "0.5 counted as fail": (
        {"exam_accuracy": ACCURACY + "    return np.mean((np.ravel(y_prob) > 0.5) == y_true)\n"},
        {"exam_accuracy_small_exam": "A probability of exactly 0.5 counts as the answer 1"},
    ),
    "chosen by practice": (
        {"choose_model": CHOOSE + "    return max(scores, key=lambda name: scores[name][0])\n"},
        {"choose_model_trusts_the_exam": "choose by the exam accuracy, the second number of each pair"},
    ),
    "chosen by the smallest gap": (
        {"choose_model": CHOOSE + "    return min(scores, key=lambda name: abs(scores[name][0] - scores[name][1]))\n"},
        {"choose_model_trusts_the_exam": "close to its practice score and clearly above the baseline"},
    ),
    "returns the scores, not the name": (
        {"choose_model": CHOOSE + "    return max(scores.values(), key=lambda pair: pair[1])\n"},
        {"choose_model_trusts_the_exam": "return the model's name"},
    ),
}


# Other correct ways of writing the exercises: each must get full marks too.
EQUIVALENTS = {
    "split_practice_exam": {
        "shuffled row numbers, then masks": SPLIT + "    rows = np.arange(len(x))\n"
                                                    "    np.random.default_rng(seed).shuffle(rows)\n"
                                                    "    exam = np.zeros(len(x), dtype=bool)\n    exam[rows[:n_exam]] = True\n"
                                                    "    return (x[~exam], y[~exam]), (x[exam], y[exam])\n",
        "rows and labels shuffled together": SPLIT + "    order = np.random.default_rng(seed).permutation(len(y))\n"
                                                     "    x, y = x[order], y[order]\n"
                                                     "    return (x[n_exam:], y[n_exam:]), (x[:n_exam], y[:n_exam])\n",
    },
    "exam_accuracy": {
        "reshape and a count": ACCURACY + "    answers = np.asarray(y_prob).reshape(-1) >= 0.5\n"
                                          "    return float(np.sum(answers == np.asarray(y_true).reshape(-1)) / len(y_true))\n",
        "a loop": ACCURACY + "    right = 0\n    for truth, prob in zip(y_true, np.ravel(y_prob)):\n"
                             "        right += int(prob >= 0.5) == truth\n    return right / len(y_true)\n",
    },
    "choose_model": {
        "a loop": CHOOSE + "    best = None\n    for name, (practice, exam) in scores.items():\n"
                           "        if best is None or exam > scores[best][1]:\n            best = name\n    return best\n",
        "sorted": CHOOSE + "    return sorted(scores.items(), key=lambda item: item[1][1])[-1][0]\n",
    },
}


@pytest.fixture(scope="module")
def reference():
    return run_exercises(LESSON)


def test_reference_gets_full_marks(reference):
    """Do the reference answers pass every test, hidden ones included, for full marks?"""
    assert_full_marks(reference, 7)


@pytest.mark.parametrize(
    "exercise, name", [(exercise, name) for exercise, table in EQUIVALENTS.items() for name in table]
)
def test_equivalent_answer_passes(exercise, name):
    """Does another correct way of writing the exercise (masks, a loop, reshape, sorted) get every point?"""
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
    assert [c.metadata.nbgrader.grade_id for c in written] == ["why_keep_the_exam_unseen"]
    assert written[0].metadata.nbgrader.points == 2 and "test set" in written[0].source


def run_whole_lesson(monkeypatch, answers=None):
    """Run every code cell of the lesson in this process; return its namespace and every array training saw.

    "Training" is anything that learns from data: `Model.fit` and `Normalization.adapt`.
    """
    import keras
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seen = []
    fit, adapt = keras.Model.fit, keras.layers.Normalization.adapt

    def spy_fit(self, x=None, y=None, *args, **kwargs):
        seen.append(np.asarray(x))
        return fit(self, x, y, *args, **kwargs)

    def spy_adapt(self, data, *args, **kwargs):
        seen.append(np.asarray(data))
        return adapt(self, data, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy_fit)
    monkeypatch.setattr(keras.layers.Normalization, "adapt", spy_adapt)
    monkeypatch.setattr(plt, "show", lambda *a, **k: None)
    monkeypatch.chdir(SOURCE / LESSON)
    code = {**solutions(LESSON), **(answers or {})}
    namespace = {"__name__": "__main__"}
    for cell in source_notebook(LESSON).cells:
        if cell.cell_type != "code":
            continue
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        source = code.get(grade_id, unmark(cell.source))
        try:
            exec(compile(source, f"<{grade_id or cell.id}>", "exec"), namespace)
        except AssertionError:
            if not answers:  # with a wrong answer, its test cells may fail: the lesson still goes on
                raise
    plt.close("all")
    return namespace, seen


def exam_rows_seen(namespace, seen):
    """The exam students (as feature rows) that reached training or the memorizer's answer key."""
    exam = {tuple(row) for row in namespace["x_exam"].tolist()}
    studied = {tuple(row) for array in seen for row in array.reshape(-1, array.shape[-1]).tolist()}
    studied |= {tuple(float(v) for v in key) for key in namespace["answer_key"]}
    return exam & studied


def test_exam_students_never_reach_training(monkeypatch):
    """Does the lesson train, adapt and memorize on practice students only, never on an exam student?"""
    namespace, seen = run_whole_lesson(monkeypatch)
    assert len(namespace["x_exam"]) == 50 and len(seen) == 2  # adapt, then fit
    assert all(len(array) == 150 for array in seen)
    assert not exam_rows_seen(namespace, seen)
    assert namespace["learner_scores"][1] >= 0.75 > namespace["memorizer_scores"][1]
    assert namespace["memorizer_scores"][0] == 1.0


def test_a_leaky_split_would_be_caught(monkeypatch):
    """Would an exam student who slipped into the practice set be found by the check above?"""
    leaky = MUTANTS["exam students also in practice"][0]
    namespace, seen = run_whole_lesson(monkeypatch, leaky)
    assert len(exam_rows_seen(namespace, seen)) == 50
