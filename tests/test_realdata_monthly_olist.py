"""Real-data test of smk.analyses.monthly on the public Olist marketing funnel (../shared/datasets/olist/).

MQLs by origin and won deals per month, computed by smk (through the loader and smk.analyses.monthly) and
recomputed independently here with plain pandas on the raw CSVs. ``first_contact_date`` is
dd-mm-yyyy (re-saved by a spreadsheet), ``won_date`` ISO. Skipped, with the reason, when the
dataset folder is absent (a user's fresh clone).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

OLIST = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "olist"
MQL_FILE = OLIST / "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = OLIST / "olist_closed_deals_dataset.csv"

if not (MQL_FILE.exists() and DEALS_FILE.exists()):
    print(f"skipping the Olist real-data test: {OLIST} not found")
    pytest.skip(f"Olist dataset not found at {OLIST}", allow_module_level=True)

from smk.analyses import monthly as mo  # noqa: E402


@pytest.fixture(scope="module")
def olist(tmp_path_factory):
    """A client folder: the real MQL export as leads (copied as it is); the real closed-deals export as
    deals (every row of it is a won deal, so a ``stage`` column saying so is added in the copy)."""
    import shutil

    import smk

    root = tmp_path_factory.mktemp("olist")
    shutil.copyfile(MQL_FILE, root / "mqls.csv")
    pd.read_csv(DEALS_FILE, dtype=str).assign(stage="won").to_csv(root / "deals.csv", index=False)
    (root / "client.yml").write_text("""
name: Olist (public dataset)
currency: BRL
timezone: America/Sao_Paulo
tables:
  leads:
    file: mqls.csv
    columns: {lead_id: mql_id, created_at: first_contact_date, channel: origin}
    date_format: "%d-%m-%Y"
  deals:
    file: deals.csv
    columns: {deal_id: mql_id, lead_id: mql_id, closed_at: won_date, stage: stage, owner: sr_id,
              amount: declared_monthly_revenue}
""", encoding="utf-8")
    client = smk.load_client(root)
    # the MQL export's date is when the lead became an MQL: use it as mql_at too
    client.tables["leads"]["mql_at"] = client.tables["leads"]["created_at"]
    return client


def _kept(raw: pd.DataFrame, client, table: str) -> pd.DataFrame:
    """The raw rows the loader kept: drop those the ledger set aside (spreadsheet row = index + 2)."""
    led = client.ledger.to_frame()
    aside = led[(led["table"] == table) & (led["action"] == "row_set_aside")]["source_row"].astype(int)
    return raw[~(raw.index + 2).isin(set(aside))]


def test_mqls_by_origin_match_pandas(olist):
    raw = _kept(pd.read_csv(MQL_FILE, dtype=str), olist, "leads")
    month = pd.to_datetime(raw["first_contact_date"], format="%d-%m-%Y").dt.to_period("M").astype(str)
    # the literal "unknown" origin and the empty one are one missing group (issue 16 item 7): in May 2018,
    # 154 "unknown" and 14 empty make the 168 MQLs of "(missing)"
    origin = raw["origin"].where(raw["origin"] != "unknown").fillna("(missing)")
    expected = raw.assign(month=month, origin=origin).groupby(["month", "origin"]).size()
    got = mo.by_source(olist, "2018-05", months=5).set_index(["month", "channel"])["leads"]
    got = got[got > 0]
    exp = expected[expected.index.get_level_values(0) >= "2018-01"]
    assert got.sort_index().to_dict() == exp.sort_index().to_dict()
    assert got[("2018-05", "(missing)")] == 168 and ("2018-05", "unknown") not in got.index
    # the KPI row agrees too: MQLs of March 2018 (first_contact_date in March)
    t = mo.kpis(olist, "2018-03").set_index("kpi")
    assert t.loc["mqls", "value"] == (month == "2018-03").sum()
    assert t.loc["mqls", "previous"] == (month == "2018-02").sum()
    print("Olist MQLs 2018-03:", int(t.loc["mqls", "value"]), "2018-02:", int(t.loc["mqls", "previous"]))


def test_won_deals_per_month_match_pandas(olist):
    raw = _kept(pd.read_csv(DEALS_FILE, dtype=str), olist, "deals")
    won_month = pd.to_datetime(raw["won_date"], format="ISO8601").dt.to_period("M").astype(str)
    expected = won_month.value_counts().sort_index()
    series = mo.monthly_series(olist, months=12, end_period="2018-11").set_index("month")
    got = series.loc[series["won_deals"] > 0, "won_deals"]
    assert got.to_dict() == expected.to_dict()
    # customers (leads by first win) equal won deals here: one deal per MQL, every deal linked
    assert (series["customers"] == series["won_deals"]).all()
    # November 2018 is partial: data end on the last won date
    assert mo.month_info(olist, "2018-11").status == "partial"
    print("Olist won deals per month:", got.to_dict())


def test_months_before_the_closed_deals_start_are_missing_not_zero(olist):
    """The closed deals start in December 2017 (first won date 2017-12-05): customers and revenue of
    earlier months are not in the export. Before, November 2017 showed 0 customers and December a
    movement "customers rose" from that 0."""
    raw = _kept(pd.read_csv(DEALS_FILE, dtype=str), olist, "deals")
    assert pd.to_datetime(raw["won_date"], format="ISO8601").min().strftime("%Y-%m") == "2017-12"
    series = mo.monthly_series(olist, months=4, end_period="2018-01").set_index("month")
    assert series.loc[["2017-10", "2017-11"], "customers"].isna().all()
    assert series.loc[["2017-10", "2017-11"], "revenue"].isna().all()
    assert series.loc["2017-12", "customers"] == (pd.to_datetime(raw["won_date"], format="ISO8601")
                                                   .dt.strftime("%Y-%m") == "2017-12").sum()
    res = mo.analyse(olist, "2017-11")
    assert "outcomes_start" in res.notes and np.isnan(res.kpi("customers")) and np.isnan(res.kpi("revenue"))
    assert {"quota", "quota_reps", "pipeline", "cycle"} <= set(res.missing)
    assert res.missing["pipeline"].reason == "monthly.missing.not_covered"
    dec = mo.analyse(olist, "2017-12")
    # December 2017 is covered, its previous month is not: no customers movement from an invented 0
    assert "outcomes_start" in dec.notes and np.isnan(dec.kpis.set_index("kpi").loc["customers", "previous"])
    assert "customers" not in set(dec.movements()["kpi"])
    from smk.views import monthly as vm
    assert vm.note_texts(dec, "en")[[c for c in dec.notes].index("outcomes_start")] == (
        "The outcome data (deals and wins) start in December 2017: customers, revenue and % of quota of earlier "
        "months are not in the export, so they are shown as missing, not as zero.")
