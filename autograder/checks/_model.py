"""The first, coarsest check of all: is there a Keras model to look at?"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from typing import Any

from autograder.model.description import ModelDescription
from autograder.model.introspection import describe, is_model


def _carried_type(obj: Any) -> str | None:
    """The type's name that the grader's stand-in for a value it could not carry out of the kernel (the judge's
    `Opaque`, a class named after that type) says the value had; None for any other value."""
    stand_in = any(kind.__name__ == "Opaque" for kind in type(obj).__mro__)
    name = getattr(obj, "type_name", None)
    return name if stand_in and isinstance(name, str) else None


def assert_is_model(obj: Any) -> None:
    """Raise AssertionError, addressed to the student, unless `obj` is a Keras model.

    Args:
        obj: what the student's function returned.
    """
    if obj is None:
        raise AssertionError(
            "Your function returned None instead of a model. End it with `return model`."
        )
    carried = _carried_type(obj)  # judged outside the kernel, a class, a tensor or a layer arrives as its type's name
    if isinstance(obj, type) or carried == "type":
        name = obj.__name__ if isinstance(obj, type) else repr(obj)  # a stand-in for a class shows the class's name
        raise AssertionError(
            f"Your function returned the class {name}, not a model object. "
            f"Create the model by calling it, for example `keras.Sequential()`, and return that."
        )
    if is_model(obj):
        return
    import keras

    carried_class = getattr(keras.layers, carried, None) if carried else None
    if isinstance(obj, keras.KerasTensor) or carried == "KerasTensor":
        raise AssertionError(
            "Your function returned a symbolic tensor (the output of a layer), not a model. "
            "Wrap the graph in a model and return that: `return keras.Model(inputs=inputs, outputs=outputs)`."
        )
    if isinstance(obj, keras.layers.Layer) or (
            isinstance(carried_class, type) and issubclass(carried_class, keras.layers.Layer)):
        raise AssertionError(
            f"Your function returned a single layer ({type(obj).__name__}), not a model. "
            "Put the layers in a model, for example `keras.Sequential([...])`, and return the model."
        )
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        raise AssertionError(
            f"Your function returned an array of shape {tuple(obj.shape)}, not a Keras model; perhaps the result "
            "of `model.predict(...)`. Return the model object itself (`return model`)."
        )
    raise AssertionError(
        f"Your function returned an object of type {type(obj).__name__}, not a Keras model. "
        "Return the model object itself (`return model`)."
    )


def describe_model(obj: Any) -> ModelDescription:
    """Check that `obj` is a Keras model, then describe it."""
    assert_is_model(obj)
    return describe(obj)
