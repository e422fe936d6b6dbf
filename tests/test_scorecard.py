"""Learned scorecard (smk.analyses.scorecard): AUC, split, label, leakage guard, points scale, reports."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from smk.analyses.outcomes import lead_outcomes
from smk.analyses.scorecard import (LeakageWarning, auc_delong, candidate_features, gains_table, label_within, leakage_guard,
                           learn_scorecard, split_train_test)

TZ = "Europe/Madrid"


def test_auc_delong_by_hand():
    # positives 0.9, 0.4; negatives 0.5, 0.1. Pairs won by the positive: (0.9,0.5) (0.9,0.1) (0.4,0.1) → 3/4
    r = auc_delong([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1])
    assert r["auc"] == pytest.approx(0.75)
    # placements: V10 = [1, 0.5] (share of negatives below each positive), V01 = [0.5, 1] (share of
    # positives above each negative); var = s²(V10)/2 + s²(V01)/2 = 0.125/2 + 0.125/2 = 0.125
    assert r["se"] == pytest.approx(math.sqrt(0.125))
    assert r["ci_low"] == pytest.approx(max(0, 0.75 - 1.959964 * math.sqrt(0.125)), abs=1e-5)
    assert r["ci_high"] == 1.0  # clipped
    # ties count one half: one positive 0.5 vs one negative 0.5 → 0.5
    assert auc_delong([1, 0], [0.5, 0.5])["auc"] == pytest.approx(0.5)


def test_gains_table_by_hand():
    # 10 leads, scores 10..1; customers at scores 10, 9 and 3; 5 bins of 2
    score = np.arange(10, 0, -1)
    y = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    g = gains_table(score, y, [f"L{i}" for i in range(10)], n_bins=5)
    assert g["customers"].tolist() == [2, 0, 0, 1, 0]
    assert g["close_rate"].tolist() == [1.0, 0.0, 0.0, 0.5, 0.0]
    # lift of bin 1 = 1.0 / base rate 0.3 = 3.33; gains after bin 1 = 2/3 of customers in 20 % of leads
    assert g.loc[0, "lift"] == pytest.approx(1 / 0.3)
    assert g.loc[0, "cum_customers_share"] == pytest.approx(2 / 3)
    assert g["cum_customers_share"].iloc[-1] == 1.0


def test_time_split_puts_later_leads_in_test():
    created = pd.date_range("2025-01-01", periods=100, freq="D", tz=TZ)
    leads = pd.DataFrame({"lead_id": [f"L{i:03d}" for i in range(100)], "created_at": created[::-1]})
    split = split_train_test(leads, test_share=0.3)
    assert split.attrs["kind"] == "time"
    test, train = leads[split == "test"], leads[split == "train"]
    assert len(test) == 30 and len(train) == 70
    assert test["created_at"].min() >= train["created_at"].max()
    assert split.attrs["boundary"] == pd.Timestamp("2025-03-12", tz=TZ)  # day 70 (0-based) of 100


def test_split_without_dates_is_a_labelled_random_split():
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(50)], "created_at": pd.NaT})
    a = split_train_test(leads, test_share=0.2, seed=7)
    b = split_train_test(leads, test_share=0.2, seed=7)
    assert a.attrs["kind"] == "random (no dates)"
    assert (a == "test").sum() == 10
    assert a.tolist() == b.tolist()  # fixed seed: same split


def test_label_excludes_leads_too_recent():
    end = pd.Timestamp("2026-06-30", tz=TZ)
    leads = pd.DataFrame({
        "lead_id": ["a", "b", "c", "d"],
        "created_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-05-01", "2026-06-20"]).tz_localize(TZ),
        "customer_at": pd.to_datetime(["2026-02-01", "2026-05-15", "2026-05-10", None]).tz_localize(TZ),
    })
    oc = lead_outcomes(leads, None, data_end=end)
    lab = label_within(oc, end, 90)
    # a: won after 31 days → 1; b: won after 134 days → 0 within 90; c, d: created < 90 days before the end
    assert lab["label"].tolist()[:2] == [True, False]
    assert lab["eligible"].tolist() == [True, True, False, False]
    assert lab.attrs["too_recent"] == 2


def _planted(n=1200, seed=1, leak=False):
    """Leads whose close chance rises with a demo request (+) and a gmail address (−)."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-01-01", tz=TZ) + pd.to_timedelta(np.sort(rng.uniform(0, 500, n)), unit="D")
    demo = rng.random(n) < 0.3
    industry = rng.choice(["Insurance", "Retail", "Energy"], n)
    logit = -2.5 + 2.0 * demo + 0.8 * (industry == "Insurance")
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    customer_at = created + pd.to_timedelta(np.where(won, rng.uniform(5, 60, n), np.nan), unit="D")
    leads = pd.DataFrame({"lead_id": [f"L{i:04d}" for i in range(n)], "created_at": created,
                          "industry": industry, "n_demo_request": demo.astype(int),
                          "customer_at": customer_at})
    if leak:
        leads["crm_flag"] = np.where(won, "yes", "no")  # innocent name, equals the outcome
        leads["Tags"] = np.where(won, "Closed by sales", "Ringing")
    end = pd.Timestamp("2026-06-30", tz=TZ)
    return leads, lead_outcomes(leads, None, data_end=end), end


