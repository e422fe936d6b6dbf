#!/usr/bin/env python3
"""Task runner for smarketing-playbook. Needs only Python 3.11+ (standard library) and git.

    python3 tasks.py demo      set everything up, run the whole playbook on the demo client
    python3 tasks.py test      set everything up, run the whole test suite
    python3 tasks.py refresh   re-execute the notebooks in place (stored outputs for nbval)
    python3 tasks.py bench     benchmark (see docs/performance.md); extra args are passed on
    python3 tasks.py setup     only create/refresh the virtual environment (.venv)

Each command is a thin alias over `python -m smk ...` or pytest inside .venv, so nothing works only
through this file.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".smk-installed"
INSTALL_INPUTS = ("pyproject.toml", "constraints.txt")


def _run(cmd: list[str], **kw) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def _inputs_hash() -> str:
    h = hashlib.sha256()
    for name in INSTALL_INPUTS:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def setup() -> None:
    """Create .venv and install the project (editable) with its test extras, pinned by constraints.txt."""
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]}).")
    if not PY.exists():
        print(f"Creating virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _inputs_hash():
        return
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    rc = _run([PY, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", ".[test]"], env=env)
    if rc:
        sys.exit(f"pip install failed (exit {rc})")
    STAMP.write_text(_inputs_hash())


def kernel_env() -> dict[str, str]:
    """Environment for notebook kernels: writable, repeatable config dirs inside .cache (not $HOME)."""
    cache = ROOT / ".cache" / "kernel-home"
    env = dict(os.environ)
    for var, sub in (("IPYTHONDIR", "ipython"), ("MPLCONFIGDIR", "matplotlib"), ("JUPYTER_CONFIG_DIR", "jupyter/config"),
                     ("JUPYTER_DATA_DIR", "jupyter/data"), ("JUPYTER_RUNTIME_DIR", "jupyter/runtime")):
        path = cache / sub
        path.mkdir(parents=True, exist_ok=True)
        env.setdefault(var, str(path))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "1")  # processes run side by side on few cores: threaded BLAS only oversubscribes
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("VIRTUAL_ENV", None)
    env.setdefault("SMK_BATCH", "1")  # notebooks run unattended: no widgets (smk.report.is_batch)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def ensure_chromium() -> None:
    """The browser tests need Debian's chromium; install it when missing and we may (root + apt)."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        print("note: chromium is not installed and cannot be installed here (needs root and apt-get); "
              "the browser tests will be skipped with that reason.", flush=True)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], env=env, stdout=subprocess.DEVNULL)


def demo(args: list[str]) -> int:
    setup()
    return _run([PY, "-m", "smk", "run", "data/demo", *args], env=kernel_env())


def test(args: list[str]) -> int:
    setup()
    ensure_chromium()
    jobs = "2" if (os.cpu_count() or 1) >= 2 else "1"
    # pyproject.toml: testpaths tests + notebooks, nbval and its sanitizers on (plain `pytest` does the same)
    cmd = [PY, "-m", "pytest", "-n", jobs, "--dist", "loadfile", *args]
    return _run(cmd, env=kernel_env())


def refresh(args: list[str]) -> int:
    setup()
    return _run([PY, "-m", "smk", "refresh", *args], env=kernel_env())


def bench(args: list[str]) -> int:
    setup()
    return _run([PY, "benchmarks/run.py", *args], env=kernel_env())


COMMANDS = {"demo": demo, "test": test, "refresh": refresh, "bench": bench,
            "setup": lambda args: (setup(), 0)[1]}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
