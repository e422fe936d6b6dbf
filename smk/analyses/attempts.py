"""05: how many contact attempts, how fast the first one, and within how many days (compute only;
the notebook's tables, charts and sentences are drawn by :mod:`smk.views.attempts`).

Method: seed 000, chapter 3 ("Base sus decisiones en datos reales"), restated in
``../shared/docs/DOMAIN.md`` §4, and a corrected version of it.

1. **The seed's method, as written** (:func:`naive_profitability`): leads old enough
   (``analysis.min_age_days`` before ``data_end``), grouped by the number of attempts made before
   closing; cost per attempt = rep hourly cost ÷ attempts per hour (:func:`cost_per_attempt`);
   profitability of group *k* = average revenue per customer of the group ÷ (k × cost per attempt);
   where that line levels off (:func:`levels_off`).
2. **The corrected method** (:func:`hazard_table`, :func:`attempt_value`): the naive grouping is
   biased because a lead that closes early stops receiving attempts, so "close rate of leads called
   k times" mixes the value of attempt k with the reps' habit of stopping. The question is the value
   of the k-th attempt for leads not reached/closed after k − 1 attempts: a discrete-time hazard
   (life table). For each k, among the leads that reached attempt k without success,
   P(attempt k connects) and P(attempt k produces the sale), with Wilson intervals. Expected value
   of attempt k = P(close at k) × average revenue per customer; the recommended number of attempts
   is the last k whose expected value still exceeds the cost of one attempt.
3. **Speed to lead** (:func:`speed_to_lead`): close rate by delay to the first attempt (observational).
4. **Cadence** (:func:`cadence`): when successful attempts happen, giving D in "K attempts within D days".
5. **Recommendation** (:func:`recommend_sla`, computed once per client): "first attempt within H hours,
   K attempts within D days" (:class:`SlaRecommendation`).

:func:`analyse` returns all of it as an :class:`AttemptsResult`.

Close attribution (documented choice): a won lead's sale is credited to its **first connected
attempt** at or before ``won_at`` (the attempt that reached the lead: once reached, the lead is no
longer a "give up or try again" decision). When the log has no connect outcome before the win (or no
``outcome`` column at all, or only per-lead counters), the sale is credited to the **last attempt at
or before ``won_at``**. A lead won before any attempt is credited to attempt 0 and is not in any
risk set. Attempts after ``won_at`` are not contact attempts (account work) and are ignored.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from smk.analyses.base import Headline, Missing, Result
from smk.analyses.contacts import CONNECTED_OUTCOMES
from smk.analyses.features import positions
from smk.analyses.outcomes import lead_outcomes, old_enough, won_within
from smk.analyses.stats import wilson_interval
from smk.errors import NotEnoughData

#: Delay-to-first-attempt buckets (upper edges in hours) and their codes (labels: ``attempts.values.<code>``).
SPEED_EDGES_HOURS: tuple[float, ...] = (5 / 60, 0.5, 4.0, 24.0, math.inf)
SPEED_BUCKETS: tuple[str, ...] = ("lt_5min", "5_30min", "30min_4h", "4_24h", "gt_24h", "never")

PATH_COLUMNS = ["lead_id", "created_at", "start_at", "handed_over", "lead_type", "old_enough", "n_attempts",
                "hours_to_first_attempt",
                "first_connect", "close_attempt", "exit_attempt", "success_days", "won", "won_at", "revenue",
                "won_in_window"]


# --------------------------------------------------------------------------------------------
# building blocks
# --------------------------------------------------------------------------------------------
def cost_per_attempt(rep_hourly_cost: float, attempts_per_hour: float) -> float:
    """Cost of one contact attempt = rep hourly cost ÷ attempts per hour (seed 000, ch. 3, step 3).

    ``cost_per_attempt(40, 6) == 6.666…``.
    """
    if attempts_per_hour is None or not attempts_per_hour > 0:
        raise ValueError(f"attempts_per_hour must be > 0, got {attempts_per_hour!r}")
    if rep_hourly_cost is None or rep_hourly_cost < 0:
        raise ValueError(f"rep_hourly_cost must be >= 0, got {rep_hourly_cost!r}")
    return float(rep_hourly_cost) / float(attempts_per_hour)


def attempt_paths(leads: pd.DataFrame, attempts: pd.DataFrame | None, outcomes: pd.DataFrame, *,
                  data_end: pd.Timestamp, min_age_days: int = 90, lead_type: str | None = "offer",
                  close_window_days: int = 90,
                  connected_outcomes: tuple[str, ...] = CONNECTED_OUTCOMES) -> pd.DataFrame:
    """One row per lead: its attempt "path" (who reached which attempt, and what succeeded where).

    Columns: ``lead_id, created_at, start_at (when the sales clock starts: the MQL date when known,
    else creation), handed_over (the lead reached sales: has an MQL date, or every lead when the data
    has no MQL dates), lead_type, old_enough (created ≥ min_age_days before data_end; every lead of an
    undated export, whose outcomes are taken as exported: a finished campaign),
    n_attempts (attempts at or before won_at), hours_to_first_attempt (from start_at, ≥ 0), first_connect (number of the
    first connected attempt; NaN: none or unknown), close_attempt (number of the attempt the sale is
    credited to, 0 = won before any attempt, NaN = not won), exit_attempt (last attempt at which the
    lead was still "unreached": min(first_connect, close_attempt, n_attempts)), success_days (days from
    start_at to the successful attempt: the first connect, else the credited close; log only),
    won, won_at, revenue, won_in_window (won within close_window_days)``.

    From a log (``attempts`` with lead_id, attempted_at, optional outcome) the attempts are numbered
    per lead in time order (vectorised: sort + groupby cumcount). From per-lead counters
    (``leads.n_attempts``) there is no order: ``close_attempt = n_attempts`` for won leads (assumes the
    counter counts attempts made up to the sale), no connects, no cadence.
    ``attrs``: ``source`` ('log' | 'counters' | 'none'), ``has_connects`` (bool), ``dated`` (the leads
    have creation dates; False for an undated export, ``undated: true`` in client.yml).
    """
    ids = leads["lead_id"].reset_index(drop=True)
    n = len(ids)
    lead_ix = pd.Index(ids)
    if outcomes["lead_id"].reset_index(drop=True).equals(ids):  # lead_outcomes keeps the leads' order
        oc = outcomes.reset_index(drop=True)
    else:
        oc = outcomes.set_index("lead_id").reindex(lead_ix).reset_index()
    out = pd.DataFrame({"lead_id": ids, "created_at": leads["created_at"].reset_index(drop=True)})
    if lead_type and lead_type in leads:
        lt = leads[lead_type].reset_index(drop=True)
        out["lead_type"] = lt.astype("object").where(lt.notna(), "(missing)").astype(str)
    else:
        out["lead_type"] = "all"
    out["old_enough"] = old_enough(out, data_end, min_age_days).to_numpy()
    dated = bool(out["created_at"].notna().any())
    if not dated:  # an undated export (a finished campaign): no lead can be aged, outcomes are as exported
        out["old_enough"] = True
    mql_at = oc["mql_at"]
    out["start_at"] = mql_at.where(mql_at.notna(), out["created_at"])
    out["handed_over"] = mql_at.notna().to_numpy() if mql_at.notna().any() else True
    out["won"] = oc["won"].fillna(False).astype(bool).to_numpy()
    out["won_at"] = oc["won_at"]
    out["revenue"] = oc["revenue"].astype(float).fillna(0.0).to_numpy()
    out["won_in_window"] = won_within(oc[["won", "won_at", "created_at"]], close_window_days).fillna(False).astype(bool).to_numpy()
    start_s = _seconds(out["start_at"])

    has_log = attempts is not None and len(attempts) > 0
    if has_log:
        # integer lead codes and epoch seconds: every step below is a numpy sort / bincount
        code = positions(attempts["lead_id"], lead_ix)
        keep = code >= 0
        code = code[keep]
        t = _seconds(attempts["attempted_at"])[keep]
        has_connects = "outcome" in attempts
        conn = (attempts["outcome"].isin(connected_outcomes).to_numpy(dtype=bool)[keep] if has_connects
                else np.zeros(len(code), dtype=bool))
        order = np.lexsort((t, code))  # by lead, then time; stable for ties (log order)
        code, t, conn = code[order], t[order], conn[order]
        # first attempt (every attempt counts, like smk.analyses.contacts.contact_summary)
        first_t = np.full(n, np.nan)
        if len(code):
            starts_all = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
            first_t[code[starts_all]] = t[starts_all]
        out["hours_to_first_attempt"] = np.clip((first_t - start_s) / 3600, 0, None)
        # attempts after the win are account work: drop them, then number the rest per lead (cumcount)
        won_s = _seconds(out["won_at"])
        w = won_s[code]
        ok = np.isnan(w) | (t <= w)
        code, t, conn = code[ok], t[ok], conn[ok]
        n_att = np.bincount(code, minlength=n).astype(float)
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.array([], dtype=int)
        group_start = np.full(n, -1, dtype=np.int64)
        group_start[code[starts]] = starts
        num = np.arange(len(code)) - group_start[code] + 1
        first_connect = np.full(n, np.nan)
        if conn.any():
            cc, first_pos = np.unique(code[conn], return_index=True)
            first_connect[cc] = num[conn][first_pos]
        won = out["won"].to_numpy()
        close = np.where(won, np.where(np.isnan(first_connect), n_att, first_connect), np.nan)
        succ = np.where(~np.isnan(first_connect), first_connect, close)
        has_s = ~np.isnan(succ) & (succ >= 1)
        succ_t = np.full(n, np.nan)
        succ_t[has_s] = t[group_start[has_s] + succ[has_s].astype(np.int64) - 1]
        out["success_days"] = np.clip((succ_t - start_s) / 86400, 0, None)
        source = "log"
    else:
        if "first_contact_at" in leads and leads["first_contact_at"].notna().any():
            first_t = _seconds(leads["first_contact_at"].reset_index(drop=True))
            out["hours_to_first_attempt"] = np.clip((first_t - start_s) / 3600, 0, None)
        else:
            out["hours_to_first_attempt"] = np.nan
        raw = leads["n_attempts"].reset_index(drop=True) if "n_attempts" in leads else pd.Series(np.nan, index=out.index)
        n_att = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
        first_connect = np.full(n, np.nan)
        close = np.where(out["won"].to_numpy(), n_att, np.nan)
        out["success_days"] = np.nan
        has_connects = False
        source = "counters" if "n_attempts" in leads else "none"
    out["n_attempts"] = n_att
    out["first_connect"] = first_connect
    out["close_attempt"] = close
    exit_ = np.fmin(np.fmin(first_connect, close), n_att)  # fmin ignores NaN
    out["exit_attempt"] = exit_
    out = out[PATH_COLUMNS]
    out.attrs.update(source=source, has_connects=bool(has_connects), dated=dated)
    return out


def _seconds(ts: pd.Series) -> np.ndarray:
    """Epoch seconds (float, NaN for missing) of a datetime Series, tz-aware or naive."""
    ts = pd.to_datetime(pd.Series(ts).reset_index(drop=True))
    epoch = pd.Timestamp(0, tz="UTC") if ts.dt.tz is not None else pd.Timestamp(0)
    return (ts - epoch).dt.total_seconds().to_numpy(dtype=float)


def lead_paths(client, *, min_age_days: int | None = None, lead_type: str | None = None) -> pd.DataFrame:
    """:func:`attempt_paths` for a loaded client (config defaults: ``analysis.min_age_days``,
    ``sla.lead_type``, ``analysis.close_window_days``)."""
    cfg = client.config
    outcomes = lead_outcomes(client)
    return attempt_paths(
        client.leads, client.contact_attempts, outcomes, data_end=client.data_end,
        min_age_days=cfg.analysis.min_age_days if min_age_days is None else min_age_days,
        lead_type=cfg.sla.lead_type if lead_type is None else lead_type,
        close_window_days=cfg.analysis.close_window_days,
    )


def avg_revenue_per_customer(paths: pd.DataFrame) -> float:
    """Average revenue per customer: mean ``revenue`` of won leads with a known (> 0) revenue."""
    r = paths.loc[paths["won"] & (paths["revenue"] > 0), "revenue"]
    return float(r.mean()) if len(r) else float("nan")


# --------------------------------------------------------------------------------------------
# 1. the seed's method, as written
# --------------------------------------------------------------------------------------------
def levels_off(y, tol: float = 0.1) -> int | None:
    """Position where a curve levels off: the first index i such that every later point stays within
    ``tol`` × (max − min of the curve) of ``y[i]``. Works for rising and falling curves; NaN points are
    ignored. ``levels_off([1, 5, 8, 9, 9.2, 9.3]) == 3`` (band 0.1 × 8.3 = 0.83: from 9 on, every point
    is within 0.83; from 8, 9.3 is 1.3 away). ``None`` for fewer than 2 points.
    """
    v = np.asarray(y, dtype=float)
    idx = np.flatnonzero(~np.isnan(v))
    if len(idx) < 2:
        return None
    vals = v[idx]
    band = tol * (vals.max() - vals.min())
    # for each i: max distance to any later point = max(|suffix max − y_i|, |y_i − suffix min|)
    suf_max = np.maximum.accumulate(vals[::-1])[::-1]
    suf_min = np.minimum.accumulate(vals[::-1])[::-1]
    dist = np.maximum(suf_max - vals, vals - suf_min)
    ok = np.flatnonzero(dist <= band + 1e-12)
    return int(idx[ok[0]])


def naive_profitability(paths: pd.DataFrame, cost: float, *, min_group_size: int = 30,
                        alpha: float = 0.05, tol: float = 0.1, max_attempts: int | None = None,
                        value_per_customer: float | None = None) -> pd.DataFrame:
    """The seed's table: old-enough leads grouped by number of attempts made (k = 1, 2, …).

    Per group: ``attempts (k), n_leads, n_won, close_rate, ci_low, ci_high (Wilson), avg_revenue
    (average revenue per customer of the group's customers), calling_cost = k × cost,
    profitability = avg_revenue ÷ calling_cost`` (seed 000 ch. 3 step 4, literally), ``too_small``.
    Groups above ``max_attempts`` are dropped (default: keep all). Leads never attempted are not a
    group (cost 0): their count is in ``attrs['never_attempted']``. ``value_per_customer`` (client.yml
    ``costs.value_per_customer``, for data without revenue) stands for the revenue of every customer
    whose revenue is unknown, so groups with customers get that average revenue.
    ``attrs['levels_off']``: the k where the profitability line levels off (:func:`levels_off` on the
    groups that are not too small, tolerance ``tol``), ``attrs['cost']``, ``attrs['avg_revenue']``.
    """
    p = paths[paths["old_enough"] & paths["n_attempts"].notna()]
    never = int((p["n_attempts"] == 0).sum())
    p = p[p["n_attempts"] >= 1]
    if max_attempts is not None:
        p = p[p["n_attempts"] <= max_attempts]
    k = p["n_attempts"].astype(int)
    rev_won = p["revenue"].where(p["won"] & (p["revenue"] > 0))
    if value_per_customer is not None:
        rev_won = rev_won.where(~p["won"] | rev_won.notna(), float(value_per_customer))
    g = pd.DataFrame({"attempts": k, "won": p["won"].astype(int), "rev": rev_won}).groupby("attempts", sort=True)
    t = g.agg(n_leads=("won", "size"), n_won=("won", "sum"), avg_revenue=("rev", "mean")).reset_index()
    t["close_rate"] = t["n_won"] / t["n_leads"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["n_won"].to_numpy(), t["n_leads"].to_numpy(), alpha)
    t["calling_cost"] = t["attempts"] * float(cost)
    with np.errstate(divide="ignore", invalid="ignore"):
        t["profitability"] = t["avg_revenue"] / t["calling_cost"]
    t["too_small"] = t["n_leads"] < min_group_size
    t = t[["attempts", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "avg_revenue",
           "calling_cost", "profitability", "too_small"]]
    y = t["profitability"].where(~t["too_small"])
    pos = levels_off(y.to_numpy(), tol)
    R = avg_revenue_per_customer(paths[paths["old_enough"]])
    if not np.isfinite(R) and value_per_customer is not None:
        R = float(value_per_customer)
    t.attrs.update(levels_off=None if pos is None else int(t["attempts"].iloc[pos]), cost=float(cost),
                   avg_revenue=R, never_attempted=never, tol=tol)
    return t


# --------------------------------------------------------------------------------------------
# 2. the corrected method: discrete-time hazard of connect and sale per attempt
# --------------------------------------------------------------------------------------------
def _hazard_counts(exit_a: np.ndarray, connect: np.ndarray, close: np.ndarray, kmax: int,
                   weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """at_risk[k], connects[k], closes[k] for k = 1..kmax (index 0 = k 1), optionally weighted."""
    e = np.nan_to_num(exit_a, nan=0).astype(int)
    e = np.clip(e, 0, kmax)
    w = None if weights is None else weights
    reached = np.bincount(e, weights=w, minlength=kmax + 1)
    at_risk = np.cumsum(reached[::-1])[::-1][1:]  # leads with exit >= k
    def count(x):
        ok = ~np.isnan(x) & (x >= 1) & (x <= kmax)
        return np.bincount(x[ok].astype(int), weights=None if w is None else w[ok], minlength=kmax + 1)[1:]
    return at_risk, count(connect), count(close)


def hazard_table(paths: pd.DataFrame, *, alpha: float = 0.05, max_attempts: int | None = None) -> pd.DataFrame:
    """Life table of contact attempts on old-enough leads (discrete-time hazard).

    For each k: ``at_risk`` = leads that reached attempt k with no connect and no sale before it
    (``exit_attempt ≥ k``); ``connects`` = first connects at k; ``closes`` = sales credited to k;
    ``connect_rate = connects / at_risk`` and ``close_hazard = closes / at_risk`` with Wilson intervals
    (``connect_low/high``, ``close_low/high``). ``connect_rate`` is NaN without connect outcomes.
    ``attrs['has_connects']``, ``attrs['source']``.
    """
    p = paths[paths["old_enough"]]
    kmax = int(np.nanmax(p["exit_attempt"].to_numpy())) if p["exit_attempt"].notna().any() else 0
    if max_attempts is not None:
        kmax = min(kmax, int(max_attempts))
    at_risk, conn, close = _hazard_counts(p["exit_attempt"].to_numpy(float), p["first_connect"].to_numpy(float),
                                          p["close_attempt"].to_numpy(float), kmax)
    t = pd.DataFrame({"attempts": np.arange(1, kmax + 1), "at_risk": at_risk.astype(int),
                      "connects": conn.astype(int), "closes": close.astype(int)})
    with np.errstate(divide="ignore", invalid="ignore"):
        t["connect_rate"] = t["connects"] / t["at_risk"]
        t["close_hazard"] = t["closes"] / t["at_risk"]
    t["connect_low"], t["connect_high"] = wilson_interval(t["connects"].to_numpy(), t["at_risk"].to_numpy(), alpha)
    t["close_low"], t["close_high"] = wilson_interval(t["closes"].to_numpy(), t["at_risk"].to_numpy(), alpha)
    has_c = bool(paths.attrs.get("has_connects", False))
    if not has_c:
        t[["connects", "connect_rate", "connect_low", "connect_high"]] = np.nan
    t = t[["attempts", "at_risk", "connects", "connect_rate", "connect_low", "connect_high",
           "closes", "close_hazard", "close_low", "close_high"]]
    t.attrs.update(has_connects=has_c, source=paths.attrs.get("source"))
    return t


def _last_paying(value: np.ndarray, cost: float, usable: np.ndarray) -> int:
    """Last k (1-based) with value > cost among usable rows; 0 if none."""
    ok = np.flatnonzero(usable & (np.nan_to_num(value, nan=-np.inf) > cost))
    return int(ok[-1] + 1) if len(ok) else 0


def attempt_value(hazard: pd.DataFrame, avg_revenue: float, cost: float, *, min_group_size: int = 30) -> pd.DataFrame:
    """Expected value of each attempt against its cost.

    ``value = close_hazard × avg_revenue`` (with ``value_low/high`` from the Wilson bounds),
    ``cost`` (per attempt), ``pays = value > cost``, ``too_small = at_risk < min_group_size``,
    ``cum_close = 1 − Π_{j≤k}(1 − close_hazard_j)`` (chance of a sale if every lead got up to k
    attempts: the corrected "rising line"), ``net_value_per_lead = Σ_{j≤k} S_{j−1}·(value_j − cost)`` with
    S the share still unreached before attempt j (the policy "up to k attempts", per lead).
    ``attrs``: ``recommended`` (last k, not too small, whose value > cost; 0 if none),
    ``recommended_low`` / ``recommended_high`` (same rule on the lower / upper value bound),
    ``value_last`` (value of the recommended attempt), ``cost``, ``avg_revenue``.
    """
    t = hazard.copy()
    R, c = float(avg_revenue), float(cost)
    t["value"] = t["close_hazard"] * R
    t["value_low"] = t["close_low"] * R
    t["value_high"] = t["close_high"] * R
    t["cost"] = c
    t["pays"] = t["value"] > c
    t["too_small"] = t["at_risk"] < min_group_size
    h_close = t["close_hazard"].fillna(0).to_numpy()
    t["cum_close"] = 1 - np.cumprod(1 - h_close)
    # share unreached before attempt k: success = connect, else the credited sale
    succ = t["connects"].fillna(t["closes"]).to_numpy(float) if t.attrs.get("has_connects") else t["closes"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_succ = np.nan_to_num(succ / t["at_risk"].to_numpy(float))
    s_before = np.concatenate([[1.0], np.cumprod(1 - h_succ)[:-1]])
    t["net_value_per_lead"] = np.cumsum(s_before * (h_close * R - c))
    usable = ~t["too_small"].to_numpy()
    k = _last_paying(t["value"].to_numpy(), c, usable)
    t.attrs.update(
        recommended=k,
        recommended_low=_last_paying(t["value_low"].to_numpy(), c, usable),
        recommended_high=_last_paying(t["value_high"].to_numpy(), c, usable),
        value_last=float(t["value"].iloc[k - 1]) if k else float("nan"),
        cost=c, avg_revenue=R, min_group_size=min_group_size,
    )
    return t


def bootstrap_recommended(paths: pd.DataFrame, cost: float, *, n_boot: int = 200, seed: int = 0,
                          min_group_size: int = 30, level: float = 0.9,
                          value_per_customer: float | None = None) -> dict:
    """Seeded bootstrap over leads of the recommended number of attempts.

    Each replicate re-weights the old-enough leads with independent Poisson(1) weights (the usual
    large-sample stand-in for resampling with replacement), recomputes the hazards and the average revenue
    per customer, and takes the last k whose value exceeds the cost. Exact shortcut: leads that did not
    buy matter only through their exit attempt, and a sum of m Poisson(1) weights is Poisson(m), so they
    are drawn as one Poisson count per exit attempt; customers get individual weights (they carry the
    sales and the revenue). Cost per replicate: O(customers + attempts), whatever the number of leads.
    Returns ``{'low', 'high', 'median', 'level', 'n_boot', 'seed', 'draws'}`` (quantiles of the
    replicates at (1 ± level)/2). ``value_per_customer`` (a fixed value of a customer, client.yml
    ``costs.value_per_customer``) replaces the resampled revenue per customer.
    """
    p = paths[paths["old_enough"]]
    e = np.nan_to_num(p["exit_attempt"].to_numpy(float), nan=0).astype(np.int64)
    kmax = int(e.max()) if len(e) else 0
    rng = np.random.default_rng(seed)
    draws = np.zeros(n_boot, dtype=int)
    if kmax == 0:
        return {"low": 0, "high": 0, "median": 0.0, "level": level, "n_boot": n_boot, "seed": seed, "draws": draws}
    won = p["won"].to_numpy(bool)
    rev = p["revenue"].to_numpy(float)[won]
    has_rev = rev > 0
    e_won = e[won]
    clo = np.nan_to_num(p["close_attempt"].to_numpy(float)[won], nan=0).astype(np.int64)
    m_exit = np.bincount(e[~won], minlength=kmax + 1)  # non-buyers per exit attempt
    for b in range(n_boot):  # loop over replicates, never over leads
        w = rng.poisson(1.0, len(e_won)).astype(float)
        reached = rng.poisson(m_exit).astype(float) + np.bincount(e_won, weights=w, minlength=kmax + 1)
        at_risk = np.cumsum(reached[::-1])[::-1][1:]
        closes = np.bincount(clo, weights=w, minlength=kmax + 1)[1:]
        if value_per_customer is None:
            wr = w[has_rev].sum()
            R = (w[has_rev] * rev[has_rev]).sum() / wr if wr else np.nan
        else:
            R = float(value_per_customer)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = closes / at_risk * R
        draws[b] = _last_paying(value, cost, at_risk >= min_group_size)
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return {"low": int(lo), "high": int(hi), "median": float(np.median(draws)), "level": level,
            "n_boot": n_boot, "seed": seed, "draws": draws}


def value_by_type(paths: pd.DataFrame, cost: float, *, min_group_size: int = 30, alpha: float = 0.05,
                  min_type_leads: int | None = None, value_per_customer: float | None = None) -> pd.DataFrame:
    """:func:`attempt_value` per lead type (``lead_type`` column), stacked with a ``lead_type`` column.

    A type is included when it has at least ``min_type_leads`` old-enough attempted leads (default
    ``4 × min_group_size``) and at least one customer with revenue (or a ``value_per_customer``, which
    then stands for a type without revenue); each type uses its own average revenue per customer.
    One type alone (or no lead type column: every lead is ``all``) is the company-wide line itself: no
    line per type. ``attrs['recommended']``: {type: k}.
    """
    need = 4 * min_group_size if min_type_leads is None else min_type_leads
    p = paths[paths["old_enough"]]
    counts = p[p["n_attempts"].fillna(0) >= 1].groupby("lead_type").size()
    if p["lead_type"].nunique() < 2:
        counts = counts.iloc[:0]
    frames, rec = [], {}
    for typ in sorted(counts.index[counts >= need]):  # loop over a handful of types
        sub = p[p["lead_type"] == typ]
        sub.attrs.update(paths.attrs)
        R = avg_revenue_per_customer(sub)
        if not np.isfinite(R) and value_per_customer is not None:
            R = float(value_per_customer)
        if not np.isfinite(R):
            continue
        v = attempt_value(hazard_table(sub, alpha=alpha), R, cost, min_group_size=min_group_size)
        rec[typ] = v.attrs["recommended"]
        frames.append(v.assign(lead_type=typ))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["lead_type", "attempts", "value"])
    out.attrs["recommended"] = rec
    return out


# --------------------------------------------------------------------------------------------
# 3. speed to lead
# --------------------------------------------------------------------------------------------
def speed_bucket(hours: pd.Series) -> pd.Series:
    """Bucket code of the delay to first attempt (hours; NaN = never attempted)."""
    h = pd.to_numeric(hours, errors="coerce").to_numpy(float)
    pos = np.searchsorted(np.asarray(SPEED_EDGES_HOURS), h, side="right")  # < edge goes left
    codes = np.asarray(SPEED_BUCKETS[:-1], dtype=object)[np.clip(pos, 0, len(SPEED_EDGES_HOURS) - 1)]
    codes = np.where(np.isnan(h), "never", codes)
    return pd.Series(codes, index=hours.index, dtype=object)


def speed_to_lead(paths: pd.DataFrame, *, alpha: float = 0.05, min_group_size: int = 30) -> pd.DataFrame:
    """Close rate (won within the close window) by delay to the first attempt, for old-enough leads
    handed to sales (MQLs when the data has MQL dates; the delay runs from the MQL date).

    Buckets: < 5 min, 5–30 min, 30 min–4 h, 4–24 h, > 24 h, never attempted (lower edges
    inclusive). Columns: ``bucket, max_hours (upper edge), n_leads, n_won, close_rate, ci_low, ci_high,
    too_small``. Observational: fast leads may differ (hotter, better-staffed hours), so this shows an
    association, not the effect of answering faster.
    """
    p = paths[paths["old_enough"] & paths["handed_over"]]
    b = speed_bucket(p["hours_to_first_attempt"])
    t = (pd.DataFrame({"bucket": b, "won": p["won_in_window"].astype(int)})
         .groupby("bucket").agg(n_leads=("won", "size"), n_won=("won", "sum"))
         .reindex(list(SPEED_BUCKETS), fill_value=0).reset_index())
    t["max_hours"] = list(SPEED_EDGES_HOURS) + [np.nan]
    with np.errstate(divide="ignore", invalid="ignore"):
        t["close_rate"] = t["n_won"] / t["n_leads"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["n_won"].to_numpy(), t["n_leads"].to_numpy(), alpha)
    t["too_small"] = t["n_leads"] < min_group_size
    return t[["bucket", "max_hours", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "too_small"]]


def first_contact_window(speed: pd.DataFrame) -> float | None:
    """H, the first-contact window in hours, from :func:`speed_to_lead`.

    Reference = the fastest bucket that is not too small. Walking from it to slower buckets (never
    attempted excluded), H is the upper edge of the last bucket in that run whose Wilson interval
    still overlaps the reference's (its upper bound ≥ the reference's lower bound), i.e. the longest
    delay not clearly worse than the fastest response; the run stops at the first bucket clearly worse
    (too-small buckets are skipped). ``None`` when no bucket is usable.
    """
    s = speed[(speed["bucket"] != "never") & ~speed["too_small"] & (speed["n_leads"] > 0)]
    if s.empty:
        return None
    ref_low = float(s["ci_low"].iloc[0])
    h = float(s["max_hours"].iloc[0])
    for _, row in s.iloc[1:].iterrows():  # at most 4 buckets
        if row["ci_high"] >= ref_low:
            h = float(row["max_hours"])
        else:
            break
    return None if not np.isfinite(h) else h


# --------------------------------------------------------------------------------------------
# 4. cadence
# --------------------------------------------------------------------------------------------
CADENCE_DAYS: tuple[float, ...] = (1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90)


def cadence(paths: pd.DataFrame, attempts: int, *, quantile: float = 0.9) -> pd.DataFrame:
    """When successful attempts happen: days from the start of the sales clock (MQL date when known,
    else creation) to the successful attempt (first
    connect; else the attempt credited with the sale), for successes at attempt ≤ ``attempts``.

    Returns cumulative shares at day marks (``day, successes, cum_share``); ``attrs['within_days']``
    = D = the day (rounded up) by which ``quantile`` (default 90 %) of those successes had happened;
    ``attrs['n']`` successes used. Needs the log (``success_days``); empty without it.
    """
    p = paths[paths["old_enough"]]
    succ = p["first_connect"].fillna(p["close_attempt"])
    d = p.loc[(succ >= 1) & (succ <= attempts) & p["success_days"].notna(), "success_days"].to_numpy(float)
    if len(d) == 0:
        t = pd.DataFrame({"day": list(CADENCE_DAYS), "successes": 0, "cum_share": np.nan})
        t.attrs.update(within_days=None, n=0, quantile=quantile)
        return t
    d = np.sort(d)
    marks = np.asarray(CADENCE_DAYS, dtype=float)
    cnt = np.searchsorted(d, marks, side="right")
    t = pd.DataFrame({"day": marks, "successes": cnt, "cum_share": cnt / len(d)})
    D = int(math.ceil(float(np.quantile(d, quantile, method="inverted_cdf"))))
    days = np.arange(0, 4 * int(min(max(3 * D, 14), 90)) + 1, dtype=float) / 4  # every 6 hours
    daily = pd.DataFrame({"day": days, "cum_share": np.searchsorted(d, days, side="right") / len(d)})
    t.attrs.update(within_days=max(D, 1), n=int(len(d)), quantile=quantile, daily=daily)
    return t


# --------------------------------------------------------------------------------------------
# 4b. a cap on attempts: the sales it keeps and the calls it saves
# --------------------------------------------------------------------------------------------
def cap_table(paths: pd.DataFrame, *, quantile: float = 0.9) -> pd.DataFrame:
    """What capping every lead at k attempts would have kept and saved, on the old-enough leads that
    received at least one attempt (k = 1 … the most attempts made).

    Columns: ``attempts`` (k), ``sales`` (sales credited to attempt k), ``cum_sales`` (sales at attempts
    ≤ k: the sales a cap at k keeps), ``captured_share = cum_sales / all sales credited to an attempt``,
    ``calls = Σ min(attempts made, k)`` (the attempts the cap allows), ``calls_saved = all attempts made −
    calls`` and ``calls_saved_share = calls_saved / all attempts made``.

    Reads the past as if the cap had been in force: every lead would have had the same attempts up to
    k (a sale at attempt j ≤ k still happens) and none after (the sales credited to later attempts are
    lost). From per-lead counters this assumes the counter includes the successful attempt and calling
    stopped at the sale. ``attrs``: ``recommended`` (the smallest k whose ``captured_share`` reaches
    ``quantile``; 0 when no sale is credited to an attempt), ``quantile``, ``sales`` (all), ``calls``
    (all attempts made), ``leads`` (attempted leads).
    """
    p = paths[paths["old_enough"] & (paths["n_attempts"].fillna(0) >= 1)]
    n = p["n_attempts"].to_numpy(float)
    kmax = int(n.max()) if len(n) else 0
    clo = p["close_attempt"].to_numpy(float)
    clo = clo[~np.isnan(clo) & (clo >= 1)].astype(np.int64)
    sales = np.bincount(clo, minlength=kmax + 1)[1:kmax + 1]
    k = np.arange(1, kmax + 1)
    # Σ min(n_i, k) for every k at once: leads with exactly j attempts, then Σ_{j<k} j·c_j + k·(leads with ≥ k)
    per = np.bincount(n.astype(np.int64), minlength=kmax + 1)[1:]
    below = np.concatenate([[0.0], np.cumsum(per * k)[:-1]])
    at_least = np.cumsum(per[::-1])[::-1]
    calls = below + k * at_least
    total_calls, total_sales = float(n.sum()), int(sales.sum())
    t = pd.DataFrame({"attempts": k, "sales": sales.astype(int), "cum_sales": np.cumsum(sales).astype(int)})
    with np.errstate(divide="ignore", invalid="ignore"):
        t["captured_share"] = t["cum_sales"] / total_sales if total_sales else np.nan
        t["calls"] = calls.astype(int)
        t["calls_saved"] = (total_calls - calls).astype(int)
        t["calls_saved_share"] = t["calls_saved"] / total_calls if total_calls else np.nan
    reach = np.flatnonzero(t["captured_share"].to_numpy(float) >= quantile - 1e-12) if total_sales else []
    t.attrs.update(recommended=int(k[reach[0]]) if len(reach) else 0, quantile=float(quantile),
                   sales=total_sales, calls=int(total_calls), leads=int(len(p)))
    return t


# --------------------------------------------------------------------------------------------
# 5. what the data allows, the recommendation, the result
# --------------------------------------------------------------------------------------------
def data_notes(paths: pd.DataFrame) -> tuple[str, ...]:
    """Which parts run and which need the attempts log, as codes (texts ``attempts.data.<code>``):
    ``none`` (no attempt data at all), ``counters`` (per-lead counts only, no log), ``no_outcome``
    (a log without call outcomes), ``undated`` (an undated export: outcomes as exported; speed to
    lead, cadence and D need dates), ``no_timing`` (no first-attempt times), ``log`` (every part
    runs)."""
    src, conn = paths.attrs.get("source"), paths.attrs.get("has_connects")
    if src == "none":
        return ("none",)
    notes = []
    if src == "counters":
        notes.append("counters")
    elif not conn:
        notes.append("no_outcome")
    if not paths.attrs.get("dated", True):
        notes.append("undated")
    elif not paths["hours_to_first_attempt"].notna().any():
        notes.append("no_timing")
    return tuple(notes) or ("log",)


def window_basis(speed: pd.DataFrame | None) -> str:
    """Where H comes from: ``data`` (:func:`first_contact_window` found it), ``no_timing`` (no
    first-attempt times), ``too_few`` (no delay bucket with enough leads) or ``no_clear_drop`` (even
    the slowest bucket is not clearly worse than the fastest: no finite window)."""
    if speed is None:
        return "no_timing"
    if first_contact_window(speed) is not None:
        return "data"
    usable = speed[(speed["bucket"] != "never") & ~speed["too_small"] & (speed["n_leads"] > 0)]
    return "too_few" if usable.empty else "no_clear_drop"


@dataclass(frozen=True, eq=False)
class SlaRecommendation(Mapping):
    """The sales SLA line "first attempt within H hours, K attempts within D days" and the figures its
    evidence quotes (the sentences are drawn by ``smk.views.attempts.evidence``).

    Also a read-only mapping (``rec["attempts"]``, ``"within_days" in rec``) for callers written
    against the dict :func:`recommend_sla` used to return.
    """

    first_contact_hours: float  #: H
    attempts: int  #: K
    within_days: int  #: D
    #: K on the lower / upper 95 % bounds of the attempt values
    attempts_range: tuple[int, int]
    #: the bootstrap's range of K (:func:`bootstrap_recommended`)
    attempts_bootstrap: tuple[int | None, int | None]
    bootstrap_level: float
    value_last_attempt: float
    cost_per_attempt: float
    #: P(sale at attempt K) among leads not reached before
    close_hazard_last: float
    avg_revenue: float
    #: (bucket code, close rate) of the delay buckets with enough leads, fastest first
    speed_rates: tuple[tuple[str, float], ...]
    #: the share of successful attempts D covers
    quantile: float
    #: which numbers come from the data; the others keep client.yml ``sla``
    from_data: Mapping[str, bool]
    #: why: ``first_contact_hours`` → :func:`window_basis`; ``within_days`` → data | no_log | no_successes;
    #: both ``undated`` for an undated export (the numbers are then client.yml's, and need dates)
    basis: Mapping[str, str]
    source: str

    def __getitem__(self, key: str) -> Any:
        if key in self._names():
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))


def configured_value_per_customer(client) -> float | None:
    """client.yml ``costs.value_per_customer``: what a customer is worth, for data without revenue
    (None when not given). Read with a default because the key belongs to the client layer's
    ``CostConfig``, which may not define it yet."""
    v = getattr(client.config.costs, "value_per_customer", None)
    return float(v) if v is not None and float(v) > 0 else None


def customer_value(paths: pd.DataFrame, value_per_customer: float | None = None) -> tuple[float, str]:
    """(value of a customer, where it comes from): the average revenue per customer of the old-enough
    leads (``'revenue'``); without any known revenue, ``value_per_customer`` (``'config'``); else
    ``(nan, 'none')``: an attempt cannot be priced."""
    R = avg_revenue_per_customer(paths[paths["old_enough"]])
    if np.isfinite(R):
        return R, "revenue"
    if value_per_customer is not None:
        return float(value_per_customer), "config"
    return float("nan"), "none"


def _costs(client, rep_hourly_cost, attempts_per_hour) -> tuple[float, float, float]:
    """(rep hourly cost, attempts per hour, cost per attempt); defaults from client.yml ``costs``."""
    cfg = client.config
    hc = cfg.costs.rep_hourly_cost if rep_hourly_cost is None else rep_hourly_cost
    aph = cfg.costs.attempts_per_hour if attempts_per_hour is None else attempts_per_hour
    c = cost_per_attempt(hc, aph)
    return float(hc), float(aph), c


@dataclass(frozen=True)
class _Core:
    """What the recommendation needs (notebook 05 adds the seed's table and the per-type lines)."""

    avg_revenue: float  #: the value of a customer (:func:`customer_value`)
    value_source: str  #: 'revenue' | 'config' | 'none'
    hazard: pd.DataFrame
    value: pd.DataFrame
    boot: dict
    speed: pd.DataFrame | None
    cadence: pd.DataFrame | None
    dated: bool


def _core(client, paths: pd.DataFrame, cost: float, n_boot: int, seed: int,
          value_per_customer: float | None) -> _Core:
    cfg = client.config
    mg, alpha = cfg.analysis.min_group_size, cfg.analysis.alpha
    R, value_source = customer_value(paths, value_per_customer)
    hazard = hazard_table(paths, alpha=alpha)
    value = attempt_value(hazard, R if np.isfinite(R) else 0.0, cost, min_group_size=mg)
    boot = (bootstrap_recommended(paths, cost, n_boot=n_boot, seed=seed, min_group_size=mg,
                                  value_per_customer=R if value_source == "config" else None)
            if np.isfinite(R) else {"low": None, "high": None, "median": None, "n_boot": 0, "seed": seed})
    dated = bool(paths.attrs.get("dated", True))
    has_timing = paths["hours_to_first_attempt"].notna().any()
    speed = speed_to_lead(paths, alpha=alpha, min_group_size=mg) if has_timing and dated else None
    cad = (cadence(paths, max(value.attrs["recommended"], 1)) if paths.attrs.get("source") == "log" and dated
           else None)
    return _Core(avg_revenue=R, value_source=value_source, hazard=hazard, value=value, boot=boot, speed=speed,
                 cadence=cad, dated=dated)


def _recommend(client, source: str, cost: float, core: _Core) -> SlaRecommendation | None:
    if source == "none" or not np.isfinite(core.avg_revenue) or len(core.value) == 0:
        return None
    v = core.value.attrs
    K = int(v["recommended"])
    if K == 0:
        return None
    sla = client.config.sla
    basis_h = window_basis(core.speed) if core.dated else "undated"
    H = first_contact_window(core.speed) if basis_h == "data" else float(sla.first_contact_hours)
    D = core.cadence.attrs["within_days"] if core.cadence is not None else None
    basis_d = "data" if D is not None else ("no_log" if core.cadence is None else "no_successes")
    basis_d = basis_d if core.dated else "undated"
    D = int(sla.attempts_within_days) if D is None else int(D)
    rates: tuple[tuple[str, float], ...] = ()
    if core.speed is not None:
        sp = core.speed[~core.speed["too_small"] & (core.speed["bucket"] != "never")]
        rates = tuple((str(b), float(r)) for b, r in zip(sp["bucket"], sp["close_rate"]))
    return SlaRecommendation(
        first_contact_hours=float(H), attempts=K, within_days=D,
        attempts_range=(int(v["recommended_low"]), int(v["recommended_high"])),
        attempts_bootstrap=(core.boot.get("low"), core.boot.get("high")),
        bootstrap_level=float(core.boot.get("level", 0.9)),
        value_last_attempt=float(v["value_last"]), cost_per_attempt=float(cost),
        close_hazard_last=float(core.value["close_hazard"].iloc[K - 1]), avg_revenue=float(core.avg_revenue),
        speed_rates=rates,
        quantile=float(core.cadence.attrs["quantile"]) if core.cadence is not None else 0.9,
        from_data={"attempts": True, "first_contact_hours": basis_h == "data", "within_days": basis_d == "data"},
        basis={"first_contact_hours": basis_h, "within_days": basis_d},
        source=source,
    )


def _recommendation_key(hourly: float, per_hour: float, n_boot: int, seed: int, value: float | None) -> tuple:
    return ("attempts.recommend_sla", hourly, per_hour, int(n_boot), int(seed), value)


def recommend_sla(client, *, rep_hourly_cost: float | None = None, attempts_per_hour: float | None = None,
                  n_boot: int = 200, seed: int = 0,
                  value_per_customer: float | None = None) -> SlaRecommendation | None:
    """The sales SLA line "first attempt within H hours, K attempts within D days", with the figures
    behind it (:class:`SlaRecommendation`: ``first_contact_hours`` (H), ``attempts`` (K),
    ``within_days`` (D), ``attempts_range``, ``attempts_bootstrap``, ``value_last_attempt``,
    ``cost_per_attempt``, ``from_data``/``basis`` (which numbers come from the data; the others keep
    ``client.config.sla``)…). ``None`` when the data cannot support a recommendation (no attempt
    counts, no outcomes, no revenue and no ``costs.value_per_customer``, or no attempt pays). For an
    undated export H and D stay client.yml's with basis ``undated`` (they need dates).

    Computed once per client (``client.cached``): notebooks 04, 05 and 06 ask for it, and
    :func:`analyse` stores the one it computes. The evidence sentences are
    ``smk.views.attempts.evidence(rec, lang, currency)``.
    """
    cfg = client.config
    hc = cfg.costs.rep_hourly_cost if rep_hourly_cost is None else rep_hourly_cost
    aph = cfg.costs.attempts_per_hour if attempts_per_hour is None else attempts_per_hour
    vpc = configured_value_per_customer(client) if value_per_customer is None else float(value_per_customer)
    return client.cached(_recommendation_key(hc, aph, n_boot, seed, vpc),
                         lambda: _recommend_sla(client, hc, aph, n_boot, seed, vpc))


def _recommend_sla(client, hourly, per_hour, n_boot: int, seed: int, vpc: float | None) -> SlaRecommendation | None:
    try:
        _, _, cost = _costs(client, hourly, per_hour)
        paths = lead_paths(client)
        source = paths.attrs.get("source", "none")
        if source == "none":
            return None
        return _recommend(client, source, cost, _core(client, paths, cost, n_boot, seed, vpc))
    except (KeyError, ValueError):  # columns the data lack, impossible costs: no recommendation
        return None


@dataclass(frozen=True, eq=False)
class AttemptsResult(Result):
    """Everything notebook 05 shows: tidy frames (the building blocks' outputs, with their ``attrs``)
    and the scalars the sentences quote. Sections: data, naive, compare, value, cap, by_type, speed,
    cadence, recommendation, explorer."""

    source: str  #: 'log' | 'counters'
    has_connects: bool
    dated: bool  #: the leads have creation dates (False: an undated export, outcomes as exported)
    notes: tuple[str, ...]  #: :func:`data_notes`
    rep_hourly_cost: float
    attempts_per_hour: float
    cost: float  #: per attempt
    #: the value of a customer: average revenue per customer, else client.yml costs.value_per_customer
    #: (NaN: neither is known)
    avg_revenue: float
    value_source: str  #: 'revenue' | 'config' | 'none' (:func:`customer_value`)
    min_group_size: int
    paths: pd.DataFrame  #: :func:`attempt_paths`
    naive: pd.DataFrame  #: :func:`naive_profitability`
    levels_off: int | None
    levels_off_tol: float
    #: share of the old-enough leads called once that succeeded (connect or sale) at that attempt
    once_success_share: float
    hazard: pd.DataFrame  #: :func:`hazard_table`
    value: pd.DataFrame  #: :func:`attempt_value`
    recommended: int  #: K (0: no attempt pays)
    recommended_low: int
    recommended_high: int
    value_last: float
    boot: Mapping[str, Any]  #: :func:`bootstrap_recommended`
    by_type: pd.DataFrame  #: :func:`value_by_type`
    by_type_recommended: Mapping[str, int]
    speed: pd.DataFrame | None  #: :func:`speed_to_lead` (None: no first-attempt times)
    window_hours: float | None  #: H from the data (:func:`first_contact_window`)
    cadence: pd.DataFrame | None  #: :func:`cadence` (None: no log)
    cadence_daily: pd.DataFrame | None
    within_days: int | None  #: D from the data
    cadence_n: int
    cadence_quantile: float
    recommendation: SlaRecommendation | None  #: :func:`recommend_sla`
    cap: pd.DataFrame  #: :func:`cap_table`
    cap_recommended: int  #: the smallest cap keeping ``cap_quantile`` of the sales (0: no sale to keep)
    cap_quantile: float

    def attempts_rule(self) -> tuple[int, str]:
        """(K, basis) of the attempts rule this page recommends: ``'value'`` (the last attempt that pays,
        :func:`recommend_sla`), ``'coverage'`` (an undated export where no customer can be valued: the
        smallest cap that keeps ``cap_quantile`` of the sales) or ``(0, 'none')``."""
        if self.recommendation is not None:
            return self.recommendation.attempts, "value"
        if not self.dated and self.value_source == "none" and self.cap_recommended:
            return self.cap_recommended, "coverage"
        return 0, "none"

    def cap_at(self, k: int) -> pd.Series:
        """The row of :func:`cap_table` for a cap at ``k`` attempts."""
        return self.cap.set_index("attempts").loc[k]

    def headlines(self) -> list[Headline]:
        """Index tile: recommended attempts (in D days), first-contact window, value of the last
        recommended attempt. Undated export: recommended attempts, share of calls the cap saves and
        (when an attempt can be priced) the value of the last recommended attempt."""
        r = self.recommendation
        if not self.dated:
            K, basis = self.attempts_rule()
            items = [Headline("attempts.headline.attempts", K or None, "int"),
                     Headline("attempts.headline.calls_saved",
                              float(self.cap_at(K)["calls_saved_share"]) if K else None, "pct:0")]
            if basis == "value":
                items.append(Headline("attempts.headline.value_last", r.value_last_attempt, "money"))
            return items
        K = None if r is None else r.attempts
        H = None if r is None else r.first_contact_hours
        items = [Headline("attempts.headline.attempts", K, "int",
                          display=None if r is None else "attempts.headline.attempts_display",
                          params={} if r is None else {"attempts": K, "count": r.within_days})]
        if H is not None and H >= 1 and float(H).is_integer():  # "4 h" (whole hours), else fmt's duration
            items.append(Headline("attempts.headline.window", H, "hours", display="attempts.headline.hours_display",
                                  params={"hours": int(H)}))
        else:
            items.append(Headline("attempts.headline.window", H, "hours"))
        items.append(Headline("attempts.headline.value_last", None if r is None else r.value_last_attempt, "money"))
        return items

    def summary(self) -> pd.DataFrame:
        """One row per headline number: name, value."""
        r = self.recommendation
        rows = [
            ("source", self.source), ("cost_per_attempt", self.cost), ("avg_revenue_per_customer", self.avg_revenue),
            ("naive_levels_off", self.levels_off),
            ("recommended_attempts", self.recommended), ("recommended_low", self.recommended_low),
            ("recommended_high", self.recommended_high), ("bootstrap_low", self.boot.get("low")),
            ("bootstrap_high", self.boot.get("high")), ("value_last_attempt", self.value_last),
            ("first_contact_hours", None if r is None else r.first_contact_hours),
            ("within_days", None if r is None else r.within_days),
            ("cap_recommended", self.cap_recommended),
        ]
        return pd.DataFrame(rows, columns=["name", "value"])


def analyse(client, period=None, *, rep_hourly_cost: float | None = None, attempts_per_hour: float | None = None,
            n_boot: int = 200, seed: int = 0, paths: pd.DataFrame | None = None,
            value_per_customer: float | None = None) -> AttemptsResult:
    """Run the whole analysis on a client (cost parameters default to ``client.config.costs``).

    ``period`` is accepted for the common signature and not used: every figure is computed on the
    leads old enough at ``client.data_end`` (every lead of an undated export, outcomes as exported).
    ``paths`` replaces :func:`lead_paths` (tests). ``value_per_customer`` (default client.yml
    ``costs.value_per_customer``) prices a customer when the data have no revenue. Raises
    :class:`~smk.errors.NotEnoughData` when the data have no contact attempts at all. The
    recommendation it computes is the one :func:`recommend_sla` hands out for this client.
    An undated export declares speed and cadence missing (they need dates).
    """
    cfg = client.config
    hc, aph, c = _costs(client, rep_hourly_cost, attempts_per_hour)
    vpc = configured_value_per_customer(client) if value_per_customer is None else float(value_per_customer)
    mg, alpha = cfg.analysis.min_group_size, cfg.analysis.alpha
    own_paths = paths is None
    paths = lead_paths(client) if paths is None else paths
    source = paths.attrs.get("source", "none")
    if source == "none":
        raise NotEnoughData(["attempts"], "the data have no contact attempts (no log, no n_attempts)",
                            reason="attempts.data.none")
    core = _core(client, paths, c, n_boot, seed, vpc)
    rec = _recommend(client, source, c, core)
    if own_paths:  # the one recommend_sla hands out to notebooks 04 and 06 in this process
        client.cached(_recommendation_key(hc, aph, n_boot, seed, vpc), lambda: rec)
    fixed = core.avg_revenue if core.value_source == "config" else None
    naive = naive_profitability(paths, c, min_group_size=mg, alpha=alpha, tol=cfg.analysis.levels_off_tol,
                                value_per_customer=fixed)
    by_type = value_by_type(paths, c, min_group_size=mg, alpha=alpha, value_per_customer=fixed)
    cap = cap_table(paths)
    once = paths[paths["old_enough"] & (paths["n_attempts"] == 1)]
    share = float(((once["first_connect"] == 1) | (once["close_attempt"] == 1)).mean()) if len(once) else float("nan")
    v, cad = core.value.attrs, core.cadence
    missing: dict[str, Missing] = {}
    if not core.dated:
        missing["speed"] = Missing(needs=("dated", "attempt_log"), reason="attempts.missing.speed_undated")
        missing["cadence"] = Missing(needs=("dated", "attempt_log"), reason="attempts.missing.cadence_undated")
    if core.speed is None and "speed" not in missing:
        missing["speed"] = Missing(needs=("attempt_log",), reason="attempts.data.no_timing")
    if cad is None and "cadence" not in missing:
        missing["cadence"] = Missing(needs=("attempt_log",), reason="attempts.data.counters")
    return AttemptsResult(
        source=source, has_connects=bool(paths.attrs.get("has_connects")), dated=core.dated, notes=data_notes(paths),
        rep_hourly_cost=hc, attempts_per_hour=aph, cost=c, avg_revenue=core.avg_revenue,
        value_source=core.value_source, min_group_size=int(mg),
        paths=paths, naive=naive, levels_off=naive.attrs.get("levels_off"), levels_off_tol=float(naive.attrs["tol"]),
        once_success_share=share, hazard=core.hazard, value=core.value,
        recommended=int(v["recommended"]), recommended_low=int(v["recommended_low"]),
        recommended_high=int(v["recommended_high"]), value_last=float(v["value_last"]),
        boot=core.boot, by_type=by_type, by_type_recommended=dict(by_type.attrs.get("recommended", {})),
        speed=core.speed, window_hours=first_contact_window(core.speed) if core.speed is not None else None,
        cadence=cad, cadence_daily=None if cad is None else cad.attrs.get("daily"),
        within_days=None if cad is None else cad.attrs.get("within_days"),
        cadence_n=0 if cad is None else int(cad.attrs.get("n", 0)),
        cadence_quantile=0.9 if cad is None else float(cad.attrs.get("quantile", 0.9)),
        recommendation=rec, cap=cap, cap_recommended=int(cap.attrs["recommended"]),
        cap_quantile=float(cap.attrs["quantile"]), missing=missing,
    )
