"""Check of saving a model to a `.keras` file and loading it back: the file holds the model, and so does the copy."""

from __future__ import annotations

__tracebackhide__ = True  # a failed check shows the student the test's line, not this code (autograder/lesson/tracebacks.py)

import os
import warnings
import zipfile
from typing import Any

import numpy as np

from ._errors import raised
from ._model import assert_is_model


def _predict(model: Any, x: Any) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(model(np.asarray(x, dtype="float32"), training=False))


def _is_keras_file(path: str) -> bool:
    """Whether the file at `path` looks like a `.keras` file: a zip archive holding the model's `config.json`."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "config.json" in archive.namelist()


def _load(path: str) -> Any:
    """The model in the file at `path`, read without running any code it may hold."""
    import keras

    with warnings.catch_warnings():  # e.g. an optimizer saved before its first step: nothing to report
        warnings.simplefilter("ignore")
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def assert_saves_and_reloads(function: Any, model: Any, path: str, x: Any) -> None:
    """Raise AssertionError unless `function(model, path)` writes `model` to a `.keras` file at `path` and returns
    another model object loaded from it, with the same layer names and predictions.

    Args:
        function: the learner's `save_and_reload`.
        model: a built model.
        path: where the file should go, ending in `.keras`; a file already there is removed first, and the file
            the function wrote is removed once every check has passed (a failing one leaves it, to look at).
        x: a batch of inputs for `model`.
    """
    __tracebackhide__ = True
    name = getattr(function, "__name__", "your function")
    if os.path.lexists(path):
        os.remove(path)
    try:
        reloaded = function(model, path)
    except Exception as error:  # noqa: BLE001 (the learner's error, worded for the learner)
        raise AssertionError(raised(name, error, f"the path {path!r}")) from None
    if not os.path.isfile(path):
        raise AssertionError(f"There is no file at {path!r} after {name}: save the model to the path it is given.")
    if not _is_keras_file(path):
        raise AssertionError(
            f"The file at {path!r} is not a model in Keras's native format (a `.keras` file holds the layers, "
            "the weights and the compile settings). Save the whole model, not only its weights."
        )
    assert_is_model(reloaded)
    if reloaded is model:
        raise AssertionError(
            f"{name} returned the model it was given. Return the model loaded back from the file: a new object, "
            "which shows that the file really holds the model."
        )
    names, saved_names = [layer.name for layer in reloaded.layers], [layer.name for layer in model.layers]
    if names != saved_names:
        raise AssertionError(
            f"The model {name} returned has the layers {names}; the model it saved has {saved_names}. "
            "Return the model loaded from the file you wrote."
        )
    expected = _predict(model, x)
    if not np.allclose(_predict(reloaded, x), expected, atol=1e-6):
        raise AssertionError(
            f"The model {name} returned predicts differently from the one it saved: it lost what the model learned. "
            "Load it back from the file, which holds the weights too."
        )
    try:
        in_file = _load(path)
    except Exception as error:  # noqa: BLE001 (a broken or unsafe file is the learner's to fix)
        raise AssertionError(f"The file at {path!r} could not be loaded back ({type(error).__name__}).") from None
    if not np.allclose(_predict(in_file, x), expected, atol=1e-6):
        raise AssertionError(
            f"The file at {path!r} holds a model that predicts differently from the one given to {name}: "
            "save the model you were given."
        )
    os.remove(path)
