"""A kernel manager that talks to its kernel over Unix sockets, for kernels without a network.

The sandboxed kernel lives in its own network namespace, where the grader's loopback address does not reach.
While grading, nbgrader_config.py makes nbgrader's Execute step use this manager (`c.Execute.kernel_manager_class`);
the socket path prefix comes from the environment variable KMW_IPC_PREFIX, in the kernel's scratch folder.
"""

from __future__ import annotations

import os

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


class IPCKernelManager(AsyncKernelManager):
    """An asynchronous kernel manager whose transport is `ipc` and whose sockets live under KMW_IPC_PREFIX."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        return os.environ.get("KMW_IPC_PREFIX", "kernel-ipc")