def test_leakage_guard_catches_a_feature_equal_to_the_outcome():
    leads, oc, end = _planted(leak=True)
    with pytest.warns(LeakageWarning, match="crm_flag"):
        sc = learn_scorecard(leads, oc, data_end=end, window_days=90, min_support=20)
    flagged = sc.leakage.set_index("feature")
    assert flagged.loc["crm_flag", "reason"] == "auc"
    assert flagged.loc["crm_flag", "auc"] == pytest.approx(1.0)
    assert flagged.loc["Tags", "reason"] == "name"  # sales-entered by name, excluded whatever its AUC
    used = set(sc.coefficients["field"])
    assert "crm_flag" not in used and "Tags" not in used
    assert {"crm_flag", "Tags"} <= set(sc.excluded["feature"])
    assert any("crm_flag" in w for w in sc.warnings)


def test_leakage_guard_configured_columns():
    leads, oc, end = _planted()
    g = leakage_guard(leads, oc["won"].to_numpy(), ["industry", "n_demo_request"], exclude=["Industry"])
    assert g["feature"].tolist() == ["industry"] and g["reason"].tolist() == ["configured"]


def test_scorecard_points_follow_the_documented_scale_and_find_the_planted_effect():
    leads, oc, end = _planted(n=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakageWarning)  # nothing leaky here
        sc = learn_scorecard(leads, oc, data_end=end, window_days=90, points_to_double_odds=20, min_support=20)
    c = sc.coefficients.set_index("rule")
    # points = round(PDO / ln 2 × β), recomputed independently for every row
    assert (c["points"] == (20 / math.log(2) * c["beta"]).round().astype(int)).all()
    # planted: demo request β = 2.0 (≈ 58 points), its interval covers the truth
    demo = c.loc["n_demo_request >= 1"]
    assert demo["ci_low"] < 2.0 < demo["ci_high"]
    assert demo["points"] > 0
    assert sc.split_kind == "time"
    test = sc.scores[sc.scores["split"] == "test"]
    train = sc.scores[sc.scores["split"] == "train"]
    assert test["created_at"].min() >= train["created_at"].max()
    assert sc.auc["ci_low"] < sc.auc["auc"] < sc.auc["ci_high"]
    assert sc.auc["auc"] > 0.6
    # calibration: overall predicted mean within the Wilson interval of the observed rate on test
    from smk.analyses.stats import wilson_interval
    lo, hi = wilson_interval(int(test["label"].sum()), len(test))
    assert lo <= test["probability"].mean() <= hi
    # the scorecard rules are the positive/negative rows, in CRM form
    assert all(r.points != 0 for r in sc.rules)


