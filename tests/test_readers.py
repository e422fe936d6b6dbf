"""Spreadsheet-safe output: formula injection is neutralised (OWASP CSV injection)."""
import csv

import openpyxl
import pandas as pd

import smk
from smk.io.readers import neutralise_cell, write_csv_safe, write_xlsx_safe

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_each_dangerous_prefix_is_neutralised():
    for value in HOSTILE:
        assert neutralise_cell(value) == "'" + value
    assert neutralise_cell("Acme") == "Acme" and neutralise_cell(-5) == -5  # numbers stay numbers


def test_csv_and_xlsx_with_a_hostile_company_name(tmp_path):
    df = pd.DataFrame({"company": HOSTILE + ["Acme"], "amount": [1, 2, 3, 4, 5, 6, -7]})
    path = write_csv_safe(df, tmp_path / "out.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["company"] for r in rows][:6] == ["'" + v for v in HOSTILE]
    assert rows[-1]["company"] == "Acme" and rows[-1]["amount"] == "-7"
    xpath = write_xlsx_safe(df, tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(xpath).active
    cells = [ws.cell(row=i, column=1) for i in range(2, 9)]
    assert all(c.data_type == "s" for c in cells)  # stored as text, not as formula ('f')
    assert cells[0].value.startswith("'=HYPERLINK")


def test_ledger_export_of_a_client_with_a_hostile_value(make_client, tmp_path):
    yml = "name: X\ntimezone: UTC\ntables:\n  leads:\n    file: c.csv\n    columns: {lead_id: Id, created_at: Fecha}\n"
    c = smk.load_client(make_client(yml, {"c.csv": 'Id,Fecha\n1,2026-01-01\n1,=cmd|"/c calc"!A1\n'}), as_of="2026-11-23")
    path = write_csv_safe(c.ledger.to_frame(), tmp_path / "ledger.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=cmd" in text and ",=cmd" not in text
