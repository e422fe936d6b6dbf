"""Tests of smk.analyses.attempts and smk.views.attempts (notebook 05): hand-worked examples, a
simulation with known truth, the demo's planted curve, the recommendation computed once per client,
and the words of every section in both languages."""
from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import run_notebook_cells as run_cells  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import smk  # noqa: E402
import smk.report  # noqa: E402
from smk import texts  # noqa: E402
from smk.analyses import attempts as A  # noqa: E402
from smk.analyses.base import Missing  # noqa: E402
from smk.analyses.outcomes import lead_outcomes  # noqa: E402
from smk.analyses.stats import wilson_interval  # noqa: E402
from smk.client import Client  # noqa: E402
from smk.errors import NotEnoughData  # noqa: E402
from smk.io.config import ClientConfig  # noqa: E402
from smk.io.ledger import Ledger  # noqa: E402
from smk.views import attempts as V  # noqa: E402
from smk.views.html import text_html  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TZ = "UTC"
DATA_END = pd.Timestamp("2026-01-01", tz=TZ)


def T(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz=TZ)


def _dt(values) -> pd.Series:
    return pd.Series(values, dtype=f"datetime64[ns, {TZ}]")


# --------------------------------------------------------------------------------------------
# a small log worked by hand
# --------------------------------------------------------------------------------------------
@pytest.fixture
def small():
    """Six leads, all created 2025-01-01 (old enough at 2026-01-01):

    L1 ebook: no_answer, connected(1-02)            won 1-10, $1,000 → first connect 2, sale credited to 2
    L2 ebook: no_answer ×3                          not won         → exit 3
    L3 demo:  connected (10:00)                     not won         → first connect 1, exit 1
    L4 demo:  no_answer, no_answer, connected(1-04) won 1-20, $3,000 → sale credited to 3
    L5 ebook: never attempted                       not won         → exit 0
    L6 demo:  no_answer, no_answer, [connected 1-07 after the win]   won 1-05, $2,000
              → the 3rd attempt is after won_at and ignored; no connect before the win, so the sale
                is credited to the last attempt before it: 2
    """
    leads = pd.DataFrame({
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6"],
        "created_at": _dt([T("2025-01-01")] * 6),
        "offer": ["ebook", "ebook", "demo", "demo", "ebook", "demo"],
        "customer_at": _dt([T("2025-01-10"), pd.NaT, pd.NaT, T("2025-01-20"), pd.NaT, T("2025-01-05")]),
        "revenue": [1000.0, np.nan, np.nan, 3000.0, np.nan, 2000.0],
    })
    att = pd.DataFrame({
        "lead_id": ["L1", "L1", "L2", "L2", "L2", "L3", "L4", "L4", "L4", "L6", "L6", "L6"],
        "attempted_at": _dt([T("2025-01-01 00:10"), T("2025-01-02"), T("2025-01-01 01:00"), T("2025-01-03"),
                             T("2025-01-04"), T("2025-01-01 10:00"), T("2025-01-02"), T("2025-01-03"),
                             T("2025-01-04"), T("2025-01-01 00:02"), T("2025-01-03"), T("2025-01-07")]),
        "outcome": ["no_answer", "connected", "no_answer", "no_answer", "no_answer", "connected",
                    "no_answer", "no_answer", "connected", "no_answer", "no_answer", "connected"],
    })
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    paths = A.attempt_paths(leads, att, oc, data_end=DATA_END, min_age_days=90, lead_type="offer")
    return leads, att, paths


def test_cost_per_attempt():
    # $40 an hour, 6 attempts an hour → 40 / 6 = $6.67 per attempt
    assert A.cost_per_attempt(40, 6) == pytest.approx(6.6667, abs=1e-4)
    # $45 / 9 = $5
    assert A.cost_per_attempt(45, 9) == 5.0
    with pytest.raises(ValueError):
        A.cost_per_attempt(40, 0)


def test_paths_by_hand(small):
    _, _, p = small
    p = p.set_index("lead_id")
    assert p["n_attempts"].tolist() == [2, 3, 1, 3, 0, 2]  # L6's attempt after the win is not counted
    assert p["first_connect"].fillna(-1).tolist() == [2, -1, 1, 3, -1, -1]
    assert p["close_attempt"].fillna(-1).tolist() == [2, -1, -1, 3, -1, 2]
    assert p["exit_attempt"].tolist() == [2, 3, 1, 3, 0, 2]
    # L1 connected on 2025-01-02, one day after creation; L3 at 10:00 = 10/24 day
    assert p.loc["L1", "success_days"] == pytest.approx(1.0)
    assert p.loc["L3", "success_days"] == pytest.approx(10 / 24)
    # L6 first attempt at 00:02 → 2 min = 1/30 h
    assert p.loc["L6", "hours_to_first_attempt"] == pytest.approx(1 / 30)
    assert p.attrs == {"source": "log", "has_connects": True, "dated": True}


def test_hazard_by_hand(small):
    _, _, p = small
    h = A.hazard_table(p)
    # at risk at k = leads with exit ≥ k: k1 {L1,L2,L3,L4,L6}=5, k2 {L1,L2,L4,L6}=4, k3 {L2,L4}=2
    assert h["at_risk"].tolist() == [5, 4, 2]
    # first connects: L3 at 1, L1 at 2, L4 at 3 → 1/5, 1/4, 1/2
    assert h["connects"].tolist() == [1, 1, 1]
    assert h["connect_rate"].tolist() == pytest.approx([0.2, 0.25, 0.5])
    # sales credited: none at 1; L1 and L6 at 2 → 2/4; L4 at 3 → 1/2
    assert h["closes"].tolist() == [0, 2, 1]
    assert h["close_hazard"].tolist() == pytest.approx([0.0, 0.5, 0.5])
    # Wilson 95 % for 2/4: centre (0.5 + 1.9208/4)/(1 + 3.8415/4) = 0.5, half = 1.96·sqrt(1/16 + 3.8415/64)/1.9604 = 0.34996
    assert h.loc[1, "close_low"] == pytest.approx(0.5 - 0.34996, abs=1e-4)
    assert h.loc[1, "close_high"] == pytest.approx(0.5 + 0.34996, abs=1e-4)


