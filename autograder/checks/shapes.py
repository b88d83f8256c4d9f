"""Checks of the shapes going into and coming out of a model."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Mapping, Sequence
from typing import Any

from autograder.model.description import ModelDescription, TensorInfo

from ._model import describe_model


def fmt_shape(shape: Sequence) -> str:
    """Write a shape the way Keras prints it: `(None, 8)`."""
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def units(n: int) -> str:
    """`1 unit`, `3 units`."""
    return f"{n} unit" if n == 1 else f"{n} units"


def _input_hint(shape: Sequence) -> str:
    return f"keras.Input(shape={fmt_shape(tuple(shape)[1:])})"


def require_known_inputs(desc: ModelDescription, example: Sequence | None = None) -> None:
    """Raise AssertionError when Keras does not know the model's input shape yet."""
    if desc.api == "subclassed":
        raise AssertionError(
            "Your model is a subclass of `keras.Model`: Keras learns its inputs and its graph only when it runs, so "
            "they cannot be checked. Build it with `keras.Sequential([...])`, or the Functional way: "
            "`keras.Input(...)`, layers called on tensors, then `keras.Model(inputs, outputs)`."
        )
    if not desc.input_known:
        start = f"`{_input_hint(example)}`" if example else "`keras.Input`, given the shape of one example,"
        raise AssertionError(
            "Keras does not know your model's input shape yet, so its layers have no weights and nothing can be "
            f"checked. Start the model with {start} so that Keras builds it right away."
        )


def _same(found: Sequence, expected: Sequence) -> bool:
    """Whether two shapes agree; an expected batch size of None accepts any batch size.

    A Sequential model built by calling it on data records that batch's size, yet predicts on any batch.
    """
    found, expected = tuple(found), tuple(expected)
    if expected and found and expected[0] is None:
        return found[1:] == expected[1:]
    return found == expected


def assert_input_shape(model: Any, shape: Sequence) -> None:
    """Raise AssertionError unless the model has one input, of this shape.

    Args:
        model: the student's model.
        shape: the expected shape with its batch dimension, for example `(None, 8)`.
    """
    desc = describe_model(model)
    require_known_inputs(desc, shape)
    if len(desc.inputs) != 1:
        names = ", ".join(repr(i.name) for i in desc.inputs)
        raise AssertionError(
            f"Your model should have 1 input; it has {len(desc.inputs)} ({names}). "
            f"Give it a single input, `{_input_hint(shape)}`, and feed every feature through it."
        )
    found = desc.inputs[0].shape
    if not _same(found, shape):
        raise AssertionError(
            f"Your model's input shape should be {fmt_shape(shape)}; yours is {fmt_shape(found)}. "
            f"Start the model with `{_input_hint(shape)}`: one number per feature, taken from the function's argument."
        )


def assert_output_shape(model: Any, shape: Sequence) -> None:
    """Raise AssertionError unless the model has one output, of this shape.

    Args:
        model: the student's model.
        shape: the expected shape with its batch dimension, for example `(None, 1)`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    if len(desc.outputs) != 1:
        names = ", ".join(repr(o.name) for o in desc.outputs)
        raise AssertionError(
            f"Your model should have 1 output; it has {len(desc.outputs)} ({names}). "
            f"End it with a single layer of {units(shape[-1])}."
        )
    found = desc.outputs[0].shape
    if not _same(found, shape):
        raise AssertionError(
            f"Your model's output shape should be {fmt_shape(shape)}; yours is {fmt_shape(found)}. "
            f"The last layer decides it: give it {units(shape[-1])}."
        )


def find_tensor(tensors: Sequence[TensorInfo], name: str, kind: str) -> TensorInfo:
    """Return the input or output (`kind`) named `name`, or raise AssertionError naming the ones there are."""
    for tensor in tensors:
        if tensor.name == name:
            return tensor
    names = ", ".join(repr(t.name) for t in tensors) or "none"
    if kind == "input":
        fix = f"Name it when you create it: `keras.Input(shape=..., name={name!r})`."
    else:
        fix = f"Name the layer that produces it: `layers.Dense(..., name={name!r})`."
    raise AssertionError(f"Your model has no {kind} named {name!r}; its {kind}s are named {names}. {fix}")


def assert_input_shapes(model: Any, shapes: Mapping[str, Sequence]) -> None:
    """Raise AssertionError unless each named input exists and has the given shape.

    Args:
        model: the student's model.
        shapes: expected shapes by input name, for example `{"profile": (None, 5)}`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    for name, shape in shapes.items():
        found = find_tensor(desc.inputs, name, "input").shape
        if not _same(found, shape):
            raise AssertionError(
                f"Input {name!r} should have shape {fmt_shape(shape)}; yours has {fmt_shape(found)}. "
                f"Create it with `keras.Input(shape={fmt_shape(tuple(shape)[1:])}, name={name!r})`."
            )


def assert_output_shapes(model: Any, shapes: Mapping[str, Sequence]) -> None:
    """Raise AssertionError unless each named output exists and has the given shape.

    Args:
        model: the student's model.
        shapes: expected shapes by output name, for example `{"passed": (None, 1)}`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    for name, shape in shapes.items():
        found = find_tensor(desc.outputs, name, "output").shape
        if not _same(found, shape):
            raise AssertionError(
                f"Output {name!r} should have shape {fmt_shape(shape)}; yours has {fmt_shape(found)}. "
                f"Give the layer that produces it {units(shape[-1])}."
            )