def test_sparse_and_collinear_features_are_reported():
    leads, oc, end = _planted()
    leads["industry_copy"] = leads["industry"]  # perfectly collinear with industry
    leads["rare"] = np.where(np.arange(len(leads)) < 5, "x", "y")  # 5 leads only
    sc = learn_scorecard(leads, oc, data_end=end, window_days=90, min_support=20, p_remove=None)
    ex = sc.excluded
    assert "collinear" in set(ex.loc[ex["feature"].str.startswith("industry_copy"), "reason"])
    assert "sparse" in set(ex.loc[ex["feature"].str.startswith("rare"), "reason"])


def test_candidate_features_reference_level_and_counts():
    frame = pd.DataFrame({"lead_id": list("abcdef"), "industry": ["A", "A", "A", "B", "B", None],
                          "n_page_view": [0, 1, 2, 5, 9, 20]})
    cands, skipped = candidate_features(frame, columns=["industry", "n_page_view"], min_support=1)
    texts = [c.rule.text for c in cands]
    # A is the most frequent level: the reference, not a feature
    assert "industry = A" not in texts and "industry = B" in texts and "industry is unknown" in texts
    # page views: ≥ 1, and ≥ floor(75th percentile among doers) = floor(9) → 9
    assert "n_page_view >= 1" in texts and "n_page_view >= 9" in texts


