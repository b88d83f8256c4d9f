"""Turn any Keras 3 model into a `ModelDescription`, using Keras's public API."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from .description import CompileInfo, LayerInfo, ModelDescription, TensorInfo
from .names import activation_name, loss_name, metric_name, optimizer_name

ACTIVATION_LAYERS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "Softmax": "softmax"}


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
        value = config["activation"]
        if not isinstance(value, str):  # a lambda or a custom function serializes as code: use the function
            value = getattr(layer, "activation", value)
        return activation_name(value)
    if name == "ReLU" and (config.get("negative_slope") or 0) != 0:
        return "leaky_relu"
    if name in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[name]
    return None


def is_layer(obj: Any) -> bool:
    """Whether `obj` is a Keras layer (a model used as a layer included), not a bare operation such as `ops.add`."""
    import keras

    return isinstance(obj, keras.layers.Layer)


def describe_layer(layer: Any, calls: int = 1, call_inputs: tuple[tuple[str, ...], ...] = ()) -> LayerInfo:
    """Describe one layer: class, units, activation, weights, output shape, and what each call is computed from.

    An operation called on symbolic tensors (`keras.ops.add(a, b)`, or `a + b`) is a node of a Functional graph
    too, as `summary()` shows it: it is described like a layer with no parameters, under its class (`Add`).
    """
    import keras

    try:
        config = layer.get_config()
    except Exception:  # noqa: BLE001 (a custom layer without get_config still has a class)
        config = {}
    try:
        output_shape = _shape(layer.output) if calls == 1 else None
    except Exception:  # noqa: BLE001 (not built, or called on several inputs)
        output_shape = None
    return LayerInfo(
        name=layer.name,
        class_name=type(layer).__name__,
        units=config.get("units"),
        activation=_layer_activation(layer, config),
        params=(layer.count_params() if layer.built else None) if is_layer(layer) else 0,
        output_shape=output_shape,
        calls=calls,
        is_model=isinstance(layer, keras.Model),
        call_inputs=call_inputs,
    )


def _sources(args: Any) -> Iterator[tuple[str, int]]:
    """Yield `(layer name, call index)` for each layer output that appears in a serialized call's arguments."""
    if isinstance(args, dict):
        if args.get("class_name") == "__keras_tensor__":
            history = args["config"]["keras_history"]
            yield history[0], history[1]
            return
        for value in args.values():
            yield from _sources(value)
    elif isinstance(args, (list, tuple)):
        for value in args:
            yield from _sources(value)


def _histories(args: Any) -> Iterator[str]:
    """Yield the names of the layers whose outputs appear in a serialized call's arguments."""
    for name, _ in _sources(args):
        yield name


def _upstream_inputs(config: dict) -> dict[tuple[str, int], frozenset[str]]:
    """Map each call `(layer name, call index)` of a Functional config to the input layers it is computed from."""
    calls = {entry["name"]: entry["inbound_nodes"] for entry in config["layers"]}
    inputs = {entry["name"] for entry in config["layers"] if entry["class_name"] == "InputLayer"}
    found: dict[tuple[str, int], frozenset[str]] = {}
    for name in inputs:
        for index in range(max(1, len(calls[name]))):
            found[(name, index)] = frozenset({name})
    todo = [(name, index) for name, nodes in calls.items() if name not in inputs for index in range(len(nodes))]
    while todo:  # a call is resolved once all of its sources are; the graph has no cycles
        pending = []
        for name, index in todo:
            sources = list(_sources(calls[name][index]))
            if all(source in found for source in sources):
                found[(name, index)] = frozenset().union(*(found[source] for source in sources))
            else:
                pending.append((name, index))
        if len(pending) == len(todo):  # a source outside the config: leave these calls unknown
            break
        todo = pending
    return found


def _spec_layers(spec: Any) -> list[str]:
    """Layer names in a serialized structure of `[layer_name, node_index, tensor_index]` triples, in flat order."""
    if isinstance(spec, dict):
        return [name for key in sorted(spec) for name in _spec_layers(spec[key])]
    if isinstance(spec, (list, tuple)) and len(spec) == 3 and isinstance(spec[0], str):
        return [spec[0]]
    return [name for item in spec or () for name in _spec_layers(item)]


def _history_layer(tensor: Any) -> str:
    """Name of the layer that produced a symbolic tensor (used only when the model cannot serialize)."""
    history = getattr(tensor, "_keras_history", None)
    return history[0].name if history else tensor.name


def _tensor_infos(structure: Any, flat: list, spec: Any | None) -> list[TensorInfo]:
    """Describe a Functional model's inputs or outputs.

    When the student passed a dict (`keras.Model(inputs, outputs={"passed": ...})`), its keys name the tensors,
    as they do in `fit` and `predict`. Otherwise each tensor is named after the layer that produces it.

    Args:
        structure: `model.input` or `model.output`, as the student passed it to `keras.Model`.
        flat: `model.inputs` or `model.outputs`, the same tensors as a flat list.
        spec: the matching `input_layers` or `output_layers` entry of `model.get_config()`, or None.
    """
    if isinstance(structure, dict):
        import keras

        infos = []
        for key in keras.tree.flatten({key: key for key in structure}):  # Keras's own order, as in `model.outputs`
            tensor = structure[key]
            layer = _spec_layers(spec[key])[0] if isinstance(spec, dict) and key in spec else _history_layer(tensor)
            infos.append(TensorInfo(str(key), _shape(tensor), layer))
        return infos
    layer_names = _spec_layers(spec) if spec is not None else [_history_layer(t) for t in flat]
    return [TensorInfo(layer, _shape(tensor), layer) for layer, tensor in zip(layer_names, flat, strict=False)]


