"""Find (or install) a headless Chromium for the browser tests, and drive it over the DevTools
protocol with nothing but the standard library (``--remote-debugging-pipe``: no port, no
websocket client, no race with other processes on the machine).

``python3 tests/browser_setup.py`` installs Debian's ``chromium`` when /usr/bin/chromium is missing
and we are root with apt-get (tasks.py calls it); it prints the path, or why there is none, and
exits 0 either way (the browser test then skips with that reason).
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

#: Flags for a quiet, isolated, offline-minded headless browser.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
)


def find_chromium() -> str | None:
    for c in CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium") or shutil.which("chromium-browser")


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


class DevTools:
    """A headless Chromium and a DevTools-protocol session over ``--remote-debugging-pipe``
    (fd 3: commands in, fd 4: messages out, each JSON message ends with NUL)."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="smk-chromium-")  # new, empty --user-data-dir
        to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, from_chrome_w = os.pipe()

        def wire_fds() -> None:  # in the child: put the pipe ends on fds 3 and 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
            preexec_fn=wire_fds, close_fds=False, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._messages: queue.Queue = queue.Queue()
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._from_chrome_r, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    self._messages.put(json.loads(raw.decode("utf-8")))
        self._messages.put(None)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and wait for its result (events seen meanwhile go to ``self.events``)."""
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome_w, json.dumps(msg).encode("utf-8") + b"\0")
        while True:
            reply = self._messages.get(timeout=self.timeout)
            if reply is None:
                raise RuntimeError("chromium closed the DevTools pipe")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        """Wait for an event (already-received events count)."""
        for i, e in enumerate(self.events):
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return self.events.pop(i)
        while True:
            e = self._messages.get(timeout=self.timeout)
            if e is None:
                raise RuntimeError("chromium closed the DevTools pipe")
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return e
            self.events.append(e)

    def open(self, url: str) -> "Page":
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable", {}, session)
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session)
        self.wait_event("Page.loadEventFired", session)
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self._to_chrome_w)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "DevTools":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    def __init__(self, tools: DevTools, session: str):
        self.tools, self.session = tools, session

    def evaluate(self, expression: str):
        """Evaluate JavaScript in the page (promises awaited) and return its value."""
        res = self.tools.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                   "awaitPromise": True}, self.session)
        if "exceptionDetails" in res:
            raise RuntimeError(f"javascript error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def requested_urls(self) -> list[str]:
        """Every URL the page asked the network stack for (Network.requestWillBeSent)."""
        self.evaluate("1")  # flush events received so far into tools.events
        return [e["params"]["request"]["url"] for e in self.tools.events
                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == self.session]


if __name__ == "__main__":
    path, reason = ensure_chromium()
    print(path if path else f"no chromium: {reason}")
    sys.exit(0)
