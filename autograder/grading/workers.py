"""Where grading tasks run: in this process, on a local Dask cluster, or on an existing Dask cluster.

`Workers` starts in the background, so that the cluster's processes start and their zygotes import TensorFlow
while the driver sets the assignment up with nbgrader (`batch.prepare`): on two cores that hides seconds of
fixed cost before the first student.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterator

from autograder.isolation.limits import Limits
from .task import GradeOutcome, GradeTask, kernel_environment, run_task


def warm(limits: Limits) -> bool:
    """Start this worker's zygote for kernels run under `limits` (it imports in the background); True if it runs."""
    if not limits.prewarm:
        return False
    from autograder.isolation.prewarm import zygote_socket

    return bool(zygote_socket(kernel_environment(limits)))


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
        self.error: BaseException | None = None
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
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=50)
                self.client = Client(self.cluster)
        except BaseException as error:  # noqa: BLE001 (raised again where the tasks are run)
            self.error = error
            return
        self._warm(lambda: self.client.run(warm, self.limits))

    def _warm(self, action: Callable[[], object]) -> None:
        if not self.limits.prewarm:
            return
        try:
            action()
        except Exception:  # noqa: BLE001 (a worker that could not warm up does so with its first task)
            pass

    def run(self, tasks: list[GradeTask]) -> Iterator[GradeOutcome]:
        """Run the tasks, yielding outcomes as they finish.

        Raises:
            OSError or whatever Dask raised: when the workers could not start (for example, no scheduler there).
        """
        self._thread.join()
        if self.error is not None:
            raise self.error
        if self.local:
            for task in tasks:
                yield safe_run(task)
            return
        from distributed import as_completed

        futures = [self.client.submit(safe_run, task, pure=False, key=f"grade-{task.student}") for task in tasks]
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        """Stop the local cluster, and let go of a remote one."""
        self._thread.join()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
