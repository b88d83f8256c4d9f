"""Checks of a model against the `summary()` table an exercise expects: layers, output shapes, parameters.

An exercise that gives its target as an expected summary lets the learner work the layers out; these checks
compare the model row by row, coarse to fine, and say which column differs, not which line of code to write.
"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Sequence
from typing import Any

from autograder.model.description import LayerInfo

from ._model import describe_model
from .layers import effective_layers
from .shapes import _same, fmt_shape, require_known_inputs

Row = tuple[str, tuple, int]
"""One row of an expected summary: layer class, output shape (batch first), parameters."""


def _row(layer_class: str, shape: Sequence | None, params: int | None) -> str:
    shown_shape = "?" if shape is None else fmt_shape(tuple(shape))
    shown_params = "?" if params is None else str(params)
    return f"{layer_class} {shown_shape} {shown_params}"


def _rows(layers: Sequence[LayerInfo]) -> str:
    return "; ".join(_row(layer.class_name, layer.output_shape, layer.params) for layer in layers) or "no layers"


def _count(n: int) -> str:
    return f"{n} layer" if n == 1 else f"{n} layers"


def assert_summary(model: Any, rows: Sequence[Row]) -> None:
    """Raise AssertionError unless the model's layers read, row by row, as the expected `summary()` table.

    A separate `Activation` layer counts with the `Dense` layer before it, as in `assert_layers`, and the
    `InputLayer` is not a row: the article's style (`Dense(16)`, then `Activation("relu")`) reads the same.

    Args:
        model: the student's model.
        rows: the expected rows, for example `[("Dense", (None, 16), 144), ("Dense", (None, 1), 9)]`.
    """
    __tracebackhide__ = True
    desc = describe_model(model)
    require_known_inputs(desc)
    found = effective_layers(desc)
    if len(found) != len(rows):
        fix = "Add the missing layer(s)." if len(found) < len(rows) else "Remove the extra layer(s)."
        expected = "; ".join(_row(*row) for row in rows)
        raise AssertionError(
            f"The expected summary has {_count(len(rows))} ({expected}); yours has {len(found)} ({_rows(found)}). {fix}"
        )
    for index, (layer, (layer_class, shape, params)) in enumerate(zip(found, rows, strict=True), start=1):
        head = f"Layer {index} should read {_row(layer_class, shape, params)} in the summary; yours reads {_row(layer.class_name, layer.output_shape, layer.params)}."
        if layer.class_name != layer_class:
            raise AssertionError(f"{head} Use `layers.{layer_class}` there.")
        if layer.output_shape is not None and not _same(layer.output_shape, shape):
            raise AssertionError(
                f"{head} A Dense layer gives out one number per unit. Change its units to {shape[-1]}."
            )
        if layer.params != params:
            raise AssertionError(
                f"{head} A Dense layer has one weight per input and unit, plus one bias per unit: check what goes "
                "into it (the input shape, the layer before) and that it keeps its biases."
            )


def assert_hidden_activation(model: Any, activation: str) -> None:
    """Raise AssertionError unless every layer but the last applies `activation` (the exercise states which).

    Args:
        model: the student's model.
        activation: the hidden layers' activation, for example `"relu"`.
    """
    __tracebackhide__ = True
    desc = describe_model(model)
    require_known_inputs(desc)
    for index, layer in enumerate(effective_layers(desc)[:-1], start=1):
        if layer.activation is not None and layer.activation != activation:
            raise AssertionError(
                f"Layer {index} is a hidden layer, so it should use {activation!r}; yours uses {layer.activation!r}. "
                f"Change its activation to {activation!r}."
            )
