"""A throw-away JupyterLab server for the browser test of the notebooks' widgets
(tests/test_jupyterlab.py), the way an analyst opens the playbook.

:class:`JupyterLab` copies the notebooks into a temporary root folder (outputs cleared, the
``output_dir`` parameter pointed at a temporary folder: nothing is written into the repository),
starts ``python -m jupyterlab`` on a free port of 127.0.0.1 chosen by the OS, with a random token,
a temporary HOME and temporary JUPYTER_*/IPython/matplotlib folders, and the kernel environment of
``tasks.kernel_env`` except ``SMK_BATCH`` (the widgets only appear when the notebook is not run
unattended). Leaving the ``with`` block (normally, by an exception or a failed start) shuts the
server down through its API, then ends the server and its kernels by process id and removes the
temporary folder.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import tasks  # noqa: E402  (the project's kernel environment: tasks.kernel_env)

#: Debian's chromium (tests/browser_setup.py installs it when we are root); never a downloaded one.
CHROMIUM = "/usr/bin/chromium"

#: Flags for a quiet, isolated, offline-minded headless Chromium.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]

#: JupyterLab user settings for the test (plugin id -> settings): no news or update checks (no
#: network), and every cell of a notebook kept in the page (no windowing), so that a cell's
#: outputs can be found whatever the scroll position.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}

#: Front-end plugins disabled for the test: the extension manager (it would ask PyPI) and the
#: announcements (news feed).
DISABLED_EXTENSIONS = {"@jupyterlab/extensionmanager-extension": True,
                       "@jupyterlab/apputils-extension:announcements": True}

#: Variables that name the kernel's writable folders (all pointed into the temporary folder).
DIR_VARS = {"HOME": "home", "IPYTHONDIR": "ipython", "MPLCONFIGDIR": "matplotlib",
            "JUPYTER_CONFIG_DIR": "jupyter/config", "JUPYTER_DATA_DIR": "jupyter/data",
            "JUPYTER_RUNTIME_DIR": "jupyter/runtime", "JUPYTERLAB_SETTINGS_DIR": "jupyter/lab-settings",
            "JUPYTERLAB_WORKSPACES_DIR": "jupyter/lab-workspaces", "XDG_CACHE_HOME": "cache",
            "XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "data"}

#: Variables of the calling process that must not reach the server or its kernels: batch mode
#: (hides the widgets), a client snapshot of `smk run`, other Jupyter search paths, pytest's own.
DROP_VARS = ("SMK_BATCH", "SMK_CLIENT_SNAPSHOT", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_PLATFORM_DIRS",
             "MPLBACKEND", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID",
             "PYTEST_XDIST_WORKER_COUNT", "JPY_SESSION_NAME", "JPY_PARENT_PID")


def _parent_death_signal():
    """A ``preexec_fn`` that asks Linux to send SIGTERM to the child when the test process dies,
    however it dies (even SIGKILL): the server then stops its kernels itself. None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl, pr_set_pdeathsig, sigterm = libc.prctl, 1, int(signal.SIGTERM)

    def preexec() -> None:  # runs in the child between fork and exec: one C call, nothing else
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)

    return preexec


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def lab_env(base: Path) -> dict[str, str]:
    """``tasks.kernel_env()`` (the project's PATH, one BLAS thread, quiet debugger) with every
    writable folder under ``base`` and without ``SMK_BATCH``."""
    with mock.patch.object(tasks, "ROOT", base):  # its .cache/kernel-home goes under base, not the repo
        env = tasks.kernel_env()
    for var in DROP_VARS:
        env.pop(var, None)
    for var, sub in DIR_VARS.items():
        path = base / sub
        path.mkdir(parents=True, exist_ok=True)
        env[var] = str(path)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def write_settings(env: dict[str, str]) -> None:
    settings = Path(env["JUPYTERLAB_SETTINGS_DIR"])
    for plugin, values in USER_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    labconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": DISABLED_EXTENSIONS}),
                                                encoding="utf-8")


