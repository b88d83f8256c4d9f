"""Group failure messages: identical teaching messages count together, and so do those that differ only in numbers.

A message such as "Layer 2 should be Dense(8, activation='relu'); yours is Dense(32, ...)" names the student's own
numbers (units, shapes, accuracies, Keras's numbered layer names such as `dense_3`). Read across a class, those
are one mistake. So every run of digits, with its decimals, counts as a number: two messages that are equal once
each number is replaced by `#` (and runs of white space by one space) form one group. The group is shown by its
most common wording, with the count of wordings it gathers.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from .model import MessageGroup

NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
"""A number in a message: digits, with decimals and an exponent if any."""


def group_key(message: str) -> str:
    """The message with each number replaced by `#` and white space collapsed: equal keys group together."""
    return " ".join(NUMBER.sub("#", message).split())


def group_messages(messages: Iterable[str], top: int) -> tuple[tuple[MessageGroup, ...], int, int]:
    """Group failure messages (one per student) and keep the `top` largest groups.

    Args:
        messages: the message each failing student saw.
        top: how many groups to keep.

    Returns:
        The kept groups, largest first (ties: alphabetically); how many groups were left out; and how many
        students those groups hold.
    """
    wordings: dict[str, Counter] = defaultdict(Counter)
    for message in messages:
        wordings[group_key(message)][message] += 1
    groups = []
    for counter in wordings.values():
        # the most common wording; among equals, the first alphabetically, so the report is the same each run
        wording = min(counter, key=lambda text: (-counter[text], text))
        groups.append(MessageGroup(wording, sum(counter.values()), len(counter)))
    groups.sort(key=lambda group: (-group.students, group.message))
    kept, rest = groups[:top], groups[top:]
    return tuple(kept), len(rest), sum(group.students for group in rest)