def _describe_functional(model: Any) -> tuple[list, list, list, list]:
    config = model.get_config()
    upstream = _upstream_inputs(config)
    operations = {operation.name: operation for operation in getattr(model, "operations", ())}
    layers, edges = [], []
    for entry in config["layers"]:
        if entry["class_name"] == "InputLayer":
            continue
        name = entry["name"]
        layer = operations[name] if name in operations else model.get_layer(name)
        calls = range(len(entry["inbound_nodes"]))
        call_inputs = tuple(tuple(sorted(upstream.get((entry["name"], i), ()))) for i in calls)
        layers.append(describe_layer(layer, calls=max(1, len(calls)), call_inputs=call_inputs))
        for source in dict.fromkeys(_histories(entry["inbound_nodes"])):
            edges.append((source, entry["name"]))
    inputs = _tensor_infos(model.input, model.inputs, config["input_layers"])
    outputs = _tensor_infos(model.output, model.outputs, config["output_layers"])
    return inputs, outputs, layers, edges


def _describe_sequential(model: Any) -> tuple[list, list, list, list]:
    layers = [describe_layer(layer) for layer in model.layers]
    inputs, outputs = [], []
    if model.built:
        try:
            first = model.get_config()["layers"][0]
            names = [first["config"]["name"]] if first["class_name"] == "InputLayer" else []
            names = names or [t.name for t in model.inputs]
            inputs = [TensorInfo(n, _shape(t), n) for n, t in zip(names, model.inputs, strict=False)]
            last = model.layers[-1].name if model.layers else names[0]
            outputs = [TensorInfo(last, _shape(t), last) for t in model.outputs]
        except (AttributeError, ValueError):  # built by calling it on data, with no Input
            inputs, outputs = [], []
    if inputs:  # a plain stack: every layer is computed from the one input
        layers = [replace(layer, call_inputs=((inputs[0].layer,),)) for layer in layers]
    names = [i.name for i in inputs][:1] + [layer.name for layer in layers]
    edges = list(zip(names, names[1:], strict=False))
    return inputs, outputs, layers, edges


def _is_serialized(value: Any) -> bool:
    """Whether `value` is one serialized Keras object (`{"class_name": ..., "config": ...}`), not a dict by output."""
    return isinstance(value, dict) and "class_name" in value


def _leaves(value: Any) -> list:
    """The single settings inside a compile argument: one item, a list, a dict by output, or lists of lists."""
    if value is None:
        return []
    if isinstance(value, dict) and not _is_serialized(value):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _losses_by_output(loss: Any, output_names: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Pair each output with its loss: from a dict by output name, a list in output order, or one loss for all."""
    if isinstance(loss, dict) and not _is_serialized(loss):
        pairs = [(str(name), value) for name, value in loss.items()]
    elif isinstance(loss, (list, tuple)):
        pairs = list(zip(output_names, loss, strict=False)) if len(loss) == len(output_names) else []
    else:
        pairs = [(name, loss) for name in output_names]
    return tuple((name, loss_name(value)) for name, value in pairs if value is not None)


def _weights_by_output(weights: Any, output_names: Sequence[str], loss: Any = None) -> tuple[tuple[str, float], ...]:
    """Pair each output with the loss weight Keras gives it: from a dict by output name, a list in output order, or
    one number.

    With the losses given as a list, Keras reads a dict of weights as a list too, its values in the alphabetical
    order of their keys: `loss=[...], loss_weights={"passed": 1.0, "grade": 0.5}` weighs the first output 0.5.
    """
    if weights is None or isinstance(weights, bool):
        return ()
    if isinstance(weights, dict) and isinstance(loss, (list, tuple)):
        ordered = [weights[key] for key in sorted(weights, key=str)]
        pairs = list(zip(output_names, ordered, strict=False)) if len(ordered) == len(output_names) else []
    elif isinstance(weights, dict):
        pairs = [(str(name), value) for name, value in weights.items()]
    elif isinstance(weights, (list, tuple)):
        pairs = list(zip(output_names, weights, strict=False)) if len(weights) == len(output_names) else []
    else:
        pairs = [(name, weights) for name in output_names]
    try:
        return tuple((name, float(value)) for name, value in pairs if value is not None)
    except (TypeError, ValueError):  # a weight that is not a number: Keras refuses it when training
        return ()


def describe_compile(model: Any, output_names: Sequence[str] = ()) -> CompileInfo | None:
    """Describe the settings `model.compile(...)` was given, or None when it was not compiled.

    Args:
        model: a Keras model.
        output_names: the model's output names, to pair each output with its loss.
    """
    try:
        config = model.get_compile_config()
    except Exception:  # noqa: BLE001 (not compiled, or compiled with objects Keras cannot serialize)
        config = None
    if not config:
        if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
            return None
        config = {"optimizer": model.optimizer, "loss": model.loss, "metrics": [],
                  "loss_weights": getattr(getattr(model, "_compile_config", None), "config", {}).get("loss_weights")}
    loss = config.get("loss")
    return CompileInfo(
        optimizer=optimizer_name(config.get("optimizer")),
        loss=tuple(loss_name(item) for item in _leaves(loss)),
        metrics=tuple(metric_name(item) for item in _leaves(config.get("metrics"))),
        loss_by_output=_losses_by_output(loss, output_names),
        loss_weights_by_output=_weights_by_output(config.get("loss_weights"), output_names, loss),
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
        except Exception:  # noqa: BLE001 (a layer that cannot serialize: keep what the public attributes tell)
            inputs = _tensor_infos(model.input, model.inputs, None)
            outputs = _tensor_infos(model.output, model.outputs, None)
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
        compile=describe_compile(model, [output.name for output in outputs]),
        params=model.count_params() if model.built else None,
        shared=tuple(layer.name for layer in layers if layer.calls > 1),
    )
