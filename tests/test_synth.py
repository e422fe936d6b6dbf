"""Tests of the synthetic client generator (smk/synth.py) and the committed demo client (data/demo).

Planted effects are recomputed here directly from the raw export files with pandas (CRM column
names, the CRM's own formats), independently of the loader and the analysis modules. The expected
values and the dirty rows are documented in docs/demo-data.md.
"""
from __future__ import annotations

import filecmp
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smk.io import synth
from smk.io.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
DOC = ROOT / "docs" / "demo-data.md"
MATURE_BEFORE = "2026-05-01"  # leads at least 6 months old at the end of the data (2026-10-31)
COST_PER_ATTEMPT = 40 / 6  # default costs: rep_hourly_cost 40 / attempts_per_hour 6 = 6.67 per attempt


# ---------------------------------------------------------------------------------------------
# raw readers (independent of smk.client.loader)
# ---------------------------------------------------------------------------------------------
def read_leads(d: Path) -> pd.DataFrame:
    df = pd.read_csv(d / "hubspot_contacts.csv", dtype=str, keep_default_na=False)
    df = df.drop_duplicates("Record ID", keep="first")  # the documented re-imported row
    for c in ("Create Date", "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date",
              "Became a Customer Date", "Disqualified Date"):
        df[c] = pd.to_datetime(df[c].replace("", None), format="%Y-%m-%d %H:%M")
    df["won"] = df["Became a Customer Date"].notna()
    return df


def read_activities(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "hubspot_contact_activity.csv", dtype=str)


def read_tasks(d: Path) -> pd.DataFrame:
    df = pd.read_csv(d / "salesforce_tasks.csv", dtype=str, encoding="cp1252")
    df["t"] = pd.to_datetime(df["Date"], format="%d/%m/%Y %H:%M", errors="coerce")
    return df.dropna(subset=["t"])


def euro(s: pd.Series) -> pd.Series:
    """'€12.345,00' / '-€1.200,00' -> float."""
    return s.str.replace("€", "", regex=False).str.replace(".", "", regex=False).str.replace(",", ".").astype(float)


def read_deals(d: Path) -> pd.DataFrame:
    df = pd.read_csv(d / "hubspot_deals.csv", dtype=str, sep=";", keep_default_na=False)
    df["amount"] = euro(df["Amount"])
    for c in ("Create Date", "Close Date"):
        df[c] = pd.to_datetime(df[c].replace("", None), format="%Y-%m-%d %H:%M")
    return df


@pytest.fixture(scope="module")
def demo() -> dict:
    leads = read_leads(DEMO)
    mature = leads[leads["Create Date"] < MATURE_BEFORE].copy()
    return {"leads": leads, "mature": mature, "activities": read_activities(DEMO), "tasks": read_tasks(DEMO),
            "deals": read_deals(DEMO)}


