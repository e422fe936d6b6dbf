"""Shared statistics against values worked out by hand."""
import numpy as np
import pandas as pd
import pytest

from smk.analyses.stats import bh_adjust, independence_test, rate_table, wilson_interval


def test_wilson_one_in_ten_by_hand():
    # p=0.1, z=1.959964, z²=3.841459, denom=1+z²/n=1.3841459
    # centre=(0.1+z²/20)/denom=(0.1+0.1920729)/1.3841459=0.211013
    # half=z*sqrt(0.1*0.9/10 + z²/400)/denom = 1.959964*0.136395/1.3841459 = 0.193136  -> [0.017877, 0.404149]
    low, high = wilson_interval(1, 10)
    assert low == pytest.approx(0.017877, abs=1e-5)
    assert high == pytest.approx(0.404149, abs=1e-5)


def test_wilson_edges():
    low, high = wilson_interval(0, 20)  # zero successes: lower bound 0, upper z²/(n+z²)=3.841459/23.841459
    assert low == 0 and high == pytest.approx(3.841459 / 23.841459, abs=1e-6)
    low, high = wilson_interval(np.array([0, 5]), np.array([0, 5]))
    assert np.isnan(low[0]) and np.isnan(high[0]) and high[1] == pytest.approx(1.0)


def test_bh_by_hand():
    # sorted p: .01 .03 .04 .20 ; p*m/rank: .04 .06 .0533 .20 ; running min from the top: .04 .0533 .0533 .20
    q = bh_adjust([0.01, 0.04, 0.03, 0.20, np.nan])
    assert q[:4] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert np.isnan(q[4])


def test_rate_table_flags_small_groups_and_finds_the_real_difference():
    df = pd.DataFrame({
        "channel": ["a"] * 200 + ["b"] * 200 + ["c"] * 5,
        "won": [True] * 60 + [False] * 140 + [True] * 10 + [False] * 190 + [True] * 5,
    })
    t = rate_table(df, "channel", min_group_size=30).set_index("group")
    assert t.loc["a", "rate"] == pytest.approx(0.30) and t.loc["b", "rate"] == pytest.approx(0.05)
    assert t.loc["c", "too_small"] and not t.loc["c", "significant"]  # 5/5 but n=5: not ranked on noise
    assert t.loc["a", "direction"] == "above" and t.loc["b", "direction"] == "below"
    overall = 75 / 405
    assert t.attrs["overall_rate"] == pytest.approx(overall)
    assert t.loc["a", "lift"] == pytest.approx(0.30 / overall)
    assert t.attrs["independence"]["pvalue"] < 1e-6


def test_rate_table_groups_of_size_one_and_missing():
    df = pd.DataFrame({"x": ["a", None], "won": [True, False]})
    t = rate_table(df, "x", min_group_size=1)
    assert set(t["group"]) == {"a", "(missing)"} and t["n"].tolist() == [1, 1]


def test_independence_small_counts_uses_fisher():
    res = independence_test([1, 4], [5, 5])
    assert res["test"] == "fisher_exact" and 0 < res["pvalue"] <= 1
