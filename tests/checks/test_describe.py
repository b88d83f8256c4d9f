"""Tests of `autograder.model.introspection`: any Keras 3 model turned into plain data, the same for equivalent models."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from autograder import describe
from autograder.model.introspection import api_kind, describe_compile

from . import models

REFERENCE_FORMULATIONS = {
    "list": models.reference_sequential,
    "add": models.added_one_by_one,
    "activation-functions": models.activation_functions,
    "input-dim": models.legacy_input_dim,
    "input-shape": models.legacy_input_shape,
    "build": models.built_by_build,
    "functional": models.reference_functional,
}


@pytest.mark.parametrize("build", REFERENCE_FORMULATIONS.values(), ids=REFERENCE_FORMULATIONS.keys())
def test_equivalent_models_have_the_same_description(build):
    """Do equivalent formulations of the reference read as the same layers, input shape and weights?"""
    desc = describe(build())
    assert [(layer.class_name, layer.units, layer.activation) for layer in desc.layers] == [
        ("Dense", 16, "relu"), ("Dense", 8, "relu"), ("Dense", 1, "sigmoid")
    ]
    assert [i.shape for i in desc.inputs] == [(None, models.N_FEATURES)]
    assert [o.shape for o in desc.outputs] == [(None, 1)]
    assert [layer.output_shape for layer in desc.layers] == [(None, 16), (None, 8), (None, 1)]
    assert desc.params == models.REFERENCE_PARAMS


@pytest.mark.parametrize(
    "build, kind",
    [
        (models.reference_sequential, "sequential"),
        (models.reference_functional, "functional"),
        (models.subclassed, "subclassed"),
    ],
    ids=["sequential", "functional", "subclassed"],
)
def test_api_kind_names_the_api_that_built_the_model(build, kind):
    """Is each model recognised as built by the Sequential API, the Functional API, or a subclass?"""
    model = build()
    assert api_kind(model) == kind
    assert describe(model).api == kind


def test_a_sequential_model_chains_its_input_through_each_layer():
    """Does a Sequential model's graph run from its input through every layer in order?"""
    desc = describe(models.reference_sequential())
    names = [desc.inputs[0].layer] + [layer.name for layer in desc.layers]
    assert desc.edges == tuple(zip(names, names[1:], strict=False))
    assert desc.outputs[0].layer == desc.layers[-1].name


def test_an_unnamed_functional_input_is_still_described():
    """Is a Functional model's unnamed input described, rather than dropped as it once was?"""
    desc = describe(models.reference_functional())
    assert desc.input_known
    (only,) = desc.inputs
    assert only.shape == (None, models.N_FEATURES)
    assert (only.layer, desc.layers[0].name) in desc.edges


def test_unknown_input_shape_leaves_inputs_and_weights_unknown():
    """Does a Sequential model without `keras.Input` report no inputs, no outputs and no weight count?"""
    desc = describe(models.stack(layers.Dense(3), n_features=None))
    assert not desc.input_known
    assert desc.outputs == ()
    assert desc.params is None
    assert [layer.params for layer in desc.layers] == [None]


def test_a_model_built_by_calling_it_records_that_batch_size():
    """Does a Sequential model built by calling it on data report the batch size it saw (which the checks ignore)?"""
    assert describe(models.built_by_call()).inputs[0].shape == (2, models.N_FEATURES)


def test_named_inputs_and_outputs_keep_their_names():
    """Are named inputs and output layers described by their names, in the order the model was given them?"""
    desc = describe(models.two_heads())
    assert [(i.name, i.shape) for i in desc.inputs] == [("profile", (None, 5)), ("scores", (None, 3))]
    assert [(o.name, o.layer, o.shape) for o in desc.outputs] == [
        ("passed", "passed", (None, 1)), ("grade", "grade", (None, 1))
    ]


def test_dict_outputs_are_named_by_their_keys():
    """Are outputs given as a dict named by its keys, as `fit` and `predict` name them, not by their layers?"""
    desc = describe(models.two_heads_dict())
    assert sorted(o.name for o in desc.outputs) == ["grade", "passed"]
    assert all(o.layer.startswith("dense") for o in desc.outputs)  # unnamed layers: Keras's default names
    assert sorted(i.name for i in desc.inputs) == ["profile", "scores"]
    assert {o.layer for o in desc.outputs} <= {layer.name for layer in desc.layers}


