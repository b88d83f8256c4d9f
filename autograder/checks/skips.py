"""Check of a skip connection: an addition that reads a model's input and what a block computed from it."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Callable, Sequence
from typing import Any

from autograder.model.description import LayerInfo
from autograder.model.spec import LayerSpec

from ._errors import NOT_DONE, not_done_yet, raised
from ._model import describe_model
from .graph import reachable
from .layers import compare_layers, effective_layers
from .shapes import find_tensor, fmt_shape, require_known_inputs

ADDITIONS = ("Add",)
"""Classes of the nodes that add tensors: `layers.Add()`, `layers.add(...)`, and `keras.ops.add` or `+`."""


SAME_SHAPE = (
    "Addition works element by element, so the block's output needs exactly as many numbers per example as the "
    "input, for any `n_features`."
)


def built(function: Callable[[int], Any], n_features: int) -> Any:
    """Return `function(n_features)`; raise AssertionError, addressed to the student, when the function fails.

    Args:
        function: the student's builder, for example `build_residual_model`.
        n_features: how many features the model's input should take.
    """
    try:
        return function(n_features)
    except Exception as error:  # noqa: BLE001 (the student's function, so any error is theirs to see)
        name = getattr(function, "__name__", "your function")
        fix = NOT_DONE if not_done_yet(error) else f"If Keras refused the addition, compare the two shapes. {SAME_SHAPE}"
        raise AssertionError(f"{raised(name, error, f'n_features={n_features}')} {fix}") from None


def assert_skip_connection(model: Any, input: str) -> None:  # noqa: A002 (reads like the sentence)
    """Raise AssertionError unless an addition reads the model input `input` and a tensor computed from it.

    That is a skip connection around a block that starts at the input: the input goes through the block, and
    around it, and the two meet in the addition.

    Args:
        model: the student's model.
        input: the input's name, for example `features`.
    """
    desc = describe_model(model)
    require_known_inputs(desc)
    tensor = find_tensor(desc.inputs, input, "input")
    start = tensor.layer
    additions = [layer.name for layer in desc.layers if layer.class_name in ADDITIONS]
    if not additions:
        raise AssertionError(
            f"Your model adds no tensors, so it has no skip connection: the input {input!r} only goes through the "
            f"block, never around it. Add the block's output to the input {input!r}."
        )
    reads = {name: [source for source, target in desc.edges if target == name] for name in additions}
    from_input = [name for name in additions if start in reads[name]]
    if not from_input:
        found = ", ".join(repr(source) for name in additions for source in reads[name])
        raise AssertionError(
            f"Your model adds {found}, but not the input {input!r}: its skip connection does not start at the "
            f"model's input. Add the block's output to the input {input!r} itself."
        )
    downstream = reachable(desc, start)
    shapes = {layer.name: layer.output_shape for layer in desc.layers}
    for name in from_input:
        others = [source for source in reads[name] if source != start]
        if others and all(source in downstream for source in others):
            for source in others:
                if shapes.get(source) not in (None, tensor.shape):
                    raise AssertionError(
                        f"Your addition adds {source!r}, of shape {fmt_shape(shapes[source])}, to the input {input!r}, "
                        f"of shape {fmt_shape(tensor.shape)}: Keras stretches the smaller one to fit, so this is no "
                        f"skip connection. {SAME_SHAPE}"
                    )
            return
    raise AssertionError(
        f"Your addition reads the input {input!r}, but not the block's output: add the input to what the block "
        "computes from it, so that the two paths, through the block and around it, meet there."
    )


def flat_layers(model: Any) -> list[LayerInfo]:
    """The model's layers in running order, separate activations folded in, and each model used as a layer replaced
    by its own layers: a block written as a small Sequential model reads like the same layers written inline."""
    found: list[LayerInfo] = []
    for layer in effective_layers(describe_model(model)):
        found += flat_layers(model.get_layer(layer.name)) if layer.is_model else [layer]
    return found


def assert_flat_layers(model: Any, expected: Sequence[LayerSpec]) -> None:
    """Raise AssertionError unless the model's flat layers (see `flat_layers`) match `expected`, in order.

    Args:
        model: the student's model.
        expected: the layers it should run, for example `[spec.Dense(16, "relu"), spec.Layer("Add")]`.
    """
    require_known_inputs(describe_model(model))
    compare_layers(flat_layers(model), expected, verb="run")
