"""Kaplan–Meier and Aalen–Johansen on a small case worked by hand (smk/survival.py)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from smk.analyses import survival

# Eight leads, days since creation and what happened then:
#   day 1 won, day 2 lost, day 2 won, day 3 still open (censored), day 4 won,
#   day 5 lost, day 5 open (censored), day 6 won.
T = [1, 2, 2, 3, 4, 5, 5, 6]
E = ["won", "lost", "won", "censored", "won", "lost", "censored", "won"]
Z = 1.959963984540054


def test_event_table_counts_at_risk_by_hand():
    tab = survival.event_table(T, E)
    # at risk = leads with time >= t: day1 8, day2 7, day3 5, day4 4, day5 3, day6 1
    assert tab["time"].tolist() == [1, 2, 3, 4, 5, 6]
    assert tab["at_risk"].tolist() == [8, 7, 5, 4, 3, 1]
    assert tab["won"].tolist() == [1, 1, 0, 1, 0, 1]
    assert tab["lost"].tolist() == [0, 1, 0, 0, 1, 0]
    assert tab["censored"].tolist() == [0, 0, 1, 0, 1, 0]


def test_kaplan_meier_product_limit_greenwood_loglog_by_hand():
    km = survival.kaplan_meier(T, [e == "won" for e in E])  # lost treated as censored here
    # S(1) = 7/8; S(2) = 7/8 · 6/7 = 3/4; S(3) = 3/4; S(4) = 3/4 · 3/4 = 9/16; S(5) = 9/16; S(6) = 0
    assert km["survival"].tolist() == pytest.approx([7 / 8, 3 / 4, 3 / 4, 9 / 16, 9 / 16, 0.0])
    # Greenwood sums: 1/(8·7); + 1/(7·6); (no event at 3); + 1/(4·3)
    gw = [1 / 56, 1 / 56 + 1 / 42, 1 / 56 + 1 / 42, 1 / 56 + 1 / 42 + 1 / 12]
    s = [7 / 8, 3 / 4, 3 / 4, 9 / 16]
    assert km["se"].iloc[:4].tolist() == pytest.approx([si * math.sqrt(g) for si, g in zip(s, gw)])
    assert km["se"].iloc[0] == pytest.approx(0.116927, abs=1e-6)  # 0.875 · sqrt(1/56)
    # log(-log) interval at day 1: se_θ = sqrt(1/56) / |ln 0.875| = 0.133631 / 0.133531 = 1.000749
    # low = 0.875^exp(+1.96·1.000749) = 0.875^7.1092 = 0.38700; high = 0.875^exp(−1.96·1.000749) = 0.98139
    assert km["ci_low"].iloc[0] == pytest.approx(0.38700, abs=5e-5)
    assert km["ci_high"].iloc[0] == pytest.approx(0.98139, abs=5e-5)
    # where S reaches 0 (day 6: the only lead at risk wins) the interval is undefined
    assert np.isnan(km["ci_low"].iloc[-1])
    q = survival.km_quantiles(km).iloc[0]
    # median: first day with S <= 0.5 is day 6; 25 %: first day with S <= 0.75 is day 2
    assert q["q50"] == 6 and q["q25"] == 2 and q["q75"] == 6
    # median interval off the band: lower = first day ci_low <= 0.5 (day 1: 0.387); upper = first day
    # ci_high <= 0.5: never (0.981, 0.931, 0.931, 0.842, 0.842, undefined) → not reached
    assert q["q50_low"] == 1 and np.isnan(q["q50_high"])


def test_aalen_johansen_cumulative_incidence_by_hand():
    cif = survival.cumulative_incidence(T, E, event="won")
    # all-cause survival S just after each day (won or lost end the risk):
    #   day1 7/8; day2 7/8·5/7 = 5/8; day3 5/8; day4 5/8·3/4 = 15/32; day5 15/32·2/3 = 5/16; day6 0
    assert cif["survival"].tolist() == pytest.approx([7 / 8, 5 / 8, 5 / 8, 15 / 32, 5 / 16, 0.0])
    # F(t) = Σ S(t_{j-1}) d_j / n_j:
    #   day1 1·1/8 = 0.125; day2 + 7/8·1/7 = 0.25; day4 + 5/8·1/4 = 0.40625; day6 + 5/16·1/1 = 0.71875
    assert cif["cif"].tolist() == pytest.approx([0.125, 0.25, 0.25, 0.40625, 0.40625, 0.71875])
    # 1 − KM (lost treated as censored) would say 1.0 by day 6: it counts lost leads as future customers.
    km = survival.kaplan_meier(T, [e == "won" for e in E])
    assert 1 - km["survival"].iloc[-1] == pytest.approx(1.0)
    # competing incidence of lost: day2 7/8·1/7 = 0.125; day5 + 15/32·1/3 = 0.28125; F_won + F_lost + S = 1
    lost = survival.cumulative_incidence(T, E, event="lost")
    assert lost["cif"].tolist() == pytest.approx([0, 0.125, 0.125, 0.125, 0.28125, 0.28125])
    assert (cif["cif"] + lost["cif"] + cif["survival"]).tolist() == pytest.approx([1.0] * 6)
    # delta-method variance, day 1: only the middle term, S0² d(n−d)/n³ = 1·1·7/512
    assert cif["se"].iloc[0] == pytest.approx(math.sqrt(7 / 512))
    # day 2 (F = 0.25):
    #   Σ [F(2) − F(t_j)]² D_j/(n_j(n_j − D_j))  = 0.125²·1/56                = 0.000279018
    #   Σ S(t_{j−1})² d_j (n_j − d_j)/n_j³        = 7/512 + (7/8)²·1·6/343      = 0.013671875 + 0.013392857
    #   −2 Σ [F(2) − F(t_j)] S(t_{j−1}) d_j/n_j² = −2·0.125·1·1/64             = −0.00390625
    #   Var = 0.0234375
    assert cif["se"].iloc[1] ** 2 == pytest.approx(0.0234375, rel=1e-9)


def test_cumulative_incidence_matches_statsmodels_on_random_data():
    """Cross-check only (the hand case above is the real test): statsmodels' CumIncidenceRight."""
    from statsmodels.duration.survfunc import CumIncidenceRight

    rng = np.random.default_rng(3)
    n = 400
    t = rng.integers(1, 60, n).astype(float)
    code = rng.choice([0, 1, 2], n, p=[0.3, 0.3, 0.4])
    labels = np.array(["censored", "won", "lost"])[code]
    ours = survival.cumulative_incidence(t, labels, event="won")
    ref = CumIncidenceRight(t, code)
    assert ours["time"].to_numpy() == pytest.approx(ref.times)
    assert ours["cif"].to_numpy() == pytest.approx(ref.cinc[0])
    ok = np.isfinite(ref.cinc_se[0])
    assert ours["se"].to_numpy()[ok] == pytest.approx(ref.cinc_se[0][ok], rel=1e-8)


