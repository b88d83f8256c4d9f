"""Checks of how a model with several outputs is compiled: each output's loss, and how much each loss counts.

The messages name the idea to revisit and what is wrong, output by output; they never spell the `compile` call.
"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Mapping
from typing import Any

from autograder.model.description import CompileInfo, ModelDescription
from autograder.model.names import loss_name, optimizer_name

from ._model import describe_model

LOSS_PURPOSE = {
    "binary_crossentropy": "binary cross-entropy, the loss for a yes/no answer",
    "categorical_crossentropy": "categorical cross-entropy, the loss for one of several classes",
    "sparse_categorical_crossentropy": "sparse categorical cross-entropy, the loss for one of several classes",
    "mean_squared_error": "mean squared error, the loss for a number",
    "mean_absolute_error": "mean absolute error, a loss for a number",
}
ORDER_TIP = (
    "A list follows the order of the model's outputs (`model.output_names`: {order}); a dict by output name "
    "cannot get the order wrong."
)


def _compiled(model: Any) -> tuple[ModelDescription, CompileInfo]:
    desc = describe_model(model)
    if desc.compile is None:
        raise AssertionError(
            "Your model is not compiled yet: call its `compile` method, with a loss for each output, "
            "before you return it."
        )
    return desc, desc.compile


def _order(desc: ModelDescription) -> str:
    return ", ".join(repr(output.name) for output in desc.outputs)


def _swapped(found: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """The outputs that hold another output's expected value, when the values are right but misplaced."""
    wrong = [name for name in expected if found.get(name) != expected[name]]
    yours = sorted(str(found.get(name)) for name in wrong)
    return wrong if len(wrong) >= 2 and yours == sorted(str(expected[name]) for name in wrong) else []


def assert_output_losses(model: Any, losses: Mapping[str, str], optimizer: str | None = None) -> None:
    """Raise AssertionError unless each named output is compiled with its loss (and the optimizer, if given).

    Args:
        model: the student's compiled model.
        losses: the expected loss of each output, by output name; any spelling Keras accepts passes
            (`"mse"`, `"mean_squared_error"`, `keras.losses.MeanSquaredError()`).
        optimizer: the expected optimizer's name, for example `"adam"`; None accepts any.
    """
    desc, info = _compiled(model)
    if optimizer and info.optimizer != optimizer_name(optimizer):
        raise AssertionError(
            f"Your model's optimizer is {info.optimizer!r}, but this exercise asks for {optimizer!r}"
            + (" (Keras uses 'rmsprop' when `compile` is given no optimizer)." if info.optimizer == "rmsprop" else ".")
        )
    expected = {name: loss_name(loss) for name, loss in losses.items()}
    found = dict(info.loss_by_output)
    swapped = _swapped(found, expected)
    if swapped:
        names = " and ".join(repr(name) for name in swapped)
        raise AssertionError(
            f"Outputs {names} have each other's loss. " + ORDER_TIP.format(order=_order(desc))
        )
    for name, loss in expected.items():
        purpose = LOSS_PURPOSE.get(loss, repr(loss))
        yours = found.get(name)
        if yours is None:
            raise AssertionError(
                f"Output {name!r} has no loss, so training would ignore it. Give it {purpose}: each output needs a "
                "loss of its own."
            )
        if yours != loss:
            same = len(set(found.values())) == 1 and len(found) > 1
            why = " One loss given for the whole model applies to every output." if same else ""
            raise AssertionError(f"Output {name!r} is trained with {yours!r}; it needs {purpose}.{why}")


def assert_loss_weights(model: Any, weights: Mapping[str, float]) -> None:
    """Raise AssertionError unless each named output's loss counts with this weight in the total loss.

    An output without a weight counts 1.0, as in Keras.

    Args:
        model: the student's compiled model.
        weights: the expected weight of each output, by output name.
    """
    desc, info = _compiled(model)
    given = dict(info.loss_weights_by_output)
    found = {name: given.get(name, 1.0) for name in weights}
    swapped = _swapped({k: float(v) for k, v in found.items()}, {k: float(v) for k, v in weights.items()})
    if swapped:
        names = " and ".join(repr(name) for name in swapped)
        raise AssertionError(
            f"Outputs {names} have each other's loss weight. " + ORDER_TIP.format(order=_order(desc))
            + " Give the losses and the weights in the same form: with a list of losses, Keras reads a dict of "
            "weights as a list too, in the alphabetical order of its names."
        )
    for name, weight in weights.items():
        if abs(found[name] - float(weight)) > 1e-6:
            default = " (the default: `compile` got no weight for it)" if name not in given else ""
            raise AssertionError(
                f"The loss of output {name!r} counts {found[name]:g} in the total loss{default}; it should count "
                f"{float(weight):g}. Loss weights say how much each output's loss counts."
            )
