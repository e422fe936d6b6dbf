"""`smk dashboard` end to end (issue 19): the .eml it writes, the messages a real local SMTP server
(aiosmtpd on 127.0.0.1, a free port) receives with --send, the servers that refuse or cannot be
reached, STARTTLS with a self-signed certificate, and the HTML rendered in headless Chromium.

Every message is checked the same way: multipart/alternative with a text/plain part and a
multipart/related HTML part, every ``cid:`` of the HTML resolved to an attached image, no ``data:`` or
``http`` URL, no e-mail address or phone number of the demo's leads anywhere.
"""
from __future__ import annotations

import email
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
from email import policy
from pathlib import Path

import pandas as pd
import pytest

from smk.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_setup import DevTools, ensure_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DAY = "2026-10-15"
CLIENT = "Demo Corp (synthetic)"


# ------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def pii() -> list[str]:
    """Every e-mail address and phone number of the demo's contacts (as exported and as digits)."""
    raw = pd.read_csv(DEMO / "hubspot_contacts.csv", dtype=str)
    values = [v.strip() for v in pd.concat([raw["Email"], raw["Phone Number"]]).dropna() if v.strip() not in ("", "N/A")]
    digits = [re.sub(r"\D", "", v) for v in raw["Phone Number"].dropna() if sum(c.isdigit() for c in v) >= 8]
    assert len(values) > 7000 and any("@" in v for v in values) and any(v.startswith("+") for v in values)
    return values + digits


def parts(msg) -> dict:
    """The message's structure, both bodies and the images by Content-ID; asserts the MIME layout."""
    assert msg.get_content_type() == "multipart/alternative"
    plain, related = msg.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert images and all(i.get_content_type() == "image/png" for i in images)
    pngs = {i["Content-ID"].strip("<>"): i.get_content() for i in images}
    assert all(data.startswith(b"\x89PNG") for data in pngs.values())
    return {"text": plain.get_content(), "html": html_part.get_content(), "images": pngs,
            "names": {i["Content-ID"].strip("<>"): i.get_filename() for i in images}}


