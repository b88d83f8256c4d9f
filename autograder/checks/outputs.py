"""Check of what each named output of a model does last: its activation."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from typing import Any

from autograder.model.names import activation_name

from ._model import describe_model
from .shapes import find_tensor, require_known_inputs

WHAT_IT_GIVES = {
    "sigmoid": "a probability between 0 and 1",
    "linear": "any number, such as a grade",
    "softmax": "probabilities that add up to 1",
    "relu": "a number of at least 0",
}


def assert_output_activation(model: Any, output: str, activation: str) -> None:
    """Raise AssertionError unless the layer that produces output `output` applies `activation`.

    Args:
        model: the student's model.
        output: the output's name.
        activation: the expected activation, for example `"sigmoid"`; `"linear"` means none.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    tensor = find_tensor(desc.outputs, output, "output")
    layer = next((layer for layer in desc.layers if layer.name == tensor.layer), None)
    found = layer.activation if layer is not None else None
    expected = activation_name(activation)
    if found == expected:
        return
    shown = "no activation we can read" if found is None else repr(found)
    gives = WHAT_IT_GIVES.get(expected, f"what {expected!r} gives")
    fix = (
        "leave the activation out (or write `activation=None`)" if expected == "linear"
        else f"give it `activation={expected!r}`"
    )
    raise AssertionError(
        f"Output {output!r} should end with the activation {expected!r}, so that it gives {gives}; "
        f"the layer that produces it ({tensor.layer!r}) has {shown}. In that last layer, {fix}."
    )