def test_attempt_value_by_hand(small):
    _, _, p = small
    h = A.hazard_table(p)
    R = A.avg_revenue_per_customer(p)  # (1000 + 3000 + 2000) / 3 = 2000
    assert R == 2000.0
    v = A.attempt_value(h, R, cost=600.0, min_group_size=1)
    # value = hazard × 2000 = 0, 1000, 1000; cost 600 → attempts 2 and 3 pay; the last is 3
    assert v["value"].tolist() == [0.0, 1000.0, 1000.0]
    assert v.attrs["recommended"] == 3
    assert v.attrs["value_last"] == 1000.0
    # lower bounds: 2/4 → 0.150·2000 = 300 < 600; 1/2 → 0.0945·2000 = 189 → none pays: 0
    assert v.attrs["recommended_low"] == 0
    assert v.attrs["recommended_high"] == 3
    # cumulative chance of a sale with up to k attempts: 1 − (1)(0.5) = 0.5, then 1 − 0.5·0.5 = 0.75
    assert v["cum_close"].tolist() == pytest.approx([0.0, 0.5, 0.75])
    # net value per lead: success hazards (connect) 0.2, 0.25, 0.5 → unreached before k: 1, 0.8, 0.6
    # Σ S·(value − 600): 1·(0 − 600) = −600; + 0.8·400 = −280; + 0.6·400 = −40
    assert v["net_value_per_lead"].tolist() == pytest.approx([-600.0, -280.0, -40.0])
    # with min_group_size 3, k = 3 (2 at risk) is too small to count → last paying usable k is 2
    assert A.attempt_value(h, R, 600.0, min_group_size=3).attrs["recommended"] == 2


def test_naive_profitability_by_hand(small):
    _, _, p = small
    cost = A.cost_per_attempt(40, 8)  # $5 per attempt
    t = A.naive_profitability(p, cost, min_group_size=1)
    # groups: 1 attempt {L3}: 0 won; 2 attempts {L1, L6}: 2 won ($1,000, $2,000); 3 {L2, L4}: 1 won ($3,000)
    assert t["attempts"].tolist() == [1, 2, 3]
    assert t["n_leads"].tolist() == [1, 2, 2]
    assert t["n_won"].tolist() == [0, 2, 1]
    assert t["close_rate"].tolist() == pytest.approx([0.0, 1.0, 0.5])
    # calling cost = k × $5 = 5, 10, 15; profitability = avg revenue per customer ÷ cost:
    # group 2: 1,500 / 10 = 150; group 3: 3,000 / 15 = 200; group 1 has no customer: undefined
    assert t["calling_cost"].tolist() == [5.0, 10.0, 15.0]
    assert math.isnan(t["profitability"].iloc[0])
    assert t["profitability"].iloc[1:].tolist() == [150.0, 200.0]
    assert t.attrs["never_attempted"] == 1  # L5


def test_levels_off():
    # range 9.3 − 1 = 8.3, band 0.83: from 9 (index 3) every later point is within 0.3; from 8, 9.3 is 1.3 away
    assert A.levels_off([1, 5, 8, 9, 9.2, 9.3]) == 3
    # falling curve: 100, 50, 33.3, 25, 20 → range 80, band 8: from 25 (index 3) only 20 follows (5 ≤ 8);
    # from 33.3, 20 is 13.3 away
    assert A.levels_off([100, 50, 100 / 3, 25, 20]) == 3
    # NaNs are skipped, positions refer to the original array
    assert A.levels_off([np.nan, 0, 10, 10]) == 2
    assert A.levels_off([1.0]) is None


def test_speed_buckets_edges():
    hours = pd.Series([0.0, 5 / 60 - 1e-9, 5 / 60, 0.5, 3.99, 4.0, 24.0, 100.0, np.nan])
    assert A.speed_bucket(hours).tolist() == ["lt_5min", "lt_5min", "5_30min", "30min_4h", "30min_4h", "4_24h",
                                              "gt_24h", "gt_24h", "never"]


def test_speed_to_lead_and_window(small):
    _, _, p = small
    s = A.speed_to_lead(p, min_group_size=1).set_index("bucket")
    # first attempts: L6 2 min (won), L1 10 min (won), L2 1 h, L3 10 h, L4 24 h (won), L5 never
    assert s["n_leads"].tolist() == [1, 1, 1, 1, 1, 1]
    assert s["n_won"].tolist() == [1, 1, 0, 0, 1, 0]
    # window rule on a hand table: fastest 40/100 (Wilson low 0.309); 5–30 min 30/100 (high 0.396 ≥ 0.309,
    # overlaps), 30 min–4 h 15/100 (high 0.236 < 0.309: clearly worse) → H = 0.5 h
    t = pd.DataFrame({"bucket": list(A.SPEED_BUCKETS), "max_hours": list(A.SPEED_EDGES_HOURS) + [np.nan],
                      "n_leads": [100] * 6, "n_won": [40, 30, 15, 35, 10, 5]})
    t["close_rate"] = t["n_won"] / t["n_leads"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["n_won"], t["n_leads"])
    t["too_small"] = False
    assert t.loc[0, "ci_low"] == pytest.approx(0.309, abs=1e-3)
    assert A.first_contact_window(t) == 0.5
    # if the fastest bucket is too small, the reference becomes 5–30 min (30/100, low 0.219); 15/100 high 0.236
    # overlaps; 4–24 h 35/100 overlaps; > 24 h 10/100 high 0.174 < 0.219 → H = 24
    t.loc[0, "too_small"] = True
    assert A.first_contact_window(t) == 24.0


def test_cadence_by_hand(small):
    _, _, p = small
    # successes with attempt ≤ 3: L1 day 1, L3 day 10/24, L4 day 3 (first connects), L6 day 2 (credited sale)
    c = A.cadence(p, 3, quantile=0.9)
    assert c.attrs["n"] == 4
    # sorted days 0.417, 1, 2, 3: the 90 % quantile (inverted cdf) is the 4th → 3 days
    assert c.attrs["within_days"] == 3
    assert c.set_index("day").loc[1.0, "successes"] == 2  # 0.417 and 1.0
    # up to attempt 1 only L3 (0.417 d) → ceil → D = 1
    assert A.cadence(p, 1).attrs["within_days"] == 1