def test_a_shared_layer_is_counted_once_with_two_calls():
    """Is a layer called on two inputs listed once, as called twice and shared, with an edge from each input?"""
    desc = describe(models.siamese())
    encoder = next(layer for layer in desc.layers if layer.name == "encoder")
    assert encoder.calls == 2
    assert encoder.output_shape is None  # two calls, two outputs: no single shape
    assert desc.shared == ("encoder",)
    assert {("exam_a", "encoder"), ("exam_b", "encoder")} <= set(desc.edges)


@pytest.mark.parametrize(
    "build, layer, expected",
    [
        (models.siamese, "encoder", (("exam_a",), ("exam_b",))),
        (models.siamese_nested, "encoder_model", (("exam_a",), ("exam_b",))),
        (models.siamese_one_sided, "encoder", (("exam_b",), ("exam_b",))),
        (models.siamese_after_join, "twice", (("exam_a", "exam_b"), ("exam_a", "exam_b"))),
        (models.siamese, "same", (("exam_a", "exam_b"),)),
    ],
    ids=["shared", "nested", "one-sided", "after-join", "output"],
)
def test_each_call_knows_the_inputs_it_is_computed_from(build, layer, expected):
    """Does each call of a layer list the model inputs it is computed from, call by call?"""
    desc = describe(build())
    assert next(info for info in desc.layers if info.name == layer).call_inputs == expected


def test_every_layer_of_a_stack_is_computed_from_its_one_input():
    """In a Sequential model, is every layer's one call computed from the one input?"""
    desc = describe(models.reference_sequential())
    assert {layer.call_inputs for layer in desc.layers} == {((desc.inputs[0].layer,),)}


def test_a_nested_model_is_a_layer_that_is_a_model():
    """Is a Sequential model used as a layer described as one layer that is itself a model?"""
    desc = describe(models.siamese_nested())
    nested = next(layer for layer in desc.layers if layer.name == "encoder_model")
    assert nested.is_model and nested.class_name == "Sequential" and nested.calls == 2
    assert desc.shared == ("encoder_model",)


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("relu", "relu"),
        (keras.activations.relu, "relu"),
        (keras.activations.sigmoid, "sigmoid"),
        (None, "linear"),
        (lambda x: x * 2, "<lambda>"),
    ],
    ids=["string", "function", "sigmoid-function", "none", "lambda"],
)
def test_a_dense_activation_reads_as_its_name(activation, expected):
    """Does a Dense layer's activation read as its name, and a lambda as a lambda rather than as 'linear'?"""
    desc = describe(models.stack(layers.Dense(2, activation=activation)))
    assert desc.layers[0].activation == expected


@pytest.mark.parametrize(
    "layer, expected",
    [
        (layers.Activation("tanh"), "tanh"),
        (layers.ReLU(), "relu"),
        (layers.ReLU(negative_slope=0.1), "leaky_relu"),
        (layers.LeakyReLU(), "leaky_relu"),
        (layers.Softmax(), "softmax"),
        (layers.Dropout(0.5), None),
    ],
    ids=["Activation", "ReLU", "ReLU-with-slope", "LeakyReLU", "Softmax", "Dropout"],
)
def test_an_activation_layer_reads_as_the_activation_it_applies(layer, expected):
    """Does each activation layer read as the activation it applies, and a Dropout layer as none?"""
    assert describe(models.stack(layers.Dense(2), layer)).layers[1].activation == expected


def test_describe_refuses_what_is_not_a_model():
    """Does `describe` raise TypeError, naming the type, for something that is not a Keras model?"""
    with pytest.raises(TypeError, match="expected a Keras model, got ndarray"):
        describe(np.zeros(3))


class _NoConfig(layers.Layer):
    """A custom layer that cannot serialize, so its model's `get_config` fails."""

    def call(self, x):
        return x * 2.0

    def get_config(self):
        raise NotImplementedError


def test_a_model_that_cannot_serialize_still_describes_its_inputs_and_outputs():
    """When `get_config` fails, are the inputs, outputs and layers still described from the model itself?"""
    inputs = keras.Input(shape=(3,), name="features")
    model = keras.Model(inputs, layers.Dense(1, name="score")(_NoConfig()(inputs)))
    desc = describe(model)
    assert [(i.name, i.shape) for i in desc.inputs] == [("features", (None, 3))]
    assert [(o.name, o.shape) for o in desc.outputs] == [("score", (None, 1))]
    assert [layer.class_name for layer in desc.layers] == ["_NoConfig", "Dense"]


