"""The allow-list file system: a confined process sees a fresh root that holds only what it may use.

A deny-list (cover the course's secrets with empty folders) hides what someone thought of; this hides everything
else. In new user (without root), mount, network and PID namespaces, `build_root` mounts an empty tmpfs, binds into
it, each at its own path:

- read-only: `/usr` and the links or folders `/bin`, `/sbin`, `/lib*` point into, a few files of `/etc` the C
  library reads (`ETC_FILES`), the Python environment (`python_environment`: the interpreter's prefixes, its
  site-packages, the `autograder` package, never the course root around it), and what the caller adds (a lesson's
  released files);
- read-write: the process's working folder and its scratch folder (HOME, TMPDIR);
- `/dev/null`, `/dev/zero`, `/dev/full`, `/dev/random`, `/dev/urandom`, an empty `/dev/shm` and `/tmp`, and a
  `/proc` of its own PID namespace, where it sees itself and its children only;

then makes it the root (`pivot_root`), detaches the old one, and makes the new root read-only. Nothing is mounted
`suid`, and a process that had capabilities in its user namespace drops them all (`drop_capabilities`).

This runs inside the process (the zygote's children are forks, which cannot exec a tool such as bubblewrap around
themselves), with the system calls bubblewrap makes: `unshare`, `mount`, `pivot_root`, `umount2`.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from dataclasses import dataclass

from autograder.notebook.course import ROOT

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x00020000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
"""pivot_root's system call number (the C library has no wrapper for it)."""
PR_SET_NO_NEW_PRIVS = 38
LOCKED_FLAGS = {os.ST_RDONLY: MS_RDONLY, os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC,
                os.ST_NOATIME: MS_NOATIME, os.ST_NODIRATIME: MS_NODIRATIME, os.ST_RELATIME: MS_RELATIME}
"""A bind's flags that a user namespace may not drop when it remounts it (statvfs flag -> mount flag)."""

SYSTEM_FOLDERS = ("/usr",)
"""Bound read-only: the interpreter's libraries, the C library, and the commands a notebook may run."""
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
"""Made again as the same links when they are links (merged /usr), else bound read-only."""
ETC_FILES = ("/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/localtime", "/etc/ld.so.cache", "/etc/fonts")
"""What the C library, Python and plotting read from /etc: user names, the time zone, where shared libraries and
fonts are."""
NETWORK_ETC = ("/etc/hosts", "/etc/resolv.conf", "/etc/ssl", "/etc/ca-certificates")
"""Also bound when the process keeps the network."""
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
TMPFS = {"/tmp": "size=64m,mode=1777", "/dev/shm": "size=64m,mode=1777"}
"""Empty, private and small: for code that writes to /tmp or shared memory by name rather than to TMPDIR."""


@dataclass(frozen=True)
class Mount:
    """One entry of the new root."""

    path: str
    """Where it appears (the same path as outside, for a bind)."""
    kind: str
    """`ro` or `rw` (a bind), `dev` (a device node), `tmpfs`, `link` (a symbolic link to `source`) or `proc`."""
    source: str = ""
    """What a bind shows, or where a link points."""


def python_environment() -> list[str]:
    """The folders this interpreter runs from: its prefixes, its site-packages, and the `autograder` package.

    An entry of sys.path that holds the course root (the repository, with source/ and the gradebook) is never one:
    of the course only the package itself is kept.
    """
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for entry in sys.path:
        name = os.path.basename(entry.rstrip("/"))
        if os.path.isabs(entry) and name in ("site-packages", "dist-packages") and os.path.isdir(entry):
            found.add(entry)
    course = os.path.realpath(ROOT)
    kept = [path for path in found if not _inside(course, os.path.realpath(path))]
    return sorted({os.path.normpath(path) for path in kept} | {str(ROOT / "autograder")})


