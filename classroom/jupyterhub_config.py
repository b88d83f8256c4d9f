"""JupyterHub configuration of `make classroom`: one instructor and a few students on this machine.

`make classroom` (`python -m autograder.classroom`) starts `jupyterhub -f classroom/jupyterhub_config.py` and gives
it, as traits on the command line, what changes from one start to the next: the public port, the internal ports, and
the users (`--Authenticator.allowed_users=`). Everything else is here.

- Log-in: JupyterHub's shared-password authenticator. The students share one password; the instructor is the hub's
  admin and has a password of its own. Both are made on the first start and kept in classroom/hub/passwords.json.
- Servers: JupyterHub's SimpleLocalProcessSpawner. Every user's JupyterLab runs as the system user that started the
  hub, with HOME in classroom/users/<name>/. The instructor's JupyterLab runs at the course root (the formgrader, the
  lessons' sources); each student's runs in the student's own folder.
- nbgrader: the instructor's server reads classroom/instructor-config/ (the course's nbgrader_config.py, with the
  formgrader); the students' read classroom/student-config/ (the same exchange and course id, without it).
  docs/instructors.md ("A classroom on JupyterHub") maps all of this onto a real hub.
"""

import os
import sys

c = get_config()  # noqa: F821 (JupyterHub provides it)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
"""The course root: the instructor's server runs here."""
sys.path.insert(0, ROOT)
from autograder.classroom.hub import INSTRUCTOR, passwords  # noqa: E402

USERS = os.path.join(HERE, "users")
"""Each user's HOME, and each student's server root: classroom/users/<name>/ (git-ignored)."""
HUB = os.path.join(HERE, "hub")
"""The hub's own files: its database, cookie secret, proxy pid and the passwords (git-ignored)."""
os.makedirs(HUB, exist_ok=True)

# Only this machine reaches the hub.
c.JupyterHub.bind_url = "http://127.0.0.1:8000/"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(HUB, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(HUB, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(HUB, "jupyterhub-proxy.pid")
# configurable-http-proxy from npm, installed into node_modules/ by `make install` (npm ci)
c.ConfigurableHTTPProxy.command = [os.path.join(ROOT, "node_modules", ".bin", "configurable-http-proxy")]

c.JupyterHub.authenticator_class = "shared-password"
c.Authenticator.admin_users = {INSTRUCTOR}
_passwords = passwords(HUB)
c.SharedPasswordAuthenticator.user_password = _passwords["students"]
c.SharedPasswordAuthenticator.admin_password = _passwords[INSTRUCTOR]

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(USERS, "{username}")
c.Spawner.cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
if os.geteuid() == 0:  # Jupyter refuses to run as root without this (containers, CI)
    c.Spawner.args = ["--ServerApp.allow_root=True"]
# A JupyterLab server can take more than JupyterHub's 60 s to start on a busy machine.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# what the servers keep from the hub's environment: the default list, and the course's hint mode (`MODE=graded`)
c.Spawner.env_keep = [
    "PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "CONDA_ROOT", "CONDA_DEFAULT_ENV",
    "JUPYTERHUB_SINGLEUSER_APP", "MODEL_WARS_MODE",
]


def _is_instructor(spawner) -> bool:
    return spawner.user.name == INSTRUCTOR


def _place(spawner) -> None:
    """The instructor's server at the course root; a student's in the student's own folder."""
    spawner.notebook_dir = ROOT if _is_instructor(spawner) else spawner.home_dir


c.Spawner.pre_spawn_hook = _place
# Each server's Jupyter config path.
# - classroom/instructor-config/: the course's nbgrader_config.py, and the formgrader let into JupyterLab's frame.
#   JupyterHub forbids frames (frame-ancestors 'none') so that no user's page can frame another user's server; here
#   every user already is the same system user, so the instructor's server allows its own frames ('self'), as
#   `make instructor` does. A real hub does not (docs/instructors.md).
# - classroom/student-config/: the course's exchange and course id, without the formgrader.
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": lambda spawner: os.path.join(
        HERE, "instructor-config" if _is_instructor(spawner) else "student-config"
    ),
}
