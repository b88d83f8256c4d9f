"""What the zygote does once, after its imports, so that each of its children need not: nbgrader's first run.

A child of the zygote that runs `nbgrader autograde` or `nbgrader generate_feedback` spends about half of its own
CPU time on work that is the same for every student: compiling the notebook format's JSON schema validators,
configuring the gradebook's database mappings, building the syntax highlighter's and the HTML parser's tables, and
filling Python's cache of regular expressions. Done once here, on a notebook made up on the spot, that work is
inherited by every fork for free.

The rehearsal runs no student's code and reads no file of a course. It leaves nothing behind but those caches:
no file, no thread, no open database, no figure or TensorFlow state (a TensorFlow runtime must not exist before a
fork, so nothing here touches it).
"""

from __future__ import annotations

import os

NOTEBOOK_MINORS = (4, 5)
"""The minor versions of nbformat 4 that course notebooks are written in: each has its own validators."""
LANGUAGE_INFO = {"name": "python", "version": "3.11", "mimetype": "text/x-python", "file_extension": ".py",
                 "pygments_lexer": "ipython3", "codemirror_mode": {"name": "ipython", "version": 3},
                 "nbconvert_exporter": "python"}
"""What an IPython kernel reports of its language, which nbclient writes into every notebook it runs: the feedback
page highlights code with the lexer it names."""


def _notebook(minor: int):
    """A small notebook with the kinds of cells and outputs a graded notebook has."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    cells = [
        new_markdown_cell("# A *title*\n\nA list:\n\n- `code`, **bold**, and a [link](https://example.org)\n\n$x^2$"),
        new_code_cell("import numpy as np\nprint(np.arange(3))  # a comment\n",
                      outputs=[new_output("stream", text="[0 1 2]\n"),
                               new_output("execute_result", data={"text/plain": "3", "text/html": "<b>3</b>"},
                                          execution_count=1)]),
        new_code_cell("1 / 0", outputs=[new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                                   traceback=["ZeroDivisionError: division by zero"])]),
    ]
    nb = new_notebook(cells=cells, metadata={"language_info": LANGUAGE_INFO})
    nb.nbformat_minor = minor
    if minor < 5:
        for cell in nb.cells:
            cell.pop("id", None)
    return nb


def feedback_exporter():
    """An HTML exporter set up as nbgrader's `GenerateFeedback` sets up its own, the grades aside."""
    import nbgrader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    exporter = HTMLExporter(template_name="feedback", extra_template_basedirs=[os.path.join(formgrader, "templates")],
                            extra_template_paths=[os.path.join(formgrader, "static", "node_modules", "bootstrap",
                                                               "dist", "css")])
    exporter.register_preprocessor(CSSHTMLHeaderPreprocessor(), enabled=True)
    return exporter


def rehearse() -> None:
    """Warm nbformat's validators, nbgrader's gradebook mappings and format checks, and the feedback page's
    HTML exporter (templates aside: each exporter compiles its own)."""
    import nbformat
    import nbgrader.api  # noqa: F401 (its tables are what configure_mappers configures)
    import sqlalchemy.orm
    from nbgrader.nbgraderformat import MetadataValidator

    sqlalchemy.orm.configure_mappers()
    for minor in NOTEBOOK_MINORS:
        nb = _notebook(minor)
        for relax in (False, True):  # nbconvert validates with relaxed properties after each preprocessor
            nbformat.validate(nb, relax_add_props=relax)
        nbformat.reads(nbformat.writes(nb), as_version=nbformat.NO_CONVERT)
    nb = _notebook(NOTEBOOK_MINORS[-1])
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "rehearsal", "locked": True, "points": 1,
                                        "schema_version": 3, "solution": False, "task": False}
    MetadataValidator().validate_nb(nb)
    nb.cells[1].metadata.nbgrader.update(score=1.0, comment="A *comment*.")  # as GetGrades leaves a graded cell
    grades = {"notebook": "rehearsal", "score": 1.0, "max_score": 1.0, "late_penalty": 0}
    feedback_exporter().from_notebook_node(nb, resources={"nbgrader": grades})
