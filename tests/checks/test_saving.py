"""Tests of `checks.assert_saves_and_reloads`: the file holds the model, and the model returned came from it."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autograder import checks

from . import models

X = np.linspace(-1, 1, 3 * 8).reshape(3, 8)


def reference(model, path):
    model.save(path)
    return keras.models.load_model(path)


def test_saving_and_loading_back_passes(tmp_path, monkeypatch):
    """Does saving to the path and returning the loaded model pass, and does the check tidy the file away after?"""
    monkeypatch.chdir(tmp_path)
    checks.assert_saves_and_reloads(reference, models.reference_sequential(), "model.keras", X)
    assert list(tmp_path.iterdir()) == []


def _other_model_in_file(model, path):
    models.reference_sequential().save(path)
    return keras.models.load_model(path)


def _other_file_loaded(model, path):
    model.save("elsewhere.keras")
    models.reference_sequential().save(path)
    return keras.models.load_model("elsewhere.keras")


WRONG = {
    "returns-the-original": (lambda model, path: (model.save(path), model)[1], "returned the model it was given"),
    "no-file": (lambda model, path: keras.models.clone_model(model), "There is no file at 'model.keras'"),
    "weights-only": (lambda model, path: (model.save_weights(path), model)[1],
                     "raised ValueError on the path 'model.keras'"),
    "not-a-keras-file": (lambda model, path: (open(path, "w").write("{}"), model)[1],
                         "is not a model in Keras's native format"),
    "fresh-copy": (lambda model, path: (model.save(path), keras.models.clone_model(model))[1],
                   "predicts differently from the one it saved"),
    "another-model-returned": (_other_model_in_file, "the model it saved has ['dense"),
    "another-model-in-the-file": (_other_file_loaded, "holds a model that predicts differently from the one given"),
}


@pytest.mark.parametrize("save, fragment", WRONG.values(), ids=WRONG.keys())
def test_a_wrong_save_is_told_what_is_wrong(tmp_path, monkeypatch, save, fragment):
    """Is each wrong way of saving and loading back rejected with the message that names the idea?"""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match=models.message(fragment)):
        checks.assert_saves_and_reloads(save, models.reference_sequential(), "model.keras", X)


def test_a_stale_file_from_before_does_not_count(tmp_path, monkeypatch):
    """Is a file left at the path by an earlier run removed first, so that a function that writes nothing fails?"""
    monkeypatch.chdir(tmp_path)
    models.reference_sequential().save("model.keras")
    with pytest.raises(AssertionError, match="There is no file at 'model.keras'"):
        checks.assert_saves_and_reloads(lambda model, path: model, models.reference_sequential(), "model.keras", X)
