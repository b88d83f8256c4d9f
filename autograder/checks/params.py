"""Check of a model's total number of parameters (weights and biases)."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from typing import Any

from ._model import describe_model
from .shapes import require_known_inputs


def assert_param_count(model: Any, expected: int) -> None:
    """Raise AssertionError unless the model has exactly `expected` parameters.

    Args:
        model: the student's model.
        expected: the expected total, trainable and not.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    if desc.params != expected:
        per_layer = ", ".join(f"{layer.name}: {layer.params}" for layer in desc.layers)
        raise AssertionError(
            f"Your model should have {expected} parameters; yours has {desc.params} ({per_layer}). "
            "A Dense layer has a weight for each input and unit, and a bias for each unit: compare each layer's "
            "Param # in `model.summary()`."
        )
