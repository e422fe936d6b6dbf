"""``smk run … --pdf``: report.pdf printed by headless Chromium (smk.run.pdf), read back with pypdf.

On the demo client's notebooks 00 and 03, in English and in Spanish: more pages than HTML pages
included, text extractable, the index heading and every heading (h1/h2) of every included page
present in the report's language (and the other language's notebook titles absent), every page
headed by the client and the period and numbered "i / N", every chart drawn on one page only. Without Chromium: one error line, no
traceback, the HTML report written, exit 2. The end-to-end tests are marked ``browser`` and skip,
with the reason, only when Chromium cannot be found or installed (tests/browser_setup.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from smk import texts
from smk.run.notebooks import discover, select
from smk.run.pdf import PDF_NAME, combined_html, find_chromium, header_template
from smk.views import fmt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_setup import ensure_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ONLY = "00,03"
CLIENT = "Demo Corp (synthetic)"
PERIOD = "2026-10"


def squash(text: str) -> str:
    """Compare text without layout: NFKC (the PDF's 'ﬁ' ligature is 'fi'), no whitespace, no '¶'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u00b6", ""))


class Headings(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2"):
            self._depth += 1
            self.found.append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2") and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.found[-1] += data


def headings(path: Path) -> list[str]:
    p = Headings()
    p.feed(path.read_text(encoding="utf-8"))
    return [h.strip() for h in p.found if h.strip()]


def smk_run(out: Path, lang: str, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SMK_BATCH="1", OPENBLAS_NUM_THREADS="1", **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "smk", "run", "data/demo", "--only", ONLY, "--lang", lang,
                           "--out", str(out), "--pdf", "--no-progress"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def chromium() -> str:
    path, reason = ensure_chromium()
    if not path:
        print(f"pdf test skipped: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module", params=["en", "es"])
def report(request, chromium, tmp_path_factory):
    lang = request.param
    out = tmp_path_factory.mktemp(f"pdf-{lang}")
    proc = smk_run(out, lang)
    assert proc.returncode == 0, proc.stderr
    assert f"pdf: {out / PDF_NAME}" in proc.stdout
    reader = PdfReader(out / PDF_NAME)
    return lang, out, [page.extract_text() or "" for page in reader.pages]


@pytest.mark.browser
def test_pdf_pages_text_and_numbers(report):
    lang, out, pages = report
    specs = select(discover(), ONLY)
    included = ["index.html"] + [f"{s.name}.html" for s in specs]
    assert all((out / name).exists() for name in included)
    assert len(pages) > len(included)  # each page starts a new sheet, and the notebooks are longer than one
    assert sum(len(p) for p in pages) > 5000  # real text, not images of text
    n = len(pages)
    header = squash(f"{CLIENT} · {fmt.month(PERIOD, lang)}")
    for i, text in enumerate(pages, start=1):
        assert header in squash(text), f"page {i}: no header with client and period"
        assert re.search(rf"(?m)^\s*{i} / {n}\s*$", text), f"page {i}: no '{i} / {n}'"
    assert not list(out.glob(".smk-pdf-*")), "the combined HTML's temporary folder is left behind"


@pytest.mark.browser
def test_pdf_figures_not_cut(report):
    """A figure cut across two sheets is drawn on both: every chart is on exactly one page."""
    lang, out, _ = report
    pages_of = defaultdict(set)
    for i, page in enumerate(PdfReader(out / PDF_NAME).pages, start=1):
        for image in page.images:
            pages_of[hashlib.sha256(image.data).hexdigest()].add(i)
    assert len(pages_of) >= 5  # the charts of 00 and 03 are there
    assert all(len(p) == 1 for p in pages_of.values()), sorted(map(sorted, pages_of.values()))


@pytest.mark.browser
def test_pdf_has_every_heading_in_the_reports_language(report):
    lang, out, pages = report
    other = "es" if lang == "en" else "en"
    whole = squash("".join(pages))
    specs = select(discover(), ONLY)
    assert squash(texts.t("report.index.heading", lang, client=CLIENT)) in whole
    for spec in specs:
        assert squash(spec.title_in(lang)) in whole
        assert spec.title_in(other) != spec.title_in(lang)
        assert squash(spec.title_in(other)) not in whole, f"{spec.name}: {other} title in the {lang} PDF"
        found = headings(out / f"{spec.name}.html")
        assert len(found) >= 2, spec.name  # the page's title and its sections
        missing = [h for h in found if squash(h) not in whole]
        assert not missing, f"{spec.name} ({lang}): headings not in the PDF: {missing}"
    # the order of the document: the index first, then the notebooks in their order
    first = [next(i for i, p in enumerate(pages) if squash(s.title_in(lang)) in squash(p)) for s in specs]
    assert squash(texts.t("report.index.heading", lang, client=CLIENT)) in squash(pages[0])
    assert first == sorted(first)


def test_without_chromium_one_line_and_the_html_report(tmp_path):
    proc = smk_run(tmp_path, "en", {"SMK_CHROMIUM": str(tmp_path / "no-such-chromium")})
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert errors == [errors[0]] and errors[0].startswith("error: --pdf needs Chromium"), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert (tmp_path / "index.html").exists() and (tmp_path / "03_close_rates.html").exists()
    assert not (tmp_path / PDF_NAME).exists()


def test_header_escapes_client_and_period():
    h = header_template("<script>alert(1)</script> & Co", "Oct <b>")
    assert "<script>" not in h and "&lt;script&gt;" in h and "&amp; Co" in h and "Oct &lt;b&gt;" in h


def test_combined_html_index_first_links_inside(tmp_path):
    (tmp_path / "index.html").write_text('<html><head><style>.a{}</style></head><body><main>'
                                         '<a href="01_x.html">one</a></main></body></html>', encoding="utf-8")
    (tmp_path / "01_x.html").write_text('<html><head><style>.a{}</style><style>.b{}</style></head>'
                                        '<body class="jp-Notebook"><nav class="smk-nav"><a href="index.html">back</a>'
                                        '</nav><h1>One</h1></body></html>', encoding="utf-8")
    doc = combined_html(tmp_path, ["index.html", "01_x.html"], "en")
    assert doc.count("<style>.a{}</style>") == 1 and "<style>.b{}</style>" in doc
    assert doc.index('id="smk-page-index_html"') < doc.index('id="smk-page-01_x_html"')
    assert 'href="#smk-page-01_x_html"' in doc and 'href="01_x.html"' not in doc
    assert "smk-nav" not in doc  # no navigation bar on paper
    assert re.search(r'id="smk-page-01_x_html" class="smk-pdf-page jp-Notebook" style="break-before: page', doc)


def test_find_chromium_respects_smk_chromium(tmp_path, monkeypatch):
    monkeypatch.setenv("SMK_CHROMIUM", str(tmp_path / "nothing"))
    assert find_chromium() is None
