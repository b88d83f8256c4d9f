"""An ordinary user with their own copy of the course, for grading as someone other than root.

An instructor grading on a laptop, or from a JupyterHub server that runs as the instructor, is not root. Run as root
(as CI does), `OrdinaryUser.make()` creates such a user with `useradd`, copies the course to a folder of theirs as a
fresh clone holds it, and gives them a virtualenv: an interpreter of this Python version that they may run, their
own copy of the package, and this suite's installed libraries.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness import clone_like

NAME = "kmw-instructor"
CONSOLE_SCRIPTS = {"alembic": "alembic.config"}
"""Commands nbgrader runs from PATH, with the module whose `main()` each one calls."""


@dataclass
class OrdinaryUser:
    """A user who is not root, their home folder, their copy of the course and their Python."""

    account: pwd.struct_passwd
    home: Path
    copy: Path
    python: Path

    @classmethod
    def make(cls) -> OrdinaryUser:
        """The user (made once per machine), with a fresh home folder holding their own copy of the course."""
        try:
            account = pwd.getpwnam(NAME)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", NAME], check=True, capture_output=True)
            account = pwd.getpwnam(NAME)
        home = Path(tempfile.mkdtemp(prefix="kmw-user-"))
        user = cls(account, home, clone_like(home / "keras-model-wars"), home / "venv" / "bin" / "python")
        user.give_them(home)
        user._make_venv()
        return user

    def give_them(self, folder: Path) -> None:
        """Make `folder`, and everything in it, the user's own."""
        os.lchown(folder, self.account.pw_uid, self.account.pw_gid)
        for path in folder.rglob("*"):
            os.lchown(path, self.account.pw_uid, self.account.pw_gid)

    def environment(self) -> dict[str, str]:
        """A login environment of theirs: nothing of root's."""
        return {"HOME": self.account.pw_dir, "USER": NAME, "LOGNAME": NAME, "LANG": "C.UTF-8",
                "PATH": f"{self.home / 'venv' / 'bin'}:/usr/local/bin:/usr/bin:/bin"}

    def popen(self, command: list[str], **kwargs) -> subprocess.Popen:
        """Start `command` as the user, in their home folder, capturing its output as text."""
        return subprocess.Popen(command, cwd=self.home, env=self.environment(), user=self.account.pw_uid,
                                group=self.account.pw_gid, extra_groups=[], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kwargs)

    def run(self, command: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run `command` as the user, and wait for it."""
        with self.popen(command) as process:
            stdout, stderr = process.communicate(timeout=timeout)
        return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)

    def remove(self) -> None:
        """Delete the home folder and everything graded in it (the account stays, for the next run)."""
        shutil.rmtree(self.home, ignore_errors=True)

    def _interpreter(self) -> str:
        """An interpreter of this Python version that the user may run (a root-only pyenv is not one)."""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        candidates = [os.path.realpath(sys.executable), f"/usr/bin/python{version}", shutil.which(f"python{version}")]
        for candidate in filter(None, candidates):
            try:
                done = self.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            except OSError:
                continue
            if done.returncode == 0 and done.stdout.strip() == version:
                return candidate
        raise RuntimeError(f"no Python {version} that the user {NAME} may run (tried {candidates})")

    def _make_venv(self) -> None:
        venv = self.home / "venv"
        done = self.run([self._interpreter(), "-m", "venv", "--without-pip", str(venv)])
        assert done.returncode == 0, done.stderr
        site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
        # Their own package first: the editable install of this checkout is not on their path.
        libraries = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
        (site / "course.pth").write_text("\n".join([str(self.copy), *sorted(libraries)]) + "\n")
        (venv / "share").symlink_to(Path(sys.prefix) / "share")  # the data files, such as nbconvert's templates
        for name, module in CONSOLE_SCRIPTS.items():
            script = venv / "bin" / name
            script.write_text(f"#!{self.python}\nimport sys\nfrom {module} import main\nsys.exit(main())\n")
            script.chmod(0o755)
        self.give_them(venv)
