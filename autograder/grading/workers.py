"""Where grading tasks run: in this process, on a local Dask cluster, or on an existing Dask cluster.

`Workers` starts in the background, so that the cluster's processes start and the zygotes import TensorFlow
while the driver sets the assignment up with nbgrader (`batch.prepare`): on two cores that hides seconds of
fixed cost before the first student. The workers of a local cluster share one zygote, the driver's: it is on
their machine and runs as their user, and each zygote costs its start-up (about 5 CPU-s) and its memory. A worker
of an existing cluster, on a machine of its own, keeps its own.

On Dask, a worker that dies (its machine lost, or killed) takes nothing with it: the scheduler runs its task again
on another worker. A submission on which every worker dies (a poison task) is tried on
`distributed.scheduler.allowed-failures` + 1 workers (the scheduler's setting), then fails with Dask's
`KilledWorker`: that student's row says so, and the batch goes on. The driver keeps only as many tasks on the
cluster as it has threads, so that a dying worker holds no queued task of another student: the scheduler counts
a death against every task assigned to the worker, and would otherwise fail bystanders of a poison task.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from concurrent.futures import CancelledError
from dataclasses import replace
from typing import Callable, Iterator

from autograder.isolation.limits import Limits
from .errors import GradingError
from .task import GradeOutcome, GradeTask, kernel_environment, run_task


def warm(limits: Limits, own_zygote: bool = True) -> bool:
    """Start this worker's zygote for kernels run under `limits` (it imports in the background), unless it shares
    one (`own_zygote` False); True if one runs here.

    The worker imports nbgrader's gradebook meanwhile, which each task reads its grades with: a second or two of
    start-up that the first task would otherwise wait for.
    """
    if not limits.prewarm:
        return False
    import nbgrader.api  # noqa: F401

    return own_zygote and bool(zygote_for(limits))


def zygote_for(limits: Limits) -> str:
    """The socket of this process's zygote, started for kernels run under `limits` (the driver's is shared by its
    local workers: the tasks carry it); "" without prewarming, or when it cannot start. A worker that finds a shared
    one gone (it cannot connect) starts its own."""
    if not limits.prewarm:
        return ""
    from autograder.isolation.prewarm import zygote_socket

    try:
        return zygote_socket(kernel_environment(limits))
    except Exception:  # noqa: BLE001 (the workers then warm their own)
        return ""


def safe_run(task: GradeTask) -> GradeOutcome:
    """Run one task; a worker's failure costs that student, never the batch."""
    try:
        return run_task(task)
    except Exception as error:  # noqa: BLE001
        return GradeOutcome(task.student, False, f"grading error: {type(error).__name__}: {error}")


class Workers:
    """The processes that grade, started in a background thread as soon as they are created."""

    def __init__(self, workers: int, scheduler: str | None, limits: Limits) -> None:
        """Start them: `workers` local processes (1: this process), or the Dask cluster at `scheduler`."""
        self.local = workers <= 1 and scheduler is None
        self.workers, self.scheduler, self.limits = workers, scheduler, limits
        self.cluster = self.client = None
        self.zygote = ""
        """The driver's zygote, which the local cluster's workers share ("" on an existing cluster)."""
        self.error: BaseException | None = None
        self.lost: set[str] = set()
        """Students whose every worker died while grading them: grading again tries them again."""
        self._thread = threading.Thread(target=self._start, name="start-workers", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        if self.local:
            self._warm(lambda: warm(self.limits))
            return
        try:
            from distributed import Client, LocalCluster

            if self.scheduler:
                self.client = Client(self.scheduler)
            else:
                import dask

                self.zygote = zygote_for(self.limits)  # it imports while the cluster starts
                # No dashboard; its HTTP server on a free port, not on 8787 with a warning when that one is taken. No
                # profiler either: only the dashboard shows what it samples (every 10 ms, in every worker).
                with dask.config.set({"distributed.worker.profile.enabled": False}):
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                                dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                                                silence_logs=50)
                self.client = Client(self.cluster)
        except BaseException as error:  # noqa: BLE001 (raised again where the tasks are run)
            self.error = error
            return
        self._warm(lambda: self.client.run(warm, self.limits, not self.zygote))

    def _warm(self, action: Callable[[], object]) -> None:
        if not self.limits.prewarm:
            return
        try:
            action()
        except Exception:  # noqa: BLE001 (a worker that could not warm up does so with its first task)
            pass

    def run(self, tasks: list[GradeTask]) -> Iterator[GradeOutcome]:
        """Run the tasks, yielding one outcome per task as they finish.

        Raises:
            GradingError: when the workers could not start (for example, no scheduler there), or when the Dask
                scheduler went away in the middle of the batch.
        """
        self._thread.join()
        if self.error is not None:
            where = f"the Dask scheduler at {self.scheduler}" if self.scheduler else "a local Dask cluster"
            raise GradingError(f"cannot grade on {where}: {type(self.error).__name__}: {self.error}") from self.error
        if self.local:
            for task in tasks:
                yield safe_run(task)
            return
        from distributed import as_completed

        if self.zygote:
            tasks = [replace(task, zygote=self.zygote) for task in tasks]
        waiting, students, batch = deque(tasks), {}, uuid.uuid4().hex[:8]
        running = as_completed(loop=self.client.loop)

        def submit_more() -> None:
            """Fill the cluster's free threads; at least one task runs, even while no worker is there."""
            room = max(sum(self.client.nthreads().values()), 1) - running.count()
            while waiting and room > 0:
                task = waiting.popleft()
                key = f"grade-{task.assignment}-{task.student}-{batch}"  # unique: two runs may share a scheduler
                students[key] = task.student
                running.add(self.client.submit(safe_run, task, pure=False, key=key))
                room -= 1

        for future in self._guarded(submit_more, running, lambda: len(students) + len(waiting)):
            yield self._outcome(future, students.pop(future.key))

    def _guarded(self, submit_more: Callable[[], None], running, left: Callable[[], int]) -> Iterator:
        """The finished futures, each one's thread given its next task first (not after the driver records it).

        Raises:
            GradingError: the scheduler went away (Dask then cancels every future), with how many students are left.
        """
        try:
            submit_more()
            for future in running:
                if future.cancelled():
                    raise CancelledError(f"{future.key} was cancelled")
                submit_more()
                yield future
        except (OSError, CancelledError) as lost:
            where = f"the Dask scheduler at {self.scheduler}" if self.scheduler else "the local Dask cluster"
            raise GradingError(f"lost {where} ({type(lost).__name__}: {lost}): {left()} submissions were not "
                               "graded; run the command again to grade them (the graded ones are kept)") from lost

    def _outcome(self, future, student: str) -> GradeOutcome:
        """The outcome a finished future holds; a failure of its workers costs that student only."""
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as error:
            self.lost.add(student)
            tries = error.allowed_failures + 1
            return GradeOutcome(student, False, f"the grader's worker process died each of the {tries} times it "
                                                "graded this notebook, so it could not be graded")
        except Exception as error:  # noqa: BLE001 (raised outside the task: it never reached safe_run)
            return GradeOutcome(student, False, f"grading error: {type(error).__name__}: {error}")
        finally:
            # Let the worker drop the result now: one held there is computed again if that worker dies later.
            future.release()

    def close(self) -> None:
        """Stop the local cluster, and let go of a remote one."""
        self._thread.join()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
