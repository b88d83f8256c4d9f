"""Check that a model is compiled with a loss that fits what its output layer gives, without naming that loss.

The learner decides the loss from the output (a sigmoid gives one probability, a softmax one per class, a linear
output a number); a wrong choice is answered with what the output gives and the idea to revisit.
"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Sequence
from typing import Any

from autograder.model.names import metric_name, optimizer_name

from ._model import describe_model
from .compile import _metric_present
from .layers import effective_layers

FITTING_LOSSES = {
    "sigmoid": {"binary_crossentropy", "binary_focal_crossentropy"},
    "softmax": {"categorical_crossentropy", "sparse_categorical_crossentropy", "categorical_focal_crossentropy"},
    "linear": {"mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "mean_squared_logarithmic_error"},
}
"""Output activation -> the losses made for what it gives."""
GIVES = {
    "sigmoid": "one probability of \"yes\"",
    "softmax": "one probability per class",
    "linear": "a plain number",
}
MADE_FOR = {loss: activation for activation, losses in FITTING_LOSSES.items() for loss in losses}


def assert_compiled_for_output(model: Any, optimizer: str = "adam", metrics: Sequence[str] = ("accuracy",),
                               section: str = "How wrong is an answer?") -> None:
    """Raise AssertionError unless the model is compiled, with a loss that fits its output layer.

    Args:
        model: the student's model, ending in a sigmoid, softmax or linear layer.
        optimizer: the optimizer the lesson asks for.
        metrics: metric names that must be among the compiled metrics (`"accuracy"` accepts any accuracy).
        section: the lesson's section that pairs outputs with losses, named in the message.
    """
    __tracebackhide__ = True
    desc = describe_model(model)
    if desc.compile is None:
        raise AssertionError(
            "Your model is not compiled yet. Call `model.compile(...)` with an optimizer, a loss and metrics "
            "before returning it."
        )
    found = desc.compile
    activation = effective_layers(desc)[-1].activation if desc.layers else None
    fitting = FITTING_LOSSES.get(activation or "")
    if fitting is not None and (not found.loss or any(loss not in fitting for loss in found.loss)):
        yours = ", ".join(repr(loss) for loss in found.loss) or "none"
        made_for = {MADE_FOR[loss] for loss in found.loss if loss in MADE_FOR}
        why = f", which is made for {GIVES[made_for.pop()]}" if len(made_for) == 1 else ""
        raise AssertionError(
            f"Your model ends in {activation!r}: it answers with {GIVES[activation]}. Its loss is {yours}{why}. "
            f"Pick the loss that \"{section}\" pairs with that kind of answer."
        )
    if optimizer and found.optimizer != optimizer_name(optimizer):
        raise AssertionError(
            f"Your model's optimizer should be {optimizer!r}; yours is {found.optimizer!r}. "
            f"Pass `optimizer={optimizer!r}` to `model.compile`."
        )
    for metric in metrics:
        if not _metric_present(metric_name(metric), found.metrics):
            yours = ", ".join(repr(item) for item in found.metrics) or "none"
            raise AssertionError(
                f"Your model should report its {metric!r} while it learns; its metrics are {yours}. "
                "Give `model.compile` the metrics to watch, as a list."
            )
