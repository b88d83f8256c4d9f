"""nbgrader's Execute step, with a cap on how much output one notebook may leave in the grader's memory.

Stock nbgrader keeps every byte a notebook prints until the notebook ends, then trims it (LimitOutput): a notebook
that prints hundreds of megabytes swells the grader, the autograded notebook and the feedback. This step keeps
the first `max_output_bytes` of output, drops the rest as it arrives, and says so once in the cell that crossed
the line. The notebook runs on, and its tests are graded as usual. `nbgrader_config.py` puts it in place of
`Execute`; `python -m autograder grade --max-output-mb` sets the cap.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer


def output_size(content: dict) -> int:
    """Roughly how many bytes an output message carries."""
    if "text" in content:
        return len(str(content["text"]))
    size = sum(len(str(value)) for value in dict(content.get("data") or {}).values())
    return size + sum(len(str(line)) for line in content.get("traceback") or [])


class BoundedExecute(Execute):
    """Execute, keeping at most `max_output_bytes` of the notebook's output."""

    max_output_bytes = Integer(20 * 2**20, help="Output kept per notebook; the rest is dropped.").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._kept_bytes, self._cut = 0, False
        return super().preprocess(nb, resources, km)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        if msg.get("msg_type") == "error":  # errors decide grades: always keep them
            return super().output(outs, msg, display_id, cell_index)
        self._kept_bytes = getattr(self, "_kept_bytes", 0) + output_size(msg.get("content", {}))
        if self._kept_bytes <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if not getattr(self, "_cut", False):
            self._cut = True
            megabytes = self.max_output_bytes / 2**20
            outs.append(new_output("stream", name="stdout", text=(
                f"\n[autograder] The output stops here: this notebook printed more than {megabytes:g} MB, and the "
                "rest was dropped. Print less (a few lines or a summary) in your answers.\n")))
        return None
