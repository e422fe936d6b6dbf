"""Tests of smk.analyses.attempts (notebook 05): hand-worked examples, a simulation with known truth,
and the demo's planted curve."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smk.analyses import attempts as A
from smk.client import Client
from smk.io.config import ClientConfig
from smk.io.ledger import Ledger
from smk.analyses.outcomes import lead_outcomes

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
    assert p.attrs == {"source": "log", "has_connects": True}


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
    from smk.analyses.stats import wilson_interval
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


def test_counters_only_runs_and_explains():
    """Per-lead summary (n_attempts, won, revenue): the seed's method and the sale hazard run (crediting
    the sale to the last counted attempt); connects, speed to lead and cadence are declared missing."""
    # 300 leads: 100 called once (10 won), 100 twice (10 won), 100 three times (5 won), revenue $2,000
    n_att = np.repeat([1, 2, 3], 100)
    won = np.zeros(300, dtype=bool)
    won[[*range(10), *range(100, 110), *range(200, 205)]] = True
    leads = pd.DataFrame({"lead_id": [f"C{i}" for i in range(300)],
                          "created_at": _dt([T("2025-01-01")] * 300),
                          "n_attempts": pd.array(n_att, dtype="Int64"),
                          "won": pd.array(won, dtype="boolean"),
                          "revenue": np.where(won, 2000.0, np.nan)})
    client = make_client(leads)
    res = A.analyse(client, rep_hourly_cost=60, attempts_per_hour=6)  # $10 per attempt
    assert res.source == "counters" and not res.has_connects
    # hazard from counts: at risk 300, 200, 100; sales credited 10, 10, 5 → 1/30, 1/20, 1/20
    assert res.hazard["at_risk"].tolist() == [300, 200, 100]
    assert res.hazard["close_hazard"].tolist() == pytest.approx([10 / 300, 10 / 200, 5 / 100])
    assert res.hazard["connect_rate"].isna().all()
    # values 66.7, 100, 100 vs cost 10 → K = 3 (the largest k observed)
    assert res.value.attrs["recommended"] == 3
    # naive: groups close at 10 %, 10 %, 5 %; profitability 2000 / (10k) = 200, 100, 66.7
    assert res.naive["profitability"].tolist() == pytest.approx([200, 100, 2000 / 30])
    assert res.speed is None and res.cadence is None
    notes = A.data_notes(res.paths, "en")
    assert any("no attempts log" in s for s in notes) and any("speed to lead" in s for s in notes)
    assert any("registro de intentos" in s for s in A.data_notes(res.paths, "es"))
    rec = A.recommend_sla(client, rep_hourly_cost=60, attempts_per_hour=6)
    assert rec["attempts"] == 3
    # H and D cannot come from counts: the current SLA (4 h, 14 days) is kept and the evidence says so
    assert rec["first_contact_hours"] == 4.0 and rec["within_days"] == 14
    assert rec["from_data"] == {"attempts": True, "first_contact_hours": False, "within_days": False}
    assert "kept from the current SLA" in rec["evidence_en"]
    assert "se mantiene el ANS actual" in rec["evidence_es"]


def test_no_attempt_data_gives_none():
    leads = pd.DataFrame({"lead_id": ["a", "b"], "created_at": _dt([T("2025-01-01")] * 2),
                          "won": pd.array([True, False], dtype="boolean"), "revenue": [100.0, np.nan]})
    client = make_client(leads)
    assert A.recommend_sla(client) is None
    assert A.data_notes(A.lead_paths(client), "en")[0].startswith("The data has no contact attempts")


def test_recommend_sla_from_log_keys():
    leads, att, _ = simulate(20000, seed=11)
    client = make_client(leads, att)
    rec = A.recommend_sla(client, n_boot=20)
    assert {"first_contact_hours", "attempts", "within_days", "evidence_en", "evidence_es"} <= set(rec)
    assert abs(rec["attempts"] - 8) <= 1
    # every simulated attempt is one day apart from creation + 1 h: a success at attempt k happens on
    # day k − 1 + 1/24, so D (90 % of successes up to K) is a whole number of days ≤ K
    assert 1 <= rec["within_days"] <= rec["attempts"]
    assert rec["from_data"]["within_days"] is True
    assert f"K = {rec['attempts']}" in rec["evidence_en"] and f"K = {rec['attempts']}" in rec["evidence_es"]


# --------------------------------------------------------------------------------------------
# the demo's planted curve (smk/synth.py constants, documented in docs/demo-data.md)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The committed demo client when it exists, else the same generator's default client in a tmp dir."""
    import smk
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
    assert abs(res.recommendation["attempts"] - 8) <= 1
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
    assert res.recommendation["first_contact_hours"] in A.SPEED_EDGES_HOURS
    assert res.recommendation["from_data"]["within_days"] is True