def check_message(msg, pii_values: list[str]) -> dict:
    p = parts(msg)
    html = p["html"]
    cids = re.findall(r'src="cid:([^"]+)"', html)
    assert cids and set(cids) == set(p["images"])  # every cid resolved, every image used
    srcs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html, flags=re.I)
    assert all(s.startswith("cid:") for s in srcs), srcs
    lowered = html.lower()
    assert "data:" not in lowered and "http:" not in lowered and "https:" not in lowered and "url(" not in lowered
    assert "<script" not in lowered and "<style" not in lowered and "<link" not in lowered
    assert "<table" in lowered and 'role="presentation"' in lowered
    everything = p["text"] + html + msg.as_string()
    leaked = [v for v in pii_values if v in everything]
    assert not leaked, leaked[:5]
    return p


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps what it receives; refuses recipients listed in ``refuse``."""

    def __init__(self, refuse=()):
        self.received: list[dict] = []
        self.refuse = set(refuse)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                  "msg": email.message_from_bytes(envelope.original_content or envelope.content,
                                                                  policy=policy.default),
                                  "tls": session.ssl is not None, "user": session.auth_data})
        return "250 Message accepted"


def smtp_server(inbox: Inbox, **kwargs):
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def client_with(tmp_path: Path, settings: str) -> Path:
    """A copy of the demo client whose client.yml ends with a ``dashboard:`` section."""
    folder = tmp_path / "client"
    shutil.copytree(DEMO, folder)
    with open(folder / "client.yml", "a", encoding="utf-8") as fh:
        fh.write("\n" + settings)
    return folder


def dashboard_settings(port: int, *, starttls: bool = True, recipients=("boss@demo.example", "marketing@demo.example",
                                                                         "atlas@demo.example"), routes: str = "") -> str:
    lines = ["dashboard:", f"  smtp_host: 127.0.0.1", f"  smtp_port: {port}", f"  starttls: {str(starttls).lower()}",
             "  sender: dashboard@demo.example", "  recipients:"]
    lines += [f"    - {r}" for r in recipients]
    if routes:
        lines += ["  routes:", routes]
    return "\n".join(lines) + "\n"


@pytest.fixture
def no_login(monkeypatch):
    monkeypatch.delenv("SMK_SMTP_USER", raising=False)
    monkeypatch.delenv("SMK_SMTP_PASSWORD", raising=False)


# ------------------------------------------------------------------------------------ the .eml
def test_eml_written_for_the_day(tmp_path, capsys, pii, no_login):
    assert main(["dashboard", str(DEMO), "--date", DAY, "--out", str(tmp_path), "--lang", "en"]) == 0
    path = tmp_path / "dashboard-2026-10-15-en.eml"
    assert f"Dashboard of 15 Oct 2026 written to {path}" in capsys.readouterr().out
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert msg["Subject"] == f"{CLIENT}: smarketing dashboard, 15 Oct 2026"
    assert msg["To"] is None and msg["From"] == "smk-dashboard@localhost" and msg["Content-Language"] == "en"
    p = check_message(msg, pii)
    assert set(p["names"].values()) == {"mqls-against-goal.png", "sales-sla.png"}
    assert "<h1" in p["html"] and "Smarketing dashboard" in p["html"]
    assert "Since yesterday" in p["text"] and "Open leads breaching the SLA at the end of 15 Oct 2026" in p["text"]


def test_team_and_owner_versions_from_the_command(tmp_path, pii, no_login):
    assert main(["dashboard", str(DEMO), "--date", DAY, "--out", str(tmp_path), "--team", "Cobalt", "--lang", "es"]) == 0
    assert main(["dashboard", str(DEMO), "--date", DAY, "--out", str(tmp_path), "--owner", "José Núñez"]) == 0
    team = email.message_from_bytes((tmp_path / "dashboard-2026-10-15-team-Cobalt-es.eml").read_bytes(),
                                    policy=policy.default)
    rep = email.message_from_bytes((tmp_path / "dashboard-2026-10-15-owner-José-Núñez-en.eml").read_bytes(),
                                   policy=policy.default)
    assert team["Subject"] == f"{CLIENT}: cuadro de mando de smarketing del equipo Cobalt, 15 oct 2026"
    assert rep["Subject"] == f"{CLIENT}: smarketing dashboard for José Núñez, 15 Oct 2026"
    t, r = check_message(team, pii), check_message(rep, pii)
    assert "Vendedor |" in t["text"] and "Björn Schäfer" in t["text"] and "Atlas |" not in t["text"]
    assert "156415 | José Núñez" in r["text"] and "Lucía Gómez" not in r["text"]


def test_unknown_team_and_bad_date_are_one_line(tmp_path, capsys, no_login):
    assert main(["dashboard", str(DEMO), "--team", "Nimbus", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no team called 'Nimbus'") and "Traceback" not in err
    assert main(["dashboard", str(DEMO), "--date", "15/10/2026", "--out", str(tmp_path)]) == 2
    assert "--date must be YYYY-MM-DD" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ --send
def test_send_delivers_each_version_to_its_recipients(tmp_path, capsys, pii, no_login):
    inbox = Inbox()
    server = smtp_server(inbox)
    try:
        routes = "    atlas@demo.example: {team: Atlas}\n    jose@demo.example: {owner: José Núñez}"
        folder = client_with(tmp_path, dashboard_settings(server.port, routes=routes))
        rc = main(["dashboard", str(folder), "--date", DAY, "--send", "--lang", "es", "--out", str(tmp_path / "out")])
        out = capsys.readouterr()
        assert rc == 0, out.err
    finally:
        server.stop()
    assert ("Enviado a 4 destinatarios: boss@demo.example, marketing@demo.example, atlas@demo.example, "
            "jose@demo.example") in out.out
    assert len(inbox.received) == 3 and not any(m["tls"] for m in inbox.received)
    by_to = {tuple(m["to"]): m for m in inbox.received}
    assert set(by_to) == {("boss@demo.example", "marketing@demo.example"), ("atlas@demo.example",),
                          ("jose@demo.example",)}
    company = by_to[("boss@demo.example", "marketing@demo.example")]["msg"]
    atlas = by_to[("atlas@demo.example",)]["msg"]
    jose = by_to[("jose@demo.example",)]["msg"]
    assert company["Subject"] == f"{CLIENT}: cuadro de mando de smarketing, 15 oct 2026"
    assert atlas["Subject"] == f"{CLIENT}: cuadro de mando de smarketing del equipo Atlas, 15 oct 2026"
    assert jose["Subject"] == f"{CLIENT}: cuadro de mando de smarketing de José Núñez, 15 oct 2026"
    assert company["To"] == "boss@demo.example, marketing@demo.example" and company["From"] == "dashboard@demo.example"
    assert all(m["from"] == "dashboard@demo.example" for m in inbox.received)
    c, a, j = (check_message(m, pii) for m in (company, atlas, jose))
    assert "Cobalt | 6 de 19 (32 %)" in c["text"] and "Cobalt" not in a["text"].split("== Ventas")[1]
    assert "156415 | José Núñez" in j["text"] and "155489" not in j["text"]
    # the .eml files written are the messages sent
    written = sorted(p.name for p in (tmp_path / "out").glob("*.eml"))
    assert written == ["dashboard-2026-10-15-es.eml", "dashboard-2026-10-15-owner-José-Núñez-es.eml",
                       "dashboard-2026-10-15-team-Atlas-es.eml"]


def test_send_one_routed_version(tmp_path, capsys, no_login):
    inbox = Inbox()
    server = smtp_server(inbox)
    try:
        folder = client_with(tmp_path, dashboard_settings(server.port, routes="    atlas@demo.example: {team: Atlas}"))
        assert main(["dashboard", str(folder), "--date", DAY, "--send", "--team", "Atlas", "--out", str(tmp_path)]) == 0
        assert main(["dashboard", str(folder), "--date", DAY, "--send", "--team", "Boreal", "--out", str(tmp_path)]) == 2
    finally:
        server.stop()
    assert [m["to"] for m in inbox.received] == [["atlas@demo.example"]]
    assert "No recipient of dashboard.routes in client.yml gets this version (Boreal)." in capsys.readouterr().err


def test_route_to_a_team_not_in_the_data_is_refused(tmp_path, capsys, no_login):
    folder = client_with(tmp_path, dashboard_settings(2525, routes="    x@demo.example: {team: Atlantis}"))
    assert main(["dashboard", str(folder), "--date", DAY, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "dashboard.routes: x@demo.example gets the version of team 'Atlantis', which is not in the leads" in err


def test_login_over_plain_connection_is_refused_unless_allowed(tmp_path, capsys, monkeypatch):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"ana", b"s3cret")
        return AuthResult(success=ok, handled=False, auth_data="ana" if ok else None)

    inbox = Inbox()
    server = smtp_server(inbox, authenticator=authenticator, auth_require_tls=False)
    monkeypatch.setenv("SMK_SMTP_USER", "ana")
    monkeypatch.setenv("SMK_SMTP_PASSWORD", "s3cret")
    try:
        strict = client_with(tmp_path / "strict", dashboard_settings(server.port))
        assert main(["dashboard", str(strict), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert f"The SMTP server 127.0.0.1:{server.port} does not offer STARTTLS: the password is not sent" in err
        assert "Traceback" not in err and inbox.received == []
        # starttls: false (a server on this machine): the login goes through
        lax = client_with(tmp_path / "lax", dashboard_settings(server.port, starttls=False))
        assert main(["dashboard", str(lax), "--date", DAY, "--send", "--out", str(tmp_path)]) == 0
        assert len(inbox.received) == 1 and inbox.received[0]["user"] == "ana"
        monkeypatch.setenv("SMK_SMTP_PASSWORD", "wrong")
        assert main(["dashboard", str(lax), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert f"The SMTP server 127.0.0.1:{server.port} refused the login of ana: 535" in err
        monkeypatch.delenv("SMK_SMTP_PASSWORD")
        assert main(["dashboard", str(lax), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
        assert "Set both SMK_SMTP_USER and SMK_SMTP_PASSWORD, or neither." in capsys.readouterr().err
    finally:
        server.stop()
    assert len(inbox.received) == 1


def test_refused_and_unreachable_servers_are_one_clear_line(tmp_path, capsys, no_login):
    inbox = Inbox(refuse={"boss@demo.example"})
    server = smtp_server(inbox)
    try:
        folder = client_with(tmp_path, dashboard_settings(server.port, recipients=("boss@demo.example",)))
        assert main(["dashboard", str(folder), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert err.strip() == (f"The SMTP server 127.0.0.1:{server.port} refused the message: boss@demo.example: "
                           "550 5.1.1 mailbox unavailable")
    assert inbox.received == []
    closed = free_port()  # nothing listens there
    folder = client_with(tmp_path / "b", dashboard_settings(closed))
    assert main(["dashboard", str(folder), "--date", DAY, "--send", "--lang", "es", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"No se puede conectar con el servidor SMTP 127.0.0.1:{closed}: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_no_server_or_no_recipients(tmp_path, capsys, no_login):
    assert main(["dashboard", str(DEMO), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
    assert "No SMTP server: add dashboard.smtp_host" in capsys.readouterr().err
    folder = client_with(tmp_path, dashboard_settings(2525, recipients=()).replace("  recipients:\n", ""))
    assert main(["dashboard", str(folder), "--date", DAY, "--send", "--out", str(tmp_path)]) == 2
    assert "Nobody to send it to: add dashboard.recipients" in capsys.readouterr().err


def _self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A certificate for 127.0.0.1 and its key: with the cryptography package when installed, else the
    openssl command; None when neither is there."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        import datetime as dt
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        openssl = shutil.which("openssl")
        if not openssl:
            return None
        proc = subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                               "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                               "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, timeout=60)
        return (cert, key) if proc.returncode == 0 else None
    pkey = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pkey.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
           .not_valid_after(now + dt.timedelta(days=2))
           .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(pkey, hashes.SHA256()))
    cert.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return cert, key


def test_starttls_with_login(tmp_path, capsys, monkeypatch, pii):
    from aiosmtpd.smtp import AuthResult

    made = _self_signed(tmp_path)
    if made is None:
        pytest.skip("no way to make a self-signed certificate here: neither the cryptography package nor openssl")
    cert, key = made
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == (b"ana", b"s3cret")
        return AuthResult(success=ok, handled=False, auth_data="ana" if ok else None)

    inbox = Inbox()
    server = smtp_server(inbox, tls_context=context, require_starttls=True, authenticator=authenticator,
                         auth_require_tls=True)
    monkeypatch.setenv("SMK_SMTP_USER", "ana")
    monkeypatch.setenv("SMK_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this certificate (and verifies it)
    try:
        folder = client_with(tmp_path, dashboard_settings(server.port, recipients=("boss@demo.example",)))
        rc = main(["dashboard", str(folder), "--date", DAY, "--send", "--out", str(tmp_path / "out")])
        assert rc == 0, capsys.readouterr().err
        # a certificate the client does not trust: a clear line, nothing sent
        monkeypatch.delenv("SSL_CERT_FILE")
        monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "nowhere"))
        assert main(["dashboard", str(folder), "--date", DAY, "--send", "--out", str(tmp_path / "out")]) == 2
        err = capsys.readouterr().err
        assert f"The connection to the SMTP server 127.0.0.1:{server.port} could not be secured: " in err
        assert "CERTIFICATE_VERIFY_FAILED" in err and len(err.strip().splitlines()) == 1
    finally:
        server.stop()
    assert len(inbox.received) == 1
    got = inbox.received[0]
    assert got["tls"] and got["user"] == "ana" and got["to"] == ["boss@demo.example"]
    check_message(got["msg"], pii)


# ------------------------------------------------------------------------------------ in a browser
@pytest.mark.browser
def test_html_renders_in_chromium(tmp_path, no_login):
    path, reason = ensure_chromium()
    if not path:
        pytest.skip(reason)
    assert main(["dashboard", str(DEMO), "--date", DAY, "--out", str(tmp_path), "--lang", "es"]) == 0
    msg = email.message_from_bytes((tmp_path / "dashboard-2026-10-15-es.eml").read_bytes(), policy=policy.default)
    p = parts(msg)
    html = p["html"]
    for cid, data in p["images"].items():  # what a mail client does with cid: parts
        (tmp_path / p["names"][cid]).write_bytes(data)
        html = html.replace(f"cid:{cid}", p["names"][cid])
    page_path = tmp_path / "dashboard.html"
    page_path.write_text(html, encoding="utf-8")
    with DevTools(path) as tools:
        page = tools.open(page_path.as_uri())
        widths = page.evaluate("Promise.all([...document.images].map(i => i.decode().then(() => i.naturalWidth, () => 0)))")
        headings = page.evaluate("[...document.querySelectorAll('h1, h2, h3')].map(h => h.textContent.trim())")
        shown = page.evaluate("[...document.images].map(i => i.getBoundingClientRect().width)")
        urls = page.requested_urls()
    assert len(widths) == 2 and all(w >= 1000 for w in widths)  # drawn at twice the 600 px they are shown at
    assert all(0 < w <= 600 for w in shown)
    assert headings == ["Cuadro de mando de smarketing", "Marketing: MQL del mes frente a la meta del ANS",
                        "Ventas: seguimiento de los MQL", "Leads abiertos que incumplían el ANS al cierre del 15 oct 2026"]
    assert all(u.startswith("file://") for u in urls), urls
