"""Notebook 02 analysis (smk.analyses.scoring): activity close rates, fit × interest, thresholds, demo effects."""
from __future__ import annotations

import pandas as pd
import pytest

from smk.analyses import scoring
from smk.analyses.outcomes import lead_outcomes

TZ = "Europe/Madrid"
END = pd.Timestamp("2026-06-30 23:59", tz=TZ)


def _ts(s):
    return pd.Timestamp(s, tz=TZ)


def _hand_made():
    """10 leads; activity A by a,b,c,d (a, b won); B by e..i (e won); lead j did nothing (j won).

    Lead a also did B, but only after it was won: that event must not count."""
    ids = list("abcdefghij")
    created = [_ts("2026-01-01")] * 10
    customer = {"a": "2026-01-20", "b": "2026-01-25", "e": "2026-02-01", "j": "2026-02-10"}
    leads = pd.DataFrame({
        "lead_id": ids, "created_at": created,
        "customer_at": [(_ts(customer[i]) if i in customer else pd.NaT) for i in ids],
    })
    leads["customer_at"] = leads["customer_at"].astype(f"datetime64[ns, {TZ}]")
    ev = [("a", "2026-01-05", "A"), ("b", "2026-01-06", "A"), ("c", "2026-01-07", "A"), ("d", "2026-01-08", "A"),
          ("e", "2026-01-09", "B"), ("f", "2026-01-10", "B"), ("g", "2026-01-11", "B"), ("h", "2026-01-12", "B"),
          ("i", "2026-01-13", "B"), ("a", "2026-03-01", "B")]
    acts = pd.DataFrame({"lead_id": [e[0] for e in ev], "occurred_at": [_ts(e[1]) for e in ev],
                         "activity_type": [e[2] for e in ev], "asset": ["x"] * len(ev)})
    return leads, acts, lead_outcomes(leads, None, data_end=END)


def test_activity_close_rates_by_hand():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, min_group_size=1).set_index("activity")
    # A: 4 leads, 2 customers → 50 %; B: 5 leads (a's later visit excluded), 1 customer → 20 %
    assert r.loc["A", ["n", "customers"]].tolist() == [4, 2]
    assert r.loc["B", ["n", "customers"]].tolist() == [5, 1]
    assert r.loc["A", "rate"] == pytest.approx(0.5)
    # Wilson 95 % for 2/4: centre 0.5, half = 1.96·sqrt(0.25/4 + 1.96²/64)/(1 + 1.96²/4) = 0.34996
    assert r.loc["A", "ci_low"] == pytest.approx(0.15004, abs=1e-4)
    assert r.loc["A", "ci_high"] == pytest.approx(0.84996, abs=1e-4)
    # average activity close rate = (0.5 + 0.2) / 2 = 0.35 (unweighted); base rate = 4 won / 10 = 0.4
    df = scoring.activity_close_rates(leads, oc, acts, min_group_size=1)
    assert df.attrs["average_rate"] == pytest.approx(0.35)
    assert df.attrs["base_rate"] == pytest.approx(0.4)
    assert r.loc["A", "lift_vs_average"] == pytest.approx(0.5 / 0.35)
    assert r.loc["B", "lift_vs_base"] == pytest.approx(0.2 / 0.4)
    assert r.loc["A", "rank"] == 1 and r.loc["B", "rank"] == 2
    assert not r["significant"].any()  # 10 leads prove nothing
    assert df.attrs["source"] == "log" and df.attrs["cutoff_applied"]


def test_small_groups_are_flagged_not_ranked():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, min_group_size=5).set_index("activity")
    # A has 4 leads < 5: flagged, unranked, excluded from the average (which is then B's 0.2)
    assert bool(r.loc["A", "too_small"]) and pd.isna(r.loc["A", "rank"])
    assert r.loc["B", "rank"] == 1
    assert scoring.activity_close_rates(leads, oc, acts, min_group_size=5).attrs["average_rate"] == pytest.approx(0.2)


def test_close_rates_from_counters():
    leads, _, oc = _hand_made()
    leads = leads.assign(n_A=[1, 1, 1, 1, 0, 0, 0, 0, 0, 0], n_B=[1, 0, 0, 0, 1, 1, 1, 1, 1, 0])
    r = scoring.activity_close_rates(leads, oc, None, min_group_size=1)
    # counters carry no dates: a's B counts (6 leads, customers a and e → 2/6)
    assert r.set_index("activity").loc["B", ["n", "customers"]].tolist() == [6, 2]
    assert r.attrs["source"] == "counters" and not r.attrs["cutoff_applied"]


def test_by_asset_within_type():
    leads, acts, oc = _hand_made()
    r = scoring.activity_close_rates(leads, oc, acts, by="asset", min_group_size=1)
    assert set(r["activity"]) == {"A · x", "B · x"}


