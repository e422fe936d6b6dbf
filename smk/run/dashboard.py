"""``smk dashboard``: the day's smarketing dashboard as an e-mail (``.eml``), and with ``--send``
delivered over SMTP to client.yml's ``dashboard.recipients`` (each address of ``dashboard.routes``
gets its team's or rep's own version instead).

Compute: :mod:`smk.analyses.dashboard`; words, HTML and MIME: :mod:`smk.views.dashboard`. SMTP server
and port come from client.yml (``dashboard.smtp_host``, ``smtp_port``, ``starttls``); credentials only
from the environment (``SMK_SMTP_USER``, ``SMK_SMTP_PASSWORD``), never from client.yml. The connection
is upgraded with STARTTLS whenever the server offers it, and a password is never sent over an
unencrypted connection unless client.yml says ``starttls: false``. A refused or unreachable server is
one clear line (exit status 2), never a traceback. Scheduling it every morning: docs/dashboard.md.
"""
from __future__ import annotations

import argparse
import os
import re
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from smk import texts
from smk.analyses import dashboard
from smk.client.loader import load_client
from smk.errors import ConfigError
from smk.views import dashboard as views
from smk.views import fmt

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Environment variables holding the SMTP login (both or neither).
USER_ENV, PASSWORD_ENV = "SMK_SMTP_USER", "SMK_SMTP_PASSWORD"
#: From: address when client.yml sets no ``dashboard.sender`` and the login is not an address.
DEFAULT_SENDER = "smk-dashboard@localhost"
#: Seconds to wait for the SMTP server.
SMTP_TIMEOUT = 30.0


class SendError(Exception):
    """The message could not be delivered: ``key`` is a ``dashboard.run.*`` catalogue key, ``values``
    its placeholders (said in the command's language)."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Version:
    """One version of the dashboard: scope (``all``, ``team``, ``owner``), its name, who gets it."""

    scope: str
    name: str | None
    to: tuple[str, ...]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_dir", help="client folder with client.yml (e.g. data/demo)")
    parser.add_argument("--date", default=None, help="the day, YYYY-MM-DD (default: the last day in the data)")
    parser.add_argument("--lang", choices=("es", "en"), default=None, help="language (default: client.yml)")
    parser.add_argument("--out", default=None, help="folder for the .eml files (default: reports/<client>/dashboard/)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--team", default=None, help="the version for one team (its reps and leads)")
    who.add_argument("--owner", default=None, help="the version for one rep (his or her own leads)")
    parser.add_argument("--send", action="store_true",
                        help="also send it over SMTP (client.yml dashboard.*; login from SMK_SMTP_USER/SMK_SMTP_PASSWORD)")


def parse_day(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ConfigError(f"--date must be YYYY-MM-DD, got {text!r}")
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise ConfigError(f"--date {text!r} is not a day of the calendar") from None


def routes(cfg, client) -> dict[str, tuple[str, str]]:
    """client.yml ``dashboard.routes`` as ``{address: (scope, name)}``; a team or rep that is not in the
    leads is a :class:`ConfigError` (a typo would send someone an empty list)."""
    known = dashboard.scopes(client)
    out = {}
    for address, target in (cfg.routes or {}).items():
        (scope, name), = ((k, str(v)) for k, v in target.items())
        if "@" not in str(address):
            raise ConfigError(f"client.yml: dashboard.routes: {address!r} is not an e-mail address")
        if name not in known[scope]:
            raise ConfigError(f"client.yml: dashboard.routes: {address} gets the version of "
                              f"{'team' if scope == 'team' else 'rep'} {name!r}, which is not in the leads "
                              f"(known: {', '.join(known[scope]) or 'none'})")
        out[str(address)] = (scope, name)
    return out


def plan(cfg, client, team: str | None, owner: str | None) -> list[Version]:
    """The versions to write (and send): ``--team``/``--owner`` → that one version, for the addresses
    routed to it; otherwise the company's version for ``dashboard.recipients`` (less the routed
    addresses) and one version per team or rep named in ``dashboard.routes``."""
    routed = routes(cfg, client)
    if team is not None or owner is not None:
        scope, name = ("team", team) if team is not None else ("owner", owner)
        return [Version(scope, name, tuple(a for a, target in routed.items() if target == (scope, str(name))))]
    out = [Version("all", None, tuple(r for r in cfg.recipients if r not in routed))]
    targets: dict[tuple[str, str], list[str]] = {}
    for address, target in routed.items():
        targets.setdefault(target, []).append(address)
    out += [Version(scope, name, tuple(addresses)) for (scope, name), addresses in targets.items()]
    return out


def file_name(day: pd.Timestamp, scope: str, name: str | None, lang: str) -> str:
    """``dashboard-2026-10-15-en.eml``, ``dashboard-2026-10-15-team-Atlas-en.eml`` (names reduced to
    letters, digits and dashes)."""
    tag = "" if scope == "all" else "-" + scope + "-" + (re.sub(r"[^\w]+", "-", str(name), flags=re.UNICODE).strip("-") or "x")
    return f"dashboard-{day:%Y-%m-%d}{tag}-{lang}.eml"


def credentials() -> tuple[str | None, str | None]:
    user, password = os.environ.get(USER_ENV) or None, os.environ.get(PASSWORD_ENV) or None
    if (user is None) != (password is None):
        raise SendError("half_credentials")
    return user, password


def send(messages: list[EmailMessage], *, host: str, port: int, starttls: bool = True,
         user: str | None = None, password: str | None = None, timeout: float = SMTP_TIMEOUT) -> None:
    """Deliver ``messages`` in one SMTP session: STARTTLS when the server offers it (and ``starttls``),
    login when credentials are given (never over an unencrypted connection unless ``starttls`` is
    False). Raises :class:`SendError` with what went wrong."""
    server = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            encrypted = False
            if starttls and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
                encrypted = True
            if user is not None:
                if starttls and not encrypted:
                    raise SendError("no_tls", server=server)
                try:
                    smtp.login(user, password)
                except smtplib.SMTPAuthenticationError as exc:
                    raise SendError("login_refused", server=server, user=user, detail=_detail(exc)) from None
            for msg in messages:
                smtp.send_message(msg)
    except SendError:
        raise
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPNotSupportedError, smtplib.SMTPHeloError) as exc:
        raise SendError("refused", server=server, detail=_detail(exc)) from None
    except smtplib.SMTPServerDisconnected as exc:
        raise SendError("unreachable", server=server, detail=_detail(exc) or "the server closed the connection") from None
    except smtplib.SMTPException as exc:
        raise SendError("refused", server=server, detail=_detail(exc)) from None
    except ssl.SSLError as exc:  # the server's certificate is not trusted, or the handshake failed
        raise SendError("tls_failed", server=server, detail=_detail(exc)) from None
    except OSError as exc:  # refused, unknown host, timeout
        raise SendError("unreachable", server=server, detail=_detail(exc)) from None


def _detail(exc: BaseException) -> str:
    """The server's reply or the system's reason, on one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return " ".join(str(text).split()) or type(exc).__name__


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _sender(cfg, user: str | None) -> str:
    if cfg.sender:
        return cfg.sender
    return user if user and "@" in user else DEFAULT_SENDER


