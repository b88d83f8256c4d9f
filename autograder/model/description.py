"""Plain descriptions of Keras models: what the checks compare, kept apart from Keras itself."""

from __future__ import annotations

from dataclasses import dataclass, field

Shape = tuple  # a shape such as (None, 8); None stands for the batch size or an unknown size


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of a model."""

    name: str
    """The name the model knows it by (an `Input` name, or an output layer name)."""
    shape: Shape
    """Its shape, batch dimension first, for example `(None, 8)`."""
    layer: str = ""
    """The layer it comes from (an `InputLayer` for inputs); the graph's edges name layers."""


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a model, in the order the model runs them."""

    name: str
    """The layer's name, for example `dense_1`."""
    class_name: str
    """The layer's class, for example `Dense`, `Activation`, `Sequential` for a nested model."""
    units: int | None = None
    """Units of a `Dense` layer; None for layers without units."""
    activation: str | None = None
    """Name of the activation applied by the layer (`relu`, `linear`, ...); None for layers without one."""
    params: int | None = None
    """Number of weights, or None when the layer is not built yet."""
    output_shape: Shape | None = None
    """Shape of the layer's output, or None when unknown (not built, or called more than once)."""
    calls: int = 1
    """How many times the layer object is called in the model; more than one means it is shared."""
    is_model: bool = False
    """True when the layer is itself a model used as a layer."""
    call_inputs: tuple[tuple[str, ...], ...] = ()
    """For each call of the layer, the model inputs it is computed from (their layers' names); empty when unknown."""

    def __str__(self) -> str:
        if self.class_name == "Dense":
            return f"Dense({self.units}, activation={self.activation!r})"
        if self.class_name == "Activation":
            return f"Activation({self.activation!r})"
        return f"{self.class_name}()"


@dataclass(frozen=True)
class CompileInfo:
    """What `model.compile(...)` was given, reduced to canonical names."""

    optimizer: str | None
    """Optimizer class name in snake case, for example `adam`."""
    loss: tuple[str, ...]
    """Loss names, one per output, for example `("binary_crossentropy",)`."""
    metrics: tuple[str, ...]
    """Metric names, for example `("accuracy",)`."""
    loss_by_output: tuple[tuple[str, str], ...] = ()
    """Pairs (output name, loss name); one loss given for a model with several outputs applies to each."""
    loss_weights_by_output: tuple[tuple[str, float], ...] = ()
    """Pairs (output name, loss weight) as `compile(loss_weights=...)` gave them; empty when it gave none, and
    Keras then counts each output's loss with weight 1.0."""


@dataclass(frozen=True)
class ModelDescription:
    """Everything the checks need to know about a model, as plain data."""

    api: str
    """`sequential`, `functional` or `subclassed`."""
    inputs: tuple[TensorInfo, ...]
    """The model's inputs; empty when Keras does not know the input shape yet."""
    outputs: tuple[TensorInfo, ...]
    """The model's outputs; empty when the model is not built."""
    layers: tuple[LayerInfo, ...]
    """The layers in running order, without `InputLayer`s."""
    edges: tuple[tuple[str, str], ...] = ()
    """Pairs (from, to): the output of layer or input `from` feeds layer `to`."""
    compile: CompileInfo | None = None
    """Compile settings, or None when the model is not compiled."""
    params: int | None = None
    """Total number of weights, or None when the model is not built."""
    shared: tuple[str, ...] = field(default=())
    """Names of the layers called more than once (their weights are shared)."""

    @property
    def input_known(self) -> bool:
        """Whether Keras knows the model's input shape."""
        return bool(self.inputs)
