"""`smk validate`: readable summary, exit codes, ledger export."""
import pandas as pd

from smk.cli import main

YML = ("name: Val Co\ntimezone: UTC\ntables:\n  leads:\n    file: c.csv\n"
       "    columns: {lead_id: Id, created_at: Fecha, company: Empresa}\n")


def test_summary_counts_and_analyses(make_client, capsys, tmp_path):
    folder = make_client(YML, {"c.csv": "Id,Fecha,Empresa\n1,2026-01-05,A\n1,2026-01-06,B\n2,nope,C\n"})
    rc = main(["validate", str(folder), "--ledger", str(tmp_path / "ledger.csv"), "--as-of", "2026-11-23"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "3 in" in out and "1 kept" in out and "2 set aside" in out
    assert "duplicate_id" in out and "bad_date" in out
    assert "not provided: activities, contact_attempts, deals" in out
    assert "outcomes=no" in out
    led = pd.read_csv(tmp_path / "ledger.csv", encoding="utf-8-sig")
    assert sorted(led["reason"]) == ["bad_date", "duplicate_id"] and sorted(led["source_row"]) == [3, 4]


def test_fatal_problem_exits_non_zero_with_the_reason(make_client, capsys):
    folder = make_client(YML.replace("Empresa}", "Empresa, stage: x}"), {"c.csv": "Id,Fecha,Empresa\n1,2026-01-05,A\n"})
    rc = main(["validate", str(folder)])
    assert rc == 2 and "unknown canonical column(s) 'stage'" in capsys.readouterr().err


def test_no_usable_leads_is_fatal(make_client, capsys):
    folder = make_client(YML, {"c.csv": "Id,Fecha,Empresa\n1,garbage,A\n"})
    assert main(["validate", str(folder)]) == 1
    assert "no usable leads" in capsys.readouterr().out
