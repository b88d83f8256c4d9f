"""The first, coarsest check of all: is there a Keras model to look at?"""

from __future__ import annotations

from typing import Any

from ..describe import describe, is_model
from ..description import ModelDescription


def assert_is_model(obj: Any) -> None:
    """Raise AssertionError, addressed to the student, unless `obj` is a Keras model.

    Args:
        obj: what the student's function returned.
    """
    if obj is None:
        raise AssertionError(
            "Your function returned None instead of a model. End it with `return model`."
        )
    if isinstance(obj, type):
        raise AssertionError(
            f"Your function returned the class {obj.__name__}, not a model object. "
            f"Create the model by calling it, for example `keras.Sequential()`, and return that."
        )
    if not is_model(obj):
        raise AssertionError(
            f"Your function returned a {type(obj).__name__}, not a Keras model. "
            "Return the model object itself (`return model`)."
        )


def describe_model(obj: Any) -> ModelDescription:
    """Check that `obj` is a Keras model, then describe it."""
    assert_is_model(obj)
    return describe(obj)
