"""Grades in the CSV that Canvas's gradebook import takes: `nbgrader export --exporter=autograder.export.canvas.CanvasExportPlugin`.

Canvas (Grades > Import) reads a header row that starts `Student, ID, SIS User ID, SIS Login ID, Section`, then one
column per assignment; a row whose first cell is "Points Possible" gives each assignment's points; then one row
per student, found by Canvas user ID, else by SIS user ID, else by SIS login ID, else by name. An assignment column
is matched to a Canvas assignment by the "(id)" at the end of its title, else by its title; a new title makes a new
assignment. A blank cell leaves Canvas's grade as it is.

What nbgrader knows fills the columns: "Student" is "Last, First" when the gradebook has the names, else the
student id; "ID" is the student's `lms_user_id`; nbgrader's student id (on JupyterHub, the login name) goes into
"SIS Login ID", or into "SIS User ID" with `--CanvasExportPlugin.id_column="SIS User ID"`; "Section" stays empty.
A student without a submission, or unknown to the gradebook, gets an empty cell.
"""

from __future__ import annotations

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin
from traitlets import Dict, Enum

from .common import chosen_assignments, chosen_students, points, submission_score

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
"""The columns Canvas expects before the assignments, in its order."""


class CanvasExportPlugin(ExportPlugin):
    """Write the CSV that Canvas's gradebook import takes: one row per student, one column per assignment."""

    id_column = Enum(
        ["SIS Login ID", "SIS User ID"], default_value="SIS Login ID",
        help="The Canvas column that holds nbgrader's student id: the login (default), or the SIS user id.",
    ).tag(config=True)

    titles = Dict(
        {}, help="Canvas's title for an assignment column, by nbgrader assignment id, for example "
                 "{'03_sequential': 'Lesson 3: Sequential (1234)'}; Canvas matches the '(id)' at the end. "
                 "Default: the nbgrader assignment id.",
    ).tag(config=True)

    def export(self, gradebook) -> None:
        """Write the CSV to `--to` (default `canvas_grades.csv`)."""
        dest = self.to or "canvas_grades.csv"
        assignments = chosen_assignments(self, gradebook)
        self.log.info("Exporting Canvas grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(IDENTITY + [self.titles.get(a.name, a.name) for a in assignments])
            writer.writerow(["Points Possible", "", "", "", ""] + [points(a.max_score) for a in assignments])
            for student_id in chosen_students(self, gradebook):
                writer.writerow(self._identity(gradebook, student_id) + [
                    self._score(gradebook, a.name, student_id) for a in assignments])

    def _identity(self, gradebook, student_id: str) -> list[str]:
        """The five identity cells of a student; only the id is known for a student the gradebook lacks."""
        try:
            student = gradebook.find_student(student_id)
        except MissingEntry:
            student = None
        names = [n for n in (getattr(student, "last_name", None), getattr(student, "first_name", None)) if n]
        login = student_id if self.id_column == "SIS Login ID" else ""
        sis_user = student_id if self.id_column == "SIS User ID" else ""
        return [", ".join(names) or student_id, getattr(student, "lms_user_id", None) or "", sis_user, login, ""]

    @staticmethod
    def _score(gradebook, assignment: str, student_id: str) -> str:
        """The student's points on the assignment; empty without a submission."""
        try:
            return points(submission_score(gradebook.find_submission(assignment, student_id)))
        except MissingEntry:
            return ""
