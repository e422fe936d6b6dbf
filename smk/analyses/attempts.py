"""05: how many contact attempts, how fast the first one, and within how many days.

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
5. **Recommendation** (:func:`recommend_sla`): "first attempt within H hours, K attempts within D days".

Close attribution (documented choice): a won lead's sale is credited to its **first connected
attempt** at or before ``won_at`` (the attempt that reached the lead: once reached, the lead is no
longer a "give up or try again" decision). When the log has no connect outcome before the win (or no
``outcome`` column at all, or only per-lead counters), the sale is credited to the **last attempt at
or before ``won_at``**. A lead won before any attempt is credited to attempt 0 and is not in any
risk set. Attempts after ``won_at`` are not contact attempts (account work) and are ignored.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from smk.views import fmt
from smk.analyses.contacts import CONNECTED_OUTCOMES
from smk.analyses.features import positions
from smk.analyses.outcomes import lead_outcomes, old_enough, won_within
from smk.analyses.stats import wilson_interval

#: Delay-to-first-attempt buckets (upper edges in hours) and their labels.
SPEED_EDGES_HOURS: tuple[float, ...] = (5 / 60, 0.5, 4.0, 24.0, math.inf)
SPEED_BUCKETS: tuple[str, ...] = ("lt_5min", "5_30min", "30min_4h", "4_24h", "gt_24h", "never")
SPEED_LABELS: dict[str, dict[str, str]] = {
    "en": {"lt_5min": "< 5 min", "5_30min": "5–30 min", "30min_4h": "30 min–4 h", "4_24h": "4–24 h",
           "gt_24h": "> 24 h", "never": "never attempted"},
    "es": {"lt_5min": "< 5 min", "5_30min": "5–30 min", "30min_4h": "30 min–4 h", "4_24h": "4–24 h",
           "gt_24h": "> 24 h", "never": "nunca contactado"},
}

#: Column labels for client-facing tables.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "attempts": "Attempts", "n_leads": "Leads", "n_won": "Customers", "close_rate": "Close rate",
        "ci_low": "95 % CI low", "ci_high": "95 % CI high", "avg_revenue": "Avg revenue per customer",
        "calling_cost": "Cost of calling k times", "profitability": "Profitability (revenue ÷ cost)",
        "too_small": "Too small to judge", "at_risk": "Leads reaching attempt k unreached",
        "connects": "Connected at k", "connect_rate": "P(connect at k)", "connect_low": "CI low",
        "connect_high": "CI high", "closes": "Sales credited to k", "close_hazard": "P(sale at k)",
        "close_low": "CI low", "close_high": "CI high", "value": "Expected value of attempt k",
        "value_low": "Value, CI low", "value_high": "Value, CI high", "cost": "Cost per attempt",
        "pays": "Pays for itself", "cum_close": "P(sale by attempt k)",
        "net_value_per_lead": "Net value per lead, k attempts", "lead_type": "Lead type",
        "bucket": "First attempt after", "day": "Days since reaching sales", "successes": "Successful attempts",
        "cum_share": "Cumulative share", "recommended": "Recommended attempts", "ci": "95 % CI",
        "connect": "95 % CI", "close": "95 % CI", "element": "SLA element", "value_text": "Recommended",
        "evidence": "Evidence",
    },
    "es": {
        "attempts": "Intentos", "n_leads": "Leads", "n_won": "Clientes", "close_rate": "Tasa de cierre",
        "ci_low": "IC 95 % inf.", "ci_high": "IC 95 % sup.", "avg_revenue": "Ingreso promedio por cliente",
        "calling_cost": "Costo de llamar k veces", "profitability": "Rentabilidad (ingreso ÷ costo)",
        "too_small": "Muy pequeño para juzgar", "at_risk": "Leads que llegan al intento k sin contacto",
        "connects": "Contactados en k", "connect_rate": "P(contacto en k)", "connect_low": "IC inf.",
        "connect_high": "IC sup.", "closes": "Ventas atribuidas a k", "close_hazard": "P(venta en k)",
        "close_low": "IC inf.", "close_high": "IC sup.", "value": "Valor esperado del intento k",
        "value_low": "Valor, IC inf.", "value_high": "Valor, IC sup.", "cost": "Costo por intento",
        "pays": "Se paga solo", "cum_close": "P(venta hasta el intento k)",
        "net_value_per_lead": "Valor neto por lead, k intentos", "lead_type": "Tipo de lead",
        "bucket": "Primer intento tras", "day": "Días desde la llegada a ventas", "successes": "Intentos exitosos",
        "cum_share": "Proporción acumulada", "recommended": "Intentos recomendados", "ci": "IC 95 %",
        "connect": "IC 95 %", "close": "IC 95 %", "element": "Elemento del ANS", "value_text": "Recomendado",
        "evidence": "Evidencia",
    },
}

#: ``ctx.table`` formats of the views below.
FORMATS: dict[str, dict[str, str]] = {
    "naive": {"attempts": "int", "n_leads": "int", "n_won": "int", "close_rate": "pct", "ci": "ci",
              "avg_revenue": "money", "calling_cost": "money:2", "profitability": "number:1", "too_small": "bool"},
    "value": {"attempts": "int", "at_risk": "int", "connect_rate": "pct", "connect": "ci", "closes": "int",
              "close_hazard": "pct:2", "close": "ci:2", "value": "money", "cost": "money:2", "pays": "bool",
              "too_small": "bool"},
    "speed": {"bucket": "text", "n_leads": "int", "n_won": "int", "close_rate": "pct", "ci": "ci", "too_small": "bool"},
    "cadence": {"day": "int", "successes": "int", "cum_share": "pct"},
    "recommendation": {"element": "text", "value_text": "text", "evidence": "text"},
}

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
    has no MQL dates), lead_type, old_enough (created ≥ min_age_days before data_end),
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
    ``attrs``: ``source`` ('log' | 'counters' | 'none'), ``has_connects`` (bool).
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
    out.attrs.update(source=source, has_connects=bool(has_connects))
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
                        alpha: float = 0.05, tol: float = 0.1, max_attempts: int | None = None) -> pd.DataFrame:
    """The seed's table: old-enough leads grouped by number of attempts made (k = 1, 2, …).

    Per group: ``attempts (k), n_leads, n_won, close_rate, ci_low, ci_high (Wilson), avg_revenue
    (average revenue per customer of the group's customers), calling_cost = k × cost,
    profitability = avg_revenue ÷ calling_cost`` (seed 000 ch. 3 step 4, literally), ``too_small``.
    Groups above ``max_attempts`` are dropped (default: keep all). Leads never attempted are not a
    group (cost 0): their count is in ``attrs['never_attempted']``.
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
    t.attrs.update(levels_off=None if pos is None else int(t["attempts"].iloc[pos]), cost=float(cost),
                   avg_revenue=avg_revenue_per_customer(paths[paths["old_enough"]]), never_attempted=never,
                   tol=tol)
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
                          min_group_size: int = 30, level: float = 0.9) -> dict:
    """Seeded bootstrap over leads of the recommended number of attempts.

    Each replicate re-weights the old-enough leads with independent Poisson(1) weights (the usual
    large-sample stand-in for resampling with replacement), recomputes the hazards and the average revenue
    per customer, and takes the last k whose value exceeds the cost. Exact shortcut: leads that did not
    buy matter only through their exit attempt, and a sum of m Poisson(1) weights is Poisson(m), so they
    are drawn as one Poisson count per exit attempt; customers get individual weights (they carry the
    sales and the revenue). Cost per replicate: O(customers + attempts), whatever the number of leads.
    Returns ``{'low', 'high', 'median', 'level', 'n_boot', 'seed', 'draws'}`` (quantiles of the
    replicates at (1 ± level)/2).
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
        wr = w[has_rev].sum()
        R = (w[has_rev] * rev[has_rev]).sum() / wr if wr else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            value = closes / at_risk * R
        draws[b] = _last_paying(value, cost, at_risk >= min_group_size)
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return {"low": int(lo), "high": int(hi), "median": float(np.median(draws)), "level": level,
            "n_boot": n_boot, "seed": seed, "draws": draws}


def value_by_type(paths: pd.DataFrame, cost: float, *, min_group_size: int = 30, alpha: float = 0.05,
                  min_type_leads: int | None = None) -> pd.DataFrame:
    """:func:`attempt_value` per lead type (``lead_type`` column), stacked with a ``lead_type`` column.

    A type is included when it has at least ``min_type_leads`` old-enough attempted leads (default
    ``4 × min_group_size``) and at least one customer with revenue; each type uses its own average
    revenue per customer. ``attrs['recommended']``: {type: k}.
    """
    need = 4 * min_group_size if min_type_leads is None else min_type_leads
    p = paths[paths["old_enough"]]
    counts = p[p["n_attempts"].fillna(0) >= 1].groupby("lead_type").size()
    frames, rec = [], {}
    for typ in sorted(counts.index[counts >= need]):  # loop over a handful of types
        sub = p[p["lead_type"] == typ]
        sub.attrs.update(paths.attrs)
        R = avg_revenue_per_customer(sub)
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
#: what the cadence table looks like when it cannot be computed (no log)
CADENCE_EMPTY = pd.DataFrame({"day": pd.Series(dtype=float), "successes": pd.Series(dtype=int),
                              "cum_share": pd.Series(dtype=float)})


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
# 5. recommendation
# --------------------------------------------------------------------------------------------
@dataclass
class AttemptsResult:
    """Everything notebook 05 shows. DataFrames are tidy; ``recommendation`` is :func:`recommend_sla`'s dict."""

    source: str
    has_connects: bool
    cost: float
    avg_revenue: float
    paths: pd.DataFrame
    naive: pd.DataFrame
    hazard: pd.DataFrame
    value: pd.DataFrame
    boot: dict
    by_type: pd.DataFrame
    speed: pd.DataFrame | None
    cadence: pd.DataFrame | None
    recommendation: dict | None
    currency: str = "USD"
    rep_hourly_cost: float = 40.0
    attempts_per_hour: float = 6.0

    def summary(self) -> pd.DataFrame:
        """One row per headline: name, value."""
        r = self.recommendation or {}
        v = self.value.attrs if len(self.value) else {}
        rows = [
            ("source", self.source), ("cost_per_attempt", self.cost), ("avg_revenue_per_customer", self.avg_revenue),
            ("naive_levels_off", self.naive.attrs.get("levels_off")),
            ("recommended_attempts", v.get("recommended")), ("recommended_low", v.get("recommended_low")),
            ("recommended_high", v.get("recommended_high")), ("bootstrap_low", self.boot.get("low")),
            ("bootstrap_high", self.boot.get("high")), ("value_last_attempt", v.get("value_last")),
            ("first_contact_hours", r.get("first_contact_hours")), ("within_days", r.get("within_days")),
        ]
        return pd.DataFrame(rows, columns=["name", "value"])


