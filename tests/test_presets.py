"""CRM presets: a default HubSpot or Salesforce export loads with only `preset:` and `file:`.

The CSVs are hand-written with the header labels the exports use (sources: docs/presets.md); every
expected figure is counted by hand from the rows below.
"""
from __future__ import annotations

import pandas as pd
import pytest

import smk
from smk.errors import ConfigError

AS_OF = "2026-01-01"

HUBSPOT_CONTACTS = """\
Record ID,First Name,Last Name,Email,Create Date,Original Source,Lifecycle Stage,Lead Status,Contact owner,Number of Pageviews,Number of Form Submissions,Number of Sales Activities,Became a Marketing Qualified Lead Date,Became a Customer Date
101,Ana,Ruiz,ana@example.com,2025-03-01 09:00,ORGANIC_SEARCH,Customer,Connected,Luis Mora,12,2,5,2025-03-02 10:00,2025-04-10 12:00
102,Ben,Cole,ben@example.com,2025-03-05 10:30,PAID_SEARCH,Marketing Qualified Lead,Attempted to Contact,Luis Mora,3,1,2,2025-03-06 08:00,
103,Carla,Diaz,carla@example.com,2025-03-09 14:00,Email Marketing,Lead,New,Eva Sanz,1,1,0,,
104,Dan,Ng,dan@example.com,2025-03-12 16:45,REFERRALS,Other,Unqualified,Eva Sanz,0,1,3,,
"""

HUBSPOT_DEALS = """\
Record ID,Deal Name,Pipeline,Deal Stage,Amount,Create Date,Close Date,Deal owner,Associated Contact IDs
9001,Ana Co - new,Sales Pipeline,Closed Won,1200.50,2025-03-20,2025-04-10,Luis Mora,101
9002,Ben Co - new,Sales Pipeline,Contract Sent,800,2025-03-25,,Luis Mora,102
9003,Dan Co - new,Sales Pipeline,Closed Lost,500,2025-03-26,2025-04-01,Eva Sanz,104
"""

SF_LEADS = """\
Lead ID,First Name,Last Name,Title,Company / Account,Email,Lead Source,Lead Status,Lead Owner,Created Date,Converted Date,Country,Industry,No. of Employees
00Q1,Ana,Ruiz,CFO,Acme,ana@acme.com,Web,Closed - Converted,Luis Mora,2025-03-01,2025-03-15,Spain,Retail,120
00Q2,Ben,Cole,CTO,Beta,ben@beta.com,Partner Referral,Working - Contacted,Luis Mora,2025-03-04,,Mexico,Energy,40
00Q3,Carla,Diaz,CEO,Gamma,carla@gamma.com,Phone Inquiry,Open - Not Contacted,Eva Sanz,2025-03-08,,Spain,Retail,8
00Q4,Dan,Ng,VP,Delta,dan@delta.com,Purchased List,Closed - Not Converted,Eva Sanz,2025-03-10,,Chile,Banking,300
"""

SF_OPPORTUNITIES = """\
Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner,Lead ID
0061,Acme - new,Closed Won,5000,2025-04-20,2025-03-15,Luis Mora,00Q1
0062,Beta - new,Negotiation/Review,3000,2025-05-30,2025-03-20,Luis Mora,00Q2
"""

SF_TASKS = """\
Lead ID,Subject,Date,Assigned,Type,Call Result
00Q1,Call,2025-03-02,Luis Mora,Call,Connected
00Q2,Call,2025-03-05,Luis Mora,Call,No Answer
00Q2,Email,2025-03-06,Luis Mora,Email,
00Q3,Call,2025-03-09,Eva Sanz,Call,Left Voicemail
"""


def test_hubspot_contacts_and_deals_need_no_column_mapping(make_client):
    folder = make_client("""
        name: HubSpot default
        timezone: Europe/Madrid
        tables:
          leads: {preset: hubspot, file: contacts.csv}
          deals: {preset: hubspot, file: deals.csv}
        """, {"contacts.csv": HUBSPOT_CONTACTS, "deals.csv": HUBSPOT_DEALS})
    c = smk.load_client(folder, as_of=AS_OF)
    leads = c.leads.set_index("lead_id")
    assert list(leads.index) == ["101", "102", "103", "104"]
    # Original Source: both the internal values (ORGANIC_SEARCH) and the labels (Email Marketing) map
    assert leads["channel"].tolist() == ["organic_search", "paid_search", "email", "referral"]
    assert leads["lifecycle_stage"].tolist() == ["customer", "mql", "lead", "other"]
    # Connected / Attempted to Contact / New are open; Unqualified is lost
    assert leads["status"].tolist() == ["open", "open", "open", "lost"]
    assert leads["owner"].tolist() == ["Luis Mora", "Luis Mora", "Eva Sanz", "Eva Sanz"]
    assert leads["n_page_view"].tolist() == [12, 3, 1, 0]
    assert leads["n_form_submission"].sum() == 2 + 1 + 1 + 1
    assert leads["n_attempts"].sum() == 5 + 2 + 0 + 3
    assert leads.loc["101", "mql_at"] == pd.Timestamp("2025-03-02 10:00", tz="Europe/Madrid")
    assert leads.loc["101", "customer_at"] == pd.Timestamp("2025-04-10 12:00", tz="Europe/Madrid")
    assert leads["email"].tolist()[0] == "ana@example.com"
    # unmapped columns stay as features
    assert {"First Name", "Last Name"} <= set(c.leads.columns)

    deals = c.deals.set_index("deal_id")
    assert deals["stage"].tolist() == ["won", "open", "lost"]
    assert deals["pipeline_stage"].tolist() == ["Closed Won", "Contract Sent", "Closed Lost"]
    assert deals["lead_id"].tolist() == ["101", "102", "104"]
    assert deals["amount"].sum() == pytest.approx(1200.50 + 800 + 500)
    assert deals["owner"].tolist() == ["Luis Mora", "Luis Mora", "Eva Sanz"]
    from smk.client.capabilities import capabilities

    caps = capabilities(c)
    assert caps["outcomes"] and caps["revenue"] and caps["mql"] and caps["owners"]
    assert caps["activities"] and caps["attempts"]  # from the counters
    assert c.ledger.to_frame().empty