# --------------------------------------------------------------------------------------------
# a simulated case where the truth is known: the naive method's bias
# --------------------------------------------------------------------------------------------
def simulate(n: int, seed: int, *, kmax: int = 12):
    """Leads with a known per-attempt connect hazard c_k = 0.25·0.7^(k−1); a connected lead buys with
    probability 0.4 ($1,000). Reps stop at the first connect or at their persistence G ~ U{1..kmax}.
    True P(sale at attempt k | unreached) = 0.1·0.7^(k−1). With cost $6.67 (40 / 6), attempt k pays
    while 100·0.7^(k−1) > 6.67 ⇔ k − 1 < ln(0.0667)/ln(0.7) = 7.59 ⇔ k ≤ 8: the true K is 8.
    """
    rng = np.random.default_rng(seed)
    k = np.arange(1, kmax + 1)
    c = 0.25 * 0.7 ** (k - 1)
    hit = rng.random((n, kmax)) < c
    first = np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, kmax + 1)
    G = rng.integers(1, kmax + 1, n)
    n_att = np.minimum(first, G)
    connected = first <= G
    won = connected & (rng.random(n) < 0.4)
    created = pd.Timestamp("2024-01-01", tz=TZ) + pd.to_timedelta(np.arange(n) % 200, unit="D")
    ids = np.array([f"S{i:06d}" for i in range(n)])
    lead_idx = np.repeat(np.arange(n), n_att)
    num = np.arange(len(lead_idx)) - np.repeat(np.cumsum(n_att) - n_att, n_att) + 1
    at = created[lead_idx] + pd.to_timedelta(num - 1, unit="D") + pd.Timedelta(hours=1)
    outcome = np.where((num == first[lead_idx]), "connected", "no_answer")
    won_at = created + pd.to_timedelta(n_att, unit="D") + pd.Timedelta(hours=2)
    leads = pd.DataFrame({"lead_id": ids, "created_at": created,
                          "customer_at": pd.Series(won_at).where(won, pd.NaT).astype(f"datetime64[ns, {TZ}]").to_numpy(),
                          "revenue": np.where(won, 1000.0, np.nan)})
    leads["customer_at"] = leads["customer_at"].astype(f"datetime64[ns, {TZ}]")
    att = pd.DataFrame({"lead_id": ids[lead_idx], "attempted_at": at, "outcome": outcome})
    true_close = 0.1 * 0.7 ** (k - 1)
    return leads, att, true_close


def test_naive_method_is_biased_and_hazard_recovers_truth():
    leads, att, truth = simulate(60000, seed=5)
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    p = A.attempt_paths(leads, att, oc, data_end=DATA_END, lead_type=None)
    cost = A.cost_per_attempt(40, 6)
    h = A.hazard_table(p)
    # the hazard recovers the planted probability at every attempt: |estimate − truth| < 3.5 standard errors
    se = np.sqrt(truth * (1 - truth) / h["at_risk"].to_numpy())
    z = np.abs(h["close_hazard"].to_numpy() - truth) / se
    assert z.max() < 3.5, z
    v = A.attempt_value(h, A.avg_revenue_per_customer(p), cost)
    assert abs(v.attrs["recommended"] - 8) <= 1
    # the naive "close rate of leads called k times" is not P(sale at attempt k): the group of leads
    # called once holds every lead reached at the 1st attempt but only the 1/12 abandoned after one try:
    # 0.1 / (0.25 + 0.75/12) = 0.32, three times the true 0.10
    n = A.naive_profitability(p, cost)
    assert n.loc[0, "close_rate"] == pytest.approx(0.1 / (0.25 + 0.75 / 12), abs=0.015)
    assert (n["close_rate"].iloc[:11].to_numpy() > 2 * truth[:11]).all()
    # so reading "attempts pay while close rate × revenue > cost" off the naive groups says every
    # group up to 11 pays, far beyond the true K = 8
    naive_pays = n["close_rate"] * A.avg_revenue_per_customer(p) > cost
    assert naive_pays.iloc[:11].all()
    # and the bootstrap range covers the truth
    b = A.bootstrap_recommended(p, cost, n_boot=60, seed=1)
    assert b["low"] <= 8 <= b["high"]


def test_paths_on_simulated_log():
    """Every simulated attempt is counted once (none follows a win) and every lead is at risk at k = 1."""
    leads, att, _ = simulate(20000, seed=2)
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    p = A.attempt_paths(leads, att, oc, data_end=DATA_END, lead_type=None)
    assert len(p) == 20000
    assert int(p["n_attempts"].sum()) == len(att)
    assert A.hazard_table(p)["at_risk"].iloc[0] == 20000


# --------------------------------------------------------------------------------------------
# clients: a per-lead summary without a log; recommend_sla
# --------------------------------------------------------------------------------------------
def make_client(leads: pd.DataFrame, attempts: pd.DataFrame | None = None) -> Client:
    tables = {"leads": leads}
    if attempts is not None:
        tables["contact_attempts"] = attempts
    cfg = ClientConfig(name="test")
    cfg.analysis.min_group_size = 30
    return Client(config=cfg, tables=tables, ledger=Ledger(), rows_in={}, data_end=DATA_END)


def counters_client() -> Client:
    """300 leads: 100 called once (10 won), 100 twice (10 won), 100 three times (5 won), revenue $2,000."""
    n_att = np.repeat([1, 2, 3], 100)
    won = np.zeros(300, dtype=bool)
    won[[*range(10), *range(100, 110), *range(200, 205)]] = True
    leads = pd.DataFrame({"lead_id": [f"C{i}" for i in range(300)],
                          "created_at": _dt([T("2025-01-01")] * 300),
                          "n_attempts": pd.array(n_att, dtype="Int64"),
                          "won": pd.array(won, dtype="boolean"),
                          "revenue": np.where(won, 2000.0, np.nan)})
    return make_client(leads)


def no_attempts_client() -> Client:
    leads = pd.DataFrame({"lead_id": ["a", "b"], "created_at": _dt([T("2025-01-01")] * 2),
                          "won": pd.array([True, False], dtype="boolean"), "revenue": [100.0, np.nan]})
    return make_client(leads)


def no_revenue_client() -> Client:
    # 100 leads called twice, 10 won but no revenue recorded anywhere
    won = np.zeros(100, dtype=bool)
    won[:10] = True
    leads = pd.DataFrame({"lead_id": [f"r{i}" for i in range(100)], "created_at": _dt([T("2025-01-01")] * 100),
                          "n_attempts": pd.array([2] * 100, dtype="Int64"), "won": pd.array(won, dtype="boolean")})
    return make_client(leads)


def context(client: Client, lang: str, tmp_path):
    return smk.report.setup(client_dir=tmp_path, period="2025-12", lang=lang, output_dir=tmp_path / f"out-{lang}",
                            client=client, apply_theme=False)