# Compile settings


def _reference_compiled(**settings):
    return models.compiled(models.reference_sequential(), **settings)


def test_an_uncompiled_model_has_no_compile_settings():
    """Is the compile description None for a model that was never compiled?"""
    assert describe(models.reference_sequential()).compile is None


@pytest.mark.parametrize(
    "loss",
    [
        "binary_crossentropy",
        "bce",
        "BinaryCrossentropy",
        keras.losses.BinaryCrossentropy(),
        keras.losses.BinaryCrossentropy(name="my_loss"),
        keras.losses.binary_crossentropy,
    ],
    ids=["name", "alias", "class-name", "object", "renamed-object", "function"],
)
def test_every_spelling_of_a_loss_reads_the_same(loss):
    """Do a loss name, its alias, a loss object and a loss function all read as `binary_crossentropy`?"""
    info = describe(_reference_compiled(optimizer="adam", loss=loss)).compile
    assert info.loss == ("binary_crossentropy",)
    assert [loss for _, loss in info.loss_by_output] == ["binary_crossentropy"]


@pytest.mark.parametrize(
    "optimizer, expected",
    [("adam", "adam"), ("Adam", "adam"), (keras.optimizers.Adam(0.01), "adam"), (keras.optimizers.SGD(), "sgd"),
     (keras.optimizers.AdamW(), "adamw"), ("rmsprop", "rmsprop")],
    ids=["name", "capitalised", "object", "sgd", "adamw", "rmsprop"],
)
def test_an_optimizer_reads_as_its_class_name(optimizer, expected):
    """Does an optimizer, given by name or as an object, read as its lowercase class name?"""
    assert describe(_reference_compiled(optimizer=optimizer, loss="mse")).compile.optimizer == expected


def test_metrics_read_as_canonical_names():
    """Do metrics given as strings, aliases and objects read as canonical names, in order?"""
    model = _reference_compiled(
        optimizer="adam", loss="bce", metrics=["acc", keras.metrics.BinaryAccuracy(), keras.metrics.AUC(), "mae"]
    )
    assert describe(model).compile.metrics == ("accuracy", "binary_accuracy", "auc", "mean_absolute_error")


def test_losses_and_metrics_by_output_are_paired_with_their_outputs():
    """Are a dict of losses and a dict of metric lists by output name read per output, without nesting?"""
    model = models.compiled(
        models.two_heads(), optimizer="adam", loss={"passed": "bce", "grade": "mse"},
        metrics={"passed": ["acc"], "grade": ["mae"]},
    )
    info = describe(model).compile
    assert dict(info.loss_by_output) == {"passed": "binary_crossentropy", "grade": "mean_squared_error"}
    assert sorted(info.loss) == ["binary_crossentropy", "mean_squared_error"]
    assert sorted(info.metrics) == ["accuracy", "mean_absolute_error"]


def test_a_list_of_metric_lists_is_flattened():
    """Are metrics given as one list per output read as metric names (not as 'list')?"""
    model = models.compiled(models.two_heads(), optimizer="adam", loss=["bce", "mse"], metrics=[["acc"], ["mae"]])
    info = describe(model).compile
    assert info.metrics == ("accuracy", "mean_absolute_error")
    assert info.loss_by_output == (("passed", "binary_crossentropy"), ("grade", "mean_squared_error"))


def test_a_list_of_losses_follows_keras_order_for_dict_outputs():
    """With dict outputs, does a list of losses go to the outputs in Keras's own (sorted) order?"""
    model = models.compiled(models.two_heads_dict(), optimizer="adam", loss=["mse", "bce"])
    assert dict(describe(model).compile.loss_by_output) == {"grade": "mean_squared_error",
                                                           "passed": "binary_crossentropy"}


def test_one_loss_applies_to_every_output():
    """Does a single loss given to a model with two outputs count as the loss of each output?"""
    model = models.compiled(models.two_heads(), optimizer="adam", loss="mse")
    assert describe(model).compile.loss_by_output == (("passed", "mean_squared_error"), ("grade", "mean_squared_error"))


def test_compile_without_a_loss_has_no_loss():
    """Does `model.compile()` with no arguments read as Keras's default optimizer and no loss?"""
    info = describe_compile(models.compiled(models.reference_sequential()))
    assert info is not None
    assert (info.optimizer, info.loss, info.metrics) == ("rmsprop", (), ())