def test_salesforce_leads_opportunities_tasks_need_no_column_mapping(make_client):
    folder = make_client("""
        name: Salesforce default
        timezone: UTC
        tables:
          leads: {preset: salesforce, file: leads.csv}
          deals: {preset: salesforce, file: opportunities.csv}
          contact_attempts: {preset: salesforce, file: tasks.csv}
        """, {"leads.csv": SF_LEADS, "opportunities.csv": SF_OPPORTUNITIES, "tasks.csv": SF_TASKS})
    c = smk.load_client(folder, as_of=AS_OF)
    leads = c.leads.set_index("lead_id")
    assert leads["channel"].tolist() == ["web", "referral", "phone_inquiry", "purchased_list"]
    # a converted lead stays open (its outcome is its opportunity); Closed - Not Converted is lost
    assert leads["status"].tolist() == ["open", "open", "open", "lost"]
    assert leads["company"].tolist() == ["Acme", "Beta", "Gamma", "Delta"]
    assert leads["job_title"].tolist() == ["CFO", "CTO", "CEO", "VP"]
    assert leads["employees"].tolist() == [120, 40, 8, 300]
    assert leads["owner"].tolist() == ["Luis Mora", "Luis Mora", "Eva Sanz", "Eva Sanz"]
    assert leads.loc["00Q1", "sql_at"] == pd.Timestamp("2025-03-15", tz="UTC")
    assert leads["sql_at"].notna().sum() == 1

    deals = c.deals.set_index("deal_id")
    assert deals["stage"].tolist() == ["won", "open"]
    assert deals["pipeline_stage"].tolist() == ["Closed Won", "Negotiation/Review"]
    assert deals["lead_id"].tolist() == ["00Q1", "00Q2"]
    assert deals["amount"].sum() == 5000 + 3000

    att = c.contact_attempts
    assert len(att) == 4
    assert att["method"].tolist() == ["call", "call", "email", "call"]
    assert att["rep"].tolist() == ["Luis Mora"] * 3 + ["Eva Sanz"]
    assert att["outcome"].tolist()[:2] == ["Connected", "No Answer"]  # outcome values are kept as exported
    assert att["outcome"].isna().sum() == 1


def test_a_client_yml_overrides_one_column_and_one_value(make_client):
    contacts = HUBSPOT_CONTACTS.replace("Contact owner,", "Contact owner,Sales Owner Override,")
    lines = contacts.splitlines()
    owners = ["Rep A", "Rep B", "Rep C", "Rep D"]
    lines = [lines[0]] + [ln.replace("Mora,", f"Mora,{o},", 1).replace("Sanz,", f"Sanz,{o},", 1)
                          for ln, o in zip(lines[1:], owners)]
    folder = make_client("""
        name: Override
        tables:
          leads:
            preset: hubspot
            file: contacts.csv
            columns: {owner: Sales Owner Override}
            values:
              status: {Connected: won}
        """, {"contacts.csv": "\n".join(lines) + "\n"})
    c = smk.load_client(folder, as_of=AS_OF)
    assert c.leads["owner"].tolist() == owners  # the table's own mapping wins over the preset's label
    assert "Contact owner" in c.leads.columns  # the preset's column is then just a feature
    # the override changes one value; the preset's other values still apply
    assert c.leads["status"].tolist() == ["won", "open", "open", "lost"]
    assert c.leads["channel"].tolist()[0] == "organic_search"


def test_preset_columns_absent_from_the_file_are_not_required(make_client):
    minimal = "Record ID,Create Date\n1,2025-01-02\n2,2025-01-03\n"
    c = smk.load_client(make_client("""
        name: Minimal
        tables:
          leads: {preset: hubspot, file: contacts.csv}
        """, {"contacts.csv": minimal}), as_of=AS_OF)
    assert c.leads["lead_id"].tolist() == ["1", "2"]
    assert "channel" not in c.leads.columns


def test_unknown_preset_is_an_error_naming_the_available_ones(make_client):
    folder = make_client("""
        name: Typo
        tables:
          leads: {preset: hubspott, file: contacts.csv}
        """, {"contacts.csv": HUBSPOT_CONTACTS})
    with pytest.raises(ConfigError, match=r"unknown preset 'hubspott'; available: generic, hubspot, salesforce"):
        smk.load_client(folder, as_of=AS_OF)


def test_a_preset_missing_the_required_column_says_so(make_client):
    folder = make_client("""
        name: No id
        tables:
          leads: {preset: salesforce, file: leads.csv}
        """, {"leads.csv": SF_LEADS.replace("Lead ID", "Id")})
    with pytest.raises(ConfigError, match=r"needs column\(s\) lead_id.*nor does the preset 'salesforce'"):
        smk.load_client(folder, as_of=AS_OF)
