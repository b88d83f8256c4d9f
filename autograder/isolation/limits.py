"""The limits a student's notebook runs under while it is graded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one student's notebook may use. Every field can be set on the `grade` command line."""

    cell_seconds: int = 60
    """How long one cell may run before nbgrader interrupts it (nbgrader's own default is 30 s)."""
    notebook_seconds: int = 300
    """How long the whole notebook may run before everything it started is killed."""
    memory_mb: int = 2048
    """Memory one process of the notebook may allocate (RLIMIT_DATA), and all of them together."""
    max_processes: int = 64
    """How many processes the notebook may run at once."""
    max_output_mb: int = 20
    """How much output (stdout, stderr, results) of the notebook the grader keeps; the rest is dropped as it arrives,
    with a note, and the notebook is graded as usual."""
    network: bool = False
    """Whether the notebook may use the network (off where the machine allows it)."""
    threads: int = 1
    """CPU threads TensorFlow may use in one notebook (0: its default, every core). Grading runs one notebook
    per core, and tiny models train no slower on one thread than on several that fight over the cores."""
    prewarm: bool = True
    """Whether each worker forks students' kernels from a process that imported TensorFlow once (see zygote.py),
    instead of starting each kernel from scratch. Same sandbox either way; off with `--no-prewarm`."""