def run(args: argparse.Namespace) -> int:
    client = load_client(args.client_dir)
    lang = args.lang or client.config.lang
    cfg = client.config.dashboard
    day = parse_day(args.date)
    out_dir = (Path(args.out).expanduser().absolute() if args.out
               else PROJECT_ROOT / "reports" / Path(args.client_dir).expanduser().absolute().resolve().name / "dashboard")

    def say(key: str, **values) -> str:
        return texts.t(f"dashboard.run.{key}", lang, **values)

    versions = plan(cfg, client, args.team, args.owner)
    if args.send:  # what cannot be sent is said before anything is computed
        if not cfg.smtp_host:
            print(say("no_server"), file=sys.stderr)
            return 2
        if not any(v.to for v in versions):
            scope = args.team or args.owner
            print(say("no_route", scope=scope) if scope else say("no_recipients"), file=sys.stderr)
            return 2
        try:
            user, password = credentials()
        except SendError as exc:
            print(say(exc.key, **exc.values), file=sys.stderr)
            return 2
    else:
        user = os.environ.get(USER_ENV) or None
    results = dashboard.versions(client, day, [(v.scope, v.name) for v in versions])
    sender = _sender(cfg, user)
    out_dir.mkdir(parents=True, exist_ok=True)
    messages = []
    for version, res in zip(versions, results):
        email = views.render_email(res, lang, client.config.currency, subject_prefix=cfg.subject_prefix)
        msg = views.email_message(email, sender=sender, to=version.to)
        path = out_dir / file_name(res.day, version.scope, version.name, lang)
        path.write_bytes(bytes(msg))
        print(say("wrote", date=fmt.date(res.day, lang), path=path))
        if version.to:
            messages.append(msg)
    if not args.send:
        return 0
    try:
        send(messages, host=cfg.smtp_host, port=int(cfg.smtp_port), starttls=bool(cfg.starttls), user=user,
             password=password)
    except SendError as exc:
        print(say(exc.key, **exc.values), file=sys.stderr)
        return 2
    to = [a for v in versions for a in v.to]
    print(say("sent", count=len(to), to=", ".join(to)))
    return 0


__all__ = ["DEFAULT_SENDER", "PASSWORD_ENV", "SendError", "USER_ENV", "Version", "add_arguments", "credentials",
           "file_name", "parse_day", "plan", "routes", "run", "send"]
