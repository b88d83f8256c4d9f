"""Tests of `checks.exam_student`, `assert_history` and `assert_beats_baseline` (no training: predictions are set)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from autograder import checks


class Answers(keras.Model):
    """A stand-in for a trained model: it answers with fixed probabilities."""

    def __init__(self, answers):
        super().__init__()
        self.answers = np.asarray(answers, dtype="float32").reshape(-1, 1)

    def call(self, x, training=False):
        return self.answers


Y = np.array([1, 1, 1, 0, 0, 1, 0, 1, 1, 0])  # 6 of 10 passed: the baseline is 0.6


def test_a_model_clearly_above_the_baseline_passes_and_gets_its_accuracy():
    """Does a model right on 8 of 10 pass a margin of 0.15 over a 0.6 baseline, and come back with its accuracy?"""
    answers = np.where(Y == 1, 0.9, 0.1)
    answers[:2] = 0.2  # two wrong
    assert checks.assert_beats_baseline(Answers(answers), np.zeros((10, 8)), Y, margin=0.15) == pytest.approx(0.8)


def test_a_model_at_the_baseline_is_told_to_study_more_without_numbers_to_copy():
    """Does a model that always answers 'passed' fail, with the idea (more updates), not epochs and batch sizes?"""
    with pytest.raises(AssertionError, match="scores 0.60 on the exam; it should reach 0.75") as raised:
        checks.assert_beats_baseline(Answers(np.full(10, 0.9)), np.zeros((10, 8)), Y, margin=0.15)
    assert "more passes over the practice exams (epochs)" in str(raised.value)
    assert not any(char.isdigit() for char in str(raised.value).split("plus 0.15).")[1])


def test_a_probability_of_one_half_counts_as_no_as_in_keras():
    """Does an answer of exactly 0.5 count as 'failed', as Keras's accuracy counts it?"""
    with pytest.raises(AssertionError, match="scores 0.40"):
        checks.assert_beats_baseline(Answers(np.full(10, 0.5)), np.zeros((10, 8)), Y, margin=0.0)


def test_only_a_history_passes_as_what_fit_returns():
    """Is anything but a History rejected with the type it is?"""
    checks.assert_history(keras.callbacks.History(), "train_for_exam")
    with pytest.raises(AssertionError, match="train_for_exam returned NoneType; return what model.fit"):
        checks.assert_history(None, "train_for_exam")


def test_the_exam_student_is_fresh_compiled_and_the_same_for_a_seed():
    """Is the grader's model compiled for a yes/no exam, with the same first weights for the same seed?"""
    first, second = checks.exam_student(8, seed=0), checks.exam_student(8, seed=0)
    assert first.compiled and first.get_compile_config()["loss"] == "binary_crossentropy"
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights(), strict=False))
    assert first.count_params() == 289
