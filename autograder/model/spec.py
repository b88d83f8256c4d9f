"""What a layer should be, written the way a student writes the layer: `Dense(16, "relu")`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .names import activation_name


@dataclass(frozen=True)
class LayerSpec:
    """An expected layer: its class and, where they matter, its units and activation."""

    class_name: str
    """The Keras layer class, for example `Dense`."""
    units: int | None = None
    """Expected units; None when any number will do."""
    activation: str | None = None
    """Expected activation name; None when any activation will do."""

    def __str__(self) -> str:
        if self.class_name == "Dense":
            units = "..." if self.units is None else self.units
            act = "" if self.activation is None else f", activation={self.activation!r}"
            return f"Dense({units}{act})"
        if self.class_name == "Activation":
            return f"Activation({self.activation!r})"
        return f"{self.class_name}()"


def Dense(units: int | None = None, activation: Any = "linear") -> LayerSpec:  # noqa: N802 (reads like Keras)
    """Expect a `keras.layers.Dense` layer.

    Args:
        units: how many units it should have; None accepts any.
        activation: the activation it should apply (`"relu"`, `"sigmoid"`, `"softmax"`, `"linear"`, or the function
            `keras.activations.relu`); None accepts any.

    Returns:
        A `LayerSpec` to pass to `checks.assert_layers`.
    """
    return LayerSpec("Dense", units, None if activation is None else activation_name(activation))


def Layer(class_name: str) -> LayerSpec:  # noqa: N802
    """Expect a layer of the given Keras class, for example `Layer("Dropout")`."""
    return LayerSpec(class_name)