def test_counters_only_runs_and_explains():
    """Per-lead summary (n_attempts, won, revenue): the seed's method and the sale hazard run (crediting
    the sale to the last counted attempt); connects, speed to lead and cadence are declared missing."""
    client = counters_client()
    res = A.analyse(client, rep_hourly_cost=60, attempts_per_hour=6)  # $10 per attempt
    assert res.source == "counters" and not res.has_connects
    # hazard from counts: at risk 300, 200, 100; sales credited 10, 10, 5 → 1/30, 1/20, 1/20
    assert res.hazard["at_risk"].tolist() == [300, 200, 100]
    assert res.hazard["close_hazard"].tolist() == pytest.approx([10 / 300, 10 / 200, 5 / 100])
    assert res.hazard["connect_rate"].isna().all()
    # values 66.7, 100, 100 vs cost 10 → K = 3 (the largest k observed)
    assert res.value.attrs["recommended"] == 3 and res.recommended == 3
    # naive: groups close at 10 %, 10 %, 5 %; profitability 2000 / (10k) = 200, 100, 66.7
    assert res.naive["profitability"].tolist() == pytest.approx([200, 100, 2000 / 30])
    assert res.speed is None and res.cadence is None
    assert res.notes == ("counters", "no_timing")
    assert res.missing["speed"].reason == "attempts.data.no_timing"
    assert res.missing["cadence"] == Missing(needs=("attempt_log",), reason="attempts.data.counters")
    rec = A.recommend_sla(client, rep_hourly_cost=60, attempts_per_hour=6)
    assert rec.attempts == 3
    # H and D cannot come from counts: the current SLA (4 h, 14 days) is kept and the evidence says so
    assert rec.first_contact_hours == 4.0 and rec.within_days == 14
    assert rec.from_data == {"attempts": True, "first_contact_hours": False, "within_days": False}
    assert rec.basis == {"first_contact_hours": "no_timing", "within_days": "no_log"}
    # the figures the evidence quotes: attempt 3 brings 5 % × $2,000 = $100 against $10
    assert rec.value_last_attempt == pytest.approx(100.0) and rec.close_hazard_last == pytest.approx(0.05)
    assert rec.cost_per_attempt == 10.0 and rec.avg_revenue == 2000.0 and rec.attempts_range == (3, 3)


def test_no_attempt_data_gives_none():
    client = no_attempts_client()
    assert A.recommend_sla(client) is None
    assert A.data_notes(A.lead_paths(client)) == ("none",)
    with pytest.raises(NotEnoughData) as exc:
        A.analyse(client)
    assert exc.value.needs == ["attempts"] and exc.value.reason == "attempts.data.none"


def test_recommend_sla_from_log_keys():
    leads, att, _ = simulate(20000, seed=11)
    client = make_client(leads, att)
    rec = A.recommend_sla(client, n_boot=20)
    assert abs(rec.attempts - 8) <= 1
    # every simulated attempt is one day apart from creation + 1 h: a success at attempt k happens on
    # day k − 1 + 1/24, so D (90 % of successes up to K) is a whole number of days ≤ K
    assert 1 <= rec.within_days <= rec.attempts
    assert rec.from_data["within_days"] is True and rec.basis["within_days"] == "data"
    for lang in ("en", "es"):
        assert V.evidence(rec, lang, "USD")["attempts"].startswith(f"K = {rec.attempts}: ")
    # the same recommendation whether notebook 05 computes it or 04/06 ask for it first
    assert A.analyse(make_client(leads, att), n_boot=20).recommendation == rec


def test_recommendation_is_a_read_only_mapping_too():
    """Callers written against the former dict (rec["attempts"], "within_days" in rec) keep working;
    the translated keys are gone (sentences: smk.views.attempts.evidence)."""
    rec = A.recommend_sla(counters_client(), rep_hourly_cost=60, attempts_per_hour=6)
    assert rec["attempts"] == rec.attempts == 3
    assert all(k in rec for k in ("first_contact_hours", "attempts", "within_days"))
    assert "evidence_en" not in rec and rec.get("evidence_en", "") == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.attempts = 4  # type: ignore[misc]


def test_recommend_sla_is_computed_once_per_client(monkeypatch):
    """Notebooks 04, 05 and 06 all need 05's recommendation: per client it is computed once (the
    per-lead attempt paths, its underlying computation, are built once), and analyse() hands its own
    to later callers."""
    leads, att, _ = simulate(4000, seed=3)
    calls = []
    real = A.lead_paths

    def counting(client, **kw):
        calls.append(client)
        return real(client, **kw)

    monkeypatch.setattr(A, "lead_paths", counting)
    client = make_client(leads, att)
    first = A.recommend_sla(client)
    assert A.recommend_sla(client) is first and A.recommend_sla(client) is first
    assert len(calls) == 1
    # another client computes its own
    other = make_client(leads, att)
    assert A.recommend_sla(other) == first and len(calls) == 2
    # notebook 05 first: analyse() stores its recommendation, recommend_sla then computes nothing
    c05 = make_client(leads, att)
    res = A.analyse(c05)
    assert len(calls) == 3
    assert A.recommend_sla(c05) is res.recommendation and len(calls) == 3
    # other cost parameters are another recommendation
    A.recommend_sla(c05, rep_hourly_cost=80)
    assert len(calls) == 4


# --------------------------------------------------------------------------------------------
# the demo's planted curve (smk/io/synth.py constants, documented in docs/demo-data.md)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The committed demo client when it exists, else the same generator's default client in a tmp dir."""
    from smk.io import synth

    path = ROOT / "data" / "demo"
    if not (path / "client.yml").exists():
        path = tmp_path_factory.mktemp("demo")
        synth.generate(path)
    client = smk.load_client(path)
    return client, A.analyse(client, n_boot=50)


def test_demo_planted_curve_recovered(demo):
    from smk.io import synth

    _, res = demo
    # planted: attempts 1..8 can produce a sale, attempts 9+ never do (LAST_USEFUL_ATTEMPT = 8); each sale
    # is worth ~€16k against €6.67 per attempt, so the value of attempts 1..8 exceeds the cost and the
    # recommended number is 8
    assert synth.LAST_USEFUL_ATTEMPT == 8
    assert abs(res.value.attrs["recommended"] - 8) <= 1
    assert abs(res.recommendation.attempts - 8) <= 1
    later = res.hazard[res.hazard["attempts"] > synth.LAST_USEFUL_ATTEMPT]
    assert later["closes"].sum() == 0
    # the planted connect hazard per attempt is recovered (within 3.5 standard errors) for k = 1..8
    h = res.hazard.iloc[:8]
    truth = np.asarray(synth.CONNECT_HAZARD[:8])
    z = np.abs(h["connect_rate"].to_numpy() - truth) / np.sqrt(truth * (1 - truth) / h["at_risk"].to_numpy())
    assert z.max() < 3.5, z


