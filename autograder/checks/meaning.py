"""Check of what a model's answer means (one probability, probabilities over classes, a number) from its last layer.

The exercise says what the answer means; the learner picks the output activation (lesson 2, "The output layer").
The messages name the idea to revisit, not the activation to write.
"""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

from typing import Any

from ._model import describe_model
from .layers import effective_layers
from .outputs import WHAT_IT_GIVES
from .shapes import require_known_inputs

MEANINGS = {
    "probability": "sigmoid",
    "class probabilities": "softmax",
    "number": "linear",
}
"""What an answer means -> the output activation that gives it."""
SAYS = {
    "probability": "one probability of \"yes\", between 0 and 1",
    "class probabilities": "one probability per class, adding up to 1",
    "number": "a plain number, as large or small as it needs",
}
REVISIT = "Lesson 2 (\"The output layer\") says which activation gives that answer."


def assert_output_meaning(model: Any, meaning: str) -> None:
    """Raise AssertionError unless the model's last layer gives the kind of answer `meaning` names.

    Args:
        model: the student's model (one output).
        meaning: `"probability"` (a yes/no question), `"class probabilities"` (one class among several) or
            `"number"` (a regression).
    """
    __tracebackhide__ = True
    if meaning not in MEANINGS:
        raise ValueError(f"unknown meaning {meaning!r}; use one of {sorted(MEANINGS)}")
    desc = describe_model(model)
    require_known_inputs(desc)
    last = effective_layers(desc)[-1] if desc.layers else None
    found = last.activation if last is not None else None
    expected = MEANINGS[meaning]
    if found == expected:
        return
    wanted = f"Your model's answer should be {SAYS[meaning]}."
    if found == "softmax" and last.units == 1:
        raise AssertionError(
            f"{wanted} Your output layer applies 'softmax' to a single unit: softmax makes a layer's outputs add "
            f"up to 1, so one unit always answers 1.0, whatever the student did. {REVISIT}"
        )
    if found == "sigmoid" and meaning == "class probabilities":
        raise AssertionError(
            f"{wanted} Your output layer applies 'sigmoid': each unit then gives a probability of its own, and "
            f"together they need not add up to 1, so they cannot say which one class it is. {REVISIT}"
        )
    gives = WHAT_IT_GIVES.get(found or "", "no activation we can read" if found is None else f"what {found!r} gives")
    raise AssertionError(f"{wanted} Your output layer applies {found!r}, which gives {gives}. {REVISIT}")
