"""Funnel by channel and leaks (smk/closerate.py funnel, funnel_steps, leaks)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import smk.report
from smk.analyses import closerate as cr
from smk.client import Client
from smk.io.config import ClientConfig
from smk.io.ledger import Ledger
from smk.views import closerate as vcr
from conftest import title_of

UTC = "UTC"


def make_client(leads, *, data_end, web_traffic=None, **analysis) -> Client:
    cfg = ClientConfig(name="test")
    for k, v in analysis.items():
        setattr(cfg.analysis, k, v)
    tables = {"leads": leads}
    if web_traffic is not None:
        tables["web_traffic"] = web_traffic
    return Client(config=cfg, tables=tables, ledger=Ledger(), rows_in={k: len(v) for k, v in tables.items()},
                  data_end=pd.Timestamp(data_end, tz=UTC))


def hand_leads() -> pd.DataFrame:
    # id channel created     mql         sql         won at
    # A  email   2025-01-01  2025-01-02  2025-01-05  2025-01-31
    # B  email   2025-01-10  2025-01-11  -           -
    # C  email   2025-02-01  2025-02-02  2025-02-10  2025-06-01
    # D  paid    2025-01-05  2025-01-06  2025-01-07  2025-01-15
    # E  paid    2025-02-01  2025-02-03  -           -
    # F  paid    2025-06-15  -           -           2025-06-20   (won without MQL/SQL dates: still passed them)
    # G  referral 2025-05-01 -           -           -
    # H  (none)  2025-01-01  -           -           -
    rows = [("A", "email", "2025-01-01", "2025-01-02", "2025-01-05", "2025-01-31"),
            ("B", "email", "2025-01-10", "2025-01-11", None, None),
            ("C", "email", "2025-02-01", "2025-02-02", "2025-02-10", "2025-06-01"),
            ("D", "paid", "2025-01-05", "2025-01-06", "2025-01-07", "2025-01-15"),
            ("E", "paid", "2025-02-01", "2025-02-03", None, None),
            ("F", "paid", "2025-06-15", None, None, "2025-06-20"),
            ("G", "referral", "2025-05-01", None, None, None),
            ("H", None, "2025-01-01", None, None, None)]
    df = pd.DataFrame(rows, columns=["lead_id", "channel", "created_at", "mql_at", "sql_at", "customer_at"])
    for c in ("created_at", "mql_at", "sql_at", "customer_at"):
        df[c] = pd.to_datetime(df[c]).dt.tz_localize(UTC)
    df["channel"] = df["channel"].astype(object)
    return df


def traffic() -> pd.DataFrame:
    # January 2025 only: email 100 visits, paid 50 (one row per day would be the same after summing)
    return pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-01-31", "2025-01-15"]),
                         "channel": ["email", "email", "paid"], "visits": [60, 40, 50]})


def ctx_for(client, lang, tmp_path):
    return smk.report.setup(client_dir=tmp_path, period="2025-06", lang=lang, output_dir=tmp_path, client=client,
                            apply_theme=False)


def test_funnel_counts_and_ratios_by_hand():
    c = make_client(hand_leads(), data_end="2025-07-01", web_traffic=traffic())
    f = cr.funnel(c).set_index("group")
    # reached a stage = has its date or a later one: F (won) counts as MQL and SQL
    assert f.loc["email", ["leads", "mqls", "sqls", "customers"]].tolist() == [3, 3, 2, 2]
    assert f.loc["paid", ["leads", "mqls", "sqls", "customers"]].tolist() == [3, 3, 2, 2]
    assert f.loc["referral", ["leads", "mqls", "sqls", "customers"]].tolist() == [1, 0, 0, 0]
    assert f.loc["(all)", ["leads", "mqls", "sqls", "customers"]].tolist() == [8, 6, 4, 4]
    # leads created in the traffic period (January): email A, B; paid D; H (no channel)
    assert f.loc["email", "leads_traffic"] == 2 and f.loc["paid", "leads_traffic"] == 1
    assert f.loc["email", "visits"] == 100 and f.loc["paid", "visits"] == 50
    assert np.isnan(f.loc["referral", "visits"])  # not in the traffic table: unknown, not zero
    assert f.loc["email", "visit_to_lead"] == pytest.approx(2 / 100)
    assert f.loc["email", "visits_per_lead"] == pytest.approx(50)
    assert f.loc["paid", "visits_per_lead"] == pytest.approx(50)
    assert f.loc["(all)", "visits"] == 150 and f.loc["(all)", "visits_per_lead"] == pytest.approx(150 / 4)
    assert f.loc["email", "mql_to_sql"] == pytest.approx(2 / 3)
    assert f.loc["email", "sql_to_customer"] == pytest.approx(1.0)
    assert f.loc["email", "leads_per_customer"] == pytest.approx(1.5)
    assert f.loc["(all)", "leads_per_customer"] == pytest.approx(2.0)
    assert np.isnan(f.loc["referral", "leads_per_customer"])  # no customer: no ratio, no crash


def test_funnel_without_traffic_or_mql_dates():
    leads = hand_leads().drop(columns=["mql_at", "sql_at"])
    f = cr.funnel(make_client(leads, data_end="2025-07-01"))
    assert f["visits"].isna().all() and f["lead_to_mql"].isna().all()
    assert f.attrs["has_mql"] is False and f.attrs["has_traffic"] is False
    steps = cr.funnel_steps(make_client(leads, data_end="2025-07-01"))
    assert steps.empty  # no step can be measured: no crash


def test_funnel_steps_against_overall_by_hand():
    c = make_client(hand_leads(), data_end="2025-07-01", web_traffic=traffic(), min_group_size=1)
    s = cr.funnel_steps(c)
    m = s[s["step"] == "mql_to_sql"].set_index("group")
    # MQL → SQL: email 2/3, paid 2/3; overall over groups with MQLs: 4/6
    assert m.loc["email", "rate"] == pytest.approx(2 / 3)
    assert m.loc["email", "overall_rate"] == pytest.approx(4 / 6)
    assert m.loc["email", "diff"] == pytest.approx(0)
    assert "referral" not in m.index  # 0 MQLs: nothing enters the step
    v = s[s["step"] == "visit_to_lead"].set_index("group")
    assert set(v.index) == {"email", "paid"}
    assert v.loc["paid", "rate"] == pytest.approx(1 / 50)
    assert v.loc["paid", "overall_rate"] == pytest.approx(3 / 150)


def test_funnel_sentence_in_both_languages(tmp_path):
    c = make_client(hand_leads(), data_end="2025-07-01", web_traffic=traffic(), min_group_size=1)
    f = cr.funnel(c)
    lk = cr.leaks(cr.funnel_steps(c, funnel_table=f))
    assert lk.empty  # 8 leads: nothing is clearly below
    # overall: 150 visits for the 4 leads created in January → 37.5 visits per lead; 8 leads, 4 customers → 2.0
    assert vcr.funnel_text(f, lk, ctx_for(c, "en", tmp_path)) == (
        "No channel is clearly below the overall rate at any step. Overall, 37.5 visits per lead and 2.0 leads per "
        "customer.")
    assert vcr.funnel_text(f, lk, ctx_for(c, "es", tmp_path)) == (
        "Ningún canal está claramente por debajo del total en ningún paso. En total, 37,5 visitas por lead y 2,0 "
        "leads por cliente.")
    no_traffic = make_client(hand_leads(), data_end="2025-07-01")
    f0 = cr.funnel(no_traffic)
    assert vcr.funnel_text(f0, lk, ctx_for(no_traffic, "en", tmp_path)) == (
        "No channel is clearly below the overall rate at any step. Overall, 2.0 leads per customer.")
    assert vcr.funnel_text(f0, lk, ctx_for(no_traffic, "es", tmp_path)) == (
        "Ningún canal está claramente por debajo del total en ningún paso. En total, 2,0 leads por cliente.")


def test_planted_leak_is_found(tmp_path):
    """Planted: 'social' passes lead → MQL at 20 %, the others at 60 %; everything else equal."""
    rng = np.random.default_rng(5)
    n = 1500
    ch = np.repeat(["email", "paid", "social"], n // 3)
    created = pd.Timestamp("2025-01-01", tz=UTC) + pd.to_timedelta(rng.uniform(0, 200, n), unit="D")
    p_mql = np.where(ch == "social", 0.2, 0.6)
    mql = rng.random(n) < p_mql
    sql = mql & (rng.random(n) < 0.5)
    won = sql & (rng.random(n) < 0.4)
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(n)], "created_at": created, "channel": ch,
                          "mql_at": pd.Series(created + pd.Timedelta(days=1)).where(mql),
                          "sql_at": pd.Series(created + pd.Timedelta(days=5)).where(sql),
                          "customer_at": pd.Series(created + pd.Timedelta(days=30)).where(won)})
    c = make_client(leads, data_end="2025-12-31")
    steps = cr.funnel_steps(c)
    lk = cr.leaks(steps)
    assert lk.iloc[0]["group"] == "social" and lk.iloc[0]["step"] == "lead_to_mql"
    assert set(lk["step"]) == {"lead_to_mql"}  # later steps were planted equal
    social = steps[(steps["group"] == "social") & (steps["step"] == "lead_to_mql")].iloc[0]
    assert social["ci_low"] < 0.2 < social["ci_high"]
    f = cr.funnel(c)
    one = lk.head(1)  # social, lead → MQL: 21.2 % against 47.9 % overall (seeded data)
    assert vcr.funnel_text(f, one, ctx_for(c, "en", tmp_path)) == (
        "Leaks (steps with a rate clearly below the overall rate, after BH correction): social: Lead → MQL (21.2 % vs "
        "47.9 %). Overall, 10.4 leads per customer.")
    assert vcr.funnel_text(f, one, ctx_for(c, "es", tmp_path)) == (
        "Fugas (pasos con tasa claramente por debajo del total, tras corrección BH): social: Lead → MQL (21,2 % vs "
        "47,9 %). En total, 10,4 leads por cliente.")


def test_plot_funnel():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = make_client(hand_leads(), data_end="2025-07-01", web_traffic=traffic(), min_group_size=1)
    fig = vcr.plot_funnel(cr.funnel_steps(c), "es")
    assert title_of(fig.axes[0]) == "Tasas por paso del embudo y canal (rojo: por debajo del total)"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["Visita → lead", "Lead → MQL", "MQL → SQL",
                                                                      "SQL → cliente"]
    plt.close("all")
