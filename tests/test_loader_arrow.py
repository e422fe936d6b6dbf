"""The loader's Arrow paths (values parsed once per distinct value, fixed-width dates read from the
Arrow buffers, tables filtered once, columns parsed two at a time) against the pandas paths they
replace: same tables (values and dtypes), same ledger rows in the same order, same errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import smk
import smk.client.loader as L
import smk.io.parsing as P
from smk.errors import ConfigError, DataError
from smk.io.readers import RawTable

YML = """
name: Arrow Co
timezone: Europe/Madrid
currency: EUR
placeholders: ["", "N/A", "-", "Select", "null"]
tables:
  leads:
    file: contacts.csv
    columns: {lead_id: Record ID, created_at: Create Date, channel: Original Source, company: Company Name,
              employees: Employees, revenue: Revenue, won: Won, lifecycle_stage: Stage, status: Lead Status,
              mql_at: MQL Date, n_page_view: Page Views}
    values:
      channel: {ORGANIC_SEARCH: organic_search, paid: paid_search}
      lifecycle_stage: {Marketing Qualified Lead: mql, Lead: lead, Customer: customer}
      status: {New: open, Customer: won, Unqualified: lost}
  activities:
    file: activity.csv
    columns: {lead_id: Contact ID, occurred_at: Timestamp, activity_type: Event Type, asset: Asset}
    values:
      activity_type: {Page View: page_view, Form Submission: form_submission}
  contact_attempts:
    file: tasks.csv
    encoding: cp1252
    date_format: "%d/%m/%Y %H:%M"
    columns: {lead_id: Lead ID, attempted_at: Date, rep: Assigned, method: Type, outcome: Result}
  deals:
    file: deals.csv
    delimiter: ";"
    columns: {deal_id: Deal ID, lead_id: Contact ID, created_at: Create Date, closed_at: Close Date,
              amount: Amount, owner: Owner}
    constants: {stage: won}
