"""nbgrader configuration: the repository root is the course root.

source/   instructor notebooks (the only hand-edited copy of each lesson)
course/   student notebooks, released here by `nbgrader generate_assignment` and committed
grading/  everything grading produces (submissions, autograded copies, feedback, gradebook); git-ignored
"""

import os
import sys

c = get_config()  # noqa: F821 (nbgrader provides it)

ROOT = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
from autograder.notebook.quiet import NOISE_PATTERN  # noqa: E402

c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "keras-model-wars"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
os.makedirs(os.path.join(ROOT, "grading"), exist_ok=True)  # SQLite creates the file, not its folder
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(ROOT, "grading", "gradebook.db")
# nbgrader's exchange, for release_assignment / fetch / submit and the students' Assignments panel.
c.Exchange.root = os.path.join(ROOT, "grading", "exchange")
os.makedirs(c.Exchange.root, exist_ok=True)
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.egg-info"]

# The student sees this where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# TensorFlow's import alone takes seconds; leave room for it and for a short training run.
c.ExecutePreprocessor.timeout = 120

# A test cell that writes to stderr gets 0 points. Drop TensorFlow's and Keras's chatter first.
c.IgnorePattern.pattern = NOISE_PATTERN
c.IgnorePattern.enabled = True

# Keep at most this much of a notebook's output while it runs (stock nbgrader keeps all of it until the end).
c.Autograde.autograde_preprocessors = [
    "autograder.grading.bounded_execute.BoundedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows each hidden test's result and message, but not its code (stock nbgrader shows it all).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.grading.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

