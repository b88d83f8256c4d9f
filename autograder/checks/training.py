"""Checks of a learner's training function: it returns what `fit()` returns, and the model it trained learned.

The model trained in the test is the grader's own (`exam_student`), so that a test of training never depends on
the learner's other answers, and the test cell never shows another exercise's solution.
"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

import warnings
from typing import Any

import numpy as np


def exam_student(n_features: int = 8, seed: int = 0) -> Any:
    """A fresh yes/no model for `n_features` features, compiled for the exam: the model training tests train.

    Args:
        n_features: how many numbers describe one student.
        seed: the random seed its first weights come from.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name="exam_student")
    # Several steps per call of the training graph: the same updates, with less overhead per batch (grading trains
    # this model once per student, and a learner each time they run the test).
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], steps_per_execution=32)
    return model


def assert_history(history: Any, name: str) -> None:
    """Raise AssertionError unless `history` is the `History` object that `model.fit(...)` returns.

    Args:
        history: what the learner's function returned.
        name: the learner's function, for the message.
    """
    __tracebackhide__ = True
    import keras

    if not isinstance(history, keras.callbacks.History):
        raise AssertionError(f"{name} returned {type(history).__name__}; return what model.fit(...) returns.")


def assert_beats_baseline(model: Any, x: Any, y: Any, margin: float = 0.15, name: str = "train_for_exam") -> float:
    """Raise AssertionError unless the trained model's accuracy on `x`, `y` beats the baseline by `margin`.

    The baseline always gives the most common answer of `y`. A probability above 0.5 counts as "yes", as in Keras.

    Returns:
        The model's accuracy on `x`, `y`.
    """
    __tracebackhide__ = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        answers = np.ravel(np.asarray(model(np.asarray(x, dtype="float32"), training=False)))
    accuracy = float(np.mean((answers > 0.5) == (np.ravel(y) == 1)))  # as Keras's accuracy counts
    baseline = max(float(np.mean(y)), 1 - float(np.mean(y)))
    target = baseline + margin
    if accuracy < target:
        raise AssertionError(
            f"After {name} the model scores {accuracy:.2f} on the exam; it should reach {target:.2f} (the baseline, "
            f"{baseline:.2f}, plus {margin:.2f}). It has not studied enough yet: give it more updates of its "
            "parameters, with more passes over the practice exams (epochs) or more steps in each pass (smaller batches)."
        )
    return accuracy
