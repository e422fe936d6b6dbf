"""smk.run.runner: notebook discovery and conventions, HTML export, index, and `smk run` on a tiny
hand-made client with planted notebooks (one fine, one failing at a known cell, one needing data
the client lacks), plus the end-to-end run on the demo client."""
from __future__ import annotations

import argparse
import base64
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from smk.run import runner
from smk.client import Client
from smk.io.config import parse_config
from smk.views import fmt
from smk.io.ledger import Ledger
from smk.report import PROJECT_ROOT

PARAMS = ('client_dir = "data/demo"  # client folder\n'
          'period = ""  # YYYY-MM\n'
          'lang = "en"  # es or en\n'
          'output_dir = ""  # report folder')

# 1×1 PNG, to check that images are embedded as data URIs
PNG_1PX = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a1e6e0a80000000049454e44ae426082")).decode()


def tag(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def hidden(cell):
    cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def make_nb(body: list, requires=(), title="quality.title") -> nbformat.NotebookNode:
    """A notebook in the house form: parameters, setup, a hidden heading cell (the title, from the
    catalogue), then ``body``; ``title`` is a catalogue key."""
    nb = new_notebook(cells=[
        tag(new_code_cell(PARAMS), "parameters"),
        SETUP,
        hidden(new_code_cell(f'ctx.heading("{title}", level=1)')),
        *body,
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["smk"] = {"requires": list(requires), "title": title}
    return nb


SETUP = new_code_cell("import smk.report\nctx = smk.report.setup(client_dir=client_dir, period=period, lang=lang, output_dir=output_dir)")
#: catalogue keys used as the planted notebooks' titles (en / es)
FINE, BROKEN, TRAFFIC = "quality.title", "report.index.failed", "report.capabilities.web_traffic"


@pytest.fixture
def notebooks(tmp_path) -> Path:
    d = tmp_path / "notebooks"
    d.mkdir()
    nbformat.write(make_nb([
        new_code_cell("ctx.table(ctx.client.leads[['lead_id', 'owner', 'email']], max_rows=10)"),
        new_code_cell('ctx.save_headlines("01", [ctx.headline("quality.headline.leads_read", len(ctx.client.leads), "int")])'),
    ], title=FINE), d / "01_fine.ipynb")
    nbformat.write(make_nb([
        new_code_cell("x = 1"),
        new_code_cell('z = 0\nraise ValueError("planted failure")'),
        new_code_cell("y = 2"),
    ], title=BROKEN), d / "02_broken.ipynb")
    nbformat.write(make_nb([new_code_cell("1 / 0")], requires=["leads", "web_traffic"], title=TRAFFIC),
                   d / "03_traffic.ipynb")
    (d / "notes.ipynb").write_text("{}")  # not NN_name: ignored
    return d


@pytest.fixture
def tiny_client(tmp_path) -> Path:
    d = tmp_path / "tiny"
    d.mkdir()
    (d / "client.yml").write_text(
        "name: Tiny Co\ncurrency: EUR\nlang: es\ntimezone: Europe/Madrid\n"
        "tables:\n  leads:\n    file: leads.csv\n", encoding="utf-8")
    (d / "leads.csv").write_text(
        "lead_id,created_at,owner,email,status\n"
        "L1,2026-01-05 10:00,ana,a@x.com,won\n"
        "L2,2026-01-06 11:00,luis,b@y.com,lost\n"
        "L2,2026-01-07 11:00,luis,=HYPERLINK(1),lost\n"  # duplicate id: set aside (row 4)
        "L3,2026-02-10 09:00,ana,,open\n"
        "L4,2026-02-11 09:00,ana,c@z.com,open\n", encoding="utf-8")
    return d


# --- discovery and conventions ----------------------------------------------------------------

def test_discover_and_select(notebooks):
    specs = runner.discover(notebooks)
    assert [s.name for s in specs] == ["01_fine", "02_broken", "03_traffic"]
    assert specs[2].requires == ("leads", "web_traffic")
    assert specs[1].title_in("es") == "Este análisis falló" and specs[0].title_in("en") == "Data quality"
    assert [s.id for s in runner.select(specs, "3, 01")] == ["01", "03"]
    assert runner.select(specs, None) == specs
    with pytest.raises(runner.ConfigError, match="no notebook 07"):
        runner.select(specs, "07")


def test_a_notebook_without_a_catalogue_title_is_named_by_its_file(tmp_path):
    nb = make_nb([])
    nb.metadata["smk"] = {}
    nbformat.write(nb, tmp_path / "04_x.ipynb")
    assert runner.read_spec(tmp_path / "04_x.ipynb").title_in("es") == "04_x"
    assert "metadata smk.title must be a catalogue key" in "\n".join(runner.check_notebook(tmp_path / "04_x.ipynb"))


def test_check_notebook_accepts_the_convention_and_names_each_violation(notebooks, tmp_path):
    assert runner.check_notebook(notebooks / "01_fine.ipynb") == []
    bad = new_notebook(cells=[
        tag(new_markdown_cell("# Only English"), "lang-en"),
        tag(new_code_cell('client_dir = "data/demo"  # folder\nperiod = "2026-" + "01"  # derived\nlang = "en"'), "parameters"),
        new_code_cell("def helper():\n    return 1"),
        new_code_cell("for i in range(3):\n    pass"),
        tag(new_code_cell("widget = 1"), "interactive"),
        new_code_cell('ctx.say("quality.intro")'),
    ])
    bad.metadata["smk"] = {"requires": ["telepathy"], "title": {"en": "Old", "es": "Viejo"}}
    nbformat.write(bad, tmp_path / "9_bad.ipynb")
    problems = "\n".join(runner.check_notebook(tmp_path / "9_bad.ipynb"))
    for expected in ("name is not NN_name.ipynb", "line 2: not a literal", "lacks `output_dir`",
                     "line 3: add a comment", "`FunctionDef`", "`For`", "`interactive` without `nbval-skip`",
                     "cell 0: markdown", "cell 5: a narrative cell (ctx.say / ctx.heading only) must hide its input",
                     "smk.title must be a catalogue key", "unknown capabilities: telepathy"):
        assert expected in problems, expected
    bad.metadata["smk"]["title"] = "quality.nope"
    nbformat.write(bad, tmp_path / "9_bad.ipynb")
    assert "metadata smk.title 'quality.nope' is not in the en, es catalogue" in runner.check_notebook(tmp_path / "9_bad.ipynb")


# --- export -----------------------------------------------------------------------------------

def executed_notebook() -> nbformat.NotebookNode:
    heading = '<h1>Calidad de los datos</h1>'
    nb = make_nb([
        new_code_cell("plot", outputs=[
            new_output("stream", name="stderr", text="UserWarning: /tmp/ipykernel_1/2.py noisy\n"),
            new_output("display_data", data={"image/png": PNG_1PX, "text/plain": "<Figure size 1x1>"}),
        ]),
        tag(new_code_cell("ui", outputs=[new_output("stream", name="stdout", text="WIDGET-OUTPUT\n")]), "interactive"),
        new_code_cell("t", outputs=[new_output("execute_result", data={"text/html": "<table class='smk-table'><tr><td>42</td></tr></table>"},
                                               execution_count=3)]),
    ])
    nb.cells[0].source = PARAMS + "\nSECRET_SOURCE = 1"
    nb.cells[2].outputs = [new_output("display_data", data={"text/html": heading, "text/plain": "Calidad de los datos"})]
    return nb


def test_export_html_offline_and_no_code(tmp_path):
    path = runner.export_html(executed_notebook(), tmp_path / "x.html", lang="es", title="Bien", client="Tiny Co",
                              period_label="enero 2026", notebook="01_fine")
    page = path.read_text(encoding="utf-8")
    assert '<html lang="es">' in page
    assert "<h1>Calidad de los datos</h1>" in page  # the narrative is the output of ctx.heading
    assert "WIDGET-OUTPUT" not in page  # interactive cell removed
    assert "SECRET_SOURCE" not in page and "client_dir" not in page and "ctx.heading" not in page  # no code
    assert "noisy" not in page  # stderr dropped
    assert f"data:image/png;base64,{PNG_1PX}" in page  # image embedded
    assert "42" in page and "Tiny Co · enero 2026" in page and 'href="index.html"' in page
    assert "<title>Bien</title>" in page and '<meta content="01_fine" name="smk-notebook"/>' in page
    # nothing loaded from elsewhere: no script with a src, no stylesheet link, no @import / url(http…)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    assert "break-inside: avoid" in page  # print CSS
    en = runner.export_html(executed_notebook(), tmp_path / "y.html", lang="en", title="Fine", client="Tiny Co",
                            period_label="January 2026", notebook="01_fine").read_text(encoding="utf-8")
    assert "← Index" in en and "← Índice" not in en


def test_export_html_escapes_the_client_name_once(tmp_path):
    page = runner.export_html(executed_notebook(), tmp_path / "x.html", lang="en", title="Fine",
                              client="<b>A&B</b>", period_label="<1 % & more", notebook="01_fine").read_text(encoding="utf-8")
    assert '<span class="smk-nav-client">&lt;b&gt;A&amp;B&lt;/b&gt; · &lt;1 % &amp; more</span>' in page


# --- settings and environment -----------------------------------------------------------------

def fake_client(period=None, lang="es") -> Client:
    data = {"name": "Tiny Co", "lang": lang, "tables": {"leads": {"file": "leads.csv"}}}
    if period:
        data["period"] = period
    return Client(config=parse_config(data), tables={"leads": pd.DataFrame({"lead_id": ["L1"]})}, ledger=Ledger(),
                  rows_in={"leads": 1}, data_end=pd.Timestamp("2026-04-20 23:00", tz="UTC"))


def test_flags_override_client_defaults():
    ns = argparse.Namespace(client_dir="data/acme", period=None, lang=None, out=None)
    # data_end 2026-04-20 is before the last day of April → last complete month 2026-03
    assert runner._resolve_settings(ns, fake_client()) == ("2026-03", "es", PROJECT_ROOT / "reports" / "acme" / "2026-03")
    assert runner._resolve_settings(ns, fake_client(period="2025-11"))[0] == "2025-11"  # client.yml period
    # a relative --out is taken from where the user stands
    ns = argparse.Namespace(client_dir="data/acme", period="2026-01", lang="en", out="out/x")
    assert runner._resolve_settings(ns, fake_client(period="2025-11")) == ("2026-01", "en", Path.cwd() / "out" / "x")
    with pytest.raises(runner.ConfigError, match="YYYY-MM"):
        runner._resolve_settings(argparse.Namespace(client_dir="d", period="2026-1", lang=None, out=None), fake_client())


def test_kernel_env_is_fixed_and_under_the_given_folder(tmp_path):
    env = runner.kernel_env(tmp_path)
    for key in ("HOME", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        assert Path(env[key]).is_dir() and Path(env[key]).is_relative_to(tmp_path), key
    assert env["SMK_BATCH"] == "1" and env["PYTHONHASHSEED"] == "0"
    assert env == runner.kernel_env(tmp_path)  # repeatable


# --- smk run on the tiny client -----------------------------------------------------------------

def test_run_finishes_the_others_and_names_the_failure(tiny_client, notebooks, tmp_path, capsys):
    out = tmp_path / "report"
    from smk.cli import main

    code = main(["run", str(tiny_client), "--out", str(out), "--jobs", "2", "--notebooks", str(notebooks),
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    # executed cells: 0 parameters, 1 injected-parameters, 2 setup, 3 heading, 4 x = 1, 5 raise
    # execution counts: parameters 1, injected 2, setup 3, heading 4, x 5, raise 6; the raise is line 2 of its cell
    assert ("error: 02_broken: cell 5 (In [6]), line 2 `raise ValueError(\"planted failure\")`: "
            "ValueError: planted failure") in captured.err
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {r["name"]: r["status"] for r in run["notebooks"]}
    assert status == {"01_fine": "ok", "02_broken": "failed", "03_traffic": "not_enough_data"}
    assert run["period"] == "2026-01" and run["lang"] == "es"  # client.yml lang; data ends 11 Feb → January

    # the failed notebook keeps its partial executed copy: x ran, y did not
    partial = nbformat.read(out / "02_broken.ipynb", as_version=4)
    by_src = {c.source: c for c in partial.cells if c.cell_type == "code"}
    assert by_src["x = 1"].execution_count == 5 and by_src["y = 2"].execution_count is None
    assert not (out / "02_broken.html").exists()

    # the fine notebook: executed copy, HTML without PII, headlines
    page = (out / "01_fine.html").read_text(encoding="utf-8")
    assert "<h1>Calidad de los datos</h1>" in page and "L4" in page and "a@x.com" not in page
    heads = json.loads((out / "01.headlines.json").read_text(encoding="utf-8"))
    # 5 rows read, one duplicate set aside → 4 leads kept
    assert heads["items"] == [{"key": "quality.headline.leads_read", "label": "Leads leídos", "value": 4, "display": "4"}]

    # not enough data: a page saying so, no execution
    assert not (out / "03_traffic.ipynb").exists()
    assert "No hay datos suficientes" in (out / "03_traffic.html").read_text(encoding="utf-8")

    # index: one tile per notebook, with headline / error / missing data
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<article class="smk-tile') == 3
    assert re.search(r'id="nb-01".*?Leads leídos</dt><dd>4</dd>', index, re.S)
    assert re.search(r'id="nb-02".*?ValueError: planted failure', index, re.S)
    assert re.search(r'id="nb-03".*?tráfico web por canal', index, re.S)
    assert "Tiny Co" in index and fmt.month("2026-01", "es") in index  # "enero de 2026"

    # ledger CSV: spreadsheet-safe, PII hidden (the duplicate row's email is not even listed: column lead_id)
    ledger = (out / runner.LEDGER_CSV).read_text(encoding="utf-8-sig")
    assert "duplicate_id" in ledger and "L2" in ledger and "a@x.com" not in ledger

    # summary table printed at the end
    assert re.search(r"^02_broken\s+failed\s+[\d.]+ s\s+02_broken: cell 5 \(In \[6\]\), line 2", captured.out, re.M)
    assert re.search(r"^03_traffic\s+not_enough_data\s+[\d.]+ s\s+needs web_traffic", captured.out, re.M)


def test_only_runs_the_selected_notebook_in_process(tiny_client, notebooks, tmp_path, capsys):
    out = tmp_path / "only"
    from smk.cli import main

    code = main(["run", str(tiny_client), "--out", str(out), "--jobs", "1", "--notebooks", str(notebooks),
                 "--only", "01", "--lang", "en", "--period", "2026-02", "--no-progress"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "01.headlines.json", "01_fine.html", "01_fine.ipynb", "data_quality_ledger.csv", "index.html", "run.json"]
    page = (out / "01_fine.html").read_text(encoding="utf-8")
    assert "<h1>Data quality</h1>" in page and "Calidad de los datos" not in page
    # the injected parameters reached the notebook
    executed = nbformat.read(out / "01_fine.ipynb", as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'period = "2026-02"' in injected.source and 'lang = "en"' in injected.source
    assert "February 2026" in (out / "index.html").read_text(encoding="utf-8")


# --- end to end on the demo client --------------------------------------------------------------

@pytest.mark.slow
def test_smk_run_on_the_demo_client(tmp_path, capsys):
    from smk.cli import main

    out = tmp_path / "demo"
    code = main(["run", "data/demo", "--out", str(out), "--jobs", "2", "--no-progress"])
    captured = capsys.readouterr()
    specs = runner.discover()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    failed = [r for r in run["notebooks"] if r["status"] == "failed"]
    assert code == (1 if failed else 0), captured.err
    assert not failed, captured.err
    index = (out / "index.html").read_text(encoding="utf-8")
    for spec in specs:
        r = next(r for r in run["notebooks"] if r["id"] == spec.id)
        assert (out / f"{spec.name}.html").exists(), spec.name
        if r["status"] == "ok":
            assert (out / f"{spec.name}.ipynb").exists()
            assert f'href="{spec.name}.html"' in index
        assert f'id="nb-{spec.id}"' in index
    assert (out / runner.LEDGER_CSV).exists()
    assert (out / "00.headlines.json").exists()
    assert index.count('<article class="smk-tile') == len(specs)


# --- smk refresh and nbval on a planted notebook -------------------------------------------------

def test_refresh_in_place_then_nbval_passes_and_catches_a_changed_output(tiny_client, tmp_path):
    import os
    import subprocess

    d = tmp_path / "nbs"
    d.mkdir()
    params = (f'client_dir = "{tiny_client}"  # client folder\nperiod = "2026-01"  # YYYY-MM\n'
              f'lang = "en"  # es or en\noutput_dir = "{tmp_path / "out"}"  # report folder')
    nb = make_nb([
        new_code_cell("ctx.table(ctx.client.leads[['lead_id', 'owner']])"),
        tag(new_code_cell("print('widgets here')"), "interactive", "nbval-skip"),
        new_code_cell("import warnings\nwarnings.warn('planted warning')"),
        new_code_cell("len(ctx.client.leads)"),
    ])
    nb.cells[0].source = params
    path = d / "05_refresh.ipynb"
    nbformat.write(nb, path)
    assert runner.check_notebook(path) == []

    code = runner.run_refresh(argparse.Namespace(only=None, notebooks=str(d), timeout=120))
    assert code == 0
    done = nbformat.read(path, as_version=4)
    code_cells = [c for c in done.cells if c.cell_type == "code"]
    # parameters 1, setup 2, heading 3, table 4, (interactive skipped), warning 5, len 6
    assert [c.execution_count for c in code_cells] == [1, 2, 3, 4, None, 5, 6]
    assert code_cells[4].outputs == []
    assert code_cells[6].outputs[0]["data"]["text/plain"] == "4"  # 5 rows read, 1 duplicate set aside
    assert "<td class=\"txt\">L4</td>" in code_cells[3].outputs[0]["data"]["text/html"]
    assert code_cells[2].outputs[0]["data"]["text/html"] == "<h1>Data quality</h1>"
    assert all("execution" not in c.metadata for c in code_cells)
    warning = code_cells[5].outputs[0]
    assert warning["name"] == "stderr" and "planted warning" in warning["text"]

    env = {**os.environ, **runner.kernel_env()}
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(runner.nbval_command([path]), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    # the warning's /tmp/ipykernel_<pid>/<n>.py path differs per run: the sanitizer makes it pass
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"\b6 passed, 1 skipped\b", proc.stdout), proc.stdout[-1000:]

    # a stored output that no longer matches makes nbval fail
    done.cells[-1].outputs[0]["data"]["text/plain"] = "5"
    nbformat.write(done, path)
    proc = subprocess.run(runner.nbval_command([path]), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 1 and "1 failed" in proc.stdout
