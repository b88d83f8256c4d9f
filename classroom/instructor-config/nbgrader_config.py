"""nbgrader for the instructor of `make classroom`: the course's own configuration, and one change for this classroom.

JupyterHub puts this folder on the instructor's Jupyter config path (JUPYTER_CONFIG_PATH), so the formgrader, the
Assignments panel and every nbgrader command in the instructor's JupyterLab (its terminals too) read it.
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides it)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
load_subconfig(os.path.join(ROOT, "nbgrader_config.py"))  # noqa: F821 (nbgrader provides it)

# Every user of this classroom runs as the same system user, so each submission in the exchange belongs to that
# user, not to the student whose name it bears: nbgrader's owner check would call every one a cheating attempt.
# A real hub, with one system user per student, keeps the check (docs/instructors.md).
c.CollectApp.check_owner = False
