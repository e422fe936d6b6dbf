"""Headless Chromium driven over the DevTools protocol with the standard library only
(``--remote-debugging-pipe``: fd 3 carries commands in, fd 4 messages out, each JSON message ends
with NUL; no port, no websocket client, no race with other processes on the machine). Used to print
the report as PDF (smk.run.pdf) and by the browser tests. Debian's ``chromium`` package is enough.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from smk.errors import SmkError

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
#: A quiet, isolated headless browser that asks the network for nothing.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
)


class ChromiumError(SmkError):
    """Chromium could not be started, stopped, or refused a command."""


def find_chromium() -> str | None:
    """The Chromium executable (``$SMK_CHROMIUM`` first, then the usual places), or None."""
    env = os.environ.get("SMK_CHROMIUM")
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for c in CANDIDATES:
        if Path(c).exists():
            return c
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevTools:
    """A headless Chromium (new empty profile, removed on close) and its DevTools session."""

    def __init__(self, executable: str, timeout: float = 60.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="smk-chromium-")  # a new, empty --user-data-dir
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def wire_fds() -> None:  # in the child: the pipe ends on fds 3 and 4
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        try:
            self.proc = subprocess.Popen(
                [executable, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self.profile}", "about:blank"],
                preexec_fn=wire_fds, close_fds=False, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            for fd in (to_r, self._to_w, self._from_r, from_w):
                os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise ChromiumError(f"cannot start {executable}: {exc.strerror or exc}") from None
        os.close(to_r)
        os.close(from_w)
        self._id = 0
        self._messages: queue.Queue = queue.Queue()
        #: events received while waiting for replies (tests read Network events from here)
        self.events: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        with os.fdopen(self._from_r, "rb", buffering=0) as f:
            while chunk := f.read(1 << 20):
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    self._messages.put(json.loads(raw.decode("utf-8")))
        self._messages.put(None)

    def _next(self) -> dict:
        try:
            msg = self._messages.get(timeout=self.timeout)
        except queue.Empty:
            raise ChromiumError(f"chromium did not answer within {self.timeout:.0f} s") from None
        if msg is None:
            raise ChromiumError("chromium stopped before it answered")
        return msg

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and wait for its result (events seen meanwhile go to ``self.events``)."""
        self._id += 1
        msg: dict = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        try:
            os.write(self._to_w, json.dumps(msg).encode("utf-8") + b"\0")
        except OSError:
            raise ChromiumError("chromium stopped before it answered") from None
        while True:
            reply = self._next()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise ChromiumError(f"chromium: {method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None = None) -> dict:
        """Wait for an event (one already received counts, and is taken off ``self.events``)."""
        for i, e in enumerate(self.events):
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return self.events.pop(i)
        while True:
            e = self._next()
            if e.get("method") == method and (session is None or e.get("sessionId") == session):
                return e
            self.events.append(e)

    def open(self, url: str, domains: tuple[str, ...] = ("Page", "Network", "Runtime")) -> "Page":
        """A new tab on ``url``, loaded (Page.loadEventFired), with ``domains`` enabled."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in domains:
            self.send(f"{domain}.enable", {}, session)
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session)
        self.wait_event("Page.loadEventFired", session)
        return Page(self, session)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except ChromiumError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        os.close(self._to_w)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "DevTools":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Page:
    """One tab of a :class:`DevTools` browser."""

    def __init__(self, tools: DevTools, session: str):
        self.tools, self.session = tools, session

    def send(self, method: str, params: dict | None = None) -> dict:
        return self.tools.send(method, params, self.session)

    def evaluate(self, expression: str):
        """Evaluate JavaScript in the page (promises awaited) and return its value."""
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in res:
            raise ChromiumError(f"javascript error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def requested_urls(self) -> list[str]:
        """Every URL the page asked the network stack for (Network.requestWillBeSent)."""
        self.evaluate("1")  # flush events received so far into tools.events
        return [e["params"]["request"]["url"] for e in self.tools.events
                if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == self.session]


__all__ = ["CANDIDATES", "FLAGS", "ChromiumError", "DevTools", "Page", "find_chromium"]
