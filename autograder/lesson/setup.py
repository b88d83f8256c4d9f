"""What the first cell of every lesson runs."""

from __future__ import annotations

from autograder.notebook.quiet import quiet_tensorflow

from .tracebacks import hide_checker_frames


def setup_lesson(seed: int = 42) -> None:
    """Prepare a notebook for a lesson: quiet TensorFlow, fix the random seeds, and keep the checkers' code out of
    tracebacks.

    With fixed seeds, every run of the lesson starts its models from the same weights, so the numbers a
    learner sees match the text. When a test cell's check fails, the traceback ends with the test's line and the
    message (JupyterLab, nbgrader validate and the autograded notebook alike).

    Args:
        seed: the seed for Python, NumPy and Keras.
    """
    quiet_tensorflow()
    hide_checker_frames()
    import keras

    keras.utils.set_random_seed(seed)
