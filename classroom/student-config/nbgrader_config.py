"""nbgrader for the students of `make classroom`: the course's exchange, and nothing of the instructor's.

JupyterHub puts this folder on each student's Jupyter config path (JUPYTER_CONFIG_PATH), as a real hub puts a
system-wide file such as /etc/jupyter/nbgrader_config.py (see docs/instructors.md).
"""

import os

c = get_config()  # noqa: F821 (nbgrader provides it)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The same two settings as the course's nbgrader_config.py: the Assignments panel lists what the instructor
# released for this course, and fetches and submits through this folder.
c.CourseDirectory.course_id = "keras-model-wars"
c.Exchange.root = os.path.join(ROOT, "grading", "exchange")

# nbgrader names a submission after the system user who submits it (or JUPYTERHUB_USER when that user is `jovyan`,
# as in Zero to JupyterHub's images). Every user of this classroom is the same system user, so name the student
# after the hub's user, which JupyterHub sets for each server.
c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "*")
