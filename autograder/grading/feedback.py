"""An nbgrader preprocessor for `generate_feedback`: show each hidden test's result and message, not its code.

Stock nbgrader puts the whole autograded notebook into the feedback, hidden tests and their tracebacks
included, so a student could read the hidden tests and pass them next time.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from autograder.notebook.cells import is_test_cell, strip_hidden_tests

PLACEHOLDER = "# (hidden tests: your instructor ran more checks here; their result is shown below)"


def hide_test_code(source: str) -> str:
    """Replace each hidden-test region of a test cell's source with a one-line placeholder."""
    return strip_hidden_tests(source, PLACEHOLDER)


class HideHiddenTests(Preprocessor):
    """Remove hidden test code, and tracebacks that would quote it, from test cells."""

    enabled = Bool(True, help="nbconvert runs only enabled preprocessors; this one is on wherever it is listed").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        """Keep the outcome of a test cell (error name and message), drop the code that tested it."""
        if is_test_cell(cell):
            cell.source = hide_test_code(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