def test_demo_speed_to_lead_planted(demo):
    from smk.io import synth

    _, res = demo
    s = res.speed.set_index("bucket")
    # planted close multipliers: < 5 min ×2.5, 4–24 h ×0.6 → the fastest bucket closes clearly better
    assert synth.SPEED_MULT[0] / synth.SPEED_MULT[3] > 4
    assert s.loc["lt_5min", "ci_low"] > s.loc["4_24h", "ci_high"]
    assert s.loc["4_24h", "close_rate"] > s.loc["gt_24h", "close_rate"]
    # H is one of the bucket edges, and the recommendation line carries it
    assert res.recommendation.first_contact_hours in A.SPEED_EDGES_HOURS
    assert res.recommendation.first_contact_hours == res.window_hours
    assert res.recommendation.from_data["within_days"] is True


def test_demo_summary_shape(tmp_path):
    """The generator's per-lead-summary export (counters, no logs): K still comes out near 8; D is kept
    from client.yml and the notes say the cadence needs the log."""
    from smk.io import synth

    synth.generate(tmp_path, shape="summary")
    client = smk.load_client(tmp_path)
    res = A.analyse(client, n_boot=20)
    assert res.source == "counters" and res.cadence is None
    assert abs(res.value.attrs["recommended"] - 8) <= 1
    assert res.recommendation.within_days == client.config.sla.attempts_within_days
    assert "counters" in res.notes and "cadence" in res.missing


def test_delay_runs_from_mql_date():
    """With an MQL date the sales clock starts there: created 09:00, MQL 12:00, first attempt 12:30 → 0.5 h;
    a lead without an MQL date is not handed over to sales and stays out of speed to lead."""
    leads = pd.DataFrame({"lead_id": ["m", "n"], "created_at": _dt([T("2025-01-01 09:00")] * 2),
                          "mql_at": _dt([T("2025-01-01 12:00"), pd.NaT])})
    att = pd.DataFrame({"lead_id": ["m", "n"], "attempted_at": _dt([T("2025-01-01 12:30"), T("2025-01-01 10:00")]),
                        "outcome": ["no_answer", "no_answer"]})
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    p = A.attempt_paths(leads, att, oc, data_end=DATA_END)
    assert p["hours_to_first_attempt"].tolist() == pytest.approx([0.5, 1.0])
    assert p["handed_over"].tolist() == [True, False]
    assert A.speed_to_lead(p, min_group_size=1)["n_leads"].sum() == 1


def test_no_revenue_gives_no_recommendation():
    client = no_revenue_client()
    res = A.analyse(client, n_boot=5)
    assert math.isnan(res.avg_revenue) and res.recommendation is None
    assert A.recommend_sla(client) is None
    # the seed's table still runs: one group of 100 leads at 2 attempts, 10 % close rate
    assert res.naive[["attempts", "n_leads", "n_won"]].values.tolist() == [[2, 100, 10]]
    assert [h.value for h in res.headlines()] == [None, None, None]


def test_log_without_outcome_column(small):
    """A log with no call outcomes: sales go to the last attempt at or before the win, connect rates are
    unknown and the notes say so. Same six leads: L3 (1 attempt, not won) now exits at 1 unreached."""
    leads, att, _ = small
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    p = A.attempt_paths(leads, att.drop(columns="outcome"), oc, data_end=DATA_END)
    assert p.attrs == {"source": "log", "has_connects": False, "dated": True}
    # L1 won after 2 attempts, L4 after 3, L6 after 2 (its 3rd attempt follows the win)
    assert p["close_attempt"].fillna(-1).tolist() == [2, -1, -1, 3, -1, 2]
    h = A.hazard_table(p)
    assert h["at_risk"].tolist() == [5, 4, 2]
    assert h["closes"].tolist() == [0, 2, 1]
    assert h["connect_rate"].isna().all()
    # success day = the credited sale's attempt: L1 day 1, L4 day 3 (2025-01-04 − 01-01), L6 day 2
    assert p.set_index("lead_id").loc[["L1", "L4", "L6"], "success_days"].tolist() == pytest.approx([1.0, 3.0, 2.0])
    assert A.data_notes(p) == ("no_outcome",)


def test_window_basis():
    """Where H comes from, on hand tables of the five delay buckets (100 leads each)."""
    def table(won, too_small=False):
        t = pd.DataFrame({"bucket": list(A.SPEED_BUCKETS), "max_hours": list(A.SPEED_EDGES_HOURS) + [np.nan],
                          "n_leads": [100] * 6, "n_won": won})
        t["close_rate"] = t["n_won"] / t["n_leads"]
        t["ci_low"], t["ci_high"] = wilson_interval(t["n_won"], t["n_leads"])
        t["too_small"] = too_small
        return t
    # 40/100 then 15/100 (Wilson high 0.236 < low 0.309 of the fastest): H = 0.5 h from the data
    assert A.window_basis(table([40, 30, 15, 35, 10, 5])) == "data"
    # every bucket within the fastest's interval, > 24 h included: no finite window
    assert A.first_contact_window(table([30] * 6)) is None
    assert A.window_basis(table([30] * 6)) == "no_clear_drop"
    assert A.window_basis(table([30] * 6, too_small=True)) == "too_few"
    assert A.window_basis(None) == "no_timing"


# --------------------------------------------------------------------------------------------
# views (smk.views.attempts): the words, in both languages
# --------------------------------------------------------------------------------------------
def test_data_notes_texts():
    res = A.analyse(counters_client(), rep_hourly_cost=60, attempts_per_hour=6)
    assert V.data_text(res, "en") == (
        "Only per-lead attempt counts are available (no attempts log): the guide's method runs; the per-attempt "
        "sale probability assumes the counter includes the successful attempt and that calling stopped at the "
        "sale; connect rates per attempt and the cadence (D) need the log with dates and outcomes. No "
        "first-attempt times: speed to lead needs the attempts log (or a first-contact date per lead).")
    assert V.data_text(res, "es") == (
        "Solo hay el número de intentos por lead (sin registro de intentos): el método de la guía se calcula; la "
        "probabilidad de venta por intento supone que el contador incluye el intento exitoso y que se dejó de "
        "llamar al concretarse la venta; las tasas de contacto por intento y la cadencia (D) necesitan el "
        "registro con fechas y resultados. Sin la hora del primer intento: la velocidad de respuesta necesita el "
        "registro de intentos (o una fecha de primer contacto por lead).")
    assert texts.t("attempts.data.none", "en") == (
        "The data has no contact attempts (no attempts log and no number of attempts per lead): this analysis cannot run.")
    assert texts.t("attempts.data.no_outcome", "es") == (
        "El registro de intentos no tiene resultado: no hay tasas de contacto por intento; la venta se atribuye "
        "al último intento antes del cierre.")


