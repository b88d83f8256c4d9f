"""Check of the settings given to `model.compile(...)`: optimizer, loss and metrics."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from collections.abc import Mapping, Sequence
from typing import Any

from autograder.model.description import CompileInfo
from autograder.model.names import loss_name, metric_name, optimizer_name

from ._model import describe_model

ACCURACY_FAMILY = {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}


def _metric_present(expected: str, found: Sequence[str]) -> bool:
    if expected == "accuracy":
        return bool(ACCURACY_FAMILY & set(found))
    return expected in found


def _check_loss(found: CompileInfo, loss: str | Mapping[str, str]) -> None:
    """Raise AssertionError unless the compiled loss is `loss` (one for the model, or one per output name)."""
    if isinstance(loss, Mapping):
        by_output = dict(found.loss_by_output)
        for output, expected in loss.items():
            yours = by_output.get(output)
            if yours != loss_name(expected):
                shown = repr(yours) if yours else "none"
                raise AssertionError(
                    f"The loss of output {output!r} should be {expected!r}; yours is {shown}. "
                    f"Give each output its loss by name: `model.compile(loss={dict(loss)!r}, ...)`."
                )
        return
    if not found.loss or any(item != loss_name(loss) for item in found.loss):
        yours = ", ".join(repr(item) for item in found.loss) or "none"
        raise AssertionError(
            f"Your model's loss should be {loss!r}; yours is {yours}. Pass `loss={loss!r}` to `model.compile`."
        )


def assert_compiled(
    model: Any,
    loss: str | Mapping[str, str] | None = None,
    optimizer: str | None = None,
    metrics: Sequence[str] = (),
) -> None:
    """Raise AssertionError unless the model is compiled with these settings.

    Args:
        model: the student's model.
        loss: expected loss name (`"binary_crossentropy"`), or a dict of loss names by output name for a model with
            several outputs; any spelling Keras accepts passes (`"bce"`, `keras.losses.BinaryCrossentropy()`).
        optimizer: expected optimizer name (`"adam"`); None accepts any.
        metrics: metric names that must be among the compiled metrics; `"accuracy"` accepts any accuracy.
    """
    desc = describe_model(model)
    wanted = ", ".join(
        part for part in (
            f"optimizer={optimizer!r}" if optimizer else "",
            f"loss={loss!r}" if loss else "",
            f"metrics={list(metrics)!r}" if metrics else "",
        ) if part
    )
    if desc.compile is None:
        raise AssertionError(f"Your model is not compiled yet. Call `model.compile({wanted})` before returning it.")
    found = desc.compile
    if optimizer and found.optimizer != optimizer_name(optimizer):
        raise AssertionError(
            f"Your model's optimizer should be {optimizer!r}; yours is {found.optimizer!r}. "
            f"Pass `optimizer={optimizer!r}` to `model.compile`."
        )
    if loss:
        _check_loss(found, loss)
    for metric in metrics:
        if not _metric_present(metric_name(metric), found.metrics):
            yours = ", ".join(repr(item) for item in found.metrics) or "none"
            raise AssertionError(
                f"Your model should report the metric {metric!r}; its metrics are {yours}. "
                f"Pass `metrics=[{metric!r}]` to `model.compile`, so that training shows it."
            )
