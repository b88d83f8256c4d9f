"""Checks of a model's branches: each input processed by layers of its own, then the branches joined."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Sequence
from typing import Any

from autograder.model.description import LayerInfo, ModelDescription
from autograder.model.names import activation_name

from ._model import describe_model
from .graph import reachable
from .layers import ACTIVATION_CLASSES
from .shapes import find_tensor, require_known_inputs
from .shapes import units as count_units

MERGE_CLASSES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Dot")
"""Layers that join tensors in some other way than putting them side by side."""


def _readers(desc: ModelDescription, name: str) -> list[str]:
    """The layers that read the output of layer or input `name`, each once, in graph order."""
    return list(dict.fromkeys(target for source, target in desc.edges if source == name))


def _applied_activation(desc: ModelDescription, layer: LayerInfo) -> tuple[str | None, str]:
    """The activation `layer` applies, and the name of the layer that applies it.

    A Dense layer without an activation of its own, read only by an `Activation` (or `ReLU`, ...) layer, applies
    that layer's activation: `Dense(8)` then `Activation("relu")` is `Dense(8, activation="relu")`.
    """
    readers = _readers(desc, layer.name)
    if layer.activation == "linear" and len(readers) == 1:
        follower = next((item for item in desc.layers if item.name == readers[0]), None)
        if follower is not None and follower.class_name in ACTIVATION_CLASSES and follower.calls == 1:
            return follower.activation, follower.name
    return layer.activation, layer.name


def assert_own_branch(model: Any, input: str, units: int, activation: str) -> None:  # noqa: A002
    """Raise AssertionError unless input `input` goes first through a Dense layer of its own.

    "Of its own" means: that Dense layer is the only layer that reads the raw input, and it reads nothing else
    (no other input, and no second call on another tensor).

    Args:
        model: the student's model.
        input: the input's name.
        units: the units the branch's Dense layer should have.
        activation: the activation it should apply (as an argument, or as an `Activation` layer right after it).
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    source = find_tensor(desc.inputs, input, "input")
    expected = f"Dense({units}, activation={activation!r})"
    readers = _readers(desc, source.layer)
    if not readers:
        raise AssertionError(f"Nothing in your model reads the input {input!r}. Give it a branch: a {expected} layer "
                             f"called on {input!r}.")
    if len(readers) > 1:
        names = ", ".join(repr(name) for name in readers)
        raise AssertionError(
            f"The input {input!r} is read by {len(readers)} layers ({names}). Let it go first through one branch "
            f"of its own, a {expected} layer, and let only that layer read the raw input."
        )
    layer = next(item for item in desc.layers if item.name == readers[0])
    if layer.class_name != "Dense":
        raise AssertionError(
            f"The input {input!r} goes straight into {layer.name!r} ({layer.class_name}), so nothing processes it "
            f"on its own. Give it a branch first: a {expected} layer that reads only {input!r}."
        )
    others = sorted({name for call in layer.call_inputs for name in call} - {source.layer})
    if layer.calls > 1 or others:
        seen = f" also reads {', '.join(repr(o) for o in others)}" if others else " is called more than once"
        raise AssertionError(
            f"The Dense layer {layer.name!r} that reads {input!r}{seen}: it is shared, so {input!r} has no branch "
            "of its own. Create a separate Dense layer for each input, and call each on its own input."
        )
    if layer.units != units:
        raise AssertionError(
            f"The branch of {input!r} ({layer.name!r}) has {count_units(layer.units or 0)}; "
            f"it should have {count_units(units)}."
        )
    found, _ = _applied_activation(desc, layer)
    if found != activation_name(activation):
        shown = "no activation" if found == "linear" else repr(found)
        raise AssertionError(
            f"The branch of {input!r} ({layer.name!r}) applies {shown}; it should apply {activation!r}."
        )


def assert_joined_by_concatenation(model: Any, inputs: Sequence[str], output: str) -> None:
    """Raise AssertionError unless a `Concatenate` layer joins what comes from every input in `inputs`, and the
    output `output` is computed from that join.

    Args:
        model: the student's model.
        inputs: the names of the inputs whose branches must meet.
        output: the name of the output that must be computed from the join.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    downstream = [reachable(desc, find_tensor(desc.inputs, name, "input").layer) for name in inputs]
    names = " and ".join(repr(name) for name in inputs)
    meeting = [layer for layer in desc.layers if all(layer.name in seen for seen in downstream)]
    joins = [layer for layer in meeting if layer.class_name == "Concatenate"]
    if not joins:
        other = next((layer for layer in meeting if layer.class_name in MERGE_CLASSES), None)
        if other is not None:
            raise AssertionError(
                f"Your model joins the branches of {names} with {other.class_name} ({other.name!r}), which mixes "
                "the numbers of both into one. Join them by concatenation instead: it keeps every number of each "
                "branch, side by side."
            )
        raise AssertionError(
            f"Nothing in your model joins the branches of {names}. Put them side by side with a concatenation, "
            "and build the output on the joined tensor."
        )
    target = find_tensor(desc.outputs, output, "output").layer
    if not any(target in reachable(desc, join.name) for join in joins):
        raise AssertionError(
            f"The output {output!r} is not computed from the concatenation {joins[0].name!r}. Build the output "
            "on the joined tensor (more Dense layers in between are fine)."
        )
