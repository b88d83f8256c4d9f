"""What the first cell of every lesson runs."""

from __future__ import annotations

from .quiet import quiet_tensorflow


def setup_lesson(seed: int = 42) -> None:
    """Prepare a notebook for a lesson: quiet TensorFlow, then fix the random seeds.

    With fixed seeds, every run of the lesson starts its models from the same weights, so the numbers a
    learner sees match the text.

    Args:
        seed: the seed for Python, NumPy and Keras.
    """
    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(seed)