def test_counters_evidence_and_sentences_both_languages():
    """Hand-checkable figures: attempt 3 brings 5 % × $2,000 = $100 against $60 ÷ 6 = $10 per attempt."""
    res = A.analyse(counters_client(), rep_hourly_cost=60, attempts_per_hour=6)
    rec = res.recommendation
    assert V.evidence(rec, "en", "USD") == {
        "attempts": "K = 3: attempt 3 still brings $100 of expected revenue (P(sale at attempt 3) 5.00 % among "
                    "leads not reached before × $2,000 per customer) against $10.00 per attempt, and no later "
                    "attempt with enough leads pays; the 95 % interval bounds give 3 attempts, and redoing the "
                    "calculation on samples of the leads gives 3 attempts.",
        "first_contact_hours": "H = 4 h: kept from the current SLA (the data has no first-attempt times).",
        "within_days": "D = 14 days: kept from the current SLA (this needs the attempts log with dates).",
    }
    assert V.evidence(rec, "es", "USD") == {
        "attempts": "K = 3: el intento 3 todavía aporta $100 de ingreso esperado (P(venta en el intento 3) 5,00 % "
                    "entre los leads no contactados antes × $2.000 por cliente) frente a $10,00 por intento, y "
                    "ningún intento posterior con suficientes leads se paga; los límites de los intervalos del "
                    "95 % dan 3 intentos, y al repetir el cálculo con muestras de los leads el resultado es 3 intentos.",
        "first_contact_hours": "H = 4 h: se mantiene el ANS actual (los datos no tienen la hora del primer intento).",
        "within_days": "D = 14 días: se mantiene el ANS actual (hace falta el registro de intentos con fechas).",
    }
    assert V.evidence_text(rec, "en", "USD").startswith("K = 3: attempt 3") and V.evidence_text(rec, "en", "USD").endswith(
        "(this needs the attempts log with dates).")
    assert V.sla_line(rec, "en") == "First attempt within 4 h, 3 attempts within 14 days."
    assert V.sla_line(rec, "es") == "Primer intento en menos de 4 h, 3 intentos en 14 días."
    # no connect outcomes: the 'called once' group closed 10/100, attempt 1 brought 10/300 = 3.33 %
    assert V.compare_text(res, "en") == (
        "Leads called once closed at 10.0 %, yet the first attempt brought a sale to only 3.33 % of the leads "
        "that received it: reps stop calling a lead once it answers, so the groups mix the value of an attempt "
        "with when reps stop. The corrected line counts every lead that reached attempt k without a sale, so it "
        "measures what attempt k adds.")
    assert V.compare_text(res, "es") == (
        "Los leads llamados una vez cerraron un 10,0 %, pero el primer intento trajo una venta solo al 3,33 % de "
        "los leads que lo recibieron: los vendedores dejan de llamar cuando el lead contesta, así que los grupos "
        "mezclan el valor de un intento con el momento en que se deja de llamar. La línea corregida cuenta a "
        "todos los leads que llegaron al intento k sin venta, así que mide lo que aporta el intento k.")
    table = V.recommendation_view(rec, "es", "USD")
    assert table["element"].tolist() == ["Primer intento antes de", "Intentos por lead", "Intentos realizados en"]
    assert table["value_text"].tolist() == ["4 h", "3", "14 días"]


def test_demo_sentences_both_languages(demo):
    client, res = demo
    cur = client.config.currency
    assert V.value_text(res, "en", cur) == (
        "Recommended: 8 attempts. Attempt 8 is the last whose expected value (€102) exceeds its cost (€6.67). "
        "The uncertainty of the data moves the number little: the 95 % interval bounds give 8–11 attempts, and "
        "redoing the calculation on samples of the leads gives 8 attempts.")
    assert V.value_text(res, "es", cur) == (
        "Recomendado: 8 intentos. El intento 8 es el último cuyo valor esperado (€102) supera su costo (€6,67). "
        "Con el margen de incertidumbre de los datos la cifra se mueve poco: con los extremos de los intervalos del "
        "95 % salen 8–11 intentos, y al repetir el cálculo con muestras de los leads el resultado es 8 intentos.")
    assert V.naive_text(res, "en", cur).startswith(
        "Cost per attempt: €6.67 = €40.00 ÷ 6.0 (rep hourly cost ÷ attempts per hour). The guide's profitability "
        "line levels off at 5 attempts (from there on it stays within 10 % of its range). Read literally,")
    assert V.naive_text(res, "es", cur).startswith(
        "Costo por intento: €6,67 = €40,00 ÷ 6,0 (costo por hora del vendedor ÷ intentos por hora). La línea de "
        "rentabilidad de la guía se nivela en 5 intentos (desde ahí no se aleja más del 10 % de su rango).")
    assert V.speed_text(res, "en") == (
        "Leads first attempted < 5 min after reaching sales closed at 11.8 % [7.6 %, 17.9 %]; those attempted "
        "> 24 h at 1.4 % [0.4 %, 5.0 %]. The longest delay not clearly worse than the fastest is 4 h.")
    assert V.speed_text(res, "es") == (
        "Los leads con el primer intento < 5 min tras llegar a ventas cerraron un 11,8 % [7,6 %; 17,9 %]; los "
        "contactados > 24 h, un 1,4 % [0,4 %; 5,0 %]. El mayor retraso no claramente peor que el más rápido es 4 h.")
    assert V.cadence_text(res, "en") == (
        "90 % of the 1,156 successful attempts among the first 8 happened within 8 days of the lead reaching "
        "sales: D = 8.")
    assert V.cadence_text(res, "es") == (
        "El 90 % de los 1.156 intentos exitosos entre los primeros 8 ocurrió en un plazo de 8 días desde la "
        "llegada del lead a ventas: D = 8.")
    assert V.by_type_text(res, "en").startswith(
        "Recommended attempts per lead type (Checklist: 6; Demo request: 8; Ebook: 8; Free trial: 7; Newsletter: 5; "
        "Webinar: 7). Each type uses its own revenue per customer;")
    # lead types as labels in the report's language, never as codes
    assert V.by_type_text(res, "es", client).startswith(
        "Intentos recomendados por tipo de lead (Lista de verificación: 6; Solicitud de demo: 8; Ebook: 8; "
        "Prueba gratuita: 7; Boletín: 5; Webinar: 7).")
    ev = V.evidence(res.recommendation, "es", cur)
    assert ev["attempts"].endswith("los límites de los intervalos del 95 % dan 8–11 intentos, y al repetir el cálculo "
                                   "con muestras de los leads el resultado es 8 intentos.")
    assert ev["first_contact_hours"] == (
        "H = 4 h: el mayor retraso del primer intento cuya tasa de cierre no es claramente inferior a la de los "
        "leads contactados más rápido (< 5 min 11,8 %; 5–30 min 7,6 %; 30 min–4 h 6,0 %; 4–24 h 3,2 %; > 24 h "
        "1,4 %; observacional).")
    assert V.evidence(res.recommendation, "en", cur)["within_days"] == (
        "D = 8 days: 90 % of the successful attempts among the first 8 happened within 8 days of the lead "
        "reaching sales (MQL date, else creation).")
    assert V.sla_line(res.recommendation, "en") == "First attempt within 4 h, 8 attempts within 8 days."
    assert V.sla_line(res.recommendation, "es") == "Primer intento en menos de 4 h, 8 intentos en 8 días."