def _residual_with(add) -> keras.Model:
    """A block Dense(16) -> Dense(5) whose output is added to the input by `add(input, block_output)`."""
    inputs = keras.Input(shape=(5,), name="features")
    block = layers.Dense(5)(layers.Dense(16, activation="relu")(inputs))
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(add(inputs, block)))


@pytest.mark.parametrize("add", [lambda a, b: layers.add([a, b]), lambda a, b: keras.ops.add(a, b), lambda a, b: a + b],
                         ids=["layers.add", "ops.add", "plus"])
def test_an_operation_on_tensors_is_a_node_of_the_graph(add):
    """Is an addition written as `keras.ops.add` or `+` described, like `layers.add`, as an `Add` node with its edges?"""
    desc = describe(_residual_with(add))
    (node,) = [layer for layer in desc.layers if layer.class_name == "Add"]
    assert [layer.class_name for layer in desc.layers] == ["Dense", "Dense", "Add", "Dense"]
    assert {source for source, target in desc.edges if target == node.name} == {"features", desc.layers[1].name}
    assert node.params == 0 and node.output_shape == (None, 5) and node.call_inputs == (("features",),)


def test_an_operation_between_layers_is_a_node_of_the_graph():
    """Is an operation called on tensors (`keras.ops.abs`) described as a node with its edges, so that the graph
    and the shared encoder before it stay visible?"""
    exam_a, exam_b = models.exam_pair()
    encoder = layers.Dense(4, activation="relu", name="encoder")
    distance = keras.ops.abs(layers.subtract([encoder(exam_a), encoder(exam_b)], name="difference"))
    model = keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same")(distance))
    desc = describe(model)
    node = next(layer for layer in desc.layers if layer.class_name == "Absolute")
    assert node.params == 0 and node.call_inputs == (("exam_a", "exam_b"),)
    # named: Keras numbers an unnamed layer after every Subtract made before it in the process ("subtract_3")
    assert {("difference", node.name), (node.name, "same")} <= set(desc.edges)
    assert desc.shared == ("encoder",)


@pytest.mark.parametrize(
    "loss, weights, expected",
    [
        ({"passed": "bce", "grade": "mse"}, {"grade": 0.5, "passed": 1.0}, {"grade": 0.5, "passed": 1.0}),
        ({"passed": "bce", "grade": "mse"}, [1, 0.5], {"passed": 1.0, "grade": 0.5}),
        (["bce", "mse"], [1, 0.5], {"passed": 1.0, "grade": 0.5}),
        (["bce", "mse"], None, {}),
    ],
    ids=["dicts", "dict-losses-list-weights", "lists", "none"],
)
def test_loss_weights_are_paired_with_their_outputs(loss, weights, expected):
    """Are loss weights given as a dict by name or a list in output order read per output, and none as none?"""
    model = models.compiled(models.two_heads(), optimizer="adam", loss=loss, loss_weights=weights)
    assert dict(describe(model).compile.loss_weights_by_output) == expected


def test_a_dict_of_weights_beside_a_list_of_losses_is_read_as_keras_reads_it():
    """With the losses as a list, does a dict of weights go to the outputs in the alphabetical order of its keys, as
    Keras applies it (so `{"passed": 1.0, "grade": 0.5}` weighs `passed`, the first output, 0.5)?"""
    model = models.compiled(models.two_heads(), optimizer="adam", loss=["bce", "mse"],
                            loss_weights={"passed": 1.0, "grade": 0.5})
    assert dict(describe(model).compile.loss_weights_by_output) == {"passed": 0.5, "grade": 1.0}
    x, y = np.ones((4, 5)), np.ones((4, 3))
    scores = model.evaluate([x, y], {"passed": np.ones((4, 1)), "grade": np.full((4, 1), 9.0)}, verbose=0,
                            return_dict=True)
    assert scores["loss"] == pytest.approx(0.5 * scores["passed_loss"] + scores["grade_loss"], rel=1e-4)


def test_loss_weights_follow_keras_order_for_dict_outputs():
    """With dict outputs, does a list of weights go to the outputs in Keras's own (sorted) order?"""
    model = models.compiled(models.two_heads_dict(), optimizer="adam", loss=["mse", "bce"], loss_weights=[0.5, 1])
    assert dict(describe(model).compile.loss_weights_by_output) == {"grade": 0.5, "passed": 1.0}
