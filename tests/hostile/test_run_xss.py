"""Script payloads in the exports and in the client's name (issue 17, item 1): after `smk run` of
every notebook, no payload executes in a real browser (none can change ``document.title``), no
``javascript:`` link exists, no element carries a payload's event handler, and the markdown files of
the report hold no raw HTML or script link.

The client is the demo client with payloads typed into text columns of every export (mapped columns
such as owner, team, company, job title, asset, rep; unmapped values of value-mapped columns, which
reach the ledger and the data-quality report) and into client.yml's ``name``; the SLA agreement
is drawn per job title, the field a web form lets anybody fill in.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import mistune
import pandas as pd
import pytest
import yaml

from smk.cli import main
from smk.report import PROJECT_ROOT

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_setup import DevTools, ensure_chromium  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MARK = "XSS"
PAYLOADS = [
    f"<script>document.title='{MARK}'</script>",
    f"<img src=x onerror=\"document.title='{MARK}'\">",
    f"<svg onload=\"document.title='{MARK}'\"></svg>",
    f"javascript:document.title='{MARK}'",
    f"[click](javascript:document.title='{MARK}')",
    f"<a href=\"javascript:document.title='{MARK}'\">click</a>",
    f"</title><script>document.title='{MARK}'</script>",
]
#: export -> text columns (source names) whose values are partly replaced by payloads
TEXT_COLUMNS = {
    "hubspot_contacts.csv": ["Contact owner", "HubSpot Team", "Company Name", "Industry", "Country/Region", "Job Title"],
    "hubspot_contact_activity.csv": ["Asset"],
    "salesforce_tasks.csv": ["Assigned"],
    "hubspot_deals.csv": ["Deal owner", "Team"],
}
#: export -> value-mapped columns that get one row with a payload (set aside or cleared: the ledger)
MAPPED_COLUMNS = {
    "hubspot_contacts.csv": ["Original Source", "First Conversion"],  # (an unmapped status stops the load: by design)
    "hubspot_contact_activity.csv": ["Event Type"],
}

CHECK_JS = f"""new Promise(done => setTimeout(() => done({{
  title: document.title,
  js_links: [...document.querySelectorAll('a[href], area[href]')].map(a => a.getAttribute('href'))
            .filter(h => /^\\s*javascript:/i.test(h)),
  scripts: [...document.scripts].filter(s => s.textContent.includes("{MARK}")).length,
  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])
            .filter(a => a.name.startsWith('on') && a.value.includes("{MARK}")).map(a => a.name),
}}), 500))"""


def hostile_client(folder: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "data" / "demo", folder)
    cfg = yaml.safe_load((folder / "client.yml").read_text(encoding="utf-8"))
    cfg["name"] = "Acme " + PAYLOADS[0] + PAYLOADS[1]
    cfg.setdefault("sla", {})["lead_type"] = "job_title"
    (folder / "client.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in TEXT_COLUMNS.keys() | MAPPED_COLUMNS.keys():
        tcfg = next(t for t in cfg["tables"].values() if t["file"] == name)
        sep, enc = tcfg.get("delimiter", ","), tcfg.get("encoding", "utf-8")
        df = pd.read_csv(folder / name, sep=sep, encoding=enc, dtype=str, keep_default_na=False)
        for col in TEXT_COLUMNS.get(name, []):
            rows = df.index[::29]
            df.loc[rows, col] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(rows))]
        extra = []
        for j, col in enumerate(MAPPED_COLUMNS.get(name, [])):
            row = df.iloc[j].copy()
            row[col] = PAYLOADS[j % len(PAYLOADS)]
            extra.append(row)
        if extra:
            df = pd.concat([df, pd.DataFrame(extra)], ignore_index=True)
        df.to_csv(folder / name, sep=sep, encoding=enc, index=False)
    return folder


@pytest.fixture(scope="module")
def chromium() -> str:
    path, reason = ensure_chromium()
    if not path:
        pytest.skip(reason)
    return path


def test_no_payload_runs_in_any_page_of_the_report(tmp_path, chromium):
    client = hostile_client(tmp_path / "acme")
    out = tmp_path / "report"
    code = main(["run", str(client), "--out", str(out), "--jobs", "2", "--no-progress"])
    assert code == 0, "a notebook failed on the hostile client"
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 8  # index + every notebook
    found = {}
    with DevTools(chromium) as tools:
        for page in pages:
            state = tools.open(page.as_uri()).evaluate(CHECK_JS)
            assert state["title"] != MARK, page.name
            found[page.name] = state
    assert {n: s for n, s in found.items() if s["js_links"] or s["scripts"] or s["handlers"]} == {}
    # the payloads reached the pages, as text (so the checks above looked at something)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Acme &lt;script&gt;document.title=&#39;XSS&#39;&lt;/script&gt;" in index
    quality = (out / "00_data_quality.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=" in quality
    # markdown beside the report (the SLA agreement): rendered as nbconvert and most viewers do (raw
    # HTML passed through), it holds no element a payload made and no javascript: link
    render = mistune.create_markdown(escape=False, plugins=["table"])
    for md in out.glob("*.md"):
        rendered = render(md.read_text(encoding="utf-8"))
        assert MARK in rendered  # the payloads are there, as text
        assert not re.search(r"<(script|img|svg|a)\b|href=[\"']?\s*javascript:", rendered, re.I), md.name


def test_the_checks_see_a_payload_that_runs(tmp_path, chromium):
    """Negative control: the same payloads left unescaped are caught by every check above."""
    page = tmp_path / "leaky.html"
    page.write_text("<!DOCTYPE html><html><head><title>ok</title></head><body>" + "".join(PAYLOADS[1:3])
                    + PAYLOADS[5] + PAYLOADS[0] + "</body></html>", encoding="utf-8")
    with DevTools(chromium) as tools:
        state = tools.open(page.as_uri()).evaluate(CHECK_JS)
    assert state["title"] == MARK
    assert state["js_links"] == ["javascript:document.title='XSS'"] and state["scripts"] == 1
    assert sorted(state["handlers"]) == ["onerror", "onload"]
