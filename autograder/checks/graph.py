"""Checks of a model's graph: which output depends on which input, and which layers are shared."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Sequence
from typing import Any

from autograder.model.description import LayerInfo, ModelDescription

from ._model import describe_model
from .shapes import find_tensor, require_known_inputs


def reachable(desc: ModelDescription, start: str) -> set[str]:
    """Names of every layer the output of layer or input `start` flows into, directly or not."""
    feeds: dict[str, list[str]] = {}
    for source, target in desc.edges:
        feeds.setdefault(source, []).append(target)
    seen, todo = set(), [start]
    while todo:
        for nxt in feeds.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def assert_depends_on(model: Any, output: str, input: str) -> None:  # noqa: A002 (reads like the sentence)
    """Raise AssertionError unless output `output` is computed from input `input`.

    Args:
        model: the student's model.
        output: the output's name.
        input: the input's name.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    out = find_tensor(desc.outputs, output, "output")
    src = find_tensor(desc.inputs, input, "input")
    if out.layer not in reachable(desc, src.layer):
        raise AssertionError(
            f"Output {output!r} does not depend on input {input!r}: nothing in your graph leads from {input!r} "
            f"to {output!r}. Join the inputs before the output layers, for example with "
            "`layers.concatenate([...])`, and build both outputs on the joined tensor."
        )


def assert_shared_layer(model: Any, inputs: Sequence[str] = ()) -> None:
    """Raise AssertionError unless one layer object (or nested model) is called more than once.

    Args:
        model: the student's model.
        inputs: input names the shared layer must be called on, each on its own (a layer that only ever sees
            them joined shares nothing between them); empty for any.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    shared = [layer for layer in desc.layers if layer.calls > 1]
    if not shared:
        raise AssertionError(
            "No layer in your model is used more than once, so no parameters are shared. Create the layer once, keep "
            "it in a variable, and call that same object on each input: writing `layers.Dense(...)` twice makes two "
            "layers, with two sets of parameters."
        )
    if inputs:
        layers = {name: find_tensor(desc.inputs, name, "input").layer for name in inputs}
        sources = {name: reachable(desc, layer) for name, layer in layers.items()}
        names = ", ".join(repr(i) for i in inputs)
        on_all = [layer for layer in shared if all(layer.name in seen for seen in sources.values())]
        if not on_all:
            raise AssertionError(
                f"Your model reuses {shared[0].name!r}, but not on every one of the inputs {names}. "
                "Call the same layer object on each of them."
            )
        if not any(_called_on_each(layer, list(layers.values())) for layer in on_all):
            raise AssertionError(
                f"Your model reuses {on_all[0].name!r}, but each call of it sees the inputs {names} already joined, "
                "so nothing is shared between them. Call the same layer object on each input on its own, before "
                "you join them."
            )


def _called_on_each(layer: LayerInfo, input_layers: Sequence[str]) -> bool:
    """Whether each input reaches a call of `layer` of its own: one that does not see all of the inputs at once."""
    if len(input_layers) < 2 or not layer.call_inputs:  # nothing to tell apart, or calls unknown
        return True
    together = set(input_layers)
    return all(
        any(name in call and not together <= set(call) for call in layer.call_inputs) for name in input_layers
    )
