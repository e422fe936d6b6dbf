"""``smk run … --pdf``: the report as one PDF (``report.pdf``), printed by headless Chromium.

The index and every notebook page of a report folder are put into one HTML document (the index
first, then each page's body, each starting on a new page; links between the pages become links
inside the document), written into a temporary folder next to the pages, and printed over the
DevTools protocol (``Page.printToPDF``) with a header naming the client and the period and a footer
with "page / pages". The print CSS of smk/report/templates/smk.css keeps tables, figures and notes
whole. Chromium is driven over ``--remote-debugging-pipe`` with the standard library only: no
port, no websocket client, no new dependency. Debian's ``chromium`` package is enough.
"""
from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from smk.errors import SmkError
from smk.run.chromium import ChromiumError, DevTools, find_chromium
from smk.views import fmt

PDF_NAME = "report.pdf"
NO_CHROMIUM = ("--pdf needs Chromium, which is not installed (Debian/Ubuntu: apt-get install chromium, "
               "or set SMK_CHROMIUM to a Chrome/Chromium executable); the HTML report is written")
TIMEOUT = 120.0  # seconds for one DevTools reply (printing a long report takes a few seconds)


class PdfError(SmkError):
    """The PDF could not be printed (no Chromium, or Chromium failed)."""


# --- one document ------------------------------------------------------------------------------

_HEAD = re.compile(r"<head[^>]*>(.*?)</head>", re.S | re.I)
_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S | re.I)
_CLASS = re.compile(r'class="([^"]*)"')
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.S | re.I)
_NAV = re.compile(r'<nav class="smk-nav">.*?</nav>', re.S)


def _anchor(page: str) -> str:
    return "smk-page-" + re.sub(r"[^A-Za-z0-9_-]", "_", page)


def combined_html(out_dir: Path, pages: list[str], lang: str) -> str:
    """One HTML document of ``pages`` (file names in ``out_dir``, the index first): the style
    sheets of the pages (each once), then each page's body in a ``<section>`` that starts a new
    page. Links to another page of the list point inside the document. The pages are our own
    output (already escaped); nothing of the data is added here."""
    styles: list[str] = []
    sections: list[str] = []
    for i, name in enumerate(pages):
        text = (out_dir / name).read_text(encoding="utf-8")
        head = _HEAD.search(text)
        for style in _STYLE.findall(head.group(1) if head else ""):
            if style not in styles:
                styles.append(style)
        body = _BODY.search(text)
        attrs, inner = (body.group(1), body.group(2)) if body else ("", text)
        cls = _CLASS.search(attrs)
        inner = _NAV.sub("", inner)  # the "back to the index" bar has no use on paper
        brk = "" if i == 0 else ' style="break-before: page; page-break-before: always"'
        sections.append(f'<section id="{_anchor(name)}" class="smk-pdf-page {cls.group(1) if cls else ""}"{brk}>\n'
                        f"{inner}\n</section>")
    doc = "\n".join(sections)
    for name in pages:  # href="03_close_rates.html" (tiles, nav) -> href="#smk-page-03_close_rates_html"
        doc = doc.replace(f'href="{name}"', f'href="#{_anchor(name)}"')
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            + "\n".join(styles) + "\n</head>\n<body>\n" + doc + "\n</body>\n</html>\n")


def header_template(client: str, period_label: str) -> str:
    """Chromium's page header: client and period, escaped (they come from client.yml)."""
    return ('<div style="font-size:8px; width:100%; padding:0 15mm; color:#5f6b7a; '
            'font-family:system-ui, sans-serif;">'
            f'<span class="smk-pdf-client">{html.escape(client)}</span> · '
            f'<span class="smk-pdf-period">{html.escape(period_label)}</span></div>')


FOOTER_TEMPLATE = ('<div style="font-size:8px; width:100%; padding:0 15mm; text-align:right; color:#5f6b7a; '
                   'font-family:system-ui, sans-serif;"><span class="pageNumber"></span> / '
                   '<span class="totalPages"></span></div>')


def print_pdf(html_path: Path, pdf_path: Path, *, header: str, footer: str = FOOTER_TEMPLATE,
              executable: str | None = None) -> Path:
    """Print ``html_path`` (a local file) to ``pdf_path`` with Chromium: A4, backgrounds, the
    given header and footer templates (Chromium fills ``pageNumber``/``totalPages``)."""
    exe = executable or find_chromium()
    if not exe:
        raise PdfError(NO_CHROMIUM)
    try:
        browser = DevTools(exe, timeout=TIMEOUT)
    except ChromiumError as exc:
        raise PdfError(str(exc)) from None
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        browser.send("Page.enable", {}, session)
        browser.send("Page.navigate", {"url": Path(html_path).resolve().as_uri()}, session)
        browser.wait_event("Page.loadEventFired", session)
        mm = 1 / 25.4  # inches
        result = browser.send("Page.printToPDF", {
            "paperWidth": 210 * mm, "paperHeight": 297 * mm,
            "marginTop": 18 * mm, "marginBottom": 16 * mm, "marginLeft": 15 * mm, "marginRight": 15 * mm,
            "printBackground": True, "displayHeaderFooter": True,
            "headerTemplate": header, "footerTemplate": footer,
            "preferCSSPageSize": False, "transferMode": "ReturnAsStream",
        }, session)
        with open(pdf_path, "wb") as f:
            while True:
                chunk = browser.send("IO.read", {"handle": result["stream"], "size": 1 << 20}, session)
                data = chunk.get("data", "")
                f.write(base64.b64decode(data) if chunk.get("base64Encoded") else data.encode("latin-1"))
                if chunk.get("eof"):
                    break
        browser.send("IO.close", {"handle": result["stream"]}, session)
    except ChromiumError as exc:
        raise PdfError(f"{exc} (the PDF was not printed)") from None
    finally:
        browser.close()
    return pdf_path


def write_pdf(out_dir: str | Path, pages: list[str], *, client: str, period_label: str, lang: str,
              executable: str | None = None) -> Path:
    """Write ``<out_dir>/report.pdf`` from ``pages`` (HTML files in ``out_dir``, the index first).
    The combined document lives in a temporary folder inside ``out_dir`` (so the pages' relative
    links and images resolve the same way) and is removed afterwards."""
    out_dir = Path(out_dir)
    exe = executable or find_chromium()
    if not exe:
        raise PdfError(NO_CHROMIUM)
    tmp = Path(tempfile.mkdtemp(prefix=".smk-pdf-", dir=out_dir))
    try:
        combined = tmp / "report.html"
        combined.write_text(combined_html(out_dir, pages, lang), encoding="utf-8")
        part = tmp / PDF_NAME
        print_pdf(combined, part, header=header_template(client, period_label), executable=exe)
        target = out_dir / PDF_NAME
        os.replace(part, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


__all__ = ["FOOTER_TEMPLATE", "PDF_NAME", "PdfError", "combined_html", "find_chromium", "header_template",
           "print_pdf", "reprint", "write_pdf"]

def reprint(folder: str | Path) -> Path:
    """``python -m smk.run.pdf <report folder>``: print a report folder already written, with the
    client, period, language and pages its ``run.json`` names."""
    folder = Path(folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    pages = ["index.html"] + [nb["html"] for nb in run["notebooks"] if nb.get("html")]
    return write_pdf(folder, pages, client=run["client"], period_label=fmt.month(run["period"], run["lang"]),
                     lang=run["lang"])


if __name__ == "__main__":  # pragma: no cover
    try:
        print(reprint(sys.argv[1]))
    except (PdfError, OSError, KeyError, ValueError) as exc:
        sys.exit(f"error: {exc}")
