"""Hostile input for the commands (issue 17, item 2 and the "also" list): every command takes a
relative path from where the user stands (`smk run mv` from the folder holding mv/); the ledger
written by `smk validate --ledger` and by `smk run` hides e-mails and phone numbers, also inside
other text, unless client.yml says ``report: {show_pii: true}``; the data-quality report shows none."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from smk.cli import main

PARAMS = ('client_dir = "data/demo"  # client folder\n'
          'period = ""  # YYYY-MM\n'
          'lang = "en"  # es or en\n'
          'output_dir = ""  # report folder')


def planted(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    params = new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_code_cell(
        "import smk.report\nctx = smk.report.setup(client_dir=client_dir, period=period, lang=lang, output_dir=output_dir)\n"
        "ctx.table(ctx.client.leads[['lead_id', 'owner']])")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["smk"] = {"requires": ["leads"], "title": "quality.title"}
    nbformat.write(nb, folder / "01_planted.ipynb")
    return folder


def client(folder: Path, show_pii: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.yml").write_text(
        "name: Movers\ntimezone: UTC\nlang: en\n" + ("report:\n  show_pii: true\n" if show_pii else "")
        + "tables:\n  leads:\n    file: leads.csv\n", encoding="utf-8")
    (folder / "leads.csv").write_text(
        "lead_id,created_at,owner,email\n"
        "L1,2026-01-05 10:00,ana,a@x.com\n"
        "L2,call +34 600 111 222,luis,b@y.com\n"           # an unreadable date holding a phone number
        "L3,write to c@z.com,ana,c@z.com\n"                # ... and one holding an e-mail address
        "L4,2026-02-11 09:00,ana,\n", encoding="utf-8")
    return folder


def ledger_values(path: Path) -> list[str]:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str)["value"].fillna("").tolist()


# --- paths from where the user stands --------------------------------------------------------------

def test_run_and_validate_take_relative_paths_from_the_current_folder(tmp_path, monkeypatch, capsys):
    client(tmp_path / "mv")
    planted(tmp_path / "nbs")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "mv", "--ledger", "ledger.csv"]) == 0
    assert (tmp_path / "ledger.csv").exists()
    assert main(["run", "mv", "--notebooks", "nbs", "--out", "rep", "--jobs", "1", "--no-progress"]) == 0
    assert (tmp_path / "rep" / "index.html").exists() and (tmp_path / "rep" / "01_planted.html").exists()
    executed = nbformat.read(tmp_path / "rep" / "01_planted.ipynb", as_version=4)
    assert executed.metadata["papermill"]["parameters"]["client_dir"] == str(tmp_path / "mv")
    assert capsys.readouterr().err == ""


# --- PII in the ledger and the reports -------------------------------------------------------------

def test_validate_ledger_hides_emails_and_phones_unless_allowed(tmp_path, capsys):
    hidden = tmp_path / "hidden.csv"
    assert main(["validate", str(client(tmp_path / "c1")), "--ledger", str(hidden)]) == 0
    values = ledger_values(hidden)
    assert values == ["call [hidden]", "write to [hidden]"]
    text = hidden.read_text(encoding="utf-8-sig")
    assert "600 111 222" not in text and "c@z.com" not in text
    shown = tmp_path / "shown.csv"
    assert main(["validate", str(client(tmp_path / "c2", show_pii=True)), "--ledger", str(shown), "--lang", "es"]) == 0
    assert ledger_values(shown) == ["call +34 600 111 222", "write to c@z.com"]
    meaning = pd.read_csv(shown, encoding="utf-8-sig", dtype=str)["meaning"].tolist()
    assert meaning == ["no es una fecha legible", "no es una fecha legible"]  # --lang es


@pytest.mark.parametrize("show_pii", [False, True])
def test_run_ledger_and_quality_report_hide_contact_data(tmp_path, show_pii):
    from smk.run import runner

    folder = client(tmp_path / "c", show_pii=show_pii)
    out = tmp_path / "report"
    nb00 = runner.NOTEBOOKS_DIR / "00_data_quality.ipynb"
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    (nbs / nb00.name).write_bytes(nb00.read_bytes())
    assert main(["run", str(folder), "--notebooks", str(nbs), "--out", str(out), "--jobs", "1", "--no-progress"]) == 0
    values = ledger_values(out / runner.LEDGER_CSV)
    page = (out / "00_data_quality.html").read_text(encoding="utf-8")
    executed = (out / "00_data_quality.ipynb").read_text(encoding="utf-8")
    if show_pii:
        assert values == ["call +34 600 111 222", "write to c@z.com"]
        assert "+34 600 111 222" in page
    else:
        assert values == ["call [hidden]", "write to [hidden]"]
        for text in (page, executed, json.dumps(values)):
            assert "600 111 222" not in text and "c@z.com" not in text and "a@x.com" not in text
        assert "call [hidden]" in page