def test_pattern_fit_equals_per_lead_logit():
    """_fit_logit groups leads by covariate pattern; β, SE and p must be those of a per-lead Logit."""
    import statsmodels.api as sm

    from smk.analyses.scorecard import _fit_logit

    rng = np.random.default_rng(3)
    n = 5000
    X = pd.DataFrame({"a": rng.random(n) < 0.3, "b": rng.random(n) < 0.5, "c": rng.random(n) < 0.1}).astype(float)
    eta = -2 + 1.2 * X["a"] - 0.7 * X["b"] + 0.9 * X["c"]
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    ref = sm.Logit(y.astype(float), sm.add_constant(X, has_constant="add")).fit(disp=0, method="newton")
    got = _fit_logit(y, X)
    assert list(got.params.index) == ["const", "a", "b", "c"]
    np.testing.assert_allclose(got.params, ref.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.bse, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(got.pvalues, ref.pvalues, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(got.conf_int(0.05), ref.conf_int(0.05), rtol=1e-6)
    # a non-binary covariate (Platt scaling on points) takes the general pattern path
    pts = pd.DataFrame({"_points": rng.integers(0, 40, n).astype(float)})
    y2 = rng.random(n) < 1 / (1 + np.exp(-(-3 + 0.08 * pts["_points"])))
    ref2 = sm.Logit(y2.astype(float), sm.add_constant(pts, has_constant="add")).fit(disp=0, method="newton")
    got2 = _fit_logit(y2, pts)
    np.testing.assert_allclose(got2.params, ref2.params, rtol=1e-7)
    np.testing.assert_allclose(got2.bse, ref2.bse, rtol=1e-6)


def test_not_enough_to_learn_is_a_not_enough_data_error_with_a_catalogue_key():
    from smk import texts
    from smk.analyses.scorecard import NotEnoughToLearn
    from smk.errors import NotEnoughData

    leads, oc, end = _planted(n=60)  # 54 leads old enough, 9 customers: too few to learn
    with pytest.raises(NotEnoughToLearn) as err:
        learn_scorecard(leads, oc, data_end=end, window_days=90, min_support=20)
    exc = err.value
    assert isinstance(exc, NotEnoughData) and exc.reason == "scoring.missing.not_learned"
    # the training window's labelled leads, counted independently: oldest 70 % of the leads ≥ 90 days old
    lab = label_within(oc, end, 90)
    el = leads[lab["eligible"].to_numpy()]
    y = lab.loc[lab["eligible"], "label"].to_numpy()[split_train_test(el).to_numpy() == "train"]
    assert exc.params == {"customers": int(y.sum()), "others": int((~y).sum()), "min_events": 10}
    assert exc.params["customers"] < 10
    for lang in texts.LANGS:
        assert str(exc.params["customers"]) in texts.t(exc.reason, lang, **exc.params)


def test_calibration_bands_are_numbered_with_their_probability_range():
    from smk.analyses.scorecard import calibration_table

    prob = np.linspace(0.01, 0.5, 10)
    y = np.array([0, 0, 0, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    c = calibration_table(prob, y, n_bins=5)
    assert c["band"].tolist() == [1, 2, 3, 4, 5] and c["n"].tolist() == [2] * 5
    assert c["p_lo"].tolist() == pytest.approx(prob[::2]) and c["p_hi"].tolist() == pytest.approx(prob[1::2])
    assert c["observed"].tolist() == [0.0, 0.5, 0.0, 0.5, 1.0]


# ------------------------------------------------------------------------------------------------
# The leakage guard's checks, one by one, on hand-made columns (issue 16 items 1 and 2)
# ------------------------------------------------------------------------------------------------
def _guard(frame, y, status=None, created=None, **kw):
    return leakage_guard(frame, y, list(frame.columns), status=status, created=created, **kw).set_index("feature")


def test_names_match_at_the_start_of_a_word():
    n = 200
    rng = np.random.default_rng(0)
    y = rng.uniform(size=n) < 0.25  # independent of every column: only the names can flag them
    cols = {c: rng.choice(["a", "b"], n) for c in ("Close Date", "closeQuarter", "call_duration", "Lost Reason", "homeowner",
                                                   "annual_revenue", "hometown", "Lead Owner", "Contact Attempts",
                                                   "Do Not Call", "enclosed_area")}
    g = _guard(pd.DataFrame(cols), y)
    assert g["reason"].to_dict() == {"Close Date": "name", "closeQuarter": "name", "call_duration": "name",
                                     "Lost Reason": "name", "Lead Owner": "sales_side", "Contact Attempts": "sales_side"}
    # 'homeowner', 'annual_revenue', 'hometown' (…won…), 'Do Not Call', 'enclosed_area' are lead attributes


def test_a_field_filled_in_only_for_closed_leads():
    # 200 leads: 60 won, 60 lost, 80 open; 'q' is filled for every closed lead and no open one
    status = np.array(["won"] * 60 + ["lost"] * 60 + ["open"] * 80)
    frame = pd.DataFrame({"q": np.where(status != "open", "x", None), "other": ["a", "b"] * 100})
    g = _guard(frame, status == "won", status=frame.assign(_status=status))
    assert g.loc["q", ["reason", "action", "n", "k", "share", "other"]].tolist() == [
        "post_outcome", "exclude", 120, 120, 1.0, 0.0]
    # filled for 90 % of the closed leads' share but some open ones too: doubtful, kept for review
    filled = np.r_[np.ones(120, bool), np.arange(80) < 12]  # 120 closed + 12 of 80 open: 120 / 132 = 0.91 closed
    frame = pd.DataFrame({"q": np.where(filled, "x", None)})
    g = _guard(frame, status == "won", status=frame.assign(_status=status))
    assert g.loc["q", ["reason", "action", "n", "k"]].tolist() == ["mostly_closed", "review", 132, 120]
    assert g.loc["q", "share"] == pytest.approx(120 / 132) and g.loc["q", "other"] == 0.0


def test_dates_and_calendar_parts():
    created = pd.Series(pd.date_range("2025-01-01", periods=360, freq="D"))
    y = np.arange(360) % 5 == 0
    frame = pd.DataFrame({
        "fiscal_q": (created + pd.Timedelta(days=120)).dt.to_period("Q").astype(str),  # later quarters
        "born_q": created.dt.to_period("Q").astype(str),  # the creation quarter itself
        "month_name": created.dt.month_name(),
        "Fecha alta": ["x", "y"] * 180,
        "tier": created.dt.quarter.map({1: "gold", 2: "silver", 3: "bronze", 4: "iron"}),  # a quarter in disguise
        "industry": ["Retail", "Energy", "Software"] * 120,
        "year_founded": [1990 + i % 30 for i in range(360)],  # a date about the company, not the lead's arrival
        "Best day to call": ["Monday", "Friday", "any"] * 120,
    })
    g = _guard(frame, y, created=created)
    assert g["reason"].to_dict() == {"fiscal_q": "after_creation", "born_q": "calendar_dates",
                                     "month_name": "calendar_names", "Fecha alta": "calendar_name",
                                     "tier": "calendar_creation"}
    assert g.loc["fiscal_q", "share"] == 1.0  # every quarter starts after its lead was created
    # without creation dates the behaviour of 'tier' cannot be seen, and no date can be 'after'
    g = _guard(frame, y)
    assert g["reason"].to_dict() == {"fiscal_q": "calendar_dates", "born_q": "calendar_dates",
                                     "month_name": "calendar_names", "Fecha alta": "calendar_name"}


def test_values_won_by_all_by_almost_all_or_by_none():
    def frame(level: str, n: int, wins: int, rest: int = 300, rest_wins: int = 90):
        """``n`` leads with ``level`` (``wins`` of them won) and ``rest`` leads with 'D' (30 % won)."""
        y = np.r_[np.arange(n) < wins, np.arange(rest) < rest_wins]
        return pd.DataFrame({"src": [level] * n + ["D"] * rest}), y

    f, y = frame("A", 40, 40)  # every lead with A won: clear
    g = _guard(f, y)
    assert g.loc["src", ["reason", "action", "level", "n", "k"]].tolist() == ["separation", "exclude", "A", 40, 40]
    assert g.loc["src", "auc"] < 0.95  # found by the value, not by the field's AUC
    f, y = frame("B", 100, 99)  # 99 of 100: doubtful
    assert _guard(f, y).loc["src", ["reason", "action", "level", "n", "k"]].tolist() == [
        "near_separation", "review", "B", 100, 99]
    f, y = frame("C", 60, 0)  # none of 60 where 60 × 90 / 360 = 15 were expected: doubtful
    g = _guard(f, y)
    assert g.loc["src", ["reason", "action", "level", "n", "k"]].tolist() == ["no_wins", "review", "C", 60, 0]
    assert g.loc["src", "other"] == pytest.approx(60 * 90 / 360)
    f, y = frame("C", 30, 0, rest=300, rest_wins=30)  # 30 × 30 / 330 ≈ 2.7 expected: zero is no surprise
    assert "src" not in _guard(f, y).index


def test_one_field_far_better_than_the_rest_is_listed_for_review():
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.uniform(size=n) < 0.3
    frame = pd.DataFrame({"minutes": np.where(y, rng.normal(9, 3, n), rng.normal(5, 3, n)),
                          "visits": rng.poisson(np.where(y, 4.4, 4.0)), "industry": rng.choice(["a", "b"], n)})
    g = _guard(frame, y)
    assert list(g.index) == ["minutes"]
    assert g.loc["minutes", ["reason", "action"]].tolist() == ["dominant", "review"]
    assert g.loc["minutes", "auc"] >= 0.8 and g.loc["minutes", "other"] < 0.6
    # a strong field among others almost as strong is not singled out
    frame["visits"] = frame["minutes"] + rng.normal(0, 0.5, n)
    assert "minutes" not in _guard(frame, y).index


def test_personal_data_by_name_and_schema():
    g = _guard(pd.DataFrame({"email": ["a@x.io", "b@x.io"] * 50, "Teléfono móvil": ["1", "2"] * 50,
                             "n_email_open": [1, 2] * 50}), np.arange(100) % 3 == 0)
    assert g["reason"].to_dict() == {"email": "pii", "Teléfono móvil": "pii"}  # counters are behaviour
