"""Grades out of the gradebook, as nbgrader export plugins: `nbgrader export --exporter=autograder.export...`.

- `canvas.CanvasExportPlugin`: the CSV that Canvas's gradebook import takes (a student per row, an assignment per
  column, with a "Points Possible" row);
- `per_test.PerTestExportPlugin`: one row per student, assignment and test, with the failure message, for
  spreadsheets.
"""
