"""Shared statistics: intervals on rates, multiple-comparison correction, group rate tables.

Sources: Wilson (1927) score interval; Benjamini & Hochberg (1995) false discovery rate;
Fisher's exact / Pearson chi-square tests from scipy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _st


def wilson_interval(successes, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    p̂ = k/n, z = Φ⁻¹(1 − α/2);
    centre = (p̂ + z²/2n) / (1 + z²/n); half = z·sqrt(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
    n == 0 gives (nan, nan). Works elementwise on arrays.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _st.norm.ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        high = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def bh_adjust(pvalues) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN.

    q_(i) = min_{j ≥ i} (m / j) · p_(j), capped at 1, where m counts the non-missing p-values.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    mask = ~np.isnan(p)
    m = mask.sum()
    if m == 0:
        return out
    pv = p[mask]
    order = np.argsort(pv, kind="stable")
    ranked = pv[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.clip(q, 0, 1)
    res = np.empty(m)
    res[order] = q
    out[mask] = res
    return out


def group_vs_rest_pvalue(k: int, n: int, k_total: int, n_total: int) -> float:
    """Two-sided Fisher exact test of a group's rate against the rest of the population."""
    if n == 0 or n_total - n == 0:
        return float("nan")
    table = [[k, n - k], [k_total - k, (n_total - n) - (k_total - k)]]
    return float(_st.fisher_exact(table)[1])


def independence_test(k, n) -> dict:
    """Does the rate differ across groups at all? Pearson chi-square on the groups × outcome table,
    or, when an expected count is below 5 and there are only 2 groups, Fisher's exact test.

    Returns {'test', 'statistic', 'dof', 'pvalue', 'groups'}; groups with n == 0 are ignored.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    if len(n) < 2 or k.sum() == 0 or k.sum() == n.sum():
        return {"test": "none", "statistic": np.nan, "dof": 0, "pvalue": np.nan, "groups": int(len(n))}
    table = np.column_stack([k, n - k])
    expected = _st.contingency.expected_freq(table)
    if len(n) == 2 and (expected < 5).any():
        return {"test": "fisher_exact", "statistic": np.nan, "dof": 1,
                "pvalue": float(_st.fisher_exact(table.astype(int))[1]), "groups": 2}
    chi2, p, dof, _ = _st.chi2_contingency(table, correction=False)
    test = "chi_square" if (expected >= 5).all() else "chi_square (some expected counts < 5: approximate)"
    return {"test": test, "statistic": float(chi2), "dof": int(dof), "pvalue": float(p), "groups": int(len(n))}


def rate_table(data: pd.DataFrame, by: str, outcome: str = "won", *, min_group_size: int = 30,
               alpha: float = 0.05, dropna: bool = False, missing_label: str = "(missing)") -> pd.DataFrame:
    """Rate of a boolean ``outcome`` per group of ``by``, with Wilson intervals and a BH-corrected
    Fisher test of each group against the rest.

    Returns one row per group, sorted by rate (descending) then group name:
    ``group, n, successes, rate, ci_low, ci_high, lift (rate / overall rate), pvalue, qvalue,
    too_small (n < min_group_size), significant (q < alpha and not too_small),
    direction ('above' / 'below' / '')``. Groups too small are kept and flagged, never ranked as
    significant. ``rate_table(df, 'channel').attrs`` carries ``overall_rate`` and the
    ``independence`` test across groups.
    """
    if by not in data:
        raise KeyError(f"column {by!r} not in data")
    y = data[outcome].fillna(False).astype(bool)
    g = data[by].astype("object")
    if not dropna:
        g = g.where(g.notna(), missing_label)
    df = pd.DataFrame({"group": g, "y": y}).dropna(subset=["group"])
    agg = df.groupby("group", sort=True, observed=True)["y"].agg(n="size", successes="sum").reset_index()
    agg["successes"] = agg["successes"].astype(int)
    n_total, k_total = int(agg["n"].sum()), int(agg["successes"].sum())
    overall = k_total / n_total if n_total else np.nan
    agg["rate"] = agg["successes"] / agg["n"]
    agg["ci_low"], agg["ci_high"] = wilson_interval(agg["successes"], agg["n"], alpha)
    agg["lift"] = agg["rate"] / overall if overall else np.nan
    agg["pvalue"] = [group_vs_rest_pvalue(k, n, k_total, n_total) for k, n in zip(agg["successes"], agg["n"])]
    agg["too_small"] = agg["n"] < min_group_size
    p_for_bh = agg["pvalue"].where(~agg["too_small"])
    agg["qvalue"] = bh_adjust(p_for_bh)
    agg["significant"] = (agg["qvalue"] < alpha) & ~agg["too_small"]
    agg["direction"] = np.where(agg["significant"], np.where(agg["rate"] > overall, "above", "below"), "")
    agg = agg.sort_values(["rate", "group"], ascending=[False, True], kind="stable").reset_index(drop=True)
    agg.attrs["overall_rate"] = overall
    agg.attrs["n_total"] = n_total
    agg.attrs["successes_total"] = k_total
    agg.attrs["independence"] = independence_test(agg.loc[~agg["too_small"], "successes"],
                                                   agg.loc[~agg["too_small"], "n"])
    return agg[["group", "n", "successes", "rate", "ci_low", "ci_high", "lift", "pvalue", "qvalue",
                "too_small", "significant", "direction"]]