def test_every_branch_reads_right():
    """One attempt, one day, minutes, decimals, and the reasons H and D were kept."""
    assert [V.hours_text(h, "en") for h in (5 / 60, 0.5, 4.0, 1.5)] == ["5 min", "30 min", "4 h", "1.5 h"]
    assert V.hours_text(1.5, "es") == "1,5 h"
    rec = A.recommend_sla(counters_client(), rep_hourly_cost=60, attempts_per_hour=6)
    one = dataclasses.replace(rec, attempts=1, within_days=1, first_contact_hours=0.5, attempts_range=(1, 1),
                              attempts_bootstrap=(1, 2))
    assert V.sla_line(one, "en") == "First attempt within 30 min, 1 attempt within 1 day."
    assert V.sla_line(one, "es") == "Primer intento en menos de 30 min, 1 intento en 1 día."
    assert ("the 95 % interval bounds give 1 attempt, and redoing the calculation on samples of the leads gives "
            "1–2 attempts.") in V.evidence(one, "en", "USD")["attempts"]
    assert ("dan 1 intento, y al repetir el cálculo con muestras de los leads el resultado es 1–2 intentos."
            in V.evidence(one, "es", "USD")["attempts"])
    kept = dataclasses.replace(one, basis={"first_contact_hours": "no_clear_drop", "within_days": "no_successes"})
    assert V.evidence(kept, "en", "USD")["first_contact_hours"] == (
        "H = 30 min: kept from the current SLA (no delay to the first attempt closes clearly worse than the fastest).")
    assert V.evidence(kept, "es", "USD")["first_contact_hours"] == (
        "H = 30 min: se mantiene el ANS actual (ningún retraso del primer intento cierra claramente peor que el más "
        "rápido).")
    assert V.evidence(kept, "en", "USD")["within_days"] == (
        "D = 1 day: kept from the current SLA (no successful attempts to time).")
    assert V.evidence(kept, "es", "USD")["within_days"] == (
        "D = 1 día: se mantiene el ANS actual (no hay intentos exitosos que fechar).")
    assert V.evidence(dataclasses.replace(kept, basis={"first_contact_hours": "too_few", "within_days": "data"}),
                      "en", "USD")["within_days"] == (
        "D = 1 day: 90 % of the successful attempts among the first attempt happened within 1 day of the lead "
        "reaching sales (MQL date, else creation).")
    assert texts.t("attempts.headline.attempts_display", "en", attempts=3, count=1) == "3 in 1 day"
    assert texts.t("attempts.headline.attempts_display", "es", attempts=3, count=14) == "3 en 14 días"


def test_no_revenue_says_why_both_languages():
    res = A.analyse(no_revenue_client(), n_boot=5)
    assert V.value_text(res, "en", "USD") == (
        "No customer with a known revenue among the old-enough leads: the value of an attempt cannot be put in "
        "money, so no number of attempts is recommended.")
    assert V.value_text(res, "es", "USD") == (
        "Ningún cliente con ingreso conocido entre los leads con antigüedad suficiente: el valor de un intento no "
        "puede expresarse en dinero, así que no se recomienda un número de intentos.")
    assert V.by_type_text(res, "en") == "No lead type has enough leads for its own line."
    assert V.by_type_text(res, "es") == "Ningún tipo de lead tiene leads suficientes para su propia línea."


def test_sections_and_headlines_through_the_context(demo, tmp_path):
    client, res = demo
    for lang, first, window in (("en", "8 in 8 days", "4 h"), ("es", "8 en 8 días", "4 h")):
        ctx = context(client, lang, tmp_path)
        ctx.show(res, "recommendation")
        line, table = ctx.shown
        assert repr(line) == V.sla_line(res.recommendation, lang)
        assert repr(table).splitlines()[0] == {"en": "SLA element | Recommended | Evidence",
                                               "es": "Elemento del ANS | Recomendado | Evidencia"}[lang]
        ctx.show(res, "speed")
        # the statistics in the small method box last; no note for the analyst in a report
        assert repr(ctx.shown[-1]) == {"en": "Method: Wilson 95 % intervals for the close rates.",
                                       "es": "Método: Intervalos de Wilson del 95 % para las tasas de cierre."}[lang]
        assert repr(ctx.shown[-2]) == {"en": "Note: This is observational: leads answered fast may differ from the others "
                                             "(hotter leads, better-staffed hours, better teams), so the gap shows an "
                                             "association, not exactly what answering faster would gain. Test it with "
                                             "a pilot before promising it.",
                                       "es": "Nota: Esto es observacional: los leads atendidos rápido pueden ser "
                                             "distintos de los demás (leads más calientes, horas con más personal, "
                                             "mejores equipos), así que la diferencia muestra una asociación, no "
                                             "exactamente lo que ganaría responder más rápido. Pruébelo con un piloto "
                                             "antes de prometerlo."}[lang]
        assert V.explorer(res, ctx) == []  # batch: no sliders
        ctx.save_headlines("05", res)
        items = json.loads((ctx.output_dir / "05.headlines.json").read_text(encoding="utf-8"))["items"]
        assert [i["value"] for i in items] == [8, 4.0, pytest.approx(res.value_last)]
        assert [i["display"] for i in items] == [first, window, "€102"]


