"""Tiny models for the checks' tests: the reference answers, equivalent formulations, and wrong ones (mutants).

Every builder makes a fresh model, so tests stay independent; none is trained.
"""

from __future__ import annotations

import re

import keras
import numpy as np
from keras import layers

from autograder import spec

N_FEATURES = 8
REFERENCE_LAYERS = [spec.Dense(16, "relu"), spec.Dense(8, "relu"), spec.Dense(1, "sigmoid")]
"""What the reference Sequential answer holds: a plain stack Dense(16) -> Dense(8) -> Dense(1)."""
REFERENCE_PARAMS = (8 + 1) * 16 + (16 + 1) * 8 + (8 + 1) * 1
"""Weights of the reference: (inputs + 1) x units per Dense layer, 289 in all."""


def message(*parts: str) -> str:
    """A regular expression that matches a message holding each literal part, in this order (across lines too)."""
    return r"[\s\S]*".join(re.escape(part) for part in parts)


def stack(*stack_layers: layers.Layer, n_features: int | None = N_FEATURES) -> keras.Sequential:
    """A Sequential model of these layers, started with `keras.Input` unless `n_features` is None."""
    start = [keras.Input(shape=(n_features,))] if n_features is not None else []
    return keras.Sequential(start + list(stack_layers))


def reference_sequential(n_features: int = N_FEATURES) -> keras.Sequential:
    """The reference answer: layers given as a list, activations as strings, the input as `keras.Input`."""
    return stack(
        layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
        n_features=n_features,
    )


def added_one_by_one() -> keras.Sequential:
    """The reference, with each layer added by `model.add(...)`."""
    model = keras.Sequential()
    model.add(keras.Input(shape=(N_FEATURES,)))
    model.add(layers.Dense(16, activation="relu"))
    model.add(layers.Dense(8, activation="relu"))
    model.add(layers.Dense(1, activation="sigmoid"))
    return model


def activation_functions() -> keras.Sequential:
    """The reference, with activations given as functions rather than strings."""
    return stack(
        layers.Dense(16, activation=keras.activations.relu),
        layers.Dense(8, activation=keras.activations.relu),
        layers.Dense(1, activation=keras.activations.sigmoid),
    )


def activation_layers() -> keras.Sequential:
    """The reference, with each activation as a separate `layers.Activation` layer."""
    return stack(
        layers.Dense(16), layers.Activation("relu"),
        layers.Dense(8), layers.Activation("relu"),
        layers.Dense(1), layers.Activation("sigmoid"),
    )


def relu_layers() -> keras.Sequential:
    """The reference, with `layers.ReLU()` layers after plain Dense layers."""
    return stack(layers.Dense(16), layers.ReLU(), layers.Dense(8), layers.ReLU(), layers.Dense(1, activation="sigmoid"))


def legacy_input_dim() -> keras.Sequential:
    """The reference, with the input given the Keras 2 way: `Dense(16, input_dim=8)`."""
    return keras.Sequential([
        layers.Dense(16, activation="relu", input_dim=N_FEATURES),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])


