"""Turn any Keras 3 model into a `ModelDescription`, using Keras's public API."""

from __future__ import annotations

from typing import Any, Iterator

from .description import CompileInfo, LayerInfo, ModelDescription, TensorInfo
from .names import activation_name, loss_name, metric_name, optimizer_name

ACTIVATION_LAYERS = {"ReLU": "relu", "Softmax": "softmax"}


def is_model(obj: Any) -> bool:
    """Whether `obj` is a Keras model (Sequential, Functional or subclassed)."""
    import keras

    return isinstance(obj, keras.Model)


def api_kind(model: Any) -> str:
    """Return `sequential`, `functional` or `subclassed` for a Keras model."""
    import keras
    from keras.src.models.functional import Functional

    if isinstance(model, keras.Sequential):
        return "sequential"
    if isinstance(model, Functional):
        return "functional"
    return "subclassed"


def _shape(tensor: Any) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _layer_activation(layer: Any, config: dict) -> str | None:
    name = type(layer).__name__
    if "activation" in config:
        return activation_name(config["activation"])
    if name in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[name]
    return None


def describe_layer(layer: Any, calls: int = 1) -> LayerInfo:
    """Describe one layer: class, units, activation, weights and output shape."""
    import keras

    try:
        config = layer.get_config()
    except Exception:  # a custom layer without get_config still has a class
        config = {}
    try:
        output_shape = _shape(layer.output) if calls == 1 else None
    except Exception:  # not built, or called on several inputs
        output_shape = None
    return LayerInfo(
        name=layer.name,
        class_name=type(layer).__name__,
        units=config.get("units"),
        activation=_layer_activation(layer, config),
        params=layer.count_params() if layer.built else None,
        output_shape=output_shape,
        calls=calls,
        is_model=isinstance(layer, keras.Model),
    )


def _histories(args: Any) -> Iterator[str]:
    """Yield the names of the layers whose outputs appear in a serialized call's arguments."""
    if isinstance(args, dict):
        if args.get("class_name") == "__keras_tensor__":
            yield args["config"]["keras_history"][0]
            return
        for value in args.values():
            yield from _histories(value)
    elif isinstance(args, (list, tuple)):
        for value in args:
            yield from _histories(value)


def _io_names(spec: Any) -> list[tuple[str, str]]:
    """Read `(model name, layer name)` pairs from a Functional config's `input_layers` or `output_layers`."""
    if isinstance(spec, dict):
        return [(key, value[0]) for key, value in spec.items()]
    if spec and isinstance(spec[0], str):  # a single [layer_name, node, tensor] triple
        return [(spec[0], spec[0])]
    return [(item[0], item[0]) for item in spec]


def _describe_functional(model: Any) -> tuple[list, list, list, list]:
    config = model.get_config()
    inputs = {name: layer for name, layer in _io_names(config["input_layers"])}
    layers, edges = [], []
    for entry in config["layers"]:
        if entry["class_name"] == "InputLayer":
            continue
        layer = model.get_layer(entry["name"])
        layers.append(describe_layer(layer, calls=max(1, len(entry["inbound_nodes"]))))
        for source in dict.fromkeys(_histories(entry["inbound_nodes"])):
            edges.append((source, entry["name"]))
    by_layer = {tensor.name: tensor for tensor in model.inputs}
    input_infos = [
        TensorInfo(name, _shape(by_layer[layer]), layer) for name, layer in inputs.items() if layer in by_layer
    ]
    output_layers = dict(_io_names(config["output_layers"]))
    output_names = list(getattr(model, "output_names", None) or output_layers)
    output_infos = [
        TensorInfo(n, _shape(t), output_layers.get(n, n)) for n, t in zip(output_names, model.outputs)
    ]
    return input_infos, output_infos, layers, edges


def _describe_sequential(model: Any) -> tuple[list, list, list, list]:
    layers = [describe_layer(layer) for layer in model.layers]
    inputs, outputs = [], []
    if model.built:
        try:
            first = model.get_config()["layers"][0]
            names = [first["config"]["name"]] if first["class_name"] == "InputLayer" else []
            names = names or [t.name for t in model.inputs]
            inputs = [TensorInfo(n, _shape(t), n) for n, t in zip(names, model.inputs)]
            last = model.layers[-1].name if model.layers else names[0]
            outputs = [TensorInfo(last, _shape(t), last) for t in model.outputs]
        except (AttributeError, ValueError):  # built by calling it on data, with no Input
            inputs, outputs = [], []
    names = [i.name for i in inputs][:1] + [layer.name for layer in layers]
    edges = list(zip(names, names[1:]))
    return inputs, outputs, layers, edges


def describe_compile(model: Any) -> CompileInfo | None:
    """Describe the settings `model.compile(...)` was given, or None when it was not compiled."""
    try:
        config = model.get_compile_config()
    except Exception:  # not compiled, or compiled with objects Keras cannot serialize
        config = None
    if not config:
        if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
            return None
        config = {"optimizer": model.optimizer, "loss": model.loss, "metrics": []}
    loss = config.get("loss")
    losses = loss.values() if isinstance(loss, dict) else loss if isinstance(loss, (list, tuple)) else [loss]
    metrics = config.get("metrics") or []
    if isinstance(metrics, dict):
        metrics = [m for value in metrics.values() for m in (value if isinstance(value, (list, tuple)) else [value])]
    elif not isinstance(metrics, (list, tuple)):
        metrics = [metrics]
    return CompileInfo(
        optimizer=optimizer_name(config.get("optimizer")),
        loss=tuple(loss_name(item) for item in losses if item is not None),
        metrics=tuple(metric_name(item) for item in metrics if item is not None),
    )


def describe(model: Any) -> ModelDescription:
    """Describe a Keras model as plain data.

    Args:
        model: A `keras.Sequential`, a Functional `keras.Model`, or a subclassed model.

    Returns:
        A `ModelDescription` with the API kind, inputs, outputs, layers, graph edges and compile settings.

    Raises:
        TypeError: when `model` is not a Keras model.
    """
    if not is_model(model):
        raise TypeError(f"expected a Keras model, got {type(model).__name__}")
    kind = api_kind(model)
    if kind == "functional":
        try:
            inputs, outputs, layers, edges = _describe_functional(model)
        except Exception:  # a layer that cannot serialize: keep what the public attributes tell
            inputs = [TensorInfo(t.name, _shape(t), t.name) for t in model.inputs]
            outputs = [TensorInfo(t.name, _shape(t), t.name) for t in model.outputs]
            layers = [describe_layer(layer) for layer in model.layers if type(layer).__name__ != "InputLayer"]
            edges = []
    elif kind == "sequential":
        inputs, outputs, layers, edges = _describe_sequential(model)
    else:
        inputs, outputs, edges = [], [], []
        layers = [describe_layer(layer) for layer in model.layers]
    return ModelDescription(
        api=kind,
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        layers=tuple(layers),
        edges=tuple(edges),
        compile=describe_compile(model),
        params=model.count_params() if model.built else None,
        shared=tuple(layer.name for layer in layers if layer.calls > 1),
    )