def test_fit_interest_quadrants_and_actions():
    leads = pd.DataFrame({"lead_id": list("abcd"), "industry": ["Insurance", "Insurance", "Retail", "Retail"],
                          "n_demo_request": [1, 0, 1, 0]})
    fit = [{"field": "industry", "operator": "=", "value": "Insurance", "points": 10}]
    interest = [{"field": "n_demo_request", "operator": ">=", "value": 1, "points": 30}]
    per = scoring.fit_interest(leads, fit, interest, fit_threshold=10, interest_threshold=30)
    assert per["quadrant"].tolist() == ["high_fit_high_interest", "high_fit_low_interest",
                                        "low_fit_high_interest", "low_fit_low_interest"]
    t = scoring.quadrant_table(per, [True, False, True, False], min_group_size=1)
    assert t["n"].tolist() == [1, 1, 1, 1] and t["customers"].tolist() == [1, 0, 1, 0]
    assert "24" in t.loc[0, "action_en"] and "24" in t.loc[0, "action_es"]
    assert t.loc[3, "action_en"] == "Drop from lists"
    # without thresholds: above the median is high (median fit = 5 → Insurance high)
    per2 = scoring.fit_interest(leads, fit, interest)
    assert per2["fit_high"].tolist() == [True, True, False, False]
    assert per2.attrs["threshold_source"] == "median"


def test_fit_interest_group_caps():
    leads = pd.DataFrame({"lead_id": ["a"], "n_demo_request": [1], "n_pricing_page_view": [1]})
    interest = [{"field": "n_demo_request", "operator": ">=", "value": 1, "points": 30},
                {"field": "n_pricing_page_view", "operator": ">=", "value": 1, "points": 25}]
    per = scoring.fit_interest(leads, [], interest, group_caps={"interest": 40}, interest_threshold=40)
    # 30 + 25 = 55, capped at 40 → high interest (≥ 40)
    assert per["interest"].tolist() == [40.0] and per["interest_high"].tolist() == [True]


def test_mql_cutoff_counts_only_activity_before_the_mql_date():
    leads, acts, oc = _hand_made()
    # d becomes an MQL on 2026-01-02, before its only event (A on 2026-01-08): with cutoff="mql" that A no
    # longer counts, so A has a, b, c → 3 leads, 2 customers (a, b)
    oc = oc.copy()
    oc.loc[oc["lead_id"] == "d", "mql_at"] = _ts("2026-01-02")
    r = scoring.activity_close_rates(leads, oc, acts, cutoff="mql", min_group_size=1).set_index("activity")
    assert r.loc["A", ["n", "customers"]].tolist() == [3, 2]


def test_threshold_table_by_hand():
    scores = pd.DataFrame({"points": [10, 20, 30, 40], "label": [False, True, False, True]})
    t = scoring.threshold_table(scores, leads_month=100, min_group_size=1).set_index("threshold")
    # t = 30: leads with 30, 40 → 2 MQLs (50 % of leads → 50 a month), 1 customer → 50 %, capture 1/2
    assert t.loc[30.0, ["mqls", "customers"]].tolist() == [2, 1]
    assert t.loc[30.0, "close_rate"] == 0.5 and t.loc[30.0, "capture"] == 0.5
    assert t.loc[30.0, "mqls_per_month"] == pytest.approx(50.0)
    assert t.loc[10.0, "capture"] == 1.0


def test_sales_capacity_and_recommendation():
    cap = scoring.sales_capacity(reps=3, calling_hours_per_month=60, attempts_per_hour=6, attempts_per_lead=8)
    assert cap["capacity"] == pytest.approx(3 * 60 * 6 / 8)  # 135 MQLs a month
    scores = pd.DataFrame({"points": [10, 20, 30, 40], "label": [False, True, False, True]})
    t = scoring.threshold_table(scores, leads_month=200, min_group_size=1)
    # per month: t=10 → 200, 20 → 150, 30 → 100, 40 → 50; capacity 135 → lowest threshold that fits = 30
    rec = scoring.recommend_threshold(t, capacity=cap["capacity"])
    assert rec["threshold"] == 30.0 and rec["basis"] == "capacity"
    # target 60 %: close rates 50 %, 66.7 %, 50 %, 100 % → lowest threshold reaching it = 20
    assert scoring.recommend_threshold(t, target_close_rate=0.6)["threshold"] == 20.0
    # both: the higher (30)
    assert scoring.recommend_threshold(t, capacity=135, target_close_rate=0.6)["basis"] == "both"
    # capacity does not bind (every lead fits): highest threshold still capturing ≥ 90 % = 20 (100 %)
    rec = scoring.recommend_threshold(t, capacity=1000)
    assert rec["threshold"] == 20.0 and rec["basis"] == "capture"
    assert scoring.recommend_threshold(t) is None


def test_mql_definition_in_both_languages():
    from smk.analyses.rules import Rule
    rules = [Rule("n_demo_request", ">=", 1.0, 68, group="interest"), Rule("job_title", "=", "Student", -49, group="fit")]
    rec = {"threshold": 60.0, "mqls_per_month": 140.4, "close_rate": 0.083, "capture": 0.91, "basis": "capacity"}
    en = scoring.mql_definition(rec, rules, lang="en", window_days=90)
    es = scoring.mql_definition(rec, rules, lang="es", window_days=90)
    assert "reaches 60 points" in en and "Demo request (at least once) +68" in en and "Job title is Student -49" in en
    assert "140 MQLs a month" in en and "8.3 %" in en and "90 days" in en
    assert "llega a 60 puntos" in es and "Solicitud de demo (al menos una vez) +68" in es and "8,3 %" in es
    assert "Cargo es Student -49" in es