def legacy_input_shape() -> keras.Sequential:
    """The reference, with the input given the Keras 2 way: `Dense(16, input_shape=(8,))`."""
    return keras.Sequential([
        layers.Dense(16, activation="relu", input_shape=(N_FEATURES,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])


def unknown_input() -> keras.Sequential:
    """The reference's layers without `keras.Input`: Keras does not know the input shape, and nothing is built."""
    return stack(
        layers.Dense(16, activation="relu"), layers.Dense(8, activation="relu"), layers.Dense(1, activation="sigmoid"),
        n_features=None,
    )


def built_by_build() -> keras.Sequential:
    """The reference without `keras.Input`, built afterwards with `model.build((None, 8))`."""
    model = unknown_input()
    model.build((None, N_FEATURES))
    return model


def built_by_call() -> keras.Sequential:
    """The reference without `keras.Input`, built by calling it on a batch of two rows."""
    model = unknown_input()
    model(np.zeros((2, N_FEATURES), dtype="float32"))
    return model


def reference_functional(n_features: int = N_FEATURES) -> keras.Model:
    """The reference's layers, built the Functional way (with unnamed inputs and layers)."""
    inputs = keras.Input(shape=(n_features,))
    x = layers.Dense(16, activation="relu")(inputs)
    x = layers.Dense(8, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


class TinySubclass(keras.Model):
    """A subclassed model with the reference's layers."""

    def __init__(self):
        super().__init__()
        self.hidden = layers.Dense(16, activation="relu")
        self.hidden_2 = layers.Dense(8, activation="relu")
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.hidden_2(self.hidden(inputs)))


def subclassed() -> keras.Model:
    """A subclassed model, built by calling it once on data."""
    model = TinySubclass()
    model(np.zeros((2, N_FEATURES), dtype="float32"))
    return model


# Two inputs, two outputs: a student's profile and practice scores predict `passed` (0/1) and `grade`.


def exam_inputs() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The two named inputs of the multi-input models."""
    return keras.Input(shape=(5,), name="profile"), keras.Input(shape=(3,), name="scores")


def two_heads() -> keras.Model:
    """The reference multi-output model: both inputs joined, then two named output layers."""
    profile, scores = exam_inputs()
    x = layers.concatenate([profile, scores])
    x = layers.Dense(4, activation="relu")(x)
    passed = layers.Dense(1, activation="sigmoid", name="passed")(x)
    grade = layers.Dense(1, name="grade")(x)
    return keras.Model(inputs=[profile, scores], outputs=[passed, grade])


def two_heads_dict() -> keras.Model:
    """The reference, with inputs and outputs given as dicts; the output layers keep Keras's default names."""
    profile, scores = exam_inputs()
    x = layers.Dense(4, activation="relu")(layers.concatenate([profile, scores]))
    return keras.Model(
        inputs={"profile": profile, "scores": scores},
        outputs={"passed": layers.Dense(1, activation="sigmoid")(x), "grade": layers.Dense(1)(x)},
    )


def two_heads_not_joined() -> keras.Model:
    """A mutant: `passed` is computed from `profile` alone, `grade` from `scores` alone."""
    profile, scores = exam_inputs()
    passed = layers.Dense(1, activation="sigmoid", name="passed")(profile)
    grade = layers.Dense(1, name="grade")(scores)
    return keras.Model(inputs=[profile, scores], outputs=[passed, grade])


def two_heads_unnamed() -> keras.Model:
    """A mutant: the right graph, but neither inputs nor output layers are named."""
    profile, scores = keras.Input(shape=(5,)), keras.Input(shape=(3,))
    x = layers.concatenate([profile, scores])
    return keras.Model([profile, scores], [layers.Dense(1, activation="sigmoid")(x), layers.Dense(1)(x)])


# Two exams compared by one shared encoder (a Siamese model).


def exam_pair() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The two named inputs of the shared-layer models."""
    return keras.Input(shape=(4,), name="exam_a"), keras.Input(shape=(4,), name="exam_b")


def siamese(encoder: layers.Layer | None = None) -> keras.Model:
    """The reference: one encoder object called on each exam, the encodings joined, one output."""
    exam_a, exam_b = exam_pair()
    encoder = encoder or layers.Dense(4, activation="relu", name="encoder")
    x = layers.concatenate([encoder(exam_a), encoder(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid", name="same")(x))


def siamese_nested() -> keras.Model:
    """The reference, with the encoder written as a small Sequential model and used as a layer."""
    encoder = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(4, activation="relu")], name="encoder_model")
    return siamese(encoder)


def siamese_two_encoders() -> keras.Model:
    """A mutant: two look-alike encoders, so nothing is shared."""
    exam_a, exam_b = exam_pair()
    x = layers.concatenate([layers.Dense(4, activation="relu")(exam_a), layers.Dense(4, activation="relu")(exam_b)])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid")(x))


def siamese_one_sided() -> keras.Model:
    """A mutant: the encoder is called twice, but both times on `exam_b`'s side."""
    exam_a, exam_b = exam_pair()
    encoder = layers.Dense(4, activation="relu", name="encoder")
    x = layers.concatenate([layers.Dense(4)(exam_a), encoder(encoder(exam_b))])
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid")(x))


def siamese_after_join() -> keras.Model:
    """A mutant: the exams are joined first, then one layer is called twice on the joined tensor."""
    exam_a, exam_b = exam_pair()
    joined = layers.concatenate([exam_a, exam_b])
    twice = layers.Dense(8, activation="relu", name="twice")
    return keras.Model([exam_a, exam_b], layers.Dense(1, activation="sigmoid")(twice(twice(joined))))


def compiled(model: keras.Model, **settings) -> keras.Model:
    """`model`, compiled with these settings."""
    model.compile(**settings)
    return model