def test_kaplan_meier_matches_statsmodels_on_random_data():
    from statsmodels.duration.survfunc import SurvfuncRight

    rng = np.random.default_rng(4)
    t = rng.integers(1, 40, 300).astype(float)
    ev = rng.random(300) < 0.6
    ours = survival.kaplan_meier(t, ev)
    ref = SurvfuncRight(t, ev.astype(float))
    # statsmodels keeps only event times; compare there
    at = ours.set_index("time").loc[ref.surv_times]
    assert at["survival"].to_numpy() == pytest.approx(ref.surv_prob)
    ok = np.isfinite(ref.surv_prob_se)
    assert at["se"].to_numpy()[ok] == pytest.approx(ref.surv_prob_se[ok])


def test_groups_are_independent_and_tiny_groups_do_not_crash():
    t = T + [3, 7]
    e = E + ["censored", "won"]
    g = ["a"] * 8 + ["solo_open", "solo_won"]
    cif = survival.cumulative_incidence(t, e, event="won", groups=g)
    a = cif[cif["group"] == "a"]
    assert a["cif"].tolist() == pytest.approx([0.125, 0.25, 0.25, 0.40625, 0.40625, 0.71875])
    solo_open = cif[cif["group"] == "solo_open"].iloc[0]
    assert solo_open["cif"] == 0 and solo_open["at_risk"] == 1
    solo_won = cif[cif["group"] == "solo_won"].iloc[0]
    assert solo_won["cif"] == 1.0
    km = survival.kaplan_meier(t, [x == "won" for x in e], groups=g)
    assert set(km["group"]) == {"a", "solo_open", "solo_won"}
    q = survival.km_quantiles(km).set_index("group")
    assert np.isnan(q.loc["solo_open", "q50"])  # never reached
    assert q.loc["solo_won", "q50"] == 7


