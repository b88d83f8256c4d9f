"""The pieces of `make classroom`: who logs in, with which password, on which ports, and when the hub is up."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from autograder.notebook.course import ROOT

INSTRUCTOR = "instructor"
"""The instructor's user name: the hub's admin, whose server runs at the course root with the formgrader."""
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
"""The hub's configuration."""
HUB_FOLDER = ROOT / "classroom" / "hub"
"""The hub's own files (database, cookie secret, proxy pid, passwords); git-ignored."""
PROXY = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
"""JupyterHub's proxy, installed by `make install` (npm ci)."""
HOST = "127.0.0.1"


def student_names(count: int) -> list[str]:
    """The students' user names: student1, student2, ..."""
    return [f"student{i}" for i in range(1, count + 1)]


def passwords(folder: Path | str = HUB_FOLDER) -> dict[str, str]:
    """The classroom's passwords, made on first use and kept in `folder/passwords.json` (readable by its owner only).

    Returns:
        `{"instructor": ..., "students": ...}`: the instructor's (32 characters or more, as JupyterHub asks of an
        admin's) and the one the students share.
    """
    path = Path(folder) / "passwords.json"
    try:
        kept = json.loads(path.read_text())
        if isinstance(kept, dict) and len(kept.get(INSTRUCTOR, "")) >= 32 and len(kept.get("students", "")) >= 8:
            return {INSTRUCTOR: kept[INSTRUCTOR], "students": kept["students"]}
    except (OSError, ValueError):
        pass
    made = {INSTRUCTOR: secrets.token_urlsafe(24), "students": secrets.token_urlsafe(9)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        json.dump(made, handle, indent=1)
    return made


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether something already listens on `host:port` (as the proxy would bind it, so TIME_WAIT does not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def ephemeral_ports() -> range:
    """The ports the system hands out to sockets bound to port 0 (Linux's default where it cannot be read)."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def free_port(host: str = HOST) -> int:
    """A port on `host` that nothing listens on now, below the system's ephemeral range.

    A port the system picks (bind to port 0) is free only until the next process asks for one: a kernel's ZeroMQ
    socket took the hub's port that way between the check and the hub's start. Below the ephemeral range, only a
    process that asks for that very port can take it.
    """
    top = min(ephemeral_ports().start, 65536) - 1
    for _ in range(200 if top > 10000 else 0):
        candidate = secrets.randbelow(top - 10000) + 10000
        if not port_in_use(candidate, host):
            return candidate
    with socket.socket() as sock:  # a crowded machine: take what the system gives
        sock.bind((host, 0))
        return sock.getsockname()[1]


def next_free_port(port: int, host: str = HOST) -> int:
    """The first port after `port` that nothing listens on (a free one the system picks past the first hundred)."""
    for candidate in range(port + 1, min(port + 100, 65535)):
        if not port_in_use(candidate, host):
            return candidate
    return free_port(host)


def hub_command(port: int, hub_port: int, users: list[str]) -> list[str]:
    """The `jupyterhub` command line: the configuration file, then this start's ports and users as traits.

    Args:
        port: the public port, where the proxy listens.
        hub_port: the hub's own port. It and the proxy's API port are picked free for each start, so that another
            hub on this machine (on JupyterHub's default 8081 and 8001) is no obstacle.
        users: who may log in.
    """
    return [
        str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG),
        f"--JupyterHub.bind_url={base_url(port)}",
        f"--JupyterHub.hub_port={hub_port}",
        f"--ConfigurableHTTPProxy.api_url=http://{HOST}:{free_port()}",
        *(f"--Authenticator.allowed_users={name}" for name in users),
    ]


def base_url(port: int) -> str:
    """The hub's public address."""
    return f"http://{HOST}:{port}/"


def login_url(port: int, user: str) -> str:
    """The log-in page with the user's name filled in."""
    return f"{base_url(port)}hub/login?username={user}"


class HubStopped(RuntimeError):
    """The hub exited, or never answered, before it was up."""


def wait_until_up(port: int, hub_port: int, process: subprocess.Popen, limit: float = 180.0) -> None:
    """Wait until the hub answers, first on its own port, then through its proxy on `port`.

    Args:
        port: the public port.
        hub_port: the hub's own port (asked first, so that the proxy logs no error while the hub starts).
        process: the `jupyterhub` process.
        limit: seconds to wait, a guard against a hang.

    Raises:
        HubStopped: when the process exits first, or `limit` passes.
    """
    deadline = time.monotonic() + limit
    for url in (f"http://{HOST}:{hub_port}/hub/api/", base_url(port) + "hub/api/"):
        while not _answers(url):
            if process.poll() is not None:
                raise HubStopped(f"the hub stopped (exit code {process.returncode}) before it answered on port {port}")
            if time.monotonic() > deadline:
                raise HubStopped(f"the hub did not answer on port {port} within {limit:.0f} s")
            time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, OSError, http.client.HTTPException):  # not up, or not the hub yet
        return False


def logins(port: int, students: list[str], kept: dict[str, str]) -> str:
    """What `make classroom` prints once the hub is up: each user's log-in page and password."""
    users = [INSTRUCTOR, *students]
    width = max(len(login_url(port, name)) for name in users)
    lines = [f"The classroom is open at {base_url(port)} (Ctrl-C stops it). Log in at:"]
    for name in users:
        password = kept[INSTRUCTOR] if name == INSTRUCTOR else kept["students"]
        lines.append(f"  {login_url(port, name):<{width}}  password: {password}")
    lines.append("The instructor's JupyterLab opens at the course root, with Nbgrader > Formgrader; each student's opens")
    lines.append("in classroom/users/<name>/, with Nbgrader > Assignment List. Passwords: classroom/hub/passwords.json.")
    return "\n".join(lines)