def test_demo_summary_shape(tmp_path):
    """The generator's per-lead-summary export (counters, no logs): K still comes out near 8; D is kept
    from client.yml and the notes say the cadence needs the log."""
    import smk
    from smk.io import synth

    synth.generate(tmp_path, shape="summary")
    client = smk.load_client(tmp_path)
    res = A.analyse(client, n_boot=20)
    assert res.source == "counters" and res.cadence is None
    assert abs(res.value.attrs["recommended"] - 8) <= 1
    assert res.recommendation["within_days"] == client.config.sla.attempts_within_days
    assert any("cadence (D) need the log" in n for n in A.data_notes(res.paths, "en"))


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


def test_cost_sliders_move_the_recommendation(demo):
    """Interactive cell: at the default €40/h and 6 attempts/h the label says 8; at €6,000/h and 6/h an
    attempt costs €1,000, more than any attempt's value on the demo (the first is worth ≈ €273) → 0."""
    import matplotlib

    matplotlib.use("Agg")
    _, res = demo
    box = A.cost_sliders(res, lang="en")
    hourly, per_hour, label = box.children[:3]
    assert "<b>8</b>" in label.value and "€6.67" in label.value
    hourly.max = 10000
    hourly.value = 6000
    assert "<b>0</b>" in label.value and "€1,000.00" in label.value


def test_headlines_and_sentences(demo):
    _, res = demo
    items = A.headlines(res, "es")
    assert [i["value"] for i in items[:2]] == [res.recommendation["attempts"], res.recommendation["first_contact_hours"]]
    assert items[0]["display"].endswith("días")
    assert items[2]["value"] == pytest.approx(res.value.attrs["value_last"])
    # every part has a sentence in both languages, and they differ
    for part in ("data", "naive", "compare", "value", "by_type", "speed", "cadence", "recommendation"):
        assert A.say(res, part, "en").text != A.say(res, part, "es").text
    view = A.recommendation_view(res.recommendation, "es")
    assert view["value_text"].tolist()[1] == str(res.recommendation["attempts"])


def test_no_revenue_gives_no_recommendation_and_says_why():
    # 100 leads called twice, 10 won but no revenue recorded anywhere
    won = np.zeros(100, dtype=bool)
    won[:10] = True
    leads = pd.DataFrame({"lead_id": [f"r{i}" for i in range(100)], "created_at": _dt([T("2025-01-01")] * 100),
                          "n_attempts": pd.array([2] * 100, dtype="Int64"), "won": pd.array(won, dtype="boolean")})
    client = make_client(leads)
    res = A.analyse(client, n_boot=5)
    assert math.isnan(res.avg_revenue) and res.recommendation is None
    assert "known revenue" in A.say(res, "value", "en").text
    # the seed's table still runs: one group of 100 leads at 2 attempts, 10 % close rate
    assert res.naive[["attempts", "n_leads", "n_won"]].values.tolist() == [[2, 100, 10]]


def test_log_without_outcome_column(small):
    """A log with no call outcomes: sales go to the last attempt at or before the win, connect rates are
    unknown and the notes say so. Same six leads: L3 (1 attempt, not won) now exits at 1 unreached."""
    leads, att, _ = small
    oc = lead_outcomes(leads, None, data_end=DATA_END)
    p = A.attempt_paths(leads, att.drop(columns="outcome"), oc, data_end=DATA_END)
    assert p.attrs == {"source": "log", "has_connects": False}
    # L1 won after 2 attempts, L4 after 3, L6 after 2 (its 3rd attempt follows the win)
    assert p["close_attempt"].fillna(-1).tolist() == [2, -1, -1, 3, -1, 2]
    h = A.hazard_table(p)
    assert h["at_risk"].tolist() == [5, 4, 2]
    assert h["closes"].tolist() == [0, 2, 1]
    assert h["connect_rate"].isna().all()
    # success day = the credited sale's attempt: L1 day 1, L4 day 3 (2025-01-04 − 01-01), L6 day 2
    assert p.set_index("lead_id").loc[["L1", "L4", "L6"], "success_days"].tolist() == pytest.approx([1.0, 3.0, 2.0])
    assert any("no outcome column" in n for n in A.data_notes(p, "en"))