def _span(a, b) -> str:
    """'8' when both ends agree, else '7–9'."""
    return str(a) if a == b else f"{a}–{b}"


def _hours_text(h: float, lang: str) -> str:
    if h < 1:
        return f"{fmt.number(h * 60, lang, 0)} min"
    return f"{fmt.number(h, lang, 0 if float(h).is_integer() else 1)} h"


def analyse(client, *, rep_hourly_cost: float | None = None, attempts_per_hour: float | None = None,
            n_boot: int = 200, seed: int = 0, paths: pd.DataFrame | None = None) -> AttemptsResult:
    """Run the whole analysis on a client (cost parameters default to ``client.config.costs``)."""
    cfg = client.config
    hc = cfg.costs.rep_hourly_cost if rep_hourly_cost is None else rep_hourly_cost
    aph = cfg.costs.attempts_per_hour if attempts_per_hour is None else attempts_per_hour
    c = cost_per_attempt(hc, aph)
    mg, alpha = cfg.analysis.min_group_size, cfg.analysis.alpha
    paths = lead_paths(client) if paths is None else paths
    R = avg_revenue_per_customer(paths[paths["old_enough"]])
    naive = naive_profitability(paths, c, min_group_size=mg, alpha=alpha, tol=client.config.analysis.levels_off_tol)
    hazard = hazard_table(paths, alpha=alpha)
    value = attempt_value(hazard, R if np.isfinite(R) else 0.0, c, min_group_size=mg)
    boot = (bootstrap_recommended(paths, c, n_boot=n_boot, seed=seed, min_group_size=mg)
            if np.isfinite(R) else {"low": None, "high": None, "median": None, "n_boot": 0, "seed": seed})
    by_type = value_by_type(paths, c, min_group_size=mg, alpha=alpha)
    has_timing = paths["hours_to_first_attempt"].notna().any()
    speed = speed_to_lead(paths, alpha=alpha, min_group_size=mg) if has_timing else None
    source = paths.attrs.get("source", "none")
    cad = cadence(paths, max(value.attrs["recommended"], 1)) if source == "log" else None
    res = AttemptsResult(source=source, has_connects=bool(paths.attrs.get("has_connects")), cost=c,
                         avg_revenue=R, paths=paths, naive=naive, hazard=hazard, value=value, boot=boot,
                         by_type=by_type, speed=speed, cadence=cad, recommendation=None, currency=cfg.currency,
                         rep_hourly_cost=float(hc), attempts_per_hour=float(aph))
    res.recommendation = _recommendation(res, cfg)
    return res