def prepare_notebook(src: Path, dst: Path, output_dir: Path) -> None:
    """Copy notebook ``src`` to ``dst`` with its outputs and execution counts cleared (so the test
    sees only what this run shows) and its ``output_dir`` parameter set to ``output_dir``."""
    nb = nbformat.read(src, as_version=4)
    params = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(params) != 1:
        raise ValueError(f"{src.name}: expected one cell tagged 'parameters', found {len(params)}")
    source, n = re.subn(r'^(output_dir\b[^=\n]*=\s*)""', lambda m: m.group(1) + json.dumps(str(output_dir)),
                        params[0].source, flags=re.M)
    if n != 1:
        raise ValueError(f'{src.name}: the parameters cell has no line `output_dir = ""`')
    params[0].source = source
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, dst)


class JupyterLab:
    """``with JupyterLab(["notebooks/05_contact_attempts.ipynb"]) as lab: page.goto(lab.url(name))``."""

    def __init__(self, notebooks: list[Path], *, start_timeout: float = 180.0):
        self.notebooks = [Path(p) for p in notebooks]
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(24)
        self.base: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path: Path | None = None
        self._log = None
        self._old_sigterm = None

    # -- paths
    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def output_dir(self) -> Path:
        return self.base / "reports"

    def url(self, path: str = "") -> str:
        """The lab URL for a file of the root folder (``/lab/tree/<path>``), with the token."""
        return f"http://127.0.0.1:{self.port}/lab/tree/{path}?reset&token={self.token}"

    def log(self) -> str:
        """The server's log so far (for failure messages)."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # -- REST API
    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 30.0):
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/{path}", data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    # -- life cycle
    def start(self) -> "JupyterLab":
        self.base = Path(tempfile.mkdtemp(prefix="smk-jupyterlab-"))
        try:
            self.root.mkdir()
            self.output_dir.mkdir()
            for nb in self.notebooks:
                prepare_notebook(nb, self.root / nb.name, self.output_dir)
            env = lab_env(self.base / "env")
            write_settings(env)
            self.runtime = Path(env["JUPYTER_RUNTIME_DIR"])
            self.log_path = self.base / "jupyterlab.log"
            self._log = open(self.log_path, "wb")
            cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   "--ServerApp.port=0",  # the OS picks a free port; read back from the server info file
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", "--ServerApp.open_browser=False",
                   "--ServerApp.allow_remote_access=False", "--ServerApp.allow_root=True",
                   "--ServerApp.terminals_enabled=False", "--LabApp.expose_app_in_browser=True",
                   "--LabApp.extension_manager=readonly",
                   "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--ServerApp.shutdown_no_activity_timeout=1800",  # a safety net should the test process die
                   "--MappingKernelManager.cull_idle_timeout=0"]
            if threading.current_thread() is threading.main_thread():
                # SIGTERM (a CI cancel, `timeout`) ends the test like Ctrl-C, so stop() still runs
                self._old_sigterm = signal.signal(signal.SIGTERM, _interrupt)
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
                                         preexec_fn=_parent_death_signal())
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        info_file = self.runtime / f"jpserver-{self.proc.pid}.json"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterlab exited with {self.proc.returncode} while starting:\n{self.log()[-3000:]}")
            if self.port is None and info_file.exists():
                try:
                    info = json.loads(info_file.read_text(encoding="utf-8"))
                except json.JSONDecodeError:  # being written
                    info = {}
                if info.get("port"):
                    self.port = int(info["port"])
            if self.port is not None:
                try:
                    self.api("GET", "status", timeout=5)
                    return
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.25)  # polling a subprocess that offers nothing to wait on
        raise RuntimeError(f"jupyterlab did not answer within {self.start_timeout:.0f} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """Shut the server and its kernels down; safe to call more than once and after a failed start."""
        if self.proc is not None:
            try:
                family = psutil.Process(self.proc.pid).children(recursive=True)  # kernels run in their own sessions
            except psutil.NoSuchProcess:
                family = []
            if self.proc.poll() is None and self.port is not None:
                try:
                    self.api("POST", "shutdown", timeout=10)  # stops the kernels, then the server
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=15)
            for child in family:  # whatever the shutdown left behind, by process id
                try:
                    child.terminate()
                except psutil.NoSuchProcess:
                    pass
            _, alive = psutil.wait_procs(family, timeout=10)
            for child in alive:
                try:
                    child.kill()
                except psutil.NoSuchProcess:
                    pass
            self.proc = None
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)
            self.base = None

    def __enter__(self) -> "JupyterLab":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
