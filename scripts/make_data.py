"""Write the small data sets the lessons use, from fixed seeds.

The lessons must run without a network, so their data ship in the repository: this script is the recipe,
`source/<lesson>/*.csv` its committed output (released beside the notebooks by nbgrader). A test runs the
script again and fails if the output differs.

    python scripts/make_data.py [OUTPUT_ROOT]    # default: source/
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

EXAM_FEATURES = [
    "hours_studied",
    "practice_exams_solved",
    "practice_score",
    "sleep_hours",
    "classes_attended",
    "homework_done",
    "study_group",
    "school_gpa",
]


def exam_results(n: int = 400, n_exam: int = 100, seed: int = 7) -> tuple[list[str], list[list]]:
    """Students preparing for the university exam: how they studied, and how the exam went.

    Returns a header and rows. Each row is one student: the eight features, `passed` (0 or 1), `band`
    (0 = failed, 1 = passed, 2 = passed with distinction) and `split` (`practice` or `exam`). The exam rows
    are students the model never sees while it learns.
    """
    rng = np.random.default_rng(seed)
    hours = rng.gamma(4.0, 2.5, n)
    solved = rng.poisson(6, n)
    practice = np.clip(rng.normal(55 + 2.5 * solved, 12, n), 0, 100)
    sleep = np.clip(rng.normal(7, 1.2, n), 3, 10)
    attended = np.clip(rng.beta(6, 2, n), 0, 1)
    homework = np.clip(rng.beta(5, 2, n), 0, 1)
    group = rng.integers(0, 2, n)
    gpa = np.clip(rng.normal(3.0, 0.5, n), 1.0, 4.0)
    skill = (
        0.08 * (hours - 10) + 0.06 * (practice - 70) + 0.35 * (sleep - 7) + 2.0 * (attended - 0.75)
        + 1.5 * (homework - 0.7) + 0.3 * group + 1.2 * (gpa - 3.0) + rng.normal(0, 0.6, n)
    )
    passed = (skill > -0.2).astype(int)
    band = np.where(skill > 1.4, 2, passed)
    split = np.array(["practice"] * (n - n_exam) + ["exam"] * n_exam)
    rng.shuffle(split)
    header = EXAM_FEATURES + ["passed", "band", "split"]
    rows = [
        [round(float(hours[i]), 1), int(solved[i]), round(float(practice[i]), 1), round(float(sleep[i]), 1),
         round(float(attended[i]), 2), round(float(homework[i]), 2), int(group[i]), round(float(gpa[i]), 2),
         int(passed[i]), int(band[i]), str(split[i])]
        for i in range(n)
    ]
    return header, rows


def study_habits(n: int = 200, seed: int = 1) -> tuple[list[str], list[list]]:
    """Lesson 1's students: two study habits and whether the student passed, sorted by hours studied.

    The rows come sorted, as school lists often do, so that taking the last rows as the exam would give an
    unfair exam: the lesson shuffles before it splits. About one student in eight passes or fails against
    the trend (a bad day, a lucky guess), so no model can be right every time on new students.
    """
    rng = np.random.default_rng(seed)
    hours = np.round(rng.uniform(0, 20, n), 1)
    score = np.round(np.clip(rng.normal(62, 15, n), 0, 100), 1)
    skill = 0.35 * (hours - 10) + 0.12 * (score - 62) + rng.logistic(0, 0.8, n)
    passed = (skill > 0).astype(int)
    order = np.lexsort((score, hours))
    header = ["hours_studied", "practice_score", "passed"]
    rows = [[float(hours[i]), float(score[i]), int(passed[i])] for i in order]
    return header, rows


def students(n: int = 60, seed: int = 2) -> tuple[list[str], list[list]]:
    """Lesson 2's students: three features, and three labels for three kinds of task.

    `passed` (0 or 1) is a binary label, `band` (0 failed, 1 passed, 2 distinction) a multiclass one, and
    `exam_score` (0 to 100) a number to predict, so one table shows the three output layers.
    """
    rng = np.random.default_rng(seed)
    hours = np.round(rng.uniform(0, 20, n), 1)
    score = np.round(np.clip(rng.normal(62, 15, n), 0, 100), 1)
    sleep = np.round(np.clip(rng.normal(7, 1.2, n), 4, 10), 1)
    exam = np.round(np.clip(20 + 1.6 * hours + 0.4 * score + 2.0 * (sleep - 7) + rng.normal(0, 8, n), 0, 100), 1)
    passed = (exam >= 50).astype(int)
    band = np.where(exam >= 75, 2, passed)
    header = ["hours_studied", "practice_score", "sleep_hours", "passed", "band", "exam_score"]
    rows = [[float(hours[i]), float(score[i]), float(sleep[i]), int(passed[i]), int(band[i]), float(exam[i])]
            for i in range(n)]
    return header, rows


DATASETS = {
    "01_what_is_a_model/study_habits.csv": study_habits,
    "02_layers/students.csv": students,
    "03_sequential/exam_results.csv": exam_results,
    "05_model_wars/exam_results.csv": exam_results,  # lesson 3's students again, for the two APIs to train on
}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """Write one data set as CSV with Unix line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(root: Path) -> None:
    """Write every data set under `root`."""
    for relative, make in DATASETS.items():
        write_csv(root / relative, *make())
        print(f"wrote {root / relative}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "source")