def _inside(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def plan(readonly: list[str], writable: list[str], network: bool = False) -> list[Mount]:
    """The new root's entries: the system, the Python environment, `readonly` and `writable` (missing ones left out)."""
    mounts = [Mount(path, "ro", path) for path in SYSTEM_FOLDERS]
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            mounts.append(Mount(path, "link", os.readlink(path)))
        elif os.path.isdir(path):
            mounts.append(Mount(path, "ro", path))
    etc = ETC_FILES + (NETWORK_ETC if network else ())
    mounts += [Mount(path, "ro", path) for path in etc]
    mounts += [Mount(path, "dev", path) for path in DEVICES]
    mounts += [Mount(path, "tmpfs", options) for path, options in TMPFS.items()]
    mounts.append(Mount("/proc", "proc"))
    mounts += [Mount(os.path.normpath(path), "ro", path) for path in [*python_environment(), *readonly]]
    mounts += [Mount(os.path.normpath(path), "rw", path) for path in writable]
    kept = [m for m in mounts if m.kind in ("link", "tmpfs", "proc") or os.path.lexists(m.source)]
    return _without_repeats(kept)


def _without_repeats(mounts: list[Mount]) -> list[Mount]:
    """Parents first; a bind inside a bind of the same kind is dropped (the outer one shows it already)."""
    result: list[Mount] = []
    for mount in sorted(mounts, key=lambda m: (m.path.count("/"), m.path)):
        outer = [m for m in result if m.kind in ("ro", "rw") and _inside(mount.path, m.path)]
        if mount.kind in ("ro", "rw") and outer and outer[-1].kind == mount.kind:
            continue
        if any(m.path == mount.path for m in result):
            continue
        result.append(mount)
    return result


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = (lambda text: text.encode() if text is not None else None)
    _check(_libc().mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def unshare(flags: int) -> None:
    """Move this process into the new namespaces `flags` names (a new PID namespace takes its next child)."""
    _check(_libc().unshare(flags), "unshare")


def enter_user_namespace() -> None:
    """Give this process (single-threaded) a user namespace of its own, where it keeps its user and group ids and
    holds, until it drops them, the capabilities it needs to build its own root."""
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER)
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)


def _make_target(mount: Mount, target: str) -> None:
    if os.path.lexists(target):
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if mount.kind == "link":
        os.symlink(mount.source, target)
    elif mount.kind in ("tmpfs", "proc") or os.path.isdir(mount.source):
        os.mkdir(target, 0o755)
    else:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))


def _bind(mount: Mount, target: str) -> None:
    try:
        _mount(mount.source, target, None, MS_BIND)
    except OSError:  # a folder with mounts of its own below it, that a user namespace may not split off
        _mount(mount.source, target, None, MS_BIND | MS_REC)
    locked = os.statvfs(mount.source).f_flag
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (0 if mount.kind == "dev" else MS_NODEV)
    flags |= sum(flag for stat, flag in LOCKED_FLAGS.items() if locked & stat)
    if mount.kind == "ro":
        flags |= MS_RDONLY
    _mount(None, target, None, flags)


def build_root(mounts: list[Mount], scratch: str) -> None:
    """Make a root that holds only `mounts`, and move this process (in new mount and PID namespaces) into it.

    Args:
        mounts: the entries, from `plan`.
        scratch: a folder of this process's own, where the new root is put together (and removed from once used).
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    new = tempfile.mkdtemp(prefix=".root-", dir=scratch)
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for mount in mounts:
        target = new + mount.path
        _make_target(mount, target)
        if mount.kind == "tmpfs":
            _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, mount.source)
        elif mount.kind == "proc":
            _mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif mount.kind != "link":
            _bind(mount, target)
    os.chdir(new)
    libc = _libc()
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"pivot_root: no system call number known for {os.uname().machine}")
    _check(libc.syscall(number, b".", b"."), "pivot_root")  # the old root
    _check(libc.umount2(b".", MNT_DETACH), "umount the old root")  # now lies on top of the new one: let it go
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.rmdir(new)  # the empty folder it was built in, seen through the scratch folder's bind


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Give up every capability (those a user namespace granted included), and any way to gain one by exec."""
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(libc.capset(ctypes.byref(_CapHeader(0x20080522, 0)), (_CapData * 2)()), "capset")
