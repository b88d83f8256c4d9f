"""A Dask worker preload for tests/pipeline/test_dask_deployment.py: the worker crashes on one student's submission.

`dask worker --preload tests/pipeline/dask_poison.py` loads it into each worker process (Dask's own preload hook,
`dask_setup`). As the worker starts to run the grading task of the student `POISON`, it kills its own process with
SIGKILL, as a worker would that crashes on a submission: a segfault in a library that reads it, or the kernel's
OOM killer. The worker's nanny then starts a new worker process, which loads this preload again.
"""

import os
import signal

from distributed import WorkerPlugin

POISON = "z-kills-its-worker"
"""The student whose grading task kills every worker that starts it."""


class DiesOnPoison(WorkerPlugin):
    """Kill this worker process when it starts to run the poison student's task."""

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and f"-{POISON}-" in str(key):
            os.kill(os.getpid(), signal.SIGKILL)


async def dask_setup(worker):
    await worker.plugin_add(DiesOnPoison(), name="dies-on-poison")
