"""load_client: reading, mapping, validation rules, and the ledger's accounting."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smk
from smk.errors import ConfigError, DataError

YML = """
name: Test Co
timezone: Europe/Madrid
currency: EUR
tables:
  leads:
    file: contacts.csv
    columns: {lead_id: Record ID, created_at: Create Date, channel: Original Source, company: Company Name,
              employees: Employees, customer_at: Became a Customer Date, status: Lead Status}
    values:
      channel: {ORGANIC_SEARCH: organic_search}
      status: {New: open, Customer: won, Unqualified: lost}
  deals:
    file: deals.csv
    columns: {deal_id: Deal ID, lead_id: Contact ID, created_at: Created, closed_at: Closed, stage: Stage, amount: Amount}
    values: {stage: {Closed Won: won, Closed Lost: lost, Negotiation: open}}
"""
CONTACTS = (
    "Record ID,Create Date,Original Source,Company Name,Employees,Became a Customer Date,Lead Status,Score\n"
    "1,2026-01-05 10:00,ORGANIC_SEARCH, Acme ,1200,2026-02-01,Customer,10\n"   # row 2: clean, won
    "2,2026-01-06 11:00,Select,=HYPERLINK(\"x\"),N/A,,New,5\n"               # row 3: placeholders, hostile name
    "2,2026-01-07,PAID,Dup,,,New,3\n"                                         # row 4: duplicate id
    "3,2031-01-01,PAID,Fut,,,New,1\n"                                         # row 5: future
    "4,garbage,PAID,Bad,,,New,2\n"                                            # row 6: unreadable date
    "5,2026-03-01,PAID,Early,,2026-02-01,Unqualified,\n"                      # row 7: customer before created
)
DEALS = (
    "Deal ID;Contact ID;Created;Closed;Stage;Amount\n"
    "D1;1;15/01/2026;01/02/2026;Closed Won;€12.345,50\n"    # row 2 clean
    "D2;99;15/01/2026;;Negotiation;€1.000,00\n"              # row 3 unknown lead
    "D3;2;20/01/2026;10/01/2026;Closed Lost;€500,00\n"       # row 4 closed before created
    "D4;1;20/01/2026;;Negotiation;-€5,00\n"                  # row 5 negative
    "D5;;20/01/2026;25/01/2026;Closed Won;€7,00\n"           # row 6 not linked to a lead: kept
    "D6;5;01/01/2026;;Negotiation;€1,00\n"                   # row 7 created before its lead (2026-03-01)
)


@pytest.fixture
def client(make_client):
    return smk.load_client(make_client(YML, {"contacts.csv": CONTACTS, "deals.csv": DEALS}), as_of="2026-11-23")


def test_values_are_mapped_and_parsed(client):
    leads = client.leads.set_index("lead_id")
    assert list(leads.index) == ["1", "2", "5"]
    assert leads.loc["1", "channel"] == "organic_search"
    assert leads.loc["1", "company"] == "Acme"          # trimmed
    assert leads.loc["1", "employees"] == 1200
    assert pd.isna(leads.loc["2", "channel"])          # 'Select' placeholder
    assert pd.isna(leads.loc["2", "employees"])        # 'N/A' placeholder
    assert leads.loc["1", "created_at"] == pd.Timestamp("2026-01-05 10:00", tz="Europe/Madrid")
    assert leads.loc["5", "status"] == "lost"
    assert leads.loc["1", "Score"] == 10               # extra column kept as a numeric feature
    d = client.deals.set_index("deal_id")
    assert d.loc["D1", "amount"] == pytest.approx(12345.50)    # €12.345,50 in a ';' file
    assert d.loc["D1", "closed_at"] == pd.Timestamp("2026-02-01", tz="Europe/Madrid")  # dd/mm inferred from 15/01
    assert d.loc["D1", "stage"] == "won" and pd.isna(d.loc["D5", "lead_id"])


def test_every_rule_lands_in_the_ledger_with_row_column_value(client):
    led = client.ledger.to_frame()
    got = set(zip(led["table"], led["source_row"], led["column"], led["reason"], led["action"]))
    assert got == {
        ("leads", 4, "Record ID", "duplicate_id", "row_set_aside"),
        ("leads", 5, "Create Date", "future_date", "row_set_aside"),
        ("leads", 6, "Create Date", "bad_date", "row_set_aside"),
        ("leads", 7, "Became a Customer Date", "before_lead_created", "value_cleared"),
        ("deals", 3, "Contact ID", "unknown_lead", "row_set_aside"),
        ("deals", 4, "Closed", "closed_before_created", "row_set_aside"),
        ("deals", 5, "Amount", "negative_amount", "row_set_aside"),
        ("deals", 7, "Created", "before_lead_created", "row_set_aside"),
    }
    assert led.loc[led["reason"] == "bad_date", "value"].item() == "garbage"
    assert led.loc[led["reason"] == "negative_amount", "value"].item() == "-€5,00"


def test_rows_in_equals_kept_plus_set_aside(client):
    for table in ("leads", "deals"):
        assert client.rows_in[table] == len(client.tables[table]) + len(client.ledger.set_aside(table))
    assert client.rows_in == {"leads": 6, "deals": 6}


def test_data_end_is_the_latest_timestamp_not_the_clock(client):
    assert client.data_end == pd.Timestamp("2026-03-01", tz="Europe/Madrid")
    assert client.default_period() == "2026-02"


def test_missing_mapped_column_names_the_file_and_suggests(make_client):
    yml = YML.replace("Company Name", "Company Nmae")
    with pytest.raises(ConfigError) as exc:
        smk.load_client(make_client(yml, {"contacts.csv": CONTACTS, "deals.csv": DEALS}))
    assert "contacts.csv" in str(exc.value) and "'Company Nmae'" in str(exc.value) and "'Company Name'" in str(exc.value)


def test_unmapped_stage_is_an_error_listing_values(make_client):
    deals = DEALS.replace("D1;1;15/01/2026;01/02/2026;Closed Won", "D1;1;15/01/2026;01/02/2026;Verbal Yes")
    with pytest.raises(ConfigError) as exc:
        smk.load_client(make_client(YML, {"contacts.csv": CONTACTS, "deals.csv": deals}))
    msg = str(exc.value)
    assert "'Verbal Yes' (1 rows)" in msg and "tables.deals.values.stage" in msg and "row 2" in msg


def test_required_column_absent(make_client):
    yml = YML.replace("created_at: Create Date, ", "")
    with pytest.raises(ConfigError, match="needs column\\(s\\) created_at"):
        smk.load_client(make_client(yml, {"contacts.csv": CONTACTS, "deals.csv": DEALS}))


def test_unknown_config_key_is_an_error(make_client):
    with pytest.raises(ConfigError, match="unknown key\\(s\\) 'colums'"):
        smk.load_client(make_client(YML.replace("columns: {deal_id", "colums: {deal_id"),
                                    {"contacts.csv": CONTACTS, "deals.csv": DEALS}))


def test_ambiguous_dates_ask_for_date_format(make_client):
    contacts = "Record ID,Create Date\n1,01/02/2026\n2,03/04/2026\n"
    yml = "name: X\ntables:\n  leads:\n    file: c.csv\n    columns: {lead_id: Record ID, created_at: Create Date}\n"
    with pytest.raises(DataError) as exc:
        smk.load_client(make_client(yml, {"c.csv": contacts}))
    assert "c.csv" in str(exc.value) and "date_format" in str(exc.value)
    ok = smk.load_client(make_client(yml + "    date_format: \"%d/%m/%Y\"\n", {"c.csv": contacts}))
    assert ok.leads["created_at"].dt.month.tolist() == [2, 4]


LATIN = "name: X\ntimezone: UTC\ntables:\n  leads:\n    file: c.csv\n    columns: {lead_id: Id, created_at: Fecha, company: Empresa}\n"


def test_cp1252_semicolon_file(make_client):
    data = "Id;Fecha;Empresa\n1;2026-01-05;Compañía Ñandú\n".encode("cp1252")
    c = smk.load_client(make_client(LATIN, {"c.csv": data}))
    assert c.leads["company"].item() == "Compañía Ñandú"


def test_utf8_bom_tab_file(make_client):
    data = "\ufeffId\tFecha\tEmpresa\n1\t2026-01-05\tAçaí Ltda\n".encode("utf-8")
    c = smk.load_client(make_client(LATIN, {"c.csv": data}))
    assert c.leads["company"].item() == "Açaí Ltda" and c.leads["lead_id"].item() == "1"


def test_blank_and_malformed_rows_are_counted(make_client):
    data = "Id,Fecha,Empresa\n1,2026-01-05,A\n\n2,2026-01-06,B,extra,fields\n3,2026-01-07,C\n"
    c = smk.load_client(make_client(LATIN, {"c.csv": data}))
    led = c.ledger.to_frame()
    assert list(zip(led["source_row"], led["reason"])) == [(3, "empty_row"), (4, "malformed_row")]
    assert c.leads["lead_id"].tolist() == ["1", "3"]
    assert c.leads["_source_row"].tolist() == [2, 5]
    assert c.rows_in["leads"] == 4


def test_xlsx_with_native_dates_and_excel_serial(make_client, tmp_path):
    df = pd.DataFrame({"Id": [1, 2], "Fecha": [pd.Timestamp("2026-01-05 09:00"), 46027], "Empresa": ["A", "B"]})
    folder = make_client(LATIN.replace("c.csv", "c.xlsx"), {})
    df.to_excel(folder / "c.xlsx", index=False)
    c = smk.load_client(folder)
    assert c.leads["lead_id"].tolist() == ["1", "2"]  # 1.0 from Excel is the id "1"
    assert c.leads["created_at"].tolist() == [pd.Timestamp("2026-01-05 09:00", tz="UTC"),
                                               pd.Timestamp("2026-01-05", tz="UTC")]  # serial 46027 = 2026-01-05


def test_parquet(make_client):
    folder = make_client(LATIN.replace("c.csv", "c.parquet"), {})
    pd.DataFrame({"Id": ["a"], "Fecha": [pd.Timestamp("2026-01-05")], "Empresa": ["A"]}).to_parquet(folder / "c.parquet")
    c = smk.load_client(folder)
    assert c.leads["created_at"].item() == pd.Timestamp("2026-01-05", tz="UTC")


def test_survey_answers_out_of_range(make_client):
    yml = LATIN + "  survey:\n    file: s.csv\n"
    files = {"c.csv": "Id,Fecha,Empresa\n1,2026-01-05,A\n",
             "s.csv": "respondent,team,question_id,answer\nr1,sales,follow_up,4\nr1,sales,lead_quality,7\nr2,Marketing,follow_up,2\n"}
    c = smk.load_client(make_client(yml, files))
    led = c.ledger.to_frame()
    assert list(zip(led["source_row"], led["reason"], led["value"])) == [(3, "out_of_range", "7")]
    assert c.survey["team"].tolist() == ["sales", "marketing"]


# --- property: no row is ever lost ---------------------------------------------------------------
cells = st.one_of(st.just(""), st.just("N/A"), st.just("2026-01-05"), st.just("2031-01-01"), st.just("garbage"),
                  st.just("05/01/2026"), st.text(alphabet="ab12-/ ", max_size=6))
ids = st.sampled_from(["1", "2", "3", "", "x"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=st.lists(st.tuples(ids, cells), min_size=1, max_size=12),
       events=st.lists(st.tuples(ids, cells), max_size=12))
def test_no_row_is_ever_lost(make_client, leads, events):
    yml = ("name: P\ntimezone: UTC\ntables:\n  leads:\n    file: l.csv\n    columns: {lead_id: id, created_at: at}\n"
           "    date_format: \"%Y-%m-%d\"\n  activities:\n    file: a.csv\n"
           "    columns: {lead_id: id, occurred_at: at, activity_type: type}\n    date_format: \"%Y-%m-%d\"\n")
    lcsv = "id,at\n" + "".join(f"{i},{d}\n" for i, d in leads)
    acsv = "id,at,type\n" + "".join(f"{i},{d},page_view\n" for i, d in events)
    c = smk.load_client(make_client(yml, {"l.csv": lcsv, "a.csv": acsv}), as_of="2026-11-23")
    for table in ("leads", "activities"):
        kept = len(c.tables[table])
        aside = len(c.ledger.set_aside(table))
        assert kept + aside == c.rows_in[table]
    assert c.rows_in["leads"] == len(leads) and c.rows_in["activities"] == len(events)  # every line written is counted
    assert c.leads["lead_id"].is_unique
