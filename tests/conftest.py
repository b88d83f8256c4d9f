"""Shared test set-up: quiet TensorFlow before anything imports it, and find the virtualenv's commands.

nbgrader runs `alembic` from PATH. `make test` puts the virtualenv's bin folder first on PATH; so does this file,
so that `.venv/bin/python -m pytest` works the same without make.
"""

import os
import sys
from pathlib import Path

from autograder.notebook.quiet import quiet_tensorflow

os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
quiet_tensorflow()