def test_empty_input_gives_empty_tables():
    assert survival.kaplan_meier([], np.array([], dtype=bool)).empty
    assert survival.cumulative_incidence([], np.array([], dtype=object)).empty


def test_value_at_and_origin():
    cif = survival.cumulative_incidence(T, E, event="won")
    v = survival.value_at(cif, 4.5)
    assert v["cif"].iloc[0] == pytest.approx(0.40625)
    assert survival.value_at(cif, 0.5)["cif"].iloc[0] == 0.0  # before the first event
    o = survival.with_origin(cif, "cif", 0.0)
    assert o["time"].iloc[0] == 0 and o["cif"].iloc[0] == 0 and o["survival"].iloc[0] == 1.0
    assert len(o) == len(cif) + 1
    pd.testing.assert_frame_equal(o.iloc[1:].reset_index(drop=True), cif, check_dtype=False)


def test_grouped_tables_equal_one_call_per_group_and_statsmodels():
    """The adapter splits by group: each group's rows equal a call on that group alone, and
    statsmodels on the same subjects (event times; the censoring-only rows carry the curve forward)."""
    from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight

    rng = np.random.default_rng(8)
    n = 900
    t = rng.integers(0, 50, n).astype(float)
    code = rng.choice([0, 1, 2], n, p=[0.4, 0.3, 0.3])
    labels = np.array(["censored", "won", "lost"], dtype=object)[code]
    g = rng.choice(np.array(["b", "a", None], dtype=object), n)
    cif = survival.cumulative_incidence(t, labels, event="won", groups=g)
    km = survival.kaplan_meier(t, code == 1, groups=g)
    assert list(pd.unique(cif["group"])) == ["(missing)", "a", "b"]  # sorted by name, missing labelled
    for name in ("a", "b", "(missing)"):
        m = (g == name) if name != "(missing)" else pd.isna(g)
        alone = survival.cumulative_incidence(t[m], labels[m], event="won")
        part = cif[cif["group"] == name].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone.drop(columns="group"))
        ref = CumIncidenceRight(t[m], code[m])
        assert part["time"].to_numpy() == pytest.approx(ref.times)
        assert part["cif"].to_numpy() == pytest.approx(ref.cinc[0])
        k = km[km["group"] == name].set_index("time")
        sf = SurvfuncRight(t[m], (code[m] == 1).astype(float))
        assert k.loc[sf.surv_times, "survival"].to_numpy() == pytest.approx(sf.surv_prob)
        assert k.loc[sf.surv_times, "at_risk"].to_numpy() == pytest.approx(sf.n_risk)
        # a censoring-only day keeps the survival of the last event day before it
        quiet = k[k["events"] == 0]
        for day, row in quiet.iterrows():  # a handful of days
            before = sf.surv_prob[sf.surv_times <= day]
            assert row["survival"] == pytest.approx(before[-1] if len(before) else 1.0)