def documented_dirty_rows() -> list[dict]:
    """Parse the dirty-row table of docs/demo-data.md (rows starting with a backticked file name)."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Dirty rows", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        m = re.match(r"^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*`([^`]+)`\s*\|\s*`(.*)`\s*\|"
                     r"\s*`?([a-z_]+|kept)`?\s*\|", line)
        if m:
            rows.append(dict(file=m.group(1), row=int(m.group(2)), column=m.group(3), value=m.group(4),
                             reason=None if m.group(5) == "kept" else m.group(5)))
    return rows


def attempt_hazards(mature: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """Per attempt k: leads with >= k attempts (at risk), wins whose last attempt was the k-th, hazard."""
    n_att = tasks[tasks["Lead ID"].isin(mature["Record ID"])].groupby("Lead ID").size()
    m = mature.set_index("Record ID")
    k_of = n_att.reindex(m.index).fillna(0).astype(int)
    rows = []
    for k in range(1, synth.MAX_ATTEMPTS + 1):
        at_risk = int((k_of >= k).sum())
        wins = int(((k_of == k) & m["won"]).sum())
        rows.append((k, at_risk, wins, wins / at_risk if at_risk else 0.0))
    return pd.DataFrame(rows, columns=["k", "at_risk", "wins", "hazard"])


# ---------------------------------------------------------------------------------------------
# determinism, CLI, shapes
# ---------------------------------------------------------------------------------------------
def _files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def test_same_seed_is_byte_identical_and_matches_committed_demo(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    ra = synth.generate(a)  # the documented default command: smk synth data/demo (4000 leads, seed 2026)
    synth.generate(b)
    assert _files(a) == _files(b) == _files(DEMO)
    match, mismatch, errors = filecmp.cmpfiles(a, b, _files(a), shallow=False)
    assert mismatch == [] and errors == []
    match, mismatch, errors = filecmp.cmpfiles(a, DEMO, _files(a), shallow=False)
    assert mismatch == [] and errors == [], "data/demo is stale: regenerate with `smk synth data/demo`"
    assert ra["params"] == dict(n_leads=4000, seed=2026, shape="log", end="2026-10-31", months=18)


def test_different_seeds_differ(tmp_path):
    synth.generate(tmp_path / "s1", n_leads=500, seed=1)
    synth.generate(tmp_path / "s2", n_leads=500, seed=2)
    for name in ("hubspot_contacts.csv", "hubspot_contact_activity.csv", "salesforce_tasks.csv", "hubspot_deals.csv"):
        assert (tmp_path / "s1" / name).read_bytes() != (tmp_path / "s2" / name).read_bytes(), name


def test_cli_prints_one_line_per_file(tmp_path, capsys):
    from smk.cli import main

    assert main(["synth", str(tmp_path / "c"), "--leads", "300", "--seed", "5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(_files(tmp_path / "c")) == 8
    assert all(str(tmp_path / "c") in line for line in lines)


def test_client_yml_is_valid_config_and_maps_crm_columns():
    cfg = load_config(DEMO)
    assert cfg.name == "Demo Corp (synthetic)" and cfg.currency == "EUR" and cfg.timezone == "Europe/Madrid"
    assert set(cfg.tables) == {"leads", "activities", "contact_attempts", "deals", "web_traffic", "quotas", "survey"}
    assert cfg.tables["leads"].columns["channel"] == "Original Source"
    assert cfg.tables["leads"].values["channel"]["ORGANIC_SEARCH"] == "organic_search"
    assert cfg.tables["deals"].values["stage"] == {**{s: "open" for s in synth.OPEN_STAGES},
                                                   "Closed Won": "won", "Closed Lost": "lost"}
    assert cfg.tables["contact_attempts"].encoding == "cp1252"
    assert cfg.tables["contact_attempts"].date_format == "%d/%m/%Y %H:%M"
    # every mapped source column exists in its file's header
    for name, tc in cfg.tables.items():
        enc = tc.encoding or "utf-8"
        header = pd.read_csv(DEMO / tc.file, nrows=0, sep=tc.delimiter or ",", encoding=enc).columns
        assert set(tc.columns.values()) <= set(header), name


def test_export_formats_look_like_the_crms():
    raw_deals = (DEMO / "hubspot_deals.csv").read_text(encoding="utf-8").splitlines()
    assert raw_deals[0].startswith('"Deal ID";"Deal Name"')
    assert re.search(r'"€\d{1,3}(\.\d{3})*,00"', raw_deals[1])
    tasks = (DEMO / "salesforce_tasks.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        tasks.decode("utf-8")  # cp1252: accented rep names are single bytes
    assert "Jürgen Müller" in tasks.decode("cp1252")
    dates = pd.read_csv(DEMO / "salesforce_tasks.csv", dtype=str, encoding="cp1252")["Date"]
    day = dates.str.slice(0, 2).astype(int)
    assert day.max() > 12  # dd/mm/yyyy is unambiguous over the column (a day above 12 occurs)
    assert (pd.to_datetime(dates, format="%d/%m/%Y %H:%M", errors="coerce").isna().sum()) == 1  # the bad_date row
    leads = pd.read_csv(DEMO / "hubspot_contacts.csv", dtype=str, keep_default_na=False)
    assert {"Select", "N/A", "-"} <= set(leads[["Industry", "Country/Region", "Job Title", "Phone Number"]].stack())
    assert (leads["Company Name"] != leads["Company Name"].str.strip()).sum() > 10  # whitespace to trim
    assert set(leads["Original Source"]) == {c[1] for c in synth.CHANNELS}


def test_summary_shape(tmp_path):
    res = synth.generate(tmp_path / "sum", n_leads=1000, seed=7, shape="summary")
    assert _files(tmp_path / "sum") == sorted(["client.yml", "hubspot_contacts.csv", "ga4_channels_daily.csv",
                                               "sales_quotas.csv", "alignment_survey.csv"])
    cfg = load_config(tmp_path / "sum")
    assert set(cfg.tables) == {"leads", "web_traffic", "quotas", "survey"}
    cols = cfg.tables["leads"].columns
    assert cols["n_attempts"] == "Number of Sales Activities" and cols["won"] == "Is Customer"
    leads = pd.read_csv(tmp_path / "sum" / "hubspot_contacts.csv", dtype=str, keep_default_na=False)
    leads = leads.drop_duplicates("Record ID")
    assert len(leads) == 1000
    won = leads["Is Customer"] == "Yes"
    assert (won == (leads["Became a Customer Date"] != "")).all()
    assert (leads.loc[won, "Total Revenue"] != "").all() and (leads.loc[~won, "Total Revenue"] == "").all()
    n_att = leads["Number of Sales Activities"].astype(int)
    assert (n_att[won] >= 1).all() and n_att.max() <= synth.MAX_ATTEMPTS
    assert ((n_att > 0) == (leads["First Engagement Date"] != "")).all()
    # the same seed's log shape has exactly these attempt counts per lead
    synth.generate(tmp_path / "log", n_leads=1000, seed=7, shape="log")
    tasks = pd.read_csv(tmp_path / "log" / "salesforce_tasks.csv", dtype=str, encoding="cp1252")
    tasks = tasks[pd.to_datetime(tasks["Date"], format="%d/%m/%Y %H:%M", errors="coerce").notna()]
    per_lead = tasks.groupby("Lead ID").size()
    assert per_lead.reindex(leads["Record ID"]).fillna(0).astype(int).tolist() == n_att.tolist()
    assert {d["file"] for d in res["dirty"]} == {"hubspot_contacts.csv", "alignment_survey.csv"}


def test_medium_size_runs_and_keeps_effects(tmp_path):
    res = synth.generate(tmp_path / "m", n_leads=20_000, seed=11)
    assert res["files"]["leads"]["rows"] == 20_001  # + the duplicated row
    assert 15 * 20_000 < res["files"]["activities"]["rows"] < 25 * 20_000
    leads = read_leads(tmp_path / "m")
    mature = leads[leads["Create Date"] < MATURE_BEFORE]
    acts = read_activities(tmp_path / "m")
    base = mature["won"].mean()
    demo_ids = set(acts.loc[acts["Event Type"] == "Demo Request", "Contact ID"])
    assert mature.loc[mature["Record ID"].isin(demo_ids), "won"].mean() > 3 * base
    tasks = read_tasks(tmp_path / "m")
    h = attempt_hazards(mature, tasks)
    assert (h.loc[h.k <= 8, "wins"] > 0).all() and (h.loc[h.k > 8, "wins"] == 0).all()
    # nothing happens after the end of the data, except the documented 2031 activity
    end = pd.Timestamp("2026-10-31 23:59")
    deals = read_deals(tmp_path / "m")
    stamps = {
        "leads": leads[[c for c in leads.columns if "Date" in c]].max().max(),
        "deals": deals[["Create Date", "Close Date"]].max().max(),
        "tasks": tasks["t"].max(),
        "activities": pd.to_datetime(acts["Timestamp"].loc[acts["Timestamp"] != "2031-03-14 10:15"]).max(),
    }
    assert all(v <= end for v in stamps.values()), stamps


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError):
        synth.generate(tmp_path, n_leads=1000, shape="wide")
    with pytest.raises(ValueError):
        synth.generate(tmp_path, n_leads=50)
    with pytest.raises(ValueError):
        synth.generate(tmp_path, n_leads=1000, months=3)
    from smk.cli import main

    assert main(["synth", str(tmp_path / "x"), "--leads", "10"]) == 2  # "error: ..." instead of a traceback


# ---------------------------------------------------------------------------------------------
# planted effects, measured on the committed demo
# ---------------------------------------------------------------------------------------------
def test_base_rate_and_activity_lifts(demo):
    mature, acts = demo["mature"], demo["activities"]
    base = mature["won"].mean()
    assert 0.03 < base < 0.065  # documented: 4.4 %

    def rate(event: str) -> float:
        ids = set(acts.loc[acts["Event Type"] == event, "Contact ID"])
        return mature.loc[mature["Record ID"].isin(ids), "won"].mean()

    assert rate("Demo Request") > 3.5 * base  # documented: 4.6x
    assert rate("Pricing Page View") > 2.5 * base  # documented: 3.3x
    assert 0.8 * base < rate("Page View") < 1.2 * base  # an ordinary page view carries no signal


def test_channels_differ_in_volume_and_close_rate(demo):
    g = demo["mature"].groupby("Original Source")["won"].agg(["size", "mean"])
    assert g["size"].idxmax() == "ORGANIC_SEARCH"
    assert g["mean"].idxmin() == "SOCIAL_MEDIA"
    assert g.loc["OFFLINE", "mean"] > 3 * g.loc["SOCIAL_MEDIA", "mean"]  # events vs social
    assert g.loc["REFERRALS", "mean"] > 1.3 * g.loc["PAID_SEARCH", "mean"]


def test_offers_differ_in_close_rate_and_revenue(demo):
    mature, deals = demo["mature"], demo["deals"]
    won = deals[(deals["Deal Stage"] == "Closed Won") & (deals["Associated Contact ID"] != "")]
    rev = won.drop_duplicates("Associated Contact ID").set_index("Associated Contact ID")["amount"]
    m = mature.assign(rev=mature["Record ID"].map(rev))
    g = m.groupby("First Conversion").agg(rate=("won", "mean"), rev=("rev", "mean"))
    assert g.loc["Demo Request", "rate"] > 5 * g.loc["Ebook: The Smarketing Guide", "rate"]
    assert g.loc["Free Trial Signup", "rate"] > 2 * g.loc["Checklist: SLA Template", "rate"]
    assert g.loc["Demo Request", "rev"] > 1.8 * g.loc["Ebook: The Smarketing Guide", "rev"]
    assert g.loc["Webinar: Closing the Loop", "rev"] > 2 * g.loc["Checklist: SLA Template", "rev"]


def test_attempt_curve_levels_off_at_eight(demo):
    mature, deals = demo["mature"], demo["deals"]
    h = attempt_hazards(mature, demo["tasks"])
    won = deals[(deals["Deal Stage"] == "Closed Won") & deals["Associated Contact ID"].isin(mature["Record ID"])]
    revenue_per_customer = won["amount"].mean()
    assert 12_000 < revenue_per_customer < 22_000  # documented: about 16,000
    ev = h["hazard"] * revenue_per_customer
    # the last attempt whose expected value exceeds its cost (6.67) is the 8th
    assert h.loc[ev > COST_PER_ATTEMPT, "k"].max() == 8
    assert (ev[h.k <= 8] > COST_PER_ATTEMPT).all()
    assert (h.loc[h.k > 8, "wins"] == 0).all() and h.loc[h.k == 9, "at_risk"].item() > 100
    assert h.loc[h.k <= 3, "hazard"].mean() > 1.5 * h.loc[h.k.between(6, 8), "hazard"].mean()  # decreasing


def _first_contact(demo) -> pd.DataFrame:
    first = demo["tasks"].groupby("Lead ID")["t"].min()
    m = demo["mature"].set_index("Record ID")
    m = m.assign(first=first.reindex(m.index)).dropna(subset=["first"])
    m["hours"] = (m["first"] - m["Became a Marketing Qualified Lead Date"]).dt.total_seconds() / 3600
    return m


def test_speed_to_lead(demo):
    m = _first_contact(demo)
    fast = m.loc[m["hours"] < 5 / 60, "won"]
    slow = m.loc[m["hours"] > 24, "won"]
    assert len(fast) > 60 and len(slow) > 60
    assert fast.mean() > 3 * slow.mean()  # documented: 11.8 % vs 0.9 %


def test_one_team_misses_the_first_contact_sla(demo):
    m = _first_contact(demo)
    miss = (m["hours"] > 4).groupby(m["HubSpot Team"]).mean()
    assert miss["Cobalt"] > 0.7
    assert miss["Atlas"] < 0.15 and miss["Boreal"] < 0.15


def test_august_dip(demo):
    months = demo["leads"]["Create Date"].dt.to_period("M").value_counts()
    for year in (2025, 2026):
        aug = months[pd.Period(f"{year}-08")]
        neighbours = (months[pd.Period(f"{year}-07")] + months[pd.Period(f"{year}-09")]) / 2
        assert 0.45 < aug / neighbours < 0.75, year  # planted: 60 % of trend


def test_censoring_and_open_deals(demo):
    leads, deals = demo["leads"], demo["deals"]
    open_deals = deals[deals["Deal Stage"].isin(synth.OPEN_STAGES)]
    assert len(open_deals) >= 20 and open_deals["Close Date"].isna().all()
    assert open_deals["Create Date"].min() > pd.Timestamp("2026-05-01")
    last_month = leads[leads["Create Date"] >= "2026-10-01"]
    assert last_month["won"].mean() < 0.5 * demo["mature"]["won"].mean()
    ends = [leads["Create Date"].max(), deals["Close Date"].max()]
    assert all(e <= pd.Timestamp("2026-10-31 23:59") for e in ends)


def test_closed_loop_and_lifecycle_consistency(demo):
    leads, deals = demo["leads"], demo["deals"]
    won = deals[deals["Deal Stage"] == "Closed Won"]
    unlinked = (won["Associated Contact ID"] == "").mean()
    assert 0.05 < unlinked < 0.2  # closed-loop health below 100 %
    linked = won[won["Associated Contact ID"].isin(leads["Record ID"])]
    m = leads.set_index("Record ID").loc[linked["Associated Contact ID"]]
    assert (m["Became a Customer Date"].to_numpy() == linked["Close Date"].to_numpy()).all()
    assert (m["Became a Sales Qualified Lead Date"].to_numpy() == linked["Create Date"].to_numpy()).all()
    c = leads[leads["won"]]
    assert (c["Became a Marketing Qualified Lead Date"] <= c["Became a Sales Qualified Lead Date"]).all()
    assert (c["Became a Sales Qualified Lead Date"] <= c["Became a Customer Date"]).all()
    assert set(c["Lead Status"]) == {"Customer"} and set(c["Lifecycle Stage"]) == {"Customer"}
    assert won["Associated Contact ID"].isin(leads["Record ID"]).sum() == leads["won"].sum()


def test_traffic_quotas_and_survey():
    web = pd.read_csv(DEMO / "ga4_channels_daily.csv")
    paid = web["Session default channel group"].isin(["Paid Search", "Social"])
    assert web.loc[paid, "Cost"].notna().all() and web.loc[~paid, "Cost"].isna().all()
    assert web.groupby("Date").size().eq(6).all() and web["Date"].nunique() == 549  # 2025-05-01..2026-10-31
    quotas = pd.read_csv(DEMO / "sales_quotas.csv")
    assert len(quotas) == 18 * 3 and set(quotas["Sales Team"]) == {"Atlas", "Boreal", "Cobalt"}
    s = pd.read_csv(DEMO / "alignment_survey.csv")
    assert s["Response ID"].nunique() == 16
    s = s[s["Score"].between(1, 5) & s["Question"].isin([q[0] for q in synth.SURVEY_QUESTIONS])]
    means = s.groupby("Question")["Score"].mean()
    assert means["follow_up"] < 2.5 and means["shared_definitions"] < 2.5 and means["sla_exists"] < 2.5
    lq = s[s["Question"] == "lead_quality"].groupby("Department")["Score"].mean()
    assert lq["Marketing"] - lq["Sales"] >= 2  # documented: 4.33 vs 1.71


# ---------------------------------------------------------------------------------------------
# dirty rows: documented, present in the raw files, and found by the loader
# ---------------------------------------------------------------------------------------------
def test_dirty_rows_documented_match_generator_and_files(tmp_path):
    doc = documented_dirty_rows()
    res = synth.generate(tmp_path / "d")
    gen = [dict(file=d["file"], row=d["row"], column=d["column"], value=d["value"], reason=d["reason"])
           for d in res["dirty"]]
    key = lambda d: (d["file"], d["row"])  # noqa: E731
    assert sorted(doc, key=key) == sorted(gen, key=key)
    assert len(doc) == 10
    for d in doc:
        enc = "cp1252" if d["file"] == "salesforce_tasks.csv" else "utf-8"
        sep = ";" if d["file"] == "hubspot_deals.csv" else ","
        raw = pd.read_csv(DEMO / d["file"], dtype=str, encoding=enc, sep=sep, keep_default_na=False)
        assert raw.iloc[d["row"] - 2][d["column"]] == d["value"], d


def test_loader_reads_demo_and_ledger_has_each_dirty_row():
    import smk

    client = smk.load_client(DEMO)
    assert set(client.tables) == {"leads", "activities", "contact_attempts", "deals", "web_traffic", "quotas", "survey"}
    assert client.default_period() == "2026-10"
    ledger = client.ledger.to_frame()
    set_aside = ledger[ledger["action"] == "row_set_aside"]
    found = {(r.file, int(r.source_row), r.reason) for r in set_aside.itertuples()}
    expected = {(d["file"], d["row"], d["reason"]) for d in documented_dirty_rows() if d["reason"]}
    assert len(expected) == 9
    assert found == expected  # each documented row, and nothing else, is set aside
    assert (client.survey["question_id"] == synth.UNKNOWN_QUESTION).sum() == 0
    # the formula-injection company is a valid row, kept verbatim
    assert (client.leads["company"] == synth.FORMULA_COMPANY).sum() == 1
    # accented cp1252 rep names decode to the same owners as the contacts export
    assert set(client.contact_attempts["rep"]) <= set(client.leads["owner"])
    # value maps applied: canonical values only
    assert set(client.deals["stage"]) == {"won", "lost", "open"}
    assert set(client.leads["channel"]) == {c[0] for c in synth.CHANNELS}
    assert set(client.activities["activity_type"]) == set(synth.ACTIVITY_VALUES.values())
    for name, df in client.tables.items():
        assert client.rows_in[name] == len(df) + (set_aside["table"] == name).sum(), name
    # placeholders and whitespace cleaned
    assert client.leads["industry"].isna().sum() > 50 and "Select" not in set(client.leads["industry"].dropna())
    assert (client.leads["company"].dropna() == client.leads["company"].dropna().str.strip()).all()
    # deal amounts parsed from the European format ('€12.345,00')
    raw = read_deals(DEMO).set_index("Deal ID")["amount"]
    assert np.allclose(client.deals.set_index("deal_id")["amount"], raw.reindex(client.deals["deal_id"]).to_numpy())


def test_alignment_audit_keeps_one_ledger_row_for_the_unknown_question():
    """The loader sets the unknown question id aside; the alignment audit does not record it twice."""
    import smk
    from smk.analyses import alignment

    client = smk.load_client(DEMO)
    alignment.audit(client)
    ledger = client.ledger.to_frame()
    row = [d for d in documented_dirty_rows() if d["reason"] == "unknown_question"][0]
    hit = ledger[(ledger["file"] == row["file"]) & (ledger["source_row"] == row["row"])]
    assert hit["reason"].tolist() == ["unknown_question"]
    # the ids the generator uses are exactly the default bank's
    assert set(alignment.question_bank(client.config.survey)["id"]) == {q[0] for q in synth.SURVEY_QUESTIONS}
