"""nbgrader's Execute step, bounded: capped output, the judge's verdicts recorded once, and a new kernel after a crash.

Three changes to stock nbgrader's `Execute`, which `nbgrader_config.py` puts in its place:

- **Output.** Stock nbgrader keeps every byte a notebook prints until the notebook ends, then trims it
  (LimitOutput): a notebook that prints hundreds of megabytes swells the grader, the autograded notebook and the
  feedback. This step keeps the first `max_output_bytes` of output, drops the rest as it arrives, and says so once
  in the cell that crossed the line. `python -m autograder grade --max-output-mb` sets the cap.
- **The judge's verdicts** (`verdicts_folder`). When the grader judges a notebook outside the kernel
  (`autograder.judge`), the kernel skips the test cells (each still takes its execution count), the last cell
  serves the student's functions to the judge, and then each test cell receives what it showed in the judge
  (`autograder.judge.verdicts`): so every test runs once, and nbgrader's own later steps grade those outputs as if
  the kernel had written them. If the judge broke by itself, the kernel runs the test cells after all.
- **Crashes.** When the kernel dies (`os._exit`, a segfault, an allocation past the memory limit), the cell that
  was running fails with the reason, a new kernel runs the cells above it again (all but test cells and cells that
  crashed), and the notebook goes on: tests that passed keep their points, and only what needed the crashed cell
  is lost. A test that fails because a name was defined in a crashed cell says so. After `max_restarts` new kernels
  the notebook is stopped (`KernelKeptDying`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import DeadKernelError
from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Float, Integer, Unicode

from autograder.judge import verdicts
from autograder.judge.judging import KERNEL_DIED, UNAVAILABLE, defined_names
from autograder.judge.serve_cell import is_serve_cell
from autograder.notebook.cells import is_test_cell, nbgrader_meta

SERVE_GRACE = 2.0
"""Seconds the serving cell may still run once the verdicts are in (the kernel may be stuck in a student's call)."""
STAND_IN = "pass"
"""What the kernel runs in place of a test cell the judge runs: the cell keeps the execution count it would have."""


class KernelKeptDying(RuntimeError):
    """The notebook's kernel died more often than the grader starts a new one."""


def output_size(content: dict) -> int:
    """Roughly how many bytes an output message carries."""
    if "text" in content:
        return len(str(content["text"]))
    size = sum(len(str(value)) for value in dict(content.get("data") or {}).values())
    return size + sum(len(str(line)) for line in content.get("traceback") or [])


def crash_output(cell_name: str = "this cell") -> NotebookNode:
    """The error a cell shows when the kernel died while it ran."""
    message = (f"{KERNEL_DIED} while {cell_name} ran. The grader started a new kernel, ran the cells above again "
               "without this one, and went on.")
    return new_output("error", ename="DeadKernelError", evalue=message, traceback=[f"DeadKernelError: {message}"])


class BoundedExecute(Execute):
    """Execute, keeping at most `max_output_bytes` of output, recording the judge's verdicts, surviving crashes."""

    max_output_bytes = Integer(20 * 2**20, help="Output kept per notebook; the rest is dropped.").tag(config=True)
    verdicts_folder = Unicode("", help=(
        "A folder of the grader's where the judge leaves its verdicts, one `<notebook>.json` each; this step writes "
        "`<notebook>.ended` there when the notebook has served its last answer. Empty: no judge, the kernel runs "
        "the test cells as in stock nbgrader.")).tag(config=True)
    verdicts_seconds = Float(60.0, help="How long to wait for the verdicts once the notebook has ended.").tag(config=True)
    max_restarts = Integer(3, help="New kernels started after crashes, at most, before the notebook is stopped.").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> Any:
        self._kept_bytes, self._cut = 0, False
        self._crashed: list[int] = []
        name = (resources or {}).get("unique_key", "")
        judged = bool(self.verdicts_folder and name and any(is_serve_cell(cell) for cell in nb.cells))
        folder = Path(self.verdicts_folder)
        self._handoff = (folder / f"{name}.ipynb.json", folder / f"{name}.ipynb.ended") if judged else None
        result = super().preprocess(nb, resources, km)
        self._name_lost_definitions()
        return result

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        self._check_assign_resources(resources)
        if self._handoff and is_test_cell(cell):
            self._run(cell, index, source=STAND_IN)
        elif self._handoff and is_serve_cell(cell):
            self._run(cell, index, serve=True)
            self._record_verdicts(index)
        else:
            self._run(cell, index)
        return cell, self.resources

    def _get_timeout(self, cell: NotebookNode | None) -> int | None:
        if cell is not None and is_serve_cell(cell):  # it serves every test: the judge times each call itself
            return None
        return super()._get_timeout(cell)

    # Running cells, and starting a new kernel after a crash

    def _run(self, cell: NotebookNode, index: int, source: str | None = None, serve: bool = False) -> None:
        """Run one cell; after a crash, start a new kernel, run the cells above again, and return.

        Args:
            source: run this code in the cell's place, keeping the cell's source and recording no outputs.
            serve: race the serving cell against the judge's verdicts (`_serve`); after a crash, serve again, so
                that the judge goes on with the tests it has not judged yet.
        """
        runner = cell
        if source is not None:
            runner = copy.deepcopy(cell)
            runner.source = source
        try:
            if serve:
                run_sync(self._serve)(runner, index)
            else:
                self.execute_cell(runner, index, store_history=True)
        except DeadKernelError:
            self.nb.cells[index] = cell
            self._crashed.append(index)
            cell.outputs.append(crash_output())
            self._start_again(index)
            if serve:
                self._run(cell, index, serve=True)
            return
        self.nb.cells[index] = cell
        if runner is not cell:
            cell.execution_count, cell.outputs = runner.execution_count, []

    def _start_again(self, index: int) -> None:
        """Start a new kernel and run the cells above `index` again, but test cells and cells that crashed.

        Raises:
            KernelKeptDying: when that would take more than `max_restarts` new kernels.
        """
        while True:
            if len(self._crashed) > self.max_restarts:
                where = ", ".join(self._describe(i) for i in self._crashed)
                raise KernelKeptDying(f"the notebook's kernel stopped {len(self._crashed)} times (it exited or "
                                      f"crashed, in {where}); the grader stopped running it")
            self.log.warning("The kernel died in cell %d: starting a new one (%d of at most %d)", self._crashed[-1],
                             len(self._crashed), self.max_restarts)
            run_sync(self._restart_kernel)()
            if self._replay(index):
                return

    def _replay(self, index: int) -> bool:
        """Run the cells above `index` again in the new kernel, leaving their recorded outputs as they are; return
        False when one of them crashed the kernel (it is then marked, and left out of the next replay)."""
        for earlier in range(index):
            cell = self.nb.cells[earlier]
            if (cell.cell_type != "code" or earlier in self._crashed or is_test_cell(cell) or is_serve_cell(cell)
                    or not cell.source.strip()):
                continue
            try:
                self.execute_cell(copy.deepcopy(cell), earlier, store_history=True)
            except DeadKernelError:
                self._crashed.append(earlier)
                cell.outputs.append(crash_output("this cell, run again in a new kernel,"))
                return False
            finally:
                self.nb.cells[earlier] = cell
        return True

    async def _restart_kernel(self) -> None:
        assert self.km is not None and self.kc is not None
        await ensure_async(self.km.restart_kernel(now=True))
        await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))

    def _describe(self, index: int) -> str:
        """A cell named for a person: its grade id, or its first line."""
        cell = self.nb.cells[index]
        grade_id = nbgrader_meta(cell).get("grade_id")
        first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
        return f"cell {grade_id!r}" if grade_id else f"the cell starting {first[:60]!r}"

    # The judge

    async def _serve(self, cell: NotebookNode, index: int) -> None:
        """Run the serving cell until it ends, or until the verdicts have been in for `SERVE_GRACE` seconds.

        The judge gives up on a call that does not return in time: the kernel may then be stuck in the student's
        code for good, so the cell is left behind (interrupted), and the verdicts say why.
        """
        assert self._handoff is not None
        verdicts_path = self._handoff[0]
        running = asyncio.ensure_future(self.async_execute_cell(cell, index, store_history=True))
        seen = None
        while not running.done():
            await asyncio.wait({running}, timeout=0.1)
            if seen is None and verdicts_path.exists():
                seen = time.monotonic()
            if seen is not None and time.monotonic() - seen > SERVE_GRACE and not running.done():
                running.cancel()
                with contextlib.suppress(BaseException):
                    await running
                with contextlib.suppress(Exception):
                    await ensure_async(self.km.interrupt_kernel())
                return
        running.result()

    def _record_verdicts(self, serve_index: int) -> None:
        """Tell the judge the notebook has ended, wait for its verdicts, and put each into its test cell."""
        assert self._handoff is not None
        verdicts_path, ended_path = self._handoff
        ended_path.touch()
        deadline = time.monotonic() + self.verdicts_seconds
        while not verdicts_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        found = verdicts.read(verdicts_path) if verdicts_path.exists() else None
        tests = [i for i, cell in enumerate(self.nb.cells[:serve_index]) if is_test_cell(cell)]
        if found is None or found.own_error:
            self.log.warning("The judge gave no verdicts (%s): the kernel runs the tests",
                             found.own_error if found else "none came")
            for index in tests:
                self._run(self.nb.cells[index], index)
            return
        why = found.error or "no verdict came back"
        for index in tests:
            cell = self.nb.cells[index]
            result = found.tests.get(nbgrader_meta(cell).get("grade_id", ""))
            outputs = result.outputs if result else [verdicts.failure(f"{UNAVAILABLE}: {why}")]
            cell.outputs = [nbformat.from_dict(output) for output in outputs]

    def _name_lost_definitions(self) -> None:
        """Where a test that uses a name a crashed cell defines (or is named after) failed, say so in its error."""
        lost: dict[str, int] = {}
        for index in self._crashed:
            cell = self.nb.cells[index]
            for name in [*defined_names(cell.source), nbgrader_meta(cell).get("grade_id", "")]:
                if name:
                    lost.setdefault(name, index)
        for cell in self.nb.cells:
            used = [name for name in dict.fromkeys(re.findall(r"[A-Za-z_]\w*", cell.source)) if name in lost]
            if not is_test_cell(cell) or not used:
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error" or output.get("ename") == "DeadKernelError":
                    continue
                missing = re.match(r"name '(\w+)' is not defined", str(output.get("evalue", "")))
                name = missing.group(1) if missing and missing.group(1) in lost else used[0]
                why = f"{KERNEL_DIED} in {self._describe(lost[name])}, which defines {name}, and the grader went on " \
                      "without that cell."
                message = f"{name} is not defined: {why}" if missing else f"{output.get('evalue', '')} ({why})"
                output.update(ename="DeadKernelError", evalue=message, traceback=[f"DeadKernelError: {message}"])

    # Output

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