def _recommendation(res: AttemptsResult, cfg) -> dict | None:
    if res.source == "none" or not np.isfinite(res.avg_revenue) or len(res.value) == 0:
        return None
    v = res.value.attrs
    K = int(v["recommended"])
    if K == 0:
        return None
    cur = res.currency
    H = first_contact_window(res.speed) if res.speed is not None else None
    H_from_data = H is not None
    H = float(cfg.sla.first_contact_hours) if H is None else H
    D = res.cadence.attrs["within_days"] if res.cadence is not None else None
    D_from_data = D is not None
    D = int(cfg.sla.attempts_within_days) if D is None else int(D)
    q = res.cadence.attrs["quantile"] if res.cadence is not None else 0.9
    ev = {}
    bl, bh = res.boot.get("low"), res.boot.get("high")
    hz = res.value["close_hazard"].iloc[K - 1]
    for lang in ("en", "es"):
        m = lambda x, d=0: fmt.money(x, cur, lang, d)  # noqa: E731
        rates = ""
        if res.speed is not None:
            sp = res.speed[~res.speed["too_small"] & (res.speed["bucket"] != "never")]
            rates = "; ".join(f"{SPEED_LABELS[lang][b]} {fmt.pct(r, lang)}" for b, r in zip(sp["bucket"], sp["close_rate"]))
        if lang == "en":
            k_txt = (f"K = {K}: attempt {K} still brings {m(v['value_last'])} of expected revenue "
                     f"(P(sale at attempt {K}) {fmt.pct(hz, lang, 2)} among leads not reached before × "
                     f"{m(res.avg_revenue)} per customer) against {m(res.cost, 2)} per attempt, and no later attempt "
                     f"with enough leads pays; the 95 % interval bounds give {_span(v['recommended_low'], v['recommended_high'])}"
                     f" attempts, a bootstrap over leads {_span(bl, bh)}.")
            h_txt = (f"H = {_hours_text(H, lang)}: the longest delay to the first attempt whose close rate is not clearly "
                     f"below that of the fastest-contacted leads ({rates}; observational)." if H_from_data else
                     f"H = {_hours_text(H, lang)}: kept from the current SLA (the data has no first-attempt times).")
            d_txt = (f"D = {D} days: {fmt.pct(q, lang, 0)} of the successful attempts among the first {K} happened "
                     f"within {D} days of the lead reaching sales (MQL date, else creation)." if D_from_data else
                     f"D = {D} days: kept from the current SLA (this needs the attempts log with dates).")
        else:
            k_txt = (f"K = {K}: el intento {K} todavía aporta {m(v['value_last'])} de ingreso esperado "
                     f"(P(venta en el intento {K}) {fmt.pct(hz, lang, 2)} entre los leads no contactados antes × "
                     f"{m(res.avg_revenue)} por cliente) frente a {m(res.cost, 2)} por intento, y ningún intento posterior "
                     f"con suficientes leads se paga; los límites de los intervalos del 95 % dan "
                     f"{_span(v['recommended_low'], v['recommended_high'])} intentos, un bootstrap sobre los leads {_span(bl, bh)}.")
            h_txt = (f"H = {_hours_text(H, lang)}: el mayor retraso del primer intento cuya tasa de cierre no es "
                     f"claramente inferior a la de los leads contactados más rápido ({rates}; observacional)." if H_from_data else
                     f"H = {_hours_text(H, lang)}: se mantiene el ANS actual (los datos no tienen la hora del primer intento).")
            d_txt = (f"D = {D} días: el {fmt.pct(q, lang, 0)} de los intentos exitosos entre los primeros {K} ocurrió "
                     f"en los {D} días siguientes a la llegada del lead a ventas (fecha de MQL, si no, de creación)."
                     if D_from_data else
                     f"D = {D} días: se mantiene el ANS actual (hace falta el registro de intentos con fechas).")
        ev[lang] = {"attempts": k_txt, "first_contact_hours": h_txt, "within_days": d_txt}
    line_en = f"First attempt within {_hours_text(H, 'en')}, {K} attempts within {D} days."
    line_es = f"Primer intento en menos de {_hours_text(H, 'es')}, {K} intentos en {D} días."
    return {
        "first_contact_hours": H, "attempts": K, "within_days": D,
        "attempts_range": (v["recommended_low"], v["recommended_high"]),
        "attempts_bootstrap": (res.boot.get("low"), res.boot.get("high")),
        "value_last_attempt": v["value_last"], "cost_per_attempt": res.cost,
        "line_en": line_en, "line_es": line_es,
        "evidence_en": " ".join(ev["en"].values()), "evidence_es": " ".join(ev["es"].values()),
        "evidence": ev, "from_data": {"attempts": True, "first_contact_hours": H_from_data, "within_days": D_from_data},
        "source": res.source,
    }