def test_missing_sections_say_why(tmp_path):
    client = counters_client()
    res = A.analyse(client, rep_hourly_cost=60, attempts_per_hour=6)
    ctx = context(client, "es", tmp_path)
    ctx.show(res, "speed")
    ctx.show(res, "cadence")
    speed, cad = (repr(x) for x in ctx.shown)
    assert speed.startswith("No hay datos suficientes: Sin la hora del primer intento: la velocidad de respuesta "
                            "necesita el registro de intentos (o una fecha de primer contacto por lead).")
    assert cad.startswith("No hay datos suficientes: Solo hay el número de intentos por lead")
    # no attempt data at all: one box, at the first section
    c0 = no_attempts_client()
    ctx0 = context(c0, "en", tmp_path)
    r0 = ctx0.analyse(A.analyse)
    for name in ("data", "naive", "value"):
        ctx0.show(r0, name)
    assert len(ctx0.shown) == 1
    assert repr(ctx0.shown[0]).startswith("Not enough data: The data has no contact attempts (no attempts log and "
                                          "no number of attempts per lead): this analysis cannot run.")


def test_cost_sliders_move_the_recommendation(demo):
    """Interactive cell: at the default €40/h and 6 attempts/h the label says 8; at €6,000/h and 6/h an
    attempt costs €1,000, more than any attempt's value on the demo (the first is worth ≈ €273) → 0."""
    client, res = demo
    box = V.cost_sliders(res, lang="en", currency=client.config.currency)
    hourly, per_hour, label = box.children[:3]
    assert label.value == "<span>Cost per attempt €6.67 → recommended attempts: <strong>8</strong></span>"
    hourly.max = 10000
    hourly.value = 6000
    assert label.value == "<span>Cost per attempt €1,000.00 → recommended attempts: <strong>0</strong></span>"
    box = V.cost_sliders(res, lang="es", currency=client.config.currency)
    assert box.children[0].description == "Costo por hora" and box.children[1].description == "Intentos/hora"
    assert box.children[2].value == "<span>Costo por intento €6,67 → intentos recomendados: <strong>8</strong></span>"
    plt.close("all")


# --------------------------------------------------------------------------------------------
# the notebook's own cells on small clients (in-process)
# --------------------------------------------------------------------------------------------
NOTEBOOK = ROOT / "notebooks" / "05_contact_attempts.ipynb"


def run_notebook_cells(client, lang, tmp_path, monkeypatch) -> list:
    """Notebook 05's cells in-process on ``client``; what they displayed through the context."""
    return run_cells(NOTEBOOK, client, monkeypatch, period="2025-12", lang=lang, output_dir=tmp_path / "out")["ctx"].shown

@pytest.mark.parametrize("kind, lang, expect", [
    ("counters", "en", ["First attempt within 4 h, 3 attempts within 14 days.",
                        "Not enough data: No first-attempt times: speed to lead needs the attempts log"]),
    ("counters", "es", ["Primer intento en menos de 4 h, 3 intentos en 14 días.",
                        "Intentos de contacto: cuántos, con qué rapidez y en cuántos días"]),
    ("no_revenue", "en", ["The data cannot support a sales SLA on attempts (see above); keep the current one.",
                          "No customer with a known revenue among the old-enough leads"]),
    ("no_attempts", "es", ["No hay datos suficientes: Los datos no tienen intentos de contacto"]),
])
def test_notebook_renders_edge_clients(kind, lang, expect, tmp_path, monkeypatch):
    client = {"counters": counters_client, "no_revenue": no_revenue_client, "no_attempts": no_attempts_client}[kind]()
    shown = run_notebook_cells(client, lang, tmp_path, monkeypatch)
    text = "\n".join(repr(x) for x in shown)
    for e in expect:
        assert e in text
    assert "Traceback" not in text
    assert (tmp_path / "out" / "05.headlines.json").exists()


def test_cost_sliders_open_on_the_reports_costs(demo, tmp_path):
    """The sliders open on client.yml's costs exactly and compute the report's cost and K with them.
    An hourly cost of 112.40 at one attempt an hour: K = 6 (from €112.35 or so; €112, the cost rounded
    to a step of 1 as the browser used to send it back, gives 7). No step, so the browser has nothing
    to round to; the float noise it adds (a position kept as a percentage of the range) is ignored."""
    client, _ = demo
    res = A.analyse(client, rep_hourly_cost=112.4, attempts_per_hour=1, n_boot=50)
    assert res.recommended == 6
    k_rounded = A.attempt_value(res.hazard, res.avg_revenue, A.cost_per_attempt(112, 1),
                                min_group_size=res.min_group_size).attrs["recommended"]
    assert k_rounded == 7  # so the line below could not pass with the rounded cost
    ctx = context(client, "en", tmp_path)
    ctx.interactive = True
    intro, box = V.explorer(res, ctx)
    hourly, per_hour, label, _ = box.children
    assert (hourly.value, per_hour.value) == (112.4, 1.0)
    assert [(w.step, w.readout_format) for w in (hourly, per_hour)] == [(None, ".2f"), (None, ".2f")]
    # "Attempts/hour" in full (the default description width cut it to "Attempts/…")
    assert [w.style.description_width for w in (hourly, per_hour)] == ["initial", "initial"]
    expected = text_html(texts.t("attempts.explorer.label", "en", cost="€112.40", k=6), tag="span").html
    assert label.value == expected and "<strong>6</strong>" in expected

    hourly.value = float(np.nextafter(112.4, 200.0))  # what the browser may send back for 112.4
    assert label.value == expected
    hourly.value = 112.0  # the analyst's own value: K 7
    assert label.value == text_html(texts.t("attempts.explorer.label", "en", cost="€112.00", k=7), tag="span").html


@pytest.mark.parametrize(("cost", "ticks"), [
    (40 / 6, ["€0", "€10", "€100"]),            # the demo's report: €6.67 too close to €10 to be labelled
    (50.0, ["€0", "€50", "€100"]),
    (200.0, ["€0", "€100", "€200"]),            # cost and top (€713) in the same power of ten
    (400.0, ["€0", "€100", "€400"]),            # (only "€0" before: matplotlib's ticks, and the cost)
])
def test_value_chart_keeps_its_y_labels_at_high_cost(demo, cost, ticks):
    _, res = demo
    v = A.attempt_value(res.hazard, res.avg_revenue, cost, min_group_size=res.min_group_size)
    ax = V.plot_value(v, lang="en", currency="EUR")
    ax.figure.canvas.draw()
    assert ax.get_ylim() == pytest.approx((0.0, 712.9), abs=0.1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ticks
    plt.close(ax.figure)
