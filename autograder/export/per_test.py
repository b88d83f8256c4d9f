"""One row per student, assignment and test, for spreadsheets:
`nbgrader export --exporter=autograder.export.per_test.PerTestExportPlugin`.

Columns: `student_id, assignment, test, points, max_points, message`. `test` is the graded cell's nbgrader id
(autograded tests and written answers, in notebook order). `message` is what the test said went wrong, read from
the student's autograded notebook (`grade` writes it there), else nbgrader's comment on the cell; it is empty
when the test passed. A submission that could not be graded says so, with the reason from grades.csv. A written
answer still waiting for the instructor has no points yet. A student without a submission, or unknown to the
gradebook, gets empty points and messages.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.plugins import ExportPlugin

from autograder.notebook.cells import nbgrader_meta
from autograder.notebook.graded_files import grade_rows, read_notebook_json, read_test_messages

from .common import chosen_assignments, chosen_students, points

COLUMNS = ["student_id", "assignment", "test", "points", "max_points", "message"]
WAITING = "written answer: not graded yet"
"""The message of a written answer that waits for a manual grade."""


class PerTestExportPlugin(ExportPlugin):
    """Write one CSV row per student, assignment and graded cell, with its points and failure message."""

    def export(self, gradebook) -> None:
        """Write the CSV to `--to` (default `per_test_grades.csv`)."""
        dest = self.to or "per_test_grades.csv"
        coursedir = getattr(self.parent, "coursedir", None) or CourseDirectory(parent=self)
        self.log.info("Exporting per-test grades to %s", dest)
        with open(dest, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS)
            for assignment in chosen_assignments(self, gradebook):
                cells = self._cells(coursedir, assignment)
                failed = self._failed(coursedir, assignment.name)
                for student_id in chosen_students(self, gradebook):
                    for cell, message, score in self._results(gradebook, coursedir, assignment.name, cells,
                                                              student_id, failed.get(student_id)):
                        writer.writerow([student_id, assignment.name, cell[1], score, points(cell[2]), message])

    @staticmethod
    def _cells(coursedir: CourseDirectory, assignment) -> list[tuple[str, str, float]]:
        """(notebook, grade id, max points) of each graded cell, in the order of the instructor's notebooks."""
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment.name))
        order: list[str] = []
        for notebook in sorted(assignment.notebooks, key=lambda n: n.name):
            nb = read_notebook_json(source / f"{notebook.name}.ipynb")
            order += [nbgrader_meta(c).get("grade_id") for c in (nb["cells"] if nb else ())]
        cells = [(nb.name, cell.name, float(cell.max_score)) for nb in assignment.notebooks for cell in nb.grade_cells]
        return sorted(cells, key=lambda c: (c[0], order.index(c[1]) if c[1] in order else len(order), c[1]))

    @staticmethod
    def _failed(coursedir: CourseDirectory, assignment: str) -> dict[str, str]:
        """Why each submission that could not be graded failed, from the grades.csv beside `autograded/`."""
        workspace = Path(coursedir.root, coursedir.autograded_directory).parent
        rows = grade_rows(workspace, assignment) or {}
        return {s: row.reason for s, row in rows.items() if row.status == "failed"}

    @staticmethod
    def _results(gradebook, coursedir: CourseDirectory, assignment: str, cells: list[tuple[str, str, float]],
                 student_id: str, failure: str | None):
        """Yield (cell, message, points) for each graded cell of one student's submission."""
        try:
            submission = gradebook.find_submission(assignment, student_id)
        except MissingEntry:
            submission = None
        if submission is None:
            for cell in cells:
                yield cell, "", ""
            return
        folder = Path(coursedir.format_path(coursedir.autograded_directory, student_id, assignment))
        messages = read_test_messages(folder)
        grades = {(nb.name, g.name): g for nb in submission.notebooks for g in nb.grades}
        comments = {(nb.name, c.name): c.comment for nb in submission.notebooks for c in nb.comments}
        for cell in cells:
            grade = grades.get(cell[:2])
            if grade is None:
                yield cell, "", ""
                continue
            score = float(grade.score or 0)
            if grade.needs_manual_grade:
                yield cell, WAITING, ""
                continue
            message = ""
            if score < cell[2] and failure:
                message = f"not graded: {failure}"
            elif score < cell[2]:
                message = messages.get(cell[0], {}).get(cell[1]) or comments.get(cell[:2]) or ""
            yield cell, message, points(score)
