"""What the allow-list file system and the namespaces cost per kernel: time to confine, and the relay's memory.

Starts a small Python process N times that confines itself as grading confines a kernel (`confinement.apply`) and
exits, once with namespaces (the allow-list root, a PID namespace and the relay) and once with the limits only, and
prints the median wall time of each, their difference (the cost per kernel), and the relay's resident memory. As
root it also runs both as `nobody` with a Python that user may run, to measure the user-namespace route.

    .venv/bin/python benchmarks/confinement_cost.py -n 20
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.isolation.confinement import NOBODY, Confinement  # noqa: E402
from autograder.notebook.course import RELEASE  # noqa: E402

CONFINE = """
import sys, time
from autograder.isolation.confinement import Confinement, apply
started = time.perf_counter()
apply(Confinement.read(sys.argv[1]))
print(time.perf_counter() - started, flush=True)
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
"""


def _folder(uid: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="kmw-cost-"))
    folder.chmod(0o755)
    for name in ("scratch", "work"):
        (folder / name).mkdir()
        shutil.chown(folder / name, uid, uid)
    return folder


def measure(python: str, uid: int, namespaces: bool, runs: int) -> dict:
    """Median wall time of starting, confining and ending a process, and of `apply` alone, over `runs` runs."""
    folder = _folder(uid)
    try:
        settings = Confinement(str(folder / "scratch"), str(folder / "work"), (str(RELEASE / "02_layers"),),
                               namespaces=namespaces).write(folder / "confinement.json")
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
        walls, applies = [], []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run([python, "-c", CONFINE, str(settings)], env=env, cwd=folder, user=uid,
                                  capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - started)
            applies.append(float(done.stdout.split()[-1]))
        return {"wall ms": 1000 * statistics.median(walls), "apply ms": 1000 * statistics.median(applies)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def relay_memory(python: str, uid: int) -> float:
    """The relay's resident memory, in MiB, while its confined child sleeps."""
    import psutil

    folder = _folder(uid)
    try:
        settings = Confinement(str(folder / "scratch"), str(folder / "work")).write(folder / "confinement.json")
        relay = subprocess.Popen([python, "-c", CONFINE, str(settings), "3"], env={"PYTHONPATH": str(ROOT)},
                                 cwd=folder, user=uid, stdout=subprocess.PIPE, text=True)
        relay.stdout.readline()
        rss = psutil.Process(relay.pid).memory_info().rss / 2**20
        relay.wait()
        return rss
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="processes per variant (default 20)")
    args = parser.parse_args()
    routes = [("as you" if os.geteuid() else "as root", sys.executable, os.geteuid())]
    if os.geteuid() == 0:
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        python = f"/usr/bin/python{version}"
        if os.access(python, os.X_OK):
            routes.append(("as nobody (user namespaces)", python, NOBODY))
    results = {}
    for name, python, uid in routes:
        isolated = measure(python, uid, True, args.runs)
        limited = measure(python, uid, False, args.runs)
        results[name] = {"namespaces": isolated, "limits only": limited,
                         "cost per kernel ms": isolated["wall ms"] - limited["wall ms"],
                         "relay MiB": relay_memory(python, uid)}
        print(f"{name}: process with namespaces {isolated['wall ms']:.0f} ms (apply {isolated['apply ms']:.0f} ms), "
              f"limits only {limited['wall ms']:.0f} ms (apply {limited['apply ms']:.0f} ms): "
              f"{results[name]['cost per kernel ms']:.0f} ms per kernel; relay {results[name]['relay MiB']:.0f} MiB")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "confinement_cost.json").write_text(json.dumps({"runs": args.runs, "load": os.getloadavg(),
                                                           "results": results}, indent=2))


if __name__ == "__main__":
    main()