def recommend_sla(client, **kwargs) -> dict | None:
    """The sales SLA line "first attempt within H hours, K attempts within D days", with evidence.

    Keys: ``first_contact_hours`` (H), ``attempts`` (K), ``within_days`` (D), ``evidence_en``,
    ``evidence_es`` (one sentence per number), plus ``line_en/line_es``, ``attempts_range`` (interval
    bounds), ``attempts_bootstrap``, ``value_last_attempt``, ``cost_per_attempt``, ``from_data``
    (which numbers come from the data; the others keep ``client.config.sla``). ``None`` when the data
    cannot support a recommendation (no attempt counts, no outcomes/revenue, or no attempt pays).
    Keyword arguments go to :func:`analyse`.
    """
    try:
        return analyse(client, **kwargs).recommendation
    except (KeyError, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# what the data allows
# --------------------------------------------------------------------------------------------
def data_notes(paths: pd.DataFrame, lang: str = "en") -> list[str]:
    """Sentences saying which parts run and which need the attempts log, in ``lang``."""
    fmt.check_lang(lang)
    src, conn = paths.attrs.get("source"), paths.attrs.get("has_connects")
    timing = bool(paths["hours_to_first_attempt"].notna().any())
    T = {
        "en": {
            "none": "The data has no contact attempts (no attempts log and no n_attempts counter): this analysis cannot run.",
            "counters": ("Only per-lead attempt counts are available (no attempts log): the seed's method runs; the "
                         "per-attempt sale probability assumes the count is the attempts made up to the sale; "
                         "connect rates per attempt and the cadence (D) need the log with dates and outcomes."),
            "no_outcome": "The attempts log has no outcome column: connect rates per attempt are not available; sales are credited to the last attempt before the win.",
            "no_timing": "No first-attempt times: speed to lead needs the attempts log (or a first-contact date per lead).",
            "log": "Attempts log available: every part runs.",
        },
        "es": {
            "none": "Los datos no tienen intentos de contacto (ni registro de intentos ni contador n_attempts): este análisis no puede hacerse.",
            "counters": ("Solo hay el número de intentos por lead (sin registro de intentos): el método de la guía se "
                         "calcula; la probabilidad de venta por intento supone que el contador cuenta los intentos hasta "
                         "la venta; las tasas de contacto por intento y la cadencia (D) necesitan el registro con fechas y resultados."),
            "no_outcome": "El registro de intentos no tiene resultado: no hay tasas de contacto por intento; la venta se atribuye al último intento antes del cierre.",
            "no_timing": "Sin la hora del primer intento: la velocidad de respuesta necesita el registro de intentos (o una fecha de primer contacto por lead).",
            "log": "Registro de intentos disponible: todas las partes se calculan.",
        },
    }[lang]
    if src == "none":
        return [T["none"]]
    notes = []
    if src == "counters":
        notes.append(T["counters"])
    elif not conn:
        notes.append(T["no_outcome"])
    if not timing:
        notes.append(T["no_timing"])
    return notes or [T["log"]]


# --------------------------------------------------------------------------------------------
# views and sentences for the notebook
# --------------------------------------------------------------------------------------------
def naive_view(naive: pd.DataFrame) -> pd.DataFrame:
    """The seed's table as shown (format with ``FORMATS['naive']``, ``LABELS``)."""
    return naive[["attempts", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "avg_revenue",
                  "calling_cost", "profitability", "too_small"]]


def value_view(value: pd.DataFrame) -> pd.DataFrame:
    """The life table with values (format with ``FORMATS['value']``)."""
    return value[["attempts", "at_risk", "connect_rate", "connect_low", "connect_high", "closes", "close_hazard",
                  "close_low", "close_high", "value", "cost", "pays", "too_small"]]


def speed_view(speed: pd.DataFrame | None, lang: str = "en") -> pd.DataFrame:
    """Speed-to-lead table with bucket labels in ``lang`` (empty buckets dropped)."""
    if speed is None:
        return pd.DataFrame(columns=["bucket", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "too_small"])
    s = speed[speed["n_leads"] > 0].copy()
    s["bucket"] = s["bucket"].map(SPEED_LABELS[fmt.check_lang(lang)])
    return s[["bucket", "n_leads", "n_won", "close_rate", "ci_low", "ci_high", "too_small"]]


def recommendation_view(rec: dict | None, lang: str = "en") -> pd.DataFrame:
    """One row per SLA number: element, recommended value, evidence (in ``lang``)."""
    fmt.check_lang(lang)
    if rec is None:
        return pd.DataFrame(columns=["element", "value_text", "evidence"])
    names = {"en": ("First attempt within", "Attempts per lead", "Attempts made within"),
             "es": ("Primer intento antes de", "Intentos por lead", "Intentos realizados en")}[lang]
    days = "days" if lang == "en" else "días"
    vals = (_hours_text(rec["first_contact_hours"], lang), str(rec["attempts"]), f"{rec['within_days']} {days}")
    ev = rec["evidence"][lang]
    keys = ("first_contact_hours", "attempts", "within_days")
    return pd.DataFrame({"element": names, "value_text": vals, "evidence": [ev[k] for k in keys]})


def _p(text: str):
    import html

    from smk.views.html import Html

    return Html(f"<p>{html.escape(text)}</p>", text)


def say(res: AttemptsResult, part: str, lang: str = "en"):
    """A sentence (HTML paragraph) saying what a result means, in ``lang``.

    ``part``: data, naive, compare, value, by_type, speed, cadence, recommendation.
    """
    fmt.check_lang(lang)
    en = lang == "en"
    cur = res.currency
    m = lambda x, d=0: fmt.money(x, cur, lang, d)  # noqa: E731
    if part == "data":
        return _p(" ".join(data_notes(res.paths, lang)))
    if part == "naive":
        n = res.naive
        k = n.attrs.get("levels_off")
        cost_txt = f"{m(res.cost, 2)} = {m(res.rep_hourly_cost, 2)} ÷ {fmt.number(res.attempts_per_hour, lang, 1)}"
        if en:
            return _p(f"Cost per attempt: {cost_txt} (rep hourly cost ÷ attempts per hour). "
                      + (f"The seed's profitability line levels off at {k} attempts (from there on it stays within "
                         f"{fmt.pct(n.attrs['tol'], lang, 0)} of its range). " if k else "The line has too few usable groups to level off. ")
                      + "Read literally, revenue per customer ÷ the cost of k calls falls like 1/k whenever customers "
                        "are worth about the same in every group, so where it levels off says more about arithmetic "
                        "than about the leads; the close-rate column is the informative part, and it is biased (next section).")
        return _p(f"Costo por intento: {cost_txt} (costo por hora del vendedor ÷ intentos por hora). "
                  + (f"La línea de rentabilidad de la guía se nivela en {k} intentos (desde ahí no se aleja más del "
                     f"{fmt.pct(n.attrs['tol'], lang, 0)} de su rango). " if k else "La línea tiene pocos grupos utilizables para nivelarse. ")
                  + "Leída al pie de la letra, ingreso por cliente ÷ costo de k llamadas baja como 1/k cuando los clientes "
                    "valen más o menos lo mismo en cada grupo, así que su nivelación dice más de la aritmética que de los "
                    "leads; la columna de tasa de cierre es la informativa, y está sesgada (siguiente sección).")
    if part == "compare":
        n, h = res.naive, res.hazard
        if len(n) == 0 or len(h) == 0:
            return _p("–")
        g1, h1 = n["close_rate"].iloc[0], h["close_hazard"].iloc[0]
        p = res.paths[res.paths["old_enough"] & (res.paths["n_attempts"] == 1)]
        share = float(((p["first_connect"] == 1) | (p["close_attempt"] == 1)).mean()) if len(p) else float("nan")
        if not res.has_connects:  # without call outcomes the share reached at attempt 1 is unknown
            if en:
                return _p(f"Leads called once closed at {fmt.pct(g1, lang)}, yet the first attempt brought a sale to only "
                          f"{fmt.pct(h1, lang, 2)} of the leads that received it: reps stop calling a lead once it "
                          f"answers, so the groups mix the value of an attempt with when reps stop. The corrected line "
                          f"counts every lead that reached attempt k without a sale, so it measures what attempt k adds.")
            return _p(f"Los leads llamados una vez cerraron un {fmt.pct(g1, lang)}, pero el primer intento trajo una venta "
                      f"solo al {fmt.pct(h1, lang, 2)} de los leads que lo recibieron: los vendedores dejan de llamar "
                      f"cuando el lead contesta, así que los grupos mezclan el valor de un intento con el momento en que "
                      f"se deja de llamar. La línea corregida cuenta a todos los leads que llegaron al intento k sin "
                      f"venta, así que mide lo que aporta el intento k.")
        if en:
            return _p(f"Leads called once closed at {fmt.pct(g1, lang)}, yet the first attempt brought a sale to only "
                      f"{fmt.pct(h1, lang, 2)} of the leads that received it: {fmt.pct(share, lang, 0)} of the 'called once' "
                      f"group had succeeded at that attempt, which is why nobody called them again. The corrected line "
                      f"counts every lead that reached attempt k still unreached, so it measures what attempt k adds.")
        return _p(f"Los leads llamados una vez cerraron un {fmt.pct(g1, lang)}, pero el primer intento trajo una venta "
                  f"solo al {fmt.pct(h1, lang, 2)} de los leads que lo recibieron: el {fmt.pct(share, lang, 0)} del grupo "
                  f"'llamados una vez' había tenido éxito en ese intento, y por eso nadie volvió a llamarlos. La línea "
                  f"corregida cuenta a todos los leads que llegaron al intento k sin contacto, así que mide lo que "
                  f"aporta el intento k.")
    if part == "value":
        v = res.value.attrs if len(res.value) else {}
        K = v.get("recommended", 0)
        span_i = _span(v.get("recommended_low"), v.get("recommended_high"))
        span_b = _span(res.boot.get("low"), res.boot.get("high"))
        if not np.isfinite(res.avg_revenue):
            return _p("No customer with a known revenue among the old-enough leads: the value of an attempt cannot "
                      "be put in money, so no number of attempts is recommended." if en else
                      "Ningún cliente con ingreso conocido entre los leads con antigüedad suficiente: el valor de un "
                      "intento no puede expresarse en dinero, así que no se recomienda un número de intentos.")
        if not K:
            return _p("No attempt's expected value exceeds its cost with these numbers: the data do not support an "
                      "attempts rule." if en else
                      "Con estas cifras ningún intento tiene un valor esperado mayor que su costo: los datos no "
                      "justifican una regla de intentos.")
        if en:
            return _p(f"Recommended: {K} attempts. Attempt {K} is the last whose expected value ({m(v['value_last'])}) "
                      f"exceeds its cost ({m(res.cost, 2)}). Using the 95 % interval bounds instead of the estimate "
                      f"gives {span_i} attempts; a bootstrap over leads ({res.boot.get('n_boot')} resamples, seed "
                      f"{res.boot.get('seed')}) gives {span_b} ({fmt.pct(res.boot.get('level', 0.9), lang, 0)} range).")
        return _p(f"Recomendado: {K} intentos. El intento {K} es el último cuyo valor esperado ({m(v['value_last'])}) "
                  f"supera su costo ({m(res.cost, 2)}). Con los límites de los intervalos del 95 % en lugar de la "
                  f"estimación salen {span_i} intentos; un bootstrap sobre los leads ({res.boot.get('n_boot')} "
                  f"remuestreos, semilla {res.boot.get('seed')}) da {span_b} (rango del {fmt.pct(res.boot.get('level', 0.9), lang, 0)}).")
    if part == "by_type":
        rec = res.by_type.attrs.get("recommended", {})
        if not rec:
            return _p("No lead type has enough leads for its own line." if en else
                      "Ningún tipo de lead tiene leads suficientes para su propia línea.")
        items = "; ".join(f"{t}: {k}" for t, k in rec.items())
        if en:
            return _p(f"Recommended attempts per lead type ({items}). Each type uses its own revenue per customer; "
                      f"types with few leads are noisy, so prefer one company-wide number unless a type differs clearly.")
        return _p(f"Intentos recomendados por tipo de lead ({items}). Cada tipo usa su propio ingreso por cliente; "
                  f"los tipos con pocos leads son ruidosos: mejor un número común salvo que un tipo difiera claramente.")
    if part == "speed":
        if res.speed is None:
            return _p(data_notes(res.paths, lang)[-1])
        s = res.speed[~res.speed["too_small"] & (res.speed["bucket"] != "never")]
        if len(s) < 2:
            return _p("Too few leads per delay bucket to compare." if en else "Muy pocos leads por tramo de retraso para comparar.")
        f, sl = s.iloc[0], s.iloc[-1]
        H = first_contact_window(res.speed)
        lab = SPEED_LABELS[lang]
        if en:
            return _p(f"Leads first attempted {lab[f['bucket']]} after reaching sales closed at {fmt.pct(f['close_rate'], lang)} "
                      f"{fmt.ci(f['ci_low'], f['ci_high'], lang)}; those attempted {lab[sl['bucket']]} at "
                      f"{fmt.pct(sl['close_rate'], lang)} {fmt.ci(sl['ci_low'], sl['ci_high'], lang)}. The longest delay not "
                      f"clearly worse than the fastest is {_hours_text(H, lang) if H else '–'}.")
        return _p(f"Los leads con el primer intento {lab[f['bucket']]} tras llegar a ventas cerraron un "
                  f"{fmt.pct(f['close_rate'], lang)} {fmt.ci(f['ci_low'], f['ci_high'], lang)}; los contactados {lab[sl['bucket']]}, un "
                  f"{fmt.pct(sl['close_rate'], lang)} {fmt.ci(sl['ci_low'], sl['ci_high'], lang)}. El mayor retraso no claramente "
                  f"peor que el más rápido es {_hours_text(H, lang) if H else '–'}.")
    if part == "cadence":
        if res.cadence is None or not res.cadence.attrs.get("n"):
            return _p(data_notes(res.paths, lang)[0] if res.source != "log" else
                      ("No successful attempts to time." if en else "No hay intentos exitosos que fechar."))
        c = res.cadence.attrs
        K = max(res.value.attrs.get("recommended", 0), 1)
        if en:
            return _p(f"{fmt.pct(c['quantile'], lang, 0)} of the {fmt.number(c['n'], lang)} successful attempts among the "
                      f"first {K} happened within {c['within_days']} days of the lead reaching sales: D = {c['within_days']}.")
        return _p(f"El {fmt.pct(c['quantile'], lang, 0)} de los {fmt.number(c['n'], lang)} intentos exitosos entre los "
                  f"primeros {K} ocurrió en los {c['within_days']} días siguientes a la llegada del lead a ventas: D = {c['within_days']}.")
    if part == "recommendation":
        r = res.recommendation
        if r is None:
            return _p("The data cannot support a sales SLA on attempts (see above); keep the current one."
                      if en else "Los datos no permiten recomendar un ANS de intentos (ver arriba); mantenga el actual.")
        return _p(r["line_en"] if en else r["line_es"])
    raise ValueError(f"unknown part {part!r}")


def headlines(res: AttemptsResult, lang: str = "en") -> list[dict]:
    """Index-tile items: recommended attempts, first-contact window, value of the last recommended attempt."""
    r = res.recommendation or {}
    K = r.get("attempts")
    H = r.get("first_contact_hours")
    v = r.get("value_last_attempt")
    return [
        {"label_en": "Recommended attempts", "label_es": "Intentos recomendados", "value": K,
         "display": fmt.MISSING if K is None else
         (f"{K} in {r['within_days']} days" if lang == "en" else f"{K} en {r['within_days']} días")},
        {"label_en": "First-contact window", "label_es": "Plazo del primer contacto", "value": H,
         "display": fmt.MISSING if H is None else _hours_text(H, lang)},
        {"label_en": "Value of the last recommended attempt", "label_es": "Valor del último intento recomendado",
         "value": None if v is None else float(v), "display": fmt.money(v, res.currency, lang)},
    ]


# --------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------
def _yerr(y, low, high) -> np.ndarray:
    """Error-bar lengths (Wilson bounds can sit a rounding error beyond the estimate)."""
    y, low, high = (np.asarray(x, dtype=float) for x in (y, low, high))
    return np.clip(np.vstack([y - low, high - y]), 0, None)


def _ax(ax, size="normal"):
    if ax is None:
        import matplotlib.pyplot as plt

        from smk.views import theme

        _, ax = plt.subplots(figsize=theme.figsize(size))
    return ax


def plot_naive(naive: pd.DataFrame, *, lang: str = "en", ax=None):
    """The seed's chart: attempts (x) against profitability (y), levelling-off point marked;
    groups too small drawn hollow."""
    from smk.views import theme

    ax = _ax(ax)
    big = naive[~naive["too_small"]]
    small = naive[naive["too_small"]]
    ax.plot(big["attempts"], big["profitability"], marker="o", color=theme.COLORS["highlight"])
    ax.plot(small["attempts"], small["profitability"], marker="o", linestyle="none", mfc="none",
            color=theme.COLORS["neutral"])
    k = naive.attrs.get("levels_off")
    if k is not None:
        ax.axvline(k, color=theme.COLORS["goal"], linestyle="--", linewidth=1)
        _ = ax.annotate({"en": f"levels off at {k}", "es": f"se nivela en {k}"}[lang], (k, ax.get_ylim()[1]),
                        xytext=(4, -14), textcoords="offset points")
    ax.set_xlabel(LABELS[lang]["attempts"])
    ax.set_ylabel(LABELS[lang]["profitability"])
    _ = ax.set_title({"en": "The seed's method: profitability by attempts made",
                      "es": "Método de la guía: rentabilidad por intentos realizados"}[lang])
    return ax


def plot_value(value: pd.DataFrame, *, lang: str = "en", currency: str = "USD", ax=None, by_type: pd.DataFrame | None = None):
    """Corrected method: expected value of attempt k (with its interval) against the cost per attempt;
    optional lines per lead type; the recommended K marked."""
    from smk.views import theme

    ax = _ax(ax, "wide")
    v = value[~value["too_small"]]
    ax.fill_between(v["attempts"], v["value_low"], v["value_high"], color=theme.COLORS["highlight"], alpha=0.15, linewidth=0)
    ax.plot(v["attempts"], v["value"], marker="o", linewidth=2.5, color=theme.COLORS["highlight"],
            label={"en": "all leads", "es": "todos los leads"}[lang], zorder=3)
    if by_type is not None and len(by_type):
        for i, (typ, g) in enumerate(by_type[~by_type["too_small"]].groupby("lead_type", sort=True)):
            ax.plot(g["attempts"], g["value"], linewidth=1.0, alpha=0.8, color=theme.palette(i + 2)[-1], label=str(typ))
    cost = value.attrs["cost"]
    ax.axhline(cost, color=theme.COLORS["bad"], linestyle="--", linewidth=1.5,
               label={"en": "cost per attempt", "es": "costo por intento"}[lang])
    k = value.attrs.get("recommended")
    if k:
        ax.axvline(k, color=theme.COLORS["goal"], linestyle=":", linewidth=1)
    # values span orders of magnitude (a few € of cost, hundreds of € of value): log scale above the cost,
    # linear below it, so "above / below the cost line" stays readable
    ax.set_yscale("symlog", linthresh=max(cost, 1e-9), linscale=0.5)
    ax.set_ylim(bottom=0)
    top = ax.get_ylim()[1]
    if cost > 0 and top > cost:
        decades = range(int(math.ceil(math.log10(cost))), int(math.floor(math.log10(top))) + 1)
        ax.set_yticks([0.0] + [10.0 ** d for d in decades])
    ax.set_xlabel(LABELS[lang]["attempts"])
    ax.set_ylabel(LABELS[lang]["value"])
    theme.format_axis(ax, "y", "money", lang, currency)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _ = ax.set_title({"en": f"Value of the k-th attempt vs its cost (recommended: {k})",
                      "es": f"Valor del intento k frente a su costo (recomendado: {k})"}[lang])
    return ax


def plot_compare(naive: pd.DataFrame, hazard: pd.DataFrame, *, lang: str = "en", ax=None, min_group_size: int = 30):
    """Why the naive grouping misleads: close rate of the group 'called k times' against the
    probability that attempt k brings the sale for leads still unreached (with intervals)."""
    from smk.views import theme

    ax = _ax(ax)
    n = naive[~naive["too_small"]]
    h = hazard[hazard["at_risk"] >= min_group_size]
    ax.errorbar(n["attempts"], n["close_rate"], yerr=_yerr(n["close_rate"], n["ci_low"], n["ci_high"]),
                marker="o", capsize=2, color=theme.COLORS["neutral"],
                label={"en": "naive: close rate of leads called k times", "es": "ingenuo: cierre de leads llamados k veces"}[lang])
    ax.errorbar(h["attempts"], h["close_hazard"], yerr=_yerr(h["close_hazard"], h["close_low"], h["close_high"]),
                marker="s", capsize=2, color=theme.COLORS["highlight"],
                label={"en": "corrected: P(sale at attempt k | unreached before)",
                       "es": "corregido: P(venta en el intento k | sin contacto antes)"}[lang])
    ax.set_xlabel(LABELS[lang]["attempts"])
    theme.format_axis(ax, "y", "pct", lang, decimals=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    _ = ax.set_title({"en": "Naive vs corrected", "es": "Ingenuo frente a corregido"}[lang])
    return ax


def plot_speed(speed: pd.DataFrame, *, lang: str = "en", ax=None):
    """Close rate by delay to the first attempt, with Wilson intervals."""
    from smk.views import theme

    ax = _ax(ax)
    s = speed[speed["n_leads"] > 0]
    x = np.arange(len(s))
    colors = [theme.COLORS["neutral"] if t else theme.COLORS["highlight"] for t in s["too_small"]]
    ax.bar(x, s["close_rate"], color=colors)
    ax.errorbar(x, s["close_rate"], yerr=_yerr(s["close_rate"], s["ci_low"], s["ci_high"]),
                fmt="none", ecolor=theme.COLORS["goal"], capsize=3)
    ax.set_xticks(x, [SPEED_LABELS[lang][b] for b in s["bucket"]])
    ax.set_xlabel(LABELS[lang]["bucket"])
    ax.set_ylabel(LABELS[lang]["close_rate"])
    theme.format_axis(ax, "y", "pct", lang, decimals=1)
    _ = ax.set_title({"en": "Speed to lead: close rate by delay to first attempt",
                      "es": "Velocidad de respuesta: cierre según el retraso del primer intento"}[lang])
    return ax


def plot_cadence(cad: pd.DataFrame, *, lang: str = "en", ax=None):
    """Cumulative share of successful attempts by days since the lead reached sales (daily); D marked."""
    from smk.views import theme

    ax = _ax(ax)
    daily = cad.attrs.get("daily")
    curve = daily if daily is not None else cad
    ax.plot(curve["day"], curve["cum_share"], color=theme.COLORS["highlight"], drawstyle="steps-post" if daily is None else "default")
    D = cad.attrs.get("within_days")
    if D:
        ax.axvline(D, color=theme.COLORS["goal"], linestyle="--", linewidth=1)
        ax.axhline(cad.attrs["quantile"], color=theme.COLORS["neutral"], linestyle=":", linewidth=1)
    ax.set_xlabel(LABELS[lang]["day"])
    ax.set_ylabel(LABELS[lang]["cum_share"])
    theme.format_axis(ax, "y", "pct", lang)
    _ = ax.set_title({"en": f"When successful attempts happen (D = {D} days)",
                      "es": f"Cuándo ocurren los intentos exitosos (D = {D} días)"}[lang])
    return ax


# --------------------------------------------------------------------------------------------
# interactive (JupyterLab only)
# --------------------------------------------------------------------------------------------
def cost_sliders(result: AttemptsResult, *, lang: str = "en"):
    """ipywidgets sliders for rep hourly cost and attempts per hour that recompute the cost per
    attempt, the recommended K and the value chart live (only for interactive sessions)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    hz, R = result.hazard, result.avg_revenue
    mg = result.value.attrs.get("min_group_size", 30)
    hourly = widgets.FloatSlider(value=result.rep_hourly_cost, min=0.0, max=max(200.0, 4 * result.rep_hourly_cost),
                                 step=1.0, description={"en": "Hourly cost", "es": "Costo por hora"}[lang])
    per_hour = widgets.FloatSlider(value=result.attempts_per_hour, min=0.5, max=max(30.0, 2 * result.attempts_per_hour), step=0.5,
                                   description={"en": "Attempts/hour", "es": "Intentos/hora"}[lang])
    out = widgets.Output()
    label = widgets.HTML()

    def redraw(*_):
        c = cost_per_attempt(hourly.value, per_hour.value)
        v = attempt_value(hz, R, c, min_group_size=mg)
        k = v.attrs["recommended"]
        label.value = {"en": f"Cost per attempt {fmt.money(c, result.currency, lang, 2)} → recommended attempts: <b>{k}</b>",
                       "es": f"Costo por intento {fmt.money(c, result.currency, lang, 2)} → intentos recomendados: <b>{k}</b>"}[lang]
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(9.0, 4.0))
            plot_value(v, lang=lang, currency=result.currency, ax=ax)
            plt.show()

    hourly.observe(redraw, names="value")
    per_hour.observe(redraw, names="value")
    redraw()
    return widgets.VBox([hourly, per_hour, label, out])
