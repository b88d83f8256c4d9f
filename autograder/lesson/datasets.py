"""Load the small data sets that ship beside the lesson notebooks (see scripts/make_data.py)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ExamData:
    """Students' study habits and exam results, split into practice exams (to learn from) and the real exam."""

    x_practice: np.ndarray
    """Features of the students the model learns from, scaled to mean 0 and spread 1."""
    y_practice: np.ndarray
    """1 where that student passed, else 0."""
    x_exam: np.ndarray
    """Features of new students, never seen while learning, scaled with the practice set's statistics."""
    y_exam: np.ndarray
    """1 where that student passed, else 0."""
    band_practice: np.ndarray
    """0 failed, 1 passed, 2 passed with distinction (practice students)."""
    band_exam: np.ndarray
    """The same bands for the exam students."""
    feature_names: tuple[str, ...]
    """What each column of `x_practice` and `x_exam` means."""


def load_exam_results(path: str | Path = "exam_results.csv") -> ExamData:
    """Read the exam data set and scale its features.

    The scaling uses the mean and spread of the practice students only: the exam must stay unseen.

    Args:
        path: the CSV file, by default the one beside the lesson notebook.

    Returns:
        An `ExamData` with float32 features and integer labels.

    Raises:
        FileNotFoundError: with a hint, when the CSV is not where the notebook runs.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is not here ({Path.cwd()}). Open the notebook from its lesson folder, where the CSV file ships."
        )
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    features = [name for name in rows[0] if name not in ("passed", "band", "split")]
    x = np.array([[float(row[name]) for name in features] for row in rows], dtype="float32")
    passed = np.array([int(row["passed"]) for row in rows])
    band = np.array([int(row["band"]) for row in rows])
    practice = np.array([row["split"] == "practice" for row in rows])
    mean, std = x[practice].mean(axis=0), x[practice].std(axis=0)
    x = (x - mean) / std
    return ExamData(
        x_practice=x[practice], y_practice=passed[practice], x_exam=x[~practice], y_exam=passed[~practice],
        band_practice=band[practice], band_exam=band[~practice], feature_names=tuple(features),
    )
