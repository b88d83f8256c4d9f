"""Checks of a model's layers against a list of expected layers, coarse (how many) to fine (units, activation)."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from autograder.model.description import LayerInfo, ModelDescription
from autograder.model.spec import LayerSpec

from ._model import describe_model

ACTIVATION_CLASSES = ("Activation", "ReLU", "LeakyReLU", "Softmax")


def effective_layers(desc: ModelDescription) -> list[LayerInfo]:
    """The model's layers with each separate activation layer folded into the layer before it.

    `Dense(16)` followed by `Activation("relu")` does what `Dense(16, activation="relu")` does, so both
    read as `Dense(16, activation='relu')`. Folding happens only when the Dense has no activation of its
    own and feeds nothing but that activation layer.
    """
    feeds: dict[str, list[str]] = {}
    for source, target in desc.edges:
        feeds.setdefault(source, []).append(target)
    result: list[LayerInfo] = []
    for layer in desc.layers:
        previous = result[-1] if result else None
        if (
            layer.class_name in ACTIVATION_CLASSES
            and previous is not None
            and previous.activation == "linear"
            and previous.class_name == "Dense"
            and feeds.get(previous.name, [layer.name]) == [layer.name]
        ):
            result[-1] = replace(previous, activation=layer.activation, output_shape=layer.output_shape)
            continue
        result.append(layer)
    return result


def _count(n: int) -> str:
    return f"{n} layer" if n == 1 else f"{n} layers"


def _listing(items: Sequence[Any]) -> str:
    return ", ".join(str(i) for i in items) or "no layers"


def check_layer(found: LayerInfo, expected: LayerSpec, index: int) -> None:
    """Raise AssertionError, addressed to the student, when layer `index` (1-based) differs from `expected`."""
    head = f"Layer {index} should be {expected}; yours is {found}."
    if found.class_name != expected.class_name:
        raise AssertionError(f"{head} Use `layers.{expected.class_name}` there.")
    if expected.units is not None and found.units != expected.units:
        raise AssertionError(f"{head} Change its units to {expected.units}.")
    if expected.activation is not None and found.activation != expected.activation:
        raise AssertionError(f"{head} Change its activation to {expected.activation!r}.")


def assert_layers(model: Any, expected: Sequence[LayerSpec]) -> None:
    """Raise AssertionError unless the model's layers match `expected`, in order.

    A separate `Activation` layer counts as the activation of the `Dense` layer before it, and the
    `InputLayer` does not count.

    Args:
        model: the student's model.
        expected: the layers it should have, for example `[spec.Dense(16, "relu"), spec.Dense(1, "sigmoid")]`.
    """
    compare_layers(effective_layers(describe_model(model)), expected)


def compare_layers(found: Sequence[LayerInfo], expected: Sequence[LayerSpec], verb: str = "have") -> None:
    """Raise AssertionError unless the `found` layers match `expected`: first how many, then each one in order.

    Args:
        found: the student's layers, as a check reads them.
        expected: the layers they should be.
        verb: how the message says the model holds them ("have", or "run" for the layers a graph runs).
    """
    if len(found) != len(expected):
        fix = "Add the missing layer(s)." if len(found) < len(expected) else "Remove the extra layer(s)."
        yours = "has" if verb == "have" else f"{verb}s"
        raise AssertionError(
            f"Your model should {verb} {_count(len(expected))}: {_listing(expected)}. "
            f"Yours {yours} {len(found)}: {_listing(found)}. {fix}"
        )
    for index, (layer, spec_) in enumerate(zip(found, expected, strict=True), start=1):
        check_layer(layer, spec_, index)