# ------------------------------------------------------------------------------------------------
# The demo's planted effects (smk.io.synth: demo requests and pricing-page views close far above average)
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    import smk
    from smk.io import synth

    d = tmp_path_factory.mktemp("demo")
    synth.generate(d, n_leads=4000)
    return smk.load_client(d)


def test_demo_planted_activities_are_significant_and_ranked_first(demo):
    r = scoring.close_rates(demo)
    top = r.head(2)
    assert set(top["activity"]) == {"demo_request", "pricing_page_view"}
    assert top["significant"].all() and (top["direction"] == "above").all()
    assert (top["lift_vs_average"] > 1.8).all()
    assert r.attrs["source"] == "log"


def test_demo_summary_shape_counters_find_the_same_effects(tmp_path):
    import smk
    from smk.io import synth

    synth.generate(tmp_path, n_leads=4000, shape="summary")
    c = smk.load_client(tmp_path)
    r = scoring.close_rates(c)
    assert r.attrs["source"] == "counters" and not r.attrs["cutoff_applied"]
    top = r.head(2)
    assert set(top["activity"]) == {"demo_request", "pricing_page_view"}
    # only 4 counters, two of them planted: the seed's average is pulled up, the base rate is not
    assert (top["lift_vs_base"] > 2).all()
    assert top["significant"].all() and (top["direction"] == "above").all()


def test_demo_end_to_end(demo):
    sc = scoring.learn(demo)
    assert sc.split_kind == "time" and sc.too_recent > 0
    rules = {r.text: r.points for r in sc.rules}
    assert rules.get("n_demo_request >= 1", 0) > 0 and rules.get("n_pricing_page_view >= 1", 0) > 0
    assert sc.auc["auc"] > 0.7
    table, rec, cap = scoring.thresholds(demo, sc)
    assert rec is not None and rec["threshold"] in set(table["threshold"])
    # capacity arithmetic from client.yml: owners × 60 h × 6 attempts/h ÷ 8 attempts per lead
    n_owners = demo.leads["owner"].dropna().nunique()
    assert cap["capacity"] == pytest.approx(n_owners * 60 * 6 / 8)
    per, q = scoring.quadrants(demo, sc)
    rates = q.set_index("quadrant")["rate"]
    assert rates["high_fit_high_interest"] > rates["low_fit_low_interest"]
    h = scoring.headlines(scoring.close_rates(demo), sc, rec, "es")
    assert h[3]["display"] == f"{rec['threshold']:.0f} puntos"
    assert [i["label_en"] for i in h][:2] == ["Lift: Demo request", "Lift: Pricing page view"]
    assert h[2]["display"] == f"{sc.auc['auc']:.2f}".replace(".", ",")


def test_demo_notebook_views_and_sentences_in_both_languages(demo):
    res = scoring.analyse(demo)
    for lang in ("en", "es"):
        for part in ("activities", "assets", "quadrants", "client_rules", "scorecard", "coefficients", "excluded",
                     "calibration", "gains", "thresholds", "leakage"):
            v = scoring.view(res, part, lang)
            assert isinstance(v, pd.DataFrame)
        for part in ("activities", "assets", "quadrants", "client_rules", "scorecard", "excluded", "evaluation",
                     "calibration", "gains", "leakage", "threshold", "definition"):
            assert scoring.describe(res, part, lang)
    # the demo has no scoring rules in client.yml: the seed's three example rules are shown, and said so
    assert res.rules_source == "seed example"
    assert "example rules" in scoring.describe(res, "client_rules", "en")
    assert "reglas de ejemplo" in scoring.describe(res, "client_rules", "es")
    # Spanish sentences use the decimal comma and Spanish words
    es = scoring.describe(res, "evaluation", "es")
    assert es.startswith("AUC ") and "intervalo DeLong" in es and "," in es.split()[1]
    # the scorecard table uses the CRM's own field names (client.yml mapping) and values
    sc_view = scoring.view(res, "scorecard", "en")
    assert "First Conversion" in set(sc_view["field"]) or "Job Title" in set(sc_view["field"])


def test_analyse_turns_a_leaky_field_into_a_named_note(demo):
    import copy

    from smk.analyses.outcomes import won_within

    c = copy.copy(demo)
    c.tables = dict(demo.tables)
    oc = lead_outcomes(demo)
    # a sales-side flag with an innocent name that is the outcome itself (won within 90 days)
    c.tables["leads"] = demo.leads.assign(crm_flag=won_within(oc, 90).map({True: "A", False: "B"}).to_numpy())
    res = scoring.analyse(c)
    assert "crm_flag" in set(res.scorecard.leakage["feature"])
    assert "crm_flag" not in set(res.scorecard.coefficients["field"])
    assert any("crm_flag" in en and "crm_flag" in es for en, es in res.notes)
    assert "crm_flag" in scoring.show_notes(res, "es").text
