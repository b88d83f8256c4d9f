"""Canonical names for activations, losses, optimizers and metrics, so that equivalent spellings compare equal."""

from __future__ import annotations

import re
from typing import Any

LOSS_ALIASES = {
    "bce": "binary_crossentropy",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
}
METRIC_ALIASES = {"acc": "accuracy", "mse": "mean_squared_error", "mae": "mean_absolute_error"}


def snake_case(name: str) -> str:
    """Turn a class name into snake case: `BinaryCrossentropy` -> `binary_crossentropy`, `SGD` -> `sgd`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _serialized_name(value: Any) -> str | None:
    """Read a name from a Keras serialization: a string, or a dict with a class name or a name."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        config = value.get("config")
        if value.get("class_name") == "function" and isinstance(config, str):
            return config
        if isinstance(config, dict) and value.get("class_name") in (None, "function"):
            return config.get("name")
        if value.get("class_name"):
            return snake_case(value["class_name"])
        return value.get("name")
    name = getattr(value, "__name__", None) or type(value).__name__
    return snake_case(name)


def activation_name(value: Any) -> str | None:
    """Canonical name of an activation given as a string, a function or a serialized config.

    Args:
        value: `"relu"`, `keras.activations.relu`, `None` (meaning linear), or a config dict.

    Returns:
        A lowercase name such as `relu`, `sigmoid` or `linear`.
    """
    if value is None:
        return "linear"
    if callable(value) and not isinstance(value, (str, dict)):
        own_name = getattr(value, "__name__", type(value).__name__)
        try:
            import keras

            value = keras.activations.serialize(value)
        except Exception:  # noqa: BLE001 (an unknown callable keeps its own name)
            value = own_name
        if not isinstance(value, str):  # a lambda or a custom function serializes as code, not as a name
            value = own_name
    name = _serialized_name(value)
    return (name or "custom").lower()


def loss_name(value: Any) -> str | None:
    """Canonical name of a loss: `"bce"`, `BinaryCrossentropy()` and `"binary_crossentropy"` all give the last."""
    name = _serialized_name(value)
    if name is None:
        return None
    name = snake_case(name) if not name.islower() else name
    return LOSS_ALIASES.get(name, name)


def metric_name(value: Any) -> str | None:
    """Canonical name of a metric: `"acc"` gives `accuracy`, `BinaryAccuracy()` gives `binary_accuracy`."""
    name = _serialized_name(value)
    if name is None:
        return None
    name = snake_case(name) if not name.islower() else name
    return METRIC_ALIASES.get(name, name)


def optimizer_name(value: Any) -> str | None:
    """Canonical name of an optimizer: `"adam"`, `"Adam"` and `keras.optimizers.Adam()` all give `adam`."""
    if isinstance(value, dict) and value.get("class_name"):
        return value["class_name"].lower()
    if isinstance(value, str):
        return value.lower()
    if value is None:
        return None
    return type(value).__name__.lower()
