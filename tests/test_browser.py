"""The report in a real browser: headless Chromium (Debian's package, installed by
tests/browser_setup.py when missing and we are root) opens index.html and a report page of the
demo client, in Spanish and in English, over the DevTools protocol.

Asserts: the page loads, every image decodes (naturalWidth > 0), no request leaves file:// (and
data: URIs), and the two languages differ in their headings. Skipped, with the reason, only when
Chromium cannot be installed.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_setup import DevTools, ensure_chromium  # noqa: E402

pytestmark = pytest.mark.browser

IMAGES_JS = "Promise.all([...document.images].map(i => i.decode().then(() => i.naturalWidth, () => 0)))"
HEADINGS_JS = "[...document.querySelectorAll('h1, h2, h3')].map(h => h.textContent.replace('\u00b6', '').trim())"


@pytest.fixture(scope="module")
def chromium() -> str:
    path, reason = ensure_chromium()
    if not path:
        print(f"browser test skipped: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """`smk run` of the demo client's data-quality notebook in both languages."""
    from smk.cli import main

    base = tmp_path_factory.mktemp("browser")
    out = {}
    for lang in ("es", "en"):
        out[lang] = base / lang
        code = main(["run", "data/demo", "--only", "00", "--lang", lang, "--out", str(out[lang]), "--jobs", "1",
                     "--no-progress"])
        assert code == 0
    return out


def external(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(("file://", "data:"))]


def test_detector_sees_an_external_request(chromium, tmp_path):
    """Negative control: a page that asks for an http URL is caught (so the checks below can fail)."""
    page_path = tmp_path / "leaky.html"
    page_path.write_text('<!DOCTYPE html><html><body><h1>x</h1><img src="http://127.0.0.1:9/pixel.png"></body></html>',
                         encoding="utf-8")
    with DevTools(chromium) as tools:
        page = tools.open(page_path.as_uri())
        widths = page.evaluate(IMAGES_JS)
        urls = page.requested_urls()
    assert widths == [0]  # the broken image does not decode
    assert external(urls) == ["http://127.0.0.1:9/pixel.png"]


def test_index_and_report_load_offline_with_images_in_both_languages(chromium, reports):
    headings = {}
    with DevTools(chromium) as tools:
        for lang, folder in reports.items():
            index = tools.open((folder / "index.html").as_uri())
            assert index.evaluate("document.readyState") == "complete"
            assert index.evaluate("document.documentElement.lang") == lang
            links = index.evaluate("[...document.querySelectorAll('.smk-tile h3 a')].map(a => a.href)")
            assert links == [(folder / "00_data_quality.html").as_uri()]
            assert index.evaluate(IMAGES_JS) is not None
            assert external(index.requested_urls()) == []
            index_headings = index.evaluate(HEADINGS_JS)

            report = tools.open(links[0])
            widths = report.evaluate(IMAGES_JS)
            assert widths and all(w > 0 for w in widths), widths  # 00 draws one chart
            assert external(report.requested_urls()) == []
            assert report.evaluate("document.querySelectorAll('.smk-table').length") >= 3
            # the back link points at the index next to it
            assert report.evaluate("document.querySelector('.smk-nav a').href") == (folder / "index.html").as_uri()
            headings[lang] = index_headings + report.evaluate(HEADINGS_JS)
    assert headings["es"] != headings["en"]
    assert "Calidad de los datos" in headings["es"] and "Data quality" in headings["en"]
    assert not set(headings["es"]) & {"Data quality", "What the data allows"}
    assert not set(headings["en"]) & {"Calidad de los datos", "Qué permiten los datos"}