"""


def _files(n_leads: int = 300, seed: int = 5) -> dict[str, bytes]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01")
    created = start + pd.to_timedelta(rng.integers(0, 400 * 24 * 60, n_leads), unit="min")
    ids = [str(100 + i) for i in range(n_leads)]
    ids[8] = " 101"  # the same lead as "101" once trimmed: a duplicate
    ids[9] = "N/A"  # missing id: set aside
    pick = lambda options: [options[i] for i in rng.integers(0, len(options), n_leads)]  # noqa: E731
    leads = pd.DataFrame({
        "Record ID": ids,
        "Create Date": [c.strftime("%Y-%m-%d %H:%M") for c in created],
        "Original Source": pick(["ORGANIC_SEARCH", "organic_search ", "Paid", "PAID", "Select", "", "EMAIL"]),
        "Company Name": pick([" Acme ", "Acme", "Beta\u00a0", "N/A", "=cmd", "Gamma Ltd"]),
        "Employees": pick(["1.200", "24", "3.400", "-", "12", "7.000"]),
        "Revenue": pick(["€1.234,50", "€12,00", "(5,00)", "bad", "", "€0,99"]),
        "Won": pick(["yes", "no", "x", "maybe", "", "Sí"]),
        "Stage": pick(["Lead", "Marketing Qualified Lead", "customer", "LEAD", ""]),
        "Lead Status": pick(["New", "Customer", "unqualified", "New"]),
        "MQL Date": pick(["", "2025-06-01 10:00", "2025-02-30 10:00", "2031-01-01 00:00", "2024-12-01 00:00"]),
        "Page Views": pick(["3", "0", "2,5", "", "12"]),
        "Score": pick(["10", "5", "", "7"]),
        "Notes": pick(["call back", " vip ", "N/A", ""]),
    })
    leads.loc[3, "Create Date"] = "2031-05-05 10:00"  # future: set aside
    leads.loc[4, "Create Date"] = "garbage"
    leads.loc[5, "Create Date"] = "2025-03-30 02:30"  # nonexistent hour (DST)
    leads.loc[6, "Create Date"] = "2025-10-26 02:30"  # ambiguous hour (DST)
    n_act = 4000
    act_leads = [ids[i].strip() for i in rng.integers(0, n_leads, n_act)]
    act_leads[:5] = ["999999", "", "N/A", " 110", "110 "]  # unknown lead, missing, placeholder, spaces
    act_at = created[[ids.index(x) if x in ids else 0 for x in act_leads]] + pd.to_timedelta(
        rng.integers(-60, 90 * 24 * 60, n_act), unit="min")  # some before the lead was created
    activity = pd.DataFrame({
        "Contact ID": act_leads,
        "Timestamp": [t.strftime("%Y-%m-%d %H:%M") for t in act_at],
        "Event Type": [["Page View", "page view", "Form Submission", "Webinar", ""][i] for i in rng.integers(0, 5, n_act)],
        "Asset": [["/pricing", " /blog ", "N/A", "/features"][i] for i in rng.integers(0, 4, n_act)],
    })
    activity.loc[[10, 20, 30], "Timestamp"] = ["2031-03-14 10:15", "2025-02-29 10:00", " 2025-05-01 10:00"]
    n_att = 1500
    att_at = start + pd.to_timedelta(rng.integers(0, 400 * 24 * 60, n_att), unit="min")
    tasks = pd.DataFrame({
        "Lead ID": [ids[i].strip() for i in rng.integers(0, n_leads, n_att)],
        "Date": [t.strftime("%d/%m/%Y %H:%M") for t in att_at],
        "Assigned": [["Hélène Dubois", "José Núñez", ""][i] for i in rng.integers(0, 3, n_att)],
        "Type": [["Call", "Email", "call"][i] for i in rng.integers(0, 3, n_att)],
        "Result": [["Connected", "No Answer", "-"][i] for i in rng.integers(0, 3, n_att)],
    })
    tasks.loc[[3, 4], "Date"] = ["45/13/2026 09:30", "1/2/2025 9:05"]
    n_deals = 120
    deal_created = start + pd.to_timedelta(rng.integers(0, 300 * 24 * 60, n_deals), unit="min")
    deals = pd.DataFrame({
        "Deal ID": [f"D{i}" for i in range(n_deals)],
        "Contact ID": [ids[i].strip() for i in rng.integers(0, n_leads, n_deals)],
        "Create Date": [t.strftime("%Y-%m-%d %H:%M") for t in deal_created],
        "Close Date": [(t + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d %H:%M")
                       for t, d in zip(deal_created, rng.integers(-3, 60, n_deals))],
        "Amount": [["€1.200,00", "-€5,00", "€300,50", "N/A"][i] for i in rng.integers(0, 4, n_deals)],
        "Owner": [["Ana", "Luis"][i] for i in rng.integers(0, 2, n_deals)],
    })
    deals.loc[[4, 5], ["Deal ID", "Contact ID", "Amount"]] = ["D4", "", "€1.200,00"]  # duplicate deal id
    deals.loc[[4, 5], "Close Date"] = deals.loc[[4, 5], "Create Date"]
    deals.loc[6, "Contact ID"] = "99999999"  # unknown lead
    return {"contacts.csv": leads.to_csv(index=False).encode("utf-8"),
            "activity.csv": activity.to_csv(index=False).encode("utf-8"),
            "tasks.csv": tasks.to_csv(index=False).encode("cp1252"),
            "deals.csv": deals.to_csv(index=False, sep=";").encode("utf-8")}


def _load(folder, monkeypatch, arrow: bool):
    with monkeypatch.context() as m:
        m.setattr(P, "FAST_PATH_MIN_ROWS", 50)  # small tables take the large-column paths
        m.setattr(L, "PARALLEL_MIN_ROWS", 50)
        if not arrow:  # every column through the pandas parsers, as before
            m.setattr(RawTable, "arrow", lambda self, name: None)
            m.setattr(L, "_dictionary_columns", lambda name, tcfg: None)
        return smk.load_client(folder, as_of="2026-11-23")


def _assert_same_client(a, b):
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        x, y = a.tables[name], b.tables[name]
        assert list(x.columns) == list(y.columns), name
        for col in x.columns:
            assert x[col].dtype == y[col].dtype, (name, col, x[col].dtype, y[col].dtype)
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    assert a.ledger._rows == b.ledger._rows
    assert a.rows_in == b.rows_in and a.data_end == b.data_end


def test_arrow_paths_load_the_same_client_as_the_pandas_paths(make_client, monkeypatch):
    folder = make_client(YML, _files())
    taken = []
    real = L.parse_dates_arrow

    def spy(arr, *args, column="", **kw):
        out = real(arr, *args, column=column, **kw)
        taken.append((column, out is not None))
        return out

    monkeypatch.setattr(L, "parse_dates_arrow", spy)
    read = []
    real_read = L.read_raw
    monkeypatch.setattr(L, "read_raw", lambda *a, **k: read.append(real_read(*a, **k)) or read[-1])
    fast = _load(folder, monkeypatch, arrow=True)
    assert {c for c, used in taken if used} >= {"Create Date", "Timestamp", "Date"}  # the Arrow date path ran
    assert read[1].is_dictionary("Event Type") and not read[1].is_dictionary("Timestamp")  # hashed while read
    slow = _load(folder, monkeypatch, arrow=False)
    _assert_same_client(fast, slow)
    led = fast.ledger.to_frame()
    reasons = set(zip(led["table"], led["reason"]))
    for expected in [("leads", "duplicate_id"), ("leads", "missing_required"), ("leads", "future_date"),
                     ("leads", "bad_date"), ("leads", "bad_number"), ("leads", "bad_bool"),
                     ("activities", "unknown_lead"), ("activities", "before_lead_created"),
                     ("activities", "future_date"), ("activities", "bad_date"), ("activities", "missing_required"),
                     ("contact_attempts", "bad_date"), ("deals", "duplicate_id"), ("deals", "unknown_lead"),
                     ("deals", "negative_amount")]:
        assert expected in reasons, expected
    leads = fast.leads.set_index("lead_id")
    assert "101" in leads.index and " 101" not in leads.index
    assert leads["Score"].dtype == "int64" or leads["Score"].dtype == "float64"
    assert leads["Notes"].dtype == "str"
    assert set(fast.activities["activity_type"].dropna()) <= {"page_view", "form_submission", "Webinar"}
    assert (fast.deals["stage"] == "won").all()


def test_unchanged_text_columns_keep_their_values_when_rows_are_dropped(make_client, monkeypatch):
    # ids and assets are not changed by cleaning, so the raw column itself is filtered
    folder = make_client(YML, _files(seed=9))
    fast = _load(folder, monkeypatch, arrow=True)
    slow = _load(folder, monkeypatch, arrow=False)
    assert fast.ledger.set_aside("activities").shape[0] > 0
    pd.testing.assert_series_equal(fast.activities["lead_id"], slow.activities["lead_id"])
    pd.testing.assert_series_equal(fast.activities["asset"], slow.activities["asset"])


@pytest.mark.parametrize("change, error", [
    (("Lead Status", "Mystery"), ConfigError),  # a value not mapped to open/won/lost
    (("Employees", "1,234"), DataError),  # every value with a separator could be thousands or decimals
])
def test_arrow_paths_raise_the_same_errors(make_client, monkeypatch, change, error):
    files = _files()
    leads = pd.read_csv(__import__("io").BytesIO(files["contacts.csv"]), dtype=str, keep_default_na=False)
    column, value = change
    if column == "Employees":
        leads[column] = [value if i % 3 else "" for i in range(len(leads))]
        leads[["Revenue", "Page Views"]] = ""  # nor do the other number columns settle the decimal mark
    else:
        leads.loc[40, column] = value
    files["contacts.csv"] = leads.to_csv(index=False).encode("utf-8")
    folder = make_client(YML, files)
    with pytest.raises(error) as fast:
        _load(folder, monkeypatch, arrow=True)
    with pytest.raises(error) as slow:
        _load(folder, monkeypatch, arrow=False)
    assert str(fast.value) == str(slow.value)
    assert value in str(fast.value)


def test_parquet_text_with_missing_values(make_client, monkeypatch):
    yml = ("name: Q\ntimezone: UTC\ntables:\n  leads:\n    file: l.parquet\n"
           "    columns: {lead_id: id, created_at: at, channel: ch, employees: emp}\n")
    folder = make_client(yml, {})
    n = 500
    pd.DataFrame({
        "id": pd.array([str(i) if i % 50 else None for i in range(n)], dtype="str"),
        "at": pd.array([f"2025-0{1 + i % 9}-1{i % 10} 10:00" if i % 7 else None for i in range(n)], dtype="str"),
        "ch": pd.array([["a", " b", None, "N/A"][i % 4] for i in range(n)], dtype="str"),
        "emp": pd.array([["1", None, "2.5", "x"][i % 4] for i in range(n)], dtype="str"),
    }).to_parquet(folder / "l.parquet")
    _assert_same_client(_load(folder, monkeypatch, arrow=True), _load(folder, monkeypatch, arrow=False))


def test_demo_client_is_unchanged_by_the_arrow_paths(monkeypatch):
    demo = smk.load_client("data/demo", as_of="2026-11-23")
    with monkeypatch.context() as m:
        m.setattr(RawTable, "arrow", lambda self, name: None)
        m.setattr(L, "_dictionary_columns", lambda name, tcfg: None)
        m.setattr(L, "parse_dates_arrow", lambda *a, **k: None)
        slow = smk.load_client("data/demo", as_of="2026-11-23")
    _assert_same_client(demo, slow)


def test_row_numbers_without_an_array():
    rows = L._RowNumbers(2, 5)
    assert len(rows) == 5 and rows[0] == 2 and rows[4] == 6
    assert rows[np.array([0, 3])].tolist() == [2, 5]
    assert rows[np.array([True, False, True, False, False])].tolist() == [2, 4]
    assert rows.array().tolist() == [2, 3, 4, 5, 6]


def test_errors_name_the_spreadsheet_row(make_client):
    yml = "name: R\ntimezone: UTC\ntables:\n  leads:\n    file: l.csv\n    columns: {lead_id: id, created_at: at}\n"
    data = "id,at\n1,13/01/2026\n2,01/02/2026\n3,01/13/2026\n"  # day first on row 2, month first on row 4
    with pytest.raises(DataError) as err:
        smk.load_client(make_client(yml, {"l.csv": data}))
    assert "row 4" in str(err.value) and "'01/13/2026'" in str(err.value)
