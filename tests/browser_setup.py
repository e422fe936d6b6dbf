"""Find (or install) a headless Chromium for the browser tests; they drive it with
smk.run.chromium's DevTools client (the one that prints the report as PDF).

``python3 tests/browser_setup.py`` installs Debian's ``chromium`` when /usr/bin/chromium is missing
and we are root with apt-get (tasks.py calls it); it prints the path, or why there is none, and
exits 0 either way (the browser test then skips with that reason).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from smk.run.chromium import DevTools, Page, find_chromium  # noqa: F401  (the tests import them from here)


def ensure_chromium() -> tuple[str | None, str]:
    """(path, "") when Chromium is available (installing it with apt-get if we are root), else
    (None, reason)."""
    found = find_chromium()
    if found:
        return found, ""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "chromium is not installed and we are not root (cannot apt-get install it)"
    apt = shutil.which("apt-get")
    if not apt:
        return None, "chromium is not installed and there is no apt-get"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log = []
    for cmd in ([apt, "install", "-y", "-q", "chromium"], [apt, "update", "-q"], [apt, "install", "-y", "-q", "chromium"]):
        if cmd[1] == "install" and find_chromium():
            break
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        log.append(f"$ {' '.join(cmd)} -> {proc.returncode}\n{proc.stderr[-500:]}")
    found = find_chromium()
    if found:
        return found, ""
    return None, "apt-get install chromium failed:\n" + "\n".join(log)


if __name__ == "__main__":
    path, reason = ensure_chromium()
    print(path if path else f"no chromium: {reason}")
    sys.exit(0)
